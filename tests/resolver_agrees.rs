//! The resolver's answer held against the evaluator's, on every example and every
//! conformance script (`../shared/conformance`, beside the clone, as CI has it):
//! each script runs with its reads traced, and every read of a name must have
//! found its value where the resolver (`bp check`'s and the editor's, run on the
//! same source) says it is — its place, or, when that slot was not bound yet
//! when the read ran, the next place out that the resolver lists for the name.
//! No read may find its compiled slot holding another name.

mod common;

use bp::eval::resolve::{self, Place, TopLevel};
use bp::eval::{Found, Interpreter, Options};
use bp::source::SourceId;
use std::path::{Path, PathBuf};

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for e in std::fs::read_dir(from).expect("read the folder").flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_folder(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy a file");
        }
    }
}

fn scripts(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "bp"))
        .collect();
    out.sort();
    out
}

fn same(place: Place, found: Found) -> bool {
    match (place, found) {
        (Place::Local(s), Found::Frame { depth: 0, slot }) => s == slot,
        (Place::Captured { depth: d, slot: s }, Found::Frame { depth, slot }) => {
            d == depth && s == slot
        }
        (Place::Global, Found::Global)
        | (Place::Builtin, Found::Builtin)
        | (Place::Unknown, Found::Unknown) => true,
        _ => false,
    }
}

/// What one script's run showed: reads found at their place, reads found further
/// out (their slot not bound yet), and disagreements.
#[derive(Default)]
struct Tally {
    at_place: usize,
    further_out: usize,
    wrong: Vec<String>,
}

fn check_script(path: &Path, tally: &mut Tally) {
    let text = std::fs::read_to_string(path).expect("read the script");
    let mut interp = Interpreter::new(Box::new(std::io::sink()), Options::default());
    interp.set_script_dir(path.parent().expect("a folder"));
    interp.trace_places();
    let name = path.to_string_lossy().into_owned();
    // Errors are part of some scripts (`# expect: error`): the reads made before
    // are checked all the same.
    let _ = interp.run_source(&name, text.as_str());
    let mut resolutions: Vec<(SourceId, resolve::Resolution)> = Vec::new();
    for (span, name, found) in interp.place_trace().to_vec() {
        let id = span.source;
        let at = match resolutions.iter().position(|(s, _)| *s == id) {
            Some(i) => i,
            None => {
                let text = interp.sources.get(id).expect("a source").text.clone();
                let top = if interp.module_sources().contains(&id) {
                    TopLevel::Frame
                } else {
                    TopLevel::Globals
                };
                let program = bp::syntax::parse(&text, id)
                    .program
                    .expect("a script that ran parses");
                let r = resolve::resolve_with(&program, id, text.len(), top, true);
                resolutions.push((id, r));
                resolutions.len() - 1
            }
        };
        let r = &resolutions[at].1;
        let file = &interp.sources.get(id).expect("a source").name;
        let here = format!("{file}:{}: '{name}'", span.start);
        let Some(u) = r.uses.iter().find(|u| u.span == span) else {
            tally
                .wrong
                .push(format!("{here}: the resolver has no read here"));
            continue;
        };
        let reach = r.reach(u.scope, &name);
        if reach.first() != Some(&u.place) {
            tally.wrong.push(format!(
                "{here}: place {:?} is not first of {reach:?}",
                u.place
            ));
        }
        match reach.iter().position(|p| same(*p, found)) {
            Some(0) => tally.at_place += 1,
            Some(_) => tally.further_out += 1,
            None => tally.wrong.push(format!(
                "{here}: the run found it at {found:?}; the resolver says {reach:?}"
            )),
        }
    }
}

#[test]
fn every_read_of_every_example_and_conformance_script_is_where_the_resolver_says() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let conformance = root.join("../shared/conformance");
    assert!(
        conformance.is_dir(),
        "the conformance scripts are missing: {} (CI has ../shared beside the clone)",
        conformance.display()
    );
    // Copies: scripts write files beside themselves.
    let tmp = common::TempDir::new("resolver_agrees");
    copy_folder(&root.join("examples"), &tmp.path().join("examples"));
    copy_folder(&conformance, &tmp.path().join("conformance"));
    copy_folder(&root.join("tests/language"), &tmp.path().join("language"));
    let mut all = Vec::new();
    for dir in [
        "examples",
        "conformance",
        "conformance/v2",
        "conformance/v3",
        "language",
    ] {
        all.extend(scripts(&tmp.path().join(dir)));
    }
    assert!(all.len() > 100, "only {} scripts found", all.len());
    let mut tally = Tally::default();
    for path in &all {
        check_script(path, &mut tally);
    }
    assert!(
        tally.wrong.is_empty(),
        "{} reads disagree:\n{}",
        tally.wrong.len(),
        tally.wrong.join("\n")
    );
    // The scripts do read names, mostly where the resolver first looks.
    assert!(tally.at_place > 10_000, "only {} reads", tally.at_place);
    assert!(tally.further_out < tally.at_place / 10);
    eprintln!(
        "{} scripts: {} reads at their place, {} further out",
        all.len(),
        tally.at_place,
        tally.further_out
    );
}

/// `tests/language/scopes.bp` (the scope cases of SPEC §4): `bp check` finds
/// nothing wrong, and every read it resolves finds its value there when run.
#[test]
fn the_scope_cases_agree_between_check_and_run() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/language/scopes.bp");
    let text = std::fs::read_to_string(&path).expect("read scopes.bp");
    let analysis = resolve::analyze(&text, SourceId(0));
    assert!(
        analysis.diagnostics.is_empty(),
        "bp check: {:?}",
        analysis.diagnostics
    );
    let tmp = common::TempDir::new("resolver_scopes");
    copy_folder(path.parent().expect("a folder"), tmp.path());
    let mut tally = Tally::default();
    check_script(&tmp.path().join("scopes.bp"), &mut tally);
    assert!(tally.wrong.is_empty(), "{}", tally.wrong.join("\n"));
    // Both kinds of read occur: at the place, and further out (a global read
    // before the function binds its own, a builtin before the global hides it).
    assert!(tally.at_place > 50 && tally.further_out >= 3);
}
