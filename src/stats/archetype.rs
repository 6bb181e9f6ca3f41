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
    let a = match g.kinds()[hub] {
        Kind::EnteGestore => Archetype::EnteGestoreCentred,
        Kind::ThirdSector => Archetype::ThirdSectorCentred,
        _ => Archetype::OtherCentred,
    };
    (a, c)
}

/// The partnership graph of each territory (indexed like `territory_names`): the subgraph
/// induced by the territory's active project members, or by all its active organisations when
/// none is a project member. Built in one pass over organisations and ties.
pub fn partnership_graphs(s: &Snapshot) -> Vec<ScopeGraph> {
    let nt = s.nodes.territory_names.len();
    let member = |i: usize| s.project_member.get(i).copied().unwrap_or(false);
    let mut has_members = vec![false; nt];
    for i in 0..s.len() {
        let t = territory_of(s, i) as usize;
        if s.active[i] && t < nt && member(i) {
            has_members[t] = true;
        }
    }
    let group: Vec<u32> = (0..s.len())
        .map(|i| {
            let t = territory_of(s, i);
            match has_members.get(t as usize) {
                Some(&true) if !member(i) => NONE,
                _ => t,
            }
        })
        .collect();
    ScopeGraph::partition(s, &group, nt)
}

/// Archetype and partnership degree centralization of each territory, indexed like
/// `territory_names`.
pub fn territory_partnerships(s: &Snapshot, threshold: f64) -> Vec<(Archetype, f64)> {
    partnership_graphs(s)
        .iter()
        .map(|g| classify(g, threshold))
        .collect()
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
