//! Calls: user functions, and each builtin as its row of the builtin table describes
//! its PyTorch call (the row's [`Inline`]), inline where the argument types are known,
//! else through the header's `bp.` helper.

use super::builtins::mapping;
use super::emit::{numeric_literal, py_float, py_str, CallArgs, Emitter, Py, P_ATOM, R};
use super::types::Ty;
use crate::eval::builtins::Inline;
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

    /// A call of the builtin `name`: its PyTorch call inline as its row's [`Inline`]
    /// describes it, where the arguments' types allow it; otherwise the runtime's
    /// function.
    pub(super) fn builtin(&mut self, name: &str, a: &CallArgs) -> R<Py> {
        let Some(row) = mapping(name) else {
            return self.generic(name, a, Ty::Unknown);
        };
        let ty = self.builtin_ty(name, a);
        let t = |s: &Self, i: usize| a.pos.get(i).map(|e| s.ty(e)).unwrap_or(Ty::Unknown);
        // The first argument is a tensor, or taken to be one (`tensor_only`).
        let x_tensor = match t(self, 0) {
            _ if a.pos.is_empty() => false,
            Ty::Tensor => true,
            Ty::Int | Ty::Num => false,
            _ => row.tensor_only,
        };
        let call = |code: String| Ok(Py::atom(code, ty));
        match row.inline {
            Inline::Runtime => {}
            Inline::Create(f) if a.only(usize::MAX, &["grad", "requires_grad"]) => {
                if let Some(shape) = self.shape_args(&a.pos)? {
                    let g = self.grad_flag(a)?;
                    return call(format!("{f}({shape}{g})"));
                }
            }
            Inline::Like(f) if x_tensor && a.only(1, &["grad", "requires_grad"]) => {
                let x = self.expr(a.pos[0])?.code;
                let g = self.grad_flag(a)?;
                return call(format!("{f}({x}{g})"));
            }
            Inline::Call(f) if x_tensor => {
                let (x, rest) = self.first_and_rest(a)?;
                if !a.kws.is_empty() {
                    return self.generic(name, a, ty);
                }
                return call(format!("{f}({}{rest})", x.code));
            }
            Inline::Method(m) if x_tensor => {
                let (x, _) = self.first_and_rest(a)?;
                if !a.kws.is_empty() {
                    return self.generic(name, a, ty);
                }
                return call(format!("{}.{m}()", x.at(P_ATOM)));
            }
            Inline::Optional { f, param } if x_tensor => {
                let x = self.expr(a.pos[0])?.code;
                return call(match a.get(1, param) {
                    Some(v) => format!("{f}({x}, {})", self.expr(v)?.code),
                    None => format!("{f}({x})"),
                });
            }
            Inline::Keywords(f) if x_tensor && a.pos.len() == 1 => {
                let x = self.expr(a.pos[0])?.code;
                let mut s = format!("{f}({x}");
                for (k, e) in &a.kws {
                    s.push_str(&format!(", {k}={}", self.expr(e)?.code));
                }
                return call(s + ")");
            }
            Inline::Operator(op) if a.pos.len() == 2 => {
                return self.binary_call(op, a.pos[0], a.pos[1], ty);
            }
            Inline::Pair(f) if x_tensor && t(self, 1) == Ty::Tensor => {
                return self.pair(f, a, ty);
            }
            // max(a, b) of two tensors is their elementwise maximum, as in bp
            Inline::Reduce { pair: Some(f), .. }
                if x_tensor && a.pos.len() == 2 && t(self, 1) == Ty::Tensor =>
            {
                return self.pair(f, a, ty);
            }
            Inline::Reduce { f, then, .. } if x_tensor && a.only(3, &["axis", "keepdim"]) => {
                let x = self.expr(a.pos[0])?.code;
                let dims = self.dims(a)?;
                return call(format!("{f}({x}{dims}){then}"));
            }
            Inline::Axes(f) if x_tensor && a.pos.len() == 3 => {
                let x = self.expr(a.pos[0])?.code;
                let (p, q) = (self.index(a.pos[1])?, self.index(a.pos[2])?);
                return call(format!("{f}({x}, {p}, {q})"));
            }
            Inline::Reshape(f) if x_tensor && a.kws.is_empty() => {
                if let Some(shape) = self.shape_args(&a.pos[1..])? {
                    let x = self.expr(a.pos[0])?.code;
                    return call(format!("{f}({x}, {shape})"));
                }
            }
            Inline::Axis(f) if x_tensor && a.only(2, &["axis"]) => {
                let x = self.expr(a.pos[0])?.code;
                return call(match a.get(1, "axis") {
                    Some(ax) => format!("{f}({x}, {})", self.index(ax)?),
                    None => format!("{f}({x})"),
                });
            }
            Inline::Dim { f, default } if x_tensor && a.only(2, &["axis"]) => {
                let x = self.expr(a.pos[0])?.code;
                let d = match a.get(1, "axis") {
                    Some(ax) => self.index(ax)?,
                    None => default.into(),
                };
                return call(format!("{f}({x}, dim={d})"));
            }
            Inline::Join(f) if a.only(2, &["axis"]) => {
                if let Some(ExprKind::Tuple(items)) = a.pos.first().map(|e| &e.kind) {
                    if items.iter().all(|i| self.ty(i) == Ty::Tensor) {
                        let ts = self.expr(a.pos[0])?.code;
                        return call(match a.get(1, "axis") {
                            Some(ax) => format!("{f}({ts}, dim={})", self.index(ax)?),
                            None => format!("{f}({ts})"),
                        });
                    }
                }
            }
            Inline::Loss { f, long }
                if x_tensor
                    && a.pos.len() == 2
                    && !matches!(t(self, 1), Ty::Int | Ty::Num)
                    && a.kws.is_empty() =>
            {
                let x = self.expr(a.pos[0])?.code;
                let y = self.expr(a.pos[1])?;
                let y = if long {
                    format!("{}.long()", y.at(P_ATOM))
                } else {
                    y.code
                };
                return call(format!("{f}({x}, {y})"));
            }
            Inline::Params { f, then } if a.pos.len() == 2 && a.kws.is_empty() => {
                let p = self.expr(a.pos[0])?;
                let p = match p.ty {
                    Ty::Tensor => format!("[{}]", p.code),
                    Ty::Tuple | Ty::List => p.code,
                    // A model, a dict, ...: the parameters inside (bp's walk).
                    _ => format!("list(bp._tensors([{}]))", p.code),
                };
                let m = self.expr(a.pos[1])?.code;
                return call(format!("{f}({p}, {m}){then}"));
            }
            Inline::ListMethod { m, index } if !a.pos.is_empty() && a.kws.is_empty() => {
                let xs = self.expr(a.pos[0])?;
                let rest = a.pos[1..]
                    .iter()
                    .map(|e| {
                        if index {
                            self.index(e)
                        } else {
                            Ok(self.expr(e)?.code)
                        }
                    })
                    .collect::<R<Vec<_>>>()?;
                return call(format!("{}.{m}({})", xs.at(P_ATOM), rest.join(", ")));
            }
            Inline::Python(f) if a.pos.len() == 1 => {
                let x = self.expr(a.pos[0])?.code;
                return call(format!("{f}({x})"));
            }
            Inline::Special => {
                if let Some(py) = self.special(name, a, ty, x_tensor)? {
                    return Ok(py);
                }
            }
            _ => {}
        }
        self.generic(name, a, ty)
    }

    /// The first argument, and the other positional ones as `, a, b`.
    fn first_and_rest(&mut self, a: &CallArgs) -> R<(Py, String)> {
        let x = self.expr(a.pos[0])?;
        let mut rest = String::new();
        for e in &a.pos[1..] {
            rest.push_str(&format!(", {}", self.expr(e)?.code));
        }
        Ok((x, rest))
    }

    /// `f(a, b)` of the first two arguments.
    fn pair(&mut self, f: &str, a: &CallArgs, ty: Ty) -> R<Py> {
        let (x, y) = (self.expr(a.pos[0])?.code, self.expr(a.pos[1])?.code);
        Ok(Py::atom(format!("{f}({x}, {y})"), ty))
    }

    /// The inline calls of the builtins marked [`Inline::Special`], which need code of
    /// their own; `None` where the runtime's function is needed.
    fn special(&mut self, name: &str, a: &CallArgs, ty: Ty, x_tensor: bool) -> R<Option<Py>> {
        let t = |s: &Self, i: usize| a.pos.get(i).map(|e| s.ty(e)).unwrap_or(Ty::Unknown);
        let call = |code: String| Ok(Some(Py::atom(code, ty)));
        match name {
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
                        ExprKind::TensorLit(_) | ExprKind::Numbers(_) => numeric_literal(x),
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
            "shape" if x_tensor => {
                let x = self.expr(a.pos[0])?;
                return call(format!("tuple({}.shape)", x.at(P_ATOM)));
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
            "range" if a.kws.is_empty() && a.pos.iter().all(|e| self.ty(e) == Ty::Int) => {
                let parts = a
                    .pos
                    .iter()
                    .map(|e| Ok(self.expr(e)?.code))
                    .collect::<R<Vec<_>>>()?;
                return call(format!("range({})", parts.join(", ")));
            }
            "list" if a.pos.is_empty() && a.kws.is_empty() => return call("[]".into()),
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
        Ok(None)
    }

    pub(super) fn binary_call(&mut self, op: BinOp, x: &Expr, y: &Expr, ty: Ty) -> R<Py> {
        self.binary(op, x, y, ty)
    }
}

pub(super) fn is_scalar(t: Ty) -> bool {
    matches!(t, Ty::Int | Ty::Num | Ty::Bool)
}

pub(super) fn maybe_tensor(t: Ty) -> bool {
    matches!(t, Ty::Tensor | Ty::Unknown)
}
