//! Elementwise operations: one input, or two (and `where`'s three) with broadcasting.

use super::scalar::{self, Unary};
use super::shape::{broadcast_shape, checked_numel};
use super::{Array, Op, Tensor, TensorError};
use ndarray::{ArrayD, IxDyn, Zip};
use rayon::prelude::*;
use std::mem::MaybeUninit;
use std::rc::Rc;

/// `a.as_slice()`: the elements when `a` is in standard (row-major) layout. Up
/// to two axes, the layout is tested here on the shape and strides directly,
/// with ndarray's rule (an axis of length 1 may have any stride; an empty array
/// is contiguous), which costs a fraction of ndarray's general test; more axes
/// go to ndarray.
#[inline]
pub(crate) fn std_slice(a: &Array) -> Option<&[f64]> {
    match std_len(a.shape(), a.strides()) {
        // SAFETY: `a` is in standard layout with `n` elements from its first one.
        Some(Some(n)) => Some(unsafe { std::slice::from_raw_parts(a.as_ptr(), n) }),
        Some(None) => None,
        None => a.as_slice(),
    }
}

/// `a.as_slice_mut()`, tested as [`std_slice`].
#[inline]
pub(crate) fn std_slice_mut(a: &mut Array) -> Option<&mut [f64]> {
    match std_len(a.shape(), a.strides()) {
        // SAFETY: as in `std_slice`; the array owns its data, so nothing else
        // sees the elements while the slice lives.
        Some(Some(n)) => Some(unsafe { std::slice::from_raw_parts_mut(a.as_mut_ptr(), n) }),
        Some(None) => None,
        None => a.as_slice_mut(),
    }
}

/// `a == b` for two shapes, element by element: shapes have a few axes, and
/// this is much cheaper than the slice comparison (a call to `memcmp`).
#[inline]
pub(crate) fn same_shape(a: &[usize], b: &[usize]) -> bool {
    a.len() == b.len() && (0..a.len()).all(|i| a[i] == b[i])
}

/// For up to two axes, `Some(Some(n))` when an array of `shape` and `strides`
/// is in standard layout (`n` elements) and `Some(None)` when it is not; `None`
/// for more axes (left to ndarray).
#[inline]
fn std_len(shape: &[usize], strides: &[isize]) -> Option<Option<usize>> {
    Some(match (shape, strides) {
        ([], _) => Some(1),
        (&[n], &[s]) => (s == 1 || n <= 1).then_some(n),
        (&[r, c], &[sr, sc]) => {
            let n = r * c;
            let ok = n == 0 || ((c == 1 || sc == 1) && (r == 1 || sr == c as isize));
            ok.then_some(n)
        }
        _ => return None,
    })
}

/// Arrays at least this large are mapped on every core (rayon, in chunks of
/// `PARALLEL_CHUNK`); below it, spreading the work costs more than it saves.
pub const PARALLEL_MIN_ELEMENTS: usize = 1 << 15;

/// Elements per task when a large array is mapped on every core.
pub const PARALLEL_CHUNK: usize = 1 << 14;

// The two parallel drivers. Every large elementwise operation goes through one of
// them: the loop over a chunk is generic (inlined and vectorised for each
// operation), but rayon's splitting and joining is compiled once, behind a `dyn`
// call per chunk, instead of once per operation's closure (those copies were about
// 40% of the crate's optimised code and most of its build time).

/// `body(offset, chunk)` for consecutive chunks of `out`, which it must fill, on
/// every core; `offset` is the index of the chunk's first element.
fn par_fill(out: &mut [MaybeUninit<f64>], body: &(dyn Fn(usize, &mut [MaybeUninit<f64>]) + Sync)) {
    out.par_chunks_mut(PARALLEL_CHUNK)
        .enumerate()
        .for_each(|(i, chunk)| body(i * PARALLEL_CHUNK, chunk));
}

/// `body(offset, chunk)` for consecutive chunks of `xs`, on every core.
fn par_update(xs: &mut [f64], body: &(dyn Fn(usize, &mut [f64]) + Sync)) {
    xs.par_chunks_mut(PARALLEL_CHUNK)
        .enumerate()
        .for_each(|(i, chunk)| body(i * PARALLEL_CHUNK, chunk));
}

/// A new array of the given shape whose elements `fill(offset, chunk)` writes,
/// chunk by chunk on every core.
fn par_collect(shape: &[usize], fill: &(dyn Fn(usize, &mut [MaybeUninit<f64>]) + Sync)) -> Array {
    let n = shape.iter().product();
    let mut out = Vec::with_capacity(n);
    par_fill(&mut out.spare_capacity_mut()[..n], fill);
    // SAFETY: the chunks cover the first `n` elements, and `fill` writes every
    // element of its chunk (each caller's loop zips the chunk with its inputs of the
    // same length).
    unsafe { out.set_len(n) };
    Array::from_shape_vec(IxDyn(shape), out).unwrap_or_else(|_| unreachable!())
}

/// `f` of every element, in parallel for large arrays.
pub fn map(a: &Array, f: impl Fn(f64) -> f64 + Sync + Send) -> Array {
    if a.len() < PARALLEL_MIN_ELEMENTS {
        // Small: a copy keeps the shape and strides as they are (cheaper than
        // building them again), then one pass in place; the layout is tested
        // once, on the copy.
        let mut out = a.clone();
        if let Some(os) = std_slice_mut(&mut out) {
            for o in os {
                *o = f(*o);
            }
            return out;
        }
        return a.mapv(f);
    }
    // Large: plain loops over slices, which the compiler vectorises, split in
    // chunks across the cores.
    let a = a.as_standard_layout();
    let xs = a.as_slice().unwrap_or_else(|| unreachable!());
    par_collect(a.shape(), &|at, os| {
        for (o, &x) in os.iter_mut().zip(&xs[at..]) {
            o.write(f(x));
        }
    })
}

/// `map` with an in-place slice kernel (vectorised transcendental functions);
/// `f` is the same function one element at a time, for non-contiguous arrays.
fn map_kernel(a: &Array, kernel: fn(&mut [f64]), f: fn(f64) -> f64) -> Array {
    if a.len() < PARALLEL_MIN_ELEMENTS {
        let mut out = a.clone();
        if let Some(os) = std_slice_mut(&mut out) {
            kernel(os);
            return out;
        }
        return a.mapv(f);
    }
    let Some(xs) = a.as_slice() else {
        return map(a, f);
    };
    // Copy and transform chunk by chunk on every core, each chunk while it is
    // still in the core's cache (one pass over memory, not two).
    par_collect(a.shape(), &|at, os| {
        for (o, &x) in os.iter_mut().zip(&xs[at..]) {
            o.write(x);
        }
        // SAFETY: every element of `os` was written just above.
        kernel(unsafe { &mut *(os as *mut [MaybeUninit<f64>] as *mut [f64]) });
    })
}

/// `f` of every pair of elements of two arrays of one shape, in parallel for large ones.
fn map2(a: &Array, b: &Array, f: impl Fn(f64, f64) -> f64 + Sync + Send) -> Array {
    if a.len() < PARALLEL_MIN_ELEMENTS {
        // As in `map`: a copy of `a`, its layout tested once.
        let mut out = a.clone();
        if let (Some(os), Some(ys)) = (std_slice_mut(&mut out), std_slice(b)) {
            for (o, &y) in os.iter_mut().zip(ys) {
                *o = f(*o, y);
            }
            return out;
        }
        return Zip::from(a).and(b).map_collect(|&x, &y| f(x, y));
    }
    let (a, b) = (a.as_standard_layout(), b.as_standard_layout());
    let (Some(xs), Some(ys)) = (a.as_slice(), b.as_slice()) else {
        unreachable!()
    };
    par_collect(a.shape(), &|at, os| {
        for ((o, &x), &y) in os.iter_mut().zip(&xs[at..]).zip(&ys[at..]) {
            o.write(f(x, y));
        }
    })
}

/// Applies `f` to every pair of elements of `a` and `b` broadcast together.
pub fn zip_with(
    a: &Array,
    b: &Array,
    name: &'static str,
    f: impl Fn(f64, f64) -> f64 + Sync + Send,
) -> Result<Array, TensorError> {
    if same_shape(a.shape(), b.shape()) {
        return Ok(map2(a, b, f));
    }
    if b.ndim() == 0 {
        let s = b.first().copied().unwrap_or(f64::NAN);
        return Ok(map(a, |x| f(x, s)));
    }
    if a.ndim() == 0 {
        let s = a.first().copied().unwrap_or(f64::NAN);
        return Ok(map(b, |y| f(s, y)));
    }
    let shape = broadcast_shape(a.shape(), b.shape())
        .ok_or_else(|| TensorError::shapes(name, a.shape(), b.shape()))?;
    checked_numel(&shape)?;
    let (Some(av), Some(bv)) = (a.broadcast(IxDyn(&shape)), b.broadcast(IxDyn(&shape))) else {
        return Err(TensorError::shapes(name, a.shape(), b.shape()));
    };
    Ok(Zip::from(&av).and(&bv).map_collect(|&x, &y| f(x, y)))
}

/// `x = f(x)` for every element of a slice, on every core when it is large.
pub fn map_slice_in_place(xs: &mut [f64], f: impl Fn(f64) -> f64 + Sync + Send) {
    if xs.len() >= PARALLEL_MIN_ELEMENTS {
        par_update(xs, &|_, xs| {
            for x in xs {
                *x = f(*x);
            }
        });
    } else {
        for x in xs {
            *x = f(*x);
        }
    }
}

/// `x = f(x, y)` for each pair of a slice and another of the same length, on
/// every core when they are large.
pub fn zip_slices_in_place(xs: &mut [f64], ys: &[f64], f: impl Fn(f64, f64) -> f64 + Sync + Send) {
    if xs.len() >= PARALLEL_MIN_ELEMENTS {
        par_update(xs, &|at, xs| {
            for (x, &y) in xs.iter_mut().zip(&ys[at..]) {
                *x = f(*x, y);
            }
        });
    } else {
        for (x, &y) in xs.iter_mut().zip(ys) {
            *x = f(*x, y);
        }
    }
}

/// `a[i] = f(a[i], b[i])` with `b` broadcast to `a`'s shape; `false` (and `a`
/// untouched) when `b` does not broadcast to it.
pub fn zip_in_place(a: &mut Array, b: &Array, f: impl Fn(f64, f64) -> f64 + Sync + Send) -> bool {
    if same_shape(a.shape(), b.shape()) {
        if let (Some(xs), Some(ys)) = (std_slice_mut(a), std_slice(b)) {
            zip_slices_in_place(xs, ys, f);
            return true;
        }
    }
    let Some(bv) = b.broadcast(a.raw_dim()) else {
        return false;
    };
    Zip::from(a).and(&bv).for_each(|x, &y| *x = f(*x, y));
    true
}

fn binary(
    a: &Tensor,
    b: &Tensor,
    op: Op,
    name: &'static str,
    f: impl Fn(f64, f64) -> f64 + Sync + Send,
) -> Result<Tensor, TensorError> {
    let data = zip_with(&a.data_ref(), &b.data_ref(), name, f)?;
    Ok(Tensor::record(data, op, &[a, b]))
}

/// The recorded binary operations of two broadcast tensors: `name: Op, symbol (in
/// a shape error), the function of two numbers ([`scalar`])`, one row each.
macro_rules! binary_ops {
    ($($name:ident: $op:ident, $symbol:literal, $f:ident;)*) => {$(
        pub fn $name(a: &Tensor, b: &Tensor) -> Result<Tensor, TensorError> {
            binary(a, b, Op::$op, $symbol, scalar::$f)
        }
    )*};
}

binary_ops! {
    add: Add, "+", add;
    sub: Sub, "-", sub;
    mul: Mul, "*", mul;
    div: Div, "/", div;
    pow: Pow, "**", pow;
    rem: Rem, "%", rem;
    maximum: Maximum, "maximum", maximum;
    minimum: Minimum, "minimum", minimum;
}

/// Comparisons give bool tensors (0/1 data) that do not require grad.
pub fn compare(
    a: &Tensor,
    b: &Tensor,
    name: &'static str,
    f: impl Fn(f64, f64) -> bool + Sync + Send,
) -> Result<Tensor, TensorError> {
    let data = zip_with(&a.data_ref(), &b.data_ref(), name, |x, y| {
        if f(x, y) {
            1.0
        } else {
            0.0
        }
    })?;
    Ok(Tensor::constant(data).into_bool())
}

/// `a // b` as `torch.floor_divide` ([`scalar::floor_div`]). As in PyTorch the result of
/// inputs that require grad is recorded (shown `grad_fn=<NotImplemented>`), and a
/// backward pass through it is an error: floor division has no derivative there.
pub fn floor_divide(a: &Tensor, b: &Tensor) -> Result<Tensor, TensorError> {
    binary(a, b, Op::FloorDivide, "//", scalar::floor_div)
}

/// `where(cond, a, b)`: `a` where `cond` is non-zero, else `b`, all broadcast.
pub fn where_(cond: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor, TensorError> {
    let c = cond.data();
    let (ad, bd) = (a.data(), b.data());
    let shape = broadcast_shape(c.shape(), ad.shape())
        .and_then(|s| broadcast_shape(&s, bd.shape()))
        .ok_or_else(|| TensorError::Shapes {
            message: format!(
                "where: shapes {}, {} and {} cannot be broadcast together",
                crate::display::fmt_shape(c.shape()),
                crate::display::fmt_shape(ad.shape()),
                crate::display::fmt_shape(bd.shape())
            ),
        })?;
    checked_numel(&shape)?;
    let dim = IxDyn(&shape);
    let (Some(cv), Some(av), Some(bv)) = (
        c.broadcast(dim.clone()),
        ad.broadcast(dim.clone()),
        bd.broadcast(dim),
    ) else {
        return Err(TensorError::invalid(
            "where: shapes cannot be broadcast together",
        ));
    };
    let mask: Array = cv.mapv(|x| if x != 0.0 { 1.0 } else { 0.0 });
    let data = Zip::from(&mask)
        .and(&av)
        .and(&bv)
        .map_collect(|&m, &x, &y| if m != 0.0 { x } else { y });
    Ok(Tensor::record(data, Op::Where(Rc::new(mask)), &[a, b]))
}

fn unary(x: &Tensor, op: Op, f: impl Fn(f64) -> f64 + Sync + Send) -> Tensor {
    let data = map(&x.data_ref(), f);
    Tensor::record(data, op, &[x])
}

/// A [`Unary`] operation on a tensor: its kernel on every element, recorded.
pub fn apply(x: &Tensor, u: Unary) -> Tensor {
    let data = match u.slice_kernel() {
        Some(fast) => map_kernel(&x.data_ref(), fast, u.kernel()),
        None => map(&x.data_ref(), u.kernel()),
    };
    Tensor::record(data, u.op(), &[x])
}

pub fn neg(x: &Tensor) -> Tensor {
    unary(x, Op::Neg, scalar::neg)
}

/// The recorded unary functions of [`Unary`]: `name: Unary`, one row each.
macro_rules! unary_ops {
    ($($name:ident: $u:ident;)*) => {$(
        pub fn $name(x: &Tensor) -> Tensor {
            apply(x, Unary::$u)
        }
    )*};
}

unary_ops! {
    exp: Exp;
    log: Log;
    sqrt: Sqrt;
    abs: Abs;
    sin: Sin;
    cos: Cos;
    tanh: Tanh;
    sigmoid: Sigmoid;
    relu: Relu;
    softplus: Softplus;
    sign: Sign;
}

/// `g * (1 - y²)`, the gradient through `y = tanh(x)` in one pass, rounded as PyTorch's
/// `tanh_backward` rounds it (`1 - y²` as one fused multiply-add).
pub fn tanh_grad(g: &Tensor, y: &Tensor) -> Result<Tensor, TensorError> {
    binary(g, y, Op::TanhGrad, "tanh backward", scalar::tanh_grad)
}

/// `g * (1 - y) * y`, the gradient through `y = sigmoid(x)` in one pass, in the order of
/// PyTorch's `sigmoid_backward` (so that the last digit agrees).
pub fn sigmoid_grad(g: &Tensor, y: &Tensor) -> Result<Tensor, TensorError> {
    binary(
        g,
        y,
        Op::SigmoidGrad,
        "sigmoid backward",
        scalar::sigmoid_grad,
    )
}

pub fn leaky_relu(x: &Tensor, slope: f64) -> Tensor {
    unary(x, Op::LeakyRelu(slope), move |v| {
        scalar::leaky_relu(v, slope)
    })
}

/// `log(1 + exp(x))`, linear above 20 as in PyTorch.
pub fn clamp(x: &Tensor, min: Option<f64>, max: Option<f64>) -> Tensor {
    unary(x, Op::Clamp(min, max), move |v| scalar::clamp(v, min, max))
}

/// `x ** p` for a number `p`, element by element by [`scalar::pow_scalar`]
/// (PyTorch's special exponents); `p = 2`, the common case, without the dispatch.
pub fn pow_scalar(x: &Tensor, p: f64) -> Tensor {
    if p == 2.0 {
        return unary(x, Op::PowScalar(p), |v| v * v);
    }
    unary(x, Op::PowScalar(p), move |v| scalar::pow_scalar(v, p))
}

/// `x + c` for a plain number `c`, without making `c` a tensor.
pub fn add_scalar(x: &Tensor, c: f64) -> Tensor {
    unary(x, Op::AddScalar(c), move |v| v + c)
}

/// `x - c` for a plain number `c`.
pub fn sub_scalar(x: &Tensor, c: f64) -> Tensor {
    unary(x, Op::SubScalar(c), move |v| v - c)
}

/// `x * c` for a plain number `c`.
pub fn mul_scalar(x: &Tensor, c: f64) -> Tensor {
    unary(x, Op::MulScalar(c), move |v| v * c)
}

/// `g * d` recorded with `deps` as further inputs (see [`Op::ScaleBy`]): a
/// derivative that stays connected to the tensors it was computed from.
pub fn scale_by(g: &Tensor, d: Rc<Array>, deps: &[Tensor]) -> Result<Tensor, TensorError> {
    let data = zip_with(&g.data_ref(), &d, "*", |x, y| x * y)?;
    let mut inputs: Vec<&Tensor> = Vec::with_capacity(deps.len() + 1);
    inputs.push(g);
    inputs.extend(deps.iter());
    Ok(Tensor::record(data, Op::ScaleBy(d), &inputs))
}

/// PyTorch's elementwise binary cross-entropy,
/// `(t - 1)·max(log(1 - p), -100) - t·max(log p, -100)`.
pub fn binary_cross_entropy(p: &Tensor, t: &Tensor) -> Result<Tensor, TensorError> {
    binary(
        p,
        t,
        Op::BinaryCrossEntropy,
        "binary_cross_entropy",
        |p, t| (t - 1.0) * (-p).ln_1p().max(-100.0) - t * p.ln().max(-100.0),
    )
}

/// A 0/1 mask of `x`'s shape, not recorded.
pub fn mask(x: &Array, f: impl Fn(f64) -> bool) -> Tensor {
    Tensor::constant(x.mapv(|v| if f(v) { 1.0 } else { 0.0 }))
}

/// A constant tensor of `shape` filled with `value`.
pub fn full(shape: &[usize], value: f64) -> Result<Tensor, TensorError> {
    checked_numel(shape)?;
    Ok(Tensor::constant(filled(shape, value)))
}

/// An array of `shape` (in standard layout) filled with `value`; up to two axes
/// through ndarray's fixed-rank constructors, which compute no strides at run time.
pub fn filled(shape: &[usize], value: f64) -> Array {
    match *shape {
        [] => ndarray::arr0(value).into_dyn(),
        [n] => ndarray::Array1::from_elem(n, value).into_dyn(),
        [n, m] => ndarray::Array2::from_elem((n, m), value).into_dyn(),
        _ => ArrayD::from_elem(IxDyn(shape), value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Axis;

    /// A large array (above the parallel threshold, not a whole number of chunks)
    /// with varied values, and its transpose (not contiguous).
    fn large() -> (Array, Array) {
        let (r, c) = (PARALLEL_CHUNK / 64 * 3 + 7, 67);
        assert!(r * c > PARALLEL_MIN_ELEMENTS && (r * c) % PARALLEL_CHUNK != 0);
        let a = Array::from_shape_fn(IxDyn(&[r, c]), |i| {
            ((i[0] * 31 + i[1] * 7) % 101) as f64 / 10.0 - 5.0
        });
        let t = a.clone().reversed_axes();
        (a, t)
    }

    fn same(x: &Array, y: &Array) {
        assert_eq!(x.shape(), y.shape());
        for (a, b) in x.iter().zip(y.iter()) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
    }

    #[test]
    fn the_parallel_driver_gives_each_element_its_own_value() {
        let (a, t) = large();
        for x in [&a, &t] {
            same(&map(x, |v| v * 3.0 + 1.0), &x.mapv(|v| v * 3.0 + 1.0));
            same(
                &map_kernel(x, |xs| xs.iter_mut().for_each(|v| *v = v.exp()), f64::exp),
                &x.mapv(f64::exp),
            );
        }
        let b = a.mapv(|v| v * 0.5 - 2.0);
        same(
            &map2(&a, &b, |x, y| x * y - x),
            &Zip::from(&a).and(&b).map_collect(|&x, &y| x * y - x),
        );
        let tb = b.clone().reversed_axes();
        same(
            &map2(&t, &tb, |x, y| x - y),
            &Zip::from(&t).and(&tb).map_collect(|&x, &y| x - y),
        );
        let mut m = a.clone();
        assert!(zip_in_place(&mut m, &b, |x, y| x + 2.0 * y));
        same(&m, &Zip::from(&a).and(&b).map_collect(|&x, &y| x + 2.0 * y));
        let mut s = a.clone();
        map_slice_in_place(s.as_slice_mut().unwrap(), |v| -v);
        same(&s, &a.mapv(|v| -v));
        assert_eq!(a.len_of(Axis(0)), t.len_of(Axis(1)));
    }
}
