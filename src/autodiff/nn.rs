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
    along(x, axis, "LogSoftmaxBackward", &|x, axis| {
        let shifted = sub(x, &shift(x, axis)?)?;
        let lse = log(&sum(&exp(&shifted), Some(vec![axis]), true));
        sub(&shifted, &lse)
    })
}

pub fn softmax(x: &Tensor, axis: usize) -> Result<Tensor, TensorError> {
    along(x, axis, "SoftmaxBackward", &|x, axis| {
        let e = exp(&sub(x, &shift(x, axis)?)?);
        let s = sum(&e, Some(vec![axis]), true);
        super::elementwise::div(&e, &s)
    })
}

/// `f(x)` of a function along `axis` (softmax and its log), shown as `name`. As in
/// PyTorch, an empty tensor gives an empty result (summing an empty axis of a tensor
/// with huge other axes would allocate them), and a 0-d tensor is one element along
/// its one (implicit) axis.
fn along(
    x: &Tensor,
    axis: usize,
    name: &'static str,
    f: &dyn Fn(&Tensor, usize) -> Result<Tensor, TensorError>,
) -> Result<Tensor, TensorError> {
    if x.numel() == 0 {
        return Ok(super::elementwise::mul_scalar(x, 1.0).renamed(name));
    }
    let r = if x.ndim() == 0 {
        reshape(&along(&reshape(x, &[1])?, 0, name, f)?, &[])?
    } else {
        f(x, axis)?
    };
    Ok(r.renamed(name))
}

/// The (detached) max along `axis`, kept as size 1.
fn shift(x: &Tensor, axis: usize) -> Result<Tensor, TensorError> {
    extreme_axis(&x.detach(), axis, true, true)
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
