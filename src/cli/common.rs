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
    #[arg(long, allow_hyphen_values = true, value_parser = super::args::seed)]
    pub seed: Option<u64>,
    /// Worker threads, 0 for one per core (overrides montecarlo.threads); results do not
    /// depend on it.
    #[arg(long, allow_hyphen_values = true, value_parser = super::args::threads)]
    pub threads: Option<usize>,
    /// Results root (overrides output.dir); each run gets a new directory below it.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress display.
    #[arg(long, short)]
    pub quiet: bool,
}

impl SimFlags {
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

/// Flags every experiment command shares; they override the scenario.
#[derive(Debug, Args)]
pub struct ExperimentArgs {
    /// Replicates per design, variant or parameter point (overrides the scenario).
    #[arg(long, allow_hyphen_values = true, value_parser = super::args::replicates)]
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
