//! The read-only graph view every statistic works on.
//!
//! A [`ScopeGraph`] is the observed network of one scope of one wave: a set of active
//! organisations (the whole network, or one territory) and the active ties among them, held in
//! compressed sparse row form with local indices `0..n`. It is built once per wave and scope
//! and shared by every family of statistics, so no statistic rebuilds adjacency.

use crate::data::Kind;
use crate::network::{Origin, SnapTie, Snapshot};
use std::borrow::Cow;

/// A tie of a [`ScopeGraph`], between local indices `a < b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalTie {
    /// Smaller local index.
    pub a: u32,
    /// Larger local index.
    pub b: u32,
    /// Trust in [0, 1].
    pub trust: f64,
    /// Origin of the tie.
    pub origin: Origin,
}

/// An undirected simple graph over the active organisations of one scope, with their kinds and
/// territories, in compressed sparse row form.
///
/// Local index `i` stands for organisation `nodes()[i]` of the snapshot it was built from; local
/// indices keep the snapshot's order, so "lowest index" tie-breaks agree between the two.
/// Self-ties, duplicate ties, ties with an end out of range and ties touching an inactive or
/// out-of-scope organisation are dropped.
///
/// # Example
/// ```
/// use std::sync::Arc;
/// use wecare::data::Kind;
/// use wecare::network::{NodeAttrs, Origin, SnapTie, Snapshot};
/// use wecare::stats::ScopeGraph;
///
/// let nodes = Arc::new(NodeAttrs {
///     ids: vec!["a".into(), "b".into(), "c".into()],
///     kind: vec![Kind::EnteGestore, Kind::ThirdSector, Kind::Firm],
///     territory: vec![0, 0, 0],
///     territory_names: vec!["t".into()],
/// });
/// let tie = |a, b| SnapTie { a, b, trust: 0.5, origin: Origin::Baseline };
/// let s = Snapshot::from_ties(nodes, [tie(0, 1), tie(0, 2)]);
/// let g = ScopeGraph::network(&s);
/// assert_eq!((g.n(), g.m()), (3, 2));
/// assert_eq!(g.neighbors(0), &[1, 2]);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScopeGraph {
    nodes: Vec<u32>,
    kind: Vec<Kind>,
    territory: Vec<u32>,
    offsets: Vec<u32>,
    adj: Vec<u32>,
    adj_trust: Vec<f64>,
    ties: Vec<LocalTie>,
}

/// Sentinel for "not in this scope" in global-to-local maps.
pub(crate) const NONE: u32 = u32::MAX;

impl ScopeGraph {
    /// The whole observed network of a wave: every active organisation and every active tie.
    pub fn network(s: &Snapshot) -> ScopeGraph {
        let members: Vec<u32> = (0..s.len() as u32)
            .filter(|&i| s.active[i as usize])
            .collect();
        ScopeGraph::induced(s, &members)
    }

    /// The subgraph induced by `members` (global indices of the snapshot): those of them that
    /// are active, and the active ties among them. Order and repeats in `members` do not matter.
    pub fn induced(s: &Snapshot, members: &[u32]) -> ScopeGraph {
        let len = s.len();
        let mut members: Vec<u32> = members
            .iter()
            .copied()
            .filter(|&i| (i as usize) < len && s.active[i as usize])
            .collect();
        members.sort_unstable();
        members.dedup();
        ScopeGraph::of_members(s, members)
    }

    /// The whole observed network of a wave from its active organisations `active`
    /// (increasing, each active in `s`): [`ScopeGraph::network`] without the pass that finds
    /// them.
    pub(crate) fn network_of(s: &Snapshot, active: &[u32]) -> ScopeGraph {
        debug_assert!(active.is_sorted_by(|a, b| a < b));
        debug_assert!(active.iter().all(|&i| s.active[i as usize]));
        ScopeGraph::of_members(s, active.to_vec())
    }

    /// The subgraph induced by `members`: increasing global indices of active organisations.
    fn of_members(s: &Snapshot, members: Vec<u32>) -> ScopeGraph {
        let len = s.len();
        let mut local = vec![NONE; len];
        for (l, &g) in members.iter().enumerate() {
            local[g as usize] = l as u32;
        }
        // Sized for every tie at once: a filtered collect would grow the list step by step.
        let mut ties = Vec::with_capacity(s.ties.len());
        ties.extend(
            s.ties
                .iter()
                .filter_map(|t| local_tie(&local, t.a, t.b, t.trust, t.origin)),
        );
        ScopeGraph::from_parts(s, members, ties)
    }

    /// One graph per territory (indexed like `territory_names`): the territory's active
    /// organisations and the active ties among them. Built in one pass over the ties.
    pub fn territories(s: &Snapshot) -> Vec<ScopeGraph> {
        let nt = s.nodes.territory_names.len();
        let group: Vec<u32> = (0..s.len()).map(|i| territory_of(s, i)).collect();
        ScopeGraph::partition(s, &group, nt)
    }

    /// One graph per group: group `g` holds the active organisations `i` with `group[i] == g`
    /// and the active ties among them (ties between groups are dropped). Organisations with a
    /// group `>= groups` (or past the end of `group`) belong to none. One pass over the ties.
    pub fn partition(s: &Snapshot, group: &[u32], groups: usize) -> Vec<ScopeGraph> {
        let len = s.len();
        let group_of = |i: usize| -> Option<usize> {
            let g = *group.get(i)? as usize;
            (g < groups && s.active[i]).then_some(g)
        };
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); groups];
        let mut local = vec![NONE; len];
        for (i, l) in local.iter_mut().enumerate() {
            if let Some(g) = group_of(i) {
                *l = members[g].len() as u32;
                members[g].push(i as u32);
            }
        }
        let mut ties: Vec<Vec<LocalTie>> = vec![Vec::new(); groups];
        for t in &s.ties {
            let (a, b) = (t.a as usize, t.b as usize);
            if a >= len || b >= len {
                continue;
            }
            let (Some(ga), Some(gb)) = (group_of(a), group_of(b)) else {
                continue;
            };
            if ga != gb {
                continue;
            }
            if let Some(lt) = local_tie(&local, t.a, t.b, t.trust, t.origin) {
                ties[ga].push(lt);
            }
        }
        members
            .into_iter()
            .zip(ties)
            .map(|(m, t)| ScopeGraph::from_parts(s, m, t))
            .collect()
    }

    /// Builds the CSR arrays from members (sorted global indices) and local ties.
    fn from_parts(s: &Snapshot, nodes: Vec<u32>, mut ties: Vec<LocalTie>) -> ScopeGraph {
        if !ties.is_sorted_by_key(|t| (t.a, t.b)) {
            ties.sort_by_key(|t| (t.a, t.b));
        }
        ties.dedup_by_key(|t| (t.a, t.b));
        let n = nodes.len();
        let kind = nodes
            .iter()
            .map(|&g| s.nodes.kind.get(g as usize).copied().unwrap_or(Kind::Other))
            .collect();
        let territory = nodes.iter().map(|&g| territory_of(s, g as usize)).collect();
        let mut offsets = vec![0u32; n + 1];
        for t in &ties {
            offsets[t.a as usize + 1] += 1;
            offsets[t.b as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill: Vec<u32> = offsets[..n].to_vec();
        let mut adj = vec![0u32; 2 * ties.len()];
        let mut adj_trust = vec![0f64; 2 * ties.len()];
        for t in &ties {
            let p = fill[t.a as usize] as usize;
            adj[p] = t.b;
            adj_trust[p] = t.trust;
            fill[t.a as usize] += 1;
            let p = fill[t.b as usize] as usize;
            adj[p] = t.a;
            adj_trust[p] = t.trust;
            fill[t.b as usize] += 1;
        }
        ScopeGraph {
            nodes,
            kind,
            territory,
            offsets,
            adj,
            adj_trust,
            ties,
        }
    }

    /// Number of organisations (nodes).
    #[inline]
    pub fn n(&self) -> usize {
        self.nodes.len()
    }

    /// Number of ties (edges).
    #[inline]
    pub fn m(&self) -> usize {
        self.ties.len()
    }

    /// Global (snapshot) index of each local node, increasing.
    #[inline]
    pub fn nodes(&self) -> &[u32] {
        &self.nodes
    }

    /// Kind of each local node.
    #[inline]
    pub fn kinds(&self) -> &[Kind] {
        &self.kind
    }

    /// Territory index of each local node.
    #[inline]
    pub fn territories_of_nodes(&self) -> &[u32] {
        &self.territory
    }

    /// Degree of local node `i`.
    #[inline]
    pub fn degree(&self, i: usize) -> usize {
        (self.offsets[i + 1] - self.offsets[i]) as usize
    }

    /// The compressed sparse row arrays `(offsets, adj)`: the neighbours of local node `i` are
    /// `adj[offsets[i]..offsets[i + 1]]`.
    ///
    /// Invariants, established by the only constructor (`from_parts`) and relied on by the
    /// unchecked loops of betweenness: `offsets.len() == n + 1` (for every graph but the empty
    /// `Default` one, which has no node to look up), `offsets` is non-decreasing
    /// from 0 to `adj.len() == 2 m`, every entry of `adj` is below `n`, and a node's neighbours are
    /// distinct and never the node itself.
    #[inline]
    pub(crate) fn csr(&self) -> (&[u32], &[u32]) {
        (&self.offsets, &self.adj)
    }

    /// Degrees of all local nodes.
    pub fn degrees(&self) -> Vec<usize> {
        (0..self.n()).map(|i| self.degree(i)).collect()
    }

    /// Neighbours of local node `i` (local indices, increasing).
    #[inline]
    pub fn neighbors(&self, i: usize) -> &[u32] {
        &self.adj[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// Trust of the ties of local node `i`, aligned with [`ScopeGraph::neighbors`].
    #[inline]
    pub fn neighbor_trust(&self, i: usize) -> &[f64] {
        &self.adj_trust[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// The ties, local indices, sorted by `(a, b)`.
    #[inline]
    pub fn ties(&self) -> &[LocalTie] {
        &self.ties
    }
}

/// The ties of a snapshot, each pair once with `a <= b`, sorted by `(a, b)`: the snapshot's own
/// list when it already is so (as the model's snapshots are), otherwise a normalised copy.
pub(crate) fn unique_ties(s: &Snapshot) -> Cow<'_, [SnapTie]> {
    if is_normalised(&s.ties) {
        Cow::Borrowed(&s.ties)
    } else {
        let mut t: Vec<SnapTie> = s
            .ties
            .iter()
            .map(|t| SnapTie {
                a: t.a.min(t.b),
                b: t.a.max(t.b),
                ..*t
            })
            .collect();
        t.sort_by_key(|t| (t.a, t.b));
        t.dedup_by_key(|t| (t.a, t.b));
        Cow::Owned(t)
    }
}

/// Whether every tie has `a <= b` and the pairs strictly increase: one pass, each pair as
/// one 64-bit key.
fn is_normalised(ties: &[SnapTie]) -> bool {
    let key = |t: &SnapTie| (u64::from(t.a) << 32) | u64::from(t.b);
    let Some((first, rest)) = ties.split_first() else {
        return true;
    };
    let mut last = key(first);
    if first.a > first.b {
        return false;
    }
    for t in rest {
        let k = key(t);
        if t.a > t.b || k <= last {
            return false;
        }
        last = k;
    }
    true
}

/// Territory index of global organisation `i` (`u32::MAX` when unknown).
#[inline]
pub(crate) fn territory_of(s: &Snapshot, i: usize) -> u32 {
    s.nodes.territory.get(i).copied().unwrap_or(NONE)
}

#[inline]
fn local_tie(local: &[u32], a: u32, b: u32, trust: f64, origin: Origin) -> Option<LocalTie> {
    let la = *local.get(a as usize)?;
    let lb = *local.get(b as usize)?;
    if la == NONE || lb == NONE || la == lb {
        return None;
    }
    Some(LocalTie {
        a: la.min(lb),
        b: la.max(lb),
        trust,
        origin,
    })
}

/// The graph of firms `0..n` of one territory with the ties `edges` (ends taken modulo `n`,
/// self-ties dropped), for tests.
#[cfg(test)]
pub(crate) fn test_graph(n: usize, edges: &[(usize, usize)]) -> ScopeGraph {
    let nodes = std::sync::Arc::new(crate::network::NodeAttrs {
        ids: (0..n).map(|i| i.to_string()).collect(),
        kind: vec![Kind::Firm; n],
        territory: vec![0; n],
        territory_names: vec!["t".into()],
    });
    let ties = edges
        .iter()
        .map(|&(a, b)| (a % n, b % n))
        .filter(|(a, b)| a != b)
        .map(|(a, b)| SnapTie {
            a: a as u32,
            b: b as u32,
            trust: 0.5,
            origin: Origin::Baseline,
        });
    ScopeGraph::network(&Snapshot::from_ties(nodes, ties))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The one-pass check agrees with the two checks it replaced.
        #[test]
        fn normalised_check_equals_sorted_and_oriented(
            pairs in proptest::collection::vec((0u32..6, 0u32..6), 0..8),
        ) {
            let ties: Vec<SnapTie> = pairs
                .iter()
                .map(|&(a, b)| SnapTie { a, b, trust: 0.5, origin: Origin::Baseline })
                .collect();
            let old = ties.is_sorted_by(|x, y| (x.a, x.b) < (y.a, y.b))
                && ties.iter().all(|t| t.a <= t.b);
            prop_assert_eq!(is_normalised(&ties), old);
        }

        /// The network built from the active list of the wave's observed form is the one
        /// built by finding the active organisations.
        #[test]
        fn network_of_the_active_list_equals_the_network(
            n in 1usize..40,
            inactive in proptest::collection::vec(0usize..40, 0..20),
            pairs in proptest::collection::vec((0u32..40, 0u32..40, 0u8..=255), 0..100),
        ) {
            let nodes = std::sync::Arc::new(crate::network::NodeAttrs {
                ids: (0..n).map(|i| i.to_string()).collect(),
                kind: (0..n).map(|i| Kind::ALL[i % Kind::COUNT]).collect(),
                territory: (0..n).map(|i| (i % 3) as u32).collect(),
                territory_names: vec!["a".into(), "b".into(), "c".into()],
            });
            let ties = pairs.iter().map(|&(a, b, t)| SnapTie {
                a: a % n as u32,
                b: b % n as u32,
                trust: f64::from(t) / 255.0,
                origin: Origin::ALL[t as usize % 3],
            });
            let mut s = Snapshot::from_ties(nodes, ties);
            for &i in &inactive {
                if i < n {
                    s.active[i] = false;
                }
            }
            let observed = crate::stats::observed::Observed::new(&s);
            prop_assert_eq!(ScopeGraph::network_of(&s, observed.active()), ScopeGraph::network(&s));
        }
    }
}
