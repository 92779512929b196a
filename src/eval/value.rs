//! The values a script computes with, and how they are shown.

use super::builtins::Builtin;
use crate::autodiff::Tensor;
use crate::display::{format_number, format_tensor};
use crate::fast_hash::FastMap;
use crate::syntax::ast::FnDecl;
use std::cell::RefCell;
use std::rc::Rc;

/// A user function with the scope it was defined in (its closure).
pub struct Closure {
    pub decl: Rc<FnDecl>,
    /// The defining function's scope; `None` for functions defined at top level.
    pub env: Option<Rc<Env>>,
}

/// The local variables of one function call, and the scope it was defined in.
pub struct Env {
    pub vars: RefCell<FastMap<Rc<str>, Value>>,
    pub parent: Option<Rc<Env>>,
    /// True for the top-level scope of an imported module: names not found here are
    /// looked up among the builtins, not the importing script's globals.
    pub module_root: bool,
}

/// A list: a mutable sequence shared by every value that holds it (as in Python).
#[derive(Clone)]
pub struct List(pub Rc<RefCell<Vec<Value>>>);

impl List {
    pub fn new(items: Vec<Value>) -> List {
        List(Rc::new(RefCell::new(items)))
    }

    /// A copy of the items (the list may change while they are used).
    pub fn items(&self) -> Vec<Value> {
        self.0.borrow().clone()
    }

    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.borrow().is_empty()
    }

    pub fn ptr_eq(&self, other: &List) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Drop for List {
    fn drop(&mut self) {
        // As for tuples: the last owner empties nested lists from a heap stack, so
        // dropping a list nested a million deep does not recurse.
        if Rc::strong_count(&self.0) != 1 {
            return;
        }
        let mut stack: Vec<Vec<Value>> = vec![std::mem::take(&mut *self.0.borrow_mut())];
        while let Some(items) = stack.pop() {
            for v in items {
                if let Value::List(inner) = &v {
                    if Rc::strong_count(&inner.0) == 1 {
                        if let Ok(mut b) = inner.0.try_borrow_mut() {
                            stack.push(std::mem::take(&mut *b));
                        }
                    }
                }
            }
        }
    }
}

/// An imported file: its top-level bindings are its attributes.
pub struct Module {
    pub name: Rc<str>,
    /// The canonical path it was loaded from.
    pub path: std::path::PathBuf,
    pub env: Rc<Env>,
}

/// The items of a tuple, shared. Dropping a deeply nested tuple (`x = (x,)` in a
/// loop millions of times) unlinks the nested tuples one by one instead of
/// recursing, which would overflow the stack.
#[derive(Clone)]
pub struct Tuple(Rc<[Value]>);

impl std::ops::Deref for Tuple {
    type Target = [Value];
    fn deref(&self) -> &[Value] {
        &self.0
    }
}

impl From<Vec<Value>> for Tuple {
    fn from(items: Vec<Value>) -> Tuple {
        Tuple(items.into())
    }
}

thread_local! {
    static EMPTY_TUPLE: Rc<[Value]> = Rc::new([]);
}

impl Drop for Tuple {
    fn drop(&mut self) {
        // Only the last owner takes the nested tuples apart; each is swapped for a
        // shared empty one and taken apart in turn from a heap stack.
        fn unlink(items: &mut Rc<[Value]>, stack: &mut Vec<Rc<[Value]>>) {
            if let Some(items) = Rc::get_mut(items) {
                for v in items.iter_mut() {
                    if let Value::Tuple(t) = v {
                        if !t.0.is_empty() {
                            let Ok(empty) = EMPTY_TUPLE.try_with(Rc::clone) else {
                                return;
                            };
                            stack.push(std::mem::replace(&mut t.0, empty));
                        }
                    }
                }
            }
        }
        let mut stack = Vec::new();
        unlink(&mut self.0, &mut stack);
        while let Some(mut items) = stack.pop() {
            unlink(&mut items, &mut stack);
        }
    }
}

#[derive(Clone)]
pub enum Value {
    None,
    Bool(bool),
    Num(f64),
    Str(Rc<str>),
    Tensor(Tensor),
    Tuple(Tuple),
    /// `range(start, end, step)`, iterated without building a tuple.
    Range(f64, f64, f64),
    Func(Rc<Closure>),
    Builtin(&'static Builtin),
    List(List),
    Module(Rc<Module>),
}

impl Value {
    /// The type's name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "none",
            Value::Bool(_) => "bool",
            Value::Num(_) => "number",
            Value::Str(_) => "string",
            Value::Tensor(_) => "tensor",
            Value::Tuple(_) => "tuple",
            Value::Range(..) => "range",
            Value::Func(_) | Value::Builtin(_) => "function",
            Value::List(_) => "list",
            Value::Module(_) => "module",
        }
    }

    /// The number of elements of a range.
    pub fn range_len(start: f64, end: f64, step: f64) -> usize {
        let n = ((end - start) / step).ceil();
        if n.is_finite() && n > 0.0 {
            n as usize
        } else {
            0
        }
    }

    /// As `print` shows it: strings raw.
    pub fn to_display(&self) -> String {
        match self {
            Value::Str(s) => s.to_string(),
            other => other.to_repr(),
        }
    }

    /// As the REPL echoes it and as it appears inside a tuple: strings quoted.
    pub fn to_repr(&self) -> String {
        match self {
            Value::None => "none".into(),
            Value::Bool(b) => b.to_string(),
            Value::Num(n) => format_number(*n),
            Value::Str(s) => format!("{s:?}"),
            Value::Tensor(t) => format_tensor(&t.data_ref(), &tensor_suffix(t)),
            Value::Tuple(_) | Value::List(_) => {
                let mut out = String::new();
                write_sequence(self, &mut out, &mut Vec::new());
                out
            }
            Value::Module(m) => format!("<module {}>", m.name),
            Value::Range(a, b, s) => {
                if *s == 1.0 {
                    format!("range({}, {})", format_number(*a), format_number(*b))
                } else {
                    format!(
                        "range({}, {}, {})",
                        format_number(*a),
                        format_number(*b),
                        format_number(*s)
                    )
                }
            }
            Value::Func(c) => match &c.decl.name {
                Some(n) => format!("<fn {}>", n.name),
                None => "<fn>".into(),
            },
            Value::Builtin(b) => format!("<fn {}>", b.name),
        }
    }
}

/// The attributes a tensor has (`x.grad`, `x.shape`, …), for messages and completion.
pub const TENSOR_ATTRIBUTES: &[&str] = &[
    "grad",
    "shape",
    "T",
    "requires_grad",
    "ndim",
    "is_leaf",
    "data",
];

/// `, requires_grad=True` on leaves that require grad, `, grad_fn=<…>` on results.
pub fn tensor_suffix(t: &Tensor) -> String {
    match t.node() {
        Some(node) => format!(", grad_fn=<{}>", node.name()),
        None if t.requires_grad() => ", requires_grad=True".into(),
        None => String::new(),
    }
}

/// Appends `(a, b)`, `(a,)` or `[a, b]` to `out`: one buffer for the whole value,
/// so that a tuple nested millions deep is shown in linear time, on a stack grown on
/// the heap. `open` holds the lists being shown: a list that contains itself shows
/// as `[...]` there, as in Python.
fn write_sequence(v: &Value, out: &mut String, open: &mut Vec<*const RefCell<Vec<Value>>>) {
    let (items, list) = match v {
        Value::Tuple(t) => (t.to_vec(), None),
        Value::List(l) => {
            let p = Rc::as_ptr(&l.0);
            if open.contains(&p) {
                out.push_str("[...]");
                return;
            }
            (l.items(), Some(p))
        }
        other => {
            out.push_str(&other.to_repr());
            return;
        }
    };
    if let Some(p) = list {
        open.push(p);
    }
    out.push(if list.is_some() { '[' } else { '(' });
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match item {
            Value::Tuple(_) | Value::List(_) => {
                stacker::maybe_grow(64 * 1024, 1024 * 1024, || write_sequence(item, out, open))
            }
            other => out.push_str(&other.to_repr()),
        }
    }
    if list.is_some() {
        open.pop();
        out.push(']');
    } else {
        out.push_str(if items.len() == 1 { ",)" } else { ")" });
    }
}
