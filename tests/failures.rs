//! Failure tests: commands stopped by SIGTERM, SIGHUP or SIGKILL at seeded random moments, a
//! full disk and a read-only output directory.
//!
//! After any of these, nothing that looks complete may be incomplete: every visible output
//! directory has exactly the files of an uninterrupted run of the same command (and a run
//! directory passes its own checksums), SIGTERM and SIGHUP leave no partial directory (but a
//! calibration checkpoint), and a resumed calibration gives byte-identical results.

mod report_common;
use report_common::{CALIBRATION_RESULTS, assert_success, root, same_files};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use wecare::report::Manifest;

fn wecare() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wecare"));
    c.stdin(Stdio::null());
    c
}

/// A small deterministic generator (xorshift64*) for the signal times.
struct Gen(u64);

impl Gen {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

/// The output directories below `out`: visible ones (the first directories holding files:
/// `<out>/<scenario>/<id>`, `<out>/calibrate/<scenario>-<method>/<id>`) and hidden partial ones.
fn outputs(out: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut visible, mut hidden) = (Vec::new(), Vec::new());
    let mut stack = vec![out.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        if d != out && entries.iter().any(|p| p.is_file()) {
            visible.push(d);
            continue;
        }
        for p in entries.into_iter().filter(|p| p.is_dir()) {
            if p.file_name().unwrap().to_string_lossy().starts_with('.') {
                hidden.push(p);
            } else {
                stack.push(p);
            }
        }
    }
    visible.sort();
    hidden.sort();
    (visible, hidden)
}

/// Relative paths of every file below `dir`.
fn file_set(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out
}

fn signal(child: &Child, sig: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{sig}"), &child.id().to_string()])
        .status();
}

/// One command under test: its arguments (the output root is appended) and the files of an
/// uninterrupted run.
struct Subject {
    name: &'static str,
    args: Vec<String>,
    files: BTreeSet<String>,
    seconds: f64,
}

impl Subject {
    fn new(name: &'static str, args: Vec<String>, scratch: &Path) -> Subject {
        let out = scratch.join(format!("reference-{name}"));
        let t = Instant::now();
        let o = wecare()
            .args(&args)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let (visible, hidden) = outputs(&out);
        assert_eq!(visible.len(), 1, "{name}: {visible:?}");
        assert!(hidden.is_empty(), "{name}: {hidden:?}");
        Subject {
            name,
            args,
            files: file_set(&visible[0]),
            seconds: t.elapsed().as_secs_f64(),
        }
    }

    fn spawn(&self, out: &Path) -> Child {
        wecare()
            .args(&self.args)
            .arg("--out")
            .arg(out)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Every visible directory is complete.
    fn check_complete(&self, out: &Path, what: &str) {
        let (visible, _) = outputs(out);
        for d in visible {
            assert_eq!(
                file_set(&d),
                self.files,
                "{what}: {} looks finished but its files differ from an uninterrupted run",
                d.display()
            );
            if self.name == "run" {
                Manifest::read_run(&d).unwrap_or_else(|e| panic!("{what}: {e}"));
            }
        }
    }
}

fn subjects(scratch: &Path) -> Vec<Subject> {
    let s = |p: &str| root().join(p).display().to_string();
    let shared = s("tests/bad_inputs/_shared/scenario.toml");
    let calib = small_calibration(scratch);
    let v = |a: &[&str]| a.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        Subject::new(
            "run",
            v(&[
                "run",
                &s("scenarios/wecare-measure1.toml"),
                "--replicates",
                "200",
                "--quiet",
            ]),
            scratch,
        ),
        Subject::new(
            "compare",
            v(&[
                "compare",
                &s("scenarios/designs/baseline.toml"),
                &s("scenarios/designs/budget-equal.toml"),
                "--replicates",
                "40",
                "--quiet",
            ]),
            scratch,
        ),
        Subject::new(
            "sensitivity",
            v(&["sensitivity", &shared, "--replicates", "4", "--quiet"]),
            scratch,
        ),
        Subject::new(
            "calibrate",
            v(&["calibrate", &calib.display().to_string(), "--quiet"]),
            scratch,
        ),
    ]
}

/// The s50 calibration with small settings (a few seconds), paths absolute.
fn small_calibration(dir: &Path) -> PathBuf {
    let mut s = wecare::scenario::Scenario::load(&root().join("scenarios/s50.toml")).unwrap();
    s.calibration.abc.particles = 60;
    s.calibration.abc.max_generations = 3;
    s.calibration.predictive_draws = 20;
    let file = dir.join("s50-small.toml");
    std::fs::write(&file, s.with_resolved_paths().to_toml()).unwrap();
    file
}

#[test]
fn signals_at_random_times_never_leave_an_incomplete_directory_that_looks_complete() {
    let scratch = tempfile::tempdir().unwrap();
    let mut g = Gen(0x51_6E_A1);
    for subject in subjects(scratch.path()) {
        for (k, sig) in ["TERM", "HUP", "KILL", "TERM", "HUP", "KILL"]
            .iter()
            .enumerate()
        {
            let out = scratch.path().join(format!("{}-{k}", subject.name));
            // A moment anywhere from the start to a little after the reference run's end.
            let delay = g.below((subject.seconds * 1200.0) as u64 + 50);
            let what = format!("{} stopped by SIG{sig} after {delay} ms", subject.name);
            let mut child = subject.spawn(&out);
            std::thread::sleep(Duration::from_millis(delay));
            signal(&child, sig);
            let status = child.wait().unwrap();
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read;
                let _ = e.read_to_string(&mut err);
            }
            assert!(!err.contains("panicked"), "{what}: {err}");
            subject.check_complete(&out, &what);
            let (visible, hidden) = outputs(&out);
            match (*sig, status.code()) {
                // A signal that arrives before the handlers are installed (in the first
                // instants after exec) takes its default action and ends the process like
                // SIGKILL: the same guarantee applies.
                ("KILL", _) | (_, None) => {
                    for h in &hidden {
                        let n = h.file_name().unwrap().to_string_lossy().to_string();
                        assert!(n.ends_with(".partial"), "{what}: {n}");
                    }
                }
                (_, Some(0)) => assert_eq!(visible.len(), 1, "{what}: finished"),
                (_, Some(130)) => {
                    // A signal after the last rename finds the results whole (checked above)
                    // and says so; any other stop leaves nothing visible.
                    if !visible.is_empty() {
                        assert_eq!(visible.len(), 1, "{what}: {visible:?}");
                        assert!(
                            err.contains("interrupted after the results were written"),
                            "{what}: {visible:?}: {err}"
                        );
                    }
                    for h in &hidden {
                        // Only a calibration checkpoint is kept, and only with a checkpoint.
                        assert_eq!(subject.name, "calibrate", "{what}: left {h:?}");
                        assert!(h.join("checkpoint.json").is_file(), "{what}: {h:?}");
                        assert!(err.contains("--resume"), "{what}: {err}");
                    }
                    if hidden.is_empty() && out.exists() {
                        // No empty scenario directory left behind.
                        let left: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().collect();
                        assert!(left.is_empty(), "{what}: left {left:?}");
                    }
                }
                (_, code) => panic!("{what}: exit {code:?}: {err}"),
            }
        }
    }
}

#[test]
fn a_calibration_stopped_by_sigterm_resumes_to_byte_identical_results() {
    let scratch = tempfile::tempdir().unwrap();
    let file = small_calibration(scratch.path());
    let straight = scratch.path().join("straight");
    assert_success(
        &wecare()
            .args(["calibrate", file.to_str().unwrap(), "--quiet", "--out"])
            .arg(&straight)
            .output()
            .unwrap(),
    );
    let (done, _) = outputs(&straight);
    assert_eq!(done.len(), 1);

    // Stop it with SIGTERM once its first checkpoint is written.
    let out = scratch.path().join("stopped");
    let mut child = wecare()
        .args(["calibrate", file.to_str().unwrap(), "--quiet", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    let partial = loop {
        let (_, hidden) = outputs(&out);
        if let Some(h) = hidden.iter().find(|h| h.join("checkpoint.json").is_file()) {
            break h.clone();
        }
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "no checkpoint written"
        );
        std::thread::sleep(Duration::from_millis(2));
    };
    signal(&child, "TERM");
    let status = child.wait().unwrap();
    if status.code() == Some(0) {
        // Finished before the signal arrived: nothing to resume, and nothing to test here
        // beyond the check above.
        eprintln!("the calibration finished before SIGTERM; resume not exercised");
        return;
    }
    assert_eq!(status.code(), Some(130));
    assert!(partial.is_dir());
    assert_success(
        &wecare()
            .args(["calibrate", file.to_str().unwrap(), "--quiet", "--resume"])
            .arg(&partial)
            .output()
            .unwrap(),
    );
    let (resumed, hidden) = outputs(&out);
    assert_eq!(resumed.len(), 1);
    assert!(hidden.is_empty());
    same_files(&resumed[0], &done[0], &CALIBRATION_RESULTS);
}

/// `wecare run` of the default scenario into `out`, with the shell's file-size limit set to
/// `kib` KiB (SIGXFSZ ignored, so a write past the limit fails with EFBIG as on a full disk).
fn run_with_file_limit(out: &Path, kib: u64) -> Output {
    let script = format!(
        "trap '' XFSZ; ulimit -f {kib}; exec \"$0\" run \"$1\" --replicates 50 --quiet --out \"$2\""
    );
    Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_wecare")])
        .arg(root().join("scenarios/wecare-measure1.toml"))
        .arg(out)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn assert_clean_failure(o: &Output, out: &Path, what: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{what}: {err}");
    assert!(err.starts_with("error: "), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    let (visible, hidden) = outputs(out);
    assert!(
        visible.is_empty() && hidden.is_empty(),
        "{what}: {visible:?} {hidden:?}"
    );
    if out.exists() {
        let left: Vec<_> = std::fs::read_dir(out).unwrap().flatten().collect();
        assert!(left.is_empty(), "{what}: left {left:?}");
    }
}

#[test]
fn a_full_disk_fails_cleanly_naming_the_file() {
    let scratch = tempfile::tempdir().unwrap();
    // Limits that stop the run in different files: the first bytes, replicates.csv, the
    // networks, the report.
    for kib in [0u64, 8, 64, 512] {
        let out = scratch.path().join(format!("limit-{kib}"));
        let o = run_with_file_limit(&out, kib);
        let err = String::from_utf8_lossy(&o.stderr);
        if o.status.success() {
            continue; // everything fitted under this limit
        }
        assert_clean_failure(&o, &out, &format!("file size limit {kib} KiB"));
        assert!(
            err.contains(out.to_str().unwrap()) && err.contains("too large"),
            "the error names the file and the cause: {err}"
        );
    }
    // A real full file system, where one can be mounted (root).
    let mnt = scratch.path().join("tmpfs");
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
        .arg(&mnt)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!(
            "skipped the tmpfs part: mounting a tmpfs needs root (the file-size limit above covers it)"
        );
        return;
    }
    let o = wecare()
        .arg("run")
        .arg(root().join("scenarios/wecare-measure1.toml"))
        .args(["--replicates", "50", "--quiet", "--out"])
        .arg(&mnt)
        .output()
        .unwrap();
    let _ = Command::new("umount").arg(&mnt).status();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("No space left"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Makes `dir` read-only for this process: immutable (chattr, as root ignores permissions)
/// or mode 0555; false when neither works.
fn make_read_only(dir: &Path) -> bool {
    let chattr = Command::new("chattr")
        .arg("+i")
        .arg(dir)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if chattr {
        return true;
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).is_ok()
        && std::fs::write(dir.join("probe"), "").is_err()
}

#[test]
fn a_read_only_output_directory_fails_cleanly() {
    let scratch = tempfile::tempdir().unwrap();
    let ro = scratch.path().join("ro");
    std::fs::create_dir_all(&ro).unwrap();
    if !make_read_only(&ro) {
        eprintln!("skipped: cannot make a directory read-only here (root without chattr)");
        return;
    }
    let shared = root().join("tests/bad_inputs/_shared/scenario.toml");
    let results: Vec<(String, Output)> = vec![
        (
            "run".into(),
            wecare()
                .arg("run")
                .arg(&shared)
                .args(["--quiet", "--out"])
                .arg(&ro)
                .output()
                .unwrap(),
        ),
        (
            "sweep".into(),
            wecare()
                .arg("sweep")
                .arg(&shared)
                .args(["--quiet", "--out"])
                .arg(&ro)
                .output()
                .unwrap(),
        ),
        (
            "generate".into(),
            wecare()
                .arg("generate")
                .arg("--out")
                .arg(ro.join("data"))
                .output()
                .unwrap(),
        ),
    ];
    let _ = Command::new("chattr")
        .arg("-i")
        .arg(&ro)
        .stderr(Stdio::null())
        .status();
    for (what, o) in results {
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{what}: {err}");
        assert!(
            err.contains(ro.to_str().unwrap()),
            "{what} names the directory: {err}"
        );
        assert!(!err.contains("panicked"), "{what}: {err}");
    }
    assert!(
        std::fs::read_dir(&ro).unwrap().next().is_none(),
        "nothing written"
    );
}
