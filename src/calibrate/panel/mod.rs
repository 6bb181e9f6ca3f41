//! A ready-to-run calibration scenario from a network panel: wave files (adjacency matrices,
//! ties CSV), optionally a covariate file, become a data set (organisations, starting ties), a
//! copy of the wave files and a scenario like `scenarios/s50.toml` (`wecare panel`,
//! docs/calibration.md, "A scenario from a panel").

mod design;
mod periods;
mod read;
mod text;

use super::Problem;
use super::fixed_choice;
use crate::data::Dataset;
use crate::data::csv::write_dataset;
use crate::data::matrix::{Dyad, MatrixCodes};
use crate::error::{Error, Result};
use crate::report::RunDir;
use crate::scenario::Scenario;
use design::{Design, design};
use periods::Cap;
use read::{Panel, read_panel};
use std::path::{Path, PathBuf};
use text::scenario_text;

pub use periods::MAX_PARAMETERS;

/// The statistic the clustering parameters of the periods are matched to.
const TRANSITIVITY: &str = "transitivity";

/// What `wecare panel` is given.
#[derive(Debug, Clone)]
pub struct PanelSpec {
    /// Adjacency-matrix wave files, wave 1 first (at least 2).
    pub waves: Vec<PathBuf>,
    /// Covariate file: one row per actor, one column per wave (wave 1's value is used).
    pub covariate: Option<PathBuf>,
    /// The covariate file's column to read (1-based) when it holds several variables, one a
    /// column; `None`: one column per wave.
    pub covariate_column: Option<usize>,
    /// Directory the scenario and its data are written into.
    pub out: PathBuf,
    /// Scenario name (also its file name, `<name>.toml`).
    pub name: String,
    /// Read the waves as directed nominations (a tie where either names the other).
    pub symmetrise: bool,
    /// Codes and dichotomisation of the matrix cells.
    pub codes: MatrixCodes,
    /// Most calibrated parameters the scenario gets with clustering parameters (`None`:
    /// [`MAX_PARAMETERS`]).
    pub max_parameters: Option<usize>,
    /// Over the cap, let runs of consecutive periods share clustering parameters
    /// ([`share_periods`]) instead of leaving them out (`wecare panel --share-clustering`).
    pub share_clustering: bool,
}

/// What `wecare panel` wrote.
#[derive(Debug, Clone)]
pub struct PanelSummary {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Actors (organisations).
    pub actors: usize,
    /// Per wave: observed ties, missing dyads, absent actors.
    pub waves: Vec<(usize, usize, usize)>,
    /// Actors with a covariate value.
    pub with_covariate: usize,
    /// What the scenario leaves out or adds because of the panel, and why (also written into
    /// the scenario as comments).
    pub notes: Vec<String>,
}

/// Reads the panel, writes `<out>/<name>.toml` and `<out>/data/` (organisations, starting ties,
/// the wave files), and checks that the scenario loads as a calibration problem. Existing files
/// are never replaced: if the scenario file or `data/` exists, nothing is written; if the check
/// fails, what was written is removed.
pub fn scaffold(spec: &PanelSpec) -> Result<PanelSummary> {
    let scenario = spec.out.join(format!("{}.toml", spec.name));
    let data = spec.out.join("data");
    for p in [&scenario, &data] {
        if p.exists() {
            return Err(Error::Other(format!(
                "{} already exists: choose another --out or --name (nothing is overwritten)",
                p.display()
            )));
        }
    }
    let most = crate::scenario::parameters::MAX_PERIODS + 1;
    if spec.waves.len() > most {
        return Err(Error::Other(format!(
            "{} wave files: a panel has at most {most} waves (see docs/errors.md, \"Limits\")",
            spec.waves.len()
        )));
    }
    let panel = read_panel(spec)?;
    let ds = panel.dataset();
    // Written under a hidden partial directory (removed on failure or interrupt, with the
    // directories it created) and moved into place together once the scenario loads.
    let stage = RunDir::staging(&spec.out, "panel").map_err(|e| Error::io(&spec.out, e))?;
    let file = format!("{}.toml", spec.name);
    let (staged, staged_data) = (stage.path().join(&file), stage.path().join("data"));
    let design = write_and_check(spec, &panel, &ds, &staged, &staged_data)?;
    stage
        .finish_into_parent(&[&file, "data"])
        .map_err(|e| Error::io(&spec.out, e))?;
    Ok(PanelSummary {
        scenario,
        actors: panel.labels.len(),
        waves: panel
            .waves
            .iter()
            .map(|w| {
                let absent = w.absent.iter().filter(|&&a| a).count();
                (w.ties().len(), w.pairs_where(Dyad::Missing).len(), absent)
            })
            .collect(),
        with_covariate: ds
            .organisations
            .iter()
            .filter(|o| o.covariate.is_some())
            .count(),
        notes: design.notes,
    })
}

/// Writes the data set, the copied wave files and the scenario, whose statistics are those
/// the observed waves define (a statistic undefined at some wave, such as `transitivity` on a
/// wave without two-paths, is matched at the other waves only), and checks that it loads as a
/// calibration problem. Returns what the scenario matches and frees.
fn write_and_check(
    spec: &PanelSpec,
    panel: &Panel,
    ds: &Dataset,
    scenario: &Path,
    data: &Path,
) -> Result<Design> {
    std::fs::create_dir_all(data).map_err(|e| Error::io(data, e))?;
    write_dataset(ds, data).map_err(|e| Error::io(data, e))?;
    let mut observed = Vec::new();
    for (k, p) in spec.waves.iter().enumerate() {
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("dat");
        let name = format!("wave{}.{ext}", k + 1);
        std::fs::copy(p, data.join(&name)).map_err(|e| Error::io(p, e))?;
        observed.push(format!("data/{name}"));
    }
    let write = |design: &Design| {
        let text = scenario_text(spec, panel, &observed, design);
        std::fs::write(scenario, text).map_err(|e| Error::io(scenario, e))?;
        Problem::from_scenario(&Scenario::load(scenario)?)
    };
    let (matched, notes) = panel.matched_waves(spec)?;
    // First with `ties` alone (defined at every wave), to evaluate the others on the waves.
    let first = Design {
        matched: matched.clone(),
        statistics: vec!["ties".to_string()],
        closure: true,
        ..Design::default()
    };
    let p = write(&first)?;
    let cap = spec.max_parameters.unwrap_or(MAX_PARAMETERS);
    let cap = Cap {
        parameters: cap,
        share: spec.share_clustering,
    };
    let mut design = design(&p, &panel.candidate_statistics(), matched, notes, cap)?;
    if spec.symmetrise
        && let Some(k) = fixed_choice::fixed_choice(&panel.tables, &spec.codes)
    {
        design.notes.push(fixed_choice::note(k));
    }
    write(&design)?;
    Ok(design)
}
