//! Network panels in RSiena's matrix form: s50 from matrix files fits exactly as from its CSV
//! files, missing ties and absent actors enter the statistics by the observation rule in the
//! observed and the simulated waves alike, and `wecare panel` turns hostile and odd panels into
//! a fit or a located error, never a panic.

mod panel_common;
mod report_common;
use panel_common::{keys, matrix, one_moment_per_parameter, ring};
use report_common::{root, wecare_output};

use std::path::{Path, PathBuf};
use std::process::Output;
use wecare::calibrate::panel::{PanelSpec, PanelSummary, scaffold};
use wecare::calibrate::targets::read_observed;
use wecare::calibrate::{Executor, Problem, Smm, SmmState};
use wecare::data::matrix::MatrixCodes;
use wecare::scenario::Scenario;

fn panels() -> PathBuf {
    root().join("tests/fixtures/panels")
}

/// s50 with small method-of-moments settings; `matrices` reads its waves from the matrix files.
fn s50(matrices: bool) -> Scenario {
    let mut s = Scenario::load(&root().join("scenarios/s50.toml")).unwrap();
    s.calibration.smm.phase1 = 30;
    s.calibration.smm.phase3 = 40;
    s.calibration.smm.subphases = 2;
    s.calibration.smm.rounds = 1;
    if matrices {
        s.calibration.observed = (1..=3)
            .map(|k| panels().join(format!("s50/s50-network{k}.dat")))
            .collect();
    }
    s
}

fn smm(p: &Problem) -> SmmState {
    let mut s = Executor::new(
        Smm {
            settings: p.scenario.calibration.smm.clone(),
        },
        p,
        42,
        2,
    )
    .run()
    .unwrap()
    .state;
    for st in &mut s.steps {
        st.wall_seconds = 0.0;
    }
    s
}

#[test]
fn s50_from_matrix_files_fits_bit_for_bit_as_from_csv_files() {
    let csv = Problem::from_scenario(&s50(false)).unwrap();
    let mat = Problem::from_scenario(&s50(true)).unwrap();
    assert_eq!(csv.observed, mat.observed);
    assert_eq!(csv.targets, mat.targets);
    let (a, b) = (smm(&csv), smm(&mat));
    assert!(!a.steps.is_empty());
    assert_eq!(a, b);
}

/// The synthetic panel of `tests/fixtures/panels/groups` scaffolded into `dir`.
fn groups(dir: &Path) -> Scenario {
    let g = panels().join("groups");
    let s = scaffold(&PanelSpec {
        waves: (1..=4)
            .map(|k| g.join(format!("groups-w{k}.dat")))
            .collect(),
        covariate: Some(g.join("groups-cov.dat")),
        covariate_column: None,
        out: dir.to_path_buf(),
        name: "groups".into(),
        symmetrise: true,
        codes: MatrixCodes {
            tie_threshold: 2.0,
            ..MatrixCodes::default()
        },
        max_parameters: None,
        share_clustering: false,
    })
    .unwrap();
    assert_eq!(s.actors, 20);
    assert_eq!(s.with_covariate, 20);
    // Wave 2: pupil 5's 19 dyads minus those pupils who name pupil 5 (a tie either way).
    assert_eq!(s.waves[0].2, 1);
    assert_eq!(s.waves[3].2, 1);
    assert!(s.waves[1].1 > 0 && s.waves[1].1 <= 19, "{:?}", s.waves);
    Scenario::load(&s.scenario).unwrap()
}

#[test]
fn missing_ties_and_absent_actors_follow_the_observation_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = groups(tmp.path());
    let p = Problem::from_scenario(&scenario).unwrap();
    let read = read_observed(
        &scenario,
        &scenario.calibration,
        &p.dataset,
        p.nodes(),
        &scenario.timeline.waves,
    )
    .unwrap();
    assert_eq!(read.snapshots, p.observed);
    let u = &read.unobserved;
    let id = |s: &str| p.dataset.index_by_id()[s] as u32;
    assert_eq!(u.waves[0].absent, vec![id("20")]);
    assert_eq!(u.waves[3].absent, vec![id("3")]);
    assert!(
        u.waves[1]
            .missing
            .iter()
            .all(|&(a, b)| a == id("5") || b == id("5"))
    );
    let has =
        |s: &wecare::network::Snapshot, pair: (u32, u32)| s.ties.iter().any(|t| (t.a, t.b) == pair);
    let check = |snaps: &[wecare::network::Snapshot], what: &str| {
        for (k, w) in u.waves.iter().enumerate() {
            for &pair in &w.missing {
                let before = k > 0 && has(&snaps[k - 1], pair);
                assert_eq!(
                    has(&snaps[k], pair),
                    before,
                    "{what}: wave {}, {pair:?}",
                    k + 1
                );
            }
            for &i in &w.absent {
                assert!(!snaps[k].active[i as usize], "{what}: wave {}", k + 1);
                assert!(snaps[k].ties.iter().all(|t| t.a != i && t.b != i));
            }
        }
    };
    check(&p.observed, "observed");
    let theta: Vec<f64> = p.parameters.iter().map(|q| q.start).collect();
    for r in 0..5 {
        check(&p.snapshots(&theta, 7, r).unwrap(), "simulated");
    }
    // An absent actor is no isolate: the matched isolates count only present actors.
    for t in p.targets.iter().filter(|t| t.statistic == "isolates") {
        let s = &p.observed[t.wave - 1];
        let isolated = (0..s.active.len())
            .filter(|&i| {
                s.active[i]
                    && !s
                        .ties
                        .iter()
                        .any(|x| x.a as usize == i || x.b as usize == i)
            })
            .count();
        assert_eq!(t.value, isolated as f64, "{}", t.label());
    }
    let absent = p.dataset.index_by_id()["3"];
    assert!(!p.observed[3].active[absent] && p.observed[2].active[absent]);
}

#[test]
fn a_scaffolded_panel_never_overwrites_and_calibrates() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = groups(tmp.path());
    let before = std::fs::read(tmp.path().join("groups.toml")).unwrap();
    let g = panels().join("groups");
    let again = scaffold(&PanelSpec {
        waves: vec![g.join("groups-w1.dat"), g.join("groups-w2.dat")],
        covariate: None,
        covariate_column: None,
        out: tmp.path().to_path_buf(),
        name: "groups".into(),
        symmetrise: true,
        codes: MatrixCodes::default(),
        max_parameters: None,
        share_clustering: false,
    })
    .unwrap_err()
    .to_string();
    assert!(again.contains("already exists"), "{again}");
    assert_eq!(
        before,
        std::fs::read(tmp.path().join("groups.toml")).unwrap()
    );
    let p = Problem::from_scenario(&scenario).unwrap();
    let state = smm(&p);
    assert!(
        state
            .steps
            .iter()
            .all(|s| s.theta.iter().all(|x| x.is_finite()))
    );
}

/// What must happen to a panel.
enum Outcome {
    /// `wecare panel` writes a scenario, and its calibration ends in a fit (converged, or
    /// flagged as not converged).
    Fit,
    /// `wecare panel` stops with an error holding this text.
    PanelError(&'static str),
    /// The scenario is written but the calibration stops with an error holding this text.
    CalibrationError(&'static str),
}
use Outcome::*;

/// One odd or hostile panel: its wave matrices, extra `wecare panel` arguments, and what must
/// happen.
struct Case {
    name: &'static str,
    waves: Vec<String>,
    args: &'static [&'static str],
    outcome: Outcome,
}

/// A valued wave of `n` actors as a university cohort rates each other: 1 or 2 (friends) to
/// the neighbours on a ring with chords every `step`, 3 to 6 (other relations) or 0 (unknown)
/// elsewhere, 9 on the diagonal and, for a non-respondent, in its whole row.
fn rated(n: usize, step: usize, silent: Option<usize>) -> String {
    let mut s = String::new();
    for i in 0..n {
        let row: Vec<String> = (0..n)
            .map(|j| {
                let d = i.abs_diff(j);
                let v = if i == j || silent == Some(i) {
                    9
                } else if d == 1 || d == n - 1 || d % step == 0 {
                    1 + (i + j) % 2
                } else {
                    [0, 3, 4, 5, 6][(i * j) % 5]
                };
                v.to_string()
            })
            .collect();
        s.push_str(&row.join(" "));
        s.push('\n');
    }
    s
}

fn cases() -> Vec<Case> {
    let n = 12;
    let (a, b, c) = (ring(n, 5), ring(n, 4), ring(n, 3));
    let fill = |v: &str| matrix(n, |_, _| true).replace('1', v);
    let mut asym = a.clone().into_bytes();
    asym[4] = b'1'; // row 1, column 3 only
    let case = |name, waves: Vec<String>, args, outcome| Case {
        name,
        waves,
        args,
        outcome,
    };
    vec![
        case("two waves", vec![a.clone(), b.clone()], &[][..], Fit),
        case(
            "seven waves",
            [&a, &b, &c, &a, &b, &c, &a].map(|s| s.to_string()).to_vec(),
            &[],
            // Five period offsets for 12 actors, fitted with one round from the start values
            // (the cheap settings below): the offsets run to the bottom of the prior box, where
            // some wave has no two-path and its transitivity is undefined; the method says so.
            CalibrationError("give an undefined (NaN) moment"),
        ),
        case(
            "an empty wave",
            vec![a.clone(), matrix(n, |_, _| false), b.clone()],
            &[],
            // Every actor is an isolate at wave 2, so the isolate effect is calibrated too;
            // holding it at the bottom of its box keeps two-paths at wave 3 (without it the
            // fit ran to networks whose transitivity is undefined, an error), and the fit
            // ends flagged as not converged with the isolate effect and the period-2 offset at
            // their bounds.
            Fit,
        ),
        case(
            "a complete wave",
            vec![a.clone(), fill("1"), b.clone()],
            &[],
            Fit,
        ),
        case(
            "all ties missing at a wave",
            vec![a.clone(), fill("9"), b.clone()],
            &[],
            // Wave 2 is wave 1 carried forward whatever the parameters: it is not matched
            // (its statistics respond to no parameter), and period 2 has no offset of its own.
            Fit,
        ),
        case(
            "self-ties on the diagonal",
            vec![matrix(n, |i, j| i == j || i.abs_diff(j) == 1), b.clone()],
            &[],
            Fit,
        ),
        case(
            // A cohort whose members do not know each other yet: wave 1 has no tie, so no tie
            // can persist to wave 2 and `tie_persistence` is matched from wave 3 on. The
            // scenario is written; from the start values with one round (the cheap settings)
            // 12 strangers form too few ties for a two-path, and the method says so.
            "an empty first wave",
            vec![matrix(n, |_, _| false), a.clone(), b.clone()],
            &[],
            CalibrationError("give an undefined (NaN) moment"),
        ),
        case(
            // A university cohort's ratings: 1 and 2 are friends, 3 to 6 other relations, 0
            // unknown, and 9 both on the diagonal and for non-response.
            "rated ties 0-6, 9 on the diagonal and for a whole row",
            vec![rated(n, 4, None), rated(n, 3, Some(5))],
            &["--tie-values", "1,2"],
            Fit,
        ),
        case(
            "one actor",
            vec!["0\n".into(), "0\n".into()],
            &[],
            PanelError("wave1.dat: 1 actor: a network panel has at least 2 actors"),
        ),
        case(
            "one wave",
            vec![a.clone()],
            &[],
            PanelError("at least 2 waves"),
        ),
        case(
            "asymmetric, undirected",
            vec![String::from_utf8(asym).unwrap(), b.clone()],
            &["--undirected"],
            PanelError("wave1.dat:1: field `column 3`: "),
        ),
        case(
            "duplicated ids",
            vec![
                "x y x\nx 0 1 0\ny 1 0 1\nx 0 1 0\n".into(),
                "x y x\nx 0 1 0\ny 1 0 0\nx 0 0 0\n".into(),
            ],
            &[],
            PanelError("appears twice"),
        ),
        case(
            "ragged rows",
            vec![a.clone(), b.replacen('\n', " 0\n", 1)],
            &[],
            PanelError("wave2.dat:2: field `row`"),
        ),
        case(
            "not square",
            vec![
                a.clone(),
                b.lines().take(n - 1).collect::<Vec<_>>().join("\n"),
            ],
            &[],
            PanelError("square"),
        ),
        case(
            "unknown code",
            vec![a.clone(), b.replacen("\n0", "\n7x", 1)],
            &[],
            PanelError("wave2.dat:3: field `column 1`: `7x`"),
        ),
        case(
            "other actors at wave 2",
            vec![a.clone(), ring(n + 1, 4)],
            &[],
            PanelError("every wave has the same actors"),
        ),
    ]
}

/// Writes the case's wave files into `dir` and runs `wecare panel` on them, writing into
/// `out`; returns its output and standard error.
fn panel(dir: &Path, case: &Case, out: &Path) -> (Output, String) {
    std::fs::create_dir_all(dir).unwrap();
    let mut args: Vec<String> = vec!["panel".into()];
    for (w, text) in case.waves.iter().enumerate() {
        let f = dir.join(format!("wave{}.dat", w + 1));
        std::fs::write(&f, text).unwrap();
        args.push(f.display().to_string());
    }
    args.extend(["--out".into(), out.display().to_string()]);
    args.extend(case.args.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    finished(wecare_output(&refs), case)
}

/// A method-of-moments calibration of a written scenario, with small settings.
fn calibrate(file: &Path, out: &Path, case: &Case) -> (Output, String) {
    let mut text = std::fs::read_to_string(file).unwrap();
    // Cheap settings, from the scenario's start values inside the prior box (no pilot, no
    // widened search): the cases test how panels are read and fitted, not where the estimator
    // starts (tests/calibrate_methods.rs and calibrate_convergence.rs test that).
    text = text.replace(
        "\n[calibration.smm]\n",
        "\n[calibration.smm]\nphase1 = 30\nphase3 = 40\nsubphases = 2\nrounds = 1\npilot = 0\nwiden = 0\n",
    );
    text = text.replace("predictive_draws = 1000", "predictive_draws = 20");
    std::fs::write(file, text).unwrap();
    let args = [
        "calibrate",
        file.to_str().unwrap(),
        "--method",
        "smm",
        "--quiet",
        "--out",
    ];
    let mut args = args.to_vec();
    args.push(out.to_str().unwrap());
    finished(wecare_output(&args), case)
}

/// A command's output and standard error, checked not to be a panic.
fn finished(o: Output, case: &Case) -> (Output, String) {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!err.contains("panicked"), "{}: {err}", case.name);
    (o, err)
}

/// Asserts a clean error: exit status 1 and a message holding `text`.
#[track_caller]
fn assert_error(o: &Output, err: &str, text: &str, case: &Case) {
    assert_eq!(o.status.code(), Some(1), "{}: {err}", case.name);
    assert!(
        err.starts_with("error: ") && err.contains(text),
        "{}: {err}",
        case.name
    );
}

#[test]
fn odd_and_hostile_panels_give_a_fit_or_a_located_error() {
    let tmp = tempfile::tempdir().unwrap();
    for (k, case) in cases().iter().enumerate() {
        let dir = tmp.path().join(format!("case{k}"));
        let out = dir.join("scenario");
        let file = out.join("scenario.toml");
        let (o, err) = panel(&dir, case, &out);
        if let PanelError(text) = case.outcome {
            assert_error(&o, &err, text, case);
            assert!(!file.exists(), "{}: partial output", case.name);
            continue;
        }
        assert!(o.status.success(), "{}: {err}", case.name);
        let (o, err) = calibrate(&file, &dir.join("fit"), case);
        match case.outcome {
            CalibrationError(text) => assert_error(&o, &err, text, case),
            // A fit, converged (0) or flagged as not converged (3): never a crash.
            _ => assert!(
                matches!(o.status.code(), Some(0 | 3)),
                "{}: {err}",
                case.name
            ),
        }
    }
}

/// Scaffolds the matrices `waves` into `dir`; returns what `wecare panel` reports.
fn scaffold_in(dir: &Path, waves: &[String]) -> PanelSummary {
    scaffold_capped(dir, waves, None, false)
}

/// Scaffolds the matrices `waves` into `dir` with `--max-parameters` `cap` and, if `share`,
/// `--share-clustering`.
fn scaffold_capped(dir: &Path, waves: &[String], cap: Option<usize>, share: bool) -> PanelSummary {
    panel_common::scaffold_matrices(dir, waves, cap, share)
}

/// Scaffolds the matrices `waves` into `dir` and loads the scenario written.
fn scaffolded(dir: &Path, waves: &[String]) -> Scenario {
    Scenario::load(&scaffold_in(dir, waves).scenario).unwrap()
}

/// The degree statistics and effects follow the isolates. A dense classroom whose pupils all
/// have friends at every wave matches the spread of the degrees, not the number of isolates
/// (0 at every wave, the floor of its range, where the method of moments runs off to the edge
/// of the parameter space), and has no isolate effect. A panel with an isolate at some wave
/// matches both, the isolates with the isolate effect and the spread with the activity effect
/// (the isolates alone leave the spread of the other degrees free), one moment per parameter;
/// with one period, both without the isolate effect, combined (`calibration.smm.combine`).
#[test]
fn the_degree_statistics_and_effects_follow_the_isolates() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 12;
    let has_key = |s: &Scenario, key: &str| s.calibration.parameters.iter().any(|p| p.key == key);
    let dense = scaffolded(tmp.path(), &[ring(n, 5), ring(n, 4), ring(n, 3)]);
    let stats = &dense.calibration.statistics;
    assert!(stats.iter().any(|s| s == "degree_sd"), "{stats:?}");
    assert!(
        !stats.iter().any(|s| s.starts_with("isolates")),
        "{stats:?}"
    );
    assert!(has_key(&dense, "formation.activity_sqrt"));
    assert!(!has_key(&dense, "formation.isolate"));
    // Actor 0 loses its ties at wave 3 (rows and columns of zeros): an isolate.
    let lonely = matrix(n, |i, j| i != 0 && j != 0 && i.abs_diff(j) <= 2);
    let dir = tmp.path().join("lonely");
    std::fs::create_dir_all(&dir).unwrap();
    let isolated = scaffolded(&dir, &[ring(n, 5), ring(n, 4), lonely.clone()]);
    let stats = &isolated.calibration.statistics;
    assert!(stats.iter().any(|s| s == "isolates"), "{stats:?}");
    assert!(stats.iter().any(|s| s == "degree_sd"), "{stats:?}");
    assert!(has_key(&isolated, "formation.activity_sqrt"));
    assert!(has_key(&isolated, "formation.isolate"));
    let p = one_moment_per_parameter(&isolated);
    // The isolate effect's prior, as the scenario says it.
    let iso = p
        .parameters
        .iter()
        .find(|x| x.key == "formation.isolate")
        .unwrap();
    assert_eq!(
        iso.prior,
        wecare::calibrate::Prior::Uniform {
            min: -2.0,
            max: 3.0
        }
    );
    assert!(!isolated.calibration.smm.combine);
    // One period with an isolate: both degree moments, no isolate effect, the moments
    // combined into as many as parameters.
    let dir = tmp.path().join("one-period");
    std::fs::create_dir_all(&dir).unwrap();
    let short = scaffolded(&dir, &[ring(n, 5), lonely]);
    let stats = &short.calibration.statistics;
    assert!(stats.iter().any(|s| s == "isolates"), "{stats:?}");
    assert!(stats.iter().any(|s| s == "degree_sd"), "{stats:?}");
    assert!(has_key(&short, "formation.activity_sqrt"));
    assert!(!has_key(&short, "formation.isolate"));
    assert!(short.calibration.smm.combine);
    let p = Problem::from_scenario(&short).unwrap();
    let moments = wecare::calibrate::smm::Moments::of(&p);
    assert_eq!(
        moments.names.len(),
        p.parameters.len() + 1,
        "{:?}",
        moments.names
    );
}

/// Each period from the second has its own formation intercept, as RSiena's rate parameter of
/// each period, and its own clustering, the embeddedness of dissolution in that period; the
/// method of moments matches the ties and the transitivity wave by wave, one moment per
/// parameter. A two-wave panel has one period, no offset, and transitivity summed as before.
#[test]
fn every_period_from_the_second_has_its_own_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 12;
    let waves = [ring(n, 5), ring(n, 4), ring(n, 3), ring(n, 5)];
    let four = scaffolded(tmp.path(), &waves);
    let k = keys(&four);
    for period in [2, 3] {
        for key in [
            format!("formation.period_offset.{period}"),
            format!("dissolution.effect_period_offset.embedded.{period}"),
        ] {
            assert!(k.contains(&key), "{key} not in {k:?}");
        }
    }
    let offsets = k.iter().filter(|x| x.contains("period_offset")).count();
    assert_eq!(offsets, 4, "{k:?}");
    assert_eq!(four.calibration.smm.per_wave, ["ties", "transitivity"]);
    let p = one_moment_per_parameter(&four);
    let moments = wecare::calibrate::smm::Moments::of(&p).names;
    for w in 2..=4 {
        assert!(
            moments.contains(&format!("transitivity@{w}")),
            "{moments:?}"
        );
    }
    let dir = tmp.path().join("two");
    std::fs::create_dir_all(&dir).unwrap();
    let two = scaffolded(&dir, &waves[..2]);
    assert!(
        !keys(&two).iter().any(|x| x.contains("period")),
        "{:?}",
        keys(&two)
    );
    assert_eq!(two.calibration.smm.per_wave, ["ties"]);
}

/// Asserts that `wecare panel` reported a note starting with `note`.
#[track_caller]
fn assert_note(summary: &PanelSummary, note: &str) {
    assert!(
        summary.notes.iter().any(|x| x.starts_with(note)),
        "{:?}",
        summary.notes
    );
}

/// What a panel's waves cannot identify is left out, with a note in the scenario file and in
/// what `wecare panel` reports. A wave whose every tie variable is missing is the wave before
/// carried forward, in the data and in every simulation: it is not matched, and the period
/// that ends there has no offset of its own (the next matched wave identifies the next
/// period's). A complete wave has transitivity 1, the edge of its range: no period gets its
/// own clustering and transitivity is matched summed over the waves.
#[test]
fn what_the_waves_cannot_identify_is_left_out_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 12;
    let unobserved = matrix(n, |_, _| true).replace('1', "9");
    let waves = [ring(n, 5), ring(n, 4), unobserved, ring(n, 3)];
    let summary = scaffold_in(tmp.path(), &waves);
    let text = std::fs::read_to_string(&summary.scenario).unwrap();
    let s = Scenario::load(&summary.scenario).unwrap();
    assert_eq!(s.calibration.waves, [2, 4]);
    let k = keys(&s);
    for key in [
        "formation.period_offset.3",
        "dissolution.effect_period_offset.embedded.3",
    ] {
        assert!(k.iter().any(|x| x == key), "{key} not in {k:?}");
    }
    assert!(!k.iter().any(|x| x.ends_with(".2")), "{k:?}");
    for note in [
        "wave 3 observes no dyad",
        "period 2 (wave 2 to wave 3) has no",
    ] {
        assert_note(&summary, note);
        assert!(text.contains(&format!("# - {note}")), "{text}");
    }
    one_moment_per_parameter(&s);

    let dir = tmp.path().join("complete");
    std::fs::create_dir_all(&dir).unwrap();
    let complete = matrix(n, |_, _| true);
    let summary = scaffold_in(&dir, &[ring(n, 5), complete, ring(n, 4)]);
    let s = Scenario::load(&summary.scenario).unwrap();
    assert!(
        !keys(&s).iter().any(|x| x.contains("embedded")),
        "{:?}",
        keys(&s)
    );
    assert_eq!(s.calibration.smm.per_wave, ["ties"]);
    let note = "transitivity at wave 2 is 1";
    assert_note(&summary, note);
    one_moment_per_parameter(&s);
}

/// The embeddedness keys of a scenario, in order.
fn clustering_keys(s: &Scenario) -> Vec<String> {
    keys(s)
        .into_iter()
        .filter(|k| k.contains("embedded"))
        .collect()
}

/// A long panel whose clustering parameters, one per period, would exceed the cap of
/// parameters gets none by default, transitivity summed over all waves, with a note naming
/// `--share-clustering`; with it, as many as fit, each shared by a run of consecutive periods
/// (the longer runs first) and matched to the transitivity summed over the waves ending them,
/// with a note; with no room for one, none; under a higher cap (`--max-parameters`), one per
/// period. One moment per parameter in each case.
#[test]
fn a_long_panel_shares_clustering_parameters_between_periods() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 12;
    let (a, b, c) = (ring(n, 5), ring(n, 4), ring(n, 3));
    // Seven waves, 9 parameters besides clustering: 5 periods (2 to 6) for 3 parameters.
    let seven = [&a, &b, &c, &a, &b, &c, &a].map(|x| x.to_string());
    let scaffold = |name: &str, cap: Option<usize>, share: bool| {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let summary = scaffold_capped(&dir, &seven, cap, share);
        let s = Scenario::load(&summary.scenario).unwrap();
        one_moment_per_parameter(&s);
        (summary, s)
    };
    let embedded = |k: &str| format!("dissolution.effect_period_offset.embedded.{k}");

    let (summary, s) = scaffold("default", None, false);
    assert!(clustering_keys(&s).is_empty(), "{:?}", keys(&s));
    assert_eq!(keys(&s).len(), 9, "{:?}", keys(&s));
    assert_eq!(s.calibration.smm.per_wave, ["ties"]);
    let note = "a clustering parameter for each of periods 2, 3, 4, 5 and 6 would make 14 \
                parameters, more than 12: transitivity is matched summed over the waves, with \
                no clustering parameter per period (--share-clustering: 3 shared";
    assert_note(&summary, note);

    let (summary, s) = scaffold("shared", None, true);
    assert_eq!(
        clustering_keys(&s),
        [embedded("2-3"), embedded("4-5"), embedded("6")]
    );
    assert_eq!(keys(&s).len(), 12, "{:?}", keys(&s));
    assert_eq!(s.calibration.smm.per_wave, ["ties", "transitivity"]);
    assert_eq!(
        s.calibration.smm.wave_groups["transitivity"],
        [vec![3, 4], vec![5, 6]]
    );
    let moments = wecare::calibrate::smm::Moments::of(&Problem::from_scenario(&s).unwrap()).names;
    for m in [
        "transitivity@2",
        "transitivity@3+4",
        "transitivity@5+6",
        "transitivity@7",
    ] {
        assert!(moments.iter().any(|x| x == m), "{m} not in {moments:?}");
    }
    let note = "a clustering parameter for each of periods 2, 3, 4, 5 and 6 would make 14 \
                parameters, more than 12: 3 clustering parameter(s) instead, each shared by \
                consecutive periods (2-3; 4-5; 6)";
    assert_note(&summary, note);
    let text = std::fs::read_to_string(&summary.scenario).unwrap();
    assert!(text.contains(&format!("# - {note}")), "{text}");
    // A shared parameter sets every period of its run.
    let mut p = s.params();
    assert!(wecare::scenario::parameters::set(
        &mut p,
        &embedded("2-3"),
        1.5
    ));
    assert_eq!(
        p.dissolution.effect_period_offset["embedded"][1..3],
        [1.5, 1.5]
    );

    let (summary, s) = scaffold("one", Some(10), true);
    assert_eq!(clustering_keys(&s), [embedded("2-6")]);
    assert_eq!(
        s.calibration.smm.wave_groups["transitivity"],
        [vec![3, 4, 5, 6, 7]]
    );
    assert_note(
        &summary,
        "a clustering parameter for each of periods 2, 3, 4, 5 and 6",
    );

    let (summary, s) = scaffold("none", Some(9), true);
    assert!(clustering_keys(&s).is_empty(), "{:?}", keys(&s));
    assert_eq!(keys(&s).len(), 9, "{:?}", keys(&s));
    assert_eq!(s.calibration.smm.per_wave, ["ties"]);
    let note = "a clustering parameter for each of periods 2, 3, 4, 5 and 6 would make 14 \
                parameters, more than 9: transitivity is matched summed over the waves";
    assert_note(&summary, note);

    let (summary, s) = scaffold("each", Some(14), false);
    let each: Vec<String> = (2..=6).map(|k| embedded(&k.to_string())).collect();
    assert_eq!(clustering_keys(&s), each);
    assert!(s.calibration.smm.wave_groups.is_empty());
    assert!(
        !summary
            .notes
            .iter()
            .any(|x| x.contains("clustering parameter")),
        "{:?}",
        summary.notes
    );
}

/// A fixed-choice design (almost every respondent names exactly `k` others, as when asked for
/// three best friends) is said in a note, in the scenario and in what `wecare panel` reports:
/// its symmetrised degrees are more even than the model's partner search gives, and the method
/// of moments may find `degree_sd` out of reach (Sampson's monks, docs/calibration.md, "Other
/// panels"). A panel of free recall, whose respondents name different numbers, has no note.
#[test]
fn a_fixed_choice_design_is_noted() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 12;
    // Each names the next 2 round the circle at wave 1; the next and the third at wave 2.
    let ahead = |i: usize, j: usize| (j + n - i) % n;
    let w1 = matrix(n, |i, j| ahead(i, j) == 1 || ahead(i, j) == 2);
    let w2 = matrix(n, |i, j| ahead(i, j) == 1 || ahead(i, j) == 3);
    let summary = scaffold_in(tmp.path(), &[w1, w2]);
    let note = "almost every respondent names exactly 2 others";
    assert_note(&summary, note);
    let text = std::fs::read_to_string(&summary.scenario).unwrap();
    assert!(text.contains(&format!("# - {note}")), "{text}");

    // Free recall: actor i names the next 1 to 4 (how many varies with i).
    let dir = tmp.path().join("free");
    std::fs::create_dir_all(&dir).unwrap();
    let f1 = matrix(n, |i, j| (1..=1 + i % 4).contains(&ahead(i, j)));
    let f2 = matrix(n, |i, j| (1..=1 + (i + 1) % 4).contains(&ahead(i, j)));
    let summary = scaffold_in(&dir, &[f1, f2]);
    assert!(
        !summary.notes.iter().any(|x| x.contains("fixed-choice")),
        "{:?}",
        summary.notes
    );
}
