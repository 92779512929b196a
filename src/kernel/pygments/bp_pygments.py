"""A Pygments lexer for bp, installed by `bp kernel install` beside the kernelspec.

Pygments' own name `bp` is Android Blueprint, so this lexer is registered (through the
`pygments.lexers` entry point) as `bplang`, the name the bp kernel gives in its
`language_info.pygments_lexer`; nbconvert and Sphinx then highlight bp cells with it.
"""

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

__all__ = ["BpLexer"]


class BpLexer(RegexLexer):
    """bp, a small differentiable scripting language with PyTorch's autograd."""

    name = "bp"
    aliases = ["bplang", "bp-lang"]
    filenames = ["*.bp"]
    mimetypes = ["text/x-bp"]

    tokens = {
        "root": [
            (r"\n", Whitespace),
            (r"[ \t\r\f\ufeff]+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'f"', String.Affix, "fstring"),
            (r'"', String.Double, "string"),
            (r"'", String.Single, "sstring"),
            (r"(fn)(\s+)([A-Za-z_]\w*)", bygroups(Keyword, Whitespace, Name.Function)),
            (r"(class)(\s+)([A-Za-z_]\w*)", bygroups(Keyword, Whitespace, Name.Class)),
            (r"\bimport\b", Keyword.Namespace),
            (
                words(
                    (
                        "fn", "return", "if", "else", "for", "in", "while", "break",
                        "continue", "no_grad", "and", "or", "not", "is", "as", "class",
                    ),
                    suffix=r"\b",
                ),
                Keyword,
            ),
            (words(("true", "false", "none", "inf", "nan", "pi"), suffix=r"\b"), Keyword.Constant),
            (r"\bgrad\b", Keyword.Pseudo),
            (r"\bself\b", Name.Builtin.Pseudo),
            (r"(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", Number.Float),
            (r"\*\*=?|//=?|[-+*/%@]=?|==|!=|<=|>=|[<>=]", Operator),
            (r"[()\[\]{},;:.]", Punctuation),
            (r"[A-Za-z_]\w*", Name),
        ],
        "string": [
            (r'\\[nt"\\\']', String.Escape),
            (r'[^"\\]+', String.Double),
            (r'"', String.Double, "#pop"),
            (r"\\", String.Double),
        ],
        "sstring": [
            (r'\\[nt"\\\']', String.Escape),
            (r"[^'\\]+", String.Single),
            (r"'", String.Single, "#pop"),
            (r"\\", String.Single),
        ],
        "fstring": [
            (r"\{\{|\}\}", String.Escape),
            (r'\\[nt"\\]', String.Escape),
            (r"\{[^}\n]*\}", String.Interpol),
            (r'[^"\\{}]+', String.Double),
            (r'"', String.Affix, "#pop"),
            (r"[\\{}]", String.Double),
        ],
    }
