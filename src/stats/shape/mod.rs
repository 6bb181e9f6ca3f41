//! Shape statistics: Freeman centralization of degree and betweenness, global transitivity,
//! local clustering, connected components and geodesic distances.

mod betweenness;
mod blocks;
mod brandes;
mod centralization;
mod clustering;
mod components;
mod distances;
mod pivots;
#[cfg(test)]
mod tests;

pub use betweenness::{
    betweenness, betweenness_centralization, betweenness_centralization_in, betweenness_in,
};
pub use centralization::{degree_centralization, freeman_centralization};
pub use clustering::{local_clustering, mean_local_clustering, transitivity, triangles};
pub use components::{ComponentLabels, Components, components};
pub use distances::{geodesic_counts, geodesic_distribution};
pub use pivots::{BOUND_FAILURE, BetweennessMethod, centralization_error_bound, pivots_for_error};

/// The mark of a node not reached (by a search) or outside the present block.
const UNSEEN: u32 = u32::MAX;
