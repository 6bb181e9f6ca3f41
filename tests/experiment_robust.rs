//! Robustness of a design comparison (`wecare compare --across-...`): a setting that changes
//! nothing reproduces the reference run bit for bit, a setting that changes an assumed
//! coefficient moves the money designs and leaves the others' readings, the settings are
//! parsed and checked, and the Q2 design list is Q2.

use std::path::{Path, PathBuf};
use std::process::Command;
use wecare::experiment::compare::{Design, DesignList, compare};
use wecare::experiment::estimate::{Equivalence, Sign, summarise};
use wecare::experiment::hypotheses::{Options, q2};
use wecare::experiment::outcome::Key;
use wecare::experiment::robust::{
    across, holdings, posterior_settings, seed_settings, values_settings,
};
use wecare::experiment::{Runner, Silent};
use wecare::scenario::Scenario;

mod report_common;
use report_common::{files, ok, wrote};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn designs(files: &[&str]) -> Vec<Design> {
    files
        .iter()
        .map(|f| Design::load(&root().join("scenarios/designs").join(f)).unwrap())
        .collect()
}

fn keys() -> Vec<Key> {
    ["ties@3", "programme_ties@3", "programme_cost@3"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect()
}

/// The generator at the data set's own seed redraws the committed data, and budget-double's
/// projects are carried by their budget ratio: the comparison must come out bit for bit the
/// same. The designs' own `project_budget` (0.5) likewise changes nothing.
#[test]
fn a_setting_that_changes_nothing_reproduces_the_reference_exactly() {
    let ds = designs(&["baseline.toml", "budget-double.toml", "no-programme.toml"]);
    let runner = Runner::new(2, &Silent).unwrap();
    let mut settings = seed_settings(&[20170101]);
    settings.extend(values_settings("formation.effects.project_budget=0.5").unwrap());
    let r = across(&ds, &runner, 6, 3, &keys(), &settings).unwrap();
    assert_eq!(
        r.rows.len(),
        2 * 2 * 3,
        "2 settings x 2 designs x 3 outcomes"
    );
    for x in &r.rows {
        let reference = r.reference.row(&x.design, &x.outcome).unwrap();
        assert_eq!(
            x.difference, reference.difference,
            "{} {} at {}",
            x.design, x.outcome, r.settings[x.setting].label
        );
    }
    for h in holdings(&r) {
        assert_eq!(h.same_sign, h.settings, "{h:?}");
        assert_eq!(h.same_equivalence, h.settings, "{h:?}");
        assert_eq!(h.share(), (1.0, 0.0));
    }
}

/// With money inert (`project_budget = 0`) doubling every budget buys no extra programme
/// ties; another data draw keeps the programme's own effect (more ties than no programme) and
/// the cost of the programme exactly.
#[test]
fn settings_change_the_data_or_the_coefficient_and_the_readings_follow() {
    let ds = designs(&["baseline.toml", "budget-double.toml", "no-programme.toml"]);
    let runner = Runner::new(2, &Silent).unwrap();
    let mut settings = values_settings("formation.effects.project_budget=0").unwrap();
    settings.extend(seed_settings(&[7]));
    let r = across(&ds, &runner, 40, 5, &keys(), &settings).unwrap();
    let at = |k: usize, design: &str, stat: &str| {
        r.rows
            .iter()
            .find(|x| x.setting == k && x.design == design && x.outcome.statistic == stat)
            .unwrap()
    };
    // The reference (0.5): doubling buys programme ties beyond Monte Carlo error.
    let reference = r
        .reference
        .row("budget-double", &"programme_ties@3".parse().unwrap())
        .unwrap();
    assert_eq!(Sign::of(&reference.difference, 1.0), Sign::Higher);
    // At 0 the money only sets recruitment relative to the mean budget: doubling every budget
    // changes nothing, exactly.
    let inert = at(0, "budget-double", "programme_ties");
    assert_eq!(inert.difference.mean, 0.0);
    assert_eq!(Sign::of(&inert.difference, inert.baseline), Sign::Covers0);
    // Another draw of the data: other values, the same money, and the programme still adds
    // ties against no programme.
    let redrawn = at(1, "no-programme", "ties");
    let own = r
        .reference
        .row("no-programme", &"ties@3".parse().unwrap())
        .unwrap();
    assert_ne!(
        redrawn.difference, own.difference,
        "other data, other values"
    );
    assert_eq!(Sign::of(&redrawn.difference, redrawn.baseline), Sign::Lower);
    assert_eq!(
        at(1, "budget-double", "programme_cost").difference.mean,
        6.4e6
    );
    let h = holdings(&r);
    let money = h
        .iter()
        .find(|h| {
            h.group == "formation.effects.project_budget"
                && h.design == "budget-double"
                && h.outcome.statistic == "programme_ties"
        })
        .unwrap();
    assert_eq!((money.settings, money.same_sign), (1, 0));
}

/// On another draw of the data a split of the same money (by territory size) still spends
/// the baseline's money, and a doubling twice that: the per-project ratios alone would
/// carry another total wherever the redrawn budgets differ.
#[test]
fn budget_designs_keep_their_total_on_another_draw_of_the_data() {
    let ds = designs(&[
        "baseline.toml",
        "budget-territory-size.toml",
        "budget-double.toml",
    ]);
    let runner = Runner::new(2, &Silent).unwrap();
    let r = across(&ds, &runner, 4, 2, &keys(), &seed_settings(&[3, 7])).unwrap();
    for k in 0..2 {
        let cost = |design: &str| {
            r.rows
                .iter()
                .find(|x| {
                    x.setting == k && x.design == design && x.outcome.statistic == "programme_cost"
                })
                .unwrap()
                .difference
                .mean
        };
        // Relative rounding of a sum of 22 budgets, far below a cent in 6.4 million.
        assert!(
            cost("budget-territory-size").abs() < 1e-6,
            "seed setting {k}"
        );
        assert_eq!(cost("budget-double"), 6.4e6, "seed setting {k}");
    }
}

#[test]
fn settings_are_parsed_and_checked() {
    let s = values_settings("dissolution.base.post=-1, 0,1").unwrap();
    assert_eq!(s.len(), 3);
    assert_eq!(
        s[0].values,
        vec![("dissolution.base.post".to_string(), -1.0)]
    );
    assert_eq!(s[2].group, "dissolution.base.post");
    for bad in ["dissolution.base.post", "=1", "x=1,nope", "x=inf"] {
        let e = values_settings(bad).unwrap_err().to_string();
        assert!(e.contains("--across-values"), "{bad}: {e}");
    }
    // Systematic resampling: draws follow the weights, deterministically.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("posterior.csv");
    std::fs::write(
        &f,
        "particle,weight,distance,initiative.base\n0,0,0.1,-7\n1,3,0.1,-6\n2,1,0.1,-5\n",
    )
    .unwrap();
    let draws = posterior_settings(&f, 4).unwrap();
    let values: Vec<f64> = draws.iter().map(|d| d.values[0].1).collect();
    assert_eq!(values, vec![-6.0, -6.0, -6.0, -5.0]);
    assert_eq!(draws[0].values[0].0, "initiative.base");
    std::fs::write(
        &f,
        "particle,weight,distance,initiative.base\n0,1,0.1,-7\n1,x,0.1,-6\n",
    )
    .unwrap();
    let e = posterior_settings(&f, 4).unwrap_err().to_string();
    assert!(e.contains("line 3") && e.contains("`weight`"), "{e}");
}

/// A design whose projects differ from the baseline's in members cannot be carried to a
/// redrawn data set, and says so.
#[test]
fn projects_that_differ_in_members_are_refused_on_redrawn_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = root().join("scenarios/data/wecare-measure1");
    let text = std::fs::read_to_string(data.join("projects.csv")).unwrap();
    // Drop the last partner of the first project.
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let cut = lines[1].rfind(';').unwrap();
    lines[1].truncate(cut);
    std::fs::write(dir.path().join("projects.csv"), lines.join("\n") + "\n").unwrap();
    let mut ds = designs(&["baseline.toml", "wider-area.toml"]);
    ds[1].scenario.data.projects = Some(dir.path().join("projects.csv"));
    let runner = Runner::new(2, &Silent).unwrap();
    let e = across(&ds, &runner, 3, 1, &keys(), &seed_settings(&[2]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("wider-area") && e.contains("cannot be carried"),
        "{e}"
    );
}

/// `scenarios/q2/q2.toml` is Q2 as `wecare hypotheses --only q2` runs it.
#[test]
fn the_q2_design_list_is_q2() {
    let (files, outcomes) = DesignList::load(&root().join("scenarios/q2/q2.toml")).unwrap();
    let ds: Vec<Design> = files.iter().map(|f| Design::load(f).unwrap()).collect();
    let runner = Runner::new(2, &Silent).unwrap();
    let c = compare(&ds, &runner, 5, 9, &outcomes).unwrap();
    let s = Scenario::load(&root().join("scenarios/wecare-measure1.toml")).unwrap();
    let o = Options::all(5, 9);
    let h = q2(&runner, &s, &o).unwrap();
    assert_eq!(c.outcomes, h.outcomes);
    let bits = |t: &wecare::experiment::OutcomeTable| -> Vec<Vec<u64>> {
        t.rows
            .iter()
            .map(|r| r.iter().map(|v| v.to_bits()).collect())
            .collect()
    };
    assert_eq!(c.tables.len(), h.tables.len());
    for (a, b) in c.tables.iter().zip(&h.tables) {
        assert_eq!(bits(a), bits(b));
    }
}

#[test]
fn equivalence_reads_the_interval_against_the_margin() {
    let d = summarise(&[0.9, 1.0, 1.1]);
    assert_eq!(Equivalence::of(&d, 5.0), Equivalence::Equivalent);
    assert_eq!(Equivalence::of(&d, 0.1), Equivalence::NotEquivalent);
    assert_eq!(Equivalence::of(&d, 1.0), Equivalence::Inconclusive);
    assert_eq!(Sign::of(&d, 1.0), Sign::Higher);
    let zero = summarise(&[-1e-10, -1e-10]);
    assert_eq!(
        Sign::of(&zero, 6.4e6),
        Sign::Covers0,
        "rounding is not a difference"
    );
}

#[test]
fn compare_across_writes_the_robustness_files() {
    let out = tempfile::tempdir().unwrap();
    let list = root().join("scenarios/q2/q2.toml");
    let r = Command::new(env!("CARGO_BIN_EXE_wecare"))
        .args([
            "compare",
            "--designs",
            list.to_str().unwrap(),
            "--replicates",
            "3",
            "--quiet",
            "--out",
            out.path().to_str().unwrap(),
            "--across-values",
            "initiative.effects.adopted=0,1",
        ])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = String::from_utf8(r.stdout).unwrap();
    let dir = PathBuf::from(text.trim().rsplit("wrote ").next().unwrap());
    for f in [
        "summary.csv",
        "robustness.csv",
        "robustness_summary.csv",
        "robustness.md",
    ] {
        assert!(dir.join(f).exists(), "{f} missing in {}", dir.display());
    }
    let rows = std::fs::read_to_string(dir.join("robustness.csv")).unwrap();
    assert_eq!(
        rows.lines().count(),
        1 + 2 * 3 * 7,
        "2 values x 3 designs x 7 outcomes"
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_wecare"))
        .args([
            "compare",
            "--designs",
            list.to_str().unwrap(),
            "--out",
            out.path().to_str().unwrap(),
            "--across-values",
            "initiative.effects.adopted",
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("KEY=V1,V2"));
}

/// Every file below `dir`, relative, sorted, with its bytes.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files(dir)
        .into_iter()
        .map(|rel| {
            let bytes = std::fs::read(dir.join(&rel)).unwrap();
            (rel, bytes)
        })
        .collect()
}

/// A robustness run (redrawn data and values of a coefficient) sharded in two and merged is
/// byte-identical to the unsharded run, and `--from` runs it again with the same outputs,
/// after checking the generator's parameters it read.
#[test]
fn robustness_runs_shard_merge_and_rerun_bit_for_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "compare",
        "--designs",
        "scenarios/q2/q2.toml",
        "--replicates",
        "3",
        "--across-data-seeds",
        "2",
        "--across-values",
        "initiative.effects.adopted=0,1",
    ];
    let path = |name: &str| tmp.path().join(name).display().to_string();
    let (full, shards, merged, again) =
        (path("full"), path("shards"), path("merged"), path("again"));
    let run = |extra: &[&str]| {
        let mut a = args.to_vec();
        a.extend(["--quiet"]);
        a.extend(extra);
        wrote(&ok(&a))
    };
    let d_full = run(&["--out", &full]);
    let s1 = run(&["--out", &shards, "--shard", "1/2"]);
    let s2 = run(&["--out", &shards, "--shard", "2/2"]);
    assert!(s1.join("shard.json").exists() && s2.join("shard.json").exists());
    let d_merged = wrote(&ok(&[
        "merge",
        "--quiet",
        "--out",
        &merged,
        s2.to_str().unwrap(),
        s1.to_str().unwrap(),
    ]));
    let (a, b) = (tree(&d_full), tree(&d_merged));
    assert_eq!(
        a.iter().map(|x| &x.0).collect::<Vec<_>>(),
        b.iter().map(|x| &x.0).collect::<Vec<_>>()
    );
    assert!(a.iter().any(|x| x.0 == Path::new("robustness.csv")));
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        let n = name.to_str().unwrap();
        // The manifest records when and where; the resolved scenarios name the results root.
        if n == "manifest.json" || n.starts_with("scenario-") {
            continue;
        }
        assert!(
            x == y,
            "{n} differs between the sharded and the unsharded run"
        );
    }
    let manifest = |d: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(d.join("manifest.json")).unwrap()).unwrap()
    };
    let m = manifest(&d_full);
    let inputs = m["inputs"].as_array().unwrap();
    assert!(
        inputs
            .iter()
            .any(|r| r["path"].as_str().unwrap().ends_with("generator.toml")),
        "{m}"
    );
    let d_again = wrote(&ok(&[
        "compare",
        "--from",
        d_full.to_str().unwrap(),
        "--quiet",
        "--out",
        &again,
    ]));
    assert_eq!(m["outputs"], manifest(&d_again)["outputs"]);
}
