//! The parser: tokens to a spanned AST (chumsky), with error recovery.
//!
//! [`parse`] lexes, checks bracket nesting, and runs the chumsky grammar of
//! `grammar.rs` over the token slice. Expressions use one Pratt table (the
//! `pratt(...)` call of `grammar::expr_parser`), whose levels are those of SPEC §5 and
//! `grammar/bp.ebnf`. A failed statement is skipped up to the next newline, `;` or `}`
//! so that every syntax error of a file is reported, not only the first. Messages are
//! built from the error's expected set and found token in `errors.rs` (never from its
//! `Display`, which embeds byte ranges).

use super::ast::*;
use super::token::{self, Token};
use crate::diagnostic::Diagnostic;
use crate::source::{SourceId, Span};
use chumsky::error::{RichPattern, RichReason};
use chumsky::input::ValueInput;
use chumsky::pratt::*;
use chumsky::prelude::*;
use std::rc::Rc;

pub use super::token::{highlight, lex, Highlight};

mod errors;
mod grammar;
mod report;

use errors::*;
use grammar::*;

/// Brackets and blocks nested deeper than this are rejected before parsing.
pub const MAX_NESTING: usize = 512;

/// How many syntax errors of one text are reported; the rest are counted in one line
/// (a file of garbage would otherwise give a report per line, each costing the file).
pub const MAX_REPORTED: usize = 100;

/// What [`parse`] returns.
#[derive(Debug)]
pub struct ParseOutput {
    /// The program, or `None` when there were errors.
    pub program: Option<Program>,
    /// Every lexical and syntax error, in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// True when the input ended while something was still open or expected (an
    /// unclosed bracket or block, a trailing operator, `if c` without its block, an
    /// unterminated string): the REPL reads a continuation line instead of reporting.
    pub incomplete: bool,
}

impl chumsky::span::Span for Span {
    type Context = SourceId;
    type Offset = usize;

    fn new(context: SourceId, range: std::ops::Range<usize>) -> Span {
        // An empty match can yield start > end (next token start, previous token end).
        Span::new(context, range.start, range.end.max(range.start))
    }
    fn context(&self) -> SourceId {
        self.source
    }
    fn start(&self) -> usize {
        self.start as usize
    }
    fn end(&self) -> usize {
        self.end as usize
    }
}

/// The error type of one pass of the grammar (`grammar.rs` is generic over it):
/// chumsky's `Rich` errors, with what was expected and found, for the pass that
/// reports; [`report::Spot`] (only where it is) for the first pass, where a failed
/// alternative (every operator tried after every operand) costs next to nothing. A
/// text with errors is parsed again around each error the first pass located, with
/// errors that are `Rich` at the places reported ([`report::Hybrid`]).
pub(super) trait SyntaxError<'t, I: Input<'t, Token = Token, Span = Span>>:
    chumsky::error::Error<'t, I>
    + chumsky::label::LabelError<'t, I, chumsky::DefaultExpected<'t, Token>>
    + chumsky::label::LabelError<'t, I, &'static str>
    + 't
{
    /// An error with a message of its own (`Rich::custom`).
    fn custom(span: Span, message: impl ToString) -> Self;
}

impl<'t, I: Input<'t, Token = Token, Span = Span>> SyntaxError<'t, I> for Rich<'t, Token, Span> {
    fn custom(span: Span, message: impl ToString) -> Self {
        Rich::custom(span, message.to_string())
    }
}

impl<'t, I: Input<'t, Token = Token, Span = Span>> SyntaxError<'t, I> for report::Spot {
    fn custom(span: Span, _: impl ToString) -> Self {
        chumsky::error::Cheap::new(span)
    }
}

const UNTERMINATED_STRING: &str = "unterminated string";

thread_local! {
    /// The `Rc` each name read shares while one text is parsed ([`shared_name`]).
    static SHARED_NAMES: std::cell::RefCell<std::collections::HashMap<Name, Rc<Name>>> =
        Default::default();
}

/// The one `Rc<Name>` of `name` in this parse: an `ExprKind::Name` holds a thin
/// pointer (8 bytes, not 16), shared by every read of the name.
pub(super) fn shared_name(name: Name) -> Rc<Name> {
    SHARED_NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if let Some(shared) = names.get(&name) {
            return shared.clone();
        }
        let shared = Rc::new(name.clone());
        names.insert(name, shared.clone());
        shared
    })
}

/// Empties the table of [`shared_name`] when a parse ends (on every path).
struct SharedNames;

impl Drop for SharedNames {
    fn drop(&mut self) {
        SHARED_NAMES.with(|names| names.borrow_mut().clear());
    }
}

/// Parses one source text (a file or a REPL entry).
pub fn parse(src: &str, source: SourceId) -> ParseOutput {
    parse_text(src, source)
}

fn parse_text(src: &str, source: SourceId) -> ParseOutput {
    let _names = SharedNames;
    match parse_lazily(src, source) {
        Ok(Chunked(stmts)) => ParseOutput {
            program: Some(program_of(stmts)),
            diagnostics: Vec::new(),
            incomplete: false,
        },
        Err(unparsed) => report::parse_reporting(src, source, unparsed),
    }
}

/// The first pass of [`parse`] over `src`, handing each top-level statement to `each`
/// as soon as it is parsed, so that the tree of a large file is never held whole (`bp
/// check`). `Ok` when the text has no errors: every statement went to `each`, in
/// order. Otherwise what went to `each` is to be thrown away (a part of the
/// statements, some recovered from an error), and [`parse_reported`] gives
/// [`parse`]'s output from what this pass found.
pub fn parse_each<'s>(src: &'s str, source: SourceId, each: Each) -> Result<(), Unparsed<'s>> {
    let _names = SharedNames;
    let _sink = Sink::set(each);
    parse_lazily::<Streamed>(src, source).map(|_| ())
}

/// [`parse`] of a text in which [`parse_each`] found errors: the second pass, which
/// reports them.
pub fn parse_reported(src: &str, source: SourceId, unparsed: Unparsed) -> ParseOutput {
    let _names = SharedNames;
    report::parse_reporting(src, source, unparsed)
}

/// What [`parse_each`] hands each statement to.
pub type Each = Box<dyn FnMut(Stmt)>;

thread_local! {
    /// Where [`parse_each`] sends each statement.
    static SINK: std::cell::RefCell<Option<Each>> = Default::default();
}

/// Sets [`SINK`] for one parse, and empties it when the parse ends (on every path).
struct Sink;

impl Sink {
    fn set(each: Each) -> Sink {
        SINK.with(|sink| *sink.borrow_mut() = Some(each));
        Sink
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let each = SINK.with(|sink| sink.borrow_mut().take());
        drop(each);
    }
}

/// The program parser's collection for [`parse_each`]: each statement goes to the
/// sink as it is parsed, and nothing is kept. (The sink is taken out while it runs, so
/// that it may parse, as an f-string's code is parsed, without finding itself.)
struct Streamed;

impl FromIterator<Option<Stmt>> for Streamed {
    fn from_iter<I: IntoIterator<Item = Option<Stmt>>>(items: I) -> Streamed {
        let mut each = SINK.with(|sink| sink.borrow_mut().take());
        for stmt in items.into_iter().flatten() {
            if let Some(each) = each.as_mut() {
                each(stmt);
            }
        }
        SINK.with(|sink| *sink.borrow_mut() = each);
        Streamed
    }
}

/// The statements of a program (`None` for a skipped `}`), without room to spare
/// (collected in place: `Option<Stmt>` is a `Stmt` wide).
fn program_of(stmts: Vec<Option<Stmt>>) -> Program {
    let mut program: Program = stmts.into_iter().flatten().collect();
    program.shrink_to_fit();
    program
}

/// The first pass, locating errors but without their details, reading the tokens
/// from the text as it goes ([`token::LazyTokens`]): a text without errors (nearly
/// every one) is lexed and parsed with no vector of its tokens, in time and memory
/// linear in its size. The statements are collected into `C` as they are parsed. A
/// text with errors gives what [`report`] needs to report them: where they are, and
/// where each top-level statement starts.
fn parse_lazily<C: FromIterator<Option<Stmt>>>(
    src: &str,
    source: SourceId,
) -> Result<C, Unparsed<'_>> {
    let mut nesting = Nesting::default();
    let Some(mut scan) = token::scan(src, source, |tok, span| nesting.step(tok, span).is_none())
    else {
        return Err(Unparsed { located: None });
    };
    let mut diagnostics = Vec::new();
    resolve_fstrings(&mut scan.fstrings, src, source, &mut diagnostics);
    if !diagnostics.is_empty() {
        return Err(Unparsed { located: None });
    }
    let eoi = Span::new(source, scan.end, scan.end);
    let mut tokens = token::LazyTokens::new(src, scan);
    let input = LazyInput {
        start: tokens.begin,
        tokens: &mut tokens,
        eoi,
        limit: usize::MAX,
    };
    let (program, errors) = program_parser::<_, report::Spot, report::Tracked<C>>()
        .parse(input)
        .into_output_errors();
    let starts = report::take_starts();
    match program {
        Some(report::Tracked(items)) if errors.is_empty() => Ok(items),
        _ => Err(Unparsed {
            located: Some(Box::new(report::Located::found(
                tokens, eoi, errors, starts,
            ))),
        }),
    }
}

/// What the first pass found in a text with errors, for [`parse_reported`].
pub struct Unparsed<'s> {
    /// The errors' places; `None` when the text does not lex (the second pass lexes
    /// it again and reports why).
    located: Option<Box<report::Located<'s>>>,
}

/// [`token::LazyTokens`] as chumsky's input: the tokens and spans that
/// `split_token_span` gives over the slice of [`lex`]'s tokens, and the same spans
/// for a range of them (from the start of its first token to the end of the last one
/// read, or the end of input).
struct LazyInput<'a, 's> {
    tokens: &'a mut token::LazyTokens<'s>,
    eoi: Span,
    /// Where to read the first token.
    start: usize,
    /// Tokens that start here or later are not read (the end of input).
    limit: usize,
}

impl LazyInput<'_, '_> {
    /// The token that starts at or after `at`, before [`LazyInput::limit`].
    fn next_at(&mut self, at: usize) -> Option<(Token, usize, usize)> {
        self.tokens
            .next_at(at)
            .filter(|(_, start, _)| *start < self.limit)
    }
}

impl<'a, 's: 'a> Input<'a> for LazyInput<'a, 's> {
    type Span = Span;
    type Token = Token;
    type MaybeToken = Token;
    /// Where to lex the next token (the end of the last one read), and the end of
    /// the last token read.
    type Cursor = (usize, Option<usize>);
    type Cache = Self;

    fn begin(self) -> (Self::Cursor, Self::Cache) {
        ((self.start, None), self)
    }

    fn cursor_location(cursor: &Self::Cursor) -> usize {
        cursor.0
    }

    unsafe fn next_maybe(cache: &mut Self, cursor: &mut Self::Cursor) -> Option<Token> {
        // SAFETY: the same contract as `next`.
        unsafe { Self::next(cache, cursor) }
    }

    unsafe fn span(cache: &mut Self, range: std::ops::Range<&Self::Cursor>) -> Span {
        let eoi = cache.eoi;
        let end = eoi.end as usize;
        let range = match cache.next_at(range.start.0) {
            Some((_, start, _)) => start..range.end.1.unwrap_or(end),
            None => end..end,
        };
        <Span as chumsky::span::Span>::new(eoi.source, range)
    }
}

impl<'a, 's: 'a> ValueInput<'a> for LazyInput<'a, 's> {
    unsafe fn next(cache: &mut Self, cursor: &mut Self::Cursor) -> Option<Token> {
        let (token, _, end) = cache.next_at(cursor.0)?;
        *cursor = (end, Some(end));
        Some(token)
    }
}

/// How deeply f-strings may nest inside one another's `{...}`.
const MAX_FSTRING_NESTING: usize = 16;

thread_local! {
    static FSTRING_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Parses the `{...}` parts of every f-string token, turning [`Token::FStr`] into
/// [`Token::FString`]. The code of a part is parsed as the source text with everything
/// before it blanked out, so its spans are spans of the whole source.
fn resolve_fstrings(
    tokens: &mut [(Token, Span)],
    src: &str,
    source: SourceId,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (tok, span) in tokens.iter_mut() {
        let Token::FStr(pieces) = tok else { continue };
        let depth = FSTRING_DEPTH.with(|d| d.get());
        if depth >= MAX_FSTRING_NESTING {
            diagnostics.push(
                Diagnostic::error("f-strings nested too deeply")
                    .with_label(*span, format!("more than {MAX_FSTRING_NESTING} levels")),
            );
            *tok = Token::Error;
            continue;
        }
        let mut parts = Vec::with_capacity(pieces.len());
        let mut ok = true;
        for piece in pieces.iter() {
            match piece {
                token::RawPiece::Text(t) => parts.push(FPart::Text(t.clone())),
                token::RawPiece::Code { code, spec } => {
                    let code_span = Span::new(source, code.start, code.end);
                    let mut padded = " ".repeat(code.start);
                    padded.push_str(src.get(code.clone()).unwrap_or(""));
                    FSTRING_DEPTH.with(|d| d.set(depth + 1));
                    let out = parse(&padded, source);
                    FSTRING_DEPTH.with(|d| d.set(depth));
                    if !out.diagnostics.is_empty() {
                        diagnostics.extend(out.diagnostics.into_iter().map(|mut d| {
                            d.message = d.message.replace("end of input", "the end of `{...}`");
                            d
                        }));
                        ok = false;
                        continue;
                    }
                    let mut program = out.program.unwrap_or_default();
                    let expr = match (program.pop(), program.is_empty()) {
                        (
                            Some(Stmt {
                                kind: StmtKind::Expr(e),
                                ..
                            }),
                            true,
                        ) => e,
                        _ => {
                            diagnostics.push(
                                Diagnostic::error("expected an expression inside `{}`")
                                    .with_label(code_span, "not an expression"),
                            );
                            ok = false;
                            continue;
                        }
                    };
                    let spec = spec
                        .as_ref()
                        .map(|(s, r)| (s.clone(), Span::new(source, r.start, r.end)));
                    parts.push(FPart::Value { expr, spec });
                }
            }
        }
        *tok = if ok {
            Token::FString(parts.into())
        } else {
            Token::Error
        };
    }
}

/// How deeply prefix operators and `**` may nest in one expression (`- - - x`,
/// `not not x`, `a ** b ** c`): deeper is a syntax error found before parsing, rather
/// than a limit met by the parser's recursion or while the script runs. (A long
/// left-associative chain such as `1 + 1 + ...` is parsed and evaluated without
/// recursion, and is not limited.)
pub const MAX_EXPR_NESTING: usize = 50_000;

/// Rejects bracket and block nesting deeper than [`MAX_NESTING`], and chains of prefix
/// operators and `**` longer than [`MAX_EXPR_NESTING`], so that no input can exhaust
/// the parser's stack or meet the evaluator's depth limit at run time. Per bracket, a
/// chain counts every unary `-`, `+` and `not` and every `**` since the last other
/// operator, `,`, `=`, `;`, `:` or line end.
fn check_nesting(tokens: &[(Token, Span)]) -> Option<Diagnostic> {
    let mut nesting = Nesting::default();
    tokens
        .iter()
        .find_map(|(tok, span)| nesting.step(tok, *span))
}

/// The state of [`check_nesting`], token by token.
struct Nesting {
    /// Per open bracket, the length of the chain in its current item; their sum.
    levels: Vec<usize>,
    total: usize,
    /// Whether the previous token can end an operand.
    after_operand: bool,
}

impl Default for Nesting {
    fn default() -> Nesting {
        Nesting {
            levels: vec![0],
            total: 0,
            after_operand: false,
        }
    }
}

impl Nesting {
    /// Takes the next token; the diagnostic when it nests too deep.
    fn step(&mut self, tok: &Token, span: Span) -> Option<Diagnostic> {
        let after_operand = std::mem::replace(&mut self.after_operand, ends_operand(tok));
        let (levels, total) = (&mut self.levels, &mut self.total);
        match tok {
            Token::LParen | Token::LBracket | Token::LBrace => {
                levels.push(0);
                if levels.len() > MAX_NESTING + 1 {
                    return Some(
                        Diagnostic::error("nested too deeply")
                            .with_label(span, format!("more than {MAX_NESTING} levels of brackets"))
                            .with_hint("split the expression with intermediate variables"),
                    );
                }
            }
            Token::RParen | Token::RBracket | Token::RBrace if levels.len() > 1 => {
                *total -= levels.pop().unwrap_or(0);
            }
            Token::Minus | Token::Plus if after_operand => end_chain(levels, total),
            Token::Minus | Token::Plus | Token::Not | Token::StarStar => {
                *levels.last_mut().unwrap_or(&mut 0) += 1;
                *total += 1;
                if *total > MAX_EXPR_NESTING {
                    return Some(
                        Diagnostic::error("expression nested too deeply")
                            .with_label(
                                span,
                                format!(
                                    "more than {MAX_EXPR_NESTING} nested prefix operators or `**`"
                                ),
                            )
                            .with_hint("split the expression with intermediate variables"),
                    );
                }
            }
            t if is_atom(t) || *t == Token::Dot => {}
            _ => end_chain(levels, total),
        }
        None
    }
}

/// Ends the chain of the innermost bracket (an operator that is not a prefix one or
/// `**`, a separator).
fn end_chain(levels: &mut [usize], total: &mut usize) {
    if let Some(chain) = levels.last_mut() {
        *total -= *chain;
        *chain = 0;
    }
}

/// Whether `tok` can end an operand (so that `(` or `[` after it is a call or an index).
fn ends_operand(tok: &Token) -> bool {
    is_atom(tok) || matches!(tok, Token::RParen | Token::RBracket | Token::RBrace)
}

/// Whether `tok` is an operand by itself: a literal or a name.
fn is_atom(tok: &Token) -> bool {
    matches!(
        tok,
        Token::Number(_)
            | Token::Str(_)
            | Token::FStr(_)
            | Token::FString(_)
            | Token::Ident(_)
            | Token::True
            | Token::False
            | Token::None
            | Token::Grad
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first pass over the vector of [`lex`]'s tokens (what `parse` did before
    /// it read them from the text as it goes).
    fn parse_tokens(src: &str) -> Option<Program> {
        let (mut tokens, mut diagnostics) = token::lex(src, SourceId(0));
        resolve_fstrings(&mut tokens, src, SourceId(0), &mut diagnostics);
        if !diagnostics.is_empty() || check_nesting(&tokens).is_some() {
            return None;
        }
        let end = tokens.last().map_or(0, |(_, s)| s.end as usize);
        let eoi = Span::new(SourceId(0), end, end);
        let (program, errors) = program_parser::<_, report::Spot, Chunked<_>>()
            .parse(tokens.as_slice().split_token_span(eoi))
            .into_output_errors();
        match (program, errors.is_empty()) {
            (Some(Chunked(stmts)), true) => Some(program_of(stmts)),
            _ => None,
        }
    }

    #[test]
    fn reading_tokens_as_it_goes_gives_the_tree_of_the_token_vector() {
        let mut texts: Vec<String> = [
            "",
            "\u{feff}x = 1\n",
            "x = [1,\n 2, # c\n 3]\nf(a,\n b)\n",
            "y = 1 +\n 2\n\n\nz = f\"a {x + 1:.2f} {{b}} {f'{y}'}\" + 'q'\n",
            "fn f(a, b=2) {\n  if a { return -b } else { return a ** b }\n}\nprint(f(1))",
            "x = {1: [i for i in range(3) if i], 'k': (1,)}; g = fn(z) { z }\n",
            "  # only a comment",
            "x = 1 # no newline at the end",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        texts.extend(repository_scripts());
        let mut parsed = 0;
        for text in &texts {
            let lazily = parse_lazily(text, SourceId(0))
                .ok()
                .map(|Chunked(s)| program_of(s));
            assert_eq!(lazily, parse_tokens(text), "{text}");
            parsed += lazily.is_some() as usize;
        }
        assert!(parsed > 50, "{parsed}");
    }

    /// Every script of the repository's examples and tests.
    fn repository_scripts() -> Vec<String> {
        let mut texts = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs = vec![root.join("examples"), root.join("tests")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "bp") {
                    texts.extend(std::fs::read_to_string(&path).ok());
                }
            }
        }
        assert!(texts.len() > 50, "{}", texts.len());
        texts
    }

    /// The reports of a text with errors, from the regions around them, are those of
    /// the whole text parsed again (what `parse` did before): on every script of the
    /// repository (those with errors among them) and on each with errors put in.
    #[test]
    fn reports_from_regions_are_the_reports_of_the_whole_text() {
        let mut texts = repository_scripts();
        let edits: [(&str, usize); 8] = [
            ("= ", 0),
            (")", 0),
            ("(", 0),
            ("}", 0),
            ("\nif x\n", 0),
            ("def f(x):", 0),
            (" = = ", 0),
            ("", 1),
        ];
        let mut mutated = Vec::new();
        for text in &texts {
            for k in 1..6 {
                let mut at = text.len() * k / 6;
                while !text.is_char_boundary(at) {
                    at += 1;
                }
                for (insert, delete) in edits {
                    let mut cut = (at + delete).min(text.len());
                    while !text.is_char_boundary(cut) {
                        cut += 1;
                    }
                    mutated.push(format!("{}{insert}{}", &text[..at], &text[cut..]));
                }
            }
        }
        texts.extend(mutated);
        // Many errors: more than are shown.
        texts.push("x = = 1\n".repeat(150));
        texts.push("y = 1\n".repeat(50) + &"x = (\n".repeat(3));
        // Statements longer than a region's first try: an unclosed `(` and the rest of
        // the text; an error inside a long class.
        texts.push("x = (1 +\ny = 2\n".to_string() + &"y = 2\n".repeat(500));
        let methods = "    fn f(self) { return 1 }\n".repeat(100);
        texts.push(format!(
            "class C {{\n{methods}    fn g(self, = ) {{ }}\n{methods}}}\nx = ="
        ));
        let (mut by_regions, mut with_errors) = (0, 0);
        for text in &texts {
            let _names = SharedNames;
            let Err(unparsed) = parse_lazily::<Chunked<_>>(text, SourceId(0)) else {
                continue;
            };
            let whole = report::parse_whole(text, SourceId(0));
            with_errors += 1;
            let Some(located) = unparsed.located else {
                continue;
            };
            let regions = report::by_regions(text, SourceId(0), *located)
                .unwrap_or_else(|| panic!("no reports from regions of {text}"));
            by_regions += 1;
            assert_eq!(
                format!("{:?}", regions.diagnostics),
                format!("{:?}", whole.diagnostics),
                "{text}"
            );
            assert_eq!(regions.incomplete, whole.incomplete, "{text}");
            assert!(whole.program.is_none());
        }
        assert!(by_regions > 1500, "{by_regions} of {with_errors}");
    }

    /// A compact rendering of an expression, to test structure.
    fn sexp(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Number(n) => format!("{n}"),
            ExprKind::Str(s) => format!("{s:?}"),
            ExprKind::Bool(b) => format!("{b}"),
            ExprKind::None => "none".into(),
            ExprKind::Name(n) => n.to_string(),
            ExprKind::TensorLit(xs) => format!("[{}]", list(xs)),
            // As the items `n` and `-n` (and rows of them) read as expressions.
            ExprKind::Numbers(xs) => {
                fn nested(shape: &[usize], values: &[f64]) -> String {
                    let parts: Vec<String> = match shape {
                        [] | [_] => values
                            .iter()
                            .map(|n| match n.is_sign_negative() {
                                true => format!("(neg {})", -n),
                                false => format!("{n}"),
                            })
                            .collect(),
                        [_, inner @ ..] => {
                            let row = inner.iter().product::<usize>().max(1);
                            values.chunks(row).map(|r| nested(inner, r)).collect()
                        }
                    };
                    format!("[{}]", parts.join(" "))
                }
                nested(&xs.shape, &xs.values)
            }
            ExprKind::Tuple(xs) => format!("(tuple {})", list(xs)),
            ExprKind::Dict(xs) => format!("(dict {})", list(xs)),
            ExprKind::Unary { op, operand } => {
                let op = if *op == UnOp::Neg { "neg" } else { "not" };
                format!("({op} {})", sexp(operand))
            }
            ExprKind::Binary { op, operands } => {
                let [lhs, rhs] = &**operands;
                format!("({} {} {})", op.symbol(), sexp(lhs), sexp(rhs))
            }
            ExprKind::Call(c) => format!("(call {} {})", sexp(&c.callee), arglist(&c.args)),
            ExprKind::Method(m) => format!(
                "(method {} {} {})",
                sexp(&m.receiver),
                m.name.name,
                arglist(&m.args)
            ),
            ExprKind::Attr(a) => format!("(attr {} {})", sexp(&a.object), a.name.name),
            ExprKind::Index(x) => {
                let (object, indices) = (&x.object, &x.indices);
                let ix: Vec<String> = indices
                    .iter()
                    .map(|i| match i {
                        Index::Single(e) => sexp(e),
                        Index::Slice {
                            start, end, step, ..
                        } => {
                            let o = |x: &Option<Expr>| x.as_ref().map_or("_".to_string(), sexp);
                            format!("{}:{}:{}", o(start), o(end), o(step))
                        }
                    })
                    .collect();
                format!("(index {} {})", sexp(object), ix.join(" "))
            }
            ExprKind::Lambda(f) => format!("(fn {})", f.params.len()),
            ExprKind::FString(parts) => {
                let ps: Vec<String> = parts
                    .iter()
                    .map(|p| match p {
                        FPart::Text(t) => format!("{t:?}"),
                        FPart::Value { expr, spec: None } => sexp(expr),
                        FPart::Value {
                            expr,
                            spec: Some((s, _)),
                        } => format!("{}:{s}", sexp(expr)),
                    })
                    .collect();
                format!("(f {})", ps.join(" "))
            }
            ExprKind::Comprehension(c) => {
                let clauses: Vec<String> = c
                    .clauses
                    .iter()
                    .map(|f| {
                        let names: Vec<&str> = f.targets.iter().map(|t| &*t.name).collect();
                        let conds: Vec<String> =
                            f.conds.iter().map(|e| format!(" if {}", sexp(e))).collect();
                        format!(
                            " for {} in {}{}",
                            names.join(","),
                            sexp(&f.iter),
                            conds.concat()
                        )
                    })
                    .collect();
                match &c.value {
                    None => format!("(list {}{})", sexp(&c.element), clauses.concat()),
                    Some(v) => format!(
                        "(dict {}: {}{})",
                        sexp(&c.element),
                        sexp(v),
                        clauses.concat()
                    ),
                }
            }
            ExprKind::IfElse(c) => format!(
                "(if {} {} {})",
                sexp(&c.cond),
                sexp(&c.then),
                sexp(&c.otherwise)
            ),
        }
    }

    fn list(xs: &[Expr]) -> String {
        xs.iter().map(sexp).collect::<Vec<_>>().join(" ")
    }

    fn arglist(args: &[Arg]) -> String {
        args.iter()
            .map(|a| match a {
                Arg::Positional(e) => sexp(e),
                Arg::Keyword { name, value } => format!("{}={}", name.name, sexp(value)),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn program(src: &str) -> Program {
        let out = parse(src, SourceId(0));
        assert!(
            out.diagnostics.is_empty(),
            "{src:?}: {:#?}",
            out.diagnostics
        );
        out.program.expect("a program")
    }

    fn expr(src: &str) -> Expr {
        let mut p = program(src);
        assert_eq!(p.len(), 1, "{src:?}");
        match p.remove(0).kind {
            StmtKind::Expr(e) => e,
            other => panic!("not an expression: {other:?}"),
        }
    }

    fn shape(src: &str) -> String {
        sexp(&expr(src))
    }

    fn errors(src: &str) -> Vec<String> {
        let out = parse(src, SourceId(0));
        assert!(out.program.is_none());
        out.diagnostics.into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn a_large_script_costs_little_per_node() {
        // A 10 MB script holds millions of tokens and expressions (SPEC §22: memory a
        // small multiple of the file): keep them small.
        if std::mem::size_of::<usize>() == 8 {
            assert_eq!(std::mem::size_of::<Expr>(), 32);
            assert_eq!(std::mem::size_of::<Arg>(), 40);
            assert!(std::mem::size_of::<(Token, Span)>() <= 40);
            assert!(
                std::mem::size_of::<Stmt>() <= 112,
                "{}",
                std::mem::size_of::<Stmt>()
            );
        }
        // Every identifier of one name shares one allocation.
        let (tokens, _) = token::lex("ab = 1\nab = ab + 1\n", SourceId(0));
        let names: Vec<&Rc<str>> = tokens
            .iter()
            .filter_map(|(t, _)| match t {
                Token::Ident(n) => Some(n),
                _ => None,
            })
            .collect();
        assert_eq!(names.len(), 3);
        assert!(Rc::ptr_eq(names[0], names[1]) && Rc::ptr_eq(names[1], names[2]));
        // Every read of one name in the tree shares one thin `Rc`.
        let p = program("ab = 1\nab = ab + ab\n");
        let StmtKind::Assign { value, .. } = &p[1].kind else {
            panic!()
        };
        let ExprKind::Binary { operands, .. } = &value.kind else {
            panic!()
        };
        let (ExprKind::Name(a), ExprKind::Name(b)) = (&operands[0].kind, &operands[1].kind) else {
            panic!()
        };
        assert!(Rc::ptr_eq(a, b) && &***a == "ab");
    }

    #[test]
    fn a_long_list_is_collected_in_order_without_room_to_spare() {
        let n = 3 * grammar::CHUNK + 5;
        let c: Chunked<usize> = (0..n).collect();
        assert_eq!(c.0, (0..n).collect::<Vec<_>>());
        assert!(c.0.capacity() <= n + 1, "{}", c.0.capacity());
        let items: Vec<String> = (0..n).map(|k| k.to_string()).collect();
        let e = expr(&format!("[{}]", items.join(", ")));
        let ExprKind::Numbers(list) = &e.kind else {
            panic!()
        };
        assert_eq!(list.values.len(), n);
        assert!(list.values.iter().enumerate().all(|(k, x)| *x == k as f64));
    }

    #[test]
    fn precedence_follows_spec() {
        assert_eq!(shape("-x ** 2"), "(neg (** x 2))");
        assert_eq!(shape("2 ** -1"), "(** 2 (neg 1))");
        assert_eq!(shape("2 ** 3 ** 2"), "(** 2 (** 3 2))");
        assert_eq!(shape("a - b - c"), "(- (- a b) c)");
        assert_eq!(shape("not a == b"), "(not (== a b))");
        assert_eq!(shape("a @ b * c"), "(* (@ a b) c)");
        assert_eq!(shape("a + b * c"), "(+ a (* b c))");
        assert_eq!(shape("a or b and not c"), "(or a (and b (not c)))");
        assert_eq!(shape("a < b + 1 and c"), "(and (< a (+ b 1)) c)");
        assert_eq!(shape("-x.grad"), "(neg (attr x grad))");
        assert_eq!(shape("-a * b"), "(* (neg a) b)");
        assert_eq!(shape("(a < b) == c"), "(== (< a b) c)");
    }

    #[test]
    fn comprehensions_and_conditional_expressions() {
        assert_eq!(shape("[x * 2 for x in xs]"), "(list (* x 2) for x in xs)");
        assert_eq!(
            shape("[(i, c) for i, c in enumerate(s) if c != ' ' if i for j in r]"),
            "(list (tuple i c) for i,c in (call enumerate s) if (!= c \" \") if i for j in r)"
        );
        assert_eq!(
            shape("{k: v\n for k, v in d\n if v}"),
            "(dict k: v for k,v in d if v)"
        );
        // The iterable is an `or` expression: `if` after it is a condition.
        assert_eq!(
            shape("[a for a in b or c if d]"),
            "(list a for a in (or b c) if d)"
        );
        assert_eq!(
            shape("[a if b else c for a in d]"),
            "(list (if b a c) for a in d)"
        );
        assert_eq!(shape("[a, b]"), "[a b]");
        assert_eq!(shape("[]"), "[]");
        assert_eq!(shape("{}"), "(dict )");
        // `a if c else b` binds loosest and nests to the right.
        assert_eq!(
            shape("a or b if c and d else e"),
            "(if (and c d) (or a b) e)"
        );
        assert_eq!(shape("a if b else c if d else e"), "(if b a (if d c e))");
        assert_eq!(shape("f(a if b else c)"), "(call f (if b a c))");
        assert!(!parse("x = a if b", SourceId(0)).diagnostics.is_empty());
        assert!(!parse("x = [a for]", SourceId(0)).diagnostics.is_empty());
        let p = program("for i, c in enumerate(s) { }\n");
        let StmtKind::For { targets, .. } = &p[0].kind else {
            panic!()
        };
        assert_eq!(targets.len(), 2);
    }

    #[test]
    fn fstrings_parse_their_parts_with_spans_of_the_source() {
        assert_eq!(
            shape(r#"f"step {k}: loss {loss:.4f}""#),
            r#"(f "step " k ": loss " loss:.4f)"#
        );
        assert_eq!(shape(r#"f"{a + b * 2}""#), "(f (+ a (* b 2)))");
        assert_eq!(shape(r#"f"{f"{x}"}!""#), r#"(f (f x) "!")"#);
        let src = r#"y = f"v={x[0] + 1:>8}""#;
        let p = program(src);
        let StmtKind::Assign { value, .. } = &p[0].kind else {
            panic!()
        };
        let ExprKind::FString(parts) = &value.kind else {
            panic!()
        };
        let FPart::Value {
            expr,
            spec: Some((spec, spec_span)),
        } = &parts[1]
        else {
            panic!("{parts:?}")
        };
        assert_eq!(&src[expr.span.range()], "x[0] + 1");
        assert_eq!(&**spec, ">8");
        assert_eq!(&src[spec_span.range()], ">8");
        // A syntax error inside the braces is reported where it is.
        let out = parse(r#"print(f"a {x +} b")"#, SourceId(0));
        assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
        assert_eq!(
            out.diagnostics[0].primary_span().map(|s| s.range()),
            Some(14..14)
        );
        assert!(out.diagnostics[0].message.contains("end of `{...}`"));
        assert_eq!(
            errors(r#"f"{x = 1}""#),
            vec!["expected an expression inside `{}`"]
        );
    }

    #[test]
    fn import_and_index_assignment() {
        let p =
            program("import \"lib/layers.bp\" as nn\nimport \"x.bp\"\nx[0, 1:] = 5\nxs[i] += 1");
        let StmtKind::Import { path, name, .. } = &p[0].kind else {
            panic!()
        };
        assert_eq!(&**path, "lib/layers.bp");
        assert_eq!(name.as_ref().map(|n| &*n.name), Some("nn"));
        assert!(matches!(&p[1].kind, StmtKind::Import { name: None, .. }));
        let StmtKind::IndexAssign {
            object,
            indices,
            op: None,
            ..
        } = &p[2].kind
        else {
            panic!()
        };
        assert_eq!(sexp(object), "x");
        assert_eq!(indices.len(), 2);
        assert!(matches!(
            &p[3].kind,
            StmtKind::IndexAssign {
                op: Some((BinOp::Add, _)),
                ..
            }
        ));
        assert_eq!(
            errors("f(x) = 3"),
            vec!["cannot assign to this; assign to a name (`x = v`) or an index (`x[i] = v`)"]
        );
        assert_eq!(
            errors("import x"),
            vec!["expected a file name in quotes, found `x`"]
        );
    }

    #[test]
    fn python_spellings_get_a_hint() {
        for (src, hint) in [
            ("with torch.no_grad():\n  x = 1", "no_grad { ... }"),
            ("def f(x):\n  return x", "fn name(x)"),
            ("import torch", "needs no `import torch`"),
            ("for (i, c) in xs { }", "without parentheses"),
            ("y = [c for (i, c) in xs]", "without parentheses"),
        ] {
            let out = parse(src, SourceId(0));
            let first = out.diagnostics.first().expect("an error");
            assert!(
                first.hint.as_deref().is_some_and(|h| h.contains(hint)),
                "{src}: {:?}",
                out.diagnostics
            );
        }
    }

    #[test]
    fn chained_comparison_is_an_error() {
        assert_eq!(
            errors("a < b < c"),
            vec!["comparisons cannot be chained; use `and`"]
        );
    }

    #[test]
    fn calls_methods_attributes_and_grad_flag() {
        assert_eq!(shape("ones(3, 3, grad)"), "(call ones 3 3 grad=true)");
        assert_eq!(
            shape("f(x, axis=0, grad=false)"),
            "(call f x axis=0 grad=false)"
        );
        assert_eq!(shape("grad(y, x)"), "(call grad y x)");
        assert_eq!(shape("f(grad(y, x))"), "(call f (call grad y x))");
        assert_eq!(shape("y.backward()"), "(method y backward )");
        assert_eq!(shape("x.sum(axis=0).T"), "(attr (method x sum axis=0) T)");
        assert_eq!(shape("x.grad.grad"), "(attr (attr x grad) grad)");
        assert_eq!(shape("f(1)(2)"), "(call (call f 1) 2)");
        assert_eq!(shape("fn(x) { return x * x }(3)"), "(call (fn 1) 3)");
    }

    #[test]
    fn grad_flag_span_is_the_word() {
        let e = expr("ones(3, grad)");
        let ExprKind::Call(call) = &e.kind else {
            panic!()
        };
        let Arg::Keyword { name, value } = &call.args[1] else {
            panic!()
        };
        assert_eq!(name.span.range(), 8..12);
        assert_eq!(value.span.range(), 8..12);
    }

    #[test]
    fn indexing_and_slices() {
        assert_eq!(shape("x[1]"), "(index x 1)");
        assert_eq!(shape("x[-1]"), "(index x (neg 1))");
        assert_eq!(shape("x[0, 2]"), "(index x 0 2)");
        assert_eq!(shape("x[a:b]"), "(index x a:b:_)");
        assert_eq!(shape("x[a:]"), "(index x a:_:_)");
        assert_eq!(shape("x[:b]"), "(index x _:b:_)");
        assert_eq!(shape("x[:]"), "(index x _:_:_)");
        assert_eq!(shape("x[a:b:2]"), "(index x a:b:2)");
        assert_eq!(shape("x[::2]"), "(index x _:_:2)");
        assert_eq!(shape("x[1:, 0]"), "(index x 1:_:_ 0)");
        assert_eq!(errors("x[]"), vec!["expected an index"]);
    }

    #[test]
    fn literals_tuples_and_parens() {
        assert_eq!(shape("[1, 2, 3]"), "[1 2 3]");
        assert_eq!(shape("[[1, 2], [3, 4],]"), "[[1 2] [3 4]]");
        assert_eq!(shape("()"), "(tuple )");
        assert_eq!(shape("(a,)"), "(tuple a)");
        assert_eq!(shape("(a, b)"), "(tuple a b)");
        assert_eq!(shape("(a, b,)"), "(tuple a b)");
        assert_eq!(shape("(a)"), "a");
        assert_eq!(shape("\"hi\\n\""), "\"hi\\n\"");
        assert_eq!(shape("none"), "none");
        assert_eq!(shape("true"), "true");
    }

    #[test]
    fn spans_cover_source_text() {
        let src = "y = (a + b) * f(x, 2).T[0]";
        let p = program(src);
        let StmtKind::Assign { target, value } = &p[0].kind else {
            panic!()
        };
        assert_eq!(&src[target.span.range()], "y");
        assert_eq!(&src[value.span.range()], "(a + b) * f(x, 2).T[0]");
        assert_eq!(&src[p[0].span.range()], src);
        let ExprKind::Binary { operands, .. } = &value.kind else {
            panic!()
        };
        let [lhs, rhs] = &**operands;
        assert_eq!(&src[lhs.span.range()], "(a + b)");
        assert_eq!(&src[rhs.span.range()], "f(x, 2).T[0]");
        let ExprKind::Index(x) = &rhs.kind else {
            panic!()
        };
        assert_eq!(&src[x.object.span.range()], "f(x, 2).T");

        let src = "x -= 0.1 * g";
        let p = program(src);
        let StmtKind::CompoundAssign {
            op, op_span, value, ..
        } = &p[0].kind
        else {
            panic!()
        };
        assert_eq!(*op, BinOp::Sub);
        assert_eq!(&src[op_span.range()], "-=");
        assert_eq!(&src[value.span.range()], "0.1 * g");
    }

    #[test]
    fn statements() {
        let p = program(
            "fn f(a, b) {\n  return a + b\n}\n\
             a, b = f(1, 2); c = 3\n\
             if a { b } else if c { return } else { c }\n\
             while a < 3 { a += 1; break }\n\
             for i in range(3) { continue }\n\
             no_grad { w -= 0.1 * w.grad }\n",
        );
        let kinds: Vec<&str> = p
            .iter()
            .map(|s| match &s.kind {
                StmtKind::FnDef(_) => "fn",
                StmtKind::Unpack { .. } => "unpack",
                StmtKind::Assign { .. } => "assign",
                StmtKind::If { .. } => "if",
                StmtKind::While { .. } => "while",
                StmtKind::For { .. } => "for",
                StmtKind::NoGrad(_) => "no_grad",
                _ => "other",
            })
            .collect();
        assert_eq!(
            kinds,
            ["fn", "unpack", "assign", "if", "while", "for", "no_grad"]
        );
        let StmtKind::If {
            branches,
            else_block,
        } = &p[3].kind
        else {
            panic!()
        };
        assert_eq!(branches.len(), 2);
        assert!(else_block.is_some());
        assert!(matches!(
            branches[1].1.stmts[0].kind,
            StmtKind::Return(None)
        ));
    }

    #[test]
    fn newline_rules() {
        // A call spanning lines.
        let p = program("y = f(1,\n  2,\n  3)\nz = [1,\n 2]\n");
        assert_eq!(p.len(), 2);
        // A block inside parentheses has significant newlines again.
        let p = program("g = apply(fn(x) {\n  y = x * 2\n  return y\n}, 3)\n");
        let StmtKind::Assign { value, .. } = &p[0].kind else {
            panic!()
        };
        let ExprKind::Call(call) = &value.kind else {
            panic!()
        };
        let Arg::Positional(Expr {
            kind: ExprKind::Lambda(f),
            ..
        }) = &call.args[0]
        else {
            panic!()
        };
        assert_eq!(f.body.stmts.len(), 2);
        // Blank lines, comments, stray semicolons, `}` ending a statement, else on a new line.
        let p = program("\n\n# c\n;;x = 1;\n\nif x { return 1 }\nelse\n{ y = 2 };\n");
        assert_eq!(p.len(), 2);
        // A trailing operator continues the line.
        assert_eq!(program("x = 1 +\n 2").len(), 1);
        // A newline ends a statement outside brackets.
        assert_eq!(program("f\n(1)").len(), 2);
    }

    #[test]
    fn several_errors_are_all_reported() {
        let errs = errors("x = = 1\ny = 2\nz = (1 +)\nw = 3 4\n");
        assert_eq!(errs.len(), 3, "{errs:?}");
        let errs = errors("fn f(x) {\n  a = )\n  b = 2\n}\nc = ]\n");
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(!errors("x = ones(3, 3\ny = mean(x))").is_empty());
        assert_eq!(errors("x = 1 }"), vec!["unmatched `}`"]);
    }

    #[test]
    fn incomplete_input_is_detected() {
        for src in [
            "f(1,",
            "x = [1, 2",
            "if c {",
            "if c {\n  x = 1\n",
            "x = 1 +",
            "if c",
            "fn f(x)",
            "while x < 3 {\n",
            "print(\"abc",
            "x = \"abc",
        ] {
            let out = parse(src, SourceId(0));
            assert!(out.incomplete, "{src:?}: {:?}", out.diagnostics);
            assert!(!out.diagnostics.is_empty());
        }
        for src in [
            "x = )",
            "f(1))",
            "x = 1",
            "x = 1 2 (",
            "$ (",
            "if c { x = = 1 }\nf(",
        ] {
            let out = parse(src, SourceId(0));
            assert!(!out.incomplete, "{src:?}");
        }
    }

    #[test]
    fn lex_errors_do_not_cascade() {
        let out = parse("x = 3 $ + 1\ny = \"a\\q\"\n", SourceId(0));
        let msgs: Vec<_> = out.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            msgs,
            ["unexpected character `$`", "unknown escape `\\q` in string"]
        );
    }

    fn on_big_stack(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(512 * 1024 * 1024)
            .spawn(f)
            .expect("spawn")
            .join()
            .expect("no panic");
    }

    #[test]
    fn a_byte_order_mark_at_the_start_is_skipped() {
        let out = parse("\u{feff}x = 1\nprint(x)\n", SourceId(0));
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let program = out.program.expect("parses");
        assert_eq!(program[0].span.start, 3);
        // Anywhere else it is an unexpected character.
        let out = parse("x = 1\u{feff}\n", SourceId(0));
        assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    }

    #[test]
    fn deep_operator_nesting_is_a_syntax_error() {
        for text in [
            format!("x = {}1\n", "-".repeat(100_000)),
            format!("x = {}1\n", "not ".repeat(60_000)),
            format!("x = 2{}\n", " ** 2".repeat(60_000)),
            format!("x = 2{}\n", " ** -2".repeat(30_000)),
        ] {
            let out = parse(&text, SourceId(0));
            assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
            assert_eq!(out.diagnostics[0].message, "expression nested too deeply");
        }
        // Long flat lists, sums of negatives and many statements are not nesting.
        let list = format!("x = [{}]\n", "-1, ".repeat(100_000));
        assert!(parse(&list, SourceId(0)).diagnostics.is_empty());
        on_big_stack(|| {
            let sum = format!("x = -1{}\n", " + -1".repeat(100_000));
            assert!(parse(&sum, SourceId(0)).diagnostics.is_empty());
        });
        let lines = "y = -1 + 2 * 3\n".repeat(20_000);
        assert!(parse(&lines, SourceId(0)).diagnostics.is_empty());
    }

    #[test]
    fn at_most_a_hundred_syntax_errors_are_reported() {
        let out = parse(&"x = = 1\n".repeat(500), SourceId(0));
        assert_eq!(out.diagnostics.len(), MAX_REPORTED + 1);
        assert_eq!(
            out.diagnostics[MAX_REPORTED].message,
            "400 more syntax errors not shown"
        );
    }

    #[test]
    fn deep_nesting_is_a_clean_error() {
        let n = 100_000;
        let src = format!("{}1{}", "(".repeat(n), ")".repeat(n));
        let out = parse(&src, SourceId(0));
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].message, "nested too deeply");
        // Nesting just under the limit parses.
        let n = MAX_NESTING - 1;
        let src = format!("x = {}1{}", "[".repeat(n), "]".repeat(n));
        on_big_stack(move || assert!(parse(&src, SourceId(0)).program.is_some()));
    }

    #[test]
    fn long_flat_sum_parses() {
        // The AST of a 300,000-term sum is 300,000 levels deep: dropping it recurses,
        // so this test (like the evaluator) runs on a big stack.
        on_big_stack(|| {
            let src = vec!["1"; 300_000].join("+");
            let out = parse(&src, SourceId(0));
            assert!(out.diagnostics.is_empty());
            assert_eq!(out.program.map(|p| p.len()), Some(1));
        });
    }

    #[test]
    fn long_prefix_and_power_chains_are_syntax_errors() {
        for src in [
            format!("{}1", "-".repeat(100_000)),
            format!("{}1", "not ".repeat(100_000)),
            vec!["2"; 100_000].join("**"),
        ] {
            let out = parse(&src, SourceId(0));
            assert_eq!(out.diagnostics.len(), 1);
            assert_eq!(out.diagnostics[0].message, "expression nested too deeply");
        }
    }

    #[test]
    fn no_panic_on_garbage() {
        for src in [
            "",
            "\n",
            ";",
            "}",
            ")",
            "]",
            "{",
            "(",
            "[",
            "fn",
            "fn(",
            "fn f",
            "if",
            "else",
            "x[",
            "x[1:",
            "a, b",
            "a, b =",
            "x.",
            "x.1",
            "1..2",
            "\"",
            "\\",
            "==",
            "**",
            "-",
            "not",
            "(,)",
            "f(a=)",
            "f(=1)",
            "x[::]",
            "grad",
            "grad = 1",
            "{}}{",
            "é",
            "\u{0}",
            "for in",
            "for x in",
            "return return",
            "a +=",
            "1 = 2",
            "(x) = 3",
            "x.y = 3",
        ] {
            let _ = parse(src, SourceId(0));
        }
    }
}
