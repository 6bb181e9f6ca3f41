//! `wecare panel` chooses the degree effect from the observed degrees (docs/calibration.md, "A
//! scenario from a panel"): on panels the model simulates from a truth with hubs (the
//! candidate's degree, `formation.popularity_sqrt`, above 0) it calibrates the candidate's
//! degree effect, and the method of moments converges; on panels simulated from a truth with
//! even degrees (the searcher's degree, `formation.activity_sqrt`, below 0) it keeps the
//! searcher's. Fixed seeds; the overdispersion the rule reads is printed.

mod panel_common;
use panel_common::keys;

use std::path::Path;
use wecare::calibrate::panel_degree::{HUB_OVERDISPERSION, overdispersion};
use wecare::calibrate::{Executor, Problem, Smm, parameters};
use wecare::model::Model;
use wecare::network::Snapshot;
use wecare::scenario::Scenario;

/// Actors of the synthetic panels.
const ACTORS: usize = 40;

fn first_wave() -> String {
    panel_common::random_wave(ACTORS)
}

fn wave_matrix(s: &Snapshot) -> String {
    panel_common::snapshot_text(s, ACTORS)
}

fn drop_first_tie(m: &str) -> String {
    panel_common::drop_first_tie(m, ACTORS)
}

/// `wecare panel` on the matrices `waves`, written into `dir`; the scenario written.
fn panel(dir: &Path, waves: &[String]) -> Scenario {
    std::fs::create_dir_all(dir).unwrap();
    let summary = panel_common::scaffold_matrices(dir, waves, None, false);
    Scenario::load(&summary.scenario).unwrap()
}

/// Two waves simulated from `truth`: the model runs two years from a random network under the
/// scenario `wecare panel` writes for it, and its waves at the end of each year are the panel.
fn simulated(dir: &Path, truth: &[(&str, f64)], seed: u64) -> Vec<String> {
    let w1 = first_wave();
    // The scaffold needs some change between waves (a panel without any is refused): the
    // second wave drops the first tie; the waves' parameters are replaced by `truth` below.
    let w2 = drop_first_tie(&w1);
    let s = panel(&dir.join("start"), &[w1.clone(), w2, w1]);
    let (ds, _) = s.load_dataset().unwrap();
    let mut p = s.params();
    for &(key, v) in truth {
        assert!(parameters::set(&mut p, key, v), "{key}");
    }
    let waves = Model::new(&ds, &p).unwrap().run(seed, 0);
    waves[1..].iter().map(wave_matrix).collect()
}

/// Known values: hubs, where a candidate with 4 partners accepts with e^4 = 55 times the odds
/// of one without (the model's popularity feeds on itself: weaker values leave degrees about
/// as spread as a Poisson's, and a dense network saturates); and even degrees, where a searcher
/// with 4 partners is e^-2 as keen as one without.
const HUBS: &[(&str, f64)] = &[
    ("formation.base.programme", -6.0),
    ("formation.closure", 0.0),
    ("dissolution.base.programme", -2.5),
    ("formation.popularity_sqrt", 2.0),
];
const EVEN: &[(&str, f64)] = &[
    ("formation.base.programme", -1.0),
    ("formation.closure", 1.0),
    ("dissolution.base.programme", -2.5),
    ("formation.activity_sqrt", -1.0),
];

/// Overdispersion of the simulated waves (printed, for the record).
fn dispersion(s: &Scenario) -> Vec<f64> {
    let p = Problem::from_scenario(s).unwrap();
    p.observed.iter().map(overdispersion).collect()
}

/// Panels simulated from each truth with seeds 1 to 8. The model's popularity feeds on itself,
/// so the hub truth's overdispersion at the matched wave varies between data sets (-0.24 to
/// 0.70 over these seeds: one network thinned out to even degrees), and the rule must call at
/// least 7 of 8 of them networks of hubs (two of the seven are just over the threshold, at 0.252
/// and 0.253), and none of the even truth's (-0.19 to -0.05 here). Every panel's scenario
/// follows the rule.
#[test]
fn the_degree_rule_tells_hubs_from_even_degrees() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut hubs_found, mut even_found) = (0, 0);
    for seed in 1u64..=8 {
        let hubs = panel(
            &tmp.path().join(format!("hubs{seed}")),
            &simulated(&tmp.path().join(format!("hubs-truth{seed}")), HUBS, seed),
        );
        let even = panel(
            &tmp.path().join(format!("even{seed}")),
            &simulated(&tmp.path().join(format!("even-truth{seed}")), EVEN, seed),
        );
        let (dh, de) = (dispersion(&hubs), dispersion(&even));
        println!("seed {seed}: overdispersion hubs {dh:.3?}, even {de:.3?}");
        // The rule's choice follows the overdispersion at the matched wave.
        for (s, d) in [(&hubs, &dh), (&even, &de)] {
            let k = keys(s);
            let popularity = k.contains(&"formation.popularity_sqrt".to_string());
            assert_eq!(popularity, d[1] >= HUB_OVERDISPERSION, "{k:?}");
            assert_eq!(
                popularity,
                !k.contains(&"formation.activity_sqrt".to_string())
            );
        }
        hubs_found += usize::from(dh[1] >= HUB_OVERDISPERSION);
        even_found += usize::from(de[1] >= HUB_OVERDISPERSION);
    }
    println!(
        "networks of hubs: {hubs_found} of 8 from the hub truth, {even_found} of 8 from the even one"
    );
    assert!(hubs_found >= 7 && even_found == 0);
}

#[test]
fn the_method_of_moments_converges_on_a_network_of_hubs() {
    let tmp = tempfile::tempdir().unwrap();
    let s = panel(
        &tmp.path().join("hubs"),
        &simulated(&tmp.path().join("truth"), HUBS, 1),
    );
    assert!(keys(&s).contains(&"formation.popularity_sqrt".to_string()));
    let p = Problem::from_scenario(&s).unwrap();
    let state = Executor::new(
        Smm {
            settings: s.calibration.smm.clone(),
        },
        &p,
        20170101,
        2,
    )
    .run()
    .unwrap()
    .state;
    let best = state.best.expect("a best round");
    println!(
        "estimate {:?}, largest |t| {:.3?}, ratio {:.3}",
        best.theta, best.phase3.t_ratios, best.phase3.max_convergence_ratio
    );
    assert!(best.phase3.converged);
}
