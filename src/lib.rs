//! bp: a small differentiable scripting language with PyTorch's autograd semantics.
//!
//! Source text is lexed and parsed ([`syntax`]) into a spanned AST; the evaluator
//! ([`eval`]) resolves its names to slots, compiles function bodies and loops once to
//! closures and runs them, recording every differentiable operation ([`autodiff`]);
//! every problem is a [`diagnostic::Diagnostic`] rendered in one place. [`run`] is the
//! whole pipeline for one script.

pub mod autodiff;
pub(crate) mod data;
pub mod diagnostic;
pub(crate) mod display;
pub mod eval;
pub mod export;
pub(crate) mod fast_hash;
pub(crate) mod files;
pub mod guard;
pub(crate) mod interrupt;
pub mod kernel;
pub mod limits;
pub mod lsp;
pub(crate) mod optim;
pub mod picture;
pub(crate) mod random;
pub mod repl;
pub mod source;
pub mod syntax;
pub(crate) mod weights;

use diagnostic::render;
use eval::{Interpreter, Options, RunError};
use std::io::Write;

/// The exit status of a run (SPEC §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    RuntimeError = 1,
    SyntaxError = 2,
    /// A bug in bp: a panic caught by [`guard::catch`], reported in one message.
    InternalError = 3,
}

/// Runs `text` as a script named `name`: program output to `out`, diagnostics
/// (rendered, coloured when `color`) to `err`. With a time limit in seconds (`bp run
/// --timeout`), a script that runs longer stops with an error report (exit 1).
pub fn run(
    text: impl Into<std::rc::Rc<str>>,
    name: &str,
    out: Box<dyn Write>,
    err: &mut dyn Write,
    options: Options,
    color: bool,
    timeout: Option<f64>,
) -> Exit {
    // Held once: the text given (a file read by `bp run`) is moved in, not copied.
    let text: std::rc::Rc<str> = text.into();
    let deadline = timeout.map(limits::Deadline::start);
    let script_dir = options.script_dir.clone();
    let mut interp = Interpreter::new(out, options);
    let result = guard::catch(|| {
        let result = match script_dir {
            Some(dir) => {
                interp.set_script_dir(&dir);
                interp.run_source_at(name, text.clone(), &dir)
            }
            None => {
                if !name.starts_with('<') {
                    let dir = match std::path::Path::new(name).parent() {
                        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                        _ => std::path::PathBuf::from("."),
                    };
                    interp.set_script_dir(&dir);
                }
                interp.run_source(name, text.clone())
            }
        };
        guard::debug_panic(&text);
        result
    });
    for w in interp.take_warnings() {
        let _ = render(&w, &interp.sources, color, err);
    }
    let result = match result {
        Ok(r) => r,
        Err(panic) => {
            let _ = render(&panic.diagnostic(), &interp.sources, color, err);
            return Exit::InternalError;
        }
    };
    match result {
        Ok(()) => Exit::Success,
        Err(RunError::Syntax(diags)) => {
            for d in &diags {
                let _ = render(d, &interp.sources, color, err);
            }
            Exit::SyntaxError
        }
        Err(RunError::Runtime(mut d)) => {
            if let Some(deadline) = deadline.as_ref().filter(|d| d.expired()) {
                if d.message == "interrupted" {
                    d.message = deadline.message();
                }
            }
            let _ = render(&d, &interp.sources, color, err);
            Exit::RuntimeError
        }
    }
}

/// Checks `text` without running it (`bp check`): its syntax errors, or else the
/// static checks of [`eval::resolve`] (unknown names, wrong builtin arguments, `break`
/// outside a loop, imports of missing files, ...). Any of them is exit 2.
pub fn check(text: &str, name: &str, err: &mut dyn Write, color: bool) -> Exit {
    let dir = std::path::Path::new(name)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    check_in(text, name, dir, err, color)
}

/// [`check`] of a script whose imports are read from `dir`.
pub fn check_in(
    text: &str,
    name: &str,
    dir: &std::path::Path,
    err: &mut dyn Write,
    color: bool,
) -> Exit {
    // The text is registered for the reports only after the checks (the first text
    // of a registry is `SourceId(0)`), so that a large file is not held twice while
    // it is parsed and resolved.
    let diagnostics = eval::resolve::check_in(text, source::SourceId(0), dir);
    if diagnostics.is_empty() {
        return Exit::Success;
    }
    let mut sources = source::Sources::new();
    let id = sources.add(name, text);
    debug_assert_eq!(id, source::SourceId(0));
    for d in &diagnostics {
        let _ = render(d, &sources, color, err);
    }
    Exit::SyntaxError
}

/// Translates `text` into a Python script that uses PyTorch (`bp export`, SPEC §17); a
/// syntax error (exit 2) or a construct that cannot be exported (exit 1) is rendered to
/// `err`.
pub fn export_script(
    text: &str,
    name: &str,
    err: &mut dyn Write,
    color: bool,
) -> Result<String, Exit> {
    let mut sources = source::Sources::new();
    let id = sources.add(name, text);
    let base = std::path::Path::new(name).parent();
    match export::export(text, id, base) {
        Ok(python) => Ok(python),
        Err(export::ExportError::Syntax(diags)) => {
            for d in &diags {
                let _ = render(d, &sources, color, err);
            }
            Err(Exit::SyntaxError)
        }
        Err(export::ExportError::Unsupported(d)) => {
            let _ = render(&d, &sources, color, err);
            Err(Exit::RuntimeError)
        }
    }
}
