//! `wecare calibrate` end to end on the s50 panel with small settings: the files it writes, a
//! calibrated scenario that runs, and resuming an interrupted calibration.

mod report_common;
use report_common::{CALIBRATION_RESULTS, assert_success, same_files, wecare_output};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use wecare::calibrate::{AbcSmc, Executor, Problem};
use wecare::scenario::Scenario;

/// The s50 scenario with small settings, written (paths absolute) into `dir`.
fn small_s50(dir: &Path, generations: usize) -> (Scenario, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut s = Scenario::load(&root.join("scenarios/s50.toml")).unwrap();
    s.calibration.abc.particles = 100;
    s.calibration.abc.max_generations = generations;
    s.calibration.smm.phase1 = 30;
    s.calibration.smm.phase3 = 40;
    s.calibration.smm.subphases = 2;
    s.calibration.smm.rounds = 1;
    s.calibration.predictive_draws = 30;
    let file = dir.join(format!("s50-small-{generations}.toml"));
    std::fs::write(&file, s.with_resolved_paths().to_toml()).unwrap();
    (Scenario::load(&file).unwrap(), file)
}

fn only_dir(parent: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_str().unwrap().starts_with('.'))
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs[0].clone()
}

/// The files a calibration by `method` (`abc` or `smm`) writes.
fn calibration_files(method: &str) -> Vec<&'static str> {
    let mut expected = vec![
        "calibrated.toml",
        "checkpoint.json",
        "estimates.csv",
        "fit.csv",
        "gof.csv",
        "gof.png",
        "gof.svg",
        "gof_draws.csv",
        "manifest.json",
        "marginals.svg",
        "marginals.png",
        "ppc.csv",
        "ppc_degree.svg",
        "ppc_degree.png",
        "scenario.toml",
        "targets.csv",
    ];
    expected.extend(if method == "abc" {
        vec!["generations.csv", "posterior.csv"]
    } else {
        vec![
            "smm_convergence.csv",
            "smm_covariance.csv",
            "smm_derivative.csv",
            "smm_intervals.csv",
            "smm_iterations.csv",
            "smm_phases.csv",
        ]
    });
    expected
}

/// The goodness-of-fit, predictive-check and fit tables of a calibration by `method` in `dir`
/// hold the tests and statistics they document.
fn check_fit_files(method: &str, dir: &Path) {
    let gof = std::fs::read_to_string(dir.join("gof.csv")).unwrap();
    for test in [
        "\ndegree,2,",
        "\ndegree,3,",
        "\ndegree,joint,",
        "\nesp,joint,",
    ] {
        assert!(gof.contains(test), "{method}: no {test} in gof.csv\n{gof}");
    }
    let ppc = std::fs::read_to_string(dir.join("ppc.csv")).unwrap();
    for check in [
        "degree,degree.0",
        "geodesic,distance.1",
        "kind_counts,organisations.other",
    ] {
        assert!(ppc.contains(check), "{method}: no {check} in ppc.csv");
    }
    // Matched statistics are checked in fit.csv only (waves 2 and 3 are matched).
    assert!(ppc.contains("\n1,wave_statistic,ties,"));
    assert!(!ppc.contains("\n2,wave_statistic,ties,"));
    let fit = std::fs::read_to_string(dir.join("fit.csv")).unwrap();
    assert!(fit.contains("matched,ties@2,81,"), "{fit}");
}

/// `wecare calibrate <file> --method <method> --out <out_root> --quiet`.
fn calibrate_quietly(file: &Path, method: &str, out_root: &Path) -> Output {
    wecare_output(&[
        "calibrate",
        file.to_str().unwrap(),
        "--method",
        method,
        "--out",
        out_root.to_str().unwrap(),
        "--quiet",
    ])
}

#[test]
fn both_methods_write_their_directory_and_a_runnable_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, file) = small_s50(tmp.path(), 2);
    let out_root = tmp.path().join("results");
    for method in ["abc", "smm"] {
        let out = calibrate_quietly(&file, method, &out_root);
        // With these small settings the method of moments may stop short of RSiena's
        // convergence rule: it then exits with status 3 and flags its outputs.
        let unconverged = method == "smm" && out.status.code() == Some(3);
        if !unconverged {
            assert_success(&out);
        }
        let dir = only_dir(&out_root.join("calibrate").join(format!("s50-{method}")));
        let est = std::fs::read_to_string(dir.join("estimates.csv")).unwrap();
        if method == "smm" {
            // `converged` is the last field but one (`prior_bound` follows it).
            let flag = if unconverged { "false" } else { "true" };
            let converged = |l: &str| l.rsplit(',').nth(1) == Some(flag);
            assert!(est.lines().skip(1).all(converged), "{est}");
        }
        let expected = calibration_files(method);
        for f in &expected {
            assert!(dir.join(f).is_file(), "{method}: {f} missing");
        }
        // Seven parameters, the last two of period 2.
        assert_eq!(est.lines().count(), 8, "{est}");
        // One interval convention for both methods.
        assert!(
            est.lines()
                .next()
                .unwrap()
                .contains(",lower95,median,upper95"),
            "{est}"
        );
        assert!(est.contains("formation.covariate_similarity"));
        check_fit_files(method, &dir);
        // The calibrated scenario runs.
        let run = wecare_output(&[
            "run",
            dir.join("calibrated.toml").to_str().unwrap(),
            "--replicates",
            "3",
            "--out",
            tmp.path().join("runs").to_str().unwrap(),
            "--quiet",
        ]);
        assert_success(&run);
        // It carries the point estimate of every parameter, period offsets included.
        let cal = Scenario::load(&dir.join("calibrated.toml"))
            .unwrap()
            .params();
        let carried = point_estimate(method, &dir);
        assert_eq!(carried.len(), 7);
        for (key, value) in &carried {
            assert_eq!(
                wecare::calibrate::parameters::get(&cal, key),
                Some(*value),
                "{method}: {key}"
            );
        }
        assert_eq!(carried[0].0, "formation.base.programme");
        assert_eq!(cal.formation.base.programme, carried[0].1);
        assert_eq!(
            cal.dissolution.effect_period_offset["embedded"],
            [0.0, carried[6].1]
        );
        let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
        assert!(manifest.contains("\"simulations_per_second\""));
        // The recorded scenario names the method used, not the file's default.
        let used = Scenario::load(&dir.join("scenario.toml")).unwrap();
        assert_eq!(used.calibration.method.name(), method);
    }
}

/// The point estimate a calibration carries into `calibrated.toml`, by parameter: SMM's
/// estimates, or the summary of the posterior that `point_estimates.csv` marks as chosen.
fn point_estimate(method: &str, dir: &Path) -> Vec<(String, f64)> {
    if method == "smm" {
        let mut r = csv::Reader::from_path(dir.join("estimates.csv")).unwrap();
        return r
            .records()
            .map(|x| {
                let x = x.unwrap();
                (x[0].to_string(), x[2].parse().unwrap())
            })
            .collect();
    }
    let mut r = csv::Reader::from_path(dir.join("point_estimates.csv")).unwrap();
    let header = r.headers().unwrap().clone();
    let chosen: Vec<csv::StringRecord> = r
        .records()
        .map(|x| x.unwrap())
        .filter(|x| &x[1] == "true")
        .collect();
    assert_eq!(chosen.len(), 1);
    header
        .iter()
        .zip(chosen[0].iter())
        .skip(5)
        .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
        .collect()
}

#[test]
fn an_interrupted_calibration_resumes_to_the_same_results() {
    let tmp = tempfile::tempdir().unwrap();
    let (short, _) = small_s50(tmp.path(), 1);
    let (_, file) = small_s50(tmp.path(), 2);
    // An interrupted calibration: its directory still has the temporary name, with the
    // checkpoint after generation 1.
    let partial = interrupted(tmp.path(), &short);
    let parent = partial.parent().unwrap().to_path_buf();
    let out = wecare_output(&[
        "calibrate",
        file.to_str().unwrap(),
        "--resume",
        partial.to_str().unwrap(),
        "--quiet",
    ]);
    assert_success(&out);
    assert!(!partial.exists());
    let resumed = parent.join("20260101-000000");
    let straight_root = tmp.path().join("b");
    assert_success(&wecare_output(&[
        "calibrate",
        file.to_str().unwrap(),
        "--out",
        straight_root.to_str().unwrap(),
        "--threads",
        "2",
        "--quiet",
    ]));
    let straight = only_dir(&straight_root.join("calibrate/s50-abc"));
    same_files(&resumed, &straight, &CALIBRATION_RESULTS);
    // The resumed manifest says so and covers the whole calibration: its simulations are
    // those of the uninterrupted one, over two sessions.
    let manifest = |d: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(d.join("manifest.json")).unwrap()).unwrap()
    };
    let (r, st) = (manifest(&resumed), manifest(&straight));
    assert_eq!(r["resumed"], true);
    assert_eq!(st["resumed"], false);
    assert_eq!(r["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(st["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(r["simulations"], st["simulations"]);
    assert_eq!(r["total_simulations"], st["total_simulations"]);
    assert_eq!(r["started_utc"], r["sessions"][0]["started_utc"]);
    // The lock file is gone from the finished directory and from its file list.
    assert!(!resumed.join("calibration.lock").exists());
    assert!(!r["files"].to_string().contains("lock"));
    // A finished calibration is never resumed (nor changed), and says it cannot be extended.
    let again = wecare_output(&[
        "calibrate",
        file.to_str().unwrap(),
        "--resume",
        resumed.to_str().unwrap(),
    ]);
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("never changed"), "{err}");
    assert!(err.contains("cannot be resumed or extended"), "{err}");
}

/// An unfinished ABC calibration of the small scenario `short` (its generations done), in
/// `<tmp>/a/calibrate/s50-abc/.20260101-000000.partial`; returns that directory.
fn interrupted(tmp: &Path, short: &Scenario) -> PathBuf {
    let partial = tmp.join("a/calibrate/s50-abc/.20260101-000000.partial");
    std::fs::create_dir_all(&partial).unwrap();
    let p = Problem::from_scenario(short).unwrap();
    Executor::new(
        AbcSmc {
            settings: short.calibration.abc.clone(),
        },
        &p,
        short.montecarlo.seed,
        1,
    )
    .checkpoints(partial.clone(), false)
    .run()
    .unwrap();
    partial
}

/// Resuming with another `--method` than the calibration started with is a clear error, and
/// changes nothing.
#[test]
fn a_resume_with_another_method_says_which_one_to_use() {
    let tmp = tempfile::tempdir().unwrap();
    let (short, _) = small_s50(tmp.path(), 1);
    let (_, file) = small_s50(tmp.path(), 2);
    let partial = interrupted(tmp.path(), &short);
    let before = std::fs::read(partial.join("checkpoint.json")).unwrap();
    let out = wecare_output(&[
        "calibrate",
        file.to_str().unwrap(),
        "--resume",
        partial.to_str().unwrap(),
        "--method",
        "smm",
        "--quiet",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("started with --method abc") && err.contains("not with --method smm"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(partial.join("checkpoint.json")).unwrap(),
        before
    );
}

/// While one `wecare calibrate` writes a directory (its lock names a running process), a resume
/// of the same directory refuses to run; a lock left by a process that has ended is taken over.
#[test]
fn two_resumes_of_one_directory_cannot_run_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let (short, _) = small_s50(tmp.path(), 1);
    let (_, file) = small_s50(tmp.path(), 2);
    let partial = interrupted(tmp.path(), &short);
    let lock = partial.join("calibration.lock");
    // This test's own process stands for the running calibration.
    std::fs::write(&lock, format!("{}\n", std::process::id())).unwrap();
    let resume = || {
        wecare_output(&[
            "calibrate",
            file.to_str().unwrap(),
            "--resume",
            partial.to_str().unwrap(),
            "--quiet",
        ])
    };
    let out = resume();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is writing this calibration now"), "{err}");
    assert!(
        err.contains(&format!("process {}", std::process::id())),
        "{err}"
    );
    assert!(partial.join("checkpoint.json").is_file());
    // A lock of a process that has ended (killed, or stopped by Ctrl-C) is stale.
    let mut ended = Command::new("true").spawn().unwrap();
    ended.wait().unwrap();
    std::fs::write(&lock, format!("{}\n", ended.id())).unwrap();
    assert_success(&resume());
    assert!(!partial.exists());
}

/// The hint printed when a calibration starts names the scenario file: the command resumes it
/// as printed.
#[test]
fn the_resume_hint_is_a_complete_command() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, file) = small_s50(tmp.path(), 1);
    let out = wecare_output(&[
        "calibrate",
        file.to_str().unwrap(),
        "--out",
        tmp.path().join("r").to_str().unwrap(),
    ]);
    assert_success(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    let expected = format!("`wecare calibrate {} --resume ", file.display());
    assert!(err.contains(&expected), "{err}");
}

/// A scenario naming its data by absolute paths is the same calibration as one naming them
/// relative to itself: a checkpoint of one resumes with the other.
#[test]
fn absolute_and_relative_data_paths_are_the_same_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    for f in [
        "organisations.csv",
        "ties.csv",
        "wave1.csv",
        "wave2.csv",
        "wave3.csv",
    ] {
        std::fs::copy(root.join("scenarios/data/s50").join(f), data.join(f)).unwrap();
    }
    let text = std::fs::read_to_string(root.join("scenarios/s50.toml"))
        .unwrap()
        .replace("data/s50/", "data/");
    let relative = tmp.path().join("relative.toml");
    std::fs::write(&relative, &text).unwrap();
    let absolute = tmp.path().join("absolute.toml");
    let abs = format!("{}/", data.display());
    std::fs::write(&absolute, text.replace("\"data/", &format!("\"{abs}"))).unwrap();
    assert!(std::fs::read_to_string(&absolute).unwrap().contains(&abs));
    let fp = |f: &Path| {
        Problem::from_scenario(&Scenario::load(f).unwrap())
            .unwrap()
            .fingerprint()
    };
    assert_eq!(fp(&relative), fp(&absolute));
    // Other observed data are another scenario.
    let other = tmp.path().join("other.toml");
    std::fs::write(&other, text.replace("data/wave3.csv", "data/wave2.csv")).unwrap();
    assert_ne!(fp(&relative), fp(&other));
}

/// Writes `s` as `<name>.toml` into `dir`, calibrates it by `method` below `dir/results` and
/// checks that it ends flagged as not a fit (exit status 3); its output and directory.
fn calibrate_unfit(dir: &Path, s: &Scenario, name: &str, method: &str) -> (Output, PathBuf) {
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, s.with_resolved_paths().to_toml()).unwrap();
    let out_root = dir.join("results");
    let out = calibrate_quietly(&file, method, &out_root);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let run = only_dir(&out_root.join("calibrate").join(format!("s50-{method}")));
    (out, run)
}

/// A fit whose moments have no solution inside the prior box (closure held at or below 0, while
/// s50 needs about 3.5) ends without converging: exit status 3, every output flagged, and
/// advice naming the parameter at its bound.
#[test]
fn an_unconverged_fit_is_flagged_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut s, _) = small_s50(tmp.path(), 1);
    let closure = s
        .calibration
        .parameters
        .iter_mut()
        .find(|p| p.key == "formation.closure")
        .unwrap();
    closure.min = Some(-1.0);
    closure.max = Some(0.0);
    closure.start = Some(-0.5);
    // The search held inside the prior box; the fit ends after its starts.
    s.calibration.smm.widen = 0.0;
    s.calibration.smm.continuations = 0;
    let (out, dir) = calibrate_unfit(tmp.path(), &s, "s50-boxed", "smm");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did not converge"), "{stderr}");
    // Closure cannot reach the data's 3.5, so other parameters go to their bounds to make up
    // for it (formation base and activity at this seed, without continuations).
    assert!(stderr.contains("at the bound of the search"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("NOT CONVERGED"), "{stdout}");
    assert!(stdout.contains("none (not converged)"), "{stdout}");
    let est = std::fs::read_to_string(dir.join("estimates.csv")).unwrap();
    let mut lines = est.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .ends_with(",se,lower95,median,upper95,converged,prior_bound"),
        "{est}"
    );
    for line in lines {
        // The last six fields (the prior, before them, may hold a quoted comma).
        let f: Vec<&str> = line.rsplitn(7, ',').collect();
        let (converged, upper, lower) = (f[1], f[2], f[4]);
        assert_eq!(converged, "false", "{est}");
        // No interval is claimed around an estimate that is not a root of the moments.
        assert_eq!((lower, upper), ("NaN", "NaN"), "{est}");
    }
    let cal = std::fs::read_to_string(dir.join("calibrated.toml")).unwrap();
    assert!(cal.starts_with("# WARNING: NOT CONVERGED"), "{cal}");
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"converged\": false"), "{manifest}");
}

/// `wecare validate` reads the observed wave files: a missing one, or fewer files than waves,
/// is an error naming the file or the field.
#[test]
fn validate_checks_the_observed_wave_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (s, file) = small_s50(tmp.path(), 1);
    let out = wecare_output(&["validate", file.to_str().unwrap()]);
    assert_success(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 observed wave file(s)"));
    let mut two = s.clone();
    two.calibration.observed.pop();
    let f2 = tmp.path().join("two.toml");
    std::fs::write(&f2, two.with_resolved_paths().to_toml()).unwrap();
    let out = wecare_output(&["validate", f2.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("calibration.observed: 2 wave file(s) for 3 wave(s)"),
        "{err}"
    );
    let mut missing = s.clone();
    missing.calibration.observed[2] = tmp.path().join("nowhere.csv");
    let f3 = tmp.path().join("missing.toml");
    std::fs::write(&f3, missing.with_resolved_paths().to_toml()).unwrap();
    let out = wecare_output(&["validate", f3.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nowhere.csv"), "{err}");
}

/// An ABC-SMC calibration whose budget runs out in the first generation after the prior sample
/// ends with the prior sample as its posterior: it is flagged as not a fit everywhere, with
/// exit status 3 (as an unconverged method-of-moments fit) and advice naming the budget.
#[test]
fn an_abc_posterior_that_is_the_prior_is_flagged_as_not_a_fit() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut s, _) = small_s50(tmp.path(), 3);
    s.calibration.abc.particles = 30;
    s.calibration.abc.max_simulations = 40;
    s.calibration.predictive_draws = 10;
    let (out, dir) = calibrate_unfit(tmp.path(), &s, "s50-starved", "abc");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the posterior is the prior sample"),
        "{stderr}"
    );
    assert!(
        stderr.contains("raise calibration.abc.max_simulations"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("NOT A FIT"), "{stdout}");
    let est = std::fs::read_to_string(dir.join("estimates.csv")).unwrap();
    let mut lines = est.lines();
    assert!(
        lines.next().unwrap().ends_with(",converged,prior_bound"),
        "{est}"
    );
    for line in lines {
        assert_eq!(line.rsplit(',').nth(1), Some("false"), "{est}");
    }
    let cal = std::fs::read_to_string(dir.join("calibrated.toml")).unwrap();
    assert!(cal.starts_with("# WARNING: NOT A FIT"), "{cal}");
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"converged\": false"), "{manifest}");
    assert!(manifest.contains("\"not_a_fit\""), "{manifest}");
}
