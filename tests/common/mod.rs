//! What the integration tests share: the one runner of the `bp` binary (always in a
//! fresh temporary folder, so that nothing a script writes lands in the repository),
//! the one writer whose bytes outlive the interpreter that owned it, and temporary
//! folders removed when dropped.
//!
//! Each test file that needs it says `mod common;`; not every file uses every item.
#![allow(dead_code)]

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A `Write` whose bytes stay readable after the interpreter that owns it is gone.
#[derive(Clone, Default)]
pub struct Shared(pub Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    /// Everything written so far, as (lossy) UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow()).into_owned()
    }
}

/// A fresh, empty temporary folder, unique to this process and call, removed (with
/// everything in it) on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("bp-test-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One run of the `bp` binary: arguments, environment and standard input, in its own
/// temporary working folder (a script read from standard input has that folder as
/// its own, so its relative files go there).
pub struct Bp {
    cmd: Command,
    input: Vec<u8>,
    dir: TempDir,
}

/// `bp args…`, run in a fresh temporary folder.
pub fn bp(args: &[&str]) -> Bp {
    let dir = TempDir::new("run");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bp"));
    cmd.args(args).current_dir(dir.path());
    Bp {
        cmd,
        input: Vec::new(),
        dir,
    }
}

impl Bp {
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Bp {
        self.cmd.env(key, value);
        self
    }

    /// The bytes written to its standard input (none: it reads end of file at once).
    pub fn stdin(mut self, input: impl AsRef<[u8]>) -> Bp {
        self.input = input.as_ref().to_vec();
        self
    }

    /// The folder it runs in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Starts it with every stream piped and standard input already written (from
    /// another thread, so a large input cannot block on a full pipe); the returned
    /// `Running` keeps the folder until dropped.
    pub fn spawn(mut self) -> Running {
        let mut child = self
            .cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("bp starts");
        let mut stdin = child.stdin.take().expect("stdin");
        let input = std::mem::take(&mut self.input);
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        Running {
            child,
            writer: Some(writer),
            _dir: self.dir,
        }
    }

    /// Runs it to the end: its exit status and raw output.
    pub fn output(self) -> Output {
        self.spawn().wait()
    }

    /// Runs it to the end: (exit code, or -1 when killed by a signal; stdout; stderr).
    pub fn run(self) -> (i32, String, String) {
        let out = self.output();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// A started `bp` (see [`Bp::spawn`]).
pub struct Running {
    pub child: Child,
    writer: Option<std::thread::JoinHandle<()>>,
    _dir: TempDir,
}

impl Running {
    /// Waits for it to end and collects its output.
    pub fn wait(self) -> Output {
        let Running {
            child,
            writer,
            _dir,
        } = self;
        if let Some(w) = writer {
            let _ = w.join();
        }
        child.wait_with_output().expect("bp finishes")
    }
}

/// `Command` for `bp` with a working folder: for the tests that drive a long-lived
/// process themselves (a kernel, a language server, a terminal session).
pub fn bp_command(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bp"));
    cmd.current_dir(dir);
    cmd
}

/// Runs `src` in this process, in a fresh temporary folder holding `files` (name,
/// contents), output discarded: `Err` holds the error's message, and its hint after
/// ` | ` when it has one.
pub fn run_source(src: &str, files: &[(&str, &str)]) -> Result<(), String> {
    use bp::eval::{Interpreter, Options, RunError};
    let dir = TempDir::new("source");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("a file for the script");
    }
    let mut it = Interpreter::new(Box::new(std::io::sink()), Options::default());
    it.set_script_dir(dir.path());
    it.run_source_at("test.bp", src, dir.path())
        .map_err(|e| match e {
            RunError::Syntax(d) => format!("syntax: {}", d[0].message),
            RunError::Runtime(d) => match d.hint {
                Some(hint) => format!("{} | {hint}", d.message),
                None => d.message,
            },
        })
}

/// Runs `src` through the library as `test.bp` with the default options: (standard
/// output, the colourless error report, whether it succeeded).
pub fn run_in_process(src: &str) -> (String, String, bool) {
    let (out, err, code) = run_named(src, "test.bp");
    (out, err, code == bp::Exit::Success)
}

/// Runs `src` through the library as the file `name` with the default options:
/// (standard output, the colourless error report, the exit status).
pub fn run_named(src: &str, name: &str) -> (String, String, bp::Exit) {
    let out = Shared::default();
    let mut err = Vec::new();
    let code = bp::run(
        src,
        name,
        Box::new(out.clone()),
        &mut err,
        bp::eval::Options::default(),
        false,
        None,
    );
    (out.text(), String::from_utf8_lossy(&err).into_owned(), code)
}

pub fn output_of(src: &str) -> String {
    let (out, err, ok) = run_in_process(src);
    assert!(ok, "{src} failed: {err}");
    out
}

/// The rendered error of a script that must fail.
pub fn error_of(src: &str) -> String {
    let (_, err, ok) = run_in_process(src);
    assert!(!ok, "{src} should fail");
    err
}

/// Runs `script` through `bp run -` (in a temporary folder, colourless): (exit code,
/// stdout, stderr).
pub fn run_stdin(script: &str) -> (i32, String, String) {
    bp(&["run", "-"]).env("NO_COLOR", "1").stdin(script).run()
}

/// Runs `script` through `bp run -`; it must succeed and print exactly `want`.
pub fn expect_stdout(script: &str, want: &str) {
    let (code, out, err) = run_stdin(script);
    assert_eq!(code, 0, "script failed:\n{script}\n{err}");
    assert_eq!(out, want, "script:\n{script}");
}
