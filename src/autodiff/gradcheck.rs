//! Central finite differences against analytic gradients.

use super::{backward, with_grad_mode, Array, BackwardOptions, Tensor, TensorError};
use ndarray::Dimension;

/// Where analytic and numerical gradients disagree most.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    pub input: usize,
    pub position: Vec<usize>,
    pub analytic: f64,
    pub numeric: f64,
}

/// Compares the gradient of the scalar `f(inputs)` with respect to every input that
/// requires grad against central differences with step `eps`. Returns the worst
/// element when some difference exceeds `atol + rtol * |numeric|`.
pub fn gradcheck(
    f: &mut dyn FnMut(&[Tensor]) -> Result<Tensor, TensorError>,
    inputs: &[Tensor],
    eps: f64,
    atol: f64,
    rtol: f64,
) -> Result<Option<Mismatch>, TensorError> {
    let y = f(inputs)?;
    if y.numel() != 1 {
        return Err(TensorError::invalid(format!(
            "gradcheck: the function must return one element; it returned shape {}",
            crate::display::fmt_shape(&y.shape())
        )));
    }
    let wanted: Vec<Tensor> = inputs
        .iter()
        .filter(|t| t.requires_grad())
        .cloned()
        .collect();
    if wanted.is_empty() || !y.requires_grad() {
        return Err(TensorError::invalid("gradcheck: no input requires grad"));
    }
    let seed = Tensor::constant(Array::ones(y.data_ref().raw_dim()));
    let outcome = backward(&y, &seed, Some(&wanted), BackwardOptions::default())?;
    let mut worst: Option<(f64, Mismatch)> = None;
    let mut k = 0;
    for (i, x) in inputs.iter().enumerate() {
        if !x.requires_grad() {
            continue;
        }
        let analytic = outcome.grads.get(k).cloned().flatten();
        k += 1;
        let base = x.data();
        for (pos, _) in base.indexed_iter() {
            let eval_at = |delta: f64,
                           f: &mut dyn FnMut(&[Tensor]) -> Result<Tensor, TensorError>|
             -> Result<f64, TensorError> {
                let mut moved = base.as_ref().clone();
                if let Some(v) = moved.get_mut(pos.clone()) {
                    *v += delta;
                }
                let mut args = inputs.to_vec();
                args[i] = Tensor::constant(moved);
                let out = with_grad_mode(false, || f(&args))?;
                Ok(out.item().unwrap_or(f64::NAN))
            };
            let numeric = (eval_at(eps, f)? - eval_at(-eps, f)?) / (2.0 * eps);
            let a = analytic
                .as_ref()
                .and_then(|g| g.data_ref().get(pos.clone()).copied())
                .unwrap_or(0.0);
            let excess = (a - numeric).abs() - (atol + rtol * numeric.abs());
            let bad = excess > 0.0 || a.is_nan() != numeric.is_nan();
            if bad && worst.as_ref().is_none_or(|(e, _)| excess > *e) {
                worst = Some((
                    excess,
                    Mismatch {
                        input: i,
                        position: pos.slice().to_vec(),
                        analytic: a,
                        numeric,
                    },
                ));
            }
        }
    }
    Ok(worst.map(|(_, m)| m))
}
