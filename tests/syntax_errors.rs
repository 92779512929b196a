//! Rendered syntax errors of malformed programs, snapshotted without colour.

use bp::diagnostic::render;
use bp::source::Sources;
use bp::syntax::parse;

/// Parses `src` as `name` and renders every diagnostic as plain text.
fn report(name: &str, src: &str) -> String {
    let mut sources = Sources::new();
    let id = sources.add(name, src);
    let out = parse(src, id);
    assert!(out.program.is_none(), "{name} should not parse");
    assert!(!out.diagnostics.is_empty());
    let mut text = Vec::new();
    for diag in &out.diagnostics {
        render(diag, &sources, false, &mut text).expect("render to a Vec");
    }
    String::from_utf8(text).expect("utf-8")
}

macro_rules! snapshot {
    ($name:ident, $src:expr) => {
        #[test]
        fn $name() {
            let src = $src;
            insta::with_settings!({ description => src, omit_expression => true }, {
                insta::assert_snapshot!(report(concat!(stringify!($name), ".bp"), src));
            });
        }
    };
}

snapshot!(
    unclosed_call_swallows_next_line,
    "x = ones(3, 3\ny = mean(x))\n"
);
snapshot!(
    several_errors_in_one_file,
    "x = = 1\ny = 2\nz = (1 +)\nw = 3 4\n"
);
snapshot!(
    errors_inside_a_function_body,
    "fn f(x) {\n  a = )\n  return a *\n}\nprint(f(1)\n"
);
snapshot!(
    lexical_errors,
    "s = \"tab\\q\"\nx = 3 $ 4\nt = \"never closed\n"
);
snapshot!(chained_comparison, "if 0 < x < 1 {\n  print(x)\n}\n");
snapshot!(missing_block, "for i in range(3)\nprint(i)\nwhile x\n");
snapshot!(stray_closing_brace, "x = 1\n}\ny = [1, 2\n");
snapshot!(
    parameter_without_default_after_one_with,
    "fn f(lr=0.1, x) {\n  return x\n}\n"
);
snapshot!(
    class_with_a_base_class,
    "class MLP(Module) {\n  fn init(self) { self.n = 1 }\n}\n"
);
snapshot!(
    class_body_with_a_statement,
    "class A {\n  n = 1\n  fn init(self) { self.n = 1 }\n}\n"
);
