//! Where experiments write: a new directory per experiment run, never overwriting, filled
//! under a temporary name and renamed into place when complete; tidy CSV files.

use super::estimate::Summary;
use super::outcome::Key;
use crate::error::{Error, Result};
use crate::report::RunDir;
use std::path::{Path, PathBuf};

/// An experiment's output directory being written: `<root>/<scenario>/<kind>-<UTC time>/`.
#[derive(Debug)]
pub struct ExperimentDir {
    dir: RunDir,
    files: Vec<String>,
}

impl ExperimentDir {
    /// Creates the temporary directory of a new experiment run,
    /// `<root>/<scenario>/.<kind>-<time>.partial` (see [`RunDir`]; removed again if the
    /// experiment fails).
    pub fn create(root: &Path, scenario: &str, kind: &str) -> Result<ExperimentDir> {
        let dir = RunDir::create_prefixed(root, scenario, kind).map_err(|e| Error::io(root, e))?;
        Ok(ExperimentDir {
            dir,
            files: Vec::new(),
        })
    }

    /// Where files go while being written.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The final location.
    pub fn destination(&self) -> &Path {
        self.dir.destination()
    }

    /// Names of the files written so far.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// Writes a file.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
        self.files.push(name.to_string());
        Ok(())
    }

    /// Writes a CSV file from a header and rows of already formatted fields.
    pub fn csv(&mut self, name: &str, header: &[&str], rows: &[Vec<String>]) -> Result<()> {
        let path = self.dir.path().join(name);
        let io = |e: csv::Error| Error::Other(format!("{}: {e}", path.display()));
        let mut w = csv::Writer::from_path(&path).map_err(io)?;
        w.write_record(header).map_err(io)?;
        for r in rows {
            w.write_record(r).map_err(io)?;
        }
        w.flush().map_err(|e| Error::io(&path, e))?;
        self.files.push(name.to_string());
        Ok(())
    }

    /// Records how the experiment was made (`manifest.json`, when the command line set its
    /// provenance) and renames the directory into place; fails rather than replace anything.
    pub fn finish(self) -> Result<PathBuf> {
        if let Some(p) = super::record::take_provenance() {
            super::record::write_manifest(self.dir.path(), &p)?;
        }
        let dest = self.dir.destination().to_path_buf();
        self.dir.finish().map_err(|e| Error::io(&dest, e))
    }
}

pub use crate::report::fmt::num;

/// The columns of an outcome summarised over replicates, as the experiments' CSV files write
/// them: the outcome, then its count, mean, standard error and 95% interval.
pub const SUMMARY_COLUMNS: [&str; 7] =
    ["statistic", "wave", "n", "mean", "se", "lower95", "upper95"];

/// The cells of [`SUMMARY_COLUMNS`] for outcome `k` summarised as `s`.
pub fn summary_cells(k: &Key, s: &Summary) -> Vec<String> {
    let mut cells = vec![k.statistic.clone(), k.wave.to_string(), s.n.to_string()];
    cells.extend(estimate_cells(s));
    cells
}

/// An estimate's mean, standard error and 95% interval as CSV cells.
pub fn estimate_cells(s: &Summary) -> [String; 4] {
    [num(s.mean), num(s.se), num(s.lo), num(s.hi)]
}

/// A number for tables meant to be read: `digits` significant digits.
pub fn fmt_sig(v: f64, digits: usize) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else {
            format!("{v}")
        };
    }
    if v == 0.0 {
        return "0".into();
    }
    let mag = v.abs().log10().floor() as i32;
    let decimals = (digits as i32 - 1 - mag).max(0) as usize;
    if v.abs() >= 1e6 {
        return format!("{:.0}", v);
    }
    format!("{v:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_never_reused() {
        let root = tempfile::tempdir().unwrap();
        let mut a = ExperimentDir::create(root.path(), "s", "compare").unwrap();
        a.write("x.txt", b"x").unwrap();
        let b = ExperimentDir::create(root.path(), "s", "compare").unwrap();
        assert_ne!(a.destination(), b.destination());
        let pa = a.finish().unwrap();
        assert!(pa.join("x.txt").exists());
        let c = ExperimentDir::create(root.path(), "s", "compare").unwrap();
        assert_ne!(c.destination(), pa);
    }

    #[test]
    fn numbers_format() {
        assert_eq!(fmt_sig(0.123456, 3), "0.123");
        assert_eq!(fmt_sig(123.456, 3), "123");
        assert_eq!(fmt_sig(-0.000123456, 2), "-0.00012");
        assert_eq!(num(f64::NAN), "NaN");
    }
}
