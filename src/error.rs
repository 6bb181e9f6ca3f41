//! The error type of the library's whole-run entry points.

use crate::data::DataError;
use crate::model::ModelError;
use crate::scenario::{DatasetError, ScenarioError};
use std::path::PathBuf;

/// Anything that stops a run, with what the user needs to fix it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario file is wrong.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// A data file is wrong.
    #[error("{0}")]
    Data(#[from] DataError),
    /// Data and parameters do not fit together.
    #[error("{0}")]
    Model(#[from] ModelError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
    /// A calibration ran to its end but did not converge; its outputs are written and flagged.
    #[error("{0}")]
    NotConverged(String),
    /// Anything else, described.
    #[error("{0}")]
    Other(String),
}

impl From<DatasetError> for Error {
    fn from(e: DatasetError) -> Self {
        match e {
            DatasetError::Scenario(e) => Error::Scenario(e),
            DatasetError::Data(e) => Error::Data(e),
        }
    }
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
