//! On a real Slurm cluster: `wecare slurm ... --shards N --submit` runs the shards as a job
//! array and the merge after them, and the merged output equals the unsharded run byte for
//! byte; a sharded ABC-SMC calibration, submitted round by round, ends with the single-machine
//! calibration's results. Needs a running cluster (`tests/scripts/slurm_cluster.sh up`, as root); without one
//! the test says why and passes, unless WECARE_REQUIRE_SLURM=1 (CI), where it fails.

use std::path::Path;
use std::process::Command;

mod report_common;
use report_common::{ok as wecare, same_calibration, small_calibration, write_sweep, wrote};
use std::time::{Duration, Instant};

fn cluster_ready() -> Result<(), String> {
    let out = Command::new("sinfo")
        .args(["-h", "-o", "%T"])
        .output()
        .map_err(|e| format!("sinfo cannot run ({e})"))?;
    let states = String::from_utf8_lossy(&out.stdout);
    if out.status.success()
        && states
            .lines()
            .any(|l| ["idle", "mixed", "allocated"].contains(&l.trim()))
    {
        Ok(())
    } else {
        Err(format!("no Slurm node is up (sinfo: {})", states.trim()))
    }
}

/// Whether to run; panics when the cluster is required and missing.
fn need_cluster() -> bool {
    match cluster_ready() {
        Ok(()) => true,
        Err(why) if std::env::var("WECARE_REQUIRE_SLURM").is_ok_and(|v| v == "1") => {
            panic!(
                "WECARE_REQUIRE_SLURM=1 but {why}; start it with tests/scripts/slurm_cluster.sh up"
            )
        }
        Err(why) => {
            eprintln!("skipped: {why}; start one with tests/scripts/slurm_cluster.sh up (as root)");
            false
        }
    }
}

/// Waits until Slurm no longer lists job `id` (at most `limit`).
fn wait_for(id: &str, limit: Duration) {
    let t = Instant::now();
    loop {
        let out = Command::new("squeue")
            .args(["-h", "-j", id, "-o", "%T"])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&out.stdout).trim().is_empty() {
            return;
        }
        assert!(t.elapsed() < limit, "job {id} still queued after {limit:?}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Submits `args` as `shards` array tasks, waits for the merge job, and compares the merged
/// files with the unsharded run's (the manifest and report page record times; the resolved
/// scenario names its results root).
fn submitted_equals_unsharded(tmp: &Path, args: &[&str], shards: u64, files: &[&str]) {
    let full = tmp.join("full");
    let mut a = args.to_vec();
    a.extend(["--quiet", "--out", full.to_str().unwrap()]);
    let full_dir = wrote(&wecare(&a));
    let job = tmp.join("job");
    let res = tmp.join("res");
    let n = shards.to_string();
    let mut s = vec!["slurm"];
    s.extend(args);
    s.extend([
        "--shards",
        &n,
        "--job-dir",
        job.to_str().unwrap(),
        "--out",
        res.to_str().unwrap(),
        "--submit",
    ]);
    let said = wecare(&s);
    let merge_id = said
        .lines()
        .find_map(|l| l.strip_prefix("submitted merge job "))
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no merge job in: {said}"))
        .to_string();
    wait_for(&merge_id, Duration::from_secs(600));
    let log = std::fs::read_to_string(job.join("logs/merge.log")).unwrap_or_default();
    assert!(log.contains("wrote "), "the merge job failed: {log}");
    let merged = wrote(&log);
    for f in files {
        let x = std::fs::read_to_string(full_dir.join(f)).unwrap();
        let y = std::fs::read_to_string(merged.join(f)).unwrap();
        let x = x.replace(full.to_str().unwrap(), res.to_str().unwrap());
        assert!(x == y, "{args:?}: {f} differs");
    }
}

#[test]
fn sharded_run_and_sensitivity_on_slurm_equal_the_single_machine() {
    if !need_cluster() {
        return;
    }
    let tmp = tempfile::tempdir_in(std::env::temp_dir()).unwrap();
    let run = [
        "run",
        "scenarios/wecare-measure1.toml",
        "--no-report",
        "--replicates",
        "200",
    ];
    submitted_equals_unsharded(
        &tmp.path().join("run"),
        &run,
        4,
        &[
            "replicates.csv",
            "summary.csv",
            "targets.csv",
            "scenario.toml",
        ],
    );
    let sweep = write_sweep(tmp.path());
    let sens = ["sensitivity", sweep.to_str().unwrap(), "--method", "morris"];
    submitted_equals_unsharded(
        &tmp.path().join("sensitivity"),
        &sens,
        3,
        &["indices.csv", "points.csv", "indices.md"],
    );
}

#[test]
fn a_sharded_calibration_on_slurm_equals_the_single_machine_one() {
    if !need_cluster() {
        return;
    }
    let tmp = tempfile::tempdir_in(std::env::temp_dir()).unwrap();
    let file = small_calibration(tmp.path());
    let f = file.to_str().unwrap();
    let single = tmp.path().join("single");
    let single_dir = wrote(&wecare(&[
        "calibrate",
        f,
        "--quiet",
        "--out",
        single.to_str().unwrap(),
    ]));
    let job = tmp.path().join("job");
    let res = tmp.path().join("res");
    let said = wecare(&[
        "slurm",
        "calibrate",
        f,
        "--shards",
        "3",
        "--job-dir",
        job.to_str().unwrap(),
        "--out",
        res.to_str().unwrap(),
        "--submit",
    ]);
    let partial = said
        .lines()
        .find_map(|l| l.strip_prefix("calibration directory "))
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| panic!("no calibration directory in: {said}"));
    let name = partial.file_name().unwrap().to_str().unwrap();
    let id = name
        .strip_prefix('.')
        .unwrap()
        .strip_suffix(".partial")
        .unwrap();
    let finished = partial.with_file_name(id);
    // Each round's step submits the next; wait until the last one renamed the directory.
    let t = Instant::now();
    while partial.exists() || !finished.exists() {
        if t.elapsed() > Duration::from_secs(900) {
            let logs: Vec<String> = std::fs::read_dir(job.join("logs"))
                .unwrap()
                .map(|e| {
                    let p = e.unwrap().path();
                    format!("{}:\n{}", p.display(), std::fs::read_to_string(&p).unwrap())
                })
                .collect();
            panic!("the calibration did not finish:\n{}", logs.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    // The last step renames the directory as its last act; let it exit.
    std::thread::sleep(Duration::from_secs(1));
    let steps = std::fs::read_dir(job.join("logs"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("step-")
        })
        .count();
    assert!(steps >= 4, "{steps} rounds for 4 generations");
    same_calibration(&single_dir, &finished);
}
