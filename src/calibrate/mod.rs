//! Calibration against observed waves (docs/ODD.md, section 9): ABC-SMC for a posterior
//! ([`abc_smc`]) and the simulated method of moments for fast point estimates ([`smm`]), with
//! posterior predictive checks on statistics not used in fitting ([`ppc`]).
//!
//! The pieces, one file per concept, shaped after argmin:
//! - [`spec`]: the scenario's `[calibration]` section (observed waves, matched statistics,
//!   priors, method settings), declared in the scenario layer (`scenario::calibration`) with
//!   the priors ([`prior`]) and the parameter keys ([`parameters`]), and re-exported here;
//! - [`problem`]: the scenario with free parameters and the targets ([`targets`]); it simulates
//!   the target statistics at a parameter vector and knows nothing of the methods;
//! - [`solver`]: the [`Solver`] trait each method implements and the [`Executor`] that owns
//!   the loop, threads, checkpoints ([`checkpoint`]) and progress;
//! - [`summary`], [`outputs`], [`plot`]: estimates, files and figures.
//!
//! [`calibrate`] runs a whole calibration from a scenario and writes its directory; the
//! pieces can be used alone (the recovery tests do).
//!
//! ```no_run
//! use wecare::calibrate::{CalibrateOptions, calibrate};
//! use wecare::scenario::Scenario;
//! let s = Scenario::load("scenarios/s50.toml".as_ref())?;
//! let report = calibrate(&s, &CalibrateOptions::default())?;
//! for e in &report.estimates {
//!     println!("{}: {:.3} ({:.3} to {:.3})", e.key, e.estimate, e.lower, e.upper);
//! }
//! # Ok::<(), wecare::Error>(())
//! ```

pub mod abc_smc;
pub mod checkpoint;
pub mod distance;
pub mod evaluation;
pub mod gof;
pub mod gof_plot;
pub mod linalg;
pub mod outputs;
pub mod plot;
pub mod ppc;
pub mod problem;
pub mod smm;
pub mod solver;
pub mod summary;
pub mod targets;

pub use crate::scenario::calibration as spec;
pub use crate::scenario::{parameters, prior};
pub use abc_smc::{AbcSmc, AbcState};
pub use prior::{Prior, PriorKind};
pub use problem::{Parameter, Problem};
pub use smm::{Smm, SmmState};
pub use solver::{Executor, Outcome, Solver};
pub use spec::{CalibrationSpec, Method};
pub use summary::Estimate;
pub use targets::Target;

use crate::error::{Error, Result};
use crate::report::utc_stamp;
use crate::scenario::Scenario;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

/// Command-line choices of one calibration; `None` keeps the scenario's.
#[derive(Debug, Clone, Default)]
pub struct CalibrateOptions {
    /// Method (default `calibration.method`).
    pub method: Option<Method>,
    /// Master seed (default `montecarlo.seed`).
    pub seed: Option<u64>,
    /// Worker threads, 0 for one per core (default `montecarlo.threads`).
    pub threads: Option<usize>,
    /// Results root (default `output.dir`).
    pub out: Option<PathBuf>,
    /// An unfinished calibration directory to resume.
    pub resume: Option<PathBuf>,
    /// No progress lines.
    pub quiet: bool,
}

/// What a finished calibration reports.
#[derive(Debug, Clone)]
pub struct Report {
    /// The calibration directory.
    pub dir: PathBuf,
    /// Method used.
    pub method: Method,
    /// The estimates.
    pub estimates: Vec<Estimate>,
    /// Why the method stopped.
    pub stopped: String,
    /// Wall time of the method in this session, seconds.
    pub wall_seconds: f64,
    /// Simulations in this session.
    pub simulations: u64,
    /// Worker threads.
    pub threads: usize,
    /// Method of moments: did the fit converge (RSiena's rule)? `None` for ABC.
    pub converged: Option<bool>,
    /// What to do about a fit that did not converge.
    pub advice: Option<String>,
    /// The joint goodness-of-fit tests: family, wave (`None`: joint over the waves) and
    /// p-value.
    pub gof: Vec<(String, Option<usize>, f64)>,
}

/// Runs the calibration a scenario describes and writes its directory (see
/// `docs/calibration.md`). With `opts.resume`, continues an unfinished one from its checkpoint.
pub fn calibrate(scenario: &Scenario, opts: &CalibrateOptions) -> Result<Report> {
    let spec = &scenario.calibration;
    // A resumed calibration keeps its method and seed unless they are given again.
    // (A sharded calibration has no checkpoint before its first generation is complete.)
    let previous = match &opts.resume {
        Some(dir) if !evaluation::is_sharded(dir) || dir.join(checkpoint::FILE).is_file() => {
            Some(checkpoint::peek(dir)?)
        }
        _ => None,
    };
    let method = opts.method.unwrap_or(match &previous {
        Some((m, _)) if m == "smm" => Method::Smm,
        Some(_) => Method::Abc,
        None => spec.method,
    });
    let seed = opts
        .seed
        .or(previous.as_ref().map(|p| p.1))
        .unwrap_or(scenario.montecarlo.seed);
    let threads = opts.threads.unwrap_or(scenario.montecarlo.threads);
    let problem = Problem::from_scenario(scenario)?;
    let out = match &opts.resume {
        Some(p) => outputs::OutDir::reopen(p)?,
        None => {
            let root = opts
                .out
                .clone()
                .unwrap_or_else(|| scenario.output.dir.clone());
            outputs::OutDir::create(&root, &scenario.scenario.name, method.name())?
        }
    };
    let dir = out.path().to_path_buf();
    let quiet = opts.quiet;
    let sharded = evaluation::attach(&dir, &problem, seed)?;
    evaluation::show_progress(!quiet);
    let say = |m: &str| {
        if !quiet {
            eprintln!("{m}");
        }
    };
    if opts.resume.is_none() {
        say(&format!(
            "calibrating {} ({}) by {}: {} parameters, {} targets; writing {} (an interrupted \
             calibration resumes with --resume {})",
            scenario.scenario.name,
            scenario.file_label(),
            method.name(),
            problem.dim(),
            problem.targets.len(),
            dir.display(),
            dir.display()
        ));
    }
    let started = utc_stamp(SystemTime::now());
    let resume = previous.is_some();
    let (estimates, stopped, wall, sims, total, used_threads, particles, abc_state, smm_state) =
        match method {
            Method::Abc => {
                let o = Executor::new(
                    AbcSmc {
                        settings: spec.abc.clone(),
                    },
                    &problem,
                    seed,
                    threads,
                )
                .checkpoints(dir.clone(), resume)
                .observe(say)
                .run()?;
                let est = summary::abc_estimates(&problem, &o.state);
                let draws = summary::resample(&o.state, spec.predictive_draws, seed);
                (
                    est,
                    o.reason,
                    o.wall_seconds,
                    o.simulations,
                    o.state.simulations_run,
                    o.threads,
                    draws,
                    Some(o.state),
                    None,
                )
            }
            Method::Smm => {
                let o = Executor::new(
                    Smm {
                        settings: spec.smm.clone(),
                    },
                    &problem,
                    seed,
                    threads,
                )
                .checkpoints(dir.clone(), resume)
                .observe(say)
                .run()?;
                let est = summary::smm_estimates(&problem, &o.state);
                let draws = vec![o.state.theta.clone(); spec.predictive_draws];
                (
                    est,
                    o.reason,
                    o.wall_seconds,
                    o.simulations,
                    o.state.simulations,
                    o.threads,
                    draws,
                    None,
                    Some(o.state),
                )
            }
        };
    say(&format!("stopped: {stopped}"));
    let clock = Instant::now();
    let pool = crate::ensemble::pool(used_threads).map_err(|e| Error::Other(e.to_string()))?;
    let pred = pool.install(|| ppc::predictive(&problem, &particles, seed))?;
    let pred_wall = clock.elapsed().as_secs_f64();
    // ABC's calibrated scenario carries the summary of the posterior that fits best.
    let point = match &abc_state {
        Some(s) => Some(pool.install(|| summary::abc_point(&problem, s, seed))?),
        None => None,
    };
    if let Some((c, best)) = &point {
        say(&format!(
            "point estimate: the {} (median ABC distance {:.3} over {} simulations; {})",
            c[*best].name.replace('_', " "),
            c[*best].median_distance,
            summary::POINT_RUNS,
            c.iter()
                .map(|x| format!("{} {:.3}", x.name.replace('_', " "), x.median_distance))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    let smm3 = smm_state.as_ref().and_then(|s| s.phase3.as_ref());
    let converged = smm_state
        .as_ref()
        .map(|s| s.phase3.as_ref().is_some_and(|p| p.converged));
    let advice = match (&smm_state, converged) {
        (Some(s), Some(false)) => Some(smm::advice(&problem, s, &spec.smm)),
        _ => None,
    };
    outputs::write_estimates(&dir, &estimates, method.name(), converged)?;
    match (&abc_state, &smm_state) {
        (Some(s), _) => {
            outputs::write_targets(&dir, &problem, Some(&s.scales.scale))?;
            outputs::write_abc(&dir, &problem, s)?;
            plot::write_marginals(
                &dir,
                &outputs::marginals(&problem, &estimates, Some((&s.theta, &s.weights)), None),
            )?;
        }
        (_, Some(s)) => {
            outputs::write_targets(&dir, &problem, None)?;
            outputs::write_smm(&dir, &problem, s)?;
            plot::write_marginals(&dir, &outputs::marginals(&problem, &estimates, None, None))?;
        }
        _ => {}
    }
    outputs::write_predictive(&dir, &pred, problem.observed.len())?;
    if let Some((c, best)) = &point {
        outputs::write_point_estimates(&dir, &problem, c, *best)?;
    }
    // The scenario as calibrated: with the method actually used (`--method` overrides it).
    let mut used = scenario.with_resolved_paths();
    used.calibration.method = method;
    outputs::write_file(&dir, "scenario.toml", &used.to_toml())?;
    let mut carried = estimates.clone();
    let what = match &point {
        Some((c, best)) => {
            for (e, &x) in carried.iter_mut().zip(&c[*best].theta) {
                e.estimate = x;
            }
            format!(
                "the {} of the posterior, the summary whose simulations are closest to the data \
                 (point_estimates.csv)",
                c[*best].name.trim_start_matches("posterior_")
            )
        }
        None => "method-of-moments estimates (estimates.csv)".to_string(),
    };
    match outputs::calibrated_scenario(scenario, &carried) {
        Ok(c) => {
            let header = format!(
                "# {} calibrated by `wecare calibrate` (method {}, seed {seed}): {} set to {what}.\n",
                scenario.scenario.name,
                method.name(),
                problem.keys().join(", "),
            );
            let warning = match &advice {
                Some(a) => format!(
                    "# WARNING: NOT CONVERGED. The method of moments did not converge ({stopped}); \
                     these values do not reproduce the observed moments. {a}.\n"
                ),
                None => String::new(),
            };
            outputs::write_file(&dir, "calibrated.toml", &(warning + &header + &c.to_toml()))?;
        }
        Err(e) => say(&format!(
            "warning: the estimates do not make a valid scenario, calibrated.toml not written: {e}"
        )),
    }
    outputs::write_manifest(
        &dir,
        outputs::Manifest {
            engine: "wecare",
            version: env!("CARGO_PKG_VERSION"),
            scenario_name: scenario.scenario.name.clone(),
            scenario_file: scenario.file_label(),
            method: method.name().into(),
            seed,
            threads: used_threads,
            started_utc: started,
            wall_seconds: wall,
            simulations: sims,
            total_simulations: total,
            simulations_per_second: sims as f64 / wall.max(1e-9),
            stopped: stopped.clone(),
            predictive_simulations: pred.simulations,
            predictive_wall_seconds: pred_wall,
            converged: smm3.map(|p| p.converged),
            max_convergence_ratio: smm3.map(|p| p.max_convergence_ratio),
            estimates: estimates.clone(),
            files: Vec::new(),
            record: outputs::Record::of(scenario)?,
        },
    )?;
    let _ = std::fs::remove_file(dir.join(format!("{}.tmp", checkpoint::FILE)));
    if sharded {
        evaluation::tidy(&dir)?;
    }
    let final_dir = out.finish()?;
    Ok(Report {
        dir: final_dir,
        method,
        estimates,
        stopped,
        wall_seconds: wall,
        simulations: sims,
        threads: used_threads,
        converged,
        advice,
        gof: pred
            .gof
            .iter()
            .map(|t| (t.family.clone(), t.wave, t.p_value))
            .collect(),
    })
}
