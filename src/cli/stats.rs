//! `wecare stats`: wave statistics of any network file.

use super::common::parse_statistics;
use crate::data::csv::{CsvPaths, TieReadOptions, read_dataset, read_ties};
use crate::data::graphml::read_snapshot_graphml;
use crate::data::{DataError, Dataset, Kind, Organisation};
use crate::error::{Error, Result};
use crate::network::Snapshot;
use crate::stats::{StatSelection, StatsOptions, WaveContext, wave_statistics};
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
    /// The statistics to report, comma-separated names or `prefix*` patterns, or `all`
    /// (docs/statistics.md lists them); the others are not computed where they can be left out.
    #[arg(long, value_name = "LIST")]
    pub statistics: Option<String>,
    /// Target error of the sampled betweenness centralization on scopes above 5,000
    /// organisations: the number of pivots is the fewest for which the error bound of
    /// docs/statistics.md holds with probability 95% (default: 500 pivots).
    #[arg(long, value_name = "E", value_parser = positive)]
    pub betweenness_error: Option<f64>,
}

/// A positive finite number.
fn positive(text: &str) -> std::result::Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("`{text}` is not a positive number")),
    }
}

/// Runs `wecare stats`, writing `scope,statistic,value` rows to standard output.
pub fn run(a: StatsArgs) -> Result<()> {
    let statistics = selection(a.statistics.as_deref())?;
    let snap = read_network(&a)?;
    let kinds_known = a.organisations.is_some() || is_graphml(&a.file);
    if !kinds_known {
        eprintln!(
            "note: without --organisations the kinds, territories, origins and adoption of the \
             organisations are unknown; the statistics that depend on them are left out"
        );
    }
    let opts = StatsOptions {
        per_territory: a.per_territory,
        archetype_threshold: a.archetype_threshold,
        statistics,
        betweenness_error: a.betweenness_error,
        ..StatsOptions::default()
    };
    let rows = wave_statistics(
        WaveContext {
            current: &snap,
            previous: None,
            first: None,
            pre: None,
        },
        &opts,
    );
    let stdout = std::io::stdout();
    let mut w = csv::Writer::from_writer(stdout.lock());
    let io = |e: csv::Error| Error::Other(format!("writing to standard output: {e}"));
    w.write_record(["scope", "statistic", "value"])
        .map_err(io)?;
    for r in rows
        .iter()
        .filter(|r| kinds_known || !needs_attributes(r.statistic))
    {
        let v = if r.value.is_nan() {
            "NaN".to_string()
        } else {
            r.value.to_string()
        };
        w.write_record([&*r.scope, r.statistic, v.as_str()])
            .map_err(io)?;
    }
    w.flush()
        .map_err(|e| Error::Other(format!("writing to standard output: {e}")))?;
    std::io::stdout().flush().ok();
    Ok(())
}

/// The selection `--statistics` gives (every statistic without it); each entry that names no
/// statistic is an error naming its position in the list.
fn selection(list: Option<&str>) -> Result<StatSelection> {
    let Some(names) = list.and_then(parse_statistics) else {
        return Ok(StatSelection::all());
    };
    let sel = StatSelection::named(&names);
    let mut problems: Vec<String> = sel
        .problems()
        .into_iter()
        .map(|(k, m)| format!("--statistics[{k}]: {m}"))
        .collect();
    if problems.is_empty() {
        problems.extend(sel.nothing_problem().map(|m| format!("--statistics: {m}")));
    }
    if problems.is_empty() {
        Ok(sel)
    } else {
        Err(Error::Other(problems.join("\n")))
    }
}

fn is_graphml(file: &Path) -> bool {
    file.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("graphml") || e.eq_ignore_ascii_case("xml"))
}

/// Whether a statistic depends on what a bare ties file does not say: the organisations'
/// kinds and territories, the ties' origins, adoption and the partnerships. Without an
/// organisations file these would be constant artefacts (every organisation of kind `other`
/// in one territory), not data.
fn needs_attributes(statistic: &str) -> bool {
    const KIND_SUFFIXES: [&str; 5] = [
        ".ente_gestore",
        ".public",
        ".third_sector",
        ".firm",
        ".other",
    ];
    KIND_SUFFIXES.iter().any(|k| statistic.ends_with(k))
        || [
            "ties_touching_share.",
            "archetype_count.",
            "ties_origin_share.",
            "sc_bridging_",
        ]
        .iter()
        .any(|p| statistic.starts_with(p))
        || matches!(
            statistic,
            "cross_kind_tie_share" | "cross_territory_tie_share" | "adoption_share"
        )
}

fn read_network(a: &StatsArgs) -> Result<Snapshot> {
    if is_graphml(&a.file) {
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
    let (file, _) = crate::input::open(path)
        .map_err(|e| DataError::file(&name, format!("cannot read: {e}")))?;
    let mut r = csv::Reader::from_reader(file);
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
