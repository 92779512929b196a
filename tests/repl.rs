//! The REPL driven through the `Repl` struct, without a terminal: echo, bindings,
//! continuation lines, every `:` command, errors that leave the session intact, and
//! the completion and highlighting helpers.

mod common;

use bp::repl::helper::{complete, highlight_ansi};
use bp::repl::{Outcome, Repl, CONTINUATION_PROMPT, PROMPT};

/// Feeds each line and returns the concatenated stdout and stderr, and the last outcome.
fn session(repl: &mut Repl, lines: &[&str]) -> (String, String, Outcome) {
    let mut out = String::new();
    let mut err = String::new();
    let mut outcome = Outcome::Done;
    for line in lines {
        let r = repl.feed(line);
        out.push_str(&r.out);
        err.push_str(&r.err);
        outcome = r.outcome;
    }
    (out, err, outcome)
}

#[test]
fn expressions_are_echoed_and_bindings_kept() {
    let mut repl = Repl::new(false);
    let (out, err, _) = session(&mut repl, &["x = 2", "y = x * 3", "y + 1", "[1, 2]"]);
    assert_eq!(err, "");
    assert_eq!(out, "7\ntensor([1., 2.])\n");
}

#[test]
fn assignment_echoes_nothing_and_print_is_captured() {
    let mut repl = Repl::new(false);
    let (out, err, _) = session(&mut repl, &["a = 5", "print(\"a is\", a)"]);
    assert_eq!(err, "");
    assert_eq!(out, "a is 5\n");
}

#[test]
fn tensor_echo_uses_pytorch_layout() {
    let mut repl = Repl::new(false);
    let (out, _, _) = session(&mut repl, &["w = ones(2, grad)", "w"]);
    assert_eq!(out, "tensor([1., 1.], requires_grad=True)\n");
}

#[test]
fn incomplete_input_continues_on_the_next_line() {
    let mut repl = Repl::new(false);
    assert_eq!(repl.prompt(), PROMPT);
    let r = repl.feed("fn sq(v) {");
    assert_eq!(r.outcome, Outcome::Incomplete);
    assert_eq!(repl.prompt(), CONTINUATION_PROMPT);
    assert_eq!(repl.feed("  return v * v").outcome, Outcome::Incomplete);
    let r = repl.feed("}");
    assert_eq!((r.outcome, r.err.as_str()), (Outcome::Done, ""));
    assert_eq!(repl.prompt(), PROMPT);
    assert_eq!(repl.feed("sq(4)").out, "16\n");
}

#[test]
fn open_bracket_and_trailing_operator_continue() {
    let mut repl = Repl::new(false);
    let (out, err, outcome) = session(&mut repl, &["t = [1,", "2]", "1 +", "2"]);
    assert_eq!(
        (out.as_str(), err.as_str(), outcome),
        ("3\n", "", Outcome::Done)
    );
}

#[test]
fn brackets_in_strings_and_comments_do_not_count() {
    let mut repl = Repl::new(false);
    let r = repl.feed("s = \"(((\" # [[[ {");
    assert_eq!((r.outcome, r.err.as_str()), (Outcome::Done, ""));
    assert_eq!(repl.feed("s").out, "\"(((\"\n");
}

#[test]
fn a_multi_line_paste_runs_at_once() {
    let mut repl = Repl::new(false);
    let r = repl.feed("a = 1\nb = 2\na + b");
    assert_eq!((r.out.as_str(), r.err.as_str()), ("3\n", ""));
}

#[test]
fn clear_pending_drops_an_unfinished_entry() {
    let mut repl = Repl::new(false);
    assert_eq!(repl.feed("while true {").outcome, Outcome::Incomplete);
    repl.clear_pending();
    assert!(!repl.is_pending());
    assert_eq!(repl.feed("1 + 1").out, "2\n");
}

#[test]
fn errors_are_reported_and_bindings_survive() {
    let mut repl = Repl::new(false);
    session(&mut repl, &["keep = 41"]);
    let r = repl.feed("nope + 1");
    assert_eq!(r.outcome, Outcome::Done);
    assert!(r.err.contains("nope"), "{}", r.err);
    assert!(!r.err.contains("\x1b["), "colourless: {}", r.err);
    let r = repl.feed("x = )");
    assert!(!r.err.is_empty(), "syntax error reported");
    let r = repl.feed("ones(2) @ ones(3)");
    assert!(!r.err.is_empty(), "runtime error reported");
    assert_eq!(repl.feed("keep + 1").out, "42\n");
}

#[test]
fn an_error_mid_entry_keeps_earlier_assignments() {
    let mut repl = Repl::new(false);
    let r = repl.feed("a = 1\nundefined_thing\nb = 2");
    assert!(r.err.contains("undefined_thing"));
    assert_eq!(repl.feed("a").out, "1\n");
}

#[test]
fn help_lists_every_command() {
    let mut repl = Repl::new(false);
    let r = repl.feed(":help");
    for cmd in [
        ":help", ":vars", ":tape", ":graph", ":grads", ":why", ":load", ":reset", ":quit",
    ] {
        assert!(r.out.contains(cmd), "{cmd} missing from {}", r.out);
    }
}

#[test]
fn vars_shows_type_shape_requires_grad_and_grad() {
    let mut repl = Repl::new(false);
    session(
        &mut repl,
        &[
            "w = ones(2, 3, grad)",
            "n = 3",
            "loss = sum(w * 2)",
            "backward(loss)",
        ],
    );
    let out = repl.feed(":vars").out;
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("name"), "{out}");
    let row = |name: &str| {
        lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(name))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    assert_eq!(row("w"), "w tensor [2, 3] yes yes [2, 3]");
    assert_eq!(row("loss"), "loss tensor [] yes no");
    assert_eq!(row("n"), "n number - - -");
}

#[test]
fn vars_on_an_empty_session() {
    let mut repl = Repl::new(false);
    assert_eq!(repl.feed(":vars").out, "no variables yet\n");
}

/// A session with a small graph for the explain commands.
fn with_graph() -> Repl {
    let mut repl = Repl::new(false);
    let (_, err, _) = session(
        &mut repl,
        &["x = tensor([1, 2], grad)", "y = sum(x * x)", "backward(y)"],
    );
    assert_eq!(err, "");
    repl
}

/// The explain commands answer with text, or (while an explanation is not
/// available) with an error report; either way exactly one of them.
fn answers(r: &bp::repl::Reply) -> bool {
    r.outcome == Outcome::Done && (r.out.is_empty() != r.err.is_empty())
}

#[test]
fn tape_graph_why_and_grads_answer() {
    let mut repl = with_graph();
    for cmd in [":tape y", ":graph y", ":why x", ":grads"] {
        let r = repl.feed(cmd);
        assert!(answers(&r), "{cmd}: {r:?}");
    }
    assert_eq!(repl.feed("y").err, "", "session intact");
}

#[test]
fn explain_commands_check_their_argument() {
    let mut repl = with_graph();
    for cmd in [":tape", ":why", ":graph"] {
        let r = repl.feed(cmd);
        assert!(
            r.err.contains("takes one variable name"),
            "{cmd}: {}",
            r.err
        );
    }
    let r = repl.feed(":tape yy");
    assert!(r.err.contains("no variable named 'yy'"), "{}", r.err);
    assert!(r.err.contains("did you mean 'y'"), "{}", r.err);
}

#[test]
fn graph_to_a_dot_file() {
    let mut repl = with_graph();
    let dir = std::env::temp_dir().join(format!("bp-repl-dot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("y.dot");
    let r = repl.feed(&format!(":graph y > {}", file.display()));
    assert!(answers(&r), "{r:?}");
    if r.err.is_empty() {
        assert!(r.out.contains("wrote"), "{}", r.out);
        let dot = std::fs::read_to_string(&file).unwrap();
        assert!(dot.contains("digraph"), "{dot}");
    } else {
        assert!(!file.exists());
    }
    let r = repl.feed(":graph y >");
    assert!(r.err.contains("no file after"), "{}", r.err);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn load_runs_a_file_in_the_session() {
    let dir = std::env::temp_dir().join(format!("bp-repl-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("lib.bp");
    std::fs::write(
        &file,
        "fn double(v) { return 2 * v }\nk = 10\nk\nprint(\"loaded\")\n",
    )
    .unwrap();
    let mut repl = Repl::new(false);
    let r = repl.feed(&format!(":load {}", file.display()));
    assert_eq!((r.out.as_str(), r.err.as_str()), ("loaded\n", ""));
    assert_eq!(repl.feed("double(k)").out, "20\n", "echo is back on");

    std::fs::write(&file, "z = 1\nz + nothing\n").unwrap();
    let r = repl.feed(&format!(":load {}", file.display()));
    assert!(r.err.contains("nothing"), "{}", r.err);
    assert!(r.err.contains("lib.bp"), "names the file: {}", r.err);
    assert_eq!(repl.feed("z").out, "1\n");

    let r = repl.feed(":load /no/such/file.bp");
    assert!(r.err.contains("cannot read"), "{}", r.err);
    let r = repl.feed(":load");
    assert!(r.err.contains(":load takes a file name"), "{}", r.err);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reset_forgets_every_variable() {
    let mut repl = Repl::new(false);
    session(&mut repl, &["a = 1", "fn f() { return 1 }"]);
    let r = repl.feed(":reset");
    assert_eq!(r.err, "");
    assert!(!r.out.is_empty());
    assert!(repl.interpreter().globals.is_empty());
    assert!(repl.feed("a").err.contains("'a'"));
}

#[test]
fn quit_and_unknown_commands() {
    let mut repl = Repl::new(false);
    assert_eq!(repl.feed(":quit").outcome, Outcome::Quit);
    assert_eq!(repl.feed(":q").outcome, Outcome::Quit);
    let r = repl.feed(":varz");
    assert_eq!(r.outcome, Outcome::Done);
    assert!(r.err.contains("unknown command ':varz'"), "{}", r.err);
    assert!(r.err.contains(":vars"), "suggests: {}", r.err);
}

#[test]
fn colour_is_used_only_when_asked() {
    let mut repl = Repl::new(true);
    assert!(repl.feed("nope").err.contains("\x1b["));
}

#[test]
fn completes_variables_builtins_and_keywords() {
    let vars = vec!["weights".to_string(), "x".to_string()];
    assert_eq!(complete("wei", 3, &vars), (0, vec!["weights".to_string()]));
    let (start, c) = complete("y = sigm", 8, &vars);
    assert_eq!((start, c), (4, vec!["sigmoid".to_string()]));
    let (_, c) = complete("whi", 3, &vars);
    assert_eq!(c, vec!["while".to_string()]);
    let (_, c) = complete("no_", 3, &vars);
    assert!(c.contains(&"no_grad".to_string()));
}

#[test]
fn completes_what_each_variables_value_offers_after_a_dot() {
    let mut repl = Repl::new(false);
    let r = repl.feed(
        "w = ones(2, grad); opt = sgd(w, lr=0.1); xs = list(); d = {'a': 1}; s = 'hi'; n = 3",
    );
    assert_eq!(r.err, "");
    let vars = repl.variable_names();
    let members = |w: &str| repl.members_of(w);
    let words = |line: &str| bp::repl::helper::complete_with(line, line.len(), &vars, &members).1;
    assert_eq!(words("xs."), ["append", "pop"]);
    assert_eq!(words("d."), ["get", "keys", "values", "items", "pop"]);
    assert_eq!(words("d.it"), ["items"]);
    assert_eq!(
        words("s."),
        [
            "split",
            "join",
            "strip",
            "lower",
            "upper",
            "startswith",
            "endswith",
            "replace"
        ]
    );
    assert_eq!(words("opt."), ["step", "zero_grad", "lr"]);
    // A tensor: its attributes first, in their order, then the builtins that take a
    // tensor first, each once.
    let t = words("w.");
    assert_eq!(
        &t[..7],
        [
            "grad",
            "shape",
            "T",
            "requires_grad",
            "ndim",
            "is_leaf",
            "data"
        ]
    );
    assert!(t.contains(&"sum".to_string()) && t.contains(&"backward".to_string()));
    assert!(!t.contains(&"zeros".to_string()) && !t.contains(&"append".to_string()));
    assert_eq!(words("w.su"), ["sum"]);
    // A number offers nothing after a dot but is still a value: the tensor fallback
    // is only for expressions whose value is unknown (`f(x).`).
    assert!(words("n.").is_empty(), "{:?}", words("n."));
}

#[test]
fn completes_a_modules_names_after_its_name() {
    let dir = common::TempDir::new("complete-module");
    std::fs::write(
        dir.path().join("nn.bp"),
        "fn layer(n) { return n }\nwidth = 4\n",
    )
    .unwrap();
    let mut repl = Repl::new(false);
    repl.interpreter_mut().set_script_dir(dir.path());
    let r = repl.feed("import \"nn.bp\" as nn");
    assert_eq!(r.err, "");
    let vars = repl.variable_names();
    let members = |w: &str| repl.members_of(w);
    let (start, words) = bp::repl::helper::complete_with("nn.", 3, &vars, &members);
    assert_eq!(
        (start, words),
        (3, vec!["layer".to_string(), "width".into()])
    );
}

#[test]
fn completes_keyword_names_inside_a_builtins_call() {
    let vars = vec!["x".to_string()];
    // After `(` or `,`: the keyword names first, then the usual names.
    assert_eq!(
        complete("sum(x, ax", 9, &vars),
        (7, vec!["axis=".to_string()])
    );
    assert_eq!(
        complete("clamp(x, ", 9, &vars),
        (9, vec!["x=".to_string(), "min=".into(), "max=".into()])
    );
    // A method call leaves out the receiver.
    assert_eq!(complete("x.clamp(", 8, &vars).1, ["min=", "max="]);
    let (_, c) = complete("sum(x, k", 8, &vars);
    assert_eq!(c.first().map(String::as_str), Some("keepdim="));
    // Not inside a call: no keyword names.
    assert!(complete("ax", 2, &vars).1.iter().all(|w| !w.ends_with('=')));
}

#[test]
fn completes_attributes_after_a_dot() {
    let vars = vec!["x".to_string()];
    assert_eq!(complete("x.gr", 4, &vars), (2, vec!["grad".to_string()]));
    let (_, c) = complete("f(x).sh", 7, &vars);
    assert_eq!(c, vec!["shape".to_string()]);
    let (_, c) = complete("y = 1.", 6, &vars);
    assert!(c.is_empty(), "no attributes after a number: {c:?}");
}

#[test]
fn completes_commands_and_their_arguments() {
    let vars = vec!["loss".to_string(), "lr".to_string()];
    assert_eq!(
        complete(":gr", 3, &vars),
        (0, vec![":grads".into(), ":graph".into()])
    );
    assert_eq!(complete(":why lo", 7, &vars), (5, vec!["loss".to_string()]));
    assert_eq!(complete(":tape ", 6, &vars).1, vars);
}

#[test]
fn no_completion_inside_strings_or_comments() {
    let vars = vec!["xyz".to_string()];
    assert!(complete("print(\"xy", 9, &vars).1.is_empty());
    assert!(complete("1 # xy", 6, &vars).1.is_empty());
    assert!(complete("é", 1, &vars).1.is_empty(), "not a char boundary");
}

#[test]
fn highlighting_keeps_the_text() {
    let line = "for i in range(3) { print(\"hi\", 1.5) } # done";
    let coloured = highlight_ansi(line);
    assert!(coloured.contains("\x1b["));
    let mut plain = String::new();
    let mut chars = coloured.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    assert_eq!(plain, line);
    assert_eq!(highlight_ansi(""), "");
    let _ = highlight_ansi("\"unterminated ( é");
}

#[test]
fn an_opened_builtin_call_hints_its_signature() {
    use bp::repl::helper::signature_hint;
    let hint = signature_hint("y = clamp(", 10).unwrap_or_default();
    assert!(hint.contains("clamp(x, min=none, max=none)"), "{hint}");
    assert_eq!(
        signature_hint("y = clamp(", 4),
        None,
        "cursor not at the end"
    );
    assert_eq!(signature_hint("nosuch(", 7), None);
    assert_eq!(signature_hint("(", 1), None);
    assert_eq!(signature_hint("", 0), None);
}

#[test]
fn language_additions_work_in_the_repl() {
    // SPEC §13 in a session: lists echo as lists and stay shared between entries,
    // f-strings format, index assignment writes in place, an unfinished f-string
    // continues on the next line, and a module imports from the current directory.
    let mut repl = Repl::new(false);
    let (out, err, _) = session(
        &mut repl,
        &[
            "xs = list()",
            "xs.append(1); xs.append(2.5)",
            "xs",
            "ys = xs",
            "ys.append(tensor([1, 2]))",
            "len(xs)",
            "k = 3",
            "f\"k = {k:>3d}, xs[1] = {xs[1]:.2f}\"",
            "x = zeros(3)",
            "x[1:] = 7",
            "x",
        ],
    );
    assert_eq!(err, "");
    assert_eq!(
        out,
        "[1, 2.5]\n3\n\"k =   3, xs[1] = 2.50\"\ntensor([0., 7., 7.])\n"
    );
    let (_, err, _) = session(&mut repl, &["import \"examples/lib/layers.bp\" as nn"]);
    assert_eq!(err, "");
    let (out, err, _) = session(&mut repl, &["len(nn.MLP((2, 3, 1)).layers)"]);
    assert_eq!(err, "");
    assert_eq!(out, "2\n");
    assert_eq!(repl.feed("s = f\"{k").outcome, Outcome::Incomplete);
}

#[test]
fn fstrings_are_highlighted_as_text_and_code() {
    let plain = highlight_ansi("f\"a {x} b\"");
    // The code `x` is coloured as a name, between two string pieces.
    assert!(plain.contains('x'));
    let pieces = plain.matches("\x1b[").count();
    assert!(pieces >= 3, "{plain:?}");
    let (_, words) = complete("f\"{ze", 5, &[]);
    assert!(words.contains(&"zeros".to_string()), "{words:?}");
}

#[test]
fn backprop_shows_one_step_per_enter_and_q_stops() {
    let mut repl = Repl::new(false);
    let (_, err, _) = session(
        &mut repl,
        &[
            "a = tensor(2.0, grad)",
            "b = tensor(-3.0, grad)",
            "d = tanh(a * b + 1)",
        ],
    );
    assert_eq!(err, "");
    let first = repl.feed(":backprop d");
    assert!(
        first
            .out
            .starts_with("backward(tanh(a * b + 1)), step by step"),
        "{}",
        first.out
    );
    assert!(
        first.out.contains("step 1  tanh  d = tanh(a * b + 1)"),
        "{}",
        first.out
    );
    assert!(!first.out.contains("step 2"), "{}", first.out);
    assert!(
        first.out.ends_with("(Enter: the next step, q: stop)\n"),
        "{}",
        first.out
    );
    assert_eq!(repl.prompt(), "step> ");
    let second = repl.feed("");
    assert!(
        second.out.starts_with("step 2  addition  a * b + 1"),
        "{}",
        second.out
    );
    let stop = repl.feed("q");
    assert_eq!(stop.out, "");
    assert_eq!(repl.prompt(), PROMPT);
    // backward ran: the leaves have their gradients.
    let (out, _, _) = session(&mut repl, &["a.grad"]);
    assert_eq!(out, "tensor(-0.0005)\n");
    let (_, err, _) = session(&mut repl, &[":backprop a"]);
    assert!(err.contains("a is a leaf that requires grad"), "{err}");
}
