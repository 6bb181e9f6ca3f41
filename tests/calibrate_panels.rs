//! Network panels in RSiena's matrix form: s50 from matrix files fits exactly as from its CSV
//! files, missing ties and absent actors enter the statistics by the observation rule in the
//! observed and the simulated waves alike, and `wecare panel` turns hostile and odd panels into
//! a fit or a located error, never a panic.

mod report_common;
use report_common::{root, wecare_output};

use std::path::{Path, PathBuf};
use wecare::calibrate::panel::{PanelSpec, scaffold};
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
        out: dir.to_path_buf(),
        name: "groups".into(),
        symmetrise: true,
        codes: MatrixCodes {
            tie_threshold: 2.0,
            ..MatrixCodes::default()
        },
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
        out: tmp.path().to_path_buf(),
        name: "groups".into(),
        symmetrise: true,
        codes: MatrixCodes::default(),
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

/// One odd or hostile panel: its wave matrices, extra `wecare panel` arguments, and what must
/// happen (`None`: a fit; `Some(text)`: an error whose message holds `text`).
struct Case {
    name: &'static str,
    waves: Vec<String>,
    args: &'static [&'static str],
    error: Option<&'static str>,
}

/// A ring of `n` actors with chords every `step`: a connected, clustered small panel wave.
fn ring(n: usize, step: usize) -> String {
    matrix(n, |i, j| {
        let d = i.abs_diff(j);
        d == 1 || d == n - 1 || (d % step == 0)
    })
}

fn matrix(n: usize, tie: impl Fn(usize, usize) -> bool) -> String {
    let mut s = String::new();
    for i in 0..n {
        let row: Vec<&str> = (0..n)
            .map(|j| if i != j && tie(i, j) { "1" } else { "0" })
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
    let case = |name, waves: Vec<String>, args, error| Case {
        name,
        waves,
        args,
        error,
    };
    vec![
        case("two waves", vec![a.clone(), b.clone()], &[][..], None),
        case(
            "seven waves",
            [&a, &b, &c, &a, &b, &c, &a].map(|s| s.to_string()).to_vec(),
            &[],
            None,
        ),
        case(
            "an empty wave",
            vec![a.clone(), matrix(n, |_, _| false), b.clone()],
            &[],
            None,
        ),
        case(
            "a complete wave",
            vec![a.clone(), fill("1"), b.clone()],
            &[],
            None,
        ),
        case(
            "all ties missing at a wave",
            vec![a.clone(), fill("9"), b.clone()],
            &[],
            None,
        ),
        case(
            "self-ties on the diagonal",
            vec![matrix(n, |i, j| i == j || i.abs_diff(j) == 1), b.clone()],
            &[],
            None,
        ),
        case("one actor", vec!["0\n".into(), "0\n".into()], &[], Some("")),
        case("one wave", vec![a.clone()], &[], Some("at least 2 waves")),
        case(
            "asymmetric, undirected",
            vec![String::from_utf8(asym).unwrap(), b.clone()],
            &["--undirected"],
            Some("wave1.dat:1: field `column 3`: "),
        ),
        case(
            "duplicated ids",
            vec![
                "x y x\nx 0 1 0\ny 1 0 1\nx 0 1 0\n".into(),
                "x y x\nx 0 1 0\ny 1 0 0\nx 0 0 0\n".into(),
            ],
            &[],
            Some("appears twice"),
        ),
        case(
            "ragged rows",
            vec![a.clone(), b.replacen('\n', " 0\n", 1)],
            &[],
            Some("wave2.dat:2: field `row`"),
        ),
        case(
            "not square",
            vec![
                a.clone(),
                b.lines().take(n - 1).collect::<Vec<_>>().join("\n"),
            ],
            &[],
            Some("square"),
        ),
        case(
            "unknown code",
            vec![a.clone(), b.replacen('0', "7x", 1)],
            &[],
            Some("wave2.dat:1: field `column 1`: `7x`"),
        ),
        case(
            "other actors at wave 2",
            vec![a.clone(), ring(n + 1, 4)],
            &[],
            Some("every wave has the same actors"),
        ),
    ]
}

#[test]
fn odd_and_hostile_panels_give_a_fit_or_a_located_error() {
    let tmp = tempfile::tempdir().unwrap();
    for (k, case) in cases().into_iter().enumerate() {
        let dir = tmp.path().join(format!("case{k}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut args: Vec<String> = vec!["panel".into()];
        for (w, text) in case.waves.iter().enumerate() {
            let f = dir.join(format!("wave{}.dat", w + 1));
            std::fs::write(&f, text).unwrap();
            args.push(f.display().to_string());
        }
        let out = dir.join("scenario");
        args.extend(["--out".into(), out.display().to_string()]);
        args.extend(case.args.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = wecare_output(&refs);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(!err.contains("panicked"), "{}: {err}", case.name);
        if let Some(text) = case.error {
            assert_eq!(o.status.code(), Some(1), "{}: {err}", case.name);
            assert!(
                err.starts_with("error: ") && err.contains(text),
                "{}: {err}",
                case.name
            );
            assert!(
                !out.join("scenario.toml").exists(),
                "{}: partial output",
                case.name
            );
            continue;
        }
        assert!(o.status.success(), "{}: {err}", case.name);
        let file = out.join("scenario.toml");
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str("\n[calibration.smm]\nphase1 = 30\nphase3 = 40\nsubphases = 2\nrounds = 1\n");
        text = text.replace("predictive_draws = 1000", "predictive_draws = 20");
        std::fs::write(&file, text).unwrap();
        let fit = dir.join("fit");
        let o = wecare_output(&[
            "calibrate",
            file.to_str().unwrap(),
            "--method",
            "smm",
            "--quiet",
            "--out",
            fit.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(!err.contains("panicked"), "{}: {err}", case.name);
        // A fit, converged (0) or flagged as not converged (3): never a crash.
        assert!(
            matches!(o.status.code(), Some(0 | 3)),
            "{}: {:?} {err}",
            case.name,
            o.status
        );
    }
}
