//! The optional organisation covariate: read and written only when present, and the
//! `covariate_similarity` effects of formation and dissolution act on it.

use std::path::Path;
use wecare::calibrate::Problem;
use wecare::data::csv::{CsvPaths, read_dataset, write_dataset};
use wecare::data::graphml::{read_dataset_graphml, write_dataset_graphml};
use wecare::scenario::Scenario;

fn s50() -> Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Scenario::load(&root.join("scenarios/s50.toml")).unwrap()
}

#[test]
fn covariates_round_trip_and_are_written_only_when_present() {
    let (ds, _) = s50().load_dataset().unwrap();
    assert_eq!(ds.organisations[0].covariate, Some(2.0));
    let dir = tempfile::tempdir().unwrap();
    write_dataset(&ds, dir.path()).unwrap();
    let text = std::fs::read_to_string(dir.path().join("organisations.csv")).unwrap();
    assert!(text.starts_with("id,kind,territory,capacity,active,covariate\n"));
    let (back, _) = read_dataset(&CsvPaths::in_dir(dir.path())).unwrap();
    assert_eq!(back.organisations, ds.organisations);
    let g = dir.path().join("s50.graphml");
    write_dataset_graphml(&ds, std::fs::File::create(&g).unwrap()).unwrap();
    let (back, _) = read_dataset_graphml(&g).unwrap();
    assert_eq!(back.organisations, ds.organisations);

    let mut none = ds.clone();
    none.organisations
        .iter_mut()
        .for_each(|o| o.covariate = None);
    let dir2 = tempfile::tempdir().unwrap();
    write_dataset(&none, dir2.path()).unwrap();
    let text = std::fs::read_to_string(dir2.path().join("organisations.csv")).unwrap();
    assert!(text.starts_with("id,kind,territory,capacity,active\n"));
    let mut buf = Vec::new();
    write_dataset_graphml(&none, &mut buf).unwrap();
    assert!(!String::from_utf8(buf).unwrap().contains("covariate"));

    // A covariate that is not a number is an error naming the line and column.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "id,kind,territory,covariate\na,other,t,x\n").unwrap();
    let e = read_dataset(&CsvPaths {
        organisations: bad,
        ..Default::default()
    })
    .unwrap_err();
    assert!(e.to_string().contains(":2: field `covariate`"), "{e}");
}

/// Mean over replicates of the target statistic `name` at wave 3 of the s50 problem, at
/// parameters (formation base, closure, covariate similarity, dissolution base).
fn mean_at(p: &Problem, theta: [f64; 4], name: &str) -> f64 {
    let k = p
        .targets
        .iter()
        .position(|t| t.statistic == name && t.wave == 3)
        .unwrap();
    let n = 30;
    (0..n)
        .map(|r| p.simulate(&theta, 9, r).unwrap()[k])
        .sum::<f64>()
        / n as f64
}

#[test]
fn similarity_effects_make_ties_between_similar_organisations() {
    let p = Problem::from_scenario(&s50()).unwrap();
    let s = "tie_covariate_similarity";
    let homophily = mean_at(&p, [-3.5, 1.0, 3.0, -3.0], s);
    let neutral = mean_at(&p, [-3.5, 1.0, 0.0, -3.0], s);
    let heterophily = mean_at(&p, [-3.5, 1.0, -3.0, -3.0], s);
    assert!(homophily > neutral + 0.03, "{homophily} {neutral}");
    assert!(neutral > heterophily + 0.03, "{neutral} {heterophily}");

    // Dissolution: ties between similar pupils last longer when the coefficient is positive.
    let mut strong = s50();
    strong.dissolution.effects.set("covariate_similarity", 4.0);
    let mut weak = s50();
    weak.dissolution.effects.set("covariate_similarity", -4.0);
    let ps = Problem::from_scenario(&strong).unwrap();
    let pw = Problem::from_scenario(&weak).unwrap();
    let theta = [-3.5, 1.0, 0.0, -2.0];
    assert!(mean_at(&ps, theta, s) > mean_at(&pw, theta, s) + 0.03);
}
