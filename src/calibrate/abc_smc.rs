//! ABC-SMC: approximate Bayesian computation by population Monte Carlo (Beaumont, Cornuet,
//! Marin and Robert 2009), with the adaptive tolerance schedule of Del Moral, Doucet and Jasra
//! (2012) and Drovandi and Pettitt (2011).
//!
//! Generation 0 samples the prior; its statistics fix the scale of each statistic in the
//! distance ([`super::distance`]). Generation `t` sets its tolerance to a quantile of
//! generation `t - 1`'s distances, and proposes particles by drawing an ancestor by weight and
//! moving it with a Gaussian kernel of twice the ancestors' weighted covariance; a proposal is
//! kept when its simulated statistics lie within the tolerance. Weights are
//! `prior(theta) / sum_j W_j K(theta | theta_j)`. The effective sample size `1 / sum W^2` is
//! tracked per generation.
//!
//! Each proposal draws from its own random stream, derived from (seed, generation, proposal
//! index); proposals run in parallel in batches and are accepted in index order, so results do
//! not depend on the number of threads. Targets given with a standard error get Gaussian noise
//! of that standard error added to their simulated value before the distance (ABC under a
//! measurement-error model, Wilkinson 2013).

use super::checkpoint::{exact, exact_rows, exact_vec};
use super::distance::{self, Scales};
use super::evaluation;
use super::problem::{Problem, derive_seed};
use super::solver::Solver;
use super::spec::AbcSettings;
use super::summary::weighted_mean_and_covariance;
use crate::error::{Error, Result};
use crate::model::rng::{self, Rng};
use crate::stats::quantile;
use nalgebra::{Cholesky, DMatrix, DVector};
use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Instant;

const TAG_PROPOSAL: u64 = 1;
const TAG_SIMULATION: u64 = 2;

/// Diagnostics of one generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    /// Generation number (0: the prior sample).
    pub generation: usize,
    /// Tolerance (infinite for generation 0).
    #[serde(with = "exact")]
    pub tolerance: f64,
    /// Proposals used: up to the one that completed the population (including those outside
    /// the prior's support, which are not simulated).
    pub proposals: u64,
    /// Simulations among the proposals used.
    pub simulations: u64,
    /// Simulations run, including those of proposals drawn in parallel beyond the last one
    /// used (which do not depend on the number of threads either).
    pub run: u64,
    /// Particles accepted.
    pub accepted: u64,
    /// `accepted / simulations`: the share of simulated proposals within the tolerance.
    /// Proposals outside the prior's support are never simulated and are not counted, so the
    /// rate (and `min_acceptance`, which stops on it) measures how hard the tolerance is to
    /// meet, not how much of the kernel falls outside the prior box.
    #[serde(with = "exact")]
    pub acceptance_rate: f64,
    /// Effective sample size of the weights.
    #[serde(with = "exact")]
    pub ess: f64,
    /// Simulations so far, this generation included.
    pub total_simulations: u64,
    /// Wall time of the generation (seconds; not part of the results).
    #[serde(with = "exact")]
    pub wall_seconds: f64,
    /// Weighted mean of each parameter.
    #[serde(with = "exact_vec")]
    pub mean: Vec<f64>,
    /// Weighted standard deviation of each parameter.
    #[serde(with = "exact_vec")]
    pub sd: Vec<f64>,
}

/// The population after a generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbcState {
    /// Generation number of the population.
    pub generation: usize,
    /// Particles (one parameter vector each).
    #[serde(with = "exact_rows")]
    pub theta: Vec<Vec<f64>>,
    /// Normalised weights.
    #[serde(with = "exact_vec")]
    pub weights: Vec<f64>,
    /// Distance of each particle.
    #[serde(with = "exact_vec")]
    pub distances: Vec<f64>,
    /// Tolerance of the generation.
    #[serde(with = "exact")]
    pub tolerance: f64,
    /// Scales of the statistics in the distance.
    pub scales: Scales,
    /// Simulations so far among the proposals used (what the budget counts).
    pub simulations: u64,
    /// Simulations run so far, including unused parallel proposals and dropped generations.
    pub simulations_run: u64,
    /// Diagnostics of every generation.
    pub history: Vec<Generation>,
    /// Why the calibration stops, once it does.
    pub stop: Option<String>,
    /// A generation not completed: dropped unfinished (out of budget or proposals) or not
    /// started (budget, tolerance no longer decreasing).
    pub dropped: Option<usize>,
}

/// The ABC-SMC solver.
#[derive(Debug, Clone)]
pub struct AbcSmc {
    /// Settings.
    pub settings: AbcSettings,
}

/// What became of one proposal.
pub(super) enum Proposal {
    /// Outside the prior's support: not simulated.
    OutsidePrior,
    /// Simulated, with its distance.
    Simulated(Vec<f64>, f64),
}

fn proposal_rng(seed: u64, generation: usize, index: u64) -> Rng {
    rng::stream(derive_seed(seed, TAG_PROPOSAL, generation as u64), index, 0)
}

/// Simulated statistics with measurement noise for targets that have a standard error.
fn noisy_statistics(
    problem: &Problem,
    theta: &[f64],
    seed: u64,
    generation: usize,
    index: u64,
    rng: &mut Rng,
) -> Result<Vec<f64>> {
    let master = derive_seed(seed, TAG_SIMULATION, generation as u64);
    let mut s = problem.simulate(theta, master, index)?;
    for (x, t) in s.iter_mut().zip(&problem.targets) {
        if let Some(se) = t.se {
            let z: f64 = StandardNormal.sample(rng);
            *x += se * z;
        }
    }
    Ok(s)
}

/// Weighted mean and sd of each parameter.
pub fn weighted_moments(theta: &[Vec<f64>], w: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (m, c) = weighted_mean_and_covariance(theta, w);
    let sd = (0..m.len()).map(|j| c[(j, j)].max(0.0).sqrt()).collect();
    (m, sd)
}

/// The weighted `q`-quantile of `x` (the smallest value whose cumulative weight reaches `q`).
pub fn weighted_quantile(x: &[f64], w: &[f64], q: f64) -> f64 {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let total: f64 = w.iter().sum();
    let mut acc = 0.0;
    for &i in &idx {
        acc += w[i];
        if acc >= q * total {
            return x[i];
        }
    }
    idx.last().map_or(f64::NAN, |&i| x[i])
}

/// Effective sample size `(sum w)^2 / sum w^2`.
pub fn ess(w: &[f64]) -> f64 {
    let s: f64 = w.iter().sum();
    let s2: f64 = w.iter().map(|x| x * x).sum();
    s * s / s2
}

/// The unweighted `q`-quantile of the finite values of `x` (type 7, as R's default);
/// infinite when there are none.
fn quantile(x: &[f64], q: f64) -> f64 {
    let v = quantile::sorted_finite(x);
    if v.is_empty() {
        return f64::INFINITY;
    }
    quantile::quantile_sorted(&v, q)
}

impl AbcSmc {
    fn generation_row(
        &self,
        state: &AbcState,
        proposals: u64,
        simulations: u64,
        run: u64,
        wall_seconds: f64,
    ) -> Generation {
        let (mean, sd) = weighted_moments(&state.theta, &state.weights);
        let accepted = state.theta.len() as u64;
        Generation {
            generation: state.generation,
            tolerance: state.tolerance,
            proposals,
            simulations,
            run,
            accepted,
            acceptance_rate: accepted as f64 / simulations.max(1) as f64,
            ess: ess(&state.weights),
            total_simulations: state.simulations,
            wall_seconds,
            mean,
            sd,
        }
    }

    /// The stopping rules after a completed generation.
    fn check_stop(&self, state: &mut AbcState) {
        let s = &self.settings;
        let last = state.history.last();
        state.stop = if state.generation >= s.max_generations {
            Some(format!(
                "reached the last generation (calibration.abc.max_generations = {})",
                s.max_generations
            ))
        } else if state.tolerance <= s.min_tolerance {
            Some(format!(
                "tolerance {:.4} reached calibration.abc.min_tolerance = {}",
                state.tolerance, s.min_tolerance
            ))
        } else if state.generation > 0 && last.is_some_and(|g| g.acceptance_rate < s.min_acceptance)
        {
            Some(format!(
                "acceptance rate {:.4} fell below calibration.abc.min_acceptance = {}",
                last.map_or(0.0, |g| g.acceptance_rate),
                s.min_acceptance
            ))
        } else if state.simulations >= s.max_simulations {
            Some(format!(
                "used the budget of calibration.abc.max_simulations = {} simulations",
                s.max_simulations
            ))
        } else {
            None
        };
    }
}

impl Solver for AbcSmc {
    type State = AbcState;

    fn name(&self) -> &'static str {
        "abc"
    }

    fn init(&mut self, problem: &Problem, seed: u64) -> Result<AbcState> {
        let clock = Instant::now();
        let n = self.settings.particles;
        let sims: Vec<(Vec<f64>, Vec<f64>)> = evaluation::evaluate(0, 0..n as u64, |i| {
            let mut r = proposal_rng(seed, 0, i);
            let theta: Vec<f64> = problem
                .parameters
                .iter()
                .map(|p| p.prior.sample(&mut r))
                .collect();
            let s = noisy_statistics(problem, &theta, seed, 0, i, &mut r)?;
            Ok((theta, s))
        })?;
        let stats: Vec<Vec<f64>> = sims.iter().map(|s| s.1.clone()).collect();
        let scales = distance::scales(&stats, self.settings.scale);
        if !scales.used.iter().any(|&u| u) {
            return Err(Error::Other(
                "no matched statistic varies under the prior: widen the priors or match other \
                 statistics"
                    .into(),
            ));
        }
        let obs = problem.observed_values();
        let distances = stats
            .iter()
            .map(|s| distance::distance(s, &obs, &scales))
            .collect();
        let mut state = AbcState {
            generation: 0,
            theta: sims.into_iter().map(|s| s.0).collect(),
            weights: vec![1.0 / n as f64; n],
            distances,
            tolerance: f64::INFINITY,
            scales,
            simulations: n as u64,
            simulations_run: n as u64,
            history: Vec::new(),
            stop: None,
            dropped: None,
        };
        let row = self.generation_row(
            &state,
            n as u64,
            n as u64,
            n as u64,
            clock.elapsed().as_secs_f64(),
        );
        state.history.push(row);
        self.check_stop(&mut state);
        Ok(state)
    }

    fn next(&mut self, problem: &Problem, state: AbcState, seed: u64) -> Result<AbcState> {
        let clock = Instant::now();
        let set = &self.settings;
        let t = state.generation + 1;
        let eps = quantile(&state.distances, set.quantile);
        if let Some(why) = not_started(set, &state, t, eps) {
            return Ok(AbcState {
                stop: Some(why),
                dropped: Some(t),
                ..state
            });
        }
        let chol = kernel(problem, &state, set.kernel_scale)?;
        let filled = fill(problem, &state, set, &chol, eps, seed, t)?;
        if let Some(why) = filled.unfinished {
            return Ok(AbcState {
                stop: Some(why),
                simulations_run: state.simulations_run + filled.run,
                dropped: Some(t),
                ..state
            });
        }
        let accepted = filled.accepted;
        let weights = importance_weights(problem, &state, &chol, &accepted);
        let mut next = AbcState {
            generation: t,
            theta: accepted.iter().map(|a| a.0.clone()).collect(),
            weights,
            distances: accepted.iter().map(|a| a.1).collect(),
            tolerance: eps,
            scales: state.scales.clone(),
            simulations: state.simulations + filled.sims,
            simulations_run: state.simulations_run + filled.run,
            history: state.history,
            stop: None,
            dropped: None,
        };
        let row = self.generation_row(
            &next,
            filled.proposals,
            filled.sims,
            filled.run,
            clock.elapsed().as_secs_f64(),
        );
        next.history.push(row);
        self.check_stop(&mut next);
        Ok(next)
    }

    fn terminate(&self, state: &AbcState) -> Option<String> {
        state.stop.clone()
    }

    fn progress(&self, state: &AbcState) -> String {
        if let Some(t) = state.dropped {
            return format!(
                "abc generation {t} not completed; {} simulations in all",
                state.simulations
            );
        }
        match state.history.last() {
            Some(g) if g.generation == state.generation => format!(
                "abc generation {}: tolerance {:.4}, accepted {} of {} simulated ({:.1}%; {} \
                 proposed), ESS {:.0}, {} simulations in {:.1} s ({:.0}/s), {} in all",
                g.generation,
                g.tolerance,
                g.accepted,
                g.simulations,
                100.0 * g.acceptance_rate,
                g.proposals,
                g.ess,
                g.run,
                g.wall_seconds,
                g.run as f64 / g.wall_seconds.max(1e-9),
                g.total_simulations
            ),
            _ => format!(
                "abc generation {}: {} simulations in all",
                state.generation, state.simulations
            ),
        }
    }

    fn simulations(&self, state: &AbcState) -> u64 {
        state.simulations_run
    }

    fn resumed(&self, mut state: AbcState) -> AbcState {
        // Stopping rules may have been relaxed: judge the last complete generation again.
        state.dropped = None;
        self.check_stop(&mut state);
        state
    }
}

/// Why generation `t` is not started, if it is not: the budget left is less than the last
/// generation used, or the tolerance `eps` would not decrease.
fn not_started(set: &AbcSettings, state: &AbcState, t: usize, eps: f64) -> Option<String> {
    let left = set.max_simulations.saturating_sub(state.simulations);
    if let Some(g) = state.history.last().filter(|g| g.generation > 0)
        && left < g.simulations
    {
        return Some(format!(
            "the budget left ({left} of calibration.abc.max_simulations = {}) is less than the \
             last generation used ({}), so generation {t} is not started",
            set.max_simulations, g.simulations
        ));
    }
    if eps.partial_cmp(&state.tolerance) != Some(std::cmp::Ordering::Less) {
        return Some(format!(
            "the tolerance no longer decreases ({eps:.4}): the statistics cannot be matched more \
             closely"
        ));
    }
    None
}

/// The Cholesky factor of the Gaussian kernel: `kernel_scale` times the weighted covariance of
/// the population (its diagonal alone when the covariance is singular).
fn kernel(problem: &Problem, state: &AbcState, kernel_scale: f64) -> Result<DMatrix<f64>> {
    let (_, mut cov) = weighted_mean_and_covariance(&state.theta, &state.weights);
    cov *= kernel_scale;
    for j in 0..cov.nrows() {
        let floor = 1e-12 * (1.0 + problem.parameters[j].prior.sd().powi(2));
        cov[(j, j)] = cov[(j, j)].max(floor);
    }
    cholesky(&cov)
        .or_else(|| cholesky(&DMatrix::from_diagonal(&cov.diagonal())))
        .ok_or_else(|| Error::Other("the particles' covariance is not usable".into()))
}

/// A generation's population as proposals filled it.
struct Filled {
    /// The accepted parameter vectors and their distances, in proposal order.
    accepted: Vec<(Vec<f64>, f64)>,
    /// Proposals used (up to the one completing the population).
    proposals: u64,
    /// Simulations of the proposals used.
    sims: u64,
    /// All simulations run, with those of the last batch beyond the population.
    run: u64,
    /// Why the population could not be completed, if it could not.
    unfinished: Option<String>,
}

/// Proposes, in batches sized from the acceptance rate, until `particles` proposals fall
/// within the tolerance `eps`; acceptance is decided in proposal order, so the population does
/// not depend on the batches or threads.
fn fill(
    problem: &Problem,
    state: &AbcState,
    set: &AbcSettings,
    chol: &DMatrix<f64>,
    eps: f64,
    seed: u64,
    t: usize,
) -> Result<Filled> {
    let n = set.particles;
    let mut cum = Vec::with_capacity(n);
    let mut acc = 0.0;
    for &w in &state.weights {
        acc += w;
        cum.push(acc);
    }
    let dim = problem.dim();
    let obs = problem.observed_values();
    let propose = |i: u64| -> Result<Proposal> {
        let mut r = proposal_rng(seed, t, i);
        let u: f64 = r.random::<f64>() * acc;
        let a = cum.partition_point(|&c| c <= u).min(state.theta.len() - 1);
        let z: Vec<f64> = (0..dim).map(|_| StandardNormal.sample(&mut r)).collect();
        let theta: Vec<f64> = (0..dim)
            .map(|j| state.theta[a][j] + (0..=j).map(|k| chol[(j, k)] * z[k]).sum::<f64>())
            .collect();
        if problem.ln_prior(&theta) == f64::NEG_INFINITY {
            return Ok(Proposal::OutsidePrior);
        }
        let s = noisy_statistics(problem, &theta, seed, t, i, &mut r)?;
        Ok(Proposal::Simulated(
            theta,
            distance::distance(&s, &obs, &state.scales),
        ))
    };
    let previous_rate = state
        .history
        .last()
        .filter(|g| g.generation > 0)
        .map_or(set.quantile, |g| g.acceptance_rate);
    let mut f = Filled {
        accepted: Vec::with_capacity(n),
        proposals: 0,
        sims: 0,
        run: 0,
        unfinished: None,
    };
    let mut next_index = 0u64;
    while f.accepted.len() < n {
        let budget = set
            .max_simulations
            .saturating_sub(state.simulations + f.sims);
        if budget == 0 || f.proposals > 1000 * n as u64 {
            f.unfinished = Some(if budget == 0 {
                format!(
                    "used the budget of calibration.abc.max_simulations = {} simulations during \
                     generation {t}, which is dropped",
                    set.max_simulations
                )
            } else {
                format!("generation {t} found too few proposals inside the prior's support")
            });
            break;
        }
        let rate = if f.accepted.is_empty() {
            previous_rate
        } else {
            f.accepted.len() as f64 / f.proposals as f64
        }
        .max(0.002);
        let need = (n - f.accepted.len()) as f64;
        let batch = ((need / rate * 1.1).ceil() as u64).clamp(16, 20 * n as u64);
        let batch = batch.min(budget);
        let results: Vec<Proposal> =
            evaluation::evaluate(t, next_index..next_index + batch, propose)?;
        next_index += batch;
        for p in results {
            let used = f.accepted.len() < n;
            if used {
                f.proposals += 1;
            }
            if let Proposal::Simulated(theta, d) = p {
                f.run += 1;
                if used {
                    f.sims += 1;
                    if d <= eps {
                        f.accepted.push((theta, d));
                    }
                }
            }
        }
    }
    Ok(f)
}

/// Normalised importance weights of the accepted particles: prior over the mixture of kernels
/// around the previous population.
fn importance_weights(
    problem: &Problem,
    state: &AbcState,
    chol: &DMatrix<f64>,
    accepted: &[(Vec<f64>, f64)],
) -> Vec<f64> {
    let inv_chol_diff = |x: &[f64], y: &[f64]| -> f64 {
        let d = DVector::from_iterator(x.len(), x.iter().zip(y).map(|(a, b)| a - b));
        chol.solve_lower_triangular(&d)
            .map_or(f64::INFINITY, |v| v.norm_squared())
    };
    let ln_w: Vec<f64> = accepted
        .par_iter()
        .map(|(theta, _)| {
            let terms: Vec<f64> = state
                .theta
                .iter()
                .zip(&state.weights)
                .map(|(old, &w)| w.ln() - 0.5 * inv_chol_diff(theta, old))
                .collect();
            let m = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let lse = m + terms.iter().map(|x| (x - m).exp()).sum::<f64>().ln();
            problem.ln_prior(theta) - lse
        })
        .collect();
    let m = ln_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let raw: Vec<f64> = ln_w.iter().map(|x| (x - m).exp()).collect();
    let total: f64 = raw.iter().sum();
    raw.iter().map(|x| x / total).collect()
}

/// The lower-triangular Cholesky factor `L` of `a = L L^T`; `None` unless `a` is finite,
/// symmetric and positive definite.
fn cholesky(a: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    if a.iter().any(|x| !x.is_finite()) {
        return None;
    }
    Cholesky::new(a.clone()).map(|c| c.l())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles() {
        let x = [3.0, 1.0, 2.0, f64::INFINITY];
        assert_eq!(quantile(&x, 0.5), 2.0);
        assert_eq!(
            weighted_quantile(&[1.0, 2.0, 3.0], &[0.2, 0.2, 0.6], 0.5),
            3.0
        );
        assert_eq!(
            weighted_quantile(&[1.0, 2.0, 3.0], &[0.2, 0.4, 0.4], 0.5),
            2.0
        );
        assert!((ess(&[0.5, 0.5]) - 2.0).abs() < 1e-12);
    }
}
