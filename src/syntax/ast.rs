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

/// Moves the sub-expressions of `kind` onto `out`, leaving leaves behind.
fn take_children(kind: &mut ExprKind, out: &mut Vec<Expr>) {
    fn unbox(b: &mut Expr) -> Expr {
        let span = b.span;
        std::mem::replace(
            b,
            Expr {
                kind: ExprKind::None,
                span,
            },
        )
    }
    fn args(a: &mut Vec<Arg>, out: &mut Vec<Expr>) {
        for arg in a.drain(..) {
            match arg {
                Arg::Positional(e) | Arg::Keyword { value: e, .. } => out.push(e),
            }
        }
    }
    match kind {
        ExprKind::TensorLit(items) | ExprKind::Tuple(items) | ExprKind::Dict(items) => {
            out.append(items)
        }
        ExprKind::Unary { operand, .. } => out.push(unbox(operand)),
        ExprKind::Binary { lhs, rhs, .. } => {
            out.push(unbox(lhs));
            out.push(unbox(rhs));
        }
        ExprKind::Call { callee, args: a } => {
            out.push(unbox(callee));
            args(a, out);
        }
        ExprKind::Method {
            receiver, args: a, ..
        } => {
            out.push(unbox(receiver));
            args(a, out);
        }
        ExprKind::Attr { object, .. } => out.push(unbox(object)),
        ExprKind::IfElse {
            cond,
            then,
            otherwise,
        } => {
            out.push(unbox(cond));
            out.push(unbox(then));
            out.push(unbox(otherwise));
        }
        ExprKind::Index { object, indices } => {
            out.push(unbox(object));
            for ix in indices.drain(..) {
                match ix {
                    Index::Single(e) => out.push(e),
                    Index::Slice {
                        start, end, step, ..
                    } => out.extend([start, end, step].into_iter().flatten()),
                }
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Number(f64),
    Str(Rc<str>),
    Bool(bool),
    None,
    Name(Name),
    /// `[a, b, c]`: stacks its elements along a new first axis.
    TensorLit(Vec<Expr>),
    /// `(a, b)`, `(a,)`, `()`
    Tuple(Vec<Expr>),
    /// `{k: v, ...}` in expression position: keys and values alternate
    /// (`[k0, v0, k1, v1, ...]`).
    Dict(Vec<Expr>),
    Unary {
        op: UnOp,
        operand: Box<Expr>,
    },
    /// Every binary operator, `and`/`or` included (they short-circuit).
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `f(args)`
    Call {
        callee: Box<Expr>,
        args: Vec<Arg>,
    },
    /// `x.f(args)`, which means `f(x, args)`. The name is boxed to keep every
    /// expression small (64 bytes, not 88): a 10 MB script holds millions of them.
    Method {
        receiver: Box<Expr>,
        name: Box<Ident>,
        args: Vec<Arg>,
    },
    /// `x.name`
    Attr {
        object: Box<Expr>,
        name: Ident,
    },
    /// `x[i, a:b, ::s]`
    Index {
        object: Box<Expr>,
        indices: Vec<Index>,
    },
    /// `fn(x) { ... }`
    Lambda(Rc<FnDecl>),
    /// `f"text {expr:spec} text"`
    FString(Rc<[FPart]>),
    /// `[e for x in xs if c]` (a list) and `{k: v for x in xs}` (a dict): SPEC §19.
    Comprehension(Box<Comprehension>),
    /// `a if cond else b` (SPEC §23: binds loosest).
    IfElse {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
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
    Keyword { name: Ident, value: Expr },
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
