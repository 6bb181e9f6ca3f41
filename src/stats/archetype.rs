//! Archetype of each territory's partnership (docs/statistics.md).
//!
//! The partnership of a territory is the subgraph induced by its active organisations that have
//! been project members (lead or partner); when it has none, all its active organisations. Its
//! Freeman degree centralization ([`super::shape::degree_centralization`]) at or above the
//! threshold makes it *centred*, named after the kind of its most central organisation (highest
//! degree in the partnership, ties broken by lowest index): `ente_gestore_centred`,
//! `third_sector_centred`, or `other_centred` for any other kind. Below the threshold it is
//! `polycentric`. With fewer than three organisations centralization is undefined (0/0) and
//! the partnership is `undetermined`.

use super::ScopeGraph;
use super::graph::{NONE, territory_of};
use super::observed::Observed;
use super::shape::degree_centralization;
use crate::data::Kind;
use crate::network::Snapshot;

/// Shape of a territory's partnership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Archetype {
    /// Centred on an ente gestore.
    EnteGestoreCentred,
    /// Centred on a third-sector organisation.
    ThirdSectorCentred,
    /// Centred on an organisation of another kind (public, firm, other).
    OtherCentred,
    /// Degree centralization below the threshold.
    Polycentric,
    /// Fewer than three organisations: centralization undefined.
    Undetermined,
}

impl Archetype {
    /// Every archetype, in output order.
    pub const ALL: [Archetype; 5] = [
        Archetype::EnteGestoreCentred,
        Archetype::ThirdSectorCentred,
        Archetype::OtherCentred,
        Archetype::Polycentric,
        Archetype::Undetermined,
    ];

    /// The name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Archetype::EnteGestoreCentred => "ente_gestore_centred",
            Archetype::ThirdSectorCentred => "third_sector_centred",
            Archetype::OtherCentred => "other_centred",
            Archetype::Polycentric => "polycentric",
            Archetype::Undetermined => "undetermined",
        }
    }

    /// Position in [`Archetype::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Classification of one partnership graph: its archetype and degree centralization (NaN when
/// fewer than three organisations).
pub fn classify(g: &ScopeGraph, threshold: f64) -> (Archetype, f64) {
    let c = degree_centralization(g);
    if c.is_nan() {
        return (Archetype::Undetermined, c);
    }
    if c < threshold {
        return (Archetype::Polycentric, c);
    }
    // Highest degree; `max_by_key` keeps the last maximum, so scan for the first.
    let mut hub = 0;
    for i in 1..g.n() {
        if g.degree(i) > g.degree(hub) {
            hub = i;
        }
    }
    (centred_on(g.kinds()[hub]), c)
}

/// The centred archetype named after the kind of the hub.
fn centred_on(kind: Kind) -> Archetype {
    match kind {
        Kind::EnteGestore => Archetype::EnteGestoreCentred,
        Kind::ThirdSector => Archetype::ThirdSectorCentred,
        _ => Archetype::OtherCentred,
    }
}

/// The partnership graph of each territory (indexed like `territory_names`): the subgraph
/// induced by the territory's active project members, or by all its active organisations when
/// none is a project member. Built in one pass over organisations and ties.
pub fn partnership_graphs(s: &Snapshot) -> Vec<ScopeGraph> {
    let nt = s.nodes.territory_names.len();
    ScopeGraph::partition(s, &partnership_groups(s, nt), nt)
}

/// The territory of each organisation's partnership (`NONE` for organisations in none): active
/// organisations of a known territory that are project members, or every active organisation of
/// a territory without an active project member (the groups of [`partnership_graphs`]).
fn partnership_groups(s: &Snapshot, nt: usize) -> Vec<u32> {
    let member = |i: usize| s.project_member.get(i).copied().unwrap_or(false);
    let mut has_members = vec![false; nt];
    for i in 0..s.len() {
        let t = territory_of(s, i) as usize;
        if s.active[i] && t < nt && member(i) {
            has_members[t] = true;
        }
    }
    (0..s.len())
        .map(|i| {
            let t = territory_of(s, i);
            match has_members.get(t as usize) {
                Some(&with_members) if s.active[i] && (member(i) || !with_members) => t,
                _ => NONE,
            }
        })
        .collect()
}

/// Archetype and partnership degree centralization of each territory, indexed like
/// `territory_names`.
///
/// The same as [`classify`] on each of [`partnership_graphs`], without building the graphs: the
/// archetype needs only each member's degree inside its partnership, counted in one pass over
/// the ties (each pair once, as the graphs count it).
pub fn territory_partnerships(s: &Snapshot, threshold: f64) -> Vec<(Archetype, f64)> {
    partnerships_of(s, &Observed::new(s), threshold)
}

/// [`territory_partnerships`] of `s` from its observed form: the passes go over the active
/// organisations and the observed ties only (the organisations in a partnership are active,
/// and so are both ends of the ties counted).
pub(crate) fn partnerships_of(
    s: &Snapshot,
    observed: &Observed,
    threshold: f64,
) -> Vec<(Archetype, f64)> {
    let nt = s.nodes.territory_names.len();
    let active = observed.active();
    let group = active_partnership_groups(s, active, nt);
    // Degrees within a partnership fit in `u32`: the graph's indices are `u32`.
    let mut degree = vec![0u32; s.len()];
    for (a, b) in observed.ties() {
        let (a, b) = (a as usize, b as usize);
        if group[a] != NONE && group[a] == group[b] {
            degree[a] += 1;
            degree[b] += 1;
        }
    }
    // Per partnership: members, largest degree and its first holder (the hub), in index order.
    let mut size = vec![0usize; nt];
    let mut hub = vec![usize::MAX; nt];
    for &i in active {
        let (i, g) = (i as usize, group[i as usize]);
        if g == NONE {
            continue;
        }
        let g = g as usize;
        size[g] += 1;
        if hub[g] == usize::MAX || degree[i] > degree[hub[g]] {
            hub[g] = i;
        }
    }
    let mut shortfall = vec![0usize; nt];
    for &i in active {
        let g = group[i as usize];
        if g != NONE {
            shortfall[g as usize] += (degree[hub[g as usize]] - degree[i as usize]) as usize;
        }
    }
    (0..nt)
        .map(|t| {
            let n = size[t];
            if n < 3 {
                return (Archetype::Undetermined, f64::NAN);
            }
            // As `degree_centralization`: the shortfall over the star's, (n - 1)(n - 2).
            let c = shortfall[t] as f64 / ((n - 1) as f64 * (n - 2) as f64);
            if c < threshold {
                return (Archetype::Polycentric, c);
            }
            let kind = s.nodes.kind.get(hub[t]).copied().unwrap_or(Kind::Other);
            (centred_on(kind), c)
        })
        .collect()
}

/// [`partnership_groups`] from the active organisations `active` (increasing): the same
/// groups, with one pass over the active organisations instead of two over all.
fn active_partnership_groups(s: &Snapshot, active: &[u32], nt: usize) -> Vec<u32> {
    let member = |i: usize| s.project_member.get(i).copied().unwrap_or(false);
    let mut has_members = vec![false; nt];
    for &i in active {
        let t = territory_of(s, i as usize) as usize;
        if t < nt && member(i as usize) {
            has_members[t] = true;
        }
    }
    let mut group = vec![NONE; s.len()];
    for &i in active {
        let t = territory_of(s, i as usize);
        if let Some(&with_members) = has_members.get(t as usize) {
            if member(i as usize) || !with_members {
                group[i as usize] = t;
            }
        }
    }
    group
}

/// Archetype of each territory's partnership, indexed like `territory_names`, with
/// centralization threshold `threshold` (`observation.archetype_threshold`, default 0.5).
///
/// ```
/// # use std::sync::Arc;
/// # use wecare::data::Kind;
/// # use wecare::network::{NodeAttrs, Origin, SnapTie, Snapshot};
/// use wecare::stats::{Archetype, territory_archetypes};
/// # let nodes = Arc::new(NodeAttrs { ids: (0..4).map(|i| i.to_string()).collect(),
/// #     kind: vec![Kind::EnteGestore, Kind::Firm, Kind::Firm, Kind::Firm],
/// #     territory: vec![0; 4], territory_names: vec!["t".into()] });
/// # let tie = |a, b| SnapTie { a, b, trust: 0.5, origin: Origin::Baseline };
/// // A star around an ente gestore.
/// let s = Snapshot::from_ties(nodes, [tie(0, 1), tie(0, 2), tie(0, 3)]);
/// assert_eq!(territory_archetypes(&s, 0.5), vec![Archetype::EnteGestoreCentred]);
/// ```
pub fn territory_archetypes(s: &Snapshot, threshold: f64) -> Vec<Archetype> {
    territory_partnerships(s, threshold)
        .into_iter()
        .map(|(a, _)| a)
        .collect()
}
