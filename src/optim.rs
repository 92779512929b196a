//! Optimizers (SPEC §14): `sgd`, `adam` and `adamw`, following `torch.optim`'s update
//! formulas operation for operation (single-tensor, non-AMSGrad, non-foreach paths),
//! so that results agree with PyTorch in float64 to the last bits.
//!
//! A step changes each parameter's data in place (as under `no_grad`: the leaf keeps
//! its identity, flag and `.grad`). The data is copied first when something else
//! shares it — the saved values of a graph that is still alive — so that graph's
//! backward computes with the values it recorded (copy on write).

use crate::autodiff::{Array, Tensor};
use crate::display::format_number;

/// Which algorithm, with its hyper-parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Algorithm {
    Sgd {
        momentum: f64,
        dampening: f64,
        weight_decay: f64,
        nesterov: bool,
    },
    /// Adam, or AdamW when `decoupled` (weight decay applied to the parameter,
    /// not added to the gradient).
    Adam {
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
        decoupled: bool,
    },
}

/// The state one parameter carries between steps.
#[derive(Clone, Debug, Default)]
struct State {
    /// SGD's momentum buffer.
    momentum_buffer: Option<Array>,
    /// Adam's first and second moment estimates and its step count.
    exp_avg: Option<Array>,
    exp_avg_sq: Option<Array>,
    step: u64,
}

/// An optimizer: parameters, their state, the learning rate.
pub struct Optimizer {
    pub algorithm: Algorithm,
    pub lr: f64,
    params: Vec<Tensor>,
    state: Vec<State>,
    steps: u64,
}

/// `start + weight * (end - start)` as `torch.lerp` computes it (the form depends
/// on the weight, for accuracy at both ends).
fn lerp(start: f64, end: f64, weight: f64) -> f64 {
    if weight.abs() < 0.5 {
        start + weight * (end - start)
    } else {
        end - (end - start) * (1.0 - weight)
    }
}

impl Optimizer {
    pub fn new(algorithm: Algorithm, lr: f64, params: Vec<Tensor>) -> Optimizer {
        let state = vec![State::default(); params.len()];
        Optimizer {
            algorithm,
            lr,
            params,
            state,
            steps: 0,
        }
    }

    /// `sgd`, `adam` or `adamw`.
    pub fn name(&self) -> &'static str {
        match self.algorithm {
            Algorithm::Sgd { .. } => "sgd",
            Algorithm::Adam {
                decoupled: false, ..
            } => "adam",
            Algorithm::Adam {
                decoupled: true, ..
            } => "adamw",
        }
    }

    pub fn params(&self) -> &[Tensor] {
        &self.params
    }

    /// How many times `step` was called.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// `<adam lr=0.001, 6 parameters, 120 steps>`.
    pub fn display(&self) -> String {
        let n = self.params.len();
        format!(
            "<{} lr={}, {n} parameter{}, {} step{}>",
            self.name(),
            format_number(self.lr),
            if n == 1 { "" } else { "s" },
            self.steps,
            if self.steps == 1 { "" } else { "s" }
        )
    }

    /// Sets every parameter's `.grad` to none.
    pub fn zero_grad(&self) {
        for p in &self.params {
            p.set_grad(None);
        }
    }

    /// One update of every parameter that has a `.grad`; the others are left alone.
    pub fn step(&mut self) {
        self.steps += 1;
        let lr = self.lr;
        for (p, state) in self.params.iter().zip(self.state.iter_mut()) {
            let Some(grad) = p.grad() else { continue };
            let g = grad.data();
            if g.shape() != p.shape().as_slice() {
                continue;
            }
            match &self.algorithm {
                Algorithm::Sgd {
                    momentum,
                    dampening,
                    weight_decay,
                    nesterov,
                } => sgd_step(
                    p,
                    &g,
                    state,
                    lr,
                    *momentum,
                    *dampening,
                    *weight_decay,
                    *nesterov,
                ),
                Algorithm::Adam {
                    beta1,
                    beta2,
                    eps,
                    weight_decay,
                    decoupled,
                } => adam_step(
                    p,
                    &g,
                    state,
                    lr,
                    (*beta1, *beta2),
                    *eps,
                    *weight_decay,
                    *decoupled,
                ),
            }
        }
    }
}

/// `torch.optim.SGD` for one parameter:
/// `d = g + wd·p`; with momentum `b = d` at first, then `b = μ·b + (1 − τ)·d`, and
/// `d = d + μ·b` (Nesterov) or `d = b`; finally `p = p − lr·d`.
#[allow(clippy::too_many_arguments)]
fn sgd_step(
    p: &Tensor,
    g: &Array,
    state: &mut State,
    lr: f64,
    momentum: f64,
    dampening: f64,
    weight_decay: f64,
    nesterov: bool,
) {
    let mut d = if weight_decay != 0.0 {
        let data = p.data();
        let mut d = g.clone();
        d.zip_mut_with(&data, |di, &pi| *di += weight_decay * pi);
        d
    } else {
        g.clone()
    };
    if momentum != 0.0 {
        let buf = match state.momentum_buffer.take() {
            None => d.clone(),
            Some(mut b) => {
                b.zip_mut_with(&d, |bi, &di| *bi = *bi * momentum + (1.0 - dampening) * di);
                b
            }
        };
        if nesterov {
            d.zip_mut_with(&buf, |di, &bi| *di += momentum * bi);
        } else {
            d = buf.clone();
        }
        state.momentum_buffer = Some(buf);
    }
    p.update_data(|a| a.zip_mut_with(&d, |pi, &di| *pi += -lr * di));
}

/// `torch.optim.Adam` / `AdamW` for one parameter (bias-corrected moments):
/// AdamW first scales `p` by `1 − lr·wd`; Adam adds `wd·p` to the gradient. Then
/// `m = lerp(m, g, 1 − β1)`, `v = β2·v + (1 − β2)·g²`,
/// `p = p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)`.
#[allow(clippy::too_many_arguments)]
fn adam_step(
    p: &Tensor,
    g: &Array,
    state: &mut State,
    lr: f64,
    (beta1, beta2): (f64, f64),
    eps: f64,
    weight_decay: f64,
    decoupled: bool,
) {
    state.step += 1;
    let step = state.step as f64;
    let grad = if weight_decay != 0.0 && !decoupled {
        let data = p.data();
        let mut d = g.clone();
        d.zip_mut_with(&data, |di, &pi| *di += weight_decay * pi);
        d
    } else {
        g.clone()
    };
    if weight_decay != 0.0 && decoupled {
        let factor = 1.0 - lr * weight_decay;
        p.update_data(|a| a.mapv_inplace(|x| x * factor));
    }
    let mut m = state
        .exp_avg
        .take()
        .unwrap_or_else(|| Array::zeros(grad.raw_dim()));
    let mut v = state
        .exp_avg_sq
        .take()
        .unwrap_or_else(|| Array::zeros(grad.raw_dim()));
    m.zip_mut_with(&grad, |mi, &gi| *mi = lerp(*mi, gi, 1.0 - beta1));
    v.zip_mut_with(&grad, |vi, &gi| *vi = *vi * beta2 + (1.0 - beta2) * gi * gi);
    let bias_correction1 = 1.0 - beta1.powf(step);
    let bias_correction2 = 1.0 - beta2.powf(step);
    let step_size = lr / bias_correction1;
    let bias_correction2_sqrt = bias_correction2.sqrt();
    p.update_data(|a| {
        ndarray::Zip::from(a)
            .and(&m)
            .and(&v)
            .for_each(|pi, &mi, &vi| {
                let denom = vi.sqrt() / bias_correction2_sqrt + eps;
                *pi += -step_size * mi / denom;
            })
    });
    state.exp_avg = Some(m);
    state.exp_avg_sq = Some(v);
}
