//! `randperm`, `make_moons`, `make_circles`, `make_spirals`, `load_csv` (SPEC §14
//! Data): argument checking and conversion to values; the work is in `crate::data`.

use crate::autodiff::Tensor;
use crate::data::{self, CsvError};
use crate::diagnostic::Diagnostic;
use crate::eval::args::Args;
use crate::eval::errors::wrong_type;
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::source::Span;
use ndarray::{ArrayD, IxDyn};

/// A count argument: a whole number >= 0.
fn count(a: &Args, i: usize, name: &str) -> Eval<usize> {
    let n = a.integer(i, name)?;
    if n < 0 {
        let span = a.get(i, name).map(|(_, s)| s).unwrap_or(a.call);
        return Err(a.err(
            format!("{}(): '{name}' must be >= 0; found {n}", a.name),
            span,
            "a negative count",
        ));
    }
    let n = n as usize;
    crate::autodiff::shape::checked_numel(&[n, 2])
        .map_err(|e| Flow::from(crate::eval::errors::tensor_error(e, a.call, &[])))?;
    Ok(n)
}

fn vector(values: Vec<f64>) -> Tensor {
    let n = values.len();
    Tensor::constant(
        ArrayD::from_shape_vec(IxDyn(&[n]), values).unwrap_or_else(|_| ArrayD::zeros(IxDyn(&[0]))),
    )
}

fn points_and_classes(points: Vec<[f64; 2]>, classes: Vec<usize>) -> Value {
    let n = points.len();
    let flat: Vec<f64> = points.into_iter().flatten().collect();
    let x = ArrayD::from_shape_vec(IxDyn(&[n, 2]), flat)
        .unwrap_or_else(|_| ArrayD::zeros(IxDyn(&[0, 2])));
    let y = vector(classes.into_iter().map(|c| c as f64).collect());
    Value::Tuple(vec![Value::Tensor(Tensor::constant(x)), Value::Tensor(y)].into())
}

pub fn randperm(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let n = count(a, 0, "n")?;
    let p = data::randperm(n, &mut it.rng);
    Ok(Value::Tensor(vector(
        p.into_iter().map(|i| i as f64).collect(),
    )))
}

pub fn make_moons(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let n = count(a, 0, "n")?;
    let noise = a.number_or(1, "noise")?;
    let (x, y) = data::make_moons(n, noise, &mut it.rng);
    Ok(points_and_classes(x, y))
}

pub fn make_circles(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let n = count(a, 0, "n")?;
    let noise = a.number_or(1, "noise")?;
    let factor = a.number_or(2, "factor")?;
    let (x, y) = data::make_circles(n, noise, factor, &mut it.rng);
    Ok(points_and_classes(x, y))
}

pub fn make_spirals(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let n = count(a, 0, "n")?;
    let classes = match a.get(1, "classes") {
        None => 3,
        Some(_) => count(a, 1, "classes")?,
    };
    if classes == 0 {
        return Err(a.err(
            "make_spirals(): 'classes' must be at least 1",
            a.call,
            "no classes",
        ));
    }
    let noise = a.number_or(2, "noise")?;
    let (x, y) = data::make_spirals(n, classes, noise, &mut it.rng);
    Ok(points_and_classes(x, y))
}

pub fn load_csv(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (path, path_span) = a.typed(0, "path", "a path (a string)", |v| match v {
        Value::Str(p) => Some(p.to_string()),
        _ => None,
    })?;
    let header = a.flag("header")?;
    let bytes = it.read_file(a.call, &path, path_span)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        a.err(
            format!(
                "'{path}' is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
            path_span,
            "this file",
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    let csv = match data::parse_csv(&text, header) {
        Ok(csv) => csv,
        Err(e) => return Err(Flow::from(csv_error(it, a.call, path_span, &path, text, e))),
    };
    let arr = ArrayD::from_shape_vec(IxDyn(&[csv.rows, csv.columns]), csv.values)
        .map_err(|e| a.err(e.to_string(), a.call, "here"))?;
    let t = Value::Tensor(Tensor::constant(arr));
    if header {
        let names: Vec<Value> = csv
            .names
            .unwrap_or_default()
            .into_iter()
            .map(|n| Value::Str(n.into()))
            .collect();
        Ok(Value::Tuple(
            vec![t, Value::List(crate::eval::value::List::new(names))].into(),
        ))
    } else {
        Ok(t)
    }
}

/// A CSV error as a report: the CSV text becomes a source of its own, so the report
/// shows the file's line with the cell labelled, and the `load_csv` call.
fn csv_error(
    it: &mut Interpreter,
    call: Span,
    path_span: Span,
    path: &str,
    text: String,
    e: CsvError,
) -> Diagnostic {
    match e {
        CsvError::Empty => Diagnostic::error(format!("'{path}' has no rows of numbers"))
            .with_label(path_span, "this file is empty (or holds only a header)"),
        CsvError::NotANumber { cell, line, range } => {
            let id = it.sources.add(path, text);
            Diagnostic::error(format!(
                "'{path}' line {line}: the cell '{}' is not a number",
                cell.trim()
            ))
            .with_label(Span::new(id, range.start, range.end), "not a number")
            .with_label(call, "read here")
            .with_hint("load_csv reads numbers only; a first row of names is taken as a header")
        }
        CsvError::Ragged {
            line,
            range,
            found,
            expected,
        } => {
            let id = it.sources.add(path, text);
            Diagnostic::error(format!(
                "'{path}' line {line} has {}; the first row has {expected}",
                crate::display::count(found, "cell")
            ))
            .with_label(
                Span::new(id, range.start, range.end),
                format!("{found} cells"),
            )
            .with_label(call, "read here")
        }
        CsvError::UnclosedQuote { line, range } => {
            let id = it.sources.add(path, text);
            Diagnostic::error(format!(
                "'{path}' line {line}: a quoted cell is never closed"
            ))
            .with_label(
                Span::new(id, range.start, range.start + 1),
                "this quote is not closed",
            )
            .with_label(call, "read here")
        }
    }
}

fn path_arg(a: &Args) -> Eval<(String, Span)> {
    let (v, span) = a.required(0, "path")?;
    match v {
        Value::Str(s) => Ok((s.to_string(), span)),
        other => Err(wrong_type(
            &format!("{}() argument 'path'", a.name),
            "a path (a string)",
            other,
            span,
        )),
    }
}

/// `save(path, W1=W1, b1=b1)`: the named tensors into a safetensors file (float64);
/// `save(path, model)`: every tensor inside the value, named by its dotted path (as
/// PyTorch's `state_dict`).
pub fn save(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    if a.pos.len() > 2 || (a.pos.len() == 2 && !a.kw.is_empty()) {
        return Err(a.err(
            format!(
                "save() takes the path and then a model, or name=tensor pairs; found {} positional arguments",
                a.pos.len()
            ),
            a.call,
            "for example save(\"model.safetensors\", model) or save(\"w.safetensors\", W=W, b=b)",
        ));
    }
    let (path, path_span) = path_arg(a)?;
    let mut tensors = Vec::with_capacity(a.kw.len());
    if let Some((v, span)) = a.pos.get(1) {
        let found = crate::eval::params::tensors(v);
        if found.is_empty() {
            return Err(a.err(
                format!("save(): the {} holds no tensors", v.type_name()),
                *span,
                "nothing to save",
            ));
        }
        for f in found {
            let name = if f.path.is_empty() {
                "0".to_string()
            } else {
                f.path
            };
            tensors.push((name, f.tensor.data()));
        }
    }
    for (name, v, span) in &a.kw {
        match crate::eval::args::to_tensor(v) {
            Some(t) => tensors.push((name.to_string(), t.data())),
            None => {
                return Err(wrong_type(
                    &format!("save() argument '{name}'"),
                    "a tensor",
                    v,
                    *span,
                ))
            }
        }
    }
    let refs: Vec<(String, &crate::autodiff::Array)> = tensors
        .iter()
        .map(|(n, a)| (n.clone(), a.as_ref()))
        .collect();
    let bytes = crate::weights::to_bytes(&refs)
        .map_err(|e| a.err(e.message(&path), a.call, "could not encode"))?;
    it.write_file(a.call, &path, &bytes, path_span)?;
    Ok(Value::None)
}

/// `load(path)`: (name, tensor) pairs sorted by name; `load(path, "W1", "b1")`: those
/// tensors as a tuple. New leaves that do not require grad. `load(path, into=model)`:
/// the stored values copied in place into the model's tensors of the same names.
pub fn load(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (path, path_span) = path_arg(a)?;
    let into =
        a.kw.iter()
            .find(|(n, _, _)| &**n == "into")
            .map(|(_, v, s)| (v.clone(), *s));
    let mut wanted = Vec::new();
    for (v, span) in a.pos.iter().skip(1) {
        match v {
            Value::Str(s) => wanted.push((s.to_string(), *span)),
            other => return Err(wrong_type("load() names", "strings", other, *span)),
        }
    }
    let bytes = it.read_file(a.call, &path, path_span)?;
    let all = crate::weights::from_bytes(&bytes)
        .map_err(|e| a.err(e.message(&path), path_span, "this file"))?;
    if let Some((model, span)) = into {
        if !wanted.is_empty() {
            return Err(a.err(
                "load(): give names or into=, not both",
                a.call,
                "load(path, into=model) fills every tensor of the model",
            ));
        }
        return load_into(a, &path, all, &model, span);
    }
    if wanted.is_empty() {
        let pairs: Vec<Value> = all
            .into_iter()
            .map(|(n, arr)| {
                Value::Tuple(
                    vec![Value::Str(n.into()), Value::Tensor(Tensor::constant(arr))].into(),
                )
            })
            .collect();
        return Ok(Value::List(crate::eval::value::List::new(pairs)));
    }
    let names: Vec<String> = wanted.iter().map(|(n, _)| n.clone()).collect();
    let picked = crate::weights::pick(all, &names).map_err(|e| {
        let span = match &e {
            crate::weights::WeightsError::Missing { name, .. } => wanted
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, s)| *s)
                .unwrap_or(a.call),
            _ => a.call,
        };
        a.err(e.message(&path), span, "not in the file")
    })?;
    Ok(Value::Tuple(
        picked
            .into_iter()
            .map(|arr| Value::Tensor(Tensor::constant(arr)))
            .collect::<Vec<_>>()
            .into(),
    ))
}

/// `load(path, into=model)`: every tensor inside `model` (by dotted path) takes the
/// stored values of the same name in place, as `load_state_dict`: the names must
/// match both ways and the shapes agree.
fn load_into(
    a: &Args,
    path: &str,
    stored: Vec<(String, crate::autodiff::Array)>,
    model: &Value,
    span: crate::source::Span,
) -> Eval<Value> {
    let found = crate::eval::params::tensors(model);
    if found.is_empty() {
        return Err(a.err(
            format!(
                "load(): into= expects a value holding tensors; found {}",
                model.type_name()
            ),
            span,
            "no tensors to load into",
        ));
    }
    let name_of = |f: &crate::eval::params::Found| {
        if f.path.is_empty() {
            "0".to_string()
        } else {
            f.path.clone()
        }
    };
    let mut stored: std::collections::BTreeMap<String, crate::autodiff::Array> =
        stored.into_iter().collect();
    let missing: Vec<String> = found
        .iter()
        .map(name_of)
        .filter(|n| !stored.contains_key(n))
        .collect();
    let extra: Vec<String> = stored
        .keys()
        .filter(|k| !found.iter().any(|f| &name_of(f) == *k))
        .cloned()
        .collect();
    if !missing.is_empty() || !extra.is_empty() {
        let list = |v: &[String]| {
            v.iter()
                .map(|n| format!("'{n}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(format!("{path} lacks {}", list(&missing)));
        }
        if !extra.is_empty() {
            parts.push(format!("the model has no {}", list(&extra)));
        }
        return Err(a.err(
            format!("load(): the names do not match: {}", parts.join("; ")),
            span,
            "loading into this model",
        ));
    }
    for f in &found {
        let Some(arr) = stored.get(&name_of(f)) else {
            continue;
        };
        if arr.shape() != f.tensor.shape().as_slice() {
            return Err(a.err(
                format!(
                    "load(): '{}' is stored with shape {} but the model's tensor has shape {}",
                    name_of(f),
                    crate::display::fmt_shape(arr.shape()),
                    crate::display::fmt_shape(&f.tensor.shape())
                ),
                span,
                "loading into this model",
            ));
        }
    }
    // In place, without recording (as load_state_dict under no_grad): a graph that
    // saved the old values keeps them.
    for f in &found {
        if let Some(arr) = stored.remove(&name_of(f)) {
            f.tensor.replace_data(arr);
        }
    }
    Ok(Value::None)
}
