//! `plot`, `scatter` and `draw` (SPEC §14 Pictures): each builds a picture from its
//! arguments and hands it to the interpreter, which writes it to `file=`, gives it
//! to the front end's picture sink or prints it; the pictures live in `crate::picture`.

use crate::eval::args::{to_tensor, Args};
use crate::eval::errors::type_error;
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::picture::{LinePlot, Picture, ScatterPlot};
use crate::source::Span;

/// A series of numbers: a tensor (all its elements), or a tuple of numbers and
/// one-element tensors.
fn series(a: &Args, i: usize, name: &str) -> Eval<Vec<f64>> {
    let (v, span) = a.required(i, name)?;
    let what = format!("{}() argument '{name}'", a.name);
    let listed = match v {
        Value::List(l) => Some(l.items()),
        _ => None,
    };
    let v = &match listed {
        Some(items) => Value::Tuple(items.into()),
        None => v.clone(),
    };
    match v {
        Value::Tuple(items) => items
            .iter()
            .map(|x| match x {
                Value::Num(n) => Ok(*n),
                Value::Tensor(t) if t.numel() == 1 => Ok(t.item().unwrap_or(f64::NAN)),
                other => Err(Flow::from(type_error(
                    &what,
                    "numbers",
                    other.type_name(),
                    span,
                ))),
            })
            .collect(),
        other => match to_tensor(other) {
            Some(t) => Ok(t.data_ref().iter().copied().collect()),
            None => Err(Flow::from(type_error(
                &what,
                "a tensor, or a tuple or list of numbers",
                other.type_name(),
                span,
            ))),
        },
    }
}

/// The optional `title=` keyword.
fn title(a: &Args) -> Eval<Option<String>> {
    match a.keyword("title") {
        None | Some((Value::None, _)) => Ok(None),
        Some((Value::Str(s), _)) => Ok(Some(s.to_string())),
        Some((v, span)) => Err(Flow::from(type_error(
            &format!("{}() argument 'title'", a.name),
            "a string",
            v.type_name(),
            span,
        ))),
    }
}

/// The optional `file=` keyword: the path and its span.
fn file(a: &Args) -> Eval<Option<(String, Span)>> {
    match a.keyword("file") {
        None | Some((Value::None, _)) => Ok(None),
        Some((Value::Str(s), span)) => Ok(Some((s.to_string(), span))),
        Some((v, span)) => Err(Flow::from(type_error(
            &format!("{}() argument 'file'", a.name),
            "a path (a string)",
            v.type_name(),
            span,
        ))),
    }
}

fn show(it: &mut Interpreter, a: &Args, picture: Picture) -> Eval<Value> {
    let file = file(a)?;
    it.show_picture(picture, file.as_ref().map(|(p, s)| (p.as_str(), *s)))?;
    Ok(Value::None)
}

pub fn plot(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (xs, ys) = if a.pos.len() == 2 {
        let xs = series(a, 0, "xs")?;
        let ys = series(a, 1, "ys")?;
        if xs.len() != ys.len() {
            return Err(a.err(
                format!(
                    "plot(): xs has {} value{} but ys has {}",
                    xs.len(),
                    if xs.len() == 1 { "" } else { "s" },
                    ys.len()
                ),
                a.call,
                "lengths differ",
            ));
        }
        (xs, ys)
    } else {
        let ys = series(a, 0, "ys")?;
        ((0..ys.len()).map(|i| i as f64).collect(), ys)
    };
    let title = title(a)?;
    show(it, a, Picture::Plot(LinePlot { xs, ys, title }))
}

pub fn scatter(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "X")?;
    let shape = x.shape();
    if shape.len() != 2 || shape[1] != 2 {
        return Err(a.err(
            format!(
                "scatter() takes points X of shape [n, 2]; found {}",
                crate::display::fmt_shape(&shape)
            ),
            a.pos[0].1,
            "not [n, 2]",
        ));
    }
    let n = shape[0];
    let data = x.data();
    let flat: Vec<f64> = data.iter().copied().collect();
    let points: Vec<(f64, f64)> = flat
        .chunks(2)
        .map(|p| (p[0], p.get(1).copied().unwrap_or(0.0)))
        .collect();
    let classes: Vec<i64> = match a.get(1, "y") {
        None | Some((Value::None, _)) => vec![0; n],
        Some((_, span)) => {
            let y = series(a, 1, "y")?;
            if y.len() != n {
                return Err(a.err(
                    format!(
                        "scatter(): X has {n} point{} but y has {} class{}",
                        if n == 1 { "" } else { "s" },
                        y.len(),
                        if y.len() == 1 { "" } else { "es" }
                    ),
                    span,
                    format!(
                        "this has {} value{}",
                        y.len(),
                        if y.len() == 1 { "" } else { "s" }
                    ),
                ));
            }
            let mut out = Vec::with_capacity(n);
            for v in y {
                match crate::eval::args::as_integer(v) {
                    Some(k) => out.push(k),
                    None => {
                        return Err(a.err(
                            format!(
                                "scatter(): a class must be a whole number; found {}",
                                crate::display::format_number(v)
                            ),
                            span,
                            "not a class index",
                        ))
                    }
                }
            }
            out
        }
    };
    let title = title(a)?;
    show(
        it,
        a,
        Picture::Scatter(ScatterPlot {
            points,
            classes,
            title,
        }),
    )
}

pub fn draw(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let t = a.tensor(0, "y")?;
    let span = a.pos[0].1;
    let name = it.sources.slice(span).to_string();
    let drawing = crate::eval::explain::drawing(it, &t, &name);
    show(it, a, Picture::Graph(drawing))
}
