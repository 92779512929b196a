//! `bp check` for calls of user functions and class constructors (SPEC §22): a
//! call whose arguments cannot fit the definition (too many, an unknown keyword, an
//! argument given twice, a required one missing) is reported as the run would
//! report it. Only names bound once in their scope are checked (a name bound
//! twice may hold another function when the call runs).

use crate::diagnostic::Diagnostic;
use crate::eval::errors::closest;
use crate::source::Span;
use crate::syntax::ast::{Arg, ClassDecl, ExprKind, FnDecl, Name, Stmt, StmtKind};
use crate::syntax::visit::{walk_stmt, Visit};

/// What a call must fit: the parameters (without `self` for a constructor) and
/// how many of the first ones have no default.
#[derive(Clone, Debug)]
pub struct Signature {
    /// `train`, or `Layer.init` for a constructor.
    pub name: String,
    pub params: Vec<Name>,
    pub defaults: Vec<bool>,
    /// Where the function (or the class) is named.
    pub def_span: Span,
}

impl Signature {
    pub fn of_fn(decl: &FnDecl) -> Option<Signature> {
        let name = decl.name.as_ref()?;
        Some(Signature {
            name: name.name.to_string(),
            params: decl.params.iter().map(|p| p.name.clone()).collect(),
            defaults: (0..decl.params.len())
                .map(|i| matches!(decl.defaults.get(i), Some(Some(_))))
                .collect(),
            def_span: name.span,
        })
    }

    /// The constructor `Name(...)`: `init` without `self` (no `init`: no arguments).
    pub fn of_class(c: &ClassDecl) -> Option<Signature> {
        let init = c
            .methods
            .iter()
            .find(|m| m.name.as_ref().is_some_and(|n| &*n.name == "init"));
        let (params, defaults) = match init {
            Some(m) if m.params.is_empty() => return None,
            Some(m) => (
                m.params[1..].iter().map(|p| p.name.clone()).collect(),
                (1..m.params.len())
                    .map(|i| matches!(m.defaults.get(i), Some(Some(_))))
                    .collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        Some(Signature {
            name: format!("{}.init", c.name.name),
            params,
            defaults,
            def_span: c.name.span,
        })
    }

    fn shown(&self) -> String {
        let ps: Vec<String> = self
            .params
            .iter()
            .zip(&self.defaults)
            .map(|(p, d)| {
                if *d {
                    format!("{p}=...")
                } else {
                    p.to_string()
                }
            })
            .collect();
        format!("{}({})", self.name, ps.join(", "))
    }

    /// The report for a call with `args` at `call`, when they cannot fit.
    pub fn check(&self, call: Span, args: &[Arg]) -> Option<Diagnostic> {
        let hint = || format!("{} is defined as {}", self.name, self.shown());
        let positional: Vec<Span> = args
            .iter()
            .filter_map(|a| match a {
                Arg::Positional(e) => Some(e.span),
                Arg::Keyword { .. } => None,
            })
            .collect();
        let n = self.params.len();
        if positional.len() > n {
            let extra = positional[n].to(positional[positional.len() - 1]);
            return Some(
                Diagnostic::error(format!(
                    "{}() takes {n} argument{}; found {}",
                    self.name,
                    if n == 1 { "" } else { "s" },
                    positional.len()
                ))
                .with_label(extra, "too many arguments")
                .with_label(self.def_span, "defined here")
                .with_hint(hint()),
            );
        }
        let mut given = vec![false; n];
        for g in given.iter_mut().take(positional.len()) {
            *g = true;
        }
        for a in args {
            let Arg::Keyword { name, value } = a else {
                continue;
            };
            let span = name.span.to(value.span);
            let Some(i) = self.params.iter().position(|p| *p == name.name) else {
                let h = match closest(&name.name, self.params.iter().map(|p| &**p)) {
                    Some(m) => format!("did you mean '{m}'? {}", hint()),
                    None => hint(),
                };
                return Some(
                    Diagnostic::error(format!(
                        "{}() has no parameter named '{}'",
                        self.name, name.name
                    ))
                    .with_label(span, "unknown keyword")
                    .with_label(self.def_span, "defined here")
                    .with_hint(h),
                );
            };
            if given[i] {
                return Some(
                    Diagnostic::error(format!(
                        "{}() got two values for its argument '{}'",
                        self.name, name.name
                    ))
                    .with_label(span, "given again here")
                    .with_label(call, "in this call")
                    .with_hint(hint()),
                );
            }
            given[i] = true;
        }
        let missing: Vec<String> = (0..n)
            .filter(|&i| !given[i] && !self.defaults[i])
            .map(|i| format!("'{}'", self.params[i]))
            .collect();
        if missing.is_empty() {
            return None;
        }
        Some(
            Diagnostic::error(format!(
                "{}() is missing {} {}",
                self.name,
                if missing.len() == 1 {
                    "its argument"
                } else {
                    "its arguments"
                },
                missing.join(" and ")
            ))
            .with_label(call, "in this call")
            .with_label(self.def_span, "defined here")
            .with_hint(hint()),
        )
    }
}

/// A class as the editor completes it after `self.`: its span, its fields (set as
/// `self.name = ...` in its methods, in source order) and its methods.
#[derive(Clone, Debug)]
pub struct ClassMembers {
    pub span: Span,
    pub name: Name,
    pub fields: Vec<Name>,
    pub methods: Vec<Name>,
}

impl ClassMembers {
    pub fn of(c: &ClassDecl) -> ClassMembers {
        struct Fields<'n> {
            this: &'n str,
            out: Vec<Name>,
        }
        impl<'a> Visit<'a> for Fields<'_> {
            fn visit_stmt(&mut self, stmt: &'a Stmt) {
                if let StmtKind::AttrAssign { object, name, .. } = &stmt.kind {
                    if matches!(&object.kind, ExprKind::Name(n) if ***n == *self.this)
                        && !self.out.contains(&name.name)
                    {
                        self.out.push(name.name.clone());
                    }
                }
                walk_stmt(self, stmt);
            }
        }
        let mut fields = Vec::new();
        for m in &c.methods {
            if let Some(this) = m.params.first() {
                let mut v = Fields {
                    this: &this.name,
                    out: std::mem::take(&mut fields),
                };
                v.visit_block(&m.body);
                fields = v.out;
            }
        }
        ClassMembers {
            span: c.span,
            name: c.name.name.clone(),
            fields,
            methods: c
                .methods
                .iter()
                .filter_map(|m| m.name.as_ref().map(|n| n.name.clone()))
                .filter(|n| !matches!(&**n, "init" | "call" | "show"))
                .collect(),
        }
    }
}
