//! What the translator reads from each builtin's row of the builtin table (SPEC §12):
//! what it returns, for the static types, how its call is written inline (the row's
//! [`Inline`], read by `call.rs`), and its PyTorch equivalent ([`pytorch`], the row's
//! `torch` field). The runtime's function is in `header.py`.

use super::types::Ty;
use crate::eval::builtins::Inline;
use crate::eval::value::Returns;

/// How one builtin is exported.
#[derive(Clone, Copy, Debug)]
pub struct Mapping {
    pub name: &'static str,
    /// What the builtin returns, as far as known.
    pub returns: Returns,
    /// How its call is written inline, as its PyTorch call.
    pub inline: Inline,
    /// An argument of unknown type is taken to be a tensor.
    pub tensor_only: bool,
}

/// The export mapping of the builtin `name`, from its row of the builtin table.
pub fn mapping(name: &str) -> Option<Mapping> {
    crate::eval::builtins::lookup(name).map(|b| Mapping {
        name: b.name,
        returns: b.returns,
        inline: b.inline,
        tensor_only: b.tensor_only,
    })
}

/// A row's return kind as a static type, given `arg(i, name)`: the static type
/// of the call's argument at position `i` (or, given a name, passed by that name).
pub fn ty_of(r: Returns, arg: impl Fn(usize, Option<&'static str>) -> Ty) -> Ty {
    match r {
        Returns::Int => Ty::Int,
        Returns::Num => Ty::Num,
        Returns::Bool => Ty::Bool,
        Returns::Str => Ty::Str,
        Returns::Tensor => Ty::Tensor,
        Returns::Tuple => Ty::Tuple,
        Returns::List => Ty::List,
        Returns::Nothing => Ty::None,
        Returns::LikeFirst => match arg(0, None) {
            Ty::Tensor => Ty::Tensor,
            Ty::Int | Ty::Num => Ty::Num,
            _ => Ty::Unknown,
        },
        Returns::Arithmetic => Ty::arith(arg(0, None), arg(1, None), false),
        Returns::LikeArg(pos, name) => match arg(pos, Some(name)) {
            t @ (Ty::Tensor | Ty::Tuple) => t,
            _ => Ty::Unknown,
        },
        Returns::Unknown => Ty::Unknown,
    }
}

/// The PyTorch equivalent of the builtin `name`, from its row of the builtin table.
pub fn pytorch(name: &str) -> Option<&'static str> {
    crate::eval::builtins::lookup(name).map(|b| b.torch)
}

#[cfg(test)]
mod tests {
    use crate::eval::builtins::{all, Inline};

    /// The Python function an inline call names, as the row's `torch` field spells it.
    fn function(inline: Inline) -> Option<String> {
        let f = match inline {
            Inline::Runtime | Inline::Operator(_) | Inline::Special => return None,
            // the runtime's generator (bp's samples), not torch's
            Inline::Create(f) if f.starts_with("bp.") => return None,
            Inline::Method(m) | Inline::ListMethod { m, .. } => return Some(format!(".{m}(")),
            Inline::Create(f)
            | Inline::Like(f)
            | Inline::Call(f)
            | Inline::Optional { f, .. }
            | Inline::Keywords(f)
            | Inline::Pair(f)
            | Inline::Reduce { f, .. }
            | Inline::Axes(f)
            | Inline::Reshape(f)
            | Inline::Axis(f)
            | Inline::Dim { f, .. }
            | Inline::Join(f)
            | Inline::Loss { f, .. }
            | Inline::Params { f, .. }
            | Inline::Python(f) => f,
        };
        Some(format!("{}(", f.replace("F.", "torch.nn.functional.")))
    }

    #[test]
    fn each_inline_call_is_the_pytorch_call_its_row_names() {
        for row in all() {
            if let Some(f) = function(row.inline) {
                assert!(
                    row.torch.contains(&f),
                    "{}: export writes {f} but the row's torch is {}",
                    row.name,
                    row.torch
                );
            }
            // Only an inline call reads `tensor_only`.
            assert!(
                !row.tensor_only || row.inline != Inline::Runtime,
                "{} is tensor_only but has no inline call",
                row.name
            );
        }
    }
}
