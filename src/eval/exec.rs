//! Statements and expressions: the tree-walking core of the evaluator.

use super::args::{as_integer, to_tensor, Args};
use super::errors::{closest, tensor_error, type_error};
use super::value::{Closure, Env};
use super::{builtins, Eval, Flow, Interpreter, Value, INTERRUPTED};
use crate::autodiff::elementwise as ew;
use crate::autodiff::error::fmt_shape;
use crate::autodiff::op::IndexItem;
use crate::autodiff::{
    grad_enabled, linalg, set_current_span, set_grad_enabled, shape_ops, Tensor,
};
use crate::diagnostic::Diagnostic;
use crate::fast_hash::FastMap;
use crate::source::Span;
use crate::syntax::ast::{Arg, BinOp, Block, Expr, ExprKind, Index, Program, Stmt, StmtKind, UnOp};
use ndarray::{ArrayD, IxDyn};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::Ordering;

/// The scope a statement runs in: `None` at top level (globals), else the
/// locals of the running function call.
type Scope = Option<Rc<Env>>;

const STACK_RED_ZONE: usize = 256 * 1024;
const STACK_GROWTH: usize = 8 * 1024 * 1024;
/// How many levels of expressions may be entered between two looks at the stack:
/// a few kilobytes each, far less than the red zone.
const STACK_CHECK_EVERY: usize = 8;
/// The deepest nesting of expressions being evaluated at once (a chain such as
/// `- - - x` or `x.T.T…`; left-leaning operator chains do not nest).
const MAX_EVAL_DEPTH: usize = 100_000;

fn check_interrupt(span: Span) -> Eval<()> {
    if INTERRUPTED.swap(false, Ordering::SeqCst) {
        return Err(Flow::from(
            Diagnostic::error("interrupted").with_label(span, "stopped here"),
        ));
    }
    Ok(())
}

/// Truthiness of a condition: bools, numbers (non-zero), one-element tensors.
pub(crate) fn truthy(v: &Value, span: Span) -> Eval<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Num(n) => Ok(*n != 0.0),
        Value::None => Ok(false),
        Value::Tensor(t) => match t.item() {
            Some(x) => Ok(x != 0.0),
            None => Err(Flow::from(
                Diagnostic::error(format!(
                    "ambiguous truth value of a tensor of shape {}",
                    fmt_shape(&t.shape())
                ))
                .with_label(span, "this tensor has more than one element")
                .with_hint("reduce it first, e.g. with sum(...), max(...) or item(...)"),
            )),
        },
        Value::Str(s) => Ok(!s.is_empty()),
        Value::Tuple(t) => Ok(!t.is_empty()),
        Value::Range(a, b, s) => Ok(Value::range_len(*a, *b, *s) > 0),
        Value::List(l) => Ok(!l.is_empty()),
        Value::Func(_) | Value::Builtin(_) | Value::Module(_) => Ok(true),
    }
}

/// `==` for values that are not both tensors or numbers.
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    values_equal_in(a, b, &mut Vec::new())
}

/// `==`, with the pairs of lists being compared in `open` (a list that contains
/// itself compares equal where the comparison comes back to the same pair).
fn values_equal_in(a: &Value, b: &Value, open: &mut Vec<(usize, usize)>) -> bool {
    match (a, b) {
        (Value::List(x), Value::List(y)) => {
            let key = (Rc::as_ptr(&x.0) as usize, Rc::as_ptr(&y.0) as usize);
            if x.ptr_eq(y) || open.contains(&key) {
                return true;
            }
            let (xs, ys) = (x.items(), y.items());
            if xs.len() != ys.len() {
                return false;
            }
            open.push(key);
            let eq = xs.iter().zip(ys.iter()).all(|(p, q)| {
                stacker::maybe_grow(64 * 1024, 1024 * 1024, || values_equal_in(p, q, open))
            });
            open.pop();
            eq
        }
        (Value::Module(x), Value::Module(y)) => Rc::ptr_eq(x, y),
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Num(x), Value::Num(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len()
                && x.iter().zip(y.iter()).all(|(p, q)| {
                    stacker::maybe_grow(64 * 1024, 1024 * 1024, || values_equal_in(p, q, open))
                })
        }
        (Value::Tensor(x), Value::Tensor(y)) => {
            x.shape() == y.shape() && *x.data_ref() == *y.data_ref()
        }
        (Value::Tensor(x), Value::Num(n)) | (Value::Num(n), Value::Tensor(x)) => {
            x.ndim() == 0 && x.item() == Some(*n)
        }
        (Value::Func(x), Value::Func(y)) => Rc::ptr_eq(x, y),
        (Value::Builtin(x), Value::Builtin(y)) => std::ptr::eq(*x, *y),
        (Value::Range(a1, b1, s1), Value::Range(a2, b2, s2)) => a1 == a2 && b1 == b2 && s1 == s2,
        _ => false,
    }
}

impl Interpreter {
    pub(crate) fn exec_program(&mut self, program: &Program) -> Eval<()> {
        for stmt in program {
            self.exec(stmt, &None)?;
        }
        Ok(())
    }

    pub(super) fn exec_block(&mut self, block: &Block, scope: &Scope) -> Eval<()> {
        for stmt in &block.stmts {
            self.exec(stmt, scope)?;
        }
        Ok(())
    }

    pub(super) fn lookup(&self, name: &str, scope: &Scope) -> Option<Value> {
        let mut env = scope.as_ref();
        while let Some(e) = env {
            if let Some(v) = e.vars.borrow().get(name) {
                return Some(v.clone());
            }
            if e.module_root {
                // A module's functions see its own globals, never the importer's.
                return builtins::lookup(name).map(Value::Builtin);
            }
            env = e.parent.as_ref();
        }
        if let Some(v) = self.globals.get(name) {
            return Some(v.clone());
        }
        builtins::lookup(name).map(Value::Builtin)
    }

    pub(super) fn bind(&mut self, name: &Rc<str>, value: Value, scope: &Scope) {
        match scope {
            Some(env) => {
                env.vars.borrow_mut().insert(name.clone(), value);
            }
            None => {
                self.globals.insert(name.clone(), value);
            }
        }
    }

    fn unknown_name(&self, name: &str, span: Span, scope: &Scope) -> Flow {
        let mut names: Vec<String> = self.globals.keys().map(|k| k.to_string()).collect();
        let mut env = scope.as_ref();
        while let Some(e) = env {
            names.extend(e.vars.borrow().keys().map(|k| k.to_string()));
            env = e.parent.as_ref();
        }
        names.extend(builtins::names().map(str::to_string));
        let mut d =
            Diagnostic::error(format!("unknown name '{name}'")).with_label(span, "not defined");
        if let Some(h) = super::pytorch::name_hint(name) {
            d = d.with_hint(h);
        } else if let Some(c) = closest(name, names.iter().map(String::as_str)) {
            d = d.with_hint(format!("did you mean '{c}'?"));
        }
        Flow::from(d)
    }

    pub(super) fn exec(&mut self, stmt: &Stmt, scope: &Scope) -> Eval<()> {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || {
            self.exec_inner(stmt, scope)
        })
    }

    fn exec_inner(&mut self, stmt: &Stmt, scope: &Scope) -> Eval<()> {
        match &stmt.kind {
            StmtKind::Expr(e) => {
                let v = self.eval(e, scope)?;
                if self.options.echo
                    && scope.is_none()
                    && self.depth == 0
                    && !matches!(v, Value::None)
                {
                    let text = format!("{}\n", v.to_repr());
                    self.write_out(&text)?;
                }
            }
            StmtKind::Assign { target, value } => {
                let v = self.eval(value, scope)?;
                self.bind(&target.name, v, scope);
            }
            StmtKind::Unpack { targets, value } => {
                let v = self.eval(value, scope)?;
                let items: Vec<Value> = match &v {
                    Value::Tuple(t) => t.to_vec(),
                    Value::List(l) => l.items(),
                    other => {
                        return Err(Flow::from(type_error(
                            "unpacking",
                            "a tuple or a list",
                            other.type_name(),
                            value.span,
                        )))
                    }
                };
                if items.len() != targets.len() {
                    return Err(Flow::from(
                        Diagnostic::error(format!(
                            "cannot unpack a tuple of {} values into {} names",
                            items.len(),
                            targets.len()
                        ))
                        .with_label(value.span, format!("this has {} values", items.len())),
                    ));
                }
                for (t, item) in targets.iter().zip(items) {
                    self.bind(&t.name, item, scope);
                }
            }
            StmtKind::CompoundAssign {
                target,
                op,
                op_span,
                value,
            } => {
                let current = self
                    .lookup(&target.name, scope)
                    .ok_or_else(|| self.unknown_name(&target.name, target.span, scope))?;
                let rhs = self.eval(value, scope)?;
                if let Value::Tensor(t) = &current {
                    if t.is_leaf() && t.requires_grad() {
                        return self.update_leaf_in_place(
                            t,
                            *op,
                            &rhs,
                            stmt.span,
                            *op_span,
                            target.span,
                            value.span,
                        );
                    }
                }
                let result = self.binary(*op, current, rhs, stmt.span, target.span, value.span)?;
                self.bind(&target.name, result, scope);
            }
            StmtKind::FnDef(decl) => {
                let closure = Value::Func(Rc::new(Closure {
                    decl: decl.clone(),
                    env: scope.clone(),
                }));
                if let Some(name) = &decl.name {
                    self.bind(&name.name, closure, scope);
                }
            }
            StmtKind::If {
                branches,
                else_block,
            } => {
                for (cond, block) in branches {
                    let c = self.eval(cond, scope)?;
                    if truthy(&c, cond.span)? {
                        return self.exec_block(block, scope);
                    }
                }
                if let Some(block) = else_block {
                    self.exec_block(block, scope)?;
                }
            }
            StmtKind::While { cond, body } => loop {
                check_interrupt(stmt.span)?;
                let c = self.eval(cond, scope)?;
                if !truthy(&c, cond.span)? {
                    break;
                }
                match self.exec_block(body, scope) {
                    Ok(()) | Err(Flow::Continue(_)) => {}
                    Err(Flow::Break(_)) => break,
                    Err(other) => return Err(other),
                }
            },
            StmtKind::For { var, iter, body } => {
                let it = self.eval(iter, scope)?;
                if let Value::List(list) = &it {
                    // The list as it is at each step: appending inside the loop
                    // extends it, as in Python.
                    let mut i = 0;
                    loop {
                        check_interrupt(stmt.span)?;
                        let Some(item) = list.0.borrow().get(i).cloned() else {
                            break;
                        };
                        i += 1;
                        self.bind(&var.name, item, scope);
                        match self.exec_block(body, scope) {
                            Ok(()) | Err(Flow::Continue(_)) => {}
                            Err(Flow::Break(_)) => break,
                            Err(other) => return Err(other),
                        }
                    }
                    return Ok(());
                }
                let len = match &it {
                    Value::Range(a, b, s) => Value::range_len(*a, *b, *s),
                    Value::Tuple(t) => t.len(),
                    Value::Tensor(t) => {
                        if t.ndim() == 0 {
                            return Err(Flow::from(
                                Diagnostic::error("cannot iterate over a 0-d tensor")
                                    .with_label(iter.span, "this tensor has no first axis"),
                            ));
                        }
                        t.shape()[0]
                    }
                    other => {
                        return Err(Flow::from(type_error(
                            "a for loop",
                            "a range, a tuple, a list or a tensor",
                            other.type_name(),
                            iter.span,
                        )))
                    }
                };
                for i in 0..len {
                    check_interrupt(stmt.span)?;
                    let item = match &it {
                        Value::Range(a, _, s) => Value::Num(a + (i as f64) * s),
                        Value::Tuple(t) => t[i].clone(),
                        Value::Tensor(t) => {
                            set_current_span(iter.span);
                            let r = shape_ops::index(t, Rc::from(vec![IndexItem::Single(i)]))
                                .map_err(|e| Flow::from(tensor_error(e, iter.span, &[])))?;
                            Value::Tensor(r)
                        }
                        _ => Value::None,
                    };
                    self.bind(&var.name, item, scope);
                    match self.exec_block(body, scope) {
                        Ok(()) | Err(Flow::Continue(_)) => {}
                        Err(Flow::Break(_)) => break,
                        Err(other) => return Err(other),
                    }
                }
            }
            StmtKind::Break => return Err(Flow::Break(stmt.span)),
            StmtKind::Continue => return Err(Flow::Continue(stmt.span)),
            StmtKind::Return(e) => {
                let v = match e {
                    Some(e) => self.eval(e, scope)?,
                    None => Value::None,
                };
                return Err(Flow::Return(v, stmt.span));
            }
            StmtKind::NoGrad(block) => {
                let previous = set_grad_enabled(false);
                let r = self.exec_block(block, scope);
                set_grad_enabled(previous);
                r?;
            }
            StmtKind::IndexAssign {
                object,
                indices,
                op,
                value,
            } => {
                let target = self.eval(object, scope)?;
                self.index_assign(target, object.span, indices, *op, value, stmt.span, scope)?;
            }
            StmtKind::Import {
                path,
                path_span,
                name,
            } => {
                let (module, stem) = self.import(path, *path_span, stmt.span)?;
                let bound = match name {
                    Some(n) => n.name.clone(),
                    None => stem,
                };
                self.bind(&bound, Value::Module(module), scope);
            }
        }
        Ok(())
    }

    /// `w -= lr * w.grad` on a leaf that requires grad: allowed only inside
    /// `no_grad`, where it replaces the data in place (the leaf keeps its identity,
    /// its flag and its `.grad`).
    #[allow(clippy::too_many_arguments)]
    fn update_leaf_in_place(
        &mut self,
        leaf: &Tensor,
        op: BinOp,
        rhs: &Value,
        stmt_span: Span,
        op_span: Span,
        target_span: Span,
        value_span: Span,
    ) -> Eval<()> {
        if grad_enabled() {
            return Err(Flow::from(
                Diagnostic::error("in-place update of a leaf tensor that requires grad")
                    .with_label(
                        stmt_span,
                        format!("'{}' updates the leaf in place", op.symbol()),
                    )
                    .with_label(leaf.span(), "the leaf was created here, with grad")
                    .with_hint("wrap the update in no_grad { ... }, as an optimizer step does"),
            ));
        }
        let _ = op_span;
        // The common optimizer step (`w -= lr * w.grad`): update the data in
        // place, without a temporary tensor. Anything else (a shape that does not
        // broadcast to the leaf's, another operator) takes the general path below.
        let f: Option<fn(f64, f64) -> f64> = match op {
            BinOp::Add => Some(|x, y| x + y),
            BinOp::Sub => Some(|x, y| x - y),
            BinOp::Mul => Some(|x, y| x * y),
            BinOp::Div => Some(|x, y| x / y),
            _ => None,
        };
        if let Some(f) = f {
            match rhs {
                Value::Num(n) => {
                    let n = *n;
                    leaf.update_data(|a| a.mapv_inplace(|x| f(x, n)));
                    return Ok(());
                }
                Value::Tensor(t) => {
                    let b = t.data();
                    if leaf.update_data(|a| ew::zip_in_place(a, &b, f)) {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        let result = self.binary(
            op,
            Value::Tensor(leaf.clone()),
            rhs.clone(),
            stmt_span,
            target_span,
            value_span,
        )?;
        let Value::Tensor(r) = result else {
            return Ok(());
        };
        if r.shape() != leaf.shape() {
            return Err(Flow::from(
                Diagnostic::error(format!(
                    "an in-place update cannot change the shape of a tensor from {} to {}",
                    fmt_shape(&leaf.shape()),
                    fmt_shape(&r.shape())
                ))
                .with_label(
                    value_span,
                    format!("this has shape {}", fmt_shape(&value_shape(rhs))),
                )
                .with_label(
                    target_span,
                    format!("this has shape {}", fmt_shape(&leaf.shape())),
                ),
            ));
        }
        leaf.replace_data(r.data().as_ref().clone());
        Ok(())
    }

    pub(crate) fn eval(&mut self, e: &Expr, scope: &Scope) -> Eval<Value> {
        // Leaves do not recurse: no depth or stack bookkeeping for them.
        match &e.kind {
            ExprKind::Number(n) => return Ok(Value::Num(*n)),
            ExprKind::Name(n) => {
                return self
                    .lookup(n, scope)
                    .ok_or_else(|| self.unknown_name(n, e.span, scope))
            }
            _ => {}
        }
        if self.eval_depth >= MAX_EVAL_DEPTH {
            return Err(Flow::from(
                Diagnostic::error(format!(
                    "expression nesting too deep: more than {MAX_EVAL_DEPTH} levels"
                ))
                .with_label(e.span, "this expression is nested too deeply")
                .with_hint("split the expression with intermediate variables"),
            ));
        }
        self.eval_depth += 1;
        // The red zone holds many evaluation frames, so the stack is looked at
        // every few levels only.
        let r = if self.eval_depth.is_multiple_of(STACK_CHECK_EVERY) {
            stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.eval_inner(e, scope))
        } else {
            self.eval_inner(e, scope)
        };
        self.eval_depth -= 1;
        r
    }

    fn eval_inner(&mut self, e: &Expr, scope: &Scope) -> Eval<Value> {
        Ok(match &e.kind {
            ExprKind::Number(n) => Value::Num(*n),
            ExprKind::Str(s) => Value::Str(s.clone()),
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::None => Value::None,
            ExprKind::Name(n) => self
                .lookup(n, scope)
                .ok_or_else(|| self.unknown_name(n, e.span, scope))?,
            ExprKind::Tuple(items) => {
                let vals = items
                    .iter()
                    .map(|i| self.eval(i, scope))
                    .collect::<Eval<Vec<_>>>()?;
                Value::Tuple(vals.into())
            }
            ExprKind::TensorLit(items) => self.tensor_literal(items, e.span, scope)?,
            ExprKind::Unary { op, operand } => {
                let v = self.eval(operand, scope)?;
                match op {
                    UnOp::Not => Value::Bool(!truthy(&v, operand.span)?),
                    UnOp::Neg => match v {
                        Value::Num(n) => Value::Num(-n),
                        Value::Tensor(t) => {
                            set_current_span(e.span);
                            Value::Tensor(ew::neg(&t))
                        }
                        other => {
                            return Err(Flow::from(type_error(
                                "negation",
                                "a number or a tensor",
                                other.type_name(),
                                operand.span,
                            )))
                        }
                    },
                }
            }
            ExprKind::Binary {
                op: BinOp::And,
                lhs,
                rhs,
            } => {
                let l = self.eval(lhs, scope)?;
                if !truthy(&l, lhs.span)? {
                    Value::Bool(false)
                } else {
                    let r = self.eval(rhs, scope)?;
                    Value::Bool(truthy(&r, rhs.span)?)
                }
            }
            ExprKind::Binary {
                op: BinOp::Or,
                lhs,
                rhs,
            } => {
                let l = self.eval(lhs, scope)?;
                if truthy(&l, lhs.span)? {
                    Value::Bool(true)
                } else {
                    let r = self.eval(rhs, scope)?;
                    Value::Bool(truthy(&r, rhs.span)?)
                }
            }
            ExprKind::Binary { op, lhs, rhs } if !matches!(&lhs.kind, ExprKind::Binary { op, .. } if !matches!(op, BinOp::And | BinOp::Or)) =>
            {
                // One operator (the common case): no chain to unroll.
                let l = self.eval(lhs, scope)?;
                let r = self.eval(rhs, scope)?;
                self.binary(*op, l, r, e.span, lhs.span, rhs.span)?
            }
            ExprKind::Binary { op, lhs, rhs } => {
                // A left-leaning chain (`1 + 1 + … + 1`) is as deep as it is long:
                // walk down its left spine and fold back up without recursing.
                let mut spine = vec![(*op, &**lhs, &**rhs, e.span)];
                let mut leftmost: &Expr = lhs;
                while let ExprKind::Binary { op, lhs, rhs } = &leftmost.kind {
                    if matches!(op, BinOp::And | BinOp::Or) {
                        break;
                    }
                    spine.push((*op, &**lhs, &**rhs, leftmost.span));
                    leftmost = lhs;
                }
                let mut acc = self.eval(leftmost, scope)?;
                for (op, lhs, rhs, span) in spine.into_iter().rev() {
                    let r = self.eval(rhs, scope)?;
                    acc = self.binary(op, acc, r, span, lhs.span, rhs.span)?;
                }
                acc
            }
            ExprKind::Call { callee, args } => {
                let f = self.eval(callee, scope)?;
                let (pos, kw) = self.eval_args(args, scope)?;
                self.call(&f, pos, kw, e.span, callee.span)?
            }
            ExprKind::Method {
                receiver,
                name,
                args,
            } => {
                self.foreign_module_check(receiver, name, scope)?;
                let recv = self.eval(receiver, scope)?;
                if let Value::Module(m) = &recv {
                    // `nn.linear(x)`: a function of the module, not a method.
                    let f = self.module_attribute(m, name, receiver.span)?;
                    let (pos, kw) = self.eval_args(args, scope)?;
                    return self.call(&f, pos, kw, e.span, name.span);
                }
                let f = match self.lookup(&name.name, scope) {
                    Some(f) => f,
                    None => return Err(self.unknown_method(&recv, name, receiver.span)),
                };
                let (mut pos, kw) = self.eval_args(args, scope)?;
                pos.insert(0, (recv, receiver.span));
                self.call(&f, pos, kw, e.span, name.span)?
            }
            ExprKind::Attr { object, name } => {
                self.foreign_module_check(object, name, scope)?;
                let v = self.eval(object, scope)?;
                if let Value::Module(m) = &v {
                    return self.module_attribute(m, name, object.span);
                }
                self.attribute(&v, &name.name, name.span, object.span, e.span)?
            }
            ExprKind::Index { object, indices } => {
                let v = self.eval(object, scope)?;
                self.index(v, indices, e.span, object.span, scope)?
            }
            ExprKind::Lambda(decl) => Value::Func(Rc::new(Closure {
                decl: decl.clone(),
                env: scope.clone(),
            })),
            ExprKind::FString(parts) => self.fstring(parts, scope)?,
        })
    }

    #[allow(clippy::type_complexity)]
    fn eval_args(
        &mut self,
        args: &[Arg],
        scope: &Scope,
    ) -> Eval<(Vec<(Value, Span)>, Vec<(Rc<str>, Value, Span)>)> {
        let mut pos = Vec::with_capacity(args.len());
        let mut kw = Vec::new();
        for a in args {
            match a {
                Arg::Positional(e) => pos.push((self.eval(e, scope)?, e.span)),
                Arg::Keyword { name, value } => {
                    let v = self.eval(value, scope)?;
                    kw.push((name.name.clone(), v, name.span.to(value.span)));
                }
            }
        }
        Ok((pos, kw))
    }

    /// Calls a function value.
    pub(crate) fn call(
        &mut self,
        f: &Value,
        pos: Vec<(Value, Span)>,
        kw: Vec<(Rc<str>, Value, Span)>,
        call_span: Span,
        callee_span: Span,
    ) -> Eval<Value> {
        match f {
            Value::Builtin(b) => {
                let mut kw = kw;
                for (k, _, _) in kw.iter_mut() {
                    // PyTorch's spelling of the `grad` flag.
                    if &**k == "requires_grad" {
                        *k = "grad".into();
                    }
                }
                let mut pos = pos;
                let list_out = super::lang::lists_as_tuples(b.name, &mut pos)?;
                let mut args = Args {
                    name: b.name,
                    call: call_span,
                    pos,
                    kw,
                };
                set_current_span(call_span);
                let r = (b.func)(self, &mut args)?;
                Ok(match r {
                    Value::Tuple(t) if list_out => Value::List(super::value::List::new(t.to_vec())),
                    other => other,
                })
            }
            Value::Func(c) => self.call_closure(c, pos, kw, call_span),
            other => Err(Flow::from(
                Diagnostic::error(format!("a {} is not a function", other.type_name()))
                    .with_label(callee_span, "this cannot be called"),
            )),
        }
    }

    fn call_closure(
        &mut self,
        c: &Rc<Closure>,
        pos: Vec<(Value, Span)>,
        kw: Vec<(Rc<str>, Value, Span)>,
        call_span: Span,
    ) -> Eval<Value> {
        check_interrupt(call_span)?;
        let decl = &c.decl;
        let fname = decl
            .name
            .as_ref()
            .map(|n| n.name.to_string())
            .unwrap_or_else(|| "fn".into());
        if pos.len() > decl.params.len() {
            return Err(Flow::from(
                Diagnostic::error(format!(
                    "{fname}() takes {} argument{}; found {}",
                    decl.params.len(),
                    if decl.params.len() == 1 { "" } else { "s" },
                    pos.len()
                ))
                .with_label(call_span, "in this call")
                .with_label(decl.span, "defined here"),
            ));
        }
        let mut vars: FastMap<Rc<str>, Value> =
            FastMap::with_capacity_and_hasher(decl.params.len(), Default::default());
        for (p, (v, _)) in decl.params.iter().zip(pos) {
            vars.insert(p.name.clone(), v);
        }
        for (k, v, span) in kw {
            if !decl.params.iter().any(|p| p.name == k) {
                return Err(Flow::from(
                    Diagnostic::error(format!("{fname}() has no parameter named '{k}'"))
                        .with_label(span, "unknown keyword")
                        .with_label(decl.span, "defined here"),
                ));
            }
            vars.insert(k, v);
        }
        if let Some(missing) = decl.params.iter().find(|p| !vars.contains_key(&p.name)) {
            return Err(Flow::from(
                Diagnostic::error(format!(
                    "{fname}() is missing its argument '{}'",
                    missing.name
                ))
                .with_label(call_span, "in this call")
                .with_label(missing.span, "this parameter has no value"),
            ));
        }
        if self.depth >= self.options.max_call_depth {
            return Err(Flow::from(
                Diagnostic::error(format!(
                    "recursion too deep: more than {} nested calls",
                    self.options.max_call_depth
                ))
                .with_label(call_span, "this call goes one level too deep")
                .with_hint("check that the recursion reaches its base case"),
            ));
        }
        let env = Rc::new(Env {
            vars: RefCell::new(vars),
            parent: c.env.clone(),
            module_root: false,
        });
        self.depth += 1;
        let r = self.exec_block(&decl.body, &Some(env));
        self.depth -= 1;
        match r {
            Ok(()) => Ok(Value::None),
            Err(Flow::Return(v, _)) => Ok(v),
            Err(Flow::Break(span)) | Err(Flow::Continue(span)) => Err(Flow::from(
                Diagnostic::error("break or continue outside a loop")
                    .with_label(span, "not inside a loop"),
            )),
            Err(e) => Err(e),
        }
    }

    /// Arithmetic and comparisons: numbers stay numbers; a number meeting a
    /// tensor acts as a 0-d tensor.
    pub(crate) fn binary(
        &mut self,
        op: BinOp,
        l: Value,
        r: Value,
        span: Span,
        lspan: Span,
        rspan: Span,
    ) -> Eval<Value> {
        if let (Value::Num(a), Value::Num(b)) = (&l, &r) {
            let (a, b) = (*a, *b);
            return Ok(match op {
                BinOp::Add => Value::Num(a + b),
                BinOp::Sub => Value::Num(a - b),
                BinOp::Mul => Value::Num(a * b),
                BinOp::Div => Value::Num(a / b),
                BinOp::Rem => Value::Num(ew::rem_f64(a, b)),
                BinOp::Pow => Value::Num(a.powf(b)),
                BinOp::Eq => Value::Bool(a == b),
                BinOp::Ne => Value::Bool(a != b),
                BinOp::Lt => Value::Bool(a < b),
                BinOp::Le => Value::Bool(a <= b),
                BinOp::Gt => Value::Bool(a > b),
                BinOp::Ge => Value::Bool(a >= b),
                BinOp::MatMul => {
                    return Err(Flow::from(
                        Diagnostic::error(
                            "@ needs tensors of at least 1 dimension; found two numbers",
                        )
                        .with_label(span, "a matrix product of numbers"),
                    ))
                }
                BinOp::And | BinOp::Or => Value::Bool(false),
            });
        }
        let tensor_like = |v: &Value| matches!(v, Value::Tensor(_) | Value::Num(_));
        if !(tensor_like(&l) && tensor_like(&r)) {
            return match (op, &l, &r) {
                (BinOp::Add, Value::Str(a), Value::Str(b)) => {
                    Ok(Value::Str(format!("{a}{b}").into()))
                }
                (BinOp::Add, Value::List(a), Value::List(b)) => {
                    let mut items = a.items();
                    items.extend(b.items());
                    Ok(Value::List(super::value::List::new(items)))
                }
                _ => match op {
                    BinOp::Eq => Ok(Value::Bool(values_equal(&l, &r))),
                    BinOp::Ne => Ok(Value::Bool(!values_equal(&l, &r))),
                    _ => Err(Flow::from(
                        Diagnostic::error(format!(
                            "unsupported operand types for {}: {} and {}",
                            op.symbol(),
                            l.type_name(),
                            r.type_name()
                        ))
                        .with_label(lspan, format!("this is a {}", l.type_name()))
                        .with_label(rspan, format!("this is a {}", r.type_name())),
                    )),
                },
            };
        }
        // A tensor and a plain number: the number stays a number.
        let scalar_op = match (op, &l, &r) {
            (BinOp::Add, Value::Tensor(t), Value::Num(n))
            | (BinOp::Add, Value::Num(n), Value::Tensor(t)) => {
                Some((t, *n, ew::add_scalar as fn(&Tensor, f64) -> Tensor))
            }
            (BinOp::Sub, Value::Tensor(t), Value::Num(n)) => Some((t, *n, ew::sub_scalar as _)),
            (BinOp::Mul, Value::Tensor(t), Value::Num(n))
            | (BinOp::Mul, Value::Num(n), Value::Tensor(t)) => Some((t, *n, ew::mul_scalar as _)),
            (BinOp::Pow, Value::Tensor(t), Value::Num(n)) => Some((t, *n, ew::pow_scalar as _)),
            _ => None,
        };
        if let Some((t, n, f)) = scalar_op {
            set_current_span(span);
            return Ok(Value::Tensor(f(t, n)));
        }
        let (Some(a), Some(b)) = (to_tensor(&l), to_tensor(&r)) else {
            return Ok(Value::None);
        };
        set_current_span(span);
        let result = match op {
            BinOp::Add => ew::add(&a, &b),
            BinOp::Sub => ew::sub(&a, &b),
            BinOp::Mul => ew::mul(&a, &b),
            BinOp::Div => ew::div(&a, &b),
            BinOp::Rem => ew::rem(&a, &b),
            BinOp::Pow => ew::pow(&a, &b),
            BinOp::MatMul => linalg::matmul(&a, &b),
            BinOp::Eq => ew::compare(&a, &b, "==", |x, y| x == y),
            BinOp::Ne => ew::compare(&a, &b, "!=", |x, y| x != y),
            BinOp::Lt => ew::compare(&a, &b, "<", |x, y| x < y),
            BinOp::Le => ew::compare(&a, &b, "<=", |x, y| x <= y),
            BinOp::Gt => ew::compare(&a, &b, ">", |x, y| x > y),
            BinOp::Ge => ew::compare(&a, &b, ">=", |x, y| x >= y),
            BinOp::And | BinOp::Or => return Ok(Value::None),
        };
        result.map(Value::Tensor).map_err(|err| {
            Flow::from(tensor_error(
                err,
                span,
                &[(lspan, a.shape()), (rspan, b.shape())],
            ))
        })
    }

    fn attribute(
        &mut self,
        v: &Value,
        name: &str,
        name_span: Span,
        obj_span: Span,
        span: Span,
    ) -> Eval<Value> {
        if let Value::Tensor(t) = v {
            match name {
                "grad" => return Ok(t.grad().map(Value::Tensor).unwrap_or(Value::None)),
                "shape" => return Ok(shape_value(&t.shape())),
                "requires_grad" => return Ok(Value::Bool(t.requires_grad())),
                "ndim" => return Ok(Value::Num(t.ndim() as f64)),
                "is_leaf" => return Ok(Value::Bool(t.is_leaf())),
                "data" => return Ok(Value::Tensor(t.detach())),
                "T" => {
                    set_current_span(span);
                    let n = t.ndim();
                    let perm: Vec<usize> = (0..n).rev().collect();
                    return shape_ops::permute(t, &perm)
                        .map(|r| Value::Tensor(r.renamed("TBackward")))
                        .map_err(|e| Flow::from(tensor_error(e, span, &[])));
                }
                _ => {}
            }
        }
        if let Value::Tuple(_) = v {
            if name == "len" {
                return Ok(Value::None);
            }
        }
        let known = super::value::TENSOR_ATTRIBUTES;
        let mut d = Diagnostic::error(format!("a {} has no attribute '{name}'", v.type_name()))
            .with_label(name_span, "unknown attribute")
            .with_label(obj_span, format!("this is a {}", v.type_name()));
        if let Some(h) = super::pytorch::attribute_hint(name) {
            d = d.with_hint(h);
        } else if let Value::Tensor(_) = v {
            d = d.with_hint(match closest(name, known.iter().copied()) {
                Some(c) => format!("did you mean '{c}'? tensors have {}", known.join(", ")),
                None => format!("tensors have {}", known.join(", ")),
            });
        }
        Err(Flow::from(d))
    }

    fn index(
        &mut self,
        v: Value,
        indices: &[Index],
        span: Span,
        obj_span: Span,
        scope: &Scope,
    ) -> Eval<Value> {
        match v {
            Value::Tensor(t) => {
                let shape = t.shape();
                if indices.len() > shape.len() {
                    return Err(Flow::from(
                        Diagnostic::error(format!(
                            "too many indices: {} for a tensor of shape {}",
                            indices.len(),
                            fmt_shape(&shape)
                        ))
                        .with_label(span, "indexed here")
                        .with_label(obj_span, format!("this has shape {}", fmt_shape(&shape))),
                    ));
                }
                // A tensor of indices first (`X[idx]`) gathers rows.
                let mut first = None;
                if let Some(Index::Single(e)) = indices.first() {
                    if !matches!(e.kind, ExprKind::Number(_)) {
                        let v = self.eval(e, scope)?;
                        if let Value::Tensor(ix) = &v {
                            if ix.ndim() >= 1 {
                                return self.gather(&t, ix, e.span, &indices[1..], span, scope);
                            }
                        }
                        first = Some(v);
                    }
                }
                let mut items = Vec::with_capacity(indices.len());
                for (axis, (ix, &size)) in indices.iter().zip(&shape).enumerate() {
                    items.push(self.index_item_pre(ix, first.take(), axis, size, scope)?);
                }
                set_current_span(span);
                shape_ops::index(&t, items.into())
                    .map(Value::Tensor)
                    .map_err(|e| Flow::from(tensor_error(e, span, &[])))
            }
            Value::Tuple(items) => {
                let [ix] = indices else {
                    return Err(Flow::from(
                        Diagnostic::error("a tuple takes one index")
                            .with_label(span, "more than one index"),
                    ));
                };
                match self.index_item(ix, 0, items.len(), scope)? {
                    IndexItem::Single(i) => Ok(items[i].clone()),
                    IndexItem::Slice { start, end, step } => {
                        let picked: Vec<Value> = (start..end)
                            .step_by(step)
                            .filter_map(|i| items.get(i).cloned())
                            .collect();
                        Ok(Value::Tuple(picked.into()))
                    }
                }
            }
            Value::List(list) => self.index_list(&list, indices, span, scope),
            Value::Range(a, b, s) => {
                let n = Value::range_len(a, b, s);
                match indices {
                    [ix @ Index::Single(_)] => match self.index_item(ix, 0, n, scope)? {
                        IndexItem::Single(i) => Ok(Value::Num(a + i as f64 * s)),
                        _ => Ok(Value::None),
                    },
                    _ => Err(Flow::from(
                        Diagnostic::error("a range takes one integer index")
                            .with_label(span, "indexed here"),
                    )),
                }
            }
            other => Err(Flow::from(
                Diagnostic::error(format!("a {} cannot be indexed", other.type_name()))
                    .with_label(obj_span, format!("this is a {}", other.type_name())),
            )),
        }
    }

    pub(super) fn index_number(&mut self, e: &Expr, scope: &Scope) -> Eval<i64> {
        let v = self.eval(e, scope)?;
        index_value(&v, e)
    }

    pub(super) fn index_item(
        &mut self,
        ix: &Index,
        axis: usize,
        size: usize,
        scope: &Scope,
    ) -> Eval<IndexItem> {
        self.index_item_pre(ix, None, axis, size, scope)
    }

    /// One index entry, checked against an axis of `size`; `pre` is the value of a
    /// single index already evaluated.
    fn index_item_pre(
        &mut self,
        ix: &Index,
        pre: Option<Value>,
        axis: usize,
        size: usize,
        scope: &Scope,
    ) -> Eval<IndexItem> {
        match ix {
            Index::Single(e) => {
                let i = match pre {
                    Some(v) => index_value(&v, e)?,
                    None => self.index_number(e, scope)?,
                };
                let n = size as i64;
                let k = if i < 0 { i + n } else { i };
                if k < 0 || k >= n {
                    return Err(Flow::from(
                        Diagnostic::error(format!(
                            "index {i} is out of range for axis {axis} of size {size}"
                        ))
                        .with_label(e.span, format!("axis {axis} has size {size}")),
                    ));
                }
                Ok(IndexItem::Single(k as usize))
            }
            slice => self.slice_item(slice, size, scope),
        }
    }
}

/// A single index's value as a whole number.
fn index_value(v: &Value, e: &Expr) -> Eval<i64> {
    {
        let n = match v {
            Value::Num(n) => *n,
            Value::Tensor(t) if t.ndim() == 0 => t.item().unwrap_or(f64::NAN),
            other => {
                return Err(Flow::from(type_error(
                    "an index",
                    "a whole number",
                    other.type_name(),
                    e.span,
                )))
            }
        };
        as_integer(n).ok_or_else(|| {
            Flow::from(
                Diagnostic::error(format!("an index must be a whole number; found {n}"))
                    .with_label(e.span, "not a whole number"),
            )
        })
    }
}

impl Interpreter {
    fn slice_item(&mut self, ix: &Index, size: usize, scope: &Scope) -> Eval<IndexItem> {
        match ix {
            Index::Single(e) => Err(Flow::from(
                Diagnostic::error("expected a slice").with_label(e.span, "not a slice"),
            )),
            Index::Slice {
                start,
                end,
                step,
                span,
            } => {
                let n = size as i64;
                let step = match step {
                    Some(e) => {
                        let s = self.index_number(e, scope)?;
                        if s <= 0 {
                            return Err(Flow::from(
                                Diagnostic::error(format!(
                                    "a slice step must be positive; found {s}"
                                ))
                                .with_label(e.span, "step must be > 0"),
                            ));
                        }
                        s as usize
                    }
                    None => 1,
                };
                let clamp = |i: i64| -> usize {
                    let k = if i < 0 { i + n } else { i };
                    k.clamp(0, n) as usize
                };
                let s = match start {
                    Some(e) => clamp(self.index_number(e, scope)?),
                    None => 0,
                };
                let mut en = match end {
                    Some(e) => clamp(self.index_number(e, scope)?),
                    None => size,
                };
                if en < s {
                    en = s;
                }
                let _ = span;
                Ok(IndexItem::Slice {
                    start: s,
                    end: en,
                    step,
                })
            }
        }
    }

    /// `[a, b, c]`: numbers and tensors of equal shape, stacked on a new first axis.
    fn tensor_literal(&mut self, items: &[Expr], span: Span, scope: &Scope) -> Eval<Value> {
        let mut vals = Vec::with_capacity(items.len());
        for it in items {
            let v = self.eval(it, scope)?;
            vals.push((v, it.span));
        }
        if vals.iter().all(|(v, _)| matches!(v, Value::Num(_))) {
            let data: Vec<f64> = vals
                .iter()
                .map(|(v, _)| if let Value::Num(n) = v { *n } else { 0.0 })
                .collect();
            let arr = ArrayD::from_shape_vec(IxDyn(&[data.len()]), data).map_err(|e| {
                Flow::from(Diagnostic::error(e.to_string()).with_label(span, "here"))
            })?;
            return Ok(Value::Tensor(Tensor::constant(arr)));
        }
        let mut tensors = Vec::with_capacity(vals.len());
        let mut first_shape: Option<(Vec<usize>, Span)> = None;
        for (v, s) in &vals {
            let t = to_tensor(v).ok_or_else(|| {
                Flow::from(type_error(
                    "a tensor literal",
                    "numbers and tensors",
                    v.type_name(),
                    *s,
                ))
            })?;
            let shape = t.shape();
            match &first_shape {
                None => first_shape = Some((shape, *s)),
                Some((fs, fspan)) if *fs != shape => {
                    return Err(Flow::from(
                        Diagnostic::error(format!(
                            "elements of a tensor literal must have equal shapes; found {} and {}",
                            fmt_shape(fs),
                            fmt_shape(&shape)
                        ))
                        .with_label(*fspan, format!("this has shape {}", fmt_shape(fs)))
                        .with_label(*s, format!("this has shape {}", fmt_shape(&shape))),
                    ))
                }
                _ => {}
            }
            tensors.push(t);
        }
        set_current_span(span);
        let r =
            shape_ops::stack(&tensors, 0).map_err(|e| Flow::from(tensor_error(e, span, &[])))?;
        Ok(Value::Tensor(if r.requires_grad() {
            r
        } else {
            Tensor::constant_rc(r.data())
        }))
    }
}

/// A shape as a tuple of numbers.
pub(crate) fn shape_value(shape: &[usize]) -> Value {
    Value::Tuple(
        shape
            .iter()
            .map(|&d| Value::Num(d as f64))
            .collect::<Vec<_>>()
            .into(),
    )
}

fn value_shape(v: &Value) -> Vec<usize> {
    match v {
        Value::Tensor(t) => t.shape(),
        _ => vec![],
    }
}
