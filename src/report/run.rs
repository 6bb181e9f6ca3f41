//! Writing a finished ensemble as a run directory.

use super::{RunDir, write_replicates_csv};
use crate::error::{Error, Result};
use crate::experiment::Ensemble;
use crate::scenario::Scenario;
use serde::Serialize;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Facts about how a run was made, recorded in its manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    /// Worker threads used.
    pub threads: usize,
    /// Start time, UTC, `YYYYMMDD-HHMMSS`.
    pub started_utc: String,
    /// Wall time of the simulation, seconds.
    pub wall_seconds: f64,
}

#[derive(Serialize)]
struct Manifest<'a> {
    engine: &'static str,
    version: &'static str,
    scenario_name: &'a str,
    scenario_file: String,
    master_seed: u64,
    replicates: u64,
    #[serde(flatten)]
    info: &'a RunInfo,
    files: [&'static str; 3],
}

/// Writes `replicates.csv`, `scenario.toml` (the scenario with every default filled in) and
/// `manifest.json` into a new run directory under `root`, renamed into place only when all
/// files are complete. Returns the directory.
pub fn write_run(
    scenario: &Scenario,
    ens: &Ensemble,
    info: &RunInfo,
    root: &Path,
) -> Result<PathBuf> {
    let dir = RunDir::create(root, &scenario.scenario.name).map_err(|e| Error::io(root, e))?;
    let p = dir.path().to_path_buf();
    let write = |name: &str, f: &dyn Fn(&mut dyn Write) -> std::io::Result<()>| -> Result<()> {
        let path = p.join(name);
        let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        let mut w = BufWriter::new(file);
        f(&mut w)
            .and_then(|_| w.flush())
            .map_err(|e| Error::io(&path, e))
    };
    write("replicates.csv", &|w| write_replicates_csv(ens, w))?;
    write("scenario.toml", &|w| {
        w.write_all(scenario.with_resolved_paths().to_toml().as_bytes())
    })?;
    let manifest = Manifest {
        engine: "wecare",
        version: env!("CARGO_PKG_VERSION"),
        scenario_name: &scenario.scenario.name,
        scenario_file: scenario.file_label(),
        master_seed: scenario.montecarlo.seed,
        replicates: scenario.montecarlo.replicates,
        info,
        files: ["replicates.csv", "scenario.toml", "manifest.json"],
    };
    write("manifest.json", &|w| {
        serde_json::to_writer_pretty(&mut *w, &manifest)?;
        w.write_all(b"\n")
    })?;
    let dest = dir.destination().to_path_buf();
    dir.finish().map_err(|e| Error::io(dest, e))
}
