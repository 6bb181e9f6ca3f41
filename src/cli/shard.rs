//! Shard directories: what `--shard K/N` leaves behind (`shard.json` and the shard's job
//! records), and the checks `wecare merge` makes before it puts shards together.

use crate::ensemble::shard::{self, Mode, Recorded, Replay, ShardSpec, StageInfo};
use crate::error::{Error, Result};
use crate::experiment::record::split_command;
use crate::report::files::{FileRecord, sha256_bytes, sha256_file, write_recorded};
use crate::report::manifest::Engine;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The format of `shard.json`.
pub const SHARD_FORMAT: &str = "wecare-shard/1";

/// One stage of a shard's command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRecord {
    /// The stage's label.
    pub label: String,
    /// Jobs in the stage, all shards together.
    pub jobs: u64,
}

/// `shard.json`: which share of which command a shard directory holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardManifest {
    /// Always [`SHARD_FORMAT`].
    pub format: String,
    /// The command (`run`, `compare`, `sweep`, `sensitivity`, `hypotheses`).
    pub kind: String,
    /// Its arguments, without `--shard`, `--threads` and `--out`.
    pub command: Vec<String>,
    /// The working directory the command ran in (its paths are relative to it).
    pub cwd: String,
    /// The results root it was given (`--out`), if any.
    pub out: Option<String>,
    /// This shard, 1-based.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
    /// The engine.
    pub engine: Engine,
    /// Master seed.
    pub seed: u64,
    /// SHA-256 of the resolved scenario(s) the command ran.
    pub scenarios_sha256: String,
    /// The parallel stages met, in order.
    pub stages: Vec<StageRecord>,
    /// For `run`: the replicates `[start, end)` of this shard.
    pub replicates: Option<[u64; 2]>,
    /// The files of the shard, with their checksums.
    pub files: Vec<FileRecord>,
    /// SHA-256 of this manifest itself ([`self_checksum`]); empty when not recorded.
    #[serde(default)]
    pub sha256: String,
}

/// Sorts the keys of every object of `v`, so that its compact form does not depend on the
/// order of the keys in a file.
fn canonical(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            let mut e: Vec<_> = m.iter().collect();
            e.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                e.into_iter()
                    .map(|(k, x)| (k.clone(), canonical(x)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        x => x.clone(),
    }
}

/// The SHA-256 a `shard.json` records of itself (its `sha256`): that of the JSON value of the
/// file without `sha256`, written compactly with the keys of every object in sorted order. It
/// does not depend on the layout of the file, and every field counts, unknown ones included.
pub fn self_checksum(v: &serde_json::Value) -> String {
    let mut v = canonical(v);
    if let Some(m) = v.as_object_mut() {
        m.remove("sha256");
    }
    sha256_bytes(v.to_string().as_bytes())
}

/// Checks the `sha256` of the `shard.json` at `path`, whose text is `text`.
fn check_self_checksum(path: &Path, text: &str, recorded: &str) -> Result<()> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
    let why = if recorded.is_empty() {
        "missing: the file was written by an older engine, or edited"
    } else if self_checksum(&v) != recorded {
        "the checksum of the file differs from its contents: the file is damaged or was edited"
    } else {
        return Ok(());
    };
    Err(Error::Other(format!("{}: `sha256`: {why}", path.display())))
}

/// This process's arguments without the program name, `--shard`, `--threads` and `--out`
/// (and their values); and `--out`.
fn recorded_command() -> (Vec<String>, Option<String>) {
    // The thread count changes no result; the merge uses the scenario's.
    split_command(std::env::args().skip(1), &["--shard", "--threads"], &[])
}

/// The name of shard `spec`'s directory for command `kind`.
pub fn shard_dir_name(kind: &str, spec: ShardSpec) -> String {
    format!("{kind}-shard-{}-of-{}", spec.index, spec.count)
}

/// Writes this process's shard directory `<root>/<kind>-shard-K-of-N/`: the job records (or,
/// for `run`, the replicate values) and `shard.json`. Written under a temporary name and
/// renamed; never replaces an existing directory. Returns its path.
pub fn write_shard(
    kind: &str,
    root: &Path,
    scenario_tomls: &[String],
    seed: u64,
    run_block: Option<([u64; 2], &[f64])>,
) -> Result<PathBuf> {
    let spec =
        shard::active().ok_or_else(|| Error::Other("internal: not running as a shard".into()))?;
    let dest = root.join(shard_dir_name(kind, spec));
    if dest.exists() {
        return Err(Error::Other(format!(
            "{}: already exists; give another --out or remove it",
            dest.display()
        )));
    }
    let tmp = root.join(format!(".{}.partial", shard_dir_name(kind, spec)));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let log = shard::take_log();
    let mut files = Vec::new();
    files.push(write_recorded(&tmp, "jobs.txt", "jobs", |w| {
        for line in &log.lines {
            writeln!(w, "{line}")?;
        }
        Ok(())
    })?);
    if let Some((_, values)) = run_block {
        files.push(write_recorded(
            &tmp,
            "values.f64",
            "replicate values",
            |w| {
                // Little-endian f64, replicate by replicate, in the run's column order.
                for chunk in values.chunks(1 << 14) {
                    let bytes: Vec<u8> = chunk.iter().flat_map(|v| v.to_le_bytes()).collect();
                    w.write_all(&bytes)?;
                }
                Ok(())
            },
        )?);
    }
    let (command, out) = recorded_command();
    let cwd = std::env::current_dir().map_err(|e| Error::io(Path::new("."), e))?;
    let mut manifest = ShardManifest {
        format: SHARD_FORMAT.into(),
        kind: kind.into(),
        command,
        cwd: cwd.display().to_string(),
        out,
        index: spec.index,
        count: spec.count,
        engine: Engine::current(),
        seed,
        scenarios_sha256: sha256_bytes(scenario_tomls.concat().as_bytes()),
        stages: log
            .stages
            .iter()
            .map(|s| StageRecord {
                label: s.label.clone(),
                jobs: s.jobs,
            })
            .collect(),
        replicates: run_block.map(|(r, _)| r),
        files,
        sha256: String::new(),
    };
    let value =
        serde_json::to_value(&manifest).map_err(|e| Error::Other(format!("shard.json: {e}")))?;
    manifest.sha256 = self_checksum(&value);
    let json = serde_json::to_string_pretty(&manifest)
        .map_err(|e| Error::Other(format!("shard.json: {e}")))?;
    let path = tmp.join("shard.json");
    std::fs::write(&path, json + "\n").map_err(|e| Error::io(&path, e))?;
    std::fs::rename(&tmp, &dest).map_err(|e| Error::io(&dest, e))?;
    Ok(dest)
}

/// Reads and checks a shard directory: `shard.json` parses and every file it lists has its
/// recorded checksum.
pub fn read_shard(dir: &Path) -> Result<ShardManifest> {
    let path = dir.join("shard.json");
    let text = crate::input::read_to_string(&path).map_err(|e| {
        Error::Other(format!(
            "{}: not a shard directory (cannot read shard.json: {e})",
            dir.display()
        ))
    })?;
    let m: ShardManifest = serde_json::from_str(&text)
        .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
    if m.format != SHARD_FORMAT {
        return Err(Error::Other(format!(
            "{}: format `{}`, this engine reads `{SHARD_FORMAT}`",
            path.display(),
            m.format
        )));
    }
    if m.index == 0 || m.index > m.count || m.count > crate::limits::SHARDS {
        return Err(Error::Other(format!(
            "{}: shard {}/{} is not a shard K/N with 1 <= K <= N <= {}: the file is damaged",
            path.display(),
            m.index,
            m.count,
            crate::limits::SHARDS
        )));
    }
    for f in &m.files {
        let inside = Path::new(&f.path)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !inside || f.path.is_empty() {
            return Err(Error::Other(format!(
                "{}: file `{}` is not a path inside the shard directory: the file is damaged",
                path.display(),
                f.path
            )));
        }
        let p = dir.join(&f.path);
        let (bytes, sha) = sha256_file(&p).map_err(|e| Error::io(&p, e))?;
        if bytes != f.bytes || sha != f.sha256 {
            return Err(Error::Other(format!(
                "{}: its checksum differs from the one in shard.json: the shard is damaged",
                p.display()
            )));
        }
    }
    super::shard_check::check_fields(&path, &m)?;
    check_self_checksum(&path, &text, &m.sha256)?;
    Ok(m)
}

/// Shards that belong together, in shard order.
#[derive(Debug)]
pub struct ShardSet {
    /// The directories, shard 1 first.
    pub dirs: Vec<PathBuf>,
    /// Their manifests, in the same order.
    pub manifests: Vec<ShardManifest>,
}

/// Reads the shard directories and checks that they belong together (same command,
/// scenario, engine, seed and shard count), are disjoint and complete. Errors name the shard.
pub fn check_shards(dirs: &[PathBuf]) -> Result<ShardSet> {
    if dirs.is_empty() {
        return Err(Error::Other("give the shard directories to merge".into()));
    }
    let ms: Vec<ShardManifest> = dirs.iter().map(|d| read_shard(d)).collect::<Result<_>>()?;
    let (d0, m0) = (&dirs[0], &ms[0]);
    super::shard_check::check_engine(d0, m0)?;
    for (d, m) in dirs.iter().zip(&ms).skip(1) {
        let differs = |what: &str| {
            Error::Other(format!(
                "{}: not a shard of the same run as {} ({what} differs)",
                d.display(),
                d0.display()
            ))
        };
        if m.engine != m0.engine {
            return Err(differs("engine version or commit"));
        }
        if m.seed != m0.seed {
            return Err(differs("seed"));
        }
        if m.scenarios_sha256 != m0.scenarios_sha256 {
            return Err(differs("scenario"));
        }
        if m.count != m0.count {
            return Err(differs("shard count"));
        }
        if m.kind != m0.kind || m.command != m0.command {
            return Err(differs("command"));
        }
        if m.stages != m0.stages {
            return Err(differs("work plan"));
        }
        // The merge runs the command from the first shard's directory, below its results
        // root: every shard must have recorded the same.
        if m.cwd != m0.cwd {
            return Err(differs("working directory `cwd`"));
        }
        if m.out != m0.out {
            return Err(differs("results root `out`"));
        }
    }
    let mut slot: Vec<Option<usize>> = vec![None; m0.count as usize];
    for (i, m) in ms.iter().enumerate() {
        let s = &mut slot[(m.index - 1) as usize];
        if let Some(j) = *s {
            return Err(Error::Other(format!(
                "shard {}/{} given twice: {} and {}",
                m.index,
                m.count,
                dirs[j].display(),
                dirs[i].display()
            )));
        }
        *s = Some(i);
    }
    let missing: Vec<String> = slot
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(k, _)| format!("{}/{}", k + 1, m0.count))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Other(format!(
            "shard {} missing (the shards given are of {} `{}`)",
            missing.join(", "),
            m0.kind,
            m0.command.join(" ")
        )));
    }
    let order: Vec<usize> = slot.into_iter().flatten().collect();
    let set = ShardSet {
        dirs: order.iter().map(|&i| dirs[i].clone()).collect(),
        manifests: order.iter().map(|&i| ms[i].clone()).collect(),
    };
    super::shard_check::check_run_blocks(&set.dirs, &set.manifests)?;
    Ok(set)
}

/// The recorded jobs of a complete set of shards, ready to replay.
pub fn replay(set: &ShardSet) -> Result<Replay> {
    let mut r = Replay {
        stages: set.manifests[0]
            .stages
            .iter()
            .map(|s| StageInfo {
                label: s.label.clone(),
                jobs: s.jobs,
            })
            .collect(),
        blocks: set.dirs.clone(),
        expected: Some(Recorded {
            kind: set.manifests[0].kind.clone(),
            seed: set.manifests[0].seed,
            scenarios_sha256: set.manifests[0].scenarios_sha256.clone(),
            origin: set.dirs[0].join("shard.json").display().to_string(),
        }),
        ..Replay::default()
    };
    for d in &set.dirs {
        let p = d.join("jobs.txt");
        let text = crate::input::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
        r.add_lines(&text, &p.display().to_string())?;
    }
    if let Some((s, j)) = r.missing() {
        return Err(Error::Other(format!(
            "job {j} of stage `{}` is in no shard",
            r.stages[s].label
        )));
    }
    Ok(r)
}

/// Starts this process as shard `spec` (before any ensemble runs).
pub fn start(spec: Option<ShardSpec>) -> Result<()> {
    match spec {
        Some(s) => shard::set_mode(Mode::Shard(s, Default::default())),
        None => Ok(()),
    }
}
