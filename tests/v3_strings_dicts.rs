//! SPEC v3 §19 (issue 28): strings, dicts, the new operators and the collection
//! builtins, as a Python user expects them.

use bp::repl::Repl;
mod common;

use common::{output_of as output, run_in_process as run};

#[test]
fn strings_index_slice_and_compare_by_code_point() {
    let out = output(
        "s = 'héllo'\nprint(s[1], s[-1], s[1:3], s[::2], len(s), 'é' in s)\n\
         print('b' < 'ab', 'Z' < 'a', 'ab' * 2, 'a' * 0 == '', 'x' + \"y\")\n\
         print(list('ab'), 'it\\'s')\n",
    );
    assert_eq!(
        out,
        "é o él hlo 5 true\nfalse true abab true xy\n[\"a\", \"b\"] it's\n"
    );
}

#[test]
fn string_methods_as_python() {
    let out = output(
        "print(' a  b\\tc\\n'.split(), 'a,,b'.split(','), '-'.join(('x', 'y')))\n\
         print('  p '.strip(), 'Ab'.lower(), 'Ab'.upper(), 'abc'.startswith('ab'), 'abc'.endswith('bc'))\n\
         print('banana'.replace('a', 'o'), ord('é'), chr(233), int(' 42 '), float('1e-3'))\n",
    );
    assert_eq!(
        out,
        "[\"a\", \"b\", \"c\"] [\"a\", \"\", \"b\"] x-y\np ab AB true true\nbonono 233 é 42 0.001\n"
    );
}

#[test]
fn dicts_keep_insertion_order_and_are_shared() {
    let out = output(
        "d = {\n  'b': 1,\n  'a': (2, 'x'),\n}\nd['c'] = [1, 2]\nd['b'] = 9\ne = d\ne.pop('a')\n\
         print(d, len(d), 'a' in d, d.get('a', 0))\nd['a'] = none\nprint(d.keys(), d == {'a': none, 'c': [1, 2], 'b': 9})\n\
         m = {(1, 'x'): 1, true: 2, 1: 3, none: 4}\nprint(m[(1, 'x')], m[true], m[1], m[none], m)\n\
         for k in m { m[k] += 1 }\nprint(m.values(), dict(m.items()) == m, dict() == {})\n",
    );
    assert_eq!(
        out,
        "{\"b\": 9, \"c\": tensor([1., 2.])} 2 false 0\n[\"b\", \"c\", \"a\"] true\n\
         1 2 3 4 {(1, \"x\"): 1, true: 2, 1: 3, none: 4}\n[2, 3, 4, 5] true true\n"
    );
}

#[test]
fn a_dict_that_contains_itself_shows_as_an_ellipsis() {
    let out = output("d = {}\nd['me'] = d\nprint(d)\n");
    assert_eq!(out, "{\"me\": {...}}\n");
}

#[test]
fn missing_and_bad_keys_are_errors_that_name_them() {
    let (_, err, ok) = run("d = {'alpha': 1}\nprint(d['alpa'])\n");
    assert!(!ok);
    assert!(err.contains("key \"alpa\" is not in the dict"), "{err}");
    assert!(err.contains("did you mean \"alpha\"?"), "{err}");
    let (_, err, ok) = run("d = {[1, 2]: 1}\n");
    assert!(!ok);
    assert!(err.contains("a tensor cannot be a dict key"), "{err}");
    let (_, err, ok) = run("d = {}\nd[list()] = 1\n");
    assert!(!ok);
    assert!(err.contains("a list cannot be a dict key"), "{err}");
    let (_, err, ok) = run("d = {'a': 1}\nd['b'] += 1\n");
    assert!(!ok);
    assert!(err.contains("key \"b\" is not in the dict"), "{err}");
}

#[test]
fn floor_division_of_numbers_and_tensors_floors() {
    let out = output(
        "print(7 // 2, -7 // 2, 7.5 // 2, 7 // -2, 1 // 0, -1 // 0)\n\
         print([7, -7, 5.5] // 2, 7 // tensor([2, -2]))\n",
    );
    assert_eq!(
        out,
        "3 -4 3 -4 inf -inf\ntensor([ 3., -4.,  2.]) tensor([ 3., -4.])\n"
    );
    // The floor of the exact quotient, not of the rounded one (0.5 / 0.1 rounds to
    // 5.0): torch 2.15 and Python both give 4, -5, 18 and -inf for these.
    let out = output("print(0.5 // 0.1, -0.5 // 0.1, [5.5, -1] // [0.3, 0])\n");
    assert_eq!(out, "4 -5 tensor([18., -inf])\n");
}

#[test]
fn floor_division_records_an_operation_whose_backward_refuses() {
    // torch 2.x in float64: `x // 2` of a tensor that requires grad gives
    // tensor([ 3., -4.], grad_fn=<NotImplemented>) with requires_grad True, and
    // backward raises "derivative for aten::floor_divide is not implemented", also
    // when the result is multiplied by another tensor first.
    let out = output("x = tensor([7, -7], grad)\ny = x // 2\nprint(y.requires_grad, y)\n");
    assert_eq!(out, "true tensor([ 3., -4.], grad_fn=<NotImplemented>)\n");
    for script in [
        "x = tensor([7, -7], grad)\nbackward(sum(x // 2))\n",
        "x = tensor([7, -7], grad)\nw = tensor(2.0, grad)\nbackward(sum((x // 2) * w))\n",
    ] {
        let (_, err, ok) = run(script);
        assert!(!ok);
        assert!(
            err.contains("the derivative of `//` (floor_divide) is not implemented"),
            "{err}"
        );
    }
}

#[test]
fn membership_identity_and_sequence_operators() {
    let out = output(
        "xs = list((1, 2))\nys = xs\nprint(2 in xs, 3 not in xs, 4 in range(0, 10, 2), 5 in range(0, 10, 2), 2.5 in range(5))\n\
         print(ys is xs, list(xs) is xs, list(xs) == xs, none is none, 1 is not none, 3 in [1, 2, 3])\n\
         print((1,) + (2,), xs + xs, (0,) * 3, xs * 0, 'ab' in 'cabd')\n",
    );
    assert_eq!(
        out,
        "true true true false false\ntrue false true true true true\n(1, 2) [1, 2, 1, 2] (0, 0, 0) [] true\n"
    );
    let (_, err, ok) = run("print(1 in 2)\n");
    assert!(!ok);
    assert!(err.contains("'in' needs a string, a list"), "{err}");
}

#[test]
fn literals_constants_and_number_conversions() {
    let out = output(
        "print(2., .5, 1.e2, inf, -inf, nan == nan, pi)\n\
         print(int(2.9), int(-2.9), int(true), float(3), floor(-2.5), ceil(2.1), floor(4))\n",
    );
    assert_eq!(
        out,
        "2 0.5 100 inf -inf false 3.141592653589793\n2 -2 1 3 -3 3 4\n"
    );
    let (_, err, ok) = run("pi = 3\n");
    assert!(!ok);
    assert!(err.contains("`pi` is a constant"), "{err}");
    let (_, err, ok) = run("print(int('2.5'))\n");
    assert!(!ok);
    assert!(err.contains("int() cannot read \"2.5\""), "{err}");
}

#[test]
fn collection_builtins_as_python() {
    let out = output(
        "print(enumerate('ab', start=1), zip((1, 2, 3), 'xy'), reversed(range(3)))\n\
         print(sorted(list(('b', 'a', 'c'))), sorted((3, 1, 2), reverse=true), sorted(list((-3, 1, 2)), key=abs))\n\
         print(sorted(list(((2, 'a'), (1, 'b'), (1, 'a')))))\n\
         print(sum(list((1, 2, 3.5))), max((4, 9, 2)), min(list((4, 9, 2))), any(list((0, 'x'))), all(list((1, ''))))\n\
         print(sum(list((tensor([1, 2]), tensor([3, 4])))), sum([[1, 2], [3, 4]], axis=0), max([1, 5, 2]))\n\
         print('a', 'b', sep='-', end='!\\n')\nprint('x', end='')\nprint('y')\n",
    );
    assert_eq!(
        out,
        "[(1, \"a\"), (2, \"b\")] [(1, \"x\"), (2, \"y\")] [2, 1, 0]\n\
         [\"a\", \"b\", \"c\"] [3, 2, 1] [1, 2, -3]\n\
         [(1, \"a\"), (1, \"b\"), (2, \"a\")]\n\
         6.5 9 2 true false\n\
         tensor([4., 6.]) tensor([4., 6.]) tensor(5.)\n\
         a-b!\nxy\n"
    );
    let (_, err, ok) = run("print(sorted(list((1, 'a'))))\n");
    assert!(!ok);
    assert!(err.contains("sorted() cannot order"), "{err}");
}

#[test]
fn sum_of_a_list_of_tensors_is_differentiable() {
    let out = output(
        "a = tensor([1, 2], grad)\nb = tensor([3, 4], grad)\ny = sum(sum(list((a * a, b))))\nbackward(y)\nprint(a.grad, b.grad)\n",
    );
    assert_eq!(out, "tensor([2., 4.]) tensor([1., 1.])\n");
}

#[test]
fn read_text_and_read_lines_follow_the_file_rules() {
    let dir = common::TempDir::new("v3-strings");
    std::fs::write(dir.path().join("names.txt"), "\u{feff}emma\r\nava\n").expect("write");
    let script = dir.path().join("s.bp");
    std::fs::write(
        &script,
        "print(read_lines('names.txt'), len(read_text('names.txt')))\nread_text('../outside.txt')\n",
    )
    .expect("write");
    let (code, out, err) = common::bp(&["run", script.to_str().expect("utf-8 path")]).run();
    assert_eq!(out, "[\"emma\", \"ava\"] 10\n");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("outside.txt"), "{err}");
}

#[test]
fn underscore_is_the_last_result_in_the_repl() {
    let mut repl = Repl::new(false);
    let mut out = String::new();
    for line in ["1 + 2", "_ * 10", "x = 5", "_", "{'a': 1}", "_['a']"] {
        let r = repl.feed(line);
        assert_eq!(r.err, "", "{line}");
        out.push_str(&r.out);
    }
    assert_eq!(out, "3\n30\n30\n{\"a\": 1}\n1\n");
}

#[test]
fn f_strings_take_single_quotes_and_either_quote_inside() {
    let out =
        output("d = {'a': 1}\nx = 2.5\nprint(f'{x:.2f} it\\'s {d[\"a\"]}', f\"{d['a']} {{}}\")\n");
    assert_eq!(out, "2.50 it's 1 1 {}\n");
}

#[test]
fn an_empty_sequence_repeated_a_huge_number_of_times_stays_empty() {
    let out = output("print(list(()) * 1e300, () * 1e300, '' * 1e300 == '')\n");
    assert_eq!(out, "[] () true\n");
}
