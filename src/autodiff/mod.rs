//! Tensors that record the operations made on them, and reverse-mode differentiation.
//!
//! The graph is made of reference-counted nodes: every result of a recorded
//! operation holds its [`Node`] (the operation, its inputs and the values they had),
//! so a graph that nothing refers to any more frees itself, and a training loop runs
//! in constant memory. `backward` sorts the graph with an explicit stack and applies
//! each operation's vector-Jacobian product, written in terms of the same recorded
//! tensor operations so that, with `create_graph`, backward itself is recorded and
//! derivatives of any order can be taken.
//!
//! Two pieces of state are per thread, as in PyTorch: whether recording is enabled
//! (`no_grad`), and the source span of the expression being evaluated, which every
//! recorded node keeps so that diagnostics can point at it.

pub mod backward;
pub(crate) mod custom;
pub mod elementwise;
pub(crate) mod error;
pub(crate) mod fast_math;
pub(crate) mod few;
pub mod gradcheck;
pub mod linalg;
pub mod nn;
pub mod op;
mod plain;
pub mod reduce;
pub(crate) mod scalar;
pub mod shape;
pub mod shape_ops;
pub(crate) mod steps;
pub(crate) mod tensor;
mod vjp;

pub use backward::{backward, backward_from_ones, Anomaly, BackwardOptions, BackwardOutcome};
pub use custom::{CustomOp, Hook, NoUserCode, UserCode};
pub use error::TensorError;
pub use op::Op;
pub use scalar::Unary;
pub use tensor::{Array, Node, Origin, Tensor};

use crate::source::Span;
use std::cell::Cell;

thread_local! {
    static GRAD_ENABLED: Cell<bool> = const { Cell::new(true) };
    static CURRENT_SPAN: Cell<Span> = const { Cell::new(Span::EMPTY) };
    /// The span of the last `span_scope` opened, kept after it closes: what a
    /// report of an internal error (a panic) points at.
    static LAST_ENTERED: Cell<Span> = const { Cell::new(Span::EMPTY) };
    static LIVE_NODES: Cell<usize> = const { Cell::new(0) };
}

/// Whether operations are being recorded (false inside `no_grad`).
#[inline]
pub fn grad_enabled() -> bool {
    GRAD_ENABLED.with(|g| g.get())
}

/// Sets whether operations are recorded; returns the previous setting.
#[inline]
pub fn set_grad_enabled(enabled: bool) -> bool {
    GRAD_ENABLED.with(|g| g.replace(enabled))
}

/// Runs `f` with recording switched off (or on), restoring the previous mode after.
#[inline]
pub fn with_grad_mode<T>(enabled: bool, f: impl FnOnce() -> T) -> T {
    let previous = set_grad_enabled(enabled);
    let result = f();
    set_grad_enabled(previous);
    result
}

/// The span that newly recorded operations are attributed to.
#[inline]
pub fn current_span() -> Span {
    CURRENT_SPAN.with(|s| s.get())
}

/// Sets the span of the expression being evaluated; returns the previous one.
/// The evaluator uses `span_scope` instead, which restores it.
#[inline]
pub fn set_current_span(span: Span) -> Span {
    CURRENT_SPAN.with(|s| s.replace(span))
}

/// The span of the last scope opened, even if it has closed (for panic reports).
pub fn last_entered_span() -> Span {
    LAST_ENTERED.with(|s| s.get())
}

/// Operations recorded while this lives are attributed to its span; dropping it
/// restores the span before, also on an early return or an error, and also after
/// a builtin has called back into user code (gradcheck).
#[must_use = "the span applies only while the scope is alive"]
pub struct SpanScope {
    previous: Span,
}

/// Attributes the operations recorded until the returned scope drops to `span`.
#[inline]
pub fn span_scope(span: Span) -> SpanScope {
    LAST_ENTERED.with(|s| s.set(span));
    SpanScope {
        previous: set_current_span(span),
    }
}

impl Drop for SpanScope {
    #[inline]
    fn drop(&mut self) {
        set_current_span(self.previous);
    }
}

/// How many graph nodes are alive on this thread (for tests of constant memory).
pub fn live_nodes() -> usize {
    LIVE_NODES.with(|n| n.get())
}

#[inline]
pub(crate) fn node_created() {
    LIVE_NODES.with(|n| n.set(n.get() + 1));
}

#[inline]
pub(crate) fn node_dropped() {
    LIVE_NODES.with(|n| n.set(n.get().saturating_sub(1)));
}
