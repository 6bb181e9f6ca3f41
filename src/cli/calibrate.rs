//! `wecare calibrate`.

use super::common::SimFlags;
use crate::calibrate::evaluation::{self, Policy};
use crate::calibrate::{CalibrateOptions, Method, calibrate};
use crate::ensemble::ShardSpec;
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

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
    #[arg(required_unless_present = "from")]
    pub scenario: Option<PathBuf>,
    /// Re-run a finished calibration from its manifest.json (or its directory): the same
    /// scenario, data, method and seed, so every result comes out bit for bit the same (after
    /// checking that the data are unchanged); below --out if given, else below the recorded
    /// results root.
    #[arg(
        long,
        value_name = "MANIFEST",
        conflicts_with_all = ["scenario", "method", "resume", "advance", "seed", "shard"]
    )]
    pub from: Option<PathBuf>,
    /// Method (overrides calibration.method).
    #[arg(long, value_enum)]
    pub method: Option<MethodArg>,
    /// Resume the unfinished calibration in this directory (`.<id>.partial`), with the method
    /// and seed it started with.
    #[arg(long)]
    pub resume: Option<PathBuf>,
    /// A sharded calibration (ABC-SMC): simulate nothing here; take in the proposals the
    /// shards evaluated (`--shard K/N`), checkpoint every generation they complete, and stop at
    /// the first batch of proposals not yet evaluated. Without --resume, starts a new sharded
    /// calibration and prints its directory.
    #[arg(long, conflicts_with = "shard")]
    pub advance: bool,
    #[command(flatten)]
    pub sim: SimFlags,
}

/// Runs `wecare calibrate`.
pub fn run(a: CalibrateArgs) -> Result<()> {
    if let Some(m) = &a.from {
        return rerun(m, &a);
    }
    let file = a
        .scenario
        .clone()
        .ok_or_else(|| Error::Other("give a scenario file or --from".into()))?;
    let scenario = Scenario::load(&file)?;
    let opts = CalibrateOptions {
        method: a.method.map(|m| match m {
            MethodArg::Abc => Method::Abc,
            MethodArg::Smm => Method::Smm,
        }),
        seed: a.sim.seed,
        threads: a.sim.threads,
        out: a.sim.out,
        resume: a.resume,
        quiet: a.sim.quiet,
    };
    if a.sim.shard.is_some() || a.advance {
        return sharded(&scenario, opts, a.sim.shard, &file);
    }
    show(calibrate(&scenario, &opts)?)
}

/// `--from`: the recorded calibration again, from its resolved scenario, method and seed.
fn rerun(manifest: &Path, a: &CalibrateArgs) -> Result<()> {
    let (rec, dir) = crate::calibrate::outputs::read_recorded(manifest)?;
    rec.record.check_inputs()?;
    let here = crate::report::manifest::Engine::current();
    if rec.version != here.version || rec.record.git_commit != here.git_commit {
        eprintln!(
            "warning: the calibration was made by wecare {} (commit {}); this is wecare {} \
             (commit {}): results may differ",
            rec.version, rec.record.git_commit, here.version, here.git_commit
        );
    }
    let scenario = Scenario::load(&dir.join("scenario.toml"))?;
    let method = match rec.method.as_str() {
        "smm" => Method::Smm,
        "abc" => Method::Abc,
        other => {
            return Err(Error::Other(format!(
                "{}: `method`: `{other}` is not a calibration method (abc or smm)",
                dir.join("manifest.json").display()
            )));
        }
    };
    // `<root>/calibrate/<scenario>-<method>/<id>`.
    let root = a.sim.out.clone().or_else(|| {
        std::fs::canonicalize(&dir)
            .ok()?
            .ancestors()
            .nth(3)
            .map(Path::to_path_buf)
    });
    show(calibrate(
        &scenario,
        &CalibrateOptions {
            method: Some(method),
            seed: Some(rec.seed),
            threads: a.sim.threads,
            out: root,
            resume: None,
            quiet: a.sim.quiet,
        },
    )?)
}

/// Prints a finished calibration's estimates and where it wrote them.
fn show(report: crate::calibrate::Report) -> Result<()> {
    let (e, s) = match report.method {
        Method::Abc => ("posterior mean", "sd"),
        Method::Smm => ("estimate", "se"),
    };
    println!(
        "{:<36} {:>12} {:>10} {:>24}",
        "parameter", e, s, "95% interval"
    );
    for x in &report.estimates {
        // An unconverged method-of-moments fit has no interval (summary::smm_estimates).
        let interval = if x.lower.is_nan() && x.upper.is_nan() {
            format!("{:>24}", "none (not converged)")
        } else {
            format!("{:>11.4} to {:<11.4}", x.lower, x.upper)
        };
        println!(
            "{:<36} {:>12.4} {:>10.4} {interval}",
            x.key, x.estimate, x.sd
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
    for w in &report.bound_warnings {
        println!("AT A PRIOR BOUND: {w}");
    }
    if let (Some(false), Some(a)) = (report.converged, &report.advice) {
        let what = match report.method {
            Method::Abc => "the ABC-SMC posterior is not a fit",
            Method::Smm => "the method of moments did not converge",
        };
        if report.method == Method::Abc {
            println!("NOT A FIT: {a}");
        }
        return Err(Error::NotConverged(format!(
            "{what}; the outputs in {} are flagged as not converged (estimates.csv, \
             calibrated.toml, manifest.json): {a}",
            report.dir.display()
        )));
    }
    Ok(())
}

/// `--shard K/N` (evaluate a share of the next batch) and `--advance` (take the shards'
/// evaluations in) of a sharded ABC-SMC calibration.
fn sharded(
    scenario: &Scenario,
    opts: CalibrateOptions,
    shard: Option<ShardSpec>,
    file: &Path,
) -> Result<()> {
    let method = opts.method.unwrap_or(scenario.calibration.method);
    if method != Method::Abc {
        return Err(Error::Other(
            "calibrate: only ABC-SMC is sharded (--shard, --advance); give --method abc".into(),
        ));
    }
    let next = |dir: &Path| {
        format!(
            "evaluate it with `wecare calibrate {f} --resume {d} --shard K/N` for K = 1..N, \
             then `wecare calibrate {f} --resume {d} --advance`",
            f = file.display(),
            d = dir.display()
        )
    };
    match shard {
        Some(spec) => {
            let dir = opts.resume.clone().ok_or_else(|| {
                Error::Other(
                    "calibrate: --shard needs --resume DIR, the sharded calibration's directory \
                     (start one with --advance)"
                        .into(),
                )
            })?;
            evaluation::set_policy(Policy::Shard(spec))?;
            match evaluation::evaluate_shard(scenario, &opts, &dir)?.wait {
                Some(w) => {
                    let (mine, n, file) = w.shard.unwrap_or((0..0, 0, None));
                    let what = match file {
                        Some(f) => format!("simulated {n}; wrote {}", f.display()),
                        None => "already evaluated".into(),
                    };
                    println!(
                        "shard {spec} of generation {}, proposals {}..{} of {}..{}: {what}",
                        w.generation, mine.start, mine.end, w.batch.start, w.batch.end
                    );
                }
                None => println!(
                    "shard {spec}: nothing to evaluate; finish the calibration with \
                     `wecare calibrate {} --resume {} --advance`",
                    file.display(),
                    dir.display()
                ),
            }
            Ok(())
        }
        None => {
            evaluation::set_policy(Policy::Recorded)?;
            match calibrate(scenario, &opts) {
                Ok(report) => show(report),
                Err(e) => match evaluation::take_wait() {
                    Some(w) => {
                        println!(
                            "waiting: generation {} needs proposals {}..{} evaluated in {}",
                            w.generation,
                            w.batch.start,
                            w.batch.end,
                            w.dir.display()
                        );
                        if !opts.quiet {
                            eprintln!("{}", next(&w.dir));
                        }
                        Ok(())
                    }
                    None => Err(e),
                },
            }
        }
    }
}
