//! Change between waves (docs/statistics.md): tie turnover, organisation turnover, tie origins,
//! adoption and post-programme initiatives.
//!
//! A tie belongs to a wave's observed network when both its ends are active in that wave.
//! Scoped versions count, for each group of organisations (a territory), only organisations of
//! the group and ties with both ends in it.

use super::ScopeGraph;
use super::graph::unique_ties;
use crate::data::Kind;
use crate::network::{Origin, SnapTie, Snapshot};

/// Share of ties of each origin ([`Origin::ALL`] order): `|{ties with origin o}| / m`; NaN
/// when there are no ties.
pub fn origin_shares(g: &ScopeGraph) -> [f64; 3] {
    let mut c = [0usize; 3];
    for t in g.ties() {
        c[Origin::ALL.iter().position(|&o| o == t.origin).unwrap_or(0)] += 1;
    }
    let m = g.m() as f64;
    c.map(|x| if g.m() == 0 { f64::NAN } else { x as f64 / m })
}

/// Counts behind the change statistics of one scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeTally {
    /// Ties of the previous wave.
    pub previous_ties: usize,
    /// Ties of the current wave.
    pub current_ties: usize,
    /// Ties present in both waves.
    pub common_ties: usize,
    /// Organisations active at the previous wave.
    pub previous_active: usize,
    /// Organisations active at both waves.
    pub retained: usize,
    /// Organisations active now and not at the previous wave, by kind ([`Kind::index`]).
    pub entrants: [usize; Kind::COUNT],
}

impl ChangeTally {
    /// Jaccard similarity of the two tie sets, `|E_prev ∩ E_cur| / |E_prev ∪ E_cur|`; NaN when
    /// both are empty.
    pub fn jaccard(&self) -> f64 {
        let union = self.previous_ties + self.current_ties - self.common_ties;
        ratio(self.common_ties, union)
    }

    /// Tie persistence, `|E_prev ∩ E_cur| / |E_prev|`, the share of the previous wave's ties
    /// still active; NaN when the previous wave had no tie.
    pub fn persistence(&self) -> f64 {
        ratio(self.common_ties, self.previous_ties)
    }

    /// Organisation retention: share of the organisations active at the previous wave that
    /// are still active; NaN when none was active.
    pub fn retention(&self) -> f64 {
        ratio(self.retained, self.previous_active)
    }

    /// Number of entrants of every kind.
    pub fn entrants_total(&self) -> usize {
        self.entrants.iter().sum()
    }
}

/// `a / b`, NaN when `b = 0`.
#[inline]
pub(crate) fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        f64::NAN
    } else {
        a as f64 / b as f64
    }
}

#[inline]
fn flag(v: &[bool], i: usize) -> bool {
    v.get(i).copied().unwrap_or(false)
}

/// Change tallies for `groups` groups of organisations, in one pass over organisations and one
/// merge of the two sorted tie lists. `group(i)` is the group of organisation `i` (None: in no
/// group); a tie counts for a group when both its ends are in it.
pub fn change_tallies(
    previous: &Snapshot,
    current: &Snapshot,
    groups: usize,
    group: impl Fn(usize) -> Option<usize>,
) -> Vec<ChangeTally> {
    let mut out = vec![ChangeTally::default(); groups];
    let len = previous.len().max(current.len());
    let gr = |i: usize| group(i).filter(|&g| g < groups);
    for i in 0..len {
        let Some(g) = gr(i) else { continue };
        let (was, is) = (flag(&previous.active, i), flag(&current.active, i));
        let t = &mut out[g];
        t.previous_active += was as usize;
        t.retained += (was && is) as usize;
        if is && !was {
            let k = current
                .nodes
                .kind
                .get(i)
                .copied()
                .unwrap_or(Kind::Other)
                .index();
            t.entrants[k] += 1;
        }
    }
    let pt = unique_ties(previous);
    let ct = unique_ties(current);
    // Group of a tie in a snapshot, when it belongs to the observed network and one group.
    let tie_group = |s: &Snapshot, t: &SnapTie| -> Option<usize> {
        let (a, b) = (t.a as usize, t.b as usize);
        if a == b || !flag(&s.active, a) || !flag(&s.active, b) {
            return None;
        }
        let g = gr(a)?;
        (gr(b)? == g).then_some(g)
    };
    let (mut i, mut j) = (0, 0);
    while i < pt.len() || j < ct.len() {
        let kp = pt.get(i).map(|t| (t.a, t.b));
        let kc = ct.get(j).map(|t| (t.a, t.b));
        match (kp, kc) {
            (Some(p), Some(c)) if p == c => {
                let gp = tie_group(previous, &pt[i]);
                let gc = tie_group(current, &ct[j]);
                if let Some(g) = gp {
                    out[g].previous_ties += 1;
                }
                if let Some(g) = gc {
                    out[g].current_ties += 1;
                }
                if let (Some(g), Some(h)) = (gp, gc) {
                    if g == h {
                        out[g].common_ties += 1;
                    }
                }
                i += 1;
                j += 1;
            }
            (Some(p), c) if c.is_none_or(|c| p < c) => {
                if let Some(g) = tie_group(previous, &pt[i]) {
                    out[g].previous_ties += 1;
                }
                i += 1;
            }
            _ => {
                if let Some(g) = tie_group(current, &ct[j]) {
                    out[g].current_ties += 1;
                }
                j += 1;
            }
        }
    }
    out
}

/// Change tally of the whole network between two waves.
///
/// ```
/// # use std::sync::Arc;
/// # use wecare::data::Kind;
/// # use wecare::network::{NodeAttrs, Origin, SnapTie, Snapshot};
/// # let nodes = Arc::new(NodeAttrs { ids: (0..4).map(|i| i.to_string()).collect(),
/// #     kind: vec![Kind::Firm; 4], territory: vec![0; 4], territory_names: vec!["t".into()] });
/// # let tie = |a, b| SnapTie { a, b, trust: 0.5, origin: Origin::Baseline };
/// let w1 = Snapshot::from_ties(nodes.clone(), [tie(0, 1), tie(1, 2)]);
/// let w2 = Snapshot::from_ties(nodes, [tie(1, 2), tie(2, 3)]);
/// let t = wecare::stats::change::network_change(&w1, &w2);
/// assert_eq!(t.jaccard(), 1.0 / 3.0);
/// assert_eq!(t.persistence(), 0.5);
/// ```
pub fn network_change(previous: &Snapshot, current: &Snapshot) -> ChangeTally {
    change_tallies(previous, current, 1, |_| Some(0))[0]
}

/// Counts behind the adoption and initiative shares of one scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UptakeTally {
    /// Active organisations now.
    pub active: usize,
    /// Active organisations that have adopted the practice.
    pub adopted: usize,
    /// Organisations active at the first wave.
    pub first_active: usize,
    /// Of those, organisations that have taken part in a post-programme initiative by now.
    pub initiative: usize,
}

impl UptakeTally {
    /// Adoption share: adopters among active organisations / active organisations; NaN when
    /// none is active.
    pub fn adoption_share(&self) -> f64 {
        ratio(self.adopted, self.active)
    }

    /// Initiative share: organisations active at the first wave that have taken part in at
    /// least one post-programme initiative by the current wave (whether or not still active),
    /// over organisations active at the first wave; NaN when none was.
    pub fn initiative_share(&self) -> f64 {
        ratio(self.initiative, self.first_active)
    }
}

/// Uptake tallies for `groups` groups of organisations (see [`change_tallies`]); `first` is the
/// first wave (when absent, the initiative counts stay 0).
pub fn uptake_tallies(
    current: &Snapshot,
    first: Option<&Snapshot>,
    groups: usize,
    group: impl Fn(usize) -> Option<usize>,
) -> Vec<UptakeTally> {
    let mut out = vec![UptakeTally::default(); groups];
    let len = current.len().max(first.map_or(0, |f| f.len()));
    for i in 0..len {
        let Some(g) = group(i).filter(|&g| g < groups) else {
            continue;
        };
        let t = &mut out[g];
        if flag(&current.active, i) {
            t.active += 1;
            t.adopted += flag(&current.adopted, i) as usize;
        }
        if let Some(f) = first {
            if flag(&f.active, i) {
                t.first_active += 1;
                t.initiative += flag(&current.initiative, i) as usize;
            }
        }
    }
    out
}

/// Counts behind the composition of a scope's new ties: ties of the current wave that were not
/// ties of a reference wave (the previous wave, or the pre-programme network at wave 1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NewTieTally {
    /// New ties: current ties with both ends in the scope that are not reference ties.
    pub new: usize,
    /// New ties touching an organisation of each kind ([`Kind::index`]); a tie between two
    /// kinds counts for both.
    pub touching: [usize; Kind::COUNT],
}

impl NewTieTally {
    /// Share of new ties touching each kind; NaN when there is no new tie.
    pub fn touching_shares(&self) -> [f64; Kind::COUNT] {
        self.touching.map(|c| ratio(c, self.new))
    }
}

/// New-tie tallies for `groups` groups (see [`change_tallies`]): a current tie whose ends are
/// both active and in group `g` is new when the same pair is not a tie, with both ends
/// active, of `reference`.
pub fn new_tie_tallies(
    reference: &Snapshot,
    current: &Snapshot,
    groups: usize,
    group: impl Fn(usize) -> Option<usize>,
) -> Vec<NewTieTally> {
    let mut out = vec![NewTieTally::default(); groups];
    let gr = |i: usize| group(i).filter(|&g| g < groups);
    let rt = unique_ties(reference);
    let observed = |s: &Snapshot, t: &SnapTie| {
        t.a != t.b && flag(&s.active, t.a as usize) && flag(&s.active, t.b as usize)
    };
    // Both lists are sorted by pair: walk the reference along the current ties.
    let mut k = 0;
    for t in unique_ties(current).iter() {
        if !observed(current, t) {
            continue;
        }
        let (Some(g), Some(h)) = (gr(t.a as usize), gr(t.b as usize)) else {
            continue;
        };
        if g != h {
            continue;
        }
        while rt.get(k).is_some_and(|r| (r.a, r.b) < (t.a, t.b)) {
            k += 1;
        }
        let old = rt
            .get(k)
            .is_some_and(|r| (r.a, r.b) == (t.a, t.b) && observed(reference, r));
        if old {
            continue;
        }
        let tally = &mut out[g];
        tally.new += 1;
        let kind = |i: u32| {
            current
                .nodes
                .kind
                .get(i as usize)
                .copied()
                .unwrap_or(Kind::Other)
        };
        let (ka, kb) = (kind(t.a), kind(t.b));
        tally.touching[ka.index()] += 1;
        if kb != ka {
            tally.touching[kb.index()] += 1;
        }
    }
    out
}
