//! Freeman centralization, and the degree centralization of a scope graph.

use crate::stats::ScopeGraph;

/// Freeman (1979) centralization of a node-level index `c`:
/// `sum_i (max_j c_j - c_i) / max_sum`, where `max_sum` is the largest value that sum can take
/// over graphs of the same size (reached by the star). NaN when `max_sum` is not positive or
/// `c` is empty.
pub fn freeman_centralization(c: &[f64], max_sum: f64) -> f64 {
    if c.is_empty() || max_sum.is_nan() || max_sum <= 0.0 {
        return f64::NAN;
    }
    let max = c.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    c.iter().map(|&x| max - x).sum::<f64>() / max_sum
}

/// Freeman degree centralization of an undirected simple graph:
/// `C_D = sum_i (d_max - d_i) / ((n - 1)(n - 2))`, where the denominator is the value of the
/// numerator for the star on `n` nodes, so `C_D` is 1 for a star and 0 for a regular graph.
/// This is igraph's `centralization_degree(normalized = TRUE, loops = FALSE)`. NaN when
/// `n < 3` (0/0).
///
/// ```
/// # use std::sync::Arc;
/// # use wecare::data::Kind;
/// # use wecare::network::{NodeAttrs, Origin, SnapTie, Snapshot};
/// # use wecare::stats::{ScopeGraph, shape::degree_centralization};
/// # let nodes = Arc::new(NodeAttrs { ids: (0..4).map(|i| i.to_string()).collect(),
/// #     kind: vec![Kind::Firm; 4], territory: vec![0; 4], territory_names: vec!["t".into()] });
/// # let tie = |a, b| SnapTie { a, b, trust: 0.5, origin: Origin::Baseline };
/// let star = ScopeGraph::network(&Snapshot::from_ties(nodes, [tie(0, 1), tie(0, 2), tie(0, 3)]));
/// assert_eq!(degree_centralization(&star), 1.0);
/// ```
pub fn degree_centralization(g: &ScopeGraph) -> f64 {
    let n = g.n();
    if n < 3 {
        return f64::NAN;
    }
    let max = (0..n).map(|i| g.degree(i)).max().unwrap_or(0);
    let sum: usize = (0..n).map(|i| max - g.degree(i)).sum();
    sum as f64 / ((n - 1) as f64 * (n - 2) as f64)
}
