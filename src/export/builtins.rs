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
    pub returns: Ty,
    /// How its call is written inline, as its PyTorch call.
    pub inline: Inline,
    /// An argument of unknown type is taken to be a tensor.
    pub tensor_only: bool,
}

/// The export mapping of the builtin `name`, from its row of the builtin table.
pub fn mapping(name: &str) -> Option<Mapping> {
    crate::eval::builtins::lookup(name).map(|b| Mapping {
        name: b.name,
        returns: ty_of(b.returns),
        inline: b.inline,
        tensor_only: b.tensor_only,
    })
}

/// A row's return kind as a static type.
fn ty_of(r: Returns) -> Ty {
    match r {
        Returns::Int => Ty::Int,
        Returns::Num => Ty::Num,
        Returns::Bool => Ty::Bool,
        Returns::Str => Ty::Str,
        Returns::Tensor => Ty::Tensor,
        Returns::Tuple => Ty::Tuple,
        Returns::List => Ty::List,
        Returns::Nothing => Ty::None,
        Returns::Unknown => Ty::Unknown,
    }
}

/// The PyTorch equivalent of the builtin `name`, from its row of the builtin table.
pub fn pytorch(name: &str) -> Option<&'static str> {
    crate::eval::builtins::lookup(name).map(|b| b.torch)
}
