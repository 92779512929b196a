//! PyTorch's vocabulary where bp spells it differently: the hints that an unknown
//! name, method or attribute gets when a PyTorch user types it (SPEC §13).

/// Modules a PyTorch script reaches through (`torch.ones`, `F.relu`, `np.array`).
const FOREIGN_MODULES: &[&str] = &["torch", "nn", "F", "np", "numpy", "optim"];

/// `x.NAME(...)` in PyTorch, and bp's spelling.
const METHODS: &[(&str, &str)] = &[
    (
        "zero_",
        "bp writes `x.grad.zero_()` as `zero_grad(x)`, which sets `x.grad` back to none",
    ),
    ("size", "bp writes `x.size()` as `x.shape` (a tuple)"),
    (
        "numpy",
        "bp writes `x.numpy()` as `list(x)` (the first-axis slices), or `item(x)` for one element",
    ),
    (
        "tolist",
        "bp writes `x.tolist()` as `list(x)` (the first-axis slices), or `item(x)` for one element",
    ),
    ("view", "bp writes `x.view(shape)` as `reshape(x, shape)`"),
    ("t", "bp writes `x.t()` as `x.T`"),
    ("dim", "bp writes `x.dim()` as `x.ndim`"),
    ("float", "bp tensors are always float64: no conversion is needed"),
    ("double", "bp tensors are always float64: no conversion is needed"),
    ("to", "bp runs on the CPU in float64: no device or dtype moves are needed"),
    ("cuda", "bp runs on the CPU: no device moves are needed"),
    ("cpu", "bp runs on the CPU: no device moves are needed"),
    ("detach_", "bp writes `x.detach_()` as `x = detach(x)`"),
    ("add_", "bp updates in place with `x += v` (inside `no_grad { ... }` for a leaf that requires grad)"),
    ("sub_", "bp updates in place with `x -= v` (inside `no_grad { ... }` for a leaf that requires grad)"),
    ("mul_", "bp updates in place with `x *= v` (inside `no_grad { ... }` for a leaf that requires grad)"),
    ("div_", "bp updates in place with `x /= v` (inside `no_grad { ... }` for a leaf that requires grad)"),
    ("copy_", "bp writes into a tensor with `x[:] = v`"),
    ("fill_", "bp writes into a tensor with `x[:] = v`"),
    ("cat", "bp writes `torch.cat` as `concat(tensors, axis=0)`"),
    ("permute", "bp writes `x.permute(...)` as `transpose(x, a, b)` or `x.T`"),
    ("mm", "bp writes `a.mm(b)` as `a @ b`"),
    ("dot", "bp writes `a.dot(b)` as `a @ b` (1-d · 1-d gives a 0-d tensor)"),
    ("manual_seed", "bp writes `torch.manual_seed(n)` as `seed(n)`"),
    ("no_grad", "bp writes `with torch.no_grad():` as `no_grad { ... }`"),
    ("randint", "bp draws random indices with `randperm(n)[:k]`"),
    ("append", "`append` adds to a list: make one with `list()`"),
    ("pop", "`pop` removes from a list: make one with `list()`"),
];

/// `x.NAME` in PyTorch, and bp's spelling.
const ATTRIBUTES: &[(&str, &str)] = &[
    ("size", "bp writes `x.size()` as `x.shape` (a tuple)"),
    ("dtype", "bp tensors are always float64"),
    ("device", "bp runs on the CPU"),
    (
        "grad_fn",
        "bp shows a result's operation as `grad_fn=<...>` when it is printed; `:tape NAME` in the REPL lists the recorded operations",
    ),
];

/// Names PyTorch (or Python) uses that bp spells differently.
const NAMES: &[(&str, &str)] = &[
    ("True", "bp writes `True` as `true`"),
    ("False", "bp writes `False` as `false`"),
    ("None", "bp writes `None` as `none`"),
    (
        "torch",
        "bp needs no `torch.` prefix: its builtins (`ones`, `tensor`, `zeros`, …) are always there",
    ),
    (
        "np",
        "bp needs no numpy: tensors and their builtins are always there",
    ),
    (
        "numpy",
        "bp needs no numpy: tensors and their builtins are always there",
    ),
    ("cat", "bp writes `torch.cat` as `concat(tensors, axis=0)`"),
    (
        "manual_seed",
        "bp writes `torch.manual_seed(n)` as `seed(n)`",
    ),
    (
        "self",
        "bp has no classes: keep parameters in a list or a module (`import \"layers.bp\" as nn`)",
    ),
];

fn find(table: &[(&str, &'static str)], name: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == name).map(|(_, h)| *h)
}

/// The hint for `x.NAME(...)` when bp has no function `NAME`.
pub fn method_hint(name: &str) -> Option<&'static str> {
    find(METHODS, name)
}

/// The hint for `x.NAME` when a value has no attribute `NAME`.
pub fn attribute_hint(name: &str) -> Option<&'static str> {
    find(ATTRIBUTES, name)
}

/// The hint for an unknown name.
pub fn name_hint(name: &str) -> Option<&'static str> {
    find(NAMES, name)
}

/// Whether `name` is a PyTorch-side module (`torch`, `F`, `np`…).
pub fn is_foreign_module(name: &str) -> bool {
    FOREIGN_MODULES.contains(&name)
}

/// The hint for `torch.NAME`: bp's builtin of the same name, or bp's spelling.
pub fn foreign_member_hint(module: &str, member: &str, bp_has_it: bool) -> String {
    if bp_has_it {
        format!("bp's builtins need no `{module}.` prefix: write `{member}(...)`")
    } else if let Some(h) = method_hint(member) {
        h.to_string()
    } else {
        format!("bp has no `{module}` module; its builtins need no prefix (see `:help`)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spellings_of_spec_13_have_hints() {
        assert!(method_hint("zero_").is_some_and(|h| h.contains("zero_grad(x)")));
        assert!(method_hint("size").is_some_and(|h| h.contains("x.shape")));
        assert!(method_hint("numpy").is_some_and(|h| h.contains("list(x)")));
        assert!(method_hint("tolist").is_some_and(|h| h.contains("list(x)")));
        assert!(foreign_member_hint("torch", "ones", true).contains("`ones(...)`"));
        assert!(method_hint("no_grad").is_some_and(|h| h.contains("no_grad { ... }")));
        assert!(method_hint("sum").is_none());
    }
}
