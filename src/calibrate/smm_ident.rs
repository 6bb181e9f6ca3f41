//! Which parameter combination a method-of-moments fit does not identify.
//!
//! The derivative matrix `D` of the moments with respect to the parameters, each moment in
//! units of its standard deviation and each parameter in units of its prior's standard
//! deviation, is singular-value decomposed. Its smallest singular value says how many moment
//! standard deviations a move of one prior standard deviation along the weakest direction (its
//! right singular vector) changes the moments by; below [`FLAT`] the data's standard error
//! along that direction is more than ten prior standard deviations, and the moments do not
//! identify that combination of the parameters: the estimate can slide along it (a ridge), which
//! keeps a fit from converging or leaves a converged one resting on where its walk stopped.
//! The condition number of the same scaled matrix and the largest correlation of the
//! estimates (from their covariance, when `D` is invertible) are reported beside it.

use super::problem::Problem;
use super::smm::Phase3;
use crate::error::Result;
use nalgebra::DMatrix;
use std::path::Path;

/// The smallest singular value of the scaled derivative below which the weakest direction is
/// reported as not identified: one prior standard deviation along it moves the moments by less
/// than a tenth of their standard deviation.
pub const FLAT: f64 = 0.1;

/// A parameter's share of the weakest direction (unit length, prior standard deviations)
/// from which it is named in the combination.
const NAMED: f64 = 0.2;

/// The identification diagnostics of a derivative matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Identification {
    /// Smallest singular value of the scaled derivative (moment sds per prior sd).
    pub smallest: f64,
    /// Largest over smallest singular value of the scaled derivative.
    pub condition: f64,
    /// The weakest direction, unit length in prior standard deviations, per parameter.
    pub loadings: Vec<f64>,
    /// The weakest direction in the parameters' own units, the largest loading's entry 1.
    pub direction: Vec<f64>,
    /// The pair of estimates with the largest absolute correlation and that correlation
    /// (`None` without standard errors).
    pub correlation: Option<(usize, usize, f64)>,
}

impl Identification {
    /// Whether the weakest direction is not identified (`smallest < FLAT`).
    pub fn flagged(&self) -> bool {
        self.smallest < FLAT
    }

    /// The parameters named in the weakest direction, largest loading first.
    pub fn named(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.loadings.len())
            .filter(|&j| self.loadings[j].abs() >= NAMED)
            .collect();
        idx.sort_by(|&a, &b| self.loadings[b].abs().total_cmp(&self.loadings[a].abs()));
        idx
    }

    /// The weakest direction as text: "`a` +1 with `b` -0.80".
    pub fn combination(&self, keys: &[String]) -> String {
        self.named()
            .iter()
            .map(|&j| format!("`{}` {:+.3}", keys[j], self.direction[j]))
            .collect::<Vec<_>>()
            .join(" with ")
    }

    /// What the fit does not identify and what to do, for a flagged fit: fix the parameter
    /// with the largest loading at its estimate (its value in the scenario, left out of
    /// `calibration.parameters`), or match a statistic or wave that moves the named
    /// parameters differently.
    pub fn describe(&self, keys: &[String], theta: &[f64]) -> String {
        let named = self.named();
        let fix = named.first().copied().unwrap_or(0);
        format!(
            "the moments do not identify the parameters along {} (moving them together in \
             these proportions by one prior standard deviation changes the moments by {:.3} of \
             their standard deviation, below {FLAT}; condition number {:.0}{}): fix `{}` at \
             {:.4} (its estimate) in the scenario and leave it out of calibration.parameters, \
             or match a statistic or another wave that moves {} differently",
            self.combination(keys),
            self.smallest,
            self.condition,
            match self.correlation {
                Some((a, b, r)) if r.is_finite() => format!(
                    "; the estimates of `{}` and `{}` correlate {r:.3}",
                    keys[a], keys[b]
                ),
                _ => String::new(),
            },
            keys[fix],
            theta.get(fix).copied().unwrap_or(f64::NAN),
            named
                .iter()
                .map(|&j| format!("`{}`", keys[j]))
                .collect::<Vec<_>>()
                .join(" and ")
        )
    }
}

/// The diagnostics of derivative `d` (moments by parameters), the moments' standard
/// deviations `sd`, the parameters' scales `scale` and the estimates' covariance; `None` when
/// a scaled entry is not finite or there are fewer moments than parameters.
pub fn identification(
    d: &DMatrix<f64>,
    sd: &[f64],
    scale: &[f64],
    covariance: &DMatrix<f64>,
) -> Option<Identification> {
    let (k, p) = d.shape();
    if k < p || p == 0 {
        return None;
    }
    let s = DMatrix::from_fn(k, p, |i, j| d[(i, j)] / sd[i] * scale[j]);
    if s.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let svd = s.svd(false, true);
    let v_t = svd.v_t?;
    let values = &svd.singular_values;
    let (low, smallest) = values
        .iter()
        .copied()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    let largest = values.iter().copied().fold(0.0f64, f64::max);
    let loadings: Vec<f64> = v_t.row(low).iter().copied().collect();
    let top = (0..p).max_by(|&a, &b| loadings[a].abs().total_cmp(&loadings[b].abs()))?;
    let unit = loadings[top] * scale[top];
    let direction = (0..p).map(|j| loadings[j] * scale[j] / unit).collect();
    Some(Identification {
        smallest,
        condition: largest / smallest,
        loadings,
        direction,
        correlation: largest_correlation(covariance),
    })
}

/// The pair of estimates with the largest absolute correlation, if the covariance is finite.
fn largest_correlation(c: &DMatrix<f64>) -> Option<(usize, usize, f64)> {
    let p = c.nrows();
    let mut best: Option<(usize, usize, f64)> = None;
    for a in 0..p {
        for b in a + 1..p {
            let r = c[(a, b)] / (c[(a, a)] * c[(b, b)]).sqrt();
            if !r.is_finite() {
                return None;
            }
            if best.is_none_or(|x| r.abs() > x.2.abs()) {
                best = Some((a, b, r));
            }
        }
    }
    best
}

/// The diagnostics of a phase 3 of `problem`, each parameter scaled by its prior's standard
/// deviation.
pub fn of(problem: &Problem, p3: &Phase3) -> Option<Identification> {
    let scale: Vec<f64> = problem.parameters.iter().map(|p| p.prior.sd()).collect();
    identification(&p3.derivative, &p3.sd, &scale, &p3.covariance)
}

/// `smm_identification.csv`: per parameter, its loading on the weakest direction, its entry
/// in the parameters' units, the smallest singular value, the condition number and whether
/// the direction is flagged as not identified (`FLAT`).
pub fn write(dir: &Path, problem: &Problem, ident: &Identification) -> Result<()> {
    let header: Vec<String> = [
        "parameter",
        "loading",
        "direction",
        "smallest_singular_value",
        "condition_number",
        "not_identified",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let named = ident.named();
    let rows: Vec<Vec<String>> = problem
        .keys()
        .into_iter()
        .enumerate()
        .map(|(j, key)| {
            vec![
                key,
                format!("{}", ident.loadings[j]),
                format!("{}", ident.direction[j]),
                format!("{}", ident.smallest),
                format!("{}", ident.condition),
                format!("{}", ident.flagged() && named.contains(&j)),
            ]
        })
        .collect();
    super::outputs::write_rows(&dir.join("smm_identification.csv"), &header, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(p: usize) -> DMatrix<f64> {
        DMatrix::from_element(p, p, f64::NAN)
    }

    #[test]
    fn an_exact_ridge_is_flagged_naming_its_pair() {
        // Moments m1 = a + 2b, m2 = c, m3 = a + 2b + 1e-3 c: a and b trade off 1 to -0.5 exactly
        // (the third row repeats the first but for a touch of c).
        let d = DMatrix::from_row_slice(3, 3, &[1.0, 2.0, 0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 1e-3]);
        let id = identification(&d, &[1.0; 3], &[1.0; 3], &none(3)).unwrap();
        assert!(id.flagged(), "smallest {}", id.smallest);
        assert!(id.smallest < 1e-9);
        let keys: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(id.named(), vec![0, 1]);
        assert!((id.direction[0] - 1.0).abs() < 1e-9, "{:?}", id.direction);
        assert!((id.direction[1] + 0.5).abs() < 1e-9);
        assert!(id.direction[2].abs() < 1e-9);
        let text = id.describe(&keys, &[0.5, 1.5, 2.0]);
        assert!(text.contains("`a` +1.000 with `b` -0.500"), "{text}");
        assert!(text.contains("fix `a` at 0.5000"), "{text}");
    }

    #[test]
    fn the_scales_put_the_ridge_in_the_parameters_units() {
        // The same ridge with b measured in units ten times larger: its direction entry
        // shrinks tenfold, and the scaled problem is the same.
        let d = DMatrix::from_row_slice(2, 2, &[1.0, 20.0, 1.0, 20.0 + 1e-4]);
        let id = identification(&d, &[1.0; 2], &[1.0, 0.1], &none(2)).unwrap();
        assert!(id.flagged());
        let a = id.direction[0] / id.direction[1];
        assert!((a + 20.0).abs() < 1e-3, "{:?}", id.direction);
    }

    #[test]
    fn an_identified_problem_is_not_flagged() {
        let d = DMatrix::from_row_slice(2, 2, &[1.0, 0.3, -0.2, 0.8]);
        let cov = DMatrix::from_row_slice(2, 2, &[1.0, 0.5, 0.5, 4.0]);
        let id = identification(&d, &[2.0, 1.0], &[1.0, 1.0], &cov).unwrap();
        assert!(!id.flagged(), "smallest {}", id.smallest);
        assert!(id.condition < 10.0);
        let (a, b, r) = id.correlation.unwrap();
        assert_eq!((a, b), (0, 1));
        assert!((r - 0.25).abs() < 1e-12);
    }

    #[test]
    fn non_finite_entries_give_no_diagnostics() {
        let d = DMatrix::from_row_slice(2, 2, &[1.0, f64::NAN, 0.0, 1.0]);
        assert!(identification(&d, &[1.0; 2], &[1.0; 2], &none(2)).is_none());
        let d = DMatrix::identity(2, 2);
        assert!(identification(&d, &[0.0, 1.0], &[1.0; 2], &none(2)).is_none());
    }
}
