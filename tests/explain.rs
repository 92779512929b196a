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

/// Example 04's network (the classic worked example), every weight its own leaf.
const EXAMPLE_04: &str = "i1 = 0.05\ni2 = 0.10\nt1 = 0.01\nt2 = 0.99\n\
    w1 = tensor(0.15, grad)\nw2 = tensor(0.20, grad)\nw3 = tensor(0.25, grad)\n\
    w4 = tensor(0.30, grad)\nw5 = tensor(0.40, grad)\nw6 = tensor(0.45, grad)\n\
    w7 = tensor(0.50, grad)\nw8 = tensor(0.55, grad)\nb1 = tensor(0.35, grad)\n\
    b2 = tensor(0.60, grad)\n\
    h1 = sigmoid(w1 * i1 + w2 * i2 + b1)\nh2 = sigmoid(w3 * i1 + w4 * i2 + b1)\n\
    o1 = sigmoid(w5 * h1 + w6 * h2 + b2)\no2 = sigmoid(w7 * h1 + w8 * h2 + b2)\n\
    E = 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2\nbackprop_steps(E)\n";

/// SPEC §21: for the seed's two-layer sigmoid network the steps read as the hand
/// derivation does (dE/dout_o1 = 0.74136507, dout_o1/dnet_o1 = out_o1 (1 - out_o1) =
/// 0.186815602, dnet_o1/dw5 = out_h1 = 0.593269992, dE/dw5 = 0.082167041; dE/dout_h1
/// adds up what o1 and o2 send back: 0.055399425 - 0.019049119 = 0.036350306).
#[test]
fn backprop_steps_reads_as_the_hand_derivation_of_example_04() {
    let text = printed(EXAMPLE_04);
    for line in [
        "arriving at its output:  ∂E/∂o1 = 0.7414",
        "with the values:       0.751365 × (1 - 0.751365) = 0.1868",
        "sends to w5 * h1 + w6 * h2 + b2:  0.7414 × 0.1868 = 0.1385",
        "with the values:       for w5: v = h1 = 0.59327; for h1: u = w5 = 0.4",
        "sends to w5:  0.1385 × 0.5933 = 0.0822",
        "∂E/∂h1 = -0.019 + 0.0554 = 0.0364  (added up from its 2 uses: w7 * h1, w5 * h1)",
        "with the values:       2 × (-0.741365)^(2 - 1) = -1.4827",
        "∂E/∂w5 = w5.grad = 0.0822",
        "∂E/∂w1 = w1.grad = 4.386e-4",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    insta::assert_snapshot!("backprop_steps_of_example_04", text);
}

/// Each local derivative that `backprop_steps` puts values into (a builtin row's
/// `local`, an operator's rule) is the derivative backward uses, at two points.
#[test]
fn every_local_derivative_with_values_is_the_one_backward_uses() {
    let mut checked = 0;
    for row in bp::eval::builtins::all() {
        let Some(local) = row.local else { continue };
        for x0 in [0.3, 1.7] {
            let src = format!(
                "x = tensor({x0}, grad)\ny = {}(x)\nbackward(y)\nno_grad {{ local = {local} }}\n\
                 assert_close(x.grad, local, rtol=1e-12, atol=0)\n",
                row.name
            );
            common::output_of(&src);
        }
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} rows have a local derivative");
    for rule in bp::eval::chain_rule::OPERATOR_RULES {
        for (j, local) in rule.local.iter().enumerate() {
            let [a, b] = rule.inputs else {
                // Negation: one input.
                let src = format!(
                    "x = tensor(0.7, grad)\ny = {}x\nbackward(y)\n\
                     assert_close(x.grad, {local}, rtol=1e-12, atol=0)\n",
                    rule.operator
                );
                common::output_of(&src);
                continue;
            };
            let src = format!(
                "{a} = tensor(0.7, grad)\n{b} = tensor(1.3, grad)\ny = {a} {} {b}\nbackward(y)\n\
                 no_grad {{ local = {local} }}\n\
                 assert_close({}.grad, local, rtol=1e-12, atol=0)\n",
                rule.operator, rule.inputs[j]
            );
            common::output_of(&src);
        }
    }
}

/// In the notebook, `backprop_steps` also draws the graph with the gradient that
/// flowed along each edge.
#[test]
fn backprop_steps_in_the_notebook_draws_the_gradient_on_each_edge() {
    use bp::picture::Picture;
    use std::{cell::RefCell, rc::Rc};
    let out = common::Shared::default();
    let mut it = Interpreter::new(Box::new(out.clone()), Options::default());
    let seen: Rc<RefCell<Vec<Picture>>> = Rc::default();
    let sink = seen.clone();
    it.set_picture_sink(Some(Box::new(move |p: &Picture| {
        sink.borrow_mut().push(p.clone())
    })));
    it.run_source(
        "<cell>",
        "a = tensor(2.0, grad)\nb = tensor(-3.0, grad)\nd = tanh(a * b + 1)\nbackprop_steps(d)\n",
    )
    .map_err(|_| "run failed")
    .expect("runs");
    assert!(out.text().contains("step 1  tanh"), "{}", out.text());
    let seen = seen.borrow();
    assert_eq!(seen.len(), 1, "one picture");
    let svg = seen[0].to_svg();
    let doc = roxmltree::Document::parse(&svg).expect("an SVG document");
    let labels: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("edge-label"))
        .filter_map(|n| n.text())
        .collect();
    // tanh'(-5) = 1 - tanh(-5)^2 = 1.8158e-4 flows into a * b + 1, then on to a * b,
    // then b's value times it to a, a's to b.
    assert_eq!(labels.len(), 4, "{svg}");
    for want in ["1.816e-4", "-5.447e-4", "3.632e-4"] {
        assert!(labels.contains(&want), "{want} not in {labels:?}");
    }
}
