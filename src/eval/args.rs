//! The arguments of a builtin call, with checked accessors whose errors name the
//! builtin, the argument and what it accepts.

use super::errors::{closest, wrong_type};
use super::value::{Builtin, Param, ParamDefault, Pass};
use super::{Eval, Flow, Value};
use crate::autodiff::shape::normalize_axis;
use crate::autodiff::Tensor;
use crate::diagnostic::Diagnostic;
use crate::display::count;
use crate::source::Span;
use std::rc::Rc;

pub struct Args {
    pub name: &'static str,
    /// The builtin's row: what it accepts, and the defaults.
    pub builtin: &'static Builtin,
    /// The whole call expression.
    pub call: Span,
    pub pos: Vec<(Value, Span)>,
    pub kw: Vec<(Rc<str>, Value, Span)>,
}

impl Args {
    pub fn new(
        builtin: &'static Builtin,
        call: Span,
        pos: Vec<(Value, Span)>,
        kw: Vec<(Rc<str>, Value, Span)>,
    ) -> Args {
        Args {
            name: builtin.name,
            builtin,
            call,
            pos,
            kw,
        }
    }

    pub fn err(&self, message: impl Into<String>, span: Span, label: impl Into<String>) -> Flow {
        Flow::from(Diagnostic::error(message).with_label(span, label))
    }

    /// An error whose message ends with a tensor's shape: `message` then ` [2, 3]`.
    pub fn shape_err(&self, message: &str, shape: &[usize], span: Span, label: &str) -> Flow {
        self.err(
            format!("{message} {}", crate::display::fmt_shape(shape)),
            span,
            label,
        )
    }

    /// Checks the call against the builtin's row: the number of positional
    /// arguments, the keyword names, and that every required parameter has a value.
    pub fn check(&self) -> Eval<()> {
        if self.kw.is_empty() && self.fits_positionally() {
            return Ok(());
        }
        let params = self.builtin.params;
        let positional = params.iter().filter(|p| p.pass == Pass::Positional).count();
        let rest = params.iter().find(|p| p.pass == Pass::Rest);
        if rest.is_none() && self.pos.len() > positional {
            let span = self.pos[positional].1;
            return Err(Flow::from(
                Diagnostic::error(format!(
                    "{}() takes at most {}; found {}",
                    self.name,
                    count(positional, "positional argument"),
                    self.pos.len()
                ))
                .with_label(span, "unexpected argument")
                .with_hint(self.usage()),
            ));
        }
        let any_keyword = params.iter().any(|p| p.pass == Pass::KeywordRest);
        for (i, (k, _, span)) in self.kw.iter().enumerate() {
            let Some(index) = params.iter().position(|p| {
                p.name == k.as_ref() && !matches!(p.pass, Pass::Rest | Pass::KeywordRest)
            }) else {
                if any_keyword {
                    if self.kw[..i].iter().any(|(j, _, _)| j == k) {
                        return Err(self.err(
                            format!("{}() got two values for '{k}'", self.name),
                            *span,
                            "given again here",
                        ));
                    }
                    continue;
                }
                let accepted: Vec<&str> = params
                    .iter()
                    .filter(|p| p.pass != Pass::Rest)
                    .map(|p| p.name)
                    .collect();
                let mut d =
                    Diagnostic::error(format!("{}() has no argument named '{k}'", self.name))
                        .with_label(*span, "unknown keyword");
                d = d.with_hint(match closest(k, accepted.iter().copied()) {
                    Some(c) => format!("did you mean '{c}'? usage: {}", self.builtin.signature()),
                    None => self.usage(),
                });
                return Err(Flow::from(d));
            };
            let twice = self.kw[..i].iter().any(|(j, _, _)| j == k)
                || (params[index].pass == Pass::Positional && index < self.pos.len());
            if twice {
                return Err(self.err(
                    format!("{}() got two values for '{k}'", self.name),
                    *span,
                    "given again here",
                ));
            }
        }
        let required_positional = params
            .iter()
            .take_while(|p| p.pass == Pass::Positional)
            .filter(|p| p.default == ParamDefault::Required)
            .count();
        for (i, p) in params.iter().enumerate() {
            let missing = match (p.pass, p.default) {
                (Pass::Rest, ParamDefault::Required) => self.pos.len() <= positional,
                (_, ParamDefault::Required) => {
                    i >= self.pos.len() && self.keyword(p.name).is_none()
                }
                _ => false,
            };
            if missing {
                let min = required_positional + usize::from(p.pass == Pass::Rest);
                let what = if rest.is_none() && min == positional {
                    format!("{min}")
                } else {
                    format!("at least {min}")
                };
                return Err(Flow::from(
                    Diagnostic::error(format!(
                        "{}() takes {what} {}; found {}",
                        self.name,
                        if min == 1 { "argument" } else { "arguments" },
                        self.pos.len()
                    ))
                    .with_label(self.call, format!("argument '{}' is missing", p.name))
                    .with_hint(self.usage()),
                ));
            }
        }
        Ok(())
    }

    /// A call without keywords that `check` accepts, found in one pass over
    /// the row: not too many positional arguments, and every required
    /// parameter given. `false` sends the call through `check`'s own tests,
    /// which find the error to report.
    fn fits_positionally(&self) -> bool {
        let given = self.pos.len();
        let (mut positional, mut rest, mut rest_required) = (0, false, false);
        for (i, p) in self.builtin.params.iter().enumerate() {
            let required = p.default == ParamDefault::Required;
            match p.pass {
                Pass::Positional => positional += 1,
                Pass::Rest => {
                    rest = true;
                    rest_required |= required;
                }
                Pass::Keyword | Pass::KeywordRest => {}
            }
            if required && p.pass != Pass::Rest && i >= given {
                return false;
            }
        }
        (rest || given <= positional) && !(rest_required && given <= positional)
    }

    fn usage(&self) -> String {
        format!("usage: {}", self.builtin.signature())
    }

    /// The row's parameter `name`; a body that reads a name its row does not
    /// declare is a bug in the table (tests run with debug assertions).
    fn declared(&self, name: &str) -> Option<&'static Param> {
        let p = self.builtin.param(name);
        debug_assert!(
            p.is_some(),
            "{}() reads '{name}', which its row does not declare",
            self.name
        );
        p
    }

    /// Positional argument `i`, or the keyword `name`.
    pub fn get(&self, i: usize, name: &str) -> Option<(&Value, Span)> {
        if cfg!(debug_assertions) {
            self.declared(name);
        }
        if let Some((v, s)) = self.pos.get(i) {
            return Some((v, *s));
        }
        self.keyword(name)
    }

    pub fn keyword(&self, name: &str) -> Option<(&Value, Span)> {
        // The check of the name against the row is for debug builds (it only
        // asserts); a release build skips the lookup.
        if cfg!(debug_assertions) {
            self.declared(name);
        }
        if self.kw.is_empty() {
            return None;
        }
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

    /// A required argument that `pick` takes (with its span), or the error that it
    /// expects `expected` ("a tensor", "a string", ...).
    pub fn typed<'a, T>(
        &'a self,
        i: usize,
        name: &str,
        expected: &str,
        pick: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Eval<(T, Span)> {
        let (v, span) = self.required(i, name)?;
        match pick(v) {
            Some(t) => Ok((t, span)),
            None => Err(wrong_type(
                &format!("{}() argument '{name}'", self.name),
                expected,
                v,
                span,
            )),
        }
    }

    /// A tensor argument; a number is taken as a 0-d tensor.
    pub fn tensor(&self, i: usize, name: &str) -> Eval<Tensor> {
        Ok(self.typed(i, name, "a tensor or a number", to_tensor)?.0)
    }

    pub fn number(&self, i: usize, name: &str) -> Eval<f64> {
        Ok(self.typed(i, name, "a number", to_number)?.0)
    }

    /// `(start, end, step)` of `range` and `arange`: `f(end)`, `f(start, end)` or
    /// `f(start, end, step)`, `start` 0 and `step` the row's default when left out.
    pub fn range(&self) -> Eval<(f64, f64, f64)> {
        let (start, end) = if self.pos.len() == 1 {
            (0.0, self.number(0, "end")?)
        } else {
            (self.number(0, "start")?, self.number(1, "end")?)
        };
        Ok((start, end, self.number_or(2, "step")?))
    }

    /// A number, or the row's default when left out.
    pub fn number_or(&self, i: usize, name: &str) -> Eval<f64> {
        match self.get(i, name) {
            None | Some((Value::None, _)) => match self.declared(name).map(|p| p.default) {
                Some(ParamDefault::Num(n)) => Ok(n),
                _ => Ok(f64::NAN),
            },
            Some(_) => self.number(i, name),
        }
    }

    pub fn optional_number(&self, i: usize, name: &str) -> Eval<Option<f64>> {
        match self.get(i, name) {
            None | Some((Value::None, _)) => Ok(None),
            Some(_) => self.number(i, name).map(Some),
        }
    }

    /// A keyword flag, or the row's default (false unless it says true).
    pub fn flag(&self, name: &str) -> Eval<bool> {
        match self.keyword(name) {
            None => Ok(self.declared(name).map(|p| p.default) == Some(ParamDefault::Bool(true))),
            Some((Value::Bool(b), _)) => Ok(*b),
            Some((Value::Num(n), _)) => Ok(*n != 0.0),
            Some((v, span)) => Err(wrong_type(
                &format!("{}() argument '{name}'", self.name),
                "true or false",
                v,
                span,
            )),
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
                    wrong_type(&format!("{}() shape", self.name), "whole numbers", v, *s)
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
                None => Err(wrong_type(&format!("{}()", self.name), "tensors", &v, s)),
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
