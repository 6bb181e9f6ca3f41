//! A run stopped part-way (Ctrl-C or kill) never leaves a directory that looks complete: it
//! writes under a hidden `.<id>.partial` name and renames only when everything is written;
//! Ctrl-C removes the partial directory too.

mod report_common;
use report_common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn spawn(out: &Path, replicates: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_wecare"))
        .args(["run", "--quiet", "--replicates", replicates, "--out"])
        .arg(out)
        .arg(default_scenario())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Stops a child as Ctrl-C would (SIGINT), or with SIGKILL; its exit code, if any.
fn stop(child: &mut Child, interrupt: bool) -> Option<i32> {
    if interrupt {
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
    } else {
        let _ = child.kill();
    }
    child.wait().unwrap().code()
}

/// Starts a long run and waits until its partial directory exists.
fn spawn_long(out: &Path) -> Child {
    let child = spawn(out, "1000000");
    let t = Instant::now();
    while hidden(out).is_empty() && t.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    child
}

fn hidden(out: &Path) -> Vec<PathBuf> {
    let dir = out.join("wecare-measure1");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    rd.map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect()
}

#[test]
fn interrupted_runs_leave_no_directory_that_looks_complete() {
    let out = tempfile::tempdir().unwrap();

    // Ctrl-C during the simulation: exit code 130, nothing left behind.
    let mut child = spawn_long(out.path());
    assert_eq!(stop(&mut child, true), Some(130));
    assert!(run_dirs(out.path()).is_empty());
    assert!(hidden(out.path()).is_empty(), "{:?}", hidden(out.path()));

    // Killed during the simulation: only the hidden partial directory, without a manifest.
    let mut child = spawn_long(out.path());
    assert_eq!(stop(&mut child, false), None);
    assert!(
        run_dirs(out.path()).is_empty(),
        "{:?}",
        run_dirs(out.path())
    );
    let partial = hidden(out.path());
    assert_eq!(partial.len(), 1);
    let name = partial[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(name.ends_with(".partial"), "{name}");
    assert!(!partial[0].join("manifest.json").exists());

    // Stopped at staggered moments through simulation, writing and report: every directory
    // that looks like a run is complete (manifest, every file with its checksum), everything
    // else is hidden and named partial.
    for (k, delay) in [30u64, 100, 200, 300, 450, 650, 900]
        .into_iter()
        .enumerate()
    {
        let mut child = spawn(out.path(), "300");
        std::thread::sleep(Duration::from_millis(delay));
        let _ = stop(&mut child, k % 2 == 0);
    }
    for d in run_dirs(out.path()) {
        assert_complete(&d);
    }
    for h in hidden(out.path()) {
        let name = h.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.ends_with(".partial"), "{name}");
    }
}
