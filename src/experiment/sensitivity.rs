//! Global sensitivity analysis: Morris elementary-effects screening and Sobol first-order and
//! total indices, with bootstrap confidence intervals.
//!
//! Both work on the unit hypercube: parameter i varies over its `range = [min, max]` in the
//! scenario's `[sweep]` section, mapped linearly from [0, 1]. The estimators are generic
//! ([`morris`], [`sobol`] take the outputs of any function at the design's points); the model
//! is one such function, evaluated at each point as the mean of `replicates` replicates with
//! common random numbers ([`run`]).
//!
//! - Morris (1991), with the absolute mean `mu*` of Campolongo, Cariboni and Saltelli (2007):
//!   `r` trajectories of `k + 1` points on a `p`-level grid, each moving one parameter by
//!   `delta = p / (2 (p - 1))`. Elementary effects are in output units per full range.
//! - Sobol indices by Saltelli et al. (2010): matrices A and B of N points, and for each i the
//!   matrix A with column i from B; first-order `S_i = mean((f(B) - f0) (f(AB_i) - f(A))) / V`
//!   (Saltelli 2010, eq. b of table 2, with f(B) centred on the mean f0 of f(A) and f(B), as
//!   SALib does, which removes the variance a large mean adds) and total `ST_i = mean((f(A) - f(AB_i))^2) / (2V)`
//!   (Jansen 1999), V the variance of f over A and B together. N (k + 2) evaluations.
//!   Intervals: percentile bootstrap over the N rows.

use super::estimate::{bootstrap_interval, quantile_sorted, sorted_finite};
use super::outcome::Key;
use super::outcome::OutcomeTable;
use super::output::{ExperimentDir, fmt_sig, num};
use super::plot::{ForestPanel, ForestSeries, axis_title, forest_figure};
use super::sweep::{Sweep, SweepParameter, evaluate};
use super::table::Table;
use crate::ensemble::Runner;
use crate::error::{Error, Result};
use crate::model::rng::{self, Rng};
use crate::scenario::Scenario;
use rand::Rng as _;
use std::path::{Path, PathBuf};

/// A Morris design: trajectories of `k + 1` points in [0, 1]^k.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisDesign {
    /// Number of parameters.
    pub k: usize,
    /// Points, trajectory by trajectory (`(k + 1) r` of them).
    pub points: Vec<Vec<f64>>,
    /// For step s of trajectory t (point `t (k + 1) + s + 1` against the one before): the
    /// parameter moved and the signed move.
    pub moves: Vec<Vec<(usize, f64)>>,
}

/// `r` random trajectories on a `levels`-level grid (Morris 1991): a random base point on the
/// grid levels that leave room for a move of `delta`, then each parameter in random order moves
/// once by `+delta` or `-delta`.
pub fn morris_design(k: usize, r: usize, levels: usize, seed: u64) -> MorrisDesign {
    let p = levels.max(2) as f64;
    let delta = p / (2.0 * (p - 1.0));
    let mut rng: Rng = rng::stream(seed, 0, 0x304415);
    // Base levels 0 .. p/2 - 1 (of p), so that base + delta stays within [0, 1].
    let base_levels = (levels / 2).max(1);
    let mut points = Vec::with_capacity(r * (k + 1));
    let mut moves = Vec::with_capacity(r);
    for _ in 0..r {
        let up: Vec<bool> = (0..k).map(|_| rng.random::<bool>()).collect();
        let mut x: Vec<f64> = (0..k)
            .map(|i| {
                let b = rng::index(&mut rng, base_levels) as f64 / (p - 1.0);
                if up[i] { b } else { b + delta }
            })
            .collect();
        let mut order: Vec<usize> = (0..k).collect();
        for i in (1..k).rev() {
            order.swap(i, rng::index(&mut rng, i + 1));
        }
        points.push(x.clone());
        let mut m = Vec::with_capacity(k);
        for &i in &order {
            let step = if up[i] { delta } else { -delta };
            x[i] += step;
            points.push(x.clone());
            m.push((i, step));
        }
        moves.push(m);
    }
    MorrisDesign { k, points, moves }
}

/// Morris measures of one parameter on one output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisIndex {
    /// Mean elementary effect (signed).
    pub mu: f64,
    /// Mean absolute elementary effect: the screening measure of importance.
    pub mu_star: f64,
    /// Standard deviation of the elementary effects: non-linearity and interactions.
    pub sigma: f64,
    /// 95% bootstrap interval of `mu_star` (resampling trajectories).
    pub mu_star_lo: f64,
    /// Upper end.
    pub mu_star_hi: f64,
}

/// Morris measures from the outputs `y` at the design's points, one per parameter.
pub fn morris(design: &MorrisDesign, y: &[f64], resamples: usize, seed: u64) -> Vec<MorrisIndex> {
    let k = design.k;
    let r = design.moves.len();
    // ee[t][i]: elementary effect of parameter i in trajectory t.
    let mut ee = vec![vec![f64::NAN; k]; r];
    for (t, m) in design.moves.iter().enumerate() {
        for (s, &(i, step)) in m.iter().enumerate() {
            let a = y[t * (k + 1) + s];
            let b = y[t * (k + 1) + s + 1];
            ee[t][i] = (b - a) / step;
        }
    }
    (0..k)
        .map(|i| {
            let e: Vec<f64> = ee
                .iter()
                .map(|row| row[i])
                .filter(|v| v.is_finite())
                .collect();
            let n = e.len() as f64;
            let mu = e.iter().sum::<f64>() / n;
            let mu_star = e.iter().map(|v| v.abs()).sum::<f64>() / n;
            let sigma = if e.len() > 1 {
                (e.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
            } else {
                f64::NAN
            };
            let col: Vec<f64> = ee.iter().map(|row| row[i]).collect();
            let (lo, hi) = bootstrap_interval(r, resamples, seed ^ i as u64, |idx| {
                let v: Vec<f64> = idx
                    .iter()
                    .map(|&t| col[t].abs())
                    .filter(|v| v.is_finite())
                    .collect();
                v.iter().sum::<f64>() / v.len() as f64
            });
            MorrisIndex {
                mu,
                mu_star,
                sigma,
                mu_star_lo: lo,
                mu_star_hi: hi,
            }
        })
        .collect()
}

/// A Saltelli design: N rows of A, N of B, then N of each AB_i (A with column i from B).
#[derive(Debug, Clone, PartialEq)]
pub struct SobolDesign {
    /// Number of parameters.
    pub k: usize,
    /// Base sample size N.
    pub n: usize,
    /// The `N (k + 2)` points in [0, 1]^k: A, B, AB_1 .. AB_k.
    pub points: Vec<Vec<f64>>,
}

pub use crate::scenario::sweep::SOBOL_MAX_SAMPLES;

/// Most parameters of a Sobol design: A and B take `2k` dimensions of the sequence, which has
/// 256.
pub const SOBOL_MAX_PARAMETERS: usize = sobol_burley::NUM_DIMENSIONS as usize / 2;

/// A Saltelli design on a quasi-random Sobol sequence: row `j` of A is dimensions `0..k` and
/// row `j` of B dimensions `k..2k` of point `j` of one `2k`-dimensional Sobol sequence (Joe and
/// Kuo's direction numbers), Owen-scrambled with a scramble drawn from `seed` (Burley's hashed
/// scrambling, `sobol_burley`), so designs of different seeds are independent randomisations
/// of the same low-discrepancy sequence (randomised quasi-Monte Carlo). Points are the
/// sequence's `f32` values widened to `f64`. Needs `n <= SOBOL_MAX_SAMPLES` and
/// `k <= SOBOL_MAX_PARAMETERS` (checked by scenario validation and [`run`]).
pub fn sobol_design(k: usize, n: usize, seed: u64) -> SobolDesign {
    assert!(n <= SOBOL_MAX_SAMPLES && k <= SOBOL_MAX_PARAMETERS);
    let scramble = (rng::stream(seed, 0, 0x50B01).random::<u64>() >> 32) as u32;
    let row = |j: usize, dims: std::ops::Range<usize>| -> Vec<f64> {
        dims.map(|d| f64::from(sobol_burley::sample(j as u32, d as u32, scramble)))
            .collect()
    };
    let a: Vec<Vec<f64>> = (0..n).map(|j| row(j, 0..k)).collect();
    let b: Vec<Vec<f64>> = (0..n).map(|j| row(j, k..2 * k)).collect();
    let mut points = Vec::with_capacity(n * (k + 2));
    points.extend(a.iter().cloned());
    points.extend(b.iter().cloned());
    for i in 0..k {
        for j in 0..n {
            let mut x = a[j].clone();
            x[i] = b[j][i];
            points.push(x);
        }
    }
    SobolDesign { k, n, points }
}

/// Sobol indices of one parameter on one output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolIndex {
    /// First-order index.
    pub s1: f64,
    /// 95% bootstrap interval of `s1`.
    pub s1_lo: f64,
    /// Upper end.
    pub s1_hi: f64,
    /// Total index.
    pub st: f64,
    /// 95% bootstrap interval of `st`.
    pub st_lo: f64,
    /// Upper end.
    pub st_hi: f64,
}

fn sobol_point(n: usize, k: usize, y: &[f64], rows: &[usize]) -> Vec<(f64, f64)> {
    let fa = |j: usize| y[j];
    let fb = |j: usize| y[n + j];
    let fab = |i: usize, j: usize| y[(2 + i) * n + j];
    let m = rows.len() as f64;
    let mean = rows.iter().map(|&j| fa(j) + fb(j)).sum::<f64>() / (2.0 * m);
    let var = rows
        .iter()
        .map(|&j| (fa(j) - mean).powi(2) + (fb(j) - mean).powi(2))
        .sum::<f64>()
        / (2.0 * m - 1.0);
    (0..k)
        .map(|i| {
            // f(B) centred: the same expectation (E[f(AB_i) - f(A)] = 0), far less variance
            // when the output's mean is large against its spread.
            let s1 = rows
                .iter()
                .map(|&j| (fb(j) - mean) * (fab(i, j) - fa(j)))
                .sum::<f64>()
                / m
                / var;
            let st = rows
                .iter()
                .map(|&j| (fa(j) - fab(i, j)).powi(2))
                .sum::<f64>()
                / (2.0 * m)
                / var;
            (s1, st)
        })
        .collect()
}

/// Sobol first-order and total indices from the outputs `y` at a Saltelli design's points,
/// with percentile bootstrap intervals over the N rows. Rows where any output is NaN are left
/// out.
///
/// ```
/// use wecare::experiment::sensitivity::{sobol, sobol_design};
/// // y = x0 + 2 x1 (additive): S = ST = (1, 4) / 5.
/// let d = sobol_design(2, 4096, 1);
/// let y: Vec<f64> = d.points.iter().map(|x| x[0] + 2.0 * x[1]).collect();
/// let s = sobol(&d, &y, 200, 1);
/// assert!((s[1].s1 - 0.8).abs() < 0.05 && (s[1].st - 0.8).abs() < 0.05);
/// ```
pub fn sobol(design: &SobolDesign, y: &[f64], resamples: usize, seed: u64) -> Vec<SobolIndex> {
    let (n, k) = (design.n, design.k);
    let rows: Vec<usize> = (0..n)
        .filter(|&j| {
            y[j].is_finite()
                && y[n + j].is_finite()
                && (0..k).all(|i| y[(2 + i) * n + j].is_finite())
        })
        .collect();
    let est = sobol_point(n, k, y, &rows);
    (0..k)
        .map(|i| {
            let boot = |first: bool| {
                bootstrap_interval(
                    rows.len(),
                    resamples,
                    seed ^ (i as u64 * 2 + first as u64),
                    |idx| {
                        let sel: Vec<usize> = idx.iter().map(|&t| rows[t]).collect();
                        let v = sobol_point(n, k, y, &sel)[i];
                        if first { v.0 } else { v.1 }
                    },
                )
            };
            let (s1_lo, s1_hi) = boot(true);
            let (st_lo, st_hi) = boot(false);
            SobolIndex {
                s1: est[i].0,
                s1_lo,
                s1_hi,
                st: est[i].1,
                st_lo,
                st_hi,
            }
        })
        .collect()
}

/// The Ishigami function `sin x1 + a sin^2 x2 + b x3^4 sin x1` on [-pi, pi]^3, the standard
/// test of sensitivity estimators, from unit coordinates.
pub fn ishigami(u: &[f64], a: f64, b: f64) -> f64 {
    let x: Vec<f64> = u
        .iter()
        .map(|v| -std::f64::consts::PI + 2.0 * std::f64::consts::PI * v)
        .collect();
    x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
}

/// The analytic Sobol indices of [`ishigami`]: (first-order, total) per input.
pub fn ishigami_indices(a: f64, b: f64) -> [(f64, f64); 3] {
    let pi = std::f64::consts::PI;
    let v1 = 0.5 * (1.0 + b * pi.powi(4) / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = b * b * pi.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
    let v = v1 + v2 + v13;
    [(v1 / v, (v1 + v13) / v), (v2 / v, v2 / v), (0.0, v13 / v)]
}

/// The method of a sensitivity run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Morris screening.
    Morris,
    /// Sobol indices.
    Sobol,
}

impl Method {
    /// Name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Method::Morris => "morris",
            Method::Sobol => "sobol",
        }
    }
}

/// The result of a sensitivity run on the model.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityResult {
    /// Method.
    pub method: Method,
    /// Parameters and their ranges.
    pub parameters: Vec<(String, [f64; 2])>,
    /// Outputs.
    pub outputs: Vec<Key>,
    /// Design points in parameter units.
    pub points: Vec<Vec<f64>>,
    /// Output means per point (`[point][output]`).
    pub means: Vec<Vec<f64>>,
    /// Morris measures `[output][parameter]` (Morris only).
    pub morris: Vec<Vec<MorrisIndex>>,
    /// Sobol indices `[output][parameter]` (Sobol only).
    pub sobol: Vec<Vec<SobolIndex>>,
    /// Per output, the share of the variance of the point means that is Monte Carlo noise
    /// (mean within-point variance / replicates, over the variance across points).
    pub noise_share: Vec<f64>,
    /// Replicates per point.
    pub replicates: u64,
    /// Master seed.
    pub seed: u64,
}

/// Runs Morris screening or Sobol indices over the `[sweep]` parameters that have a `range`.
pub fn run(
    runner: &Runner,
    scenario: &Scenario,
    method: Method,
    replicates: u64,
    seed: u64,
) -> Result<SensitivityResult> {
    let sw = scenario
        .sweep
        .as_ref()
        .ok_or_else(|| Error::Other(format!("{}: no [sweep] section", scenario.file_label())))?;
    let params = ranged_parameters(scenario, sw)?;
    let k = params.len();
    let outputs = sw.keys(scenario.timeline.waves.len());
    let (unit, morris_design_, sobol_design_) = match method {
        Method::Morris => {
            let d = morris_design(k, sw.morris.trajectories, sw.morris.levels, seed);
            (d.points.clone(), Some(d), None)
        }
        Method::Sobol => {
            if k > SOBOL_MAX_PARAMETERS {
                return Err(scenario
                    .located(vec![(
                        "sweep.parameters".into(),
                        format!(
                            "{k} parameters have a `range`; a Sobol design takes at most \
                             {SOBOL_MAX_PARAMETERS}"
                        ),
                    )])
                    .into());
            }
            let d = sobol_design(k, sw.sobol.samples, seed);
            (d.points.clone(), None, Some(d))
        }
    };
    let points: Vec<Vec<f64>> = unit
        .iter()
        .map(|u| {
            u.iter()
                .zip(&params)
                .map(|(v, (_, [lo, hi]))| lo + v * (hi - lo))
                .collect()
        })
        .collect();
    let named: Vec<Vec<(String, f64)>> = points
        .iter()
        .map(|pt| {
            params
                .iter()
                .map(|(key, _)| key.clone())
                .zip(pt.iter().copied())
                .collect()
        })
        .collect();
    let (data, _) = scenario.load_dataset()?;
    let tables = evaluate(runner, scenario, &data, &named, seed, replicates, &outputs)?;
    let means = point_means(&tables, outputs.len());
    let noise_share = noise_shares(&tables, &means, outputs.len(), replicates);
    let column = |c: usize| means.iter().map(|m| m[c]).collect::<Vec<f64>>();
    let resamples = sw.bootstrap;
    let mut result = SensitivityResult {
        method,
        parameters: params,
        outputs: outputs.clone(),
        points,
        means: means.clone(),
        morris: Vec::new(),
        sobol: Vec::new(),
        noise_share,
        replicates,
        seed,
    };
    if let Some(d) = morris_design_ {
        result.morris = (0..outputs.len())
            .map(|c| morris(&d, &column(c), resamples, seed))
            .collect();
    }
    if let Some(d) = sobol_design_ {
        result.sobol = (0..outputs.len())
            .map(|c| sobol(&d, &column(c), resamples, seed))
            .collect();
    }
    Ok(result)
}

/// The `[sweep]` parameters that have a `range`, with it; warns about those left out.
fn ranged_parameters(scenario: &Scenario, sw: &Sweep) -> Result<Vec<(String, [f64; 2])>> {
    let params: Vec<(String, [f64; 2])> = sw
        .parameters
        .iter()
        .filter_map(|p: &SweepParameter| p.range.map(|r| (p.key.clone(), r)))
        .collect();
    if params.is_empty() {
        return Err(Error::Other(format!(
            "{}: no [[sweep.parameters]] with a `range`",
            scenario.file_label()
        )));
    }
    let dropped: Vec<&str> = sw
        .parameters
        .iter()
        .filter(|p| p.range.is_none())
        .map(|p| p.key.as_str())
        .collect();
    if !dropped.is_empty() {
        eprintln!(
            "warning: {}: sweep parameters without a `range` are left out of the sensitivity \
             analysis (they stay at their scenario values): {}",
            scenario.file_label(),
            dropped.join(", ")
        );
    }
    Ok(params)
}

/// Per point, the mean over replicates of each of `outputs` outputs (finite values only; NaN
/// when there is none).
fn point_means(tables: &[OutcomeTable], outputs: usize) -> Vec<Vec<f64>> {
    tables
        .iter()
        .map(|t| {
            (0..outputs)
                .map(|c| {
                    let v: Vec<f64> = t
                        .rows
                        .iter()
                        .map(|r| r[c])
                        .filter(|x| x.is_finite())
                        .collect();
                    if v.is_empty() {
                        f64::NAN
                    } else {
                        v.iter().sum::<f64>() / v.len() as f64
                    }
                })
                .collect()
        })
        .collect()
}

/// Per output (of `outputs`), the share of the variance of the point means that is Monte Carlo
/// noise: the mean within-point variance over `replicates`, over the variance across points.
fn noise_shares(
    tables: &[OutcomeTable],
    means: &[Vec<f64>],
    outputs: usize,
    replicates: u64,
) -> Vec<f64> {
    (0..outputs)
        .map(|c| {
            let within: Vec<f64> = tables
                .iter()
                .map(|t| {
                    super::estimate::summarise(&t.rows.iter().map(|r| r[c]).collect::<Vec<_>>())
                        .sd
                        .powi(2)
                })
                .filter(|v| v.is_finite())
                .collect();
            let across =
                super::estimate::summarise(&means.iter().map(|m| m[c]).collect::<Vec<_>>())
                    .sd
                    .powi(2);
            let w = within.iter().sum::<f64>() / within.len().max(1) as f64;
            (w / replicates as f64) / across
        })
        .collect()
}

/// The indices as a table, one row per (output, parameter).
pub fn table(r: &SensitivityResult) -> Table {
    let mut t = match r.method {
        Method::Morris => {
            Table::new(&["output", "parameter", "mu*", "95% interval", "mu", "sigma"])
        }
        Method::Sobol => Table::new(&[
            "output",
            "parameter",
            "S1",
            "95% interval",
            "ST",
            "95% interval",
        ]),
    };
    for (c, o) in r.outputs.iter().enumerate() {
        for (i, (p, _)) in r.parameters.iter().enumerate() {
            let row = match r.method {
                Method::Morris => {
                    let m = r.morris[c][i];
                    vec![
                        o.to_string(),
                        p.clone(),
                        fmt_sig(m.mu_star, 3),
                        format!(
                            "[{}, {}]",
                            fmt_sig(m.mu_star_lo, 2),
                            fmt_sig(m.mu_star_hi, 2)
                        ),
                        fmt_sig(m.mu, 3),
                        fmt_sig(m.sigma, 3),
                    ]
                }
                Method::Sobol => {
                    let s = r.sobol[c][i];
                    vec![
                        o.to_string(),
                        p.clone(),
                        format!("{:.2}", s.s1),
                        format!("[{:.2}, {:.2}]", s.s1_lo, s.s1_hi),
                        format!("{:.2}", s.st),
                        format!("[{:.2}, {:.2}]", s.st_lo, s.st_hi),
                    ]
                }
            };
            t.push(row);
        }
    }
    t
}

/// Writes a sensitivity run into `<root>/<scenario>/<method>-<time>/`: `indices.csv`,
/// `points.csv` (every design point with its output means), `indices.md` and `indices.svg`.
pub fn write(r: &SensitivityResult, name: &str, root: &Path) -> Result<PathBuf> {
    let mut dir = ExperimentDir::create(root, name, r.method.name())?;
    let (header, rows) = indices_table(r);
    dir.csv("indices.csv", &header, &rows)?;
    let (header, rows) = points_table(r);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    dir.csv("points.csv", &header, &rows)?;
    dir.write("indices.md", indices_md(r).as_bytes())?;
    indices_figure(r, &dir.path().join("indices.svg"))?;
    dir.finish()
}

/// `indices.csv`: header and one row per (output, parameter).
fn indices_table(r: &SensitivityResult) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let mut rows = Vec::new();
    for (c, o) in r.outputs.iter().enumerate() {
        for (i, (p, [lo, hi])) in r.parameters.iter().enumerate() {
            let mut row = vec![
                o.statistic.clone(),
                o.wave.to_string(),
                p.clone(),
                num(*lo),
                num(*hi),
            ];
            match r.method {
                Method::Morris => {
                    let m = r.morris[c][i];
                    row.extend([m.mu, m.mu_star, m.mu_star_lo, m.mu_star_hi, m.sigma].map(num));
                }
                Method::Sobol => {
                    let s = r.sobol[c][i];
                    row.extend([s.s1, s.s1_lo, s.s1_hi, s.st, s.st_lo, s.st_hi].map(num));
                }
            }
            row.push(num(r.noise_share[c]));
            rows.push(row);
        }
    }
    let mut header = vec!["statistic", "wave", "parameter", "min", "max"];
    match r.method {
        Method::Morris => header.extend([
            "mu",
            "mu_star",
            "mu_star_lower95",
            "mu_star_upper95",
            "sigma",
        ]),
        Method::Sobol => header.extend([
            "s1",
            "s1_lower95",
            "s1_upper95",
            "st",
            "st_lower95",
            "st_upper95",
        ]),
    }
    header.push("noise_share");
    (header, rows)
}

/// `points.csv`, long: one row per point and output, so that statistic and wave are values
/// (an output name such as `ties@3` is not a column name R keeps as it is).
fn points_table(r: &SensitivityResult) -> (Vec<String>, Vec<Vec<String>>) {
    let mut ph: Vec<String> = vec!["point".into()];
    ph.extend(r.parameters.iter().map(|(p, _)| p.clone()));
    ph.extend(["statistic".into(), "wave".into(), "mean".into()]);
    let prow: Vec<Vec<String>> = r
        .points
        .iter()
        .zip(&r.means)
        .enumerate()
        .flat_map(|(j, (x, m))| {
            r.outputs.iter().zip(m).map(move |(o, v)| {
                std::iter::once(j.to_string())
                    .chain(x.iter().map(|v| num(*v)))
                    .chain([o.statistic.clone(), o.wave.to_string(), num(*v)])
                    .collect()
            })
        })
        .collect();
    (ph, prow)
}

/// `indices.md`: the design, the Monte Carlo noise share of each output and the indices.
fn indices_md(r: &SensitivityResult) -> String {
    let noise: Vec<String> = r
        .outputs
        .iter()
        .zip(&r.noise_share)
        .map(|(o, n)| format!("{o}: {}", fmt_sig(*n, 2)))
        .collect();
    format!(
        "# {} sensitivity\n\n{} design points, {} replicates each (common random numbers), master seed {}. Share of the variance of the point means that is Monte Carlo noise: {}.\n\n{}",
        match r.method {
            Method::Morris => "Morris",
            Method::Sobol => "Sobol",
        },
        r.points.len(),
        r.replicates,
        r.seed,
        noise.join("; "),
        table(r).markdown()
    )
}

/// `indices.svg`: one forest panel per output, Sobol's first-order and total indices or
/// Morris' mu* (with its interval) and sigma, per parameter.
fn indices_figure(r: &SensitivityResult, path: &Path) -> Result<()> {
    let k = r.parameters.len();
    let (x_label, series, title) = match r.method {
        Method::Sobol => (
            "Sobol index (share of the output's variance)",
            ["first order", "total"],
            format!(
                "Sobol indices (N = {}, {} replicates per point, 95% bootstrap intervals)",
                r.points.len() / (k + 2),
                r.replicates
            ),
        ),
        Method::Morris => (
            "change over the parameter's range",
            ["mu*", "sigma"],
            format!(
                "Morris screening ({} trajectories, {} replicates per point; mu* with 95% bootstrap interval)",
                r.points.len() / (k + 1),
                r.replicates
            ),
        ),
    };
    // Value and interval of series `s` for output `c` and parameter `i`.
    let value = |s: usize, c: usize, i: usize| match r.method {
        Method::Sobol => {
            let x = r.sobol[c][i];
            if s == 0 {
                (x.s1, x.s1_lo, x.s1_hi)
            } else {
                (x.st, x.st_lo, x.st_hi)
            }
        }
        Method::Morris => {
            let m = r.morris[c][i];
            if s == 0 {
                (m.mu_star, m.mu_star_lo, m.mu_star_hi)
            } else {
                (m.sigma, f64::NAN, f64::NAN)
            }
        }
    };
    let names: Vec<String> = r.parameters.iter().map(|(p, _)| p.clone()).collect();
    let panels: Vec<ForestPanel> = r
        .outputs
        .iter()
        .enumerate()
        .map(|(c, o)| ForestPanel {
            title: o.to_string(),
            x_label: match r.method {
                Method::Sobol => x_label.into(),
                Method::Morris => axis_title(x_label, &o.statistic),
            },
            rows: names.clone(),
            series: series
                .iter()
                .enumerate()
                .map(|(s, name)| ForestSeries {
                    name: (*name).into(),
                    values: (0..k).map(|i| value(s, c, i)).collect(),
                })
                .collect(),
            reference: Some(0.0),
        })
        .collect();
    forest_figure(path, &title, &panels, 2)
}

/// Median of finite values (for summaries).
pub fn median(v: &[f64]) -> f64 {
    quantile_sorted(&sorted_finite(v), 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn morris_trajectories_move_one_parameter_at_a_time_within_the_cube() {
        let d = morris_design(3, 5, 4, 9);
        assert_eq!(d.points.len(), 20);
        for t in 0..5 {
            for s in 0..3 {
                let a = &d.points[t * 4 + s];
                let b = &d.points[t * 4 + s + 1];
                let changed: Vec<usize> = (0..3).filter(|&i| a[i] != b[i]).collect();
                assert_eq!(changed, vec![d.moves[t][s].0]);
                assert!((b[changed[0]] - a[changed[0]] - d.moves[t][s].1).abs() < 1e-12);
            }
        }
        assert!(
            d.points
                .iter()
                .flatten()
                .all(|&v| (0.0..=1.0 + 1e-12).contains(&v))
        );
    }

    #[test]
    fn morris_recovers_linear_effects() {
        let d = morris_design(3, 10, 4, 2);
        let y: Vec<f64> = d.points.iter().map(|x| 3.0 * x[0] - x[1]).collect();
        let m = morris(&d, &y, 100, 1);
        assert!((m[0].mu - 3.0).abs() < 1e-9 && (m[0].mu_star - 3.0).abs() < 1e-9);
        assert!((m[1].mu + 1.0).abs() < 1e-9 && (m[1].mu_star - 1.0).abs() < 1e-9);
        assert_eq!(m[2].mu_star, 0.0);
        assert!(m[0].sigma < 1e-9);
    }

    #[test]
    fn ishigami_analytic_values() {
        let s = ishigami_indices(7.0, 0.1);
        assert!((s[0].0 - 0.3139).abs() < 1e-4);
        assert!((s[1].0 - 0.4424).abs() < 1e-4);
        assert!((s[0].1 - 0.5576).abs() < 1e-4);
        assert!((s[2].1 - 0.2437).abs() < 1e-4);
    }
}
