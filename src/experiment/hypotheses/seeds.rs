//! Q1 and the re-fitted ablations across draws of the reconstructed data: the data set is
//! drawn again by the generator that made it (`generator.toml` beside its organisations file)
//! at other seeds, Q1 and the re-fits are run again on every draw exactly as on the shipped
//! data (intercepts re-fitted by the same ABC at each draw), and each headline conclusion of
//! the shipped data's run is read again: the dose-response slopes' signs (H-Q1), every
//! re-fitted model's verdict on the pattern and on its targets (H-M1), and every model's
//! probability against the full model's (H-M2). The share of draws in which a conclusion
//! keeps its reading is given with its binomial Monte Carlo standard error.

use super::refit::{Refits, refits};
use super::{Options, Q1, q1};
use crate::data::Dataset;
use crate::data::generate::generate;
use crate::ensemble::Runner;
use crate::error::{Error, Result};
use crate::experiment::estimate::{Sign, Summary};
use crate::experiment::output::{ExperimentDir, fmt_sig, num};
use crate::experiment::robust::{generator_of, share};
use crate::experiment::table::Table;
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};

/// One conclusion as one run reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The hypothesis it belongs to (`H-Q1`, `H-M1`, `H-M2`).
    pub hypothesis: &'static str,
    /// What is concluded about (a slope, a model's pattern, a model's probability).
    pub name: String,
    /// The reading (`above 0`, `reproduced`, `less probable`, ...).
    pub reading: String,
    /// The number behind it (a slope, the claims missed, a probability).
    pub value: f64,
}

/// The conclusions of Q1 and the re-fits on one data draw.
#[derive(Debug, Clone)]
pub struct Draw {
    /// Generator seed of the draw.
    pub seed: u64,
    /// Its readings, in the order of the reference's.
    pub readings: Vec<Reading>,
}

/// Q1 and the re-fits on every data draw, and the reference readings (the shipped data).
#[derive(Debug, Clone)]
pub struct DataDraws {
    /// The readings of the run on the shipped data.
    pub reference: Vec<Reading>,
    /// One entry per generator seed.
    pub draws: Vec<Draw>,
}

/// How often one reference conclusion holds over the data draws.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawHolding {
    /// The reference reading.
    pub reference: Reading,
    /// Draws read.
    pub draws: usize,
    /// Draws with the reference's reading.
    pub same: usize,
    /// Smallest and largest value over the draws.
    pub range: (f64, f64),
}

fn slope_reading(s: &Summary) -> &'static str {
    match Sign::of(s, 0.0) {
        Sign::Higher => "above 0",
        Sign::Lower => "below 0",
        Sign::Covers0 => "covers 0",
    }
}

/// The readings of Q1 (each dose-response slope and the across-territory slope: the sign of
/// its 95% interval) and of the re-fits (each model's pattern and targets on its posterior
/// predictive; each model's probability against the full model's, beyond 2 Monte Carlo
/// standard errors of the difference or not).
pub fn readings(q: Option<&Q1>, r: Option<&Refits>) -> Vec<Reading> {
    let mut out = Vec::new();
    if let Some(q) = q {
        let series = q
            .series
            .iter()
            .map(|s| (format!("dose-response, {}", s.name), &s.slopes))
            .chain(std::iter::once((
                "across territories".to_string(),
                &q.territories.slope,
            )));
        for (name, slopes) in series {
            for (k, s) in q.outcomes.iter().zip(slopes) {
                out.push(Reading {
                    hypothesis: "H-Q1",
                    name: format!("slope of {k}, {name}"),
                    reading: slope_reading(s).into(),
                    value: s.mean,
                });
            }
        }
    }
    if let Some(r) = r {
        out.extend(refit_readings(r));
    }
    out
}

fn refit_readings(r: &Refits) -> Vec<Reading> {
    let mut out = Vec::new();
    for j in &r.judged {
        let missed = j
            .checks
            .iter()
            .filter(|c| !c.name.starts_with("target ") && !c.met)
            .count();
        out.push(Reading {
            hypothesis: "H-M1",
            name: format!("{}: pattern", j.fit.name),
            reading: if j.reproduces() {
                "reproduced"
            } else {
                "not reproduced"
            }
            .into(),
            value: missed as f64,
        });
        let targets = j.missed_targets().len();
        out.push(Reading {
            hypothesis: "H-M1",
            name: format!("{}: targets", j.fit.name),
            reading: if targets == 0 { "met" } else { "missed" }.into(),
            value: targets as f64,
        });
    }
    let c = &r.choice;
    for m in 1..c.models.len() {
        let d = c.probability[m] - c.probability[0];
        let se = (c.se[m].powi(2) + c.se[0].powi(2)).sqrt();
        let reading = if !(se.is_finite() && d.abs() > 2.0 * se) {
            "no difference"
        } else if d > 0.0 {
            "more probable"
        } else {
            "less probable"
        };
        out.push(Reading {
            hypothesis: "H-M2",
            name: format!("{}: probability against the full model", c.models[m]),
            reading: reading.into(),
            value: c.probability[m],
        });
    }
    out
}

/// A scenario copy whose data are `data`, written as CSV files into `dir`.
fn scenario_on(scenario: &Scenario, data: &Dataset, dir: &Path) -> Result<Scenario> {
    crate::data::csv::write_dataset(data, dir).map_err(|e| Error::io(dir, e))?;
    let mut s = scenario.clone();
    s.data.organisations = Some(dir.join("organisations.csv"));
    s.data.ties = Some(dir.join("ties.csv"));
    s.data.history = Some(dir.join("history.csv"));
    s.data.projects = Some(dir.join("projects.csv"));
    s.data.graphml = None;
    s.projects.clear();
    Ok(s)
}

/// Removes a temporary directory when dropped (also on an error).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Data draws re-check Q1 and the re-fits: one of them must be run.
pub(super) fn check_parts(o: &Options) -> Result<()> {
    if !(o.data_seeds.is_empty() || o.q1 || o.refit) {
        return Err(Error::Other(
            "--across-data-seeds re-checks Q1 and the re-fitted ablations: run q1 or refit".into(),
        ));
    }
    Ok(())
}

/// Runs Q1 and the re-fits (those of `o` asks for) on the data drawn by the scenario's
/// generator at each of `seeds`, and reads their conclusions against `reference` (the
/// readings of the run on the shipped data). Each draw is written as CSV files into a
/// temporary directory while it is analysed, since the re-fits read their data from the
/// scenario's files.
pub fn across_data_seeds(
    runner: &Runner,
    scenario: &Scenario,
    o: &Options,
    seeds: &[u64],
    reference: Vec<Reading>,
) -> Result<DataDraws> {
    check_parts(o)?;
    let generator = generator_of(scenario)?;
    let mut draws = Vec::with_capacity(seeds.len());
    for &seed in seeds {
        let data = generate(&generator, seed)
            .map_err(|e| Error::Other(format!("data seed {seed}: {e}")))?;
        let dir = TempDir(std::env::temp_dir().join(format!(
            "wecare-hypotheses-{}-data-seed-{seed}",
            std::process::id()
        )));
        let s = scenario_on(scenario, &data, &dir.0)?;
        let (data, _) = s.load_dataset()?;
        let q = if o.q1 {
            Some(q1(runner, &s, &data, o)?)
        } else {
            None
        };
        let r = if o.refit {
            Some(refits(runner, &s, &data, o)?)
        } else {
            None
        };
        draws.push(Draw {
            seed,
            readings: readings(q.as_ref(), r.as_ref()),
        });
    }
    Ok(DataDraws { reference, draws })
}

/// For every reference conclusion: how many draws keep its reading, and the range of its
/// value over the draws.
pub fn draw_holdings(d: &DataDraws) -> Vec<DrawHolding> {
    d.reference
        .iter()
        .map(|r| {
            let here: Vec<&Reading> = d
                .draws
                .iter()
                .filter_map(|x| x.readings.iter().find(|y| y.name == r.name))
                .collect();
            DrawHolding {
                reference: r.clone(),
                draws: here.len(),
                same: here.iter().filter(|y| y.reading == r.reading).count(),
                range: here
                    .iter()
                    .map(|y| y.value)
                    .filter(|v| v.is_finite())
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                        (lo.min(v), hi.max(v))
                    }),
            }
        })
        .collect()
}

/// The holdings as a table: conclusion, reference reading and value, draws with the same
/// reading (share ± binomial standard error), range of the value over the draws.
pub fn draws_table(d: &DataDraws) -> Table {
    let mut t = Table::new(&[
        "hypothesis",
        "conclusion",
        "shipped data: reading (value)",
        "data draws with the same reading, share ± se",
        "value over the draws, range",
    ]);
    for h in draw_holdings(d) {
        let (p, se) = share(h.same, h.draws);
        t.push(vec![
            h.reference.hypothesis.to_string(),
            h.reference.name.clone(),
            format!(
                "{} ({})",
                h.reference.reading,
                fmt_sig(h.reference.value, 3)
            ),
            format!("{}/{} ({:.2} ± {:.2})", h.same, h.draws, p, se),
            format!("{} to {}", fmt_sig(h.range.0, 3), fmt_sig(h.range.1, 3)),
        ]);
    }
    t
}

/// The section of `hypotheses.md`: [`draws_table`].
pub fn draws_markdown(d: &DataDraws) -> String {
    format!(
        "## Q1 and the re-fitted ablations on other draws of the data\n\nThe data set drawn again by its generator at {} seeds, Q1 and the re-fits run again on each; the share of draws keeping each conclusion of the shipped data, with its binomial standard error (`data_seeds.csv`, `data_seeds_summary.csv`):\n\n{}\n",
        d.draws.len(),
        draws_table(d).markdown()
    )
}

/// `data_seeds.csv` (every draw's readings) and `data_seeds_summary.csv` (the holdings).
pub(super) fn write_draws(d: &DataDraws, dir: &mut ExperimentDir) -> Result<()> {
    let rows: Vec<Vec<String>> = d
        .draws
        .iter()
        .flat_map(|x| {
            x.readings.iter().map(move |r| {
                vec![
                    x.seed.to_string(),
                    r.hypothesis.to_string(),
                    r.name.clone(),
                    r.reading.clone(),
                    num(r.value),
                ]
            })
        })
        .collect();
    dir.csv(
        "data_seeds.csv",
        &["data_seed", "hypothesis", "conclusion", "reading", "value"],
        &rows,
    )?;
    let rows: Vec<Vec<String>> = draw_holdings(d)
        .iter()
        .map(|h| {
            let (p, se) = share(h.same, h.draws);
            vec![
                h.reference.hypothesis.to_string(),
                h.reference.name.clone(),
                h.reference.reading.clone(),
                num(h.reference.value),
                h.draws.to_string(),
                h.same.to_string(),
                num(p),
                num(se),
                num(h.range.0),
                num(h.range.1),
            ]
        })
        .collect();
    dir.csv(
        "data_seeds_summary.csv",
        &[
            "hypothesis",
            "conclusion",
            "reference_reading",
            "reference_value",
            "draws",
            "same_reading",
            "same_reading_share",
            "same_reading_se",
            "value_min",
            "value_max",
        ],
        &rows,
    )
}
