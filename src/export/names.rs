//! Which bp names must be renamed in Python, and the names each scope binds.

use crate::syntax::ast::{Stmt, StmtKind};
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
/// assignment, `for` variables and function definitions, looking into `if`/`while`/
/// `for`/`no_grad` blocks but not into nested functions.
pub fn bound_in(stmts: &[Stmt], out: &mut BTreeSet<String>) {
    for s in stmts {
        match &s.kind {
            StmtKind::Assign { target, .. } | StmtKind::CompoundAssign { target, .. } => {
                out.insert(target.name.to_string());
            }
            StmtKind::Unpack { targets, .. } => {
                out.extend(targets.iter().map(|t| t.name.to_string()));
            }
            StmtKind::FnDef(decl) => {
                if let Some(n) = &decl.name {
                    out.insert(n.name.to_string());
                }
            }
            StmtKind::If {
                branches,
                else_block,
            } => {
                for (_, b) in branches {
                    bound_in(&b.stmts, out);
                }
                if let Some(b) = else_block {
                    bound_in(&b.stmts, out);
                }
            }
            StmtKind::While { body, .. } | StmtKind::NoGrad(body) => bound_in(&body.stmts, out),
            StmtKind::Import { path, name, .. } => {
                out.insert(import_name(path, name.as_ref().map(|n| &*n.name)));
            }
            StmtKind::For { var, body, .. } => {
                out.insert(var.name.to_string());
                bound_in(&body.stmts, out);
            }
            _ => {}
        }
    }
}

/// The name an `import` binds: its `as` name, or the file's stem.
pub fn import_name(path: &str, name: Option<&str>) -> String {
    match name {
        Some(n) => n.to_string(),
        None => std::path::Path::new(path)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string(),
    }
}
