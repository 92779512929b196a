//! Function transforms (SPEC §20, §23): `jacobian`, `hessian`, `gradcheck` and
//! `gradgradcheck` (the whole Jacobian against central differences, as PyTorch's,
//! through `autodiff::gradcheck`).

use crate::autodiff::gradcheck::{self as fd, Checked as _, Mismatch};
use crate::autodiff::{
    backward::backward_with, with_grad_mode, BackwardOptions, Tensor, TensorError,
};
use crate::diagnostic::Diagnostic;
use crate::display::format_number;
use crate::eval::args::{to_tensor, Args};
use crate::eval::errors::{tensor_error, wrong_type};
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::source::Span;
use ndarray::{ArrayD, IxDyn};

/// The function argument of a transform.
fn function(a: &Args) -> Eval<(Value, Span)> {
    let (f, span) = a.required(0, "f")?;
    if !matches!(f, Value::Func(_) | Value::Builtin(_)) {
        return Err(wrong_type(&format!("{}()", a.name), "a function", f, span));
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
    let x = to_tensor(v)
        .ok_or_else(|| wrong_type(&format!("{}() argument 'x'", a.name), "a tensor", v, span))?;
    Ok(Tensor::leaf(x.data().as_ref().clone(), true))
}

pub fn jacobian(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (f, f_span) = function(a)?;
    let x = input(a)?;
    let x_span = a.get(1, "x").map_or(a.call, |p| p.1);
    let create_graph = a.flag("create_graph")?;
    let y = apply(it, a, &f, f_span, std::slice::from_ref(&x), &[x_span])?;
    let j = fd::jacobian_with(&y, &x, options(a, create_graph), it)
        .map_err(|e| Flow::from(tensor_error(e, a.call, &[])))?;
    Ok(Value::Tensor(if create_graph { j } else { j.detach() }))
}

pub fn hessian(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (f, f_span) = function(a)?;
    let x = input(a)?;
    let x_span = a.get(1, "x").map_or(a.call, |p| p.1);
    let y = apply(it, a, &f, f_span, std::slice::from_ref(&x), &[x_span])?;
    if y.numel() != 1 {
        return Err(a.shape_err(
            "hessian(): the function must return one element; it returned shape",
            &y.shape(),
            f_span,
            "not a scalar function",
        ));
    }
    let go = |it: &mut Interpreter| -> Result<Tensor, TensorError> {
        let y1 = crate::autodiff::shape_ops::reshape(&y, &[])?;
        let g = fd::jacobian_with(&y1, &x, options(a, true), it)?;
        fd::jacobian_with(&g, &x, options(a, false), it)
    };
    go(it)
        .map(|h| Value::Tensor(h.detach()))
        .map_err(|e| Flow::from(tensor_error(e, a.call, &[])))
}

/// The inputs of `gradcheck`/`gradgradcheck`, their spans, and eps/atol/rtol.
type Checked = (Value, Span, Vec<Tensor>, Vec<Span>, f64, f64, f64);

fn check_arguments(a: &Args) -> Eval<Checked> {
    let (f, f_span) = function(a)?;
    let mut inputs = Vec::new();
    for (v, s) in a.pos.iter().skip(1) {
        inputs.push(
            to_tensor(v)
                .ok_or_else(|| wrong_type(&format!("{}() inputs", a.name), "tensors", v, *s))?,
        );
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

/// A user function being checked, calling it through the interpreter, which
/// also runs the user code of its backward passes (backward clauses, hooks).
struct UserFn<'a> {
    it: &'a mut Interpreter,
    a: &'a Args,
    f: &'a Value,
    f_span: Span,
    spans: &'a [Span],
    /// The error of the function, when it failed.
    failure: Option<Flow>,
}

impl fd::Checked for UserFn<'_> {
    fn apply(&mut self, xs: &[Tensor]) -> Result<Tensor, TensorError> {
        apply(self.it, self.a, self.f, self.f_span, xs, self.spans).map_err(|e| {
            self.failure = Some(e);
            TensorError::Other("the function failed".into())
        })
    }

    fn user_code(&mut self) -> &mut dyn crate::autodiff::UserCode {
        self.it
    }
}

/// `gradcheck(f, inputs...)`: the whole Jacobian of `f` (its gradient when it returns
/// one element) against central differences, as PyTorch's.
pub fn gradcheck(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (f, f_span, inputs, spans, eps, atol, rtol) = check_arguments(a)?;
    let mut checked = UserFn {
        it,
        a,
        f: &f,
        f_span,
        spans: &spans,
        failure: None,
    };
    let result = fd::gradcheck_with(&mut checked, &inputs, eps, atol, rtol);
    if let Some(e) = checked.failure {
        return Err(e);
    }
    match result.map_err(|e| Flow::from(tensor_error(e, a.call, &[])))? {
        None => Ok(Value::Bool(true)),
        Some(m) => Err(report(a, "gradcheck", m, &spans)),
    }
}

pub fn gradgradcheck(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (f, f_span, inputs, spans, eps, atol, rtol) = check_arguments(a)?;
    let opts = options(a, true);
    // The function checked: the inputs' first derivatives of sum(f(x) * v) for a
    // fixed v, recorded, all flattened into one vector.
    let run = |c: &mut UserFn, xs: &[Tensor]| -> Result<Tensor, TensorError> {
        let y = c.apply(xs)?;
        let wanted: Vec<Tensor> = xs.iter().filter(|t| t.requires_grad()).cloned().collect();
        let m = y.numel();
        let v: Vec<f64> = (0..m).map(|j| 1.0 + 0.25 * (j % 7) as f64).collect();
        let seed = Tensor::constant(
            ArrayD::from_shape_vec(IxDyn(&y.shape()), v)
                .map_err(|e| TensorError::invalid(e.to_string()))?,
        );
        let mut parts = Vec::new();
        if y.requires_grad() && !wanted.is_empty() {
            let out = backward_with(&y, Some(&seed), Some(&wanted), opts, c.it)?;
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
            let y2 = with_grad_mode(true, || c.apply(&xs2))?;
            let wanted2: Vec<Tensor> = xs2.iter().filter(|t| t.requires_grad()).cloned().collect();
            let grads = if y2.requires_grad() {
                with_grad_mode(true, || {
                    backward_with(&y2, Some(&seed), Some(&wanted2), opts, c.it)
                })?
                .grads
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
    struct Derivatives<'a, 'b, R> {
        checked: UserFn<'a>,
        run: &'b R,
    }
    impl<R> fd::Checked for Derivatives<'_, '_, R>
    where
        R: Fn(&mut UserFn, &[Tensor]) -> Result<Tensor, TensorError>,
    {
        fn apply(&mut self, xs: &[Tensor]) -> Result<Tensor, TensorError> {
            (self.run)(&mut self.checked, xs)
        }
        fn user_code(&mut self) -> &mut dyn crate::autodiff::UserCode {
            self.checked.it
        }
    }
    let mut d = Derivatives {
        checked: UserFn {
            it,
            a,
            f: &f,
            f_span,
            spans: &spans,
            failure: None,
        },
        run: &run,
    };
    let result = fd::gradcheck_with(&mut d, &inputs, eps, atol, rtol);
    if let Some(e) = d.checked.failure {
        return Err(e);
    }
    match result.map_err(|e| Flow::from(tensor_error(e, a.call, &[])))? {
        None => Ok(Value::Bool(true)),
        Some(m) => Err(report(a, "gradgradcheck", m, &spans)),
    }
}
