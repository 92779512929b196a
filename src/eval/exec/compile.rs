//! Compiles the slot-resolved AST of a function body (or of a top-level loop) to a
//! tree of Rust closures, once, so that running it is a chain of direct calls: no
//! match over node kinds, no depth bookkeeping per expression, constants and slots
//! decided at compile time, and calls of user functions into pooled frames.
//!
//! The closures do what the tree-walker does, through the same helpers
//! (`binary`, `call`, `bind_ident`, `for_loop`, …), so spans, errors and the
//! recorded tape are the same. What is rare or large (indexing, methods,
//! attributes, f-strings, literals of tensors, `import`, …) is handed back to the
//! tree-walker node by node. A body nested deeper than [`MAX_NESTING`] is not
//! compiled at all: the tree-walker guards deep nesting itself.

use super::operators::num_binary;
use super::statements::is_true;
use super::{check_interrupt, Scope, STACK_GROWTH, STACK_RED_ZONE};
use crate::diagnostic::Diagnostic;
use crate::eval::pytorch::is_foreign_module;
use crate::eval::value::{truthy, Closure, Env};
use crate::eval::{Eval, Flow, Interpreter, Value};
use crate::source::Span;
use crate::syntax::ast::{
    Arg, BinOp, Block, Expr, ExprKind, FnDecl, Ident, Index, Place, Stmt, StmtKind, UnOp, Var,
};
use std::cell::Cell;
use std::rc::Rc;

/// Runs `$body` with `$a` and `$b` bound to the [`NumLeaf`]s of the leaves `$l`
/// and `$r`, one copy of `$body` per pair of kinds.
macro_rules! with_leaves {
    ($l:expr, $r:expr, |$a:ident, $b:ident| $body:expr) => {{
        macro_rules! right {
            ($left:expr) => {
                match $r {
                    Leaf::Local(y) => {
                        let ($a, $b) = ($left, LocalNum(y));
                        $body
                    }
                    Leaf::Global(y) => {
                        let ($a, $b) = ($left, GlobalNum(y));
                        $body
                    }
                    Leaf::Const(y) => {
                        let ($a, $b) = ($left, ConstNum(y));
                        $body
                    }
                }
            };
        }
        match $l {
            Leaf::Local(x) => right!(LocalNum(x)),
            Leaf::Global(x) => right!(GlobalNum(x)),
            Leaf::Const(x) => right!(ConstNum(x)),
        }
    }};
}

type ExprCode = Box<dyn Fn(&mut Interpreter, &Scope) -> Eval<Value>>;
type StmtCode = Box<dyn Fn(&mut Interpreter, &Scope) -> Eval<()>>;
type CondCode = Box<dyn Fn(&mut Interpreter, &Scope) -> Eval<bool>>;

/// How deeply compiled closures may nest (statements and expressions together);
/// a body that nests deeper is left to the tree-walker.
const MAX_NESTING: usize = 96;

/// How many emptied frames the interpreter keeps for the next calls.
const FRAME_POOL: usize = 64;

/// Every how many nested calls the native stack is looked at.
const STACK_CHECK_CALLS: usize = 4;

/// A compiled function body: its steps, and the expression of a final `return`
/// (the common shape, run without a `Flow::Return`).
pub(crate) struct FnCode {
    steps: Vec<Step>,
    tail: Option<ExprCode>,
}

/// One statement of a function's body.
enum Step {
    Run(StmtCode),
    /// `if cond { return e }`: returns without a `Flow::Return`.
    ReturnIf(CondCode, ExprCode),
}

impl FnCode {
    #[inline(always)]
    fn run(&self, interp: &mut Interpreter, scope: &Scope) -> Eval<Value> {
        for step in &self.steps {
            match step {
                Step::Run(s) => s(interp, scope)?,
                Step::ReturnIf(cond, e) => {
                    if cond(interp, scope)? {
                        return e(interp, scope);
                    }
                }
            }
        }
        match &self.tail {
            Some(t) => t(interp, scope),
            None => Ok(Value::None),
        }
    }
}

impl Closure {
    /// The function `decl` defined in `scope`, its body compiled (once per
    /// definition, at the first closure made of it).
    pub(crate) fn new(decl: &Rc<FnDecl>, scope: &Scope) -> Closure {
        let code = decl
            .frame
            .code
            .0
            .get_or_init(|| match Compiler::default().function(decl) {
                Some(code) => Rc::new(code),
                None => Rc::new(()),
            })
            .clone();
        Closure {
            decl: decl.clone(),
            env: scope.clone(),
            code: code.downcast::<FnCode>().ok(),
        }
    }
}

/// A top-level statement compiled (a loop, where a script spends its time), or
/// `None` when it is left to the tree-walker.
pub(super) fn top_level(stmt: &Stmt) -> Option<StmtCode> {
    let mut c = Compiler::default();
    let code = c.stmt(stmt);
    (!c.too_deep).then_some(code)
}

#[derive(Default)]
struct Compiler {
    depth: usize,
    /// Set when the nesting went past [`MAX_NESTING`]: the result is discarded.
    too_deep: bool,
    /// Compiling a function's body (not top-level code).
    in_fn: bool,
}

impl Compiler {
    fn function(&mut self, decl: &FnDecl) -> Option<FnCode> {
        self.in_fn = true;
        let (tail, rest) = match decl.body.stmts.split_last() {
            Some((
                Stmt {
                    kind: StmtKind::Return(Some(e)),
                    ..
                },
                rest,
            )) => (Some(self.expr(e)), rest),
            _ => (None, &decl.body.stmts[..]),
        };
        let steps = rest.iter().map(|s| self.step(s)).collect();
        (!self.too_deep).then_some(FnCode { steps, tail })
    }

    /// A statement of a function's body: `if c { return e }` as a step of its own.
    fn step(&mut self, stmt: &Stmt) -> Step {
        if let StmtKind::If {
            branches,
            else_block: None,
        } = &stmt.kind
        {
            if let [(cond, block)] = &branches[..] {
                if let [Stmt {
                    kind: StmtKind::Return(Some(e)),
                    ..
                }] = &block.stmts[..]
                {
                    return Step::ReturnIf(self.cond(cond), self.expr(e));
                }
            }
        }
        Step::Run(self.stmt(stmt))
    }

    /// Enters one level of nesting; false (and the result is discarded) past the limit.
    fn enter(&mut self) -> bool {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            self.too_deep = true;
        }
        !self.too_deep
    }

    fn block(&mut self, b: &Block) -> Rc<[StmtCode]> {
        b.stmts.iter().map(|s| self.stmt(s)).collect()
    }

    fn stmt(&mut self, stmt: &Stmt) -> StmtCode {
        if !self.enter() {
            return Box::new(|_, _| Ok(()));
        }
        let code = self.stmt_inner(stmt);
        self.depth -= 1;
        code
    }

    fn stmt_inner(&mut self, stmt: &Stmt) -> StmtCode {
        let span = stmt.span;
        match &stmt.kind {
            StmtKind::Expr(e) => {
                let c = self.expr(e);
                if self.in_fn {
                    // A function's expression statements are never echoed.
                    Box::new(move |i, s| c(i, s).map(drop))
                } else {
                    Box::new(move |i, s| {
                        let v = c(i, s)?;
                        i.echo(&v, s)
                    })
                }
            }
            StmtKind::Assign { target, value } => {
                let c = self.expr(value);
                let target = target.clone();
                match target.place {
                    Place::Local(slot) if self.in_fn => Box::new(move |i, s| {
                        let v = c(i, s)?;
                        match s {
                            Some(env) => env.set_slot(slot, v),
                            None => i.bind_ident(&target, v, s),
                        }
                        Ok(())
                    }),
                    Place::Global(slot) => Box::new(move |i, s| {
                        let v = c(i, s)?;
                        match s {
                            None => i.globals.set(slot, v),
                            Some(_) => i.bind_ident(&target, v, s),
                        }
                        Ok(())
                    }),
                    _ => Box::new(move |i, s| {
                        let v = c(i, s)?;
                        i.bind_ident(&target, v, s);
                        Ok(())
                    }),
                }
            }
            StmtKind::If {
                branches,
                else_block,
            } => {
                let branches: Vec<(CondCode, Rc<[StmtCode]>)> = branches
                    .iter()
                    .map(|(c, b)| (self.cond(c), self.block(b)))
                    .collect();
                let else_block = else_block.as_ref().map(|b| self.block(b));
                Box::new(move |i, s| {
                    for (cond, block) in &branches {
                        if cond(i, s)? {
                            return run_block(block, i, s);
                        }
                    }
                    match &else_block {
                        Some(b) => run_block(b, i, s),
                        None => Ok(()),
                    }
                })
            }
            StmtKind::While { cond, body } => {
                let c = self.cond(cond);
                let body = self.block(body);
                Box::new(move |i, s| {
                    i.while_loop(span, |i, s| c(i, s), |i, s| run_block(&body, i, s), s)
                })
            }
            StmtKind::For { var, iter, body } => {
                let it = self.expr(iter);
                let ispan = iter.span;
                let var = var.clone();
                let body = self.block(body);
                Box::new(move |i, s| {
                    let v = it(i, s)?;
                    i.for_loop(v, &var, span, ispan, s, |i, s| run_block(&body, i, s))
                })
            }
            StmtKind::Break => Box::new(move |_, _| Err(Flow::Break(span))),
            StmtKind::Continue => Box::new(move |_, _| Err(Flow::Continue(span))),
            StmtKind::Return(e) => match e {
                Some(e) => {
                    let c = self.expr(e);
                    Box::new(move |i, s| Err(Flow::Return(c(i, s)?, span)))
                }
                None => Box::new(move |_, _| Err(Flow::Return(Value::None, span))),
            },
            StmtKind::NoGrad(b) => {
                let body = self.block(b);
                Box::new(move |i, s| i.no_grad(s, |i, s| run_block(&body, i, s)))
            }
            StmtKind::CompoundAssign {
                target,
                op: op @ (BinOp::Add | BinOp::Sub),
                value,
                ..
            } if matches!(value.kind, ExprKind::Binary { op: BinOp::Mul, .. }) => {
                self.scaled_update(target, *op, value, span)
            }
            StmtKind::CompoundAssign {
                target, op, value, ..
            } => {
                let c = self.expr(value);
                let (target, op, vspan) = (target.clone(), *op, value.span);
                Box::new(move |i, s| {
                    let current = match i.read_place(target.place, s) {
                        Some(v) => v,
                        None => i.read_by_name(&target.name, target.span, s)?,
                    };
                    let rhs = c(i, s)?;
                    i.compound_assign(&target, op, current, rhs, span, vspan, s)
                })
            }
            StmtKind::Unpack { .. }
            | StmtKind::FnDef(_)
            | StmtKind::IndexAssign { .. }
            | StmtKind::Import { .. } => {
                if !self.shallow_stmt(stmt) {
                    return Box::new(|_, _| Ok(()));
                }
                let stmt = stmt.clone();
                Box::new(move |i, s| i.exec(&stmt, s))
            }
        }
    }

    fn expr(&mut self, e: &Expr) -> ExprCode {
        if !self.enter() {
            return Box::new(|_, _| Ok(Value::None));
        }
        let code = self.expr_inner(e);
        self.depth -= 1;
        code
    }

    fn expr_inner(&mut self, e: &Expr) -> ExprCode {
        let span = e.span;
        match &e.kind {
            ExprKind::Number(n) => {
                let n = *n;
                Box::new(move |_, _| Ok(Value::Num(n)))
            }
            ExprKind::Bool(b) => {
                let b = *b;
                Box::new(move |_, _| Ok(Value::Bool(b)))
            }
            ExprKind::None => Box::new(|_, _| Ok(Value::None)),
            ExprKind::Str(text) => {
                let text = text.clone();
                Box::new(move |_, _| Ok(Value::Str(text.clone())))
            }
            ExprKind::Var(v) => {
                let v = v.clone();
                match v.place {
                    Place::Local(slot) => Box::new(move |i, s| {
                        if let Some(env) = s {
                            if let Some(value) = env.slot(slot) {
                                return Ok(value);
                            }
                        }
                        i.read_by_name(&v.name, span, s)
                    }),
                    Place::Global(slot) => Box::new(move |i, s| match i.globals.read(slot) {
                        Some(value) => Ok(value),
                        None => i.read_by_name(&v.name, span, s),
                    }),
                    _ => Box::new(move |i, s| i.read_var(&v, span, s)),
                }
            }
            ExprKind::Unary { op, operand } => {
                let (op, ospan) = (*op, operand.span);
                let c = self.expr(operand);
                Box::new(move |i, s| {
                    let v = c(i, s)?;
                    match (op, v) {
                        (UnOp::Neg, Value::Num(n)) => Ok(Value::Num(-n)),
                        (op, v) => i.unary(op, v, span, ospan),
                    }
                })
            }
            ExprKind::Binary {
                op: op @ (BinOp::And | BinOp::Or),
                lhs,
                rhs,
            } => {
                // `and` stops at a false left side, `or` at a true one.
                let stop_at = matches!(op, BinOp::Or);
                let (lspan, rspan) = (lhs.span, rhs.span);
                let l = self.expr(lhs);
                let r = self.expr(rhs);
                Box::new(move |i, s| {
                    let a = l(i, s)?;
                    if truthy(&a, lspan)? == stop_at {
                        return Ok(Value::Bool(stop_at));
                    }
                    let b = r(i, s)?;
                    Ok(Value::Bool(truthy(&b, rspan)?))
                })
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let generic = self.binary(*op, lhs, rhs, span);
                let op = *op;
                match (leaf(lhs), leaf(rhs)) {
                    (Some(l), Some(r)) => with_leaves!(l, r, |a, b| Box::new(move |i, s| {
                        // Two numbers read in place: nothing cloned, nothing dropped.
                        if let (Some(x), Some(y)) = (a.num(i, s), b.num(i, s)) {
                            if let Some(v) = num_binary(op, x, y) {
                                return Ok(v);
                            }
                        }
                        generic(i, s)
                    })),
                    _ => generic,
                }
            }
            ExprKind::Call { callee, args }
                if args.iter().all(|a| matches!(a, Arg::Positional(_))) =>
            {
                let cspan = callee.span;
                let f = self.expr(callee);
                let args: Rc<[(ExprCode, Span)]> = args
                    .iter()
                    .filter_map(|a| match a {
                        Arg::Positional(x) => Some((self.expr(x), x.span)),
                        Arg::Keyword { .. } => None,
                    })
                    .collect();
                if let ExprKind::Var(Var {
                    place: Place::Global(slot),
                    ..
                }) = callee.kind
                {
                    // `f(x)` of a function defined at top level: the function is
                    // looked at in its slot, without a `Value` made and dropped.
                    let checked = Cell::new(0);
                    return Box::new(move |i, s| {
                        if let Some(c) = i.globals.func(slot) {
                            if c.decl.frame.params_in_order && args.len() == c.decl.params.len() {
                                return i.call_positional(&c, &args, s, span);
                            }
                        }
                        call_value(&f, &args, cspan, i, s, span, &checked)
                    });
                }
                let checked = Cell::new(0);
                Box::new(move |i, s| call_value(&f, &args, cspan, i, s, span, &checked))
            }
            ExprKind::Attr { object, name } if matches!(&object.kind, ExprKind::Var(v) if !is_foreign_module(&v.name)) =>
            {
                // `x.grad`, `m.f` (a name that is not `torch`, `np`, ..., which get a
                // hint of their own from the tree-walker).
                let o = self.expr(object);
                let (name, ospan) = (name.clone(), object.span);
                Box::new(move |i, s| {
                    let v = o(i, s)?;
                    if let Value::Module(m) = &v {
                        return i.module_attribute(m, &name, ospan);
                    }
                    i.attribute(&v, &name.name, name.span, ospan, span)
                })
            }
            _ => {
                if !self.shallow(e, 0) {
                    return Box::new(|_, _| Ok(Value::None));
                }
                let e = e.clone();
                Box::new(move |i, s| i.eval(&e, s))
            }
        }
    }

    /// `lhs op rhs` for an arithmetic or comparison operator.
    fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, span: Span) -> ExprCode {
        let (lspan, rspan) = (lhs.span, rhs.span);
        let l = self.expr(lhs);
        let r = self.expr(rhs);
        Box::new(move |i, s| {
            let a = l(i, s)?;
            let b = r(i, s)?;
            if let (Value::Num(x), Value::Num(y)) = (&a, &b) {
                if let Some(v) = num_binary(op, *x, *y) {
                    // Numbers own nothing: there is nothing to drop.
                    std::mem::forget((a, b));
                    return Ok(v);
                }
            }
            i.binary(op, a, b, span, lspan, rspan)
        })
    }

    /// `x += a * b` or `x -= a * b` (an optimizer step, `w -= lr * w.grad`): a
    /// number times a tensor is applied to a leaf in place without making the
    /// product (`Interpreter::scaled_update_in_place`); anything else forms the
    /// product as `a * b` would and goes on as any compound assignment.
    fn scaled_update(&mut self, target: &Ident, op: BinOp, value: &Expr, span: Span) -> StmtCode {
        let ExprKind::Binary { lhs, rhs, .. } = &value.kind else {
            return Box::new(|_, _| Ok(()));
        };
        // The nesting counted as `self.expr(value)` would count it.
        self.enter();
        let (lspan, rspan, vspan) = (lhs.span, rhs.span, value.span);
        let l = self.expr(lhs);
        let r = self.expr(rhs);
        self.depth -= 1;
        let target = target.clone();
        Box::new(move |i, s| {
            let current = match i.read_place(target.place, s) {
                Some(v) => v,
                None => i.read_by_name(&target.name, target.span, s)?,
            };
            let a = l(i, s)?;
            let b = r(i, s)?;
            if let (Value::Tensor(leaf), Value::Num(n), Value::Tensor(t)) = (&current, &a, &b) {
                if i.scaled_update_in_place(leaf, op, *n, t) {
                    return Ok(());
                }
            }
            let product = match (&a, &b) {
                (Value::Num(x), Value::Num(y)) => num_binary(BinOp::Mul, *x, *y),
                _ => None,
            };
            let product = match product {
                Some(v) => v,
                None => i.binary(BinOp::Mul, a, b, vspan, lspan, rspan)?,
            };
            i.compound_assign(&target, op, current, product, span, vspan, s)
        })
    }

    /// A condition (of `if` or `while`): its truth, a comparison of two numbers
    /// read in place when it is one.
    fn cond(&mut self, e: &Expr) -> CondCode {
        let span = e.span;
        if let ExprKind::Binary { op, lhs, rhs } = &e.kind {
            if let (Some(l), Some(r), Some(_)) = (leaf(lhs), leaf(rhs), num_compare(*op, 0.0, 0.0))
            {
                let op = *op;
                let generic = self.binary(op, lhs, rhs, span);
                return with_leaves!(l, r, |a, b| Box::new(move |i, s| {
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
        let c = self.expr(e);
        Box::new(move |i, s| match c(i, s)? {
            Value::Bool(b) => Ok(b),
            other => is_true(&other, span),
        })
    }

    /// Whether `e` (to be handed to the tree-walker as it is) nests within the
    /// limit; marks the compilation too deep when not. `extra` is the nesting
    /// already counted below `self.depth`.
    fn shallow(&mut self, e: &Expr, extra: usize) -> bool {
        if self.depth + extra > MAX_NESTING {
            self.too_deep = true;
            return false;
        }
        let mut ok = true;
        for_each_child(e, &mut |c| ok = ok && self.shallow(c, extra + 1));
        ok
    }

    /// As [`Compiler::shallow`] for the expressions of a statement handed to the
    /// tree-walker (a function defined inside is compiled at its own first call).
    fn shallow_stmt(&mut self, stmt: &Stmt) -> bool {
        match &stmt.kind {
            StmtKind::Unpack { value, .. } | StmtKind::CompoundAssign { value, .. } => {
                self.shallow(value, 1)
            }
            StmtKind::IndexAssign {
                object,
                indices,
                value,
                ..
            } => {
                let mut ok = self.shallow(object, 1) && self.shallow(value, 1);
                for_each_index(indices, &mut |c| ok = ok && self.shallow(c, 1));
                ok
            }
            _ => true,
        }
    }
}

/// `a op b` for a comparison of two numbers; `None` for other operators.
#[inline(always)]
fn num_compare(op: BinOp, a: f64, b: f64) -> Option<bool> {
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

/// An operand read without evaluating anything: a variable's slot or a constant.
#[derive(Clone, Copy)]
enum Leaf {
    Local(u32),
    Global(u32),
    Const(f64),
}

fn leaf(e: &Expr) -> Option<Leaf> {
    match &e.kind {
        ExprKind::Number(n) => Some(Leaf::Const(*n)),
        ExprKind::Var(v) => match v.place {
            Place::Local(slot) => Some(Leaf::Local(slot)),
            Place::Global(slot) => Some(Leaf::Global(slot)),
            _ => None,
        },
        _ => None,
    }
}

/// A [`Leaf`] as a type, so that a closure reading two of them is made for the
/// kinds it reads (no match on the kind when it runs).
trait NumLeaf: Copy + 'static {
    /// The number the leaf holds; `None` when it holds anything else (or is
    /// unbound), and the caller takes the general path.
    fn num(self, interp: &Interpreter, scope: &Scope) -> Option<f64>;
}

#[derive(Clone, Copy)]
struct LocalNum(u32);
#[derive(Clone, Copy)]
struct GlobalNum(u32);
#[derive(Clone, Copy)]
struct ConstNum(f64);

impl NumLeaf for LocalNum {
    #[inline(always)]
    fn num(self, _: &Interpreter, scope: &Scope) -> Option<f64> {
        scope.as_ref()?.num(self.0)
    }
}

impl NumLeaf for GlobalNum {
    #[inline(always)]
    fn num(self, interp: &Interpreter, _: &Scope) -> Option<f64> {
        interp.globals.num(self.0)
    }
}

impl NumLeaf for ConstNum {
    #[inline(always)]
    fn num(self, _: &Interpreter, _: &Scope) -> Option<f64> {
        Some(self.0)
    }
}

/// Calls `f` on each direct sub-expression of `e` that a copy of `e` copies deeply.
fn for_each_child(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    match &e.kind {
        ExprKind::TensorLit(items) | ExprKind::Tuple(items) => items.iter().for_each(f),
        ExprKind::Unary { operand, .. } => f(operand),
        ExprKind::Binary { lhs, rhs, .. } => {
            f(lhs);
            f(rhs);
        }
        ExprKind::Call { callee: x, args }
        | ExprKind::Method {
            receiver: x, args, ..
        } => {
            f(x);
            for a in args {
                match a {
                    Arg::Positional(v) | Arg::Keyword { value: v, .. } => f(v),
                }
            }
        }
        ExprKind::Attr { object, .. } => f(object),
        ExprKind::Index { object, indices } => {
            f(object);
            for_each_index(indices, f);
        }
        _ => {}
    }
}

fn for_each_index(indices: &[Index], f: &mut dyn FnMut(&Expr)) {
    for ix in indices {
        match ix {
            Index::Single(e) => f(e),
            Index::Slice {
                start, end, step, ..
            } => [start, end, step].into_iter().flatten().for_each(&mut *f),
        }
    }
}

/// `f(args)` by position: the callee evaluated, then called as the tree-walker
/// calls it (a user function's arguments straight into its frame).
/// `checked`: the builtin whose check of this call site's arguments passed last
/// (see [`Interpreter::call_builtin`]).
fn call_value(
    f: &ExprCode,
    args: &[(ExprCode, Span)],
    callee_span: Span,
    i: &mut Interpreter,
    s: &Scope,
    span: Span,
    checked: &Cell<usize>,
) -> Eval<Value> {
    let f = f(i, s)?;
    if let Value::Func(c) = &f {
        if c.decl.frame.params_in_order && args.len() == c.decl.params.len() {
            return i.call_positional(c, args, s, span);
        }
    }
    // A pooled list (a builtin call gives it back emptied): no allocation per call.
    let mut pos = i.arg_lists.pop().unwrap_or_default();
    pos.reserve(args.len());
    for (a, aspan) in args {
        pos.push((a(i, s)?, *aspan));
    }
    if let Value::Builtin(b) = f {
        return i.call_builtin(b, pos, Vec::new(), span, Some(checked));
    }
    i.call(&f, pos, Vec::new(), span, callee_span)
}

fn run_block(block: &[StmtCode], interp: &mut Interpreter, scope: &Scope) -> Eval<()> {
    for s in block {
        s(interp, scope)?;
    }
    Ok(())
}

impl Interpreter {
    /// Calls the user function `c` with `args` by position (their number is its
    /// number of parameters, which are its first slots): the arguments go straight
    /// into a pooled frame.
    fn call_positional(
        &mut self,
        c: &Rc<Closure>,
        args: &[(ExprCode, Span)],
        scope: &Scope,
        span: Span,
    ) -> Eval<Value> {
        let names = &c.decl.frame.names;
        let mut env = match self.frames.pop() {
            Some(env) => env,
            None => Rc::new(Env::blank()),
        };
        let Some(frame) = Rc::get_mut(&mut env) else {
            // Pooled frames are held by nothing else; a shared one is not reused.
            return Err(Flow::from(Diagnostic::error(
                "internal error: a pooled frame is shared",
            )));
        };
        let slots = frame.reuse(names, c.env.clone());
        for (a, _) in args {
            slots.push(Some(a(self, scope)?));
        }
        if slots.len() < names.len() {
            slots.resize(names.len(), None);
        }
        check_interrupt(span)?;
        self.run_frame(c, env, span)
    }

    /// Runs the body of `c` in `env` (its arguments bound), then keeps the frame
    /// for another call unless a closure made inside holds it.
    pub(super) fn run_frame(&mut self, c: &Closure, env: Rc<Env>, span: Span) -> Eval<Value> {
        if self.depth >= self.options.max_call_depth {
            return Err(Flow::from(
                Diagnostic::error(format!(
                    "recursion too deep: more than {} nested calls",
                    self.options.max_call_depth
                ))
                .with_label(span, "this call goes one level too deep")
                .with_hint("check that the recursion reaches its base case"),
            ));
        }
        self.depth += 1;
        let scope = Some(env);
        // The stack is looked at every few calls, and grown (on the cold path) only
        // when it runs short.
        let r = if self.depth.is_multiple_of(STACK_CHECK_CALLS)
            && stacker::remaining_stack().is_some_and(|left| left < STACK_RED_ZONE)
        {
            self.run_body_on_new_stack(c, &scope)
        } else {
            self.run_body(c, &scope)
        };
        self.depth -= 1;
        if let Some(mut env) = scope {
            if let Some(frame) = Rc::get_mut(&mut env) {
                frame.clear();
                if self.frames.len() < FRAME_POOL {
                    self.frames.push(env);
                }
            }
        }
        match r {
            Ok(v) | Err(Flow::Return(v, _)) => Ok(v),
            Err(Flow::Break(span)) | Err(Flow::Continue(span)) => Err(Flow::from(
                Diagnostic::error("break or continue outside a loop")
                    .with_label(span, "not inside a loop"),
            )),
            Err(e) => Err(e),
        }
    }

    #[cold]
    #[inline(never)]
    fn run_body_on_new_stack(&mut self, c: &Closure, scope: &Scope) -> Eval<Value> {
        stacker::grow(STACK_GROWTH, || self.run_body(c, scope))
    }

    #[inline(always)]
    fn run_body(&mut self, c: &Closure, scope: &Scope) -> Eval<Value> {
        match &c.code {
            Some(code) => code.run(self, scope),
            None => self.exec_block(&c.decl.body, scope).map(|()| Value::None),
        }
    }
}
