//! Panics become reports: [`catch`] runs a piece of work (a script, a REPL entry,
//! a notebook cell, a language-server request) so that a Rust panic anywhere in it
//! ends as one short "internal error (a bug in bp)" [`Diagnostic`] with the panic
//! message and the span being evaluated, instead of a backtrace and a dead process.
//!
//! bp is written not to panic; this is the last line of defence (SPEC §1: exit 3).
//! While a `catch` is running on a thread, the panic hook prints nothing (not even
//! with `RUST_BACKTRACE` set) and keeps the message and its location for the
//! report. Panics elsewhere (a test's failed assertion) go to the previous hook.

use crate::autodiff::{last_entered_span, set_grad_enabled};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

thread_local! {
    /// How many `catch` calls are running on this thread.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// The message and location of the last panic caught on this thread.
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// How many `catch` calls are running on any thread: a panic on an unnamed
/// worker thread (rayon's) while one runs belongs to it.
static ACTIVE: AtomicUsize = AtomicUsize::new(0);
/// The last panic seen on a worker thread while a `catch` was running.
static WORKER_LAST: Mutex<Option<String>> = Mutex::new(None);
static HOOK: Once = Once::new();

/// A panic caught by [`catch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Panic {
    /// The panic message, with the Rust source location when known.
    pub message: String,
    /// The span that was being evaluated when it happened (may be empty).
    pub span: Span,
}

impl Panic {
    /// The report shown to the user (SPEC §1: one short message, the span, no backtrace).
    pub fn diagnostic(&self) -> Diagnostic {
        let d = Diagnostic::error(format!("internal error (a bug in bp): {}", self.message))
            .with_hint("this is a bug in bp, not in your script; please report it with the input that caused it");
        if self.span == Span::EMPTY {
            d
        } else {
            d.with_label(self.span, "while evaluating this")
        }
    }
}

fn describe(info: &PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    match info.location() {
        Some(l) => format!("{message} (at {}:{})", l.file(), l.line()),
        None => message,
    }
}

fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if DEPTH.with(|d| d.get()) > 0 {
                LAST.with(|l| *l.borrow_mut() = Some(describe(info)));
            } else if ACTIVE.load(Ordering::SeqCst) > 0 && std::thread::current().name().is_none() {
                if let Ok(mut w) = WORKER_LAST.lock() {
                    *w = Some(describe(info));
                }
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `work`; a panic inside it comes back as `Err(Panic)`, printed nowhere.
/// Recording is switched back on afterwards (a panic may strike inside `no_grad`).
pub fn catch<T>(work: impl FnOnce() -> T) -> Result<T, Panic> {
    install_hook();
    DEPTH.with(|d| d.set(d.get() + 1));
    ACTIVE.fetch_add(1, Ordering::SeqCst);
    let result = panic::catch_unwind(AssertUnwindSafe(work));
    ACTIVE.fetch_sub(1, Ordering::SeqCst);
    DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    result.map_err(|payload| {
        let span = last_entered_span();
        set_grad_enabled(true);
        let message = LAST
            .with(|l| l.borrow_mut().take())
            .or_else(|| WORKER_LAST.lock().ok().and_then(|mut w| w.take()))
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string());
        Panic { message, span }
    })
}

/// For tests of the report end to end: panics when the environment variable
/// `BP_DEBUG_PANIC` is set to a non-empty text that `source` contains. Called
/// inside [`catch`] after a script or entry has run.
pub fn debug_panic(source: &str) {
    if let Some(marker) = std::env::var_os("BP_DEBUG_PANIC") {
        let marker = marker.to_string_lossy();
        if !marker.is_empty() && source.contains(&*marker) {
            panic!("BP_DEBUG_PANIC: a deliberate panic to test the report");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_value_with_its_message_and_span() {
        let span = Span::new(crate::source::SourceId(0), 3, 7);
        let r: Result<(), Panic> = catch(|| {
            let _scope = crate::autodiff::span_scope(span);
            let v: Vec<u8> = Vec::new();
            let i = v.len() + 2;
            let _ = v[i];
        });
        let p = r.expect_err("the panic is caught");
        assert!(p.message.contains("index out of bounds"), "{}", p.message);
        assert!(p.message.contains("src/guard.rs"), "{}", p.message);
        assert_eq!(p.span, span);
        let d = p.diagnostic();
        assert!(d
            .message
            .starts_with("internal error (a bug in bp): index out of bounds"));
        assert_eq!(catch(|| 5), Ok(5));
    }

    #[test]
    fn a_panic_inside_no_grad_leaves_recording_on() {
        let r = catch(|| {
            crate::autodiff::with_grad_mode(false, || panic!("boom"));
        });
        assert_eq!(r.map_err(|p| p.message.starts_with("boom")), Err(true));
        assert!(crate::autodiff::grad_enabled());
    }
}
