//! Checkpoints: the state of a calibration after each generation or phase, as JSON, so an
//! interrupted calibration resumes where it stopped and gives bit-identical results.
//!
//! Floating-point numbers are written as strings in Rust's shortest round-trip form (`"-4.25"`,
//! `"NaN"`, `"inf"`) and read back with Rust's correctly rounded parser, so every value survives
//! the round trip exactly (JSON numbers would not, with the JSON parser available here).

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// File name of the checkpoint inside a calibration directory.
pub const FILE: &str = "checkpoint.json";

/// What a checkpoint file holds: which calibration it belongs to, and the solver's state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint<S> {
    /// Method name (`abc` or `smm`).
    pub method: String,
    /// Master seed of the calibration.
    pub seed: u64,
    /// Fingerprint of the problem (scenario, parameters, targets); a resume must match it.
    pub fingerprint: String,
    /// The solver's state after the last completed generation or phase.
    pub state: S,
    /// The sessions so far (the first run, then every resume), each up to its last
    /// checkpoint.
    #[serde(default)]
    pub sessions: Vec<Session>,
}

/// One session of a calibration: the first run or a resume, up to its last checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// When it started, UTC.
    pub started_utc: String,
    /// Wall time up to its last checkpoint, seconds.
    pub wall_seconds: f64,
    /// Simulations it ran up to its last checkpoint.
    pub simulations: u64,
    /// Worker threads.
    pub threads: usize,
}

/// The key of the state's SHA-256 in the file: a resume refuses a state that does not have
/// it (edited or damaged), which could otherwise hold values no calibration produces (rows of
/// the wrong length, negative weights) and stop the resumed run with a crash.
const STATE_SHA256: &str = "state_sha256";

/// SHA-256 of the state's JSON text, as written and as read back (the same `Value`).
fn state_sha256(state: &serde_json::Value) -> String {
    crate::report::files::sha256_bytes(state.to_string().as_bytes())
}

/// Writes the checkpoint atomically (a temporary file renamed over the old one), with the
/// SHA-256 of its state.
pub fn save<S: Serialize>(dir: &Path, cp: &Checkpoint<S>) -> Result<()> {
    let bad = |e: serde_json::Error| Error::Other(format!("cannot serialise the checkpoint: {e}"));
    let mut value = serde_json::to_value(cp).map_err(bad)?;
    let sha = state_sha256(&value["state"]);
    if let Some(map) = value.as_object_mut() {
        map.insert(STATE_SHA256.into(), sha.into());
    }
    let text = serde_json::to_string(&value).map_err(bad)?;
    let tmp = dir.join(format!("{FILE}.tmp"));
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    let dest = dir.join(FILE);
    std::fs::rename(&tmp, &dest).map_err(|e| Error::io(&dest, e))
}

/// Reads the checkpoint of a calibration directory.
pub fn load<S: DeserializeOwned>(dir: &Path) -> Result<Checkpoint<S>> {
    let path = dir.join(FILE);
    let text = crate::input::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let not = |e: serde_json::Error| {
        Error::Other(format!(
            "{}: not a checkpoint of this method or version: {e}",
            path.display()
        ))
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(not)?;
    if value.get(STATE_SHA256).and_then(|v| v.as_str()) != Some(&state_sha256(&value["state"])) {
        return Err(Error::Other(format!(
            "{}: the checkpoint's state does not match its recorded SHA-256: the file is \
             damaged or was edited (start the calibration again)",
            path.display()
        )));
    }
    serde_json::from_value(value).map_err(not)
}

/// The method and seed of the checkpoint in `dir`, without reading its state.
pub fn peek(dir: &Path) -> Result<(String, u64)> {
    #[derive(Deserialize)]
    struct Head {
        method: String,
        seed: u64,
    }
    let path = dir.join(FILE);
    let text = crate::input::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let h: Head = serde_json::from_str(&text)
        .map_err(|e| Error::Other(format!("{}: not a checkpoint: {e}", path.display())))?;
    if !["abc", "smm"].contains(&h.method.as_str()) {
        return Err(Error::Other(format!(
            "{}: `method`: `{}` is not a calibration method (abc or smm)",
            path.display(),
            h.method
        )));
    }
    Ok((h.method, h.seed))
}

fn parse<E: serde::de::Error>(s: &str) -> std::result::Result<f64, E> {
    s.parse::<f64>()
        .map_err(|_| E::custom(format!("`{s}` is not a number")))
}

/// `#[serde(with = "exact")]` for one `f64`.
pub mod exact {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the shortest round-trip decimal form as a string.
    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&x.to_string())
    }

    /// Reads it back exactly.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let s = String::deserialize(d)?;
        super::parse(&s)
    }
}

/// `#[serde(with = "exact_vec")]` for a `Vec<f64>`.
pub mod exact_vec {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes each value as a string.
    pub fn serialize<S: Serializer>(x: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(x.iter().map(|v| v.to_string()))
    }

    /// Reads the values back exactly.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let v = Vec::<String>::deserialize(d)?;
        v.iter().map(|s| super::parse(s)).collect()
    }
}

/// `#[serde(with = "exact_rows")]` for a `Vec<Vec<f64>>`.
pub mod exact_rows {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes each row as an array of strings.
    pub fn serialize<S: Serializer>(x: &[Vec<f64>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            x.iter()
                .map(|r| r.iter().map(|v| v.to_string()).collect::<Vec<_>>()),
        )
    }

    /// Reads the rows back exactly.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<f64>>, D::Error> {
        let v = Vec::<Vec<String>>::deserialize(d)?;
        v.iter()
            .map(|r| r.iter().map(|s| super::parse(s)).collect())
            .collect()
    }
}

/// `#[serde(with = "exact_mat")]` for a matrix: an array of rows, each an array of strings.
pub mod exact_mat {
    use nalgebra::DMatrix;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes each row as an array of strings.
    pub fn serialize<S: Serializer>(x: &DMatrix<f64>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            x.row_iter()
                .map(|r| r.iter().map(|v| v.to_string()).collect::<Vec<_>>()),
        )
    }

    /// Reads the rows back exactly.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DMatrix<f64>, D::Error> {
        let v = Vec::<Vec<String>>::deserialize(d)?;
        let cols = v.first().map_or(0, Vec::len);
        if v.iter().any(|r| r.len() != cols) {
            return Err(serde::de::Error::custom(
                "the rows of a matrix differ in length",
            ));
        }
        let values: Vec<f64> = v
            .iter()
            .flatten()
            .map(|s| super::parse(s))
            .collect::<Result<_, D::Error>>()?;
        Ok(DMatrix::from_row_slice(v.len(), cols, &values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct T {
        #[serde(with = "exact")]
        a: f64,
        #[serde(with = "exact_vec")]
        b: Vec<f64>,
        #[serde(with = "exact_mat")]
        c: nalgebra::DMatrix<f64>,
    }

    #[test]
    fn an_edited_state_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoint {
            method: "abc".into(),
            seed: 7,
            fingerprint: "f".into(),
            state: vec![vec![0.5, 1.0 / 3.0], vec![2.0, -1e-300]],
            sessions: Vec::new(),
        };
        let rows = |cp: &Checkpoint<Vec<Vec<f64>>>| {
            cp.state
                .iter()
                .map(|r| r.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        };
        // Plain JSON numbers here (not `exact`): the checksum holds for them too.
        save(dir.path(), &cp).unwrap();
        let back: Checkpoint<Vec<Vec<f64>>> = load(dir.path()).unwrap();
        assert_eq!(rows(&back), rows(&cp));
        let path = dir.path().join(FILE);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("2.0", "3.0", 1)).unwrap();
        let e = load::<Vec<Vec<f64>>>(dir.path()).unwrap_err().to_string();
        assert!(e.contains("SHA-256") && e.contains(FILE), "{e}");
        // A checkpoint without the checksum is refused the same way.
        std::fs::write(
            &path,
            r#"{"method":"abc","seed":7,"fingerprint":"f","state":[]}"#,
        )
        .unwrap();
        assert!(load::<Vec<Vec<f64>>>(dir.path()).is_err());
    }

    #[test]
    fn a_checkpoint_of_an_unknown_method_is_refused_when_peeked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        std::fs::write(&path, r#"{"method":"smm","seed":7}"#).unwrap();
        assert_eq!(peek(dir.path()).unwrap(), ("smm".to_string(), 7));
        std::fs::write(&path, r#"{"method":"ABC","seed":7}"#).unwrap();
        let e = peek(dir.path()).unwrap_err().to_string();
        assert!(e.contains(FILE) && e.contains("`method`: `ABC`"), "{e}");
    }

    #[test]
    fn floats_survive_exactly() {
        let t = T {
            a: 0.1 + 0.2,
            b: vec![f64::NAN, f64::INFINITY, -1e-310, 1.0 / 3.0],
            c: nalgebra::DMatrix::from_row_slice(2, 2, &[std::f64::consts::PI, -0.0, 1e300, 2.5]),
        };
        let back: T = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(back.a.to_bits(), t.a.to_bits());
        for (x, y) in back.b.iter().zip(&t.b) {
            assert_eq!(x.to_bits(), y.to_bits());
        }
        for (x, y) in back.c.iter().zip(t.c.iter()) {
            assert_eq!(x.to_bits(), y.to_bits());
        }
        // Rows stay rows.
        assert_eq!(back.c[(0, 1)].to_bits(), (-0.0f64).to_bits());
        assert_eq!(back.c[(1, 0)], 1e300);
    }
}
