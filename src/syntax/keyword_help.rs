//! What each keyword means (`bp help for`, `bp help fn`, ...): the construct, its
//! form and an example, in the words of SPEC §4, §5, §13 and §19.

/// One keyword's help: its form, what it does, an example, the Python equivalent.
struct KeywordHelp {
    names: &'static [&'static str],
    form: &'static str,
    doc: &'static str,
    example: &'static str,
    python: &'static str,
}

const KEYWORDS: &[KeywordHelp] = &[
    KeywordHelp {
        names: &["fn", "return"],
        form: "fn name(p1, p2=default) { ... return expr }",
        doc: "defines a function (its body is a new scope; closures capture the enclosing one); \
              `return expr` ends it with a value, `return` alone with none. \
              `fn(x) { return x * x }` is an anonymous function value",
        example: "fn square(x) { return x * x }",
        python: "def square(x): return x * x",
    },
    KeywordHelp {
        names: &["if", "else"],
        form: "if cond { ... } else if cond { ... } else { ... }   ·   a if cond else b",
        doc: "runs the first block whose condition is true (a bool, a non-zero number or a \
              one-element tensor; a larger tensor is an error); `a if c else b` is the \
              conditional expression",
        example: "if loss < 0.01 { print(\"done\") } else { step() }",
        python: "if loss < 0.01: print('done')",
    },
    KeywordHelp {
        names: &["for", "in"],
        form: "for x in iterable { ... }   ·   [e for x in xs if c]   ·   x in xs",
        doc: "runs the block once per item of a range, list, tuple, string, dict (its keys) or \
              tensor (its first axis); `for i, c in enumerate(s)` unpacks tuples; \
              `[e for x in xs]` is a list comprehension; `x in xs` tests membership",
        example: "for i in range(3) { print(i) }",
        python: "for i in range(3): print(i)",
    },
    KeywordHelp {
        names: &["while"],
        form: "while cond { ... }",
        doc: "runs the block as long as the condition is true",
        example: "while k < 10 { k += 1 }",
        python: "while k < 10: k += 1",
    },
    KeywordHelp {
        names: &["break", "continue"],
        form: "break   ·   continue",
        doc: "`break` leaves the innermost `for` or `while` loop; `continue` goes on with its \
              next step",
        example: "for x in xs { if x < 0 { continue }; total += x }",
        python: "for x in xs:\n      if x < 0: continue",
    },
    KeywordHelp {
        names: &["no_grad"],
        form: "no_grad { ... }",
        doc: "nothing computed inside is recorded for backward; a leaf tensor that requires \
              grad may be updated in place there (`W -= lr * W.grad`)",
        example: "no_grad { W -= 0.1 * W.grad }",
        python: "with torch.no_grad(): W -= 0.1 * W.grad",
    },
    KeywordHelp {
        names: &["grad"],
        form: "ones(3, grad)   ·   x.grad",
        doc: "as a bare flag in a call, `grad` means `grad=true` (the tensor requires grad); \
              `x.grad` is the gradient that `backward` accumulated (or none); `grad(y, x)` is \
              the builtin that returns dy/dx",
        example: "W = randn(3, 2, grad)",
        python: "W = torch.randn(3, 2, requires_grad=True)",
    },
    KeywordHelp {
        names: &["import", "as"],
        form: "import \"file.bp\" as name",
        doc: "runs the file once per process (relative to the importing script's folder) and \
              binds its top-level names as `name.member`",
        example: "import \"layers.bp\" as nn",
        python: "import layers as nn",
    },
    KeywordHelp {
        names: &["class"],
        form: "class Name { fn init(self, ...) { ... } fn call(self, x) { ... } }",
        doc: "defines a kind of object: `Name(args)` makes one and runs `init`, `obj(args)` \
              runs `call`, `obj.method(args)` runs a method with `self` bound; fields are set \
              by assignment (`self.W = ...`); no inheritance",
        example: "class Linear { fn init(self, n, m) { self.W = randn(n, m, grad) } }",
        python: "class Linear(nn.Module): ...",
    },
    KeywordHelp {
        names: &["and", "or", "not"],
        form: "a and b   ·   a or b   ·   not a",
        doc: "`and` and `or` short-circuit and give one of their operands; `not` negates the \
              truth of its operand",
        example: "if x > 0 and not done { ... }",
        python: "if x > 0 and not done: ...",
    },
    KeywordHelp {
        names: &["is"],
        form: "a is b   ·   a is not b",
        doc: "identity: true when both sides are the same value (`x.grad is none`)",
        example: "if p.grad is none { continue }",
        python: "if p.grad is None: continue",
    },
    KeywordHelp {
        names: &["true", "false"],
        form: "true   ·   false",
        doc: "the two bools",
        example: "done = false",
        python: "done = False",
    },
    KeywordHelp {
        names: &["none"],
        form: "none",
        doc: "the value of nothing: what a function without `return` gives, a missing \
              `.grad`, an unset default",
        example: "x.grad = none",
        python: "x.grad = None",
    },
];

/// The help of keyword `name`, or `None` when it is not a keyword.
pub fn describe(name: &str) -> Option<String> {
    let k = KEYWORDS.iter().find(|k| k.names.contains(&name))?;
    Some(format!(
        "{} (keyword)\n  {}\n  {}.\n  example:    {}\n  Python:     {}\n",
        name, k.form, k.doc, k.example, k.python
    ))
}

/// Every keyword that has help.
pub fn names() -> impl Iterator<Item = &'static str> {
    KEYWORDS.iter().flat_map(|k| k.names.iter().copied())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_keyword_of_the_lexer_has_help() {
        for k in crate::syntax::KEYWORDS {
            let text = super::describe(k).unwrap_or_else(|| panic!("no help for `{k}`"));
            assert!(text.starts_with(&format!("{k} (keyword)\n")), "{text}");
        }
        assert!(super::describe("sigmoid").is_none());
    }
}
