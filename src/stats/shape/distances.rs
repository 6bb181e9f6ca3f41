//! Geodesic (shortest-path length) distributions.

use super::UNSEEN;
use crate::network::Snapshot;
use crate::stats::ScopeGraph;

/// Geodesic (shortest-path length) distribution of a scope graph: element `d` is the number
/// of unordered pairs of distinct nodes at distance `d`, so element 0 is always 0 and the
/// vector ends at the longest finite geodesic (`vec![0]` when no pair is connected). Unreachable pairs are not counted: there are
/// `n (n - 1) / 2 - sum` of them. One breadth-first search per node, `O(n m)`.
pub fn geodesic_counts(g: &ScopeGraph) -> Vec<u64> {
    let n = g.n();
    let mut counts = vec![0u64];
    let mut dist = vec![UNSEEN; n];
    let mut order: Vec<u32> = Vec::with_capacity(n);
    for s in 0..n {
        order.clear();
        dist[s] = 0;
        order.push(s as u32);
        let mut head = 0;
        while head < order.len() {
            let v = order[head] as usize;
            head += 1;
            let dv = dist[v] + 1;
            for &w in g.neighbors(v) {
                let w = w as usize;
                if dist[w] == UNSEEN {
                    dist[w] = dv;
                    order.push(w as u32);
                    if w > s {
                        let d = dv as usize;
                        if d >= counts.len() {
                            counts.resize(d + 1, 0);
                        }
                        counts[d] += 1;
                    }
                }
            }
        }
        for &v in &order {
            dist[v as usize] = UNSEEN;
        }
    }
    counts
}

/// Geodesic distribution of the observed (active) network of a wave: element `d` counts the
/// unordered pairs of active organisations whose shortest path has `d` ties (element 0 is 0;
/// the vector ends at the longest finite geodesic; `vec![0]` when no pair is connected).
/// Unreachable pairs are left out. See [`geodesic_counts`].
///
/// ```
/// # use std::sync::Arc;
/// # use wecare::data::Kind;
/// # use wecare::network::{NodeAttrs, Origin, SnapTie, Snapshot};
/// # let nodes = Arc::new(NodeAttrs { ids: (0..4).map(|i| i.to_string()).collect(),
/// #     kind: vec![Kind::Firm; 4], territory: vec![0; 4], territory_names: vec!["t".into()] });
/// # let tie = |a, b| SnapTie { a, b, trust: 0.5, origin: Origin::Baseline };
/// // A path 0 - 1 - 2 and an isolated node 3.
/// let s = Snapshot::from_ties(nodes, [tie(0, 1), tie(1, 2)]);
/// assert_eq!(wecare::stats::geodesic_distribution(&s), vec![0, 2, 1]);
/// ```
pub fn geodesic_distribution(s: &Snapshot) -> Vec<u64> {
    geodesic_counts(&ScopeGraph::network(s))
}
