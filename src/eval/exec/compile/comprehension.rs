//! Comprehensions and conditional expressions compiled (SPEC §19, §23). A
//! comprehension runs in a frame of its own (the resolver's layout for its span),
//! inside the scope where it stands, so its variables never leak and closures made
//! in it capture them as Python's do.

use super::{Compiler, CondCode, ExprCode};
use crate::diagnostic::Diagnostic;
use crate::eval::collections::{key_of, max_items, Dict};
use crate::eval::exec::{Binding, Scope, STACK_GROWTH, STACK_RED_ZONE};
use crate::eval::value::{Env, List};
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::source::Span;
use crate::syntax::ast::{Comprehension, Expr};
use std::rc::Rc;

/// One `for targets in iter if c …` clause compiled.
struct ClauseCode {
    iter: ExprCode,
    iter_span: Span,
    targets: Rc<[Binding]>,
    conds: Vec<CondCode>,
}

impl Compiler<'_> {
    /// `[e for …]` (a list) or `{k: v for …}` (a dict).
    pub(super) fn comprehension(&mut self, comp: &Comprehension, span: Span) -> ExprCode {
        let clauses: Vec<ClauseCode> = comp
            .clauses
            .iter()
            .map(|c| ClauseCode {
                iter: self.expr(&c.iter),
                iter_span: c.iter.span,
                targets: c.targets.iter().map(|t| self.binding(t)).collect(),
                conds: c.conds.iter().map(|e| self.cond(e)).collect(),
            })
            .collect();
        let frame = self.resolved.frame(span);
        let element = self.expr(&comp.element);
        let espan = comp.element.span;
        let new_frame = move |s: &Scope| -> Scope {
            let names = frame.names.clone();
            let slots = vec![None; names.len()];
            Some(Rc::new(Env::frame(names, slots, s.clone())))
        };
        match &comp.value {
            None => Box::new(move |i, s| {
                let inner = new_frame(s);
                let mut out = Vec::new();
                run_clauses(i, &clauses, s, &inner, span, &mut |i, s| {
                    out.push(element(i, s)?);
                    too_many(out.len(), span)
                })?;
                Ok(Value::List(List::new(out)))
            }),
            Some(value) => {
                let value = self.expr(value);
                Box::new(move |i, s| {
                    let inner = new_frame(s);
                    let d = Dict::new();
                    run_clauses(i, &clauses, s, &inner, span, &mut |i, s| {
                        let k = element(i, s)?;
                        let key = key_of(&k, espan)?;
                        let v = value(i, s)?;
                        d.0.borrow_mut().insert(key, k, v);
                        too_many(d.0.borrow().len(), span)
                    })?;
                    Ok(Value::Dict(d))
                })
            }
        }
    }

    /// `then if cond else otherwise`: only the branch taken is evaluated; the
    /// condition's truth as an `if` statement takes it.
    pub(super) fn if_else(&mut self, cond: &Expr, then: &Expr, otherwise: &Expr) -> ExprCode {
        let c = self.cond(cond);
        let t = self.expr(then);
        let o = self.expr(otherwise);
        Box::new(move |i, s| if c(i, s)? { t(i, s) } else { o(i, s) })
    }
}

/// Runs the clauses from the first of `clauses` on: its iterable evaluated in
/// `outer` (the first clause's in the scope around the comprehension), its
/// targets bound in `inner`, then the next clause for each item that passes the
/// conditions, and `emit` after the last.
fn run_clauses(
    i: &mut Interpreter,
    clauses: &[ClauseCode],
    outer: &Scope,
    inner: &Scope,
    span: Span,
    emit: &mut dyn FnMut(&mut Interpreter, &Scope) -> Eval<()>,
) -> Eval<()> {
    let Some((c, rest)) = clauses.split_first() else {
        return emit(i, inner);
    };
    let it = (c.iter)(i, outer)?;
    i.for_loop(it, &c.targets, span, c.iter_span, inner, |i, s| {
        for cond in &c.conds {
            if !cond(i, s)? {
                return Ok(());
            }
        }
        // One level of native stack per clause: grown on the heap when short.
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || {
            run_clauses(i, rest, s, s, span, emit)
        })
    })
}

/// The read `code` of a name that a comprehension binds, read outside any: when
/// nothing binds it there, its unknown-name error says where the comprehension
/// binds it (as `bp check` does).
pub(super) fn told_unknown(code: ExprCode, bound: Span) -> ExprCode {
    Box::new(move |i, s| match code(i, s) {
        Err(Flow::Error(d)) if d.message.starts_with("unknown name") => Err(Flow::from(
            crate::eval::resolve::comprehension_hint(*d, bound),
        )),
        r => r,
    })
}

/// The error of a comprehension grown past [`max_items`] items.
fn too_many(n: usize, span: Span) -> Eval<()> {
    if n <= max_items() {
        return Ok(());
    }
    Err(Flow::from(
        Diagnostic::error(format!(
            "a comprehension of more than {} items is too long",
            max_items()
        ))
        .with_label(span, "this makes too many items"),
    ))
}
