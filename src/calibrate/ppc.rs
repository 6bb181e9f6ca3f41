//! Posterior predictive checks: simulate at parameter draws (posterior particles for ABC, the
//! estimate for the method of moments) and compare with the observed waves the fit of the
//! matched statistics and, as goodness of fit, statistics not used in fitting: the degree
//! distribution, the geodesic distance distribution, counts by kind and every other wave
//! statistic.

use super::gof::{self, GofTest};
use super::problem::{Problem, derive_seed};
use super::targets::{TIE_COVARIATE_SIMILARITY, needs_attributes};
use crate::error::Result;
use crate::model::rng;
use crate::network::Snapshot;
use crate::stats::quantile::quantile_sorted;
use crate::stats::{degree_distribution, geodesic_distribution};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use std::collections::HashMap;

const TAG_PREDICTIVE: u64 = 21;
const TAG_NOISE: u64 = 22;
/// Degrees at or above this share one bin.
const DEGREE_CAP: usize = 40;
/// Distances at or above this share one bin.
const DISTANCE_CAP: usize = 20;

/// One compared quantity: observed value and the predictive distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRow {
    /// Wave, 1-based.
    pub wave: usize,
    /// Family: `matched`, `degree`, `geodesic`, `kind_counts`, `wave_statistic`.
    pub check: String,
    /// Name: the statistic, `degree.<d>`, `distance.<d>`, `distance.unreachable`.
    pub statistic: String,
    /// Observed value (NaN when the wave was not observed, or when a ties file cannot show it:
    /// statistics of trust, origins, adoption and initiatives).
    pub observed: f64,
    /// Simulations with a defined value.
    pub n: usize,
    /// Predictive mean.
    pub mean: f64,
    /// Predictive standard deviation.
    pub sd: f64,
    /// 2.5% quantile.
    pub q025: f64,
    /// 97.5% quantile.
    pub q975: f64,
    /// Two-sided predictive p-value, `2 min(P(X >= obs), P(X <= obs))`, at most 1.
    pub p_value: f64,
}

/// Results of the predictive checks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Predictive {
    /// The matched targets.
    pub fit: Vec<CheckRow>,
    /// Everything else, wave by wave.
    pub checks: Vec<CheckRow>,
    /// Simulations run.
    pub simulations: u64,
    /// Joint goodness-of-fit tests of auxiliary statistics, per observed wave and jointly
    /// ([`gof`](super::gof)), with every draw's values.
    pub gof: Vec<GofTest>,
}

/// Everything recorded from one simulated (or observed) run, per wave.
#[derive(Debug, Clone, Default)]
struct WaveRecord {
    stats: HashMap<&'static str, f64>,
    covariate: f64,
    degree: Vec<u64>,
    distance: Vec<u64>,
    unreachable: f64,
    aux: Vec<Vec<f64>>,
}

fn record(problem: &Problem, snaps: &[Snapshot]) -> Vec<WaveRecord> {
    let plan = problem.plan();
    (0..snaps.len())
        .map(|k| {
            let t = plan.table(snaps, k);
            let stats = t
                .rows
                .iter()
                .filter(|r| r.scope == 0)
                .map(|r| (r.statistic, r.value))
                .collect();
            let s = &snaps[k];
            let distance = geodesic_distribution(s);
            let n = s.active.iter().filter(|&&a| a).count() as f64;
            let reached: u64 = distance.iter().sum();
            WaveRecord {
                stats,
                covariate: plan.covariate_similarity(s),
                degree: degree_distribution(s),
                unreachable: n * (n - 1.0) / 2.0 - reached as f64,
                distance,
                aux: gof::auxiliary(s),
            }
        })
        .collect()
}

fn summarise(wave: usize, check: &str, statistic: String, observed: f64, sims: &[f64]) -> CheckRow {
    let mut v: Vec<f64> = sims.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let mean = v.iter().sum::<f64>() / n.max(1) as f64;
    let sd = if n > 1 {
        (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        f64::NAN
    };
    let p_value = if observed.is_finite() && n > 0 {
        let ge = v.iter().filter(|&&x| x >= observed).count() as f64 / n as f64;
        let le = v.iter().filter(|&&x| x <= observed).count() as f64 / n as f64;
        (2.0 * ge.min(le)).min(1.0)
    } else {
        f64::NAN
    };
    CheckRow {
        wave,
        check: check.into(),
        statistic,
        observed,
        n,
        mean: if n > 0 { mean } else { f64::NAN },
        sd,
        q025: quantile_sorted(&v, 0.025),
        q975: quantile_sorted(&v, 0.975),
        p_value,
    }
}

/// Counts in bins `0..cap`, the last bin holding everything from `cap - 1` up; `first` is the
/// index of bin 0 in `hist`.
fn binned(hist: &[u64], first: usize, bins: usize) -> Vec<f64> {
    let mut out = vec![0.0; bins];
    for (d, &c) in hist.iter().enumerate().skip(first) {
        out[(d - first).min(bins - 1)] += c as f64;
    }
    out
}

fn bin_name(prefix: &str, first: usize, b: usize, bins: usize, capped: bool) -> String {
    if capped && b == bins - 1 {
        format!("{prefix}.{}+", b + first)
    } else {
        format!("{prefix}.{}", b + first)
    }
}

/// One predictive simulation: its matched statistics (with the targets' noise) and the record
/// of each wave.
type Run = (Vec<f64>, Vec<WaveRecord>);

/// Runs the predictive checks: one simulation per draw (`draws`, parameter vectors), streams
/// from (seed, draw index).
pub fn predictive(problem: &Problem, draws: &[Vec<f64>], seed: u64) -> Result<Predictive> {
    let runs = simulate(problem, draws, seed)?;
    let observed = record(problem, &problem.observed);
    let mut out = Predictive {
        simulations: draws.len() as u64,
        ..Default::default()
    };
    for (i, t) in problem.targets.iter().enumerate() {
        let sims: Vec<f64> = runs.iter().map(|r| r.0[i]).collect();
        out.fit
            .push(summarise(t.wave, "matched", t.label(), t.value, &sims));
    }
    let waves = runs.first().map_or(0, |r| r.1.len());
    for k in 0..waves {
        wave_checks(problem, &runs, observed.get(k), k, &mut out.checks);
    }
    if !problem.observed.is_empty() {
        out.gof = joint_gof(problem, &observed, &runs);
    }
    Ok(out)
}

/// One simulation per draw, with Gaussian noise of each target's standard error added to its
/// statistic (as the fit saw it).
fn simulate(problem: &Problem, draws: &[Vec<f64>], seed: u64) -> Result<Vec<Run>> {
    let master = derive_seed(seed, TAG_PREDICTIVE, 0);
    let noise_master = derive_seed(seed, TAG_NOISE, 0);
    draws
        .par_iter()
        .enumerate()
        .map(|(d, theta)| {
            let snaps = problem.snapshots(theta, master, d as u64)?;
            let mut s = problem.statistics(&snaps);
            let mut r = rng::stream(noise_master, d as u64, 0);
            for (x, t) in s.iter_mut().zip(&problem.targets) {
                if let Some(se) = t.se {
                    let z: f64 = StandardNormal.sample(&mut r);
                    *x += se * z;
                }
            }
            Ok((s, record(problem, &snaps)))
        })
        .collect()
}

/// The checks of wave `k + 1` (0-based `k`): degree and geodesic distributions, unreachable
/// pairs, every unmatched statistic of the network scope, and the covariate similarity.
fn wave_checks(
    problem: &Problem,
    runs: &[Run],
    obs: Option<&WaveRecord>,
    k: usize,
    checks: &mut Vec<CheckRow>,
) {
    let wave = k + 1;
    let matched = |name: &str| {
        problem
            .targets
            .iter()
            .any(|t| t.wave == wave && t.scope == "network" && t.statistic == name)
    };
    let degree: Field = |w| &w.degree;
    histogram_checks(
        runs,
        obs,
        k,
        ("degree", "degree", 0, DEGREE_CAP + 1),
        degree,
        checks,
    );
    let distance: Field = |w| &w.distance;
    histogram_checks(
        runs,
        obs,
        k,
        ("geodesic", "distance", 1, DISTANCE_CAP),
        distance,
        checks,
    );
    let col: Vec<f64> = runs.iter().map(|r| r.1[k].unreachable).collect();
    checks.push(summarise(
        wave,
        "geodesic",
        "distance.unreachable".into(),
        obs.map_or(f64::NAN, |o| o.unreachable),
        &col,
    ));
    // Every other statistic of the network scope.
    let mut names: Vec<&'static str> = runs
        .first()
        .map(|r| r.1[k].stats.keys().copied().collect())
        .unwrap_or_default();
    names.sort_unstable();
    let ties_only = problem.observed_ties_only.get(k) == Some(&true);
    for name in names.into_iter().filter(|n| !matched(n)) {
        let check = if name.starts_with("organisations") || name.starts_with("entrants") {
            "kind_counts"
        } else {
            "wave_statistic"
        };
        let col: Vec<f64> = runs
            .iter()
            .map(|r| r.1[k].stats.get(name).copied().unwrap_or(f64::NAN))
            .collect();
        let o = obs
            .filter(|_| !(ties_only && needs_attributes(name)))
            .and_then(|o| o.stats.get(name).copied())
            .unwrap_or(f64::NAN);
        checks.push(summarise(wave, check, name.to_string(), o, &col));
    }
    let has_covariate = problem
        .dataset
        .organisations
        .iter()
        .any(|o| o.covariate.is_some());
    if has_covariate && !matched(TIE_COVARIATE_SIMILARITY) {
        let col: Vec<f64> = runs.iter().map(|r| r.1[k].covariate).collect();
        checks.push(summarise(
            wave,
            "wave_statistic",
            TIE_COVARIATE_SIMILARITY.into(),
            obs.map_or(f64::NAN, |o| o.covariate),
            &col,
        ));
    }
}

/// A histogram of a wave's record.
type Field = fn(&WaveRecord) -> &[u64];

/// One check per bin of a histogram of wave `k + 1` (`field` of its record): `(family, bin
/// prefix, first bin, most bins)`; the last bin holds the rest when the histograms are longer.
fn histogram_checks(
    runs: &[Run],
    obs: Option<&WaveRecord>,
    k: usize,
    (family, prefix, first, cap): (&str, &str, usize, usize),
    field: Field,
    checks: &mut Vec<CheckRow>,
) {
    let max_len = runs
        .iter()
        .map(|r| field(&r.1[k]).len())
        .chain(obs.map(|o| field(o).len()))
        .max()
        .unwrap_or(0);
    let bins = max_len.saturating_sub(first).min(cap);
    let capped = max_len.saturating_sub(first) > cap;
    if bins == 0 {
        return;
    }
    let sims: Vec<Vec<f64>> = runs
        .iter()
        .map(|r| binned(field(&r.1[k]), first, bins))
        .collect();
    let o = obs.map(|o| binned(field(o), first, bins));
    for b in 0..bins {
        let col: Vec<f64> = sims.iter().map(|s| s[b]).collect();
        checks.push(summarise(
            k + 1,
            family,
            bin_name(prefix, first, b, bins, capped),
            o.as_ref().map_or(f64::NAN, |o| o[b]),
            &col,
        ));
    }
}

/// The joint goodness-of-fit tests on the waves the fit is judged on: those of the matched
/// targets (the first wave of a panel is conditioned on, not fitted), else every observed wave.
fn joint_gof(problem: &Problem, observed: &[WaveRecord], runs: &[Run]) -> Vec<GofTest> {
    let mut waves: Vec<usize> = problem.targets.iter().map(|t| t.wave).collect();
    waves.sort_unstable();
    waves.dedup();
    if waves.is_empty() {
        waves = (1..=observed.len()).collect();
    }
    let obs: Vec<Vec<Vec<f64>>> = observed.iter().map(|w| w.aux.clone()).collect();
    let sims: Vec<Vec<Vec<Vec<f64>>>> = runs
        .iter()
        .map(|r| r.1.iter().map(|w| w.aux.clone()).collect())
        .collect();
    gof::tests(&obs, &sims, &waves)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_and_bins() {
        let r = summarise(1, "x", "y".into(), 3.0, &[1.0, 2.0, 3.0, 4.0, f64::NAN]);
        assert_eq!(r.n, 4);
        assert!((r.mean - 2.5).abs() < 1e-12);
        assert!((r.p_value - 1.0).abs() < 1e-12);
        let r = summarise(1, "x", "y".into(), 9.0, &[1.0, 2.0]);
        assert_eq!(r.p_value, 0.0);
        assert_eq!(binned(&[1, 2, 3, 4], 0, 3), vec![1.0, 2.0, 7.0]);
        assert_eq!(binned(&[0, 5, 1], 1, 2), vec![5.0, 1.0]);
        assert_eq!(bin_name("degree", 0, 2, 3, true), "degree.2+");
    }
}
