//! The backward rules: each operation's vector-Jacobian product (`vjp`), one
//! arm per `Op` with its math in a comment, written once for both backward
//! passes. The common rules are generic over how a pass holds its gradients
//! ([`Gradients`]): as recorded tensors (so that with `create_graph` the backward
//! pass is itself recorded and can be differentiated again) or as plain data
//! (`plain.rs`: in place when a buffer is not shared, one number for the
//! gradient of a full sum). The other rules are written on tensors
//! ([`vjp_tensors`]), which a plain pass reaches through [`Gradients::to_tensor`].

use super::elementwise::{self as ew, zip_with};
use super::few::{few, Few};
use super::reduce::arg_extreme;
use super::shape::reduced_shape;
use super::shape_ops::{
    broadcast_to, gather_rows, index, index_backward, narrow, permute, reshape, scatter_rows,
    sum_to,
};
use super::{Array, Node, Op, Tensor, TensorError, Unary};
use ndarray::{Axis, Dimension, IxDyn};
use std::rc::Rc;

/// How a backward pass holds its gradients (as dfdx's tape and `NoneTape`): as
/// tensors that may be recorded (`Recorded`, for `create_graph`), or as plain
/// data with no tensor per intermediate gradient (`Plain`, recording off). The
/// rules of [`vjp`] are written once with the operations below; each
/// representation computes them with the same arithmetic, so both give the
/// same bits.
pub(super) trait Gradients {
    /// One gradient.
    type G: Clone;
    /// A value a rule reads (an input or the result of the operation).
    type V;
    /// `g` as a tensor, for user code (hooks, custom backward clauses) and the
    /// rules written on tensors.
    fn to_tensor(g: Self::G) -> Tensor;
    /// A tensor that user code or a rule on tensors returned, as a gradient.
    fn from_tensor(t: Tensor) -> Self::G;
    /// The values of `g`.
    fn values(g: &Self::G) -> Rc<Array>;
    /// Whether `g` holds no NaN and no infinity.
    fn is_finite(g: &Self::G) -> bool;
    /// `acc + ig`.
    fn accumulate(acc: Self::G, ig: Self::G) -> Result<Self::G, TensorError>;
    /// The value of input `i` of `node`, as a rule reads it.
    fn input(node: &Node, i: usize, create_graph: bool) -> Result<Self::V, TensorError>;
    /// The result of the operation, as a rule reads it.
    fn output(out: &Tensor) -> Self::V;
    /// `g * v`, broadcasting.
    fn mul(g: Self::G, v: &Self::V) -> Result<Self::G, TensorError>;
    /// `-g`.
    fn neg(g: Self::G) -> Self::G;
    /// `g * c` for a number `c`.
    fn mul_scalar(g: Self::G, c: f64) -> Self::G;
    /// `g * (x * 2)`, the gradient through `x²`.
    fn square_grad(g: Self::G, x: &Self::V) -> Result<Self::G, TensorError>;
    /// `g * (1 - y²)` through `y = tanh(x)` (`ew::tanh_grad`).
    fn tanh_grad(g: Self::G, y: &Self::V) -> Result<Self::G, TensorError>;
    /// `g * (1 - y) * y` through `y = sigmoid(x)` (`ew::sigmoid_grad`).
    fn sigmoid_grad(g: Self::G, y: &Self::V) -> Result<Self::G, TensorError>;
    /// `g` summed back to `shape` (it was broadcast on the way forward).
    fn sum_to(g: Self::G, shape: &[usize]) -> Result<Self::G, TensorError>;
    /// The gradient of a reduction of `x` over `axes` (all when `None`),
    /// broadcast back to `x`'s shape.
    fn expand(
        g: Self::G,
        x: &Rc<Array>,
        axes: Option<&[usize]>,
        keepdim: bool,
    ) -> Result<Self::G, TensorError>;
    /// `g · bᵀ` over the last two axes.
    fn times_transposed(g: Self::G, b: &Self::V) -> Result<Self::G, TensorError>;
    /// `aᵀ · g` over the last two axes.
    fn transposed_times(a: &Self::V, g: Self::G) -> Result<Self::G, TensorError>;
}

/// The value of input `i` of `node` as a tensor: the recorded input itself when
/// the backward pass is recorded, else a constant holding its saved data. The
/// recorded input must still hold the saved data: after `replace_data` it
/// would silently give the derivative at the new value (PyTorch errors too).
pub(super) fn recorded_input(
    node: &Node,
    i: usize,
    create_graph: bool,
) -> Result<Tensor, TensorError> {
    let freed = || TensorError::Freed {
        freed_by: node.freed_by().unwrap_or_default(),
        node_span: node.span,
    };
    let saved = node.saved(i).ok_or_else(freed)?;
    if create_graph {
        let t = node.input(i).ok_or_else(freed)?;
        if !Rc::ptr_eq(&saved, &t.data()) {
            return Err(TensorError::Other(format!(
                "an input of {} was replaced in place after it was used; \
                 its gradient cannot be recorded (create_graph) from the old value",
                node.op.describe()
            )));
        }
        Ok(t)
    } else {
        // Recording is off: the input itself serves when it still holds the
        // saved data (no new tensor), else a constant holding the saved data.
        match node.input(i) {
            Some(t) if Rc::ptr_eq(&saved, &t.data_ref()) => Ok(t),
            _ => Ok(Tensor::constant_rc(saved)),
        }
    }
}

/// The gradient flowing into each input of `node` (the operation that made
/// `out`), given the gradient `g` of `out` (`None` for inputs that do not
/// require grad), held as `R` holds gradients.
pub(super) fn vjp<R: Gradients>(
    out: &Tensor,
    node: &Node,
    g: R::G,
    create_graph: bool,
) -> Result<Few<Option<R::G>>, TensorError> {
    let freed = || TensorError::Freed {
        freed_by: node.freed_by().unwrap_or_default(),
        node_span: node.span,
    };
    let data = |i: usize| -> Result<Rc<Array>, TensorError> { node.saved(i).ok_or_else(freed) };
    let input = |i: usize| R::input(node, i, create_graph);
    let needs = |i: usize| node.input_requires_grad(i);
    Ok(match &node.op {
        // d(a+b)/da = 1, d(a+b)/db = 1, each summed back to its input's shape;
        // d(a-b)/db = -1
        Op::Add | Op::Sub => {
            let first = match needs(0) {
                true => Some(R::sum_to(g.clone(), data(0)?.shape())?),
                false => None,
            };
            let second = match needs(1) {
                true => {
                    let g = match node.op {
                        Op::Sub => R::neg(g),
                        _ => g,
                    };
                    Some(R::sum_to(g, data(1)?.shape())?)
                }
                false => None,
            };
            few![first, second]
        }
        // d(ab)/da = b, d(ab)/db = a
        Op::Mul => {
            let first = match needs(0) {
                true => Some(R::sum_to(R::mul(g.clone(), &input(1)?)?, data(0)?.shape())?),
                false => None,
            };
            let second = match needs(1) {
                true => Some(R::sum_to(R::mul(g, &input(0)?)?, data(1)?.shape())?),
                false => None,
            };
            few![first, second]
        }
        Op::AddScalar(_) | Op::SubScalar(_) => few![Some(g)],
        Op::MulScalar(c) => few![Some(R::mul_scalar(g, *c))],
        // d(-x) = -1
        Op::Neg => few![Some(R::neg(g))],
        // d x² = 2x, as g * (x * 2) (2 * x¹ is 2 * x exactly; one operation fewer)
        Op::PowScalar(p) if *p == 2.0 => few![Some(R::square_grad(g, &input(0)?)?)],
        // d exp(x) = exp(x)
        Op::Unary(Unary::Exp) => few![Some(R::mul(g, &R::output(out))?)],
        // d tanh(x) = 1 - tanh(x)²
        // (one recorded operation, tanh_grad, so that it costs one pass)
        Op::Unary(Unary::Tanh) => few![Some(R::tanh_grad(g, &R::output(out))?)],
        // d σ(x) = σ(x)(1 - σ(x)), as the one operation sigmoid_grad
        Op::Unary(Unary::Sigmoid) => few![Some(R::sigmoid_grad(g, &R::output(out))?)],
        // d sum = 1 for every summed element: the gradient is broadcast back.
        Op::Sum { axes, keepdim } => {
            few![Some(R::expand(g, &data(0)?, axes.as_deref(), *keepdim)?)]
        }
        // d mean = 1/n
        Op::Mean { axes, keepdim } => {
            let x = data(0)?;
            let s = x.shape();
            let n: usize = match axes {
                None => s.iter().product(),
                Some(a) => a.iter().filter_map(|&i| s.get(i)).product(),
            };
            let e = R::expand(g, &x, axes.as_deref(), *keepdim)?;
            few![Some(R::mul_scalar(e, 1.0 / n.max(1) as f64))]
        }
        // C = A·B: dA = G·Bᵀ, dB = Aᵀ·G, each summed over broadcast batch axes.
        Op::MatMul => {
            let (a, b) = (input(0)?, input(1)?);
            let first = match needs(0) {
                true => Some(R::sum_to(
                    R::times_transposed(g.clone(), &b)?,
                    data(0)?.shape(),
                )?),
                false => None,
            };
            let second = match needs(1) {
                true => Some(R::sum_to(R::transposed_times(&a, g)?, data(1)?.shape())?),
                false => None,
            };
            few![first, second]
        }
        _ => {
            let grads = vjp_tensors(out, node, &R::to_tensor(g), create_graph)?;
            grads.into_map(|ig| ig.map(R::from_tensor))
        }
    })
}

/// The rules written on tensors (every operation [`vjp`] does not handle).
fn vjp_tensors(
    out: &Tensor,
    node: &Node,
    g: &Tensor,
    create_graph: bool,
) -> Result<Few<Option<Tensor>>, TensorError> {
    let freed = || TensorError::Freed {
        freed_by: node.freed_by().unwrap_or_default(),
        node_span: node.span,
    };
    let data = |i: usize| -> Result<Rc<Array>, TensorError> { node.saved(i).ok_or_else(freed) };
    let input = |i: usize| recorded_input(node, i, create_graph);
    let shape = |i: usize| -> Result<Vec<usize>, TensorError> { Ok(data(i)?.shape().to_vec()) };
    // The result itself (with recording off, operations on it are not recorded).
    let output = || -> Result<Tensor, TensorError> { Ok(out.clone()) };
    let needs = |i: usize| node.input_requires_grad(i);
    let scalar = Tensor::scalar;
    let one = |r: Result<Tensor, TensorError>| r.map(Some);
    // The gradient `grad()` of input `i`, computed only if the input needs it.
    let if_needed = |i: usize,
                     grad: &dyn Fn() -> Result<Tensor, TensorError>|
     -> Result<Option<Tensor>, TensorError> {
        if needs(i) {
            grad().map(Some)
        } else {
            Ok(None)
        }
    };
    // The gradient `grad()` of input `i`, summed back to the input's shape (it
    // was broadcast on the way forward), computed only if the input needs it.
    let to_input = |i: usize,
                    grad: &dyn Fn() -> Result<Tensor, TensorError>|
     -> Result<Option<Tensor>, TensorError> {
        if_needed(i, &|| sum_to(&grad()?, data(i)?.shape()))
    };

    Ok(match &node.op {
        // d(a/b)/da = 1/b, d(a/b)/db = -a/b², computed as PyTorch does, -g·((a/b)/b)
        // (b·b would lose the sign of a -0 and give NaN where PyTorch gives inf)
        Op::Div => {
            let b = input(1)?;
            few![
                to_input(0, &|| ew::div(g, &b))?,
                to_input(1, &|| {
                    let q = ew::mul(g, &ew::div(&ew::div(&input(0)?, &b)?, &b)?)?;
                    Ok(ew::neg(&q))
                })?,
            ]
        }
        // d(a^b)/da = b·a^(b-1), taken as 0 where b = 0; d(a^b)/db = a^b·ln a, taken
        // as 0 where a = 0 and b >= 0. Both as PyTorch's pow_backward_self/_exponent:
        // a selection of the full formula, so that a second derivative through the
        // unselected branch is NaN where PyTorch's is (0 · ln 0).
        Op::Pow => {
            let (a, b) = (input(0)?, input(1)?);
            few![
                to_input(0, &|| {
                    let bm1 = ew::sub(&b, &scalar(1.0))?;
                    let d = ew::mul(&b, &ew::pow(&a, &bm1)?)?;
                    let nonzero_b = zip_with(&*data(0)?, &*data(1)?, "**", |_, y| {
                        if y == 0.0 {
                            0.0
                        } else {
                            1.0
                        }
                    })?;
                    select(&ew::mul(g, &d)?, nonzero_b)
                })?,
                to_input(1, &|| {
                    let keep = zip_with(&*data(0)?, &*data(1)?, "**", |x, y| {
                        if x == 0.0 && y >= 0.0 {
                            0.0
                        } else {
                            1.0
                        }
                    })?;
                    let d = select(&ew::mul(&output()?, &ew::log(&a))?, keep)?;
                    ew::mul(g, &d)
                })?,
            ]
        }
        // remainder(a, b) = a - floor(a/b)·b: d/da = 1, d/db = -floor(a/b) (PyTorch's
        // floor division: -1 // inf is -1)
        Op::Rem => few![
            to_input(0, &|| Ok(g.clone()))?,
            to_input(1, &|| {
                let fl = zip_with(&*data(0)?, &*data(1)?, "%", |x, y| {
                    -super::scalar::floor_div(x, y)
                })?;
                let deps = [input(0)?, input(1)?];
                times_derivative(g, fl, &deps, create_graph)
            })?,
        ],
        // The larger (smaller) input gets the gradient; ties share it equally.
        Op::Maximum | Op::Minimum => {
            let want_max = matches!(node.op, Op::Maximum);
            let (a, b) = (data(0)?, data(1)?);
            // As PyTorch: where(a == b, g/2, g), zeroed where a loses; a NaN on
            // either side loses no comparison, so both inputs get the gradient.
            let share = |x: f64, y: f64| {
                if x == y {
                    0.5
                } else if (want_max && x < y) || (!want_max && x > y) {
                    0.0
                } else {
                    1.0
                }
            };
            // The gradient of the input `x` whose rival is `y`.
            let wins = |x: &Array, y: &Array| {
                let m = zip_with(x, y, "maximum", share)?;
                select(&ew::mul(g, &Tensor::constant(m.clone()))?, m)
            };
            few![
                to_input(0, &|| wins(&a, &b))?,
                to_input(1, &|| wins(&b, &a))?,
            ]
        }
        // where(c, a, b): the gradient goes to a where c holds, to b elsewhere.
        Op::Where(mask) => {
            let m = Tensor::constant_rc(mask.clone());
            few![
                to_input(0, &|| ew::where_(&m, g, &scalar(0.0)))?,
                to_input(1, &|| ew::where_(&m, &scalar(0.0), g))?,
            ]
        }
        // d ln(x) = 1/x
        Op::Unary(Unary::Log) => few![one(ew::div(g, &input(0)?))?],
        // d sqrt(x) = 1 / (2 sqrt(x))
        Op::Unary(Unary::Sqrt) => few![one(ew::div(g, &ew::mul(&output()?, &scalar(2.0))?))?],
        // d|x| = sign(x), 0 at 0
        Op::Unary(Unary::Abs) => {
            let d = data(0)?.mapv(super::scalar::sign);
            few![one(times_derivative(g, d, &[input(0)?], create_graph))?]
        }
        // d sin(x) = cos(x)
        Op::Unary(Unary::Sin) => few![one(ew::mul(g, &ew::cos(&input(0)?)))?],
        // d cos(x) = -sin(x)
        Op::Unary(Unary::Cos) => few![one(ew::mul(g, &ew::neg(&ew::sin(&input(0)?))))?],
        // t = g(1 - y²): dt/dg = 1 - y², dt/dy = -2gy
        Op::TanhGrad => {
            let (gi, y) = (input(0)?, input(1)?);
            few![
                if_needed(0, &|| ew::tanh_grad(g, &y))?,
                to_input(1, &|| {
                    let d = ew::mul(&ew::mul(&gi, &y)?, &scalar(-2.0))?;
                    ew::mul(g, &d)
                })?,
            ]
        }
        // s = g·y(1 - y): ds/dg = y(1 - y), ds/dy = g(1 - 2y)
        Op::SigmoidGrad => {
            let (gi, y) = (input(0)?, input(1)?);
            few![
                if_needed(0, &|| ew::sigmoid_grad(g, &y))?,
                to_input(1, &|| {
                    let one_minus_2y = ew::sub(&scalar(1.0), &ew::mul(&y, &scalar(2.0))?)?;
                    let d = ew::mul(&gi, &one_minus_2y)?;
                    ew::mul(g, &d)
                })?,
            ]
        }
        // d relu(x) = 1 where x > 0, else 0 (0 at the kink, as PyTorch)
        // (recorded as connected to x, so that a second derivative is 0, not refused)
        // (PyTorch's threshold_backward: zero where x <= 0, so NaN passes, and a
        // selection, so an infinite gradient there gives 0, not NaN)
        Op::Unary(Unary::Relu) => {
            let d = data(0)?.mapv(|v| if v <= 0.0 { 0.0 } else { 1.0 });
            let r = times_derivative(g, d.clone(), &[input(0)?], create_graph)?;
            few![one(
                select(&r, d).map(|t| t.renamed("ThresholdBackwardBackward"))
            )?]
        }
        // d leaky_relu(x) = 1 where x > 0, else slope
        Op::LeakyRelu(slope) => {
            let s = *slope;
            let d = data(0)?.mapv(|v| if v > 0.0 { 1.0 } else { s });
            few![one(times_derivative(g, d, &[input(0)?], create_graph)
                .map(|t| t.renamed("LeakyReluBackwardBackward")))?]
        }
        // d softplus(x) = σ(x) (1 above the linear threshold 20)
        Op::Unary(Unary::Softplus) => {
            // σ(x)·(x <= 20) + (x > 20): PyTorch's double backward multiplies by
            // the mask (an infinite gradient in the linear part gives NaN there).
            let x = input(0)?;
            let lin = data(0)?.mapv(|v| if v > 20.0 { 1.0 } else { 0.0 });
            let curved = Tensor::constant(lin.mapv(|l| 1.0 - l));
            let d = ew::add(&ew::mul(&ew::sigmoid(&x), &curved)?, &Tensor::constant(lin))?;
            few![one(ew::mul(g, &d))?]
        }
        // d clamp(x) = 1 where min < x < max, else 0 (0 at a bound, as PyTorch 2)
        Op::Clamp(lo, hi) => {
            let (lo, hi) = (*lo, *hi);
            let m = data(0)?.mapv(|v| {
                if lo.is_none_or(|l| v > l) && hi.is_none_or(|h| v < h) {
                    1.0
                } else {
                    0.0
                }
            });
            few![one(select(g, m))?]
        }
        // sign is flat: its gradient is 0 everywhere
        Op::Unary(Unary::Sign) => few![Some(ew::full(data(0)?.shape(), 0.0)?)],
        // As PyTorch: "derivative for aten::floor_divide is not implemented".
        Op::FloorDivide => {
            return Err(TensorError::NoDerivative {
                op: "`//` (floor_divide)",
                span: node.span,
            })
        }
        // d x^p = p·x^(p-1)
        Op::PowScalar(p) => {
            let p = *p;
            if p == 0.0 {
                few![Some(ew::full(data(0)?.shape(), 0.0)?)]
            } else {
                let d = ew::mul_scalar(&ew::pow_scalar(&input(0)?, p - 1.0), p);
                few![one(ew::mul(g, &d))?]
            }
        }
        // A full max/min: shared evenly among the elements equal to it.
        Op::MaxAll | Op::MinAll => {
            let x = data(0)?;
            let v = out.item().unwrap_or(f64::NAN);
            // A NaN max came from the NaN elements: they share it (as PyTorch).
            let hit = |e: f64| if v.is_nan() { e.is_nan() } else { e == v };
            let ties = x.iter().filter(|&&e| hit(e)).count().max(1) as f64;
            let m = x.mapv(|e| if hit(e) { 1.0 / ties } else { 0.0 });
            // masked_fill, as PyTorch: a NaN or infinite g gives 0 off the maximum.
            few![one(select(&ew::mul(&Tensor::constant(m.clone()), g)?, m))?]
        }
        // Along an axis: to the selected (first) element.
        Op::MaxAxis { axis, keepdim } | Op::MinAxis { axis, keepdim } => {
            let x = data(0)?;
            let want_max = matches!(node.op, Op::MaxAxis { .. });
            let idx = arg_extreme(&x, *axis, want_max)?.insert_axis(Axis(*axis));
            let mut m = Array::zeros(x.raw_dim());
            for (pos, v) in m.indexed_iter_mut() {
                let mut p: Vec<usize> = pos.slice().to_vec();
                let k = p[*axis];
                p[*axis] = 0;
                if idx.get(IxDyn(&p)).is_some_and(|&i| i as usize == k) {
                    *v = 1.0;
                }
            }
            let e = expand_reduced(g, x.shape(), Some(&[*axis]), *keepdim)?;
            few![one(select(&e, m))?]
        }
        // d prod = prod / x_i (the product of the others, computed directly where x has zeros;
        // the gradient itself for prod(x) of a 0-d x)
        Op::Prod { axis, keepdim } => {
            let x = data(0)?;
            let axes = axis.map(|a| vec![a]);
            let e = expand_reduced(g, x.shape(), axes.as_deref(), *keepdim)?;
            if x.ndim() == 0 && axis.is_none() {
                // The product of one element is the element: PyTorch's prod(x)
                // passes the gradient through (prod(x, dim) of a 0-d x does not).
                few![Some(e)]
            } else if x.iter().all(|&v| v != 0.0) {
                let out = expand_reduced(&output()?, x.shape(), axes.as_deref(), *keepdim)?;
                few![one(ew::mul(&e, &ew::div(&out, &input(0)?)?))?]
            } else if create_graph {
                few![one(ew::mul(
                    &e,
                    &recorded_product_of_others(&input(0)?, *axis)?,
                ))?]
            } else {
                // The same arithmetic as under `create_graph` (on a constant, so not
                // recorded): the two passes give the same bits. A lane too long for
                // that (its square past the size limit) takes the linear way.
                let c = Tensor::constant_rc(x.clone());
                let others = match recorded_product_of_others(&c, *axis) {
                    Ok(others) => others,
                    Err(_) => Tensor::constant(product_of_others(&x, *axis)),
                };
                few![one(ew::mul(&e, &others))?]
            }
        }
        // d ||x|| = x / ||x||, taken as 0 at 0
        Op::Norm => {
            let n = output()?;
            if n.item() == Some(0.0) {
                few![Some(ew::full(data(0)?.shape(), 0.0)?)]
            } else {
                few![one(ew::mul(&input(0)?, &ew::div(g, &n)?))?]
            }
        }
        Op::Reshape => few![one(reshape(g, data(0)?.shape()))?],
        // The inverse permutation undoes it.
        Op::Permute(perm) => {
            let mut inv = vec![0; perm.len()];
            for (i, &p) in perm.iter().enumerate() {
                if let Some(slot) = inv.get_mut(p) {
                    *slot = i;
                }
            }
            few![one(permute(g, &inv))?]
        }
        Op::BroadcastTo(_) => few![one(sum_to(g, data(0)?.shape()))?],
        Op::SumTo(_) => few![one(broadcast_to(g, data(0)?.shape()))?],
        // Indexing scatters the gradient back into zeros of the input's shape.
        Op::Index(items) => few![one(index_backward(g, data(0)?.shape(), items.clone()))?],
        Op::IndexBackward { items, .. } => few![one(index(g, items.clone()))?],
        // Gathered rows send their gradient back to where they came from; a row
        // taken twice receives the sum.
        Op::Gather(rows) => {
            let n = data(0)?.shape().first().copied().unwrap_or(0);
            few![one(scatter_rows(g, rows.clone(), n))?]
        }
        Op::ScatterRows { rows, .. } => few![one(gather_rows(g, rows.clone()))?],
        // x[idx] = v: x's old values get the gradient where nothing was written;
        // v gets the written positions' gradient, summed over its broadcasting.
        Op::IndexPut {
            positions,
            shape: sel,
        } => {
            let xs = shape(0)?;
            let gx = if_needed(0, &|| {
                let mut keep = ew::filled(&xs, 1.0);
                if let Some(flat) = keep.as_slice_mut() {
                    for &p in positions.iter() {
                        if let Some(k) = flat.get_mut(p) {
                            *k = 0.0;
                        }
                    }
                }
                ew::mul(g, &Tensor::constant(keep))
            })?;
            let gv = to_input(1, &|| {
                let n: usize = xs.iter().product();
                let flat = reshape(g, &[n])?;
                reshape(&gather_rows(&flat, positions.clone())?, sel)
            })?;
            few![gx, gv]
        }
        // Each input gets its own slice of the gradient along the axis.
        Op::Concat(axis) => {
            let mut out = Vec::with_capacity(node.inputs.len());
            let mut offset = 0;
            for i in 0..node.inputs.len() {
                let s = shape(i)?;
                let (start, end) = (offset, offset + s.get(*axis).copied().unwrap_or(0));
                offset = end;
                out.push(if_needed(i, &|| narrow(g, *axis, start, end))?);
            }
            Few::from(out)
        }
        // Inputs g, deps...: d/dg = d (still connected), d/d deps = 0.
        Op::ScaleBy(d) => {
            let deps: Vec<Tensor> = (1..node.inputs.len())
                .filter_map(|i| node.input(i))
                .collect();
            let mut out = Vec::with_capacity(node.inputs.len());
            out.push(to_input(0, &|| ew::scale_by(g, d.clone(), &deps))?);
            for i in 1..node.inputs.len() {
                out.push(if_needed(i, &|| ew::full(&shape(i)?, 0.0))?);
            }
            Few::from(out)
        }
        // l = (t - 1)·log(1 - p) - t·log p: dl/dp = (p - t) / max(p(1 - p), ε), ε = 1e-12 as f32
        // (PyTorch's guard at 0 and 1), dl/dt = log(1 - p) - log p.
        Op::BinaryCrossEntropy => {
            let (p, t) = (input(0)?, input(1)?);
            few![
                to_input(0, &|| {
                    let q = ew::mul(&p, &ew::sub(&scalar(1.0), &p)?)?;
                    // PyTorch's EPSILON is the float 1e-12 (9.99999996e-13 as f64).
                    let q = ew::clamp(&q, Some(f64::from(1e-12_f32)), None);
                    let d = ew::div(&ew::sub(&p, &t)?, &q)?;
                    ew::mul(g, &d)
                })?,
                to_input(1, &|| {
                    let d = ew::sub(&ew::log(&ew::sub(&scalar(1.0), &p)?), &ew::log(&p))?;
                    ew::mul(g, &d)
                })?,
            ]
        }
        // The user's own backward runs in the engine (`backward::node_vjp`),
        // which can call user code; nothing else reaches here with it.
        Op::Custom(op) => {
            return Err(TensorError::Other(format!(
                "the backward of {} cannot run here",
                op.name
            )))
        }
        // Written once for both passes, in `vjp`, which does not come here with them.
        Op::Add
        | Op::Sub
        | Op::Mul
        | Op::AddScalar(_)
        | Op::SubScalar(_)
        | Op::MulScalar(_)
        | Op::Neg
        | Op::Unary(Unary::Exp | Unary::Tanh | Unary::Sigmoid)
        | Op::Sum { .. }
        | Op::Mean { .. }
        | Op::MatMul => {
            return Err(TensorError::Other(format!(
                "the backward of {} is not a rule on tensors",
                node.op.describe()
            )))
        }
    })
}

/// `g * d` for a derivative `d` (of an input's shape) that is constant in `deps`.
/// Under `create_graph` the product stays connected to `deps` (with derivative
/// zero), as PyTorch's `threshold_backward`, `sgn` and floor division do, so that
/// a second derivative through relu, abs or `%` is 0 rather than refused.
fn times_derivative(
    g: &Tensor,
    d: Array,
    deps: &[Tensor],
    create_graph: bool,
) -> Result<Tensor, TensorError> {
    if create_graph && deps.iter().any(Tensor::requires_grad) {
        ew::scale_by(g, Rc::new(d), deps)
    } else {
        ew::mul(g, &Tensor::constant(d))
    }
}

/// `g` where `m` is non-zero, exactly 0 elsewhere (PyTorch's `where`/`masked_fill`
/// in the backward of relu, clamp, max and where: an infinite or NaN gradient at a
/// position that gets none gives 0, not NaN as multiplying by 0 would).
fn select(g: &Tensor, m: Array) -> Result<Tensor, TensorError> {
    if m.iter().all(|&v| v != 0.0) {
        return Ok(g.clone());
    }
    ew::where_(&Tensor::constant(m), g, &Tensor::scalar(0.0))
}

/// The gradient of a reduction, broadcast back to the input's shape.
pub(super) fn expand_reduced(
    g: &Tensor,
    in_shape: &[usize],
    axes: Option<&[usize]>,
    keepdim: bool,
) -> Result<Tensor, TensorError> {
    let g = if keepdim || axes.is_none() {
        g.clone()
    } else {
        reshape(g, &reduced_shape(in_shape, axes, true))?
    };
    let g = if keepdim && axes.is_none() && g.ndim() != in_shape.len() {
        reshape(&g, &vec![1; in_shape.len()])?
    } else {
        g
    };
    broadcast_to(&g, in_shape)
}

/// For each element, the product of the others along `axis` (all when `None`).
fn product_of_others(x: &Array, axis: Option<usize>) -> Array {
    let mut out = x.clone();
    match axis {
        None => {
            let vals: Vec<f64> = x.iter().copied().collect();
            let others = exclusive_products(&vals);
            for (o, v) in out.iter_mut().zip(others) {
                *o = v;
            }
        }
        Some(ax) => {
            for mut lane in out.lanes_mut(Axis(ax)) {
                let vals: Vec<f64> = lane.iter().copied().collect();
                for (o, v) in lane.iter_mut().zip(exclusive_products(&vals)) {
                    *o = v;
                }
            }
        }
    }
    out
}

/// `product_of_others` as recorded operations, so that it can be differentiated
/// again: along a new axis `i` beside `axis` (`j`), `others_i = prod_j where(i == j, 1, x_j)`.
fn recorded_product_of_others(x: &Tensor, axis: Option<usize>) -> Result<Tensor, TensorError> {
    let (lanes, ax) = match axis {
        Some(a) => (x.clone(), a),
        None => (reshape(x, &[x.numel()])?, 0),
    };
    let s = lanes.shape();
    let n = s[ax];
    let (mut one_i, mut wide) = (s.clone(), s.clone());
    one_i.insert(ax, 1);
    wide.insert(ax, n);
    let spread = broadcast_to(&reshape(&lanes, &one_i)?, &wide)?;
    let mut eye_shape = vec![1; wide.len()];
    eye_shape[ax] = n;
    eye_shape[ax + 1] = n;
    let eye = Array::from_shape_fn(IxDyn(&eye_shape), |p| {
        if p[ax] == p[ax + 1] {
            1.0
        } else {
            0.0
        }
    });
    let masked = ew::where_(&Tensor::constant(eye), &Tensor::scalar(1.0), &spread)?;
    reshape(
        &super::reduce::prod(&masked, Some(ax + 1), false),
        &x.shape(),
    )
}

fn exclusive_products(v: &[f64]) -> Vec<f64> {
    let n = v.len();
    let mut prefix = vec![1.0; n + 1];
    for i in 0..n {
        prefix[i + 1] = prefix[i] * v[i];
    }
    let mut out = vec![1.0; n];
    let mut suffix = 1.0;
    for i in (0..n).rev() {
        out[i] = prefix[i] * suffix;
        suffix *= v[i];
    }
    out
}
