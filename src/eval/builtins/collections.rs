//! The builtins of strings, dicts and collections (SPEC §19): `ord`, `chr`, `int`,
//! `float`, `floor`, `ceil`, `read_text`, `read_lines`, `dict`, `enumerate`, `zip`,
//! `sorted`, `reversed`, and the Python meaning of `sum`/`max`/`min`/`any`/`all` on
//! lists and tuples.

use crate::diagnostic::Diagnostic;
use crate::eval::args::Args;
use crate::eval::collections::{items_of, key_of, Dict};
use crate::eval::errors::{type_error, wrong_type};
use crate::eval::value::{truthy, List};
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::source::Span;
use crate::syntax::ast::BinOp;
use std::cmp::Ordering;

/// The items of argument `i`, or the error naming what it got.
fn items(a: &Args, i: usize, name: &str) -> Eval<(Vec<Value>, Span)> {
    let (v, span) = a.required(i, name)?;
    if let Some(n) = crate::eval::collections::too_long(v) {
        return Err(a.err(
            format!(
                "{}() of a {} of {n} items is too long",
                a.name,
                v.type_name()
            ),
            span,
            "too long",
        ));
    }
    match items_of(v) {
        Some(items) => Ok((items, span)),
        None => Err(wrong_type(
            &format!("{}()", a.name),
            "a list, a tuple, a string, a dict, a range or a tensor",
            v,
            span,
        )),
    }
}

fn the_string(a: &Args, i: usize, name: &str) -> Eval<(std::rc::Rc<str>, Span)> {
    match a.required(i, name)? {
        (Value::Str(s), span) => Ok((s.clone(), span)),
        (other, span) => Err(wrong_type(
            &format!("{}() argument '{name}'", a.name),
            "a string",
            other,
            span,
        )),
    }
}

/// `ord(c)`: the code point of a one-character string.
pub fn ord(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (s, span) = the_string(a, 0, "c")?;
    let mut cs = s.chars();
    match (cs.next(), cs.next()) {
        (Some(c), None) => Ok(Value::Num(u32::from(c) as f64)),
        _ => Err(a.err(
            format!(
                "ord() expects one character; found a string of length {}",
                s.chars().count()
            ),
            span,
            "not one character",
        )),
    }
}

/// `chr(n)`: the one-character string of code point `n`.
pub fn chr(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let n = a.integer(0, "n")?;
    let span = a.required(0, "n")?.1;
    match u32::try_from(n).ok().and_then(char::from_u32) {
        Some(c) => Ok(Value::Str(c.to_string().into())),
        None => Err(a.err(
            format!("chr() of {n}: not a Unicode code point"),
            span,
            "out of range",
        )),
    }
}

/// A number read from a string as Python's `int`/`float` read it (spaces around
/// allowed), or the error quoting it.
fn parse_number(a: &Args, s: &str, span: Span, whole: bool) -> Eval<f64> {
    let t = s.trim();
    let parsed = if whole {
        t.parse::<i64>().ok().map(|n| n as f64)
    } else {
        match t.to_ascii_lowercase().as_str() {
            "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
            "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
            "nan" => Some(f64::NAN),
            _ => t.parse::<f64>().ok().filter(|n| n.is_finite()),
        }
    };
    parsed.ok_or_else(|| {
        a.err(
            format!(
                "{}() cannot read {s:?} as {}",
                a.name,
                if whole { "a whole number" } else { "a number" }
            ),
            span,
            if whole {
                "not a whole number"
            } else {
                "not a number"
            },
        )
    })
}

/// The number of a number, a bool or a one-element tensor.
fn number_of(a: &Args, v: &Value, span: Span) -> Eval<f64> {
    match v {
        Value::Num(n) => Ok(*n),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        Value::Tensor(t) if t.numel() == 1 => Ok(t.item().unwrap_or(f64::NAN)),
        other => Err(wrong_type(
            &format!("{}()", a.name),
            "a number, a string or a one-element tensor",
            other,
            span,
        )),
    }
}

/// `int(x)`: towards zero; `int(s)` reads a whole number.
pub fn int(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (v, span) = a.required(0, "x")?;
    let n = match v {
        Value::Str(s) => parse_number(a, s, span, true)?,
        other => number_of(a, other, span)?,
    };
    if !n.is_finite() {
        return Err(a.err(
            format!(
                "int() of {}: not a whole number",
                crate::display::format_number(n)
            ),
            span,
            "not finite",
        ));
    }
    Ok(Value::Num(n.trunc()))
}

/// `float(x)`: a number; `float(s)` reads one.
pub fn float(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (v, span) = a.required(0, "x")?;
    Ok(Value::Num(match v {
        Value::Str(s) => parse_number(a, s, span, false)?,
        other => number_of(a, other, span)?,
    }))
}

/// `floor(x)`, `ceil(x)` of a number.
fn rounded(a: &Args, f: fn(f64) -> f64) -> Eval<Value> {
    let (v, span) = a.required(0, "x")?;
    match v {
        Value::Num(n) => Ok(Value::Num(f(*n))),
        other => Err(Flow::from(
            type_error(
                &format!("{}()", a.name),
                "a number",
                other.type_name(),
                span,
            )
            .with_hint("for a tensor, x // 1 floors each element"),
        )),
    }
}

pub fn floor(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    rounded(a, f64::floor)
}

pub fn ceil(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    rounded(a, f64::ceil)
}

/// The text of the UTF-8 file at argument `path`, under the file rules (SPEC §14).
fn read_file_text(it: &mut Interpreter, a: &Args) -> Eval<String> {
    let (path, span) = the_string(a, 0, "path")?;
    let bytes = it.read_file(a.call, &path, span)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        a.err(
            format!("{}(): {path} is not UTF-8 text", a.name),
            span,
            "this file",
        )
    })?;
    // A byte order mark is not part of the text.
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text))
}

pub fn read_text(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    Ok(Value::Str(read_file_text(it, a)?.into()))
}

pub fn read_lines(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let text = read_file_text(it, a)?;
    let lines: Vec<Value> = text.lines().map(|l| Value::Str(l.into())).collect();
    Ok(Value::List(List::new(lines)))
}

/// `dict()`, `dict(pairs)`, `dict(d)` (a copy).
pub fn dict(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let d = Dict::new();
    let Some((v, span)) = a.get(0, "pairs") else {
        return Ok(Value::Dict(d));
    };
    if let Value::Dict(other) = v {
        for (k, v) in other.0.borrow().entries() {
            if let Ok(key) = key_of(k, span) {
                d.0.borrow_mut().insert(key, k.clone(), v.clone());
            }
        }
        return Ok(Value::Dict(d));
    }
    let (pairs, span) = items(a, 0, "pairs")?;
    for p in pairs {
        let pair = match &p {
            Value::Tuple(t) if t.len() == 2 => (t[0].clone(), t[1].clone()),
            Value::List(l) if l.len() == 2 => {
                let items = l.items();
                (items[0].clone(), items[1].clone())
            }
            other => {
                return Err(Flow::from(
                    Diagnostic::error(format!(
                        "dict() expects (key, value) pairs; found {}",
                        other.to_repr()
                    ))
                    .with_label(span, "not a collection of pairs"),
                ))
            }
        };
        let key = key_of(&pair.0, span)?;
        d.0.borrow_mut().insert(key, pair.0, pair.1);
    }
    Ok(Value::Dict(d))
}

/// `enumerate(xs, start=0)`: a list of `(i, x)` pairs.
pub fn enumerate(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (xs, _) = items(a, 0, "xs")?;
    let start = a.number_or(1, "start")?;
    let out = xs
        .into_iter()
        .enumerate()
        .map(|(i, x)| Value::Tuple(vec![Value::Num(start + i as f64), x].into()))
        .collect();
    Ok(Value::List(List::new(out)))
}

/// `zip(a, b, ...)`: a list of tuples, as long as the shortest.
pub fn zip(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let mut columns = Vec::with_capacity(a.pos.len());
    for i in 0..a.pos.len() {
        columns.push(items(a, i, "xs")?.0);
    }
    let n = columns.iter().map(Vec::len).min().unwrap_or(0);
    let out = (0..n)
        .map(|i| {
            Value::Tuple(
                columns
                    .iter()
                    .map(|c| c[i].clone())
                    .collect::<Vec<_>>()
                    .into(),
            )
        })
        .collect();
    Ok(Value::List(List::new(out)))
}

/// `reversed(xs)`: a new list, last item first.
pub fn reversed(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (mut xs, _) = items(a, 0, "xs")?;
    xs.reverse();
    Ok(Value::List(List::new(xs)))
}

/// Python's order of two values: numbers (and bools), strings, and tuples or lists
/// of them item by item; `None` when they cannot be ordered.
fn order(x: &Value, y: &Value) -> Option<Ordering> {
    let num = |v: &Value| match v {
        Value::Num(n) => Some(*n),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Tensor(t) if t.numel() == 1 => t.item(),
        _ => None,
    };
    if let (Some(p), Some(q)) = (num(x), num(y)) {
        return Some(p.partial_cmp(&q).unwrap_or(Ordering::Equal));
    }
    match (x, y) {
        (Value::Str(p), Value::Str(q)) => Some(p.cmp(q)),
        (Value::Tuple(_) | Value::List(_), Value::Tuple(_) | Value::List(_)) => {
            let (ps, qs) = (items_of(x)?, items_of(y)?);
            for (p, q) in ps.iter().zip(qs.iter()) {
                match order(p, q)? {
                    Ordering::Equal => {}
                    o => return Some(o),
                }
            }
            Some(ps.len().cmp(&qs.len()))
        }
        _ => None,
    }
}

/// `sorted(xs, key=none, reverse=false)`: a new list, stable, as Python's.
pub fn sorted(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (xs, span) = items(a, 0, "xs")?;
    let keys = match a.keyword("key") {
        None | Some((Value::None, _)) => xs.clone(),
        Some((f, fspan)) => {
            let f = f.clone();
            let mut keys = Vec::with_capacity(xs.len());
            for x in &xs {
                keys.push(it.call(&f, vec![(x.clone(), span)], Vec::new(), a.call, fspan)?);
            }
            keys
        }
    };
    let reverse = a.flag("reverse")?;
    let mut order_of: Vec<usize> = (0..xs.len()).collect();
    let mut bad = None;
    order_of.sort_by(|&i, &j| {
        let o = order(&keys[i], &keys[j]).unwrap_or_else(|| {
            bad.get_or_insert((keys[i].type_name(), keys[j].type_name()));
            Ordering::Equal
        });
        if reverse {
            o.reverse()
        } else {
            o
        }
    });
    if let Some((p, q)) = bad {
        return Err(a.err(
            format!("sorted() cannot order a {p} and a {q}"),
            span,
            "these items",
        ));
    }
    Ok(Value::List(List::new(
        order_of.into_iter().map(|i| xs[i].clone()).collect(),
    )))
}

/// `sum`, `max`, `min`, `any`, `all` of a list or tuple without `axis`: Python's
/// meaning (a number for numbers; `sum` adds tensors too). `None` when the call is
/// the tensor reduction (a tensor, an axis, or a tuple holding something else).
pub(crate) fn of_sequence(it: &mut Interpreter, a: &Args) -> Eval<Option<Value>> {
    let Some((v @ (Value::List(_) | Value::Tuple(_)), span)) = a.pos.first() else {
        return Ok(None);
    };
    if a.pos.len() > 1 || !a.kw.is_empty() {
        return Ok(None);
    }
    let xs = items_of(v).unwrap_or_default();
    let is_list = matches!(v, Value::List(_));
    let all_numbers = xs
        .iter()
        .all(|x| matches!(x, Value::Num(_) | Value::Bool(_)));
    let result = match a.name {
        "any" | "all" => {
            if !is_list && !all_numbers {
                return Ok(None);
            }
            let want = a.name == "any";
            let mut found = !want;
            for x in &xs {
                if truthy(x, *span)? == want {
                    found = want;
                    break;
                }
            }
            Value::Bool(found)
        }
        "sum" => {
            let tensors = xs
                .iter()
                .all(|x| matches!(x, Value::Num(_) | Value::Bool(_) | Value::Tensor(_)));
            if !tensors {
                if !is_list {
                    return Ok(None);
                }
                return Err(a.err(
                    "sum() of a list expects numbers or tensors",
                    *span,
                    "holds something else",
                ));
            }
            let mut total = Value::Num(0.0);
            for x in xs {
                let x = match x {
                    Value::Bool(b) => Value::Num(f64::from(u8::from(b))),
                    other => other,
                };
                total = it.binary(BinOp::Add, total, x, a.call, *span, *span)?;
            }
            total
        }
        _ => {
            if !all_numbers {
                if !is_list {
                    return Ok(None);
                }
                return Err(a.err(
                    format!("{}() of a list expects numbers", a.name),
                    *span,
                    "holds something else",
                ));
            }
            let want_max = a.name == "max";
            let mut best: Option<f64> = None;
            for x in &xs {
                let n = match x {
                    Value::Num(n) => *n,
                    Value::Bool(b) => f64::from(u8::from(*b)),
                    _ => continue,
                };
                best = Some(match best {
                    None => n,
                    Some(b) if n.is_nan() || b.is_nan() => f64::NAN,
                    Some(b) if (want_max && n > b) || (!want_max && n < b) => n,
                    Some(b) => b,
                });
            }
            match best {
                Some(n) => Value::Num(n),
                None => {
                    return Err(a.err(
                        format!("{}() of an empty {}", a.name, v.type_name()),
                        *span,
                        "this is empty",
                    ))
                }
            }
        }
    };
    Ok(Some(result))
}
