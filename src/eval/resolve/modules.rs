//! The static checks that read the files a script imports (SPEC §22): an
//! `import` of a file that cannot be read, and a module member (`nn.linear`)
//! that the module does not define. `bp check` and the language server run them
//! with the importing file's folder; the messages are the run's own.

use super::{analyze, Resolution};
use crate::diagnostic::Diagnostic;
use crate::eval::errors::closest;
use crate::source::{SourceId, Span};
use crate::syntax::ast::{Program, Stmt, StmtKind};
use crate::syntax::visit::{walk_stmt, Visit};
use std::collections::HashMap;
use std::path::Path;

/// The top-level names of each imported module that can be read and parses
/// (`None`: unreadable, reported once at its `import`).
type Modules = HashMap<usize, Option<Vec<String>>>;

/// The span of each `import`'s path, by the span of the name it binds (gathered
/// by visiting the statements).
#[derive(Default)]
pub struct ImportPaths(HashMap<Span, Span>);

impl<'a> Visit<'a> for ImportPaths {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if let StmtKind::Import {
            path_span, binding, ..
        } = &stmt.kind
        {
            self.0.insert(binding.span, *path_span);
        }
        walk_stmt(self, stmt);
    }
}

/// The findings for `program` and its resolution `res` (a script in folder
/// `dir`): unreadable imports first, then members that their module lacks.
pub fn check_modules(program: &Program, res: &Resolution, dir: &Path) -> Vec<Diagnostic> {
    let mut paths = ImportPaths::default();
    for stmt in program {
        paths.visit_stmt(stmt);
    }
    check_imports(&paths, res, dir)
}

/// [`check_modules`] with the spans of the program's import paths.
pub fn check_imports(paths: &ImportPaths, res: &Resolution, dir: &Path) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut modules: Modules = HashMap::new();
    for (d, rel) in &res.imports {
        let path = dir.join(&**rel);
        let names = match std::fs::read_to_string(&path) {
            Ok(text) => {
                // A module that does not parse is the run's error, not this check's:
                // its members are not judged.
                analyze(&text, SourceId(0)).resolution.map(|r| {
                    let mut names: Vec<String> = r.scopes[super::GLOBAL]
                        .names
                        .keys()
                        .map(|n| n.to_string())
                        .collect();
                    names.sort();
                    names
                })
            }
            Err(e) => {
                let why = match e.kind() {
                    std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
                    _ => e.to_string(),
                };
                out.push(
                    Diagnostic::error(format!(
                        "cannot import \"{rel}\": cannot read '{rel}': {why}"
                    ))
                    .with_label(
                        paths
                            .0
                            .get(&res.defs[*d].span)
                            .copied()
                            .unwrap_or(res.defs[*d].span),
                        "this file",
                    )
                    .with_hint(format!(
                        "import paths are relative to the importing script's folder ({})",
                        dir.display()
                    )),
                );
                None
            }
        };
        modules.insert(*d, names);
    }
    for (d, member) in &res.members {
        let Some(Some(names)) = modules.get(d) else {
            continue;
        };
        if names.iter().any(|n| **n == *member.name) {
            continue;
        }
        let module = &res.defs[*d].name;
        let mut diag =
            Diagnostic::error(format!("module '{module}' has no name '{}'", member.name))
                .with_label(member.span, "not defined in the module");
        if let Some(c) = closest(&member.name, names.iter().map(String::as_str)) {
            diag = diag.with_hint(format!("did you mean '{c}'?"));
        }
        out.push(diag);
    }
    out
}
