//! SPEC v3 §19 and §23 (issue 28): comprehensions, `a if c else b`, and `for`
//! with tuple targets — values as Python gives them, Python 3's scoping (a
//! comprehension's variables are its own), and a snapshot of each new error.

mod common;

use common::{error_of as error, output_of as output, run_in_process as run};

/// What `bp check` reports: the messages.
fn check(src: &str) -> Vec<String> {
    bp::eval::resolve::analyze(src, bp::source::SourceId(0))
        .diagnostics
        .into_iter()
        .map(|d| d.message)
        .collect()
}

#[test]
fn list_comprehensions_filters_and_several_clauses_give_lists() {
    let out = output(
        "sq = [i * i for i in range(4)]\nsq.append(16)\nprint(sq)\n\
         print([i for i in range(10) if i % 2 == 0 if i > 2])\n\
         print([(i, j) for i in range(3) for j in range(i)])\n\
         print([(i, j) for i in range(3) if i > 0 for j in 'ab' if j != 'a'])\n\
         print([c for c in 'hey'], [r for r in tensor([[1, 2], [3, 4]])])\n\
         print([[i * j for j in range(3)] for i in range(2)], [x for x in ()])\n",
    );
    assert_eq!(
        out,
        "[0, 1, 4, 9, 16]\n[4, 6, 8]\n[(1, 0), (2, 0), (2, 1)]\n[(1, \"b\"), (2, \"b\")]\n\
         [\"h\", \"e\", \"y\"] [tensor([1., 2.]), tensor([3., 4.])]\n\
         [[0, 0, 0], [0, 1, 2]] []\n"
    );
}

#[test]
fn a_bracket_literal_without_for_is_still_a_tensor() {
    let out = output(
        "v = [1, 2, 3]\nprint(v.shape)\nt = tensor([x * 0.5 for x in range(3)])\nprint(t)\n\
         print(stack([tensor([i, i]) for i in range(2)]))\n",
    );
    assert_eq!(
        out,
        "(3,)\ntensor([0.0000, 0.5000, 1.0000])\ntensor([[0., 0.],\n        [1., 1.]])\n"
    );
}

/// `tensor(list)` of numbers (made in one piece, the fast path that builds a data set of
/// 200,000 indices) and of tensors (stacked) give what they gave before.
#[test]
fn tensor_of_a_list_of_numbers_or_tensors() {
    let out = output(
        "xs = [i % 3 for i in range(100000)]\nt = tensor(xs)\nprint(t.shape, item(sum(t)), t[:4])\n\
         print(tensor([true, 2, 0.5]), tensor(list()).shape, tensor(list((1, 2)), grad).requires_grad)\n\
         print(tensor([1, tensor(2.0)]), tensor([tensor([1, 2]), tensor([3, 4])]).shape)\n",
    );
    assert_eq!(
        out,
        "(100000,) 99999 tensor([0., 1., 2., 0.])\n\
         tensor([1.0000, 2.0000, 0.5000]) (0,) true\n\
         tensor([1., 2.]) (2, 2)\n"
    );
}

#[test]
fn dict_comprehensions_and_tuple_targets() {
    let out = output(
        "stoi = {c: i for i, c in enumerate('abc')}\nprint(stoi)\n\
         itos = {i: c for c, i in stoi.items()}\nprint(itos)\n\
         print({k: v for k, v in zip((1, 2), (3, 4)) if v > 3})\n\
         print({\n  c: 1\n  for c in 'aab'\n})\n",
    );
    assert_eq!(
        out,
        "{\"a\": 0, \"b\": 1, \"c\": 2}\n{0: \"a\", 1: \"b\", 2: \"c\"}\n{2: 4}\n{\"a\": 1, \"b\": 1}\n"
    );
}

#[test]
fn comprehension_variables_are_their_own_as_in_python_3() {
    // The variable does not leak, and an enclosing one of the same name is untouched.
    let out = output(
        "x = 'outer'\nys = [x for x in range(2)]\nprint(x, ys)\n\
         xs = (1, 2)\nprint([xs for xs in xs])\n",
    );
    assert_eq!(out, "outer [0, 1]\n[1, 2]\n");
    let err = error("ys = [y for y in range(2)]\nprint(y)\n");
    assert!(err.contains("unknown name 'y'"), "{err}");
    assert_eq!(
        check("ys = [y for y in range(2)]\nprint(y)\n"),
        vec!["unknown name 'y'"]
    );
    // Inside a function: reads of the function's locals and parameters, and of globals.
    let out = output(
        "g = 100\nfn f(n) {\n  k = 10\n  return [k * i + n + g for i in range(n) if i != k]\n}\nprint(f(3))\n",
    );
    assert_eq!(out, "[103, 113, 123]\n");
    // Closures made inside capture the comprehension's variable (late binding, as
    // Python's lambdas do); a closure of a nested function sees both scopes.
    let out = output(
        "fs = [fn() { return i } for i in range(3)]\nprint([h() for h in fs])\n\
         fn outer(a) {\n  return [fn(b) { return a + b + j } for j in range(2)]\n}\n\
         print([h(10) for h in outer(100)])\n\
         print([[(i, j) for j in range(i)] for i in range(3)])\n",
    );
    assert_eq!(
        out,
        "[2, 2, 2]\n[111, 111]\n[[], [(1, 0)], [(2, 0), (2, 1)]]\n"
    );
    // No false positives in `bp check`.
    assert!(check(
        "fn f(n) { k = 2\n return {i: [k * j for j in range(i)] for i in range(n) if i > k} }\n\
         print(f(4), [a + b for a, b in zip((1,), (2,))])\n"
    )
    .is_empty());
}

#[test]
fn comprehensions_carry_gradients() {
    let out = output(
        "w = tensor([1, 2, 3], grad)\nterms = [w[i] * i for i in range(3)]\n\
         loss = sum(stack(terms))\nbackward(loss)\nprint(loss, w.grad)\n",
    );
    assert_eq!(
        out,
        "tensor(8., grad_fn=<SumBackward>) tensor([0., 1., 2.])\n"
    );
}

#[test]
fn conditional_expression_evaluates_only_the_branch_taken() {
    let out = output(
        "log = list()\nfn say(v) { log.append(v)\n return v }\n\
         a = say(1) if 2 > 1 else say(2)\nb = say(3) if false else say(4)\nprint(a, b, log)\n\
         print(1 if none else 2, 'a' if false else 'b' if true else 'c')\n\
         print(0 or 1 if 0 and 1 else 5, (7 if true else 8) + 1)\n\
         print([x if x % 2 else x * 10 for x in range(4)])\n\
         x = tensor([2.0], grad)\ny = x * x if x > 1 else -x\nbackward(y)\nprint(x.grad)\n",
    );
    assert_eq!(out, "1 4 [1, 4]\n2 b\n5 8\n[0, 1, 20, 3]\ntensor([4.])\n");
}

#[test]
fn for_statements_take_tuple_targets() {
    let out = output(
        "for i, c in enumerate('ab') { print(i, c) }\n\
         d = {'x': 1, 'y': 2}\nfor k, v in d.items() { print(k, v) }\n\
         for a, b, c in ((1, 2, 3), list((4, 5, 6))) { print(a + b + c) }\n\
         print(i, c, k, v)\n",
    );
    // The targets stay bound after the loop, as in Python.
    assert_eq!(out, "0 a\n1 b\nx 1\ny 2\n6\n15\n1 6 y 2\n");
}

#[test]
fn an_item_with_the_wrong_number_of_values_is_an_error() {
    insta::assert_snapshot!(error("for a, b in ((1, 2), (1, 2, 3)) { print(a) }\n"));
}

#[test]
fn an_item_that_does_not_unpack_is_an_error() {
    insta::assert_snapshot!(error("pairs = (1, 2)\nfor a, b in pairs { print(a) }\n"));
}

#[test]
fn a_comprehension_item_that_does_not_unpack_is_an_error() {
    insta::assert_snapshot!(error("print({k: v for k, v in 'abc'})\n"));
}

#[test]
fn a_comprehension_over_a_number_is_an_error() {
    insta::assert_snapshot!(error("print([x for x in 3])\n"));
}

#[test]
fn an_unhashable_key_of_a_dict_comprehension_is_an_error() {
    insta::assert_snapshot!(error("print({list((i,)): i for i in range(2)})\n"));
}

#[test]
fn a_conditional_on_a_tensor_of_several_elements_is_ambiguous() {
    insta::assert_snapshot!(error("x = ones(3)\ny = 1 if x > 0 else 2\n"));
}

#[test]
fn a_conditional_without_else_is_a_syntax_error() {
    let (_, err, ok) = run("y = 1 if true\n");
    assert!(!ok);
    insta::assert_snapshot!(err);
}

#[test]
fn a_comprehension_without_in_is_a_syntax_error() {
    let (_, err, ok) = run("y = [x for x range(3)]\n");
    assert!(!ok);
    insta::assert_snapshot!(err);
}

#[test]
fn the_editor_sees_a_comprehensions_names_inside_it_only() {
    let src = "k = 2\nys = [x * k for x in range(3)]\nz = {a: b for a, b in zip(ys, ys)}\n";
    let analysis = bp::eval::resolve::analyze(src, bp::source::SourceId(0));
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
    let r = analysis.resolution.expect("resolved");
    let names_at = |offset: usize| -> Vec<String> {
        let mut v: Vec<String> = r
            .visible_at(offset)
            .into_iter()
            .map(|d| r.defs[d].name.to_string())
            .collect();
        v.sort();
        v
    };
    let inside = src.find("x * k").expect("the element") + 1;
    assert_eq!(names_at(inside), ["k", "x", "ys", "z"]);
    let dict = src.find("a: b").expect("the dict element") + 1;
    assert_eq!(names_at(dict), ["a", "b", "k", "ys", "z"]);
    assert_eq!(names_at(src.len() - 1), ["k", "ys", "z"]);
    // The read of `x` in the element refers to the comprehension's own `x`.
    let d = r.definition_at(inside - 1).expect("x has a definition");
    assert_eq!(&src[r.defs[d].span.range()], "x");
    assert!(r.defs[d].span.start as usize > inside);
}

#[test]
fn a_comprehension_past_the_size_limit_is_an_error() {
    // The limit is the element limit (per thread), here made small.
    bp::autodiff::shape::set_element_limit(10);
    let list = error("xs = [i for i in range(100)]\n");
    let dict = error("d = {i: i for i in range(100) if i >= 0}\n");
    let fine = run("print(len([i for i in range(10)]))\n");
    bp::autodiff::shape::set_element_limit(bp::autodiff::shape::DEFAULT_ELEMENT_LIMIT);
    assert!(dict.contains("more than 10 items"), "{dict}");
    assert_eq!(fine.0, "10\n");
    insta::assert_snapshot!(list);
}

#[test]
fn the_repl_shows_comprehensions_and_keeps_their_names_to_themselves() {
    let mut repl = bp::repl::Repl::new(false);
    let mut out = String::new();
    for line in [
        "[i * i for i in range(4)]",
        "{c: i for i, c in enumerate('ab')}",
        "'yes' if len(_) == 2 else 'no'",
        "for a, b in ((1, 2),) { print(a * b) }",
    ] {
        let r = repl.feed(line);
        assert_eq!(r.err, "", "{line}");
        out.push_str(&r.out);
    }
    assert_eq!(out, "[0, 1, 4, 9]\n{\"a\": 0, \"b\": 1}\n\"yes\"\n2\n");
    let r = repl.feed("i");
    assert!(r.err.contains("unknown name 'i'"), "{}", r.err);
}

#[test]
fn python_s_parenthesised_for_targets_get_a_hint() {
    let (_, err, ok) = run("for (i, c) in enumerate('ab') { print(i) }\n");
    assert!(!ok);
    insta::assert_snapshot!(err);
}

#[test]
fn reading_a_comprehension_s_variable_after_it_says_where_it_is_bound() {
    let src = "fn f() { return [q * 2 for q in range(2)] }\nprint(f(), q)\n";
    let err = error(src);
    // `bp check` says the same, with the same labels.
    let analysis = bp::eval::resolve::analyze(src, bp::source::SourceId(0));
    assert_eq!(analysis.diagnostics.len(), 1);
    let d = &analysis.diagnostics[0];
    assert_eq!(d.labels.len(), 2);
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("Python 3")));
    insta::assert_snapshot!(err);
}

#[test]
fn thousands_of_for_clauses_run_without_overflowing_the_stack() {
    // Each clause nests one level when it runs; the test thread's stack is small.
    let src = format!(
        "x = [1{}]\nprint(len(x))\n",
        " for a in (1,)".repeat(20_000)
    );
    assert_eq!(output(&src), "1\n");
}

#[test]
fn tensor_stacks_nested_lists_and_tuples_as_torch_tensor_does() {
    // makemore's build_dataset: a list of contexts, each a tuple (or a list) of indices.
    let out = output(
        "X = list()\nX.append((0, 0, 5))\nX.append(list((0, 5, 13)))\nprint(tensor(X))\n\
         print(tensor((1, 2)), tensor([[i, i + 1] for i in range(2)]).shape)\n\
         print(tensor([((r, r), [r, r]) for r in range(2)], grad).shape)\n",
    );
    assert_eq!(
        out,
        "tensor([[ 0.,  0.,  5.],\n        [ 0.,  5., 13.]])\ntensor([1., 2.]) (2, 2)\n\
         (2, 2, 2)\n"
    );
    assert!(error("print(tensor(((1, 2), (3,))))").contains("same shape"));
    assert!(error("print(tensor((1, \"a\")))").contains("found string"));
    let err = error("l = list()\nl.append(l)\nprint(tensor(l))");
    assert!(err.contains("nested more than 64 deep"), "{err}");
}
