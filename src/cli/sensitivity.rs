//! `wecare sensitivity`: Morris screening or Sobol indices over the ranges of a scenario's
//! `[sweep]` section.

use super::common::{ExperimentArgs, StatisticsFlag, finish_shard, record, start_sweep};
use crate::ensemble::{Display, Progress, Runner};
use crate::error::Result;
use crate::experiment::sensitivity::{Method, run as analyse, table, write};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// The analysis to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Morris elementary effects (screening; cheap).
    Morris,
    /// Sobol first-order and total indices (Saltelli sampling).
    Sobol,
}

/// Arguments of `wecare sensitivity`.
#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// Scenario file with a `[sweep]` section whose parameters have a `range`.
    #[arg(required_unless_present = "from")]
    pub scenario: Option<PathBuf>,
    /// Method.
    #[arg(long, value_enum, default_value = "morris")]
    pub method: MethodArg,
    #[command(flatten)]
    pub common: ExperimentArgs,
    #[command(flatten)]
    pub statistics: StatisticsFlag,
}

/// `wecare sensitivity`.
pub fn run(args: SensitivityArgs) -> Result<()> {
    let Some((mut s, replicates)) =
        start_sweep(args.scenario.as_deref(), &args.common, &args.statistics)?
    else {
        return Ok(());
    };
    let seed = s.montecarlo.seed;
    let method = match args.method {
        MethodArg::Morris => Method::Morris,
        MethodArg::Sobol => Method::Sobol,
    };
    let bar = Display::new(args.common.sim.quiet);
    let mut runner = Runner::new(s.montecarlo.threads, &bar)?;
    args.statistics.observe_in(&mut s, &mut runner)?;
    let clock = std::time::Instant::now();
    let r = analyse(&runner, &s, method, replicates, seed)?;
    bar.finish();
    if finish_shard("sensitivity", &s.output.dir, &[&s], seed)? {
        return Ok(());
    }
    record("sensitivity", &[&s], seed);
    let dir = write(&r, &s.scenario.name, &s.output.dir)?;
    println!("{}", table(&r).text());
    println!(
        "{} points x {reps} in {:.1} s; wrote {}",
        r.points.len(),
        clock.elapsed().as_secs_f64(),
        dir.display(),
        reps = crate::report::fmt::count(replicates, "replicate")
    );
    Ok(())
}
