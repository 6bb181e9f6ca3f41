//! Quantiles and the median: the one home of these helpers for the whole crate.

/// The finite values of `values`, sorted.
pub fn sorted_finite(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// The `p`-quantile (`p` clamped to [0, 1]) of sorted values by linear interpolation between
/// order statistics (Hyndman and Fan's type 7, R's and numpy's default): with
/// `h = (n - 1) p`, `x[floor h] + (h - floor h) (x[ceil h] - x[floor h])`, 0-based. NaN for no
/// values.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The median of `x` (NaN when empty): the middle value, or the mean of the two middle values
/// computed as `0.5 (a + b)`.
pub fn median(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_follow_type_seven() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&s, 0.5), 2.5);
        // h = 0.3: 1 + 0.3 (2 - 1); 1e-12 absorbs the rounding of 0.3.
        assert!((quantile_sorted(&s, 0.1) - 1.3).abs() < 1e-12);
        assert_eq!(quantile_sorted(&s, 0.0), 1.0);
        assert_eq!(quantile_sorted(&s, 1.0), 4.0);
        assert_eq!(quantile_sorted(&[7.0], 0.3), 7.0);
        assert!(quantile_sorted(&[], 0.5).is_nan());
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert_eq!(sorted_finite(&[2.0, f64::NAN, 1.0]), [1.0, 2.0]);
    }
}
