//! The `wecare` command line: a thin front end over the library.

mod calibrate;
mod common;
mod compare;
mod generate;
mod hypotheses;
mod report;
mod run;
mod sensitivity;
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
    let result = match cli.command {
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
        Command::Effects => {
            print!("{}", crate::model::effect::documentation());
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
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

/// Exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
const INTERRUPTED: i32 = 130;

/// On Ctrl-C, removes the partial directories of unfinished runs (a calibration's is kept, for
/// `--resume`) and exits.
fn on_interrupt() {
    // Failing to install the handler only leaves the default: the hidden partial directories
    // stay behind, as after a kill.
    let _ = ctrlc::set_handler(|| {
        crate::report::abandon_unfinished(|kept| {
            eprintln!("interrupted; the unfinished output was removed");
            for k in kept {
                eprintln!(
                    "except the calibration checkpoint in {}; continue it with --resume {}",
                    k.display(),
                    k.display()
                );
            }
            std::process::exit(INTERRUPTED)
        })
    });
}
