//! Monte Carlo ensembles: R replicates in parallel, bit-identical whatever the thread count,
//! in full or as one shard's block of replicates.

use super::runner::{pool, stop_point};
use crate::model::Model;
use crate::network::Snapshot;
use crate::stats::{ReferenceWave, StatRow, StatTable, StatsOptions, replicate_tables, scope_name};
use rayon::prelude::*;
use std::ops::Range;
use std::path::PathBuf;

/// How to run an ensemble.
#[derive(Debug, Clone, PartialEq)]
pub struct EnsembleOptions {
    /// Number of replicates.
    pub replicates: u64,
    /// Master seed.
    pub seed: u64,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Statistics options.
    pub stats: StatsOptions,
}

/// The statistics of one wave of one replicate.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveStats {
    /// Wave number, 1-based.
    pub wave: usize,
    /// Step at whose end the wave was observed.
    pub step: u32,
    /// The statistics.
    pub rows: Vec<StatRow>,
}

/// Everything recorded from one replicate.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicateResult {
    /// Replicate index (0-based).
    pub replicate: u64,
    /// One entry per wave.
    pub waves: Vec<WaveStats>,
}

/// The results of an ensemble, in replicate order.
#[derive(Debug, Clone, PartialEq)]
pub struct Ensemble {
    /// Per-replicate results.
    pub replicates: Vec<ReplicateResult>,
}

/// Runs one replicate and computes its wave statistics (preparing the pre-programme network
/// for this call alone: [`Replicator`] prepares it once for many replicates).
pub fn replicate(model: &Model, seed: u64, r: u64, stats: &StatsOptions) -> ReplicateResult {
    Replicator::new(model, stats).run(seed, r)
}

/// Runs replicates of one model with their wave statistics, with what every replicate shares
/// (the pre-programme network's statistics) prepared once, as an ensemble does.
pub struct Replicator<'a> {
    model: &'a Model,
    stats: &'a StatsOptions,
    pre: ReferenceWave<'a>,
}

impl<'a> Replicator<'a> {
    /// Prepares the replicates of `model` with the statistics `stats`.
    pub fn new(model: &'a Model, stats: &'a StatsOptions) -> Replicator<'a> {
        let pre = ReferenceWave::pre_programme(model.pre_programme(), stats);
        Replicator { model, stats, pre }
    }

    /// Runs replicate `r` under master seed `seed`: the same result as [`replicate`].
    pub fn run(&self, seed: u64, r: u64) -> ReplicateResult {
        replicate_with(self.model, seed, r, self.stats, &self.pre)
    }
}

/// [`replicate`] with the pre-programme network prepared once for the whole ensemble.
fn replicate_with(
    model: &Model,
    seed: u64,
    r: u64,
    stats: &StatsOptions,
    pre: &ReferenceWave<'_>,
) -> ReplicateResult {
    let (tables, snaps) = wave_tables(model, seed, r, stats, pre);
    let waves = tables
        .into_iter()
        .zip(&snaps)
        .enumerate()
        .map(|(k, (t, s))| WaveStats {
            wave: k + 1,
            step: s.step,
            rows: t.into_rows(),
        })
        .collect();
    ReplicateResult {
        replicate: r,
        waves,
    }
}

/// Runs the ensemble in parallel; `progress` is called once per finished replicate (from any
/// thread). Results are in replicate order and do not depend on the number of threads.
pub fn run_ensemble(
    model: &Model,
    opts: &EnsembleOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Ensemble, EnsembleError> {
    let replicator = Replicator::new(model, &opts.stats);
    let replicates = pool(opts.threads)?.install(|| {
        (0..opts.replicates)
            .into_par_iter()
            .map(|r| {
                stop_point();
                let out = replicator.run(opts.seed, r);
                progress();
                out
            })
            .collect()
    });
    Ok(Ensemble { replicates })
}

/// The statistics of one wave, laid out once for every replicate of an ensemble: the scope
/// names and the (scope, statistic) of each row, in [`wave_table`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveLayout {
    /// Wave number, 1-based.
    pub wave: usize,
    /// Step at whose end the wave was observed.
    pub step: u32,
    /// Scope names: `network`, then `territory:<name>` when statistics are per territory.
    pub scopes: Vec<String>,
    /// Each row's scope (position in `scopes`) and statistic name.
    pub rows: Vec<(u32, &'static str)>,
}

/// The statistics of an ensemble in compact form: one number per replicate, wave and row,
/// with the row names stored once ([`WaveLayout`]). Holds the same values as [`Ensemble`] in a
/// fraction of the memory (no string per value), so per-territory ensembles of thousands of
/// replicates fit in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct EnsembleTable {
    /// The layout of each wave.
    pub waves: Vec<WaveLayout>,
    /// Offset of each wave's rows inside one replicate's values.
    offsets: Vec<usize>,
    /// Values of one replicate.
    width: usize,
    /// Values, replicate by replicate, then wave by wave, then row by row (empty when the
    /// values are in `files`).
    values: Vec<f64>,
    /// Files of values laid out like `values` (little-endian f64) with their replicate
    /// counts, in replicate order: a merge's shards, read when needed and never held whole.
    files: Vec<(PathBuf, u64)>,
}

/// Bytes of values a file-backed table reads into memory at once for its columns: with more
/// replicates than fit, one column at a time.
const COLUMN_BUDGET: usize = 16 << 20;

impl EnsembleTable {
    /// An empty table (no replicate yet) with the given wave layouts; values are added with
    /// [`EnsembleTable::extend_replicates`].
    pub fn new(waves: Vec<WaveLayout>) -> Self {
        let mut offsets = Vec::with_capacity(waves.len());
        let mut width = 0;
        for w in &waves {
            offsets.push(width);
            width += w.rows.len();
        }
        EnsembleTable {
            waves,
            offsets,
            width,
            values: Vec::new(),
            files: Vec::new(),
        }
    }

    /// Number of replicates.
    pub fn replicates(&self) -> u64 {
        if !self.files.is_empty() {
            return self.files.iter().map(|f| f.1).sum();
        }
        self.values.len().checked_div(self.width).unwrap_or(0) as u64
    }

    /// The same layout with its values in `files` (each holding whole replicates laid out
    /// like [`EnsembleTable::values`], little-endian f64), in replicate order: a merge streams
    /// its shards' values from them, so its memory does not grow with the replicates. Fails,
    /// naming the file, unless each file holds whole replicates.
    pub fn in_files(&self, files: &[PathBuf]) -> std::io::Result<EnsembleTable> {
        let mut t = self.empty_like();
        let row = (t.width * 8) as u64;
        for f in files {
            let bytes = std::fs::metadata(f)?.len();
            if row == 0 || bytes % row != 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "{}: not whole replicates of {} values: the shard does not match this \
                         scenario",
                        f.display(),
                        t.width
                    ),
                ));
            }
            t.files.push((f.clone(), bytes / row));
        }
        Ok(t)
    }

    /// Calls `f` with each replicate's values (every wave's rows, as
    /// [`EnsembleTable::wave_values_all`]), in replicate order, reading a file-backed table a
    /// block at a time.
    pub fn for_each_replicate(
        &self,
        mut f: impl FnMut(u64, &[f64]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        if self.width == 0 {
            return Ok(());
        }
        if self.files.is_empty() {
            for (r, v) in self.values.chunks_exact(self.width).enumerate() {
                f(r as u64, v)?;
            }
            return Ok(());
        }
        let block = 256;
        let mut bytes = vec![0u8; self.width * 8 * block];
        let mut values = vec![0f64; self.width * block];
        let mut r = 0u64;
        for (path, count) in &self.files {
            let mut file = std::io::BufReader::new(std::fs::File::open(path)?);
            let mut left = *count;
            while left > 0 {
                let k = left.min(block as u64) as usize;
                let n = k * self.width;
                std::io::Read::read_exact(&mut file, &mut bytes[..n * 8])?;
                for (v, b) in values[..n].iter_mut().zip(bytes.chunks_exact(8)) {
                    *v = f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
                }
                for v in values[..n].chunks_exact(self.width) {
                    f(r, v)?;
                    r += 1;
                }
                left -= k as u64;
            }
        }
        Ok(())
    }

    /// The rows of wave position `w` inside one replicate's values (as
    /// [`EnsembleTable::for_each_replicate`] gives them).
    pub fn wave_of<'a>(&self, all: &'a [f64], w: usize) -> &'a [f64] {
        &all[self.offsets[w]..self.offsets[w] + self.waves[w].rows.len()]
    }

    /// Position of row `row` of wave position `w` inside one replicate's values.
    pub fn column_index(&self, w: usize, row: usize) -> usize {
        self.offsets[w] + row
    }

    /// How many columns [`EnsembleTable::columns`] should be asked for at once: one for a
    /// table in memory (each is copied out anyway), as many as fit in 16 MB for a file-backed
    /// table (at least one), so reading them costs few passes over the files.
    pub fn columns_per_pass(&self) -> usize {
        if self.files.is_empty() {
            return 1;
        }
        (COLUMN_BUDGET / (8 * self.replicates().max(1) as usize)).max(1)
    }

    /// The values of the columns `at` (positions inside a replicate's values) in every
    /// replicate, in replicate order; one pass over a file-backed table's files.
    pub fn columns(&self, at: &[usize]) -> std::io::Result<Vec<Vec<f64>>> {
        let r = self.replicates() as usize;
        let mut out: Vec<Vec<f64>> = at.iter().map(|_| Vec::with_capacity(r)).collect();
        self.for_each_replicate(|_, v| {
            for (o, &a) in out.iter_mut().zip(at) {
                o.push(v[a]);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The values of replicate `r` (0-based position) at wave position `w` (0-based), in the
    /// order of `self.waves[w].rows`.
    pub fn wave_values(&self, r: u64, w: usize) -> &[f64] {
        let start = r as usize * self.width + self.offsets[w];
        &self.values[start..start + self.waves[w].rows.len()]
    }

    /// Every value of replicate `r` (0-based position), all waves.
    pub fn wave_values_all(&self, r: u64) -> &[f64] {
        let start = r as usize * self.width;
        &self.values[start..start + self.width]
    }

    /// Values per replicate (every wave's rows).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Every value, replicate by replicate, then wave by wave, then row by row.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The same layout with no replicates.
    pub fn empty_like(&self) -> EnsembleTable {
        EnsembleTable::new(self.waves.clone())
    }

    /// Appends the values of replicates laid out like [`EnsembleTable::values`]; fails (adding
    /// nothing) unless `values` holds whole replicates.
    pub fn extend_replicates(&mut self, values: &[f64]) -> bool {
        if self.width == 0 || values.len() % self.width != 0 {
            return false;
        }
        self.values.extend_from_slice(values);
        true
    }

    /// The value of row `row` of wave position `w` in every replicate, in replicate order
    /// (read from the files of a file-backed table; NaN if they cannot be read, which the
    /// merge's checksums of the files rule out short of a failing disk).
    pub fn series(&self, w: usize, row: usize) -> std::vec::IntoIter<f64> {
        let at = self.offsets[w] + row;
        let v: Vec<f64> = if self.files.is_empty() {
            self.values
                .iter()
                .skip(at)
                .step_by(self.width.max(1))
                .copied()
                .collect()
        } else {
            self.columns(&[at])
                .map(|mut c| c.remove(0))
                .unwrap_or_else(|_| vec![f64::NAN; self.replicates() as usize])
        };
        v.into_iter()
    }

    /// The same results as an [`Ensemble`] (one owned row per value).
    pub fn to_ensemble(&self) -> Ensemble {
        let replicates = (0..self.replicates())
            .map(|r| ReplicateResult {
                replicate: r,
                waves: self
                    .waves
                    .iter()
                    .enumerate()
                    .map(|(w, l)| WaveStats {
                        wave: l.wave,
                        step: l.step,
                        rows: l
                            .rows
                            .iter()
                            .zip(self.wave_values(r, w))
                            .map(|(&(s, name), &value)| StatRow {
                                scope: scope_name(&l.scopes[s as usize]),
                                statistic: name,
                                value,
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        Ensemble { replicates }
    }
}

/// The wave networks of one replicate, kept whole.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptReplicate {
    /// Replicate index (0-based).
    pub replicate: u64,
    /// One snapshot per wave.
    pub snapshots: Vec<Snapshot>,
}

/// Why an ensemble could not run.
#[derive(Debug, thiserror::Error)]
pub enum EnsembleError {
    /// The worker threads could not start.
    #[error("cannot start {threads} worker threads: {source}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// The cause.
        source: rayon::ThreadPoolBuildError,
    },
    /// A replicate's statistics did not have the rows of replicate 0 (never expected: every
    /// wave reports the same rows).
    #[error("replicate {replicate}, wave {wave}: the statistics differ in layout from replicate 0")]
    Layout {
        /// The replicate.
        replicate: u64,
        /// The wave, 1-based.
        wave: usize,
    },
}

/// One replicate's values, and its snapshots when kept.
type ReplicateValues = (Vec<f64>, Option<KeptReplicate>);

/// Runs replicate `r` and computes the statistics of each wave, with the wave before it, the
/// first wave and the pre-programme network `pre` as its context.
fn wave_tables(
    model: &Model,
    seed: u64,
    r: u64,
    stats: &StatsOptions,
    pre: &ReferenceWave<'_>,
) -> (Vec<StatTable>, Vec<Snapshot>) {
    let snaps = model.run(seed, r);
    let tables = replicate_tables(&snaps, Some(pre), stats);
    (tables, snaps)
}

fn same_layout(layout: &WaveLayout, t: &StatTable) -> bool {
    layout.scopes == t.scopes
        && layout.rows.len() == t.rows.len()
        && layout
            .rows
            .iter()
            .zip(&t.rows)
            .all(|(&(s, n), row)| s == row.scope && n == row.statistic)
}

/// Runs the ensemble in parallel like [`run_ensemble`], keeping the statistics in compact form
/// and the wave snapshots of the replicates listed in `keep` (indices at or above
/// `opts.replicates` are ignored). Results are in replicate order and do not depend on the
/// number of threads; the values equal those of [`run_ensemble`].
pub fn run_ensemble_table(
    model: &Model,
    opts: &EnsembleOptions,
    keep: &[u64],
    progress: &(dyn Fn() + Sync),
) -> Result<(EnsembleTable, Vec<KeptReplicate>), EnsembleError> {
    run_ensemble_range(model, opts, 0..opts.replicates, keep, progress)
}

/// Like [`run_ensemble_table`] for the replicates `range` only (a shard's block): the table's
/// row `i` is replicate `range.start + i`, and its values equal those of the same replicate in
/// the full ensemble.
pub fn run_ensemble_range(
    model: &Model,
    opts: &EnsembleOptions,
    range: Range<u64>,
    keep: &[u64],
    progress: &(dyn Fn() + Sync),
) -> Result<(EnsembleTable, Vec<KeptReplicate>), EnsembleError> {
    let pool = pool(opts.threads)?;
    if range.is_empty() {
        return Ok((EnsembleTable::new(Vec::new()), Vec::new()));
    }
    let first_r = range.start;
    pool.install(|| {
        // The first replicate fixes the layout every other replicate is checked against.
        let pre = ReferenceWave::pre_programme(model.pre_programme(), &opts.stats);
        let (first, first_snaps) = wave_tables(model, opts.seed, first_r, &opts.stats, &pre);
        progress();
        let layouts: Vec<WaveLayout> = first
            .iter()
            .zip(&first_snaps)
            .enumerate()
            .map(|(k, (t, s))| WaveLayout {
                wave: k + 1,
                step: s.step,
                scopes: t.scopes.clone(),
                rows: t.rows.iter().map(|r| (r.scope, r.statistic)).collect(),
            })
            .collect();
        let mut table = EnsembleTable::new(layouts);
        let flat = |tables: &[StatTable]| -> Vec<f64> {
            tables
                .iter()
                .flat_map(|t| t.rows.iter().map(|r| r.value))
                .collect()
        };
        let first_values = flat(&first);
        let rest: Vec<Result<ReplicateValues, EnsembleError>> = (first_r + 1..range.end)
            .into_par_iter()
            .map(|r| {
                stop_point();
                let (tables, snaps) = wave_tables(model, opts.seed, r, &opts.stats, &pre);
                progress();
                for (k, t) in tables.iter().enumerate() {
                    if table.waves.get(k).is_none_or(|l| !same_layout(l, t))
                        || tables.len() != table.waves.len()
                    {
                        return Err(EnsembleError::Layout {
                            replicate: r,
                            wave: k + 1,
                        });
                    }
                }
                let kept = keep.contains(&r).then_some(KeptReplicate {
                    replicate: r,
                    snapshots: snaps,
                });
                Ok((flat(&tables), kept))
            })
            .collect();
        table.values = Vec::with_capacity(table.width * (range.end - range.start) as usize);
        table.values.extend(first_values);
        let mut kept = Vec::new();
        if keep.contains(&first_r) {
            kept.push(KeptReplicate {
                replicate: first_r,
                snapshots: first_snaps,
            });
        }
        for x in rest {
            let (values, k) = x?;
            table.values.extend(values);
            kept.extend(k);
        }
        kept.sort_by_key(|k| keep.iter().position(|&r| r == k.replicate));
        Ok((table, kept))
    })
}
