//! The synthetic data-set generator and the reconstructed We.Ca.Re Measure 1 data set.

use std::collections::{HashMap, HashSet};
use wecare::data::generate::{
    Archetype, GeneratorParams, WECARE_MEASURE1_TERRITORIES, generate, generate_with_meta,
    wecare_measure1,
};
use wecare::data::{Dataset, Kind};

/// The seed of the committed data set.
const SEED: u64 = 20170101;

/// Directory of the committed data set.
fn committed_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/data/wecare-measure1")
}

/// First lines of `generator.toml`, before the serialised preset.
const TOML_HEADER: &str = "\
# Generator parameters of the reconstructed We.Ca.Re Measure 1 data set (the `wecare-measure1`
# preset), serialised from `wecare::data::generate::wecare_measure1()`. See README.md for which
# values are public facts and which are assumptions. Regenerate the data set with
#   wecare generate --params scenarios/data/wecare-measure1/generator.toml --seed 20170101 \\
#     --out scenarios/data/wecare-measure1 --force
";

/// Freeman degree centralization of the subgraph induced by `members`, and the degrees.
fn member_centralization(ds: &Dataset, members: &[usize]) -> (f64, HashMap<usize, usize>) {
    let set: HashSet<usize> = members.iter().copied().collect();
    let mut deg: HashMap<usize, usize> = members.iter().map(|&m| (m, 0)).collect();
    for t in &ds.ties {
        if set.contains(&t.a) && set.contains(&t.b) {
            *deg.get_mut(&t.a).unwrap() += 1;
            *deg.get_mut(&t.b).unwrap() += 1;
        }
    }
    let n = members.len();
    let max = *deg.values().max().unwrap();
    let sum: usize = deg.values().map(|&d| max - d).sum();
    (sum as f64 / ((n - 1) * (n - 2)) as f64, deg)
}

fn members_of(ds: &Dataset, project: usize) -> Vec<usize> {
    let p = &ds.projects[project];
    std::iter::once(p.lead)
        .chain(p.partners.iter().copied())
        .collect()
}

/// Every territory is what its archetype claims, checked from the ties alone.
fn check_archetypes(params: &GeneratorParams, seed: u64) {
    let g = generate_with_meta(params, seed).unwrap();
    let ds = &g.dataset;
    for info in &g.territories {
        let members = members_of(ds, info.project);
        assert!(
            members.len() >= 4,
            "{}: {} members",
            info.name,
            members.len()
        );
        let (c, deg) = member_centralization(ds, &members);
        assert!((c - info.centralization).abs() < 1e-12, "{}", info.name);
        let lead = ds.projects[info.project].lead;
        match info.archetype {
            Archetype::EnteGestoreCentred | Archetype::ThirdSectorCentred => {
                let hub = info.hub.unwrap();
                assert!(members.contains(&hub));
                assert!(c >= 0.5, "seed {seed} {}: centralization {c}", info.name);
                for (&m, &d) in &deg {
                    assert!(
                        m == hub || d < deg[&hub],
                        "seed {seed} {}: hub not the unique maximum",
                        info.name
                    );
                }
                if info.archetype == Archetype::EnteGestoreCentred {
                    assert_eq!(hub, lead);
                } else {
                    assert_ne!(hub, lead);
                    assert_eq!(ds.organisations[hub].kind, Kind::ThirdSector);
                }
            }
            Archetype::Polycentric => {
                assert!(info.hub.is_none());
                assert!(c < 0.5, "seed {seed} {}: centralization {c}", info.name);
            }
        }
        // No member is isolated in the baseline network.
        assert!(deg.values().all(|&d| d > 0), "{}", info.name);
    }
}

/// Ties are clean: in range, ordered, no loops, no duplicates, no pair in both lists, trust in
/// [0, 1]; baseline ties join active organisations, within a territory or between enti
/// gestori; remembered ties stay within a territory.
fn check_ties(ds: &Dataset) {
    let n = ds.organisations.len();
    let mut seen = HashSet::new();
    for (list, is_history) in [(&ds.ties, false), (&ds.history, true)] {
        for t in list {
            assert!(t.a < t.b && t.b < n, "{t:?}");
            assert!(seen.insert((t.a, t.b)), "duplicate pair {t:?}");
            let trust = t.trust.unwrap();
            assert!((0.0..=1.0).contains(&trust));
            let (oa, ob) = (&ds.organisations[t.a], &ds.organisations[t.b]);
            if is_history || oa.territory == ob.territory {
                assert_eq!(oa.territory, ob.territory);
            } else {
                assert_eq!(oa.kind, Kind::EnteGestore);
                assert_eq!(ob.kind, Kind::EnteGestore);
            }
            if !is_history {
                assert!(oa.active && ob.active);
            }
        }
    }
}

fn big_params() -> GeneratorParams {
    GeneratorParams {
        territories: 1_000,
        enti_gestori: 1_500,
        partners: 90_000,
        pool_min: 8,
        pool_max: 12,
        cross_territory_ties: 500,
        total_budget: 150_000_000.0,
        min_grant: 50_000.0,
        max_grant: 500_000.0,
        ..GeneratorParams::default()
    }
}

#[test]
fn deterministic_for_a_seed() {
    let p = wecare_measure1();
    assert_eq!(generate(&p, 42).unwrap(), generate(&p, 42).unwrap());
    assert_ne!(generate(&p, 42).unwrap(), generate(&p, 43).unwrap());
}

#[test]
fn preset_meets_the_public_facts() {
    for seed in [SEED, 1, 2, 3, 99] {
        let g = generate_with_meta(&wecare_measure1(), seed).unwrap();
        let ds = &g.dataset;
        // 22 territories, named after the lead bodies, one project each.
        let names: Vec<String> = WECARE_MEASURE1_TERRITORIES
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(names.len(), 22);
        assert_eq!(ds.territories(), names);
        assert_eq!(ds.projects.len(), 22);
        let project_territories: Vec<String> =
            ds.projects.iter().map(|p| p.territory.clone()).collect();
        assert_eq!(project_territories, names);
        // 50 enti gestori and 147 partners active at the start.
        let active: Vec<_> = ds.organisations.iter().filter(|o| o.active).collect();
        assert_eq!(active.len(), 197);
        let eg = active
            .iter()
            .filter(|o| o.kind == Kind::EnteGestore)
            .count();
        assert_eq!(eg, 50);
        assert_eq!(active.len() - eg, 147);
        assert!(
            ds.organisations
                .iter()
                .all(|o| o.active || o.kind != Kind::EnteGestore)
        );
        // Each project: led by an ente gestore of its territory, partners all other active
        // organisations of the territory (extra enti gestori included).
        for p in &ds.projects {
            let lead = &ds.organisations[p.lead];
            assert_eq!(lead.kind, Kind::EnteGestore);
            assert_eq!(lead.territory, p.territory);
            assert!(lead.active);
            let mut expected: Vec<usize> = (0..ds.organisations.len())
                .filter(|&i| {
                    let o = &ds.organisations[i];
                    o.active && o.territory == p.territory && i != p.lead
                })
                .collect();
            let mut got = p.partners.clone();
            got.sort();
            expected.sort();
            assert_eq!(got, expected, "{}", p.id);
            assert!(got.len() >= 3);
        }
        // Grants: 179,000 to 867,000 EUR, exactly, summing to 6,400,000 EUR.
        let budgets: Vec<f64> = ds.projects.iter().map(|p| p.budget).collect();
        assert_eq!(budgets.iter().sum::<f64>(), 6_400_000.0);
        assert_eq!(budgets.iter().cloned().fold(f64::MAX, f64::min), 179_000.0);
        assert_eq!(budgets.iter().cloned().fold(0.0, f64::max), 867_000.0);
        assert!(budgets.iter().all(|&b| b == b.round()));
        // Roughly proportional to size: larger partnerships never get less, beyond rounding,
        // and the largest gets the most.
        let sizes: Vec<usize> = ds.projects.iter().map(|p| p.partners.len() + 1).collect();
        for i in 0..22 {
            for j in 0..22 {
                if sizes[i] > sizes[j] {
                    assert!(budgets[i] + 1_000.0 >= budgets[j], "{sizes:?} {budgets:?}");
                }
            }
        }
        let largest = (0..22).max_by_key(|&i| (sizes[i], usize::MAX - i)).unwrap();
        assert_eq!(budgets[largest], 867_000.0);
        // Archetype counts of the preset, and pools of 6 to 12 per territory.
        let count = |a: Archetype| g.territories.iter().filter(|t| t.archetype == a).count();
        assert_eq!(count(Archetype::EnteGestoreCentred), 13);
        assert_eq!(count(Archetype::ThirdSectorCentred), 5);
        assert_eq!(count(Archetype::Polycentric), 4);
        for name in &names {
            let pool = ds
                .organisations
                .iter()
                .filter(|o| !o.active && &o.territory == name)
                .count();
            assert!((6..=12).contains(&pool), "{name}: pool of {pool}");
        }
        check_ties(ds);
        assert!(!ds.history.is_empty());
        assert!(
            ds.history
                .iter()
                .any(|t| !ds.organisations[t.a].active || !ds.organisations[t.b].active)
        );
    }
}

#[test]
fn archetypes_are_what_they_claim() {
    for seed in [SEED, 1, 2, 3, 4, 5, 6, 7] {
        check_archetypes(&wecare_measure1(), seed);
    }
    let varied = [
        GeneratorParams {
            territories: 60,
            enti_gestori: 80,
            partners: 900,
            size_spread: 1.2,
            total_budget: 30_000_000.0,
            ..GeneratorParams::default()
        },
        GeneratorParams {
            territories: 12,
            enti_gestori: 12,
            partners: 36,
            hub_share: 0.5,
            centred_extra_degree: 3.0,
            polycentric_extra_degree: 0.0,
            total_budget: 4_000_000.0,
            ..GeneratorParams::default()
        },
        GeneratorParams {
            territories: 5,
            enti_gestori: 9,
            partners: 400,
            centred_extra_degree: 6.0,
            polycentric_extra_degree: 6.0,
            total_budget: 2_000_000.0,
            ..GeneratorParams::default()
        },
    ];
    for p in &varied {
        for seed in [1, 2, 3] {
            check_archetypes(p, seed);
            check_ties(&generate(p, seed).unwrap());
        }
    }
}

#[test]
fn params_read_from_toml() {
    let p = wecare_measure1();
    let text = toml::to_string_pretty(&p).unwrap();
    assert_eq!(toml::from_str::<GeneratorParams>(&text).unwrap(), p);
    // Missing keys take their defaults; unknown keys are errors.
    let q: GeneratorParams = toml::from_str("territories = 5\npartners = 40\n").unwrap();
    assert_eq!(q.territories, 5);
    assert_eq!(q.enti_gestori, GeneratorParams::default().enti_gestori);
    assert!(toml::from_str::<GeneratorParams>("territory_count = 5\n").is_err());
}

#[test]
fn committed_generator_toml_is_the_preset() {
    let path = committed_dir().join("generator.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let expected = format!(
        "{TOML_HEADER}\n{}",
        toml::to_string_pretty(&wecare_measure1()).unwrap()
    );
    assert_eq!(text, expected, "regenerate {}", path.display());
    assert_eq!(
        toml::from_str::<GeneratorParams>(&text).unwrap(),
        wecare_measure1()
    );
}

#[test]
fn hundred_thousand_organisations() {
    let p = big_params();
    let g = generate_with_meta(&p, 7).unwrap();
    let ds = &g.dataset;
    let active = ds.organisations.iter().filter(|o| o.active).count();
    assert_eq!(active, 91_500);
    assert!(ds.organisations.len() >= 100_000);
    assert_eq!(ds.projects.len(), 1_000);
    assert!(ds.ties.len() > 90_000);
    assert!(!ds.history.is_empty());
    let budget: f64 = ds.projects.iter().map(|p| p.budget).sum();
    assert_eq!(budget, 150_000_000.0);
}

/// The territory table of the data set's README, as generated.
fn territory_table(params: &GeneratorParams, seed: u64) -> String {
    let g = generate_with_meta(params, seed).unwrap();
    let ds = &g.dataset;
    let mut out = String::from(
        "| Territory | Archetype | Members | EG / public / third sector / firm / other | Pool | Grant (EUR) | Centralization |\n\
         |---|---|---:|---|---:|---:|---:|\n",
    );
    for info in &g.territories {
        let members = members_of(ds, info.project);
        let mut kinds = [0usize; Kind::COUNT];
        for &m in &members {
            kinds[ds.organisations[m].kind.index()] += 1;
        }
        let pool = ds
            .organisations
            .iter()
            .filter(|o| !o.active && o.territory == info.name)
            .count();
        let grant = ds.projects[info.project].budget as u64;
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {},{:03} | {:.2} |\n",
            info.name,
            info.archetype,
            members.len(),
            kinds.map(|k| k.to_string()).join(" / "),
            pool,
            grant / 1000,
            grant % 1000,
            info.centralization
        ));
    }
    let active = ds.organisations.iter().filter(|o| o.active).count();
    let cross = ds
        .ties
        .iter()
        .filter(|t| ds.organisations[t.a].territory != ds.organisations[t.b].territory)
        .count();
    let mean =
        |l: &[wecare::data::Tie]| l.iter().map(|t| t.trust.unwrap()).sum::<f64>() / l.len() as f64;
    out.push_str(&format!(
        "\nIn all: {} organisations ({active} active, {} in pools), {} baseline ties ({cross} \
         between enti gestori of different territories, mean trust {:.3}) and {} remembered past \
         ties (mean trust {:.3}).\n",
        ds.organisations.len(),
        ds.organisations.len() - active,
        ds.ties.len(),
        mean(&ds.ties),
        ds.history.len(),
        mean(&ds.history),
    ));
    out
}

#[test]
fn readme_table_is_current() {
    let table = territory_table(&wecare_measure1(), SEED);
    let readme = std::fs::read_to_string(committed_dir().join("README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "update the table in README.md to:\n{table}"
    );
}

#[test]
fn committed_data_set_is_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = generate(&wecare_measure1(), SEED).unwrap();
    wecare::data::csv::write_dataset(&ds, tmp.path()).unwrap();
    for name in [
        "organisations.csv",
        "ties.csv",
        "history.csv",
        "projects.csv",
    ] {
        let fresh = std::fs::read(tmp.path().join(name)).unwrap();
        let committed = std::fs::read(committed_dir().join(name)).unwrap();
        assert!(
            fresh == committed,
            "scenarios/data/wecare-measure1/{name} differs from the generator's output; \
             regenerate with `cargo run --release -- generate --preset wecare-measure1 \
             --seed 20170101 --out scenarios/data/wecare-measure1`"
        );
    }
}

#[test]
fn committed_data_set_reads_back_as_generated() {
    let paths = wecare::data::csv::CsvPaths::in_dir(&committed_dir());
    let (read, warnings) = wecare::data::csv::read_dataset(&paths).unwrap();
    assert_eq!(read, generate(&wecare_measure1(), SEED).unwrap());
    assert!(warnings.is_empty(), "{warnings:?}");
}
