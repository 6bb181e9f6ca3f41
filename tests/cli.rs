//! Whole-program behaviour of the smaller commands.

use std::path::Path;
use std::process::{Command, Output};

fn wecare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wecare"))
        .args(args)
        .output()
        .unwrap()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn defaults_prints_a_valid_scenario() {
    let out = wecare(&["defaults"]);
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("defaults.toml");
    std::fs::write(&file, &out.stdout).unwrap();
    // The defaults name the default data set relative to the scenario file.
    std::os::unix::fs::symlink(root().join("scenarios/data"), dir.path().join("data")).unwrap();
    let v = wecare(&["validate", file.to_str().unwrap()]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for section in [
        "[formation]",
        "[dissolution]",
        "[funding]",
        "[rules]",
        "[montecarlo]",
    ] {
        assert!(text.contains(section), "{section} missing");
    }
}

#[test]
fn default_scenario_validates() {
    let v = wecare(&[
        "validate",
        root()
            .join("scenarios/wecare-measure1.toml")
            .to_str()
            .unwrap(),
    ]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    let msg = String::from_utf8_lossy(&v.stdout);
    assert!(msg.contains("377 organisations (197 active)"), "{msg}");
}

#[test]
fn generate_reproduces_the_committed_data_set_and_never_overwrites_silently() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d");
    let args = [
        "generate",
        "--preset",
        "wecare-measure1",
        "--seed",
        "20170101",
        "--out",
        out.to_str().unwrap(),
    ];
    assert!(wecare(&args).status.success());
    for f in [
        "organisations.csv",
        "ties.csv",
        "history.csv",
        "projects.csv",
    ] {
        let a = std::fs::read(out.join(f)).unwrap();
        let b = std::fs::read(root().join("scenarios/data/wecare-measure1").join(f)).unwrap();
        assert!(a == b, "{f} differs from the committed data set");
    }
    let again = wecare(&args);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let mut forced = args.to_vec();
    forced.push("--force");
    assert!(wecare(&forced).status.success());
}

#[test]
fn unknown_preset_and_bad_flags_fail_cleanly() {
    let o = wecare(&[
        "generate",
        "--preset",
        "atlantis",
        "--out",
        "/tmp/never-written",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown preset `atlantis`"));
    let o = wecare(&["run"]);
    assert_eq!(o.status.code(), Some(2));
    let o = wecare(&[
        "run",
        root()
            .join("scenarios/wecare-measure1.toml")
            .to_str()
            .unwrap(),
        "--replicates",
        "0",
    ]);
    // A command-line value out of range is refused by the argument parser (exit 2), by name.
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--replicates"));
}

#[test]
fn stats_of_an_edge_list_and_of_a_graphml_file() {
    let s50 = root().join("tests/fixtures/data/s50/wave1.csv");
    let o = wecare(&["stats", s50.to_str().unwrap(), "--symmetrise"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.starts_with("scope,statistic,value\n"));
    // The s50 README: 74 undirected ties at wave 1.
    assert!(text.contains("network,ties,74\n"), "{text}");
    let g = root().join("tests/fixtures/data/graphml/networkx.graphml");
    let o = wecare(&["stats", g.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = wecare(&["stats", "/nonexistent.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent.csv"));
}
