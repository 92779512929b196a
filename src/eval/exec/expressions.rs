//! What compiled expressions do once their operands are evaluated: `not`, `-`,
//! tensor literals.

use crate::autodiff::elementwise as ew;
use crate::autodiff::{shape_ops, span_scope, Tensor};
use crate::diagnostic::Diagnostic;
use crate::display::fmt_shape;
use crate::eval::args::to_tensor;
use crate::eval::errors::{tensor_error, type_error, wrong_type};
use crate::eval::value::truthy;
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::source::Span;
use crate::syntax::ast::UnOp;
use ndarray::{ArrayD, IxDyn};

impl Interpreter {
    /// `not v` and `-v`.
    pub(super) fn unary(&mut self, op: UnOp, v: Value, span: Span, operand: Span) -> Eval<Value> {
        Ok(match op {
            UnOp::Not => Value::Bool(!truthy(&v, operand)?),
            UnOp::Neg => match v {
                Value::Num(n) => Value::Num(-n),
                Value::Tensor(t) => {
                    let _span = span_scope(span);
                    Value::Tensor(ew::neg(&t))
                }
                other => {
                    return Err(wrong_type(
                        "negation",
                        "a number or a tensor",
                        &other,
                        operand,
                    ))
                }
            },
        })
    }

    /// `[a, b, c]` once its items are evaluated: numbers and tensors of equal
    /// shape, stacked on a new first axis.
    pub(super) fn tensor_literal(&mut self, vals: Vec<(Value, Span)>, span: Span) -> Eval<Value> {
        if vals.iter().all(|(v, _)| matches!(v, Value::Num(_))) {
            let data: Vec<f64> = vals
                .iter()
                .map(|(v, _)| if let Value::Num(n) = v { *n } else { 0.0 })
                .collect();
            let arr = ArrayD::from_shape_vec(IxDyn(&[data.len()]), data).map_err(|e| {
                Flow::from(Diagnostic::error(e.to_string()).with_label(span, "here"))
            })?;
            return Ok(Value::Tensor(Tensor::constant(arr)));
        }
        // Objects never stack: a bracket literal of them can only mean a list (as
        // the conformance suite writes `self.layers = [Layer(2, 3), Layer(3, 1)]`).
        if !vals.is_empty() && vals.iter().all(|(v, _)| matches!(v, Value::Object(_))) {
            let items = vals.into_iter().map(|(v, _)| v).collect();
            return Ok(Value::List(crate::eval::value::List::new(items)));
        }
        // A bracket literal stacks; values that do not stack were meant as a
        // collection: the hint spells it as a tuple and as a list (SPEC §19).
        let spelled = || {
            let items: Vec<&str> = vals.iter().map(|(_, s)| self.sources.slice(*s)).collect();
            let inner = match items.as_slice() {
                [one] => format!("{one},"),
                _ => items.join(", "),
            };
            format!(
                "a bracket literal stacks numbers and tensors of one shape into a tensor; to keep the values side by side write a tuple ({inner}) or a list list(({inner}))"
            )
        };
        let mut tensors = Vec::with_capacity(vals.len());
        let mut first_shape: Option<(Vec<usize>, Span)> = None;
        for (v, s) in &vals {
            let t = to_tensor(v).ok_or_else(|| {
                Flow::from(
                    type_error("a tensor literal", "numbers and tensors", v.type_name(), *s)
                        .with_hint(spelled()),
                )
            })?;
            let shape = t.shape();
            match &first_shape {
                None => first_shape = Some((shape, *s)),
                Some((fs, fspan)) if *fs != shape => {
                    return Err(Flow::from(
                        Diagnostic::error(format!(
                            "elements of a tensor literal must have equal shapes; found {} and {}",
                            fmt_shape(fs),
                            fmt_shape(&shape)
                        ))
                        .with_label(*fspan, format!("this has shape {}", fmt_shape(fs)))
                        .with_label(*s, format!("this has shape {}", fmt_shape(&shape)))
                        .with_hint(spelled()),
                    ))
                }
                _ => {}
            }
            tensors.push(t);
        }
        let _span = span_scope(span);
        let r =
            shape_ops::stack(&tensors, 0).map_err(|e| Flow::from(tensor_error(e, span, &[])))?;
        Ok(Value::Tensor(if r.requires_grad() {
            r
        } else {
            Tensor::constant_rc(r.data())
        }))
    }
}
