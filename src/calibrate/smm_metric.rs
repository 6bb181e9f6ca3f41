//! The units in which the method of moments damps its Newton steps along ridges
//! ([`super::smm`]'s fallback rounds and continuations).
//!
//! The damping (Tikhonov, in the singular values of the scaled derivative) shortens the step in
//! the directions the scaled moments hardly see. Scaled by each moment's sd, the units of the
//! t-ratios, those are the directions in which no single moment moves much. But RSiena's rule
//! also asks for the overall maximum convergence ratio `sqrt(d' Sigma^-1 d)`, which weighs the
//! deviation in the *whitened* units `L^-1 d` (`Sigma = L L'`). With strongly correlated moments
//! (the combined moments of `calibration.smm.combine`, whose covariance is the information
//! matrix) a deviation of a few hundredths of an sd in each moment can still be half a whitened
//! unit or more, in the direction where the moments' covariance is smallest; in sd units that
//! direction is a ridge, and the damped step leaves it alone, round after round. So a step
//! from a phase 3 whose overall ratio is what keeps it from convergence (it exceeds 2.5 times
//! the largest |t|, RSiena's two thresholds 0.25 and 0.1) is scaled by `L^-1`: the damping then
//! spares the direction the overall ratio measures, and shortens only what is flat against the
//! moments' noise. Elsewhere the sd units stay, and with them the paths of every fit whose
//! t-ratios decide.

use super::smm::Phase3;
use nalgebra::DMatrix;

/// The matrix `W = L^-1` (moments by moments; `L` the Cholesky factor of the moments'
/// covariance) that scales the derivative and the deviations before the damped Newton step
/// when the overall ratio binds ([`ratio_binds`]) and the covariance is positive definite;
/// `None` otherwise, and the step keeps the sd units (`diag(1 / sd)`, computed as before).
pub(super) fn whitening_if_ratio_binds(p3: &Phase3) -> Option<DMatrix<f64>> {
    if ratio_binds(p3) {
        whitening(&p3.moment_covariance)
    } else {
        None
    }
}

/// Whether the overall maximum convergence ratio is the binding part of RSiena's rule at this
/// phase 3: above its threshold 0.25 and above 2.5 times the largest |t| (the same scale as
/// the t-ratios' threshold 0.1), so that closing the t-ratios alone would not converge.
pub(super) fn ratio_binds(p3: &Phase3) -> bool {
    let t = p3.t_ratios.iter().fold(0.0f64, |m, t| m.max(t.abs()));
    let r = p3.max_convergence_ratio;
    r.is_finite() && r > 0.25 && r > 2.5 * t
}

/// `L^-1` with `sigma = L L'`, or `None` when `sigma` is not positive definite or not finite.
fn whitening(sigma: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    if sigma.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let w = sigma.clone().cholesky()?.l().try_inverse()?;
    w.iter().all(|x| x.is_finite()).then_some(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A phase 3 with moment covariance `sigma`, t-ratios `t` and overall ratio `r`.
    fn phase3(sigma: DMatrix<f64>, t: &[f64], r: f64) -> Phase3 {
        let k = t.len();
        Phase3 {
            mean: t.to_vec(),
            sd: (0..k).map(|i| sigma[(i, i)].sqrt()).collect(),
            t_ratios: t.to_vec(),
            max_convergence_ratio: r,
            converged: false,
            derivative: DMatrix::identity(k, k),
            moment_covariance: sigma,
            covariance: DMatrix::identity(k, k),
            se: vec![1.0; k],
            failed_runs: 0,
            derivative_runs: 0,
        }
    }

    #[test]
    fn the_ratio_binds_only_when_it_alone_keeps_a_fit_from_converging() {
        let s = DMatrix::identity(2, 2);
        assert!(ratio_binds(&phase3(s.clone(), &[0.05, -0.04], 0.5)));
        // The t-ratios fail at least as badly: sd units.
        assert!(!ratio_binds(&phase3(s.clone(), &[0.3, 0.0], 0.5)));
        // Within the rule, or undefined: sd units.
        assert!(!ratio_binds(&phase3(s.clone(), &[0.05, 0.0], 0.2)));
        assert!(!ratio_binds(&phase3(s, &[0.05, 0.0], f64::NAN)));
    }

    #[test]
    fn a_binding_ratio_whitens_and_otherwise_the_sd_scale_stays() {
        // Correlation 0.99 and sd 2: the deviation (0.1, -0.1) is 0.05 sd in each moment but
        // sqrt(0.02 / (4 * 0.01)) = 0.71 whitened units, the overall ratio.
        let sigma = DMatrix::from_row_slice(2, 2, &[4.0, 3.96, 3.96, 4.0]);
        let p3 = phase3(sigma.clone(), &[0.05, -0.05], 0.707);
        let w = whitening_if_ratio_binds(&p3).expect("the ratio binds");
        // W Sigma W' is the identity, and the whitened deviation's length is the ratio.
        let white = &w * &sigma * w.transpose();
        assert!((white - DMatrix::identity(2, 2)).norm() < 1e-9);
        let z = &w * nalgebra::DVector::from_column_slice(&[0.1, -0.1]);
        assert!(
            (z.norm() - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-3,
            "{z}"
        );
        // With the t-ratios deciding, or a covariance that is not positive definite: none.
        assert!(whitening_if_ratio_binds(&phase3(sigma, &[0.5, -0.05], 0.707)).is_none());
        let singular = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 1.0, 1.0]);
        assert!(whitening_if_ratio_binds(&phase3(singular, &[0.05, 0.0], 0.5)).is_none());
    }
}
