//! What the translator knows statically about a value: enough to call PyTorch directly
//! where an argument is surely a tensor, and to leave whole numbers as Python ints.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// A whole number (a Python `int`: literals, `len`, loop counters over `range`).
    Int,
    /// Any number (a Python `float` or `int`).
    Num,
    Bool,
    Str,
    Tensor,
    Tuple,
    Func,
    List,
    /// An imported module (`nn.linear(x)` calls its function).
    Module,
    None,
    /// Not known statically.
    Unknown,
}

impl Ty {
    /// The type of a name bound to values of both types.
    pub fn join(self, other: Ty) -> Ty {
        match (self, other) {
            (a, b) if a == b => a,
            (Ty::Int, Ty::Num) | (Ty::Num, Ty::Int) => Ty::Num,
            _ => Ty::Unknown,
        }
    }

    pub fn is_number(self) -> bool {
        matches!(self, Ty::Int | Ty::Num)
    }

    /// The type of `a op b` for arithmetic operators.
    pub fn arith(a: Ty, b: Ty, op_keeps_ints: bool) -> Ty {
        match (a, b) {
            (Ty::Tensor, _) | (_, Ty::Tensor) => Ty::Tensor,
            (Ty::Int, Ty::Int) if op_keeps_ints => Ty::Int,
            (x, y) if x.is_number() && y.is_number() => Ty::Num,
            _ => Ty::Unknown,
        }
    }
}
