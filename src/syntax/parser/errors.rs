//! Syntax error messages: a chumsky error turned into a short lowercase diagnostic.

use super::*;

/// Turns one chumsky error into a short lowercase diagnostic, with a hint where the
/// line is written the way Python spells it; `before` is what the tokens before the
/// error show ([`Scanner`]).
pub(super) fn error_to_diagnostic(
    err: &Rich<Token, Span>,
    src: &str,
    before: &Before,
) -> Diagnostic {
    foreign_syntax_hint(diagnostic_of(err, src, before), before)
}

/// [`error_to_diagnostic`] without the hint for Python's spelling.
fn diagnostic_of(err: &Rich<Token, Span>, src: &str, before: &Before) -> Diagnostic {
    let span = *err.span();
    match err.reason() {
        RichReason::Custom(msg) => Diagnostic::error(msg.clone()).with_label(span, msg.clone()),
        RichReason::ExpectedFound { expected, found } => {
            let found_text = match found.as_deref() {
                None => "end of input".to_string(),
                Some(Token::Newline) => "end of line".to_string(),
                Some(Token::Str(_)) => "string".to_string(),
                Some(tok) => match src.get(span.range()) {
                    Some(text) if !text.is_empty() && text.len() <= 20 => format!("`{text}`"),
                    _ => tok.describe(),
                },
            };
            let expected_text = describe_expected(expected);
            let (message, label) = if expected_text.is_empty() {
                (
                    format!("unexpected {found_text}"),
                    "unexpected here".to_string(),
                )
            } else {
                (
                    format!("expected {expected_text}, found {found_text}"),
                    format!("expected {expected_text}"),
                )
            };
            let mut diag = Diagnostic::error(message).with_label(span, label);
            if let Some((open, open_span)) = before.unclosed.clone() {
                let closer = match open {
                    Token::LParen => Token::RParen,
                    Token::LBracket => Token::RBracket,
                    _ => Token::RBrace,
                };
                let wants_closer = expected
                    .iter()
                    .any(|p| matches!(p, RichPattern::Token(t) if **t == closer));
                let between = src
                    .get(open_span.end as usize..span.start as usize)
                    .unwrap_or("");
                if found.is_none() {
                    diag = diag.with_label(open_span, format!("this `{open}` is not closed"));
                } else if wants_closer && open != Token::LBrace && between.contains('\n') {
                    // `f(a, b` + newline + `y = 1`: the newline did not end the statement.
                    diag = diag
                        .with_label(open_span, format!("this `{open}` is still open"))
                        .with_hint(format!(
                            "a newline inside `{open} {closer}` does not end a statement"
                        ));
                }
            }
            diag
        }
    }
}

/// What a report looks at in the tokens before its error.
#[derive(Debug)]
pub(super) struct Before {
    /// The innermost bracket still open (among the tokens that end before the error).
    unclosed: Option<(Token, Span)>,
    /// Whether the error is at a `(` just after `for`.
    for_paren: bool,
    /// The first token of the statement the error is in, and the token after it.
    first: Option<(Token, Option<Token>)>,
}

/// Reads tokens in order, once, and gives the [`Before`] of places asked about in
/// increasing order: the reports of a large text cost one reading of its tokens.
pub(super) struct Scanner<I: Iterator<Item = (Token, Span)>> {
    tokens: std::iter::Peekable<I>,
    /// The brackets open.
    stack: Vec<(Token, Span)>,
    /// The last token read, when it ends after the place last asked about (its
    /// bracket is not on the stack yet).
    pending: Option<(Token, Span)>,
    /// The last token read, and the one before it.
    last: Option<(Token, Span)>,
    previous: Option<Token>,
    /// The first token of the statement read so far, and the token after it once read.
    first: Option<Token>,
    after_first: Option<Token>,
    /// Whether the last token read is `first`.
    first_is_last: bool,
}

impl<I: Iterator<Item = (Token, Span)>> Scanner<I> {
    pub(super) fn new(tokens: I) -> Scanner<I> {
        Scanner {
            tokens: tokens.peekable(),
            stack: Vec::new(),
            pending: None,
            last: None,
            previous: None,
            first: None,
            after_first: None,
            first_is_last: false,
        }
    }

    /// What the tokens before `at` show (`at` no smaller than the last place asked).
    pub(super) fn before(&mut self, at: u32) -> Before {
        if let Some((tok, span)) = self.pending.take() {
            self.read(tok, span, at);
        }
        while let Some((tok, span)) = self.tokens.next_if(|(_, s)| s.start <= at) {
            if std::mem::take(&mut self.first_is_last) {
                self.after_first = Some(tok.clone());
            }
            if matches!(
                tok,
                Token::Newline | Token::Semi | Token::LBrace | Token::RBrace
            ) {
                self.first = None;
            } else if self.first.is_none() {
                self.first = Some(tok.clone());
                self.after_first = None;
                self.first_is_last = true;
            }
            self.previous = self.last.take().map(|(t, _)| t);
            self.last = Some((tok.clone(), span));
            self.read(tok, span, at);
        }
        let at_token = self.last.as_ref().filter(|(_, s)| s.start == at);
        let for_paren =
            at_token.is_some_and(|(t, _)| *t == Token::LParen) && self.previous == Some(Token::For);
        let after_first = match self.first_is_last {
            true => self.tokens.peek().map(|(t, _)| t.clone()),
            false => self.after_first.clone(),
        };
        Before {
            unclosed: self.stack.last().cloned(),
            for_paren,
            first: self.first.clone().map(|first| (first, after_first)),
        }
    }

    /// Counts the bracket of a token read, or keeps it for later when it ends after
    /// `at`.
    fn read(&mut self, tok: Token, span: Span, at: u32) {
        if span.end > at {
            self.pending = Some((tok, span));
            return;
        }
        match tok {
            Token::LParen | Token::LBracket | Token::LBrace => self.stack.push((tok, span)),
            Token::RParen | Token::RBracket | Token::RBrace => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

/// Adds a hint to a syntax error on a line written the way Python spells it
/// (`with torch.no_grad():`, `def f(x):`, `import torch`).
fn foreign_syntax_hint(d: Diagnostic, before: &Before) -> Diagnostic {
    if d.hint.is_some() {
        return d;
    }
    // `for (i, c) in ...` (statement or comprehension): Python allows the parentheses.
    if before.for_paren {
        return d.with_hint(
            "bp's `for` takes its names without parentheses: `for i, c in enumerate(s)`",
        );
    }
    let Some((first, next)) = &before.first else {
        return d;
    };
    let hint = match (first, next) {
        (Token::Ident(w), _) if &**w == "with" => {
            "bp writes `with torch.no_grad():` as `no_grad { ... }`"
        }
        (Token::Ident(w), _) if &**w == "def" => "bp defines functions as `fn name(x) { ... }`",
        (Token::Import, Some(Token::Ident(_))) => {
            "bp needs no `import torch`: its builtins are always there; `import \"file.bp\" as name` imports a bp file"
        }
        (Token::Ident(w), _) if &**w == "from" => {
            "bp needs no imports for its builtins; `import \"file.bp\" as name` imports a bp file"
        }
        _ => return d,
    };
    d.with_hint(hint)
}

/// "expression, `)` or end of line": deduplicated, operators folded into "operator",
/// statement ends folded into "end of line".
fn describe_expected(expected: &[RichPattern<Token>]) -> String {
    let is_binary = |t: &Token| {
        matches!(
            t,
            Token::Plus
                | Token::Minus
                | Token::Star
                | Token::Slash
                | Token::Percent
                | Token::SlashSlash
                | Token::Is
                | Token::At
                | Token::StarStar
                | Token::EqEq
                | Token::NotEq
                | Token::Lt
                | Token::Le
                | Token::Gt
                | Token::Ge
                | Token::And
                | Token::Or
        )
    };
    let tokens: Vec<&Token> = expected
        .iter()
        .filter_map(|p| match p {
            RichPattern::Token(t) => Some(&**t),
            _ => None,
        })
        .collect();
    let any_binary = tokens.iter().any(|t| is_binary(t))
        || expected
            .iter()
            .any(|p| matches!(p, RichPattern::Label(l) if l == "operator"));
    let any_newline = tokens.contains(&&Token::Newline);
    // After `if c` a newline before `{` is allowed, but "expected `{`" says it better.
    let wants_block = tokens.contains(&&Token::LBrace);
    // "expected expression" covers the prefix operators `-` and `not`.
    let wants_expression = expected
        .iter()
        .any(|p| matches!(p, RichPattern::Label(l) if l == "expression"));

    // (rank, text): rank orders the list.
    let mut items: Vec<(u8, String)> = Vec::new();
    for p in expected {
        let item = match p {
            RichPattern::Label(l) if l == "operator" && wants_expression => continue,
            RichPattern::Label(l) if l == "operator" => (3, "operator".to_string()),
            RichPattern::Label(l) => (0, l.to_string()),
            RichPattern::Identifier(s) => (1, format!("`{s}`")),
            RichPattern::Token(t) => match &**t {
                t if is_binary(t) && wants_expression => continue,
                t if is_binary(t) => (3, "operator".into()),
                Token::LParen | Token::LBracket | Token::Dot if any_binary => {
                    (3, "operator".into())
                }
                Token::Newline if wants_block => continue,
                Token::Newline => (4, "end of line".into()),
                Token::Comma => (1, t.describe()),
                Token::Semi | Token::RBrace if any_newline => continue,
                t => (2, t.describe()),
            },
            RichPattern::EndOfInput if any_newline => continue,
            RichPattern::EndOfInput => (5, "end of input".into()),
            RichPattern::Any => (2, "something".into()),
            _ => continue,
        };
        if !items.contains(&item) {
            items.push(item);
        }
    }
    items.sort();
    let words: Vec<String> = items.into_iter().map(|(_, s)| s).collect();
    match words.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
