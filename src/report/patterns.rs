//! `patterns.csv`: each pattern target of the scenario (`[[patterns]]`), the share of replicates
//! meeting it with its Monte Carlo error, and whether the run meets it.

use super::files::{parse_field, read_columns};
use super::fmt::Exact;
use super::summary::Describe;
use crate::ensemble::EnsembleTable;
use crate::error::Result;
use crate::scenario::Pattern;
use crate::scenario::pattern::parse_stat_at;
use std::io::Write;
use std::path::Path;

/// Columns of `patterns.csv`, in order.
pub const PATTERNS_COLUMNS: [&str; 13] = [
    "pattern",
    "formula",
    "scope",
    "n",
    "share_met",
    "share_met_mcse",
    "required_share",
    "met",
    "mean",
    "p2_5",
    "p50",
    "p97_5",
    "says",
];

/// One pattern target and how the ensemble meets it.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternRow {
    /// The pattern's name.
    pub name: String,
    /// Its formula ([`Pattern::formula`]).
    pub formula: String,
    /// Scope of its statistics.
    pub scope: String,
    /// What it stands for.
    pub says: String,
    /// Replicates.
    pub n: u64,
    /// Share of replicates meeting it (a NaN value does not meet it).
    pub share_met: f64,
    /// Monte Carlo standard error of that share, `sqrt(p (1 - p) / n)`.
    pub share_met_mcse: f64,
    /// The share the run must reach to meet the pattern.
    pub required_share: f64,
    /// `share_met >= required_share`.
    pub met: bool,
    /// The distribution of the pattern's value (the statistic, or for an ordering the
    /// difference `above - max(below)`) over replicates.
    pub value: Describe,
}

/// The per-replicate values of each pattern (in [`Pattern::refs`] order combined by
/// [`Pattern::value`]). A statistic the run does not report is a problem `(key, message)`
/// naming the pattern's field, for a located error.
pub fn pattern_values(
    patterns: &[Pattern],
    t: &EnsembleTable,
) -> std::result::Result<Vec<Vec<f64>>, Vec<(String, String)>> {
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(patterns.len());
    let reps = t.replicates() as usize;
    for (k, p) in patterns.iter().enumerate() {
        let fields: Vec<String> = if p.is_ordering() {
            std::iter::once("above".to_string())
                .chain((0..p.below.len()).map(|i| format!("below[{i}]")))
                .collect()
        } else {
            vec!["statistic".to_string()]
        };
        let texts: Vec<String> = match &p.above {
            Some(a) => std::iter::once(a.clone()).chain(p.below.clone()).collect(),
            None => vec![p.statistic.clone().unwrap_or_default()],
        };
        let mut series = Vec::new();
        for (i, r) in p.refs().iter().enumerate() {
            let found = t.waves.iter().enumerate().find_map(|(w, l)| {
                (l.wave == r.wave)
                    .then(|| {
                        l.rows.iter().position(|&(s, name)| {
                            name == r.statistic && l.scopes[s as usize] == p.scope
                        })
                    })
                    .flatten()
                    .map(|row| t.series(w, row).collect::<Vec<f64>>())
            });
            match found {
                Some(v) => series.push(v),
                None => problems.push((
                    format!("patterns[{k}].{}", fields.get(i).map_or("statistic", |s| s)),
                    format!(
                        "`{}` is not a statistic of wave {} (scope `{}`) in this run (names \
                         are in docs/statistics.md; change statistics exist from wave 2, \
                         territory scopes need observation.per_territory)",
                        texts
                            .get(i)
                            .and_then(|s| parse_stat_at(s).ok())
                            .map_or(r.statistic.clone(), |s| s.statistic),
                        r.wave,
                        p.scope
                    ),
                )),
            }
        }
        let values = (0..reps)
            .map(|rep| {
                let v: Vec<f64> = series.iter().map(|s| s[rep]).collect();
                p.value(&v)
            })
            .collect();
        out.push(values);
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Summarises how the ensemble meets each pattern (see [`pattern_values`] for the errors).
pub fn compare_patterns(
    patterns: &[Pattern],
    t: &EnsembleTable,
) -> std::result::Result<Vec<PatternRow>, Vec<(String, String)>> {
    let values = pattern_values(patterns, t)?;
    Ok(patterns
        .iter()
        .zip(values)
        .map(|(p, mut v)| {
            let n = v.len() as u64;
            let hits = v.iter().filter(|&&x| p.met(x)).count();
            let share = if n == 0 {
                f64::NAN
            } else {
                hits as f64 / n as f64
            };
            PatternRow {
                name: p.name.clone(),
                formula: p.formula(),
                scope: p.scope.clone(),
                says: p.says.clone(),
                n,
                share_met: share,
                share_met_mcse: (share * (1.0 - share) / n as f64).sqrt(),
                required_share: p.share,
                met: share >= p.share,
                value: Describe::of(&mut v),
            }
        })
        .collect())
}

/// Writes `patterns.csv` (columns [`PATTERNS_COLUMNS`]; a header only when there is no
/// pattern).
pub fn write_patterns_csv(rows: &[PatternRow], w: &mut dyn Write) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(PATTERNS_COLUMNS)?;
    let mut f = Exact::default();
    for r in rows {
        let mut rec = vec![
            r.name.clone(),
            r.formula.clone(),
            r.scope.clone(),
            r.n.to_string(),
        ];
        for v in [r.share_met, r.share_met_mcse, r.required_share] {
            rec.push(f.format(v).to_string());
        }
        rec.push(r.met.to_string());
        let d = &r.value;
        for v in [d.mean, d.p2_5, d.p50, d.p97_5] {
            rec.push(f.format(v).to_string());
        }
        rec.push(r.says.clone());
        out.write_record(&rec)?;
    }
    out.flush()
}

/// Reads a `patterns.csv` as [`write_patterns_csv`] writes it (the value's `sd`, `mcse`,
/// `min` and `max`, not part of the file, read as NaN).
pub fn read_patterns_csv(path: &Path) -> Result<Vec<PatternRow>> {
    let rows = read_columns(path, &PATTERNS_COLUMNS)?;
    let mut out = Vec::with_capacity(rows.len());
    for (k, row) in rows.iter().enumerate() {
        let num = |i: usize| parse_field::<f64>(path, k, &PATTERNS_COLUMNS, row, i);
        let n: u64 = parse_field(path, k, &PATTERNS_COLUMNS, row, 3)?;
        out.push(PatternRow {
            name: row[0].clone(),
            formula: row[1].clone(),
            scope: row[2].clone(),
            n,
            share_met: num(4)?,
            share_met_mcse: num(5)?,
            required_share: num(6)?,
            met: parse_field(path, k, &PATTERNS_COLUMNS, row, 7)?,
            value: Describe {
                n,
                mean: num(8)?,
                sd: f64::NAN,
                mcse: f64::NAN,
                p2_5: num(9)?,
                p50: num(10)?,
                p97_5: num(11)?,
                min: f64::NAN,
                max: f64::NAN,
            },
            says: row[12].clone(),
        });
    }
    Ok(out)
}
