//! Shape arithmetic: broadcasting, axes, and overflow-safe sizes.

use super::TensorError;
use std::cell::Cell;

thread_local! {
    static ELEMENT_LIMIT: Cell<usize> = const { Cell::new(DEFAULT_ELEMENT_LIMIT) };
}

/// The default largest tensor: 2^28 elements (2 GiB of f64).
pub const DEFAULT_ELEMENT_LIMIT: usize = 1 << 28;

pub fn element_limit() -> usize {
    ELEMENT_LIMIT.with(|l| l.get())
}

pub fn set_element_limit(limit: usize) {
    ELEMENT_LIMIT.with(|l| l.set(limit));
}

/// The number of elements of `shape`, or an error past the element limit
/// (computed without overflow). Every array bp builds from a shape it did not
/// take from an existing array goes through here first.
///
/// An empty shape whose other axes are huge (`zeros(1e5, 1e5, 0, 1e5, 1e5)`)
/// holds nothing, but ndarray refuses (panics on) any shape whose non-zero axis
/// lengths multiply past `isize::MAX`, so that is an error too.
pub fn checked_numel(shape: &[usize]) -> Result<usize, TensorError> {
    let limit = element_limit();
    // Up to three axes below 2^16 each cannot overflow, nor pass isize::MAX:
    // the product alone decides (the common case, without 128-bit arithmetic).
    if shape.len() <= 3 && shape.iter().all(|&d| d < 1 << 16) {
        let n: usize = shape.iter().product();
        if n <= limit {
            return Ok(n);
        }
    }
    let mut n: u128 = 1;
    let mut nonzero: u128 = 1;
    for &d in shape {
        n = n.saturating_mul(d as u128);
        if d != 0 {
            nonzero = nonzero.saturating_mul(d as u128);
        }
    }
    if n > limit as u128 {
        return Err(TensorError::TooLarge { elements: n, limit });
    }
    if nonzero > isize::MAX as u128 {
        return Err(TensorError::invalid(format!(
            "the shape {} is too large: the product of its non-zero sizes is {nonzero}, \
             past the largest a tensor can have ({})",
            crate::display::fmt_shape(shape),
            isize::MAX
        )));
    }
    Ok(n as usize)
}

/// Checks the result of reducing `axes` (all when `None`) of `shape`: reducing
/// an empty axis of `zeros(0, 1e5, 1e5)` would make 1e10 elements.
pub fn check_reduced(
    shape: &[usize],
    axes: Option<&[usize]>,
    keepdim: bool,
) -> Result<(), TensorError> {
    checked_numel(&reduced_shape(shape, axes, keepdim)).map(|_| ())
}

/// NumPy's broadcasting: align from the right; sizes must be equal or 1.
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i < n - a.len() {
            1
        } else {
            a[i - (n - a.len())]
        };
        let db = if i < n - b.len() {
            1
        } else {
            b[i - (n - b.len())]
        };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return None;
        };
    }
    Some(out)
}

/// A possibly negative axis of a tensor of `ndim` dimensions, made non-negative.
pub fn normalize_axis(axis: i64, ndim: usize) -> Result<usize, TensorError> {
    // A 0-d tensor accepts 0 and -1, as in PyTorch.
    let n = ndim.max(1) as i64;
    let a = if axis < 0 {
        axis.saturating_add(n)
    } else {
        axis
    };
    if a < 0 || a >= n {
        return Err(TensorError::invalid(format!(
            "axis {axis} is out of range for a tensor of {}",
            crate::display::count(ndim, "dimension")
        )));
    }
    Ok(a as usize)
}

/// The shape after reducing `axes` (all when `None`), keeping them as 1 or not.
pub fn reduced_shape(shape: &[usize], axes: Option<&[usize]>, keepdim: bool) -> Vec<usize> {
    let mut out = Vec::with_capacity(shape.len());
    for (i, &d) in shape.iter().enumerate() {
        let reduced = axes.is_none_or(|a| a.contains(&i));
        if !reduced {
            out.push(d);
        } else if keepdim {
            out.push(1);
        }
    }
    out
}
