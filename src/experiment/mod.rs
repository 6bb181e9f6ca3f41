//! Experiments over a model: the Monte Carlo ensemble (and, later, comparisons, sweeps and
//! calibration), generic over scenarios.

mod ensemble;

pub use ensemble::{
    Ensemble, EnsembleOptions, ReplicateResult, WaveStats, replicate, run_ensemble,
};
