//! Ensembles: many replicates of a model, run by one runner. Seeds come from (master seed,
//! replicate); the worker threads, the progress display, cancellation and sharding live here
//! once, under every command that simulates (`run`, `compare`, `sweep`, `sensitivity`,
//! `hypotheses`, `calibrate`).
//!
//! This layer sits between the model and statistics below and the report above: it imports
//! nothing from `report`, `experiment`, `calibrate` or `cli`.

pub mod cancel;
pub mod progress;
mod runner;
pub mod shard;
mod table;

pub use progress::{Display, Progress, Silent};
pub use runner::{Runner, pool, stop_point};
pub use shard::ShardSpec;
pub use table::{
    Ensemble, EnsembleError, EnsembleOptions, EnsembleTable, KeptReplicate, ReplicateResult,
    Replicator, WaveLayout, WaveStats, replicate, run_ensemble, run_ensemble_range,
    run_ensemble_table,
};
