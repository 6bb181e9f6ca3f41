//! Monte Carlo ensembles: R replicates in parallel, bit-identical whatever the thread count.

use crate::model::Model;
use crate::stats::{StatRow, StatsOptions, WaveContext, wave_statistics};
use rayon::prelude::*;

/// How to run an ensemble.
#[derive(Debug, Clone, PartialEq)]
pub struct EnsembleOptions {
    /// Number of replicates.
    pub replicates: u64,
    /// Master seed.
    pub seed: u64,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Statistics options.
    pub stats: StatsOptions,
}

/// The statistics of one wave of one replicate.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveStats {
    /// Wave number, 1-based.
    pub wave: usize,
    /// Step at whose end the wave was observed.
    pub step: u32,
    /// The statistics.
    pub rows: Vec<StatRow>,
}

/// Everything recorded from one replicate.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicateResult {
    /// Replicate index (0-based).
    pub replicate: u64,
    /// One entry per wave.
    pub waves: Vec<WaveStats>,
}

/// The results of an ensemble, in replicate order.
#[derive(Debug, Clone, PartialEq)]
pub struct Ensemble {
    /// Per-replicate results.
    pub replicates: Vec<ReplicateResult>,
}

/// Runs one replicate and computes its wave statistics.
pub fn replicate(model: &Model, seed: u64, r: u64, stats: &StatsOptions) -> ReplicateResult {
    let snaps = model.run(seed, r);
    let waves = (0..snaps.len())
        .map(|k| {
            let ctx = WaveContext {
                current: &snaps[k],
                previous: k.checked_sub(1).map(|p| &snaps[p]),
                first: Some(&snaps[0]),
            };
            WaveStats {
                wave: k + 1,
                step: snaps[k].step,
                rows: wave_statistics(ctx, stats),
            }
        })
        .collect();
    ReplicateResult {
        replicate: r,
        waves,
    }
}

/// Runs the ensemble in parallel; `progress` is called once per finished replicate (from any
/// thread). Results are in replicate order and do not depend on the number of threads.
pub fn run_ensemble(
    model: &Model,
    opts: &EnsembleOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Ensemble, rayon::ThreadPoolBuildError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()?;
    let replicates = pool.install(|| {
        (0..opts.replicates)
            .into_par_iter()
            .map(|r| {
                let out = replicate(model, opts.seed, r, &opts.stats);
                progress();
                out
            })
            .collect()
    });
    Ok(Ensemble { replicates })
}
