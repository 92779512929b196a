//! Edge cases where bp must agree with PyTorch (float64) exactly: 0-d tensors
//! with an axis, clamp at its bound, binary cross-entropy at 0 and 1, and
//! second derivatives through relu, leaky_relu, abs and `%` (issue 19). The
//! expected values were taken from PyTorch 2.15.

mod common;

/// Runs `script` through `bp run -`; returns (exit code, stdout, stderr).
fn run(script: &str) -> (i32, String, String) {
    common::bp(&["run", "-"])
        .env("NO_COLOR", "1")
        .stdin(script)
        .run()
}

/// Runs `script`, which must succeed, and compares its output line by line.
fn expect_lines(script: &str, lines: &[&str]) {
    let (code, out, err) = run(script);
    assert_eq!(code, 0, "script failed:\n{script}\n{err}");
    assert!(
        !err.contains("warning") || script.contains("log(-x)"),
        "unexpected warning:\n{err}"
    );
    let got: Vec<&str> = out.lines().collect();
    assert_eq!(got, lines, "for script:\n{script}");
}

#[test]
fn reductions_of_a_0d_tensor_along_axis_0_or_minus_1_give_the_value() {
    for f in ["sum", "mean", "max", "min", "prod"] {
        for axis in ["0", "-1"] {
            expect_lines(
                &format!("t = tensor(2.5)\nprint({f}(t, axis={axis}))\nprint({f}(t, axis={axis}, keepdim=true))\n"),
                &["tensor(2.5000)", "tensor(2.5000)"],
            );
        }
    }
    for f in ["argmax", "argmin"] {
        expect_lines(
            &format!("t = tensor(2.5)\nprint({f}(t, axis=0), {f}(t, axis=-1), {f}(t))\n"),
            &["tensor(0.) tensor(0.) tensor(0.)"],
        );
    }
    expect_lines(
        "t = tensor(3)\nprint(softmax(t), softmax(t, axis=0), log_softmax(t), log_softmax(t, axis=-1))\n",
        &["tensor(1.) tensor(1.) tensor(0.) tensor(0.)"],
    );
    let (code, _, err) = run("print(sum(tensor(1), axis=1))\n");
    assert_eq!(code, 1);
    assert!(err.contains("axis 1 is out of range"), "{err}");
    let (code, _, err) = run("print(sum(tensor(1), axis=-2))\n");
    assert_eq!(code, 1, "{err}");
}

#[test]
fn gradients_through_0d_reductions_reach_the_input() {
    expect_lines(
        "t = tensor(2, grad)\n\
         backward(sum(t, axis=0) + mean(t, axis=-1) + max(t, axis=0) + prod(t, axis=0) + softmax(t) + log_softmax(t))\n\
         print(t.grad)\n",
        &["tensor(4.)"],
    );
}

#[test]
fn softmax_of_an_empty_tensor_is_empty() {
    expect_lines(
        "print(softmax(zeros(0)), log_softmax(zeros(2, 0), axis=0))\n",
        &["tensor([]) tensor([], size=(2, 0))"],
    );
}

#[test]
fn clamp_has_gradient_zero_at_its_bounds() {
    expect_lines(
        "x = tensor(1.7, grad)\nbackward(clamp(x, min=1.7))\nprint(x.grad)\n\
         y = tensor(1.7, grad)\nbackward(clamp(y, max=1.7))\nprint(y.grad)\n\
         z = tensor([1.7, 1, 2, 1.5], grad)\nbackward(sum(clamp(z, min=1, max=1.7)))\nprint(z.grad)\n",
        &["tensor(0.)", "tensor(0.)", "tensor([0., 0., 0., 1.])"],
    );
}

#[test]
fn binary_cross_entropy_follows_pytorch_at_0_and_1() {
    expect_lines(
        "p = tensor([1], grad)\nbackward(binary_cross_entropy(p, [1]))\nprint(p.grad)\n",
        &["tensor([0.])"],
    );
    // Values and gradients from torch.nn.functional.binary_cross_entropy.
    expect_lines(
        "p = tensor([1, 0, 0.3, 1e-300], grad)\nt = tensor([1, 1, 0.2, 0], grad)\n\
         l = binary_cross_entropy(p, t)\nprint(l)\n\
         gs = grad(l, (p, t), create_graph=true)\nprint(gs[0][1], gs[0][2], gs[1][2])\n\
         print(gs[1][0], gs[1][1])\n",
        &[
            "tensor(25.1315, grad_fn=<BinaryCrossEntropyBackward>)",
            "tensor(-2.5000e+11, grad_fn=<IndexBackward>) tensor(0.1190, grad_fn=<IndexBackward>) tensor(0.2118, grad_fn=<IndexBackward>)",
            "tensor(-inf, grad_fn=<IndexBackward>) tensor(inf, grad_fn=<IndexBackward>)",
        ],
    );
    // d²l/dp² = (p² - 2pt + t) / (p(1 - p))² / n, as PyTorch's double backward.
    expect_lines(
        "p = tensor([0.3, 0.6], grad)\nt = tensor([0.2, 1])\n\
         g = grad(binary_cross_entropy(p, t), p, create_graph=true)\n\
         backward(sum(g))\nassert_close(p.grad, [(0.09 - 0.12 + 0.2) / 0.0441 / 2, (0.36 - 1.2 + 1) / 0.0576 / 2])\nprint(\"ok\")\n",
        &["ok"],
    );
}

#[test]
fn binary_cross_entropy_refuses_values_outside_0_1() {
    for (script, msg) in [
        (
            "binary_cross_entropy(tensor([2]), [1])",
            "all elements of input should be between 0 and 1; found 2",
        ),
        (
            "binary_cross_entropy(tensor([0.5]), [-1])",
            "all elements of target should be between 0 and 1; found -1",
        ),
        (
            "binary_cross_entropy(tensor([0/0]), [1])",
            "all elements of input should be between 0 and 1; found NaN",
        ),
    ] {
        let (code, _, err) = run(&format!("{script}\n"));
        assert_eq!(code, 1, "{script}: {err}");
        assert!(err.contains(msg), "{script}: {err}");
    }
}

#[test]
fn second_derivatives_through_kinked_functions_stay_connected() {
    expect_lines(
        "x = tensor(1, grad)\ng = grad(relu(x), x, create_graph=true)\nprint(g)\nbackward(g)\nprint(x.grad)\n",
        &[
            "tensor(1., grad_fn=<ThresholdBackwardBackward>)",
            "tensor(0.)",
        ],
    );
    for f in ["relu(x)", "leaky_relu(x)", "leaky_relu(x, 0.2)", "abs(x)"] {
        expect_lines(
            &format!(
                "x = tensor([1, -2, 0], grad)\ng = grad(sum({f}), x, create_graph=true)\n\
                 backward(sum(g))\nprint(x.grad)\n"
            ),
            &["tensor([0., 0., 0.])"],
        );
    }
    // a % b: d/db = -floor(a / b), connected to a and b with derivative 0.
    expect_lines(
        "a = tensor([2.5], grad)\nb = tensor([0.7], grad)\n\
         gs = grad(sum(a % b), (a, b), create_graph=true)\nprint(gs[1])\n\
         backward(sum(gs[1]))\nprint(a.grad, b.grad)\n",
        &[
            "tensor([-3.], grad_fn=<MulBackward>)",
            "tensor([0.]) tensor([0.])",
        ],
    );
    // Third order through the same rule: still zero, still defined.
    expect_lines(
        "x = tensor(1.5, grad)\ng = grad(abs(x) * x, x, create_graph=true)\n\
         h = grad(g, x, create_graph=true)\nprint(g, h)\n",
        &["tensor(3., grad_fn=<AddBackward>) tensor(2., grad_fn=<AddBackward>)"],
    );
}

#[test]
fn empty_tensors_with_huge_other_axes_never_panic() {
    // ndarray panics on shapes whose non-zero sizes overflow isize: an error.
    let (code, _, err) = run("x = zeros(100000, 100000, 0, 100000, 100000)\n");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is too large"), "{err}");
    let (code, _, err) = run("print(reshape(zeros(0), (0, 3000000000, 3000000000, 3000000000)))\n");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is too large"), "{err}");
    // Representable empty shapes work, as in PyTorch.
    expect_lines(
        "x = zeros(0, 100000, 100000)\nprint(concat((x, x), axis=0).shape)\n\
         print(x[::3, ::7].shape, unsqueeze(x, 0).shape, reshape(x, (0, -1)).shape)\n\
         print(stack((x, x), axis=1).shape, transpose(x).shape)\n",
        &[
            "(0, 100000, 100000)",
            "(0, 14286, 100000) (1, 0, 100000, 100000) (0, 0)",
            "(0, 2, 100000, 100000) (100000, 100000, 0)",
        ],
    );
    // Reducing the empty axis would make 1e10 elements: over the limit.
    let (code, _, err) = run("print(sum(zeros(0, 100000, 100000), axis=0))\n");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("larger than the limit"), "{err}");
    let (code, _, err) = run("print(prod(zeros(100000, 100000, 0), axis=-1))\n");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("larger than the limit"), "{err}");
}

/// Found by tools/difftest: PyTorch selects (where, masked_fill) rather than
/// multiplies by a 0/1 mask in the backward of relu, clamp, maximum, max along an
/// axis and where, so an infinite gradient at a position that gets none gives 0,
/// not NaN; relu passes the gradient of a NaN (threshold_backward zeroes x <= 0
/// only); sign(NaN) is 0. Expected values from PyTorch 2.15.
#[test]
fn masked_backward_rules_select_as_pytorch_does() {
    expect_lines(
        "x = tensor([0/0, 1, -1], grad)\nbackward(sum(relu(x)))\nprint(x.grad)\n\
         print(sign(tensor([0/0, -2, 0])))\n\
         x = tensor([-1, 0.25], grad)\nprint(grad(sum(pow(relu(x), -0.5)), x))\n\
         x = tensor([-1, 2], grad)\nprint(grad(sum(log(maximum(x, tensor(0.5)) - 0.5)), x))\n\
         x = tensor([0, 3], grad)\nprint(grad(sum(log(clamp(x, min=1) - 1)), x))\n\
         print(grad(sum(log(where(x > 1, x, tensor(0)))), x))\n",
        &[
            "tensor([1., 1., 0.])",
            "tensor([ 0., -1.,  0.])",
            "tensor([ 0., -4.])",
            "tensor([0.0000, 0.6667])",
            "tensor([0.0000, 0.5000])",
            "tensor([0.0000, 0.3333])",
        ],
    );
}

/// Found by tools/difftest: a full max that is NaN sends its gradient to the NaN
/// elements (PyTorch's evenly_distribute_backward); clamp of a NaN number is NaN.
#[test]
fn nan_maxima_and_clamped_nan_numbers_follow_pytorch() {
    expect_lines(
        "x = tensor([3.0], grad)\ny = sum(max(log(-x)) * x)\n\
         g = grad(y, x, create_graph=true)\nbackward(sum(g))\nprint(x.grad)\n\
         print(clamp(sqrt(-1.7), min=0, max=0.5))\n",
        &["tensor([0.3333])", "nan"],
    );
}

/// Found by tools/difftest (second derivatives): pow's backward selects as
/// PyTorch's pow_backward_self/_exponent do (0 where the exponent is 0; 0 where
/// the base is 0 and the exponent >= 0, NaN beyond it in a second derivative);
/// maximum/minimum give a NaN input's gradient to both sides (no comparison
/// loses); the product of a 0-d tensor passes the gradient through; d(a/b)/db is
/// -g·((a/b)/b), which keeps the sign of a -0; a full max/min, `%` and softplus
/// as below. Expected values from PyTorch 2.15.
#[test]
fn second_derivatives_at_nan_and_zero_follow_pytorch() {
    let second = |x: &str, f: &str| {
        format!(
            "x = {x}\ny = sum(({f}) * x)\ng = grad(y, x, create_graph=true)\n\
             backward(sum(g))\nprint(g)\nprint(x.grad)\n"
        )
    };
    let cases = [
        (
            "tensor([1.0, 2.5], grad)",
            "0.0 ** x",
            ["tensor([0., 0.])", "tensor([nan, nan])"],
        ),
        (
            "tensor([0.0, -1.0, 2.0], grad)",
            "x ** x",
            [
                "tensor([ 1.0000,     nan, 17.5452])",
                "tensor([    nan,     nan, 40.4792])",
            ],
        ),
        (
            "tensor([0.25], grad)",
            "maximum(1.7, x % 0.0)",
            ["tensor([nan])", "tensor([2.])"],
        ),
        (
            "tensor([-0.5, 0.5], grad)",
            "minimum(log(x), 0.0)",
            ["tensor([   nan, 0.3069])", "tensor([-2.,  2.])"],
        ),
        (
            "tensor(-2.301, grad)",
            "prod(log(x))",
            ["tensor(nan)", "tensor(-0.4346)"],
        ),
        (
            "tensor(0.0, grad)",
            "prod(x, axis=0)",
            ["tensor(0.)", "tensor(2.)"],
        ),
        (
            "tensor(-1.0, grad)",
            "x / (1.0 % x)",
            ["tensor(-inf)", "tensor(inf)"],
        ),
        // A full min masks its gradient (a NaN there stays there, as masked_fill).
        (
            "tensor([0.675, 2.387, -1.027], grad)",
            "log(x) * min(x)",
            [
                "tensor([-0.6233, -1.9205,     nan])",
                "tensor([-0.9145,  1.4398,     nan])",
            ],
        ),
        // prod(x, axis) of a 0-d x is not a pass-through in PyTorch (prod(x) is).
        (
            "tensor([0.5, -0.5], grad)",
            "prod(sum(log(x)), axis=-1)",
            ["tensor([nan, nan])", "tensor([ 4., -4.])"],
        ),
        // d(a % b)/db = -floor(a/b) with PyTorch's floor division (-1 // inf = -1).
        (
            "tensor([0.5, -1.0], grad)",
            "x % (0.0 ** x)",
            ["tensor([nan, inf])", "tensor([nan, -inf])"],
        ),
        // softplus' linear part: PyTorch's double backward multiplies by the mask.
        (
            "tensor(-2.0, grad)",
            "softplus((x + 2.0) ** x)",
            ["tensor(inf)", "tensor(nan)"],
        ),
    ];
    for (x, f, want) in cases {
        let (code, out, err) = run(&second(x, f));
        assert_eq!(code, 0, "{f}: {err}");
        let got: Vec<String> = out
            .lines()
            .map(|l| l.replace(", grad_fn=<AddBackward>", ""))
            .collect();
        assert_eq!(got, want, "{f} at {x}");
    }
}

/// Found by tools/difftest (values): PyTorch's pow(Tensor, Scalar) computes the
/// exponents ±0.5, -1, 2, 3 and -2 by their own formulas, so `-0 ** -0.5` is
/// 1/sqrt(-0) = -inf, `-0 ** 0.5` is -0 and `-inf ** 0.5` is NaN (powf gives inf,
/// 0 and inf); the derivative p·x^(p-1) goes the same way. From PyTorch 2.15.
#[test]
fn pow_by_a_number_follows_pytorchs_special_exponents() {
    expect_lines(
        "x = tensor([-0.0, -1/0, 2.0, 0.0])\n\
         for p in (0.5, -0.5, -1, 3, -2, 1.5) { print(x ** p) }\n\
         x = tensor([-0.0, 4.0], grad)\nprint(grad(sum(x ** 1.5), x))\n\
         x = tensor([(-1.0)], grad)\nprint(sum(pow(x % x, -0.5) * x))\n",
        &[
            "tensor([-0.0000,    nan, 1.4142, 0.0000])",
            "tensor([  -inf,    nan, 0.7071,    inf])",
            "tensor([  -inf, -0.0000, 0.5000,    inf])",
            "tensor([-0., -inf, 8., 0.])",
            "tensor([   inf, 0.0000, 0.2500,    inf])",
            "tensor([0.0000,    inf, 2.8284, 0.0000])",
            "tensor([-0., 3.])",
            "tensor(inf, grad_fn=<SumBackward>)",
        ],
    );
}
