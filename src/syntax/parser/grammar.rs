//! The grammar (chumsky). Each function or `let` names the EBNF rule it implements
//! (see grammar/README.md).

use super::*;

mod items;

use items::{bracket_literal, ListItems};

/// What follows the first element of `[...]`: comprehension clauses or more items.
enum Tail {
    Comp(Vec<CompFor>),
    Items(ListItems),
}

/// What follows the first entry of `{...}`.
enum DictTail {
    Comp(Vec<CompFor>),
    Items(Vec<(Expr, Expr)>),
}

/// What follows an expression at the highest precedence level.
enum Postfix {
    Call(Box<[Arg]>),
    Index(Box<[Index]>),
    Member(Ident, Option<Box<[Arg]>>),
}

/// `v` without room to spare: most lists of a tree are short (the arguments of a
/// call, the statements of a block), and a vector that grew by pushing holds room
/// for 4 at least (a call of one argument would take 384 bytes, not 96).
fn exact<T>(mut v: Vec<T>) -> Vec<T> {
    v.shrink_to_fit();
    v
}

/// A long sequence (a program's statements) collected without copying it as it
/// grows: items go into chunks of [`CHUNK`], moved into one vector of the exact length
/// at the end, each chunk freed as soon as it is moved. A vector that doubles holds the
/// old buffer and its copy at once; a short sequence is one vector.
pub(super) struct Chunked<T>(pub Vec<T>);

/// Items per chunk of [`Chunked`].
pub(super) const CHUNK: usize = 1 << 14;

impl<T> FromIterator<T> for Chunked<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Chunked<T> {
        let mut full: Vec<Vec<T>> = Vec::new();
        let mut current = Vec::new();
        for item in items {
            if current.len() == CHUNK {
                full.push(std::mem::replace(&mut current, Vec::with_capacity(CHUNK)));
            }
            current.push(item);
        }
        if full.is_empty() {
            return Chunked(current);
        }
        let mut out = Vec::with_capacity(full.len() * CHUNK + current.len());
        for chunk in full {
            out.extend(chunk);
        }
        out.extend(current);
        Chunked(out)
    }
}

fn placeholder(span: Span) -> Expr {
    Expr {
        kind: ExprKind::None,
        span,
    }
}

fn binary(op: BinOp, lhs: Expr, rhs: Expr, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Binary {
            op,
            operands: Box::new([lhs, rhs]),
        },
        span,
    }
}

/// The named constants `inf`, `nan` and `pi` (SPEC §19): read as numbers, never
/// bound.
pub(crate) fn constant(name: &str) -> Option<f64> {
    match name {
        "inf" => Some(f64::INFINITY),
        "nan" => Some(f64::NAN),
        "pi" => Some(std::f64::consts::PI),
        _ => None,
    }
}

fn is_comparison(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
    )
}

/// `program = sep* (statement_line sep*)* EOF`; a stray `}` is reported and skipped.
/// Items are `None` for a skipped `}`. They are collected into `C` one by one as they
/// are parsed (a [`Chunked`] vector, or `bp check`'s consumer of each statement).
pub(super) fn program_parser<'t, I, X, C>() -> impl Parser<'t, I, C, extra::Err<X>>
where
    I: ValueInput<'t, Token = Token, Span = Span>,
    X: SyntaxError<'t, I>,
    C: FromIterator<Option<Stmt>>,
{
    let sep = just(Token::Newline).or(just(Token::Semi)).ignored();
    let stray_rbrace = just(Token::RBrace).validate(|_, e, emitter| {
        emitter.emit(X::custom(e.span(), "unmatched `}`"));
        None
    });
    let line = statement_line_parser();
    sep.clone()
        .repeated()
        .ignore_then(
            line.map(Some)
                .or(stray_rbrace)
                .then_ignore(sep.repeated())
                .repeated()
                .collect::<C>(),
        )
        .then_ignore(end())
}

/// `statement_line = statement (sep | &"}" | EOF)`, with recovery: a statement that fails
/// is skipped (respecting brackets) up to the next separator or `}`.
fn statement_line_parser<'t, I, X>() -> impl Parser<'t, I, Stmt, extra::Err<X>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = Span>,
    X: SyntaxError<'t, I>,
{
    // `recursive` hands each definition a weak handle to itself, so the parser holds no
    // reference cycle and is freed after each parse (`Recursive::declare` with
    // `define` would form an `Rc` cycle expr -> block -> line -> expr that leaks a
    // few KB per call: the REPL parses every entry).
    recursive(|line| {
        let sep = just(Token::Newline).or(just(Token::Semi)).ignored();
        let terminator = choice((sep.clone(), just(Token::RBrace).rewind().ignored(), end()));

        // block = "{" sep* (statement_line sep*)* "}"
        let block = just(Token::LBrace)
            .ignore_then(
                sep.clone().repeated().ignore_then(
                    line.clone()
                        .then_ignore(sep.clone().repeated())
                        .repeated()
                        .collect::<Vec<_>>()
                        .map(exact),
                ),
            )
            .then_ignore(just(Token::RBrace))
            .map_with(|stmts, e| Block {
                stmts,
                span: e.span(),
            })
            .recover_with(via_parser(nested_delimiters(
                Token::LBrace,
                Token::RBrace,
                [
                    (Token::LParen, Token::RParen),
                    (Token::LBracket, Token::RBracket),
                ],
                |span| Block {
                    stmts: Vec::new(),
                    span,
                },
            )))
            .boxed();

        // expr = or_expr ("if" or_expr "else" expr)?; an `or_expr` is the Pratt table
        // (a comprehension's iterables and conditions are `or_expr`s, as in Python).
        let expr = recursive(|expr| {
            let or_expr = recursive(|or_expr| expr_parser(expr.clone(), or_expr, block.clone()));
            conditional_parser(or_expr, expr)
        });
        let stmt = statement_parser(expr, block);

        // Skips one balanced token tree (an unclosed one runs to the end of input).
        let tree = recursive(|tree| {
            let inner = tree.clone().or(sep.clone());
            let group = |open: Token, close: Token| {
                just(open)
                    .then(inner.clone().repeated())
                    .then(just(close).ignored().or(end()))
                    .ignored()
            };
            choice((
                group(Token::LParen, Token::RParen),
                group(Token::LBracket, Token::RBracket),
                group(Token::LBrace, Token::RBrace),
                none_of([
                    Token::LParen,
                    Token::LBracket,
                    Token::LBrace,
                    Token::RParen,
                    Token::RBracket,
                    Token::RBrace,
                    Token::Newline,
                    Token::Semi,
                ])
                .ignored(),
            ))
        });
        // A stray `)` or `]` is skipped too; a `}` ends the enclosing block.
        let stray_closer = just(Token::RParen).or(just(Token::RBracket)).ignored();
        let skip_statement = tree
            .or(stray_closer)
            .repeated()
            .at_least(1)
            .then_ignore(terminator.clone())
            .map_with(|_, e| Stmt {
                kind: StmtKind::Expr(placeholder(e.span())),
                span: e.span(),
            });

        stmt.then_ignore(terminator)
            .recover_with(via_parser(skip_statement))
            .boxed()
    })
}

/// `statement`: every form of SPEC §4.
fn statement_parser<'t, I, E, B, X>(
    expr: E,
    block: B,
) -> impl Parser<'t, I, Stmt, extra::Err<X>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = Span>,
    X: SyntaxError<'t, I>,
    E: Parser<'t, I, Expr, extra::Err<X>> + Clone + 't,
    B: Parser<'t, I, Block, extra::Err<X>> + Clone + 't,
{
    let ident = ident_parser();
    let nl = just(Token::Newline).repeated();
    // A block may start on the next line: `if c` + newline + `{`.
    let body = nl.clone().ignore_then(block.clone());

    // backward_clause = "backward" params block   (on the line of the body's `}`)
    let backward_clause = select! { Token::Ident(name) if &*name == "backward" => () }
        .ignore_then(params_parser(expr.clone()))
        .then(body.clone())
        .map_with(|((params, defaults), body), e| {
            Rc::new(FnDecl {
                name: None,
                params,
                defaults,
                body,
                span: e.span(),
                backward: None,
            })
        });

    // fn_def = "fn" IDENT params block backward_clause?
    let fn_def = just(Token::Fn)
        .ignore_then(ident.clone())
        .then(params_parser(expr.clone()))
        .then(body.clone())
        .map_with(|((name, (params, defaults)), body), e| (name, params, defaults, body, e.span()))
        .then(backward_clause.or_not())
        .map(|((name, params, defaults, body, span), backward)| {
            StmtKind::FnDef(Rc::new(FnDecl {
                name: Some(name),
                params,
                defaults,
                body,
                span,
                backward,
            }))
        });

    // class_def = "class" IDENT ("(" ... ")")? block   (the block holds fn_defs only)
    let bases = ident
        .clone()
        .separated_by(just(Token::Comma))
        .allow_trailing()
        .collect::<Vec<_>>()
        .map(exact)
        .delimited_by(just(Token::LParen), just(Token::RParen))
        .map_with(|_, e| e.span());
    let class_def = just(Token::Class)
        .ignore_then(ident.clone())
        .then(bases.or_not())
        .then(body.clone())
        .validate(|((name, bases), body), e, emitter| {
            if let Some(span) = bases {
                emitter.emit(X::custom(
                    span,
                    format!(
                        "bp classes have no inheritance; write `class {} {{ ... }}` and \
                         hold other objects in fields",
                        name.name
                    ),
                ));
            }
            let mut methods = Vec::new();
            for stmt in body.stmts {
                match stmt.kind {
                    StmtKind::FnDef(decl) => methods.push(decl),
                    _ => emitter.emit(X::custom(
                        stmt.span,
                        "a class body holds only methods (`fn name(self, ...) { ... }`); \
                         set fields in `init` with `self.name = ...`",
                    )),
                }
            }
            StmtKind::Class(Rc::new(ClassDecl {
                name,
                methods,
                span: e.span(),
            }))
        });

    // if_stmt = "if" expr block ("else" "if" expr block)* ("else" block)?
    let cond_body = expr.clone().then(body.clone());
    let else_kw = nl.clone().then(just(Token::Else));
    let if_stmt = just(Token::If)
        .ignore_then(cond_body.clone())
        .then(
            else_kw
                .clone()
                .then(just(Token::If))
                .ignore_then(cond_body.clone())
                .repeated()
                .collect::<Vec<_>>()
                .map(exact),
        )
        .then(else_kw.ignore_then(body.clone()).or_not())
        .map(|((first, rest), else_block)| StmtKind::If {
            branches: std::iter::once(first).chain(rest).collect(),
            else_block,
        });

    // while_stmt = "while" expr block
    let while_stmt = just(Token::While)
        .ignore_then(cond_body)
        .map(|(cond, body)| StmtKind::While {
            cond: Box::new(cond),
            body,
        });

    // for_stmt = "for" targets "in" expr block
    let for_stmt = just(Token::For)
        .ignore_then(targets_parser())
        .then_ignore(just(Token::In))
        .then(expr.clone())
        .then(body.clone())
        .map(|((targets, iter), body)| StmtKind::For {
            targets,
            iter: Box::new(iter),
            body,
        });

    // return_stmt = "return" expr?
    let return_stmt = just(Token::Return)
        .ignore_then(expr.clone().or_not())
        .map(StmtKind::Return);

    // no_grad_stmt = "no_grad" block
    let no_grad = just(Token::NoGrad).ignore_then(body).map(StmtKind::NoGrad);

    // unpack = IDENT ("," IDENT)+ "=" expr
    let unpack = ident
        .clone()
        .then(
            just(Token::Comma)
                .ignore_then(ident.clone())
                .repeated()
                .at_least(1)
                .collect::<Vec<_>>()
                .map(exact),
        )
        .then_ignore(just(Token::Assign))
        .then(expr.clone())
        .map(|((first, rest), value)| StmtKind::Unpack {
            targets: std::iter::once(first).chain(rest).collect(),
            value: Box::new(value),
        });

    // compound = IDENT ("+=" | "-=" | "*=" | "/=") expr
    let compound_op = select! {
        Token::PlusEq => BinOp::Add,
        Token::MinusEq => BinOp::Sub,
        Token::StarEq => BinOp::Mul,
        Token::SlashEq => BinOp::Div,
    }
    .map_with(|op, e| (op, e.span()));
    let compound = ident.clone().then(compound_op).then(expr.clone()).map(
        |((target, (op, op_span)), value)| StmtKind::CompoundAssign {
            target,
            op,
            op_span,
            value: Box::new(value),
        },
    );

    // assign = IDENT "=" expr
    let assign = ident
        .clone()
        .then_ignore(just(Token::Assign))
        .then(expr.clone())
        .validate(|(target, value), _, emitter| {
            if constant(&target.name).is_some() {
                emitter.emit(X::custom(
                    target.span,
                    format!("`{}` is a constant and cannot be assigned to", target.name),
                ));
            }
            StmtKind::Assign { target, value }
        });

    // import_stmt = "import" STRING [ "as" IDENT ]
    let import = just(Token::Import)
        .ignore_then(
            select! { Token::Str(s) = e => (s, e.span()) }.labelled("a file name in quotes"),
        )
        .then(just(Token::As).ignore_then(ident).or_not())
        .map(
            |((path, path_span), name): ((Rc<str>, Span), Option<Ident>)| {
                let binding = match &name {
                    Some(n) => n.clone(),
                    None => Ident::new(crate::syntax::ast::module_stem(&path), path_span),
                };
                StmtKind::Import {
                    path,
                    path_span,
                    name,
                    binding,
                }
            },
        );

    // expr_stmt = expr [ ( "=" | "+=" | "-=" | "*=" | "/=" ) expr ]
    //   (an assignment's target must be an index `x[i] = v` or an attribute `x.grad = v`)
    let assign_op = choice((just(Token::Assign).to(None), compound_op.map(Some)));
    let expr_stmt = expr
        .clone()
        .then(assign_op.then(expr.clone()).or_not())
        .validate(|(mut target, rest), _, emitter| match rest {
            None => StmtKind::Expr(target),
            // The target's parts are moved out (an `Expr` is `Drop`, so its kind is
            // swapped for a placeholder first).
            Some((op, value)) => match std::mem::replace(&mut target.kind, ExprKind::None) {
                ExprKind::Index(x) => {
                    let Subscript { object, indices } = *x;
                    StmtKind::IndexAssign {
                        object: Box::new(object),
                        indices: indices.into_vec(),
                        op,
                        value: Box::new(value),
                    }
                }
                ExprKind::Attr(a) => {
                    let Attr { object, name } = *a;
                    StmtKind::AttrAssign {
                        object: Box::new(object),
                        name,
                        op,
                        value: Box::new(value),
                    }
                }
                kind => {
                    target.kind = kind;
                    emitter.emit(X::custom(
                        target.span,
                        "cannot assign to this; assign to a name (`x = v`) or an index (`x[i] = v`)",
                    ));
                    StmtKind::Expr(target)
                }
            },
        });

    choice((
        fn_def,
        class_def,
        if_stmt,
        while_stmt,
        for_stmt,
        return_stmt,
        just(Token::Break).to(StmtKind::Break),
        just(Token::Continue).to(StmtKind::Continue),
        no_grad,
        import,
        assign,
        compound,
        unpack,
        expr_stmt,
    ))
    .map_with(|kind, e| Stmt {
        kind,
        span: e.span(),
    })
    .labelled("statement")
    .boxed()
}

fn ident_parser<'t, I, X>() -> impl Parser<'t, I, Ident, extra::Err<X>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = Span>,
    X: SyntaxError<'t, I>,
{
    select! { Token::Ident(name) = e => Ident::new(name, e.span()) }.labelled("identifier")
}

/// `targets = IDENT ("," IDENT)*`: what a `for` binds (SPEC §23).
fn targets_parser<'t, I, X>() -> impl Parser<'t, I, Vec<Ident>, extra::Err<X>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = Span>,
    X: SyntaxError<'t, I>,
{
    ident_parser()
        .separated_by(just(Token::Comma))
        .at_least(1)
        .collect::<Vec<_>>()
        .map(exact)
}

/// `expr = or_expr ("if" or_expr "else" expr)?`: the conditional expression binds
/// loosest (SPEC §23) and nests to the right (`a if c else b if d else e`).
fn conditional_parser<'t, I, O, E, X>(
    or_expr: O,
    expr: E,
) -> impl Parser<'t, I, Expr, extra::Err<X>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = Span>,
    X: SyntaxError<'t, I>,
    O: Parser<'t, I, Expr, extra::Err<X>> + Clone + 't,
    E: Parser<'t, I, Expr, extra::Err<X>> + Clone + 't,
{
    or_expr
        .clone()
        .then(
            // `if` here reads as an operator in "expected ..." messages.
            just(Token::If)
                .labelled("operator")
                .ignore_then(or_expr)
                .then_ignore(just(Token::Else))
                .then(expr)
                .or_not(),
        )
        .map_with(|(then, rest), e| match rest {
            None => then,
            Some((cond, otherwise)) => Expr {
                kind: ExprKind::IfElse(Box::new(IfElse {
                    cond,
                    then,
                    otherwise,
                })),
                span: e.span(),
            },
        })
        .boxed()
}

/// `comp_for = ("for" targets "in" or_expr ("if" or_expr)*)+`: the clauses of a
/// comprehension.
fn comp_clauses_parser<'t, I, O, X>(
    or_expr: O,
) -> impl Parser<'t, I, Vec<CompFor>, extra::Err<X>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = Span>,
    X: SyntaxError<'t, I>,
    O: Parser<'t, I, Expr, extra::Err<X>> + Clone + 't,
{
    // Newlines may stand between the clauses of a dict comprehension (inside
    // braces they are kept).
    let nl = just(Token::Newline).repeated();
    nl.clone()
        .ignore_then(just(Token::For))
        .ignore_then(targets_parser())
        .then_ignore(just(Token::In))
        .then(or_expr.clone())
        .then(
            nl.clone()
                .ignore_then(just(Token::If))
                .ignore_then(or_expr)
                .repeated()
                .collect::<Vec<_>>()
                .map(exact),
        )
        .map(|((targets, iter), conds)| CompFor {
            targets,
            iter,
            conds,
        })
        .repeated()
        .at_least(1)
        .collect::<Vec<_>>()
        .map(exact)
        .then_ignore(nl)
}

/// A function's parameters and their defaults (one per parameter).
type Params = (Vec<Ident>, Vec<Option<Expr>>);

/// `params = "(" (param ("," param)* ","?)? ")"`, `param = IDENT ("=" expr)?`;
/// a parameter without a default may not follow one with a default (as Python).
fn params_parser<'t, I, E, X>(expr: E) -> impl Parser<'t, I, Params, extra::Err<X>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = Span>,
    X: SyntaxError<'t, I>,
    E: Parser<'t, I, Expr, extra::Err<X>> + Clone + 't,
{
    ident_parser()
        .then(just(Token::Assign).ignore_then(expr).or_not())
        .separated_by(just(Token::Comma))
        .allow_trailing()
        .collect::<Vec<_>>()
        .map(exact)
        .delimited_by(just(Token::LParen), just(Token::RParen))
        .validate(|params, _, emitter| {
            let mut seen_default = false;
            for (p, d) in &params {
                if d.is_some() {
                    seen_default = true;
                } else if seen_default {
                    emitter.emit(X::custom(
                        p.span,
                        format!(
                            "parameter '{}' without a default follows one with a default; \
                             give it a default or move it first",
                            p.name
                        ),
                    ));
                }
            }
            params.into_iter().unzip()
        })
}

/// `expr`: atoms and the Pratt table of SPEC §5 (lowest first):
///
/// | level | operators | chumsky |
/// | --- | --- | --- |
/// | 1 | `or` | `infix(left(1))` |
/// | 2 | `and` | `infix(left(2))` |
/// | 3 | `not` | `prefix(3)` |
/// | 4 | `== != < <= > >=` | `infix(left(4))` + a check that rejects chains |
/// | 5 | `+ -` | `infix(left(5))` |
/// | 6 | `* / % @` | `infix(left(6))` |
/// | 7 | unary `-` | `prefix(7)` |
/// | 8 | `**` | `infix(right(8))` |
/// | 9 | call, index, attribute, method | `postfix(9)` |
fn expr_parser<'t, I, E, O, B, X>(
    expr: E,
    or_expr: O,
    block: B,
) -> impl Parser<'t, I, Expr, extra::Err<X>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = Span>,
    X: SyntaxError<'t, I>,
    E: Parser<'t, I, Expr, extra::Err<X>> + Clone + 't,
    O: Parser<'t, I, Expr, extra::Err<X>> + Clone + 't,
    B: Parser<'t, I, Block, extra::Err<X>> + Clone + 't,
{
    let ident = ident_parser();
    // Attribute, method and keyword-argument names: `grad` is a keyword but allowed here.
    let member_name = ident
        .clone()
        .or(just(Token::Grad).map_with(|_, e| Ident::new("grad".into(), e.span())));

    // literal = NUMBER | STRING | "true" | "false" | "none" | IDENT | "grad"
    let literal = select! {
        Token::Number(n) => ExprKind::Number(n),
        Token::Str(s) => ExprKind::Str(Box::new(s)),
        Token::FString(parts) => ExprKind::FString(Box::new(parts)),
        Token::True => ExprKind::Bool(true),
        Token::False => ExprKind::Bool(false),
        Token::None => ExprKind::None,
        Token::Ident(name) => match constant(&name) {
            Some(n) => ExprKind::Number(n),
            None => ExprKind::Name(shared_name(name)),
        },
        Token::Grad => ExprKind::Name(shared_name("grad".into())),
        // Already reported by the lexer; parse on as a placeholder.
        Token::Error => ExprKind::None,
    }
    .map_with(|kind, e| Expr {
        kind,
        span: e.span(),
    });

    // paren = "(" ")" | "(" expr ")" | "(" expr "," ")" | "(" expr ("," expr)+ ","? ")"
    let paren = expr
        .clone()
        .separated_by(just(Token::Comma))
        .collect::<Vec<_>>()
        .map(exact)
        .then(just(Token::Comma).or_not())
        .delimited_by(just(Token::LParen), just(Token::RParen))
        .validate(|(mut items, trailing), e, emitter| {
            let span = e.span();
            if items.is_empty() && trailing.is_some() {
                emitter.emit(X::custom(span, "expected expression before `,`"));
            }
            if items.len() == 1 && trailing.is_none() {
                if let Some(mut inner) = items.pop() {
                    // `(a)`: the expression itself, spanned with its parentheses.
                    inner.span = span;
                    return inner;
                }
            }
            Expr {
                kind: ExprKind::Tuple(Box::new(items)),
                span,
            }
        });

    // bracket = "[" (expr (comp_for | ("," expr)* ","?))? "]": a comprehension
    // (a list) or a tensor literal, told apart after the first element (parsed once).
    let clauses = comp_clauses_parser(or_expr);
    let bracket = expr
        .clone()
        .then(choice((
            clauses.clone().map(Tail::Comp),
            just(Token::Comma)
                .ignore_then(expr.clone())
                .repeated()
                .collect::<ListItems>()
                .then_ignore(just(Token::Comma).or_not())
                .map(Tail::Items),
        )))
        .or_not()
        .delimited_by(just(Token::LBracket), just(Token::RBracket))
        .map_with(|items, e| {
            let kind = match items {
                None => ExprKind::TensorLit(Box::default()),
                Some((element, Tail::Comp(clauses))) => {
                    ExprKind::Comprehension(Box::new(Comprehension {
                        element,
                        value: None,
                        clauses,
                    }))
                }
                Some((first, Tail::Items(items))) => bracket_literal(first, items, e.span().source),
            };
            Expr {
                kind,
                span: e.span(),
            }
        });

    // dict = "{" (entry (comp_for | ("," entry)* ","?))? "}" with
    // entry = expr ":" expr, in expression position only (a statement never starts
    // with `{`); newlines may separate entries.
    let nl = just(Token::Newline).repeated();
    let entry = nl
        .clone()
        .ignore_then(expr.clone())
        .then_ignore(just(Token::Colon))
        .then(expr.clone())
        .then_ignore(nl.clone());
    let dict = entry
        .clone()
        .then(choice((
            clauses.map(DictTail::Comp),
            just(Token::Comma)
                .ignore_then(entry)
                .repeated()
                .collect::<Vec<_>>()
                .map(exact)
                .then_ignore(just(Token::Comma).or_not())
                .map(DictTail::Items),
        )))
        .or_not()
        .then_ignore(nl)
        .delimited_by(just(Token::LBrace), just(Token::RBrace))
        .map_with(|entries, e| {
            let kind = match entries {
                None => ExprKind::Dict(Box::default()),
                Some(((key, value), DictTail::Comp(clauses))) => {
                    ExprKind::Comprehension(Box::new(Comprehension {
                        element: key,
                        value: Some(value),
                        clauses,
                    }))
                }
                Some((first, DictTail::Items(rest))) => ExprKind::Dict(Box::new(exact(
                    std::iter::once(first)
                        .chain(rest)
                        .flat_map(|(k, v)| [k, v])
                        .collect(),
                ))),
            };
            Expr {
                kind,
                span: e.span(),
            }
        });

    // lambda = "fn" params block
    let lambda = just(Token::Fn)
        .ignore_then(params_parser(expr.clone()))
        .then_ignore(just(Token::Newline).repeated())
        .then(block)
        .map_with(|((params, defaults), body), e| Expr {
            kind: ExprKind::Lambda(Rc::new(FnDecl {
                name: None,
                params,
                defaults,
                body,
                span: e.span(),
                backward: None,
            })),
            span: e.span(),
        });

    let atom = choice((literal, paren, bracket, dict, lambda))
        .recover_with(via_parser(nested_delimiters(
            Token::LParen,
            Token::RParen,
            [
                (Token::LBracket, Token::RBracket),
                (Token::LBrace, Token::RBrace),
            ],
            placeholder,
        )))
        .recover_with(via_parser(nested_delimiters(
            Token::LBracket,
            Token::RBracket,
            [
                (Token::LParen, Token::RParen),
                (Token::LBrace, Token::RBrace),
            ],
            placeholder,
        )))
        .labelled("expression")
        .boxed();

    // arg = (IDENT | "grad") "=" expr | "grad" &("," | ")") | expr
    let keyword_arg = member_name
        .clone()
        .then_ignore(just(Token::Assign))
        .then(expr.clone())
        .map(|(name, value)| Arg::Keyword {
            name: Box::new(name),
            value,
        });
    let grad_flag = just(Token::Grad)
        .then_ignore(just(Token::Comma).or(just(Token::RParen)).rewind())
        .map_with(|_, e| {
            let span: Span = e.span();
            Arg::Keyword {
                name: Box::new(Ident::new("grad".into(), span)),
                value: Expr {
                    kind: ExprKind::Bool(true),
                    span,
                },
            }
        });
    let arg = choice((keyword_arg, grad_flag, expr.clone().map(Arg::Positional)));
    let args = arg
        .separated_by(just(Token::Comma))
        .allow_trailing()
        .collect::<Vec<_>>()
        .map(Vec::into_boxed_slice)
        .delimited_by(just(Token::LParen), just(Token::RParen))
        .boxed();

    // index = expr | expr? ":" expr? (":" expr?)?
    let index = expr
        .clone()
        .or_not()
        .then(
            just(Token::Colon)
                .ignore_then(expr.clone().or_not())
                .then(
                    just(Token::Colon)
                        .ignore_then(expr.clone().or_not())
                        .or_not(),
                )
                .or_not(),
        )
        .validate(|(start, rest), e, emitter| {
            let span: Span = e.span();
            match (start, rest) {
                (start, Some((end, step))) => Index::Slice {
                    start,
                    end,
                    step: step.flatten(),
                    span,
                },
                (Some(single), None) => Index::Single(single),
                (None, None) => {
                    emitter.emit(X::custom(span, "expected an index"));
                    Index::Single(placeholder(span))
                }
            }
        });
    let indices = index
        .separated_by(just(Token::Comma))
        .at_least(1)
        .allow_trailing()
        .collect::<Vec<_>>()
        .map(Vec::into_boxed_slice)
        .delimited_by(just(Token::LBracket), just(Token::RBracket));

    let postfix_op = choice((
        args.clone().map(Postfix::Call),
        indices.map(Postfix::Index),
        just(Token::Dot)
            .ignore_then(member_name.labelled("attribute name"))
            .then(args.or_not())
            .map(|(name, args)| Postfix::Member(name, args)),
    ));

    let binop = |tok: Token, op: BinOp| just(tok).to(op).labelled("operator");
    let product = choice((
        binop(Token::Star, BinOp::Mul),
        binop(Token::Slash, BinOp::Div),
        binop(Token::Percent, BinOp::Rem),
        binop(Token::SlashSlash, BinOp::FloorDiv),
        binop(Token::At, BinOp::MatMul),
    ));
    let sum = choice((
        binop(Token::Plus, BinOp::Add),
        binop(Token::Minus, BinOp::Sub),
    ));
    let comparison = choice((
        binop(Token::EqEq, BinOp::Eq),
        binop(Token::NotEq, BinOp::Ne),
        binop(Token::Le, BinOp::Le),
        binop(Token::Lt, BinOp::Lt),
        binop(Token::Ge, BinOp::Ge),
        binop(Token::Gt, BinOp::Gt),
        just(Token::Not)
            .then(just(Token::In))
            .to(BinOp::NotIn)
            .labelled("operator"),
        binop(Token::In, BinOp::In),
        just(Token::Is)
            .then(just(Token::Not))
            .to(BinOp::IsNot)
            .labelled("operator"),
        binop(Token::Is, BinOp::Is),
    ));
    let fold = |lhs, op, rhs, e: &mut chumsky::input::MapExtra<'t, '_, I, extra::Err<X>>| {
        binary(op, lhs, rhs, e.span())
    };

    atom.pratt((
        postfix(9, postfix_op, |lhs: Expr, post, e| {
            let object = lhs;
            let kind = match post {
                Postfix::Call(args) => ExprKind::Call(Box::new(Call {
                    callee: object,
                    args,
                })),
                Postfix::Index(indices) => ExprKind::Index(Box::new(Subscript { object, indices })),
                Postfix::Member(name, None) => ExprKind::Attr(Box::new(Attr { object, name })),
                Postfix::Member(name, Some(args)) => ExprKind::Method(Box::new(Method {
                    receiver: object,
                    name,
                    args,
                })),
            };
            Expr {
                kind,
                span: e.span(),
            }
        }),
        infix(right(8), binop(Token::StarStar, BinOp::Pow), fold),
        prefix(
            7,
            just(Token::Minus).labelled("operator"),
            |_, operand, e| Expr {
                kind: ExprKind::Unary {
                    op: UnOp::Neg,
                    operand: Box::new(operand),
                },
                span: e.span(),
            },
        ),
        infix(left(6), product, fold),
        infix(left(5), sum, fold),
        infix(left(4), comparison, |lhs: Expr, op, rhs, e| {
            // `a < b < c` is not allowed (SPEC §5); `(a < b) < c` is, and its span
            // starts at the parenthesis, before its own left operand.
            if let ExprKind::Binary {
                op: inner,
                ref operands,
            } = lhs.kind
            {
                if is_comparison(inner) && operands[0].span.start == lhs.span.start {
                    let span = e.span();
                    e.emit(X::custom(span, "comparisons cannot be chained; use `and`"));
                }
            }
            binary(op, lhs, rhs, e.span())
        }),
        prefix(3, just(Token::Not).labelled("operator"), |_, operand, e| {
            Expr {
                kind: ExprKind::Unary {
                    op: UnOp::Not,
                    operand: Box::new(operand),
                },
                span: e.span(),
            }
        }),
        infix(left(2), binop(Token::And, BinOp::And), fold),
        infix(left(1), binop(Token::Or, BinOp::Or), fold),
    ))
    .labelled("expression")
    .boxed()
}
