//! Upper bounds on every size a user can ask for.
//!
//! Requests beyond these limits are refused by validation (`wecare validate` and every
//! command that loads a scenario or generator file) before anything is allocated, with an
//! error that names the key. Each limit is far above any run the engine is meant for (the
//! largest shipped scenario, `region-100k`, has 100,000 organisations and 300 replicates) and
//! far below what would exhaust memory or overflow the arithmetic that sizes buffers. The
//! table is repeated in `docs/errors.md`.

/// Most replicates of one ensemble (`montecarlo.replicates`, `--replicates`,
/// `sweep.replicates`).
pub const REPLICATES: u64 = 1_000_000;

/// Most time steps of a timeline (`timeline.pre + timeline.programme + timeline.post`).
pub const STEPS: u64 = 100_000;

/// Most organisations in a data set, read from files or generated.
pub const ORGANISATIONS: u64 = 10_000_000;

/// Most territories of a generated data set.
pub const TERRITORIES: u64 = 1_000_000;

/// Most particles of an ABC-SMC generation (`calibration.abc.particles`).
pub const PARTICLES: u64 = 1_000_000;

/// Most simulations of any other simulation-count setting (`calibration.abc.max_simulations`,
/// `calibration.predictive_draws`, the method of moments' phases, Sobol samples, Morris
/// trajectories, bootstrap resamples).
pub const SIMULATIONS: u64 = 100_000_000;

/// Largest absolute value of a calibration prior's bounds, mean and standard deviation: a
/// wider prior's particles have a covariance that overflows.
pub const PRIOR_SCALE: f64 = 1e6;

/// Most grid values of one swept parameter (`sweep.parameters.values`): every parameter point
/// carries the scenario, whose size grows with them.
pub const GRID_VALUES: u64 = 10_000;

/// Most generations of ABC-SMC, subphases and rounds of the method of moments, Morris levels.
pub const ITERATIONS: u64 = 10_000;

/// Most worker threads (`montecarlo.threads`, `--threads`).
pub const THREADS: u64 = 1024;

/// Largest input file read whole (scenario, data, generator, calibration and run-record
/// files), in bytes: 2 GiB.
pub const INPUT_BYTES: u64 = 1 << 31;

/// Largest mean count of events per organisation, project or initiative in one step
/// (`formation.rate`, `funding.recruit_rate`, `initiative.partners_mean`): the work of a step
/// grows with it.
pub const RATE: f64 = 1000.0;

/// Most shards of a sharded command (`--shard K/N`, `wecare slurm --shards N`).
pub const SHARDS: u64 = 100_000;

/// Largest weight accepted where relative weights are summed (generator kind and archetype
/// mixes): the sum of a few such weights stays finite.
pub const WEIGHT: f64 = 1e12;

/// Problem text when `value` exceeds `limit`, else `None`.
pub fn exceeds(value: u64, limit: u64) -> Option<String> {
    (value > limit)
        .then(|| format!("{value} is above the limit of {limit} (see docs/errors.md, \"Limits\")"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceeds_only_above_the_limit() {
        assert_eq!(exceeds(REPLICATES, REPLICATES), None);
        let m = exceeds(REPLICATES + 1, REPLICATES).unwrap();
        assert!(m.contains("1000001") && m.contains("1000000"), "{m}");
    }
}
