//! Gradient hooks (SPEC §21): `register_hook(t, f)` and `remove_hook(h)`. The
//! engine calls a tensor's hooks when backward computes its gradient (through
//! the evaluator's `UserCode`, in `exec/custom.rs`).

use crate::autodiff::custom::next_hook_id;
use crate::autodiff::tensor::WeakTensor;
use crate::autodiff::Hook;
use crate::diagnostic::Diagnostic;
use crate::eval::args::Args;
use crate::eval::errors::wrong_type;
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::source::Span;
use std::cell::RefCell;
use std::rc::Rc;

/// A hook as `register_hook` keeps it: the function and the call that registered it.
pub(crate) struct HookFn {
    pub function: Value,
    pub span: Span,
}

thread_local! {
    /// The tensor of every hook still registered, by the hook's number (the
    /// handle `register_hook` returns), not keeping the tensors alive.
    static REGISTERED: RefCell<Vec<(u64, WeakTensor)>> = const { RefCell::new(Vec::new()) };
}

/// `register_hook(t, f)`: calls `f(g)` with `t`'s gradient when backward computes
/// it; a returned tensor replaces the gradient. Returns the hook's number.
pub fn register_hook(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (t, t_span) = a.typed(0, "t", "a tensor", |v| match v {
        Value::Tensor(t) => Some(t.clone()),
        _ => None,
    })?;
    let (f, f_span) = a.required(1, "hook")?;
    if !matches!(f, Value::Func(_) | Value::Builtin(_)) {
        return Err(wrong_type(
            "register_hook() argument 'hook'",
            "a function",
            f,
            f_span,
        ));
    }
    if !t.requires_grad() {
        return Err(Flow::from(
            Diagnostic::error("register_hook() on a tensor that does not require grad")
                .with_label(t_span, "this tensor never gets a gradient")
                .with_hint("hooks see gradients: register them on tensors made with grad, or computed from them"),
        ));
    }
    let id = next_hook_id();
    t.add_hook(Hook {
        id,
        function: Rc::new(HookFn {
            function: f.clone(),
            span: a.call,
        }),
    });
    REGISTERED.with(|r| {
        let mut r = r.borrow_mut();
        // Hooks of tensors that are gone are forgotten (a loop that registers one
        // per step does not grow the list).
        if r.len() >= 64 && r.len().is_power_of_two() {
            r.retain(|(_, w)| w.upgrade().is_some());
        }
        r.push((id, t.downgrade()));
    });
    Ok(Value::Num(id as f64))
}

/// `remove_hook(h)`: removes the hook that `register_hook` numbered `h`
/// (removing it again does nothing, as PyTorch's `handle.remove()`).
pub fn remove_hook(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (hv, h_span) = a.required(0, "handle")?;
    let id = match hv {
        Value::Num(n) if *n >= 1.0 && n.fract() == 0.0 => *n as u64,
        other => {
            return Err(wrong_type(
                "remove_hook() argument 'handle'",
                "the number register_hook returned",
                other,
                h_span,
            ))
        }
    };
    let tensor = REGISTERED.with(|r| {
        let mut r = r.borrow_mut();
        let at = r.iter().position(|(i, _)| *i == id)?;
        r.swap_remove(at).1.upgrade()
    });
    if let Some(t) = tensor {
        t.remove_hook(id);
    }
    Ok(Value::None)
}
