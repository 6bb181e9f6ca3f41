//! Intervals: the one rule by which every 95% interval of an estimate is computed
//! (docs/results.md, "Intervals").
//!
//! An interval is `estimate ± critical(df) * se`. A mean over `n` replicates (or a paired
//! difference over `n` pairs) has `df = n - 1`, and the critical value is Student's t
//! quantile; the difference of two independent means has the Welch-Satterthwaite degrees of
//! freedom ([`welch_df`]); a standard error that comes with no degrees of freedom (an observed
//! target's, an asymptotic one) has `df = ∞`, and the critical value is the normal quantile,
//! 1.959964.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Confidence level of every interval of an estimate.
pub const LEVEL: f64 = 0.95;

/// Quantile `p` of Student's t with `df` degrees of freedom (NaN for df <= 0); the normal
/// quantile for `df = ∞`.
pub fn t_quantile(df: f64, p: f64) -> f64 {
    if df == f64::INFINITY {
        return Normal::new(0.0, 1.0)
            .map(|z| z.inverse_cdf(p))
            .unwrap_or(f64::NAN);
    }
    StudentsT::new(0.0, 1.0, df)
        .map(|t| t.inverse_cdf(p))
        .unwrap_or(f64::NAN)
}

/// Two-sided p-value of a t statistic with `df` degrees of freedom.
pub fn t_p_value(t: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df)
        .map(|d| 2.0 * (1.0 - d.cdf(t.abs())))
        .unwrap_or(f64::NAN)
}

/// The multiplier of the standard error for a [`LEVEL`] interval with `df` degrees of
/// freedom (`f64::INFINITY` for a standard error without them).
pub fn critical(df: f64) -> f64 {
    t_quantile(df, 0.5 + LEVEL / 2.0)
}

/// Half-width of the [`LEVEL`] interval of an estimate with standard error `se` and `df`
/// degrees of freedom: `critical(df) * se`.
pub fn half_width(se: f64, df: f64) -> f64 {
    critical(df) * se
}

/// Welch-Satterthwaite degrees of freedom of the difference of two independent means with
/// standard errors `se_a`, `se_b` over `n_a`, `n_b` values:
/// `(se_a² + se_b²)² / (se_a⁴ / (n_a - 1) + se_b⁴ / (n_b - 1))`. Infinite when both standard
/// errors are 0 (the interval is then 0 wide whatever the quantile).
pub fn welch_df(se_a: f64, n_a: usize, se_b: f64, n_b: usize) -> f64 {
    let (a, b) = (se_a * se_a, se_b * se_b);
    let den = a * a / (n_a as f64 - 1.0) + b * b / (n_b as f64 - 1.0);
    if den == 0.0 {
        f64::INFINITY
    } else {
        (a + b).powi(2) / den
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn critical_values_match_tables() {
        // Student's t 97.5% quantiles from R's qt(0.975, df); the normal one is qnorm(0.975).
        for (df, want) in [
            (1.0, 12.706205),
            (3.0, 3.182446),
            (9.0, 2.262157),
            (99.0, 1.984217),
            (f64::INFINITY, 1.959964),
        ] {
            assert!(
                (critical(df) - want).abs() < 1e-5,
                "df {df}: {}",
                critical(df)
            );
        }
        assert!(critical(0.0).is_nan());
        assert_eq!(half_width(0.0, 4.0), 0.0);
    }

    #[test]
    fn welch_degrees_of_freedom() {
        // Equal standard errors and sizes: 2 (n - 1).
        assert!((welch_df(0.3, 10, 0.3, 10) - 18.0).abs() < 1e-12);
        // One side without spread: the other side's n - 1.
        assert!((welch_df(0.0, 5, 0.2, 8) - 7.0).abs() < 1e-12);
        assert_eq!(welch_df(0.0, 5, 0.0, 8), f64::INFINITY);
    }
}
