//! The `wecare` command line: a thin front end over the library.

mod args;
mod calibrate;
mod common;
mod compare;
mod generate;
mod hypotheses;
mod merge;
mod panel;
mod report;
mod run;
mod sensitivity;
pub mod shard;
mod shard_check;
mod slurm;
mod slurm_check;
mod stats;
mod sweep;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// The version `--version` prints: the crate's, and the commit the engine was built from.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("WECARE_GIT_COMMIT"),
    ")"
);

/// wecare: simulate partnership networks under public funding programmes.
#[derive(Debug, Parser)]
#[command(name = "wecare", version = VERSION, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario's Monte Carlo ensemble and write a run directory.
    Run(run::RunArgs),
    /// Rebuild a run's plots and report.html, or compare several runs side by side.
    Report(report::ReportArgs),
    /// Check a scenario file and its data without running.
    Validate {
        /// Scenario file (TOML).
        scenario: PathBuf,
    },
    /// Print a complete scenario with every default filled in and commented.
    Defaults,
    /// Print the effects table: every effect of every process with its statistic, default
    /// coefficient and meaning.
    Effects,
    /// Wave statistics of a network file (GraphML or ties CSV), as CSV on standard output.
    Stats(stats::StatsArgs),
    /// Generate a synthetic data set (territories with partnership archetypes).
    Generate(generate::GenerateArgs),
    /// Compare funding designs against a baseline with common random numbers.
    Compare(compare::CompareArgs),
    /// Run the parameter grid of a scenario's sweep section.
    Sweep(sweep::SweepArgs),
    /// Morris screening or Sobol indices over the ranges of a scenario's sweep section.
    Sensitivity(sensitivity::SensitivityArgs),
    /// The hypothesis experiments: Q1 dose-response, Q2 effect, mechanisms, Q3 traces.
    Hypotheses(hypotheses::HypothesesArgs),
    /// Calibrate a scenario's parameters against observed waves (ABC-SMC or method of moments).
    Calibrate(calibrate::CalibrateArgs),
    /// Write a ready-to-run calibration scenario from a network panel's wave files
    /// (adjacency matrices, RSiena's form) and an optional covariate file.
    Panel(panel::PanelArgs),
    /// Put the shards of a command run with `--shard K/N` together into its normal output.
    Merge(merge::MergeArgs),
    /// Write (and with --submit, submit) Slurm job scripts: a job array of shards and a merge.
    Slurm(slurm::SlurmArgs),
}

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    on_interrupt();
    match dispatch(cli.command) {
        Ok(()) => 0,
        Err(e @ crate::error::Error::NotConverged(_)) => {
            eprintln!("error: {e}");
            NOT_CONVERGED
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

/// Runs a recorded command (arguments without the program name) from the directory `cwd` it
/// ran in, writing below `out`; for `wecare merge` and `--from`.
pub(crate) fn redispatch(
    command: &[String],
    cwd: &std::path::Path,
    out: Option<PathBuf>,
    quiet: bool,
) -> crate::Result<()> {
    use crate::error::Error;
    let mut argv: Vec<String> = vec!["wecare".into()];
    argv.extend(command.iter().cloned());
    if let Some(o) = out {
        argv.push("--out".into());
        argv.push(o.display().to_string());
    }
    if quiet && !command.iter().any(|a| a == "--quiet" || a == "-q") {
        argv.push("--quiet".into());
    }
    // The recorded command's paths are relative to the directory it ran in.
    std::env::set_current_dir(cwd).map_err(|e| {
        Error::Other(format!(
            "{}: cannot enter the directory the command ran in: {e}",
            cwd.display()
        ))
    })?;
    crate::experiment::record::set_command_line(argv[1..].to_vec());
    let cli = <Cli as Parser>::try_parse_from(&argv).map_err(|e| {
        Error::Other(format!(
            "the recorded command `{}` does not parse: {e}",
            command.join(" ")
        ))
    })?;
    match cli.command {
        Command::Run(_)
        | Command::Compare(_)
        | Command::Sweep(_)
        | Command::Sensitivity(_)
        | Command::Hypotheses(_) => dispatch(cli.command),
        _ => Err(Error::Other(format!(
            "the recorded command `{}` is not an ensemble command",
            command.join(" ")
        ))),
    }
}

/// Runs one command.
fn dispatch(command: Command) -> crate::Result<()> {
    match command {
        Command::Run(args) => run::run(args),
        Command::Report(args) => report::run(args),
        Command::Validate { scenario } => run::validate(&scenario),
        Command::Generate(args) => generate::run(args),
        Command::Stats(args) => stats::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Sensitivity(args) => sensitivity::run(args),
        Command::Hypotheses(args) => hypotheses::run(args),
        Command::Calibrate(args) => calibrate::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Panel(args) => panel::run(args),
        Command::Slurm(args) => slurm::run(args),
        Command::Effects => {
            print!("{}", crate::scenario::effect::documentation());
            Ok(())
        }
        Command::Defaults => {
            let (text, absolute) = crate::scenario::printable_defaults();
            if !absolute {
                eprintln!(
                    "note: the default data set was not found where this engine was built; \
                     the data paths are relative to where the scenario is saved"
                );
            }
            print!("{text}");
            Ok(())
        }
    }
}

/// Exit status of a calibration that ran to its end without converging (its outputs are
/// written, flagged as not converged).
const NOT_CONVERGED: i32 = 3;

/// Exit status of a run stopped by Ctrl-C, SIGTERM or SIGHUP (128 + SIGINT, as shells report
/// Ctrl-C; one status for the three, since the handler cannot tell them apart).
const INTERRUPTED: i32 = 130;

/// On Ctrl-C, SIGTERM (what `kill` and batch schedulers send) or SIGHUP (a closing terminal),
/// removes the partial directories of unfinished runs (a calibration's is kept, for
/// `--resume`) and exits.
fn on_interrupt() {
    // Failing to install the handler only leaves the default: the hidden partial directories
    // stay behind, as after a kill.
    let _ = ctrlc::set_handler(|| {
        // Workers start no new simulation while the unfinished output is removed.
        crate::ensemble::cancel::request();
        crate::report::abandon_unfinished(|kept, removed| {
            let finished = crate::report::finished_runs();
            if removed == 0 && kept.is_empty() && !finished.is_empty() {
                // The signal came after the last result was written: the outputs are whole.
                let list: Vec<String> = finished.iter().map(|d| d.display().to_string()).collect();
                eprintln!(
                    "interrupted after the results were written to {}",
                    list.join(", ")
                );
                std::process::exit(INTERRUPTED)
            }
            eprintln!("interrupted; the unfinished output was removed");
            for k in kept {
                // A calibration stopped before its first checkpoint has nothing to resume.
                if !k.join(crate::calibrate::checkpoint::FILE).is_file()
                    && !crate::calibrate::evaluation::is_sharded(k)
                {
                    crate::report::discard_kept(k);
                    continue;
                }
                eprintln!(
                    "except the calibration checkpoint in {}; continue it with `{}`",
                    k.display(),
                    crate::calibrate::resume_command(k)
                );
            }
            std::process::exit(INTERRUPTED)
        })
    });
}
