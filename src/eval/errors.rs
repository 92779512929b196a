//! Runtime errors as diagnostics: tensor errors placed under the operands at fault.

use crate::autodiff::TensorError;
use crate::diagnostic::Diagnostic;
use crate::display::fmt_shape;
use crate::source::Span;

use super::value::Value;
use super::Flow;

/// Turns a tensor error into a report labelled under `span` (the operation), with
/// each operand's shape under that operand when known.
pub fn tensor_error(e: TensorError, span: Span, operands: &[(Span, Vec<usize>)]) -> Diagnostic {
    match e {
        TensorError::Shapes { message, .. } => {
            let mut d =
                Diagnostic::error(message).with_label(span, "the shapes do not fit together here");
            for (s, shape) in operands {
                d = d.with_label(*s, format!("this has shape {}", fmt_shape(shape)));
            }
            d
        }
        TensorError::Report(d) => *d,
        TensorError::TooLarge { .. } => Diagnostic::error(e.message())
            .with_label(span, "this tensor would be too large")
            .with_hint("the limit guards against running out of memory; use smaller sizes"),
        other => Diagnostic::error(other.message()).with_label(span, "here"),
    }
}

/// An error for a value of the wrong type.
pub fn type_error(what: &str, expected: &str, found: &str, span: Span) -> Diagnostic {
    let article = if found.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    Diagnostic::error(format!("{what} expects {expected}; found {found}"))
        .with_label(span, format!("this is {article} {found}"))
}

/// [`type_error`] as a [`Flow`], naming the type of the value `found`.
pub fn wrong_type(what: &str, expected: &str, found: &Value, span: Span) -> Flow {
    Flow::from(type_error(what, expected, found.type_name(), span))
}

/// "`message`; found a T" under `span` labelled "this is a T", T the type of `found`.
pub fn needs(message: &str, found: &Value, span: Span) -> Diagnostic {
    let t = found.type_name();
    Diagnostic::error(format!("{message}; found a {t}")).with_label(span, format!("this is a {t}"))
}

/// `message` under two labels, "this has shape ..." for each of two operands.
pub fn two_shapes(message: String, a: (Span, &[usize]), b: (Span, &[usize])) -> Diagnostic {
    Diagnostic::error(message)
        .with_label(a.0, format!("this has shape {}", fmt_shape(a.1)))
        .with_label(b.0, format!("this has shape {}", fmt_shape(b.1)))
}

/// The closest of `candidates` to `name`, for "did you mean" hints.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(name, c);
        // One edit per three characters (at least one): `weight` finds `weights`,
        // but `zz` does not find `f`.
        let limit = (name.len().max(c.len()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A refused read or write (the file gate's error) labelled at `span`, with the
/// allowed folders in the hint.
pub fn file_error(e: &crate::files::FileError, span: Span) -> Diagnostic {
    let label = match e {
        crate::files::FileError::Outside { .. } => "this path leaves the allowed folders",
        crate::files::FileError::Io { .. } => "this file",
    };
    let d = Diagnostic::error(e.message()).with_label(span, label);
    match e.hint() {
        Some(h) => d.with_hint(h),
        None => d,
    }
}
