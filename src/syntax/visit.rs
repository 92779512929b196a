//! The one recursive walk over the AST (after gleam's `ast/visit.rs`): a
//! read-only [`Visit`] and a mutable [`VisitMut`], each a trait whose default
//! methods walk the children, so that a pass overrides only the nodes it cares
//! about and calls the matching `walk_*` function to go on below them.
//!
//! Operator chains nest as deep as a script is long. A chain of binary operations
//! nested on the left (`1 + 1 + … + 1`, the common one) is walked in a loop, with
//! no stack per link; for any other nesting (`- - x`, `x.T.T…`) the walk of an
//! expression looks at the stack every few levels and grows it on the heap when
//! it runs short, so no input overflows it.

use super::ast::{
    Arg, Block, ClassDecl, Comprehension, Expr, ExprKind, FPart, FnDecl, Ident, Index, Stmt,
    StmtKind,
};

/// How much stack a level of nesting may use before more is allocated (and how much).
pub const STACK_RED_ZONE: usize = 128 * 1024;
pub const STACK_GROWTH: usize = 4 * 1024 * 1024;

/// A read-only pass over the AST. Every method's default walks the node's
/// children in source order.
pub trait Visit<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        walk_stmt(self, stmt);
    }

    fn visit_block(&mut self, block: &'a Block) {
        walk_block(self, block);
    }

    /// Every expression, except a binary operation that is the left operand of
    /// another (an inner link of a chain `a + b + c`, as long as a script): the
    /// walk goes down a chain in a loop and visits the operands of its links, not
    /// the links themselves.
    fn visit_expr(&mut self, expr: &'a Expr) {
        walk_expr(self, expr);
    }

    /// A function (named or anonymous): its parameters, then its body.
    fn visit_fn(&mut self, decl: &'a FnDecl) {
        walk_fn(self, decl);
    }

    /// A name being bound: an assignment's target, a parameter, a loop variable,
    /// a function's or an import's name.
    fn visit_binding(&mut self, _ident: &'a Ident) {}

    /// A name being read (an `ExprKind::Name`).
    fn visit_read(&mut self, _expr: &'a Expr) {}

    fn visit_index(&mut self, index: &'a Index) {
        walk_index(self, index);
    }

    /// A comprehension, in the order it runs: the first iterable, then each
    /// clause's targets and conditions (and the next iterable), then the element.
    fn visit_comprehension(&mut self, comp: &'a Comprehension) {
        walk_comprehension(self, comp);
    }
}

pub fn walk_comprehension<'a, V: Visit<'a> + ?Sized>(v: &mut V, comp: &'a Comprehension) {
    for clause in &comp.clauses {
        v.visit_expr(&clause.iter);
        for t in &clause.targets {
            v.visit_binding(t);
        }
        for c in &clause.conds {
            v.visit_expr(c);
        }
    }
    v.visit_expr(&comp.element);
    if let Some(value) = &comp.value {
        v.visit_expr(value);
    }
}

pub fn walk_block<'a, V: Visit<'a> + ?Sized>(v: &mut V, block: &'a Block) {
    for s in &block.stmts {
        v.visit_stmt(s);
    }
}

pub fn walk_fn<'a, V: Visit<'a> + ?Sized>(v: &mut V, decl: &'a FnDecl) {
    for p in &decl.params {
        v.visit_binding(p);
    }
    v.visit_block(&decl.body);
}

/// A function's default values: expressions of the scope that defines it,
/// evaluated there (before the function's name is bound).
pub fn walk_defaults<'a, V: Visit<'a> + ?Sized>(v: &mut V, decl: &'a FnDecl) {
    for e in decl.defaults.iter().flatten() {
        v.visit_expr(e);
    }
}

pub fn walk_index<'a, V: Visit<'a> + ?Sized>(v: &mut V, index: &'a Index) {
    match index {
        Index::Single(e) => v.visit_expr(e),
        Index::Slice {
            start, end, step, ..
        } => {
            for e in [start, end, step].into_iter().flatten() {
                v.visit_expr(e);
            }
        }
    }
}

pub fn walk_stmt<'a, V: Visit<'a> + ?Sized>(v: &mut V, stmt: &'a Stmt) {
    match &stmt.kind {
        StmtKind::Expr(e) => v.visit_expr(e),
        StmtKind::Assign { target, value } => {
            v.visit_expr(value);
            v.visit_binding(target);
        }
        StmtKind::Unpack { targets, value } => {
            v.visit_expr(value);
            for t in targets {
                v.visit_binding(t);
            }
        }
        StmtKind::CompoundAssign { target, value, .. } => {
            v.visit_expr(value);
            v.visit_binding(target);
        }
        StmtKind::FnDef(decl) => {
            walk_defaults(v, decl);
            if let Some(name) = &decl.name {
                v.visit_binding(name);
            }
            v.visit_fn(decl);
            // The backward clause is a function defined beside the function.
            if let Some(b) = &decl.backward {
                v.visit_fn(b);
            }
        }
        StmtKind::If {
            branches,
            else_block,
        } => {
            for (cond, block) in branches {
                v.visit_expr(cond);
                v.visit_block(block);
            }
            if let Some(b) = else_block {
                v.visit_block(b);
            }
        }
        StmtKind::While { cond, body } => {
            v.visit_expr(cond);
            v.visit_block(body);
        }
        StmtKind::For {
            targets,
            iter,
            body,
        } => {
            v.visit_expr(iter);
            for t in targets {
                v.visit_binding(t);
            }
            v.visit_block(body);
        }
        StmtKind::Break | StmtKind::Continue | StmtKind::Return(None) => {}
        StmtKind::Return(Some(e)) => v.visit_expr(e),
        StmtKind::NoGrad(b) => v.visit_block(b),
        StmtKind::IndexAssign {
            object,
            indices,
            value,
            ..
        } => {
            v.visit_expr(object);
            for ix in indices {
                v.visit_index(ix);
            }
            v.visit_expr(value);
        }
        StmtKind::AttrAssign { object, value, .. } => {
            v.visit_expr(object);
            v.visit_expr(value);
        }
        StmtKind::Import { binding, .. } => v.visit_binding(binding),
        StmtKind::Class(c) => walk_class(v, c),
    }
}

/// A class: its name is bound, then each method is a function of the enclosing
/// scope (the class body is not a scope of its own, as Python's methods do not see
/// it); methods' names are not bound.
pub fn walk_class<'a, V: Visit<'a> + ?Sized>(v: &mut V, c: &'a ClassDecl) {
    v.visit_binding(&c.name);
    for m in &c.methods {
        walk_defaults(v, m);
        v.visit_fn(m);
    }
}

pub fn walk_expr<'a, V: Visit<'a> + ?Sized>(v: &mut V, expr: &'a Expr) {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || walk_expr_inner(v, expr));
}

fn walk_expr_inner<'a, V: Visit<'a> + ?Sized>(v: &mut V, expr: &'a Expr) {
    let args = |v: &mut V, args: &'a [Arg]| {
        for a in args {
            match a {
                Arg::Positional(e) | Arg::Keyword { value: e, .. } => v.visit_expr(e),
            }
        }
    };
    match &expr.kind {
        ExprKind::Number(_)
        | ExprKind::Numbers(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::None => {}
        ExprKind::Name(_) => v.visit_read(expr),
        ExprKind::TensorLit(items) | ExprKind::Tuple(items) | ExprKind::Dict(items) => {
            for e in items.iter() {
                v.visit_expr(e);
            }
        }
        ExprKind::Unary { operand, .. } => v.visit_expr(operand),
        ExprKind::Binary { operands, .. } => {
            let [lhs, rhs] = &**operands;
            match &lhs.kind {
                ExprKind::Binary { .. } => walk_chain(v, lhs, rhs),
                _ => {
                    v.visit_expr(lhs);
                    v.visit_expr(rhs);
                }
            }
        }
        ExprKind::Call(call) => {
            v.visit_expr(&call.callee);
            args(v, &call.args);
        }
        ExprKind::Method(m) => {
            v.visit_expr(&m.receiver);
            args(v, &m.args);
        }
        ExprKind::Attr(a) => v.visit_expr(&a.object),
        ExprKind::Index(x) => {
            v.visit_expr(&x.object);
            for ix in x.indices.iter() {
                v.visit_index(ix);
            }
        }
        ExprKind::Lambda(decl) => {
            walk_defaults(v, decl);
            v.visit_fn(decl);
        }
        ExprKind::FString(parts) => {
            for p in parts.iter() {
                if let FPart::Value { expr, .. } = p {
                    v.visit_expr(expr);
                }
            }
        }
        ExprKind::Comprehension(comp) => v.visit_comprehension(comp),
        ExprKind::IfElse(c) => {
            v.visit_expr(&c.cond);
            v.visit_expr(&c.then);
            v.visit_expr(&c.otherwise);
        }
    }
}

/// The operands of a chain of binary operations nested on the left (`a + b + c`
/// is `(a + b) + c`), `lhs` and `rhs` being those of its outermost link: walked
/// in a loop, in the order the recursion would meet them (the innermost left
/// operand, then every right operand from the innermost out), with no stack per
/// link. The inner links themselves are not visited (see [`Visit::visit_expr`]).
fn walk_chain<'a, V: Visit<'a> + ?Sized>(v: &mut V, lhs: &'a Expr, rhs: &'a Expr) {
    // The right operands, numbered from the outermost (`rhs`, 0) in: visited from
    // the innermost out, a slice of `CHAIN_SLICE` at a time, each found by going
    // down the chain again. A chain of a million links (a 10 MB sum) is gone down
    // a few dozen times instead of its million operands being held at once.
    let count = chain_len(lhs) + 1;
    let mut left = lhs;
    while let ExprKind::Binary { operands, .. } = &left.kind {
        left = &operands[0];
    }
    v.visit_expr(left);
    let mut end = count;
    while end > 0 {
        let start = end.saturating_sub(CHAIN_SLICE);
        let mut slice = Vec::with_capacity(end - start);
        let (mut right, mut inner) = (rhs, lhs);
        for k in 0..end {
            if k >= start {
                slice.push(right);
            }
            if let ExprKind::Binary { operands, .. } = &inner.kind {
                let [l, r] = &**operands;
                (right, inner) = (r, l);
            }
        }
        for r in slice.into_iter().rev() {
            v.visit_expr(r);
        }
        end = start;
    }
}

/// How many right operands of a chain [`walk_chain`] holds at once.
const CHAIN_SLICE: usize = 1 << 16;

/// How many links of a chain of binary operations nested on the left `e` starts.
fn chain_len(mut e: &Expr) -> usize {
    let mut n = 0;
    while let ExprKind::Binary { operands, .. } = &e.kind {
        n += 1;
        e = &operands[0];
    }
    n
}

/// A pass that may change the AST in place (a function shared by an `Rc` is
/// visited only when nothing else holds it). Defaults walk the children.
pub trait VisitMut {
    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        walk_stmt_mut(self, stmt);
    }

    fn visit_block_mut(&mut self, block: &mut Block) {
        for s in &mut block.stmts {
            self.visit_stmt_mut(s);
        }
    }

    /// Every expression but the inner links of a chain of binary operations (as
    /// [`Visit::visit_expr`]).
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        walk_expr_mut(self, expr);
    }

    fn visit_fn_mut(&mut self, decl: &mut FnDecl) {
        for p in &mut decl.params {
            self.visit_binding_mut(p);
        }
        self.visit_block_mut(&mut decl.body);
    }

    fn visit_binding_mut(&mut self, _ident: &mut Ident) {}

    fn visit_index_mut(&mut self, index: &mut Index) {
        match index {
            Index::Single(e) => self.visit_expr_mut(e),
            Index::Slice {
                start, end, step, ..
            } => {
                for e in [start, end, step].into_iter().flatten() {
                    self.visit_expr_mut(e);
                }
            }
        }
    }
}

pub fn walk_stmt_mut<V: VisitMut + ?Sized>(v: &mut V, stmt: &mut Stmt) {
    match &mut stmt.kind {
        StmtKind::Expr(e) => v.visit_expr_mut(e),
        StmtKind::Assign { target, value } => {
            v.visit_expr_mut(value);
            v.visit_binding_mut(target);
        }
        StmtKind::Unpack { targets, value } => {
            v.visit_expr_mut(value);
            for t in targets {
                v.visit_binding_mut(t);
            }
        }
        StmtKind::CompoundAssign { target, value, .. } => {
            v.visit_expr_mut(value);
            v.visit_binding_mut(target);
        }
        StmtKind::FnDef(decl) => {
            if let Some(decl) = std::rc::Rc::get_mut(decl) {
                for e in decl.defaults.iter_mut().flatten() {
                    v.visit_expr_mut(e);
                }
                if let Some(name) = &mut decl.name {
                    v.visit_binding_mut(name);
                }
                v.visit_fn_mut(decl);
                if let Some(b) = decl.backward.as_mut().and_then(std::rc::Rc::get_mut) {
                    v.visit_fn_mut(b);
                }
            }
        }
        StmtKind::If {
            branches,
            else_block,
        } => {
            for (cond, block) in branches {
                v.visit_expr_mut(cond);
                v.visit_block_mut(block);
            }
            if let Some(b) = else_block {
                v.visit_block_mut(b);
            }
        }
        StmtKind::While { cond, body } => {
            v.visit_expr_mut(cond);
            v.visit_block_mut(body);
        }
        StmtKind::For {
            targets,
            iter,
            body,
        } => {
            v.visit_expr_mut(iter);
            for t in targets {
                v.visit_binding_mut(t);
            }
            v.visit_block_mut(body);
        }
        StmtKind::Break | StmtKind::Continue | StmtKind::Return(None) => {}
        StmtKind::Return(Some(e)) => v.visit_expr_mut(e),
        StmtKind::NoGrad(b) => v.visit_block_mut(b),
        StmtKind::IndexAssign {
            object,
            indices,
            value,
            ..
        } => {
            v.visit_expr_mut(object);
            for ix in indices {
                v.visit_index_mut(ix);
            }
            v.visit_expr_mut(value);
        }
        StmtKind::AttrAssign { object, value, .. } => {
            v.visit_expr_mut(object);
            v.visit_expr_mut(value);
        }
        StmtKind::Import { binding, .. } => v.visit_binding_mut(binding),
        StmtKind::Class(c) => {
            if let Some(c) = std::rc::Rc::get_mut(c) {
                v.visit_binding_mut(&mut c.name);
                for m in &mut c.methods {
                    if let Some(m) = std::rc::Rc::get_mut(m) {
                        for e in m.defaults.iter_mut().flatten() {
                            v.visit_expr_mut(e);
                        }
                        v.visit_fn_mut(m);
                    }
                }
            }
        }
    }
}

pub fn walk_expr_mut<V: VisitMut + ?Sized>(v: &mut V, expr: &mut Expr) {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || match &mut expr.kind {
        ExprKind::Number(_)
        | ExprKind::Numbers(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Name(_) => {}
        ExprKind::FString(parts) => {
            for p in std::rc::Rc::get_mut(&mut **parts).into_iter().flatten() {
                if let FPart::Value { expr, .. } = p {
                    v.visit_expr_mut(expr);
                }
            }
        }
        ExprKind::TensorLit(items) | ExprKind::Tuple(items) | ExprKind::Dict(items) => {
            for e in items.iter_mut() {
                v.visit_expr_mut(e);
            }
        }
        ExprKind::Unary { operand, .. } => v.visit_expr_mut(operand),
        ExprKind::Binary { operands, .. } => {
            // A chain nested on the left, in a loop (as `walk_chain`).
            let [lhs, rhs] = &mut **operands;
            let mut rights = Vec::with_capacity(chain_len(lhs) + 1);
            rights.push(rhs);
            let mut left = lhs;
            while matches!(left.kind, ExprKind::Binary { .. }) {
                let ExprKind::Binary { operands, .. } = &mut left.kind else {
                    unreachable!("a binary operation, checked above")
                };
                let [lhs, rhs] = &mut **operands;
                rights.push(rhs);
                left = lhs;
            }
            v.visit_expr_mut(left);
            for r in rights.into_iter().rev() {
                v.visit_expr_mut(r);
            }
        }
        ExprKind::Call(call) => {
            let (x, args) = (&mut call.callee, &mut call.args);
            v.visit_expr_mut(x);
            for a in args.iter_mut() {
                match a {
                    Arg::Positional(e) | Arg::Keyword { value: e, .. } => v.visit_expr_mut(e),
                }
            }
        }
        ExprKind::Method(m) => {
            let (x, args) = (&mut m.receiver, &mut m.args);
            v.visit_expr_mut(x);
            for a in args.iter_mut() {
                match a {
                    Arg::Positional(e) | Arg::Keyword { value: e, .. } => v.visit_expr_mut(e),
                }
            }
        }
        ExprKind::Attr(a) => v.visit_expr_mut(&mut a.object),
        ExprKind::Index(x) => {
            v.visit_expr_mut(&mut x.object);
            for ix in x.indices.iter_mut() {
                v.visit_index_mut(ix);
            }
        }
        ExprKind::Lambda(decl) => {
            if let Some(decl) = std::rc::Rc::get_mut(decl) {
                for e in decl.defaults.iter_mut().flatten() {
                    v.visit_expr_mut(e);
                }
                v.visit_fn_mut(decl);
            }
        }
        ExprKind::Comprehension(comp) => {
            for clause in &mut comp.clauses {
                v.visit_expr_mut(&mut clause.iter);
                for t in &mut clause.targets {
                    v.visit_binding_mut(t);
                }
                for c in &mut clause.conds {
                    v.visit_expr_mut(c);
                }
            }
            v.visit_expr_mut(&mut comp.element);
            if let Some(value) = &mut comp.value {
                v.visit_expr_mut(value);
            }
        }
        ExprKind::IfElse(c) => {
            v.visit_expr_mut(&mut c.cond);
            v.visit_expr_mut(&mut c.then);
            v.visit_expr_mut(&mut c.otherwise);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceId;

    fn program(text: &str) -> crate::syntax::ast::Program {
        crate::syntax::parse(text, SourceId(0))
            .program
            .expect("parses")
    }

    /// Every name read and bound, in the order the walk meets them (a value before
    /// the name it is bound to, as it runs).
    #[derive(Default)]
    struct Names(Vec<String>);

    impl<'a> Visit<'a> for Names {
        fn visit_binding(&mut self, ident: &'a Ident) {
            self.0.push(format!("={}", ident.name));
        }

        fn visit_read(&mut self, expr: &'a Expr) {
            if let ExprKind::Name(n) = &expr.kind {
                self.0.push(n.to_string());
            }
        }
    }

    #[test]
    fn the_walk_meets_every_name_in_evaluation_order() {
        let p = program(
            "fn f(a, b) { c = a + b; return g(c)[i:j] }\n\
             for k in xs { t[k] += f\"{u:.2f}\" }\n\
             h = fn(q) { return q.w }\n",
        );
        let mut names = Names::default();
        for s in &p {
            names.visit_stmt(s);
        }
        assert_eq!(
            names.0.join(" "),
            "=f =a =b a b =c g c i j xs =k t k u =q q =h"
        );
    }

    /// Renames every name read: the mutable walk reaches every expression.
    struct Upper;

    impl VisitMut for Upper {
        fn visit_expr_mut(&mut self, expr: &mut Expr) {
            if let ExprKind::Name(n) = &expr.kind {
                expr.kind = ExprKind::Name(std::rc::Rc::new(n.to_uppercase().into()));
            }
            walk_expr_mut(self, expr);
        }
    }

    #[test]
    fn the_mutable_walk_reaches_nested_expressions() {
        let mut p = program("x = f(a, [b, c])[d] + f\"{e}\"\n");
        for s in &mut p {
            Upper.visit_stmt_mut(s);
        }
        let mut names = Names::default();
        for s in &p {
            names.visit_stmt(s);
        }
        assert_eq!(names.0.join(" "), "F A B C D E =x");
    }

    /// Every expression `visit_expr` is called for, as source text.
    struct Seen<'t>(&'t str, Vec<String>);

    impl<'a> Visit<'a> for Seen<'_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            let (s, e) = (expr.span.start as usize, expr.span.end as usize);
            self.1.push(self.0[s..e].to_string());
            walk_expr(self, expr);
        }
    }

    #[test]
    fn a_chain_is_walked_in_order_without_its_inner_links() {
        let text = "x = a - b * c + (d or e) + f\n";
        let p = program(text);
        let mut names = Names::default();
        names.visit_stmt(&p[0]);
        assert_eq!(names.0.join(" "), "a b c d e f =x");
        // The chain `((a - b * c) + (d or e)) + f`: its outermost link, then the
        // operands of its links (a right operand is walked as any expression).
        let mut seen = Seen(text, Vec::new());
        seen.visit_stmt(&p[0]);
        assert_eq!(
            seen.1,
            [
                "a - b * c + (d or e) + f",
                "a",
                "b * c",
                "b",
                "c",
                "(d or e)",
                "d",
                "e",
                "f"
            ]
        );
    }

    #[test]
    fn the_mutable_walk_reaches_every_operand_of_a_chain() {
        let mut p = program("x = a + b * c - d\n");
        for s in &mut p {
            Upper.visit_stmt_mut(s);
        }
        let mut names = Names::default();
        names.visit_stmt(&p[0]);
        assert_eq!(names.0.join(" "), "A B C D =x");
    }

    #[test]
    fn a_long_operator_chain_is_walked_without_overflow() {
        // Longer than `CHAIN_SLICE`: the operands are met in order across slices.
        let operands: Vec<String> = (0..200_000).map(|k| format!("y{k}")).collect();
        let text = format!("x = {}\n", operands.join("+"));
        let p = program(&text);
        let mut names = Names::default();
        names.visit_stmt(&p[0]);
        assert_eq!(names.0.len(), 200_001);
        assert!(names.0[..200_000] == operands[..], "out of order");
        assert_eq!(names.0[200_000], "=x");
    }
}
