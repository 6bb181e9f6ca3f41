//! Methods as solvers, one executor loop: a method implements [`Solver`] (`init`, `next`,
//! `terminate` over a state it takes and hands back), and the [`Executor`] owns the loop,
//! the thread pool, checkpoints after every step, resuming and progress reports, as argmin
//! separates solvers from its executor. A new method is one file implementing the trait.

use super::checkpoint::{self, Checkpoint, Session};
use super::problem::Problem;
use crate::error::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

/// A calibration method.
pub trait Solver: Send {
    /// Everything the method needs to continue from where it stopped; checkpointed as JSON.
    type State: Clone + Send + Serialize + DeserializeOwned;

    /// Method name (`abc`, `smm`), written in checkpoints and outputs.
    fn name(&self) -> &'static str;

    /// The first state (for ABC-SMC, the prior sample; for the method of moments, phase 1).
    fn init(&mut self, problem: &Problem, seed: u64) -> Result<Self::State>;

    /// One more generation or phase.
    fn next(&mut self, problem: &Problem, state: Self::State, seed: u64) -> Result<Self::State>;

    /// Why the method stops at this state, or `None` to go on.
    fn terminate(&self, state: &Self::State) -> Option<String>;

    /// A one-line progress report of the last step.
    fn progress(&self, state: &Self::State) -> String;

    /// Simulations run so far.
    fn simulations(&self, state: &Self::State) -> u64;

    /// A state read from a checkpoint, before the loop goes on: a method whose stopping rules
    /// may be relaxed on resuming judges it again (default: as it is).
    fn resumed(&self, state: Self::State) -> Self::State {
        state
    }
}

/// How a calibration ended.
#[derive(Debug, Clone)]
pub struct Outcome<S> {
    /// The final state.
    pub state: S,
    /// Why it stopped.
    pub reason: String,
    /// Wall time of this session (a resumed calibration counts only its own part).
    pub wall_seconds: f64,
    /// Simulations run in this session.
    pub simulations: u64,
    /// Worker threads used.
    pub threads: usize,
    /// Every session of the calibration, this one last (more than one after a resume).
    pub sessions: Vec<Session>,
}

/// Runs a solver on a problem: the loop, threads, checkpoints and progress.
pub struct Executor<'a, S: Solver> {
    solver: S,
    problem: &'a Problem,
    seed: u64,
    threads: usize,
    checkpoint_dir: Option<PathBuf>,
    resume: bool,
    observer: Box<dyn FnMut(&str) + 'a>,
}

impl<'a, S: Solver> Executor<'a, S> {
    /// An executor with master seed `seed` on `threads` worker threads (0: one per core);
    /// results do not depend on the thread count.
    pub fn new(solver: S, problem: &'a Problem, seed: u64, threads: usize) -> Self {
        Executor {
            solver,
            problem,
            seed,
            threads,
            checkpoint_dir: None,
            resume: false,
            observer: Box::new(|_| {}),
        }
    }

    /// Writes a checkpoint into `dir` after every step; with `resume`, starts from the
    /// checkpoint already there.
    pub fn checkpoints(mut self, dir: PathBuf, resume: bool) -> Self {
        self.checkpoint_dir = Some(dir);
        self.resume = resume;
        self
    }

    /// Calls `f` with a progress line after every step.
    pub fn observe(mut self, f: impl FnMut(&str) + 'a) -> Self {
        self.observer = Box::new(f);
        self
    }

    /// Runs to termination.
    pub fn run(mut self) -> Result<Outcome<S::State>> {
        let threads = match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            t => t,
        };
        let pool = crate::ensemble::pool(threads).map_err(|e| Error::Other(e.to_string()))?;
        let clock = Instant::now();
        let started_utc = crate::report::utc_stamp(SystemTime::now());
        let fingerprint = self.problem.fingerprint();
        let method = self.solver.name().to_string();
        let seed = self.seed;
        let problem = self.problem;
        // The sessions before this one (after a resume), and this one so far.
        let mut past: Vec<Session> = Vec::new();
        let sessions = |past: &[Session], simulations: u64| -> Vec<Session> {
            let mut all = past.to_vec();
            all.push(Session {
                started_utc: started_utc.clone(),
                wall_seconds: clock.elapsed().as_secs_f64(),
                simulations,
                threads,
            });
            all
        };
        let save =
            |dir: &Option<PathBuf>, state: &S::State, sessions: Vec<Session>| -> Result<()> {
                match dir {
                    Some(d) => checkpoint::save(
                        d,
                        &Checkpoint {
                            method: method.clone(),
                            seed,
                            fingerprint: fingerprint.clone(),
                            state: state.clone(),
                            sessions,
                        },
                    ),
                    None => Ok(()),
                }
            };
        let mut first = 0;
        let mut state = match (&self.checkpoint_dir, self.resume) {
            (Some(dir), true) => {
                let cp = load_checkpoint::<S::State>(dir, &method, seed, &fingerprint)?;
                (self.observer)(&format!("resumed: {}", self.solver.progress(&cp.state)));
                first = self.solver.simulations(&cp.state);
                past = cp.sessions;
                self.solver.resumed(cp.state)
            }
            _ => {
                let s = pool.install(|| self.solver.init(problem, seed))?;
                let n = self.solver.simulations(&s);
                save(&self.checkpoint_dir, &s, sessions(&past, n))?;
                (self.observer)(&self.solver.progress(&s));
                s
            }
        };
        let reason = loop {
            if let Some(r) = self.solver.terminate(&state) {
                break r;
            }
            state = pool.install(|| self.solver.next(problem, state, seed))?;
            let n = self.solver.simulations(&state) - first;
            save(&self.checkpoint_dir, &state, sessions(&past, n))?;
            (self.observer)(&self.solver.progress(&state));
        };
        let simulations = self.solver.simulations(&state) - first;
        Ok(Outcome {
            sessions: sessions(&past, simulations),
            state,
            reason,
            wall_seconds: clock.elapsed().as_secs_f64(),
            simulations,
            threads,
        })
    }
}

/// The checkpoint in `dir`, which must be of this method, seed and problem (`fingerprint`).
fn load_checkpoint<T: DeserializeOwned>(
    dir: &std::path::Path,
    method: &str,
    seed: u64,
    fingerprint: &str,
) -> Result<Checkpoint<T>> {
    let (m, _) = checkpoint::peek(dir)?;
    if m != method {
        return Err(wrong_method(dir, &m, method));
    }
    let cp: Checkpoint<T> = checkpoint::load(dir)?;
    if cp.seed != seed {
        return Err(Error::Other(format!(
            "{}: the checkpoint was made with seed {}, not {seed}",
            dir.display(),
            cp.seed
        )));
    }
    if cp.fingerprint != fingerprint {
        return Err(Error::Other(format!(
            "{}: the checkpoint belongs to a different scenario, data, parameters or targets; a \
             calibration resumes only with the same ones",
            dir.display()
        )));
    }
    Ok(cp)
}

/// A resume with another method than the checkpoint's.
fn wrong_method(dir: &std::path::Path, recorded: &str, given: &str) -> Error {
    Error::Other(format!(
        "{}: this calibration was started with --method {recorded}; resume it with --method \
         {recorded}, or without --method (a resume keeps the method it started with), not with \
         --method {given}",
        dir.display()
    ))
}
