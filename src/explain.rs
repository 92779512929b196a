//! Explanations of recorded graphs for people: the tape of a variable, its graph
//! as a tree or as Graphviz DOT, the gradient-flow table and `why`.
//!
//! Each function reads the interpreter's variables and returns text (the core
//! never prints); errors are diagnostics.

use crate::diagnostic::Diagnostic;
use crate::eval::Interpreter;

fn todo(what: &str) -> Diagnostic {
    Diagnostic::error(format!("{what} is not available yet"))
}

/// The recorded operations that variable `name` depends on, oldest first, each
/// with its source text.
pub fn tape(interp: &Interpreter, name: &str) -> Result<String, Diagnostic> {
    let _ = (interp, name);
    Err(todo(":tape"))
}

/// The same operations as an indented tree rooted at `name`.
pub fn graph(interp: &Interpreter, name: &str) -> Result<String, Diagnostic> {
    let _ = (interp, name);
    Err(todo(":graph"))
}

/// The graph of `name` in Graphviz DOT.
pub fn graph_dot(interp: &Interpreter, name: &str) -> Result<String, Diagnostic> {
    let _ = (interp, name);
    Err(todo(":graph > file.dot"))
}

/// The table of SPEC §11: one row per variable whose tensor has a `.grad`.
pub fn gradflow(interp: &Interpreter) -> String {
    let _ = interp;
    String::from("(gradflow is not available yet)\n")
}

/// Why `name.grad` is what it is: the path from the last backward root to it.
pub fn why(interp: &Interpreter, name: &str) -> Result<String, Diagnostic> {
    let _ = (interp, name);
    Err(todo(":why"))
}
