//! `summary.csv`: the distribution over replicates of every statistic, per wave and scope.
//!
//! Definitions (also in `docs/results.md`), over the `n` replicates whose value is not NaN:
//! `mean`; `sd`, the sample standard deviation (denominator `n - 1`, NaN when `n < 2`);
//! `mcse = sd / sqrt(n)`, the Monte Carlo standard error of the mean; `p2_5`, `p50`, `p97_5`,
//! percentiles by linear interpolation between order statistics (Hyndman and Fan's type 7, the
//! default of R's `quantile`, numpy's `percentile` and pandas' `quantile`); `min`, `max`.

use super::files::{parse_field, read_columns};
use super::fmt::Exact;
use crate::ensemble::EnsembleTable;
use crate::error::Result;
pub use crate::stats::quantile::quantile_sorted;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// Columns of `summary.csv`, in order.
pub const SUMMARY_COLUMNS: [&str; 13] = [
    "wave",
    "step",
    "scope",
    "statistic",
    "n",
    "mean",
    "sd",
    "mcse",
    "p2_5",
    "p50",
    "p97_5",
    "min",
    "max",
];

/// Distribution of one statistic over replicates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Describe {
    /// Number of values that are not NaN.
    pub n: u64,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (denominator `n - 1`); NaN when `n < 2`.
    pub sd: f64,
    /// Monte Carlo standard error of the mean, `sd / sqrt(n)`.
    pub mcse: f64,
    /// 2.5th percentile (type 7).
    pub p2_5: f64,
    /// Median (type 7).
    pub p50: f64,
    /// 97.5th percentile (type 7).
    pub p97_5: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Describe {
    /// Describes `values`, leaving out NaN; reorders `values`.
    pub fn of(values: &mut Vec<f64>) -> Describe {
        values.retain(|v| !v.is_nan());
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let mean = if n == 0 {
            f64::NAN
        } else {
            values.iter().sum::<f64>() / n as f64
        };
        let sd = if n < 2 {
            f64::NAN
        } else {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        };
        Describe {
            n: n as u64,
            mean,
            sd,
            mcse: sd / (n as f64).sqrt(),
            p2_5: quantile_sorted(values, 0.025),
            p50: quantile_sorted(values, 0.5),
            p97_5: quantile_sorted(values, 0.975),
            min: values.first().copied().unwrap_or(f64::NAN),
            max: values.last().copied().unwrap_or(f64::NAN),
        }
    }
}

/// One row of `summary.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// Wave number, 1-based.
    pub wave: usize,
    /// Step at whose end the wave was observed.
    pub step: u32,
    /// `network` or `territory:<name>`.
    pub scope: String,
    /// Statistic name (`docs/statistics.md`).
    pub statistic: String,
    /// The distribution over replicates.
    pub d: Describe,
}

impl SummaryRow {
    /// The row's cells in the order of [`SUMMARY_COLUMNS`], numbers formatted by `f`.
    pub fn cells(&self, f: &mut Exact) -> Vec<String> {
        let d = &self.d;
        let mut rec = vec![
            self.wave.to_string(),
            self.step.to_string(),
            self.scope.clone(),
            self.statistic.clone(),
            d.n.to_string(),
        ];
        for v in [d.mean, d.sd, d.mcse, d.p2_5, d.p50, d.p97_5, d.min, d.max] {
            rec.push(f.format(v).to_string());
        }
        rec
    }
}

/// Summarises every (wave, scope, statistic) of an ensemble, in the order of its rows. A
/// file-backed table (a merge's) is read a block of columns at a time, so memory holds a few
/// columns, not the whole table.
pub fn summarise(t: &EnsembleTable) -> std::io::Result<Vec<SummaryRow>> {
    let rows: Vec<(usize, usize)> = t
        .waves
        .iter()
        .enumerate()
        .flat_map(|(w, l)| (0..l.rows.len()).map(move |i| (w, i)))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for block in rows.chunks(t.columns_per_pass()) {
        let at: Vec<usize> = block.iter().map(|&(w, i)| t.column_index(w, i)).collect();
        for (&(w, i), mut buf) in block.iter().zip(t.columns(&at)?) {
            let l = &t.waves[w];
            let (scope, stat) = l.rows[i];
            out.push(SummaryRow {
                wave: l.wave,
                step: l.step,
                scope: l.scopes[scope as usize].clone(),
                statistic: stat.to_string(),
                d: Describe::of(&mut buf),
            });
        }
    }
    Ok(out)
}

/// Writes `summary.csv` (columns [`SUMMARY_COLUMNS`]); numbers in their shortest exact form,
/// NaN as `NaN`.
pub fn write_summary_csv(rows: &[SummaryRow], w: &mut dyn Write) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(SUMMARY_COLUMNS)?;
    let mut f = Exact::default();
    for r in rows {
        out.write_record(r.cells(&mut f))?;
    }
    out.flush()
}

/// The rows of a `summary.csv` with a look-up by (scope, statistic, wave).
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// The rows, in file order.
    pub rows: Vec<SummaryRow>,
    index: HashMap<(String, String, usize), usize>,
}

impl Summary {
    /// Indexes rows.
    pub fn new(rows: Vec<SummaryRow>) -> Summary {
        let index = rows
            .iter()
            .enumerate()
            .map(|(k, r)| ((r.scope.clone(), r.statistic.clone(), r.wave), k))
            .collect();
        Summary { rows, index }
    }

    /// The row of `statistic` in `scope` at `wave`, if any.
    pub fn get(&self, scope: &str, statistic: &str, wave: usize) -> Option<&SummaryRow> {
        self.index
            .get(&(scope.to_string(), statistic.to_string(), wave))
            .map(|&k| &self.rows[k])
    }

    /// Wave numbers and their steps, in order.
    pub fn waves(&self) -> Vec<(usize, u32)> {
        let mut w: Vec<(usize, u32)> = self.rows.iter().map(|r| (r.wave, r.step)).collect();
        w.sort_unstable();
        w.dedup();
        w
    }

    /// Scopes, in order of first appearance.
    pub fn scopes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.rows {
            if out.last() != Some(&r.scope.as_str()) && !out.contains(&r.scope.as_str()) {
                out.push(&r.scope);
            }
        }
        out
    }

    /// Reads a `summary.csv`.
    pub fn read(path: &Path) -> Result<Summary> {
        let table = read_columns(path, &SUMMARY_COLUMNS)?;
        let mut rows = Vec::with_capacity(table.len());
        for (k, row) in table.iter().enumerate() {
            let num = |i: usize| parse_field::<f64>(path, k, &SUMMARY_COLUMNS, row, i);
            let int = |i: usize| parse_field::<u64>(path, k, &SUMMARY_COLUMNS, row, i);
            rows.push(SummaryRow {
                wave: int(0)? as usize,
                step: parse_field::<u32>(path, k, &SUMMARY_COLUMNS, row, 1)?,
                scope: row[2].clone(),
                statistic: row[3].clone(),
                d: Describe {
                    n: int(4)?,
                    mean: num(5)?,
                    sd: num(6)?,
                    mcse: num(7)?,
                    p2_5: num(8)?,
                    p50: num(9)?,
                    p97_5: num(10)?,
                    min: num(11)?,
                    max: num(12)?,
                },
            });
        }
        Ok(Summary::new(rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_7_quantiles_match_r() {
        // R: quantile(c(1, 2, 3, 4, 10), c(0.025, 0.5, 0.975)) gives 1.1, 3, 9.4.
        let mut v = vec![10.0, 2.0, f64::NAN, 4.0, 1.0, 3.0];
        let d = Describe::of(&mut v);
        assert_eq!(d.n, 5);
        assert!((d.p2_5 - 1.1).abs() < 1e-12);
        assert_eq!(d.p50, 3.0);
        assert!((d.p97_5 - 9.4).abs() < 1e-12);
        assert_eq!(d.mean, 4.0);
        // sd(c(1, 2, 3, 4, 10)) = sqrt(12.5)
        assert!((d.sd - 12.5f64.sqrt()).abs() < 1e-12);
        assert!((d.mcse - d.sd / 5f64.sqrt()).abs() < 1e-15);
        assert_eq!((d.min, d.max), (1.0, 10.0));
    }

    #[test]
    fn degenerate_samples() {
        let d = Describe::of(&mut vec![f64::NAN, f64::NAN]);
        assert_eq!(d.n, 0);
        assert!(d.mean.is_nan() && d.p50.is_nan() && d.sd.is_nan());
        let d = Describe::of(&mut vec![7.0]);
        assert_eq!((d.n, d.mean, d.p2_5, d.p97_5), (1, 7.0, 7.0, 7.0));
        assert!(d.sd.is_nan() && d.mcse.is_nan());
    }

    #[test]
    fn written_summary_reads_back() {
        let rows = vec![SummaryRow {
            wave: 2,
            step: 40,
            scope: "territory:Alba, Bra".into(),
            statistic: "ties".into(),
            d: Describe::of(&mut vec![1.0, 2.5, 0.1 + 0.2]),
        }];
        let mut buf = Vec::new();
        write_summary_csv(&rows, &mut buf).unwrap();
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("summary.csv");
        std::fs::write(&p, &buf).unwrap();
        let s = Summary::read(&p).unwrap();
        assert_eq!(s.rows, rows);
        assert!(s.get("territory:Alba, Bra", "ties", 2).is_some());
    }
}
