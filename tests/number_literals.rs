//! A bracket literal of numbers (`[1, -2.5, 3]`) is held compactly in the tree
//! (`ExprKind::Numbers`: the values, not an expression per item) and means exactly
//! what the general literal of the same items means: the same values, output, errors
//! with their spans, `bp check` reports and `bp export` text. Each case runs a
//! script with a compact literal and the same script with the literal made general
//! by one item (`4 * 1` for `4`), and compares everything they print.

use bp::source::SourceId;
use bp::syntax::ast::{ExprKind, StmtKind};

mod common;

const COMPACT: &str = "[1, -2.5, 3, -0, 4]";
const GENERAL: &str = "[1, -2.5, 3, -0, 4 * 1]";
/// Rows of one shape: one compact literal; general when one row is.
const MATRIX: &str = "[[1, -2.5], [3, -0], [4, 5]]";
const MATRIX_GENERAL: &str = "[[1, -2.5], [3, -0], [4, 5 * 1]]";

/// Output, error output and exit status of running `src` (in memory, as `bp run`).
fn run(src: &str) -> (String, String, bp::Exit) {
    common::run_named(src, "<script>")
}

/// The report and exit status of `bp check` on `src`.
fn check(src: &str) -> (String, bp::Exit) {
    let mut err = Vec::new();
    let code = bp::check(src, "script.bp", &mut err, false);
    (String::from_utf8_lossy(&err).into_owned(), code)
}

/// The kind of the value of the first statement `x = ...` of `src`.
fn literal_kind(src: &str) -> &'static str {
    let program = bp::syntax::parse(src, SourceId(0))
        .program
        .expect("it parses");
    for stmt in &program {
        if let StmtKind::Assign { value, .. } = &stmt.kind {
            return match value.kind {
                ExprKind::Numbers(_) => "numbers",
                ExprKind::TensorLit(_) => "general",
                _ => "other",
            };
        }
    }
    "none"
}

#[test]
fn the_compact_literal_behaves_as_the_general_one() {
    assert_eq!(literal_kind(&format!("x = {COMPACT}")), "numbers");
    assert_eq!(literal_kind(&format!("x = {GENERAL}")), "general");
    assert_eq!(literal_kind(&format!("x = {MATRIX}")), "numbers");
    assert_eq!(literal_kind(&format!("x = {MATRIX_GENERAL}")), "general");
    // `L` is the literal; it stands on a line of its own where a report could
    // quote its line.
    let cases = [
        "x = L\nprint(x)",
        "x = L\nprint(len(x), x[1], x[-1], x[1:3], x.shape, x.sum(), x.mean())",
        "x = L\nfor v in x { print(v) }\nfor i, v in enumerate(x) { print(i, v) }",
        "x = L\nprint(f\"{x} {x[0]:.3f} {x[1]}\")",
        "x = L\nprint(x + x, x * 2, -x, x @ x, x == x, x > 0)",
        "y = tensor(L, grad)\ns = (y * y * y).sum()\ns.backward()\nprint(y.grad, y)",
        "x = L\nm = [x, x]\nprint(m, m.shape)",
        // A literal is a new tensor each time it is evaluated.
        "for k in range(3) {\n  x = L\n  x[0] += k\n  print(x)\n}",
        "fn f(a) {\n  x = L\n  x[1] = a\n  return x\n}\nprint(f(7), f(8))",
        "x = L\nprint(3 in x, 7 in x, list(x), str(x))",
        "x = L\nprint(x.max(), x.argmax(), x.reshape(5, 1).shape)",
        "x = L\nprint(x + \"a\")",
        "x = L\nprint(x[10])",
        "x = L\nd = {}\nd[x] = 1",
        "x = L\nprint(x.nope)",
        "x = L\nprint(sigmoid(x), relu(x), softmax(x, 0))",
        "x = L\ny = x\ny[0] = 100\nprint(x, y)",
        "x = L\nx.requires_grad = true\n(x ** 2).sum().backward()\nprint(x.grad)",
    ];
    for case in cases {
        for (compact, general) in [(COMPACT, GENERAL), (MATRIX, MATRIX_GENERAL)] {
            let (compact, general) = (case.replace('L', compact), case.replace('L', general));
            assert_eq!(run(&compact), run(&general), "{compact}");
            assert_eq!(check(&compact), check(&general), "{compact}");
        }
    }
    // Something above printed and something failed: the cases test both ways.
    let (out, _, _) = run(&cases[0].replace('L', COMPACT));
    assert_eq!(
        out,
        "tensor([ 1.0000, -2.5000,  3.0000, -0.0000,  4.0000])\n"
    );
    let (_, err, code) = run(&cases[12].replace('L', COMPACT));
    assert_eq!(code, bp::Exit::RuntimeError, "{err}");
}

/// The reports that name a compact literal or its first item, as they were when
/// every literal was general (pinned from that build).
#[test]
fn reports_at_a_literal_of_numbers_are_unchanged() {
    let cases: [(&str, &str); 4] = [
        (
            "w = [1, 2, [3, 4]]\n",
            "\
Error: elements of a tensor literal must have equal shapes; found [] and [2]
   ╭─[ <script>:1:6 ]
   │
 1 │ w = [1, 2, [3, 4]]
   │      ┬     ───┬──  
   │      ╰───────────── this has shape []
   │               │    
   │               ╰──── this has shape [2]
   │ 
   │ Help: a bracket literal stacks numbers and tensors of one shape into a tensor; to keep the values side by side write a tuple (1, 2, [3, 4]) or a list list((1, 2, [3, 4]))
───╯
",
        ),
        (
            "d = {[1, 2]: 3}\n",
            "\
Error: a tensor cannot be a dict key
   ╭─[ <script>:1:6 ]
   │
 1 │ d = {[1, 2]: 3}
   │      ───┬──  
   │         ╰──── this is a tensor
   │ 
   │ Help: keys are numbers, strings, bools, none, or tuples of them
───╯
",
        ),
        (
            "x = [1, -2, \"a\"]\n",
            "\
Error: a tensor literal expects numbers and tensors; found string
   ╭─[ <script>:1:13 ]
   │
 1 │ x = [1, -2, \"a\"]
   │             ─┬─  
   │              ╰─── this is a string
   │ 
   │ Help: a bracket literal stacks numbers and tensors of one shape into a tensor; to keep the values side by side write a tuple (1, -2, \"a\") or a list list((1, -2, \"a\"))
───╯
",
        ),
        (
            "print(zeros([1, 2], 3, 4))\n",
            "\
Error: zeros() shape expects whole numbers; found tensor
   ╭─[ <script>:1:13 ]
   │
 1 │ print(zeros([1, 2], 3, 4))
   │             ───┬──  
   │                ╰──── this is a tensor
───╯
",
        ),
    ];
    for (src, want) in cases {
        let (out, err, code) = run(src);
        assert_eq!((out.as_str(), code), ("", bp::Exit::RuntimeError), "{src}");
        assert_eq!(err, want, "{src}");
    }
}

/// Where a literal's items would be one level too deep, the first item is named,
/// as it was when the items were expressions of their own.
#[test]
fn a_literal_at_the_deepest_level_names_its_first_item() {
    let deep = |items: &str| format!("x = {items}{}\nprint(x)\n", ".T".repeat(99_998));
    let (compact, general) = (deep("[1, 2]"), deep("[1, 2 * 1]"));
    assert_eq!(literal_kind(&compact), "other");
    let (_, err, code) = run(&compact);
    assert_eq!(code, bp::Exit::RuntimeError, "{err}");
    let head = |err: &str| err.lines().take(2).collect::<Vec<_>>().join("\n");
    assert_eq!(
        head(&err),
        "Error: expression nested too deeply\n   ╭─[ <script>:1:6 ]"
    );
    assert_eq!(head(&run(&general).1), head(&err));
    // One level less: both run.
    let shallower = |items: &str| format!("x = {items}{}\nprint(x)\n", ".T".repeat(99_997));
    assert_eq!(run(&shallower("[1, 2]")).0, "tensor([1., 2.])\n");
    // Rows: the first row, or its first number, as deep as each stands.
    let at = |items: &str, n: usize| format!("x = {items}{}\nprint(x)\n", ".T".repeat(n));
    let mut failed = Vec::new();
    for n in 99_995..99_999 {
        let compact = run(&at("[[1, 2], [3, 4]]", n));
        let general = run(&at("[[1, 2], [3, 4 * 1]]", n));
        assert_eq!(head(&compact.1), head(&general.1), "{n}");
        assert_eq!((&compact.0, compact.2), (&general.0, general.2), "{n}");
        failed.push(head(&compact.1));
    }
    assert!(failed[0].is_empty(), "{failed:?}");
    assert!(failed[1].is_empty(), "{failed:?}");
    // The number `1`, then the row `[1, 2]`.
    assert!(failed[2].ends_with("<script>:1:7 ]"), "{failed:?}");
    assert!(failed[3].ends_with("<script>:1:6 ]"), "{failed:?}");
}

#[test]
fn export_writes_a_literal_of_numbers_as_before() {
    let src = "x = [1, -2.5, -0, pi, 1e-3, 2 ** 0.5]\ny = tensor([[1, 2], [3, -4]], grad)\nz = tensor([1.5, 2])\nw = [x[0:2], [5, 6]]\nv = [7, -8] + 1\nu = [[[1], [2]], [[3], [-4]]]\n";
    let Ok(python) = bp::export::export(src, SourceId(0), None) else {
        panic!("it does not export")
    };
    let body = python
        .strip_prefix(bp::export::header())
        .expect("the header");
    assert_eq!(
        body.trim_start(),
        "\
x = bp.lit([1, -2.5, -0, 3.141592653589793, 0.001, 2 ** 0.5])
y = torch.tensor([[1.0, 2.0], [3.0, -4.0]], requires_grad=True)
z = torch.tensor([1.5, 2.0])
w = bp.lit([x[0:2], torch.tensor([5.0, 6.0])])
v = torch.tensor([7.0, -8.0]) + 1
u = torch.tensor([[[1.0], [2.0]], [[3.0], [-4.0]]])
"
    );
}

/// A long literal (the data of a script) is one compact node, its values in order.
#[test]
fn a_long_literal_of_numbers_is_one_compact_node() {
    let n = 100_000;
    let items: Vec<String> = (0..n)
        .map(|k| match k % 3 {
            0 => format!("{k}"),
            1 => format!("-{k}.25"),
            _ => format!("{k}e-2"),
        })
        .collect();
    let src = format!(
        "x = [{}]\nprint(len(x), x[1], x[{}], x.sum())\n",
        items.join(", "),
        n - 1
    );
    let program = bp::syntax::parse(&src, SourceId(0))
        .program
        .expect("it parses");
    let StmtKind::Assign { value, .. } = &program[0].kind else {
        panic!()
    };
    let ExprKind::Numbers(list) = &value.kind else {
        panic!("{:?}", value.kind)
    };
    assert_eq!(list.values.len(), n);
    for (k, v) in list.values.iter().enumerate() {
        let want = match k % 3 {
            0 => k as f64,
            1 => -(format!("{k}.25").parse::<f64>().unwrap()),
            _ => format!("{k}e-2").parse::<f64>().unwrap(),
        };
        assert_eq!(v.to_bits(), want.to_bits(), "item {k}");
    }
    let general = src.replacen("x = [0,", "x = [0 * 1,", 1);
    assert_eq!(literal_kind(&general), "general");
    let (out, err, code) = run(&src);
    assert_eq!(code, bp::Exit::Success, "{err}");
    assert_eq!((out.clone(), err.clone(), code), run(&general));
    assert!(
        out.starts_with("100000 tensor(-1.2500) tensor(99999.)"),
        "{out}"
    );
}
