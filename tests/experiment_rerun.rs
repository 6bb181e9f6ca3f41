//! Every experiment directory records how it was made (`manifest.json`: command, engine,
//! seed, resolved scenarios, checksums of inputs and outputs) and `--from` runs it again bit
//! for bit.

mod report_common;
use report_common::{
    SMALL_COMPARE, SWEEP, ok, root, same_calibration, small_calibration, small_hypotheses,
    wecare_at_root, write_sweep, wrote,
};

#[test]
fn experiments_are_recorded_and_rerun_bit_for_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = write_sweep(tmp.path());
    let sw = sweep.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        SMALL_COMPARE.to_vec(),
        vec!["sweep", sw],
        vec!["sensitivity", sw, "--method", "morris"],
        small_hypotheses("q2,mechanisms"),
    ];
    for (i, args) in cases.into_iter().enumerate() {
        let first = tmp.path().join(format!("first-{i}"));
        let again = tmp.path().join(format!("again-{i}"));
        let mut a = args.clone();
        a.extend(["--quiet", "--out", first.to_str().unwrap()]);
        let d1 = wrote(&ok(&a));
        let text = std::fs::read_to_string(d1.join("manifest.json")).unwrap();
        let m: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(m["kind"], args[0], "{text}");
        assert_eq!(m["command"][0], args[0], "{text}");
        assert!(m["engine"]["git_commit"].is_string(), "{text}");
        assert!(m["seed"].is_u64(), "{text}");
        assert!(!m["inputs"].as_array().unwrap().is_empty(), "{text}");
        assert!(d1.join("scenario-1.toml").exists());
        // Every output is listed with the checksum of its bytes.
        let outputs = m["outputs"].as_array().unwrap();
        assert!(!outputs.is_empty());
        for o in outputs {
            let p = d1.join(o["path"].as_str().unwrap());
            let bytes = std::fs::read(&p).unwrap();
            assert_eq!(
                o["bytes"].as_u64().unwrap(),
                bytes.len() as u64,
                "{}",
                p.display()
            );
        }
        let d2 = wrote(&ok(&[
            args[0],
            "--from",
            d1.to_str().unwrap(),
            "--quiet",
            "--out",
            again.to_str().unwrap(),
        ]));
        assert_ne!(d1, d2);
        let m2: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d2.join("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(
            m["outputs"], m2["outputs"],
            "{args:?}: outputs differ on --from"
        );
        assert_eq!(m["command"], m2["command"]);
    }
}

#[test]
fn a_changed_input_stops_the_rerun() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let src = root().join("scenarios/data/wecare-measure1");
    std::fs::create_dir(data.join("wecare-measure1")).unwrap();
    for f in std::fs::read_dir(&src).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(
            &f,
            data.join("wecare-measure1").join(f.file_name().unwrap()),
        )
        .unwrap();
    }
    let sweep = tmp.path().join("sweep.toml");
    std::fs::write(&sweep, SWEEP).unwrap();
    let out = tmp.path().join("o");
    let d = wrote(&ok(&[
        "sweep",
        sweep.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]));
    let ties = data.join("wecare-measure1/ties.csv");
    let mut t = std::fs::read_to_string(&ties).unwrap();
    t.push('\n');
    std::fs::write(&ties, t).unwrap();
    let r = wecare_at_root(&["sweep", "--from", d.to_str().unwrap(), "--quiet"]);
    assert!(!r.status.success());
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("ties.csv") && err.contains("changed"), "{err}");
}

#[test]
fn a_calibration_is_recorded_and_reruns_bit_for_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let file = small_calibration(tmp.path());
    let first = tmp.path().join("first");
    // Off a terminal, progress within each generation goes to the log.
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_wecare"))
        .args([
            "calibrate",
            file.to_str().unwrap(),
            "--threads",
            "2",
            "--out",
            first.to_str().unwrap(),
        ])
        .env("WECARE_PROGRESS_SECONDS", "0")
        .current_dir(root())
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("wecare: abc generation 0: 100 to do"), "{err}");
    assert!(
        err.contains("wecare: abc generation 0: 100/100 (100%)"),
        "{err}"
    );
    assert!(
        err.contains("wecare: abc generation 2: ") && err.contains("ETA"),
        "{err}"
    );
    let d1 = wrote(&String::from_utf8_lossy(&r.stdout));
    let text = std::fs::read_to_string(d1.join("manifest.json")).unwrap();
    let m: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(m["command"][0], "calibrate", "{text}");
    assert!(m["git_commit"].is_string(), "{text}");
    assert!(m["seed"].is_u64(), "{text}");
    // The data and the three observed waves.
    let inputs = m["inputs"].as_array().unwrap();
    assert_eq!(
        inputs
            .iter()
            .filter(|i| i["role"].as_str().unwrap().starts_with("observed wave"))
            .count(),
        3,
        "{text}"
    );
    for o in m["outputs"].as_array().unwrap() {
        let bytes = std::fs::read(d1.join(o["path"].as_str().unwrap())).unwrap();
        assert_eq!(o["bytes"].as_u64().unwrap(), bytes.len() as u64, "{o}");
    }
    let again = tmp.path().join("again");
    let d2 = wrote(&ok(&[
        "calibrate",
        "--from",
        d1.to_str().unwrap(),
        "--quiet",
        "--threads",
        "1",
        "--out",
        again.to_str().unwrap(),
    ]));
    assert_ne!(d1, d2);
    same_calibration(&d1, &d2);
    // Without --out, below the recorded results root.
    let d3 = wrote(&ok(&[
        "calibrate",
        "--from",
        d1.join("manifest.json").to_str().unwrap(),
        "--quiet",
    ]));
    assert_eq!(d3.parent(), d1.parent());
    same_calibration(&d1, &d3);
}

/// `calibrate --from` refuses to run when an input differs from its recorded checksum: once for
/// an input of the data set and once for an observed wave, each named in the error, and no new
/// calibration directory is left behind.
#[test]
fn a_changed_input_stops_a_calibration_rerun() {
    let tmp = tempfile::tempdir().unwrap();
    // Copies of the s50 files (not the links of `small_calibration`), so they can be edited.
    let data = tmp.path().join("data/s50");
    std::fs::create_dir_all(&data).unwrap();
    for f in std::fs::read_dir(root().join("scenarios/data/s50")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, data.join(f.file_name().unwrap())).unwrap();
    }
    let file = small_calibration(tmp.path());
    let out = tmp.path().join("o");
    let d = wrote(&ok(&[
        "calibrate",
        file.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]));
    let calibrations = |root: &std::path::Path| {
        std::fs::read_dir(root.join("calibrate"))
            .unwrap()
            .flat_map(|e| std::fs::read_dir(e.unwrap().path()).unwrap())
            .count()
    };
    assert_eq!(calibrations(&out), 1);
    for changed in ["ties.csv", "wave2.csv"] {
        let path = data.join(changed);
        let before = std::fs::read(&path).unwrap();
        let mut edited = before.clone();
        edited.push(b'\n');
        std::fs::write(&path, &edited).unwrap();
        let r = wecare_at_root(&["calibrate", "--from", d.to_str().unwrap(), "--quiet"]);
        assert!(!r.status.success(), "{changed}: the re-run went ahead");
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(
            err.contains(changed) && err.contains("has changed since the calibration"),
            "{changed}: {err}"
        );
        assert_eq!(calibrations(&out), 1, "{changed}: a directory was written");
        std::fs::write(&path, before).unwrap();
    }
    // With the inputs as they were, the re-run goes ahead.
    let again = wrote(&ok(&[
        "calibrate",
        "--from",
        d.to_str().unwrap(),
        "--quiet",
    ]));
    assert_ne!(again, d);
}
