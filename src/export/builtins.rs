//! What the translator reads from each builtin's row of the builtin table (SPEC §12):
//! what it returns, for the static types, and its PyTorch equivalent ([`pytorch`],
//! the row's `torch` field). The exported call is written in `call.rs` and the
//! runtime's function in `header.py`.

use super::types::Ty;
use crate::eval::value::Returns;

/// How one builtin is exported.
#[derive(Clone, Copy, Debug)]
pub struct Mapping {
    pub name: &'static str,
    /// What the builtin returns, as far as known.
    pub returns: Ty,
}

/// The export mapping of the builtin `name`, from its row of the builtin table.
pub fn mapping(name: &str) -> Option<Mapping> {
    crate::eval::builtins::lookup(name).map(|b| Mapping {
        name: b.name,
        returns: ty_of(b.returns),
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
