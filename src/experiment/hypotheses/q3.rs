//! Q3: what traces would show it? How well every observable separates "feedback on" from
//! "feedback off", and the power of the Monte Carlo test one observed region allows.

use super::Options;
use super::mechanisms::channel_variants;
use super::refit::{ABLATIONS, LEVEL_SE_SHARE, simulate_at};
use crate::data::Dataset;
use crate::ensemble::Runner;
use crate::error::Result;
use crate::experiment::estimate::{auc, monte_carlo_power, standardised_difference, summarise};
use crate::experiment::outcome::{Key, Outcomes, Selection};
use crate::experiment::output::{ExperimentDir, fmt_sig, num};
use crate::experiment::plot::{ForestPanel, ForestSeries, forest_figure};
use crate::experiment::table::Table;
use crate::model::Model;
use crate::scenario::Scenario;
use crate::scenario::Target;
use crate::stats::interval::half_width;
use std::collections::HashMap;

/// How well one observable tells "feedback on" from "feedback off".
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The observable.
    pub key: Key,
    /// Whether a survey of the organisations can measure it ([`survey_measurable`]).
    pub survey: bool,
    /// Mean with feedback on.
    pub mean_on: f64,
    /// Mean with the channel off.
    pub mean_off: f64,
    /// Standardised difference (on minus off, pooled sd).
    pub d: f64,
    /// Area under the ROC curve (probability that an "on" value exceeds an "off" one).
    pub auc: f64,
    /// Its standard error (Hanley and McNeil 1982).
    pub auc_se: f64,
    /// Power used only to rank the observables: the test on the ranking half of the
    /// replicates (parameters known); -1 when it is undefined there.
    pub rank_power: f64,
    /// Power of the two-sided 5% Monte Carlo test of one observed region against the "off"
    /// ensemble, parameters known, on the held-out half of the replicates (not those used to
    /// rank).
    pub power: f64,
    /// Monte Carlo standard error of `power` (binomial over the "on" replicates).
    pub power_se: f64,
    /// Power of the same test when the statistic is averaged over [`REGIONS`] independent
    /// regions (blocks of held-out replicates); NaN when the "off" ensemble has fewer than 39
    /// blocks, since the 5% test could then never reject.
    pub power_regions: Vec<f64>,
    /// Monte Carlo standard errors of `power_regions`.
    pub power_regions_se: Vec<f64>,
    /// Power when the parameters are not known: the "on" region and the "off" ensemble are
    /// simulated at draws from the posteriors of the full model and of the "off" model
    /// re-fitted by ABC to the targets and to the region's marginal rates of the processes
    /// the channel acts in (the intercepts of those processes free); NaN when not run.
    pub power_posterior: f64,
    /// Its Monte Carlo standard error.
    pub power_posterior_se: f64,
    /// Replicates used (on, off) in the held-out half.
    pub n: (usize, usize),
}

/// Numbers of independent regions (or programme editions) for which Q3 also gives the power.
pub const REGIONS: [usize; 2] = [3, 10];

/// Means of consecutive blocks of `k` finite values (a last partial block is dropped).
fn block_means(v: &[f64], k: usize) -> Vec<f64> {
    let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    f.chunks_exact(k)
        .map(|c| c.iter().sum::<f64>() / k as f64)
        .collect()
}

/// The traces of one contrast, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Contrast {
    /// The channel switched off (or `all`).
    pub channel: String,
    /// Every observable, ranked by power on the ranking half, then by |d| there.
    pub traces: Vec<Trace>,
}

/// Statistics that are not observable in a survey (money) are left out of Q3.
const NOT_OBSERVED: [&str; 2] = ["programme_cost", "cost_per_lasting_tie"];

/// Can a survey of the region's organisations measure the statistic? Ties, their age ("since
/// when do you work together?"), entrants, adoption and initiative participation can be asked
/// for; trust is latent, so `mean_trust` and the trust-weighted social-capital measures
/// (`sc_relational*`, `sc_index*`) are not survey observables.
pub fn survey_measurable(statistic: &str) -> bool {
    !(statistic.contains("trust") && statistic != "programme_tie_survival"
        || statistic.starts_with("sc_relational")
        || statistic.starts_with("sc_index"))
}

/// Standard error of an AUC (Hanley and McNeil 1982).
pub fn auc_se(auc: f64, n_on: usize, n_off: usize) -> f64 {
    let (a, n1, n2) = (auc, n_on as f64, n_off as f64);
    let q1 = a / (2.0 - a);
    let q2 = 2.0 * a * a / (1.0 + a);
    ((a * (1.0 - a) + (n1 - 1.0) * (q1 - a * a) + (n2 - 1.0) * (q2 - a * a)) / (n1 * n2))
        .max(0.0)
        .sqrt()
}

fn binomial_se(p: f64, n: usize) -> f64 {
    if p.is_finite() && n > 0 {
        (p * (1.0 - p) / n as f64).sqrt()
    } else {
        f64::NAN
    }
}

/// A target at the mean of `statistic@wave` in `t`, with a standard error of
/// [`LEVEL_SE_SHARE`] of its run-to-run standard deviation.
fn level_target(
    t: &crate::experiment::outcome::OutcomeTable,
    statistic: &str,
    wave: usize,
) -> Target {
    let s = summarise(&t.column(&Key::new(statistic, wave)));
    Target {
        statistic: statistic.to_string(),
        wave,
        scope: "network".into(),
        value: s.mean,
        se: (LEVEL_SE_SHARE * s.sd).max(1e-9),
    }
}

fn finite_count(v: &[f64]) -> usize {
    v.iter().filter(|x| x.is_finite()).count()
}

/// Ranks observables for each contrast: feedback on (seed) against each channel off and all
/// off (seed + 1, independent replicates, as the real region and the model are). The first
/// half of the replicates ranks the observables, the second half estimates their power.
/// With `posterior`, the power is also computed with parameter uncertainty: the "on" region
/// from the full model's posterior draws and the "off" ensemble from the posterior draws of
/// the "off" model re-fitted to the targets (intercepts by ABC, [`super::refit`]).
pub fn q3(
    runner: &Runner,
    scenario: &Scenario,
    data: &Dataset,
    o: &Options,
) -> Result<Vec<Contrast>> {
    let (names, scenarios) = channel_variants(scenario);
    let models: Vec<Model> = scenarios
        .iter()
        .map(|s| Model::new(data, &s.params()))
        .collect::<std::result::Result<_, _>>()?;
    let on = runner
        .outcomes(
            "Q3 feedback on",
            &[&models[0]],
            o.seed,
            o.replicates,
            &Selection::All,
        )
        .remove(0);
    let keys: Vec<Key> = on
        .keys
        .iter()
        .filter(|k| !NOT_OBSERVED.contains(&k.statistic.as_str()))
        .cloned()
        .collect();
    let refs: Vec<&Model> = models[1..].iter().collect();
    let offs = runner.outcomes(
        "Q3 feedback off",
        &refs,
        o.seed.wrapping_add(1),
        o.replicates,
        &Selection::Keys(keys.clone()),
    );
    // Parameter uncertainty: posterior draws of the full and of each re-fitted "off" model.
    let posterior = if o.q3_posterior {
        let mut b = o.budget;
        b.draws = o.replicates as usize;
        let free = super::refit::target_intercepts(scenario)?;
        let fit = |name: &str, s: &Scenario, free: Vec<_>, targets: Vec<_>| {
            super::refit::refit(
                name,
                "q3",
                "",
                s,
                free,
                targets,
                &b,
                o.seed,
                runner.threads(),
            )
        };
        let full = fit(
            "full model",
            &scenarios[0],
            free.clone(),
            scenario.targets.clone(),
        )?;
        let on_post = simulate_at(
            runner,
            "Q3 posterior, on",
            data,
            &full.params,
            o.seed.wrapping_add(2),
            &keys,
        )?;
        let mut off_post = Vec::new();
        for (s, name) in scenarios[1..].iter().zip(&names[1..]) {
            // The null is fitted to what the evaluator observes in the region: the targets
            // and the marginal rates of the processes the channel acts in (taken from the
            // "on" ensemble), with those processes' intercepts free.
            let channel = name.trim_end_matches(" off");
            let (mut free, mut targets) = (free.clone(), scenario.targets.clone());
            for a in ABLATIONS.iter().filter(|a| {
                channel == "all channels"
                    || a.name == channel
                    || (channel == "adoption_to_social_capital"
                        && matches!(a.name, "adopters_form_ties" | "adopters_launch_initiatives"))
            }) {
                for k in a.intercepts {
                    if !free.iter().any(|p| p.key == *k) {
                        free.push(super::refit::intercept_prior(scenario, k)?);
                    }
                }
                for (st, w) in a.levels {
                    if !targets.iter().any(|t| t.statistic == *st && t.wave == *w) {
                        targets.push(level_target(&on, st, *w));
                    }
                }
            }
            let f = fit(name, s, free, targets)?;
            off_post.push(simulate_at(
                runner,
                "Q3 posterior, off",
                data,
                &f.params,
                o.seed.wrapping_add(3),
                &keys,
            )?);
        }
        Some((on_post, off_post))
    } else {
        None
    };
    let half = (o.replicates as usize) / 2;
    let contrasts = offs
        .iter()
        .zip(&names[1..])
        .enumerate()
        .map(|(c, (off, name))| {
            let mut traces: Vec<Trace> = keys
                .iter()
                .map(|k| {
                    let a = on.column(k);
                    let b = off.column(k);
                    let (ra, ea) = a.split_at(half.min(a.len()));
                    let (rb, eb) = b.split_at(half.min(b.len()));
                    let (sa, sb) = (summarise(ea), summarise(eb));
                    let auc_v = auc(ea, eb);
                    let power = monte_carlo_power(ea, eb, 0.05);
                    let regions: Vec<(f64, f64)> = REGIONS
                        .iter()
                        .map(|&k| {
                            let (x, y) = (block_means(ea, k), block_means(eb, k));
                            let p = monte_carlo_power(&x, &y, 0.05);
                            (p, binomial_se(p, x.len()))
                        })
                        .collect();
                    let (pp, pp_se) = match &posterior {
                        Some((on_p, off_p)) => {
                            let (x, y) = (on_p.column(k), off_p[c].column(k));
                            let p = monte_carlo_power(&x, &y, 0.05);
                            (p, binomial_se(p, finite_count(&x)))
                        }
                        None => (f64::NAN, f64::NAN),
                    };
                    Trace {
                        key: k.clone(),
                        survey: survey_measurable(&k.statistic),
                        mean_on: sa.mean,
                        mean_off: sb.mean,
                        d: standardised_difference(ea, eb),
                        auc: auc_v,
                        auc_se: auc_se(auc_v, sa.n, sb.n),
                        rank_power: {
                            let p = monte_carlo_power(ra, rb, 0.05);
                            if p.is_finite() { p } else { -1.0 }
                        },
                        power,
                        power_se: binomial_se(power, finite_count(ea)),
                        power_regions: regions.iter().map(|r| r.0).collect(),
                        power_regions_se: regions.iter().map(|r| r.1).collect(),
                        power_posterior: pp,
                        power_posterior_se: pp_se,
                        n: (sa.n, sb.n),
                    }
                })
                .filter(|t| t.n.0 > 1 && t.n.1 > 1)
                .collect();
            // Ranked on the first half only (power, then |d| there), so the power reported
            // for a top observable is not inflated by having been chosen on the same runs.
            let rank_d: HashMap<Key, f64> = keys
                .iter()
                .map(|k| {
                    let (a, b) = (on.column(k), off.column(k));
                    let d =
                        standardised_difference(&a[..half.min(a.len())], &b[..half.min(b.len())]);
                    (k.clone(), if d.is_finite() { d.abs() } else { -1.0 })
                })
                .collect();
            traces.sort_by(|x, y| {
                y.rank_power
                    .total_cmp(&x.rank_power)
                    .then(rank_d[&y.key].total_cmp(&rank_d[&x.key]))
            });
            Contrast {
                channel: name
                    .trim_end_matches(" off")
                    .replace("all channels", "all")
                    .to_string(),
                traces,
            }
        })
        .collect();
    Ok(contrasts)
}

/// One contrast's top traces as a table (survey observables only with `survey_only`), with
/// Monte Carlo standard errors.
pub fn q3_table(c: &Contrast, top: usize, survey_only: bool) -> Table {
    let mut t = Table::new(&[
        "rank",
        "observable",
        "mean on",
        "mean off",
        "d",
        "AUC ± se",
        "power ± se",
        "3 regions",
        "10 regions",
        "power, parameters uncertain",
    ]);
    let pm = |p: f64, se: f64| {
        if p.is_finite() {
            format!("{p:.2} ± {se:.2}")
        } else {
            "-".into()
        }
    };
    for (k, tr) in c
        .traces
        .iter()
        .filter(|t| !survey_only || t.survey)
        .take(top)
        .enumerate()
    {
        let mut row = vec![
            (k + 1).to_string(),
            tr.key.to_string(),
            fmt_sig(tr.mean_on, 3),
            fmt_sig(tr.mean_off, 3),
            format!("{:.2}", tr.d),
            pm(tr.auc, tr.auc_se),
            pm(tr.power, tr.power_se),
        ];
        row.extend(
            tr.power_regions
                .iter()
                .zip(&tr.power_regions_se)
                .map(|(p, se)| pm(*p, *se)),
        );
        row.push(pm(tr.power_posterior, tr.power_posterior_se));
        t.push(row);
    }
    t
}

pub(super) fn write_q3(cs: &[Contrast], dir: &mut ExperimentDir) -> Result<()> {
    let mut rows = Vec::new();
    for c in cs {
        for (k, t) in c.traces.iter().enumerate() {
            rows.push(vec![
                c.channel.clone(),
                (k + 1).to_string(),
                t.key.statistic.clone(),
                t.key.wave.to_string(),
                num(t.mean_on),
                num(t.mean_off),
                num(t.d),
                t.survey.to_string(),
                num(t.auc),
                num(t.auc_se),
                num(t.rank_power.max(0.0)),
                num(t.power),
                num(t.power_se),
                num(t.power_regions[0]),
                num(t.power_regions_se[0]),
                num(t.power_regions[1]),
                num(t.power_regions_se[1]),
                num(t.power_posterior),
                num(t.power_posterior_se),
                t.n.0.to_string(),
                t.n.1.to_string(),
            ]);
        }
    }
    dir.csv(
        "q3_traces.csv",
        &[
            "channel_off",
            "rank",
            "statistic",
            "wave",
            "mean_on",
            "mean_off",
            "d",
            "survey",
            "auc",
            "auc_se",
            "rank_power",
            "power",
            "power_se",
            "power_3_regions",
            "power_3_regions_se",
            "power_10_regions",
            "power_10_regions_se",
            "power_posterior",
            "power_posterior_se",
            "n_on",
            "n_off",
        ],
        &rows,
    )?;
    let panels: Vec<ForestPanel> = cs
        .iter()
        .map(|c| {
            let top: Vec<&Trace> = c.traces.iter().take(10).collect();
            let n = top.first().map_or(1.0, |t| t.n.0 as f64);
            let ci = |p: f64| {
                let h = half_width((p * (1.0 - p) / n).sqrt(), f64::INFINITY);
                (p, (p - h).max(0.0), (p + h).min(1.0))
            };
            let auc_ci = |t: &Trace| {
                let h = half_width(t.auc_se, f64::INFINITY);
                (t.auc, (t.auc - h).max(0.0), (t.auc + h).min(1.0))
            };
            ForestPanel {
                title: format!("{} off: top 10", c.channel),
                x_label: "power (5% test) and AUC".into(),
                rows: top.iter().map(|t| t.key.to_string()).collect(),
                series: vec![
                    ForestSeries {
                        name: "power".into(),
                        values: top.iter().map(|t| ci(t.power)).collect(),
                    },
                    ForestSeries {
                        name: "AUC".into(),
                        values: top.iter().map(|t| auc_ci(t)).collect(),
                    },
                ],
                reference: Some(0.5),
            }
        })
        .collect();
    forest_figure(
        &dir.path().join("q3_traces.svg"),
        "Q3: observables that tell feedback on from off (one region of 22 territories, three waves)",
        &panels,
        2,
    )
}
