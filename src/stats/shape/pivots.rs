//! How betweenness is computed, exact or sampled, and the number of pivots a target error of
//! the sampled centralization takes.

/// How betweenness is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BetweennessMethod {
    /// Brandes (2001): one breadth-first search and one dependency accumulation per source,
    /// `O(n m)` time, exact.
    Exact,
    /// Brandes & Pich (2007) pivot sampling: the dependencies of `pivots` sources drawn
    /// uniformly without replacement (seeded by `seed`) are accumulated and scaled by
    /// `n / pivots`, an unbiased estimate of the exact value in `O(pivots m)` time. With
    /// `pivots >= n` it is exact.
    Sampled {
        /// Number of sources.
        pivots: usize,
        /// Seed of the generator that draws the sources.
        seed: u64,
    },
}

impl BetweennessMethod {
    /// Exact up to `exact_max` organisations, sampled with `pivots` sources above.
    pub fn for_size(n: usize, exact_max: usize, pivots: usize, seed: u64) -> Self {
        if n <= exact_max || pivots >= n {
            BetweennessMethod::Exact
        } else {
            BetweennessMethod::Sampled {
                pivots: pivots.max(1),
                seed,
            }
        }
    }
}

/// Probability, at most, that the error bound behind [`pivots_for_error`] fails for one
/// estimate: the bound holds with probability at least 95%.
pub const BOUND_FAILURE: f64 = 0.05;

/// Largest error of a sampled betweenness centralization on a scope of `n` organisations from
/// `k` pivots that holds with probability at least `1 - failure`, whatever the network
/// (docs/statistics.md, "A bound that holds for every network"): Hoeffding's inequality for
/// each node's normalised estimate, a union bound over the `n` nodes, and twice that for the
/// centralization, `2 (n / (n - 1))^2 sqrt(ln(2 n / failure) / (2 k))`.
pub fn centralization_error_bound(n: usize, k: usize, failure: f64) -> f64 {
    let nf = n as f64;
    let r = nf / (nf - 1.0);
    2.0 * r * r * ((2.0 * nf / failure).ln() / (2.0 * k as f64)).sqrt()
}

/// The fewest pivots whose sampled betweenness centralization on a scope of `n` organisations
/// is within `error` of the exact value with probability at least `1 - failure` by
/// [`centralization_error_bound`]; `n` (every source, that is exact betweenness) when that
/// takes `n` pivots or more, and for `n < 3`. `error` must be positive.
///
/// ```
/// use wecare::stats::shape::{BOUND_FAILURE, centralization_error_bound, pivots_for_error};
/// let k = pivots_for_error(100_000, 0.1, BOUND_FAILURE);
/// assert!(centralization_error_bound(100_000, k, BOUND_FAILURE) <= 0.1);
/// assert!(centralization_error_bound(100_000, k - 1, BOUND_FAILURE) > 0.1);
/// ```
pub fn pivots_for_error(n: usize, error: f64, failure: f64) -> usize {
    if n < 3 {
        return n;
    }
    let nf = n as f64;
    let r = nf / (nf - 1.0);
    let c = 2.0 * r * r / error;
    let k = ((2.0 * nf / failure).ln() / 2.0 * c * c).ceil();
    if k.is_nan() || k >= nf {
        return n;
    }
    // The closed form, corrected for rounding so that `k` is the fewest meeting the bound.
    let mut k = (k as usize).max(1);
    while k < n && centralization_error_bound(n, k, failure) > error {
        k += 1;
    }
    while k > 1 && centralization_error_bound(n, k - 1, failure) <= error {
        k -= 1;
    }
    k
}
