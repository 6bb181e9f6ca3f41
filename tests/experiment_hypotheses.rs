//! The hypothesis experiments end to end on a small replicate count, and the scaling of
//! baseline social capital behind Q1.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use wecare::experiment::hypotheses::{
    ClaimKind, ORGANISATION_LEVEL, Options, PATTERN, RefitBudget, SELECTION_INFLUENCE,
    predictive_p, q3_organisation_table, refits, run, scale_social_capital, write,
};
use wecare::experiment::{Runner, Silent};
use wecare::scenario::Scenario;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn default_scenario() -> Scenario {
    Scenario::load(&root().join("scenarios/wecare-measure1.toml")).unwrap()
}

#[test]
fn scaling_baseline_social_capital_scales_trust_and_nests_tie_sets() {
    let s = default_scenario();
    let (ds, _) = s.load_dataset().unwrap();
    let p = s.params();
    let key = |t: &wecare::data::Tie| (t.a.min(t.b), t.a.max(t.b));
    let set = |d: &wecare::data::Dataset| d.ties.iter().map(key).collect::<HashSet<_>>();
    let low = scale_social_capital(&ds, &p, 0.5, 0.5, 9);
    let mid = scale_social_capital(&ds, &p, 1.0, 1.0, 9);
    let high = scale_social_capital(&ds, &p, 2.0, 1.5, 9);
    let m = ds.ties.len();
    assert_eq!(low.ties.len(), (m as f64 * 0.5).round() as usize);
    assert_eq!(set(&mid), set(&ds));
    assert_eq!(high.ties.len(), (m as f64 * 1.5).round() as usize);
    assert!(set(&low).is_subset(&set(&mid)) && set(&mid).is_subset(&set(&high)));
    // Added ties join active organisations of the same territory that had no tie.
    for t in high.ties.iter().filter(|t| !set(&ds).contains(&key(t))) {
        let (a, b) = (&ds.organisations[t.a], &ds.organisations[t.b]);
        assert!(a.active && b.active && a.territory == b.territory);
    }
    // Trust scales, capped at 1; history too.
    let trust = |d: &wecare::data::Dataset, k: (usize, usize)| {
        d.ties
            .iter()
            .find(|t| key(t) == k)
            .and_then(|t| t.trust)
            .unwrap()
    };
    for t in &low.ties {
        let orig = trust(&ds, key(t));
        assert!((t.trust.unwrap() - 0.5 * orig).abs() < 1e-12);
    }
    assert!(high.ties.iter().all(|t| t.trust.unwrap() <= 1.0));
    assert!(
        high.history
            .iter()
            .zip(&ds.history)
            .all(|(h, o)| { (h.trust.unwrap() - (2.0 * o.trust.unwrap()).min(1.0)).abs() < 1e-12 })
    );
}

#[test]
fn every_hypothesis_experiment_runs_end_to_end() {
    let s = default_scenario();
    let runner = Runner::new(2, &Silent).unwrap();
    let mut o = Options::all(6, 17);
    o.levels = vec![0.5, 1.0, 1.5];
    o.refit = false; // re-fitting has its own test below
    o.profiles = false;
    o.q3_posterior = false;
    o.q3_regions = 0; // generated regions have their own test below
    let h = run(&runner, &s, &o).unwrap();

    let q1 = h.q1.as_ref().unwrap();
    assert_eq!(q1.series.len(), 3);
    let both = &q1.series[0];
    assert!(both.baseline_sc[0] < both.baseline_sc[1] && both.baseline_sc[1] < both.baseline_sc[2]);
    let adoption = |l: usize| {
        let v: Vec<f64> = both.tables[l].rows.iter().map(|r| r[0]).collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(
        adoption(2) > adoption(0),
        "more social capital, more adoption"
    );
    assert!(both.slopes.iter().all(|s| s.mean.is_finite()));
    assert_eq!(q1.territories.territories.len(), 22);
    assert!(q1.territories.slope.iter().all(|s| s.n == 6));

    let q2 = h.q2.as_ref().unwrap();
    assert_eq!(q2.designs[0], "channel off");
    assert_eq!(q2.designs.len(), 4);

    let m = h.mechanisms.as_ref().unwrap();
    assert_eq!(m.variants.len(), 6);
    assert!(m.results.iter().all(|r| r.len() == PATTERN.len()));
    // Without trust_to_persistence, ties do not last and initiatives do not reach 42%.
    let v = m
        .variants
        .iter()
        .position(|v| v == "trust_to_persistence off")
        .unwrap();
    let near = PATTERN
        .iter()
        .position(|c| matches!(c.kind, ClaimKind::Near { .. }))
        .unwrap();
    assert!(!m.results[v][near].holds && m.results[v][near].miss > 0.1);

    let q3 = h.q3.as_ref().unwrap();
    assert_eq!(q3.len(), 5);
    for c in q3 {
        assert!(c.traces.len() > 100, "{}: {}", c.channel, c.traces.len());
        // Ranked by the power on the ranking half (then |d| there), not on the half the
        // reported power comes from.
        assert!(
            c.traces
                .windows(2)
                .all(|w| w[0].rank_power >= w[1].rank_power)
        );
        assert!(c.traces.iter().all(|t| t.n.0 <= 3 && t.n.1 <= 3)); // the held-out half
        assert!(
            c.traces
                .iter()
                .all(|t| t.power_posterior.is_nan() || (0.0..=1.0).contains(&t.power_posterior))
        );
        assert!(c.traces.iter().any(|t| !t.survey) && c.traces.iter().any(|t| t.survey));
    }
    // With 6 replicates no Monte Carlo p-value can reach 5% (the smallest is 2/7), so the
    // power is undefined and the ranking falls back on the standardised difference; without
    // trust_to_persistence the best observable separates completely.
    let persistence = q3
        .iter()
        .find(|c| c.channel == "trust_to_persistence")
        .unwrap();
    assert!(persistence.traces.iter().all(|t| t.power.is_nan()));
    let top = &persistence.traces[0];
    assert!(
        top.d.abs() > 5.0 && (top.auc == 1.0 || top.auc == 0.0),
        "{top:?}"
    );

    let out = tempfile::tempdir().unwrap();
    let dir = write(&h, "test", out.path()).unwrap();
    for f in [
        "hypotheses.md",
        "q1_dose_response.csv",
        "q1_slopes.csv",
        "q1_territories.csv",
        "q1_dose_response.svg",
        "q1_territories.svg",
        "q2_summary.csv",
        "q2_differences.svg",
        "mechanisms.csv",
        "mechanisms.svg",
        "q3_traces.csv",
        "q3_traces.svg",
    ] {
        assert!(dir.join(f).exists(), "{f} missing");
    }
}

#[test]
fn hypotheses_command_runs_the_parts_asked_for() {
    let out = tempfile::tempdir().unwrap();
    let r = Command::new(env!("CARGO_BIN_EXE_wecare"))
        .args([
            "hypotheses",
            root()
                .join("scenarios/wecare-measure1.toml")
                .to_str()
                .unwrap(),
            "--only",
            "mechanisms,q2",
            "--replicates",
            "4",
            "--out",
            out.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = String::from_utf8(r.stdout).unwrap();
    assert!(text.contains("Mechanisms") && text.contains("Q2") && !text.contains("Q3"));
    let d = Path::new(text.trim().rsplit("wrote ").next().unwrap());
    assert!(d.join("mechanisms.csv").exists() && !d.join("q3_traces.csv").exists());
}

/// An ablation is re-fitted before it is judged: every variant's fit runs, moves its
/// intercepts off their starting values, keeps the removed coefficient at 0, reports its
/// targets as met or missed by the same rule (predictive p-value >= 0.05), and the model
/// probabilities are a distribution with Monte Carlo errors. Budget: 12 particles and 180
/// simulations per fit, about 10 seconds on 2 cores. At that budget the posteriors are
/// barely narrower than the priors (over seeds 1 to 6 the `trust_to_persistence` "level
/// kept" fit put the burn-in dissolution intercept anywhere from -3.8 to -0.2), so where the
/// re-fitted intercepts go is not checked here; the documented runs, with far more, give it.
#[test]
fn an_ablation_is_refitted_before_it_is_judged() {
    let s = default_scenario();
    let (data, _) = s.load_dataset().unwrap();
    let runner = Runner::new(2, &Silent).unwrap();
    let mut o = Options::all(20, 5);
    o.budget = RefitBudget {
        particles: 12,
        generations: 8,
        max_simulations: 180,
        draws: 24,
        choice: 20,
    };
    let r = refits(&runner, &s, &data, &o).unwrap();
    assert_eq!(r.judged[0].fit.kind, "full");
    // 5 channels removed, 4 with the level kept (the initiative one is its own level).
    assert_eq!(r.judged.len(), 10);
    let full = &r.judged[0].fit;
    for j in &r.judged[1..] {
        let coef = s.get_number(&j.fit.removed).unwrap();
        assert!(coef != 0.0, "{} is on in the full model", j.fit.removed);
        assert_eq!(j.fit.scenario.get_number(&j.fit.removed), Some(0.0));
        // Re-fitted: ABC ran and moved the intercepts off their starting values.
        assert!(j.fit.simulations > 12, "{}", j.fit.name);
        assert!(
            j.fit
                .estimates
                .iter()
                .zip(&j.fit.start)
                .any(|(e, s)| e.estimate != *s)
        );
        // Targets met or the failure reported, by one rule.
        for c in &j.checks {
            assert_eq!(c.met, c.p >= 0.05, "{}: {}", j.fit.name, c.name);
        }
        let missed = j.missed_targets();
        let targets = j.checks.iter().filter(|c| c.name.starts_with("target "));
        assert_eq!(missed.len(), targets.filter(|c| !c.met).count());
    }
    // Keeping the level re-fits the dissolution intercepts of every phase as well.
    let level = r
        .judged
        .iter()
        .find(|j| j.fit.name == "trust_to_persistence off, level kept")
        .unwrap();
    for key in [
        "dissolution.base.pre",
        "dissolution.base.programme",
        "dissolution.base.post",
    ] {
        let e = level.fit.estimates.iter().find(|e| e.key == key);
        let e = e.unwrap_or_else(|| panic!("{key} is not re-fitted"));
        assert!(e.lower <= e.median && e.median <= e.upper, "{e:?}");
    }
    // The intercepts of a removed channel differ from the full model's posterior too.
    let removed = r
        .judged
        .iter()
        .find(|j| j.fit.name == "trust_to_persistence removed")
        .unwrap();
    assert!(
        (removed.fit.estimates[0].estimate - full.estimates[0].estimate).abs() > 0.1,
        "{:?} vs {:?}",
        removed.fit.estimates,
        full.estimates
    );
    let p: f64 = r.choice.probability.iter().sum();
    assert!((p - 1.0).abs() < 1e-9 && r.choice.accepted > 0);
    assert!(r.choice.se.iter().all(|x| x.is_finite() && *x >= 0.0));
}

#[test]
fn posterior_predictive_p_values() {
    // Symmetric around the observed value: p = 1; all far below it: p near 0.
    let (p, _) = predictive_p(&[0.3, 0.5], 0.4, 0.05);
    assert!((p - 1.0).abs() < 1e-12);
    let (p, se) = predictive_p(&[0.1; 50], 0.42, 0.05);
    assert!(p < 1e-9 && se < 1e-4, "{p} {se}");
    // Without noise, the share of values at or below.
    let (p, _) = predictive_p(&[1.0, 2.0, 3.0, 4.0], 1.0, 0.0);
    assert!((p - 0.5).abs() < 1e-12);
}

/// Q3 on generated regions, end to end on small ensembles (40 studies of 1 and of 2 regions
/// per model, parameters known; about 2 seconds on 2 cores). Every power has its binomial
/// Monte Carlo error over the 40 "on" studies; without `trust_to_persistence` the share of
/// ties common to waves 2 and 3 (d about 40 on the shipped data) separates every study,
/// whatever the region, so its power is exactly 1; the organisation-level table tests every
/// panel regression and adopter gap against the null without selection and the null without
/// influence; the results are the same with 1 and 2 threads.
#[test]
fn q3_power_on_generated_regions_and_organisation_traces() {
    let s = default_scenario();
    let mut o = Options::all(6, 23);
    (o.q1, o.q2, o.mechanisms, o.refit, o.profiles) = (false, false, false, false, false);
    o.q3_posterior = false;
    o.q3_regions = 40;
    o.q3_region_counts = vec![1, 2];
    let h = run(&Runner::new(2, &Silent).unwrap(), &s, &o).unwrap();
    let cs = h.q3.as_ref().unwrap();
    for c in cs {
        assert_eq!(
            (c.regions.clone(), c.studies.clone()),
            (vec![1, 2], vec![40, 40])
        );
        assert!(!c.regions_posterior);
        for t in &c.traces {
            assert_eq!(t.power_generated.len(), 2);
            for (p, se) in t.power_generated.iter().zip(&t.power_generated_se) {
                assert!(p.is_nan() || (0.0..=1.0).contains(p), "{t:?}");
                if p.is_finite() && p * (1.0 - p) > 0.0 {
                    // Binomial over the studies whose statistic is defined: at most the 40.
                    let n = p * (1.0 - p) / (se * se);
                    assert!(n.round() >= 1.0 && n.round() <= 40.0, "{t:?}");
                    assert!((n - n.round()).abs() < 1e-6, "{t:?}");
                } else if p.is_finite() {
                    assert_eq!(*se, 0.0, "{t:?}");
                }
            }
        }
        // The survey flag follows the rule: trust is latent.
        let flag = |stat: &str| {
            c.traces
                .iter()
                .find(|t| t.key.statistic == stat)
                .unwrap()
                .survey
        };
        assert!(flag("ties") && flag("adoption_selection") && !flag("mean_trust"));
    }
    let persistence = cs
        .iter()
        .find(|c| c.channel == "trust_to_persistence")
        .unwrap();
    let jaccard = persistence
        .traces
        .iter()
        .find(|t| t.key.to_string() == "tie_jaccard@3")
        .unwrap();
    assert_eq!(jaccard.power_generated, vec![1.0, 1.0], "{jaccard:?}");
    let table = q3_organisation_table(cs);
    assert_eq!(table.rows.len(), 2 * (2 * ORGANISATION_LEVEL.len() + 3));
    for (null, channel) in SELECTION_INFLUENCE {
        let rows = table
            .rows
            .iter()
            .filter(|r| r[0] == format!("{null} ({channel})"))
            .count();
        assert_eq!(rows, 2 * ORGANISATION_LEVEL.len() + 3, "{null}");
    }
    assert!(
        table
            .rows
            .iter()
            .any(|r| r[1] == "adoption_selection@3" && r[2] == "organisation")
    );
    let one = run(&Runner::new(1, &Silent).unwrap(), &s, &o).unwrap();
    o.q3_region_counts = vec![1, 0];
    let e = run(&Runner::new(1, &Silent).unwrap(), &s, &o).unwrap_err();
    assert!(e.to_string().contains("at least one region"), "{e}");
    assert_eq!(format!("{:?}", one.q3), format!("{:?}", h.q3));

    let out = tempfile::tempdir().unwrap();
    let dir = write(&h, "test", out.path()).unwrap();
    let csv = std::fs::read_to_string(dir.join("q3_organisations.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + table.rows.len());
    assert!(csv.lines().next().unwrap().contains("power_generated_2_se"));
    let md = std::fs::read_to_string(dir.join("hypotheses.md")).unwrap();
    assert!(md.contains("40 studies of 2") && md.contains("selection against influence"));
}

/// `--across-data-seeds`: Q1 and the re-fits run again on other draws of the data. At the
/// data set's own generator seed the draw is the committed data, so every conclusion keeps
/// its reading with exactly the reference's value; another seed draws other territories, and
/// some slope moves. Asking for the data draws without Q1 or the re-fits is refused.
#[test]
fn q1_and_refits_are_rechecked_on_other_draws_of_the_data() {
    use wecare::experiment::hypotheses::{draw_holdings, readings};
    let s = default_scenario();
    let runner = Runner::new(2, &Silent).unwrap();
    let mut o = Options::all(6, 17);
    (o.q2, o.mechanisms, o.q3, o.refit, o.profiles) = (false, false, false, false, false);
    o.levels = vec![0.5, 1.5];
    o.data_seeds = vec![20170101, 2];
    let h = run(&runner, &s, &o).unwrap();
    let d = h.data_draws.as_ref().expect("data draws run");
    assert_eq!(d.reference, readings(h.q1.as_ref(), None));
    // 3 dose-response series and the territories, 3 outcomes each.
    assert_eq!(d.reference.len(), 12);
    assert_eq!(d.draws.len(), 2);
    assert_eq!(
        d.draws[0].readings, d.reference,
        "the data set's own seed reproduces the shipped data's run exactly"
    );
    assert_ne!(
        d.draws[1]
            .readings
            .iter()
            .map(|r| r.value)
            .collect::<Vec<_>>(),
        d.reference.iter().map(|r| r.value).collect::<Vec<_>>(),
        "another draw of the data moves the slopes"
    );
    for x in draw_holdings(d) {
        assert_eq!(x.draws, 2);
        assert!(x.same >= 1, "{}: the own-seed draw holds", x.reference.name);
        assert!(x.range.0 <= x.reference.value && x.reference.value <= x.range.1);
    }
    let out = tempfile::tempdir().unwrap();
    let dir = write(&h, "t", out.path()).unwrap();
    let rows = std::fs::read_to_string(dir.join("data_seeds.csv")).unwrap();
    assert_eq!(rows.lines().count(), 1 + 2 * 12);
    assert!(dir.join("data_seeds_summary.csv").exists());
    let md = std::fs::read_to_string(dir.join("hypotheses.md")).unwrap();
    assert!(md.contains("other draws of the data"), "{md}");
    o.q1 = false;
    o.q2 = true;
    let e = run(&runner, &s, &o).unwrap_err().to_string();
    assert!(e.contains("--across-data-seeds"), "{e}");
}

/// Q3 with the null re-fitted on each study's own generated region: one null per channel and
/// the full model against itself (`none`, every intercept free), powers with their binomial
/// errors, per-study rejection rates for the level; without `trust_to_persistence` the
/// re-fitted null still cannot match the share of ties common to waves 2 and 3 (every study
/// rejected); the command's file is the same with 1 and 2 threads; too few accepted draws are
/// refused.
#[test]
fn q3_nulls_refitted_per_generated_region() {
    use wecare::experiment::hypotheses::{RegionRefit, region_level, regions_shown, regions_table};
    let s = default_scenario();
    let mut o = Options::all(6, 29);
    (o.q1, o.q2, o.mechanisms, o.q3, o.refit, o.profiles) =
        (false, false, false, false, false, false);
    // The full model's fit at the command's own smallest budget (10 particles, at most 200
    // simulations), as `--replicates 6` gives it.
    o.budget = RefitBudget::for_replicates(6);
    let sizes = RegionRefit {
        studies: 3,
        regions: 1,
        prior_draws: 45,
        accepted: 40,
    };
    o.q3_regions_refit = Some(sizes);
    let h = run(&Runner::new(2, &Silent).unwrap(), &s, &o).unwrap();
    let r = h.q3_regions.as_ref().expect("q3 regions run");
    let names: Vec<&str> = r.nulls.iter().map(|n| n.channel.as_str()).collect();
    assert_eq!(
        names,
        [
            "trust_to_formation",
            "trust_to_persistence",
            "social_capital_to_adoption",
            "adoption_to_social_capital",
            "all channels",
            "none"
        ]
    );
    let none = &r.nulls[5];
    assert_eq!(none.free.len(), 8, "{:?}", none.free);
    for n in &r.nulls {
        assert_eq!(n.study_rates.len(), 3);
        assert!(n.keys.len() > 100, "every observable is tested");
        for (p, se) in n.power.iter().zip(&n.power_se) {
            if p.is_finite() {
                assert!((0.0..=1.0).contains(p));
                // Binomial over the studies in which the observable could be tested.
                assert!(
                    (1..=3).any(|k| (se - (p * (1.0 - p) / k as f64).sqrt()).abs() < 1e-12),
                    "{p} ± {se}"
                );
            }
        }
        let (mean, _, max, _, _) = region_level(n);
        assert!((0.0..=1.0).contains(&mean) && mean <= max, "{}", n.channel);
    }
    let persistence = &r.nulls[1];
    let c = persistence
        .keys
        .iter()
        .position(|k| k.to_string() == "tie_jaccard@3")
        .unwrap();
    assert_eq!(persistence.power[c], 1.0);
    assert_eq!(regions_table(r, &regions_shown()).rows.len(), 6);
    // The command gives the same file with 1 and 2 threads (each in its own process).
    let out = tempfile::tempdir().unwrap();
    let file = |threads: &str| {
        let dir = out.path().join(threads);
        let r = Command::new(env!("CARGO_BIN_EXE_wecare"))
            .args([
                "hypotheses",
                "scenarios/wecare-measure1.toml",
                "--only",
                "q3-regions",
            ])
            .args([
                "--replicates",
                "3",
                "--quiet",
                "--threads",
                threads,
                "--out",
            ])
            .arg(&dir)
            .current_dir(root())
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let text = String::from_utf8(r.stdout).unwrap();
        let d = text.trim().rsplit("wrote ").next().unwrap().to_string();
        std::fs::read_to_string(Path::new(&d).join("q3_regions.csv")).unwrap()
    };
    assert_eq!(file("1"), file("2"), "1 and 2 threads differ");
    o.q3_regions_refit = Some(RegionRefit {
        accepted: 20,
        ..sizes
    });
    let e = run(&Runner::new(2, &Silent).unwrap(), &s, &o)
        .unwrap_err()
        .to_string();
    assert!(e.contains("at least 39"), "{e}");
}
