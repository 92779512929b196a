//! Limits for hosts (SPEC §18): a wall-clock deadline for a run (`bp run
//! --timeout SECONDS`). The element cap (`--max-elements`) lives with the shape
//! arithmetic in [`crate::autodiff::shape`].
//!
//! A [`Deadline`] is a watchdog thread. When the time is up it asks the script to
//! stop, as Ctrl-C does (at the next loop step or call), and the run ends in an
//! error report; should the script still be inside one long operation a grace
//! period later, the watchdog reports and ends the process itself (exit 1).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;

/// How long a script may go on after its deadline before the process is ended.
const GRACE: Duration = Duration::from_secs(2);

/// A running deadline; dropping it cancels the watchdog.
pub struct Deadline {
    seconds: f64,
    expired: Arc<AtomicBool>,
    _cancel: Sender<()>,
}

impl Deadline {
    /// Starts the watchdog: `seconds` must be positive and finite.
    pub fn start(seconds: f64) -> Deadline {
        let (cancel, wait) = channel::<()>();
        let expired = Arc::new(AtomicBool::new(false));
        let flag = expired.clone();
        let limit = Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX);
        let _ = std::thread::Builder::new()
            .name("bp-timeout".into())
            .spawn(move || {
                if wait.recv_timeout(limit) != Err(RecvTimeoutError::Timeout) {
                    return;
                }
                flag.store(true, Ordering::SeqCst);
                crate::interrupt::interrupt();
                if wait.recv_timeout(GRACE) == Err(RecvTimeoutError::Timeout) {
                    eprintln!(
                        "error: {} (it was inside one long operation and is stopped here)",
                        message(seconds)
                    );
                    std::process::exit(crate::Exit::RuntimeError as i32);
                }
            });
        Deadline {
            seconds,
            expired,
            _cancel: cancel,
        }
    }

    /// Whether the time ran out.
    pub fn expired(&self) -> bool {
        self.expired.load(Ordering::SeqCst)
    }

    /// The report's message when the time ran out.
    pub fn message(&self) -> String {
        message(self.seconds)
    }
}

fn message(seconds: f64) -> String {
    let unit = if seconds == 1.0 { "second" } else { "seconds" };
    format!("the script ran longer than its time limit of {seconds} {unit} (--timeout)")
}

/// Reads a `--timeout` value: a positive number of seconds.
pub fn parse_timeout(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s.is_finite() => Ok(s),
        _ => Err(format!(
            "the timeout must be a positive number of seconds; found '{text}'"
        )),
    }
}
