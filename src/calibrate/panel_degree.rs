//! The degree effect of a panel's scenario (`wecare panel`, docs/calibration.md, "A scenario
//! from a panel"): the searcher's degree (`formation.activity_sqrt`, RSiena's outActSqrt) for
//! panels whose degrees are about as even as chance makes them, the candidate's
//! (`formation.popularity_sqrt`, inPopSqrt) for networks of hubs, where a few actors hold many
//! of the ties at every matched wave.

use super::targets::degree_summary;
use crate::network::Snapshot;

/// The overdispersion of the degrees at or above which a wave counts as one of hubs
/// ([`overdispersion`]). A negative binomial with this `1/k` has, at a mean degree of 5, a
/// standard deviation of 3.4 (a Poisson's: 2.2). The friendship panels the project was checked
/// on stay below it at some matched wave (a classroom about 0.12 to 0.16, researchers 0.17,
/// s50 and a university cohort's wave 4 below 0, a dense tailor-shop friendship network 0.14);
/// a tailor shop's work-and-help relation, where a few workers help many, has 0.42 and 0.44;
/// panels the model simulates with strong popularity 0.25 to 0.70 at 7 of 8 seeds
/// (`tests/calibrate_hubs.rs`).
pub const HUB_OVERDISPERSION: f64 = 0.25;

/// The degrees' overdispersion at a wave: `(var - mean) / mean^2` over the present actors
/// (population variance, as `degree_sd`), the `1/k` of a negative binomial fitted by its
/// moments: 0 for degrees as spread as a Poisson's, negative for more even ones (a
/// fixed-choice design), large when a few actors hold many of the ties. NaN without ties.
/// Unlike the spread relative to the mean (`sd / mean`), it does not call a sparse wave
/// uneven because its mean degree is small.
pub fn overdispersion(wave: &Snapshot) -> f64 {
    let (_, sd) = degree_summary(wave);
    let present = wave.active.iter().filter(|a| **a).count();
    let ends: usize = wave
        .ties
        .iter()
        .filter(|t| {
            let present = |i: u32| wave.active.get(i as usize) == Some(&true);
            present(t.a) && present(t.b)
        })
        .count();
    if present == 0 || ends == 0 {
        return f64::NAN;
    }
    let mean = 2.0 * ends as f64 / present as f64;
    (sd * sd - mean) / (mean * mean)
}

/// Is the panel a network of hubs? Yes when the degrees' [`overdispersion`] is at least
/// [`HUB_OVERDISPERSION`] at every matched wave (`matched`: wave numbers from 1, `waves`: the
/// observed waves): the scenario then calibrates the candidate's degree effect in place of the
/// searcher's, with a note saying so.
///
/// Why: with the searcher's degree effect, a network whose degrees are far more spread than
/// chance makes drives it above zero and the formation base down without end (a tailor
/// shop's work relation: activity +4.9, base -12, not converged), while the candidate's degree
/// gives hubs the ties they attract. Friendship panels, whose degrees are about as even as a
/// Poisson's or more, keep the searcher's effect, whose negative values give the even degrees
/// of nominations (docs/calibration.md, "Other panels").
pub fn hub_network(matched: &[usize], waves: &[Snapshot], notes: &mut Vec<String>) -> bool {
    let values: Vec<(usize, f64)> = matched
        .iter()
        .map(|&w| (w, overdispersion(&waves[w - 1])))
        .collect();
    let hubs = !values.is_empty() && values.iter().all(|(_, v)| *v >= HUB_OVERDISPERSION);
    if hubs {
        let list: Vec<String> = values
            .iter()
            .map(|(w, v)| format!("{v:.2} at wave {w}"))
            .collect();
        notes.push(format!(
            "a network of hubs: the degrees' overdispersion (var - mean) / mean^2 is {}, at \
             least {HUB_OVERDISPERSION} at every matched wave, so the candidate's degree \
             (formation.popularity_sqrt) is calibrated in place of the searcher's \
             (formation.activity_sqrt)",
            list.join(", ")
        ));
    }
    hubs
}

/// The searcher's degree effect's parameter as the panel template writes it.
const ACTIVITY_PARAMETER: &str = r#"key = "formation.activity_sqrt"     # an actor with 4 partners: odds x 1/400 to x 7 of an isolate's
prior = "uniform"
min = -3.0
max = 1.0"#;

/// The candidate's degree effect's parameter for a network of hubs: a box around 0 that
/// reaches well into attraction to hubs.
const POPULARITY_PARAMETER: &str = r#"key = "formation.popularity_sqrt"   # a candidate with 4 partners: odds x 1/7 to x 400 of an isolate's
prior = "uniform"
min = -1.0
max = 3.0"#;

/// The scenario text with the candidate's degree effect calibrated in place of the searcher's.
pub fn with_popularity(text: &str) -> String {
    assert!(
        text.contains(ACTIVITY_PARAMETER),
        "the panel template's activity parameter changed without panel_degree.rs"
    );
    text.replace(ACTIVITY_PARAMETER, POPULARITY_PARAMETER)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{NodeAttrs, Origin, SnapTie};
    use std::sync::Arc;

    fn wave(n: usize, ties: &[(u32, u32)]) -> Snapshot {
        let nodes = NodeAttrs {
            ids: (0..n).map(|i| i.to_string()).collect(),
            kind: vec![crate::data::Kind::Other; n],
            territory: vec![0; n],
            territory_names: vec!["panel".into()],
        };
        let ties = ties.iter().map(|&(a, b)| SnapTie {
            a,
            b,
            trust: 0.5,
            origin: Origin::Baseline,
        });
        Snapshot::from_ties(Arc::new(nodes), ties)
    }

    #[test]
    fn overdispersion_is_negative_for_even_degrees_and_large_for_a_star() {
        // A ring: every degree 2, variance 0, overdispersion -1/2.
        let ring: Vec<(u32, u32)> = (0..10).map(|i| (i, (i + 1) % 10)).collect();
        assert!((overdispersion(&wave(10, &ring)) + 0.5).abs() < 1e-12);
        // A hub tied to 9 others and 5 pairs among the other 10: degrees 9 and 19 ones, mean
        // 1.4, variance 5 - 1.96 = 3.04, overdispersion (3.04 - 1.4) / 1.96 = 0.837.
        let mut star: Vec<(u32, u32)> = (1..10).map(|j| (0, j)).collect();
        star.extend((10..20).step_by(2).map(|j| (j, j + 1)));
        let v = overdispersion(&wave(20, &star));
        assert!((v - 1.64 / 1.96).abs() < 1e-12, "{v}");
        assert!(v > HUB_OVERDISPERSION);
        // No tie: undefined, and so no network of hubs.
        assert!(overdispersion(&wave(5, &[])).is_nan());
        let mut notes = Vec::new();
        assert!(!hub_network(
            &[2],
            &[wave(5, &[]), wave(5, &[])],
            &mut notes
        ));
        assert!(hub_network(
            &[2],
            &[wave(20, &[]), wave(20, &star)],
            &mut notes
        ));
        assert!(notes[0].contains("0.84 at wave 2"), "{notes:?}");
    }
}
