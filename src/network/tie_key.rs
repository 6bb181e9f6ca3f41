//! A byte per active tie, kept beside [`super::Memory`]'s active list in the same order: the
//! tie's trust rounded to sixteenths and whether it is a programme tie, and a mark for ties
//! whose active spell may have started since trust was last updated.
//!
//! Thinned dissolution walks the active list and sorts each tie into a group by these two
//! values before it knows whether the tie is reached at all; read from the tie's 40-byte
//! record, reached in the list's random order, each tie is a cache miss at a million
//! organisations. Read from these bytes it is a sequential pass over one byte per tie; only
//! the ties the jumps reach, and the freshly started ones, read their records.

use super::{Dyad, Origin};

/// The trust steps of [`tie_group`]: the trust is rounded to the nearest `1 / TIE_GROUPS`.
pub const TIE_GROUPS: usize = 16;

/// Marks a key whose tie's spell may have started since the last trust update (a new or
/// revived tie): its record says whether it started in the present step.
pub const FRESH: u8 = 0x80;

/// The group of a tie of trust `trust` (in [0, 1]) of the programme or not: twice its trust
/// rounded to the nearest `1 / TIE_GROUPS` (ties to even), plus one for a programme tie;
/// below 64 for any trust.
#[inline(always)]
pub fn tie_group(trust: f64, programme: bool) -> u8 {
    // `trust * TIE_GROUPS` is exact (a power of two) and, for a trust in [0, 1], in
    // [0, TIE_GROUPS]; adding 2^52 rounds it to the nearest integer, which the low bits then
    // hold, without a float-to-integer conversion.
    const ROUND: f64 = (1u64 << 52) as f64;
    let g = ((trust * TIE_GROUPS as f64 + ROUND).to_bits() & 0x1f) as u8;
    2 * g + programme as u8
}

/// The key of tie `d` without the [`FRESH`] mark.
#[inline(always)]
pub fn key_of(d: &Dyad) -> u8 {
    tie_group(d.trust, d.origin == Origin::Programme)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Trusts round to the nearest sixteenth (halves to even), programme ties are odd, and
    /// every key stays below the mark.
    #[test]
    fn groups_round_trust() {
        assert_eq!(tie_group(0.0, false), 0);
        assert_eq!(tie_group(0.0, true), 1);
        assert_eq!(tie_group(1.0, false), 32);
        assert_eq!(tie_group(0.5, true), 17);
        // 1/32 is half a step: ties to even (0); 3/32 to 2 (even).
        assert_eq!(tie_group(1.0 / 32.0, false), 0);
        assert_eq!(tie_group(3.0 / 32.0, false), 4);
        assert_eq!(tie_group(0.07, false), 2);
        for k in 0..=1000 {
            let t = k as f64 / 1000.0;
            let g = tie_group(t, k % 2 == 1);
            assert!(g < 64 && g & FRESH == 0);
            assert!(((g / 2) as f64 / 16.0 - t).abs() <= 1.0 / 32.0);
        }
    }
}
