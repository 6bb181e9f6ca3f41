//! `manifest.json` of an experiment directory: the command, engine and commit, seed, the
//! resolved scenarios, and the checksums of every input and output, so that `--from` can run
//! the experiment again bit for bit.

use crate::error::{Error, Result};
use crate::report::files::{FileRecord, sha256_bytes, sha256_file};
use crate::report::manifest::{Engine, input_records};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The format of an experiment's `manifest.json`.
pub const EXPERIMENT_FORMAT: &str = "wecare-experiment/1";

/// An experiment's `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentManifest {
    /// Always [`EXPERIMENT_FORMAT`].
    pub format: String,
    /// `compare`, `sweep`, `sensitivity` or `hypotheses`.
    pub kind: String,
    /// The command's arguments (without the program name, `--out`, `--threads` and `--quiet`).
    pub command: Vec<String>,
    /// The directory it ran in (its paths are relative to it).
    pub cwd: String,
    /// The results root it was given, if any.
    pub out: Option<String>,
    /// The engine.
    pub engine: Engine,
    /// Master seed.
    pub seed: u64,
    /// The resolved scenarios, written beside the results (`scenario-N.toml`).
    pub scenarios: Vec<FileRecord>,
    /// The data files read, with their checksums.
    pub inputs: Vec<FileRecord>,
    /// Every result file, with its checksum.
    pub outputs: Vec<FileRecord>,
}

/// What the next experiment directory to finish records about its making.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The experiment.
    pub kind: String,
    /// Its scenarios (resolved when written).
    pub scenarios: Vec<Scenario>,
    /// Master seed.
    pub seed: u64,
    /// Other files the command read (a data generator's parameters, a sweep file, a
    /// posterior), recorded with their checksums beside the scenarios' data.
    pub inputs: Vec<PathBuf>,
}

static PENDING: Mutex<Option<Provenance>> = Mutex::new(None);

/// Sets what the next experiment directory records (the command line does it before writing).
pub fn set_provenance(p: Provenance) {
    *PENDING.lock().unwrap_or_else(|e| e.into_inner()) = Some(p);
}

pub(crate) fn take_provenance() -> Option<Provenance> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner()).take()
}

static COMMAND: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

/// Sets the command line to record (without the program name) when this process runs a
/// recorded command (`wecare merge`, `--from`) rather than the one it was started with.
pub fn set_command_line(args: Vec<String>) {
    let _ = COMMAND.set(args);
}

/// This process's arguments without the program name, `--out`, `--threads` and `--quiet`;
/// and `--out`.
pub fn command_line() -> (Vec<String>, Option<String>) {
    let given: Vec<String> = match COMMAND.get() {
        Some(c) => c.clone(),
        None => std::env::args().skip(1).collect(),
    };
    // Neither the thread count nor --quiet changes a result.
    split_command(given, &["--threads"], &["--quiet", "-q"])
}

/// A command's arguments `args` split into those recorded and the results root (`--out
/// DIR` or `--out=DIR`): the options in `dropped` are left out with their values (`--opt
/// value` or `--opt=value`), and so are the flags in `flags`.
pub fn split_command(
    args: impl IntoIterator<Item = String>,
    dropped: &[&str],
    flags: &[&str],
) -> (Vec<String>, Option<String>) {
    let mut out = None;
    let mut kept = Vec::new();
    let mut it = args.into_iter();
    let with_value = |a: &str| {
        dropped
            .iter()
            .any(|d| a.strip_prefix(d).is_some_and(|v| v.starts_with('=')))
    };
    while let Some(a) = it.next() {
        if dropped.contains(&a.as_str()) {
            it.next();
        } else if with_value(&a) || flags.contains(&a.as_str()) {
        } else if a == "--out" {
            out = it.next();
        } else if let Some(v) = a.strip_prefix("--out=") {
            out = Some(v.to_string());
        } else {
            kept.push(a);
        }
    }
    (kept, out)
}

fn walk(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            walk(&p, base, out)?;
        } else if let Ok(rel) = p.strip_prefix(base) {
            out.push(rel.to_path_buf());
        }
    }
    Ok(())
}

/// Writes the resolved scenarios and `manifest.json` into the experiment directory `dir`
/// (still under its temporary name).
pub(crate) fn write_manifest(dir: &Path, p: &Provenance) -> Result<()> {
    let mut scenarios = Vec::new();
    let mut inputs: Vec<FileRecord> = Vec::new();
    for (i, s) in p.scenarios.iter().enumerate() {
        let name = format!("scenario-{}.toml", i + 1);
        let text = s.with_resolved_paths().to_toml();
        let path = dir.join(&name);
        std::fs::write(&path, &text).map_err(|e| Error::io(&path, e))?;
        scenarios.push(FileRecord {
            role: "scenario".into(),
            path: name,
            bytes: text.len() as u64,
            sha256: sha256_bytes(text.as_bytes()),
        });
        for r in input_records(s)? {
            if !inputs.iter().any(|x| x.path == r.path) {
                inputs.push(r);
            }
        }
    }
    for p in &p.inputs {
        let path = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        let (bytes, sha256) = sha256_file(&path).map_err(|e| Error::io(&path, e))?;
        let path = path.display().to_string();
        if !inputs.iter().any(|x| x.path == path) {
            inputs.push(FileRecord {
                role: "input".into(),
                path,
                bytes,
                sha256,
            });
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files).map_err(|e| Error::io(dir, e))?;
    files.sort();
    let mut outputs = Vec::new();
    for rel in files {
        let rel_s = rel.display().to_string();
        if rel_s.starts_with("scenario-") {
            continue;
        }
        let path = dir.join(&rel);
        let (bytes, sha256) = sha256_file(&path).map_err(|e| Error::io(&path, e))?;
        outputs.push(FileRecord {
            role: "result".into(),
            path: rel_s,
            bytes,
            sha256,
        });
    }
    let (command, out) = command_line();
    let m = ExperimentManifest {
        format: EXPERIMENT_FORMAT.into(),
        kind: p.kind.clone(),
        command,
        cwd: std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_default(),
        out,
        engine: Engine::current(),
        seed: p.seed,
        scenarios,
        inputs,
        outputs,
    };
    let json = serde_json::to_string_pretty(&m)
        .map_err(|e| Error::Other(format!("manifest.json: {e}")))?;
    let path = dir.join("manifest.json");
    std::fs::write(&path, json + "\n").map_err(|e| Error::io(&path, e))
}

/// Reads an experiment's `manifest.json` (or the one in a directory) and checks that its
/// data files are unchanged.
pub fn read_manifest(path: &Path) -> Result<ExperimentManifest> {
    let file = if path.is_dir() {
        path.join("manifest.json")
    } else {
        path.to_path_buf()
    };
    let text = crate::input::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
    let m: ExperimentManifest = serde_json::from_str(&text)
        .map_err(|e| Error::Other(format!("{}: {e}", file.display())))?;
    if m.format != EXPERIMENT_FORMAT {
        return Err(Error::Other(format!(
            "{}: format `{}`, not an experiment manifest (`{EXPERIMENT_FORMAT}`)",
            file.display(),
            m.format
        )));
    }
    for r in &m.inputs {
        let p = Path::new(&r.path);
        let (_, sha) = sha256_file(p).map_err(|e| Error::io(p, e))?;
        if sha != r.sha256 {
            return Err(Error::Other(format!(
                "{}: changed since the experiment (its SHA-256 differs from {})",
                r.path,
                file.display()
            )));
        }
    }
    Ok(m)
}
