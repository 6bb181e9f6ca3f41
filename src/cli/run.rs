//! `wecare run` and `wecare validate`.

use crate::error::{Error, Result};
use crate::experiment::{EnsembleOptions, run_ensemble};
use crate::model::Model;
use crate::report::{RunInfo, utc_stamp, write_run};
use crate::scenario::Scenario;
use crate::stats::StatsOptions;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// Arguments of `wecare run`; flags override the scenario.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Number of replicates (overrides montecarlo.replicates).
    #[arg(long)]
    pub replicates: Option<u64>,
    /// Master seed (overrides montecarlo.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads, 0 for one per core (overrides montecarlo.threads).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Results root (overrides output.dir); the run gets a new directory below it.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

fn prepare(path: &Path) -> Result<(Scenario, Model)> {
    let scenario = Scenario::load(path)?;
    let (ds, warnings) = scenario.load_dataset()?;
    for w in &warnings {
        eprintln!("{w}");
    }
    let model = Model::new(&ds, &scenario.params())?;
    Ok((scenario, model))
}

/// `wecare validate`: parse the scenario, read and check its data, build the model.
pub fn validate(path: &Path) -> Result<()> {
    let (s, model) = prepare(path)?;
    let w = model.initial();
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

/// `wecare run`.
pub fn run(args: RunArgs) -> Result<()> {
    let (mut scenario, model) = prepare(&args.scenario)?;
    if let Some(r) = args.replicates {
        if r == 0 {
            return Err(Error::Other("--replicates must be at least 1".into()));
        }
        scenario.montecarlo.replicates = r;
    }
    if let Some(s) = args.seed {
        scenario.montecarlo.seed = s;
    }
    if let Some(t) = args.threads {
        scenario.montecarlo.threads = t;
    }
    if let Some(o) = args.out {
        scenario.output.dir = o;
    }
    let threads = match scenario.montecarlo.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        t => t,
    };
    let opts = EnsembleOptions {
        replicates: scenario.montecarlo.replicates,
        seed: scenario.montecarlo.seed,
        threads,
        stats: StatsOptions {
            per_territory: scenario.observation.per_territory,
            archetype_threshold: scenario.observation.archetype_threshold,
            ..StatsOptions::default()
        },
    };
    let bar = if args.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::new(opts.replicates);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} replicates {pos}/{len} [{bar:30}] {elapsed_precise} (eta {eta})",
        ) {
            b.set_style(style.progress_chars("=> "));
        }
        b
    };
    let started = SystemTime::now();
    let clock = Instant::now();
    let ens = run_ensemble(&model, &opts, &|| bar.inc(1))
        .map_err(|e| Error::Other(format!("cannot start {threads} worker threads: {e}")))?;
    bar.finish_and_clear();
    let info = RunInfo {
        threads,
        started_utc: utc_stamp(started),
        wall_seconds: clock.elapsed().as_secs_f64(),
    };
    let dir = write_run(&scenario, &ens, &info, &scenario.output.dir)?;
    println!(
        "{} replicates of {} in {:.2} s on {} threads; wrote {}",
        opts.replicates,
        scenario.scenario.name,
        info.wall_seconds,
        threads,
        dir.display()
    );
    Ok(())
}
