//! Q3: what traces would show it? How well every observable separates "feedback on" from
//! "feedback off", and the power of the Monte Carlo test one observed region allows.

use super::Options;
use super::mechanisms::channel_variants;
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
use crate::stats::interval::half_width;

/// How well one observable tells "feedback on" from "feedback off".
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The observable.
    pub key: Key,
    /// Mean with feedback on.
    pub mean_on: f64,
    /// Mean with the channel off.
    pub mean_off: f64,
    /// Standardised difference (on minus off, pooled sd).
    pub d: f64,
    /// Area under the ROC curve (probability that an "on" value exceeds an "off" one).
    pub auc: f64,
    /// Power of the two-sided 5% Monte Carlo test of one observed region against the "off"
    /// ensemble.
    pub power: f64,
    /// Power of the same test when the statistic is averaged over [`REGIONS`] independent
    /// regions (blocks of replicates); NaN with fewer than 20 blocks.
    pub power_regions: Vec<f64>,
    /// Replicates used (on, off).
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
    /// Every observable, ranked by power, then by |d|.
    pub traces: Vec<Trace>,
}

/// Statistics that are not observable in a survey (money) are left out of Q3.
const NOT_OBSERVED: [&str; 2] = ["programme_cost", "cost_per_lasting_tie"];

/// Ranks observables for each contrast: feedback on (seed) against each channel off and all
/// off (seed + 1, independent replicates, as the real region and the model are).
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
    let contrasts = offs
        .iter()
        .zip(&names[1..])
        .map(|(off, name)| {
            let mut traces: Vec<Trace> = keys
                .iter()
                .map(|k| {
                    let a = on.column(k);
                    let b = off.column(k);
                    let (sa, sb) = (summarise(&a), summarise(&b));
                    Trace {
                        key: k.clone(),
                        mean_on: sa.mean,
                        mean_off: sb.mean,
                        d: standardised_difference(&a, &b),
                        auc: auc(&a, &b),
                        power: monte_carlo_power(&a, &b, 0.05),
                        power_regions: REGIONS
                            .iter()
                            .map(|&k| {
                                let (x, y) = (block_means(&a, k), block_means(&b, k));
                                if x.len() < 20 || y.len() < 20 {
                                    f64::NAN
                                } else {
                                    monte_carlo_power(&x, &y, 0.05)
                                }
                            })
                            .collect(),
                        n: (sa.n, sb.n),
                    }
                })
                .filter(|t| t.n.0 > 1 && t.n.1 > 1)
                .collect();
            traces.sort_by(|x, y| {
                let p = |t: &Trace| if t.power.is_finite() { t.power } else { -1.0 };
                let d = |t: &Trace| if t.d.is_finite() { t.d.abs() } else { -1.0 };
                p(y).total_cmp(&p(x)).then(d(y).total_cmp(&d(x)))
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

/// One contrast's top traces as a table.
pub fn q3_table(c: &Contrast, top: usize) -> Table {
    let mut t = Table::new(&[
        "rank",
        "observable",
        "mean on",
        "mean off",
        "d",
        "AUC",
        "power",
        "power, 3 regions",
        "power, 10 regions",
    ]);
    for (k, tr) in c.traces.iter().take(top).enumerate() {
        let mut row = vec![
            (k + 1).to_string(),
            tr.key.to_string(),
            fmt_sig(tr.mean_on, 3),
            fmt_sig(tr.mean_off, 3),
            format!("{:.2}", tr.d),
            format!("{:.2}", tr.auc),
            format!("{:.2}", tr.power),
        ];
        row.extend(tr.power_regions.iter().map(|p| format!("{p:.2}")));
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
                num(t.auc),
                num(t.power),
                num(t.power_regions[0]),
                num(t.power_regions[1]),
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
            "auc",
            "power",
            "power_3_regions",
            "power_10_regions",
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
                        values: top.iter().map(|t| (t.auc, f64::NAN, f64::NAN)).collect(),
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
