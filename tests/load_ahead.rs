//! The load-ahead hints of large worlds change no result: a replicate of the default scenario
//! with every process on the path it takes from `LOAD_AHEAD_FROM` organisations on (hints
//! ahead of formation, dissolution and trust learning, ending ties moved with their lines
//! asked for ahead) ends with the same waves and the same dyad memory as without, under both
//! formation orders and both ways of drawing trials.

mod report_common;

use report_common::default_scenario;
use wecare::model::params::{FormationOrder, Params, TrialDraw};
use wecare::model::{Model, World};
use wecare::network::{Dyad, Snapshot};
use wecare::scenario::Scenario;

/// The waves and the final dyad records of one replicate, on the load-ahead path or not.
fn replicate(model: &Model, replicate: u64, ahead: bool) -> (Vec<Snapshot>, Vec<Dyad>) {
    let mut sim = model.simulation(20170103, replicate);
    let w: &mut World = sim.world_mut();
    w.loads_ahead_from = if ahead { 0 } else { usize::MAX };
    assert_eq!(w.loads_ahead(), ahead);
    let waves = sim.run_to_end();
    (waves, sim.world().memory.dyads().to_vec())
}

fn same_with_and_without_hints(change: impl Fn(&mut Params)) {
    let scenario = Scenario::load(&default_scenario()).unwrap();
    let (ds, _) = scenario.load_dataset().unwrap();
    let mut p = scenario.params();
    change(&mut p);
    let model = Model::new(&ds, &p).unwrap();
    for r in 0..3 {
        let (plain, hinted) = (replicate(&model, r, false), replicate(&model, r, true));
        assert!(
            !plain.0.is_empty() && plain.1.len() > 100,
            "a replicate with ties"
        );
        assert!(
            plain == hinted,
            "replicate {r} differs with the load-ahead path"
        );
    }
}

#[test]
fn random_order_thinned_draws() {
    same_with_and_without_hints(|_| {});
}

#[test]
fn territory_order_each_draw() {
    same_with_and_without_hints(|p| {
        p.rules.formation_order = FormationOrder::Territory;
        p.rules.trial_draw = TrialDraw::Each;
    });
}
