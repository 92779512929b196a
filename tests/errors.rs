//! Scripts in `examples/errors/` that fail or warn: their colourless reports, their
//! output and their exit codes are snapshots (the script is the description).

use bp::eval::Options;
use bp::Exit;
mod common;

use common::Shared;
/// Runs `src` as `name`; returns (stdout, stderr, exit code).
fn run(src: &str, name: &str, options: Options) -> (String, String, Exit) {
    let out = Shared::default();
    let mut err = Vec::new();
    let code = bp::run(
        src,
        name,
        Box::new(out.clone()),
        &mut err,
        options,
        false,
        None,
    );
    let stdout = out.text();
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
        // Any other runs in a temporary folder.
        let dir = common::TempDir::new("errors");
        let options = Options {
            script_dir: (name != full).then(|| dir.path().to_path_buf()),
            ..Options::default()
        };
        let (stdout, stderr, code) = run(&src, name, options);
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
