//! The one execution back end: every statement and expression of the AST, with
//! the places the resolver gave its names (`Resolved`), — top-level code, function bodies, modules — is compiled once to a tree of
//! Rust closures, so that running it is a chain of direct calls: no match over node
//! kinds, constants and slots decided at compile time, and calls of user functions
//! into pooled frames. The compiled code is owned by what runs it (a top-level
//! statement's code by the run, a function's by its [`Closure`]s), never by the AST.
//!
//! The closures share the evaluator's helpers (`binary`, `call`, `bind_ident`,
//! `for_loop`, `index`, …), so spans, errors and the recorded tape are those of
//! the language, written once. Index reading and writing take their index
//! expressions as AST (see [`Interpreter::eval`]): their code goes in a side table
//! the helper's `eval` finds by span.
//!
//! Nesting: the parser limits brackets and blocks; left-leaning operator chains are
//! folded without recursion; what still nests (`- - x`, `x.T.T`, `a and b and c`)
//! is compiled on a stack grown on demand, and from [`GUARD_FROM`] levels on every
//! [`STACK_CHECK_EVERY`]th level of code looks at the stack when it runs and when
//! it is dropped. Past [`MAX_EVAL_DEPTH`] levels an expression is an error.

use super::operators::num_binary;
use super::{
    check_interrupt, Binding, Place, Resolved, Scope, Var, MAX_EVAL_DEPTH, STACK_CHECK_EVERY,
    STACK_GROWTH, STACK_RED_ZONE,
};
use crate::diagnostic::Diagnostic;
use crate::eval::globals::Globals;
use crate::eval::pytorch::is_foreign_module;
use crate::eval::resolve::Frame;
use crate::eval::value::{truthy, Closure, Env};
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::source::Span;
use crate::syntax::ast::{
    Arg, BinOp, Block, Expr, ExprKind, FPart, FnDecl, Ident, Index, Name, NumberList, Stmt,
    StmtKind, UnOp,
};
use std::cell::Cell;
use std::rc::Rc;

mod comprehension;
mod numeric;
mod tier;

/// Compiled code giving a `T`: a value, nothing (a statement), a truth.
type Code<T> = Box<dyn Fn(&mut Interpreter, &Scope) -> Eval<T>>;
pub(crate) type ExprCode = Code<Value>;
pub(crate) type StmtCode = Code<()>;
type CondCode = Code<bool>;

/// From how many levels of nesting on compiled code looks at the stack (every
/// [`STACK_CHECK_EVERY`] levels): code nested less deeply runs without a check.
const GUARD_FROM: usize = 32;

/// How many emptied frames the interpreter keeps for the next calls.
const FRAME_POOL: usize = 64;

/// Every how many nested calls the native stack is looked at.
const STACK_CHECK_CALLS: usize = 4;

/// A compiled function body: its steps, and the expression of a final `return`
/// (the common shape, run without a `Flow::Return`).
pub(crate) struct FnCode {
    steps: Vec<Step>,
    tail: Option<ExprCode>,
    /// The layout of a call's frame.
    pub(crate) frame: Rc<Frame>,
    /// The body as `f64` code, when it is number code (`compile/tier.rs`).
    pub(crate) num: Option<tier::NumFn>,
}

/// One statement of a function's body.
enum Step {
    Run(StmtCode),
    /// `if cond { return e }`: returns without a `Flow::Return`.
    ReturnIf(CondCode, ExprCode),
}

impl FnCode {
    #[inline(always)]
    fn run(&self, interp: &mut Interpreter, scope: &Scope) -> Eval<Value> {
        for step in &self.steps {
            match step {
                Step::Run(s) => s(interp, scope)?,
                Step::ReturnIf(cond, e) => {
                    if cond(interp, scope)? {
                        return e(interp, scope);
                    }
                }
            }
        }
        match &self.tail {
            Some(t) => t(interp, scope),
            None => Ok(Value::None),
        }
    }
}

/// The code of the expressions an index helper evaluates itself (its indices and
/// the assigned value), found by the span of the expression (see
/// [`Interpreter::eval`]).
pub(crate) struct SideCodes(Vec<(Span, ExprCode)>);

impl SideCodes {
    pub(super) fn find(&self, span: Span) -> Option<&ExprCode> {
        self.0.iter().find(|(s, _)| *s == span).map(|(_, c)| c)
    }
}

/// A top-level statement (of a script, a REPL entry or a module) compiled, its
/// names where `resolved` says (a global's slot made in `globals` when new).
pub(super) fn statement(stmt: &Stmt, resolved: &Resolved, globals: &mut Globals) -> StmtCode {
    Compiler::new(resolved, globals).stmt(stmt)
}

/// An expression compiled on its own.
pub(super) fn expression(e: &Expr, resolved: &Resolved, globals: &mut Globals) -> ExprCode {
    Compiler::new(resolved, globals).expr(e)
}

/// Code nested deeply: it looks at the stack (and grows it when short) when it
/// runs and when it is dropped.
struct Deep<T: 'static>(Option<Code<T>>);

impl<T: 'static> Drop for Deep<T> {
    fn drop(&mut self) {
        if let Some(code) = self.0.take() {
            stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, move || drop(code));
        }
    }
}

fn guarded<T: 'static>(code: Code<T>) -> Code<T> {
    let deep = Deep(Some(code));
    Box::new(move |i, s| match &deep.0 {
        Some(c) => stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || c(i, s)),
        None => Err(Flow::from(Diagnostic::error(
            "internal error: code dropped",
        ))),
    })
}

struct Compiler<'r> {
    depth: usize,
    /// Compiling a function's body (not top-level code).
    in_fn: bool,
    resolved: &'r Resolved,
    globals: &'r mut Globals,
}

impl<'r> Compiler<'r> {
    fn new(resolved: &'r Resolved, globals: &'r mut Globals) -> Self {
        Compiler {
            depth: 0,
            in_fn: false,
            resolved,
            globals,
        }
    }

    /// Where the name `name` written at `span` is found.
    fn place(&mut self, span: Span, name: &Name) -> Place {
        self.resolved.place(span, name, self.globals)
    }

    /// The name `ident` bound, with the place it writes.
    fn binding(&mut self, ident: &Ident) -> Binding {
        Binding {
            place: self.place(ident.span, &ident.name),
            ident: ident.clone(),
        }
    }

    /// The code of a read of `name` (compiled to `place`), recording where the
    /// read finds its value when the interpreter traces places.
    fn traced(&self, code: ExprCode, span: Span, name: Name, place: Place) -> ExprCode {
        if !self.resolved.tracing() {
            return code;
        }
        Box::new(move |i, s| {
            let found = i.found(&name, place, s);
            if let Some(t) = &mut i.resolved.trace {
                t.push((span, name.clone(), found));
            }
            code(i, s)
        })
    }

    /// Compiles one level of nesting with `inner`: on a grown stack when short,
    /// guarded when deep.
    fn nested<T: 'static>(&mut self, inner: impl FnOnce(&mut Self) -> Code<T>) -> Code<T> {
        self.depth += 1;
        let check = self.depth.is_multiple_of(STACK_CHECK_EVERY);
        let code = if check {
            stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || inner(self))
        } else {
            inner(self)
        };
        let code = if check && self.depth >= GUARD_FROM {
            guarded(code)
        } else {
            code
        };
        self.depth -= 1;
        code
    }

    fn function(&mut self, decl: &FnDecl) -> Rc<FnCode> {
        let outer = std::mem::replace(&mut self.in_fn, true);
        let (tail, rest) = match decl.body.stmts.split_last() {
            Some((
                Stmt {
                    kind: StmtKind::Return(Some(e)),
                    ..
                },
                rest,
            )) => (Some(self.expr(e)), rest),
            _ => (None, &decl.body.stmts[..]),
        };
        let steps = rest.iter().map(|s| self.step(s)).collect();
        self.in_fn = outer;
        let frame = self.resolved.frame(decl.span);
        let num = self.tier(decl, &frame);
        Rc::new(FnCode {
            steps,
            tail,
            frame,
            num,
        })
    }

    /// `fn (…) { … }` defined where it runs: a closure of the compiled body and the
    /// running scope.
    fn closure(&mut self, decl: &Rc<FnDecl>) -> Code<Rc<Closure>> {
        let code = self.function(decl);
        // Defaults: expressions of the defining scope, evaluated each time the
        // definition runs (once per function value, as Python's).
        let defaults: Vec<Option<ExprCode>> = if decl.defaults.iter().any(Option::is_some) {
            decl.defaults
                .iter()
                .map(|d| d.as_ref().map(|e| self.expr(e)))
                .collect()
        } else {
            Vec::new()
        };
        // A backward clause (SPEC §21): a function of its own, in the same scope.
        let backward = decl
            .backward
            .as_ref()
            .map(|b| (b.clone(), self.function(b)));
        let decl = decl.clone();
        Box::new(move |i, s| {
            let mut values = Vec::with_capacity(defaults.len());
            for d in &defaults {
                values.push(match d {
                    Some(code) => Some(code(i, s)?),
                    None => None,
                });
            }
            let backward = backward.as_ref().map(|(b, code)| {
                Rc::new(Closure {
                    decl: b.clone(),
                    env: s.clone(),
                    code: code.clone(),
                    defaults: Vec::new(),
                    owner: None,
                    backward: None,
                })
            });
            Ok(Rc::new(Closure {
                decl: decl.clone(),
                env: s.clone(),
                code: code.clone(),
                defaults: values,
                owner: None,
                backward,
            }))
        })
    }

    /// A statement of a function's body: `if c { return e }` as a step of its own.
    fn step(&mut self, stmt: &Stmt) -> Step {
        if let Some((cond, e)) = return_if(stmt) {
            return Step::ReturnIf(self.cond(cond), self.expr(e));
        }
        Step::Run(self.stmt(stmt))
    }

    fn block(&mut self, b: &Block) -> Rc<[StmtCode]> {
        b.stmts.iter().map(|s| self.stmt(s)).collect()
    }

    fn stmt(&mut self, stmt: &Stmt) -> StmtCode {
        self.nested(|c| c.stmt_inner(stmt))
    }

    fn stmt_inner(&mut self, stmt: &Stmt) -> StmtCode {
        let span = stmt.span;
        match &stmt.kind {
            StmtKind::Expr(e) => {
                let c = self.expr(e);
                if self.in_fn {
                    // A function's expression statements are never echoed.
                    Box::new(move |i, s| c(i, s).map(drop))
                } else {
                    Box::new(move |i, s| {
                        let v = c(i, s)?;
                        i.echo(&v, s)
                    })
                }
            }
            StmtKind::Assign { target, value } => {
                let c = self.expr(value);
                let target = self.binding(target);
                let place = target.place;
                let general: StmtCode = match target.place {
                    Place::Local(slot) if self.in_fn => Box::new(move |i, s| {
                        let v = c(i, s)?;
                        match s {
                            Some(env) => env.set_slot(slot, v),
                            None => i.bind_ident(&target, v, s),
                        }
                        Ok(())
                    }),
                    Place::Global(slot) => Box::new(move |i, s| {
                        let v = c(i, s)?;
                        match s {
                            None => i.globals.set(slot, v),
                            Some(_) => i.bind_ident(&target, v, s),
                        }
                        Ok(())
                    }),
                    _ => Box::new(move |i, s| {
                        let v = c(i, s)?;
                        i.bind_ident(&target, v, s);
                        Ok(())
                    }),
                };
                match self.num_code(value) {
                    Some(num) => self.num_assign(num, place, self.in_fn, general),
                    None => general,
                }
            }
            StmtKind::Unpack { targets, value } => {
                let c = self.expr(value);
                let targets: Vec<Binding> = targets.iter().map(|t| self.binding(t)).collect();
                let vspan = value.span;
                Box::new(move |i, s| {
                    let v = c(i, s)?;
                    i.unpack(&targets, v, vspan, s)
                })
            }
            StmtKind::FnDef(decl) => {
                let make = self.closure(decl);
                let name = decl.name.as_ref().map(|n| self.binding(n));
                Box::new(move |i, s| {
                    let f = Value::Func(make(i, s)?);
                    if let Some(name) = &name {
                        i.bind_ident(name, f, s);
                    }
                    Ok(())
                })
            }
            StmtKind::Class(decl) => {
                let methods: Vec<(Name, Code<Rc<Closure>>)> = decl
                    .methods
                    .iter()
                    .map(|m| {
                        let name = m.name.as_ref().map(|n| n.name.clone()).unwrap_or_default();
                        (name, self.closure(m))
                    })
                    .collect();
                let name = self.binding(&decl.name);
                let decl = decl.clone();
                Box::new(move |i, s| {
                    let mut made = Vec::with_capacity(methods.len());
                    for (n, make) in &methods {
                        let mut m = make(i, s)?;
                        if let Some(c) = Rc::get_mut(&mut m) {
                            c.owner = Some(decl.name.name.clone());
                        }
                        made.push((n.clone(), m));
                    }
                    let class = crate::eval::classes::Class {
                        decl: decl.clone(),
                        methods: made,
                    };
                    i.bind_ident(&name, Value::Class(Rc::new(class)), s);
                    Ok(())
                })
            }
            StmtKind::If {
                branches,
                else_block,
            } => {
                let branches: Vec<(CondCode, Rc<[StmtCode]>)> = branches
                    .iter()
                    .map(|(c, b)| (self.cond(c), self.block(b)))
                    .collect();
                let else_block = else_block.as_ref().map(|b| self.block(b));
                Box::new(move |i, s| {
                    for (cond, block) in &branches {
                        if cond(i, s)? {
                            return run_block(block, i, s);
                        }
                    }
                    match &else_block {
                        Some(b) => run_block(b, i, s),
                        None => Ok(()),
                    }
                })
            }
            StmtKind::While { cond, body } => {
                let c = self.cond(cond);
                let body = self.block(body);
                Box::new(move |i, s| {
                    i.while_loop(span, |i, s| c(i, s), |i, s| run_block(&body, i, s), s)
                })
            }
            StmtKind::For {
                targets,
                iter,
                body,
            } => {
                let it = self.expr(iter);
                let ispan = iter.span;
                let targets: Vec<Binding> = targets.iter().map(|t| self.binding(t)).collect();
                let body = self.block(body);
                Box::new(move |i, s| {
                    let v = it(i, s)?;
                    i.for_loop(v, &targets, span, ispan, s, |i, s| run_block(&body, i, s))
                })
            }
            StmtKind::Break => Box::new(move |_, _| Err(Flow::Break(span))),
            StmtKind::Continue => Box::new(move |_, _| Err(Flow::Continue(span))),
            StmtKind::Return(e) => match e {
                Some(e) => {
                    let c = self.expr(e);
                    Box::new(move |i, s| Err(Flow::Return(c(i, s)?, span)))
                }
                None => Box::new(move |_, _| Err(Flow::Return(Value::None, span))),
            },
            StmtKind::NoGrad(b) => {
                let body = self.block(b);
                Box::new(move |i, s| i.no_grad(s, |i, s| run_block(&body, i, s)))
            }
            StmtKind::CompoundAssign {
                target,
                op: op @ (BinOp::Add | BinOp::Sub),
                value,
                ..
            } if matches!(value.kind, ExprKind::Binary { op: BinOp::Mul, .. }) => {
                self.scaled_update(target, *op, value, span)
            }
            StmtKind::CompoundAssign {
                target, op, value, ..
            } => {
                let c = self.expr(value);
                let (target, op, vspan) = (self.binding(target), *op, value.span);
                Box::new(move |i, s| {
                    let current = match i.read_place(target.place, s) {
                        Some(v) => v,
                        None => i.read_by_name(&target.name, target.span, s)?,
                    };
                    let rhs = c(i, s)?;
                    i.compound_assign(&target, op, current, rhs, span, vspan, s)
                })
            }
            StmtKind::IndexAssign {
                object,
                indices,
                op,
                value,
            } => {
                // `p.data[i] = v`: a write into p's own values, not recorded.
                if let ExprKind::Attr(attr) = &object.kind {
                    let (inner, name) = (&attr.object, &attr.name);
                    if &*name.name == "data" && foreign_name(inner).is_none() {
                        let o = self.expr(inner);
                        let side = Rc::new(self.side_codes(indices, Some(value)));
                        let (indices, value, ospan, op) =
                            (skeleton(indices), stub(value), object.span, *op);
                        let (name, ispan) = (name.clone(), inner.span);
                        return Box::new(move |i, s| {
                            let holder = o(i, s)?;
                            i.side_codes.push(side.clone());
                            let r = match &holder {
                                Value::Tensor(t) => {
                                    i.data_index_assign(t, ospan, &indices, op, &value, span, s)
                                }
                                _ => i
                                    .attribute(&holder, &name.name, name.span, ispan, ospan)
                                    .and_then(|target| {
                                        i.index_assign(target, ospan, &indices, op, &value, span, s)
                                    }),
                            };
                            i.side_codes.pop();
                            r
                        });
                    }
                }
                let o = self.expr(object);
                let side = Rc::new(self.side_codes(indices, Some(value)));
                let (indices, value, ospan, op) =
                    (skeleton(indices), stub(value), object.span, *op);
                Box::new(move |i, s| {
                    let target = o(i, s)?;
                    i.side_codes.push(side.clone());
                    let r = i.index_assign(target, ospan, &indices, op, &value, span, s);
                    i.side_codes.pop();
                    r
                })
            }
            StmtKind::AttrAssign {
                object,
                name,
                op,
                value,
            } => {
                let o = self.expr(object);
                let v = self.expr(value);
                let (name, ospan, vspan, op) = (name.clone(), object.span, value.span, *op);
                Box::new(move |i, s| {
                    let target = o(i, s)?;
                    let rhs = v(i, s)?;
                    i.attr_assign(target, ospan, &name, op, rhs, vspan, span)
                })
            }
            StmtKind::Import {
                path,
                path_span,
                binding,
                ..
            } => {
                let (path, pspan, binding) = (path.clone(), *path_span, self.binding(binding));
                Box::new(move |i, s| {
                    let (module, _) = i.import(&path, pspan, span)?;
                    i.bind_ident(&binding, Value::Module(module), s);
                    Ok(())
                })
            }
        }
    }

    /// The code of the expressions an index helper evaluates: the indices, and
    /// the value of an index assignment.
    fn side_codes(&mut self, indices: &[Index], value: Option<&Expr>) -> SideCodes {
        let mut codes = Vec::new();
        for ix in indices {
            match ix {
                Index::Single(e) => codes.push((e.span, self.expr(e))),
                Index::Slice {
                    start, end, step, ..
                } => {
                    for e in [start, end, step].into_iter().flatten() {
                        codes.push((e.span, self.expr(e)));
                    }
                }
            }
        }
        if let Some(v) = value {
            codes.push((v.span, self.expr(v)));
        }
        SideCodes(codes)
    }

    fn expr(&mut self, e: &Expr) -> ExprCode {
        if self.depth >= MAX_EVAL_DEPTH {
            let span = e.span;
            return Box::new(move |_, _| Err(too_deep(span)));
        }
        self.nested(|c| c.expr_inner(e))
    }

    /// The code of `object` in `object.name` and `object.name(...)`: where `object`
    /// names a module this file does not import, `name` is checked against it first.
    fn member_object(
        &mut self,
        object: &Expr,
        name: &Ident,
    ) -> impl Fn(&mut Interpreter, &Scope) -> Eval<Value> {
        let foreign = foreign_name(object);
        let o = self.expr(object);
        let name = name.clone();
        move |i, s| {
            if let Some(f) = &foreign {
                i.foreign_module_check(f, &name, s)?;
            }
            o(i, s)
        }
    }

    fn args(&mut self, args: &[Arg]) -> Rc<[ArgCode]> {
        args.iter()
            .map(|a| match a {
                Arg::Positional(e) => ArgCode::Positional(self.expr(e), e.span),
                Arg::Keyword { name, value } => ArgCode::Keyword(
                    name.name.clone(),
                    self.expr(value),
                    name.span.to(value.span),
                ),
            })
            .collect()
    }

    fn expr_inner(&mut self, e: &Expr) -> ExprCode {
        let span = e.span;
        match &e.kind {
            ExprKind::Number(n) => {
                let n = *n;
                Box::new(move |_, _| Ok(Value::Num(n)))
            }
            ExprKind::Bool(b) => {
                let b = *b;
                Box::new(move |_, _| Ok(Value::Bool(b)))
            }
            ExprKind::None => Box::new(|_, _| Ok(Value::None)),
            ExprKind::Str(text) => {
                let text: Rc<str> = (**text).clone();
                Box::new(move |_, _| Ok(Value::Str(text.clone())))
            }
            ExprKind::Name(n) => {
                let v = Var {
                    name: (**n).clone(),
                    place: self.place(span, n),
                };
                let (name, place) = (v.name.clone(), v.place);
                let code: ExprCode = match v.place {
                    Place::Local(slot) => Box::new(move |i, s| {
                        if let Some(env) = s {
                            if let Some(value) = env.slot(slot) {
                                return Ok(value);
                            }
                        }
                        i.read_by_name(&v.name, span, s)
                    }),
                    Place::Global(slot) => Box::new(move |i, s| match i.globals.read(slot) {
                        Some(value) => Ok(value),
                        None => i.read_by_name(&v.name, span, s),
                    }),
                    Place::Dynamic => Box::new(move |i, s| i.read_by_name(&v.name, span, s)),
                    Place::Captured { .. } => Box::new(move |i, s| i.read_var(&v, span, s)),
                };
                let code = match (place, self.resolved.comprehension_binding(n)) {
                    (Place::Global(_) | Place::Dynamic, Some(bound)) => {
                        comprehension::told_unknown(code, bound)
                    }
                    _ => code,
                };
                self.traced(code, span, name, place)
            }
            ExprKind::Tuple(items) => {
                let items: Vec<ExprCode> = items.iter().map(|x| self.expr(x)).collect();
                Box::new(move |i, s| {
                    let mut vals = Vec::with_capacity(items.len());
                    for c in &items {
                        vals.push(c(i, s)?);
                    }
                    Ok(Value::Tuple(vals.into()))
                })
            }
            ExprKind::Dict(items) => {
                let items: Vec<(ExprCode, Span)> =
                    items.iter().map(|x| (self.expr(x), x.span)).collect();
                Box::new(move |i, s| {
                    let d = crate::eval::collections::Dict::new();
                    for kv in items.chunks(2) {
                        let [(kc, kspan), (vc, _)] = kv else { break };
                        let k = kc(i, s)?;
                        let key = crate::eval::collections::key_of(&k, *kspan)?;
                        let v = vc(i, s)?;
                        d.0.borrow_mut().insert(key, k, v);
                    }
                    Ok(Value::Dict(d))
                })
            }
            ExprKind::TensorLit(items) => {
                let items: Vec<(ExprCode, Span)> =
                    items.iter().map(|x| (self.expr(x), x.span)).collect();
                Box::new(move |i, s| {
                    let mut vals = Vec::with_capacity(items.len());
                    for (c, cspan) in &items {
                        vals.push((c(i, s)?, *cspan));
                    }
                    i.tensor_literal(vals, span)
                })
            }
            ExprKind::Numbers(list) => {
                // As `TensorLit` of its items: the items of axis `k` stand `k` levels
                // below the literal, and where they would be too deep the first of
                // them fails.
                let too_deep_at = MAX_EVAL_DEPTH.saturating_sub(self.depth);
                if let Some(&first) = list.firsts.get(too_deep_at) {
                    return Box::new(move |_, _| Err(too_deep(first)));
                }
                // The values are shared with the tree, not copied.
                let list = list.clone();
                Box::new(move |_, _| number_tensor(&list, span))
            }
            ExprKind::Unary { op, operand } => {
                let (op, ospan) = (*op, operand.span);
                let c = self.expr(operand);
                Box::new(move |i, s| {
                    let v = c(i, s)?;
                    match (op, v) {
                        (UnOp::Neg, Value::Num(n)) => Ok(Value::Num(-n)),
                        (op, v) => i.unary(op, v, span, ospan),
                    }
                })
            }
            ExprKind::Binary { op, operands } if op.stops_at().is_some() => {
                let [lhs, rhs] = &**operands;
                let stop_at = op.stops_at() == Some(true);
                let (lspan, rspan) = (lhs.span, rhs.span);
                let l = self.expr(lhs);
                let r = self.expr(rhs);
                Box::new(move |i, s| {
                    let a = l(i, s)?;
                    if truthy(&a, lspan)? == stop_at {
                        return Ok(Value::Bool(stop_at));
                    }
                    let b = r(i, s)?;
                    Ok(Value::Bool(truthy(&b, rspan)?))
                })
            }
            ExprKind::Binary { op, operands } if long_chain(&operands[0]) => {
                let [lhs, rhs] = &**operands;
                self.chain(*op, lhs, rhs, span)
            }
            ExprKind::Binary { op, operands } => {
                let [lhs, rhs] = &**operands;
                let generic = self.binary(*op, lhs, rhs, span);
                self.fast_binary(*op, lhs, rhs, generic)
            }
            ExprKind::Call(call) if call.args.iter().all(|a| matches!(a, Arg::Positional(_))) => {
                let (callee, args) = (&call.callee, &call.args);
                let cspan = callee.span;
                let f = self.expr(callee);
                let callee_args = args;
                let args: Rc<[(ExprCode, Span)]> = args
                    .iter()
                    .filter_map(|a| match a {
                        Arg::Positional(x) => Some((self.expr(x), x.span)),
                        Arg::Keyword { .. } => None,
                    })
                    .collect();
                let global = match &callee.kind {
                    ExprKind::Name(_) if self.resolved.tracing() => None,
                    ExprKind::Name(n) => match self.place(cspan, n) {
                        Place::Global(slot) => Some(slot),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(slot) = global {
                    // `f(x)` of a function defined at top level: the function is
                    // looked at in its slot, without a `Value` made and dropped;
                    // with number arguments, in the numeric tier when it is in it.
                    let checked = Cell::new(0);
                    let nums: Option<Box<[numeric::NumCode]>> = callee_args
                        .iter()
                        .map(|a| match a {
                            Arg::Positional(x) => self.num_arg(x),
                            Arg::Keyword { .. } => None,
                        })
                        .collect();
                    return Box::new(move |i, s| {
                        if let Some(c) = i.globals.func(slot) {
                            if c.code.frame.params_in_order && args.len() == c.decl.params.len() {
                                return match &nums {
                                    Some(nums) => tier::call(i, &c, nums, s, span, |i| {
                                        i.call_positional(&c, &args, s, span)
                                    }),
                                    None => i.call_positional(&c, &args, s, span),
                                };
                            }
                        }
                        call_value(&f, &args, cspan, i, s, span, &checked)
                    });
                }
                let checked = Cell::new(0);
                Box::new(move |i, s| call_value(&f, &args, cspan, i, s, span, &checked))
            }
            ExprKind::Call(call) => {
                let (callee, args) = (&call.callee, &call.args);
                let cspan = callee.span;
                let f = self.expr(callee);
                let args = self.args(args);
                Box::new(move |i, s| {
                    let f = f(i, s)?;
                    let (pos, kw) = eval_args(&args, i, s)?;
                    i.call(&f, pos, kw, span, cspan)
                })
            }
            ExprKind::Method(m) => {
                let (receiver, name, args) = (&m.receiver, &m.name, &m.args);
                let r = self.member_object(receiver, name);
                let args = self.args(args);
                let (name, rspan) = (name.clone(), receiver.span);
                Box::new(move |i, s| {
                    let recv = r(i, s)?;
                    i.method(recv, rspan, &name, &args, s, span)
                })
            }
            ExprKind::Attr(a) => {
                let (object, name) = (&a.object, &a.name);
                let o = self.member_object(object, name);
                let (name, ospan) = (name.clone(), object.span);
                Box::new(move |i, s| {
                    let v = o(i, s)?;
                    if let Value::Module(m) = &v {
                        return i.module_attribute(m, &name, ospan);
                    }
                    i.attribute(&v, &name.name, name.span, ospan, span)
                })
            }
            ExprKind::Index(x) => {
                let (object, indices) = (&x.object, &x.indices);
                let o = self.expr(object);
                let side = Rc::new(self.side_codes(indices, None));
                let (indices, ospan) = (skeleton(indices), object.span);
                Box::new(move |i, s| {
                    let v = o(i, s)?;
                    i.side_codes.push(side.clone());
                    let r = i.index(v, &indices, span, ospan, s);
                    i.side_codes.pop();
                    r
                })
            }
            ExprKind::Lambda(decl) => {
                let make = self.closure(decl);
                Box::new(move |i, s| Ok(Value::Func(make(i, s)?)))
            }
            ExprKind::FString(parts) => {
                let parts: Vec<FCode> = parts
                    .iter()
                    .map(|p| match p {
                        FPart::Text(t) => FCode::Text(t.clone()),
                        FPart::Value { expr, spec } => {
                            FCode::Value(self.expr(expr), expr.span, spec.clone())
                        }
                    })
                    .collect();
                Box::new(move |i, s| {
                    let mut out = String::new();
                    for part in &parts {
                        match part {
                            FCode::Text(t) => out.push_str(t),
                            FCode::Value(c, espan, spec) => {
                                let v = c(i, s)?;
                                i.format_part(&mut out, &v, spec, *espan)?;
                            }
                        }
                    }
                    Ok(Value::Str(out.into()))
                })
            }
            ExprKind::Comprehension(comp) => self.comprehension(comp, span),
            ExprKind::IfElse(c) => self.if_else(&c.cond, &c.then, &c.otherwise),
        }
    }

    /// A left-leaning chain of operators (`1 + 1 + … + 1`), as deep as it is long:
    /// its left spine walked and its code folded without recursion.
    fn chain(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, span: Span) -> ExprCode {
        let mut spine = vec![(op, lhs.span, rhs, span)];
        let mut leftmost: &Expr = lhs;
        while let ExprKind::Binary { op, operands } = &leftmost.kind {
            let [lhs, rhs] = &**operands;
            if matches!(op, BinOp::And | BinOp::Or) {
                break;
            }
            spine.push((*op, lhs.span, rhs, leftmost.span));
            leftmost = lhs;
        }
        let first = self.expr(leftmost);
        let rest: Vec<(BinOp, Span, Span, Span, ExprCode)> = spine
            .into_iter()
            .rev()
            .map(|(op, lspan, rhs, span)| (op, lspan, rhs.span, span, self.expr(rhs)))
            .collect();
        Box::new(move |i, s| {
            let mut acc = first(i, s)?;
            for (op, lspan, rspan, span, r) in &rest {
                let b = r(i, s)?;
                acc = match (&acc, &b) {
                    (Value::Num(x), Value::Num(y)) => match num_binary(*op, *x, *y) {
                        Some(v) => v,
                        None => i.binary(*op, acc, b, *span, *lspan, *rspan)?,
                    },
                    _ => i.binary(*op, acc, b, *span, *lspan, *rspan)?,
                };
            }
            Ok(acc)
        })
    }

    /// `lhs op rhs` for an arithmetic or comparison operator.
    fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, span: Span) -> ExprCode {
        let (lspan, rspan) = (lhs.span, rhs.span);
        let l = self.expr(lhs);
        let r = self.expr(rhs);
        Box::new(move |i, s| {
            let a = l(i, s)?;
            let b = r(i, s)?;
            if let (Value::Num(x), Value::Num(y)) = (&a, &b) {
                if let Some(v) = num_binary(op, *x, *y) {
                    // Numbers own nothing: there is nothing to drop.
                    std::mem::forget((a, b));
                    return Ok(v);
                }
            }
            i.binary(op, a, b, span, lspan, rspan)
        })
    }

    /// `x += a * b` or `x -= a * b` (an optimizer step, `w -= lr * w.grad`): a
    /// number times a tensor is applied to a leaf in place without making the
    /// product (`Interpreter::scaled_update_in_place`); anything else forms the
    /// product as `a * b` would and goes on as any compound assignment.
    fn scaled_update(&mut self, target: &Ident, op: BinOp, value: &Expr, span: Span) -> StmtCode {
        let ExprKind::Binary { operands, .. } = &value.kind else {
            return Box::new(|_, _| Ok(()));
        };
        let [lhs, rhs] = &**operands;
        // The nesting counted as `self.expr(value)` would count it.
        self.depth += 1;
        let (lspan, rspan, vspan) = (lhs.span, rhs.span, value.span);
        let l = self.expr(lhs);
        let r = self.expr(rhs);
        self.depth -= 1;
        let target = self.binding(target);
        Box::new(move |i, s| {
            let current = match i.read_place(target.place, s) {
                Some(v) => v,
                None => i.read_by_name(&target.name, target.span, s)?,
            };
            let a = l(i, s)?;
            let b = r(i, s)?;
            if let (Value::Tensor(leaf), Value::Num(n), Value::Tensor(t)) = (&current, &a, &b) {
                if i.scaled_update_in_place(leaf, op, *n, t) {
                    return Ok(());
                }
            }
            let product = match (&a, &b) {
                (Value::Num(x), Value::Num(y)) => num_binary(BinOp::Mul, *x, *y),
                _ => None,
            };
            let product = match product {
                Some(v) => v,
                None => i.binary(BinOp::Mul, a, b, vspan, lspan, rspan)?,
            };
            i.compound_assign(&target, op, current, product, span, vspan, s)
        })
    }
}

/// The value of a literal of numbers: a new constant tensor of them, as
/// `tensor_literal` makes of a bracket literal whose items are numbers (or stacks
/// of the rows it makes of them).
fn number_tensor(list: &NumberList, span: Span) -> Eval<Value> {
    let shape = ndarray::IxDyn(&list.shape);
    let arr = ndarray::ArrayD::from_shape_vec(shape, list.values.to_vec())
        .map_err(|e| Flow::from(Diagnostic::error(e.to_string()).with_label(span, "here")))?;
    Ok(Value::Tensor(crate::autodiff::Tensor::constant(arr)))
}

/// The error of an expression nested past [`MAX_EVAL_DEPTH`] levels.
fn too_deep(span: Span) -> Flow {
    Flow::from(
        Diagnostic::error("expression nested too deeply")
            .with_label(span, format!("more than {MAX_EVAL_DEPTH} levels"))
            .with_hint("split the expression with intermediate variables"),
    )
}

/// `c` and `e` of a statement `if c { return e }` (no `else`), which function
/// bodies run as a step of its own.
fn return_if(stmt: &Stmt) -> Option<(&Expr, &Expr)> {
    let StmtKind::If {
        branches,
        else_block: None,
    } = &stmt.kind
    else {
        return None;
    };
    let [(cond, block)] = &branches[..] else {
        return None;
    };
    let [Stmt {
        kind: StmtKind::Return(Some(e)),
        ..
    }] = &block.stmts[..]
    else {
        return None;
    };
    Some((cond, e))
}

/// The error of the call at `span` that goes past `max` nested calls.
fn too_many_calls(max: usize, span: Span) -> Diagnostic {
    Diagnostic::error(format!("recursion too deep: more than {max} nested calls"))
        .with_label(span, "this call goes one level too deep")
        .with_hint("check that the recursion reaches its base case")
}

/// The name a traceback gives a call of `c`.
fn call_name(c: &Closure) -> &str {
    c.decl.name.as_ref().map_or("fn", |n| &*n.name)
}

/// Whether `lhs`, the left operand of an arithmetic operator, starts a left-leaning
/// chain long enough to be folded without recursion (see [`Compiler::chain`]).
fn long_chain(mut lhs: &Expr) -> bool {
    const SHORT: usize = 16;
    for _ in 0..SHORT {
        match &lhs.kind {
            ExprKind::Binary { op, operands } if !matches!(op, BinOp::And | BinOp::Or) => {
                lhs = &operands[0]
            }
            _ => return false,
        }
    }
    true
}

/// One compiled call argument.
enum ArgCode {
    Positional(ExprCode, Span),
    /// `name=value`, with the span of both.
    Keyword(Rc<str>, ExprCode, Span),
}

/// Positional and keyword arguments, as a call takes them.
type ArgValues = (Vec<(Value, Span)>, Vec<(Rc<str>, Value, Span)>);

/// The arguments' values, in the order they are written.
fn eval_args(args: &[ArgCode], i: &mut Interpreter, s: &Scope) -> Eval<ArgValues> {
    let mut pos = Vec::with_capacity(args.len());
    let mut kw = Vec::new();
    for a in args {
        match a {
            ArgCode::Positional(c, span) => pos.push((c(i, s)?, *span)),
            ArgCode::Keyword(name, c, span) => kw.push((name.clone(), c(i, s)?, *span)),
        }
    }
    Ok((pos, kw))
}

/// One compiled part of an f-string.
enum FCode {
    Text(Rc<str>),
    Value(ExprCode, Span, Option<(Rc<str>, Span)>),
}

/// The object of `torch.ones(…)`, `F.relu(x)` (a name bp users often bring from
/// PyTorch), for the hint given when the script did not define it.
fn foreign_name(object: &Expr) -> Option<Expr> {
    let ExprKind::Name(name) = &object.kind else {
        return None;
    };
    is_foreign_module(name).then(|| stub(object))
}

/// What an index helper is handed of an expression whose code is in the side
/// table: a leaf as it is, anything else a `None` of the same span (the helpers
/// look at an expression's kind only to tell a number literal).
fn stub(e: &Expr) -> Expr {
    let kind = match &e.kind {
        ExprKind::Number(n) => ExprKind::Number(*n),
        ExprKind::Bool(b) => ExprKind::Bool(*b),
        ExprKind::Str(s) => ExprKind::Str(s.clone()),
        ExprKind::Name(n) => ExprKind::Name(n.clone()),
        _ => ExprKind::None,
    };
    Expr { kind, span: e.span }
}

/// Index entries with their expressions made [`stub`]s.
fn skeleton(indices: &[Index]) -> Rc<[Index]> {
    indices
        .iter()
        .map(|ix| match ix {
            Index::Single(e) => Index::Single(stub(e)),
            Index::Slice {
                start,
                end,
                step,
                span,
            } => Index::Slice {
                start: start.as_ref().map(stub),
                end: end.as_ref().map(stub),
                step: step.as_ref().map(stub),
                span: *span,
            },
        })
        .collect()
}

/// `f(args)` by position: the callee evaluated, then called (a user function's arguments straight into its frame).
/// `checked`: the builtin whose check of this call site's arguments passed last
/// (see [`Interpreter::call_builtin`]).
fn call_value(
    f: &ExprCode,
    args: &[(ExprCode, Span)],
    callee_span: Span,
    i: &mut Interpreter,
    s: &Scope,
    span: Span,
    checked: &Cell<usize>,
) -> Eval<Value> {
    let f = f(i, s)?;
    if let Value::Func(c) = &f {
        if c.code.frame.params_in_order && args.len() == c.decl.params.len() {
            return i.call_positional(c, args, s, span);
        }
    }
    // A pooled list (a builtin call gives it back emptied): no allocation per call.
    let mut pos = i.arg_lists.pop().unwrap_or_default();
    pos.reserve(args.len());
    for (a, aspan) in args {
        pos.push((a(i, s)?, *aspan));
    }
    if let Value::Builtin(b) = f {
        return i.call_builtin(b, pos, Vec::new(), span, Some(checked));
    }
    i.call(&f, pos, Vec::new(), span, callee_span)
}

fn run_block(block: &[StmtCode], interp: &mut Interpreter, scope: &Scope) -> Eval<()> {
    for s in block {
        s(interp, scope)?;
    }
    Ok(())
}

impl Interpreter {
    /// Calls the user function `c` with `args` by position (their number is its
    /// number of parameters, which are its first slots): the arguments go straight
    /// into a pooled frame.
    fn call_positional(
        &mut self,
        c: &Rc<Closure>,
        args: &[(ExprCode, Span)],
        scope: &Scope,
        span: Span,
    ) -> Eval<Value> {
        let names = &c.code.frame.names;
        let mut env = match self.frames.pop() {
            Some(env) => env,
            None => Rc::new(Env::blank()),
        };
        let Some(frame) = Rc::get_mut(&mut env) else {
            // Pooled frames are held by nothing else; a shared one is not reused.
            return Err(Flow::from(Diagnostic::error(
                "internal error: a pooled frame is shared",
            )));
        };
        let slots = frame.reuse(names, c.env.clone());
        for (a, _) in args {
            slots.push(Some(a(self, scope)?));
        }
        if slots.len() < names.len() {
            slots.resize(names.len(), None);
        }
        check_interrupt(span)?;
        self.run_frame(c, env, span)
    }

    /// Runs the body of `c` in `env` (its arguments bound), then keeps the frame
    /// for another call unless a closure made inside holds it.
    pub(super) fn run_frame(&mut self, c: &Closure, env: Rc<Env>, span: Span) -> Eval<Value> {
        let r = match &c.backward {
            None => self.run_frame_body(c, env, span),
            Some(b) => self.call_with_backward(c, b, env, span),
        };
        r.map_err(|e| match e {
            // The traceback (SPEC §21): each call the error leaves adds its site.
            Flow::Error(mut d) => {
                d.called_from(span, call_name(c));
                Flow::Error(d)
            }
            other => other,
        })
    }

    /// Runs the body of `c` in `env` (its arguments bound): the call itself.
    pub(super) fn run_frame_body(&mut self, c: &Closure, env: Rc<Env>, span: Span) -> Eval<Value> {
        if self.depth >= self.options.max_call_depth {
            return Err(Flow::from(too_many_calls(
                self.options.max_call_depth,
                span,
            )));
        }
        self.depth += 1;
        let scope = Some(env);
        // The stack is looked at every few calls, and grown (on the cold path) only
        // when it runs short.
        let r = if self.depth.is_multiple_of(STACK_CHECK_CALLS)
            && stacker::remaining_stack().is_some_and(|left| left < STACK_RED_ZONE)
        {
            self.run_body_on_new_stack(c, &scope)
        } else {
            self.run_body(c, &scope)
        };
        self.depth -= 1;
        if let Some(mut env) = scope {
            if let Some(frame) = Rc::get_mut(&mut env) {
                frame.clear();
                if self.frames.len() < FRAME_POOL {
                    self.frames.push(env);
                }
            }
        }
        match r {
            Ok(v) | Err(Flow::Return(v, _)) => Ok(v),
            Err(Flow::Break(span)) | Err(Flow::Continue(span)) => Err(Flow::from(
                Diagnostic::error("break or continue outside a loop")
                    .with_label(span, "not inside a loop"),
            )),
            Err(e) => Err(e),
        }
    }

    #[cold]
    #[inline(never)]
    fn run_body_on_new_stack(&mut self, c: &Closure, scope: &Scope) -> Eval<Value> {
        stacker::grow(STACK_GROWTH, || self.run_body(c, scope))
    }

    #[inline(always)]
    fn run_body(&mut self, c: &Closure, scope: &Scope) -> Eval<Value> {
        c.code.run(self, scope)
    }

    /// `recv.name(args)` once `recv` is evaluated: an optimizer's method, a
    /// module's function, else the function `name` with `recv` first.
    fn method(
        &mut self,
        recv: Value,
        recv_span: Span,
        name: &Ident,
        args: &[ArgCode],
        s: &Scope,
        span: Span,
    ) -> Eval<Value> {
        if let Value::Optimizer(opt) = &recv {
            let (pos, kw) = eval_args(args, self, s)?;
            return crate::eval::builtins::optimizer_method(
                opt, &name.name, name.span, recv_span, span, pos, kw,
            );
        }
        if let Value::Module(m) = &recv {
            // `nn.linear(x)`: a function of the module, not a method.
            let f = self.module_attribute(m, name, recv_span)?;
            let (pos, kw) = eval_args(args, self, s)?;
            return self.call(&f, pos, kw, span, name.span);
        }
        if let Value::Object(o) = &recv {
            let (pos, kw) = eval_args(args, self, s)?;
            return self.object_method(o, recv_span, name, pos, kw, span);
        }
        if matches!(recv, Value::Str(_) | Value::Dict(_)) {
            let (pos, kw) = eval_args(args, self, s)?;
            if let Some(r) =
                self.collection_method(&recv, recv_span, &name.name, name.span, pos, kw, span)
            {
                return r;
            }
        }
        let f = match self.lookup(&name.name, s) {
            Some(f) => f,
            None => return Err(self.unknown_method(&recv, name, recv_span)),
        };
        let (mut pos, kw) = eval_args(args, self, s)?;
        pos.insert(0, (recv, recv_span));
        self.call(&f, pos, kw, span, name.span)
    }

    /// Appends the value `v` of an f-string's `{expr}` or `{expr:spec}` to `out`.
    fn format_part(
        &mut self,
        out: &mut String,
        v: &Value,
        spec: &Option<(Rc<str>, Span)>,
        expr_span: Span,
    ) -> Eval<()> {
        match spec {
            None => out.push_str(&self.display_text(v, expr_span)?),
            Some((spec, spec_span)) => out.push_str(&crate::eval::lang::format_with_spec(
                v, spec, *spec_span, expr_span,
            )?),
        }
        Ok(())
    }
}
