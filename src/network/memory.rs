//! Dyad memory: the simulation's network store (docs/ODD.md, section 2, "Dyad memory").
//!
//! Every pair ever tied has one [`Dyad`] record. The partners of all organisations live in one
//! flat buffer: each organisation owns a slab of it (its active partners first, then its
//! dormant ones), found from a small per-organisation header, so reaching an organisation's
//! partners reads two places in memory rather than a vector header and its heap block, and the
//! slabs of neighbouring organisations (a territory's) lie side by side. The headers live in a
//! store of the caller's choice ([`SlabHeaders`]): a plain vector, or records that keep the
//! rest of an organisation's state beside its header, so that a trial reaching an organisation
//! at random reads one cache line for both. A slab that fills up
//! moves to the end of the buffer with twice the room; the buffer is compacted when more than
//! half of it is left behind by moved slabs. A pair's dyad is found by scanning the shorter of
//! its two ends' slabs, which are short and which the callers have usually just read. The
//! active dyads are kept in one dense list, so each step walks contiguous memory and allocates
//! nothing.

use super::Origin;
use super::degree_counts::DegreeCounts;
use crate::huge_pages::HugeVec;

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

/// One entry of an organisation's slab: the partner and the dyad.
type Entry = (u32, DyadId);

/// Where an organisation's partners lie in [`Memory`]'s buffer: `cap` entries from `start`,
/// the first `active` of them the active partners, the next `dormant` the dormant ones. Only
/// [`Memory`] reads or sets the fields; a header store merely keeps the 16 bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Slab {
    start: u32,
    cap: u32,
    active: u32,
    dormant: u32,
}

impl Slab {
    #[inline]
    fn begin(&self) -> usize {
        self.start as usize
    }

    #[inline]
    fn mid(&self) -> usize {
        (self.start + self.active) as usize
    }

    #[inline]
    fn end(&self) -> usize {
        (self.start + self.active + self.dormant) as usize
    }

    #[inline]
    fn len(&self) -> u32 {
        self.active + self.dormant
    }
}

/// Where [`Memory`] keeps the slab headers of the organisations, one each: `Vec<Slab>`, or a
/// vector of records holding other per-organisation state beside the header. Only [`Memory`]
/// should change a header through [`SlabHeaders::slab_mut`]; the partners it points at are
/// [`Memory`]'s.
pub trait SlabHeaders {
    /// Number of organisations.
    fn count(&self) -> usize;
    /// The header of organisation `i`.
    fn slab(&self, i: usize) -> &Slab;
    /// The header of organisation `i`, to change (by [`Memory`] only).
    fn slab_mut(&mut self, i: usize) -> &mut Slab;
    /// Hints the processor to load the header of organisation `i` (no effect on results).
    fn prefetch_slab(&self, i: usize);
    /// Does organisation `i` count towards [`Memory::most_counted_degree`]? Every one does
    /// unless the store says otherwise; a change of the answer must go through
    /// [`Memory::update_header`].
    #[inline(always)]
    fn counted(&self, _i: usize) -> bool {
        true
    }
}

impl SlabHeaders for Vec<Slab> {
    #[inline(always)]
    fn count(&self) -> usize {
        self.len()
    }

    #[inline(always)]
    fn slab(&self, i: usize) -> &Slab {
        &self[i]
    }

    #[inline(always)]
    fn slab_mut(&mut self, i: usize) -> &mut Slab {
        &mut self[i]
    }

    #[inline(always)]
    fn prefetch_slab(&self, i: usize) {
        prefetch(self, i);
    }
}

/// Room of a slab holding `len` entries when it is laid out afresh: some to spare, so most
/// organisations gain partners without moving.
fn room(len: u32) -> u32 {
    (len + len / 2 + 2).next_power_of_two().max(4)
}

/// How many ties apart the stages of [`Memory::deactivate_all`]'s load-ahead hints run.
const ENDING_AHEAD: usize = 4;

/// Up to this many partners on the shorter side, [`Memory::common_partners`] compares the two
/// partner lists directly rather than marking.
const DIRECT_COMMON: usize = 8;

/// The dyad memory of one replicate, its slab headers kept in `H`. `clone_from` reuses the
/// target's buffers.
#[derive(Debug, Default)]
pub struct Memory<H = Vec<Slab>> {
    dyads: HugeVec<Dyad>,
    heads: H,
    entries: HugeVec<Entry>,
    /// Entries of `entries` that no slab owns (left behind by slabs that moved).
    unused: usize,
    active: HugeVec<DyadId>,
    /// The key of each active tie, in the order of `active` ([`super::tie_key`]).
    active_keys: Vec<u8>,
    /// Bumped by every change of a tie or of trust, so values derived from the ties can be
    /// cached and known to be current.
    version: u64,
    /// The active degrees of the counted organisations ([`SlabHeaders::counted`]).
    degrees: DegreeCounts,
}

impl<H: Clone> Clone for Memory<H> {
    fn clone(&self) -> Self {
        Memory {
            dyads: self.dyads.clone(),
            heads: self.heads.clone(),
            entries: self.entries.clone(),
            unused: self.unused,
            active: self.active.clone(),
            active_keys: self.active_keys.clone(),
            version: self.version,
            degrees: self.degrees.clone(),
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.dyads.clone_from(&source.dyads);
        self.heads.clone_from(&source.heads);
        self.entries.clone_from(&source.entries);
        self.unused = source.unused;
        self.active.clone_from(&source.active);
        self.active_keys.clone_from(&source.active_keys);
        self.version = source.version;
        self.degrees.clone_from(&source.degrees);
    }
}

impl Memory {
    /// Empty memory for `n` organisations, the headers in a plain vector.
    pub fn new(n: usize) -> Self {
        Memory::with_headers(vec![Slab::default(); n])
    }
}

impl<H: SlabHeaders> Memory<H> {
    /// Empty memory for the organisations of `heads` (their headers are reset).
    pub fn with_headers(heads: H) -> Self {
        let mut m = Memory {
            dyads: HugeVec::default(),
            heads,
            entries: HugeVec::default(),
            unused: 0,
            active: HugeVec::default(),
            active_keys: Vec::new(),
            version: 0,
            degrees: DegreeCounts::new(),
        };
        for i in 0..m.heads.count() {
            *m.heads.slab_mut(i) = Slab::default();
            if m.heads.counted(i) {
                m.degrees.add(i as u32, 0);
            }
        }
        m.compact();
        m
    }

    /// The header store, with whatever else it keeps of each organisation.
    #[inline(always)]
    pub fn headers(&self) -> &H {
        &self.heads
    }

    /// The header store, to change what it keeps beside the headers (the headers themselves
    /// are [`Memory`]'s: see [`SlabHeaders`]).
    #[inline(always)]
    pub fn headers_mut(&mut self) -> &mut H {
        &mut self.heads
    }

    #[inline(always)]
    fn slab(&self, i: u32) -> Slab {
        *self.heads.slab(i as usize)
    }

    /// Changes what the header store keeps of organisation `i` with `f`, keeping
    /// [`Memory::most_counted_degree`] right when whether `i` is counted changes.
    #[inline]
    pub fn update_header(&mut self, i: u32, f: impl FnOnce(&mut H)) {
        let k = i as usize;
        let before = self.heads.counted(k);
        f(&mut self.heads);
        match (before, self.heads.counted(k)) {
            (false, true) => self.degrees.add(i, self.degree(i)),
            (true, false) => self.degrees.remove(i, self.degree(i)),
            _ => {}
        }
    }

    /// The largest active degree of an organisation that counts ([`SlabHeaders::counted`]),
    /// 0 when none does; kept up to date with every change of the ties.
    #[inline]
    pub fn most_counted_degree(&self) -> usize {
        self.degrees.most()
    }

    /// The organisations that count ([`SlabHeaders::counted`]) and have no active tie, in an
    /// order that depends on the history of changes; kept up to date with every change of the
    /// ties.
    #[inline]
    pub fn counted_isolated(&self) -> &[u32] {
        self.degrees.isolated()
    }

    /// A number that changes whenever a tie or a trust value changes (and not otherwise).
    #[inline]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Number of organisations.
    pub fn len(&self) -> usize {
        self.heads.count()
    }

    /// True when there are no organisations.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The dyad of a pair, if the pair was ever tied.
    #[inline]
    pub fn find(&self, i: u32, j: u32) -> Option<DyadId> {
        self.link(i, j).map(|(d, _)| d)
    }

    /// [`Memory::link`] by a scan of `i`'s slab alone, whatever its length: the same answer
    /// without reading `j`'s slab header, for a caller that has `i`'s partners at hand and
    /// `j`'s record not yet loaded.
    #[inline]
    pub fn link_from(&self, i: u32, j: u32) -> Option<(DyadId, bool)> {
        self.scan(self.slab(i), j)
    }

    /// The dyad of a pair if the pair was ever tied, and whether its tie is active: one scan
    /// of the shorter slab answers both [`Memory::find`] and a partner test.
    #[inline(always)]
    pub fn link(&self, i: u32, j: u32) -> Option<(DyadId, bool)> {
        let (si, sj) = (self.slab(i), self.slab(j));
        if si.len() <= sj.len() {
            self.scan(si, j)
        } else {
            self.scan(sj, i)
        }
    }

    /// The entry for partner `other` in slab `s`: its dyad, and whether its tie is active
    /// (active partners come first in a slab).
    #[inline(always)]
    fn scan(&self, s: Slab, other: u32) -> Option<(DyadId, bool)> {
        let entries = &self.entries[s.begin()..s.end()];
        let k = entries.iter().position(|&(k, _)| k == other)?;
        Some((entries[k].1, k < s.active as usize))
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

    /// Sets every dyad's trust to `f(headers, dyad)` (status and timing stay as they are);
    /// `f` may read what the header store keeps of the dyad's ends.
    pub fn update_trust(&mut self, mut f: impl FnMut(&H, &Dyad) -> f64) {
        self.version += 1;
        let heads = &self.heads;
        let keys = &mut self.active_keys[..];
        for d in self.dyads.iter_mut() {
            d.trust = f(heads, d);
            if d.status == Status::Active {
                rekey(keys, d);
            }
        }
    }

    /// [`Memory::update_trust`], calling `ahead` on the dyad `distance` places further on
    /// before each `f`, so `f`'s reads elsewhere can be loaded ahead of time.
    pub fn update_trust_ahead(
        &mut self,
        distance: usize,
        mut ahead: impl FnMut(&H, &Dyad),
        mut f: impl FnMut(&H, &Dyad) -> f64,
    ) {
        self.version += 1;
        let heads = &self.heads;
        let keys = &mut self.active_keys[..];
        for k in 0..self.dyads.len() {
            if let Some(next) = self.dyads.get(k + distance) {
                ahead(heads, next);
            }
            let d = &mut self.dyads[k];
            d.trust = f(heads, d);
            if d.status == Status::Active {
                rekey(keys, d);
            }
        }
    }

    /// Active partners of `i` with the dyad ids, in the order they became active.
    #[inline]
    pub fn active_partners(&self, i: u32) -> &[(u32, DyadId)] {
        let s = self.slab(i);
        &self.entries[s.begin()..s.mid()]
    }

    /// Dormant remembered partners of `i` with the dyad ids, in the order they became dormant.
    #[inline]
    pub fn dormant_partners(&self, i: u32) -> &[(u32, DyadId)] {
        let s = self.slab(i);
        &self.entries[s.mid()..s.end()]
    }

    /// Active degree of `i`.
    #[inline]
    pub fn degree(&self, i: u32) -> usize {
        self.slab(i).active as usize
    }

    /// Ids of the active dyads (order is deterministic but unspecified).
    pub fn active_ids(&self) -> &[DyadId] {
        &self.active
    }

    /// Number of active ties.
    pub fn active_count(&self) -> usize {
        self.active.len()
    }

    /// Hints the processor to load dyad `d`'s record, which a loop will read shortly (no
    /// effect on results).
    #[inline(always)]
    pub fn prefetch_dyad(&self, d: DyadId) {
        prefetch(&self.dyads, d as usize);
    }

    /// Hints the processor to load the slab header of organisation `i` (no effect on results).
    #[inline(always)]
    pub fn prefetch_org(&self, i: u32) {
        self.heads.prefetch_slab(i as usize);
    }

    /// Hints the processor to load the partners of organisation `i` (no effect on results).
    #[inline(always)]
    pub fn prefetch_partners(&self, i: u32) {
        if (i as usize) < self.len() {
            prefetch(&self.entries, self.slab(i).begin());
        }
    }

    /// Records a new pair as a dormant remembered tie. The pair must not be known yet.
    pub fn insert_dormant(&mut self, i: u32, j: u32, trust: f64, origin: Origin, formed: i32) {
        let d = self.push(i, j, trust, origin, formed);
        self.push_dormant(i, (j, d));
        self.push_dormant(j, (i, d));
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
        self.version += 1;
        if let Some(d) = self.find(i, j) {
            if self.dyads[d as usize].status == Status::Dormant {
                self.remove_dormant(i, d);
                self.remove_dormant(j, d);
                self.link_active(i, j, d);
                let dy = &mut self.dyads[d as usize];
                dy.status = Status::Active;
                dy.spell_start = step;
                dy.last_active = step;
                if let Some(o) = revived_origin {
                    dy.origin = o;
                }
                self.mark_fresh(d);
            }
            (d, false)
        } else {
            let d = self.push(i, j, trust, origin, step);
            self.link_active(i, j, d);
            let dy = &mut self.dyads[d as usize];
            dy.status = Status::Active;
            self.mark_fresh(d);
            (d, true)
        }
    }

    /// Inserts a pair as active from the start (baseline tie). The pair must not be known yet.
    pub fn insert_active(&mut self, i: u32, j: u32, trust: f64, origin: Origin, formed: i32) {
        let d = self.push(i, j, trust, origin, formed);
        self.link_active(i, j, d);
        self.dyads[d as usize].status = Status::Active;
        self.mark_fresh(d);
    }

    /// Sets the key of active dyad `d` from its record, marked [`super::FRESH`].
    fn mark_fresh(&mut self, d: DyadId) {
        let dy = &self.dyads[d as usize];
        self.active_keys[dy.active_pos as usize] = super::key_of(dy) | super::FRESH;
    }

    /// The key of each active tie, in the order of [`Memory::active_ids`]: its trust group
    /// and origin ([`super::tie_group`]), marked [`super::FRESH`] when its active spell may
    /// have started since the last trust update (its record then says when).
    pub fn active_keys(&self) -> &[u8] {
        &self.active_keys
    }

    /// Ends an active tie at `step`: it becomes dormant, keeping its trust.
    pub fn deactivate(&mut self, d: DyadId, step: i32) {
        let dy = self.dyads[d as usize];
        debug_assert_eq!(dy.status, Status::Active);
        self.version += 1;
        self.active_to_dormant(dy.a, dy.b, d);
        self.active_to_dormant(dy.b, dy.a, d);
        let pos = dy.active_pos as usize;
        self.active.swap_remove(pos);
        self.active_keys.swap_remove(pos);
        if let Some(&moved) = self.active.get(pos) {
            self.dyads[moved as usize].active_pos = pos as u32;
        }
        let dy = &mut self.dyads[d as usize];
        dy.status = Status::Dormant;
        dy.last_active = step;
    }

    /// [`Memory::deactivate`] for each of `ids` in turn, at `step` (each must be active and
    /// listed once). With `ahead`, what the later ones will read and move is asked for ahead of
    /// time, stage by stage, as each stage needs what the one before loaded: the dyad records
    /// [`ENDING_AHEAD`] times three ahead; then their ends' slab headers (with the rest of the
    /// ends' records) and their places in the active list; then the ends' partner lists and
    /// the record of the tie that will fill the active list's gap. The hints change no result.
    pub fn deactivate_all(&mut self, ids: &[DyadId], step: i32, ahead: bool) {
        for (k, &d) in ids.iter().enumerate() {
            if ahead {
                self.ending_ahead(ids, k);
            }
            self.deactivate(d, step);
        }
    }

    /// The load-ahead hints of [`Memory::deactivate_all`] at its `k`-th tie. The positions
    /// read may be out of date by the time the ties end (earlier ones move them); a stale hint
    /// only loads a line for nothing.
    #[inline(always)]
    fn ending_ahead(&self, ids: &[DyadId], k: usize) {
        if let Some(&d) = ids.get(k + 3 * ENDING_AHEAD) {
            self.prefetch_dyad(d);
        }
        if let Some(&d) = ids.get(k + 2 * ENDING_AHEAD) {
            let dy = &self.dyads[d as usize];
            self.heads.prefetch_slab(dy.a as usize);
            self.heads.prefetch_slab(dy.b as usize);
            prefetch(&self.active, dy.active_pos as usize);
            prefetch(&self.active_keys, dy.active_pos as usize);
        }
        if let Some(&d) = ids.get(k + ENDING_AHEAD) {
            let dy = &self.dyads[d as usize];
            for end in [dy.a, dy.b] {
                let s = self.slab(end);
                prefetch(&self.entries, s.begin());
                prefetch(&self.entries, s.end().saturating_sub(1));
            }
            // The tie that fills the gap is about the one last in the list once the ties
            // before have ended.
            if let Some(tail) = self.active.len().checked_sub(1 + ENDING_AHEAD)
                && let Some(&moved) = self.active.get(tail)
            {
                self.prefetch_dyad(moved);
            }
        }
    }

    /// Number of common active partners of `i` and `j`, using `stamp` (one slot per
    /// organisation, all below `mark`) as scratch; `mark` must be fresh for each call.
    ///
    /// When the shorter list is short (almost always), its entries are compared with the
    /// longer list's directly: the two slabs are read in order, where marking would read
    /// one slot of `stamp` per partner of the longer list, each at random in a buffer as long
    /// as the organisations.
    pub fn common_partners(&self, i: u32, j: u32, stamp: &mut [u32], mark: u32) -> usize {
        let (small, large) = if self.degree(i) <= self.degree(j) {
            (i, j)
        } else {
            (j, i)
        };
        let few = self.active_partners(small);
        if few.len() <= DIRECT_COMMON {
            return self
                .active_partners(large)
                .iter()
                .filter(|&&(k, _)| few.iter().any(|&(x, _)| x == k))
                .count();
        }
        for &(k, _) in few {
            stamp[k as usize] = mark;
        }
        self.active_partners(large)
            .iter()
            .filter(|&&(k, _)| stamp[k as usize] == mark)
            .count()
    }

    /// Lays every slab out afresh in organisation order, each with room to grow
    /// (see [`room`]); the partners and their order stay as they are.
    pub fn compact(&mut self) {
        let n = self.len();
        let total: usize = (0..n)
            .map(|i| room(self.heads.slab(i).len()) as usize)
            .sum();
        let mut entries = HugeVec::with_capacity(total);
        for i in 0..n {
            let s = self.heads.slab_mut(i);
            let start = entries.len();
            entries.extend_from_slice(&self.entries[s.begin()..s.end()]);
            let cap = room(s.len());
            entries.resize(start + cap as usize, (u32::MAX, u32::MAX));
            s.start = start as u32;
            s.cap = cap;
        }
        self.entries = entries;
        self.unused = 0;
    }

    fn push(&mut self, i: u32, j: u32, trust: f64, origin: Origin, formed: i32) -> DyadId {
        self.version += 1;
        let d = self.dyads.len() as DyadId;
        self.dyads.reserve_advised(1);
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
        d
    }

    fn link_active(&mut self, i: u32, j: u32, d: DyadId) {
        self.push_active(i, (j, d));
        self.push_active(j, (i, d));
        self.dyads[d as usize].active_pos = self.active.len() as u32;
        self.active.reserve_advised(1);
        self.active.push(d);
        self.active_keys.push(super::FRESH);
    }

    /// Makes room for one more entry in `i`'s slab.
    fn reserve_one(&mut self, i: u32) {
        let s = self.slab(i);
        if s.len() < s.cap {
            return;
        }
        let start = self.entries.len();
        let cap = (2 * s.cap).max(4);
        self.entries.reserve_advised(cap as usize);
        self.entries.extend_from_within(s.begin()..s.end());
        self.entries
            .resize(start + cap as usize, (u32::MAX, u32::MAX));
        self.unused += s.cap as usize;
        *self.heads.slab_mut(i as usize) = Slab {
            start: u32::try_from(start).expect("fewer than 2^32 partner entries"),
            cap,
            ..s
        };
        if self.unused > self.entries.len() / 2 {
            self.compact();
        }
    }

    /// Appends `e` to `i`'s active partners (after those already there).
    fn push_active(&mut self, i: u32, e: Entry) {
        self.reserve_one(i);
        let s = self.heads.slab_mut(i as usize);
        let (mid, end) = (s.mid(), s.end());
        s.active += 1;
        let now = s.active as usize;
        if self.heads.counted(i as usize) {
            self.degrees.up(i, now - 1);
        }
        // The dormant partners move up by one, keeping their order (often there are none:
        // no call to move nothing).
        if end > mid {
            self.entries.copy_within(mid..end, mid + 1);
        }
        self.entries[mid] = e;
    }

    /// Appends `e` to `i`'s dormant partners.
    fn push_dormant(&mut self, i: u32, e: Entry) {
        self.reserve_one(i);
        let s = self.heads.slab_mut(i as usize);
        let end = s.end();
        s.dormant += 1;
        self.entries[end] = e;
    }

    /// Moves dyad `d` (to partner `j`) from `i`'s active partners to the end of its dormant
    /// ones; the other entries keep their order.
    fn active_to_dormant(&mut self, i: u32, j: u32, d: DyadId) {
        let s = self.slab(i);
        if let Some(from) = self.locate(s.begin()..s.mid(), d) {
            self.entries.copy_within(from + 1..s.end(), from);
            self.entries[s.end() - 1] = (j, d);
            let s = self.heads.slab_mut(i as usize);
            s.active -= 1;
            s.dormant += 1;
            let now = s.active as usize;
            if self.heads.counted(i as usize) {
                self.degrees.down(i, now);
            }
        }
    }

    /// Removes dyad `d` from `i`'s dormant partners, keeping the others' order.
    fn remove_dormant(&mut self, i: u32, d: DyadId) {
        let s = self.slab(i);
        if let Some(from) = self.locate(s.mid()..s.end(), d) {
            self.entries.copy_within(from + 1..s.end(), from);
            self.heads.slab_mut(i as usize).dormant -= 1;
        }
    }

    /// Where in `range` of the buffer dyad `d`'s entry lies.
    fn locate(&self, range: std::ops::Range<usize>, d: DyadId) -> Option<usize> {
        let start = range.start;
        self.entries[range]
            .iter()
            .position(|&(_, x)| x == d)
            .map(|p| start + p)
    }
}

/// Sets the key of active tie `d`, whose trust has just been updated, in `keys` (the
/// [`Memory`]'s `active_keys`): its new trust group, the programme bit kept from the key
/// (an active tie's origin changes only when it revives, and reviving sets its key afresh
/// from the record, [`Memory::activate`]) and the [`super::FRESH`] mark cleared. The same key
/// as [`super::key_of`], read without the record's origin or a bounds check.
#[inline(always)]
fn rekey(keys: &mut [u8], d: &Dyad) {
    let pos = d.active_pos as usize;
    debug_assert!(pos < keys.len(), "an active tie has a key");
    // SAFETY: an active dyad's `active_pos` is its place in `active`, and `active_keys` has
    // one key for each place: `link_active` pushes onto both and sets the position,
    // `deactivate` swap-removes from both and moves the position of the tie it moves, and
    // nothing else changes either list or the position of an active dyad.
    let key = unsafe { keys.get_unchecked_mut(pos) };
    *key = super::tie_group(d.trust, false) | (*key & 1);
    debug_assert_eq!(*key, super::key_of(d));
}

/// Hints the processor to load `items[k]` into its caches (nothing when `k` is out of range;
/// no effect on results).
#[inline(always)]
pub fn prefetch<T>(items: &[T], k: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = items.get(k) {
        // SAFETY: a prefetch is a hint that never faults and reads nothing the program sees;
        // the address is that of a live element.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (x as *const T).cast::<i8>(),
            )
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (items, k);
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

    #[test]
    fn slabs_grow_move_and_compact() {
        let mut m = Memory::new(40);
        let first = m.slab(0);
        for k in 1..40 {
            m.activate(0, k, 0, 0.5, Origin::Programme, None);
        }
        let want: Vec<(u32, DyadId)> = (1..40).map(|k| (k, k - 1)).collect();
        assert_eq!(m.active_partners(0), want.as_slice());
        assert!(m.slab(0).cap >= 39 && m.slab(0) != first);
        assert!(m.unused <= m.entries.len() / 2);
        for k in (1..40).step_by(2) {
            m.deactivate(k - 1, 1);
        }
        let dormant: Vec<(u32, DyadId)> = (1..40).step_by(2).map(|k| (k, k - 1)).collect();
        assert_eq!(m.dormant_partners(0), dormant.as_slice());
        assert_eq!(m.degree(0), 19);
        m.compact();
        assert_eq!(m.dormant_partners(0), dormant.as_slice());
        assert_eq!(m.unused, 0);
        for k in 1..40 {
            assert_eq!(m.find(k, 0), Some(k - 1));
            assert_eq!(m.active_partners(k).len() + m.dormant_partners(k).len(), 1);
        }
    }

    #[test]
    fn version_changes_with_every_change_of_ties_or_trust() {
        let mut m = Memory::new(3);
        let mut seen = vec![m.version()];
        let mut changed = |m: &Memory| {
            assert!(!seen.contains(&m.version()));
            seen.push(m.version());
        };
        m.insert_active(0, 1, 0.5, Origin::Baseline, -1);
        changed(&m);
        let (d, _) = m.activate(1, 2, 0, 0.1, Origin::Programme, None);
        changed(&m);
        m.update_trust(|_, d| d.trust * 0.5);
        changed(&m);
        m.deactivate(d, 1);
        changed(&m);
        let v = m.version();
        let _ = (m.find(0, 1), m.active_partners(1), m.degree(2));
        assert_eq!(m.version(), v);
    }

    /// One step of a random sequence: `on` starts (or revives) the tie of `i` and `j`, otherwise
    /// an active one ends; a loop (`i == j`) does nothing.
    fn toggle(m: &mut Memory, step: i32, i: u32, j: u32, on: bool) {
        if i == j {
            return;
        }
        match (on, m.link(i, j)) {
            (true, _) => {
                m.activate(i, j, step, 0.1, Origin::Programme, None);
            }
            (false, Some((d, true))) => m.deactivate(d, step),
            _ => {}
        }
    }

    /// Everything a reader of `m` can see, for comparing two memories.
    #[allow(clippy::type_complexity)]
    fn seen(
        m: &Memory,
    ) -> (
        Vec<Dyad>,
        Vec<DyadId>,
        Vec<u8>,
        Vec<Vec<Entry>>,
        usize,
        Vec<u32>,
    ) {
        let partners = (0..m.len() as u32)
            .map(|i| [m.active_partners(i), m.dormant_partners(i)].concat())
            .collect();
        let (dyads, active) = (m.dyads().to_vec(), m.active_ids().to_vec());
        let (keys, isolated) = (m.active_keys().to_vec(), m.counted_isolated().to_vec());
        (
            dyads,
            active,
            keys,
            partners,
            m.most_counted_degree(),
            isolated,
        )
    }

    proptest::proptest! {
        /// Ending a list of ties at once, with or without the load-ahead hints, leaves the
        /// memory as ending them one by one does (the same records, active list and keys,
        /// partner lists in the same order, degrees and isolated organisations).
        #[test]
        fn deactivate_all_ends_ties_as_one_by_one(
            pairs in proptest::collection::vec((0u32..40, 0u32..40), 1..300),
            pick in proptest::collection::vec(proptest::bool::ANY, 300),
            ahead in proptest::bool::ANY,
        ) {
            let mut m = Memory::new(40);
            for (step, &(i, j)) in pairs.iter().enumerate() {
                if i != j {
                    m.activate(i, j, step as i32, 0.5, Origin::Programme, None);
                }
            }
            let ending: Vec<DyadId> = m.active_ids().iter().zip(&pick)
                .filter(|&(_, &p)| p).map(|(&d, _)| d).collect();
            let (mut all, mut one) = (m.clone(), m);
            all.deactivate_all(&ending, 400, ahead);
            for &d in &ending {
                one.deactivate(d, 400);
            }
            proptest::prop_assert_eq!(seen(&all), seen(&one));
            proptest::prop_assert!(ending.iter().all(|&d| all.dyad(d).status == Status::Dormant));
        }

        /// Any sequence of activations and deactivations keeps the adjacency vectors, the
        /// active list and the dyad records consistent with each other.
        #[test]
        fn memory_stays_consistent(ops in proptest::collection::vec((0u32..8, 0u32..8, proptest::bool::ANY), 0..200)) {
            let mut m = Memory::new(8);
            for (step, (i, j, on)) in ops.into_iter().enumerate() {
                toggle(&mut m, step as i32, i, j, on);
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
            let most = (0..8).map(|i| m.degree(i)).max().unwrap_or(0);
            proptest::prop_assert_eq!(m.most_counted_degree(), most);
            let mut isolated = m.counted_isolated().to_vec();
            isolated.sort_unstable();
            let want: Vec<u32> = (0..8).filter(|&i| m.degree(i) == 0).collect();
            proptest::prop_assert_eq!(isolated, want);
        }

        /// Activations (new and revived, with the origin kept or renewed), deactivations and
        /// trust updates keep one key per active tie, in the active list's order: the tie's
        /// group from its present trust and origin, marked fresh whenever its spell started
        /// after the last trust update, and unmarked by a trust update.
        #[test]
        fn active_keys_follow_records(ops in proptest::collection::vec((0u32..6, 0u32..6, 0u8..4, 0u8..8), 0..200)) {
            let mut m = Memory::new(6);
            let mut last_update = i32::MIN;
            for (step, (i, j, op, x)) in ops.into_iter().enumerate() {
                let step = step as i32;
                match op {
                    0 | 1 if i != j => {
                        let origin = [Origin::Baseline, Origin::Programme][(x % 2) as usize];
                        let renew = (op == 1).then_some(Origin::Programme);
                        m.activate(i, j, step, f64::from(x) / 7.0, origin, renew);
                    }
                    2 => {
                        if let Some(d) = m.find(i, j).filter(|&d| m.dyad(d).status == Status::Active) {
                            m.deactivate(d, step);
                        }
                    }
                    3 => {
                        m.update_trust(|_, d| d.trust * f64::from(x) / 8.0);
                        last_update = step;
                    }
                    _ => {}
                }
                proptest::prop_assert_eq!(m.active_keys().len(), m.active_ids().len());
                for (&d, &key) in m.active_ids().iter().zip(m.active_keys()) {
                    let dy = m.dyad(d);
                    proptest::prop_assert_eq!(key & !super::super::FRESH, super::super::key_of(dy));
                    if dy.spell_start > last_update {
                        proptest::prop_assert!(key & super::super::FRESH != 0);
                    } else {
                        proptest::prop_assert!(key & super::super::FRESH == 0);
                    }
                }
            }
        }

        /// A scan of either end's slab finds the same dyad and status as the shorter one's.
        #[test]
        fn link_from_either_end(ops in proptest::collection::vec((0u32..6, 0u32..6, proptest::bool::ANY), 0..200)) {
            let mut m = Memory::new(6);
            for (step, (i, j, on)) in ops.into_iter().enumerate() {
                toggle(&mut m, step as i32, i, j, on);
                for a in 0..6 {
                    for b in 0..6 {
                        proptest::prop_assert_eq!(m.link_from(a, b), m.link(a, b));
                    }
                }
            }
        }

        /// Common partners, compared directly or by marking (degrees on both sides of
        /// `DIRECT_COMMON`), are those two plain sets of partners share.
        #[test]
        fn common_partners_match_sets(ops in proptest::collection::vec((0u32..24, 0u32..24, 0u32..4), 0..600)) {
            let mut m = Memory::new(24);
            for (step, (i, j, on)) in ops.into_iter().enumerate() {
                match (on, m.find(i, j)) {
                    _ if i == j => {}
                    (0, Some(d)) if m.dyad(d).status == Status::Active => m.deactivate(d, step as i32),
                    (0, _) => {}
                    _ => {
                        m.activate(i, j, step as i32, 0.1, Origin::Programme, None);
                    }
                }
            }
            let set = |i: u32| -> std::collections::BTreeSet<u32> {
                m.active_partners(i).iter().map(|&(k, _)| k).collect()
            };
            let mut stamp = vec![0u32; 24];
            let mut mark = 0;
            for i in 0..24u32 {
                for j in 0..24u32 {
                    mark += 1;
                    let want = set(i).intersection(&set(j)).count();
                    proptest::prop_assert_eq!(m.common_partners(i, j, &mut stamp, mark), want);
                }
            }
        }

        /// The partners of every organisation come in the order plain per-organisation lists
        /// give them (append when a tie starts or ends, order-keeping removal), through slabs
        /// that fill up, move and are compacted: the order the random draws depend on.
        #[test]
        fn partners_keep_list_order(ops in proptest::collection::vec((0u32..6, 0u32..6, proptest::bool::ANY), 0..300)) {
            let mut m = Memory::new(6);
            let mut plain = reference::PlainPartners::new(6);
            for (step, (i, j, on)) in ops.into_iter().enumerate() {
                let checked = plain.apply(&mut m, i, j, on, step as i32).and_then(|()| plain.check(&m));
                proptest::prop_assert!(checked.is_ok(), "{:?}", checked);
            }
        }
    }
}

/// Plain per-organisation partner lists, the reference the slabs are checked against in tests
/// (here and wherever a header store of its own is tested).
#[cfg(test)]
pub(crate) mod reference {
    use super::*;

    /// Each organisation's active and dormant partners as two plain vectors.
    pub(crate) struct PlainPartners {
        act: Vec<Vec<(u32, DyadId)>>,
        dor: Vec<Vec<(u32, DyadId)>>,
    }

    impl PlainPartners {
        /// `n` organisations without partners.
        pub(crate) fn new(n: usize) -> Self {
            PlainPartners {
                act: vec![Vec::new(); n],
                dor: vec![Vec::new(); n],
            }
        }

        /// Activates (`on`) or ends the tie of `i` and `j` in `m` and in the plain lists
        /// (append when a tie starts or ends, order-keeping removal); an error when `m`'s
        /// answer about the pair disagrees with the lists.
        pub(crate) fn apply<H: SlabHeaders>(
            &mut self,
            m: &mut Memory<H>,
            i: u32,
            j: u32,
            on: bool,
            step: i32,
        ) -> Result<(), String> {
            if i == j {
                return Ok(());
            }
            let found = m.find(i, j);
            let listed = self.act[i as usize]
                .iter()
                .chain(&self.dor[i as usize])
                .find(|&&(k, _)| k == j)
                .map(|&(_, d)| d);
            if found != listed {
                return Err(format!(
                    "pair ({i}, {j}): found {found:?}, listed {listed:?}"
                ));
            }
            match (on, found) {
                (true, _) => {
                    let (d, new) = m.activate(i, j, step, 0.1, Origin::Programme, None);
                    let dormant = self.dor[i as usize].iter().any(|&(_, x)| x == d);
                    if new || dormant {
                        self.move_to(i, j, d, true);
                    }
                }
                (false, Some(d)) if m.dyad(d).status == Status::Active => {
                    m.deactivate(d, step);
                    self.move_to(i, j, d, false);
                }
                _ => {}
            }
            Ok(())
        }

        /// Moves dyad `d` of `i` and `j` to the end of both ends' active (or dormant) list.
        fn move_to(&mut self, i: u32, j: u32, d: DyadId, active: bool) {
            for (x, y) in [(i, j), (j, i)] {
                let (from, to) = if active {
                    (&mut self.dor, &mut self.act)
                } else {
                    (&mut self.act, &mut self.dor)
                };
                from[x as usize].retain(|&(_, e)| e != d);
                to[x as usize].push((y, d));
            }
        }

        /// An error naming the first organisation whose partners in `m` differ from the lists.
        pub(crate) fn check<H: SlabHeaders>(&self, m: &Memory<H>) -> Result<(), String> {
            for k in 0..self.act.len() as u32 {
                let (act, dor) = (&self.act[k as usize], &self.dor[k as usize]);
                if m.active_partners(k) != act.as_slice()
                    || m.dormant_partners(k) != dor.as_slice()
                    || m.degree(k) != act.len()
                {
                    return Err(format!(
                        "organisation {k}: slabs differ from the plain lists"
                    ));
                }
            }
            Ok(())
        }
    }
}
