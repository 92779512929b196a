//! Neural-network functions, composed from recorded operations so that their
//! gradients (of any order) follow from the primitives'.

use super::elementwise::{clamp, exp, log, mul, neg, sub};
use super::reduce::{extreme_axis, mean, sum};
use super::{Array, Tensor, TensorError};
use crate::display::fmt_shape;
use ndarray::{ArrayD, IxDyn};

/// `log(softmax(x))` along `axis`, computed as `x - m - log(sum(exp(x - m)))` with
/// `m` the (detached) max, for stability.
pub fn log_softmax(x: &Tensor, axis: usize) -> Result<Tensor, TensorError> {
    let m = extreme_axis(&x.detach(), axis, true, true)?;
    let shifted = sub(x, &m)?;
    let lse = log(&sum(&exp(&shifted), Some(vec![axis]), true));
    Ok(sub(&shifted, &lse)?.renamed("LogSoftmaxBackward"))
}

pub fn softmax(x: &Tensor, axis: usize) -> Result<Tensor, TensorError> {
    let m = extreme_axis(&x.detach(), axis, true, true)?;
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

/// `-mean(t log p + (1 - t) log(1 - p))`, each log clamped at -100 as in PyTorch.
pub fn binary_cross_entropy(p: &Tensor, t: &Tensor) -> Result<Tensor, TensorError> {
    let one = Tensor::scalar(1.0);
    let log_p = clamp(&log(p), Some(-100.0), None);
    let log_q = clamp(&log(&sub(&one, p)?), Some(-100.0), None);
    let a = mul(t, &log_p)?;
    let b = mul(&sub(&one, t)?, &log_q)?;
    let total = super::elementwise::add(&a, &b)?;
    Ok(neg(&mean(&total, None, false)).renamed("BinaryCrossEntropyBackward"))
}
