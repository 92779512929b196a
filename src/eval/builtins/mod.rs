//! The builtin functions, by group; this module owns the name table.

mod autograd;
mod create;
mod data;
mod math;
mod optimizers;
pub(crate) use optimizers::optimizer_method;
mod output;
mod pictures;

use crate::fast_hash::FastMap;
use std::sync::OnceLock;

pub use super::value::{Builtin, BuiltinFn};

macro_rules! table {
    ($($name:literal => $func:path, $sig:literal;)*) => {
        static BUILTINS: &[Builtin] = &[
            $(Builtin { name: $name, func: $func, signature: $sig },)*
        ];
    };
}

table! {
    // creation
    "zeros" => create::zeros, "zeros(shape, grad)";
    "ones" => create::ones, "ones(shape, grad)";
    "full" => create::full, "full(shape, value=, grad)";
    "eye" => create::eye, "eye(n, grad)";
    "arange" => create::arange, "arange(end) / arange(start, end, step=1)";
    "linspace" => create::linspace, "linspace(start, end, steps)";
    "rand" => create::rand, "rand(shape, grad): uniform in [0, 1)";
    "randn" => create::randn, "randn(shape, grad): standard normal";
    "tensor" => create::tensor, "tensor(x, grad): a new leaf copy";
    "zeros_like" => create::zeros_like, "zeros_like(x, grad)";
    "ones_like" => create::ones_like, "ones_like(x, grad)";
    "seed" => create::seed, "seed(n): makes rand/randn repeat";
    // data
    "randperm" => data::randperm, "randperm(n): a random permutation of 0..n";
    "make_moons" => data::make_moons, "make_moons(n, noise=0): two interleaving half circles (X, y)";
    "make_circles" => data::make_circles, "make_circles(n, noise=0, factor=0.8): two circles (X, y)";
    "make_spirals" => data::make_spirals, "make_spirals(n, classes=3, noise=0): spiral arms (X, y)";
    "save" => data::save, "save(path, name=tensor, ...): named tensors to a safetensors file (float64)";
    "load" => data::load, "load(path) / load(path, name, ...): tensors from a safetensors file";
    "load_csv" => data::load_csv, "load_csv(path, header=false): a CSV file of numbers";
    // elementwise
    "exp" => math::exp, "exp(x)";
    "log" => math::log, "log(x)";
    "sqrt" => math::sqrt, "sqrt(x)";
    "abs" => math::abs, "abs(x)";
    "sin" => math::sin, "sin(x)";
    "cos" => math::cos, "cos(x)";
    "tanh" => math::tanh, "tanh(x)";
    "sigmoid" => math::sigmoid, "sigmoid(x)";
    "relu" => math::relu, "relu(x)";
    "leaky_relu" => math::leaky_relu, "leaky_relu(x, slope=0.01)";
    "softplus" => math::softplus, "softplus(x)";
    "clamp" => math::clamp, "clamp(x, min=, max=)";
    "pow" => math::pow, "pow(x, p)";
    "maximum" => math::maximum, "maximum(a, b)";
    "minimum" => math::minimum, "minimum(a, b)";
    "where" => math::where_, "where(cond, a, b)";
    "sign" => math::sign, "sign(x)";
    // reductions
    "sum" => math::sum, "sum(x, axis=, keepdim=)";
    "mean" => math::mean, "mean(x, axis=, keepdim=)";
    "max" => math::max, "max(x, axis=, keepdim=)";
    "min" => math::min, "min(x, axis=, keepdim=)";
    "prod" => math::prod, "prod(x, axis=, keepdim=)";
    "norm" => math::norm, "norm(x): L2 norm of all elements";
    "argmax" => math::argmax, "argmax(x, axis=)";
    "argmin" => math::argmin, "argmin(x, axis=)";
    // linear algebra
    "matmul" => math::matmul, "matmul(a, b) or a @ b";
    "transpose" => math::transpose, "transpose(x, a=, b=)";
    "outer" => math::outer, "outer(a, b)";
    // shapes
    "reshape" => math::reshape, "reshape(x, shape)";
    "flatten" => math::flatten, "flatten(x)";
    "squeeze" => math::squeeze, "squeeze(x, axis=)";
    "unsqueeze" => math::unsqueeze, "unsqueeze(x, axis)";
    "concat" => math::concat, "concat(tuple, axis=0)";
    "stack" => math::stack, "stack(tuple, axis=0)";
    "shape" => math::shape, "shape(x)";
    "numel" => math::numel, "numel(x)";
    "len" => math::len, "len(v)";
    // neural nets
    "softmax" => math::softmax, "softmax(x, axis=-1)";
    "log_softmax" => math::log_softmax, "log_softmax(x, axis=-1)";
    "mse_loss" => math::mse_loss, "mse_loss(pred, target)";
    "cross_entropy" => math::cross_entropy, "cross_entropy(logits, targets)";
    "binary_cross_entropy" => math::binary_cross_entropy, "binary_cross_entropy(p, target)";
    // autodiff
    "backward" => autograd::backward, "backward(y, v, retain_graph=)";
    "grad" => autograd::grad, "grad(y, x, v=, retain_graph=, create_graph=, allow_unused=)";
    "zero_grad" => autograd::zero_grad, "zero_grad(a, b, ...)";
    "detach" => autograd::detach, "detach(x)";
    "retain_grad" => autograd::retain_grad, "retain_grad(y)";
    "clip_grad_norm" => autograd::clip_grad_norm, "clip_grad_norm(params, max_norm)";
    "clip_grad_value" => autograd::clip_grad_value, "clip_grad_value(params, clip)";
    "gradcheck" => autograd::gradcheck, "gradcheck(f, x1, x2, ...)";
    // optimizers
    "sgd" => optimizers::sgd, "sgd(params, lr, momentum=0, dampening=0, weight_decay=0, nesterov=false)";
    "adam" => optimizers::adam, "adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)";
    "adamw" => optimizers::adamw, "adamw(params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)";
    "set_lr" => optimizers::set_lr, "set_lr(opt, lr): change an optimizer's learning rate";
    // numbers and tuples
    "item" => math::item, "item(x)";
    "range" => math::range, "range(n) / range(a, b) / range(a, b, step)";
    "time" => output::time, "time(): monotonic seconds";
    // output and checks
    "print" => output::print, "print(a, b, ...)";
    "plot" => pictures::plot, "plot(ys) / plot(xs, ys, title=, file=)";
    "scatter" => pictures::scatter, "scatter(X, y, title=, file=): 2-d points, one mark per class";
    "draw" => pictures::draw, "draw(y, file=): the recorded graph of y as a picture";
    "assert" => output::assert, "assert(cond, message=)";
    "assert_close" => output::assert_close, "assert_close(a, b, atol=1e-6, rtol=1e-5)";
    "gradflow" => output::gradflow, "gradflow(): the gradient-flow table";
}

fn table() -> &'static FastMap<&'static str, &'static Builtin> {
    static MAP: OnceLock<FastMap<&'static str, &'static Builtin>> = OnceLock::new();
    MAP.get_or_init(|| BUILTINS.iter().map(|b| (b.name, b)).collect())
}

pub fn lookup(name: &str) -> Option<&'static Builtin> {
    table().get(name).copied()
}

/// Every builtin's name, in table order.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|b| b.name)
}

pub fn all() -> &'static [Builtin] {
    BUILTINS
}
