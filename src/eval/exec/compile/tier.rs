//! The numeric tier: a user function whose body is number code only is compiled a
//! second time as `f64` code with a frame of plain numbers.
//!
//! A body is in the tier when its parameters and locals can only hold numbers
//! given number arguments: its statements are `x = e`, `x op= e`, `if`/`else`,
//! `while` and `return e`; its expressions number literals, locals (read where
//! they are surely bound), globals read as numbers, `-`, the arithmetic operators,
//! `a if c else b` and calls of global functions by position; its conditions
//! comparisons of those, `and`, `or`, `not` and `true`/`false`. Number arithmetic
//! never fails (`operators::num_arith`, the code the general path runs on two
//! numbers, in the same order), and nothing in the tier has an effect: no output,
//! no global written, no value made. So a call of such a function whose arguments
//! are all numbers runs here. Ctrl-C and the call depth limit stop it with the
//! general code's error, at the same place, with the same traceback. On anything
//! else the `f64` code would not reproduce — a callee that is not (or no longer)
//! in the tier, a global that is not a number, a body ending without `return` —
//! the tier gives up (`None`) and the outermost call runs again through the
//! general code, which gives exactly what it always gave.

use super::numeric::{num_compare, NumCode};
use super::{call_name, return_if, too_many_calls, Compiler};
use crate::diagnostic::Diagnostic;
use crate::eval::exec::operators::num_arith;
use crate::eval::exec::{check_interrupt, Place, Scope, STACK_GROWTH, STACK_RED_ZONE};
use crate::eval::globals::Globals;
use crate::eval::resolve::Frame as Layout;
use crate::eval::value::Closure;
use crate::eval::{Eval, Flow, Interpreter, Value, INTERRUPTED};
use crate::source::Span;
use crate::syntax::ast::{BinOp, Block, Expr, ExprKind, FnDecl, Stmt, StmtKind, UnOp};
use std::cell::Cell;
use std::sync::atomic::Ordering;

/// The most slots (parameters and locals) a function in the tier has.
pub(crate) const SLOTS: usize = 8;

/// A call's frame: its slots as numbers.
type Frame = [f64; SLOTS];

/// How deep expressions and blocks of a body in the tier nest.
const DEPTH: usize = 24;

/// After how many give-ups a function's calls stop trying the tier.
const MAX_BAILS: u32 = 32;

/// What running tier code needs: the globals (read only), and the call depth.
pub(crate) struct Tier<'g> {
    globals: &'g Globals,
    depth: usize,
    max: usize,
    /// The address on the native stack below which a call grows the stack.
    floor: usize,
    /// The error that stopped the tier (Ctrl-C, the depth limit): the general
    /// code's, each call it leaves adding its site as there.
    stopped: Option<Box<Diagnostic>>,
}

impl Tier<'_> {
    /// A call of `c` (its tier `nf`) at `span`, its arguments in `f`: first what
    /// the general call looks at (Ctrl-C, then the depth), then the body.
    #[inline(always)]
    fn call(&mut self, c: &Closure, nf: &NumFn, f: &mut Frame, span: Span) -> Option<f64> {
        let r = if INTERRUPTED.load(Ordering::Relaxed) || self.depth >= self.max {
            self.stop(span)
        } else {
            nf.enter(self, f)
        };
        if r.is_none() {
            self.left(c, span);
        }
        r
    }

    /// The error the general call at `span` would give here: Ctrl-C, or the
    /// depth limit.
    #[cold]
    #[inline(never)]
    fn stop(&mut self, span: Span) -> Option<f64> {
        if let Err(Flow::Error(d)) = check_interrupt(span) {
            self.stopped = Some(d);
        } else if self.depth >= self.max {
            self.stopped = Some(Box::new(too_many_calls(self.max, span)));
        } else {
            // Ctrl-C already taken: go on.
            return None;
        }
        None
    }

    /// A call of `c` at `span` gave no number: a stopping error records the call.
    #[cold]
    #[inline(never)]
    fn left(&mut self, c: &Closure, span: Span) {
        if let Some(d) = &mut self.stopped {
            d.called_from(span, call_name(c));
        }
    }
}

/// An address on the native stack near its top.
#[inline(always)]
fn stack_here() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// The address below which the running stack is short (within its red zone).
fn stack_floor() -> usize {
    match stacker::remaining_stack() {
        Some(left) => stack_here().saturating_sub(left) + STACK_RED_ZONE,
        None => 0,
    }
}

/// Tier code giving a `T` (`None`: give up).
type NCode<T> = Box<dyn Fn(&mut Tier, &mut Frame) -> Option<T>>;
type NExpr = NCode<f64>;
type NCond = NCode<bool>;
type NStmt = Box<dyn Fn(&mut Tier, &mut Frame) -> Out>;

/// How a statement of the tier ends.
enum Out {
    Next,
    Return(f64),
    /// Give up: the outermost call runs again through the general code.
    Bail,
}

/// One statement of a body in the tier.
enum Step {
    Run(NStmt),
    /// `if cond { return e }`.
    ReturnIf(NCond, NExpr),
}

/// A function's body compiled as `f64` code.
pub(crate) struct NumFn {
    arity: usize,
    steps: Box<[Step]>,
    /// The expression of a final `return`.
    tail: Option<NExpr>,
    /// Set while a call that gave up runs through the general code: the calls it
    /// makes of this function stay there too.
    off: Cell<bool>,
    bails: Cell<u32>,
}

impl NumFn {
    fn body(&self, t: &mut Tier, f: &mut Frame) -> Option<f64> {
        for step in self.steps.iter() {
            match step {
                Step::Run(s) => match s(t, f) {
                    Out::Next => {}
                    Out::Return(x) => return Some(x),
                    Out::Bail => return None,
                },
                Step::ReturnIf(c, e) => {
                    if c(t, f)? {
                        return e(t, f);
                    }
                }
            }
        }
        match &self.tail {
            Some(e) => e(t, f),
            // Falling off the end gives `none`: not a number.
            None => None,
        }
    }

    /// A call, its arguments in `f` (the checks of [`Tier::call`] done).
    #[inline]
    fn enter(&self, t: &mut Tier, f: &mut Frame) -> Option<f64> {
        if self.off.get() {
            return None;
        }
        t.depth += 1;
        let r = if stack_here() < t.floor {
            self.body_on_new_stack(t, f)
        } else {
            self.body(t, f)
        };
        t.depth -= 1;
        r
    }

    #[cold]
    #[inline(never)]
    fn body_on_new_stack(&self, t: &mut Tier, f: &mut Frame) -> Option<f64> {
        stacker::grow(STACK_GROWTH, || {
            let floor = std::mem::replace(&mut t.floor, stack_floor());
            let r = self.body(t, f);
            t.floor = floor;
            r
        })
    }
}

/// The tier of the user function `c` when a call of `nargs` arguments can use it.
#[inline]
fn tier_of(c: &Closure, nargs: usize) -> Option<&NumFn> {
    let nf = c.code.num.as_ref()?;
    (nf.arity == nargs && c.backward.is_none()).then_some(nf)
}

/// `f(args)` at `span` of the global function `c` from general code, its
/// arguments `args` as numeric code: the result when the tier gave one, or the
/// error that stopped it; else (it gave up) the general call (`general`), and
/// while that runs the tier is off for `c`.
#[inline]
pub(super) fn call(
    i: &mut Interpreter,
    c: &Closure,
    args: &[NumCode],
    s: &Scope,
    span: Span,
    general: impl FnOnce(&mut Interpreter) -> Eval<Value>,
) -> Eval<Value> {
    #[cfg(test)]
    if testing::OFF.with(Cell::get) {
        return general(i);
    }
    let Some(nf) = tier_of(c, args.len()) else {
        return general(i);
    };
    if nf.off.get() || nf.bails.get() >= MAX_BAILS {
        return general(i);
    }
    let mut frame = [0.0; SLOTS];
    for (k, a) in args.iter().enumerate() {
        match a(i, s) {
            Some(x) => frame[k] = x,
            None => return general(i),
        }
    }
    let mut t = Tier {
        globals: &i.globals,
        depth: i.depth,
        max: i.options.max_call_depth,
        floor: stack_floor(),
        stopped: None,
    };
    if let Some(x) = t.call(c, nf, &mut frame, span) {
        #[cfg(test)]
        testing::RAN.with(|r| r.set(r.get() + 1));
        return Ok(Value::Num(x));
    }
    if let Some(d) = t.stopped {
        #[cfg(test)]
        testing::STOPPED.with(|r| r.set(r.get() + 1));
        return Err(Flow::Error(d));
    }
    #[cfg(test)]
    testing::BAILED.with(|r| r.set(r.get() + 1));
    nf.bails.set(nf.bails.get() + 1);
    nf.off.set(true);
    let r = general(i);
    nf.off.set(false);
    r
}

/// An operand: a slot, a constant or code.
enum Leaf {
    Slot(usize),
    Const(f64),
    Code(NExpr),
}

impl Leaf {
    fn code(self) -> NExpr {
        match self {
            Leaf::Slot(k) => Box::new(move |_, f| Some(f[k])),
            Leaf::Const(x) => Box::new(move |_, _| Some(x)),
            Leaf::Code(c) => c,
        }
    }
}

/// Code applying `g` to two [`Leaf`]s, made for the kinds of the common pairs.
fn pair<T: 'static>(
    l: Leaf,
    r: Leaf,
    g: impl Fn(f64, f64) -> Option<T> + Copy + 'static,
) -> NCode<T> {
    match (l, r) {
        (Leaf::Slot(a), Leaf::Const(b)) => Box::new(move |_, f| g(f[a], b)),
        (Leaf::Slot(a), Leaf::Slot(b)) => Box::new(move |_, f| g(f[a], f[b])),
        (Leaf::Code(a), Leaf::Code(b)) => Box::new(move |t, f| {
            let x = a(t, f)?;
            g(x, b(t, f)?)
        }),
        (Leaf::Code(a), Leaf::Const(b)) => Box::new(move |t, f| g(a(t, f)?, b)),
        (l, r) => {
            let (a, b) = (l.code(), r.code());
            Box::new(move |t, f| {
                let x = a(t, f)?;
                g(x, b(t, f)?)
            })
        }
    }
}

/// `l op r` for an arithmetic operator, the code made for `op`.
fn arith(op: BinOp, l: Leaf, r: Leaf) -> Option<NExpr> {
    macro_rules! each {
        ($($o:ident),*) => {
            match op {
                $(BinOp::$o => pair(l, r, |a, b| num_arith(BinOp::$o, a, b)),)*
                _ => return None,
            }
        };
    }
    Some(each!(Add, Sub, Mul, Div, Rem, FloorDiv, Pow))
}

/// `l op r` for a comparison, the code made for `op`.
fn comparison(op: BinOp, l: Leaf, r: Leaf) -> Option<NCond> {
    macro_rules! each {
        ($($o:ident),*) => {
            match op {
                $(BinOp::$o => pair(l, r, |a, b| num_compare(BinOp::$o, a, b)),)*
                _ => return None,
            }
        };
    }
    Some(each!(Eq, Ne, Lt, Le, Gt, Ge))
}

/// What the tier's compiler knows at a point of the body: which slots surely
/// hold a number (a bit each).
type Bound = u32;

impl Compiler<'_> {
    /// The body of `decl` (with frame `layout`) compiled for the tier, if it is in it.
    pub(super) fn tier(&mut self, decl: &FnDecl, layout: &Layout) -> Option<NumFn> {
        if self.resolved.tracing()
            || !layout.params_in_order
            || layout.names.len() > SLOTS
            || decl.params.len() > SLOTS
            || decl.backward.is_some()
        {
            return None;
        }
        let arity = decl.params.len();
        let mut bound: Bound = (1u32 << arity) - 1;
        let (tail, rest) = match decl.body.stmts.split_last() {
            Some((
                Stmt {
                    kind: StmtKind::Return(Some(e)),
                    ..
                },
                rest,
            )) => (Some(e), rest),
            _ => (None, &decl.body.stmts[..]),
        };
        let mut steps = Vec::with_capacity(rest.len());
        for s in rest {
            steps.push(self.n_step(s, &mut bound)?);
        }
        let tail = match tail {
            Some(e) => Some(self.n_expr(e, bound, DEPTH)?),
            None => None,
        };
        Some(NumFn {
            arity,
            steps: steps.into(),
            tail,
            off: Cell::new(false),
            bails: Cell::new(0),
        })
    }

    fn n_step(&mut self, stmt: &Stmt, bound: &mut Bound) -> Option<Step> {
        if let Some((cond, e)) = return_if(stmt) {
            return Some(Step::ReturnIf(
                self.n_cond(cond, *bound, DEPTH)?,
                self.n_expr(e, *bound, DEPTH)?,
            ));
        }
        Some(Step::Run(self.n_stmt(stmt, bound, DEPTH)?))
    }

    /// The slot a local `name` (written at `span`) has in the tier's frame.
    fn n_slot(&mut self, span: Span, name: &crate::syntax::ast::Name) -> Option<usize> {
        match self.place(span, name) {
            Place::Local(k) if (k as usize) < SLOTS => Some(k as usize),
            _ => None,
        }
    }

    fn n_block(&mut self, b: &Block, bound: &mut Bound, depth: usize) -> Option<Box<[NStmt]>> {
        let depth = depth.checked_sub(1)?;
        b.stmts
            .iter()
            .map(|s| self.n_stmt(s, bound, depth))
            .collect()
    }

    fn n_stmt(&mut self, stmt: &Stmt, bound: &mut Bound, depth: usize) -> Option<NStmt> {
        match &stmt.kind {
            StmtKind::Return(Some(e)) => {
                let e = self.n_expr(e, *bound, depth)?;
                Some(Box::new(move |t, f| match e(t, f) {
                    Some(x) => Out::Return(x),
                    None => Out::Bail,
                }))
            }
            StmtKind::Assign { target, value } => {
                let e = self.n_expr(value, *bound, depth)?;
                let k = self.n_slot(target.span, &target.name)?;
                *bound |= 1 << k;
                Some(Box::new(move |t, f| match e(t, f) {
                    Some(x) => {
                        f[k] = x;
                        Out::Next
                    }
                    None => Out::Bail,
                }))
            }
            StmtKind::CompoundAssign {
                target, op, value, ..
            } if num_arith(*op, 0.0, 0.0).is_some() => {
                let op = *op;
                let k = self.n_slot(target.span, &target.name)?;
                if *bound & (1 << k) == 0 {
                    return None;
                }
                let e = self.n_expr(value, *bound, depth)?;
                Some(Box::new(move |t, f| {
                    let current = f[k];
                    match e(t, f).and_then(|x| num_arith(op, current, x)) {
                        Some(x) => {
                            f[k] = x;
                            Out::Next
                        }
                        None => Out::Bail,
                    }
                }))
            }
            StmtKind::If {
                branches,
                else_block,
            } => {
                let mut out: Bound = !0;
                let mut codes = Vec::with_capacity(branches.len());
                for (c, b) in branches {
                    let c = self.n_cond(c, *bound, depth)?;
                    let mut inner = *bound;
                    let b = self.n_block(b, &mut inner, depth)?;
                    out &= inner;
                    codes.push((c, b));
                }
                let else_block = match else_block {
                    Some(b) => {
                        let mut inner = *bound;
                        let b = self.n_block(b, &mut inner, depth)?;
                        out &= inner;
                        Some(b)
                    }
                    None => {
                        out &= *bound;
                        None
                    }
                };
                *bound = out;
                Some(Box::new(move |t, f| {
                    for (c, b) in &codes {
                        match c(t, f) {
                            Some(true) => return run(b, t, f),
                            Some(false) => {}
                            None => return Out::Bail,
                        }
                    }
                    match &else_block {
                        Some(b) => run(b, t, f),
                        None => Out::Next,
                    }
                }))
            }
            StmtKind::While { cond, body } => {
                let span = stmt.span;
                let c = self.n_cond(cond, *bound, depth)?;
                let mut inner = *bound;
                let body = self.n_block(body, &mut inner, depth)?;
                Some(Box::new(move |t, f| loop {
                    if INTERRUPTED.load(Ordering::Relaxed) {
                        // The general loop's check: its error, at the loop.
                        if let Err(Flow::Error(d)) = check_interrupt(span) {
                            t.stopped = Some(d);
                            return Out::Bail;
                        }
                    }
                    match c(t, f) {
                        Some(true) => {}
                        Some(false) => return Out::Next,
                        None => return Out::Bail,
                    }
                    match run(&body, t, f) {
                        Out::Next => {}
                        other => return other,
                    }
                }))
            }
            _ => None,
        }
    }

    fn n_leaf(&mut self, e: &Expr, bound: Bound, depth: usize) -> Option<Leaf> {
        let depth = depth.checked_sub(1)?;
        match &e.kind {
            ExprKind::Number(x) => Some(Leaf::Const(*x)),
            ExprKind::Name(n) => match self.place(e.span, n) {
                Place::Local(k) if (k as usize) < SLOTS && bound & (1 << k) != 0 => {
                    Some(Leaf::Slot(k as usize))
                }
                Place::Global(g) => Some(Leaf::Code(Box::new(move |t, _| t.globals.num(g)))),
                _ => None,
            },
            ExprKind::Unary {
                op: UnOp::Neg,
                operand,
            } => {
                let x = self.n_expr(operand, bound, depth)?;
                Some(Leaf::Code(Box::new(move |t, f| Some(-x(t, f)?))))
            }
            ExprKind::Binary { op, operands } if num_arith(*op, 0.0, 0.0).is_some() => {
                let [lhs, rhs] = &**operands;
                let l = self.n_leaf(lhs, bound, depth)?;
                let r = self.n_leaf(rhs, bound, depth)?;
                Some(Leaf::Code(arith(*op, l, r)?))
            }
            ExprKind::IfElse(ie) => {
                let (cond, then, otherwise) = (&ie.cond, &ie.then, &ie.otherwise);
                let c = self.n_cond(cond, bound, depth)?;
                let a = self.n_expr(then, bound, depth)?;
                let b = self.n_expr(otherwise, bound, depth)?;
                Some(Leaf::Code(Box::new(move |t, f| {
                    if c(t, f)? {
                        a(t, f)
                    } else {
                        b(t, f)
                    }
                })))
            }
            ExprKind::Call(call) => {
                let (callee, args) = (&call.callee, &call.args);
                let ExprKind::Name(n) = &callee.kind else {
                    return None;
                };
                let Place::Global(slot) = self.place(callee.span, n) else {
                    return None;
                };
                if args.len() > SLOTS {
                    return None;
                }
                let mut codes = Vec::with_capacity(args.len());
                for a in args.iter() {
                    let crate::syntax::ast::Arg::Positional(a) = a else {
                        return None;
                    };
                    codes.push(self.n_expr(a, bound, depth)?);
                }
                let (n, span) = (codes.len(), e.span);
                let code: NExpr = if let [_] = &codes[..] {
                    let a = codes.pop()?;
                    Box::new(move |t, f| {
                        let mut callee = [0.0; SLOTS];
                        callee[0] = a(t, f)?;
                        let g = t.globals;
                        let c = g.func_ref(slot)?;
                        t.call(c, tier_of(c, 1)?, &mut callee, span)
                    })
                } else {
                    let codes: Box<[NExpr]> = codes.into();
                    Box::new(move |t, f| {
                        let mut callee = [0.0; SLOTS];
                        for (k, a) in codes.iter().enumerate() {
                            callee[k] = a(t, f)?;
                        }
                        let g = t.globals;
                        let c = g.func_ref(slot)?;
                        t.call(c, tier_of(c, n)?, &mut callee, span)
                    })
                };
                Some(Leaf::Code(code))
            }
            _ => None,
        }
    }

    fn n_expr(&mut self, e: &Expr, bound: Bound, depth: usize) -> Option<NExpr> {
        Some(self.n_leaf(e, bound, depth)?.code())
    }

    fn n_cond(&mut self, e: &Expr, bound: Bound, depth: usize) -> Option<NCond> {
        let depth = depth.checked_sub(1)?;
        match &e.kind {
            ExprKind::Bool(b) => {
                let b = *b;
                Some(Box::new(move |_, _| Some(b)))
            }
            ExprKind::Unary {
                op: UnOp::Not,
                operand,
            } => {
                let c = self.n_cond(operand, bound, depth)?;
                Some(Box::new(move |t, f| Some(!c(t, f)?)))
            }
            ExprKind::Binary { op, operands } if op.stops_at().is_some() => {
                let [lhs, rhs] = &**operands;
                let stop_at = op.stops_at() == Some(true);
                let a = self.n_cond(lhs, bound, depth)?;
                let b = self.n_cond(rhs, bound, depth)?;
                Some(Box::new(move |t, f| {
                    if a(t, f)? == stop_at {
                        return Some(stop_at);
                    }
                    b(t, f)
                }))
            }
            ExprKind::Binary { op, operands } if num_compare(*op, 0.0, 0.0).is_some() => {
                let [lhs, rhs] = &**operands;
                let l = self.n_leaf(lhs, bound, depth)?;
                let r = self.n_leaf(rhs, bound, depth)?;
                comparison(*op, l, r)
            }
            _ => None,
        }
    }
}

fn run(block: &[NStmt], t: &mut Tier, f: &mut Frame) -> Out {
    for s in block {
        match s(t, f) {
            Out::Next => {}
            other => return other,
        }
    }
    Out::Next
}

/// A switch and counters for the tests (which run each program with the tier and
/// without it).
#[cfg(test)]
mod testing {
    use std::cell::Cell;

    thread_local! {
        /// The tier is off: every call takes the general code.
        pub static OFF: Cell<bool> = const { Cell::new(false) };
        /// Calls from general code that the tier finished.
        pub static RAN: Cell<usize> = const { Cell::new(0) };
        /// Calls from general code the tier stopped with an error.
        pub static STOPPED: Cell<usize> = const { Cell::new(0) };
        /// Calls from general code where the tier gave up.
        pub static BAILED: Cell<usize> = const { Cell::new(0) };
    }
}

#[cfg(test)]
mod tests;
