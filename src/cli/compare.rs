//! `wecare compare`: funding designs against a baseline, with common random numbers.

use super::common::{
    ExperimentArgs, StatisticsFlag, finish_shard, record, record_with_inputs, replicates_or, rerun,
};
use crate::ensemble::{Display, Progress, Runner};
use crate::error::{Error, Result};
use crate::experiment::Key;
use crate::experiment::compare::{Design, DesignList, compare, tables, write};
use crate::experiment::robust::{
    Setting, across, generator_path, holdings_table, posterior_settings, seed_settings,
    sweep_settings, values_settings, write as write_robustness,
};
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
    /// Robustness: re-run the comparison on other draws of the baseline's data set, made by
    /// the generator (the `generator.toml` beside its organisations file) with these seeds,
    /// comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "SEEDS")]
    pub across_data_seeds: Vec<u64>,
    /// Robustness: re-run the comparison at every value of one parameter, set in every design:
    /// `KEY=V1,V2,...` (repeatable; e.g. `formation.effects.project_budget=0,0.25,0.5,1`).
    #[arg(long, value_name = "KEY=VALUES")]
    pub across_values: Vec<String>,
    /// Robustness: re-run the comparison at the low end, middle and high end of every range
    /// of FILE's `[sweep]` parameters (their `values` without a range), one at a time.
    #[arg(long, value_name = "FILE")]
    pub across_sweep: Option<PathBuf>,
    /// Robustness: re-run the comparison at draws from an ABC posterior (the `posterior.csv`
    /// of `wecare calibrate`), set in every design.
    #[arg(long, value_name = "POSTERIOR_CSV")]
    pub across_posterior: Option<PathBuf>,
    /// Draws of --across-posterior.
    #[arg(long, default_value_t = 20)]
    pub draws: usize,
    #[command(flatten)]
    pub common: ExperimentArgs,
    #[command(flatten)]
    pub statistics: StatisticsFlag,
}

/// `wecare compare`.
pub fn run(args: CompareArgs) -> Result<()> {
    args.statistics.not_with_from(args.common.from.as_deref())?;
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
    let mut runner = Runner::new(base.montecarlo.threads, &bar)?;
    args.statistics.observe_in(&mut base, &mut runner)?;
    let clock = std::time::Instant::now();
    let settings = settings(&args)?;
    let scenarios: Vec<&crate::scenario::Scenario> = std::iter::once(&base)
        .chain(designs[1..].iter().map(|d| &d.scenario))
        .collect();
    if !settings.is_empty() {
        let run = RobustnessRun {
            designs: &designs,
            scenarios: &scenarios,
            replicates,
            seed,
            outcomes: &outcomes,
            settings: &settings,
            inputs: robustness_inputs(&args, &settings, &base)?,
        };
        return robustness(&run, &runner, &bar);
    }
    let c = compare(&designs, &runner, replicates, seed, &outcomes)?;
    bar.finish();
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

/// The robustness settings the flags ask for, in the order data seeds, values, sweep,
/// posterior.
fn settings(args: &CompareArgs) -> Result<Vec<Setting>> {
    let mut out = seed_settings(&args.across_data_seeds);
    for spec in &args.across_values {
        out.extend(values_settings(spec)?);
    }
    if let Some(f) = &args.across_sweep {
        out.extend(sweep_settings(&crate::scenario::Scenario::load(f)?)?);
    }
    if let Some(f) = &args.across_posterior {
        out.extend(posterior_settings(f, args.draws)?);
    }
    Ok(out)
}

/// The files a robustness run reads besides the designs and their data: the generator's
/// parameters (for redrawn data), the sweep file and the posterior, so that `--from` checks
/// them too.
fn robustness_inputs(
    args: &CompareArgs,
    settings: &[Setting],
    base: &crate::scenario::Scenario,
) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if settings.iter().any(|s| s.data_seed.is_some()) {
        out.push(generator_path(base)?);
    }
    out.extend(args.across_sweep.iter().cloned());
    out.extend(args.across_posterior.iter().cloned());
    Ok(out)
}

/// What a robustness run compares, where and how.
struct RobustnessRun<'a> {
    designs: &'a [Design],
    /// The designs' scenarios as run (the baseline's with the command's flags applied).
    scenarios: &'a [&'a crate::scenario::Scenario],
    replicates: u64,
    seed: u64,
    outcomes: &'a [Key],
    settings: &'a [Setting],
    /// Other files read ([`robustness_inputs`]).
    inputs: Vec<PathBuf>,
}

/// `wecare compare --across-...`: the comparison and its re-runs at every setting. Under
/// `--shard K/N` every setting's comparison computes the shard's block of its jobs, and
/// `wecare merge` writes the robustness directory the unsharded run writes.
fn robustness(run: &RobustnessRun, runner: &Runner, bar: &Display) -> Result<()> {
    let clock = std::time::Instant::now();
    let r = across(
        run.designs,
        runner,
        run.replicates,
        run.seed,
        run.outcomes,
        run.settings,
    )?;
    bar.finish();
    let root = &run.scenarios[0].output.dir;
    if finish_shard("compare", root, run.scenarios, run.seed)? {
        return Ok(());
    }
    record_with_inputs("compare", run.scenarios, run.seed, run.inputs.clone());
    let dir = write_robustness(&r, root)?;
    println!(
        "Robustness: does each difference from {} keep its reading?\n{}",
        run.designs[0].name,
        holdings_table(&r).text()
    );
    println!(
        "{} designs x {reps} at {} settings and the reference in {:.1} s; wrote {}",
        run.designs.len(),
        run.settings.len(),
        clock.elapsed().as_secs_f64(),
        dir.display(),
        reps = crate::report::fmt::count(run.replicates, "replicate")
    );
    Ok(())
}
