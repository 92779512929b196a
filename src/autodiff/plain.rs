//! The backward rules of the common operations on plain arrays, for a backward
//! pass that is not recorded (no `create_graph`): the same formulas as `vjp.rs`,
//! element for element and in the same order, without a tensor per
//! intermediate gradient, and in place when the gradient's buffer is not shared.
//! Any other operation (or an unusual case) goes to the rules of `vjp.rs`.

use super::elementwise::{self as ew, zip_with, PARALLEL_MIN_ELEMENTS};
use super::few::Few;
use super::linalg::product_transposed;
use super::scalar;
use super::shape_ops::sum_to_array;
use super::{Array, Node, Op, Tensor, TensorError, Unary};
use crate::source::Span;
use std::rc::Rc;

/// A gradient in a pass that is not recorded: its values, and the span of the
/// tensor the rules of `vjp.rs` would have made for it (where it was computed).
pub(super) type Grad = (Values, Span);

/// The values of a gradient: an array, or one number at every position (the
/// gradient of a full sum or mean), which is not written out until a rule
/// needs it as an array. The rules below give the same bits either way.
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

/// The gradient of each input of `node`, as [`super::vjp`] gives them but as
/// plain data. `g` is the gradient of `out`; recording must be off.
pub(super) fn vjp_plain(
    out: &Tensor,
    node: &Node,
    g: Grad,
) -> Result<Few<Option<Grad>>, TensorError> {
    let (g, g_span) = match g {
        (Values::Filled { like, v }, g_span) => match filled_rule(out, node, &like, v, g_span)? {
            Some(grads) => return Ok(grads),
            None => (Values::Filled { like, v }.into_dense(), g_span),
        },
        (Values::Dense(g), g_span) => (g, g_span),
    };
    if let Some(grads) = full_sum_rule(node, &g, g_span) {
        return Ok(grads);
    }
    match fast(out, node, (g, g_span))? {
        Fast::Done(grads) => Ok(grads.into_map(|ig| ig.map(|(a, s)| (Values::Dense(a), s)))),
        Fast::General((g, g_span)) => {
            let gt = Tensor::constant_rc_at(g, g_span);
            let grads = super::vjp::vjp(out, node, &gt, false)?;
            Ok(grads.map(|ig| ig.as_ref().map(|t| (Values::Dense(t.data()), t.span()))))
        }
    }
}

/// A full sum or mean: the one value of the gradient, spread (and / n), as a
/// filled gradient; `None` for any other node.
fn full_sum_rule(node: &Node, g: &Rc<Array>, g_span: Span) -> Option<Few<Option<Grad>>> {
    if !matches!(
        node.op,
        Op::Sum { axes: None, .. } | Op::Mean { axes: None, .. }
    ) || g.len() != 1
    {
        return None;
    }
    let x = node.saved(0)?;
    let s = x.shape();
    let v = g.first().copied().unwrap_or(f64::NAN);
    let r = match node.op {
        Op::Sum { .. } if same_shape(g.shape(), s) => (Values::Dense(g.clone()), g_span),
        Op::Sum { .. } => (Values::Filled { like: x, v }, node.span),
        _ => {
            let n: usize = s.iter().product();
            let c = 1.0 / n.max(1) as f64;
            (Values::Filled { like: x, v: v * c }, node.span)
        }
    };
    Some(Few::One([Some(r)]))
}

/// The rules of [`fast`] for a gradient holding `v` everywhere (in `like`'s shape): the
/// same formulas, with `v` in place of each element of `g` (so the same bits),
/// reading only the saved data. A product with a gradient of ones is the other
/// factor itself, shared rather than copied (`1 * y` is `y` to the bit).
/// `None` for any other case, which the rules for arrays then handle.
fn filled_rule(
    out: &Tensor,
    node: &Node,
    like: &Rc<Array>,
    v: f64,
    g_span: Span,
) -> Result<Option<Few<Option<Grad>>>, TensorError> {
    let at = node.span;
    let needs = |i: usize| node.input(i).is_some_and(|t| t.requires_grad());
    let same = |a: &Array| same_shape(a.shape(), like.shape());
    let filled = |v: f64| Values::Filled {
        like: like.clone(),
        v,
    };
    // `v * y` for every `y` of `d` (`d` itself when `v` is 1).
    let scaled = |d: Rc<Array>| {
        if v == 1.0 {
            d
        } else {
            Rc::new(ew::map(&d, move |y| scalar::mul(v, y)))
        }
    };
    let one = |r: Values, span: Span| Few::One([Some((r, span))]);
    Ok(Some(match &node.op {
        Op::Add | Op::Sub => {
            let (Some(s0), Some(s1)) = (node.saved(0), node.saved(1)) else {
                return Ok(None);
            };
            if !same(&s0) || !same(&s1) {
                return Ok(None);
            }
            let first = needs(0).then(|| (filled(v), g_span));
            let second = needs(1).then(|| {
                if matches!(node.op, Op::Sub) {
                    (filled(scalar::neg(v)), at)
                } else {
                    (filled(v), g_span)
                }
            });
            Few::Two([first, second])
        }
        Op::Mul => {
            let (Some(s0), Some(s1)) = (node.saved(0), node.saved(1)) else {
                return Ok(None);
            };
            if !same(&s0) || !same(&s1) {
                return Ok(None);
            }
            let first = needs(0).then(|| (Values::Dense(scaled(s1)), at));
            let second = needs(1).then(|| (Values::Dense(scaled(s0)), at));
            Few::Two([first, second])
        }
        Op::AddScalar(_) | Op::SubScalar(_) => one(filled(v), g_span),
        Op::MulScalar(c) => one(filled(v * *c), at),
        Op::Neg => one(filled(scalar::neg(v)), at),
        Op::Unary(Unary::Exp) => one(Values::Dense(scaled(out.data())), at),
        Op::PowScalar(p) if *p == 2.0 => {
            let Some(x) = node.saved(0) else {
                return Ok(None);
            };
            let r = ew::map(&x, move |x| scalar::square_grad(v, x));
            one(Values::Dense(Rc::new(r)), at)
        }
        Op::Unary(Unary::Tanh) => {
            let y = out.data();
            let r = ew::map(&y, move |y| scalar::tanh_grad(v, y));
            one(Values::Dense(Rc::new(r)), at)
        }
        Op::Unary(Unary::Sigmoid) => {
            let y = out.data();
            let r = ew::map(&y, move |y| scalar::sigmoid_grad(v, y));
            one(Values::Dense(Rc::new(r)), at)
        }
        _ => return Ok(None),
    }))
}

/// The position and value of the first NaN or infinity of `a`, in row-major order.
pub(super) fn first_non_finite(a: &Array) -> Option<(usize, f64)> {
    let found = |(i, v): (usize, &f64)| (!v.is_finite()).then_some((i, *v));
    if a.len() == 1 {
        // One value (a scalar's gradient): no test of the layout.
        return a.first().and_then(|v| found((0, v)));
    }
    match a.as_slice() {
        // Contiguous (nearly always): a plain scan, no n-d iterator.
        Some(xs) => xs.iter().enumerate().find_map(found),
        None => a.iter().enumerate().find_map(found),
    }
}

/// A gradient as an array, with its span.
type Dense = (Rc<Array>, Span);

enum Fast {
    Done(Few<Option<Dense>>),
    /// Not handled here: the gradient, given back for the general rules.
    General(Dense),
}

/// `f` of each element of `g`, in `g`'s own buffer when nothing else shares it
/// (and it is in standard layout), else in a new array as `ew::map`.
fn map_owned(mut g: Rc<Array>, f: impl Fn(f64) -> f64 + Sync + Send) -> Rc<Array> {
    if let Some(xs) = Rc::get_mut(&mut g).and_then(|a| a.as_slice_mut()) {
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
            Rc::get_mut(&mut g).and_then(|a| a.as_slice_mut()),
            d.as_slice(),
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
        if let Some(xs) = out.as_slice_mut() {
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

/// `a == b` for two shapes, element by element: shapes have a few axes, and
/// this is much cheaper than the slice comparison (a call to `memcmp`).
#[inline]
fn same_shape(a: &[usize], b: &[usize]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// The rules of `vjp.rs` for the common operations. A gradient that a rule
/// passes through keeps its span; a computed one gets the node's.
fn fast(out: &Tensor, node: &Node, g: Dense) -> Result<Fast, TensorError> {
    let (g, g_span) = g;
    let at = node.span;
    let needs = |i: usize| node.input(i).is_some_and(|t| t.requires_grad());
    // The saved data of input `i`; a freed graph goes to the general rules,
    // which report it.
    macro_rules! saved {
        ($i:expr) => {
            match node.saved($i) {
                Some(d) => d,
                None => return Ok(Fast::General((g, g_span))),
            }
        };
    }
    // The span of a result: the gradient's own when passed through unchanged.
    let span_of = |r: &Rc<Array>, g: &Rc<Array>| if Rc::ptr_eq(r, g) { g_span } else { at };
    let one = |r: Rc<Array>| Few::One([Some((r, at))]);
    Ok(Fast::Done(match &node.op {
        // d(a+b)/da = 1, d(a+b)/db = 1, each summed back to its input's shape.
        Op::Add | Op::Sub => {
            let (s0, s1) = (saved!(0), saved!(1));
            let first = if needs(0) {
                let r = sum_to(g.clone(), s0.shape())?;
                Some((span_of(&r, &g), r))
            } else {
                None
            };
            let second = if needs(1) {
                let r = if matches!(node.op, Op::Sub) {
                    sum_to(map_owned(g.clone(), scalar::neg), s1.shape())?
                } else {
                    sum_to(g.clone(), s1.shape())?
                };
                Some((span_of(&r, &g), r))
            } else {
                None
            };
            Few::Two([first.map(|(s, r)| (r, s)), second.map(|(s, r)| (r, s))])
        }
        // d(ab)/da = b, d(ab)/db = a
        Op::Mul => {
            let (s0, s1) = (saved!(0), saved!(1));
            let first = if needs(0) {
                let r = zip_owned(g.clone(), &s1, "*", scalar::mul)?;
                Some((sum_to(r, s0.shape())?, at))
            } else {
                None
            };
            let second = if needs(1) {
                let r = zip_owned(g, &s0, "*", scalar::mul)?;
                Some((sum_to(r, s1.shape())?, at))
            } else {
                None
            };
            Few::Two([first, second])
        }
        Op::AddScalar(_) | Op::SubScalar(_) => Few::One([Some((g, g_span))]),
        Op::MulScalar(c) => {
            let c = *c;
            one(map_owned(g, move |v| v * c))
        }
        Op::Neg => one(map_owned(g, scalar::neg)),
        // d x² = 2x, as g * (x * 2)
        Op::PowScalar(p) if *p == 2.0 => {
            let x = saved!(0);
            one(zip_owned(g, &x, "*", scalar::square_grad)?)
        }
        Op::Unary(Unary::Exp) => {
            let y = out.data();
            one(zip_owned(g, &y, "*", scalar::mul)?)
        }
        Op::Unary(Unary::Tanh) => {
            let y = out.data();
            one(zip_owned(g, &y, "tanh backward", scalar::tanh_grad)?)
        }
        Op::Unary(Unary::Sigmoid) => {
            let y = out.data();
            one(zip_owned(g, &y, "sigmoid backward", scalar::sigmoid_grad)?)
        }
        // C = A·B: dA = G·Bᵀ, dB = Aᵀ·G (matrices; batches go the general way).
        Op::MatMul => {
            let (a, b) = (saved!(0), saved!(1));
            let first = if needs(0) {
                match product_transposed(&g, &b, false, true) {
                    Some(r) => Some((sum_to(Rc::new(r?), a.shape())?, at)),
                    None => return Ok(Fast::General((g, g_span))),
                }
            } else {
                None
            };
            let second = if needs(1) {
                match product_transposed(&a, &g, true, false) {
                    Some(r) => Some((sum_to(Rc::new(r?), b.shape())?, at)),
                    None => return Ok(Fast::General((g, g_span))),
                }
            } else {
                None
            };
            Few::Two([first, second])
        }
        _ => return Ok(Fast::General((g, g_span))),
    }))
}
