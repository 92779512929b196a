//! Syntax error messages: a chumsky error turned into a short lowercase diagnostic.

use super::*;

/// Turns one chumsky error into a short lowercase diagnostic.
pub(super) fn error_to_diagnostic(
    err: &Rich<Token, Span>,
    src: &str,
    tokens: &[(Token, Span)],
) -> Diagnostic {
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
            let before: Vec<(Token, Span)> = tokens
                .iter()
                .take_while(|(_, s)| s.end <= span.start)
                .cloned()
                .collect();
            if let Some((open, open_span)) = innermost_unclosed(&before) {
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

/// The innermost bracket still open at the end of the tokens.
fn innermost_unclosed(tokens: &[(Token, Span)]) -> Option<(Token, Span)> {
    let mut stack: Vec<(Token, Span)> = Vec::new();
    for (tok, span) in tokens {
        match tok {
            Token::LParen | Token::LBracket | Token::LBrace => stack.push((tok.clone(), *span)),
            Token::RParen | Token::RBracket | Token::RBrace => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.pop()
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
