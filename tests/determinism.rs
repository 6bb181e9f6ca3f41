//! The same scenario and seed give bit-identical output files with 1 and with 2 threads.

mod report_common;

use report_common::{default_scenario, wecare};
use std::path::{Path, PathBuf};

fn run(out: &Path, threads: u32) -> PathBuf {
    wecare(&[
        "run",
        "--replicates",
        "40",
        "--seed",
        "7",
        "--quiet",
        "--threads",
        &threads.to_string(),
        "--out",
        out.to_str().unwrap(),
        default_scenario().to_str().unwrap(),
    ]);
    let dir = out.join("wecare-measure1");
    let mut runs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        runs.len(),
        1,
        "exactly one complete run directory: {runs:?}"
    );
    runs.pop().unwrap()
}

#[test]
fn one_and_two_threads_write_identical_files() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ra, rb) = (run(a.path(), 1), run(b.path(), 2));
    let (x, y) = (
        std::fs::read(ra.join("replicates.csv")).unwrap(),
        std::fs::read(rb.join("replicates.csv")).unwrap(),
    );
    assert!(x == y, "replicates.csv differs between 1 and 2 threads");
    // The resolved scenarios differ only in the thread count and output root they record.
    let strip = |p: PathBuf| {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("threads =") && !l.starts_with("dir ="))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(ra.join("scenario.toml")),
        strip(rb.join("scenario.toml"))
    );
    let rows = std::fs::read_to_string(ra.join("replicates.csv")).unwrap();
    assert!(rows.starts_with("replicate,wave,step,scope,statistic,value\n"));
    assert!(rows.lines().count() > 40 * 3 * 10);
}

#[test]
fn a_second_run_never_overwrites_the_first() {
    let out = tempfile::tempdir().unwrap();
    let first = run(out.path(), 2);
    let before = std::fs::read(first.join("replicates.csv")).unwrap();
    // `wecare` checks that the second run succeeds.
    wecare(&[
        "run",
        "--replicates",
        "5",
        "--quiet",
        "--out",
        out.path().to_str().unwrap(),
        default_scenario().to_str().unwrap(),
    ]);
    let dirs = std::fs::read_dir(out.path().join("wecare-measure1"))
        .unwrap()
        .count();
    assert_eq!(dirs, 2);
    assert_eq!(std::fs::read(first.join("replicates.csv")).unwrap(), before);
}
