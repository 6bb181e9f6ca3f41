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
pub mod fixed_choice;
pub mod gof;
pub mod gof_plot;
pub mod outputs;
pub mod panel;
pub mod panel_degree;
pub mod plot;
pub mod ppc;
pub mod problem;
pub mod smm;
pub mod smm_combine;
mod smm_eval;
pub mod smm_hold;
pub mod smm_ident;
pub mod smm_intervals;
mod smm_metric;
pub mod smm_start;
pub mod smm_walk;
pub mod solver;
pub mod summary;
pub mod targets;
pub mod unobserved;
pub mod verdict;

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
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

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
    /// Is the result a fit: the method of moments converged (RSiena's rule), or the ABC-SMC
    /// posterior meets [`verdict::abc_not_fit`]'s criterion.
    pub converged: Option<bool>,
    /// What to do about a result that is not a fit: why it is not, and what to change.
    pub advice: Option<String>,
    /// Parameters at a bound of their prior box ([`verdict`]), as warnings.
    pub bound_warnings: Vec<String>,
    /// Matched statistics a converged method-of-moments fit leaves outside their 95%
    /// predictive interval ([`verdict::smm_missed`]), as warnings.
    pub missed_warnings: Vec<String>,
    /// The joint goodness-of-fit tests: family, wave (`None`: joint over the waves) and
    /// p-value.
    pub gof: Vec<(String, Option<usize>, f64)>,
    /// The parameters a method-of-moments fit held on a ridge ([`smm_hold`]), not estimated.
    pub held: Vec<smm_hold::Held>,
}

/// The scenario file of the calibration running in this process, for the resume hint.
static SCENARIO_FILE: Mutex<Option<String>> = Mutex::new(None);

/// The command that resumes the unfinished calibration in `dir`: `wecare calibrate <scenario
/// file> --resume <dir>` (a resume keeps the method and seed it started with).
pub fn resume_command(dir: &Path) -> String {
    let file = SCENARIO_FILE
        .lock()
        .ok()
        .and_then(|f| f.clone())
        .unwrap_or_else(|| "SCENARIO".into());
    format!("wecare calibrate {file} --resume {}", dir.display())
}

/// Runs the calibration a scenario describes and writes its directory (see
/// `docs/calibration.md`). With `opts.resume`, continues an unfinished one from its checkpoint.
pub fn calibrate(scenario: &Scenario, opts: &CalibrateOptions) -> Result<Report> {
    let mut run = Setup::of(scenario, opts)?;
    let dir = run.out.path().to_path_buf();
    let quiet = opts.quiet;
    let sharded = evaluation::attach(&dir, &run.problem, run.seed)?;
    evaluation::show_progress(!quiet);
    let say = |m: &str| {
        if !quiet {
            eprintln!("{m}");
        }
    };
    if opts.resume.is_none() {
        say(&format!(
            "calibrating {} ({}) by {}: {} parameters, {} targets; writing {} (an interrupted \
             calibration resumes with `{}`)",
            scenario.scenario.name,
            scenario.file_label(),
            run.method.name(),
            run.problem.dim(),
            run.problem.targets.len(),
            dir.display(),
            resume_command(&dir)
        ));
    }
    let mut fit = run.fit(scenario, &dir, say)?;
    say(&format!("stopped: {}", fit.stopped));
    // A fit with parameters held on a ridge is a fit of the problem without them.
    let full = fit
        .hold
        .reduced
        .take()
        .map(|p| std::mem::replace(&mut run.problem, p));
    fit.hold.full = full;
    let checks = Checks::run(&run, &fit, say)?;
    let flags = Flags::of(scenario, &run, &fit, &checks);
    if let Some(note) = fit
        .smm
        .as_ref()
        .filter(|s| s.phase3.as_ref().is_some_and(|p| p.converged))
        .and_then(|s| smm::weakly_identified(&run.problem, s))
    {
        say(&format!("converged, but {note}"));
    }
    for w in flags.bounds.iter().chain(&flags.missed) {
        eprintln!("warning: {w}");
    }
    write_method_outputs(&dir, &run, &fit, &checks, &flags)?;
    write_calibrated(&dir, scenario, &run, &fit, &checks, &flags, say)?;
    write_manifest(&dir, scenario, &run, &fit, &checks, &flags)?;
    let _ = std::fs::remove_file(dir.join(format!("{}.tmp", checkpoint::FILE)));
    if sharded {
        evaluation::tidy(&dir)?;
    }
    let final_dir = run.out.finish()?;
    Ok(Report {
        dir: final_dir,
        method: run.method,
        estimates: fit.all_estimates(),
        held: fit.hold.held.clone(),
        stopped: fit.stopped,
        wall_seconds: fit.wall,
        simulations: fit.simulations,
        threads: fit.threads,
        converged: flags.converged,
        advice: flags.advice,
        bound_warnings: flags.bounds,
        missed_warnings: flags.missed,
        gof: checks
            .predictive
            .gof
            .iter()
            .map(|t| (t.family.clone(), t.wave, t.p_value))
            .collect(),
    })
}

/// What a calibration runs with: method, seed, threads, the problem and its directory.
struct Setup {
    method: Method,
    seed: u64,
    threads: usize,
    problem: Problem,
    out: outputs::OutDir,
    /// Resuming a checkpoint.
    resume: bool,
}

impl Setup {
    /// The method and seed (a resume keeps those it started with unless they are given
    /// again, and a different method is an error), the problem and the directory.
    fn of(scenario: &Scenario, opts: &CalibrateOptions) -> Result<Setup> {
        // (A sharded calibration has no checkpoint before its first generation is complete.)
        let previous = match &opts.resume {
            Some(dir) if !evaluation::is_sharded(dir) || dir.join(checkpoint::FILE).is_file() => {
                Some(checkpoint::peek(dir)?)
            }
            _ => None,
        };
        let recorded = previous.as_ref().map(|(m, _)| match m.as_str() {
            "smm" => Method::Smm,
            _ => Method::Abc,
        });
        if let (Some(given), Some(was), Some(dir)) = (opts.method, recorded, &opts.resume)
            && given != was
        {
            return Err(Error::Other(format!(
                "{}: this calibration was started with --method {}; resume it with --method {} \
                 or without --method (a resume keeps the method it started with), not with \
                 --method {}",
                dir.display(),
                was.name(),
                was.name(),
                given.name()
            )));
        }
        let method = opts
            .method
            .or(recorded)
            .unwrap_or(scenario.calibration.method);
        let seed = opts
            .seed
            .or(previous.as_ref().map(|p| p.1))
            .unwrap_or(scenario.montecarlo.seed);
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
        if let Ok(mut f) = SCENARIO_FILE.lock() {
            *f = Some(scenario.file_label());
        }
        Ok(Setup {
            method,
            seed,
            threads: opts.threads.unwrap_or(scenario.montecarlo.threads),
            problem,
            out,
            resume: previous.is_some(),
        })
    }

    /// Runs the method to its end.
    fn fit(&self, scenario: &Scenario, dir: &Path, say: impl Fn(&str)) -> Result<Fitted> {
        let spec = &scenario.calibration;
        let (problem, seed) = (&self.problem, self.seed);
        match self.method {
            Method::Abc => {
                let settings = spec.abc.clone();
                let o = self.execute(AbcSmc { settings }, dir, say)?;
                Ok(Fitted {
                    estimates: summary::abc_estimates(problem, &o.state),
                    draws: summary::resample(&o.state, spec.predictive_draws, seed),
                    total: o.state.simulations_run,
                    abc: Some(o.state.clone()),
                    smm: None,
                    ..Fitted::of(&o)
                })
            }
            Method::Smm => {
                let settings = spec.smm.clone();
                let o = self.execute(
                    Smm {
                        settings: settings.clone(),
                    },
                    dir,
                    &say,
                )?;
                let search = self.hold(&o, &say);
                let (held_sims, held_wall) = (search.simulations(), search.wall_seconds());
                let mut hold = smm_hold::Record::of(problem, &o.state, &search);
                let kept = search.kept;
                let (kp, state) = match &kept {
                    Some(k) => (&k.problem, k.outcome.state.clone()),
                    None => (problem, o.state.clone()),
                };
                let clock = Instant::now();
                let profile = self.profile(kp, &state, &say)?;
                let extra = profile.as_ref().map_or(0, |p| p.simulations);
                // The intervals' simulations are counted, so their time is too.
                let wall = o.wall_seconds + held_wall + clock.elapsed().as_secs_f64();
                let mut sessions = o.sessions.clone();
                if let Some(last) = sessions.last_mut() {
                    last.simulations += held_sims;
                    last.wall_seconds += held_wall;
                }
                let stopped =
                    hold.stopped(&o.reason, kept.as_ref().map(|k| k.outcome.reason.as_str()));
                let estimates = summary::smm_estimates(kp, &state, profile.as_ref());
                hold.reduced = kept.map(|k| k.problem);
                Ok(Fitted {
                    estimates,
                    draws: vec![state.theta.clone(); spec.predictive_draws],
                    total: o.state.simulations + held_sims + extra,
                    simulations: o.simulations + held_sims + extra,
                    abc: None,
                    smm: Some(state),
                    profile,
                    wall,
                    stopped,
                    sessions,
                    hold,
                    ..Fitted::of(&o)
                })
            }
        }
    }

    /// The profile intervals of a converged method-of-moments fit, when the scenario asks for
    /// them (`calibration.smm.intervals = "profile"`); `None` otherwise, or when the
    /// delta-method covariance gives no cloud (the fit then reports the delta method's).
    fn profile(
        &self,
        problem: &Problem,
        state: &SmmState,
        say: impl Fn(&str),
    ) -> Result<Option<smm_intervals::Profile>> {
        let settings = &problem.scenario.calibration.smm;
        let converged = state.phase3.as_ref().is_some_and(|p| p.converged);
        if !converged || settings.intervals != spec::Intervals::Profile {
            return Ok(None);
        }
        let clock = Instant::now();
        let pool = crate::ensemble::pool(self.threads).map_err(|e| Error::Other(e.to_string()))?;
        let profile =
            pool.install(|| smm_intervals::profile_intervals(problem, state, settings, self.seed))?;
        match &profile {
            Some(p) => {
                let n = p.end_counts(0.95);
                say(&format!(
                    "profile intervals: {} simulations in {:.1} s ({} clouds extending the \
                     surrogate along a ridge, {} cloud points left out); 95% ends: {} \
                     profile, {} extended, {} at the search bound, {} unbounded by the data \
                     (at the bound after the extensions)",
                    p.simulations,
                    clock.elapsed().as_secs_f64(),
                    p.extensions,
                    p.failed_points,
                    n[0],
                    n[1],
                    n[2],
                    n[3]
                ))
            }
            None => say(
                "profile intervals: the delta-method covariance or the surrogate is singular; \
                 the intervals are the delta method's",
            ),
        }
        Ok(profile)
    }

    /// The fallback of a method-of-moments fit that did not converge on a ridge
    /// ([`smm_hold`]): fits without checkpoints (a resumed calibration runs them again, with
    /// the same seed and the same results), at most `calibration.smm.hold` parameters held.
    fn hold(&self, o: &Outcome<SmmState>, say: impl Fn(&str)) -> smm_hold::Search {
        let most = self.problem.scenario.calibration.smm.hold;
        let fit = |p: &Problem| {
            let settings = p.scenario.calibration.smm.clone();
            Executor::new(Smm { settings }, p, self.seed, self.threads)
                .observe(&say)
                .run()
        };
        smm_hold::search(&self.problem, o, most, fit, &say)
    }

    /// Runs a solver with checkpoints in `dir`, from its checkpoint when resuming.
    fn execute<S: Solver>(
        &self,
        solver: S,
        dir: &Path,
        say: impl Fn(&str),
    ) -> Result<Outcome<S::State>> {
        Executor::new(solver, &self.problem, self.seed, self.threads)
            .checkpoints(dir.to_path_buf(), self.resume)
            .observe(say)
            .run()
    }
}

/// What the method found.
struct Fitted {
    estimates: Vec<Estimate>,
    stopped: String,
    /// Wall time and simulations of this session.
    wall: f64,
    simulations: u64,
    /// Simulations of the whole calibration.
    total: u64,
    threads: usize,
    sessions: Vec<checkpoint::Session>,
    /// Parameter vectors of the predictive checks.
    draws: Vec<Vec<f64>>,
    abc: Option<AbcState>,
    smm: Option<SmmState>,
    /// Profile intervals of a converged method-of-moments fit.
    profile: Option<smm_intervals::Profile>,
    /// What a method-of-moments fit held on a ridge.
    hold: smm_hold::Record,
}

impl Fitted {
    /// The parts every method's outcome has.
    fn of<S>(o: &Outcome<S>) -> Fitted {
        Fitted {
            estimates: Vec::new(),
            stopped: o.reason.clone(),
            wall: o.wall_seconds,
            simulations: o.simulations,
            total: 0,
            threads: o.threads,
            sessions: o.sessions.clone(),
            draws: Vec::new(),
            abc: None,
            smm: None,
            profile: None,
            hold: smm_hold::Record::default(),
        }
    }

    /// The estimates of every parameter of the scenario's calibration, a held one's with its
    /// value and no standard error ([`smm_hold::with_held`]).
    fn all_estimates(&self) -> Vec<Estimate> {
        match &self.hold.full {
            Some(full) if !self.hold.held.is_empty() => {
                let priors: Vec<String> =
                    full.parameters.iter().map(|p| p.prior.describe()).collect();
                smm_hold::with_held(&full.keys(), &priors, &self.estimates, &self.hold.held)
            }
            _ => self.estimates.clone(),
        }
    }
}

/// The checks after the fit: predictive checks and goodness of fit, and ABC's point estimate.
struct Checks {
    predictive: ppc::Predictive,
    wall: f64,
    /// ABC: the candidate point estimates and the one chosen.
    point: Option<(Vec<summary::PointCandidate>, usize)>,
}

impl Checks {
    fn run(run: &Setup, fit: &Fitted, say: impl Fn(&str)) -> Result<Checks> {
        let clock = Instant::now();
        let pool = crate::ensemble::pool(fit.threads).map_err(|e| Error::Other(e.to_string()))?;
        let predictive = pool.install(|| ppc::predictive(&run.problem, &fit.draws, run.seed))?;
        let wall = clock.elapsed().as_secs_f64();
        // ABC's calibrated scenario carries the summary of the posterior that fits best.
        let point = match &fit.abc {
            Some(s) => Some(pool.install(|| summary::abc_point(&run.problem, s, run.seed))?),
            None => None,
        };
        if let Some((c, best)) = &point {
            let b = &c[*best];
            say(&format!(
                "point estimate: the {} (over {} simulations, smallest predictive p of a \
                 matched statistic {:.3}, median ABC distance {:.3}; {} candidates in \
                 point_estimates.csv)",
                b.name.replace('_', " "),
                summary::POINT_RUNS,
                b.min_p,
                b.median_distance,
                c.len()
            ));
        }
        Ok(Checks {
            predictive,
            wall,
            point,
        })
    }
}

/// Whether a result is a fit, and which parameters sit at a bound of their prior box
/// ([`verdict`]); written into every output.
struct Flags {
    /// Is the result a fit: the method of moments converged, or the ABC-SMC posterior meets
    /// [`verdict::abc_not_fit`]'s criterion.
    converged: Option<bool>,
    /// The first line of `calibrated.toml` for a result that is not a fit.
    warning: Option<String>,
    /// Why the result is not a fit (ABC) and what to do about it.
    advice: Option<String>,
    /// Each parameter's `prior_bound` flag in `estimates.csv` (empty: none).
    labels: Vec<&'static str>,
    /// The bound warnings, in words.
    bounds: Vec<String>,
    /// The matched statistics a converged method-of-moments fit misses, in words.
    missed: Vec<String>,
}

impl Flags {
    fn of(scenario: &Scenario, run: &Setup, fit: &Fitted, checks: &Checks) -> Flags {
        let problem = &run.problem;
        let (converged, warning, advice, at) = match (&fit.abc, &fit.smm) {
            (Some(s), _) => {
                let at = verdict::abc_at_bounds(problem, &s.theta, &s.weights);
                match verdict::abc_not_fit(problem, s, &scenario.calibration.abc) {
                    Some(n) => (
                        Some(false),
                        Some(format!(
                            "# WARNING: NOT A FIT. The ABC-SMC posterior is not a fit ({}); these \
                             values do not reproduce the observed statistics. {}.\n",
                            n.why, n.advice
                        )),
                        Some(format!("{}; {}", n.why, n.advice)),
                        at,
                    ),
                    None => (Some(true), None, None, at),
                }
            }
            (_, Some(s)) => {
                let c = s.phase3.as_ref().is_some_and(|p| p.converged);
                let advice = (!c).then(|| smm::advice(problem, s, &scenario.calibration.smm));
                let warning = advice.as_ref().map(|a| {
                    format!(
                        "# WARNING: NOT CONVERGED. The method of moments did not converge ({}); \
                         these values do not reproduce the observed moments. {a}.\n",
                        fit.stopped
                    )
                });
                let x: Vec<f64> = fit.estimates.iter().map(|e| e.estimate).collect();
                (
                    Some(c),
                    warning,
                    advice,
                    verdict::point_at_bounds(problem, &x),
                )
            }
            _ => (None, None, None, Vec::new()),
        };
        let mut labels = vec![""; problem.dim()];
        for b in &at {
            labels[b.index] = b.label();
        }
        let missed = if fit.smm.is_some() && converged == Some(true) {
            verdict::smm_missed(&checks.predictive.fit)
        } else {
            Vec::new()
        };
        Flags {
            converged,
            warning,
            advice,
            labels,
            missed,
            bounds: at
                .iter()
                .map(|b| b.warning(&problem.parameters[b.index].key))
                .collect(),
        }
    }
}

/// The estimates, the method's own files, the figures and the predictive checks.
fn write_method_outputs(
    dir: &Path,
    run: &Setup,
    fit: &Fitted,
    checks: &Checks,
    flags: &Flags,
) -> Result<()> {
    let problem = &run.problem;
    let estimates = &fit.estimates;
    // Every parameter of the calibration, a held one's row flagged (and without a prior-bound
    // label: it was not searched).
    let all = fit.all_estimates();
    let labels: Vec<&str> = all
        .iter()
        .map(|e| {
            estimates
                .iter()
                .position(|x| x.key == e.key)
                .and_then(|i| flags.labels.get(i).copied())
                .unwrap_or_default()
        })
        .collect();
    let held: Vec<String> = fit.hold.held.iter().map(|h| h.parameter.clone()).collect();
    outputs::write_estimates(
        dir,
        &all,
        run.method.name(),
        flags.converged,
        &labels,
        &held,
    )?;
    match (&fit.abc, &fit.smm) {
        (Some(s), _) => {
            outputs::write_targets(dir, problem, Some(&s.scales.scale))?;
            outputs::write_abc(dir, problem, s)?;
            plot::write_marginals(
                dir,
                &outputs::marginals(problem, estimates, Some((&s.theta, &s.weights)), None),
            )?;
        }
        (_, Some(s)) => {
            outputs::write_targets(dir, problem, None)?;
            outputs::write_smm(dir, problem, s)?;
            outputs::write_smm_intervals(dir, problem, s, fit.profile.as_ref())?;
            if let Some(id) = s.phase3.as_ref().and_then(|p| smm_ident::of(problem, p)) {
                smm_ident::write(dir, problem, &id)?;
            }
            plot::write_marginals(dir, &outputs::marginals(problem, estimates, None, None))?;
        }
        _ => {}
    }
    outputs::write_predictive(dir, &checks.predictive, problem.observed.len())?;
    if let Some((c, best)) = &checks.point {
        outputs::write_point_estimates(dir, problem, c, *best)?;
    }
    Ok(())
}

/// `scenario.toml` (the scenario as calibrated, with the method used) and `calibrated.toml`
/// (with the point estimates written in; flagged when the method of moments did not converge).
fn write_calibrated(
    dir: &Path,
    scenario: &Scenario,
    run: &Setup,
    fit: &Fitted,
    checks: &Checks,
    flags: &Flags,
    say: impl Fn(&str),
) -> Result<()> {
    let (method, seed) = (run.method, run.seed);
    // The scenario as calibrated: with the method actually used (`--method` overrides it).
    let mut used = scenario.with_resolved_paths();
    used.calibration.method = method;
    outputs::write_file(dir, "scenario.toml", &used.to_toml())?;
    let mut carried = fit.all_estimates();
    let what = match &checks.point {
        Some((c, best)) => {
            for (e, &x) in carried.iter_mut().zip(&c[*best].theta) {
                e.estimate = x;
            }
            let name = &c[*best].name;
            let what = match name.strip_prefix("posterior_") {
                Some(summary) => format!("the {summary} of the posterior"),
                None => format!("{} of the final population", name.replace('_', " ")),
            };
            format!(
                "{what}, the candidate whose simulations reproduce the matched statistics best \
                 (point_estimates.csv)"
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
                run.problem.keys().join(", "),
            );
            let mut warning = flags.warning.clone().unwrap_or_default();
            if !fit.hold.held.is_empty() {
                warning += &format!(
                    "# HELD ON A RIDGE: {}: the moments do not identify the combination these \
                     parameters are in, so the method of moments held them at these values and \
                     fitted the others (not estimated, no standard error; \
                     docs/calibration.md, \"Holding a parameter on a ridge\").\n",
                    smm_hold::describe(&fit.hold.held)
                );
            }
            for w in &flags.bounds {
                warning += &format!("# WARNING: AT A PRIOR BOUND. {w}.\n");
            }
            for w in &flags.missed {
                warning += &format!("# WARNING: A MATCHED STATISTIC MISSED. {w}.\n");
            }
            outputs::write_file(dir, "calibrated.toml", &(warning + &header + &c.to_toml()))
        }
        Err(e) => {
            say(&format!(
                "warning: the estimates do not make a valid scenario, calibrated.toml not \
                 written: {e}"
            ));
            Ok(())
        }
    }
}

/// `manifest.json`, covering every session of the calibration.
fn write_manifest(
    dir: &Path,
    scenario: &Scenario,
    run: &Setup,
    fit: &Fitted,
    checks: &Checks,
    flags: &Flags,
) -> Result<()> {
    let smm3 = fit.smm.as_ref().and_then(|s| s.phase3.as_ref());
    let sessions = &fit.sessions;
    outputs::write_manifest(
        dir,
        outputs::Manifest {
            engine: "wecare",
            version: env!("CARGO_PKG_VERSION"),
            scenario_name: scenario.scenario.name.clone(),
            scenario_file: scenario.file_label(),
            method: run.method.name().into(),
            seed: run.seed,
            threads: fit.threads,
            started_utc: sessions
                .first()
                .map(|s| s.started_utc.clone())
                .unwrap_or_default(),
            resumed: sessions.len() > 1,
            wall_seconds: sessions.iter().map(|s| s.wall_seconds).sum(),
            simulations: sessions
                .iter()
                .fold(0u64, |a, s| a.saturating_add(s.simulations)),
            total_simulations: fit.total,
            simulations_per_second: fit.simulations as f64 / fit.wall.max(1e-9),
            sessions: sessions.clone(),
            stopped: fit.stopped.clone(),
            predictive_simulations: checks.predictive.simulations,
            predictive_wall_seconds: checks.wall,
            converged: flags.converged,
            not_a_fit: flags.advice.clone().filter(|_| fit.abc.is_some()),
            bound_warnings: flags.bounds.clone(),
            max_convergence_ratio: smm3.map(|p| p.max_convergence_ratio),
            identification: fit.hold.identification.clone(),
            held: fit.hold.held.clone(),
            identification_held: fit.hold.identification_held.clone(),
            hold_attempts: fit.hold.attempts.clone(),
            estimates: fit.all_estimates(),
            files: Vec::new(),
            record: outputs::Record::of(scenario)?,
        },
    )
}
