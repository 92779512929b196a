//! The slot pass: after parsing and before running, every name that is read becomes
//! a [`Place`] (a slot of the running frame, of an enclosing function's frame, or of
//! the globals) and every function gets the layout of its frame, so that the
//! evaluator indexes vectors instead of searching scopes by name.
//!
//! The pass follows the scope rules of SPEC §4 exactly as the evaluator runs them:
//! only function bodies open a scope; a function's frame has a slot for every name
//! the function binds (its parameters first); a read looks in its own frame, then in
//! the enclosing functions' frames, then in the globals, then among the builtins. A
//! slot that is not bound yet when it is read falls back to that same search by name
//! at run time, so resolving never changes what a program does. Code the pass cannot
//! reach (a function declaration shared elsewhere) keeps its names and is looked up
//! by name.

use super::globals::Globals;
use crate::fast_hash::FastMap;
use crate::syntax::ast::{
    Arg, Block, Expr, ExprKind, FPart, FnDecl, Frame, Ident, Index, Name, Place, Program, Stmt,
    StmtKind, Var,
};
use std::rc::Rc;

/// How much stack one level of nesting may use before more is allocated.
const STACK_RED_ZONE: usize = 128 * 1024;
const STACK_GROWTH: usize = 4 * 1024 * 1024;

/// Resolves a script's (or REPL entry's) program: its top level is the globals.
pub(crate) fn resolve_script(program: &mut Program, globals: &mut Globals) {
    let mut pass = Pass {
        scopes: Vec::new(),
        globals: Some(globals),
    };
    pass.stmts(program);
}

/// Resolves an imported module's program: its top level is a frame of its own
/// (whose names miss to the builtins, never to the importer's globals). Gives the
/// layout of that frame.
pub(crate) fn resolve_module(program: &mut Program) -> Rc<[Name]> {
    let mut root = Scope::default();
    collect(program, &mut root);
    let mut pass = Pass {
        scopes: vec![root],
        globals: None,
    };
    pass.stmts(program);
    let root = pass.scopes.pop().unwrap_or_default();
    root.names.into()
}

/// The names one function binds, in slot order.
#[derive(Default)]
struct Scope {
    names: Vec<Name>,
    index: FastMap<Name, u32>,
}

impl Scope {
    /// The slot of `name`, made if new; `name` is made to share the slot's string
    /// (a later search by name then compares pointers).
    fn add(&mut self, name: &mut Name) -> u32 {
        if let Some(&i) = self.index.get(name) {
            if let Some(canonical) = self.names.get(i as usize) {
                *name = canonical.clone();
            }
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.clone());
        self.index.insert(name.clone(), i);
        i
    }
}

/// Gives every name that `stmts` bind (outside nested functions) a slot in `scope`.
fn collect(stmts: &mut [Stmt], scope: &mut Scope) {
    for s in stmts {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || collect_stmt(s, scope));
    }
}

fn collect_stmt(s: &mut Stmt, scope: &mut Scope) {
    match &mut s.kind {
        StmtKind::Assign { target, .. } | StmtKind::CompoundAssign { target, .. } => {
            scope.add(&mut target.name);
        }
        StmtKind::Unpack { targets, .. } => {
            for t in targets {
                scope.add(&mut t.name);
            }
        }
        StmtKind::FnDef(decl) => {
            if let Some(d) = Rc::get_mut(decl) {
                if let Some(n) = &mut d.name {
                    scope.add(&mut n.name);
                }
            } else if let Some(n) = &decl.name {
                scope.add(&mut n.name.clone());
            }
        }
        StmtKind::If {
            branches,
            else_block,
        } => {
            for (_, b) in branches {
                collect(&mut b.stmts, scope);
            }
            if let Some(b) = else_block {
                collect(&mut b.stmts, scope);
            }
        }
        StmtKind::While { body, .. } | StmtKind::NoGrad(body) => collect(&mut body.stmts, scope),
        StmtKind::For { var, body, .. } => {
            scope.add(&mut var.name);
            collect(&mut body.stmts, scope);
        }
        StmtKind::Import { path, name, .. } => match name {
            Some(n) => {
                scope.add(&mut n.name);
            }
            None => {
                scope.add(&mut super::lang::module_stem(path));
            }
        },
        StmtKind::Expr(_)
        | StmtKind::Break
        | StmtKind::Continue
        | StmtKind::Return(_)
        | StmtKind::IndexAssign { .. } => {}
    }
}

struct Pass<'g> {
    /// The frames of the functions around the code being resolved, innermost
    /// last (for a module, its top level first).
    scopes: Vec<Scope>,
    /// The globals, for a script; `None` for a module.
    globals: Option<&'g mut Globals>,
}

impl Pass<'_> {
    fn place(&mut self, name: &Name) -> Place {
        let n = self.scopes.len();
        for (k, scope) in self.scopes.iter().enumerate().rev() {
            if let Some(&slot) = scope.index.get(name) {
                let depth = (n - 1 - k) as u32;
                return if depth == 0 {
                    Place::Local(slot)
                } else {
                    Place::Captured { depth, slot }
                };
            }
        }
        match &mut self.globals {
            Some(g) => Place::Global(g.slot(name)),
            // A module's own top level is its outermost frame: what is not there
            // is a builtin or unknown.
            None => Place::Dynamic,
        }
    }

    fn function(&mut self, decl: &mut Rc<FnDecl>) {
        // Unreachable after a fresh parse (nothing else holds the declaration yet);
        // if it were shared, its names would be looked up by name.
        let Some(decl) = Rc::get_mut(decl) else {
            return;
        };
        let mut scope = Scope::default();
        let mut in_order = true;
        for (i, p) in decl.params.iter_mut().enumerate() {
            in_order &= scope.add(&mut p.name) as usize == i;
        }
        collect(&mut decl.body.stmts, &mut scope);
        self.scopes.push(scope);
        self.block(&mut decl.body);
        let scope = self.scopes.pop().unwrap_or_default();
        decl.frame = Frame {
            names: scope.names.into(),
            params_in_order: in_order,
        };
    }

    fn block(&mut self, b: &mut Block) {
        self.stmts(&mut b.stmts);
    }

    fn stmts(&mut self, stmts: &mut [Stmt]) {
        for s in stmts {
            stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.stmt(s));
        }
    }

    /// Where a binding of `name` by the code being resolved writes.
    fn target(&mut self, target: &mut Ident) {
        target.place = match (self.scopes.last(), &mut self.globals) {
            (Some(scope), _) => match scope.index.get(&target.name) {
                Some(&slot) => Place::Local(slot),
                None => Place::Dynamic,
            },
            (None, Some(g)) => Place::Global(g.slot(&target.name)),
            (None, None) => Place::Dynamic,
        };
    }

    fn stmt(&mut self, s: &mut Stmt) {
        match &mut s.kind {
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::Assign { target, value } | StmtKind::CompoundAssign { target, value, .. } => {
                self.target(target);
                self.expr(value);
            }
            StmtKind::Unpack { targets, value } => {
                for t in targets.iter_mut() {
                    self.target(t);
                }
                self.expr(value);
            }
            StmtKind::FnDef(decl) => {
                if let Some(d) = Rc::get_mut(decl) {
                    if let Some(name) = &mut d.name {
                        self.target(name);
                    }
                }
                self.function(decl);
            }
            StmtKind::If {
                branches,
                else_block,
            } => {
                for (c, b) in branches {
                    self.expr(c);
                    self.block(b);
                }
                if let Some(b) = else_block {
                    self.block(b);
                }
            }
            StmtKind::While { cond, body } => {
                self.expr(cond);
                self.block(body);
            }
            StmtKind::For { var, iter, body } => {
                self.target(var);
                self.expr(iter);
                self.block(body);
            }
            StmtKind::Return(e) => {
                if let Some(e) = e {
                    self.expr(e);
                }
            }
            StmtKind::NoGrad(b) => self.block(b),
            StmtKind::IndexAssign {
                object,
                indices,
                value,
                ..
            } => {
                self.expr(object);
                self.indices(indices);
                self.expr(value);
            }
            StmtKind::Import { name, .. } => {
                if let Some(name) = name {
                    self.target(name);
                }
            }
            StmtKind::Break | StmtKind::Continue => {}
        }
    }

    fn indices(&mut self, indices: &mut [Index]) {
        for ix in indices {
            match ix {
                Index::Single(e) => self.expr(e),
                Index::Slice {
                    start, end, step, ..
                } => {
                    for e in [start, end, step].into_iter().flatten() {
                        self.expr(e);
                    }
                }
            }
        }
    }

    fn args(&mut self, args: &mut [Arg]) {
        for a in args {
            match a {
                Arg::Positional(e) | Arg::Keyword { value: e, .. } => self.expr(e),
            }
        }
    }

    fn expr(&mut self, e: &mut Expr) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.expr_inner(e));
    }

    fn expr_inner(&mut self, e: &mut Expr) {
        match &mut e.kind {
            ExprKind::Name(n) => {
                let place = self.place(n);
                if place != Place::Dynamic {
                    let name = n.clone();
                    e.kind = ExprKind::Var(Var { name, place });
                }
            }
            ExprKind::Number(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Var(_) => {}
            ExprKind::TensorLit(items) | ExprKind::Tuple(items) | ExprKind::Dict(items) => {
                for i in items {
                    self.expr(i);
                }
            }
            ExprKind::Unary { operand, .. } => self.expr(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::Call { callee, args } => {
                self.expr(callee);
                self.args(args);
            }
            ExprKind::Method { receiver, args, .. } => {
                self.expr(receiver);
                self.args(args);
            }
            ExprKind::Attr { object, .. } => self.expr(object),
            ExprKind::Index { object, indices } => {
                self.expr(object);
                self.indices(indices);
            }
            ExprKind::Lambda(decl) => self.function(decl),
            ExprKind::FString(parts) => {
                if let Some(parts) = Rc::get_mut(parts) {
                    for p in parts {
                        if let FPart::Value { expr, .. } = p {
                            self.expr(expr);
                        }
                    }
                }
            }
        }
    }
}
