//! Flags shared by the commands that simulate.

use crate::ensemble::Runner;
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::stats::StatsOptions;
use clap::Args;
use std::path::{Path, PathBuf};

/// Seed, threads, output root and quiet: every simulating command takes them, and they
/// override the scenario.
#[derive(Debug, Args)]
pub struct SimFlags {
    /// Master seed (overrides montecarlo.seed).
    #[arg(long, allow_hyphen_values = true, value_parser = super::args::seed)]
    pub seed: Option<u64>,
    /// Worker threads, 0 for one per core (overrides montecarlo.threads); results do not
    /// depend on it.
    #[arg(long, allow_hyphen_values = true, value_parser = super::args::threads)]
    pub threads: Option<usize>,
    /// Results root (overrides output.dir); each run gets a new directory below it.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress display.
    #[arg(long, short)]
    pub quiet: bool,
    /// Compute only shard K of N of the work (replicates, designs x replicates, parameter
    /// points) and write a shard directory `<out>/<command>-shard-K-of-N/`; `wecare merge`
    /// puts the N shards together.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::ensemble::ShardSpec>,
}

impl SimFlags {
    /// Starts this process as the shard given by `--shard`, if any (before anything runs).
    pub fn start_shard(&self) -> Result<()> {
        super::shard::start(self.shard)
    }

    /// Writes the flags given into the scenario (seed, threads, output root).
    pub fn apply(&self, s: &mut Scenario) {
        if let Some(x) = self.seed {
            s.montecarlo.seed = x;
        }
        if let Some(t) = self.threads {
            s.montecarlo.threads = t;
        }
        if let Some(o) = &self.out {
            s.output.dir = o.clone();
        }
    }
}

/// The resolved scenario a shard's checksum covers: the thread count and the results root,
/// which change no result (and differ between the shards and their merge), are left out.
pub fn shard_toml(s: &Scenario) -> String {
    let mut s = s.with_resolved_paths();
    s.montecarlo.threads = 0;
    s.output.dir = PathBuf::new();
    s.to_toml()
}

/// If this process is a shard, writes its shard directory under `root` and reports it;
/// returns whether it was a shard (the command then writes nothing else).
/// When merging, checks instead that the shards were made of these scenarios and seed.
pub fn finish_shard(kind: &str, root: &Path, scenarios: &[&Scenario], seed: u64) -> Result<bool> {
    let tomls: Vec<String> = scenarios.iter().map(|s| shard_toml(s)).collect();
    super::shard_check::check_replayed(kind, &tomls, seed)?;
    let Some(spec) = crate::ensemble::shard::active() else {
        return Ok(false);
    };
    let dir = super::shard::write_shard(kind, root, &tomls, seed, None)?;
    println!("shard {spec} of {kind}: wrote {}", dir.display());
    Ok(true)
}

/// Flags every experiment command shares; they override the scenario.
#[derive(Debug, Args)]
pub struct ExperimentArgs {
    /// Re-run a recorded experiment from its manifest.json (or its directory): the same
    /// command on the same scenarios and data, so every table comes out bit for bit the same.
    #[arg(long, value_name = "MANIFEST", conflicts_with_all = ["replicates", "seed", "shard"])]
    pub from: Option<PathBuf>,
    /// Replicates per design, variant or parameter point (overrides the scenario).
    #[arg(long, allow_hyphen_values = true, value_parser = super::args::replicates)]
    pub replicates: Option<u64>,
    #[command(flatten)]
    pub sim: SimFlags,
}

/// `--from`: runs a recorded experiment again, after checking that its data are unchanged;
/// results go below `--out` if given, else below the recorded results root.
pub fn rerun(manifest: &Path, args: &ExperimentArgs) -> Result<()> {
    let m = crate::experiment::record::read_manifest(manifest)?;
    let here = crate::report::manifest::Engine::current();
    if m.engine != here {
        eprintln!(
            "warning: the experiment was made by wecare {} (commit {}); this is wecare {} \
             (commit {}): results may differ",
            m.engine.version, m.engine.git_commit, here.version, here.git_commit
        );
    }
    let cwd = PathBuf::from(&m.cwd);
    let out = match (&args.sim.out, &m.out) {
        (Some(o), _) => Some(std::path::absolute(o).map_err(|e| Error::io(o, e))?),
        (None, Some(o)) => Some(cwd.join(o)),
        (None, None) => None,
    };
    let mut command = m.command.clone();
    if let Some(t) = args.sim.threads {
        command.extend(["--threads".into(), t.to_string()]);
    }
    super::redispatch(&command, &cwd, out, args.sim.quiet)
}

/// `--statistics`: the statistics an experiment observes, as `wecare run --statistics`.
#[derive(Debug, Args)]
pub struct StatisticsFlag {
    /// The statistics to observe, comma-separated names or `prefix*` patterns, or `all`
    /// (sets observation.statistics; docs/statistics.md lists them).
    #[arg(long, value_name = "LIST")]
    pub statistics: Option<String>,
}

impl StatisticsFlag {
    /// Writes the flag into the scenario's `observation.statistics` (when given) and checks the
    /// declared statistics as `wecare run` does: every entry names a statistic, and every
    /// target and pattern reads an observed one; errors name the scenario file and the key.
    pub fn apply(&self, s: &mut Scenario) -> Result<()> {
        if let Some(list) = &self.statistics {
            s.observation.statistics = parse_statistics(list);
        }
        let problems = crate::stats::select::scenario_problems(s);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(s.located(problems).into())
        }
    }

    /// Applies the flag to the scenario (see [`StatisticsFlag::apply`]) and makes the runner's
    /// observations report the scenario's declared statistics.
    pub fn observe_in(&self, s: &mut Scenario, runner: &mut Runner<'_>) -> Result<()> {
        self.apply(s)?;
        runner.stats.statistics = StatsOptions::observing(&s.observation).statistics;
        Ok(())
    }

    /// Refuses the flag beside `--from`, which re-runs the recorded command as it was.
    pub fn not_with_from(&self, from: Option<&Path>) -> Result<()> {
        match (&self.statistics, from) {
            (Some(_), Some(_)) => Err(Error::Other(
                "--statistics cannot be used with --from: the recorded command is run as it was"
                    .into(),
            )),
            _ => Ok(()),
        }
    }
}

/// The `--statistics` list: `None` for `all`.
pub fn parse_statistics(text: &str) -> Option<Vec<String>> {
    let t = text.trim();
    (!t.eq_ignore_ascii_case("all")).then(|| {
        t.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    })
}

/// Records how an experiment is made, for its `manifest.json`.
pub fn record(kind: &str, scenarios: &[&Scenario], seed: u64) {
    record_with_inputs(kind, scenarios, seed, Vec::new());
}

/// [`record`], with other files the command read (checked by `--from` like the data).
pub fn record_with_inputs(kind: &str, scenarios: &[&Scenario], seed: u64, inputs: Vec<PathBuf>) {
    crate::experiment::record::set_provenance(crate::experiment::record::Provenance {
        kind: kind.into(),
        scenarios: scenarios.iter().map(|s| (*s).clone()).collect(),
        seed,
        inputs,
    });
}

/// A replicate count given on the command line, checked.
pub fn replicates_or(given: Option<u64>, default: u64) -> Result<u64> {
    match given {
        Some(0) => Err(Error::Other("--replicates must be at least 1".into())),
        Some(r) => Ok(r),
        None => Ok(default),
    }
}

/// The start of `wecare sweep` and `wecare sensitivity`: with `--from`, re-runs the recorded
/// command and gives `None`; otherwise starts the shard (if any) and loads the scenario with
/// the flags applied, and gives it with the replicates per parameter point.
pub fn start_sweep(
    path: Option<&Path>,
    args: &ExperimentArgs,
    statistics: &StatisticsFlag,
) -> Result<Option<(Scenario, u64)>> {
    statistics.not_with_from(args.from.as_deref())?;
    if let Some(m) = &args.from {
        rerun(m, args)?;
        return Ok(None);
    }
    args.sim.start_shard()?;
    load_sweep(path, args).map(Some)
}

/// Loads a scenario for `wecare sweep` or `wecare sensitivity`, with the flags applied; also
/// the replicates per parameter point.
fn load_sweep(path: Option<&Path>, args: &ExperimentArgs) -> Result<(Scenario, u64)> {
    let path = path.ok_or_else(|| Error::Other("give a scenario file or --from".into()))?;
    let mut s = Scenario::load(path)?;
    args.sim.apply(&mut s);
    let sw = s
        .sweep
        .as_ref()
        .ok_or_else(|| Error::Other(format!("{}: no [sweep] section", path.display())))?;
    let replicates = replicates_or(args.replicates, sw.replicates)?;
    Ok((s, replicates))
}
