//! What the static checks, hover and completion need to know about a builtin,
//! read through one thin adapter over the builtin table (`eval::builtins`).
//!
//! The table's rows carry the name and a one-line signature. Until they also
//! declare their parameters (SPEC §12), the accepted arities and keywords below
//! mirror the `Args::expect` call at the top of each builtin; when the rows
//! declare them, [`info`] reads them from there and this list goes.

use crate::eval::builtins;

/// How a builtin may be called: positional counts and accepted keywords.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arity {
    pub min: usize,
    /// `None`: any number (`print(a, b, ...)`, `zeros(2, 3, 4)`).
    pub max: Option<usize>,
    pub keywords: Vec<&'static str>,
}

/// One builtin as the editor and the checker see it.
#[derive(Clone, Debug)]
pub struct BuiltinInfo {
    pub name: &'static str,
    /// The signature line shown by hover and completion.
    pub signature: &'static str,
    pub arity: Option<Arity>,
}

const MANY: Option<usize> = None;

/// (name, min, max, keywords), from each builtin's `Args::expect`.
const ARITIES: &[(&str, usize, Option<usize>, &[&str])] = &[
    ("zeros", 0, MANY, &["grad"]),
    ("ones", 0, MANY, &["grad"]),
    ("full", 0, MANY, &["grad", "value"]),
    ("eye", 1, Some(1), &["grad"]),
    ("arange", 1, Some(3), &["grad", "step"]),
    ("linspace", 3, Some(3), &["grad"]),
    ("rand", 0, MANY, &["grad"]),
    ("randn", 0, MANY, &["grad"]),
    ("tensor", 1, Some(1), &["grad"]),
    ("zeros_like", 1, Some(1), &["grad"]),
    ("ones_like", 1, Some(1), &["grad"]),
    ("seed", 1, Some(1), &[]),
    ("exp", 1, Some(1), &[]),
    ("log", 1, Some(1), &[]),
    ("sqrt", 1, Some(1), &[]),
    ("abs", 1, Some(1), &[]),
    ("sin", 1, Some(1), &[]),
    ("cos", 1, Some(1), &[]),
    ("tanh", 1, Some(1), &[]),
    ("sigmoid", 1, Some(1), &[]),
    ("relu", 1, Some(1), &[]),
    ("softplus", 1, Some(1), &[]),
    ("sign", 1, Some(1), &[]),
    ("leaky_relu", 1, Some(2), &["slope"]),
    ("clamp", 1, Some(3), &["min", "max"]),
    ("pow", 2, Some(2), &[]),
    ("maximum", 2, Some(2), &[]),
    ("minimum", 2, Some(2), &[]),
    ("where", 3, Some(3), &[]),
    ("sum", 1, Some(2), &["axis", "keepdim"]),
    ("mean", 1, Some(2), &["axis", "keepdim"]),
    ("max", 1, Some(2), &["axis", "keepdim"]),
    ("min", 1, Some(2), &["axis", "keepdim"]),
    ("prod", 1, Some(2), &["axis", "keepdim"]),
    ("norm", 1, Some(1), &[]),
    ("argmax", 1, Some(2), &["axis", "keepdim"]),
    ("argmin", 1, Some(2), &["axis", "keepdim"]),
    ("matmul", 2, Some(2), &[]),
    ("transpose", 1, Some(3), &["a", "b"]),
    ("outer", 2, Some(2), &[]),
    ("reshape", 2, MANY, &[]),
    ("flatten", 1, Some(1), &[]),
    ("squeeze", 1, Some(2), &["axis"]),
    ("unsqueeze", 2, Some(2), &["axis"]),
    ("concat", 1, Some(2), &["axis"]),
    ("stack", 1, Some(2), &["axis"]),
    ("shape", 1, Some(1), &[]),
    ("numel", 1, Some(1), &[]),
    ("len", 1, Some(1), &[]),
    ("softmax", 1, Some(2), &["axis"]),
    ("log_softmax", 1, Some(2), &["axis"]),
    ("mse_loss", 2, Some(2), &[]),
    ("cross_entropy", 2, Some(2), &[]),
    ("binary_cross_entropy", 2, Some(2), &[]),
    (
        "backward",
        1,
        Some(2),
        &["v", "retain_graph", "create_graph"],
    ),
    (
        "grad",
        2,
        Some(3),
        &["v", "retain_graph", "create_graph", "allow_unused"],
    ),
    ("zero_grad", 0, MANY, &[]),
    ("detach", 1, Some(1), &[]),
    ("retain_grad", 1, Some(1), &[]),
    ("clip_grad_norm", 2, Some(2), &["max_norm"]),
    ("clip_grad_value", 2, Some(2), &["clip"]),
    ("gradcheck", 2, MANY, &["eps", "atol", "rtol"]),
    ("item", 1, Some(1), &[]),
    ("range", 1, Some(3), &[]),
    ("time", 0, Some(0), &[]),
    ("round", 1, Some(2), &["n"]),
    ("list", 0, Some(1), &[]),
    ("append", 2, Some(2), &[]),
    ("pop", 1, Some(2), &[]),
    ("str", 1, Some(1), &[]),
    ("nonzero", 1, Some(1), &[]),
    ("print", 0, MANY, &[]),
    ("plot", 1, Some(2), &["title", "file"]),
    ("assert", 1, Some(2), &["message"]),
    ("assert_close", 2, Some(4), &["atol", "rtol"]),
    ("gradflow", 0, Some(0), &[]),
];

/// The arity of builtin `name`. Its keywords also take every `name=` of its
/// signature line (and the bare `grad` flag), so that a keyword added to a row is
/// accepted here at once.
fn arity(name: &str, signature: &'static str) -> Option<Arity> {
    let &(_, min, max, listed) = ARITIES.iter().find(|(n, ..)| *n == name)?;
    let mut keywords = listed.to_vec();
    for alternative in signature.split(" / ") {
        let Some(inside) = alternative
            .split_once('(')
            .and_then(|(_, rest)| rest.split_once(')'))
            .map(|(inside, _)| inside)
        else {
            continue;
        };
        for p in inside.split(',').map(str::trim) {
            let k = match p.split_once('=') {
                Some((k, _)) => k.trim(),
                None if p == "grad" => p,
                None => continue,
            };
            if !k.is_empty() && !keywords.contains(&k) {
                keywords.push(k);
            }
        }
    }
    Some(Arity { min, max, keywords })
}

/// The builtin called `name`, if there is one.
pub fn info(name: &str) -> Option<BuiltinInfo> {
    builtins::lookup(name).map(|b| BuiltinInfo {
        name: b.name,
        signature: b.signature,
        arity: arity(b.name, b.signature),
    })
}

/// Every builtin, in the table's order (by group).
pub fn all() -> impl Iterator<Item = BuiltinInfo> {
    builtins::all().iter().filter_map(|b| info(b.name))
}
