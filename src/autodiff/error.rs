//! Errors of tensor operations, as data; the evaluator turns them into spanned reports.

use crate::display::fmt_shape;
use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub enum TensorError {
    /// Operand shapes that do not fit together, e.g. broadcasting `[2, 3]` with `[4]`.
    Shapes { message: String },
    /// An argument outside what the operation accepts (an axis, a size, an index).
    Invalid(String),
    /// A tensor larger than the element limit.
    TooLarge { elements: u128, limit: usize },
    /// `backward` through a graph that an earlier `backward` freed.
    Freed { freed_by: Span, node_span: Span },
    /// `backward` of a tensor that does not require grad.
    NoGrad,
    /// A backward pass that reached an operation without a derivative (`//`, as
    /// PyTorch's `NotImplemented` node), recorded at `span`.
    NoDerivative { op: &'static str, span: Span },
    /// A second derivative of an operation whose graph was freed, or similar misuse.
    Other(String),
    /// A report made by user code that backward ran (a backward clause, a hook).
    Report(Box<crate::diagnostic::Diagnostic>),
}

impl TensorError {
    pub fn invalid(message: impl Into<String>) -> TensorError {
        TensorError::Invalid(message.into())
    }

    pub fn shapes(op: &'static str, a: &[usize], b: &[usize]) -> TensorError {
        TensorError::Shapes {
            message: format!(
                "{op}: shapes {} and {} cannot be broadcast together",
                fmt_shape(a),
                fmt_shape(b)
            ),
        }
    }

    /// A short, lowercase description.
    pub fn message(&self) -> String {
        match self {
            TensorError::Shapes { message, .. } => message.clone(),
            TensorError::Invalid(m) | TensorError::Other(m) => m.clone(),
            TensorError::TooLarge { elements, limit } => format!(
                "a tensor of {elements} elements is larger than the limit of {limit} elements"
            ),
            TensorError::Freed { .. } => {
                "backward through a graph that was already freed".to_string()
            }
            TensorError::NoGrad => "backward of a tensor that does not require grad".to_string(),
            TensorError::NoDerivative { op, .. } => {
                format!("the derivative of {op} is not implemented (as in PyTorch)")
            }
            TensorError::Report(d) => d.message.clone(),
        }
    }
}
