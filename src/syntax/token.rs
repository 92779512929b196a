//! The lexer: source text to spanned tokens (logos), plus the newline rules of SPEC §2.
//!
//! [`lex`] turns a source into the token stream the parser reads. Lexical problems
//! (a bad character, an unknown escape, an unterminated string) become diagnostics and
//! an [`Token::Error`] placeholder in the stream, so parsing can still go on and report
//! its own errors. Newlines are tokens; [`lex`] drops the ones that cannot end a
//! statement (inside `( )` / `[ ]`, or after an operator). [`highlight`] classifies the
//! raw tokens and comments for the REPL.

use super::ast::FPart;
use crate::diagnostic::Diagnostic;
use crate::source::{SourceId, Span};
use logos::Logos;
use std::fmt;
use std::ops::Range;
use std::rc::Rc;

/// What went wrong while lexing one token.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum LexError {
    /// A character that starts no token.
    #[default]
    BadChar,
    /// A string with no closing `"`.
    UnterminatedString,
    /// `\q` inside a string: byte offsets of the escape.
    BadEscape { start: usize, end: usize },
    /// A number literal that does not fit an f64 (cannot happen with the regex; kept total).
    BadNumber,
    /// A malformed f-string: byte offsets of the fault and what is wrong.
    BadFString {
        start: usize,
        end: usize,
        message: &'static str,
    },
}

/// One piece of an f-string as the lexer finds it (offsets into the whole source).
#[derive(Clone, Debug, PartialEq)]
pub enum RawPiece {
    /// Literal text, escapes and `{{ }}` decoded.
    Text(Rc<str>),
    /// `{code}` or `{code:spec}`: the byte range of the code, and of the spec after `:`.
    Code {
        code: Range<usize>,
        spec: Option<(Rc<str>, Range<usize>)>,
    },
}

/// The names of one lexed text, each allocated once: every `Token::Ident` of the same
/// name shares one `Rc<str>` (a large script repeats a few names many times).
#[derive(Default)]
pub struct Names(std::collections::HashSet<Rc<str>>);

impl Names {
    fn intern(&mut self, name: &str) -> Rc<str> {
        if let Some(k) = self.0.get(name) {
            return k.clone();
        }
        let k: Rc<str> = Rc::from(name);
        self.0.insert(k.clone());
        k
    }
}

/// One token of bp source.
#[derive(Logos, Clone, Debug, PartialEq)]
#[logos(error = LexError)]
#[logos(extras = Names)]
#[logos(skip r"[ \t\r\f]+")]
#[logos(skip(r"#[^\n]*", allow_greedy = true))]
pub enum Token {
    #[regex(r"([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", lex_number)]
    Number(f64),
    #[token("\"", |lex| lex_string(lex, '"'))]
    #[token("'", |lex| lex_string(lex, '\''))]
    Str(Rc<str>),
    /// `f"..."` as lexed: text and the byte ranges of its `{...}` parts.
    #[token("f\"", |lex| lex_fstring(lex, b'"'))]
    #[token("f'", |lex| lex_fstring(lex, b'\''))]
    FStr(Rc<[RawPiece]>),
    /// `f"..."` with its parts parsed ([`crate::syntax::parse`] turns every
    /// [`Token::FStr`] into this before the grammar runs).
    FString(Rc<[FPart]>),
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*", |lex| lex.extras.intern(lex.slice()))]
    Ident(Rc<str>),

    #[token("fn")]
    Fn,
    #[token("return")]
    Return,
    #[token("if")]
    If,
    #[token("else")]
    Else,
    #[token("for")]
    For,
    #[token("in")]
    In,
    #[token("while")]
    While,
    #[token("break")]
    Break,
    #[token("continue")]
    Continue,
    #[token("no_grad")]
    NoGrad,
    #[token("true")]
    True,
    #[token("false")]
    False,
    #[token("none")]
    None,
    #[token("and")]
    And,
    #[token("or")]
    Or,
    #[token("not")]
    Not,
    #[token("is")]
    Is,
    #[token("grad")]
    Grad,
    #[token("import")]
    Import,
    #[token("class")]
    Class,
    #[token("as")]
    As,

    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("//")]
    SlashSlash,
    #[token("@")]
    At,
    #[token("**")]
    StarStar,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("=")]
    Assign,
    #[token("+=")]
    PlusEq,
    #[token("-=")]
    MinusEq,
    #[token("*=")]
    StarEq,
    #[token("/=")]
    SlashEq,

    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token(",")]
    Comma,
    #[token(";")]
    Semi,
    #[token(":")]
    Colon,
    #[token(".")]
    Dot,
    #[token("\n")]
    Newline,

    /// Placeholder for text that failed to lex; its diagnostic is already reported.
    Error,
}

fn lex_number(lex: &mut logos::Lexer<Token>) -> Result<f64, LexError> {
    lex.slice().parse().map_err(|_| LexError::BadNumber)
}

/// Scans a string after its opening `"`, decoding escapes. A string may span lines.
fn lex_string(lex: &mut logos::Lexer<Token>, quote: char) -> Result<Rc<str>, LexError> {
    let open = lex.span().start;
    let rest = lex.remainder();
    let mut out = String::new();
    let mut bad_escape = None;
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            c if c == quote => {
                lex.bump(i + 1);
                return match bad_escape {
                    Some(e) => Err(e),
                    None => Ok(out.into()),
                };
            }
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, '"')) => out.push('"'),
                Some((_, '\'')) => out.push('\''),
                Some((_, '\\')) => out.push('\\'),
                Some((j, other)) => {
                    if bad_escape.is_none() {
                        let start = open + 1 + i;
                        let end = open + 1 + j + other.len_utf8();
                        bad_escape = Some(LexError::BadEscape { start, end });
                    }
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    lex.bump(rest.len());
    Err(LexError::UnterminatedString)
}

/// Scans an f-string after its opening `f"`: literal text (escapes and `{{ }}`
/// decoded) and `{code}` / `{code:spec}` parts, whose code is parsed later. Inside the
/// braces, brackets nest and string literals are skipped, so `{x[1:2]}` and
/// `{"a" + s}` work; the spec starts at the first `:` outside brackets.
fn lex_fstring(lex: &mut logos::Lexer<Token>, quote: u8) -> Result<Rc<[RawPiece]>, LexError> {
    let base = lex.span().end;
    let rest = lex.remainder();
    let bytes = rest.as_bytes();
    let mut pieces: Vec<RawPiece> = Vec::new();
    let mut text = String::new();
    let mut error: Option<LexError> = None;
    let fail = |e: &mut Option<LexError>, start: usize, end: usize, message: &'static str| {
        if e.is_none() {
            *e = Some(LexError::BadFString {
                start: base + start,
                end: base + end,
                message,
            });
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b if b == quote => {
                lex.bump(i + 1);
                if !text.is_empty() {
                    pieces.push(RawPiece::Text(text.into()));
                }
                return match error {
                    Some(e) => Err(e),
                    None => Ok(pieces.into()),
                };
            }
            b'\\' => {
                let c = rest.get(i + 1..).and_then(|r| r.chars().next());
                match c {
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some('"') => text.push('"'),
                    Some('\'') => text.push('\''),
                    Some('\\') => text.push('\\'),
                    Some(other) => {
                        if error.is_none() {
                            error = Some(LexError::BadEscape {
                                start: base + i,
                                end: base + i + 1 + other.len_utf8(),
                            });
                        }
                    }
                    None => break,
                }
                i += 1 + c.map_or(0, char::len_utf8);
            }
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                text.push('{');
                i += 2;
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                text.push('}');
                i += 2;
            }
            b'}' => {
                fail(
                    &mut error,
                    i,
                    i + 1,
                    "a single `}` in an f-string; write `}}`",
                );
                i += 1;
            }
            b'{' => {
                let open = i;
                let start = i + 1;
                let mut depth = 0usize;
                let mut colon: Option<usize> = None;
                let mut j = start;
                let mut close: Option<usize> = None;
                while j < bytes.len() {
                    match bytes[j] {
                        b'(' | b'[' | b'{' => depth += 1,
                        b')' | b']' => depth = depth.saturating_sub(1),
                        b'}' if depth == 0 => {
                            close = Some(j);
                            break;
                        }
                        b'}' => depth -= 1,
                        b':' if depth == 0 && colon.is_none() => colon = Some(j),
                        q @ (b'"' | b'\'') if colon.is_none() => {
                            // A string literal inside the code: skip it whole. When
                            // it never closes, the quote ends the f-string instead.
                            let opened = j;
                            j += 1;
                            while j < bytes.len() && bytes[j] != q {
                                j += if bytes[j] == b'\\' { 2 } else { 1 };
                            }
                            if j >= bytes.len() {
                                j = opened;
                                break;
                            }
                        }
                        b if b == quote => break,
                        _ => {}
                    }
                    j += 1;
                }
                let Some(close) = close else {
                    // The f-string or the input ends inside `{...}`.
                    if j >= bytes.len() {
                        break;
                    }
                    fail(&mut error, open, j, "this `{` is not closed by `}`");
                    i = j;
                    continue;
                };
                let code_end = colon.unwrap_or(close);
                if rest[start..code_end].trim().is_empty() {
                    fail(&mut error, open, close + 1, "an empty `{}` in an f-string");
                }
                let spec = colon.map(|c| {
                    let s = &rest[c + 1..close];
                    (Rc::<str>::from(s), base + c + 1..base + close)
                });
                if let Some((s, r)) = &spec {
                    if s.contains('{') {
                        fail(
                            &mut error,
                            r.start - base,
                            r.end - base,
                            "a format spec cannot contain `{`",
                        );
                    }
                }
                if !text.is_empty() {
                    pieces.push(RawPiece::Text(std::mem::take(&mut text).into()));
                }
                pieces.push(RawPiece::Code {
                    code: base + start..base + code_end,
                    spec,
                });
                i = close + 1;
            }
            _ => {
                let c = rest[i..].chars().next().map_or(1, char::len_utf8);
                text.push_str(&rest[i..i + c]);
                i += c;
            }
        }
    }
    lex.bump(rest.len());
    Err(LexError::UnterminatedString)
}

impl Token {
    /// How the token reads in a message ("expected `)`", "expected identifier").
    pub fn describe(&self) -> String {
        match self {
            Token::Number(_) => "number".into(),
            Token::Str(_) => "string".into(),
            Token::FStr(_) | Token::FString(_) => "f-string".into(),
            Token::Ident(_) => "identifier".into(),
            Token::Newline => "end of line".into(),
            Token::Error => "invalid token".into(),
            other => format!("`{other}`"),
        }
    }

    /// True for tokens after which a line cannot end a statement (an operand must follow).
    fn continues_line(&self) -> bool {
        use Token::*;
        matches!(
            self,
            Plus | Minus
                | Star
                | Slash
                | Percent
                | SlashSlash
                | Is
                | In
                | At
                | StarStar
                | EqEq
                | NotEq
                | Lt
                | Le
                | Gt
                | Ge
                | Assign
                | PlusEq
                | MinusEq
                | StarEq
                | SlashEq
                | And
                | Or
                | Not
                | Comma
                | Dot
        )
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let s = match self {
            Token::Number(n) => return write!(f, "{n}"),
            Token::Str(s) => return write!(f, "{s:?}"),
            Token::Ident(s) => return write!(f, "{s}"),
            Token::Fn => "fn",
            Token::Return => "return",
            Token::If => "if",
            Token::Else => "else",
            Token::For => "for",
            Token::In => "in",
            Token::While => "while",
            Token::Break => "break",
            Token::Continue => "continue",
            Token::NoGrad => "no_grad",
            Token::True => "true",
            Token::False => "false",
            Token::None => "none",
            Token::And => "and",
            Token::Or => "or",
            Token::Not => "not",
            Token::Is => "is",
            Token::Grad => "grad",
            Token::Import => "import",
            Token::Class => "class",
            Token::As => "as",
            Token::FStr(_) | Token::FString(_) => "f-string",
            Token::Plus => "+",
            Token::Minus => "-",
            Token::Star => "*",
            Token::Slash => "/",
            Token::Percent => "%",
            Token::SlashSlash => "//",
            Token::At => "@",
            Token::StarStar => "**",
            Token::EqEq => "==",
            Token::NotEq => "!=",
            Token::Lt => "<",
            Token::Le => "<=",
            Token::Gt => ">",
            Token::Ge => ">=",
            Token::Assign => "=",
            Token::PlusEq => "+=",
            Token::MinusEq => "-=",
            Token::StarEq => "*=",
            Token::SlashEq => "/=",
            Token::LParen => "(",
            Token::RParen => ")",
            Token::LBracket => "[",
            Token::RBracket => "]",
            Token::LBrace => "{",
            Token::RBrace => "}",
            Token::Comma => ",",
            Token::Semi => ";",
            Token::Colon => ":",
            Token::Dot => ".",
            Token::Newline => "\\n",
            Token::Error => "<error>",
        };
        f.write_str(s)
    }
}

/// Every token of `src` as logos produces it (all newlines kept), lex errors as
/// [`Token::Error`] with their diagnostics. Adjacent bad characters give one diagnostic.
pub fn lex_raw(src: &str, source: SourceId) -> (Vec<(Token, Span)>, Vec<Diagnostic>) {
    // Room for a token every 2 bytes up front (dense code, `x3 = 1 * 2 + f(a, b)`, has
    // one every 2.2): a large file's vector then does not grow by copying itself, and
    // the pages of the room never written are not resident.
    let mut tokens: Vec<(Token, Span)> = Vec::with_capacity(src.len() / 2 + 16);
    let mut diags = Vec::new();
    let mut bad_run: Option<Range<usize>> = None;
    let flush = |run: &mut Option<Range<usize>>, diags: &mut Vec<Diagnostic>| {
        if let Some(r) = run.take() {
            let text = src.get(r.clone()).unwrap_or("");
            let what = if text.chars().count() == 1 {
                format!("unexpected character `{}`", text.escape_debug())
            } else {
                format!("unexpected characters `{}`", text.escape_debug())
            };
            diags.push(
                Diagnostic::error(what)
                    .with_label(Span::new(source, r.start, r.end), "not valid here"),
            );
        }
    };
    // A UTF-8 byte-order mark at the start (editors on Windows write one) is skipped;
    // spans stay offsets into the whole text.
    let mut lexer = Token::lexer(src);
    if src.starts_with('\u{feff}') {
        lexer.bump('\u{feff}'.len_utf8());
    }
    for (result, range) in lexer.spanned() {
        let span = Span::new(source, range.start, range.end);
        match result {
            Ok(tok) => {
                flush(&mut bad_run, &mut diags);
                tokens.push((tok, span));
            }
            Err(LexError::BadChar) => {
                match &mut bad_run {
                    Some(run) if run.end == range.start => run.end = range.end,
                    _ => {
                        flush(&mut bad_run, &mut diags);
                        bad_run = Some(range.clone());
                    }
                }
                // One placeholder per run of bad characters.
                if tokens.last().map(|(t, s)| (t, s.end)) == Some((&Token::Error, span.start)) {
                    if let Some(last) = tokens.last_mut() {
                        last.1.end = span.end;
                    }
                } else {
                    tokens.push((Token::Error, span));
                }
            }
            Err(err) => {
                flush(&mut bad_run, &mut diags);
                diags.push(lex_error_diagnostic(err, src, source, range.clone()));
                tokens.push((Token::Error, span));
            }
        }
    }
    flush(&mut bad_run, &mut diags);
    (tokens, diags)
}

fn lex_error_diagnostic(
    err: LexError,
    src: &str,
    source: SourceId,
    range: Range<usize>,
) -> Diagnostic {
    match err {
        LexError::UnterminatedString => {
            // Label only the first line of the string so the report stays short.
            let text = src.get(range.clone()).unwrap_or("");
            let end = text.find('\n').map_or(range.end, |i| range.start + i);
            Diagnostic::error("unterminated string").with_label(
                Span::new(source, range.start, end),
                "this string has no closing `\"`",
            )
        }
        LexError::BadEscape { start, end } => {
            let esc = src.get(start..end).unwrap_or("\\?");
            Diagnostic::error(format!("unknown escape `{esc}` in string"))
                .with_label(Span::new(source, start, end), "unknown escape")
                .with_hint("the escapes are \\n \\t \\\" \\\\")
        }
        LexError::BadFString {
            start,
            end,
            message,
        } => {
            Diagnostic::error(message).with_label(Span::new(source, start, end), "in this f-string")
        }
        LexError::BadNumber => Diagnostic::error("invalid number")
            .with_label(Span::new(source, range.start, range.end), "not a number"),
        LexError::BadChar => Diagnostic::error("unexpected character")
            .with_label(Span::new(source, range.start, range.end), "not valid here"),
    }
}

/// Lexes `src` for the parser: like [`lex_raw`], but a newline is dropped when it cannot
/// end a statement — when the innermost open bracket is `(` or `[` (a `{` inside
/// parentheses makes newlines significant again), or when the previous token is an
/// operator, `=`, `,` or `.` that needs an operand after it.
pub fn lex(src: &str, source: SourceId) -> (Vec<(Token, Span)>, Vec<Diagnostic>) {
    let (mut tokens, diags) = lex_raw(src, source);
    // The tokens kept are moved to the front of the same vector (no second copy of a
    // large file's tokens): `kept` of them are in place.
    let mut kept: usize = 0;
    let mut stack: Vec<Token> = Vec::new();
    for i in 0..tokens.len() {
        let last = kept.checked_sub(1).map(|k| &tokens[k].0);
        let keep = match &tokens[i].0 {
            Token::LParen => {
                stack.push(Token::LParen);
                true
            }
            Token::LBracket => {
                stack.push(Token::LBracket);
                true
            }
            Token::LBrace => {
                stack.push(Token::LBrace);
                true
            }
            Token::RParen | Token::RBracket | Token::RBrace => {
                stack.pop();
                true
            }
            Token::Newline => {
                let in_parens = matches!(stack.last(), Some(Token::LParen | Token::LBracket));
                let after_op = last.is_some_and(|t| t.continues_line());
                let repeated = matches!(last, Some(Token::Newline));
                !(in_parens || after_op || repeated)
            }
            _ => true,
        };
        if keep {
            tokens.swap(kept, i);
            kept += 1;
        }
    }
    tokens.truncate(kept);
    (tokens, diags)
}

/// What [`scan`] finds in a text without lexical errors: what the parser's first
/// pass needs to read the tokens of [`lex`] straight from the text, as it goes
/// ([`LazyTokens`]), with no vector of tokens (a 10 MB script has millions).
pub(crate) struct Scan {
    /// The offsets of the newlines that are tokens (the others are dropped, SPEC §2).
    newlines: Vec<u32>,
    /// The f-strings, to be resolved (`Token::FStr` into `Token::FString`) in place.
    pub(crate) fstrings: Vec<(Token, Span)>,
    /// Where the last token ends.
    pub(crate) end: usize,
    names: Names,
}

/// Lexes `src` once as [`lex`] does, handing every token [`lex`] keeps to `each` (which
/// stops the scan by returning false). `None` when the text has a lexical error (the
/// caller then lexes with [`lex`], which reports it), when `each` stops it, or when the
/// text is too large for 32-bit offsets.
pub(crate) fn scan(
    src: &str,
    source: SourceId,
    mut each: impl FnMut(&Token, Span) -> bool,
) -> Option<Scan> {
    if src.len() >= u32::MAX as usize {
        return Option::None;
    }
    let mut lexer = Token::lexer(src);
    if src.starts_with('\u{feff}') {
        lexer.bump('\u{feff}'.len_utf8());
    }
    let mut out = Scan {
        newlines: Vec::new(),
        fstrings: Vec::new(),
        end: 0,
        names: Names::default(),
    };
    // The newline rule of `lex`, as the tokens come: the innermost open bracket,
    // whether the last token kept needs an operand after it, or is a newline.
    let mut stack: Vec<bool> = Vec::new();
    let mut last_continues = false;
    let mut last_newline = false;
    let mut spanned = lexer.spanned();
    for (result, range) in spanned.by_ref() {
        let token = result.ok()?;
        let keep = match &token {
            Token::LParen | Token::LBracket => {
                stack.push(true);
                true
            }
            Token::LBrace => {
                stack.push(false);
                true
            }
            Token::RParen | Token::RBracket | Token::RBrace => {
                stack.pop();
                true
            }
            Token::Newline => {
                let in_parens = stack.last() == Some(&true);
                !(in_parens || last_continues || last_newline)
            }
            _ => true,
        };
        if !keep {
            continue;
        }
        let span = Span::new(source, range.start, range.end);
        if !each(&token, span) {
            return Option::None;
        }
        match token {
            Token::Newline => out.newlines.push(range.start as u32),
            Token::FStr(_) => out.fstrings.push((token.clone(), span)),
            _ => {}
        }
        last_continues = token.continues_line();
        last_newline = token == Token::Newline;
        out.end = range.end;
    }
    out.names = std::mem::take(&mut spanned.extras);
    Some(out)
}

/// The tokens of [`lex`] read from the text when the parser asks for them (see
/// [`scan`]): a token is lexed again where the parser goes back, a few recent ones
/// are remembered.
pub(crate) struct LazyTokens<'s> {
    src: &'s str,
    /// Where the first token may start (after a byte-order mark).
    pub(crate) begin: usize,
    newlines: Vec<u32>,
    /// The f-strings resolved, by their start.
    fstrings: crate::fast_hash::FastMap<u32, Token>,
    names: Names,
    /// Recent tokens: (where the lexing started, the token, its start and end).
    recent: [Option<(usize, Token, usize, usize)>; 8],
}

impl<'s> LazyTokens<'s> {
    pub(crate) fn new(src: &'s str, scan: Scan) -> LazyTokens<'s> {
        let begin = if src.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        LazyTokens {
            src,
            begin,
            newlines: scan.newlines,
            fstrings: scan
                .fstrings
                .into_iter()
                .map(|(token, span)| (span.start, token))
                .collect(),
            names: scan.names,
            recent: Default::default(),
        }
    }

    /// The first token that [`lex`] keeps at or after offset `at` (the end of the
    /// previous token): the token, its start and its end.
    pub(crate) fn next_at(&mut self, at: usize) -> Option<(Token, usize, usize)> {
        let slot = at % self.recent.len();
        if let Some((from, token, start, end)) = &self.recent[slot] {
            if *from == at {
                return Some((token.clone(), *start, *end));
            }
        }
        let rest = self.src.get(at..)?;
        let mut lexer = Token::lexer_with_extras(rest, std::mem::take(&mut self.names));
        let found = loop {
            let Some(result) = lexer.next() else {
                break Option::None;
            };
            let range = lexer.span();
            let (start, end) = (at + range.start, at + range.end);
            let token = match result {
                Ok(Token::Newline) => {
                    if self.newlines.binary_search(&(start as u32)).is_err() {
                        continue;
                    }
                    Token::Newline
                }
                Ok(Token::FStr(_)) => self
                    .fstrings
                    .get(&(start as u32))
                    .cloned()
                    .unwrap_or(Token::Error),
                Ok(token) => token,
                // `scan` found no lexical error.
                Err(_) => Token::Error,
            };
            break Some((token, start, end));
        };
        self.names = lexer.extras;
        if let Some((token, start, end)) = &found {
            self.recent[slot] = Some((at, token.clone(), *start, *end));
        }
        found
    }
}

/// Classes of source text for syntax highlighting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Highlight {
    Keyword,
    /// `true`, `false`, `none`
    Constant,
    Number,
    String,
    Comment,
    Name,
    Operator,
    Punctuation,
    Error,
}

/// Byte ranges of `src` with their highlight class, in order; whitespace is left out.
/// Never fails: text that does not lex is [`Highlight::Error`].
pub fn highlight(src: &str) -> Vec<(Highlight, Range<usize>)> {
    highlight_nested(src, 0)
}

/// [`highlight`] of code inside an f-string `depth` levels deep.
fn highlight_nested(src: &str, depth: usize) -> Vec<(Highlight, Range<usize>)> {
    let (tokens, _) = lex_raw(src, SourceId::default());
    let mut out = Vec::with_capacity(tokens.len());
    let mut pos = 0;
    let comment_in = |from: usize, to: usize, out: &mut Vec<(Highlight, Range<usize>)>| {
        // Between two tokens there is only whitespace and at most one comment.
        if let Some(gap) = src.get(from..to) {
            if let Some(i) = gap.find('#') {
                out.push((Highlight::Comment, from + i..to));
            }
        }
    };
    for (tok, span) in tokens {
        let range = span.range();
        comment_in(pos, range.start, &mut out);
        pos = range.end;
        if let Token::FStr(pieces) = &tok {
            // The text as a string; the code in `{...}` as code.
            let mut at = range.start;
            for piece in pieces.iter() {
                if let RawPiece::Code { code, .. } = piece {
                    if depth >= 16 {
                        break;
                    }
                    if code.start > at {
                        out.push((Highlight::String, at..code.start));
                    }
                    let inner = src.get(code.clone()).unwrap_or("");
                    for (class, r) in highlight_nested(inner, depth + 1) {
                        out.push((class, r.start + code.start..r.end + code.start));
                    }
                    at = code.end;
                }
            }
            out.push((Highlight::String, at..range.end));
            continue;
        }
        let class = match tok {
            Token::Number(_) => Highlight::Number,
            Token::Str(_) | Token::FString(_) => Highlight::String,
            Token::Ident(_) => Highlight::Name,
            Token::True | Token::False | Token::None => Highlight::Constant,
            Token::Fn
            | Token::Return
            | Token::If
            | Token::Else
            | Token::For
            | Token::In
            | Token::While
            | Token::Break
            | Token::Continue
            | Token::NoGrad
            | Token::And
            | Token::Or
            | Token::Not
            | Token::Is
            | Token::Grad
            | Token::Import
            | Token::Class
            | Token::As => Highlight::Keyword,
            Token::LParen
            | Token::RParen
            | Token::LBracket
            | Token::RBracket
            | Token::LBrace
            | Token::RBrace
            | Token::Comma
            | Token::Semi
            | Token::Colon
            | Token::Dot => Highlight::Punctuation,
            Token::Newline => continue,
            Token::Error => Highlight::Error,
            _ => Highlight::Operator,
        };
        out.push((class, range));
    }
    comment_in(pos, src.len(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Token> {
        let (toks, diags) = lex(src, SourceId(0));
        assert!(diags.is_empty(), "{diags:?}");
        toks.into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn numbers_are_floats() {
        assert_eq!(
            kinds("3 3.0 0.5 1e-3 2.5E+4"),
            vec![
                Token::Number(3.0),
                Token::Number(3.0),
                Token::Number(0.5),
                Token::Number(0.001),
                Token::Number(25000.0)
            ]
        );
    }

    #[test]
    fn keywords_operators_and_comments() {
        use Token::*;
        assert_eq!(
            kinds("fn grad no_grad x # comment\n** * <= = == += .T"),
            vec![
                Fn,
                Grad,
                NoGrad,
                Ident("x".into()),
                Newline,
                StarStar,
                Star,
                Le,
                Assign,
                EqEq,
                PlusEq,
                Dot,
                Ident("T".into())
            ]
        );
    }

    #[test]
    fn string_escapes() {
        assert_eq!(
            kinds(r#""a\n\t\"\\b""#),
            vec![Token::Str("a\n\t\"\\b".into())]
        );
    }

    #[test]
    fn bad_escape_and_unterminated_string_are_spanned() {
        let (toks, diags) = lex(r#"x = "a\qb""#, SourceId(0));
        assert_eq!(toks.last().map(|t| &t.0), Some(&Token::Error));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].primary_span().map(|s| s.range()), Some(6..8));

        let (_, diags) = lex("x = \"abc", SourceId(0));
        assert_eq!(diags[0].message, "unterminated string");
        assert_eq!(diags[0].primary_span().map(|s| s.range()), Some(4..8));
    }

    #[test]
    fn bad_characters_become_one_diagnostic_per_run() {
        let (toks, diags) = lex("x = 1 $$ 2 ?", SourceId(0));
        assert_eq!(diags.len(), 2);
        assert_eq!(diags[0].primary_span().map(|s| s.range()), Some(6..8));
        assert_eq!(toks.iter().filter(|t| t.0 == Token::Error).count(), 2);
        let (_, diags) = lex("é", SourceId(0));
        assert_eq!(diags.len(), 1);
    }

    #[test]
    fn newlines_inside_parens_are_dropped_but_not_inside_braces() {
        use Token::*;
        let toks = kinds("f(1,\n2)\ng(fn(x) {\na\nb\n})");
        let newlines = toks.iter().filter(|t| **t == Newline).count();
        // after `)` of f(...), and the two inside the braces after `{`... `{\n` and `a\n`, `b\n`
        assert_eq!(newlines, 4, "{toks:?}");
        let toks = kinds("[1,\n 2]");
        assert!(!toks.contains(&Newline));
    }

    #[test]
    fn newline_after_operator_is_dropped() {
        let toks = kinds("x = 1 +\n 2\n");
        assert_eq!(toks.iter().filter(|t| **t == Token::Newline).count(), 1);
    }

    #[test]
    fn fstrings_lex_into_text_and_code() {
        let (toks, diags) = lex(r#"f"a {x + 1:.2f} {{b}} {y}\n""#, SourceId(0));
        assert!(diags.is_empty(), "{diags:?}");
        let Token::FStr(pieces) = &toks[0].0 else {
            panic!("{toks:?}")
        };
        assert_eq!(pieces.len(), 5, "{pieces:?}");
        assert_eq!(pieces[0], RawPiece::Text("a ".into()));
        assert_eq!(
            pieces[1],
            RawPiece::Code {
                code: 5..10,
                spec: Some((".2f".into(), 11..14))
            }
        );
        assert_eq!(pieces[2], RawPiece::Text(" {b} ".into()));
        assert_eq!(pieces[4], RawPiece::Text("\n".into()));
        // Brackets and strings inside the code; `:` inside brackets is not a spec.
        let (toks, diags) = lex(r#"f"{x[1:2]} {"}" + s}""#, SourceId(0));
        assert!(diags.is_empty(), "{diags:?}");
        let Token::FStr(pieces) = &toks[0].0 else {
            panic!()
        };
        assert!(matches!(&pieces[0], RawPiece::Code { spec: None, .. }));
        assert!(matches!(&pieces[2], RawPiece::Code { spec: None, .. }));
    }

    #[test]
    fn bad_fstrings_are_spanned_errors() {
        for (src, message) in [
            ("f\"a } b\"", "a single `}` in an f-string; write `}}`"),
            ("f\"a {} b\"", "an empty `{}` in an f-string"),
            ("f\"a {x\"", "this `{` is not closed by `}`"),
            ("f\"a {x\" + \"b\"", "this `{` is not closed by `}`"),
            ("f\"a {x", "unterminated string"),
        ] {
            let (_, diags) = lex(src, SourceId(0));
            assert_eq!(diags.len(), 1, "{src}");
            assert_eq!(diags[0].message, message, "{src}");
        }
    }

    #[test]
    fn highlight_splits_fstrings() {
        let h = highlight("f\"v {x} \"");
        assert_eq!(
            h,
            vec![
                (Highlight::String, 0..5),
                (Highlight::Name, 5..6),
                (Highlight::String, 6..9)
            ]
        );
    }

    #[test]
    fn highlight_includes_comments() {
        let h = highlight("x = 1 # hi\nfn");
        assert_eq!(
            h,
            vec![
                (Highlight::Name, 0..1),
                (Highlight::Operator, 2..3),
                (Highlight::Number, 4..5),
                (Highlight::Comment, 6..10),
                (Highlight::Keyword, 11..13)
            ]
        );
    }
}
