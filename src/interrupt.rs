//! The interrupt flag: set by a Ctrl-C handler, a host's watchdog ([`crate::limits`])
//! or a kernel's interrupt request, and read by the evaluator at every loop iteration
//! and call, which then stops with an "interrupted" error.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set to stop the running statement at the next loop iteration or call.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Asks the running script to stop with an "interrupted" error.
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}
