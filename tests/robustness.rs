//! Nothing a script does may crash bp (SPEC §8): resource limits, deep nesting,
//! invalid arguments and unreadable input all end in a clean, spanned error.
//! Each case drives the real binary and checks the exit code and the message.

mod common;

use std::process::Output;

fn bp(args: &[&str], stdin: &[u8]) -> Output {
    common::bp(args).env("NO_COLOR", "1").stdin(stdin).output()
}

/// Runs `script` with `bp run -`; asserts the exit code, that nothing panicked or
/// overflowed, and that stderr contains `message`. Returns stdout.
fn expect(script: &str, code: i32, message: &str) -> String {
    expect_with(&["run", "-"], script, code, message)
}

fn expect_with(args: &[&str], script: &str, code: i32, message: &str) -> String {
    let out = bp(args, script.as_bytes());
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let shown: String = script.chars().take(120).collect();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("overflow"),
        "bp crashed on {shown:?}:\n{stderr}"
    );
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit code for {shown:?}\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stderr.contains(message),
        "stderr for {shown:?} lacks {message:?}:\n{stderr}"
    );
    if code != 0 {
        // A runtime or syntax error is a report that points into the source.
        let located = stderr.contains("╭─[") || stderr.starts_with("error:");
        assert!(located, "the error is not spanned:\n{stderr}");
    }
    stdout
}

// ---------------------------------------------------------------- nesting depth

#[test]
fn hundred_thousand_nested_parentheses_are_a_clean_syntax_error() {
    let n = 100_000;
    let script = format!("x = {}1{}\nprint(x)\n", "(".repeat(n), ")".repeat(n));
    expect(&script, 2, "nested too deeply");
}

#[test]
fn nested_brackets_and_blocks_are_limited_too() {
    let n = 100_000;
    expect(
        &format!("x = {}1{}\n", "[".repeat(n), "]".repeat(n)),
        2,
        "nested too deeply",
    );
    expect(
        &format!("{}{}\n", "if true {".repeat(n), "}".repeat(n)),
        2,
        "nested too deeply",
    );
}

#[test]
fn a_300000_term_sum_prints_its_value() {
    let script = format!("print({})\n", vec!["1"; 300_000].join("+"));
    let out = expect(&script, 0, "");
    assert_eq!(out.trim(), "300000");
}

#[test]
fn long_prefix_attribute_and_power_chains_run() {
    let n = 50_000;
    let out = expect(&format!("print({}1)\n", "- ".repeat(n)), 0, "");
    assert_eq!(out.trim(), "1");
    let out = expect(&format!("print(ones(2){})\n", ".T".repeat(n)), 0, "");
    assert!(out.contains("tensor([1., 1.])"), "{out}");
    let out = expect(&format!("print(2{})\n", " ** 1".repeat(n)), 0, "");
    assert_eq!(out.trim(), "2");
    let out = expect(&format!("print(true{})\n", " and true".repeat(n)), 0, "");
    assert_eq!(out.trim(), "true");
}

#[test]
fn a_postfix_chain_past_the_compile_limit_is_the_same_message() {
    // Calls, indexings and attributes are not limited before parsing; past 100,000
    // levels the compiler refuses the expression with the parser's message.
    let n = 150_000;
    for chain in [".T", "[0:2]"] {
        let script = format!("x = ones(2, 2)\ny = x{}\n", chain.repeat(n));
        expect(&script, 1, "expression nested too deeply");
    }
}

#[test]
fn an_expression_nested_past_the_static_limit_is_a_syntax_error() {
    // A static limit is a syntax error (exit 2), found before parsing, as 100,000
    // parentheses are (issue 25): not a limit met while the script runs.
    let script = format!("x = {}1\n", "- ".repeat(150_000));
    expect(&script, 2, "expression nested too deeply");
}

#[test]
fn deep_recursion_is_a_clean_error() {
    expect(
        "fn f(n) { return f(n + 1) }\nf(0)\n",
        1,
        "recursion too deep",
    );
    // Mutual recursion through a closure, and recursion inside an argument list.
    expect(
        "fn g(n) { h = fn(m) { return g(m) }; return h(n) }\ng(1)\n",
        1,
        "recursion too deep",
    );
    expect(
        "fn f(n) { return 1 + sum(f(n)) }\nf(0)\n",
        1,
        "recursion too deep",
    );
}

#[test]
fn deep_tuple_nesting_survives() {
    let out = expect(
        "x = ()\nfor i in range(100000) { x = (x,) }\nprint(len(x), x == x)\n",
        0,
        "",
    );
    assert_eq!(out.trim(), "1 true");
}

// ---------------------------------------------------------------- tensor sizes

#[test]
fn huge_tensors_are_refused_before_allocating() {
    for src in [
        "x = ones(100000, 100000, 100000)",
        "x = zeros(100000, 100000)",
        "x = full((100000, 100000), 1)",
        "x = rand(100000, 100000)",
        "x = randn(100000, 100000)",
        "x = eye(100000)",
        "x = arange(1e12)",
        "x = linspace(0, 1, 1e12)",
        "x = ones(65536) + ones(65536, 1)",
        "x = ones(65536, 1) @ ones(1, 65536)",
        "x = outer(ones(65536), ones(65536))",
    ] {
        expect(&format!("{src}\n"), 1, "larger than the limit");
    }
}

#[test]
fn a_shape_whose_product_overflows_is_refused() {
    let big = "4294967296";
    expect(
        &format!("x = ones({big}, {big}, {big}, {big})\n"),
        1,
        "larger than the limit",
    );
    expect("x = zeros(1e15, 1e15, 1e15, 1e15, 1e15)\n", 1, "");
}

#[test]
fn the_element_limit_is_configurable() {
    expect_with(
        &["run", "--max-elements", "100", "-"],
        "x = ones(11, 10)\n",
        1,
        "larger than the limit of 100 elements",
    );
    expect_with(
        &["run", "--max-elements", "100", "-"],
        "x = ones(10, 10)\nprint(numel(x))\n",
        0,
        "",
    );
    let out = common::bp(&["run", "-"])
        .env("BP_MAX_ELEMENTS", "50")
        .stdin(b"x = [ones(20), ones(20), ones(20)]\n")
        .output();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("limit of 50 elements"));
    expect_with(&["run", "--max-elements", "lots", "-"], "", 2, "");
    let dir = std::env::temp_dir().join(format!("bp-limit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.bp");
    std::fs::write(&path, "x = ones(3, 3)\n").unwrap();
    let p = path.to_str().unwrap();
    expect_with(
        &["--max-elements", "8", p],
        "",
        1,
        "larger than the limit of 8 elements",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------- invalid arguments

#[test]
fn negative_and_fractional_sizes_are_errors() {
    for src in [
        "zeros(-1)",
        "ones(2.5)",
        "ones(2, -3)",
        "full((2, -1), 3)",
        "rand(0.5)",
        "eye(-2)",
        "eye(1.5)",
        "linspace(0, 1, -5)",
        "linspace(0, 1, 2.5)",
    ] {
        expect(&format!("x = {src}\n"), 1, "");
    }
    expect(
        "x = zeros(-1)\n",
        1,
        "a size must be a whole number >= 0; found -1",
    );
    expect("x = ones(2.5)\n", 1, "found 2.5");
    expect("x = arange(0, 10, 0)\n", 1, "");
    expect("x = ones(1e300)\n", 1, "");
    expect("x = ones(0/0)\n", 1, "");
}

#[test]
fn impossible_reshapes_are_errors() {
    expect(
        "reshape(ones(6), (4, 2))\n",
        1,
        "cannot reshape a tensor of shape [6]",
    );
    expect("reshape(ones(6), (-1, -1))\n", 1, "");
    expect("reshape(ones(6), (-1, 4))\n", 1, "");
    expect("reshape(ones(6), (0, -1))\n", 1, "");
    expect("reshape(ones(6), (-2, -3))\n", 1, "");
    expect("reshape(ones(4), (2, -1, 1e12))\n", 1, "cannot reshape");
}

#[test]
fn bad_axes_are_errors() {
    for src in [
        "sum(ones(2, 3), axis=5)",
        "mean(ones(2, 3), axis=-3)",
        "max(ones(2), axis=1)",
        "softmax(ones(2), axis=2)",
        "squeeze(ones(2, 1), axis=7)",
        "unsqueeze(ones(2), 9)",
        "concat((ones(2), ones(2)), axis=3)",
        "stack((ones(2), ones(2)), axis=-9)",
        "transpose(ones(2, 3), 0, 5)",
        "argmax(ones(2, 3), axis=2)",
        "sum(ones(2), axis=1.5)",
        "prod(ones(2), axis=4)",
    ] {
        expect(&format!("x = {src}\n"), 1, "");
    }
    expect("sum(ones(2, 3), axis=5)\n", 1, "axis 5 is out of range");
}

#[test]
fn out_of_range_indices_are_errors() {
    expect(
        "x = ones(3)[5]\n",
        1,
        "index 5 is out of range for axis 0 of size 3",
    );
    expect("x = ones(3)[-4]\n", 1, "out of range");
    expect("x = ones(2, 2)[0, 9]\n", 1, "out of range");
    expect("x = ones(3)[0, 0]\n", 1, "too many indices");
    expect("x = (1, 2)[2]\n", 1, "out of range");
    expect("x = range(3)[3]\n", 1, "out of range");
    expect("x = ones(3)[1.5]\n", 1, "whole number");
    expect("x = ones(3)[::0]\n", 1, "step must be positive");
    expect("x = ones(3)[1e300]\n", 1, "");
    expect("x = ones(3)[-9007199254740000]\n", 1, "");
    expect("x = cross_entropy(ones(2, 3), [0, 7])\n", 1, "");
    expect("x = cross_entropy(ones(2, 3), [0, -1])\n", 1, "");
    expect("x = cross_entropy(ones(2, 3), [0, 0.5])\n", 1, "");
}

#[test]
fn reductions_of_empty_tensors_without_a_value_are_errors() {
    expect(
        "print(max(zeros(0)))\n",
        1,
        "max of an empty tensor has no value",
    );
    expect(
        "print(min(zeros(0)))\n",
        1,
        "min of an empty tensor has no value",
    );
    expect(
        "print(mean(zeros(0)))\n",
        1,
        "mean() of an empty tensor has no value",
    );
    expect("print(argmax(zeros(0)))\n", 1, "no value");
    expect("print(argmin(zeros(0, 3), axis=0))\n", 1, "no value");
    expect("print(max(zeros(0, 3), axis=0))\n", 1, "");
    // Sums and products of nothing have a value.
    let out = expect("print(sum(zeros(0)), prod(zeros(0)))\n", 0, "");
    assert_eq!(out.trim(), "tensor(0.) tensor(1.)");
}

#[test]
fn wrong_types_are_errors() {
    expect(
        "sum(\"a\")\n",
        1,
        "sum() argument 'x' expects a tensor or a number; found string",
    );
    expect("ones(\"x\")\n", 1, "found string");
    expect("1 @ 2\n", 1, "found two numbers");
    expect("x = 3\nx(1)\n", 1, "a number is not a function");
    for src in [
        "\"a\" + 1",
        "(1, 2) * 2.5", // v3: a tuple repeats a whole number of times
        "-\"a\"",
        "none[0]",
        "print.x",
        "ones(2).nope",
        "for i in 3 { }",
        "a, b = 1",
        "a, b = (1, 2, 3)",
        "if ones(3) { }",
        "exp(none)",
        "matmul(ones(2), \"b\")",
        "backward(1)",
        "backward(ones(3, grad))",
        "grad(ones(1), 1)",
        "reshape(ones(2), \"a\")",
        "zeros_like(3, 4)",
        "ones(2, foo=1)",
        "range(\"a\")",
        "len(3)",
        "item(ones(3))",
        "where(ones(2), 1, \"a\")",
        "gradcheck(1, ones(1, grad))",
        "clip_grad_norm(1, 1)",
        "zero_grad(1)",
        "assert(false, message=2)",
        "plot(\"a\")",
        "seed(\"s\")",
        "(fn(x) { return x })()",
        "(fn(x) { return x })(1, 2)",
        "ones(2) @ ones(3)",
        "ones(2, 3) @ ones(2, 3)",
        "ones(2) + ones(3)",
        "[ones(2), ones(3)]",
        "[1, \"a\"]",
        "concat(())",
        "stack(())",
        "x += 1",
        "break",
        "return 1",
    ] {
        expect(&format!("{src}\n"), 1, "");
    }
}

// ---------------------------------------------------------------- input

#[test]
fn invalid_utf8_is_a_usage_error() {
    let dir = std::env::temp_dir().join(format!("bp-robust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.bp");
    std::fs::write(&path, b"print(1)\n\xff\xfe\n").unwrap();
    let p = path.to_str().unwrap();
    expect_with(&["run", p], "", 2, "is not valid UTF-8");
    expect_with(&["check", p], "", 2, "is not valid UTF-8");
    expect_with(&[p], "", 2, "is not valid UTF-8");
    let out = bp(&["run", "-"], b"print(\"\xc3\x28\")\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid UTF-8"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unterminated_string_is_a_syntax_error() {
    expect("print(\"abc\n", 2, "unterminated string");
    expect("x = \"abc\\", 2, "unterminated string");
}

#[test]
fn a_missing_file_is_a_usage_error() {
    expect_with(&["run", "/nonexistent/dir/nope.bp"], "", 2, "cannot read");
    expect_with(&["check", "/nonexistent/dir/nope.bp"], "", 2, "cannot read");
    expect_with(&["/nonexistent/dir/nope.bp"], "", 2, "cannot read");
}

#[test]
fn odd_bytes_and_tokens_are_syntax_errors() {
    for src in [
        "\0",
        "x = 1e99999999",
        "x = 0x",
        "@@@",
        "fn",
        "fn (",
        "x[",
        "\u{202e}x",
        "x = 1 $ 2",
    ] {
        let out = bp(&["run", "-"], src.as_bytes());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{src:?}: {stderr}");
        assert!(
            matches!(out.status.code(), Some(0..=2)),
            "{src:?}: {stderr}"
        );
    }
}

// ---------------------------------------------------------------- big graphs

#[test]
fn a_long_recorded_chain_is_differentiated_and_dropped() {
    // The library-level test in `big_graph.rs` makes 1,000,000 nodes; through the
    // interpreter in a debug build 200,000 keeps this test fast.
    let script = "x = ones(1, grad)\ny = x\nfor i in range(200000) { y = y * 1 }\n\
                  backward(sum(y))\nprint(x.grad)\ny = none\nprint(\"dropped\")\n";
    let out = expect(script, 0, "");
    assert_eq!(out.trim(), "tensor([1.])\ndropped");
}

// ---------------------------------------------------------------- regressions

/// Every script in `tests/regressions/` (each crash found by fuzzing or by hand)
/// ends with the exit code its first line names (`# exit: N`), without a panic.
#[test]
fn regression_scripts_end_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/regressions")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "bp"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read regression");
        let code: i32 = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# exit: "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("{} lacks a '# exit: N' first line", f.display()));
        let out = bp(&["run", f.to_str().unwrap()], b"");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{}: {stderr}", f.display());
        assert_eq!(out.status.code(), Some(code), "{}: {stderr}", f.display());
    }
}

#[test]
fn iterative_operator_chains_keep_order_and_spans() {
    let script = "fn p(n) { print(n); return n }\nx = p(1) - p(2) * p(3) - p(4) + p(5)\nprint(x)\n";
    let out = expect(script, 0, "");
    assert_eq!(out, "1\n2\n3\n4\n5\n-4\n");
    let err = expect(
        "y = 1 + 2 + \"a\" + 3\n",
        1,
        "unsupported operand types for +",
    );
    assert_eq!(err, "");
}
