//! Hostile arguments for every builtin (SPEC §8: nothing a script does may crash
//! bp). Generated from the rows of the builtin table (`bp::eval::builtins::all()`):
//! starting from each row's example call, every declared parameter (by position
//! and by its name, keyword-only ones by name) is given 0-d, empty, size-1, large,
//! negative and non-integer shapes and axes, NaN and infinite values, tuples and
//! lists in place of tensors, functions and strings; each required argument is left
//! out in turn, one positional too many, an unknown keyword and a duplicated one are
//! passed; and every builtin is called with each value of the zoo alone. The result
//! is printed and differentiated (first and second order) when it can be. Any
//! panic (reported by `bp::run` as an internal error, exit 3) fails the test.
//!
//! `cargo test --test hostile` runs the systematic sweep and a short random one.
//! `BP_HOSTILE_SECS=1800 cargo test --release --test hostile -- --nocapture`
//! runs the random part for half an hour and prints the number of calls
//! (`BP_HOSTILE_SEED` picks another stream). Failing scripts are written to
//! `target/tmp/hostile-crashes/`.

mod common;

use bp::eval::value::{Builtin, Param, ParamDefault, Pass};
use bp::eval::Options;
use bp::Exit;
use common::TempDir;
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

/// The hostile values every declared parameter is given in the short sweep (the
/// long one gives it every value of [`VALUES`] and [`KEYWORD_VALUES`]).
const SHORT_VALUES: &[&str] = &[
    "(0/0)",
    "-1",
    "1e300",
    "tensor(0)",
    "zeros(0)",
    "ones(2, 0, 3)",
    "(3000000000, 0, 3000000000)",
    "[[1, 2], [3]]",
    "\"text\"",
    "none",
    "fn(a) { return a * 2 }",
];

/// A call of one builtin: what runs before it (the `save` in `load`'s example),
/// its positional arguments and its keyword arguments, as source text.
#[derive(Clone, Debug)]
struct Call {
    setup: String,
    name: &'static str,
    positional: Vec<String>,
    keywords: Vec<(String, String)>,
}

impl Call {
    fn text(&self) -> String {
        let mut args = self.positional.clone();
        args.extend(self.keywords.iter().map(|(k, v)| format!("{k}={v}")));
        format!("{}{}({})", self.setup, self.name, args.join(", "))
    }

    /// The call with parameter `param` (the `index`th of its row) given `value`:
    /// in its place when it is passed by position, else by its name.
    fn with(&self, row: &Builtin, index: usize, value: &str) -> Call {
        let param = &row.params[index];
        let mut c = self.clone();
        c.keywords.retain(|(k, _)| k != param.name);
        match param.pass {
            Pass::Positional if index < c.positional.len() => c.positional[index] = value.into(),
            Pass::Rest => c.positional.push(value.into()),
            Pass::KeywordRest => c.keywords.push(("hostile".into(), value.into())),
            _ => c.keywords.push((param.name.into(), value.into())),
        }
        c
    }

    /// The call with parameter `index` left out: the positional arguments after it
    /// are passed by name (none follow a `*rest`).
    fn without(&self, row: &Builtin, index: usize) -> Call {
        let param = &row.params[index];
        let mut c = self.clone();
        c.keywords.retain(|(k, _)| k != param.name);
        if param.pass == Pass::Positional && index < c.positional.len() {
            let later: Vec<String> = c.positional.split_off(index);
            for (i, v) in later.into_iter().enumerate().skip(1) {
                if let Some(p) = row.params.get(index + i) {
                    if p.pass == Pass::Positional {
                        c.keywords.push((p.name.into(), v));
                    }
                }
            }
        } else if param.pass == Pass::Rest {
            let before = row.params[..index]
                .iter()
                .filter(|p| p.pass == Pass::Positional)
                .count();
            c.positional.truncate(before);
        }
        c
    }
}

/// Splits `text` at the top-level occurrences of `sep` (outside brackets, braces
/// and strings).
fn split_top(text: &str, sep: char) -> Vec<String> {
    let (mut parts, mut cur, mut depth, mut in_str) = (Vec::new(), String::new(), 0i32, false);
    for ch in text.chars() {
        match ch {
            '"' => in_str = !in_str,
            '(' | '[' | '{' if !in_str => depth += 1,
            ')' | ']' | '}' if !in_str => depth -= 1,
            c if c == sep && depth == 0 && !in_str => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    if !cur.trim().is_empty() {
        parts.push(cur);
    }
    parts
}

/// The row's example as a [`Call`] (the last statement of the example is the
/// builtin's call; earlier statements are its setup).
fn example_call(row: &'static Builtin) -> Call {
    let statements = split_top(row.example, ';');
    let (last, setup) = statements.split_last().expect("an example");
    let setup: String = setup.iter().map(|s| format!("{}; ", s.trim())).collect();
    let last = last.trim();
    let inner = last
        .strip_prefix(row.name)
        .and_then(|s| s.strip_prefix('('))
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{}'s example is not one call: {last}", row.name));
    let mut call = Call {
        setup,
        name: row.name,
        positional: Vec::new(),
        keywords: Vec::new(),
    };
    for arg in split_top(inner, ',') {
        let arg = arg.trim();
        let keyword = arg.split_once('=').filter(|(k, v)| {
            !v.starts_with('=')
                && !k.is_empty()
                && k.trim().chars().all(|c| c.is_alphanumeric() || c == '_')
        });
        match keyword {
            Some((k, v)) => call.keywords.push((k.trim().into(), v.trim().into())),
            None => call.positional.push(arg.into()),
        }
    }
    call
}

/// Whether the row requires the parameter.
fn required(p: &Param) -> bool {
    p.default == ParamDefault::Required
}

/// The systematic calls of one row: each declared parameter given each value,
/// each required one left out, a positional too many, an unknown keyword, a
/// keyword given twice, and values of the zoo as the only argument (`zoo_every`:
/// every value, or every third one, a different third for the next row).
fn row_calls(row: &'static Builtin, values: &[&str], zoo_every: usize) -> Vec<String> {
    let base = example_call(row);
    let mut calls = vec![base.text(), format!("{}()", row.name)];
    for (i, p) in row.params.iter().enumerate() {
        for v in values {
            calls.push(base.with(row, i, v).text());
        }
        if required(p) {
            calls.push(base.without(row, i).text());
        }
        if p.pass == Pass::Positional {
            let mut twice = base.clone();
            twice.keywords.push((p.name.into(), "1".into()));
            calls.push(twice.text());
        }
    }
    let mut extra = base.clone();
    extra.keywords.clear();
    extra.positional.push("ones(3)".into());
    calls.push(extra.text());
    let mut unknown = base.clone();
    unknown
        .keywords
        .push(("no_such_keyword".into(), "1".into()));
    calls.push(unknown.text());
    let offset = row.name.len();
    for (i, v) in VALUES.iter().enumerate() {
        if (i + offset).is_multiple_of(zoo_every) {
            calls.push(format!("{}({v})", row.name));
        }
    }
    calls
}

/// A random call of one row: each parameter left out, given by position or by
/// name, with a value of the zoo or of the example; sometimes an extra positional
/// or an unknown keyword.
fn random_call(row: &'static Builtin, rng: &mut Rng) -> String {
    let base = example_call(row);
    let mut c = base.clone();
    for i in 0..row.params.len() {
        match rng.below(4) {
            0 => c = c.without(row, i),
            1 => c = c.with(row, i, rng.pick(VALUES)),
            2 => c = c.with(row, i, rng.pick(KEYWORD_VALUES)),
            _ => {}
        }
    }
    match rng.below(6) {
        0 => c.positional.push(rng.pick(VALUES).into()),
        1 => c
            .keywords
            .push(("no_such_keyword".into(), rng.pick(KEYWORD_VALUES).into())),
        _ => {}
    }
    c.text()
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

/// The folder the scripts' files (`save`, `plot(file=)`) go to: a temporary one,
/// removed when the sweep ends.
fn files_dir() -> TempDir {
    TempDir::new("hostile")
}

/// Runs one script with small limits; returns whether it ended without a panic.
fn survives(script: &str, dir: &std::path::Path) -> bool {
    let options = Options {
        max_call_depth: 200,
        script_dir: Some(dir.to_path_buf()),
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
        None,
    );
    code != Exit::InternalError
}

struct Sweep {
    calls: u64,
    dir: TempDir,
    failures: Vec<String>,
}

impl Sweep {
    fn new() -> Sweep {
        Sweep {
            calls: 0,
            dir: files_dir(),
            failures: Vec::new(),
        }
    }

    fn call(&mut self, call: &str) {
        for s in scripts(call) {
            self.calls += 1;
            if std::env::var_os("BP_HOSTILE_TRACE").is_some() {
                eprintln!("--- {s}");
            }
            let start = Instant::now();
            if !survives(&s, self.dir.path()) {
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
fn every_example_call_is_understood() {
    // The generator starts from each row's example: it must be one call of the
    // builtin (after setup statements), and it must run.
    let dir = files_dir();
    for row in bp::eval::builtins::all() {
        let call = example_call(row);
        assert_eq!(
            call.text().replace(' ', ""),
            row.example.replace(' ', ""),
            "{}",
            row.name
        );
        let positional = row
            .params
            .iter()
            .filter(|p| matches!(p.pass, Pass::Positional | Pass::Rest))
            .count();
        assert!(
            call.positional.len() <= positional || row.params.iter().any(|p| p.pass == Pass::Rest),
            "{}: {call:?}",
            row.name
        );
        assert!(
            survives(&scripts(&call.text())[0], dir.path()),
            "{}",
            row.name
        );
    }
}

#[test]
fn every_builtin_survives_the_systematic_sweep() {
    with_limits();
    let rows = bp::eval::builtins::all();
    assert!(
        rows.len() > 50,
        "the builtin table is short: {}",
        rows.len()
    );
    let long: Vec<&str> = VALUES.iter().chain(KEYWORD_VALUES).copied().collect();
    // The short sweep (CI) gives each row a third of the zoo alone.
    let (values, zoo_every): (&[&str], usize) = if long_mode() {
        (&long, 1)
    } else {
        (SHORT_VALUES, 3)
    };
    let mut sweep = Sweep::new();
    for row in rows {
        for call in row_calls(row, values, zoo_every) {
            sweep.call(&call);
        }
    }
    let calls = sweep.report();
    eprintln!("hostile sweep: {calls} calls, no panic");
}

#[test]
fn every_builtin_survives_random_hostile_calls() {
    with_limits();
    let rows = bp::eval::builtins::all();
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
    let mut sweep = Sweep::new();
    let mut n = 0u64;
    while n < 300 || Instant::now() < deadline {
        n += 1;
        let row = &rows[rng.below(rows.len())];
        let call = if rng.below(4) == 0 {
            // The zoo alone: any values, any count.
            let args: Vec<&str> = (0..rng.below(5)).map(|_| rng.pick(VALUES)).collect();
            format!("{}({})", row.name, args.join(", "))
        } else {
            random_call(row, &mut rng)
        };
        sweep.call(&call);
        if sweep.failures.len() > 20 {
            break;
        }
    }
    let calls = sweep.report();
    eprintln!("hostile random: {calls} calls ({n} distinct), no panic");
}
