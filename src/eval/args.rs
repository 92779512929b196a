//! The arguments of a builtin call, with checked accessors whose errors name the
//! builtin, the argument and what it accepts.

use super::errors::type_error;
use super::{Eval, Flow, Value};
use crate::autodiff::shape::normalize_axis;
use crate::autodiff::Tensor;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use std::rc::Rc;

pub struct Args {
    pub name: &'static str,
    /// The whole call expression.
    pub call: Span,
    pub pos: Vec<(Value, Span)>,
    pub kw: Vec<(Rc<str>, Value, Span)>,
}

impl Args {
    pub fn err(&self, message: impl Into<String>, span: Span, label: impl Into<String>) -> Flow {
        Flow::from(Diagnostic::error(message).with_label(span, label))
    }

    /// Checks the number of positional arguments and the keyword names.
    pub fn expect(&self, min: usize, max: usize, keywords: &[&str]) -> Eval<()> {
        if self.pos.len() < min {
            let what = if min == max {
                format!("{min}")
            } else {
                format!("at least {min}")
            };
            let missing = self.parameter(self.pos.len());
            let label = match &missing {
                Some(p) => format!("argument '{p}' is missing"),
                None => "missing arguments".to_string(),
            };
            let mut d = Diagnostic::error(format!(
                "{}() takes {what} argument{}; found {}",
                self.name,
                if min == 1 { "" } else { "s" },
                self.pos.len()
            ))
            .with_label(self.call, label);
            if let Some(b) = super::builtins::lookup(self.name) {
                d = d.with_hint(format!("usage: {}", b.signature));
            }
            return Err(Flow::from(d));
        }
        if self.pos.len() > max {
            let span = self.pos[max].1;
            return Err(self.err(
                format!(
                    "{}() takes at most {max} positional argument{}; found {}",
                    self.name,
                    if max == 1 { "" } else { "s" },
                    self.pos.len()
                ),
                span,
                "unexpected argument",
            ));
        }
        for (k, _, span) in &self.kw {
            if !keywords.contains(&k.as_ref()) {
                let accepted = if keywords.is_empty() {
                    "no keyword arguments".to_string()
                } else {
                    keywords.join(", ")
                };
                return Err(Flow::from(
                    Diagnostic::error(format!("{}() has no argument named '{k}'", self.name))
                        .with_label(*span, "unknown keyword")
                        .with_hint(format!("{}() accepts {accepted}", self.name)),
                ));
            }
        }
        Ok(())
    }

    /// The name of positional parameter `i`, read from the builtin's signature
    /// (`reshape(x, shape)` → `shape` for 1).
    fn parameter(&self, i: usize) -> Option<String> {
        let sig = super::builtins::lookup(self.name)?.signature;
        let inside = sig.split_once('(')?.1.split_once(')')?.0;
        let p = inside.split(',').nth(i)?.trim();
        let p = p.split('=').next()?.trim();
        (!p.is_empty() && p != "..." && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .then(|| p.to_string())
    }

    /// Positional argument `i`, or the keyword `name`.
    pub fn get(&self, i: usize, name: &str) -> Option<(&Value, Span)> {
        if let Some((v, s)) = self.pos.get(i) {
            return Some((v, *s));
        }
        self.keyword(name)
    }

    pub fn keyword(&self, name: &str) -> Option<(&Value, Span)> {
        self.kw
            .iter()
            .find(|(k, _, _)| k.as_ref() == name)
            .map(|(_, v, s)| (v, *s))
    }

    pub fn required(&self, i: usize, name: &str) -> Eval<(&Value, Span)> {
        self.get(i, name).ok_or_else(|| {
            self.err(
                format!("{}() is missing its argument '{name}'", self.name),
                self.call,
                format!("'{name}' is required"),
            )
        })
    }

    /// A tensor argument; a number is taken as a 0-d tensor.
    pub fn tensor(&self, i: usize, name: &str) -> Eval<Tensor> {
        let (v, span) = self.required(i, name)?;
        to_tensor(v).ok_or_else(|| {
            Flow::from(type_error(
                &format!("{}() argument '{name}'", self.name),
                "a tensor or a number",
                v.type_name(),
                span,
            ))
        })
    }

    pub fn number(&self, i: usize, name: &str) -> Eval<f64> {
        let (v, span) = self.required(i, name)?;
        to_number(v).ok_or_else(|| {
            Flow::from(type_error(
                &format!("{}() argument '{name}'", self.name),
                "a number",
                v.type_name(),
                span,
            ))
        })
    }

    pub fn number_or(&self, i: usize, name: &str, default: f64) -> Eval<f64> {
        match self.get(i, name) {
            None | Some((Value::None, _)) => Ok(default),
            Some(_) => self.number(i, name),
        }
    }

    pub fn optional_number(&self, i: usize, name: &str) -> Eval<Option<f64>> {
        match self.get(i, name) {
            None | Some((Value::None, _)) => Ok(None),
            Some(_) => self.number(i, name).map(Some),
        }
    }

    pub fn flag(&self, name: &str, default: bool) -> Eval<bool> {
        match self.keyword(name) {
            None => Ok(default),
            Some((Value::Bool(b), _)) => Ok(*b),
            Some((Value::Num(n), _)) => Ok(*n != 0.0),
            Some((v, span)) => Err(Flow::from(type_error(
                &format!("{}() argument '{name}'", self.name),
                "true or false",
                v.type_name(),
                span,
            ))),
        }
    }

    /// A whole number (a count or an index).
    pub fn integer(&self, i: usize, name: &str) -> Eval<i64> {
        let n = self.number(i, name)?;
        let span = self.get(i, name).map(|(_, s)| s).unwrap_or(self.call);
        as_integer(n).ok_or_else(|| {
            self.err(
                format!(
                    "{}() argument '{name}' must be a whole number; found {n}",
                    self.name
                ),
                span,
                "not a whole number",
            )
        })
    }

    /// An optional axis, made non-negative for a tensor of `ndim` dimensions.
    pub fn axis(&self, i: usize, name: &str, ndim: usize) -> Eval<Option<usize>> {
        match self.get(i, name) {
            None | Some((Value::None, _)) => Ok(None),
            Some((_, span)) => {
                let a = self.integer(i, name)?;
                normalize_axis(a, ndim).map(Some).map_err(|e| {
                    self.err(
                        format!("{}(): {}", self.name, e.message()),
                        span,
                        "bad axis",
                    )
                })
            }
        }
    }

    /// A shape given as several numbers from position `from`, or as one tuple
    /// (`ones(2, 3)`, `ones((2, 3))`, `ones(x.shape)`).
    pub fn shape(&self, from: usize) -> Eval<Vec<usize>> {
        let items: Vec<(Value, Span)> = match self.pos.get(from) {
            Some((Value::Tuple(t), s)) if self.pos.len() == from + 1 => {
                t.iter().map(|v| (v.clone(), *s)).collect()
            }
            _ => self.pos[from.min(self.pos.len())..].to_vec(),
        };
        items
            .iter()
            .map(|(v, s)| {
                let n = to_number(v).ok_or_else(|| {
                    Flow::from(type_error(
                        &format!("{}() shape", self.name),
                        "whole numbers",
                        v.type_name(),
                        *s,
                    ))
                })?;
                match as_integer(n) {
                    Some(k) if k >= 0 => Ok(k as usize),
                    _ => Err(self.err(
                        format!(
                            "{}(): a size must be a whole number >= 0; found {n}",
                            self.name
                        ),
                        *s,
                        "not a valid size",
                    )),
                }
            })
            .collect()
    }

    /// The tensors of `f(a, b, c)` or `f((a, b, c))`.
    pub fn tensor_list(&self) -> Eval<Vec<(Tensor, Span)>> {
        let items: Vec<(Value, Span)> = match self.pos.as_slice() {
            [(Value::Tuple(t), s)] => t.iter().map(|v| (v.clone(), *s)).collect(),
            other => other.to_vec(),
        };
        items
            .into_iter()
            .map(|(v, s)| match to_tensor(&v) {
                Some(t) => Ok((t, s)),
                None => Err(Flow::from(type_error(
                    &format!("{}()", self.name),
                    "tensors",
                    v.type_name(),
                    s,
                ))),
            })
            .collect()
    }
}

pub fn to_tensor(v: &Value) -> Option<Tensor> {
    match v {
        Value::Tensor(t) => Some(t.clone()),
        Value::Num(n) => Some(Tensor::scalar(*n)),
        Value::Bool(b) => Some(Tensor::scalar(if *b { 1.0 } else { 0.0 })),
        _ => None,
    }
}

pub fn to_number(v: &Value) -> Option<f64> {
    match v {
        Value::Num(n) => Some(*n),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

pub fn as_integer(n: f64) -> Option<i64> {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.0e15 {
        Some(n as i64)
    } else {
        None
    }
}
