//! What runs leave behind: run directories and tidy result files that R and pandas read
//! directly.

mod run;
mod rundir;
mod tidy;

pub use run::{RunInfo, write_run};
pub use rundir::{RunDir, utc_stamp};
pub use tidy::write_replicates_csv;
