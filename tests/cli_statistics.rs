//! `--statistics` on `wecare stats` and the experiment commands: the same list syntax as
//! `wecare run --statistics`, only the named statistics observed, and names that match no
//! statistic refused with an error naming the entry, before any work and without output.

mod report_common;
use report_common::{root, wecare_at_root, write_sweep, wrote};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The statistic names of `wecare stats` output (`scope,statistic,value` rows).
fn names(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().to_string())
        .collect()
}

#[test]
fn stats_reports_the_selected_statistics_only() {
    let g = root().join("tests/fixtures/data/graphml/networkx.graphml");
    let g = g.to_str().unwrap();
    let all = wecare_at_root(&["stats", g]);
    assert!(all.status.success(), "{}", stderr(&all));
    let o = wecare_at_root(&["stats", g, "--statistics", "ties, density,sc_index*"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got = names(&o.stdout);
    let expected: Vec<String> = names(&all.stdout)
        .into_iter()
        .filter(|n| n == "ties" || n == "density" || n.starts_with("sc_index"))
        .collect();
    assert_eq!(got, expected);
    assert!(
        got.contains(&"sc_index.third_sector".to_string()),
        "{got:?}"
    );
    // Each selected row has the value of the full output.
    let all_text = String::from_utf8_lossy(&all.stdout).into_owned();
    for line in String::from_utf8_lossy(&o.stdout).lines().skip(1) {
        assert!(all_text.lines().any(|l| l == line), "{line}");
    }
    // `all` is the default, and `!` leaves statistics out.
    let every = wecare_at_root(&["stats", g, "--statistics", "all"]);
    assert_eq!(every.stdout, all.stdout);
    let most = wecare_at_root(&["stats", g, "--statistics", "*,!betweenness_centralization"]);
    let most = names(&most.stdout);
    assert!(!most.contains(&"betweenness_centralization".to_string()));
    assert_eq!(most.len() + 1, names(&all.stdout).len());
}

#[test]
fn stats_refuses_names_of_no_statistic() {
    let g = root().join("tests/fixtures/data/graphml/networkx.graphml");
    let o = wecare_at_root(&[
        "stats",
        g.to_str().unwrap(),
        "--statistics",
        "ties,tiez,sc_nothing*",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let err = stderr(&o);
    assert!(
        err.contains("--statistics[1]: `tiez` names no statistic"),
        "{err}"
    );
    assert!(err.contains("--statistics[2]: `sc_nothing*`"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn experiments_refuse_names_of_no_statistic_naming_the_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = write_sweep(tmp.path());
    let sw = sweep.to_str().unwrap();
    let out = tmp.path().join("out");
    let out = out.to_str().unwrap();
    let cases: [Vec<&str>; 3] = [
        vec!["sweep", sw],
        vec!["sensitivity", sw],
        vec!["compare", "--designs", "scenarios/designs/designs.toml"],
    ];
    for mut args in cases {
        args.extend(["--statistics", "ties,tiez", "--quiet", "--out", out]);
        let o = wecare_at_root(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.contains("`observation.statistics[1]`"),
            "{args:?}: {err}"
        );
        assert!(err.contains("`tiez` names no statistic"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!std::path::Path::new(out).exists(), "{args:?} wrote output");
    }
    // With --from the recorded command runs as it was: the flag is refused.
    let o = wecare_at_root(&["sweep", "--from", out, "--statistics", "ties"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--statistics cannot be used with --from"));
}

#[test]
fn a_sweep_observes_the_selected_statistics() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = write_sweep(tmp.path());
    let sw = sweep.to_str().unwrap();
    // The sweep's outputs (ties@3, initiative_share@3) observed and nothing else: the same
    // grid as with every statistic observed.
    let run = |dir: &str, extra: &[&str]| {
        let out = tmp.path().join(dir);
        let mut args = vec!["sweep", sw, "--quiet", "--out", out.to_str().unwrap()];
        args.extend(extra);
        let o = wecare_at_root(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let d = wrote(&String::from_utf8_lossy(&o.stdout));
        std::fs::read(d.join("point_replicates.csv")).unwrap()
    };
    let every = run("all", &[]);
    let some = run("some", &["--statistics", "ties,initiative_share"]);
    assert_eq!(some, every);
    // An output that is not observed is refused by name.
    let out = tmp.path().join("missing");
    let o = wecare_at_root(&[
        "sweep",
        sw,
        "--statistics",
        "ties",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("`initiative_share` is not among the observed statistics"),
        "{err}"
    );
}
