//! Degenerate waves (no organisation, one organisation, no tie, only isolates) and malformed
//! snapshots: every statistic has a defined value (NaN only where documented) and nothing
//! panics.

mod stats_common;

use std::sync::Arc;
use wecare::data::Kind;
use wecare::network::{NodeAttrs, Origin, SnapTie, Snapshot};
use wecare::stats::{
    Archetype, StatRow, StatsOptions, WaveContext, all_statistics, degree_distribution,
    geodesic_distribution, territory_archetypes, wave_statistics,
};

fn attrs(kinds: &[Kind], territory: &[u32], territories: usize) -> Arc<NodeAttrs> {
    Arc::new(NodeAttrs {
        ids: (0..kinds.len()).map(|i| format!("o{i}")).collect(),
        kind: kinds.to_vec(),
        territory: territory.to_vec(),
        territory_names: (0..territories).map(|t| format!("t{t}")).collect(),
    })
}

fn tie(a: u32, b: u32) -> SnapTie {
    SnapTie {
        a,
        b,
        trust: 0.5,
        origin: Origin::Programme,
    }
}

fn all_rows(s: &Snapshot, prev: Option<&Snapshot>, first: Option<&Snapshot>) -> Vec<StatRow> {
    wave_statistics(
        WaveContext {
            current: s,
            previous: prev,
            first,
            // The degenerate first wave doubles as the pre-programme network, so the pattern
            // statistics meet the same edge cases.
            pre: first,
        },
        &StatsOptions {
            per_territory: true,
            ..StatsOptions::default()
        },
    )
}

fn get(rows: &[StatRow], scope: &str, name: &str) -> f64 {
    rows.iter()
        .find(|r| r.scope == scope && r.statistic == name)
        .unwrap_or_else(|| panic!("no row {scope} {name}"))
        .value
}

/// Checks `(name, expected)` pairs in a scope; `f64::NAN` expects NaN.
fn expect(rows: &[StatRow], scope: &str, pairs: &[(&str, f64)]) {
    for &(name, want) in pairs {
        let got = get(rows, scope, name);
        assert!(
            (want.is_nan() && got.is_nan()) || got == want,
            "{scope} {name}: got {got}, expected {want}"
        );
    }
}

const NAN: f64 = f64::NAN;

/// Every social-capital row of a scope: each measure and its value per kind.
fn sc_names() -> Vec<String> {
    let names: Vec<String> = all_statistics()
        .into_iter()
        .filter(|n| n.starts_with("sc_"))
        .map(String::from)
        .collect();
    // Eight measures, each for the whole scope and per kind.
    assert_eq!(names.len(), 8 * (1 + Kind::ALL.len()));
    names
}

#[test]
fn empty_network() {
    for territories in [0, 1] {
        let s = Snapshot::from_ties(attrs(&[], &[], territories), []);
        let rows = all_rows(&s, Some(&s), Some(&s));
        expect(
            &rows,
            "network",
            &[
                ("organisations", 0.0),
                ("ties", 0.0),
                ("density", 0.0),
                ("mean_degree", NAN),
                ("degree_centralization", NAN),
                ("betweenness_centralization", NAN),
                ("transitivity", NAN),
                ("mean_local_clustering", NAN),
                ("components", 0.0),
                ("largest_component_share", NAN),
                ("ties_touching_share.third_sector", NAN),
                ("cross_kind_tie_share", NAN),
                ("cross_territory_tie_share", NAN),
                ("mean_trust", NAN),
                ("ties_origin_share.baseline", NAN),
                ("adoption_share", NAN),
                ("tie_jaccard", NAN),
                ("tie_persistence", NAN),
                ("organisation_retention", NAN),
                ("entrants", 0.0),
                ("entrants.firm", 0.0),
                ("initiative_share", NAN),
                ("archetype_count.undetermined", territories as f64),
                ("archetype_count.polycentric", 0.0),
            ],
        );
        for name in sc_names() {
            assert!(get(&rows, "network", &name).is_nan(), "{name}");
        }
        assert_eq!(degree_distribution(&s), Vec::<u64>::new());
        assert_eq!(geodesic_distribution(&s), vec![0]);
        assert_eq!(
            territory_archetypes(&s, 0.5),
            vec![Archetype::Undetermined; territories]
        );
        if territories == 1 {
            expect(
                &rows,
                "territory:t0",
                &[
                    ("organisations", 0.0),
                    ("archetype.undetermined", 1.0),
                    ("archetype_centralization", NAN),
                ],
            );
        }
    }
}

#[test]
fn single_organisation() {
    let s = Snapshot::from_ties(attrs(&[Kind::ThirdSector], &[0], 1), []);
    let rows = all_rows(&s, None, Some(&s));
    for scope in ["network", "territory:t0"] {
        expect(
            &rows,
            scope,
            &[
                ("organisations", 1.0),
                ("organisations.third_sector", 1.0),
                ("ties", 0.0),
                ("density", 0.0),
                ("mean_degree", 0.0),
                ("degree_centralization", NAN),
                ("betweenness_centralization", NAN),
                ("transitivity", NAN),
                ("mean_local_clustering", 0.0),
                ("components", 1.0),
                ("largest_component_share", 1.0),
                ("mean_trust", NAN),
                ("sc_relational", 0.0),
                ("sc_relational.third_sector", 0.0),
                ("sc_relational.firm", NAN),
                ("sc_relational_mean", NAN),
                ("sc_index", 0.0),
                ("sc_bonding", 0.0),
                ("sc_bridging_kind", NAN),
                ("sc_bridging_territory", NAN),
                ("sc_effective_size", NAN),
                ("sc_constraint", NAN),
                ("adoption_share", 0.0),
                ("initiative_share", 0.0),
            ],
        );
    }
    assert!(!rows.iter().any(|r| r.statistic == "tie_jaccard"));
    assert_eq!(degree_distribution(&s), vec![1]);
    assert_eq!(geodesic_distribution(&s), vec![0]);
    assert_eq!(territory_archetypes(&s, 0.5), vec![Archetype::Undetermined]);
}

#[test]
fn no_ties_and_all_isolates() {
    let kinds = [
        Kind::EnteGestore,
        Kind::ThirdSector,
        Kind::Firm,
        Kind::Public,
        Kind::Other,
        Kind::ThirdSector,
    ];
    let mut s = Snapshot::from_ties(attrs(&kinds, &[0, 0, 0, 0, 0, 0], 1), []);
    // One organisation in the pool: five active isolates.
    s.active[5] = false;
    let rows = all_rows(&s, Some(&s), Some(&s));
    expect(
        &rows,
        "network",
        &[
            ("organisations", 5.0),
            ("ties", 0.0),
            ("density", 0.0),
            ("mean_degree", 0.0),
            // Every degree equals the maximum: no centralization.
            ("degree_centralization", 0.0),
            ("betweenness_centralization", 0.0),
            ("transitivity", NAN),
            ("mean_local_clustering", 0.0),
            ("components", 5.0),
            ("largest_component_share", 0.2),
            ("mean_trust", NAN),
            ("sc_relational", 0.0),
            ("sc_bonding", 0.0),
            ("sc_constraint", NAN),
            ("tie_jaccard", NAN),
            ("tie_persistence", NAN),
            ("organisation_retention", 1.0),
            ("entrants", 0.0),
            ("initiative_share", 0.0),
            ("archetype_count.polycentric", 1.0),
        ],
    );
    assert_eq!(degree_distribution(&s), vec![5]);
    assert_eq!(geodesic_distribution(&s), vec![0]);
}

#[test]
fn malformed_snapshots_do_not_panic() {
    let kinds = [
        Kind::EnteGestore,
        Kind::ThirdSector,
        Kind::Firm,
        Kind::Public,
    ];
    // Territory index 7 does not exist.
    let nodes = attrs(&kinds, &[0, 0, 7, 1], 2);
    let mut s = Snapshot::from_ties(nodes.clone(), []);
    s.active[3] = false;
    s.ties = vec![
        tie(2, 1), // reversed and out of order
        tie(0, 1),
        tie(0, 1), // duplicate
        tie(1, 1), // self-tie
        tie(0, 3), // touches an inactive organisation
        tie(0, 9), // out of range
    ];
    s.adopted.truncate(1); // shorter flag vectors
    s.project_member.clear();
    let mut prev = Snapshot::from_ties(nodes, [tie(0, 1)]);
    prev.active.truncate(2);
    let rows = all_rows(&s, Some(&prev), Some(&prev));
    expect(
        &rows,
        "network",
        &[
            ("organisations", 3.0),
            ("ties", 2.0),
            ("components", 1.0),
            ("tie_jaccard", 0.5),
            ("tie_persistence", 1.0),
            ("organisation_retention", 1.0),
            ("entrants", 1.0),
            ("entrants.firm", 1.0),
            ("initiative_share", 0.0),
        ],
    );
    // Organisation 2 belongs to no known territory: territory t0 holds 0 and 1 only.
    expect(
        &rows,
        "territory:t0",
        &[("organisations", 2.0), ("ties", 1.0), ("tie_jaccard", 1.0)],
    );
    assert_eq!(degree_distribution(&s), vec![0, 2, 1]);
    assert_eq!(geodesic_distribution(&s), vec![0, 2, 1]);
    let _ = territory_archetypes(&s, 0.5);
}

#[test]
fn engine_statistic_names_are_kept() {
    let s = stats_common::default_like(1);
    let rows = all_rows(&s, Some(&s), Some(&s));
    let mut names = vec![
        "organisations".to_string(),
        "ties".into(),
        "density".into(),
        "adoption_share".into(),
        "initiative_share".into(),
    ];
    for k in Kind::ALL {
        names.push(format!("organisations.{k}"));
        names.push(format!("entrants.{k}"));
    }
    for o in Origin::ALL {
        names.push(format!("ties_origin_share.{}", o.name()));
    }
    for scope in ["network", "territory:t0"] {
        for n in &names {
            assert!(
                rows.iter()
                    .any(|r| r.scope == scope && r.statistic == n.as_str()),
                "{scope} {n}"
            );
        }
    }
    // Same wave twice: nothing changed.
    expect(
        &rows,
        "network",
        &[
            ("tie_jaccard", 1.0),
            ("tie_persistence", 1.0),
            ("organisation_retention", 1.0),
            ("entrants", 0.0),
        ],
    );
    // Territory scopes follow the network scope, one per territory, in order.
    let scopes: Vec<&str> = rows
        .iter()
        .map(|r| &*r.scope)
        .collect::<Vec<_>>()
        .chunk_by(|a, b| a == b)
        .map(|c| c[0])
        .collect();
    assert_eq!(scopes.len(), 23);
    assert_eq!(scopes[0], "network");
    assert_eq!(scopes[22], "territory:t21");
}
