//! The observed network of one wave in the compact form the network-scope comparisons between
//! waves use: its active organisations and its observed ties as sorted 64-bit keys, built once
//! per wave and shared by every comparison the wave takes part in (with the wave before it,
//! the first wave and the pre-programme network).
//!
//! The tallies here are those of [`super::change`]'s general functions with every organisation
//! in one group (the `network` scope), counted from these lists instead of passes over every
//! organisation of the data set and merges of the full tie lists; the property tests below
//! compare them with the general functions.

use super::change::{ChangeTally, NewTieTally, UptakeTally};
use super::graph::unique_ties;
use crate::data::Kind;
use crate::network::Snapshot;

/// The active organisations and observed ties of one wave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Observed {
    /// Global indices of the active organisations, increasing.
    active: Vec<u32>,
    /// The observed ties (both ends active, distinct ends), each pair once as
    /// `(a << 32) | b` with `a < b`, increasing.
    keys: Vec<u64>,
}

impl Observed {
    /// The observed network of `s`.
    pub(crate) fn new(s: &Snapshot) -> Self {
        let active: Vec<u32> = (0..s.len() as u32)
            .filter(|&i| s.active[i as usize])
            .collect();
        let on = |i: u32| flag(&s.active, i as usize);
        let keys = unique_ties(s)
            .iter()
            .filter(|t| t.a != t.b && on(t.a) && on(t.b))
            .map(|t| (u64::from(t.a) << 32) | u64::from(t.b))
            .collect();
        Observed { active, keys }
    }

    /// Global indices of the active organisations, increasing.
    pub(crate) fn active(&self) -> &[u32] {
        &self.active
    }
}

#[inline]
fn flag(v: &[bool], i: usize) -> bool {
    v.get(i).copied().unwrap_or(false)
}

#[inline]
fn kind_index(s: &Snapshot, i: u32) -> usize {
    s.nodes
        .kind
        .get(i as usize)
        .copied()
        .unwrap_or(Kind::Other)
        .index()
}

/// Number of keys in both increasing lists.
fn common(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        n += (x == y) as usize;
        i += (x <= y) as usize;
        j += (y <= x) as usize;
    }
    n
}

/// The change tally of the whole network from `previous` to `current` (with their observed
/// forms): [`super::change::network_change`].
pub(crate) fn change(
    previous: (&Snapshot, &Observed),
    current: (&Snapshot, &Observed),
) -> ChangeTally {
    let ((ps, po), (cs, co)) = (previous, current);
    let mut t = ChangeTally {
        previous_ties: po.keys.len(),
        current_ties: co.keys.len(),
        common_ties: common(&po.keys, &co.keys),
        previous_active: po.active.len(),
        ..ChangeTally::default()
    };
    for &i in &co.active {
        if flag(&ps.active, i as usize) {
            t.retained += 1;
        } else {
            t.entrants[kind_index(cs, i)] += 1;
        }
    }
    t
}

/// The uptake tally of the whole network: [`super::change::uptake_tallies`] with one group.
pub(crate) fn uptake(
    current: (&Snapshot, &Observed),
    first: Option<(&Snapshot, &Observed)>,
) -> UptakeTally {
    let (cs, co) = current;
    let mut t = UptakeTally {
        active: co.active.len(),
        adopted: co
            .active
            .iter()
            .filter(|&&i| flag(&cs.adopted, i as usize))
            .count(),
        ..UptakeTally::default()
    };
    if let Some((_, fo)) = first {
        t.first_active = fo.active.len();
        t.initiative = fo
            .active
            .iter()
            .filter(|&&i| flag(&cs.initiative, i as usize))
            .count();
    }
    t
}

/// The new-tie tally of the whole network against `reference`:
/// [`super::change::new_tie_tallies`] with one group.
pub(crate) fn new_ties(reference: &Observed, current: (&Snapshot, &Observed)) -> NewTieTally {
    let (cs, co) = current;
    let mut t = NewTieTally::default();
    let r = &reference.keys;
    let mut k = 0;
    for &key in &co.keys {
        while k < r.len() && r[k] < key {
            k += 1;
        }
        if k < r.len() && r[k] == key {
            continue;
        }
        t.new += 1;
        let (ka, kb) = (
            kind_index(cs, (key >> 32) as u32),
            kind_index(cs, key as u32),
        );
        t.touching[ka] += 1;
        if kb != ka {
            t.touching[kb] += 1;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{NodeAttrs, Origin, SnapTie};
    use crate::stats::change::{change_tallies, new_tie_tallies, uptake_tallies};
    use proptest::prelude::*;
    use std::sync::Arc;

    /// A snapshot of `n` organisations of varied kinds with the given flags and ties (either
    /// orientation, repeats and self-ties kept, ends possibly out of range), so that the
    /// normalisation and the range checks of the general functions are exercised.
    fn snapshot(
        n: usize,
        flags: &[(bool, bool, bool)],
        ties: &[(u32, u32)],
        sorted: bool,
    ) -> Snapshot {
        let nodes = Arc::new(NodeAttrs {
            ids: (0..n).map(|i| i.to_string()).collect(),
            kind: (0..n).map(|i| Kind::ALL[i % Kind::COUNT]).collect(),
            territory: vec![0; n],
            territory_names: vec!["t".into()],
        });
        let mut ties: Vec<SnapTie> = ties
            .iter()
            .map(|&(a, b)| SnapTie {
                a,
                b,
                trust: 0.5,
                origin: Origin::Baseline,
            })
            .collect();
        if sorted {
            ties.iter_mut().for_each(|t| {
                let (a, b) = (t.a.min(t.b), t.a.max(t.b));
                (t.a, t.b) = (a, b);
            });
            ties.sort_by_key(|t| (t.a, t.b));
            ties.dedup_by_key(|t| (t.a, t.b));
        }
        let flag = |i: usize, f: fn(&(bool, bool, bool)) -> bool| flags.get(i).is_none_or(f);
        Snapshot {
            step: 0,
            nodes,
            active: (0..n).map(|i| flag(i, |f| f.0)).collect(),
            adopted: (0..n).map(|i| flag(i, |f| f.1)).collect(),
            initiative: (0..n).map(|i| flag(i, |f| f.2)).collect(),
            project_member: vec![false; n],
            ties,
        }
    }

    fn wave() -> impl Strategy<Value = Snapshot> {
        (
            1usize..40,
            proptest::collection::vec(any::<(bool, bool, bool)>(), 0..40),
            proptest::collection::vec((0u32..42, 0u32..42), 0..120),
            any::<bool>(),
        )
            .prop_map(|(n, flags, ties, sorted)| snapshot(n, &flags, &ties, sorted))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn network_tallies_equal_the_general_ones(a in wave(), b in wave(), f in wave()) {
            let (oa, ob, of) = (Observed::new(&a), Observed::new(&b), Observed::new(&f));
            let one = |_: usize| Some(0);
            prop_assert_eq!(change((&a, &oa), (&b, &ob)), change_tallies(&a, &b, 1, one)[0]);
            prop_assert_eq!(
                uptake((&b, &ob), Some((&f, &of))),
                uptake_tallies(&b, Some(&f), 1, one)[0]
            );
            prop_assert_eq!(uptake((&b, &ob), None), uptake_tallies(&b, None, 1, one)[0]);
            prop_assert_eq!(new_ties(&oa, (&b, &ob)), new_tie_tallies(&a, &b, 1, one)[0]);
        }
    }
}
