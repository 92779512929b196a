//! The language additions of SPEC §13, as self-checking scripts in
//! `tests/language/` (each asserts what it tests and prints `ok`), run the way
//! `bp run` runs them: by path, so that their imports resolve beside them.

mod common;

use common::Shared;
fn run(path: &str) -> (String, String, bp::Exit) {
    let src = std::fs::read_to_string(path).expect("read the script");
    let out = Shared::default();
    let mut err = Vec::new();
    let code = bp::run(
        src.as_str(),
        path,
        Box::new(out.clone()),
        &mut err,
        bp::eval::Options::default(),
        false,
        None,
    );
    let stdout = out.text();
    (stdout, String::from_utf8_lossy(&err).into_owned(), code)
}

fn copy_folder(from: &std::path::Path, to: &std::path::Path) {
    for e in std::fs::read_dir(from).expect("read the folder").flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&target).expect("a folder");
            copy_folder(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy a file");
        }
    }
}

/// Runs `path` (under `tests/language/`) from a temporary copy of that folder, so
/// that its imports resolve beside it and nothing it writes lands in the repository.
fn passes(path: &str) {
    let dir = common::TempDir::new("language");
    copy_folder(std::path::Path::new("tests/language"), dir.path());
    let name = path
        .strip_prefix("tests/language/")
        .expect("a script of tests/language");
    let copy = dir.path().join(name);
    let (stdout, stderr, code) = run(copy.to_str().expect("a UTF-8 path"));
    assert_eq!(code, bp::Exit::Success, "{path}:\n{stderr}");
    assert_eq!(stdout, "ok\n", "{path}:\n{stderr}");
}

#[test]
fn lists() {
    passes("tests/language/lists.bp");
}

#[test]
fn fstrings_str_and_round() {
    passes("tests/language/fstrings.bp");
}

#[test]
fn tensor_indices_and_index_assignment() {
    passes("tests/language/tensor_indices.bp");
}

#[test]
fn comprehensions_and_their_scope() {
    passes("tests/language/comprehensions.bp");
}

#[test]
fn advanced_indexing_gathers_and_writes() {
    passes("tests/language/advanced_indexing.bp");
}

#[test]
fn pytorch_habits_requires_grad_grad_data_clone() {
    passes("tests/language/pytorch_habits.bp");
}

#[test]
fn modules() {
    passes("tests/language/modules.bp");
}

#[test]
fn scopes_resolved_into_slots_keep_spec_semantics() {
    passes("tests/language/scopes.bp");
}

/// Runs `src` (written to a file beside the test scripts) and returns stderr.
fn error_of(src: &str) -> String {
    // One file per call: the tests of this binary run on parallel threads.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("bp_lang_{}_{n}.bp", std::process::id()));
    std::fs::write(&path, src).expect("write");
    let p = path.to_string_lossy().into_owned();
    let (_, stderr, code) = run(&p);
    let _ = std::fs::remove_file(&path);
    assert_eq!(code, bp::Exit::RuntimeError, "{src}\n{stderr}");
    stderr
}

#[test]
fn pytorch_spellings_get_bp_hints() {
    for (src, hint) in [
        ("x = ones(2, grad)\nx.grad.zero_()", "zero_grad(x)"),
        ("x = ones(2)\nx.size()", "x.shape"),
        ("x = torch.ones(3, 3)", "write `ones(...)`"),
        (
            "x = ones(2, grad)\ny = (x * 2).requires_grad_()",
            "x.detach()",
        ),
        ("x = ones(2)\nx.numpy()", "list(x)"),
        ("x = ones(2)\nx.tolist()", "list(x)"),
        ("x = ones(2)\ny = x.size", "x.shape"),
        ("x = True", "`true`"),
        ("x = ones(2)\nx.view(2, 1)", "reshape(x, shape)"),
    ] {
        let stderr = error_of(src);
        assert!(stderr.contains(hint), "{src}: no '{hint}' in\n{stderr}");
    }
    // requires_grad=true is the grad flag.
    let path = std::env::temp_dir().join(format!("bp_lang_rg_{}.bp", std::process::id()));
    std::fs::write(
        &path,
        "x = tensor([1.0, 2.0], requires_grad=true)\nprint(x)\n",
    )
    .expect("w");
    let (stdout, stderr, code) = run(&path.to_string_lossy());
    let _ = std::fs::remove_file(&path);
    assert_eq!(code, bp::Exit::Success, "{stderr}");
    assert_eq!(stdout, "tensor([1., 2.], requires_grad=True)\n");
}

#[test]
fn list_errors_name_what_is_wrong() {
    for (src, needle) in [
        ("xs = list()\nxs.pop()", "pop from an empty list"),
        ("xs = list((1, 2))\nxs[2]", "out of range"),
        (
            "xs = list((1, 2))\nxs[0:1] = 3",
            "a slice of a list cannot be assigned to",
        ),
        ("t = (1, 2)\nt[0] = 3", "use a list"),
        ("x = ones(3)\nx.append(1)", "a list"),
        (
            "x = ones(3)\ny = x[[0, 3]]",
            "index 3 is out of range for axis 0 of size 3",
        ),
        (
            "x = ones(3)\nx[0] = ones(2)",
            "cannot write a value of shape [2]",
        ),
        ("print(f\"{(1, 2):.1f}\")", "found a tuple"),
        ("print(f\"{2.5:d}\")", "whole number"),
        ("print(f\"{2.5:q}\")", "invalid format spec"),
        ("import \"no_such_file.bp\" as m", "cannot import"),
        ("W = zeros(2, 2)\nW[0][1] = 5", "W[0, 1] = v"),
    ] {
        let stderr = error_of(src);
        assert!(stderr.contains(needle), "{src}: no '{needle}' in\n{stderr}");
    }
}

#[test]
fn arithmetic_on_numbers_in_place_falls_back_to_the_general_code() {
    passes("tests/language/numbers_in_place.bp");
}
