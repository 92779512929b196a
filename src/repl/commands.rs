//! The REPL's `:` commands (SPEC §10): each reads or changes the session and
//! writes its text to the session's output, its errors to `err`.

use super::{Outcome, Repl};
use crate::diagnostic::Diagnostic;
use crate::eval::errors::closest;
use crate::eval::explain;
use crate::eval::Value;
use std::io::Write;

/// Every command: name (with its colon), arguments, what it does.
pub const COMMANDS: &[(&str, &str, &str)] = &[
    (
        ":help",
        "[NAME]",
        "this help and the builtins by group, or one builtin",
    ),
    (
        ":vars",
        "",
        "list variables: type, shape, requires grad, has .grad",
    ),
    (
        ":tape",
        "NAME",
        "the recorded operations NAME depends on, with their source",
    ),
    (
        ":graph",
        "NAME [> FILE.svg|FILE.dot]",
        "the graph of NAME as a tree, or into a file as SVG or Graphviz DOT",
    ),
    (":grads", "", "gradient flow: the norm of every .grad"),
    (
        ":backprop",
        "NAME",
        "backward from NAME, one step of the chain rule per Enter (q stops)",
    ),
    (
        ":why",
        "NAME",
        "explain NAME.grad: its path from the last backward",
    ),
    (":load", "FILE", "run a script in this session"),
    (":reset", "", "forget every variable"),
    (":quit", "", "leave (Ctrl-D does too)"),
];

/// Runs the command line `line` (starting with `:`).
pub(super) fn run(repl: &mut Repl, line: &str, err: &mut Vec<u8>) -> Outcome {
    let body = line.trim_start_matches(':').trim();
    let (name, arg) = match body.split_once(char::is_whitespace) {
        Some((n, a)) => (n, a.trim()),
        None => (body, ""),
    };
    let result = match name {
        "help" | "h" | "?" if arg.is_empty() => Ok(help()),
        "help" | "h" | "?" => crate::eval::builtins::help::describe_name(arg)
            .map_err(|m| Diagnostic::error(m).with_hint(":help lists the builtins")),
        "vars" => Ok(vars(repl)),
        "tape" => with_variable(repl, name, arg).and_then(|n| explain::tape(&repl.interp, n)),
        "graph" => graph(repl, arg),
        "grads" => Ok(explain::gradflow(&repl.interp)),
        "why" => with_variable(repl, name, arg).and_then(|n| explain::why(&repl.interp, n)),
        "backprop" => {
            match with_variable(repl, name, arg)
                .and_then(|n| crate::eval::chain_rule::backprop(&mut repl.interp, n))
            {
                Ok(blocks) => {
                    repl.start_steps(blocks);
                    Ok(String::new())
                }
                Err(d) => Err(d),
            }
        }
        "load" => {
            load(repl, arg, err);
            Ok(String::new())
        }
        "reset" => {
            repl.interp.reset();
            Ok("every variable is forgotten\n".to_string())
        }
        "quit" | "q" | "exit" => return Outcome::Quit,
        _ => Err(unknown(name)),
    };
    match result {
        Ok(text) => {
            let text = if text.is_empty() || text.ends_with('\n') {
                text
            } else {
                text + "\n"
            };
            let _ = repl.out.write_all(text.as_bytes());
            let _ = repl.out.flush();
        }
        Err(d) => repl.report(&d, err),
    }
    Outcome::Done
}

fn help() -> String {
    let mut s = String::from(
        "Type a statement or an expression; an expression's value is shown.\n\
         An unfinished statement (an open bracket or block) continues on a `...` line.\n\
         Tab completes; Ctrl-C stops a running statement or clears the line; Ctrl-D leaves.\n\n",
    );
    let width = COMMANDS
        .iter()
        .map(|(n, a, _)| n.len() + 1 + a.len())
        .max()
        .unwrap_or(0);
    for (name, args, what) in COMMANDS {
        let usage = if args.is_empty() {
            name.to_string()
        } else {
            format!("{name} {args}")
        };
        s.push_str(&format!("  {usage:<width$}  {what}\n"));
    }
    s.push('\n');
    s.push_str(&crate::eval::builtins::help::list());
    s
}

fn unknown(name: &str) -> Diagnostic {
    let d = Diagnostic::error(format!("unknown command ':{name}'"));
    let names = COMMANDS.iter().map(|(n, _, _)| &n[1..]);
    match closest(name, names) {
        Some(c) => d.with_hint(format!("did you mean ':{c}'? :help lists the commands")),
        None => d.with_hint(":help lists the commands"),
    }
}

/// The single variable name that `:tape`, `:graph` and `:why` take, checked to exist.
fn with_variable<'a>(repl: &Repl, command: &str, arg: &'a str) -> Result<&'a str, Diagnostic> {
    if arg.is_empty() || arg.contains(char::is_whitespace) {
        return Err(
            Diagnostic::error(format!(":{command} takes one variable name"))
                .with_hint(format!("for example :{command} loss")),
        );
    }
    if repl.interp.global(arg).is_none() {
        let names = repl.interp.globals.keys().map(|k| &**k);
        let d = Diagnostic::error(format!("no variable named '{arg}'"));
        return Err(match closest(arg, names) {
            Some(c) => d.with_hint(format!("did you mean '{c}'?")),
            None => d.with_hint(":vars lists the variables"),
        });
    }
    Ok(arg)
}

/// `:graph NAME` prints a tree; `:graph NAME > FILE` writes Graphviz DOT to FILE.
fn graph(repl: &Repl, arg: &str) -> Result<String, Diagnostic> {
    match arg.split_once('>') {
        None => with_variable(repl, "graph", arg).and_then(|n| explain::graph(&repl.interp, n)),
        Some((name, file)) => {
            let name = with_variable(repl, "graph", name.trim())?;
            let file = unquote(file.trim());
            if file.is_empty() {
                return Err(Diagnostic::error("no file after '>'")
                    .with_hint("for example :graph loss > loss.dot"));
            }
            let interp = &repl.interp;
            // `.svg` draws the picture (as `draw` does); anything else is Graphviz DOT.
            let text = if file.to_ascii_lowercase().ends_with(".svg") {
                match interp.global(name) {
                    Some(Value::Tensor(t)) => {
                        crate::picture::Picture::Graph(explain::drawing(interp, t, name)).to_svg()
                    }
                    _ => explain::graph_dot(interp, name)?,
                }
            } else {
                explain::graph_dot(interp, name)?
            };
            interp
                .files
                .write(&interp.home, file, text.as_bytes())
                .map_err(|e| file_error(&e))?;
            Ok(format!("wrote the graph of {name} to {file}\n"))
        }
    }
}

/// A refused read or write as a report (the allowed folders in the hint).
fn file_error(e: &crate::files::FileError) -> Diagnostic {
    let d = Diagnostic::error(e.message());
    match e.hint() {
        Some(h) => d.with_hint(h),
        None => d,
    }
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

/// `:load FILE`: runs a script in the session (its bindings stay), without echo.
fn load(repl: &mut Repl, arg: &str, err: &mut Vec<u8>) {
    let path = unquote(arg);
    if path.is_empty() {
        repl.report(
            &Diagnostic::error(":load takes a file name").with_hint("for example :load model.bp"),
            err,
        );
        return;
    }
    let text = match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let d = Diagnostic::error(format!(
                    "'{path}' is not valid UTF-8 (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ));
                repl.report(&d, err);
                return;
            }
        },
        Err(e) => {
            repl.report(
                &Diagnostic::error(format!("cannot read '{path}': {e}")),
                err,
            );
            return;
        }
    };
    let echo = std::mem::replace(&mut repl.interp.options.echo, false);
    repl.run_text(path, &text, err);
    repl.interp.options.echo = echo;
}

/// `:vars`: one row per variable, sorted by name.
fn vars(repl: &Repl) -> String {
    let mut rows: Vec<[String; 5]> = Vec::new();
    let mut names: Vec<_> = repl.interp.globals.iter().collect();
    names.sort_by(|a, b| a.0.cmp(b.0));
    for (name, value) in names {
        let row = match value {
            Value::Tensor(t) => [
                name.to_string(),
                "tensor".to_string(),
                shape_text(&t.shape()),
                yes_no(t.requires_grad()),
                match t.grad() {
                    Some(g) => format!("yes {}", shape_text(&g.shape())),
                    None => "no".to_string(),
                },
            ],
            other => [
                name.to_string(),
                other.type_name().to_string(),
                "-".to_string(),
                "-".to_string(),
                "-".to_string(),
            ],
        };
        rows.push(row);
    }
    if rows.is_empty() {
        return "no variables yet\n".to_string();
    }
    let header = ["name", "type", "shape", "requires_grad", "grad"].map(str::to_string);
    let mut widths = [0usize; 5];
    for row in std::iter::once(&header).chain(rows.iter()) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut s = String::new();
    for row in std::iter::once(&header).chain(rows.iter()) {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(&format!("{cell:<w$}"));
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

fn shape_text(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    format!("[{}]", dims.join(", "))
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}
