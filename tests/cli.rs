//! Whole-program behaviour of the smaller commands.

mod report_common;
use report_common::{root, wecare_output};

#[test]
fn defaults_prints_a_valid_scenario() {
    let out = wecare_output(&["defaults"]);
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("defaults.toml");
    std::fs::write(&file, &out.stdout).unwrap();
    // Saved anywhere (here a fresh temporary directory with no data beside it), the printed
    // scenario validates: it names the shipped data set by absolute path.
    let v = wecare_output(&["validate", file.to_str().unwrap()]);
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
    let v = wecare_output(&[
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
    let made = wecare_output(&args);
    assert!(made.status.success());
    // A scenario to run the new data set is written beside it, and validates as it is.
    let scenario = out.join("scenario.toml");
    let v = wecare_output(&["validate", scenario.to_str().unwrap()]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    assert!(
        String::from_utf8_lossy(&made.stdout).contains("wecare run "),
        "{}",
        String::from_utf8_lossy(&made.stdout)
    );
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
    let again = wecare_output(&args);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let mut forced = args.to_vec();
    forced.push("--force");
    assert!(wecare_output(&forced).status.success());
}

#[test]
fn unknown_preset_and_bad_flags_fail_cleanly() {
    let o = wecare_output(&[
        "generate",
        "--preset",
        "atlantis",
        "--out",
        "/tmp/never-written",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown preset `atlantis`"));
    let o = wecare_output(&["run"]);
    assert_eq!(o.status.code(), Some(2));
    let o = wecare_output(&[
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
    let o = wecare_output(&["stats", s50.to_str().unwrap(), "--symmetrise"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.starts_with("scope,statistic,value\n"));
    // The s50 README: 74 undirected ties at wave 1.
    assert!(text.contains("network,ties,74\n"), "{text}");
    // Without --organisations every organisation would be of kind `other`: the by-kind,
    // by-territory, origin and adoption rows would be artefacts, so they are left out.
    assert!(text.contains("network,organisations,"), "{text}");
    for absent in [
        "organisations.firm",
        "ties_touching_share.",
        "cross_kind_tie_share",
        "adoption_share",
        "sc_index.other",
    ] {
        assert!(!text.contains(absent), "{absent} in {text}");
    }
    assert!(String::from_utf8_lossy(&o.stderr).contains("--organisations"));
    let g = root().join("tests/fixtures/data/graphml/networkx.graphml");
    let o = wecare_output(&["stats", g.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = wecare_output(&["stats", "/nonexistent.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent.csv"));
}

#[test]
fn version_names_the_commit() {
    let out = wecare_output(&["--version"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!("wecare {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    // A 40-hex-digit hash (possibly `-dirty`) or `unknown` outside a git checkout.
    let commit = text
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_end_matches(')');
    let hash = commit.trim_end_matches("-dirty");
    assert!(
        commit == "unknown" || (hash.len() == 40 && hash.chars().all(|c| c.is_ascii_hexdigit())),
        "{text}"
    );
}

#[test]
fn stats_reads_the_engines_own_ties_file_without_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let ties = dir.path().join("wave-1-ties.csv");
    std::fs::write(
        &ties,
        "from,to,trust,origin\na,b,0.5,baseline\nb,c,0.1,programme\n",
    )
    .unwrap();
    let o = wecare_output(&["stats", ties.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("warning"), "{err}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("network,ties,2\n"));
}
