//! Elementwise, reduction, linear-algebra, shape and neural-network builtins.

use crate::autodiff::scalar::Unary;
use crate::autodiff::{
    elementwise as ew, linalg, nn, reduce, scalar, shape_ops, Tensor, TensorError,
};
use crate::display::fmt_shape;
use crate::eval::args::{as_integer, to_tensor, Args};
use crate::eval::errors::{tensor_error, wrong_type};
use crate::eval::value::shape_value;
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::source::Span;

fn fail(args: &Args, e: TensorError, operands: &[(Span, Vec<usize>)]) -> Flow {
    let mut d = tensor_error(e, args.call, operands);
    if !d.message.starts_with(args.name) {
        d.message = format!("{}(): {}", args.name, d.message);
    }
    Flow::from(d)
}

fn operand(args: &Args, i: usize, t: &Tensor) -> (Span, Vec<usize>) {
    (args.pos.get(i).map(|p| p.1).unwrap_or(args.call), t.shape())
}

/// `f` of the two tensor arguments named `names`, its error shown under both with
/// their shapes.
fn two_tensors(
    a: &Args,
    names: [&str; 2],
    f: impl FnOnce(&Tensor, &Tensor) -> Result<Tensor, TensorError>,
) -> Eval<Value> {
    let (x, y) = (a.tensor(0, names[0])?, a.tensor(1, names[1])?);
    f(&x, &y)
        .map(Value::Tensor)
        .map_err(|e| fail(a, e, &[operand(a, 0, &x), operand(a, 1, &y)]))
}

/// The body of every [`Unary`] builtin (`unary!(Exp)` in the table): its kernel on a
/// number, the recorded operation on a tensor.
pub fn unary(a: &Args, u: Unary) -> Eval<Value> {
    match a.required(0, "x")? {
        (Value::Num(n), _) => Ok(Value::Num(u.kernel()(*n))),
        _ => Ok(Value::Tensor(ew::apply(&a.tensor(0, "x")?, u))),
    }
}

pub fn leaky_relu(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let slope = a.number_or(1, "slope")?;
    if let (Value::Num(n), _) = a.required(0, "x")? {
        return Ok(Value::Num(scalar::leaky_relu(*n, slope)));
    }
    Ok(Value::Tensor(ew::leaky_relu(&a.tensor(0, "x")?, slope)))
}

pub fn clamp(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let lo = a.optional_number(1, "min")?;
    let hi = a.optional_number(2, "max")?;
    if lo.is_none() && hi.is_none() {
        return Err(a.err("clamp() needs min=, max= or both", a.call, "no bound given"));
    }
    if let (Value::Num(n), _) = a.required(0, "x")? {
        return Ok(Value::Num(scalar::clamp(*n, lo, hi)));
    }
    Ok(Value::Tensor(ew::clamp(&a.tensor(0, "x")?, lo, hi)))
}

pub fn pow(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    match (a.required(0, "x")?, a.required(1, "p")?) {
        ((Value::Num(x), _), (Value::Num(p), _)) => Ok(Value::Num(scalar::pow_scalar(*x, *p))),
        (_, (Value::Num(p), _)) => Ok(Value::Tensor(ew::pow_scalar(&a.tensor(0, "x")?, *p))),
        _ => two_tensors(a, ["x", "p"], ew::pow),
    }
}

fn binary(
    a: &Args,
    f: fn(&Tensor, &Tensor) -> Result<Tensor, TensorError>,
    num: fn(f64, f64) -> f64,
) -> Eval<Value> {
    let (l, r) = (a.required(0, "a")?, a.required(1, "b")?);
    binary_values(a, l, r, f, num)
}

/// `f(a, b)` of two values: numbers give a number, else broadcast tensors.
fn binary_values(
    a: &Args,
    (l, lspan): (&Value, Span),
    (r, rspan): (&Value, Span),
    f: fn(&Tensor, &Tensor) -> Result<Tensor, TensorError>,
    num: fn(f64, f64) -> f64,
) -> Eval<Value> {
    if let (Value::Num(x), Value::Num(y)) = (l, r) {
        return Ok(Value::Num(num(*x, *y)));
    }
    let operand_tensor = |v: &Value, span: Span| {
        to_tensor(v).ok_or_else(|| {
            wrong_type(
                &format!("{}() argument", a.name),
                "a tensor or a number",
                v,
                span,
            )
        })
    };
    let (x, y) = (operand_tensor(l, lspan)?, operand_tensor(r, rspan)?);
    f(&x, &y)
        .map(Value::Tensor)
        .map_err(|e| fail(a, e, &[(lspan, x.shape()), (rspan, y.shape())]))
}

pub fn maximum(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    binary(a, ew::maximum, scalar::maximum)
}
pub fn minimum(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    binary(a, ew::minimum, scalar::minimum)
}

pub fn where_(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (c, x, y) = (a.tensor(0, "cond")?, a.tensor(1, "a")?, a.tensor(2, "b")?);
    ew::where_(&c, &x, &y).map(Value::Tensor).map_err(|e| {
        fail(
            a,
            e,
            &[operand(a, 0, &c), operand(a, 1, &x), operand(a, 2, &y)],
        )
    })
}

/// `logical_and(a, b)`: a bool tensor, true where both are non-zero (broadcast).
pub fn logical_and(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    logical(a, |x, y| x != 0.0 && y != 0.0)
}

/// `logical_or(a, b)`: a bool tensor, true where either is non-zero (broadcast).
pub fn logical_or(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    logical(a, |x, y| x != 0.0 || y != 0.0)
}

fn logical(a: &Args, f: fn(f64, f64) -> bool) -> Eval<Value> {
    two_tensors(a, ["a", "b"], |x, y| ew::compare(x, y, a.name, f))
}

/// `logical_not(x)`: a bool tensor, true where x is 0.
pub fn logical_not(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    ew::compare(&x, &Tensor::scalar(0.0), a.name, |v, _| v == 0.0)
        .map(Value::Tensor)
        .map_err(|e| fail(a, e, &[operand(a, 0, &x)]))
}

/// `any(x)`: a 0-d bool tensor, true when some element is non-zero.
pub fn any(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    truth_of(it, a, false)
}

/// `all(x)`: a 0-d bool tensor, true when every element is non-zero.
pub fn all(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    truth_of(it, a, true)
}

/// `all(x)` when `every`, else `any(x)`: of a list or tuple as Python's, of a
/// tensor's elements as PyTorch's.
fn truth_of(it: &mut Interpreter, a: &mut Args, every: bool) -> Eval<Value> {
    if let Some(v) = super::collections::of_sequence(it, a)? {
        return Ok(v);
    }
    let x = a.tensor(0, "x")?;
    let data = x.data_ref();
    let found = if every {
        data.iter().all(|&v| v != 0.0)
    } else {
        data.iter().any(|&v| v != 0.0)
    };
    Ok(Value::Tensor(
        Tensor::scalar(f64::from(u8::from(found))).into_bool(),
    ))
}

/// The `axis=` of a reduction: one axis, or a tuple of axes; `None` for all.
fn axes(a: &Args, ndim: usize) -> Eval<Option<Vec<usize>>> {
    match a.get(1, "axis") {
        Some((Value::Tuple(items), span)) => {
            let mut out = Vec::new();
            for v in items.iter() {
                let n = match v {
                    Value::Num(n) => as_integer(*n),
                    _ => None,
                };
                let Some(n) = n else {
                    return Err(a.err(
                        format!("{}(): axis must be whole numbers", a.name),
                        span,
                        "bad axis",
                    ));
                };
                let ax = crate::autodiff::shape::normalize_axis(n, ndim).map_err(|e| {
                    a.err(format!("{}(): {}", a.name, e.message()), span, "bad axis")
                })?;
                out.push(ax);
            }
            Ok(Some(out))
        }
        _ => Ok(a.axis(1, "axis", ndim)?.map(|x| vec![x])),
    }
}

fn reduction(a: &Args, f: fn(&Tensor, Option<Vec<usize>>, bool) -> Tensor) -> Eval<Value> {
    if let (Value::Num(n), _) = a.required(0, "x")? {
        return Ok(Value::Num(*n));
    }
    let x = a.tensor(0, "x")?;
    let ax = axes(a, x.ndim())?;
    let keepdim = a.flag("keepdim")?;
    // A full reduction has one element: only reducing chosen axes can be too large.
    if ax.is_some() {
        crate::autodiff::shape::check_reduced(&x.shape(), ax.as_deref(), keepdim)
            .map_err(|e| fail(a, e, &[]))?;
    }
    Ok(Value::Tensor(f(&x, ax, keepdim)))
}

pub fn sum(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    if let Some(v) = super::collections::of_sequence(it, a)? {
        return Ok(v);
    }
    reduction(a, reduce::sum)
}

pub fn mean(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    if let Some((Value::Tensor(t), span)) = a.pos.first() {
        if t.numel() == 0 {
            return Err(a.err(
                "mean() of an empty tensor has no value",
                *span,
                "this tensor is empty",
            ));
        }
    }
    reduction(a, reduce::mean)
}

fn extreme(a: &Args, want_max: bool) -> Eval<Value> {
    // max(a, b) of two numbers, or of a tensor and a tensor: the elementwise
    // maximum (nan if either is nan, as torch.maximum).
    match (a.pos.first(), a.pos.get(1)) {
        (Some((Value::Num(x), _)), None) => return Ok(Value::Num(*x)),
        (Some((l, ls)), Some((r @ (Value::Num(_) | Value::Tensor(_)), rs)))
            if matches!(r, Value::Tensor(_)) || matches!(l, Value::Num(_)) =>
        {
            return if want_max {
                binary_values(a, (l, *ls), (r, *rs), ew::maximum, scalar::maximum)
            } else {
                binary_values(a, (l, *ls), (r, *rs), ew::minimum, scalar::minimum)
            };
        }
        _ => {}
    }
    let x = a.tensor(0, "x")?;
    let keepdim = a.flag("keepdim")?;
    let r = match a.axis(1, "axis", x.ndim())? {
        None => reduce::extreme_all(&x, want_max).map(|t| {
            if keepdim {
                shape_ops::reshape(&t, &vec![1; x.ndim()]).unwrap_or(t)
            } else {
                t
            }
        }),
        Some(ax) => reduce::extreme_axis(&x, ax, keepdim, want_max),
    };
    r.map(Value::Tensor).map_err(|e| fail(a, e, &[]))
}

pub fn max(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    if let Some(v) = super::collections::of_sequence(it, a)? {
        return Ok(v);
    }
    extreme(a, true)
}
pub fn min(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    if let Some(v) = super::collections::of_sequence(it, a)? {
        return Ok(v);
    }
    extreme(a, false)
}

pub fn prod(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    let ax = a.axis(1, "axis", x.ndim())?;
    let keepdim = a.flag("keepdim")?;
    let axes = ax.map(|i| [i]);
    crate::autodiff::shape::check_reduced(&x.shape(), axes.as_ref().map(|a| &a[..]), keepdim)
        .map_err(|e| fail(a, e, &[]))?;
    Ok(Value::Tensor(reduce::prod(&x, ax, keepdim)))
}

pub fn norm(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    if let (Value::Num(n), _) = a.required(0, "x")? {
        return Ok(Value::Num(n.abs()));
    }
    Ok(Value::Tensor(reduce::norm(&a.tensor(0, "x")?)))
}

fn arg_extreme(a: &Args, want_max: bool) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    let d = x.data();
    match a.axis(1, "axis", x.ndim())? {
        Some(ax) => {
            let mut r = reduce::arg_extreme(&d, ax, want_max).map_err(|e| fail(a, e, &[]))?;
            if a.flag("keepdim")? {
                r = r.insert_axis(ndarray::Axis(ax));
            }
            Ok(Value::Tensor(Tensor::constant(r)))
        }
        None => {
            let flat = d.iter().copied().collect::<Vec<f64>>();
            let arr = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[flat.len()]), flat)
                .map_err(|e| a.err(e.to_string(), a.call, "here"))?;
            let r = reduce::arg_extreme(&arr, 0, want_max).map_err(|e| fail(a, e, &[]))?;
            Ok(Value::Tensor(Tensor::constant(r)))
        }
    }
}

pub fn argmax(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    arg_extreme(a, true)
}
pub fn argmin(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    arg_extreme(a, false)
}

pub fn matmul(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    two_tensors(a, ["a", "b"], linalg::matmul)
}

pub fn outer(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    two_tensors(a, ["a", "b"], linalg::outer)
}

pub fn transpose(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    let n = x.ndim();
    let r = match (a.axis(1, "a", n)?, a.axis(2, "b", n)?) {
        (None, None) => shape_ops::permute(&x, &(0..n).rev().collect::<Vec<_>>()),
        (Some(p), Some(q)) => shape_ops::swap_axes(&x, p, q),
        _ => {
            return Err(a.err(
                "transpose() takes both axes a= and b=, or neither",
                a.call,
                "one axis missing",
            ))
        }
    };
    r.map(|t| Value::Tensor(t.renamed("TransposeBackward")))
        .map_err(|e| fail(a, e, &[]))
}

pub fn reshape(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    // The shape may hold one -1, inferred from the number of elements.
    let raw: Vec<(Value, Span)> = match a.pos.get(1) {
        Some((Value::Tuple(t), s)) if a.pos.len() == 2 => {
            t.iter().map(|v| (v.clone(), *s)).collect()
        }
        _ => a.pos[1..].to_vec(),
    };
    let mut dims: Vec<i64> = Vec::with_capacity(raw.len());
    for (v, s) in &raw {
        match v {
            Value::Num(n) if as_integer(*n).is_some_and(|k| k >= -1) => dims.push(*n as i64),
            _ => {
                return Err(a.err(
                    format!(
                        "reshape(): a size must be a whole number >= 0 (or one -1); found {}",
                        v.to_repr()
                    ),
                    *s,
                    "not a valid size",
                ))
            }
        }
    }
    let inferred = dims.iter().filter(|&&d| d == -1).count();
    if inferred > 1 {
        return Err(a.err(
            "reshape(): only one size can be -1",
            a.call,
            "more than one -1",
        ));
    }
    let known: u128 = dims
        .iter()
        .filter(|&&d| d >= 0)
        .map(|&d| d as u128)
        .product();
    let total = x.numel() as u128;
    let shape: Vec<usize> = dims
        .iter()
        .map(|&d| {
            if d == -1 {
                total.checked_div(known).unwrap_or(0) as usize
            } else {
                d as usize
            }
        })
        .collect();
    shape_ops::reshape(&x, &shape)
        .map(Value::Tensor)
        .map_err(|e| fail(a, e, &[operand(a, 0, &x)]))
}

pub fn flatten(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    let n = x.numel();
    shape_ops::reshape(&x, &[n])
        .map(|t| Value::Tensor(t.renamed("FlattenBackward")))
        .map_err(|e| fail(a, e, &[]))
}

pub fn squeeze(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    let shape = x.shape();
    let new: Vec<usize> = match a.axis(1, "axis", x.ndim())? {
        None => shape.iter().copied().filter(|&d| d != 1).collect(),
        Some(ax) => {
            let mut s = shape.clone();
            if s.get(ax) == Some(&1) {
                s.remove(ax);
            }
            s
        }
    };
    shape_ops::reshape(&x, &new)
        .map(|t| Value::Tensor(t.renamed("SqueezeBackward")))
        .map_err(|e| fail(a, e, &[]))
}

pub fn unsqueeze(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    let ax = a.axis(1, "axis", x.ndim() + 1)?.unwrap_or(0);
    shape_ops::unsqueeze(&x, ax)
        .map(Value::Tensor)
        .map_err(|e| fail(a, e, &[]))
}

fn tensors_and_axis(a: &Args, extra_dim: usize) -> Eval<(Vec<Tensor>, usize)> {
    let (first, span) = a.required(0, "tensors")?;
    let Value::Tuple(items) = first else {
        return Err(wrong_type(
            &format!("{}()", a.name),
            "a tuple of tensors",
            first,
            span,
        ));
    };
    let mut ts = Vec::with_capacity(items.len());
    for v in items.iter() {
        ts.push(
            to_tensor(v).ok_or_else(|| {
                wrong_type(&format!("{}()", a.name), "a tuple of tensors", v, span)
            })?,
        );
    }
    if ts.is_empty() {
        return Err(a.err(
            format!("{}() needs at least one tensor", a.name),
            span,
            "empty tuple",
        ));
    }
    let ndim = ts[0].ndim() + extra_dim;
    let ax = a.axis(1, "axis", ndim)?.unwrap_or(0);
    Ok((ts, ax))
}

pub fn concat(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (ts, ax) = tensors_and_axis(a, 0)?;
    shape_ops::concat(&ts, ax)
        .map(Value::Tensor)
        .map_err(|e| fail(a, e, &[]))
}

pub fn stack(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (ts, ax) = tensors_and_axis(a, 1)?;
    shape_ops::stack(&ts, ax)
        .map(Value::Tensor)
        .map_err(|e| fail(a, e, &[]))
}

pub fn shape(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    Ok(shape_value(&a.tensor(0, "x")?.shape()))
}

pub fn numel(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    Ok(Value::Num(a.tensor(0, "x")?.numel() as f64))
}

pub fn len(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    match a.required(0, "v")? {
        (Value::Tuple(t), _) => Ok(Value::Num(t.len() as f64)),
        (Value::List(l), _) => Ok(Value::Num(l.len() as f64)),
        (Value::Dict(d), _) => Ok(Value::Num(d.len() as f64)),
        (Value::Str(s), _) => Ok(Value::Num(s.chars().count() as f64)),
        (Value::Range(x, y, s), _) => Ok(Value::Num(Value::range_len(*x, *y, *s) as f64)),
        (Value::Tensor(t), span) => match t.shape().first() {
            Some(&n) => Ok(Value::Num(n as f64)),
            None => Err(a.err(
                "len() of a 0-d tensor",
                span,
                "this tensor has no first axis",
            )),
        },
        (v, span) => Err(wrong_type(
            "len()",
            "a tensor, a tuple or a string",
            v,
            span,
        )),
    }
}

/// `f(x, axis)` along `axis`, the last axis when left out (`softmax`, `log_softmax`).
fn along_axis(a: &Args, f: fn(&Tensor, usize) -> Result<Tensor, TensorError>) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    let ax = a.axis(1, "axis", x.ndim())?;
    f(&x, ax.unwrap_or(x.ndim().saturating_sub(1)))
        .map(Value::Tensor)
        .map_err(|e| fail(a, e, &[]))
}

pub fn softmax(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    along_axis(a, nn::softmax)
}

pub fn log_softmax(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    along_axis(a, nn::log_softmax)
}

pub fn mse_loss(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    two_tensors(a, ["pred", "target"], nn::mse_loss)
}

pub fn cross_entropy(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (l, t) = (a.tensor(0, "logits")?, a.tensor(1, "targets")?);
    // Classes on axis 1 of logits [N, C, d...] with targets [N, d...], as PyTorch;
    // one row of logits [C] with a 0-d target.
    let r = match l.ndim() {
        1 => shape_ops::reshape(&l, &[1, l.numel()]).and_then(|row| {
            let t1 = shape_ops::reshape_array(&t.data(), &[t.numel()])?;
            if t.ndim() != 0 {
                return Err(TensorError::Shapes {
                    message: format!(
                        "cross_entropy: logits of shape {} take one 0-d target; found shape {}",
                        fmt_shape(&l.shape()),
                        fmt_shape(&t.shape())
                    ),
                });
            }
            nn::cross_entropy(&row, &t1)
        }),
        n if n >= 3 => super::course::cross_entropy_any_batch(&l, &t),
        _ => nn::cross_entropy(&l, &t.data()),
    };
    r.map(Value::Tensor)
        .map_err(|e| fail(a, e, &[operand(a, 0, &l), operand(a, 1, &t)]))
}

pub fn binary_cross_entropy(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    two_tensors(a, ["p", "target"], |p, t| {
        let (ps, ts) = (p.shape(), t.shape());
        if ps != ts {
            let (ps, ts) = (fmt_shape(&ps), fmt_shape(&ts));
            let message =
                format!("binary_cross_entropy: p has shape {ps} but target has shape {ts}");
            return Err(TensorError::Shapes { message });
        }
        nn::binary_cross_entropy(p, t)
    })
}

pub fn item(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    match a.required(0, "x")? {
        (Value::Num(n), _) => Ok(Value::Num(*n)),
        (Value::Tensor(t), span) => t.item().map(Value::Num).ok_or_else(|| {
            a.err(
                format!(
                    "item() needs a tensor of one element; this one has shape {}",
                    fmt_shape(&t.shape())
                ),
                span,
                format!("shape {}", fmt_shape(&t.shape())),
            )
        }),
        (v, span) => Err(wrong_type("item()", "a tensor of one element", v, span)),
    }
}

pub fn range(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (start, end, step) = a.range()?;
    if step == 0.0 || !step.is_finite() || !start.is_finite() {
        return Err(a.err(
            "range(): step must be a non-zero finite number",
            a.call,
            "invalid range",
        ));
    }
    Ok(Value::Range(start, end, step))
}
