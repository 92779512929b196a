//! The static checks of `bp check` and the editor (SPEC §16): what they find in small
//! scripts, their reports for `examples/errors/` (snapshots), and no false positive
//! on any example, conformance or test script.

mod common;

use bp::diagnostic::Diagnostic;
use bp::eval::{Interpreter, Options, RunError};
use bp::source::SourceId;
use std::path::{Path, PathBuf};

/// The static diagnostics of `src`: (message, the text under the primary label).
fn check(src: &str) -> Vec<(String, String)> {
    bp::eval::resolve::analyze(src, SourceId(0))
        .diagnostics
        .iter()
        .map(|d| {
            let under = d
                .primary_span()
                .and_then(|s| src.get(s.range()))
                .unwrap_or("")
                .to_string();
            (d.message.clone(), under)
        })
        .collect()
}

fn messages(src: &str) -> Vec<String> {
    check(src).into_iter().map(|(m, _)| m).collect()
}

#[test]
fn clean_scripts_have_no_diagnostics() {
    let clean = [
        // globals assigned later, read inside a function that runs after them
        "fn f() { return later * 2 }\nlater = 3\nprint(f())",
        // parameters, closures capturing an enclosing function's locals
        "fn make(k) { fn add(x) { return x + k + m }\n m = 1\n return add }\nprint(make(2)(3))",
        // anonymous functions and their parameters
        "sq = fn(x) { return x * x }\nprint(sq(3))",
        // for variables, tuple unpacking
        "a, b = (1, 2)\nfor i in range(3) { print(i + a + b) }",
        // a name first bound further down a loop that comes round again
        "for i in range(3) { if i > 0 { print(prev) }\n prev = i }",
        "k = 0\nwhile k < 3 { if k > 0 { print(last) }\n last = k\n k += 1 }",
        // recursion
        "fn fact(n) { if n <= 1 { return 1 }\n return n * fact(n - 1) }\nprint(fact(5))",
        // builtins with their keywords, the grad flag, methods and shapes
        "x = ones(2, 3, grad)\ny = x.sum(axis=0, keepdim=true)\nbackward(y.mean())\nprint(zeros(2, 3, 4).shape)",
        "print(1, 2, 3, 4, 5)\nassert_close(1, 1, atol=1e-6, rtol=0)",
        // a user function that shadows a builtin takes any arguments
        "fn relu(a, b, c) { return a }\nprint(relu(1, 2, 3))",
        // break and continue in loops, return in functions and lambdas
        "for i in range(3) { if i == 1 { continue }\n if i == 2 { break } }\nf = fn() { return 1 }",
        // a variable bound in one branch and read after the `if`
        "if true { v = 1 } else { v = 2 }\nprint(v)",
        // lists, index assignment, f-strings with specs, str/round
        "xs = list()\nxs.append(1)\nxs[0] = 2\nys = xs + list((3, 4))\nprint(f\"n {len(ys):>4} last {ys.pop():.2f} {{x}}\", str(round(2.5)))",
        "x = zeros(3)\nx[1:] = 1\nx[0] += 2\ny = tensor([1, 2], requires_grad=true)",
        // modules: the name (or the file's stem) is bound; members are the module's
        "import \"lib/layers.bp\" as nn\nimport \"lib/layers.bp\"\nprint(nn.linear([1, 1]), layers.W, nn.scale)",
    ];
    for src in clean {
        assert_eq!(messages(src), Vec::<String>::new(), "in:\n{src}");
    }
}

#[test]
fn unknown_names_with_hints_and_scopes() {
    let d = bp::eval::resolve::analyze("weights = ones(2)\nprint(weight)", SourceId(0)).diagnostics;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].message, "unknown name 'weight'");
    assert_eq!(d[0].hint.as_deref(), Some("did you mean 'weights'?"));

    // A function's locals and parameters are not visible outside it.
    assert_eq!(
        check("fn f(p) { q = p }\nprint(p, q)"),
        vec![
            ("unknown name 'p'".to_string(), "p".to_string()),
            ("unknown name 'q'".to_string(), "q".to_string())
        ]
    );
    // A top-level read before the first binding (not in a loop) fails when it runs.
    assert_eq!(messages("print(y)\ny = 1"), vec!["unknown name 'y'"]);
    // A local read before its binding in the same function, with no global of that
    // name, fails too.
    assert_eq!(
        messages("fn f() { print(t)\n t = 1 }\nf()"),
        vec!["unknown name 't'"]
    );
    // The for variable and the unpacked names are bound; others are not.
    assert_eq!(
        messages("for i in range(2) { print(i, j) }\na, b = (1, 2)\nprint(a, b, c)"),
        vec!["unknown name 'j'", "unknown name 'c'"]
    );
    // `x += 1` reads `x`.
    assert_eq!(messages("z += 1"), vec!["unknown name 'z'"]);
    // A name read inside an f-string.
    assert_eq!(
        check("k = 1\nprint(f\"{k} {kk:.2f}\")"),
        vec![("unknown name 'kk'".to_string(), "kk".to_string())]
    );
    // PyTorch's spellings get bp's as the hint, as when the script runs.
    let d = bp::eval::resolve::analyze("x = torch.ones(3)", SourceId(0)).diagnostics;
    assert_eq!(d[0].message, "unknown name 'torch'");
    assert!(
        d[0].hint.as_deref().unwrap_or("").contains("ones("),
        "{:?}",
        d[0].hint
    );
    // A method name may be a method of the value (an optimizer's `opt.step()`), not
    // a function: left to the run.
    assert_eq!(messages("x = ones(2)\nx.sumn()"), Vec::<String>::new());
}

#[test]
fn builtin_arity_and_keywords() {
    assert_eq!(
        check("x = ones(2)\ns = sum(x, axsi=0)"),
        vec![(
            "sum() has no argument named 'axsi'".to_string(),
            "axsi=0".to_string()
        )]
    );
    assert_eq!(
        check("print(exp(1, 2))"),
        vec![(
            "exp() takes at most 1 positional argument; found 2".to_string(),
            "2".to_string()
        )]
    );
    assert_eq!(
        check("y = reshape(ones(4))"),
        vec![(
            "reshape() takes at least 2 arguments; found 1".to_string(),
            "reshape(ones(4))".to_string()
        )]
    );
    // The receiver of a method call is the first argument.
    assert_eq!(
        messages("x = ones(2)\nx.exp(3)\nx.pow(2)"),
        vec!["exp() takes at most 1 positional argument; found 2"]
    );
    // `grad` is a keyword flag that only some builtins take.
    assert_eq!(
        messages("x = exp(ones(2, grad), grad)"),
        vec!["exp() has no argument named 'grad'"]
    );
}

#[test]
fn loop_and_function_statements_in_place() {
    assert_eq!(
        check("break\nfor i in range(2) { f = fn() { continue } }\nreturn 1"),
        vec![
            (
                "break or continue outside a loop".to_string(),
                "break".to_string()
            ),
            (
                "break or continue outside a loop".to_string(),
                "continue".to_string()
            ),
            (
                "return outside a function".to_string(),
                "return 1".to_string()
            ),
        ]
    );
}

#[test]
fn every_syntax_error_is_reported() {
    let m = messages("x = = 1\ny = (2 +\n");
    assert!(m.len() >= 2, "{m:?}");
}

#[test]
fn check_reports_of_the_error_examples() {
    insta::glob!("../examples/errors", "*.bp", |path| {
        let src = std::fs::read_to_string(path).expect("read the script");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("script.bp");
        let mut err = Vec::new();
        let dir = path.parent().expect("the examples' folder");
        let code = bp::check_in(&src, name, dir, &mut err, false);
        let report = format!(
            "exit code: {}\n{}",
            code as i32,
            String::from_utf8_lossy(&err)
        );
        insta::with_settings!({ description => src, omit_expression => true }, {
            insta::assert_snapshot!(report);
        });
    });
}

/// Every script the project runs: examples, error examples, test and benchmark
/// scripts, and the conformance suite.
fn all_scripts() -> Vec<PathBuf> {
    let mut dirs = vec![
        PathBuf::from("examples"),
        PathBuf::from("examples/errors"),
        PathBuf::from("tests/regressions"),
        PathBuf::from("bench/workloads"),
    ];
    let shared = Path::new("../shared/conformance");
    assert!(
        shared.is_dir(),
        "the conformance suite must be at ../shared/conformance"
    );
    dirs.push(shared.to_path_buf());
    dirs.push(shared.join("v2"));
    dirs.push(shared.join("v2/lib"));
    let mut out = Vec::new();
    for d in dirs {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "bp") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn primary(d: &Diagnostic) -> Option<(u32, u32)> {
    d.primary_span().map(|s| (s.start, s.end))
}

/// A script that the checks flag must fail when run, with the same first error at
/// the same place: every static diagnostic is one the run would also report (so a
/// script that runs cleanly is never flagged).
#[test]
fn no_false_positives_on_any_script() {
    let scripts = all_scripts();
    assert!(scripts.len() > 50, "found only {} scripts", scripts.len());
    let mut flagged = 0;
    for path in &scripts {
        let src = std::fs::read_to_string(path).expect("read the script");
        let dir = path.parent().expect("a script's folder");
        let found = bp::eval::resolve::analyze_in(&src, SourceId(0), dir).diagnostics;
        let Some(first) = found.first() else { continue };
        flagged += 1;
        let mut interp = Interpreter::new(Box::new(std::io::sink()), Options::default());
        let name = path.to_string_lossy();
        let run = match interp.run_source(&name, src.as_str()) {
            Err(RunError::Syntax(d)) => d.into_iter().next(),
            Err(RunError::Runtime(d)) => Some(*d),
            Ok(()) => None,
        };
        let Some(run) = run else {
            panic!(
                "{}: flagged '{}' but the script runs",
                path.display(),
                first.message
            )
        };
        // The run stops at its first error: either the check found that one, or the
        // run stopped earlier in the file (on an error only running finds).
        let (check_at, run_at) = (primary(first), primary(&run));
        if check_at == run_at {
            assert_eq!(first.message, run.message, "{}", path.display());
        } else {
            assert!(
                run_at.zip(check_at).is_some_and(|(r, c)| r.0 < c.0),
                "{}: the check flags '{}' at {check_at:?} but the run fails with '{}' at {run_at:?}",
                path.display(),
                first.message,
                run.message
            );
        }
    }
    // The suites hold deliberate errors; the checks find some of them.
    assert!(flagged >= 4, "only {flagged} scripts flagged");
}

#[test]
fn imports_of_missing_files_and_members_a_module_lacks() {
    let run = common::bp(&["check", "main.bp"]);
    std::fs::write(run.dir().join("m.bp"), "fn f(x) { return x }\nk = 3\n").unwrap();
    std::fs::write(
        run.dir().join("main.bp"),
        "import \"nope.bp\" as q\nimport \"m.bp\" as m\nimport \"m.bp\"\n\
         print(m.g(2), m.k, m.f(1), q.anything)\nprint(m.kk)\n",
    )
    .unwrap();
    let (code, out, err) = run.env("NO_COLOR", "1").run();
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    // Each finding once, in source order: the missing file, then the two members
    // `m` lacks (the ones it has, and the members of the unreadable `q`, are not
    // reported).
    assert_eq!(err.matches("Error:").count(), 3, "{err}");
    insta::assert_snapshot!(err);
}
