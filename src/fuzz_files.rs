//! Fuzz entry points for the files wecare reads back from its own output and from panels:
//! adjacency matrices and covariates, observed waves of a calibration, run directories (what
//! `wecare report` reads), shard and experiment manifests, calibration checkpoints, and a
//! scenario run for a few steps. They belong to [`crate::fuzz::TARGETS`].

use crate::calibrate::checkpoint::{self, Checkpoint};
use crate::calibrate::{AbcState, Problem, SmmState};
use crate::data::matrix::{MatrixCodes, read_adjacency, read_covariate};
use crate::ensemble::replicate;
use crate::fuzz::{scratch, split_files, write};
use crate::model::Model;
use crate::scenario::Scenario;
use crate::stats::StatsOptions;
use std::path::{Path, PathBuf};

/// Most organisations, and most steps, of a scenario the simulation target runs.
const SIMULATE_AT_MOST: (usize, u32) = (500, 60);

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// The matrix readers: the bytes as an adjacency matrix (symmetric and symmetrised) and as a
/// covariate file, with RSiena's codes.
pub fn matrix(data: &[u8]) {
    let dir = scratch();
    let Some(p) = write(&dir, "fuzz.dat", data) else {
        return;
    };
    let codes = MatrixCodes::default();
    let _ = read_adjacency(&p, &codes, true);
    let _ = read_adjacency(&p, &codes, false);
    let _ = read_covariate(&p, &codes);
}

/// The observed waves of a calibration: the s50 scenario with its second wave replaced by the
/// bytes, read as a ties CSV, a GraphML file or an adjacency matrix (by the first byte).
pub fn observed(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let ext = ["csv", "graphml", "dat"][usize::from(first % 3)];
    let dir = scratch();
    let Some(wave) = write(&dir, &format!("wave2.{ext}"), rest) else {
        return;
    };
    let Ok(s) = Scenario::load(&scenarios_dir().join("s50.toml")) else {
        return;
    };
    let mut s = s.with_resolved_paths();
    if s.calibration.observed.len() < 2 {
        return;
    }
    s.calibration.observed[1] = wave;
    let Ok((ds, _)) = s.load_dataset() else {
        return;
    };
    let _ = Problem::with_observed(&s, ds, None);
}

/// A scenario run for a few steps: the bytes parsed as a scenario whose relative data paths
/// are the shipped scenarios' (`scenarios/data/...`), one replicate run when it is small.
pub fn simulation(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(s) = Scenario::parse(text, "fuzz.toml", &scenarios_dir()) else {
        return;
    };
    let t = &s.timeline;
    let steps = u64::from(t.pre) + u64::from(t.programme) + u64::from(t.post);
    if steps > u64::from(SIMULATE_AT_MOST.1) {
        return;
    }
    let problems = crate::stats::select::scenario_problems(&s);
    if !problems.is_empty() {
        return;
    }
    let Ok((ds, _)) = s.load_dataset() else {
        return;
    };
    if ds.organisations.len() > SIMULATE_AT_MOST.0 {
        return;
    }
    let Ok(model) = Model::new(&ds, &s.params()) else {
        return;
    };
    let _ = replicate(&model, 1, 0, &StatsOptions::observing(&s.observation));
}

/// A run directory as `wecare report` reads it: `manifest.json`, `replicates.csv`,
/// `summary.csv`, `targets.csv` and `patterns.csv`, separated by [`crate::fuzz::FILE_SEPARATOR`];
/// the report rebuilt from them.
pub fn run_dir(data: &[u8]) {
    let dir = scratch().join("run");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    let names = [
        "manifest.json",
        "replicates.csv",
        "summary.csv",
        "targets.csv",
        "patterns.csv",
    ];
    for (name, f) in names.iter().zip(split_files(data)) {
        write(&dir, name, f);
    }
    if let Ok((m, _)) = crate::report::Manifest::read_run(&dir) {
        let _ = crate::report::build_report(&dir, &m);
    }
}

/// The manifests of sharded and recorded work: the bytes as a `shard.json` and as an
/// experiment's `manifest.json`.
pub fn manifests(data: &[u8]) {
    let dir = scratch().join("shard");
    let _ = std::fs::create_dir_all(&dir);
    if write(&dir, "shard.json", data).is_some() {
        let _ = crate::cli::shard::read_shard(&dir);
    }
    if let Some(p) = write(&dir, "manifest.json", data) {
        let _ = crate::experiment::record::read_manifest(&p);
    }
}

/// A calibration checkpoint, read as either method's.
pub fn checkpoint(data: &[u8]) {
    let dir = scratch().join("checkpoint");
    let _ = std::fs::create_dir_all(&dir);
    if write(&dir, checkpoint::FILE, data).is_some() {
        let _: crate::Result<Checkpoint<AbcState>> = checkpoint::load(&dir);
        let _: crate::Result<Checkpoint<SmmState>> = checkpoint::load(&dir);
    }
}
