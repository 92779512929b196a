//! Scripts in `examples/errors/` that fail or warn: their colourless reports, their
//! output and their exit codes are snapshots (the script is the description).

use bp::eval::Options;
use bp::Exit;
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

/// A writer whose bytes can be read after the interpreter that owned it is gone.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `src` as `name`; returns (stdout, stderr, exit code).
fn run(src: &str, name: &str, options: Options) -> (String, String, Exit) {
    let out = Shared::default();
    let mut err = Vec::new();
    let code = bp::run(src, name, Box::new(out.clone()), &mut err, options, false);
    let stdout = String::from_utf8_lossy(&out.0.borrow()).into_owned();
    (stdout, String::from_utf8_lossy(&err).into_owned(), code)
}

#[test]
fn error_reports() {
    insta::glob!("../examples/errors", "*.bp", |path| {
        let src = std::fs::read_to_string(path).expect("read the script");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("script.bp");
        // A script that imports is run by its path, so that its imports resolve
        // beside it as under `bp run`.
        let full = format!("examples/errors/{name}");
        let name = if src.contains("import \"") {
            full.as_str()
        } else {
            name
        };
        let (stdout, stderr, code) = run(&src, name, Options::default());
        assert_ne!(
            (code, stderr.is_empty()),
            (Exit::Success, true),
            "{name} should fail or warn"
        );
        let report = format!(
            "exit code: {}\n--- stdout\n{stdout}--- stderr\n{stderr}",
            code as i32
        );
        insta::with_settings!({ description => src, omit_expression => true }, {
            insta::assert_snapshot!(report);
        });
    });
}

#[test]
fn strict_makes_an_anomaly_an_error() {
    let src = std::fs::read_to_string("examples/errors/anomaly_sqrt.bp").expect("read");
    let (_, stderr, code) = run(&src, "anomaly_sqrt.bp", Options::default());
    assert_eq!(code, Exit::Success);
    assert!(stderr.starts_with("Warning"), "{stderr}");
    let strict = Options {
        strict: true,
        ..Options::default()
    };
    let (stdout, stderr, code) = run(&src, "anomaly_sqrt.bp", strict);
    assert_eq!(code, Exit::RuntimeError);
    assert!(stderr.starts_with("Error"), "{stderr}");
    assert!(stderr.contains("sqrt(p)"), "{stderr}");
    assert!(!stdout.contains("still running"), "{stdout}");
}

#[test]
fn anomaly_check_can_be_switched_off() {
    let src = std::fs::read_to_string("examples/errors/anomaly_sqrt.bp").expect("read");
    let off = Options {
        detect_anomalies: false,
        ..Options::default()
    };
    let (stdout, stderr, code) = run(&src, "anomaly_sqrt.bp", off);
    assert_eq!(code, Exit::Success);
    assert_eq!(stderr, "");
    assert!(stdout.contains("inf"), "{stdout}");
}
