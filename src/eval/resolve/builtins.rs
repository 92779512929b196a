//! What the static checks, hover and completion need to know about a builtin, read
//! from its row of the one builtin table (SPEC §12, `eval::builtins::table`).
//!
//! A call is checked by the evaluator's own [`Args::check`] against the row, with
//! placeholders for the values: the static check and the run give the same message
//! for the same call, from the same code.

use crate::diagnostic::Diagnostic;
use crate::eval::args::Args;
use crate::eval::builtins;
use crate::eval::value::Builtin;
use crate::eval::{Flow, Value};
use crate::source::Span;
use std::rc::Rc;

/// One builtin as the editor and the checker see it.
#[derive(Clone, Copy)]
pub struct BuiltinInfo {
    pub name: &'static str,
    pub row: &'static Builtin,
}

impl BuiltinInfo {
    /// The signature line (`leaky_relu(x, slope=0.01)`).
    pub fn signature(&self) -> String {
        self.row.signature()
    }

    /// The help text of `bp help NAME`: signature, description, derivative, example
    /// and PyTorch equivalent.
    pub fn help(&self) -> String {
        builtins::help::describe(self.row)
    }

    /// Checks a call with positional arguments at `positional` and keyword
    /// arguments `(name, span)` against the row; the error the run would report.
    pub fn check_call(
        &self,
        call: Span,
        positional: &[Span],
        keywords: &[(Rc<str>, Span)],
    ) -> Option<Diagnostic> {
        let pos = positional.iter().map(|s| (Value::None, *s)).collect();
        let kw = keywords
            .iter()
            .map(|(k, s)| {
                // PyTorch's spelling of the `grad` flag, as the call accepts it.
                let k: Rc<str> = if &**k == "requires_grad" {
                    "grad".into()
                } else {
                    k.clone()
                };
                (k, Value::None, *s)
            })
            .collect();
        match Args::new(self.row, call, pos, kw).check() {
            Err(Flow::Error(d)) => Some(*d),
            _ => None,
        }
    }
}

/// The builtin called `name`, if there is one.
pub fn info(name: &str) -> Option<BuiltinInfo> {
    builtins::lookup(name).map(|row| BuiltinInfo {
        name: row.name,
        row,
    })
}

/// Every builtin, in the table's order (by group).
pub fn all() -> impl Iterator<Item = BuiltinInfo> {
    builtins::all().iter().map(|row| BuiltinInfo {
        name: row.name,
        row,
    })
}
