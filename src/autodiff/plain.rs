//! Gradients as plain data, for a backward pass that is not recorded (no
//! `create_graph`): the [`Gradients`] operations that the rules of `vjp.rs` are
//! written with, computed on arrays with the same arithmetic as the tensor
//! operations, element for element and in the same order (so the same bits),
//! without a tensor per intermediate gradient, in the gradient's own buffer when
//! it is not shared, and with the gradient of a full sum kept as one number
//! ([`Values::Filled`]) until an operation needs it as an array.

use super::elementwise::{self as ew, same_shape, zip_with, PARALLEL_MIN_ELEMENTS};
use super::linalg::{matmul_transposed, product_transposed};
use super::scalar;
use super::shape_ops::sum_to_array;
use super::vjp::{expand_reduced, Gradients};
use super::{current_span, Array, Node, Tensor, TensorError};
use crate::source::Span;
use std::rc::Rc;

/// A gradient in a pass that is not recorded: its values, and the span of the
/// tensor the rules on tensors would have made for it (where it was computed).
pub(super) type Grad = (Values, Span);

/// The values of a gradient: an array, or one number at every position (the
/// gradient of a full sum or mean), which is not written out until a rule
/// needs it as an array. The operations below give the same bits either way.
#[derive(Clone, Debug)]
pub(super) enum Values {
    Dense(Rc<Array>),
    /// `v` at every position of an array of the gradient's shape (`like`, whose
    /// own values are not read: it is the saved input the gradient is for).
    Filled {
        like: Rc<Array>,
        v: f64,
    },
}

impl Values {
    /// The values as an array (written out when filled).
    pub(super) fn into_dense(self) -> Rc<Array> {
        match self {
            Values::Dense(a) => a,
            Values::Filled { like, v } => Rc::new(filled_like(&like, v)),
        }
    }

    /// [`Values::into_dense`] of a copy (the array itself shared when dense).
    pub(super) fn to_dense(&self) -> Rc<Array> {
        self.clone().into_dense()
    }

    /// The position and value of the first NaN or infinity, in row-major order.
    pub(super) fn first_non_finite(&self) -> Option<(usize, f64)> {
        match self {
            Values::Dense(a) => first_non_finite(a),
            Values::Filled { like, v } => (!v.is_finite() && !like.is_empty()).then_some((0, *v)),
        }
    }
}

/// The position and value of the first NaN or infinity of `a`, in row-major order.
pub(super) fn first_non_finite(a: &Array) -> Option<(usize, f64)> {
    let found = |(i, v): (usize, &f64)| (!v.is_finite()).then_some((i, *v));
    if a.len() == 1 {
        // One value (a scalar's gradient): no test of the layout.
        return a.first().and_then(|v| found((0, v)));
    }
    match ew::std_slice(a) {
        // Contiguous (nearly always): a plain scan, no n-d iterator.
        Some(xs) => xs.iter().enumerate().find_map(found),
        None => a.iter().enumerate().find_map(found),
    }
}

/// `f` of each element of `g`, in `g`'s own buffer when nothing else shares it
/// (and it is in standard layout), else in a new array as `ew::map`.
fn map_owned(mut g: Rc<Array>, f: impl Fn(f64) -> f64 + Sync + Send) -> Rc<Array> {
    if let Some(xs) = Rc::get_mut(&mut g).and_then(ew::std_slice_mut) {
        ew::map_slice_in_place(xs, f);
        return g;
    }
    Rc::new(ew::map(&g, f))
}

/// `f(g[i], d[i])`, in `g`'s own buffer when it is not shared and both have one
/// shape and standard layout, else as `ew::zip_with` (broadcasting).
fn zip_owned(
    mut g: Rc<Array>,
    d: &Array,
    name: &'static str,
    f: impl Fn(f64, f64) -> f64 + Sync + Send,
) -> Result<Rc<Array>, TensorError> {
    if same_shape(g.shape(), d.shape()) {
        if let (Some(xs), Some(ys)) = (
            Rc::get_mut(&mut g).and_then(ew::std_slice_mut),
            ew::std_slice(d),
        ) {
            ew::zip_slices_in_place(xs, ys, &f);
            return Ok(g);
        }
    }
    Ok(Rc::new(zip_with(&g, d, name, f)?))
}

/// `ew::filled(x.shape(), v)`: for a small `x` in standard layout, a copy of
/// `x` written over (cheaper than building the shape again); the same array.
fn filled_like(x: &Array, v: f64) -> Array {
    if x.len() < PARALLEL_MIN_ELEMENTS {
        let mut out = x.clone();
        if let Some(xs) = ew::std_slice_mut(&mut out) {
            xs.fill(v);
            return out;
        }
    }
    ew::filled(x.shape(), v)
}

/// A 0-d array of `v`: a copy of one made once per thread (cheaper than
/// making the shape).
fn zero_d(v: f64) -> Array {
    thread_local! {
        static ZERO_D: Array = ndarray::arr0(0.0).into_dyn();
    }
    let mut out = ZERO_D.with(Array::clone);
    if let Some(x) = out.first_mut() {
        *x = v;
    }
    out
}

/// `sum_to`: the gradient itself when it has the shape already, else summed.
fn sum_to(g: Rc<Array>, shape: &[usize]) -> Result<Rc<Array>, TensorError> {
    if same_shape(g.shape(), shape) {
        return Ok(g);
    }
    if shape.is_empty() {
        // To a 0-d input (a bias): the full sum, as `sum_to_array` gives it.
        return Ok(Rc::new(zero_d(super::reduce::sum_all(&g))));
    }
    Ok(Rc::new(sum_to_array(&g, shape)?))
}

/// Gradients as plain data (recording off, no `create_graph`).
pub(super) struct Plain;

/// A gradient computed by an operation (not passed through): it belongs to the
/// operation being differentiated (the current span), as a new tensor would.
fn computed(a: Rc<Array>) -> Grad {
    (Values::Dense(a), current_span())
}

/// `op` on tensors, for the cases the operations below leave to the tensor
/// operations (recording is off: nothing is recorded).
fn on_tensors(
    g: Grad,
    op: impl FnOnce(&Tensor) -> Result<Tensor, TensorError>,
) -> Result<Grad, TensorError> {
    Ok(Plain::from_tensor(op(&Plain::to_tensor(g))?))
}

impl Plain {
    /// `f(g[i], d[i])` (the tensor operation `name`), for a `g` that holds one
    /// number `v` everywhere in `d`'s shape: `f(v, d[i])`, reading only `d`.
    fn zip(
        g: Grad,
        d: &Rc<Array>,
        name: &'static str,
        f: impl Fn(f64, f64) -> f64 + Sync + Send,
    ) -> Result<Grad, TensorError> {
        match g.0 {
            Values::Filled { like, v } if same_shape(like.shape(), d.shape()) => {
                Ok(computed(Rc::new(ew::map(d, move |y| f(v, y)))))
            }
            g => Ok(computed(zip_owned(g.into_dense(), d, name, f)?)),
        }
    }
}

impl Gradients for Plain {
    type G = Grad;
    type V = Rc<Array>;
    fn to_tensor(g: Grad) -> Tensor {
        Tensor::constant_rc_at(g.0.into_dense(), g.1)
    }
    fn from_tensor(t: Tensor) -> Grad {
        (Values::Dense(t.data()), t.span())
    }
    fn values(g: &Grad) -> Rc<Array> {
        g.0.to_dense()
    }
    fn is_finite(g: &Grad) -> bool {
        g.0.first_non_finite().is_none()
    }
    /// Summed into `acc`'s own buffer when nothing else shares it, else into a
    /// new array.
    fn accumulate(acc: Grad, ig: Grad) -> Result<Grad, TensorError> {
        let ig = ig.0.into_dense();
        let (mut a, span) = (acc.0.into_dense(), acc.1);
        if let Some(m) = Rc::get_mut(&mut a) {
            if ew::zip_in_place(m, &ig, |x, y| x + y) {
                return Ok((Values::Dense(a), span));
            }
        }
        Ok(computed(Rc::new(zip_with(&a, &ig, "+", scalar::add)?)))
    }
    fn input(node: &Node, i: usize, _create_graph: bool) -> Result<Rc<Array>, TensorError> {
        node.saved(i).ok_or_else(|| TensorError::Freed {
            freed_by: node.freed_by().unwrap_or_default(),
            node_span: node.span,
        })
    }
    fn output(out: &Tensor) -> Rc<Array> {
        out.data()
    }
    /// A gradient of ones times `y` is `y` itself, shared rather than copied
    /// (`1 * y` is `y` to the bit).
    fn mul(g: Grad, y: &Rc<Array>) -> Result<Grad, TensorError> {
        match g.0 {
            Values::Filled { ref like, v } if v == 1.0 && same_shape(like.shape(), y.shape()) => {
                Ok(computed(y.clone()))
            }
            _ => Plain::zip(g, y, "*", scalar::mul),
        }
    }
    fn neg(g: Grad) -> Grad {
        match g.0 {
            Values::Filled { like, v } => (
                Values::Filled {
                    like,
                    v: scalar::neg(v),
                },
                current_span(),
            ),
            Values::Dense(a) => computed(map_owned(a, scalar::neg)),
        }
    }
    fn mul_scalar(g: Grad, c: f64) -> Grad {
        match g.0 {
            Values::Filled { like, v } => (Values::Filled { like, v: v * c }, current_span()),
            Values::Dense(a) => computed(map_owned(a, move |v| v * c)),
        }
    }
    fn square_grad(g: Grad, x: &Rc<Array>) -> Result<Grad, TensorError> {
        Plain::zip(g, x, "*", scalar::square_grad)
    }
    fn tanh_grad(g: Grad, y: &Rc<Array>) -> Result<Grad, TensorError> {
        Plain::zip(g, y, "tanh backward", scalar::tanh_grad)
    }
    fn sigmoid_grad(g: Grad, y: &Rc<Array>) -> Result<Grad, TensorError> {
        Plain::zip(g, y, "sigmoid backward", scalar::sigmoid_grad)
    }
    /// The gradient itself (and its span) when it has the shape already.
    fn sum_to(g: Grad, shape: &[usize]) -> Result<Grad, TensorError> {
        match &g.0 {
            Values::Filled { like, .. } if same_shape(like.shape(), shape) => Ok(g),
            Values::Dense(a) if same_shape(a.shape(), shape) => Ok(g),
            _ => Ok(computed(sum_to(g.0.into_dense(), shape)?)),
        }
    }
    /// A full reduction's gradient, one number, is kept as one number (filled).
    fn expand(
        g: Grad,
        x: &Rc<Array>,
        axes: Option<&[usize]>,
        keepdim: bool,
    ) -> Result<Grad, TensorError> {
        let one = match &g.0 {
            _ if axes.is_some() => None,
            Values::Dense(a) if a.len() == 1 => {
                if same_shape(a.shape(), x.shape()) {
                    return Ok(g);
                }
                Some(a.first().copied().unwrap_or(f64::NAN))
            }
            Values::Filled { like, v } if like.len() == 1 => Some(*v),
            _ => None,
        };
        match one {
            Some(v) => Ok((Values::Filled { like: x.clone(), v }, current_span())),
            None => on_tensors(g, |g| expand_reduced(g, x.shape(), axes, keepdim)),
        }
    }
    fn times_transposed(g: Grad, b: &Rc<Array>) -> Result<Grad, TensorError> {
        let span = g.1;
        let a = g.0.into_dense();
        match product_transposed(&a, b, false, true) {
            Some(r) => Ok(computed(Rc::new(r?))),
            None => on_tensors((Values::Dense(a), span), |g| {
                matmul_transposed(g, &Tensor::constant_rc(b.clone()), false, true)
            }),
        }
    }
    fn transposed_times(a: &Rc<Array>, g: Grad) -> Result<Grad, TensorError> {
        let span = g.1;
        let b = g.0.into_dense();
        match product_transposed(a, &b, true, false) {
            Some(r) => Ok(computed(Rc::new(r?))),
            None => on_tensors((Values::Dense(b), span), |g| {
                matmul_transposed(&Tensor::constant_rc(a.clone()), g, true, false)
            }),
        }
    }
}
