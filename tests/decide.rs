//! Trials decided by the fast path (tabulated logistic, fused predictors, bounds of costly
//! statistics) give exactly the answers of the exact comparison `u < logistic(predictor)`,
//! on the states a run of the default scenario goes through.

use rand::Rng as _;
use std::path::Path;
use wecare::model::effect::{Focus, Process, decide, predictor};
use wecare::model::process::{Ctx, Scratch};
use wecare::model::rng::{self, Rng, logistic};
use wecare::model::{Model, Phase, World};
use wecare::scenario::Scenario;

fn default_model() -> Model {
    let s = Scenario::load(Path::new("scenarios/wecare-measure1.toml")).unwrap();
    let (ds, _) = s.load_dataset().unwrap();
    Model::new(&ds, &s.params()).unwrap()
}

/// Checks `decide` against the exact comparison for `focus` on eight draws of `r`, and the
/// tabulated comparison `LogisticTable::below` on numbers within a few units in the last place
/// of the exact probability, where only its exact fallback can tell. Returns the number of
/// comparisons made.
fn check(ctx: &Ctx, process: Process, start: f64, w: &World, focus: Focus, r: &mut Rng) -> usize {
    let c = ctx.t.terms.get(process, ctx.phase);
    let mut s = Scratch::new(w.len());
    let eta = predictor(c.terms(), start, ctx, w, focus, &mut s);
    let p = logistic(eta);
    for _ in 0..8 {
        // `decide` and the exact comparison see the same next number of the generator.
        let mut exact = r.clone();
        let want = exact.random::<f64>() < p;
        let got = decide(c, process, start, ctx, w, focus, &mut s, r.random::<f64>());
        assert_eq!(got, want, "{process:?} {focus:?} eta {eta}");
    }
    for k in -2i64..=2 {
        let u = f64::from_bits((p.to_bits() as i64 + k).max(0) as u64);
        assert_eq!(ctx.t.logistic.below(u, eta), u < p, "u {u} eta {eta}");
    }
    13
}

#[test]
fn fast_decisions_equal_exact_ones_along_a_default_run() {
    let model = default_model();
    let mut r = rng::stream(99, 0, 0);
    let mut checked = 0;
    for replicate in 0..3 {
        let mut sim = model.simulation(20170101, replicate);
        let p = model.params();
        let tables = model.tables();
        while sim.current_step() < p.timeline.steps() {
            let step = sim.current_step();
            if step % 7 == 0 {
                let w = sim.world();
                let phase = p.timeline.phase(step);
                let ctx = Ctx {
                    p,
                    t: tables,
                    step,
                    phase,
                };
                for &i in w.active_set.items().iter().take(60) {
                    checked += check(
                        &ctx,
                        Process::Adoption,
                        p.adoption.base,
                        w,
                        Focus::org(i),
                        &mut r,
                    );
                    if phase == Phase::Post {
                        checked += check(
                            &ctx,
                            Process::Initiative,
                            p.initiative.base,
                            w,
                            Focus::org(i),
                            &mut r,
                        );
                    }
                    let j = w.active_set.items()[r.random_range(0..w.active_set.len())];
                    if j != i {
                        let base = p.formation.base.get(phase);
                        checked +=
                            check(&ctx, Process::Formation, base, w, Focus::dyad(i, j), &mut r);
                    }
                }
                for &d in w.memory.active_ids().iter().take(100) {
                    let dy = w.memory.dyad(d);
                    let base = p.dissolution.base.get(phase);
                    checked += check(
                        &ctx,
                        Process::Dissolution,
                        base,
                        w,
                        Focus::tie(dy.a, dy.b, d),
                        &mut r,
                    );
                }
            }
            sim.step();
        }
    }
    assert!(checked > 10_000, "only {checked} decisions checked");
}

/// The default scenario's predictors are all fused (every effect it uses is built in), so the
/// fast path is the one its runs take.
#[test]
fn default_predictors_are_fused() {
    let model = default_model();
    for process in Process::ALL {
        for phase in [Phase::Pre, Phase::Programme, Phase::Post] {
            let c = model.tables().terms.get(process, phase);
            assert!(
                c.is_fused() || c.terms().is_empty(),
                "{process:?} {phase:?}"
            );
        }
    }
}
