//! The default scenario reproduces the pattern the We.Ca.Re evaluation observed
//! (docs/background.md; docs/ODD.md, section 8.2):
//! checked on an ensemble with fixed seed, with tolerances set from the Monte Carlo error.

use std::collections::HashMap;
use std::path::Path;
use wecare::experiment::{EnsembleOptions, run_ensemble};
use wecare::model::Model;
use wecare::scenario::Scenario;
use wecare::stats::StatsOptions;

const REPLICATES: u64 = 300;

/// The scenario `file` (below `scenarios/`), its model and the options of an ensemble of
/// `replicates` with the scenario's seed.
fn scenario_model(file: &str, replicates: u64) -> (Scenario, Model, EnsembleOptions) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let s = Scenario::load(&path).unwrap();
    let (ds, _) = s.load_dataset().unwrap();
    let model = Model::new(&ds, &s.params()).unwrap();
    let opts = EnsembleOptions {
        replicates,
        seed: s.montecarlo.seed,
        threads: 0,
        stats: StatsOptions::default(),
    };
    (s, model, opts)
}

/// Per replicate: (wave, statistic) -> value.
fn ensemble() -> Vec<HashMap<(usize, String), f64>> {
    let (_, model, opts) = scenario_model("wecare-measure1.toml", REPLICATES);
    let e = run_ensemble(&model, &opts, &|| {}).unwrap();
    e.replicates
        .iter()
        .map(|r| {
            r.waves
                .iter()
                .flat_map(|w| {
                    w.rows
                        .iter()
                        .filter(|row| row.scope == "network")
                        .map(move |row| ((w.wave, row.statistic.to_string()), row.value))
                })
                .collect()
        })
        .collect()
}

/// Mean and Monte Carlo standard error (sd / sqrt(n)) of `f` over replicates.
fn mean_se(
    reps: &[HashMap<(usize, String), f64>],
    f: impl Fn(&HashMap<(usize, String), f64>) -> f64,
) -> (f64, f64) {
    let v: Vec<f64> = reps.iter().map(f).collect();
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

fn get(r: &HashMap<(usize, String), f64>, wave: usize, stat: &str) -> f64 {
    *r.get(&(wave, stat.to_string()))
        .unwrap_or_else(|| panic!("missing {stat} at wave {wave}"))
}

#[test]
fn default_scenario_reproduces_the_observed_pattern() {
    let reps = ensemble();
    // Each directional claim is tested on the paired per-replicate difference: its mean must
    // be at least four Monte Carlo standard errors from zero (a false pass or fail from Monte
    // Carlo noise alone has probability below 1e-4).
    let claim = |name: &str, (m, se): (f64, f64)| {
        assert!(m > 4.0 * se, "{name}: mean {m:.4}, Monte Carlo se {se:.4}");
        eprintln!("{name}: {m:.4} (se {se:.4})");
    };

    // Wave 1: ties are mostly baseline (pre-existing) ties.
    claim(
        "wave-1 baseline share above one half",
        mean_se(&reps, |r| get(r, 1, "ties_origin_share.baseline") - 0.5),
    );

    // Wave 2: more organisations than wave 1; entrants mostly third sector, then firms.
    claim(
        "organisations grow from wave 1 to 2",
        mean_se(&reps, |r| {
            get(r, 2, "organisations") - get(r, 1, "organisations")
        }),
    );
    let entrants = |r: &HashMap<(usize, String), f64>, k: &str| get(r, 2, &format!("entrants.{k}"));
    claim(
        "third-sector entrants are the majority of entrants",
        mean_se(&reps, |r| {
            let all: f64 = ["ente_gestore", "public", "third_sector", "firm", "other"]
                .iter()
                .map(|k| entrants(r, k))
                .sum();
            entrants(r, "third_sector") - 0.5 * all
        }),
    );
    claim(
        "firms are the second kind of entrant",
        mean_se(&reps, |r| {
            entrants(r, "firm") - entrants(r, "public").max(entrants(r, "other"))
        }),
    );

    // Wave 3: fewer ties than wave 2, and the baseline-origin share rises again.
    claim(
        "ties thin out from wave 2 to 3",
        mean_se(&reps, |r| get(r, 2, "ties") - get(r, 3, "ties")),
    );
    claim(
        "baseline share rises from wave 2 to 3",
        mean_se(&reps, |r| {
            get(r, 3, "ties_origin_share.baseline") - get(r, 2, "ties_origin_share.baseline")
        }),
    );

    // About 42% of the organisations present at wave 1 join a post-programme initiative.
    // Tolerance 0.02 ("about"); with 300 replicates the Monte Carlo se is about 0.004, and
    // the long-run mean (1,000 replicates: 0.407) lies 0.013 from the target, so the ensemble
    // mean stays inside the band unless it strays by more than 1.7 standard errors; the seed
    // is fixed, so the check is deterministic.
    let (m, se) = mean_se(&reps, |r| get(r, 3, "initiative_share"));
    eprintln!("initiative_share: {m:.4} (se {se:.4})");
    assert!(se < 0.005, "se {se}");
    assert!(
        (m - 0.42).abs() < 0.02,
        "initiative_share mean {m:.4} (se {se:.4})"
    );
}

/// A reduced ensemble of the default scenario meets each of its pattern targets
/// (`[[patterns]]`, docs/experiments.md "Observed patterns and their mechanisms").
///
/// 300 replicates, the default seed. A pattern is met by a run when a share `p` of at least
/// `share` (0.8) of its replicates meets it. The share estimated from `n` replicates has Monte
/// Carlo standard error `sqrt(p (1 - p) / n)` (at most 0.029 for n = 300); the test asks for
/// `p_hat >= share - 3 se`, so a pattern whose long-run share is at least `share` fails only
/// with probability below 0.002, while a pattern the model does not produce (the former
/// defaults met wave 2's identity in 20% of replicates, the ablations in 53-75%) fails.
#[test]
fn default_scenario_meets_its_pattern_targets() {
    use wecare::ensemble::run_ensemble_table;
    use wecare::report::patterns::compare_patterns;
    let (s, model, opts) = scenario_model("wecare-measure1.toml", REPLICATES);
    assert!(
        s.patterns.len() >= 14,
        "the default scenario states the evaluation's observations as patterns"
    );
    let (table, _) = run_ensemble_table(&model, &opts, &[], &|| {}).unwrap();
    let rows = compare_patterns(&s.patterns, &table).unwrap();
    let mut missed = Vec::new();
    for r in &rows {
        let se = (r.share_met * (1.0 - r.share_met) / r.n as f64).sqrt();
        eprintln!(
            "{}: {:.3} of {} replicates (se {se:.3}; needed {})",
            r.name, r.share_met, r.n, r.required_share
        );
        assert_eq!(r.n, REPLICATES);
        if r.share_met < r.required_share - 3.0 * se.max(1.0 / r.n as f64) {
            missed.push(format!("{} ({:.3})", r.name, r.share_met));
        }
    }
    assert!(missed.is_empty(), "patterns not met: {missed:?}");
}

/// The same check fails on the former defaults, which did not reproduce wave 2's identity nor
/// wave 3's return toward wave 1: the test above can fail.
#[test]
fn former_defaults_miss_the_patterns() {
    use wecare::ensemble::run_ensemble_table;
    use wecare::report::patterns::compare_patterns;
    let (s, model, opts) = scenario_model("ablations/former-defaults.toml", 100);
    let (table, _) = run_ensemble_table(&model, &opts, &[], &|| {}).unwrap();
    let rows = compare_patterns(&s.patterns, &table).unwrap();
    let share = |name: &str| rows.iter().find(|r| r.name == name).unwrap().share_met;
    // 1,000 replicates: 0.197 and 0.0; with 100 replicates the se is at most 0.05.
    assert!(share("wave 2 keeps the wave-1 identity") < 0.5);
    assert!(share("wave 3 back toward wave-1 size") < 0.5);
}
