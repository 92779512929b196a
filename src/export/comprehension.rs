//! Comprehensions and conditional expressions as Python writes them (SPEC §19):
//! `[e for x in xs if c]`, `{k: v for …}`, `a if c else b`.

use super::emit::{Emitter, Py, Scope, P_LAMBDA, P_OR, R};
use super::types::Ty;
use crate::syntax::ast::{Comprehension, Expr};
use std::collections::{BTreeMap, BTreeSet};

impl Emitter {
    /// A comprehension: a Python list or dict comprehension. Its variables are
    /// its own scope's, as in Python and bp.
    pub(super) fn comprehension(&mut self, comp: &Comprehension) -> R<Py> {
        let mut clauses = Vec::new();
        let mut pushed = false;
        let mut r = Ok(());
        for (i, c) in comp.clauses.iter().enumerate() {
            // The first iterable is evaluated outside the comprehension.
            let it = match self.expr(&c.iter) {
                Ok(it) => it.at(P_OR),
                Err(e) => {
                    r = Err(e);
                    break;
                }
            };
            let elem = match &c.targets[..] {
                [_] => self.element_ty(&c.iter),
                _ => Ty::Unknown,
            };
            if i == 0 {
                self.scopes.push(Scope {
                    bound: BTreeSet::new(),
                    types: BTreeMap::new(),
                });
                pushed = true;
            }
            if let Some(scope) = self.scopes.last_mut() {
                for t in &c.targets {
                    scope.bound.insert(t.name.to_string());
                    scope.types.insert(t.name.to_string(), elem);
                }
            }
            let targets: Vec<String> = c.targets.iter().map(|t| self.name(&t.name)).collect();
            let mut text = format!("for {} in {it}", targets.join(", "));
            for cond in &c.conds {
                match self.expr(cond) {
                    Ok(p) => text.push_str(&format!(" if {}", p.at(P_OR))),
                    Err(e) => {
                        r = Err(e);
                        break;
                    }
                }
            }
            clauses.push(text);
        }
        let body = r.and_then(|()| {
            let element = self.expr(&comp.element)?.at(P_LAMBDA);
            match &comp.value {
                None => Ok(Py::atom(
                    format!("[{element} {}]", clauses.join(" ")),
                    Ty::List,
                )),
                Some(v) => {
                    let value = self.expr(v)?.at(P_LAMBDA);
                    Ok(Py::atom(
                        format!("{{{element}: {value} {}}}", clauses.join(" ")),
                        Ty::Unknown,
                    ))
                }
            }
        });
        if pushed {
            self.scopes.pop();
        }
        body
    }

    /// `then if cond else otherwise`.
    pub(super) fn if_else(&mut self, cond: &Expr, then: &Expr, otherwise: &Expr) -> R<Py> {
        let t = self.expr(then)?;
        let c = self.expr(cond)?;
        let o = self.expr(otherwise)?;
        Ok(Py {
            code: format!("{} if {} else {}", t.at(P_OR), c.at(P_OR), o.at(P_LAMBDA)),
            prec: P_LAMBDA,
            ty: t.ty.join(o.ty),
        })
    }
}
