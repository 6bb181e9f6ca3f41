//! The effects the model evaluates. The effects table itself is part of the scenario
//! specification ([`crate::scenario::effect`], re-exported here); this module holds what
//! evaluating it needs: the statistic functions over the world ([`statistic`] maps each
//! [`StatisticId`] to its function) and the non-zero effects of each process and phase,
//! compiled once per model ([`Terms`]), so a trial costs only the effects in use.

mod statistics;
mod terms;

pub use crate::scenario::effect::{
    Channel, Coefficient, EFFECTS, Effect, Effects, Process, StatisticId,
};
pub use statistics::{bounds, statistic};
pub use terms::{
    Compiled, DissolutionCeiling, DissolutionCuts, Term, Terms, decide, org_ceiling, predictor,
};

use super::process::{Ctx, Scratch};
use super::world::World;

/// What the model looks at when it evaluates a predictor: the choosing organisation `i`, the
/// other end `j` (for organisation processes `j == i`), and the tie (dissolution only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Focus {
    /// The organisation whose choice or state the predictor is about.
    pub i: u32,
    /// The other organisation of the dyad (`i` itself for organisation processes).
    pub j: u32,
    /// The pair's dyad when the caller knows it: the active tie (dissolution) or the
    /// remembered dyad of a formation candidate, [`Focus::NEVER_TIED`] when the caller knows
    /// the pair was never tied, else [`Focus::UNKNOWN`].
    pub tie: u32,
}

impl Focus {
    /// `tie` when the caller has not looked the pair's dyad up.
    pub const UNKNOWN: u32 = u32::MAX;

    /// `tie` when the caller knows the pair was never tied.
    pub const NEVER_TIED: u32 = u32::MAX - 1;

    /// A dyad `i` -> `j` (formation), its dyad not looked up.
    pub fn dyad(i: u32, j: u32) -> Focus {
        Focus {
            i,
            j,
            tie: Focus::UNKNOWN,
        }
    }

    /// A dyad `i` -> `j` (formation) whose dyad the caller has looked up: `Some` when the
    /// pair was ever tied. The remembered trust is then read without a search.
    pub fn known(i: u32, j: u32, dyad: Option<u32>) -> Focus {
        Focus {
            i,
            j,
            tie: dyad.unwrap_or(Focus::NEVER_TIED),
        }
    }

    /// An active tie (dissolution).
    pub fn tie(a: u32, b: u32, tie: u32) -> Focus {
        Focus { i: a, j: b, tie }
    }

    /// An organisation (adoption, initiative).
    pub fn org(i: u32) -> Focus {
        Focus {
            i,
            j: i,
            tie: Focus::UNKNOWN,
        }
    }
}

/// A statistic: the value an effect's coefficient multiplies. `Scratch` holds the marks that
/// counting common partners needs.
pub type Statistic = fn(&Ctx, &World, Focus, &mut Scratch) -> f64;

/// Cheap bounds `(lo, hi)` of a costly statistic, `lo <= statistic <= hi`, which let most
/// trials be decided without computing it (see [`decide`]). Valid while every trust lies in
/// [0, 1], which [`crate::model::process::Tables::bounds_hold`] records.
pub type Bounds = fn(&Ctx, &World, Focus) -> (f64, f64);
