//! Autodiff builtins: backward, grad, zero_grad, detach, retain_grad, clipping, gradcheck.

use crate::autodiff::gradcheck::gradcheck as check_gradients;
use crate::autodiff::{
    backward as run_backward, backward_from_ones, Anomaly, BackwardOptions, Origin, Tensor,
    TensorError,
};
use crate::diagnostic::Diagnostic;
use crate::display::fmt_shape;
use crate::eval::args::{to_tensor, Args};
use crate::eval::errors::{tensor_error, type_error};
use crate::eval::{Eval, Flow, Interpreter, LastBackward, Value};
use crate::source::Span;

fn backward_error(it: &Interpreter, a: &Args, e: TensorError, y: &Tensor, y_span: Span) -> Flow {
    match e {
        TensorError::Freed { freed_by, .. } => Flow::from(
            Diagnostic::error("backward through a graph that was already freed")
                .with_label(a.call, "this needs the graph again")
                .with_label(freed_by, "the graph was freed by this earlier call")
                .with_hint("pass retain_graph=true to the earlier call to keep the graph for a second backward"),
        ),
        TensorError::NoGrad => {
            let text = it.sources.slice(y_span).to_string();
            let (why, hint) = match y.origin() {
                Origin::NoGrad => (
                    "it was computed under no_grad",
                    "compute it outside no_grad { ... } to record the operations",
                ),
                Origin::Detached => (
                    "it was detached from the graph",
                    "use the tensor itself, not detach(...) or .data, where gradients should flow",
                ),
                Origin::NotDifferentiable => (
                    "it was computed with `//` (floor division), which has no gradient",
                    "PyTorch's floor_divide is not differentiable either; use `/` where gradients should flow",
                ),
                Origin::Created => (
                    "nothing it was computed from requires grad",
                    "create the inputs with grad, e.g. ones(3, grad)",
                ),
            };
            let mut d =
                Diagnostic::error(format!("{}() of a tensor that does not require grad", a.name))
                    .with_label(y_span, format!("'{text}' does not require grad: {why}"));
            if y.span() != y_span && y.span() != a.call && !it.sources.slice(y.span()).is_empty() {
                d = d.with_label(y.span(), format!("'{text}' was made here"));
            }
            Flow::from(d.with_hint(hint))
        }
        other => Flow::from(tensor_error(other, a.call, &[])),
    }
}

/// The report for a gradient that turned NaN or infinite.
fn anomaly_report(it: &Interpreter, anomaly: &Anomaly, call: Span) -> Diagnostic {
    let what = if anomaly.kind == "nan" {
        "a nan"
    } else {
        "an infinite"
    };
    let text = it.sources.slice(anomaly.span).to_string();
    let at = match anomaly.input_value {
        Some(v) => format!(" at input value {}", crate::display::format_number(v)),
        None => String::new(),
    };
    Diagnostic::warning(format!(
        "backward produced {what} gradient in {}",
        anomaly.op
    ))
    .with_label(
        anomaly.span,
        format!(
            "the derivative of {} is {}{at} here",
            anomaly.op, anomaly.kind
        ),
    )
    .with_label(call, "in this backward pass")
    .with_hint(format!(
        "'{text}' is the first operation whose gradient was not finite"
    ))
}

fn report_anomaly(it: &mut Interpreter, anomaly: Option<Anomaly>, call: Span) -> Eval<()> {
    if let Some(an) = anomaly {
        let d = anomaly_report(it, &an, call);
        if it.options.strict {
            let mut d = d;
            d.severity = crate::diagnostic::Severity::Error;
            return Err(Flow::from(d));
        }
        it.warn(d);
    }
    Ok(())
}

/// The output `y` that `backward` and `grad` differentiate: a tensor (a number has
/// no graph), with its span.
fn output_tensor(a: &Args, what: &str) -> Eval<(Tensor, Span)> {
    let (yv, y_span) = a.required(0, "y")?;
    match yv {
        Value::Tensor(y) => Ok((y.clone(), y_span)),
        other => Err(Flow::from(type_error(
            what,
            "a tensor",
            other.type_name(),
            y_span,
        ))),
    }
}

pub fn backward(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (y, y_span) = output_tensor(a, "backward()")?;
    let seed = match a.get(1, "v") {
        Some((Value::None, _)) | None => {
            if y.numel() != 1 {
                let text = it.sources.slice(y_span).to_string();
                let mut d = Diagnostic::error(format!(
                    "backward needs a scalar output, but '{text}' has shape {}",
                    fmt_shape(&y.shape())
                ))
                .with_label(a.call, "backward of a tensor with more than one element");
                if y.span() != a.call && y.span() != y_span {
                    d = d.with_label(
                        y.span(),
                        format!(
                            "'{text}' was made here, with shape {}",
                            fmt_shape(&y.shape())
                        ),
                    );
                }
                return Err(Flow::from(d.with_hint(format!(
                    "reduce it first, as in backward(mean({text})), or give the starting gradient: backward({text}, ones_like({text}))"
                ))));
            }
            // Ones, made by the pass itself.
            None
        }
        Some(_) => Some(a.tensor(1, "v")?),
    };
    // retain_graph defaults to create_graph, as in PyTorch.
    let create_graph = a.flag("create_graph")?;
    let options = BackwardOptions {
        retain_graph: a.flag("retain_graph")? || create_graph,
        create_graph,
        detect_anomalies: it.options.detect_anomalies,
        record_grads: it.options.record_grads,
        span: a.call,
    };
    let outcome = match &seed {
        Some(seed) => run_backward(&y, seed, None, options),
        None => backward_from_ones(&y, None, options),
    }
    .map_err(|e| backward_error(it, a, e, &y, y_span))?;
    // Kept for `:why` (which only the REPL asks); a script would hold the whole
    // previous graph alive through it until the next backward.
    it.last_backward = it.options.record_grads.then_some(LastBackward {
        root: y,
        span: a.call,
    });
    report_anomaly(it, outcome.anomaly, a.call)?;
    Ok(Value::None)
}

pub fn grad(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (y, y_span) = output_tensor(a, "grad()")?;
    let (xv, x_span) = a.required(1, "x")?;
    let (xs, is_tuple): (Vec<Tensor>, bool) = match xv {
        Value::Tensor(t) => (vec![t.clone()], false),
        Value::Tuple(items) => {
            let mut v = Vec::new();
            for item in items.iter() {
                match item {
                    Value::Tensor(t) => v.push(t.clone()),
                    other => {
                        return Err(Flow::from(type_error(
                            "grad() inputs",
                            "tensors",
                            other.type_name(),
                            x_span,
                        )))
                    }
                }
            }
            (v, true)
        }
        other => {
            return Err(Flow::from(type_error(
                "grad() input",
                "a tensor or a tuple of tensors",
                other.type_name(),
                x_span,
            )))
        }
    };
    let seed = match a.get(2, "v") {
        Some((Value::None, _)) | None => {
            if y.numel() != 1 {
                return Err(a.err(
                    format!(
                        "grad() needs a scalar output or v=; the output has shape {}",
                        fmt_shape(&y.shape())
                    ),
                    y_span,
                    "more than one element",
                ));
            }
            // Ones, made by the pass itself.
            None
        }
        Some(_) => Some(a.tensor(2, "v")?),
    };
    let create_graph = a.flag("create_graph")?;
    let options = BackwardOptions {
        retain_graph: match a.keyword("retain_graph") {
            None => create_graph,
            Some(_) => a.flag("retain_graph")?,
        },
        create_graph,
        detect_anomalies: it.options.detect_anomalies,
        record_grads: false,
        span: a.call,
    };
    let allow_unused = a.flag("allow_unused")?;
    let outcome = match &seed {
        Some(seed) => run_backward(&y, seed, Some(&xs), options),
        None => backward_from_ones(&y, Some(&xs), options),
    }
    .map_err(|e| backward_error(it, a, e, &y, y_span))?;
    report_anomaly(it, outcome.anomaly, a.call)?;
    let mut out = Vec::with_capacity(xs.len());
    for (i, g) in outcome.grads.into_iter().enumerate() {
        match g {
            Some(g) => out.push(Value::Tensor(g)),
            None if allow_unused => out.push(Value::None),
            None => {
                return Err(Flow::from(
                    Diagnostic::error(format!(
                        "grad(): input {i} was not used to compute the output"
                    ))
                    .with_label(x_span, "the output does not depend on this")
                    .with_hint("pass allow_unused=true to get none for it"),
                ))
            }
        }
    }
    if is_tuple {
        Ok(Value::Tuple(out.into()))
    } else {
        Ok(out.pop().unwrap_or(Value::None))
    }
}

/// The tensors of `f(a, b)` or `f((a, b))`.
fn params(a: &Args, from: usize) -> Eval<Vec<Tensor>> {
    let mut out = Vec::new();
    for (v, span) in a
        .pos
        .iter()
        .skip(from)
        .take(if from == 0 { usize::MAX } else { 1 })
    {
        match v {
            Value::Tuple(items) => {
                for item in items.iter() {
                    match item {
                        Value::Tensor(t) => out.push(t.clone()),
                        other => {
                            return Err(Flow::from(type_error(
                                &format!("{}()", a.name),
                                "tensors",
                                other.type_name(),
                                *span,
                            )))
                        }
                    }
                }
            }
            Value::Tensor(t) => out.push(t.clone()),
            other => {
                return Err(Flow::from(type_error(
                    &format!("{}()", a.name),
                    "tensors",
                    other.type_name(),
                    *span,
                )))
            }
        }
    }
    Ok(out)
}

pub fn zero_grad(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    // Tensors given directly (the common case) without collecting them first.
    if a.pos.iter().all(|(v, _)| matches!(v, Value::Tensor(_))) {
        for (v, _) in &a.pos {
            if let Value::Tensor(t) = v {
                t.set_grad(None);
            }
        }
        return Ok(Value::None);
    }
    for t in params(a, 0)? {
        t.set_grad(None);
    }
    Ok(Value::None)
}

pub fn detach(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    Ok(Value::Tensor(a.tensor(0, "x")?.detach()))
}

pub fn retain_grad(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let t = a.tensor(0, "y")?;
    t.set_retains_grad();
    Ok(Value::None)
}

fn params_first(a: &Args) -> Eval<Vec<Tensor>> {
    let mut out = Vec::new();
    let (v, span) = a.required(0, "params")?;
    match v {
        Value::Tuple(items) => {
            for item in items.iter() {
                match item {
                    Value::Tensor(t) => out.push(t.clone()),
                    other => {
                        return Err(Flow::from(type_error(
                            &format!("{}()", a.name),
                            "a tuple of tensors",
                            other.type_name(),
                            span,
                        )))
                    }
                }
            }
        }
        Value::Tensor(t) => out.push(t.clone()),
        other => {
            return Err(Flow::from(type_error(
                &format!("{}()", a.name),
                "a tensor or a tuple of tensors",
                other.type_name(),
                span,
            )))
        }
    }
    Ok(out)
}

pub fn clip_grad_norm(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let ps = params_first(a)?;
    let max_norm = a.number(1, "max_norm")?;
    let total = ps
        .iter()
        .filter_map(|p| p.grad())
        .map(|g| g.data_ref().iter().map(|v| v * v).sum::<f64>())
        .fold(0.0, |acc, s| acc + s)
        .sqrt();
    if total > max_norm {
        let scale = max_norm / (total + 1e-6);
        for g in ps.iter().filter_map(|p| p.grad()) {
            let scaled = g.data_ref().mapv(|v| v * scale);
            g.replace_data(scaled);
        }
    }
    Ok(Value::Num(total))
}

pub fn clip_grad_value(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let ps = params_first(a)?;
    let c = a.number(1, "clip")?.abs();
    if c.is_nan() {
        return Err(a.err(
            "clip_grad_value(): clip must be a number; found nan",
            a.call,
            "clip is nan",
        ));
    }
    for g in ps.iter().filter_map(|p| p.grad()) {
        let clipped = g.data_ref().mapv(|v| v.clamp(-c, c));
        g.replace_data(clipped);
    }
    Ok(Value::None)
}

pub fn gradcheck(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (f, f_span) = a.required(0, "f")?;
    let f = f.clone();
    if !matches!(f, Value::Func(_) | Value::Builtin(_)) {
        return Err(Flow::from(type_error(
            "gradcheck()",
            "a function",
            f.type_name(),
            f_span,
        )));
    }
    let mut inputs = Vec::new();
    for (v, s) in a.pos.iter().skip(1) {
        inputs.push(to_tensor(v).ok_or_else(|| {
            Flow::from(type_error(
                "gradcheck() inputs",
                "tensors",
                v.type_name(),
                *s,
            ))
        })?);
    }
    // Keyword-only: the positional arguments are the inputs.
    let eps = a.number_or(usize::MAX, "eps")?;
    let atol = a.number_or(usize::MAX, "atol")?;
    let rtol = a.number_or(usize::MAX, "rtol")?;
    let call = a.call;
    let spans: Vec<Span> = a.pos.iter().skip(1).map(|p| p.1).collect();
    let mut failure: Option<Flow> = None;
    let mut run = |xs: &[Tensor]| -> Result<Tensor, TensorError> {
        let pos: Vec<(Value, Span)> = xs
            .iter()
            .zip(&spans)
            .map(|(t, s)| (Value::Tensor(t.clone()), *s))
            .collect();
        match it.call(&f, pos, Vec::new(), call, f_span) {
            Ok(Value::Tensor(t)) => Ok(t),
            Ok(Value::Num(n)) => Ok(Tensor::scalar(n)),
            Ok(other) => Err(TensorError::invalid(format!(
                "gradcheck: the function returned a {}, not a tensor",
                other.type_name()
            ))),
            Err(e) => {
                failure = Some(e);
                Err(TensorError::Other("the function failed".into()))
            }
        }
    };
    let result = check_gradients(&mut run, &inputs, eps, atol, rtol);
    if let Some(f) = failure {
        return Err(f);
    }
    // A function of any output shape: its whole Jacobian is checked (SPEC §23).
    if let Err(TensorError::Invalid(m)) = &result {
        if m.starts_with("gradcheck: the function must return one element") {
            return super::transforms::gradcheck_any_shape(it, a);
        }
    }
    match result {
        Err(e) => Err(Flow::from(tensor_error(e, call, &[]))),
        Ok(None) => Ok(Value::Bool(true)),
        Ok(Some(m)) => {
            let span = spans
                .get(m.input.saturating_sub(0))
                .copied()
                .unwrap_or(call);
            Err(Flow::from(
                Diagnostic::error(format!(
                    "gradcheck failed: argument {} of the function, element {:?}: analytic {} but numeric {} (difference {})",
                    m.input + 1,
                    m.position,
                    crate::display::format_number(m.analytic),
                    crate::display::format_number(m.numeric),
                    crate::display::format_number((m.analytic - m.numeric).abs())
                ))
                .with_label(span, "the gradient for this argument is wrong")
                .with_label(call, "checked here"),
            ))
        }
    }
}
