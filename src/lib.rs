//! bp: a small differentiable scripting language with PyTorch's autograd semantics.

pub mod autodiff;
pub mod diagnostic;
pub mod display;
pub mod plot;
pub mod source;
pub mod syntax;
