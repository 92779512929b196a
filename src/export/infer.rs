//! Static typing while translating: the names each scope binds and the types inferred for
//! them and for expressions (tensor, number, whole number, …), so that calls on surely-tensor
//! arguments become inline PyTorch calls.

use super::builtins::{mapping, ty_of};
use super::call::{is_scalar, maybe_tensor};
use super::emit::{py_number, CallArgs, Emitter, Scope};
use super::names::bound_in;
use super::types::Ty;
use crate::syntax::ast::{Arg, BinOp, Expr, ExprKind, Ident, Stmt, StmtKind, UnOp};
use std::collections::{BTreeMap, BTreeSet};

impl Emitter {
    pub(super) fn push_scope(&mut self, body: &[Stmt], params: &[Ident]) {
        let mut bound = BTreeSet::new();
        bound_in(body, &mut bound);
        bound.extend(params.iter().map(|p| p.name.to_string()));
        self.scopes.push(Scope {
            bound,
            types: BTreeMap::new(),
        });
        // Infer the types of the names this scope binds: a few rounds of joining the
        // types of every value assigned to each name (parameters stay unknown).
        let mut assigned: Vec<(String, Ty)> = Vec::new();
        for _ in 0..4 {
            assigned.clear();
            self.collect_types(body, &mut assigned);
            let mut types: BTreeMap<String, Ty> = BTreeMap::new();
            for (name, ty) in &assigned {
                let t = match types.get(name) {
                    Some(old) => old.join(*ty),
                    None => *ty,
                };
                types.insert(name.clone(), t);
            }
            for p in params {
                types.insert(p.name.to_string(), Ty::Unknown);
            }
            if let Some(scope) = self.scopes.last_mut() {
                scope.types = types;
            }
        }
    }

    pub(super) fn collect_types(&self, stmts: &[Stmt], out: &mut Vec<(String, Ty)>) {
        for s in stmts {
            match &s.kind {
                StmtKind::Assign { target, value } => {
                    out.push((target.name.to_string(), self.ty(value)))
                }
                StmtKind::CompoundAssign {
                    target, op, value, ..
                } => {
                    let t = self.name_ty(&target.name);
                    let ty = Ty::arith(t, self.ty(value), *op != BinOp::Div);
                    out.push((target.name.to_string(), ty));
                }
                StmtKind::Unpack { targets, value } => {
                    let items: Vec<Ty> = match &value.kind {
                        ExprKind::Tuple(items) if items.len() == targets.len() => {
                            items.iter().map(|e| self.ty(e)).collect()
                        }
                        _ => vec![Ty::Unknown; targets.len()],
                    };
                    for (t, ty) in targets.iter().zip(items) {
                        out.push((t.name.to_string(), ty));
                    }
                }
                StmtKind::FnDef(decl) => {
                    if let Some(n) = &decl.name {
                        out.push((n.name.to_string(), Ty::Func));
                    }
                }
                StmtKind::Import { binding, .. } => {
                    out.push((binding.name.to_string(), Ty::Module));
                }
                StmtKind::If {
                    branches,
                    else_block,
                } => {
                    for (_, b) in branches {
                        self.collect_types(&b.stmts, out);
                    }
                    if let Some(b) = else_block {
                        self.collect_types(&b.stmts, out);
                    }
                }
                StmtKind::While { body, .. } | StmtKind::NoGrad(body) => {
                    self.collect_types(&body.stmts, out)
                }
                StmtKind::For {
                    targets,
                    iter,
                    body,
                } => {
                    let ty = match &targets[..] {
                        [_] => self.element_ty(iter),
                        _ => Ty::Unknown,
                    };
                    for t in targets {
                        out.push((t.name.to_string(), ty));
                    }
                    self.collect_types(&body.stmts, out);
                }
                _ => {}
            }
        }
    }

    /// The type of the loop variable of `for v in iter`.
    pub(super) fn element_ty(&self, iter: &Expr) -> Ty {
        if let ExprKind::Call(call) = &iter.kind {
            let (callee, args) = (&call.callee, &call.args);
            if let ExprKind::Name(n) = &callee.kind {
                if &***n == "range" && !self.is_user(n) {
                    let all_int = args.iter().all(|a| match a {
                        Arg::Positional(e) => self.ty(e) == Ty::Int,
                        Arg::Keyword { .. } => false,
                    });
                    return if all_int { Ty::Int } else { Ty::Num };
                }
            }
        }
        match &iter.kind {
            ExprKind::Tuple(items) => items
                .iter()
                .map(|e| self.ty(e))
                .reduce(Ty::join)
                .unwrap_or(Ty::Unknown),
            _ if self.ty(iter) == Ty::Tensor => Ty::Tensor,
            _ => Ty::Unknown,
        }
    }

    /// Whether `name` is bound by the program (not a builtin).
    pub(super) fn is_user(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s.bound.contains(name))
    }

    pub(super) fn name_ty(&self, name: &str) -> Ty {
        for s in self.scopes.iter().rev() {
            if s.bound.contains(name) {
                return s.types.get(name).copied().unwrap_or(Ty::Unknown);
            }
        }
        if mapping(name).is_some() {
            Ty::Func
        } else {
            Ty::Unknown
        }
    }

    pub(super) fn ty(&self, e: &Expr) -> Ty {
        match &e.kind {
            ExprKind::Number(n) => py_number(*n).ty,
            ExprKind::Str(_) | ExprKind::FString(_) => Ty::Str,
            ExprKind::Bool(_) => Ty::Bool,
            ExprKind::None => Ty::None,
            ExprKind::Name(n) => self.name_ty(n),
            ExprKind::TensorLit(_) | ExprKind::Numbers(_) => Ty::Tensor,
            ExprKind::Tuple(_) => Ty::Tuple,
            ExprKind::Dict(_) => Ty::Unknown,
            ExprKind::Unary { op, operand } => match op {
                UnOp::Not => Ty::Bool,
                UnOp::Neg => match self.ty(operand) {
                    t @ (Ty::Int | Ty::Num | Ty::Tensor) => t,
                    _ => Ty::Unknown,
                },
            },
            ExprKind::Binary { op, operands } => {
                let [lhs, rhs] = &**operands;
                let (a, b) = (self.ty(lhs), self.ty(rhs));
                match op {
                    BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Rem => Ty::arith(a, b, true),
                    BinOp::Div | BinOp::Pow => Ty::arith(a, b, false),
                    BinOp::MatMul => Ty::Tensor,
                    BinOp::And | BinOp::Or => Ty::Bool,
                    _ if a == Ty::Tensor || b == Ty::Tensor => Ty::Tensor,
                    _ if is_scalar(a) && is_scalar(b) => Ty::Bool,
                    BinOp::Eq | BinOp::Ne if !maybe_tensor(a) || !maybe_tensor(b) => Ty::Bool,
                    _ => Ty::Unknown,
                }
            }
            ExprKind::Call(call) => match &call.callee.kind {
                ExprKind::Name(n) if !self.is_user(n) => {
                    self.builtin_ty(n, &CallArgs::new(None, &call.args))
                }
                _ => Ty::Unknown,
            },
            ExprKind::Method(m) => {
                let (receiver, name, args) = (&m.receiver, &m.name, &m.args);
                if self.is_user(&name.name) {
                    Ty::Unknown
                } else {
                    self.builtin_ty(&name.name, &CallArgs::new(Some(receiver), args))
                }
            }
            ExprKind::Attr(a) => match &*a.name.name {
                "grad" | "T" | "data" => Ty::Tensor,
                "shape" => Ty::Tuple,
                "requires_grad" | "is_leaf" => Ty::Bool,
                "ndim" => Ty::Int,
                _ => Ty::Unknown,
            },
            ExprKind::Index(x) => match (&x.object.kind, self.ty(&x.object)) {
                (_, Ty::Tensor) => Ty::Tensor,
                (ExprKind::Attr(a), _) if &*a.name.name == "shape" => Ty::Int,
                _ => Ty::Unknown,
            },
            ExprKind::Lambda(_) => Ty::Func,
            ExprKind::Comprehension(c) if c.value.is_none() => Ty::List,
            ExprKind::Comprehension(_) => Ty::Unknown,
            ExprKind::IfElse(c) => self.ty(&c.then).join(self.ty(&c.otherwise)),
        }
    }

    pub(super) fn builtin_ty(&self, name: &str, a: &CallArgs) -> Ty {
        let Some(m) = mapping(name) else {
            return Ty::Unknown;
        };
        ty_of(m.returns, |pos, name| {
            let arg = match name {
                None => a.pos.get(pos).copied(),
                Some(name) => a.get(pos, name),
            };
            arg.map(|e| self.ty(e)).unwrap_or(Ty::Unknown)
        })
    }
}
