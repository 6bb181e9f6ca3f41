//! Estimators the experiments share: means with t intervals, paired differences, percentile
//! bootstrap, standardised differences, the area under the ROC curve, least-squares slopes.
//!
//! Every function skips NaN values (a statistic undefined in some replicate) and says how
//! many values it used.

use crate::model::rng::{self, Rng};
pub use crate::stats::interval::{LEVEL, t_p_value, t_quantile};

/// A mean with its Monte Carlo uncertainty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Values used (NaN values left out).
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (n - 1 in the denominator); NaN when n < 2.
    pub sd: f64,
    /// Standard error of the mean, `sd / sqrt(n)`.
    pub se: f64,
    /// Lower end of the 95% t interval of the mean.
    pub lo: f64,
    /// Upper end of the 95% t interval of the mean.
    pub hi: f64,
}

impl Summary {
    /// Width of the interval.
    pub fn width(&self) -> f64 {
        self.hi - self.lo
    }
}

/// Mean, standard deviation, standard error and 95% t interval of the finite values.
///
/// ```
/// use wecare::experiment::estimate::summarise;
/// let s = summarise(&[1.0, 2.0, 3.0, f64::NAN]);
/// assert_eq!((s.n, s.mean, s.sd), (3, 2.0, 1.0));
/// assert!(s.lo < 2.0 && s.hi > 2.0);
/// ```
pub fn summarise(values: &[f64]) -> Summary {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    let n = v.len();
    let mean = if n == 0 {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / n as f64
    };
    let sd = if n < 2 {
        f64::NAN
    } else {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    };
    let se = sd / (n as f64).sqrt();
    let half = if n < 2 {
        f64::NAN
    } else if sd == 0.0 {
        0.0
    } else {
        crate::stats::interval::half_width(se, (n - 1) as f64)
    };
    Summary {
        n,
        mean,
        sd,
        se,
        lo: mean - half,
        hi: mean + half,
    }
}

/// Paired differences `b[k] - a[k]`, over the pairs where both are finite: with common random
/// numbers, replicate k of two designs shares its random streams, so the paired difference
/// removes the noise the two have in common.
pub fn paired_difference(a: &[f64], b: &[f64]) -> Summary {
    let d: Vec<f64> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| y - x)
        .collect();
    summarise(&d)
}

pub use crate::stats::quantile::{quantile_sorted, sorted_finite};

/// Equivalence margin of a "no effect" claim, as a share of the baseline's level
/// (docs/experiments.md, hypothesis H-D4): 2%.
pub const EQUIVALENCE_SHARE: f64 = 0.02;

/// Which way a paired difference goes, by its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// The interval lies above 0.
    Higher,
    /// The interval lies below 0.
    Lower,
    /// The interval covers 0 (no difference beyond Monte Carlo error).
    Covers0,
}

impl Sign {
    /// Reads a difference; `scale` (the baseline's level) sets the rounding tolerance below
    /// which a difference with no spread counts as 0 (sums of the same money in another order).
    pub fn of(d: &Summary, scale: f64) -> Sign {
        let tol = 1e-9 * scale.abs().max(1.0);
        if !(d.lo.is_finite() && d.hi.is_finite()) {
            Sign::Covers0
        } else if d.lo > tol {
            Sign::Higher
        } else if d.hi < -tol {
            Sign::Lower
        } else {
            Sign::Covers0
        }
    }

    /// `higher`, `lower` or `no difference`.
    pub fn label(self) -> &'static str {
        match self {
            Sign::Higher => "higher",
            Sign::Lower => "lower",
            Sign::Covers0 => "no difference",
        }
    }
}

/// A "no effect" claim judged against an equivalence margin `m` (two one-sided tests at 5%,
/// read off the 95% interval, as hypothesis H-D4 states it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Equivalence {
    /// The whole interval lies inside (-m, m): no effect larger than the margin.
    Equivalent,
    /// The whole interval lies outside [-m, m]: an effect larger than the margin.
    NotEquivalent,
    /// The interval crosses a margin: the replicates cannot tell.
    Inconclusive,
}

impl Equivalence {
    /// Judges the paired difference `d` against the margin `m` (> 0; a margin of 0 only
    /// accepts a difference that is exactly 0 in every replicate).
    pub fn of(d: &Summary, m: f64) -> Equivalence {
        if !(d.lo.is_finite() && d.hi.is_finite()) {
            Equivalence::Inconclusive
        } else if (d.lo > -m && d.hi < m) || (d.lo == 0.0 && d.hi == 0.0) {
            Equivalence::Equivalent
        } else if d.lo > m || d.hi < -m {
            Equivalence::NotEquivalent
        } else {
            Equivalence::Inconclusive
        }
    }

    /// `equivalent`, `not equivalent` or `inconclusive`.
    pub fn label(self) -> &'static str {
        match self {
            Equivalence::Equivalent => "equivalent",
            Equivalence::NotEquivalent => "not equivalent",
            Equivalence::Inconclusive => "inconclusive",
        }
    }
}

/// The H-D4 margin of an outcome whose baseline level is `level`: 2% of it.
pub fn equivalence_margin(level: f64) -> f64 {
    EQUIVALENCE_SHARE * level.abs()
}

/// Percentile bootstrap interval (95%) of `stat` over `n` units: `stat` gets, for each of
/// `resamples` resamples, the indices of the units drawn with replacement. Returns (lo, hi).
pub fn bootstrap_interval(
    n: usize,
    resamples: usize,
    seed: u64,
    stat: impl Fn(&[usize]) -> f64,
) -> (f64, f64) {
    if n == 0 || resamples == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mut rng: Rng = rng::stream(seed, 0, 0xB007);
    let mut idx = vec![0usize; n];
    let mut values = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for x in idx.iter_mut() {
            *x = rng::index(&mut rng, n);
        }
        values.push(stat(&idx));
    }
    let s = sorted_finite(&values);
    (
        quantile_sorted(&s, (1.0 - LEVEL) / 2.0),
        quantile_sorted(&s, 0.5 + LEVEL / 2.0),
    )
}

/// Standardised mean difference (Cohen's d) of `on` against `off`: difference of means over
/// the pooled standard deviation; NaN when both are constant.
pub fn standardised_difference(on: &[f64], off: &[f64]) -> f64 {
    let (a, b) = (summarise(on), summarise(off));
    let df = (a.n + b.n) as f64 - 2.0;
    let pooled =
        (((a.n as f64 - 1.0) * a.sd.powi(2) + (b.n as f64 - 1.0) * b.sd.powi(2)) / df).sqrt();
    if pooled > 0.0 {
        (a.mean - b.mean) / pooled
    } else if a.mean == b.mean {
        0.0
    } else {
        f64::NAN
    }
}

/// Area under the ROC curve of a value that tells `on` from `off`: the probability that a
/// random `on` value exceeds a random `off` value, ties counting one half (the Mann-Whitney
/// statistic over `n_on * n_off`). 0.5: no separation; 0 or 1: complete.
///
/// ```
/// use wecare::experiment::estimate::auc;
/// assert_eq!(auc(&[3.0, 4.0], &[1.0, 2.0]), 1.0);
/// assert_eq!(auc(&[1.0, 2.0], &[1.0, 2.0]), 0.5);
/// ```
pub fn auc(on: &[f64], off: &[f64]) -> f64 {
    let a = sorted_finite(on);
    let b = sorted_finite(off);
    if a.is_empty() || b.is_empty() {
        return f64::NAN;
    }
    // For each `on` value: off values below it, plus half of those equal.
    let (mut below, mut upto) = (0usize, 0usize);
    let mut total = 0.0;
    for &x in &a {
        while below < b.len() && b[below] < x {
            below += 1;
        }
        upto = upto.max(below);
        while upto < b.len() && b[upto] <= x {
            upto += 1;
        }
        total += below as f64 + 0.5 * (upto - below) as f64;
    }
    total / (a.len() as f64 * b.len() as f64)
}

/// Power of the two-sided Monte Carlo test at level `alpha`: the share of `on` values that
/// the test rejects when compared with the `off` values (the test an evaluator runs when the
/// observed statistic is set against what the model predicts without the mechanism). A value
/// `x` is rejected when its Monte Carlo p-value `min(1, 2 min(#{off <= x} + 1, #{off >= x} + 1)
/// / (n_off + 1))` is at most `alpha`; ties count against rejection, so the test keeps its
/// level for discrete statistics (counts) too. NaN when the test cannot reject at all: the
/// smallest p-value it can give, `2 / (n_off + 1)`, is above `alpha` (at 5%: fewer than 39
/// finite `off` values).
pub fn monte_carlo_power(on: &[f64], off: &[f64], alpha: f64) -> f64 {
    let b = sorted_finite(off);
    let a: Vec<f64> = on.iter().copied().filter(|x| x.is_finite()).collect();
    let n = b.len() as f64;
    if a.is_empty() || b.is_empty() || 2.0 / (n + 1.0) > alpha {
        return f64::NAN;
    }
    let rejected = a
        .iter()
        .filter(|&&x| {
            let at_most = b.partition_point(|&v| v <= x) as f64;
            let at_least = (b.len() - b.partition_point(|&v| v < x)) as f64;
            let p = (2.0 * (at_most.min(at_least) + 1.0) / (n + 1.0)).min(1.0);
            p <= alpha
        })
        .count();
    rejected as f64 / a.len() as f64
}

/// Least-squares line through the finite points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    /// Points used.
    pub n: usize,
    /// Slope.
    pub slope: f64,
    /// Intercept.
    pub intercept: f64,
    /// Standard error of the slope (NaN with fewer than three points).
    pub slope_se: f64,
    /// Pearson correlation of x and y.
    pub r: f64,
}

/// Ordinary least squares of `y` on `x`.
///
/// ```
/// use wecare::experiment::estimate::least_squares;
/// let l = least_squares(&[0.0, 1.0, 2.0], &[1.0, 3.0, 5.0]);
/// assert!((l.slope - 2.0).abs() < 1e-12 && (l.intercept - 1.0).abs() < 1e-12);
/// ```
pub fn least_squares(x: &[f64], y: &[f64]) -> Line {
    let pts: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .collect();
    let n = pts.len();
    let nan = Line {
        n,
        slope: f64::NAN,
        intercept: f64::NAN,
        slope_se: f64::NAN,
        r: f64::NAN,
    };
    if n < 2 {
        return nan;
    }
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n as f64;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n as f64;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let syy: f64 = pts.iter().map(|p| (p.1 - my).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx == 0.0 {
        return nan;
    }
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let rss: f64 = pts
        .iter()
        .map(|p| (p.1 - intercept - slope * p.0).powi(2))
        .sum();
    let slope_se = if n > 2 {
        (rss / (n - 2) as f64 / sxx).sqrt()
    } else {
        f64::NAN
    };
    let r = if syy > 0.0 {
        sxy / (sxx * syy).sqrt()
    } else {
        f64::NAN
    };
    Line {
        n,
        slope,
        intercept,
        slope_se,
        r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_interval_of_a_known_sample() {
        // Mean 5, sd 2, n 4: half width t(3, 0.975) * 1 = 3.1824.
        let s = summarise(&[3.0, 5.0, 5.0, 7.0]);
        assert!((s.sd - (8.0f64 / 3.0).sqrt()).abs() < 1e-12);
        let half = t_quantile(3.0, 0.975) * s.se;
        assert!((s.hi - s.mean - half).abs() < 1e-12);
        assert!((t_quantile(3.0, 0.975) - 3.182446).abs() < 1e-5);
    }

    #[test]
    fn paired_difference_skips_undefined_pairs() {
        let d = paired_difference(&[1.0, f64::NAN, 3.0], &[2.0, 5.0, 5.0]);
        assert_eq!((d.n, d.mean), (2, 1.5));
    }

    #[test]
    fn auc_counts_ties_as_half_and_power_uses_the_off_range() {
        assert_eq!(auc(&[1.0], &[1.0, 0.0]), 0.75);
        assert_eq!(auc(&[0.0, 0.0], &[1.0, 1.0]), 0.0);
        let off: Vec<f64> = (0..=100).map(|k| k as f64).collect();
        // p-values: -1 and 101: 2/102; 50: 1; 99: 2 * 3/102 = 0.059.
        let on = [-1.0, 50.0, 99.0, 101.0];
        assert_eq!(monte_carlo_power(&on, &off, 0.05), 0.5);
        // A count that never varies without the mechanism: one other value is not enough
        // evidence with 101 values, ties do not reject.
        assert_eq!(monte_carlo_power(&[3.0, 4.0], &[3.0; 101], 0.05), 1.0 / 2.0);
        // Too few values without the mechanism for the test ever to reject: undefined, not 0.
        assert!(monte_carlo_power(&[-1.0], &off[..38], 0.05).is_nan());
        assert_eq!(monte_carlo_power(&[-1.0], &off[..39], 0.05), 1.0);
        // Under the null the test keeps its level.
        let null: Vec<f64> = (0..1000).map(|k| ((k * 7919) % 1000) as f64).collect();
        assert!(
            monte_carlo_power(
                &null,
                &off.iter().map(|x| x * 10.0).collect::<Vec<_>>(),
                0.05
            ) <= 0.06
        );
    }

    #[test]
    fn bootstrap_interval_covers_the_mean_of_a_large_sample() {
        let v: Vec<f64> = (0..400).map(|k| (k % 10) as f64).collect();
        let (lo, hi) = bootstrap_interval(v.len(), 500, 1, |idx| {
            idx.iter().map(|&i| v[i]).sum::<f64>() / idx.len() as f64
        });
        assert!(lo < 4.5 && hi > 4.5 && hi - lo < 1.0, "{lo} {hi}");
    }
}
