//! `manifest.json`: what a run is, how it was made and how to make it again.

use super::files::{FileRecord, sha256_file};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The manifest format this engine writes.
pub const MANIFEST_FORMAT: &str = "wecare-run/1";

/// The engine that made a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Engine {
    /// Always `wecare`.
    pub name: String,
    /// Crate version.
    pub version: String,
    /// Git commit the binary was built from (`-dirty` when tracked files differed from it),
    /// or `unknown`.
    pub git_commit: String,
}

impl Engine {
    /// This engine.
    pub fn current() -> Engine {
        Engine {
            name: "wecare".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            git_commit: env!("WECARE_GIT_COMMIT").into(),
        }
    }
}

/// The machine a run was made on (for reading its timings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Host {
    /// Operating system (`linux`, `macos`, ...).
    pub os: String,
    /// Processor architecture.
    pub arch: String,
    /// Logical processors available to the process.
    pub cpus: usize,
}

impl Host {
    /// This machine.
    pub fn current() -> Host {
        Host {
            os: std::env::consts::OS.into(),
            arch: std::env::consts::ARCH.into(),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// The scenario as run, every default filled in and data paths absolute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioRecord {
    /// Scenario name.
    pub name: String,
    /// Scenario description.
    pub description: String,
    /// The scenario file given on the command line (as given).
    pub source: String,
    /// The resolved scenario's file in the run directory (`scenario.toml`).
    pub file: String,
    /// SHA-256 of that file.
    pub sha256: String,
    /// Its text, so that the manifest alone re-runs the run.
    pub toml: String,
}

/// Definitions behind `summary.csv`, so the file explains itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryDefinitions {
    /// What `n` counts.
    pub n: String,
    /// How `sd` is computed.
    pub sd: String,
    /// How `mcse` is computed.
    pub mcse: String,
    /// How the percentiles are computed.
    pub quantiles: String,
}

impl Default for SummaryDefinitions {
    fn default() -> Self {
        SummaryDefinitions {
            n: "replicates whose value is not NaN; NaN values are left out of every column".into(),
            sd: "sample standard deviation, denominator n - 1".into(),
            mcse: "Monte Carlo standard error of the mean, sd / sqrt(n)".into(),
            quantiles: "p2_5, p50, p97_5: linear interpolation between order statistics, \
                        Hyndman and Fan type 7 (R quantile default, numpy/pandas linear)"
                .into(),
        }
    }
}

/// Everything `manifest.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Manifest format, [`MANIFEST_FORMAT`].
    pub format: String,
    /// Run id: the name of the run directory.
    pub run_id: String,
    /// Where the run directory was written (as the run named it).
    pub directory: String,
    /// The engine.
    pub engine: Engine,
    /// The command line that made the run.
    pub command: Vec<String>,
    /// The command that re-runs it.
    pub rerun: String,
    /// The scenario.
    pub scenario: ScenarioRecord,
    /// Master seed.
    pub master_seed: u64,
    /// Number of replicates.
    pub replicates: u64,
    /// Worker threads (results do not depend on it).
    pub threads: usize,
    /// Start time, UTC, ISO 8601.
    pub started_utc: String,
    /// Wall time of the simulation and its statistics, seconds.
    pub wall_seconds: f64,
    /// The machine.
    pub host: Host,
    /// Input data files (absolute paths) with their checksums.
    pub inputs: Vec<FileRecord>,
    /// The files of the run directory that record results, with their checksums.
    pub files: Vec<FileRecord>,
    /// Files made from the recorded ones (plots, report), rebuilt by `wecare report`.
    pub derived: Vec<String>,
    /// Replicates whose wave networks are in `networks/`.
    pub networks: Vec<u64>,
    /// Definitions of the `summary.csv` columns.
    pub summary: SummaryDefinitions,
}

impl Manifest {
    /// Reads a manifest from a `manifest.json` file or a run directory holding one.
    pub fn read(path: &Path) -> Result<(Manifest, PathBuf)> {
        let file = if path.is_dir() {
            path.join("manifest.json")
        } else {
            path.to_path_buf()
        };
        if let Some(partial) = file.ancestors().find(|a| is_partial(a)) {
            return Err(Error::Other(format!(
                "{}: an unfinished run (interrupted or still being written); only finished run \
                 directories can be used",
                partial.display()
            )));
        }
        let text = crate::input::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
        let m: Manifest = serde_json::from_str(&text)
            .map_err(|e| Error::Other(format!("{}: not a wecare manifest: {e}", file.display())))?;
        if m.format != MANIFEST_FORMAT {
            return Err(Error::Other(format!(
                "{}: manifest format `{}`, this engine reads `{MANIFEST_FORMAT}`",
                file.display(),
                m.format
            )));
        }
        let sha = super::files::sha256_bytes(m.scenario.toml.as_bytes());
        if sha != m.scenario.sha256 {
            return Err(Error::Other(format!(
                "{}: the recorded scenario has been edited (sha256 {} recorded, {sha} now); \
                 the manifest no longer describes the run",
                file.display(),
                m.scenario.sha256
            )));
        }
        Ok((m, file))
    }

    /// Reads the manifest of a finished run directory and checks every file it records
    /// (`scenario.toml`, `replicates.csv`, `summary.csv`, ...) against its checksum.
    pub fn read_run(dir: &Path) -> Result<(Manifest, PathBuf)> {
        let (m, file) = Manifest::read(dir)?;
        let base = file.parent().unwrap_or(Path::new("."));
        for f in &m.files {
            let p = base.join(&f.path);
            let (_, sha) = sha256_file(&p).map_err(|e| {
                Error::Other(format!(
                    "{}: recorded file `{}` cannot be read ({e}); the run is incomplete",
                    file.display(),
                    f.path
                ))
            })?;
            if sha != f.sha256 {
                return Err(Error::Other(format!(
                    "{}: recorded file `{}` has changed since the run (sha256 {} recorded, {sha} \
                     now)",
                    file.display(),
                    f.path,
                    f.sha256
                )));
            }
        }
        Ok((m, file))
    }

    /// The scenario recorded in the manifest, parsed and validated (`label` names it in
    /// errors).
    pub fn scenario(&self, label: &str) -> Result<Scenario> {
        Ok(Scenario::parse(&self.scenario.toml, label, Path::new("/"))?)
    }

    /// Checks that every input file still has its recorded checksum.
    pub fn check_inputs(&self) -> Result<()> {
        for f in &self.inputs {
            let p = Path::new(&f.path);
            let (_, sha) = sha256_file(p).map_err(|e| {
                Error::Other(format!(
                    "input `{}` ({}) cannot be read: {e}; the run cannot be reproduced without it",
                    f.role, f.path
                ))
            })?;
            if sha != f.sha256 {
                return Err(Error::Other(format!(
                    "input `{}` ({}) has changed since the run (sha256 {} then, {sha} now); \
                     the run cannot be reproduced from it",
                    f.role, f.path, f.sha256
                )));
            }
        }
        Ok(())
    }
}

/// The input data files a scenario reads, with their checksums (paths made absolute).
pub fn input_records(s: &Scenario) -> Result<Vec<FileRecord>> {
    let d = &s.data;
    let mut out = Vec::new();
    for (role, p) in [
        ("organisations", &d.organisations),
        ("ties", &d.ties),
        ("history", &d.history),
        ("projects", &d.projects),
        ("graphml", &d.graphml),
    ] {
        if let Some(p) = p {
            let path = s.resolve(p);
            let path = std::fs::canonicalize(&path).unwrap_or(path);
            let (bytes, sha256) = sha256_file(&path).map_err(|e| Error::io(&path, e))?;
            out.push(FileRecord {
                role: role.into(),
                path: path.display().to_string(),
                bytes,
                sha256,
            });
        }
    }
    Ok(out)
}

/// Whether a path is the hidden directory of an unfinished run (`.<id>.partial`).
fn is_partial(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') && n.ends_with(".partial") && n.len() > 9)
}
