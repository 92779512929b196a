//! The evaluator's side of SPEC §21's own derivatives: a call of a function with a
//! `backward` clause recorded as one operation, the backward clause run when
//! backward reaches it, and gradient hooks called (`UserCode`, which the engine
//! calls back through).

use crate::autodiff::{
    custom::intern, with_grad_mode, CustomOp, Hook, Node, Op, Tensor, TensorError, UserCode,
};
use crate::diagnostic::Diagnostic;
use crate::display::fmt_shape;
use crate::eval::builtins::hooks::HookFn;
use crate::eval::value::{Closure, Env};
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::source::Span;
use crate::syntax::ast::{ExprKind, FnDecl, StmtKind};
use std::rc::Rc;

/// What a recorded call of a function with a backward clause keeps for it.
struct CustomCall {
    /// The function's name.
    name: Rc<str>,
    /// The backward clause, a closure.
    backward: Rc<Closure>,
    /// The call's arguments; the tensors among them are the node's inputs, in order.
    args: Vec<Value>,
    /// For each argument: the node's input it is, for a tensor.
    inputs: Vec<Option<usize>>,
    /// The function's parameters' spans (to name an argument in a report).
    params: Vec<(Rc<str>, Span)>,
}

impl Interpreter {
    /// Calls `c`, whose backward clause is `backward`: its body runs without
    /// recording, and the call is recorded as one operation (SPEC §21).
    pub(super) fn call_with_backward(
        &mut self,
        c: &Closure,
        backward: &Rc<Closure>,
        env: Rc<Env>,
        span: Span,
    ) -> Eval<Value> {
        let args: Vec<Value> = c
            .decl
            .params
            .iter()
            .map(|p| env.get(&p.name).unwrap_or(Value::None))
            .collect();
        let out = with_grad_mode(false, || self.run_frame_body(c, env, span))?;
        let recording = crate::autodiff::grad_enabled()
            && args
                .iter()
                .any(|a| matches!(a, Value::Tensor(t) if t.requires_grad()));
        if !recording {
            return Ok(out);
        }
        let name = c.decl.name.as_ref().map_or("fn", |n| &*n.name);
        let out = match out {
            Value::Tensor(t) => t,
            Value::Num(n) => Tensor::scalar(n),
            other => {
                return Err(Flow::from(
                    Diagnostic::error(format!(
                    "a function with a backward clause returns one tensor; {name} returned a {}",
                    other.type_name()
                ))
                    .with_label(span, "in this call")
                    .with_label(c.decl.span, "defined here"),
                ))
            }
        };
        let mut inputs = Vec::with_capacity(args.len());
        let mut tensors: Vec<Tensor> = Vec::new();
        for a in &args {
            match a {
                Value::Tensor(t) => {
                    inputs.push(Some(tensors.len()));
                    tensors.push(t.clone());
                }
                _ => inputs.push(None),
            }
        }
        let call = CustomCall {
            name: Rc::from(name),
            backward: backward.clone(),
            args,
            inputs,
            params: c
                .decl
                .params
                .iter()
                .map(|p| (p.name.clone(), p.span))
                .collect(),
        };
        let op = Op::Custom(Rc::new(CustomOp {
            name: intern(name),
            clause: backward.decl.span,
            payload: Rc::new(call),
        }));
        let refs: Vec<&Tensor> = tensors.iter().collect();
        let _span = crate::autodiff::span_scope(span);
        let data = out.data().as_ref().clone();
        Ok(Value::Tensor(Tensor::record(data, op, &refs)))
    }
}

/// The span of what `decl` returns last (`return e`, or the element of a returned
/// tuple literal for argument `k`), for a report about a gradient it returned.
fn returned_span(decl: &FnDecl, k: Option<usize>) -> Span {
    match decl.body.stmts.last().map(|s| &s.kind) {
        Some(StmtKind::Return(Some(e))) => match (&e.kind, k) {
            (ExprKind::Tuple(items), Some(k)) => items.get(k).map_or(e.span, |i| i.span),
            _ => e.span,
        },
        _ => decl.span,
    }
}

fn report(d: Diagnostic) -> TensorError {
    TensorError::Report(Box::new(d))
}

fn flow_error(e: Flow) -> TensorError {
    match e {
        Flow::Error(d) => TensorError::Report(d),
        Flow::Return(..) | Flow::Break(_) | Flow::Continue(_) => {
            TensorError::Other("a backward clause ended without a value".into())
        }
    }
}

impl UserCode for Interpreter {
    fn custom_backward(
        &mut self,
        op: &CustomOp,
        node: &Node,
        out: &Tensor,
        g: &Tensor,
        create_graph: bool,
    ) -> Result<Vec<Option<Tensor>>, TensorError> {
        let Some(call) = op.payload.downcast_ref::<CustomCall>() else {
            return Err(TensorError::Other(format!(
                "the backward of {} cannot run here",
                op.name
            )));
        };
        let freed = || TensorError::Freed {
            freed_by: node.freed_by().unwrap_or_default(),
            node_span: node.span,
        };
        // The arguments as they were: each tensor as the call saw it (recorded
        // when backward itself is, so that higher derivatives flow through it).
        let mut pos = Vec::with_capacity(call.args.len() + 2);
        pos.push((Value::Tensor(g.clone()), node.span));
        for (a, input) in call.args.iter().zip(&call.inputs) {
            let v = match input {
                Some(j) if create_graph => Value::Tensor(node.input(*j).ok_or_else(freed)?),
                Some(j) => Value::Tensor(Tensor::constant_rc(node.saved(*j).ok_or_else(freed)?)),
                None => a.clone(),
            };
            pos.push((v, node.span));
        }
        // Recorded, the output is passed through an identity (`out * 1`): the
        // clause then gets a tensor of its own (an index write into it cannot
        // reach the node being run), still connected to this operation.
        let out = if create_graph {
            crate::autodiff::elementwise::mul_scalar(out, 1.0)
        } else {
            out.detach()
        };
        pos.push((Value::Tensor(out), node.span));
        let f = Value::Func(call.backward.clone());
        let returned = self
            .call(&f, pos, Vec::new(), node.span, node.span)
            .map_err(|e| match e {
                Flow::Error(mut d) => {
                    if let Some(c) = d.calls.last_mut() {
                        c.function = format!("the backward of {}", call.name);
                    }
                    d.labels.push(crate::diagnostic::Label {
                        span: node.span,
                        message: format!(
                            "backward ran the backward clause of {} for this call",
                            call.name
                        ),
                    });
                    TensorError::Report(d)
                }
                other => flow_error(other),
            })?;
        let decl = &call.backward.decl;
        let n = call.args.len();
        let grads: Vec<Value> = match returned {
            Value::Tuple(t) if t.len() == n => t.to_vec(),
            v if n == 1 => vec![v],
            v => {
                let found = match &v {
                    Value::Tuple(t) => format!("{} gradients", t.len()),
                    other => format!("one {}", other.type_name()),
                };
                return Err(report(
                    Diagnostic::error(format!(
                        "the backward of {} returned {found}; it takes {n} arguments, so it returns {n} gradients (a tuple, none for an argument that gets none)",
                        call.name
                    ))
                    .with_label(returned_span(decl, None), "returned here")
                    .with_label(node.span, "in the backward pass of this call"),
                ));
            }
        };
        let mut result = vec![None; node.inputs.len()];
        for (k, (grad, input)) in grads.into_iter().zip(&call.inputs).enumerate() {
            let Some(j) = *input else { continue };
            let shape = node.saved(j).ok_or_else(freed)?.shape().to_vec();
            let (param, param_span) = call
                .params
                .get(k)
                .cloned()
                .unwrap_or_else(|| (Rc::from("?"), node.span));
            let grad = match grad {
                Value::None => continue,
                Value::Tensor(t) => t,
                Value::Num(x) => Tensor::scalar(x),
                other => {
                    return Err(report(
                        Diagnostic::error(format!(
                            "the backward of {} returned a {} as the gradient of '{param}'; a gradient is a tensor or none",
                            call.name,
                            other.type_name()
                        ))
                        .with_label(returned_span(decl, Some(k)), "returned here"),
                    ))
                }
            };
            if grad.shape() != shape {
                let mut d = Diagnostic::error(format!(
                    "the backward of {} returned a gradient of shape {} for '{param}', which has shape {}",
                    call.name,
                    fmt_shape(&grad.shape()),
                    fmt_shape(&shape)
                ))
                .with_label(
                    returned_span(decl, Some(k)),
                    format!(
                        "the gradient for '{param}' has shape {}",
                        fmt_shape(&grad.shape())
                    ),
                );
                let made = node.input(j).map(|t| t.span());
                match made {
                    Some(s) if s != node.span && s.start < s.end => {
                        d = d.with_label(
                            s,
                            format!("'{param}' is this tensor, of shape {}", fmt_shape(&shape)),
                        );
                    }
                    _ => {
                        d = d.with_label(
                            param_span,
                            format!("'{param}' has shape {}", fmt_shape(&shape)),
                        );
                    }
                }
                return Err(report(
                    d.with_label(node.span, "in the backward pass of this call")
                        .with_hint("a gradient has the shape of its argument: sum over the axes that were broadcast, e.g. sum(g, 0)"),
                ));
            }
            if let Some(slot) = result.get_mut(j) {
                *slot = Some(grad);
            }
        }
        Ok(result)
    }

    fn hook(&mut self, hook: &Hook, grad: &Tensor) -> Result<Option<Tensor>, TensorError> {
        let Some(h) = hook.function.downcast_ref::<HookFn>() else {
            return Ok(None);
        };
        let returned = self
            .call(
                &h.function,
                vec![(Value::Tensor(grad.clone()), h.span)],
                Vec::new(),
                h.span,
                h.span,
            )
            .map_err(flow_error)?;
        match returned {
            Value::None => Ok(None),
            Value::Tensor(t) if t.shape() == grad.shape() => Ok(Some(t)),
            Value::Tensor(t) => Err(report(
                Diagnostic::error(format!(
                    "a hook returned a gradient of shape {} for a tensor of shape {}",
                    fmt_shape(&t.shape()),
                    fmt_shape(&grad.shape())
                ))
                .with_label(h.span, "the hook registered here")
                .with_hint("a hook returns a tensor of the gradient's shape, or none to keep it"),
            )),
            other => Err(report(
                Diagnostic::error(format!(
                    "a hook returned a {}; it returns a tensor (the new gradient) or none",
                    other.type_name()
                ))
                .with_label(h.span, "the hook registered here"),
            )),
        }
    }
}
