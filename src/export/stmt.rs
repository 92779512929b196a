//! Statements to Python: assignments, compound assignment, control flow, functions and
//! closures, `no_grad` blocks and imported modules.

use super::emit::{binop_prec, py_str, unsupported, Emitter, R};
use super::types::Ty;
use crate::source::Span;
use crate::syntax::ast::{Block, FnDecl, Stmt, StmtKind};
use std::path::{Path, PathBuf};

impl Emitter {
    pub(super) fn stmts(&mut self, stmts: &[Stmt]) -> R<()> {
        if stmts.is_empty() {
            self.line("pass");
        }
        for s in stmts {
            self.stmt(s)?;
        }
        Ok(())
    }

    pub(super) fn block(&mut self, b: &Block) -> R<()> {
        self.indent += 1;
        let r = self.stmts(&b.stmts);
        self.indent -= 1;
        r
    }

    /// A loop: its `header` line (after the lines its parts needed), then `body`
    /// indented, inside which `break` and `continue` may be written.
    fn loop_block(&mut self, header: &str, body: &Block) -> R<()> {
        self.flush_pending();
        self.line(header);
        self.loops += 1;
        let r = self.block(body);
        self.loops -= 1;
        r
    }

    pub(super) fn stmt(&mut self, s: &Stmt) -> R<()> {
        match &s.kind {
            StmtKind::Expr(e) => {
                let code = self.expr(e)?.code;
                self.flush_pending();
                self.line(&code);
            }
            StmtKind::Assign { target, value } => {
                let v = self.expr(value)?.code;
                let t = self.name(&target.name);
                self.flush_pending();
                self.line(&format!("{t} = {v}"));
            }
            StmtKind::Unpack { targets, value } => {
                let v = self.expr(value)?.code;
                let ts: Vec<String> = targets.iter().map(|t| self.name(&t.name)).collect();
                self.flush_pending();
                let lhs = if ts.len() == 1 {
                    format!("{},", ts[0])
                } else {
                    ts.join(", ")
                };
                self.line(&format!("{lhs} = {v}"));
            }
            StmtKind::CompoundAssign {
                target, op, value, ..
            } => {
                let t = self.name(&target.name);
                let v = self.expr(value)?;
                self.flush_pending();
                let sym = op.symbol();
                if self.no_grad > 0 {
                    // In place, as bp updates a leaf under no_grad (it keeps its identity).
                    self.line(&format!("{t} {sym}= {}", v.code));
                } else {
                    let p = binop_prec(*op);
                    self.line(&format!("{t} = {t} {sym} {}", v.at(p + 1)));
                }
            }
            StmtKind::FnDef(decl) => {
                let name = decl
                    .name
                    .as_ref()
                    .map(|n| n.name.to_string())
                    .unwrap_or_default();
                let name = self.name(&name);
                self.flush_pending();
                let top = self.functions == 0 && self.indent == 0;
                if top && !self.out.is_empty() && !self.out.ends_with("\n\n") {
                    self.out.push('\n');
                }
                match &decl.backward {
                    None => self.function(&name, decl)?,
                    Some(b) => self.custom_function(&name, decl, b)?,
                }
                if top {
                    self.out.push('\n');
                }
            }
            StmtKind::Class(c) => self.class(c)?,
            StmtKind::If {
                branches,
                else_block,
            } => {
                let mut conds = Vec::new();
                for (c, _) in branches {
                    conds.push(self.expr(c)?.code);
                }
                self.flush_pending();
                for (i, ((_, body), c)) in branches.iter().zip(conds).enumerate() {
                    let kw = if i == 0 { "if" } else { "elif" };
                    self.line(&format!("{kw} {c}:"));
                    self.block(body)?;
                }
                if let Some(b) = else_block {
                    self.line("else:");
                    self.block(b)?;
                }
            }
            StmtKind::While { cond, body } => {
                let c = self.expr(cond)?.code;
                self.loop_block(&format!("while {c}:"), body)?;
            }
            StmtKind::For {
                targets,
                iter,
                body,
            } => {
                let it = self.iterable(iter)?;
                let v: Vec<String> = targets.iter().map(|t| self.name(&t.name)).collect();
                let v = v.join(", ");
                self.loop_block(&format!("for {v} in {it}:"), body)?;
            }
            StmtKind::Break | StmtKind::Continue => {
                if self.loops == 0 {
                    return Err(unsupported(
                        s.span,
                        "this statement",
                        "it is outside a loop, which Python does not allow",
                    ));
                }
                self.line(if matches!(s.kind, StmtKind::Break) {
                    "break"
                } else {
                    "continue"
                });
            }
            StmtKind::Return(value) => {
                if self.functions == 0 {
                    return Err(unsupported(
                        s.span,
                        "this return",
                        "it is outside a function, which Python does not allow",
                    ));
                }
                match value {
                    Some(e) => {
                        let v = self.expr(e)?.code;
                        self.flush_pending();
                        self.line(&format!("return {v}"));
                    }
                    None => self.line("return"),
                }
            }
            StmtKind::IndexAssign {
                object,
                indices,
                op,
                value,
            } => {
                self.index_assigned = true;
                let target = self.index_expr(object, indices, Ty::Unknown)?.code;
                let v = self.expr(value)?.code;
                self.flush_pending();
                let sym = op.map(|(o, _)| o.symbol()).unwrap_or("");
                self.line(&format!("{target} {sym}= {v}"));
            }
            StmtKind::AttrAssign {
                object,
                name,
                op,
                value,
            } => {
                let target = self.expr(object)?.code;
                let v = self.expr(value)?.code;
                self.flush_pending();
                let sym = op.map(|(o, _)| o.symbol()).unwrap_or("");
                self.line(&format!("{target}.{} {sym}= {v}", name.name));
            }
            StmtKind::Import {
                path,
                path_span,
                binding,
                ..
            } => {
                let run = self.module(path, *path_span)?;
                let bound = binding.name.to_string();
                let n = self.name(&bound);
                self.line(&format!("{n} = bp.module({}, {run})", py_str(&run)));
            }
            StmtKind::NoGrad(body) => {
                self.line("with torch.no_grad():");
                self.no_grad += 1;
                let r = self.block(body);
                self.no_grad -= 1;
                r?;
            }
        }
        Ok(())
    }

    /// `class Name:` with each method a `def`: `init` is `__init__`, `call` is
    /// `__call__`, `show` is `__repr__` (so `print` and `str` use it, as bp's).
    pub(super) fn class(&mut self, c: &crate::syntax::ast::ClassDecl) -> R<()> {
        let name = self.name(&c.name.name);
        self.note_methods(c);
        self.flush_pending();
        let top = self.functions == 0 && self.indent == 0;
        if top && !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
        // `bp.Object` shows the object as bp does and lets `parameters` walk it.
        self.line(&format!("class {name}(bp.Object):"));
        self.indent += 1;
        if c.methods.is_empty() {
            self.line("pass");
        }
        for m in &c.methods {
            let mname = m
                .name
                .as_ref()
                .map(|n| n.name.to_string())
                .unwrap_or_default();
            let py = match mname.as_str() {
                "init" => "__init__".to_string(),
                "call" => "__call__".to_string(),
                "show" => "__repr__".to_string(),
                other => other.to_string(),
            };
            self.function(&py, m)?;
        }
        self.indent -= 1;
        if top {
            self.out.push('\n');
        }
        Ok(())
    }

    /// A function's parameters as Python writes them: `x`, `lr=0.1` (a default is
    /// an expression of the defining scope, evaluated once there, as in bp).
    pub(super) fn params(&mut self, decl: &FnDecl) -> R<Vec<String>> {
        let mut out = Vec::with_capacity(decl.params.len());
        for (i, p) in decl.params.iter().enumerate() {
            let name = self.name(&p.name);
            match decl.defaults.get(i).and_then(Option::as_ref) {
                Some(d) => {
                    let d = self.expr(d)?;
                    out.push(format!("{name}={}", d.code));
                }
                None => out.push(name),
            }
        }
        Ok(out)
    }

    /// `def name(params):` and the body, in a new scope.
    pub(super) fn function(&mut self, name: &str, decl: &FnDecl) -> R<()> {
        let params = self.params(decl)?;
        self.line(&format!("def {name}({}):", params.join(", ")));
        self.push_scope(&decl.body.stmts, &decl.params);
        let saved = (self.loops, self.no_grad, std::mem::take(&mut self.pending));
        self.loops = 0;
        self.no_grad = 0;
        self.functions += 1;
        let r = self.block(&decl.body);
        self.functions -= 1;
        self.loops = saved.0;
        self.no_grad = saved.1;
        self.pending = saved.2;
        self.scopes.pop();
        r
    }

    /// A function with a backward clause (SPEC §21) as a `torch.autograd.Function`:
    /// the body and the clause as functions of their own, a subclass whose
    /// `forward` saves the arguments and the output (`ctx.save_for_backward`) and
    /// whose `backward` calls the clause, and `name` calling its `apply`.
    fn custom_function(&mut self, name: &str, decl: &FnDecl, backward: &FnDecl) -> R<()> {
        let params: Vec<String> = decl.params.iter().map(|p| self.name(&p.name)).collect();
        let args = params.join(", ");
        self.function(&format!("{name}_forward"), decl)?;
        self.function(&format!("{name}_backward"), backward)?;
        let class = format!("{name}_Function");
        self.line(&format!("class {class}(torch.autograd.Function):"));
        self.indent += 1;
        self.line("@staticmethod");
        self.line(&format!("def forward(ctx, {args}):"));
        self.indent += 1;
        self.line(&format!("out = bp.t({name}_forward({args}))"));
        self.line(&format!(
            "ctx.save_for_backward(*bp.custom_save(ctx, ({args}{})), out)",
            if params.len() == 1 { "," } else { "" }
        ));
        self.line("return out");
        self.indent -= 1;
        self.line("@staticmethod");
        self.line("def backward(ctx, g):");
        self.indent += 1;
        self.line(&format!(
            "return bp.custom_grads(ctx, {name}_backward(g, *bp.custom_saved(ctx)))"
        ));
        self.indent -= 2;
        self.line(&format!("def {name}({args}):"));
        self.indent += 1;
        self.line(&format!("return {class}.apply({args})"));
        self.indent -= 1;
        Ok(())
    }

    /// Translates an imported file (once) into a function that runs it and returns its
    /// top-level bindings; returns that function's name.
    pub(super) fn module(&mut self, path: &str, span: Span) -> R<String> {
        let full = match &self.base {
            Some(b) => b.join(path),
            None => PathBuf::from(path),
        };
        let cannot = |why: String| unsupported(span, "this import", &why);
        let canonical = std::fs::canonicalize(&full)
            .map_err(|e| cannot(format!("cannot read '{}': {e}", full.display())))?;
        if let Some(f) = self.modules.get(&canonical) {
            return Ok(f.clone());
        }
        if self.importing.contains(&canonical) {
            return Err(cannot("the files import each other (a cycle)".into()));
        }
        let text = std::fs::read_to_string(&canonical)
            .map_err(|e| cannot(format!("cannot read '{}': {e}", full.display())))?;
        let parsed = crate::syntax::parse(&text, span.source);
        let program = match parsed.program {
            Some(p) if parsed.diagnostics.is_empty() => p,
            _ => return Err(cannot(format!("'{path}' has syntax errors (bp check it)"))),
        };
        let stem: String = Path::new(path)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let mut fname = format!("module_{stem}");
        while self.modules.values().any(|f| *f == fname) {
            fname.push('_');
        }
        self.modules.insert(canonical.clone(), fname.clone());
        // The module runs in its own scope: translate it as a function body.
        let saved = (
            std::mem::take(&mut self.scopes),
            std::mem::take(&mut self.out),
            std::mem::take(&mut self.pending),
            self.indent,
            self.loops,
            self.no_grad,
            self.base.take(),
        );
        self.base = canonical.parent().map(Path::to_path_buf);
        self.importing.push(canonical);
        self.indent = 0;
        self.loops = 0;
        self.no_grad = 0;
        self.line(&format!("def {fname}():"));
        self.line(&format!("    # {path}, run once by its first import"));
        self.push_scope(&program, &[]);
        self.functions += 1;
        self.indent = 1;
        let r = self.stmts(&program);
        self.line("return locals()");
        self.functions -= 1;
        self.importing.pop();
        let def = std::mem::replace(&mut self.out, saved.1);
        self.scopes = saved.0;
        self.pending = saved.2;
        self.indent = saved.3;
        self.loops = saved.4;
        self.no_grad = saved.5;
        self.base = saved.6;
        r?;
        self.module_defs.push_str(&def);
        self.module_defs.push('\n');
        Ok(fname)
    }
}
