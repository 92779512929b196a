//! The abstract syntax tree: spanned types only, no behaviour. Passes read it
//! (`syntax::visit`); what they find (places of names, frame layouts) goes in
//! their own side tables, never into the tree.

use crate::source::Span;
use std::rc::Rc;

/// A name as written in the source.
pub type Name = Rc<str>;

/// A name together with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: Name,
    pub span: Span,
}

impl Ident {
    pub fn new(name: Name, span: Span) -> Ident {
        Ident { name, span }
    }
}

/// The name `import "path"` binds without `as`: the file's stem (`nn` for
/// `"lib/nn.bp"`).
pub fn module_stem(path: &str) -> Name {
    std::path::Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .into()
}

/// A whole script or one REPL entry.
pub type Program = Vec<Stmt>;

/// Statements between `{` and `}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

/// The operands of the statements other than `x = e` and `e` are boxed: a statement
/// is 112 bytes, not 192 (a 10 MB script holds hundreds of thousands of them).
#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `expr`
    Expr(Expr),
    /// `x = expr`
    Assign {
        target: Ident,
        value: Expr,
    },
    /// `a, b = expr`
    Unpack {
        targets: Vec<Ident>,
        value: Box<Expr>,
    },
    /// `x += expr` (also `-=`, `*=`, `/=`); `op_span` covers the `+=`.
    CompoundAssign {
        target: Ident,
        op: BinOp,
        op_span: Span,
        value: Box<Expr>,
    },
    /// `fn name(p, q) { ... }`
    FnDef(Rc<FnDecl>),
    /// `if c { } else if c { } else { }`
    If {
        branches: Vec<(Expr, Block)>,
        else_block: Option<Block>,
    },
    /// `while c { }`
    While {
        cond: Box<Expr>,
        body: Block,
    },
    /// `for x in iter { }`, `for i, c in iter { }` (SPEC §23): one target, or
    /// several that each item unpacks into.
    For {
        targets: Vec<Ident>,
        iter: Box<Expr>,
        body: Block,
    },
    Break,
    Continue,
    /// `return` or `return expr`
    Return(Option<Expr>),
    /// `no_grad { }`
    NoGrad(Block),
    /// `x[i] = v`, `xs[i] = v`, and `x[i] += v` (`op` is the operator of `+=`,
    /// `-=`, `*=`, `/=`, with its span).
    IndexAssign {
        object: Box<Expr>,
        indices: Vec<Index>,
        op: Option<(BinOp, Span)>,
        value: Box<Expr>,
    },
    /// `x.name = v` and `x.name op= v`: a tensor's `requires_grad`, `grad` and
    /// `data` (SPEC §19 PyTorch habits).
    AttrAssign {
        object: Box<Expr>,
        name: Ident,
        op: Option<(BinOp, Span)>,
        value: Box<Expr>,
    },
    /// `class Name { fn init(self, ...) {...} ... }` (SPEC §19 Classes).
    Class(Rc<ClassDecl>),
    /// `import "path.bp" as name` (`name` is `None` for `import "path.bp"`).
    /// `binding` is the name the import binds: `name`, else the file's stem
    /// spanned at the path (computed once, by the parser).
    Import {
        path: Rc<str>,
        path_span: Span,
        name: Option<Ident>,
        binding: Ident,
    },
}

/// One part of an f-string.
#[derive(Clone, Debug, PartialEq)]
pub enum FPart {
    /// Literal text.
    Text(Rc<str>),
    /// `{expr}` or `{expr:spec}`.
    Value {
        expr: Expr,
        spec: Option<(Rc<str>, Span)>,
    },
}

/// A function: named (`fn f(x) {}`) or anonymous (`fn(x) {}`).
#[derive(Clone, Debug, PartialEq)]
pub struct FnDecl {
    /// `None` for an anonymous function.
    pub name: Option<Ident>,
    pub params: Vec<Ident>,
    /// Each parameter's default value (`lr=0.1`), one per parameter, `None` where
    /// the call must give it. Evaluated once, where the function is defined.
    pub defaults: Vec<Option<Expr>>,
    pub body: Block,
    /// The whole definition, `fn` to `}`.
    pub span: Span,
    /// `backward(g, x, out) { ... }` after a named function's body (SPEC §21):
    /// the function's own derivative, an anonymous function of the gradient, the
    /// arguments and the output, defined where the function is.
    pub backward: Option<Rc<FnDecl>>,
}

/// A class: its name and its methods (`init`, `call`, `show` and any other).
#[derive(Clone, Debug, PartialEq)]
pub struct ClassDecl {
    pub name: Ident,
    pub methods: Vec<Rc<FnDecl>>,
    /// The whole definition, `class` to `}`.
    pub span: Span,
}

/// An expression: 32 bytes (a 10 MB script holds millions of them). Every variant's
/// payload is one pointer at most (the operator of `Unary`/`Binary` sits beside the
/// tag): the rare and the large ones are boxed.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Drop for Expr {
    // Operator chains (`1 + 1 + … + 1`, `- - - x`, `x.T.T…`) nest as deep as the
    // script is long; dropping them recursively would overflow the stack, so the
    // children are unlinked onto a heap stack and dropped one by one.
    fn drop(&mut self) {
        let mut stack = Vec::new();
        take_children(&mut self.kind, &mut stack);
        while let Some(mut e) = stack.pop() {
            take_children(&mut e.kind, &mut stack);
        }
    }
}

/// Moves the sub-expressions of `kind` that have children of their own onto `out`
/// (a leaf is dropped where it is: a list of millions of numbers is not copied).
fn take_children(kind: &mut ExprKind, out: &mut Vec<Expr>) {
    fn take(e: &mut Expr, out: &mut Vec<Expr>) {
        if e.kind.has_children() {
            let span = e.span;
            out.push(std::mem::replace(
                e,
                Expr {
                    kind: ExprKind::None,
                    span,
                },
            ));
        }
    }
    fn args(a: &mut [Arg], out: &mut Vec<Expr>) {
        for arg in a {
            match arg {
                Arg::Positional(e) | Arg::Keyword { value: e, .. } => take(e, out),
            }
        }
    }
    match kind {
        ExprKind::TensorLit(items) | ExprKind::Tuple(items) | ExprKind::Dict(items) => {
            for e in items.iter_mut() {
                take(e, out);
            }
        }
        ExprKind::Unary { operand, .. } => take(operand, out),
        ExprKind::Binary { operands, .. } => {
            let [lhs, rhs] = &mut **operands;
            take(lhs, out);
            take(rhs, out);
        }
        ExprKind::Call(call) => {
            take(&mut call.callee, out);
            args(&mut call.args, out);
        }
        ExprKind::Method(m) => {
            take(&mut m.receiver, out);
            args(&mut m.args, out);
        }
        ExprKind::Attr(a) => take(&mut a.object, out),
        ExprKind::IfElse(c) => {
            take(&mut c.cond, out);
            take(&mut c.then, out);
            take(&mut c.otherwise, out);
        }
        ExprKind::Index(x) => {
            take(&mut x.object, out);
            for ix in x.indices.iter_mut() {
                match ix {
                    Index::Single(e) => take(e, out),
                    Index::Slice {
                        start, end, step, ..
                    } => {
                        for e in [start, end, step].into_iter().flatten() {
                            take(e, out);
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

impl ExprKind {
    /// True when dropping this expression drops sub-expressions held in the tree
    /// itself (not behind an `Rc` or a box of its own kind).
    fn has_children(&self) -> bool {
        !matches!(
            self,
            ExprKind::Number(_)
                | ExprKind::Numbers(_)
                | ExprKind::Str(_)
                | ExprKind::Bool(_)
                | ExprKind::None
                | ExprKind::Name(_)
                | ExprKind::Lambda(_)
                | ExprKind::FString(_)
                | ExprKind::Comprehension(_)
        )
    }
}

/// The items of a list, tuple or dict literal: boxed, so that the expression stays
/// one pointer wide, and without room to spare.
pub type Items = Box<Vec<Expr>>;

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Number(f64),
    Str(Box<Rc<str>>),
    Bool(bool),
    None,
    /// A name read; the parser shares one `Rc` between the reads of one name.
    Name(Rc<Name>),
    /// `[a, b, c]`: stacks its elements along a new first axis.
    TensorLit(Items),
    /// `[1, -2.5, 3]`: a tensor literal whose every item is a number literal or a
    /// minus before one, held as the items' values (8 bytes an item, not an
    /// expression of 32): a script's data (a list of millions of numbers) is
    /// compact in the tree and shared with the compiled code. Also `[[1, 2], [3,
    /// 4]]`: a literal whose items are such literals of one shape, to any depth. It
    /// means what the same [`ExprKind::TensorLit`] of `Number` and `-Number` items
    /// (and of such literals) means; the items' spans are not kept (nothing reads
    /// them: a tensor of numbers has no error to report at an item), only the first
    /// item's at each level, for the one report that names it
    /// ([`NumberList::firsts`]).
    Numbers(Rc<NumberList>),
    /// `(a, b)`, `(a,)`, `()`
    Tuple(Items),
    /// `{k: v, ...}` in expression position: keys and values alternate
    /// (`[k0, v0, k1, v1, ...]`).
    Dict(Items),
    Unary {
        op: UnOp,
        operand: Box<Expr>,
    },
    /// Every binary operator, `and`/`or` included (they short-circuit): the left
    /// and the right operand in one box.
    Binary {
        op: BinOp,
        operands: Box<[Expr; 2]>,
    },
    /// `f(args)`
    Call(Box<Call>),
    /// `x.f(args)`, which means `f(x, args)`.
    Method(Box<Method>),
    /// `x.name`
    Attr(Box<Attr>),
    /// `x[i, a:b, ::s]`
    Index(Box<Subscript>),
    /// `fn(x) { ... }`
    Lambda(Rc<FnDecl>),
    /// `f"text {expr:spec} text"`
    FString(Box<Rc<[FPart]>>),
    /// `[e for x in xs if c]` (a list) and `{k: v for x in xs}` (a dict): SPEC §19.
    Comprehension(Box<Comprehension>),
    /// `a if cond else b` (SPEC §23: binds loosest).
    IfElse(Box<IfElse>),
}

/// The items of an [`ExprKind::Numbers`] literal.
#[derive(Clone, Debug, PartialEq)]
pub struct NumberList {
    /// Each number's value (`-2.5` for the item `-2.5`), in the order written
    /// (`[[1, 2], [3, 4]]`: 1, 2, 3, 4); at least one.
    pub values: Box<[f64]>,
    /// The literal's shape: `[3]` for `[1, 2, 3]`, `[2, 2]` for `[[1, 2], [3, 4]]`.
    pub shape: Box<[usize]>,
    /// The span of the first item, of the first item's first item, and so on: one
    /// per axis.
    pub firsts: Box<[Span]>,
}

/// `f(args)`
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub callee: Expr,
    pub args: Box<[Arg]>,
}

/// `x.f(args)`
#[derive(Clone, Debug, PartialEq)]
pub struct Method {
    pub receiver: Expr,
    pub name: Ident,
    pub args: Box<[Arg]>,
}

/// `x.name`
#[derive(Clone, Debug, PartialEq)]
pub struct Attr {
    pub object: Expr,
    pub name: Ident,
}

/// `x[i, a:b, ::s]`
#[derive(Clone, Debug, PartialEq)]
pub struct Subscript {
    pub object: Expr,
    pub indices: Box<[Index]>,
}

/// `a if cond else b`
#[derive(Clone, Debug, PartialEq)]
pub struct IfElse {
    pub cond: Expr,
    pub then: Expr,
    pub otherwise: Expr,
}

/// A list or dict comprehension. Its variables are its own (as in Python 3): the
/// resolver gives it a scope and a frame of its own, keyed by the expression's span.
#[derive(Clone, Debug, PartialEq)]
pub struct Comprehension {
    /// The element of a list; the key of a dict.
    pub element: Expr,
    /// The value of a dict comprehension; `None` for a list.
    pub value: Option<Expr>,
    /// The `for` clauses, outermost first (at least one).
    pub clauses: Vec<CompFor>,
}

/// `for a, b in iter if c if d` of a comprehension.
#[derive(Clone, Debug, PartialEq)]
pub struct CompFor {
    pub targets: Vec<Ident>,
    pub iter: Expr,
    pub conds: Vec<Expr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    /// `//`: floor division.
    FloorDiv,
    MatMul,
    Pow,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    /// `in`, `not in`: membership.
    In,
    NotIn,
    /// `is`, `is not`: identity.
    Is,
    IsNot,
}

impl BinOp {
    /// For `and` and `or`, the truth of the left side that decides the result without
    /// the right side: `and` stops at a false left side, `or` at a true one.
    pub fn stops_at(self) -> Option<bool> {
        match self {
            BinOp::And => Some(false),
            BinOp::Or => Some(true),
            _ => None,
        }
    }

    /// The operator as written in source.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::FloorDiv => "//",
            BinOp::MatMul => "@",
            BinOp::Pow => "**",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::Is => "is",
            BinOp::IsNot => "is not",
        }
    }
}

/// One call argument. The bare flag `grad` is `Keyword { name: grad, value: true }`.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Positional(Expr),
    /// The name is boxed: an argument is 40 bytes, not 64.
    Keyword {
        name: Box<Ident>,
        value: Expr,
    },
}

/// One entry between `[` and `]` of an index expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Index {
    /// `x[i]`: removes the axis.
    Single(Expr),
    /// `x[a:b:s]` with any part left out: keeps the axis.
    Slice {
        start: Option<Expr>,
        end: Option<Expr>,
        step: Option<Expr>,
        span: Span,
    },
}
