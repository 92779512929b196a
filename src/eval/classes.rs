//! Classes and objects (SPEC §19 Classes): `class Name { fn init(self, ...) ... }`
//! makes a class value; calling it makes an object and runs `init`; `obj(args)`
//! runs `call`; `obj.method(args)` runs a method with `self` bound. An object's
//! fields are set by assignment, kept in the order they were first set, and
//! shared (an object is a reference, as in Python). No inheritance.

use super::errors::closest;
use super::value::{Closure, Value};
use super::{Eval, Flow, Interpreter};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::{ClassDecl, Name};
use std::cell::RefCell;
use std::rc::Rc;

/// A class: its name and its methods, each a closure of the scope that defined
/// the class.
pub struct Class {
    pub decl: Rc<ClassDecl>,
    pub methods: Vec<(Name, Rc<Closure>)>,
}

impl Class {
    pub fn name(&self) -> &str {
        &self.decl.name.name
    }

    pub fn method(&self, name: &str) -> Option<&Rc<Closure>> {
        self.methods
            .iter()
            .find(|(n, _)| &**n == name)
            .map(|(_, c)| c)
    }
}

/// An object: its class and its fields in the order they were first set.
pub struct Object {
    pub class: Rc<Class>,
    pub fields: RefCell<Vec<(Name, Value)>>,
}

impl Object {
    pub fn get(&self, name: &str) -> Option<Value> {
        self.fields
            .borrow()
            .iter()
            .find(|(n, _)| &**n == name)
            .map(|(_, v)| v.clone())
    }

    /// Sets field `name`, keeping its place when it was set before.
    pub fn set(&self, name: &Name, value: Value) {
        let old = {
            let mut fields = self.fields.borrow_mut();
            match fields.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => std::mem::replace(&mut slot.1, value),
                None => {
                    fields.push((name.clone(), value));
                    return;
                }
            }
        };
        drop(old);
    }

    /// The fields' names, in order.
    pub fn field_names(&self) -> Vec<Name> {
        self.fields
            .borrow()
            .iter()
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// A copy of the fields (they may change while used).
    pub fn items(&self) -> Vec<(Name, Value)> {
        self.fields.borrow().clone()
    }
}

thread_local! {
    /// The text of `show(self)` of the objects being displayed (see
    /// [`Interpreter::shown`]), by address.
    static SHOWN: RefCell<Vec<(usize, String)>> = const { RefCell::new(Vec::new()) };
    /// The objects being displayed, so that one that holds itself shows as `...`.
    static OPEN: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

fn address(o: &Rc<Object>) -> usize {
    Rc::as_ptr(o) as usize
}

/// `Point(x=1, y=2.5)`, or the text its `show` gave when it is being displayed.
pub fn repr(o: &Rc<Object>) -> String {
    let at = address(o);
    if let Some(text) = SHOWN.with(|s| {
        s.borrow()
            .iter()
            .rev()
            .find(|(p, _)| *p == at)
            .map(|(_, t)| t.clone())
    }) {
        return text;
    }
    if OPEN.with(|open| open.borrow().contains(&at)) {
        return format!("{}(...)", o.class.name());
    }
    OPEN.with(|open| open.borrow_mut().push(at));
    let parts: Vec<String> = o
        .items()
        .iter()
        .map(|(n, v)| {
            let text = match v {
                Value::Tensor(t) if t.numel() > 8 => format!(
                    "tensor(shape={}{})",
                    crate::display::fmt_shape(&t.shape()),
                    if t.requires_grad() {
                        ", requires_grad=True"
                    } else {
                        ""
                    }
                ),
                other => stacker::maybe_grow(64 * 1024, 1024 * 1024, || other.to_repr()),
            };
            format!("{n}={text}")
        })
        .collect();
    OPEN.with(|open| open.borrow_mut().pop());
    format!("{}({})", o.class.name(), parts.join(", "))
}

/// The objects inside `v` (through lists, tuples, dicts and fields), each once.
fn objects_in(v: &Value, out: &mut Vec<Rc<Object>>, seen: &mut Vec<usize>) {
    let mut stack = vec![v.clone()];
    while let Some(v) = stack.pop() {
        match &v {
            Value::Object(o) => {
                let at = address(o);
                if seen.contains(&at) {
                    continue;
                }
                seen.push(at);
                out.push(o.clone());
                stack.extend(
                    o.items()
                        .into_iter()
                        .rev()
                        .map(|(_, v)| v)
                        .filter(may_hold_objects),
                );
            }
            Value::List(l) => {
                let at = Rc::as_ptr(&l.0) as *const u8 as usize;
                if seen.contains(&at) {
                    continue;
                }
                seen.push(at);
                let items = l.0.borrow();
                stack.extend(items.iter().rev().filter(|v| may_hold_objects(v)).cloned());
            }
            Value::Tuple(t) => {
                stack.extend(t.iter().rev().filter(|v| may_hold_objects(v)).cloned())
            }
            Value::Dict(d) => {
                let at = Rc::as_ptr(&d.0) as *const u8 as usize;
                if seen.contains(&at) {
                    continue;
                }
                seen.push(at);
                stack.extend(d.values().into_iter().rev().filter(may_hold_objects));
            }
            _ => {}
        }
    }
}

/// Whether `v` may hold an object (worth walking before display).
fn may_hold_objects(v: &Value) -> bool {
    matches!(
        v,
        Value::Object(_) | Value::List(_) | Value::Tuple(_) | Value::Dict(_)
    )
}

impl Interpreter {
    /// Runs `f` (which displays `v`) with every object inside `v` whose class
    /// defines `show` displayed by it.
    pub(crate) fn shown<R>(
        &mut self,
        v: &Value,
        span: Span,
        f: impl FnOnce(&Value) -> R,
    ) -> Eval<R> {
        if !may_hold_objects(v) {
            return Ok(f(v));
        }
        let mut objects = Vec::new();
        objects_in(v, &mut objects, &mut Vec::new());
        let mark = SHOWN.with(|s| s.borrow().len());
        let mut r = Ok(());
        for o in objects {
            let Some(show) = o.class.method("show").cloned() else {
                continue;
            };
            match self.call_closure_value(&show, vec![(Value::Object(o.clone()), span)], span) {
                Ok(Value::Str(s)) => {
                    SHOWN.with(|sh| sh.borrow_mut().push((address(&o), s.to_string())))
                }
                Ok(other) => {
                    r = Err(Flow::from(
                        Diagnostic::error(format!(
                            "{}.show() must return a string; it returned a {}",
                            o.class.name(),
                            other.type_name()
                        ))
                        .with_label(span, "displayed here")
                        .with_label(show.decl.span, "show is defined here"),
                    ));
                    break;
                }
                Err(e) => {
                    r = Err(e);
                    break;
                }
            }
        }
        let out = r.map(|_| f(v));
        SHOWN.with(|s| s.borrow_mut().truncate(mark));
        out
    }

    /// `v.to_display()` with objects shown by their `show`.
    pub(crate) fn display_text(&mut self, v: &Value, span: Span) -> Eval<String> {
        self.shown(v, span, |v| v.to_display())
    }

    /// `v.to_repr()` with objects shown by their `show`.
    pub(crate) fn repr_text(&mut self, v: &Value, span: Span) -> Eval<String> {
        self.shown(v, span, |v| v.to_repr())
    }

    /// `Name(args)`: a new object, its `init` run with `self` bound.
    pub(crate) fn construct(
        &mut self,
        class: &Rc<Class>,
        mut pos: Vec<(Value, Span)>,
        kw: Vec<(Rc<str>, Value, Span)>,
        call_span: Span,
    ) -> Eval<Value> {
        let obj = Rc::new(Object {
            class: class.clone(),
            fields: RefCell::new(Vec::new()),
        });
        match class.method("init") {
            Some(init) => {
                pos.insert(0, (Value::Object(obj.clone()), call_span));
                let init = init.clone();
                self.call(&Value::Func(init), pos, kw, call_span, call_span)?;
            }
            None if pos.is_empty() && kw.is_empty() => {}
            None => {
                return Err(Flow::from(
                    Diagnostic::error(format!(
                        "{}() takes no arguments: the class has no `init`",
                        class.name()
                    ))
                    .with_label(call_span, "called with arguments here")
                    .with_label(class.decl.name.span, "defined here")
                    .with_hint(format!(
                        "define `fn init(self, ...) {{ ... }}` in class {} to take arguments",
                        class.name()
                    )),
                ))
            }
        }
        Ok(Value::Object(obj))
    }

    /// `obj(args)`: the object's `call` method.
    pub(crate) fn call_object(
        &mut self,
        obj: &Rc<Object>,
        mut pos: Vec<(Value, Span)>,
        kw: Vec<(Rc<str>, Value, Span)>,
        call_span: Span,
        callee_span: Span,
    ) -> Eval<Value> {
        let Some(call) = obj.class.method("call").cloned() else {
            return Err(Flow::from(
                Diagnostic::error(format!(
                    "a {} object cannot be called: its class has no `call` method",
                    obj.class.name()
                ))
                .with_label(callee_span, format!("this is a {}", obj.class.name()))
                .with_hint(format!(
                    "define `fn call(self, ...) {{ ... }}` in class {}",
                    obj.class.name()
                )),
            ));
        };
        pos.insert(0, (Value::Object(obj.clone()), callee_span));
        self.call(&Value::Func(call), pos, kw, call_span, callee_span)
    }

    /// `obj.name(args)`: a field holding a function is called as it is; a method
    /// gets `obj` as `self`.
    pub(crate) fn object_method(
        &mut self,
        obj: &Rc<Object>,
        obj_span: Span,
        name: &crate::syntax::ast::Ident,
        mut pos: Vec<(Value, Span)>,
        kw: Vec<(Rc<str>, Value, Span)>,
        span: Span,
    ) -> Eval<Value> {
        if let Some(f) = obj.get(&name.name) {
            return self.call(&f, pos, kw, span, name.span);
        }
        match obj.class.method(&name.name).cloned() {
            Some(m) => {
                pos.insert(0, (Value::Object(obj.clone()), obj_span));
                self.call(&Value::Func(m), pos, kw, span, name.span)
            }
            None => Err(Flow::from(
                self.unknown_member(obj, &name.name, name.span, obj_span),
            )),
        }
    }

    fn call_closure_value(
        &mut self,
        c: &Rc<Closure>,
        pos: Vec<(Value, Span)>,
        span: Span,
    ) -> Eval<Value> {
        self.call(&Value::Func(c.clone()), pos, Vec::new(), span, span)
    }

    /// `obj.name` read: a field, else a method bound to `obj` is an error (call it).
    pub(crate) fn object_attribute(
        &mut self,
        obj: &Rc<Object>,
        name: &str,
        name_span: Span,
        obj_span: Span,
    ) -> Eval<Value> {
        if let Some(v) = obj.get(name) {
            return Ok(v);
        }
        if obj.class.method(name).is_some() {
            return Err(Flow::from(
                Diagnostic::error(format!(
                    "'{name}' is a method of {}; call it: `.{name}(...)`",
                    obj.class.name()
                ))
                .with_label(name_span, "a method, not a field"),
            ));
        }
        Err(Flow::from(
            self.unknown_member(obj, name, name_span, obj_span),
        ))
    }

    /// The error for `obj.name` that is neither a field nor a method: names the
    /// class, its fields and its methods, with a did-you-mean.
    pub(crate) fn unknown_member(
        &self,
        obj: &Rc<Object>,
        name: &str,
        name_span: Span,
        obj_span: Span,
    ) -> Diagnostic {
        let class = obj.class.name();
        let fields = obj.field_names();
        let methods: Vec<&str> = obj
            .class
            .methods
            .iter()
            .map(|(n, _)| &**n)
            .filter(|n| !matches!(*n, "init" | "call" | "show"))
            .collect();
        let list = |xs: &[&str]| {
            if xs.is_empty() {
                "none".to_string()
            } else {
                xs.join(", ")
            }
        };
        let field_strs: Vec<&str> = fields.iter().map(|n| &**n).collect();
        let mut hint = String::new();
        if let Some(c) = closest(name, field_strs.iter().chain(methods.iter()).copied()) {
            hint.push_str(&format!("did you mean '{c}'? "));
        }
        hint.push_str(&format!(
            "{class} objects have the fields {}",
            list(&field_strs)
        ));
        if !methods.is_empty() {
            hint.push_str(&format!(" and the methods {}", list(&methods)));
        }
        Diagnostic::error(format!("a {class} object has no field '{name}'"))
            .with_label(name_span, "never set")
            .with_label(obj_span, format!("this is a {class}"))
            .with_hint(hint)
    }
}
