//! Writing a finished ensemble as a run directory.

use super::files::{FileRecord, write_recorded};
use super::manifest::{
    Engine, Host, MANIFEST_FORMAT, Manifest, ScenarioRecord, SummaryDefinitions, input_records,
};
use super::networks::write_networks;
use super::patterns::{compare_patterns, write_patterns_csv};
use super::single::draw_report;
use super::summary::{summarise, write_summary_csv};
use super::targets::{compare_targets, write_targets_csv};
use super::tidy::write_replicates_table;
use super::{RunDir, iso_utc};
use crate::ensemble::{EnsembleTable, KeptReplicate};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Facts about how a run was made, recorded in its manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    /// Worker threads used.
    pub threads: usize,
    /// Start time.
    pub started: SystemTime,
    /// Wall time of the simulation and its statistics, seconds.
    pub wall_seconds: f64,
    /// The command line (program name first).
    pub command: Vec<String>,
}

/// Writes the files that record a run's results into `dir`: `scenario.toml` (the scenario
/// with every default filled in and data paths absolute), `replicates.csv`, `summary.csv`,
/// `targets.csv`, `patterns.csv` (when the scenario has `[[patterns]]`) and `networks/`.
/// Returns their records, in that order. A pattern naming a statistic the run does not report
/// is an error located in the scenario file, and nothing is written.
pub fn write_records(
    dir: &Path,
    scenario: &Scenario,
    table: &EnsembleTable,
    kept: &[KeptReplicate],
) -> Result<Vec<FileRecord>> {
    let patterns = check_patterns(scenario, table)?;
    std::thread::scope(|sc| {
        let replicates = sc.spawn(|| write_replicates(dir, scenario, table));
        let files = write_others(dir, scenario, table, kept, patterns);
        let replicates = joined(replicates)?;
        let mut files = files?;
        files.insert(1, replicates);
        Ok(files)
    })
}

/// The comparison of the scenario's patterns with the run (`None` without patterns); an
/// error located in the scenario file when a pattern names a statistic the run lacks.
fn check_patterns(
    scenario: &Scenario,
    table: &EnsembleTable,
) -> Result<Option<Vec<super::patterns::PatternRow>>> {
    if scenario.patterns.is_empty() {
        return Ok(None);
    }
    compare_patterns(&scenario.patterns, table)
        .map(Some)
        .map_err(|problems| Error::from(scenario.located(problems)))
}

/// Writes `replicates.csv`, the largest record, and returns its record.
fn write_replicates(dir: &Path, scenario: &Scenario, table: &EnsembleTable) -> Result<FileRecord> {
    let all_scopes = scenario.output.territory_replicates;
    write_recorded(dir, "replicates.csv", "replicates", |w| {
        write_replicates_table(table, all_scopes, w)
    })
}

/// Writes every record but `replicates.csv` (see [`write_records`]), in order.
fn write_others(
    dir: &Path,
    scenario: &Scenario,
    table: &EnsembleTable,
    kept: &[KeptReplicate],
    patterns: Option<Vec<super::patterns::PatternRow>>,
) -> Result<Vec<FileRecord>> {
    let toml = scenario.with_resolved_paths().to_toml();
    let mut files = vec![write_recorded(dir, "scenario.toml", "scenario", |w| {
        w.write_all(toml.as_bytes())
    })?];
    let summary = summarise(table).map_err(|e| Error::io(dir, e))?;
    files.push(write_recorded(dir, "summary.csv", "summary", |w| {
        write_summary_csv(&summary, w)
    })?);
    let targets = compare_targets(&scenario.targets, table).map_err(|e| Error::io(dir, e))?;
    files.push(write_recorded(dir, "targets.csv", "targets", |w| {
        write_targets_csv(&targets, w)
    })?);
    if let Some(rows) = patterns {
        files.push(write_recorded(dir, "patterns.csv", "patterns", |w| {
            write_patterns_csv(&rows, w)
        })?);
    }
    files.extend(write_networks(dir, kept)?);
    Ok(files)
}

/// The result of a scoped thread; its panic, if it panicked, goes on in this thread.
pub(super) fn joined<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
}

/// The manifest of a run whose records are `files` (as [`write_records`] returns them), to be
/// written into the directory that will be renamed to `directory`; `derived` lists the
/// report's files.
pub fn manifest_for(
    run_id: &str,
    directory: &Path,
    scenario: &Scenario,
    info: &RunInfo,
    files: Vec<FileRecord>,
    derived: Vec<String>,
) -> Result<Manifest> {
    let toml = scenario.with_resolved_paths().to_toml();
    let sha = files
        .iter()
        .find(|f| f.path == "scenario.toml")
        .map(|f| f.sha256.clone())
        .unwrap_or_else(|| super::files::sha256_bytes(toml.as_bytes()));
    Ok(Manifest {
        format: MANIFEST_FORMAT.into(),
        run_id: run_id.into(),
        directory: directory.display().to_string(),
        engine: Engine::current(),
        command: info.command.clone(),
        rerun: format!(
            "wecare run --from {}",
            directory.join("manifest.json").display()
        ),
        scenario: ScenarioRecord {
            name: scenario.scenario.name.clone(),
            description: scenario.scenario.description.clone(),
            source: scenario.file_label(),
            file: "scenario.toml".into(),
            sha256: sha,
            toml,
        },
        master_seed: scenario.montecarlo.seed,
        replicates: scenario.montecarlo.replicates,
        threads: info.threads,
        started_utc: iso_utc(info.started),
        wall_seconds: info.wall_seconds,
        host: Host::current(),
        inputs: input_records(scenario)?,
        files,
        derived,
        networks: scenario.output.networks.clone(),
        summary: SummaryDefinitions::default(),
    })
}

/// Writes `manifest.json` into `dir`.
pub fn write_manifest(dir: &Path, m: &Manifest) -> Result<()> {
    write_recorded(dir, "manifest.json", "manifest", |w| {
        serde_json::to_writer_pretty(&mut *w, m)?;
        w.write_all(b"\n")
    })
    .map(|_| ())
}

/// Writes a complete run directory under `root` (records, report when the scenario asks for
/// it, manifest last), renamed into place only when everything is written. Returns it.
pub fn write_run(
    scenario: &Scenario,
    table: &EnsembleTable,
    kept: &[KeptReplicate],
    info: &RunInfo,
    root: &Path,
) -> Result<PathBuf> {
    let dir = RunDir::create(root, &scenario.scenario.name).map_err(|e| Error::io(root, e))?;
    finish_run(dir, scenario, table, kept, info).map(|(p, _)| p)
}

/// Writes everything into an open [`RunDir`] and renames it into place. A failing report
/// does not lose the results: it is returned beside the directory, to be reported as a
/// warning (`wecare report DIR` builds it again).
///
/// `replicates.csv` is written on a thread of its own while the other records are written and
/// the report's figures drawn (the report reads only the other files); its record joins the
/// manifest before the report's page, which lists every file, is written.
pub fn finish_run(
    dir: RunDir,
    scenario: &Scenario,
    table: &EnsembleTable,
    kept: &[KeptReplicate],
    info: &RunInfo,
) -> Result<(PathBuf, Option<Error>)> {
    let patterns = check_patterns(scenario, table)?;
    let path = dir.path();
    let (m, problem) = std::thread::scope(|sc| -> Result<_> {
        let replicates = sc.spawn(|| write_replicates(path, scenario, table));
        let others = write_others(path, scenario, table, kept, patterns).and_then(|files| {
            manifest_for(
                dir.id(),
                dir.destination(),
                scenario,
                info,
                files,
                Vec::new(),
            )
        });
        let draft = match &others {
            Ok(m) if scenario.output.report => Some(draw_report(path, m)),
            _ => None,
        };
        let replicates = joined(replicates)?;
        let mut m = others?;
        m.files.insert(1, replicates);
        let mut problem = None;
        match draft.map(|d| d.and_then(|d| d.finish(&m))) {
            Some(Ok(derived)) => m.derived = derived,
            Some(Err(e)) => problem = Some(e),
            None => {}
        }
        Ok((m, problem))
    })?;
    write_manifest(path, &m)?;
    let dest = dir.destination().to_path_buf();
    let p = dir.finish().map_err(|e| Error::io(dest, e))?;
    Ok((p, problem))
}
