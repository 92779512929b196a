//! The builtins of the course (SPEC §20): `one_hot`, `cumsum`, `sort`, `topk`,
//! `argsort`, `meshgrid`, `dot`, `var`, `std`, `logsumexp`, `clone`, `chunk`,
//! `split`, `allclose`, `binary_cross_entropy_with_logits`, `env`, `multinomial`,
//! `randint`. The differentiable ones are made of recorded operations, so that
//! derivatives of every order follow without new backward rules.

use crate::autodiff::shape::{checked_numel, normalize_axis};
use crate::autodiff::{elementwise as ew, nn, reduce, shape_ops, Array, Tensor, TensorError};
use crate::display::fmt_shape;
use crate::eval::args::{as_integer, to_number, to_tensor, Args};
use crate::eval::errors::{tensor_error, wrong_type};
use crate::eval::{Eval, Flow, Interpreter, Value};
use ndarray::{ArrayD, IxDyn};
use std::cmp::Ordering;

fn fail(a: &Args, e: TensorError) -> Flow {
    let mut d = tensor_error(e, a.call, &[]);
    if !d.message.starts_with(a.name) {
        d.message = format!("{}(): {}", a.name, d.message);
    }
    Flow::from(d)
}

fn tuple(items: Vec<Value>) -> Value {
    Value::Tuple(items.into())
}

fn constant(shape: &[usize], values: Vec<f64>) -> Tensor {
    Tensor::constant(
        ArrayD::from_shape_vec(IxDyn(shape), values).unwrap_or_else(|_| ArrayD::zeros(IxDyn(&[0]))),
    )
}

/// An axis argument; `default` when left out. A 0-d tensor takes axis 0 or -1 (as
/// PyTorch), which then means the tensor itself.
fn axis_or(a: &Args, i: usize, name: &str, ndim: usize, default: i64) -> Eval<usize> {
    let (raw, span) = match a.get(i, name) {
        None | Some((Value::None, _)) => (default, a.call),
        Some((_, span)) => (a.integer(i, name)?, span),
    };
    if ndim == 0 && (raw == 0 || raw == -1) {
        return Ok(0);
    }
    normalize_axis(raw, ndim)
        .map_err(|e| a.err(format!("{}(): {}", a.name, e.message()), span, "bad axis"))
}

/// A whole number >= 0 (a count), also from a one-element tensor (SPEC §23).
fn count(a: &Args, i: usize, name: &str) -> Eval<usize> {
    let (v, span) = a.required(i, name)?;
    let n = match v {
        Value::Tensor(t) => t.item(),
        other => to_number(other),
    };
    match n.and_then(as_integer) {
        Some(k) if k >= 0 => Ok(k as usize),
        _ => Err(a.err(
            format!(
                "{}(): '{name}' must be a whole number >= 0; found {}",
                a.name,
                v.to_repr()
            ),
            span,
            "not a count",
        )),
    }
}

// ---- one_hot, eye's companions, meshgrid, dot ----

pub fn one_hot(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (v, span) = a.required(0, "idx")?;
    let idx = to_tensor(v).ok_or_else(|| {
        wrong_type(
            "one_hot() argument 'idx'",
            "a tensor of class indices",
            v,
            span,
        )
    })?;
    let d = idx.data();
    let mut classes = Vec::with_capacity(d.len());
    for &x in d.iter() {
        match as_integer(x) {
            Some(k) if k >= 0 => classes.push(k as usize),
            _ => {
                return Err(a.err(
                    format!("one_hot(): class values must be whole numbers >= 0; found {x}"),
                    span,
                    "not a class index",
                ))
            }
        }
    }
    let n =
        match a.get(1, "n") {
            None | Some((Value::None, _)) => match classes.iter().max() {
                Some(&m) => m + 1,
                None => return Err(a.err(
                    "one_hot(): cannot infer the number of classes from an empty tensor; give n",
                    span,
                    "empty",
                )),
            },
            Some((Value::Num(k), _)) if *k == -1.0 => classes.iter().max().map_or(0, |m| m + 1),
            Some(_) => count(a, 1, "n")?,
        };
    if let Some(&bad) = classes.iter().find(|&&c| c >= n) {
        return Err(a.err(
            format!("one_hot(): class values must be smaller than n = {n}; found {bad}"),
            span,
            "a class index too large",
        ));
    }
    let mut shape = d.shape().to_vec();
    shape.push(n);
    checked_numel(&shape).map_err(|e| fail(a, e))?;
    let mut out = vec![0.0; classes.len() * n];
    for (i, &c) in classes.iter().enumerate() {
        out[i * n + c] = 1.0;
    }
    Ok(Value::Tensor(constant(&shape, out)))
}

pub fn meshgrid(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let ts = a.tensor_list()?;
    for (t, s) in &ts {
        if t.ndim() > 1 {
            return Err(a.shape_err(
                "meshgrid(): each argument must be 0-d or 1-d; found shape",
                &t.shape(),
                *s,
                "not a vector",
            ));
        }
    }
    let xy = match a.keyword("indexing") {
        None | Some((Value::None, _)) => false,
        Some((Value::Str(s), _)) if s.as_ref() == "ij" => false,
        Some((Value::Str(s), _)) if s.as_ref() == "xy" => true,
        Some((v, span)) => {
            return Err(a.err(
                format!(
                    "meshgrid(): indexing must be \"ij\" or \"xy\"; found {}",
                    v.to_repr()
                ),
                span,
                "unknown indexing",
            ))
        }
    };
    let mut sizes: Vec<usize> = ts.iter().map(|(t, _)| t.numel()).collect();
    if xy && sizes.len() >= 2 {
        sizes.swap(0, 1);
    }
    checked_numel(&sizes).map_err(|e| fail(a, e))?;
    let mut out = Vec::with_capacity(ts.len());
    for (i, (t, _)) in ts.iter().enumerate() {
        let pos = if xy && i < 2 && ts.len() >= 2 {
            1 - i
        } else {
            i
        };
        let mut view = vec![1; sizes.len()];
        view[pos] = t.numel();
        let r = shape_ops::reshape(t, &view).and_then(|v| shape_ops::broadcast_to(&v, &sizes));
        out.push(Value::Tensor(r.map_err(|e| fail(a, e))?));
    }
    Ok(tuple(out))
}

pub fn dot(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (x, y) = (a.tensor(0, "a")?, a.tensor(1, "b")?);
    if x.ndim() != 1 || y.ndim() != 1 || x.numel() != y.numel() {
        return Err(a.err(
            format!(
                "dot(): needs two vectors of one length; found shapes {} and {}",
                fmt_shape(&x.shape()),
                fmt_shape(&y.shape())
            ),
            a.call,
            "not two vectors of one length",
        ));
    }
    let p = ew::mul(&x, &y).map_err(|e| fail(a, e))?;
    Ok(Value::Tensor(
        reduce::sum(&p, None, false).renamed("DotBackward"),
    ))
}

// ---- cumsum, sort, topk, argsort ----

pub fn cumsum(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    let ax = axis_or(a, 1, "axis", x.ndim(), 0)?;
    if x.ndim() == 0 {
        return Ok(Value::Tensor(
            ew::mul_scalar(&x, 1.0).renamed("CumsumBackward"),
        ));
    }
    cumsum_tensor(&x, ax)
        .map(|t| Value::Tensor(t.renamed("CumsumBackward")))
        .map_err(|e| fail(a, e))
}

/// The running sums along `axis`. Without gradient: summed in order (as PyTorch).
/// With one: a scan of recorded shifts and additions (log n steps), whose values
/// are replaced by the ordered sums so that both agree to the last bit.
fn cumsum_tensor(x: &Tensor, axis: usize) -> Result<Tensor, TensorError> {
    let mut exact = x.data().as_ref().to_owned();
    exact.accumulate_axis_inplace(ndarray::Axis(axis), |&prev, cur| *cur += prev);
    if !x.requires_grad() || !crate::autodiff::grad_enabled() {
        return Ok(Tensor::constant(exact));
    }
    let shape = x.shape();
    let n = shape[axis];
    let mut y = x.clone();
    let mut s = 1;
    while s < n {
        let mut pad = shape.clone();
        pad[axis] = s;
        let zeros = Tensor::constant(ArrayD::zeros(IxDyn(&pad)));
        let shifted = shape_ops::concat(&[zeros, shape_ops::narrow(&y, axis, 0, n - s)?], axis)?;
        y = ew::add(&y, &shifted)?;
        s *= 2;
    }
    // y + (exact - y's values): the ordered sums' values with the scan's gradient.
    let correction = &exact - y.data().as_ref();
    ew::add(&y, &Tensor::constant(correction))
}

/// NaN sorts above everything (as PyTorch).
fn order(x: f64, y: f64) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
    }
}

/// For every line along `axis` (the lines in row-major order of the other axes):
/// the stable sorted positions.
fn sorted_positions(x: &Array, axis: usize, descending: bool) -> (Vec<usize>, Array) {
    let moved = {
        let mut v = x.view();
        let last = x.ndim() - 1;
        v.swap_axes(axis, last);
        v.as_standard_layout().to_owned()
    };
    let n = x.shape()[axis];
    let data: Vec<f64> = moved.iter().copied().collect();
    let mut perm = Vec::with_capacity(data.len());
    for line in data.chunks(n.max(1)) {
        let mut idx: Vec<usize> = (0..line.len()).collect();
        if descending {
            idx.sort_by(|&i, &j| order(line[j], line[i]));
        } else {
            idx.sort_by(|&i, &j| order(line[i], line[j]));
        }
        perm.extend(idx);
    }
    (perm, moved)
}

/// `x` with `axis` last, the first `k` of each line's sorted positions taken:
/// (values, indices), both with `axis` back in place.
fn take_sorted(
    x: &Tensor,
    axis: usize,
    k: usize,
    descending: bool,
) -> Result<(Tensor, Tensor), TensorError> {
    if x.ndim() == 0 {
        return Ok((
            ew::mul_scalar(x, 1.0).renamed("SortBackward"),
            Tensor::scalar(0.0),
        ));
    }
    let shape = x.shape();
    let last = shape.len() - 1;
    let n = shape[axis];
    let (perm, _) = sorted_positions(&x.data(), axis, descending);
    let lines = perm
        .len()
        .checked_div(n)
        .unwrap_or_else(|| shape.iter().product::<usize>());
    let mut rows = Vec::with_capacity(lines * k);
    let mut picked = Vec::with_capacity(lines * k);
    for l in 0..lines {
        for &p in &perm[l * n..l * n + k] {
            rows.push(l * n + p);
            picked.push(p as f64);
        }
    }
    let mut swapped = shape.clone();
    swapped.swap(axis, last);
    let mut out_shape = swapped.clone();
    out_shape[last] = k;
    let moved = shape_ops::swap_axes(x, axis, last)?;
    let flat = shape_ops::reshape(&moved, &[moved.numel()])?;
    let taken = shape_ops::gather_rows(&flat, rows.into())?;
    let values = shape_ops::swap_axes(&shape_ops::reshape(&taken, &out_shape)?, axis, last)?;
    let idx = ArrayD::from_shape_vec(IxDyn(&out_shape), picked)
        .map_err(|e| TensorError::invalid(e.to_string()))?;
    let mut idx = idx;
    idx.swap_axes(axis, last);
    let idx = idx.as_standard_layout().to_owned();
    Ok((values.renamed("SortBackward"), Tensor::constant(idx)))
}

pub fn sort(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    let ax = axis_or(a, 1, "axis", x.ndim(), -1)?;
    let descending = a.flag("descending")?;
    let n = x.shape().get(ax).copied().unwrap_or(1);
    let (v, i) = take_sorted(&x, ax, n, descending).map_err(|e| fail(a, e))?;
    Ok(tuple(vec![Value::Tensor(v), Value::Tensor(i)]))
}

pub fn argsort(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    let ax = axis_or(a, 1, "axis", x.ndim(), -1)?;
    let descending = a.flag("descending")?;
    let n = x.shape().get(ax).copied().unwrap_or(1);
    let (_, i) = take_sorted(&x.detach(), ax, n, descending).map_err(|e| fail(a, e))?;
    Ok(Value::Tensor(i))
}

pub fn topk(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    let k = count(a, 1, "k")?;
    let ax = axis_or(a, 2, "axis", x.ndim(), -1)?;
    let largest = a.flag("largest")?;
    let n = x.shape().get(ax).copied().unwrap_or(1);
    if k > n {
        let span = a.get(1, "k").map_or(a.call, |(_, s)| s);
        return Err(a.err(
            format!("topk(): k = {k} is larger than the {n} elements along axis {ax}"),
            span,
            "k out of range",
        ));
    }
    let (v, i) = take_sorted(&x, ax, k, largest).map_err(|e| fail(a, e))?;
    Ok(tuple(vec![
        Value::Tensor(v.renamed("TopkBackward")),
        Value::Tensor(i),
    ]))
}

// ---- var, std, logsumexp ----

/// The axes of `axis=` (a number, a tuple, or none for all).
fn reduce_axes(a: &Args, i: usize, ndim: usize) -> Eval<Vec<usize>> {
    let all: Vec<usize> = (0..ndim).collect();
    match a.get(i, "axis") {
        None | Some((Value::None, _)) => Ok(all),
        Some((Value::Tuple(items), span)) => {
            let mut out = Vec::new();
            for v in items.iter() {
                let n = to_number(v).and_then(as_integer).ok_or_else(|| {
                    a.err(
                        format!("{}(): axis must be whole numbers", a.name),
                        span,
                        "bad axis",
                    )
                })?;
                let ax = normalize_axis(n, ndim).map_err(|e| {
                    a.err(format!("{}(): {}", a.name, e.message()), span, "bad axis")
                })?;
                if !out.contains(&ax) {
                    out.push(ax);
                }
            }
            Ok(out)
        }
        Some(_) => {
            if ndim == 0 {
                axis_or(a, i, "axis", 0, 0)?;
                return Ok(Vec::new());
            }
            Ok(vec![axis_or(a, i, "axis", ndim, 0)?])
        }
    }
}

fn keep_or_drop(
    t: Tensor,
    shape: &[usize],
    axes: &[usize],
    keepdim: bool,
) -> Result<Tensor, TensorError> {
    if keepdim {
        return Ok(t);
    }
    let out: Vec<usize> = shape
        .iter()
        .enumerate()
        .filter(|(i, _)| !axes.contains(i))
        .map(|(_, &n)| n)
        .collect();
    shape_ops::reshape(&t, &out)
}

/// Checks the size of a reduction's result; for an empty `x`, the result itself:
/// `value` everywhere (var's nan, logsumexp's -inf), as PyTorch.
fn empty_reduction(
    a: &Args,
    x: &Tensor,
    axes: &[usize],
    keepdim: bool,
    value: f64,
) -> Eval<Option<Tensor>> {
    let shape = x.shape();
    crate::autodiff::shape::check_reduced(&shape, Some(axes), keepdim).map_err(|e| fail(a, e))?;
    if x.numel() != 0 {
        return Ok(None);
    }
    let out = crate::autodiff::shape::reduced_shape(&shape, Some(axes), keepdim);
    Ok(Some(Tensor::constant(ArrayD::from_elem(
        IxDyn(&out),
        value,
    ))))
}

fn variance(a: &Args) -> Eval<Tensor> {
    let x = a.tensor(0, "x")?;
    let axes = reduce_axes(a, 1, x.ndim())?;
    let correction = a.number_or(2, "correction")?;
    let keepdim = a.flag("keepdim")?;
    let shape = x.shape();
    // A 0-d tensor reduces over its "axis 0" of one element, as in PyTorch.
    let n: usize = axes
        .iter()
        .map(|&i| shape.get(i).copied().unwrap_or(1))
        .product();
    if let Some(empty) = empty_reduction(a, &x, &axes, keepdim, f64::NAN)? {
        return Ok(empty);
    }
    let go = || -> Result<Tensor, TensorError> {
        let m = if n == 0 {
            Tensor::constant(ArrayD::from_elem(
                IxDyn(&crate::autodiff::shape::reduced_shape(
                    &shape,
                    Some(&axes),
                    true,
                )),
                f64::NAN,
            ))
        } else {
            reduce::mean(&x, Some(axes.clone()), true)
        };
        let d = ew::sub(&x, &m)?;
        let ss = reduce::sum(&ew::mul(&d, &d)?, Some(axes.clone()), true);
        let v = ew::mul_scalar(&ss, 1.0 / (n as f64 - correction).max(0.0));
        keep_or_drop(v, &shape, &axes, keepdim)
    };
    go().map_err(|e| fail(a, e))
}

pub fn var(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    Ok(Value::Tensor(variance(a)?.renamed("VarBackward")))
}

pub fn std(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    Ok(Value::Tensor(
        ew::sqrt(&variance(a)?).renamed("StdBackward"),
    ))
}

pub fn logsumexp(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    let axes = reduce_axes(a, 1, x.ndim())?;
    let keepdim = a.flag("keepdim")?;
    let shape = x.shape();
    if let Some(empty) = empty_reduction(a, &x, &axes, keepdim, f64::NEG_INFINITY)? {
        return Ok(Value::Tensor(empty));
    }
    let go = || -> Result<Tensor, TensorError> {
        if x.ndim() == 0 {
            return Ok(ew::mul_scalar(&x, 1.0));
        }
        // The largest value of each line, as a constant (0 where it is infinite).
        let d = x.data();
        let mut m = d.as_ref().to_owned();
        for &ax in &axes {
            m = m.fold_axis(ndarray::Axis(ax), f64::NEG_INFINITY, |&acc, &v| {
                if v.is_nan() || acc.is_nan() {
                    f64::NAN
                } else {
                    acc.max(v)
                }
            });
            m = m.insert_axis(ndarray::Axis(ax));
        }
        m.mapv_inplace(|v| if v.is_infinite() { 0.0 } else { v });
        let m = Tensor::constant(m);
        let e = ew::exp(&ew::sub(&x, &m)?);
        let s = reduce::sum(&e, Some(axes.clone()), true);
        let r = ew::add(&ew::log(&s), &m)?;
        keep_or_drop(r, &shape, &axes, keepdim)
    };
    go().map(|t| Value::Tensor(t.renamed("LogsumexpBackward")))
        .map_err(|e| fail(a, e))
}

// ---- clone, chunk, split, allclose ----

pub fn clone(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    if !x.requires_grad() {
        return Ok(Value::Tensor(Tensor::constant(x.data().as_ref().clone())));
    }
    Ok(Value::Tensor(
        ew::mul_scalar(&x, 1.0).renamed("CloneBackward"),
    ))
}

/// At most this many pieces from `chunk` or `split`.
const MAX_PIECES: usize = 100_000;

fn pieces(a: &Args, x: &Tensor, axis: usize, sizes: &[usize]) -> Eval<Value> {
    let mut out = Vec::with_capacity(sizes.len());
    let mut start = 0;
    for &s in sizes {
        let t = shape_ops::narrow(x, axis, start, start + s).map_err(|e| fail(a, e))?;
        out.push(Value::Tensor(t.renamed("SplitBackward")));
        start += s;
    }
    Ok(tuple(out))
}

fn piece_axis(a: &Args, x: &Tensor) -> Eval<usize> {
    if x.ndim() == 0 {
        return Err(a.err(
            format!("{}() of a 0-d tensor: it has no axis to cut", a.name),
            a.pos.first().map_or(a.call, |p| p.1),
            "0-d",
        ));
    }
    axis_or(a, 2, "axis", x.ndim(), 0)
}

pub fn chunk(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    let n = count(a, 1, "n")?;
    if n == 0 {
        return Err(a.err(
            "chunk(): n must be at least 1",
            a.get(1, "n").map_or(a.call, |p| p.1),
            "zero chunks",
        ));
    }
    let ax = piece_axis(a, &x)?;
    let size = x.shape()[ax];
    // As torch.chunk: pieces of ceil(size / n), the last one shorter (so there may
    // be fewer than n); an empty axis gives n empty pieces.
    if n > MAX_PIECES || size.div_ceil(size.div_ceil(n).max(1)) > MAX_PIECES {
        return Err(a.err(
            format!("chunk(): more than {MAX_PIECES} pieces"),
            a.call,
            "too many pieces",
        ));
    }
    let step = size.div_ceil(n);
    let sizes: Vec<usize> = if size == 0 {
        vec![0; n]
    } else {
        (0..size)
            .step_by(step)
            .map(|s| step.min(size - s))
            .collect()
    };
    pieces(a, &x, ax, &sizes)
}

pub fn split(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "x")?;
    let ax = piece_axis(a, &x)?;
    let total = x.shape()[ax];
    let (v, span) = a.required(1, "size")?;
    let sizes: Vec<usize> = match v {
        Value::Tuple(_) | Value::List(_) => {
            let items = match v {
                Value::Tuple(t) => t.to_vec(),
                Value::List(l) => l.items(),
                _ => Vec::new(),
            };
            if items.len() > MAX_PIECES {
                return Err(a.err(
                    format!("split(): more than {MAX_PIECES} pieces"),
                    span,
                    "too many pieces",
                ));
            }
            let mut out = Vec::new();
            for item in items {
                match to_number(&item).and_then(as_integer) {
                    Some(k) if k >= 0 => out.push(k as usize),
                    _ => {
                        return Err(a.err(
                            "split(): sizes must be whole numbers >= 0",
                            span,
                            "not a size",
                        ))
                    }
                }
            }
            if out.iter().sum::<usize>() != total {
                return Err(a.err(
                    format!(
                        "split(): the sizes {} sum to {}, but axis {ax} has size {total}",
                        v.to_repr(),
                        out.iter().sum::<usize>()
                    ),
                    span,
                    "sizes that do not add up",
                ));
            }
            out
        }
        _ => {
            let s = count(a, 1, "size")?;
            if s == 0 {
                return Err(a.err("split(): size must be at least 1", span, "size 0"));
            }
            if total.div_ceil(s) > MAX_PIECES {
                return Err(a.err(
                    format!("split(): more than {MAX_PIECES} pieces"),
                    span,
                    "too many pieces",
                ));
            }
            if total == 0 {
                vec![0]
            } else {
                (0..total).step_by(s).map(|i| s.min(total - i)).collect()
            }
        }
    };
    pieces(a, &x, ax, &sizes)
}

pub fn allclose(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (x, y) = (a.tensor(0, "a")?, a.tensor(1, "b")?);
    let rtol = a.number_or(2, "rtol")?;
    let atol = a.number_or(3, "atol")?;
    let equal_nan = a.flag("equal_nan")?;
    let shape = crate::autodiff::shape::broadcast_shape(&x.shape(), &y.shape())
        .ok_or_else(|| fail(a, TensorError::shapes("allclose", &x.shape(), &y.shape())))?;
    let (xd, yd) = (x.data(), y.data());
    let (Some(xb), Some(yb)) = (xd.broadcast(IxDyn(&shape)), yd.broadcast(IxDyn(&shape))) else {
        return Err(fail(
            a,
            TensorError::shapes("allclose", &x.shape(), &y.shape()),
        ));
    };
    let close = xb.iter().zip(yb.iter()).all(|(&p, &q)| {
        if p == q {
            true
        } else if p.is_nan() || q.is_nan() {
            equal_nan && p.is_nan() && q.is_nan()
        } else if p.is_infinite() || q.is_infinite() {
            false
        } else {
            (p - q).abs() <= atol + rtol * q.abs()
        }
    });
    Ok(Value::Bool(close))
}

// ---- losses ----

pub fn binary_cross_entropy_with_logits(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (z, y) = (a.tensor(0, "z")?, a.tensor(1, "y")?);
    if z.shape() != y.shape() {
        return Err(fail(
            a,
            TensorError::Shapes {
                message: format!(
                    "binary_cross_entropy_with_logits: z has shape {} but y has shape {}",
                    fmt_shape(&z.shape()),
                    fmt_shape(&y.shape())
                ),
            },
        ));
    }
    let go = || -> Result<Tensor, TensorError> {
        // log σ(z) and log(1 - σ(z)) = log σ(-z) as a log_softmax of (0, z): exact,
        // stable for large |z|, with the gradient σ(z) - y everywhere.
        let nd = z.ndim();
        let zeros = Tensor::constant(ArrayD::zeros(IxDyn(&z.shape())));
        let pair = shape_ops::stack(&[zeros, z.clone()], nd)?;
        let lsm = nn::log_softmax(&pair, nd)?;
        let one_minus = ew::sub(&Tensor::scalar(1.0), &y)?;
        let w = shape_ops::stack(&[one_minus, y.clone()], nd)?;
        let ll = reduce::sum(&ew::mul(&lsm, &w)?, Some(vec![nd]), false);
        let n = z.numel();
        if n == 0 {
            return Ok(Tensor::scalar(f64::NAN));
        }
        Ok(ew::mul_scalar(
            &reduce::sum(&ll, None, false),
            -1.0 / n as f64,
        ))
    };
    go().map(|t| Value::Tensor(t.renamed("BinaryCrossEntropyWithLogitsBackward")))
        .map_err(|e| fail(a, e))
}

/// `cross_entropy` of logits `[N, C, d...]` with targets `[N, d...]` (classes on
/// axis 1, as PyTorch): the classes moved last and every position made a row.
pub fn cross_entropy_any_batch(logits: &Tensor, targets: &Tensor) -> Result<Tensor, TensorError> {
    let shape = logits.shape();
    let nd = shape.len();
    let c = shape[1];
    let mut want = shape.clone();
    want.remove(1);
    if targets.shape() != want {
        return Err(TensorError::Shapes {
            message: format!(
                "cross_entropy: targets must have shape {} (the logits' shape {} without the class axis 1); found shape {}",
                fmt_shape(&want),
                fmt_shape(&shape),
                fmt_shape(&targets.shape())
            ),
        });
    }
    let mut perm: Vec<usize> = (0..nd).filter(|&i| i != 1).collect();
    perm.push(1);
    let moved = shape_ops::permute(logits, &perm)?;
    let rows: usize = want.iter().product();
    let flat = shape_ops::reshape(&moved, &[rows, c])?;
    let t = shape_ops::reshape_array(&targets.data(), &[rows])?;
    nn::cross_entropy(&flat, &t)
}

// ---- env, multinomial, randint ----

pub fn env(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (name, span) = a.typed(0, "name", "a string", |v| match v {
        Value::Str(s) => Some(s.clone()),
        _ => None,
    })?;
    let default = a.get(1, "default").map_or(Value::None, |(v, _)| v.clone());
    if name.is_empty() || name.contains(['=', '\0']) {
        return Ok(default);
    }
    let Ok(text) = std::env::var(name.as_ref()) else {
        return Ok(default);
    };
    let trimmed = text.trim();
    if let Ok(n) = trimmed.parse::<f64>() {
        if !trimmed.is_empty() {
            return Ok(Value::Num(n));
        }
    }
    if let Value::Num(_) = default {
        return Err(a.err(
            format!(
                "env(): the variable {name} is {text:?}, not a number (its default is a number)"
            ),
            span,
            "not a number",
        ));
    }
    Ok(Value::Str(text.into()))
}

/// One draw from the weights `w` (not all 0): the first index whose running sum
/// exceeds `u * total`, skipping zero weights.
fn draw(w: &[f64], u: f64) -> usize {
    let total: f64 = w.iter().sum();
    let target = u * total;
    let mut acc = 0.0;
    let mut last = 0;
    for (i, &p) in w.iter().enumerate() {
        if p > 0.0 {
            acc += p;
            last = i;
            if target < acc {
                return i;
            }
        }
    }
    last
}

pub fn multinomial(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let probs = a.tensor(0, "probs")?;
    let (_, pspan) = a.required(0, "probs")?;
    let n = count(a, 1, "n")?;
    let replacement = a.flag("replacement")?;
    let shape = probs.shape();
    if shape.is_empty() || shape.len() > 2 {
        return Err(a.shape_err(
            "multinomial(): probs must be 1-d or 2-d; found shape",
            &shape,
            pspan,
            "not 1-d or 2-d",
        ));
    }
    let k = *shape.last().unwrap_or(&0);
    let d = probs.data();
    let values: Vec<f64> = d.iter().copied().collect();
    if n == 0 {
        return Err(a.err(
            "multinomial(): cannot sample n <= 0 samples",
            a.get(1, "n").map_or(a.call, |p| p.1),
            "no samples",
        ));
    }
    if !replacement && n > k {
        return Err(a.err(
            format!("multinomial(): cannot sample n = {n} > {k} categories without replacement"),
            a.get(1, "n").map_or(a.call, |p| p.1),
            "too many samples",
        ));
    }
    if k == 0 {
        return Err(a.err(
            "multinomial(): probs has no categories",
            pspan,
            "an empty axis",
        ));
    }
    let rows_n = if shape.len() == 2 { shape[0] } else { 1 };
    checked_numel(&[rows_n, n]).map_err(|e| fail(a, e))?;
    let rows: Vec<&[f64]> = values.chunks(k).collect();
    for row in &rows {
        if row.iter().any(|p| !p.is_finite() || *p < 0.0) {
            return Err(a.err(
                "multinomial(): probabilities must be finite and >= 0",
                pspan,
                "a negative, infinite or nan probability",
            ));
        }
        let nonzero = row.iter().filter(|&&p| p > 0.0).count();
        if nonzero == 0 {
            return Err(a.err(
                "multinomial(): the probabilities sum to 0",
                pspan,
                "all zero",
            ));
        }
        if !replacement && n > nonzero {
            return Err(a.err(
                format!(
                    "multinomial(): cannot draw {n} samples without replacement from {nonzero} non-zero probabilities"
                ),
                pspan,
                "not enough non-zero probabilities",
            ));
        }
    }
    let mut out = Vec::with_capacity(rows.len() * n);
    for row in rows {
        let mut w = row.to_vec();
        for _ in 0..n {
            let i = draw(&w, it.rng.uniform());
            out.push(i as f64);
            if !replacement {
                w[i] = 0.0;
            }
        }
    }
    let out_shape: Vec<usize> = if shape.len() == 1 {
        vec![n]
    } else {
        vec![shape[0], n]
    };
    Ok(Value::Tensor(constant(&out_shape, out)))
}

pub fn randint(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    // randint(low, high, shape) or randint(high, shape), as torch.randint.
    let (low, high, shape_at) = match (a.get(1, "high"), a.get(2, "shape")) {
        (Some((Value::Tuple(_), _)), None) => (0i64, a.integer(0, "low")?, 1),
        _ => (a.integer(0, "low")?, a.integer(1, "high")?, 2),
    };
    let (sv, sspan) = match a.get(shape_at, "shape") {
        Some(p) => p,
        None => {
            return Err(a.err(
                "randint() is missing its argument 'shape'",
                a.call,
                "'shape' is required",
            ))
        }
    };
    let dims: Vec<Value> = match sv {
        Value::Tuple(t) => t.to_vec(),
        other => vec![other.clone()],
    };
    let mut shape = Vec::with_capacity(dims.len());
    for d in dims {
        let n = match &d {
            Value::Tensor(t) => t.item(),
            other => to_number(other),
        };
        match n.and_then(as_integer) {
            Some(k) if k >= 0 => shape.push(k as usize),
            _ => {
                return Err(a.err(
                    format!(
                        "randint(): a size must be a whole number >= 0; found {}",
                        d.to_repr()
                    ),
                    sspan,
                    "not a valid size",
                ))
            }
        }
    }
    if high <= low {
        return Err(a.err(
            format!("randint(): low must be less than high; found low = {low}, high = {high}"),
            a.call,
            "an empty range",
        ));
    }
    let count = checked_numel(&shape).map_err(|e| fail(a, e))?;
    let range = (high - low) as u64;
    let values: Vec<f64> = (0..count)
        .map(|_| (low + (it.rng.next_u64() % range) as i64) as f64)
        .collect();
    Ok(Value::Tensor(constant(&shape, values)))
}
