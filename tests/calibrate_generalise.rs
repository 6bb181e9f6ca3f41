//! Does the s50 calibration generalise to panels unlike s50? Four synthetic panels, simulated
//! from the model at known values with other sizes, numbers of waves and densities, with and
//! without the covariate, are written as data files and a scenario copied from
//! `scenarios/s50.toml` with only its paths, timeline, matched waves and the parameters the
//! panel has changed (the rule of docs/calibration.md, "Other panels"), and calibrated by both
//! methods with `wecare calibrate`. Ignored (several minutes); run with
//!
//!     cargo test --release --test calibrate_generalise -- --ignored --nocapture
//!
//! It prints, per panel and method, the joint degree test, whether isolates, transitivity and
//! the largest component share lie inside their 95% predictive intervals at every matched wave,
//! and how many 95% intervals of the parameters cover the known values; per panel, the joint
//! degree test of the model at the known values (how typical the data set is of its own
//! truth). `WECARE_GENERALISE_PANELS=name,name` runs only those panels,
//! `WECARE_GENERALISE_KEEP=DIR` keeps the panels and calibrations in `DIR` (which must not
//! exist).

use std::path::{Path, PathBuf};
use std::process::Command;
use wecare::calibrate::{Problem, parameters, ppc};
use wecare::data::csv::write_dataset;
use wecare::data::{Dataset, Tie};
use wecare::model::Model;
use wecare::scenario::Scenario;

/// One synthetic panel.
struct Panel {
    name: &'static str,
    /// 25, 50 or 150 actors (s50's first 25 pupils, s50, three copies of s50).
    actors: usize,
    waves: usize,
    covariate: bool,
    /// Known values, by calibration key.
    truth: &'static [(&'static str, f64)],
    data_seed: u64,
}

const PANELS: &[Panel] = &[
    Panel {
        name: "small-dense",
        actors: 25,
        waves: 3,
        covariate: true,
        truth: &[
            ("formation.base.programme", -0.5),
            ("formation.closure", 2.0),
            ("formation.covariate_similarity", 1.0),
            ("dissolution.base.programme", -2.6),
            ("formation.activity_sqrt", -0.8),
            ("formation.isolate", 0.0),
            ("formation.period_offset.2", -0.5),
            ("dissolution.effect_period_offset.embedded.2", 1.0),
        ],
        data_seed: 101,
    },
    Panel {
        name: "large-sparse-no-covariate",
        actors: 150,
        waves: 3,
        covariate: false,
        truth: &[
            ("formation.base.programme", -1.5),
            ("formation.closure", 3.0),
            ("dissolution.base.programme", -2.0),
            ("formation.activity_sqrt", -2.0),
            ("formation.isolate", 0.0),
            ("formation.period_offset.2", -1.0),
            ("dissolution.effect_period_offset.embedded.2", 2.0),
        ],
        data_seed: 102,
    },
    Panel {
        name: "two-waves",
        actors: 50,
        waves: 2,
        covariate: true,
        truth: &[
            ("formation.base.programme", -1.0),
            ("formation.closure", 2.5),
            ("formation.covariate_similarity", 0.5),
            ("dissolution.base.programme", -2.2),
            ("formation.activity_sqrt", -1.5),
            ("formation.isolate", 0.0),
        ],
        data_seed: 103,
    },
    Panel {
        name: "four-waves",
        actors: 50,
        waves: 4,
        covariate: true,
        truth: &[
            ("formation.base.programme", -1.5),
            ("formation.closure", 3.0),
            ("formation.covariate_similarity", 0.5),
            ("dissolution.base.programme", -2.4),
            ("formation.activity_sqrt", -1.5),
            ("formation.isolate", 0.0),
            ("formation.period_offset.2", -1.0),
            ("dissolution.effect_period_offset.embedded.2", 1.5),
            ("formation.period_offset.3", 0.5),
            ("dissolution.effect_period_offset.embedded.3", 0.0),
        ],
        data_seed: 104,
    },
];

/// The isolate effect, calibrated when the panel has an isolate.
const ISOLATE: &str = "formation.isolate";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The panel's actors and first wave: s50's first `n` pupils and their ties, or three copies
/// of the cohort side by side; without the covariate when the panel has none.
fn dataset(s50: &Dataset, panel: &Panel) -> Dataset {
    let copies = panel.actors.div_ceil(50);
    let keep = panel.actors.min(50);
    let mut ds = Dataset::default();
    for c in 0..copies {
        for o in &s50.organisations[..keep] {
            let mut o = o.clone();
            if copies > 1 {
                o.id = format!("{}{}", (b'a' + c as u8) as char, o.id);
            }
            if !panel.covariate {
                o.covariate = None;
            }
            ds.organisations.push(o);
        }
        for t in s50.ties.iter().filter(|t| t.a < keep && t.b < keep) {
            ds.ties.push(Tie {
                a: t.a + c * keep,
                b: t.b + c * keep,
                trust: t.trust,
            });
        }
    }
    ds
}

/// The s50 scenario adapted to the panel by the rule: the timeline has one year per period
/// and the panel's waves, all waves from 2 are matched, the covariate effect and statistic go
/// when the panel has no covariate, each period from 2 has its own formation offset and
/// embeddedness offset with the priors of period 2's, and the degree statistics and effects
/// are those `wecare panel` gives: `isolates` and `degree_sd` with the isolate effect beside
/// the activity effect when some matched wave has an isolate (`isolated`), else `degree_sd`
/// alone.
fn adapted(panel: &Panel, dir: &Path, isolated: bool) -> Scenario {
    let mut s = Scenario::load(&root().join("scenarios/s50.toml")).unwrap();
    let w = panel.waves;
    s.scenario.name = panel.name.to_string();
    s.timeline.programme = 12 * (w as u32 - 1);
    s.timeline.waves = (0..w as u32).map(|k| 12 * k).collect();
    s.calibration.waves = (2..=w).collect();
    s.data.organisations = Some(dir.join("organisations.csv"));
    s.data.ties = Some(dir.join("ties.csv"));
    s.calibration.observed = (1..=w).map(|k| dir.join(format!("wave{k}.csv"))).collect();
    let specs = s.calibration.parameters.clone();
    let period2: Vec<_> = specs.iter().filter(|p| p.key.ends_with(".2")).collect();
    let mut kept: Vec<_> = specs
        .iter()
        .filter(|p| !p.key.ends_with(".2"))
        .filter(|p| panel.covariate || p.key != "formation.covariate_similarity")
        .cloned()
        .collect();
    // The isolate effect, its prior as `wecare panel` writes it; a panel of one period
    // matches both degree moments without it, combined.
    let one_period = w == 2;
    if isolated && !one_period {
        let mut isolate = specs
            .iter()
            .find(|p| p.key == "formation.activity_sqrt")
            .unwrap()
            .clone();
        isolate.key = ISOLATE.into();
        (isolate.min, isolate.max) = (Some(-2.0), Some(3.0));
        kept.push(isolate);
    }
    for k in 2..w {
        for p in &period2 {
            let mut p = (*p).clone();
            p.key = format!("{}.{k}", p.key.trim_end_matches(".2"));
            kept.push(p);
        }
    }
    s.calibration.parameters = kept;
    if !isolated {
        s.calibration.statistics.retain(|x| x != "isolates");
    }
    s.calibration.statistics.push("degree_sd".into());
    s.calibration.smm.combine = isolated && one_period;
    if !panel.covariate {
        s.calibration
            .statistics
            .retain(|x| x != "tie_covariate_similarity");
    }
    s
}

/// The known values of the parameters the panel's scenario calibrates: the isolate effect's
/// (0) only when the panel has an isolate and more than one period.
fn truth(panel: &Panel, isolated: bool) -> Vec<(&'static str, f64)> {
    let keep = |key: &str| (isolated && panel.waves > 2) || key != ISOLATE;
    panel.truth.iter().copied().filter(|t| keep(t.0)).collect()
}

/// Writes the panel (data, waves simulated at the truth, scenario) into `dir`; the scenario's
/// path and the known values of its calibrated parameters.
fn write_panel(panel: &Panel, dir: &Path) -> (PathBuf, Vec<(&'static str, f64)>) {
    let s50 = Scenario::load(&root().join("scenarios/s50.toml")).unwrap();
    let (s50_ds, _) = s50.load_dataset().unwrap();
    let ds = dataset(&s50_ds, panel);
    write_dataset(&ds, dir).unwrap();
    // The model does not depend on the degree rule, which depends on the waves simulated.
    let mut p = adapted(panel, dir, false).params();
    for &(key, v) in panel.truth {
        assert!(parameters::set(&mut p, key, v), "{key}");
    }
    let waves = Model::new(&ds, &p).unwrap().run(panel.data_seed, 0);
    assert_eq!(waves.len(), panel.waves);
    let isolated = waves[1..].iter().any(|w| {
        let mut degree = vec![0usize; ds.organisations.len()];
        for t in &w.ties {
            degree[t.a as usize] += 1;
            degree[t.b as usize] += 1;
        }
        degree.contains(&0)
    });
    let s = adapted(panel, dir, isolated);
    let truth = truth(panel, isolated);
    let keys: Vec<&str> = s
        .calibration
        .parameters
        .iter()
        .map(|p| p.key.as_str())
        .collect();
    let truth_keys: Vec<&str> = truth.iter().map(|t| t.0).collect();
    assert_eq!(keys, truth_keys, "{}", panel.name);
    for (k, w) in waves.iter().enumerate() {
        let mut text = String::from("from,to\n");
        for t in &w.ties {
            let (a, b) = (t.a as usize, t.b as usize);
            text += &format!("{},{}\n", ds.organisations[a].id, ds.organisations[b].id);
        }
        std::fs::write(dir.join(format!("wave{}.csv", k + 1)), text).unwrap();
    }
    let file = dir.join(format!("{}.toml", panel.name));
    std::fs::write(&file, s.to_toml()).unwrap();
    (file, truth)
}

fn records(path: &Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    r.records().map(|x| x.unwrap()).collect()
}

/// What one calibration of one panel shows.
#[derive(Debug)]
struct Checked {
    converged: bool,
    degree_p: f64,
    /// (statistic@wave, observed, 2.5%, 97.5%) of each check outside its interval.
    outside: Vec<String>,
    checks: usize,
    covered: usize,
    intervals: usize,
}

/// Is `obs` inside `[lo, hi]` (the 95% predictive interval)?
fn inside(obs: f64, lo: f64, hi: f64) -> bool {
    obs >= lo && obs <= hi
}

fn check(truth: &[(&str, f64)], dir: &Path, method: &str) -> Checked {
    // Transitivity (matched, fit.csv), the isolates (`degree.0`) and the largest component
    // share (ppc.csv, whether matched or not) at every wave from 2, labelled `statistic@wave`.
    let fit = records(&dir.join("fit.csv")).into_iter().filter_map(|r| {
        r[2].starts_with("transitivity@")
            .then(|| (r[2].to_string(), r))
    });
    let ppc = records(&dir.join("ppc.csv")).into_iter().filter_map(|r| {
        let wave: usize = r[0].parse().unwrap();
        let name = match &r[2] {
            "degree.0" if &r[1] == "degree" => "isolates",
            "largest_component_share" => "largest_component_share",
            _ => return None,
        };
        (wave >= 2).then(|| (format!("{name}@{wave}"), r))
    });
    let mut outside = Vec::new();
    let mut checks = 0;
    for (stat, r) in fit.chain(ppc) {
        let value = |k: usize| -> f64 { r[k].parse().unwrap() };
        let (obs, lo, hi) = (value(3), value(7), value(8));
        checks += 1;
        if !inside(obs, lo, hi) {
            outside.push(format!("{stat} {obs:.3} not in {lo:.3}-{hi:.3}"));
        }
    }
    // The joint test over the matched waves; a panel with one matched wave has only that
    // wave's test.
    let gof = records(&dir.join("gof.csv"));
    let degree: Vec<_> = gof.iter().filter(|r| &r[0] == "degree").collect();
    let degree_p = degree
        .iter()
        .find(|r| &r[1] == "joint")
        .or(degree.first())
        .map(|r| r[7].parse().unwrap())
        .unwrap();
    let est = records(&dir.join("estimates.csv"));
    let converged = method == "abc" || est.iter().all(|r| &r[7] == "true");
    // An unconverged method-of-moments fit reports no interval (NaN): nothing to count.
    let (mut covered, mut intervals) = (0, 0);
    for (r, &(key, truth)) in est.iter().zip(truth) {
        assert_eq!(&r[0], key);
        let (lo, hi): (f64, f64) = (r[4].parse().unwrap(), r[6].parse().unwrap());
        if lo.is_finite() && hi.is_finite() {
            intervals += 1;
            covered += usize::from(inside(truth, lo, hi));
        }
    }
    Checked {
        converged,
        degree_p,
        outside,
        checks,
        covered,
        intervals,
    }
}

/// The joint degree test (over the matched waves, or the one matched wave's) of 1,000
/// simulations at the known values: the p-value of the data set under its own truth.
fn degree_p_at_truth(truth: &[(&str, f64)], file: &Path) -> f64 {
    let problem = Problem::from_scenario(&Scenario::load(file).unwrap()).unwrap();
    let theta: Vec<f64> = truth.iter().map(|t| t.1).collect();
    let draws = vec![theta; 1000];
    let pred = ppc::predictive(&problem, &draws, 20170101).unwrap();
    let degree: Vec<_> = pred.gof.iter().filter(|t| t.family == "degree").collect();
    degree
        .iter()
        .find(|t| t.wave.is_none())
        .or(degree.first())
        .unwrap()
        .p_value
}

/// The panels named in `WECARE_GENERALISE_PANELS` (all when unset).
fn selected() -> Vec<&'static Panel> {
    let names = std::env::var("WECARE_GENERALISE_PANELS").unwrap_or_default();
    let names: Vec<&str> = names.split(',').filter(|n| !n.is_empty()).collect();
    PANELS
        .iter()
        .filter(|p| names.is_empty() || names.contains(&p.name))
        .collect()
}

/// Calibrates every panel by both methods. Tolerances: with fixed seeds the results are
/// reproducible; the test fails when a calibration does not run to its outputs, or when more
/// than 4 of the 2 x 30 parameter intervals miss the known value (at the nominal 95% about 3
/// misses are expected; 5 or more has probability about 0.18 under Bin(60, 0.05), so the
/// bound only catches intervals far too narrow). The fit figures are reported, not asserted:
/// they are what the study measures.
#[test]
#[ignore]
fn the_s50_calibration_fits_panels_unlike_s50() {
    let tmp = tempfile::tempdir().unwrap();
    let root = match std::env::var_os("WECARE_GENERALISE_KEEP") {
        Some(d) => {
            let d = PathBuf::from(d);
            assert!(!d.exists(), "{d:?} exists");
            d
        }
        None => tmp.path().to_path_buf(),
    };
    let mut missed = 0;
    println!(
        "panel | actors | waves | covariate | method | converged | degree p (joint) | \
         checks inside | intervals covering the truth"
    );
    for panel in selected() {
        let dir = root.join(panel.name);
        std::fs::create_dir_all(&dir).unwrap();
        let (file, truth) = write_panel(panel, &dir);
        println!(
            "{}: degree p at the known values {:.3}",
            panel.name,
            degree_p_at_truth(&truth, &file)
        );
        for method in ["smm", "abc"] {
            let out = dir.join(format!("out-{method}"));
            let run = Command::new(env!("CARGO_BIN_EXE_wecare"))
                .args(["calibrate", file.to_str().unwrap(), "--method", method])
                .args(["--quiet", "--out", out.to_str().unwrap()])
                .output()
                .unwrap();
            let code = run.status.code();
            assert!(
                code == Some(0) || (method == "smm" && code == Some(3)),
                "{} {method}: {}",
                panel.name,
                String::from_utf8_lossy(&run.stderr)
            );
            let parent = out
                .join("calibrate")
                .join(format!("{}-{method}", panel.name));
            let run_dir = std::fs::read_dir(&parent)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
                .unwrap();
            let c = check(&truth, &run_dir, method);
            missed += c.intervals - c.covered;
            println!(
                "{} | {} | {} | {} | {method} | {} | {:.3} | {} of {} {:?} | {} of {}",
                panel.name,
                panel.actors,
                panel.waves,
                if panel.covariate { "yes" } else { "no" },
                c.converged,
                c.degree_p,
                c.checks - c.outside.len(),
                c.checks,
                c.outside,
                c.covered,
                c.intervals
            );
        }
    }
    assert!(missed <= 4, "{missed} intervals miss the known value");
}
