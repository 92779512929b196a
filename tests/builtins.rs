//! The builtin table (SPEC §12): every row is complete, every example runs, and
//! the argument checks derived from a row accept exactly what it declares.

mod common;

use bp::eval::builtins::{self, Group, ParamDefault, Pass};

/// Runs `src` in a temporary folder holding `data.csv` (for the file builtins'
/// examples), so that nothing is written beside the tests.
fn run(src: &str) -> Result<(), String> {
    common::run_source(src, &[("data.csv", "x,y\n1,2\n3,4\n")])
}

#[test]
fn every_row_is_complete() {
    for b in builtins::all() {
        assert!(!b.doc.trim().is_empty(), "{} has no description", b.name);
        assert!(!b.example.trim().is_empty(), "{} has no example", b.name);
        assert!(
            !b.torch.trim().is_empty(),
            "{} has no PyTorch equivalent",
            b.name
        );
        if b.group.differentiable() {
            assert!(
                b.derivative.is_some_and(|d| !d.trim().is_empty()),
                "{} is differentiable but states no derivative",
                b.name
            );
        } else {
            assert!(b.derivative.is_none(), "{} is not differentiable", b.name);
        }
        // Call order: positional, then *rest, then keyword-only.
        let order: Vec<u8> = b
            .params
            .iter()
            .map(|p| match p.pass {
                Pass::Positional => 0,
                Pass::Rest => 1,
                Pass::Keyword => 2,
                Pass::KeywordRest => 3,
            })
            .collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{}: order", b.name);
        assert!(b.params.iter().filter(|p| p.pass == Pass::Rest).count() <= 1);
        // No required positional parameter after an optional one.
        let positional: Vec<_> = b
            .params
            .iter()
            .filter(|p| p.pass == Pass::Positional)
            .collect();
        assert!(
            positional
                .windows(2)
                .all(|w| !(w[0].default != ParamDefault::Required
                    && w[1].default == ParamDefault::Required)),
            "{}: a required parameter follows an optional one",
            b.name
        );
    }
    let grouped: usize = Group::ALL.iter().map(|g| builtins::group(*g).count()).sum();
    assert_eq!(
        grouped,
        builtins::all().len(),
        "every builtin is in a listed group"
    );
}

#[test]
fn every_example_runs() {
    // Debug assertions also check that each body reads only the names of its row.
    for b in builtins::all() {
        run(b.example)
            .unwrap_or_else(|e| panic!("{}: example {:?} failed: {e}", b.name, b.example));
    }
}

#[test]
fn no_builtin_accepts_an_undeclared_argument() {
    for b in builtins::all() {
        if b.params.iter().any(|p| p.pass == Pass::KeywordRest) {
            continue; // save(path, **tensors) takes any name
        }
        let call = b.example.strip_suffix(')').unwrap_or(b.example);
        let sep = if call.ends_with('(') { "" } else { ", " };
        let err = run(&format!("{call}{sep}no_such_arg=1)"))
            .expect_err(&format!("{} accepted an undeclared keyword", b.name));
        assert!(
            err.contains(&format!("{}() has no argument named 'no_such_arg'", b.name)),
            "{}: {err}",
            b.name
        );
        assert!(
            err.contains(&b.signature()),
            "{}: the hint names what it accepts: {err}",
            b.name
        );
        if !b.params.iter().any(|p| p.pass == Pass::Rest) {
            let n = b
                .params
                .iter()
                .filter(|p| p.pass == Pass::Positional)
                .count();
            let args = vec!["1"; n + 1].join(", ");
            let err = run(&format!("{}({args})", b.name)).expect_err(&format!(
                "{} accepted {} positional arguments",
                b.name,
                n + 1
            ));
            assert!(err.contains("positional argument"), "{}: {err}", b.name);
        }
    }
}

#[test]
fn missing_arguments_are_named_from_the_row() {
    let err = run("linspace(0, 1)").unwrap_err();
    assert!(
        err.contains("linspace() takes 3 arguments; found 2"),
        "{err}"
    );
    assert!(
        err.contains("usage: linspace(start, end, steps, *, grad=false)"),
        "{err}"
    );
    let err = run("leaky_relu(x=1, x=2)").unwrap_err();
    assert!(err.contains("got two values for 'x'"), "{err}");
    let err = run("pow(2, x=3)").unwrap_err();
    assert!(err.contains("got two values for 'x'"), "{err}");
    run("assert(pow(p=3, x=2) == 8)").unwrap();
}

#[test]
fn rows_declare_what_bodies_accept() {
    // The disagreements of issue 12, now declared in the rows.
    let sig = |n: &str| {
        builtins::lookup(n)
            .map(|b| b.signature())
            .unwrap_or_default()
    };
    assert!(
        sig("backward").contains("create_graph=false"),
        "{}",
        sig("backward")
    );
    assert!(sig("backward").contains("retain_graph=create_graph"));
    assert!(sig("arange").contains("grad=false") && sig("linspace").contains("grad=false"));
    assert!(
        sig("gradcheck").contains("eps=1e-06, atol=1e-05, rtol=0.001"),
        "{}",
        sig("gradcheck")
    );
    run("x = linspace(0, 1, 3, grad=true)\nassert(x.requires_grad)\ny = arange(3, grad=true)\nassert(y.requires_grad)").unwrap();
    run("x = ones(2, grad=true)\nbackward(sum(x * x), create_graph=true)\nassert(x.grad.requires_grad)").unwrap();
    run("assert(gradcheck(fn(x) { return sum(x * x) }, ones(2, grad=true), eps=1e-5, atol=1e-4, rtol=1e-2))").unwrap();
}

#[test]
fn docs_builtins_md_is_current() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/builtins.md"))
            .unwrap_or_default();
    assert!(
        committed == builtins::help::markdown(),
        "docs/builtins.md is stale: run `cargo run -- help --markdown > docs/builtins.md`"
    );
}

fn bp(args: &[&str]) -> (i32, String, String) {
    common::bp(args).run()
}

#[test]
fn bp_help_lists_every_builtin_by_group_and_describes_one() {
    let (code, out, _) = bp(&["help"]);
    assert_eq!(code, 0);
    for g in Group::ALL {
        assert!(
            out.contains(&format!("\n{}\n", g.title())),
            "group {}",
            g.title()
        );
    }
    for b in builtins::all() {
        assert!(
            out.contains(&b.signature()),
            "{} missing from bp help",
            b.name
        );
    }
    let (code, out, _) = bp(&["help", "sigmoid"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "sigmoid(x)\n  the logistic function 1/(1+e^-x)\n  derivative: s(x) = 1/(1+e^-x); ds/dx = s(1-s)\n  example:    sigmoid(0)\n  PyTorch:    torch.sigmoid(x)\n"
    );
    let (code, _, err) = bp(&["help", "sigmod"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean 'sigmoid'?"), "{err}");
}

#[test]
fn repl_help_lists_builtins_and_describes_one() {
    let mut repl = bp::repl::Repl::new(false);
    let r = repl.feed(":help");
    assert!(r.out.contains("leaky_relu(x, slope=0.01)"), "{}", r.out);
    let r = repl.feed(":help leaky_relu");
    assert!(
        r.out.contains("derivative: 1 where x > 0, else slope"),
        "{}",
        r.out
    );
    assert!(
        r.out.contains("example:    leaky_relu(-2, 0.1)"),
        "{}",
        r.out
    );
    let r = repl.feed(":help nosuch");
    assert!(r.err.contains("no builtin named 'nosuch'"), "{}", r.err);
}
