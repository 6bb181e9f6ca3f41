//! The cuts on uniform draws that decide most trials before their predictor is computed
//! (`model::process::draw_cut` for adoption and initiative, `DissolutionCeiling` for
//! dissolution, per tie and for the whole step) never decide a trial the exact comparison would decide otherwise: along runs
//! of the default scenario, and of variants whose coefficients take the other signs, the
//! exact probability `logistic(eta)` of every organisation and every active tie lies at or
//! below its cut, so every draw at or above the cut is a "no" for the exact comparison too.

use std::path::Path;
use wecare::model::effect::{DissolutionCeiling, Focus, Process, predictor};
use wecare::model::process::{Ctx, Scratch, draw_cut};
use wecare::model::rng::logistic;
use wecare::model::{Model, Phase, World};
use wecare::scenario::{Scenario, parameters};

fn model(changes: &[(&str, f64)]) -> Model {
    let s = Scenario::load(Path::new("scenarios/wecare-measure1.toml")).unwrap();
    let (ds, _) = s.load_dataset().unwrap();
    let mut p = s.params();
    for &(key, value) in changes {
        assert!(parameters::set(&mut p, key, value), "unknown key {key}");
    }
    Model::new(&ds, &p).unwrap()
}

/// Checks every active organisation's adoption and (after the programme) initiative
/// probability, and every active tie's dissolution probability, against its cut; returns the
/// number of checks.
fn check_state(ctx: &Ctx, w: &World) -> usize {
    let p = ctx.p;
    let mut s = Scratch::new(w.len());
    let mut checked = 0;
    // The largest active degree and the active organisations without a tie, kept up to date
    // by the dyad memory, against a pass over the active organisations.
    assert_eq!(w.most_active_degree(), w.most_active_degree_by_pass());
    let mut isolated = w.memory.counted_isolated().to_vec();
    isolated.sort_unstable();
    let mut want: Vec<u32> = (w.active_set.items().iter())
        .copied()
        .filter(|&i| w.memory.degree(i) == 0)
        .collect();
    want.sort_unstable();
    assert_eq!(isolated, want);
    let mut orgs = vec![(Process::Adoption, p.adoption.base)];
    if ctx.phase == Phase::Post {
        orgs.push((Process::Initiative, p.initiative.base));
    }
    for (process, base) in orgs {
        let c = ctx.t.terms.get(process, ctx.phase);
        let cut = draw_cut(ctx, w, c, process, base);
        assert!(
            cut.is_finite(),
            "{process:?}: the default predictors have a cut"
        );
        for &i in w.active_set.items() {
            let eta = predictor(c.terms(), base, ctx, w, Focus::org(i), &mut s);
            assert!(
                logistic(eta) <= cut,
                "{process:?} org {i}: eta {eta}, cut {cut}"
            );
            checked += 1;
        }
    }
    let base = p.dissolution.base.get(ctx.phase) + ctx.period_offset(&p.dissolution.period_offset);
    let c = ctx.t.terms.get(Process::Dissolution, ctx.phase);
    let ceiling = DissolutionCeiling::new(c, base, ctx).expect("a fused dissolution predictor");
    for &d in w.memory.active_ids() {
        let dy = w.memory.dyad(d);
        let eta = predictor(c.terms(), base, ctx, w, Focus::tie(dy.a, dy.b, d), &mut s);
        let cut = ctx.t.logistic.ceiling(ceiling.of(dy));
        assert!(logistic(eta) <= cut, "tie {d}: eta {eta}, cut {cut}");
        let step_cut = ctx.t.logistic.ceiling(ceiling.most());
        assert!(
            logistic(eta) <= step_cut,
            "tie {d}: eta {eta}, the step's cut {step_cut}"
        );
        checked += 1;
    }
    checked
}

fn check_runs(model: &Model) -> usize {
    let p = model.params();
    let mut checked = 0;
    for replicate in 0..2 {
        let mut sim = model.simulation(20170101, replicate);
        while sim.current_step() < p.timeline.steps() {
            let step = sim.current_step();
            if step % 3 == 0 {
                let ctx = Ctx {
                    p,
                    t: model.tables(),
                    step,
                    phase: p.timeline.phase(step),
                };
                checked += check_state(&ctx, sim.world());
            }
            sim.step();
        }
    }
    checked
}

#[test]
fn cuts_lie_above_every_exact_probability_in_default_runs() {
    let checked = check_runs(&model(&[]));
    // Two replicates, every third of 84 steps, about 620 organisations and ties each: about
    // 35,000 checks. The floor only guards against a loop that stops checking.
    assert!(checked > 30_000, "only {checked} checks");
}

/// Coefficients of the other signs (and the kind table of dissolution in use), so that the
/// other ends of the statistics' bounds give the cuts.
#[test]
fn cuts_hold_for_coefficients_of_either_sign() {
    let mixes: Vec<String> = parameters::all_keys()
        .into_iter()
        .filter(|k| k.starts_with("dissolution.mix."))
        .collect();
    assert!(mixes.len() >= 2, "kind table keys: {mixes:?}");
    let variants: [&[(&str, f64)]; 2] = [
        &[
            ("adoption.exposure", -1.5),
            ("adoption.social_capital", -0.7),
            ("adoption.project", -1.0),
            ("adoption.base", -1.0),
            ("initiative.adopted", -0.5),
            ("initiative.social_capital", -0.9),
            ("initiative.base", -1.0),
            ("dissolution.trust", -1.0),
            ("dissolution.project", -1.5),
            ("dissolution.covariate_similarity", -0.5),
            ("dissolution.project_lead", -2.0),
            ("dissolution.programme_tie", -1.0),
        ],
        &[
            ("adoption.base", -2.0),
            ("adoption.social_capital", 1.5),
            ("initiative.base", -2.0),
            ("dissolution.age", 0.0),
            ("dissolution.project", 1.0),
            ("dissolution.covariate_similarity", 0.7),
        ],
    ];
    let mut checked = 0;
    for (k, changes) in variants.iter().enumerate() {
        let mut all: Vec<(&str, f64)> = changes.to_vec();
        all.push((mixes[k].as_str(), 0.8));
        all.push((mixes[mixes.len() - 1 - k].as_str(), -1.2));
        checked += check_runs(&model(&all));
    }
    assert!(checked > 40_000, "only {checked} checks");
}
