//! A bounded fuzz smoke over parse + run: programs generated from the grammar and
//! mutations of the example, conformance and regression scripts run through
//! `bp::run` under small limits; any panic (or abort) fails the test.
//!
//! The CI run is short; `BP_FUZZ_SECS=1800 cargo test --release --test fuzz_smoke
//! -- --nocapture` runs it for half an hour (`BP_FUZZ_SEED` picks another stream,
//! `BP_FUZZ_ITERS` caps the count). The program being run is kept in
//! `target/tmp/fuzz-smoke-current.bp`, so an abort can be reproduced; panicking
//! programs are written to `target/tmp/fuzz-crashes/`. The coverage-guided target is
//! `fuzz/` (cargo fuzz).

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "-1",
    "-2",
    "0.5",
    "2.5",
    "1e-3",
    "1e300",
    "-1e300",
    "1e18",
    "4294967296",
    "9007199254740993",
    "(0/0)",
    "(1/0)",
    "(-1/0)",
    "65",
    "-0",
];
const NAMES: &[&str] = &["x", "y", "z", "w", "t", "f", "g", "i", "n"];
const BINOPS: &[&str] = &[
    "+", "-", "*", "/", "%", "@", "**", "==", "!=", "<", "<=", ">", ">=", "and", "or",
];
const ATTRS: &[&str] = &[
    "grad",
    "shape",
    "T",
    "requires_grad",
    "ndim",
    "is_leaf",
    "data",
];
const KEYWORDS: &[&str] = &[
    "axis",
    "keepdim",
    "grad",
    "retain_graph",
    "create_graph",
    "allow_unused",
    "v",
    "value",
    "min",
    "max",
    "slope",
    "message",
    "atol",
    "rtol",
    "title",
    "step",
    "a",
    "b",
];
const TOKENS: &[&str] = &[
    "(", ")", "[", "]", "{", "}", ",", ";", "\n", ":", "::", ".", "=", "+=", "-=", "*=", "/=",
    "fn", "return", "if", "else", "for", "in", "while", "break", "continue", "no_grad", "true",
    "false", "none", "and", "or", "not", "grad", "\"s\"", "\"", "#", "-", "**", "@", "x", "0",
    "1e309", "\\", "é", "\u{0}",
];

struct Gen<'a> {
    rng: &'a mut Rng,
    builtins: &'a [&'static str],
    depth: usize,
}

impl Gen<'_> {
    fn expr(&mut self) -> String {
        self.depth += 1;
        let leaf = self.depth > 4 || self.rng.chance(30);
        let s = if leaf {
            match self.rng.below(6) {
                0 | 1 => self.rng.pick(NUMBERS).to_string(),
                2 | 3 => self.rng.pick(NAMES).to_string(),
                4 => self.rng.pick(self.builtins).to_string(),
                _ => self
                    .rng
                    .pick(&["true", "false", "none", "\"a\"", "()", "(1,)"])
                    .to_string(),
            }
        } else {
            match self.rng.below(10) {
                0..=2 => self.call(),
                3 => format!("{} {} {}", self.expr(), self.rng.pick(BINOPS), self.expr()),
                4 => format!("{}{}", self.rng.pick(&["-", "not ", "- -"]), self.expr()),
                5 => format!("[{}]", self.list()),
                6 => format!("({},)", self.list()),
                7 => format!("{}.{}", self.expr(), self.rng.pick(ATTRS)),
                8 => format!("{}[{}]", self.expr(), self.index()),
                _ => {
                    let f = self.rng.pick(self.builtins).to_string();
                    format!("{}.{}({})", self.expr(), f, self.args())
                }
            }
        };
        self.depth -= 1;
        s
    }

    fn list(&mut self) -> String {
        let n = self.rng.below(4);
        (0..n).map(|_| self.expr()).collect::<Vec<_>>().join(", ")
    }

    fn index(&mut self) -> String {
        let n = 1 + self.rng.below(3);
        let mut parts = Vec::new();
        for _ in 0..n {
            parts.push(match self.rng.below(4) {
                0 => self.expr(),
                1 => ":".to_string(),
                2 => format!("{}:{}", self.rng.pick(NUMBERS), self.rng.pick(NUMBERS)),
                _ => format!("::{}", self.rng.pick(NUMBERS)),
            });
        }
        parts.join(", ")
    }

    fn args(&mut self) -> String {
        let mut parts = Vec::new();
        for _ in 0..self.rng.below(4) {
            parts.push(self.expr());
        }
        if self.rng.chance(30) {
            parts.push(format!("{}={}", self.rng.pick(KEYWORDS), self.expr()));
        }
        if self.rng.chance(20) {
            parts.push("grad".to_string());
        }
        parts.join(", ")
    }

    fn call(&mut self) -> String {
        let f = if self.rng.chance(85) {
            self.rng.pick(self.builtins).to_string()
        } else {
            self.rng.pick(NAMES).to_string()
        };
        format!("{f}({})", self.args())
    }

    fn block(&mut self, n: usize) -> String {
        let body: Vec<String> = (0..n).map(|_| self.stmt()).collect();
        format!("{{\n{}\n}}", body.join("\n"))
    }

    fn stmt(&mut self) -> String {
        self.depth += 1;
        let simple = self.depth > 3;
        let s = match self.rng.below(if simple { 4 } else { 11 }) {
            0 | 1 => format!("{} = {}", self.rng.pick(NAMES), self.expr()),
            2 => format!("print({})", self.list()),
            3 => format!(
                "{} {} {}",
                self.rng.pick(NAMES),
                self.rng.pick(&["+=", "-=", "*=", "/="]),
                self.expr()
            ),
            4 => format!(
                "if {} {} else {}",
                self.expr(),
                self.block(2),
                self.block(1)
            ),
            5 => format!(
                "for {} in {} {}",
                self.rng.pick(NAMES),
                self.expr(),
                self.block(2)
            ),
            6 => format!("while {} {}", self.expr(), self.block(2)),
            7 => format!("fn {}(a, b) {}", self.rng.pick(NAMES), self.block(3)),
            8 => format!("no_grad {}", self.block(2)),
            9 => format!("return {}", self.expr()),
            _ => format!(
                "{}, {} = {}",
                self.rng.pick(NAMES),
                self.rng.pick(NAMES),
                self.expr()
            ),
        };
        self.depth -= 1;
        s
    }

    fn program(&mut self) -> String {
        let mut lines = vec![
            "x = ones(2, 3, grad)".to_string(),
            "y = randn(3, 2)".to_string(),
            "w = [1, 2, 3]".to_string(),
        ];
        for _ in 0..1 + self.rng.below(8) {
            lines.push(self.stmt());
        }
        lines.join("\n")
    }
}

/// Splits a script into rough tokens (words, numbers, single punctuation, spaces).
fn pieces(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' || c == '.' {
            cur.push(c);
        } else {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            out.push(c.to_string());
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn mutate(rng: &mut Rng, base: &str, other: &str, gen: &mut Gen) -> String {
    let mut p = pieces(base);
    for _ in 0..1 + gen.rng.below(4).min(rng.below(4) + 1) {
        let n = p.len().max(1);
        let i = rng.below(n);
        let len = 1 + rng.below(8);
        match rng.below(8) {
            0 => {
                let end = (i + len).min(p.len());
                p.drain(i.min(p.len())..end);
            }
            1 => {
                let end = (i + len).min(p.len());
                let dup: Vec<String> = p[i.min(p.len())..end].to_vec();
                let at = rng.below(p.len() + 1);
                p.splice(at..at, dup);
            }
            2 => {
                let o = pieces(other);
                let s = rng.below(o.len().max(1)).min(o.len());
                let e = (s + 1 + rng.below(30)).min(o.len());
                let at = rng.below(p.len() + 1);
                p.splice(at..at, o[s..e].iter().cloned());
            }
            3 => {
                let at = rng.below(p.len() + 1);
                p.insert(at, rng.pick(TOKENS).to_string());
            }
            4 => {
                // Replace a number with an interesting one.
                let nums: Vec<usize> = (0..p.len())
                    .filter(|&k| p[k].chars().next().is_some_and(|c| c.is_ascii_digit()))
                    .collect();
                if !nums.is_empty() {
                    let k = nums[rng.below(nums.len())];
                    p[k] = rng.pick(NUMBERS).to_string();
                }
            }
            5 => {
                let at = rng.below(p.len() + 1);
                p.insert(at, format!(" {} ", gen.expr()));
            }
            6 => {
                let at = rng.below(p.len() + 1);
                p.insert(at, format!("\n{}\n", gen.stmt()));
            }
            _ => {
                if i < p.len() {
                    p[i] = rng.pick(gen.builtins).to_string();
                }
            }
        }
    }
    p.concat()
}

fn seeds() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dirs = [
        root.join("examples"),
        root.join("examples/errors"),
        root.join("tests/regressions"),
        root.join("../shared/conformance"),
    ];
    let mut out = Vec::new();
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            if f.extension().is_some_and(|e| e == "bp") {
                if let Ok(text) = std::fs::read_to_string(&f) {
                    out.push(text);
                }
            }
        }
    }
    out.push("x = ones(2, 3, grad)\ny = sum(x * x)\nbackward(y)\nprint(x.grad)\n".into());
    out
}

/// When the running program started (ms since the test began), 0 when idle.
static STARTED: AtomicU64 = AtomicU64::new(0);

fn env_num(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Runs one program on its own thread under small limits; `Err` with the panic
/// message when it panicked.
fn run_one(text: &str, dir: &Path, epoch: Instant) -> Result<(), String> {
    let text = text.to_string();
    let dir = dir.to_path_buf();
    let handle = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            bp::autodiff::shape::set_element_limit(4096);
            let options = bp::eval::Options {
                max_call_depth: 100,
                script_dir: Some(dir),
                ..bp::eval::Options::default()
            };
            STARTED.store(1 + epoch.elapsed().as_millis() as u64, Ordering::SeqCst);
            let mut err = Vec::new();
            let _ = bp::run(
                text.as_str(),
                "fuzz.bp",
                Box::new(std::io::sink()),
                &mut err,
                options,
                false,
                None,
            );
            STARTED.store(0, Ordering::SeqCst);
            let _ = bp::check(&text, "fuzz.bp", &mut err, false);
        })
        .map_err(|e| format!("cannot spawn: {e}"))?;
    handle.join().map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".to_string())
    })
}

#[test]
fn generated_and_mutated_programs_never_panic() {
    let iters = env_num("BP_FUZZ_ITERS").unwrap_or(u64::MAX);
    let secs = env_num("BP_FUZZ_SECS").unwrap_or(20);
    let seed = env_num("BP_FUZZ_SEED").unwrap_or(0x5eed_b0b0);
    let epoch = Instant::now();
    let deadline = epoch + Duration::from_secs(secs);

    // A watchdog interrupts a program that runs longer than 250 ms (a loop that
    // never ends), exactly as Ctrl-C would.
    let done = Arc::new(Mutex::new(false));
    let watchdog = {
        let done = done.clone();
        std::thread::spawn(move || {
            while !*done.lock().unwrap() {
                std::thread::sleep(Duration::from_millis(25));
                let s = STARTED.load(Ordering::SeqCst);
                if s != 0 && (epoch.elapsed().as_millis() as u64 + 1).saturating_sub(s) > 250 {
                    bp::eval::interrupt();
                }
            }
        })
    };

    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let current = tmp.join("fuzz-smoke-current.bp");
    let crash_dir = tmp.join("fuzz-crashes");
    // The programs' own folder (where a `save` or `plot(file=)` writes): a temporary one.
    let scripts = common::TempDir::new("fuzz");
    let corpus = seeds();
    let builtins: Vec<&'static str> = bp::eval::builtins::names().collect();
    let mut rng = Rng(seed | 1);
    let mut gen_rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut crashes: Vec<(String, String)> = Vec::new();
    let mut n = 0u64;
    while n < iters && Instant::now() < deadline {
        let mut gen = Gen {
            rng: &mut gen_rng,
            builtins: &builtins,
            depth: 0,
        };
        let program = match rng.below(3) {
            0 => gen.program(),
            _ => {
                let base = &corpus[rng.below(corpus.len())];
                let other = &corpus[rng.below(corpus.len())];
                let mut p = mutate(&mut rng, base, other, &mut gen);
                if rng.chance(30) {
                    p = mutate(&mut rng, &p, other, &mut gen);
                }
                p
            }
        };
        let _ = std::fs::write(&current, &program);
        if let Err(msg) = run_one(&program, scripts.path(), epoch) {
            let _ = std::fs::create_dir_all(&crash_dir);
            let _ = std::fs::write(crash_dir.join(format!("crash-{n}.bp")), &program);
            crashes.push((msg, program));
        }
        n += 1;
    }
    *done.lock().unwrap() = true;
    let _ = watchdog.join();
    std::panic::set_hook(quiet);
    eprintln!(
        "fuzz smoke: {n} programs in {:.1} s, {} panics",
        epoch.elapsed().as_secs_f64(),
        crashes.len()
    );
    if let Some((msg, program)) = crashes.first() {
        panic!(
            "{} of {n} programs panicked; the first ({msg}):\n{program}",
            crashes.len()
        );
    }
}
