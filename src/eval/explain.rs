//! Explanations of recorded graphs for people: the tape of a variable, its graph
//! as a tree or as Graphviz DOT, the gradient-flow table and `why`.
//!
//! Each function reads the interpreter's variables and returns text (the core
//! never prints); errors are diagnostics. Graphs are walked with explicit stacks,
//! never recursion, and long outputs are cut, so a graph of a million nodes
//! neither overflows the stack nor floods the terminal.
//!
//! `why` reads the gradient that the last `backward` left on every node it passed
//! through (kept when `Options::record_grads` is on, as in the REPL), so it needs
//! no second backward pass and works after the graph was freed.

use crate::autodiff::{Array, Op, Origin, Tensor, Unary};
use crate::diagnostic::Diagnostic;
use crate::display::fmt_shape;
use crate::eval::errors::closest;
use crate::eval::{Interpreter, Value};
use crate::source::Span;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write as _;

/// Gradient norms below this are flagged as vanishing.
pub const VANISHING: f64 = 1e-7;
/// Gradient norms above this are flagged as exploding.
pub const EXPLODING: f64 = 1e3;
/// The most entries `tape` lists and lines `graph` draws.
const MAX_LINES: usize = 400;
/// Source text longer than this is cut with `…`.
const MAX_SOURCE: usize = 40;

/// The tensor held by variable `name`, or a report that says why there is none.
pub(super) fn variable(interp: &Interpreter, name: &str) -> Result<Tensor, Diagnostic> {
    match interp.global(name) {
        Some(Value::Tensor(t)) => Ok(t.clone()),
        Some(other) => Err(Diagnostic::error(format!(
            "'{name}' is a {}, not a tensor: it has no recorded operations",
            other.type_name()
        ))),
        None => {
            let mut d = Diagnostic::error(format!("unknown variable '{name}'"));
            if let Some(c) = closest(name, interp.globals.keys().map(|k| k.as_ref())) {
                d = d.with_hint(format!("did you mean '{c}'?"));
            }
            Err(d)
        }
    }
}

/// Every variable holding a tensor (tuple and list items as `name[i]`), sorted by name.
fn named_tensors(interp: &Interpreter) -> Vec<(String, Tensor)> {
    let mut out = Vec::new();
    for (name, v) in &interp.globals {
        collect_tensors(name.to_string(), v, 0, &mut out);
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// How deep nested tuples are searched for tensors.
const MAX_NESTING: usize = 4;

/// The tensors in `v` under `name`, and in its (nested) elements as `name[i]`.
fn collect_tensors(name: String, v: &Value, depth: usize, out: &mut Vec<(String, Tensor)>) {
    match v {
        Value::Tensor(t) => out.push((name, t.clone())),
        Value::Tuple(items) if depth < MAX_NESTING => {
            for (i, item) in items.iter().enumerate() {
                collect_tensors(format!("{name}[{i}]"), item, depth + 1, out);
            }
        }
        Value::List(list) if depth < MAX_NESTING => {
            for (i, item) in list.items().iter().enumerate() {
                collect_tensors(format!("{name}[{i}]"), item, depth + 1, out);
            }
        }
        _ => {}
    }
}

/// Each tensor once (by identity), with every name it is reachable under, in
/// name order: `w` and `params[0]` holding one tensor are one row.
fn tensors_with_names(interp: &Interpreter) -> Vec<(Vec<String>, Tensor)> {
    let mut groups: Vec<(Vec<String>, Tensor)> = Vec::new();
    let mut index: HashMap<usize, usize> = HashMap::new();
    for (name, t) in named_tensors(interp) {
        match index.get(&t.id()) {
            Some(&i) => groups[i].0.push(name),
            None => {
                index.insert(t.id(), groups.len());
                groups.push((vec![name], t));
            }
        }
    }
    groups
}

/// Tensor id → the first (by name) variable that holds it.
pub(super) fn names_by_id(interp: &Interpreter) -> HashMap<usize, String> {
    let mut map = HashMap::new();
    for (name, t) in named_tensors(interp) {
        map.entry(t.id()).or_insert(name);
    }
    map
}

/// The source text of a span on one line, cut when long.
pub(super) fn source_text(interp: &Interpreter, span: Span) -> String {
    let text = interp.sources.slice(span);
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > MAX_SOURCE {
        let cut: String = one_line.chars().take(MAX_SOURCE - 1).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

/// "line 3" (or "<repl:2> line 1" when the span is in another source).
fn line_of(interp: &Interpreter, span: Span) -> String {
    match interp.sources.get(span.source) {
        Some(file) => {
            let before = file.text.get(..span.start as usize).unwrap_or("");
            let line = before.matches('\n').count() + 1;
            if file.name.starts_with("<repl") {
                format!("{} line {line}", file.name)
            } else {
                format!("line {line}")
            }
        }
        None => "an unknown place".to_string(),
    }
}

/// The recorded results that `root` depends on, inputs first (iterative DFS).
fn recorded_order(root: &Tensor) -> Vec<Tensor> {
    if root.node().is_none() {
        return Vec::new();
    }
    let mut visited = HashSet::new();
    visited.insert(root.id());
    post_order(root, |input, _| {
        input.node().is_some() && visited.insert(input.id())
    })
}

/// `root` and the inputs `admit` lets in (it is given each input once per edge, and
/// how many tensors are placed or waiting), inputs first, with an explicit stack.
fn post_order(root: &Tensor, mut admit: impl FnMut(&Tensor, usize) -> bool) -> Vec<Tensor> {
    let mut order = Vec::new();
    let mut stack: Vec<(Tensor, usize)> = vec![(root.clone(), 0)];
    while let Some((t, next)) = stack.last_mut() {
        let input = t.node().and_then(|n| n.inputs.get(*next).cloned());
        match input {
            Some(input) => {
                *next += 1;
                if admit(&input, order.len() + stack.len()) {
                    stack.push((input, 0));
                }
            }
            None => {
                if let Some((t, _)) = stack.pop() {
                    order.push(t);
                }
            }
        }
    }
    order
}

/// How an input that is not a recorded result is shown: its variable, or a value.
fn leaf_label(t: &Tensor, names: &HashMap<usize, String>) -> String {
    if let Some(n) = names.get(&t.id()) {
        return n.clone();
    }
    if t.requires_grad() {
        return format!("leaf {}", fmt_shape(&t.shape()));
    }
    match (t.ndim(), t.item()) {
        (0, Some(v)) => crate::display::format_number(v),
        _ => format!("const {}", fmt_shape(&t.shape())),
    }
}

/// Pads the columns of `rows` to equal widths (the last column is not padded).
fn columns(rows: &[Vec<String>], indent: &str) -> String {
    let ncols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; ncols];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::from(indent);
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i] - cell.chars().count() + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// What a tensor without recorded operations is, in words.
pub(super) fn not_recorded(interp: &Interpreter, name: &str, t: &Tensor) -> String {
    let made = source_text(interp, t.span());
    let at = if made.is_empty() {
        String::new()
    } else {
        format!(" ('{made}', {})", line_of(interp, t.span()))
    };
    if t.requires_grad() {
        return format!("{name} is a leaf that requires grad{at}: no recorded operations\n");
    }
    let why = match t.origin() {
        Origin::Detached => "it was detached from the graph",
        Origin::NoGrad => "it was computed under no_grad",
        Origin::Created => "it was created without grad",
    };
    format!("{name} does not require grad{at}: {why}, so nothing was recorded\n")
}

/// The recorded operations that variable `name` depends on, oldest first, each
/// with its source text.
pub fn tape(interp: &Interpreter, name: &str) -> Result<String, Diagnostic> {
    let root = variable(interp, name)?;
    let order = recorded_order(&root);
    if order.is_empty() {
        return Ok(not_recorded(interp, name, &root));
    }
    let names = names_by_id(interp);
    let index: HashMap<usize, usize> = order.iter().enumerate().map(|(i, t)| (t.id(), i)).collect();
    let mut rows = Vec::with_capacity(order.len().min(MAX_LINES));
    let shown: Vec<usize> = if order.len() > MAX_LINES {
        (0..MAX_LINES / 2)
            .chain(order.len() - MAX_LINES / 2..order.len())
            .collect()
    } else {
        (0..order.len()).collect()
    };
    let mut previous = None;
    for i in shown {
        if previous.is_some_and(|p: usize| p + 1 != i) {
            rows.push(vec![format!(
                "… {} more operations …",
                i - previous.unwrap_or(0) - 1
            )]);
        }
        previous = Some(i);
        let t = &order[i];
        let Some(node) = t.node() else { continue };
        let inputs: Vec<String> = node
            .inputs
            .iter()
            .map(|x| match index.get(&x.id()) {
                Some(k) => match names.get(&x.id()) {
                    Some(n) => format!("#{k} {n}"),
                    None => format!("#{k}"),
                },
                None => leaf_label(x, &names),
            })
            .collect();
        let held = names
            .get(&t.id())
            .map(|n| format!("-> {n}"))
            .unwrap_or_default();
        rows.push(vec![
            format!("#{i}"),
            node.name().to_string(),
            fmt_shape(&t.shape()),
            source_text(interp, node.span),
            format!("<- {}", inputs.join(", ")),
            held,
        ]);
    }
    let mut out = format!(
        "tape of {name}: {}, inputs first\n",
        crate::display::count(order.len(), "recorded operation")
    );
    out.push_str(&columns(&rows, "  "));
    Ok(out)
}

/// A recorded operation's label: the variable holding it (if any), the operation,
/// its shape and its source text, joined by `sep`.
fn op_label(
    interp: &Interpreter,
    t: &Tensor,
    op: &str,
    span: Span,
    names: &HashMap<usize, String>,
    sep: &str,
) -> String {
    let held = names
        .get(&t.id())
        .map(|n| format!("{n} = "))
        .unwrap_or_default();
    // A result whose memory backward gave back: its node kept the shape.
    let shape = match t.node().and_then(|n| n.released()) {
        Some(r) if released(t) => fmt_shape(&r.shape),
        _ => fmt_shape(&t.shape()),
    };
    format!("{held}{op}{sep}{shape}{sep}{}", source_text(interp, span))
}

/// One line of the graph: the operation, its shape and source, or the leaf; then its
/// values and `.grad`, summarised (SPEC §21: also after backward).
fn graph_label(interp: &Interpreter, t: &Tensor, names: &HashMap<usize, String>) -> String {
    let head = match t.node() {
        Some(node) => op_label(interp, t, node.name(), node.span, names, "  "),
        None => {
            let kind = if t.requires_grad() {
                "leaf, requires grad"
            } else {
                "constant"
            };
            format!(
                "{}  {}  ({kind})",
                leaf_label(t, names),
                fmt_shape(&t.shape())
            )
        }
    };
    let values = match released_summary(t) {
        Some(text) => text,
        None => format!("= {}", summarize(&t.data_ref())),
    };
    match t.grad() {
        Some(g) => format!("{head}  {values}  grad {}", summarize(&g.data_ref())),
        None => format!("{head}  {values}"),
    }
}

/// Whether backward gave back this intermediate's memory when it freed its graph
/// (see `backward`): its values are gone.
fn released(t: &Tensor) -> bool {
    t.node().is_some_and(|n| n.freed_by().is_some()) && t.shape() == [0]
}

/// The values backward gave back, as their node kept them: mean and range.
fn released_summary(t: &Tensor) -> Option<String> {
    if !released(t) {
        return None;
    }
    let r = t.node()?.released()?;
    Some(format!(
        "= mean {} in [{}, {}] (kept as a summary: backward freed the values)",
        short_number(r.mean),
        short_number(r.min),
        short_number(r.max)
    ))
}

/// The same operations as an indented tree rooted at `name`.
pub fn graph(interp: &Interpreter, name: &str) -> Result<String, Diagnostic> {
    let root = variable(interp, name)?;
    if root.node().is_none() {
        return Ok(not_recorded(interp, name, &root));
    }
    Ok(drawing(interp, &root, name).to_tree())
}

/// The most tensors a drawing holds; a larger graph is cut (and says so).
const MAX_BOXES: usize = 2000;

/// A short summary of values: all of them when few, else mean, min and max.
pub(super) fn summarize(a: &Array) -> String {
    use crate::display::format_number;
    let short = |x: f64| {
        if x.is_finite() && x != 0.0 && (x.abs() >= 1e5 || x.abs() < 1e-3) {
            format!("{x:.3e}")
        } else {
            format_number((x * 1e4).round() / 1e4)
        }
    };
    match a.len() {
        0 => "[]".to_string(),
        1 => a.first().map(|&x| short(x)).unwrap_or_default(),
        n if n <= 4 => {
            let items: Vec<String> = a.iter().map(|&x| short(x)).collect();
            format!("[{}]", items.join(", "))
        }
        n => {
            let mean = a.iter().sum::<f64>() / n as f64;
            let min = a.iter().copied().fold(f64::INFINITY, f64::min);
            let max = a.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            format!("mean {} in [{}, {}]", short(mean), short(min), short(max))
        }
    }
}

/// The recorded graph of `root` as a picture (micrograd's `draw_dot`): one box per
/// tensor with its operation, source text, shape, value and `.grad`; `name` names it.
pub fn drawing(interp: &Interpreter, root: &Tensor, name: &str) -> crate::picture::GraphDrawing {
    drawing_with(interp, root, name, &HashMap::new())
}

/// [`drawing`] with a label on edges: `edges[(output id, input position)]`, the
/// gradient that flowed along it (`backprop_steps` in the notebook).
pub fn drawing_with(
    interp: &Interpreter,
    root: &Tensor,
    name: &str,
    edges: &HashMap<(usize, usize), String>,
) -> crate::picture::GraphDrawing {
    use crate::picture::{BoxKind, GraphBox, GraphDrawing};
    let names = names_by_id(interp);
    // Post-order (inputs first) over every tensor reachable from the root, with an
    // explicit stack; past MAX_BOXES, further inputs are left out and counted.
    let mut omitted: HashSet<usize> = HashSet::new();
    let mut seen: HashSet<usize> = HashSet::new();
    seen.insert(root.id());
    let order = post_order(root, |input, placed| {
        if seen.contains(&input.id()) {
            return false;
        }
        if placed >= MAX_BOXES {
            omitted.insert(input.id());
            return false;
        }
        seen.insert(input.id())
    });
    let index: HashMap<usize, usize> = order.iter().enumerate().map(|(i, t)| (t.id(), i)).collect();
    let boxes = order
        .iter()
        .map(|t| {
            let (inputs, edge_labels) = t
                .node()
                .map(|n| {
                    n.inputs
                        .iter()
                        .enumerate()
                        .filter_map(|(j, i)| {
                            let from = index.get(&i.id()).copied()?;
                            Some((from, edges.get(&(t.id(), j)).cloned()))
                        })
                        .unzip()
                })
                .unwrap_or_default();
            let mut lines = Vec::new();
            let (kind, title) = match t.node() {
                Some(node) => {
                    let held = names
                        .get(&t.id())
                        .map(|n| format!("{n} = "))
                        .unwrap_or_default();
                    lines.push(source_text(interp, node.span));
                    (BoxKind::Op, format!("{held}{}", node.name()))
                }
                None if t.requires_grad() => (BoxKind::Leaf, leaf_label(t, &names)),
                None => (BoxKind::Constant, leaf_label(t, &names)),
            };
            if let Some(r) = t.node().and_then(|n| n.released()).filter(|_| released(t)) {
                // Backward gave the memory back; the node kept a summary.
                lines.push(format!("shape {}", fmt_shape(&r.shape)));
                lines.push(format!(
                    "data mean {} in [{}, {}] (summary kept after backward)",
                    short_number(r.mean),
                    short_number(r.min),
                    short_number(r.max)
                ));
            } else {
                lines.push(format!("shape {}", fmt_shape(&t.shape())));
                lines.push(format!("data {}", summarize(&t.data_ref())));
            }
            if let Some(g) = t.grad() {
                lines.push(format!("grad {}", summarize(&g.data_ref())));
            }
            GraphBox {
                kind,
                title,
                lines,
                summary: graph_label(interp, t, &names),
                inputs,
                edge_labels,
            }
        })
        .collect();
    GraphDrawing {
        name: name.to_string(),
        boxes,
        omitted: omitted.len(),
    }
}

/// A string as a DOT quoted string.
fn dot_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The graph of `name` in Graphviz DOT.
pub fn graph_dot(interp: &Interpreter, name: &str) -> Result<String, Diagnostic> {
    let root = variable(interp, name)?;
    let names = names_by_id(interp);
    let mut order = recorded_order(&root);
    if order.is_empty() {
        order.push(root);
    }
    let mut ids: HashMap<usize, String> = HashMap::new();
    let mut out = format!("digraph {} {{\n", dot_quote(name));
    out.push_str("  rankdir=BT;\n  node [fontname=\"monospace\"];\n");
    for (i, t) in order.iter().enumerate() {
        let id = format!("op{i}");
        let label = match t.node() {
            Some(node) => op_label(interp, t, node.name(), node.span, &names, "\n"),
            None => format!("{}\n{}", leaf_label(t, &names), fmt_shape(&t.shape())),
        };
        let _ = writeln!(out, "  {id} [shape=box, label={}];", dot_quote(&label));
        ids.insert(t.id(), id);
    }
    let mut leaves = 0;
    for t in &order {
        let Some(node) = t.node() else { continue };
        let to = ids.get(&t.id()).cloned().unwrap_or_default();
        for input in &node.inputs {
            let from = match ids.get(&input.id()) {
                Some(id) => id.clone(),
                None => {
                    let id = format!("leaf{leaves}");
                    leaves += 1;
                    let style = if input.requires_grad() {
                        "shape=ellipse"
                    } else {
                        "shape=ellipse, style=dashed"
                    };
                    let label = format!(
                        "{}\n{}",
                        leaf_label(input, &names),
                        fmt_shape(&input.shape())
                    );
                    let _ = writeln!(out, "  {id} [{style}, label={}];", dot_quote(&label));
                    if input.requires_grad() || names.contains_key(&input.id()) {
                        ids.insert(input.id(), id.clone());
                    }
                    id
                }
            };
            let _ = writeln!(out, "  {from} -> {to};");
        }
    }
    out.push_str("}\n");
    Ok(out)
}

/// The L2 norm and the largest magnitude of a gradient.
fn norms(a: &Array) -> (f64, f64) {
    let mut sq = 0.0;
    let mut max: f64 = 0.0;
    for &v in a.iter() {
        sq += v * v;
        max = if v.is_nan() {
            f64::NAN
        } else {
            max.max(v.abs())
        };
    }
    (sq.sqrt(), max)
}

/// The flag of a gradient norm: vanishing, exploding, or not finite.
pub fn flag(norm: f64) -> Option<&'static str> {
    if norm.is_nan() {
        Some("nan")
    } else if norm.is_infinite() {
        Some("inf")
    } else if norm < VANISHING {
        Some("vanishing")
    } else if norm > EXPLODING {
        Some("exploding")
    } else {
        None
    }
}

/// The decades the gradient-flow bar covers, and characters per decade.
const BAR_LOW: i32 = -10;
const BAR_HIGH: i32 = 4;
const BAR_STEP: usize = 2;

/// A bar whose length is log10(norm) between 1e-10 and 1e4.
pub fn log_bar(norm: f64) -> String {
    let width = (BAR_HIGH - BAR_LOW) as usize * BAR_STEP;
    if !norm.is_finite() {
        return "?".repeat(width);
    }
    let filled = if norm <= 0.0 {
        0
    } else {
        let decades = norm.log10().clamp(BAR_LOW as f64, BAR_HIGH as f64) - BAR_LOW as f64;
        ((decades * BAR_STEP as f64).round() as usize).min(width)
    };
    format!("{}{}", "█".repeat(filled), "·".repeat(width - filled))
}

/// The header over the bars: the lowest and the highest norm they show.
fn bar_scale() -> String {
    let width = (BAR_HIGH - BAR_LOW) as usize * BAR_STEP;
    let low = format!("1e{BAR_LOW}");
    format!(
        "{low}{:>w$}",
        format!("1e{BAR_HIGH}"),
        w = width - low.len()
    )
}

/// Short scientific notation: `1.234e-3`.
fn sci(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3e}")
    } else {
        crate::display::format_number(x)
    }
}

/// The table of SPEC §11: one row per variable whose tensor has a `.grad`.
pub fn gradflow(interp: &Interpreter) -> String {
    let mut rows = vec![vec![
        "name".to_string(),
        "shape".to_string(),
        "grad norm".to_string(),
        "max |grad|".to_string(),
        bar_scale(),
        String::new(),
    ]];
    for (names, t) in tensors_with_names(interp) {
        let Some(g) = t.grad() else { continue };
        let (norm, max) = norms(&g.data_ref());
        rows.push(vec![
            names.join(", "),
            fmt_shape(&t.shape()),
            sci(norm),
            sci(max),
            log_bar(norm),
            flag(norm).unwrap_or("").to_string(),
        ]);
    }
    if rows.len() == 1 {
        return "gradflow: no variable holds a tensor with a .grad (run backward first)\n"
            .to_string();
    }
    columns(&rows, "")
}

/// The local derivative of a saturating activation, when `node` is one: the
/// fraction of its elements whose derivative is below 1e-3.
fn saturation(op: &Op, input: &Tensor) -> Option<f64> {
    let x = input.data();
    let derivative = |v: f64| match op {
        Op::Unary(Unary::Sigmoid) => {
            let s = 1.0 / (1.0 + (-v).exp());
            s * (1.0 - s)
        }
        _ => 1.0 - v.tanh().powi(2),
    };
    if !matches!(op, Op::Unary(Unary::Sigmoid) | Op::Unary(Unary::Tanh)) || x.is_empty() {
        return None;
    }
    let small = x.iter().filter(|&&v| derivative(v) < 1e-3).count();
    Some(small as f64 / x.len() as f64)
}

/// Why `name.grad` is what it is: the path from the last backward root to it.
pub fn why(interp: &Interpreter, name: &str) -> Result<String, Diagnostic> {
    let target = variable(interp, name)?;
    let Some(last) = &interp.last_backward else {
        return Ok(format!(
            "no backward has run yet, so {name}.grad is not set; call backward(y) first\n"
        ));
    };
    if !target.requires_grad() {
        return Ok(format!(
            "{name}.grad is none: {}",
            not_recorded(interp, name, &target)
        ));
    }
    let root = last.root.clone();
    let root_text = source_text(interp, root.span());
    // Breadth-first from the root: the shortest path of recorded operations.
    let mut parent: HashMap<usize, Option<Tensor>> = HashMap::new();
    parent.insert(root.id(), None);
    let mut queue = VecDeque::from([root.clone()]);
    let mut found = root.ptr_eq(&target);
    while let Some(t) = queue.pop_front() {
        if found {
            break;
        }
        let Some(node) = t.node() else { continue };
        for input in &node.inputs {
            if !input.requires_grad() || parent.contains_key(&input.id()) {
                continue;
            }
            parent.insert(input.id(), Some(t.clone()));
            if input.ptr_eq(&target) {
                found = true;
                break;
            }
            queue.push_back(input.clone());
        }
    }
    if !found {
        return Ok(format!(
            "{name} is never used by the last backward (of '{root_text}', {}): no recorded \
             operation connects them, so that backward sent no gradient to {name}\n",
            line_of(interp, last.span)
        ));
    }
    let mut path = vec![target.clone()];
    let mut cur = target.clone();
    while let Some(Some(p)) = parent.get(&cur.id()) {
        path.push(p.clone());
        cur = p.clone();
    }
    path.reverse();

    let grad_norm = |t: &Tensor| -> Option<f64> {
        match t.node() {
            Some(node) if !t.ptr_eq(&target) || t.grad().is_none() => {
                node.last_grad().map(|g| norms(&g).0)
            }
            _ => t.grad().map(|g| norms(&g.data_ref()).0),
        }
    };
    let mut rows = Vec::new();
    let mut flags = Vec::new();
    for (i, t) in path.iter().enumerate() {
        let norm = grad_norm(t);
        let (text, op) = match t.node() {
            Some(node) => (source_text(interp, node.span), node.name().to_string()),
            None => (
                name.to_string(),
                if t.is_leaf() { "leaf" } else { "" }.to_string(),
            ),
        };
        let mut notes = Vec::new();
        if let (Some(node), Some(next)) = (t.node(), path.get(i + 1)) {
            if let Some(frac) = node.inputs.first().and_then(|x| saturation(&node.op, x)) {
                if frac > 0.5 {
                    notes.push(format!(
                        "saturated {}: local derivative below 1e-3 for {:.0}% of elements",
                        node.op.describe(),
                        frac * 100.0
                    ));
                }
            }
            if let (Some(a), Some(b)) = (norm, grad_norm(next)) {
                if a > 0.0 && b / a > 1e3 {
                    notes.push(format!("multiplies the gradient norm by {}", sci(b / a)));
                }
            }
        }
        if let Some(f) = norm.and_then(flag) {
            notes.push(format!("{f} gradient"));
        }
        let marker = if notes.is_empty() { "" } else { "  <- !" };
        flags.extend(notes.iter().map(|n| format!("{text}: {n}")));
        rows.push(vec![
            text,
            op,
            format!(
                "grad norm {}",
                norm.map(sci).unwrap_or_else(|| "?".to_string())
            ),
            marker.trim().to_string(),
        ]);
    }
    let mut out = format!(
        "{name}.grad comes from the backward of '{root_text}' ({}) through {}:\n",
        line_of(interp, last.span),
        crate::display::count(path.len() - 1, "operation")
    );
    out.push_str(&columns(&rows, "  "));
    if path
        .iter()
        .all(|t| t.node().is_none_or(|n| n.last_grad().is_none()))
        && path.len() > 1
    {
        out.push_str("  (the gradients of the operations were not kept by that backward)\n");
    }
    for f in &flags {
        let _ = writeln!(out, "  ! {f}");
    }
    if target.is_leaf() && target.grad().is_some() {
        out.push_str(&format!(
            "  note: {name}.grad accumulates across backward calls until zero_grad({name})\n"
        ));
    }
    Ok(out)
}

/// How an input of a step is called: its variable, else its source text.
pub(super) fn input_label(
    interp: &Interpreter,
    t: &Tensor,
    names: &HashMap<usize, String>,
) -> String {
    match (names.get(&t.id()), t.node()) {
        (Some(n), _) => n.clone(),
        (None, Some(node)) => source_text(interp, node.span),
        (None, None) => leaf_label(t, names),
    }
}

/// A number as the summaries show it (4 decimals, or 4 significant digits).
pub(super) fn short_number(x: f64) -> String {
    summarize(&ndarray::arr0(x).into_dyn())
}
