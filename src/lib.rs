//! bp: a small differentiable scripting language with PyTorch's autograd semantics.
//!
//! Source text is lexed and parsed ([`syntax`]) into a spanned AST, run by a
//! tree-walking evaluator ([`eval`]) that records every differentiable operation
//! ([`autodiff`]), and every problem is a [`diagnostic::Diagnostic`] rendered in one
//! place. [`run`] is the whole pipeline for one script.

pub mod autodiff;
pub mod data;
pub mod diagnostic;
pub mod display;
pub mod eval;
pub mod explain;
pub mod fast_hash;
pub mod files;
pub mod optim;
pub mod picture;
pub mod repl;
pub mod source;
pub mod syntax;
pub mod weights;

use diagnostic::render;
use eval::{Interpreter, Options, RunError};
use std::io::Write;

/// The exit status of a run (SPEC §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    RuntimeError = 1,
    SyntaxError = 2,
}

/// Runs `text` as a script named `name`: program output to `out`, diagnostics
/// (rendered, coloured when `color`) to `err`.
pub fn run(
    text: &str,
    name: &str,
    out: Box<dyn Write>,
    err: &mut dyn Write,
    options: Options,
    color: bool,
) -> Exit {
    let script_dir = options.script_dir.clone();
    let mut interp = Interpreter::new(out, options);
    let result = match script_dir {
        Some(dir) => {
            interp.set_script_dir(&dir);
            interp.run_source_at(name, text, &dir)
        }
        None => {
            if !name.starts_with('<') {
                let dir = match std::path::Path::new(name).parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => std::path::PathBuf::from("."),
                };
                interp.set_script_dir(&dir);
            }
            interp.run_source(name, text)
        }
    };
    for w in interp.take_warnings() {
        let _ = render(&w, &interp.sources, color, err);
    }
    match result {
        Ok(()) => Exit::Success,
        Err(RunError::Syntax(diags)) => {
            for d in &diags {
                let _ = render(d, &interp.sources, color, err);
            }
            Exit::SyntaxError
        }
        Err(RunError::Runtime(d)) => {
            let _ = render(&d, &interp.sources, color, err);
            Exit::RuntimeError
        }
    }
}

/// Parses `text` and reports its syntax errors without running it (`bp check`).
pub fn check(text: &str, name: &str, err: &mut dyn Write, color: bool) -> Exit {
    let mut sources = source::Sources::new();
    let id = sources.add(name, text);
    let parsed = syntax::parse(text, id);
    for d in &parsed.diagnostics {
        let _ = render(d, &sources, color, err);
    }
    if parsed.diagnostics.is_empty() {
        Exit::Success
    } else {
        Exit::SyntaxError
    }
}
