//! Parameter recovery: waves simulated from the default scenario at known parameter values are
//! calibrated by both methods, and the known values must lie inside the 95% intervals with the
//! point estimates close to them. The coverage study repeats this over many simulated data sets
//! (`cargo test --release --test calibrate_recovery -- --ignored --nocapture`).

use std::path::Path;
use std::time::Instant;
use wecare::calibrate::spec::{AbcSettings, CalibrationSpec, ParameterSpec, SmmSettings};
use wecare::calibrate::summary::{abc_estimates, smm_estimates};
use wecare::calibrate::{AbcSmc, Estimate, Executor, Problem, Smm, parameters};
use wecare::model::Model;
use wecare::scenario::Scenario;

/// The calibrated parameters, their known values and uniform priors.
const KEYS: [&str; 3] = [
    "formation.base",
    "formation.closure",
    "dissolution.base.post",
];
const TRUTH: [f64; 3] = [-3.7, 0.8, 0.4];
const PRIOR: [(f64, f64); 3] = [(-5.5, -2.0), (-0.5, 2.0), (-1.5, 1.5)];

fn uniform(key: &str, (min, max): (f64, f64)) -> ParameterSpec {
    ParameterSpec::uniform(key, min, max)
}

/// The default scenario with its calibration set up, and the problem whose observed waves are
/// one replicate (seed `data_seed`) simulated at the known values. The scenario keeps its own
/// values (-4, 0.5, 0), where the method of moments starts.
fn problem(data_seed: u64, abc: AbcSettings, smm: SmmSettings) -> Problem {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut s = Scenario::load(&root.join("scenarios/wecare-measure1.toml")).unwrap();
    s.calibration = CalibrationSpec {
        statistics: vec![
            "ties".into(),
            "transitivity".into(),
            "tie_persistence@3".into(),
        ],
        use_targets: false,
        parameters: KEYS.iter().zip(PRIOR).map(|(k, p)| uniform(k, p)).collect(),
        abc,
        smm,
        ..CalibrationSpec::default()
    };
    let (ds, _) = s.load_dataset().unwrap();
    let mut truth = s.params();
    for (k, v) in KEYS.iter().zip(TRUTH) {
        assert!(parameters::set(&mut truth, k, v));
    }
    let observed = Model::new(&ds, &truth).unwrap().run(data_seed, 0);
    Problem::with_observed(&s, ds, Some(observed)).unwrap()
}

fn abc_settings() -> AbcSettings {
    AbcSettings {
        particles: 300,
        max_generations: 8,
        max_simulations: 9_000,
        ..AbcSettings::default()
    }
}

fn smm_settings() -> SmmSettings {
    SmmSettings {
        phase3: 200,
        rounds: 2,
        ..SmmSettings::default()
    }
}

fn show(method: &str, est: &[Estimate], sims: u64, secs: f64) {
    for (e, t) in est.iter().zip(TRUTH) {
        eprintln!(
            "{method} {:<24} truth {t:>6.3} estimate {:>7.3} sd {:>6.3} 95% [{:>7.3}, {:>7.3}]",
            e.key, e.estimate, e.sd, e.lower, e.upper
        );
    }
    eprintln!(
        "{method}: {sims} simulations in {secs:.1} s ({:.0}/s)",
        sims as f64 / secs
    );
}

fn run_abc(p: &Problem, seed: u64) -> (Vec<Estimate>, u64, f64) {
    let clock = Instant::now();
    let o = Executor::new(
        AbcSmc {
            settings: p.scenario.calibration.abc.clone(),
        },
        p,
        seed,
        0,
    )
    .run()
    .unwrap();
    eprintln!(
        "abc: {} generations, tolerance {:.3}, ESS {:.0}; {}",
        o.state.generation,
        o.state.tolerance,
        o.state.history.last().map_or(0.0, |g| g.ess),
        o.reason
    );
    (
        abc_estimates(p, &o.state),
        o.simulations,
        clock.elapsed().as_secs_f64(),
    )
}

fn run_smm(p: &Problem, seed: u64) -> (Vec<Estimate>, u64, f64, bool) {
    let clock = Instant::now();
    let o = Executor::new(
        Smm {
            settings: p.scenario.calibration.smm.clone(),
        },
        p,
        seed,
        0,
    )
    .run()
    .unwrap();
    eprintln!("smm: {}", o.reason);
    let converged = o.state.phase3.as_ref().is_some_and(|p| p.converged);
    (
        smm_estimates(p, &o.state, None),
        o.simulations,
        clock.elapsed().as_secs_f64(),
        converged,
    )
}

#[test]
fn known_values_are_recovered_by_both_methods() {
    let p = problem(7, abc_settings(), smm_settings());
    let (abc, sims, secs) = run_abc(&p, 11);
    show("abc", &abc, sims, secs);
    let (smm, sims, secs, _) = run_smm(&p, 11);
    show("smm", &smm, sims, secs);
    for est in [&abc, &smm] {
        for (e, t) in est.iter().zip(TRUTH) {
            assert!(e.covers(t), "{e:?} does not cover {t}");
            assert!(
                (e.estimate - t).abs() <= 2.5 * e.sd,
                "{e:?} is far from {t}"
            );
        }
    }
}

/// Coverage of the 95% intervals over many simulated data sets. Takes about 15 minutes on two
/// cores; its result is reported in docs/calibration.md.
#[test]
#[ignore]
fn coverage_study() {
    let data_sets: u64 = std::env::var("WECARE_COVERAGE_DATA_SETS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let mut cover = [[0usize; 3]; 2];
    let mut err = [[0.0f64; 3]; 2];
    let mut width = [[0.0f64; 3]; 2];
    let mut sds = [[0.0f64; 3]; 2];
    let mut converged = 0;
    let clock = Instant::now();
    for d in 0..data_sets {
        let p = problem(1000 + d, abc_settings(), smm_settings());
        let (abc, ..) = run_abc(&p, 5000 + d);
        let (smm, _, _, conv) = run_smm(&p, 5000 + d);
        converged += conv as usize;
        for (m, est) in [abc, smm].iter().enumerate() {
            for (j, (e, t)) in est.iter().zip(TRUTH).enumerate() {
                cover[m][j] += e.covers(t) as usize;
                err[m][j] += (e.estimate - t).powi(2);
                width[m][j] += e.upper - e.lower;
                sds[m][j] += e.sd;
            }
        }
        eprintln!(
            "data set {d}: abc covers {:?}, smm covers {:?} ({:.0} s)",
            cover[0],
            cover[1],
            clock.elapsed().as_secs_f64()
        );
    }
    let n = data_sets as f64;
    for (m, name) in ["abc", "smm"].iter().enumerate() {
        for j in 0..3 {
            eprintln!(
                "{name} {:<24} coverage {:.3} rmse {:.3} mean sd {:.3} mean 95% width {:.3}",
                KEYS[j],
                cover[m][j] as f64 / n,
                (err[m][j] / n).sqrt(),
                sds[m][j] / n,
                width[m][j] / n
            );
        }
    }
    eprintln!("smm converged in {converged} of {data_sets}");
    // Nominal 95%: with 40 data sets, fewer than 33 covering would be very unlikely.
    for row in cover {
        for c in row {
            assert!(c as f64 >= 0.8 * n, "coverage {c} of {data_sets}");
        }
    }
}
