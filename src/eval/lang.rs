//! The language additions of SPEC §13 in the evaluator: index assignment, list
//! indexing, tensor indices, f-strings, modules, and the hints for PyTorch's
//! spellings.

use super::args::to_tensor;
use super::errors::{closest, tensor_error, wrong_type};
use super::format::{format_number_spec, pad_text, parse_spec};
use super::value::{Env, List, Module};
use super::{builtins, pytorch, Eval, Flow, Interpreter, Value};
use crate::autodiff::op::IndexItem;
use crate::autodiff::{grad_enabled, shape_ops, span_scope, Tensor};
use crate::diagnostic::Diagnostic;
use crate::display::fmt_shape;
use crate::source::Span;
use crate::syntax::ast::{module_stem, BinOp, Expr, ExprKind, Ident, Index};
use std::path::Path;
use std::rc::Rc;

type Scope = Option<Rc<Env>>;

/// Adapts the arguments of builtin `name` to lists (SPEC §13): a list where a
/// tuple of tensors is accepted, and `tensor(list)`. Returns true when the result
/// should be turned back into a list (`grad(y, xs)` of a list).
pub(crate) fn lists_as_tuples(name: &str, pos: &mut [(Value, Span)]) -> Eval<bool> {
    // `tensor(...)` of nested lists and tuples stacks them, as `torch.tensor` does.
    if name == "tensor" {
        if let Some((v, span)) = pos.first_mut() {
            if let Value::List(_) | Value::Tuple(_) = v {
                *v = Value::Tensor(stack_nested(v, *span)?);
            }
        }
        return Ok(false);
    }
    // Only lists change: most calls have none, and skip the look at the name.
    if !pos.iter().any(|(v, _)| matches!(v, Value::List(_))) {
        return Ok(false);
    }
    let mut list_in = false;
    if builtins::lookup(name).is_some_and(|b| b.lists_as_tuples) {
        for (v, _) in pos.iter_mut() {
            if let Value::List(l) = v {
                *v = Value::Tuple(l.items().into());
                list_in = true;
            }
        }
    }
    Ok(list_in && name == "grad")
}

/// A list or tuple of numbers, of equal-shape tensors, or of such lists and tuples
/// (nested, as `torch.tensor([(0, 0, 5), (0, 5, 13)])`), stacked along a new first axis.
fn stack_nested(v: &Value, span: Span) -> Eval<Tensor> {
    stack_items(v, span, 0)
}

fn stack_items(v: &Value, span: Span, depth: usize) -> Eval<Tensor> {
    let items: Vec<Value> = match v {
        Value::List(l) => l.items(),
        Value::Tuple(t) => t.iter().cloned().collect(),
        _ => Vec::new(),
    };
    // A list that holds itself (`xs.append(xs)`) would nest forever.
    if depth > 64 {
        return Err(Flow::from(
            Diagnostic::error("tensor() of lists nested more than 64 deep")
                .with_label(span, "does this list hold itself?"),
        ));
    }
    // A list of numbers (the common case: indices made by a comprehension) becomes one
    // array at once, without a 0-d tensor per number.
    if let Some(numbers) = items
        .iter()
        .map(super::args::to_number)
        .collect::<Option<Vec<f64>>>()
    {
        return Ok(Tensor::constant(ndarray::Array1::from(numbers).into_dyn()));
    }
    let mut tensors = Vec::with_capacity(items.len());
    for v in &items {
        let t = match v {
            Value::List(_) | Value::Tuple(_) => Some(stack_items(v, span, depth + 1)?),
            _ => to_tensor(v),
        };
        let t = t.ok_or_else(|| {
            wrong_type(
                "tensor() of a list",
                "numbers, tensors, lists or tuples",
                v,
                span,
            )
        })?;
        tensors.push(t);
    }
    if tensors.is_empty() {
        return Ok(Tensor::constant(ndarray::ArrayD::zeros(ndarray::IxDyn(&[
            0,
        ]))));
    }
    shape_ops::stack(&tensors, 0).map_err(|e| Flow::from(tensor_error(e, span, &[])))
}

impl Interpreter {
    /// `xs[i]` and `xs[a:b]` on a list.
    pub(super) fn index_list(
        &mut self,
        list: &List,
        indices: &[Index],
        span: Span,
        scope: &Scope,
    ) -> Eval<Value> {
        let [ix] = indices else {
            return Err(Flow::from(
                Diagnostic::error("a list takes one index").with_label(span, "more than one index"),
            ));
        };
        let n = list.len();
        let item = self.index_item(ix, 0, n, scope)?;
        let items = list.0.borrow();
        match item {
            IndexItem::Single(i) => items.get(i).cloned().ok_or_else(|| {
                Flow::from(
                    Diagnostic::error(format!(
                        "index {i} is out of range for a list of {}",
                        items.len()
                    ))
                    .with_label(span, "indexed here"),
                )
            }),
            IndexItem::Slice { start, end, step } => {
                let picked: Vec<Value> = (start..end)
                    .step_by(step)
                    .filter_map(|i| items.get(i).cloned())
                    .collect();
                Ok(Value::List(List::new(picked)))
            }
        }
    }

    /// `target[indices] = value` (or `op=`): on a list, replaces an item; on a
    /// tensor, writes in place under the rules of SPEC §13.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn index_assign(
        &mut self,
        target: Value,
        target_span: Span,
        indices: &[Index],
        op: Option<(BinOp, Span)>,
        value: &Expr,
        stmt_span: Span,
        scope: &Scope,
    ) -> Eval<()> {
        match target {
            Value::Dict(d) => {
                self.dict_assign(&d, target_span, indices, op, value, stmt_span, scope)
            }
            Value::List(list) => {
                let [ix] = indices else {
                    return Err(Flow::from(
                        Diagnostic::error("a list takes one index")
                            .with_label(stmt_span, "more than one index"),
                    ));
                };
                let i = match self.index_item(ix, 0, list.len(), scope)? {
                    IndexItem::Single(i) => i,
                    IndexItem::Slice { .. } => {
                        return Err(Flow::from(
                            Diagnostic::error("a slice of a list cannot be assigned to")
                                .with_label(target_span.to(stmt_span), "assigns to a slice")
                                .with_hint("assign one item at a time: `xs[i] = v`"),
                        ))
                    }
                };
                let mut v = self.eval(value, scope)?;
                if let Some((op, _)) = op {
                    let current = list.0.borrow().get(i).cloned().unwrap_or(Value::None);
                    v = self.binary(op, current, v, stmt_span, target_span, value.span)?;
                }
                let mut items = list.0.borrow_mut();
                let len = items.len();
                match items.get_mut(i) {
                    Some(slot) => *slot = v,
                    None => {
                        return Err(Flow::from(
                            Diagnostic::error(format!(
                                "index {i} is out of range for a list of {len}"
                            ))
                            .with_label(stmt_span, "assigned here"),
                        ))
                    }
                }
                Ok(())
            }
            Value::Tensor(t) => {
                if t.handle_count() == 1 {
                    // Nothing else holds it: `W[0][1] = v` writes into the copy that
                    // `W[0]` made, and the write would be lost.
                    return Err(Flow::from(
                        Diagnostic::error("this writes into a temporary copy")
                            .with_label(target_span, "this makes a new tensor, held by nothing")
                            .with_hint("index once: write `W[0, 1] = v` rather than `W[0][1] = v`"),
                    ));
                }
                self.check_writable(&t, stmt_span)?;
                let shape = t.shape();
                let sel = self.select(&shape, indices, stmt_span, target_span, true, scope)?;
                let (positions, sel_shape, advanced) = (sel.positions, sel.shape, sel.advanced);
                let mut v = self.eval(value, scope)?;
                if let Some((op, _)) = op {
                    // Reads then writes (`index_put`): the read is recorded too.
                    let current = {
                        let _span = span_scope(stmt_span);
                        let n: usize = shape.iter().product();
                        shape_ops::reshape(&t, &[n])
                            .and_then(|flat| {
                                shape_ops::gather_rows(&flat, positions.clone().into())
                            })
                            .and_then(|g| shape_ops::reshape(&g, &sel_shape))
                            .map_err(|e| Flow::from(tensor_error(e, stmt_span, &[])))?
                    };
                    v = self.binary(
                        op,
                        Value::Tensor(current),
                        v,
                        stmt_span,
                        target_span,
                        value.span,
                    )?;
                }
                let src = to_tensor(&v).ok_or_else(|| {
                    wrong_type("index assignment", "a number or a tensor", &v, value.span)
                })?;
                let _span = span_scope(stmt_span);
                shape_ops::write_positions(&t, positions.into(), sel_shape, &src).map_err(|e| {
                    Flow::from(tensor_error(e, stmt_span, &[(value.span, src.shape())]))
                })?;
                // PyTorch names a write through a tensor index or a mask IndexPutBackward.
                if advanced && t.node().is_some_and(|n| n.name() == "CopySlices") {
                    let _ = t.clone().renamed("IndexPutBackward");
                }
                Ok(())
            }
            Value::Tuple(_) => Err(Flow::from(
                Diagnostic::error("a tuple cannot be changed")
                    .with_label(target_span, "this is a tuple")
                    .with_hint("use a list (`list(t)`) for a sequence that changes"),
            )),
            other => Err(Flow::from(
                Diagnostic::error(format!("a {} cannot be assigned into", other.type_name()))
                    .with_label(target_span, format!("this is a {}", other.type_name())),
            )),
        }
    }

    /// Whether `t` may be written in place: a leaf that requires grad only inside
    /// `no_grad` (PyTorch's one refusal; a recorded result may be written, and
    /// the write is recorded, SPEC §13 v3).
    fn check_writable(&self, t: &Tensor, stmt_span: Span) -> Eval<()> {
        if t.is_leaf() && t.requires_grad() && grad_enabled() {
            return Err(Flow::from(
                Diagnostic::error("in-place update of a leaf tensor that requires grad")
                    .with_label(stmt_span, "this writes into the leaf in place")
                    .with_label(t.span(), "the leaf was created here, with grad")
                    .with_hint("wrap the update in no_grad { ... }, as an optimizer step does"),
            ));
        }
        Ok(())
    }

    /// `import "path.bp"`: runs the file once per process (by canonical path) in
    /// its own global scope. Returns the module and the file's stem.
    pub(super) fn import(
        &mut self,
        path: &str,
        path_span: Span,
        stmt_span: Span,
    ) -> Eval<(Rc<Module>, Rc<str>)> {
        let base = self.base_dir(path_span);
        let stem = module_stem(path);
        let cannot = |e: crate::files::FileError| {
            let mut d = Diagnostic::error(format!("cannot import \"{path}\": {}", e.message()))
                .with_label(path_span, "this file");
            if let Some(h) = e.hint() {
                d = d.with_hint(h);
            }
            Flow::from(d)
        };
        // Every read goes through the file gate (SPEC §14 Files).
        let canonical = self.files.resolve(&base, path).map_err(cannot)?;
        if let Some(m) = self.modules.get(&canonical) {
            return Ok((m.clone(), stem));
        }
        if let Some(at) = self.importing.iter().position(|(p, _)| *p == canonical) {
            let mut d =
                Diagnostic::error(format!("import cycle: \"{path}\" is still being imported"))
                    .with_label(stmt_span, "this import closes the cycle");
            for (p, span) in self.importing.iter().skip(at + 1) {
                let name = p.file_name().and_then(|s| s.to_str()).unwrap_or("?");
                d = d.with_label(*span, format!("this import started {name}"));
            }
            return Err(Flow::from(d.with_hint(
                "move what both files need into a third file that both import",
            )));
        }
        if self.importing.len() >= 64 {
            return Err(Flow::from(
                Diagnostic::error("imports nested more than 64 deep")
                    .with_label(stmt_span, "one import too many"),
            ));
        }
        let bytes = self.files.read(&base, path).map_err(cannot)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Flow::from(
                Diagnostic::error(format!("cannot import \"{path}\": it is not UTF-8 text"))
                    .with_label(path_span, "this file"),
            )
        })?;
        // Named as the importer would write it, beside the importer's own name.
        let shown = match self.sources.get(path_span.source) {
            Some(f) if !f.name.starts_with('<') => Path::new(&f.name)
                .parent()
                .unwrap_or(Path::new(""))
                .join(path)
                .display()
                .to_string(),
            _ => path.to_string(),
        };
        let id = self.sources.add(shown, text.as_str());
        let parsed = crate::syntax::parse(&text, id);
        let Some(program) = parsed.program.filter(|_| parsed.diagnostics.is_empty()) else {
            let count = parsed.diagnostics.len();
            let mut d = parsed
                .diagnostics
                .into_iter()
                .next()
                .unwrap_or_else(|| Diagnostic::error("could not parse the module"));
            d = d.with_label(stmt_span, "in the module imported here");
            if count > 1 {
                d.message = format!("{} (and {} more syntax errors)", d.message, count - 1);
            }
            return Err(Flow::from(d));
        };
        let layout = self.resolve(
            &program,
            id,
            text.len(),
            crate::eval::resolve::TopLevel::Frame,
        );
        let env = Rc::new(Env::module_root(layout));
        self.importing.push((canonical.clone(), stmt_span));
        let scope = Some(env.clone());
        let mut result = Ok(());
        for stmt in &program {
            result = self.exec_top(stmt, &scope);
            if result.is_err() {
                break;
            }
        }
        self.importing.pop();
        match result {
            Ok(()) => {}
            Err(Flow::Error(d)) => return Err(Flow::Error(d)),
            Err(Flow::Break(span)) | Err(Flow::Continue(span)) => {
                return Err(Flow::from(
                    Diagnostic::error("break or continue outside a loop")
                        .with_label(span, "not inside a loop"),
                ))
            }
            Err(Flow::Return(_, span)) => {
                return Err(Flow::from(
                    Diagnostic::error("return outside a function")
                        .with_label(span, "not inside a function"),
                ))
            }
        }
        let module = Rc::new(Module {
            name: stem.clone(),
            path: canonical.clone(),
            env,
        });
        self.modules.insert(canonical, module.clone());
        Ok((module, stem))
    }

    /// `nn.NAME`: a top-level binding of the module.
    pub(super) fn module_attribute(&self, m: &Module, name: &Ident, obj_span: Span) -> Eval<Value> {
        if let Some(v) = m.env.get(&name.name) {
            return Ok(v);
        }
        let all = m.env.names();
        let mut names: Vec<&str> = all.iter().map(|k| &**k).collect();
        names.sort_unstable();
        let mut d = Diagnostic::error(format!("module '{}' has no name '{}'", m.name, name.name))
            .with_label(name.span, "not defined in the module")
            .with_label(obj_span, format!("this is the module {}", m.path.display()));
        d = d.with_hint(match closest(&name.name, names.iter().copied()) {
            Some(c) => format!("did you mean '{c}'?"),
            None => format!("it defines {}", names.join(", ")),
        });
        Err(Flow::from(d))
    }

    /// `torch.ones(...)`, `F.relu(x)`: when `torch` (or `F`, `np`…) is not a name
    /// the script defined, an error whose hint gives bp's spelling.
    pub(super) fn foreign_module_check(
        &self,
        object: &Expr,
        member: &Ident,
        scope: &Scope,
    ) -> Eval<()> {
        let n = match &object.kind {
            ExprKind::Name(n) => n,
            _ => return Ok(()),
        };
        if !pytorch::is_foreign_module(n) || self.lookup(n, scope).is_some() {
            return Ok(());
        }
        let has = super::builtins::lookup(&member.name).is_some();
        Err(Flow::from(
            Diagnostic::error(format!("unknown name '{n}'"))
                .with_label(object.span, "not defined")
                .with_hint(pytorch::foreign_member_hint(n, &member.name, has)),
        ))
    }

    /// The error for `x.NAME(...)` when no function is called NAME.
    pub(super) fn unknown_method(&self, recv: &Value, name: &Ident, recv_span: Span) -> Flow {
        let mut d = Diagnostic::error(format!("unknown method '{}'", name.name))
            .with_label(name.span, "no function of this name")
            .with_label(recv_span, format!("this is a {}", recv.type_name()));
        if let Some(h) = pytorch::method_hint(&name.name) {
            d = d.with_hint(h);
        } else if let Some(c) = closest(&name.name, super::builtins::names()) {
            d = d.with_hint(format!("did you mean '{c}'?"));
        }
        Flow::from(d)
    }
}

/// The name `import "path"` binds: the file's stem.
/// Formats `v` with a format spec (SPEC §13).
pub(super) fn format_with_spec(
    v: &Value,
    spec: &str,
    spec_span: Span,
    expr_span: Span,
) -> Eval<String> {
    let parsed = parse_spec(spec).map_err(|why| {
        Flow::from(Diagnostic::error(why).with_label(spec_span, "this format spec"))
    })?;
    let number = match v {
        Value::Num(n) => Some(*n),
        Value::Tensor(t) => t.item(),
        _ => None,
    };
    match number {
        Some(x) => format_number_spec(x, &parsed).map_err(|why| {
            Flow::from(
                Diagnostic::error(why)
                    .with_label(expr_span, "this value")
                    .with_label(spec_span, "this format spec"),
            )
        }),
        None if !parsed.is_numeric() => Ok(pad_text(&v.to_display(), &parsed)),
        None => {
            let what = match v {
                Value::Tensor(t) => format!("a tensor of shape {}", fmt_shape(&t.shape())),
                other => format!("a {}", other.type_name()),
            };
            Err(Flow::from(
                Diagnostic::error(format!(
                    "the format spec `{spec}` needs a number or a one-element tensor; found {what}"
                ))
                .with_label(expr_span, format!("this is {what}"))
                .with_label(spec_span, "this format spec")
                .with_hint("format one element (`{x[0]:.2f}`) or reduce first (`{mean(x):.2f}`), or drop the spec to print the whole value"),
            ))
        }
    }
}
