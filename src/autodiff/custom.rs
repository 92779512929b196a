//! Operations whose derivative is the user's own (SPEC §21, a function with a
//! `backward` clause), and gradient hooks (`register_hook`).
//!
//! Both hold user functions, which only the evaluator can run: the engine holds
//! them as opaque payloads and calls back through [`UserCode`], which each
//! backward pass is handed by its caller (the evaluator passes itself).

use super::{Node, Tensor, TensorError};
use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

/// A call of a function with a `backward` clause, recorded as one operation.
pub struct CustomOp {
    /// The function's name, as `:tape`, `draw` and `grad_fn=<…>` show it.
    pub name: &'static str,
    /// The backward clause (`backward(g, x, out) { ... }`), for explanations.
    pub clause: crate::source::Span,
    /// What the evaluator needs to run the backward clause (the function, the
    /// call's arguments); the engine never looks inside.
    pub payload: Rc<dyn Any>,
}

impl std::fmt::Debug for CustomOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CustomOp({})", self.name)
    }
}

/// A hook on a tensor's gradient, as registered (`register_hook`).
#[derive(Clone)]
pub struct Hook {
    pub id: u64,
    pub function: Rc<dyn Any>,
}

/// Runs user code for the backward pass: the evaluator implements it.
pub trait UserCode {
    /// The gradient for each input of `node` (an operation `Custom(op)`) given the
    /// gradient `g` arriving at its output `out`; `None` for an input that gets none.
    fn custom_backward(
        &mut self,
        op: &CustomOp,
        node: &Node,
        out: &Tensor,
        g: &Tensor,
        create_graph: bool,
    ) -> Result<Vec<Option<Tensor>>, TensorError>;

    /// Calls `hook` with a tensor's gradient; `Some` replaces the gradient.
    fn hook(&mut self, hook: &Hook, grad: &Tensor) -> Result<Option<Tensor>, TensorError>;
}

/// For backward passes run where no user code can run (tests of the engine):
/// a custom operation is an error, hooks are not called.
pub struct NoUserCode;

impl UserCode for NoUserCode {
    fn custom_backward(
        &mut self,
        op: &CustomOp,
        _: &Node,
        _: &Tensor,
        _: &Tensor,
        _: bool,
    ) -> Result<Vec<Option<Tensor>>, TensorError> {
        Err(TensorError::Other(format!(
            "the backward of {} cannot run here",
            op.name
        )))
    }

    fn hook(&mut self, _: &Hook, _: &Tensor) -> Result<Option<Tensor>, TensorError> {
        Ok(None)
    }
}

thread_local! {
    static NAMES: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
    static NEXT_HOOK: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// `name` as a string that lives as long as the program: each distinct function
/// name is stored once (operation names are `&'static str`).
pub fn intern(name: &str) -> &'static str {
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if let Some(n) = names.iter().find(|n| **n == name) {
            return *n;
        }
        let n: &'static str = Box::leak(name.to_string().into_boxed_str());
        names.push(n);
        n
    })
}

/// A new hook id (unique on this thread).
pub fn next_hook_id() -> u64 {
    NEXT_HOOK.with(|n| {
        n.set(n.get() + 1);
        n.get()
    })
}
