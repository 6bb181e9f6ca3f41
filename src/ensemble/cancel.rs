//! The cancellation flag: set when the process is asked to stop (Ctrl-C, or a termination
//! signal); the runner polls it and starts no new simulation once it is set.

use std::sync::atomic::{AtomicBool, Ordering};

static CANCELLED: AtomicBool = AtomicBool::new(false);

/// Asks every running ensemble to stop starting new work.
pub fn request() {
    CANCELLED.store(true, Ordering::SeqCst);
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    CANCELLED.load(Ordering::Relaxed)
}
