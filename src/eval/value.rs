//! The values a script computes with, how they are shown, and their rules:
//! truthiness, equality, shapes as values.

use super::args::Args;
use super::{Eval, Flow, Interpreter};
use crate::autodiff::Tensor;
use crate::diagnostic::Diagnostic;
use crate::display::fmt_shape;
use crate::display::{format_number, format_tensor};
use crate::fast_hash::FastMap;
use crate::source::Span;
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

pub type BuiltinFn = fn(&mut Interpreter, &mut Args) -> Eval<Value>;

/// One builtin: its name, its implementation and a one-line signature for help.
pub struct Builtin {
    pub name: &'static str,
    pub func: BuiltinFn,
    pub signature: &'static str,
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
    /// `sgd(...)`, `adam(...)`, `adamw(...)`: shared, stepped in place (SPEC §14).
    Optimizer(Rc<RefCell<crate::optim::Optimizer>>),
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
            Value::Optimizer(_) => "optimizer",
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
            Value::Tuple(items) => {
                let mut out = String::new();
                write_tuple(items, &mut out);
                out
            }
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
            Value::Optimizer(o) => o.borrow().display(),
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

/// Appends `(a, b)` or `(a,)` to `out`: one buffer for the whole tuple, so that a
/// tuple nested millions deep is shown in linear time, on a stack grown on the heap.
fn write_tuple(items: &[Value], out: &mut String) {
    out.push('(');
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match v {
            Value::Tuple(inner) => {
                stacker::maybe_grow(64 * 1024, 1024 * 1024, || write_tuple(inner, out))
            }
            other => out.push_str(&other.to_repr()),
        }
    }
    out.push_str(if items.len() == 1 { ",)" } else { ")" });
}

/// Truthiness of a condition: bools, numbers (non-zero), one-element tensors.
pub(crate) fn truthy(v: &Value, span: Span) -> Eval<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Num(n) => Ok(*n != 0.0),
        Value::None => Ok(false),
        Value::Tensor(t) => match t.item() {
            Some(x) => Ok(x != 0.0),
            None => Err(Flow::from(
                Diagnostic::error(format!(
                    "ambiguous truth value of a tensor of shape {}",
                    fmt_shape(&t.shape())
                ))
                .with_label(span, "this tensor has more than one element")
                .with_hint("reduce it first, e.g. with sum(...), max(...) or item(...)"),
            )),
        },
        Value::Str(s) => Ok(!s.is_empty()),
        Value::Tuple(t) => Ok(!t.is_empty()),
        Value::Range(a, b, s) => Ok(Value::range_len(*a, *b, *s) > 0),
        Value::Func(_) | Value::Builtin(_) | Value::Optimizer(_) => Ok(true),
    }
}

/// `==` for values that are not both tensors or numbers.
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Num(x), Value::Num(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len()
                && x.iter().zip(y.iter()).all(|(p, q)| {
                    stacker::maybe_grow(64 * 1024, 1024 * 1024, || values_equal(p, q))
                })
        }
        (Value::Tensor(x), Value::Tensor(y)) => {
            x.shape() == y.shape() && *x.data_ref() == *y.data_ref()
        }
        (Value::Tensor(x), Value::Num(n)) | (Value::Num(n), Value::Tensor(x)) => {
            x.ndim() == 0 && x.item() == Some(*n)
        }
        (Value::Func(x), Value::Func(y)) => Rc::ptr_eq(x, y),
        (Value::Builtin(x), Value::Builtin(y)) => std::ptr::eq(*x, *y),
        (Value::Optimizer(x), Value::Optimizer(y)) => Rc::ptr_eq(x, y),
        (Value::Range(a1, b1, s1), Value::Range(a2, b2, s2)) => a1 == a2 && b1 == b2 && s1 == s2,
        _ => false,
    }
}

/// A shape as a tuple of numbers.
pub(crate) fn shape_value(shape: &[usize]) -> Value {
    Value::Tuple(
        shape
            .iter()
            .map(|&d| Value::Num(d as f64))
            .collect::<Vec<_>>()
            .into(),
    )
}

pub(crate) fn value_shape(v: &Value) -> Vec<usize> {
    match v {
        Value::Tensor(t) => t.shape(),
        _ => vec![],
    }
}
