//! Where ABC-SMC's proposals are simulated: on this machine's worker threads, or across
//! machines (`wecare calibrate --shard K/N` and `--advance`).
//!
//! Each generation draws its proposals in batches of consecutive indices; the batch sizes
//! follow from the proposals already accepted, and each proposal's random streams from
//! (seed, generation, index) only ([`super::abc_smc`]). A sharded calibration keeps its
//! evaluated proposals in `evaluations/` inside its (unfinished) directory, one file per shard
//! and batch, each proposal recorded exactly (floats by their bits). A shard replays the
//! calibration from its checkpoint over the recorded proposals up to the first batch not yet
//! evaluated, simulates its share of that batch and records it; `--advance` replays the
//! recorded proposals, checkpoints every generation they complete, and stops at the first
//! batch not yet evaluated. Since a replayed proposal is the same bits as a simulated one,
//! the calibration ends exactly where the single-machine calibration with the same seed ends.

use super::abc_smc::{AbcSmc, Proposal};
use super::checkpoint::{self, Checkpoint};
use super::problem::Problem;
use super::solver::Solver;
use super::{AbcState, CalibrateOptions};
use crate::ensemble::progress::{Display, Progress, Silent};
use crate::ensemble::shard::{Record, Tokens};
use crate::ensemble::{ShardSpec, stop_point};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use rayon::prelude::*;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

/// The directory of a sharded calibration's evaluated proposals, inside the calibration's
/// directory; removed when the calibration finishes.
pub const DIR: &str = "evaluations";

/// First line of every evaluation file.
const FORMAT: &str = "wecare-abc-evaluations/1";

/// How the proposals not yet recorded are evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Simulated here (the default).
    Here,
    /// This shard's share of the first batch not yet recorded is simulated and recorded; the
    /// calibration then stops.
    Shard(ShardSpec),
    /// Nothing is simulated: the calibration stops at the first batch not yet recorded.
    Recorded,
}

static POLICY: OnceLock<Policy> = OnceLock::new();

/// Sets how this process evaluates proposals, once, before any calibration runs (the command
/// line does it for `--shard` and `--advance`).
pub fn set_policy(p: Policy) -> Result<()> {
    POLICY
        .set(p)
        .map_err(|_| Error::Other("the evaluation policy is already set".into()))
}

fn policy() -> Policy {
    POLICY.get().copied().unwrap_or(Policy::Here)
}

/// A recorded proposal: its tokens and the file it came from.
type Entry = (String, PathBuf);

/// The recorded proposals of the calibration being run.
struct Store {
    /// The `evaluations/` directory.
    dir: PathBuf,
    fingerprint: String,
    seed: u64,
    /// (generation, proposal) -> record.
    jobs: HashMap<(usize, u64), Entry>,
}

static STORE: Mutex<Option<Store>> = Mutex::new(None);
static WAIT: Mutex<Option<Wait>> = Mutex::new(None);
static PROGRESS: AtomicBool = AtomicBool::new(false);

/// Where a sharded calibration stopped: the batch it needs evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    /// The calibration's directory.
    pub dir: PathBuf,
    /// Generation of the batch.
    pub generation: usize,
    /// The proposals of the batch.
    pub batch: Range<u64>,
    /// For a shard: its share of the batch, the proposals it simulated, and the file written
    /// (`None` when its share was recorded already).
    pub shard: Option<(Range<u64>, u64, Option<PathBuf>)>,
}

/// Takes the batch the last calibration stopped at, if it stopped for want of evaluations.
pub fn take_wait() -> Option<Wait> {
    WAIT.lock().unwrap_or_else(|e| e.into_inner()).take()
}

/// Shows the progress of each batch on standard error (a bar, or log lines off a terminal).
pub fn show_progress(on: bool) {
    PROGRESS.store(on, Ordering::Relaxed);
}

fn lock() -> std::sync::MutexGuard<'static, Option<Store>> {
    STORE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether `dir` is the directory of a sharded calibration.
pub fn is_sharded(dir: &Path) -> bool {
    dir.join(DIR).is_dir()
}

/// Prepares the evaluations of the calibration in `dir`: for a sharded calibration (or a new
/// one started with `--advance`), reads every recorded proposal, checking that each file
/// belongs to this calibration (`problem`'s fingerprint and `seed`); otherwise records
/// nothing. Returns whether the calibration is sharded.
pub fn attach(dir: &Path, problem: &Problem, seed: u64) -> Result<bool> {
    let ev = dir.join(DIR);
    let sharded = is_sharded(dir) || policy() != Policy::Here;
    if !sharded {
        *lock() = None;
        return Ok(false);
    }
    if !ev.is_dir() {
        std::fs::create_dir(&ev).map_err(|e| Error::io(&ev, e))?;
    }
    let fingerprint = problem.fingerprint();
    let mut jobs: HashMap<(usize, u64), Entry> = HashMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&ev)
        .map_err(|e| Error::io(&ev, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "txt")
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    files.sort();
    for f in files {
        let text = crate::input::read_to_string(&f).map_err(|e| Error::io(&f, e))?;
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next().unwrap_or("").split(' ').collect();
        let bad =
            |line: usize, why: &str| Error::Other(format!("{}, line {line}: {why}", f.display()));
        if head.len() != 3 || head[0] != FORMAT {
            return Err(bad(1, &format!("not a `{FORMAT}` file")));
        }
        if head[1] != format!("fingerprint={fingerprint}") {
            return Err(bad(
                1,
                "the proposals were evaluated for another scenario, data, parameters or \
                 targets than this calibration's",
            ));
        }
        if head[2] != format!("seed={seed}") {
            return Err(bad(
                1,
                &format!("the proposals were evaluated with another seed than {seed}"),
            ));
        }
        for (i, line) in lines.enumerate() {
            let mut parts = line.splitn(3, ' ');
            let g: usize = parts
                .next()
                .and_then(|x| x.parse().ok())
                .ok_or_else(|| bad(i + 2, "no generation number"))?;
            let j: u64 = parts
                .next()
                .and_then(|x| x.parse().ok())
                .ok_or_else(|| bad(i + 2, "no proposal number"))?;
            let rest = parts.next().unwrap_or("").to_string();
            match jobs.get(&(g, j)) {
                Some((other, file)) if *other != rest => {
                    return Err(bad(
                        i + 2,
                        &format!(
                            "proposal {j} of generation {g} differs from its record in {}",
                            file.display()
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    jobs.insert((g, j), (rest, f.clone()));
                }
            }
        }
    }
    *lock() = Some(Store {
        dir: ev,
        fingerprint,
        seed,
        jobs,
    });
    Ok(true)
}

/// Removes the recorded proposals of a finished calibration (its checkpoint and outputs hold
/// all the results).
pub fn tidy(dir: &Path) -> Result<()> {
    *lock() = None;
    let ev = dir.join(DIR);
    if ev.is_dir() {
        std::fs::remove_dir_all(&ev).map_err(|e| Error::io(&ev, e))?;
    }
    Ok(())
}

/// Evaluates the proposals `batch` of generation `generation` with `f`, in order: recorded
/// ones are read back; the others are simulated here on the current worker threads, or, in a
/// shard or when advancing, the calibration stops (an error; [`take_wait`] tells the batch).
pub fn evaluate<T: Record + Send>(
    generation: usize,
    batch: Range<u64>,
    f: impl Fn(u64) -> Result<T> + Sync + Send,
) -> Result<Vec<T>> {
    let label = format!("abc generation {generation}");
    let (recorded, dir) = {
        let store = lock();
        match &*store {
            None => {
                // Not sharded: every proposal here, in parallel.
                let display = new_display();
                display.stage(&label, batch.end - batch.start);
                let out = batch
                    .into_par_iter()
                    .map(|i| {
                        stop_point();
                        let r = f(i);
                        display.inc(1);
                        r
                    })
                    .collect::<Result<Vec<T>>>();
                display.finish();
                return out;
            }
            Some(s) => (
                batch
                    .clone()
                    .map(|i| s.jobs.get(&(generation, i)).cloned())
                    .collect::<Vec<Option<Entry>>>(),
                s.dir.clone(),
            ),
        }
    };
    let missing: Vec<u64> = batch
        .clone()
        .zip(&recorded)
        .filter(|(_, r)| r.is_none())
        .map(|(i, _)| i)
        .collect();
    let calibration = dir.parent().unwrap_or(&dir).to_path_buf();
    let mut fresh: HashMap<u64, Result<T>> = HashMap::new();
    match policy() {
        _ if missing.is_empty() => {}
        Policy::Here => fresh = simulate(&label, &missing, &f),
        Policy::Recorded => {
            return Err(wait(Wait {
                dir: calibration,
                generation,
                batch,
                shard: None,
            }));
        }
        Policy::Shard(spec) => {
            let (a, b) = spec.range(batch.end - batch.start);
            let mine = batch.start + a..batch.start + b;
            let todo: Vec<u64> = missing
                .iter()
                .copied()
                .filter(|i| mine.contains(i))
                .collect();
            let file = if todo.is_empty() {
                None
            } else {
                let results = simulate(&label, &todo, &f);
                Some(write_file(&dir, generation, &mine, spec, &todo, &results)?)
            };
            return Err(wait(Wait {
                dir: calibration,
                generation,
                batch,
                shard: Some((mine, todo.len() as u64, file)),
            }));
        }
    }
    batch
        .zip(recorded)
        .map(|(i, r)| match r {
            Some((text, file)) => {
                let mut t = Tokens::new(&text);
                match Result::<T>::decode(&mut t) {
                    Some(x) if t.is_empty() => x,
                    _ => Err(Error::Other(format!(
                        "{}: the record of proposal {i} of generation {generation} does not \
                         read back: the file is damaged",
                        file.display()
                    ))),
                }
            }
            None => fresh
                .remove(&i)
                .unwrap_or_else(|| Err(Error::Other(format!("proposal {i} not evaluated")))),
        })
        .collect()
}

fn new_display() -> Box<dyn Progress> {
    if PROGRESS.load(Ordering::Relaxed) {
        Box::new(Display::new(false))
    } else {
        Box::new(Silent)
    }
}

/// Simulates the proposals `todo` on the current worker threads.
fn simulate<T: Send>(
    label: &str,
    todo: &[u64],
    f: &(impl Fn(u64) -> Result<T> + Sync + Send),
) -> HashMap<u64, Result<T>> {
    let display = new_display();
    display.stage(label, todo.len() as u64);
    let out = todo
        .par_iter()
        .map(|&i| {
            stop_point();
            let r = f(i);
            display.inc(1);
            (i, r)
        })
        .collect();
    display.finish();
    out
}

fn wait(w: Wait) -> Error {
    let msg = format!(
        "generation {} needs proposals {}..{} evaluated",
        w.generation, w.batch.start, w.batch.end
    );
    *WAIT.lock().unwrap_or_else(|e| e.into_inner()) = Some(w);
    Error::Other(msg)
}

/// Writes a shard's evaluations of one batch, under a temporary name renamed when complete.
fn write_file<T: Record>(
    dir: &Path,
    generation: usize,
    mine: &Range<u64>,
    spec: ShardSpec,
    todo: &[u64],
    results: &HashMap<u64, Result<T>>,
) -> Result<PathBuf> {
    let (fingerprint, seed) = match &*lock() {
        Some(s) => (s.fingerprint.clone(), s.seed),
        None => return Err(Error::Other("internal: no evaluation store".into())),
    };
    let name = format!(
        "g{generation}-{}-{}-shard-{}-of-{}.txt",
        mine.start, mine.end, spec.index, spec.count
    );
    let dest = dir.join(&name);
    if dest.exists() {
        return Err(Error::Other(format!(
            "{}: already exists and does not hold this shard's proposals",
            dest.display()
        )));
    }
    let mut text = format!("{FORMAT} fingerprint={fingerprint} seed={seed}\n");
    for i in todo {
        text.push_str(&format!("{generation} {i}"));
        if let Some(r) = results.get(i) {
            r.encode(&mut text);
        }
        text.push('\n');
    }
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &dest).map_err(|e| Error::io(&dest, e))?;
    Ok(dest)
}

impl Record for Proposal {
    fn encode(&self, out: &mut String) {
        match self {
            Proposal::OutsidePrior => out.push_str(" out"),
            Proposal::Simulated(theta, d) => {
                out.push_str(" sim");
                (theta.clone(), *d).encode(out);
            }
        }
    }
    fn decode(t: &mut Tokens<'_>) -> Option<Self> {
        match t.word()? {
            "out" => Some(Proposal::OutsidePrior),
            "sim" => <(Vec<f64>, f64)>::decode(t).map(|(theta, d)| Proposal::Simulated(theta, d)),
            _ => None,
        }
    }
    fn placeholder(like: &Self) -> Self {
        match like {
            Proposal::OutsidePrior => Proposal::OutsidePrior,
            Proposal::Simulated(theta, _) => {
                Proposal::Simulated(vec![f64::NAN; theta.len()], f64::NAN)
            }
        }
    }
}

/// What one shard of a sharded calibration did.
#[derive(Debug, Clone)]
pub struct ShardReport {
    /// The batch the calibration needs next, and the shard's part in it; `None` when the
    /// calibration needs no more evaluations (advance it to finish it).
    pub wait: Option<Wait>,
}

/// `wecare calibrate --resume DIR --shard K/N`: replays the sharded ABC-SMC calibration in
/// `dir` from its checkpoint over the recorded proposals, and simulates and records this
/// shard's share of the first batch not yet evaluated. Writes nothing else.
pub fn evaluate_shard(
    scenario: &Scenario,
    opts: &CalibrateOptions,
    dir: &Path,
) -> Result<ShardReport> {
    if !matches!(policy(), Policy::Shard(_)) {
        return Err(Error::Other("internal: not running as a shard".into()));
    }
    if !is_sharded(dir) {
        return Err(Error::Other(format!(
            "{}: not a sharded calibration (no {DIR}/); start one with `wecare calibrate \
             SCENARIO --advance`",
            dir.display()
        )));
    }
    let has_checkpoint = dir.join(checkpoint::FILE).is_file();
    let previous = if has_checkpoint {
        Some(checkpoint::peek(dir)?)
    } else {
        None
    };
    let seed = opts
        .seed
        .or(previous.as_ref().map(|p| p.1))
        .unwrap_or(scenario.montecarlo.seed);
    let threads = opts.threads.unwrap_or(scenario.montecarlo.threads);
    let problem = Problem::from_scenario(scenario)?;
    attach(dir, &problem, seed)?;
    show_progress(!opts.quiet);
    let mut solver = AbcSmc {
        settings: scenario.calibration.abc.clone(),
    };
    let pool = crate::ensemble::pool(threads).map_err(|e| Error::Other(e.to_string()))?;
    let _ = take_wait();
    let run = pool.install(|| -> Result<()> {
        let mut state: AbcState = if has_checkpoint {
            let cp: Checkpoint<AbcState> = checkpoint::load(dir)?;
            let why = if cp.method != solver.name() {
                Some(format!("is of method `{}`, not `abc`", cp.method))
            } else if cp.seed != seed {
                Some(format!("was made with seed {}, not {seed}", cp.seed))
            } else if cp.fingerprint != problem.fingerprint() {
                Some("belongs to a different scenario, data, parameters or targets".into())
            } else {
                None
            };
            if let Some(why) = why {
                return Err(Error::Other(format!(
                    "{}: the checkpoint {why}",
                    dir.join(checkpoint::FILE).display()
                )));
            }
            solver.resumed(cp.state)
        } else {
            solver.init(&problem, seed)?
        };
        while solver.terminate(&state).is_none() {
            state = solver.next(&problem, state, seed)?;
        }
        Ok(())
    });
    *lock() = None;
    let wait = take_wait();
    match (run, wait) {
        (Err(_), Some(w)) => Ok(ShardReport { wait: Some(w) }),
        (Err(e), None) => Err(e),
        (Ok(()), _) => Ok(ShardReport { wait: None }),
    }
}
