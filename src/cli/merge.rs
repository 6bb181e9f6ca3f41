//! `wecare merge SHARD_DIR...`: puts the shards of one command together and writes the run or
//! experiment directory an unsharded run writes, byte for byte.

use super::shard::{check_shards, replay};
use crate::ensemble::shard::{self, Mode};
use crate::error::{Error, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Arguments of `wecare merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard directories (`<command>-shard-K-of-N`), all N of them, in any order.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Results root (default: the one the shards were given).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress display.
    #[arg(long, short)]
    pub quiet: bool,
}

fn absolute(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).map_err(|e| Error::io(p, e))
}

/// `wecare merge`: checks the shards (same command, scenario, engine and seed; each shard
/// once; none missing; files intact), then runs the recorded command with the shards' results
/// in place of the simulations. Nothing is written unless every check passes.
pub fn run(args: MergeArgs) -> Result<()> {
    let dirs: Vec<PathBuf> = args
        .shards
        .iter()
        .map(|d| absolute(d))
        .collect::<Result<_>>()?;
    let set = check_shards(&dirs)?;
    let m = set.manifests[0].clone();
    let cwd = PathBuf::from(&m.cwd);
    let out = match (&args.out, &m.out) {
        (Some(o), _) => Some(absolute(o)?),
        (None, Some(o)) => Some(cwd.join(o)),
        (None, None) => None,
    };
    let replay = replay(&set)?;
    shard::set_mode(Mode::Replay(Mutex::new(replay)))?;
    super::redispatch(&m.command, &cwd, out, args.quiet)
}
