//! # wecare
//!
//! A statistical simulation engine for the dynamics of organisational partnership networks
//! under public funding programmes. See `README.md` and `docs/ODD.md`.

#[macro_use]
mod reuse;

pub mod calibrate;
pub mod cli;
pub mod data;
pub mod ensemble;
pub mod error;
pub mod experiment;
pub mod fuzz;
pub mod fuzz_files;
pub mod huge_pages;
pub mod input;
pub mod limits;
pub mod model;
pub mod network;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod xml;

pub use error::{Error, Result};
