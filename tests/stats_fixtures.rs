//! Every statistic against the expected values in `tests/fixtures/stats/*.json`, which
//! `tests/fixtures/stats/make_fixtures.py` computed with networkx and python-igraph.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use wecare::data::Kind;
use wecare::network::{NodeAttrs, Origin, SnapTie, Snapshot};
use wecare::stats::{
    self, BetweennessMethod, ScopeGraph, StatsOptions, WaveContext, shape, social_capital,
};

const TOL: f64 = 1e-9;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stats")
}

fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "json").then(|| p.file_stem().unwrap().to_str().unwrap().into())
        })
        .collect();
    names.sort();
    names
}

struct Fixture {
    name: String,
    doc: Value,
    current: Snapshot,
    previous: Option<Snapshot>,
    first: Option<Snapshot>,
    pre: Option<Snapshot>,
}

fn bools(v: &Value) -> Vec<bool> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_bool().unwrap())
        .collect()
}

fn snapshot(nodes: &Arc<NodeAttrs>, w: &Value) -> Snapshot {
    let ties = w["ties"].as_array().unwrap().iter().map(|t| SnapTie {
        a: t["a"].as_u64().unwrap() as u32,
        b: t["b"].as_u64().unwrap() as u32,
        trust: t["trust"].as_f64().unwrap(),
        origin: Origin::from_name(t["origin"].as_str().unwrap()).unwrap(),
    });
    let mut s = Snapshot::from_ties(nodes.clone(), ties);
    s.active = bools(&w["active"]);
    s.project_member = bools(&w["project_member"]);
    s.adopted = bools(&w["adopted"]);
    s.initiative = bools(&w["initiative"]);
    s
}

fn load(name: &str) -> Fixture {
    let text = std::fs::read_to_string(fixture_dir().join(format!("{name}.json"))).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let nodes = doc["nodes"].as_array().unwrap();
    let attrs = Arc::new(NodeAttrs {
        ids: nodes
            .iter()
            .map(|n| n["id"].as_str().unwrap().into())
            .collect(),
        kind: nodes
            .iter()
            .map(|n| n["kind"].as_str().unwrap().parse::<Kind>().unwrap())
            .collect(),
        territory: nodes
            .iter()
            .map(|n| n["territory"].as_u64().unwrap() as u32)
            .collect(),
        territory_names: doc["territories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().into())
            .collect(),
    });
    let current = snapshot(&attrs, &doc["current"]);
    let previous = (!doc["previous"].is_null()).then(|| snapshot(&attrs, &doc["previous"]));
    let first = (!doc["first"].is_null()).then(|| snapshot(&attrs, &doc["first"]));
    // Older fixtures have no `pre` key: no pre-programme network.
    let pre = doc
        .get("pre")
        .filter(|v| !v.is_null())
        .map(|v| snapshot(&attrs, v));
    Fixture {
        name: name.into(),
        doc,
        current,
        previous,
        first,
        pre,
    }
}

/// `null` in the fixtures is NaN.
fn num(v: &Value) -> f64 {
    if v.is_null() {
        f64::NAN
    } else {
        v.as_f64().unwrap()
    }
}

fn agree(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= TOL * 1f64.max(a.abs()).max(b.abs())
}

fn options(f: &Fixture) -> StatsOptions {
    StatsOptions {
        per_territory: f.doc["options"]["per_territory"].as_bool().unwrap(),
        archetype_threshold: f.doc["options"]["archetype_threshold"].as_f64().unwrap(),
        ..StatsOptions::default()
    }
}

#[test]
fn wave_statistics_match_networkx_and_igraph() {
    let names = fixture_names();
    assert!(names.len() >= 10, "fixtures missing: {names:?}");
    for name in names {
        let f = load(&name);
        let rows = stats::wave_statistics(
            WaveContext {
                current: &f.current,
                previous: f.previous.as_ref(),
                first: f.first.as_ref(),
                pre: f.pre.as_ref(),
            },
            &options(&f),
        );
        let mut got: BTreeMap<(String, String), f64> = BTreeMap::new();
        for r in &rows {
            let dup = got.insert((r.scope.to_string(), r.statistic.to_string()), r.value);
            assert!(
                dup.is_none(),
                "{name}: duplicate row {} {}",
                r.scope,
                r.statistic
            );
        }
        let expected = f.doc["expected"]["rows"].as_array().unwrap();
        let mut failures = Vec::new();
        for e in expected {
            let key = (
                e["scope"].as_str().unwrap().to_string(),
                e["statistic"].as_str().unwrap().to_string(),
            );
            let want = num(&e["value"]);
            match got.remove(&key) {
                None => failures.push(format!("missing {key:?}")),
                Some(v) if !agree(v, want) => {
                    failures.push(format!("{key:?}: got {v}, expected {want}"))
                }
                Some(_) => {}
            }
        }
        for key in got.keys() {
            failures.push(format!("unexpected row {key:?}"));
        }
        assert!(
            failures.is_empty(),
            "{name}: {} disagreements:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

fn check_nodes(f: &Fixture, what: &str, got: &[f64], g: &ScopeGraph) {
    let want = f.doc["expected"]["node"][what].as_array().unwrap();
    assert_eq!(g.n(), got.len());
    for (l, &global) in g.nodes().iter().enumerate() {
        let w = num(&want[global as usize]);
        assert!(
            agree(got[l], w),
            "{}: {what} of {}: got {}, expected {w}",
            f.name,
            global,
            got[l]
        );
    }
}

#[test]
fn node_measures_match_networkx_and_igraph() {
    for name in fixture_names() {
        let f = load(&name);
        let g = ScopeGraph::network(&f.current);
        let deg: Vec<f64> = g.degrees().iter().map(|&d| d as f64).collect();
        check_nodes(&f, "degree", &deg, &g);
        let b = shape::betweenness(&g, BetweennessMethod::Exact, true);
        check_nodes(&f, "betweenness", &b, &g);
        let raw = shape::betweenness(&g, BetweennessMethod::Exact, false);
        check_nodes(&f, "betweenness_raw", &raw, &g);
        let tri = shape::triangles(&g);
        check_nodes(&f, "clustering", &shape::local_clustering(&g, &tri), &g);
        check_nodes(&f, "constraint", &social_capital::constraint(&g), &g);
        check_nodes(
            &f,
            "effective_size",
            &social_capital::effective_size(&g, &tri),
            &g,
        );
    }
}

#[test]
fn distributions_and_archetypes_match() {
    for name in fixture_names() {
        let f = load(&name);
        let e = &f.doc["expected"];
        let want = |k: &str| -> Vec<u64> {
            e[k].as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect()
        };
        assert_eq!(
            stats::degree_distribution(&f.current),
            want("degree_distribution"),
            "{name}"
        );
        assert_eq!(
            stats::geodesic_distribution(&f.current),
            want("geodesic_distribution"),
            "{name}"
        );
        let arch: Vec<&str> = stats::territory_archetypes(&f.current, 0.5)
            .iter()
            .map(|a| a.name())
            .collect();
        let want_arch: Vec<&str> = e["archetypes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(arch, want_arch, "{name}");
        let cents = stats::archetype::territory_partnerships(&f.current, 0.5);
        for (t, (_, c)) in cents.iter().enumerate() {
            let w = num(&e["partnership_centralization"][t]);
            assert!(agree(*c, w), "{name} territory {t}: {c} vs {w}");
        }
    }
}

#[test]
fn fixtures_record_library_versions() {
    for name in fixture_names() {
        let f = load(&name);
        for lib in ["networkx", "igraph", "python"] {
            assert!(
                f.doc["versions"][lib].is_string(),
                "{name}: no {lib} version"
            );
        }
    }
}
