//! The chain rule link by link, for people (SPEC §21): the text of
//! `backprop_steps(y)` and the REPL's `:backprop NAME`, and the graph with the
//! gradient on each edge that the notebook draws beside it.
//!
//! Each step reads as a hand derivation does: the gradient arriving at an
//! operation's output (`∂E/∂o1 = 0.7414`), its local derivative — the rule of its
//! table row, then the same rule with the values put in — and what it sends to each
//! input (arriving × local). The steps come from `autodiff::steps`.

use super::explain::{input_label, names_by_id, short_number, source_text, summarize};
use crate::autodiff::steps::Step;
use crate::autodiff::{Array, Op, Tensor};
use crate::diagnostic::Diagnostic;
use crate::display::fmt_shape;
use crate::eval::Interpreter;
use crate::source::Span;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

/// The most steps shown.
const MAX_STEPS: usize = 400;

/// An operator's derivative (operators have no builtin row): its description as
/// `Op::describe` gives it, the operator, the rule as a teacher writes it, and for
/// each input its local derivative as a bp expression of the inputs `u`, `v` (`x`,
/// `p` for a power; `x` for negation), into which `backprop_steps` puts the values.
/// A test evaluates each expression against backward.
pub struct OperatorRule {
    pub describe: &'static str,
    pub operator: &'static str,
    pub rule: &'static str,
    /// The inputs' names in the expressions, in input order.
    pub inputs: &'static [&'static str],
    /// One local derivative per input.
    pub local: &'static [&'static str],
}

/// One row of [`OPERATOR_RULES`]: description, operator, rule, inputs, locals.
const fn rule(
    describe: &'static str,
    operator: &'static str,
    rule: &'static str,
    inputs: &'static [&'static str],
    local: &'static [&'static str],
) -> OperatorRule {
    OperatorRule {
        describe,
        operator,
        rule,
        inputs,
        local,
    }
}

/// The operators' rules.
#[rustfmt::skip]
pub const OPERATOR_RULES: &[OperatorRule] = &[
    rule("addition", "+", "d(u + v)/du = 1, d(u + v)/dv = 1", &["u", "v"], &["1", "1"]),
    rule("subtraction", "-", "d(u - v)/du = 1, d(u - v)/dv = -1", &["u", "v"], &["1", "-1"]),
    rule("multiplication", "*", "d(u * v)/du = v, d(u * v)/dv = u", &["u", "v"], &["v", "u"]),
    rule("division", "/", "d(u / v)/du = 1/v, d(u / v)/dv = -u/v^2", &["u", "v"], &["1 / v", "-u / v**2"]),
    rule("power", "**", "d/dx x^p = p x^(p-1); d/dp x^p = x^p ln x", &["x", "p"], &["p * x**(p - 1)", "x**p * log(x)"]),
    rule("negation", "-", "d(-x)/dx = -1", &["x"], &["-1"]),
    rule("matmul", "@", "d(A @ B)/dA = g @ B^T, d(A @ B)/dB = A^T @ g", &["A", "B"], &[]),
];

/// The rule of an operation in words, and each input's local derivative as an
/// expression with its names (`None` where there is none to show).
fn rule_of(op: &Op) -> Option<(&'static str, Vec<(&'static str, &'static str)>)> {
    let describe = op.describe();
    if let Some(r) = OPERATOR_RULES.iter().find(|r| r.describe == describe) {
        let locals = r.inputs.iter().copied().zip(r.local.iter().copied());
        return Some((r.rule, locals.collect()));
    }
    let row = crate::eval::builtins::lookup(describe)?;
    let locals = row.local.map(|l| vec![("x", l)]).unwrap_or_default();
    Some((row.derivative?, locals))
}

/// The values the expressions of `op`'s rule name, when every one is one number:
/// the inputs' (a plain number of `x * 2` stands in for the second input), `y` the
/// output.
fn values(op: &Op, output: &Tensor, names: &[&'static str]) -> Option<HashMap<&'static str, f64>> {
    let node = output.node()?;
    let one = |a: &Array| (a.len() == 1).then(|| a.iter().next().copied()).flatten();
    let mut inputs: Vec<f64> = node
        .inputs
        .iter()
        .map(|t| one(&t.data_ref()))
        .collect::<Option<_>>()?;
    match op {
        Op::AddScalar(c) | Op::SubScalar(c) | Op::MulScalar(c) | Op::PowScalar(c) => {
            inputs.push(*c)
        }
        _ => {}
    }
    let mut out = HashMap::new();
    for (&name, v) in names.iter().zip(inputs) {
        out.insert(name, v);
    }
    out.insert("y", one(&output.data_ref())?);
    Some(out)
}

/// A value put into a formula: six significant digits, so that the arithmetic shown
/// gives the result shown (`1 - (-0.999909)^2 = 1.816e-4`, where four decimals would
/// make it `1 - (-0.9999)^2`).
fn put_in(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || v.abs() >= 1e5 || v.abs() < 1e-3 {
        return short_number(v);
    }
    let digits = (5 - v.abs().log10().floor() as i32).clamp(0, 8) as usize;
    crate::display::fixed_trimmed(v, digits)
}

/// `expr` with the values put in for its names, as a teacher writes it (`×`, `^`,
/// negative numbers in parentheses); `None` when it names none of them.
pub fn put_values(expr: &str, values: &HashMap<&'static str, f64>) -> Option<String> {
    let mut out = String::new();
    let mut named = false;
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            match values.get(word.as_str()) {
                Some(&v) => {
                    named = true;
                    let text = put_in(v);
                    let after_paren = out.trim_end().ends_with('(') || out.is_empty();
                    if v < 0.0 && !after_paren {
                        let _ = write!(out, "({text})");
                    } else {
                        out.push_str(&text);
                    }
                }
                None => out.push_str(&word),
            }
            continue;
        }
        if c == '*' && chars.get(i + 1) == Some(&'*') {
            out.push('^');
            i += 2;
            continue;
        }
        out.push(if c == '*' { '×' } else { c });
        i += 1;
    }
    named.then_some(out)
}

/// The line of a step's local derivative with the values put in: for one input
/// `0.7514 × (1 - 0.7514) = 0.1868`; for several, `for w5: v = 0.5933; for h1: u =
/// 0.4`. The value after `=` is what backward used (sent ÷ arriving).
fn with_values(
    interp: &Interpreter,
    step: &Step,
    names: &HashMap<usize, String>,
    locals: &[(&'static str, &'static str)],
) -> Option<String> {
    let node = step.output.node()?;
    let input_names: Vec<&'static str> = locals.iter().map(|(n, _)| *n).collect();
    let vals = values(&node.op, &step.output, &input_names)?;
    let g = one(&step.arriving).filter(|g| *g != 0.0 && g.is_finite())?;
    let mut parts = Vec::new();
    for (j, (input, sent)) in step.sent.iter().enumerate() {
        let Some((_, expr)) = locals.get(j) else {
            continue;
        };
        let Some(shown) = put_values(expr, &vals) else {
            continue;
        };
        let value = sent.as_ref().and_then(|s| one(s)).map(|s| s / g);
        let lone = expr.chars().all(|c| c.is_ascii_alphabetic());
        // The input a lone name stands for, by its name in the program.
        let named = locals
            .iter()
            .position(|(n, _)| n == expr)
            .and_then(|k| step.sent.get(k))
            .map(|(t, _)| input_label(interp, t, names))
            .filter(|label| *label != shown);
        let mut part = if lone {
            match named {
                Some(label) => format!("{expr} = {label} = {shown}"),
                None => format!("{expr} = {shown}"),
            }
        } else {
            match value {
                Some(v) => format!("{shown} = {}", short_number(v)),
                None => shown,
            }
        };
        if step.sent.len() > 1 {
            part = format!("for {}: {part}", input_label(interp, input, names));
        }
        parts.push(part);
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn one(a: &Array) -> Option<f64> {
    (a.len() == 1).then(|| a.iter().next().copied()).flatten()
}

fn show(a: &Array) -> String {
    match one(a) {
        Some(x) => short_number(x),
        None => format!("{} {}", fmt_shape(a.shape()), summarize(a)),
    }
}

/// `∂<root>/∂<what>`: a name as it is, other source text in parentheses (once).
fn partial(root: &str, what: &str) -> String {
    let simple = what
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    if simple || enclosed(what) {
        format!("∂{root}/∂{what}")
    } else {
        format!("∂{root}/∂({what})")
    }
}

/// Whether `text` is one parenthesised whole, `(a - b)` but not `(a) * (b)`.
fn enclosed(text: &str) -> bool {
    if !text.starts_with('(') || !text.ends_with(')') {
        return false;
    }
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 && i + 1 < text.len() {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

/// `backprop_steps(y)`'s text: a heading, one block per step in the order backward
/// takes them (the REPL's `:backprop` shows one at a time), and the gradients the
/// leaves were left with.
pub fn backprop_steps(
    interp: &Interpreter,
    root: &Tensor,
    root_span: Span,
    steps: &[Step],
) -> Vec<String> {
    let names = names_by_id(interp);
    let root_text = names
        .get(&root.id())
        .cloned()
        .unwrap_or_else(|| source_text(interp, root_span));
    let simple = root_text.chars().all(|c| c.is_alphanumeric() || c == '_');
    let root_short = if simple { root_text.as_str() } else { "y" };
    let called = if simple {
        String::new()
    } else {
        format!(" (y below is {})", source_text(interp, root_span))
    };
    let mut blocks = vec![format!(
        "backward({}){called}, step by step: each operation passes on the gradient arriving at its output times its local derivative\n",
        source_text(interp, root_span)
    )];
    let mut leaves: Vec<Tensor> = Vec::new();
    let mut seen = HashSet::new();
    // What each tensor has received so far, from which operation: a tensor used
    // twice adds up what both uses send back (the chain rule's sum over paths).
    let mut received: HashMap<usize, Vec<(String, f64)>> = HashMap::new();
    for (k, step) in steps.iter().enumerate() {
        let from = step
            .output
            .node()
            .map(|n| source_text(interp, n.span))
            .unwrap_or_default();
        for (input, sent) in &step.sent {
            if input.node().is_none() && input.requires_grad() && seen.insert(input.id()) {
                leaves.push(input.clone());
            }
            if let Some(v) = sent.as_ref().and_then(|s| one(s)) {
                received
                    .entry(input.id())
                    .or_default()
                    .push((from.clone(), v));
            }
        }
        if k >= MAX_STEPS {
            continue;
        }
        let Some(node) = step.output.node() else {
            continue;
        };
        let held = names.get(&step.output.id());
        let what = match held {
            _ if step.output.id() == root.id() => root_short.to_string(),
            Some(n) => n.clone(),
            None => source_text(interp, node.span),
        };
        let mut out = format!(
            "step {}  {}  {}{}\n",
            k + 1,
            node.op.describe(),
            held.map(|n| format!("{n} = ")).unwrap_or_default(),
            source_text(interp, node.span)
        );
        let sum = match received.get(&step.output.id()) {
            Some(parts) if parts.len() > 1 => {
                let terms: Vec<String> = parts
                    .iter()
                    .enumerate()
                    .map(|(i, (_, v))| match short_number(*v) {
                        t if i > 0 && *v < 0.0 => format!("({t})"),
                        t => t,
                    })
                    .collect();
                let uses: Vec<&str> = parts.iter().map(|(f, _)| f.as_str()).collect();
                format!("{} = ", terms.join(" + "))
                    + &format!(
                        "{}  (added up from its {} uses: {})",
                        show(&step.arriving),
                        parts.len(),
                        uses.join(", ")
                    )
            }
            _ => show(&step.arriving),
        };
        let _ = writeln!(
            out,
            "  arriving at its output:  {} = {sum}",
            partial(root_short, &what),
        );
        if let Op::Custom(c) = &node.op {
            // The learner's own derivative (SPEC §21): the clause, on one line.
            let text = interp.sources.slice(c.clause);
            let mut text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if text.chars().count() > 100 {
                text = text.chars().take(99).collect::<String>() + "…";
            }
            let _ = writeln!(out, "  local derivative:        your {text}");
        } else if let Some((rule, locals)) = rule_of(&node.op) {
            let _ = writeln!(out, "  local derivative:        {rule}");
            if let Some(line) = with_values(interp, step, &names, &locals) {
                let _ = writeln!(out, "    with the values:       {line}");
            }
        }
        for (input, sent) in &step.sent {
            let label = input_label(interp, input, &names);
            let line = match sent {
                None => "nothing (it does not require grad)".to_string(),
                Some(s) => match (one(&step.arriving), one(s)) {
                    (Some(g), Some(v)) if g != 0.0 && g.is_finite() && v.is_finite() => format!(
                        "{} × {} = {}",
                        short_number(g),
                        short_number(v / g),
                        short_number(v)
                    ),
                    _ => show(s),
                },
            };
            let _ = writeln!(out, "  sends to {label}:  {line}");
        }
        blocks.push(out);
    }
    if steps.len() > MAX_STEPS {
        blocks.push(format!("… {} more steps\n", steps.len() - MAX_STEPS));
    }
    leaves.sort_by_key(|t| names.get(&t.id()).cloned());
    let named: Vec<String> = leaves
        .iter()
        .filter_map(|t| {
            let name = names.get(&t.id())?;
            let g = t.grad()?;
            Some(format!(
                "  {} = {name}.grad = {}",
                partial(root_short, name),
                show(&g.data_ref())
            ))
        })
        .collect();
    if !named.is_empty() {
        blocks.push(format!(
            "so the leaves' gradients (what each received, added up) are now in .grad:\n{}\n",
            named.join("\n")
        ));
    }
    blocks
}

/// The gradient each step sent along each edge, by (output, input position), as a
/// drawing labels its edges.
pub fn edge_gradients(steps: &[Step]) -> HashMap<(usize, usize), String> {
    let mut out = HashMap::new();
    for step in steps {
        for (j, (_, sent)) in step.sent.iter().enumerate() {
            if let Some(s) = sent {
                out.insert((step.output.id(), j), show(s));
            }
        }
    }
    out
}

/// The REPL's `:backprop NAME`: runs backward from the variable `name` (one
/// element) and returns the blocks of [`backprop_steps`].
pub fn backprop(interp: &mut Interpreter, name: &str) -> Result<Vec<String>, Diagnostic> {
    let root = super::explain::variable(interp, name)?;
    if root.numel() != 1 {
        return Err(Diagnostic::error(format!(
            "'{name}' has shape {}: backward starts from one number",
            fmt_shape(&root.shape())
        ))
        .with_hint(format!(
            "reduce it first, as in y = mean({name}), then :backprop y"
        )));
    }
    if root.node().is_none() {
        return Err(Diagnostic::error(super::explain::not_recorded(
            interp, name, &root,
        )));
    }
    let options = crate::autodiff::BackwardOptions {
        record_grads: true,
        span: root.span(),
        ..Default::default()
    };
    let steps = crate::autodiff::steps::backward_steps(&root, options, interp)
        .map_err(|e| crate::eval::errors::tensor_error(e, root.span(), &[]))?;
    Ok(backprop_steps(interp, &root, root.span(), &steps))
}
