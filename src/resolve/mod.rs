//! Name resolution and the static checks built on it (`bp check`, `bp lsp`).
//!
//! One pass over the AST gives every binding a [`Def`] and every name that is read a
//! [`Use`] with its [`Target`] and its [`Slot`] (local, captured from an enclosing
//! function, global, builtin), following the scope rules of SPEC §4: only function
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

use crate::diagnostic::Diagnostic;
use crate::eval::errors::closest;
use crate::eval::pytorch;
use crate::source::{SourceId, Span};
use crate::syntax::ast::{Arg, Block, Expr, ExprKind, FPart, FnDecl, Ident, Index, Name, Program};
use crate::syntax::ast::{Stmt, StmtKind};
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
    /// `for x in ...`
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

/// Where a read finds its value at run time: what a resolved interpreter would index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// A local of the function doing the read (or a global read at the top level).
    Local,
    /// A local of the function `depth` levels out.
    Captured {
        depth: usize,
    },
    Global,
    Builtin,
    Unknown,
}

/// One name that is read (a variable, a callee, a method name).
#[derive(Clone, Debug)]
pub struct Use {
    pub name: Name,
    pub span: Span,
    pub scope: ScopeId,
    pub target: Target,
    pub slot: Slot,
}

/// A function body (or the top level).
#[derive(Clone, Debug)]
pub struct Scope {
    pub parent: Option<ScopeId>,
    /// The body block; the whole source for the top level.
    pub span: Span,
    names: HashMap<Name, Vec<DefId>>,
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
}

impl Resolution {
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

/// Resolves `program` (parsed from a source of `len` bytes with id `source`).
pub fn resolve(program: &Program, source: SourceId, len: usize) -> Resolution {
    let mut r = Resolver {
        res: Resolution {
            scopes: vec![Scope {
                parent: None,
                span: Span::new(source, 0, len),
                names: HashMap::new(),
            }],
            ..Resolution::default()
        },
        collecting: true,
        scope: GLOBAL,
        loop_region: None,
        loop_depth: 0,
        fn_depth: 0,
        fn_scopes: HashMap::new(),
    };
    r.stmts(program);
    r.collecting = false;
    r.stmts(program);
    r.res
}

/// Walks the program twice: first collecting every binding of every scope, then
/// resolving reads (a function may read a global bound further down the file).
struct Resolver {
    res: Resolution,
    collecting: bool,
    scope: ScopeId,
    loop_region: Option<Span>,
    loop_depth: usize,
    fn_depth: usize,
    /// The scope made for each function, by the function's span.
    fn_scopes: HashMap<(u32, u32), ScopeId>,
}

/// How much stack a level of expression nesting may use before more is allocated.
const STACK_RED_ZONE: usize = 128 * 1024;
const STACK_GROWTH: usize = 4 * 1024 * 1024;

impl Resolver {
    fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            self.stmt(s);
        }
    }

    fn block(&mut self, b: &Block) {
        self.stmts(&b.stmts);
    }

    fn stmt(&mut self, stmt: &Stmt) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.stmt_inner(stmt))
    }

    fn stmt_inner(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::Assign { target, value } => {
                self.expr(value);
                let kind = if matches!(value.kind, ExprKind::Lambda(_)) {
                    DefKind::Function
                } else {
                    DefKind::Variable
                };
                self.bind(target, kind, stmt.span);
            }
            StmtKind::Unpack { targets, value } => {
                self.expr(value);
                for t in targets {
                    self.bind(t, DefKind::Variable, stmt.span);
                }
            }
            StmtKind::CompoundAssign { target, value, .. } => {
                self.read(&target.name, target.span, Read::Name);
                self.expr(value);
                self.bind(target, DefKind::Variable, stmt.span);
            }
            StmtKind::FnDef(decl) => {
                if let Some(name) = &decl.name {
                    self.bind(name, DefKind::Function, decl.span);
                }
                self.function(decl);
            }
            StmtKind::If {
                branches,
                else_block,
            } => {
                for (cond, block) in branches {
                    self.expr(cond);
                    self.block(block);
                }
                if let Some(b) = else_block {
                    self.block(b);
                }
            }
            StmtKind::While { cond, body } => {
                let saved = self.enter_loop(stmt.span);
                self.expr(cond);
                self.block(body);
                self.leave_loop(saved);
            }
            StmtKind::For { var, iter, body } => {
                self.expr(iter);
                let saved = self.enter_loop(stmt.span);
                self.bind(var, DefKind::LoopVariable, stmt.span);
                self.block(body);
                self.leave_loop(saved);
            }
            StmtKind::Break | StmtKind::Continue => {
                if !self.collecting && self.loop_depth == 0 {
                    self.res.diagnostics.push(
                        Diagnostic::error("break or continue outside a loop")
                            .with_label(stmt.span, "not inside a loop"),
                    );
                }
            }
            StmtKind::Return(value) => {
                if let Some(v) = value {
                    self.expr(v);
                }
                if !self.collecting && self.fn_depth == 0 {
                    self.res.diagnostics.push(
                        Diagnostic::error("return outside a function")
                            .with_label(stmt.span, "not inside a function"),
                    );
                }
            }
            StmtKind::NoGrad(b) => self.block(b),
            StmtKind::IndexAssign {
                object,
                indices,
                value,
                ..
            } => {
                self.expr(object);
                self.indices(indices);
                self.expr(value);
            }
            StmtKind::Import {
                path,
                path_span,
                name,
            } => {
                let ident = match name {
                    Some(n) => n.clone(),
                    None => Ident::new(
                        std::path::Path::new(&**path)
                            .file_stem()
                            .map_or("", |s| s.to_str().unwrap_or(""))
                            .into(),
                        *path_span,
                    ),
                };
                if let Some(id) = self.bind(&ident, DefKind::Module, stmt.span) {
                    self.res.imports.push((id, path.clone()));
                }
            }
        }
    }

    fn indices(&mut self, indices: &[Index]) {
        for ix in indices {
            match ix {
                Index::Single(e) => self.expr(e),
                Index::Slice {
                    start, end, step, ..
                } => {
                    for p in [start, end, step].into_iter().flatten() {
                        self.expr(p);
                    }
                }
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

    fn function(&mut self, decl: &FnDecl) {
        let key = (decl.span.start, decl.span.end);
        let scope = if self.collecting {
            self.res.scopes.push(Scope {
                parent: Some(self.scope),
                span: decl.body.span,
                names: HashMap::new(),
            });
            let id = self.res.scopes.len() - 1;
            self.fn_scopes.insert(key, id);
            id
        } else {
            match self.fn_scopes.get(&key) {
                Some(&id) => id,
                None => return,
            }
        };
        let saved = (self.scope, self.loop_region, self.loop_depth);
        self.scope = scope;
        self.loop_region = None;
        self.loop_depth = 0;
        self.fn_depth += 1;
        for p in &decl.params {
            self.bind(p, DefKind::Parameter, decl.span);
        }
        self.block(&decl.body);
        self.fn_depth -= 1;
        (self.scope, self.loop_region, self.loop_depth) = saved;
    }

    fn bind(&mut self, name: &Ident, kind: DefKind, statement: Span) -> Option<DefId> {
        if !self.collecting {
            return None;
        }
        let id = self.res.defs.len();
        self.res.defs.push(Def {
            name: name.name.clone(),
            span: name.span,
            kind,
            scope: self.scope,
            statement,
            loop_region: self.loop_region,
        });
        self.res.scopes[self.scope]
            .names
            .entry(name.name.clone())
            .or_default()
            .push(id);
        Some(id)
    }

    fn expr(&mut self, e: &Expr) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.expr_inner(e))
    }

    fn expr_inner(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Number(_) | ExprKind::Str(_) | ExprKind::Bool(_) | ExprKind::None => {}
            ExprKind::Name(n) | ExprKind::Var(crate::syntax::ast::Var { name: n, .. }) => {
                self.read(n, e.span, Read::Name);
            }
            ExprKind::TensorLit(items) | ExprKind::Tuple(items) | ExprKind::Dict(items) => {
                for i in items {
                    self.expr(i);
                }
            }
            ExprKind::Unary { operand, .. } => self.expr(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::Call { callee, args } => {
                let target = match &callee.kind {
                    ExprKind::Name(n) => self.read(n, callee.span, Read::Name),
                    _ => {
                        self.expr(callee);
                        Target::Unknown
                    }
                };
                self.args(args);
                if let Some(b) = builtin_info(target) {
                    self.check_call(b, e.span, None, args);
                }
            }
            ExprKind::Method {
                receiver,
                name,
                args,
            } => {
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
            ExprKind::Attr { object, name } => {
                self.receiver(object, name);
                if self.collecting {
                    self.res.attributes.push((object.span, name.clone()));
                }
            }
            ExprKind::Index { object, indices } => {
                self.expr(object);
                self.indices(indices);
            }
            ExprKind::FString(parts) => {
                for p in parts.iter() {
                    if let FPart::Value { expr, .. } = p {
                        self.expr(expr);
                    }
                }
            }
            ExprKind::Lambda(decl) => self.function(decl),
        }
    }

    fn args(&mut self, args: &[Arg]) {
        for a in args {
            match a {
                Arg::Positional(e) | Arg::Keyword { value: e, .. } => self.expr(e),
            }
        }
    }

    /// Resolves the object of `object.member` (or `object.member(...)`); true when
    /// it is an imported module, whose member is then recorded.
    fn receiver(&mut self, object: &Expr, member: &Ident) -> bool {
        let ExprKind::Name(n) = &object.kind else {
            self.expr(object);
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
        let (target, slot) = self.lookup(name, span.start);
        self.res.uses.push(Use {
            name: name.clone(),
            span,
            scope: self.scope,
            target,
            slot,
        });
        if target == Target::Unknown {
            // The same messages and hints as the evaluator's.
            let d = match how {
                // Values may have methods that are not functions (an optimizer's
                // `opt.step()`), so an unknown method name is left to the run.
                Read::Method => return target,
                Read::Receiver(member) if pytorch::is_foreign_module(name) => {
                    let has = builtins::info(member).is_some();
                    Diagnostic::error(format!("unknown name '{name}'"))
                        .with_label(span, "not defined")
                        .with_hint(pytorch::foreign_member_hint(name, member, has))
                }
                _ => Diagnostic::error(format!("unknown name '{name}'"))
                    .with_label(span, "not defined")
                    .with_hint(match pytorch::name_hint(name) {
                        Some(h) => h.to_string(),
                        None => match closest(name, self.candidates().into_iter()) {
                            Some(c) => format!("did you mean '{c}'?"),
                            None => String::new(),
                        },
                    }),
            };
            let d = match d.hint.as_deref() {
                Some("") => Diagnostic { hint: None, ..d },
                _ => d,
            };
            self.res.diagnostics.push(d);
        }
        target
    }

    /// The names a misspelt read may have meant: every name of this scope and the
    /// enclosing ones, and every builtin.
    fn candidates(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let mut scope = Some(self.scope);
        while let Some(s) = scope {
            out.extend(self.res.scopes[s].names.keys().map(|k| &**k));
            scope = self.res.scopes[s].parent;
        }
        out.extend(builtins::all().map(|b| b.name));
        out
    }

    fn lookup(&self, name: &str, at: u32) -> (Target, Slot) {
        let scopes = &self.res.scopes;
        let defs = &self.res.defs;
        // The latest binding before `at`, or else the first one (bound later in a loop
        // or, for an enclosing scope, before the function runs).
        let pick = |ids: &[DefId], visible: &dyn Fn(&Def) -> bool| -> Option<DefId> {
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
            if let Some(id) = pick(ids, &own) {
                let slot = if self.scope == GLOBAL {
                    Slot::Global
                } else {
                    Slot::Local
                };
                return (Target::Def(id), slot);
            }
        }
        let mut depth = 1;
        let mut scope = scopes[self.scope].parent;
        while let Some(s) = scope {
            if let Some(id) = scopes[s]
                .names
                .get(name)
                .and_then(|ids| pick(ids, &|_| true))
            {
                let slot = if s == GLOBAL {
                    Slot::Global
                } else {
                    Slot::Captured { depth }
                };
                return (Target::Def(id), slot);
            }
            depth += 1;
            scope = scopes[s].parent;
        }
        match builtins::info(name) {
            Some(b) => (Target::Builtin(b.name), Slot::Builtin),
            None => (Target::Unknown, Slot::Unknown),
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
        if let Some(d) = b.check_call(call, &positional, &keywords) {
            self.res.diagnostics.push(d);
        }
    }
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

/// Parses `text` (registered as `source`) and runs the static checks on it.
pub fn analyze(text: &str, source: SourceId) -> Analysis {
    let parsed = crate::syntax::parse(text, source);
    match parsed.program {
        Some(program) if parsed.diagnostics.is_empty() => {
            let resolution = resolve(&program, source, text.len());
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
