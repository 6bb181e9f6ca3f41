//! The method of moments holds a parameter on a ridge (docs/calibration.md, "Holding a
//! parameter on a ridge"): a panel simulated from known values, calibrated with the formation
//! intercept and period 1's formation offset both free. The two add up in the only period, so
//! no moment tells them apart (an exact ridge): the fit of all parameters cannot converge, and
//! the fallback must hold one of the pair and converge on the others, saying so in every output.
//! With the fallback off (`calibration.smm.hold = 0`) the same calibration is not converged.

mod panel_common;

use std::path::Path;
use wecare::calibrate::{CalibrateOptions, Method, calibrate, parameters};
use wecare::model::Model;
use wecare::scenario::Scenario;

/// Actors of the synthetic panel.
const ACTORS: usize = 40;

/// Known values of even degrees (as in tests/calibrate_hubs.rs).
const TRUTH: &[(&str, f64)] = &[
    ("formation.base.programme", -1.0),
    ("formation.closure", 1.0),
    ("dissolution.base.programme", -2.5),
    ("formation.activity_sqrt", -1.0),
];

/// The scenario `wecare panel` writes for two waves simulated from [`TRUTH`], with period 1's
/// formation offset freed beside the formation intercept (the same prior) and `hold` set.
fn ridge_scenario(dir: &Path, hold: usize) -> Scenario {
    let w1 = panel_common::random_wave(ACTORS);
    let w2 = panel_common::drop_first_tie(&w1, ACTORS);
    let start = dir.join("start");
    std::fs::create_dir_all(&start).unwrap();
    let s0 = panel_common::scaffold_matrices(&start, &[w1.clone(), w2, w1], None, false);
    let s0 = Scenario::load(&s0.scenario).unwrap();
    let (ds, _) = s0.load_dataset().unwrap();
    let mut p = s0.params();
    for &(key, v) in TRUTH {
        assert!(parameters::set(&mut p, key, v), "{key}");
    }
    let waves = Model::new(&ds, &p).unwrap().run(1, 0);
    let panel = dir.join("panel");
    std::fs::create_dir_all(&panel).unwrap();
    let waves: Vec<String> = waves[1..]
        .iter()
        .map(|w| panel_common::snapshot_text(w, ACTORS))
        .collect();
    let summary = panel_common::scaffold_matrices(&panel, &waves, None, false);
    let mut s = Scenario::load(&summary.scenario).unwrap();
    let base = s
        .calibration
        .parameters
        .iter()
        .find(|p| p.key.starts_with("formation.base"))
        .expect("the formation intercept is calibrated")
        .clone();
    let mut offset = base.clone();
    offset.key = "formation.period_offset.1".into();
    offset.start = None;
    s.calibration.parameters.push(offset);
    // Closure at its known value, out of the calibration, keeps as many moments as
    // parameters; the intervals by the delta method keep the test short.
    s.calibration
        .parameters
        .retain(|p| p.key != "formation.closure");
    s = s.set_number("formation.effects.closure", 1.0).unwrap();
    s.calibration.smm.hold = hold;
    s.calibration.smm.intervals = wecare::scenario::calibration::Intervals::Wald;
    s
}

fn options(out: &Path) -> CalibrateOptions {
    CalibrateOptions {
        method: Some(Method::Smm),
        out: Some(out.to_path_buf()),
        quiet: true,
        threads: Some(2),
        ..CalibrateOptions::default()
    }
}

/// Fixed seed (the scenario's). The full fit cannot converge on an exact ridge (its
/// derivative is singular there); the fit holding one of the pair must converge (RSiena's rule,
/// the test's only criterion), name what it held in `estimates.csv` (a `held` column, the held
/// row without a standard error), `manifest.json` and `calibrated.toml`, and the full fit's
/// diagnosis must flag the pair.
#[test]
fn a_fit_on_an_exact_ridge_converges_holding_one_of_the_pair() {
    let tmp = tempfile::tempdir().unwrap();
    let s = ridge_scenario(tmp.path(), 2);
    let keys: Vec<String> = s
        .calibration
        .parameters
        .iter()
        .map(|p| p.key.clone())
        .collect();
    let report = calibrate(&s, &options(&tmp.path().join("out"))).unwrap();
    println!("{}", report.stopped);
    assert_eq!(report.converged, Some(true), "{}", report.stopped);
    assert_eq!(report.held.len(), 1, "{:?}", report.held);
    let held = &report.held[0].parameter;
    assert!(
        held.starts_with("formation.base") || held == "formation.period_offset.1",
        "{held}"
    );
    assert_eq!(report.estimates.len(), keys.len());
    let est = std::fs::read_to_string(report.dir.join("estimates.csv")).unwrap();
    assert!(est.lines().next().unwrap().ends_with(",held"), "{est}");
    let row = est.lines().find(|l| l.starts_with(held.as_str())).unwrap();
    assert!(row.ends_with(",true") && row.contains("NaN"), "{row}");
    let manifest = std::fs::read_to_string(report.dir.join("manifest.json")).unwrap();
    let m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(m["held"][0]["parameter"], held.as_str());
    assert_eq!(m["identification"]["not_identified"], true);
    assert_eq!(m["converged"], true);
    let calibrated = std::fs::read_to_string(report.dir.join("calibrated.toml")).unwrap();
    assert!(calibrated.contains("# HELD ON A RIDGE"), "{calibrated}");
}

/// The same calibration with the fallback off does not converge: the test above passes
/// because of the fallback, not because this panel's fit converges anyway.
#[test]
fn without_the_fallback_the_ridge_does_not_converge() {
    let tmp = tempfile::tempdir().unwrap();
    let s = ridge_scenario(tmp.path(), 0);
    let report = calibrate(&s, &options(&tmp.path().join("out"))).unwrap();
    assert_eq!(report.converged, Some(false), "{}", report.stopped);
    assert!(report.held.is_empty());
    let est = std::fs::read_to_string(report.dir.join("estimates.csv")).unwrap();
    assert!(!est.lines().next().unwrap().contains("held"), "{est}");
}
