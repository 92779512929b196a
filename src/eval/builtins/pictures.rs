//! `plot`, `scatter` and `draw` (SPEC §14 Pictures): each builds a picture from its
//! arguments and hands it to the interpreter, which writes it to `file=`, gives it
//! to the front end's picture sink or prints it; the pictures live in `crate::picture`.

use crate::display::count;
use crate::eval::args::{to_tensor, Args};
use crate::eval::errors::wrong_type;
use crate::eval::{Eval, Interpreter, Value};
use crate::picture::{HeatMap, Histogram, LinePlot, MultiPlot, Picture, ScatterPlot};
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
                other => Err(wrong_type(&what, "numbers", other, span)),
            })
            .collect(),
        other => match to_tensor(other) {
            Some(t) => Ok(t.data_ref().iter().copied().collect()),
            None => Err(wrong_type(
                &what,
                "a tensor, or a tuple or list of numbers",
                other,
                span,
            )),
        },
    }
}

/// The optional `title=` keyword.
fn title(a: &Args) -> Eval<Option<String>> {
    match a.keyword("title") {
        None | Some((Value::None, _)) => Ok(None),
        Some((Value::Str(s), _)) => Ok(Some(s.to_string())),
        Some((v, span)) => Err(wrong_type(
            &format!("{}() argument 'title'", a.name),
            "a string",
            v,
            span,
        )),
    }
}

/// The optional `file=` keyword: the path and its span.
fn file(a: &Args) -> Eval<Option<(String, Span)>> {
    match a.keyword("file") {
        None | Some((Value::None, _)) => Ok(None),
        Some((Value::Str(s), span)) => Ok(Some((s.to_string(), span))),
        Some((v, span)) => Err(wrong_type(
            &format!("{}() argument 'file'", a.name),
            "a path (a string)",
            v,
            span,
        )),
    }
}

fn show(it: &mut Interpreter, a: &Args, picture: Picture) -> Eval<Value> {
    let file = file(a)?;
    it.show_picture(picture, file.as_ref().map(|(p, s)| (p.as_str(), *s)))?;
    Ok(Value::None)
}

/// The items of a tuple or a list.
fn items_of(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Tuple(t) => Some(t.to_vec()),
        Value::List(l) => Some(l.items()),
        _ => None,
    }
}

/// Several series, when `v` is a tuple or list of series (tensors of more than one
/// element, tuples, lists) or a 2-d tensor (each row); `None` for one series.
fn several(a: &Args, v: &Value, span: Span, name: &str) -> Eval<Option<Vec<Vec<f64>>>> {
    if let Value::Tensor(t) = v {
        if t.ndim() == 2 {
            if t.shape()[0] > 10_000 {
                return Err(a.err(
                    format!("{}(): more than 10000 series", a.name),
                    span,
                    "too many rows",
                ));
            }
            let d = t.data();
            return Ok(Some(d.rows().into_iter().map(|r| r.to_vec()).collect()));
        }
        return Ok(None);
    }
    let Some(items) = items_of(v) else {
        return Ok(None);
    };
    let is_series = |x: &Value| match x {
        Value::Tuple(_) | Value::List(_) => true,
        Value::Tensor(t) => t.numel() != 1 || t.ndim() > 0,
        _ => false,
    };
    if items.len() > 10_000 && items.iter().any(is_series) {
        return Err(a.err(
            format!("{}(): more than 10000 series", a.name),
            span,
            "too many series",
        ));
    }
    if items.is_empty() || !items.iter().any(is_series) {
        return Ok(None);
    }
    let what = format!("{}() argument '{name}'", a.name);
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let values = match &item {
            Value::Tensor(t) => t.data_ref().iter().copied().collect(),
            Value::Num(n) => vec![*n],
            other => match items_of(other) {
                Some(xs) => xs
                    .iter()
                    .map(|x| match x {
                        Value::Num(n) => Ok(*n),
                        Value::Tensor(t) if t.numel() == 1 => Ok(t.item().unwrap_or(f64::NAN)),
                        o => Err(wrong_type(&what, "series of numbers", o, span)),
                    })
                    .collect::<Eval<Vec<f64>>>()?,
                None => return Err(wrong_type(&what, "series of numbers", other, span)),
            },
        };
        out.push(values);
    }
    Ok(Some(out))
}

/// The optional `labels=`: a tuple or list of strings.
fn labels(a: &Args) -> Eval<Option<(Vec<String>, Span)>> {
    match a.keyword("labels") {
        None | Some((Value::None, _)) => Ok(None),
        Some((v, span)) => {
            let items = items_of(v).unwrap_or_else(|| vec![v.clone()]);
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::Str(s) => out.push(s.to_string()),
                    other => {
                        return Err(wrong_type(
                            "plot() argument 'labels'",
                            "a tuple or list of strings",
                            &other,
                            span,
                        ))
                    }
                }
            }
            Ok(Some((out, span)))
        }
    }
}

pub fn plot(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let labels = labels(a)?;
    let logy = a.flag("logy")?;
    let last = if a.pos.len() == 2 { 1 } else { 0 };
    let (v, span) = a.required(last, if last == 1 { "ys" } else { "xs" })?;
    let (v, span) = (v.clone(), span);
    let many = several(a, &v, span, if last == 1 { "ys" } else { "xs" })?;
    if many.is_none() && labels.is_none() && !logy {
        return plot_one(it, a);
    }
    let ys_list = match many {
        Some(list) => list,
        None => vec![series(a, last, if last == 1 { "ys" } else { "xs" })?],
    };
    let xs = if last == 1 {
        Some(series(a, 0, "xs")?)
    } else {
        None
    };
    let mut all = Vec::with_capacity(ys_list.len());
    for ys in ys_list {
        let xs = match &xs {
            Some(xs) => {
                if xs.len() != ys.len() {
                    return Err(a.err(
                        format!(
                            "plot(): xs has {} values but a series has {}",
                            xs.len(),
                            ys.len()
                        ),
                        a.call,
                        "lengths differ",
                    ));
                }
                xs.clone()
            }
            None => (0..ys.len()).map(|i| i as f64).collect(),
        };
        all.push((xs, ys));
    }
    let labels = match labels {
        Some((l, lspan)) => {
            if l.len() != all.len() {
                return Err(a.err(
                    format!(
                        "plot(): {} for {} series",
                        count(l.len(), "label"),
                        all.len()
                    ),
                    lspan,
                    "one label per series",
                ));
            }
            l
        }
        None => Vec::new(),
    };
    let title = title(a)?;
    show(
        it,
        a,
        Picture::Lines(MultiPlot {
            series: all,
            labels,
            logy,
            title,
        }),
    )
}

pub fn hist(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let values = series(a, 0, "x")?;
    let bins = a.number_or(1, "bins")?;
    let bins = match crate::eval::args::as_integer(bins) {
        Some(b) if (1..=10_000).contains(&b) => b as usize,
        _ => {
            return Err(a.err(
                format!(
                    "hist(): bins must be a whole number from 1 to 10000; found {}",
                    crate::display::format_number(bins)
                ),
                a.get(1, "bins").map_or(a.call, |p| p.1),
                "not a number of bins",
            ))
        }
    };
    let title = title(a)?;
    show(it, a, Picture::Hist(Histogram::of(&values, bins, title)))
}

pub fn imshow(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let m = a.tensor(0, "m")?;
    let shape = m.shape();
    let (rows, cols) = match shape.as_slice() {
        [r, c] if *r == 0 || *c == 0 => (0, 0),
        [r, c] => (*r, *c),
        [0] => (0, 0),
        [n] => (1, *n),
        _ => {
            return Err(a.shape_err(
                "imshow() takes a matrix (2-d); found shape",
                &shape,
                a.pos[0].1,
                "not a matrix",
            ))
        }
    };
    if rows.saturating_mul(cols) > 250_000 {
        return Err(a.err(
            format!(
                "imshow(): a {rows} by {cols} matrix is too large to show (at most 250000 cells)"
            ),
            a.pos[0].1,
            "too large",
        ));
    }
    let values: Vec<f64> = m.data_ref().iter().copied().collect();
    let title = title(a)?;
    show(
        it,
        a,
        Picture::Heat(HeatMap {
            rows,
            cols,
            values,
            title,
        }),
    )
}

fn plot_one(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (xs, ys) = if a.pos.len() == 2 {
        let xs = series(a, 0, "xs")?;
        let ys = series(a, 1, "ys")?;
        if xs.len() != ys.len() {
            return Err(a.err(
                format!(
                    "plot(): xs has {} but ys has {}",
                    count(xs.len(), "value"),
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
        return Err(a.shape_err(
            "scatter() takes points X of shape [n, 2]; found",
            &shape,
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
                        "scatter(): X has {} but y has {}",
                        count(n, "point"),
                        count(y.len(), "class")
                    ),
                    span,
                    format!("this has {}", count(y.len(), "value")),
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
