//! The course's builtins (SPEC §20): values and edge cases as PyTorch gives them in
//! float64, and first and second derivatives against finite differences (through
//! the language's `gradcheck` and `gradgradcheck`, which compare whole Jacobians).

mod common;

/// Runs `src` in a temporary folder; the error message on failure.
fn run(src: &str) -> Result<(), String> {
    common::run_source(src, &[])
}

fn ok(src: &str) {
    if let Err(e) = run(src) {
        panic!("{src}\nfailed: {e}");
    }
}

fn fails(src: &str, needle: &str) {
    match run(src) {
        Ok(()) => panic!("{src}\nran, but should fail with '{needle}'"),
        Err(e) => assert!(
            e.contains(needle),
            "{src}\nfailed with '{e}', not '{needle}'"
        ),
    }
}

/// First and second derivatives of `body` (a function of `x`) at `x0`.
fn grads(body: &str, x0: &str) {
    ok(&format!(
        "fn f(x) {{ return {body} }}\nx = tensor({x0}, grad=true)\nassert(gradcheck(f, x))\nassert(gradgradcheck(f, x))"
    ));
}

#[test]
fn one_hot_follows_torch() {
    ok("assert_close(one_hot([2, 0, 1], 4), [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]])");
    ok("assert(one_hot([[1], [0]]).shape == (2, 1, 2))");
    ok("assert_close(one_hot(2, 3), [0, 0, 1])");
    ok("assert(one_hot(zeros(0), 5).shape == (0, 5))");
    ok("assert(not one_hot([1], 2).requires_grad)");
    fails("one_hot([3], 3)", "smaller than n = 3");
    fails("one_hot([-1], 3)", "whole numbers >= 0");
    fails("one_hot([0.5], 3)", "whole numbers >= 0");
    fails("one_hot(zeros(0))", "empty");
}

#[test]
fn cumsum_sums_in_order_along_any_axis() {
    ok("assert_close(cumsum([1, 2, 3, 4], 0), [1, 3, 6, 10], atol=0, rtol=0)");
    ok("assert_close(cumsum([[1, 2], [3, 4]], 0), [[1, 2], [4, 6]])");
    ok("assert_close(cumsum([[1, 2], [3, 4]], -1), [[1, 3], [3, 7]])");
    ok("assert_close(cumsum(tensor(5), 0), tensor(5))");
    ok("assert(cumsum(zeros(0), 0).shape == (0,))");
    // With a gradient, the values are the same ordered sums.
    ok("x = tensor([0.1, 0.2, 0.3, 0.4, 0.5], grad)\nassert_close(cumsum(x, 0), cumsum(detach(x), 0), atol=0, rtol=0)");
    fails("cumsum([1, 2], 1)", "axis");
    grads(
        "sum(cumsum(x, 1) * [[1, 2, 3], [4, 5, 6]] * x)",
        "[[0.5, -1, 2], [1.5, 0.25, -0.75]]",
    );
    grads("cumsum(x, 0) ** 2", "[0.3, -0.4, 1.2, 0.8, -1.1]");
}

#[test]
fn sort_and_topk_are_stable_with_ties_and_nan_last() {
    ok("v, i = sort([2, 1, 2, 1])\nassert_close(v, [1, 1, 2, 2])\nassert_close(i, [1, 3, 0, 2])");
    ok("v, i = sort([2, 1, 2, 1], descending=true)\nassert_close(i, [0, 2, 1, 3])");
    ok("v, i = topk([1, 3, 3, 2], 2)\nassert_close(v, [3, 3])\nassert_close(i, [1, 2])");
    ok("v, i = topk([1, 3, 3, 2], 2, largest=false)\nassert_close(i, [0, 3])");
    ok("v, i = sort([1, log(-1), 0])\nassert_close(i, [2, 0, 1])");
    ok("v, i = sort([[3, 1], [0, 2]], axis=0)\nassert_close(v, [[0, 1], [3, 2]])\nassert_close(i, [[1, 0], [0, 1]])");
    ok("v, i = sort(tensor(4))\nassert(v.shape == () and i.shape == ())");
    ok("v, i = topk(zeros(3, 0), 0)\nassert(v.shape == (3, 0))");
    ok("assert_close(argsort([[3, 1, 2]], descending=true), [[0, 2, 1]])");
    fails("topk([1, 2], 3)", "larger than");
    grads(
        "sort(x, descending=true)[0] * [3, 2, 1, 0.5]",
        "[0.4, -1.3, 2.2, 0.1]",
    );
    grads(
        "sum(topk(x * x, 2, axis=0)[0] * [[1, 2], [3, 4]])",
        "[[0.4, -1.3], [2.2, 0.1], [0.7, -0.2]]",
    );
}

#[test]
fn eye_meshgrid_and_dot() {
    ok("assert_close(eye(2, 3), [[1, 0, 0], [0, 1, 0]])");
    ok("assert_close(eye(3, 2), [[1, 0], [0, 1], [0, 0]])");
    ok("assert(eye(0, 2).shape == (0, 2))");
    ok("a, b = meshgrid([1, 2], [3, 4, 5], indexing=\"xy\")\nassert(a.shape == (3, 2))\nassert_close(b, [[3, 3], [4, 4], [5, 5]])");
    fails("dot([1, 2], [1, 2, 3])", "one length");
    fails("dot([[1]], [[1]])", "vectors");
    grads("dot(x, x * [1, 2, 3])", "[0.5, -1, 2]");
    ok("fn f(a, b) { A, B = meshgrid(a, b)\n return A * B * B }\nassert(gradcheck(f, tensor([1, 2], grad), tensor([0.5, -1, 3], grad)))\nassert(gradgradcheck(f, tensor([1, 2], grad), tensor([0.5, -1, 3], grad)))");
}

#[test]
fn var_std_and_logsumexp_follow_torch() {
    // torch.var([1., 2., 4.]) = 2.333..., correction=0: 1.555...
    ok("assert_close(var([1, 2, 4]), tensor(2.3333333333333335))");
    ok("assert_close(var([1, 2, 4], correction=0), tensor(1.5555555555555556))");
    ok("assert_close(std([[1, 2], [3, 5]], axis=(0, 1)), tensor(1.707825127659933))");
    ok("assert(var(ones(2, 3), axis=1, keepdim=true).shape == (2, 1))");
    // One element with correction 1: nan, as torch.
    ok("v = var([3])\nassert(not (v == v))");
    ok("assert_close(logsumexp([1000, 1000], 0), tensor(1000.6931471805599))");
    ok("assert(logsumexp([log(0), log(0)], 0) == log(0))");
    ok("assert_close(logsumexp(tensor(2), 0), tensor(2))");
    grads("var(x, axis=1)", "[[0.5, -1, 2], [1.5, 0.25, -0.75]]");
    grads("std(x, correction=0)", "[[0.5, -1, 2], [1.5, 0.25, -0.75]]");
    grads(
        "logsumexp(x, (0, 1), keepdim=true)",
        "[[0.5, -1, 2], [1.5, 0.25, -0.75]]",
    );
    grads("logsumexp(x * 3, 0)", "[[0.5, -1, 2], [1.5, 0.25, -0.75]]");
}

#[test]
fn clone_chunk_split_and_allclose() {
    ok("x = tensor([1, 2], grad)\nc = clone(x)\nassert(c.requires_grad and not c.is_leaf)");
    ok("assert(len(chunk(arange(6), 4)) == 3)");
    ok("p = chunk(zeros(0), 3)\nassert(len(p) == 3 and p[0].shape == (0,))");
    ok("p = split(arange(5), (2, 3))\nassert_close(p[1], [2, 3, 4])");
    fails("split(arange(5), (2, 2))", "sum to 4");
    fails("chunk(arange(5), 0)", "at least 1");
    fails("chunk(tensor(5), 2)", "0-d");
    ok("assert(allclose([1, -log(0)], [1, -log(0)]))");
    ok("n = log(-1)\nassert(not allclose([n], [n]))\nassert(allclose([n], [n], equal_nan=true))");
    ok("assert(allclose([[1, 2], [1, 2]], [1, 2]))");
    fails("allclose([1, 2], [1, 2, 3])", "broadcast");
    grads("clone(x) * x", "[0.5, -1, 2]");
    grads("chunk(x, 2)[1] * split(x, 1)[2]", "[0.5, -1, 2]");
}

#[test]
fn losses_of_the_course() {
    // torch: F.binary_cross_entropy_with_logits([0., 2., -1.], [1., 0., 1.]) = 1.37778...
    ok("assert_close(binary_cross_entropy_with_logits([0, 2, -1], [1, 0, 1]), tensor(1.3777789597070471))");
    fails("binary_cross_entropy_with_logits([1, 2], [1])", "shape");
    ok("assert_close(cross_entropy([2, 0, 1], 0), cross_entropy([[2, 0, 1]], [0]))");
    fails(
        "cross_entropy(zeros(2, 3, 4), zeros(2, 3))",
        "targets must have shape [2, 4]",
    );
    grads(
        "binary_cross_entropy_with_logits(x, [0, 1, 0.5])",
        "[0.3, -2, 25]",
    );
    grads(
        "cross_entropy(x, [[1, 0], [2, 2]])",
        "[[[0.5, -1], [2, 0.3], [1.5, 0.25]], [[-0.75, 1], [0, 2], [0.1, -0.4]]]",
    );
    grads(
        "softmax(x, axis=0) * tanh(x)",
        "[[0.5, -1, 2], [1.5, 0.25, -0.75]]",
    );
}

#[test]
fn env_reads_numbers_and_strings() {
    std::env::set_var("BP_COURSE_TEST_STEPS", "25");
    std::env::set_var("BP_COURSE_TEST_NAME", "emma");
    ok("assert(env(\"BP_COURSE_TEST_STEPS\", 1000) == 25)");
    ok("assert(env(\"BP_COURSE_TEST_NAME\", \"x\") == \"emma\")");
    ok("assert(env(\"BP_COURSE_TEST_UNSET_VARIABLE\", 7) == 7)");
    ok("assert(env(\"BP_COURSE_TEST_UNSET_VARIABLE\") == none)");
    fails("env(\"BP_COURSE_TEST_NAME\", 3)", "not a number");
}

#[test]
fn multinomial_and_randint_use_the_seeded_generator() {
    ok("seed(1)\na = multinomial([[0.2, 0.8], [1, 0]], 3, replacement=true)\nseed(1)\nassert_close(a, multinomial([[0.2, 0.8], [1, 0]], 3, replacement=true), atol=0, rtol=0)\nassert_close(a[1], [0, 0, 0])");
    ok("p = multinomial([0, 3, 0, 1, 1], 3)\nv, i = sort(p)\nassert_close(v, [1, 3, 4])");
    fails("multinomial([0, 1, 1], 3)", "non-zero");
    fails("multinomial([1, 1], 3)", "without replacement");
    fails("multinomial([0, 0], 1, replacement=true)", "sum to 0");
    fails("multinomial([1, -1], 1, replacement=true)", ">= 0");
    fails("multinomial([1, 1], 0)", "n <= 0");
    ok("r = randint(5, (1000,))\nassert(sum(r < 0) + sum(r >= 5) == 0 and sum(r == 4) > 100)");
    ok("assert(randint(-3, -1, 4).shape == (4,))");
    ok("n = [3]\nassert(randint(0, 2, (n[0], 2)).shape == (3, 2))");
    fails("randint(2, 2, (3,))", "less than high");
    // Many draws with replacement follow the weights.
    ok("seed(5)\ns = multinomial([0.25, 0.75], 4000, replacement=true)\nassert(abs(mean(s) - 0.75) < 0.03)");
}

#[test]
fn function_transforms() {
    ok("J = jacobian(fn(x) { return x * x }, [1, 2, 3])\nassert_close(J, [[2, 0, 0], [0, 4, 0], [0, 0, 6]])\nassert(not J.requires_grad)");
    ok("J = jacobian(fn(x) { return sum(x) }, ones(2, 2))\nassert(J.shape == (2, 2))");
    ok("J = jacobian(fn(x) { return ones(2) }, [1, 2])\nassert_close(J, zeros(2, 2))");
    ok("H = hessian(fn(x) { return x[0] ** 2 * x[1] }, [1, 2])\nassert_close(H, [[4, 2], [2, 0]])");
    fails("hessian(fn(x) { return x }, [1, 2])", "one element");
    // gradcheck of a function of any output shape: the whole Jacobian.
    ok("assert(gradcheck(fn(x) { return outer(x, x) }, tensor([1, 2], grad)))");
    fails(
        "gradcheck(fn(x) { return detach(x) * x }, tensor([1, 2], grad))",
        "gradcheck failed",
    );
    ok("assert(gradgradcheck(fn(x) { return x ** 3 }, tensor([1, -2], grad)))");
    fails(
        "gradgradcheck(fn(x) { return x * relu(x) }, tensor([1, -2], grad), atol=-1)",
        "gradgradcheck failed",
    );
}

#[test]
fn pictures_of_training_in_the_terminal() {
    use bp::picture::{HeatMap, Histogram, MultiPlot, Picture};
    let h = Picture::Hist(Histogram::of(
        &[1.0, 2.0, 2.0, 3.0, 3.0, 3.0, f64::NAN],
        3,
        None,
    ));
    let text = h.to_text();
    assert!(
        text.contains("6 values in 3 bins (1 skipped: nan or inf)"),
        "{text}"
    );
    assert!(text.lines().next().unwrap().starts_with("3 ┤"), "{text}");
    let p = Picture::Lines(MultiPlot {
        series: vec![
            (vec![0.0, 1.0], vec![1.0, 0.1]),
            (vec![0.0, 1.0], vec![2.0, -1.0]),
        ],
        labels: vec!["train".into(), "dev".into()],
        logy: true,
        title: None,
    });
    let text = p.to_text();
    assert!(text.contains("• train   × dev   (log scale)"), "{text}");
    assert!(text.contains("(1 point skipped"), "{text}");
    let m = Picture::Heat(HeatMap {
        rows: 1,
        cols: 3,
        values: vec![0.0, 1.0, 2.0],
        title: None,
    });
    assert_eq!(m.to_text().lines().next().unwrap(), "│  ▒▒██│");
}
