//! Profile intervals of the method of moments on the s50 model: the same for a seed whatever
//! the number of threads, written beside the delta method's in `smm_intervals.csv`.

use std::path::Path;
use wecare::calibrate::outputs::write_smm_intervals;
use wecare::calibrate::smm_intervals::{phase3_at, profile_intervals};
use wecare::calibrate::{Problem, SmmState};
use wecare::scenario::Scenario;

/// The s50 problem (its first five parameters) and phase 3 at a point near its estimates,
/// with small settings.
fn s50_at_estimate() -> (Problem, SmmState) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut s = Scenario::load(&root.join("scenarios/s50.toml")).unwrap();
    s.calibration.parameters.truncate(5);
    s.calibration.smm.per_wave.clear();
    s.calibration.smm.phase3 = 100;
    s.calibration.smm.phase1 = 30;
    s.calibration.smm.profile_points = 60;
    s.calibration.smm.profile_runs = 1;
    let problem = Problem::from_scenario(&s).unwrap();
    let theta = [-3.8, 3.5, 0.5, -2.35, -0.5];
    let state = phase3_at(&problem, &theta, &s.calibration.smm, 11).unwrap();
    (problem, state)
}

#[test]
fn profile_intervals_do_not_depend_on_the_threads() {
    let (problem, state) = s50_at_estimate();
    let settings = &problem.scenario.calibration.smm;
    let run = |threads: usize| {
        let pool = wecare::ensemble::pool(threads).unwrap();
        pool.install(|| profile_intervals(&problem, &state, settings, 5))
            .unwrap()
            .expect("a profile")
    };
    let one = run(1);
    assert_eq!(one, run(2));
    // 60 points of 1 run for the first cloud and for each extension along a ridge.
    assert_eq!(one.simulations, 60 * (1 + one.extensions as u64));
    let extended: usize = one
        .parameters
        .iter()
        .map(|p| p.lower.extensions + p.upper.extensions)
        .sum();
    assert_eq!(extended, one.extensions);
    // Another seed simulates another cloud.
    let pool = wecare::ensemble::pool(2).unwrap();
    let other = pool
        .install(|| profile_intervals(&problem, &state, settings, 6))
        .unwrap()
        .unwrap();
    assert_ne!(one, other);
    // Every interval contains the centre and nests: 50% in 80% in 95%.
    for p in &one.parameters {
        let i = &p.intervals;
        assert!(i[0].0 <= p.centre && p.centre <= i[0].1, "{i:?}");
        assert!(i[1].0 <= i[0].0 && i[0].1 <= i[1].1, "{i:?}");
        assert!(i[2].0 <= i[1].0 && i[1].1 <= i[2].1, "{i:?}");
    }
    // smm_intervals.csv: a wald and a profile row per parameter, the profile's ends as
    // computed.
    let tmp = tempfile::tempdir().unwrap();
    write_smm_intervals(tmp.path(), &problem, &state, Some(&one)).unwrap();
    let text = std::fs::read_to_string(tmp.path().join("smm_intervals.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 2 * 5, "{text}");
    assert!(lines[0].starts_with("parameter,kind,estimate,se,centre,lower50"));
    let profile_row: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(profile_row[1], "profile");
    let upper95: f64 = profile_row[10].parse().unwrap();
    assert_eq!(upper95, one.parameters[0].intervals[2].1);
    // How each end was found: `delta` on the wald row, the profile's own kinds on its row.
    let wald_row: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(wald_row[11..17], ["delta"; 6]);
    let upper95_end = one.parameters[0].ends[2].1.name();
    assert_eq!(profile_row[16], upper95_end);
    assert!(lines[0].ends_with("lower95_end,upper95_end"));
}

#[test]
fn a_converged_fits_standard_errors_can_take_the_derivative_on_more_runs() {
    let (problem, state) = s50_at_estimate();
    let p3 = state.phase3.as_ref().unwrap();
    // By default (`se_runs = 0`) the derivative is phase 1's 30 runs (fewer if a run's moments
    // were undefined).
    assert!(p3.derivative_runs <= 30, "{}", p3.derivative_runs);
    assert_eq!(state.simulations, 100 + 30 * 10);
    // `se_runs` above phase 3's 100 runs: phase 1's 30 and 70 more, each of the 70 costing
    // 2p + 1 = 11 simulations; the same phase 3 otherwise, with other standard errors.
    let mut s = problem.scenario.calibration.smm.clone();
    s.se_runs = 1000;
    let theta = state.theta.clone();
    let more = phase3_at(&problem, &theta, &s, 11).unwrap();
    let m3 = more.phase3.as_ref().unwrap();
    assert!(
        m3.derivative_runs > 90 && m3.derivative_runs <= 100,
        "{}",
        m3.derivative_runs
    );
    assert_eq!(more.simulations, 100 + 30 * 10 + 70 * 11);
    assert!(m3.se.iter().all(|x| x.is_finite() && *x > 0.0));
    assert_eq!(m3.mean, p3.mean);
    assert_ne!(m3.se, p3.se);
    // The same for a seed whatever the number of threads.
    let pool = wecare::ensemble::pool(1).unwrap();
    let one = pool
        .install(|| phase3_at(&problem, &theta, &s, 11))
        .unwrap();
    assert_eq!(one.phase3, more.phase3);
}
