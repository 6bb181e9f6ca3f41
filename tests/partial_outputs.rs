//! The commands that write into a directory the user names (`wecare generate`, `wecare
//! panel`) never leave part of their output: a write that fails (here: past a file-size limit,
//! as on a full disk) leaves the directory as it was, and an existing output is never replaced
//! by a partial one.

mod report_common;
mod tree_common;
use report_common::root;
use tree_common::entries;

use std::process::{Command, Output, Stdio};

/// `wecare ARGS` with the shell's file-size limit set to `kib` KiB (SIGXFSZ ignored, so a
/// write past the limit fails with EFBIG as on a full disk).
fn with_file_limit(kib: u64, args: &[&str]) -> Output {
    let script = format!("trap '' XFSZ; ulimit -f {kib}; exec \"$0\" \"$@\"");
    Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_wecare")])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[track_caller]
fn failed_cleanly(o: &Output, what: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{what}: {err}");
    assert!(err.contains("too large"), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
}

#[test]
fn a_generated_data_set_is_written_whole_or_not_at_all() {
    let tmp = tempfile::tempdir().unwrap();
    // A directory that does not exist yet: it is not left behind either.
    let out = tmp.path().join("new/data");
    let args = ["generate", "--preset", "wecare-measure1", "--out"];
    let mut a = args.to_vec();
    a.push(out.to_str().unwrap());
    // 8 KiB: the organisations file (16 KB) does not fit.
    failed_cleanly(&with_file_limit(8, &a), "generate into a new directory");
    assert!(entries(tmp.path()).is_empty(), "{:?}", entries(tmp.path()));
    // Over an existing data set with --force: the old files stay as they were.
    let o = Command::new(env!("CARGO_BIN_EXE_wecare"))
        .args(&a)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let before: Vec<(String, Vec<u8>)> = entries(&out)
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(out.join(&f)).unwrap()))
        .collect();
    a.extend(["--force", "--seed", "7"]);
    failed_cleanly(&with_file_limit(8, &a), "generate --force");
    let after: Vec<(String, Vec<u8>)> = entries(&out)
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(out.join(&f)).unwrap()))
        .collect();
    assert!(before == after, "the data set changed: {:?}", entries(&out));
}

#[test]
fn a_panel_scenario_is_written_whole_or_not_at_all() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("panel");
    let w = |k: u32| {
        root()
            .join(format!("tests/fixtures/panels/s50/s50-network{k}.dat"))
            .display()
            .to_string()
    };
    let (w1, w2) = (w(1), w(2));
    let a = ["panel", &w1, &w2, "--out", out.to_str().unwrap()];
    // 1 KiB: the copied wave files do not fit.
    failed_cleanly(&with_file_limit(1, &a), "panel");
    assert!(entries(tmp.path()).is_empty(), "{:?}", entries(tmp.path()));
}
