//! Dyad memory: the simulation's own network store.
/// Placeholder.
pub type DyadId = u32;
/// Placeholder.
pub struct Dyad;
/// Placeholder.
pub struct Memory;
/// Placeholder.
pub enum Status {
    Active,
    Dormant,
}
