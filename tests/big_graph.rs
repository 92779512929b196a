//! The autodiff core and the library entry points on an ordinary thread: a graph of
//! a million nodes is differentiated and dropped without recursion, and `bp::run`
//! survives deep scripts on a default 2 MiB test thread.

use bp::autodiff::{backward, elementwise as ew, live_nodes, BackwardOptions, Tensor};
use ndarray::{ArrayD, IxDyn};

#[test]
fn a_million_node_chain_is_differentiated_and_dropped() {
    let n = 1_000_000;
    let before = live_nodes();
    let x = Tensor::leaf(ArrayD::from_elem(IxDyn(&[1]), 1.0), true);
    let half = Tensor::scalar(1.0);
    let mut y = x.clone();
    for _ in 0..n {
        y = ew::mul(&y, &half).expect("mul");
    }
    assert_eq!(live_nodes() - before, n);
    let seed = Tensor::constant(ArrayD::from_elem(IxDyn(&[1]), 1.0));
    let options = BackwardOptions::default();
    backward(&y, &seed, None, options).expect("backward");
    assert_eq!(x.grad().and_then(|g| g.item()), Some(1.0));
    drop(y);
    assert_eq!(live_nodes(), before);
}

fn run_here(script: &str) -> (bp::Exit, String) {
    let mut err = Vec::new();
    let code = bp::run(
        script,
        "t.bp",
        Box::new(std::io::sink()),
        &mut err,
        bp::eval::Options::default(),
        false,
        None,
    );
    (code, String::from_utf8_lossy(&err).into_owned())
}

#[test]
fn the_library_survives_deep_scripts_on_a_default_thread() {
    // Tests run on 2 MiB threads: parsing, evaluating and dropping must not need more.
    let sum = format!("x = {}\n", vec!["1"; 300_000].join("+"));
    assert_eq!(run_here(&sum).0, bp::Exit::Success);
    let neg = format!("x = {}1\n", "- ".repeat(50_000));
    assert_eq!(run_here(&neg).0, bp::Exit::Success);
    let (code, err) = run_here("fn f(n) { return f(n + 1) }\nf(0)\n");
    assert_eq!(code, bp::Exit::RuntimeError);
    assert!(err.contains("recursion too deep"), "{err}");
    let parens = format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000));
    assert_eq!(run_here(&parens).0, bp::Exit::SyntaxError);
}

#[test]
fn a_tuple_nested_millions_deep_is_dropped_without_recursion() {
    use bp::eval::Value;
    let mut x = Value::Tuple(Vec::new().into());
    for _ in 0..8_000_000 {
        x = Value::Tuple(vec![x].into());
    }
    drop(x);
    // Shown and compared on a stack grown on the heap, in linear time.
    let mut y = Value::Tuple(Vec::new().into());
    for _ in 0..200_000 {
        y = Value::Tuple(vec![y, Value::Num(1.0)].into());
    }
    let text = y.to_repr();
    assert!(text.starts_with("(((((") && text.ends_with(", 1)"));
}
