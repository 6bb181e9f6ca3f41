//! Parameter sweeps: applying parameter values to a scenario, evaluating many parameter points
//! with common random numbers, and full-factorial grids (`wecare sweep`). The `[sweep]` section
//! that describes them ([`Sweep`]) belongs to the scenario (`scenario::sweep`); it also gives
//! the ranges that Morris screening and Sobol indices explore (`wecare sensitivity`,
//! [`super::sensitivity`]).

use super::estimate::{Summary, summarise};
use super::outcome::{Key, OutcomeTable, observe, run_replicate};
use super::output::{ExperimentDir, SUMMARY_COLUMNS, fmt_sig, num, summary_cells};
use super::plot::{Point, Series, Style, XyPanel, axis_title, xy_figure};
use super::table::Table;
use crate::data::Dataset;
use crate::ensemble::Runner;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};

pub use crate::scenario::sweep::{MorrisSettings, SobolSettings, Sweep, SweepParameter};

/// A scenario with parameters set by dotted key; integer parameters are rounded. The
/// result is validated like a scenario file.
pub fn apply(base: &Scenario, values: &[(String, f64)]) -> Result<Scenario> {
    Ok(base.with_numbers(values, "sweep", crate::scenario::Integers::Round)?)
}

/// Runs `replicates` replicates at every parameter point (replicate k of every point from
/// (seed, k)), in parallel over points; one table of `outputs` per point.
pub fn evaluate(
    runner: &Runner,
    base: &Scenario,
    data: &Dataset,
    points: &[Vec<(String, f64)>],
    seed: u64,
    replicates: u64,
    outputs: &[Key],
) -> Result<Vec<OutcomeTable>> {
    let stats = &runner.stats;
    // Unknown outputs are refused before the points run.
    let model = Model::new(data, &base.params())?;
    super::outcome::check_keys(&model, outputs)
        .map_err(|e| Error::Other(format!("{}: `sweep.outputs`: {e}", base.file_label())))?;
    let results = runner.map(
        "parameter points",
        points.len(),
        |j| -> Result<Vec<Vec<f64>>> {
            let s = apply(base, &points[j])?;
            let model = Model::new(data, &s.params())?;
            Ok((0..replicates)
                .map(|r| {
                    let obs = observe(&run_replicate(&model, seed, r), stats);
                    outputs
                        .iter()
                        .map(|k| {
                            obs.iter()
                                .find(|o| o.wave == k.wave && o.statistic == k.statistic)
                                .map_or(f64::NAN, |o| o.value)
                        })
                        .collect()
                })
                .collect())
        },
    );
    results
        .into_iter()
        .map(|rows| {
            Ok(OutcomeTable {
                keys: outputs.to_vec(),
                rows: rows?,
            })
        })
        .collect()
}

/// A finished grid sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct GridResult {
    /// Parameter keys.
    pub parameters: Vec<String>,
    /// Parameter values of every point (full factorial, last parameter fastest).
    pub points: Vec<Vec<f64>>,
    /// Outcomes.
    pub outputs: Vec<Key>,
    /// Per point, the replicate values.
    pub tables: Vec<OutcomeTable>,
    /// Replicates per point.
    pub replicates: u64,
    /// Master seed.
    pub seed: u64,
}

/// The full-factorial grid of the parameters that have `values`.
pub fn grid_points(sw: &Sweep) -> (Vec<String>, Vec<Vec<f64>>) {
    let params: Vec<&SweepParameter> = sw
        .parameters
        .iter()
        .filter(|p| !p.values.is_empty())
        .collect();
    let mut points: Vec<Vec<f64>> = vec![Vec::new()];
    for p in &params {
        points = points
            .into_iter()
            .flat_map(|pt| {
                p.values.iter().map(move |&v| {
                    let mut q = pt.clone();
                    q.push(v);
                    q
                })
            })
            .collect();
    }
    (params.iter().map(|p| p.key.clone()).collect(), points)
}

/// Runs the grid of the scenario's `[sweep]` section.
pub fn grid(
    runner: &Runner,
    scenario: &Scenario,
    replicates: u64,
    seed: u64,
) -> Result<GridResult> {
    let sw = scenario
        .sweep
        .as_ref()
        .ok_or_else(|| Error::Other(format!("{}: no [sweep] section", scenario.file_label())))?;
    let (parameters, points) = grid_points(sw);
    if parameters.is_empty() {
        return Err(Error::Other(format!(
            "{}: no [[sweep.parameters]] with `values`",
            scenario.file_label()
        )));
    }
    let outputs = sw.keys(scenario.timeline.waves.len());
    let (data, _) = scenario.load_dataset()?;
    let named: Vec<Vec<(String, f64)>> = points
        .iter()
        .map(|pt| parameters.iter().cloned().zip(pt.iter().copied()).collect())
        .collect();
    let tables = evaluate(runner, scenario, &data, &named, seed, replicates, &outputs)?;
    Ok(GridResult {
        parameters,
        points,
        outputs,
        tables,
        replicates,
        seed,
    })
}

/// Main effect of parameter `p` on output `c`: for each of its values, the mean over the
/// points with that value, per replicate (so common random numbers carry over), summarised
/// over replicates.
pub fn main_effect(g: &GridResult, p: usize, c: usize) -> Vec<(f64, Summary)> {
    let mut values: Vec<f64> = g.points.iter().map(|pt| pt[p]).collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    values
        .into_iter()
        .map(|v| {
            let at: Vec<usize> = (0..g.points.len())
                .filter(|&j| g.points[j][p] == v)
                .collect();
            let per_rep: Vec<f64> = (0..g.replicates as usize)
                .map(|r| {
                    let xs: Vec<f64> = at
                        .iter()
                        .map(|&j| g.tables[j].rows[r][c])
                        .filter(|x| x.is_finite())
                        .collect();
                    if xs.is_empty() {
                        f64::NAN
                    } else {
                        xs.iter().sum::<f64>() / xs.len() as f64
                    }
                })
                .collect();
            (v, summarise(&per_rep))
        })
        .collect()
}

/// Writes a grid sweep into `<root>/<scenario>/sweep-<time>/`: `summary.csv` (per point and
/// output: mean and interval), `point_replicates.csv`, `summary.md` and `main_effects.svg`.
pub fn write_grid(g: &GridResult, name: &str, root: &Path) -> Result<PathBuf> {
    let mut dir = ExperimentDir::create(root, name, "sweep")?;
    let mut header: Vec<String> = vec!["point".into()];
    header.extend(g.parameters.iter().cloned());
    header.extend(SUMMARY_COLUMNS.iter().map(|s| s.to_string()));
    let mut rows = Vec::new();
    let mut md = Table::new(
        &std::iter::once("point".to_string())
            .chain(g.parameters.iter().cloned())
            .chain(g.outputs.iter().map(|k| k.to_string()))
            .collect::<Vec<_>>(),
    );
    for (j, (pt, t)) in g.points.iter().zip(&g.tables).enumerate() {
        let mut line = vec![j.to_string()];
        line.extend(pt.iter().map(|v| num(*v)));
        for (c, k) in g.outputs.iter().enumerate() {
            let s = summarise(&t.rows.iter().map(|r| r[c]).collect::<Vec<_>>());
            let mut row = vec![j.to_string()];
            row.extend(pt.iter().map(|v| num(*v)));
            row.extend(summary_cells(k, &s));
            rows.push(row);
            line.push(format!(
                "{} ± {}",
                fmt_sig(s.mean, 3),
                fmt_sig(s.hi - s.mean, 2)
            ));
        }
        md.push(line);
    }
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    dir.csv("summary.csv", &h, &rows)?;
    // A run's replicates.csv layout with the point in front (no `step`: a point may change
    // the timeline), so a different name.
    dir.csv(
        "point_replicates.csv",
        &["point", "replicate", "wave", "scope", "statistic", "value"],
        &point_replicates(g),
    )?;
    let text = format!(
        "# Parameter sweep\n\n{} points, {} replicates each, master seed {} (common random numbers); mean ± half-width of the 95% interval.\n\n{}",
        g.points.len(),
        g.replicates,
        g.seed,
        md.markdown()
    );
    dir.write("summary.md", text.as_bytes())?;
    xy_figure(
        &dir.path().join("main_effects.svg"),
        &format!(
            "Main effects ({} replicates per point, 95% intervals)",
            g.replicates
        ),
        &main_effect_panels(g),
        g.parameters.len().clamp(2, 4),
    )?;
    dir.finish()
}

/// The rows of `point_replicates.csv`: every replicate's value of every output, per point.
fn point_replicates(g: &GridResult) -> Vec<Vec<String>> {
    let mut reps = Vec::new();
    for (j, t) in g.tables.iter().enumerate() {
        for (r, row) in t.rows.iter().enumerate() {
            for (k, v) in t.keys.iter().zip(row) {
                reps.push(vec![
                    j.to_string(),
                    r.to_string(),
                    k.wave.to_string(),
                    "network".to_string(),
                    k.statistic.clone(),
                    num(*v),
                ]);
            }
        }
    }
    reps
}

/// One main-effect panel per (output, parameter): the output's mean and 95% interval along
/// the parameter's values.
fn main_effect_panels(g: &GridResult) -> Vec<XyPanel> {
    let mut panels = Vec::new();
    for (c, k) in g.outputs.iter().enumerate() {
        for (p, name) in g.parameters.iter().enumerate() {
            let pts = main_effect(g, p, c)
                .into_iter()
                .map(|(v, s)| Point::new(v, s.mean, s.lo, s.hi))
                .collect();
            panels.push(XyPanel {
                title: k.to_string(),
                x_label: format!("{name} (parameter value)"),
                y_label: axis_title("", &k.statistic),
                series: vec![Series {
                    name: String::new(),
                    points: pts,
                    style: Style::LineBand,
                }],
                reference: None,
                fit: None,
            });
        }
    }
    panels
}
