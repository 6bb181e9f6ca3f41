//! Arbitrary data sets for property tests of the readers and writers.

use proptest::prelude::*;
use std::collections::BTreeSet;
use wecare::data::{Dataset, Kind, Organisation, Project, Tie};

/// Text of up to 8 characters drawn from `chars`, a regex character class (the odd characters
/// a format must carry: its specials, spaces inside, line breaks, unicode).
fn text(chars: &'static str) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[{chars}]{{0,8}}")).unwrap()
}

/// A unique, trimmed, non-empty id from a random stem.
fn make_id(stem: &str, i: usize) -> String {
    format!("{}~{i}", stem.trim_start())
}

/// A valid data set of 2 to 24 organisations whose ids and territories are built from text of
/// `chars`, with baseline and history ties (some with trust) and up to `max_projects`
/// projects.
pub fn dataset(chars: &'static str, max_projects: usize) -> impl Strategy<Value = Dataset> {
    let stems = proptest::collection::vec(text(chars), 25);
    let territories = proptest::collection::vec(text(chars), 1..4);
    let picks = proptest::collection::vec((0usize..5, 0usize..4, 1e-3f64..1e3, any::<bool>()), 25);
    let pairs = proptest::collection::vec(
        (
            0usize..25,
            0usize..25,
            proptest::option::of(0.0f64..=1.0),
            any::<bool>(),
        ),
        0..60,
    );
    let projects = proptest::collection::vec(
        (
            0usize..25,
            0usize..4,
            1.0f64..1e6,
            proptest::collection::vec(0usize..25, 0..5),
        ),
        0..=max_projects,
    );
    (2usize..25, stems, territories, picks, pairs, projects).prop_map(
        |(n, stems, territories, picks, pairs, projects)| {
            let territories: Vec<String> = territories
                .iter()
                .enumerate()
                .map(|(i, t)| make_id(t, i))
                .collect();
            let organisations = (0..n)
                .map(|i| {
                    let (k, t, c, a) = picks[i];
                    Organisation {
                        id: make_id(&stems[i], i),
                        kind: Kind::ALL[k],
                        territory: territories[t % territories.len()].clone(),
                        capacity: c,
                        active: a,
                        covariate: None,
                    }
                })
                .collect();
            let (ties, history) = ties(n, pairs);
            let projects = projects
                .into_iter()
                .enumerate()
                .map(|(j, (lead, t, budget, partners))| {
                    let lead = lead % n;
                    let mut ps: Vec<usize> = Vec::new();
                    for p in partners {
                        let p = p % n;
                        if p != lead && !ps.contains(&p) {
                            ps.push(p);
                        }
                    }
                    Project {
                        id: format!("P{}", make_id(&stems[j], j)),
                        territory: territories[t % territories.len()].clone(),
                        lead,
                        budget,
                        partners: ps,
                    }
                })
                .collect();
            Dataset {
                organisations,
                ties,
                history,
                projects,
            }
        },
    )
}

/// Baseline and history ties among `n` organisations from random pairs: no self-loops, each
/// pair once, `a < b`.
fn ties(n: usize, pairs: Vec<(usize, usize, Option<f64>, bool)>) -> (Vec<Tie>, Vec<Tie>) {
    let mut seen = BTreeSet::new();
    let (mut ties, mut history) = (Vec::new(), Vec::new());
    for (a, b, trust, dormant) in pairs {
        let (a, b) = (a % n, b % n);
        if a == b || !seen.insert((a.min(b), a.max(b))) {
            continue;
        }
        let t = Tie {
            a: a.min(b),
            b: a.max(b),
            trust,
        };
        if dormant {
            history.push(t)
        } else {
            ties.push(t)
        }
    }
    (ties, history)
}
