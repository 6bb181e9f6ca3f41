//! The effects table: every statistic on a hand-built world, the compiled terms, names and
//! the `wecare effects` listing.

mod common;

use common::*;
use std::process::Command;
use wecare::data::{Dataset, Kind};
use wecare::model::effect::{Coefficient, EFFECTS, Focus, Process, Terms};
use wecare::model::process::{Ctx, Scratch, Tables};
use wecare::model::{Model, Params, Phase, World};

/// a(0), b(1), c(2) in territory T, d(3) in U; active ties a-b (trust 0.6) and b-c (0.8);
/// a remembered tie a-c (0.35); a adopted.
fn world() -> (Params, World) {
    let ds = Dataset {
        organisations: vec![
            org("a", Kind::ThirdSector, "T", true),
            org("b", Kind::Public, "T", true),
            org("c", Kind::Firm, "T", true),
            org("d", Kind::Firm, "U", true),
        ],
        ties: vec![tie(0, 1, Some(0.6)), tie(1, 2, Some(0.8))],
        history: vec![tie(0, 2, Some(0.35))],
        projects: vec![],
    };
    let p = Params::default();
    let model = Model::new(&ds, &p).unwrap();
    let mut w = model.initial().clone();
    w.adopt(0);
    (p, w)
}

/// The statistic of effect `process.name` at step `step` for `focus`.
fn stat(p: &Params, w: &World, step: u32, process: Process, name: &str, focus: Focus) -> f64 {
    let e = process.effect(name).unwrap();
    let t = Tables::new(w.len(), p);
    let ctx = Ctx {
        p,
        t: &t,
        step,
        phase: p.timeline.phase(step),
    };
    wecare::model::effect::statistic(e.statistic)(&ctx, w, focus, &mut Scratch::new(w.len()))
}

// Tolerance: exact values computed the same way; 1e-12 only absorbs ln/division rounding.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn formation_statistics() {
    let (p, w) = world();
    let f =
        |name: &str, i: u32, j: u32| stat(&p, &w, 0, Process::Formation, name, Focus::dyad(i, j));
    assert_eq!(f("same_territory", 0, 2), 1.0);
    assert_eq!(f("same_territory", 0, 3), 0.0);
    assert_eq!(f("memory", 0, 2), 0.35);
    assert_eq!(f("memory", 0, 3), 0.0);
    assert!(
        close(f("closure", 0, 2), 2f64.ln()),
        "b is the one common partner"
    );
    assert_eq!(f("closure", 0, 3), 0.0);
    assert!(
        close(f("popularity", 0, 1), 3f64.ln()),
        "b has two partners"
    );
    assert_eq!(f("project", 0, 1), 0.0);
    assert_eq!(f("adopted", 0, 1), 1.0);
    assert_eq!(f("adopted", 1, 2), 0.0);
    assert_eq!(f("capacity", 0, 1), 0.0, "capacity 1");
    assert_eq!(f("covariate_similarity", 0, 1), 0.0, "no covariate");
    // a's partners {b}, c's {b}: one common of one in the union.
    assert_eq!(f("closure_share", 0, 2), 1.0);
    // a {b} and b {a, c}: none common of three.
    assert_eq!(f("closure_share", 0, 1), 0.0);
    assert_eq!(f("closure_share", 0, 3), 0.0, "d has no partner");
}

#[test]
fn formation_kind_table_entry() {
    let (mut p, w) = world();
    p.formation.mix.third_sector.firm = 0.7;
    let mix = |i, j| stat(&p, &w, 0, Process::Formation, "mix", Focus::dyad(i, j));
    assert_eq!(mix(0, 2), 0.7);
    assert_eq!(mix(2, 0), 0.0, "read from the choosing organisation's row");
}

#[test]
fn dissolution_statistics() {
    let (p, w) = world();
    let ab = w.memory.find(0, 1).unwrap();
    let d = |name: &str, step: u32| {
        stat(
            &p,
            &w,
            step,
            Process::Dissolution,
            name,
            Focus::tie(0, 1, ab),
        )
    };
    assert_eq!(d("trust", 0), -0.6);
    // Baseline ties are `rules.baseline_age` (24) steps old at step 0.
    assert!(close(d("age", 0), -(25f64.ln())));
    assert!(close(d("age", 10), -(35f64.ln())));
    assert_eq!(d("project", 0), -0.0);
    assert_eq!(d("covariate_similarity", 0), -0.0);
    assert_eq!(d("embedded", 0), -0.0, "a and b have no common partner");
}

/// `dissolution.embedded` keeps ties inside groups: on the s50 panel, with the coefficient at 2
/// a tie with one common friend ends with a quarter of the odds of one without, so the share
/// of embedded wave 1 ties still there at wave 2 rises well above its value without the
/// effect. 40 replicates each; the share's sd between replicates is about 0.07, so its mean
/// has a Monte Carlo error near 0.01, and the 0.1 margin is ten times that.
#[test]
fn embedded_ties_last_longer() {
    use wecare::calibrate::targets::embedded_tie_persistence;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let s = wecare::scenario::Scenario::load(&root.join("scenarios/s50.toml")).unwrap();
    let (ds, _) = s.load_dataset().unwrap();
    let mean_share = |embedded: f64| {
        let mut p = s.params();
        p.dissolution.effects.set("embedded", embedded);
        let model = Model::new(&ds, &p).unwrap();
        (0..40)
            .map(|r| {
                let w = model.run(7, r);
                embedded_tie_persistence(&w[0], &w[1])
            })
            .sum::<f64>()
            / 40.0
    };
    let (off, on) = (mean_share(0.0), mean_share(2.0));
    assert!(
        on > off + 0.1,
        "embedded ties kept: {off} without, {on} with"
    );
}

/// A period offset acts only in its period. On s50 (waves at the end of steps 0, 12 and 24),
/// with every intercept at -30 (nothing happens), a formation offset of +32 in period 1 makes
/// pupils befriend most pupils they meet in steps 1 to 12 and nobody after; a dissolution
/// offset of +60 in period 2 ends every tie in step 13 and none before. The outcomes are
/// certain up to probabilities of about 1e-13 per trial, so the checks are exact.
#[test]
fn period_offsets_act_only_in_their_period() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let s = wecare::scenario::Scenario::load(&root.join("scenarios/s50.toml")).unwrap();
    let (ds, _) = s.load_dataset().unwrap();
    let mut p = s.params();
    p.formation.base = all(-30.0);
    p.dissolution.base = all(-30.0);
    let ties = |p: &Params, r: u64| -> Vec<Vec<(u32, u32)>> {
        let model = Model::new(&ds, p).unwrap();
        let waves = model.run(11, r);
        waves
            .iter()
            .map(|w| w.ties.iter().map(|t| (t.a, t.b)).collect())
            .collect()
    };
    // Without offsets the network never changes.
    let still = ties(&p, 0);
    assert_eq!(still[0], still[1]);
    assert_eq!(still[1], still[2]);
    // Formation in period 1 only: wave 2 gains ties, wave 3 equals wave 2.
    p.formation.period_offset = vec![32.0];
    let formed = ties(&p, 0);
    assert!(
        formed[1].len() > formed[0].len() + 50,
        "{}",
        formed[1].len()
    );
    assert!(formed[0].iter().all(|t| formed[1].contains(t)));
    assert_eq!(formed[1], formed[2]);
    // Dissolution in period 2 only: wave 2 equals wave 1, wave 3 has no tie.
    p.formation.period_offset = vec![];
    p.dissolution.period_offset = vec![0.0, 60.0];
    let ended = ties(&p, 0);
    assert_eq!(ended[0], ended[1]);
    assert!(ended[2].is_empty());
}

/// Effect period offsets (RSiena's time dummies) on the s50 scenario, whose step 0 (period 0)
/// has no formation opportunity and no dissolution: an offset in every period of the run is
/// the same model as the coefficient moved by that much, so the waves are identical bit for
/// bit; an offset in period 2 alone leaves wave 2 as it is (the same random streams up to
/// it) and changes wave 3; a list of zeros changes nothing.
#[test]
fn effect_period_offsets_act_only_in_their_period() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let s = wecare::scenario::Scenario::load(&root.join("scenarios/s50.toml")).unwrap();
    let (ds, _) = s.load_dataset().unwrap();
    let p = s.params();
    let ties = |p: &Params| -> Vec<Vec<(u32, u32)>> {
        let model = Model::new(&ds, p).unwrap();
        let waves = model.run(11, 3);
        waves
            .iter()
            .map(|w| w.ties.iter().map(|t| (t.a, t.b)).collect())
            .collect()
    };
    let plain = ties(&p);
    let offset = |process: Process, name: &str, list: Vec<f64>| {
        let mut q = p.clone();
        let map = match process {
            Process::Formation => &mut q.formation.effect_period_offset,
            _ => &mut q.dissolution.effect_period_offset,
        };
        map.insert(name.to_string(), list);
        q
    };
    assert_eq!(
        ties(&offset(Process::Formation, "closure", vec![0.0, 0.0])),
        plain
    );
    // In every period: the same predictors as the coefficient itself moved. (The runs are
    // not compared: step 0, the first wave's own step, lies in period 0, where offsets do
    // not apply, so the two differ there; with thinned draws that alone moves the stream.)
    for (process, name, x) in [
        (Process::Formation, "closure", 1.5),
        (Process::Dissolution, "embedded", 2.0),
    ] {
        let mut moved = p.clone();
        *moved.effects_mut(process).get_mut(name).unwrap() += x;
        let shifted = offset(process, name, vec![x, x]);
        let tables = Tables::new(ds.organisations.len(), &shifted);
        assert_eq!(tables.period_terms.len(), 2, "{name}");
        let want = format!("{:?}", Terms::new(&moved));
        for (k, t) in tables.period_terms.iter().enumerate() {
            assert_eq!(format!("{t:?}"), want, "{name}, period {}", k + 1);
        }
        assert_ne!(format!("{:?}", tables.terms), want, "{name}, period 0");
        assert_ne!(ties(&shifted), plain, "{name}");
    }
    // In period 2 only: wave 2 unchanged, wave 3 not.
    let late = ties(&offset(Process::Formation, "closure", vec![0.0, 3.0]));
    assert_eq!(late[1], plain[1]);
    assert_ne!(late[2], plain[2]);
}

/// The project effects of the pattern mechanisms: lead a(0) with partners b(1), c(2), e(3) in
/// one open project; b is tied to a, c to b, e to no member, so at the first programme step
/// e gets a project tie to a (origin `programme`). Checked on the state after that step.
#[test]
fn lead_and_programme_tie_statistics() {
    let ds = Dataset {
        organisations: vec![
            org("a", Kind::EnteGestore, "T", true),
            org("b", Kind::ThirdSector, "T", true),
            org("c", Kind::ThirdSector, "T", true),
            org("e", Kind::Firm, "T", true),
        ],
        ties: vec![tie(0, 1, Some(0.6)), tie(1, 2, Some(0.6))],
        history: vec![],
        projects: vec![wecare::data::Project {
            id: "P".into(),
            territory: "T".into(),
            lead: 0,
            budget: 1.0,
            partners: vec![1, 2, 3],
        }],
    };
    // No formation, dissolution or exit, so the ties are exactly the ones the phase change
    // makes.
    let p = quiet();
    let model = Model::new(&ds, &p).unwrap();
    let mut sim = model.simulation(1, 0);
    while sim.current_step() <= p.timeline.pre {
        sim.step();
    }
    let w = sim.world();
    let step = p.timeline.pre;
    let f =
        |name: &str, i: u32, j: u32| stat(&p, w, step, Process::Formation, name, Focus::dyad(i, j));
    assert_eq!(f("project_lead", 0, 1), 1.0, "lead and partner");
    assert_eq!(f("project_lead", 1, 0), 1.0, "either way round");
    assert_eq!(f("project_lead", 1, 2), 0.0, "two partners");
    assert_eq!(f("project", 1, 2), 1.0, "co-members");
    let tie_of = |i: u32, j: u32| Focus::tie(i, j, w.memory.find(i, j).unwrap());
    let d =
        |name: &str, i: u32, j: u32| stat(&p, w, step, Process::Dissolution, name, tie_of(i, j));
    assert_eq!(d("project_lead", 0, 1), -1.0);
    assert_eq!(d("project_lead", 1, 2), -0.0);
    assert_eq!(d("programme_tie", 0, 3), 1.0, "e's project tie to its lead");
    assert_eq!(d("programme_tie", 0, 1), 0.0, "a baseline tie");
}

#[test]
fn organisation_statistics() {
    let (p, w) = world();
    let a = |name: &str, i: u32| stat(&p, &w, 0, Process::Adoption, name, Focus::org(i));
    assert_eq!(a("exposure", 1), 0.5, "one of b's two partners adopted");
    assert_eq!(a("exposure", 3), 0.0, "no partners");
    assert!(close(a("social_capital", 1), (1.0f64 + 0.6 + 0.8).ln()));
    assert_eq!(a("project", 1), 0.0);
    let n = |name: &str, i: u32| stat(&p, &w, 80, Process::Initiative, name, Focus::org(i));
    assert_eq!(n("adopted", 0), 1.0);
    assert_eq!(n("adopted", 1), 0.0);
    assert!(close(n("social_capital", 0), 1.6f64.ln()));
}

#[test]
fn names_are_unique_and_documented() {
    for (k, e) in EFFECTS.iter().enumerate() {
        assert!(
            !EFFECTS[..k]
                .iter()
                .any(|o| o.process == e.process && o.name == e.name),
            "{} twice",
            e.qualified_name()
        );
        assert!(!e.formula.is_empty() && !e.meaning.is_empty(), "{}", e.name);
        assert!(!e.phases.is_empty(), "{}", e.name);
        if e.coefficient == Coefficient::Scalar {
            assert_eq!(Params::default().effects(e.process).get(e.name), e.default);
        }
    }
    assert_eq!(Process::Formation.nearest("clsoure"), Some("closure"));
    assert_eq!(Process::Dissolution.nearest("trsut"), Some("trust"));
    assert_eq!(Process::Formation.nearest("zzzzzzzz"), None);
}

#[test]
fn terms_keep_only_non_zero_effects_in_their_phases() {
    let mut p = Params::default();
    let count = |p: &Params, process, phase| Terms::new(p).of(process, phase).len();
    // Formation: six non-zero scalar effects by default, in every phase (`project`,
    // `project_lead` and `project_budget`, the effects limited to project phases, default to
    // 0; `project` switched on below counts only where projects can be open).
    assert_eq!(count(&p, Process::Formation, Phase::Pre), 6);
    assert_eq!(count(&p, Process::Formation, Phase::Programme), 6);
    assert_eq!(count(&p, Process::Initiative, Phase::Pre), 0);
    assert_eq!(count(&p, Process::Initiative, Phase::Post), 2);
    p.formation.effects.set("closure", 0.0);
    assert_eq!(count(&p, Process::Formation, Phase::Programme), 5);
    p.formation.mix.firm.public = 0.2;
    assert_eq!(count(&p, Process::Formation, Phase::Programme), 6);
    p.feedback.trust_to_formation = false;
    assert_eq!(count(&p, Process::Formation, Phase::Programme), 5);
    p.formation.effects.set("project", 1.0);
    assert_eq!(count(&p, Process::Formation, Phase::Pre), 5);
    assert_eq!(count(&p, Process::Formation, Phase::Programme), 6);
}

#[test]
fn wecare_effects_lists_the_table() {
    let out = Command::new(env!("CARGO_BIN_EXE_wecare"))
        .arg("effects")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for e in EFFECTS {
        assert!(
            text.lines()
                .any(|l| l.starts_with(e.process.name()) && l.contains(e.formula)),
            "{} missing from:\n{text}",
            e.qualified_name()
        );
    }
}
