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
                    &*row.scope,
                    row.statistic,
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
///
/// The `wave,step,scope,statistic` fields of a row are the same for every replicate, so they
/// are written (and quoted where needed) once; each replicate's rows then only add its number
/// and the values, which never need quoting.
pub fn write_replicates_table(
    t: &EnsembleTable,
    all_scopes: bool,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    w.write_all(&csv_line(&REPLICATES_COLUMNS)?)?;
    let middles = row_middles(t, all_scopes)?;
    let mut buf = Exact::default();
    let mut out: Vec<u8> = Vec::with_capacity(1 << 16);
    // Replicate by replicate: a file-backed table (a merge's) is never read whole.
    t.for_each_replicate(|r, all| {
        let rep = r.to_string();
        for (k, middle) in middles.iter().enumerate() {
            for (fields, &v) in middle.iter().zip(t.wave_of(all, k)) {
                let Some(fields) = fields else { continue };
                out.extend_from_slice(rep.as_bytes());
                out.push(b',');
                out.extend_from_slice(fields);
                out.push(b',');
                out.extend_from_slice(buf.format(v).as_bytes());
                out.push(b'\n');
            }
        }
        if out.len() >= 1 << 15 {
            w.write_all(&out)?;
            out.clear();
        }
        Ok(())
    })?;
    w.write_all(&out)?;
    w.flush()
}

/// One CSV record as the `csv` crate writes it (fields quoted where needed, `\n` at the end).
fn csv_line(fields: &[&str]) -> std::io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields)?;
    w.into_inner().map_err(|e| e.into_error())
}

/// For each wave and row of `t`, the row's `wave,step,scope,statistic` fields as written in
/// `replicates.csv` (no line end), or `None` for a row left out (a territory's, unless
/// `all_scopes`).
fn row_middles(t: &EnsembleTable, all_scopes: bool) -> std::io::Result<Vec<Vec<Option<Vec<u8>>>>> {
    t.waves
        .iter()
        .map(|l| {
            let (wave, step) = (l.wave.to_string(), l.step.to_string());
            l.rows
                .iter()
                .map(|&(scope, stat)| {
                    if scope != 0 && !all_scopes {
                        return Ok(None);
                    }
                    let scope = l.scopes[scope as usize].as_str();
                    let mut line = csv_line(&[wave.as_str(), step.as_str(), scope, stat])?;
                    line.pop();
                    Ok(Some(line))
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ensemble::WaveLayout;

    /// The writer this one replaced: one `csv` record per row.
    fn old_write(t: &EnsembleTable, all_scopes: bool, w: &mut dyn Write) -> std::io::Result<()> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(REPLICATES_COLUMNS)?;
        let mut buf = Exact::default();
        t.for_each_replicate(|r, all| {
            let rep = r.to_string();
            for (k, l) in t.waves.iter().enumerate() {
                let (wave, step) = (l.wave.to_string(), l.step.to_string());
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

    #[test]
    fn rows_are_the_bytes_of_one_record_per_row() {
        let scopes: Vec<String> = ["network", "territory:a,b", "territory:say \"x\"", ""]
            .map(String::from)
            .to_vec();
        let rows = vec![
            (0, "ties"),
            (1, "ties"),
            (2, "density"),
            (3, "ties"),
            (0, "x"),
        ];
        let waves: Vec<WaveLayout> = (1..=2)
            .map(|wave| WaveLayout {
                wave,
                step: 7 * wave as u32,
                scopes: scopes.clone(),
                rows: rows.clone(),
            })
            .collect();
        let mut t = EnsembleTable::new(waves);
        let specials = [f64::NAN, f64::INFINITY, -f64::INFINITY, -0.0, 1e-300, 1e300];
        let values: Vec<f64> = (0..12 * t.width())
            .map(|i| match i % 9 {
                k @ 0..6 => specials[k],
                k => (i as f64 + 0.1) / k as f64,
            })
            .collect();
        assert!(t.extend_replicates(&values));
        for all_scopes in [true, false] {
            let (mut new, mut old) = (Vec::new(), Vec::new());
            write_replicates_table(&t, all_scopes, &mut new).unwrap();
            old_write(&t, all_scopes, &mut old).unwrap();
            assert_eq!(
                String::from_utf8(new).unwrap(),
                String::from_utf8(old).unwrap()
            );
        }
        let mut from_ensemble = Vec::new();
        write_replicates_csv(&t.to_ensemble(), &mut from_ensemble).unwrap();
        let mut new = Vec::new();
        write_replicates_table(&t, true, &mut new).unwrap();
        assert_eq!(new, from_ensemble);
    }
}
