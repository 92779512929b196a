//! PyTorch's autograd semantics at the library level, and constant memory.

use bp::autodiff::elementwise as ew;
use bp::autodiff::{
    backward, grad_enabled, linalg, live_nodes, nn, reduce, set_current_span, with_grad_mode,
    Anomaly, Array, BackwardOptions, Tensor, TensorError,
};
use bp::source::{SourceId, Span};
use ndarray::{ArrayD, IxDyn};

fn arr(shape: &[usize], values: &[f64]) -> Array {
    ArrayD::from_shape_vec(IxDyn(shape), values.to_vec()).unwrap()
}

fn vec_of(t: &Tensor) -> Vec<f64> {
    t.data().iter().copied().collect()
}

fn one() -> Tensor {
    Tensor::scalar(1.0)
}

fn opts() -> BackwardOptions {
    BackwardOptions::default()
}

fn retain() -> BackwardOptions {
    BackwardOptions {
        retain_graph: true,
        ..BackwardOptions::default()
    }
}

fn span(start: usize) -> Span {
    Span::new(SourceId(0), start, start + 1)
}

fn sum(t: &Tensor) -> Tensor {
    reduce::sum(t, None, false)
}

fn close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
}

#[test]
fn gradients_accumulate_across_backward_calls() {
    let x = Tensor::leaf(arr(&[3], &[1.0, -2.0, 0.5]), true);
    let y = sum(&ew::mul(&x, &x).unwrap());
    backward(&y, &one(), None, opts()).unwrap();
    assert_eq!(vec_of(&x.grad().unwrap()), vec![2.0, -4.0, 1.0]);
    // A second, separate graph adds to .grad.
    let y = sum(&ew::mul(&x, &Tensor::scalar(3.0)).unwrap());
    backward(&y, &one(), None, opts()).unwrap();
    assert_eq!(vec_of(&x.grad().unwrap()), vec![5.0, -1.0, 4.0]);
    // The same graph twice with retain_graph: twice its gradient.
    let z = Tensor::leaf(arr(&[2], &[1.0, 2.0]), true);
    let y = sum(&ew::exp(&z));
    backward(&y, &one(), None, retain()).unwrap();
    backward(&y, &one(), None, opts()).unwrap();
    assert!(close(
        &vec_of(&z.grad().unwrap()),
        &[2.0 * 1f64.exp(), 2.0 * 2f64.exp()]
    ));
    // The accumulated gradient is not recorded.
    assert!(!z.grad().unwrap().requires_grad());
    // zero_grad sets it back to none.
    z.set_grad(None);
    assert!(z.grad().is_none());
}

#[test]
fn backward_frees_the_graph_unless_retained() {
    let x = Tensor::leaf(arr(&[2], &[1.0, 2.0]), true);
    set_current_span(span(5));
    let y = sum(&ew::sin(&x));
    set_current_span(Span::default());
    let first = BackwardOptions {
        span: span(40),
        ..BackwardOptions::default()
    };
    backward(&y, &one(), None, first).unwrap();
    let err = backward(&y, &one(), None, opts()).unwrap_err();
    match err {
        TensorError::Freed {
            freed_by,
            node_span,
        } => {
            assert_eq!(freed_by, span(40));
            assert_eq!(node_span, span(5));
        }
        other => panic!("expected Freed, got {other:?}"),
    }
    // The first gradient was delivered once, and the failed call added nothing.
    assert!(close(
        &vec_of(&x.grad().unwrap()),
        &[1f64.cos(), 2f64.cos()]
    ));

    // With retain_graph the graph survives until a backward without it.
    let x = Tensor::leaf(arr(&[], &[3.0]), true);
    let y = ew::mul(&x, &x).unwrap();
    for _ in 0..3 {
        backward(&y, &one(), None, retain()).unwrap();
    }
    backward(&y, &one(), None, opts()).unwrap();
    assert_eq!(x.grad().unwrap().item(), Some(24.0));
    assert!(matches!(
        backward(&y, &one(), None, opts()),
        Err(TensorError::Freed { .. })
    ));
    // grad() (targets) frees the graph too.
    let y = ew::mul(&x, &x).unwrap();
    backward(&y, &one(), Some(std::slice::from_ref(&x)), opts()).unwrap();
    assert!(matches!(
        backward(&y, &one(), Some(std::slice::from_ref(&x)), opts()),
        Err(TensorError::Freed { .. })
    ));
}

#[test]
fn independent_graphs_are_independent() {
    let x = Tensor::leaf(arr(&[2], &[1.0, 2.0]), true);
    let y1 = sum(&ew::mul(&x, &Tensor::scalar(2.0)).unwrap());
    let y2 = sum(&ew::mul(&x, &x).unwrap());
    backward(&y1, &one(), None, opts()).unwrap();
    backward(&y2, &one(), None, opts()).unwrap();
    assert_eq!(vec_of(&x.grad().unwrap()), vec![4.0, 6.0]);
    // Graphs sharing a recorded intermediate are not independent: as in PyTorch,
    // the second backward through the freed part is an error.
    let h = ew::exp(&x);
    let y1 = sum(&h);
    let y2 = sum(&ew::mul(&h, &h).unwrap());
    backward(&y1, &one(), None, opts()).unwrap();
    assert!(matches!(
        backward(&y2, &one(), None, opts()),
        Err(TensorError::Freed { .. })
    ));
}

#[test]
fn no_grad_records_nothing() {
    let x = Tensor::leaf(arr(&[2], &[1.0, 2.0]), true);
    let before = live_nodes();
    let y = with_grad_mode(false, || {
        assert!(!grad_enabled());
        let y = sum(&ew::mul(&x, &x).unwrap());
        // Nested enabling works and is restored.
        let z = with_grad_mode(true, || ew::exp(&x));
        assert!(z.requires_grad());
        assert!(!grad_enabled());
        y
    });
    assert!(grad_enabled());
    assert!(!y.requires_grad());
    assert!(y.is_leaf());
    assert_eq!(y.item(), Some(5.0));
    assert_eq!(live_nodes(), before);
    assert_eq!(
        backward(&y, &one(), None, opts()).unwrap_err(),
        TensorError::NoGrad
    );
    // Operations on constants record nothing either.
    let c = Tensor::constant(arr(&[2], &[1.0, 2.0]));
    let d = ew::exp(&c);
    assert!(!d.requires_grad() && d.is_leaf());
    assert_eq!(live_nodes(), before);
}

#[test]
fn detach_cuts_the_graph() {
    let x = Tensor::leaf(arr(&[3], &[1.0, 2.0, 3.0]), true);
    let h = ew::mul(&x, &x).unwrap();
    let d = h.detach();
    assert!(!d.requires_grad() && d.is_leaf());
    assert_eq!(vec_of(&d), vec![1.0, 4.0, 9.0]);
    // y = sum(detach(x²) · x): dy/dx = x², not 3x².
    let y = sum(&ew::mul(&d, &x).unwrap());
    backward(&y, &one(), None, opts()).unwrap();
    assert_eq!(vec_of(&x.grad().unwrap()), vec![1.0, 4.0, 9.0]);
    // The graph of h was not used, so it is still intact.
    backward(&sum(&h), &one(), None, opts()).unwrap();
    assert_eq!(vec_of(&x.grad().unwrap()), vec![3.0, 8.0, 15.0]);
}

#[test]
fn retain_grad_keeps_an_intermediate_gradient() {
    let x = Tensor::leaf(arr(&[2], &[1.0, 2.0]), true);
    let h = ew::mul(&x, &x).unwrap();
    let k = ew::exp(&h);
    h.set_retains_grad();
    let w = Tensor::constant(arr(&[2], &[3.0, -1.0]));
    let y = sum(&ew::mul(&h, &w).unwrap());
    let y = ew::add(&y, &sum(&k)).unwrap();
    backward(&y, &one(), None, opts()).unwrap();
    // dy/dh = w + exp(h)
    let want_h = [3.0 + 1f64.exp(), -1.0 + 4f64.exp()];
    assert!(close(&vec_of(&h.grad().unwrap()), &want_h));
    assert!(
        k.grad().is_none(),
        "a non-leaf without retain_grad keeps no gradient"
    );
    assert!(close(
        &vec_of(&x.grad().unwrap()),
        &[2.0 * want_h[0], 4.0 * want_h[1]]
    ));
    // retain_grad on a leaf changes nothing.
    x.set_retains_grad();
    assert!(!x.retains_grad());
}

#[test]
fn backward_of_a_tensor_that_does_not_require_grad_is_an_error() {
    let c = Tensor::constant(arr(&[], &[2.0]));
    assert_eq!(
        backward(&c, &one(), None, opts()).unwrap_err(),
        TensorError::NoGrad
    );
    let x = Tensor::leaf(arr(&[], &[2.0]), false);
    let y = ew::mul(&x, &c).unwrap();
    assert_eq!(
        backward(&y, &one(), None, opts()).unwrap_err(),
        TensorError::NoGrad
    );
    // A seed of the wrong shape is an error too.
    let x = Tensor::leaf(arr(&[2], &[1.0, 2.0]), true);
    let y = ew::exp(&x);
    assert!(matches!(
        backward(&y, &one(), None, opts()),
        Err(TensorError::Shapes { .. })
    ));
    // A vector-Jacobian product from a seed of the output's shape.
    let v = Tensor::constant(arr(&[2], &[1.0, 10.0]));
    backward(&y, &v, None, opts()).unwrap();
    assert!(close(
        &vec_of(&x.grad().unwrap()),
        &[1f64.exp(), 10.0 * 2f64.exp()]
    ));
}

#[test]
fn grad_of_targets_leaves_dot_grad_untouched() {
    let x = Tensor::leaf(arr(&[2], &[1.0, 2.0]), true);
    let b = Tensor::leaf(arr(&[], &[5.0]), true);
    let unused = Tensor::leaf(arr(&[], &[7.0]), true);
    x.set_grad(Some(Tensor::constant(arr(&[2], &[100.0, 200.0]))));
    let h = ew::mul(&x, &x).unwrap();
    let y = sum(&ew::mul(&h, &b).unwrap());
    let out = backward(
        &y,
        &one(),
        Some(&[x.clone(), h.clone(), unused.clone()]),
        opts(),
    )
    .unwrap();
    assert_eq!(out.grads.len(), 3);
    assert_eq!(vec_of(out.grads[0].as_ref().unwrap()), vec![10.0, 20.0]);
    assert_eq!(vec_of(out.grads[1].as_ref().unwrap()), vec![5.0, 5.0]);
    assert!(out.grads[2].is_none());
    assert_eq!(vec_of(&x.grad().unwrap()), vec![100.0, 200.0]);
    assert!(b.grad().is_none());
    assert!(h.grad().is_none());
}

#[test]
fn anomaly_detection_names_the_sqrt_of_zero() {
    let x = Tensor::leaf(arr(&[3], &[1.0, 0.0, 4.0]), true);
    set_current_span(span(10));
    let a = ew::mul(&x, &Tensor::scalar(2.0)).unwrap();
    set_current_span(span(20));
    let b = ew::sqrt(&a);
    set_current_span(span(30));
    let c = ew::mul(&b, &Tensor::scalar(3.0)).unwrap();
    set_current_span(span(40));
    let y = sum(&c);
    set_current_span(Span::default());
    assert_eq!(b.node().unwrap().span, span(20));
    let options = BackwardOptions {
        detect_anomalies: true,
        ..BackwardOptions::default()
    };
    let out = backward(&y, &one(), None, options).unwrap();
    assert_eq!(
        out.anomaly,
        Some(Anomaly {
            span: span(20),
            op: "sqrt",
            kind: "inf",
            input_value: Some(0.0),
        })
    );
    assert!(x.grad().unwrap().data()[1].is_infinite());

    // Finite gradients: no anomaly.
    let x = Tensor::leaf(arr(&[2], &[1.0, 4.0]), true);
    let y = sum(&ew::sqrt(&x));
    let out = backward(&y, &one(), None, options).unwrap();
    assert_eq!(out.anomaly, None);

    // log(0): the infinite gradient is born in log, not in the mul after it.
    let x = Tensor::leaf(arr(&[2], &[0.0, 1.0]), true);
    set_current_span(span(50));
    let l = ew::log(&x);
    set_current_span(span(60));
    let y = sum(&ew::mul(&l, &Tensor::constant(arr(&[2], &[1.0, 1.0]))).unwrap());
    set_current_span(Span::default());
    let out = backward(&y, &one(), Some(std::slice::from_ref(&x)), options).unwrap();
    let anomaly = out.anomaly.expect("an anomaly");
    assert_eq!(
        (anomaly.span, anomaly.op, anomaly.kind),
        (span(50), "log", "inf")
    );
}

#[test]
fn replacing_a_leaf_after_recording_keeps_the_saved_value() {
    let x = Tensor::leaf(arr(&[3], &[1.0, 2.0, 3.0]), true);
    let y = sum(&ew::mul(&x, &x).unwrap());
    let z = sum(&ew::sin(&x));
    x.replace_data(arr(&[3], &[10.0, 20.0, 30.0]));
    assert_eq!(vec_of(&x), vec![10.0, 20.0, 30.0]);
    backward(&y, &one(), None, opts()).unwrap();
    assert_eq!(vec_of(&x.grad().unwrap()), vec![2.0, 4.0, 6.0]);
    x.set_grad(None);
    backward(&z, &one(), None, opts()).unwrap();
    assert!(close(
        &vec_of(&x.grad().unwrap()),
        &[1f64.cos(), 2f64.cos(), 3f64.cos()]
    ));
    // With create_graph the backward pass uses the recorded input itself, which no
    // longer holds the saved value: an error, never the derivative at the new value.
    let x = Tensor::leaf(arr(&[3], &[1.0, 2.0, 3.0]), true);
    let y = sum(&ew::mul(&x, &x).unwrap());
    x.replace_data(arr(&[3], &[10.0, 20.0, 30.0]));
    let create = BackwardOptions {
        create_graph: true,
        retain_graph: true,
        ..BackwardOptions::default()
    };
    let r = backward(&y, &one(), Some(std::slice::from_ref(&x)), create);
    assert!(matches!(r, Err(TensorError::Other(_))), "{r:?}");
}

#[test]
fn create_graph_gives_a_differentiable_gradient() {
    // y = x³: dy/dx = 3x², d²y/dx² = 6x, d³y/dx³ = 6.
    let x = Tensor::leaf(arr(&[], &[2.0]), true);
    let y = ew::mul(&ew::mul(&x, &x).unwrap(), &x).unwrap();
    let xs = std::slice::from_ref(&x);
    let create = BackwardOptions {
        create_graph: true,
        retain_graph: true,
        ..BackwardOptions::default()
    };
    let g1 = backward(&y, &one(), Some(xs), create).unwrap().grads[0]
        .clone()
        .unwrap();
    assert_eq!(g1.item(), Some(12.0));
    assert!(g1.requires_grad());
    let g2 = backward(&g1, &one(), Some(xs), create).unwrap().grads[0]
        .clone()
        .unwrap();
    assert_eq!(g2.item(), Some(12.0));
    let g3 = backward(&g2, &one(), Some(xs), create).unwrap().grads[0]
        .clone()
        .unwrap();
    assert_eq!(g3.item(), Some(6.0));
    // backward() with create_graph accumulates a recorded .grad.
    backward(&y, &one(), None, create).unwrap();
    let g = x.grad().unwrap();
    assert!(g.requires_grad());
    x.set_grad(None);
    backward(&g, &one(), None, opts()).unwrap();
    assert_eq!(x.grad().unwrap().item(), Some(12.0));
}

/// A tiny linear regression trained for 10,000 steps: the number of live graph
/// nodes is the same after every step.
#[test]
fn a_training_loop_runs_in_constant_memory() {
    let xs = Tensor::constant(arr(&[4, 2], &[0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 2.0, -1.0]));
    // Targets of y = 2·x0 - 3·x1 + 0.5.
    let ys = Tensor::constant(arr(&[4], &[-2.5, 2.5, -0.5, 7.5]));
    let w = Tensor::leaf(arr(&[2], &[0.0, 0.0]), true);
    let b = Tensor::leaf(arr(&[], &[0.0]), true);
    let baseline = live_nodes();
    let mut first_loss = None;
    let mut loss_value = f64::NAN;
    for step in 0..10_000 {
        {
            let pred = ew::add(&linalg::matmul(&xs, &w).unwrap(), &b).unwrap();
            let loss = nn::mse_loss(&pred, &ys).unwrap();
            assert!(live_nodes() > baseline);
            backward(&loss, &one(), None, opts()).unwrap();
            loss_value = loss.item().unwrap();
            first_loss.get_or_insert(loss_value);
            with_grad_mode(false, || {
                for p in [&w, &b] {
                    let g = p.grad().unwrap();
                    let step = ew::mul(&g, &Tensor::scalar(0.05)).unwrap();
                    let new = ew::sub(p, &step).unwrap();
                    assert!(!new.requires_grad());
                    p.replace_data(new.data().as_ref().clone());
                    p.set_grad(None);
                }
            });
        }
        assert_eq!(live_nodes(), baseline, "graph nodes leaked at step {step}");
    }
    assert!(first_loss.unwrap() > 10.0);
    assert!(
        loss_value < 1e-12,
        "the model did not fit: loss {loss_value}"
    );
    let w = vec_of(&w);
    assert!(
        (w[0] - 2.0).abs() < 1e-6 && (w[1] + 3.0).abs() < 1e-6,
        "w = {w:?}"
    );
    assert!((b.item().unwrap() - 0.5).abs() < 1e-6);
}

/// A chain of a million recorded operations, backpropagated and dropped on a
/// thread with a 2 MiB stack: neither sorting, backward nor dropping may recurse.
#[test]
fn a_million_node_chain_needs_no_deep_stack() {
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            const N: usize = 1_000_000;
            assert_eq!(live_nodes(), 0);
            let x = Tensor::leaf(arr(&[], &[1.5]), true);
            let c = Tensor::scalar(1.0 + 1e-7);
            let mut y = x.clone();
            for _ in 0..N {
                y = ew::mul(&y, &c).unwrap();
            }
            assert_eq!(live_nodes(), N);
            backward(&y, &one(), None, opts()).unwrap();
            let want = (1.0f64 + 1e-7).powi(N as i32);
            let got = x.grad().unwrap().item().unwrap();
            assert!((got - want).abs() < 1e-9 * want, "got {got}, want {want}");
            drop(y);
            assert_eq!(live_nodes(), 0);

            // A chain dropped without backward, through additions.
            let mut y = x.clone();
            for _ in 0..N {
                y = ew::add(&y, &c).unwrap();
            }
            assert_eq!(live_nodes(), N);
            drop(y);
            assert_eq!(live_nodes(), 0);
        })
        .unwrap();
    handle
        .join()
        .expect("the chain overflowed the stack or failed");
}

#[test]
fn backward_releases_the_intermediates_only_the_freed_graph_can_reach() {
    let run = |record_grads: bool, n: usize| {
        let values: Vec<f64> = (0..n).map(|i| i as f64 / n as f64 - 0.5).collect();
        let x = Tensor::leaf(arr(&[n], &values), true);
        let h = ew::tanh(&x); // held here, as a script variable would be
        let y = sum(&ew::exp(&h));
        let options = BackwardOptions {
            record_grads,
            ..opts()
        };
        backward(&y, &one(), None, options).unwrap();
        let inner = y.node().unwrap().inputs[0].clone(); // exp(h): only the graph had it
        (h.shape(), inner.shape(), x.grad().unwrap().shape())
    };
    let big = bp::autodiff::backward::RELEASE_ABOVE + 1;
    // A script (bp run): the unreachable intermediate gives back its memory...
    assert_eq!(run(false, big), (vec![big], vec![0], vec![big]));
    // ...and its node keeps the shape and range for pictures drawn afterwards.
    let x = Tensor::leaf(arr(&[big], &vec![0.5; big]), true);
    let y = sum(&ew::exp(&ew::mul(&x, &x).unwrap()));
    backward(&y, &one(), None, opts()).unwrap();
    let inner = y.node().unwrap().inputs[0].clone();
    let kept = inner.node().unwrap().released().expect("a summary");
    assert_eq!(kept.shape, vec![big]);
    assert!((kept.mean - 0.25f64.exp()).abs() < 1e-12 && kept.min == kept.max);
    // ...unless it is small: then `draw` can still show its values.
    assert_eq!(run(false, 100), (vec![100], vec![100], vec![100]));
    // The REPL (:why may still walk the graph): everything is kept.
    assert_eq!(run(true, big), (vec![big], vec![big], vec![big]));
}

#[test]
fn a_batch_of_matrices_times_a_matrix_is_one_folded_product_with_the_same_gradients() {
    // (B, T, k) @ (k, m), as makemore part 5's Linear layers on (batch, positions,
    // channels): one (B*T, k) @ (k, m) product (the weight is not copied per batch
    // entry), with the values and gradients of the batch-wise products.
    let xv: Vec<f64> = (0..24).map(|i| (i as f64 * 0.37).sin()).collect();
    let wv: Vec<f64> = (0..8).map(|i| (i as f64 * 0.91).cos()).collect();
    let x = Tensor::leaf(arr(&[2, 3, 4], &xv), true);
    let w = Tensor::leaf(arr(&[4, 2], &wv), true);
    let y = linalg::matmul(&x, &w).unwrap();
    assert_eq!(y.shape(), vec![2, 3, 2]);
    backward(&sum(&ew::mul(&y, &y).unwrap()), &one(), None, opts()).unwrap();
    let (gx, gw) = (vec_of(&x.grad().unwrap()), vec_of(&w.grad().unwrap()));
    // the same, one matrix of the batch at a time
    let w2 = Tensor::leaf(arr(&[4, 2], &wv), true);
    let mut values = Vec::new();
    let mut gx2 = Vec::new();
    for b in 0..2 {
        let xb = Tensor::leaf(arr(&[3, 4], &xv[b * 12..(b + 1) * 12]), true);
        let yb = linalg::matmul(&xb, &w2).unwrap();
        values.extend(vec_of(&yb));
        backward(&sum(&ew::mul(&yb, &yb).unwrap()), &one(), None, opts()).unwrap();
        gx2.extend(vec_of(&xb.grad().unwrap()));
    }
    let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-12);
    assert!(close(&vec_of(&y), &values));
    assert!(close(&gx, &gx2));
    assert!(close(&gw, &vec_of(&w2.grad().unwrap())));
}
