//! `wecare calibrate`.

use super::common::SimFlags;
use crate::calibrate::{CalibrateOptions, Method, calibrate};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Calibration method on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// ABC-SMC: a posterior sample.
    Abc,
    /// Simulated method of moments (Robbins-Monro): point estimates with standard errors.
    Smm,
}

/// Arguments of `wecare calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Scenario file (TOML) with a [calibration] section.
    pub scenario: PathBuf,
    /// Method (overrides calibration.method).
    #[arg(long, value_enum)]
    pub method: Option<MethodArg>,
    /// Resume the unfinished calibration in this directory (`.<id>.partial`), with the method
    /// and seed it started with.
    #[arg(long)]
    pub resume: Option<PathBuf>,
    #[command(flatten)]
    pub sim: SimFlags,
}

/// Runs `wecare calibrate`.
pub fn run(a: CalibrateArgs) -> Result<()> {
    if a.sim.shard.is_some() {
        return Err(crate::Error::Other(
            "calibrate: --shard is not supported; a calibration's generations depend on each \
             other, so run it on one machine"
                .into(),
        ));
    }
    let scenario = Scenario::load(&a.scenario)?;
    let report = calibrate(
        &scenario,
        &CalibrateOptions {
            method: a.method.map(|m| match m {
                MethodArg::Abc => Method::Abc,
                MethodArg::Smm => Method::Smm,
            }),
            seed: a.sim.seed,
            threads: a.sim.threads,
            out: a.sim.out,
            resume: a.resume,
            quiet: a.sim.quiet,
        },
    )?;
    let (e, s) = match report.method {
        Method::Abc => ("posterior mean", "sd"),
        Method::Smm => ("estimate", "se"),
    };
    println!(
        "{:<36} {:>12} {:>10} {:>24}",
        "parameter", e, s, "95% interval"
    );
    for x in &report.estimates {
        println!(
            "{:<36} {:>12.4} {:>10.4} {:>11.4} to {:<11.4}",
            x.key, x.estimate, x.sd, x.lower, x.upper
        );
    }
    println!(
        "{} simulations in {:.1} s on {} threads ({:.0}/s); {}; wrote {}",
        report.simulations,
        report.wall_seconds,
        report.threads,
        report.simulations as f64 / report.wall_seconds.max(1e-9),
        report.stopped,
        report.dir.display()
    );
    if !report.gof.is_empty() {
        let line: Vec<String> = report
            .gof
            .iter()
            .map(|(f, w, p)| {
                let w = w.map_or("joint".to_string(), |w| format!("wave {w}"));
                format!("{f} {w} p = {p:.3}")
            })
            .collect();
        println!(
            "goodness of fit (Mahalanobis distance of auxiliary statistics, gof.csv): {}",
            line.join("; ")
        );
    }
    if let (Some(false), Some(a)) = (report.converged, &report.advice) {
        return Err(Error::NotConverged(format!(
            "the method of moments did not converge; the outputs in {} are flagged as not \
             converged (estimates.csv, calibrated.toml, manifest.json): {a}",
            report.dir.display()
        )));
    }
    Ok(())
}
