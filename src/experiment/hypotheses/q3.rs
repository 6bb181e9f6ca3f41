//! Q3: what traces would show it? How well every observable separates "feedback on" from
//! "feedback off", and the power of the Monte Carlo test an evaluator can run: on one observed
//! region with the null's parameters known or uncertain (posterior draws of the re-fitted
//! null), and on studies of 1, 3 or 10 regions drawn from the region generator, so that the
//! regions differ. Organisation-level traces (adopters against non-adopters, panel
//! regressions across waves) are set beside the region-level statistics, and selection is
//! told from influence by testing each panel regression against the null without either
//! channel.

use super::Options;
use super::mechanisms::channel_variants;
use super::refit::{ABLATIONS, Fit, LEVEL_SE_SHARE, own_replicate, simulate_at};
use crate::calibrate::spec::ParameterSpec;
use crate::data::Dataset;
use crate::data::generate::{GeneratorParams, generate};
use crate::ensemble::Runner;
use crate::error::{Error, Result};
use crate::experiment::estimate::{auc, monte_carlo_power, standardised_difference, summarise};
use crate::experiment::outcome::{
    Key, KeyIndex, OutcomeTable, Outcomes, Selection, observe, run_replicate,
};
use crate::experiment::output::{ExperimentDir, fmt_sig, num};
use crate::experiment::plot::{ForestPanel, ForestSeries, forest_figure};
use crate::experiment::table::Table;
use crate::model::{Model, Params};
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
    /// Its Monte Carlo standard error.
    pub mean_on_se: f64,
    /// Mean with the channel off.
    pub mean_off: f64,
    /// Its Monte Carlo standard error.
    pub mean_off_se: f64,
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
    /// Power when the parameters are not known: the "on" region and the "off" ensemble are
    /// simulated at draws from the posteriors of the full model and of the "off" model
    /// re-fitted by ABC to the targets and to the region's marginal rates of the processes
    /// the channel acts in (the intercepts of those processes free); NaN when not run.
    pub power_posterior: f64,
    /// Its Monte Carlo standard error.
    pub power_posterior_se: f64,
    /// Power of the same test on studies of [`Contrast::regions`] regions each, every region
    /// drawn from the region generator with its own seed, the statistic averaged over the
    /// study's regions (the parameters as for `power_posterior` when that is run, known
    /// otherwise); NaN when not run or when the null has fewer than 39 studies.
    pub power_generated: Vec<f64>,
    /// Monte Carlo standard errors of `power_generated` (binomial over the "on" studies).
    pub power_generated_se: Vec<f64>,
    /// Replicates used (on, off) in the held-out half.
    pub n: (usize, usize),
}

/// Numbers of generated regions per study for which Q3 gives the power by default.
pub const REGIONS: [usize; 3] = [1, 3, 10];

/// Fewest studies in an ensemble of generated regions: the two-sided 5% Monte Carlo test
/// needs at least 39 null values to be able to reject.
pub const MIN_STUDIES: usize = 40;

/// The traces of one contrast, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Contrast {
    /// The channel switched off (or `all`).
    pub channel: String,
    /// Every observable, ranked by power on the ranking half, then by |d| there.
    pub traces: Vec<Trace>,
    /// Regions per study of [`Trace::power_generated`].
    pub regions: Vec<usize>,
    /// Studies per ensemble ("on" and "off" alike), for each entry of `regions`.
    pub studies: Vec<usize>,
    /// Whether the generated-region studies draw the parameters from the posteriors (the
    /// null re-fitted) or take them as known.
    pub regions_posterior: bool,
}

/// Statistics that are not observable in a survey (money) are left out of Q3.
pub(super) const NOT_OBSERVED: [&str; 2] = ["programme_cost", "cost_per_lasting_tie"];

/// Can a survey of the region's organisations measure the statistic? Ties, their age ("since
/// when do you work together?"), entrants, adoption and initiative participation can be asked
/// for; trust is latent, so `mean_trust` and the trust-weighted social-capital measures
/// (`sc_relational*`, `sc_index*`) are not survey observables.
pub fn survey_measurable(statistic: &str) -> bool {
    !(statistic.contains("trust") && statistic != "programme_tie_survival"
        || statistic.starts_with("sc_relational")
        || statistic.starts_with("sc_index"))
}

/// The organisation-level statistics: adopters against non-adopters (degree, tie gain,
/// initiative participation) and the panel regressions across waves (`adoption_selection`,
/// `adoption_influence`); every other statistic is a region-level total, share or index.
pub const ORGANISATION_LEVEL: [&str; 5] = [
    "adopter_degree_gap",
    "adopter_tie_gain_gap",
    "adopter_initiative_gap",
    "adoption_selection",
    "adoption_influence",
];

/// The channel whose null tests selection (adoption driven by ties) and the one whose null
/// tests influence (ties driven by adoption).
pub const SELECTION_INFLUENCE: [(&str, &str); 2] = [
    ("selection", "social_capital_to_adoption"),
    ("influence", "adoption_to_social_capital"),
];

/// Region-level statistics shown beside the organisation-level ones.
const REGION_LEVEL: [(&str, usize); 3] =
    [("adoption_share", 3), ("ties", 3), ("initiative_share", 3)];

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
fn level_target(t: &OutcomeTable, statistic: &str, wave: usize) -> Target {
    let s = summarise(&t.column(&Key::new(statistic, wave)));
    Target {
        statistic: statistic.to_string(),
        wave,
        scope: "network".into(),
        value: s.mean,
        se: (LEVEL_SE_SHARE * s.sd).max(1e-9),
    }
}

/// The mean of the finite values (NaN when there are none).
fn finite_mean(v: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = v
        .filter(|x| x.is_finite())
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

fn finite_count(v: &[f64]) -> usize {
    v.iter().filter(|x| x.is_finite()).count()
}

/// The 5% Monte Carlo power of `on` against `off` with its binomial standard error.
fn power_with_se(on: &[f64], off: &[f64]) -> (f64, f64) {
    let p = monte_carlo_power(on, off, 0.05);
    (p, binomial_se(p, finite_count(on)))
}

/// The "on" region and every "off" ensemble simulated at posterior draws, with the draws.
struct Posterior {
    on: OutcomeTable,
    off: Vec<OutcomeTable>,
    on_params: Vec<Params>,
    off_params: Vec<Vec<Params>>,
}

/// Studies of generated regions: per entry of the region counts, the "on" table and, per
/// contrast, the "off" table; a row is a study, its values the means over the study's regions.
struct Generated {
    regions: Vec<usize>,
    studies: Vec<usize>,
    on: Vec<OutcomeTable>,
    off: Vec<Vec<OutcomeTable>>,
}

/// Ranks observables for each contrast: feedback on (seed) against each channel off and all
/// off (seed + 1, independent replicates, as the real region and the model are). The first
/// half of the replicates ranks the observables, the second half estimates their power.
/// With `o.q3_posterior`, the power is also computed with parameter uncertainty: the "on"
/// region from the full model's posterior draws and the "off" ensemble from the posterior
/// draws of the "off" model re-fitted to the targets (intercepts by ABC, [`super::refit`]).
/// With `o.q3_regions`, the power on studies of generated regions (`o.q3_region_counts`
/// regions each).
pub fn q3(
    runner: &Runner,
    scenario: &Scenario,
    data: &Dataset,
    o: &Options,
) -> Result<Vec<Contrast>> {
    // The re-fitted nulls are calibrated by ABC, whose simulations a shard does not all run:
    // the posterior draws, and the generated regions simulated at them, would differ by shard.
    if o.q3_posterior
        && !matches!(
            crate::ensemble::shard::mode(),
            crate::ensemble::shard::Mode::All
        )
    {
        return Err(Error::Other(
            "Q3 re-fits its nulls by ABC and does not run under --shard or `wecare merge`; \
             run it without --shard"
                .into(),
        ));
    }
    if o.q3_region_counts.contains(&0) {
        return Err(Error::Other(
            "Q3: a study needs at least one region (a region count of 0)".into(),
        ));
    }
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
    let posterior = if o.q3_posterior {
        Some(posterior_ensembles(
            runner, scenario, &scenarios, &names, data, &on, &keys, o,
        )?)
    } else {
        None
    };
    // The generated regions take the parameters from the posteriors when they were fitted.
    let (on_params, off_params) = match &posterior {
        Some(p) => (p.on_params.clone(), p.off_params.clone()),
        None => (
            vec![scenarios[0].params()],
            scenarios[1..].iter().map(|s| vec![s.params()]).collect(),
        ),
    };
    let generated = generated_regions(runner, o, &on_params, &off_params, &keys)?;
    Ok(offs
        .iter()
        .zip(&names[1..])
        .enumerate()
        .map(|(c, (off, name))| {
            let mut traces: Vec<Trace> = keys
                .iter()
                .map(|k| {
                    let post = posterior.as_ref().map(|p| (&p.on, &p.off[c]));
                    let studies = generated.as_ref().map(|g| (&g.on[..], &g.off[c][..]));
                    trace(k, &on, off, o.replicates as usize / 2, post, studies)
                })
                .filter(|t| t.n.0 > 1 && t.n.1 > 1)
                .collect();
            rank(&mut traces, &on, off, o.replicates as usize / 2);
            Contrast {
                channel: name
                    .trim_end_matches(" off")
                    .replace("all channels", "all")
                    .to_string(),
                traces,
                regions: generated.as_ref().map_or(vec![], |g| g.regions.clone()),
                studies: generated.as_ref().map_or(vec![], |g| g.studies.clone()),
                regions_posterior: posterior.is_some() && generated.is_some(),
            }
        })
        .collect())
}

/// What the null of `channel` (a name of [`channel_variants`] without " off") is re-fitted
/// to: the targets and the marginal rates of the processes the channel acts in (taken from
/// the "on" ensemble `on`, as what the evaluator observes in the region), with those
/// processes' intercepts free beside `free`.
fn null_fit(
    scenario: &Scenario,
    channel: &str,
    free: &[ParameterSpec],
    on: &OutcomeTable,
) -> Result<(Vec<ParameterSpec>, Vec<Target>)> {
    let (mut free, mut targets) = (free.to_vec(), scenario.targets.clone());
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
                targets.push(level_target(on, st, *w));
            }
        }
    }
    Ok((free, targets))
}

/// Parameter uncertainty: the full model and each "off" model re-fitted by ABC
/// ([`null_fit`]), and the "on" region and the "off" ensembles simulated at their posterior
/// draws (one replicate per draw).
#[allow(clippy::too_many_arguments)]
fn posterior_ensembles(
    runner: &Runner,
    scenario: &Scenario,
    scenarios: &[Scenario],
    names: &[String],
    data: &Dataset,
    on: &OutcomeTable,
    keys: &[Key],
    o: &Options,
) -> Result<Posterior> {
    let mut b = o.budget;
    b.draws = o.replicates as usize;
    let free = super::refit::target_intercepts(scenario)?;
    let fit = |name: &str, s: &Scenario, free: Vec<_>, targets: Vec<_>| -> Result<Fit> {
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
        keys,
        own_replicate,
    )?;
    let (mut off, mut off_params) = (Vec::new(), Vec::new());
    for (s, name) in scenarios[1..].iter().zip(&names[1..]) {
        let (free, targets) = null_fit(scenario, name.trim_end_matches(" off"), &free, on)?;
        let f = fit(name, s, free, targets)?;
        off.push(simulate_at(
            runner,
            "Q3 posterior, off",
            data,
            &f.params,
            o.seed.wrapping_add(3),
            keys,
            own_replicate,
        )?);
        off_params.push(f.params);
    }
    Ok(Posterior {
        on: on_post,
        off,
        on_params: full.params,
        off_params,
    })
}

/// The generator seed of region `k` of the ensemble with seed `seed`: ensembles with
/// different seeds draw disjoint runs of generator seeds.
fn region_seed(seed: u64, k: usize) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(k as u64)
}

/// `studies` studies of `regions` regions each, every region a data set drawn from `gen`
/// with its own seed and simulated once; study `s` takes parameter set `s` (cycling through
/// `params`) for all its regions, as the regions of one study share one model. A row per
/// study: the mean of each key over the study's regions where it is defined.
#[allow(clippy::too_many_arguments)]
fn generated_studies(
    runner: &Runner,
    label: &str,
    generator: &GeneratorParams,
    params: &[Params],
    regions: usize,
    studies: usize,
    seed: u64,
    keys: &[Key],
) -> Result<OutcomeTable> {
    let index = KeyIndex::new(keys);
    let stats = &runner.stats;
    let rows = runner.map(label, studies * regions, |k| -> Result<Vec<f64>> {
        let data = generate(generator, region_seed(seed, k))
            .map_err(|e| Error::Other(format!("Q3, generated region {k}: {e}")))?;
        let model = Model::new(&data, &params[(k / regions) % params.len()])?;
        Ok(index.row(observe(&run_replicate(&model, seed, k as u64), stats)))
    });
    let rows = rows.into_iter().collect::<Result<Vec<_>>>()?;
    Ok(OutcomeTable {
        keys: keys.to_vec(),
        rows: rows
            .chunks_exact(regions)
            .map(|study| {
                (0..keys.len())
                    .map(|c| finite_mean(study.iter().map(|r| r[c])))
                    .collect()
            })
            .collect(),
    })
}

/// The studies of generated regions for every region count of `o`: `o.q3_regions / count`
/// studies (at least [`MIN_STUDIES`]) per ensemble, "on" at `on_params` and each contrast's
/// "off" at its parameter sets. None when `o.q3_regions` is 0.
fn generated_regions(
    runner: &Runner,
    o: &Options,
    on_params: &[Params],
    off_params: &[Vec<Params>],
    keys: &[Key],
) -> Result<Option<Generated>> {
    if o.q3_regions == 0 || o.q3_region_counts.is_empty() {
        return Ok(None);
    }
    let regions = o.q3_region_counts.clone();
    let studies: Vec<usize> = regions
        .iter()
        .map(|&r| (o.q3_regions / r).max(MIN_STUDIES))
        .collect();
    let ensemble = |label: &str, params: &[Params], seed: u64| -> Result<Vec<OutcomeTable>> {
        regions
            .iter()
            .zip(&studies)
            .map(|(&r, &n)| {
                let seed = seed.wrapping_add((r as u64) << 32);
                generated_studies(runner, label, &o.q3_generator, params, r, n, seed, keys)
            })
            .collect()
    };
    let on = ensemble(
        "Q3 generated regions, on",
        on_params,
        o.seed.wrapping_add(4),
    )?;
    let off = off_params
        .iter()
        .enumerate()
        .map(|(c, p)| {
            ensemble(
                "Q3 generated regions, off",
                p,
                o.seed.wrapping_add(5 + c as u64),
            )
        })
        .collect::<Result<_>>()?;
    Ok(Some(Generated {
        regions,
        studies,
        on,
        off,
    }))
}

/// One observable's trace: means, d and AUC on the held-out replicates (after the first
/// `half`), the power there, with the posterior ensembles `post` and on the generated
/// studies `studies` when given.
fn trace(
    k: &Key,
    on: &OutcomeTable,
    off: &OutcomeTable,
    half: usize,
    post: Option<(&OutcomeTable, &OutcomeTable)>,
    studies: Option<(&[OutcomeTable], &[OutcomeTable])>,
) -> Trace {
    let (a, b) = (on.column(k), off.column(k));
    let (ra, ea) = a.split_at(half.min(a.len()));
    let (rb, eb) = b.split_at(half.min(b.len()));
    let (sa, sb) = (summarise(ea), summarise(eb));
    let auc_v = auc(ea, eb);
    let (power, power_se) = power_with_se(ea, eb);
    let (power_posterior, power_posterior_se) = match post {
        Some((x, y)) => power_with_se(&x.column(k), &y.column(k)),
        None => (f64::NAN, f64::NAN),
    };
    let generated: Vec<(f64, f64)> = studies.map_or(vec![], |(x, y)| {
        x.iter()
            .zip(y)
            .map(|(x, y)| power_with_se(&x.column(k), &y.column(k)))
            .collect()
    });
    let rank_power = monte_carlo_power(ra, rb, 0.05);
    Trace {
        key: k.clone(),
        survey: survey_measurable(&k.statistic),
        mean_on: sa.mean,
        mean_on_se: sa.se,
        mean_off: sb.mean,
        mean_off_se: sb.se,
        d: standardised_difference(ea, eb),
        auc: auc_v,
        auc_se: auc_se(auc_v, sa.n, sb.n),
        rank_power: if rank_power.is_finite() {
            rank_power
        } else {
            -1.0
        },
        power,
        power_se,
        power_posterior,
        power_posterior_se,
        power_generated: generated.iter().map(|g| g.0).collect(),
        power_generated_se: generated.iter().map(|g| g.1).collect(),
        n: (sa.n, sb.n),
    }
}

/// Sorts the traces by power on the ranking half (the first `half` replicates), then by |d|
/// there, so the power reported for a top observable is not inflated by having been chosen
/// on the same runs.
fn rank(traces: &mut [Trace], on: &OutcomeTable, off: &OutcomeTable, half: usize) {
    let rank_d: HashMap<Key, f64> = traces
        .iter()
        .map(|t| {
            let (a, b) = (on.column(&t.key), off.column(&t.key));
            let d = standardised_difference(&a[..half.min(a.len())], &b[..half.min(b.len())]);
            (t.key.clone(), if d.is_finite() { d.abs() } else { -1.0 })
        })
        .collect();
    traces.sort_by(|x, y| {
        y.rank_power
            .total_cmp(&x.rank_power)
            .then(rank_d[&y.key].total_cmp(&rank_d[&x.key]))
    });
}

/// "organisation" for the statistics of [`ORGANISATION_LEVEL`], "region" otherwise.
pub fn level(statistic: &str) -> &'static str {
    if ORGANISATION_LEVEL.contains(&statistic) {
        "organisation"
    } else {
        "region"
    }
}

fn pm(p: f64, se: f64) -> String {
    if p.is_finite() {
        format!("{p:.2} ± {se:.2}")
    } else {
        "-".into()
    }
}

fn region_header(regions: &[usize]) -> Vec<String> {
    regions
        .iter()
        .map(|&r| match r {
            1 => "1 generated region".to_string(),
            r => format!("{r} generated regions"),
        })
        .collect()
}

/// A table of traces: the columns `first`, then those of [`trace_cells`] (with one column per
/// generated-region study in `regions`).
fn trace_table(first: &[&str], regions: &[usize]) -> Table {
    let mut header: Vec<String> = first
        .iter()
        .chain(&["d", "AUC ± se", "power ± se", "power, parameters uncertain"])
        .map(|s| s.to_string())
        .collect();
    header.extend(region_header(regions));
    Table::new(&header)
}

/// A trace's cells in a table row: effect size, AUC, then power with one region with
/// parameters known and uncertain, then the generated-region studies.
fn trace_cells(t: &Trace) -> Vec<String> {
    let mut row = vec![
        format!("{:.2}", t.d),
        pm(t.auc, t.auc_se),
        pm(t.power, t.power_se),
        pm(t.power_posterior, t.power_posterior_se),
    ];
    row.extend(
        t.power_generated
            .iter()
            .zip(&t.power_generated_se)
            .map(|(p, se)| pm(*p, *se)),
    );
    row
}

/// One contrast's top traces as a table (survey observables only with `survey_only`), with
/// Monte Carlo standard errors.
pub fn q3_table(c: &Contrast, top: usize, survey_only: bool) -> Table {
    let mut t = trace_table(
        &[
            "rank",
            "observable",
            "survey",
            "level",
            "mean on",
            "mean off",
        ],
        &c.regions,
    );
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
            if tr.survey { "yes" } else { "no" }.into(),
            level(&tr.key.statistic).into(),
            fmt_sig(tr.mean_on, 3),
            fmt_sig(tr.mean_off, 3),
        ];
        row.extend(trace_cells(tr));
        t.push(row);
    }
    t
}

/// The organisation-level traces beside region-level statistics, against the null without
/// selection and the null without influence ([`SELECTION_INFLUENCE`]).
fn organisation_traces(cs: &[Contrast]) -> Vec<(&'static str, &Contrast, &Trace)> {
    let mut keys: Vec<Key> = ORGANISATION_LEVEL
        .iter()
        .flat_map(|s| [Key::new(s, 2), Key::new(s, 3)])
        .collect();
    keys.extend(REGION_LEVEL.iter().map(|(s, w)| Key::new(s, *w)));
    let mut out = Vec::new();
    for (test, channel) in SELECTION_INFLUENCE {
        let Some(c) = cs.iter().find(|c| c.channel == channel) else {
            continue;
        };
        for k in &keys {
            if let Some(t) = c.traces.iter().find(|t| &t.key == k) {
                out.push((test, c, t));
            }
        }
    }
    out
}

/// The organisation-level traces (adopters against non-adopters, panel regressions across
/// waves) beside the region-level statistics, each tested against the null without selection
/// (`social_capital_to_adoption` off) and against the null without influence
/// (`adoption_to_social_capital` off): a channel is told apart when a statistic has power
/// against its own null and stays near the 5% level against the other.
pub fn q3_organisation_table(cs: &[Contrast]) -> Table {
    let rows = organisation_traces(cs);
    let regions = rows.first().map_or(&[][..], |r| &r.1.regions[..]);
    let mut t = trace_table(&["null without", "observable", "level"], regions);
    for (test, c, tr) in rows {
        let mut row = vec![
            format!("{test} ({})", c.channel),
            tr.key.to_string(),
            level(&tr.key.statistic).into(),
        ];
        row.extend(trace_cells(tr));
        t.push(row);
    }
    t
}

/// A trace's numbers as CSV fields (from `d` on), in the order of [`TRACE_COLUMNS`] and then
/// the generated-region columns.
fn trace_fields(t: &Trace) -> Vec<String> {
    let mut row = vec![
        num(t.d),
        t.survey.to_string(),
        level(&t.key.statistic).into(),
        num(t.auc),
        num(t.auc_se),
        num(t.rank_power.max(0.0)),
        num(t.power),
        num(t.power_se),
        num(t.power_posterior),
        num(t.power_posterior_se),
    ];
    for (p, se) in t.power_generated.iter().zip(&t.power_generated_se) {
        row.extend([num(*p), num(*se)]);
    }
    row.extend([t.n.0.to_string(), t.n.1.to_string()]);
    row
}

/// The CSV columns of [`trace_fields`] before the generated-region ones.
const TRACE_COLUMNS: [&str; 10] = [
    "d",
    "survey",
    "level",
    "auc",
    "auc_se",
    "rank_power",
    "power",
    "power_se",
    "power_posterior",
    "power_posterior_se",
];

/// The header of a CSV whose rows start with `first` and go on with [`trace_fields`].
fn trace_header<'a>(first: &[&'a str], regions: &[usize], generated: &'a [String]) -> Vec<&'a str> {
    let mut h: Vec<&str> = first.to_vec();
    h.extend(TRACE_COLUMNS);
    debug_assert_eq!(generated.len(), 2 * regions.len());
    h.extend(generated.iter().map(String::as_str));
    h.extend(["n_on", "n_off"]);
    h
}

fn generated_columns(regions: &[usize]) -> Vec<String> {
    regions
        .iter()
        .flat_map(|r| {
            [
                format!("power_generated_{r}"),
                format!("power_generated_{r}_se"),
            ]
        })
        .collect()
}

/// Writes `q3_traces.csv` (every observable of every contrast), `q3_organisations.csv` (the
/// organisation-level traces against the nulls without selection and without influence) and
/// the figure `q3_traces.svg`.
pub(super) fn write_q3(cs: &[Contrast], dir: &mut ExperimentDir) -> Result<()> {
    let regions = cs.first().map_or(&[][..], |c| &c.regions[..]);
    let generated = generated_columns(regions);
    let parameters = |c: &Contrast| {
        if c.regions.is_empty() {
            "none"
        } else if c.regions_posterior {
            "posterior"
        } else {
            "known"
        }
    };
    let mut rows = Vec::new();
    for c in cs {
        for (k, t) in c.traces.iter().enumerate() {
            let mut row = vec![
                c.channel.clone(),
                (k + 1).to_string(),
                t.key.statistic.clone(),
                t.key.wave.to_string(),
                num(t.mean_on),
                num(t.mean_on_se),
                num(t.mean_off),
                num(t.mean_off_se),
                parameters(c).into(),
            ];
            row.extend(trace_fields(t));
            rows.push(row);
        }
    }
    let first = [
        "channel_off",
        "rank",
        "statistic",
        "wave",
        "mean_on",
        "mean_on_se",
        "mean_off",
        "mean_off_se",
        "generated_parameters",
    ];
    dir.csv(
        "q3_traces.csv",
        &trace_header(&first, regions, &generated),
        &rows,
    )?;
    let rows: Vec<Vec<String>> = organisation_traces(cs)
        .into_iter()
        .map(|(test, c, t)| {
            let mut row = vec![
                test.to_string(),
                c.channel.clone(),
                t.key.statistic.clone(),
                t.key.wave.to_string(),
            ];
            row.extend(trace_fields(t));
            row
        })
        .collect();
    dir.csv(
        "q3_organisations.csv",
        &trace_header(
            &["null_without", "channel_off", "statistic", "wave"],
            regions,
            &generated,
        ),
        &rows,
    )?;
    q3_figure(cs, dir)
}

/// `q3_traces.svg`: the top 10 observables of each contrast, power and AUC with 95% intervals.
fn q3_figure(cs: &[Contrast], dir: &ExperimentDir) -> Result<()> {
    let panels: Vec<ForestPanel> = cs
        .iter()
        .map(|c| {
            let top: Vec<&Trace> = c.traces.iter().take(10).collect();
            let ci = |p: f64, se: f64| {
                let h = half_width(se, f64::INFINITY);
                (p, (p - h).max(0.0), (p + h).min(1.0))
            };
            ForestPanel {
                title: format!("{} off: top 10", c.channel),
                x_label: "power (5% test) and AUC".into(),
                rows: top.iter().map(|t| t.key.to_string()).collect(),
                series: vec![
                    ForestSeries {
                        name: "power".into(),
                        values: top.iter().map(|t| ci(t.power, t.power_se)).collect(),
                    },
                    ForestSeries {
                        name: "AUC".into(),
                        values: top.iter().map(|t| ci(t.auc, t.auc_se)).collect(),
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

/// What the Q3 tables of `hypotheses.md` show, with the studies behind the generated-region
/// columns.
pub fn q3_preamble(cs: &[Contrast]) -> String {
    let mut s = String::from(
        "Ranked on the first half of the replicates; means, d, AUC and power from the second half, with Monte Carlo standard errors. `power, parameters uncertain` simulates the region and the \"off\" ensemble at posterior draws of the re-fitted models. `survey`: whether a survey of the organisations can measure the observable.",
    );
    if let Some(c) = cs.first().filter(|c| !c.regions.is_empty()) {
        let studies: Vec<String> = c
            .regions
            .iter()
            .zip(&c.studies)
            .map(|(r, n)| format!("{n} studies of {r}"))
            .collect();
        s.push_str(&format!(
            " Generated regions: every region drawn from the region generator with its own seed, the statistic averaged over a study's regions, parameters {} ({} per ensemble).",
            if c.regions_posterior {
                "drawn from the posteriors, one draw per study"
            } else {
                "known"
            },
            studies.join(", ")
        ));
    }
    s.push_str("\n\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ensemble::Silent;

    /// A study's row is the mean over its own regions, each a different draw of the
    /// generator simulated at the study's parameter set; ensembles with other seeds draw
    /// other regions.
    #[test]
    fn studies_average_distinct_generated_regions() {
        let s = Scenario::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios/wecare-measure1.toml"),
        )
        .unwrap();
        let runner = Runner::new(2, &Silent).unwrap();
        let generator = crate::data::generate::wecare_measure1();
        let keys = vec![Key::new("ties", 1), Key::new("adoption_share", 3)];
        let params = [s.params()];
        let t = generated_studies(&runner, "test", &generator, &params, 3, 2, 9, &keys).unwrap();
        assert_eq!(t.rows.len(), 2);
        let index = KeyIndex::new(&keys);
        let region = |k: usize| {
            let data = generate(&generator, region_seed(9, k)).unwrap();
            let model = Model::new(&data, &params[0]).unwrap();
            (
                data,
                index.row(observe(&run_replicate(&model, 9, k as u64), &runner.stats)),
            )
        };
        let regions: Vec<_> = (0..6).map(region).collect();
        for (study, row) in t.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let mean = (0..3).map(|i| regions[3 * study + i].1[c]).sum::<f64>() / 3.0;
                assert!((v - mean).abs() < 1e-9, "study {study}, {}", keys[c]);
            }
        }
        // The regions differ from one another and from the shipped data's generator seed.
        let tie_sets: Vec<usize> = regions.iter().map(|r| r.0.ties.len()).collect();
        assert!(tie_sets.windows(2).any(|w| w[0] != w[1]), "{tie_sets:?}");
        assert!(regions[0].1[0] != regions[1].1[0]);
        assert_ne!(region_seed(9, 0), region_seed(10, 0));
        assert!((0..1000).all(|k| region_seed(9, k) != region_seed(10, 0)));
    }
}
