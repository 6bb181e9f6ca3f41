//! `targets.csv`: the scenario's observed target statistics beside the simulated ones.

use super::files::{parse_field, read_columns};
use super::fmt::Exact;
use super::summary::Describe;
use crate::ensemble::EnsembleTable;
use crate::error::Result;
use crate::scenario::Target;
use std::io::Write;
use std::path::Path;

/// Columns of `targets.csv`, in order.
pub const TARGETS_COLUMNS: [&str; 13] = [
    "statistic",
    "wave",
    "scope",
    "observed",
    "observed_se",
    "n",
    "mean",
    "sd",
    "p2_5",
    "p50",
    "p97_5",
    "share_below",
    "z",
];

/// One observed target and the ensemble's distribution of the same statistic.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRow {
    /// Statistic name.
    pub statistic: String,
    /// Wave, 1-based.
    pub wave: usize,
    /// Scope.
    pub scope: String,
    /// Observed value.
    pub observed: f64,
    /// Its standard error.
    pub observed_se: f64,
    /// The simulated distribution (`n = 0` when the run did not compute the statistic).
    pub simulated: Describe,
    /// Share of replicates whose value is below the observed one (a predictive p-value:
    /// near 0 or 1 means the observation is in a tail of the simulated distribution).
    pub share_below: f64,
    /// `(mean - observed) / observed_se`: how many observed standard errors the simulated
    /// mean lies from the observation.
    pub z: f64,
}

impl TargetRow {
    fn new(t: &Target, simulated: Describe, share_below: f64) -> TargetRow {
        TargetRow {
            statistic: t.statistic.clone(),
            wave: t.wave,
            scope: t.scope.clone(),
            observed: t.value,
            observed_se: t.se,
            z: (simulated.mean - t.value) / t.se,
            simulated,
            share_below,
        }
    }
}

/// Matches each target with the ensemble's values of its (wave, scope, statistic).
pub fn compare_targets(targets: &[Target], t: &EnsembleTable) -> std::io::Result<Vec<TargetRow>> {
    targets
        .iter()
        .map(|target| {
            let mut values = Vec::new();
            if let Some((w, l)) = t
                .waves
                .iter()
                .enumerate()
                .find(|(_, l)| l.wave == target.wave)
            {
                if let Some(i) = l.rows.iter().position(|&(s, name)| {
                    name == target.statistic && l.scopes[s as usize] == target.scope
                }) {
                    values = t.columns(&[t.column_index(w, i)])?.remove(0);
                }
            }
            let d = Describe::of(&mut values);
            let below = values.iter().filter(|&&v| v < target.value).count();
            Ok(TargetRow::new(
                target,
                d,
                below as f64 / values.len() as f64,
            ))
        })
        .collect()
}

/// Writes `targets.csv` (columns [`TARGETS_COLUMNS`]; a header only when there is no target).
pub fn write_targets_csv(rows: &[TargetRow], w: &mut dyn Write) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(TARGETS_COLUMNS)?;
    let mut f = Exact::default();
    for r in rows {
        let d = &r.simulated;
        let mut rec = vec![r.statistic.clone(), r.wave.to_string(), r.scope.clone()];
        for v in [r.observed, r.observed_se] {
            rec.push(f.format(v).to_string());
        }
        rec.push(d.n.to_string());
        for v in [d.mean, d.sd, d.p2_5, d.p50, d.p97_5, r.share_below, r.z] {
            rec.push(f.format(v).to_string());
        }
        out.write_record(&rec)?;
    }
    out.flush()
}

/// Reads a `targets.csv` as [`write_targets_csv`] writes it (`min` and `max`, not part of the
/// file, read as NaN).
pub fn read_targets_csv(path: &Path) -> Result<Vec<TargetRow>> {
    let rows = read_columns(path, &TARGETS_COLUMNS)?;
    let mut out = Vec::with_capacity(rows.len());
    for (k, row) in rows.iter().enumerate() {
        let num = |i: usize| parse_field::<f64>(path, k, &TARGETS_COLUMNS, row, i);
        let t = Target {
            statistic: row[0].clone(),
            wave: parse_field(path, k, &TARGETS_COLUMNS, row, 1)?,
            scope: row[2].clone(),
            value: num(3)?,
            se: num(4)?,
        };
        let n: u64 = parse_field(path, k, &TARGETS_COLUMNS, row, 5)?;
        let d = Describe {
            n,
            mean: num(6)?,
            sd: num(7)?,
            mcse: num(7)? / (n as f64).sqrt(),
            p2_5: num(8)?,
            p50: num(9)?,
            p97_5: num(10)?,
            min: f64::NAN,
            max: f64::NAN,
        };
        out.push(TargetRow::new(&t, d, num(11)?));
    }
    Ok(out)
}
