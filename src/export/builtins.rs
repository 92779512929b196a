//! What the translator needs to know about each builtin beyond its row in the builtin
//! table (SPEC §12): what it returns, for the static types. The PyTorch equivalent is
//! the row's `torch` field ([`pytorch`]); the exported call is written in `emit.rs`
//! and the runtime's function in `header.py`.

use super::types::Ty;

/// How one builtin is exported.
#[derive(Clone, Copy, Debug)]
pub struct Mapping {
    pub name: &'static str,
    /// What the builtin returns, as far as known.
    pub returns: Ty,
}

macro_rules! mappings {
    ($($name:literal => $ty:ident;)*) => {
        static MAPPINGS: &[Mapping] = &[
            $(Mapping { name: $name, returns: Ty::$ty },)*
        ];
    };
}

mappings! {
    "zeros" => Tensor;
    "ones" => Tensor;
    "full" => Tensor;
    "eye" => Tensor;
    "arange" => Tensor;
    "linspace" => Tensor;
    "rand" => Tensor;
    "randn" => Tensor;
    "tensor" => Tensor;
    "zeros_like" => Tensor;
    "ones_like" => Tensor;
    "seed" => None;
    "exp" => Unknown;
    "log" => Unknown;
    "sqrt" => Unknown;
    "abs" => Unknown;
    "sin" => Unknown;
    "cos" => Unknown;
    "tanh" => Unknown;
    "sigmoid" => Unknown;
    "relu" => Unknown;
    "leaky_relu" => Unknown;
    "softplus" => Unknown;
    "clamp" => Unknown;
    "pow" => Unknown;
    "maximum" => Unknown;
    "minimum" => Unknown;
    "where" => Tensor;
    "sign" => Unknown;
    "logical_and" => Tensor;
    "logical_or" => Tensor;
    "logical_not" => Tensor;
    "any" => Tensor;
    "all" => Tensor;
    "sum" => Unknown;
    "mean" => Unknown;
    "max" => Unknown;
    "min" => Unknown;
    "prod" => Unknown;
    "norm" => Unknown;
    "argmax" => Tensor;
    "argmin" => Tensor;
    "matmul" => Tensor;
    "transpose" => Tensor;
    "outer" => Tensor;
    "reshape" => Tensor;
    "flatten" => Tensor;
    "squeeze" => Tensor;
    "unsqueeze" => Tensor;
    "concat" => Tensor;
    "stack" => Tensor;
    "shape" => Tuple;
    "numel" => Int;
    "len" => Int;
    "softmax" => Tensor;
    "log_softmax" => Tensor;
    "mse_loss" => Tensor;
    "cross_entropy" => Tensor;
    "binary_cross_entropy" => Tensor;
    "backward" => None;
    "grad" => Unknown;
    "backprop_steps" => None;
    "parameters" => List;
    "named_parameters" => List;
    "zero_grad" => None;
    "detach" => Tensor;
    "retain_grad" => None;
    "register_hook" => Unknown;
    "remove_hook" => None;
    "requires_grad_" => Tensor;
    "clip_grad_norm" => Num;
    "clip_grad_value" => None;
    "gradcheck" => Bool;
    "item" => Num;
    "range" => Unknown;
    "time" => Num;
    "round" => Unknown;
    "list" => List;
    "append" => None;
    "pop" => Unknown;
    "str" => Str;
    "int" => Num;
    "float" => Num;
    "floor" => Num;
    "ceil" => Num;
    "ord" => Num;
    "chr" => Str;
    "dict" => Unknown;
    "enumerate" => List;
    "zip" => List;
    "sorted" => List;
    "reversed" => List;
    "read_text" => Str;
    "read_lines" => List;
    "nonzero" => Tensor;
    "randperm" => Tensor;
    "make_moons" => Tuple;
    "make_circles" => Tuple;
    "make_spirals" => Tuple;
    "load_csv" => Unknown;
    "sgd" => Unknown;
    "adam" => Unknown;
    "adamw" => Unknown;
    "set_lr" => None;
    "save" => None;
    "load" => Unknown;
    "scatter" => None;
    "draw" => None;
    "print" => None;
    "plot" => None;
    "assert" => None;
    "assert_close" => None;
    "gradflow" => None;
    "one_hot" => Tensor;
    "multinomial" => Tensor;
    "randint" => Tensor;
    "cumsum" => Tensor;
    "sort" => Tuple;
    "argsort" => Tensor;
    "topk" => Tuple;
    "var" => Tensor;
    "std" => Tensor;
    "logsumexp" => Tensor;
    "dot" => Tensor;
    "meshgrid" => Tuple;
    "clone" => Tensor;
    "chunk" => Tuple;
    "split" => Tuple;
    "binary_cross_entropy_with_logits" => Tensor;
    "jacobian" => Tensor;
    "hessian" => Tensor;
    "gradgradcheck" => Bool;
    "allclose" => Bool;
    "env" => Unknown;
    "hist" => None;
    "imshow" => None;
}

/// The export mapping of the builtin `name`.
pub fn mapping(name: &str) -> Option<&'static Mapping> {
    MAPPINGS.iter().find(|m| m.name == name)
}

/// Every mapping, in table order.
pub fn all() -> &'static [Mapping] {
    MAPPINGS
}

/// The PyTorch equivalent of the builtin `name`, from its row of the builtin table.
pub fn pytorch(name: &str) -> Option<&'static str> {
    crate::eval::builtins::lookup(name).map(|b| b.torch)
}
