//! Evaluations of the profile intervals' surrogate ([`Surrogate`]) into buffers reused over a
//! minimisation: the profile walk evaluates the whitened residual and its Jacobian many
//! thousands of times per interval, on vectors and matrices of the same sizes each time.
//! The arithmetic is nalgebra's products in the same order as the allocating forms, so the
//! values are the same bit for bit.

use super::smm_intervals::{Surrogate, feature_count};
use nalgebra::{DMatrix, DVector, DVectorView};

/// Buffers of one surrogate's evaluations in `p` dimensions with `k` moments.
pub(super) struct Eval {
    /// `features(z) - features(0)`.
    df: DVector<f64>,
    /// The moments' departure `q(z) - q(0)`, then the residual `s_obs - m(z)`.
    m: DVector<f64>,
    /// The whitened residual `A (s_obs - m(z))`.
    pub(super) r: DVector<f64>,
    /// The features' Jacobian (features by `p`).
    fj: DMatrix<f64>,
    /// The whitened residual's Jacobian in `z` (moments by `p`).
    pub(super) jac: DMatrix<f64>,
}

impl Eval {
    /// Buffers for surrogate `s`.
    pub(super) fn new(s: &Surrogate) -> Eval {
        let (p, k) = (s.theta.len(), s.target.len());
        Eval {
            df: DVector::zeros(feature_count(p)),
            m: DVector::zeros(k),
            r: DVector::zeros(k),
            fj: DMatrix::zeros(feature_count(p), p),
            jac: DMatrix::zeros(k, p),
        }
    }
}

impl Surrogate {
    /// The whitened residual `A (s_obs - m(z))`, into `e.r`.
    fn whitened_to(&self, z: &[f64], e: &mut Eval) {
        // `features(z) - features(0)`: the features at 0 are 1 and then zeros.
        let p = z.len();
        e.df[0] = 0.0;
        e.df.rows_mut(1, p).copy_from_slice(z);
        let mut row = 1 + p;
        for i in 0..p {
            for k in i..p {
                e.df[row] = z[i] * z[k];
                row += 1;
            }
        }
        self.coef.mul_to(&e.df, &mut e.m);
        for ((m, a), t) in e.m.iter_mut().zip(&self.anchor).zip(&self.target) {
            *m = t - (a + *m);
        }
        self.a.mul_to(&e.m, &mut e.r);
    }

    /// The distance `d` at `z` (no Jacobian: the walk and the line searches call it most).
    pub(super) fn distance_with(&self, z: &[f64], e: &mut Eval) -> f64 {
        self.whitened_to(z, e);
        e.r.norm_squared()
    }

    /// The whitened residual `A (s_obs - m(z))` and its Jacobian in `z`, into `e.r` and
    /// `e.jac`.
    pub(super) fn residual_with(&self, z: &[f64], e: &mut Eval) {
        let p = z.len();
        e.fj.fill(0.0);
        for i in 0..p {
            e.fj[(1 + i, i)] = 1.0;
        }
        let mut row = 1 + p;
        for i in 0..p {
            for k in i..p {
                e.fj[(row, i)] += z[k];
                e.fj[(row, k)] += z[i];
                row += 1;
            }
        }
        self.a_coef.mul_to(&e.fj, &mut e.jac);
        e.jac.neg_mut();
        self.whitened_to(z, e);
    }
}

/// `z0 + N u` into `out`, with `nu` holding `N u`.
pub(super) fn affine_to(
    z0: &DVector<f64>,
    n: &DMatrix<f64>,
    u: &[f64],
    nu: &mut DVector<f64>,
    out: &mut Vec<f64>,
) {
    n.mul_to(&DVectorView::from_slice(u, u.len()), nu);
    out.clear();
    out.extend(z0.iter().zip(nu.iter()).map(|(a, b)| a + b));
}
