//! Running a program: the compiler (`compile`, the one back end) and the helpers
//! its code calls, one room per concern: statements, expressions, calls,
//! operators, attributes and indexing. This file holds what they share: scopes,
//! name lookup and the guards (interrupt, stack depth).

pub(crate) mod access;
pub(crate) mod arguments;
mod calls;
pub(crate) mod compile;
mod custom;
mod expressions;
mod operators;
mod statements;

use crate::diagnostic::Diagnostic;
use crate::eval::errors::closest;
use crate::eval::globals::Globals;
use crate::eval::resolve::{self, Frame, TopLevel};
use crate::eval::value::Env;
use crate::eval::{builtins, Eval, Flow, Interpreter, Value, INTERRUPTED};
use crate::fast_hash::FastMap;
use crate::source::SourceId;
use crate::source::Span;
use crate::syntax::ast::{Expr, Ident, Name, Program, Stmt, StmtKind};
use std::rc::Rc;
use std::sync::atomic::Ordering;

/// What the resolver found in the programs run so far, by span (spans name their
/// source, so the programs' entries never collide).
#[derive(Default)]
pub(crate) struct Resolved {
    places: FastMap<Span, resolve::Place>,
    frames: FastMap<Span, Rc<Frame>>,
    /// The sources run as modules (their top level is a frame, not the globals).
    modules: Vec<SourceId>,
    /// The names comprehensions bind, each with its first binding: a read of one
    /// outside them that finds nothing is told that their variables are their own.
    comprehension_names: FastMap<Name, Span>,
    /// Where every read of a name found its value, when asked for (see
    /// [`Interpreter::trace_places`]): code compiled meanwhile records it.
    pub(super) trace: Option<Vec<(Span, Name, Found)>>,
}

/// Where a read of a name found its value when it ran: what the evaluator used,
/// to hold against the resolver's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// Slot `slot` of the frame `depth` functions out from the read (0: its own).
    Frame {
        depth: u32,
        slot: u32,
    },
    Global,
    Builtin,
    /// Nowhere (the read is an error).
    Unknown,
    /// The slot the compiled code read holds another name (a resolver bug).
    WrongSlot,
}

impl Resolved {
    /// Lets go of the places and frames of the programs run (their code is
    /// compiled): a long session keeps no table per entry.
    pub(crate) fn forget(&mut self) {
        self.places.clear();
        self.frames.clear();
        self.comprehension_names.clear();
    }

    /// Where a comprehension of the programs run binds `name`, if one does.
    pub(super) fn comprehension_binding(&self, name: &str) -> Option<Span> {
        self.comprehension_names.get(name).copied()
    }

    pub(super) fn tracing(&self) -> bool {
        self.trace.is_some()
    }

    /// The frame layout of the function defined at `span`.
    pub(super) fn frame(&self, span: Span) -> Rc<Frame> {
        self.frames.get(&span).cloned().unwrap_or_default()
    }

    /// Where the name `name` written at `span` is found, as the compiled code
    /// indexes it: a global's slot is made in `globals` when new.
    pub(super) fn place(&self, span: Span, name: &Name, globals: &mut Globals) -> Place {
        match self.places.get(&span) {
            Some(resolve::Place::Local(slot)) => Place::Local(*slot),
            Some(resolve::Place::Captured { depth, slot }) => Place::Captured {
                depth: *depth,
                slot: *slot,
            },
            Some(resolve::Place::Global) => Place::Global(globals.slot(name)),
            // Bound by no code of this program: in a script a global (maybe set by
            // an earlier REPL entry, else a builtin); in a module, searched by name
            // (the builtins; never the importer's globals).
            Some(resolve::Place::Builtin | resolve::Place::Unknown)
                if !self.modules.contains(&span.source) =>
            {
                Place::Global(globals.slot(name))
            }
            _ => Place::Dynamic,
        }
    }
}

/// Where compiled code finds a name at run time: a place of the resolver made
/// concrete (a global's slot number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// Slot `slot` of the running function's frame (or of a module's top level).
    Local(u32),
    /// Slot `slot` of the frame `depth` closures out.
    Captured { depth: u32, slot: u32 },
    /// Slot `slot` of the interpreter's globals (a builtin when the global is unset).
    Global(u32),
    /// Looked up by name at run time.
    Dynamic,
}

/// A name that is read, with its place.
#[derive(Clone, Debug)]
pub(crate) struct Var {
    pub name: Name,
    pub place: Place,
}

/// A name that is bound (an assignment's target, a loop variable, …), with the
/// place it writes.
#[derive(Clone, Debug)]
pub(crate) struct Binding {
    pub ident: Ident,
    pub place: Place,
}

impl std::ops::Deref for Binding {
    type Target = Ident;
    fn deref(&self) -> &Ident {
        &self.ident
    }
}

/// The scope a statement runs in: `None` at top level (globals), else the
/// locals of the running function call.
pub(super) type Scope = Option<Rc<Env>>;

pub(super) const STACK_RED_ZONE: usize = 256 * 1024;
pub(super) const STACK_GROWTH: usize = 8 * 1024 * 1024;
/// How many levels of compiled code may be entered between two looks at the
/// stack: a few kilobytes each, far less than the red zone.
pub(super) const STACK_CHECK_EVERY: usize = 8;
/// The deepest nesting of expressions being evaluated at once (a chain such as
/// `- - - x` or `x.T.T…`; left-leaning operator chains do not nest).
pub(super) const MAX_EVAL_DEPTH: usize = 100_000;

#[inline(always)]
pub(super) fn check_interrupt(span: Span) -> Eval<()> {
    // A plain load on every loop iteration and call; the swap only once it is set.
    if INTERRUPTED.load(Ordering::Relaxed) {
        return interrupted(span);
    }
    Ok(())
}

#[cold]
#[inline(never)]
fn interrupted(span: Span) -> Eval<()> {
    if INTERRUPTED.swap(false, Ordering::SeqCst) {
        return Err(Flow::from(
            Diagnostic::error("interrupted").with_label(span, "stopped here"),
        ));
    }
    Ok(())
}

impl Interpreter {
    /// From now on, code compiled records where every read of a name finds its
    /// value (for the test that holds the resolver against the evaluator).
    pub fn trace_places(&mut self) {
        self.resolved.trace.get_or_insert_with(Vec::new);
    }

    /// What the reads recorded since [`Interpreter::trace_places`]: the span and
    /// name of each read as it ran, and where its value was.
    pub fn place_trace(&self) -> &[(Span, Name, Found)] {
        self.resolved.trace.as_deref().unwrap_or(&[])
    }

    /// The sources run as modules (the others ran as scripts or REPL entries).
    pub fn module_sources(&self) -> &[SourceId] {
        &self.resolved.modules
    }

    /// Where the read of `name` compiled to `place` finds its value in `scope`:
    /// its slot when bound, else what the search by name finds.
    pub(super) fn found(&self, name: &Name, place: Place, scope: &Scope) -> Found {
        let frame = |depth: u32| {
            let mut f = scope.as_ref();
            for _ in 0..depth {
                f = f.and_then(|e| e.parent.as_ref());
            }
            f
        };
        let in_slot = |env: &Env, depth: u32, slot: u32| match env.slot(slot) {
            Some(_) if env.layout().get(slot as usize) == Some(name) => {
                Some(Found::Frame { depth, slot })
            }
            Some(_) => Some(Found::WrongSlot),
            None => None,
        };
        let hit = match place {
            Place::Local(slot) => frame(0).and_then(|e| in_slot(e, 0, slot)),
            Place::Captured { depth, slot } => frame(depth).and_then(|e| in_slot(e, depth, slot)),
            // An unset global's slot reads as the builtin of its name.
            Place::Global(slot) => (self.globals.read(slot).is_some()
                && self.globals.get(name).is_some())
            .then_some(Found::Global),
            Place::Dynamic => None,
        };
        if let Some(found) = hit {
            return found;
        }
        let mut env = scope.as_ref();
        let mut depth = 0;
        while let Some(e) = env {
            if e.get(name).is_some() {
                return match e.layout().iter().position(|n| n == name) {
                    Some(slot) => Found::Frame {
                        depth,
                        slot: slot as u32,
                    },
                    None => Found::WrongSlot,
                };
            }
            if e.module_root {
                // A module's functions see its own globals, never the importer's.
                break;
            }
            env = e.parent.as_ref();
            depth += 1;
        }
        if env.is_none() && self.globals.get(name).is_some() {
            return Found::Global;
        }
        match builtins::lookup(name) {
            Some(_) => Found::Builtin,
            None => Found::Unknown,
        }
    }

    /// Resolves `program` (from source `source`, `len` bytes long), whose top level
    /// is `top`, for the compiler; gives the layout of the top level's frame.
    pub(crate) fn resolve(
        &mut self,
        program: &Program,
        source: SourceId,
        len: usize,
        top: TopLevel,
    ) -> Rc<[Name]> {
        let r = resolve::resolve_with(program, source, len, top, false);
        let resolved = &mut self.resolved;
        for d in &r.defs {
            if r.scopes[d.scope].comprehension {
                resolved
                    .comprehension_names
                    .entry(d.name.clone())
                    .or_insert(d.span);
            }
        }
        resolved.places.extend(r.places);
        resolved
            .frames
            .extend(r.frames.into_iter().map(|(k, f)| (k, Rc::new(f))));
        if top == TopLevel::Frame {
            resolved.modules.push(source);
        }
        r.top.names
    }

    pub(crate) fn exec_program(&mut self, program: &Program) -> Eval<()> {
        for stmt in program {
            self.exec_top(stmt, &None)?;
        }
        Ok(())
    }

    /// Compiles a top-level statement (of a script, a REPL entry or a module,
    /// whose top level is `scope`) and runs it.
    pub(super) fn exec_top(&mut self, stmt: &Stmt, scope: &Scope) -> Eval<()> {
        compile::statement(stmt, &self.resolved, &mut self.globals)(self, scope)
    }

    /// Runs a program and gives the value of its last statement when that is an
    /// expression: a notebook cell's result (SPEC §15).
    pub(crate) fn exec_program_value(&mut self, program: &Program) -> Eval<Option<Value>> {
        let Some((last, rest)) = program.split_last() else {
            return Ok(None);
        };
        for stmt in rest {
            self.exec_top(stmt, &None)?;
        }
        match &last.kind {
            StmtKind::Expr(e) => {
                compile::expression(e, &self.resolved, &mut self.globals)(self, &None).map(Some)
            }
            _ => self.exec_top(last, &None).map(|()| None),
        }
    }

    /// The value of `e`, an index or an assigned value an index helper
    /// (`index`, `index_assign`) evaluates: its code is in the side table of the
    /// running index expression; an expression found nowhere is compiled here.
    pub(crate) fn eval(&mut self, e: &Expr, scope: &Scope) -> Eval<Value> {
        if let Some(side) = self.side_codes.last().cloned() {
            if let Some(code) = side.find(e.span) {
                return code(self, scope);
            }
        }
        compile::expression(e, &self.resolved, &mut self.globals)(self, scope)
    }

    pub(crate) fn lookup(&self, name: &str, scope: &Scope) -> Option<Value> {
        let mut env = scope.as_ref();
        while let Some(e) = env {
            if let Some(v) = e.get(name) {
                return Some(v);
            }
            if e.module_root {
                // A module's functions see its own globals, never the importer's.
                return builtins::lookup(name).map(Value::Builtin);
            }
            env = e.parent.as_ref();
        }
        if let Some(v) = self.globals.get(name) {
            return Some(v.clone());
        }
        builtins::lookup(name).map(Value::Builtin)
    }

    /// A resolved read: the slot its place names, else (the slot is not bound yet)
    /// the search by name that an unresolved read makes.
    #[inline]
    pub(super) fn read_var(&self, v: &Var, span: Span, scope: &Scope) -> Eval<Value> {
        match self.read_place(v.place, scope) {
            Some(value) => Ok(value),
            None => self.read_by_name(&v.name, span, scope),
        }
    }

    /// The value in the slot `place` names, if it is bound.
    #[inline]
    pub(super) fn read_place(&self, place: Place, scope: &Scope) -> Option<Value> {
        match (place, scope) {
            (Place::Global(slot), _) => self.globals.read(slot),
            (Place::Local(slot), Some(env)) => env.slot(slot),
            (Place::Captured { depth, slot }, Some(env)) => {
                let mut frame = Some(env);
                for _ in 0..depth {
                    frame = frame.and_then(|f| f.parent.as_ref());
                }
                frame.and_then(|f| f.slot(slot))
            }
            _ => None,
        }
    }

    /// A read by name through the scopes (what a slot not bound yet falls back to).
    #[cold]
    #[inline(never)]
    pub(super) fn read_by_name(&self, name: &str, span: Span, scope: &Scope) -> Eval<Value> {
        self.lookup(name, scope)
            .ok_or_else(|| self.unknown_name(name, span, scope))
    }

    /// Binds the name `target` (an assignment's target, a loop variable, …).
    #[inline]
    pub(super) fn bind_ident(&mut self, target: &Binding, value: Value, scope: &Scope) {
        match (target.place, scope) {
            (Place::Local(slot), Some(env)) => env.set_slot(slot, value),
            (Place::Global(slot), None) => self.globals.set(slot, value),
            _ => self.bind(&target.name, value, scope),
        }
    }

    pub(super) fn bind(&mut self, name: &Rc<str>, value: Value, scope: &Scope) {
        match scope {
            Some(env) => env.set(name, value),
            None => {
                self.globals.insert(name.clone(), value);
            }
        }
    }

    pub(super) fn unknown_name(&self, name: &str, span: Span, scope: &Scope) -> Flow {
        let mut names: Vec<String> = self.globals.keys().map(|k| k.to_string()).collect();
        let mut env = scope.as_ref();
        while let Some(e) = env {
            names.extend(e.names().iter().map(|k| k.to_string()));
            env = e.parent.as_ref();
        }
        names.extend(builtins::names().map(str::to_string));
        let mut d =
            Diagnostic::error(format!("unknown name '{name}'")).with_label(span, "not defined");
        if let Some(h) = crate::eval::pytorch::name_hint(name) {
            d = d.with_hint(h);
        } else if let Some(c) = closest(name, names.iter().map(String::as_str)) {
            d = d.with_hint(format!("did you mean '{c}'?"));
        }
        Flow::from(d)
    }
}
