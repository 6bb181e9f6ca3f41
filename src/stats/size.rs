//! Size statistics: organisations by kind, ties, density, mean degree, degree distribution.

use super::ScopeGraph;
use crate::data::Kind;
use crate::network::Snapshot;

/// Number of active organisations of each kind, indexed by [`Kind::index`].
pub fn organisations_by_kind(g: &ScopeGraph) -> [usize; Kind::COUNT] {
    let mut c = [0; Kind::COUNT];
    for &k in g.kinds() {
        c[k.index()] += 1;
    }
    c
}

/// Density of an undirected simple graph: `m / (n (n - 1) / 2)`, the share of possible ties
/// present.
///
/// Returns 0 when `n < 2` (no possible tie), as networkx's `density` does; igraph returns NaN
/// there.
///
/// ```
/// # use std::sync::Arc;
/// # use wecare::data::Kind;
/// # use wecare::network::{NodeAttrs, Origin, SnapTie, Snapshot};
/// # use wecare::stats::{ScopeGraph, size::density};
/// # let nodes = Arc::new(NodeAttrs { ids: vec!["a".into(), "b".into(), "c".into()],
/// #     kind: vec![Kind::Firm; 3], territory: vec![0; 3], territory_names: vec!["t".into()] });
/// # let tie = |a, b| SnapTie { a, b, trust: 0.5, origin: Origin::Baseline };
/// let g = ScopeGraph::network(&Snapshot::from_ties(nodes, [tie(0, 1)]));
/// assert!((density(&g) - 1.0 / 3.0).abs() < 1e-12);
/// ```
pub fn density(g: &ScopeGraph) -> f64 {
    let n = g.n() as f64;
    let pairs = n * (n - 1.0) / 2.0;
    if pairs > 0.0 {
        g.m() as f64 / pairs
    } else {
        0.0
    }
}

/// Mean degree `2m / n`; NaN when `n = 0` (mean over no organisations).
pub fn mean_degree(g: &ScopeGraph) -> f64 {
    if g.n() == 0 {
        f64::NAN
    } else {
        2.0 * g.m() as f64 / g.n() as f64
    }
}

/// Degree histogram of a scope graph: element `d` is the number of organisations with degree
/// `d`; the vector ends at the maximum degree (empty when there are no organisations).
pub fn degree_histogram(g: &ScopeGraph) -> Vec<u64> {
    let mut h: Vec<u64> = Vec::new();
    for i in 0..g.n() {
        let d = g.degree(i);
        if d >= h.len() {
            h.resize(d + 1, 0);
        }
        h[d] += 1;
    }
    h
}

/// Degree distribution of the observed (active) network of a wave: element `d` is the number
/// of active organisations with exactly `d` active ties, as networkx's `degree_histogram`. The
/// vector ends at the maximum degree; it is empty when no organisation is active.
///
/// ```
/// # use std::sync::Arc;
/// # use wecare::data::Kind;
/// # use wecare::network::{NodeAttrs, Origin, SnapTie, Snapshot};
/// # let nodes = Arc::new(NodeAttrs { ids: vec!["a".into(), "b".into(), "c".into()],
/// #     kind: vec![Kind::Firm; 3], territory: vec![0; 3], territory_names: vec!["t".into()] });
/// # let tie = |a, b| SnapTie { a, b, trust: 0.5, origin: Origin::Baseline };
/// let s = Snapshot::from_ties(nodes, [tie(0, 1), tie(0, 2)]);
/// assert_eq!(wecare::stats::degree_distribution(&s), vec![0, 2, 1]);
/// ```
pub fn degree_distribution(s: &Snapshot) -> Vec<u64> {
    degree_histogram(&ScopeGraph::network(s))
}
