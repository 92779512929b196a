//! Calls: arguments, builtins and user functions (closures).

use super::check_interrupt;
use crate::autodiff::span_scope;
use crate::diagnostic::Diagnostic;
use crate::eval::args::Args;
use crate::eval::value::{Builtin, Closure, Env};
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::source::Span;
use std::cell::Cell;
use std::rc::Rc;

/// The longest argument list kept for reuse, and how many lists are kept.
const MAX_POOLED_ARGS: usize = 8;
const MAX_POOLED_LISTS: usize = 16;

impl Interpreter {
    /// Calls a function value.
    pub(crate) fn call(
        &mut self,
        f: &Value,
        pos: Vec<(Value, Span)>,
        kw: Vec<(Rc<str>, Value, Span)>,
        call_span: Span,
        callee_span: Span,
    ) -> Eval<Value> {
        match f {
            Value::Builtin(b) => self.call_builtin(b, pos, kw, call_span, None),
            Value::Func(c) => self.call_closure(c, pos, kw, call_span),
            Value::Class(c) => self.construct(c, pos, kw, call_span),
            Value::Object(o) => self.call_object(o, pos, kw, call_span, callee_span),
            other => Err(Flow::from(
                Diagnostic::error(format!("a {} is not a function", other.type_name()))
                    .with_label(callee_span, "this cannot be called"),
            )),
        }
    }

    /// Calls builtin `b`. `checked`, for a call site whose arguments are all
    /// positional (so always as many): the builtin last found to accept them
    /// there, whose check is then skipped (it depends on nothing else).
    pub(crate) fn call_builtin(
        &mut self,
        b: &'static Builtin,
        pos: Vec<(Value, Span)>,
        kw: Vec<(Rc<str>, Value, Span)>,
        call_span: Span,
        checked: Option<&Cell<usize>>,
    ) -> Eval<Value> {
        let mut kw = kw;
        for (k, _, _) in kw.iter_mut() {
            // PyTorch's spelling of the `grad` flag.
            if &**k == "requires_grad" {
                *k = "grad".into();
            }
        }
        let mut pos = pos;
        let list_out = crate::eval::lang::lists_as_tuples(b.name, &mut pos)?;
        let mut args = Args::new(b, call_span, pos, kw);
        let id = b as *const Builtin as usize;
        match checked {
            Some(c) if c.get() == id && args.kw.is_empty() => {}
            _ => {
                args.check()?;
                if let Some(c) = checked {
                    if args.kw.is_empty() {
                        c.set(id);
                    }
                }
            }
        }
        let _span = span_scope(call_span);
        let mut r = (b.func)(self, &mut args);
        if let Err(Flow::Error(d)) = &mut r {
            // A none `.grad` passed where a value was wanted: say why it is none.
            if let Some((_, s)) = args.pos.iter().find(|(v, _)| matches!(v, Value::None)) {
                if d.labels.iter().any(|l| l.span == *s) {
                    **d = self.explain_none_operand((**d).clone(), *s);
                }
            }
        }
        // The argument list goes back to the pool, emptied (a short one
        // only, so that the pool never holds much).
        let mut pos = std::mem::take(&mut args.pos);
        if pos.capacity() <= MAX_POOLED_ARGS && self.arg_lists.len() < MAX_POOLED_LISTS {
            pos.clear();
            self.arg_lists.push(pos);
        }
        let r = r?;
        Ok(match r {
            Value::Tuple(t) if list_out => Value::List(crate::eval::value::List::new(t.to_vec())),
            other => other,
        })
    }

    pub(super) fn call_closure(
        &mut self,
        c: &Rc<Closure>,
        pos: Vec<(Value, Span)>,
        kw: Vec<(Rc<str>, Value, Span)>,
        call_span: Span,
    ) -> Eval<Value> {
        check_interrupt(call_span)?;
        let frame = &c.code.frame;
        let n = frame.names.len();
        if kw.is_empty() && pos.len() == c.decl.params.len() && frame.params_in_order {
            let mut slots = Vec::with_capacity(n);
            slots.extend(pos.into_iter().map(|(v, _)| Some(v)));
            slots.resize(n, None);
            return self.enter(
                c,
                Env::frame(frame.names.clone(), slots, c.env.clone()),
                call_span,
            );
        }
        let values = super::arguments::bind(c, pos, kw, call_span)?;
        let env = Env::frame(frame.names.clone(), vec![None; n], c.env.clone());
        for (p, v) in c.decl.params.iter().zip(values) {
            // By name: a parameter named twice holds its last value.
            env.set(&p.name, v);
        }
        self.enter(c, env, call_span)
    }

    /// Runs the body of `c` in the frame `env` (its arguments bound).
    pub(super) fn enter(&mut self, c: &Closure, env: Env, call_span: Span) -> Eval<Value> {
        self.run_frame(c, Rc::new(env), call_span)
    }
}
