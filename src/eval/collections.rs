//! Strings and dicts (SPEC §19): dict values and their keys, membership (`in`),
//! indexing and iterating strings and dicts, and their methods.

use super::errors::{closest, needs, wrong_type};
use super::value::{values_equal, List};
use super::{Eval, Flow, Interpreter, Value};
use crate::autodiff::op::IndexItem;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::Index;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

type Scope = Option<Rc<super::value::Env>>;

/// A dict key: a number, a string, a bool, `none` or a tuple of them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    None,
    Bool(bool),
    /// The bits of the number (`-0` taken as `0`).
    Num(u64),
    Str(Rc<str>),
    Tuple(Vec<Key>),
}

impl Key {
    /// The key of `v`, or the type name of the part that cannot be a key.
    pub fn of(v: &Value) -> Result<Key, &'static str> {
        Ok(match v {
            Value::None => Key::None,
            Value::Bool(b) => Key::Bool(*b),
            Value::Num(n) => Key::Num(if *n == 0.0 { 0 } else { n.to_bits() }),
            Value::Str(s) => Key::Str(s.clone()),
            Value::Tuple(t) => Key::Tuple(t.iter().map(Key::of).collect::<Result<_, _>>()?),
            other => return Err(other.type_name()),
        })
    }
}

/// The entries of a dict in insertion order, with an index by key.
#[derive(Default)]
pub struct DictData {
    entries: Vec<(Value, Value)>,
    index: HashMap<Key, usize>,
}

impl DictData {
    pub fn get(&self, k: &Key) -> Option<&Value> {
        self.index.get(k).map(|&i| &self.entries[i].1)
    }

    pub fn insert(&mut self, k: Key, key: Value, v: Value) {
        match self.index.get(&k) {
            Some(&i) => self.entries[i].1 = v,
            None => {
                self.index.insert(k, self.entries.len());
                self.entries.push((key, v));
            }
        }
    }

    pub fn remove(&mut self, k: &Key) -> Option<Value> {
        let i = self.index.remove(k)?;
        let (_, v) = self.entries.remove(i);
        for j in self.index.values_mut() {
            if *j > i {
                *j -= 1;
            }
        }
        Some(v)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[(Value, Value)] {
        &self.entries
    }
}

/// A dict: shared by every value that holds it (as lists are).
#[derive(Clone, Default)]
pub struct Dict(pub Rc<RefCell<DictData>>);

impl Dict {
    pub fn new() -> Dict {
        Dict::default()
    }

    pub fn ptr_eq(&self, other: &Dict) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.borrow().is_empty()
    }

    pub fn keys(&self) -> Vec<Value> {
        self.0
            .borrow()
            .entries
            .iter()
            .map(|(k, _)| k.clone())
            .collect()
    }

    pub fn values(&self) -> Vec<Value> {
        self.0
            .borrow()
            .entries
            .iter()
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn items(&self) -> Vec<Value> {
        self.0
            .borrow()
            .entries
            .iter()
            .map(|(k, v)| Value::Tuple(vec![k.clone(), v.clone()].into()))
            .collect()
    }

    /// `==` as Python's: the same keys with equal values, in any order.
    pub fn equal(&self, other: &Dict) -> bool {
        if self.ptr_eq(other) {
            return true;
        }
        let (a, b) = (self.0.borrow(), other.0.borrow());
        a.len() == b.len()
            && a.entries.iter().all(|(k, v)| {
                Key::of(k)
                    .ok()
                    .and_then(|k| b.get(&k))
                    .is_some_and(|w| values_equal(v, w))
            })
    }

    /// `{"a": 1, "b": tensor([1., 2.])}`: keys and values as the REPL echoes them;
    /// a dict that contains itself shows as `{...}` there.
    pub fn repr(&self) -> String {
        thread_local! {
            static OPEN: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
        }
        let p = Rc::as_ptr(&self.0) as usize;
        if OPEN.with(|o| o.borrow().contains(&p)) {
            return "{...}".into();
        }
        OPEN.with(|o| o.borrow_mut().push(p));
        let entries: Vec<(Value, Value)> = self.0.borrow().entries.clone();
        let parts: Vec<String> = entries
            .iter()
            .map(|(k, v)| {
                stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                    format!("{}: {}", k.to_repr(), v.to_repr())
                })
            })
            .collect();
        OPEN.with(|o| o.borrow_mut().pop());
        format!("{{{}}}", parts.join(", "))
    }
}

/// The error for a value that cannot be a dict key.
pub(crate) fn key_error(found: &'static str, span: Span) -> Flow {
    Flow::from(
        Diagnostic::error(format!("a {found} cannot be a dict key"))
            .with_label(span, format!("this is a {found}"))
            .with_hint("keys are numbers, strings, bools, none, or tuples of them"),
    )
}

/// The key of `v` for a dict, or the error naming its type.
pub(crate) fn key_of(v: &Value, span: Span) -> Eval<Key> {
    Key::of(v).map_err(|found| key_error(found, span))
}

/// The characters of a string, each a one-character string.
pub(crate) fn chars(s: &str) -> Vec<Value> {
    s.chars()
        .map(|c| Value::Str(c.to_string().into()))
        .collect()
}

/// The most items a builtin makes from a range or a tensor's rows: 100 million, or
/// fewer under a smaller element limit (tests lower it).
pub(crate) fn max_items() -> usize {
    crate::autodiff::shape::element_limit().min(100_000_000)
}

/// The length of a range or of a tensor's first axis when it is past [`max_items`].
pub(crate) fn too_long(v: &Value) -> Option<usize> {
    let n = match v {
        Value::Range(a, b, s) => Value::range_len(*a, *b, *s),
        Value::Tensor(t) => t.shape().first().copied().unwrap_or(0),
        _ => return None,
    };
    (n > max_items()).then_some(n)
}

/// The items a loop over `v` visits, for the builtins that take any collection
/// (`enumerate`, `zip`, `sorted`, `list`, …); `None` for a value that is not one
/// (a tensor is iterated by the caller).
pub(crate) fn items_of(v: &Value) -> Option<Vec<Value>> {
    // A range or a zero-size tensor can be far longer than memory holds
    // (`range(1e15)`, `zeros(3e9, 0)`): callers report `too_long` first; this keeps
    // every other caller from building it.
    if too_long(v).is_some() {
        return None;
    }
    Some(match v {
        Value::List(l) => l.items(),
        Value::Tuple(t) => t.to_vec(),
        Value::Str(s) => chars(s),
        Value::Dict(d) => d.keys(),
        Value::Range(a, b, s) => (0..Value::range_len(*a, *b, *s))
            .map(|i| Value::Num(a + i as f64 * s))
            .collect(),
        Value::Tensor(t) if t.ndim() >= 1 => (0..t.shape()[0])
            .filter_map(|i| {
                crate::autodiff::shape_ops::index(t, Rc::from(vec![IndexItem::Single(i)])).ok()
            })
            .map(Value::Tensor)
            .collect(),
        _ => return None,
    })
}

/// Reads the arguments of a method by position or name: one slot per name in
/// `names`, the first `required` of them needed.
fn method_args(
    what: &str,
    names: &[&str],
    required: usize,
    pos: Vec<(Value, Span)>,
    kw: Vec<(Rc<str>, Value, Span)>,
    span: Span,
) -> Eval<Vec<Option<(Value, Span)>>> {
    let signature = format!("{what}({})", names.join(", "));
    if pos.len() > names.len() {
        return Err(Flow::from(
            Diagnostic::error(format!(
                "{what}() takes at most {}; found {}",
                crate::display::count(names.len(), "argument"),
                pos.len()
            ))
            .with_label(pos[names.len()].1, "one too many")
            .with_hint(format!("it is {signature}")),
        ));
    }
    let mut out: Vec<Option<(Value, Span)>> = vec![None; names.len()];
    for (i, p) in pos.into_iter().enumerate() {
        out[i] = Some(p);
    }
    for (name, v, s) in kw {
        match names.iter().position(|n| **n == *name) {
            Some(i) if out[i].is_none() => out[i] = Some((v, s)),
            Some(_) => {
                return Err(Flow::from(
                    Diagnostic::error(format!("{what}() got '{name}' twice"))
                        .with_label(s, "given again here"),
                ))
            }
            None => {
                return Err(Flow::from(
                    Diagnostic::error(format!("{what}() has no argument '{name}'"))
                        .with_label(s, "unknown argument")
                        .with_hint(format!("it is {signature}")),
                ))
            }
        }
    }
    if let Some(i) = out.iter().take(required).position(|o| o.is_none()) {
        return Err(Flow::from(
            Diagnostic::error(format!("{what}() is missing its argument '{}'", names[i]))
                .with_label(span, format!("'{}' is required", names[i]))
                .with_hint(format!("it is {signature}")),
        ));
    }
    Ok(out)
}

/// A string argument of a method.
fn string_arg(what: &str, arg: &Option<(Value, Span)>) -> Eval<Option<Rc<str>>> {
    match arg {
        None | Some((Value::None, _)) => Ok(None),
        Some((Value::Str(s), _)) => Ok(Some(s.clone())),
        Some((other, span)) => Err(wrong_type(what, "a string", other, *span)),
    }
}

/// The string methods, for messages.
pub const STRING_METHODS: &[&str] = &[
    "split",
    "join",
    "strip",
    "lower",
    "upper",
    "startswith",
    "endswith",
    "replace",
];

/// The dict methods, for messages.
pub const DICT_METHODS: &[&str] = &["get", "keys", "values", "items", "pop"];

fn unknown_method(
    kind: &str,
    known: &[&str],
    name: &str,
    name_span: Span,
    recv_span: Span,
) -> Flow {
    let mut d = Diagnostic::error(format!("a {kind} has no method '{name}'"))
        .with_label(name_span, "unknown method")
        .with_label(recv_span, format!("this is a {kind}"));
    d = d.with_hint(match closest(name, known.iter().copied()) {
        Some(c) => format!("did you mean '{c}'? {kind}s have {}", known.join(", ")),
        None => format!("{kind}s have {}", known.join(", ")),
    });
    Flow::from(d)
}

impl Interpreter {
    /// `item in container`.
    pub(crate) fn contains(
        &mut self,
        container: &Value,
        item: &Value,
        span: Span,
        lspan: Span,
        rspan: Span,
    ) -> Eval<bool> {
        let _ = span;
        match container {
            Value::Str(s) => match item {
                Value::Str(sub) => Ok(s.contains(&**sub)),
                other => Err(Flow::from(
                    needs("'in <string>' needs a string on the left", other, lspan)
                        .with_label(rspan, "this is a string"),
                )),
            },
            Value::List(l) => Ok(l.items().iter().any(|v| values_equal(v, item))),
            Value::Tuple(t) => Ok(t.iter().any(|v| values_equal(v, item))),
            Value::Dict(d) => {
                let k = key_of(item, lspan)?;
                Ok(d.0.borrow().get(&k).is_some())
            }
            Value::Range(a, b, s) => Ok(match item {
                Value::Num(n) => {
                    let steps = (n - a) / s;
                    steps.fract() == 0.0
                        && steps >= 0.0
                        && (steps as usize) < Value::range_len(*a, *b, *s)
                }
                _ => false,
            }),
            Value::Tensor(t) => match crate::eval::args::to_number(item) {
                Some(n) => Ok(t.data_ref().iter().any(|&x| x == n)),
                None => Err(wrong_type(
                    "'in <tensor>'",
                    "a number on the left",
                    item,
                    lspan,
                )),
            },
            other => Err(Flow::from(needs(
                "'in' needs a string, a list, a tuple, a dict, a range or a tensor on the right",
                other,
                rspan,
            ))),
        }
    }

    /// `s[i]`, `s[a:b]`, `d[k]`.
    pub(crate) fn index_collection(
        &mut self,
        v: &Value,
        indices: &[Index],
        span: Span,
        obj_span: Span,
        scope: &Scope,
    ) -> Eval<Value> {
        let kind = v.type_name();
        let [ix] = indices else {
            return Err(Flow::from(
                Diagnostic::error(format!("a {kind} takes one index"))
                    .with_label(span, "more than one index")
                    .with_label(obj_span, format!("this is a {kind}")),
            ));
        };
        match v {
            Value::Str(s) => {
                let cs: Vec<char> = s.chars().collect();
                Ok(match self.index_item(ix, 0, cs.len(), scope)? {
                    IndexItem::Single(i) => Value::Str(cs[i].to_string().into()),
                    IndexItem::Slice { start, end, step } => {
                        let picked: String = (start..end)
                            .step_by(step.max(1))
                            .filter_map(|i| cs.get(i))
                            .collect();
                        Value::Str(picked.into())
                    }
                })
            }
            Value::Dict(d) => {
                let Index::Single(e) = ix else {
                    return Err(Flow::from(
                        Diagnostic::error("a dict cannot be sliced")
                            .with_label(span, "a slice")
                            .with_label(obj_span, "this is a dict"),
                    ));
                };
                let (k, key) = self.eval_key(e, scope)?;
                let found = d.0.borrow().get(&key).cloned();
                match found {
                    Some(v) => Ok(v),
                    None => Err(missing_key(d, &k, e.span, obj_span)),
                }
            }
            _ => Ok(Value::None),
        }
    }

    /// A dict key: the value of `e` and its hashable form.
    fn eval_key(&mut self, e: &crate::syntax::ast::Expr, scope: &Scope) -> Eval<(Value, Key)> {
        let k = self.eval(e, scope)?;
        let key = key_of(&k, e.span)?;
        Ok((k, key))
    }

    /// `d[k] = v` and `d[k] op= v`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn dict_assign(
        &mut self,
        d: &Dict,
        target_span: Span,
        indices: &[Index],
        op: Option<(crate::syntax::ast::BinOp, Span)>,
        value: &crate::syntax::ast::Expr,
        stmt_span: Span,
        scope: &Scope,
    ) -> Eval<()> {
        let [Index::Single(e)] = indices else {
            return Err(Flow::from(
                Diagnostic::error("a dict takes one key")
                    .with_label(stmt_span, "not one key")
                    .with_label(target_span, "this is a dict"),
            ));
        };
        let (k, key) = self.eval_key(e, scope)?;
        let mut v = self.eval(value, scope)?;
        if let Some((op, _)) = op {
            let current = d.0.borrow().get(&key).cloned();
            let Some(current) = current else {
                return Err(missing_key(d, &k, e.span, target_span));
            };
            v = self.binary(op, current, v, stmt_span, target_span, value.span)?;
        }
        d.0.borrow_mut().insert(key, k, v);
        Ok(())
    }

    /// `s.split()`, `d.get(k)`, …: the methods of strings and dicts; `None` when
    /// `recv` is neither.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn collection_method(
        &mut self,
        recv: &Value,
        recv_span: Span,
        name: &str,
        name_span: Span,
        pos: Vec<(Value, Span)>,
        kw: Vec<(Rc<str>, Value, Span)>,
        span: Span,
    ) -> Option<Eval<Value>> {
        let call = MethodCall {
            recv_span,
            name,
            name_span,
            pos,
            kw,
            span,
        };
        match recv {
            Value::Str(s) => Some(string_method(s, call)),
            Value::Dict(d) => Some(dict_method(d, call)),
            _ => None,
        }
    }
}

/// The error for a missing key: the key, and the closest string key if one is close.
fn missing_key(d: &Dict, k: &Value, key_span: Span, obj_span: Span) -> Flow {
    let mut diag = Diagnostic::error(format!("key {} is not in the dict", k.to_repr()))
        .with_label(key_span, "no such key")
        .with_label(
            obj_span,
            match d.len() {
                1 => "a dict of 1 entry".to_string(),
                n => format!("a dict of {n} entries"),
            },
        );
    let mut hint = String::new();
    if let Value::Str(name) = k {
        let keys: Vec<Rc<str>> = d
            .keys()
            .into_iter()
            .filter_map(|k| match k {
                Value::Str(s) => Some(s),
                _ => None,
            })
            .collect();
        if let Some(c) = closest(name, keys.iter().map(|k| &**k)) {
            hint = format!("did you mean {}? ", Value::Str(c.into()).to_repr());
        }
    }
    hint.push_str("use `k in d` to test for a key, or `d.get(k, default)`");
    diag = diag.with_hint(hint);
    Flow::from(diag)
}

/// A method call on a string or dict: the receiver's span, the method's name and
/// span, the arguments by position and by keyword, and the whole call's span.
struct MethodCall<'a> {
    recv_span: Span,
    name: &'a str,
    name_span: Span,
    pos: Vec<(Value, Span)>,
    kw: Vec<(Rc<str>, Value, Span)>,
    span: Span,
}

impl MethodCall<'_> {
    /// The arguments, one per name of `params` (the first `required` must be
    /// given); they are taken, so this is called once.
    fn args(&mut self, params: &[&str], required: usize) -> Eval<Vec<Option<(Value, Span)>>> {
        let (pos, kw) = (std::mem::take(&mut self.pos), std::mem::take(&mut self.kw));
        method_args(self.name, params, required, pos, kw, self.span)
    }
}

fn string_method(s: &Rc<str>, mut c: MethodCall) -> Eval<Value> {
    let text = |v: String| Ok(Value::Str(v.into()));
    match c.name {
        "split" => {
            let a = c.args(&["sep"], 0)?;
            let parts: Vec<Value> = match string_arg("split() argument 'sep'", &a[0])? {
                None => s.split_whitespace().map(|p| Value::Str(p.into())).collect(),
                Some(sep) if sep.is_empty() => {
                    let span = a[0].as_ref().map_or(c.span, |(_, s)| *s);
                    return Err(Flow::from(
                        Diagnostic::error("split() of an empty separator")
                            .with_label(span, "this string is empty"),
                    ));
                }
                Some(sep) => s.split(&*sep).map(|p| Value::Str(p.into())).collect(),
            };
            Ok(Value::List(List::new(parts)))
        }
        "join" => {
            let a = c.args(&["xs"], 1)?;
            let Some((xs, xs_span)) = &a[0] else {
                return Ok(Value::None);
            };
            let Some(items) = items_of(xs).filter(|_| !matches!(xs, Value::Tensor(_))) else {
                return Err(wrong_type(
                    "join()",
                    "a list or tuple of strings",
                    xs,
                    *xs_span,
                ));
            };
            let mut parts = Vec::with_capacity(items.len());
            for v in &items {
                match v {
                    Value::Str(p) => parts.push(p.to_string()),
                    other => {
                        return Err(Flow::from(
                            Diagnostic::error(format!(
                                "join() needs strings; found a {}",
                                other.type_name()
                            ))
                            .with_label(*xs_span, format!("holds a {}", other.type_name()))
                            .with_hint("make strings first: [str(x) for x in xs]"),
                        ))
                    }
                }
            }
            text(parts.join(s))
        }
        "strip" | "lower" | "upper" => {
            c.args(&[], 0)?;
            text(match c.name {
                "strip" => s.trim().to_string(),
                "lower" => s.to_lowercase(),
                _ => s.to_uppercase(),
            })
        }
        "startswith" | "endswith" => {
            let a = c.args(&["prefix"], 1)?;
            let p = string_arg(&format!("{}() argument", c.name), &a[0])?.unwrap_or_default();
            Ok(Value::Bool(if c.name == "startswith" {
                s.starts_with(&*p)
            } else {
                s.ends_with(&*p)
            }))
        }
        "replace" => {
            let a = c.args(&["old", "new"], 2)?;
            let old = string_arg("replace() argument 'old'", &a[0])?.unwrap_or_default();
            let new = string_arg("replace() argument 'new'", &a[1])?.unwrap_or_default();
            text(s.replace(&*old, &new))
        }
        _ => Err(unknown_method(
            "string",
            STRING_METHODS,
            c.name,
            c.name_span,
            c.recv_span,
        )),
    }
}

fn dict_method(d: &Dict, mut c: MethodCall) -> Eval<Value> {
    match c.name {
        "get" => {
            let mut a = c.args(&["key", "default"], 1)?;
            let default = a[1].take().map_or(Value::None, |(v, _)| v);
            let Some((k, kspan)) = &a[0] else {
                return Ok(default);
            };
            let key = key_of(k, *kspan)?;
            Ok(d.0.borrow().get(&key).cloned().unwrap_or(default))
        }
        "keys" | "values" | "items" => {
            c.args(&[], 0)?;
            Ok(Value::List(List::new(match c.name {
                "keys" => d.keys(),
                "values" => d.values(),
                _ => d.items(),
            })))
        }
        "pop" => {
            let mut a = c.args(&["key", "default"], 1)?;
            let default = a[1].take();
            let Some((k, kspan)) = &a[0] else {
                return Ok(Value::None);
            };
            let key = key_of(k, *kspan)?;
            let removed = d.0.borrow_mut().remove(&key);
            match (removed, default) {
                (Some(v), _) => Ok(v),
                (None, Some((v, _))) => Ok(v),
                (None, None) => Err(missing_key(d, k, *kspan, c.recv_span)),
            }
        }
        _ => Err(unknown_method(
            "dict",
            DICT_METHODS,
            c.name,
            c.name_span,
            c.recv_span,
        )),
    }
}
