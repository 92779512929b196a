//! The front end: source text to tokens (logos) to a spanned AST (chumsky).

pub mod ast;
pub mod calls;
pub mod keyword_help;
pub mod keywords;
pub mod parser;
pub mod token;
pub mod visit;

pub use keywords::KEYWORDS;
pub use parser::{parse, parse_each, parse_reported, ParseOutput, Unparsed};
pub use token::{highlight, lex, Highlight, Token};
