//! Hostile arguments for every builtin (SPEC §8: nothing a script does may crash
//! bp). Generated from the builtin list (`bp::eval::builtins::names()`): each
//! builtin is called with 0-d, empty, size-1, large, negative and non-integer
//! shapes and axes, NaN and infinite values, tuples and lists in place of tensors,
//! functions and strings, missing and extra arguments and keywords; the result is
//! printed and differentiated (first and second order) when it can be. Any panic
//! (reported by `bp::run` as an internal error, exit 3) fails the test.
//!
//! `cargo test --test hostile` runs the systematic sweep and a short random one.
//! `BP_HOSTILE_SECS=1800 cargo test --release --test hostile -- --nocapture`
//! runs the random part for half an hour and prints the number of calls
//! (`BP_HOSTILE_SEED` picks another stream). Failing scripts are written to
//! `target/tmp/hostile-crashes/`.

use bp::eval::Options;
use bp::Exit;
use std::time::{Duration, Instant};

/// Argument expressions: tensors of every awkward shape, numbers, tuples, lists
/// and other values. Each is one expression, evaluated fresh in every script.
const VALUES: &[&str] = &[
    "tensor(1.5, grad)",
    "tensor(-2)",
    "tensor(0)",
    "zeros(0)",
    "zeros(0, 3, grad)",
    "ones(2, 0, 3)",
    "zeros(3000000000, 0)",
    "ones(1)",
    "ones(1, 1, grad)",
    "randn(3, grad)",
    "randn(2, 3, grad)",
    "randn(2, 3, 4)",
    "randn(1, 3, 1, grad)",
    "arange(6)",
    "tensor([0/0, 1/0, -1/0], grad)",
    "tensor([[1, 2], [3, 4]], grad)",
    "tensor([0, 1, 0.5])",
    "tensor([-1, 2, 0], grad)",
    "0",
    "1",
    "-1",
    "2",
    "3",
    "-3",
    "0.5",
    "-2.5",
    "1e300",
    "-1e300",
    "1e18",
    "4294967296",
    "9007199254740993",
    "(0/0)",
    "(1/0)",
    "(-1/0)",
    "-0",
    "(2, 3)",
    "()",
    "(0,)",
    "(-1, 2)",
    "(1e20, 1e20)",
    "(3000000000, 0, 3000000000)",
    "(0.5, 2)",
    "(ones(2), ones(3))",
    "(ones(2, grad), ones(2))",
    "(zeros(0), zeros(0))",
    "(tensor(1), tensor(2))",
    "(1, (2, 3))",
    "[1, 2]",
    "[]",
    "[[1, 2], [3]]",
    "[[1, 2], [3, 4]]",
    "true",
    "false",
    "none",
    "\"text\"",
    "fn(a) { return a * 2 }",
    "fn(a, b) { return sum(a * b) }",
    "sum",
    "grad",
];

/// Keywords any builtin may be given (most refuse most of them).
const KEYWORDS: &[&str] = &[
    "axis",
    "keepdim",
    "min",
    "max",
    "value",
    "slope",
    "step",
    "retain_graph",
    "create_graph",
    "allow_unused",
    "v",
    "a",
    "b",
    "message",
    "atol",
    "rtol",
    "title",
    "max_norm",
    "clip",
    "p",
    "grad",
];

/// Keyword values: mostly numbers and flags, with a few worse ones.
const KEYWORD_VALUES: &[&str] = &[
    "0",
    "-1",
    "1",
    "2",
    "7",
    "-9",
    "0.5",
    "1e300",
    "(0/0)",
    "(1/0)",
    "true",
    "false",
    "none",
    "(0, 1)",
    "(0, 0)",
    "(-1, 5)",
    "ones(2)",
    "tensor(1)",
    "\"x\"",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// The scripts for one call: its result printed, and its result differentiated
/// (backward, then a second derivative through grad).
fn scripts(call: &str) -> [String; 2] {
    [
        format!("r = {call}\nprint(r)\nprint(shape(r), len(r))\n"),
        format!(
            "x = randn(3, grad)\nr = {call}\ns = sum(r * 1)\nbackward(s, retain_graph=true)\n\
             g = grad(s, x, allow_unused=true, create_graph=true)\nbackward(sum(g))\nprint(x.grad)\n"
        ),
    ]
}

/// Runs one script with small limits; returns whether it ended without a panic.
fn survives(script: &str) -> bool {
    let options = Options {
        max_call_depth: 200,
        ..Options::default()
    };
    let mut err = Vec::new();
    let code = bp::run(
        script,
        "<hostile>",
        Box::new(std::io::sink()),
        &mut err,
        options,
        false,
    );
    code != Exit::InternalError
}

struct Sweep {
    calls: u64,
    failures: Vec<String>,
}

impl Sweep {
    fn call(&mut self, call: &str) {
        for s in scripts(call) {
            self.calls += 1;
            if std::env::var_os("BP_HOSTILE_TRACE").is_some() {
                eprintln!("--- {s}");
            }
            let start = Instant::now();
            if !survives(&s) {
                self.failures.push(s);
            } else if start.elapsed() > Duration::from_secs(5) {
                self.failures
                    .push(format!("# slow: {:?}\n{s}", start.elapsed()));
            }
        }
    }

    fn report(self) -> u64 {
        if !self.failures.is_empty() {
            let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-crashes");
            let _ = std::fs::create_dir_all(&dir);
            for (i, f) in self.failures.iter().enumerate() {
                let _ = std::fs::write(dir.join(format!("crash-{i}.bp")), f);
            }
            let shown: Vec<&String> = self.failures.iter().take(5).collect();
            panic!(
                "{} of {} hostile calls panicked (all in {}); first ones:\n{shown:#?}",
                self.failures.len(),
                self.calls,
                dir.display()
            );
        }
        self.calls
    }
}

/// Whether a long run was asked for (`BP_HOSTILE_SECS`).
fn long_mode() -> bool {
    std::env::var("BP_HOSTILE_SECS").is_ok_and(|s| s.trim() != "0")
}

/// A small element limit keeps every call quick (the limit is per thread).
fn with_limits() {
    bp::autodiff::shape::set_element_limit(1 << 16);
}

#[test]
fn every_builtin_survives_the_systematic_sweep() {
    with_limits();
    let names: Vec<&str> = bp::eval::builtins::names().collect();
    assert!(names.len() > 50, "the builtin list is short: {names:?}");
    let mut sweep = Sweep {
        calls: 0,
        failures: Vec::new(),
    };
    for name in &names {
        // Missing arguments, one of every kind, and too many.
        sweep.call(&format!("{name}()"));
        for v in VALUES {
            sweep.call(&format!("{name}({v})"));
        }
        sweep.call(&format!("{name}(1, 2, 3, 4, 5, 6)"));
        // A tensor first, then every kind of second argument and every keyword
        // (in the long mode, three kinds of tensor and five values per keyword).
        let long = long_mode();
        let firsts: &[&str] = if long {
            &["randn(2, 3, grad)", "tensor(2.5, grad)", "zeros(0, 2)"]
        } else {
            &["randn(2, 3, grad)"]
        };
        let keyword_values: &[&str] = if long {
            &["-1", "0", "7", "(0/0)", "none"]
        } else {
            &["(0/0)"]
        };
        for first in firsts {
            for v in [
                "0", "-1", "5", "1.5", "(0/0)", "(0, 1)", "zeros(0)", "ones(3)",
            ] {
                sweep.call(&format!("{name}({first}, {v})"));
            }
            for k in KEYWORDS {
                for v in keyword_values {
                    sweep.call(&format!("{name}({first}, {k}={v})"));
                }
            }
        }
    }
    let calls = sweep.report();
    eprintln!("hostile sweep: {calls} calls, no panic");
}

#[test]
fn every_builtin_survives_random_hostile_calls() {
    with_limits();
    let names: Vec<&str> = bp::eval::builtins::names().collect();
    let secs: u64 = std::env::var("BP_HOSTILE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let seed: u64 = std::env::var("BP_HOSTILE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut rng = Rng(seed | 1);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut sweep = Sweep {
        calls: 0,
        failures: Vec::new(),
    };
    let mut n = 0u64;
    while n < 300 || Instant::now() < deadline {
        n += 1;
        let name = rng.pick(&names);
        let mut args: Vec<String> = (0..rng.below(5))
            .map(|_| rng.pick(VALUES).to_string())
            .collect();
        for _ in 0..rng.below(3) {
            args.push(format!(
                "{}={}",
                rng.pick(KEYWORDS),
                rng.pick(KEYWORD_VALUES)
            ));
        }
        sweep.call(&format!("{name}({})", args.join(", ")));
        if sweep.failures.len() > 20 {
            break;
        }
    }
    let calls = sweep.report();
    eprintln!("hostile random: {calls} calls ({n} distinct), no panic");
}
