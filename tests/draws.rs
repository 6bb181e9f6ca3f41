//! The draws of earlier versions (`rules.formation_draw = "shuffle"`, `rules.trial_draw =
//! "each"`) and the default ones (a sample of the organisations with at least one formation
//! opportunity; dissolution, adoption and initiative trials reached by geometric jumps below
//! their cuts) give the same distribution of results: checked on the default scenario's wave
//! statistics, means and standard deviations, over two independent ensembles of 2,000
//! replicates with fixed seeds. So does formation's order by territory
//! (`rules.formation_order = "territory"`) against the default random order.

use std::collections::BTreeMap;
use std::path::Path;
use wecare::experiment::{EnsembleOptions, run_ensemble};
use wecare::model::Model;
use wecare::model::params::{FormationDraw, FormationOrder, Rules, TrialDraw};
use wecare::scenario::Scenario;
use wecare::stats::StatsOptions;

const REPLICATES: u64 = 2_000;

/// The statistics compared at every wave: size, cohesion, clustering, centralization,
/// composition, trust and the programme's traces, which the four processes shape directly.
const KEY: &[&str] = &[
    "ties",
    "density",
    "components",
    "largest_component_share",
    "transitivity",
    "mean_local_clustering",
    "mean_degree",
    "degree_centralization",
    "betweenness_centralization",
    "adoption_share",
    "initiative_share",
    "organisations",
    "new_ties",
    "cross_kind_tie_share",
    "mean_trust",
];

/// An ensemble's summary of one (wave, statistic): mean and standard deviation over the
/// replicates, each with its large-sample standard error.
#[derive(Debug, Clone, Copy)]
struct Summary {
    mean: f64,
    mean_se: f64,
    sd: f64,
    sd_se: f64,
}

impl Summary {
    /// The summary of `v`. The standard error of the sample sd `s` is the delta method's
    /// `sqrt((m4 - s^4) / n) / (2 s)`, `m4` the fourth central moment: the variance of `s^2` is
    /// `(m4 - sigma^4) / n` to first order, and `d s = d s^2 / (2 s)`.
    fn of(v: &[f64]) -> Summary {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let m2 = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        let m4 = v.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n;
        let var = m2 * n / (n - 1.0);
        let sd = var.sqrt();
        let sd_se = if sd > 0.0 {
            ((m4 - m2 * m2).max(0.0) / n).sqrt() / (2.0 * sd)
        } else {
            0.0
        };
        Summary {
            mean,
            mean_se: (var / n).sqrt(),
            sd,
            sd_se,
        }
    }
}

/// The summaries of each key (wave, statistic) over an ensemble of the default scenario
/// under the rules `rules` makes of the scenario's, from master seed `seed`.
fn summaries(rules: impl Fn(&mut Rules), seed: u64) -> BTreeMap<(usize, String), Summary> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/wecare-measure1.toml");
    let s = Scenario::load(&path).unwrap();
    let (ds, _) = s.load_dataset().unwrap();
    let mut params = s.params();
    rules(&mut params.rules);
    let model = Model::new(&ds, &params).unwrap();
    let opts = EnsembleOptions {
        replicates: REPLICATES,
        seed,
        threads: 0,
        stats: StatsOptions::default(),
    };
    let e = run_ensemble(&model, &opts, &|| {}).unwrap();
    let mut values: BTreeMap<(usize, String), Vec<f64>> = BTreeMap::new();
    for r in &e.replicates {
        for w in &r.waves {
            for row in w.rows.iter().filter(|row| row.scope == "network") {
                if KEY.contains(&row.statistic) {
                    let key = (w.wave, row.statistic.to_string());
                    values.entry(key).or_default().push(row.value);
                }
            }
        }
    }
    values
        .into_iter()
        .map(|(k, v)| (k, Summary::of(&v)))
        .collect()
}

/// How many standard errors of their difference apart `a` and `b` are (`se_a`, `se_b` the
/// standard errors of two independent estimates); `None` when both are exact and equal.
fn z(a: f64, se_a: f64, b: f64, se_b: f64) -> Option<f64> {
    let se = se_a.hypot(se_b);
    if se == 0.0 {
        assert_eq!(a, b, "two exact values differ");
        return None;
    }
    Some((b - a) / se)
}

/// Each key statistic's ensemble mean and sd under the default draws lie within 4 standard
/// errors of the difference from those under the draws of earlier versions, at each of the
/// three waves. The two ensembles use different master seeds, so they are independent and
/// the standard error of a difference is `sqrt(se_a^2 + se_b^2)`; with 2,000 replicates each
/// the sd's large-sample standard error is accurate to a few percent. About 90 comparisons at
/// 4 standard errors keep the chance of a false alarm from Monte Carlo noise alone under 1%
/// (90 x 6.3e-5); a change of distribution in any of the four processes of the size of a
/// tenth of a statistic's sd would be about 3 standard errors of a mean, and the ties, the
/// density and the adoption share respond to every one of them.
#[test]
fn default_draws_keep_the_distribution() {
    let earlier = summaries(
        |r| {
            r.formation_draw = FormationDraw::Shuffle;
            r.trial_draw = TrialDraw::Each;
        },
        20170101,
    );
    let now = summaries(
        |r| {
            r.formation_draw = FormationDraw::Sample;
            r.trial_draw = TrialDraw::Thinned;
        },
        20170102,
    );
    assert_same_distribution(&earlier, &now);
}

/// Formation's choosers taken territory by territory (each territory's in a random order,
/// the territories in a random order) give the same distribution as one random order of
/// all: each key statistic's mean and sd within 4 standard errors of the difference, with
/// the tolerance argued at [`default_draws_keep_the_distribution`]. The default scenario's
/// territories are small and its cross-territory choices (the "anyone" candidates and
/// partners of partners in other territories) relatively many, so an effect of how the
/// territories' turns interleave would show here sooner than in a large region.
#[test]
fn territory_order_keeps_the_distribution() {
    let random = summaries(|r| r.formation_order = FormationOrder::Random, 20170103);
    let territory = summaries(|r| r.formation_order = FormationOrder::Territory, 20170104);
    assert_same_distribution(&random, &territory);
}

/// Asserts that every key (wave, statistic) of `now` has its mean and sd within 4 standard
/// errors of the difference from those of `earlier`.
fn assert_same_distribution(
    earlier: &BTreeMap<(usize, String), Summary>,
    now: &BTreeMap<(usize, String), Summary>,
) {
    assert_eq!(
        earlier.keys().collect::<Vec<_>>(),
        now.keys().collect::<Vec<_>>()
    );
    assert_eq!(
        earlier.len(),
        3 * KEY.len(),
        "every key statistic at every wave"
    );
    let mut worst = (0.0_f64, String::new());
    for (key, a) in earlier {
        let b = now[key];
        let pairs = [
            (
                "mean",
                z(a.mean, a.mean_se, b.mean, b.mean_se),
                a.mean,
                b.mean,
            ),
            ("sd", z(a.sd, a.sd_se, b.sd, b.sd_se), a.sd, b.sd),
        ];
        for (what, z, va, vb) in pairs {
            let Some(z) = z else { continue };
            eprintln!("{key:?} {what}: earlier {va:.5}, now {vb:.5}, z {z:+.2}");
            assert!(
                z.abs() < 4.0,
                "{key:?} {what}: earlier {va}, now {vb}, z {z}"
            );
            if z.abs() > worst.0 {
                worst = (z.abs(), format!("{key:?} {what}"));
            }
        }
    }
    eprintln!("largest |z| {:.2} ({})", worst.0, worst.1);
}
