//! The `bp` command as a user runs it: subcommands, standard input and exit codes.

mod common;

use std::process::Command;

fn bp(args: &[&str], stdin: &str) -> (i32, String, String) {
    common::bp(args).stdin(stdin).run()
}

/// A script written into its own temporary folder, removed when the script is dropped.
struct Script {
    _dir: common::TempDir,
    path: std::path::PathBuf,
}

impl std::ops::Deref for Script {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.path
    }
}

fn script(name: &str, text: &str) -> Script {
    let dir = common::TempDir::new("cli");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write script");
    Script { _dir: dir, path }
}

#[test]
fn run_prints_the_walkthrough_gradient() {
    let p = script(
        "seed.bp",
        "x = ones(3, 3, grad); y = mean(2*(x*x+2)+1); backward(y)\nprint(x.grad)\n",
    );
    let (code, out, err) = bp(&["run", p.to_str().unwrap()], "");
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(
        out,
        "tensor([[0.4444, 0.4444, 0.4444],\n        [0.4444, 0.4444, 0.4444],\n        [0.4444, 0.4444, 0.4444]])\n"
    );
}

#[test]
fn a_file_argument_runs_like_run() {
    let p = script("plain.bp", "print(1 + 2)\n");
    let (code, out, _) = bp(&[p.to_str().unwrap()], "");
    assert_eq!((code, out.as_str()), (0, "3\n"));
}

#[test]
fn run_dash_and_piped_stdin_read_the_script() {
    assert_eq!(
        bp(&["run", "-"], "print(2 * 21)\n"),
        (0, "42\n".into(), String::new())
    );
    assert_eq!(
        bp(&[], "print(\"piped\")\n"),
        (0, "piped\n".into(), String::new())
    );
}

#[test]
fn a_syntax_error_exits_2_with_a_spanned_report() {
    let (code, out, err) = bp(&["run", "-"], "x = ones(3, 3\ny = mean(x))\n");
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert!(err.contains("<stdin>:"), "report names the source: {err}");
}

#[test]
fn a_runtime_error_exits_1_with_a_spanned_report() {
    let (code, _, err) = bp(&["run", "-"], "weights = ones(2)\nprint(weight)\n");
    assert_eq!(code, 1);
    assert!(err.contains("unknown name 'weight'"), "{err}");
    assert!(err.contains("did you mean 'weights'?"), "{err}");
    assert!(
        err.contains("print(weight)"),
        "the report shows the line: {err}"
    );
}

#[test]
fn check_parses_without_running() {
    let ok = script("check_ok.bp", "print(\"never printed\")\n");
    assert_eq!(
        bp(&["check", ok.to_str().unwrap()], ""),
        (0, String::new(), String::new())
    );
    let bad = script("check_bad.bp", "x = (1 +\n");
    assert_eq!(bp(&["check", bad.to_str().unwrap()], "").0, 2);
}

#[test]
fn a_missing_file_is_a_usage_error() {
    let (code, _, err) = bp(&["run", "/nonexistent/nothing.bp"], "");
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn help_and_version() {
    let (code, out, _) = bp(&["--help"], "");
    assert_eq!(code, 0);
    assert!(out.contains("run") && out.contains("check"), "{out}");
    let (code, out, _) = bp(&["--version"], "");
    assert_eq!(code, 0);
    assert!(out.starts_with("bp "), "{out}");
}

#[test]
fn a_bad_flag_is_a_usage_error() {
    assert_eq!(bp(&["--no-such-flag"], "").0, 2);
}

#[test]
fn ctrl_c_stops_a_running_script_with_an_error() {
    let p = script("forever.bp", "i = 0\nwhile true { i += 1 }\n");
    let running = common::bp(&["run", p.to_str().unwrap()]).spawn();
    let child = &running.child;
    std::thread::sleep(std::time::Duration::from_millis(700));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let out = running.wait();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert!(
        err.contains("while true"),
        "the report shows the loop: {err}"
    );
}
