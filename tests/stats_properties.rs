//! Properties of the wave statistics on random snapshots: nothing panics, shares lie in
//! [0, 1], territory scopes add up to what the network scope sees, and a wave compared with
//! itself has not changed.

use proptest::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use wecare::data::Kind;
use wecare::network::{NodeAttrs, Origin, SnapTie, Snapshot};
use wecare::stats::archetype::{classify, partnership_graphs, territory_partnerships};
use wecare::stats::{
    ReferenceWave, StatSelection, StatTable, StatsOptions, WaveContext, replicate_tables,
    wave_table,
};

fn snapshot(
    kinds: Vec<usize>,
    territories: usize,
    active: Vec<bool>,
    edges: Vec<(usize, usize, f64, usize)>,
) -> Snapshot {
    let n = kinds.len();
    let nodes = Arc::new(NodeAttrs {
        ids: (0..n).map(|i| format!("o{i}")).collect(),
        kind: kinds.iter().map(|&k| Kind::ALL[k % 5]).collect(),
        territory: (0..n).map(|i| (i * 7 % territories) as u32).collect(),
        territory_names: (0..territories).map(|t| format!("t{t}")).collect(),
    });
    let ties = edges
        .into_iter()
        .map(|(a, b, trust, o)| (a % n, b % n, trust, o))
        .filter(|&(a, b, _, _)| a != b && active[a] && active[b])
        .map(|(a, b, trust, o)| SnapTie {
            a: a as u32,
            b: b as u32,
            trust,
            origin: Origin::ALL[o % 3],
        });
    let mut s = Snapshot::from_ties(nodes, ties);
    s.ties.dedup_by_key(|t| (t.a, t.b));
    s.active = active;
    s.project_member = (0..n).map(|i| i % 3 == 0).collect();
    s.adopted = (0..n).map(|i| i % 4 == 0).collect();
    s
}

fn arb_snapshot() -> impl Strategy<Value = Snapshot> {
    (1usize..40, 1usize..5).prop_flat_map(|(n, nt)| {
        (
            proptest::collection::vec(0usize..5, n),
            Just(nt),
            proptest::collection::vec(proptest::bool::weighted(0.85), n),
            proptest::collection::vec((0usize..40, 0usize..40, 0.0f64..=1.0, 0usize..3), 0..100),
        )
            .prop_map(|(k, nt, a, e)| snapshot(k, nt, a, e))
    })
}

const SHARES: [&str; 12] = [
    "density",
    "transitivity",
    "mean_local_clustering",
    "largest_component_share",
    "cross_kind_tie_share",
    "cross_territory_tie_share",
    "mean_trust",
    "adoption_share",
    "tie_jaccard",
    "tie_persistence",
    "organisation_retention",
    "sc_bonding",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn statistics_are_consistent(s in arb_snapshot(), t in arb_snapshot()) {
        // `t` serves as the previous wave only when it has the same organisations.
        let prev = if t.len() == s.len() { &t } else { &s };
        let table = wave_table(
            WaveContext { current: &s, previous: Some(prev), first: Some(prev), pre: Some(prev) },
            &StatsOptions { per_territory: true, ..StatsOptions::default() },
        );
        let mut by_scope: Vec<HashMap<&str, f64>> = vec![HashMap::new(); table.scopes.len()];
        for r in &table.rows {
            prop_assert!(by_scope[r.scope as usize].insert(r.statistic, r.value).is_none());
        }
        for (i, stats) in by_scope.iter().enumerate() {
            for name in SHARES {
                let v = stats[name];
                prop_assert!(v.is_nan() || (0.0..=1.0 + 1e-12).contains(&v), "{name} = {v}");
            }
            for name in ["degree_centralization", "betweenness_centralization"] {
                let v = stats[name];
                prop_assert!(v.is_nan() || (-1e-12..=1.0 + 1e-12).contains(&v), "{name} = {v}");
            }
            let n = stats["organisations"];
            prop_assert!(stats["components"] <= n);
            let by_kind: f64 = Kind::ALL.iter().map(|k| stats[format!("organisations.{k}").as_str()]).sum();
            prop_assert_eq!(by_kind, n);
            if i > 0 {
                let archetypes: f64 = ["ente_gestore_centred", "third_sector_centred", "other_centred", "polycentric", "undetermined"]
                    .iter().map(|a| stats[format!("archetype.{a}").as_str()]).sum();
                prop_assert_eq!(archetypes, 1.0);
            }
        }
        // Territory scopes partition the organisations and the territory-internal ties.
        let net = &by_scope[0];
        let orgs: f64 = by_scope[1..].iter().map(|m| m["organisations"]).sum();
        prop_assert_eq!(orgs, net["organisations"]);
        let ties: f64 = by_scope[1..].iter().map(|m| m["ties"]).sum();
        let cross = net["cross_territory_tie_share"];
        let internal = if net["ties"] == 0.0 { 0.0 } else { (net["ties"] * (1.0 - cross)).round() };
        prop_assert_eq!(ties, internal);
        let entrants: f64 = by_scope[1..].iter().map(|m| m["entrants"]).sum();
        prop_assert_eq!(entrants, net["entrants"]);
        let archetypes: f64 = by_scope[1..].len() as f64;
        let counted: f64 = ["ente_gestore_centred", "third_sector_centred", "other_centred", "polycentric", "undetermined"]
            .iter().map(|a| net[format!("archetype_count.{a}").as_str()]).sum();
        prop_assert_eq!(counted, archetypes);
    }

    #[test]
    fn a_wave_compared_with_itself_has_not_changed(s in arb_snapshot()) {
        let table = wave_table(
            WaveContext { current: &s, previous: Some(&s), first: Some(&s), pre: Some(&s) },
            &StatsOptions::default(),
        );
        let get = |n: &str| table.get("network", n).unwrap();
        let m = get("ties");
        let (j, p) = (get("tie_jaccard"), get("tie_persistence"));
        let unchanged = if m > 0.0 { j == 1.0 && p == 1.0 } else { j.is_nan() && p.is_nan() };
        prop_assert!(unchanged, "jaccard {} persistence {}", j, p);
        prop_assert_eq!(get("entrants"), 0.0);
        let r = get("organisation_retention");
        prop_assert!(r == 1.0 || (r.is_nan() && get("organisations") == 0.0));
        // The pattern statistics against the same wave: nothing new, same archetypes.
        prop_assert_eq!(get("new_ties"), 0.0);
        for name in ["first_tie_jaccard", "pre_tie_jaccard"] {
            let v = get(name);
            prop_assert!(v.to_bits() == j.to_bits(), "{} {} vs tie_jaccard {}", name, v, j);
        }
        for name in ["archetype_persistence_first", "archetype_persistence_pre"] {
            let v = get(name);
            prop_assert!(v == 1.0 || (v.is_nan() && s.nodes.territory_names.is_empty()), "{} {}", name, v);
        }
        for name in ["ties_ratio_previous", "ties_ratio_first", "ties_ratio_pre"] {
            let v = get(name);
            prop_assert!(v == 1.0 || (v.is_nan() && m == 0.0), "{} {}", name, v);
        }
    }

    /// The archetypes counted from partnership degrees are those of the partnership graphs,
    /// bit for bit, also for raw tie lists (repeated, reversed and self-ties, ends out of range).
    #[test]
    fn partnerships_without_graphs_classify_as_the_graphs(
        s in arb_snapshot(),
        extra in proptest::collection::vec((0u32..45, 0u32..45), 0..20),
        threshold in 0.0f64..1.0,
    ) {
        let mut raw = s.clone();
        for (k, &(a, b)) in extra.iter().enumerate() {
            let t = SnapTie { a, b, trust: 0.5, origin: Origin::Baseline };
            raw.ties.insert(k % (raw.ties.len() + 1), t);
        }
        for snap in [&s, &raw] {
            let direct = territory_partnerships(snap, threshold);
            let graphs: Vec<_> = partnership_graphs(snap).iter().map(|g| classify(g, threshold)).collect();
            prop_assert_eq!(direct.len(), graphs.len());
            for (d, g) in direct.iter().zip(&graphs) {
                prop_assert_eq!(d.0, g.0);
                prop_assert_eq!(d.1.to_bits(), g.1.to_bits());
            }
        }
    }
    /// A replicate's tables with the reference archetypes computed once equal the tables of
    /// each wave computed alone, bit for bit, whatever the options the pre-programme network
    /// was prepared with.
    #[test]
    fn replicate_tables_equal_the_waves_alone(
        waves in proptest::collection::vec(arb_snapshot(), 1..4),
        pre in arb_snapshot(),
        threshold in 0.0f64..1.0,
        per_territory in proptest::bool::ANY,
    ) {
        let base = StatsOptions { per_territory, ..StatsOptions::default() };
        let other = StatsOptions { archetype_threshold: threshold, ..base.clone() };
        let narrow = StatsOptions {
            statistics: StatSelection::named(&["ties", "archetype_persistence_*"]),
            ..base.clone()
        };
        let bits = |t: &StatTable| -> Vec<(u32, &'static str, u64)> {
            t.rows.iter().map(|r| (r.scope, r.statistic, r.value.to_bits())).collect()
        };
        for (opts, prepared) in [(&base, &base), (&other, &base), (&narrow, &narrow), (&base, &narrow)] {
            let reference = ReferenceWave::pre_programme(&pre, prepared);
            let together = replicate_tables(&waves, Some(&reference), opts);
            prop_assert_eq!(together.len(), waves.len());
            for (k, t) in together.iter().enumerate() {
                let alone = wave_table(
                    WaveContext {
                        current: &waves[k],
                        previous: k.checked_sub(1).map(|p| &waves[p]),
                        first: Some(&waves[0]),
                        pre: Some(&pre),
                    },
                    opts,
                );
                prop_assert_eq!(&t.scopes, &alone.scopes);
                prop_assert_eq!(bits(t), bits(&alone));
            }
        }
    }
}
