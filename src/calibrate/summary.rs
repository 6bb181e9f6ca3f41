//! Point estimates and intervals from either method, in one form for outputs and tests.

use super::abc_smc::{AbcState, weighted_moments, weighted_quantile};
use super::problem::{Problem, derive_seed};
use super::smm::SmmState;
use crate::model::rng;
use crate::stats::interval::half_width;
use rand::Rng as _;
use serde::Serialize;

const TAG_RESAMPLE: u64 = 31;

/// The estimate of one parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// Parameter key.
    pub key: String,
    /// Prior, described.
    pub prior: String,
    /// Posterior mean (ABC) or method-of-moments estimate.
    pub estimate: f64,
    /// Posterior standard deviation (ABC) or standard error (method of moments).
    pub sd: f64,
    /// Lower end of the 95% interval: posterior 2.5% quantile (ABC) or estimate - 1.96 se.
    pub lower: f64,
    /// Posterior median (ABC) or the estimate.
    pub median: f64,
    /// Upper end of the 95% interval: posterior 97.5% quantile (ABC) or estimate + 1.96 se.
    pub upper: f64,
}

impl Estimate {
    /// Does the 95% interval contain `x`?
    pub fn covers(&self, x: f64) -> bool {
        self.lower <= x && x <= self.upper
    }
}

/// Posterior summaries of an ABC population.
pub fn abc_estimates(problem: &Problem, state: &AbcState) -> Vec<Estimate> {
    let (mean, sd) = weighted_moments(&state.theta, &state.weights);
    problem
        .parameters
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let x: Vec<f64> = state.theta.iter().map(|t| t[j]).collect();
            Estimate {
                key: p.key.clone(),
                prior: p.prior.describe(),
                estimate: mean[j],
                sd: sd[j],
                lower: weighted_quantile(&x, &state.weights, 0.025),
                median: weighted_quantile(&x, &state.weights, 0.5),
                upper: weighted_quantile(&x, &state.weights, 0.975),
            }
        })
        .collect()
}

/// Estimates and normal 95% intervals of the method of moments (standard errors NaN before
/// phase 3).
pub fn smm_estimates(problem: &Problem, state: &SmmState) -> Vec<Estimate> {
    problem
        .parameters
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let est = state.theta[j];
            let se = state.phase3.as_ref().map_or(f64::NAN, |p| p.se[j]);
            Estimate {
                key: p.key.clone(),
                prior: p.prior.describe(),
                estimate: est,
                sd: se,
                lower: est - half_width(se, f64::INFINITY),
                median: est,
                upper: est + half_width(se, f64::INFINITY),
            }
        })
        .collect()
}

/// `n` particles resampled by weight (systematic resampling with one uniform from the seed),
/// for predictive simulations.
pub fn resample(state: &AbcState, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let u0: f64 = rng::stream(derive_seed(seed, TAG_RESAMPLE, 0), 0, 0).random();
    let total: f64 = state.weights.iter().sum();
    let mut out = Vec::with_capacity(n);
    let mut acc = 0.0;
    let mut i = 0;
    for k in 0..n {
        let target = (k as f64 + u0) / n as f64 * total;
        while i + 1 < state.weights.len() && acc + state.weights[i] < target {
            acc += state.weights[i];
            i += 1;
        }
        out.push(state.theta[i].clone());
    }
    out
}
