//! A run directory re-runs bit for bit from its manifest, and refuses to when its inputs have
//! changed.

mod report_common;
use report_common::*;

#[test]
fn manifest_rerun_gives_identical_records() {
    let out = tempfile::tempdir().unwrap();
    let a = run_default(
        out.path(),
        &["--replicates", "30", "--seed", "11", "--networks", "0,7"],
    );
    assert_complete(&a);
    let m = manifest(&a);
    assert_eq!(m["format"], "wecare-run/1");
    assert_eq!(m["master_seed"], 11);
    assert_eq!(m["replicates"], 30);
    assert!(!m["engine"]["git_commit"].as_str().unwrap().is_empty());
    assert_eq!(m["networks"], serde_json::json!([0, 7]));
    assert_eq!(
        m["scenario"]["sha256"].as_str().unwrap(),
        sha256(&a.join("scenario.toml"))
    );
    // The manifest records every input with its checksum.
    let inputs = m["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 4);
    for f in inputs {
        let p = std::path::Path::new(f["path"].as_str().unwrap());
        assert!(p.is_absolute());
        assert_eq!(sha256(p), f["sha256"].as_str().unwrap());
    }

    // From the manifest file, and from the directory.
    let manifest_path = a.join("manifest.json");
    let b = run_default(out.path(), &["--from", manifest_path.to_str().unwrap()]);
    let c = run_default(
        out.path(),
        &["--from", a.to_str().unwrap(), "--threads", "1"],
    );
    for other in [&b, &c] {
        assert_complete(other);
        assert!(
            std::fs::read(a.join("replicates.csv")).unwrap()
                == std::fs::read(other.join("replicates.csv")).unwrap(),
            "replicates.csv differs after a re-run"
        );
        // Every recorded file (summaries, targets, networks) is identical too; the scenario
        // differs at most in the thread count it records.
        let files = |d: &std::path::Path| {
            let mut f = manifest(d)["files"].as_array().unwrap().clone();
            f.retain(|x| x["path"] != "scenario.toml");
            f
        };
        assert_eq!(files(&a), files(other));
        let strip = |d: &std::path::Path| {
            std::fs::read_to_string(d.join("scenario.toml"))
                .unwrap()
                .lines()
                .filter(|l| !l.starts_with("threads ="))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(strip(&a), strip(other));
    }
    assert_eq!(
        sha256(&a.join("scenario.toml")),
        sha256(&b.join("scenario.toml"))
    );
}

#[test]
fn rerun_refuses_changed_inputs() {
    let out = tempfile::tempdir().unwrap();
    let data = out.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let src = root().join("scenarios/data/wecare-measure1");
    for f in ["organisations", "ties", "history", "projects"] {
        std::fs::copy(src.join(format!("{f}.csv")), data.join(format!("{f}.csv"))).unwrap();
    }
    let scenario = out.path().join("s.toml");
    std::fs::write(
        &scenario,
        "[scenario]\nname = \"copy\"\n[data]\norganisations = \"data/organisations.csv\"\n\
         ties = \"data/ties.csv\"\nhistory = \"data/history.csv\"\nprojects = \"data/projects.csv\"\n\
         [montecarlo]\nreplicates = 3\n[output]\nreport = false\n",
    )
    .unwrap();
    let res = out.path().join("res");
    wecare(&[
        "run",
        "--quiet",
        "--out",
        res.to_str().unwrap(),
        scenario.to_str().unwrap(),
    ]);
    let run = run_dirs(&res).pop().unwrap();
    assert!(!run.join("report.html").exists());
    let mut ties = std::fs::read_to_string(data.join("ties.csv")).unwrap();
    ties.push('\n');
    std::fs::write(data.join("ties.csv"), ties).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_wecare"))
        .args(["run", "--quiet", "--from"])
        .arg(&run)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("ties.csv") && err.contains("has changed"),
        "{err}"
    );
}
