//! The explanations of a small recorded graph: tape, graph, DOT, gradflow and why.

mod common;

use bp::eval::explain;
use bp::eval::{Interpreter, Options};

fn interp(src: &str) -> Interpreter {
    let mut it = Interpreter::new(Box::new(std::io::sink()), Options::default());
    if let Err(e) = it.run_source("t.bp", src) {
        panic!("script failed: {e:?}");
    }
    it
}

const CHAIN: &str =
    "x = ones(3, 3, grad)\nt = x * x + 2\nz = 2 * t + 1\ny = mean(z)\nbackward(y)\n";

#[test]
fn tape_lists_operations_inputs_first_with_source() {
    let it = interp(CHAIN);
    let text = explain::tape(&it, "y").expect("tape");
    println!("{text}");
    let mul = text.find("MulBackward").expect("mul");
    let mean = text.find("MeanBackward").expect("mean");
    assert!(mul < mean, "{text}");
    assert!(text.contains("x * x"), "{text}");
    assert!(text.contains("mean(z)"), "{text}");
    assert!(text.contains("<- x, x"), "{text}");
    assert!(text.contains("5 recorded operations"), "{text}");
}

#[test]
fn graph_draws_a_tree_and_dot() {
    let it = interp(CHAIN);
    let text = explain::graph(&it, "y").expect("graph");
    println!("{text}");
    assert!(text.starts_with("y = MeanBackward"), "{text}");
    assert!(text.contains("└─ z = AddBackward"), "{text}");
    assert!(text.contains("x  [3, 3]  (leaf, requires grad)"), "{text}");
    let dot = explain::graph_dot(&it, "y").expect("dot");
    println!("{dot}");
    assert!(dot.starts_with("digraph \"y\" {"), "{dot}");
    assert!(dot.contains("->"), "{dot}");
    assert!(dot.trim_end().ends_with('}'), "{dot}");
}

#[test]
fn unknown_variable_suggests_a_name() {
    let it = interp(CHAIN);
    let d = explain::tape(&it, "yy").expect_err("unknown");
    assert_eq!(d.hint.as_deref(), Some("did you mean 'y'?"));
}

#[test]
fn gradflow_flags_vanishing_and_exploding() {
    let it = interp(
        "a = ones(4, grad)\nb = ones(4, grad)\nc = ones(4, grad)\n\
         backward(sum(a * 1e-9 + b * 1e4 + c))\n",
    );
    let table = explain::gradflow(&it);
    println!("{table}");
    let line = |n: &str| {
        table
            .lines()
            .find(|l| l.starts_with(&format!("{n} ")))
            .unwrap_or_else(|| panic!("no row for {n} in\n{table}"))
            .to_string()
    };
    assert!(line("a").ends_with("vanishing"), "{table}");
    assert!(line("b").ends_with("exploding"), "{table}");
    assert!(!line("c").contains("vanishing") && !line("c").contains("exploding"));
    assert!(line("c").contains("2.000e0"), "{table}");
    assert_eq!(explain::flag(1e-8), Some("vanishing"));
    assert_eq!(explain::flag(1e4), Some("exploding"));
    assert_eq!(explain::flag(1.0), None);
    assert!(explain::log_bar(1e4).chars().all(|c| c == '█'));
    assert!(explain::log_bar(0.0).chars().all(|c| c == '·'));
}

#[test]
fn gradflow_lists_a_tensor_reachable_under_several_names_once() {
    let it = interp(
        "w = ones(2, grad)
b = ones(1, grad)
params = (w, b)
nested = (1, (w,))
         alias = w
backward(sum(w * 3) + sum(b))
",
    );
    let table = explain::gradflow(&it);
    println!("{table}");
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "one row per tensor:\n{table}");
    assert!(
        rows.iter()
            .any(|r| r.starts_with("alias, nested[1][0], params[0], w ")),
        "{table}"
    );
    assert!(
        rows.iter().any(|r| r.starts_with("b, params[1] ")),
        "{table}"
    );
}

#[test]
fn why_follows_the_path_and_flags_saturation_and_growth() {
    let it = interp(
        "x = tensor([20, 30], grad)\nw = ones(2, grad)\ns = sigmoid(x)\n\
         y = sum(s * 1e5 * w)\nbackward(y)\n",
    );
    let text = explain::why(&it, "x").expect("why");
    println!("{text}");
    assert!(text.contains("SigmoidBackward"), "{text}");
    assert!(text.contains("saturated sigmoid"), "{text}");
    assert!(text.contains("multiplies the gradient norm by"), "{text}");
    assert!(text.contains("sum(s * 1e5 * w)"), "{text}");
}

#[test]
fn why_says_when_there_is_no_path() {
    let it = interp(
        "x = ones(2, grad)\nd = detach(x)\nno_grad {\n  n = x * 2\n}\nu = ones(2, grad)\n\
         y = sum(x * d)\nbackward(y)\nc = ones(2)\n",
    );
    let detached = explain::why(&it, "d").expect("why d");
    assert!(detached.contains("detached"), "{detached}");
    let nograd = explain::why(&it, "n").expect("why n");
    assert!(nograd.contains("no_grad"), "{nograd}");
    let unused = explain::why(&it, "u").expect("why u");
    assert!(unused.contains("never used"), "{unused}");
    let plain = explain::why(&it, "c").expect("why c");
    assert!(plain.contains("without grad"), "{plain}");
    let before = interp("x = ones(2, grad)\n");
    assert!(explain::why(&before, "x")
        .expect("why")
        .contains("no backward"));
}

/// Runs `src` with its output kept; returns what it printed.
fn printed(src: &str) -> String {
    let out = common::Shared::default();
    let mut it = Interpreter::new(Box::new(out.clone()), Options::default());
    if let Err(e) = it.run_source("t.bp", src) {
        panic!("script failed: {e:?}");
    }
    out.text()
}

#[test]
fn backprop_steps_shows_the_chain_rule_link_by_link_and_fills_grad() {
    let text = printed(
        "a = tensor(2.0, grad)\nb = tensor(-3.0, grad)\nc = a * b\nd = tanh(c + 1)\n\
         backprop_steps(d)\nassert_close(a.grad, tensor(-0.0005447496928315579))\n\
         assert_close(b.grad, tensor(0.00036316646188770533))\n",
    );
    insta::assert_snapshot!("backprop_steps_tanh_of_a_product", text);
}

#[test]
fn graph_shows_values_and_grads_after_backward() {
    let it = interp(CHAIN);
    let text = explain::graph(&it, "y").expect("graph");
    assert!(
        text.contains("y = MeanBackward  []  mean(z)  = 7"),
        "{text}"
    );
    assert!(
        text.contains("= mean 1 in [1, 1]  grad mean 0.4444 in [0.4444, 0.4444]"),
        "{text}"
    );
}
