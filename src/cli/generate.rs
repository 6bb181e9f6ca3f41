//! `wecare generate`: synthetic data sets.

use crate::data::csv::write_dataset;
use crate::data::generate::{GeneratorParams, PRESETS, generate, preset};
use crate::error::{Error, Result};
use crate::report::RunDir;
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `wecare generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// A named parameter set: `wecare-measure1` (the reconstructed We.Ca.Re data set), or a
    /// synthetic region of about 10,000, 100,000 or 1,000,000 organisations: `region-10k`,
    /// `region-100k`, `region-1m`.
    #[arg(long, conflicts_with = "params")]
    pub preset: Option<String>,
    /// Generator parameters (TOML; see docs/generator.md). Missing keys take their defaults.
    #[arg(long)]
    pub params: Option<PathBuf>,
    /// Seed of the generator.
    #[arg(long, default_value_t = 20170101, allow_hyphen_values = true, value_parser = super::args::seed)]
    pub seed: u64,
    /// Directory to write organisations.csv, ties.csv, history.csv, projects.csv and a
    /// scenario.toml that runs them into.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace data files that already exist in the output directory.
    #[arg(long)]
    pub force: bool,
}

/// Runs `wecare generate`.
pub fn run(a: GenerateArgs) -> Result<()> {
    let params = match (&a.preset, &a.params) {
        (Some(name), _) => preset(name).ok_or_else(|| {
            Error::Other(format!(
                "unknown preset `{name}` (known: {})",
                PRESETS.join(", ")
            ))
        })?,
        (None, Some(path)) => {
            let text = crate::input::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let p = toml::from_str::<GeneratorParams>(&text)
                .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
            p.validate()
                .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
            p
        }
        (None, None) => GeneratorParams::default(),
    };
    let names = [
        "organisations.csv",
        "ties.csv",
        "history.csv",
        "projects.csv",
        SCENARIO,
    ];
    if !a.force {
        if let Some(f) = names.iter().map(|n| a.out.join(n)).find(|p| p.exists()) {
            return Err(Error::Other(format!(
                "{} already exists; pass --force to replace it",
                f.display()
            )));
        }
    }
    let clock = Instant::now();
    let ds = generate(&params, a.seed).map_err(|e| Error::Other(e.to_string()))?;
    // Written under a hidden partial directory and moved into place together, so an
    // interrupted or failed run leaves no partial data set.
    let stage = RunDir::staging(&a.out, "generate").map_err(|e| Error::io(&a.out, e))?;
    let tmp = stage.path().to_path_buf();
    write_dataset(&ds, &tmp).map_err(|e| Error::io(&tmp, e))?;
    let staged = tmp.join(SCENARIO);
    std::fs::write(&staged, scenario_for(&a.out, a.seed)).map_err(|e| Error::io(&staged, e))?;
    stage
        .finish_into_parent(&names)
        .map_err(|e| Error::io(&a.out, e))?;
    let scenario = a.out.join(SCENARIO);
    let active = ds.organisations.iter().filter(|o| o.active).count();
    println!(
        "generated {} organisations ({active} active), {} ties, {} history ties, {} projects in {:.2} s; wrote {}",
        ds.organisations.len(),
        ds.ties.len(),
        ds.history.len(),
        ds.projects.len(),
        clock.elapsed().as_secs_f64(),
        a.out.display()
    );
    println!("run it with: wecare run {}", scenario.display());
    Ok(())
}

/// The scenario file written beside a generated data set.
const SCENARIO: &str = "scenario.toml";

/// A scenario that runs the data set in `dir` with every other parameter at its default
/// (`wecare defaults` lists them).
fn scenario_for(dir: &Path, seed: u64) -> String {
    let name: String = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = if name.is_empty() {
        "generated".to_string()
    } else {
        name
    };
    format!(
        "# A scenario for the data set generated beside it (generator seed {seed}). Every key\n\
         # not written takes its default; `wecare defaults` prints them all, with units.\n\
         \n\
         [scenario]\n\
         name = \"{name}\"\n\
         \n\
         [data]\n\
         organisations = \"organisations.csv\"\n\
         ties = \"ties.csv\"\n\
         history = \"history.csv\"\n\
         projects = \"projects.csv\"\n"
    )
}
