//! Operations that move elements without computing: reshape, transpose, broadcast,
//! indexing, concatenation.

use super::op::IndexItem;
use super::reduce::sum_array;
use super::shape::checked_numel;
use super::{Array, Op, Tensor, TensorError};
use crate::display::fmt_shape;
use ndarray::{ArrayD, Axis, IxDyn, SliceInfo, SliceInfoElem};
use std::rc::Rc;

/// `data` with a new shape of the same number of elements, in row-major order.
pub fn reshape_array(data: &Array, shape: &[usize]) -> Result<Array, TensorError> {
    if checked_numel(shape)? != data.len() {
        return Err(TensorError::invalid(format!(
            "cannot reshape a tensor of shape {} ({}) into shape {}",
            fmt_shape(data.shape()),
            crate::display::count(data.len(), "element"),
            fmt_shape(shape)
        )));
    }
    let flat: Vec<f64> = if data.is_standard_layout() {
        data.as_slice()
            .map(|s| s.to_vec())
            .unwrap_or_else(|| data.iter().copied().collect())
    } else {
        data.iter().copied().collect()
    };
    ArrayD::from_shape_vec(IxDyn(shape), flat).map_err(|e| TensorError::invalid(e.to_string()))
}

pub fn reshape(x: &Tensor, shape: &[usize]) -> Result<Tensor, TensorError> {
    if x.data_ref().shape() == shape {
        // Still a node, so that the graph shows the step the user wrote.
        let data = x.data_ref().as_ref().clone();
        return Ok(Tensor::record(data, Op::Reshape, &[x]));
    }
    let data = reshape_array(&x.data_ref(), shape)?;
    Ok(Tensor::record(data, Op::Reshape, &[x]))
}

/// Reorders the axes: axis `i` of the result is axis `perm[i]` of `x`.
pub fn permute(x: &Tensor, perm: &[usize]) -> Result<Tensor, TensorError> {
    let d = x.data();
    let mut seen = vec![false; d.ndim()];
    if perm.len() != d.ndim()
        || perm
            .iter()
            .any(|&p| p >= d.ndim() || std::mem::replace(&mut seen[p], true))
    {
        return Err(TensorError::invalid(format!(
            "transpose: {perm:?} is not a permutation of the axes of a tensor of shape {}",
            fmt_shape(d.shape())
        )));
    }
    // The same elements with reordered strides: a plain copy (or none, when the
    // data is not shared), not a transposing one. The matrix product reads any
    // strides, so the transposes in matmul's backward cost next to nothing.
    let data = Rc::try_unwrap(d)
        .unwrap_or_else(|shared| shared.as_ref().clone())
        .permuted_axes(IxDyn(perm));
    Ok(Tensor::record_with(
        data,
        || Op::Permute(perm.to_vec()),
        &[x],
    ))
}

/// Swaps two axes.
pub fn swap_axes(x: &Tensor, a: usize, b: usize) -> Result<Tensor, TensorError> {
    let mut perm: Vec<usize> = (0..x.ndim()).collect();
    if a >= perm.len() || b >= perm.len() {
        return Err(TensorError::invalid("transpose: axis out of range"));
    }
    perm.swap(a, b);
    permute(x, &perm)
}

/// `x` repeated along new leading axes and size-1 axes to `shape`.
pub fn broadcast_to(x: &Tensor, shape: &[usize]) -> Result<Tensor, TensorError> {
    if x.data_ref().shape() == shape {
        return Ok(x.clone());
    }
    checked_numel(shape)?;
    if let Some(v) = x.item() {
        // One value (the gradient of a full reduction): fill, no broadcast view.
        let data = super::elementwise::filled(shape, v);
        return Ok(Tensor::record_with(
            data,
            || Op::BroadcastTo(shape.to_vec()),
            &[x],
        ));
    }
    let data = x
        .data_ref()
        .broadcast(IxDyn(shape))
        .map(|v| v.to_owned())
        .ok_or_else(|| TensorError::shapes("broadcast", &x.shape(), shape))?;
    Ok(Tensor::record_with(
        data,
        || Op::BroadcastTo(shape.to_vec()),
        &[x],
    ))
}

/// The axes to sum so that an array of shape `from` becomes `to` (which broadcasts to `from`):
/// the leading axes `from` has more of, and axes where `to` has 1; returned as
/// (axes to sum with keepdim, number of leading axes to drop).
fn sum_to_axes(from: &[usize], to: &[usize]) -> (Vec<usize>, usize) {
    let lead = from.len().saturating_sub(to.len());
    let mut axes: Vec<usize> = (0..lead).collect();
    for (i, &t) in to.iter().enumerate() {
        if t == 1 && from.get(lead + i).copied() != Some(1) {
            axes.push(lead + i);
        }
    }
    (axes, lead)
}

/// Sums `data` down to `shape` (the reverse of broadcasting).
pub fn sum_to_array(data: &Array, shape: &[usize]) -> Result<Array, TensorError> {
    if shape.iter().product::<usize>() == 1 && shape.len() <= data.ndim() {
        return Ok(super::elementwise::filled(
            shape,
            super::reduce::sum_all(data),
        ));
    }
    let (axes, lead) = sum_to_axes(data.shape(), shape);
    let summed = sum_array(data, Some(&axes), true);
    let mut out = summed;
    for _ in 0..lead {
        out = out.index_axis_move(Axis(0), 0);
    }
    if out.shape() != shape {
        return Err(TensorError::shapes("sum to shape", data.shape(), shape));
    }
    Ok(out)
}

/// Sums `x` down to `shape`: the gradient of a broadcast input.
pub fn sum_to(x: &Tensor, shape: &[usize]) -> Result<Tensor, TensorError> {
    if x.data_ref().shape() == shape {
        return Ok(x.clone());
    }
    let data = sum_to_array(&x.data_ref(), shape)?;
    Ok(Tensor::record_with(
        data,
        || Op::SumTo(shape.to_vec()),
        &[x],
    ))
}

/// The ndarray slice for `items` over a tensor of `ndim` axes (axes past the
/// items are taken whole).
fn slice_info(
    items: &[IndexItem],
    ndim: usize,
) -> Result<SliceInfo<Vec<SliceInfoElem>, IxDyn, IxDyn>, TensorError> {
    let mut elems: Vec<SliceInfoElem> = items
        .iter()
        .map(|it| match *it {
            IndexItem::Single(i) => SliceInfoElem::Index(i as isize),
            IndexItem::Slice { start, end, step } => SliceInfoElem::Slice {
                start: start as isize,
                end: Some(end.max(start) as isize),
                step: step.max(1) as isize,
            },
        })
        .collect();
    while elems.len() < ndim {
        elems.push(SliceInfoElem::Slice {
            start: 0,
            end: None,
            step: 1,
        });
    }
    SliceInfo::try_from(elems).map_err(|e| TensorError::invalid(e.to_string()))
}

fn check_items(shape: &[usize], items: &[IndexItem]) -> Result<(), TensorError> {
    if items.len() > shape.len() {
        return Err(TensorError::invalid(format!(
            "too many indices ({}) for a tensor of shape {}",
            items.len(),
            fmt_shape(shape)
        )));
    }
    for (axis, (it, &size)) in items.iter().zip(shape).enumerate() {
        let ok = match *it {
            IndexItem::Single(i) => i < size,
            IndexItem::Slice { start, end, step } => start <= size && end <= size && step > 0,
        };
        if !ok {
            return Err(TensorError::invalid(format!(
                "index {it:?} is out of range for axis {axis} of size {size}"
            )));
        }
    }
    Ok(())
}

/// Basic indexing with checked items: integers remove their axis, slices keep it.
pub fn index(x: &Tensor, items: Rc<[IndexItem]>) -> Result<Tensor, TensorError> {
    let d = x.data();
    check_items(d.shape(), &items)?;
    let info = slice_info(&items, d.ndim())?;
    let data = d.slice(info).to_owned();
    Ok(Tensor::record(data, Op::Index(items), &[x]))
}

/// `x[..., start:end]` along `axis` (full slices of the axes before it), recorded.
pub fn narrow(x: &Tensor, axis: usize, start: usize, end: usize) -> Result<Tensor, TensorError> {
    let full = |n| IndexItem::Slice {
        start: 0,
        end: n,
        step: 1,
    };
    let mut items: Vec<IndexItem> = x.shape()[..axis].iter().map(|&n| full(n)).collect();
    items.push(IndexItem::Slice {
        start,
        end,
        step: 1,
    });
    index(x, items.into())
}

/// Zeros of `shape` with `g` written at the index `items`: the gradient of `index`.
pub fn index_backward(
    g: &Tensor,
    shape: &[usize],
    items: Rc<[IndexItem]>,
) -> Result<Tensor, TensorError> {
    check_items(shape, &items)?;
    let mut data = ArrayD::zeros(IxDyn(shape));
    {
        let info = slice_info(&items, shape.len())?;
        let mut view = data.slice_mut(info);
        let gd = g.data();
        if view.shape() != gd.shape() {
            return Err(TensorError::shapes(
                "index scatter",
                view.shape(),
                gd.shape(),
            ));
        }
        view.assign(&*gd);
    }
    Ok(Tensor::record(
        data,
        Op::IndexBackward {
            shape: shape.to_vec(),
            items,
        },
        &[g],
    ))
}

/// `x[idx]` for a tensor of indices: the rows `rows` of the first axis, in order
/// (repeats allowed), already checked against its size.
pub fn gather_rows(x: &Tensor, rows: Rc<[usize]>) -> Result<Tensor, TensorError> {
    let d = x.data();
    let n = d.shape().first().copied().unwrap_or(0);
    if let Some(&bad) = rows.iter().find(|&&r| r >= n) {
        return Err(TensorError::invalid(format!(
            "index {bad} is out of range for axis 0 of size {n}"
        )));
    }
    let mut shape = d.shape().to_vec();
    if let Some(first) = shape.first_mut() {
        *first = rows.len();
    }
    checked_numel(&shape)?;
    let data = match d.as_slice() {
        // Row-major (nearly always): copy each row's run of memory.
        Some(xs) => {
            let width = xs.len().checked_div(n).unwrap_or(0);
            let mut out = Vec::with_capacity(rows.len() * width);
            for &r in rows.iter() {
                out.extend_from_slice(&xs[r * width..(r + 1) * width]);
            }
            ArrayD::from_shape_vec(IxDyn(&shape), out)
                .map_err(|e| TensorError::invalid(e.to_string()))?
        }
        None => d.select(Axis(0), &rows),
    };
    Ok(Tensor::record(data, Op::Gather(rows), &[x]))
}

/// Zeros with `n` rows and `g`'s other axes, with row `i` of `g` added at row
/// `rows[i]` (repeats summed): the gradient of [`gather_rows`].
pub fn scatter_rows(g: &Tensor, rows: Rc<[usize]>, n: usize) -> Result<Tensor, TensorError> {
    let gd = g.data();
    let mut shape = gd.shape().to_vec();
    if shape.first() != Some(&rows.len()) {
        return Err(TensorError::invalid(
            "index add: the gradient has the wrong number of rows",
        ));
    }
    shape[0] = n;
    if let Some(&r) = rows.iter().find(|&&r| r >= n) {
        return Err(TensorError::invalid(format!(
            "index {r} is out of range for axis 0 of size {n}"
        )));
    }
    let mut data = ArrayD::zeros(IxDyn(&shape));
    match (gd.as_slice(), data.as_slice_mut()) {
        // Row-major: add each row's run of memory.
        (Some(src), Some(dst)) => {
            let width = src.len().checked_div(rows.len()).unwrap_or(0);
            for (i, &r) in rows.iter().enumerate() {
                let from = &src[i * width..(i + 1) * width];
                for (d, v) in dst[r * width..(r + 1) * width].iter_mut().zip(from) {
                    *d += v;
                }
            }
        }
        _ => {
            for (i, &r) in rows.iter().enumerate() {
                let mut dst = data.index_axis_mut(Axis(0), r);
                dst += &gd.index_axis(Axis(0), i);
            }
        }
    }
    Ok(Tensor::record(data, Op::ScatterRows { rows, n }, &[g]))
}

/// The flat positions of `shape` (row-major) that `items` select, in order, and
/// the shape of the selection (axes past the items taken whole).
pub fn item_positions(shape: &[usize], items: &[IndexItem]) -> (Vec<usize>, Vec<usize>) {
    let mut positions = vec![0usize];
    let mut sel_shape = Vec::new();
    let mut stride: usize = shape.iter().product();
    for (axis, &size) in shape.iter().enumerate() {
        stride /= size.max(1);
        let picks: Vec<usize> = match items.get(axis) {
            Some(IndexItem::Single(i)) => vec![*i],
            Some(IndexItem::Slice { start, end, step }) => {
                let v: Vec<usize> = (*start..*end).step_by((*step).max(1)).collect();
                sel_shape.push(v.len());
                v
            }
            None => {
                sel_shape.push(size);
                (0..size).collect()
            }
        };
        positions = positions
            .iter()
            .flat_map(|&p| picks.iter().map(move |&k| p + k * stride))
            .collect();
    }
    (positions, sel_shape)
}

/// `x[...] = value` at the flat `positions` of a selection of `sel_shape`,
/// recorded when `x` or `value` requires grad (and recording is on), else
/// written in place. Repeated positions keep the last value (`index_put`).
pub fn write_positions(
    x: &Tensor,
    positions: Rc<[usize]>,
    sel_shape: Vec<usize>,
    value: &Tensor,
) -> Result<(), TensorError> {
    let vd = value.data();
    let Some(b) = vd.broadcast(IxDyn(&sel_shape)) else {
        return Err(TensorError::Shapes {
            message: format!(
                "cannot write a value of shape {} into a selection of shape {}",
                fmt_shape(vd.shape()),
                fmt_shape(&sel_shape)
            ),
        });
    };
    let write = |a: &mut Array| {
        if let Some(flat) = a.as_slice_mut() {
            for (&p, &v) in positions.iter().zip(b.iter()) {
                if let Some(slot) = flat.get_mut(p) {
                    *slot = v;
                }
            }
        }
    };
    let recorded = super::grad_enabled() && (x.requires_grad() || value.requires_grad());
    if recorded {
        let mut data = x.data_ref().as_standard_layout().into_owned();
        write(&mut data);
        x.record_write(
            data,
            Op::IndexPut {
                positions,
                shape: sel_shape,
            },
            &[value],
        );
    } else if x.requires_grad() && !x.is_leaf() {
        // A write into a recorded result under no_grad leaves its graph as it
        // was (PyTorch), and the operation that made x keeps the output it
        // computed (copy on write: tanh's backward uses its own result).
        let mut data = x.data_ref().as_standard_layout().into_owned();
        write(&mut data);
        let name = x.node().map(|n| n.name());
        x.record_write(
            data,
            Op::IndexPut {
                positions: Rc::from(Vec::new()),
                shape: vec![0],
            },
            &[],
        );
        if let Some(name) = name {
            let _ = x.clone().renamed(name);
        }
    } else {
        x.update_data(|a| {
            if a.as_slice_mut().is_none() {
                *a = a.as_standard_layout().into_owned();
            }
            write(a)
        });
    }
    Ok(())
}

/// Writes `value` (broadcast to the selected shape) into `x` at `items`, in place.
/// Values that recorded operations saved keep the old data (copy on write).
pub fn index_put(x: &Tensor, items: &[IndexItem], value: &Array) -> Result<(), TensorError> {
    let shape = x.shape();
    check_items(&shape, items)?;
    let info = slice_info(items, shape.len())?;
    x.update_data(|a| {
        let mut view = a.slice_mut(info);
        let target = view.shape().to_vec();
        match value.broadcast(IxDyn(&target)) {
            Some(b) => {
                view.assign(&b);
                Ok(())
            }
            None => Err(TensorError::Shapes {
                message: format!(
                    "cannot write a value of shape {} into a selection of shape {}",
                    fmt_shape(value.shape()),
                    fmt_shape(&target)
                ),
            }),
        }
    })
}

/// Joins tensors along an existing axis; all other sizes must agree.
pub fn concat(xs: &[Tensor], axis: usize) -> Result<Tensor, TensorError> {
    let Some(first) = xs.first() else {
        return Err(TensorError::invalid("concat needs at least one tensor"));
    };
    let first_shape = first.shape();
    if axis >= first_shape.len() {
        return Err(TensorError::invalid(format!(
            "concat: axis {axis} is out of range for shape {}",
            fmt_shape(&first_shape)
        )));
    }
    let datas: Vec<Rc<Array>> = xs.iter().map(|t| t.data()).collect();
    let mut total = 0usize;
    for d in &datas {
        let s = d.shape();
        let fits = s.len() == first_shape.len()
            && s.iter()
                .zip(&first_shape)
                .enumerate()
                .all(|(i, (a, b))| i == axis || a == b);
        if !fits {
            return Err(TensorError::Shapes {
                message: format!(
                    "concat: shapes {} and {} differ outside axis {axis}",
                    fmt_shape(&first_shape),
                    fmt_shape(s)
                ),
            });
        }
        total = total.saturating_add(s[axis]);
    }
    let mut out_shape = first_shape.clone();
    out_shape[axis] = total;
    checked_numel(&out_shape)?;
    let views: Vec<_> = datas.iter().map(|d| d.view()).collect();
    let data = ndarray::concatenate(Axis(axis), &views)
        .map_err(|e| TensorError::invalid(e.to_string()))?;
    Ok(Tensor::record(
        data,
        Op::Concat(axis),
        &xs.iter().collect::<Vec<_>>(),
    ))
}

/// Adds a size-1 axis at `axis` (0..=ndim).
pub fn unsqueeze(x: &Tensor, axis: usize) -> Result<Tensor, TensorError> {
    let mut shape = x.shape();
    if axis > shape.len() {
        return Err(TensorError::invalid(format!(
            "unsqueeze: axis {axis} is out of range for shape {}",
            fmt_shape(&shape)
        )));
    }
    shape.insert(axis, 1);
    Ok(reshape(x, &shape)?.renamed("UnsqueezeBackward"))
}

/// Joins tensors of equal shape along a new axis.
pub fn stack(xs: &[Tensor], axis: usize) -> Result<Tensor, TensorError> {
    let Some(first) = xs.first() else {
        return Err(TensorError::invalid("stack needs at least one tensor"));
    };
    let shape = first.shape();
    for x in xs {
        let s = x.shape();
        if s != shape {
            return Err(TensorError::Shapes {
                message: format!(
                    "stack: every tensor needs the same shape; found {} and {}",
                    fmt_shape(&shape),
                    fmt_shape(&s)
                ),
            });
        }
    }
    let parts = xs
        .iter()
        .map(|x| unsqueeze(x, axis))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(concat(&parts, axis)?.renamed("StackBackward"))
}
