//! SPEC v3 §21 (issue 30): functions with a backward clause, gradient hooks,
//! tracebacks of errors inside calls, and why a `.grad` is none. Values are
//! PyTorch's (float64); each new report is a snapshot (the script is its description).

use bp::eval::Options;
use bp::Exit;
mod common;

use common::Shared;

/// Runs `src` in a temporary folder; returns (stdout, stderr, exit code).
fn run(src: &str) -> (String, String, Exit) {
    let out = Shared::default();
    let mut err = Vec::new();
    let dir = common::TempDir::new("v3-backward");
    let options = Options {
        script_dir: Some(dir.path().to_path_buf()),
        ..Options::default()
    };
    let code = bp::run(
        src,
        "script.bp",
        Box::new(out.clone()),
        &mut err,
        options,
        false,
        None,
    );
    (out.text(), String::from_utf8_lossy(&err).into_owned(), code)
}

/// The output of a script that must succeed without warnings.
fn ok(src: &str) -> String {
    let (out, err, code) = run(src);
    assert_eq!(code, Exit::Success, "script failed:\n{src}\n{err}");
    assert_eq!(err, "", "script warned:\n{src}");
    out
}

/// The report of a script that must fail (or warn), as a snapshot.
fn report(src: &str) -> String {
    let (out, err, code) = run(src);
    assert!(!err.is_empty(), "no report for:\n{src}");
    format!(
        "exit code: {}\n--- stdout\n{out}--- stderr\n{err}",
        code as i32
    )
}

macro_rules! snapshot {
    ($name:expr, $src:expr) => {{
        let src: &str = $src;
        let text = report(src);
        insta::with_settings!({ description => src, omit_expression => true }, {
            insta::assert_snapshot!($name, text);
        });
    }};
}

const SIGMOID: &str = "fn my_sigmoid(x) {\n    return 1 / (1 + exp(-x))\n} backward(g, x, out) {\n    return g * out * (1 - out)\n}\n";

#[test]
fn a_backward_clause_gives_the_gradient_and_is_one_operation() {
    // torch (an autograd.Function with the same backward): x.grad =
    // [0.19661193324148185, 0.5, 0.31498075621051985] for weights [1, 2, 3]
    let out = ok(&format!(
        "{SIGMOID}x = tensor([-1, 0, 2], grad)\ny = my_sigmoid(x)\nprint(y)\nbackward(sum(y * [1, 2, 3]))\nprint(x.grad)\n"
    ));
    assert_eq!(
        out,
        "tensor([0.2689, 0.5000, 0.8808], grad_fn=<my_sigmoid>)\ntensor([0.1966, 0.5000, 0.3150])\n"
    );
}

#[test]
fn the_body_is_not_recorded_and_backward_is_the_users_own() {
    // The body's relu would give [0, 7]; the straight-through backward gives [5, 7].
    let out = ok("fn hard(x) {\n    return relu(x)\n} backward(g, x, out) {\n    return g\n}\nz = tensor([-2, 3], grad)\nbackward(sum(hard(z) * [5, 7]))\nprint(z.grad)\n");
    assert_eq!(out, "tensor([5., 7.])\n");
}

#[test]
fn number_arguments_get_no_gradient_and_none_means_none() {
    let out = ok("fn scaled(a, k, c) {\n    return a * k * c\n} backward(g, a, k, c, out) {\n    return (g * k * c, none, 123)\n}\na = tensor([1, 2], grad)\nk = tensor(3, grad)\nbackward(sum(scaled(a, k, 2)))\nprint(a.grad, k.grad)\n");
    assert_eq!(out, "tensor([6., 6.]) none\n");
}

#[test]
fn a_call_where_nothing_requires_grad_is_an_ordinary_call() {
    let out = ok(&format!(
        "{SIGMOID}y = my_sigmoid(tensor([0.0]))\nprint(y.requires_grad)\nno_grad {{ print(my_sigmoid(tensor(0, grad)).requires_grad) }}\n"
    ));
    assert_eq!(out, "false\nfalse\n");
}

#[test]
fn gradcheck_and_gradgradcheck_check_a_backward_clause() {
    let out = ok(&format!(
        "{SIGMOID}print(gradcheck(my_sigmoid, tensor([0.3, -1.5], grad)))\nprint(gradgradcheck(my_sigmoid, tensor([0.3, -1.5], grad)))\n"
    ));
    assert_eq!(out, "true\ntrue\n");
}

#[test]
fn create_graph_records_the_backward_clause_for_second_derivatives() {
    // s'(x) = s(1 - s); s''(x) = s(1 - s)(1 - 2s). At x = 0.5: torch gives
    // s' = 0.2350037122015945, s'' = -0.05755679485232075
    let out = ok(&format!(
        "{SIGMOID}x = tensor(0.5, grad)\nd1 = grad(my_sigmoid(x), x, create_graph=true)\nd2 = grad(d1, x)\nprint(item(d1), item(d2))\n"
    ));
    let nums: Vec<f64> = out
        .split_whitespace()
        .map(|s| s.parse().expect("a number"))
        .collect();
    assert!((nums[0] - 0.2350037122015945).abs() < 1e-12, "{out}");
    assert!((nums[1] + 0.05755679485232075).abs() < 1e-12, "{out}");
}

#[test]
fn a_write_into_the_output_inside_a_recorded_backward_clause_is_its_own() {
    // With create_graph the clause gets the output recorded; writing into it
    // changes the clause's copy only (no panic, the graph stays whole).
    let out = ok("fn f(x) {\n    return x * x\n} backward(g, x, out) {\n    out[0] = 5\n    return g * 2 * x\n}\nx = tensor([1.0, 2.0], grad)\nd = grad(sum(f(x)), x, create_graph=true)\nprint(d)\nbackward(sum(d))\nprint(x.grad)\n");
    assert_eq!(
        out,
        "tensor([2., 4.], grad_fn=<MulBackward>)\ntensor([2., 2.])\n"
    );
}

#[test]
fn the_operation_shows_in_the_tape_and_the_steps() {
    let out = ok(&format!(
        "{SIGMOID}x = tensor(0.5, grad)\nbackprop_steps(my_sigmoid(x) * 2)\n"
    ));
    assert!(out.contains("step 2  my_sigmoid  my_sigmoid(x)"), "{out}");
    assert!(
        out.contains(
            "local derivative:        your backward(g, x, out) { return g * out * (1 - out) }"
        ),
        "{out}"
    );
    assert!(out.contains("sends to x:  2 × 0.235 = 0.47"), "{out}");
}

#[test]
fn a_gradient_of_the_wrong_shape_names_both_shapes() {
    snapshot!(
        "wrong_shape",
        "fn add_row(m, r) {\n    return m + r\n} backward(g, m, r, out) {\n    return (g, g)\n}\nM = ones(2, 3, grad)\nb = zeros(3, grad)\nbackward(sum(add_row(M, b)))\n"
    );
}

#[test]
fn a_wrong_number_of_gradients_is_an_error() {
    snapshot!(
        "wrong_count",
        "fn f(a, b) {\n    return a * b\n} backward(g, a, b, out) {\n    return g\n}\nx = ones(2, grad)\nbackward(sum(f(x, x)))\n"
    );
}

#[test]
fn an_error_inside_a_backward_clause_shows_the_call() {
    snapshot!(
        "error_in_backward",
        "fn f(x) {\n    return x * 2\n} backward(g, x, out) {\n    return g @ ones(5, 5)\n}\nx = ones(2, grad)\nbackward(sum(f(x)))\n"
    );
}

#[test]
fn a_backward_clause_on_its_own_line_is_a_call() {
    // `backward(...)` on the next line is the builtin, not a clause.
    let out = ok("fn f(x) { return x * 3 }\nx = tensor(2, grad)\nbackward(f(x))\nprint(x.grad)\n");
    assert_eq!(out, "tensor(3.)\n");
}

#[test]
fn hooks_see_replace_and_are_removed() {
    let out = ok("x = tensor([1, 2, 3], grad)\ny = x * x\nseen = list()\nh = register_hook(y, fn(g) { seen.append(g); return none })\nbackward(sum(y * [1, 0, -1]))\nprint(seen[0], x.grad)\nw = tensor([1, -1], grad)\nhw = w.register_hook(fn(g) { return g * 2 })\nbackward(sum(w * [3, 4]))\nprint(w.grad)\nremove_hook(hw)\nremove_hook(hw)\nbackward(sum(w * [3, 4]))\nprint(w.grad)\n");
    assert_eq!(
        out,
        "tensor([ 1.,  0., -1.]) tensor([ 2.,  0., -6.])\ntensor([6., 8.])\ntensor([ 9., 12.])\n"
    );
}

#[test]
fn hooks_run_in_order_and_in_grad() {
    // torch: two hooks on x (g * 2, then g + 1) for y = 3x: grad = 3 * 2 + 1 = 7
    let out = ok("x = tensor(1.0, grad)\nregister_hook(x, fn(g) { return g * 2 })\nx.register_hook(fn(g) { return g + 1 })\nprint(grad(x * 3, x))\n");
    assert_eq!(out, "tensor(7.)\n");
}

#[test]
fn a_hook_returning_the_wrong_shape_is_an_error() {
    snapshot!(
        "hook_wrong_shape",
        "x = ones(3, grad)\nregister_hook(x, fn(g) { return sum(g) })\nbackward(sum(x * 2))\n"
    );
}

#[test]
fn a_hook_on_a_tensor_without_grad_is_an_error() {
    snapshot!(
        "hook_no_grad",
        "x = ones(3)\nregister_hook(x, fn(g) { return g })\n"
    );
}

#[test]
fn a_traceback_shows_which_call_failed() {
    snapshot!(
        "traceback",
        "fn layer(x, W) {\n    return x @ W\n}\nfn forward(x) {\n    return layer(x, ones(3, 2))\n}\nfirst_batch = ones(4, 3)\nsecond_batch = ones(4, 5)\na = forward(first_batch)\nb = forward(second_batch)\n"
    );
}

#[test]
fn a_recursion_is_shown_once_with_its_count() {
    snapshot!(
        "traceback_recursion",
        "fn countdown(n) {\n    if n == 0 {\n        return ones(2) @ ones(3)\n    }\n    return countdown(n - 1)\n}\ncountdown(5)\n"
    );
}

#[test]
fn the_none_grad_of_a_non_leaf_says_why() {
    snapshot!(
        "none_grad_non_leaf",
        "x = tensor([1, 2], grad)\nh = x * 3\nbackward(sum(h * h))\nstep = h.grad * 0.1\n"
    );
}

#[test]
fn the_none_grad_of_an_unused_leaf_says_why() {
    snapshot!(
        "none_grad_unused_leaf",
        "a = tensor(1.0, grad)\nb = tensor(2.0, grad)\nbackward(a * 3)\nprint(b.grad * 2)\n"
    );
}

#[test]
fn the_none_grad_of_a_tensor_without_grad_says_why() {
    snapshot!(
        "none_grad_no_requires_grad",
        "c = tensor([1.0, 2.0])\ng = c.grad\nprint(g + 1)\n"
    );
}

#[test]
fn a_none_grad_passed_to_a_builtin_says_why() {
    let (_, err, code) =
        run("x = tensor([1, 2], grad)\nh = x * 3\nbackward(sum(h * h))\nprint(sum(h.grad))\n");
    assert_eq!(code, Exit::RuntimeError, "{err}");
    assert!(
        err.contains("sum() argument 'x' expects a tensor or a number; found none"),
        "{err}"
    );
    assert!(
        err.contains("this .grad is none: 'h' is not a leaf (made by `x * 3`)"),
        "{err}"
    );
    assert!(err.contains("retain_grad(h)"), "{err}");
}

#[test]
fn retain_grad_keeps_the_gradient_and_reads_quietly() {
    let out = ok("x = tensor([1, 2], grad)\nh = x * 3\nretain_grad(h)\nbackward(sum(h * h))\nprint(h.grad * 0.5)\n");
    assert_eq!(out, "tensor([3., 6.])\n");
}
