//! Output and checks: print, assert, assert_close, time, gradflow (pictures: pictures.rs).

use crate::diagnostic::Diagnostic;
use crate::display::fmt_shape;
use crate::display::format_number;
use crate::eval::args::Args;
use crate::eval::value::truthy;
use crate::eval::{Eval, Flow, Interpreter, Value};
use ndarray::Dimension;

pub fn print(it: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let text = |name: &str, default: &str| match a.keyword(name) {
        None | Some((Value::None, _)) => Ok(default.to_string()),
        Some((Value::Str(s), _)) => Ok(s.to_string()),
        Some((other, span)) => Err(Flow::from(crate::eval::errors::type_error(
            &format!("print() argument '{name}'"),
            "a string",
            other.type_name(),
            span,
        ))),
    };
    let (sep, end) = (text("sep", " ")?, text("end", "\n")?);
    let mut parts: Vec<String> = Vec::with_capacity(a.pos.len());
    for (v, span) in &a.pos {
        parts.push(it.display_text(v, *span)?);
    }
    let line = format!("{}{end}", parts.join(&sep));
    it.write_out(&line)?;
    Ok(Value::None)
}

pub fn time(it: &mut Interpreter, _: &mut Args) -> Eval<Value> {
    Ok(Value::Num(it.elapsed()))
}

pub fn assert(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let (c, span) = a.required(0, "cond")?;
    if truthy(c, span)? {
        return Ok(Value::None);
    }
    let msg = match a.get(1, "message") {
        Some((v, _)) => format!("assertion failed: {}", v.to_display()),
        None => "assertion failed".to_string(),
    };
    Err(a.err(msg, span, "this is false"))
}

pub fn assert_close(_: &mut Interpreter, a: &mut Args) -> Eval<Value> {
    let x = a.tensor(0, "a")?;
    let y = a.tensor(1, "b")?;
    let atol = a.number_or(2, "atol")?;
    let rtol = a.number_or(3, "rtol")?;
    let (xs, ys) = (x.shape(), y.shape());
    if xs != ys {
        return Err(Flow::from(
            Diagnostic::error(format!(
                "assert_close failed: shapes differ, {} and {}",
                fmt_shape(&xs),
                fmt_shape(&ys)
            ))
            .with_label(
                a.required(0, "a")?.1,
                format!("this has shape {}", fmt_shape(&xs)),
            )
            .with_label(
                a.required(1, "b")?.1,
                format!("this has shape {}", fmt_shape(&ys)),
            ),
        ));
    }
    let (xd, yd) = (x.data(), y.data());
    let mut worst: Option<(f64, Vec<usize>, f64, f64)> = None;
    for ((pos, &u), &v) in xd.indexed_iter().zip(yd.iter()) {
        let diff = (u - v).abs();
        let allowed = atol + rtol * v.abs();
        let close = diff <= allowed || u == v;
        let bad = !close;
        if bad {
            let excess = if diff.is_nan() {
                f64::INFINITY
            } else {
                diff - allowed
            };
            if worst.as_ref().is_none_or(|(e, ..)| excess > *e) {
                worst = Some((excess, pos.slice().to_vec(), u, v));
            }
        }
    }
    match worst {
        None => Ok(Value::None),
        Some((_, pos, u, v)) => {
            let at = if pos.is_empty() {
                String::new()
            } else {
                format!(" at {pos:?}")
            };
            Err(Flow::from(
                Diagnostic::error(format!(
                    "assert_close failed{at}: {} vs {} (difference {}, allowed {})",
                    format_number(u),
                    format_number(v),
                    format_number((u - v).abs()),
                    format_number(atol + rtol * v.abs())
                ))
                .with_label(a.call, format!("not close{at}"))
                .with_hint(format!("both have shape {}", fmt_shape(&xs))),
            ))
        }
    }
}

pub fn gradflow(it: &mut Interpreter, _: &mut Args) -> Eval<Value> {
    let table = crate::eval::explain::gradflow(it);
    it.write_out(&table)?;
    Ok(Value::None)
}
