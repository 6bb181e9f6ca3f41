//! `wecare sweep`: the parameter grid of a scenario's `[sweep]` section.

use super::common::{ExperimentArgs, load_sweep};
use crate::error::Result;
use crate::experiment::output::{Bar, fmt_sig};
use crate::experiment::sweep::{grid, main_effect, write_grid};
use crate::experiment::table::Table;
use crate::experiment::{Progress, Runner};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `wecare sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file with a `[sweep]` section.
    pub scenario: PathBuf,
    #[command(flatten)]
    pub common: ExperimentArgs,
}

/// `wecare sweep`.
pub fn run(args: SweepArgs) -> Result<()> {
    let (s, replicates) = load_sweep(&args.scenario, &args.common)?;
    let seed = s.montecarlo.seed;
    let bar = Bar::new(args.common.sim.quiet);
    let runner = Runner::new(s.montecarlo.threads, &bar)?;
    let clock = std::time::Instant::now();
    let g = grid(&runner, &s, replicates, seed)?;
    bar.finish();
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
