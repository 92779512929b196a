//! Which bp names must be renamed in Python, and the names each scope binds.

use crate::syntax::ast::{Expr, FnDecl, Ident, Stmt};
use crate::syntax::visit::Visit;
use std::collections::BTreeSet;

/// Python keywords, the Python builtins the exported script relies on, and the header's
/// own names: a bp name among them gets a trailing `_`.
const RESERVED: &[&str] = &[
    // keywords
    "False",
    "None",
    "True",
    "as",
    "assert",
    "async",
    "await",
    "class",
    "def",
    "del",
    "elif",
    "except",
    "finally",
    "from",
    "global",
    "import",
    "is",
    "lambda",
    "nonlocal",
    "pass",
    "raise",
    "try",
    "with",
    "yield",
    "and",
    "or",
    "not",
    "if",
    "else",
    "for",
    "while",
    "break",
    "continue",
    "return",
    "in",
    // builtins the script uses or a reader expects
    "print",
    "range",
    "len",
    "int",
    "float",
    "abs",
    "tuple",
    "list",
    "str",
    "bool",
    "type",
    "globals",
    "max",
    "min",
    "sum",
    "iter",
    "next",
    "isinstance",
    "object",
    "id",
    "input",
    "open",
    "map",
    "filter",
    "zip",
    "round",
    "pow",
    "all",
    "any",
    "dir",
    "vars",
    "format",
    "hash",
    "super",
    "set",
    "dict",
    "callable",
    "repr",
    "exec",
    "eval",
    "enumerate",
    "sorted",
    "reversed",
    "slice",
    "property",
    "staticmethod",
    "getattr",
    "setattr",
    "locals",
    "divmod",
    "chr",
    "ord",
    "hex",
    "bin",
    "oct",
    "complex",
    "bytes",
    "compile",
    "exit",
    "quit",
    "help",
    // the header's names
    "torch",
    "F",
    "math",
    "sys",
    "bp",
    "_time",
];

/// The Python spelling of a bp name.
pub fn python_name(name: &str) -> String {
    if RESERVED.contains(&name) || (name.starts_with("lambda_") && !name.ends_with('_')) {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

/// The names a body binds in its own scope: assignments, unpacking, compound
/// assignment, `for` variables, imports and function definitions, looking into
/// `if`/`while`/`for`/`no_grad` blocks but not into nested functions.
pub fn bound_in(stmts: &[Stmt], out: &mut BTreeSet<String>) {
    let mut bound = Bound(out);
    for s in stmts {
        bound.visit_stmt(s);
    }
}

/// The walk of [`bound_in`]: statements and the names they bind, nothing below.
struct Bound<'o>(&'o mut BTreeSet<String>);

impl<'a> Visit<'a> for Bound<'_> {
    fn visit_binding(&mut self, ident: &'a Ident) {
        self.0.insert(ident.name.to_string());
    }

    // Expressions bind nothing of this scope; a function's body is its own.
    fn visit_expr(&mut self, _: &'a Expr) {}

    fn visit_fn(&mut self, _: &'a FnDecl) {}
}
