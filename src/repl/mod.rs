//! The interactive REPL: the [`Repl`] struct (one session, driven line by line and
//! testable without a terminal) and [`main_loop`], which wires it to rustyline.
//!
//! Whether an entry needs another line is decided by the parser (`parse(..).incomplete`),
//! not by counting brackets. The decision is made here in [`Repl::feed`] rather than in
//! a rustyline `Validator`, because rustyline shows no prompt on the extra lines of a
//! multi-line buffer; reading each line on its own lets the continuation show `... `.
//! The whole entry goes into the history as one item, so it is recalled in one piece.

mod commands;
pub mod helper;

use crate::diagnostic::{render, Diagnostic, Severity};
use crate::eval::{Interpreter, Options, RunError, Value};
use crate::Exit;
use std::cell::RefCell;
use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The prompt for a new entry.
pub const PROMPT: &str = "bp> ";
/// The prompt for a line that continues an incomplete entry.
pub const CONTINUATION_PROMPT: &str = "... ";
/// The prompt while `:backprop` has steps left to show.
pub const STEPS_PROMPT: &str = "step> ";

/// Where program output goes: kept in memory (tests) or written through (terminal).
enum Sink {
    Buffer(Vec<u8>),
    Stream(Box<dyn Write>),
}

/// A writer shared by the interpreter (`print`, echo) and the REPL's commands.
#[derive(Clone)]
struct SharedOut(Rc<RefCell<Sink>>);

impl Write for SharedOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut *self.0.borrow_mut() {
            Sink::Buffer(v) => {
                v.extend_from_slice(buf);
                Ok(buf.len())
            }
            Sink::Stream(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut *self.0.borrow_mut() {
            Sink::Buffer(_) => Ok(()),
            Sink::Stream(w) => w.flush(),
        }
    }
}

impl SharedOut {
    /// The text written since the last call (always empty for a stream).
    fn take(&self) -> String {
        match &mut *self.0.borrow_mut() {
            Sink::Buffer(v) => String::from_utf8_lossy(&std::mem::take(v)).into_owned(),
            Sink::Stream(w) => {
                let _ = w.flush();
                String::new()
            }
        }
    }
}

/// What became of a line given to [`Repl::feed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The entry ran (or failed and was reported); show the main prompt.
    Done,
    /// The entry is not complete yet; show the continuation prompt.
    Incomplete,
    /// `:quit`: leave the session.
    Quit,
}

/// The result of one [`Repl::feed`]: program output (when captured), rendered
/// diagnostics, and what to do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub out: String,
    pub err: String,
    pub outcome: Outcome,
}

/// What one notebook cell did ([`Repl::run_cell`]). Program output went to the
/// session's writer as it was produced; diagnostics are data, for the front end to
/// render ([`Repl::render`]).
#[derive(Default)]
pub struct CellReply {
    /// The value of the cell's last statement when it is an expression (not `none`).
    pub value: Option<Value>,
    /// Warnings and errors, in the order they were reported. An error stops the cell.
    pub diagnostics: Vec<Diagnostic>,
    /// The cell gave `:quit`.
    pub quit: bool,
}

impl CellReply {
    /// True when the cell stopped on an error.
    pub fn failed(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// One REPL session: an interpreter that keeps its bindings between entries, the
/// lines of an entry not yet complete, and how to render diagnostics. The notebook
/// kernel drives the same session, cell by cell ([`Repl::run_cell`]).
pub struct Repl {
    interp: Interpreter,
    out: SharedOut,
    pending: String,
    entries: usize,
    color: bool,
    /// While a cell runs: its diagnostics, kept as data instead of rendered.
    collected: RefCell<Option<Vec<Diagnostic>>>,
    /// The steps of `:backprop` not shown yet: Enter shows the next, `q` stops.
    steps: std::collections::VecDeque<String>,
}

impl Repl {
    /// A session whose output is captured and returned in each [`Reply`]; diagnostics
    /// are rendered with colour when `color`.
    pub fn new(color: bool) -> Repl {
        Repl::with_sink(Sink::Buffer(Vec::new()), color)
    }

    /// A session whose program output is written to `out` as it is produced (so a
    /// long loop's `print`s show at once); [`Reply::out`] is then empty.
    pub fn with_output(out: Box<dyn Write>, color: bool) -> Repl {
        Repl::with_sink(Sink::Stream(out), color)
    }

    fn with_sink(sink: Sink, color: bool) -> Repl {
        let out = SharedOut(Rc::new(RefCell::new(sink)));
        let options = Options {
            echo: true,
            ..Options::default()
        };
        Repl {
            interp: Interpreter::new(Box::new(out.clone()), options),
            out,
            pending: String::new(),
            entries: 0,
            color,
            collected: RefCell::new(None),
            steps: Default::default(),
        }
    }

    /// The interpreter, with every binding made so far.
    pub fn interpreter(&self) -> &Interpreter {
        &self.interp
    }

    /// The interpreter, to change its settings (its folder, its picture sink).
    pub fn interpreter_mut(&mut self) -> &mut Interpreter {
        &mut self.interp
    }

    /// True while an entry is waiting for more lines.
    pub fn is_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The prompt to show before the next line.
    pub fn prompt(&self) -> &'static str {
        if !self.steps.is_empty() {
            STEPS_PROMPT
        } else if self.is_pending() {
            CONTINUATION_PROMPT
        } else {
            PROMPT
        }
    }

    /// Shows the next step of `:backprop` (and, while more are left, how to go on).
    fn show_next_step(&mut self) {
        if let Some(step) = self.steps.pop_front() {
            let more = if self.steps.is_empty() {
                ""
            } else {
                "(Enter: the next step, q: stop)\n"
            };
            let _ = write!(self.out, "{step}{more}");
            let _ = self.out.flush();
        }
    }

    /// `:backprop NAME`: the heading and first step now, the others one per Enter.
    pub(super) fn start_steps(&mut self, blocks: Vec<String>) {
        self.steps = blocks.into();
        self.show_next_step();
        self.show_next_step();
    }

    /// Drops the lines of an incomplete entry (Ctrl-C at the prompt).
    pub fn clear_pending(&mut self) {
        self.pending.clear();
    }

    /// `v` as the REPL echoes it: objects by their class's `show` (its plain
    /// form when `show` fails).
    pub fn repr_of(&mut self, v: &crate::eval::Value) -> String {
        self.interp
            .repr_text(v, crate::source::Span::EMPTY)
            .unwrap_or_else(|_| v.to_repr())
    }

    /// What each variable offers after `name.` (its value's members, in the order to
    /// offer them: [`crate::eval::members`]), for completion.
    pub fn object_members(&self) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        for name in self.interp.globals.keys() {
            if let Some(ms) = self.members_of(name) {
                out.push((name.to_string(), ms));
            }
        }
        out
    }

    /// What the value in variable `name` offers after a dot: a tensor's attributes and
    /// methods, an object's fields and methods, a list's, dict's, string's, module's or
    /// optimizer's members.
    pub fn members_of(&self, name: &str) -> Option<Vec<String>> {
        // A variable whose value offers nothing (a number) offers nothing, not the
        // tensor attributes that an expression of unknown type gets.
        Some(crate::eval::members::of_value(self.interp.global(name)?).unwrap_or_default())
    }

    /// Names of the variables, sorted (for completion).
    pub fn variable_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.interp.globals.keys().map(|k| k.to_string()).collect();
        names.sort();
        names
    }

    /// Takes one line of input (or several, as from a paste or a recalled history
    /// entry): a `:` command, or source that is run once the parser finds it complete.
    pub fn feed(&mut self, line: &str) -> Reply {
        let mut err = Vec::new();
        let outcome = self.feed_inner(line, &mut err);
        Reply {
            out: self.out.take(),
            err: String::from_utf8_lossy(&err).into_owned(),
            outcome,
        }
    }

    fn feed_inner(&mut self, line: &str, err: &mut Vec<u8>) -> Outcome {
        let line = line.strip_suffix('\n').unwrap_or(line);
        if !self.steps.is_empty() {
            match line.trim() {
                "" => {
                    self.show_next_step();
                    return Outcome::Done;
                }
                "q" => {
                    self.steps.clear();
                    return Outcome::Done;
                }
                // Anything else leaves the steps and is taken as usual.
                _ => self.steps.clear(),
            }
        }
        if self.pending.is_empty() {
            let trimmed = line.trim_start();
            if trimmed.starts_with(':') {
                let trimmed = trimmed.to_string();
                return match crate::guard::catch(|| commands::run(self, &trimmed, err)) {
                    Ok(outcome) => outcome,
                    Err(panic) => {
                        self.interp.recover();
                        self.report(&panic.diagnostic(), err);
                        Outcome::Done
                    }
                };
            }
            if trimmed.is_empty() {
                return Outcome::Done;
            }
        }
        if !self.pending.is_empty() {
            self.pending.push('\n');
        }
        self.pending.push_str(line);

        let parsed = crate::syntax::parse(&self.pending, Default::default());
        if parsed.incomplete {
            return Outcome::Incomplete;
        }
        let text = std::mem::take(&mut self.pending);
        self.entries += 1;
        let name = format!("<repl:{}>", self.entries);
        self.run_text(&name, &text, err);
        Outcome::Done
    }

    /// Runs a notebook cell (SPEC §15): its `:` command lines as commands, the lines
    /// between them as code; the value of a last expression is the cell's result
    /// (not echoed). An error stops the cell; the session goes on. `number` names
    /// the cell's sources (`<cell:N>`); each code part keeps its line numbers.
    pub fn run_cell(&mut self, code: &str, number: usize) -> CellReply {
        self.pending.clear();
        *self.collected.borrow_mut() = Some(Vec::new());
        let echo = std::mem::replace(&mut self.interp.options.echo, false);
        let mut reply = CellReply::default();
        let mut ignored = Vec::new();
        for part in cell_parts(code) {
            reply.value = None;
            match part {
                CellPart::Command(line) => {
                    match crate::guard::catch(|| commands::run(self, line, &mut ignored)) {
                        Ok(Outcome::Quit) => reply.quit = true,
                        Ok(_) => {}
                        Err(panic) => {
                            self.interp.recover();
                            self.report(&panic.diagnostic(), &mut ignored);
                        }
                    }
                }
                CellPart::Code(text) => {
                    let name = format!("<cell:{number}>");
                    reply.value = self
                        .run_entry(&name, &text, true, &mut ignored)
                        .filter(|v| !matches!(v, Value::None));
                }
            }
            let failed = self
                .collected
                .borrow()
                .iter()
                .flatten()
                .any(|d| d.severity == Severity::Error);
            if failed {
                reply.value = None;
                break;
            }
        }
        self.interp.options.echo = echo;
        reply.diagnostics = self.collected.borrow_mut().take().unwrap_or_default();
        reply
    }

    /// Renders a diagnostic against every source of the session (with ANSI colour
    /// when `color`).
    pub fn render(&self, d: &Diagnostic, color: bool) -> String {
        let mut buf = Vec::new();
        let _ = render(d, &self.interp.sources, color, &mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    }

    /// Runs `text` as one entry named `name` and renders its warnings and errors.
    fn run_text(&mut self, name: &str, text: &str, err: &mut Vec<u8>) {
        self.run_entry(name, text, false, err);
    }

    /// Runs `text` as one entry; with `value`, gives the value of its last statement
    /// when that is an expression.
    fn run_entry(
        &mut self,
        name: &str,
        text: &str,
        value: bool,
        err: &mut Vec<u8>,
    ) -> Option<Value> {
        let interp = &mut self.interp;
        // The interpreter is written not to panic; should it, the session survives.
        let result = crate::guard::catch(|| {
            let result = if value {
                interp.run_cell(name, text)
            } else {
                interp.run_source(name, text).map(|()| None)
            };
            crate::guard::debug_panic(text);
            result
        });
        if result.is_err() {
            self.interp.recover();
        }
        let _ = self.out.flush();
        for w in self.interp.take_warnings() {
            self.report(&w, err);
        }
        match result {
            Ok(Ok(v)) => return v,
            Ok(Err(RunError::Syntax(ds))) => {
                for d in &ds {
                    self.report(d, err);
                }
            }
            Ok(Err(RunError::Runtime(d))) => self.report(&d, err),
            Err(panic) => self.report(&panic.diagnostic(), err),
        }
        None
    }

    /// Renders a diagnostic against every source of the session (or, while a cell
    /// runs, keeps it for [`CellReply::diagnostics`]).
    fn report(&self, d: &Diagnostic, err: &mut Vec<u8>) {
        if let Some(kept) = self.collected.borrow_mut().as_mut() {
            kept.push(d.clone());
            return;
        }
        let _ = render(d, &self.interp.sources, self.color, err);
    }
}

/// A part of a notebook cell: a `:` command line, or code (the cell's text with
/// every other line left empty, so that reports keep the cell's line numbers).
#[derive(Debug, PartialEq, Eq)]
enum CellPart<'a> {
    Command(&'a str),
    Code(String),
}

/// Splits a cell into its `:` command lines and the runs of code between them.
fn cell_parts(code: &str) -> Vec<CellPart<'_>> {
    let lines: Vec<&str> = code.lines().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    let code_part = |from: usize, to: usize| {
        let mut text = "\n".repeat(from);
        for line in &lines[from..to] {
            text.push_str(line);
            text.push('\n');
        }
        CellPart::Code(text)
    };
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with(':') {
            if lines[start..i].iter().any(|l| !l.trim().is_empty()) {
                parts.push(code_part(start, i));
            }
            parts.push(CellPart::Command(trimmed));
            start = i + 1;
        }
    }
    if lines[start..].iter().any(|l| !l.trim().is_empty()) {
        parts.push(code_part(start, lines.len()));
    }
    parts
}

/// Where the history is kept: `$BP_HISTORY` (empty: nowhere), else
/// `$XDG_DATA_HOME/bp/history`, else `~/.local/share/bp/history`.
pub fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("BP_HISTORY") {
        return if p.is_empty() {
            None
        } else {
            Some(PathBuf::from(p))
        };
    }
    let data = match std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?)
            .join(".local")
            .join("share"),
    };
    Some(data.join("bp").join("history"))
}

/// Set by the Ctrl-C handler while an entry runs.
static SIGINT_SEEN: AtomicBool = AtomicBool::new(false);

/// The terminal session: reads entries with rustyline until Ctrl-D or `:quit`.
pub fn main_loop() -> Exit {
    use rustyline::error::ReadlineError;
    use std::io::IsTerminal;

    // Ctrl-C while a statement runs: the terminal is in cooked mode, so it is a
    // SIGINT; stop the statement. At the prompt rustyline reads it as a key instead.
    let _ = ctrlc::set_handler(|| {
        SIGINT_SEEN.store(true, Ordering::SeqCst);
        crate::eval::interrupt();
    });

    // Colour (reports, prompt, highlighted input) unless NO_COLOR is set (no-color.org).
    let color = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut repl = Repl::with_output(Box::new(std::io::stdout()), color);
    let config = rustyline::Config::builder()
        .auto_add_history(false)
        .max_history_size(5000)
        .and_then(|b| b.history_ignore_dups(true))
        .map(|b| b.completion_type(rustyline::CompletionType::List).build());
    let config = config.unwrap_or_default();
    let mut editor: rustyline::Editor<helper::ReplHelper, rustyline::history::FileHistory> =
        match rustyline::Editor::with_config(config) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error: cannot start the line editor: {e}");
                return Exit::RuntimeError;
            }
        };
    let names = helper::Names::default();
    editor.set_helper(Some(helper::ReplHelper::new(names.clone(), color)));

    let history = history_path();
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.load_history(path);
    }

    println!(
        "bp {} — :help for commands, Ctrl-D to leave",
        env!("CARGO_PKG_VERSION")
    );
    let mut entry = String::new();
    loop {
        names.set(repl.variable_names());
        names.set_members(repl.object_members());
        match editor.readline(repl.prompt()) {
            Ok(line) => {
                if !entry.is_empty() {
                    entry.push('\n');
                }
                entry.push_str(&line);
                SIGINT_SEEN.store(false, Ordering::SeqCst);
                let reply = repl.feed(&line);
                if SIGINT_SEEN.swap(false, Ordering::SeqCst) {
                    // The terminal echoed `^C`: start the report on a line of its own.
                    println!();
                }
                print!("{}", reply.out);
                let _ = std::io::stdout().flush();
                eprint!("{}", reply.err);
                if reply.outcome != Outcome::Incomplete {
                    if !entry.trim().is_empty() {
                        let _ = editor.add_history_entry(entry.as_str());
                        if let Some(path) = &history {
                            let _ = editor.save_history(path);
                        }
                    }
                    entry.clear();
                }
                if reply.outcome == Outcome::Quit {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => {
                // Ctrl-C at the prompt: forget the line (and an unfinished entry).
                repl.clear_pending();
                entry.clear();
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: cannot read input: {e}");
                break;
            }
        }
    }
    Exit::Success
}

#[cfg(test)]
mod cell_tests {
    use super::{cell_parts, CellPart};

    #[test]
    fn commands_and_code_are_split_keeping_line_numbers() {
        let parts = cell_parts("x = 1\n:vars\n\ny = x\ny\n  :grads");
        assert_eq!(
            parts,
            vec![
                CellPart::Code("x = 1\n".into()),
                CellPart::Command(":vars"),
                CellPart::Code("\n\n\ny = x\ny\n".into()),
                CellPart::Command(":grads"),
            ]
        );
        assert_eq!(cell_parts("  \n\n"), vec![]);
    }
}
