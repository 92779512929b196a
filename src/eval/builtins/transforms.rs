//! Function transforms (SPEC §20, §23): `jacobian`, `hessian`, `gradcheck` and
//! `gradgradcheck` (the whole Jacobian against central differences, as PyTorch's,
//! through `autodiff::gradcheck`).

use crate::autodiff::gradcheck::{self as fd, Mismatch};
use crate::autodiff::{
    backward as run_backward, with_grad_mode, BackwardOptions, Tensor, TensorError,
};
use crate::diagnostic::Diagnostic;
use crate::display::{fmt_shape, format_number};
use crate::eval::args::{to_tensor, Args};
use crate::eval::errors::{tensor_error, type_error};
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::source::Span;
use ndarray::{ArrayD, IxDyn};

/// The function argument of a transform.
fn function(a: &Args) -> Eval<(Value, Span)> {
    let (f, span) = a.required(0, "f")?;
    if !matches!(f, Value::Func(_) | Value::Builtin(_)) {
        return Err(Flow::from(type_error(
            &format!("{}()", a.name),
            "a function",
            f.type_name(),
            span,
        )));
    }
    Ok((f.clone(), span))
}

/// Calls `f` on tensors; its result must be a tensor or a number.
fn apply(
    it: &mut Interpreter,
    a: &Args,
    f: &Value,
    f_span: Span,
    xs: &[Tensor],
    spans: &[Span],
) -> Eval<Tensor> {
    let pos: Vec<(Value, Span)> = xs
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                Value::Tensor(t.clone()),
                spans.get(i).copied().unwrap_or(a.call),
            )
        })
        .collect();
    match it.call(f, pos, Vec::new(), a.call, f_span)? {
        Value::Tensor(t) => Ok(t),
        Value::Num(n) => Ok(Tensor::scalar(n)),
        Value::Bool(b) => Ok(Tensor::scalar(if b { 1.0 } else { 0.0 })),
        other => Err(a.err(
            format!(
                "{}(): the function returned a {}, not a tensor",
                a.name,
                other.type_name()
            ),
            f_span,
            "this function",
        )),
    }
}

fn options(a: &Args, create_graph: bool) -> BackwardOptions {
    BackwardOptions {
        retain_graph: true,
        create_graph,
        detect_anomalies: false,
        record_grads: false,
        span: a.call,
    }
}

fn input(a: &Args) -> Eval<Tensor> {
    let (v, span) = a.required(1, "x")?;
    let x = to_tensor(v).ok_or_else(|| {
        Flow::from(type_error(
            &format!("{}() argument 'x'", a.name),
            "a tensor",
            v.type_name(),
            span,
        ))
    })?;
    Ok(Tensor::leaf(x.data().as_ref().clone(), true))
}

pub fn jacobian(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (f, f_span) = function(a)?;
    let x = input(a)?;
    let x_span = a.get(1, "x").map_or(a.call, |p| p.1);
    let create_graph = a.flag("create_graph")?;
    let y = apply(it, a, &f, f_span, std::slice::from_ref(&x), &[x_span])?;
    let j = fd::jacobian(&y, &x, options(a, create_graph))
        .map_err(|e| Flow::from(tensor_error(e, a.call, &[])))?;
    Ok(Value::Tensor(if create_graph { j } else { j.detach() }))
}

pub fn hessian(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (f, f_span) = function(a)?;
    let x = input(a)?;
    let x_span = a.get(1, "x").map_or(a.call, |p| p.1);
    let y = apply(it, a, &f, f_span, std::slice::from_ref(&x), &[x_span])?;
    if y.numel() != 1 {
        return Err(a.err(
            format!(
                "hessian(): the function must return one element; it returned shape {}",
                fmt_shape(&y.shape())
            ),
            f_span,
            "not a scalar function",
        ));
    }
    let go = || -> Result<Tensor, TensorError> {
        let y1 = crate::autodiff::shape_ops::reshape(&y, &[])?;
        let g = fd::jacobian(&y1, &x, options(a, true))?;
        fd::jacobian(&g, &x, options(a, false))
    };
    go().map(|h| Value::Tensor(h.detach()))
        .map_err(|e| Flow::from(tensor_error(e, a.call, &[])))
}

/// The inputs of `gradcheck`/`gradgradcheck`, their spans, and eps/atol/rtol.
type Checked = (Value, Span, Vec<Tensor>, Vec<Span>, f64, f64, f64);

fn check_arguments(a: &Args) -> Eval<Checked> {
    let (f, f_span) = function(a)?;
    let mut inputs = Vec::new();
    for (v, s) in a.pos.iter().skip(1) {
        inputs.push(to_tensor(v).ok_or_else(|| {
            Flow::from(type_error(
                &format!("{}() inputs", a.name),
                "tensors",
                v.type_name(),
                *s,
            ))
        })?);
    }
    let spans: Vec<Span> = a.pos.iter().skip(1).map(|p| p.1).collect();
    let eps = a.number_or(usize::MAX, "eps")?;
    let atol = a.number_or(usize::MAX, "atol")?;
    let rtol = a.number_or(usize::MAX, "rtol")?;
    Ok((f, f_span, inputs, spans, eps, atol, rtol))
}

fn report(a: &Args, what: &str, m: Mismatch, spans: &[Span]) -> Flow {
    let span = spans.get(m.input).copied().unwrap_or(a.call);
    let output = if m.outputs == 1 {
        String::new()
    } else {
        format!(", output element {:?}", m.output)
    };
    Flow::from(
        Diagnostic::error(format!(
            "{what} failed: argument {} of the function, element {:?}{output}: analytic {} but numeric {} (difference {})",
            m.input + 1,
            m.position,
            format_number(m.analytic),
            format_number(m.numeric),
            format_number((m.analytic - m.numeric).abs())
        ))
        .with_label(
            span,
            if what == "gradcheck" {
                "the gradient for this argument is wrong"
            } else {
                "the derivative for this argument is wrong"
            },
        )
        .with_label(a.call, "checked here"),
    )
}

/// `gradcheck(f, inputs...)`: the whole Jacobian of `f` (its gradient when it returns
/// one element) against central differences, as PyTorch's.
pub fn gradcheck(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (f, f_span, inputs, spans, eps, atol, rtol) = check_arguments(a)?;
    let mut failure: Option<Flow> = None;
    let mut run = |xs: &[Tensor]| -> Result<Tensor, TensorError> {
        apply(it, a, &f, f_span, xs, &spans).map_err(|e| {
            failure = Some(e);
            TensorError::Other("the function failed".into())
        })
    };
    let result = fd::gradcheck(&mut run, &inputs, eps, atol, rtol);
    if let Some(e) = failure {
        return Err(e);
    }
    match result.map_err(|e| Flow::from(tensor_error(e, a.call, &[])))? {
        None => Ok(Value::Bool(true)),
        Some(m) => Err(report(a, "gradcheck", m, &spans)),
    }
}

pub fn gradgradcheck(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (f, f_span, inputs, spans, eps, atol, rtol) = check_arguments(a)?;
    let mut failure: Option<Flow> = None;
    let opts = options(a, true);
    // The function checked: the inputs' first derivatives of sum(f(x) * v) for a
    // fixed v, recorded, all flattened into one vector.
    let mut run = |xs: &[Tensor]| -> Result<Tensor, TensorError> {
        let y = apply(it, a, &f, f_span, xs, &spans).map_err(|e| {
            failure = Some(e);
            TensorError::Other("the function failed".into())
        })?;
        let wanted: Vec<Tensor> = xs.iter().filter(|t| t.requires_grad()).cloned().collect();
        let m = y.numel();
        let v: Vec<f64> = (0..m).map(|j| 1.0 + 0.25 * (j % 7) as f64).collect();
        let seed = Tensor::constant(
            ArrayD::from_shape_vec(IxDyn(&y.shape()), v)
                .map_err(|e| TensorError::invalid(e.to_string()))?,
        );
        let mut parts = Vec::new();
        if y.requires_grad() && !wanted.is_empty() {
            let out = run_backward(&y, &seed, Some(&wanted), opts)?;
            for (g, x) in out.grads.into_iter().zip(&wanted) {
                let g = match g {
                    Some(g) => g,
                    None => Tensor::constant(ArrayD::zeros(IxDyn(&x.shape()))),
                };
                parts.push(crate::autodiff::shape_ops::reshape(&g, &[x.numel()])?);
            }
        } else {
            // Under no_grad (the finite differences): the same first derivatives,
            // computed with recording switched back on for the inner pass.
            let xs2: Vec<Tensor> = xs
                .iter()
                .zip(inputs.iter())
                .map(|(t, orig)| Tensor::leaf(t.data().as_ref().clone(), orig.requires_grad()))
                .collect();
            let y2 =
                with_grad_mode(true, || apply(it, a, &f, f_span, &xs2, &spans)).map_err(|e| {
                    failure = Some(e);
                    TensorError::Other("the function failed".into())
                })?;
            let wanted2: Vec<Tensor> = xs2.iter().filter(|t| t.requires_grad()).cloned().collect();
            let grads = if y2.requires_grad() {
                with_grad_mode(true, || run_backward(&y2, &seed, Some(&wanted2), opts))?.grads
            } else {
                vec![None; wanted2.len()]
            };
            for (g, x) in grads.into_iter().zip(&wanted2) {
                let g = match g {
                    Some(g) => g.detach(),
                    None => Tensor::constant(ArrayD::zeros(IxDyn(&x.shape()))),
                };
                parts.push(crate::autodiff::shape_ops::reshape(&g, &[x.numel()])?);
            }
        }
        if parts.is_empty() {
            return Err(TensorError::invalid(
                "gradgradcheck: no input requires grad",
            ));
        }
        crate::autodiff::shape_ops::concat(&parts, 0)
    };
    let result = fd::gradcheck(&mut run, &inputs, eps, atol, rtol);
    if let Some(e) = failure {
        return Err(e);
    }
    match result.map_err(|e| Flow::from(tensor_error(e, a.call, &[])))? {
        None => Ok(Value::Bool(true)),
        Some(m) => Err(report(a, "gradgradcheck", m, &spans)),
    }
}
