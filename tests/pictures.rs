//! Pictures (SPEC §14): `plot`, `scatter` and `draw` write valid SVG files with
//! `file=` (parsed here, boxes and edges counted against the graph), draw in the
//! terminal without it, and go to a front end's picture sink when one is installed.

mod common;

use bp::eval::{Interpreter, Options};
use bp::picture::Picture;
use common::{Shared, TempDir};
use std::cell::RefCell;
use std::rc::Rc;

/// Runs `source` in the folder `dir`; returns (exit, stdout, stderr).
fn run_in(dir: &TempDir, source: &str) -> (bp::Exit, String, String) {
    let out = Shared::default();
    let mut err = Vec::new();
    let options = Options {
        script_dir: Some(dir.path().to_path_buf()),
        ..Options::default()
    };
    let exit = bp::run(
        source,
        "script.bp",
        Box::new(out.clone()),
        &mut err,
        options,
        false,
        None,
    );
    (exit, out.text(), String::from_utf8_lossy(&err).into_owned())
}

/// Parses an SVG file: the document must be well-formed XML with an `svg` root.
fn parse(text: &str) -> roxmltree::Document<'_> {
    let doc = roxmltree::Document::parse(text).expect("well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc
}

fn count_class(doc: &roxmltree::Document, tag: &str, class: &str) -> usize {
    doc.descendants()
        .filter(|n| {
            n.tag_name().name() == tag
                && n.attribute("class")
                    .is_some_and(|c| c.split(' ').any(|w| w == class))
        })
        .count()
}

#[test]
fn plot_scatter_and_draw_write_svg_files() {
    let dir = TempDir::new("files");
    let (exit, out, err) = run_in(
        &dir,
        r#"
losses = (1, 0.5, 0.33, 0.25)
plot(losses, file="loss.svg", title="loss")
X = [[0, 0], [1, 1], [0, 1], [1, 0]]
y = [0, 0, 1, 1]
scatter(X, y, file="points.svg")
w = tensor([0.5, -1], grad)
out = sum(sigmoid(X @ w))
backward(out)
draw(out, file="graph.svg")
print("done")
"#,
    );
    assert_eq!(
        (exit, out.as_str(), err.as_str()),
        (bp::Exit::Success, "done\n", "")
    );

    let text = std::fs::read_to_string(dir.path().join("loss.svg")).expect("loss.svg");
    let doc = parse(&text);
    assert_eq!(count_class(&doc, "polyline", "series"), 1);

    let text = std::fs::read_to_string(dir.path().join("points.svg")).expect("points.svg");
    let doc = parse(&text);
    assert_eq!(count_class(&doc, "circle", "point"), 4);
    assert_eq!(count_class(&doc, "circle", "c0"), 2);
    assert_eq!(count_class(&doc, "circle", "c1"), 2);

    // X, w; `X @ w` of a matrix and a vector is recorded as a view of w, a matrix
    // product and a view back (Mv); then sigmoid and sum: seven boxes, six edges.
    let text = std::fs::read_to_string(dir.path().join("graph.svg")).expect("graph.svg");
    let doc = parse(&text);
    assert_eq!(count_class(&doc, "rect", "box"), 7, "{text}");
    assert_eq!(count_class(&doc, "path", "edge"), 6, "{text}");
    for needle in [
        "SigmoidBackward",
        "sigmoid(X @ w)",
        "out = SumBackward",
        "grad [",
        "w",
    ] {
        assert!(text.contains(needle), "{needle} missing in\n{text}");
    }
}

#[test]
fn a_larger_graph_has_one_box_per_tensor_and_one_edge_per_input() {
    let dir = TempDir::new("mlp");
    let (exit, _, err) = run_in(
        &dir,
        r#"
seed(1)
W1 = randn(2, 8, grad)
b1 = zeros(8, grad)
W2 = randn(8, 1, grad)
X = randn(5, 2)
h = tanh(X @ W1 + b1)
loss = mean((h @ W2) ** 2)
draw(loss, file="mlp.svg")
"#,
    );
    assert_eq!((exit, err.as_str()), (bp::Exit::Success, ""));
    let text = std::fs::read_to_string(dir.path().join("mlp.svg")).expect("mlp.svg");
    let doc = parse(&text);
    // Leaves W1 b1 W2 X; results X@W1, +b1, tanh, h@W2, **2, mean.
    assert_eq!(count_class(&doc, "rect", "box"), 10);
    // matmul 2, add 2, tanh 1, matmul 2, pow 1, mean 1.
    assert_eq!(count_class(&doc, "path", "edge"), 9);
}

#[test]
fn without_file_pictures_print_as_text() {
    let dir = TempDir::new("text");
    let (exit, out, _) = run_in(
        &dir,
        r#"
scatter([[0, 0], [1, 1], [0, 1]], [0, 1, 1])
x = tensor([1, 2], grad)
y = sum(x * x)
draw(y)
"#,
    );
    assert_eq!(exit, bp::Exit::Success);
    assert!(out.contains("o class 0   x class 1"), "{out}");
    assert!(out.contains("SumBackward"), "{out}");
    assert!(out.contains("└─ MulBackward"), "{out}");
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
}

#[test]
fn a_picture_sink_receives_the_pictures_instead_of_text() {
    let (printed, seen) = sent_to_a_sink(
        "plot((3, 2, 1))\nscatter([[0, 0], [1, 1]], [0, 1])\nx = tensor([1, 2], grad)\ndraw(sum(x * 2))\n",
    );
    assert_eq!(printed, "", "nothing printed");
    let kinds: Vec<&str> = seen.iter().map(Picture::kind).collect();
    assert_eq!(kinds, ["plot", "scatter", "graph"]);
    match &seen[2] {
        Picture::Graph(g) => {
            // x, x * 2 (the number is no tensor), sum.
            assert_eq!(g.boxes.len(), 3);
            assert_eq!(g.edges().len(), 2);
            let svg = Picture::Graph(g.clone()).to_svg();
            parse(&svg);
        }
        other => panic!("expected a graph, found {other:?}"),
    }
}

#[test]
fn files_outside_the_folder_are_refused() {
    let dir = TempDir::new("refused");
    let (exit, _, err) = run_in(&dir, "plot((1, 2), file=\"../up.svg\")\n");
    assert_eq!(exit, bp::Exit::RuntimeError);
    assert!(
        err.contains("'../up.svg' is outside the folders bp may use"),
        "{err}"
    );
    assert!(err.contains("--allow-path"), "{err}");
}

#[test]
fn repl_graph_writes_svg_and_dot() {
    let dir = TempDir::new("repl");
    let mut repl = bp::repl::Repl::new(false);
    repl.interpreter_mut().set_script_dir(dir.path());
    for line in ["x = tensor([1, 2], grad)", "y = sum(x * x)"] {
        assert_eq!(repl.feed(line).err, "");
    }
    let r = repl.feed(":graph y > g.svg");
    assert_eq!(r.err, "");
    let svg = std::fs::read_to_string(dir.path().join("g.svg")).expect("g.svg");
    let doc = parse(&svg);
    assert_eq!(count_class(&doc, "rect", "box"), 3);
    assert_eq!(count_class(&doc, "path", "edge"), 3);
    assert_eq!(repl.feed(":graph y > g.dot").err, "");
    let dot = std::fs::read_to_string(dir.path().join("g.dot")).expect("g.dot");
    assert!(dot.starts_with("digraph"), "{dot}");
}

/// The value of `attr` on every element whose class is exactly `class`.
fn attrs<'a>(doc: &'a roxmltree::Document, class: &str, attr: &str) -> Vec<&'a str> {
    doc.descendants()
        .filter(|n| n.attribute("class") == Some(class))
        .map(|n| n.attribute(attr).expect("the attribute"))
        .collect()
}

#[test]
fn pictures_of_training_write_svg_files() {
    let dir = TempDir::new("training");
    let (exit, _, err) = run_in(
        &dir,
        r#"
hist([1, 2, 2, 3, 3, 3], bins=3, file="h.svg")
plot((list((1, 0.1, 0.01)), [2, 0.2, 0.02]), labels=("train", "dev"), logy=true, file="p.svg")
plot([[1, 2, 3], [3, 2, 1]], file="rows.svg")
imshow([[0, 1], [2, 3]], title="counts", file="m.svg")
"#,
    );
    assert_eq!(exit, bp::Exit::Success, "{err}");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let hist = read("h.svg");
    let hist = parse(&hist);
    let bars: Vec<f64> = attrs(&hist, "bar", "height")
        .iter()
        .map(|h| h.parse().unwrap())
        .collect();
    assert_eq!(bars.len(), 3);
    assert!(bars[0] < bars[1] && bars[1] < bars[2], "{bars:?}");
    let plot = read("p.svg");
    assert_eq!(attrs(&parse(&plot), "series", "class").len(), 2);
    let rows = read("rows.svg");
    assert_eq!(attrs(&parse(&rows), "series", "class").len(), 2);
    let m = read("m.svg");
    let m = parse(&m);
    let fills = attrs(&m, "cell", "fill");
    assert_eq!(fills.len(), 4);
    assert_eq!(fills[0], "#ffffff");
    assert_ne!(fills[0], fills[3]);
}

/// Runs `source` as a notebook cell with a picture sink installed: what it printed,
/// and the pictures the sink received.
fn sent_to_a_sink(source: &str) -> (String, Vec<Picture>) {
    let out = Shared::default();
    let mut it = Interpreter::new(Box::new(out.clone()), Options::default());
    let seen: Rc<RefCell<Vec<Picture>>> = Rc::default();
    let sink = seen.clone();
    it.set_picture_sink(Some(Box::new(move |p: &Picture| {
        sink.borrow_mut().push(p.clone())
    })));
    it.run_source("<cell>", source)
        .map_err(|_| "run failed")
        .expect("runs");
    let pictures = seen.borrow().clone();
    (out.text(), pictures)
}

#[test]
fn the_notebook_receives_the_pictures_of_training_as_svg() {
    let (_, seen) = sent_to_a_sink(
        "hist(randn(50), bins=5)\nplot(((1, 2), (2, 1)), labels=(\"a\", \"b\"))\nimshow(eye(3))\n",
    );
    let kinds: Vec<&str> = seen.iter().map(Picture::kind).collect();
    assert_eq!(kinds, ["hist", "plot", "imshow"]);
    for p in &seen {
        let svg = p.to_svg();
        assert!(roxmltree::Document::parse(&svg).is_ok(), "{svg}");
    }
}
