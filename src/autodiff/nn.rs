//! Neural-network functions, composed from recorded operations so that their
//! gradients (of any order) follow from the primitives'.

use super::elementwise::{exp, log, mul, sub};
use super::reduce::{extreme_axis, mean, sum};
use super::shape_ops::reshape;
use super::{Array, Tensor, TensorError};
use crate::display::fmt_shape;
use ndarray::{ArrayD, IxDyn};

/// `log(softmax(x))` along `axis`, computed as `x - m - log(sum(exp(x - m)))` with
/// `m` the (detached) max, for stability.
pub fn log_softmax(x: &Tensor, axis: usize) -> Result<Tensor, TensorError> {
    if x.ndim() == 0 {
        // One element along its one (implicit) axis: as PyTorch, the result is 0.
        let r = log_softmax(&reshape(x, &[1])?, 0)?;
        return Ok(reshape(&r, &[])?.renamed("LogSoftmaxBackward"));
    }
    let m = shift(x, axis)?;
    let shifted = sub(x, &m)?;
    let lse = log(&sum(&exp(&shifted), Some(vec![axis]), true));
    Ok(sub(&shifted, &lse)?.renamed("LogSoftmaxBackward"))
}

/// The (detached) max along `axis`, kept as size 1; 0 for an empty tensor,
/// whose softmax is empty as in PyTorch.
fn shift(x: &Tensor, axis: usize) -> Result<Tensor, TensorError> {
    if x.numel() == 0 {
        Ok(Tensor::scalar(0.0))
    } else {
        extreme_axis(&x.detach(), axis, true, true)
    }
}

pub fn softmax(x: &Tensor, axis: usize) -> Result<Tensor, TensorError> {
    if x.ndim() == 0 {
        let r = softmax(&reshape(x, &[1])?, 0)?;
        return Ok(reshape(&r, &[])?.renamed("SoftmaxBackward"));
    }
    let m = shift(x, axis)?;
    let e = exp(&sub(x, &m)?);
    let s = sum(&e, Some(vec![axis]), true);
    Ok(super::elementwise::div(&e, &s)?.renamed("SoftmaxBackward"))
}

/// The mean over rows of `-log_softmax(logits)[i, targets[i]]`.
pub fn cross_entropy(logits: &Tensor, targets: &Array) -> Result<Tensor, TensorError> {
    let shape = logits.shape();
    if shape.len() != 2 {
        return Err(TensorError::invalid(format!(
            "cross_entropy: logits must be [N, C]; found shape {}",
            fmt_shape(&shape)
        )));
    }
    let (n, c) = (shape[0], shape[1]);
    if targets.shape() != [n] {
        return Err(TensorError::Shapes {
            op: "cross_entropy",
            shapes: vec![shape.clone(), targets.shape().to_vec()],
            message: format!(
                "cross_entropy: targets must be [{n}] class indices for logits of shape {}; found shape {}",
                fmt_shape(&shape),
                fmt_shape(targets.shape())
            ),
        });
    }
    let mut onehot = ArrayD::zeros(IxDyn(&[n, c]));
    for (i, &t) in targets.iter().enumerate() {
        if t < 0.0 || t.fract() != 0.0 || t >= c as f64 {
            return Err(TensorError::invalid(format!(
                "cross_entropy: target {t} of row {i} is not a class index in 0..{c}"
            )));
        }
        onehot[[i, t as usize]] = 1.0;
    }
    let lsm = log_softmax(logits, 1)?;
    let picked = sum(&mul(&lsm, &Tensor::constant(onehot))?, None, false);
    let scale = Tensor::scalar(-1.0 / n.max(1) as f64);
    Ok(mul(&picked, &scale)?.renamed("NllLossBackward"))
}

pub fn mse_loss(pred: &Tensor, target: &Tensor) -> Result<Tensor, TensorError> {
    let d = sub(pred, target)?;
    Ok(mean(&mul(&d, &d)?, None, false).renamed("MseLossBackward"))
}

/// The mean of PyTorch's elementwise binary cross-entropy (each log clamped at
/// -100); `p` and `target` must lie in [0, 1], as PyTorch checks.
pub fn binary_cross_entropy(p: &Tensor, t: &Tensor) -> Result<Tensor, TensorError> {
    for (what, x) in [("input", p), ("target", t)] {
        if let Some(v) = x.data_ref().iter().find(|v| !(0.0..=1.0).contains(*v)) {
            return Err(TensorError::invalid(format!(
                "binary_cross_entropy: all elements of {what} should be between 0 and 1; found {v}"
            )));
        }
    }
    let l = super::elementwise::binary_cross_entropy(p, t)?;
    Ok(mean(&l, None, false).renamed("BinaryCrossEntropyBackward"))
}
