//! The front end: source text to tokens (logos) to a spanned AST (chumsky).

pub mod ast;
