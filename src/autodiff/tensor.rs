//! The tensor type: data, the gradient flag, `.grad`, and the node that made it.

use super::few::Few;
use super::{current_span, grad_enabled, node_created, node_dropped, Op};
use crate::source::Span;
use ndarray::ArrayD;
use std::cell::{Cell, Ref, RefCell};
use std::rc::Rc;

/// Every tensor holds f64 data of any rank.
pub type Array = ArrayD<f64>;

/// Why a tensor that does not require grad is cut from the graph (for `:why`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Origin {
    /// Made as a constant, or a leaf created without `grad`.
    #[default]
    Created,
    /// Made by `detach` (or `.data`), or computed from such a tensor.
    Detached,
    /// Computed from tensors that require grad while recording was off (`no_grad`).
    NoGrad,
}

/// A shared handle to a tensor. Cloning it clones the handle, not the data.
#[derive(Clone)]
pub struct Tensor(pub(crate) Rc<TensorInner>);

pub struct TensorInner {
    /// Replaced (never mutated behind a shared `Rc`) so that a node's saved
    /// values keep what the inputs held when it was recorded.
    data: RefCell<Rc<Array>>,
    /// Changes only when a recorded index assignment makes this tensor the
    /// result of a write (SPEC §13, v3).
    requires_grad: Cell<bool>,
    /// A bool tensor (a comparison's result): shown `True`/`False`, a mask as an
    /// index; everywhere else its 0/1 values count as numbers.
    is_bool: Cell<bool>,
    grad: RefCell<Option<Tensor>>,
    retains_grad: Cell<bool>,
    /// The operation that made this tensor; `None` for a leaf. Kept inline (one
    /// allocation per result, not two). Replaced by a recorded index assignment.
    node: RefCell<Option<Node>>,
    /// The versions this tensor had before recorded index assignments, each with
    /// the sequence number of the write that ended it: an operation recorded
    /// before a write keeps using the version it saw (copy on write).
    past: RefCell<Vec<(u64, Tensor)>>,
    /// Where the tensor was made (for a result, the node's span).
    span: Span,
    origin: Cell<Origin>,
    /// (pass, position): where the backward pass numbered `pass` placed this
    /// tensor in its order (`usize::MAX` while being visited); see [`Tensor::sort_mark`].
    sort_mark: Cell<(u64, usize)>,
    /// Functions called with this tensor's gradient when backward computes it
    /// (`register_hook`), in the order registered.
    hooks: RefCell<Vec<super::custom::Hook>>,
}

/// One recorded operation: what it was, its inputs, and where in the source.
pub struct Node {
    pub op: Op,
    /// When the node was recorded (a per-thread counter), to find the version of
    /// an input that was written after it (see [`Node::input`]).
    pub(crate) seq: u64,
    pub inputs: Few<Tensor>,
    /// The inputs' data at the time of recording; emptied when the graph is freed.
    saved: RefCell<Few<Rc<Array>>>,
    pub span: Span,
    /// A display name that overrides the op's (for composite operations).
    name: Cell<Option<&'static str>>,
    freed_by: Cell<Option<Span>>,
    /// The gradient of the output in the last backward pass through this node,
    /// kept when that pass was asked to (for `:why`).
    last_grad: RefCell<Option<Rc<Array>>>,
    /// What the output held before backward gave its memory back (see
    /// [`Tensor::release_data`]), for pictures drawn after backward.
    released: RefCell<Option<Box<Released>>>,
}

/// A summary of values whose memory backward gave back: shape, mean and range.
#[derive(Clone, Debug, PartialEq)]
pub struct Released {
    pub shape: Vec<usize>,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

impl Node {
    /// Input `i` as this operation saw it: the tensor, or the version it had
    /// before a later recorded index assignment changed it.
    #[inline]
    pub fn input(&self, i: usize) -> Option<Tensor> {
        let t = self.inputs.get(i)?;
        Some(t.version_at(self.seq).unwrap_or_else(|| t.clone()))
    }

    /// `f` of input `i` as this operation saw it ([`Node::input`]), without a
    /// new handle when it was not written since.
    #[inline]
    pub(crate) fn with_input<T>(&self, i: usize, f: impl FnOnce(&Tensor) -> T) -> Option<T> {
        let t = self.inputs.get(i)?;
        match t.version_at(self.seq) {
            Some(old) => Some(f(&old)),
            None => Some(f(t)),
        }
    }

    /// Whether input `i`, as this operation saw it, requires grad.
    #[inline]
    pub(crate) fn input_requires_grad(&self, i: usize) -> bool {
        self.with_input(i, Tensor::requires_grad).unwrap_or(false)
    }

    pub fn name(&self) -> &'static str {
        self.name.get().unwrap_or_else(|| self.op.name())
    }

    /// The saved data of input `i`, or `None` once the graph was freed.
    #[inline]
    pub fn saved(&self, i: usize) -> Option<Rc<Array>> {
        self.saved.borrow().get(i).cloned()
    }

    /// The span of the `backward` that freed this node's saved values.
    pub fn freed_by(&self) -> Option<Span> {
        self.freed_by.get()
    }

    /// The gradient of this node's output in the last backward pass that recorded it.
    pub fn last_grad(&self) -> Option<Rc<Array>> {
        self.last_grad.borrow().clone()
    }

    /// The summary of this node's output when backward gave its memory back.
    pub fn released(&self) -> Option<Released> {
        self.released.borrow().as_deref().cloned()
    }

    pub(crate) fn set_last_grad(&self, grad: Rc<Array>) {
        *self.last_grad.borrow_mut() = Some(grad);
    }

    pub(crate) fn free(&self, by: Span) {
        *self.saved.borrow_mut() = Few::Zero;
        self.freed_by.set(Some(by));
    }
}

impl Drop for Node {
    // Dropping a long chain recursively (node → input → node → …) would overflow
    // the stack; instead, take the inputs that this node owned last and unlink
    // them one by one.
    fn drop(&mut self) {
        node_dropped();
        // The stack of the last drop, empty, is reused (a graph's drop allocates
        // nothing); a drop nested in this one (a hook's captured values) finds
        // none there and makes its own.
        let mut stack: Vec<Tensor> = UNLINK_STACK.try_with(Cell::take).unwrap_or_default();
        // Only tensors that this node owned last are pushed (so a node whose
        // inputs live on elsewhere allocates nothing here).
        // The tensor is emptied in place (not moved out of its `Rc`, a copy of
        // the whole struct); it then drops here with nothing left to unlink.
        let unlink = |mut t: Tensor, stack: &mut Vec<Tensor>| {
            if let Some(inner) = Rc::get_mut(&mut t.0) {
                if let Some(g) = inner.grad.get_mut().take() {
                    stack.push(g);
                }
                if let Some(node) = inner.node.get_mut() {
                    std::mem::take(&mut node.inputs).move_into(stack);
                }
                let past = inner.past.get_mut();
                if !past.is_empty() {
                    stack.extend(past.drain(..).map(|(_, old)| old));
                }
            }
        };
        match std::mem::take(&mut self.inputs) {
            Few::Zero => {}
            Few::One([a]) => unlink(a, &mut stack),
            Few::Two([a, b]) => {
                unlink(a, &mut stack);
                unlink(b, &mut stack);
            }
            Few::Many(v) => {
                for t in v {
                    unlink(t, &mut stack);
                }
            }
        }
        while let Some(t) = stack.pop() {
            unlink(t, &mut stack);
        }
        if stack.capacity() > 0 && stack.capacity() <= MAX_UNLINK_STACK {
            let _ = UNLINK_STACK.try_with(|s| s.set(stack));
        }
    }
}

/// The largest stack [`Node`]'s drop keeps for the next one (a long chain's
/// is given back).
const MAX_UNLINK_STACK: usize = 64;

thread_local! {
    static UNLINK_STACK: Cell<Vec<Tensor>> = const { Cell::new(Vec::new()) };
}

thread_local! {
    static NODE_SEQ: Cell<u64> = const { Cell::new(0) };
}

/// The next node's sequence number.
#[inline]
fn next_seq() -> u64 {
    NODE_SEQ.with(|n| {
        let v = n.get() + 1;
        n.set(v);
        v
    })
}

impl Tensor {
    /// A tensor of `data`, the result of `node` (`None` for a leaf), as created: no
    /// grad, hooks or past versions.
    #[inline]
    fn from_parts(data: Rc<Array>, requires_grad: bool, span: Span, node: Option<Node>) -> Tensor {
        Tensor(Rc::new(TensorInner {
            data: RefCell::new(data),
            requires_grad: Cell::new(requires_grad),
            is_bool: Cell::new(false),
            grad: RefCell::new(None),
            retains_grad: Cell::new(false),
            node: RefCell::new(node),
            past: RefCell::new(Vec::new()),
            span,
            origin: Cell::new(Origin::Created),
            sort_mark: Cell::new((0, 0)),
            hooks: RefCell::new(Vec::new()),
        }))
    }

    /// A leaf sharing already-shared data, attributed to `span`.
    pub(crate) fn constant_rc_at(data: Rc<Array>, span: Span) -> Tensor {
        Tensor::from_parts(data, false, span, None)
    }

    /// A leaf that does not require grad.
    pub fn constant(data: Array) -> Tensor {
        Tensor::from_parts(Rc::new(data), false, current_span(), None)
    }

    /// A leaf sharing already-shared data.
    pub fn constant_rc(data: Rc<Array>) -> Tensor {
        Tensor::from_parts(data, false, current_span(), None)
    }

    /// A leaf; `requires_grad` makes `backward` fill its `.grad`.
    pub fn leaf(data: Array, requires_grad: bool) -> Tensor {
        Tensor::from_parts(Rc::new(data), requires_grad, current_span(), None)
    }

    pub fn scalar(value: f64) -> Tensor {
        Tensor::constant(ndarray::arr0(value).into_dyn())
    }

    /// The result of `op` on `inputs`: recorded when recording is on and some
    /// input requires grad, else a plain constant.
    pub fn record(data: Array, op: Op, inputs: &[&Tensor]) -> Tensor {
        Tensor::record_with(data, || op, inputs)
    }

    /// [`Tensor::record`] for an operation that is costly to build (it holds a
    /// shape): `op` is called only when the operation is recorded.
    pub fn record_with(data: Array, op: impl FnOnce() -> Op, inputs: &[&Tensor]) -> Tensor {
        let any_requires_grad = inputs.iter().any(|t| t.requires_grad());
        if !any_requires_grad || !grad_enabled() {
            let t = Tensor::constant(data);
            let origin = if any_requires_grad {
                Origin::NoGrad
            } else {
                inputs
                    .iter()
                    .map(|t| t.origin())
                    .find(|o| *o != Origin::Created)
                    .unwrap_or_default()
            };
            t.0.origin.set(origin);
            return t;
        }
        // The inputs and their data, one or two (nearly always) built in place.
        let (inputs, saved): (Few<Tensor>, Few<Rc<Array>>) = match inputs {
            [a] => (Few::One([(*a).clone()]), Few::One([a.data()])),
            [a, b] => (
                Few::Two([(*a).clone(), (*b).clone()]),
                Few::Two([a.data(), b.data()]),
            ),
            more => {
                let inputs: Few<Tensor> = more.iter().map(|&t| t.clone()).collect();
                let saved = inputs.map(Tensor::data);
                (inputs, saved)
            }
        };
        let span = current_span();
        node_created();
        let node = Node {
            op: op(),
            seq: next_seq(),
            inputs,
            saved: RefCell::new(saved),
            span,
            name: Cell::new(None),
            freed_by: Cell::new(None),
            last_grad: RefCell::new(None),
            released: RefCell::new(None),
        };
        Tensor::from_parts(Rc::new(data), true, span, Some(node))
    }

    /// Shows a composite operation under one name (e.g. `SoftmaxBackward`).
    pub fn renamed(self, name: &'static str) -> Tensor {
        if let Some(node) = self.node() {
            node.name.set(Some(name));
        }
        self
    }

    #[inline]
    pub fn data(&self) -> Rc<Array> {
        self.0.data.borrow().clone()
    }

    /// Borrows the data without touching its reference count.
    #[inline]
    pub fn data_ref(&self) -> Ref<'_, Rc<Array>> {
        self.0.data.borrow()
    }

    pub fn shape(&self) -> Vec<usize> {
        self.0.data.borrow().shape().to_vec()
    }

    #[inline]
    pub fn ndim(&self) -> usize {
        self.0.data.borrow().ndim()
    }

    #[inline]
    pub fn numel(&self) -> usize {
        self.0.data.borrow().len()
    }

    /// The single value of a one-element tensor.
    pub fn item(&self) -> Option<f64> {
        let d = self.0.data.borrow();
        if d.len() == 1 {
            // The one element, without building an n-d iterator.
            d.first().copied()
        } else {
            None
        }
    }

    #[inline]
    pub fn requires_grad(&self) -> bool {
        self.0.requires_grad.get()
    }

    /// Changes whether a leaf requires grad (`x.requires_grad = flag`); the
    /// caller checks that it is a leaf.
    pub fn set_requires_grad(&self, flag: bool) {
        self.0.requires_grad.set(flag);
    }

    /// Whether this is a bool tensor (made by a comparison or a logical builtin).
    #[inline]
    pub fn is_bool(&self) -> bool {
        self.0.is_bool.get()
    }

    /// Marks the tensor as a bool tensor (its data holds only 0 and 1).
    pub fn into_bool(self) -> Tensor {
        self.0.is_bool.set(true);
        self
    }

    #[inline]
    pub fn is_leaf(&self) -> bool {
        self.0.node.borrow().is_none()
    }

    #[inline]
    pub fn node(&self) -> Option<Ref<'_, Node>> {
        Ref::filter_map(self.0.node.borrow(), Option::as_ref).ok()
    }

    /// The version of this tensor that an operation recorded as number `seq`
    /// saw, when a recorded index assignment changed it since; `None` when it
    /// is this tensor as it is now.
    #[inline]
    pub(crate) fn version_at(&self, seq: u64) -> Option<Tensor> {
        let past = self.0.past.borrow();
        if past.is_empty() {
            return None;
        }
        past.iter()
            .find(|(written, _)| *written > seq)
            .map(|(_, old)| old.clone())
    }

    /// Makes this tensor the result of a recorded write (`x[idx] = v`): its
    /// current version moves to a new tensor, which operations recorded before
    /// keep seeing, and this one becomes `op(old, inputs...)` with `data`.
    /// Returns the old version.
    pub(crate) fn record_write(&self, data: Array, op: Op, others: &[&Tensor]) -> Tensor {
        let old_node = self.0.node.borrow_mut().take();
        let old = Tensor::from_parts(self.data(), self.requires_grad(), self.0.span, old_node);
        old.0.is_bool.set(self.is_bool());
        old.0.origin.set(self.origin());
        let mut inputs: Vec<Tensor> = vec![old.clone()];
        // `x[i] = x` writes x's old values.
        inputs.extend(others.iter().map(|&t| {
            if t.ptr_eq(self) {
                old.clone()
            } else {
                t.clone()
            }
        }));
        let inputs: Few<Tensor> = inputs.into_iter().collect();
        let saved = inputs.map(Tensor::data);
        let seq = next_seq();
        node_created();
        *self.0.node.borrow_mut() = Some(Node {
            op,
            seq,
            inputs,
            saved: RefCell::new(saved),
            span: current_span(),
            name: Cell::new(None),
            freed_by: Cell::new(None),
            last_grad: RefCell::new(None),
            released: RefCell::new(None),
        });
        self.0.past.borrow_mut().push((seq, old.clone()));
        self.0.requires_grad.set(true);
        self.0.is_bool.set(false);
        self.0.origin.set(Origin::Created);
        *self.0.data.borrow_mut() = Rc::new(data);
        old
    }

    /// Where this tensor was made.
    #[inline]
    pub fn span(&self) -> Span {
        self.0.span
    }

    #[inline]
    pub fn grad(&self) -> Option<Tensor> {
        self.0.grad.borrow().clone()
    }

    #[inline]
    pub fn set_grad(&self, grad: Option<Tensor>) {
        *self.0.grad.borrow_mut() = grad;
    }

    #[inline]
    pub fn retains_grad(&self) -> bool {
        self.0.retains_grad.get()
    }

    pub fn set_retains_grad(&self) {
        if !self.is_leaf() {
            self.0.retains_grad.set(true);
        }
    }

    /// Replaces the data of this tensor in place, keeping its identity, flag and
    /// `.grad`. Nodes that saved the old data keep it.
    pub fn replace_data(&self, data: Array) {
        *self.0.data.borrow_mut() = Rc::new(data);
    }

    /// Changes the data in place with `f` (an optimizer step). Saved values that
    /// share the old data keep it: the data is copied first when it is shared.
    pub fn update_data<T>(&self, f: impl FnOnce(&mut Array) -> T) -> T {
        let mut data = self.0.data.borrow_mut();
        f(Rc::make_mut(&mut data))
    }

    /// Whether this handle is the only way to reach the tensor, and the tensor is
    /// a constant outside any graph: changing its data in place is then invisible
    /// to everything else (a gradient being summed in backward).
    #[inline]
    pub(crate) fn is_private_constant(&self) -> bool {
        Rc::strong_count(&self.0) == 1 && !self.requires_grad() && self.is_leaf()
    }

    /// How many handles share this tensor.
    #[inline]
    pub(crate) fn handle_count(&self) -> usize {
        Rc::strong_count(&self.0)
    }

    /// Drops the data of a tensor that nothing can read any more (an intermediate
    /// of a freed graph), leaving an empty array.
    /// Its node keeps the shape, mean and range, which pictures still show.
    pub(crate) fn release_data(&self) {
        thread_local! {
            static EMPTY: Rc<Array> = Rc::new(Array::zeros(ndarray::IxDyn(&[0])));
        }
        if let Some(node) = self.node() {
            let data = self.data_ref();
            let n = data.len().max(1) as f64;
            let (sum, min, max) = match data.as_slice_memory_order() {
                Some(xs) => summary_par(xs),
                None => data.iter().fold(
                    (0.0, f64::INFINITY, f64::NEG_INFINITY),
                    |(s, lo, hi), &x| (s + x, lo.min(x), hi.max(x)),
                ),
            };
            *node.released.borrow_mut() = Some(Box::new(Released {
                shape: data.shape().to_vec(),
                mean: sum / n,
                min,
                max,
            }));
        }
        *self.0.data.borrow_mut() = EMPTY.with(Rc::clone);
    }

    /// The same values, cut from the graph.
    pub fn detach(&self) -> Tensor {
        let t = Tensor::constant_rc(self.data());
        t.0.origin.set(Origin::Detached);
        t
    }

    /// Why this tensor is (or is not) part of a graph.
    #[inline]
    pub fn origin(&self) -> Origin {
        self.0.origin.get()
    }

    /// Identity of the underlying tensor, for maps keyed by tensor.
    /// The mark a backward pass left on this tensor while ordering the graph:
    /// marks replace a hash map from tensor to position (see `backward`).
    #[inline]
    pub(crate) fn sort_mark(&self) -> (u64, usize) {
        self.0.sort_mark.get()
    }

    #[inline]
    pub(crate) fn set_sort_mark(&self, mark: (u64, usize)) {
        self.0.sort_mark.set(mark);
    }

    pub(crate) fn set_origin(&self, origin: Origin) {
        self.0.origin.set(origin);
    }

    /// Adds a hook on this tensor's gradient.
    pub fn add_hook(&self, hook: super::custom::Hook) {
        self.0.hooks.borrow_mut().push(hook);
    }

    /// Removes the hook numbered `id`; `false` when this tensor has none such.
    pub fn remove_hook(&self, id: u64) -> bool {
        let mut hooks = self.0.hooks.borrow_mut();
        let before = hooks.len();
        hooks.retain(|h| h.id != id);
        hooks.len() != before
    }

    /// The hooks on this tensor's gradient (a copy: a hook may add or remove hooks).
    pub fn hooks(&self) -> Vec<super::custom::Hook> {
        self.0.hooks.borrow().clone()
    }

    #[inline]
    pub(crate) fn has_hooks(&self) -> bool {
        !self.0.hooks.borrow().is_empty()
    }

    /// A handle that does not keep the tensor alive.
    pub fn downgrade(&self) -> WeakTensor {
        WeakTensor(Rc::downgrade(&self.0))
    }

    #[inline]
    pub fn id(&self) -> usize {
        Rc::as_ptr(&self.0) as usize
    }

    #[inline]
    pub fn ptr_eq(&self, other: &Tensor) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// A tensor handle that does not keep it alive (see [`Tensor::downgrade`]).
#[derive(Clone)]
pub struct WeakTensor(std::rc::Weak<TensorInner>);

impl WeakTensor {
    pub fn upgrade(&self) -> Option<Tensor> {
        self.0.upgrade().map(Tensor)
    }
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Tensor({:?}, requires_grad={})",
            self.data_ref(),
            self.requires_grad()
        )
    }
}

/// [`summary`] of a large array on every core: the summaries of fixed chunks, combined
/// in order, so the result does not depend on the number of threads. Backward takes
/// one of each released intermediate (W4: seven arrays of 1M elements a step).
fn summary_par(xs: &[f64]) -> (f64, f64, f64) {
    use super::elementwise::{PARALLEL_CHUNK, PARALLEL_MIN_ELEMENTS};
    use rayon::prelude::*;
    if xs.len() < PARALLEL_MIN_ELEMENTS {
        return summary(xs);
    }
    let parts: Vec<(f64, f64, f64)> = xs.par_chunks(PARALLEL_CHUNK).map(summary).collect();
    parts.iter().fold(
        (0.0, f64::INFINITY, f64::NEG_INFINITY),
        |(s, lo, hi), &(ps, plo, phi)| (s + ps, lo.min(plo), hi.max(phi)),
    )
}

/// The sum, least and greatest of `xs` (NaN left out of the extremes), for a
/// released tensor's summary: eight running lanes, so the loop vectorises (a
/// single running sum made this pass a tenth of W6's training step).
fn summary(xs: &[f64]) -> (f64, f64, f64) {
    let mut sum = [0.0f64; 8];
    let mut lo = [f64::INFINITY; 8];
    let mut hi = [f64::NEG_INFINITY; 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for i in 0..8 {
            sum[i] += c[i];
            // `x < lo` is false for a NaN, which is left out: one `minpd` a
            // lane, where `f64::min`'s NaN handling cost three times the sum.
            lo[i] = if c[i] < lo[i] { c[i] } else { lo[i] };
            hi[i] = if c[i] > hi[i] { c[i] } else { hi[i] };
        }
    }
    let mut s: f64 = sum.iter().sum();
    let mut l = lo.iter().copied().fold(f64::INFINITY, f64::min);
    let mut h = hi.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for &x in rest {
        s += x;
        l = l.min(x);
        h = h.max(x);
    }
    (s, l, h)
}

#[cfg(test)]
mod summary_tests {
    #[test]
    fn the_summary_is_the_sum_and_the_extremes_whatever_the_length() {
        for n in [0, 1, 7, 8, 9, 17, 1000] {
            let xs: Vec<f64> = (0..n).map(|i| ((i * 37) % 11) as f64 - 5.0).collect();
            let (s, lo, hi) = super::summary(&xs);
            assert_eq!(s, xs.iter().sum::<f64>(), "{n}");
            assert_eq!(lo, xs.iter().copied().fold(f64::INFINITY, f64::min), "{n}");
            assert_eq!(
                hi,
                xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                "{n}"
            );
        }
    }

    #[test]
    fn the_parallel_summary_agrees_with_the_sequential_one() {
        let n = (1 << 17) + 5;
        let xs: Vec<f64> = (0..n)
            .map(|i| ((i * 7919) % 1013) as f64 / 7.0 - 60.0)
            .collect();
        let (s, lo, hi) = super::summary(&xs);
        let (ps, plo, phi) = super::summary_par(&xs);
        assert_eq!((plo, phi), (lo, hi));
        assert!((ps - s).abs() <= 1e-9 * s.abs().max(1.0), "{ps} {s}");
        // The same chunks whatever the threads: the same bits every time.
        assert_eq!(super::summary_par(&xs).0.to_bits(), ps.to_bits());
    }

    #[test]
    fn nan_is_left_out_of_the_extremes() {
        for n in [3, 8, 9, 24] {
            let mut xs: Vec<f64> = (0..n).map(|i| i as f64).collect();
            xs[1] = f64::NAN;
            let (s, lo, hi) = super::summary(&xs);
            assert!(s.is_nan());
            assert_eq!((lo, hi), (0.0, (n - 1) as f64), "{n}");
        }
        let (_, lo, hi) = super::summary(&[f64::NAN; 9]);
        assert_eq!((lo, hi), (f64::INFINITY, f64::NEG_INFINITY));
    }
}
