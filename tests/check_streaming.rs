//! `bp check` resolves each top-level statement as it is parsed
//! (`resolve::check_in`), where the editor resolves the whole tree
//! (`resolve::analyze_in`): both must report the same diagnostics, in the same order,
//! for every script of the repository and the conformance suite, and for scripts whose
//! reports depend on what is bound further down the file.

use bp::source::SourceId;
use std::path::{Path, PathBuf};

/// Both reports of `src` (a script in `dir`), rendered with `{:?}`.
fn both(src: &str, dir: &Path) -> (String, String) {
    let streamed = bp::eval::resolve::check_in(src, SourceId(0), dir);
    let whole = bp::eval::resolve::analyze_in(src, SourceId(0), dir).diagnostics;
    (format!("{streamed:#?}"), format!("{whole:#?}"))
}

fn scripts_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            scripts_under(&p, out);
        } else if p.extension().is_some_and(|x| x == "bp") {
            out.push(p);
        }
    }
}

#[test]
fn streamed_check_reports_what_the_whole_analysis_reports_on_every_script() {
    let mut scripts = Vec::new();
    for d in ["examples", "tests", "bench", "../shared/conformance"] {
        scripts_under(Path::new(d), &mut scripts);
    }
    scripts.sort();
    assert!(scripts.len() > 100, "found only {} scripts", scripts.len());
    let mut flagged = 0;
    for path in &scripts {
        let Ok(src) = std::fs::read_to_string(path) else {
            continue;
        };
        let dir = path.parent().expect("a script's folder");
        let (streamed, whole) = both(&src, dir);
        assert_eq!(streamed, whole, "{}", path.display());
        flagged += usize::from(whole != "[]");
    }
    assert!(flagged > 10, "only {flagged} scripts have diagnostics");
}

#[test]
fn reports_that_depend_on_later_bindings_are_the_same() {
    let texts = [
        // A did-you-mean hint for a name bound further down.
        "print(valeus)\nvalues = 3\n",
        // A function's reads see globals bound after it; a lambda's too.
        "fn f(a) { return a + later + latr }\ng = fn(x) { x + zzz + laterr }\nlater = 1\n",
        // A call of a function bound twice (the second time further down) is not
        // reported; of a function bound once, it is.
        "fn f(a) { a }\nf(1, 2)\nfn f(a, b) { a }\nfn h(a) { a }\nh(1, 2)\n",
        // A comprehension's variable read outside it, before and after.
        "print(q)\ny = [q for q in range(3)]\nprint(q)\n",
        // Diagnostics at the same place, in order: the callee's, then the method's.
        "fn h(a) { a }\nh(1, 2).sum(1, 2, 3, 4, 5)\nnope(1).sum(1, 2, 3, 4, 5)\n",
        // Loops see what they bind later in their body.
        "for i in range(3) { print(j); j = i; r(1, 2); fn r(a) { a } }\nprint(k)\nk = 1\n",
        // Classes, methods, imports that cannot be read, module members.
        "class C { fn init(self, a) { self.a = a } }\nc = C(1, 2)\n\
         import \"nope.bp\" as m\nm.f(1)\ntorch.ones(3)\nbreak\nreturn 1\n",
        // A function that reads a comprehension's variable.
        "fn f() { return [i for i in range(3) if i > k] }\nk = 1\nprint(f(), kk, i)\n",
        // Syntax errors: the parse's report.
        "x = [1, 2\ny = )\n",
        "x = 1\n}\ny = 2\n",
        "",
        "# only a comment",
    ];
    let dir = std::env::temp_dir();
    for text in texts {
        let (streamed, whole) = both(text, &dir);
        assert_eq!(streamed, whole, "{text}");
    }
    // The cases above do report something (the comparison is not of two empty lists).
    let (_, first) = both(texts[0], &dir);
    assert!(first.contains("did you mean 'values'?"), "{first}");
    let (_, calls) = both(texts[2], &dir);
    assert!(calls.contains("h() takes 1 argument"), "{calls}");
    assert!(!calls.contains("f() takes"), "{calls}");
}

#[test]
fn a_read_of_a_name_bound_many_times_finds_the_binding_before_it() {
    // Bindings are found by binary search when they are in the order of their
    // spans; the reads in a loop still see the loop's later bindings.
    let mut src = String::from("x = 0\n");
    for _ in 0..1000 {
        src += "x = x + 1\n";
    }
    src += "for i in range(2) { print(y); y = x; x = i }\n";
    let analysis = bp::eval::resolve::analyze(&src, SourceId(0));
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
    let res = analysis.resolution.expect("resolved");
    let line_of = |offset: u32| src[..offset as usize].matches('\n').count();
    let mut reads = 0;
    for u in res.uses.iter().filter(|u| &*u.name == "x") {
        let bp::eval::resolve::Target::Def(d) = u.target else {
            panic!("x at {} unresolved", u.span.start);
        };
        let (read, bound) = (line_of(u.span.start), line_of(res.defs[d].span.start));
        if read <= 1000 {
            // The latest binding written before the read: the resolver orders by
            // position, so `x = x + 1` finds its own target (as before).
            assert_eq!(bound, read, "the read on line {read}");
        } else {
            // `y = x` in the loop reads the last `x = x + 1`.
            assert_eq!(bound, 1000);
        }
        reads += 1;
    }
    assert_eq!(reads, 1001);
    // `print(y)` reads the `y` bound later in the same loop.
    let y = res
        .uses
        .iter()
        .find(|u| &*u.name == "y")
        .expect("a read of y");
    assert!(matches!(y.target, bp::eval::resolve::Target::Def(_)));
}
