//! Reductions: sum, mean, max, min, prod and norm, over all axes or chosen ones.

use super::{Array, Op, Tensor, TensorError};
use ndarray::{Axis, Dimension, IxDyn};

/// The sum of every element, exactly as ndarray's `sum` adds them (same order,
/// same partial sums): for an array in standard layout, its eightfold unrolled
/// fold over the slice, written out here to skip ndarray's costlier layout test.
pub fn sum_all(data: &Array) -> f64 {
    let Some(mut xs) = super::elementwise::std_slice(data) else {
        return data.sum();
    };
    let mut acc = 0.0;
    let mut p = [0.0f64; 8];
    while xs.len() >= 8 {
        for (pi, &x) in p.iter_mut().zip(&xs[..8]) {
            *pi += x;
        }
        xs = &xs[8..];
    }
    acc += p[0] + p[4];
    acc += p[1] + p[5];
    acc += p[2] + p[6];
    acc += p[3] + p[7];
    for &x in xs {
        acc += x;
    }
    acc
}

/// Sums `data` over `axes` (all when `None`).
pub fn sum_array(data: &Array, axes: Option<&[usize]>, keepdim: bool) -> Array {
    let out = match axes {
        None => ndarray::arr0(sum_all(data)).into_dyn(),
        Some(axes) => {
            let mut sorted: Vec<usize> = axes.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            let mut r = data.clone();
            for &ax in sorted.iter().rev() {
                r = r.sum_axis(Axis(ax));
            }
            r
        }
    };
    if keepdim {
        keep_axes(out, data.ndim(), axes)
    } else {
        out
    }
}

/// Puts back reduced axes as size 1 (`keepdim=true`).
pub fn keep_axes(mut out: Array, ndim: usize, axes: Option<&[usize]>) -> Array {
    for ax in 0..ndim {
        if axes.is_none_or(|a| a.contains(&ax)) {
            out = out.insert_axis(Axis(ax));
        }
    }
    out
}

fn count(shape: &[usize], axes: Option<&[usize]>) -> usize {
    match axes {
        None => shape.iter().product(),
        Some(a) => shape
            .iter()
            .enumerate()
            .filter(|(i, _)| a.contains(i))
            .map(|(_, d)| *d)
            .product(),
    }
}

/// A 0-d tensor has one element and no axis: reducing "axis 0" (or -1) of it,
/// which PyTorch accepts, reduces everything and gives the value back.
fn axes_of(x: &Tensor, axes: Option<Vec<usize>>) -> Option<Vec<usize>> {
    if x.ndim() == 0 {
        None
    } else {
        axes
    }
}

pub fn sum(x: &Tensor, axes: Option<Vec<usize>>, keepdim: bool) -> Tensor {
    let axes = axes_of(x, axes);
    let data = sum_array(&x.data_ref(), axes.as_deref(), keepdim);
    Tensor::record(data, Op::Sum { axes, keepdim }, &[x])
}

pub fn mean(x: &Tensor, axes: Option<Vec<usize>>, keepdim: bool) -> Tensor {
    let axes = axes_of(x, axes);
    let d = x.data();
    let n = count(d.shape(), axes.as_deref()) as f64;
    let data = match axes {
        // The one value divided, rather than an array of it.
        None if !keepdim => ndarray::arr0(sum_all(&d) / n).into_dyn(),
        _ => sum_array(&d, axes.as_deref(), keepdim) / n,
    };
    Tensor::record(data, Op::Mean { axes, keepdim }, &[x])
}

fn fold_max(a: f64, b: f64, want_max: bool) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if want_max {
        a.max(b)
    } else {
        a.min(b)
    }
}

/// Full max or min; an error for an empty tensor, which has none.
pub fn extreme_all(x: &Tensor, want_max: bool) -> Result<Tensor, TensorError> {
    let d = x.data();
    let mut it = d.iter().copied();
    let Some(first) = it.next() else {
        return Err(TensorError::invalid(format!(
            "{} of an empty tensor has no value",
            if want_max { "max" } else { "min" }
        )));
    };
    let v = it.fold(first, |acc, v| fold_max(acc, v, want_max));
    let op = if want_max { Op::MaxAll } else { Op::MinAll };
    Ok(Tensor::record(ndarray::arr0(v).into_dyn(), op, &[x]))
}

/// The position of the max (or min) along `axis` for every other index, first on ties.
pub fn arg_extreme(data: &Array, axis: usize, want_max: bool) -> Result<Array, TensorError> {
    if data.ndim() == 0 {
        return Ok(ndarray::arr0(0.0).into_dyn());
    }
    if data.shape().get(axis).copied().unwrap_or(0) == 0 {
        return Err(TensorError::invalid(
            "argmax/argmin of an empty axis has no value",
        ));
    }
    Ok(data.map_axis(Axis(axis), |lane| {
        let mut best = 0usize;
        let mut best_v = f64::NAN;
        for (i, &v) in lane.iter().enumerate() {
            let better = if i == 0 || v.is_nan() && !best_v.is_nan() {
                true
            } else if best_v.is_nan() {
                false
            } else if want_max {
                v > best_v
            } else {
                v < best_v
            };
            if better {
                best = i;
                best_v = v;
            }
        }
        best as f64
    }))
}

pub fn extreme_axis(
    x: &Tensor,
    axis: usize,
    keepdim: bool,
    want_max: bool,
) -> Result<Tensor, TensorError> {
    if x.ndim() == 0 {
        return extreme_all(x, want_max);
    }
    let d = x.data();
    let idx = arg_extreme(&d, axis, want_max)?;
    let mut values = idx.clone();
    for (pos, v) in values.indexed_iter_mut() {
        let mut full: Vec<usize> = pos.slice().to_vec();
        full.insert(axis, *v as usize);
        *v = d.get(IxDyn(&full)).copied().unwrap_or(f64::NAN);
    }
    if keepdim {
        values = values.insert_axis(Axis(axis));
    }
    let op = if want_max {
        Op::MaxAxis { axis, keepdim }
    } else {
        Op::MinAxis { axis, keepdim }
    };
    Ok(Tensor::record(values, op, &[x]))
}

pub fn prod(x: &Tensor, axis: Option<usize>, keepdim: bool) -> Tensor {
    let axis = axis.filter(|_| x.ndim() > 0);
    let d = x.data();
    let data = match axis {
        None => {
            let p = ndarray::arr0(d.product()).into_dyn();
            if keepdim {
                keep_axes(p, d.ndim(), None)
            } else {
                p
            }
        }
        Some(ax) => {
            let p = d.map_axis(Axis(ax), |lane| lane.product());
            if keepdim {
                p.insert_axis(Axis(ax))
            } else {
                p
            }
        }
    };
    Tensor::record(data, Op::Prod { axis, keepdim }, &[x])
}

/// The L2 norm of all elements.
pub fn norm(x: &Tensor) -> Tensor {
    let n = x.data_ref().iter().map(|v| v * v).sum::<f64>().sqrt();
    Tensor::record(ndarray::arr0(n).into_dyn(), Op::Norm, &[x])
}
