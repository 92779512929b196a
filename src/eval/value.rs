//! The values a script computes with, how they are shown, and their rules:
//! truthiness, equality, shapes as values.

use super::args::Args;
use super::{Eval, Flow, Interpreter};
use crate::autodiff::Tensor;
use crate::diagnostic::Diagnostic;
use crate::display::fmt_shape;
use crate::display::{format_number, format_tensor_of};
use crate::source::Span;
use crate::syntax::ast::{BinOp, FnDecl, Name};
use std::cell::RefCell;
use std::rc::Rc;

/// A user function with the scope it was defined in (its closure).
pub struct Closure {
    pub decl: Rc<FnDecl>,
    /// The defining function's scope; `None` for functions defined at top level.
    pub env: Option<Rc<Env>>,
    /// The compiled body, shared by every closure of the same definition.
    pub(crate) code: Rc<super::exec::compile::FnCode>,
    /// The values of the parameters' defaults, evaluated when the function was
    /// defined (as Python's): one per parameter, `None` where it has none.
    /// Empty when no parameter has a default.
    pub defaults: Vec<Option<Value>>,
    /// For a method, the name of its class (messages say `Layer.init`).
    pub owner: Option<Name>,
    /// The function's `backward` clause (SPEC §21), a closure of the same scope.
    pub backward: Option<Rc<Closure>>,
}

/// The local variables of one function call (or of a module's top level), and the
/// scope it was defined in.
///
/// The resolver (`crate::eval::resolve`) gives every name a function binds a slot, so a
/// frame is a vector indexed by slot, laid out by `names` (shared by every call of
/// the function); a slot is `None` until its name is bound. Names bound that the
/// layout does not know (code the pass left alone) live in `extra`, searched by name.
pub struct Env {
    slots: RefCell<Vec<Option<Value>>>,
    names: Rc<[Name]>,
    extra: RefCell<Vec<(Rc<str>, Value)>>,
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

impl Env {
    /// A frame laid out by `names` holding `slots` (one per name, `None` where
    /// unbound), inside `parent`.
    pub fn frame(names: Rc<[Name]>, slots: Vec<Option<Value>>, parent: Option<Rc<Env>>) -> Env {
        debug_assert_eq!(names.len(), slots.len());
        Env {
            slots: RefCell::new(slots),
            names,
            extra: RefCell::new(Vec::new()),
            parent,
            module_root: false,
        }
    }

    /// A frame with no slots, to be made ready by [`Env::reuse`] (the interpreter
    /// keeps frames that no closure captured, so that a call does not allocate).
    pub(crate) fn blank() -> Env {
        Env::frame(Rc::from(Vec::new()), Vec::new(), None)
    }

    /// Makes an empty frame (new, or emptied by [`Env::clear`]) the frame of a call
    /// laid out by `names` inside `parent`, and gives its slots to be filled (they
    /// must end up one per name).
    #[inline]
    pub(crate) fn reuse(
        &mut self,
        names: &Rc<[Name]>,
        parent: Option<Rc<Env>>,
    ) -> &mut Vec<Option<Value>> {
        if !Rc::ptr_eq(&self.names, names) {
            self.names = names.clone();
        }
        self.parent = parent;
        self.slots.get_mut()
    }

    /// Unbinds everything and lets go of the parent, keeping the storage.
    #[inline]
    pub(crate) fn clear(&mut self) {
        let slots = self.slots.get_mut();
        while let Some(v) = slots.pop() {
            match v {
                // Numbers own nothing: no drop glue to run.
                None | Some(Value::Num(_)) => std::mem::forget(v),
                other => drop(other),
            }
        }
        if !self.extra.get_mut().is_empty() {
            self.extra.get_mut().clear();
        }
        self.parent = None;
    }

    /// The empty top-level scope of an imported module laid out by `names`.
    pub fn module_root(names: Rc<[Name]>) -> Env {
        let slots = vec![None; names.len()];
        Env {
            module_root: true,
            ..Env::frame(names, slots, None)
        }
    }

    /// The value in slot `slot`, if it is bound.
    #[inline]
    pub fn slot(&self, slot: u32) -> Option<Value> {
        match self.slots.borrow().get(slot as usize) {
            Some(Some(Value::Num(n))) => Some(Value::Num(*n)),
            Some(v) => v.clone(),
            None => None,
        }
    }

    /// The number in slot `slot`, if it holds one.
    #[inline]
    pub fn num(&self, slot: u32) -> Option<f64> {
        match self.slots.borrow().get(slot as usize) {
            Some(Some(Value::Num(n))) => Some(*n),
            _ => None,
        }
    }

    /// Binds slot `slot`.
    #[inline]
    pub fn set_slot(&self, slot: u32, value: Value) {
        let old = self
            .slots
            .borrow_mut()
            .get_mut(slot as usize)
            .and_then(|s| s.replace(value));
        // Dropped after the borrow ends: dropping a closure may drop scopes.
        match old {
            None => {}
            // Numbers own nothing: no drop glue to run.
            Some(old @ Value::Num(_)) => std::mem::forget(old),
            Some(old) => drop(old),
        }
    }

    /// Binds slot `slot` to the number `x`: when it holds a number, only the number
    /// is written (a whole `Value` built and copied in stalls the store buffer).
    #[inline]
    pub fn set_num(&self, slot: u32, x: f64) {
        if let Some(Some(Value::Num(n))) = self.slots.borrow_mut().get_mut(slot as usize) {
            *n = x;
            return;
        }
        self.set_slot(slot, Value::Num(x));
    }

    fn position(&self, name: &str) -> Option<u32> {
        self.names
            .iter()
            .position(|n| same_name(n, name))
            .map(|i| i as u32)
    }

    /// The value bound to `name` in this scope (not its parents).
    pub fn get(&self, name: &str) -> Option<Value> {
        if let Some(i) = self.position(name) {
            return self.slot(i);
        }
        let extra = self.extra.borrow();
        extra
            .iter()
            .find(|(n, _)| same_name(n, name))
            .map(|(_, v)| v.clone())
    }

    /// Binds `name` in this scope, replacing its value if it has one.
    pub fn set(&self, name: &Rc<str>, value: Value) {
        if let Some(i) = self.position(name) {
            return self.set_slot(i, value);
        }
        let old = {
            let mut extra = self.extra.borrow_mut();
            match extra.iter_mut().find(|(n, _)| same_name(n, name)) {
                Some(slot) => std::mem::replace(&mut slot.1, value),
                None => {
                    extra.push((name.clone(), value));
                    return;
                }
            }
        };
        drop(old);
    }

    /// The frame's layout: the name of every slot.
    pub(crate) fn layout(&self) -> &Rc<[Name]> {
        &self.names
    }

    /// The names bound in this scope.
    pub fn names(&self) -> Vec<Rc<str>> {
        let slots = self.slots.borrow();
        let bound = self
            .names
            .iter()
            .zip(slots.iter())
            .filter(|(_, v)| v.is_some())
            .map(|(n, _)| n.clone());
        let extra = self.extra.borrow();
        bound.chain(extra.iter().map(|(n, _)| n.clone())).collect()
    }
}

#[inline]
fn same_name(a: &Rc<str>, b: &str) -> bool {
    (std::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len()) || **a == *b
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

/// One builtin: one row of the table in `builtins/table.rs`. Everything said
/// about a builtin (argument checks, help, completion, export) reads this row.
pub struct Builtin {
    pub name: &'static str,
    pub func: BuiltinFn,
    pub group: Group,
    /// In call order: positional-or-keyword, then `*rest`, then keyword-only.
    pub params: &'static [Param],
    /// One line: what it computes.
    pub doc: &'static str,
    /// For builtins in a differentiable group: the derivative in words.
    pub derivative: Option<&'static str>,
    /// For a one-input elementwise builtin: its local derivative as a bp expression
    /// of `x` (the input) and `y` (the output), into which `backprop_steps` puts the
    /// values (`y * (1 - y)` for sigmoid). A test evaluates it against backward.
    pub local: Option<&'static str>,
    /// A call that runs on its own, for help.
    pub example: &'static str,
    /// The PyTorch equivalent, for `bp export` and readers who know PyTorch.
    pub torch: &'static str,
    /// What it returns, as far as one kind is known (export's static types).
    pub returns: Returns,
    /// It takes a tuple of tensors, and so takes a list as that tuple (SPEC §13).
    pub lists_as_tuples: bool,
    /// How `bp export` writes a call inline, as its PyTorch call.
    pub inline: Inline,
    /// It takes tensors only in practice: `bp export` takes a first argument of
    /// unknown type to be a tensor and writes the call inline.
    pub tensor_only: bool,
}

/// What a builtin returns, as far as known without running it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    /// A whole number (`len`).
    Int,
    /// A number.
    Num,
    Bool,
    Str,
    Tensor,
    Tuple,
    List,
    /// `none`: a builtin run for what it does (`print`, `backward`).
    Nothing,
    /// As its first argument: a tensor for a tensor, a number for a number
    /// (`exp`), else not known.
    LikeFirst,
    /// As arithmetic on its first two arguments (`pow(x, p)` as `x ** p`).
    Arithmetic,
    /// As its argument at this position or of this name, when that is a tensor
    /// or a tuple (`grad(y, x)`: one gradient per target), else not known.
    LikeArg(usize, &'static str),
    /// Not known without running it (`range`).
    Unknown,
}

/// How `bp export` writes a call of a builtin inline, as its PyTorch call, where the
/// arguments' static types allow it; elsewhere (and for [`Inline::Runtime`]) the call
/// goes to the runtime's `bp.name(...)`, which keeps bp's semantics for every type.
/// `f` is a Python function (`torch.exp`, `F.softplus`), `x` the first argument;
/// "of a tensor" means `x` is known to be one (or, for a row marked `tensor_only`,
/// not known to be a number). `axis` arguments are written as Python indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inline {
    /// Always the runtime's function.
    Runtime,
    /// `f(shape, requires_grad=g)`, the shape given as whole numbers or one tuple
    /// (`torch.zeros((2, 3))`).
    Create(&'static str),
    /// `f(x, requires_grad=g)` of a tensor (`torch.zeros_like(x)`).
    Like(&'static str),
    /// `f(x, more...)` of a tensor, arguments by position only (`torch.exp(x)`).
    Call(&'static str),
    /// `x.m()` of a tensor, no keywords (`x.detach()`).
    Method(&'static str),
    /// `f(x)`, or `f(x, v)` with the optional parameter `param` by position or by
    /// name, of a tensor (`F.leaky_relu(x, 0.2)`).
    Optional {
        f: &'static str,
        param: &'static str,
    },
    /// `f(x, k=v, ...)` of a tensor, the other arguments by name (`torch.clamp`).
    Keywords(&'static str),
    /// The operator, of two arguments by position (`pow(a, b)` is `a ** b`).
    Operator(BinOp),
    /// `f(a, b)` of two tensors (`torch.maximum(a, b)`).
    Pair(&'static str),
    /// A reduction, `f(x, dim=axis, keepdim=k)` then `then`, of a tensor; with
    /// `pair`, a call of two tensors is `pair(a, b)` (bp's `max(a, b)`).
    Reduce {
        f: &'static str,
        pair: Option<&'static str>,
        then: &'static str,
    },
    /// `f(x, a, b)` of a tensor and two axes (`torch.transpose(x, 0, 1)`).
    Axes(&'static str),
    /// `f(x, shape)` of a tensor, the shape as whole numbers or one tuple
    /// (`torch.reshape(x, (2, 3))`).
    Reshape(&'static str),
    /// `f(x)` or `f(x, axis)` of a tensor (`torch.squeeze(x, 0)`).
    Axis(&'static str),
    /// `f(x, dim=axis)` of a tensor, `axis` being `default` when left out
    /// (`torch.softmax(x, dim=-1)`).
    Dim {
        f: &'static str,
        default: &'static str,
    },
    /// `f((a, b), dim=axis)` of a tuple of tensors written out (`torch.cat`).
    Join(&'static str),
    /// `f(x, target)` of a tensor and a target that is not a number; `long`: the
    /// target as class indices (`F.cross_entropy(x, y.long())`).
    Loss { f: &'static str, long: bool },
    /// `f(params, v)` then `then`: the parameters a tensor (in a list), a tuple or
    /// list, or those inside any other value (`clip_grad_norm_`).
    Params { f: &'static str, then: &'static str },
    /// `xs.m(v)` of a list; `index`: the argument is an index (`xs.pop(i)`).
    ListMethod { m: &'static str, index: bool },
    /// `f(v)` of one argument of any type (`len(v)`).
    Python(&'static str),
    /// Written by export's own code for this builtin (`tensor` of a literal,
    /// `backward`, `grad`, `gradflow`, ...).
    Special,
}

/// How an argument may be passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// By position or by name.
    Positional,
    /// Every remaining positional argument (`*shape`).
    Rest,
    /// By name only (`grad=true`).
    Keyword,
    /// Every keyword argument the row does not name (`**tensors` of `save`).
    KeywordRest,
}

/// A parameter's value when the call leaves it out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamDefault {
    /// The call must give it (for `Rest`: at least one value).
    Required,
    /// `none` (for `Rest`: zero values are fine).
    Nothing,
    Num(f64),
    Bool(bool),
    /// Another parameter's value, or a rule in words (`retain_graph=create_graph`).
    Same(&'static str),
}

/// One parameter of a builtin.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    pub pass: Pass,
    pub default: ParamDefault,
}

/// The groups of the help list, in the order shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Creation,
    Elementwise,
    Reductions,
    LinearAlgebra,
    Shapes,
    NeuralNets,
    Autodiff,
    Numbers,
    Output,
}

impl Group {
    pub const ALL: [Group; 9] = [
        Group::Creation,
        Group::Elementwise,
        Group::Reductions,
        Group::LinearAlgebra,
        Group::Shapes,
        Group::NeuralNets,
        Group::Autodiff,
        Group::Numbers,
        Group::Output,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Group::Creation => "creation",
            Group::Elementwise => "elementwise",
            Group::Reductions => "reductions",
            Group::LinearAlgebra => "linear algebra",
            Group::Shapes => "shapes",
            Group::NeuralNets => "neural nets",
            Group::Autodiff => "autodiff",
            Group::Numbers => "numbers and tuples",
            Group::Output => "output and checks",
        }
    }

    /// Whether the builtins of this group record an operation that backward
    /// differentiates (each states its derivative, even if it is zero).
    pub fn differentiable(self) -> bool {
        matches!(
            self,
            Group::Elementwise
                | Group::Reductions
                | Group::LinearAlgebra
                | Group::Shapes
                | Group::NeuralNets
        )
    }
}

impl Builtin {
    /// `leaky_relu(x, slope=0.01)`, `zeros(*shape, grad=false)`.
    pub fn signature(&self) -> String {
        let mut parts = Vec::with_capacity(self.params.len());
        let mut starred = false;
        for p in self.params {
            match p.pass {
                Pass::Rest => {
                    starred = true;
                    parts.push(format!("*{}", p.name));
                    continue;
                }
                Pass::Keyword if !starred => {
                    starred = true;
                    parts.push("*".to_string());
                }
                Pass::KeywordRest => {
                    parts.push(format!("**{}", p.name));
                    continue;
                }
                _ => {}
            }
            parts.push(match p.default {
                ParamDefault::Required => p.name.to_string(),
                ParamDefault::Nothing => format!("{}=none", p.name),
                ParamDefault::Num(n) => format!("{}={}", p.name, format_number(n)),
                ParamDefault::Bool(b) => format!("{}={b}", p.name),
                ParamDefault::Same(s) => format!("{}={s}", p.name),
            });
        }
        format!("{}({})", self.name, parts.join(", "))
    }

    pub fn param(&self, name: &str) -> Option<&'static Param> {
        // Names of one length compared by their first byte before the rest
        // (flags such as `retain_graph` and `create_graph` share a length).
        let n = name.as_bytes();
        self.params.iter().find(|p| {
            let m = p.name.as_bytes();
            m.len() == n.len() && m.first() == n.first() && m == n
        })
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
    /// `sgd(...)`, `adam(...)`, `adamw(...)`: shared, stepped in place (SPEC §14).
    Optimizer(Rc<RefCell<crate::optim::Optimizer>>),
    List(List),
    Module(Rc<Module>),
    /// `{k: v}`: shared, in insertion order (SPEC §19).
    Dict(super::collections::Dict),
    /// `class Name { ... }`: calling it makes an object (SPEC §19 Classes).
    Class(Rc<super::classes::Class>),
    /// An object of a class: shared, its fields set by assignment.
    Object(Rc<super::classes::Object>),
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
            Value::List(_) => "list",
            Value::Module(_) => "module",
            Value::Dict(_) => "dict",
            Value::Class(_) => "class",
            Value::Object(_) => "object",
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
            Value::Tensor(t) => format_tensor_of(&t.data_ref(), &tensor_suffix(t), t.is_bool()),
            Value::Tuple(_) | Value::List(_) => {
                let mut out = String::new();
                write_sequence(self, &mut out, &mut Vec::new());
                out
            }
            Value::Module(m) => format!("<module {}>", m.name),
            Value::Dict(d) => d.repr(),
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
            Value::Class(c) => format!("<class {}>", c.name()),
            Value::Object(o) => super::classes::repr(o),
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
        Value::Optimizer(_) => Ok(true),
        Value::List(l) => Ok(!l.is_empty()),
        Value::Dict(d) => Ok(!d.is_empty()),
        Value::Func(_)
        | Value::Builtin(_)
        | Value::Module(_)
        | Value::Class(_)
        | Value::Object(_) => Ok(true),
    }
}

/// `==` for values that are not both tensors or numbers.
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    values_equal_in(a, b, &mut Vec::new())
}

/// `==`, with the pairs of lists being compared in `open` (a list that contains
/// itself compares equal where the comparison comes back to the same pair).
fn values_equal_in(a: &Value, b: &Value, open: &mut Vec<(usize, usize)>) -> bool {
    match (a, b) {
        (Value::List(x), Value::List(y)) => {
            let key = (Rc::as_ptr(&x.0) as usize, Rc::as_ptr(&y.0) as usize);
            if x.ptr_eq(y) || open.contains(&key) {
                return true;
            }
            let (xs, ys) = (x.items(), y.items());
            if xs.len() != ys.len() {
                return false;
            }
            open.push(key);
            let eq = xs.iter().zip(ys.iter()).all(|(p, q)| {
                stacker::maybe_grow(64 * 1024, 1024 * 1024, || values_equal_in(p, q, open))
            });
            open.pop();
            eq
        }
        (Value::Module(x), Value::Module(y)) => Rc::ptr_eq(x, y),
        (Value::Dict(x), Value::Dict(y)) => x.equal(y),
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Num(x), Value::Num(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len()
                && x.iter().zip(y.iter()).all(|(p, q)| {
                    stacker::maybe_grow(64 * 1024, 1024 * 1024, || values_equal_in(p, q, open))
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
        // Objects are equal when they are the same object (Python's default `==`).
        (Value::Object(x), Value::Object(y)) => Rc::ptr_eq(x, y),
        (Value::Class(x), Value::Class(y)) => Rc::ptr_eq(x, y),
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
