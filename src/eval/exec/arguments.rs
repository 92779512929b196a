//! Binding a call's arguments to a user function's parameters (SPEC §19
//! Functions): by position, then by keyword, then the defaults evaluated where
//! the function was defined. A missing, unknown or repeated argument is an error
//! naming the function and its parameters.

use crate::diagnostic::Diagnostic;
use crate::eval::errors::closest;
use crate::eval::value::Closure;
use crate::eval::{Flow, Value};
use crate::source::Span;
use std::rc::Rc;

/// `train(learning_rate, momentum=0)`: the function's name and its parameters,
/// each default shown as its value.
pub(crate) fn signature(c: &Closure) -> String {
    let params: Vec<String> = c
        .decl
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| match c.defaults.get(i) {
            Some(Some(v)) => format!("{}={}", p.name, v.to_repr()),
            _ => p.name.to_string(),
        })
        .collect();
    format!("{}({})", fn_name(c), params.join(", "))
}

/// The function's name for messages (`fn` for an anonymous one).
pub(crate) fn fn_name(c: &Closure) -> String {
    let name = c
        .decl
        .name
        .as_ref()
        .map(|n| n.name.to_string())
        .unwrap_or_else(|| "fn".into());
    match &c.owner {
        Some(class) => format!("{class}.{name}"),
        None => name,
    }
}

/// Where `c` is defined, for a label: its name, or the whole anonymous function.
fn def_span(c: &Closure) -> Span {
    c.decl.name.as_ref().map_or(c.decl.span, |n| n.span)
}

/// The value of each parameter of `c` for a call with `pos` and `kw`.
pub(crate) fn bind(
    c: &Rc<Closure>,
    pos: Vec<(Value, Span)>,
    kw: Vec<(Rc<str>, Value, Span)>,
    call_span: Span,
) -> Result<Vec<Value>, Flow> {
    let params = &c.decl.params;
    let hint = || format!("{} is defined as {}", fn_name(c), signature(c));
    if pos.len() > params.len() {
        let extra = pos[params.len()].1.to(pos[pos.len() - 1].1);
        return Err(Flow::from(
            Diagnostic::error(format!(
                "{}() takes {}; found {}",
                fn_name(c),
                crate::display::count(params.len(), "argument"),
                pos.len()
            ))
            .with_label(extra, "too many arguments")
            .with_label(def_span(c), "defined here")
            .with_hint(hint()),
        ));
    }
    let mut given: Vec<Option<Value>> = Vec::with_capacity(params.len());
    given.extend(pos.into_iter().map(|(v, _)| Some(v)));
    given.resize(params.len(), None);
    for (k, v, span) in kw {
        let Some(i) = params.iter().position(|p| p.name == k) else {
            let mut d = Diagnostic::error(format!("{}() has no parameter named '{k}'", fn_name(c)))
                .with_label(span, "unknown keyword")
                .with_label(def_span(c), "defined here");
            let h = match closest(&k, params.iter().map(|p| &*p.name)) {
                Some(m) => format!("did you mean '{m}'? {}", hint()),
                None => hint(),
            };
            d = d.with_hint(h);
            return Err(Flow::from(d));
        };
        if given[i].is_some() {
            return Err(Flow::from(
                Diagnostic::error(format!(
                    "{}() got two values for its argument '{k}'",
                    fn_name(c)
                ))
                .with_label(span, "given again here")
                .with_label(call_span, "in this call")
                .with_hint(hint()),
            ));
        }
        given[i] = Some(v);
    }
    let mut missing = Vec::new();
    for (i, slot) in given.iter_mut().enumerate() {
        if slot.is_none() {
            match c.defaults.get(i) {
                Some(Some(d)) => *slot = Some(d.clone()),
                _ => missing.push(i),
            }
        }
    }
    if !missing.is_empty() {
        let names: Vec<String> = missing
            .iter()
            .map(|&i| format!("'{}'", params[i].name))
            .collect();
        let what = if missing.len() == 1 {
            "its argument"
        } else {
            "its arguments"
        };
        let mut d = Diagnostic::error(format!(
            "{}() is missing {what} {}",
            fn_name(c),
            names.join(" and ")
        ))
        .with_label(call_span, "in this call");
        for &i in &missing {
            d = d.with_label(params[i].span, "this parameter has no value");
        }
        return Err(Flow::from(d.with_hint(hint())));
    }
    Ok(given.into_iter().flatten().collect())
}
