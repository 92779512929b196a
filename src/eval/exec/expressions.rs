//! Expressions: literals, names, operators in chains, and the depth guard.

use super::operators::num_binary;
use super::{
    check_interrupt, Scope, MAX_EVAL_DEPTH, STACK_CHECK_EVERY, STACK_GROWTH, STACK_RED_ZONE,
};
use crate::autodiff::elementwise as ew;
use crate::autodiff::{shape_ops, span_scope, Tensor};
use crate::diagnostic::Diagnostic;
use crate::display::fmt_shape;
use crate::eval::args::to_tensor;
use crate::eval::errors::{tensor_error, type_error};
use crate::eval::value::{truthy, Closure, Env};
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::source::Span;
use crate::syntax::ast::{Arg, BinOp, Expr, ExprKind, UnOp};
use ndarray::{ArrayD, IxDyn};
use std::rc::Rc;

impl Interpreter {
    pub(crate) fn eval(&mut self, e: &Expr, scope: &Scope) -> Eval<Value> {
        // Leaves do not recurse: no depth or stack bookkeeping for them.
        match &e.kind {
            ExprKind::Number(n) => return Ok(Value::Num(*n)),
            ExprKind::Var(v) => return self.read_var(v, e.span, scope),
            ExprKind::Name(n) => {
                return self
                    .lookup(n, scope)
                    .ok_or_else(|| self.unknown_name(n, e.span, scope))
            }
            // An operator on two leaves (`i + 1`, `n < 2`) does not nest either.
            ExprKind::Binary { op, lhs, rhs }
                if is_leaf(lhs) && is_leaf(rhs) && !matches!(op, BinOp::And | BinOp::Or) =>
            {
                let l = self.eval(lhs, scope)?;
                let r = self.eval(rhs, scope)?;
                return self.operands(*op, l, r, e);
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

    /// `l op r` for the operator expression `e`: two numbers inline, anything else
    /// through [`Interpreter::binary`].
    #[inline]
    pub(super) fn operands(&mut self, op: BinOp, l: Value, r: Value, e: &Expr) -> Eval<Value> {
        if let (Value::Num(a), Value::Num(b)) = (&l, &r) {
            if let Some(v) = num_binary(op, *a, *b) {
                // Numbers own nothing: there is nothing to drop.
                std::mem::forget((l, r));
                return Ok(v);
            }
        }
        self.operands_slow(op, l, r, e)
    }

    #[inline(never)]
    fn operands_slow(&mut self, op: BinOp, l: Value, r: Value, e: &Expr) -> Eval<Value> {
        let (lspan, rspan) = match &e.kind {
            ExprKind::Binary { lhs, rhs, .. } => (lhs.span, rhs.span),
            _ => (e.span, e.span),
        };
        self.binary(op, l, r, e.span, lspan, rspan)
    }

    pub(super) fn eval_inner(&mut self, e: &Expr, scope: &Scope) -> Eval<Value> {
        Ok(match &e.kind {
            ExprKind::Number(n) => Value::Num(*n),
            ExprKind::Str(s) => Value::Str(s.clone()),
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::None => Value::None,
            ExprKind::Var(v) => self.read_var(v, e.span, scope)?,
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
                self.unary(*op, v, e.span, operand.span)?
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
            ExprKind::Binary { op, lhs, rhs } if !long_chain(lhs) => {
                // A short chain (the common case): plain recursion, no spine to build.
                let l = self.eval(lhs, scope)?;
                let r = self.eval(rhs, scope)?;
                self.operands(*op, l, r, e)?
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
                if let Value::Func(c) = &f {
                    let frame = &c.decl.frame;
                    if frame.params_in_order
                        && args.len() == c.decl.params.len()
                        && args.iter().all(|a| matches!(a, Arg::Positional(_)))
                    {
                        // A user function called with its parameters by position (the
                        // common call): the arguments go straight into the frame.
                        let mut slots = Vec::with_capacity(frame.names.len());
                        for a in args {
                            if let Arg::Positional(x) = a {
                                slots.push(Some(self.eval(x, scope)?));
                            }
                        }
                        slots.resize(frame.names.len(), None);
                        check_interrupt(e.span)?;
                        let env = Env::frame(frame.names.clone(), slots, c.env.clone());
                        return self.enter(c, env, e.span);
                    }
                }
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
                if let Value::Optimizer(opt) = &recv {
                    let (pos, kw) = self.eval_args(args, scope)?;
                    return crate::eval::builtins::optimizer_method(
                        opt,
                        &name.name,
                        name.span,
                        receiver.span,
                        e.span,
                        pos,
                        kw,
                    );
                }
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
            ExprKind::Lambda(decl) => Value::Func(Rc::new(Closure::new(decl, scope))),
            ExprKind::FString(parts) => self.fstring(parts, scope)?,
        })
    }

    /// `not v` and `-v`.
    pub(super) fn unary(&mut self, op: UnOp, v: Value, span: Span, operand: Span) -> Eval<Value> {
        Ok(match op {
            UnOp::Not => Value::Bool(!truthy(&v, operand)?),
            UnOp::Neg => match v {
                Value::Num(n) => Value::Num(-n),
                Value::Tensor(t) => {
                    let _span = span_scope(span);
                    Value::Tensor(ew::neg(&t))
                }
                other => {
                    return Err(Flow::from(type_error(
                        "negation",
                        "a number or a tensor",
                        other.type_name(),
                        operand,
                    )))
                }
            },
        })
    }

    /// `[a, b, c]`: numbers and tensors of equal shape, stacked on a new first axis.
    pub(super) fn tensor_literal(
        &mut self,
        items: &[Expr],
        span: Span,
        scope: &Scope,
    ) -> Eval<Value> {
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
        let _span = span_scope(span);
        let r =
            shape_ops::stack(&tensors, 0).map_err(|e| Flow::from(tensor_error(e, span, &[])))?;
        Ok(Value::Tensor(if r.requires_grad() {
            r
        } else {
            Tensor::constant_rc(r.data())
        }))
    }
}

/// Whether `lhs`, the left operand of an arithmetic operator, starts a left-leaning
/// chain long enough to be folded without recursion (see `eval_inner`).
fn long_chain(mut lhs: &Expr) -> bool {
    const SHORT: usize = 16;
    for _ in 0..SHORT {
        match &lhs.kind {
            ExprKind::Binary { op, lhs: l, .. } if !matches!(op, BinOp::And | BinOp::Or) => lhs = l,
            _ => return false,
        }
    }
    true
}

/// A number or a name: evaluated without recursion.
#[inline]
fn is_leaf(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Var(_)
    )
}
