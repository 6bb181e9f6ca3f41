//! Declared statistics: a selection reports exactly the selected rows of the full statistics,
//! with the same values bit for bit, whatever it leaves out; the list of statistic names is
//! the list the statistics report; scenarios with unknown or unobserved names are refused.

use std::path::Path;
use wecare::model::Model;
use wecare::network::Snapshot;
use wecare::scenario::Scenario;
use wecare::stats::{
    StatSelection, StatTable, StatsOptions, WaveContext, all_statistics, wave_table,
};

fn default_model() -> (Scenario, Model) {
    let s = Scenario::load(Path::new("scenarios/wecare-measure1.toml")).unwrap();
    let (ds, _) = s.load_dataset().unwrap();
    let m = Model::new(&ds, &s.params()).unwrap();
    (s, m)
}

fn tables(model: &Model, snaps: &[Snapshot], opts: &StatsOptions) -> Vec<StatTable> {
    (0..snaps.len())
        .map(|k| {
            wave_table(
                WaveContext {
                    current: &snaps[k],
                    previous: k.checked_sub(1).map(|p| &snaps[p]),
                    first: Some(&snaps[0]),
                    pre: Some(model.pre_programme()),
                },
                opts,
            )
        })
        .collect()
}

#[test]
fn selections_report_the_selected_rows_of_the_full_statistics() {
    let (_, model) = default_model();
    let snaps = model.run(20170101, 3);
    for per_territory in [false, true] {
        let full_opts = StatsOptions {
            per_territory,
            ..StatsOptions::default()
        };
        let full = tables(&model, &snaps, &full_opts);
        // Each selection leaves out a different costly family (betweenness, triangles and social
        // capital, components, archetypes, comparisons with other waves).
        let selections: &[&[&str]] = &[
            &["ties"],
            &["betweenness_centralization", "density"],
            &["sc_bonding*", "transitivity"],
            &["components", "largest_component_share", "mean_trust"],
            &["archetype*"],
            &["archetype_persistence_pre", "entrants.firm"],
            &["new_ties*", "ties_ratio_first", "pre_tie_persistence"],
            &["cross_kind_tie_share", "initiative_share", "adoption_share"],
        ];
        for names in selections {
            let sel = StatSelection::named(names);
            let opts = StatsOptions {
                statistics: sel.clone(),
                ..full_opts.clone()
            };
            let part = tables(&model, &snaps, &opts);
            for (f, p) in full.iter().zip(&part) {
                assert_eq!(f.scopes, p.scopes);
                let want: Vec<_> = f.rows.iter().filter(|r| sel.wants(r.statistic)).collect();
                assert!(!want.is_empty(), "{names:?} selects nothing");
                assert_eq!(want.len(), p.rows.len(), "{names:?}");
                for (a, b) in want.iter().zip(&p.rows) {
                    assert_eq!((a.scope, a.statistic), (b.scope, b.statistic));
                    assert_eq!(a.value.to_bits(), b.value.to_bits(), "{}", a.statistic);
                }
            }
        }
    }
}

#[test]
fn the_list_of_names_is_what_the_statistics_report() {
    let (_, model) = default_model();
    let snaps = model.run(20170101, 0);
    let opts = StatsOptions {
        per_territory: true,
        ..StatsOptions::default()
    };
    let t = &tables(&model, &snaps, &opts)[1];
    let mut reported: Vec<&str> = t.rows.iter().map(|r| r.statistic).collect();
    reported.sort_unstable();
    reported.dedup();
    let mut listed = all_statistics();
    listed.sort_unstable();
    assert_eq!(reported, listed);
}

#[test]
fn scenarios_with_unknown_or_unobserved_statistics_are_refused() {
    let (mut s, _) = default_model();
    s.observation.statistics = Some(vec!["ties".into(), "sc_nothing*".into()]);
    let p = wecare::stats::select::scenario_problems(&s);
    let keys: Vec<&str> = p.iter().map(|(k, _)| k.as_str()).collect();
    assert!(keys.contains(&"observation.statistics[1]"), "{keys:?}");
    // The default scenario's first target observes initiative_share.
    assert!(keys.contains(&"targets[0].statistic"), "{keys:?}");
    assert!(keys.iter().any(|k| k.starts_with("patterns[")), "{keys:?}");
    s.observation.statistics = None;
    assert!(wecare::stats::select::scenario_problems(&s).is_empty());
}
