//! Name resolution and the static checks built on it (`bp check`, `bp lsp`).
//!
//! One pass over the AST gives every binding a [`Def`] and every name that is read a
//! [`Use`] with its [`Target`] and its [`Place`] (a slot of its own frame or of an
//! enclosing function's, a global, a builtin), following the scope rules of SPEC §4: only function
//! bodies open a scope; a read looks in the function's locals, then the enclosing
//! functions, then the globals, then the builtins. The same pass reports what can be
//! known without running: unknown names (with a did-you-mean hint), builtin calls with
//! the wrong number of arguments or an unknown keyword, `break`/`continue` outside a
//! loop and `return` outside a function.
//!
//! The checks never guess against the script: without flow analysis a name counts as
//! bound at a read when it is bound earlier in the same function (or anywhere in a loop
//! that also holds the read, since the loop may come round again), anywhere in an
//! enclosing function, or anywhere at the top level when the read is inside a function
//! (the function may run after the global is assigned).

pub mod builtins;
pub mod calls;
pub mod modules;

use crate::diagnostic::Diagnostic;
use crate::eval::errors::closest;
use crate::eval::pytorch;
use crate::fast_hash::FastMap;
use crate::source::{SourceId, Span};
use crate::syntax::ast::{
    Arg, Comprehension, Expr, ExprKind, FnDecl, Ident, Name, Program, Stmt, StmtKind,
};
use crate::syntax::visit::{walk_expr, walk_stmt, Visit, STACK_GROWTH, STACK_RED_ZONE};
use std::collections::HashMap;
use std::rc::Rc;

/// Index of a scope in [`Resolution::scopes`]; the top level is [`GLOBAL`].
pub type ScopeId = usize;
/// Index of a binding in [`Resolution::defs`].
pub type DefId = usize;

/// The top-level scope.
pub const GLOBAL: ScopeId = 0;

/// What kind of binding a [`Def`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefKind {
    /// `x = ...`, `a, b = ...`, `x += ...`
    Variable,
    /// `fn name(...) { ... }`, or `name = fn(...) { ... }`
    Function,
    /// A function's parameter.
    Parameter,
    /// `for x in ...`, and a comprehension's `for x in ...`
    LoopVariable,
    /// `import "file.bp" as name` (or the file's stem)
    Module,
}

/// One place where a name is bound.
#[derive(Clone, Debug)]
pub struct Def {
    pub name: Name,
    /// The name as written at the binding.
    pub span: Span,
    pub kind: DefKind,
    pub scope: ScopeId,
    /// The statement that binds it (for a function, its whole definition).
    pub statement: Span,
    /// The outermost loop of the same function that holds the binding.
    loop_region: Option<Span>,
}

/// What a name that is read refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Def(DefId),
    Builtin(&'static str),
    Unknown,
}

/// Where a name is found when the program runs (SPEC §4): what the evaluator
/// indexes. A slot not bound yet when it is read falls back to the search by name
/// through the same scopes, so a place never changes what a program does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Slot `slot` of the frame of the function doing the read (or of a module's
    /// top level, read there).
    Local(u32),
    /// Slot `slot` of the frame `depth` functions out.
    Captured { depth: u32, slot: u32 },
    /// A global of the script (bound at its top level, here or in an earlier entry
    /// of the REPL).
    Global,
    /// Bound nowhere in the program: a builtin.
    Builtin,
    /// Bound nowhere in the program, and not a builtin.
    Unknown,
}

/// What a program's top level is: a script's (or REPL entry's) globals, or the
/// frame of an imported module (whose misses go to the builtins, never to the
/// importer's globals).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TopLevel {
    #[default]
    Globals,
    Frame,
}

/// The layout of a frame: one slot per name the function (or module) binds, its
/// parameters first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Frame {
    pub names: Rc<[Name]>,
    /// The parameters are slots `0..params.len()`, in order (they are distinct).
    pub params_in_order: bool,
}

/// One name that is read (a variable, a callee, a method name).
#[derive(Clone, Debug)]
pub struct Use {
    pub name: Name,
    pub span: Span,
    pub scope: ScopeId,
    pub target: Target,
    pub place: Place,
}

/// A function body (or the top level).
#[derive(Clone, Debug)]
pub struct Scope {
    pub parent: Option<ScopeId>,
    /// The body block; the whole source for the top level.
    pub span: Span,
    names: HashMap<Name, Vec<DefId>>,
    /// The frame's names in slot order, and each one's slot.
    slots: Vec<Name>,
    slot_of: FastMap<Name, u32>,
    params_in_order: bool,
    /// A comprehension's scope (not a function body's).
    pub comprehension: bool,
    /// Whether the bindings of each name are in the order of their spans (as the
    /// walk binds them): a read then finds its binding by binary search (a script
    /// that binds one name 100,000 times was quadratic to check).
    in_order: bool,
}

impl Scope {
    fn frame(&self) -> Frame {
        Frame {
            names: self.slots.clone().into(),
            params_in_order: self.params_in_order,
        }
    }
}

/// Everything the pass found: bindings, reads, scopes and diagnostics.
#[derive(Clone, Debug, Default)]
pub struct Resolution {
    pub scopes: Vec<Scope>,
    pub defs: Vec<Def>,
    pub uses: Vec<Use>,
    /// `x.name` attribute accesses: (the object expression, the attribute name).
    pub attributes: Vec<(Span, Ident)>,
    /// Every `import`: the module's binding and the path as written.
    pub imports: Vec<(DefId, Rc<str>)>,
    /// `m.name` and `m.name(...)` where `m` is an imported module: (its binding,
    /// the member's name).
    pub members: Vec<(DefId, Ident)>,
    pub diagnostics: Vec<Diagnostic>,
    /// Where every name read or bound is found when the program runs, by the
    /// span of the name (for the evaluator: empty when the checks are on, whose
    /// `uses` have their places).
    pub places: FastMap<Span, Place>,
    /// The layout of every function's frame, by the span of its definition, and
    /// of every comprehension's (its variables are its own), by the span of the
    /// comprehension.
    pub frames: FastMap<Span, Frame>,
    /// The layout of the top level, when it is a frame (an imported module).
    pub top: Frame,
    /// What the top level is.
    pub top_level: TopLevel,
    /// Every class with its fields and methods (for completion after `self.`).
    pub classes: Vec<calls::ClassMembers>,
}

impl Resolution {
    /// Where a read of `name` in `scope` may find its value, nearest first: the
    /// frames out from `scope` that bind the name, then the globals, then the
    /// builtins. The first is the read's place; when the run reads a slot not bound
    /// yet, it goes on with the next (as a search by name does).
    pub fn reach(&self, scope: ScopeId, name: &str) -> Vec<Place> {
        self.reach_while(scope, name, |_| true)
    }

    /// The first of [`Resolution::reach`].
    fn reach_first(&self, scope: ScopeId, name: &str) -> Place {
        let found = self.reach_while(scope, name, |_| false);
        found.first().copied().unwrap_or(Place::Unknown)
    }

    /// [`Resolution::reach`], stopping after the first place for which `more` is false.
    fn reach_while(&self, scope: ScopeId, name: &str, more: impl Fn(Place) -> bool) -> Vec<Place> {
        let mut out = Vec::with_capacity(1);
        let mut depth = 0;
        let mut at = Some(scope);
        while let Some(id) = at {
            let s = &self.scopes[id];
            if let Some(&slot) = s.slot_of.get(name) {
                let place = match depth {
                    _ if id == GLOBAL && self.top_level == TopLevel::Globals => Place::Global,
                    0 => Place::Local(slot),
                    depth => Place::Captured { depth, slot },
                };
                out.push(place);
                if !more(place) {
                    return out;
                }
            }
            depth += 1;
            at = s.parent;
        }
        out.push(match builtins::info(name) {
            Some(_) => Place::Builtin,
            None => Place::Unknown,
        });
        out
    }

    /// The read whose name covers byte `offset` (ends inclusive, for a cursor
    /// just after the name).
    pub fn use_at(&self, offset: usize) -> Option<&Use> {
        self.uses.iter().find(|u| covers(u.span, offset))
    }

    /// The binding whose name covers byte `offset`.
    pub fn def_at(&self, offset: usize) -> Option<DefId> {
        self.defs.iter().position(|d| covers(d.span, offset))
    }

    /// The binding that the name at `offset` refers to (or is).
    pub fn definition_at(&self, offset: usize) -> Option<DefId> {
        match self.use_at(offset) {
            Some(Use {
                target: Target::Def(d),
                ..
            }) => Some(*d),
            _ => self.def_at(offset),
        }
    }

    /// The path of the module that binding `d` imports.
    pub fn import_path(&self, d: DefId) -> Option<&Rc<str>> {
        self.imports.iter().find(|(id, _)| *id == d).map(|(_, p)| p)
    }

    /// The module member (`nn.linear`) whose name covers byte `offset`: the
    /// module's binding and the member's name.
    pub fn member_at(&self, offset: usize) -> Option<&(DefId, Ident)> {
        self.members.iter().find(|(_, m)| covers(m.span, offset))
    }

    /// Where a comprehension first binds `name` (its variables are its own): what
    /// an unknown name read outside it is told.
    pub fn comprehension_binding(&self, name: &str) -> Option<Span> {
        self.defs
            .iter()
            .find(|d| &*d.name == name && self.scopes[d.scope].comprehension)
            .map(|d| d.span)
    }

    /// The top-level binding named `name` (its first), as a module's member.
    pub fn global(&self, name: &str) -> Option<DefId> {
        self.scopes[GLOBAL].names.get(name)?.first().copied()
    }

    /// The innermost function scope whose body holds `offset`.
    pub fn scope_at(&self, offset: usize) -> ScopeId {
        let mut best = GLOBAL;
        for (id, s) in self.scopes.iter().enumerate().skip(1) {
            if (s.span.start as usize) < offset && offset < s.span.end as usize {
                let b = &self.scopes[best].span;
                if best == GLOBAL || s.span.start >= b.start {
                    best = id;
                }
            }
        }
        best
    }

    /// The bindings visible from `offset`: the innermost first, one per name.
    pub fn visible_at(&self, offset: usize) -> Vec<DefId> {
        let mut seen: HashMap<&str, ()> = HashMap::new();
        let mut out = Vec::new();
        let mut scope = Some(self.scope_at(offset));
        while let Some(s) = scope {
            let mut ids: Vec<DefId> = self.scopes[s].names.values().flatten().copied().collect();
            ids.sort_unstable();
            for id in ids {
                let d = &self.defs[id];
                if seen.insert(&d.name, ()).is_none() {
                    out.push(id);
                }
            }
            scope = self.scopes[s].parent;
        }
        out
    }
}

fn covers(span: Span, offset: usize) -> bool {
    (span.start as usize) <= offset && offset <= span.end as usize
}

/// Resolves `program` (parsed from a source of `len` bytes with id `source`) as a
/// script, with the static checks: what `bp check` and the editor read.
pub fn resolve(program: &Program, source: SourceId, len: usize) -> Resolution {
    resolve_with(program, source, len, TopLevel::Globals, true)
}

/// Resolves `program`, whose top level is `top`; `checks` adds the static checks'
/// diagnostics (the evaluator, which reports at run time, leaves them out).
pub fn resolve_with(
    program: &Program,
    source: SourceId,
    len: usize,
    top: TopLevel,
    checks: bool,
) -> Resolution {
    let mut r = Resolver::new(source, len, top, checks, false);
    for s in program {
        r.collect(s);
    }
    r.lay_out_frames();
    for s in program {
        r.resolve(s);
    }
    r.finish()
}

/// Walks the program twice: first collecting every binding of every scope (and
/// the layout of every frame), then resolving reads (a function may read a global
/// bound further down the file). What depends on every binding of a scope (the
/// hints of an unknown name, whether a called function is bound only once) is
/// settled by [`Resolver::finish`], so that `bp check` can resolve a top-level
/// statement without a function body as soon as it is collected ([`Checker`]).
struct Resolver {
    res: Resolution,
    collecting: bool,
    /// Whether to report what the static checks find.
    checks: bool,
    /// Only the diagnostics and what the checks of imports read are wanted (`bp
    /// check`): no `uses` (nor their places), no `attributes`.
    lean: bool,
    scope: ScopeId,
    loop_region: Option<Span>,
    loop_depth: usize,
    fn_depth: usize,
    /// The scope made for each function (by the function's span) and each
    /// comprehension (by its span).
    fn_scopes: FastMap<Span, ScopeId>,
    /// What the names the walk binds next are, and the statement binding them.
    context: (DefKind, Span),
    /// The parameters of each named function and class, by its binding.
    signatures: FastMap<DefId, calls::Signature>,
    /// The unknown names reported (by their index in `res.diagnostics`) whose hints
    /// [`Resolver::finish`] adds, once every name is bound.
    unknown: Vec<Unknown>,
    /// The calls of user functions with the wrong arguments (by their index in
    /// `res.diagnostics`, and the callee's binding): [`Resolver::finish`] keeps those
    /// whose callee's name is bound only once in its scope (so the call surely
    /// calls it).
    user_calls: Vec<(usize, DefId)>,
}

/// An unknown name reported, whose hints wait for every binding.
struct Unknown {
    diagnostic: usize,
    name: Name,
    scope: ScopeId,
    /// Whether a did-you-mean hint is looked for among the names in scope.
    misspelt: bool,
}

/// `bp check`'s resolution of a script fed one top-level statement at a time as it
/// is parsed ([`crate::syntax::parse_each`]): a statement is collected at once, and
/// resolved at once unless it holds a function, class, lambda or comprehension body
/// (whose reads may find globals bound further down the file), which is kept and
/// resolved at the end. The one [`Resolver`] does both: the same scope rules, the
/// same diagnostics, without the tree of the whole file.
pub struct Checker {
    r: Resolver,
    deferred: Vec<Stmt>,
    paths: modules::ImportPaths,
}

impl Checker {
    /// A script's check (its top level is its globals) of a source of `len` bytes.
    pub fn new(source: SourceId, len: usize) -> Checker {
        Checker {
            r: Resolver::new(source, len, TopLevel::Globals, true, true),
            deferred: Vec::new(),
            paths: modules::ImportPaths::default(),
        }
    }

    /// Takes the next top-level statement.
    pub fn feed(&mut self, stmt: Stmt) {
        let (scopes, imports) = (self.r.res.scopes.len(), self.r.res.imports.len());
        self.r.collect(&stmt);
        if self.r.res.imports.len() > imports {
            self.paths.visit_stmt(&stmt);
        }
        if self.r.res.scopes.len() > scopes {
            self.deferred.push(stmt);
        } else {
            self.r.resolve(&stmt);
        }
    }

    /// The diagnostics of the script (in `dir`, where its imports are read), in
    /// the order of [`analyze_in`].
    pub fn finish(mut self, dir: &std::path::Path) -> Vec<Diagnostic> {
        self.r.lay_out_frames();
        for stmt in std::mem::take(&mut self.deferred) {
            self.r.resolve(&stmt);
        }
        let res = self.r.finish();
        let mut diagnostics = res.diagnostics.clone();
        diagnostics.sort_by_key(|d| d.primary_span().map(|s| s.start));
        diagnostics.extend(modules::check_imports(&self.paths, &res, dir));
        diagnostics.sort_by_key(|d| d.primary_span().map(|s| s.start));
        diagnostics
    }
}

/// `bp check` of `text` (registered as `source`) in folder `dir`: [`analyze_in`]'s
/// diagnostics, from a parse that hands each statement to a [`Checker`] as it goes,
/// so that memory is not the whole tree and its tables (P2 of `bench/run.py`).
pub fn check_in(text: &str, source: SourceId, dir: &std::path::Path) -> Vec<Diagnostic> {
    let checker = Rc::new(std::cell::RefCell::new(Some(Checker::new(
        source,
        text.len(),
    ))));
    let sink = checker.clone();
    let each = Box::new(move |stmt: Stmt| {
        if let Some(c) = sink.borrow_mut().as_mut() {
            c.feed(stmt);
        }
    });
    let parsed = crate::syntax::parse_each(text, source, each);
    let checker = checker.borrow_mut().take();
    let parsed = match (parsed, checker) {
        (Ok(()), Some(checker)) => return checker.finish(dir),
        (Ok(()), None) => crate::syntax::parse(text, source),
        // A syntax error: what `analyze_in` reports (the checker's tables are freed
        // by now).
        (Err(unparsed), _) => crate::syntax::parse_reported(text, source, unparsed),
    };
    after_parse(parsed, text.len(), source, dir).diagnostics
}

impl Resolver {
    fn new(source: SourceId, len: usize, top: TopLevel, checks: bool, lean: bool) -> Resolver {
        Resolver {
            res: Resolution {
                scopes: vec![Scope {
                    parent: None,
                    span: Span::new(source, 0, len),
                    names: HashMap::new(),
                    slots: Vec::new(),
                    slot_of: FastMap::default(),
                    params_in_order: true,
                    comprehension: false,
                    in_order: true,
                }],
                top_level: top,
                ..Resolution::default()
            },
            collecting: true,
            checks,
            lean,
            scope: GLOBAL,
            loop_region: None,
            loop_depth: 0,
            fn_depth: 0,
            fn_scopes: FastMap::default(),
            context: (DefKind::Variable, Span::EMPTY),
            signatures: FastMap::default(),
            unknown: Vec::new(),
            user_calls: Vec::new(),
        }
    }

    /// The first walk of a top-level statement: its bindings.
    fn collect(&mut self, stmt: &Stmt) {
        self.collecting = true;
        self.visit_stmt(stmt);
    }

    /// The second walk of a top-level statement: its reads.
    fn resolve(&mut self, stmt: &Stmt) {
        self.collecting = false;
        self.visit_stmt(stmt);
    }

    /// The layout of every frame, once every binding is collected.
    fn lay_out_frames(&mut self) {
        for (&span, &id) in &self.fn_scopes {
            let scope = &self.res.scopes[id];
            self.res.frames.insert(span, scope.frame());
        }
        self.res.top = self.res.scopes[GLOBAL].frame();
    }

    /// The resolution, with what waited for every binding: the hints of unknown
    /// names, and the reports of calls whose callee may be bound twice dropped.
    fn finish(mut self) -> Resolution {
        let unknown = std::mem::take(&mut self.unknown);
        // Where a comprehension first binds each name (`comprehension_binding`), and
        // the hint of each misspelling by scope: found once, however many reads.
        let mut in_comprehensions: FastMap<Name, Span> = FastMap::default();
        if !unknown.is_empty() {
            for d in &self.res.defs {
                if self.res.scopes[d.scope].comprehension {
                    in_comprehensions.entry(d.name.clone()).or_insert(d.span);
                }
            }
        }
        let mut meant: FastMap<(ScopeId, Name), Option<String>> = FastMap::default();
        for u in unknown {
            let d = std::mem::replace(
                &mut self.res.diagnostics[u.diagnostic],
                Diagnostic::error(""),
            );
            let d = match u.misspelt {
                true => {
                    let key = (u.scope, u.name.clone());
                    let hint = meant.entry(key).or_insert_with(|| {
                        closest(&u.name, self.candidates(u.scope).into_iter())
                            .map(|c| format!("did you mean '{c}'?"))
                    });
                    match hint {
                        Some(h) => d.with_hint(h.clone()),
                        None => d,
                    }
                }
                false => d,
            };
            let d = match d.hint.as_deref() {
                Some("") => Diagnostic { hint: None, ..d },
                _ => d,
            };
            let d = match in_comprehensions.get(&u.name) {
                Some(&bound) => comprehension_hint(d, bound),
                None => d,
            };
            self.res.diagnostics[u.diagnostic] = d;
        }
        let mut dropped = vec![false; self.res.diagnostics.len()];
        for &(i, d) in &self.user_calls {
            let def = &self.res.defs[d];
            dropped[i] = self.res.scopes[def.scope]
                .names
                .get(&def.name)
                .is_none_or(|ids| ids.len() != 1);
        }
        let mut i = 0;
        self.res.diagnostics.retain(|_| {
            i += 1;
            !dropped[i - 1]
        });
        self.res
    }
}

impl<'a> Visit<'a> for Resolver {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.stmt(stmt));
    }

    fn visit_read(&mut self, e: &'a Expr) {
        if let ExprKind::Name(n) = &e.kind {
            self.read(n, e.span, Read::Name);
        }
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        // Calls, methods and attributes nest as deep as a script is long
        // (`x.T.T…`): the stack grows on the heap when it runs short.
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.expr(e));
    }

    fn visit_binding(&mut self, ident: &'a Ident) {
        self.bind(ident);
    }

    fn visit_fn(&mut self, decl: &'a FnDecl) {
        let Some(scope) = self.new_scope(decl.span, decl.body.span, false) else {
            return;
        };
        let saved = (self.scope, self.loop_region, self.loop_depth, self.context);
        self.scope = scope;
        self.loop_region = None;
        self.loop_depth = 0;
        self.fn_depth += 1;
        self.context = (DefKind::Parameter, decl.span);
        for (i, p) in decl.params.iter().enumerate() {
            if self.bind(p).is_some() {
                let s = &mut self.res.scopes[scope];
                // The parameters are slots `0..n` in order unless one is named twice.
                s.params_in_order &= s.slot_of.get(&p.name) == Some(&(i as u32));
            }
        }
        self.visit_block(&decl.body);
        self.fn_depth -= 1;
        (self.scope, self.loop_region, self.loop_depth, self.context) = saved;
    }
}

impl Resolver {
    /// A comprehension (SPEC §19): its first iterable is read where the
    /// comprehension stands; its variables, conditions, further iterables and
    /// element belong to a scope of its own (as in Python 3, nothing leaks), whose
    /// frame is keyed by the comprehension's span.
    fn comprehension(&mut self, comp: &Comprehension, span: Span) {
        let Some((first, _)) = comp.clauses.split_first() else {
            return;
        };
        self.visit_expr(&first.iter);
        let Some(scope) = self.new_scope(span, span, true) else {
            return;
        };
        let saved = (self.scope, self.loop_region, self.context);
        self.scope = scope;
        // The element is written before the names it reads are bound: the whole
        // comprehension is one region, as a loop's body is.
        self.loop_region = Some(span);
        self.context = (DefKind::LoopVariable, span);
        for (i, clause) in comp.clauses.iter().enumerate() {
            if i > 0 {
                self.visit_expr(&clause.iter);
            }
            for t in &clause.targets {
                self.visit_binding(t);
            }
            for c in &clause.conds {
                self.visit_expr(c);
            }
        }
        self.visit_expr(&comp.element);
        if let Some(v) = &comp.value {
            self.visit_expr(v);
        }
        (self.scope, self.loop_region, self.context) = saved;
    }

    /// The scope of a function or a comprehension (keyed by `key`, covering
    /// `span`): made when collecting, found again when resolving.
    fn new_scope(&mut self, key: Span, span: Span, comprehension: bool) -> Option<ScopeId> {
        if !self.collecting {
            return self.fn_scopes.get(&key).copied();
        }
        self.res.scopes.push(Scope {
            parent: Some(self.scope),
            span,
            names: HashMap::new(),
            slots: Vec::new(),
            slot_of: FastMap::default(),
            params_in_order: true,
            comprehension,
            in_order: true,
        });
        let id = self.res.scopes.len() - 1;
        self.fn_scopes.insert(key, id);
        Some(id)
    }
}

impl Resolver {
    fn stmt(&mut self, stmt: &Stmt) {
        let saved = self.context;
        self.context = (DefKind::Variable, stmt.span);
        match &stmt.kind {
            StmtKind::Assign { value, .. } if matches!(value.kind, ExprKind::Lambda(_)) => {
                self.context.0 = DefKind::Function;
                walk_stmt(self, stmt);
            }
            StmtKind::CompoundAssign { target, value, .. } => {
                self.read(&target.name, target.span, Read::Name);
                self.visit_expr(value);
                self.visit_binding(target);
            }
            StmtKind::FnDef(decl) => {
                self.context = (DefKind::Function, decl.span);
                walk_stmt(self, stmt);
                if let (Some(name), Some(sig)) = (&decl.name, calls::Signature::of_fn(decl)) {
                    self.keep_signature(name.span, sig);
                }
            }
            StmtKind::Class(c) => {
                self.context = (DefKind::Function, c.span);
                walk_stmt(self, stmt);
                if let Some(sig) = calls::Signature::of_class(c) {
                    self.keep_signature(c.name.span, sig);
                }
                if self.collecting {
                    self.res.classes.push(calls::ClassMembers::of(c));
                }
            }
            StmtKind::While { .. } => {
                let saved = self.enter_loop(stmt.span);
                walk_stmt(self, stmt);
                self.leave_loop(saved);
            }
            StmtKind::For {
                targets,
                iter,
                body,
            } => {
                self.visit_expr(iter);
                let saved = self.enter_loop(stmt.span);
                self.context.0 = DefKind::LoopVariable;
                for t in targets {
                    self.visit_binding(t);
                }
                self.visit_block(body);
                self.leave_loop(saved);
            }
            StmtKind::Break | StmtKind::Continue => {
                if self.reporting() && self.loop_depth == 0 {
                    self.res.diagnostics.push(
                        Diagnostic::error("break or continue outside a loop")
                            .with_label(stmt.span, "not inside a loop"),
                    );
                }
            }
            StmtKind::Return(_) => {
                walk_stmt(self, stmt);
                if self.reporting() && self.fn_depth == 0 {
                    self.res.diagnostics.push(
                        Diagnostic::error("return outside a function")
                            .with_label(stmt.span, "not inside a function"),
                    );
                }
            }
            StmtKind::Import { path, binding, .. } => {
                self.context.0 = DefKind::Module;
                if let Some(id) = self.bind(binding) {
                    self.res.imports.push((id, path.clone()));
                }
            }
            _ => walk_stmt(self, stmt),
        }
        self.context = saved;
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Call(call) => {
                let (callee, args) = (&call.callee, &call.args);
                let target = match &callee.kind {
                    ExprKind::Name(n) => self.read(n, callee.span, Read::Name),
                    _ => {
                        self.visit_expr(callee);
                        Target::Unknown
                    }
                };
                self.args(args);
                if let Some(b) = builtin_info(target) {
                    self.check_call(b, e.span, None, args);
                }
                if let Target::Def(d) = target {
                    self.check_user_call(d, e.span, args);
                }
            }
            ExprKind::Method(m) => {
                let (receiver, name, args) = (&m.receiver, &m.name, &m.args);
                if self.receiver(receiver, name) {
                    // `nn.linear(x)`: a function of the module, not a method.
                    self.args(args);
                    return;
                }
                let target = self.read(&name.name, name.span, Read::Method);
                self.args(args);
                // `s.split()`, `d.pop(k)`: string and dict methods share names with
                // builtins of other arguments; the receiver's type decides at run time.
                let collection_method = crate::eval::collections::STRING_METHODS
                    .iter()
                    .chain(crate::eval::collections::DICT_METHODS)
                    .any(|m| **m == *name.name);
                if let Some(b) = builtin_info(target).filter(|_| !collection_method) {
                    self.check_call(b, e.span, Some(receiver.span), args);
                }
            }
            ExprKind::Attr(a) => {
                let (object, name) = (&a.object, &a.name);
                self.receiver(object, name);
                if self.collecting && !self.lean {
                    self.res.attributes.push((object.span, name.clone()));
                }
            }
            ExprKind::Comprehension(comp) => self.comprehension(comp, e.span),
            _ => walk_expr(self, e),
        }
    }

    /// Keeps the signature of the function or class named at `span` (first walk).
    fn keep_signature(&mut self, span: Span, sig: calls::Signature) {
        if !self.collecting {
            return;
        }
        if let Some(id) = self.res.defs.iter().rposition(|d| d.span == span) {
            self.signatures.insert(id, sig);
        }
    }

    /// Checks a call of the user function or class bound by `d` (reported when its
    /// name is bound only there in its scope, see [`Resolver::finish`]).
    fn check_user_call(&mut self, d: DefId, call: Span, args: &[Arg]) {
        if !self.reporting() {
            return;
        }
        let Some(sig) = self.signatures.get(&d) else {
            return;
        };
        if let Some(diag) = sig.check(call, args) {
            self.user_calls.push((self.res.diagnostics.len(), d));
            self.res.diagnostics.push(diag);
        }
    }

    /// Whether this walk reports what the checks find (the second, when asked to).
    fn reporting(&self) -> bool {
        self.checks && !self.collecting
    }

    fn args(&mut self, args: &[Arg]) {
        for a in args {
            match a {
                Arg::Positional(e) | Arg::Keyword { value: e, .. } => self.visit_expr(e),
            }
        }
    }

    fn enter_loop(&mut self, span: Span) -> Option<Span> {
        let saved = self.loop_region;
        if self.loop_region.is_none() {
            self.loop_region = Some(span);
        }
        self.loop_depth += 1;
        saved
    }

    fn leave_loop(&mut self, saved: Option<Span>) {
        self.loop_region = saved;
        self.loop_depth -= 1;
    }

    /// Binds `name` in the current scope (as the walk's context says): a [`Def`]
    /// and a slot of its frame when collecting, its place when resolving.
    fn bind(&mut self, name: &Ident) -> Option<DefId> {
        if !self.collecting {
            // Places are the evaluator's (`checks` off); the checks and the editor
            // read `uses`, and a large script's table of places would be the
            // largest of the pass.
            if !self.checks {
                let place = self.place(&name.name);
                self.res.places.insert(name.span, place);
            }
            return None;
        }
        let (kind, statement) = self.context;
        let id = self.res.defs.len();
        self.res.defs.push(Def {
            name: name.name.clone(),
            span: name.span,
            kind,
            scope: self.scope,
            statement,
            loop_region: self.loop_region,
        });
        let scope = &mut self.res.scopes[self.scope];
        let ids = scope.names.entry(name.name.clone()).or_default();
        if let Some(&last) = ids.last() {
            scope.in_order &= self.res.defs[last].span.start < name.span.start;
        }
        ids.push(id);
        if !scope.slot_of.contains_key(&name.name) {
            scope
                .slot_of
                .insert(name.name.clone(), scope.slots.len() as u32);
            scope.slots.push(name.name.clone());
        }
        Some(id)
    }

    /// Where a read of `name` in the current scope finds its value when the program
    /// runs (SPEC §4): the nearest place that binds it (see [`Resolution::reach`]).
    fn place(&self, name: &str) -> Place {
        self.res.reach_first(self.scope, name)
    }

    /// Resolves the object of `object.member` (or `object.member(...)`); true when
    /// it is an imported module, whose member is then recorded.
    fn receiver(&mut self, object: &Expr, member: &Ident) -> bool {
        let ExprKind::Name(n) = &object.kind else {
            self.visit_expr(object);
            return false;
        };
        match self.read(n, object.span, Read::Receiver(&member.name)) {
            Target::Def(d) if self.res.defs[d].kind == DefKind::Module => {
                self.res.members.push((d, member.clone()));
                true
            }
            _ => false,
        }
    }

    /// Records a read of `name` and reports it when nothing binds it.
    fn read(&mut self, name: &Name, span: Span, how: Read) -> Target {
        if self.collecting {
            return Target::Unknown;
        }
        if !self.checks {
            // The evaluator wants places only.
            let place = self.place(name);
            self.res.places.insert(span, place);
            return Target::Unknown;
        }
        let target = self.lookup(name, span.start);
        if !self.lean {
            let place = self.place(name);
            self.res.uses.push(Use {
                name: name.clone(),
                span,
                scope: self.scope,
                target,
                place,
            });
        }
        if target == Target::Unknown {
            // The same messages and hints as the evaluator's; a did-you-mean hint
            // and a comprehension's binding are added by `finish`.
            let d =
                Diagnostic::error(format!("unknown name '{name}'")).with_label(span, "not defined");
            let (d, misspelt) = match how {
                // Values may have methods that are not functions (an optimizer's
                // `opt.step()`), so an unknown method name is left to the run.
                Read::Method => return target,
                Read::Receiver(member) if pytorch::is_foreign_module(name) => {
                    let has = builtins::info(member).is_some();
                    let hint = pytorch::foreign_member_hint(name, member, has);
                    (d.with_hint(hint), false)
                }
                _ => match pytorch::name_hint(name) {
                    Some(h) => (d.with_hint(h.to_string()), false),
                    None => (d, true),
                },
            };
            self.unknown.push(Unknown {
                diagnostic: self.res.diagnostics.len(),
                name: name.clone(),
                scope: self.scope,
                misspelt,
            });
            self.res.diagnostics.push(d);
        }
        target
    }

    /// The names a misspelt read in `scope` may have meant: every name of the scope
    /// and the enclosing ones, and every builtin.
    fn candidates(&self, scope: ScopeId) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let mut scope = Some(scope);
        while let Some(s) = scope {
            out.extend(self.res.scopes[s].names.keys().map(|k| &**k));
            scope = self.res.scopes[s].parent;
        }
        out.extend(builtins::all().map(|b| b.name));
        out
    }

    /// The binding a read of `name` at byte `at` refers to.
    fn lookup(&self, name: &str, at: u32) -> Target {
        let scopes = &self.res.scopes;
        let defs = &self.res.defs;
        // The latest binding before `at`, or else the first one (bound later in a loop
        // or, for an enclosing scope, before the function runs).
        let pick = |ids: &[DefId], visible: &dyn Fn(&Def) -> bool, in_order: bool| {
            if in_order {
                // The same as the scan below, for bindings in the order of their spans.
                let n = ids.partition_point(|&id| defs[id].span.start < at);
                let before = ids[..n].iter().rev().find(|&&id| visible(&defs[id]));
                let any = || ids[n..].iter().find(|&&id| visible(&defs[id]));
                return before.or_else(any).copied();
            }
            let mut before = None;
            let mut any = None;
            for &id in ids {
                let d = &defs[id];
                if !visible(d) {
                    continue;
                }
                if d.span.start < at {
                    before = Some(id);
                } else if any.is_none() {
                    any = Some(id);
                }
            }
            before.or(any)
        };
        if let Some(ids) = scopes[self.scope].names.get(name) {
            let region = self.loop_region;
            let own = |d: &Def| d.span.start < at || (region.is_some() && d.loop_region == region);
            if let Some(id) = pick(ids, &own, scopes[self.scope].in_order) {
                return Target::Def(id);
            }
        }
        let mut scope = scopes[self.scope].parent;
        while let Some(s) = scope {
            if let Some(id) = scopes[s]
                .names
                .get(name)
                .and_then(|ids| pick(ids, &|_| true, scopes[s].in_order))
            {
                return Target::Def(id);
            }
            scope = scopes[s].parent;
        }
        match builtins::info(name) {
            Some(b) => Target::Builtin(b.name),
            None => Target::Unknown,
        }
    }

    /// Checks a call of builtin `b` against its row: the receiver of a method call
    /// is its first positional argument.
    fn check_call(
        &mut self,
        b: builtins::BuiltinInfo,
        call: Span,
        receiver: Option<Span>,
        args: &[Arg],
    ) {
        let mut positional: Vec<Span> = receiver.into_iter().collect();
        let mut keywords = Vec::new();
        for a in args {
            match a {
                Arg::Positional(e) => positional.push(e.span),
                Arg::Keyword { name, value } => {
                    keywords.push((name.name.clone(), name.span.to(value.span)))
                }
            }
        }
        if !self.checks {
            return;
        }
        if let Some(d) = b.check_call(call, &positional, &keywords) {
            self.res.diagnostics.push(d);
        }
    }
}

/// The error of an unknown name that a comprehension binds at `bound` (bp check's
/// and the run's): its variables are its own.
pub fn comprehension_hint(d: Diagnostic, bound: Span) -> Diagnostic {
    Diagnostic { hint: None, ..d }
        .with_label(bound, "bound only inside this comprehension")
        .with_hint(
            "a comprehension's variables are its own, as in Python 3; \
             to use a value afterwards, bind it outside (with `=` or a for loop)",
        )
}

/// What a read of a name is for: its diagnostics differ.
#[derive(Clone, Copy)]
enum Read<'a> {
    Name,
    /// `x.f(...)`: `f` names a function.
    Method,
    /// The `x` of `x.member`.
    Receiver(&'a str),
}

fn builtin_info(target: Target) -> Option<builtins::BuiltinInfo> {
    match target {
        Target::Builtin(b) => builtins::info(b),
        _ => None,
    }
}

/// A parsed and resolved source: what `bp check` reports and the editor shows.
pub struct Analysis {
    pub program: Option<Program>,
    pub resolution: Option<Resolution>,
    /// Syntax errors when there are any; otherwise the static checks' findings.
    pub diagnostics: Vec<Diagnostic>,
}

/// [`analyze`], then the checks of the files it imports ([`modules`]), read
/// from `dir`, the script's folder.
pub fn analyze_in(text: &str, source: SourceId, dir: &std::path::Path) -> Analysis {
    let parsed = crate::syntax::parse(text, source);
    after_parse(parsed, text.len(), source, dir)
}

/// [`analyze_in`] of a parsed text of `len` bytes.
fn after_parse(
    parsed: crate::syntax::ParseOutput,
    len: usize,
    source: SourceId,
    dir: &std::path::Path,
) -> Analysis {
    let mut analysis = analyzed(parsed, len, source);
    if let (Some(program), Some(res)) = (&analysis.program, &analysis.resolution) {
        analysis
            .diagnostics
            .extend(modules::check_modules(program, res, dir));
        analysis
            .diagnostics
            .sort_by_key(|d| d.primary_span().map(|s| s.start));
    }
    analysis
}

/// Parses `text` (registered as `source`) and runs the static checks on it.
pub fn analyze(text: &str, source: SourceId) -> Analysis {
    analyzed(crate::syntax::parse(text, source), text.len(), source)
}

/// [`analyze`] of a parsed text of `len` bytes.
fn analyzed(parsed: crate::syntax::ParseOutput, len: usize, source: SourceId) -> Analysis {
    match parsed.program {
        Some(program) if parsed.diagnostics.is_empty() => {
            let resolution = resolve(&program, source, len);
            let mut diagnostics = resolution.diagnostics.clone();
            diagnostics.sort_by_key(|d| d.primary_span().map(|s| s.start));
            Analysis {
                program: Some(program),
                resolution: Some(resolution),
                diagnostics,
            }
        }
        program => Analysis {
            program,
            resolution: None,
            diagnostics: parsed.diagnostics,
        },
    }
}
