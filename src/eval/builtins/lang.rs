//! Builtins of SPEC §13: lists (`list`, `append`, `pop`), `str`, `round`, `nonzero`.

use crate::autodiff::op::IndexItem;
use crate::autodiff::{shape_ops, span_scope, Tensor};
use crate::eval::args::Args;
use crate::eval::errors::{tensor_error, type_error, wrong_type};
use crate::eval::value::List;
use crate::eval::{Eval, Flow, Interpreter, Value};
use ndarray::{ArrayD, IxDyn};
use std::rc::Rc;

/// `list()`, `list(v)`: a new list from a tuple, a list, a range or a tensor.
pub fn list(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let Some((v, span)) = a.get(0, "v") else {
        return Ok(Value::List(List::new(Vec::new())));
    };
    let items = match v {
        Value::Tuple(t) => t.to_vec(),
        Value::List(l) => l.items(),
        Value::Str(s) => crate::eval::collections::chars(s),
        Value::Dict(d) => d.keys(),
        Value::Range(start, end, step) => {
            let n = Value::range_len(*start, *end, *step);
            if n > crate::eval::collections::max_items() {
                return Err(a.err(
                    format!("list() of a range of {n} numbers is too long"),
                    span,
                    "too long",
                ));
            }
            (0..n)
                .map(|i| Value::Num(start + i as f64 * step))
                .collect()
        }
        Value::Tensor(t) => {
            let Some(&n) = t.shape().first() else {
                return Err(Flow::from(
                    crate::diagnostic::Diagnostic::error("list() of a 0-d tensor")
                        .with_label(span, "this tensor has no first axis")
                        .with_hint("use item(x) for its value"),
                ));
            };
            // A zero-size tensor can have a huge first axis (`zeros(1e9, 0)`): as for a
            // range, a list that long is refused rather than built.
            if n > crate::eval::collections::max_items() {
                return Err(a.err(
                    format!("list() of a tensor with {n} rows is too long"),
                    span,
                    "too long",
                ));
            }
            // The first-axis slices, each recorded as `t[i]` (differentiable).
            let _span = span_scope(a.call);
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let r = shape_ops::index(t, Rc::from(vec![IndexItem::Single(i)]))
                    .map_err(|e| Flow::from(tensor_error(e, span, &[])))?;
                out.push(Value::Tensor(r));
            }
            out
        }
        Value::None => Vec::new(),
        other => {
            return Err(wrong_type(
                "list()",
                "a tuple, a list, a string, a dict, a range or a tensor",
                other,
                span,
            ))
        }
    };
    Ok(Value::List(List::new(items)))
}

fn the_list(a: &Args) -> Eval<List> {
    match a.required(0, "xs")? {
        (Value::List(l), _) => Ok(l.clone()),
        (other, span) => Err(Flow::from(
            type_error(&format!("{}()", a.name), "a list", other.type_name(), span)
                .with_hint("make a list with list() or list(v)"),
        )),
    }
}

/// `xs.append(v)`: adds `v` at the end.
pub fn append(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let list = the_list(a)?;
    let (v, _) = a.required(1, "v")?;
    list.0.borrow_mut().push(v.clone());
    Ok(Value::None)
}

/// `xs.pop()`: removes and returns the last item; `xs.pop(i)` item `i`.
pub fn pop(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let list = the_list(a)?;
    let n = list.len();
    if n == 0 {
        return Err(a.err("pop from an empty list", a.call, "the list is empty"));
    }
    let i = match a.get(1, "i") {
        None | Some((Value::None, _)) => n - 1,
        Some((_, span)) => {
            let i = a.integer(1, "i")?;
            let k = if i < 0 { i + n as i64 } else { i };
            if k < 0 || k >= n as i64 {
                return Err(a.err(
                    format!("pop index {i} is out of range for a list of {n}"),
                    span,
                    "out of range",
                ));
            }
            k as usize
        }
    };
    let item = list.0.borrow_mut().remove(i);
    Ok(item)
}

/// `str(v)`: the text `print` shows.
pub fn str(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (v, span) = a.required(0, "v")?;
    Ok(Value::Str(it.display_text(v, span)?.into()))
}

/// Rounds to `n` decimals, halves to even, as Python's `round` (the decimal
/// string of the correctly rounded value, so `round(2.675, 2)` is 2.67).
pub fn round_to(x: f64, n: i64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    if n >= 0 {
        let n = n.min(330) as usize;
        format!("{x:.n$}").parse().unwrap_or(x)
    } else {
        let p = 10f64.powi((-n).min(330) as i32);
        (x / p).round_ties_even() * p
    }
}

/// `round(x)`, `round(x, n)`: for numbers (and tensors, elementwise).
pub fn round(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let n = match a.get(1, "n") {
        None | Some((Value::None, _)) => None,
        Some(_) => Some(a.integer(1, "n")?),
    };
    let f = |x: f64| match n {
        None => x.round_ties_even(),
        Some(n) => round_to(x, n),
    };
    match a.required(0, "x")? {
        (Value::Num(x), _) => Ok(Value::Num(f(*x))),
        (Value::Tensor(t), _) => Ok(Value::Tensor(Tensor::constant(t.data().mapv(f)))),
        (other, span) => Err(wrong_type("round()", "a number or a tensor", other, span)),
    }
}

/// `nonzero(m)`: the positions where a 1-d tensor is not 0, as a tensor.
pub fn nonzero(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let t = a.tensor(0, "m")?;
    if t.ndim() != 1 {
        let span = a.get(0, "m").map_or(a.call, |(_, s)| s);
        return Err(a.shape_err(
            "nonzero() takes a 1-d tensor; found shape",
            &t.shape(),
            span,
            "not 1-d",
        ));
    }
    let at: Vec<f64> = t
        .data()
        .iter()
        .enumerate()
        .filter(|(_, &v)| v != 0.0)
        .map(|(i, _)| i as f64)
        .collect();
    let n = at.len();
    let arr = ArrayD::from_shape_vec(IxDyn(&[n]), at)
        .map_err(|e| a.err(e.to_string(), a.call, "here"))?;
    Ok(Value::Tensor(Tensor::constant(arr)))
}

#[cfg(test)]
mod tests {
    use super::round_to;

    #[test]
    fn round_matches_python() {
        // Python: round(2.675, 2) == 2.67, round(0.125, 2) == 0.12, round(2.5) == 2
        assert_eq!(round_to(2.675, 2), 2.67);
        assert_eq!(round_to(0.125, 2), 0.12);
        assert_eq!(round_to(1.23456, 3), 1.235);
        assert_eq!(round_to(1234.0, -2), 1200.0);
        assert_eq!(2.5f64.round_ties_even(), 2.0);
        assert_eq!(3.5f64.round_ties_even(), 4.0);
    }
}
