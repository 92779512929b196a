//! Finite differences against analytic derivatives: the Jacobian of a function of
//! tensors, row by row through the backward pass, and its check against central
//! differences (behind `gradcheck`, `gradgradcheck` and the tests).

use super::backward::backward_with;
use super::custom::{NoUserCode, UserCode};
use super::{with_grad_mode, Array, BackwardOptions, Tensor, TensorError};
use ndarray::{ArrayD, Dimension, IxDyn};

/// The rows `d y[j] / d x` for every element `j` of `y`, as one tensor of shape
/// `y.shape + x.shape` (zeros where `y` does not depend on `x`).
pub fn jacobian(y: &Tensor, x: &Tensor, opts: BackwardOptions) -> Result<Tensor, TensorError> {
    jacobian_with(y, x, opts, &mut NoUserCode)
}

/// [`jacobian`] running user code (custom backward clauses, hooks) through `user`.
pub fn jacobian_with(
    y: &Tensor,
    x: &Tensor,
    opts: BackwardOptions,
    user: &mut dyn UserCode,
) -> Result<Tensor, TensorError> {
    let (yshape, xshape) = (y.shape(), x.shape());
    let mut shape = yshape.clone();
    shape.extend(&xshape);
    super::shape::checked_numel(&shape)?;
    let (m, n) = (y.numel(), x.numel());
    let mut rows = Vec::with_capacity(m);
    for j in 0..m {
        let row = if y.requires_grad() {
            let mut seed = vec![0.0; m];
            seed[j] = 1.0;
            let seed = Tensor::constant(
                ArrayD::from_shape_vec(IxDyn(&yshape), seed)
                    .map_err(|e| TensorError::invalid(e.to_string()))?,
            );
            let out = backward_with(y, Some(&seed), Some(std::slice::from_ref(x)), opts, user)?;
            out.grads.into_iter().next().flatten()
        } else {
            None
        };
        let row = match row {
            Some(g) => super::shape_ops::reshape(&g, &[1, n])?,
            None => Tensor::constant(ArrayD::zeros(IxDyn(&[1, n]))),
        };
        rows.push(row);
    }
    if rows.is_empty() {
        return Ok(Tensor::constant(ArrayD::zeros(IxDyn(&shape))));
    }
    let j = super::shape_ops::concat(&rows, 0)?;
    super::shape_ops::reshape(&j, &shape)
}

/// Where analytic and numeric derivatives are furthest apart.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// Which input (counting all inputs), and the element of it moved.
    pub input: usize,
    /// The element of the output, and how many elements the output has.
    pub output: Vec<usize>,
    pub outputs: usize,
    pub position: Vec<usize>,
    pub analytic: f64,
    pub numeric: f64,
}

/// Compares the Jacobian of `f(inputs)` (any output shape; a gradient when it has one
/// element) with respect to every input that requires grad against central
/// differences with step `eps`. Returns the worst element when some difference
/// exceeds `atol + rtol * |numeric|`.
pub fn gradcheck(
    f: &mut dyn FnMut(&[Tensor]) -> Result<Tensor, TensorError>,
    inputs: &[Tensor],
    eps: f64,
    atol: f64,
    rtol: f64,
) -> Result<Option<Mismatch>, TensorError> {
    struct Plain<'a>(
        &'a mut dyn FnMut(&[Tensor]) -> Result<Tensor, TensorError>,
        NoUserCode,
    );
    impl Checked for Plain<'_> {
        fn apply(&mut self, xs: &[Tensor]) -> Result<Tensor, TensorError> {
            (self.0)(xs)
        }
        fn user_code(&mut self) -> &mut dyn UserCode {
            &mut self.1
        }
    }
    gradcheck_with(&mut Plain(f, NoUserCode), inputs, eps, atol, rtol)
}

/// A function to check, and what runs user code in its backward passes.
pub trait Checked {
    fn apply(&mut self, xs: &[Tensor]) -> Result<Tensor, TensorError>;
    fn user_code(&mut self) -> &mut dyn UserCode;
}

/// [`gradcheck`] of a function whose backward may run user code.
pub fn gradcheck_with(
    f: &mut dyn Checked,
    inputs: &[Tensor],
    eps: f64,
    atol: f64,
    rtol: f64,
) -> Result<Option<Mismatch>, TensorError> {
    let y = f.apply(inputs)?;
    // An output that does not depend on the inputs has a zero Jacobian (the first
    // derivatives of a linear function, in gradgradcheck).
    if !inputs.iter().any(|t| t.requires_grad()) {
        return Err(TensorError::invalid("gradcheck: no input requires grad"));
    }
    let yshape = y.shape();
    let opts = BackwardOptions {
        retain_graph: true,
        create_graph: false,
        detect_anomalies: false,
        record_grads: false,
        span: crate::source::Span::EMPTY,
    };
    let mut worst: Option<(f64, Mismatch)> = None;
    for (i, x) in inputs.iter().enumerate() {
        if !x.requires_grad() {
            continue;
        }
        let analytic = jacobian_with(&y, x, opts, f.user_code())?.data();
        let m = y.numel();
        let base = x.data();
        let n = base.len();
        for (k, (pos, _)) in base.indexed_iter().enumerate() {
            let mut eval_at = |delta: f64| -> Result<Array, TensorError> {
                let mut moved = base.as_ref().clone();
                if let Some(v) = moved.get_mut(pos.clone()) {
                    *v += delta;
                }
                let mut args = inputs.to_vec();
                args[i] = Tensor::constant(moved);
                let out = with_grad_mode(false, || f.apply(&args))?;
                Ok(out.data().as_ref().clone())
            };
            let (hi, lo) = (eval_at(eps)?, eval_at(-eps)?);
            if hi.shape() != yshape.as_slice() || lo.shape() != yshape.as_slice() {
                return Err(TensorError::invalid(
                    "gradcheck: the function's output changed shape",
                ));
            }
            let (hi, lo): (Vec<f64>, Vec<f64>) =
                (hi.iter().copied().collect(), lo.iter().copied().collect());
            let flat: Vec<f64> = analytic.iter().copied().collect();
            for j in 0..m {
                let numeric = (hi[j] - lo[j]) / (2.0 * eps);
                let an = flat.get(j * n + k).copied().unwrap_or(0.0);
                let excess = (an - numeric).abs() - (atol + rtol * numeric.abs());
                let bad = excess > 0.0 || an.is_nan() != numeric.is_nan();
                if bad && worst.as_ref().is_none_or(|(e, _)| excess > *e) {
                    worst = Some((
                        excess,
                        Mismatch {
                            input: i,
                            output: unravel(j, &yshape),
                            outputs: m,
                            position: pos.slice().to_vec(),
                            analytic: an,
                            numeric,
                        },
                    ));
                }
            }
        }
    }
    Ok(worst.map(|(_, m)| m))
}

fn unravel(mut j: usize, shape: &[usize]) -> Vec<usize> {
    let mut out = vec![0; shape.len()];
    for (o, &n) in out.iter_mut().zip(shape).rev() {
        *o = j % n.max(1);
        j /= n.max(1);
    }
    out
}
