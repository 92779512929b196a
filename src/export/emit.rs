//! The translation itself: bp statements and expressions to Python source.

use super::builtins::mapping;
use super::names::{bound_in, python_name};
use super::types::Ty;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::{
    Arg, BinOp, Block, Expr, ExprKind, FPart, FnDecl, Ident, Index, Program, Stmt, StmtKind, UnOp,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type R<T> = Result<T, Diagnostic>;

/// Python operator precedence, lowest first.
const P_LAMBDA: u8 = 0;
const P_OR: u8 = 1;
const P_AND: u8 = 2;
const P_NOT: u8 = 3;
const P_CMP: u8 = 4;
const P_ADD: u8 = 6;
const P_MUL: u8 = 7;
const P_UNARY: u8 = 8;
const P_POW: u8 = 9;
const P_ATOM: u8 = 11;

/// An emitted Python expression: its text, its precedence and its static type.
struct Py {
    code: String,
    prec: u8,
    ty: Ty,
}

impl Py {
    fn atom(code: impl Into<String>, ty: Ty) -> Py {
        Py {
            code: code.into(),
            prec: P_ATOM,
            ty,
        }
    }

    /// The text, parenthesised when its precedence is below `min`.
    fn at(&self, min: u8) -> String {
        if self.prec < min {
            format!("({})", self.code)
        } else {
            self.code.clone()
        }
    }
}

/// One scope: the top level or a function body.
struct Scope {
    bound: BTreeSet<String>,
    types: BTreeMap<String, Ty>,
}

struct Emitter {
    out: String,
    indent: usize,
    scopes: Vec<Scope>,
    /// Hoisted definitions of anonymous functions with more than a `return`, written
    /// before the statement that needs them.
    pending: Vec<String>,
    lambdas: usize,
    loops: usize,
    functions: usize,
    no_grad: usize,
    /// Python name -> bp name, for the names that were renamed (gradflow shows bp's).
    renamed: BTreeMap<String, String>,
    /// The folder of the file being translated (imports are relative to it).
    base: Option<PathBuf>,
    /// Imported files (canonical path) -> the Python function that runs them.
    modules: BTreeMap<PathBuf, String>,
    /// The definitions of those functions, written before the program.
    module_defs: String,
    /// The files being imported, innermost last (an import cycle cannot be exported).
    importing: Vec<PathBuf>,
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
    };
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
    Ok(format!("{}{}", e.module_defs, e.out))
}

fn unsupported(span: Span, what: &str, why: &str) -> Diagnostic {
    Diagnostic::error(format!("cannot export {what}: {why}")).with_label(span, what.to_string())
}

/// A Python string literal.
fn py_str(s: &str) -> String {
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
fn py_number(n: f64) -> Py {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        Py::atom(format!("{}", n as i64), Ty::Int)
    } else {
        Py::atom(py_float(n), Ty::Num)
    }
}

/// A number as a Python float literal (`2.0`, `0.1`, `1e-08`).
fn py_float(n: f64) -> String {
    if n.is_nan() {
        "math.nan".into()
    } else if n.is_infinite() {
        if n > 0.0 { "math.inf" } else { "-math.inf" }.into()
    } else {
        format!("{n:?}")
    }
}

/// A tensor literal made only of numbers, as a nested Python list of floats.
fn numeric_literal(e: &Expr) -> Option<String> {
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
        _ => None,
    }
}

fn binop_prec(op: BinOp) -> u8 {
    match op {
        BinOp::Or => P_OR,
        BinOp::And => P_AND,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => P_CMP,
        BinOp::Add | BinOp::Sub => P_ADD,
        BinOp::Mul | BinOp::Div | BinOp::Rem | BinOp::MatMul => P_MUL,
        BinOp::Pow => P_POW,
    }
}

/// Positional and keyword arguments of a call.
struct CallArgs<'a> {
    pos: Vec<&'a Expr>,
    kws: Vec<(&'a str, &'a Expr)>,
}

impl<'a> CallArgs<'a> {
    fn new(receiver: Option<&'a Expr>, args: &'a [Arg]) -> CallArgs<'a> {
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
    fn get(&self, i: usize, name: &str) -> Option<&'a Expr> {
        self.pos
            .get(i)
            .copied()
            .or_else(|| self.kws.iter().find(|(k, _)| *k == name).map(|(_, e)| *e))
    }

    fn only(&self, positional: usize, keywords: &[&str]) -> bool {
        self.pos.len() <= positional && self.kws.iter().all(|(k, _)| keywords.contains(k))
    }
}

impl Emitter {
    // ---- scopes and types ----

    fn push_scope(&mut self, body: &[Stmt], params: &[Ident]) {
        let mut bound = BTreeSet::new();
        bound_in(body, &mut bound);
        bound.extend(params.iter().map(|p| p.name.to_string()));
        self.scopes.push(Scope {
            bound,
            types: BTreeMap::new(),
        });
        // Infer the types of the names this scope binds: a few rounds of joining the
        // types of every value assigned to each name (parameters stay unknown).
        let mut assigned: Vec<(String, Ty)> = Vec::new();
        for _ in 0..4 {
            assigned.clear();
            self.collect_types(body, &mut assigned);
            let mut types: BTreeMap<String, Ty> = BTreeMap::new();
            for (name, ty) in &assigned {
                let t = match types.get(name) {
                    Some(old) => old.join(*ty),
                    None => *ty,
                };
                types.insert(name.clone(), t);
            }
            for p in params {
                types.insert(p.name.to_string(), Ty::Unknown);
            }
            if let Some(scope) = self.scopes.last_mut() {
                scope.types = types;
            }
        }
    }

    fn collect_types(&self, stmts: &[Stmt], out: &mut Vec<(String, Ty)>) {
        for s in stmts {
            match &s.kind {
                StmtKind::Assign { target, value } => {
                    out.push((target.name.to_string(), self.ty(value)))
                }
                StmtKind::CompoundAssign {
                    target, op, value, ..
                } => {
                    let t = self.name_ty(&target.name);
                    let ty = Ty::arith(t, self.ty(value), *op != BinOp::Div);
                    out.push((target.name.to_string(), ty));
                }
                StmtKind::Unpack { targets, value } => {
                    let items: Vec<Ty> = match &value.kind {
                        ExprKind::Tuple(items) if items.len() == targets.len() => {
                            items.iter().map(|e| self.ty(e)).collect()
                        }
                        _ => vec![Ty::Unknown; targets.len()],
                    };
                    for (t, ty) in targets.iter().zip(items) {
                        out.push((t.name.to_string(), ty));
                    }
                }
                StmtKind::FnDef(decl) => {
                    if let Some(n) = &decl.name {
                        out.push((n.name.to_string(), Ty::Func));
                    }
                }
                StmtKind::Import { path, name, .. } => {
                    let n = super::names::import_name(path, name.as_ref().map(|n| &*n.name));
                    out.push((n, Ty::Module));
                }
                StmtKind::If {
                    branches,
                    else_block,
                } => {
                    for (_, b) in branches {
                        self.collect_types(&b.stmts, out);
                    }
                    if let Some(b) = else_block {
                        self.collect_types(&b.stmts, out);
                    }
                }
                StmtKind::While { body, .. } | StmtKind::NoGrad(body) => {
                    self.collect_types(&body.stmts, out)
                }
                StmtKind::For { var, iter, body } => {
                    out.push((var.name.to_string(), self.element_ty(iter)));
                    self.collect_types(&body.stmts, out);
                }
                _ => {}
            }
        }
    }

    /// The type of the loop variable of `for v in iter`.
    fn element_ty(&self, iter: &Expr) -> Ty {
        if let ExprKind::Call { callee, args } = &iter.kind {
            if let ExprKind::Name(n) = &callee.kind {
                if &**n == "range" && !self.is_user(n) {
                    let all_int = args.iter().all(|a| match a {
                        Arg::Positional(e) => self.ty(e) == Ty::Int,
                        Arg::Keyword { .. } => false,
                    });
                    return if all_int { Ty::Int } else { Ty::Num };
                }
            }
        }
        match &iter.kind {
            ExprKind::Tuple(items) => items
                .iter()
                .map(|e| self.ty(e))
                .reduce(Ty::join)
                .unwrap_or(Ty::Unknown),
            _ if self.ty(iter) == Ty::Tensor => Ty::Tensor,
            _ => Ty::Unknown,
        }
    }

    /// Whether `name` is bound by the program (not a builtin).
    fn is_user(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s.bound.contains(name))
    }

    fn name_ty(&self, name: &str) -> Ty {
        for s in self.scopes.iter().rev() {
            if s.bound.contains(name) {
                return s.types.get(name).copied().unwrap_or(Ty::Unknown);
            }
        }
        if mapping(name).is_some() {
            Ty::Func
        } else {
            Ty::Unknown
        }
    }

    fn ty(&self, e: &Expr) -> Ty {
        match &e.kind {
            ExprKind::Number(n) => py_number(*n).ty,
            ExprKind::Str(_) | ExprKind::FString(_) => Ty::Str,
            ExprKind::Bool(_) => Ty::Bool,
            ExprKind::None => Ty::None,
            ExprKind::Name(n) | ExprKind::Var(crate::syntax::ast::Var { name: n, .. }) => {
                self.name_ty(n)
            }
            ExprKind::TensorLit(_) => Ty::Tensor,
            ExprKind::Tuple(_) => Ty::Tuple,
            ExprKind::Unary { op, operand } => match op {
                UnOp::Not => Ty::Bool,
                UnOp::Neg => match self.ty(operand) {
                    t @ (Ty::Int | Ty::Num | Ty::Tensor) => t,
                    _ => Ty::Unknown,
                },
            },
            ExprKind::Binary { op, lhs, rhs } => {
                let (a, b) = (self.ty(lhs), self.ty(rhs));
                match op {
                    BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Rem => Ty::arith(a, b, true),
                    BinOp::Div | BinOp::Pow => Ty::arith(a, b, false),
                    BinOp::MatMul => Ty::Tensor,
                    BinOp::And | BinOp::Or => Ty::Bool,
                    _ if a == Ty::Tensor || b == Ty::Tensor => Ty::Tensor,
                    _ if is_scalar(a) && is_scalar(b) => Ty::Bool,
                    BinOp::Eq | BinOp::Ne if !maybe_tensor(a) || !maybe_tensor(b) => Ty::Bool,
                    _ => Ty::Unknown,
                }
            }
            ExprKind::Call { callee, args } => match &callee.kind {
                ExprKind::Name(n) if !self.is_user(n) => {
                    self.builtin_ty(n, &CallArgs::new(None, args))
                }
                _ => Ty::Unknown,
            },
            ExprKind::Method {
                receiver,
                name,
                args,
            } => {
                if self.is_user(&name.name) {
                    Ty::Unknown
                } else {
                    self.builtin_ty(&name.name, &CallArgs::new(Some(receiver), args))
                }
            }
            ExprKind::Attr { object, name } => match &*name.name {
                "grad" | "T" | "data" => Ty::Tensor,
                "shape" => Ty::Tuple,
                "requires_grad" | "is_leaf" => Ty::Bool,
                "ndim" => Ty::Int,
                _ => {
                    let _ = object;
                    Ty::Unknown
                }
            },
            ExprKind::Index { object, .. } => match (&object.kind, self.ty(object)) {
                (_, Ty::Tensor) => Ty::Tensor,
                (ExprKind::Attr { name, .. }, _) if &*name.name == "shape" => Ty::Int,
                _ => Ty::Unknown,
            },
            ExprKind::Lambda(_) => Ty::Func,
        }
    }

    fn builtin_ty(&self, name: &str, a: &CallArgs) -> Ty {
        let Some(m) = mapping(name) else {
            return Ty::Unknown;
        };
        if m.returns != Ty::Unknown {
            return m.returns;
        }
        let first = a.pos.first().map(|e| self.ty(e)).unwrap_or(Ty::Unknown);
        match name {
            "range" => Ty::Unknown,
            "grad" => match a.get(1, "x").map(|e| self.ty(e)) {
                Some(Ty::Tensor) => Ty::Tensor,
                Some(Ty::Tuple) => Ty::Tuple,
                _ => Ty::Unknown,
            },
            "pow" | "maximum" | "minimum" => {
                let second = a.pos.get(1).map(|e| self.ty(e)).unwrap_or(Ty::Unknown);
                Ty::arith(first, second, false)
            }
            _ => match first {
                Ty::Tensor => Ty::Tensor,
                Ty::Int | Ty::Num => Ty::Num,
                _ => Ty::Unknown,
            },
        }
    }

    // ---- output ----

    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn flush_pending(&mut self) {
        for def in std::mem::take(&mut self.pending) {
            self.out.push_str(&def);
        }
    }

    fn name(&mut self, n: &str) -> String {
        let p = python_name(n);
        if p != n {
            self.renamed.insert(p.clone(), n.to_string());
        }
        p
    }

    // ---- statements ----

    fn stmts(&mut self, stmts: &[Stmt]) -> R<()> {
        if stmts.is_empty() {
            self.line("pass");
        }
        for s in stmts {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn block(&mut self, b: &Block) -> R<()> {
        self.indent += 1;
        let r = self.stmts(&b.stmts);
        self.indent -= 1;
        r
    }

    fn stmt(&mut self, s: &Stmt) -> R<()> {
        match &s.kind {
            StmtKind::Expr(e) => {
                let code = self.expr(e)?.code;
                self.flush_pending();
                self.line(&code);
            }
            StmtKind::Assign { target, value } => {
                let v = self.expr(value)?.code;
                let t = self.name(&target.name);
                self.flush_pending();
                self.line(&format!("{t} = {v}"));
            }
            StmtKind::Unpack { targets, value } => {
                let v = self.expr(value)?.code;
                let ts: Vec<String> = targets.iter().map(|t| self.name(&t.name)).collect();
                self.flush_pending();
                let lhs = if ts.len() == 1 {
                    format!("{},", ts[0])
                } else {
                    ts.join(", ")
                };
                self.line(&format!("{lhs} = {v}"));
            }
            StmtKind::CompoundAssign {
                target, op, value, ..
            } => {
                let t = self.name(&target.name);
                let v = self.expr(value)?;
                self.flush_pending();
                let sym = op.symbol();
                if self.no_grad > 0 {
                    // In place, as bp updates a leaf under no_grad (it keeps its identity).
                    self.line(&format!("{t} {sym}= {}", v.code));
                } else {
                    let p = binop_prec(*op);
                    self.line(&format!("{t} = {t} {sym} {}", v.at(p + 1)));
                }
            }
            StmtKind::FnDef(decl) => {
                let name = decl
                    .name
                    .as_ref()
                    .map(|n| n.name.to_string())
                    .unwrap_or_default();
                let name = self.name(&name);
                self.flush_pending();
                let top = self.functions == 0 && self.indent == 0;
                if top && !self.out.is_empty() && !self.out.ends_with("\n\n") {
                    self.out.push('\n');
                }
                self.function(&name, decl)?;
                if top {
                    self.out.push('\n');
                }
            }
            StmtKind::If {
                branches,
                else_block,
            } => {
                let mut conds = Vec::new();
                for (c, _) in branches {
                    conds.push(self.expr(c)?.code);
                }
                self.flush_pending();
                for (i, ((_, body), c)) in branches.iter().zip(conds).enumerate() {
                    let kw = if i == 0 { "if" } else { "elif" };
                    self.line(&format!("{kw} {c}:"));
                    self.block(body)?;
                }
                if let Some(b) = else_block {
                    self.line("else:");
                    self.block(b)?;
                }
            }
            StmtKind::While { cond, body } => {
                let c = self.expr(cond)?.code;
                self.flush_pending();
                self.line(&format!("while {c}:"));
                self.loops += 1;
                let r = self.block(body);
                self.loops -= 1;
                r?;
            }
            StmtKind::For { var, iter, body } => {
                let it = self.iterable(iter)?;
                let v = self.name(&var.name);
                self.flush_pending();
                self.line(&format!("for {v} in {it}:"));
                self.loops += 1;
                let r = self.block(body);
                self.loops -= 1;
                r?;
            }
            StmtKind::Break | StmtKind::Continue => {
                if self.loops == 0 {
                    return Err(unsupported(
                        s.span,
                        "this statement",
                        "it is outside a loop, which Python does not allow",
                    ));
                }
                self.line(if matches!(s.kind, StmtKind::Break) {
                    "break"
                } else {
                    "continue"
                });
            }
            StmtKind::Return(value) => {
                if self.functions == 0 {
                    return Err(unsupported(
                        s.span,
                        "this return",
                        "it is outside a function, which Python does not allow",
                    ));
                }
                match value {
                    Some(e) => {
                        let v = self.expr(e)?.code;
                        self.flush_pending();
                        self.line(&format!("return {v}"));
                    }
                    None => self.line("return"),
                }
            }
            StmtKind::IndexAssign {
                object,
                indices,
                op,
                value,
            } => {
                let target = self.index_expr(object, indices, Ty::Unknown)?.code;
                let v = self.expr(value)?.code;
                self.flush_pending();
                let sym = op.map(|(o, _)| o.symbol()).unwrap_or("");
                self.line(&format!("{target} {sym}= {v}"));
            }
            StmtKind::Import {
                path,
                path_span,
                name,
            } => {
                let run = self.module(path, *path_span)?;
                let bound = super::names::import_name(path, name.as_ref().map(|n| &*n.name));
                let n = self.name(&bound);
                self.line(&format!("{n} = bp.module({}, {run})", py_str(&run)));
            }
            StmtKind::NoGrad(body) => {
                self.line("with torch.no_grad():");
                self.no_grad += 1;
                let r = self.block(body);
                self.no_grad -= 1;
                r?;
            }
        }
        Ok(())
    }

    /// `def name(params):` and the body, in a new scope.
    fn function(&mut self, name: &str, decl: &FnDecl) -> R<()> {
        let params: Vec<String> = decl.params.iter().map(|p| self.name(&p.name)).collect();
        self.line(&format!("def {name}({}):", params.join(", ")));
        self.push_scope(&decl.body.stmts, &decl.params);
        let saved = (self.loops, self.no_grad, std::mem::take(&mut self.pending));
        self.loops = 0;
        self.no_grad = 0;
        self.functions += 1;
        let r = self.block(&decl.body);
        self.functions -= 1;
        self.loops = saved.0;
        self.no_grad = saved.1;
        self.pending = saved.2;
        self.scopes.pop();
        r
    }

    /// Translates an imported file (once) into a function that runs it and returns its
    /// top-level bindings; returns that function's name.
    fn module(&mut self, path: &str, span: Span) -> R<String> {
        let full = match &self.base {
            Some(b) => b.join(path),
            None => PathBuf::from(path),
        };
        let cannot = |why: String| unsupported(span, "this import", &why);
        let canonical = std::fs::canonicalize(&full)
            .map_err(|e| cannot(format!("cannot read '{}': {e}", full.display())))?;
        if let Some(f) = self.modules.get(&canonical) {
            return Ok(f.clone());
        }
        if self.importing.contains(&canonical) {
            return Err(cannot("the files import each other (a cycle)".into()));
        }
        let text = std::fs::read_to_string(&canonical)
            .map_err(|e| cannot(format!("cannot read '{}': {e}", full.display())))?;
        let parsed = crate::syntax::parse(&text, span.source);
        let program = match parsed.program {
            Some(p) if parsed.diagnostics.is_empty() => p,
            _ => return Err(cannot(format!("'{path}' has syntax errors (bp check it)"))),
        };
        let stem: String = Path::new(path)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let mut fname = format!("module_{stem}");
        while self.modules.values().any(|f| *f == fname) {
            fname.push('_');
        }
        self.modules.insert(canonical.clone(), fname.clone());
        // The module runs in its own scope: translate it as a function body.
        let saved = (
            std::mem::take(&mut self.scopes),
            std::mem::take(&mut self.out),
            std::mem::take(&mut self.pending),
            self.indent,
            self.loops,
            self.no_grad,
            self.base.take(),
        );
        self.base = canonical.parent().map(Path::to_path_buf);
        self.importing.push(canonical);
        self.indent = 0;
        self.loops = 0;
        self.no_grad = 0;
        self.line(&format!("def {fname}():"));
        self.line(&format!("    # {path}, run once by its first import"));
        self.push_scope(&program, &[]);
        self.functions += 1;
        self.indent = 1;
        let r = self.stmts(&program);
        self.line("return locals()");
        self.functions -= 1;
        self.importing.pop();
        let def = std::mem::replace(&mut self.out, saved.1);
        self.scopes = saved.0;
        self.pending = saved.2;
        self.indent = saved.3;
        self.loops = saved.4;
        self.no_grad = saved.5;
        self.base = saved.6;
        r?;
        self.module_defs.push_str(&def);
        self.module_defs.push('\n');
        Ok(fname)
    }

    /// `object[indices]`.
    fn index_expr(&mut self, object: &Expr, indices: &[Index], ty: Ty) -> R<Py> {
        let o = self.expr(object)?;
        let mut parts = Vec::new();
        for ix in indices {
            parts.push(match ix {
                Index::Single(i) => self.index(i)?,
                Index::Slice {
                    start, end, step, ..
                } => {
                    let mut s = String::new();
                    if let Some(x) = start {
                        s.push_str(&self.index(x)?);
                    }
                    s.push(':');
                    if let Some(x) = end {
                        s.push_str(&self.index(x)?);
                    }
                    if let Some(x) = step {
                        s.push(':');
                        s.push_str(&self.index(x)?);
                    }
                    s
                }
            });
        }
        Ok(Py::atom(
            format!("{}[{}]", o.at(P_ATOM), parts.join(", ")),
            ty,
        ))
    }

    /// `f"..."`: a Python f-string (or, when a value's code has quotes, a concatenation).
    fn fstring(&mut self, parts: &[FPart]) -> R<Py> {
        // (literal text, or (value code, its type, spec))
        let mut pieces: Vec<Result<String, (Py, Option<String>)>> = Vec::new();
        for p in parts {
            match p {
                FPart::Text(t) => pieces.push(Ok(t.to_string())),
                FPart::Value { expr, spec } => {
                    let v = self.expr(expr)?;
                    pieces.push(Err((v, spec.as_ref().map(|(s, _)| s.to_string()))));
                }
            }
        }
        let quoted = pieces.iter().any(|p| match p {
            Err((v, spec)) => {
                v.code.contains(['"', '\\', '\'', '{', '}'])
                    || spec
                        .as_ref()
                        .is_some_and(|s| s.contains(['"', '\\', '\'', '{', '}']))
            }
            Ok(_) => false,
        });
        if quoted {
            let mut terms = Vec::new();
            for p in pieces {
                terms.push(match p {
                    Ok(t) => py_str(&t),
                    Err((v, spec)) => match spec {
                        Some(s) => format!("bp.fmt({}, {})", v.code, py_str(&s)),
                        None => format!("bp.str({})", v.code),
                    },
                });
            }
            return Ok(Py {
                code: terms.join(" + "),
                prec: P_ADD,
                ty: Ty::Str,
            });
        }
        let mut out = String::from("f\"");
        for p in pieces {
            match p {
                Ok(t) => {
                    let lit = py_str(&t);
                    let inner = &lit[1..lit.len() - 1];
                    out.push_str(&inner.replace('{', "{{").replace('}', "}}"));
                }
                Err((v, spec)) => {
                    let code = if v.prec == P_LAMBDA {
                        format!("({})", v.code)
                    } else {
                        v.code.clone()
                    };
                    let kind = spec.as_deref().and_then(|s| s.chars().last());
                    let numeric = spec.as_deref().is_some_and(|s| {
                        s.contains('.')
                            || s.contains([',', '+'])
                            || matches!(kind, Some('f' | 'F' | 'e' | 'E' | 'g' | 'G' | '%' | 'd'))
                    });
                    out.push('{');
                    match (spec, v.ty) {
                        (None, Ty::Str | Ty::Int) => out.push_str(&code),
                        (None, _) => out.push_str(&format!("bp.str({code})")),
                        (Some(s), Ty::Int) if numeric => out.push_str(&format!("{code}:{s}")),
                        (Some(s), Ty::Num) if numeric && kind != Some('d') => {
                            out.push_str(&format!("{code}:{s}"))
                        }
                        (Some(s), Ty::Tensor) if numeric && kind != Some('d') => {
                            out.push_str(&format!("{}.item():{s}", v.at(P_ATOM)))
                        }
                        (Some(s), _) if numeric => out.push_str(&format!("bp.fmt({code}, '{s}')")),
                        (Some(s), _) => out.push_str(&format!("bp.str({code}):{s}")),
                    }
                    out.push('}');
                }
            }
        }
        out.push('"');
        Ok(Py::atom(out, Ty::Str))
    }

    fn iterable(&mut self, iter: &Expr) -> R<String> {
        Ok(self.expr(iter)?.code)
    }

    // ---- expressions ----

    fn expr(&mut self, e: &Expr) -> R<Py> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.expr_inner(e))
    }

    fn expr_inner(&mut self, e: &Expr) -> R<Py> {
        let ty = self.ty(e);
        Ok(match &e.kind {
            ExprKind::Number(n) => py_number(*n),
            ExprKind::Str(s) => Py::atom(py_str(s), Ty::Str),
            ExprKind::Bool(b) => Py::atom(if *b { "True" } else { "False" }, Ty::Bool),
            ExprKind::None => Py::atom("None", Ty::None),
            ExprKind::Name(n) | ExprKind::Var(crate::syntax::ast::Var { name: n, .. }) => {
                if self.is_user(n) {
                    Py::atom(self.name(n), ty)
                } else if n.as_ref() == "assert" {
                    Py::atom("bp.assert_", Ty::Func)
                } else if mapping(n).is_some() {
                    Py::atom(format!("bp.{n}"), Ty::Func)
                } else {
                    Py::atom(self.name(n), ty)
                }
            }
            ExprKind::TensorLit(items) => match numeric_literal(e) {
                Some(list) => Py::atom(format!("torch.tensor({list})"), Ty::Tensor),
                None => Py::atom(format!("bp.lit({})", self.lit_items(items)?), Ty::Tensor),
            },
            ExprKind::Tuple(items) => {
                let parts = items
                    .iter()
                    .map(|i| Ok(self.expr(i)?.code))
                    .collect::<R<Vec<_>>>()?;
                let code = if parts.len() == 1 {
                    format!("({},)", parts[0])
                } else {
                    format!("({})", parts.join(", "))
                };
                Py::atom(code, Ty::Tuple)
            }
            ExprKind::Unary { op, operand } => {
                let x = self.expr(operand)?;
                match op {
                    UnOp::Neg => Py {
                        code: format!("-{}", x.at(P_UNARY)),
                        prec: P_UNARY,
                        ty,
                    },
                    UnOp::Not => Py {
                        code: format!("not {}", x.at(P_NOT)),
                        prec: P_NOT,
                        ty: Ty::Bool,
                    },
                }
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, ty)?,
            ExprKind::Call { callee, args } => match &callee.kind {
                ExprKind::Name(n) if !self.is_user(n) && mapping(n).is_some() => {
                    self.builtin(n, &CallArgs::new(None, args), e.span)?
                }
                _ => {
                    let f = self.expr(callee)?;
                    let a = self.user_args(&CallArgs::new(None, args))?;
                    Py::atom(format!("{}({a})", f.at(P_ATOM)), ty)
                }
            },
            ExprKind::Method {
                receiver,
                name,
                args,
            } => {
                let a = CallArgs::new(Some(receiver), args);
                if self.ty(receiver) == Ty::Module {
                    let r = self.expr(receiver)?;
                    let rest = CallArgs::new(None, args);
                    let f = python_name(&name.name);
                    Py::atom(format!("{}.{f}({})", r.code, self.user_args(&rest)?), ty)
                } else if self.is_user(&name.name)
                    && matches!(self.name_ty(&name.name), Ty::Func | Ty::Unknown)
                {
                    let f = self.name(&name.name);
                    Py::atom(format!("{f}({})", self.user_args(&a)?), ty)
                } else if mapping(&name.name).is_some() {
                    self.builtin(&name.name, &a, e.span)?
                } else {
                    // A method bp's builtins do not define (a list's `append`, …).
                    let r = self.expr(receiver)?;
                    let rest = CallArgs::new(None, args);
                    Py::atom(
                        format!("{}.{}({})", r.at(P_ATOM), name.name, self.user_args(&rest)?),
                        ty,
                    )
                }
            }
            ExprKind::Attr { object, name } => {
                let o = self.expr(object)?;
                let attr = match &*name.name {
                    _ if o.ty == Ty::Module => python_name(&name.name),
                    "data" => "detach()".to_string(),
                    other => other.to_string(),
                };
                Py::atom(format!("{}.{attr}", o.at(P_ATOM)), ty)
            }
            ExprKind::Index { object, indices } => self.index_expr(object, indices, ty)?,
            ExprKind::Lambda(decl) => self.lambda(decl)?,
            ExprKind::FString(parts) => self.fstring(parts)?,
        })
    }

    /// An index or a slice bound: Python wants whole numbers (or a tensor of them).
    fn index(&mut self, e: &Expr) -> R<String> {
        let x = self.expr(e)?;
        Ok(match x.ty {
            Ty::Int => x.code,
            Ty::Num => format!("int({})", x.code),
            _ => format!("bp.ix({})", x.code),
        })
    }

    /// The items of a bp tensor literal that is not all numbers, for `bp.lit`.
    fn lit_items(&mut self, items: &[Expr]) -> R<String> {
        let mut parts = Vec::new();
        for i in items {
            parts.push(match &i.kind {
                ExprKind::TensorLit(inner) if numeric_literal(i).is_none() => {
                    self.lit_items(inner)?
                }
                _ => self.expr(i)?.code,
            });
        }
        Ok(format!("[{}]", parts.join(", ")))
    }

    fn lambda(&mut self, decl: &FnDecl) -> R<Py> {
        if let [Stmt {
            kind: StmtKind::Return(Some(body)),
            ..
        }] = decl.body.stmts.as_slice()
        {
            let params: Vec<String> = decl.params.iter().map(|p| self.name(&p.name)).collect();
            self.push_scope(&decl.body.stmts, &decl.params);
            self.functions += 1;
            let b = self.expr(body);
            self.functions -= 1;
            self.scopes.pop();
            let b = b?;
            let sep = if params.is_empty() { "" } else { " " };
            return Ok(Py {
                code: format!("lambda{sep}{}: {}", params.join(", "), b.code),
                prec: P_LAMBDA,
                ty: Ty::Func,
            });
        }
        // A longer body becomes a named definition just before the statement.
        self.lambdas += 1;
        let name = format!("lambda_{}", self.lambdas);
        let saved_out = std::mem::take(&mut self.out);
        let r = self.function(&name, decl);
        let def = std::mem::replace(&mut self.out, saved_out);
        r?;
        self.pending.push(def);
        Ok(Py::atom(name, Ty::Func))
    }

    fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, ty: Ty) -> R<Py> {
        let p = binop_prec(op);
        let (a, b) = (self.expr(lhs)?, self.expr(rhs)?);
        let plain = |a: &Py, b: &Py, sym: &str| {
            let (l, r) = if op == BinOp::Pow {
                // right-associative; `2 ** -1` needs no parentheses
                (a.at(P_POW + 1), b.at(P_UNARY))
            } else {
                (a.at(p), b.at(p + 1))
            };
            Py {
                code: format!("{l} {sym} {r}"),
                prec: p,
                ty,
            }
        };
        Ok(match op {
            BinOp::And | BinOp::Or => {
                // bp's `and`/`or` give a bool, Python's give an operand.
                let truth = |x: &Py| {
                    if x.ty == Ty::Bool {
                        x.at(p + 1)
                    } else {
                        format!("bool({})", x.code)
                    }
                };
                let sym = if op == BinOp::And { "and" } else { "or" };
                Py {
                    code: format!("{} {sym} {}", truth(&a), truth(&b)),
                    prec: p,
                    ty: Ty::Bool,
                }
            }
            BinOp::Eq | BinOp::Ne if a.ty == Ty::None || b.ty == Ty::None => {
                let sym = if op == BinOp::Eq { "is" } else { "is not" };
                let (x, y) = if a.ty == Ty::None { (&b, &a) } else { (&a, &b) };
                Py {
                    code: format!("{} {sym} {}", x.at(P_CMP + 1), y.at(P_CMP + 1)),
                    prec: P_CMP,
                    ty: Ty::Bool,
                }
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let sym = op.symbol();
                let cmp = Py {
                    code: format!("{} {sym} {}", a.at(P_CMP + 1), b.at(P_CMP + 1)),
                    prec: P_CMP,
                    ty,
                };
                if ty == Ty::Bool {
                    cmp
                } else if ty == Ty::Tensor {
                    // a tensor of 0 and 1, as bp's comparisons give
                    Py::atom(format!("({}).double()", cmp.code), Ty::Tensor)
                } else {
                    Py::atom(format!("bp.mask({})", cmp.code), ty)
                }
            }
            _ => plain(&a, &b, op.symbol()),
        })
    }

    /// Arguments of a call to a user function: positional, then `name=value`.
    fn user_args(&mut self, a: &CallArgs) -> R<String> {
        let mut parts = Vec::new();
        for e in &a.pos {
            parts.push(self.expr(e)?.code);
        }
        for (k, e) in &a.kws {
            let v = self.expr(e)?.code;
            parts.push(format!("{}={v}", self.name(k)));
        }
        Ok(parts.join(", "))
    }

    /// The runtime's version of a builtin, `bp.name(args)`, which handles every case.
    fn generic(&mut self, name: &str, a: &CallArgs, ty: Ty) -> R<Py> {
        let mut parts = Vec::new();
        for e in &a.pos {
            parts.push(self.expr(e)?.code);
        }
        for (k, e) in &a.kws {
            let v = self.expr(e)?.code;
            let k = match *k {
                "grad" => "requires_grad",
                other => other,
            };
            parts.push(format!("{k}={v}"));
        }
        let f = if name == "assert" { "assert_" } else { name };
        Ok(Py::atom(format!("bp.{f}({})", parts.join(", ")), ty))
    }

    /// `, requires_grad=True` when the call has the `grad` flag.
    fn grad_flag(&mut self, a: &CallArgs) -> R<String> {
        match a
            .kws
            .iter()
            .find(|(k, _)| *k == "grad" || *k == "requires_grad")
        {
            Some((_, e)) => Ok(format!(", requires_grad={}", self.expr(e)?.code)),
            None => Ok(String::new()),
        }
    }

    /// `dim=..., keepdim=...` for a reduction, from bp's `axis` (by position 1 too).
    fn dims(&mut self, a: &CallArgs) -> R<String> {
        let mut out = String::new();
        if let Some(ax) = a.get(1, "axis") {
            out.push_str(&format!(", dim={}", self.index(ax)?));
        }
        if let Some(k) = a.get(2, "keepdim") {
            out.push_str(&format!(", keepdim={}", self.expr(k)?.code));
        }
        Ok(out)
    }

    fn shape_args(&mut self, shape: &[&Expr]) -> R<Option<String>> {
        match shape {
            [one] if self.ty(one) == Ty::Tuple => Ok(Some(self.expr(one)?.code)),
            _ if shape.iter().all(|e| self.ty(e) == Ty::Int) => {
                let parts = shape
                    .iter()
                    .map(|e| Ok(self.expr(e)?.code))
                    .collect::<R<Vec<_>>>()?;
                Ok(Some(if parts.len() == 1 {
                    format!("({},)", parts[0])
                } else {
                    format!("({})", parts.join(", "))
                }))
            }
            _ => Ok(None),
        }
    }

    /// A call of the builtin `name`: its PyTorch call inline where the arguments'
    /// types allow it, otherwise the runtime's function.
    fn builtin(&mut self, name: &str, a: &CallArgs, span: Span) -> R<Py> {
        if super::builtins::UNSUPPORTED.contains(&name) {
            return Err(unsupported(
                span,
                &format!("this {name}()"),
                "the exported script has no picture helpers yet; remove the call or draw with matplotlib",
            ));
        }
        let ty = self.builtin_ty(name, a);
        let t = |s: &Self, i: usize| a.pos.get(i).map(|e| s.ty(e)).unwrap_or(Ty::Unknown);
        let x_tensor = t(self, 0) == Ty::Tensor
            || (TENSOR_ONLY.contains(&name) && !matches!(t(self, 0), Ty::Int | Ty::Num));
        let call = |code: String| Ok(Py::atom(code, ty));
        match name {
            "zeros" | "ones" if a.only(usize::MAX, &["grad", "requires_grad"]) => {
                if let Some(shape) = self.shape_args(&a.pos)? {
                    let g = self.grad_flag(a)?;
                    return call(format!("torch.{name}({shape}{g})"));
                }
            }
            "rand" | "randn" if a.only(usize::MAX, &["grad", "requires_grad"]) => {
                if let Some(shape) = self.shape_args(&a.pos)? {
                    let g = self.grad_flag(a)?;
                    return call(format!("bp.{name}({shape}{g})"));
                }
            }
            "full" if a.only(usize::MAX, &["grad", "requires_grad", "value"]) => {
                if let Some(v) = a.kws.iter().find(|(k, _)| *k == "value").map(|p| p.1) {
                    if let Some(shape) = self.shape_args(&a.pos)? {
                        let v = self.expr(v)?;
                        let v = if v.ty == Ty::Int {
                            format!("{}.0", v.code)
                        } else {
                            format!("float({})", v.code)
                        };
                        let g = self.grad_flag(a)?;
                        return call(format!("torch.full({shape}, {v}{g})"));
                    }
                }
            }
            "tensor" if a.only(1, &["grad", "requires_grad"]) => {
                if let Some(x) = a.pos.first() {
                    let lit = match &x.kind {
                        ExprKind::TensorLit(_) => numeric_literal(x),
                        ExprKind::Number(n) => Some(py_float(*n)),
                        ExprKind::Unary { .. } => numeric_literal(x),
                        _ => None,
                    };
                    if let Some(lit) = lit {
                        let g = self.grad_flag(a)?;
                        return call(format!("torch.tensor({lit}{g})"));
                    }
                    if self.ty(x) == Ty::Tensor {
                        // a new leaf copy of a tensor, in PyTorch's idiom
                        let x = self.expr(x)?;
                        let g = match a.kws.first() {
                            Some((_, e)) => format!(".requires_grad_({})", self.expr(e)?.code),
                            None => String::new(),
                        };
                        return call(format!("{}.detach().clone(){g}", x.at(P_ATOM)));
                    }
                }
            }
            "zeros_like" | "ones_like" if x_tensor && a.only(1, &["grad", "requires_grad"]) => {
                let x = self.expr(a.pos[0])?.code;
                let g = self.grad_flag(a)?;
                return call(format!("torch.{name}({x}{g})"));
            }
            "exp" | "log" | "sqrt" | "sin" | "cos" | "tanh" | "sigmoid" | "relu" | "sign"
            | "abs" | "softplus" | "flatten" | "outer" | "detach" | "retain_grad" | "item"
            | "numel"
                if x_tensor =>
            {
                let x = self.expr(a.pos[0])?;
                let rest = a.pos[1..]
                    .iter()
                    .map(|e| Ok(self.expr(e)?.code))
                    .collect::<R<Vec<_>>>()?;
                if !a.kws.is_empty() {
                    return self.generic(name, a, ty);
                }
                let rest = rest.iter().map(|r| format!(", {r}")).collect::<String>();
                return call(match name {
                    "softplus" => format!("F.softplus({}{rest})", x.code),
                    "detach" | "retain_grad" | "item" | "numel" => {
                        format!("{}.{name}()", x.at(P_ATOM))
                    }
                    _ => format!("torch.{name}({}{rest})", x.code),
                });
            }
            "leaky_relu" if x_tensor => {
                let x = self.expr(a.pos[0])?.code;
                return call(match a.get(1, "slope") {
                    Some(s) => format!("F.leaky_relu({x}, {})", self.expr(s)?.code),
                    None => format!("F.leaky_relu({x})"),
                });
            }
            "clamp" if x_tensor && a.pos.len() == 1 => {
                let x = self.expr(a.pos[0])?.code;
                let mut s = format!("torch.clamp({x}");
                for (k, e) in &a.kws {
                    s.push_str(&format!(", {k}={}", self.expr(e)?.code));
                }
                return call(s + ")");
            }
            "pow" if a.pos.len() == 2 => {
                return self.binary_call(BinOp::Pow, a.pos[0], a.pos[1], ty);
            }
            "matmul" if a.pos.len() == 2 => {
                return self.binary_call(BinOp::MatMul, a.pos[0], a.pos[1], ty);
            }
            "maximum" | "minimum" if x_tensor && t(self, 1) == Ty::Tensor => {
                let (x, y) = (self.expr(a.pos[0])?.code, self.expr(a.pos[1])?.code);
                return call(format!("torch.{name}({x}, {y})"));
            }
            "sum" | "mean" | "max" | "min" | "prod"
                if x_tensor && a.only(3, &["axis", "keepdim"]) =>
            {
                let x = self.expr(a.pos[0])?.code;
                let dims = self.dims(a)?;
                let f = match (name, dims.is_empty()) {
                    ("max", _) => "amax",
                    ("min", _) => "amin",
                    (n, _) => n,
                };
                return call(format!("torch.{f}({x}{dims})"));
            }
            "norm" if x_tensor => {
                let x = self.expr(a.pos[0])?.code;
                return call(format!("torch.linalg.vector_norm({x})"));
            }
            "argmax" | "argmin" if x_tensor && a.only(3, &["axis", "keepdim"]) => {
                let x = self.expr(a.pos[0])?.code;
                let dims = self.dims(a)?;
                return call(format!("torch.{name}({x}{dims}).double()"));
            }
            "transpose" if x_tensor && a.pos.len() == 3 => {
                let x = self.expr(a.pos[0])?.code;
                let (p, q) = (self.index(a.pos[1])?, self.index(a.pos[2])?);
                return call(format!("torch.transpose({x}, {p}, {q})"));
            }
            "reshape" if x_tensor && a.kws.is_empty() => {
                if let Some(shape) = self.shape_args(&a.pos[1..])? {
                    let x = self.expr(a.pos[0])?.code;
                    return call(format!("torch.reshape({x}, {shape})"));
                }
            }
            "squeeze" | "unsqueeze" if x_tensor && a.only(2, &["axis"]) => {
                let x = self.expr(a.pos[0])?.code;
                return call(match a.get(1, "axis") {
                    Some(ax) => format!("torch.{name}({x}, {})", self.index(ax)?),
                    None => format!("torch.{name}({x})"),
                });
            }
            "concat" | "stack" if a.only(2, &["axis"]) => {
                if let Some(ExprKind::Tuple(items)) = a.pos.first().map(|e| &e.kind) {
                    if items.iter().all(|i| self.ty(i) == Ty::Tensor) {
                        let ts = self.expr(a.pos[0])?.code;
                        let f = if name == "concat" { "cat" } else { "stack" };
                        return call(match a.get(1, "axis") {
                            Some(ax) => format!("torch.{f}({ts}, dim={})", self.index(ax)?),
                            None => format!("torch.{f}({ts})"),
                        });
                    }
                }
            }
            "shape" if x_tensor => {
                let x = self.expr(a.pos[0])?;
                return call(format!("tuple({}.shape)", x.at(P_ATOM)));
            }
            "len" if a.pos.len() == 1 => {
                let x = self.expr(a.pos[0])?.code;
                return call(format!("len({x})"));
            }
            "softmax" | "log_softmax" if x_tensor && a.only(2, &["axis"]) => {
                let x = self.expr(a.pos[0])?.code;
                let d = match a.get(1, "axis") {
                    Some(ax) => self.index(ax)?,
                    None => "-1".into(),
                };
                return call(format!("torch.{name}({x}, dim={d})"));
            }
            "mse_loss" | "binary_cross_entropy" | "cross_entropy"
                if x_tensor && !matches!(t(self, 1), Ty::Int | Ty::Num) && a.only(2, &[]) =>
            {
                let x = self.expr(a.pos[0])?.code;
                let y = self.expr(a.pos[1])?;
                let y = if name == "cross_entropy" {
                    format!("{}.long()", y.at(P_ATOM))
                } else {
                    y.code
                };
                return call(format!("F.{name}({x}, {y})"));
            }
            "backward" if a.only(2, &["v", "retain_graph", "create_graph"]) => {
                if let Some(y) = a.pos.first() {
                    let y = self.expr(y)?;
                    let mut parts = Vec::new();
                    if let Some(v) = a.get(1, "v") {
                        parts.push(self.expr(v)?.code);
                    }
                    for (k, e) in &a.kws {
                        if *k != "v" {
                            parts.push(format!("{k}={}", self.expr(e)?.code));
                        }
                    }
                    return call(format!("{}.backward({})", y.at(P_ATOM), parts.join(", ")));
                }
            }
            "grad" if a.pos.len() >= 2 && matches!(t(self, 1), Ty::Tensor | Ty::Tuple) => {
                let many = t(self, 1) == Ty::Tuple;
                let y = self.expr(a.pos[0])?.code;
                let x = self.expr(a.pos[1])?.code;
                let mut parts = vec![y, x];
                if let Some(v) = a.get(2, "v") {
                    parts.push(format!("grad_outputs={}", self.expr(v)?.code));
                }
                for (k, e) in &a.kws {
                    if *k != "v" {
                        parts.push(format!("{k}={}", self.expr(e)?.code));
                    }
                }
                let g = format!("torch.autograd.grad({})", parts.join(", "));
                return call(if many { g } else { format!("{g}[0]") });
            }
            "clip_grad_norm" | "clip_grad_value" if a.pos.len() == 2 && a.kws.is_empty() => {
                let p = self.expr(a.pos[0])?;
                let p = if p.ty == Ty::Tensor {
                    format!("[{}]", p.code)
                } else {
                    p.code
                };
                let m = self.expr(a.pos[1])?.code;
                return call(if name == "clip_grad_norm" {
                    format!("torch.nn.utils.clip_grad_norm_({p}, {m}).item()")
                } else {
                    format!("torch.nn.utils.clip_grad_value_({p}, {m})")
                });
            }
            "range" if a.kws.is_empty() && a.pos.iter().all(|e| self.ty(e) == Ty::Int) => {
                let parts = a
                    .pos
                    .iter()
                    .map(|e| Ok(self.expr(e)?.code))
                    .collect::<R<Vec<_>>>()?;
                return call(format!("range({})", parts.join(", ")));
            }
            "list" if a.pos.is_empty() && a.kws.is_empty() => return call("[]".into()),
            "append" | "pop" if !a.pos.is_empty() && a.kws.is_empty() => {
                let xs = self.expr(a.pos[0])?;
                let rest = a.pos[1..]
                    .iter()
                    .map(|e| self.index_or_value(name, e))
                    .collect::<R<Vec<_>>>()?;
                return call(format!("{}.{name}({})", xs.at(P_ATOM), rest.join(", ")));
            }
            "gradflow" if a.pos.is_empty() && a.kws.is_empty() => {
                if self.renamed.is_empty() {
                    return call("bp.gradflow(globals())".into());
                }
                let map: Vec<String> = self
                    .renamed
                    .iter()
                    .map(|(p, b)| format!("{}: {}", py_str(p), py_str(b)))
                    .collect();
                return call(format!("bp.gradflow(globals(), {{{}}})", map.join(", ")));
            }
            _ => {}
        }
        self.generic(name, a, ty)
    }

    /// `pop`'s argument is an index; `append`'s a value.
    fn index_or_value(&mut self, name: &str, e: &Expr) -> R<String> {
        if name == "pop" {
            self.index(e)
        } else {
            Ok(self.expr(e)?.code)
        }
    }

    fn binary_call(&mut self, op: BinOp, x: &Expr, y: &Expr, ty: Ty) -> R<Py> {
        self.binary(op, x, y, ty)
    }
}

/// Builtins that take only tensors in practice: an argument of unknown type is taken
/// to be a tensor and the PyTorch call is made inline.
const TENSOR_ONLY: &[&str] = &[
    "mse_loss",
    "binary_cross_entropy",
    "cross_entropy",
    "softmax",
    "log_softmax",
    "transpose",
    "reshape",
    "flatten",
    "squeeze",
    "unsqueeze",
    "outer",
    "detach",
    "retain_grad",
    "zeros_like",
    "ones_like",
    "shape",
    "numel",
    "argmax",
    "argmin",
];

fn is_scalar(t: Ty) -> bool {
    matches!(t, Ty::Int | Ty::Num | Ty::Bool)
}

fn maybe_tensor(t: Ty) -> bool {
    matches!(t, Ty::Tensor | Ty::Unknown)
}
