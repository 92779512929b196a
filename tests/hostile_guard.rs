//! A panic is a report, not a backtrace (SPEC §1, exit 3), and `--timeout`
//! stops a script that runs too long (SPEC §18, exit 1). Each case drives the
//! real binary.

mod common;

use std::time::{Duration, Instant};

/// Runs `bp args` with `script` on stdin and the given environment; returns
/// (exit code, stdout, stderr).
fn bp(args: &[&str], script: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut run = common::bp(args).env("NO_COLOR", "1").stdin(script);
    for (k, v) in env {
        run = run.env(k, v);
    }
    run.run()
}

#[test]
fn a_panic_is_one_short_report_with_the_span_and_exit_3() {
    let (code, out, err) = bp(
        &["run", "-"],
        "x = 2\nprint(sum(ones(3) * x))  # BOOM\n",
        &[
            ("BP_DEBUG_PANIC", "BOOM"),
            ("RUST_BACKTRACE", "full"),
            ("RUST_LIB_BACKTRACE", "1"),
        ],
    );
    assert_eq!(code, 3, "{err}");
    assert_eq!(out, "tensor(6.)\n");
    assert!(
        err.contains("internal error (a bug in bp): BP_DEBUG_PANIC"),
        "{err}"
    );
    // The span being evaluated is labelled; no Rust backtrace or panic banner.
    assert!(err.contains("print(sum(ones(3) * x))"), "{err}");
    assert!(err.contains("while evaluating this"), "{err}");
    for bad in [
        "panicked",
        "stack backtrace",
        "RUST_BACKTRACE",
        "rust_begin_unwind",
    ] {
        assert!(!err.contains(bad), "{bad:?} in:\n{err}");
    }
    assert!(err.lines().count() < 12, "not short:\n{err}");
}

#[test]
fn without_the_marker_the_same_script_runs_normally() {
    let (code, out, _) = bp(
        &["run", "-"],
        "print(1 + 1)\n",
        &[("BP_DEBUG_PANIC", "BOOM")],
    );
    assert_eq!((code, out.as_str()), (0, "2\n"));
}

#[test]
fn a_script_past_its_timeout_stops_with_an_error() {
    let start = Instant::now();
    let (code, out, err) = bp(
        &["run", "--timeout", "0.5", "-"],
        "print(\"start\")\ni = 0\nwhile true { i = i + 1 }\n",
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "start\n");
    assert!(
        err.contains("ran longer than its time limit of 0.5 seconds"),
        "{err}"
    );
    assert!(
        err.contains("while true"),
        "the report points at the loop:\n{err}"
    );
    assert!(start.elapsed() < Duration::from_secs(20));
    // A script within its time is untouched; a bad timeout is a usage error.
    let (code, out, _) = bp(&["run", "--timeout", "30", "-"], "print(3)\n", &[]);
    assert_eq!((code, out.as_str()), (0, "3\n"));
    for bad in ["0", "-1", "soon", "inf"] {
        let (code, _, err) = bp(&["run", &format!("--timeout={bad}"), "-"], "", &[]);
        assert_eq!(code, 2, "--timeout={bad}: {err}");
    }
}

#[test]
fn a_recursive_function_past_its_timeout_stops_too() {
    let (code, _, err) = bp(
        &["run", "--timeout", "0.5", "-"],
        "fn f(n) { if n > 15 { return 0 }\n return f(n + 1) + f(n + 1) }\nfor i in range(1000000) { f(0) }\n",
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("time limit"), "{err}");
}

#[test]
fn a_numeric_function_looping_forever_stops_with_the_loop_and_its_call() {
    // `spin` runs as number code (the numeric tier): the time limit still stops
    // it, and the report is the general code's (the loop, then the call).
    let (code, out, err) = bp(
        &["run", "--timeout", "0.5", "-"],
        "fn spin(n) {\n    while n > -1 { n = n + 1 }\n    return n\n}\nprint(\"start\")\nprint(spin(0))\n",
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "start\n");
    assert!(err.contains("time limit"), "{err}");
    assert!(
        err.contains("while n > -1"),
        "the report points at the loop:\n{err}"
    );
    assert!(
        err.contains("<stdin>:6:7  spin(0)"),
        "and at the call:\n{err}"
    );
}
