//! The PyTorch habits of SPEC §19: `x.requires_grad = true/false` on a leaf,
//! `p.grad = none` (or a tensor of `p`'s shape), and `p.data = t` /
//! `p.data -= lr * p.grad`, which change `p`'s values in place without recording.

use super::args::to_tensor;
use super::errors::{two_shapes, wrong_type};
use super::{Eval, Flow, Interpreter, Value};
use crate::autodiff::Tensor;
use crate::diagnostic::Diagnostic;
use crate::display::fmt_shape;
use crate::source::Span;
use crate::syntax::ast::{BinOp, Ident};

/// The attributes of a tensor that an assignment may change.
pub(crate) const ASSIGNABLE: &[&str] = &["requires_grad", "grad", "data"];

/// PyTorch's one refusal for `requires_grad`, in bp's words: only a leaf's flag
/// may change.
pub(crate) fn not_a_leaf(t: &Tensor, span: Span) -> Flow {
    let made_by = t
        .node()
        .map(|n| n.name().to_string())
        .unwrap_or_else(|| "an operation".to_string());
    Flow::from(
        Diagnostic::error("requires_grad can only be changed on a leaf tensor")
            .with_label(span, "this changes requires_grad")
            .with_label(
                t.span(),
                format!("this tensor is the result of a recorded operation ({made_by})"),
            )
            .with_hint(
                "to use its values without the graph, take `x.detach()`; to make a new leaf, `tensor(x, grad)`",
            ),
    )
}

/// Sets the flag of leaf `t` (`x.requires_grad = flag`, `x.requires_grad_(flag)`).
pub(crate) fn set_requires_grad(t: &Tensor, flag: bool, span: Span) -> Eval<()> {
    if !t.is_leaf() {
        return Err(not_a_leaf(t, span));
    }
    if flag && t.is_bool() {
        return Err(Flow::from(
            Diagnostic::error("a bool tensor cannot require grad")
                .with_label(span, "this asks a bool tensor for gradients")
                .with_hint("make a number tensor of it first: `tensor(m, grad)`"),
        ));
    }
    t.set_requires_grad(flag);
    Ok(())
}

impl Interpreter {
    /// `target.name = value`, or `target.name op= value`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn attr_assign(
        &mut self,
        target: Value,
        obj_span: Span,
        name: &Ident,
        op: Option<(BinOp, Span)>,
        value: Value,
        value_span: Span,
        span: Span,
    ) -> Eval<()> {
        if let Value::Object(o) = &target {
            // A field of an object (SPEC §19 Classes): set, or updated by `op=`.
            let value = match op {
                None => value,
                Some((op, _)) => {
                    let current = self.object_attribute(o, &name.name, name.span, obj_span)?;
                    if let Value::Tensor(t) = &current {
                        // As `w -= ...` on a name: a leaf that requires grad is
                        // updated in place, inside `no_grad` only.
                        if t.is_leaf() && t.requires_grad() {
                            return self
                                .update_leaf_in_place(t, op, &value, span, name.span, value_span);
                        }
                    }
                    self.binary(op, current, value, span, obj_span, value_span)?
                }
            };
            o.set(&name.name, value);
            return Ok(());
        }
        let Value::Tensor(t) = &target else {
            return Err(Flow::from(
                Diagnostic::error(format!(
                    "a {} has no attribute '{}' to assign",
                    target.type_name(),
                    name.name
                ))
                .with_label(name.span, "assigned here")
                .with_label(obj_span, format!("this is a {}", target.type_name())),
            ));
        };
        if name.name.as_ref() == "data" {
            if let Some((op, _)) = op {
                if data_update_in_place(t, op, &value) {
                    return Ok(());
                }
            }
        }
        let value = match op {
            None => value,
            Some((op, _)) => {
                let current = self.attribute(&target, &name.name, name.span, obj_span, span)?;
                if matches!(current, Value::None) {
                    return Err(Flow::from(
                        Diagnostic::error(format!(
                            "`{0} {1}= ...` needs a value; {0} is none",
                            name.name,
                            op.symbol()
                        ))
                        .with_label(name.span, format!("{} is none here", name.name))
                        .with_hint("assign it first (`p.grad = zeros_like(p)`), or run backward"),
                    ));
                }
                self.binary(op, current, value, span, obj_span, value_span)?
            }
        };
        match &*name.name {
            "requires_grad" => {
                let flag = match value {
                    Value::Bool(b) => b,
                    other => {
                        return Err(wrong_type(
                            "requires_grad",
                            "true or false",
                            &other,
                            value_span,
                        ))
                    }
                };
                set_requires_grad(t, flag, span)
            }
            "grad" => match value {
                Value::None => {
                    t.set_grad(None);
                    Ok(())
                }
                Value::Tensor(g) => {
                    same_shape(
                        (&g, value_span),
                        (t, obj_span),
                        |new, old| {
                            format!("a gradient of shape {new} cannot be the .grad of a tensor of shape {old}")
                        },
                        "a .grad has its tensor's shape; `p.grad = none` clears it",
                    )?;
                    t.set_grad(Some(g));
                    Ok(())
                }
                other => Err(wrong_type(".grad", "none or a tensor", &other, value_span)),
            },
            "data" => {
                let new = match &value {
                    Value::Tensor(v) => v.clone(),
                    other => return Err(wrong_type(".data", "a tensor", other, value_span)),
                };
                same_shape(
                    (&new, value_span),
                    (t, obj_span),
                    |new, old| {
                        format!("the .data of a tensor of shape {old} cannot become a tensor of shape {new}")
                    },
                    "p.data takes new values of p's own shape",
                )?;
                // The values only: nothing is recorded, and what saved the old
                // values keeps them.
                let data = to_tensor(&value).map(|v| v.data().as_ref().clone());
                if let Some(data) = data {
                    t.replace_data(data);
                }
                Ok(())
            }
            other => {
                let fixed = ["shape", "T", "ndim", "is_leaf"].contains(&other);
                let mut d = Diagnostic::error(if fixed {
                    format!("a tensor's {other} cannot be assigned")
                } else {
                    format!("a tensor has no attribute '{other}' to assign")
                })
                .with_label(name.span, "assigned here");
                d = d.with_hint(match other {
                    "shape" => {
                        "make a tensor of another shape with `reshape(x, shape)`".to_string()
                    }
                    "T" => "transpose with `x = x.T`".to_string(),
                    _ => format!("a tensor's {} may be assigned", ASSIGNABLE.join(", ")),
                });
                Err(Flow::from(d))
            }
        }
    }
}

impl Interpreter {
    /// `p.data[indices] = v` (and `op=`): writes into `p`'s values in place without
    /// recording, as PyTorch's `p.data[0] = 5` does. The write goes through the
    /// index rules of a tensor that does not require grad, then `p` takes the
    /// values; what saved `p`'s old values keeps them.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn data_index_assign(
        &mut self,
        t: &Tensor,
        target_span: Span,
        indices: &[crate::syntax::ast::Index],
        op: Option<(BinOp, Span)>,
        value: &crate::syntax::ast::Expr,
        stmt_span: Span,
        scope: &super::exec::Scope,
    ) -> Eval<()> {
        let values = Tensor::constant_rc(t.data());
        let target = Value::Tensor(values.clone());
        crate::autodiff::with_grad_mode(false, || {
            self.index_assign(target, target_span, indices, op, value, stmt_span, scope)
        })?;
        t.replace_data((*values.data()).clone());
        Ok(())
    }
}

/// `p.data op= v` for `+ - * /` as PyTorch's in-place update of `p.data`: the
/// values of `p` change where they are, with the operator's own scalar function
/// (so the bits are those of `p.data = p.data op v`), when `v` is a number or a
/// tensor that broadcasts to `p`'s shape. What saved `p`'s old values (a kept
/// graph) keeps them: shared data is copied first. `false`: not such an update,
/// left to the general path.
fn data_update_in_place(t: &Tensor, op: BinOp, value: &Value) -> bool {
    use crate::autodiff::{elementwise::zip_in_place, scalar};
    let f: fn(f64, f64) -> f64 = match op {
        BinOp::Add => scalar::add,
        BinOp::Sub => scalar::sub,
        BinOp::Mul => scalar::mul,
        BinOp::Div => scalar::div,
        _ => return false,
    };
    let b = match value {
        // A bool tensor (a mask) takes the general path, with its own rules.
        Value::Tensor(v) if v.is_bool() || t.is_bool() => return false,
        Value::Tensor(v) => v.data(),
        Value::Num(_) => match to_tensor(value) {
            Some(v) => v.data(),
            None => return false,
        },
        _ => return false,
    };
    // `zip_in_place` refuses a `b` that does not broadcast to `p`'s own shape (a
    // larger one would change the shape): the general path reports it.
    t.update_data(|a| zip_in_place(a, &b, f))
}

/// An error unless `new` has the shape of `old`: `message` of the two shapes (new,
/// old), each labelled under its span, with `hint`.
fn same_shape(
    new: (&Tensor, Span),
    old: (&Tensor, Span),
    message: impl Fn(&str, &str) -> String,
    hint: &str,
) -> Eval<()> {
    let (ns, os) = (new.0.shape(), old.0.shape());
    if ns == os {
        return Ok(());
    }
    let message = message(&fmt_shape(&ns), &fmt_shape(&os));
    Err(Flow::from(
        two_shapes(message, (new.1, &ns), (old.1, &os)).with_hint(hint),
    ))
}
