//! What a value offers after a dot (SPEC §22): a tensor's attributes, then the builtins
//! that take a tensor first (`x.sum()` is `sum(x)`); a list's, a dict's, a string's
//! and an optimizer's members; an object's fields, then its methods; a module's names.
//! Completion in the REPL, the notebook and the editor reads these lists.

use super::builtins::{self, Builtin, Group, Pass};
use super::value::{Value, TENSOR_ATTRIBUTES};

/// The methods of a list (`xs.append(v)`, `xs.pop()`).
pub const LIST_METHODS: &[&str] = &["append", "pop"];

/// An optimizer's members, each with a line of help, in the order offered.
pub const OPTIMIZER_MEMBERS: &[(&str, &str)] = &[
    ("step", "opt.step(): one update of the parameters"),
    (
        "zero_grad",
        "opt.zero_grad(): clears the parameters' gradients",
    ),
    ("lr", "the learning rate (set_lr(opt, v) changes it)"),
];

/// Methods of a class that a user does not call by name after a dot.
pub fn is_hidden_method(name: &str) -> bool {
    matches!(name, "init" | "call" | "show")
}

/// True for a builtin whose first argument is a tensor, so that it reads as a method
/// of a tensor (`x.sum()`): not `gradcheck(f, ...)`, whose first is a function.
pub fn takes_a_tensor_first(row: &Builtin) -> bool {
    matches!(
        row.group,
        Group::Elementwise
            | Group::Reductions
            | Group::LinearAlgebra
            | Group::Shapes
            | Group::NeuralNets
            | Group::Autodiff
    ) && row
        .params
        .first()
        .is_some_and(|p| p.pass == Pass::Positional && p.name != "f")
}

/// The names a call of `row` takes as `name=`, in the signature's order; a method call
/// (`x.f(`) leaves out the first, which is the receiver.
pub fn keyword_names(row: &Builtin, method: bool) -> impl Iterator<Item = &'static str> + '_ {
    row.params
        .iter()
        .skip(usize::from(method))
        .filter(|p| !matches!(p.pass, Pass::Rest | Pass::KeywordRest))
        .map(|p| p.name)
}

/// A tensor's members: its attributes in their table's order (`grad` first), then the
/// builtins that take a tensor first, alphabetically; each name once.
pub fn tensor_members() -> Vec<String> {
    let mut methods: Vec<&str> = builtins::all()
        .iter()
        .filter(|b| takes_a_tensor_first(b) && !TENSOR_ATTRIBUTES.contains(&b.name))
        .map(|b| b.name)
        .collect();
    methods.sort_unstable();
    methods.dedup();
    TENSOR_ATTRIBUTES
        .iter()
        .chain(methods.iter())
        .map(|s| s.to_string())
        .collect()
}

/// The members `v` offers after a dot, in the order to offer them; `None` for a value
/// with none (a number, a function).
pub fn of_value(v: &Value) -> Option<Vec<String>> {
    let names = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
    Some(match v {
        Value::Tensor(_) => tensor_members(),
        Value::List(_) => names(LIST_METHODS),
        Value::Dict(_) => names(super::collections::DICT_METHODS),
        Value::Str(_) => names(super::collections::STRING_METHODS),
        Value::Optimizer(_) => OPTIMIZER_MEMBERS
            .iter()
            .map(|(m, _)| m.to_string())
            .collect(),
        Value::Object(o) => {
            let mut ms: Vec<String> = o.field_names().iter().map(|n| n.to_string()).collect();
            for (m, _) in &o.class.methods {
                if !is_hidden_method(m) && !ms.iter().any(|x| **x == **m) {
                    ms.push(m.to_string());
                }
            }
            ms
        }
        Value::Module(m) => {
            let mut ms: Vec<String> = m.env.names().iter().map(|n| n.to_string()).collect();
            ms.sort_unstable();
            ms.dedup();
            ms
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tensor_offers_its_attributes_first_then_its_methods_once() {
        let ms = tensor_members();
        assert_eq!(&ms[..TENSOR_ATTRIBUTES.len()], TENSOR_ATTRIBUTES);
        assert!(ms.iter().any(|m| m == "sum") && ms.iter().any(|m| m == "backward"));
        assert!(!ms.iter().any(|m| m == "zeros"), "creation is not a method");
        let mut sorted = ms.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), ms.len(), "each name once");
    }
}
