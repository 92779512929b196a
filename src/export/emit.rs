//! The translator's core: the emitter's state, the whole-program entry point, Python
//! literals and precedences, call arguments, and the output lines.

use super::names::python_name;
use super::types::Ty;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::{Arg, BinOp, Expr, ExprKind, NumberList, Program, UnOp};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub(super) type R<T> = Result<T, Diagnostic>;

/// Python operator precedence, lowest first.
pub(super) const P_LAMBDA: u8 = 0;
pub(super) const P_OR: u8 = 1;
pub(super) const P_AND: u8 = 2;
pub(super) const P_NOT: u8 = 3;
pub(super) const P_CMP: u8 = 4;
pub(super) const P_ADD: u8 = 6;
pub(super) const P_MUL: u8 = 7;
pub(super) const P_UNARY: u8 = 8;
pub(super) const P_POW: u8 = 9;
pub(super) const P_ATOM: u8 = 11;

/// An emitted Python expression: its text, its precedence and its static type.
pub(super) struct Py {
    pub(super) code: String,
    pub(super) prec: u8,
    pub(super) ty: Ty,
}

impl Py {
    pub(super) fn atom(code: impl Into<String>, ty: Ty) -> Py {
        Py {
            code: code.into(),
            prec: P_ATOM,
            ty,
        }
    }

    /// The text, parenthesised when its precedence is below `min`.
    pub(super) fn at(&self, min: u8) -> String {
        if self.prec < min {
            format!("({})", self.code)
        } else {
            self.code.clone()
        }
    }
}

/// One scope: the top level or a function body.
pub(super) struct Scope {
    pub(super) bound: BTreeSet<String>,
    pub(super) types: BTreeMap<String, Ty>,
}

pub(super) struct Emitter {
    pub(super) out: String,
    pub(super) indent: usize,
    pub(super) scopes: Vec<Scope>,
    /// Hoisted definitions of anonymous functions with more than a `return`, written
    /// before the statement that needs them.
    pub(super) pending: Vec<String>,
    pub(super) lambdas: usize,
    pub(super) loops: usize,
    pub(super) functions: usize,
    pub(super) no_grad: usize,
    /// Python name -> bp name, for the names that were renamed (gradflow shows bp's).
    pub(super) renamed: BTreeMap<String, String>,
    /// The folder of the file being translated (imports are relative to it).
    pub(super) base: Option<PathBuf>,
    /// Imported files (canonical path) -> the Python function that runs them.
    pub(super) modules: BTreeMap<PathBuf, String>,
    /// The definitions of those functions, written before the program.
    pub(super) module_defs: String,
    /// The files being imported, innermost last (an import cycle cannot be exported).
    pub(super) importing: Vec<PathBuf>,
    /// Whether the program assigns through an index (then saved tensors are copies).
    pub(super) index_assigned: bool,
    /// The names of the methods of the program's classes: `layer.parameters()` on a
    /// value of unknown type calls the method (as bp does for an object), not a
    /// function of that name.
    pub(super) class_methods: BTreeSet<String>,
}

/// Translates a whole program.
pub fn program(p: &Program, base: Option<&Path>) -> R<String> {
    let mut e = Emitter {
        base: base.map(Path::to_path_buf),
        modules: BTreeMap::new(),
        module_defs: String::new(),
        importing: Vec::new(),
        out: String::new(),
        indent: 0,
        scopes: Vec::new(),
        pending: Vec::new(),
        lambdas: 0,
        loops: 0,
        functions: 0,
        no_grad: 0,
        renamed: BTreeMap::new(),
        index_assigned: false,
        class_methods: BTreeSet::new(),
    };
    for stmt in p {
        if let crate::syntax::ast::StmtKind::Class(c) = &stmt.kind {
            e.note_methods(c);
        }
    }
    e.push_scope(p, &[]);
    // Every global's Python name up front, so that gradflow() knows the renamed ones.
    let globals: Vec<String> = e
        .scopes
        .iter()
        .flat_map(|s| s.bound.iter().cloned())
        .collect();
    for g in globals {
        e.name(&g);
    }
    e.stmts(p)?;
    // bp's index assignment writes in place, yet what was recorded keeps the old values.
    let cow = if e.index_assigned {
        "bp.copy_on_write()\n"
    } else {
        ""
    };
    Ok(format!("{cow}{}{}", e.module_defs, e.out))
}

pub(super) fn unsupported(span: Span, what: &str, why: &str) -> Diagnostic {
    Diagnostic::error(format!("cannot export {what}: {why}")).with_label(span, what.to_string())
}

/// A Python string literal.
pub(super) fn py_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A number literal: whole numbers as Python ints, others as floats.
pub(super) fn py_number(n: f64) -> Py {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        Py::atom(format!("{}", n as i64), Ty::Int)
    } else {
        Py::atom(py_float(n), Ty::Num)
    }
}

/// A number as a Python float literal (`2.0`, `0.1`, `1e-08`).
pub(super) fn py_float(n: f64) -> String {
    if n.is_nan() {
        "math.nan".into()
    } else if n.is_infinite() {
        if n > 0.0 { "math.inf" } else { "-math.inf" }.into()
    } else {
        format!("{n:?}")
    }
}

/// A tensor literal made only of numbers, as a nested Python list of floats.
pub(super) fn numeric_literal(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Number(n) => Some(py_float(*n)),
        ExprKind::Unary {
            op: UnOp::Neg,
            operand,
        } => match operand.kind {
            ExprKind::Number(n) => Some(py_float(-n)),
            _ => None,
        },
        ExprKind::TensorLit(items) => {
            let parts: Option<Vec<String>> = items.iter().map(numeric_literal).collect();
            Some(format!("[{}]", parts?.join(", ")))
        }
        ExprKind::Numbers(list) => Some(number_list(list)),
        _ => None,
    }
}

/// A literal of numbers, as a nested Python list of floats.
pub(super) fn number_list(list: &NumberList) -> String {
    fn nested(shape: &[usize], values: &[f64]) -> String {
        let parts: Vec<String> = match shape {
            [] | [_] => values.iter().map(|n| py_float(*n)).collect(),
            [_, inner @ ..] => {
                let row = inner.iter().product::<usize>().max(1);
                values.chunks(row).map(|r| nested(inner, r)).collect()
            }
        };
        format!("[{}]", parts.join(", "))
    }
    nested(&list.shape, &list.values)
}

pub(super) fn binop_prec(op: BinOp) -> u8 {
    match op {
        BinOp::Or => P_OR,
        BinOp::And => P_AND,
        BinOp::Eq
        | BinOp::Ne
        | BinOp::Lt
        | BinOp::Le
        | BinOp::Gt
        | BinOp::Ge
        | BinOp::In
        | BinOp::NotIn
        | BinOp::Is
        | BinOp::IsNot => P_CMP,
        BinOp::Add | BinOp::Sub => P_ADD,
        BinOp::Mul | BinOp::Div | BinOp::Rem | BinOp::FloorDiv | BinOp::MatMul => P_MUL,
        BinOp::Pow => P_POW,
    }
}

/// Positional and keyword arguments of a call.
pub(super) struct CallArgs<'a> {
    pub(super) pos: Vec<&'a Expr>,
    pub(super) kws: Vec<(&'a str, &'a Expr)>,
}

impl<'a> CallArgs<'a> {
    pub(super) fn new(receiver: Option<&'a Expr>, args: &'a [Arg]) -> CallArgs<'a> {
        let mut pos: Vec<&Expr> = receiver.into_iter().collect();
        let mut kws = Vec::new();
        for a in args {
            match a {
                Arg::Positional(e) => pos.push(e),
                Arg::Keyword { name, value } => kws.push((&*name.name, value)),
            }
        }
        CallArgs { pos, kws }
    }

    /// The argument given by position `i` or by keyword `name`.
    pub(super) fn get(&self, i: usize, name: &str) -> Option<&'a Expr> {
        self.pos
            .get(i)
            .copied()
            .or_else(|| self.kws.iter().find(|(k, _)| *k == name).map(|(_, e)| *e))
    }

    pub(super) fn only(&self, positional: usize, keywords: &[&str]) -> bool {
        self.pos.len() <= positional && self.kws.iter().all(|(k, _)| keywords.contains(k))
    }
}

impl Emitter {
    /// Remembers the names of a class's methods (see `class_methods`).
    pub(super) fn note_methods(&mut self, c: &crate::syntax::ast::ClassDecl) {
        for m in &c.methods {
            // `init`, `call` and `show` become Python's `__init__`, `__call__`, `__repr__`.
            if let Some(n) = m
                .name
                .as_ref()
                .filter(|n| !matches!(&*n.name, "init" | "call" | "show"))
            {
                self.class_methods.insert(n.name.to_string());
            }
        }
    }

    pub(super) fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    pub(super) fn flush_pending(&mut self) {
        for def in std::mem::take(&mut self.pending) {
            self.out.push_str(&def);
        }
    }

    pub(super) fn name(&mut self, n: &str) -> String {
        let p = python_name(n);
        if p != n {
            self.renamed.insert(p.clone(), n.to_string());
        }
        p
    }
}
