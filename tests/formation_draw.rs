//! The two ways tie formation draws who chooses in a step (`rules.formation_draw`: a sample of
//! the organisations with at least one opportunity, or every active organisation shuffled)
//! give the same distribution of results: checked on the default scenario's wave statistics
//! over ensembles of 2,000 replicates with fixed seeds.

use std::collections::BTreeMap;
use std::path::Path;
use wecare::experiment::{EnsembleOptions, run_ensemble};
use wecare::model::Model;
use wecare::model::params::FormationDraw;
use wecare::scenario::Scenario;
use wecare::stats::StatsOptions;

const REPLICATES: u64 = 2_000;

/// The statistics compared at every wave: size, cohesion, centralization, composition and
/// the programme's traces, which formation shapes most directly.
const KEY: &[&str] = &[
    "organisations",
    "ties",
    "density",
    "mean_degree",
    "degree_centralization",
    "betweenness_centralization",
    "transitivity",
    "mean_local_clustering",
    "cross_kind_tie_share",
];

/// Mean and Monte Carlo variance of the mean of each (wave, statistic) over an ensemble of
/// the default scenario drawn with `draw`.
fn moments(draw: FormationDraw) -> BTreeMap<(usize, String), (f64, f64)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/wecare-measure1.toml");
    let s = Scenario::load(&path).unwrap();
    let (ds, _) = s.load_dataset().unwrap();
    let mut params = s.params();
    params.rules.formation_draw = draw;
    let model = Model::new(&ds, &params).unwrap();
    let opts = EnsembleOptions {
        replicates: REPLICATES,
        seed: s.montecarlo.seed,
        threads: 0,
        stats: StatsOptions::default(),
    };
    let e = run_ensemble(&model, &opts, &|| {}).unwrap();
    let mut values: BTreeMap<(usize, String), Vec<f64>> = BTreeMap::new();
    for r in &e.replicates {
        for w in &r.waves {
            for row in w.rows.iter().filter(|row| row.scope == "network") {
                if KEY.contains(&row.statistic.as_str()) {
                    let key = (w.wave, row.statistic.clone());
                    values.entry(key).or_default().push(row.value);
                }
            }
        }
    }
    values
        .into_iter()
        .map(|(k, v)| {
            let n = v.len() as f64;
            let m = v.iter().sum::<f64>() / n;
            let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
            (k, (m, var / n))
        })
        .collect()
}

/// Each key statistic's ensemble mean under the sample lies within 4 Monte Carlo standard
/// errors of its mean under the shuffle, the standard error of the difference being
/// `sqrt(se_a^2 + se_b^2)`. That treats the two ensembles as independent; they share the
/// seed, so the other processes' streams are the same and the difference varies less than
/// that, which makes the test stricter about real differences, not looser. With about 30
/// comparisons, 4 standard errors keep the chance of a false alarm from Monte Carlo noise
/// alone near 30 x 6.3e-5 = 0.2%; a systematic change in formation (a different number of
/// opportunities, say) would show first in the ties and the density.
#[test]
fn sampled_formation_draw_keeps_the_distribution() {
    let shuffle = moments(FormationDraw::Shuffle);
    let sample = moments(FormationDraw::Sample);
    assert_eq!(
        shuffle.keys().collect::<Vec<_>>(),
        sample.keys().collect::<Vec<_>>()
    );
    assert!(shuffle.len() >= 3 * KEY.len(), "{} compared", shuffle.len());
    let mut worst = 0.0_f64;
    for (key, &(ma, va)) in &shuffle {
        let (mb, vb) = sample[key];
        let se = (va + vb).sqrt();
        if se == 0.0 {
            assert_eq!(ma, mb, "{key:?}");
            continue;
        }
        let z = (mb - ma) / se;
        eprintln!("{key:?}: shuffle {ma:.5}, sample {mb:.5}, z {z:+.2}");
        assert!(z.abs() < 4.0, "{key:?}: shuffle {ma}, sample {mb}, z {z}");
        worst = worst.max(z.abs());
    }
    eprintln!("largest |z| {worst:.2}");
}
