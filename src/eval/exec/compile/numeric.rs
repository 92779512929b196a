//! Arithmetic and comparisons on numbers read in place. An operand tree made only
//! of number literals, variables read from a slot and arithmetic operators
//! (`s + i * 0.5 - (i % 7)`, `n - 1`, `i < n`) is compiled a second time as code
//! giving an `f64` (`None` when an operand holds anything but a number), with no
//! `Value` made, cloned or dropped on the way. Number arithmetic never fails and
//! reads have no effects, so when the numeric code gives `None` the general code
//! runs from the start and does what it always did (errors, tensors, warnings).

use super::{Compiler, CondCode, ExprCode, StmtCode};
use crate::eval::exec::operators::{num_arith, num_binary};
use crate::eval::exec::statements::is_true;
use crate::eval::exec::{Place, Scope};
use crate::eval::{Interpreter, Value};
use crate::syntax::ast::{BinOp, Expr, ExprKind, UnOp};

/// Runs `$body` with `$a` and `$b` bound to the [`NumLeaf`]s of the operands `$l`
/// and `$r`, one copy of `$body` per pair of kinds.
macro_rules! with_nums {
    ($l:expr, $r:expr, |$a:ident, $b:ident| $body:expr) => {{
        macro_rules! right {
            ($left:expr) => {
                match $r {
                    Num::Local(y) => {
                        let ($a, $b) = ($left, LocalNum(y));
                        $body
                    }
                    Num::Global(y) => {
                        let ($a, $b) = ($left, GlobalNum(y));
                        $body
                    }
                    Num::Const(y) => {
                        let ($a, $b) = ($left, ConstNum(y));
                        $body
                    }
                    Num::Tree(y) => {
                        let ($a, $b) = ($left, TreeNum(y));
                        $body
                    }
                }
            };
        }
        match $l {
            Num::Local(x) => right!(LocalNum(x)),
            Num::Global(x) => right!(GlobalNum(x)),
            Num::Const(x) => right!(ConstNum(x)),
            Num::Tree(x) => right!(TreeNum(x)),
        }
    }};
}

/// Compiled arithmetic giving a number, `None` when an operand holds no number.
pub(super) type NumCode = Box<dyn Fn(&Interpreter, &Scope) -> Option<f64>>;

/// How deep an operand tree is compiled as numeric code (deeper trees keep only
/// their general code; this also bounds the compiler's recursion here).
const NUM_DEPTH: usize = 8;

/// An operand read as a number: a variable's slot, a constant, or arithmetic.
enum Num {
    Local(u32),
    Global(u32),
    Const(f64),
    Tree(NumCode),
}

/// A [`Num`] as a type, so that code reading two of them is made for the kinds
/// it reads (no match on the kind when it runs).
trait NumLeaf: 'static {
    /// The number it gives; `None` when an operand holds anything else (or is
    /// unbound), and the caller takes the general path.
    fn num(&self, interp: &Interpreter, scope: &Scope) -> Option<f64>;
}

struct LocalNum(u32);
struct GlobalNum(u32);
struct ConstNum(f64);
struct TreeNum(NumCode);

impl NumLeaf for LocalNum {
    #[inline(always)]
    fn num(&self, _: &Interpreter, scope: &Scope) -> Option<f64> {
        scope.as_ref()?.num(self.0)
    }
}

impl NumLeaf for GlobalNum {
    #[inline(always)]
    fn num(&self, interp: &Interpreter, _: &Scope) -> Option<f64> {
        interp.globals.num(self.0)
    }
}

impl NumLeaf for ConstNum {
    #[inline(always)]
    fn num(&self, _: &Interpreter, _: &Scope) -> Option<f64> {
        Some(self.0)
    }
}

impl NumLeaf for TreeNum {
    #[inline(always)]
    fn num(&self, interp: &Interpreter, scope: &Scope) -> Option<f64> {
        (self.0)(interp, scope)
    }
}

/// `a op b` for a comparison of two numbers; `None` for other operators.
#[inline(always)]
pub(super) fn num_compare(op: BinOp, a: f64, b: f64) -> Option<bool> {
    Some(match op {
        BinOp::Eq => a == b,
        BinOp::Ne => a != b,
        BinOp::Lt => a < b,
        BinOp::Le => a <= b,
        BinOp::Gt => a > b,
        BinOp::Ge => a >= b,
        _ => return None,
    })
}

impl Compiler<'_> {
    /// `e` as a number read in place, if it is a literal, a variable in a slot, or
    /// arithmetic of those at most `depth` levels deep.
    fn num(&mut self, e: &Expr, depth: usize) -> Option<Num> {
        match &e.kind {
            ExprKind::Number(n) => Some(Num::Const(*n)),
            // Traced reads go through their own code (see `traced`).
            ExprKind::Name(_) if self.resolved.tracing() => None,
            ExprKind::Name(n) => match self.place(e.span, n) {
                Place::Local(slot) => Some(Num::Local(slot)),
                Place::Global(slot) => Some(Num::Global(slot)),
                _ => None,
            },
            ExprKind::Unary {
                op: UnOp::Neg,
                operand,
            } if depth > 0 => {
                let x = self.num(operand, depth - 1)?;
                Some(Num::Tree(match x {
                    Num::Local(x) => Box::new(move |i, s| Some(-LocalNum(x).num(i, s)?)),
                    Num::Global(x) => Box::new(move |i, s| Some(-GlobalNum(x).num(i, s)?)),
                    Num::Const(x) => Box::new(move |_, _| Some(-x)),
                    Num::Tree(x) => Box::new(move |i, s| Some(-x(i, s)?)),
                }))
            }
            ExprKind::Binary { op, operands }
                if depth > 0 && num_arith(*op, 0.0, 0.0).is_some() =>
            {
                let [lhs, rhs] = &**operands;
                let op = *op;
                let l = self.num(lhs, depth - 1)?;
                let r = self.num(rhs, depth - 1)?;
                Some(Num::Tree(with_nums!(l, r, |a, b| {
                    Box::new(move |i, s| num_arith(op, a.num(i, s)?, b.num(i, s)?))
                })))
            }
            _ => None,
        }
    }

    /// The numeric code of the arithmetic `e` (not of a lone literal or variable).
    pub(super) fn num_code(&mut self, e: &Expr) -> Option<NumCode> {
        match self.num(e, NUM_DEPTH)? {
            Num::Tree(code) => Some(code),
            _ => None,
        }
    }

    /// The numeric code of `e`, a literal, a variable or arithmetic (a call's
    /// argument).
    pub(super) fn num_arg(&mut self, e: &Expr) -> Option<NumCode> {
        Some(match self.num(e, NUM_DEPTH)? {
            Num::Local(x) => Box::new(move |i, s| LocalNum(x).num(i, s)),
            Num::Global(x) => Box::new(move |i, s| GlobalNum(x).num(i, s)),
            Num::Const(x) => Box::new(move |_, _| Some(x)),
            Num::Tree(code) => code,
        })
    }

    /// `lhs op rhs` (an arithmetic or comparison operator) whose `generic` code is
    /// compiled: on numbers read in place when both operands are such.
    pub(super) fn fast_binary(
        &mut self,
        op: BinOp,
        lhs: &Expr,
        rhs: &Expr,
        generic: ExprCode,
    ) -> ExprCode {
        let Some((l, r)) = self.num_pair(lhs, rhs) else {
            return generic;
        };
        with_nums!(l, r, |a, b| Box::new(move |i, s| {
            // Nothing cloned, nothing dropped.
            if let (Some(x), Some(y)) = (a.num(i, s), b.num(i, s)) {
                if let Some(v) = num_binary(op, x, y) {
                    return Ok(v);
                }
            }
            generic(i, s)
        }))
    }

    fn num_pair(&mut self, lhs: &Expr, rhs: &Expr) -> Option<(Num, Num)> {
        let l = self.num(lhs, NUM_DEPTH)?;
        let r = self.num(rhs, NUM_DEPTH)?;
        Some((l, r))
    }

    /// A condition (of `if` or `while`): its truth, a comparison of two numbers
    /// read in place when it is one.
    pub(super) fn cond(&mut self, e: &Expr) -> CondCode {
        let span = e.span;
        if let ExprKind::Binary { op, operands } = &e.kind {
            let [lhs, rhs] = &**operands;
            if num_compare(*op, 0.0, 0.0).is_some() {
                if let Some((l, r)) = self.num_pair(lhs, rhs) {
                    let op = *op;
                    let generic = self.binary(op, lhs, rhs, span);
                    return with_nums!(l, r, |a, b| Box::new(move |i, s| {
                        if let (Some(x), Some(y)) = (a.num(i, s), b.num(i, s)) {
                            if let Some(t) = num_compare(op, x, y) {
                                return Ok(t);
                            }
                        }
                        let v = generic(i, s)?;
                        is_true(&v, span)
                    }));
                }
            }
        }
        let c = self.expr(e);
        Box::new(move |i, s| match c(i, s)? {
            Value::Bool(b) => Ok(b),
            other => is_true(&other, span),
        })
    }

    /// `name = value` where `value` is arithmetic with numeric code `num`, to slot
    /// `place`: the number stored without a `Value` passed back; else `general`.
    pub(super) fn num_assign(
        &mut self,
        num: NumCode,
        place: Place,
        in_fn: bool,
        general: StmtCode,
    ) -> StmtCode {
        match place {
            Place::Local(slot) if in_fn => Box::new(move |i, s| {
                if let Some(env) = s {
                    if let Some(x) = num(i, s) {
                        env.set_num(slot, x);
                        return Ok(());
                    }
                }
                general(i, s)
            }),
            Place::Global(slot) => Box::new(move |i, s| {
                if s.is_none() {
                    if let Some(x) = num(i, s) {
                        i.globals.set_num(slot, x);
                        return Ok(());
                    }
                }
                general(i, s)
            }),
            _ => general,
        }
    }
}
