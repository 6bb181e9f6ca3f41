//! Reading a panel: its wave files and covariate, checked against each other (the same
//! actors, codes the matrices hold, some change between waves), and the data set it gives.

use super::{PanelSpec, TRANSITIVITY};
use crate::calibrate::targets::{DEGREE_SD, ISOLATES, TIE_COVARIATE_SIMILARITY};
use crate::data::matrix::{
    Cell, CellTable, Dyad, MatrixCodes, MatrixWave, adjacency, is_matrix_path, read_cells,
    read_covariate,
};
use crate::data::{DataError, Dataset, Kind, Organisation, Tie};
use crate::error::{Error, Result};
use std::path::Path;

/// The waves and covariate of a panel, read and checked against each other.
pub(super) struct Panel {
    pub(super) labels: Vec<String>,
    pub(super) waves: Vec<MatrixWave>,
    /// The wave files' cells as read (directed nominations before symmetrising).
    pub(super) tables: Vec<CellTable>,
    pub(super) covariate: Option<Vec<Option<f64>>>,
}

pub(super) fn read_panel(spec: &PanelSpec) -> Result<Panel> {
    if spec.waves.len() < 2 {
        return Err(Error::Other(format!(
            "{} wave file(s): a panel has at least 2 waves (the first is where simulations start)",
            spec.waves.len()
        )));
    }
    let mut tables = Vec::new();
    let mut waves = Vec::new();
    for p in &spec.waves {
        if !is_matrix_path(p) {
            return Err(DataError::file(
                &p.display().to_string(),
                "not an adjacency-matrix file (.dat, .txt, .mat or .adj)",
            )
            .into());
        }
        let table = read_cells(p, &spec.codes)?;
        codes_outside_values(p, &table, &spec.codes)?;
        waves.push(adjacency(&table, &spec.codes, spec.symmetrise)?);
        tables.push(table);
    }
    for (w, p) in waves.iter().zip(&spec.waves) {
        if let Some(d) = w.labels.as_deref().and_then(first_duplicate) {
            return Err(DataError::file(
                &p.display().to_string(),
                format!("header: actor `{d}` appears twice"),
            )
            .into());
        }
    }
    let labels = match all_labels(&waves) {
        Some(all) => {
            waves = waves.iter().map(|w| align(w, &all)).collect();
            all
        }
        None => {
            same_actors(spec, &waves)?;
            let n = waves[0].n;
            waves[0]
                .labels
                .clone()
                .unwrap_or_else(|| (1..=n).map(|i| i.to_string()).collect())
        }
    };
    if labels.len() < 2 {
        return Err(DataError::file(
            &spec.waves[0].display().to_string(),
            format!(
                "{} actor: a network panel has at least 2 actors",
                labels.len()
            ),
        )
        .into());
    }
    let covariate = match &spec.covariate {
        Some(p) => Some(read_panel_covariate(
            p,
            &spec.codes,
            &labels,
            spec.waves.len(),
            spec.covariate_column,
        )?),
        None => None,
    };
    Ok(Panel {
        labels,
        waves,
        tables,
        covariate,
    })
}

/// A missing or structural code (`--missing`, `--structural`; 9 and 10 by default) inside
/// the range of a file's tie values is an error at its first off-diagonal cell: ranks or
/// ratings that run past the code (a full rank order 1 to 16 of 17 actors) would otherwise
/// have their 9s read as missing and their 10s as structural zeros, silently. Only files that
/// have such a code cell and a larger value are read again, without the codes, to find it.
pub(super) fn codes_outside_values(
    path: &Path,
    table: &CellTable,
    codes: &MatrixCodes,
) -> Result<()> {
    let largest = table
        .rows
        .iter()
        .flatten()
        .filter_map(|c| match c {
            Cell::Value(v) => Some(*v),
            _ => None,
        })
        .fold(f64::NEG_INFINITY, f64::max);
    let below = |c: &f64| *c < largest;
    let coded = table
        .rows
        .iter()
        .flatten()
        .any(|c| !matches!(c, Cell::Value(_)));
    if !coded || !codes.missing.iter().chain(&codes.structural).any(below) {
        return Ok(());
    }
    let raw = read_cells(
        path,
        &MatrixCodes {
            missing: Vec::new(),
            structural: Vec::new(),
            ..codes.clone()
        },
    )?;
    for (i, row) in raw.rows.iter().enumerate() {
        for (j, c) in row.iter().enumerate() {
            let Cell::Value(v) = c else { continue };
            let what = if codes.missing.contains(v) {
                "the missing code (--missing)"
            } else if codes.structural.contains(v) {
                "the structural code (--structural)"
            } else {
                continue;
            };
            if i != j && below(v) {
                return Err(raw
                    .error_at(
                        i,
                        j,
                        format!(
                            "{v} is {what}, but this file has tie values up to {largest}: are \
                             the cells ranks or ratings? Give --missing and --structural codes \
                             outside the values (e.g. --missing 99 --structural 98)"
                        ),
                    )
                    .into());
            }
        }
    }
    Ok(())
}

/// The actors of a panel whose every wave file has a header of labels: each label once, in the
/// order of first appearance (wave 1's first). `None` when some wave has no header.
pub(super) fn all_labels(waves: &[MatrixWave]) -> Option<Vec<String>> {
    let mut seen = std::collections::HashSet::new();
    let mut all = Vec::new();
    for w in waves {
        for l in w.labels.as_ref()? {
            if seen.insert(l.as_str()) {
                all.push(l.clone());
            }
        }
    }
    Some(all)
}

/// A labelled wave over all the panel's actors `all`, as the calibration reads its file (actors
/// matched by label): an actor the file does not name is absent at that wave, its dyads
/// structural zeros.
pub(super) fn align(w: &MatrixWave, all: &[String]) -> MatrixWave {
    let own: std::collections::HashMap<&str, usize> = w
        .labels
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let at: Vec<Option<usize>> = all.iter().map(|l| own.get(l.as_str()).copied()).collect();
    let n = all.len();
    let mut dyads = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for i in 0..n {
        for j in i + 1..n {
            dyads.push(match (at[i], at[j]) {
                (Some(a), Some(b)) => w.dyad(a, b),
                _ => Dyad::Structural,
            });
        }
    }
    MatrixWave {
        labels: Some(all.to_vec()),
        n,
        dyads,
        absent: at.iter().map(|a| a.is_none_or(|a| w.absent[a])).collect(),
    }
}

/// Without a header in every wave file, actors are matched by position: every wave has as
/// many rows as wave 1, and a wave with a header has wave 1's labels in wave 1's order.
pub(super) fn same_actors(spec: &PanelSpec, waves: &[MatrixWave]) -> Result<()> {
    let n = waves[0].n;
    for (w, p) in waves.iter().zip(&spec.waves).skip(1) {
        let same = w
            .labels
            .as_ref()
            .map_or(w.n == n, |l| Some(l) == waves[0].labels.as_ref());
        if !same {
            return Err(DataError::file(
                &p.display().to_string(),
                format!(
                    "{} actors{}, but wave 1 ({}) has {n}{}: unless every wave file has a header \
                     of actor labels (actors are then matched by label), every wave has the same \
                     actors in the same order (mark an absent actor's row and column 10)",
                    w.n,
                    if w.labels.is_some() {
                        " with other labels"
                    } else {
                        ""
                    },
                    spec.waves[0].display(),
                    if waves[0].labels.is_some() {
                        " labelled"
                    } else {
                        ""
                    }
                ),
            )
            .into());
        }
    }
    Ok(())
}

/// Per period (wave `k` to wave `k + 1`), the dyads whose tie formed or ended by wave `k + 1`,
/// each dyad compared with its last observed state (under the observation rule a missing
/// dyad is its state at the wave before, carried forward).
pub(super) fn changed_dyads(waves: &[MatrixWave]) -> Vec<usize> {
    let mut last = waves[0].dyads.clone();
    let mut changes = Vec::new();
    for w in &waves[1..] {
        let mut changed = 0;
        for (before, now) in last.iter_mut().zip(&w.dyads) {
            if matches!(now, Dyad::Tie | Dyad::NoTie) {
                changed += usize::from(matches!(before, Dyad::Tie | Dyad::NoTie) && before != now);
                *before = *now;
            }
        }
        changes.push(changed);
    }
    changes
}

pub(super) fn first_duplicate(labels: &[String]) -> Option<&str> {
    let mut seen = std::collections::HashSet::new();
    labels
        .iter()
        .find(|l| !seen.insert(l.as_str()))
        .map(String::as_str)
}

/// Per actor: its covariate at wave 1, or if missing there its first observed value; with
/// `column` (1-based), the value in that column of a file of several variables.
pub(super) fn read_panel_covariate(
    path: &Path,
    codes: &MatrixCodes,
    labels: &[String],
    waves: usize,
    column: Option<usize>,
) -> Result<Vec<Option<f64>>> {
    let (file_labels, rows) = read_covariate(path, codes)?;
    let file = path.display().to_string();
    if rows.len() != labels.len() {
        return Err(DataError::file(
            &file,
            format!(
                "{} rows for {} actors: one row per actor, in the waves' order",
                rows.len(),
                labels.len()
            ),
        )
        .into());
    }
    if let Some(l) = file_labels
        && l != labels
    {
        return Err(DataError::file(
            &file,
            "header: the actors' labels differ from the wave files'",
        )
        .into());
    }
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    match column {
        Some(k) if k == 0 || k > columns => Err(DataError::file(
            &file,
            format!("--covariate-column {k}: the file has columns 1 to {columns}"),
        )
        .into()),
        Some(k) => Ok(rows
            .iter()
            .map(|r| r.get(k - 1).copied().flatten())
            .collect()),
        None if columns > waves => Err(several_variables(&file, columns, waves).into()),
        None => Ok(rows.iter().map(|r| r.iter().find_map(|v| *v)).collect()),
    }
}

/// A covariate file with more columns than the panel has waves is not one variable by wave
/// but several variables, one a column (RSiena's constant covariates side by side): reading
/// its first column as wave 1's value would pick one of them silently.
fn several_variables(file: &str, columns: usize, waves: usize) -> DataError {
    DataError::at(
        file,
        1,
        "columns",
        format!(
            "{columns} columns for {waves} waves: a covariate file has one column per wave (or \
             one column); a file of several variables, one a column, needs \
             --covariate-column K to choose the K-th"
        ),
    )
}

impl Panel {
    /// The statistics a scenario may match: s50's, the covariate's only when the panel has a
    /// covariate that varies, and both degree statistics (`isolates` and `degree_sd`), of which
    /// [`defined_statistics`] drops `isolates` when no matched wave has an isolate.
    pub(super) fn candidate_statistics(&self) -> Vec<&'static str> {
        let varies = self.covariate.as_ref().is_some_and(|c| {
            let v: Vec<f64> = c.iter().flatten().copied().collect();
            v.iter().any(|x| Some(x) != v.first())
        });
        let mut statistics = vec!["ties", TRANSITIVITY, "tie_persistence", ISOLATES, DEGREE_SD];
        if varies {
            statistics.insert(2, TIE_COVARIATE_SIMILARITY);
        }
        statistics
    }

    /// The data set: one organisation per actor (kind `other`, one territory `panel`), the
    /// covariate, and wave 1 as the starting ties (missing dyads as no tie, absent actors
    /// untied, as the observation rule reads wave 1).
    pub(super) fn dataset(&self) -> Dataset {
        let organisations = self
            .labels
            .iter()
            .enumerate()
            .map(|(i, id)| Organisation {
                id: id.clone(),
                kind: Kind::Other,
                territory: "panel".into(),
                capacity: 1.0,
                active: true,
                covariate: self.covariate.as_ref().and_then(|c| c[i]),
            })
            .collect();
        let ties = self.waves[0]
            .ties()
            .into_iter()
            .map(|(a, b)| Tie { a, b, trust: None })
            .collect();
        Dataset {
            organisations,
            ties,
            ..Dataset::default()
        }
    }
}
