//! `replicates.csv`: the tidy long table of every replicate's statistics.

use super::fmt::Exact;
use crate::ensemble::{Ensemble, EnsembleTable};
use std::io::Write;

/// Columns of `replicates.csv`, in order.
pub const REPLICATES_COLUMNS: [&str; 6] =
    ["replicate", "wave", "step", "scope", "statistic", "value"];

/// Writes `replicate,wave,step,scope,statistic,value`, one row per value, in replicate, wave
/// and statistic order. Values use the shortest representation that reads back exactly;
/// undefined values are written `NaN`.
pub fn write_replicates_csv(e: &Ensemble, w: impl Write) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(REPLICATES_COLUMNS)?;
    let mut buf = Exact::default();
    for r in &e.replicates {
        let rep = r.replicate.to_string();
        for wv in &r.waves {
            let (wave, step) = (wv.wave.to_string(), wv.step.to_string());
            for row in &wv.rows {
                out.write_record([
                    rep.as_str(),
                    wave.as_str(),
                    step.as_str(),
                    row.scope.as_str(),
                    row.statistic.as_str(),
                    buf.format(row.value),
                ])?;
            }
        }
    }
    out.flush()
}

/// Writes `replicates.csv` from an [`EnsembleTable`]: the same bytes as
/// [`write_replicates_csv`] on the equivalent [`Ensemble`] when `all_scopes`, and only the
/// `network` rows otherwise.
pub fn write_replicates_table(
    t: &EnsembleTable,
    all_scopes: bool,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(REPLICATES_COLUMNS)?;
    let mut buf = Exact::default();
    let labels: Vec<(String, String)> = t
        .waves
        .iter()
        .map(|l| (l.wave.to_string(), l.step.to_string()))
        .collect();
    // Replicate by replicate: a file-backed table (a merge's) is never read whole.
    t.for_each_replicate(|r, all| {
        let rep = r.to_string();
        for (k, l) in t.waves.iter().enumerate() {
            let (wave, step) = (&labels[k].0, &labels[k].1);
            for (&(scope, stat), &v) in l.rows.iter().zip(t.wave_of(all, k)) {
                if scope != 0 && !all_scopes {
                    continue;
                }
                out.write_record([
                    rep.as_str(),
                    wave.as_str(),
                    step.as_str(),
                    l.scopes[scope as usize].as_str(),
                    stat,
                    buf.format(v),
                ])?;
            }
        }
        Ok(())
    })?;
    out.flush()
}
