//! What `wecare slurm` checks before it writes a job script: that the command parses as it
//! will run in every array task, and that every scenario it names (with its data) passes the
//! validation the command itself makes. A job array is never written for a command that would
//! fail in every one of its tasks.

use super::{Cli, Command};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use clap::Parser;
use std::path::{Path, PathBuf};

/// Parses `command` as shard 1 of `shards` runs it and validates its scenarios; errors name
/// the file (and line and key) as `wecare validate` does.
pub fn check_command(command: &[String], out: Option<&str>, shards: u64) -> Result<()> {
    let mut argv: Vec<String> = vec!["wecare".into()];
    argv.extend(command.iter().cloned());
    argv.extend(["--shard".into(), format!("1/{shards}")]);
    if let Some(o) = out {
        argv.extend(["--out".into(), o.to_string()]);
    }
    let cli = Cli::try_parse_from(&argv).map_err(|e| {
        Error::Other(format!(
            "slurm: the command `{}` does not parse: {}",
            command.join(" "),
            e.render().to_string().trim()
        ))
    })?;
    match cli.command {
        Command::Run(a) => super::run::check(&a),
        Command::Compare(a) => {
            let files = match &a.designs {
                Some(list) => crate::experiment::compare::DesignList::load(list)?.0,
                None => a.scenarios.clone(),
            };
            if files.is_empty() {
                return Err(Error::Other(
                    "slurm: give the designs' scenario files or --designs FILE".into(),
                ));
            }
            for (k, f) in files.iter().enumerate() {
                let mut s = validated(f)?;
                if k == 0 {
                    a.statistics.apply(&mut s)?;
                }
            }
            Ok(())
        }
        Command::Sweep(a) => sweep(a.scenario.as_deref(), &a.statistics),
        Command::Sensitivity(a) => sweep(a.scenario.as_deref(), &a.statistics),
        Command::Hypotheses(a) => validated(&scenario_path(a.scenario)?).map(|_| ()),
        // `parse_plan` lets only the commands above (and a calibration, checked by starting
        // it) through.
        _ => Ok(()),
    }
}

fn scenario_path(p: Option<PathBuf>) -> Result<PathBuf> {
    p.ok_or_else(|| Error::Other("slurm: the command names no scenario file".into()))
}

/// A scenario loaded and checked with its data, as `wecare validate` does.
fn validated(path: &Path) -> Result<Scenario> {
    let s = Scenario::load(path)?;
    super::run::prepare(&s)?;
    Ok(s)
}

fn sweep(path: Option<&Path>, statistics: &super::common::StatisticsFlag) -> Result<()> {
    let path = scenario_path(path.map(Path::to_path_buf))?;
    let mut s = validated(&path)?;
    if s.sweep.is_none() {
        return Err(Error::Other(format!(
            "{}: no [sweep] section",
            path.display()
        )));
    }
    statistics.apply(&mut s)
}
