//! Optimizers (SPEC §14): `sgd`, `adam` and `adamw`, following `torch.optim`'s update
//! formulas operation for operation (single-tensor, non-AMSGrad, non-foreach paths),
//! so that results agree with PyTorch in float64 to the last bits.
//!
//! A step changes each parameter's data in place (as under `no_grad`: the leaf keeps
//! its identity, flag and `.grad`). The data is copied first when something else
//! shares it — the saved values of a graph that is still alive — so that graph's
//! backward computes with the values it recorded (copy on write).

use crate::autodiff::{Array, Tensor};
use crate::display::{count, format_number};

/// Which algorithm, with its hyper-parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Algorithm {
    Sgd(Sgd),
    Adam(Adam),
}

/// `torch.optim.SGD`'s settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Sgd {
    pub momentum: f64,
    pub dampening: f64,
    pub weight_decay: f64,
    pub nesterov: bool,
}

/// Adam's settings, or AdamW's when `decoupled` (weight decay applied to the
/// parameter, not added to the gradient).
#[derive(Clone, Debug, PartialEq)]
pub struct Adam {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub decoupled: bool,
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
            Algorithm::Sgd(_) => "sgd",
            Algorithm::Adam(Adam {
                decoupled: false, ..
            }) => "adam",
            Algorithm::Adam(Adam {
                decoupled: true, ..
            }) => "adamw",
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
            "<{} lr={}, {}, {}>",
            self.name(),
            format_number(self.lr),
            count(n, "parameter"),
            count(self.steps as usize, "step")
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
                Algorithm::Sgd(sgd) => sgd_step(p, &g, state, lr, sgd),
                Algorithm::Adam(adam) => adam_step(p, &g, state, lr, adam),
            }
        }
    }
}

/// The gradient `g` plus `weight_decay·p` (L2 weight decay, PyTorch's `g.add(p,
/// alpha=weight_decay)`), or `g` itself when the decay is 0.
fn plus_decay(g: &Array, p: &Tensor, weight_decay: f64) -> Array {
    let mut d = g.clone();
    if weight_decay != 0.0 {
        d.zip_mut_with(&p.data(), |di, &pi| *di += weight_decay * pi);
    }
    d
}

/// `torch.optim.SGD` for one parameter:
/// `d = g + wd·p`; with momentum `b = d` at first, then `b = μ·b + (1 − τ)·d`, and
/// `d = d + μ·b` (Nesterov) or `d = b`; finally `p = p − lr·d`.
fn sgd_step(p: &Tensor, g: &Array, state: &mut State, lr: f64, sgd: &Sgd) {
    let mut d = plus_decay(g, p, sgd.weight_decay);
    if sgd.momentum != 0.0 {
        let buf = match state.momentum_buffer.take() {
            None => d.clone(),
            Some(mut b) => {
                b.zip_mut_with(&d, |bi, &di| {
                    *bi = *bi * sgd.momentum + (1.0 - sgd.dampening) * di
                });
                b
            }
        };
        if sgd.nesterov {
            d.zip_mut_with(&buf, |di, &bi| *di += sgd.momentum * bi);
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
fn adam_step(p: &Tensor, g: &Array, state: &mut State, lr: f64, adam: &Adam) {
    state.step += 1;
    let step = state.step as f64;
    let coupled = if adam.decoupled {
        0.0
    } else {
        adam.weight_decay
    };
    let grad = plus_decay(g, p, coupled);
    if adam.weight_decay != 0.0 && adam.decoupled {
        let factor = 1.0 - lr * adam.weight_decay;
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
    m.zip_mut_with(&grad, |mi, &gi| *mi = lerp(*mi, gi, 1.0 - adam.beta1));
    v.zip_mut_with(&grad, |vi, &gi| {
        *vi = *vi * adam.beta2 + (1.0 - adam.beta2) * gi * gi
    });
    let bias_correction1 = 1.0 - adam.beta1.powf(step);
    let bias_correction2 = 1.0 - adam.beta2.powf(step);
    let step_size = lr / bias_correction1;
    let bias_correction2_sqrt = bias_correction2.sqrt();
    p.update_data(|a| {
        ndarray::Zip::from(a)
            .and(&m)
            .and(&v)
            .for_each(|pi, &mi, &vi| {
                let denom = vi.sqrt() / bias_correction2_sqrt + adam.eps;
                *pi += -step_size * mi / denom;
            })
    });
    state.exp_avg = Some(m);
    state.exp_avg_sq = Some(v);
}
