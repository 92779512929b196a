//! Creation builtins: zeros, ones, full, eye, arange, linspace, rand, randn, tensor…

use crate::autodiff::shape::checked_numel;
use crate::autodiff::{Array, Tensor};
use crate::eval::args::Args;
use crate::eval::errors::{tensor_error, wrong_type};
use crate::eval::{Eval, Flow, Interpreter, Value};
use ndarray::{ArrayD, IxDyn};

fn leaf(args: &Args, data: Array) -> Eval<Value> {
    let grad = args.flag("grad")?;
    Ok(Value::Tensor(Tensor::leaf(data, grad)))
}

fn shaped(args: &Args, from: usize, value: impl Fn() -> f64) -> Eval<Array> {
    let shape = args.shape(from)?;
    checked_numel(&shape).map_err(|e| Flow::from(tensor_error(e, args.call, &[])))?;
    Ok(ArrayD::from_shape_simple_fn(IxDyn(&shape), value))
}

pub fn zeros(_: &mut Interpreter, args: &mut Args) -> Eval<Value> {
    let d = shaped(args, 0, || 0.0)?;
    leaf(args, d)
}

pub fn ones(_: &mut Interpreter, args: &mut Args) -> Eval<Value> {
    let d = shaped(args, 0, || 1.0)?;
    leaf(args, d)
}

pub fn full(_: &mut Interpreter, args: &mut Args) -> Eval<Value> {
    let Some((v, span)) = args.keyword("value") else {
        // full(shape..., value) with the value last
        if args.pos.len() < 2 {
            return Err(args.err(
                "full() needs a shape and value=",
                args.call,
                "missing value",
            ));
        }
        let (last, lspan) = args.pos.pop().unwrap_or((Value::None, args.call));
        let Value::Num(x) = last else {
            return Err(wrong_type("full() value", "a number", &last, lspan));
        };
        let d = shaped(args, 0, || x)?;
        return leaf(args, d);
    };
    let Value::Num(x) = *v else {
        return Err(wrong_type("full() value", "a number", v, span));
    };
    let d = shaped(args, 0, || x)?;
    leaf(args, d)
}

pub fn eye(_: &mut Interpreter, args: &mut Args) -> Eval<Value> {
    // eye(n) or eye(n, m): n rows, m columns (m = n when left out).
    let sizes = args.shape(0)?;
    let n = sizes.first().copied().unwrap_or(0);
    let m = sizes.get(1).copied().unwrap_or(n);
    checked_numel(&[n, m]).map_err(|e| Flow::from(tensor_error(e, args.call, &[])))?;
    leaf(
        args,
        ArrayD::from_shape_fn(IxDyn(&[n, m]), |ix| if ix[0] == ix[1] { 1.0 } else { 0.0 }),
    )
}

fn vector(args: &Args, values: Vec<f64>) -> Eval<Value> {
    let n = values.len();
    let d = ArrayD::from_shape_vec(IxDyn(&[n]), values)
        .map_err(|e| args.err(e.to_string(), args.call, "here"))?;
    leaf(args, d)
}

fn count_checked(args: &Args, n: f64) -> Eval<usize> {
    if !(n.is_finite() && n >= 0.0) {
        return Err(args.err(
            format!(
                "{}(): the number of elements must be finite and >= 0; found {n}",
                args.name
            ),
            args.call,
            "invalid length",
        ));
    }
    let n = n as usize;
    checked_numel(&[n]).map_err(|e| Flow::from(tensor_error(e, args.call, &[])))
}

pub fn arange(_: &mut Interpreter, args: &mut Args) -> Eval<Value> {
    let (start, end, step) = args.range()?;
    if step == 0.0 || !step.is_finite() {
        return Err(args.err(
            "arange(): step must be a non-zero number",
            args.call,
            "invalid step",
        ));
    }
    let n = count_checked(args, ((end - start) / step).ceil().max(0.0))?;
    vector(args, (0..n).map(|i| start + i as f64 * step).collect())
}

pub fn linspace(_: &mut Interpreter, args: &mut Args) -> Eval<Value> {
    let (a, b) = (args.number(0, "start")?, args.number(1, "end")?);
    let steps = args.integer(2, "steps")?;
    let n = count_checked(args, steps as f64)?;
    let values = match n {
        0 => vec![],
        1 => vec![a],
        // As `torch.linspace` computes it (its CPU kernel, with a fused multiply-add):
        // the first half from `start`, the second half back from `end`.
        _ => {
            let step = (b - a) / (n - 1) as f64;
            (0..n)
                .map(|i| {
                    if i < n / 2 {
                        step.mul_add(i as f64, a)
                    } else {
                        (-step).mul_add((n - i - 1) as f64, b)
                    }
                })
                .collect()
        }
    };
    vector(args, values)
}

pub fn rand(it: &mut Interpreter, args: &mut Args) -> Eval<Value> {
    let shape = args.shape(0)?;
    checked_numel(&shape).map_err(|e| Flow::from(tensor_error(e, args.call, &[])))?;
    let d = ArrayD::from_shape_simple_fn(IxDyn(&shape), || it.rng.uniform());
    leaf(args, d)
}

pub fn randn(it: &mut Interpreter, args: &mut Args) -> Eval<Value> {
    let shape = args.shape(0)?;
    checked_numel(&shape).map_err(|e| Flow::from(tensor_error(e, args.call, &[])))?;
    let d = ArrayD::from_shape_simple_fn(IxDyn(&shape), || it.rng.normal());
    leaf(args, d)
}

pub fn tensor(_: &mut Interpreter, args: &mut Args) -> Eval<Value> {
    let t = args.tensor(0, "x")?;
    leaf(args, t.data().as_ref().clone())
}

pub fn zeros_like(_: &mut Interpreter, args: &mut Args) -> Eval<Value> {
    let t = args.tensor(0, "x")?;
    let d = Array::zeros(t.data_ref().raw_dim());
    leaf(args, d)
}

pub fn ones_like(_: &mut Interpreter, args: &mut Args) -> Eval<Value> {
    let t = args.tensor(0, "x")?;
    let d = Array::ones(t.data_ref().raw_dim());
    leaf(args, d)
}

pub fn seed(it: &mut Interpreter, args: &mut Args) -> Eval<Value> {
    let n = args.integer(0, "n")?;
    it.rng = crate::random::Rng::new(n as u64);
    Ok(Value::None)
}
