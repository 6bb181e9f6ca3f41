//! Sharding: one machine's share of an ensemble's jobs (`--shard K/N`), the record of the jobs
//! a shard computed, and replaying those records when the shards are merged.
//!
//! Every parallel stage of a command is a list of jobs numbered from 0 (replicates, designs x
//! replicates, parameter points). Shard K of N computes the K-th of N contiguous, near-equal
//! blocks of every stage and records each job's result exactly (floats by their bits). The
//! merge runs the same command again with the recorded results in place of the simulations,
//! so every table it writes is byte-identical to the unsharded run's.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

/// Shard K of N (K from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    /// This shard, 1..=count.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl ShardSpec {
    /// The jobs `start..end` of a stage of `jobs` jobs that this shard computes.
    pub fn range(&self, jobs: u64) -> (u64, u64) {
        let cut = |k: u64| ((jobs as u128 * k as u128) / self.count as u128) as u64;
        (cut(self.index - 1), cut(self.index))
    }
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for ShardSpec {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<ShardSpec, String> {
        let bad = || format!("`{s}`: write a shard as K/N with 1 <= K <= N, e.g. 2/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        if let Some(m) = crate::limits::exceeds(count, crate::limits::SHARDS) {
            return Err(format!("`{s}`: the shard count {m}"));
        }
        Ok(ShardSpec { index, count })
    }
}

/// A job result that a shard can record exactly and a merge can read back.
pub trait Record: Sized {
    /// Appends the result as space-separated tokens.
    fn encode(&self, out: &mut String);
    /// Reads a result written by [`Record::encode`].
    fn decode(tokens: &mut Tokens<'_>) -> Option<Self>;
    /// A stand-in of the same shape as `like`, for a job another shard computes (NaN values).
    fn placeholder(like: &Self) -> Self;
}

/// The tokens of one recorded job.
pub struct Tokens<'a>(std::str::SplitAsciiWhitespace<'a>);

impl<'a> Tokens<'a> {
    /// The tokens of `s`.
    pub fn new(s: &'a str) -> Self {
        Tokens(s.split_ascii_whitespace())
    }
    /// The next token.
    pub fn word(&mut self) -> Option<&'a str> {
        self.0.next()
    }
    fn count(&mut self) -> Option<usize> {
        self.word()?.parse().ok()
    }
    fn float(&mut self) -> Option<f64> {
        u64::from_str_radix(self.word()?, 16)
            .ok()
            .map(f64::from_bits)
    }
    /// Whether every token was read.
    pub fn is_empty(&mut self) -> bool {
        self.0.next().is_none()
    }
}

fn put_float(out: &mut String, v: f64) {
    out.push_str(&format!(" {:016x}", v.to_bits()));
}

impl Record for f64 {
    fn encode(&self, out: &mut String) {
        put_float(out, *self);
    }
    fn decode(t: &mut Tokens<'_>) -> Option<Self> {
        t.float()
    }
    fn placeholder(_: &Self) -> Self {
        f64::NAN
    }
}

impl<const N: usize> Record for [f64; N] {
    fn encode(&self, out: &mut String) {
        for v in self {
            put_float(out, *v);
        }
    }
    fn decode(t: &mut Tokens<'_>) -> Option<Self> {
        let mut a = [0.0; N];
        for v in &mut a {
            *v = t.float()?;
        }
        Some(a)
    }
    fn placeholder(_: &Self) -> Self {
        [f64::NAN; N]
    }
}

impl<T: Record> Record for Vec<T> {
    fn encode(&self, out: &mut String) {
        out.push_str(&format!(" {}", self.len()));
        for x in self {
            x.encode(out);
        }
    }
    fn decode(t: &mut Tokens<'_>) -> Option<Self> {
        let n = t.count()?;
        (0..n).map(|_| T::decode(t)).collect()
    }
    fn placeholder(like: &Self) -> Self {
        like.iter().map(T::placeholder).collect()
    }
}

impl<A: Record, B: Record> Record for (A, B) {
    fn encode(&self, out: &mut String) {
        self.0.encode(out);
        self.1.encode(out);
    }
    fn decode(t: &mut Tokens<'_>) -> Option<Self> {
        Some((A::decode(t)?, B::decode(t)?))
    }
    fn placeholder(like: &Self) -> Self {
        (A::placeholder(&like.0), B::placeholder(&like.1))
    }
}

impl<T: Record> Record for Result<T> {
    fn encode(&self, out: &mut String) {
        match self {
            Ok(x) => {
                out.push_str(" ok");
                x.encode(out);
            }
            // The message, on one line, ends the record.
            Err(e) => out.push_str(&format!(" err {}", e.to_string().replace('\n', " "))),
        }
    }
    fn decode(t: &mut Tokens<'_>) -> Option<Self> {
        match t.word()? {
            "ok" => T::decode(t).map(Ok),
            "err" => {
                let words: Vec<&str> = t.0.by_ref().collect();
                Some(Err(Error::Other(words.join(" "))))
            }
            _ => None,
        }
    }
    fn placeholder(like: &Self) -> Self {
        match like {
            Ok(x) => Ok(T::placeholder(x)),
            Err(e) => Err(Error::Other(e.to_string())),
        }
    }
}

/// One parallel stage as a shard saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageInfo {
    /// The stage's label.
    pub label: String,
    /// Jobs in the stage (all shards together).
    pub jobs: u64,
}

/// The jobs a shard computed, stage by stage.
#[derive(Debug, Default)]
pub struct ShardLog {
    /// Every stage met, in order.
    pub stages: Vec<StageInfo>,
    /// `stage job tokens...`, one line per computed job.
    pub lines: Vec<String>,
}

/// Recorded results to replay: (stage, job) -> tokens.
#[derive(Debug, Default)]
pub struct Replay {
    /// The stages, as every shard recorded them.
    pub stages: Vec<StageInfo>,
    /// The recorded jobs.
    pub jobs: HashMap<(usize, u64), String>,
    /// The next stage to replay.
    pub next_stage: usize,
    /// The shard directories in shard order (`run` reads its replicate values from them).
    pub blocks: Vec<std::path::PathBuf>,
    /// What the shards recorded of the command, checked against what the merge resolves.
    pub expected: Option<Recorded>,
}

/// What a set of shards recorded of its command: checked, when merging, against the scenario
/// and seed the command resolves.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// The command (`run`, `compare`, ...).
    pub kind: String,
    /// Master seed.
    pub seed: u64,
    /// SHA-256 of the resolved scenario(s).
    pub scenarios_sha256: String,
    /// The first shard's `shard.json`, to name in errors.
    pub origin: String,
}

impl Replay {
    /// Adds the lines of a shard's job file; `origin` names it in errors. Fails on a line that
    /// does not parse or on a job recorded twice.
    pub fn add_lines(&mut self, text: &str, origin: &str) -> Result<()> {
        for (i, line) in text.lines().enumerate() {
            let bad = |why: &str| Error::Other(format!("{origin}, line {}: {why}", i + 1));
            let mut parts = line.splitn(3, ' ');
            let stage: usize = parts
                .next()
                .and_then(|x| x.parse().ok())
                .ok_or_else(|| bad("no stage number"))?;
            let job: u64 = parts
                .next()
                .and_then(|x| x.parse().ok())
                .ok_or_else(|| bad("no job number"))?;
            if stage >= self.stages.len() || job >= self.stages[stage].jobs {
                return Err(bad("the job is outside the recorded stages"));
            }
            let rest = parts.next().unwrap_or("").to_string();
            if self.jobs.insert((stage, job), rest).is_some() {
                return Err(bad("the job is recorded twice"));
            }
        }
        Ok(())
    }

    /// The first job missing, if any: (stage, job).
    pub fn missing(&self) -> Option<(usize, u64)> {
        self.stages.iter().enumerate().find_map(|(s, st)| {
            (0..st.jobs)
                .find(|j| !self.jobs.contains_key(&(s, *j)))
                .map(|j| (s, j))
        })
    }
}

/// How the ensembles of this process share their work.
#[derive(Debug)]
pub enum Mode {
    /// Every job here.
    All,
    /// This shard's jobs only, recorded.
    Shard(ShardSpec, Mutex<ShardLog>),
    /// Recorded jobs instead of simulations.
    Replay(Mutex<Replay>),
}

static MODE: OnceLock<Mode> = OnceLock::new();
static ALL: Mode = Mode::All;

/// Sets the mode of this process, once, before any ensemble runs (the command line does it
/// for `--shard` and `wecare merge`). Fails if already set.
pub fn set_mode(mode: Mode) -> Result<()> {
    MODE.set(mode)
        .map_err(|_| Error::Other("the shard mode is already set".into()))
}

/// The mode of this process ([`Mode::All`] unless set).
pub fn mode() -> &'static Mode {
    MODE.get().unwrap_or(&ALL)
}

/// The shard this process computes, if any.
pub fn active() -> Option<ShardSpec> {
    match mode() {
        Mode::Shard(s, _) => Some(*s),
        _ => None,
    }
}

/// The shard directories being merged, in shard order (empty unless merging).
pub fn replay_blocks() -> Vec<std::path::PathBuf> {
    match mode() {
        Mode::Replay(r) => r.lock().unwrap_or_else(|e| e.into_inner()).blocks.clone(),
        _ => Vec::new(),
    }
}

/// Takes the log of this shard's jobs (empty when not a shard).
pub fn take_log() -> ShardLog {
    match mode() {
        Mode::Shard(_, log) => std::mem::take(&mut *log.lock().unwrap_or_else(|e| e.into_inner())),
        _ => ShardLog::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_cover_the_jobs() {
        let s: ShardSpec = "2/4".parse().unwrap();
        assert_eq!(s, ShardSpec { index: 2, count: 4 });
        for bad in ["0/4", "5/4", "1", "a/b", "1/0"] {
            assert!(bad.parse::<ShardSpec>().is_err(), "{bad}");
        }
        for jobs in [0u64, 1, 3, 10, 101] {
            let mut next = 0;
            for k in 1..=4 {
                let (a, b) = ShardSpec { index: k, count: 4 }.range(jobs);
                assert_eq!(a, next);
                assert!(b >= a && b - a <= jobs / 4 + 1);
                next = b;
            }
            assert_eq!(next, jobs);
        }
    }

    #[test]
    fn records_round_trip_bit_for_bit() {
        let v: Vec<Vec<f64>> = vec![vec![1.5, f64::NAN, -0.0], vec![], vec![f64::INFINITY]];
        let mut s = String::new();
        v.encode(&mut s);
        let back = Vec::<Vec<f64>>::decode(&mut Tokens::new(&s)).unwrap();
        let bits = |v: &Vec<Vec<f64>>| -> Vec<Vec<u64>> {
            v.iter()
                .map(|r| r.iter().map(|x| x.to_bits()).collect())
                .collect()
        };
        assert_eq!(bits(&back), bits(&v));
        let r: Result<Vec<[f64; 3]>> = Err(Error::Other("no such parameter".into()));
        let mut s = String::new();
        r.encode(&mut s);
        let back = Result::<Vec<[f64; 3]>>::decode(&mut Tokens::new(&s)).unwrap();
        assert_eq!(back.unwrap_err().to_string(), "no such parameter");
    }

    #[test]
    fn replay_finds_missing_and_repeated_jobs() {
        let mut r = Replay {
            stages: vec![StageInfo {
                label: "x".into(),
                jobs: 3,
            }],
            ..Replay::default()
        };
        r.add_lines("0 0 1 0000000000000000\n0 2 0", "a").unwrap();
        assert_eq!(r.missing(), Some((0, 1)));
        let e = r.add_lines("0 2 0", "b").unwrap_err().to_string();
        assert!(e.contains("b, line 1") && e.contains("twice"), "{e}");
    }
}
