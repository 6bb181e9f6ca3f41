//! When a calibration's result is not a fit, and when a parameter sits at a bound of its prior
//! box (`src/calibrate/verdict.rs`): the criteria on hand-made populations and estimates.

use std::path::Path;
use wecare::calibrate::distance::scales;
use wecare::calibrate::spec::Scale;
use wecare::calibrate::verdict::{abc_at_bounds, abc_not_fit, point_at_bounds};
use wecare::calibrate::{AbcState, Prior, Problem};
use wecare::scenario::Scenario;

fn s50() -> Problem {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Problem::from_scenario(&Scenario::load(&root.join("scenarios/s50.toml")).unwrap()).unwrap()
}

/// The prior box of parameter `j`.
fn bounds(p: &Problem, j: usize) -> (f64, f64) {
    match p.parameters[j].prior {
        Prior::Uniform { min, max } => (min, max),
        ref other => panic!("s50's priors are uniform, got {other:?}"),
    }
}

/// A population of `n` particles at the middle of every prior box, with the given weights.
fn population(p: &Problem, weights: Vec<f64>, generation: usize) -> AbcState {
    let mid: Vec<f64> = (0..p.dim())
        .map(|j| {
            let (lo, hi) = bounds(p, j);
            0.5 * (lo + hi)
        })
        .collect();
    let n = weights.len();
    AbcState {
        generation,
        theta: vec![mid; n],
        weights,
        distances: vec![1.0; n],
        tolerance: 2.0,
        scales: scales(&[vec![0.0], vec![1.0]], Scale::Sd),
        simulations: n as u64,
        simulations_run: n as u64,
        history: Vec::new(),
        stop: Some("test".into()),
        dropped: None,
    }
}

#[test]
fn a_posterior_is_a_fit_only_past_the_prior_sample_and_with_weights_spread() {
    let p = s50();
    let set = &p.scenario.calibration.abc;
    let even = vec![0.01; 100];
    assert_eq!(abc_not_fit(&p, &population(&p, even.clone(), 2), set), None);
    let prior = abc_not_fit(&p, &population(&p, even, 0), set).unwrap();
    assert!(
        prior.why.contains("the posterior is the prior sample"),
        "{prior:?}"
    );
    // Nine particles carry the weight: ESS 9 of 100, below the 10% floor.
    let mut w = vec![0.0; 100];
    w[..9].fill(1.0 / 9.0);
    let collapsed = abc_not_fit(&p, &population(&p, w, 2), set).unwrap();
    assert!(
        collapsed.why.contains("effective sample size 9.0"),
        "{collapsed:?}"
    );
    let mut w = vec![0.0; 100];
    w[..11].fill(1.0 / 11.0);
    assert_eq!(abc_not_fit(&p, &population(&p, w, 2), set), None);
}

#[test]
fn posterior_mass_piled_at_a_bound_is_flagged() {
    let p = s50();
    let (lo, hi) = bounds(&p, 1);
    let mut pop = population(&p, vec![0.01; 100], 2);
    assert!(abc_at_bounds(&p, &pop.theta, &pop.weights).is_empty());
    // 11% of the mass within 1% of the width of the upper bound: above the 10% share.
    for t in pop.theta.iter_mut().take(11) {
        t[1] = hi - 0.01 * (hi - lo);
    }
    let at = abc_at_bounds(&p, &pop.theta, &pop.weights);
    assert_eq!(at.len(), 1, "{at:?}");
    assert_eq!((at[0].index, at[0].label()), (1, "upper"));
    assert!((at[0].share - 0.11).abs() < 1e-12);
    // 10% is not more than the share.
    pop.theta[10][1] = 0.5 * (lo + hi);
    assert!(abc_at_bounds(&p, &pop.theta, &pop.weights).is_empty());
}

#[test]
fn estimates_at_or_beyond_a_bound_are_flagged() {
    let p = s50();
    let mut x: Vec<f64> = (0..p.dim())
        .map(|j| {
            let (lo, hi) = bounds(&p, j);
            0.5 * (lo + hi)
        })
        .collect();
    assert!(point_at_bounds(&p, &x).is_empty());
    let (lo, hi) = bounds(&p, 0);
    x[0] = lo - 0.1 * (hi - lo);
    let (lo2, hi2) = bounds(&p, 2);
    x[2] = hi2 - 0.01 * (hi2 - lo2);
    let at = point_at_bounds(&p, &x);
    let labels: Vec<(usize, &str)> = at.iter().map(|b| (b.index, b.label())).collect();
    assert_eq!(labels, vec![(0, "below"), (2, "upper")]);
    assert!(at[0].warning("k").contains("outside the prior box"));
}
