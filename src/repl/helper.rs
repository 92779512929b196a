//! The rustyline helper of the REPL: Tab completion (variables, builtins, keywords,
//! `:` commands, attributes after a dot, file names after `:load`), syntax
//! highlighting from the lexer's token classes, and a builtin's signature as a hint
//! once its call is opened.
//!
//! The completion and highlighting logic are plain functions ([`complete`],
//! [`highlight_ansi`]) so that they are tested without a terminal.

use super::commands::COMMANDS;
use crate::syntax::{highlight, Highlight};
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hint, Hinter};
use rustyline::{Context, Helper, Validator};
use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

/// The words of the language that complete like names (defined in [`crate::syntax`]).
pub use crate::syntax::KEYWORDS;

/// The attributes of a tensor, completed after a dot.
pub use crate::eval::value::TENSOR_ATTRIBUTES;

/// Each variable that holds an object, with its fields and methods.
type Members = Vec<(String, Vec<String>)>;

/// The variable names of the session, updated by the loop before each prompt,
/// and the fields and methods of the variables that hold objects.
#[derive(Clone, Default)]
pub struct Names(Rc<RefCell<Vec<String>>>, Rc<RefCell<Members>>);

impl Names {
    pub fn set(&self, names: Vec<String>) {
        *self.0.borrow_mut() = names;
    }

    pub fn get(&self) -> Vec<String> {
        self.0.borrow().clone()
    }

    /// The members of each variable that holds an object.
    pub fn set_members(&self, members: Members) {
        *self.1.borrow_mut() = members;
    }

    fn members(&self, name: &str) -> Option<Vec<String>> {
        let m = self.1.borrow();
        m.iter().find(|(n, _)| n == name).map(|(_, ms)| ms.clone())
    }
}

/// The rustyline helper. Continuation lines are decided by [`super::Repl::feed`]
/// (see the module header there), so the validator is rustyline's default.
#[derive(Helper, Validator)]
pub struct ReplHelper {
    names: Names,
    files: FilenameCompleter,
    color: bool,
}

impl ReplHelper {
    pub fn new(names: Names, color: bool) -> ReplHelper {
        ReplHelper {
            names,
            files: FilenameCompleter::new(),
            color,
        }
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Where the word ending at `pos` starts.
fn word_start(line: &str, pos: usize) -> usize {
    line[..pos]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_ident_char(*c))
        .last()
        .map_or(pos, |(i, _)| i)
}

fn matching<'a>(prefix: &str, words: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = words
        .into_iter()
        .filter(|w| w.starts_with(prefix))
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The words of `words` that start with `prefix`, in their order (members are offered
/// as their value orders them: a tensor's attributes first, an object's fields before
/// its methods).
fn in_order(prefix: &str, words: Vec<String>) -> Vec<String> {
    words
        .into_iter()
        .filter(|w| w.starts_with(prefix))
        .collect()
}

/// Completions for the word before `pos` in `line`: the byte where the replaced
/// word starts and the candidates, sorted. `:load FILE` is left to file-name
/// completion (an empty list here).
pub fn complete(line: &str, pos: usize, variables: &[String]) -> (usize, Vec<String>) {
    complete_with(line, pos, variables, &|_| None)
}

/// [`complete`], with `members` giving the fields and methods of a variable that
/// holds an object (offered after `name.`).
pub fn complete_with(
    line: &str,
    pos: usize,
    variables: &[String],
    members: &dyn Fn(&str) -> Option<Vec<String>>,
) -> (usize, Vec<String>) {
    let pos = pos.min(line.len());
    if !line.is_char_boundary(pos) {
        return (pos, Vec::new());
    }
    let head = line[..pos].trim_start();
    if let Some(command) = head.strip_prefix(':') {
        let start = pos - command.len() - 1;
        return match command.split_once(char::is_whitespace) {
            None => (
                start,
                matching(head, COMMANDS.iter().map(|(name, _, _)| *name)),
            ),
            Some(("tape" | "graph" | "why", arg)) => {
                let arg = arg.trim_start();
                if arg.contains(char::is_whitespace) {
                    return (pos, Vec::new());
                }
                (
                    pos - arg.len(),
                    matching(arg, variables.iter().map(String::as_str)),
                )
            }
            Some(_) => (pos, Vec::new()),
        };
    }

    // Nothing to complete inside a string or a comment.
    let inside = highlight(line).into_iter().any(|(class, range)| {
        let text = line.get(range.clone()).unwrap_or("");
        // A comment, and an unterminated string (lexed as an error), run to the end.
        let open = class == Highlight::Comment
            || (class == Highlight::Error && text.starts_with('"'))
            || (class == Highlight::String && (text.len() < 2 || !text.ends_with('"')));
        let string = class == Highlight::String;
        (string || open) && range.start < pos && (pos < range.end || (open && pos == range.end))
    });
    if inside {
        return (pos, Vec::new());
    }

    let start = word_start(line, pos);
    let prefix = &line[start..pos];
    if prefix.starts_with(|c: char| c.is_ascii_digit()) {
        return (pos, Vec::new());
    }
    let before = line[..start].trim_end_matches([' ', '\t']);
    if let Some(object) = before.strip_suffix('.') {
        // `x.gr`, `f(x).sh`, `a[0].T`: attributes, not after a number like `1.`.
        let object_end = object.chars().last();
        let after_value = match object_end {
            Some(c) if is_ident_char(c) => {
                let word = &object[word_start(object, object.len())..];
                !word.starts_with(|c: char| c.is_ascii_digit())
            }
            Some(')') | Some(']') => true,
            _ => false,
        };
        let word = &object[word_start(object, object.len())..];
        let plain = !object[..object.len() - word.len()].ends_with('.');
        if let Some(ms) = members(word).filter(|_| plain && !word.is_empty()) {
            // `model.`, `xs.`, `opt.`: what the variable's value offers, in its order.
            return (start, in_order(prefix, ms));
        }
        return if after_value {
            // `f(x).`: a value of unknown type, taken as a tensor.
            (
                start,
                in_order(prefix, crate::eval::members::tensor_members()),
            )
        } else {
            (pos, Vec::new())
        };
    }
    // Inside a builtin's call, after `(` or `,`: its keyword names first (`axis=`).
    let mut out: Vec<String> = match crate::syntax::calls::call_at(&line[..pos]) {
        Some((name, method)) => crate::eval::builtins::lookup(name)
            .map(|b| {
                crate::eval::members::keyword_names(b, method)
                    .filter(|k| k.starts_with(prefix))
                    .map(|k| format!("{k}="))
                    .collect()
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    if prefix.is_empty() {
        return if out.is_empty() {
            (pos, out)
        } else {
            (start, out)
        };
    }
    let mut words: Vec<&str> = variables.iter().map(String::as_str).collect();
    for name in crate::eval::builtins::names().chain(KEYWORDS.iter().copied()) {
        words.push(name);
    }
    out.extend(matching(prefix, words));
    (start, out)
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let trimmed = line.trim_start();
        if trimmed.starts_with(":load ") && pos >= line.len() - trimmed.len() + 6 {
            return self.files.complete(line, pos, ctx);
        }
        let names = &self.names;
        let (start, words) = complete_with(line, pos, &names.get(), &|w| names.members(w));
        let pairs = words
            .into_iter()
            .map(|w| Pair {
                display: w.clone(),
                replacement: w,
            })
            .collect();
        Ok((start, pairs))
    }
}

/// A hint shown after the cursor; it is never inserted (Right arrow does nothing).
pub struct SignatureHint(String);

impl Hint for SignatureHint {
    fn display(&self) -> &str {
        &self.0
    }

    fn completion(&self) -> Option<&str> {
        None
    }
}

/// The signature of the builtin whose call was just opened: for `y = clamp(` it
/// is `clamp(x, min=, max=)`, shown to the right of the cursor.
pub fn signature_hint(line: &str, pos: usize) -> Option<String> {
    if pos != line.len() {
        return None;
    }
    let before = line.strip_suffix('(')?;
    let name = &before[word_start(before, before.len())..];
    let builtin = crate::eval::builtins::lookup(name)?;
    Some(format!("  {}", builtin.signature()))
}

impl Hinter for ReplHelper {
    type Hint = SignatureHint;

    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<SignatureHint> {
        signature_hint(line, pos).map(SignatureHint)
    }
}

/// The ANSI colour of each token class (`None`: left plain).
fn color_of(class: Highlight) -> Option<&'static str> {
    match class {
        Highlight::Keyword => Some("\x1b[35m"),
        Highlight::Constant => Some("\x1b[36m"),
        Highlight::Number => Some("\x1b[33m"),
        Highlight::String => Some("\x1b[32m"),
        Highlight::Comment => Some("\x1b[90m"),
        Highlight::Operator => Some("\x1b[1m"),
        Highlight::Error => Some("\x1b[31m"),
        Highlight::Name | Highlight::Punctuation => None,
    }
}

/// `line` with ANSI colours from the lexer's token classes; the visible text is
/// unchanged. A `:` command line is shown in bold blue.
pub fn highlight_ansi(line: &str) -> String {
    if line.trim_start().starts_with(':') {
        return format!("\x1b[1;34m{line}\x1b[0m");
    }
    let mut out = String::with_capacity(line.len() * 2);
    let mut pos = 0;
    for (class, range) in highlight(line) {
        let (Some(gap), Some(text)) = (line.get(pos..range.start), line.get(range.clone())) else {
            continue;
        };
        out.push_str(gap);
        match color_of(class) {
            Some(c) => {
                out.push_str(c);
                out.push_str(text);
                out.push_str("\x1b[0m");
            }
            None => out.push_str(text),
        }
        pos = range.end;
    }
    out.push_str(line.get(pos..).unwrap_or(""));
    out
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.color {
            Cow::Owned(highlight_ansi(line))
        } else {
            Cow::Borrowed(line)
        }
    }

    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        default: bool,
    ) -> Cow<'b, str> {
        let _ = default;
        if self.color {
            Cow::Owned(format!("\x1b[1;32m{prompt}\x1b[0m"))
        } else {
            Cow::Borrowed(prompt)
        }
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        // Any change can change the token classes (a quote, a `#`): redraw.
        self.color
    }
}
