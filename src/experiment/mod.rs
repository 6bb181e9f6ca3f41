//! Experiments over a model: the Monte Carlo ensemble, comparisons of funding designs,
//! parameter sweeps and sensitivity analysis, and the hypothesis experiments (Q1-Q3),
//! generic over scenarios.

pub mod compare;
pub mod estimate;
pub mod hypotheses;
pub mod outcome;
pub mod output;
pub mod plot;
pub mod record;
pub mod robust;
pub mod sensitivity;
pub mod sweep;
pub mod table;

pub use crate::ensemble::{
    Ensemble, EnsembleError, EnsembleOptions, EnsembleTable, KeptReplicate, Progress,
    ReplicateResult, Replicator, Runner, Silent, WaveLayout, WaveStats, replicate, run_ensemble,
    run_ensemble_table,
};
pub use outcome::{Key, OutcomeTable, Outcomes, Selection};
