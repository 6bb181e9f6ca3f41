//! One byte per organisation with what the per-tie passes read of each end: kind, activity,
//! adoption and whether it is in an open project.
//!
//! Dissolution decides a tie from its ends' kinds and open projects, adoption from its
//! partners' adoption, trust learning from whether the ends share an open project. Read from
//! the 32-byte records ([`super::Orgs`]), each end is a line of its own, and at a million
//! organisations (32 MB of records beside a gigabyte of other state) a miss from memory. These
//! bytes take 1 MB for a million organisations and stay in the cache, so the common answers
//! (an end in no open project, the kinds, who adopted) need no record; the record is read only
//! when both ends are in open projects. The bytes are a copy kept in step by [`super::Orgs`],
//! which changes both together.

use crate::data::Kind;

/// The kind's index in [`Kind::ALL`] (three bits).
const KIND: u8 = 0b0000_0111;
/// Taking part in the field now.
const ACTIVE: u8 = 0b0000_1000;
/// Has adopted.
const ADOPTED: u8 = 0b0001_0000;
/// In at least one open project.
const OPEN: u8 = 0b0010_0000;

// The kinds' indices fit in the three bits.
const _: () = assert!(Kind::COUNT <= KIND as usize + 1);

/// The flag bytes of every organisation, in organisation order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgFlags {
    bytes: Vec<u8>,
}

impl OrgFlags {
    /// Flags of organisations with the given kinds and activity, none adopted or in an open
    /// project.
    pub fn new(orgs: impl Iterator<Item = (Kind, bool)>) -> Self {
        let bytes = orgs
            .map(|(kind, active)| kind.index() as u8 | if active { ACTIVE } else { 0 })
            .collect();
        OrgFlags { bytes }
    }

    #[inline(always)]
    fn byte(&self, i: u32) -> u8 {
        self.bytes[i as usize]
    }

    #[inline(always)]
    fn set(&mut self, i: u32, bit: u8, on: bool) {
        let b = &mut self.bytes[i as usize];
        *b = if on { *b | bit } else { *b & !bit };
    }

    /// Kind of `i`.
    #[inline(always)]
    pub fn kind(&self, i: u32) -> Kind {
        match self.byte(i) & KIND {
            0 => Kind::EnteGestore,
            1 => Kind::Public,
            2 => Kind::ThirdSector,
            3 => Kind::Firm,
            _ => Kind::Other,
        }
    }

    /// Is `i` taking part in the field?
    #[inline(always)]
    pub fn active(&self, i: u32) -> bool {
        self.byte(i) & ACTIVE != 0
    }

    /// Has `i` adopted?
    #[inline(always)]
    pub fn adopted(&self, i: u32) -> bool {
        self.byte(i) & ADOPTED != 0
    }

    /// Is `i` in an open project?
    #[inline(always)]
    pub fn open(&self, i: u32) -> bool {
        self.byte(i) & OPEN != 0
    }

    /// Are both `i` and `j` in open projects (a condition for sharing one or for one leading
    /// the other's)?
    #[inline(always)]
    pub fn both_open(&self, i: u32, j: u32) -> bool {
        self.byte(i) & self.byte(j) & OPEN != 0
    }

    /// Is either of `i` and `j` in an open project?
    #[inline(always)]
    pub fn either_open(&self, i: u32, j: u32) -> bool {
        (self.byte(i) | self.byte(j)) & OPEN != 0
    }

    /// Sets whether `i` takes part in the field.
    #[inline]
    pub fn set_active(&mut self, i: u32, on: bool) {
        self.set(i, ACTIVE, on);
    }

    /// Records that `i` adopted.
    #[inline]
    pub fn set_adopted(&mut self, i: u32) {
        self.set(i, ADOPTED, true);
    }

    /// Sets whether `i` is in an open project.
    #[inline]
    pub fn set_open(&mut self, i: u32, on: bool) {
        self.set(i, OPEN, on);
    }

    /// Hints the processor to load the flags of `i` (no effect on results).
    #[inline(always)]
    pub fn prefetch(&self, i: u32) {
        crate::network::prefetch(&self.bytes, i as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each flag is set and cleared on its own, the kind stays as built.
    #[test]
    fn flags_set_apart() {
        let mut f = OrgFlags::new(Kind::ALL.iter().map(|&k| (k, k == Kind::Firm)));
        for (i, &k) in Kind::ALL.iter().enumerate() {
            let i = i as u32;
            assert_eq!(f.kind(i), k);
            assert_eq!(f.active(i), k == Kind::Firm);
            assert!(!f.adopted(i) && !f.open(i));
        }
        f.set_open(1, true);
        f.set_adopted(2);
        f.set_active(3, false);
        f.set_active(0, true);
        assert!(f.open(1) && !f.open(2) && f.either_open(1, 2) && !f.both_open(1, 2));
        f.set_open(2, true);
        assert!(f.both_open(1, 2) && f.adopted(2) && !f.adopted(1));
        f.set_open(1, false);
        assert!(!f.open(1) && !f.both_open(1, 2));
        assert!(!f.active(3) && f.active(0));
        for (i, &k) in Kind::ALL.iter().enumerate() {
            assert_eq!(f.kind(i as u32), k);
        }
    }
}
