//! What compiled statements do once their parts are evaluated: unpacking, loops,
//! compound and in-place assignment, `no_grad`, the REPL's echo.

use super::{check_interrupt, Binding, Scope};
use crate::autodiff::elementwise as ew;
use crate::autodiff::op::IndexItem;
use crate::autodiff::{grad_enabled, set_grad_enabled, shape_ops, span_scope, Tensor};
use crate::diagnostic::Diagnostic;
use crate::display::fmt_shape;
use crate::eval::errors::{tensor_error, wrong_type};
use crate::eval::value::{truthy, value_shape};
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::source::Span;
use crate::syntax::ast::BinOp;
use std::rc::Rc;

impl Interpreter {
    /// `a, b = v`: the items of a tuple or a list bound in order.
    pub(super) fn unpack(
        &mut self,
        targets: &[Binding],
        v: Value,
        value_span: Span,
        scope: &Scope,
    ) -> Eval<()> {
        let items: Vec<Value> = match &v {
            Value::Tuple(t) => t.to_vec(),
            Value::List(l) => l.items(),
            other => {
                return Err(wrong_type(
                    "unpacking",
                    "a tuple or a list",
                    other,
                    value_span,
                ))
            }
        };
        if items.len() != targets.len() {
            return Err(Flow::from(
                Diagnostic::error(format!(
                    "cannot unpack a tuple of {} into {} names",
                    crate::display::count(items.len(), "value"),
                    targets.len()
                ))
                .with_label(
                    value_span,
                    format!("this has {}", crate::display::count(items.len(), "value")),
                ),
            ));
        }
        for (t, item) in targets.iter().zip(items) {
            self.bind_ident(t, item, scope);
        }
        Ok(())
    }

    /// `while cond { body }`: `cond` and `body` are the loop's parts however they
    /// are compiled.
    pub(super) fn while_loop(
        &mut self,
        span: Span,
        mut cond: impl FnMut(&mut Self, &Scope) -> Eval<bool>,
        mut body: impl FnMut(&mut Self, &Scope) -> Eval<()>,
        scope: &Scope,
    ) -> Eval<()> {
        loop {
            check_interrupt(span)?;
            if !cond(self, scope)? {
                return Ok(());
            }
            match body(self, scope) {
                Ok(()) | Err(Flow::Continue(_)) => {}
                Err(Flow::Break(_)) => return Ok(()),
                Err(other) => return Err(other),
            }
        }
    }

    /// Binds a `for`'s targets (of a statement or a comprehension) to one item:
    /// a single name takes it whole; several unpack it (SPEC §23).
    fn bind_targets(
        &mut self,
        targets: &[Binding],
        item: Value,
        iter_span: Span,
        scope: &Scope,
    ) -> Eval<()> {
        if let [one] = targets {
            self.bind_ident(one, item, scope);
            return Ok(());
        }
        let names = || {
            let (first, last) = (&targets[0], &targets[targets.len() - 1]);
            first.span.to(last.span)
        };
        let items: Vec<Value> = match &item {
            Value::Tuple(t) => t.to_vec(),
            Value::List(l) => l.items(),
            other => {
                let found = other.type_name();
                return Err(Flow::from(
                    Diagnostic::error(format!(
                        "unpacking expects a tuple or a list; found {found}"
                    ))
                    .with_label(iter_span, format!("an item of this is a {found}"))
                    .with_label(names(), format!("{} names", targets.len())),
                ));
            }
        };
        if items.len() != targets.len() {
            return Err(Flow::from(
                Diagnostic::error(format!(
                    "cannot unpack a {} of {} into {} names",
                    item.type_name(),
                    crate::display::count(items.len(), "value"),
                    targets.len()
                ))
                .with_label(
                    iter_span,
                    format!(
                        "an item of this has {}",
                        crate::display::count(items.len(), "value")
                    ),
                )
                .with_label(names(), format!("{} names", targets.len())),
            ));
        }
        for (t, v) in targets.iter().zip(items) {
            self.bind_ident(t, v, scope);
        }
        Ok(())
    }

    /// `for targets in it { body }` once `it` is evaluated: `body` is the loop's
    /// body compiled (a comprehension's clause runs here too).
    pub(crate) fn for_loop(
        &mut self,
        it: Value,
        var: &[Binding],
        span: Span,
        iter_span: Span,
        scope: &Scope,
        mut body: impl FnMut(&mut Self, &Scope) -> Eval<()>,
    ) -> Eval<()> {
        // A string's characters; a dict's keys as they are when the loop starts.
        let it = match it {
            Value::Str(s) => Value::Tuple(crate::eval::collections::chars(&s).into()),
            Value::Dict(d) => Value::Tuple(d.keys().into()),
            other => other,
        };
        if let Value::List(list) = &it {
            // The list as it is at each step: appending inside the loop
            // extends it, as in Python.
            let mut i = 0;
            loop {
                check_interrupt(span)?;
                let Some(item) = list.0.borrow().get(i).cloned() else {
                    break;
                };
                i += 1;
                self.bind_targets(var, item, iter_span, scope)?;
                match body(self, scope) {
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
                            .with_label(iter_span, "this tensor has no first axis"),
                    ));
                }
                t.shape()[0]
            }
            other => {
                return Err(wrong_type(
                    "a for loop",
                    "a range, a tuple, a list, a string, a dict or a tensor",
                    other,
                    iter_span,
                ))
            }
        };
        for i in 0..len {
            check_interrupt(span)?;
            let item = match &it {
                Value::Range(a, _, s) => Value::Num(a + (i as f64) * s),
                Value::Tuple(t) => t[i].clone(),
                Value::Tensor(t) => {
                    let _span = span_scope(iter_span);
                    let r = shape_ops::index(t, Rc::from(vec![IndexItem::Single(i)]))
                        .map_err(|e| Flow::from(tensor_error(e, iter_span, &[])))?;
                    Value::Tensor(r)
                }
                _ => Value::None,
            };
            self.bind_targets(var, item, iter_span, scope)?;
            match body(self, scope) {
                Ok(()) | Err(Flow::Continue(_)) => {}
                Err(Flow::Break(_)) => break,
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }

    /// `target op= rhs` once both sides are evaluated: a leaf that requires grad
    /// is updated in place (inside `no_grad`), anything else rebound.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn compound_assign(
        &mut self,
        target: &Binding,
        op: BinOp,
        current: Value,
        rhs: Value,
        span: Span,
        value_span: Span,
        scope: &Scope,
    ) -> Eval<()> {
        if let Value::Tensor(t) = &current {
            if t.is_leaf() && t.requires_grad() {
                return self.update_leaf_in_place(t, op, &rhs, span, target.span, value_span);
            }
        }
        let result = self.binary(op, current, rhs, span, target.span, value_span)?;
        self.bind_ident(target, result, scope);
        Ok(())
    }

    /// Shows the value of a top-level expression statement in the REPL.
    pub(super) fn echo(&mut self, v: &Value, scope: &Scope) -> Eval<()> {
        if self.options.echo && scope.is_none() && self.depth == 0 && !matches!(v, Value::None) {
            let text = format!("{}\n", self.repr_text(v, Span::EMPTY)?);
            self.write_out(&text)?;
            // `_` is the last result shown, as in Python's REPL (SPEC §19).
            self.globals.insert(Rc::from("_"), v.clone());
        }
        Ok(())
    }

    /// `no_grad { body }`, however the body is run.
    pub(super) fn no_grad(
        &mut self,
        scope: &Scope,
        body: impl FnOnce(&mut Self, &Scope) -> Eval<()>,
    ) -> Eval<()> {
        let previous = set_grad_enabled(false);
        let r = body(self, scope);
        set_grad_enabled(previous);
        r
    }

    /// `leaf += n * t` or `leaf -= n * t` done in place, element for element as
    /// `n * t` then the update would give them, when that is what the statement
    /// does: a leaf that requires grad, inside `no_grad`, and `t` of the leaf's
    /// shape (both in standard layout). `false` (nothing changed) otherwise.
    pub(super) fn scaled_update_in_place(
        &self,
        leaf: &Tensor,
        op: BinOp,
        n: f64,
        t: &Tensor,
    ) -> bool {
        if !(leaf.is_leaf() && leaf.requires_grad()) || grad_enabled() {
            return false;
        }
        let sub = match op {
            BinOp::Sub => true,
            BinOp::Add => false,
            _ => return false,
        };
        let g = t.data();
        let Some(ys) = ew::std_slice(&g) else {
            return false;
        };
        if !ew::same_shape(leaf.data_ref().shape(), g.shape()) {
            return false;
        }
        leaf.update_data(|a| {
            let Some(xs) = ew::std_slice_mut(a) else {
                return false;
            };
            // `n * t` is `t`'s elements times `n` (as `ew::mul_scalar`).
            for (x, &y) in xs.iter_mut().zip(ys) {
                let p = y * n;
                *x = if sub { *x - p } else { *x + p };
            }
            true
        })
    }

    /// `w -= lr * w.grad` on a leaf that requires grad: allowed only inside
    /// `no_grad`, where it replaces the data in place (the leaf keeps its identity,
    /// its flag and its `.grad`).
    pub(crate) fn update_leaf_in_place(
        &mut self,
        leaf: &Tensor,
        op: BinOp,
        rhs: &Value,
        stmt_span: Span,
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
            let message = format!(
                "an in-place update cannot change the shape of a tensor from {} to {}",
                fmt_shape(&leaf.shape()),
                fmt_shape(&r.shape())
            );
            return Err(Flow::from(crate::eval::errors::two_shapes(
                message,
                (value_span, &value_shape(rhs)),
                (target_span, &leaf.shape()),
            )));
        }
        leaf.replace_data(r.data().as_ref().clone());
        Ok(())
    }
}

/// A condition's truth: a bool at once, anything else by [`truthy`].
#[inline]
pub(super) fn is_true(v: &Value, span: Span) -> Eval<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => truthy(other, span),
    }
}
