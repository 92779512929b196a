//! Autodiff builtins: backward, grad, zero_grad, detach, retain_grad, clipping.

use crate::autodiff::{
    backward::backward_with, Anomaly, BackwardOptions, Origin, Tensor, TensorError,
};
use crate::diagnostic::Diagnostic;
use crate::display::fmt_shape;
use crate::eval::args::Args;
use crate::eval::errors::{tensor_error, wrong_type};
use crate::eval::{Eval, Flow, Interpreter, LastBackward, Value};
use crate::source::Span;

fn backward_error(it: &Interpreter, a: &Args, e: TensorError, y: &Tensor, y_span: Span) -> Flow {
    match e {
        TensorError::NoDerivative { span, .. } => Flow::from(
            Diagnostic::error(e.message())
                .with_label(span, "this operation has no derivative")
                .with_label(a.call, "the backward pass reached it from here")
                .with_hint("use `/` where gradients should flow; `//` suits values that need none (indices, counts)"),
        ),
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
        other => Err(wrong_type(what, "a tensor", other, y_span)),
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
    let outcome = backward_with(&y, seed.as_ref(), None, options, it)
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

/// `backprop_steps(y)`: `backward(y)` of a one-element `y`, printing each step of
/// the chain rule as backward takes it (SPEC §21).
pub fn backprop_steps(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (y, y_span) = output_tensor(a, "backprop_steps()")?;
    if y.numel() != 1 {
        let text = it.sources.slice(y_span).to_string();
        return Err(Flow::from(
            Diagnostic::error(format!(
                "backprop_steps needs a scalar output, but '{text}' has shape {}",
                fmt_shape(&y.shape())
            ))
            .with_label(y_span, "more than one element")
            .with_hint(format!(
                "reduce it first, as in backprop_steps(mean({text}))"
            )),
        ));
    }
    let options = BackwardOptions {
        retain_graph: a.flag("retain_graph")?,
        create_graph: false,
        detect_anomalies: it.options.detect_anomalies,
        record_grads: true,
        span: a.call,
    };
    let steps = crate::autodiff::steps::backward_steps(&y, options, it)
        .map_err(|e| backward_error(it, a, e, &y, y_span))?;
    let text = crate::eval::chain_rule::backprop_steps(it, &y, y_span, &steps).join("\n");
    it.write_out(&text)?;
    if it.shows_pictures_inline() {
        // The notebook (SPEC §21): the graph with the gradient on each edge.
        let edges = crate::eval::chain_rule::edge_gradients(&steps);
        let name = it.sources.slice(y_span).to_string();
        let drawing = crate::eval::explain::drawing_with(it, &y, &name, &edges);
        it.show_picture(crate::picture::Picture::Graph(drawing), None)?;
    }
    it.last_backward = it.options.record_grads.then_some(LastBackward {
        root: y,
        span: a.call,
    });
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
                    other => return Err(wrong_type("grad() inputs", "tensors", other, x_span)),
                }
            }
            (v, true)
        }
        other => {
            return Err(wrong_type(
                "grad() input",
                "a tensor or a tuple of tensors",
                other,
                x_span,
            ))
        }
    };
    let seed = match a.get(2, "v") {
        Some((Value::None, _)) | None => {
            if y.numel() != 1 {
                return Err(a.shape_err(
                    "grad() needs a scalar output or v=; the output has shape",
                    &y.shape(),
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
    let outcome = backward_with(&y, seed.as_ref(), Some(&xs), options, it)
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
/// The tensors of `zero_grad` (every positional argument) and of `clip_grad_norm` and
/// `clip_grad_value` (the first): those inside that require grad, and the ones given
/// by hand, alone or in tuples and lists.
fn params(a: &Args, count: usize) -> Eval<Vec<Tensor>> {
    let mut out = Vec::new();
    for (v, span) in a.pos.iter().take(count) {
        let found = crate::eval::params::tensors(v);
        if found.is_empty() && !matches!(v, Value::Tuple(_) | Value::List(_)) {
            return Err(wrong_type(
                &format!("{}()", a.name),
                "tensors, or a value holding them",
                v,
                *span,
            ));
        }
        out.extend(
            found
                .into_iter()
                .filter(|f| f.direct || f.tensor.requires_grad())
                .map(|f| f.tensor),
        );
    }
    Ok(out)
}

/// `parameters(v)`: the tensors inside `v` that require grad, each once, in order.
pub fn parameters(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (v, _) = a.required(0, "v")?;
    let found = crate::eval::params::parameters(v);
    Ok(Value::List(crate::eval::value::List::new(
        found.into_iter().map(|f| Value::Tensor(f.tensor)).collect(),
    )))
}

/// `named_parameters(v)`: `(dotted path, tensor)` pairs of `parameters(v)`.
pub fn named_parameters(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (v, _) = a.required(0, "v")?;
    let found = crate::eval::params::parameters(v);
    Ok(Value::List(crate::eval::value::List::new(
        found
            .into_iter()
            .map(|f| {
                Value::Tuple(
                    vec![Value::Str(f.path.as_str().into()), Value::Tensor(f.tensor)].into(),
                )
            })
            .collect(),
    )))
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
    for t in params(a, usize::MAX)? {
        t.set_grad(None);
    }
    Ok(Value::None)
}

pub fn detach(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    Ok(Value::Tensor(a.tensor(0, "x")?.detach()))
}

pub fn requires_grad_(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let t = a.tensor(0, "x")?;
    let flag = match a.get(1, "requires_grad") {
        None | Some((Value::None, _)) => true,
        Some((Value::Bool(b), _)) => *b,
        Some((v, span)) => {
            return Err(Flow::from(crate::eval::errors::type_error(
                "requires_grad_() argument 'requires_grad'",
                "true or false",
                v.type_name(),
                span,
            )))
        }
    };
    crate::eval::habits::set_requires_grad(&t, flag, a.call)?;
    Ok(Value::Tensor(t))
}

pub fn retain_grad(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let t = a.tensor(0, "y")?;
    t.set_retains_grad();
    Ok(Value::None)
}

pub fn clip_grad_norm(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let ps = params(a, 1)?;
    let max_norm = a.number(1, "max_norm")?;
    // As torch.nn.utils.clip_grad_norm_: the norm of the gradients' norms, and every
    // gradient scaled by max_norm / (total + 1e-6) whenever that is below 1.
    let total = ps
        .iter()
        .filter_map(|p| p.grad())
        .map(|g| g.data_ref().iter().map(|v| v * v).sum::<f64>().sqrt())
        .fold(0.0, |acc, n| acc + n * n)
        .sqrt();
    let scale = max_norm / (total + 1e-6);
    if scale < 1.0 {
        for g in ps.iter().filter_map(|p| p.grad()) {
            let scaled = g.data_ref().mapv(|v| v * scale);
            g.replace_data(scaled);
        }
    }
    Ok(Value::Num(total))
}

pub fn clip_grad_value(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let ps = params(a, 1)?;
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
