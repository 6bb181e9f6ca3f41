//! Files of a run directory: written with their SHA-256 checksum computed on the way out.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

/// A file recorded in a manifest: where it is, its size and its SHA-256 checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// What the file is (`organisations`, `replicates`, ...).
    pub role: String,
    /// Path: relative to the run directory for outputs, absolute for inputs.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the contents, lowercase hexadecimal (as `sha256sum` prints it).
    pub sha256: String,
}

/// Lowercase hexadecimal of a digest.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Size and SHA-256 of a file's contents.
pub fn sha256_file(path: &Path) -> io::Result<(u64, String)> {
    let (mut f, _) = crate::input::open_regular(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((n, hex(&h.finalize())))
}

/// SHA-256 of a byte string, lowercase hexadecimal.
pub fn sha256_bytes(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

/// A writer that hashes and counts what passes through it.
struct Hashing<W: Write> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let k = self.inner.write(buf)?;
        self.hash.update(&buf[..k]);
        self.bytes += k as u64;
        Ok(k)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Creates the folders of `sub` inside `dir`, which must exist: a run directory removed by an
/// interrupt is never created again by a writer still running (as `create_dir_all` would).
fn create_below(dir: &Path, sub: &Path) -> io::Result<()> {
    let mut p = dir.to_path_buf();
    for c in sub.components() {
        p.push(c);
        match std::fs::create_dir(&p) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// Creates `dir/rel` (and its folders inside `dir`), lets `fill` write it, and returns its
/// record.
/// Fails rather than replace an existing file.
pub fn write_recorded(
    dir: &Path,
    rel: &str,
    role: &str,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<FileRecord> {
    let path = dir.join(rel);
    let io_err = |e| Error::io(&path, e);
    if let Some(sub) = Path::new(rel).parent() {
        create_below(dir, sub).map_err(io_err)?;
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io_err)?;
    let mut w = Hashing {
        inner: BufWriter::with_capacity(1 << 16, file),
        hash: Sha256::new(),
        bytes: 0,
    };
    fill(&mut w).and_then(|_| w.flush()).map_err(io_err)?;
    let Hashing { inner, hash, bytes } = w;
    inner.into_inner().map_err(|e| io_err(e.into_error()))?;
    Ok(FileRecord {
        role: role.to_string(),
        path: rel.to_string(),
        bytes,
        sha256: hex(&hash.finalize()),
    })
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so the
/// file is either the old one or the complete new one, never a part.
pub fn replace_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let io_err = |e| Error::io(path, e);
    let parent = path.parent().unwrap_or(Path::new("."));
    // One level only (`plots/` of a run directory): never the run directory itself.
    match std::fs::create_dir(parent) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(io_err(e)),
        _ => {}
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(io_err)
}

/// Reads the named columns of a CSV file of a run directory: every data row's fields in the
/// order of `columns` (other columns ignored). Errors name the file and, for a bad row, its
/// line.
pub fn read_columns(path: &Path, columns: &[&str]) -> Result<Vec<Vec<String>>> {
    let file = path.display();
    let (f, _) =
        crate::input::open_regular(path).map_err(|e| Error::Other(format!("{file}: {e}")))?;
    let mut rd = csv::Reader::from_reader(f);
    let header = rd
        .headers()
        .map_err(|e| Error::Other(format!("{file}: {e}")))?
        .clone();
    let cols: Vec<usize> = columns
        .iter()
        .map(|c| {
            header
                .iter()
                .position(|h| h == *c)
                .ok_or_else(|| Error::Other(format!("{file}:1: column `{c}` missing")))
        })
        .collect::<Result<_>>()?;
    rd.records()
        .enumerate()
        .map(|(k, r)| {
            let r = r.map_err(|e| Error::Other(format!("{file}:{}: {e}", k + 2)))?;
            Ok(cols
                .iter()
                .map(|&c| r.get(c).unwrap_or("").to_string())
                .collect())
        })
        .collect()
}

/// Parses field `i` of data row `k` (0-based, as [`read_columns`] returns them) of `path`; the
/// error names the file, line and column.
pub fn parse_field<T: std::str::FromStr>(
    path: &Path,
    k: usize,
    columns: &[&str],
    row: &[String],
    i: usize,
) -> Result<T> {
    row[i].parse::<T>().map_err(|_| {
        Error::Other(format!(
            "{}:{}: `{}` cannot be read: `{}`",
            path.display(),
            k + 2,
            columns[i],
            row[i]
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_read_by_name_and_errors_are_located() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t.csv");
        std::fs::write(&p, "b,a,c\n2,1,x\n4,3,y\n").unwrap();
        let rows = read_columns(&p, &["a", "b"]).unwrap();
        assert_eq!(rows, vec![vec!["1", "2"], vec!["3", "4"]]);
        let e = read_columns(&p, &["a", "z"]).unwrap_err().to_string();
        assert!(e.ends_with("t.csv:1: column `z` missing"), "{e}");
        let cols = ["a", "c"];
        let rows = read_columns(&p, &cols).unwrap();
        assert_eq!(parse_field::<f64>(&p, 1, &cols, &rows[1], 0).unwrap(), 3.0);
        let e = parse_field::<f64>(&p, 1, &cols, &rows[1], 1)
            .unwrap_err()
            .to_string();
        assert!(e.ends_with("t.csv:3: `c` cannot be read: `y`"), "{e}");
    }

    #[test]
    fn recorded_checksum_matches_the_file() {
        let d = tempfile::tempdir().unwrap();
        let r = write_recorded(d.path(), "a/b.txt", "test", |w| w.write_all(b"abc")).unwrap();
        assert_eq!(r.bytes, 3);
        // sha256("abc"), FIPS 180-2 test vector.
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(r.sha256, abc);
        assert_eq!(sha256_file(&d.path().join("a/b.txt")).unwrap().1, abc);
        assert_eq!(sha256_bytes(b"abc"), abc);
        assert!(write_recorded(d.path(), "a/b.txt", "test", |_| Ok(())).is_err());
    }
}
