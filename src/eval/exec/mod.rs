//! Running a program: the compiler (`compile`, the one back end) and the helpers
//! its code calls, one room per concern: statements, expressions, calls,
//! operators, attributes and indexing. This file holds what they share: scopes,
//! name lookup and the guards (interrupt, stack depth).

pub(crate) mod access;
mod calls;
pub(crate) mod compile;
mod expressions;
mod operators;
mod statements;

use crate::diagnostic::Diagnostic;
use crate::eval::errors::closest;
use crate::eval::value::Env;
use crate::eval::{builtins, Eval, Flow, Interpreter, Value, INTERRUPTED};
use crate::source::Span;
use crate::syntax::ast::{Expr, Ident, Place, Program, Stmt, StmtKind, Var};
use std::rc::Rc;
use std::sync::atomic::Ordering;

/// The scope a statement runs in: `None` at top level (globals), else the
/// locals of the running function call.
pub(super) type Scope = Option<Rc<Env>>;

pub(super) const STACK_RED_ZONE: usize = 256 * 1024;
pub(super) const STACK_GROWTH: usize = 8 * 1024 * 1024;
/// How many levels of compiled code may be entered between two looks at the
/// stack: a few kilobytes each, far less than the red zone.
pub(super) const STACK_CHECK_EVERY: usize = 8;
/// The deepest nesting of expressions being evaluated at once (a chain such as
/// `- - - x` or `x.T.T…`; left-leaning operator chains do not nest).
pub(super) const MAX_EVAL_DEPTH: usize = 100_000;

#[inline(always)]
pub(super) fn check_interrupt(span: Span) -> Eval<()> {
    // A plain load on every loop iteration and call; the swap only once it is set.
    if INTERRUPTED.load(Ordering::Relaxed) {
        return interrupted(span);
    }
    Ok(())
}

#[cold]
#[inline(never)]
fn interrupted(span: Span) -> Eval<()> {
    if INTERRUPTED.swap(false, Ordering::SeqCst) {
        return Err(Flow::from(
            Diagnostic::error("interrupted").with_label(span, "stopped here"),
        ));
    }
    Ok(())
}

impl Interpreter {
    pub(crate) fn exec_program(&mut self, program: &Program) -> Eval<()> {
        for stmt in program {
            self.exec_top(stmt, &None)?;
        }
        Ok(())
    }

    /// Compiles a top-level statement (of a script, a REPL entry or a module,
    /// whose top level is `scope`) and runs it.
    pub(super) fn exec_top(&mut self, stmt: &Stmt, scope: &Scope) -> Eval<()> {
        compile::statement(stmt)(self, scope)
    }

    /// Runs a program and gives the value of its last statement when that is an
    /// expression: a notebook cell's result (SPEC §15).
    pub(crate) fn exec_program_value(&mut self, program: &Program) -> Eval<Option<Value>> {
        let Some((last, rest)) = program.split_last() else {
            return Ok(None);
        };
        for stmt in rest {
            self.exec_top(stmt, &None)?;
        }
        match &last.kind {
            StmtKind::Expr(e) => compile::expression(e)(self, &None).map(Some),
            _ => self.exec_top(last, &None).map(|()| None),
        }
    }

    /// The value of `e`, an index or an assigned value an index helper
    /// (`index`, `index_assign`) evaluates: its code is in the side table of the
    /// running index expression; an expression found nowhere is compiled here.
    pub(crate) fn eval(&mut self, e: &Expr, scope: &Scope) -> Eval<Value> {
        if let Some(side) = self.side_codes.last().cloned() {
            if let Some(code) = side.find(e.span) {
                return code(self, scope);
            }
        }
        compile::expression(e)(self, scope)
    }

    pub(crate) fn lookup(&self, name: &str, scope: &Scope) -> Option<Value> {
        let mut env = scope.as_ref();
        while let Some(e) = env {
            if let Some(v) = e.get(name) {
                return Some(v);
            }
            if e.module_root {
                // A module's functions see its own globals, never the importer's.
                return builtins::lookup(name).map(Value::Builtin);
            }
            env = e.parent.as_ref();
        }
        if let Some(v) = self.globals.get(name) {
            return Some(v.clone());
        }
        builtins::lookup(name).map(Value::Builtin)
    }

    /// A resolved read: the slot its place names, else (the slot is not bound yet)
    /// the search by name that an unresolved read makes.
    #[inline]
    pub(super) fn read_var(&self, v: &Var, span: Span, scope: &Scope) -> Eval<Value> {
        match self.read_place(v.place, scope) {
            Some(value) => Ok(value),
            None => self.read_by_name(&v.name, span, scope),
        }
    }

    /// The value in the slot `place` names, if it is bound.
    #[inline]
    pub(super) fn read_place(&self, place: Place, scope: &Scope) -> Option<Value> {
        match (place, scope) {
            (Place::Global(slot), _) => self.globals.read(slot),
            (Place::Local(slot), Some(env)) => env.slot(slot),
            (Place::Captured { depth, slot }, Some(env)) => {
                let mut frame = Some(env);
                for _ in 0..depth {
                    frame = frame.and_then(|f| f.parent.as_ref());
                }
                frame.and_then(|f| f.slot(slot))
            }
            _ => None,
        }
    }

    /// A read by name through the scopes (what a slot not bound yet falls back to).
    #[cold]
    #[inline(never)]
    pub(super) fn read_by_name(&self, name: &str, span: Span, scope: &Scope) -> Eval<Value> {
        self.lookup(name, scope)
            .ok_or_else(|| self.unknown_name(name, span, scope))
    }

    /// Binds the name `target` (an assignment's target, a loop variable, …).
    #[inline]
    pub(super) fn bind_ident(&mut self, target: &Ident, value: Value, scope: &Scope) {
        match (target.place, scope) {
            (Place::Local(slot), Some(env)) => env.set_slot(slot, value),
            (Place::Global(slot), None) => self.globals.set(slot, value),
            _ => self.bind(&target.name, value, scope),
        }
    }

    pub(super) fn bind(&mut self, name: &Rc<str>, value: Value, scope: &Scope) {
        match scope {
            Some(env) => env.set(name, value),
            None => {
                self.globals.insert(name.clone(), value);
            }
        }
    }

    pub(super) fn unknown_name(&self, name: &str, span: Span, scope: &Scope) -> Flow {
        let mut names: Vec<String> = self.globals.keys().map(|k| k.to_string()).collect();
        let mut env = scope.as_ref();
        while let Some(e) = env {
            names.extend(e.names().iter().map(|k| k.to_string()));
            env = e.parent.as_ref();
        }
        names.extend(builtins::names().map(str::to_string));
        let mut d =
            Diagnostic::error(format!("unknown name '{name}'")).with_label(span, "not defined");
        if let Some(h) = crate::eval::pytorch::name_hint(name) {
            d = d.with_hint(h);
        } else if let Some(c) = closest(name, names.iter().map(String::as_str)) {
            d = d.with_hint(format!("did you mean '{c}'?"));
        }
        Flow::from(d)
    }
}
