//! Calls: user functions, and each builtin through its row's PyTorch equivalent, inline
//! where the argument types are known, else through the header's `bp.` helper.

use super::emit::{numeric_literal, py_float, py_str, CallArgs, Emitter, Py, P_ATOM, R};
use super::types::Ty;
use crate::syntax::ast::{BinOp, Expr, ExprKind};

impl Emitter {
    /// Arguments of a call to a user function: positional, then `name=value`.
    pub(super) fn user_args(&mut self, a: &CallArgs) -> R<String> {
        let mut parts = Vec::new();
        for e in &a.pos {
            parts.push(self.expr(e)?.code);
        }
        for (k, e) in &a.kws {
            let v = self.expr(e)?.code;
            parts.push(format!("{}={v}", self.name(k)));
        }
        Ok(parts.join(", "))
    }

    /// The runtime's version of a builtin, `bp.name(args)`, which handles every case.
    pub(super) fn generic(&mut self, name: &str, a: &CallArgs, ty: Ty) -> R<Py> {
        let mut parts = Vec::new();
        for e in &a.pos {
            parts.push(self.expr(e)?.code);
        }
        for (k, e) in &a.kws {
            let v = self.expr(e)?.code;
            let k = match *k {
                "grad" => "requires_grad",
                other => other,
            };
            parts.push(format!("{k}={v}"));
        }
        let f = if name == "assert" { "assert_" } else { name };
        Ok(Py::atom(format!("bp.{f}({})", parts.join(", ")), ty))
    }

    /// `, requires_grad=True` when the call has the `grad` flag.
    pub(super) fn grad_flag(&mut self, a: &CallArgs) -> R<String> {
        match a
            .kws
            .iter()
            .find(|(k, _)| *k == "grad" || *k == "requires_grad")
        {
            Some((_, e)) => Ok(format!(", requires_grad={}", self.expr(e)?.code)),
            None => Ok(String::new()),
        }
    }

    /// `dim=..., keepdim=...` for a reduction, from bp's `axis` (by position 1 too).
    pub(super) fn dims(&mut self, a: &CallArgs) -> R<String> {
        let mut out = String::new();
        if let Some(ax) = a.get(1, "axis") {
            out.push_str(&format!(", dim={}", self.index(ax)?));
        }
        if let Some(k) = a.get(2, "keepdim") {
            out.push_str(&format!(", keepdim={}", self.expr(k)?.code));
        }
        Ok(out)
    }

    pub(super) fn shape_args(&mut self, shape: &[&Expr]) -> R<Option<String>> {
        match shape {
            [one] if self.ty(one) == Ty::Tuple => Ok(Some(self.expr(one)?.code)),
            _ if shape.iter().all(|e| self.ty(e) == Ty::Int) => {
                let parts = shape
                    .iter()
                    .map(|e| Ok(self.expr(e)?.code))
                    .collect::<R<Vec<_>>>()?;
                Ok(Some(if parts.len() == 1 {
                    format!("({},)", parts[0])
                } else {
                    format!("({})", parts.join(", "))
                }))
            }
            _ => Ok(None),
        }
    }

    /// A call of the builtin `name`: its PyTorch call inline where the arguments'
    /// types allow it, otherwise the runtime's function.
    pub(super) fn builtin(&mut self, name: &str, a: &CallArgs) -> R<Py> {
        let ty = self.builtin_ty(name, a);
        let t = |s: &Self, i: usize| a.pos.get(i).map(|e| s.ty(e)).unwrap_or(Ty::Unknown);
        let x_tensor = t(self, 0) == Ty::Tensor
            || (TENSOR_ONLY.contains(&name) && !matches!(t(self, 0), Ty::Int | Ty::Num));
        let call = |code: String| Ok(Py::atom(code, ty));
        match name {
            "zeros" | "ones" if a.only(usize::MAX, &["grad", "requires_grad"]) => {
                if let Some(shape) = self.shape_args(&a.pos)? {
                    let g = self.grad_flag(a)?;
                    return call(format!("torch.{name}({shape}{g})"));
                }
            }
            "rand" | "randn" if a.only(usize::MAX, &["grad", "requires_grad"]) => {
                if let Some(shape) = self.shape_args(&a.pos)? {
                    let g = self.grad_flag(a)?;
                    return call(format!("bp.{name}({shape}{g})"));
                }
            }
            "full" if a.only(usize::MAX, &["grad", "requires_grad", "value"]) => {
                if let Some(v) = a.kws.iter().find(|(k, _)| *k == "value").map(|p| p.1) {
                    if let Some(shape) = self.shape_args(&a.pos)? {
                        let v = self.expr(v)?;
                        let v = if v.ty == Ty::Int {
                            format!("{}.0", v.code)
                        } else {
                            format!("float({})", v.code)
                        };
                        let g = self.grad_flag(a)?;
                        return call(format!("torch.full({shape}, {v}{g})"));
                    }
                }
            }
            "tensor" if a.only(1, &["grad", "requires_grad"]) => {
                if let Some(x) = a.pos.first() {
                    let lit = match &x.kind {
                        ExprKind::TensorLit(_) => numeric_literal(x),
                        ExprKind::Number(n) => Some(py_float(*n)),
                        ExprKind::Unary { .. } => numeric_literal(x),
                        _ => None,
                    };
                    if let Some(lit) = lit {
                        let g = self.grad_flag(a)?;
                        return call(format!("torch.tensor({lit}{g})"));
                    }
                    if self.ty(x) == Ty::Tensor {
                        // a new leaf copy of a tensor, in PyTorch's idiom
                        let x = self.expr(x)?;
                        let g = match a.kws.first() {
                            Some((_, e)) => format!(".requires_grad_({})", self.expr(e)?.code),
                            None => String::new(),
                        };
                        return call(format!("{}.detach().clone(){g}", x.at(P_ATOM)));
                    }
                }
            }
            "zeros_like" | "ones_like" if x_tensor && a.only(1, &["grad", "requires_grad"]) => {
                let x = self.expr(a.pos[0])?.code;
                let g = self.grad_flag(a)?;
                return call(format!("torch.{name}({x}{g})"));
            }
            "exp" | "log" | "sqrt" | "sin" | "cos" | "tanh" | "sigmoid" | "relu" | "sign"
            | "abs" | "softplus" | "flatten" | "outer" | "detach" | "retain_grad" | "item"
            | "numel"
                if x_tensor =>
            {
                let x = self.expr(a.pos[0])?;
                let rest = a.pos[1..]
                    .iter()
                    .map(|e| Ok(self.expr(e)?.code))
                    .collect::<R<Vec<_>>>()?;
                if !a.kws.is_empty() {
                    return self.generic(name, a, ty);
                }
                let rest = rest.iter().map(|r| format!(", {r}")).collect::<String>();
                return call(match name {
                    "softplus" => format!("F.softplus({}{rest})", x.code),
                    "detach" | "retain_grad" | "item" | "numel" => {
                        format!("{}.{name}()", x.at(P_ATOM))
                    }
                    _ => format!("torch.{name}({}{rest})", x.code),
                });
            }
            "leaky_relu" if x_tensor => {
                let x = self.expr(a.pos[0])?.code;
                return call(match a.get(1, "slope") {
                    Some(s) => format!("F.leaky_relu({x}, {})", self.expr(s)?.code),
                    None => format!("F.leaky_relu({x})"),
                });
            }
            "clamp" if x_tensor && a.pos.len() == 1 => {
                let x = self.expr(a.pos[0])?.code;
                let mut s = format!("torch.clamp({x}");
                for (k, e) in &a.kws {
                    s.push_str(&format!(", {k}={}", self.expr(e)?.code));
                }
                return call(s + ")");
            }
            "pow" if a.pos.len() == 2 => {
                return self.binary_call(BinOp::Pow, a.pos[0], a.pos[1], ty);
            }
            "matmul" if a.pos.len() == 2 => {
                return self.binary_call(BinOp::MatMul, a.pos[0], a.pos[1], ty);
            }
            "maximum" | "minimum" if x_tensor && t(self, 1) == Ty::Tensor => {
                let (x, y) = (self.expr(a.pos[0])?.code, self.expr(a.pos[1])?.code);
                return call(format!("torch.{name}({x}, {y})"));
            }
            // max(a, b) of two tensors is their elementwise maximum, as in bp
            "max" | "min" if x_tensor && a.pos.len() == 2 && t(self, 1) == Ty::Tensor => {
                let (x, y) = (self.expr(a.pos[0])?.code, self.expr(a.pos[1])?.code);
                let f = if name == "max" { "maximum" } else { "minimum" };
                return call(format!("torch.{f}({x}, {y})"));
            }
            "sum" | "mean" | "max" | "min" | "prod"
                if x_tensor && a.only(3, &["axis", "keepdim"]) =>
            {
                let x = self.expr(a.pos[0])?.code;
                let dims = self.dims(a)?;
                let f = match (name, dims.is_empty()) {
                    ("max", _) => "amax",
                    ("min", _) => "amin",
                    (n, _) => n,
                };
                return call(format!("torch.{f}({x}{dims})"));
            }
            "norm" if x_tensor => {
                let x = self.expr(a.pos[0])?.code;
                return call(format!("torch.linalg.vector_norm({x})"));
            }
            "argmax" | "argmin" if x_tensor && a.only(3, &["axis", "keepdim"]) => {
                let x = self.expr(a.pos[0])?.code;
                let dims = self.dims(a)?;
                return call(format!("torch.{name}({x}{dims}).double()"));
            }
            "transpose" if x_tensor && a.pos.len() == 3 => {
                let x = self.expr(a.pos[0])?.code;
                let (p, q) = (self.index(a.pos[1])?, self.index(a.pos[2])?);
                return call(format!("torch.transpose({x}, {p}, {q})"));
            }
            "reshape" if x_tensor && a.kws.is_empty() => {
                if let Some(shape) = self.shape_args(&a.pos[1..])? {
                    let x = self.expr(a.pos[0])?.code;
                    return call(format!("torch.reshape({x}, {shape})"));
                }
            }
            "squeeze" | "unsqueeze" if x_tensor && a.only(2, &["axis"]) => {
                let x = self.expr(a.pos[0])?.code;
                return call(match a.get(1, "axis") {
                    Some(ax) => format!("torch.{name}({x}, {})", self.index(ax)?),
                    None => format!("torch.{name}({x})"),
                });
            }
            "concat" | "stack" if a.only(2, &["axis"]) => {
                if let Some(ExprKind::Tuple(items)) = a.pos.first().map(|e| &e.kind) {
                    if items.iter().all(|i| self.ty(i) == Ty::Tensor) {
                        let ts = self.expr(a.pos[0])?.code;
                        let f = if name == "concat" { "cat" } else { "stack" };
                        return call(match a.get(1, "axis") {
                            Some(ax) => format!("torch.{f}({ts}, dim={})", self.index(ax)?),
                            None => format!("torch.{f}({ts})"),
                        });
                    }
                }
            }
            "shape" if x_tensor => {
                let x = self.expr(a.pos[0])?;
                return call(format!("tuple({}.shape)", x.at(P_ATOM)));
            }
            "len" if a.pos.len() == 1 => {
                let x = self.expr(a.pos[0])?.code;
                return call(format!("len({x})"));
            }
            "softmax" | "log_softmax" if x_tensor && a.only(2, &["axis"]) => {
                let x = self.expr(a.pos[0])?.code;
                let d = match a.get(1, "axis") {
                    Some(ax) => self.index(ax)?,
                    None => "-1".into(),
                };
                return call(format!("torch.{name}({x}, dim={d})"));
            }
            "mse_loss" | "binary_cross_entropy" | "cross_entropy"
                if x_tensor && !matches!(t(self, 1), Ty::Int | Ty::Num) && a.only(2, &[]) =>
            {
                let x = self.expr(a.pos[0])?.code;
                let y = self.expr(a.pos[1])?;
                let y = if name == "cross_entropy" {
                    format!("{}.long()", y.at(P_ATOM))
                } else {
                    y.code
                };
                return call(format!("F.{name}({x}, {y})"));
            }
            "backward" if a.only(2, &["v", "retain_graph", "create_graph"]) => {
                if let Some(y) = a.pos.first() {
                    let y = self.expr(y)?;
                    let mut parts = Vec::new();
                    if let Some(v) = a.get(1, "v") {
                        parts.push(self.expr(v)?.code);
                    }
                    for (k, e) in &a.kws {
                        if *k != "v" {
                            parts.push(format!("{k}={}", self.expr(e)?.code));
                        }
                    }
                    return call(format!("{}.backward({})", y.at(P_ATOM), parts.join(", ")));
                }
            }
            "grad" if a.pos.len() >= 2 && matches!(t(self, 1), Ty::Tensor | Ty::Tuple) => {
                let many = t(self, 1) == Ty::Tuple;
                let y = self.expr(a.pos[0])?.code;
                let x = self.expr(a.pos[1])?.code;
                let mut parts = vec![y, x];
                if let Some(v) = a.get(2, "v") {
                    parts.push(format!("grad_outputs={}", self.expr(v)?.code));
                }
                for (k, e) in &a.kws {
                    if *k != "v" {
                        parts.push(format!("{k}={}", self.expr(e)?.code));
                    }
                }
                let g = format!("torch.autograd.grad({})", parts.join(", "));
                return call(if many { g } else { format!("{g}[0]") });
            }
            "clip_grad_norm" | "clip_grad_value" if a.pos.len() == 2 && a.kws.is_empty() => {
                let p = self.expr(a.pos[0])?;
                let p = match p.ty {
                    Ty::Tensor => format!("[{}]", p.code),
                    Ty::Tuple | Ty::List => p.code,
                    // A model, a dict, ...: the parameters inside (bp's walk).
                    _ => format!("list(bp._tensors([{}]))", p.code),
                };
                let m = self.expr(a.pos[1])?.code;
                return call(if name == "clip_grad_norm" {
                    format!("torch.nn.utils.clip_grad_norm_({p}, {m}).item()")
                } else {
                    format!("torch.nn.utils.clip_grad_value_({p}, {m})")
                });
            }
            "range" if a.kws.is_empty() && a.pos.iter().all(|e| self.ty(e) == Ty::Int) => {
                let parts = a
                    .pos
                    .iter()
                    .map(|e| Ok(self.expr(e)?.code))
                    .collect::<R<Vec<_>>>()?;
                return call(format!("range({})", parts.join(", ")));
            }
            "list" if a.pos.is_empty() && a.kws.is_empty() => return call("[]".into()),
            "append" | "pop" if !a.pos.is_empty() && a.kws.is_empty() => {
                let xs = self.expr(a.pos[0])?;
                let rest = a.pos[1..]
                    .iter()
                    .map(|e| self.index_or_value(name, e))
                    .collect::<R<Vec<_>>>()?;
                return call(format!("{}.{name}({})", xs.at(P_ATOM), rest.join(", ")));
            }
            "gradflow" if a.pos.is_empty() && a.kws.is_empty() => {
                if self.renamed.is_empty() {
                    return call("bp.gradflow(globals())".into());
                }
                let map: Vec<String> = self
                    .renamed
                    .iter()
                    .map(|(p, b)| format!("{}: {}", py_str(p), py_str(b)))
                    .collect();
                return call(format!("bp.gradflow(globals(), {{{}}})", map.join(", ")));
            }
            _ => {}
        }
        self.generic(name, a, ty)
    }

    /// `pop`'s argument is an index; `append`'s a value.
    pub(super) fn index_or_value(&mut self, name: &str, e: &Expr) -> R<String> {
        if name == "pop" {
            self.index(e)
        } else {
            Ok(self.expr(e)?.code)
        }
    }

    pub(super) fn binary_call(&mut self, op: BinOp, x: &Expr, y: &Expr, ty: Ty) -> R<Py> {
        self.binary(op, x, y, ty)
    }
}

/// Builtins that take only tensors in practice: an argument of unknown type is taken
/// to be a tensor and the PyTorch call is made inline.
pub(super) const TENSOR_ONLY: &[&str] = &[
    "mse_loss",
    "binary_cross_entropy",
    "cross_entropy",
    "softmax",
    "log_softmax",
    "transpose",
    "reshape",
    "flatten",
    "squeeze",
    "unsqueeze",
    "outer",
    "detach",
    "retain_grad",
    "zeros_like",
    "ones_like",
    "shape",
    "numel",
    "argmax",
    "argmin",
];

pub(super) fn is_scalar(t: Ty) -> bool {
    matches!(t, Ty::Int | Ty::Num | Ty::Bool)
}

pub(super) fn maybe_tensor(t: Ty) -> bool {
    matches!(t, Ty::Tensor | Ty::Unknown)
}
