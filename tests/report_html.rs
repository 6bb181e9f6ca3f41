//! The report: self-contained, rebuilt identically by `wecare report`, comparisons in new
//! directories, and (ignored by default: needs Chromium) rendered by a real browser.

mod report_common;
use report_common::*;
use std::path::Path;

fn derived(dir: &Path) -> Vec<(String, Vec<u8>)> {
    manifest(dir)["derived"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = f.as_str().unwrap().to_string();
            let bytes = std::fs::read(dir.join(&p)).unwrap();
            (p, bytes)
        })
        .collect()
}

#[test]
fn report_is_self_contained_and_rebuilds_identically() {
    let out = tempfile::tempdir().unwrap();
    let dir = run_default(out.path(), &["--replicates", "20"]);
    assert_complete(&dir);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.matches("<svg").count() >= 5, "inline plots");
    for external in ["<script", "<link", "src=", "@import", "url(", "href=\"http"] {
        assert!(!html.contains(external), "report refers to `{external}`");
    }
    for section in [
        "Observed and simulated",
        "initiative_share",
        "Across waves",
        "The network of replicate 0",
        "Summary by wave",
        "Reproduce and cite",
        "wecare run --from",
    ] {
        assert!(html.contains(section), "`{section}` missing");
    }
    let before = derived(&dir);
    let names: Vec<&str> = before.iter().map(|d| d.0.as_str()).collect();
    for f in [
        "report.html",
        "plots/trajectories.svg",
        "plots/trajectories.png",
        "plots/kinds.svg",
        "plots/origins.png",
        "plots/archetypes.svg",
        "plots/network-replicate-0.png",
    ] {
        assert!(names.contains(&f), "{f} not in {names:?}");
    }
    for (name, bytes) in &before {
        if name.ends_with(".png") {
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{name} is a PNG");
        }
    }
    std::fs::remove_file(dir.join("report.html")).unwrap();
    wecare(&["report", dir.to_str().unwrap()]);
    assert!(
        before == derived(&dir),
        "a rebuilt report differs from the run's"
    );
    assert_complete(&dir);
}

#[test]
fn comparison_goes_to_a_new_directory() {
    let out = tempfile::tempdir().unwrap();
    let a = run_default(out.path(), &["--replicates", "8", "--no-report"]);
    let b = run_default(
        out.path(),
        &["--replicates", "8", "--seed", "99", "--no-report"],
    );
    let cmp = out.path().join("cmp");
    let args = [
        "report",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        cmp.to_str().unwrap(),
    ];
    wecare(&args);
    wecare(&args);
    let dirs: Vec<_> = std::fs::read_dir(cmp.join("compare"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dirs.len(), 2, "each comparison gets its own directory");
    for d in &dirs {
        let html = std::fs::read_to_string(d.join("report.html")).unwrap();
        assert!(html.matches("<svg").count() >= 4);
        assert!(html.contains("What differs") && html.contains("montecarlo.seed"));
        let csv = std::fs::read_to_string(d.join("compare.csv")).unwrap();
        assert!(csv.starts_with("run,wave,step,scope,statistic,n,mean,"));
        let runs: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("comparison.json")).unwrap())
                .unwrap();
        assert_eq!(runs.as_array().unwrap().len(), 2);
    }
    // The compared runs are left as they were.
    assert!(!a.join("report.html").exists());
}

/// Opens `html` in headless Chromium (`tests/scripts/report_screenshot.sh`); returns the DOM
/// the browser built and the screenshot (PNG bytes).
fn in_browser(html: &Path, out: &Path, name: &str, size: &str) -> (String, Vec<u8>) {
    let shot = out.join(format!("{name}.png"));
    let dom = out.join(format!("{name}-dom.html"));
    let o = std::process::Command::new(root().join("tests/scripts/report_screenshot.sh"))
        .arg(html)
        .arg(&shot)
        .arg(&dom)
        .arg(size)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 50_000, "a blank page would compress smaller");
    (std::fs::read_to_string(&dom).unwrap(), png)
}

/// Opens a run's report and a comparison of two funding designs in headless Chromium and
/// checks that the pages loaded with their plots. Needs Chromium: `cargo test --release --
/// --ignored`. With `WECARE_SCREENSHOTS=DIR` the screenshots are kept as `DIR/report.png` and
/// `DIR/compare.png` (the README's and docs' images: `WECARE_SCREENSHOTS=docs/img`).
#[test]
#[ignore = "needs Chromium (apt-get install chromium)"]
fn report_renders_in_a_browser() {
    let out = tempfile::tempdir().unwrap();
    let dir = run_default(out.path(), &["--replicates", "100"]);
    let (dom, report_png) = in_browser(&dir.join("report.html"), out.path(), "report", "1280,2400");
    // The browser built the page: headings, the five figures with their SVG drawings.
    assert!(dom.contains("<h1>wecare-measure1</h1>"));
    for id in [
        "trajectories",
        "kinds",
        "origins",
        "archetypes",
        "network-replicate-0",
    ] {
        assert!(dom.contains(&format!("<figure id=\"{id}\">")), "{id}");
    }
    assert!(dom.matches("<svg").count() >= 5);
    assert!(dom.matches("<circle").count() > 200, "network drawn");
    // Axis titles, and the time axis in months with the waves at their months.
    assert!(dom.contains("month (w1, w2"), "time axis title");
    assert!(
        dom.contains("14 (w1)") && dom.contains("78 (w3)"),
        "wave months"
    );

    // A comparison of two funding designs that share the master seed: paired differences.
    let follow_on = root().join("scenarios/designs/follow-on-12.toml");
    wecare(&[
        "run",
        "--quiet",
        "--replicates",
        "100",
        "--no-report",
        "--out",
        out.path().to_str().unwrap(),
        follow_on.to_str().unwrap(),
    ]);
    let other = run_dirs(out.path())
        .into_iter()
        .find(|d| d.to_string_lossy().contains("follow-on-12"))
        .unwrap();
    let cmp = out.path().join("cmp");
    wecare(&[
        "report",
        dir.to_str().unwrap(),
        other.to_str().unwrap(),
        "--out",
        cmp.to_str().unwrap(),
    ]);
    let cmp_dir = std::fs::read_dir(cmp.join("compare"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let (dom, compare_png) = in_browser(
        &cmp_dir.join("report.html"),
        out.path(),
        "compare",
        "1280,2400",
    );
    assert!(dom.contains("(paired)"), "paired differences");
    assert!(
        dom.contains("funding.follow_on"),
        "the design difference listed"
    );
    assert!(
        dom.contains("Also different, without changing what is simulated"),
        "names and descriptions are listed apart"
    );
    if let Ok(keep) = std::env::var("WECARE_SCREENSHOTS") {
        let keep = Path::new(&keep);
        std::fs::write(keep.join("report.png"), report_png).unwrap();
        std::fs::write(keep.join("compare.png"), compare_png).unwrap();
    }
}
