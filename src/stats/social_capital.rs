//! Social capital (docs/ODD.md, section 4), measured on the observed network: relational (trust
//! carried by an organisation's ties), bonding (closure around it) and bridging (ties that cross
//! kinds or territories, and Burt's structural holes).
//!
//! Burt's measures are the unweighted ones for undirected graphs, exactly as networkx's
//! `effective_size` and `constraint` with `weight=None` (and igraph's `constraint` with unit
//! weights): every tie has proportional strength `p_ij = 1 / d_i`, trust is not used. Trust
//! enters social capital through the relational measures.

use super::ScopeGraph;
use crate::data::Kind;

/// Mean trust over the ties of a scope graph; NaN when there are no ties.
pub fn mean_trust(g: &ScopeGraph) -> f64 {
    if g.m() == 0 {
        f64::NAN
    } else {
        g.ties().iter().map(|t| t.trust).sum::<f64>() / g.m() as f64
    }
}

/// Relational social capital of each node: its strength `s_i = sum_j trust_ij` over its active
/// ties (0 for an isolate).
pub fn strength(g: &ScopeGraph) -> Vec<f64> {
    (0..g.n())
        .map(|i| g.neighbor_trust(i).iter().sum())
        .collect()
}

/// Burt's (1992) effective size of each node for an undirected unweighted graph, in Borgatti's
/// (1997) simplification that networkx uses: `d_i - 2 t_i / d_i`, with `t_i` the ties among
/// `i`'s neighbours ([`super::shape::triangles`]); the number of contacts minus their
/// average redundancy. NaN for an isolate (as networkx).
pub fn effective_size(g: &ScopeGraph, tri: &[u64]) -> Vec<f64> {
    (0..g.n())
        .map(|i| {
            let d = g.degree(i) as f64;
            if d == 0.0 {
                f64::NAN
            } else {
                d - 2.0 * tri[i] as f64 / d
            }
        })
        .collect()
}

/// Burt's (1992) constraint of each node:
/// `c_i = sum_{j in N(i)} (p_ij + sum_{q in N(i), q != j} p_iq p_qj)^2` with proportional tie
/// strength `p_ij = 1 / d_i` for a tie and 0 otherwise (unweighted undirected graph). As
/// networkx's `constraint(G)` and igraph's `constraint()`. NaN for an isolate. 1 for a
/// pendant node; low values mean many non-redundant contacts (a broker).
pub fn constraint(g: &ScopeGraph) -> Vec<f64> {
    triangles_and_constraint(g).1
}

/// The triangles through each node ([`super::shape::triangles`]) and Burt's [`constraint`],
/// in one pass: both look, for each neighbour `j` of `i`, at `j`'s neighbours that are also
/// `i`'s. The values are those of the two functions, bit for bit (the constraint's sums are
/// taken in the same order).
///
/// The common neighbours of a tie's two ends are the same seen from either end, and both see
/// them in increasing order (the neighbour lists are sorted), so the sum of their inverse
/// degrees (the constraint's indirect term) is the same to the bit: it is computed once per
/// tie, from its smaller end, and stored at the tie's two places of the adjacency list.
pub(crate) fn triangles_and_constraint(g: &ScopeGraph) -> (Vec<u64>, Vec<f64>) {
    let n = g.n();
    let (offsets, adj) = g.csr();
    let mut mark = vec![u32::MAX; n];
    let inv: Vec<f64> = (0..n)
        .map(|i| {
            let d = g.degree(i);
            if d == 0 { 0.0 } else { 1.0 / d as f64 }
        })
        .collect();
    // Two-paths closed through each node (each triangle seen from both other corners).
    let mut closed = vec![0u64; n];
    let mut out = vec![f64::NAN; n];
    // The terms of one `indirect` sum, in neighbour order: room for the largest degree.
    let max_degree = (0..n).map(|i| g.degree(i)).max().unwrap_or(0);
    let mut terms = vec![0.0f64; max_degree];
    // Each tie's indirect sum, at both of its places in `adj`.
    let mut indirect = vec![0.0f64; adj.len()];
    // For each node, the place of its list that receives the next smaller neighbour's sum:
    // the smaller neighbours come first in the list and are visited in increasing order.
    let mut lower: Vec<u32> = offsets[..n].to_vec();
    for i in 0..n {
        let (start, end) = (offsets[i] as usize, offsets[i + 1] as usize);
        if start == end {
            continue;
        }
        for &j in &adj[start..end] {
            mark[j as usize] = i as u32;
        }
        // The places before `lower[i]` hold the ties to smaller neighbours, already summed.
        for p in lower[i] as usize..end {
            let j = adj[p] as usize;
            let (sum, hits) = common_inverse_sum(offsets, adj, &mark, &inv, &mut terms, i, j);
            indirect[p] = sum;
            let q = lower[j] as usize;
            debug_assert_eq!(adj[q] as usize, i);
            indirect[q] = sum;
            lower[j] += 1;
            closed[i] += hits;
            closed[j] += hits;
        }
        let pi = inv[i];
        let mut c = 0.0;
        for &s in &indirect[start..end] {
            let x = pi * (1.0 + s);
            c += x * x;
        }
        out[i] = c;
    }
    // Each tie among the neighbours was seen from both of its ends.
    let tri = closed.into_iter().map(|c| c / 2).collect();
    (tri, out)
}

/// The sum, in increasing order, of `inv[q]` over the common neighbours `q` of `i` and `j`
/// (`mark[q] == i` exactly for `i`'s neighbours), and how many there are. `terms` has room for
/// `j`'s degree.
#[inline(always)]
fn common_inverse_sum(
    offsets: &[u32],
    adj: &[u32],
    mark: &[u32],
    inv: &[f64],
    terms: &mut [f64],
    i: usize,
    j: usize,
) -> (f64, u64) {
    // Whether a neighbour `q` of `j` is also `i`'s follows no pattern, so it is not branched
    // on: each `q`'s term is written at the next free place and the place kept only when `q`
    // closes a triangle. The kept terms are then summed in the order the branch would have
    // added them.
    let mut hits = 0usize;
    // SAFETY: by the invariants of `ScopeGraph::csr`, `j < n`, so `offsets[j]` and
    // `offsets[j + 1]` exist and bound a range of `adj`, and every neighbour `q` is below `n`,
    // the length of `mark` and `inv`. `hits` counts some of the `q` seen before the present
    // one, so it stays below `j`'s degree and `terms.len()`.
    unsafe {
        let (a, b) = (
            *offsets.get_unchecked(j) as usize,
            *offsets.get_unchecked(j + 1) as usize,
        );
        for &q in adj.get_unchecked(a..b) {
            *terms.get_unchecked_mut(hits) = *inv.get_unchecked(q as usize);
            hits = hits.unchecked_add(usize::from(*mark.get_unchecked(q as usize) == i as u32));
        }
    }
    let mut sum = 0.0;
    for &t in &terms[..hits] {
        sum += t;
    }
    (sum, hits as u64)
}

/// Node-level social capital of every node of a scope graph.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSocialCapital {
    /// Relational: sum of trust over the node's ties ([`strength`]); 0 for an isolate.
    pub strength: Vec<f64>,
    /// Relational: mean trust over the node's ties, `s_i / d_i`; NaN for an isolate.
    pub mean_trust: Vec<f64>,
    /// The social capital index of the model's equations, `ln(1 + s_i)`.
    pub index: Vec<f64>,
    /// Bonding: local clustering coefficient (0 when the degree is below 2).
    pub bonding: Vec<f64>,
    /// Bridging: share of the node's ties to organisations of another kind; NaN for an isolate.
    pub bridging_kind: Vec<f64>,
    /// Bridging: share of the node's ties to organisations of another territory; NaN for an
    /// isolate (and 0 for every other node inside a territory scope).
    pub bridging_territory: Vec<f64>,
    /// Bridging: Burt's effective size ([`effective_size`]); NaN for an isolate.
    pub effective_size: Vec<f64>,
    /// Bridging (inverse): Burt's constraint ([`constraint`]); NaN for an isolate.
    pub constraint: Vec<f64>,
}

/// Every node-level social capital measure. `tri` is [`super::shape::triangles`] and
/// `clustering` is [`super::shape::local_clustering`] of the same graph.
pub fn node_social_capital(g: &ScopeGraph, tri: &[u64], clustering: &[f64]) -> NodeSocialCapital {
    let n = g.n();
    let constraint = constraint(g);
    let mut m: [Vec<f64>; MEASURES] = std::array::from_fn(|_| Vec::with_capacity(n));
    for i in 0..n {
        for (v, x) in m
            .iter_mut()
            .zip(node_measures(g, i, tri, clustering, &constraint))
        {
            v.push(x);
        }
    }
    let [
        strength,
        mean_trust,
        index,
        bonding,
        bridging_kind,
        bridging_territory,
        effective_size,
        constraint,
    ] = m;
    NodeSocialCapital {
        strength,
        mean_trust,
        index,
        bonding,
        bridging_kind,
        bridging_territory,
        effective_size,
        constraint,
    }
}

/// Number of node-level measures of [`NodeSocialCapital`].
pub(crate) const MEASURES: usize = 8;

/// The node-level measures of node `i`, in the order of [`NodeSocialCapital`]'s fields.
/// `tri`, `clustering` and `constraint` are those of every node of `g`.
///
/// One pass over the node's ties gives its strength (the trusts added in neighbour order from
/// `-0.0`, as `Iterator::sum` adds them) and its ties to other kinds and other territories.
#[inline(always)]
fn node_measures(
    g: &ScopeGraph,
    i: usize,
    tri: &[u64],
    clustering: &[f64],
    constraint: &[f64],
) -> [f64; MEASURES] {
    let nb = g.neighbors(i);
    let trust = g.neighbor_trust(i);
    let (kind, terr) = (g.kinds(), g.territories_of_nodes());
    let (ki, ti) = (kind[i], terr[i]);
    let mut strength = -0.0;
    let (mut ok, mut ot) = (0u32, 0u32);
    for (&j, &x) in nb.iter().zip(trust) {
        strength += x;
        ok += u32::from(kind[j as usize] != ki);
        ot += u32::from(terr[j as usize] != ti);
    }
    if nb.is_empty() {
        let nan = f64::NAN;
        // `ln_1p` of a zero is that zero, sign included: no need to call it.
        return [
            strength,
            nan,
            strength,
            clustering[i],
            nan,
            nan,
            nan,
            constraint[i],
        ];
    }
    let index = strength.ln_1p();
    let d = nb.len() as f64;
    [
        strength,
        strength / d,
        index,
        clustering[i],
        ok as f64 / d,
        ot as f64 / d,
        // Effective size, as [`effective_size`].
        d - 2.0 * tri[i] as f64 / d,
        constraint[i],
    ]
}

/// [`mean_by_kind`] of every field of [`node_social_capital`], in field order, in one pass
/// over the nodes without storing the measures; `constraint` is [`constraint`] of `g`.
pub(crate) fn social_capital_means(
    g: &ScopeGraph,
    tri: &[u64],
    clustering: &[f64],
    constraint: &[f64],
) -> [(f64, [f64; Kind::COUNT]); MEASURES] {
    let mut sum = [[0.0; Kind::COUNT]; MEASURES];
    let mut cnt = [[0usize; Kind::COUNT]; MEASURES];
    for (i, &k) in g.kinds().iter().enumerate() {
        let m = node_measures(g, i, tri, clustering, constraint);
        for ((s, c), v) in sum.iter_mut().zip(&mut cnt).zip(m) {
            if !v.is_nan() {
                s[k.index()] += v;
                c[k.index()] += 1;
            }
        }
    }
    std::array::from_fn(|x| means(&sum[x], &cnt[x]))
}

/// Mean of a node-level measure over all nodes and over the nodes of each kind, leaving out
/// nodes where the measure is undefined (NaN). Returns `(overall, by kind)`; a mean over no
/// node is NaN.
pub fn mean_by_kind(g: &ScopeGraph, values: &[f64]) -> (f64, [f64; Kind::COUNT]) {
    let mut sum = [0.0; Kind::COUNT];
    let mut cnt = [0usize; Kind::COUNT];
    for (&k, &v) in g.kinds().iter().zip(values) {
        if !v.is_nan() {
            sum[k.index()] += v;
            cnt[k.index()] += 1;
        }
    }
    means(&sum, &cnt)
}

/// The overall and per-kind means from per-kind sums and counts (see [`mean_by_kind`]).
fn means(sum: &[f64; Kind::COUNT], cnt: &[usize; Kind::COUNT]) -> (f64, [f64; Kind::COUNT]) {
    let total: usize = cnt.iter().sum();
    let overall = if total == 0 {
        f64::NAN
    } else {
        sum.iter().sum::<f64>() / total as f64
    };
    let by_kind = std::array::from_fn(|k| {
        if cnt[k] == 0 {
            f64::NAN
        } else {
            sum[k] / cnt[k] as f64
        }
    });
    (overall, by_kind)
}

#[cfg(test)]
mod tests {
    //! The one-pass triangles and constraint against the separate functions they replaced
    //! (the constraint kept here verbatim as the reference): equal bit for bit.
    use super::*;
    use crate::data::Kind;
    use crate::network::{NodeAttrs, Origin, SnapTie, Snapshot};
    use crate::stats::graph::test_graph as graph;
    use proptest::prelude::*;
    use std::sync::Arc;

    fn old_constraint(g: &ScopeGraph) -> Vec<f64> {
        let n = g.n();
        let mut mark = vec![u32::MAX; n];
        let inv: Vec<f64> = (0..n)
            .map(|i| {
                let d = g.degree(i);
                if d == 0 { 0.0 } else { 1.0 / d as f64 }
            })
            .collect();
        let mut out = vec![f64::NAN; n];
        for i in 0..n {
            let nb = g.neighbors(i);
            if nb.is_empty() {
                continue;
            }
            for &j in nb {
                mark[j as usize] = i as u32;
            }
            let pi = inv[i];
            let mut c = 0.0;
            for &j in nb {
                let mut indirect = 0.0;
                for &q in g.neighbors(j as usize) {
                    if mark[q as usize] == i as u32 {
                        indirect += inv[q as usize];
                    }
                }
                let x = pi * (1.0 + indirect);
                c += x * x;
            }
            out[i] = c;
        }
        out
    }

    /// The node-level measures as computed before the one-pass form, kept as the reference.
    fn old_node_social_capital(
        g: &ScopeGraph,
        tri: &[u64],
        clustering: &[f64],
    ) -> NodeSocialCapital {
        let n = g.n();
        let strength = strength(g);
        let kind = g.kinds();
        let terr = g.territories_of_nodes();
        let mut mean_trust = vec![f64::NAN; n];
        let mut bridging_kind = vec![f64::NAN; n];
        let mut bridging_territory = vec![f64::NAN; n];
        for i in 0..n {
            let nb = g.neighbors(i);
            if nb.is_empty() {
                continue;
            }
            let d = nb.len() as f64;
            mean_trust[i] = strength[i] / d;
            let ok = nb.iter().filter(|&&j| kind[j as usize] != kind[i]).count();
            let ot = nb.iter().filter(|&&j| terr[j as usize] != terr[i]).count();
            bridging_kind[i] = ok as f64 / d;
            bridging_territory[i] = ot as f64 / d;
        }
        NodeSocialCapital {
            index: strength.iter().map(|s| s.ln_1p()).collect(),
            strength,
            mean_trust,
            bonding: clustering.to_vec(),
            bridging_kind,
            bridging_territory,
            effective_size: effective_size(g, tri),
            constraint: old_constraint(g),
        }
    }

    /// A graph with varied kinds, territories and trust, for the measures that read them.
    fn varied_graph(n: usize, edges: &[(usize, usize, u8)]) -> ScopeGraph {
        let nodes = Arc::new(NodeAttrs {
            ids: (0..n).map(|i| i.to_string()).collect(),
            kind: (0..n).map(|i| Kind::ALL[i * 7 % Kind::COUNT]).collect(),
            territory: (0..n).map(|i| (i % 3) as u32).collect(),
            territory_names: vec!["a".into(), "b".into(), "c".into()],
        });
        let ties = edges
            .iter()
            .map(|&(a, b, t)| (a % n, b % n, t))
            .filter(|(a, b, _)| a != b)
            .map(|(a, b, t)| SnapTie {
                a: a as u32,
                b: b as u32,
                trust: f64::from(t) / 255.0,
                origin: Origin::Baseline,
            });
        ScopeGraph::network(&Snapshot::from_ties(nodes, ties))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn one_pass_measures_and_means_equal_the_previous_ones(
            n in 1usize..50,
            edges in proptest::collection::vec((0usize..50, 0usize..50, 0u8..=255), 0..150),
        ) {
            let g = varied_graph(n, &edges);
            let tri = crate::stats::shape::triangles(&g);
            let clustering = crate::stats::shape::local_clustering(&g, &tri);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
            let new = node_social_capital(&g, &tri, &clustering);
            let old = old_node_social_capital(&g, &tri, &clustering);
            let fields = |s: &NodeSocialCapital| {
                [&s.strength, &s.mean_trust, &s.index, &s.bonding, &s.bridging_kind,
                 &s.bridging_territory, &s.effective_size, &s.constraint]
                    .map(|v| bits(v))
            };
            prop_assert_eq!(fields(&new), fields(&old));
            let means = social_capital_means(&g, &tri, &clustering, &constraint(&g));
            for (field, (all, by_kind)) in fields(&old).iter().zip(means) {
                let values: Vec<f64> = field.iter().map(|&b| f64::from_bits(b)).collect();
                let (a, k) = mean_by_kind(&g, &values);
                prop_assert_eq!(all.to_bits(), a.to_bits());
                prop_assert_eq!(bits(&by_kind), bits(&k));
            }
        }

        #[test]
        fn one_pass_equals_triangles_and_the_previous_constraint(
            n in 1usize..60,
            edges in proptest::collection::vec((0usize..60, 0usize..60), 0..200),
        ) {
            let g = graph(n, &edges);
            let (tri, c) = triangles_and_constraint(&g);
            prop_assert_eq!(tri, crate::stats::shape::triangles(&g));
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
            prop_assert_eq!(bits(&c), bits(&old_constraint(&g)));
        }
    }
}
