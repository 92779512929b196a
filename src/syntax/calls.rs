//! The call around the cursor, read from the text alone (it may not parse yet): which
//! function's parentheses are open, for keyword-name completion (REPL, notebook, editor)
//! and the notebook's Shift-Tab.

/// When `before` (the text up to the cursor) ends at the start of an argument of a
/// call (after its `(` or a `,`, possibly inside a partly typed name), the called
/// name and whether it is a method call (`x.f(`).
pub fn call_at(before: &str) -> Option<(&str, bool)> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let head = before.trim_end_matches(is_word).trim_end();
    if !(head.ends_with('(') || head.ends_with(',')) {
        return None;
    }
    enclosing_call(head)
}

/// The call whose parentheses are still open at the end of `head` (the text up to the
/// cursor): the called name and whether it is a method call (`x.f(`). Used for
/// keyword names in completion and for the notebook's Shift-Tab.
pub fn enclosing_call(head: &str) -> Option<(&str, bool)> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    // Back to the `(` that is still open, skipping nested brackets and strings.
    let mut depth = 0usize;
    let mut in_string: Option<char> = None;
    let bytes: Vec<(usize, char)> = head.char_indices().collect();
    let mut open = None;
    for &(i, c) in bytes.iter().rev() {
        if let Some(q) = in_string {
            if c == q {
                in_string = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => in_string = Some(c),
            ')' | ']' | '}' => depth += 1,
            '(' | '[' | '{' if depth > 0 => depth -= 1,
            '(' => {
                open = Some(i);
                break;
            }
            '[' | '{' | '\n' => return None,
            _ => {}
        }
    }
    let callee = head[..open?].trim_end();
    let name_start = callee.trim_end_matches(is_word).len();
    let name = &callee[name_start..];
    let method = callee[..name_start].ends_with('.');
    (!name.is_empty()).then_some((name, method))
}
