//! Reading the files a user names: only regular files (or links to them), and at most
//! [`limits::INPUT_BYTES`] bytes.
//!
//! A FIFO, a device (`/dev/zero`, a terminal) or a directory given where a file is expected
//! would otherwise block forever on a read, or grow a buffer until memory runs out; here they
//! are errors naming what the path is, checked before the file is opened. The size limit is
//! checked from the file's metadata before anything is allocated, and again while reading (a
//! file that grows, or a special file that reports no size).

use std::io::{self, Read};
use std::path::Path;

use crate::limits;

/// What a path that is not a regular file is, for the error message.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else {
        special_kind(&t)
    }
}

/// What a special file is: FIFOs, devices and sockets are told apart on Unix.
#[cfg(unix)]
fn special_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// What a special file is: elsewhere (Windows) the standard library does not tell the kinds
/// apart; `metadata` follows links, so what is left is neither a file nor a directory.
#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "not a regular file"
}

fn too_large(len: u64) -> io::Error {
    io::Error::other(format!(
        "the file has {len} bytes or more, above the limit of {} bytes (see docs/errors.md, \
         \"Limits\")",
        limits::INPUT_BYTES
    ))
}

/// Opens `path` for reading if it is a regular file (following links), of any size (a file
/// read in a stream, as by a checksum); its size in bytes beside it.
pub fn open_regular(path: &Path) -> io::Result<(std::fs::File, u64)> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::other(format!(
            "it is {}, not a file",
            kind_of(&meta)
        )));
    }
    Ok((std::fs::File::open(path)?, meta.len()))
}

/// [`open_regular`], refusing a file above [`limits::INPUT_BYTES`] bytes.
pub fn open(path: &Path) -> io::Result<(std::fs::File, u64)> {
    let (file, len) = open_regular(path)?;
    if len > limits::INPUT_BYTES {
        return Err(too_large(len));
    }
    Ok((file, len))
}

/// The whole contents of the regular file `path`, as [`std::fs::read`] but refusing what is
/// not a regular file and files above [`limits::INPUT_BYTES`] bytes.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    let (file, len) = open(path)?;
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limits::INPUT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limits::INPUT_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// [`read`] as text, as [`std::fs::read_to_string`]: an error if it is not UTF-8.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read(path)?).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_are_read_and_others_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.csv");
        std::fs::write(&f, "id\n1\n").unwrap();
        assert_eq!(read_to_string(&f).unwrap(), "id\n1\n");
        let e = read(dir.path()).unwrap_err().to_string();
        assert!(e.contains("a directory, not a file"), "{e}");
        let e = read(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(e.contains("a device, not a file"), "{e}");
        std::fs::write(&f, [0xff, 0xfe]).unwrap();
        assert!(read_to_string(&f).is_err());
    }
}
