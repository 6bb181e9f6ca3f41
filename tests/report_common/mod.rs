//! What the command-line tests share: running `wecare` and checking run directories.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The default scenario.
pub fn default_scenario() -> PathBuf {
    root().join("scenarios/wecare-measure1.toml")
}

/// Runs `wecare` with `args`; panics with its error output when it fails.
pub fn wecare(args: &[&str]) -> Output {
    let o = wecare_output(args);
    assert!(
        o.status.success(),
        "wecare {args:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Runs `wecare` with `args`, without checking its exit status.
pub fn wecare_output(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wecare"))
        .args(args)
        .output()
        .unwrap()
}

/// Asserts that a process succeeded; shows its standard output and error when not.
#[track_caller]
pub fn assert_success(o: &Output) {
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Runs the default scenario with `extra` flags into `out`; returns the new run directory.
pub fn run_default(out: &Path, extra: &[&str]) -> PathBuf {
    let before = run_dirs(out);
    let mut args = vec!["run", "--quiet", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let scenario = default_scenario();
    if !extra.contains(&"--from") {
        args.push(scenario.to_str().unwrap());
    }
    wecare(&args);
    let mut new: Vec<PathBuf> = run_dirs(out)
        .into_iter()
        .filter(|d| !before.contains(d))
        .collect();
    assert_eq!(new.len(), 1, "one new run directory: {new:?}");
    new.pop().unwrap()
}

/// Every visible run directory `<out>/<scenario>/<id>`.
pub fn run_dirs(out: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    let Ok(scenarios) = std::fs::read_dir(out) else {
        return v;
    };
    for s in scenarios {
        let s = s.unwrap().path();
        if !s.is_dir() {
            continue;
        }
        for r in std::fs::read_dir(&s).unwrap() {
            let p = r.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if !name.starts_with('.') {
                v.push(p);
            }
        }
    }
    v.sort();
    v
}

/// SHA-256 of a file, lowercase hexadecimal.
pub fn sha256(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The manifest of a run directory as JSON.
pub fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Checks that a run directory is complete: a manifest, and every file it records present
/// with its recorded size and checksum, and every derived file present.
pub fn assert_complete(dir: &Path) {
    let m = manifest(dir);
    for f in m["files"].as_array().unwrap() {
        let p = dir.join(f["path"].as_str().unwrap());
        assert!(p.exists(), "{} missing", p.display());
        assert_eq!(
            std::fs::metadata(&p).unwrap().len(),
            f["bytes"].as_u64().unwrap(),
            "{} size",
            p.display()
        );
        assert_eq!(
            sha256(&p),
            f["sha256"].as_str().unwrap(),
            "{} checksum",
            p.display()
        );
    }
    for f in m["derived"].as_array().unwrap() {
        let p = dir.join(f.as_str().unwrap());
        assert!(p.exists(), "{} missing", p.display());
    }
}

/// Runs `wecare` with `args` from the repository root (so relative scenario paths resolve),
/// without checking its exit status.
pub fn wecare_at_root(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wecare"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

/// Runs `wecare` with `args` from the repository root; panics with its error output when it
/// fails; returns its standard output.
pub fn ok(args: &[&str]) -> String {
    let r = wecare_at_root(args);
    assert!(
        r.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    String::from_utf8(r.stdout).unwrap()
}

/// The directory a command reports on its last `wrote` line.
pub fn wrote(stdout: &str) -> PathBuf {
    let line = stdout.lines().rfind(|l| l.contains("wrote ")).unwrap();
    PathBuf::from(line.rsplit("wrote ").next().unwrap().trim())
}

/// A small ABC-SMC calibration of the s50 panel (100 particles, 3 generations: about a second
/// on two cores), written into `dir` with the data linked beside it; returns its path.
pub fn small_calibration(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(root().join("scenarios/s50.toml")).unwrap();
    let small: String = text
        .lines()
        .map(|l| {
            if l.starts_with("particles = ") {
                "particles = 100"
            } else if l.starts_with("max_generations = ") {
                "max_generations = 3"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(small.contains("\nparticles = 100\n") && small.contains("\nmax_generations = 3"));
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join("s50-small.toml");
    std::fs::write(&file, small).unwrap();
    let data = dir.join("data");
    if !data.exists() {
        std::os::unix::fs::symlink(root().join("scenarios/data"), data).unwrap();
    }
    file
}

/// A small comparison of the shipped designs (3 replicates), as command-line arguments.
pub const SMALL_COMPARE: [&str; 5] = [
    "compare",
    "--designs",
    "scenarios/designs/designs.toml",
    "--replicates",
    "3",
];

/// Small hypothesis experiments on the default scenario (3 replicates) running the
/// comma-separated `parts`, as command-line arguments.
pub fn small_hypotheses(parts: &str) -> Vec<&str> {
    vec![
        "hypotheses",
        "scenarios/wecare-measure1.toml",
        "--replicates",
        "3",
        "--only",
        parts,
    ]
}

/// The small sweep scenario shared by the sensitivity, rerun, shard and Slurm tests (its data
/// paths are relative to `scenarios/`).
pub const SWEEP: &str = include_str!("../fixtures/sweep-small.toml");

/// Writes [`SWEEP`] as `dir/sweep.toml` with the scenarios' data linked beside it (so its
/// relative paths resolve); returns its path.
pub fn write_sweep(dir: &Path) -> PathBuf {
    let file = dir.join("sweep.toml");
    std::fs::write(&file, SWEEP).unwrap();
    std::os::unix::fs::symlink(root().join("scenarios/data"), dir.join("data")).unwrap();
    file
}

/// The result files of a calibration that a resumed calibration must reproduce byte for byte.
pub const CALIBRATION_RESULTS: [&str; 5] = [
    "posterior.csv",
    "estimates.csv",
    "fit.csv",
    "ppc.csv",
    "calibrated.toml",
];

/// Asserts that each of `files` holds the same bytes in directories `a` and `b`.
#[track_caller]
pub fn same_files(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

/// Asserts that two finished calibration directories hold the same files with the same bytes,
/// except what records time: the manifest, the checkpoint (each generation's wall time) and
/// the wall-time columns of `generations.csv`, which are compared without them.
pub fn same_calibration(a: &Path, b: &Path) {
    let names = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let files = names(a);
    assert_eq!(files, names(b), "different files");
    assert!(files.iter().any(|f| f == "posterior.csv"), "{files:?}");
    for f in &files {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        match f.as_str() {
            "manifest.json" | "checkpoint.json" => {}
            "generations.csv" => {
                let untimed = |bytes: &[u8]| -> Vec<String> {
                    let text = String::from_utf8(bytes.to_vec()).unwrap();
                    let mut lines = text.lines();
                    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
                    let timed: Vec<usize> = head
                        .iter()
                        .enumerate()
                        .filter(|(_, h)| ["wall_seconds", "simulations_per_second"].contains(h))
                        .map(|(i, _)| i)
                        .collect();
                    assert_eq!(timed.len(), 2, "{head:?}");
                    text.lines()
                        .map(|l| {
                            l.split(',')
                                .enumerate()
                                .filter(|(i, _)| !timed.contains(i))
                                .map(|(_, v)| v)
                                .collect::<Vec<_>>()
                                .join(",")
                        })
                        .collect()
                };
                assert_eq!(untimed(&x), untimed(&y), "generations.csv differs");
            }
            _ => assert!(x == y, "{f} differs"),
        }
    }
}
