//! Optimizers (SPEC §14) against torch.optim: the same problem (least squares on six
//! points, `w` of shape [2] and a 0-d `b`), 25 steps of each configuration, the loss
//! and the parameters compared with the values PyTorch 2 computed in float64.
//! The expected numbers were made once by the Python script in `REFERENCE` (its text is in the
//! module `REFERENCE` below) and are pinned here; CI does not need PyTorch.

mod common;

/// The script that printed the expected values (run with PyTorch, float64).
#[allow(dead_code)]
const REFERENCE: &str = r#"
import torch
torch.set_default_dtype(torch.float64)
X = torch.tensor([[0.5, -1], [1.5, 2], [-0.3, 0.8], [2, -0.5], [1, 1], [-1.2, 0.3]])
Y = torch.tensor([1, 2.5, -0.4, 0.7, 1.8, -1.5])
configs = [
 ("sgd", dict(lr=0.05)),
 ("sgd", dict(lr=0.05, momentum=0.9)),
 ("sgd", dict(lr=0.05, momentum=0.9, dampening=0.5)),
 ("sgd", dict(lr=0.05, weight_decay=0.1)),
 ("sgd", dict(lr=0.03, momentum=0.8, nesterov=True)),
 ("sgd", dict(lr=0.03, momentum=0.8, nesterov=True, weight_decay=0.05)),
 ("adam", dict(lr=0.1)),
 ("adam", dict(lr=0.05, betas=(0.3, 0.9))),
 ("adam", dict(lr=0.05, eps=0.1)),
 ("adam", dict(lr=0.05, weight_decay=0.2)),
 ("adamw", dict(lr=0.05)),
 ("adamw", dict(lr=0.1, weight_decay=0.5, betas=(0.6, 0.95))),
]
def bpargs(d):
    out=[]
    for k,v in d.items():
        if k=="nesterov": out.append("nesterov=true")
        elif k=="betas": out.append(f"betas=({v[0]!r}, {v[1]!r})")
        else: out.append(f"{k}={v!r}")
    return ", ".join(out)
for name, kw in configs:
    w = torch.tensor([0.1, -0.2], requires_grad=True)
    b = torch.tensor(0.05, requires_grad=True)
    opt = getattr(torch.optim, {"sgd":"SGD","adam":"Adam","adamw":"AdamW"}[name])([w, b], **kw)
    for i in range(25):
        loss = ((X @ w + b - Y)**2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f'    ("{name}({{p}}, {bpargs(kw)})", {loss.item()!r}, [{w[0].item()!r}, {w[1].item()!r}], {b.item()!r}),')
"#;

/// (constructor with `{p}` for the parameters, loss, w, b) after 25 steps.
const CASES: &[(&str, f64, [f64; 2], f64)] = &[
    (
        "sgd({p}, lr=0.05)",
        0.43940136941188906,
        [0.9072461784268453, 0.3662800688176497],
        0.0705375702629385,
    ),
    (
        "sgd({p}, lr=0.05, momentum=0.9)",
        0.471119903834083,
        [0.7745165275894187, 0.27877409030595396],
        -0.0514325458746225,
    ),
    (
        "sgd({p}, lr=0.05, momentum=0.9, dampening=0.5)",
        0.4674306978435543,
        [1.1469500987024401, 0.5701900040198689],
        -0.08425602850677615,
    ),
    (
        "sgd({p}, lr=0.05, weight_decay=0.1)",
        0.4440886041071416,
        [0.8803849055391693, 0.3588522258714642],
        0.0769958071974031,
    ),
    (
        "sgd({p}, lr=0.03, momentum=0.8, nesterov=true)",
        0.4225356795804503,
        [0.9920729940073255, 0.4484236548821936],
        -0.0951781320381852,
    ),
    (
        "sgd({p}, lr=0.03, momentum=0.8, nesterov=true, weight_decay=0.05)",
        0.4218652177140097,
        [0.970727599491895, 0.437528083912801],
        -0.07563341758278874,
    ),
    (
        "adam({p}, lr=0.1)",
        0.49028229883931207,
        [1.0240968766746346, 0.37963762827315894],
        -0.3234877845934624,
    ),
    (
        "adam({p}, lr=0.05, betas=(0.3, 0.9))",
        0.44498461980520365,
        [0.8618916466965155, 0.40065383841860625],
        0.04480477622456193,
    ),
    (
        "adam({p}, lr=0.05, eps=0.1)",
        0.5033445441225621,
        [0.9123302095807228, 0.4508709975928069],
        0.20158017600151507,
    ),
    (
        "adam({p}, lr=0.05, weight_decay=0.2)",
        0.4585075662493341,
        [0.8960235770614221, 0.4328361684319715],
        0.10622033035207197,
    ),
    (
        "adamw({p}, lr=0.05)",
        0.47930662112621697,
        [0.9224641501029218, 0.451231724399773],
        0.14478268286863535,
    ),
    (
        "adamw({p}, lr=0.1, weight_decay=0.5, betas=(0.6, 0.95))",
        0.45319319431125843,
        [0.8199608181207078, 0.3978895799090263],
        0.03315857273684683,
    ),
];

fn run(source: &str) -> (bp::Exit, String, String) {
    let mut err = Vec::new();
    let out = common::Shared::default();
    let dir = common::TempDir::new("optim");
    let options = bp::eval::Options {
        script_dir: Some(dir.path().to_path_buf()),
        ..bp::eval::Options::default()
    };
    let exit = bp::run(
        source,
        "<optim>",
        Box::new(out.clone()),
        &mut err,
        options,
        false,
        None,
    );
    let stdout = out.text();
    (exit, stdout, String::from_utf8_lossy(&err).into_owned())
}

const PROBLEM: &str = "
X = [[0.5, -1], [1.5, 2], [-0.3, 0.8], [2, -0.5], [1, 1], [-1.2, 0.3]]
Y = [1, 2.5, -0.4, 0.7, 1.8, -1.5]
w = tensor([0.1, -0.2], grad)
b = tensor(0.05, grad)
";

#[test]
fn every_option_matches_torch_optim_over_25_steps() {
    let mut worst: f64 = 0.0;
    for (ctor, loss, w, b) in CASES {
        let ctor = ctor.replace("{p}", "(w, b)");
        let script = format!(
            "{PROBLEM}opt = {ctor}\nfor i in range(25) {{\n  loss = mse_loss(X @ w + b, Y)\n  opt.zero_grad()\n  backward(loss)\n  opt.step()\n}}\nprint(item(loss), item(w[0]), item(w[1]), item(b))\nprint(opt)\n"
        );
        let (exit, out, err) = run(&script);
        assert_eq!(exit, bp::Exit::Success, "{ctor}: {err}");
        let mut lines = out.lines();
        let got: Vec<f64> = lines
            .next()
            .unwrap_or("")
            .split(' ')
            .map(|x| x.parse().expect("a number"))
            .collect();
        let want = [*loss, w[0], w[1], *b];
        for (g, e) in got.iter().zip(want) {
            let rel = (g - e).abs() / e.abs().max(1e-300);
            worst = worst.max(rel);
            assert!(
                rel <= 1e-12,
                "{ctor}: got {g}, torch {e} (relative {rel:e})"
            );
        }
        let shown = lines.next().unwrap_or("");
        assert!(shown.ends_with(", 2 parameters, 25 steps>"), "{shown}");
    }
    // Same operations in the same order: agreement is to the last bit or two.
    assert!(worst <= 1e-14, "worst relative difference {worst:e}");
}

#[test]
fn display_lr_set_lr_and_parameters_without_grad() {
    let (exit, out, err) = run(
        "w = tensor([1, 2], grad)\nv = tensor([3], grad)\nopt = adam((w, v))\nprint(opt)\nprint(opt.lr)\nset_lr(opt, 0.5)\nprint(opt.lr)\nbackward(sum(w * w))\nopt.step()\nprint(v)\nprint(opt)\no2 = sgd(w, lr=0.1)\nprint(o2)\n",
    );
    assert_eq!(exit, bp::Exit::Success, "{err}");
    assert_eq!(
        out,
        "<adam lr=0.001, 2 parameters, 0 steps>\n0.001\n0.5\ntensor([3.], requires_grad=True)\n<adam lr=0.5, 2 parameters, 1 step>\n<sgd lr=0.1, 1 parameter, 0 steps>\n"
    );
}

#[test]
fn a_step_does_not_change_what_a_live_graph_saved() {
    // y saved w = [1, 2]; the step changes w, but y's backward uses the saved values.
    let (exit, out, err) = run(
        "w = tensor([1, 2], grad)\nopt = sgd((w,), lr=0.5)\nbackward(sum(w * w))\ny = sum(w * w * w)\nopt.step()\nprint(w)\nopt.zero_grad()\nbackward(y)\nprint(w.grad)\n",
    );
    assert_eq!(exit, bp::Exit::Success, "{err}");
    // After the step w = [0, 0]; dy/dw = 3 w^2 at the recorded [1, 2] is [3, 12].
    assert_eq!(
        out,
        "tensor([0., 0.], requires_grad=True)\ntensor([ 3., 12.])\n"
    );
}

#[test]
fn bad_arguments_are_errors() {
    for (src, needle) in [
        (
            "x = tensor([1, 2], grad)\nsgd((x * 2,), lr=0.1)",
            "not a leaf",
        ),
        (
            "x = tensor([1, 2], grad)\nsgd((x,))",
            "argument 'lr' is missing",
        ),
        (
            "x = tensor([1, 2], grad)\nadam((x,), betas=(1.5, 0.9))",
            "betas must be two numbers",
        ),
        (
            "x = tensor([1, 2], grad)\nsgd((x,), lr=0.1, nesterov=true)",
            "nesterov",
        ),
        (
            "x = tensor([1, 2], grad)\nopt = sgd((x,), lr=-1)",
            "must be a number >= 0",
        ),
        (
            "x = tensor([1, 2], grad)\nopt = sgd((x,), lr=1)\nopt.jump()",
            "no method 'jump'",
        ),
        ("set_lr(3, 0.1)", "an optimizer"),
    ] {
        let (exit, _, err) = run(src);
        assert_eq!(exit, bp::Exit::RuntimeError, "{src}");
        assert!(err.contains(needle), "{src}: {err}");
    }
}

#[test]
fn a_manual_step_in_a_loop_matches_the_same_step_written_out() {
    // Inside a loop, `w -= lr * w.grad` updates in place without making the product;
    // at top level the tree-walker makes it. The values must agree to the bit, and
    // a shape that does not match, a plain tensor and a number still go the general way.
    let (exit, out, err) = run(
        "X = [[0.5, -1], [1.5, 2]]\nw = tensor([[0.1], [-0.2]], grad)\nb = tensor(0.05, grad)\nw2 = tensor([[0.1], [-0.2]], grad)\nb2 = tensor(0.05, grad)\nc = tensor([1, 2])\nfor i in range(3) {\n  backward(sum(sigmoid(X @ w + b) ** 2))\n  no_grad { w -= 0.3 * w.grad\n b += -0.7 * b.grad\n w += 0.1 * tensor([[1], [2]])\n c -= 2 * c\n b -= 2 * 3 }\n  zero_grad(w, b)\n}\nbackward(sum(sigmoid(X @ w2 + b2) ** 2))\nno_grad { w2 -= 0.3 * w2.grad\n b2 += -0.7 * b2.grad\n w2 += 0.1 * tensor([[1], [2]])\n b2 -= 2 * 3 }\nzero_grad(w2, b2)\nbackward(sum(sigmoid(X @ w2 + b2) ** 2))\nno_grad { w2 -= 0.3 * w2.grad\n b2 += -0.7 * b2.grad\n w2 += 0.1 * tensor([[1], [2]])\n b2 -= 2 * 3 }\nzero_grad(w2, b2)\nbackward(sum(sigmoid(X @ w2 + b2) ** 2))\nno_grad { w2 -= 0.3 * w2.grad\n b2 += -0.7 * b2.grad\n w2 += 0.1 * tensor([[1], [2]])\n b2 -= 2 * 3 }\nprint(item(sum(w != w2)), item(sum(b != b2)), c)\nfor i in range(1) { w -= 0.5 * w }\n",
    );
    assert_eq!(exit, bp::Exit::RuntimeError, "{err}");
    assert_eq!(out, "0 0 tensor([-1., -2.])\n", "{err}");
    assert!(err.contains("in-place update of a leaf"), "{err}");
}

#[test]
fn one_call_site_checks_each_builtin_it_calls() {
    // A compiled call site skips the argument check of the builtin it checked last;
    // another builtin there is checked again.
    let (exit, out, err) = run(
        "fn app(f, x) { return f(x) }\nfor i in range(2) { print(app(abs, -2)) }\nprint(app(mse_loss, 1))\n",
    );
    assert_eq!(exit, bp::Exit::RuntimeError, "{err}");
    assert_eq!(out, "2\n2\n");
    assert!(
        err.contains("mse_loss() takes 2 arguments; found 1"),
        "{err}"
    );
}
