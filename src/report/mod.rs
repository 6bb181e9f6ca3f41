//! What runs leave behind: a complete, self-describing run directory per run (records,
//! manifest, plots and an HTML report), and comparisons of several runs.
//!
//! A run directory `results/<scenario>/<run id>/` holds (`docs/results.md` lists every column):
//! - records: `scenario.toml`, `replicates.csv`, `summary.csv`, `targets.csv`,
//!   `patterns.csv` (with pattern targets), `networks/`;
//! - `manifest.json`: engine, commit, seed, timings, and SHA-256 of every input and record;
//! - derived: `plots/` (SVG and PNG) and `report.html`, rebuilt from the records by
//!   [`build_report`] (`wecare report RUN_DIR`).
//!
//! Everything is written under a temporary name and renamed when complete ([`RunDir`]).

pub mod compare;
pub mod figures;
pub mod files;
pub mod fmt;
pub mod html;
pub mod layout;
pub mod manifest;
pub mod networks;
pub mod patterns;
pub mod plot;
mod run;
mod rundir;
pub mod single;
pub mod summary;
pub mod targets;
mod tidy;

pub use compare::build_comparison;
pub use manifest::Manifest;
pub use run::{RunInfo, finish_run, manifest_for, write_manifest, write_records, write_run};
pub use rundir::{RunDir, abandon_unfinished, discard_kept, finished_runs, iso_utc, utc_stamp};
pub use single::build_report;
pub use summary::{Describe, Summary, SummaryRow, summarise};
pub use tidy::{REPLICATES_COLUMNS, write_replicates_csv, write_replicates_table};
