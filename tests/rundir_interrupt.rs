//! An interrupt at any moment of a run directory's creation finds every directory the run
//! made listed for removal: after [`abandon_unfinished`] (what the Ctrl-C and SIGTERM handler
//! runs) nothing the runs created is left, not even an empty scenario directory. No timing is
//! assumed: a thread creates run directories as fast as it can while the test interrupts it
//! over and over, on any machine and load.
//!
//! This test binary holds this one test only: `abandon_unfinished` acts on every run
//! directory of the process.

mod tree_common;
use tree_common::entries;

use std::sync::atomic::{AtomicBool, Ordering};
use wecare::report::{RunDir, abandon_unfinished};

#[test]
fn an_interrupt_during_creation_leaves_no_directory_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let done = AtomicBool::new(false);
    let mut interrupts = 0u64;
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..400 {
                // A new results root each time: the run creates it, its scenario directory and
                // its partial directory.
                let root = t.join(format!("out-{i}"));
                let dir = RunDir::create(&root, "scenario");
                drop(dir);
            }
            done.store(true, Ordering::SeqCst);
        });
        while !done.load(Ordering::SeqCst) {
            abandon_unfinished(|_, _| {
                // The handler holds the list here: no run can create or finish a directory.
                let left = entries(t);
                assert!(
                    left.is_empty(),
                    "left behind by an interrupted run: {left:?}"
                );
            });
            interrupts += 1;
        }
    });
    assert!(interrupts > 0);
    assert!(entries(t).is_empty(), "{:?}", entries(t));
}
