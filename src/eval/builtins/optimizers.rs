//! `sgd`, `adam`, `adamw` and `set_lr` (SPEC §14): argument checking only; the
//! algorithms live in `crate::optim`. `opt.step()`, `opt.zero_grad()` and `opt.lr`
//! are dispatched on the optimizer value (see `eval::exec`).

use crate::eval::args::Args;
use crate::eval::errors::wrong_type;
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::optim::{Adam, Algorithm, Optimizer, Sgd};
use std::cell::RefCell;
use std::rc::Rc;

/// The parameters: every tensor that requires grad inside the value (a tensor, a
/// tuple or list of them, a model), and the leaves given by hand in tuples and lists
/// even when they do not require grad (kept, and skipped by `step` while they have
/// no gradient, PyTorch's semantics). A tensor made by an operation is an error.
fn params(a: &Args) -> Eval<Vec<crate::autodiff::Tensor>> {
    let (v, span) = a.required(0, "params")?;
    let mut out = Vec::new();
    for f in crate::eval::params::tensors(v) {
        if !(f.direct || f.tensor.requires_grad()) {
            continue;
        }
        if !f.tensor.is_leaf() {
            let i = out.len();
            let why = "is the result of an operation, not a leaf";
            let which = if f.direct {
                format!("parameter {i}")
            } else {
                format!("parameter {i} ('{}')", f.path)
            };
            return Err(a.err(
                format!("{}(): {which} {why}", a.name),
                span,
                "parameters must be leaf tensors made with grad",
            ));
        }
        out.push(f.tensor);
    }
    if out.is_empty() && !matches!(v, Value::Tuple(_) | Value::List(_)) {
        return Err(wrong_type(
            &format!("{}() argument 'params'", a.name),
            "tensors, or a value holding tensors that require grad",
            v,
            span,
        ));
    }
    Ok(out)
}

/// A hyper-parameter that must be a finite number >= 0.
fn non_negative(a: &Args, i: usize, name: &str, default: Option<f64>) -> Eval<f64> {
    let v = match default {
        Some(_) => a.number_or(i, name)?,
        None => a.number(i, name)?,
    };
    if !(v.is_finite() && v >= 0.0) {
        let span = a.get(i, name).map(|(_, s)| s).unwrap_or(a.call);
        return Err(a.err(
            format!(
                "{}(): '{name}' must be a number >= 0; found {}",
                a.name,
                crate::display::format_number(v)
            ),
            span,
            "invalid value",
        ));
    }
    Ok(v)
}

fn make(opt: Optimizer) -> Value {
    Value::Optimizer(Rc::new(RefCell::new(opt)))
}

pub fn sgd(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let p = params(a)?;
    let lr = non_negative(a, 1, "lr", None)?;
    let momentum = non_negative(a, usize::MAX, "momentum", Some(0.0))?;
    let dampening = a.number_or(usize::MAX, "dampening")?;
    let weight_decay = non_negative(a, usize::MAX, "weight_decay", Some(0.0))?;
    let nesterov = a.flag("nesterov")?;
    if nesterov && (momentum <= 0.0 || dampening != 0.0) {
        return Err(a.err(
            "sgd(): nesterov momentum requires a momentum > 0 and zero dampening",
            a.call,
            "as in torch.optim.SGD",
        ));
    }
    Ok(make(Optimizer::new(
        Algorithm::Sgd(Sgd {
            momentum,
            dampening,
            weight_decay,
            nesterov,
        }),
        lr,
        p,
    )))
}

fn adam_like(a: &Args, decoupled: bool) -> Eval<Value> {
    let p = params(a)?;
    let lr = non_negative(a, 1, "lr", Some(0.001))?;
    let (beta1, beta2) = match a.keyword("betas") {
        None | Some((Value::None, _)) => (0.9, 0.999),
        Some((Value::Tuple(t), span)) => match t.as_ref() {
            [Value::Num(b1), Value::Num(b2)]
                if (0.0..1.0).contains(b1) && (0.0..1.0).contains(b2) =>
            {
                (*b1, *b2)
            }
            _ => {
                return Err(a.err(
                    format!("{}(): betas must be two numbers in [0, 1)", a.name),
                    span,
                    "not (beta1, beta2)",
                ))
            }
        },
        Some((v, span)) => {
            return Err(wrong_type(
                &format!("{}() argument 'betas'", a.name),
                "a tuple of two numbers",
                v,
                span,
            ))
        }
    };
    let eps = non_negative(a, usize::MAX, "eps", Some(1e-8))?;
    let default_wd = if decoupled { 0.01 } else { 0.0 };
    let weight_decay = non_negative(a, usize::MAX, "weight_decay", Some(default_wd))?;
    Ok(make(Optimizer::new(
        Algorithm::Adam(Adam {
            beta1,
            beta2,
            eps,
            weight_decay,
            decoupled,
        }),
        lr,
        p,
    )))
}

pub fn adam(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    adam_like(a, false)
}

pub fn adamw(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    adam_like(a, true)
}

pub fn set_lr(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (opt, _) = a.typed(0, "opt", "an optimizer", |v| match v {
        Value::Optimizer(o) => Some(o.clone()),
        _ => None,
    })?;
    let lr = non_negative(a, 1, "lr", None)?;
    opt.borrow_mut().lr = lr;
    Ok(Value::None)
}

/// `opt.step()` and `opt.zero_grad()` on an optimizer value.
pub(crate) fn optimizer_method(
    opt: &std::rc::Rc<std::cell::RefCell<crate::optim::Optimizer>>,
    name: &str,
    name_span: crate::source::Span,
    receiver_span: crate::source::Span,
    call: crate::source::Span,
    pos: Vec<(Value, crate::source::Span)>,
    kw: Vec<(std::rc::Rc<str>, Value, crate::source::Span)>,
) -> Eval<Value> {
    use crate::diagnostic::Diagnostic;
    let no_arguments = |what: &str| -> Eval<()> {
        match pos
            .first()
            .map(|(_, s)| *s)
            .or(kw.first().map(|(_, _, s)| *s))
        {
            Some(span) => Err(Flow::from(
                Diagnostic::error(format!("{what}() takes no arguments"))
                    .with_label(span, "unexpected argument"),
            )),
            None => Ok(()),
        }
    };
    let _ = call;
    match name {
        "step" => {
            no_arguments("step")?;
            opt.borrow_mut().step();
            Ok(Value::None)
        }
        "zero_grad" => {
            no_arguments("zero_grad")?;
            opt.borrow().zero_grad();
            Ok(Value::None)
        }
        _ => Err(Flow::from(
            Diagnostic::error(format!("an optimizer has no method '{name}'"))
                .with_label(name_span, "unknown method")
                .with_label(receiver_span, "this is an optimizer")
                .with_hint("optimizers have step(), zero_grad() and the attribute lr; set_lr(opt, v) changes it"),
        )),
    }
}
