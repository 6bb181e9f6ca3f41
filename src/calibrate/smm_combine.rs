//! More moments than parameters, combined into as many as parameters
//! (`calibration.smm.combine`): the generalised method of moments in the form RSiena's
//! method of moments takes it (Amati, Schönenberger and Snijders 2015). With `k` moments `s`
//! and `p < k` parameters, the fit solves the `p` estimating equations
//! `A (E[s] - s_obs) = 0`, with the weights `A = D' Sigma^-1` (`D` the derivative of the
//! moments, `Sigma` their covariance) estimated once, at the first start, from phase 1's
//! runs there, and then held fixed: every phase runs on the combined moments `A s` as on `p`
//! moments of its own, so the t-ratios, the overall ratio, RSiena's rule of convergence and
//! the delta method (`(A D)^-1 A Sigma A' (A D)^-T`, the sandwich of the generalised method of
//! moments) are those of the combinations. Where no parameter vector matches all `k` moments
//! (a moment at the floor of its range, a count of isolates below what the model gives with
//! the other moments matched), the combination weighs each moment by what it says about the
//! parameters and by its noise, and has a root where the `k` equations have none.

use super::problem::{Problem, derive_seed};
use super::smm::{DifferenceRun, Moments, SmmState, TAG_PHASE1};
use super::summary::{invert, mean_and_covariance};
use crate::error::Result;
use nalgebra::DMatrix;
use rayon::prelude::*;

impl Moments {
    /// The `p` combinations `A s` of these moments (`a` is `p` by `k`), named after the
    /// parameter each stands for (`combined:formation.closure`); the observed values' standard
    /// errors combine as independent.
    pub fn combined(self, a: DMatrix<f64>, keys: &[String]) -> Moments {
        let target = mul(&a, &self.target);
        let se = (0..a.nrows())
            .map(|j| {
                (0..a.ncols())
                    .map(|i| (a[(j, i)] * self.se[i]).powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect();
        Moments {
            names: keys.iter().map(|k| format!("combined:{k}")).collect(),
            target,
            se,
            combination: Some(a),
            ..self
        }
    }
}

/// `a x`.
fn mul(a: &DMatrix<f64>, x: &[f64]) -> Vec<f64> {
    (0..a.nrows())
        .map(|j| (0..a.ncols()).map(|i| a[(j, i)] * x[i]).sum())
        .collect()
}

/// The moments a fit in `state` matches: the problem's, combined by the state's weights when
/// it has them ([`SmmState::combination`]).
pub fn moments_for(problem: &Problem, state: &SmmState) -> Moments {
    let m = Moments::of(problem);
    let p = problem.dim();
    if state.combination.is_empty() || m.target.len() <= p {
        return m;
    }
    let k = m.target.len();
    let a = DMatrix::from_row_slice(p, k, &state.combination);
    m.combined(a, &problem.keys())
}

/// The weights `A = D' Sigma^-1` (`p` by `k`, row-major) at `theta`, from `runs` runs (each
/// `2p + 1` simulations) with finite differences on phase 1's streams of start `index` (so phase 1 there repeats these
/// simulations on the combined moments). Each row is scaled to unit length in the moments' sd
/// units, which leaves the estimating equations as they are. `None` when the moments are
/// undefined in most runs there or `Sigma` is singular.
pub fn weights(
    problem: &Problem,
    raw: &Moments,
    bounds: &[(f64, f64)],
    theta: &[f64],
    runs: usize,
    seed: u64,
    index: usize,
) -> Result<Option<Vec<f64>>> {
    let p = theta.len();
    let k = raw.target.len();
    let master = derive_seed(seed, TAG_PHASE1, index as u64);
    let out: Vec<Option<DifferenceRun>> = (0..runs as u64)
        .into_par_iter()
        .map(|r| super::smm::difference_run(problem, raw, bounds, theta, master, r, true))
        .collect::<Result<_>>()?;
    let ok: Vec<&DifferenceRun> = out.iter().flatten().collect();
    if ok.len() < 3 || ok.len() * 2 < runs {
        return Ok(None);
    }
    let s: Vec<Vec<f64>> = ok.iter().map(|x| x.0.clone()).collect();
    let (_, sigma) = mean_and_covariance(&s);
    let n = ok.len() as f64;
    let d = DMatrix::from_fn(k, p, |i, j| ok.iter().map(|x| x.1[j][i]).sum::<f64>() / n);
    let Some(si) = invert(&sigma) else {
        return Ok(None);
    };
    let mut a = d.transpose() * si;
    let sd: Vec<f64> = (0..k).map(|i| sigma[(i, i)].max(0.0).sqrt()).collect();
    for j in 0..p {
        let norm = (0..k)
            .map(|i| (a[(j, i)] * sd[i]).powi(2))
            .sum::<f64>()
            .sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            return Ok(None);
        }
        for i in 0..k {
            a[(j, i)] /= norm;
        }
    }
    let flat: Vec<f64> = (0..p)
        .flat_map(|j| (0..k).map(move |i| (j, i)))
        .map(|(j, i)| a[(j, i)])
        .collect();
    Ok(Some(flat))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_moments_are_the_weighted_sums() {
        let m = Moments {
            names: vec!["a".into(), "b".into(), "c".into()],
            groups: vec![vec![0], vec![1], vec![2, 3]],
            target: vec![1.0, 2.0, 7.0],
            se: vec![0.0, 0.5, 0.0],
            combination: None,
        };
        let a = DMatrix::from_row_slice(2, 3, &[1.0, 0.0, 1.0, 0.0, 2.0, -1.0]);
        let c = m.combined(a, &["x".to_string(), "y".to_string()]);
        assert_eq!(c.names, vec!["combined:x", "combined:y"]);
        assert_eq!(c.target, vec![8.0, -3.0]);
        assert_eq!(c.se, vec![0.0, 1.0]);
        // Statistics 1, 2, 3, 4: moments 1, 2, 7; combined 8 and -3.
        assert_eq!(c.reduce(&[1.0, 2.0, 3.0, 4.0]), vec![8.0, -3.0]);
    }
}
