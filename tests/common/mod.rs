//! Small hand-built data sets for tests, and arbitrary ones for property tests ([`arb`]).
#![allow(dead_code)]

pub mod arb;

use std::path::{Path, PathBuf};
use wecare::data::{Dataset, Kind, Organisation, Project, Tie};
use wecare::model::Params;
use wecare::model::params::PerPhase;

/// The data files the tests read (`tests/fixtures/data`).
pub fn data_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data")
}

/// An organisation of capacity 1.
pub fn org(id: &str, kind: Kind, territory: &str, active: bool) -> Organisation {
    organisation(id, kind, territory, 1.0, active)
}

/// An organisation of the given capacity, without covariate.
pub fn organisation(
    id: &str,
    kind: Kind,
    territory: &str,
    capacity: f64,
    active: bool,
) -> Organisation {
    Organisation {
        id: id.into(),
        kind,
        territory: territory.into(),
        capacity,
        active,
        covariate: None,
    }
}

/// A tie with optional trust.
pub fn tie(a: usize, b: usize, trust: Option<f64>) -> Tie {
    Tie { a, b, trust }
}

/// The same value in every phase.
pub fn all(v: f64) -> PerPhase {
    PerPhase {
        pre: v,
        programme: v,
        post: v,
    }
}

/// Parameters under which nothing happens unless a test switches it on: no formation, no
/// dissolution, no adoption, no initiatives, no recruitment, no exit.
pub fn quiet() -> Params {
    let mut p = Params::default();
    p.formation.rate = all(0.0);
    p.dissolution.base = all(-1e3);
    p.adoption.base = -1e3;
    p.initiative.base = -1e3;
    p.funding.recruit_rate = 0.0;
    p.exit.after = 0;
    p
}

/// A territory "T" with a lead ente gestore (0) and `n` third-sector partners (1..=n) listed
/// in one project, no ties, plus `pool` inactive third-sector organisations.
pub fn one_project(n: usize, pool: usize) -> Dataset {
    let mut orgs = vec![org("EG", Kind::EnteGestore, "T", true)];
    for k in 0..n {
        orgs.push(org(&format!("P{k}"), Kind::ThirdSector, "T", true));
    }
    for k in 0..pool {
        orgs.push(org(&format!("Q{k}"), Kind::ThirdSector, "T", false));
    }
    Dataset {
        organisations: orgs,
        ties: vec![],
        history: vec![],
        projects: vec![Project {
            id: "PR".into(),
            territory: "T".into(),
            lead: 0,
            budget: 100_000.0,
            partners: (1..=n).collect(),
        }],
    }
}
