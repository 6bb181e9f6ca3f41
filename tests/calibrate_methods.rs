//! Calibration methods on the s50 panel with small settings: results do not depend on the
//! thread count, a resumed calibration gives the same results as an uninterrupted one, and
//! the building blocks (targets from wave files, the covariate statistic) read the data right.

use std::path::Path;
use wecare::calibrate::checkpoint;
use wecare::calibrate::smm::Moments;
use wecare::calibrate::{AbcSmc, AbcState, Executor, Problem, Smm, SmmState};
use wecare::scenario::Scenario;

fn s50() -> Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut s = Scenario::load(&root.join("scenarios/s50.toml")).unwrap();
    s.calibration.abc.particles = 120;
    s.calibration.abc.max_generations = 3;
    s.calibration.smm.phase1 = 30;
    s.calibration.smm.phase3 = 40;
    s.calibration.smm.subphases = 2;
    s.calibration.smm.rounds = 1;
    // A small pilot, and a second start (these settings seldom converge), so that the tests
    // below also cover the pilot and the change of start.
    s.calibration.smm.pilot = 60;
    s.calibration.smm.starts = 2;
    s
}

fn abc(p: &Problem, threads: usize, dir: Option<&Path>, resume: bool) -> AbcState {
    let mut e = Executor::new(
        AbcSmc {
            settings: p.scenario.calibration.abc.clone(),
        },
        p,
        42,
        threads,
    );
    if let Some(d) = dir {
        e = e.checkpoints(d.to_path_buf(), resume);
    }
    e.run().unwrap().state
}

fn smm(p: &Problem, threads: usize) -> SmmState {
    Executor::new(
        Smm {
            settings: p.scenario.calibration.smm.clone(),
        },
        p,
        42,
        threads,
    )
    .run()
    .unwrap()
    .state
}

/// The error of a method-of-moments fit that cannot start.
fn smm_error(p: &Problem) -> wecare::error::Error {
    Executor::new(
        Smm {
            settings: p.scenario.calibration.smm.clone(),
        },
        p,
        1,
        1,
    )
    .run()
    .unwrap_err()
}

/// Everything but wall times.
fn strip(mut s: AbcState) -> AbcState {
    for g in &mut s.history {
        g.wall_seconds = 0.0;
    }
    s
}

fn strip_smm(mut s: SmmState) -> SmmState {
    for st in &mut s.steps {
        st.wall_seconds = 0.0;
    }
    s
}

#[test]
fn targets_come_from_the_symmetrised_wave_files() {
    let p = Problem::from_scenario(&s50()).unwrap();
    let label: Vec<String> = p.targets.iter().map(|t| t.label()).collect();
    assert_eq!(label[0], "ties@2");
    let ties: Vec<f64> = p
        .targets
        .iter()
        .filter(|t| t.statistic == "ties")
        .map(|t| t.value)
        .collect();
    // data/s50/README.md: 74, 81, 77 undirected ties.
    assert_eq!(ties, vec![81.0, 77.0]);
    assert_eq!(p.observed.len(), 3);
    assert_eq!(p.observed[0].ties.len(), 74);
    assert_eq!(p.observed[0].active.iter().filter(|&&a| a).count(), 50);
    // Similarity of smoking levels (range 2) over the ties is in [0, 1].
    let cov = p
        .targets
        .iter()
        .find(|t| t.statistic == "tie_covariate_similarity")
        .unwrap();
    assert!(cov.value > 0.5 && cov.value < 1.0, "{cov:?}");
    let m = Moments::of(&p);
    // `ties` is matched wave by wave (the period-2 formation offset needs wave 3 apart).
    assert_eq!(m.names[0], "ties@2");
    assert_eq!(m.target[0], 81.0);
    assert!(m.names.iter().any(|n| n == "ties@3"));
    assert!(m.names.iter().any(|n| n == "tie_persistence@2+3"));
    // Simulated wave 1 is the observed wave 1: the scenario holds step 0 fixed.
    let snaps = p
        .snapshots(&[-3.0, 0.5, 0.0, -3.0, 0.0, 0.0, 0.0], 1, 0)
        .unwrap();
    let first: Vec<(u32, u32)> = snaps[0].ties.iter().map(|t| (t.a, t.b)).collect();
    let obs: Vec<(u32, u32)> = p.observed[0].ties.iter().map(|t| (t.a, t.b)).collect();
    assert_eq!(first, obs);
}

#[test]
fn results_do_not_depend_on_threads() {
    let p = Problem::from_scenario(&s50()).unwrap();
    let a1 = strip(abc(&p, 1, None, false));
    let a2 = strip(abc(&p, 2, None, false));
    assert_eq!(a1, a2);
    assert_eq!(a1.generation, 3);
    let s1 = strip_smm(smm(&p, 1));
    let s2 = strip_smm(smm(&p, 2));
    assert_eq!(s1, s2);
    assert!(s1.phase3.is_some());
}

/// A fit that has not converged after its starts goes on from the best round of all, one
/// round (a damped Newton step, then phase 3) per continuation, each named `continue<k>.` in
/// the phases table, until two in a row do not improve or `continuations` have run; without
/// continuations the fit ends after its starts. (These settings, 40
/// phase 3 runs for seven moments, do not converge at this seed: a t-ratio from 40 runs has a
/// standard error of about 0.16.)
#[test]
fn continuations_go_on_from_the_best_round() {
    let p = Problem::from_scenario(&s50()).unwrap();
    let s = smm(&p, 0);
    assert!(!s.phase3.as_ref().unwrap().converged);
    let k = p.scenario.calibration.smm.continuations;
    assert!((1..=k).contains(&s.continuation), "{}", s.continuation);
    // They stop before `k` only after two in a row that did not improve on the best round.
    if s.continuation < k {
        assert_eq!(s.stalled, 2);
    }
    let k = s.continuation;
    let stages: Vec<&str> = s.steps.iter().map(|x| x.stage.as_str()).collect();
    let continued: Vec<&str> = stages
        .iter()
        .copied()
        .filter(|x| x.starts_with("continue"))
        .collect();
    let expected: Vec<String> = (1..=k).map(|c| format!("continue{c}.phase3")).collect();
    assert_eq!(continued, expected, "{stages:?}");
    // The reported estimate is the best round of all, which a continuation may have found.
    let best = s.previous.as_ref().unwrap();
    assert_eq!(best.theta, s.theta);
    let mut none = s50();
    none.calibration.smm.continuations = 0;
    let q = Problem::from_scenario(&none).unwrap();
    let n = smm(&q, 0);
    assert_eq!(n.continuation, 0);
    assert!(n.steps.iter().all(|x| !x.stage.starts_with("continue")));
    // Up to the end of the starts the two fits are the same.
    assert_eq!(
        strip_smm(n.clone()).steps,
        strip_smm(s).steps[..n.steps.len()]
    );
}

/// Nothing a calibration leaves behind in the process (statics, thread-local state buffers,
/// thread pools) changes what runs after it: calibrations with 2 threads then 1 thread, and
/// the reverse, with another ABC budget run in between, give the results of calibrations run
/// first in the process.
#[test]
fn results_do_not_depend_on_what_ran_before_in_the_process() {
    let p = Problem::from_scenario(&s50()).unwrap();
    let mut other = s50();
    other.calibration.abc.particles = 80;
    other.calibration.abc.max_generations = 2;
    let q = Problem::from_scenario(&other).unwrap();
    let a = strip(abc(&p, 2, None, false));
    let s = strip_smm(smm(&p, 1));
    let b = strip(abc(&q, 1, None, false));
    assert_ne!(a, b, "the two budgets give different populations");
    for threads in [2, 1] {
        assert_eq!(strip(abc(&q, threads, None, false)), b);
        assert_eq!(strip_smm(smm(&p, threads)), s);
        assert_eq!(strip(abc(&p, 3 - threads, None, false)), a);
    }
    assert!(s.steps.iter().any(|st| st.stage == "pilot"));
}

/// The state buffers a thread keeps between replicates (`Model::run`) carry nothing from a
/// replicate of another model: a replicate of s50 run on a thread that has just run the
/// default scenario (144 organisations against 50) equals one run on a fresh thread, and the
/// other way round.
#[test]
fn replicates_do_not_depend_on_the_model_run_before_on_the_thread() {
    use wecare::model::Model;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let big = Scenario::load(&root.join("scenarios/wecare-measure1.toml")).unwrap();
    let small = s50();
    let models: Vec<Model> = [&big, &small]
        .iter()
        .map(|s| Model::new(&s.load_dataset().unwrap().0, &s.params()).unwrap())
        .collect();
    let ties = |w: Vec<wecare::network::Snapshot>| -> Vec<Vec<(u32, u32)>> {
        w.iter()
            .map(|s| s.ties.iter().map(|t| (t.a, t.b)).collect())
            .collect()
    };
    let (models, ties) = (&models, &ties);
    std::thread::scope(|scope| {
        for (first, then) in [(0, 1), (1, 0)] {
            let fresh = scope
                .spawn(move || ties(models[then].run(7, 3)))
                .join()
                .unwrap();
            let after = scope
                .spawn(move || {
                    models[first].run(11, 0);
                    ties(models[then].run(7, 3))
                })
                .join()
                .unwrap();
            assert_eq!(fresh, after, "model {then} after model {first}");
            assert!(fresh.iter().any(|w| !w.is_empty()));
        }
    });
}

#[test]
fn a_resumed_calibration_continues_bit_for_bit() {
    let mut short = s50();
    short.calibration.abc.max_generations = 1;
    let long = s50();
    let dir = tempfile::tempdir().unwrap();
    let p_short = Problem::from_scenario(&short).unwrap();
    let first = abc(&p_short, 2, Some(dir.path()), false);
    assert_eq!(first.generation, 1);
    // The stopping rules may be relaxed on resuming; nothing else may change.
    let p_long = Problem::from_scenario(&long).unwrap();
    let mut resumed = abc(&p_long, 1, Some(dir.path()), true);
    let straight = abc(&p_long, 2, None, false);
    // The first generation's stop reason is replaced by the later one.
    resumed
        .history
        .iter_mut()
        .for_each(|g| g.wall_seconds = 0.0);
    assert_eq!(resumed, strip(straight));
    let cp: checkpoint::Checkpoint<AbcState> = checkpoint::load(dir.path()).unwrap();
    assert_eq!(cp.state.generation, 3);
    // A different problem is refused.
    let mut other = s50();
    other.calibration.statistics.pop();
    let p_other = Problem::from_scenario(&other).unwrap();
    let e = Executor::new(
        AbcSmc {
            settings: other.calibration.abc.clone(),
        },
        &p_other,
        42,
        1,
    )
    .checkpoints(dir.path().to_path_buf(), true)
    .run()
    .unwrap_err();
    assert!(e.to_string().contains("different scenario"), "{e}");
}

#[test]
fn bad_calibration_sections_are_located() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("scenarios/s50.toml"))
        .unwrap()
        .replace(
            "key = \"formation.closure\"",
            "key = \"formation.clossure\"",
        )
        .replace("quantile = 0.5", "quantile = 1.5");
    let e = Scenario::parse(&text, "s50.toml", &root.join("scenarios")).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("calibration.parameters[1].key"), "{msg}");
    assert!(msg.contains("formation.clossure"), "{msg}");
    assert!(msg.contains("calibration.abc.quantile"), "{msg}");
    let text = std::fs::read_to_string(root.join("scenarios/s50.toml"))
        .unwrap()
        .replace(
            "prior = \"uniform\"                   # the same smoking level: odds x 0.37 to x 20\nmin = -1.0",
            "prior = \"normal\"\nmin = -1.0",
        );
    let e = Scenario::parse(&text, "s50.toml", &root.join("scenarios")).unwrap_err();
    assert!(
        e.to_string().contains("calibration.parameters[2].min"),
        "{e}"
    );
    let mut s = s50();
    s.calibration.statistics.push("mean_trust".into());
    let e = Problem::from_scenario(&s).unwrap_err();
    assert!(e.to_string().contains("does not carry"), "{e}");
    let mut s = s50();
    s.calibration.statistics.push("no_such_statistic".into());
    let e = Problem::from_scenario(&s).unwrap_err();
    assert!(e.to_string().contains("no_such_statistic"), "{e}");
    // The method of moments needs as many moments as parameters.
    let mut s = s50();
    s.calibration.statistics.pop();
    let p = Problem::from_scenario(&s).unwrap();
    let e = smm_error(&p);
    assert!(
        e.to_string().contains("as many moments as parameters"),
        "{e}"
    );
}

/// The text of the s50 scenario without its period-2 parameters and their `[calibration.smm]`
/// section (from the comment that introduces them up to `[calibration.abc]`).
fn five_parameters(text: &str) -> String {
    let (head, rest) = text.split_once("# The second year").unwrap();
    let (_, tail) = rest.split_once("[calibration.abc]").unwrap();
    format!("{head}[calibration.abc]{tail}")
}

/// The s50 scenario with period 2 offsets of the formation and dissolution intercepts,
/// calibrated with the ties and the tie persistence matched wave by wave
/// (docs/calibration.md, "Period-specific parameters").
fn s50_periods() -> Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text =
        five_parameters(&std::fs::read_to_string(root.join("scenarios/s50.toml")).unwrap());
    text.push_str(
        "\n[calibration.smm]\nper_wave = [\"ties\", \"tie_persistence\"]\n\
         \n[[calibration.parameters]]\nkey = \"formation.period_offset.2\"\n\
         prior = \"uniform\"\nmin = -2.0\nmax = 2.0\n\
         \n[[calibration.parameters]]\nkey = \"dissolution.period_offset.2\"\n\
         prior = \"uniform\"\nmin = -2.0\nmax = 2.0\n",
    );
    let mut s = Scenario::parse(&text, "s50.toml", &root.join("scenarios")).unwrap();
    let small = s50();
    s.calibration.smm = wecare::scenario::calibration::SmmSettings {
        per_wave: s.calibration.smm.per_wave.clone(),
        ..small.calibration.smm
    };
    s
}

#[test]
fn per_wave_moments_identify_period_offsets() {
    let p = Problem::from_scenario(&s50_periods()).unwrap();
    let m = Moments::of(&p);
    assert_eq!(
        m.names,
        [
            "ties@2",
            "transitivity@2+3",
            "tie_covariate_similarity@2+3",
            "tie_persistence@2",
            "isolates@2+3",
            "ties@3",
            "tie_persistence@3"
        ]
    );
    assert_eq!((m.target[0], m.target[5]), (81.0, 77.0));
    // Seven moments for seven parameters: the fit runs, with the same result on 1 and 2
    // threads (fixed seed 42, small settings).
    let s1 = strip_smm(smm(&p, 1));
    assert_eq!(s1, strip_smm(smm(&p, 2)));
    let theta = &s1.theta;
    assert_eq!(theta.len(), 7);
    assert!(theta.iter().all(|x| x.is_finite()), "{theta:?}");
    // A statistic that is not matched cannot be matched per wave.
    let mut s = s50_periods();
    s.calibration.smm.per_wave.push("density".into());
    let problems = wecare::scenario::calibration::check(&s.calibration, 3);
    assert!(
        problems
            .iter()
            .any(|(k, m)| k == "calibration.smm.per_wave[2]" && m.contains("density")),
        "{problems:?}"
    );
}

/// `calibration.smm.wave_groups` sums the waves of a group of a per-wave statistic into one
/// moment and leaves its other waves apart; a group of a statistic not matched per wave, an
/// empty group or a wave in two groups are errors at their keys; a period offset shared by a
/// range of periods acts in each, and one past the timeline's periods is named.
#[test]
fn wave_groups_sum_the_waves_of_a_shared_parameter() {
    let mut s = s50_periods();
    s.calibration
        .smm
        .wave_groups
        .insert("ties".into(), vec![vec![2, 3]]);
    let m = Moments::of(&Problem::from_scenario(&s).unwrap());
    assert_eq!(m.names[0], "ties@2+3");
    assert_eq!(m.target[0], 81.0 + 77.0);
    assert!(!m.names.iter().any(|n| n == "ties@2" || n == "ties@3"));
    assert!(m.names.iter().any(|n| n == "tie_persistence@3"));
    let groups = &mut s.calibration.smm.wave_groups;
    groups.insert("transitivity".into(), vec![vec![2]]);
    groups.insert("tie_persistence".into(), vec![vec![2, 3], vec![3], vec![]]);
    let problems = wecare::scenario::calibration::check(&s.calibration, 3);
    for (key, text) in [
        (
            "calibration.smm.wave_groups.transitivity",
            "not in calibration.smm.per_wave",
        ),
        (
            "calibration.smm.wave_groups.tie_persistence[1]",
            "wave 3 is in two groups",
        ),
        (
            "calibration.smm.wave_groups.tie_persistence[2]",
            "at least one wave",
        ),
    ] {
        assert!(
            problems.iter().any(|(k, m)| k == key && m.contains(text)),
            "{key}: {problems:?}"
        );
    }
    let mut s = s50_periods();
    s.calibration.parameters.last_mut().unwrap().key = "dissolution.period_offset.2-3".into();
    let problems = wecare::scenario::calibration::check(&s.calibration, 3);
    assert!(
        problems
            .iter()
            .any(|(_, m)| m.contains("`dissolution.period_offset.2-3` acts in period 3")),
        "{problems:?}"
    );
    // A trend over a range of periods is checked as its periods are: it acts in period 3, and
    // a period it sets may not be calibrated again by another key.
    let last = s.calibration.parameters.last_mut().unwrap();
    last.key = "dissolution.period_offset.2-3.trend".into();
    let mut again = last.clone();
    again.key = "dissolution.period_offset.3".into();
    s.calibration.parameters.push(again);
    let problems = wecare::scenario::calibration::check(&s.calibration, 3);
    for text in [
        "`dissolution.period_offset.2-3.trend` acts in period 3",
        "`dissolution.period_offset.3` is calibrated twice",
    ] {
        assert!(
            problems.iter().any(|(_, m)| m.contains(text)),
            "{text}: {problems:?}"
        );
    }
}

/// The s50 scenario copied for a two-wave panel, with only the paths and the timeline edited:
/// the errors name what else to change (the matched wave 3 and the period-2 parameters, which
/// no observed wave shows), at their keys in the file.
#[test]
fn a_copy_for_fewer_waves_says_what_to_change() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("scenarios/s50.toml"))
        .unwrap()
        .replace("waves = [0, 12, 24]", "waves = [0, 12]")
        .replace("programme = 24 ", "programme = 12 ")
        .replace(", \"data/s50/wave3.csv\"]", "]");
    let e = Scenario::parse(&text, "two-waves.toml", &root.join("scenarios")).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("calibration.waves[1]"), "{msg}");
    assert!(msg.contains("wave 3 does not exist"), "{msg}");
    for (k, key) in [
        (5, "formation.period_offset.2"),
        (6, "dissolution.effect_period_offset.embedded.2"),
    ] {
        assert!(
            msg.contains(&format!("calibration.parameters[{k}].key")),
            "{msg}"
        );
        assert!(msg.contains(&format!("`{key}` acts in period 2")), "{msg}");
    }
    assert!(msg.contains("remove this parameter"), "{msg}");
    // With those changes too the copy is valid.
    let fixed = text.replace("waves = [2, 3]", "waves = [2]");
    let (head, rest) = fixed
        .split_once("[[calibration.parameters]]\nkey = \"formation.period_offset.2\"")
        .unwrap();
    let (_, tail) = rest.split_once("[calibration.smm]").unwrap();
    let fixed = format!("{head}[calibration.smm]{tail}");
    let s = Scenario::parse(&fixed, "two-waves.toml", &root.join("scenarios")).unwrap();
    assert_eq!(s.calibration.parameters.len(), 5);
    assert!(Problem::from_scenario(&s).is_ok());
}

/// More moments than parameters (`calibration.smm.combine`): s50 with `degree_sd` beside its
/// seven moments is refused without `combine`, and with it the fit matches seven combinations
/// of the eight moments (each row of weights of unit length in the moments' sd units, so not
/// all zero), reports their t-ratios, and is deterministic.
#[test]
fn more_moments_than_parameters_are_combined() {
    let mut s = s50();
    s.calibration.statistics.push("degree_sd".into());
    s.calibration.smm.continuations = 0;
    let p = Problem::from_scenario(&s).unwrap();
    let k = Moments::of(&p).target.len();
    assert_eq!(k, p.dim() + 1);
    let e = smm_error(&p);
    assert!(e.to_string().contains("calibration.smm.combine"), "{e}");
    s.calibration.smm.combine = true;
    let p = Problem::from_scenario(&s).unwrap();
    let state = smm(&p, 2);
    assert_eq!(state.combination.len(), p.dim() * k);
    for row in state.combination.chunks(k) {
        assert!(row.iter().any(|w| *w != 0.0), "{row:?}");
    }
    let m = wecare::calibrate::smm_combine::moments_for(&p, &state);
    assert_eq!(m.names.len(), p.dim());
    assert!(
        m.names.iter().all(|n| n.starts_with("combined:")),
        "{:?}",
        m.names
    );
    let p3 = state.phase3.as_ref().unwrap();
    assert_eq!(p3.t_ratios.len(), p.dim());
    assert!(
        p3.t_ratios.iter().all(|t| t.is_finite()),
        "{:?}",
        p3.t_ratios
    );
    assert_eq!(strip_smm(state), strip_smm(smm(&p, 1)));
}
