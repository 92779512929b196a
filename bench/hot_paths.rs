//! Criterion micro-benchmarks of bp's hot paths (`cargo bench --bench hot_paths`).
//!
//! - `dispatch`: whole statements through the interpreter (parse + tree walk +
//!   builtin dispatch + autodiff), the per-op overhead that W2 measures end to end.
//! - `small_ops`: single operations on 2x2 tensors straight on the autodiff API,
//!   with an input that requires grad (recorded) and without (plain).
//! - `backward_chain`: `backward` through a 1000-operation chain on a 2x2 tensor
//!   (the graph is built in untimed setup).
//! - `matmul`: square products and the W3 layer shape, forward, and forward +
//!   backward for W3.
//! - `interpreter`: the interpreter alone on numbers (W5): an empty loop iteration,
//!   variable reads and writes (globals and a function's locals), arithmetic on
//!   numbers, calls of a user function, and recursive `fib`.
//!
//! Every benchmark checks its result once before timing, so that none of them can
//! quietly time an error path.

use bp::autodiff::elementwise::{add, mul, sigmoid, tanh};
use bp::autodiff::linalg::matmul;
use bp::autodiff::reduce::sum;
use bp::autodiff::{backward, Array, BackwardOptions, Tensor};
use bp::eval::{Interpreter, Options, Value};
use bp::source::SourceId;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use ndarray::{ArrayD, IxDyn};
use std::hint::black_box;

/// Deterministic, non-constant values in [-0.5, 0.5) of the given shape.
fn filled(shape: &[usize]) -> Array {
    let mut k: u64 = 0;
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        k = k.wrapping_add(1);
        ((k.wrapping_mul(2_654_435_761) % 1000) as f64) / 1000.0 - 0.5
    })
}

fn two_by_two(values: [f64; 4]) -> Array {
    ArrayD::from_shape_vec(IxDyn(&[2, 2]), values.to_vec()).expect("2x2")
}

/// An interpreter configured as `bp run` configures it (no per-op gradients kept
/// for `:why`), printing nowhere.
fn interpreter() -> Interpreter {
    let options = Options {
        record_grads: false,
        ..Options::default()
    };
    Interpreter::new(Box::new(std::io::sink()), options)
}

fn run(interp: &mut Interpreter, text: &str) {
    if let Err(e) = interp.run_source("bench", text) {
        panic!("script failed: {e:?}\n{text}");
    }
}

fn global_tensor(interp: &Interpreter, name: &str) -> Tensor {
    match interp.global(name) {
        Some(Value::Tensor(t)) => t.clone(),
        Some(v) => panic!("{name} is a {}, not a tensor", v.type_name()),
        None => panic!("{name} is not defined"),
    }
}

fn assert_close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{what}: got {got}, want {want}"
    );
}

// `Interpreter::run_source` is the only public way to run code, and it parses the
// text on every call. Each timed call therefore runs a loop of LOOP iterations so
// that parsing is a small share of it; `dispatch/parse_only/*` times the parse
// alone so that it can be subtracted.
const LOOP: u64 = 1000;
const W2_STEPS: u64 = 200;

const MUL_ADD_SETUP: &str =
    "a = [[1, 2], [3, 4]]\nb = [[0.5, 0.25], [2, 1]]\nc = [[1, 1], [1, 1]]\n";
const MUL_ADD_SETUP_GRAD: &str =
    "a = tensor([[1, 2], [3, 4]], grad)\nb = [[0.5, 0.25], [2, 1]]\nc = [[1, 1], [1, 1]]\n";
const MUL_ADD_LOOP: &str = "for i in range(1000) { y = a * b + c }";

const W2_SETUP: &str = "x = [[0.5, -1], [1.5, 2]]
yt = [[1], [0]]
w = tensor([[0.1], [-0.2]], grad)
b = tensor(0, grad)
";
/// The body of bench/workloads/tiny_steps.bp, W2_STEPS steps.
const W2_LOOP: &str = "for i in range(200) {
    y = sigmoid(x @ w + b)
    loss = mean(0.5 * (y - yt) ** 2)
    backward(loss)
    no_grad {
        w -= 0.5 * w.grad
        b -= 0.5 * b.grad
    }
    zero_grad(w, b)
}";

fn dispatch(c: &mut Criterion) {
    // Sanity: the whole of W2 (10k steps) ends on the loss every implementation
    // reaches, so the script below runs the real workload.
    let mut check = interpreter();
    run(
        &mut check,
        &format!(
            "{W2_SETUP}{}",
            W2_LOOP.replace("range(200)", "range(10000)")
        ),
    );
    let loss = global_tensor(&check, "loss").item().expect("scalar loss");
    assert!(
        (loss / 2.86511e-05 - 1.0).abs() < 2e-6,
        "W2 final loss {loss}, want 2.86511e-05"
    );

    let mut group = c.benchmark_group("dispatch");

    for (name, text) in [("mul_add", MUL_ADD_LOOP), ("w2_steps", W2_LOOP)] {
        group.bench_function(format!("parse_only/{name}"), |bench| {
            let parsed = bp::syntax::parse(text, SourceId(0));
            assert!(parsed.diagnostics.is_empty() && parsed.program.is_some());
            bench.iter(|| bp::syntax::parse(black_box(text), SourceId(0)))
        });
    }

    // y = a * b + c on 2x2 tensors, 1000 times per call: two operations and an
    // assignment per iteration. Throughput counts loop iterations (steps below).
    // Each call takes a millisecond or more: 50 samples fit in a short run.
    group.sample_size(50);
    group.throughput(Throughput::Elements(LOOP));
    for (name, setup, recorded) in [
        ("mul_add_loop_1000/plain", MUL_ADD_SETUP, false),
        ("mul_add_loop_1000/recorded", MUL_ADD_SETUP_GRAD, true),
    ] {
        let mut interp = interpreter();
        run(&mut interp, setup);
        run(&mut interp, MUL_ADD_LOOP);
        let y = global_tensor(&interp, "y");
        assert_eq!(y.requires_grad(), recorded);
        let want = [1.5, 1.5, 7.0, 5.0];
        for (got, want) in y.data().iter().zip(want) {
            assert_close(*got, want, "a * b + c");
        }
        group.bench_function(name, |bench| {
            bench.iter(|| run(&mut interp, black_box(MUL_ADD_LOOP)))
        });
    }

    // W2's training step (forward, backward, in-place SGD, zero_grad), 200 per call.
    group.throughput(Throughput::Elements(W2_STEPS));
    let mut interp = interpreter();
    run(&mut interp, W2_SETUP);
    run(&mut interp, W2_LOOP);
    let loss = global_tensor(&interp, "loss").item().expect("scalar loss");
    assert!(
        loss.is_finite() && loss < 0.5,
        "W2 loss after 200 steps: {loss}"
    );
    group.bench_function("w2_steps_200", |bench| {
        bench.iter(|| run(&mut interp, black_box(W2_LOOP)))
    });
    group.finish();
}

fn small_ops(c: &mut Criterion) {
    let mut group = c.benchmark_group("small_ops");
    for recorded in [false, true] {
        let mode = if recorded { "recorded" } else { "plain" };
        let a = Tensor::leaf(two_by_two([1.0, -2.0, 3.0, 0.5]), recorded);
        let b = Tensor::leaf(two_by_two([0.5, 0.25, -1.0, 2.0]), false);

        let check = |t: &Tensor, want: &[f64]| {
            assert_eq!(t.requires_grad(), recorded);
            assert_eq!(t.node().is_some(), recorded);
            for (got, want) in t.data().iter().zip(want) {
                assert_close(*got, *want, "small op");
            }
        };
        check(&add(&a, &b).expect("add"), &[1.5, -1.75, 2.0, 2.5]);
        check(&mul(&a, &b).expect("mul"), &[0.5, -0.5, -3.0, 1.0]);
        let want: Vec<f64> = a.data().iter().map(|v| 1.0 / (1.0 + (-v).exp())).collect();
        check(&sigmoid(&a), &want);
        let total = sum(&a, None, false);
        assert!(total.shape().is_empty());
        check(&total, &[2.5]);

        group.bench_function(format!("add/{mode}"), |bench| {
            bench.iter(|| add(black_box(&a), black_box(&b)))
        });
        group.bench_function(format!("mul/{mode}"), |bench| {
            bench.iter(|| mul(black_box(&a), black_box(&b)))
        });
        group.bench_function(format!("sigmoid/{mode}"), |bench| {
            bench.iter(|| sigmoid(black_box(&a)))
        });
        group.bench_function(format!("sum/{mode}"), |bench| {
            bench.iter(|| sum(black_box(&a), None, false))
        });
    }
    group.finish();
}

const CHAIN: usize = 1000;

/// x, and sum((((x * k) + c) * k + c) ...): CHAIN elementwise operations alternating
/// `* k` and `+ c`, then a sum to a scalar root.
fn mul_add_chain() -> (Tensor, Tensor) {
    let x = Tensor::leaf(two_by_two([0.1, 0.2, 0.3, 0.4]), true);
    let k = Tensor::scalar(1.0001);
    let c = Tensor::scalar(0.0001);
    let mut y = x.clone();
    for i in 0..CHAIN {
        y = if i % 2 == 0 {
            mul(&y, &k).expect("mul")
        } else {
            add(&y, &c).expect("add")
        };
    }
    (x, sum(&y, None, false))
}

/// x, and sum(tanh(tanh(... x))) with CHAIN tanh.
fn tanh_chain() -> (Tensor, Tensor) {
    let x = Tensor::leaf(two_by_two([0.1, 0.2, 0.3, 0.4]), true);
    let mut y = x.clone();
    for _ in 0..CHAIN {
        y = tanh(&y);
    }
    (x, sum(&y, None, false))
}

fn backward_chain(c: &mut Criterion) {
    let seed = Tensor::scalar(1.0);
    let run_backward = |(x, root): (Tensor, Tensor)| {
        backward(&root, &seed, None, BackwardOptions::default()).expect("backward");
        // Returned so that dropping the graph happens outside the timed section.
        (x, root)
    };

    // d/dx of the mul/add chain is 1.0001^(CHAIN/2) for every element.
    let (x, _) = run_backward(mul_add_chain());
    let want = 1.0001f64.powi((CHAIN / 2) as i32);
    for g in x.grad().expect("x.grad").data().iter() {
        assert_close(*g, want, "mul/add chain gradient");
    }
    let (x, _) = run_backward(tanh_chain());
    let grads = x.grad().expect("x.grad").data();
    assert!(grads.iter().all(|g| g.is_finite() && *g > 0.0 && *g < 1.0));

    let mut group = c.benchmark_group("backward_chain");
    group.throughput(Throughput::Elements(CHAIN as u64));
    group.bench_function("mul_add_1000", |bench| {
        bench.iter_batched(
            mul_add_chain,
            |g| run_backward(black_box(g)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("tanh_1000", |bench| {
        bench.iter_batched(
            tanh_chain,
            |g| run_backward(black_box(g)),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn matmul_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul");
    // The large products take milliseconds each: sample flat and fewer times.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);

    for (name, m, k, n) in [
        ("64x64@64x64", 64, 64, 64),
        ("256x256@256x256", 256, 256, 256),
        ("w3_512x784@784x256", 512, 784, 256),
    ] {
        let a = Tensor::leaf(filled(&[m, k]), false);
        let b = Tensor::leaf(filled(&[k, n]), false);
        let y = matmul(&a, &b).expect("matmul");
        assert_eq!(y.shape(), vec![m, n]);
        let (ad, bd) = (a.data(), b.data());
        let want: f64 = (0..k).map(|j| ad[[0, j]] * bd[[j, 0]]).sum();
        assert_close(y.data()[[0, 0]], want, "matmul [0, 0]");
        // Throughput in floating-point operations: criterion's "elem/s" reads as FLOP/s.
        group.throughput(Throughput::Elements((2 * m * k * n) as u64));
        group.bench_function(format!("forward/{name}"), |bench| {
            bench.iter(|| matmul(black_box(&a), black_box(&b)))
        });
    }

    // W3's first layer: y = a @ b, then backward from y with a ones seed, which
    // computes g @ b^T and a^T @ g (two more products of the same size).
    let (m, k, n) = (512, 784, 256);
    let a = Tensor::leaf(filled(&[m, k]), true);
    let b = Tensor::leaf(filled(&[k, n]), true);
    let seed = Tensor::constant(ArrayD::from_elem(IxDyn(&[m, n]), 1.0));
    let forward_backward = || {
        a.set_grad(None);
        b.set_grad(None);
        let y = matmul(black_box(&a), black_box(&b)).expect("matmul");
        backward(&y, &seed, None, BackwardOptions::default()).expect("backward");
        y
    };
    forward_backward();
    let ga = a.grad().expect("a.grad");
    let gb = b.grad().expect("b.grad");
    assert_eq!(ga.shape(), vec![m, k]);
    assert_eq!(gb.shape(), vec![k, n]);
    // d(sum y)/da[0, j] = sum of row j of b; d/db[j, 0] = sum of column j of a.
    let bd = b.data();
    let ad = a.data();
    assert_close(
        ga.data()[[0, 3]],
        (0..n).map(|i| bd[[3, i]]).sum(),
        "a.grad",
    );
    assert_close(
        gb.data()[[3, 0]],
        (0..m).map(|i| ad[[i, 3]]).sum(),
        "b.grad",
    );
    group.throughput(Throughput::Elements((3 * 2 * m * k * n) as u64));
    group.bench_function("forward_backward/w3_512x784@784x256", |bench| {
        bench.iter(forward_backward)
    });
    group.finish();
}

/// Iterations of each `interpreter` loop: enough that parsing (once per call) is noise.
const ITERS: u64 = 10_000;

fn interpreter_benches(c: &mut Criterion) {
    // (name, script, the global to check, its expected value, elements per call)
    let cases: [(&str, &str, &str, f64, u64); 7] = [
        (
            "loop_iteration",
            "i = 0\nwhile i < 10000 { i = i + 1 }",
            "i",
            10000.0,
            ITERS,
        ),
        (
            "variable_access/globals",
            "i = 0\na = 1\nb = 2\nwhile i < 10000 { x = a\n y = b\n z = x\n i = i + 1 }",
            "z",
            1.0,
            ITERS,
        ),
        (
            "variable_access/locals",
            "fn f() { i = 0\n a = 1\n b = 2\n while i < 10000 { x = a\n y = b\n z = x\n i = i + 1 }\n return z }\nr = f()",
            "r",
            1.0,
            ITERS,
        ),
        (
            "arithmetic",
            "s = 0\ni = 0\nwhile i < 10000 { s = s + i * 0.5 - (i % 7)\n i = i + 1 }",
            "s",
            24_967_506.0,
            ITERS,
        ),
        (
            "calls/one_argument",
            "fn id(x) { return x }\ni = 0\nwhile i < 10000 { i = id(i) + 1 }",
            "i",
            10000.0,
            ITERS,
        ),
        (
            "calls/closure_reads_captured",
            "fn outer() { k = 1\n fn inner(x) { return x + k }\n i = 0\n while i < 10000 { i = inner(i) }\n return i }\nr = outer()",
            "r",
            10000.0,
            ITERS,
        ),
        // fib(15) makes 1973 calls.
        (
            "calls/fib_15",
            "fn fib(n) { if n < 2 { return n }\n return fib(n - 1) + fib(n - 2) }\nr = fib(15)",
            "r",
            610.0,
            1973,
        ),
    ];
    let mut group = c.benchmark_group("interpreter");
    group.sample_size(30);
    for (name, text, global, want, elements) in cases {
        let mut interp = interpreter();
        run(&mut interp, text);
        match interp.global(global) {
            Some(Value::Num(got)) => assert_close(*got, want, name),
            _ => panic!("{name}: {global} is not a number"),
        }
        group.throughput(Throughput::Elements(elements));
        group.bench_function(name, |bench| {
            bench.iter(|| run(&mut interp, black_box(text)))
        });
        // `run_source` parses on every call: the parse alone, to subtract.
        group.bench_function(format!("parse_only/{name}"), |bench| {
            let parsed = bp::syntax::parse(text, SourceId(0));
            assert!(parsed.diagnostics.is_empty() && parsed.program.is_some());
            bench.iter(|| bp::syntax::parse(black_box(text), SourceId(0)))
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    dispatch,
    small_ops,
    backward_chain,
    matmul_benches,
    interpreter_benches
);
criterion_main!(benches);
