//! The builtin functions, by group; `table.rs` holds their one table (SPEC §12).

mod autograd;
mod collections;
mod course;
mod create;
mod data;
pub mod help;
pub(crate) mod hooks;
mod lang;
mod math;
mod optimizers;
pub(crate) use optimizers::optimizer_method;
mod output;
mod pictures;
mod table;
mod transforms;

use crate::fast_hash::FastMap;
use std::sync::OnceLock;
use table::BUILTINS;

pub use super::value::{Builtin, BuiltinFn, Group, Inline, Param, ParamDefault, Pass};

fn by_name() -> &'static FastMap<&'static str, &'static Builtin> {
    static MAP: OnceLock<FastMap<&'static str, &'static Builtin>> = OnceLock::new();
    MAP.get_or_init(|| BUILTINS.iter().map(|b| (b.name, b)).collect())
}

pub fn lookup(name: &str) -> Option<&'static Builtin> {
    by_name().get(name).copied()
}

/// Every builtin's name, in table order.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|b| b.name)
}

/// Every row of the table, in order (by group).
pub fn all() -> &'static [Builtin] {
    BUILTINS
}

/// The rows of one group, in table order.
pub fn group(g: Group) -> impl Iterator<Item = &'static Builtin> {
    BUILTINS.iter().filter(move |b| b.group == g)
}
