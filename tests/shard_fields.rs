//! `wecare merge` checks every field of every `shard.json` against the other fields, the
//! other shards and the scenario the merge resolves: an edited or inconsistent field is refused
//! naming the file and the field, and nothing is written.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use wecare::cli::shard::self_checksum;

mod report_common;
use report_common::{ok, wecare_at_root as wecare, write_sweep, wrote};

/// Copies shard directory `src` to `dst`, with `edit` applied to its `shard.json` and the
/// file's checksum of itself (`sha256`) made again, as an edit made on purpose would: what the
/// field checks must catch.
fn edited(src: &Path, dst: &Path, edit: &dyn Fn(&mut Value)) -> PathBuf {
    edited_as(src, dst, &|v| {
        edit(v);
        v["sha256"] = json!(self_checksum(v));
    })
}

/// Copies shard directory `src` to `dst`, with `edit` applied to its `shard.json` (and nothing
/// else).
fn edited_as(src: &Path, dst: &Path, edit: &dyn Fn(&mut Value)) -> PathBuf {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
    }
    let p = dst.join("shard.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    dst.to_path_buf()
}

/// `wecare merge dirs` fails with every one of `needles` in its message and writes nothing.
#[track_caller]
fn refused(out: &Path, dirs: &[&Path], needles: &[&str]) {
    let mut a = vec!["merge", "--quiet", "--out", out.to_str().unwrap()];
    a.extend(dirs.iter().map(|d| d.to_str().unwrap()));
    let r = wecare(&a);
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{a:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in: {err}");
    }
    assert!(!out.exists(), "{a:?} wrote {}", out.display());
}

fn run_shards(root: &Path) -> (PathBuf, PathBuf) {
    let shard = |k: u64| {
        wrote(&ok(&[
            "run",
            "scenarios/wecare-measure1.toml",
            "--replicates",
            "4",
            "--no-report",
            "--quiet",
            "--seed",
            "5",
            "--shard",
            &format!("{k}/2"),
            "--out",
            root.to_str().unwrap(),
        ]))
    };
    (shard(1), shard(2))
}

/// An edit of a `shard.json`.
type Edit = Box<dyn Fn(&mut Value)>;

/// `wecare merge` of shards `a1` and `a2` into `out` succeeds.
fn merges(out: &Path, a1: &Path, a2: &Path) {
    ok(&[
        "merge",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
        a1.to_str().unwrap(),
        a2.to_str().unwrap(),
    ]);
}

#[test]
fn a_run_shard_whose_fields_disagree_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (a1, a2) = run_shards(&t.join("a"));
    let out = t.join("never");
    let one: Vec<(&str, Edit, Vec<&str>)> = vec![
        (
            "kind",
            Box::new(|v| v["kind"] = json!("calibrate")),
            vec!["`kind`", "not a command that shards"],
        ),
        (
            "command",
            Box::new(|v| v["kind"] = json!("sweep")),
            vec!["`command`", "starts with `run`"],
        ),
        (
            "flag",
            Box::new(|v| {
                v["command"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!("--threads"))
            }),
            vec!["`command`", "--threads"],
        ),
        (
            "seed",
            Box::new(|v| v["seed"] = json!(u64::MAX)),
            vec!["`seed`", "above the largest seed"],
        ),
        (
            "cwd",
            Box::new(|v| v["cwd"] = json!("somewhere")),
            vec!["`cwd`", "not an absolute directory"],
        ),
        (
            "sha",
            Box::new(|v| v["scenarios_sha256"] = json!("00")),
            vec!["`scenarios_sha256`", "not a SHA-256"],
        ),
        (
            "range",
            Box::new(|v| v["replicates"] = json!([0, 3])),
            vec!["`replicates`", "[0, 3]", "shard 1/2"],
        ),
        (
            "no-range",
            Box::new(|v| v["replicates"] = Value::Null),
            vec!["`replicates`", "missing for a run"],
        ),
        (
            "no-values",
            Box::new(|v| {
                let f = v["files"].as_array_mut().unwrap();
                f.retain(|x| x["path"] != "values.f64");
            }),
            vec!["`files`", "`values.f64` is not listed"],
        ),
        (
            "twice",
            Box::new(|v| {
                let f = v["files"].as_array_mut().unwrap();
                f.push(f[0].clone());
            }),
            vec!["`files`", "listed twice"],
        ),
    ];
    for (name, edit, needles) in &one {
        let bad = edited(&a1, &t.join(name), edit.as_ref());
        let mut n = needles.clone();
        n.push(name);
        refused(&out, &[&bad, &a2], &n);
    }
    // Fields that agree within each shard but not with this engine or the scenario: both
    // shards edited alike.
    let both: Vec<(&str, Edit, Vec<&str>)> = vec![
        (
            "engine",
            Box::new(|v| v["engine"]["git_commit"] = json!("0000000")),
            vec!["made by wecare", "0000000"],
        ),
        (
            "other-seed",
            Box::new(|v| v["seed"] = json!(6)),
            vec!["`seed`", "the shards used seed 6", "seed 5"],
        ),
        (
            "other-scenario",
            Box::new(|v| v["scenarios_sha256"] = json!("ab".repeat(32))),
            vec!["`scenarios_sha256`", "the scenario changed"],
        ),
    ];
    for (name, edit, needles) in &both {
        let b1 = edited(&a1, &t.join(format!("{name}-1")), edit.as_ref());
        let b2 = edited(&a2, &t.join(format!("{name}-2")), edit.as_ref());
        refused(&out, &[&b1, &b2], needles);
    }
    // Each shard agrees with itself, but the merge runs the command from one directory.
    let elsewhere = edited(&a2, &t.join("elsewhere"), &|v| v["cwd"] = json!("/"));
    refused(
        &out,
        &[&a1, &elsewhere],
        &["elsewhere", "working directory `cwd` differs"],
    );
    let other_root = edited(&a2, &t.join("other-root"), &|v| v["out"] = json!("/tmp/x"));
    refused(
        &out,
        &[&a1, &other_root],
        &["other-root", "results root `out` differs"],
    );
    // The blocks must follow each other: shard 2 claiming shard 1's replicates.
    let b2 = edited(&a2, &t.join("overlap"), &|v| {
        v["replicates"] = json!([0, 2])
    });
    refused(&out, &[&a1, &b2], &["`replicates`", "[0, 2]", "shard 2/2"]);
    // The shards as written merge.
    merges(&t.join("ok"), &a1, &a2);
}

#[test]
fn shards_of_a_scenario_edited_since_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let f = write_sweep(t);
    let root = t.join("shards");
    let dirs: Vec<PathBuf> = (1..=2)
        .map(|k| {
            wrote(&ok(&[
                "sweep",
                f.to_str().unwrap(),
                "--replicates",
                "1",
                "--quiet",
                "--shard",
                &format!("{k}/2"),
                "--out",
                root.to_str().unwrap(),
            ]))
        })
        .collect();
    // The scenario changes after the shards ran: the merge would put their results into a
    // run of the new scenario.
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, format!("{text}\n[trust]\ndecay = 0.5\n")).unwrap();
    let out = t.join("never");
    refused(
        &out,
        &[&dirs[0], &dirs[1]],
        &[
            "sweep-shard-1-of-2",
            "`scenarios_sha256`",
            "the scenario changed",
        ],
    );
}

/// A `shard.json` edited without making its checksum of itself again is refused, naming the
/// file and `sha256`, whatever the edit (one no field check would catch included); so is one
/// without the checksum. The layout of the file does not count.
#[test]
fn a_shard_json_edited_without_its_checksum_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (a1, a2) = run_shards(&t.join("a"));
    let out = t.join("never");
    let edits: Vec<(&str, Edit, &str)> = vec![
        (
            "cwd",
            Box::new(|v| v["cwd"] = json!("/")),
            "damaged or was edited",
        ),
        (
            "out",
            Box::new(|v| v["out"] = json!("/tmp")),
            "damaged or was edited",
        ),
        (
            "command",
            Box::new(|v| v["command"][1] = json!("scenarios/other.toml")),
            "damaged or was edited",
        ),
        (
            "extra",
            Box::new(|v| v["extra"] = json!(1)),
            "damaged or was edited",
        ),
        (
            "none",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("sha256");
            }),
            "missing",
        ),
    ];
    for (name, edit, why) in &edits {
        let bad = edited_as(&a1, &t.join(name), edit.as_ref());
        refused(&out, &[&bad, &a2], &[*name, "shard.json", "`sha256`", *why]);
    }
    // Written compactly with its keys in another order, the same manifest still merges.
    let p = a1.join("shard.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    std::fs::write(&p, v.to_string()).unwrap();
    merges(&t.join("ok"), &a1, &a2);
}
