//! The backward rules of the common operations on plain arrays, for a backward
//! pass that is not recorded (no `create_graph`): the same formulas as `vjp.rs`,
//! element for element and in the same order, without a tensor per
//! intermediate gradient, and in place when the gradient's buffer is not shared.
//! Any other operation (or an unusual case) goes to the rules of `vjp.rs`.

use super::elementwise::{self as ew, zip_with, PARALLEL_MIN_ELEMENTS};
use super::few::Few;
use super::kernel;
use super::linalg::product_transposed;
use super::shape_ops::sum_to_array;
use super::{Array, Node, Op, Tensor, TensorError};
use crate::source::Span;
use std::rc::Rc;

/// A gradient in a pass that is not recorded: its data, and the span of the
/// tensor the rules of `vjp.rs` would have made for it (where it was computed).
pub(super) type Grad = (Rc<Array>, Span);

/// The gradient of each input of `node`, as [`super::vjp`] gives them but as
/// plain data. `g` is the gradient of `out`; recording must be off.
pub(super) fn vjp_plain(
    out: &Tensor,
    node: &Node,
    g: Grad,
) -> Result<Few<Option<Grad>>, TensorError> {
    match fast(out, node, g)? {
        Fast::Done(grads) => Ok(grads),
        Fast::General((g, g_span)) => {
            let gt = Tensor::constant_rc_at(g, g_span);
            let grads = super::vjp::vjp(out, node, &gt, false)?;
            Ok(grads.map(|ig| ig.as_ref().map(|t| (t.data(), t.span()))))
        }
    }
}

enum Fast {
    Done(Few<Option<Grad>>),
    /// Not handled here: the gradient, given back for the general rules.
    General(Grad),
}

/// `f` of each element of `g`, in `g`'s own buffer when nothing else shares it
/// (and it is small and in standard layout), else in a new array as `ew::map`.
fn map_owned(mut g: Rc<Array>, f: impl Fn(f64) -> f64 + Sync + Send) -> Rc<Array> {
    if g.len() < PARALLEL_MIN_ELEMENTS {
        if let Some(xs) = Rc::get_mut(&mut g).and_then(|a| a.as_slice_mut()) {
            for x in xs {
                *x = f(*x);
            }
            return g;
        }
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
    if g.len() < PARALLEL_MIN_ELEMENTS && same_shape(g.shape(), d.shape()) {
        if let (Some(xs), Some(ys)) = (
            Rc::get_mut(&mut g).and_then(|a| a.as_slice_mut()),
            d.as_slice(),
        ) {
            for (x, &y) in xs.iter_mut().zip(ys) {
                *x = f(*x, y);
            }
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
fn fast(out: &Tensor, node: &Node, g: Grad) -> Result<Fast, TensorError> {
    let (g, g_span) = g;
    let at = node.span;
    let needs = |i: usize| node.inputs.get(i).is_some_and(|t| t.requires_grad());
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
                    sum_to(map_owned(g.clone(), kernel::neg), s1.shape())?
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
                let r = zip_owned(g.clone(), &s1, "*", kernel::mul)?;
                Some((sum_to(r, s0.shape())?, at))
            } else {
                None
            };
            let second = if needs(1) {
                let r = zip_owned(g, &s0, "*", kernel::mul)?;
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
        Op::Neg => one(map_owned(g, kernel::neg)),
        // d x² = 2x, as g * (x * 2)
        Op::PowScalar(p) if *p == 2.0 => {
            let x = saved!(0);
            one(zip_owned(g, &x, "*", |g, x| kernel::mul(g, x * 2.0))?)
        }
        Op::Exp => {
            let y = out.data();
            one(zip_owned(g, &y, "*", kernel::mul)?)
        }
        Op::Tanh => {
            let y = out.data();
            one(zip_owned(g, &y, "tanh backward", |g, y| {
                g * (-y).mul_add(y, 1.0)
            })?)
        }
        Op::Sigmoid => {
            let y = out.data();
            one(zip_owned(g, &y, "sigmoid backward", |g, y| {
                g * (1.0 - y) * y
            })?)
        }
        // A full sum or mean: the one value of the gradient, spread (and / n).
        Op::Sum { axes: None, .. } | Op::Mean { axes: None, .. } if g.len() == 1 => {
            let x = saved!(0);
            let s = x.shape();
            let v = g.first().copied().unwrap_or(f64::NAN);
            match node.op {
                Op::Sum { .. } if same_shape(g.shape(), s) => Few::One([Some((g, g_span))]),
                Op::Sum { .. } => one(Rc::new(filled_like(&x, v))),
                _ => {
                    let n: usize = s.iter().product();
                    let c = 1.0 / n.max(1) as f64;
                    one(Rc::new(filled_like(&x, v * c)))
                }
            }
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
