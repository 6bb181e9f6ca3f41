//! The simulated method of moments with the Robbins-Monro algorithm, as RSiena estimates
//! stochastic actor-oriented models (Snijders 2001; Ripley, Snijders et al., RSiena manual,
//! section "Estimation").
//!
//! The moments are the targets summed over waves, one per statistic (RSiena sums each target
//! statistic over periods), except the statistics of `calibration.smm.per_wave`, matched at
//! each wave (one moment per wave, which period-specific parameters need); there must be as
//! many moments as parameters, or more with `calibration.smm.combine`, which combines them
//! into as many ([`super::smm_combine`]). Every simulation starts
//! from the scenario's data, so the model conditions on the first observation as RSiena does.
//!
//! - **Phase 1** estimates the derivative matrix `D = d E[s] / d theta` by central finite
//!   differences with common random numbers (each run simulates `theta` and
//!   `theta +- h_j e_j` from the same streams), then takes one Newton step
//!   `theta -= D^-1 (mean s - s_obs)`. RSiena estimates `D` from score functions instead,
//!   which this simulator does not provide; finite differences need more runs and a step
//!   `h_j` large enough for the change to show through the simulation noise (a quarter of the
//!   prior's sd by default).
//! - **Phase 2** runs `subphases` subphases of stochastic approximation
//!   `theta_{i+1} = theta_i - a_k D~^-1 (s_i - s_obs)` with gain `a_k = gain / 2^(k-1)` and
//!   `D~ = (1 - diagonalize) D + diagonalize diag(D)`; a subphase runs at least
//!   `2^(4(k-1)/3) (7 + p)` iterations, stops once every coordinate's successive deviations
//!   have a negative sum of products (or after 200 more), and ends at the average of its
//!   iterates (Polyak-Ruppert).
//! - **Phase 3** simulates at the estimate: t-ratios `(mean s - s_obs) / sd(s)` and the overall
//!   maximum convergence ratio `sqrt(dev' Sigma^-1 dev)` (converged when all `|t| <= 0.1` and
//!   the overall ratio `<= 0.25`, RSiena's rule), and standard errors by the delta method,
//!   `cov(theta) = D^-1 Sigma D^-T`, with `D` re-estimated at the estimate (by common random
//!   numbers on as many runs as phase 1) and `Sigma` the covariance of the simulated moments
//!   (plus the squared standard errors of targets given with one).
//!
//! **Fallback.** A round (phases 2 and 3) that does not converge is followed, up to
//! `calibration.smm.rounds` rounds, by another from the best round so far (the one with the
//! smallest of the overall ratio and 2.5 times the largest |t|): one Newton step with that
//! round's phase 3 mean moments and derivative, then the last two subphases (the smallest
//! gains) and phase 3 again. A start that runs out of rounds hands over to the next start
//! ([`super::smm_start`]: a pilot's regression start, its nearest draw, the start values); the
//! first start that converges is kept. After the last start, up to
//! `calibration.smm.continuations` continuations go on from the best round of all: a Newton
//! step damped along ridges (Tikhonov, in the moments' sd units), halved after a continuation
//! that did not improve and damped ten times less after one that did (Levenberg-Marquardt),
//! then phase 3 at once; they stop after [`STALLED`] in a row that did not improve. The fit
//! reports the first round that converged, or else the best round of all. Phase 2 goes back
//! to the best point of its subphase when its deviations run off ([`Guard`]), and a singular
//! derivative fails neither a round nor a start (phase 1 steps with the update matrix, phase
//! 3 counts as an unconverged round without standard errors). The search runs in the
//! prior's support widened by `calibration.smm.widen` ([`search_bounds`]). A fit that ends
//! without converging reports its best round, and is flagged in every output and in the exit
//! status, with advice ([`advice`]: a parameter at a bound of the search means the moments have
//! no solution inside it).
//!
//! Every simulation's stream derives from (seed, phase, subphase, run), so results do not
//! depend on the number of threads.

use super::checkpoint::{exact, exact_mat, exact_vec};
use super::prior::Prior;
use super::problem::{Problem, derive_seed};
use super::smm_combine;
use super::smm_metric;
use super::smm_start;
use super::solver::Solver;
use super::spec::SmmSettings;
use super::summary::{invert, mean_and_covariance};
use crate::error::{Error, Result};
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Instant;

// Stream tags of the method's random numbers (with the pilot's and the intervals' in
// `smm_start` and `smm_intervals`): distinct, so that no two stages share draws.
pub(super) const TAG_PHASE1: u64 = 11;
pub(super) const TAG_PHASE2: u64 = 12;
pub(super) const TAG_PHASE3: u64 = 13;
pub(super) const TAG_STANDARD_ERRORS: u64 = 16;

/// The moments: targets summed over waves, one per (scope, statistic), or one per (scope,
/// statistic, wave) for the statistics of `calibration.smm.per_wave`.
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    /// Name of each moment: the statistic, with its scope outside the network and its waves
    /// (`ties@2+3`).
    pub names: Vec<String>,
    /// Indices into the problem's targets summed by each moment.
    pub groups: Vec<Vec<usize>>,
    /// Observed value of each moment.
    pub target: Vec<f64>,
    /// Standard error of each moment's observed value (0 for values computed on observed
    /// networks).
    pub se: Vec<f64>,
    /// Weights combining the summed moments into as many as parameters (`p` by the number of
    /// groups), or `None` ([`super::smm_combine`], `calibration.smm.combine`).
    pub combination: Option<DMatrix<f64>>,
}

impl Moments {
    /// The moments of a problem's targets.
    pub fn of(problem: &Problem) -> Moments {
        let smm = &problem.scenario.calibration.smm;
        let per_wave = &smm.per_wave;
        let mut keys: Vec<(String, String)> = Vec::new();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        // Targets of a per-wave statistic get their wave in the key, so they are not summed.
        let mut wave_keys: Vec<Option<usize>> = Vec::new();
        for (i, t) in problem.targets.iter().enumerate() {
            let wave = per_wave
                .contains(&t.statistic)
                .then(|| group_wave(&smm.wave_groups, &t.statistic, t.wave));
            let key = (t.scope.clone(), t.statistic.clone());
            match keys
                .iter()
                .zip(&wave_keys)
                .position(|(k, w)| *k == key && *w == wave)
            {
                Some(g) => groups[g].push(i),
                None => {
                    keys.push(key);
                    wave_keys.push(wave);
                    groups.push(vec![i]);
                }
            }
        }
        let names = keys
            .iter()
            .zip(&groups)
            .map(|((scope, stat), g)| {
                let waves: Vec<String> = g
                    .iter()
                    .map(|&i| problem.targets[i].wave.to_string())
                    .collect();
                let base = if scope == "network" {
                    stat.clone()
                } else {
                    format!("{scope}/{stat}")
                };
                format!("{base}@{}", waves.join("+"))
            })
            .collect();
        let target = groups
            .iter()
            .map(|g| g.iter().map(|&i| problem.targets[i].value).sum())
            .collect();
        let se = groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|&i| problem.targets[i].se.unwrap_or(0.0).powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect();
        Moments {
            names,
            groups,
            target,
            se,
            combination: None,
        }
    }

    /// The moments of a vector of target statistics.
    pub fn reduce(&self, stats: &[f64]) -> Vec<f64> {
        let summed: Vec<f64> = self
            .groups
            .iter()
            .map(|g| g.iter().map(|&i| stats[i]).sum())
            .collect();
        match &self.combination {
            Some(a) => mul_vec(a, &summed),
            None => summed,
        }
    }
}

/// The wave that stands for wave `w` of a per-wave statistic: the first wave of its group in
/// `calibration.smm.wave_groups`, so that the group's waves sum into one moment, or `w`.
fn group_wave(
    groups: &std::collections::BTreeMap<String, Vec<Vec<usize>>>,
    statistic: &str,
    w: usize,
) -> usize {
    groups
        .get(statistic)
        .and_then(|gs| gs.iter().find(|g| g.contains(&w)))
        .and_then(|g| g.first().copied())
        .unwrap_or(w)
}

/// Where the method of moments goes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Phase 2, subphase `k` (1-based) is next.
    Phase2 {
        /// The subphase.
        subphase: usize,
    },
    /// Phase 3 is next.
    Phase3,
    /// Finished.
    Done,
}

/// One phase 2 iteration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Iteration {
    /// Subphase, 1-based.
    pub subphase: usize,
    /// Iteration within the subphase, 0-based.
    pub iteration: usize,
    /// Parameters after the update.
    #[serde(with = "exact_vec")]
    pub theta: Vec<f64>,
    /// Deviations `s - s_obs` of the simulated moments that drove the update.
    #[serde(with = "exact_vec")]
    pub deviation: Vec<f64>,
}

/// One completed phase or subphase, for the diagnostics table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// `phase1`, `phase2.<k>` or `phase3`.
    pub stage: String,
    /// Iterations (phase 2) or runs (phases 1 and 3).
    pub iterations: usize,
    /// Simulations run.
    pub simulations: u64,
    /// Gain (phase 2; 0 otherwise).
    #[serde(with = "exact")]
    pub gain: f64,
    /// Parameters at the end.
    #[serde(with = "exact_vec")]
    pub theta: Vec<f64>,
    /// Wall time (seconds; not part of the results).
    #[serde(with = "exact")]
    pub wall_seconds: f64,
}

/// Phase 3: convergence check and standard errors at the estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase3 {
    /// Mean simulated moments.
    #[serde(with = "exact_vec")]
    pub mean: Vec<f64>,
    /// Standard deviations of the simulated moments.
    #[serde(with = "exact_vec")]
    pub sd: Vec<f64>,
    /// t-ratios for convergence, `(mean - target) / sd`.
    #[serde(with = "exact_vec")]
    pub t_ratios: Vec<f64>,
    /// Overall maximum convergence ratio.
    #[serde(with = "exact")]
    pub max_convergence_ratio: f64,
    /// RSiena's rule: every `|t| <= 0.1` and the overall ratio `<= 0.25`.
    pub converged: bool,
    /// Derivative matrix at the estimate (moments by parameters).
    #[serde(with = "exact_mat")]
    pub derivative: DMatrix<f64>,
    /// Covariance of the simulated moments.
    #[serde(with = "exact_mat")]
    pub moment_covariance: DMatrix<f64>,
    /// Covariance of the estimates, `D^-1 Sigma D^-T`.
    #[serde(with = "exact_mat")]
    pub covariance: DMatrix<f64>,
    /// Standard errors of the estimates.
    #[serde(with = "exact_vec")]
    pub se: Vec<f64>,
    /// Runs left out because a moment was undefined (NaN).
    pub failed_runs: usize,
    /// Runs whose finite differences estimated the derivative (phase 1's number, or more for
    /// a converged fit's standard errors: [`precise_standard_errors`]).
    #[serde(default)]
    pub derivative_runs: usize,
}

/// The estimate and phase 3 of the best round so far (the one nearest convergence).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Best {
    /// The estimate.
    #[serde(with = "exact_vec")]
    pub theta: Vec<f64>,
    /// Its phase 3.
    pub phase3: Phase3,
    /// The start it came from (0-based; the starts' count plus `k - 1` for continuation `k`).
    #[serde(default)]
    pub start: usize,
    /// The share of the Newton step that the next round from this estimate takes: 1, halved
    /// after each round from here that did not improve on it (step-size control: a full step
    /// that overshot along a flat ridge is not tried again).
    #[serde(with = "exact", default = "one")]
    pub newton_scale: f64,
    /// The damping of the Newton step from this estimate along ridges, as a multiple of
    /// [`RIDGE`]'s: 1, and a tenth of the previous best's after a continuation that improved
    /// on it (Levenberg-Marquardt: a step that helped earns a more Newton-like next step, so
    /// that a deviation left in a weakly identified direction is fixed rather than shaved).
    #[serde(with = "exact", default = "one")]
    pub damping: f64,
}

fn one() -> f64 {
    1.0
}

impl Phase3 {
    /// Mean simulated minus observed moments.
    pub fn deviation(&self, target: &[f64]) -> Vec<f64> {
        self.mean.iter().zip(target).map(|(a, b)| a - b).collect()
    }
}

/// The state of the method of moments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmmState {
    /// What runs next.
    pub stage: Stage,
    /// Current parameters (the estimate once finished).
    #[serde(with = "exact_vec")]
    pub theta: Vec<f64>,
    /// Starting parameters.
    #[serde(with = "exact_vec")]
    pub start: Vec<f64>,
    /// Phase 1 derivative matrix (moments by parameters).
    #[serde(with = "exact_mat")]
    pub derivative: DMatrix<f64>,
    /// The phase 2 update matrix, `D~^-1`.
    #[serde(with = "exact_mat")]
    pub update: DMatrix<f64>,
    /// Phase 2 iterations.
    pub iterations: Vec<Iteration>,
    /// Completed phases and subphases.
    pub steps: Vec<Step>,
    /// Phase 3 results (of the best round, once finished).
    pub phase3: Option<Phase3>,
    /// The best round so far: its estimate and phase 3.
    #[serde(default)]
    pub best: Option<Best>,
    /// Simulations so far.
    pub simulations: u64,
    /// Completed rounds of phases 2 and 3 (a round that does not converge is followed by
    /// another from its estimate, up to `calibration.smm.rounds`).
    pub rounds: usize,
    /// Rounds whose phase 3 found the moments undefined (counted in `rounds`).
    #[serde(default)]
    pub failed_rounds: usize,
    /// The starts, in the order they are tried ([`super::smm_start`]).
    #[serde(default)]
    pub starts: Vec<Vec<f64>>,
    /// The start being fitted (0-based index into `starts`).
    #[serde(default)]
    pub start_index: usize,
    /// The best round of the starts before this one, if any.
    #[serde(default)]
    pub previous: Option<Best>,
    /// Where the search may go, per parameter (`lower`, `upper`): the prior's support widened
    /// by `calibration.smm.widen` ([`search_bounds`]).
    #[serde(default)]
    pub bounds: Vec<(f64, f64)>,
    /// Continuations run so far (rounds after the last start from the best round of all
    /// starts, `calibration.smm.continuations`); 0 while the starts run.
    #[serde(default)]
    pub continuation: usize,
    /// Continuations in a row that did not improve on the best round of all (the
    /// continuations stop after [`STALLED`] of them).
    #[serde(default)]
    pub stalled: usize,
    /// Standard deviations of the simulated moments where the update matrix was estimated
    /// (phase 1, or the phase 3 a round starts from): the scale of phase 2's safeguard
    /// ([`Guard`]; empty in checkpoints written before it, which turns it off).
    #[serde(default, with = "exact_vec")]
    pub moment_sd: Vec<f64>,
    /// Phase 2 iterates sent back to the best point of their subphase by the safeguard.
    #[serde(default)]
    pub resets: usize,
    /// The weights that combine more moments than parameters into as many as parameters,
    /// `p` rows by the moments, row-major (`calibration.smm.combine`,
    /// [`super::smm_combine`]); empty when the moments are matched as they are.
    #[serde(default, with = "exact_vec")]
    pub combination: Vec<f64>,
}

impl SmmState {
    /// The state before any phase: phase 2's first subphase next, no start, estimate,
    /// derivative, round or simulation yet, and the search held to `bounds` (`p` parameters).
    pub(crate) fn blank(p: usize, bounds: Vec<(f64, f64)>) -> SmmState {
        SmmState {
            stage: Stage::Phase2 { subphase: 1 },
            steps: Vec::new(),
            theta: Vec::new(),
            start: Vec::new(),
            derivative: DMatrix::zeros(p, p),
            update: DMatrix::zeros(p, p),
            iterations: Vec::new(),
            phase3: None,
            best: None,
            simulations: 0,
            rounds: 0,
            failed_rounds: 0,
            starts: Vec::new(),
            start_index: 0,
            previous: None,
            bounds,
            continuation: 0,
            stalled: 0,
            moment_sd: Vec::new(),
            resets: 0,
            combination: Vec::new(),
        }
    }
}

/// The method-of-moments solver.
#[derive(Debug, Clone)]
pub struct Smm {
    /// Settings.
    pub settings: SmmSettings,
}

/// Moments at `theta` and, with `differences`, central finite-difference quotients for each
/// parameter (`(s(theta + h e_j) - s(theta - h e_j)) / 2h`, one-sided where a side leaves the
/// prior's support), all from the same random streams; `None` when a moment is undefined.
pub(super) fn difference_run(
    problem: &Problem,
    moments: &Moments,
    bounds: &[(f64, f64)],
    theta: &[f64],
    master: u64,
    run: u64,
    differences: bool,
) -> Result<Option<DifferenceRun>> {
    let s0 = moments.reduce(&problem.simulate(theta, master, run)?);
    if s0.iter().any(|x| !x.is_finite()) {
        return Ok(None);
    }
    if !differences {
        return Ok(Some((s0, Vec::new())));
    }
    let mut cols = Vec::with_capacity(theta.len());
    for (j, par) in problem.parameters.iter().enumerate() {
        let h = par.difference;
        let (lo, hi) = bounds[j];
        let (up, down) = (theta[j] + h <= hi, theta[j] - h >= lo);
        let at = |d: f64| -> Result<Vec<f64>> {
            let mut t = theta.to_vec();
            t[j] += d;
            Ok(moments.reduce(&problem.simulate(&t, master, run)?))
        };
        let (hi, lo, span) = match (up, down) {
            (true, true) => (at(h)?, at(-h)?, 2.0 * h),
            (true, false) => (at(h)?, s0.clone(), h),
            _ => (s0.clone(), at(-h)?, h),
        };
        if hi.iter().chain(&lo).any(|x| !x.is_finite()) {
            return Ok(None);
        }
        cols.push(hi.iter().zip(&lo).map(|(a, b)| (a - b) / span).collect());
    }
    Ok(Some((s0, cols)))
}

/// One run's moments and its finite-difference columns (empty without differences).
pub(super) type DifferenceRun = (Vec<f64>, Vec<Vec<f64>>);

/// What [`estimate_at`] finds at one point.
struct AtPoint {
    /// Mean simulated moments.
    mean: Vec<f64>,
    /// Their covariance.
    cov: DMatrix<f64>,
    /// Mean finite-difference derivative matrix (moments by parameters).
    derivative: DMatrix<f64>,
    /// Runs whose finite differences the derivative averages.
    derivative_runs: usize,
    /// Runs left out because a moment was undefined.
    failed: usize,
    /// Simulations run.
    simulations: u64,
}

/// Mean moments and their covariance over `runs` runs at one point, and the mean derivative
/// matrix over the first `diff_runs` of them (the derivative needs `2p` more simulations per
/// run, and far fewer runs than the moments' covariance).
fn estimate_at(
    problem: &Problem,
    moments: &Moments,
    bounds: &[(f64, f64)],
    theta: &[f64],
    master: u64,
    runs: usize,
    diff_runs: usize,
) -> Result<std::result::Result<AtPoint, Undefined>> {
    let diff_runs = diff_runs.min(runs);
    let out: Vec<Option<DifferenceRun>> = (0..runs as u64)
        .into_par_iter()
        .map(|r| {
            let d = (r as usize) < diff_runs;
            difference_run(problem, moments, bounds, theta, master, r, d)
        })
        .collect::<Result<_>>()?;
    let ok: Vec<&DifferenceRun> = out.iter().flatten().collect();
    let failed = runs - ok.len();
    let with_d: Vec<&Vec<Vec<f64>>> = ok
        .iter()
        .filter(|x| !x.1.is_empty())
        .map(|x| &x.1)
        .collect();
    if ok.len() < 3 || failed * 2 > runs || with_d.len() < 3 {
        return Ok(Err(Undefined {
            message: format!(
                "{failed} of {runs} simulations at {theta:?} give an undefined (NaN) moment: \
                 choose statistics defined on every simulated wave, or other start values"
            ),
            simulations: (runs + diff_runs * 2 * theta.len()) as u64,
        }));
    }
    let s: Vec<Vec<f64>> = ok.iter().map(|x| x.0.clone()).collect();
    let (mean, cov) = mean_and_covariance(&s);
    let (k, p) = (moments.target.len(), theta.len());
    let n = with_d.len() as f64;
    let d = DMatrix::from_fn(k, p, |i, j| with_d.iter().map(|x| x[j][i]).sum::<f64>() / n);
    Ok(Ok(AtPoint {
        mean,
        cov,
        derivative: d,
        derivative_runs: with_d.len(),
        failed,
        simulations: (runs + diff_runs * 2 * p) as u64,
    }))
}

/// A point where most simulations leave a moment undefined (NaN): no ties at a matched wave,
/// for example, where transitivity does not exist.
struct Undefined {
    /// What went wrong, for the error when there is nothing to fall back on.
    message: String,
    /// Simulations run.
    simulations: u64,
}

/// Growth of phase 2's smoothed deviation over the smallest it reached in the subphase that
/// sends the iterates back (with the level above [`Guard`]'s noise floor).
const DIVERGE: f64 = 2.0;

/// Weight of the newest iteration in phase 2's smoothed deviation (about the last five).
const SMOOTH: f64 = 0.2;

/// Phase 2's safeguard against running off: far from the root a derivative estimated at the
/// start can point the wrong way, and the iterates then run to a corner of the search, where
/// no later round finds the way back. The guard follows the size of the deviations in the
/// moments' sd units, `|z|` with `z_i = (s_i - s_obs,i) / sd_i`, smoothed over the last few
/// iterations; once it is [`DIVERGE`] times the smallest it reached in the subphase and above
/// the noise floor `3 sqrt(k / m)` (`k` moments, `m` simulations averaged per iteration: near
/// a root `|z|` is about `sqrt(k / m)`, so that the guard never acts there), it sends the
/// iterates back to the point where it was smallest.
struct Guard {
    /// The moments' sd (a moment with sd 0 is left out; none: the guard is off).
    sd: Vec<f64>,
    /// Level below which growth is noise.
    floor: f64,
    /// The smoothed `|z|`, once an iteration has run.
    level: Option<f64>,
    /// The smallest smoothed `|z|` so far and where it was simulated.
    best: Option<(f64, Vec<f64>)>,
}

impl Guard {
    fn new(sd: &[f64], m: usize) -> Guard {
        Guard {
            sd: sd.to_vec(),
            floor: 3.0 * (sd.len() as f64 / m.max(1) as f64).sqrt(),
            level: None,
            best: None,
        }
    }

    /// Takes the deviations `dev` simulated at `theta`; the point to go back to when the
    /// iterates run off.
    fn observe(&mut self, theta: &[f64], dev: &[f64]) -> Option<Vec<f64>> {
        if self.sd.len() != dev.len() {
            return None;
        }
        let z = dev
            .iter()
            .zip(&self.sd)
            .filter(|(_, s)| **s > 0.0)
            .map(|(d, s)| (d / s).powi(2))
            .sum::<f64>()
            .sqrt();
        if !z.is_finite() {
            return None;
        }
        let level = self.level.map_or(z, |l| (1.0 - SMOOTH) * l + SMOOTH * z);
        self.level = Some(level);
        match &self.best {
            Some((b, back)) if level > DIVERGE * b && level > self.floor => {
                let back = back.clone();
                self.level = Some(*b);
                Some(back)
            }
            Some((b, _)) if level >= *b => None,
            _ => {
                self.best = Some((level, theta.to_vec()));
                None
            }
        }
    }
}

/// The phase 2 update matrix `D~^-1`, `D~ = (1 - diagonalize) D + diagonalize diag(D)`
/// (the inverse of the diagonal alone when `D~` is singular).
fn update_matrix(d: &DMatrix<f64>, diagonalize: f64) -> Option<DMatrix<f64>> {
    let diagonal = DMatrix::from_diagonal(&d.diagonal());
    let tilde = d * (1.0 - diagonalize) + &diagonal * diagonalize;
    invert(&tilde).or_else(|| {
        if d.diagonal().iter().any(|x| *x == 0.0 || !x.is_finite()) {
            return None;
        }
        diagonal.try_inverse()
    })
}

/// The deviations from the observed moments of the mean of phase 2 iteration `i`'s `m`
/// simulations at `theta` (runs with an undefined moment left out; 0 when every run has one).
fn iteration_deviation(
    problem: &Problem,
    moments: &Moments,
    theta: &[f64],
    master: u64,
    i: u64,
    m: u64,
) -> Result<Vec<f64>> {
    let runs: Vec<Vec<f64>> = (0..m)
        .into_par_iter()
        .map(|u| Ok(moments.reduce(&problem.simulate(theta, master, i * m + u)?)))
        .collect::<Result<_>>()?;
    let ok: Vec<Vec<f64>> = runs
        .into_iter()
        .filter(|r| r.iter().all(|x| x.is_finite()))
        .collect();
    if ok.is_empty() {
        return Ok(vec![0.0; moments.target.len()]);
    }
    Ok(mean_and_covariance(&ok)
        .0
        .iter()
        .zip(&moments.target)
        .map(|(a, b)| a - b)
        .collect())
}

/// `a x` for a matrix and a vector given as a slice.
fn mul_vec(a: &DMatrix<f64>, x: &[f64]) -> Vec<f64> {
    (a * DVector::from_column_slice(x))
        .iter()
        .copied()
        .collect()
}

/// `""` for the first round of the first start, `round<k>.` after it, and `start<j>.` before
/// both for the starts after the first.
fn round_prefix(state: &SmmState) -> String {
    let start = if state.continuation > 0 {
        format!("continue{}.", state.continuation)
    } else if state.start_index == 0 {
        String::new()
    } else {
        format!("start{}.", state.start_index + 1)
    };
    if state.rounds == 0 {
        start
    } else {
        format!("{start}round{}.", state.rounds + 1)
    }
}

/// Scales a step down so that no component exceeds `max`.
fn truncate(step: &mut [f64], max: f64) {
    let m = step.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if m > max {
        for x in step.iter_mut() {
            *x *= max / m;
        }
    }
}

/// A Newton step as a round takes it: truncated so that no component exceeds `max`, then
/// scaled by `scale` (the step-size control of [`Best::newton_scale`]). The other order would
/// undo the scaling whenever the truncation binds, and a halved step that overshot would be
/// taken again unchanged.
fn scaled_step(mut step: Vec<f64>, scale: f64, max: f64) -> Vec<f64> {
    truncate(&mut step, max);
    step.iter().map(|x| x * scale).collect()
}

/// `theta` kept inside the search bounds.
fn clamp(bounds: &[(f64, f64)], theta: &mut [f64]) {
    for (x, (lo, hi)) in theta.iter_mut().zip(bounds) {
        *x = x.clamp(*lo, *hi);
    }
}

/// Where the method of moments searches: each bounded prior's support widened by `widen`
/// times its width on each side, as far as the parameter's valid range allows (a widened end
/// that validation refuses falls back to the prior's); an unbounded prior's support as it is
/// (`f64::MAX` standing for infinity, which JSON checkpoints cannot hold).
pub fn search_bounds(problem: &Problem, widen: f64) -> Vec<(f64, f64)> {
    problem
        .parameters
        .iter()
        .map(|par| match par.prior {
            Prior::Uniform { min, max } | Prior::Beta { min, max, .. } => {
                let w = widen * (max - min);
                let ok = |x: f64| {
                    w > 0.0
                        && crate::scenario::calibration::valid_value(&problem.scenario, &par.key, x)
                };
                (
                    if ok(min - w) { min - w } else { min },
                    if ok(max + w) { max + w } else { max },
                )
            }
            Prior::Normal { .. } => (-f64::MAX, f64::MAX),
            Prior::LogNormal { .. } => (f64::MIN_POSITIVE, f64::MAX),
        })
        .collect()
}

fn singular(problem: &Problem, moments: &Moments, d: &DMatrix<f64>) -> Error {
    let weakest = (0..problem.dim())
        .min_by(|&a, &b| d.column(a).norm().total_cmp(&d.column(b).norm()))
        .unwrap_or(0);
    Error::Other(format!(
        "the derivative matrix of the moments ({}) with respect to the parameters ({}) is \
         singular: the moments do not identify the parameters (the weakest is `{}`); match \
         statistics that respond to each parameter, or a larger calibration.smm.difference",
        moments.names.join(", "),
        problem.keys().join(", "),
        problem.parameters[weakest].key
    ))
}

/// Phase 1 at one start: the derivative matrix there and the Newton step from it.
struct Phase1 {
    start: Vec<f64>,
    theta: Vec<f64>,
    sd: Vec<f64>,
    derivative: DMatrix<f64>,
    update: DMatrix<f64>,
    step: Step,
    simulations: u64,
}

impl Phase1 {
    /// The state about to run phase 2 from this phase 1 (rounds and best round reset).
    fn into_state(self, state: &mut SmmState) {
        state.start = self.start;
        state.theta = self.theta;
        state.derivative = self.derivative;
        state.update = self.update;
        state.moment_sd = self.sd;
        state.steps.push(self.step);
        state.best = None;
        state.rounds = 0;
        state.stage = Stage::Phase2 { subphase: 1 };
    }
}

impl Smm {
    /// Phase 1 at `start` (start number `index`): `Err` with the reason and the simulations
    /// spent when the moments are undefined there or the derivative is singular.
    fn phase1(
        &self,
        problem: &Problem,
        moments: &Moments,
        bounds: &[(f64, f64)],
        start: &[f64],
        seed: u64,
        index: usize,
    ) -> Result<std::result::Result<Phase1, Undefined>> {
        let clock = Instant::now();
        let s = &self.settings;
        let p = problem.dim();
        let n1 = derivative_runs(s, p);
        let sims = (n1 * (2 * p + 1)) as u64;
        let master = derive_seed(seed, TAG_PHASE1, index as u64);
        let at = match estimate_at(problem, moments, bounds, start, master, n1, n1)? {
            Ok(at) => at,
            Err(u) => return Ok(Err(u)),
        };
        let sd: Vec<f64> = (0..at.cov.nrows())
            .map(|i| at.cov[(i, i)].max(0.0).sqrt())
            .collect();
        let AtPoint {
            mean,
            derivative: d,
            ..
        } = at;
        // A singular derivative whose phase 2 update matrix still exists (its diagonal does
        // not vanish) takes the first step with that matrix; only a start where neither exists
        // fails, and the fit goes on from the next start.
        let Some(update) = update_matrix(&d, s.diagonalize) else {
            return Ok(Err(Undefined {
                message: singular(problem, moments, &d).to_string(),
                simulations: sims,
            }));
        };
        let dinv = invert(&d).unwrap_or_else(|| update.clone());
        let dev: Vec<f64> = mean
            .iter()
            .zip(&moments.target)
            .map(|(a, b)| a - b)
            .collect();
        let mut step = mul_vec(&dinv, &dev);
        truncate(&mut step, s.max_step);
        let mut theta: Vec<f64> = start.iter().zip(&step).map(|(t, d)| t - d).collect();
        clamp(bounds, &mut theta);
        let stage = if index == 0 {
            "phase1".to_string()
        } else {
            format!("start{}.phase1", index + 1)
        };
        Ok(Ok(Phase1 {
            start: start.to_vec(),
            step: Step {
                stage,
                iterations: n1,
                simulations: sims,
                gain: 0.0,
                theta: theta.clone(),
                wall_seconds: clock.elapsed().as_secs_f64(),
            },
            theta,
            sd,
            derivative: d,
            update,
            simulations: sims,
        }))
    }

    fn phase2(
        &self,
        problem: &Problem,
        moments: &Moments,
        mut state: SmmState,
        k: usize,
        seed: u64,
    ) -> Result<SmmState> {
        let clock = Instant::now();
        let s = &self.settings;
        let p = problem.dim();
        let gain = s.gain * 0.5f64.powi(k as i32 - 1);
        let n_min = (2f64.powf(4.0 * (k as f64 - 1.0) / 3.0) * (7 + p) as f64).ceil() as usize;
        let n_max = n_min + 200;
        let master = derive_seed(
            seed,
            TAG_PHASE2,
            (state.start_index * 1_000_000 + state.rounds * 1000 + k) as u64,
        );
        let m = s.phase2_simulations as u64;
        let mut theta = state.theta.clone();
        let mut sum = vec![0.0; p];
        let mut prev: Option<Vec<f64>> = None;
        let mut prod = vec![0.0; moments.target.len()];
        let mut sims = 0u64;
        let mut count = 0usize;
        let mut step_gain = gain;
        let mut guard = Guard::new(&state.moment_sd, m as usize);
        for i in 0..n_max {
            let dev = iteration_deviation(problem, moments, &theta, master, i as u64, m)?;
            sims += m;
            if let Some(back) = guard.observe(&theta, &dev) {
                // Running off: back to the subphase's best point with half the gain, and the
                // average and the stopping rule start again from there.
                theta = back;
                step_gain *= 0.5;
                state.resets += 1;
                sum.iter_mut().for_each(|x| *x = 0.0);
                prod.iter_mut().for_each(|x| *x = 0.0);
                count = 0;
                prev = None;
                continue;
            }
            if let Some(pd) = &prev {
                for (q, (a, b)) in prod.iter_mut().zip(dev.iter().zip(pd)) {
                    *q += a * b;
                }
            }
            let mut step: Vec<f64> = mul_vec(&state.update, &dev)
                .iter()
                .map(|x| step_gain * x)
                .collect();
            truncate(&mut step, s.max_step);
            for (t, d) in theta.iter_mut().zip(&step) {
                *t -= d;
            }
            clamp(&state.bounds, &mut theta);
            for (a, t) in sum.iter_mut().zip(&theta) {
                *a += t;
            }
            count += 1;
            state.iterations.push(Iteration {
                subphase: k,
                iteration: i,
                theta: theta.clone(),
                deviation: dev.clone(),
            });
            prev = Some(dev);
            if i + 1 >= n_min && prod.iter().all(|&q| q < 0.0) {
                break;
            }
        }
        if count > 0 {
            state.theta = sum.iter().map(|x| x / count as f64).collect();
        } else {
            state.theta = theta;
        }
        clamp(&state.bounds, &mut state.theta);
        state.simulations += sims;
        state.steps.push(Step {
            stage: format!("{}phase2.{k}", round_prefix(&state)),
            iterations: count,
            simulations: sims,
            gain,
            theta: state.theta.clone(),
            wall_seconds: clock.elapsed().as_secs_f64(),
        });
        state.stage = if k < s.subphases {
            Stage::Phase2 { subphase: k + 1 }
        } else {
            Stage::Phase3
        };
        Ok(state)
    }

    fn phase3(
        &self,
        problem: &Problem,
        moments: &Moments,
        mut state: SmmState,
        seed: u64,
    ) -> Result<SmmState> {
        let clock = Instant::now();
        let s = &self.settings;
        let n3 = s.phase3;
        let p = problem.dim();
        let master = derive_seed(
            seed,
            TAG_PHASE3,
            (state.start_index * 1000 + state.rounds) as u64,
        );
        let at = match estimate_at(
            problem,
            moments,
            &state.bounds,
            &state.theta,
            master,
            n3,
            derivative_runs(s, p),
        )? {
            Ok(at) => at,
            Err(undefined) => {
                return self.failed_round(problem, moments, state, undefined, clock, seed);
            }
        };
        let (mut this, mut sims) = phase3_at(at, &moments.target, &moments.se);
        // A converged round's standard errors are the fit's: its derivative on `se_runs` runs.
        if this.converged {
            sims += precise_standard_errors(
                problem,
                moments,
                s,
                &state.bounds,
                &state.theta,
                &mut this,
                seed,
                (state.start_index * 1000 + state.rounds) as u64,
            )?;
        }
        state.simulations += sims;
        state.steps.push(Step {
            stage: format!("{}phase3", round_prefix(&state)),
            iterations: n3,
            simulations: sims,
            gain: 0.0,
            theta: state.theta.clone(),
            wall_seconds: clock.elapsed().as_secs_f64(),
        });
        state.rounds += 1;
        let converged = this.converged;
        let better = state
            .best
            .as_ref()
            .is_none_or(|b| badness(&this) < badness(&b.phase3));
        if better {
            let damping = match &state.best {
                Some(b) if state.continuation > 0 => (b.damping * 0.1).max(MIN_DAMPING),
                _ => 1.0,
            };
            state.best = Some(Best {
                theta: state.theta.clone(),
                phase3: this.clone(),
                start: state.start_index,
                newton_scale: 1.0,
                damping,
            });
        } else {
            halve_newton(&mut state);
        }
        state.phase3 = Some(this);
        if converged {
            state.stage = Stage::Done;
            Ok(state)
        } else {
            self.next_round(problem, moments, state, true, seed)
        }
    }

    /// A round whose phase 3 estimate leaves the moments undefined in most simulations (a
    /// corner of the prior box where no ties survive, so transitivity does not exist) is a
    /// failed round: the fit goes on from the best round so far, as after a round that did not
    /// converge. Without a best round it starts again from the start values, and only a fit
    /// with no round left and nothing to report ends with the error.
    fn failed_round(
        &self,
        problem: &Problem,
        moments: &Moments,
        mut state: SmmState,
        undefined: Undefined,
        clock: Instant,
        seed: u64,
    ) -> Result<SmmState> {
        state.simulations += undefined.simulations;
        state.steps.push(Step {
            stage: format!("{}phase3.undefined", round_prefix(&state)),
            iterations: self.settings.phase3,
            simulations: undefined.simulations,
            gain: 0.0,
            theta: state.theta.clone(),
            wall_seconds: clock.elapsed().as_secs_f64(),
        });
        state.rounds += 1;
        state.failed_rounds += 1;
        halve_newton(&mut state);
        if state.best.is_none() {
            if state.rounds >= self.settings.rounds {
                return self.end_start(problem, moments, state, Some(undefined.message), seed);
            }
            // Nothing converged-ish yet: the whole of phase 2 again from the start values.
            state.theta = state.start.clone();
            state.stage = Stage::Phase2 { subphase: 1 };
            return Ok(state);
        }
        // No Newton step from the best round: that step may be what led here.
        self.next_round(problem, moments, state, false, seed)
    }

    /// After a round that did not converge: another round from the best so far (after a
    /// Newton step from it with `newton`), or, out of rounds, the next start
    /// ([`Smm::end_start`]). The best round must exist.
    fn next_round(
        &self,
        problem: &Problem,
        moments: &Moments,
        mut state: SmmState,
        newton: bool,
        seed: u64,
    ) -> Result<SmmState> {
        let s = &self.settings;
        // A continuation is one round.
        let limit = if state.continuation > 0 { 1 } else { s.rounds };
        if state.rounds < limit {
            // The fallback: a Newton step from this estimate, with phase 3's precise mean
            // moments and the derivative re-estimated here (RSiena re-estimates likewise from a
            // previous answer), then the last subphase (the smallest gain, averaged) and phase
            // 3 again. A round that wandered off (to a bound, along a ridge) starts again from
            // the best estimate so far.
            let from = state.best.as_ref().expect("a round has finished");
            let base = from.theta.clone();
            let dd = &from.phase3.derivative;
            let h: Vec<f64> = problem.parameters.iter().map(|p| p.difference).collect();
            match damped_newton(&from.phase3, &moments.target, &h, from.damping).filter(|_| newton)
            {
                Some(step) => {
                    let step = scaled_step(step, from.newton_scale, s.max_step);
                    state.theta = base.iter().zip(&step).map(|(t, x)| t - x).collect();
                    clamp(&state.bounds, &mut state.theta);
                }
                None => state.theta = base,
            }
            if let Some(u) = update_matrix(dd, s.diagonalize) {
                state.update = u;
                state.derivative = dd.clone();
                state.moment_sd = from.phase3.sd.clone();
            }
            // The last two subphases: with the last alone (the smallest gain) the average of
            // its iterates keeps about `1 / (gain n)`, a fifth, of the distance it started
            // at, too much for |t| <= 0.1 after a Newton step on a flat ridge. A continuation
            // goes to phase 3 at once: near a root on a ridge the iterates of a subphase
            // wander along the ridge (the update matrix amplifies the noise there), while the
            // damped Newton step, from phase 3's precise means, fixes the deviation in the
            // directions the moments see and stays put along the ridge.
            state.stage = if state.continuation > 0 {
                Stage::Phase3
            } else {
                Stage::Phase2 {
                    subphase: s.subphases.saturating_sub(1).max(1),
                }
            };
            Ok(state)
        } else {
            self.end_start(problem, moments, state, None, seed)
        }
    }

    /// A start that ended without converging (out of rounds; `undefined` when no round gave a
    /// phase 3): its best round is kept if it is the best of the starts so far, and the fit
    /// goes on from the next start. After the last start the best round of all starts is the
    /// result, or, when no round of any start gave one, the fit ends with the error.
    fn end_start(
        &self,
        problem: &Problem,
        moments: &Moments,
        mut state: SmmState,
        undefined: Option<String>,
        seed: u64,
    ) -> Result<SmmState> {
        if let Some(b) = state.best.take() {
            // The same estimate comes back from a continuation that did not improve on it,
            // with its Newton step halved.
            let improved = state
                .previous
                .as_ref()
                .is_none_or(|p| badness(&b.phase3) < badness(&p.phase3));
            if state.continuation > 0 {
                state.stalled = if improved { 0 } else { state.stalled + 1 };
            }
            if improved || state.previous.as_ref().is_some_and(|p| p.theta == b.theta) {
                state.previous = Some(b);
            }
        }
        let last = state.starts.len().min(self.settings.starts);
        while state.start_index + 1 < last {
            state.start_index += 1;
            state.rounds = 0;
            let start = state.starts[state.start_index].clone();
            match self.phase1(
                problem,
                moments,
                &state.bounds,
                &start,
                seed,
                state.start_index,
            )? {
                Ok(p1) => {
                    state.simulations += p1.simulations;
                    p1.into_state(&mut state);
                    return Ok(state);
                }
                Err(u) => state.simulations += u.simulations,
            }
        }
        if state.continuation < self.settings.continuations && state.stalled < STALLED {
            if let Some(b) = state.previous.clone() {
                // RSiena's "run again from the estimates": one more round from the best of all.
                state.continuation += 1;
                state.start_index = last + state.continuation - 1;
                state.rounds = 0;
                state.best = Some(b);
                return self.next_round(problem, moments, state, true, seed);
            }
        }
        match state.previous.clone() {
            Some(b) => {
                state.theta = b.theta;
                state.phase3 = Some(b.phase3);
                state.stage = Stage::Done;
                Ok(state)
            }
            None => Err(Error::Other(undefined.unwrap_or_else(|| {
                "the method of moments found no estimate from any start".into()
            }))),
        }
    }
}

/// Continuations in a row that do not improve on the best round of all after which a fit
/// stops (before `calibration.smm.continuations` have run): while they improve, the fit is
/// closing in on a root and goes on; two in a row that do not, the second with half the
/// first's Newton step, say that the steps no longer help.
const STALLED: usize = 2;

/// The least damping of a Newton step ([`Best::damping`]): a hundredth of [`RIDGE`]'s
/// `lambda`, that is a ridge factor of 0.005.
const MIN_DAMPING: f64 = 0.01;

/// Relative singular value (of the derivative in units of the moments' sd and the parameters'
/// difference steps) below which the Newton step of a fallback round is damped: a direction
/// along which the moments hardly change (a ridge) is not followed far on the strength of a
/// noisy derivative.
const RIDGE: f64 = 0.05;

/// The Newton step `D^-1 (mean s - s_obs)` from a phase 3, damped along ridges: with `D`
/// scaled to `S^-1 D H` (`S` the moments' sd, or the Cholesky factor of their covariance when
/// the overall ratio is what fails, [`smm_metric::whitening_if_ratio_binds`]; `H` the finite-difference
/// steps) and its
/// singular values `sigma`, each component is divided by `sigma + lambda / sigma` instead of
/// `sigma` (Tikhonov, `lambda = (RIDGE sigma_max)^2`), which leaves the step in the
/// well-identified directions as Newton's and shortens it along a ridge. `None` when the
/// derivative is not finite or zero.
fn damped_newton(p3: &Phase3, target: &[f64], h: &[f64], damping: f64) -> Option<Vec<f64>> {
    let d = &p3.derivative;
    let dev = p3.deviation(target);
    let (k, p) = d.shape();
    let sd = |i: usize| if p3.sd[i] > 0.0 { p3.sd[i] } else { 1.0 };
    let (scaled, z) = match smm_metric::whitening_if_ratio_binds(p3) {
        Some(w) => (
            &w * DMatrix::from_fn(k, p, |i, j| d[(i, j)] * h[j]),
            &w * DVector::from_column_slice(&dev),
        ),
        None => (
            DMatrix::from_fn(k, p, |i, j| d[(i, j)] * h[j] / sd(i)),
            DVector::from_iterator(k, dev.iter().enumerate().map(|(i, x)| x / sd(i))),
        ),
    };
    if scaled.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let svd = scaled.svd(true, true);
    let (u, v_t) = (svd.u?, svd.v_t?);
    let top = svd.singular_values.max();
    if top <= 0.0 {
        return None;
    }
    let lambda = damping * (RIDGE * top).powi(2);
    let uz = u.transpose() * z;
    let w = DVector::from_iterator(
        uz.len(),
        uz.iter()
            .zip(svd.singular_values.iter())
            .map(|(a, s)| a * s / (s * s + lambda)),
    );
    let step = v_t.transpose() * w;
    Some((0..p).map(|j| step[j] * h[j]).collect())
}

/// A round from the best estimate did not improve on it: the next Newton step from there is
/// half as long.
fn halve_newton(state: &mut SmmState) {
    if let Some(b) = state.best.as_mut() {
        b.newton_scale *= 0.5;
    }
}

/// How far a phase 3 is from convergence: the larger of the overall maximum convergence ratio
/// and the largest |t| scaled to the same threshold (RSiena's 0.25 and 0.1).
pub(crate) fn badness(p: &Phase3) -> f64 {
    let t = p.t_ratios.iter().fold(0.0f64, |m, t| m.max(t.abs()));
    let r = if p.max_convergence_ratio.is_finite() {
        p.max_convergence_ratio
    } else {
        f64::INFINITY
    };
    r.max(t * 2.5)
}

/// The standard deviations of the moments, their t-ratios for convergence and the overall
/// maximum convergence ratio `sqrt(dev' Sigma^-1 dev)` (NaN when `Sigma` is singular).
fn convergence(mean: &[f64], sigma: &DMatrix<f64>, target: &[f64]) -> (Vec<f64>, Vec<f64>, f64) {
    let sd: Vec<f64> = (0..mean.len())
        .map(|i| sigma[(i, i)].max(0.0).sqrt())
        .collect();
    let dev: Vec<f64> = mean.iter().zip(target).map(|(a, b)| a - b).collect();
    let t_ratios: Vec<f64> = dev.iter().zip(&sd).map(|(a, s)| a / s).collect();
    let ratio = match invert(sigma) {
        Some(si) => mul_vec(&si, &dev)
            .iter()
            .zip(&dev)
            .map(|(a, b)| a * b)
            .sum::<f64>()
            .max(0.0)
            .sqrt(),
        None => f64::NAN,
    };
    (sd, t_ratios, ratio)
}

/// Phase 3 from its runs at the estimate (and the simulations they took): t-ratios, the
/// overall ratio and RSiena's rule, and standard errors by the delta method. A derivative that
/// is singular there (a parameter that no longer moves any moment) leaves the standard errors
/// undefined (NaN) and the round unconverged, but the round still counts: its means and
/// derivative give the damped Newton step of the next round (a singular value of 0 is damped
/// like any ridge), so the fit goes on instead of failing the round.
fn phase3_at(at: AtPoint, target: &[f64], target_se: &[f64]) -> (Phase3, u64) {
    let (mean, sigma, d) = (at.mean, at.cov, at.derivative);
    let p = d.ncols();
    let (sd, t_ratios, max_convergence_ratio) = convergence(&mean, &sigma, target);
    let dinv = invert(&d);
    let converged = dinv.is_some() && within_rule(&t_ratios, max_convergence_ratio);
    let (covariance, se) = delta_method(dinv.as_ref(), &sigma, target_se, p);
    let this = Phase3 {
        mean,
        sd,
        t_ratios,
        max_convergence_ratio,
        converged,
        derivative: d,
        moment_covariance: sigma,
        covariance,
        se,
        failed_runs: at.failed,
        derivative_runs: at.derivative_runs,
    };
    (this, at.simulations)
}

/// The delta method's covariance of the estimates, `D^-1 (Sigma + diag(se_target^2)) D^-T`,
/// and their standard errors; NaN without an inverse of `D`.
fn delta_method(
    dinv: Option<&DMatrix<f64>>,
    sigma: &DMatrix<f64>,
    target_se: &[f64],
    p: usize,
) -> (DMatrix<f64>, Vec<f64>) {
    match dinv {
        Some(dinv) => {
            let k = sigma.nrows();
            let total = sigma
                + DMatrix::from_diagonal(&DVector::from_iterator(
                    k,
                    target_se.iter().map(|x| x * x),
                ));
            let covariance = dinv * total * dinv.transpose();
            let se = (0..p).map(|j| covariance[(j, j)].max(0.0).sqrt()).collect();
            (covariance, se)
        }
        None => (DMatrix::from_element(p, p, f64::NAN), vec![f64::NAN; p]),
    }
}

/// The derivative of `p3`, the phase 3 of round `round` at `theta`, re-estimated on
/// `calibration.smm.se_runs` runs in all (at most `phase3`, as RSiena's phase 3 estimates it
/// on its `n3` runs): its own and as many more as that takes, from streams of their own; then
/// the delta method's covariance and standard errors from it. Returns the simulations run
/// (`2p + 1` per run); nothing to do when `se_runs` is no more than the runs `p3` has. The
/// standard errors rest on `D^-1`, which amplifies the noise of `D` where the moments hardly
/// separate two parameters: with phase 1's 120 runs (five parameters), two phase 3s at one
/// estimate gave standard errors up to a factor of 1.8 apart (docs/calibration.md, "Honest
/// standard errors").
#[allow(clippy::too_many_arguments)]
pub(crate) fn precise_standard_errors(
    problem: &Problem,
    moments: &Moments,
    settings: &SmmSettings,
    bounds: &[(f64, f64)],
    theta: &[f64],
    p3: &mut Phase3,
    seed: u64,
    round: u64,
) -> Result<u64> {
    let master = derive_seed(seed, TAG_STANDARD_ERRORS, round);
    let runs = settings.se_runs.min(settings.phase3);
    let more = runs.saturating_sub(p3.derivative_runs);
    if more == 0 {
        return Ok(0);
    }
    let out: Vec<Option<DifferenceRun>> = (0..more as u64)
        .into_par_iter()
        .map(|r| difference_run(problem, moments, bounds, theta, master, r, true))
        .collect::<Result<_>>()?;
    let ok: Vec<&Vec<Vec<f64>>> = out.iter().flatten().map(|x| &x.1).collect();
    let p = theta.len();
    let simulations = (more * (2 * p + 1)) as u64;
    if ok.is_empty() {
        return Ok(simulations);
    }
    let d = pool_derivative(&p3.derivative, p3.derivative_runs, &ok);
    let dinv = invert(&d);
    (p3.covariance, p3.se) = delta_method(dinv.as_ref(), &p3.moment_covariance, &moments.se, p);
    p3.converged &= dinv.is_some();
    p3.derivative = d;
    p3.derivative_runs += ok.len();
    Ok(simulations)
}

/// The mean derivative over every run: `d0`, the mean of `n0` runs, and the finite-difference
/// columns `cols` of more runs (one per run, a column per parameter).
fn pool_derivative(d0: &DMatrix<f64>, n0: usize, cols: &[&Vec<Vec<f64>>]) -> DMatrix<f64> {
    let (n0, n1) = (n0 as f64, cols.len() as f64);
    DMatrix::from_fn(d0.nrows(), d0.ncols(), |i, j| {
        (d0[(i, j)] * n0 + cols.iter().map(|x| x[j][i]).sum::<f64>()) / (n0 + n1)
    })
}

/// Runs whose finite differences estimate the derivative matrix (phases 1 and 3).
fn derivative_runs(s: &SmmSettings, p: usize) -> usize {
    if s.phase1 > 0 { s.phase1 } else { 20 + 20 * p }
}

impl Solver for Smm {
    type State = SmmState;

    fn name(&self) -> &'static str {
        "smm"
    }

    fn init(&mut self, problem: &Problem, seed: u64) -> Result<SmmState> {
        let clock = Instant::now();
        let moments = Moments::of(problem);
        let p = problem.dim();
        let k = moments.target.len();
        let combine = self.settings.combine && k > p;
        if k != p && !combine {
            return Err(Error::Other(format!(
                "the method of moments needs as many moments as parameters: {} parameters ({}) \
                 but {} moments ({}); each statistic is one moment, summed over the matched \
                 waves, or one per wave when listed in calibration.smm.per_wave (more moments \
                 than parameters are combined into as many with calibration.smm.combine = true)",
                p,
                problem.keys().join(", "),
                k,
                moments.names.join(", ")
            )));
        }
        let pilot = smm_start::starts(problem, &moments, self.settings.pilot, seed)?;
        let mut state = SmmState {
            simulations: pilot.simulations,
            starts: pilot.starts,
            ..SmmState::blank(p, search_bounds(problem, self.settings.widen))
        };
        if pilot.simulations > 0 {
            state.steps.push(Step {
                stage: "pilot".into(),
                iterations: self.settings.pilot,
                simulations: pilot.simulations,
                gain: 0.0,
                theta: state.starts[0].clone(),
                wall_seconds: clock.elapsed().as_secs_f64(),
            });
        }
        // Phase 1 at the first start where the moments are defined and identify the
        // parameters; the error of the first start when there is none. With more moments
        // than parameters, their weights come first, from the same start.
        let last = state.starts.len().min(self.settings.starts);
        let mut first_error = None;
        for i in 0..last {
            state.start_index = i;
            let start = state.starts[i].clone();
            if combine && state.combination.is_empty() {
                let n1 = derivative_runs(&self.settings, p);
                let w =
                    smm_combine::weights(problem, &moments, &state.bounds, &start, n1, seed, i)?;
                state.simulations += (n1 * (2 * p + 1)) as u64;
                match w {
                    Some(w) => state.combination = w,
                    None => {
                        first_error.get_or_insert(format!(
                            "the moments' weights are undefined at the start {start:?}: a \
                             moment undefined in most simulations, or moments that vary together"
                        ));
                        continue;
                    }
                }
            }
            let moments = smm_combine::moments_for(problem, &state);
            match self.phase1(problem, &moments, &state.bounds, &start, seed, i)? {
                Ok(p1) => {
                    state.simulations += p1.simulations;
                    p1.into_state(&mut state);
                    return Ok(state);
                }
                Err(e) => {
                    state.simulations += e.simulations;
                    first_error.get_or_insert(e.message);
                }
            }
        }
        Err(Error::Other(first_error.unwrap_or_default()))
    }

    fn next(&mut self, problem: &Problem, mut state: SmmState, seed: u64) -> Result<SmmState> {
        let moments = smm_combine::moments_for(problem, &state);
        if state.bounds.is_empty() {
            // A checkpoint written before the search bounds were recorded.
            state.bounds = search_bounds(problem, self.settings.widen);
        }
        match state.stage {
            Stage::Phase2 { subphase } => self.phase2(problem, &moments, state, subphase, seed),
            Stage::Phase3 => self.phase3(problem, &moments, state, seed),
            Stage::Done => Ok(state),
        }
    }

    fn terminate(&self, state: &SmmState) -> Option<String> {
        (state.stage == Stage::Done).then(|| match &state.phase3 {
            Some(p) if p.converged => format!(
                "converged (largest |t| {:.3} <= 0.1, overall maximum convergence ratio {:.3} <= \
                 0.25)",
                p.t_ratios.iter().fold(0.0f64, |m, t| m.max(t.abs())),
                p.max_convergence_ratio
            ),
            Some(p) => not_converged(p),
            None => "finished".into(),
        })
        .map(|r| {
            let starts = state.starts.len().min(self.settings.starts);
            // A converged fit's estimate is the round that converged; otherwise the best round
            // of all, kept in `previous`.
            let converged = state.phase3.as_ref().is_some_and(|p| p.converged);
            let from = match &state.previous {
                Some(b) if !converged => b.start,
                _ => state.start_index,
            };
            let from = if from < starts {
                format!("start {}", from + 1)
            } else {
                format!("continuation {}", from - starts + 1)
            };
            if state.continuation > 0 {
                format!(
                    "{r} after {starts} start(s) and {} continuation(s) (the estimate is from \
                     {from})",
                    state.continuation
                )
            } else if state.start_index == 0 {
                format!("{r} after {} round(s)", state.rounds)
            } else {
                format!(
                    "{r} after {} start(s) (the estimate is from {from})",
                    state.start_index + 1
                )
            }
        })
    }

    fn progress(&self, state: &SmmState) -> String {
        match state.steps.last() {
            Some(s) => format!(
                "smm {}: {} iterations, {} simulations in {:.1} s ({:.0}/s); theta = [{}]",
                s.stage,
                s.iterations,
                s.simulations,
                s.wall_seconds,
                s.simulations as f64 / s.wall_seconds.max(1e-9),
                s.theta
                    .iter()
                    .map(|x| format!("{x:.4}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "smm".into(),
        }
    }

    fn simulations(&self, state: &SmmState) -> u64 {
        state.simulations
    }
}

/// The parameters whose estimate sits on a bound of the search ([`search_bounds`]: the prior's
/// support, widened by `calibration.smm.widen` where the parameter's valid range allows).
pub fn at_bounds(problem: &Problem, state: &SmmState) -> Vec<String> {
    problem
        .parameters
        .iter()
        .zip(&state.theta)
        .zip(&state.bounds)
        .filter(|(_, (lo, hi))| *hi - *lo < f64::MAX)
        .filter(|((_, x), (lo, hi))| {
            let tol = 1e-9 * (hi - lo);
            **x <= lo + tol || **x >= hi - tol
        })
        .map(|((p, x), _)| format!("`{}` = {x}", p.key))
        .collect()
}

/// Whether a phase 3's deviations meet RSiena's rule (every `|t| <= 0.1`, overall ratio
/// `<= 0.25`), whatever its derivative: a phase 3 that meets it without converging has a
/// singular derivative ([`phase3_at`]).
fn meets_rule(p: &Phase3) -> bool {
    within_rule(&p.t_ratios, p.max_convergence_ratio)
}

/// RSiena's rule on t-ratios and the overall maximum convergence ratio.
fn within_rule(t_ratios: &[f64], max_convergence_ratio: f64) -> bool {
    t_ratios.iter().all(|t| t.abs() <= 0.1) && max_convergence_ratio <= 0.25
}

/// The stop reason of a fit whose reported phase 3 did not converge: its largest |t| and
/// overall ratio against RSiena's rule, or, when they meet it, the singular derivative that
/// kept the fit from converging.
fn not_converged(p: &Phase3) -> String {
    let t = p.t_ratios.iter().fold(0.0f64, |m, t| m.max(t.abs()));
    let r = p.max_convergence_ratio;
    if meets_rule(p) {
        format!(
            "NOT CONVERGED (largest |t| {t:.3} and overall maximum convergence ratio {r:.3} meet \
             RSiena's rule, but the derivative of the moments is singular at the estimate: the \
             moments do not identify the parameters there, and there are no standard errors; \
             the estimates are those of the best round)"
        )
    } else {
        format!(
            "NOT CONVERGED (largest |t| {t:.3}, overall maximum convergence ratio {r:.3}; \
             RSiena's rule asks <= 0.1 and <= 0.25; the estimates are those of the best round)"
        )
    }
}

/// The parameter combination the moments do not identify at the reported estimate, with
/// what to do, when its phase 3 flags one ([`super::smm_ident`]).
pub fn weakly_identified(problem: &Problem, state: &SmmState) -> Option<String> {
    let id = super::smm_ident::of(problem, state.phase3.as_ref()?)?;
    id.flagged()
        .then(|| id.describe(&problem.keys(), &state.theta))
}

/// What to do about a fit that did not converge: first the combination the moments do not
/// identify, if any ([`weakly_identified`]).
pub fn advice(problem: &Problem, state: &SmmState, settings: &SmmSettings) -> String {
    match weakly_identified(problem, state) {
        Some(note) => format!("{note}; otherwise {}", remedies(problem, state, settings)),
        None => remedies(problem, state, settings),
    }
}

/// The remedies for a fit that did not converge, from its bounds and derivative.
fn remedies(problem: &Problem, state: &SmmState, settings: &SmmSettings) -> String {
    let bounds = at_bounds(problem, state);
    if let Some(p) = state.phase3.as_ref().filter(|p| meets_rule(p)) {
        // The moments fit, but a parameter no longer moves them (a flat limit of a ridge).
        format!(
            "{}; or fix the parameter at a value in the scenario and leave it out of \
             calibration.parameters",
            singular(
                problem,
                &smm_combine::moments_for(problem, state),
                &p.derivative
            )
        )
    } else if bounds.is_empty() {
        format!(
            "raise calibration.smm.continuations (now {}; each goes on from the best estimate \
             so far with a damped Newton step and phase 3), calibration.smm.rounds (now {}) or \
             calibration.smm.phase3 (now {}), or try another --seed",
            settings.continuations, settings.rounds, settings.phase3
        )
    } else {
        format!(
            "{} at the bound of the search (the prior's support, widened by \
             calibration.smm.widen = {} of its width where the parameter's valid range allows): \
             the moments have no solution inside it; widen that prior or \
             calibration.smm.widen, or fix the parameter at a value in the scenario and leave it \
             out of calibration.parameters",
            bounds.join(", "),
            settings.widen
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A phase 3 with derivative `d`, unit moment sd and deviation `dev`.
    fn phase3(d: DMatrix<f64>, dev: &[f64]) -> Phase3 {
        let k = dev.len();
        Phase3 {
            mean: dev.to_vec(),
            sd: vec![1.0; k],
            t_ratios: dev.to_vec(),
            max_convergence_ratio: 1.0,
            converged: false,
            derivative: d,
            moment_covariance: DMatrix::identity(k, k),
            covariance: DMatrix::identity(k, k),
            se: vec![1.0; k],
            failed_runs: 0,
            derivative_runs: 0,
        }
    }

    #[test]
    fn a_fit_that_meets_the_rule_with_a_singular_derivative_says_so() {
        // Deviations within RSiena's rule and a zero column in the derivative: phase 3 does
        // not converge, and the reason names the singular derivative, not the t-ratios.
        let d = DMatrix::from_row_slice(2, 2, &[2.0, 0.0, 1.0, 0.0]);
        let (p3, _) = phase3_at(at_point(d, &[0.05, 0.04]), &[0.0, 0.0], &[0.0, 0.0]);
        assert!(!p3.converged && meets_rule(&p3));
        let reason = not_converged(&p3);
        assert!(reason.contains("singular"), "{reason}");
        // Deviations outside the rule: the t-ratios are the reason.
        let d = DMatrix::from_row_slice(2, 2, &[2.0, 0.0, 1.0, 1.0]);
        let (p3, _) = phase3_at(at_point(d, &[0.5, 0.04]), &[0.0, 0.0], &[0.0, 0.0]);
        assert!(!p3.converged && !meets_rule(&p3));
        let reason = not_converged(&p3);
        assert!(reason.contains("largest |t| 0.500,"), "{reason}");
        assert!(!reason.contains("singular"), "{reason}");
    }

    #[test]
    fn a_halved_newton_step_is_halved_even_when_truncated() {
        // A step of 4 truncated to max_step 1: the halved step is 0.5, not the truncation's 1
        // again (halving before truncating gives 2, truncated back to 1).
        assert_eq!(scaled_step(vec![4.0, -2.0], 0.5, 1.0), vec![0.5, -0.25]);
        assert_eq!(scaled_step(vec![4.0, -2.0], 0.25, 1.0), vec![0.25, -0.125]);
        // Within max_step the step is only scaled.
        assert_eq!(scaled_step(vec![0.4, -0.2], 0.5, 1.0), vec![0.2, -0.1]);
    }

    #[test]
    fn the_delta_method_of_a_known_derivative() {
        // D^-1 = [[0.5, 0], [-0.125, 0.25]]; Sigma + diag(se^2) = diag(1, 5).
        let d = DMatrix::from_row_slice(2, 2, &[2.0, 0.0, 1.0, 4.0]);
        let sigma = DMatrix::from_diagonal(&DVector::from_vec(vec![1.0, 4.0]));
        let (cov, se) = delta_method(invert(&d).as_ref(), &sigma, &[0.0, 1.0], 2);
        let want = [0.25, -0.0625, -0.0625, 0.328125];
        for (a, b) in cov.transpose().iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{cov}");
        }
        assert!((se[1] - 0.328125_f64.sqrt()).abs() < 1e-12);
        let (cov, se) = delta_method(None, &sigma, &[0.0, 0.0], 2);
        assert!(cov.iter().chain(&se).all(|x| x.is_nan()));
    }

    #[test]
    fn the_pooled_derivative_is_the_mean_over_every_run() {
        // Runs 1 and 2 (columns per parameter) average to d0; run 3 comes on top.
        let runs = [
            vec![vec![1.0, 2.0], vec![3.0, 4.0]],
            vec![vec![3.0, 0.0], vec![5.0, 8.0]],
            vec![vec![5.0, 7.0], vec![-2.0, 0.0]],
        ];
        let d0 = pool_derivative(&DMatrix::zeros(2, 2), 0, &[&runs[0], &runs[1]]);
        assert_eq!(d0, DMatrix::from_row_slice(2, 2, &[2.0, 4.0, 1.0, 6.0]));
        let all = pool_derivative(&d0, 2, &[&runs[2]]);
        assert_eq!(all, DMatrix::from_row_slice(2, 2, &[3.0, 2.0, 3.0, 4.0]));
        assert_eq!(
            all,
            pool_derivative(&DMatrix::zeros(2, 2), 0, &runs.iter().collect::<Vec<_>>())
        );
    }

    #[test]
    fn the_damped_newton_step_is_newtons_where_the_moments_identify_the_parameters() {
        // D = diag(2, 1): Newton's step is (0.5, 1) for a deviation (1, 1); the damping
        // divides each component by 1 + (RIDGE sigma_max / sigma)^2, at most 1.01 here.
        let d = DMatrix::from_row_slice(2, 2, &[2.0, 0.0, 0.0, 1.0]);
        let step = damped_newton(&phase3(d, &[1.0, 1.0]), &[0.0, 0.0], &[1.0, 1.0], 1.0).unwrap();
        assert!((step[0] - 0.5).abs() < 0.5 * 0.01, "{step:?}");
        assert!((step[1] - 1.0).abs() < 0.01, "{step:?}");
    }

    #[test]
    fn the_damped_newton_step_does_not_run_along_a_ridge() {
        // Two parameters that the moments see almost only through their sum (a ridge along
        // (1, -1)): Newton's step for a deviation that the noise puts across the ridge is
        // about 1000 along it; the damped step stays short, and still fixes the deviation
        // along the sum.
        let d = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 1.0, 1.001]);
        let dev = [1.0, 1.1];
        let newton = invert(&d).unwrap() * DVector::from_column_slice(&dev);
        assert!(newton.norm() > 50.0, "{newton}");
        let step = damped_newton(&phase3(d, &dev), &[0.0, 0.0], &[1.0, 1.0], 1.0).unwrap();
        let norm = (step[0].powi(2) + step[1].powi(2)).sqrt();
        assert!(norm < 1.0, "{step:?}");
        assert!((step[0] + step[1] - 1.05).abs() < 0.05, "{step:?}");
    }

    #[test]
    fn a_deviation_only_the_overall_ratio_sees_gets_most_of_newtons_step() {
        // Combined moments: derivative and covariance both the information matrix G, the
        // parameters seen almost only through their sum. The deviation (0.05, -0.05) meets
        // the t-ratios' 0.1, yet its overall ratio sqrt(d' G^-1 d) is 0.71. Newton's step,
        // G^-1 d = (5, -5), fixes it; damped in sd units it is cut to 1% of that, in the
        // whitened units of a binding overall ratio to about two thirds.
        let g = DMatrix::from_row_slice(2, 2, &[1.0, 0.99, 0.99, 1.0]);
        let dev = [0.05, -0.05];
        let mut p3 = phase3(g.clone(), &dev);
        p3.moment_covariance = g;
        // (An overall ratio that does not bind keeps the sd units.)
        p3.max_convergence_ratio = 0.2;
        let sd_units = damped_newton(&p3, &[0.0, 0.0], &[1.0, 1.0], 1.0).unwrap();
        assert!(sd_units[0] < 0.1 && sd_units[1] > -0.1, "{sd_units:?}");
        p3.max_convergence_ratio = 0.707;
        let step = damped_newton(&p3, &[0.0, 0.0], &[1.0, 1.0], 1.0).unwrap();
        assert!((step[0] - 10.0 / 3.0).abs() < 0.05, "{step:?}");
        assert!((step[0] + step[1]).abs() < 1e-9, "{step:?}");
    }

    /// Runs at one point with derivative `d`, unit moment covariance and mean `mean` (target 0).
    fn at_point(d: DMatrix<f64>, mean: &[f64]) -> AtPoint {
        let k = mean.len();
        AtPoint {
            mean: mean.to_vec(),
            cov: DMatrix::identity(k, k),
            derivative: d,
            derivative_runs: 3,
            failed: 0,
            simulations: 7,
        }
    }

    #[test]
    fn a_singular_derivative_in_phase_3_leaves_the_round_unconverged_but_usable() {
        // The second parameter moves no moment: D has a zero column. The deviations meet
        // RSiena's rule, yet without an inverse there are no standard errors, so the round
        // does not count as converged; its t-ratios, overall ratio and the damped Newton step
        // from it are still defined (the step leaves the parameter that no moment sees alone).
        let d = DMatrix::from_row_slice(2, 2, &[2.0, 0.0, 1.0, 0.0]);
        let (p3, sims) = phase3_at(at_point(d, &[0.05, 0.04]), &[0.0, 0.0], &[0.0, 0.0]);
        assert_eq!(sims, 7);
        assert!(!p3.converged);
        assert_eq!(p3.t_ratios, vec![0.05, 0.04]);
        assert!((p3.max_convergence_ratio - 0.0041f64.sqrt()).abs() < 1e-12);
        assert!(p3.se.iter().all(|x| x.is_nan()));
        let step = damped_newton(&p3, &[0.0, 0.0], &[1.0, 1.0], 1.0).unwrap();
        assert!(step[0].is_finite() && step[0] > 0.0, "{step:?}");
        assert_eq!(step[1], 0.0);
        // The same deviations with an invertible derivative converge, with standard errors.
        let d = DMatrix::from_row_slice(2, 2, &[2.0, 0.0, 1.0, 1.0]);
        let (p3, _) = phase3_at(at_point(d, &[0.05, 0.04]), &[0.0, 0.0], &[0.0, 0.0]);
        assert!(p3.converged);
        assert!(p3.se.iter().all(|x| x.is_finite() && *x > 0.0));
    }

    #[test]
    fn the_guard_sends_runaway_iterates_back_to_the_best_point() {
        // Two moments with sd 1 and 2, one simulation per iteration: noise floor 3 sqrt(2).
        let mut g = Guard::new(&[1.0, 2.0], 1);
        assert!((g.floor - 3.0 * 2f64.sqrt()).abs() < 1e-12);
        // |z| 3, 2, 1 at theta 0, 1, 2: the level falls, the best point follows it.
        for (t, dev) in [(0.0, [3.0, 0.0]), (1.0, [0.0, 4.0]), (2.0, [1.0, 0.0])] {
            assert_eq!(g.observe(&[t], &dev), None);
        }
        let best = g.best.clone().unwrap();
        assert_eq!(best.1, vec![2.0]);
        // Deviations that grow: once the smoothed level is twice the best and above the
        // floor, back to theta = 2.
        let mut back = None;
        for i in 0..20 {
            back = g.observe(&[3.0 + i as f64], &[10.0 + 5.0 * i as f64, 0.0]);
            if back.is_some() {
                break;
            }
        }
        assert_eq!(back, Some(vec![2.0]));
        assert_eq!(g.level, Some(best.0));
    }

    #[test]
    fn the_guard_does_not_act_on_noise_at_a_root() {
        // At a root each iteration's |z| is noise of size about sqrt(k / m): with k = 5
        // moments and m = 4 simulations, normal deviations with sd 1 / 2 (the mean of 4 runs)
        // from a fixed stream over 10,000 iterations. The smoothed level stays near
        // sqrt(5 / 4) = 1.1, below the floor 3.4 (its sd over five iterations is about 0.2,
        // so that the floor is more than ten of its sd away).
        use rand::SeedableRng;
        use rand_distr::{Distribution, StandardNormal};
        let mut r = rand::rngs::StdRng::seed_from_u64(17);
        let mut g = Guard::new(&[1.0; 5], 4);
        for i in 0..10_000 {
            let dev: Vec<f64> = (0..5)
                .map(|_| {
                    let x: f64 = StandardNormal.sample(&mut r);
                    0.5 * x
                })
                .collect();
            assert_eq!(g.observe(&[i as f64], &dev), None, "iteration {i}");
        }
    }
}
