//! Binary operators: numbers stay numbers; tensors record their op.

use crate::autodiff::elementwise as ew;
use crate::autodiff::scalar;
use crate::autodiff::{linalg, span_scope, Tensor};
use crate::diagnostic::Diagnostic;
use crate::eval::args::to_tensor;
use crate::eval::errors::tensor_error;
use crate::eval::value::values_equal;
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::source::Span;
use crate::syntax::ast::BinOp;

/// Arithmetic and comparisons of two numbers (`None` for `@`, `and`, `or`): the
/// evaluator's fast path, inlined where operators are evaluated.
#[inline(always)]
pub(super) fn num_binary(op: BinOp, a: f64, b: f64) -> Option<Value> {
    if let Some(n) = num_arith(op, a, b) {
        return Some(Value::Num(n));
    }
    Some(match op {
        BinOp::Eq => Value::Bool(a == b),
        BinOp::Ne => Value::Bool(a != b),
        BinOp::Lt => Value::Bool(a < b),
        BinOp::Le => Value::Bool(a <= b),
        BinOp::Gt => Value::Bool(a > b),
        BinOp::Ge => Value::Bool(a >= b),
        BinOp::Is => Value::Bool(a == b),
        BinOp::IsNot => Value::Bool(a != b),
        BinOp::Add
        | BinOp::Sub
        | BinOp::Mul
        | BinOp::Div
        | BinOp::Rem
        | BinOp::FloorDiv
        | BinOp::Pow
        | BinOp::MatMul
        | BinOp::And
        | BinOp::Or
        | BinOp::In
        | BinOp::NotIn => return None,
    })
}

/// Arithmetic of two numbers (`None` for every other operator): never an error.
#[inline(always)]
pub(super) fn num_arith(op: BinOp, a: f64, b: f64) -> Option<f64> {
    Some(match op {
        BinOp::Add => scalar::add(a, b),
        BinOp::Sub => scalar::sub(a, b),
        BinOp::Mul => scalar::mul(a, b),
        BinOp::Div => scalar::div(a, b),
        BinOp::Rem => num_rem(a, b),
        BinOp::FloorDiv => scalar::floor_div(a, b),
        BinOp::Pow => scalar::pow_scalar(a, b),
        _ => return None,
    })
}

/// `a % b`: for whole numbers `0 <= a` and `0 < b` (below 2^53, so exact) the
/// integer remainder, which is what `fmod` gives there and much cheaper; else
/// the kernel's.
#[inline]
fn num_rem(a: f64, b: f64) -> f64 {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if a.is_sign_positive() && b > 0.0 && a < EXACT && b < EXACT {
        let (i, j) = (a as i64, b as i64);
        if i as f64 == a && j as f64 == b {
            return (i % j) as f64;
        }
    }
    scalar::rem(a, b)
}

impl Interpreter {
    /// Arithmetic and comparisons: numbers stay numbers; a number meeting a
    /// tensor acts as a 0-d tensor.
    pub(crate) fn binary(
        &mut self,
        op: BinOp,
        l: Value,
        r: Value,
        span: Span,
        lspan: Span,
        rspan: Span,
    ) -> Eval<Value> {
        match op {
            BinOp::In | BinOp::NotIn => {
                let found = self.contains(&r, &l, span, lspan, rspan)?;
                return Ok(Value::Bool(found == (op == BinOp::In)));
            }
            BinOp::Is | BinOp::IsNot => {
                return Ok(Value::Bool(identical(&l, &r) == (op == BinOp::Is)));
            }
            _ => {}
        }
        if let (Value::Num(a), Value::Num(b)) = (&l, &r) {
            let (a, b) = (*a, *b);
            if let Some(v) = num_binary(op, a, b) {
                return Ok(v);
            }
            return Ok(match op {
                BinOp::MatMul => {
                    return Err(Flow::from(
                        Diagnostic::error(
                            "@ needs tensors of at least 1 dimension; found two numbers",
                        )
                        .with_label(span, "a matrix product of numbers"),
                    ))
                }
                _ => Value::Bool(false),
            });
        }
        let tensor_like = |v: &Value| matches!(v, Value::Tensor(_) | Value::Num(_));
        if !(tensor_like(&l) && tensor_like(&r)) {
            return match (op, &l, &r) {
                (BinOp::Add, Value::Str(a), Value::Str(b)) => {
                    Ok(Value::Str(format!("{a}{b}").into()))
                }
                (BinOp::Add, Value::List(a), Value::List(b)) => {
                    let mut items = a.items();
                    items.extend(b.items());
                    Ok(Value::List(crate::eval::value::List::new(items)))
                }
                (BinOp::Add, Value::Tuple(a), Value::Tuple(b)) => {
                    let mut items = a.to_vec();
                    items.extend(b.iter().cloned());
                    Ok(Value::Tuple(items.into()))
                }
                (BinOp::Mul, Value::Str(_) | Value::List(_) | Value::Tuple(_), Value::Num(n))
                | (BinOp::Mul, Value::Num(n), Value::Str(_) | Value::List(_) | Value::Tuple(_)) => {
                    let seq = if matches!(l, Value::Num(_)) { &r } else { &l };
                    let nspan = if matches!(l, Value::Num(_)) {
                        lspan
                    } else {
                        rspan
                    };
                    repeat(seq, *n, nspan)
                }
                (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge, Value::Str(a), Value::Str(b)) => {
                    let ord = a.cmp(b);
                    Ok(Value::Bool(match op {
                        BinOp::Lt => ord.is_lt(),
                        BinOp::Le => ord.is_le(),
                        BinOp::Gt => ord.is_gt(),
                        _ => ord.is_ge(),
                    }))
                }
                _ => match op {
                    BinOp::Eq => Ok(Value::Bool(values_equal(&l, &r))),
                    BinOp::Ne => Ok(Value::Bool(!values_equal(&l, &r))),
                    _ => {
                        let mut d = Diagnostic::error(format!(
                            "unsupported operand types for {}: {} and {}",
                            op.symbol(),
                            l.type_name(),
                            r.type_name()
                        ))
                        .with_label(lspan, format!("this is a {}", l.type_name()))
                        .with_label(rspan, format!("this is a {}", r.type_name()));
                        // A none gradient: say why it is none (SPEC §21).
                        for (v, s) in [(&l, lspan), (&r, rspan)] {
                            if matches!(v, Value::None) {
                                d = self.explain_none_operand(d, s);
                                break;
                            }
                        }
                        Err(Flow::from(d))
                    }
                },
            };
        }
        // A tensor and a plain number: the number stays a number.
        let scalar_op = match (op, &l, &r) {
            (BinOp::Add, Value::Tensor(t), Value::Num(n))
            | (BinOp::Add, Value::Num(n), Value::Tensor(t)) => {
                Some((t, *n, ew::add_scalar as fn(&Tensor, f64) -> Tensor))
            }
            (BinOp::Sub, Value::Tensor(t), Value::Num(n)) => Some((t, *n, ew::sub_scalar as _)),
            (BinOp::Mul, Value::Tensor(t), Value::Num(n))
            | (BinOp::Mul, Value::Num(n), Value::Tensor(t)) => Some((t, *n, ew::mul_scalar as _)),
            (BinOp::Pow, Value::Tensor(t), Value::Num(n)) => Some((t, *n, ew::pow_scalar as _)),
            _ => None,
        };
        if let Some((t, n, f)) = scalar_op {
            let _span = span_scope(span);
            return Ok(Value::Tensor(f(t, n)));
        }
        // Two tensors are used as they are (no new handles); a number or a
        // bool beside a tensor becomes a 0-d tensor.
        let (owned_a, owned_b);
        let (a, b) = match (&l, &r) {
            (Value::Tensor(a), Value::Tensor(b)) => (a, b),
            _ => {
                let (Some(a), Some(b)) = (to_tensor(&l), to_tensor(&r)) else {
                    return Ok(Value::None);
                };
                (owned_a, owned_b) = (a, b);
                (&owned_a, &owned_b)
            }
        };
        let _span = span_scope(span);
        let result = match op {
            BinOp::Add => ew::add(a, b),
            BinOp::Sub => ew::sub(a, b),
            BinOp::Mul => ew::mul(a, b),
            BinOp::Div => ew::div(a, b),
            BinOp::Rem => ew::rem(a, b),
            BinOp::FloorDiv => ew::floor_divide(a, b),
            BinOp::Pow => ew::pow(a, b),
            BinOp::MatMul => linalg::matmul(a, b),
            BinOp::Eq => ew::compare(a, b, "==", |x, y| x == y),
            BinOp::Ne => ew::compare(a, b, "!=", |x, y| x != y),
            BinOp::Lt => ew::compare(a, b, "<", |x, y| x < y),
            BinOp::Le => ew::compare(a, b, "<=", |x, y| x <= y),
            BinOp::Gt => ew::compare(a, b, ">", |x, y| x > y),
            BinOp::Ge => ew::compare(a, b, ">=", |x, y| x >= y),
            BinOp::And | BinOp::Or | BinOp::In | BinOp::NotIn | BinOp::Is | BinOp::IsNot => {
                return Ok(Value::None)
            }
        };
        result.map(Value::Tensor).map_err(|err| {
            Flow::from(tensor_error(
                err,
                span,
                &[(lspan, a.shape()), (rspan, b.shape())],
            ))
        })
    }
}

/// `a is b`: the same object for shared values (lists, dicts, tensors, functions,
/// modules, optimizers), equal for the immutable ones (numbers, strings, bools,
/// `none`, tuples, ranges), which Python may share or not.
pub(crate) fn identical(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::List(x), Value::List(y)) => x.ptr_eq(y),
        (Value::Tensor(x), Value::Tensor(y)) => x.ptr_eq(y),
        (Value::Tensor(_), _) | (_, Value::Tensor(_)) => false,
        (Value::List(_), _) | (_, Value::List(_)) => false,
        _ => values_equal(a, b),
    }
}

/// `s * n`, `xs * n`, `t * n`: the sequence repeated `n` times (none when `n <= 0`).
fn repeat(seq: &Value, n: f64, nspan: Span) -> Eval<Value> {
    if n.fract() != 0.0 || !n.is_finite() {
        return Err(Flow::from(
            Diagnostic::error(format!(
                "a {} can only be repeated a whole number of times",
                seq.type_name()
            ))
            .with_label(
                nspan,
                format!("this is {}", crate::display::format_number(n)),
            ),
        ));
    }
    let times = n.max(0.0) as usize;
    let len = match seq {
        Value::Str(s) => s.len(),
        Value::List(l) => l.len(),
        Value::Tuple(t) => t.len(),
        _ => 0,
    };
    // An empty sequence repeated any number of times stays empty.
    let times = if len == 0 { 0 } else { times };
    if len.saturating_mul(times) > crate::autodiff::shape::element_limit() {
        return Err(Flow::from(
            Diagnostic::error(format!("this {} would be too long", seq.type_name()))
                .with_label(nspan, format!("repeated {times} times")),
        ));
    }
    Ok(match seq {
        Value::Str(s) => Value::Str(s.repeat(times).into()),
        Value::List(l) => {
            let items = l.items();
            let mut out = Vec::with_capacity(items.len() * times);
            for _ in 0..times {
                out.extend(items.iter().cloned());
            }
            Value::List(crate::eval::value::List::new(out))
        }
        Value::Tuple(t) => {
            let mut out = Vec::with_capacity(t.len() * times);
            for _ in 0..times {
                out.extend(t.iter().cloned());
            }
            Value::Tuple(out.into())
        }
        other => other.clone(),
    })
}
