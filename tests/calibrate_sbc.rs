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
//!     # WECARE_SBC_OUT=DIR (default target/sbc): <method>.csv (one row per data set and
//!     # parameter), <method>_coverage.csv, and the rank histograms <method>_ranks.svg/.png
//!
//! Settings are cheap: ABC with 100 particles and 3,000 simulations per fit; the method of
//! moments with 40 phase 1 runs, 3 subphases, 200 phase 3 runs and at most 2 rounds.
//! docs/calibration.md has the results.

use std::path::{Path, PathBuf};
use std::time::Instant;
use wecare::calibrate::plot::{Panel, write_marginals};
use wecare::calibrate::summary::{abc_estimates, smm_estimates};
use wecare::calibrate::{AbcSmc, Executor, Problem, Smm, parameters};
use wecare::model::{Model, rng};
use wecare::scenario::Scenario;

/// Rank histogram bins.
const BINS: usize = 20;
/// Central intervals whose coverage is reported.
const LEVELS: [f64; 3] = [0.5, 0.8, 0.95];

fn s50() -> Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Scenario::load(&root.join("scenarios/s50.toml")).unwrap()
}

/// A truth drawn from the prior whose simulated panel has 40 to 200 ties at waves 2 and 3, and
/// that panel's calibration problem; `index` picks the streams.
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
            let problem = Problem::with_observed(s, ds.clone(), Some(observed)).unwrap();
            return (truth, problem);
        }
    }
    unreachable!()
}

/// One fit: per parameter (where the truth falls in the fit's distribution, in [0, 1]; the
/// estimate; its sd or se), and whether the fit converged (ABC: always).
type Fit = (Vec<(f64, f64, f64)>, bool);

fn fit_smm(problem: &Problem, truth: &[f64], seed: u64) -> Fit {
    let mut settings = problem.scenario.calibration.smm.clone();
    settings.phase1 = 40;
    settings.subphases = 3;
    settings.phase3 = 200;
    settings.rounds = 2;
    // A fit whose every round ends where the moments are undefined (a corner of the box with no
    // ties) is an error: it counts as a fit that did not converge, with no interval.
    let Ok(o) = Executor::new(Smm { settings }, problem, seed, 0).run() else {
        return (vec![(f64::NAN, f64::NAN, f64::NAN); truth.len()], false);
    };
    let est = smm_estimates(problem, &o.state);
    let converged = o.state.phase3.as_ref().is_some_and(|p| p.converged);
    let u = est
        .iter()
        .zip(truth)
        .map(|(e, &t)| (normal_cdf((t - e.estimate) / e.sd), e.estimate, e.sd))
        .collect();
    (u, converged)
}

fn fit_abc(problem: &Problem, truth: &[f64], seed: u64) -> Fit {
    let mut settings = problem.scenario.calibration.abc.clone();
    settings.particles = 100;
    settings.max_simulations = 3000;
    let o = Executor::new(AbcSmc { settings }, problem, seed, 0)
        .run()
        .unwrap();
    let est = abc_estimates(problem, &o.state);
    let s = &o.state;
    let u = truth
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
    (u, true)
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

/// Chi-squared test of uniform ranks over `BINS` bins: (statistic, p-value).
fn uniformity(u: &[f64]) -> (f64, f64) {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let mut counts = [0usize; BINS];
    for &x in u {
        counts[((x * BINS as f64) as usize).min(BINS - 1)] += 1;
    }
    let e = u.len() as f64 / BINS as f64;
    let chi2: f64 = counts.iter().map(|&c| (c as f64 - e).powi(2) / e).sum();
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

/// Runs the study for one method and writes its files; returns, per parameter, the coverage of
/// each interval of `LEVELS`.
fn study(method: &str, n: u64) -> Vec<Vec<f64>> {
    let s = s50();
    let keys: Vec<String> = s
        .calibration
        .parameters
        .iter()
        .map(|p| p.key.clone())
        .collect();
    let clock = Instant::now();
    let mut rows = vec!["data_set,parameter,truth,estimate,sd,rank_fraction,converged".to_string()];
    let mut u: Vec<Vec<f64>> = vec![Vec::new(); keys.len()];
    let mut converged = 0;
    let mut errors = 0;
    for d in 0..n {
        let (truth, problem) = synthetic(&s, d);
        let (fit, conv) = match method {
            "smm" => fit_smm(&problem, &truth, 500 + d),
            _ => fit_abc(&problem, &truth, 500 + d),
        };
        converged += conv as usize;
        errors += fit.iter().all(|x| x.0.is_nan()) as usize;
        for (j, (x, est, sd)) in fit.iter().enumerate() {
            u[j].push(*x);
            rows.push(format!(
                "{d},{},{},{est},{sd},{x},{conv}",
                keys[j], truth[j]
            ));
        }
        if (d + 1) % 20 == 0 {
            eprintln!(
                "{method}: {} data sets in {:.0} s",
                d + 1,
                clock.elapsed().as_secs_f64()
            );
        }
    }
    let dir = out_dir();
    std::fs::write(dir.join(format!("{method}.csv")), rows.join("\n") + "\n").unwrap();
    let mut summary = vec![
        "parameter,data_sets,coverage50,se50,coverage80,se80,coverage95,se95,rank_chi2,rank_p"
            .to_string(),
    ];
    let mut panels = Vec::new();
    let mut coverage = Vec::new();
    eprintln!(
        "{method}: {n} data sets in {:.0} s ({converged} converged, {errors} ended with an error \
         and have no interval); coverage of the 50/80/95% intervals (binomial se) over the \
         others, uniformity of the ranks:",
        clock.elapsed().as_secs_f64()
    );
    for (j, key) in keys.iter().enumerate() {
        let ok: Vec<f64> = u[j].iter().copied().filter(|x| x.is_finite()).collect();
        let m = ok.len() as f64;
        let cov: Vec<f64> = LEVELS
            .iter()
            .map(|q| {
                let (lo, hi) = ((1.0 - q) / 2.0, (1.0 + q) / 2.0);
                ok.iter().filter(|&&x| lo <= x && x <= hi).count() as f64 / m
            })
            .collect();
        let se: Vec<f64> = LEVELS.iter().map(|q| (q * (1.0 - q) / m).sqrt()).collect();
        let (chi2, p) = uniformity(&ok);
        eprintln!(
            "  {key}: {:.3} ({:.3}), {:.3} ({:.3}), {:.3} ({:.3}); chi2 = {chi2:.1} on {} df, \
             p = {p:.3}",
            cov[0],
            se[0],
            cov[1],
            se[1],
            cov[2],
            se[2],
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
        let mut counts = [0usize; BINS];
        for &x in &ok {
            counts[((x * BINS as f64) as usize).min(BINS - 1)] += 1;
        }
        let w = 1.0 / BINS as f64;
        // Densities on [0, 1]: a uniform rank has density 1.
        panels.push(Panel {
            title: format!("{key} ({method})"),
            subtitle: format!(
                "coverage 50/80/95%: {:.2} / {:.2} / {:.2}; ranks chi2 p = {p:.3}",
                cov[0], cov[1], cov[2]
            ),
            bars: counts
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
        });
        coverage.push(cov);
    }
    std::fs::write(
        dir.join(format!("{method}_coverage.csv")),
        summary.join("\n") + "\n",
    )
    .unwrap();
    // The figure, under the method's name.
    let tmp = tempfile::tempdir().unwrap();
    write_marginals(tmp.path(), &panels).unwrap();
    for ext in ["svg", "png"] {
        std::fs::copy(
            tmp.path().join(format!("marginals.{ext}")),
            dir.join(format!("{method}_ranks.{ext}")),
        )
        .unwrap();
    }
    coverage
}

/// The study: at least 200 synthetic panels per method. It fails when an interval's coverage
/// is more than 3 binomial standard errors below its nominal level for some parameter (at 200
/// data sets: 0.394, 0.715 and 0.904 for the 50%, 80% and 95% intervals), which a correctly
/// calibrated method does with probability below 0.2% per check.
#[test]
#[ignore]
fn simulation_based_calibration() {
    let n: u64 = std::env::var("WECARE_SBC_DATA_SETS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let methods: Vec<String> = match std::env::var("WECARE_SBC_METHOD") {
        Ok(m) => vec![m],
        Err(_) => vec!["smm".into(), "abc".into()],
    };
    let mut short = Vec::new();
    for m in &methods {
        for (j, cov) in study(m, n).iter().enumerate() {
            for (q, c) in LEVELS.iter().zip(cov) {
                let se = (q * (1.0 - q) / n as f64).sqrt();
                if *c < q - 3.0 * se {
                    short.push(format!("{m}, parameter {j}: {c:.3} for {q}"));
                }
            }
        }
    }
    assert!(short.is_empty(), "coverage short of nominal: {short:?}");
}
