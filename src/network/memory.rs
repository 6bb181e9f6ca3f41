//! Dyad memory: the simulation's network store (docs/ODD.md, section 2, "Dyad memory").
//!
//! Every pair ever tied has one [`Dyad`] record, found in O(1) through a hash index. Active and
//! dormant partners are kept in per-organisation adjacency vectors, and the active dyads in one
//! dense list, so each step walks contiguous memory and allocates nothing.

use super::Origin;
use rustc_hash::FxHashMap;

/// Index of a dyad in [`Memory`].
pub type DyadId = u32;

/// Whether a remembered tie is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The tie is active.
    Active,
    /// The tie ended but is remembered and can revive.
    Dormant,
}

/// Memory of one pair of organisations that has ever been tied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dyad {
    /// Smaller organisation index.
    pub a: u32,
    /// Larger organisation index.
    pub b: u32,
    /// Active or dormant.
    pub status: Status,
    /// Trust in [0, 1].
    pub trust: f64,
    /// Origin (see `rules.revived_origin` for revived ties).
    pub origin: Origin,
    /// Step of first formation (negative for ties older than the run).
    pub formed: i32,
    /// Step at which the current (or last) active spell started.
    pub spell_start: i32,
    /// For a dormant tie, the step at which it ended (it was active at the start of that
    /// step); for an active tie, the step its current spell started.
    pub last_active: i32,
    /// Position in the active list while active.
    active_pos: u32,
}

impl Dyad {
    /// The other end of the dyad seen from `i`.
    #[inline]
    pub fn other(&self, i: u32) -> u32 {
        if self.a == i { self.b } else { self.a }
    }
}

#[inline]
fn key(i: u32, j: u32) -> u64 {
    let (a, b) = if i < j { (i, j) } else { (j, i) };
    ((a as u64) << 32) | b as u64
}

/// The dyad memory of one replicate.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    dyads: Vec<Dyad>,
    index: FxHashMap<u64, DyadId>,
    active_adj: Vec<Vec<(u32, DyadId)>>,
    dormant_adj: Vec<Vec<(u32, DyadId)>>,
    active: Vec<DyadId>,
}

impl Memory {
    /// Empty memory for `n` organisations.
    pub fn new(n: usize) -> Self {
        Memory {
            dyads: Vec::new(),
            index: FxHashMap::default(),
            active_adj: vec![Vec::new(); n],
            dormant_adj: vec![Vec::new(); n],
            active: Vec::new(),
        }
    }

    /// Number of organisations.
    pub fn len(&self) -> usize {
        self.active_adj.len()
    }

    /// True when there are no organisations.
    pub fn is_empty(&self) -> bool {
        self.active_adj.is_empty()
    }

    /// The dyad of a pair, if the pair was ever tied.
    #[inline]
    pub fn find(&self, i: u32, j: u32) -> Option<DyadId> {
        self.index.get(&key(i, j)).copied()
    }

    /// One dyad.
    #[inline]
    pub fn dyad(&self, d: DyadId) -> &Dyad {
        &self.dyads[d as usize]
    }

    /// All dyads ever tied.
    pub fn dyads(&self) -> &[Dyad] {
        &self.dyads
    }

    /// Sets every dyad's trust to `f(dyad)` (status and timing stay as they are).
    pub fn update_trust(&mut self, mut f: impl FnMut(&Dyad) -> f64) {
        for d in &mut self.dyads {
            d.trust = f(d);
        }
    }

    /// Active partners of `i` with the dyad ids.
    #[inline]
    pub fn active_partners(&self, i: u32) -> &[(u32, DyadId)] {
        &self.active_adj[i as usize]
    }

    /// Dormant remembered partners of `i` with the dyad ids.
    #[inline]
    pub fn dormant_partners(&self, i: u32) -> &[(u32, DyadId)] {
        &self.dormant_adj[i as usize]
    }

    /// Active degree of `i`.
    #[inline]
    pub fn degree(&self, i: u32) -> usize {
        self.active_adj[i as usize].len()
    }

    /// Ids of the active dyads (order is deterministic but unspecified).
    pub fn active_ids(&self) -> &[DyadId] {
        &self.active
    }

    /// Number of active ties.
    pub fn active_count(&self) -> usize {
        self.active.len()
    }

    /// Records a new pair as a dormant remembered tie. The pair must not be known yet.
    pub fn insert_dormant(&mut self, i: u32, j: u32, trust: f64, origin: Origin, formed: i32) {
        let d = self.push(i, j, trust, origin, formed);
        self.dormant_adj[i as usize].push((j, d));
        self.dormant_adj[j as usize].push((i, d));
    }

    /// Makes pair (i, j) an active tie at `step`: a new dyad with `trust` and `origin` if the
    /// pair was never tied, else the dormant dyad revives (keeping its trust; its origin becomes
    /// `revived_origin` when given). Returns the dyad and whether it was newly created. An
    /// already active pair is left untouched.
    pub fn activate(
        &mut self,
        i: u32,
        j: u32,
        step: i32,
        trust: f64,
        origin: Origin,
        revived_origin: Option<Origin>,
    ) -> (DyadId, bool) {
        debug_assert_ne!(i, j);
        if let Some(d) = self.find(i, j) {
            if self.dyads[d as usize].status == Status::Dormant {
                remove_entry(&mut self.dormant_adj[i as usize], d);
                remove_entry(&mut self.dormant_adj[j as usize], d);
                self.link_active(i, j, d);
                let dy = &mut self.dyads[d as usize];
                dy.status = Status::Active;
                dy.spell_start = step;
                dy.last_active = step;
                if let Some(o) = revived_origin {
                    dy.origin = o;
                }
            }
            (d, false)
        } else {
            let d = self.push(i, j, trust, origin, step);
            self.link_active(i, j, d);
            let dy = &mut self.dyads[d as usize];
            dy.status = Status::Active;
            (d, true)
        }
    }

    /// Inserts a pair as active from the start (baseline tie). The pair must not be known yet.
    pub fn insert_active(&mut self, i: u32, j: u32, trust: f64, origin: Origin, formed: i32) {
        let d = self.push(i, j, trust, origin, formed);
        self.link_active(i, j, d);
        self.dyads[d as usize].status = Status::Active;
    }

    /// Ends an active tie at `step`: it becomes dormant, keeping its trust.
    pub fn deactivate(&mut self, d: DyadId, step: i32) {
        let dy = self.dyads[d as usize];
        debug_assert_eq!(dy.status, Status::Active);
        remove_entry(&mut self.active_adj[dy.a as usize], d);
        remove_entry(&mut self.active_adj[dy.b as usize], d);
        let pos = dy.active_pos as usize;
        self.active.swap_remove(pos);
        if let Some(&moved) = self.active.get(pos) {
            self.dyads[moved as usize].active_pos = pos as u32;
        }
        self.dormant_adj[dy.a as usize].push((dy.b, d));
        self.dormant_adj[dy.b as usize].push((dy.a, d));
        let dy = &mut self.dyads[d as usize];
        dy.status = Status::Dormant;
        dy.last_active = step;
    }

    /// Number of common active partners of `i` and `j`, using `stamp` (one slot per
    /// organisation, all below `mark`) as scratch; `mark` must be fresh for each call.
    pub fn common_partners(&self, i: u32, j: u32, stamp: &mut [u32], mark: u32) -> usize {
        let (small, large) = if self.degree(i) <= self.degree(j) {
            (i, j)
        } else {
            (j, i)
        };
        for &(k, _) in self.active_partners(small) {
            stamp[k as usize] = mark;
        }
        self.active_partners(large)
            .iter()
            .filter(|&&(k, _)| stamp[k as usize] == mark)
            .count()
    }

    fn push(&mut self, i: u32, j: u32, trust: f64, origin: Origin, formed: i32) -> DyadId {
        let d = self.dyads.len() as DyadId;
        let (a, b) = if i < j { (i, j) } else { (j, i) };
        self.dyads.push(Dyad {
            a,
            b,
            status: Status::Dormant,
            trust,
            origin,
            formed,
            spell_start: formed,
            last_active: formed,
            active_pos: u32::MAX,
        });
        let prev = self.index.insert(key(i, j), d);
        debug_assert!(prev.is_none(), "pair inserted twice");
        d
    }

    fn link_active(&mut self, i: u32, j: u32, d: DyadId) {
        self.active_adj[i as usize].push((j, d));
        self.active_adj[j as usize].push((i, d));
        self.dyads[d as usize].active_pos = self.active.len() as u32;
        self.active.push(d);
    }
}

#[inline]
fn remove_entry(list: &mut Vec<(u32, DyadId)>, d: DyadId) {
    // Order matters for reproducibility only through determinism, which `remove` keeps;
    // lists are short (a partner list), so the shift is cheap.
    if let Some(p) = list.iter().position(|&(_, x)| x == d) {
        list.remove(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activate_deactivate_revive() {
        let mut m = Memory::new(4);
        m.insert_active(0, 1, 0.5, Origin::Baseline, -24);
        let (d, new) = m.activate(2, 1, 3, 0.1, Origin::Programme, None);
        assert!(new);
        assert_eq!(m.active_count(), 2);
        assert_eq!(m.degree(1), 2);
        m.deactivate(d, 5);
        assert_eq!(m.active_count(), 1);
        assert_eq!(m.dormant_partners(2), &[(1, d)]);
        let (d2, new2) = m.activate(1, 2, 7, 0.9, Origin::PostProgramme, None);
        assert_eq!((d2, new2), (d, false));
        let dy = m.dyad(d);
        assert_eq!(
            (dy.status, dy.origin, dy.spell_start, dy.formed),
            (Status::Active, Origin::Programme, 7, 3)
        );
        assert!(m.dormant_partners(2).is_empty());
        let mut stamp = vec![0; 4];
        assert_eq!(m.common_partners(0, 2, &mut stamp, 1), 1);
    }

    proptest::proptest! {
        /// Any sequence of activations and deactivations keeps the adjacency vectors, the
        /// active list and the dyad records consistent with each other.
        #[test]
        fn memory_stays_consistent(ops in proptest::collection::vec((0u32..8, 0u32..8, proptest::bool::ANY), 0..200)) {
            let mut m = Memory::new(8);
            for (step, (i, j, on)) in ops.into_iter().enumerate() {
                if i == j {
                    continue;
                }
                match (on, m.find(i, j)) {
                    (true, _) => {
                        m.activate(i, j, step as i32, 0.1, Origin::Programme, None);
                    }
                    (false, Some(d)) if m.dyad(d).status == Status::Active => m.deactivate(d, step as i32),
                    _ => {}
                }
            }
            let mut active = 0;
            for (d, dy) in m.dyads().iter().enumerate() {
                let d = d as DyadId;
                proptest::prop_assert!(dy.a < dy.b);
                proptest::prop_assert_eq!(m.find(dy.b, dy.a), Some(d));
                let (list_a, list_b) = match dy.status {
                    Status::Active => {
                        active += 1;
                        proptest::prop_assert!(m.active_ids().contains(&d));
                        (m.active_partners(dy.a), m.active_partners(dy.b))
                    }
                    Status::Dormant => (m.dormant_partners(dy.a), m.dormant_partners(dy.b)),
                };
                proptest::prop_assert_eq!(list_a.iter().filter(|&&(k, x)| k == dy.b && x == d).count(), 1);
                proptest::prop_assert_eq!(list_b.iter().filter(|&&(k, x)| k == dy.a && x == d).count(), 1);
            }
            proptest::prop_assert_eq!(active, m.active_count());
            let adj: usize = (0..8).map(|i| m.degree(i)).sum();
            proptest::prop_assert_eq!(adj, 2 * active);
        }
    }
}
