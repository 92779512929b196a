//! The keywords of the language, as the front ends complete and highlight them.

/// The words of the language that complete like names.
pub const KEYWORDS: &[&str] = &[
    "fn", "return", "if", "else", "for", "in", "while", "break", "continue", "no_grad", "true",
    "false", "none", "and", "or", "not", "grad", "import", "as", "is", "class",
];
