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
        constraint: constraint(g),
    }
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
