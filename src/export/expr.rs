//! Expressions to Python: names, literals, operators with bp's semantics, indexing and
//! slicing, f-strings and anonymous functions.

use super::builtins::mapping;
use super::emit::{
    binop_prec, number_list, numeric_literal, py_number, py_str, CallArgs, Emitter, Py, P_ADD,
    P_ATOM, P_CMP, P_LAMBDA, P_NOT, P_POW, P_UNARY, R,
};
use super::names::python_name;
use super::types::Ty;
use crate::syntax::ast::{BinOp, Expr, ExprKind, FPart, FnDecl, Index, Stmt, StmtKind, UnOp};

impl Emitter {
    /// `object[indices]`.
    pub(super) fn index_expr(&mut self, object: &Expr, indices: &[Index], ty: Ty) -> R<Py> {
        let o = self.expr(object)?;
        let mut parts = Vec::new();
        for ix in indices {
            parts.push(match ix {
                Index::Single(i) => self.index(i)?,
                Index::Slice {
                    start, end, step, ..
                } => {
                    let mut s = String::new();
                    if let Some(x) = start {
                        s.push_str(&self.index(x)?);
                    }
                    s.push(':');
                    if let Some(x) = end {
                        s.push_str(&self.index(x)?);
                    }
                    if let Some(x) = step {
                        s.push(':');
                        s.push_str(&self.index(x)?);
                    }
                    s
                }
            });
        }
        Ok(Py::atom(
            format!("{}[{}]", o.at(P_ATOM), parts.join(", ")),
            ty,
        ))
    }

    /// `f"..."`: a Python f-string (or, when a value's code has quotes, a concatenation).
    pub(super) fn fstring(&mut self, parts: &[FPart]) -> R<Py> {
        // (literal text, or (value code, its type, spec))
        let mut pieces: Vec<Result<String, (Py, Option<String>)>> = Vec::new();
        for p in parts {
            match p {
                FPart::Text(t) => pieces.push(Ok(t.to_string())),
                FPart::Value { expr, spec } => {
                    let v = self.expr(expr)?;
                    pieces.push(Err((v, spec.as_ref().map(|(s, _)| s.to_string()))));
                }
            }
        }
        let quoted = pieces.iter().any(|p| match p {
            Err((v, spec)) => {
                v.code.contains(['"', '\\', '\'', '{', '}'])
                    || spec
                        .as_ref()
                        .is_some_and(|s| s.contains(['"', '\\', '\'', '{', '}']))
            }
            Ok(_) => false,
        });
        if quoted {
            let mut terms = Vec::new();
            for p in pieces {
                terms.push(match p {
                    Ok(t) => py_str(&t),
                    Err((v, spec)) => match spec {
                        Some(s) => format!("bp.fmt({}, {})", v.code, py_str(&s)),
                        None => format!("bp.str({})", v.code),
                    },
                });
            }
            return Ok(Py {
                code: terms.join(" + "),
                prec: P_ADD,
                ty: Ty::Str,
            });
        }
        let mut out = String::from("f\"");
        for p in pieces {
            match p {
                Ok(t) => {
                    let lit = py_str(&t);
                    let inner = &lit[1..lit.len() - 1];
                    out.push_str(&inner.replace('{', "{{").replace('}', "}}"));
                }
                Err((v, spec)) => {
                    let code = if v.prec == P_LAMBDA {
                        format!("({})", v.code)
                    } else {
                        v.code.clone()
                    };
                    let kind = spec.as_deref().and_then(|s| s.chars().last());
                    let numeric = spec.as_deref().is_some_and(|s| {
                        s.contains('.')
                            || s.contains([',', '+'])
                            || matches!(kind, Some('f' | 'F' | 'e' | 'E' | 'g' | 'G' | '%' | 'd'))
                    });
                    out.push('{');
                    match (spec, v.ty) {
                        (None, Ty::Str | Ty::Int) => out.push_str(&code),
                        (None, _) => out.push_str(&format!("bp.str({code})")),
                        (Some(s), Ty::Int) if numeric => out.push_str(&format!("{code}:{s}")),
                        (Some(s), Ty::Num) if numeric && kind != Some('d') => {
                            out.push_str(&format!("{code}:{s}"))
                        }
                        (Some(s), Ty::Tensor) if numeric && kind != Some('d') => {
                            out.push_str(&format!("{}.item():{s}", v.at(P_ATOM)))
                        }
                        (Some(s), _) if numeric => out.push_str(&format!("bp.fmt({code}, '{s}')")),
                        (Some(s), _) => out.push_str(&format!("bp.str({code}):{s}")),
                    }
                    out.push('}');
                }
            }
        }
        out.push('"');
        Ok(Py::atom(out, Ty::Str))
    }

    pub(super) fn iterable(&mut self, iter: &Expr) -> R<String> {
        Ok(self.expr(iter)?.code)
    }

    // ---- expressions ----

    pub(super) fn expr(&mut self, e: &Expr) -> R<Py> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.expr_inner(e))
    }

    pub(super) fn expr_inner(&mut self, e: &Expr) -> R<Py> {
        let ty = self.ty(e);
        Ok(match &e.kind {
            ExprKind::Number(n) => py_number(*n),
            ExprKind::Str(s) => Py::atom(py_str(s), Ty::Str),
            ExprKind::Bool(b) => Py::atom(if *b { "True" } else { "False" }, Ty::Bool),
            ExprKind::None => Py::atom("None", Ty::None),
            ExprKind::Name(n) => {
                if self.is_user(n) {
                    Py::atom(self.name(n), ty)
                } else if &***n == "assert" {
                    Py::atom("bp.assert_", Ty::Func)
                } else if mapping(n).is_some() {
                    Py::atom(format!("bp.{n}"), Ty::Func)
                } else {
                    Py::atom(self.name(n), ty)
                }
            }
            ExprKind::TensorLit(items) => match numeric_literal(e) {
                Some(list) => Py::atom(format!("torch.tensor({list})"), Ty::Tensor),
                None => Py::atom(format!("bp.lit({})", self.lit_items(items)?), Ty::Tensor),
            },
            ExprKind::Numbers(list) => {
                Py::atom(format!("torch.tensor({})", number_list(list)), Ty::Tensor)
            }
            ExprKind::Tuple(items) => {
                let parts = items
                    .iter()
                    .map(|i| Ok(self.expr(i)?.code))
                    .collect::<R<Vec<_>>>()?;
                let code = if parts.len() == 1 {
                    format!("({},)", parts[0])
                } else {
                    format!("({})", parts.join(", "))
                };
                Py::atom(code, Ty::Tuple)
            }
            ExprKind::Dict(items) => {
                let parts = items
                    .iter()
                    .map(|i| Ok(self.expr(i)?.code))
                    .collect::<R<Vec<_>>>()?;
                let entries: Vec<String> = parts.chunks(2).map(|kv| kv.join(": ")).collect();
                Py::atom(format!("{{{}}}", entries.join(", ")), Ty::Unknown)
            }
            ExprKind::Unary { op, operand } => {
                let x = self.expr(operand)?;
                match op {
                    UnOp::Neg => Py {
                        code: format!("-{}", x.at(P_UNARY)),
                        prec: P_UNARY,
                        ty,
                    },
                    UnOp::Not => Py {
                        code: format!("not {}", x.at(P_NOT)),
                        prec: P_NOT,
                        ty: Ty::Bool,
                    },
                }
            }
            ExprKind::Binary { op, operands } => {
                let [lhs, rhs] = &**operands;
                self.binary(*op, lhs, rhs, ty)?
            }
            ExprKind::Call(call) => match &call.callee.kind {
                ExprKind::Name(n) if !self.is_user(n) && mapping(n).is_some() => {
                    self.builtin(n, &CallArgs::new(None, &call.args))?
                }
                _ => {
                    let f = self.expr(&call.callee)?;
                    let a = self.user_args(&CallArgs::new(None, &call.args))?;
                    Py::atom(format!("{}({a})", f.at(P_ATOM)), ty)
                }
            },
            ExprKind::Method(m) => {
                let (receiver, name, args) = (&m.receiver, &m.name, &m.args);
                let a = CallArgs::new(Some(receiver), args);
                if self.ty(receiver) == Ty::Module {
                    let r = self.expr(receiver)?;
                    let rest = CallArgs::new(None, args);
                    let f = python_name(&name.name);
                    Py::atom(format!("{}.{f}({})", r.code, self.user_args(&rest)?), ty)
                } else if self.class_methods.contains(&*name.name)
                    && !matches!(
                        self.ty(receiver),
                        Ty::Int | Ty::Num | Ty::Bool | Ty::Str | Ty::None
                    )
                {
                    // An object's method (bp looks a method up on an object before any
                    // function of that name), even when a variable or a builtin shares
                    // its name (`parameters = [...]` beside `layer.parameters()`). The
                    // receiver's inferred type cannot rule an object out: a bracket
                    // literal of objects is inferred as a tensor.
                    let r = self.expr(receiver)?;
                    let rest = CallArgs::new(None, args);
                    Py::atom(
                        format!(
                            "{}.{}({})",
                            r.at(P_ATOM),
                            python_method(&name.name),
                            self.user_args(&rest)?
                        ),
                        ty,
                    )
                } else if self.is_user(&name.name)
                    && matches!(self.name_ty(&name.name), Ty::Func | Ty::Unknown)
                {
                    let f = self.name(&name.name);
                    Py::atom(format!("{f}({})", self.user_args(&a)?), ty)
                } else if mapping(&name.name).is_some() {
                    self.builtin(&name.name, &a)?
                } else {
                    // A method bp's builtins do not define (a list's `append`, …).
                    let r = self.expr(receiver)?;
                    let rest = CallArgs::new(None, args);
                    Py::atom(
                        format!("{}.{}({})", r.at(P_ATOM), name.name, self.user_args(&rest)?),
                        ty,
                    )
                }
            }
            ExprKind::Attr(a) => {
                let (object, name) = (&a.object, &a.name);
                let o = self.expr(object)?;
                let attr = match &*name.name {
                    _ if o.ty == Ty::Module => python_name(&name.name),
                    "data" => "detach()".to_string(),
                    other => other.to_string(),
                };
                Py::atom(format!("{}.{attr}", o.at(P_ATOM)), ty)
            }
            ExprKind::Index(x) => self.index_expr(&x.object, &x.indices, ty)?,
            ExprKind::Lambda(decl) => self.lambda(decl)?,
            ExprKind::FString(parts) => self.fstring(parts)?,
            ExprKind::Comprehension(comp) => self.comprehension(comp)?,
            ExprKind::IfElse(c) => self.if_else(&c.cond, &c.then, &c.otherwise)?,
        })
    }

    /// An index or a slice bound: Python wants whole numbers (or a tensor of them).
    pub(super) fn index(&mut self, e: &Expr) -> R<String> {
        let x = self.expr(e)?;
        // A comparison of tensors used as an index is a mask: PyTorch's bool
        // tensor, not the 0/1 values it is elsewhere (`x[x > 0]`).
        if let ExprKind::Binary { op, .. } = &e.kind {
            let cmp = matches!(
                op,
                BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
            );
            if let Some(inner) = x.code.strip_suffix(".double()").filter(|_| cmp) {
                return Ok(inner.to_string());
            }
        }
        Ok(match x.ty {
            Ty::Int => x.code,
            Ty::Num => format!("int({})", x.code),
            _ => format!("bp.ix({})", x.code),
        })
    }

    /// The items of a bp tensor literal that is not all numbers, for `bp.lit`.
    pub(super) fn lit_items(&mut self, items: &[Expr]) -> R<String> {
        let mut parts = Vec::new();
        for i in items {
            parts.push(match &i.kind {
                ExprKind::TensorLit(inner) if numeric_literal(i).is_none() => {
                    self.lit_items(inner)?
                }
                _ => self.expr(i)?.code,
            });
        }
        Ok(format!("[{}]", parts.join(", ")))
    }

    pub(super) fn lambda(&mut self, decl: &FnDecl) -> R<Py> {
        if let [Stmt {
            kind: StmtKind::Return(Some(body)),
            ..
        }] = decl.body.stmts.as_slice()
        {
            let params = self.params(decl)?;
            self.push_scope(&decl.body.stmts, &decl.params);
            self.functions += 1;
            let b = self.expr(body);
            self.functions -= 1;
            self.scopes.pop();
            let b = b?;
            let sep = if params.is_empty() { "" } else { " " };
            return Ok(Py {
                code: format!("lambda{sep}{}: {}", params.join(", "), b.code),
                prec: P_LAMBDA,
                ty: Ty::Func,
            });
        }
        // A longer body becomes a named definition just before the statement.
        self.lambdas += 1;
        let name = format!("lambda_{}", self.lambdas);
        let saved_out = std::mem::take(&mut self.out);
        let r = self.function(&name, decl);
        let def = std::mem::replace(&mut self.out, saved_out);
        r?;
        self.pending.push(def);
        Ok(Py::atom(name, Ty::Func))
    }

    pub(super) fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, ty: Ty) -> R<Py> {
        let p = binop_prec(op);
        let (a, b) = (self.expr(lhs)?, self.expr(rhs)?);
        let plain = |a: &Py, b: &Py, sym: &str| {
            let (l, r) = if op == BinOp::Pow {
                // right-associative; `2 ** -1` needs no parentheses
                (a.at(P_POW + 1), b.at(P_UNARY))
            } else {
                (a.at(p), b.at(p + 1))
            };
            Py {
                code: format!("{l} {sym} {r}"),
                prec: p,
                ty,
            }
        };
        Ok(match op {
            BinOp::And | BinOp::Or => {
                // bp's `and`/`or` give a bool, Python's give an operand.
                let truth = |x: &Py| {
                    if x.ty == Ty::Bool {
                        x.at(p + 1)
                    } else {
                        format!("bool({})", x.code)
                    }
                };
                let sym = if op == BinOp::And { "and" } else { "or" };
                Py {
                    code: format!("{} {sym} {}", truth(&a), truth(&b)),
                    prec: p,
                    ty: Ty::Bool,
                }
            }
            BinOp::Eq | BinOp::Ne if a.ty == Ty::None || b.ty == Ty::None => {
                let sym = if op == BinOp::Eq { "is" } else { "is not" };
                let (x, y) = if a.ty == Ty::None { (&b, &a) } else { (&a, &b) };
                Py {
                    code: format!("{} {sym} {}", x.at(P_CMP + 1), y.at(P_CMP + 1)),
                    prec: P_CMP,
                    ty: Ty::Bool,
                }
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let sym = op.symbol();
                let cmp = Py {
                    code: format!("{} {sym} {}", a.at(P_CMP + 1), b.at(P_CMP + 1)),
                    prec: P_CMP,
                    ty,
                };
                if ty == Ty::Bool {
                    cmp
                } else if ty == Ty::Tensor {
                    // a tensor of 0 and 1, as bp's comparisons give
                    Py::atom(format!("({}).double()", cmp.code), Ty::Tensor)
                } else {
                    Py::atom(format!("bp.mask({})", cmp.code), ty)
                }
            }
            _ => plain(&a, &b, op.symbol()),
        })
    }
}

/// A class method's Python name (the class statement's renaming).
fn python_method(name: &str) -> &str {
    match name {
        "init" => "__init__",
        "call" => "__call__",
        "show" => "__repr__",
        other => other,
    }
}
