//! The getting-started tutorial (docs/tutorial.md) runs as written: every command block of the
//! page is executed in order by `sh`, from a copy of the repository's tutorial files, with the
//! `wecare` just built on the `PATH`; then the figures the page quotes are checked.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The page's code blocks that are commands (they start with `wecare`, `cp` or `sed`), in
/// order; example output blocks are left out.
fn command_blocks(page: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for event in Parser::new(page) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => current = Some(String::new()),
            Event::Text(t) => {
                if let Some(c) = current.as_mut() {
                    c.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                let block = current.take().unwrap_or_default();
                let first = block.split_whitespace().next().unwrap_or("");
                if ["wecare", "cp", "sed"].contains(&first) {
                    blocks.push(block);
                }
            }
            _ => {}
        }
    }
    blocks
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            fs::copy(&path, &dest).unwrap();
        }
    }
}

/// The only directory below `dir` (the commands made exactly one of each).
fn only_subdir(dir: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1, "{}: {dirs:?}", dir.display());
    dirs[0].clone()
}

/// Column `name` of a CSV file's rows, with the rows' other fields.
fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            head.iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn num(row: &std::collections::HashMap<String, String>, col: &str) -> f64 {
    row.get(col)
        .unwrap_or_else(|| panic!("no column {col} in {row:?}"))
        .parse()
        .unwrap()
}

/// Runs each command block in `work` with `sh -e`, the `wecare` just built first on the
/// `PATH`; fails on the first block that fails, showing its output.
fn run_blocks(blocks: &[String], work: &Path) {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_wecare"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for block in blocks {
        // The page writes `<time>` for the directory a command made; there is exactly one.
        let script = block.replace("<time>", "*");
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("set -e\n{script}"))
            .current_dir(work)
            .env("PATH", &path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{script}\nfailed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_tutorial_runs_end_to_end() {
    let page = fs::read_to_string(root().join("docs/tutorial.md")).unwrap();
    let blocks = command_blocks(&page);
    // stats; validate + run; calibrate; cp + run; sed; compare.
    assert_eq!(blocks.len(), 6, "{blocks:#?}");

    let work = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("docs/tutorial"),
        &work.path().join("docs/tutorial"),
    );
    run_blocks(&blocks, work.path());

    let results = work.path().join("results");
    // Step 2: "about 58 ties at wave 3 ... about 39% join new initiatives" (200 replicates,
    // seed 2024; the tolerances are a few Monte Carlo standard errors: 0.35 ties, 0.011).
    let run = fs::read_dir(results.join("tutorial-region"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            fs::read_to_string(p.join("manifest.json"))
                .is_ok_and(|m| m.contains("\"docs/tutorial/region.toml\""))
        })
        .expect("the run of step 2");
    let summary = csv_rows(&run.join("summary.csv"));
    let at3 = |stat: &str| {
        summary
            .iter()
            .find(|r| r["wave"] == "3" && r["scope"] == "network" && r["statistic"] == stat)
            .unwrap_or_else(|| panic!("{stat} at wave 3 missing"))
            .clone()
    };
    let ties = num(&at3("ties"), "mean");
    assert!((ties - 58.4).abs() < 1.5, "ties at wave 3: {ties}");
    assert!(
        num(&at3("ties"), "p2_5") > 46.0,
        "the target is outside the band"
    );
    let share = num(&at3("initiative_share"), "mean");
    assert!(
        (share - 0.39).abs() < 0.03,
        "initiative share at wave 3: {share}"
    );

    // Step 3: the method of moments converged, and the fitted model meets both targets within
    // two of their standard errors (4 ties, 0.05).
    let cal = only_subdir(&results.join("calibrate/tutorial-region-smm"));
    let manifest = fs::read_to_string(cal.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"converged\": true"), "{manifest}");
    let estimates = csv_rows(&cal.join("estimates.csv"));
    assert_eq!(estimates.len(), 2, "{estimates:?}");
    let fit = csv_rows(&cal.join("fit.csv"));
    for (stat, se) in [("ties", 4.0), ("initiative_share", 0.05)] {
        let row = fit
            .iter()
            .find(|r| r["statistic"] == stat || r["statistic"].starts_with(&format!("{stat}@")))
            .unwrap_or_else(|| panic!("{stat} not in fit.csv: {fit:?}"));
        let (obs, mean) = (num(row, "observed"), num(row, "mean"));
        assert!(
            (obs - mean).abs() < 2.0 * se,
            "{stat}: observed {obs}, fitted {mean}"
        );
    }
    assert!(work.path().join("region-calibrated.toml").is_file());

    // Step 4: the follow-on design differs from the baseline only in its name and funding, and
    // the comparison was written under the baseline's name.
    let base = fs::read_to_string(work.path().join("region-calibrated.toml")).unwrap();
    let design = fs::read_to_string(work.path().join("region-follow-on.toml")).unwrap();
    let changed: Vec<(&str, &str)> = base
        .lines()
        .zip(design.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        vec![
            ("name = \"tutorial-region\"", "name = \"follow-on-12\""),
            ("follow_on = 0", "follow_on = 12")
        ]
    );
    let compares: Vec<PathBuf> = fs::read_dir(results.join("tutorial-region"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("compare-"))
        })
        .collect();
    assert_eq!(compares.len(), 1, "{compares:?}");
    assert!(compares[0].join("summary.csv").is_file());
}
