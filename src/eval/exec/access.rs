//! Attributes (`x.grad`, `x.T`) and indexing of tensors, tuples and ranges.

use super::Scope;
use crate::autodiff::op::IndexItem;
use crate::autodiff::{shape_ops, span_scope};
use crate::diagnostic::Diagnostic;
use crate::display::fmt_shape;
use crate::eval::args::as_integer;
use crate::eval::errors::{closest, tensor_error, wrong_type};
use crate::eval::value::shape_value;
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::source::Span;
use crate::syntax::ast::{Expr, Index};

impl Interpreter {
    pub(crate) fn attribute(
        &mut self,
        v: &Value,
        name: &str,
        name_span: Span,
        obj_span: Span,
        span: Span,
    ) -> Eval<Value> {
        if let Value::Object(o) = v {
            return self.object_attribute(o, name, name_span, obj_span);
        }
        if let Value::Tensor(t) = v {
            match name {
                "grad" => {
                    return Ok(match t.grad() {
                        Some(g) => Value::Tensor(g),
                        None => {
                            self.none_grad_read(t, obj_span, span);
                            Value::None
                        }
                    })
                }
                "shape" => return Ok(shape_value(&t.shape())),
                "requires_grad" => return Ok(Value::Bool(t.requires_grad())),
                "ndim" => return Ok(Value::Num(t.ndim() as f64)),
                "is_leaf" => return Ok(Value::Bool(t.is_leaf())),
                "data" => return Ok(Value::Tensor(t.detach())),
                "T" => {
                    let _span = span_scope(span);
                    let n = t.ndim();
                    let perm: Vec<usize> = (0..n).rev().collect();
                    return shape_ops::permute(t, &perm)
                        .map(|r| Value::Tensor(r.renamed("TBackward")))
                        .map_err(|e| Flow::from(tensor_error(e, span, &[])));
                }
                _ => {}
            }
        }
        if let Value::Optimizer(opt) = v {
            if name == "lr" {
                return Ok(Value::Num(opt.borrow().lr));
            }
        }
        let known = crate::eval::value::TENSOR_ATTRIBUTES;
        let mut d = Diagnostic::error(format!("a {} has no attribute '{name}'", v.type_name()))
            .with_label(name_span, "unknown attribute")
            .with_label(obj_span, format!("this is a {}", v.type_name()));
        if let Some(h) = crate::eval::pytorch::attribute_hint(name) {
            d = d.with_hint(h);
        } else if let Value::Tensor(_) = v {
            d = d.with_hint(match closest(name, known.iter().copied()) {
                Some(c) => format!("did you mean '{c}'? tensors have {}", known.join(", ")),
                None => format!("tensors have {}", known.join(", ")),
            });
        }
        Err(Flow::from(d))
    }

    pub(super) fn index(
        &mut self,
        v: Value,
        indices: &[Index],
        span: Span,
        obj_span: Span,
        scope: &Scope,
    ) -> Eval<Value> {
        match v {
            Value::Tensor(t) => self.index_tensor(&t, indices, span, obj_span, scope),
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
            v @ (Value::Str(_) | Value::Dict(_)) => {
                self.index_collection(&v, indices, span, obj_span, scope)
            }
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

    pub(crate) fn index_item(
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
    pub(crate) fn index_item_pre(
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
                let k = crate::eval::indexing::wrap_index(i, size, axis, e.span)?;
                Ok(IndexItem::Single(k))
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
            Value::Tensor(t) if t.ndim() == 0 && !t.is_bool() => t.item().unwrap_or(f64::NAN),
            other => return Err(wrong_type("an index", "a whole number", other, e.span)),
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
    pub(crate) fn slice_item(&mut self, ix: &Index, size: usize, scope: &Scope) -> Eval<IndexItem> {
        match ix {
            Index::Single(e) => Err(Flow::from(
                Diagnostic::error("expected a slice").with_label(e.span, "not a slice"),
            )),
            Index::Slice {
                start,
                end,
                step,
                span: _,
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
                Ok(IndexItem::Slice {
                    start: s,
                    end: en,
                    step,
                })
            }
        }
    }
}

/// More indices than the tensor has axes: labels the indexing and the tensor.
pub(crate) fn too_many_indices(n: usize, shape: &[usize], span: Span, obj_span: Span) -> Flow {
    Flow::from(
        Diagnostic::error(format!(
            "too many indices: {n} for a tensor of shape {}",
            fmt_shape(shape)
        ))
        .with_label(span, "indexed here")
        .with_label(obj_span, format!("this has shape {}", fmt_shape(shape))),
    )
}
