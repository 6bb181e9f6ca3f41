//! What an observed panel does not observe: missing tie variables, structural zeros and absent
//! actors, per wave. The same observation rule is applied to the observed and to every
//! simulated run before their statistics are computed, so both are measured alike
//! (docs/calibration.md, "Missing ties and absent actors"):
//!
//! - a **missing** dyad takes its value at the previous wave (observed or, if missing there
//!   too, carried forward), and no tie at wave 1: RSiena's imputation rule;
//! - a **structural zero** is no tie;
//! - an **absent** actor (every dyad of its a structural zero) is not active at that wave, so
//!   it counts neither as an isolate nor in any other statistic, and its ties are dropped.

use crate::network::{SnapTie, Snapshot};

/// The unobserved part of one wave, over the model's organisations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WaveMask {
    /// Missing dyads `(a, b)`, `a < b`.
    pub missing: Vec<(u32, u32)>,
    /// Structural-zero dyads `(a, b)`, `a < b`, between present actors.
    pub structural: Vec<(u32, u32)>,
    /// Organisations absent at the wave.
    pub absent: Vec<u32>,
}

impl WaveMask {
    /// Nothing unobserved at this wave?
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.structural.is_empty() && self.absent.is_empty()
    }
}

/// The unobserved part of every wave of a panel (wave 1 first).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Unobserved {
    /// One mask per wave.
    pub waves: Vec<WaveMask>,
}

impl Unobserved {
    /// Is every dyad and actor of every wave observed?
    pub fn is_empty(&self) -> bool {
        self.waves.iter().all(WaveMask::is_empty)
    }

    /// Applies the observation rule to a run's waves (wave `k` is `snaps[k]`), in wave order so
    /// that a missing dyad takes the value its previous wave has after the rule.
    pub fn apply(&self, snaps: &mut [Snapshot]) {
        for k in 0..snaps.len().min(self.waves.len()) {
            let mask = &self.waves[k];
            if mask.is_empty() {
                continue;
            }
            let (before, rest) = snaps.split_at_mut(k);
            apply_wave(mask, before.last(), &mut rest[0]);
        }
    }
}

fn find(ties: &[SnapTie], (a, b): (u32, u32)) -> Option<usize> {
    ties.binary_search_by_key(&(a, b), |t| (t.a, t.b)).ok()
}

/// One wave: absent actors inactive and untied, structural zeros untied, missing dyads as at
/// the previous wave (`previous`, none at wave 1).
fn apply_wave(mask: &WaveMask, previous: Option<&Snapshot>, s: &mut Snapshot) {
    for &i in &mask.absent {
        if let Some(a) = s.active.get_mut(i as usize) {
            *a = false;
        }
    }
    let active = &s.active;
    s.ties.retain(|t| {
        active.get(t.a as usize) == Some(&true)
            && active.get(t.b as usize) == Some(&true)
            && find_pair(&mask.structural, (t.a, t.b)).is_none()
    });
    let mut carried = Vec::new();
    let mut dropped = vec![false; s.ties.len()];
    for &pair in &mask.missing {
        let now = find(&s.ties, pair);
        let before = previous.and_then(|p| find(&p.ties, pair).map(|i| p.ties[i]));
        match (now, before) {
            (Some(i), None) => dropped[i] = true,
            (None, Some(t)) => carried.push(t),
            _ => {}
        }
    }
    let mut k = 0;
    s.ties.retain(|_| {
        k += 1;
        !dropped[k - 1]
    });
    let active = &s.active;
    s.ties.extend(
        carried
            .into_iter()
            .filter(|t| active[t.a as usize] && active[t.b as usize]),
    );
    s.ties.sort_by_key(|t| (t.a, t.b));
}

fn find_pair(sorted: &[(u32, u32)], pair: (u32, u32)) -> Option<usize> {
    sorted.binary_search(&pair).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{NodeAttrs, Origin};
    use std::sync::Arc;

    fn snap(n: usize, ties: &[(u32, u32)]) -> Snapshot {
        let nodes = NodeAttrs {
            ids: (0..n).map(|i| i.to_string()).collect(),
            ..NodeAttrs::default()
        };
        Snapshot::from_ties(
            Arc::new(nodes),
            ties.iter().map(|&(a, b)| SnapTie {
                a,
                b,
                trust: 1.0,
                origin: Origin::Baseline,
            }),
        )
    }

    fn pairs(s: &Snapshot) -> Vec<(u32, u32)> {
        s.ties.iter().map(|t| (t.a, t.b)).collect()
    }

    #[test]
    fn missing_dyads_carry_the_previous_wave_and_absent_actors_drop_out() {
        let mut snaps = vec![
            snap(4, &[(0, 1), (2, 3)]),
            snap(4, &[(0, 2), (2, 3)]),
            snap(4, &[(0, 2), (1, 2)]),
        ];
        let u = Unobserved {
            waves: vec![
                WaveMask {
                    missing: vec![(2, 3)],
                    ..WaveMask::default()
                },
                WaveMask {
                    missing: vec![(0, 1), (2, 3)],
                    structural: vec![(0, 2)],
                    absent: vec![],
                },
                WaveMask {
                    missing: vec![(0, 1)],
                    absent: vec![3],
                    ..WaveMask::default()
                },
            ],
        };
        u.apply(&mut snaps);
        // Wave 1: missing (2, 3) has no previous wave, so no tie.
        assert_eq!(pairs(&snaps[0]), vec![(0, 1)]);
        // Wave 2: (0, 1) carried from wave 1; (2, 3) carried (none); (0, 2) structural.
        assert_eq!(pairs(&snaps[1]), vec![(0, 1)]);
        // Wave 3: (0, 1) carried again; 3 absent.
        assert_eq!(pairs(&snaps[2]), vec![(0, 1), (0, 2), (1, 2)]);
        assert_eq!(snaps[2].active, vec![true, true, true, false]);
        // The rule is idempotent: applying it again changes nothing.
        let again = snaps.clone();
        u.apply(&mut snaps);
        assert_eq!(snaps, again);
    }
}
