//! SPEC v3 §19 (issue 28): default parameter values, keyword arguments to user
//! functions, and classes, as a Python user expects them.

mod common;

use common::{error_of as error, output_of as output};

#[test]
fn defaults_fill_what_positions_and_keywords_leave() {
    let out = output(
        "fn step(x, lr=0.1, momentum=0) { return x - lr * (1 + momentum) }\n\
         print(step(1), step(1, 0.5), step(1, momentum=1), step(x=2, momentum=0.5, lr=1))\n\
         mk = fn(scale=2) { return fn(x) { return x * scale } }\n\
         print(mk()(4), mk(scale=3)(4))\n",
    );
    assert_eq!(out, "0.9 0.5 0.8 0.5\n8 12\n");
}

#[test]
fn defaults_are_evaluated_once_where_the_function_is_defined() {
    let out = output(
        "k = 5\nfn g(a=k) { return a }\nk = 6\nprint(g())\n\
         fn h(xs=list()) { xs.append(1); return len(xs) }\nh()\nprint(h())\n\
         fn outer(n) { return fn(m=n * 2) { return m } }\nprint(outer(3)(), outer(4)(1))\n",
    );
    assert_eq!(out, "5\n2\n6 1\n");
}

#[test]
fn argument_errors_name_the_function_and_its_parameters() {
    let f = "fn train(learning_rate, momentum=0) { return learning_rate }\n";
    let e = error(&format!("{f}train(momentum=0.9)\n"));
    assert!(
        e.contains("train() is missing its argument 'learning_rate'"),
        "{e}"
    );
    assert!(e.contains("train(learning_rate, momentum=0)"), "{e}");
    let e = error(&format!("{f}train(1, momentun=0.9)\n"));
    assert!(e.contains("has no parameter named 'momentun'"), "{e}");
    assert!(e.contains("did you mean 'momentum'?"), "{e}");
    let e = error(&format!("{f}train(1, learning_rate=2)\n"));
    assert!(
        e.contains("got two values for its argument 'learning_rate'"),
        "{e}"
    );
    let e = error(&format!("{f}train(1, 2, 3)\n"));
    assert!(e.contains("train() takes 2 arguments; found 3"), "{e}");
    let e = error("fn f(a, b, c=1) { return a }\nf()\n");
    assert!(e.contains("missing its arguments 'a' and 'b'"), "{e}");
}

#[test]
fn classes_make_shared_objects_with_init_call_methods_and_fields() {
    let out = output(
        "class Counter {\n  fn init(self, start=0) { self.n = start }\n\
         fn add(self, k) { self.n = self.n + k; return self.n }\n\
         fn call(self) { return self.add(1) }\n}\n\
         c = Counter()\nc.add(5)\nprint(c(), c.n)\nd = c\nd.add(10)\nprint(c.n)\n\
         c.label = 'clicks'\nprint(d.label)\nc.n += 4\nprint(c.n, Counter(start=100).n)\n\
         print(c is d, c == d, c == Counter(), c is Counter())\n\
         c.f = fn(x) { return x * 2 }\nprint(c.f(21))\n",
    );
    assert_eq!(out, "6 6\n16\nclicks\n20 100\ntrue true false false\n42\n");
}

#[test]
fn objects_display_their_fields_in_order_or_their_show() {
    let out = output(
        "class Point {\n  fn init(self, x, y) { self.x = x; self.y = y }\n}\n\
         p = Point(1, 2.5)\nprint(p)\nprint((p, 'a'))\nprint({'k': p})\n\
         class Bag {\n  fn init(self) { self.items = list() }\n\
         fn show(self) { return f\"<{len(self.items)} items>\" }\n}\n\
         b = Bag()\nb.items.append(p)\nprint(b, str(b), f'{b}')\nprint(list((b, p)))\n\
         class Loop {\n  fn init(self) { self.me = self }\n}\nprint(Loop())\n\
         class Empty {}\nprint(Empty())\n",
    );
    assert_eq!(
        out,
        "Point(x=1, y=2.5)\n(Point(x=1, y=2.5), \"a\")\n{\"k\": Point(x=1, y=2.5)}\n\
         <1 items> <1 items> <1 items>\n[<1 items>, Point(x=1, y=2.5)]\n\
         Loop(me=Loop(...))\nEmpty()\n"
    );
}

#[test]
fn objects_train_as_models_with_parameters_and_optimizers() {
    let out = output(
        "class Neuron {\n  fn init(self, w, b) { self.w = tensor(w, grad); self.b = tensor(b, grad) }\n\
         fn call(self, x) { return tanh(sum(self.w * x) + self.b) }\n}\n\
         n = Neuron([0.5, -1.5], 0.25)\nout = n([2, 1])\nbackward(out)\n\
         print(len(parameters(n)), named_parameters(n)[1][0], parameters(n)[0] is n.w)\n\
         class Net {\n  fn init(self) { self.layers = list((n, Neuron([1, 1], 0))); self.head = n }\n}\n\
         net = Net()\nps = named_parameters(net)\nprint(len(ps), ps[0][0], ps[3][0])\n\
         opt = sgd(net, lr=0.1)\nopt.step()\nprint(n.b.item() < 0.25)\n",
    );
    assert_eq!(out, "2 b true\n4 layers.0.w layers.1.b\ntrue\n");
}

#[test]
fn class_errors_name_the_class_and_what_it_has() {
    let e = error(
        "class Linear {\n  fn init(self, n) { self.weight = ones(n, n); self.bias = zeros(n) }\n}\n\
         m = Linear(2)\nprint(m.wieght)\n",
    );
    assert!(e.contains("a Linear object has no field 'wieght'"), "{e}");
    assert!(e.contains("did you mean 'weight'?"), "{e}");
    assert!(e.contains("fields weight, bias"), "{e}");
    let e = error("class P {}\nP(1)\n");
    assert!(e.contains("P() takes no arguments"), "{e}");
    let e = error("class P {}\np = P()\np()\n");
    assert!(e.contains("has no `call` method"), "{e}");
    let e = error("class P {\n  fn m(self) { return 1 }\n}\nP().nope()\n");
    assert!(e.contains("has no field 'nope'"), "{e}");
    let e = error("class P {\n  fn show(self) { return 1 }\n}\nprint(P())\n");
    assert!(e.contains("P.show() must return a string"), "{e}");
    let e = error("class P {\n  fn m(self) { return 1 }\n}\nx = P().m\n");
    assert!(e.contains("'m' is a method of P"), "{e}");
}

/// `bp check`'s report of `src` (empty when it finds nothing).
fn check(src: &str) -> String {
    let mut err = Vec::new();
    bp::check(src, "test.bp", &mut err, false);
    String::from_utf8_lossy(&err).into_owned()
}

#[test]
fn check_reports_calls_that_cannot_fit_the_definition() {
    let f = "fn train(lr, momentum=0) { return lr }\n";
    assert!(check(&format!("{f}train(momentum=1)\n")).contains("missing its argument 'lr'"));
    assert!(check(&format!("{f}train(1, 2, 3)\n")).contains("takes 2 arguments; found 3"));
    assert!(check(&format!("{f}train(1, lr=2)\n")).contains("got two values"));
    assert!(check(&format!("{f}train(1, mom=2)\n")).contains("no parameter named 'mom'"));
    let c = "class Layer {\n  fn init(self, nin, nout=1) { self.n = nin }\n}\n";
    assert!(check(&format!("{c}Layer()\n")).contains("Layer.init() is missing its argument 'nin'"));
    // Calls that fit, and names bound twice (which function runs is not known), pass.
    assert_eq!(
        check(&format!(
            "{f}train(1)\ntrain(lr=1, momentum=2)\n{c}Layer(2, nout=3)\n"
        )),
        ""
    );
    assert_eq!(
        check("fn g(a) { return a }\ng = fn(a, b) { return a }\ng(1, 2)\n"),
        ""
    );
    assert_eq!(check("class P {}\nP()\n"), "");
}

#[test]
fn the_repl_echoes_objects_by_show_and_completes_their_members() {
    let mut repl = bp::repl::Repl::new(false);
    let mut out = String::new();
    for line in [
        "class Bag { fn init(self) { self.items = list(); self.size = 0 }; fn add(self, x) { self.items.append(x) }; fn show(self) { return 'bag' } }",
        "b = Bag()",
        "b",
        "(b, 1)",
    ] {
        let r = repl.feed(line);
        assert_eq!(r.err, "", "{line}");
        out.push_str(&r.out);
    }
    assert_eq!(out, "bag\n(bag, 1)\n");
    let vars = repl.variable_names();
    let members = |w: &str| repl.members_of(w);
    let (start, words) = bp::repl::helper::complete_with("b.", 2, &vars, &members);
    assert_eq!(
        (start, words),
        (2, vec!["items".to_string(), "size".into(), "add".into()]),
        "fields first, then methods"
    );
    let (_, words) = bp::repl::helper::complete_with("b.si", 4, &vars, &members);
    assert_eq!(words, vec!["size".to_string()]);
}
