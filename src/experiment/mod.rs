//! Experiments over a model: the Monte Carlo ensemble (and, later, comparisons, sweeps and
//! calibration), generic over scenarios.

mod ensemble;

pub use ensemble::{
    Ensemble, EnsembleError, EnsembleOptions, EnsembleTable, KeptReplicate, ReplicateResult,
    WaveLayout, WaveStats, replicate, run_ensemble, run_ensemble_table,
};
