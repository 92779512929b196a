//! The evaluator: runs a parsed program, keeping variables, functions and the
//! recording state between entries (so the REPL and scripts share one path).
//!
//! After parsing, the one resolver (`crate::eval::resolve`) gives every name its place
//! and every function its frame layout, in side tables; every statement is then
//! compiled to closures (`exec/compile.rs`, the one back end) from those tables
//! and run. Every differentiable operation is recorded by
//! the autodiff core under the span of the expression that asked for it, which is
//! what lets diagnostics and the REPL's `:tape` and `:why` point at source text.

pub(crate) mod args;
pub mod builtins;
pub mod chain_rule;
pub(crate) mod classes;
pub(crate) mod collections;
pub(crate) mod errors;
mod exec;
pub mod explain;
pub(crate) mod format;
pub(crate) mod globals;
pub(crate) mod habits;
mod indexing;
mod lang;
pub mod members;
pub(crate) mod params;
pub(crate) mod pytorch;
pub mod resolve;
pub mod value;
mod why_none;

pub use exec::Found;
pub use value::{Closure, Env, Value};

use crate::autodiff::Tensor;
use crate::diagnostic::Diagnostic;
use crate::fast_hash::FastMap;
use crate::files::FilePolicy;
use crate::source::{SourceId, Sources, Span};
use crate::syntax::parse;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// The interrupt flag lives below the evaluator ([`crate::interrupt`]), so that hosts
/// can set it without depending on the evaluator.
pub use crate::interrupt::{interrupt, INTERRUPTED};

/// How the interpreter behaves.
#[derive(Clone, Debug)]
pub struct Options {
    /// A gradient anomaly (NaN or inf in backward) is an error, not a warning.
    pub strict: bool,
    /// Echo the value of top-level expression statements (the REPL).
    pub echo: bool,
    /// The deepest chain of nested function calls.
    pub max_call_depth: usize,
    /// Look for the operation that produced a NaN or infinite gradient.
    pub detect_anomalies: bool,
    /// Keep the last `backward`'s graph, and the gradient that flowed through
    /// every recorded operation in it, so that `:why` can show them (costs memory;
    /// `bp run` turns it off since a script cannot ask `:why`).
    pub record_grads: bool,
    /// Folders besides the script's where files may be read and written
    /// (`bp run --allow-path DIR`, SPEC §14 Files).
    pub allow_paths: Vec<PathBuf>,
    /// The folder of the script for relative paths and the file policy, when it
    /// is not the folder of the script's name (tests run examples in a temporary
    /// folder); `None` takes it from the name.
    pub script_dir: Option<PathBuf>,
    /// What runs once the first text is parsed (the script, before it runs): `bp
    /// run` returns what parsing frees to the OS while the script is parsed (a long
    /// list's chunks), and keeps freed pages for reuse once it is parsed (a training
    /// loop reallocates the same buffers every step).
    pub after_parse: Option<fn()>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            strict: false,
            echo: false,
            max_call_depth: 2000,
            detect_anomalies: true,
            record_grads: true,
            allow_paths: Vec::new(),
            script_dir: None,
            after_parse: None,
        }
    }
}

/// Why running a source failed.
#[derive(Debug)]
pub enum RunError {
    /// Parsing failed: every syntax error found (exit code 2).
    Syntax(Vec<Diagnostic>),
    /// Running failed (exit code 1).
    Runtime(Box<Diagnostic>),
}

/// Non-local exits while evaluating: loop control, `return`, and errors.
pub enum Flow {
    Break(Span),
    Continue(Span),
    Return(Value, Span),
    Error(Box<Diagnostic>),
}

impl From<Diagnostic> for Flow {
    fn from(d: Diagnostic) -> Flow {
        Flow::Error(Box::new(d))
    }
}

pub type Eval<T> = Result<T, Flow>;

/// The last `backward` call: its root and where it was made (for `:why`).
#[derive(Clone)]
pub struct LastBackward {
    pub root: Tensor,
    pub span: Span,
}

pub struct Interpreter {
    pub sources: Sources,
    pub globals: globals::Globals,
    pub options: Options,
    out: Box<dyn Write>,
    /// Warnings since the last `take_warnings`, each with how many times it came at
    /// its place (the same message under the same span is shown once).
    warnings: Vec<(Diagnostic, usize)>,
    depth: usize,
    /// The code of the index expressions being read or written, innermost last
    /// (see [`Interpreter::eval`]).
    pub(crate) side_codes: Vec<Rc<exec::compile::SideCodes>>,
    pub(crate) rng: crate::random::Rng,
    start: Instant,
    pub last_backward: Option<LastBackward>,
    /// Imported modules by canonical path: each file runs once per process.
    pub(crate) modules: FastMap<std::path::PathBuf, Rc<value::Module>>,
    /// The modules being imported, outermost first, with the `import` that
    /// started each (to report a cycle).
    pub(crate) importing: Vec<(std::path::PathBuf, Span)>,
    /// Where scripts may read and write files (SPEC §14 Files).
    pub files: FilePolicy,
    /// The folder that relative paths in sources that are not files (`<stdin>`, a
    /// REPL entry, a notebook cell) are relative to.
    pub home: PathBuf,
    /// Folders of sources set explicitly (see [`Interpreter::run_source_at`]).
    source_dirs: FastMap<SourceId, PathBuf>,
    /// Where pictures go when a front end draws them itself (the notebook).
    picture_sink: Option<crate::picture::PictureSink>,
    /// Emptied call frames, reused by the next calls (no allocation per call).
    frames: Vec<Rc<Env>>,
    /// What the resolver found in every program run so far (places of names,
    /// frame layouts), read by the compiler.
    pub(crate) resolved: exec::Resolved,
    /// Emptied argument lists of builtin calls, reused by the next calls.
    pub(crate) arg_lists: Vec<Vec<(Value, Span)>>,
}

impl Interpreter {
    /// An interpreter whose `print` (and REPL echo) writes to `out`.
    pub fn new(out: Box<dyn Write>, options: Options) -> Interpreter {
        let options_paths = options.allow_paths.clone();
        Interpreter {
            sources: Sources::new(),
            globals: globals::Globals::default(),
            options,
            out,
            warnings: Vec::new(),
            depth: 0,
            side_codes: Vec::new(),
            rng: crate::random::Rng::from_time(),
            start: Instant::now(),
            last_backward: None,
            modules: FastMap::default(),
            importing: Vec::new(),
            files: FilePolicy::new(
                std::env::current_dir()
                    .ok()
                    .into_iter()
                    .chain(options_paths.iter().cloned()),
            ),
            home: std::env::current_dir().unwrap_or_default(),
            source_dirs: FastMap::default(),
            picture_sink: None,
            frames: Vec::new(),
            resolved: exec::Resolved::default(),
            arg_lists: Vec::new(),
        }
    }

    /// Hands the pictures that `plot`, `scatter` and `draw` show (without `file=`) to
    /// `sink` instead of printing their text; `None` prints again.
    pub fn set_picture_sink(&mut self, sink: Option<crate::picture::PictureSink>) {
        self.picture_sink = sink;
    }

    /// Shows a picture: into the file `file` (SVG, through the file gate, relative to
    /// the folder of the source at its span), to the picture sink, or as text.
    /// Whether pictures go to a front end that draws them (the notebook), not to
    /// the text output.
    pub(crate) fn shows_pictures_inline(&self) -> bool {
        self.picture_sink.is_some()
    }

    pub(crate) fn show_picture(
        &mut self,
        picture: crate::picture::Picture,
        file: Option<(&str, Span)>,
    ) -> Eval<()> {
        if let Some((path, span)) = file {
            let svg = picture.to_svg();
            return self.write_file(span, path, svg.as_bytes(), span);
        }
        if let Some(sink) = self.picture_sink.as_mut() {
            sink(&picture);
            return Ok(());
        }
        let text = picture.to_text();
        let text = if text.ends_with('\n') {
            text
        } else {
            text + "\n"
        };
        self.write_out(&text)
    }

    /// Makes `dir` the script's folder: the root of the file policy (with the
    /// `--allow-path` folders) and what relative paths in non-file sources start from.
    pub fn set_script_dir(&mut self, dir: &Path) {
        self.files = FilePolicy::new(
            std::iter::once(dir.to_path_buf()).chain(self.options.allow_paths.iter().cloned()),
        );
        self.home = dir.to_path_buf();
    }

    /// Runs a source whose relative paths start from `dir` (whatever its name).
    pub fn run_source_at(
        &mut self,
        name: &str,
        text: impl Into<Rc<str>>,
        dir: &Path,
    ) -> Result<(), RunError> {
        let text: Rc<str> = text.into();
        let id = self.sources.add(name, text.clone());
        self.source_dirs.insert(id, dir.to_path_buf());
        self.run_parsed(id, &text)
    }

    /// The folder that relative paths written at `span` start from: the folder of
    /// the file that holds it, or [`Interpreter::home`].
    pub fn base_dir(&self, span: Span) -> PathBuf {
        if let Some(d) = self.source_dirs.get(&span.source) {
            return d.clone();
        }
        match self.sources.get(span.source) {
            Some(f) if !f.name.starts_with('<') => match Path::new(&f.name).parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            },
            _ => self.home.clone(),
        }
    }

    /// The bytes of the file `path`, relative to the folder of `at` (SPEC §14's file
    /// rules); a file error is labelled at `span`.
    pub(crate) fn read_file(&self, at: Span, path: &str, span: Span) -> Eval<Vec<u8>> {
        self.files
            .read(&self.base_dir(at), path)
            .map_err(|e| Flow::from(errors::file_error(&e, span)))
    }

    /// Writes `bytes` to the file `path`, relative to the folder of `at`; a file error
    /// is labelled at `span`.
    pub(crate) fn write_file(&self, at: Span, path: &str, bytes: &[u8], span: Span) -> Eval<()> {
        self.files
            .write(&self.base_dir(at), path, bytes)
            .map(|_| ())
            .map_err(|e| Flow::from(errors::file_error(&e, span)))
    }

    /// Puts the interpreter back in a usable state after a panic caught by
    /// [`crate::guard::catch`] interrupted an entry (the bindings are kept).
    pub fn recover(&mut self) {
        crate::autodiff::set_grad_enabled(true);
        self.depth = 0;
        self.side_codes.clear();
    }

    /// Parses and runs one source text (a file, or one REPL entry).
    pub fn run_source(&mut self, name: &str, text: impl Into<Rc<str>>) -> Result<(), RunError> {
        let text: Rc<str> = text.into();
        let id = self.sources.add(name, text.clone());
        self.run_parsed(id, &text)
    }

    /// Parses and runs a notebook cell: as [`Interpreter::run_source`], and gives the
    /// value of the last statement when it is an expression (never echoed).
    pub fn run_cell(&mut self, name: &str, text: &str) -> Result<Option<Value>, RunError> {
        let id = self.sources.add(name, text);
        self.run_parsed_inner(id, text, true)
    }

    fn run_parsed(&mut self, id: SourceId, text: &str) -> Result<(), RunError> {
        self.run_parsed_inner(id, text, false).map(|_| ())
    }

    fn run_parsed_inner(
        &mut self,
        id: SourceId,
        text: &str,
        want_value: bool,
    ) -> Result<Option<Value>, RunError> {
        let parsed = parse(text, id);
        if let Some(hook) = self.options.after_parse.take() {
            hook();
        }
        if !parsed.diagnostics.is_empty() {
            return Err(RunError::Syntax(parsed.diagnostics));
        }
        let Some(program) = parsed.program else {
            return Err(RunError::Syntax(vec![Diagnostic::error(
                "could not parse the input",
            )]));
        };
        self.resolve(
            &program,
            id,
            text.len(),
            crate::eval::resolve::TopLevel::Globals,
        );
        INTERRUPTED.store(false, Ordering::SeqCst);
        let result = if want_value {
            self.exec_program_value(&program)
        } else {
            self.exec_program(&program).map(|()| None)
        };
        let _ = self.out.flush();
        self.resolved.forget();
        crate::autodiff::set_grad_enabled(true);
        self.depth = 0;
        self.side_codes.clear();
        match result {
            Ok(v) => Ok(v),
            Err(Flow::Error(d)) => Err(RunError::Runtime(d)),
            Err(Flow::Break(span)) | Err(Flow::Continue(span)) => Err(RunError::Runtime(Box::new(
                Diagnostic::error("break or continue outside a loop")
                    .with_label(span, "not inside a loop"),
            ))),
            Err(Flow::Return(_, span)) => Err(RunError::Runtime(Box::new(
                Diagnostic::error("return outside a function")
                    .with_label(span, "not inside a function"),
            ))),
        }
    }

    /// Warnings (gradient anomalies) reported since the last call, each once: one
    /// that came again at the same place says how many times it came (SPEC §21).
    pub fn take_warnings(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.warnings)
            .into_iter()
            .map(|(mut d, n)| {
                if n > 1 {
                    let note = format!("this warning came {n} times here; it is shown once");
                    d.hint = Some(match d.hint.take() {
                        Some(h) => format!("{h}\n{note}"),
                        None => note,
                    });
                }
                d
            })
            .collect()
    }

    /// Forgets every variable (the REPL's `:reset`).
    pub fn reset(&mut self) {
        self.globals.clear();
        self.last_backward = None;
    }

    /// The value of a global variable.
    pub fn global(&self, name: &str) -> Option<&Value> {
        self.globals.get(name)
    }

    pub(crate) fn write_out(&mut self, text: &str) -> Eval<()> {
        self.out
            .write_all(text.as_bytes())
            .map_err(|e| Flow::from(Diagnostic::error(format!("cannot write output: {e}"))))
    }

    pub(crate) fn warn(&mut self, d: Diagnostic) {
        let same = |w: &Diagnostic| w.message == d.message && w.primary_span() == d.primary_span();
        match self.warnings.iter_mut().find(|(w, _)| same(w)) {
            Some((_, n)) => *n += 1,
            None => self.warnings.push((d, 1)),
        }
    }

    /// Seconds since the interpreter started (monotonic).
    pub(crate) fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}
