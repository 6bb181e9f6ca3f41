//! `wecare compare`: funding designs against a baseline, with common random numbers.

use super::common::{ExperimentArgs, finish_shard, record, replicates_or, rerun};
use crate::ensemble::{Display, Progress, Runner};
use crate::error::{Error, Result};
use crate::experiment::Key;
use crate::experiment::compare::{Design, DesignList, compare, tables, write};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `wecare compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario files, one per design; the first is the baseline.
    pub scenarios: Vec<PathBuf>,
    /// A design list (`baseline = "..."`, `designs = [...]`) instead of scenario files.
    #[arg(long, conflicts_with = "scenarios")]
    pub designs: Option<PathBuf>,
    /// Outcomes to compare, `statistic@wave`, comma-separated (default: ties, organisations,
    /// initiative_share, programme_tie_survival, adoption_share, mean_trust, programme_ties
    /// and cost_per_lasting_tie at the last wave).
    #[arg(long, value_delimiter = ',')]
    pub outcomes: Vec<String>,
    #[command(flatten)]
    pub common: ExperimentArgs,
}

/// `wecare compare`.
pub fn run(args: CompareArgs) -> Result<()> {
    if let Some(m) = &args.common.from {
        return rerun(m, &args.common);
    }
    args.common.sim.start_shard()?;
    let (files, mut outcomes) = match &args.designs {
        Some(list) => DesignList::load(list)?,
        None => (args.scenarios.clone(), Vec::new()),
    };
    if files.is_empty() {
        return Err(Error::Other(
            "give the designs' scenario files (the first is the baseline) or --designs FILE".into(),
        ));
    }
    if !args.outcomes.is_empty() {
        outcomes = args
            .outcomes
            .iter()
            .map(|s| s.parse::<Key>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::Other(format!("--outcomes: {e}")))?;
    }
    let designs: Vec<Design> = files
        .iter()
        .map(|f| Design::load(f))
        .collect::<Result<_>>()?;
    let base = &designs[0].scenario;
    for d in &designs[1..] {
        if d.scenario.montecarlo.seed != base.montecarlo.seed {
            eprintln!(
                "note: {} sets seed {}; every design runs from the baseline's seed {} (common random numbers)",
                d.file.display(),
                d.scenario.montecarlo.seed,
                base.montecarlo.seed
            );
        }
    }
    let mut base = base.clone();
    args.common.sim.apply(&mut base);
    let replicates = replicates_or(args.common.replicates, base.montecarlo.replicates)?;
    let seed = base.montecarlo.seed;
    let bar = Display::new(args.common.sim.quiet);
    let runner = Runner::new(base.montecarlo.threads, &bar)?;
    let clock = std::time::Instant::now();
    let c = compare(&designs, &runner, replicates, seed, &outcomes)?;
    bar.finish();
    let scenarios: Vec<&crate::scenario::Scenario> = std::iter::once(&base)
        .chain(designs[1..].iter().map(|d| &d.scenario))
        .collect();
    if finish_shard("compare", &base.output.dir, &scenarios, seed)? {
        return Ok(());
    }
    record("compare", &scenarios, seed);
    let dir = write(&c, &base.output.dir)?;
    let (levels, diffs) = tables(&c);
    println!(
        "Means ({reps} per design, seed {seed}):\n{}",
        levels.text(),
        reps = crate::report::fmt::count(replicates, "replicate")
    );
    println!(
        "Differences from {} (paired, 95% interval):\n{}",
        c.designs[0],
        diffs.text()
    );
    if let Some(e) = crate::experiment::compare::economics(&c) {
        println!(
            "Against no programme, and incremental cost (paired; ratios with bootstrap 95% intervals):\n{}",
            crate::experiment::compare::economics_table(&e).text()
        );
    }
    println!(
        "{} designs x {reps} in {:.1} s; wrote {}",
        designs.len(),
        clock.elapsed().as_secs_f64(),
        dir.display(),
        reps = crate::report::fmt::count(replicates, "replicate")
    );
    Ok(())
}
