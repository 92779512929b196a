//! Each builtin's PyTorch equivalent: the call an exported script makes, and what it
//! returns (for the translator's static types).

use super::types::Ty;

/// How one builtin is exported.
#[derive(Clone, Copy, Debug)]
pub struct Mapping {
    pub name: &'static str,
    /// The PyTorch equivalent, as the exported script spells it.
    pub pytorch: &'static str,
    /// What the builtin returns, as far as known.
    pub returns: Ty,
}

macro_rules! mappings {
    ($($name:literal => $torch:literal, $ty:ident;)*) => {
        static MAPPINGS: &[Mapping] = &[
            $(Mapping { name: $name, pytorch: $torch, returns: Ty::$ty },)*
        ];
    };
}

mappings! {
    "zeros" => "torch.zeros", Tensor;
    "ones" => "torch.ones", Tensor;
    "full" => "torch.full", Tensor;
    "eye" => "torch.eye", Tensor;
    "arange" => "torch.arange(..., dtype=torch.float64)", Tensor;
    "linspace" => "torch.linspace", Tensor;
    "rand" => "bp.rand: bp's generator, then torch.tensor", Tensor;
    "randn" => "bp.randn: bp's generator, then torch.tensor", Tensor;
    "tensor" => "torch.tensor / x.detach().clone(), requires_grad_", Tensor;
    "zeros_like" => "torch.zeros_like", Tensor;
    "ones_like" => "torch.ones_like", Tensor;
    "seed" => "bp.seed: seeds bp's generator (not torch.manual_seed)", None;
    "exp" => "torch.exp", Unknown;
    "log" => "torch.log", Unknown;
    "sqrt" => "torch.sqrt", Unknown;
    "abs" => "torch.abs", Unknown;
    "sin" => "torch.sin", Unknown;
    "cos" => "torch.cos", Unknown;
    "tanh" => "torch.tanh", Unknown;
    "sigmoid" => "torch.sigmoid", Unknown;
    "relu" => "torch.relu", Unknown;
    "leaky_relu" => "F.leaky_relu", Unknown;
    "softplus" => "F.softplus", Unknown;
    "clamp" => "torch.clamp", Unknown;
    "pow" => "x ** p (torch.pow)", Unknown;
    "maximum" => "torch.maximum", Unknown;
    "minimum" => "torch.minimum", Unknown;
    "where" => "torch.where(cond != 0, a, b)", Tensor;
    "sign" => "torch.sign", Unknown;
    "sum" => "torch.sum(x, dim=, keepdim=)", Unknown;
    "mean" => "torch.mean(x, dim=, keepdim=)", Unknown;
    "max" => "torch.amax(x, dim=, keepdim=) (not Python's max)", Unknown;
    "min" => "torch.amin(x, dim=, keepdim=) (not Python's min)", Unknown;
    "prod" => "torch.prod(x, dim=, keepdim=)", Unknown;
    "norm" => "torch.linalg.vector_norm", Unknown;
    "argmax" => "torch.argmax(...).double()", Tensor;
    "argmin" => "torch.argmin(...).double()", Tensor;
    "matmul" => "a @ b (torch.matmul)", Tensor;
    "transpose" => "torch.transpose / x.permute", Tensor;
    "outer" => "torch.outer", Tensor;
    "reshape" => "torch.reshape", Tensor;
    "flatten" => "torch.flatten", Tensor;
    "squeeze" => "torch.squeeze", Tensor;
    "unsqueeze" => "torch.unsqueeze", Tensor;
    "concat" => "torch.cat", Tensor;
    "stack" => "torch.stack", Tensor;
    "shape" => "tuple(x.shape)", Tuple;
    "numel" => "x.numel()", Int;
    "len" => "len", Int;
    "softmax" => "torch.softmax(x, dim=)", Tensor;
    "log_softmax" => "torch.log_softmax(x, dim=)", Tensor;
    "mse_loss" => "F.mse_loss", Tensor;
    "cross_entropy" => "F.cross_entropy(logits, targets.long())", Tensor;
    "binary_cross_entropy" => "F.binary_cross_entropy", Tensor;
    "backward" => "y.backward(v, retain_graph=, create_graph=)", None;
    "grad" => "torch.autograd.grad(y, x, grad_outputs=v, ...)", Unknown;
    "zero_grad" => "p.grad = None for every p", None;
    "detach" => "x.detach()", Tensor;
    "retain_grad" => "y.retain_grad()", None;
    "clip_grad_norm" => "torch.nn.utils.clip_grad_norm_(params, max_norm).item()", Num;
    "clip_grad_value" => "torch.nn.utils.clip_grad_value_", None;
    "gradcheck" => "bp.gradcheck: bp's central differences and tolerances (header)", Bool;
    "item" => "x.item()", Num;
    "range" => "range", Unknown;
    "time" => "bp.time: time.monotonic() since the start", Num;
    "round" => "round / torch.round(x, decimals=n)", Unknown;
    "list" => "list (a Python list; list(t) iterates the first axis)", List;
    "append" => "xs.append(v)", None;
    "pop" => "xs.pop()", Unknown;
    "str" => "bp.str: the text print shows (header)", Str;
    "nonzero" => "torch.nonzero(m).flatten().double()", Tensor;
    "randperm" => "bp.randperm: bp's generator (torch.randperm draws differently)", Tensor;
    "make_moons" => "bp.make_moons: scikit-learn's construction, bp's generator (header)", Tuple;
    "make_circles" => "bp.make_circles: scikit-learn's construction, bp's generator (header)", Tuple;
    "make_spirals" => "bp.make_spirals: CS231n's construction, bp's generator (header)", Tuple;
    "load_csv" => "bp.load_csv: csv.reader, then torch.tensor (header)", Unknown;
    "sgd" => "torch.optim.SGD (in bp.Optimizer: lr and bp's display)", Unknown;
    "adam" => "torch.optim.Adam (in bp.Optimizer)", Unknown;
    "adamw" => "torch.optim.AdamW (in bp.Optimizer)", Unknown;
    "set_lr" => "param_group[\"lr\"] = lr for each group", None;
    "save" => "safetensors.torch.save_file", None;
    "load" => "safetensors.torch.load_file", Unknown;
    "scatter" => "", Unknown;
    "draw" => "", Unknown;
    "print" => "bp.print: print with bp's display (header)", None;
    "plot" => "bp.plot: a text chart (header)", None;
    "assert" => "bp.assert_: raise AssertionError", None;
    "assert_close" => "bp.assert_close: bp's tolerances (header; cf. torch.testing.assert_close)", None;
    "gradflow" => "bp.gradflow: the gradient-flow table (header)", None;
}

/// Builtins with no export yet: a call is an error that labels it (their pictures have
/// no PyTorch counterpart and the header does not draw them).
pub const UNSUPPORTED: &[&str] = &["scatter", "draw"];

/// The export mapping of the builtin `name`.
pub fn mapping(name: &str) -> Option<&'static Mapping> {
    MAPPINGS.iter().find(|m| m.name == name)
}

/// Every mapping, in table order.
pub fn all() -> &'static [Mapping] {
    MAPPINGS
}
