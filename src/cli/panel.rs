//! `wecare panel`: a ready-to-run calibration scenario from a network panel's wave files.

use crate::calibrate::panel::{PanelSpec, scaffold};
use crate::data::matrix::MatrixCodes;
use crate::error::{Error, Result};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `wecare panel`.
#[derive(Debug, Args)]
pub struct PanelArgs {
    /// Adjacency-matrix wave files (`.dat`, `.txt`, `.mat`, `.adj`; one row per actor), wave 1
    /// first; at least 2.
    #[arg(required = true, num_args = 1..)]
    pub waves: Vec<PathBuf>,
    /// Covariate file: one row per actor, one column per wave (wave 1's value is used; a
    /// missing one is replaced by the actor's first observed value).
    #[arg(long)]
    pub covariate: Option<PathBuf>,
    /// Read only this column (1, 2, ...) of the covariate file, as a covariate constant over
    /// the waves: for a file of several variables, one a column (RSiena's constant covariates
    /// side by side). Without it a file with more columns than waves is an error.
    #[arg(long, requires = "covariate")]
    pub covariate_column: Option<usize>,
    /// Directory to write `<name>.toml` and `data/` into (created if needed; existing files
    /// are never replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// Scenario name and file name (default: the name of the `--out` directory).
    #[arg(long)]
    pub name: Option<String>,
    /// The matrices are undirected (symmetric); by default they are directed nominations,
    /// symmetrised (a tie where either actor names the other).
    #[arg(long)]
    pub undirected: bool,
    /// A cell value >= this is a tie (default 1).
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true, value_parser = super::args::finite)]
    pub tie_threshold: f64,
    /// Exactly these cell values are ties (comma separated); overrides --tie-threshold.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true, value_parser = super::args::finite)]
    pub tie_values: Vec<f64>,
    /// Cell values meaning a missing tie (comma separated; default 9). `NA`, `.` and empty
    /// cells are always missing.
    #[arg(long, value_delimiter = ',', default_values_t = [9.0], allow_hyphen_values = true, value_parser = super::args::finite)]
    pub missing: Vec<f64>,
    /// Cell values meaning a structural zero: tie impossible, or, for a whole row and
    /// column, the actor absent (comma separated; default 10).
    #[arg(long, value_delimiter = ',', default_values_t = [10.0], allow_hyphen_values = true, value_parser = super::args::finite)]
    pub structural: Vec<f64>,
    /// Most calibrated parameters with clustering parameters (default 12): over it, no period
    /// has its own clustering parameter (docs/calibration.md, "A scenario from a panel").
    #[arg(long, default_value_t = crate::calibrate::panel::MAX_PARAMETERS)]
    pub max_parameters: usize,
    /// Over --max-parameters, runs of consecutive periods share clustering parameters, as
    /// many as fit, instead of none.
    #[arg(long)]
    pub share_clustering: bool,
}

/// Runs `wecare panel`.
pub fn run(a: PanelArgs) -> Result<()> {
    let name = match &a.name {
        Some(n) => n.clone(),
        None => a
            .out
            .canonicalize()
            .unwrap_or_else(|_| a.out.clone())
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
            .ok_or_else(|| Error::Other("give the scenario a --name".into()))?,
    };
    if name.is_empty() || name.contains(['/', '\\', '"']) {
        return Err(Error::Other(format!(
            "--name `{name}`: a scenario name is a file name without `/`, `\\` or `\"`"
        )));
    }
    let codes = MatrixCodes {
        missing: a.missing,
        structural: a.structural,
        tie_threshold: a.tie_threshold,
        tie_values: a.tie_values,
    };
    let s = scaffold(&PanelSpec {
        waves: a.waves,
        covariate: a.covariate,
        covariate_column: a.covariate_column,
        out: a.out,
        name,
        symmetrise: !a.undirected,
        codes,
        max_parameters: Some(a.max_parameters),
        share_clustering: a.share_clustering,
    })?;
    println!(
        "{} actors, {} waves, {} with a covariate value; wrote {}",
        s.actors,
        s.waves.len(),
        s.with_covariate,
        s.scenario.display()
    );
    for (k, (ties, missing, absent)) in s.waves.iter().enumerate() {
        println!(
            "  wave {}: {ties} ties, {missing} missing dyads, {absent} absent actors",
            k + 1
        );
    }
    for n in &s.notes {
        println!("  note: {n}");
    }
    println!("run: wecare calibrate {}", s.scenario.display());
    Ok(())
}
