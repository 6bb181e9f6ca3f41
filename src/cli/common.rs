//! Flags shared by the commands that simulate.

use crate::error::{Error, Result};
use crate::scenario::Scenario;
use clap::Args;
use std::path::{Path, PathBuf};

/// Seed, threads, output root and quiet: every simulating command takes them, and they
/// override the scenario.
#[derive(Debug, Args)]
pub struct SimFlags {
    /// Master seed (overrides montecarlo.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads, 0 for one per core (overrides montecarlo.threads); results do not
    /// depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Results root (overrides output.dir); each run gets a new directory below it.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress display.
    #[arg(long, short)]
    pub quiet: bool,
    /// Compute only shard K of N of the work (replicates, designs x replicates, parameter
    /// points) and write a shard directory `<out>/<command>-shard-K-of-N/`; `wecare merge`
    /// puts the N shards together.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::ensemble::ShardSpec>,
}

impl SimFlags {
    /// Starts this process as the shard given by `--shard`, if any (before anything runs).
    pub fn start_shard(&self) -> Result<()> {
        super::shard::start(self.shard)
    }

    /// Writes the flags given into the scenario (seed, threads, output root).
    pub fn apply(&self, s: &mut Scenario) {
        if let Some(x) = self.seed {
            s.montecarlo.seed = x;
        }
        if let Some(t) = self.threads {
            s.montecarlo.threads = t;
        }
        if let Some(o) = &self.out {
            s.output.dir = o.clone();
        }
    }
}

/// If this process is a shard, writes its shard directory under `root` and reports it;
/// returns whether it was a shard (the command then writes nothing else).
pub fn finish_shard(kind: &str, root: &Path, scenarios: &[&Scenario], seed: u64) -> Result<bool> {
    let Some(spec) = crate::ensemble::shard::active() else {
        return Ok(false);
    };
    let tomls: Vec<String> = scenarios
        .iter()
        .map(|s| s.with_resolved_paths().to_toml())
        .collect();
    let dir = super::shard::write_shard(kind, root, &tomls, seed, None)?;
    println!("shard {spec} of {kind}: wrote {}", dir.display());
    Ok(true)
}

/// Flags every experiment command shares; they override the scenario.
#[derive(Debug, Args)]
pub struct ExperimentArgs {
    /// Replicates per design, variant or parameter point (overrides the scenario).
    #[arg(long)]
    pub replicates: Option<u64>,
    #[command(flatten)]
    pub sim: SimFlags,
}

/// A replicate count given on the command line, checked.
pub fn replicates_or(given: Option<u64>, default: u64) -> Result<u64> {
    match given {
        Some(0) => Err(Error::Other("--replicates must be at least 1".into())),
        Some(r) => Ok(r),
        None => Ok(default),
    }
}

/// Loads a scenario for `wecare sweep` or `wecare sensitivity`, with the flags applied; also
/// the replicates per parameter point.
pub fn load_sweep(path: &Path, args: &ExperimentArgs) -> Result<(Scenario, u64)> {
    let mut s = Scenario::load(path)?;
    args.sim.apply(&mut s);
    let sw = s
        .sweep
        .as_ref()
        .ok_or_else(|| Error::Other(format!("{}: no [sweep] section", path.display())))?;
    let replicates = replicates_or(args.replicates, sw.replicates)?;
    Ok((s, replicates))
}
