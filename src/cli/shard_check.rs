//! The consistency of shard directories: every field of a `shard.json` checked against the
//! others, the shards of one command against each other, and the recorded scenario and seed
//! against the ones the merge resolves. A `shard.json` that contradicts itself, its siblings or
//! the scenario is refused, naming the file and the field, before anything is written.

use super::shard::ShardManifest;
use crate::ensemble::shard::{self, Mode, ShardSpec};
use crate::error::{Error, Result};
use crate::report::files::sha256_bytes;
use crate::report::manifest::Engine;
use std::path::{Path, PathBuf};

/// The commands that shard (`--shard K/N`).
pub const SHARDED_COMMANDS: [&str; 5] = ["run", "compare", "sweep", "sensitivity", "hypotheses"];

/// Flags a recorded command never holds: the shard writes them out of it (`--shard`,
/// `--threads`, `--out`) or they cannot be sharded (`--from`).
const NOT_RECORDED: [&str; 4] = ["--shard", "--threads", "--out", "--from"];

fn damaged(path: &Path, field: &str, why: String) -> Error {
    Error::Other(format!(
        "{}: `{field}`: {why}: the file is damaged or was edited",
        path.display()
    ))
}

/// Checks the fields of one `shard.json` (at `path`) against each other: the command is an
/// ensemble command whose name is `kind`, the seed is one the command line takes, the working
/// directory is absolute, the replicates of a `run` shard are its share of the replicates,
/// and the files are listed once each with the ones a shard writes among them.
pub fn check_fields(path: &Path, m: &ShardManifest) -> Result<()> {
    if !SHARDED_COMMANDS.contains(&m.kind.as_str()) {
        let why = format!(
            "`{}` is not a command that shards (one of {})",
            m.kind,
            SHARDED_COMMANDS.join(", ")
        );
        return Err(damaged(path, "kind", why));
    }
    if m.command.first() != Some(&m.kind) {
        let first = m.command.first().map_or("nothing", String::as_str);
        let why = format!("starts with `{first}`, but the shard is of `{}`", m.kind);
        return Err(damaged(path, "command", why));
    }
    if let Some(a) = m.command.iter().find(|a| {
        NOT_RECORDED
            .iter()
            .any(|f| *a == f || a.starts_with(&format!("{f}=")))
    }) {
        return Err(damaged(path, "command", format!("holds `{a}`")));
    }
    if m.seed > i64::MAX as u64 {
        let why = format!("{} is above the largest seed, {}", m.seed, i64::MAX);
        return Err(damaged(path, "seed", why));
    }
    if !Path::new(&m.cwd).is_absolute() {
        let why = format!("`{}` is not an absolute directory", m.cwd);
        return Err(damaged(path, "cwd", why));
    }
    if m.scenarios_sha256.len() != 64 || !m.scenarios_sha256.bytes().all(|b| b.is_ascii_hexdigit())
    {
        let why = "is not a SHA-256 (64 hexadecimal digits)".to_string();
        return Err(damaged(path, "scenarios_sha256", why));
    }
    check_replicates(path, m)?;
    check_files(path, m)
}

/// A `run` shard records its replicates `[start, end)` and writes `values.f64`; the other
/// commands record neither.
fn check_replicates(path: &Path, m: &ShardManifest) -> Result<()> {
    match (m.kind == "run", m.replicates) {
        (true, None) => Err(damaged(path, "replicates", "missing for a run".into())),
        (false, Some(_)) => Err(damaged(
            path,
            "replicates",
            format!("given for `{}`, which records jobs", m.kind),
        )),
        (true, Some([a, b])) if a > b || b > crate::limits::REPLICATES => Err(damaged(
            path,
            "replicates",
            format!(
                "[{a}, {b}] is not a range of replicates (start <= end <= {})",
                crate::limits::REPLICATES
            ),
        )),
        _ => Ok(()),
    }
}

fn check_files(path: &Path, m: &ShardManifest) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for f in &m.files {
        if !seen.insert(f.path.as_str()) {
            let why = format!("`{}` is listed twice", f.path);
            return Err(damaged(path, "files", why));
        }
    }
    let wanted: &[&str] = if m.kind == "run" {
        &["jobs.txt", "values.f64"]
    } else {
        &["jobs.txt"]
    };
    for w in wanted {
        if !seen.contains(w) {
            return Err(damaged(path, "files", format!("`{w}` is not listed")));
        }
    }
    Ok(())
}

/// Checks the shards of one `run` (in shard order) against each other: shard K holds the
/// K-th block of the replicates (the blocks follow each other from replicate 0), and every
/// shard's `values.f64` holds whole replicates of one width.
pub fn check_run_blocks(dirs: &[PathBuf], ms: &[ShardManifest]) -> Result<()> {
    if ms.first().is_none_or(|m| m.kind != "run") {
        return Ok(());
    }
    // The replicates of the whole run: what the blocks hold together.
    let total: u64 = ms
        .iter()
        .map(|m| m.replicates.map_or(0, |[a, b]| b.saturating_sub(a)))
        .sum();
    let mut row: Option<(u64, &Path)> = None;
    for (d, m) in dirs.iter().zip(ms) {
        let path = d.join("shard.json");
        let [a, b] = m.replicates.unwrap_or_default();
        let spec = ShardSpec {
            index: m.index,
            count: m.count,
        };
        let (want_a, want_b) = spec.range(total);
        if (a, b) != (want_a, want_b) {
            let why = format!(
                "[{a}, {b}] is not shard {spec}'s block of {total} replicates, \
                 [{want_a}, {want_b}]"
            );
            return Err(damaged(&path, "replicates", why));
        }
        let bytes = m
            .files
            .iter()
            .find(|f| f.path == "values.f64")
            .map_or(0, |f| f.bytes);
        let n = b - a;
        let this = bytes.checked_div(n);
        let whole = if n == 0 { bytes == 0 } else { bytes % n == 0 };
        let same = match (row, this) {
            (Some((r, _)), Some(t)) => r == t,
            _ => true,
        };
        if !whole || !same || this.is_some_and(|t| t == 0 || t % 8 != 0) {
            let first = row.map_or(String::new(), |(_, p)| format!(" (as in {})", p.display()));
            let why = format!(
                "values.f64 holds {bytes} bytes, not {n} whole replicates of one width{first}"
            );
            return Err(damaged(&path, "files", why));
        }
        if let (None, Some(t)) = (row, this) {
            row = Some((t, d));
        }
    }
    Ok(())
}

/// Refuses shards made by another engine (version or commit): their recorded results would
/// be presented as this engine's.
pub fn check_engine(dir: &Path, m: &ShardManifest) -> Result<()> {
    let here = Engine::current();
    if m.engine == here {
        return Ok(());
    }
    Err(Error::Other(format!(
        "{}: made by wecare {} (commit {}); this is wecare {} (commit {}): merge the shards \
         with the engine that made them",
        dir.join("shard.json").display(),
        m.engine.version,
        m.engine.git_commit,
        here.version,
        here.git_commit
    )))
}

/// When this process merges shards (`wecare merge`), checks that the command resolved the
/// scenario(s) (`tomls`, as [`super::common::shard_toml`] writes them) and master seed the
/// shards recorded, so no recorded result is put into a run of another scenario; does
/// nothing otherwise. Called before anything is written.
pub fn check_replayed(kind: &str, tomls: &[String], seed: u64) -> Result<()> {
    let Mode::Replay(r) = shard::mode() else {
        return Ok(());
    };
    let r = r.lock().unwrap_or_else(|e| e.into_inner());
    let Some(e) = &r.expected else {
        return Ok(());
    };
    let field = if e.kind != kind {
        Some((
            "kind",
            format!("the shards are of `{}`, not `{kind}`", e.kind),
        ))
    } else if e.seed != seed {
        Some((
            "seed",
            format!(
                "the shards used seed {}, the command now resolves seed {seed}",
                e.seed
            ),
        ))
    } else if e.scenarios_sha256 != sha256_bytes(tomls.concat().as_bytes()) {
        Some((
            "scenarios_sha256",
            "the scenario changed since the shards were made (or the file \
             was edited): run the shards again"
                .to_string(),
        ))
    } else {
        None
    };
    match field {
        None => Ok(()),
        Some((f, why)) => Err(Error::Other(format!("{}: `{f}`: {why}", e.origin))),
    }
}
