//! Run directories: written under a temporary name and renamed when complete, so an
//! interrupted run never leaves a directory that looks whole, and never overwriting.
//!
//! A run writes into `<root>/<scenario>/.<id>.partial/` and renames it to
//! `<root>/<scenario>/<id>/` as its last act. A run that fails, or panics, removes its partial
//! directory, and the command line removes it on Ctrl-C ([`abandon_unfinished`]), except one
//! kept for resuming; a run killed otherwise (SIGKILL, out of memory, power cut) leaves it
//! behind under its hidden `.partial` name, which no tool takes for a finished run and which
//! can be deleted.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

/// A run directory being written; removed again when dropped unfinished.
#[derive(Debug)]
pub struct RunDir {
    tmp: PathBuf,
    dest: PathBuf,
    id: String,
    done: bool,
    keep: bool,
}

/// A partial directory this process is writing.
#[derive(Debug)]
struct Open {
    tmp: PathBuf,
    /// Kept when the run stops unfinished (a resumable checkpoint).
    keep: bool,
    /// The directories above it that this run created, deepest first: removed with the
    /// partial directory while empty, so an interrupted first run leaves nothing behind.
    created: Vec<PathBuf>,
}

/// The partial directories this process is writing.
static OPEN: Mutex<Vec<Open>> = Mutex::new(Vec::new());

/// The run directories this process has finished (renamed to their final names).
static FINISHED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The run directories this process has finished so far, in order: for an interrupt handler
/// that arrives after the results are complete.
pub fn finished_runs() -> Vec<PathBuf> {
    FINISHED.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

fn open_dirs() -> MutexGuard<'static, Vec<Open>> {
    // A panic elsewhere while holding the lock leaves the list itself consistent.
    OPEN.lock().unwrap_or_else(|e| e.into_inner())
}

fn forget(open: &mut Vec<Open>, tmp: &Path) {
    open.retain(|o| o.tmp != tmp);
}

/// Removes `dirs` (deepest first) while they are empty.
fn remove_empty(dirs: &[PathBuf]) {
    for d in dirs {
        if std::fs::remove_dir(d).is_err() {
            break;
        }
    }
}

/// Removes an abandoned partial directory, and the directories above it that its run created
/// while they are empty (`remove_dir` refuses a non-empty directory).
fn discard(tmp: &Path, created: &[PathBuf]) {
    // A writer still running may add a file while the directory is removed (writers never
    // create the run directory again, see `files::write_recorded`): try again.
    for _ in 0..10 {
        if std::fs::remove_dir_all(tmp).is_ok() || !tmp.exists() {
            break;
        }
    }
    remove_empty(created);
}

/// Removes a partial directory kept for resuming (one that turned out to hold nothing to
/// resume), with the directories its run created; for an interrupt handler, after
/// [`abandon_unfinished`].
pub fn discard_kept(tmp: &Path) {
    let created = CREATED_FOR_KEPT
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|(t, _)| t == tmp)
        .map(|(_, c)| c.clone())
        .unwrap_or_default();
    discard(tmp, &created);
}

/// The directories created for each kept partial directory handed to the interrupt handler.
static CREATED_FOR_KEPT: Mutex<Vec<(PathBuf, Vec<PathBuf>)>> = Mutex::new(Vec::new());

/// Removes the partial directory of every unfinished run of this process that is not kept for
/// resuming, then calls `then` with the kept ones and the number removed (for an interrupt
/// handler: `then` reports them and exits). No run can finish, and so rename its directory,
/// until `then` returns.
pub fn abandon_unfinished<R>(then: impl FnOnce(&[PathBuf], usize) -> R) -> R {
    let mut open = open_dirs();
    let mut kept = Vec::new();
    let mut removed = 0;
    for o in open.drain(..) {
        if o.keep {
            CREATED_FOR_KEPT
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((o.tmp.clone(), o.created));
            kept.push(o.tmp);
        } else {
            discard(&o.tmp, &o.created);
            removed += 1;
        }
    }
    then(&kept, removed)
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let mut open = open_dirs();
        let created = open
            .iter()
            .find(|o| o.tmp == self.tmp)
            .map(|o| o.created.clone())
            .unwrap_or_default();
        forget(&mut open, &self.tmp);
        if !self.done && !self.keep {
            discard(&self.tmp, &created);
        }
    }
}

/// Creates `dir` (with the directories on the way) and then the first partial directory that
/// `candidate(k)`, for k = 1, 2, ..., offers (`(id, destination, partial)`, or `None` when
/// taken) and that does not exist yet, registered as open.
fn claim(
    dir: &Path,
    candidate: impl Fn(u64) -> Option<(String, PathBuf, PathBuf)>,
) -> std::io::Result<RunDir> {
    // The list is locked while the directories are made, so an interrupt either comes
    // before any of them exists or finds them listed (the directories on the way
    // included, which an interrupt between their creation and the partial directory's
    // would otherwise leave behind, empty).
    let mut open = open_dirs();
    // The missing directories on the way, deepest first.
    let created: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
        .map(Path::to_path_buf)
        .collect();
    if let Err(e) = std::fs::create_dir_all(dir) {
        remove_empty(&created);
        return Err(e);
    }
    for k in 1u64.. {
        let Some((id, dest, tmp)) = candidate(k) else {
            continue;
        };
        match std::fs::create_dir(&tmp) {
            Ok(()) => {
                open.push(Open {
                    tmp: tmp.clone(),
                    keep: false,
                    created,
                });
                return Ok(RunDir {
                    tmp,
                    dest,
                    id,
                    done: false,
                    keep: false,
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                remove_empty(&created);
                return Err(e);
            }
        }
    }
    unreachable!("an unbounded loop returns")
}

impl RunDir {
    /// Creates `<root>/<scenario>/.<id>.partial` for a new run id based on the UTC time; the
    /// final name `<root>/<scenario>/<id>` does not exist yet (a suffix `-2`, `-3`... is added
    /// when needed).
    pub fn create(root: &Path, scenario: &str) -> std::io::Result<RunDir> {
        Self::create_prefixed(root, scenario, "")
    }

    /// As [`RunDir::create`], with the run id prefixed (`compare-20261125-101500`), for the
    /// kinds of run that share a scenario's directory.
    pub fn create_prefixed(root: &Path, scenario: &str, prefix: &str) -> std::io::Result<RunDir> {
        let parent = root.join(sanitise(scenario));
        let stamp = utc_stamp(SystemTime::now());
        let prefix = if prefix.is_empty() {
            String::new()
        } else {
            format!("{}-", sanitise(prefix))
        };
        claim(&parent, |k| {
            let id = if k == 1 {
                format!("{prefix}{stamp}")
            } else {
                format!("{prefix}{stamp}-{k}")
            };
            let dest = parent.join(&id);
            let tmp = parent.join(format!(".{id}.partial"));
            (!dest.exists() && !tmp.exists()).then_some((id, dest, tmp))
        })
    }

    /// Reopens the partial directory `<parent>/.<id>.partial` of an interrupted run that can be
    /// resumed; it is kept when dropped unfinished.
    pub fn reopen(partial: &Path) -> std::io::Result<RunDir> {
        let invalid = |msg: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, msg);
        let id = partial
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix('.'))
            .and_then(|n| n.strip_suffix(".partial"))
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                invalid("not an unfinished run directory (those are named `.<id>.partial`)".into())
            })?;
        if !partial.is_dir() {
            return Err(invalid("no such directory".into()));
        }
        let dest = partial.with_file_name(id);
        if dest.exists() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} already exists; it cannot be replaced", dest.display()),
            ));
        }
        open_dirs().push(Open {
            tmp: partial.to_path_buf(),
            keep: true,
            created: Vec::new(),
        });
        Ok(RunDir {
            tmp: partial.to_path_buf(),
            dest,
            id: id.to_string(),
            done: false,
            keep: true,
        })
    }

    /// Keeps the partial directory when dropped unfinished (for runs that checkpoint and can
    /// resume from it).
    pub fn keep_unfinished(mut self) -> RunDir {
        self.keep = true;
        if let Some(e) = open_dirs().iter_mut().find(|o| o.tmp == self.tmp) {
            e.keep = true;
        }
        self
    }

    /// Where files go while the run is written.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// The final location.
    pub fn destination(&self) -> &Path {
        &self.dest
    }

    /// The run id: the final directory's name.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// A hidden partial directory `<dir>/.<label>.partial` (`-2`, `-3`... added when taken),
    /// for outputs that are files in a directory the user names (a generated data set, a
    /// panel's scenario) rather than a run directory of their own: they are written here and
    /// moved into `dir` by [`RunDir::finish_into_parent`]. `dir` is created when missing; on
    /// failure or interrupt the partial directory is removed as a run's is, with the
    /// directories this call created.
    pub fn staging(dir: &Path, label: &str) -> std::io::Result<RunDir> {
        claim(dir, |k| {
            let id = if k == 1 {
                label.to_string()
            } else {
                format!("{label}-{k}")
            };
            let tmp = dir.join(format!(".{id}.partial"));
            Some((id, dir.to_path_buf(), tmp))
        })
    }

    /// Moves the entries `names` (files or directories) of a [`RunDir::staging`] directory
    /// into its parent, replacing files of the same names, and removes the staging directory.
    /// An interrupt either removes the staging directory first or waits until every entry is
    /// in place, so the outputs appear together and whole.
    pub fn finish_into_parent(mut self, names: &[&str]) -> std::io::Result<PathBuf> {
        let mut open = open_dirs();
        self.still_open(&open)?;
        for n in names {
            let from = self.tmp.join(n);
            if from.exists() {
                std::fs::rename(&from, self.dest.join(n))?;
            }
        }
        std::fs::remove_dir_all(&self.tmp)?;
        Ok(self.finished(&mut open))
    }

    /// Renames the directory to its final name; fails rather than replace anything (and then
    /// removes the partial directory).
    pub fn finish(mut self) -> std::io::Result<PathBuf> {
        // Held through the rename, so an interrupt either removes the directory first or
        // finds the run finished.
        let mut open = open_dirs();
        self.still_open(&open)?;
        if self.dest.exists() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} already exists", self.dest.display()),
            ));
        }
        std::fs::rename(&self.tmp, &self.dest)?;
        Ok(self.finished(&mut open))
    }

    /// An error when an interrupt has abandoned (and removed) the partial directory.
    fn still_open(&self, open: &[Open]) -> std::io::Result<()> {
        if open.iter().any(|o| o.tmp == self.tmp) {
            return Ok(());
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::Interrupted,
            format!("{} was abandoned", self.tmp.display()),
        ))
    }

    /// Marks the run finished once its outputs are in place: no longer open, listed as
    /// finished; returns the final location.
    fn finished(&mut self, open: &mut Vec<Open>) -> PathBuf {
        forget(open, &self.tmp);
        FINISHED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(self.dest.clone());
        self.done = true;
        self.dest.clone()
    }
}

/// A directory name from a scenario name: characters other than letters, digits, `-`, `_`
/// and `.` become `_`, at most [`NAME_CHARS`] characters are kept (a file name has at most
/// 255 bytes), and a name that is empty or starts with `.` gets a `scenario` prefix.
fn sanitise(name: &str) -> String {
    let s: String = name
        .chars()
        .take(NAME_CHARS)
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with('.') {
        format!("scenario{s}")
    } else {
        s
    }
}

/// Most characters of a scenario name kept in a directory name: with up to 4 bytes each,
/// the name and the run id's prefixes stay below the 255 bytes of a file name.
const NAME_CHARS: usize = 60;

/// `YYYYMMDD-HHMMSS` in UTC.
pub fn utc_stamp(t: SystemTime) -> String {
    let (y, m, d, hh, mm, ss) = civil(t);
    format!("{y:04}{m:02}{d:02}-{hh:02}{mm:02}{ss:02}")
}

/// ISO 8601 in UTC, `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso_utc(t: SystemTime) -> String {
    let (y, m, d, hh, mm, ss) = civil(t);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

/// Year, month, day, hour, minute, second in UTC.
fn civil(t: SystemTime) -> (i64, i64, i64, u64, u64, u64) {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_long_scenario_name_makes_a_short_directory_name() {
        assert_eq!(sanitise("a/b c"), "a_b_c");
        assert_eq!(sanitise(".x"), "scenario.x");
        let long = sanitise(&"é".repeat(1000));
        assert_eq!(long.chars().count(), NAME_CHARS);
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::create(dir.path(), &"n".repeat(300)).unwrap();
        assert!(run.path().exists());
    }

    #[test]
    fn stamp_known_dates() {
        assert_eq!(utc_stamp(UNIX_EPOCH), "19700101-000000");
        let t = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        assert_eq!(utc_stamp(t), "20261118-110640");
        assert_eq!(iso_utc(t), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn unfinished_directory_is_removed_when_dropped() {
        let root = tempfile::tempdir().unwrap();
        let a = RunDir::create(root.path(), "s").unwrap();
        let tmp = a.path().to_path_buf();
        std::fs::write(tmp.join("x"), "y").unwrap();
        drop(a);
        assert!(!tmp.exists());
    }

    #[test]
    fn kept_directory_survives_and_reopens() {
        let root = tempfile::tempdir().unwrap();
        let a = RunDir::create_prefixed(root.path(), "s", "abc")
            .unwrap()
            .keep_unfinished();
        assert!(a.id().starts_with("abc-"));
        let tmp = a.path().to_path_buf();
        let dest = a.destination().to_path_buf();
        drop(a);
        assert!(tmp.is_dir());
        let b = RunDir::reopen(&tmp).unwrap();
        assert_eq!(b.destination(), dest);
        assert_eq!(b.finish().unwrap(), dest);
        assert!(!tmp.exists());
        assert!(RunDir::reopen(&dest).is_err());
    }

    #[test]
    fn never_reuses_a_name() {
        let root = tempfile::tempdir().unwrap();
        let a = RunDir::create(root.path(), "s").unwrap();
        let b = RunDir::create(root.path(), "s").unwrap();
        assert_ne!(a.destination(), b.destination());
        let pa = a.finish().unwrap();
        let c = RunDir::create(root.path(), "s").unwrap();
        assert_ne!(c.destination(), pa);
    }
}
