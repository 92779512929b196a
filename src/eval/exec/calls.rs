//! Calls: arguments, builtins and user functions (closures).

use super::{check_interrupt, Scope};
use crate::autodiff::set_current_span;
use crate::diagnostic::Diagnostic;
use crate::eval::args::Args;
use crate::eval::value::{Closure, Env};
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::fast_hash::FastMap;
use crate::source::Span;
use crate::syntax::ast::Arg;
use std::cell::RefCell;
use std::rc::Rc;

impl Interpreter {
    #[allow(clippy::type_complexity)]
    pub(super) fn eval_args(
        &mut self,
        args: &[Arg],
        scope: &Scope,
    ) -> Eval<(Vec<(Value, Span)>, Vec<(Rc<str>, Value, Span)>)> {
        let mut pos = Vec::with_capacity(args.len());
        let mut kw = Vec::new();
        for a in args {
            match a {
                Arg::Positional(e) => pos.push((self.eval(e, scope)?, e.span)),
                Arg::Keyword { name, value } => {
                    let v = self.eval(value, scope)?;
                    kw.push((name.name.clone(), v, name.span.to(value.span)));
                }
            }
        }
        Ok((pos, kw))
    }

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
            Value::Builtin(b) => {
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
                args.check()?;
                set_current_span(call_span);
                let r = (b.func)(self, &mut args)?;
                Ok(match r {
                    Value::Tuple(t) if list_out => {
                        Value::List(crate::eval::value::List::new(t.to_vec()))
                    }
                    other => other,
                })
            }
            Value::Func(c) => self.call_closure(c, pos, kw, call_span),
            other => Err(Flow::from(
                Diagnostic::error(format!("a {} is not a function", other.type_name()))
                    .with_label(callee_span, "this cannot be called"),
            )),
        }
    }

    pub(super) fn call_closure(
        &mut self,
        c: &Rc<Closure>,
        pos: Vec<(Value, Span)>,
        kw: Vec<(Rc<str>, Value, Span)>,
        call_span: Span,
    ) -> Eval<Value> {
        check_interrupt(call_span)?;
        let decl = &c.decl;
        let fname = decl
            .name
            .as_ref()
            .map(|n| n.name.to_string())
            .unwrap_or_else(|| "fn".into());
        if pos.len() > decl.params.len() {
            return Err(Flow::from(
                Diagnostic::error(format!(
                    "{fname}() takes {} argument{}; found {}",
                    decl.params.len(),
                    if decl.params.len() == 1 { "" } else { "s" },
                    pos.len()
                ))
                .with_label(call_span, "in this call")
                .with_label(decl.span, "defined here"),
            ));
        }
        let mut vars: FastMap<Rc<str>, Value> =
            FastMap::with_capacity_and_hasher(decl.params.len(), Default::default());
        for (p, (v, _)) in decl.params.iter().zip(pos) {
            vars.insert(p.name.clone(), v);
        }
        for (k, v, span) in kw {
            if !decl.params.iter().any(|p| p.name == k) {
                return Err(Flow::from(
                    Diagnostic::error(format!("{fname}() has no parameter named '{k}'"))
                        .with_label(span, "unknown keyword")
                        .with_label(decl.span, "defined here"),
                ));
            }
            vars.insert(k, v);
        }
        if let Some(missing) = decl.params.iter().find(|p| !vars.contains_key(&p.name)) {
            return Err(Flow::from(
                Diagnostic::error(format!(
                    "{fname}() is missing its argument '{}'",
                    missing.name
                ))
                .with_label(call_span, "in this call")
                .with_label(missing.span, "this parameter has no value"),
            ));
        }
        if self.depth >= self.options.max_call_depth {
            return Err(Flow::from(
                Diagnostic::error(format!(
                    "recursion too deep: more than {} nested calls",
                    self.options.max_call_depth
                ))
                .with_label(call_span, "this call goes one level too deep")
                .with_hint("check that the recursion reaches its base case"),
            ));
        }
        let env = Rc::new(Env {
            vars: RefCell::new(vars),
            parent: c.env.clone(),
            module_root: false,
        });
        self.depth += 1;
        let r = self.exec_block(&decl.body, &Some(env));
        self.depth -= 1;
        match r {
            Ok(()) => Ok(Value::None),
            Err(Flow::Return(v, _)) => Ok(v),
            Err(Flow::Break(span)) | Err(Flow::Continue(span)) => Err(Flow::from(
                Diagnostic::error("break or continue outside a loop")
                    .with_label(span, "not inside a loop"),
            )),
            Err(e) => Err(e),
        }
    }
}
