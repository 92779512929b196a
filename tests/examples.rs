//! Every teaching script in `examples/` runs through the library and its exit code,
//! standard output and (colourless) standard error are a committed snapshot, with the
//! script's source as the snapshot's description.

mod common;

use common::Shared;
/// Runs `source` as `name` and reports `exit code + stdout + stderr`. The script's
/// folder (where its relative paths lead, and the only one it may write to) is a fresh
/// temporary folder, removed afterwards: an example that saves weights leaves nothing.
fn run_script(name: &str, source: &str) -> String {
    let out = Shared::default();
    let mut err = Vec::new();
    let stem = name.rsplit('/').next().unwrap_or(name);
    let dir = std::env::temp_dir().join(format!("bp-example-{}-{stem}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    // The modules examples import (examples/lib) come along.
    if let Ok(entries) = std::fs::read_dir("examples/lib") {
        let _ = std::fs::create_dir_all(dir.join("lib"));
        for e in entries.flatten() {
            let _ = std::fs::copy(e.path(), dir.join("lib").join(e.file_name()));
        }
    }
    let options = bp::eval::Options {
        script_dir: Some(dir.clone()),
        ..bp::eval::Options::default()
    };
    let exit = bp::run(
        source,
        name,
        Box::new(out.clone()),
        &mut err,
        options,
        false,
        None,
    );
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = out.text();
    let stderr = String::from_utf8_lossy(&err).into_owned();
    format!(
        "exit code: {}\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}",
        exit as i32
    )
}

#[test]
fn examples() {
    insta::glob!("../examples", "*.bp", |path| {
        let source = std::fs::read_to_string(path).expect("read the example");
        let name = format!(
            "examples/{}",
            path.file_name().expect("a file name").to_string_lossy()
        );
        let report = run_script(&name, &source);
        insta::with_settings!({ description => source, omit_expression => true }, {
            insta::assert_snapshot!(report);
        });
    });
}

/// The course's examples (`examples/zero_to_hero/`, SPEC §20), each a snapshot. They
/// read `../data/names.txt`, run as the README says (`--allow-path examples/data`): a
/// temporary `zero_to_hero/` beside a copy of `data/`.
#[test]
fn zero_to_hero() {
    insta::glob!("../examples/zero_to_hero", "*.bp", |path| {
        let source = std::fs::read_to_string(path).expect("read the example");
        let file = path.file_name().expect("a file name").to_string_lossy();
        let name = format!("examples/zero_to_hero/{file}");
        let root = common::TempDir::new("zero-to-hero");
        let (dir, data) = (root.path().join("zero_to_hero"), root.path().join("data"));
        std::fs::create_dir_all(&dir).expect("a folder for the script");
        std::fs::create_dir_all(&data).expect("a folder for the data");
        std::fs::copy("examples/data/names.txt", data.join("names.txt")).expect("copy the names");
        let out = Shared::default();
        let mut err = Vec::new();
        let options = bp::eval::Options {
            script_dir: Some(dir),
            allow_paths: vec![data],
            ..bp::eval::Options::default()
        };
        let exit = bp::run(
            source.as_str(),
            &name,
            Box::new(out.clone()),
            &mut err,
            options,
            false,
            None,
        );
        let report = format!(
            "exit code: {}\n--- stdout ---\n{}--- stderr ---\n{}",
            exit as i32,
            out.text(),
            String::from_utf8_lossy(&err)
        );
        insta::with_settings!({ description => source, omit_expression => true }, {
            insta::assert_snapshot!(report);
        });
    });
}
