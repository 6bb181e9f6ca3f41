//! `wecare sweep`: the parameter grid of a scenario's `[sweep]` section.

use super::common::{ExperimentArgs, StatisticsFlag, finish_shard, record, start_sweep};
use crate::ensemble::{Display, Progress, Runner};
use crate::error::Result;
use crate::experiment::output::fmt_sig;
use crate::experiment::sweep::{grid, main_effect, write_grid};
use crate::experiment::table::Table;
use clap::Args;
use std::path::PathBuf;

/// Arguments of `wecare sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file with a `[sweep]` section.
    #[arg(required_unless_present = "from")]
    pub scenario: Option<PathBuf>,
    #[command(flatten)]
    pub common: ExperimentArgs,
    #[command(flatten)]
    pub statistics: StatisticsFlag,
}

/// `wecare sweep`.
pub fn run(args: SweepArgs) -> Result<()> {
    let Some((mut s, replicates)) =
        start_sweep(args.scenario.as_deref(), &args.common, &args.statistics)?
    else {
        return Ok(());
    };
    let seed = s.montecarlo.seed;
    let bar = Display::new(args.common.sim.quiet);
    let mut runner = Runner::new(s.montecarlo.threads, &bar)?;
    args.statistics.observe_in(&mut s, &mut runner)?;
    let clock = std::time::Instant::now();
    let g = grid(&runner, &s, replicates, seed)?;
    bar.finish();
    if finish_shard("sweep", &s.output.dir, &[&s], seed)? {
        return Ok(());
    }
    record("sweep", &[&s], seed);
    let dir = write_grid(&g, &s.scenario.name, &s.output.dir)?;
    for (c, k) in g.outputs.iter().enumerate() {
        for (p, name) in g.parameters.iter().enumerate() {
            let mut t = Table::new(&[name.as_str(), &format!("{k} mean"), "95% interval"]);
            for (v, x) in main_effect(&g, p, c) {
                t.push(vec![
                    fmt_sig(v, 4),
                    fmt_sig(x.mean, 4),
                    format!("[{}, {}]", fmt_sig(x.lo, 3), fmt_sig(x.hi, 3)),
                ]);
            }
            println!("{}", t.text());
        }
    }
    println!(
        "{} points x {reps} in {:.1} s; wrote {}",
        g.points.len(),
        clock.elapsed().as_secs_f64(),
        dir.display(),
        reps = crate::report::fmt::count(replicates, "replicate")
    );
    Ok(())
}
