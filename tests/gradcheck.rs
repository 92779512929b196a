//! Analytic gradients of every differentiable operation against central finite
//! differences, in f64 on deterministic random inputs; and second derivatives
//! (`create_graph`) of the elementwise operations and of matmul.

use bp::autodiff::elementwise as ew;
use bp::autodiff::gradcheck::gradcheck;
use bp::autodiff::op::{IndexItem, Op};
use bp::autodiff::Unary as U;
use bp::autodiff::{
    backward, linalg, nn, reduce, shape_ops, Array, BackwardOptions, Tensor, TensorError,
};
use ndarray::{ArrayD, IxDyn};
use std::rc::Rc;
mod common;

/// splitmix64: a tiny deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        lo + (hi - lo) * unit
    }

    fn array(&mut self, shape: &[usize], lo: f64, hi: f64) -> Array {
        ArrayD::from_shape_fn(IxDyn(shape), |_| self.uniform(lo, hi))
    }

    /// Values with magnitude in [0.2, 1.5] and a random sign: away from 0.
    fn away(&mut self, shape: &[usize]) -> Array {
        ArrayD::from_shape_fn(IxDyn(shape), |_| {
            let m = self.uniform(0.2, 1.5);
            if self.next_u64() & 1 == 0 {
                m
            } else {
                -m
            }
        })
    }
}

type Gen = fn(&mut Rng, &[usize]) -> Array;

fn gen_any(r: &mut Rng, s: &[usize]) -> Array {
    r.array(s, -2.0, 2.0)
}

fn gen_away(r: &mut Rng, s: &[usize]) -> Array {
    r.away(s)
}

fn gen_pos(r: &mut Rng, s: &[usize]) -> Array {
    r.array(s, 0.3, 2.5)
}

fn arr(shape: &[usize], values: &[f64]) -> Array {
    ArrayD::from_shape_vec(IxDyn(shape), values.to_vec()).unwrap()
}

fn leaves(inputs: &[Array]) -> Vec<Tensor> {
    inputs
        .iter()
        .map(|a| Tensor::leaf(a.clone(), true))
        .collect()
}

fn plain() -> BackwardOptions {
    BackwardOptions::default()
}

fn recorded() -> BackwardOptions {
    BackwardOptions {
        create_graph: true,
        retain_graph: true,
        ..BackwardOptions::default()
    }
}

/// `sum(t * w)`: a scalar in which every element of `t` matters.
fn weighted(t: &Tensor, w: &Tensor) -> Result<Tensor, TensorError> {
    Ok(reduce::sum(&ew::mul(t, w)?, None, false))
}

/// Checks the gradient of `sum(op(inputs) * w)` with respect to every input.
fn check(name: &str, inputs: &[Array], op: impl Fn(&[Tensor]) -> Result<Tensor, TensorError>) {
    let mut rng = Rng::new(0xC0FFEE ^ name.len() as u64);
    let xs = leaves(inputs);
    let out = op(&xs).unwrap_or_else(|e| panic!("{name}: forward failed: {e:?}"));
    assert!(out.requires_grad(), "{name}: result does not require grad");
    let w = Tensor::constant(rng.array(&out.shape(), -1.0, 1.0));
    let mut f = |ts: &[Tensor]| weighted(&op(ts)?, &w);

    // The analytic gradients exist and have their inputs' shapes.
    let y = f(&xs).unwrap();
    let outcome = backward(&y, &Tensor::scalar(1.0), Some(&xs), plain()).unwrap();
    for (i, (g, x)) in outcome.grads.iter().zip(&xs).enumerate() {
        let g = g
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: input {i} got no gradient"));
        assert_eq!(
            g.shape(),
            x.shape(),
            "{name}: gradient {i} has the wrong shape"
        );
        assert!(
            x.grad().is_none(),
            "{name}: grad() with targets touched .grad"
        );
    }
    // The plain pass (gradients as data, `plain.rs`) and the recorded pass (the
    // `vjp` rules on tensors, `create_graph`) give the same bits.
    // (A recorded pass refuses an input written in place after its use: nothing
    // to compare there.)
    let y = f(&xs).unwrap();
    let again = match backward(&y, &Tensor::scalar(1.0), Some(&xs), recorded()) {
        Ok(again) => again.grads,
        Err(e) if format!("{e:?}").contains("replaced in place") => Vec::new(),
        Err(e) => panic!("{name}: the recorded pass failed: {e:?}"),
    };
    for (i, (p, r)) in outcome.grads.iter().zip(&again).enumerate() {
        let (p, r) = (p.as_ref().unwrap().data(), r.as_ref().unwrap().data());
        let same = p.shape() == r.shape()
            && p.iter()
                .zip(r.iter())
                .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(
            same,
            "{name}: input {i}: the plain and recorded passes differ: {p} vs {r}"
        );
    }

    let mismatch = gradcheck(&mut f, &xs, 1e-6, 1e-6, 1e-5)
        .unwrap_or_else(|e| panic!("{name}: gradcheck failed: {e:?}"));
    assert!(
        mismatch.is_none(),
        "{name} {:?}: {mismatch:?}",
        inputs
            .iter()
            .map(|a| a.shape().to_vec())
            .collect::<Vec<_>>()
    );
}

/// The first gradients of `sum(sin(op(xs)) * w)`, recorded when `create` is set.
fn first_grads(
    op: &dyn Fn(&[Tensor]) -> Result<Tensor, TensorError>,
    xs: &[Tensor],
    w: &Tensor,
    create: bool,
) -> Vec<Tensor> {
    let y = weighted(&ew::sin(&op(xs).unwrap()), w).unwrap();
    let options = if create { recorded() } else { plain() };
    let outcome = backward(&y, &Tensor::scalar(1.0), Some(xs), options).unwrap();
    outcome
        .grads
        .into_iter()
        .map(|g| g.expect("an input got no gradient"))
        .collect()
}

/// `sum_i sum(grads[i] * v[i])` as a plain number.
fn contract(grads: &[Tensor], v: &[Tensor]) -> f64 {
    grads
        .iter()
        .zip(v)
        .map(|(g, v)| weighted(g, v).unwrap().item().unwrap())
        .sum()
}

const FLAT: &[&str] = &["sign", "pow_scalar 0"];

/// Second derivatives: the gradient of `L = sum(sin(op(xs)) * w)` is built with
/// `create_graph`, and the gradient of `S = sum_i sum(dL/dx_i * v_i)` is compared
/// with central differences of `S` (each evaluation a fresh first-order backward).
/// The `sin` makes every gradient depend on the inputs, linear operations included.
fn check2(name: &str, inputs: &[Array], op: impl Fn(&[Tensor]) -> Result<Tensor, TensorError>) {
    let mut rng = Rng::new(0xBADD ^ name.len() as u64);
    let xs = leaves(inputs);
    let out = op(&xs).unwrap();
    let w = Tensor::constant(rng.array(&out.shape(), -1.0, 1.0));
    let v: Vec<Tensor> = inputs
        .iter()
        .map(|a| Tensor::constant(rng.array(a.shape(), -1.0, 1.0)))
        .collect();

    let grads = first_grads(&op, &xs, &w, true);
    // `sign` and `x ** 0` are flat: their gradient is a constant zero (as in PyTorch).
    let flat = FLAT.contains(&name);
    for (i, g) in grads.iter().enumerate() {
        if flat {
            assert!(
                g.data().iter().all(|&v| v == 0.0),
                "{name}: gradient {i} is not zero"
            );
            continue;
        }
        assert!(
            g.requires_grad(),
            "{name}: first gradient {i} is not a recorded tensor"
        );
        assert!(!g.is_leaf(), "{name}: first gradient {i} is a leaf");
    }
    if flat {
        assert!(grads.iter().all(|g| !g.requires_grad()));
        return;
    }
    let s = grads
        .iter()
        .zip(&v)
        .map(|(g, v)| weighted(g, v).unwrap())
        .reduce(|a, b| ew::add(&a, &b).unwrap())
        .unwrap();
    let analytic = backward(&s, &Tensor::scalar(1.0), Some(&xs), plain())
        .unwrap()
        .grads;

    let eps = 1e-5;
    for (i, input) in inputs.iter().enumerate() {
        let a = analytic[i]
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no second derivative for input {i}"));
        assert_eq!(a.shape(), input.shape().to_vec());
        for (pos, _) in input.indexed_iter() {
            let at = |delta: f64| {
                let mut moved = inputs.to_vec();
                moved[i][&pos] += delta;
                contract(&first_grads(&op, &leaves(&moved), &w, false), &v)
            };
            let numeric = (at(eps) - at(-eps)) / (2.0 * eps);
            let got = a.data_ref()[&pos];
            assert!(
                (got - numeric).abs() <= 1e-6 + 1e-5 * numeric.abs(),
                "{name}: second derivative of input {i} at {pos:?}: analytic {got}, numeric {numeric}"
            );
        }
    }
}

/// Shape pairs for binary operations: equal, broadcast on either side, 0-d on either side.
const PAIRS: &[(&[usize], &[usize])] = &[
    (&[3, 4], &[3, 4]),
    (&[3, 4], &[4]),
    (&[4], &[3, 4]),
    (&[2, 3, 4], &[3, 1]),
    (&[3, 1], &[2, 3, 4]),
    (&[3, 1], &[1, 4]),
    (&[], &[2, 3]),
    (&[2, 3], &[]),
    (&[], &[]),
];

/// Inputs for a binary operation on shapes `sa`, `sb`, drawn until every broadcast
/// pair satisfies `ok` (to stay away from kinks and discontinuities).
fn binary_inputs(
    rng: &mut Rng,
    sa: &[usize],
    sb: &[usize],
    ga: Gen,
    gb: Gen,
    ok: fn(f64, f64) -> bool,
) -> Vec<Array> {
    for _ in 0..10_000 {
        let (a, b) = (ga(rng, sa), gb(rng, sb));
        let good = ew::zip_with(&a, &b, "test", |x, y| if ok(x, y) { 1.0 } else { 0.0 }).unwrap();
        if good.iter().all(|&g| g == 1.0) {
            return vec![a, b];
        }
    }
    panic!("could not draw inputs for shapes {sa:?} and {sb:?}");
}

fn any_pair(_: f64, _: f64) -> bool {
    true
}

type Binary = fn(&Tensor, &Tensor) -> Result<Tensor, TensorError>;

struct BinaryCase {
    name: &'static str,
    op: Binary,
    ga: Gen,
    gb: Gen,
    ok: fn(f64, f64) -> bool,
}

fn rem_ok(x: f64, y: f64) -> bool {
    let q = (x / y).fract().abs();
    q > 0.05 && q < 0.95
}

fn apart(x: f64, y: f64) -> bool {
    (x - y).abs() > 0.05
}

fn binary_cases() -> Vec<BinaryCase> {
    vec![
        BinaryCase {
            name: "add",
            op: ew::add,
            ga: gen_any,
            gb: gen_any,
            ok: any_pair,
        },
        BinaryCase {
            name: "sub",
            op: ew::sub,
            ga: gen_any,
            gb: gen_any,
            ok: any_pair,
        },
        BinaryCase {
            name: "mul",
            op: ew::mul,
            ga: gen_any,
            gb: gen_any,
            ok: any_pair,
        },
        BinaryCase {
            name: "div",
            op: ew::div,
            ga: gen_any,
            gb: gen_away,
            ok: any_pair,
        },
        BinaryCase {
            name: "pow",
            op: ew::pow,
            ga: gen_pos,
            gb: gen_any,
            ok: any_pair,
        },
        BinaryCase {
            name: "rem",
            op: ew::rem,
            ga: |r, s| r.array(s, -4.0, 4.0),
            gb: gen_away,
            ok: rem_ok,
        },
        BinaryCase {
            name: "maximum",
            op: ew::maximum,
            ga: gen_any,
            gb: gen_any,
            ok: apart,
        },
        BinaryCase {
            name: "minimum",
            op: ew::minimum,
            ga: gen_any,
            gb: gen_any,
            ok: apart,
        },
    ]
}

#[test]
fn binary_elementwise_first_order() {
    let mut rng = Rng::new(1);
    for case in binary_cases() {
        for (sa, sb) in PAIRS {
            let inputs = binary_inputs(&mut rng, sa, sb, case.ga, case.gb, case.ok);
            check(case.name, &inputs, |t| (case.op)(&t[0], &t[1]));
        }
    }
}

#[test]
fn binary_elementwise_second_order() {
    let mut rng = Rng::new(2);
    for case in binary_cases() {
        for (sa, sb) in &PAIRS[..7] {
            let inputs = binary_inputs(&mut rng, sa, sb, case.ga, case.gb, case.ok);
            check2(case.name, &inputs, |t| (case.op)(&t[0], &t[1]));
        }
    }
}

#[test]
fn where_first_and_second_order() {
    let mut rng = Rng::new(3);
    let shapes: &[(&[usize], &[usize], &[usize])] = &[
        (&[3, 4], &[3, 4], &[3, 4]),
        (&[3, 4], &[4], &[3, 1]),
        (&[4], &[3, 4], &[]),
        (&[2, 1, 4], &[3, 1], &[4]),
    ];
    for (sc, sa, sb) in shapes {
        let cond = Tensor::constant(
            rng.array(sc, 0.0, 1.0)
                .mapv(|v| if v < 0.5 { 1.0 } else { 0.0 }),
        );
        let inputs = vec![gen_any(&mut rng, sa), gen_any(&mut rng, sb)];
        check("where", &inputs, |t| ew::where_(&cond, &t[0], &t[1]));
        check(
            "where (swapped)",
            &[inputs[1].clone(), inputs[0].clone()],
            |t| ew::where_(&cond, &t[0], &t[1]),
        );
        check2("where", &inputs, |t| ew::where_(&cond, &t[0], &t[1]));
    }
}

type Unary = fn(&Tensor) -> Tensor;

/// Unary operations with the inputs they are smooth on.
fn unary_cases() -> Vec<(&'static str, Unary, Gen)> {
    vec![
        ("neg", ew::neg, gen_any),
        ("exp", ew::exp, gen_any),
        ("log", ew::log, gen_pos),
        ("sqrt", ew::sqrt, gen_pos),
        ("abs", ew::abs, gen_away),
        ("sin", ew::sin, gen_any),
        ("cos", ew::cos, gen_any),
        ("tanh", ew::tanh, gen_any),
        ("sigmoid", ew::sigmoid, |r, s| r.array(s, -4.0, 4.0)),
        ("relu", ew::relu, gen_away),
        ("leaky_relu", |x| ew::leaky_relu(x, 0.1), gen_away),
        ("softplus", ew::softplus, |r, s| r.array(s, -4.0, 4.0)),
        ("softplus (linear part)", ew::softplus, |r, s| {
            r.array(s, 21.0, 25.0)
        }),
        (
            "clamp",
            |x| ew::clamp(x, Some(-0.5), Some(0.7)),
            clamp_inputs,
        ),
        (
            "clamp min",
            |x| ew::clamp(x, Some(-0.5), None),
            clamp_inputs,
        ),
        ("clamp max", |x| ew::clamp(x, None, Some(0.7)), clamp_inputs),
        ("pow_scalar 2", |x| ew::pow_scalar(x, 2.0), gen_any),
        ("pow_scalar 3", |x| ew::pow_scalar(x, 3.0), gen_any),
        ("pow_scalar 0.5", |x| ew::pow_scalar(x, 0.5), gen_pos),
        ("pow_scalar -1.5", |x| ew::pow_scalar(x, -1.5), gen_pos),
        ("pow_scalar 0", |x| ew::pow_scalar(x, 0.0), gen_any),
        ("add_scalar", |x| ew::add_scalar(x, 1.5), gen_any),
        ("sub_scalar", |x| ew::sub_scalar(x, -0.25), gen_any),
        ("mul_scalar", |x| ew::mul_scalar(x, -3.0), gen_any),
        ("sign", ew::sign, gen_away),
    ]
}

/// Values away from the clamp bounds -0.5 and 0.7.
fn clamp_inputs(r: &mut Rng, s: &[usize]) -> Array {
    let bands = [(-2.0, -0.6), (-0.4, 0.6), (0.8, 2.0)];
    ArrayD::from_shape_fn(IxDyn(s), |_| {
        let (lo, hi) = bands[(r.next_u64() % 3) as usize];
        r.uniform(lo, hi)
    })
}

const UNARY_SHAPES: &[&[usize]] = &[&[], &[5], &[2, 3], &[2, 3, 2]];

#[test]
fn unary_elementwise_first_order() {
    let mut rng = Rng::new(4);
    for (name, op, gen) in unary_cases() {
        for shape in UNARY_SHAPES {
            check(name, &[gen(&mut rng, shape)], |t| Ok(op(&t[0])));
        }
    }
}

#[test]
fn unary_elementwise_second_order() {
    let mut rng = Rng::new(5);
    for (name, op, gen) in unary_cases() {
        for shape in &UNARY_SHAPES[..3] {
            check2(name, &[gen(&mut rng, shape)], |t| Ok(op(&t[0])));
        }
    }
}

#[test]
fn reductions() {
    let mut rng = Rng::new(6);
    let x = gen_any(&mut rng, &[2, 3, 4]);
    let axes: &[Option<&[usize]>] = &[
        None,
        Some(&[0]),
        Some(&[1]),
        Some(&[2]),
        Some(&[0, 2]),
        Some(&[2, 0]),
    ];
    for keepdim in [false, true] {
        for ax in axes {
            let ax = ax.map(|a| a.to_vec());
            check("sum", std::slice::from_ref(&x), |t| {
                Ok(reduce::sum(&t[0], ax.clone(), keepdim))
            });
            check("mean", std::slice::from_ref(&x), |t| {
                Ok(reduce::mean(&t[0], ax.clone(), keepdim))
            });
        }
        for axis in 0..3 {
            check("max axis", std::slice::from_ref(&x), |t| {
                reduce::extreme_axis(&t[0], axis, keepdim, true)
            });
            check("min axis", std::slice::from_ref(&x), |t| {
                reduce::extreme_axis(&t[0], axis, keepdim, false)
            });
            let p = gen_away(&mut rng, &[2, 3, 4]);
            check("prod axis", &[p], |t| {
                Ok(reduce::prod(&t[0], Some(axis), keepdim))
            });
        }
        let p = gen_away(&mut rng, &[2, 3, 2]);
        check("prod", std::slice::from_ref(&p), |t| {
            Ok(reduce::prod(&t[0], None, keepdim))
        });
        // With one zero, and with two zeros in one lane.
        let mut z = p.clone();
        z[[1, 0, 1]] = 0.0;
        check("prod with a zero", std::slice::from_ref(&z), |t| {
            Ok(reduce::prod(&t[0], None, keepdim))
        });
        for axis in 0..3 {
            check("prod axis with a zero", std::slice::from_ref(&z), |t| {
                Ok(reduce::prod(&t[0], Some(axis), keepdim))
            });
        }
        z[[1, 2, 1]] = 0.0;
        check("prod with two zeros", std::slice::from_ref(&z), |t| {
            Ok(reduce::prod(&t[0], None, keepdim))
        });
        check("prod axis with two zeros", &[z], |t| {
            Ok(reduce::prod(&t[0], Some(1), keepdim))
        });
    }
    // Second derivatives of reductions, a product with zeros included.
    let p = gen_away(&mut rng, &[2, 3]);
    let mut z = p.clone();
    z[[1, 1]] = 0.0;
    let mut zz = z.clone();
    zz[[0, 1]] = 0.0;
    for (name, x) in [
        ("prod", &p),
        ("prod with a zero", &z),
        ("prod with two zeros", &zz),
    ] {
        check2(name, std::slice::from_ref(x), |t| {
            Ok(reduce::prod(&t[0], None, false))
        });
        for axis in 0..2 {
            for keepdim in [false, true] {
                check2(name, std::slice::from_ref(x), |t| {
                    Ok(reduce::prod(&t[0], Some(axis), keepdim))
                });
            }
        }
    }
    check2("sum", std::slice::from_ref(&p), |t| {
        Ok(reduce::sum(&t[0], Some(vec![1]), false))
    });
    check2("mean", std::slice::from_ref(&p), |t| {
        Ok(reduce::mean(&t[0], Some(vec![0]), true))
    });
    check2("max", std::slice::from_ref(&p), |t| {
        reduce::extreme_all(&t[0], true)
    });
    check2("max axis", std::slice::from_ref(&p), |t| {
        reduce::extreme_axis(&t[0], 1, false, true)
    });
    check2("norm", std::slice::from_ref(&p), |t| {
        Ok(reduce::norm(&t[0]))
    });
    for shape in UNARY_SHAPES {
        let x = gen_any(&mut rng, shape);
        check("max", std::slice::from_ref(&x), |t| {
            reduce::extreme_all(&t[0], true)
        });
        check("min", std::slice::from_ref(&x), |t| {
            reduce::extreme_all(&t[0], false)
        });
        check("norm", &[x], |t| Ok(reduce::norm(&t[0])));
    }
}

#[test]
fn full_max_shares_the_gradient_among_ties_and_axis_max_picks_the_first() {
    let x = Tensor::leaf(arr(&[2, 3], &[1.0, 3.0, 3.0, 0.0, 3.0, -1.0]), true);
    let m = reduce::extreme_all(&x, true).unwrap();
    let g = backward(
        &m,
        &Tensor::scalar(1.0),
        Some(std::slice::from_ref(&x)),
        plain(),
    )
    .unwrap()
    .grads;
    let third = 1.0 / 3.0;
    assert_eq!(
        *g[0].as_ref().unwrap().data(),
        arr(&[2, 3], &[0.0, third, third, 0.0, third, 0.0])
    );

    let m = reduce::extreme_axis(&x, 1, false, true).unwrap();
    let g = backward(
        &m,
        &Tensor::constant(arr(&[2], &[1.0, 2.0])),
        Some(std::slice::from_ref(&x)),
        plain(),
    )
    .unwrap()
    .grads;
    assert_eq!(
        *g[0].as_ref().unwrap().data(),
        arr(&[2, 3], &[0.0, 1.0, 0.0, 0.0, 2.0, 0.0])
    );
}

#[test]
fn shape_operations() {
    let mut rng = Rng::new(7);
    let x = gen_any(&mut rng, &[2, 3, 4]);
    for shape in [&[6, 4][..], &[24], &[4, 3, 2], &[2, 3, 4], &[1, 24, 1]] {
        check("reshape", std::slice::from_ref(&x), |t| {
            shape_ops::reshape(&t[0], shape)
        });
    }
    for perm in [[0, 1, 2], [2, 0, 1], [1, 2, 0], [2, 1, 0]] {
        check("permute", std::slice::from_ref(&x), |t| {
            shape_ops::permute(&t[0], &perm)
        });
    }
    for (a, b) in [(0, 2), (1, 2), (0, 1), (1, 1)] {
        check("swap_axes", std::slice::from_ref(&x), |t| {
            shape_ops::swap_axes(&t[0], a, b)
        });
    }
    let casts: &[(&[usize], &[usize])] = &[
        (&[3, 1], &[2, 3, 4]),
        (&[4], &[3, 4]),
        (&[], &[2, 2]),
        (&[1, 1], &[3, 2]),
        (&[2, 1, 4], &[2, 3, 4]),
    ];
    for (from, to) in casts {
        check("broadcast_to", &[gen_any(&mut rng, from)], |t| {
            shape_ops::broadcast_to(&t[0], to)
        });
        check("sum_to", &[gen_any(&mut rng, to)], |t| {
            shape_ops::sum_to(&t[0], from)
        });
    }
    for axis in 0..=3 {
        check("unsqueeze", std::slice::from_ref(&x), |t| {
            shape_ops::unsqueeze(&t[0], axis)
        });
    }
}

#[test]
fn indexing() {
    use IndexItem::{Single, Slice};
    let mut rng = Rng::new(8);
    let x = gen_any(&mut rng, &[4, 5, 6]);
    let cases: Vec<Vec<IndexItem>> = vec![
        vec![Single(1)],
        vec![Single(3), Single(0)],
        vec![Single(2), Single(4), Single(5)],
        vec![Slice {
            start: 1,
            end: 3,
            step: 1,
        }],
        vec![
            Slice {
                start: 0,
                end: 4,
                step: 2,
            },
            Single(2),
        ],
        vec![
            Single(1),
            Slice {
                start: 0,
                end: 5,
                step: 2,
            },
            Slice {
                start: 1,
                end: 6,
                step: 3,
            },
        ],
        vec![
            Slice {
                start: 3,
                end: 4,
                step: 1,
            },
            Slice {
                start: 0,
                end: 5,
                step: 4,
            },
            Single(0),
        ],
        vec![Slice {
            start: 2,
            end: 2,
            step: 1,
        }],
    ];
    for items in cases {
        let items: std::rc::Rc<[IndexItem]> = items.into();
        if items.iter().any(|i| {
            matches!(
                i,
                Slice {
                    start: 2,
                    end: 2,
                    ..
                }
            )
        }) {
            // An empty selection: the gradient is all zeros.
            let xs = leaves(std::slice::from_ref(&x));
            let y = reduce::sum(
                &shape_ops::index(&xs[0], items.clone()).unwrap(),
                None,
                false,
            );
            let g = backward(&y, &Tensor::scalar(1.0), Some(&xs), plain())
                .unwrap()
                .grads;
            assert!(g[0].as_ref().unwrap().data().iter().all(|&v| v == 0.0));
            continue;
        }
        check("index", std::slice::from_ref(&x), |t| {
            shape_ops::index(&t[0], items.clone())
        });
        check2("index", std::slice::from_ref(&x), |t| {
            shape_ops::index(&t[0], items.clone())
        });
    }
}

#[test]
fn concat_and_stack() {
    let mut rng = Rng::new(9);
    let a = gen_any(&mut rng, &[2, 3, 4]);
    let b = gen_any(&mut rng, &[1, 3, 4]);
    check("concat 0", &[a.clone(), b.clone(), a.clone()], |t| {
        shape_ops::concat(t, 0)
    });
    let b1 = gen_any(&mut rng, &[2, 2, 4]);
    check("concat 1", &[a.clone(), b1], |t| shape_ops::concat(t, 1));
    let b2 = gen_any(&mut rng, &[2, 3, 1]);
    check("concat 2", &[b2, a.clone()], |t| shape_ops::concat(t, 2));
    // One part that does not require grad.
    let c = Tensor::constant(gen_any(&mut rng, &[2, 3, 4]));
    check("concat with a constant", std::slice::from_ref(&a), |t| {
        shape_ops::concat(&[c.clone(), t[0].clone()], 1)
    });
    // The same tensor twice: both slices add up.
    check("concat twice", std::slice::from_ref(&a), |t| {
        shape_ops::concat(&[t[0].clone(), t[0].clone()], 2)
    });
    let c = gen_any(&mut rng, &[2, 3, 4]);
    for axis in 0..=3 {
        check("stack", &[a.clone(), c.clone(), a.clone()], |t| {
            shape_ops::stack(t, axis)
        });
    }
    check2("concat", &[a.clone(), c], |t| shape_ops::concat(t, 1));
}

/// Every case of `torch.matmul`.
const MATMUL: &[(&[usize], &[usize])] = &[
    (&[4], &[4]),
    (&[3, 4], &[4]),
    (&[4], &[4, 5]),
    (&[3, 4], &[4, 5]),
    (&[2, 3, 4], &[2, 4, 5]),
    (&[2, 3, 4], &[4, 5]),
    (&[3, 4], &[2, 4, 5]),
    (&[2, 1, 3, 4], &[5, 4, 2]),
    (&[4], &[2, 4, 5]),
    (&[2, 3, 4], &[4]),
    (&[1, 3, 4], &[2, 4, 1]),
];

#[test]
fn matmul_first_order() {
    let mut rng = Rng::new(10);
    for (sa, sb) in MATMUL {
        let inputs = vec![gen_any(&mut rng, sa), gen_any(&mut rng, sb)];
        check("matmul", &inputs, |t| linalg::matmul(&t[0], &t[1]));
    }
    check(
        "outer",
        &[gen_any(&mut rng, &[3]), gen_any(&mut rng, &[4])],
        |t| linalg::outer(&t[0], &t[1]),
    );
    check("transpose_last2", &[gen_any(&mut rng, &[2, 3, 4])], |t| {
        linalg::transpose_last2(&t[0])
    });
    // Transposed (strided) operands, in both the small loop and the blocked
    // kernel (more than 4096 multiply-adds).
    for (sa, sb) in [([4, 3], [4, 5]), ([20, 17], [20, 15])] {
        let inputs = vec![gen_any(&mut rng, &sa), gen_any(&mut rng, &sb)];
        check("transpose(a) @ b", &inputs, |t| {
            linalg::matmul(&linalg::transpose_last2(&t[0])?, &t[1])
        });
    }
}

#[test]
fn matmul_shapes_follow_torch() {
    let expect: &[&[usize]] = &[
        &[],
        &[3],
        &[5],
        &[3, 5],
        &[2, 3, 5],
        &[2, 3, 5],
        &[2, 3, 5],
        &[2, 5, 3, 2],
        &[2, 5],
        &[2, 3],
        &[2, 3, 1],
    ];
    for ((sa, sb), want) in MATMUL.iter().zip(expect) {
        let a = Tensor::constant(Array::ones(IxDyn(sa)));
        let b = Tensor::constant(Array::ones(IxDyn(sb)));
        let r = linalg::matmul(&a, &b).unwrap();
        assert_eq!(r.shape(), want.to_vec(), "{sa:?} @ {sb:?}");
        assert!(r.data().iter().all(|&v| v == 4.0));
    }
}

#[test]
fn matmul_second_order() {
    let mut rng = Rng::new(11);
    for (sa, sb) in MATMUL {
        let inputs = vec![gen_any(&mut rng, sa), gen_any(&mut rng, sb)];
        check2("matmul", &inputs, |t| linalg::matmul(&t[0], &t[1]));
        // One operand used twice: a quadratic form, so d²/da² is not zero.
        if sa.len() >= 2 && sa[sa.len() - 1] == sa[sa.len() - 2] {
            check2("matmul a@a", &inputs[..1], |t| linalg::matmul(&t[0], &t[0]));
        }
    }
    let sq = gen_any(&mut rng, &[2, 3, 3]);
    check2("matmul a@a", &[sq], |t| linalg::matmul(&t[0], &t[0]));
    check2(
        "outer",
        &[gen_any(&mut rng, &[3]), gen_any(&mut rng, &[4])],
        |t| linalg::outer(&t[0], &t[1]),
    );
}

#[test]
fn neural_network_functions() {
    let mut rng = Rng::new(12);
    let x = r3(&mut rng);
    for axis in 0..2 {
        check("softmax", std::slice::from_ref(&x), |t| {
            nn::softmax(&t[0], axis)
        });
        check("log_softmax", std::slice::from_ref(&x), |t| {
            nn::log_softmax(&t[0], axis)
        });
        check2("softmax", std::slice::from_ref(&x), |t| {
            nn::softmax(&t[0], axis)
        });
        check2("log_softmax", std::slice::from_ref(&x), |t| {
            nn::log_softmax(&t[0], axis)
        });
    }
    let x3 = gen_any(&mut rng, &[2, 3, 4]);
    check("softmax 3-d", std::slice::from_ref(&x3), |t| {
        nn::softmax(&t[0], 2)
    });
    check("log_softmax 3-d", &[x3], |t| nn::log_softmax(&t[0], 1));

    let logits = gen_any(&mut rng, &[4, 5]);
    let targets = arr(&[4], &[0.0, 4.0, 2.0, 2.0]);
    check("cross_entropy", std::slice::from_ref(&logits), |t| {
        nn::cross_entropy(&t[0], &targets)
    });
    check2("cross_entropy", &[logits], |t| {
        nn::cross_entropy(&t[0], &targets)
    });

    let (p, q) = (gen_any(&mut rng, &[3, 4]), gen_any(&mut rng, &[3, 4]));
    check("mse_loss", &[p.clone(), q.clone()], |t| {
        nn::mse_loss(&t[0], &t[1])
    });
    check(
        "mse_loss (broadcast target)",
        &[p, gen_any(&mut rng, &[4])],
        |t| nn::mse_loss(&t[0], &t[1]),
    );

    let p = rng.array(&[3, 4], 0.05, 0.95);
    let target = rng.array(&[3, 4], 0.0, 1.0);
    check("binary_cross_entropy", &[p.clone(), target.clone()], |t| {
        nn::binary_cross_entropy(&t[0], &t[1])
    });
    check2("binary_cross_entropy", &[p, target], |t| {
        nn::binary_cross_entropy(&t[0], &t[1])
    });
}

fn r3(rng: &mut Rng) -> Array {
    rng.array(&[3, 4], -3.0, 3.0)
}

#[test]
fn softmax_rows_sum_to_one_and_log_softmax_matches() {
    let mut rng = Rng::new(13);
    let x = Tensor::constant(rng.array(&[3, 4], -50.0, 50.0));
    let s = nn::softmax(&x, 1).unwrap();
    for row in s.data().rows() {
        assert!((row.sum() - 1.0).abs() < 1e-12);
    }
    let ls = nn::log_softmax(&x, 1).unwrap();
    let diff = (&*ew::log(&s).data() - &*ls.data()).mapv(f64::abs);
    assert!(diff.iter().all(|&d| d < 1e-9 || d.is_nan()));
}

/// The checker itself must be able to fail: `x * detach(x)` has analytic gradient
/// `x` but numeric gradient `2x`.
#[test]
fn gradcheck_reports_a_wrong_gradient() {
    let x = Tensor::leaf(arr(&[3], &[0.5, -1.0, 2.0]), true);
    let mut f = |t: &[Tensor]| Ok(reduce::sum(&ew::mul(&t[0], &t[0].detach())?, None, false));
    let m = gradcheck(&mut f, std::slice::from_ref(&x), 1e-6, 1e-6, 1e-5)
        .unwrap()
        .expect("a mismatch");
    assert_eq!(m.input, 0);
    assert_eq!(m.position, vec![2]);
    assert!((m.analytic - 2.0).abs() < 1e-12 && (m.numeric - 4.0).abs() < 1e-6);
}

#[test]
fn gather_rows_with_repeats_and_negative_order() {
    // x[idx] with idx = [2, 0, 2, 3, 2]: row 2 is taken three times, row 1 never;
    // its gradient is the sum of the three rows' gradients (and zero for row 1).
    let mut rng = Rng::new(13);
    let x = gen_any(&mut rng, &[4, 3]);
    let rows: std::rc::Rc<[usize]> = vec![2, 0, 2, 3, 2].into();
    check("gather", std::slice::from_ref(&x), |t| {
        shape_ops::gather_rows(&t[0], rows.clone())
    });
    check2("gather", std::slice::from_ref(&x), |t| {
        shape_ops::gather_rows(&t[0], rows.clone())
    });
    // A 1-d input: elements, not rows.
    let v = gen_any(&mut rng, &[5]);
    check("gather", std::slice::from_ref(&v), |t| {
        shape_ops::gather_rows(&t[0], rows.clone())
    });
    // Its backward, scatter_rows (index add), is differentiable too.
    let g = gen_any(&mut rng, &[5, 3]);
    check("scatter_rows", std::slice::from_ref(&g), |t| {
        shape_ops::scatter_rows(&t[0], rows.clone(), 4)
    });
    check2("scatter_rows", std::slice::from_ref(&g), |t| {
        shape_ops::scatter_rows(&t[0], rows.clone(), 4)
    });
    // The summed repeats, exactly: d sum(x[idx]) / dx = how often each row is taken.
    let xs = leaves(std::slice::from_ref(&x));
    let y = reduce::sum(
        &shape_ops::gather_rows(&xs[0], rows.clone()).unwrap(),
        None,
        false,
    );
    let g = backward(&y, &Tensor::scalar(1.0), Some(&xs), plain())
        .unwrap()
        .grads;
    let g = g[0].as_ref().unwrap().data();
    let per_row: Vec<f64> = (0..4).map(|r| g[[r, 0]]).collect();
    assert_eq!(per_row, vec![1.0, 0.0, 3.0, 1.0]);
}

#[test]
fn index_assignment_then_a_recorded_op_keeps_the_recorded_values() {
    // y = w * x is recorded, then x[1] = 100 and x[0, 2] = -3 are written in place,
    // then z = y * x uses the new x. The derivative is x_old * x_new: if the write
    // reached the value `y` saved (no copy on write), the gradient would be x_new².
    use IndexItem::{Single, Slice};
    let mut rng = Rng::new(14);
    let base = gen_any(&mut rng, &[3, 3]);
    let w = gen_any(&mut rng, &[3, 3]);
    let op = |t: &[Tensor]| {
        let x = Tensor::constant(base.clone());
        let y = ew::mul(&t[0], &x)?;
        shape_ops::index_put(&x, &[Single(1)], &arr(&[], &[100.0]))?;
        shape_ops::index_put(
            &x,
            &[
                Single(0),
                Slice {
                    start: 2,
                    end: 3,
                    step: 1,
                },
            ],
            &arr(&[1], &[-3.0]),
        )?;
        ew::mul(&y, &x)
    };
    check("index_put", std::slice::from_ref(&w), op);
    // With create_graph the recorded input itself is differentiated, and it no longer
    // holds the saved value: that is an error, never a silently wrong derivative.
    let xs = leaves(std::slice::from_ref(&w));
    let y = reduce::sum(&op(&xs).unwrap(), None, false);
    let second = backward(&y, &Tensor::scalar(1.0), Some(&xs), recorded());
    assert!(matches!(second, Err(TensorError::Other(m)) if m.contains("replaced in place")));
}

#[test]
fn recorded_index_writes_first_and_second_order() {
    // y = x * c; y[positions] = v * v (v broadcast over two rows), then two
    // positions from v[:2]; then y * y. Gradients reach x where nothing
    // was written and v at the written positions, summed over the broadcast.
    let mut rng = Rng::new(25);
    let x = gen_any(&mut rng, &[3, 3]);
    let v = gen_any(&mut rng, &[3]);
    let c = gen_any(&mut rng, &[3, 3]);
    let op = |t: &[Tensor]| {
        let y = ew::mul(&t[0], &Tensor::constant(c.clone()))?;
        let vv = ew::mul(&t[1], &t[1])?;
        shape_ops::write_positions(&y, Rc::from(vec![0, 1, 2, 6, 7, 8]), vec![2, 3], &vv)?;
        let two = shape_ops::index(
            &t[1],
            Rc::from(vec![IndexItem::Slice {
                start: 0,
                end: 2,
                step: 1,
            }]),
        )?;
        shape_ops::write_positions(&y, Rc::from(vec![4, 5]), vec![2], &two)?;
        ew::mul(&y, &y)
    };
    check("index_write", &[x.clone(), v.clone()], op);
    check2("index_write", &[x, v], op);
}

#[test]
fn floor_divide_has_no_derivative() {
    // As torch.floor_divide: the result of an input that requires grad is recorded
    // (requires grad), and a backward pass that reaches it refuses.
    let x = Tensor::leaf(arr(&[2], &[7.0, -7.0]), true);
    let y = ew::floor_divide(&x, &Tensor::scalar(2.0)).unwrap();
    assert!(y.requires_grad());
    assert_eq!(y.data().iter().copied().collect::<Vec<_>>(), [3.0, -4.0]);
    let s = reduce::sum(&y, None, false);
    match backward(&s, &Tensor::scalar(1.0), None, plain()) {
        Err(TensorError::NoDerivative { .. }) => {}
        other => panic!("expected NoDerivative, got {:?}", other.map(|_| ())),
    }
}

/// The test that checks each operation's backward against finite differences.
/// No wildcard arm: a new `Op` does not compile until it names its test here.
fn gradient_test_of(op: &Op) -> &'static str {
    match op {
        Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Pow | Op::Rem | Op::Maximum | Op::Minimum => {
            "binary_elementwise_second_order"
        }
        Op::AddScalar(_) | Op::SubScalar(_) | Op::MulScalar(_) | Op::PowScalar(_) => {
            "unary_elementwise_second_order"
        }
        Op::Where(_) => "where_first_and_second_order",
        Op::Neg
        | Op::Unary(U::Exp)
        | Op::Unary(U::Log)
        | Op::Unary(U::Sqrt)
        | Op::Unary(U::Abs)
        | Op::Unary(U::Sin)
        | Op::Unary(U::Cos)
        | Op::Unary(U::Tanh)
        | Op::Unary(U::Sigmoid)
        | Op::TanhGrad
        | Op::SigmoidGrad
        | Op::Unary(U::Relu)
        | Op::LeakyRelu(_)
        | Op::Unary(U::Softplus)
        | Op::Clamp(..)
        | Op::Unary(U::Sign) => "unary_elementwise_second_order",
        Op::FloorDivide => "floor_divide_has_no_derivative",
        Op::Sum { .. }
        | Op::Mean { .. }
        | Op::MaxAll
        | Op::MinAll
        | Op::MaxAxis { .. }
        | Op::MinAxis { .. }
        | Op::Prod { .. }
        | Op::Norm => "reductions",
        Op::Reshape | Op::Permute(_) | Op::BroadcastTo(_) | Op::SumTo(_) => "shape_operations",
        Op::Index(_) | Op::IndexBackward { .. } => "indexing",
        Op::Gather(_) | Op::ScatterRows { .. } => "gather_rows_with_repeats_and_negative_order",
        Op::Concat(_) => "concat_and_stack",
        Op::MatMul => "matmul_second_order",
        Op::ScaleBy(_) | Op::BinaryCrossEntropy => "neural_network_functions",
        Op::IndexPut { .. } => "recorded_index_writes_first_and_second_order",
        Op::Custom(_) => "custom_backward_clauses",
    }
}

/// A function with a backward clause (SPEC §21): its own derivative, checked by
/// gradcheck and (recorded with create_graph) by gradgradcheck, through a script.
#[test]
fn custom_backward_clauses() {
    let src = "fn my_tanh(x) {\n    return tanh(x)\n} backward(g, x, out) {\n    return g * (1 - out * out)\n}\n\
               fn mul(a, b) {\n    return a * b\n} backward(g, a, b, out) {\n    return (g * b, g * a)\n}\n\
               x = tensor([0.3, -1.2, 2.0], grad)\ny = tensor([1.5, 0.5, -2.0], grad)\n\
               print(gradcheck(my_tanh, x), gradgradcheck(my_tanh, x))\n\
               print(gradcheck(mul, x, y), gradgradcheck(mul, x, y))\n";
    let out = common::Shared::default();
    let mut err = Vec::new();
    let code = bp::run(
        src,
        "custom.bp",
        Box::new(out.clone()),
        &mut err,
        bp::eval::Options::default(),
        false,
        None,
    );
    let err = String::from_utf8_lossy(&err);
    assert_eq!(code, bp::Exit::Success, "{err}");
    assert_eq!(out.text(), "true true\ntrue true\n");
}

#[test]
fn every_op_names_a_gradient_test_that_exists() {
    let a = Rc::new(arr(&[1], &[1.0]));
    let items: Rc<[IndexItem]> = Rc::from(vec![IndexItem::Single(0)]);
    let ops = [
        Op::Add,
        Op::Sub,
        Op::Mul,
        Op::Div,
        Op::Pow,
        Op::Rem,
        Op::Maximum,
        Op::Minimum,
        Op::Where(a.clone()),
        Op::Neg,
        Op::Unary(U::Exp),
        Op::Unary(U::Log),
        Op::Unary(U::Sqrt),
        Op::Unary(U::Abs),
        Op::Unary(U::Sin),
        Op::Unary(U::Cos),
        Op::Unary(U::Tanh),
        Op::Unary(U::Sigmoid),
        Op::TanhGrad,
        Op::SigmoidGrad,
        Op::Unary(U::Relu),
        Op::LeakyRelu(0.1),
        Op::Unary(U::Softplus),
        Op::Clamp(None, None),
        Op::Unary(U::Sign),
        Op::PowScalar(2.0),
        Op::AddScalar(1.0),
        Op::SubScalar(1.0),
        Op::MulScalar(1.0),
        Op::Sum {
            axes: None,
            keepdim: false,
        },
        Op::Mean {
            axes: None,
            keepdim: false,
        },
        Op::MaxAll,
        Op::MinAll,
        Op::MaxAxis {
            axis: 0,
            keepdim: false,
        },
        Op::MinAxis {
            axis: 0,
            keepdim: false,
        },
        Op::Prod {
            axis: None,
            keepdim: false,
        },
        Op::Norm,
        Op::Reshape,
        Op::Permute(vec![0]),
        Op::BroadcastTo(vec![1]),
        Op::SumTo(vec![1]),
        Op::Index(items.clone()),
        Op::IndexBackward {
            shape: vec![1],
            items,
        },
        Op::Concat(0),
        Op::MatMul,
        Op::ScaleBy(a),
        Op::BinaryCrossEntropy,
        Op::IndexPut {
            positions: Rc::from(vec![0]),
            shape: vec![1],
        },
        Op::Custom(Rc::new(bp::autodiff::CustomOp {
            name: "f",
            clause: bp::source::Span::EMPTY,
            payload: Rc::new(()),
        })),
    ];
    let source = include_str!("gradcheck.rs");
    for op in &ops {
        let test = gradient_test_of(op);
        assert!(
            source.contains(&format!("#[test]\nfn {test}()")),
            "{} names {test}, which is not a test here",
            op.name()
        );
    }
}

/// The bits of each gradient of `y` with respect to `xs`, by the plain pass and
/// by the recorded pass.
fn both_passes(
    f: &dyn Fn(&[Tensor]) -> Result<Tensor, TensorError>,
    inputs: &[Array],
) -> [Vec<Vec<u64>>; 2] {
    [plain(), recorded()].map(|options| {
        let xs = leaves(inputs);
        let y = f(&xs).unwrap();
        let seed = Tensor::constant(ArrayD::ones(IxDyn(&y.shape())));
        let outcome = backward(&y, &seed, Some(&xs), options).unwrap();
        outcome
            .grads
            .iter()
            .map(|g| {
                g.as_ref()
                    .unwrap()
                    .data()
                    .iter()
                    .map(|v| v.to_bits())
                    .collect()
            })
            .collect()
    })
}

/// The rules written once for both passes (vjp.rs's generic arms) reached by the
/// gradient of a full sum or mean, which the plain pass keeps as one number
/// ("filled"), by a gradient of ones (shared rather than multiplied), and
/// through broadcasting: the plain and recorded passes give the same bits.
#[test]
fn filled_gradients_give_the_same_bits_in_both_passes() {
    type Op1 = fn(&Tensor) -> Result<Tensor, TensorError>;
    type Op2 = fn(&Tensor, &Tensor) -> Result<Tensor, TensorError>;
    let unary: [(&str, Op1); 9] = [
        ("exp", |x| Ok(ew::exp(x))),
        ("tanh", |x| Ok(ew::tanh(x))),
        ("sigmoid", |x| Ok(ew::sigmoid(x))),
        ("neg", |x| Ok(ew::neg(x))),
        ("square", |x| Ok(ew::pow_scalar(x, 2.0))),
        ("mul_scalar", |x| Ok(ew::mul_scalar(x, 0.3))),
        ("add_scalar", |x| Ok(ew::add_scalar(x, 0.3))),
        ("sub_scalar", |x| Ok(ew::sub_scalar(x, 0.3))),
        ("sum_axis", |x| Ok(reduce::sum(x, Some(vec![0]), false))),
    ];
    let binary: [(&str, Op2); 4] = [
        ("add", ew::add),
        ("sub", ew::sub),
        ("mul", ew::mul),
        ("matmul", linalg::matmul),
    ];
    let mut r = Rng::new(7);
    let (x, y, row) = (r.away(&[3, 4]), r.away(&[4, 4]), r.away(&[4]));
    let scale = r.away(&[1]);
    let reductions: [(&str, Op1); 4] = [
        ("sum", |t| Ok(reduce::sum(t, None, false))),
        ("mean", |t| Ok(reduce::mean(t, None, false))),
        ("sum keepdim", |t| Ok(reduce::sum(t, None, true))),
        ("mean of sum", |t| {
            Ok(reduce::mean(&reduce::sum(t, None, true), None, false))
        }),
    ];
    for (rname, red) in reductions {
        for (name, op) in unary {
            let f = |xs: &[Tensor]| red(&op(&xs[0])?);
            let [p, q] = both_passes(&f, std::slice::from_ref(&x));
            assert_eq!(p, q, "{rname}({name}(x))");
            // Scaled first: the filled value is not 1.
            let f = |xs: &[Tensor]| red(&ew::mul_scalar(&op(&xs[0])?, 1.7));
            let [p, q] = both_passes(&f, std::slice::from_ref(&x));
            assert_eq!(p, q, "{rname}(1.7 * {name}(x))");
        }
        for (name, op) in binary {
            let pairs = match name {
                "matmul" => vec![(&x, &y), (&y, &y)],
                _ => vec![(&y, &y), (&x, &row), (&row, &y), (&y, &scale)],
            };
            for (a, b) in pairs {
                let f = |xs: &[Tensor]| red(&op(&xs[0], &xs[1])?);
                let [p, q] = both_passes(&f, &[a.clone(), b.clone()]);
                assert_eq!(p, q, "{rname}({name}) {:?} {:?}", a.shape(), b.shape());
                let f = |xs: &[Tensor]| red(&ew::neg(&op(&xs[0], &xs[1])?));
                let [p, q] = both_passes(&f, &[a.clone(), b.clone()]);
                assert_eq!(p, q, "{rname}(-{name}) {:?} {:?}", a.shape(), b.shape());
            }
        }
    }
}
