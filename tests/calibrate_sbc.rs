//! Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari and Gelman 2018) of both
//! methods on the s50 model: truths drawn from the prior, one synthetic panel simulated at each
//! from the observed first wave, and a fit of each panel. If a method's uncertainty is right,
//! the truth's rank within the fit's distribution (ABC: the weighted posterior; SMM: the normal
//! sampling distribution `N(estimate, se^2)`) is uniform, and the 50%, 80% and 95% central
//! intervals cover the truth at those rates.
//!
//! Truths come from the prior restricted to panels that are not degenerate: a drawn truth is
//! kept when its panel has 40 to 200 ties at waves 2 and 3 (the observed panel has 81 and 77).
//! The selection depends on the data only, not on the truth, so the kept pairs are still draws
//! from the joint distribution given the data's region, and the posterior given a kept data set
//! is unchanged: the ranks stay uniform for an exact method.
//!
//!     cargo test --release --test calibrate_sbc -- --ignored --nocapture
//!     # WECARE_SBC_DATA_SETS=n (default 200), WECARE_SBC_METHOD=smm|abc (default both),
//!     # WECARE_SBC_FROM=k (first data set fitted by this process, default 0),
//!     # WECARE_SBC_OUT=DIR (default target/sbc),
//!     # WECARE_SBC_ONLY=3,17,... (those data sets alone, fitted and summarised),
//!     # WECARE_SBC_TRACE=1 (each fit's stages and estimates on stderr),
//!     # WECARE_SBC_FROM_TRUTH=1 (SMM from the truth, without a pilot: a diagnostic),
//!     # WECARE_SBC_MOMENTS=degree_sd|isolates|panel (the degree moments and parameters
//!     # fitted, the data sets unchanged: `degree_sd` in place of `isolates`, with the
//!     # activity effect, the default; `isolates` with the activity effect, the s50
//!     # scenario's and the study's before; `panel`, `wecare panel`'s rule, `degree_sd` with
//!     # the activity effect and, when a matched wave has an isolate, `isolates` with
//!     # `formation.isolate`, whose truth is 0; `both`, `isolates` and `degree_sd` with the
//!     # activity effect, six moments combined into five by `calibration.smm.combine`),
//!     # WECARE_SBC_REUSE=DIR (SMM: phase 3 and the intervals again at an earlier study's
//!     # converged estimates), WECARE_SBC_DERIVATIVE_RUNS=n (the derivative's runs),
//!     # WECARE_SBC_PROFILE_EXTENSIONS=n (the profile's extension clouds per side)
//!
//! Each fit is written to `<out>/<method>/<data set>.csv` as soon as it ends, and a data set
//! whose file exists is read instead of fitted again: a study cut off goes on where it stopped
//! when run again, and processes with different `WECARE_SBC_FROM` can share the data sets. The
//! summary over every data set below `n` with a file goes to `<method>_coverage.csv` and the
//! rank histograms `<method>_ranks.svg`/`.png` (SMM: also `smm-converged_*`, the converged
//! fits alone). `<out>/<method>/settings.txt` records the method's settings; a directory written
//! with other settings is refused, so that one study never mixes two configurations.
//!
//! Settings: the method of moments at the scenario's (default) settings; ABC-SMC with 200
//! particles and a budget of 24,000 simulations instead of the scenario's 500 and 60,000 (the
//! same 120 simulations per particle, so about as many generations and the same final
//! tolerance quantile), to fit 200 data sets on two shared cores. SBC checks the posterior a
//! method produces as configured, so the check is of ABC with these settings. Both methods
//! match `degree_sd` in place of the scenario's `isolates` unless `WECARE_SBC_MOMENTS` says
//! otherwise.
//! docs/calibration.md has the results.

use std::path::{Path, PathBuf};
use std::time::Instant;
use wecare::calibrate::plot::{Panel, write_marginals};
use wecare::calibrate::smm_intervals::{Profile, phase3_at, profile_intervals};
use wecare::calibrate::spec::Intervals;
use wecare::calibrate::summary::{abc_estimates, smm_estimates};
use wecare::calibrate::{AbcSmc, Executor, Problem, Smm, SmmState, parameters};
use wecare::model::{Model, rng};
use wecare::network::Snapshot;
use wecare::scenario::Scenario;

/// Rank histogram bins.
const BINS: usize = 20;
/// Central intervals whose coverage is reported.
const LEVELS: [f64; 3] = [0.5, 0.8, 0.95];
/// ABC-SMC particles in the study.
const ABC_PARTICLES: usize = 200;
/// ABC-SMC budget of simulations per fit in the study.
const ABC_SIMULATIONS: u64 = 24_000;
/// Header of a fit's file (one row per parameter).
const HEADER: &str = "data_set,parameter,truth,estimate,sd,rank_fraction,converged,seconds,\
                      simulations,detail,profile_rank";

/// The model the study was run on: the s50 scenario's first five parameters, without its
/// period-2 parameters (docs/calibration.md, "Simulation-based calibration").
fn s50() -> Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut s = Scenario::load(&root.join("scenarios/s50.toml")).unwrap();
    s.calibration.parameters.truncate(5);
    s.calibration.smm.per_wave.clear();
    s
}

/// The moments and degree parameters fitted (`WECARE_SBC_MOMENTS`): the data sets are the same
/// whichever is chosen (truths drawn from [`s50`]'s five-parameter prior, the isolate effect 0).
/// `degree_sd` is the default: on data sets 0 to 59 it converged 55 fits against 47 with
/// `isolates` and 49 with the panel rule, and 179 of all 200 against 145 with `isolates`
/// (docs/calibration.md, "The degree moments").
#[derive(Debug, Clone, Copy, PartialEq)]
enum Moments {
    /// `isolates` with `formation.activity_sqrt` (the s50 scenario's statistics, and the
    /// study's before `degree_sd`).
    Isolates,
    /// `wecare panel`'s rule: `degree_sd` with `formation.activity_sqrt` always, and
    /// `isolates` with `formation.isolate` (prior -2 to 3) when a matched wave has an isolate.
    Panel,
    /// `degree_sd` in place of `isolates` with `formation.activity_sqrt`, no new parameter
    /// (the default).
    DegreeSd,
    /// `isolates` and `degree_sd` both, with the five parameters: six moments combined into
    /// five (`calibration.smm.combine`).
    Both,
}

/// `WECARE_SBC_MOMENTS=degree_sd|isolates|panel|both` (default `degree_sd`).
fn moments() -> Moments {
    match std::env::var("WECARE_SBC_MOMENTS").as_deref() {
        Ok("isolates") => Moments::Isolates,
        Ok("panel") => Moments::Panel,
        Err(_) | Ok("degree_sd") => Moments::DegreeSd,
        Ok("both") => Moments::Both,
        Ok(other) => {
            panic!("WECARE_SBC_MOMENTS: isolates, panel, degree_sd or both, not `{other}`")
        }
    }
}

/// The isolate effect's parameter under [`Moments::Panel`], with `wecare panel`'s prior; its
/// truth is the scenario's value, 0, inside the prior (the method of moments' intervals are
/// confidence intervals, which should cover at every truth, so holding one coordinate of the
/// truth at a point of the prior still checks them).
fn isolate_parameter() -> wecare::scenario::calibration::ParameterSpec {
    let text = "key = \"formation.isolate\"\nprior = \"uniform\"\nmin = -2.0\nmax = 3.0\n";
    toml::from_str(text).unwrap()
}

/// The scenario fitted under `moments()`, for a panel with isolates at some matched wave or
/// not (`isolated`): `isolates` is replaced by `degree_sd`, or joined by it with the isolate
/// effect.
fn fitted(s: &Scenario, isolated: bool) -> Scenario {
    let mut f = s.clone();
    let stats = &mut f.calibration.statistics;
    match moments() {
        Moments::Isolates => {}
        Moments::DegreeSd => {
            stats.retain(|x| x != "isolates");
            stats.push("degree_sd".into());
        }
        Moments::Both => {
            stats.push("degree_sd".into());
            f.calibration.smm.combine = true;
        }
        Moments::Panel => {
            stats.retain(|x| x != "isolates");
            stats.push("degree_sd".into());
            if isolated {
                stats.push("isolates".into());
                f.calibration.parameters.push(isolate_parameter());
            }
        }
    }
    f
}

/// The keys of every parameter a fit may report under `moments()`.
fn reported_keys(s: &Scenario) -> Vec<String> {
    fitted(s, true)
        .calibration
        .parameters
        .iter()
        .map(|p| p.key.clone())
        .collect()
}

/// Whether some matched wave of `observed` has an isolate.
fn has_isolates(s: &Scenario, ds: &wecare::data::Dataset, observed: &[Snapshot]) -> bool {
    let p = Problem::with_observed(s, ds.clone(), Some(observed.to_vec())).unwrap();
    let requests = s
        .calibration
        .waves
        .iter()
        .map(|&k| (k, "network".to_string(), "isolates".to_string()))
        .collect();
    let values = p.plan_for(requests).evaluate(&p.observed).unwrap();
    values.iter().any(|&v| v > 0.0)
}

/// A truth drawn from the prior whose simulated panel has 40 to 200 ties at waves 2 and 3, and
/// that panel's calibration problem under `moments()` (the truth then also holds the isolate
/// effect's value, 0, when it is fitted); `index` picks the streams.
fn synthetic(s: &Scenario, index: u64) -> (Vec<f64>, Problem) {
    let (ds, _) = s.load_dataset().unwrap();
    let mut r = rng::stream(7_000_000, index, 0);
    for attempt in 0.. {
        let truth: Vec<f64> = s
            .calibration
            .parameters
            .iter()
            .map(|p| p.prior().unwrap().sample(&mut r))
            .collect();
        let mut p = s.params();
        for (spec, &v) in s.calibration.parameters.iter().zip(&truth) {
            assert!(parameters::set(&mut p, &spec.key, v));
        }
        let observed = Model::new(&ds, &p)
            .unwrap()
            .run(9_000_000 + index * 1000 + attempt, 0);
        if observed[1..]
            .iter()
            .all(|w| (40..=200).contains(&w.ties.len()))
        {
            let f = fitted(s, has_isolates(s, &ds, &observed));
            let mut truth = truth;
            for spec in &f.calibration.parameters[truth.len()..] {
                truth.push(parameters::get(&p, &spec.key).unwrap());
            }
            let problem = Problem::with_observed(&f, ds.clone(), Some(observed)).unwrap();
            return (truth, problem);
        }
    }
    unreachable!()
}

/// One fit of one data set.
struct Fit {
    /// Per parameter: where the truth falls in the fit's distribution (in [0, 1]; NaN for a
    /// fit without an interval), the estimate, and its sd or se.
    ranks: Vec<(f64, f64, f64)>,
    /// SMM: per parameter, where the truth falls in the profile intervals'
    /// distribution ([`wecare::calibrate::smm_intervals::ParameterProfile::rank`]; NaN without
    /// profile intervals); empty for ABC.
    profile_ranks: Vec<f64>,
    /// Converged (SMM, by RSiena's rule; ABC: always).
    converged: bool,
    /// Wall seconds.
    seconds: f64,
    /// Simulations.
    simulations: u64,
    /// What else says how the fit went (SMM: rounds, largest |t| and overall ratio; ABC:
    /// generations and final tolerance).
    detail: String,
}

/// The scenario's method-of-moments settings; `WECARE_SBC_DERIVATIVE_RUNS=n` sets the runs
/// that estimate the derivative (phase 1 and phase 3), to study the standard errors' noise, and
/// `WECARE_SBC_PROFILE_EXTENSIONS=n` the profile's extension clouds per side.
fn smm_settings(s: &Scenario) -> wecare::calibrate::spec::SmmSettings {
    let mut settings = s.calibration.smm.clone();
    if from_truth() {
        settings.pilot = 0;
    }
    if let Some(n) = std::env::var("WECARE_SBC_DERIVATIVE_RUNS")
        .ok()
        .and_then(|x| x.parse().ok())
    {
        settings.phase1 = n;
    }
    if let Some(n) = std::env::var("WECARE_SBC_PROFILE_EXTENSIONS")
        .ok()
        .and_then(|x| x.parse().ok())
    {
        settings.profile_extensions = n;
    }
    settings
}

/// `WECARE_SBC_FROM_TRUTH=1`: the method of moments starts at the truth, without a pilot (a
/// diagnostic: does the data set's moment equation have a root near the truth?).
fn from_truth() -> bool {
    std::env::var_os("WECARE_SBC_FROM_TRUTH").is_some()
}

fn abc_settings(s: &Scenario) -> wecare::calibrate::spec::AbcSettings {
    let mut settings = s.calibration.abc.clone();
    settings.particles = ABC_PARTICLES;
    settings.max_simulations = ABC_SIMULATIONS;
    settings
}

fn fit_smm(problem: &Problem, truth: &[f64], seed: u64) -> Fit {
    let settings = smm_settings(&problem.scenario);
    let mut from = problem.clone();
    if from_truth() {
        for (q, &t) in from.parameters.iter_mut().zip(truth) {
            q.start = t;
        }
    }
    let problem = &from;
    let clock = Instant::now();
    // A fit whose every round ends where the moments are undefined (a corner of the box with no
    // ties) is an error: it counts as a fit that did not converge, with no interval.
    let o = match Executor::new(Smm { settings }, problem, seed, 0).run() {
        Ok(o) => o,
        Err(e) => {
            return Fit {
                ranks: vec![(f64::NAN, f64::NAN, f64::NAN); truth.len()],
                profile_ranks: vec![f64::NAN; truth.len()],
                converged: false,
                seconds: clock.elapsed().as_secs_f64(),
                simulations: 0,
                // One CSV field.
                detail: format!("error: {}", e.to_string().replace([',', '\n'], ";")),
            };
        }
    };
    let p3 = o.state.phase3.as_ref();
    let converged = p3.is_some_and(|p| p.converged);
    if std::env::var_os("WECARE_SBC_TRACE").is_some() {
        // The path of the fit: each stage's estimate, and the final t-ratios.
        for step in &o.state.steps {
            eprintln!(
                "  {:<24} {:>6} {:.3?}",
                step.stage, step.simulations, step.theta
            );
        }
        eprintln!("  truth {truth:.3?} t {:.3?}", p3.map(|p| &p.t_ratios));
    }
    // Profile intervals for a converged fit, as `wecare calibrate` computes them.
    let profile = match converged {
        true => {
            profile_intervals(problem, &o.state, &smm_settings(&problem.scenario), seed).unwrap()
        }
        false => None,
    };
    let simulations = o.simulations + profile.as_ref().map_or(0, |p| p.simulations);
    // The profile's extension clouds and how its 95% ends were found (profile, extended,
    // bound, unbounded), summed over the parameters.
    let ends = profile.as_ref().map_or(String::new(), |p| {
        let n = p.end_counts(0.95);
        format!(
            " extensions {} ends95 {} {} {} {}",
            p.extensions, n[0], n[1], n[2], n[3]
        )
    });
    let detail = format!(
        "starts {} continuations {} rounds {} max|t| {:.3} ratio {:.3}{ends}",
        // A continuation's index follows the starts'.
        o.state.start_index + 1 - o.state.continuation,
        o.state.continuation,
        o.state.rounds,
        max_t(&o.state),
        p3.map_or(f64::NAN, |p| p.max_convergence_ratio)
    );
    smm_fit(
        problem,
        &o.state,
        profile.as_ref(),
        truth,
        o.wall_seconds,
        simulations,
        detail,
    )
}

/// The largest |t| of a fit's phase 3.
fn max_t(state: &SmmState) -> f64 {
    state.phase3.as_ref().map_or(f64::NAN, |p| {
        p.t_ratios.iter().fold(0.0_f64, |m, t| m.max(t.abs()))
    })
}

/// A method-of-moments fit's ranks: the delta method's normal ranks and the profile ranks.
fn smm_fit(
    problem: &Problem,
    state: &SmmState,
    profile: Option<&Profile>,
    truth: &[f64],
    seconds: f64,
    simulations: u64,
    detail: String,
) -> Fit {
    let est = smm_estimates(problem, state, None);
    let converged = state.phase3.as_ref().is_some_and(|p| p.converged);
    Fit {
        ranks: est
            .iter()
            .zip(truth)
            .map(|(e, &t)| (normal_cdf((t - e.estimate) / e.sd), e.estimate, e.sd))
            .collect(),
        // Without profile intervals (a singular covariance or surrogate) a converged fit
        // reports the delta method's, as `wecare calibrate` does.
        profile_ranks: est
            .iter()
            .zip(truth)
            .enumerate()
            .map(|(j, (e, &t))| match profile {
                Some(p) => p.parameters[j].rank(t),
                None if converged => normal_cdf((t - e.estimate) / e.sd),
                None => f64::NAN,
            })
            .collect(),
        converged,
        seconds,
        simulations,
        detail,
    }
}

/// The profile intervals of a converged fit saved by an earlier study (`WECARE_SBC_REUSE`, the
/// directory of its SMM fits), without fitting again: phase 3 runs again at the saved
/// estimate (the same runs as a fit's, for the delta method's derivative and covariance), and
/// the profile intervals are computed from there. The fit's convergence is the saved fit's;
/// `None` for a data set whose saved fit did not converge or does not exist.
fn reuse_smm(problem: &Problem, truth: &[f64], seed: u64, saved: &Path) -> Option<Fit> {
    let text = std::fs::read_to_string(saved).ok()?;
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    if rows.first()?[6] != "true" {
        return None;
    }
    let theta: Vec<f64> = rows.iter().map(|r| r[3].parse().unwrap()).collect();
    let clock = Instant::now();
    let mut state = phase3_at(problem, &theta, &smm_settings(&problem.scenario), seed).unwrap();
    // The saved fit converged: its intervals are reported.
    if let Some(p3) = state.phase3.as_mut() {
        p3.converged = true;
    }
    let profile =
        profile_intervals(problem, &state, &smm_settings(&problem.scenario), seed).unwrap();
    let simulations = state.simulations + profile.as_ref().map_or(0, |p| p.simulations);
    let detail = format!(
        "estimate of {} with phase 3 again: max|t| {:.3}",
        saved.display(),
        max_t(&state)
    );
    let seconds = clock.elapsed().as_secs_f64();
    Some(smm_fit(
        problem,
        &state,
        profile.as_ref(),
        truth,
        seconds,
        simulations,
        detail,
    ))
}

fn fit_abc(problem: &Problem, truth: &[f64], seed: u64) -> Fit {
    let settings = abc_settings(&problem.scenario);
    let o = Executor::new(AbcSmc { settings }, problem, seed, 0)
        .run()
        .unwrap();
    let est = abc_estimates(problem, &o.state);
    let s = &o.state;
    let ranks = truth
        .iter()
        .enumerate()
        .map(|(j, &t)| {
            // The weighted share of particles below the truth (half of those equal to it).
            let below: f64 = s
                .theta
                .iter()
                .zip(&s.weights)
                .map(|(x, w)| {
                    if x[j] < t {
                        *w
                    } else if x[j] == t {
                        0.5 * w
                    } else {
                        0.0
                    }
                })
                .sum();
            (below, est[j].estimate, est[j].sd)
        })
        .collect();
    Fit {
        ranks,
        profile_ranks: Vec::new(),
        converged: true,
        seconds: o.wall_seconds,
        simulations: o.simulations,
        detail: format!("generation {} tolerance {:.4}", s.generation, s.tolerance),
    }
}

/// The standard normal distribution function (Abramowitz and Stegun 7.1.26 through erf is not
/// precise enough in the tails; statrs is).
fn normal_cdf(z: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    if z.is_nan() {
        return f64::NAN;
    }
    Normal::new(0.0, 1.0).unwrap().cdf(z)
}

/// Rank fractions counted in `BINS` equal bins of [0, 1].
fn histogram(u: &[f64]) -> [usize; BINS] {
    let mut counts = [0usize; BINS];
    for &x in u {
        counts[((x * BINS as f64) as usize).min(BINS - 1)] += 1;
    }
    counts
}

/// Chi-squared test of uniform ranks over `BINS` bins: (statistic, p-value).
fn uniformity(u: &[f64]) -> (f64, f64) {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let e = u.len() as f64 / BINS as f64;
    let chi2: f64 = histogram(u)
        .iter()
        .map(|&c| (c as f64 - e).powi(2) / e)
        .sum();
    let p = 1.0 - ChiSquared::new((BINS - 1) as f64).unwrap().cdf(chi2);
    (chi2, p)
}

fn out_dir() -> PathBuf {
    let d = std::env::var_os("WECARE_SBC_OUT").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/sbc"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The directory of one method's fits, created with its settings file; a directory whose
/// settings differ is refused.
fn fits_dir(s: &Scenario, method: &str) -> PathBuf {
    let dir = out_dir().join(method);
    std::fs::create_dir_all(&dir).unwrap();
    let mut settings = match method {
        // Without `combine` the settings read as before it existed.
        "smm" => format!("{:?}\n", smm_settings(s)).replace(", combine: false", ""),
        _ => format!("{:?}\n", abc_settings(s)),
    };
    // The present moments leave the files of earlier studies valid.
    if moments() != Moments::Isolates {
        settings += &format!("moments {:?}\n", moments());
    }
    let file = dir.join("settings.txt");
    match std::fs::read_to_string(&file) {
        Ok(old) => assert_eq!(
            old,
            settings,
            "{} holds fits with other settings; use another WECARE_SBC_OUT",
            dir.display()
        ),
        Err(_) => std::fs::write(&file, settings).unwrap(),
    }
    dir
}

/// Fits data set `d` with `method` and writes its file (through a temporary name, so a file
/// that exists is complete). With `WECARE_SBC_REUSE`, a method-of-moments data set whose saved
/// fit converged gets its intervals from the saved estimate ([`reuse_smm`]), and one whose
/// saved fit did not converge is skipped.
fn fit_and_write(s: &Scenario, method: &str, d: u64, file: &Path) {
    let (truth, problem) = synthetic(s, d);
    let reuse = std::env::var_os("WECARE_SBC_REUSE").map(PathBuf::from);
    let fit = match (method, reuse) {
        ("smm", Some(dir)) => {
            match reuse_smm(&problem, &truth, 500 + d, &dir.join(format!("{d}.csv"))) {
                Some(f) => f,
                None => return,
            }
        }
        ("smm", None) => fit_smm(&problem, &truth, 500 + d),
        _ => fit_abc(&problem, &truth, 500 + d),
    };
    let mut rows = vec![HEADER.to_string()];
    // A parameter the data set's fit left out (the isolate effect of a panel without isolates
    // under `WECARE_SBC_MOMENTS=panel`) has a row without an interval, at its truth 0.
    let keys = reported_keys(s);
    let none = (f64::NAN, f64::NAN, f64::NAN);
    for (j, key) in keys.iter().enumerate() {
        let (x, est, sd) = fit.ranks.get(j).copied().unwrap_or(none);
        rows.push(format!(
            "{d},{key},{},{est},{sd},{x},{},{:.3},{},{},{}",
            truth.get(j).copied().unwrap_or(0.0),
            fit.converged,
            fit.seconds,
            fit.simulations,
            fit.detail,
            fit.profile_ranks.get(j).copied().unwrap_or(f64::NAN)
        ));
    }
    let tmp = file.with_extension("tmp");
    std::fs::write(&tmp, rows.join("\n") + "\n").unwrap();
    std::fs::rename(&tmp, file).unwrap();
}

/// One fit as read back from its file: per parameter (rank fraction, converged, profile
/// rank; NaN in files written before the profile rank existed).
fn read_fit(file: &Path) -> Vec<(f64, bool, f64)> {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let profile = f.get(10).map_or(f64::NAN, |x| x.parse().unwrap());
            (f[5].parse().unwrap(), f[6] == "true", profile)
        })
        .collect()
}

/// Coverage of each interval of `LEVELS` by the rank fractions `u`, and the binomial
/// standard errors `sqrt(q (1 - q) / n)` at the nominal levels.
fn coverage(u: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let m = u.len() as f64;
    let cov = LEVELS
        .iter()
        .map(|q| {
            let (lo, hi) = ((1.0 - q) / 2.0, (1.0 + q) / 2.0);
            u.iter().filter(|&&x| lo <= x && x <= hi).count() as f64 / m
        })
        .collect();
    let se = LEVELS.iter().map(|q| (q * (1.0 - q) / m).sqrt()).collect();
    (cov, se)
}

/// The summary of one set of fits (`name`: the method, or `smm-converged`): the coverage file,
/// the rank histograms, and per parameter the coverage of each interval of `LEVELS`.
fn summarise(keys: &[String], u: &[Vec<f64>], name: &str) -> Vec<Vec<f64>> {
    let dir = out_dir();
    let mut summary = vec![
        "parameter,data_sets,coverage50,se50,coverage80,se80,coverage95,se95,rank_chi2,rank_p"
            .to_string(),
    ];
    let mut panels = Vec::new();
    let mut out = Vec::new();
    eprintln!("{name}: coverage of the 50/80/95% intervals (binomial se), uniform ranks:");
    for (key, all) in keys.iter().zip(u) {
        let ok: Vec<f64> = all.iter().copied().filter(|x| x.is_finite()).collect();
        let (cov, se) = coverage(&ok);
        let (chi2, p) = uniformity(&ok);
        let line = format!(
            "{:.3} ({:.3}), {:.3} ({:.3}), {:.3} ({:.3})",
            cov[0], se[0], cov[1], se[1], cov[2], se[2]
        );
        eprintln!(
            "  {key}, {} fits: {line}; chi2 = {chi2:.1} on {} df, p = {p:.4}",
            ok.len(),
            BINS - 1
        );
        summary.push(format!(
            "{key},{},{},{},{},{},{},{},{chi2},{p}",
            ok.len(),
            cov[0],
            se[0],
            cov[1],
            se[1],
            cov[2],
            se[2]
        ));
        panels.push(rank_panel(key, name, &ok, &cov, p));
        out.push(cov);
    }
    std::fs::write(
        dir.join(format!("{name}_coverage.csv")),
        summary.join("\n") + "\n",
    )
    .unwrap();
    // The figure, under the summary's name.
    let tmp = tempfile::tempdir().unwrap();
    write_marginals(tmp.path(), &panels).unwrap();
    for ext in ["svg", "png"] {
        std::fs::copy(
            tmp.path().join(format!("marginals.{ext}")),
            dir.join(format!("{name}_ranks.{ext}")),
        )
        .unwrap();
    }
    out
}

/// The rank histogram of one parameter, as densities on [0, 1] (a uniform rank has density 1).
fn rank_panel(key: &str, name: &str, ok: &[f64], cov: &[f64], p: f64) -> Panel {
    let w = 1.0 / BINS as f64;
    let m = ok.len() as f64;
    Panel {
        title: format!("{key} ({name}, {} fits)", ok.len()),
        subtitle: format!(
            "coverage 50/80/95%: {:.2} / {:.2} / {:.2}; ranks chi2 p = {p:.3}",
            cov[0], cov[1], cov[2]
        ),
        bars: histogram(ok)
            .iter()
            .enumerate()
            .map(|(b, &c)| (b as f64 * w, (b + 1) as f64 * w, c as f64 / m / w))
            .collect(),
        curves: vec![(
            "uniform".into(),
            "#7f8c8d".into(),
            vec![(0.0, 1.0), (1.0, 1.0)],
        )],
        lines: Vec::new(),
        interval: None,
    }
}

/// Runs the study for one method (the data sets from `from` below `n` without a file) and
/// summarises every data set below `n` with a file; returns, for the intervals the method
/// reports (ABC: every fit; SMM: the converged fits), their number and, per parameter, the
/// coverage of each interval of `LEVELS`.
fn study(method: &str, from: u64, n: u64) -> (usize, Vec<Vec<f64>>) {
    let s = s50();
    let keys = reported_keys(&s);
    let dir = fits_dir(&s, method);
    let clock = Instant::now();
    // `WECARE_SBC_ONLY=3,17,...`: those data sets alone, fitted and summarised.
    let only: Option<Vec<u64>> = std::env::var("WECARE_SBC_ONLY").ok().map(|list| {
        list.split(',')
            .map(|x| {
                x.trim()
                    .parse()
                    .expect("WECARE_SBC_ONLY: data set numbers, comma-separated")
            })
            .collect()
    });
    let sets: Vec<u64> = only.clone().unwrap_or_else(|| (from..n).collect());
    for d in sets {
        let file = dir.join(format!("{d}.csv"));
        if !file.exists() {
            fit_and_write(&s, method, d, &file);
            eprintln!(
                "{method}: data set {d} fitted ({:.0} s so far)",
                clock.elapsed().as_secs_f64()
            );
        }
    }
    let fits: Vec<Vec<(f64, bool, f64)>> = only
        .unwrap_or_else(|| (0..n).collect())
        .into_iter()
        .map(|d| dir.join(format!("{d}.csv")))
        .filter(|f| f.exists())
        .map(|f| read_fit(&f))
        .collect();
    let converged = fits.iter().filter(|f| f[0].1).count();
    let errors = fits.iter().filter(|f| f[0].0.is_nan()).count();
    eprintln!(
        "{method}: {} data sets ({converged} converged, {errors} ended with an error and have \
         no interval)",
        fits.len()
    );
    // Per parameter, the rank fractions (delta method's or, with `profile`, the profile
    // intervals') of every fit, or of the converged ones.
    let ranks = |converged_only: bool, profile: bool| -> Vec<Vec<f64>> {
        (0..keys.len())
            .map(|j| {
                fits.iter()
                    .filter(|f| !converged_only || f[0].1)
                    .map(|f| if profile { f[j].2 } else { f[j].0 })
                    .collect()
            })
            .collect()
    };
    let all = summarise(&keys, &ranks(false, false), method);
    if method != "smm" {
        return (fits.len(), all);
    }
    // The method of moments gives an interval for a converged fit only
    // (`summary::smm_estimates`): those are the intervals it claims, the delta method's or the
    // profile intervals as the settings say.
    let wald = summarise(&keys, &ranks(true, false), "smm-converged");
    let profile = ranks(true, true);
    let with_profile = profile[0].iter().filter(|x| x.is_finite()).count();
    if with_profile == 0 {
        return (converged, wald);
    }
    eprintln!("{with_profile} converged fits have profile intervals");
    let profile = summarise(&keys, &profile, "smm-profile");
    match s.calibration.smm.intervals {
        Intervals::Profile => (with_profile, profile),
        Intervals::Wald => (converged, wald),
    }
}

/// The study: at least 200 synthetic panels per method. It fails when the coverage of an
/// interval the method reports is more than 3 binomial standard errors below its nominal level
/// for some parameter (over 200 fits: 0.394, 0.715 and 0.904 for the 50%, 80% and 95%
/// intervals), which a correctly calibrated method does with probability below 0.2% per check.
#[test]
#[ignore]
fn simulation_based_calibration() {
    let var = |name: &str, default: u64| -> u64 {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let n = var("WECARE_SBC_DATA_SETS", 200);
    let from = var("WECARE_SBC_FROM", 0);
    let methods: Vec<String> = match std::env::var("WECARE_SBC_METHOD") {
        Ok(m) => vec![m],
        Err(_) => vec!["smm".into(), "abc".into()],
    };
    let mut short = Vec::new();
    for m in &methods {
        let (fits, coverage) = study(m, from, n);
        for (j, cov) in coverage.iter().enumerate() {
            for (q, c) in LEVELS.iter().zip(cov) {
                let se = (q * (1.0 - q) / fits as f64).sqrt();
                if *c < q - 3.0 * se {
                    short.push(format!("{m}, parameter {j}: {c:.3} for {q}"));
                }
            }
        }
    }
    assert!(short.is_empty(), "coverage short of nominal: {short:?}");
}
