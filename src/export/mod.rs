//! `bp export`: translates a bp program, statement by statement, into a Python script that
//! uses PyTorch in float64 and prints what `bp run` prints (SPEC §17).
//!
//! The script starts with a small runtime ([`header`], the class `bp`): bp's random
//! generator, the display helper and every builtin as a function whose body is its PyTorch
//! call. The program itself is translated with a light static typing of expressions
//! ([`types`]): where an argument is known to be a tensor the builtin becomes its PyTorch
//! call inline (`torch.sigmoid(x @ W1 + b1)`), elsewhere the runtime's function keeps bp's
//! semantics for numbers too (`bp.sigmoid(z)`).

mod builtins;
mod call;
mod comprehension;
mod emit;
mod expr;
mod infer;
mod names;
mod stmt;
mod types;

pub use builtins::{mapping, pytorch, Mapping};

use crate::diagnostic::Diagnostic;
use crate::source::SourceId;
use std::path::Path;

/// The runtime every exported script starts with, as written (`header.py`); see
/// [`header`].
const HEADER_TEXT: &str = include_str!("header.py");

/// The runtime every exported script starts with: `header.py`, with a function for
/// each elementwise operation generated from its builtin row (its `torch` call,
/// keeping a number a number).
pub fn header() -> &'static str {
    static HEADER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HEADER.get_or_init(|| {
        let mut unary = String::new();
        for u in crate::autodiff::Unary::ALL {
            let name = u.name();
            let Some(row) = crate::eval::builtins::lookup(name) else {
                continue;
            };
            let torch = row.torch.trim_end_matches("(x)");
            unary.push_str(&format!(
                "    @staticmethod\n    def {name}(x):\n        return bp.num({torch}, x)\n\n"
            ));
        }
        let marker = HEADER_TEXT
            .lines()
            .find(|l| l.contains("# {unary}"))
            .map(|l| format!("{l}\n\n"))
            .unwrap_or_default();
        HEADER_TEXT.replacen(&marker, &unary, 1)
    })
}

/// Why a script could not be exported.
pub enum ExportError {
    /// The script does not parse (exit 2).
    Syntax(Vec<Diagnostic>),
    /// A construct has no Python equivalent (exit 1), labelled.
    Unsupported(Diagnostic),
}

/// Translates the script `text` (source `id`) into a Python script.
/// `base` is the script's folder, against which imports are resolved.
pub fn export(text: &str, id: SourceId, base: Option<&Path>) -> Result<String, ExportError> {
    let parsed = crate::syntax::parse(text, id);
    if !parsed.diagnostics.is_empty() {
        return Err(ExportError::Syntax(parsed.diagnostics));
    }
    let Some(program) = parsed.program else {
        return Err(ExportError::Syntax(Vec::new()));
    };
    let body = emit::program(&program, base).map_err(ExportError::Unsupported)?;
    Ok(format!("{}\n{body}", header()))
}
