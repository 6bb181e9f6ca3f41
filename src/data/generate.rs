//! Synthetic data sets: territories with the three partnership archetypes.
