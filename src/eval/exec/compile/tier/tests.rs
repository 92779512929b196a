//! Every program here runs twice, with the numeric tier and without it (the
//! general code alone): the output and the error, spans and traceback included,
//! are the same, and the tier ran (or gave up) where it should.

use super::testing::{BAILED, OFF, RAN, STOPPED};
use crate::eval::{Interpreter, Options, RunError};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

#[derive(Clone, Default)]
struct Out(Rc<RefCell<Vec<u8>>>);

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What a run gave: its output, its error (as text, spans and calls included),
/// and how many calls the tier finished and gave up.
#[derive(Debug, PartialEq)]
struct Run {
    out: String,
    error: Option<String>,
    ran: usize,
    bailed: usize,
    stopped: usize,
}

fn run(src: &str, tier: bool) -> Run {
    OFF.with(|o| o.set(!tier));
    RAN.with(|r| r.set(0));
    BAILED.with(|r| r.set(0));
    STOPPED.with(|r| r.set(0));
    let out = Out::default();
    let mut interp = Interpreter::new(Box::new(out.clone()), Options::default());
    let error = match interp.run_source("t.bp", src) {
        Ok(()) => None,
        Err(RunError::Runtime(d)) => Some(format!("{d:?}")),
        Err(RunError::Syntax(d)) => panic!("syntax error in a test program: {d:?}"),
    };
    OFF.with(|o| o.set(false));
    let text = String::from_utf8(out.0.borrow().clone()).expect("utf-8");
    Run {
        out: text,
        error,
        ran: RAN.with(|r| r.get()),
        bailed: BAILED.with(|r| r.get()),
        stopped: STOPPED.with(|r| r.get()),
    }
}

/// Runs `src` both ways; asserts they agree; gives the tiered run.
fn both(src: &str) -> Run {
    let general = run(src, false);
    let tiered = run(src, true);
    assert_eq!(
        general.ran + general.bailed + general.stopped,
        0,
        "the tier was off"
    );
    assert_eq!(
        (&tiered.out, &tiered.error),
        (&general.out, &general.error),
        "the tier changed what\n{src}\ngives"
    );
    tiered
}

#[test]
fn fib_runs_in_the_tier_and_gives_the_same_numbers() {
    let r = both(
        "fn fib(n) {\n    if n < 2 { return n }\n    return fib(n - 1) + fib(n - 2)\n}\n\
         print(fib(20), fib(0), fib(1), fib(2.5), fib(-3))\n",
    );
    assert_eq!(r.out, "6765 0 1 2 -3\n");
    assert_eq!((r.ran, r.bailed), (5, 0));
}

#[test]
fn arithmetic_loops_and_conditions_match_the_general_code() {
    let r = both(
        "fn f(n, x) {\n    s = 0\n    i = 0\n    while i < n and not (i == 1000) {\n        \
         if i % 3 == 0 { s += i * x } else if i % 3 == 1 { s -= i / 7 } else { s = s // 2 + i ** 0.5 }\n        \
         i = i + 1\n    }\n    k = -s if s < 0 else s % 10\n    return k + (1 if x > 0 or false else 2)\n}\n\
         print(f(50, 0.37), f(200, -1.5), f(7, 0), f(3, 1 / 0), f(4, -(0 / 0)))\n\
         fn g(a, b) { return a % b + a // b + b % a }\n\
         print(g(7, 0), g(-7, 2), g(7.5, -2), g(0, 3), g(1e300, 1e-300))\n",
    );
    assert_eq!(r.ran, 10);
    assert_eq!(r.bailed, 0);
}

#[test]
fn calls_between_tiered_functions_and_globals_read_as_numbers() {
    let r = both(
        "scale = 3\nfn sq(x) { return x * x * scale }\n\
         fn even(n) {\n    if n == 0 { return 1 }\n    return odd(n - 1)\n}\n\
         fn odd(n) {\n    if n == 0 { return 0 }\n    return even(n - 1)\n}\n\
         fn h(a, b, c) { return sq(a) + sq(b) - even(c) }\n\
         print(h(1, 2, 10), h(0.5, -2, 7))\n",
    );
    assert_eq!(r.out, "14 12.75\n");
    assert_eq!((r.ran, r.bailed), (2, 0));
}

#[test]
fn the_depth_limit_is_reached_with_the_same_error_and_traceback() {
    let r = both(
        "fn down(n) {\n    if n == 0 { return 0 }\n    return down(n - 1) + 1\n}\n\
         print(down(100))\nprint(down(5000))\n",
    );
    assert_eq!(r.out, "100\n");
    assert!(r
        .error
        .as_deref()
        .unwrap_or("")
        .contains("recursion too deep"));
    // The tier gives the error itself (the general code does not run again).
    assert_eq!((r.ran, r.bailed, r.stopped), (1, 0, 1));
}

#[test]
fn the_depth_limit_through_general_and_tiered_calls_gives_one_traceback() {
    let r = both(
        "fn even(n) {\n    if n == 0 { return 1 }\n    return odd(n - 1)\n}\n\
         fn odd(n) {\n    if n == 0 { return 0 }\n    return even(n - 1)\n}\n\
         fn outer(n) {\n    print(\"outer\", n)\n    return 1 + even(n)\n}\n\
         print(outer(10))\nprint(outer(1997))\nprint(outer(1998))\nprint(outer(1999))\n",
    );
    assert_eq!(
        r.out,
        "outer 10\n2\nouter 1997\n1\nouter 1998\n2\nouter 1999\n"
    );
    assert!(r.error.as_deref().unwrap_or("").contains("outer"), "{r:?}");
    assert_eq!((r.ran, r.bailed, r.stopped), (3, 0, 1));
}

#[test]
fn arguments_that_are_not_numbers_take_the_general_path() {
    let r = both(
        "fn f(x) { return x * 2 + 1 }\nprint(f(3))\n\
         t = [1, 2]\nprint(f(t))\nprint(f(t[0]))\nprint(f(true))\n",
    );
    assert!(r.error.as_deref().unwrap_or("").contains("bool"), "{r:?}");
    assert_eq!(r.out, "7\ntensor([3., 5.])\ntensor(3.)\n");
    // `f(3)` runs in the tier; the tensor, its item and the bool never enter it.
    assert_eq!((r.ran, r.bailed), (1, 0));
}

#[test]
fn a_bool_result_or_a_missing_return_is_not_a_number() {
    let r = both(
        "fn small(n) { return n < 2 }\nfn nothing(n) { x = n }\nfn maybe(n) { if n > 0 { return n } }\n\
         print(small(1), nothing(2), maybe(3), maybe(-1))\n",
    );
    assert_eq!(r.out, "true none 3 none\n");
    // `small` is not in the tier; `nothing` and `maybe(-1)` give up.
    assert_eq!((r.ran, r.bailed), (1, 2));
}

#[test]
fn a_callee_rebound_in_a_loop_is_called_as_it_is_now() {
    let r = both(
        "fn one(n) { return n + 1 }\nfn two(n) { return n + 2 }\nfn f(n) { return g(n) * 10 }\n\
         g = one\ns = 0\ni = 0\nwhile i < 6 {\n    s = s + f(i)\n    if i == 2 { g = two }\n    \
         if i == 4 { g = len }\n    i = i + 1\n}\nprint(s)\n",
    );
    assert!(r.error.as_deref().unwrap_or("").contains("len"), "{r:?}");
    // f(0..=4) in the tier (g a tiered function), f(5) gives up: g is a builtin.
    assert_eq!((r.ran, r.bailed), (5, 1));
}

#[test]
fn a_local_read_before_it_is_bound_keeps_the_general_code() {
    let r = both(
        "x = 5\nfn f(n) {\n    if n > 0 { x = n }\n    return x * 2\n}\nprint(f(1))\nprint(f(-1))\n",
    );
    // Unbound in `f`, `x` is found by name: the global (SPEC §4).
    assert_eq!((r.out.as_str(), r.error.as_deref()), ("2\n10\n", None));
    assert_eq!((r.ran, r.bailed), (0, 0), "f is not in the tier");
}

#[test]
fn a_global_that_is_not_a_number_gives_up() {
    let r = both("fn f(n) { return n + k }\nk = 2\nprint(f(1))\nk = [1]\nprint(f(1))\nk = none\nprint(f(1))\n");
    assert_eq!((r.ran, r.bailed), (1, 2));
    assert!(r.error.is_some());
}

#[test]
fn a_function_with_effects_is_not_in_the_tier() {
    let r =
        both("fn f(n) { print(n)\n return n }\nfn g(n) { h = n\n return f(h) + 1 }\nprint(g(2))\n");
    assert_eq!(r.out, "2\n3\n");
    // g is in the tier but its callee f is not: g gives up once.
    assert_eq!((r.ran, r.bailed), (0, 1));
}

#[test]
fn a_function_that_gives_up_often_stops_trying() {
    let r = both(
        "fn f(n) { return sqrt(n) }\ni = 0\nwhile i < 100 { f(i)\n i = i + 1 }\nprint(f(4))\n",
    );
    assert_eq!(r.out, "2\n");
    assert_eq!((r.ran, r.bailed), (0, super::MAX_BAILS as usize));
}
