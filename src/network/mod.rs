//! Network representations: the simulation's fast dyad memory ([`Memory`]) and the read-only
//! wave view ([`Snapshot`]) that statistics, reports and file writers work on.

mod degree_counts;
mod graph;
mod memory;
mod snapshot;
mod tie_key;

pub use graph::{GraphNode, GraphTie};
#[cfg(test)]
pub(crate) use memory::reference;
pub use memory::{Dyad, DyadId, Memory, Slab, SlabHeaders, Status, prefetch};
pub use snapshot::{NodeAttrs, Origin, SnapTie, Snapshot};
pub use tie_key::{FRESH, TIE_GROUPS, key_of, tie_group};
