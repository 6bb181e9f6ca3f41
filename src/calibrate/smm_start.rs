//! Where the method of moments starts: a pilot of prior draws, each simulated once, and the
//! starts it suggests (docs/calibration.md, "Starts").
//!
//! Far from the solution the finite-difference derivative of phase 1 is estimated where the
//! moments respond differently (or hardly at all), and the Robbins-Monro iterates can run to a
//! bound of the prior box before they come near a root. A pilot puts the start near the root
//! first: `pilot` draws from the prior are simulated once each; the draws whose moments are
//! nearest the observed ones (scaled distance, each moment divided by its spread over the
//! draws) are regressed, parameters on moments, with Epanechnikov weights (the local-linear
//! regression adjustment of ABC, Beaumont, Zhang and Balding 2002), and the regression's value
//! at the observed moments is the first start. The nearest draw itself is the second, the
//! parameters' start values the third.

use super::prior::Prior;
use super::problem::{Problem, derive_seed};
use super::smm::Moments;
use super::summary::invert;
use crate::error::Result;
use crate::model::rng;
use crate::stats::quantile::median;
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

/// Stream tag of the pilot's prior draws.
pub(super) const TAG_PILOT: u64 = 14;

/// Fraction of a bounded prior's width that a start keeps from its bounds: a start on a bound
/// leaves one side of the finite differences outside the support.
const MARGIN: f64 = 0.02;

/// The pilot's result: the starts in the order they are tried, and the simulations run.
#[derive(Debug, Clone)]
pub struct Starts {
    /// Candidate starts, best first; never empty (the start values come last).
    pub starts: Vec<Vec<f64>>,
    /// Simulations the pilot ran.
    pub simulations: u64,
}

/// The starts of a fit: without a pilot (`pilot` 0) the start values alone; otherwise the
/// pilot's regression start, its nearest draw, then the start values, duplicates left out.
pub fn starts(problem: &Problem, moments: &Moments, pilot: usize, seed: u64) -> Result<Starts> {
    let given: Vec<f64> = problem.parameters.iter().map(|p| p.start).collect();
    if pilot == 0 {
        return Ok(Starts {
            starts: vec![given],
            simulations: 0,
        });
    }
    let master = derive_seed(seed, TAG_PILOT, 0);
    let draws: Vec<(Vec<f64>, Vec<f64>)> = (0..pilot as u64)
        .into_par_iter()
        .map(|i| {
            let mut r = rng::stream(master, i, 1);
            let theta: Vec<f64> = problem
                .parameters
                .iter()
                .map(|p| p.prior.sample(&mut r))
                .collect();
            let s = moments.reduce(&problem.simulate(&theta, master, i)?);
            Ok((theta, s))
        })
        .collect::<Result<_>>()?;
    let ok: Vec<&(Vec<f64>, Vec<f64>)> = draws
        .iter()
        .filter(|(_, s)| s.iter().all(|x| x.is_finite()))
        .collect();
    let mut out = Vec::new();
    if let Some(near) = nearest(&ok, &moments.target, problem.dim()) {
        let regression = local_linear(&near, problem.dim());
        for theta in [regression, Some(near[0].0.clone())].into_iter().flatten() {
            out.push(inside(problem, theta));
        }
    }
    out.push(given);
    out.dedup();
    Ok(Starts {
        starts: out,
        simulations: pilot as u64,
    })
}

/// A draw near the observed moments: its parameters, its scaled moments minus the observed
/// ones, and its distance.
type Near = (Vec<f64>, Vec<f64>, f64);

/// The draws nearest the observed moments, nearest first: `max(n / 10, 4 (p + 1))` of them
/// (enough for a regression on `k` moments), with each moment scaled by the normal-consistent
/// median absolute deviation over the draws (the sd where that is 0; a moment with no spread
/// is left out). `None` without draws.
fn nearest(ok: &[&(Vec<f64>, Vec<f64>)], target: &[f64], p: usize) -> Option<Vec<Near>> {
    if ok.is_empty() {
        return None;
    }
    let k = target.len();
    let scale: Vec<f64> = (0..k)
        .map(|i| spread(&ok.iter().map(|(_, s)| s[i]).collect::<Vec<_>>()))
        .collect();
    let mut near: Vec<Near> = ok
        .iter()
        .map(|(theta, s)| {
            let z: Vec<f64> = (0..k)
                .map(|i| {
                    if scale[i] > 0.0 {
                        (s[i] - target[i]) / scale[i]
                    } else {
                        0.0
                    }
                })
                .collect();
            let d = z.iter().map(|x| x * x).sum::<f64>().sqrt();
            (theta.clone(), z, d)
        })
        .collect();
    // Ties in distance keep the draws' order, so the choice is deterministic.
    near.sort_by(|a, b| a.2.total_cmp(&b.2));
    near.truncate((ok.len() / 10).max(4 * (p + 1)));
    Some(near)
}

/// 1.4826 times the median absolute deviation, or the sd where that is 0.
fn spread(x: &[f64]) -> f64 {
    let m = median(x);
    let mad = 1.4826 * median(&x.iter().map(|v| (v - m).abs()).collect::<Vec<_>>());
    if mad > 0.0 {
        return mad;
    }
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

/// The weighted local-linear regression of the parameters on the scaled moment deviations,
/// its intercept being the value at the observed moments; Epanechnikov weights with the
/// bandwidth just beyond the farthest draw kept. `None` when the regression is singular or
/// has too few draws.
fn local_linear(near: &[Near], p: usize) -> Option<Vec<f64>> {
    let k = near[0].1.len();
    if near.len() < k + 2 {
        return None;
    }
    let h = near.last().map_or(0.0, |n| n.2) * 1.05;
    if h.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    let w: Vec<f64> = near.iter().map(|n| 1.0 - (n.2 / h).powi(2)).collect();
    let x = DMatrix::from_fn(near.len(), k + 1, |r, c| {
        if c == 0 { 1.0 } else { near[r].1[c - 1] }
    });
    let xtw = DMatrix::from_fn(k + 1, near.len(), |c, r| x[(r, c)] * w[r]);
    let gram_inv = invert(&(&xtw * &x))?;
    let theta: Vec<f64> = (0..p)
        .map(|j| {
            let y = DVector::from_iterator(near.len(), near.iter().map(|n| n.0[j]));
            (&gram_inv * (&xtw * y))[0]
        })
        .collect();
    theta.iter().all(|t| t.is_finite()).then_some(theta)
}

/// `theta` moved inside each bounded prior by [`MARGIN`] of its width.
fn inside(problem: &Problem, mut theta: Vec<f64>) -> Vec<f64> {
    for (x, par) in theta.iter_mut().zip(&problem.parameters) {
        *x = match par.prior {
            Prior::Uniform { min, max } | Prior::Beta { min, max, .. } => {
                let m = MARGIN * (max - min);
                x.clamp(min + m, max - m)
            }
            _ => par.prior.clamp(*x),
        };
    }
    theta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_regression_recovers_a_linear_relation() {
        // theta = 2 + 3 z exactly: the intercept at z = 0 is 2 whatever the weights.
        let near: Vec<Near> = (0..12)
            .map(|i| {
                let z = (i as f64 - 5.5) / 4.0;
                (vec![2.0 + 3.0 * z], vec![z], z.abs())
            })
            .collect();
        let mut sorted = near.clone();
        sorted.sort_by(|a, b| a.2.total_cmp(&b.2));
        let theta = local_linear(&sorted, 1).unwrap();
        assert!((theta[0] - 2.0).abs() < 1e-9, "{theta:?}");
    }

    #[test]
    fn spread_is_the_normal_consistent_mad() {
        assert!((spread(&[1.0, 2.0, 3.0, 4.0, 5.0]) - 1.4826).abs() < 1e-12);
        // No median deviation: the sd.
        assert!((spread(&[0.0, 0.0, 0.0, 4.0]) - 3f64.sqrt()).abs() < 1e-12);
    }
}
