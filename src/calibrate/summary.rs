//! Point estimates and intervals from either method, in one form for outputs and tests.

use super::abc_smc::{AbcState, weighted_moments, weighted_quantile};
use super::distance::distance;
use super::problem::{Problem, derive_seed};
use super::smm::SmmState;
use super::smm_intervals::Profile;
use crate::error::Result;
use crate::model::rng;
use crate::stats::interval::half_width;
use nalgebra::{DMatrix, DVector};
use rand::Rng as _;
use rayon::prelude::*;
use serde::Serialize;

const TAG_RESAMPLE: u64 = 31;
const TAG_POINT: u64 = 32;

/// Simulations at each candidate point estimate of ABC ([`abc_point`]).
pub const POINT_RUNS: usize = 200;

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
    /// Lower end of the 95% interval: posterior 2.5% quantile (ABC) or estimate - 1.96 se (NaN
    /// for a method-of-moments fit that did not converge: it has no interval).
    pub lower: f64,
    /// Posterior median (ABC) or the estimate.
    pub median: f64,
    /// Upper end of the 95% interval: posterior 97.5% quantile (ABC) or estimate + 1.96 se (NaN
    /// for a method-of-moments fit that did not converge).
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

/// Estimates of the method of moments, with their standard errors (NaN before phase 3) and,
/// for a converged fit only, 95% intervals: the profile intervals when `profile` is given
/// (`calibration.smm.intervals = "profile"`, [`super::smm_intervals`]), else the delta
/// method's normal intervals `estimate -+ 1.96 se`.
///
/// A fit that did not converge has no interval (`lower` and `upper` NaN). Its estimate is not
/// a root of the moment equations, so an interval around it says nothing about where the
/// truth is: in the simulation-based calibration of docs/calibration.md the "95% intervals"
/// of unconverged fits covered the truth in only 74% to 90% of the data sets, by parameter.
pub fn smm_estimates(
    problem: &Problem,
    state: &SmmState,
    profile: Option<&Profile>,
) -> Vec<Estimate> {
    let converged = state.phase3.as_ref().is_some_and(|p| p.converged);
    problem
        .parameters
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let est = state.theta[j];
            let se = state.phase3.as_ref().map_or(f64::NAN, |p| p.se[j]);
            let (lower, upper) = match profile.and_then(|x| x.parameters[j].interval(0.95)) {
                Some(i) if converged => i,
                _ if converged => {
                    let half = half_width(se, f64::INFINITY);
                    (est - half, est + half)
                }
                _ => (f64::NAN, f64::NAN),
            };
            Estimate {
                key: p.key.clone(),
                prior: p.prior.describe(),
                estimate: est,
                sd: se,
                lower,
                median: est,
                upper,
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

/// Particles of the final ABC population, those with the smallest distances, that are
/// candidate point estimates beside the posterior's summaries ([`abc_point`]).
pub const POINT_PARTICLES: usize = 20;

/// One candidate point estimate of an ABC posterior and how well it reproduces the data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointCandidate {
    /// `posterior_mean`, `posterior_median` (the marginal medians), `posterior_mode` (the
    /// particle where a Gaussian kernel estimate of the weighted posterior density is highest)
    /// or `particle_<i>` (particle `i` of the final population, counted from 0).
    pub name: String,
    /// The parameter vector.
    pub theta: Vec<f64>,
    /// Over [`POINT_RUNS`] simulations at `theta`, the smallest two-sided predictive p-value
    /// of a matched statistic's observed value, `2 min(P(X >= obs), P(X <= obs))` (at most 1):
    /// how well the candidate reproduces the statistic it reproduces worst.
    pub min_p: f64,
    /// Median ABC distance (the calibration's own scaled distance between simulated and
    /// observed matched statistics) over the same simulations.
    pub median_distance: f64,
    /// Mean of the same distances (undefined runs count as infinite).
    pub mean_distance: f64,
}

/// The point estimate of an ABC posterior that the calibrated scenario carries, by a stated
/// rule. Candidates: the posterior mean, the marginal medians, the posterior mode and the
/// [`POINT_PARTICLES`] particles of the final population with the smallest distances. Each is
/// simulated [`POINT_RUNS`] times (the same random streams at every candidate, so the
/// comparison is paired), and the one chosen has the largest smallest predictive p-value over
/// the matched statistics ([`PointCandidate::min_p`]): a point estimate must reproduce every
/// statistic the calibration matched, so it is judged by the one it reproduces worst. Ties go
/// to the smaller median ABC distance, then to the first. A summary of a curved or skewed
/// posterior can lie where the model fits badly (the mean off a ridge between formation base
/// and closure, for example) and the ABC distance, scaled by the prior's spread, can call a
/// point close that misses a statistic by much more than the data allow; the rule guards
/// against both. Returns every candidate (in the order above) and the index of the chosen one.
pub fn abc_point(
    problem: &Problem,
    state: &AbcState,
    seed: u64,
) -> Result<(Vec<PointCandidate>, usize)> {
    let obs = problem.observed_values();
    let master = derive_seed(seed, TAG_POINT, 0);
    let mut out = Vec::new();
    for (name, theta) in point_candidates(problem, state) {
        let sims: Vec<Vec<f64>> = (0..POINT_RUNS as u64)
            .into_par_iter()
            .map(|r| problem.simulate(&theta, master, r))
            .collect::<Result<_>>()?;
        let d: Vec<f64> = sims
            .iter()
            .map(|x| distance(x, &obs, &state.scales))
            .collect();
        let mean_distance = d.iter().sum::<f64>() / d.len() as f64;
        let median_distance = crate::stats::quantile::median(&d);
        out.push(PointCandidate {
            name,
            theta,
            min_p: smallest_predictive_p(&sims, &obs),
            median_distance,
            mean_distance,
        });
    }
    let best = (0..out.len())
        .min_by(|&a, &b| {
            (out[b].min_p.total_cmp(&out[a].min_p))
                .then(out[a].median_distance.total_cmp(&out[b].median_distance))
        })
        .unwrap_or(0);
    Ok((out, best))
}

/// The candidates of [`abc_point`], named, in its order.
fn point_candidates(problem: &Problem, state: &AbcState) -> Vec<(String, Vec<f64>)> {
    let (mean, _) = weighted_moments(&state.theta, &state.weights);
    let median: Vec<f64> = (0..problem.dim())
        .map(|j| {
            let x: Vec<f64> = state.theta.iter().map(|t| t[j]).collect();
            weighted_quantile(&x, &state.weights, 0.5)
        })
        .collect();
    let mode = state.theta[posterior_mode(&state.theta, &state.weights)].clone();
    let mut out = vec![
        ("posterior_mean".to_string(), mean),
        ("posterior_median".to_string(), median),
        ("posterior_mode".to_string(), mode),
    ];
    let mut closest: Vec<usize> = (0..state.theta.len()).collect();
    closest.sort_by(|&a, &b| {
        state.distances[a]
            .total_cmp(&state.distances[b])
            .then(a.cmp(&b))
    });
    out.extend(
        closest
            .into_iter()
            .take(POINT_PARTICLES)
            .map(|i| (format!("particle_{i}"), state.theta[i].clone())),
    );
    out
}

/// The smallest over the statistics of the two-sided predictive p-value of the observed value
/// among the simulated ones (`sims[run][statistic]`); an undefined simulated value is neither
/// above nor below, so it lowers the p-value.
fn smallest_predictive_p(sims: &[Vec<f64>], obs: &[f64]) -> f64 {
    let n = sims.len() as f64;
    obs.iter()
        .enumerate()
        .map(|(k, &o)| {
            let above = sims.iter().filter(|x| x[k] >= o).count() as f64;
            let below = sims.iter().filter(|x| x[k] <= o).count() as f64;
            (2.0 * above.min(below) / n).min(1.0)
        })
        .fold(1.0, f64::min)
}

/// The particle with the highest weighted Gaussian kernel density estimate of the posterior
/// (a diagonal bandwidth by Scott's rule, `sd_j n^(-1/(p+4))`, `n` the effective sample size).
pub fn posterior_mode(theta: &[Vec<f64>], w: &[f64]) -> usize {
    let n = theta.len();
    if n == 0 {
        return 0;
    }
    let (_, sd) = weighted_moments(theta, w);
    let p = sd.len();
    let ess = 1.0 / w.iter().map(|x| x * x).sum::<f64>().max(f64::MIN_POSITIVE);
    let factor = ess.powf(-1.0 / (p as f64 + 4.0));
    let h: Vec<f64> = sd
        .iter()
        .map(|s| if *s > 0.0 { s * factor } else { 1.0 })
        .collect();
    let density: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|i| {
            (0..n)
                .map(|k| {
                    let q: f64 = (0..p)
                        .map(|j| ((theta[i][j] - theta[k][j]) / h[j]).powi(2))
                        .sum();
                    w[k] * (-0.5 * q).exp()
                })
                .sum()
        })
        .collect();
    (0..n)
        .max_by(|&a, &b| density[a].total_cmp(&density[b]).then(b.cmp(&a)))
        .unwrap_or(0)
}

/// Sample mean and covariance (divisor `n - 1`) of the rows of `x`, each row one observation.
pub fn mean_and_covariance(x: &[Vec<f64>]) -> (Vec<f64>, DMatrix<f64>) {
    let w = vec![1.0; x.len()];
    let (mean, cov) = weighted_mean_and_covariance(x, &w);
    // From the population form (divisor n) to the sample form (divisor n - 1).
    let n = x.len() as f64;
    let f = if n > 1.0 { n / (n - 1.0) } else { 1.0 };
    (mean, cov * f)
}

/// Weighted mean and covariance of the rows of `x` with weights `w` (normalised here; the
/// covariance in the population form, divisor 1, as Beaumont et al. 2009 use for the kernel).
pub fn weighted_mean_and_covariance(x: &[Vec<f64>], w: &[f64]) -> (Vec<f64>, DMatrix<f64>) {
    let (n, p) = (x.len(), x.first().map_or(0, Vec::len));
    let total: f64 = w.iter().sum();
    let w = DVector::from_column_slice(w);
    let m = DMatrix::from_fn(n, p, |i, j| x[i][j]);
    let mean = m.tr_mul(&w) / total;
    let centred = DMatrix::from_fn(n, p, |i, j| m[(i, j)] - mean[j]);
    let weighted = DMatrix::from_fn(n, p, |i, j| centred[(i, j)] * w[i]);
    (
        mean.iter().copied().collect(),
        centred.tr_mul(&weighted) / total,
    )
}

/// The inverse of a square matrix by LU decomposition with partial pivoting; `None` when it
/// is singular: a pivot at or below `1e-12` times the largest entry, or not finite.
pub fn invert(a: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    let scale = a.amax().max(f64::MIN_POSITIVE);
    let lu = a.clone().lu();
    let u = lu.u();
    let small = |x: f64| x.abs().partial_cmp(&(1e-12 * scale)) != Some(std::cmp::Ordering::Greater);
    if (0..u.nrows().min(u.ncols())).any(|i| small(u[(i, i)])) {
        return None;
    }
    lu.try_inverse()
}

#[cfg(test)]
mod tests {
    use super::{
        invert, mean_and_covariance, posterior_mode, smallest_predictive_p,
        weighted_mean_and_covariance,
    };

    #[test]
    fn the_smallest_predictive_p_is_that_of_the_worst_statistic() {
        // 10 runs (0 to 9) of two statistics: the first's observed value 5 has 5 runs at or
        // above it and 6 at or below (p = 2 * 5 / 10 = 1); the second's observed value 8 has
        // 2 runs at or above it, 8 and 9 (p = 2 * 2 / 10 = 0.4).
        let sims: Vec<Vec<f64>> = (0..10).map(|i| vec![i as f64, i as f64]).collect();
        assert_eq!(smallest_predictive_p(&sims, &[5.0, 8.0]), 0.4);
        // Outside every run: p = 0; an undefined run counts neither above nor below.
        assert_eq!(smallest_predictive_p(&sims, &[5.0, 10.0]), 0.0);
        let mut with_nan = sims.clone();
        with_nan[9][1] = f64::NAN;
        assert_eq!(smallest_predictive_p(&with_nan, &[5.0, 8.0]), 0.2);
    }
    use nalgebra::DMatrix;

    /// The mode of a sample with a cluster away from its mean is in the cluster.
    #[test]
    fn mode_is_in_the_densest_cluster() {
        let mut theta: Vec<Vec<f64>> = (0..30).map(|i| vec![5.0 + 0.01 * i as f64]).collect();
        theta.extend((0..10).map(|i| vec![-20.0 + 3.0 * i as f64]));
        let w = vec![1.0 / 40.0; 40];
        let m = posterior_mode(&theta, &w);
        assert!(m < 30, "mode at {:?}", theta[m]);
        // A weight can move it: one heavy particle far away wins.
        let mut w2 = vec![0.1 / 39.0; 40];
        w2[35] = 0.9;
        assert_eq!(posterior_mode(&theta, &w2), 35);
    }

    #[test]
    fn inverse_and_sample_moments() {
        let a = DMatrix::from_row_slice(2, 2, &[4.0, 2.0, 2.0, 3.0]);
        let id = &a * invert(&a).unwrap();
        assert!((id - DMatrix::identity(2, 2)).amax() < 1e-12);
        assert!(invert(&DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 4.0])).is_none());
        assert!(invert(&DMatrix::from_row_slice(1, 1, &[f64::NAN])).is_none());
        let x = vec![vec![0.0, 1.0], vec![2.0, 5.0]];
        let (m, c) = mean_and_covariance(&x);
        assert_eq!(m, vec![1.0, 3.0]);
        assert_eq!(c, DMatrix::from_row_slice(2, 2, &[2.0, 4.0, 4.0, 8.0]));
        let (m, c) = weighted_mean_and_covariance(&x, &[1.0, 3.0]);
        assert_eq!(m, vec![1.5, 4.0]);
        // Population form: 0.25 (0 - 1.5)^2 + 0.75 (2 - 1.5)^2 = 0.75.
        assert_eq!(c[(0, 0)], 0.75);
    }
}
