//! Coverage-guided fuzzing of the whole pipeline: lex, parse and run any input
//! under small limits. A panic (also one `bp::run` caught and reported as an internal
//! error, exit 3), a stack overflow or an abort is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// When the running input started (ms since the epoch), 0 when idle.
static STARTED: AtomicU64 = AtomicU64::new(0);
static WATCHDOG: Once = Once::new();

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Interrupts an input that runs longer than 200 ms (an infinite loop), as Ctrl-C would.
fn start_watchdog() {
    WATCHDOG.call_once(|| {
        std::thread::spawn(|| loop {
            std::thread::sleep(Duration::from_millis(20));
            let s = STARTED.load(Ordering::SeqCst);
            if s != 0 && now_ms().saturating_sub(s) > 200 {
                bp::eval::interrupt();
            }
        });
    });
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.len() > 8192 {
        return;
    }
    start_watchdog();
    let text = text.to_string();
    let worker = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            bp::autodiff::shape::set_element_limit(4096);
            // Files a script writes (save, plot(file=)) go to a temporary folder.
            let dir = std::env::temp_dir().join("bp-fuzz");
            let _ = std::fs::create_dir_all(&dir);
            let options = bp::eval::Options {
                max_call_depth: 200,
                script_dir: Some(dir),
                ..bp::eval::Options::default()
            };
            STARTED.store(now_ms(), Ordering::SeqCst);
            let mut err = Vec::new();
            let code = bp::run(
                &text,
                "fuzz.bp",
                Box::new(std::io::sink()),
                &mut err,
                options,
                false,
                None,
            );
            STARTED.store(0, Ordering::SeqCst);
            // bp::run catches a panic and reports it as an internal error (exit 3):
            // that is a finding too, not a clean run.
            if code == bp::Exit::InternalError {
                panic!("internal error: {}", String::from_utf8_lossy(&err));
            }
            let _ = bp::check(&text, "fuzz.bp", &mut err, false);
        })
        .expect("spawn");
    if worker.join().is_err() {
        panic!("bp panicked");
    }
});
