//! The bad-input corpus: every directory of `tests/bad_inputs/` (but `_shared/`, the valid
//! files the cases start from) is one case, run as a `wecare` command.
//!
//! A case holds its input files, `cmd` (the arguments, one per line) and `expect` (first line
//! `exit N`, then fragments that must all appear in the error output: file, `file:line:column`,
//! `` `key` `` and words of the message). In `cmd`, `{case}` stands for the case's directory,
//! `{shared}` for `_shared/` and `{tmp}` for a fresh working directory the command runs in.
//!
//! Every case must give its exit code and message, never a panic or abort, and must leave
//! nothing behind: the working directory stays empty (no partial results) and the case
//! directory unchanged.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest a case may run: every one fails at once, so this only catches hangs.
const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug)]
struct Case {
    name: String,
    dir: PathBuf,
    args: Vec<String>,
    exit: i32,
    fragments: Vec<String>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs")
}

fn read_case(dir: &Path) -> Case {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let cmd = std::fs::read_to_string(dir.join("cmd"))
        .unwrap_or_else(|e| panic!("{name}: cannot read cmd: {e}"));
    let expect = std::fs::read_to_string(dir.join("expect"))
        .unwrap_or_else(|e| panic!("{name}: cannot read expect: {e}"));
    let mut lines = expect.lines();
    let exit = lines
        .next()
        .and_then(|l| l.strip_prefix("exit "))
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name}: expect must start with `exit N`"));
    Case {
        name,
        dir: dir.to_path_buf(),
        args: cmd.lines().map(String::from).collect(),
        exit,
        fragments: lines.filter(|l| !l.is_empty()).map(String::from).collect(),
    }
}

/// Every file below `dir`, with its contents, to see that a case changed nothing.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            let bytes = if p.is_file() {
                std::fs::read(&p).unwrap()
            } else {
                Vec::new()
            };
            out.push((p, bytes));
        }
    }
    out.sort();
    out
}

/// Runs one case; the problems found, empty when it passes.
fn run_case(c: &Case) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let shared = root().join("_shared");
    let args: Vec<String> = c
        .args
        .iter()
        .map(|a| {
            a.replace("{case}", &c.dir.display().to_string())
                .replace("{shared}", &shared.display().to_string())
                .replace("{tmp}", &tmp.path().display().to_string())
        })
        .collect();
    let before = snapshot(&c.dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_wecare"))
        .args(&args)
        .current_dir(tmp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let mut problems = Vec::new();
    let Some(status) = status else {
        return vec![format!("no exit after {TIMEOUT:?} (hang)")];
    };
    match status.code() {
        Some(code) if code == c.exit => {}
        Some(code) => problems.push(format!("exit {code}, expected {}", c.exit)),
        None => problems.push(format!("killed by a signal ({status:?}): an abort")),
    }
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        problems.push("panicked".into());
    }
    for f in &c.fragments {
        if !stderr.contains(f.as_str()) {
            problems.push(format!("message lacks {f:?}"));
        }
    }
    let left: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    if !left.is_empty() {
        problems.push(format!("left files behind: {left:?}"));
    }
    if snapshot(&c.dir) != before {
        problems.push("changed its own directory".into());
    }
    if !problems.is_empty() {
        problems.push(format!(
            "command: wecare {}\nstderr:\n{stderr}",
            args.join(" ")
        ));
    }
    problems
}

#[test]
fn bad_input_corpus() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .collect();
    dirs.sort();
    let cases: Vec<Case> = dirs.iter().map(|d| read_case(d)).collect();
    assert!(cases.len() >= 200, "only {} cases", cases.len());
    let next = Mutex::new(0usize);
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 8);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        *n += 1;
                        *n - 1
                    };
                    let Some(c) = cases.get(i) else { break };
                    let p = run_case(c);
                    if !p.is_empty() {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{}: {}", c.name, p.join("; ")));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    let by_exit = |code: i32| cases.iter().filter(|c| c.exit == code).count();
    println!(
        "{} cases: {} exit 1 (errors), {} exit 2 (command-line errors), {} exit 0 (accepted \
         with a warning); {} failed",
        cases.len(),
        by_exit(1),
        by_exit(2),
        by_exit(0),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failing cases:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
