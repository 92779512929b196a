//! Reverse-mode differentiation, the engine: order the graph, apply each
//! operation's vector-Jacobian product (the rules are in `vjp.rs`), and deliver
//! gradients to leaves or to chosen inputs. When `create_graph` is off the rules
//! run with recording off and cost nothing extra; when it is on, the backward
//! pass is itself recorded and can be differentiated again.

use super::custom::{NoUserCode, UserCode};
use super::elementwise::{self as ew};
use super::few::Few;
use super::linalg::matmul_transposed;
use super::plain::{first_non_finite, Plain, Values};
use super::shape_ops::sum_to;
use super::vjp::{expand_reduced, recorded_input, vjp, Gradients};
use super::{
    current_span, span_scope, with_grad_mode, Array, Node, Op, Origin, Tensor, TensorError,
};
use crate::source::Span;
use std::cell::Cell;
use std::rc::Rc;

/// Results of at most this many elements keep their values when backward frees
/// their graph (8 KiB of float64): small enough to cost nothing, large enough for
/// every graph a learner draws.
pub const RELEASE_ABOVE: usize = 1024;

/// What a backward pass is asked to do.
#[derive(Clone, Copy, Debug, Default)]
pub struct BackwardOptions {
    /// Keep the saved values so that the graph can be differentiated again.
    pub retain_graph: bool,
    /// Record the backward pass itself (for higher-order derivatives).
    pub create_graph: bool,
    /// Look for the first operation whose gradient turned NaN or infinite.
    pub detect_anomalies: bool,
    /// Keep the gradient of every node's output on the node (for `:why`).
    pub record_grads: bool,
    /// The `backward`/`grad` call, for diagnostics about freed graphs.
    pub span: Span,
}

/// The first operation in a backward pass that turned finite gradients non-finite.
#[derive(Clone, Debug, PartialEq)]
pub struct Anomaly {
    /// The forward expression that recorded the operation.
    pub span: Span,
    /// The operation, as a user names it (`sqrt`).
    pub op: &'static str,
    /// "nan" or "inf".
    pub kind: &'static str,
    /// The value of the input at the first position that went wrong, when known.
    pub input_value: Option<f64>,
}

#[derive(Debug, Default)]
pub struct BackwardOutcome {
    /// For `Some(targets)`: the gradient of each target (`None` when unused).
    pub grads: Vec<Option<Tensor>>,
    pub anomaly: Option<Anomaly>,
}

thread_local! {
    /// Numbers the orderings of the graph, so that a tensor's mark from an
    /// earlier backward pass is never taken for one of this pass.
    static SORT_PASS: Cell<u64> = const { Cell::new(0) };
    /// The (empty) stack of [`topological_order`], kept between passes.
    static SORT_STACK: Cell<Vec<(Tensor, usize)>> = const { Cell::new(Vec::new()) };
}

/// The positions of tensors in one ordering of the graph, kept on the tensors
/// themselves (a mark per tensor) rather than in a hash map.
pub(super) struct Positions {
    pass: u64,
}

impl Positions {
    fn new() -> Positions {
        let pass = SORT_PASS.with(|p| {
            p.set(p.get() + 1);
            p.get()
        });
        Positions { pass }
    }

    /// Marks `t` as seen; `false` when it already was.
    fn visit(&self, t: &Tensor) -> bool {
        if t.sort_mark().0 == self.pass {
            return false;
        }
        t.set_sort_mark((self.pass, usize::MAX));
        true
    }

    fn place(&self, t: &Tensor, position: usize) {
        t.set_sort_mark((self.pass, position));
    }

    fn get(&self, t: &Tensor) -> Option<usize> {
        match t.sort_mark() {
            (pass, position) if pass == self.pass && position != usize::MAX => Some(position),
            _ => None,
        }
    }
}

/// The tensors reachable from `root` through recorded operations, inputs first.
pub(super) fn topological_order(root: &Tensor) -> Result<(Vec<Tensor>, Positions), TensorError> {
    let mut order = Vec::with_capacity(16);
    let positions = Positions::new();
    // The stack of the last ordering, empty, is reused (no allocation per pass).
    let mut stack = SORT_STACK.take();
    stack.clear();
    stack.push((root.clone(), 0));
    positions.visit(root);
    while let Some((t, next)) = stack.last_mut() {
        // The next input of the operation on top of the stack that is to be
        // visited (a new handle only for it), if any is left; the inputs
        // before it are passed over under one borrow of the node.
        let mut found = None;
        if let Some(node) = t.node() {
            if let Some(by) = node.freed_by() {
                return Err(TensorError::Freed {
                    freed_by: by,
                    node_span: node.span,
                });
            }
            while found.is_none() && *next < node.inputs.len() {
                found = node
                    .with_input(*next, |input| {
                        (input.requires_grad() && positions.visit(input)).then(|| input.clone())
                    })
                    .flatten();
                *next += 1;
            }
        }
        match found {
            Some(input) => stack.push((input, 0)),
            None => {
                if let Some((t, _)) = stack.pop() {
                    positions.place(&t, order.len());
                    order.push(t);
                }
            }
        }
    }
    SORT_STACK.set(stack);
    Ok((order, positions))
}

/// Whether `a` holds a NaN or an infinity, in whatever order its memory is laid
/// out (a transposed matmul gradient is not contiguous in logical order). Eight
/// running sums of `v · 0` (0 for finite `v`, NaN otherwise): no branch, so the
/// loop vectorises.
pub(super) fn has_non_finite(a: &Array) -> bool {
    // Row-major (nearly always) read without ndarray's general layout test.
    let Some(xs) = ew::std_slice(a).or_else(|| a.as_slice_memory_order()) else {
        return a.iter().any(|v| !v.is_finite());
    };
    let mut acc = [0.0f64; 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v * 0.0;
        }
    }
    acc.iter().any(|a| a.is_nan()) || rest.iter().any(|v| !v.is_finite())
}

/// Gradients as tensors: with recording on (`create_graph`) the pass is itself
/// recorded and can be differentiated again.
pub(super) struct Recorded;

impl Gradients for Recorded {
    type G = Tensor;
    type V = Tensor;
    fn to_tensor(g: Tensor) -> Tensor {
        g
    }
    fn from_tensor(t: Tensor) -> Tensor {
        t
    }
    fn values(g: &Tensor) -> Rc<Array> {
        g.data()
    }
    fn is_finite(g: &Tensor) -> bool {
        !has_non_finite(&g.data_ref())
    }
    fn accumulate(acc: Tensor, ig: Tensor) -> Result<Tensor, TensorError> {
        accumulate(acc, &ig)
    }
    fn input(node: &Node, i: usize, create_graph: bool) -> Result<Tensor, TensorError> {
        recorded_input(node, i, create_graph)
    }
    fn output(out: &Tensor) -> Tensor {
        out.clone()
    }
    fn mul(g: Tensor, v: &Tensor) -> Result<Tensor, TensorError> {
        ew::mul(&g, v)
    }
    fn neg(g: Tensor) -> Tensor {
        ew::neg(&g)
    }
    fn mul_scalar(g: Tensor, c: f64) -> Tensor {
        ew::mul_scalar(&g, c)
    }
    fn square_grad(g: Tensor, x: &Tensor) -> Result<Tensor, TensorError> {
        ew::mul(&g, &ew::mul_scalar(x, 2.0))
    }
    fn tanh_grad(g: Tensor, y: &Tensor) -> Result<Tensor, TensorError> {
        ew::tanh_grad(&g, y)
    }
    fn sigmoid_grad(g: Tensor, y: &Tensor) -> Result<Tensor, TensorError> {
        ew::sigmoid_grad(&g, y)
    }
    fn sum_to(g: Tensor, shape: &[usize]) -> Result<Tensor, TensorError> {
        sum_to(&g, shape)
    }
    fn expand(
        g: Tensor,
        x: &Rc<Array>,
        axes: Option<&[usize]>,
        keepdim: bool,
    ) -> Result<Tensor, TensorError> {
        expand_reduced(&g, x.shape(), axes, keepdim)
    }
    fn times_transposed(g: Tensor, b: &Tensor) -> Result<Tensor, TensorError> {
        matmul_transposed(&g, b, false, true)
    }
    fn transposed_times(a: &Tensor, g: Tensor) -> Result<Tensor, TensorError> {
        matmul_transposed(a, &g, true, false)
    }
}

/// The gradients a pass kept (tensor, gradient), and the anomaly it found.
type PassResult<G> = (Vec<(Tensor, G)>, Option<Anomaly>);

/// One pass over `order`, from the root (last) to the leaves, with the gradients
/// held as `R` holds them. Returns the gradient of every tensor that `keep`
/// selects, and the anomaly when `check` is on.
fn pass<R: Gradients>(
    order: &[Tensor],
    index: &Positions,
    seed: R::G,
    options: &BackwardOptions,
    keep: impl Fn(&Tensor) -> bool,
    check: bool,
    user: &mut dyn UserCode,
) -> Result<PassResult<R::G>, TensorError> {
    let mut grads: Vec<Option<R::G>> = Vec::with_capacity(order.len());
    grads.resize_with(order.len(), || None);
    if let Some(last) = grads.last_mut() {
        *last = Some(seed);
    }
    let mut kept = Vec::new();
    let mut anomaly = None;
    for i in (0..order.len()).rev() {
        let Some(g) = grads[i].take() else { continue };
        let t = &order[i];
        let g = if t.has_hooks() && !check {
            R::from_tensor(run_hooks(t, R::to_tensor(g), user)?)
        } else {
            g
        };
        if keep(t) {
            kept.push((t.clone(), g.clone()));
        }
        let Some(node) = t.node() else { continue };
        if options.record_grads && !check {
            node.set_last_grad(R::values(&g));
        }
        // Whether `g` is finite, for the anomaly check (`g` moves into the rule).
        let g_finite = check && anomaly.is_none() && R::is_finite(&g);
        let mut input_grads = {
            let _span = span_scope(node.span);
            node_vjp::<R>(t, &node, g, options.create_graph, user)
        }?;
        for (j, ig) in input_grads.iter_mut().enumerate() {
            let Some(ig) = ig.take() else { continue };
            let Some(k) = node.with_input(j, |input| index.get(input)) else {
                continue;
            };
            if check && anomaly.is_none() {
                anomaly = anomaly_at(&node, j, &R::values(&ig), || g_finite);
            }
            let Some(k) = k else {
                continue;
            };
            grads[k] = Some(match grads[k].take() {
                None => ig,
                Some(acc) => R::accumulate(acc, ig)?,
            });
        }
    }
    Ok((kept, anomaly))
}

/// The anomaly of input `j` of `node` when its gradient `ig` holds a NaN or an
/// infinity that the node made (`g_finite`: the gradient flowing in was finite).
fn anomaly_at(
    node: &Node,
    j: usize,
    ig: &Array,
    g_finite: impl FnOnce() -> bool,
) -> Option<Anomaly> {
    let (pos, v) = first_non_finite(ig)?;
    if !g_finite() {
        return None;
    }
    let input_value = node
        .saved(j)
        .and_then(|d| (d.len() == ig.len()).then(|| d.iter().nth(pos).copied())?);
    Some(Anomaly {
        span: node.span,
        op: node.op.describe(),
        kind: if v.is_nan() { "nan" } else { "inf" },
        input_value,
    })
}

/// The gradient of each input of `node` (the operation that made `out`), held
/// as `R` holds gradients: the rule in `vjp`, or the user's own backward for a
/// custom operation.
pub(super) fn node_vjp<R: Gradients>(
    out: &Tensor,
    node: &Node,
    g: R::G,
    create_graph: bool,
    user: &mut dyn UserCode,
) -> Result<Few<Option<R::G>>, TensorError> {
    match &node.op {
        Op::Custom(op) => {
            let grads = user.custom_backward(op, node, out, &R::to_tensor(g), create_graph)?;
            Ok(grads.into_iter().map(|ig| ig.map(R::from_tensor)).collect())
        }
        _ => vjp::<R>(out, node, g, create_graph),
    }
}

/// `t`'s hooks called in order with its gradient `g`, each seeing what the one
/// before returned (a hook that returns `none` keeps the gradient).
fn run_hooks(t: &Tensor, g: Tensor, user: &mut dyn UserCode) -> Result<Tensor, TensorError> {
    let mut g = g;
    for hook in t.hooks() {
        if let Some(new) = user.hook(&hook, &g)? {
            g = new;
        }
    }
    Ok(g)
}

/// `acc + ig`, summed into `acc`'s own buffer when recording is off and nothing
/// else can see `acc` (its data is copied first if a saved value shares it).
fn accumulate(acc: Tensor, ig: &Tensor) -> Result<Tensor, TensorError> {
    if !super::grad_enabled() && acc.is_private_constant() {
        let b = ig.data();
        if acc.update_data(|a| ew::zip_in_place(a, &b, |x, y| x + y)) {
            return Ok(acc);
        }
    }
    ew::add(&acc, ig)
}

/// Runs backward from `root`, starting from `seed` (of `root`'s shape).
///
/// With `targets: None`, gradients accumulate into `.grad` of the leaves that
/// require grad and of tensors that `retain_grad` marked (`backward`). With
/// `Some(xs)`, the gradient of each `x` is returned and `.grad` is untouched (`grad`).
pub fn backward(
    root: &Tensor,
    seed: &Tensor,
    targets: Option<&[Tensor]>,
    options: BackwardOptions,
) -> Result<BackwardOutcome, TensorError> {
    backward_with(root, Some(seed), targets, options, &mut NoUserCode)
}

/// [`backward`] from a starting gradient of ones of `root`'s shape (`backward(y)`
/// of a scalar `y`), made only as the pass needs it.
pub fn backward_from_ones(
    root: &Tensor,
    targets: Option<&[Tensor]>,
    options: BackwardOptions,
) -> Result<BackwardOutcome, TensorError> {
    backward_with(root, None, targets, options, &mut NoUserCode)
}

/// Ones of `a`'s shape, in standard layout (as `Array::ones`); a one-element
/// array is copied and set, which is cheaper than building a shape.
fn ones_like(a: &Array) -> Array {
    if a.len() == 1 {
        let mut one = a.clone();
        if let Some(x) = one.first_mut() {
            *x = 1.0;
        }
        one
    } else {
        ew::filled(a.shape(), 1.0)
    }
}

/// [`ones_like`] as shared data: the one 0-d array of a one is made once per
/// thread and shared (data is never changed behind a shared `Rc`: a rule that
/// would write into it copies it first), so a scalar's backward makes none.
fn plain_ones_like(a: &Array) -> Rc<Array> {
    thread_local! {
        static ONE: Rc<Array> = Rc::new(ndarray::arr0(1.0).into_dyn());
    }
    if a.ndim() == 0 {
        return ONE.with(Rc::clone);
    }
    Rc::new(ones_like(a))
}

/// `backward` from `seed`, or from ones when it is `None`, running user code
/// (custom backward clauses, hooks) through `user`.
pub fn backward_with(
    root: &Tensor,
    seed: Option<&Tensor>,
    targets: Option<&[Tensor]>,
    options: BackwardOptions,
    user: &mut dyn UserCode,
) -> Result<BackwardOutcome, TensorError> {
    if !root.requires_grad() {
        return Err(TensorError::NoGrad);
    }
    if let Some(seed) = seed {
        if seed.data_ref().shape() != root.data_ref().shape() {
            return Err(TensorError::Shapes {
                message: format!(
                    "backward: the starting gradient has shape {} but the output has shape {}",
                    crate::display::fmt_shape(&seed.shape()),
                    crate::display::fmt_shape(&root.shape())
                ),
            });
        }
    }
    let (order, index) = topological_order(root)?;
    let target_ids: Vec<usize> = targets
        .map(|ts| ts.iter().map(|t| t.id()).collect())
        .unwrap_or_default();
    let keep = |t: &Tensor| -> bool {
        if targets.is_some() {
            target_ids.contains(&t.id())
        } else {
            (t.is_leaf() && t.requires_grad()) || t.retains_grad()
        }
    };
    // The seed as `detach` would give it: its data, at the current span.
    let plain_seed = || {
        let data = match seed {
            Some(seed) => seed.data(),
            None => plain_ones_like(&root.data_ref()),
        };
        (Values::Dense(data), current_span())
    };
    let kept: Vec<(Tensor, Tensor)> = if options.create_graph {
        let seed = match seed {
            Some(seed) => seed.clone(),
            None => Tensor::constant(ones_like(&root.data_ref())),
        };
        let (kept, _) = with_grad_mode(true, || {
            pass::<Recorded>(&order, &index, seed, &options, keep, false, user)
        })?;
        kept
    } else {
        let (kept, _) = with_grad_mode(false, || {
            pass::<Plain>(&order, &index, plain_seed(), &options, keep, false, user)
        })?;
        // Computed with recording off from the graph's values: cut from the
        // graph, as `detach` would.
        kept.into_iter()
            .map(|(t, (data, span))| {
                let g = Tensor::constant_rc_at(data.into_dense(), span);
                g.set_origin(Origin::Detached);
                (t, g)
            })
            .collect()
    };

    let mut outcome = BackwardOutcome::default();
    if options.detect_anomalies && kept.iter().any(|(_, g)| has_non_finite(&g.data_ref())) {
        let (_, anomaly) = with_grad_mode(false, || {
            let plain = BackwardOptions {
                create_graph: false,
                ..options
            };
            pass::<Plain>(&order, &index, plain_seed(), &plain, |_| false, true, user)
        })?;
        outcome.anomaly = anomaly;
    }

    if !options.retain_graph {
        // As PyTorch frees a graph's buffers: intermediate results that only
        // this (now unusable) graph can reach give back their memory, so that
        // a loop does not hold two graphs' worth of data while the next
        // forward pass runs. Kept when the graph may still be shown (:why), and
        // for small results (at most RELEASE_ABOVE elements), whose values `draw`
        // still shows after backward (SPEC §21) for the cost of a few bytes.
        // The root (last) is the caller's; every other tensor here was used by
        // an operation: one reference from that operation, one from `order`.
        let release = !options.record_grads;
        let root = order.len().saturating_sub(1);
        for (i, t) in order.iter().enumerate() {
            if let Some(node) = t.node() {
                node.free(options.span);
                if release && i != root && t.handle_count() == 2 && t.numel() > RELEASE_ABOVE {
                    t.release_data();
                }
            }
        }
    }

    match targets {
        Some(ts) => {
            outcome.grads = ts
                .iter()
                .map(|x| {
                    kept.iter()
                        .find(|(t, _)| t.ptr_eq(x))
                        .map(|(_, g)| g.clone())
                })
                .collect();
        }
        None => {
            with_grad_mode(options.create_graph, || -> Result<(), TensorError> {
                for (t, g) in kept {
                    let new = match t.grad() {
                        // As PyTorch's AccumulateGrad: in place (`g = x.grad` sees
                        // it) unless either pass was recorded (create_graph), which
                        // makes a new tensor.
                        Some(old) if !options.create_graph && !old.requires_grad() => {
                            let b = g.data();
                            let same = old.data_ref().shape() == b.shape();
                            if same && old.update_data(|a| ew::zip_in_place(a, &b, |x, y| x + y)) {
                                continue;
                            }
                            old.replace_data((*ew::add(&old.detach(), &g)?.data()).clone());
                            continue;
                        }
                        Some(old) => ew::add(&old, &g)?,
                        None => g,
                    };
                    t.set_grad(Some(new));
                }
                Ok(())
            })?;
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::has_non_finite;
    use ndarray::{ArrayD, IxDyn};

    #[test]
    fn non_finite_values_are_found_in_any_layout_and_at_any_position() {
        for n in [1, 7, 8, 9, 30] {
            for pos in 0..n {
                for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                    let mut v = vec![1.5; n * 2];
                    v[pos] = bad;
                    let a = ArrayD::from_shape_vec(IxDyn(&[n, 2]), v).unwrap();
                    assert!(has_non_finite(&a), "{n} {pos} {bad}");
                    // Transposed: not row-major, the same memory.
                    assert!(has_non_finite(&a.t().to_owned()));
                    assert!(has_non_finite(&a.clone().reversed_axes()));
                }
            }
            let fine = ArrayD::from_elem(IxDyn(&[n, 3]), f64::MAX);
            assert!(!has_non_finite(&fine) && !has_non_finite(&fine.reversed_axes()));
        }
    }
}
