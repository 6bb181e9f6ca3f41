//! `wecare stats`: wave statistics of any network file.

use crate::data::csv::{CsvPaths, TieReadOptions, read_dataset, read_ties};
use crate::data::graphml::read_snapshot_graphml;
use crate::data::{DataError, Dataset, Kind, Organisation};
use crate::error::{Error, Result};
use crate::network::Snapshot;
use crate::stats::{StatsOptions, WaveContext, wave_statistics};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `wecare stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// A network: GraphML, or a ties CSV (`from,to[,trust]`).
    pub file: PathBuf,
    /// Organisations CSV giving kinds and territories for a ties CSV (without it every
    /// organisation named in the ties is of kind `other` in territory `all`).
    #[arg(long)]
    pub organisations: Option<PathBuf>,
    /// Read a ties CSV as directed nominations and merge reversed pairs.
    #[arg(long)]
    pub symmetrise: bool,
    /// Also compute every statistic per territory.
    #[arg(long)]
    pub per_territory: bool,
    /// Degree centralization at or above which a partnership counts as centred.
    #[arg(long, default_value_t = 0.5, allow_hyphen_values = true, value_parser = super::args::unit)]
    pub archetype_threshold: f64,
}

/// Runs `wecare stats`, writing `scope,statistic,value` rows to standard output.
pub fn run(a: StatsArgs) -> Result<()> {
    let snap = read_network(&a)?;
    let opts = StatsOptions {
        per_territory: a.per_territory,
        archetype_threshold: a.archetype_threshold,
        ..StatsOptions::default()
    };
    let rows = wave_statistics(
        WaveContext {
            current: &snap,
            previous: None,
            first: None,
        },
        &opts,
    );
    let stdout = std::io::stdout();
    let mut w = csv::Writer::from_writer(stdout.lock());
    let io = |e: csv::Error| Error::Other(format!("writing to standard output: {e}"));
    w.write_record(["scope", "statistic", "value"])
        .map_err(io)?;
    for r in rows {
        let v = if r.value.is_nan() {
            "NaN".to_string()
        } else {
            r.value.to_string()
        };
        w.write_record([r.scope.as_str(), r.statistic.as_str(), v.as_str()])
            .map_err(io)?;
    }
    w.flush()
        .map_err(|e| Error::Other(format!("writing to standard output: {e}")))?;
    std::io::stdout().flush().ok();
    Ok(())
}

fn read_network(a: &StatsArgs) -> Result<Snapshot> {
    let is_graphml = a
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("graphml") || e.eq_ignore_ascii_case("xml"));
    if is_graphml {
        return Ok(read_snapshot_graphml(&a.file)?);
    }
    let ds = match &a.organisations {
        Some(orgs) => {
            read_dataset(&CsvPaths {
                organisations: orgs.clone(),
                ties: Some(a.file.clone()),
                history: None,
                projects: None,
            })?
            .0
        }
        None => edge_list(&a.file, a.symmetrise)?,
    };
    Ok(Snapshot::from_dataset(&ds))
}

/// A data set from a bare ties file: the organisations are the ids it names.
fn edge_list(path: &Path, symmetrise: bool) -> Result<Dataset> {
    let name = path.display().to_string();
    let mut r = csv::Reader::from_path(path)
        .map_err(|e| DataError::file(&name, format!("cannot read: {e}")))?;
    let headers = r
        .headers()
        .map_err(|e| DataError::file(&name, e.to_string()))?
        .clone();
    let col = |c: &str| {
        headers
            .iter()
            .position(|h| h.trim() == c)
            .ok_or_else(|| DataError::file(&name, format!("missing column `{c}`")))
    };
    let (from, to) = (col("from")?, col("to")?);
    let mut ids: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| DataError::file(&name, e.to_string()))?;
        for c in [from, to] {
            let id = rec.get(c).unwrap_or("").trim().to_string();
            if !id.is_empty() && seen.insert(id.clone()) {
                ids.push(id);
            }
        }
    }
    let mut ds = Dataset {
        organisations: ids
            .into_iter()
            .map(|id| Organisation {
                id,
                kind: Kind::Other,
                territory: "all".into(),
                capacity: 1.0,
                active: true,
                covariate: None,
            })
            .collect(),
        ..Default::default()
    };
    let index = ds.index_by_id();
    let (ties, warnings) = read_ties(path, &index, TieReadOptions { symmetrise })?;
    for w in warnings {
        eprintln!("{w}");
    }
    ds.ties = ties;
    Ok(ds)
}
