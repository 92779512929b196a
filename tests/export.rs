//! `bp export` (SPEC §17): the Python translation of every example is a committed
//! snapshot (the program part; the runtime header is `src/export/header.py`), every
//! builtin has a PyTorch mapping and a runtime function, and what cannot be exported is a
//! labelled error.

use bp::export::{export, header, ExportError};
use bp::source::Sources;

fn export_text(name: &str, source: &str) -> Result<String, String> {
    let mut sources = Sources::new();
    let id = sources.add(name, source);
    match export(source, id, std::path::Path::new(name).parent()) {
        Ok(python) => Ok(python),
        Err(ExportError::Syntax(d)) => Err(format!("syntax: {:?}", d)),
        Err(ExportError::Unsupported(d)) => {
            let mut out = Vec::new();
            let _ = bp::diagnostic::render(&d, &sources, false, &mut out);
            Err(String::from_utf8_lossy(&out).into_owned())
        }
    }
}

/// The translated program without the runtime header.
fn program(name: &str, source: &str) -> String {
    let python = export_text(name, source).expect("the example exports");
    let body = python
        .strip_prefix(header())
        .expect("every export starts with the runtime header");
    body.trim_start().to_string()
}

#[test]
fn examples_export_to_python() {
    insta::glob!("../examples", "*.bp", |path| {
        let source = std::fs::read_to_string(path).expect("read the example");
        let name = path.to_string_lossy();
        // An example that uses what has no export yet (scatter, draw) pins its labelled
        // error instead, with the path relative to the repository.
        let python = match export_text(&name, &source) {
            Ok(_) => program(&name, &source),
            Err(report) => {
                let dir = path.parent().map(|d| d.to_string_lossy().into_owned());
                let report = match dir {
                    Some(d) => report.replace(&format!("{d}/"), "examples/"),
                    None => report,
                };
                format!("(cannot be exported)\n{report}")
            }
        };
        insta::with_settings!({ description => source, omit_expression => true }, {
            insta::assert_snapshot!(python);
        });
    });
}

#[test]
fn every_builtin_has_a_pytorch_mapping_and_a_runtime_function() {
    let mut missing = Vec::new();
    for name in bp::eval::builtins::names() {
        // the row's PyTorch equivalent, and the translator's entry for the builtin
        let mapped = bp::export::mapping(name).is_some()
            && bp::export::pytorch(name).is_some_and(|t| !t.trim().is_empty());
        let helper = if name == "assert" { "assert_" } else { name };
        let in_header = header().contains(&format!("    def {helper}("));
        if !mapped || !in_header {
            missing.push(format!("{name} (mapping: {mapped}, header: {in_header})"));
        }
    }
    assert!(
        missing.is_empty(),
        "builtins without an export: {missing:?}"
    );
}

#[test]
fn python_names_are_renamed_and_semantics_kept() {
    let src = "lambda = 3\nfn pass(def) { return def + lambda }\nprint(pass(1), 2 > 1 and 0)\n\
               x = tensor([1, 2], grad)\nm = max(x, 0)\nprint(x % 2, x.grad == none, x.shape)\n\
               sq = fn(t) { return t * t }\nprint(sq(3), x[-1], x[0:1])\n";
    let python = program("names.bp", src);
    insta::assert_snapshot!("renamed_names_and_semantics", python);
}

#[test]
fn a_construct_python_lacks_is_a_labelled_error() {
    let err = export_text("top.bp", "x = 1\nreturn x\n").expect_err("return outside a function");
    assert!(err.contains("cannot export this return"), "{err}");
    assert!(err.contains("outside a function"), "{err}");
    let err = export_text("brk.bp", "if true { break }\n").expect_err("break outside a loop");
    assert!(err.contains("outside a loop"), "{err}");
}

#[test]
fn version_2_language_lists_fstrings_index_assignment() {
    let src = "xs = list()\nfor i in range(3) { xs.append(i * 0.5) }\nk = 2\nloss = tensor(0.25)\n\
               print(f\"step {k}: loss {loss:.4f} {xs} {k:>4}|{len(xs):03d}\")\n\
               w = zeros(3, grad)\nno_grad { w[0] = 1; w[1:] += 2 }\nprint(str(w), round(2.675, 2))\n\
               opt = sgd((w,), lr=0.1)\nfor step in range(2) { opt.zero_grad(); backward(sum(w * w)); opt.step() }\n";
    let python = program("v2.bp", src);
    insta::assert_snapshot!("version_2_language", python);
}

#[test]
fn pictures_export_to_the_header_helpers() {
    let src =
        "X = ones(4, 2)\nscatter(X, [0, 1, 0, 1], title=\"t\")\nplot((1, 2), file=\"p.svg\")\n\
               draw(sum(X * 2), file=\"g.svg\")\n";
    let python = program("pic.bp", src);
    assert!(python.contains("bp.scatter(X, "), "{python}");
    assert!(python.contains("title=\"t\")"), "{python}");
    assert!(
        python.contains("bp.plot((1, 2), file=\"p.svg\")"),
        "{python}"
    );
    assert!(
        python.contains("bp.draw(torch.sum(X * 2), file=\"g.svg\")"),
        "{python}"
    );
}

#[test]
fn v3_indexing_and_pytorch_habits_export_as_pytorch_spells_them() {
    let src = "x = tensor([10, 20, 30], grad)\ny = x[x > 15]\nP = ones(3, 4)\n\
               z = P[[0, 2], range(2)]\nC = P[none, :, 1]\nw = ones(2)\n\
               w.requires_grad = true\nw.grad = none\nw.data -= 0.1 * w\n";
    let python = program("v3.bp", src);
    // a comparison as an index stays PyTorch's bool mask (not its 0/1 values)
    assert!(python.contains("y = x[(x > 15)]"), "{python}");
    assert!(python.contains("bp.ix(range(2))"), "{python}");
    assert!(python.contains("w.requires_grad = True"), "{python}");
    assert!(python.contains("w.grad = None"), "{python}");
    assert!(python.contains("w.data -= 0.1 * w"), "{python}");
}

/// `layer.parameters()` calls the object's method, as bp does, also when a variable
/// (the lecture's `parameters = [...]`) or a builtin shares the method's name, and when
/// the objects come from a bracket literal (inferred as a tensor).
#[test]
fn a_method_of_a_class_stays_a_method_beside_a_variable_of_its_name() {
    let src = "class A {\n    fn init(self) { self.w = ones(2) }\n    fn parameters(self) { return (self.w,) }\n}\n\
               layers = [A(), A()]\nparameters = (1, 2)\n\
               ps = [p for layer in layers for p in layer.parameters()]\n\
               for layer in layers { print(layer.parameters()) }\n\
               x = ones(3)\nprint(x.sum())\n";
    let python = program("methods.bp", src);
    assert!(
        python.contains("ps = [p for layer in layers for p in layer.parameters()]"),
        "{python}"
    );
    assert!(
        python.contains("    bp.print(layer.parameters())"),
        "{python}"
    );
    assert!(!python.contains("parameters(layer)"), "{python}");
    assert!(python.contains("bp.print(torch.sum(x))"), "{python}");
}

#[test]
fn v3_classes_defaults_and_keywords_export_as_python_classes() {
    let src = "class Layer {\n    fn init(self, nin, nout, k=0.5) {\n        self.W = zeros(nin, nout, grad)\n    }\n\
               fn call(self, x) { return x @ self.W }\n    fn show(self) { return \"Layer\" }\n\
               fn norm2(self) { return sum(self.W * self.W) }\n}\n\
               l = Layer(2, 3, k=0.1)\nf = fn(scale=2) { return scale }\n";
    let python = program("v3_classes.bp", src);
    assert!(python.contains("class Layer(bp.Object):"), "{python}");
    assert!(
        python.contains("    def __init__(self, nin, nout, k=0.5):"),
        "{python}"
    );
    assert!(python.contains("    def __call__(self, x):"), "{python}");
    assert!(python.contains("    def __repr__(self):"), "{python}");
    assert!(python.contains("    def norm2(self):"), "{python}");
    assert!(python.contains("l = Layer(2, 3, k=0.1)"), "{python}");
    assert!(python.contains("f = lambda scale=2: scale"), "{python}");
}

#[test]
fn a_method_of_the_programs_classes_is_called_as_a_method_even_named_as_a_builtin() {
    // makemore part 5's layers each define `parameters`: bp calls the object's own
    // method, so Python must too (not the builtin `parameters(model)`).
    let src = "class Tanh {\n    fn call(self, x) { return tanh(x) }\n\
               fn parameters(self) { return list() }\n}\n\
               model = Tanh()\nparameters = model.parameters()\nx = ones(2)\n\
               s = x.sum()\nm = max(x, ones(2))\nk = max(1, 250 // 100)\n";
    let python = program("methods.bp", src);
    assert!(
        python.contains("parameters = model.parameters()"),
        "{python}"
    );
    // a tensor's method of a builtin name stays the builtin
    assert!(python.contains("s = torch.sum(x)"), "{python}");
    // max(a, b) of two tensors is the elementwise maximum, as bp's
    assert!(
        python.contains("m = torch.maximum(x, torch.ones((2,)))"),
        "{python}"
    );
    assert!(python.contains("k = bp.max(1, 250 // 100)"), "{python}");
}

#[test]
fn a_call_with_too_few_arguments_goes_to_the_runtime_instead_of_failing() {
    // A builtin that takes only tensors, called with too few arguments: bp reports the
    // call when the script runs; export writes the runtime's call (it used to stop on a
    // missing argument).
    let src = "t = ones(2)\na = zeros_like()\nb = mse_loss(t)\nc = softmax()\n";
    let python = program("few.bp", src);
    assert!(python.contains("a = bp.zeros_like()"), "{python}");
    assert!(python.contains("b = bp.mse_loss(t)"), "{python}");
    assert!(python.contains("c = bp.softmax()"), "{python}");
}
