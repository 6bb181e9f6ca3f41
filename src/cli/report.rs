//! `wecare report`: rebuild a run's plots and report, or compare runs.

use crate::error::Result;
use crate::report::{Manifest, build_comparison, build_report};
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `wecare report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Run directories. One: rebuild its plots/ and report.html from its files. Several:
    /// compare them in a new directory <OUT>/compare/<id>/.
    #[arg(required = true, value_name = "RUN_DIR")]
    pub runs: Vec<PathBuf>,
    /// Results root of a comparison (default `results`).
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
}

/// `wecare report`.
pub fn run(args: ReportArgs) -> Result<()> {
    let clock = Instant::now();
    if let [dir] = args.runs.as_slice() {
        let (m, _) = Manifest::read_run(dir)?;
        let files = build_report(dir, &m)?;
        println!(
            "rebuilt {} files in {:.2} s: {}",
            files.len(),
            clock.elapsed().as_secs_f64(),
            dir.join("report.html").display()
        );
    } else {
        let out = build_comparison(&args.runs, &args.out)?;
        println!(
            "compared {} runs in {:.2} s: {}",
            args.runs.len(),
            clock.elapsed().as_secs_f64(),
            out.join("report.html").display()
        );
    }
    Ok(())
}
