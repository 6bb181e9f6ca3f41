//! The order of formation's choosers by territory (`rules.formation_order = "territory"`,
//! docs/ODD.md, section 10, item 6d).
//!
//! The organisations that choose in a step come in a random order. Regrouping them territory
//! by territory, the territories in a random order of their own, keeps each territory's
//! organisations in the order they had (a stable counting sort), so within every territory
//! the order is as random as before; what changes is only how the choices of different
//! territories interleave. Organisations are numbered territory by territory, so a
//! territory's records and partner lists lie together, and its choosers, their territory's
//! candidates and their partners' partners are read from the same few lines.

use crate::model::rng::{self, Rng};
use crate::model::world::World;

/// Buffers of the regrouping, kept between steps.
#[derive(Debug, Default, Clone)]
pub struct TerritoryOrder {
    /// Position of each territory in the step's random order of territories.
    rank: Vec<u32>,
    /// First slot of each rank's organisations in the regrouped order.
    start: Vec<u32>,
    /// The regrouped order, before it is copied back.
    grouped: Vec<u32>,
    /// The territories that have choosers, in the regrouped order, each with the slot of its
    /// first chooser: what [`BlockAhead`] loads ahead.
    runs: Vec<(u32, u32)>,
}

impl TerritoryOrder {
    /// Regroups `order` territory by territory (`territory` of each organisation, below
    /// `territories`), territories in a random order drawn from `r`, each territory's
    /// organisations in their order in `order`.
    pub fn regroup(
        &mut self,
        territories: usize,
        territory: impl Fn(u32) -> u32,
        r: &mut Rng,
        order: &mut [u32],
    ) {
        self.rank.clear();
        self.rank.extend(0..territories as u32);
        rng::shuffle(r, &mut self.rank);
        self.start.clear();
        self.start.resize(territories + 1, 0);
        for &i in order.iter() {
            self.start[self.rank[territory(i) as usize] as usize + 1] += 1;
        }
        for k in 1..=territories {
            self.start[k] += self.start[k - 1];
        }
        self.grouped.clear();
        self.grouped.resize(order.len(), 0);
        for &i in order.iter() {
            let slot = &mut self.start[self.rank[territory(i) as usize] as usize];
            self.grouped[*slot as usize] = i;
            *slot += 1;
        }
        order.copy_from_slice(&self.grouped);
        // After the fill, `start[k]` is the end of rank `k`'s run.
        self.runs.clear();
        self.runs.resize(territories, (0, 0));
        for (t, &k) in self.rank.iter().enumerate() {
            let end = self.start[k as usize];
            self.runs[k as usize] = (t as u32, end);
        }
        let mut begin = 0;
        self.runs.retain_mut(|run| {
            let end = run.1;
            run.1 = begin;
            begin = end;
            end > run.1
        });
    }

    /// The territories with choosers in the last regrouped order, each with the slot of its
    /// first chooser, in that order.
    pub fn runs(&self) -> &[(u32, u32)] {
        &self.runs
    }
}

/// How many choosers ahead [`BlockAhead`] loads a territory's records (the distance of
/// formation's own first stage of hints).
const BLOCK_RECORDS: usize = 36;
/// How many choosers ahead [`BlockAhead`] loads a territory's partner lists, whose slab
/// headers the records bring.
const BLOCK_PARTNERS: usize = 24;

/// Loads ahead, territory by territory, what the choosers of a regrouped order will read:
/// when the first chooser of a territory comes within [`BLOCK_RECORDS`] places, the records
/// (with slab headers), capacities and covariates of all the territory's active
/// organisations, which are the candidates of the territory component and most dormant
/// partners and partners' partners; within [`BLOCK_PARTNERS`] places, their partner lists.
/// Hints only: no effect on results.
#[derive(Debug, Default)]
pub struct BlockAhead {
    /// The next run whose records are to be loaded.
    records: usize,
    /// The next run whose partner lists are to be loaded.
    partners: usize,
}

impl BlockAhead {
    /// Issues the loads due when the chooser at slot `n` of the regrouped order is about to
    /// choose.
    #[inline]
    pub fn advance(&mut self, w: &World, order: &TerritoryOrder, n: usize) {
        let runs = order.runs();
        while let Some(&(t, begin)) = runs.get(self.records) {
            if begin as usize > n + BLOCK_RECORDS {
                break;
            }
            for &j in w.active_by_territory.part(t as usize) {
                w.prefetch_candidate(j);
            }
            self.records += 1;
        }
        while let Some(&(t, begin)) = runs.get(self.partners) {
            if begin as usize > n + BLOCK_PARTNERS {
                break;
            }
            for &j in w.active_by_territory.part(t as usize) {
                w.memory.prefetch_partners(j);
            }
            self.partners += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rng::stream;

    /// Organisation `i` lies in territory `i % 7`.
    fn territory(i: u32) -> u32 {
        i % 7
    }

    #[test]
    fn regrouping_is_stable_and_by_territory() {
        let mut t = TerritoryOrder::default();
        let mut r = stream(1, 2, 3);
        let mut order: Vec<u32> = (0..200).collect();
        rng::shuffle(&mut r, &mut order);
        let before = order.clone();
        t.regroup(7, territory, &mut r, &mut order);
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..200).collect::<Vec<_>>(), "a permutation");
        // Each territory's organisations form one run, in their order before.
        let runs: Vec<u32> = order
            .chunk_by(|a, b| territory(*a) == territory(*b))
            .map(|run| territory(run[0]))
            .collect();
        assert_eq!(runs.len(), 7, "one run per territory: {runs:?}");
        for k in 0..7 {
            let was: Vec<u32> = before
                .iter()
                .copied()
                .filter(|&i| territory(i) == k)
                .collect();
            let now: Vec<u32> = order
                .iter()
                .copied()
                .filter(|&i| territory(i) == k)
                .collect();
            assert_eq!(was, now, "territory {k} keeps its order");
        }
    }

    /// The runs name each territory with choosers once, in the regrouped order, at the slot
    /// of its first chooser; territories without choosers have none.
    #[test]
    fn runs_mark_where_each_territory_begins() {
        let mut t = TerritoryOrder::default();
        let mut r = stream(7, 8, 9);
        // Territories 0 to 6 of `i % 7`; organisations of territories 2 and 5 do not choose.
        let mut order: Vec<u32> = (0..100).filter(|i| i % 7 != 2 && i % 7 != 5).collect();
        rng::shuffle(&mut r, &mut order);
        t.regroup(7, territory, &mut r, &mut order);
        let expected: Vec<(u32, u32)> = (0..order.len())
            .filter(|&n| n == 0 || territory(order[n]) != territory(order[n - 1]))
            .map(|n| (territory(order[n]), n as u32))
            .collect();
        assert_eq!(t.runs(), &expected[..]);
        assert_eq!(t.runs().len(), 5, "five territories choose");
    }

    /// Every territory comes first equally often: 7,000 regroupings, each territory first
    /// with probability 1/7, so each count is 1,000 with a binomial sd of about 29; the
    /// tolerance of 150 is five of them.
    #[test]
    fn territories_come_in_a_uniform_order() {
        let mut t = TerritoryOrder::default();
        let mut r = stream(4, 5, 6);
        let mut first = [0u32; 7];
        for _ in 0..7_000 {
            let mut order: Vec<u32> = (0..21).collect();
            t.regroup(7, territory, &mut r, &mut order);
            first[territory(order[0]) as usize] += 1;
        }
        for (k, &n) in first.iter().enumerate() {
            assert!(
                n.abs_diff(1_000) < 150,
                "territory {k} first {n} times of 7,000"
            );
        }
    }
}
