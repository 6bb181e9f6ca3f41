//! Sharded runs merged with `wecare merge` are byte-identical to the unsharded run, for every
//! ensemble command; shards that do not belong together are refused, naming the shard, and
//! nothing is written.

use std::path::{Path, PathBuf};
use std::process::Command;

mod report_common;
use report_common::{
    SMALL_COMPARE, ok, root, same_calibration, small_calibration, small_hypotheses,
    wecare_at_root as wecare, write_sweep, wrote,
};

/// Every file below `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// Runs `args` unsharded and as `n` shards merged; asserts that both directories hold the same
/// files with the same bytes (except the manifest and report page, which record timings). Returns the
/// shard directories.
fn same_as_unsharded(tmp: &Path, args: &[&str], n: u64) -> Vec<PathBuf> {
    let full = tmp.join("full");
    let mut a: Vec<&str> = args.to_vec();
    let f = full.to_str().unwrap().to_string();
    a.extend(["--quiet", "--out", &f]);
    let full_dir = wrote(&ok(&a));
    let shards_root = tmp.join("shards");
    let s = shards_root.to_str().unwrap().to_string();
    let mut dirs = Vec::new();
    for k in 1..=n {
        let spec = format!("{k}/{n}");
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["--quiet", "--out", &s, "--shard", &spec]);
        dirs.push(wrote(&ok(&a)));
    }
    let merged = tmp.join("merged");
    let mut m = vec!["merge", "--quiet", "--out", merged.to_str().unwrap()];
    // In reverse: the order given does not matter.
    let d: Vec<String> = dirs.iter().rev().map(|d| d.display().to_string()).collect();
    m.extend(d.iter().map(String::as_str));
    let merged_dir = wrote(&ok(&m));
    let (fa, fb) = (files(&full_dir), files(&merged_dir));
    assert_eq!(fa, fb, "{args:?}: different files");
    assert!(!fa.is_empty());
    for rel in fa {
        // These record when, where and how long: they differ between any two runs.
        if rel == Path::new("manifest.json") || rel == Path::new("report.html") {
            continue;
        }
        let (x, y) = (
            std::fs::read(full_dir.join(&rel)).unwrap(),
            std::fs::read(merged_dir.join(&rel)).unwrap(),
        );
        // The resolved scenario names its results root, which differs by construction.
        let x = match String::from_utf8(x) {
            Ok(t) => t.replace(&f, merged.to_str().unwrap()).into_bytes(),
            Err(e) => e.into_bytes(),
        };
        assert!(x == y, "{args:?}: {} differs", rel.display());
    }
    dirs
}

fn sweep_file(tmp: &Path) -> String {
    write_sweep(tmp).display().to_string()
}

#[test]
fn run_shards_merge_to_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let run = [
        "run",
        "scenarios/wecare-measure1.toml",
        "--replicates",
        "40",
        "--networks",
        "0,37",
    ];
    same_as_unsharded(tmp.path(), &run, 4);
}

#[test]
fn experiment_shards_merge_to_the_single_experiment() {
    let cases: Vec<(Vec<&str>, u64)> = vec![
        (SMALL_COMPARE.to_vec(), 3),
        // The re-fitting parts (refit, profiles, Q3's re-fitted nulls) calibrate by ABC and do
        // not shard.
        (small_hypotheses("q1,q2,mechanisms"), 2),
    ];
    for (args, n) in cases {
        let tmp = tempfile::tempdir().unwrap();
        same_as_unsharded(tmp.path(), &args, n);
    }
    for method in ["morris", "sobol"] {
        let tmp = tempfile::tempdir().unwrap();
        let f = sweep_file(tmp.path());
        let args = ["sensitivity", &f, "--method", method, "--replicates", "1"];
        same_as_unsharded(tmp.path(), &args, 3);
    }
    let tmp = tempfile::tempdir().unwrap();
    let f = sweep_file(tmp.path());
    same_as_unsharded(tmp.path(), &["sweep", &f], 3);
}

/// `wecare merge` with `dirs` fails with a message containing every `needles`, and writes
/// nothing.
fn refused(tmp: &Path, dirs: &[&Path], needles: &[&str]) {
    let out = tmp.join("never");
    let mut a = vec!["merge", "--out", out.to_str().unwrap()];
    let d: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    a.extend(d.iter().map(String::as_str));
    let r = wecare(&a);
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(!r.status.success(), "{a:?} succeeded");
    for n in needles {
        assert!(err.contains(n), "{a:?}: `{n}` not in: {err}");
    }
    assert!(!out.exists(), "{a:?} wrote {}", out.display());
}

#[test]
fn shards_that_do_not_belong_together_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let shard = |seed: &str, k: u64, root: &str| -> PathBuf {
        let o = t.join(root);
        wrote(&ok(&[
            "run",
            "scenarios/wecare-measure1.toml",
            "--replicates",
            "6",
            "--no-report",
            "--quiet",
            "--seed",
            seed,
            "--shard",
            &format!("{k}/3"),
            "--out",
            o.to_str().unwrap(),
        ]))
    };
    let (a1, a2, a3) = (shard("1", 1, "a"), shard("1", 2, "a"), shard("1", 3, "a"));
    let b2 = shard("2", 2, "b");
    // The same shard twice, under another name.
    let copy = t.join("copy");
    std::fs::create_dir(&copy).unwrap();
    for f in ["shard.json", "jobs.txt", "values.f64"] {
        std::fs::copy(a2.join(f), copy.join(f)).unwrap();
    }
    refused(t, &[&a1, &a3], &["shard 2/3 missing"]);
    refused(
        t,
        &[&a1, &a2, &copy, &a3],
        &["shard 2/3 given twice", "run-shard-2-of-3", "copy"],
    );
    refused(t, &[&a1, &b2, &a3], &["run-shard-2-of-3", "seed differs"]);
    refused(
        t,
        &[&a1, &a2, &t.join("nowhere")],
        &["nowhere", "not a shard"],
    );
    // A damaged file.
    let mut v = std::fs::read(copy.join("values.f64")).unwrap();
    v[3] ^= 1;
    std::fs::write(copy.join("values.f64"), v).unwrap();
    refused(t, &[&a1, &copy, &a3], &["values.f64", "damaged"]);
    // A shard directory is never replaced.
    let again = wecare(&[
        "run",
        "scenarios/wecare-measure1.toml",
        "--replicates",
        "6",
        "--quiet",
        "--seed",
        "1",
        "--shard",
        "1/3",
        "--out",
        t.join("a").to_str().unwrap(),
    ]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    // And the three right shards merge.
    let out = t.join("ok");
    ok(&[
        "merge",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
        a3.to_str().unwrap(),
        a1.to_str().unwrap(),
        a2.to_str().unwrap(),
    ]);
}

#[test]
fn progress_goes_to_the_log_off_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    let r = Command::new(env!("CARGO_BIN_EXE_wecare"))
        .args([
            "run",
            "scenarios/wecare-measure1.toml",
            "--replicates",
            "5",
            "--no-report",
            "--out",
            out.to_str().unwrap(),
        ])
        .env("WECARE_PROGRESS_SECONDS", "0")
        .current_dir(root())
        .output()
        .unwrap();
    assert!(r.status.success());
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("wecare: replicates: 5 to do"), "{err}");
    assert!(err.contains("wecare: replicates: 5/5 (100%)"), "{err}");
    assert!(err.contains("ETA"), "{err}");
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert!(stdout.contains("5 replicates of"), "{stdout}");
    let one = wecare(&[
        "run",
        "scenarios/wecare-measure1.toml",
        "--replicates",
        "1",
        "--no-report",
        "--quiet",
        "--threads",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&one.stdout);
    assert!(
        stdout.contains("1 replicate of") && stdout.contains("on 1 thread;"),
        "{stdout}"
    );
    assert!(one.stderr.is_empty(), "--quiet prints no progress");
}

/// The directory a `calibrate --advance` reports it waits in, if it waits.
fn waiting_in(stdout: &str) -> Option<PathBuf> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("waiting: "))
        .map(|l| PathBuf::from(l.rsplit(" evaluated in ").next().unwrap()))
}

/// Files in a sharded calibration's `evaluations/`.
fn evaluations(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("evaluations")).unwrap().count()
}

#[test]
fn a_sharded_calibration_equals_the_single_machine_one() {
    let tmp = tempfile::tempdir().unwrap();
    let file = small_calibration(tmp.path());
    let f = file.to_str().unwrap();
    let single = tmp.path().join("single");
    let single_dir = wrote(&ok(&[
        "calibrate",
        f,
        "--quiet",
        "--threads",
        "2",
        "--out",
        single.to_str().unwrap(),
    ]));
    // Started with --advance: nothing is simulated, the directory waits for generation 0.
    let sharded = tmp.path().join("sharded");
    let said = ok(&[
        "calibrate",
        f,
        "--quiet",
        "--advance",
        "--out",
        sharded.to_str().unwrap(),
    ]);
    assert!(
        said.contains("generation 0 needs proposals 0..100"),
        "{said}"
    );
    let dir = waiting_in(&said).unwrap();
    let d = dir.to_str().unwrap().to_string();
    let mut rounds = 0;
    let finished = loop {
        rounds += 1;
        assert!(rounds < 50, "the calibration does not finish");
        // Any shard count, any order, round by round.
        let n = if rounds % 2 == 0 { 2 } else { 3 };
        for k in (1..=n).rev() {
            let spec = format!("{k}/{n}");
            let said = ok(&[
                "calibrate",
                f,
                "--quiet",
                "--threads",
                "1",
                "--resume",
                &d,
                "--shard",
                &spec,
            ]);
            assert!(
                said.contains(&format!("shard {spec} of generation")),
                "{said}"
            );
            if rounds == 2 && k == 2 {
                // Run again while its batch is incomplete, a shard finds its share recorded
                // and simulates nothing.
                let before = evaluations(&dir);
                let said = ok(&["calibrate", f, "--quiet", "--resume", &d, "--shard", "2/2"]);
                assert!(said.contains("already evaluated"), "{said}");
                assert_eq!(evaluations(&dir), before);
                // A shard of another calibration (seed) is refused and records nothing.
                let r = wecare(&[
                    "calibrate",
                    f,
                    "--quiet",
                    "--seed",
                    "7",
                    "--resume",
                    &d,
                    "--shard",
                    "1/2",
                ]);
                assert!(!r.status.success());
                let err = String::from_utf8_lossy(&r.stderr);
                assert!(err.contains("seed"), "{err}");
                assert_eq!(evaluations(&dir), before);
            }
        }
        let said = ok(&["calibrate", f, "--quiet", "--advance", "--resume", &d]);
        match waiting_in(&said) {
            Some(w) => assert_eq!(w, dir),
            None => break wrote(&said),
        }
    };
    // At least one round per generation (4 generations: the prior sample and three more).
    assert!(rounds >= 4, "{rounds} rounds");
    assert!(!dir.exists());
    assert!(!finished.join("evaluations").exists());
    same_calibration(&single_dir, &finished);
    // The method of moments is not sharded.
    let r = wecare(&["calibrate", f, "--method", "smm", "--advance", "--quiet"]);
    assert!(!r.status.success());
    assert!(String::from_utf8_lossy(&r.stderr).contains("only ABC-SMC"));
}
