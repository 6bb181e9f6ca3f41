//! The one ensemble runner: a fixed pool of worker threads, the progress display, the
//! cancellation flag and the shard mode, under every command that simulates. Jobs come back
//! in job order whatever the number of threads; each job derives its random streams from
//! (master seed, replicate) itself, so results never depend on scheduling.

use super::progress::Progress;
use super::shard::{self, Mode, Record, StageInfo, Tokens};
use super::{EnsembleError, cancel};
use crate::stats::StatsOptions;
use rayon::prelude::*;
use std::time::Duration;

/// A pool of `threads` worker threads (0: one per core); every parallel stage of wecare runs
/// on one.
pub fn pool(threads: usize) -> Result<rayon::ThreadPool, EnsembleError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| EnsembleError::Threads { threads, source })
}

/// Holds a worker before a new job while a stop is asked for: the process is exiting (the
/// interrupt handler removes the unfinished output and exits), so no new simulation starts.
pub fn stop_point() {
    while cancel::requested() {
        std::thread::park_timeout(Duration::from_millis(200));
    }
}

/// Runs the jobs of an ensemble or experiment on a fixed number of worker threads; results
/// come back in job order whatever the number of threads. Under `--shard K/N` each stage
/// computes only the shard's block of jobs; under `wecare merge` the recorded results are
/// read back instead of simulated ([`shard`]).
pub struct Runner<'p> {
    pool: rayon::ThreadPool,
    progress: &'p dyn Progress,
    /// Statistics options used by the experiments' observations.
    pub stats: StatsOptions,
}

impl<'p> Runner<'p> {
    /// A runner on `threads` worker threads (0: one per core).
    pub fn new(threads: usize, progress: &'p dyn Progress) -> crate::Result<Runner<'p>> {
        let pool = pool(threads).map_err(|e| crate::Error::Other(e.to_string()))?;
        Ok(Runner {
            pool,
            progress,
            stats: StatsOptions::default(),
        })
    }

    /// Number of worker threads.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// The progress display.
    pub fn progress(&self) -> &dyn Progress {
        self.progress
    }

    /// Runs `f` on the worker threads (for parallel work that is not a list of jobs).
    pub fn install<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        self.pool.install(f)
    }

    /// Jobs `from..to` of `f`, in parallel, with progress; results in job order.
    fn compute<T: Send>(&self, from: u64, to: u64, f: &(impl Fn(usize) -> T + Sync)) -> Vec<T> {
        let p = self.progress;
        self.pool.install(|| {
            (from..to)
                .into_par_iter()
                .map(|j| {
                    stop_point();
                    let out = f(j as usize);
                    p.inc(1);
                    out
                })
                .collect()
        })
    }

    /// `f(0..n)` in parallel, as stage `label`; results in job order. Under a shard, the other
    /// shards' jobs are placeholders of the same shape (NaN) and the shard's are recorded;
    /// under a merge, recorded results are read back.
    pub fn map<T: Send + Record>(
        &self,
        label: &str,
        n: usize,
        f: impl Fn(usize) -> T + Sync,
    ) -> Vec<T> {
        match shard::mode() {
            Mode::All => {
                self.progress.stage(label, n as u64);
                self.compute(0, n as u64, &f)
            }
            Mode::Shard(spec, log) => {
                let (a, b) = spec.range(n as u64);
                self.progress.stage(label, b - a);
                let mine = self.compute(a, b, &f);
                let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                let stage = log.stages.len();
                log.stages.push(StageInfo {
                    label: label.to_string(),
                    jobs: n as u64,
                });
                for (j, x) in (a..b).zip(&mine) {
                    let mut line = format!("{stage} {j}");
                    x.encode(&mut line);
                    log.lines.push(line);
                }
                drop(log);
                if n == 0 {
                    return mine;
                }
                // A shape for the placeholders: the shard's first job, or job 0 when the
                // shard has none in this stage (not recorded).
                let like = match mine.first() {
                    Some(x) => T::placeholder(x),
                    None => T::placeholder(&f(0)),
                };
                let mut out: Vec<T> = (0..a).map(|_| T::placeholder(&like)).collect();
                out.extend(mine);
                out.extend((b..n as u64).map(|_| T::placeholder(&like)));
                out
            }
            Mode::Replay(replay) => {
                let mut r = replay.lock().unwrap_or_else(|e| e.into_inner());
                let stage = r.next_stage;
                r.next_stage += 1;
                let planned = r.stages.get(stage).cloned();
                let recorded: Vec<Option<T>> = match planned {
                    Some(st) if st.jobs == n as u64 && st.label == label => (0..n as u64)
                        .map(|j| {
                            r.jobs.remove(&(stage, j)).and_then(|text| {
                                let mut t = Tokens::new(&text);
                                T::decode(&mut t).filter(|_| t.is_empty())
                            })
                        })
                        .collect(),
                    _ => (0..n).map(|_| None).collect(),
                };
                drop(r);
                // Anything not recorded (never expected after the merge's checks) is
                // computed here, so the result is right either way.
                let todo: Vec<usize> = (0..n).filter(|&j| recorded[j].is_none()).collect();
                if !todo.is_empty() {
                    self.progress.stage(label, todo.len() as u64);
                }
                let p = self.progress;
                let mut fresh: Vec<T> = self.pool.install(|| {
                    todo.par_iter()
                        .map(|&j| {
                            let out = f(j);
                            p.inc(1);
                            out
                        })
                        .collect()
                });
                fresh.reverse();
                recorded
                    .into_iter()
                    .map(|x| match x {
                        Some(v) => v,
                        None => fresh.pop().expect("one fresh result per missing job"),
                    })
                    .collect()
            }
        }
    }
}
