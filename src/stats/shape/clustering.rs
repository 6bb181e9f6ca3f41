//! Triangles, local clustering and global transitivity.

use crate::stats::ScopeGraph;

/// Number of triangles through each node: `t_i` = number of ties among `i`'s neighbours.
/// `O(sum_i d_i^2)` time.
pub fn triangles(g: &ScopeGraph) -> Vec<u64> {
    let n = g.n();
    let mut mark = vec![u32::MAX; n];
    let mut t = vec![0u64; n];
    for (i, ti) in t.iter_mut().enumerate() {
        let nb = g.neighbors(i);
        if nb.len() < 2 {
            continue;
        }
        for &j in nb {
            mark[j as usize] = i as u32;
        }
        let mut c = 0u64;
        for &j in nb {
            for &q in g.neighbors(j as usize) {
                c += (mark[q as usize] == i as u32) as u64;
            }
        }
        *ti = c / 2;
    }
    t
}

/// Local clustering coefficient (Watts & Strogatz 1998) of each node:
/// `C_i = t_i / (d_i (d_i - 1) / 2)`, the share of pairs of `i`'s neighbours that are tied;
/// `C_i = 0` when `d_i < 2`, as networkx's `clustering` (igraph's `transitivity_local_undirected`
/// returns NaN there unless `mode = "zero"`). `tri` is [`triangles`].
pub fn local_clustering(g: &ScopeGraph, tri: &[u64]) -> Vec<f64> {
    (0..g.n())
        .map(|i| {
            let d = g.degree(i) as f64;
            if d < 2.0 {
                0.0
            } else {
                tri[i] as f64 / (d * (d - 1.0) / 2.0)
            }
        })
        .collect()
}

/// Mean local clustering over all nodes, nodes of degree < 2 counting 0: networkx's
/// `average_clustering` (and igraph's `transitivity_avglocal_undirected(mode = "zero")`; its
/// default `mode = "nan"` leaves those nodes out). NaN when `n = 0`.
pub fn mean_local_clustering(g: &ScopeGraph, tri: &[u64]) -> f64 {
    if g.n() == 0 {
        return f64::NAN;
    }
    local_clustering(g, tri).iter().sum::<f64>() / g.n() as f64
}

/// Global transitivity: `3 x triangles / connected triples`
/// `= sum_i t_i / sum_i d_i (d_i - 1) / 2`, the share of two-paths that are closed.
/// NaN when there is no connected triple (no node of degree >= 2), as igraph's
/// `transitivity_undirected`; networkx's `transitivity` returns 0 there. `tri` is
/// [`triangles`].
pub fn transitivity(g: &ScopeGraph, tri: &[u64]) -> f64 {
    let closed: u64 = tri.iter().sum();
    let triples: u64 = (0..g.n())
        .map(|i| {
            let d = g.degree(i) as u64;
            d * d.saturating_sub(1) / 2
        })
        .sum();
    if triples == 0 {
        f64::NAN
    } else {
        closed as f64 / triples as f64
    }
}
