//! `summary.csv` agrees with a direct computation from `replicates.csv`, and both tables (with
//! `targets.csv` and the network tables) load in pandas with their documented columns.

mod report_common;
use report_common::*;
use std::collections::BTreeMap;
use std::path::Path;

type Key = (usize, String, String);

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rd = csv::Reader::from_path(path).unwrap();
    let head = rd.headers().unwrap().iter().map(String::from).collect();
    let rows = rd
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (head, rows)
}

/// Type-7 quantile (R's default), written out independently of the engine.
fn q7(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn summary_agrees_with_a_direct_computation() {
    let out = tempfile::tempdir().unwrap();
    let dir = run_default(
        out.path(),
        &["--replicates", "40", "--seed", "5", "--no-report"],
    );
    let (head, rows) = read_csv(&dir.join("replicates.csv"));
    assert_eq!(
        head,
        ["replicate", "wave", "step", "scope", "statistic", "value"]
    );
    let mut values: BTreeMap<Key, Vec<f64>> = BTreeMap::new();
    for r in &rows {
        let v: f64 = r[5].parse().unwrap();
        values
            .entry((r[1].parse().unwrap(), r[3].clone(), r[4].clone()))
            .or_default()
            .push(v);
    }
    let (head, summary) = read_csv(&dir.join("summary.csv"));
    assert_eq!(head, wecare::report::summary::SUMMARY_COLUMNS);
    assert_eq!(summary.len(), values.len());
    for s in &summary {
        let key: Key = (s[0].parse().unwrap(), s[2].clone(), s[3].clone());
        let all = &values[&key];
        let mut v: Vec<f64> = all.iter().copied().filter(|x| !x.is_nan()).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let num = |k: usize| s[k].parse::<f64>().unwrap();
        assert_eq!(s[4].parse::<usize>().unwrap(), n, "{key:?}: n");
        if n == 0 {
            continue;
        }
        let mean = v.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 {
            (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            f64::NAN
        };
        let expect = [
            mean,
            sd,
            sd / (n as f64).sqrt(),
            q7(&v, 0.025),
            q7(&v, 0.5),
            q7(&v, 0.975),
            v[0],
            v[n - 1],
        ];
        for (k, e) in expect.iter().enumerate() {
            assert!(
                close(num(5 + k), *e),
                "{key:?}: column {} is {} but direct computation gives {e}",
                head[5 + k],
                num(5 + k)
            );
        }
        // The Monte Carlo standard error is sd / sqrt(n), as written.
        assert!(close(num(7), num(6) / (n as f64).sqrt()));
    }
    // NaN values (none in the default scenario) are left out of n: the unit tests of
    // `report::summary` cover them.
}

#[test]
fn per_territory_statistics_are_summarised_and_written_on_request() {
    let out = tempfile::tempdir().unwrap();
    let dir = run_default(
        out.path(),
        &["--replicates", "6", "--per-territory", "--no-report"],
    );
    let (_, summary) = read_csv(&dir.join("summary.csv"));
    assert!(summary.iter().any(|r| r[2] == "territory:Alba"));
    let (_, reps) = read_csv(&dir.join("replicates.csv"));
    assert!(reps.iter().all(|r| r[3] == "network"));

    // With output.territory_replicates, replicates.csv has them too.
    let scenario = out.path().join("all.toml");
    let text = std::fs::read_to_string(default_scenario())
        .unwrap()
        .replace(
            "\"data/",
            &format!("\"{}/scenarios/data/", root().display()),
        );
    std::fs::write(
        &scenario,
        format!("{text}\n[observation]\nper_territory = true\n[output]\nterritory_replicates = true\nreport = false\nnetworks = []\n"),
    )
    .unwrap();
    wecare(&[
        "run",
        "--quiet",
        "--replicates",
        "2",
        "--out",
        out.path().to_str().unwrap(),
        scenario.to_str().unwrap(),
    ]);
    let newest = run_dirs(out.path()).pop().unwrap();
    let (_, reps) = read_csv(&newest.join("replicates.csv"));
    assert!(reps.iter().any(|r| r[3] == "territory:Alba"));
    assert!(!newest.join("networks").exists());
}

/// Runs the Python check `script` (in `tests/scripts/`) on a run directory made with
/// `run_args`, when `python3` can import `modules`. Skipped (with a message) where it cannot,
/// unless `WECARE_REQUIRE_PANDAS=1` (as in CI, which installs them).
fn python_check(script: &str, modules: &str, run_args: &[&str]) {
    let importable = std::process::Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !importable {
        assert!(
            std::env::var("WECARE_REQUIRE_PANDAS").as_deref() != Ok("1"),
            "{modules} required (WECARE_REQUIRE_PANDAS=1) but `python3 -c 'import {modules}'` fails"
        );
        let pip = modules.replace(", ", " ");
        eprintln!("skipped: python3 with {modules} not found (python3 -m pip install {pip})");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let dir = run_default(out.path(), run_args);
    let o = std::process::Command::new("python3")
        .arg(root().join("tests/scripts").join(script))
        .arg(&dir)
        .output()
        .unwrap();
    assert_success(&o);
}

/// The run tables load in pandas with their documented columns, and `summary.csv` equals
/// pandas' own summary of `replicates.csv` (`tests/scripts/check_tables.py`).
#[test]
fn tables_load_in_pandas() {
    python_check(
        "check_tables.py",
        "pandas",
        &["--replicates", "25", "--seed", "3", "--no-report"],
    );
}

/// The wave GraphML files read in networkx (and python-igraph where installed) as the node
/// and tie tables say (`tests/scripts/check_graphml.py`): two kept replicates over three
/// waves, with organisations that exit.
#[test]
fn wave_graphml_reads_in_networkx() {
    python_check(
        "check_graphml.py",
        "pandas, networkx",
        &[
            "--replicates",
            "4",
            "--seed",
            "5",
            "--networks",
            "0,3",
            "--no-report",
        ],
    );
}
