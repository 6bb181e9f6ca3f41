//! The per-organisation state the trials read, one 32-byte record per organisation with the
//! header of its partner slab, and the open projects each organisation belongs to.
//!
//! A formation trial reads, of the candidate it has just drawn at random, whether it is active,
//! its kind, territory, whether it adopted, its open projects and its partners; a dissolution
//! trial the kinds and open projects of its tie's ends and, for the closure effects, their
//! partners. Kept in as many parallel arrays, these were as many cache misses (and, at a
//! million organisations, as many page-table walks); packed in one aligned 32-byte record
//! (16 bytes of state, 16 of the slab header that [`crate::network::Memory`] keeps here) they
//! are one, and the records of a million organisations take 32 MB. The capacity and the
//! covariate, static and read only of a formation candidate, stay in arrays of their own, so
//! the records stay small for the processes that do not read them. Almost every
//! organisation is in at most one open project, so the record holds the first project and the
//! count: the question asked on every tie and every formation trial ("do `i` and `j` share an
//! open project?") reads two records and no heap list. The rare further memberships live in a
//! small side table.

use super::org_flags::OrgFlags;
use crate::data::Kind;
use crate::huge_pages::HugeVec;
use crate::network::{Slab, SlabHeaders};
use rustc_hash::FxHashMap;

const NONE: u32 = u32::MAX;

/// What the trials read of one organisation, in a quarter of a cache line (the alignment keeps
/// a record from straddling two lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, align(16))]
pub struct OrgState {
    /// Territory index (static).
    pub territory: u32,
    /// First open project (`u32::MAX` when none).
    open_first: u32,
    /// Number of open projects.
    open_count: u32,
    /// Kind (static).
    pub kind: Kind,
    /// Taking part in the field now.
    pub active: bool,
    /// Has adopted the innovative practice.
    pub adopted: bool,
}

impl OrgState {
    /// An organisation in no open project, with the given static attributes and flags.
    pub fn new(kind: Kind, territory: u32, active: bool) -> Self {
        OrgState {
            territory,
            open_first: NONE,
            open_count: 0,
            kind,
            active,
            adopted: false,
        }
    }
}

impl Default for OrgState {
    fn default() -> Self {
        OrgState::new(Kind::Other, 0, false)
    }
}

/// One organisation's state and the header of its partner slab, in half a cache line (the
/// alignment keeps a record from straddling two lines).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C, align(32))]
struct Record {
    state: OrgState,
    slab: Slab,
}

// Half a cache line, so that one line holds two records whole.
const _: () = assert!(std::mem::size_of::<Record>() == 32);

/// The records of every organisation and their open-project memberships; the slab headers of
/// the dyad memory live in the same records ([`SlabHeaders`]).
#[derive(Debug, Default, PartialEq)]
pub struct Orgs {
    state: HugeVec<Record>,
    /// Open projects after the first, for organisations in more than one.
    rest: FxHashMap<u32, Vec<u32>>,
    /// Open-project memberships over all organisations (0: no two organisations share one).
    members: usize,
    /// Kind, activity, adoption and open-project membership, a byte per organisation, kept in
    /// step with the records.
    flags: OrgFlags,
}

clone_reusing!(Orgs {
    state,
    rest,
    members,
    flags
});

impl Orgs {
    /// `n` organisations with default records in no open project (for tests).
    pub fn new(n: usize) -> Self {
        Orgs::from_states(vec![OrgState::default(); n])
    }

    /// Organisations with the given records (their open-project fields are reset) and empty
    /// slab headers.
    pub fn from_states(state: Vec<OrgState>) -> Self {
        let flags = OrgFlags::new(state.iter().map(|s| (s.kind, s.active)));
        let state = state
            .into_iter()
            .map(|mut s| {
                s.open_first = NONE;
                s.open_count = 0;
                Record {
                    state: s,
                    slab: Slab::default(),
                }
            })
            .collect();
        Orgs {
            state,
            rest: FxHashMap::default(),
            members: 0,
            flags,
        }
    }

    /// Number of organisations.
    #[inline]
    pub fn len(&self) -> usize {
        self.state.len()
    }

    /// True when there are no organisations.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.state.is_empty()
    }

    /// The record of organisation `i`.
    #[inline(always)]
    pub fn get(&self, i: u32) -> &OrgState {
        &self.state[i as usize].state
    }

    #[inline(always)]
    fn get_mut(&mut self, i: u32) -> &mut OrgState {
        &mut self.state[i as usize].state
    }

    /// Sets whether `i` takes part in the field.
    #[inline]
    pub fn set_active(&mut self, i: u32, on: bool) {
        self.get_mut(i).active = on;
        self.flags.set_active(i, on);
    }

    /// Records that `i` adopted.
    #[inline]
    pub fn set_adopted(&mut self, i: u32) {
        self.get_mut(i).adopted = true;
        self.flags.set_adopted(i);
    }

    /// The flag bytes of every organisation: kind, activity, adoption and whether in an open
    /// project, without reading the records.
    #[inline(always)]
    pub fn flags(&self) -> &OrgFlags {
        &self.flags
    }

    /// Every record, in organisation order.
    pub fn states(&self) -> impl ExactSizeIterator<Item = &OrgState> {
        self.state.iter().map(|r| &r.state)
    }

    /// Number of open projects `i` belongs to.
    #[inline]
    pub fn count(&self, i: u32) -> usize {
        self.get(i).open_count as usize
    }

    /// Is any organisation in an open project? When not, no two share one.
    #[inline]
    pub fn any_open(&self) -> bool {
        self.members > 0
    }

    /// The first open project of `i` (meaningless when it has none) and the number of its
    /// open projects.
    #[inline(always)]
    pub fn head(&self, i: u32) -> (u32, usize) {
        let s = self.get(i);
        (s.open_first, s.open_count as usize)
    }

    /// Hints the processor to load the record of organisation `i`, its slab header included
    /// (no effect on results).
    #[inline(always)]
    pub fn prefetch(&self, i: usize) {
        crate::network::prefetch(&self.state, i);
    }

    /// Is `i` a member of open project `p`?
    #[inline]
    pub fn contains(&self, i: u32, p: u32) -> bool {
        let (first, count) = self.head(i);
        first == p || (count > 1 && self.rest.get(&i).is_some_and(|r| r.contains(&p)))
    }

    /// The open projects of `i` (order unspecified).
    pub fn of(&self, i: u32) -> impl Iterator<Item = u32> + '_ {
        let (first, count) = self.head(i);
        let rest = if count > 1 {
            self.rest.get(&i).map(Vec::as_slice).unwrap_or(&[])
        } else {
            &[]
        };
        (count > 0)
            .then_some(first)
            .into_iter()
            .chain(rest.iter().copied())
    }

    /// Do `i` and `j` share an open project? The common answers (from the first memberships)
    /// are inlined into the callers' loops; the rare search of second memberships is not.
    #[inline(always)]
    pub fn share(&self, i: u32, j: u32) -> bool {
        if !self.flags.both_open(i, j) {
            return false;
        }
        let (fi, ci) = self.head(i);
        let (fj, cj) = self.head(j);
        if ci == 0 || cj == 0 {
            return false;
        }
        if fi == fj {
            return true;
        }
        if ci == 1 && cj == 1 {
            return false;
        }
        self.share_beyond_first(i, j)
    }

    #[inline(never)]
    fn share_beyond_first(&self, i: u32, j: u32) -> bool {
        self.of(i).any(|p| self.contains(j, p))
    }

    /// An open project `i` and `j` share (the first found), if any.
    #[inline]
    pub fn shared(&self, i: u32, j: u32) -> Option<u32> {
        if !self.flags.both_open(i, j) {
            return None;
        }
        let (fi, ci) = self.head(i);
        let (fj, cj) = self.head(j);
        if ci == 0 || cj == 0 {
            return None;
        }
        if fi == fj {
            return Some(fi);
        }
        if ci == 1 && cj == 1 {
            return None;
        }
        self.of(i).find(|&p| self.contains(j, p))
    }

    /// Adds `i` to open project `p` (no-op if it is a member).
    pub fn insert(&mut self, i: u32, p: u32) {
        if self.contains(i, p) {
            return;
        }
        self.members += 1;
        self.flags.set_open(i, true);
        let h = self.get_mut(i);
        if h.open_count == 0 {
            (h.open_first, h.open_count) = (p, 1);
        } else {
            h.open_count += 1;
            self.rest.entry(i).or_default().push(p);
        }
    }

    /// Removes `i` from open project `p` (no-op if it is not a member).
    pub fn remove(&mut self, i: u32, p: u32) {
        let (first, count) = self.head(i);
        if count == 0 {
            return;
        }
        if first == p {
            self.members -= 1;
            let next = match self.take_rest(i) {
                Some(next) => (next, count as u32 - 1),
                None => (NONE, 0),
            };
            let h = self.get_mut(i);
            (h.open_first, h.open_count) = next;
            self.flags.set_open(i, next.1 > 0);
        } else if let Some(r) = self.rest.get_mut(&i)
            && let Some(k) = r.iter().position(|&x| x == p)
        {
            r.swap_remove(k);
            if r.is_empty() {
                self.rest.remove(&i);
            }
            self.members -= 1;
            self.get_mut(i).open_count = count as u32 - 1;
        }
    }

    /// Removes and returns one of the further projects of `i`, if any.
    fn take_rest(&mut self, i: u32) -> Option<u32> {
        let r = self.rest.get_mut(&i)?;
        let p = r.pop();
        if r.is_empty() {
            self.rest.remove(&i);
        }
        p
    }
}

impl SlabHeaders for Orgs {
    #[inline(always)]
    fn count(&self) -> usize {
        self.state.len()
    }

    #[inline(always)]
    fn slab(&self, i: usize) -> &Slab {
        &self.state[i].slab
    }

    #[inline(always)]
    fn slab_mut(&mut self, i: usize) -> &mut Slab {
        &mut self.state[i].slab
    }

    #[inline(always)]
    fn prefetch_slab(&self, i: usize) {
        crate::network::prefetch(&self.state, i);
    }

    /// Active organisations count towards the largest active degree.
    #[inline(always)]
    fn counted(&self, i: usize) -> bool {
        self.state[i].state.active
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Activity and adoption set through the records, interleaved with joins and leaves
        /// of open projects, read back as plain vectors of flags do, the static attributes
        /// stay as built, and the flag bytes agree with the records.
        #[test]
        fn flags_match_vectors(ops in proptest::collection::vec((0u32..6, 0u32..4, 0u8..4), 0..200)) {
            let kinds = Kind::ALL;
            let built: Vec<OrgState> = (0..6u32)
                .map(|i| OrgState::new(kinds[i as usize % kinds.len()], i / 2, i % 2 == 0))
                .collect();
            let mut o = Orgs::from_states(built.clone());
            let mut active: Vec<bool> = built.iter().map(|s| s.active).collect();
            let mut adopted = [false; 6];
            for (i, p, op) in ops {
                match op {
                    0 => o.insert(i, p),
                    1 => o.remove(i, p),
                    2 => {
                        let on = p % 2 == 0;
                        o.set_active(i, on);
                        active[i as usize] = on;
                    }
                    _ => {
                        o.set_adopted(i);
                        adopted[i as usize] = true;
                    }
                }
                for (k, b) in built.iter().enumerate() {
                    let s = o.get(k as u32);
                    proptest::prop_assert_eq!(s.active, active[k]);
                    proptest::prop_assert_eq!(s.adopted, adopted[k]);
                    proptest::prop_assert_eq!((s.kind, s.territory), (b.kind, b.territory));
                    // The flag bytes agree with the records.
                    let (f, k) = (o.flags(), k as u32);
                    proptest::prop_assert_eq!(f.kind(k), s.kind);
                    proptest::prop_assert_eq!(f.active(k), s.active);
                    proptest::prop_assert_eq!(f.adopted(k), s.adopted);
                    proptest::prop_assert_eq!(f.open(k), o.count(k) > 0);
                }
            }
        }

        /// With the dyad memory's slab headers in the records, ties that start, end and revive
        /// (slabs filling up, moving and compacted) interleaved with changes of activity,
        /// adoption and open projects leave the partners as plain per-organisation lists have
        /// them and the records as plain flags and project lists have them (whether any
        /// organisation is in an open project included), and the largest active degree of an
        /// active organisation and the active ones without a tie, kept by the memory, equal
        /// what a pass over them finds.
        #[test]
        fn records_with_slabs_match_plain(ops in proptest::collection::vec((0u32..7, 0u32..7, 0u8..6), 0..300)) {
            use crate::network::{Memory, reference::PlainPartners};
            let built: Vec<OrgState> = (0..7u32)
                .map(|i| OrgState::new(Kind::ALL[i as usize % Kind::ALL.len()], i / 3, i % 2 == 0))
                .collect();
            let mut m = Memory::with_headers(Orgs::from_states(built.clone()));
            let mut plain = PlainPartners::new(7);
            let mut active: Vec<bool> = built.iter().map(|s| s.active).collect();
            let mut adopted = [false; 7];
            let mut open: Vec<Vec<u32>> = vec![Vec::new(); 7];
            for (step, (i, j, op)) in ops.into_iter().enumerate() {
                if op == 2 {
                    m.update_header(i, |o| o.set_active(i, j % 2 == 0));
                    active[i as usize] = j % 2 == 0;
                }
                let o = m.headers_mut();
                let tie = match op {
                    0 | 1 => Some(op == 0),
                    2 => None,
                    3 => {
                        o.set_adopted(i);
                        adopted[i as usize] = true;
                        None
                    }
                    4 => {
                        o.insert(i, j % 3);
                        if !open[i as usize].contains(&(j % 3)) {
                            open[i as usize].push(j % 3);
                        }
                        None
                    }
                    _ => {
                        o.remove(i, j % 3);
                        open[i as usize].retain(|&p| p != j % 3);
                        None
                    }
                };
                let checked = match tie {
                    Some(on) => plain.apply(&mut m, i, j, on, step as i32),
                    None => Ok(()),
                }
                .and_then(|()| plain.check(&m));
                proptest::prop_assert!(checked.is_ok(), "{:?}", checked);
                for (k, b) in built.iter().enumerate() {
                    let s = m.headers().get(k as u32);
                    proptest::prop_assert_eq!((s.active, s.adopted), (active[k], adopted[k]));
                    proptest::prop_assert_eq!((s.kind, s.territory), (b.kind, b.territory));
                    let mut mine: Vec<u32> = m.headers().of(k as u32).collect();
                    mine.sort_unstable();
                    let mut want = open[k].clone();
                    want.sort_unstable();
                    proptest::prop_assert_eq!(mine, want);
                }
                let any = open.iter().any(|ps| !ps.is_empty());
                proptest::prop_assert_eq!(m.headers().any_open(), any);
                let most = (0..7u32)
                    .filter(|&k| active[k as usize])
                    .map(|k| m.degree(k))
                    .max()
                    .unwrap_or(0);
                proptest::prop_assert_eq!(m.most_counted_degree(), most);
                let mut isolated = m.counted_isolated().to_vec();
                isolated.sort_unstable();
                let want: Vec<u32> = (0..7u32)
                    .filter(|&k| active[k as usize] && m.degree(k) == 0)
                    .collect();
                proptest::prop_assert_eq!(isolated, want);
            }
        }

        /// Any sequence of joins and leaves gives the same answers as plain per-organisation
        /// lists.
        #[test]
        fn matches_lists(ops in proptest::collection::vec((0u32..6, 0u32..4, proptest::bool::ANY), 0..200)) {
            let mut o = Orgs::new(6);
            let mut lists: Vec<Vec<u32>> = vec![Vec::new(); 6];
            for (i, p, join) in ops {
                if join {
                    o.insert(i, p);
                    if !lists[i as usize].contains(&p) {
                        lists[i as usize].push(p);
                    }
                } else {
                    o.remove(i, p);
                    lists[i as usize].retain(|&x| x != p);
                }
                for a in 0..6u32 {
                    let mut mine: Vec<u32> = o.of(a).collect();
                    mine.sort_unstable();
                    let mut want = lists[a as usize].clone();
                    want.sort_unstable();
                    proptest::prop_assert_eq!(&mine, &want);
                    proptest::prop_assert_eq!(o.count(a), want.len());
                    for b in 0..6u32 {
                        let shared = want.iter().any(|x| lists[b as usize].contains(x));
                        proptest::prop_assert_eq!(o.share(a, b), shared);
                        let which = o.shared(a, b);
                        proptest::prop_assert_eq!(which.is_some(), shared);
                        if let Some(p) = which {
                            proptest::prop_assert!(o.contains(a, p) && o.contains(b, p));
                        }
                    }
                    for p in 0..4 {
                        proptest::prop_assert_eq!(o.contains(a, p), want.contains(&p));
                    }
                }
            }
        }
    }
}
