//! `wecare slurm`: job scripts for a Slurm cluster.

use crate::error::{Error, Result};
use clap::Args;

/// Arguments of `wecare slurm`.
#[derive(Debug, Args)]
pub struct SlurmArgs {
    /// The command and its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
    pub command: Vec<String>,
}

/// `wecare slurm`.
pub fn run(_args: SlurmArgs) -> Result<()> {
    Err(Error::Other("slurm: not yet".into()))
}
