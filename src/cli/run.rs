//! `wecare run` and `wecare validate`.

use super::common::{SimFlags, parse_statistics};
use super::shard::write_shard;
use crate::ensemble::shard::{self, ShardSpec};
use crate::ensemble::{
    Display, EnsembleOptions, EnsembleTable, KeptReplicate, Progress, run_ensemble_range,
    run_ensemble_table,
};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::report::fmt::count;
use crate::report::{Manifest, RunDir, RunInfo, finish_run};
use crate::scenario::Scenario;
use crate::stats::StatsOptions;
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// Arguments of `wecare run`; flags override the scenario.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML).
    #[arg(required_unless_present = "from", conflicts_with = "from")]
    pub scenario: Option<PathBuf>,
    /// Re-run a recorded run from its manifest.json (or its run directory): same scenario,
    /// seed and replicates, so replicates.csv comes out bit for bit the same.
    #[arg(long, value_name = "MANIFEST", conflicts_with_all = ["replicates", "seed", "per_territory", "statistics"])]
    pub from: Option<PathBuf>,
    /// Number of replicates (overrides montecarlo.replicates).
    #[arg(long, allow_hyphen_values = true, value_parser = super::args::replicates)]
    pub replicates: Option<u64>,
    /// Replicates whose wave networks are written to networks/, comma-separated, or `none`
    /// (overrides output.networks).
    #[arg(long, value_name = "LIST")]
    pub networks: Option<String>,
    /// Also compute every statistic per territory (sets observation.per_territory).
    #[arg(long)]
    pub per_territory: bool,
    /// Write no plots and no report.html (sets output.report = false).
    #[arg(long)]
    pub no_report: bool,
    /// The statistics to observe, comma-separated names or `prefix*` patterns, or `all`
    /// (sets observation.statistics; docs/statistics.md lists them).
    #[arg(long, value_name = "LIST")]
    pub statistics: Option<String>,
    #[command(flatten)]
    pub sim: SimFlags,
}

/// Checks the scenario's declared statistics and reads its data set; the model to run.
pub(super) fn prepare(scenario: &Scenario) -> Result<Model> {
    let problems = crate::stats::select::scenario_problems(scenario);
    if !problems.is_empty() {
        return Err(scenario.located(problems).into());
    }
    let (ds, warnings) = scenario.load_dataset()?;
    for w in &warnings {
        eprintln!("{w}");
    }
    Ok(Model::new(&ds, &scenario.params())?)
}

/// `wecare validate`: parse the scenario, read and check its data, build the model.
pub fn validate(path: &Path) -> Result<()> {
    let s = Scenario::load(path)?;
    let model = prepare(&s)?;
    let w = model.initial();
    let c = &s.calibration;
    if !c.observed.is_empty() || !c.parameters.is_empty() {
        // The calibration section: priors, observed wave files and matched statistics.
        let (ds, _) = s.load_dataset()?;
        let p = crate::calibrate::Problem::with_observed(&s, ds, None)?;
        println!(
            "calibration: {} parameter(s), {} observed wave file(s), {} target(s)",
            p.dim(),
            p.observed.len(),
            p.targets.len()
        );
    }
    println!(
        "{}: valid. {} organisations ({} active), {} ties, {} projects; {} steps, waves at {:?}",
        path.display(),
        w.len(),
        w.active_set.len(),
        w.memory.active_count(),
        w.projects.len(),
        s.timeline.steps(),
        s.timeline.waves
    );
    Ok(())
}

fn parse_networks(text: &str) -> Result<Vec<u64>> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    if t.is_empty() {
        return Err(Error::Other(
            "--networks: the list is empty (give e.g. `0,5,9`, or `none` for no networks)".into(),
        ));
    }
    t.split(',')
        .map(|x| {
            x.trim().parse::<u64>().map_err(|_| {
                Error::Other(format!(
                    "--networks: `{x}` is not a replicate index (give e.g. `0,5,9` or `none`)"
                ))
            })
        })
        .collect()
}

/// The scenario of a recorded run, after checking that its inputs are unchanged.
fn from_manifest(path: &Path) -> Result<Scenario> {
    let (m, file) = Manifest::read(path)?;
    m.check_inputs()?;
    let here = crate::report::manifest::Engine::current();
    if m.engine.version != here.version || m.engine.git_commit != here.git_commit {
        eprintln!(
            "warning: the run was made by wecare {} (commit {}); this is wecare {} (commit {}): \
             results may differ",
            m.engine.version, m.engine.git_commit, here.version, here.git_commit
        );
    }
    m.scenario(&format!("{} (scenario)", file.display()))
}

/// The ensemble of a merge: a table whose values stay in the shards' files, in shard order,
/// read a block at a time when the run's files are written, so the merge's memory does not
/// grow with the replicates. Replicate 0 is simulated again to lay the table out and to check
/// that the shards were made by this engine from these data; the replicates whose networks are
/// kept are simulated again too (a handful), as the shards do not carry networks.
fn merged_table(
    model: &Model,
    opts: &EnsembleOptions,
    keep: &[u64],
    blocks: &[PathBuf],
) -> Result<(EnsembleTable, Vec<KeptReplicate>)> {
    let ens = |range: std::ops::Range<u64>, keep: &[u64]| {
        run_ensemble_range(model, opts, range, keep, &|| {})
            .map_err(|e| Error::Other(e.to_string()))
    };
    let (probe, _) = ens(0..1.min(opts.replicates), &[])?;
    let files: Vec<PathBuf> = blocks.iter().map(|d| d.join("values.f64")).collect();
    let table = probe
        .in_files(&files)
        .map_err(|e| Error::Other(e.to_string()))?;
    let mut first = Vec::new();
    if table.replicates() > 0 {
        table
            .for_each_replicate(|r, v| {
                if r == 0 {
                    first = v.to_vec();
                    // Only the first replicate is wanted: stop reading.
                    return Err(std::io::Error::other("enough"));
                }
                Ok(())
            })
            .ok();
    }
    let same = |a: &[f64], b: &[f64]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
    };
    if table.replicates() != opts.replicates
        || (opts.replicates > 0 && !same(&first, probe.wave_values_all(0)))
    {
        return Err(Error::Other(format!(
            "{}: the shards hold {} replicates that do not match this engine and data \
             (expected {})",
            blocks
                .first()
                .map_or(String::new(), |d| d.display().to_string()),
            table.replicates(),
            opts.replicates
        )));
    }
    let mut kept = Vec::new();
    for &r in keep.iter().filter(|&&r| r < opts.replicates) {
        kept.extend(ens(r..r + 1, &[r])?.1);
    }
    Ok((table, kept))
}

/// `wecare run`.
pub fn run(args: RunArgs) -> Result<()> {
    args.sim.start_shard()?;
    let scenario = scenario_of(&args)?;
    let model = prepare(&scenario)?;
    let threads = match scenario.montecarlo.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        t => t,
    };
    let opts = EnsembleOptions {
        replicates: scenario.montecarlo.replicates,
        seed: scenario.montecarlo.seed,
        threads,
        stats: StatsOptions::observing(&scenario.observation),
    };
    let bar = Display::new(args.sim.quiet);
    let toml = super::common::shard_toml(&scenario);
    super::shard_check::check_replayed("run", &[toml], opts.seed)?;
    if let Some(spec) = shard::active() {
        return run_shard(&model, &scenario, &opts, spec, &bar);
    }
    // The directory exists, under its partial name, from the start of the run.
    let root = scenario.output.dir.clone();
    let dir = RunDir::create(&root, &scenario.scenario.name).map_err(|e| Error::io(&root, e))?;
    let started = SystemTime::now();
    let clock = Instant::now();
    let blocks = shard::replay_blocks();
    let (table, kept) = if blocks.is_empty() {
        bar.stage("replicates", opts.replicates);
        run_ensemble_table(&model, &opts, &scenario.output.networks, &|| bar.inc(1))
            .map_err(|e| Error::Other(e.to_string()))?
    } else {
        merged_table(&model, &opts, &scenario.output.networks, &blocks)?
    };
    bar.finish();
    let info = RunInfo {
        threads,
        started,
        wall_seconds: clock.elapsed().as_secs_f64(),
        command: std::env::args().collect(),
    };
    let (path, report_problem) = finish_run(dir, &scenario, &table, &kept, &info)?;
    println!(
        "{} of {} in {:.2} s on {}; wrote {}",
        count(opts.replicates, "replicate"),
        scenario.scenario.name,
        info.wall_seconds,
        count(threads as u64, "thread"),
        path.display()
    );
    match report_problem {
        Some(e) => eprintln!(
            "warning: the report could not be built ({e}); the results are complete. \
             Try again with `wecare report {}`",
            path.display()
        ),
        None if scenario.output.report => {
            println!("report: {}", path.join("report.html").display())
        }
        None => {}
    }
    Ok(())
}

/// Checks what `wecare run` with these arguments would check before it simulates (the
/// scenario with the flags applied, its statistics and data), without running anything.
pub(super) fn check(args: &RunArgs) -> Result<()> {
    prepare(&scenario_of(args)?).map(|_| ())
}

/// The scenario to run: the file given or the one recorded in a run's manifest (`--from`),
/// with the command line's settings applied and checked.
fn scenario_of(args: &RunArgs) -> Result<Scenario> {
    let mut scenario = match (&args.from, &args.scenario) {
        (Some(m), _) => from_manifest(m)?,
        (None, Some(p)) => Scenario::load(p)?,
        (None, None) => return Err(Error::Other("give a scenario file or --from".into())),
    };
    if let Some(r) = args.replicates {
        if r == 0 {
            return Err(Error::Other("--replicates must be at least 1".into()));
        }
        scenario.montecarlo.replicates = r;
    }
    args.sim.apply(&mut scenario);
    if let Some(n) = &args.networks {
        scenario.output.networks = parse_networks(n)?;
    }
    if args.per_territory {
        scenario.observation.per_territory = true;
    }
    if args.no_report {
        scenario.output.report = false;
    }
    if let Some(list) = &args.statistics {
        scenario.observation.statistics = parse_statistics(list);
    }
    if let Some(p) = scenario
        .output
        .networks_problem(scenario.montecarlo.replicates)
    {
        return Err(Error::Other(format!("output.networks: {p}")));
    }
    Ok(scenario)
}

/// Runs this shard's block of replicates and writes its shard directory.
fn run_shard(
    model: &Model,
    scenario: &Scenario,
    opts: &EnsembleOptions,
    spec: ShardSpec,
    bar: &Display,
) -> Result<()> {
    let (a, b) = spec.range(opts.replicates);
    bar.stage("replicates", b - a);
    let (table, _) = run_ensemble_range(model, opts, a..b, &[], &|| bar.inc(1))
        .map_err(|e| Error::Other(e.to_string()))?;
    bar.finish();
    let toml = super::common::shard_toml(scenario);
    let dir = write_shard(
        "run",
        &scenario.output.dir,
        &[toml],
        opts.seed,
        Some(([a, b], table.values())),
    )?;
    println!(
        "shard {spec} of run: {} ({a}..{b}); wrote {}",
        count(b - a, "replicate"),
        dir.display()
    );
    Ok(())
}
