//! Sweeps and sensitivity analysis: the Sobol estimator against Ishigami's analytic indices,
//! the `[sweep]` section, and `wecare sweep` / `wecare sensitivity` end to end.

mod report_common;
use report_common::{SWEEP, root, wecare_output, write_sweep};

use std::path::{Path, PathBuf};
use wecare::experiment::sensitivity::{
    Method, ishigami, ishigami_indices, morris, morris_design, run, sobol, sobol_design,
};
use wecare::experiment::sweep::{apply, grid, main_effect};
use wecare::experiment::{Runner, Silent};
use wecare::scenario::Scenario;

#[test]
fn sobol_estimator_matches_the_ishigami_indices_within_its_bootstrap_interval() {
    let (a, b) = (7.0, 0.1);
    let truth = ishigami_indices(a, b);
    let d = sobol_design(3, 1 << 15, 2024);
    let y: Vec<f64> = d.points.iter().map(|u| ishigami(u, a, b)).collect();
    let s = sobol(&d, &y, 400, 7);
    for i in 0..3 {
        let (s1, st) = truth[i];
        eprintln!(
            "x{}: S1 {:.4} [{:.4}, {:.4}] (exact {s1:.4}); ST {:.4} [{:.4}, {:.4}] (exact {st:.4})",
            i + 1,
            s[i].s1,
            s[i].s1_lo,
            s[i].s1_hi,
            s[i].st,
            s[i].st_lo,
            s[i].st_hi
        );
        assert!(s[i].s1_lo <= s1 && s1 <= s[i].s1_hi, "S1 of x{}", i + 1);
        assert!(s[i].st_lo <= st && st <= s[i].st_hi, "ST of x{}", i + 1);
        assert!(s[i].s1_hi - s[i].s1_lo < 0.1 && s[i].st_hi - s[i].st_lo < 0.1);
    }
    assert!((truth[0].0 - 0.3139).abs() < 1e-4 && (truth[2].1 - 0.2437).abs() < 1e-4);
}

#[test]
fn sobol_bootstrap_intervals_cover_the_ishigami_indices_at_their_nominal_rate() {
    // One fixed seed checks one draw; over independent designs (independent scramblings of
    // the Sobol sequence) the 95% intervals of the six indices must cover the exact values at
    // least 95% of the time. The percentile bootstrap treats the N rows as independent draws;
    // the scrambled Sobol rows are more even than that, so the intervals are conservative
    // (with pseudo-random rows the same check gave 93%, within binomial error of 95% for 120
    // intervals). The root mean square error against the exact indices is printed beside the
    // intervals' mean half-width.
    let truth = ishigami_indices(7.0, 0.1);
    let (mut covered, mut total) = (0, 0);
    let (mut sq, mut half) = (0.0, 0.0);
    for seed in 0..20 {
        let d = sobol_design(3, 1 << 11, 100 + seed);
        let y: Vec<f64> = d.points.iter().map(|u| ishigami(u, 7.0, 0.1)).collect();
        for (i, s) in sobol(&d, &y, 300, seed).iter().enumerate() {
            covered += (s.s1_lo <= truth[i].0 && truth[i].0 <= s.s1_hi) as usize;
            covered += (s.st_lo <= truth[i].1 && truth[i].1 <= s.st_hi) as usize;
            sq += (s.s1 - truth[i].0).powi(2) + (s.st - truth[i].1).powi(2);
            half += 0.5 * ((s.s1_hi - s.s1_lo) + (s.st_hi - s.st_lo));
            total += 2;
        }
    }
    let coverage = covered as f64 / total as f64;
    let rmse = (sq / total as f64).sqrt();
    eprintln!(
        "coverage {coverage:.3} of {total} intervals; rmse {rmse:.4}, mean half-width {:.4}",
        half / total as f64
    );
    assert!(coverage >= 0.95, "coverage {coverage}");
}

#[test]
fn morris_screens_every_ishigami_input_as_influential() {
    // All three inputs matter (x3 only through its interaction with x1: S1 = 0, yet mu* is
    // clearly above 0 and its effects change sign, so |mu| << mu*); x1 has the largest
    // effects on an 8-level grid.
    let d = morris_design(3, 200, 8, 5);
    let y: Vec<f64> = d.points.iter().map(|u| ishigami(u, 7.0, 0.1)).collect();
    let m = morris(&d, &y, 200, 5);
    assert!(m[0].mu_star > m[2].mu_star && m[2].mu_star > 0.5 && m[1].mu_star > 0.5);
    assert!(
        m[2].sigma > m[2].mu_star,
        "interaction: spread larger than the mean effect"
    );
    assert!(
        m[2].mu.abs() < 0.5 * m[2].mu_star,
        "x3's effects change sign with x1"
    );
    assert!(m[0].mu_star_lo <= m[0].mu_star && m[0].mu_star <= m[0].mu_star_hi);
}

fn sweep_scenario() -> Scenario {
    Scenario::parse(SWEEP, "sweep.toml", &root().join("scenarios")).unwrap()
}

#[test]
fn grid_morris_and_sobol_run_on_the_model() {
    let s = sweep_scenario();
    let runner = Runner::new(2, &Silent).unwrap();
    let g = grid(&runner, &s, 2, 1).unwrap();
    assert_eq!(
        g.points,
        vec![
            vec![-1.0, 6.0],
            vec![-1.0, 18.0],
            vec![1.0, 6.0],
            vec![1.0, 18.0]
        ]
    );
    assert!(g.tables.iter().all(|t| t.rows.len() == 2));
    // Ties end faster after the programme with a higher dissolution intercept.
    let ties = main_effect(&g, 0, 0);
    assert!(ties[0].1.mean > ties[1].1.mean, "{ties:?}");
    let m = run(&runner, &s, Method::Morris, 2, 1).unwrap();
    assert_eq!(m.points.len(), 3 * 3);
    assert_eq!((m.morris.len(), m.morris[0].len()), (2, 2));
    assert!(m.morris[0][0].mu_star > 0.0);
    let so = run(&runner, &s, Method::Sobol, 1, 1).unwrap();
    assert_eq!(so.points.len(), 4 * 4);
    assert!(so.sobol.iter().flatten().all(|x| x.st.is_finite()));
    // Integer parameters are rounded when applied.
    let t = apply(&s, &[("exit.after".into(), 7.6)]).unwrap();
    assert_eq!(t.exit.after, 8);
}

#[test]
fn sweep_section_errors_name_the_key_and_line() {
    let bad = |from: &str, to: &str| {
        let text = SWEEP.replacen(from, to, 1);
        Scenario::parse(&text, "sweep.toml", &root().join("scenarios"))
            .unwrap_err()
            .to_string()
    };
    let e = bad("dissolution.base.post", "dissolution.nope");
    assert!(
        e.contains("sweep.parameters[0].key") && e.contains("dissolution.nope"),
        "{e}"
    );
    let e = bad("range = [-1.0, 1.0]", "range = [1.0, -1.0]");
    assert!(e.contains("sweep.parameters[0].range"), "{e}");
    let e = bad("\"ties@3\"", "\"ties@9\"");
    assert!(
        e.contains("sweep.outputs[0]") && e.contains("wave 9"),
        "{e}"
    );
    let e = bad("levels = 4", "levels = 3");
    assert!(e.contains("sweep.morris.levels"), "{e}");
    assert!(e.contains("sweep.toml:"), "located in the file: {e}");
}

#[test]
fn sweep_and_sensitivity_commands_write_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_sweep(dir.path());
    let out = dir.path().join("out");
    let (f, o) = (file.to_str().unwrap(), out.to_str().unwrap());
    let runs = [
        (
            vec!["sweep", f, "--out", o, "--threads", "2"],
            vec![
                "summary.csv",
                "point_replicates.csv",
                "summary.md",
                "main_effects.svg",
            ],
        ),
        (
            vec!["sensitivity", f, "--method", "morris", "--out", o],
            vec!["indices.csv", "points.csv", "indices.md", "indices.svg"],
        ),
        (
            vec![
                "sensitivity",
                f,
                "--method",
                "sobol",
                "--replicates",
                "1",
                "--out",
                o,
            ],
            vec!["indices.csv", "points.csv", "indices.md", "indices.svg"],
        ),
    ];
    for (args, files) in runs {
        let r = wecare_output(&args);
        assert!(
            r.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        let text = String::from_utf8(r.stdout).unwrap();
        let d = Path::new(text.trim().rsplit("wrote ").next().unwrap()).to_path_buf();
        for name in files {
            assert!(d.join(name).exists(), "{name} missing in {}", d.display());
        }
    }
    // Morris on one and on two threads: the same points and indices, bootstrap included.
    let written: Vec<PathBuf> = ["1", "2"]
        .into_iter()
        .map(|t| {
            let args = ["sensitivity", f, "--method", "morris", "--out", o];
            let r = wecare_output(&[&args[..], &["--threads", t]].concat());
            assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
            let text = String::from_utf8(r.stdout).unwrap();
            PathBuf::from(text.trim().rsplit("wrote ").next().unwrap())
        })
        .collect();
    for name in ["indices.csv", "points.csv"] {
        assert_eq!(
            std::fs::read(written[0].join(name)).unwrap(),
            std::fs::read(written[1].join(name)).unwrap(),
            "{name}"
        );
    }
    let r = wecare_output(&[
        "sweep",
        root()
            .join("scenarios/wecare-measure1.toml")
            .to_str()
            .unwrap(),
    ]);
    assert!(!r.status.success());
    assert!(String::from_utf8_lossy(&r.stderr).contains("no [sweep] section"));
}
