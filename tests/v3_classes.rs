//! SPEC v3 §19 (issue 28): default parameter values, keyword arguments to user
//! functions, and classes, as a Python user expects them.

use bp::eval::Options;
mod common;

use common::Shared;

/// Runs `src`; returns (stdout, stderr, success).
fn run(src: &str) -> (String, String, bool) {
    let out = Shared::default();
    let mut err = Vec::new();
    let code = bp::run(
        src,
        "test.bp",
        Box::new(out.clone()),
        &mut err,
        Options::default(),
        false,
    );
    (
        out.text(),
        String::from_utf8_lossy(&err).into_owned(),
        code == bp::Exit::Success,
    )
}

fn output(src: &str) -> String {
    let (out, err, ok) = run(src);
    assert!(ok, "{src} failed: {err}");
    out
}

fn error(src: &str) -> String {
    let (_, err, ok) = run(src);
    assert!(!ok, "{src} should fail");
    err
}

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
