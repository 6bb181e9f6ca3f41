//! Wave networks handed to petgraph and rustworkx-core algorithms.

mod common;

use common::*;
use petgraph::algo::connected_components;
use wecare::data::{Dataset, Kind};
use wecare::model::{Model, Params};
use wecare::network::{Origin, Snapshot};

#[test]
fn a_path_with_an_inactive_end_and_an_isolate() {
    // a - b - c - d, e alone; d inactive, so its tie is not observed.
    let ds = Dataset {
        organisations: vec![
            org("a", Kind::ThirdSector, "T", true),
            org("b", Kind::Public, "T", true),
            org("c", Kind::Firm, "U", true),
            org("d", Kind::Firm, "U", false),
            org("e", Kind::Other, "U", true),
        ],
        ties: vec![tie(0, 1, Some(0.5)), tie(1, 2, Some(0.9)), tie(2, 3, None)],
        ..Default::default()
    };
    let mut s = Snapshot::from_dataset(&ds);
    s.active[3] = false;
    let g = s.to_petgraph();
    assert_eq!(g.node_count(), 4);
    assert_eq!(g.edge_count(), 2);
    assert_eq!(connected_components(&g), 2);
    let ids: Vec<&str> = g.node_weights().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c", "e"]);
    let trust: Vec<f64> = g.edge_weights().map(|t| t.trust).collect();
    assert_eq!(trust, [0.5, 0.9]);
    assert!(g.edge_weights().all(|t| t.origin == Origin::Baseline));
    // rustworkx-core: on the path a - b - c only b lies between two others (normalised by
    // the (n-1)(n-2)/2 = 3 pairs without it, with e counted in n = 4).
    let bc = rustworkx_core::centrality::betweenness_centrality(&g, false, true, 50);
    let b = bc[1].unwrap();
    assert!((b - 1.0 / 3.0).abs() < 1e-12, "{bc:?}");
    assert_eq!(bc[0], Some(0.0));
}

#[test]
fn a_simulated_wave_matches_its_snapshot() {
    let ds = one_project(8, 4);
    let model = Model::new(&ds, &Params::default()).unwrap();
    let wave = &model.run(3, 0)[2];
    let g = wave.to_petgraph();
    assert_eq!(g.node_count(), wave.active.iter().filter(|&&a| a).count());
    assert_eq!(g.edge_count(), wave.ties.len());
    for e in g.edge_indices() {
        let (x, y) = g.edge_endpoints(e).unwrap();
        let (a, b) = (g[x].index, g[y].index);
        assert!(wave.ties.iter().any(|t| t.a == a.min(b) && t.b == a.max(b)));
    }
}
