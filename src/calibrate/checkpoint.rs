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

/// Writes the checkpoint atomically (a temporary file renamed over the old one).
pub fn save<S: Serialize>(dir: &Path, cp: &Checkpoint<S>) -> Result<()> {
    let text = serde_json::to_string(cp)
        .map_err(|e| Error::Other(format!("cannot serialise the checkpoint: {e}")))?;
    let tmp = dir.join(format!("{FILE}.tmp"));
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    let dest = dir.join(FILE);
    std::fs::rename(&tmp, &dest).map_err(|e| Error::io(&dest, e))
}

/// Reads the checkpoint of a calibration directory.
pub fn load<S: DeserializeOwned>(dir: &Path) -> Result<Checkpoint<S>> {
    let path = dir.join(FILE);
    let text = crate::input::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::Other(format!(
            "{}: not a checkpoint of this method or version: {e}",
            path.display()
        ))
    })
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
