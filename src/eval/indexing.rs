//! Indexing a tensor as NumPy and PyTorch do (SPEC §19): integers, slices,
//! `none` (a new axis), bool masks and *index tensors* (tensors of whole
//! numbers, lists and `range`s), which broadcast together.
//!
//! Every index is first turned into the flat positions of the tensor it selects
//! and the shape of the selection; a read gathers those positions (its gradient
//! scatters back with repeats summed) and a write puts a value there. Integers
//! are applied first, as PyTorch does (`x[0, :, [0, 1]]` has shape `[3, 2]` for
//! `x` of shape `[2, 3, 4]`); the axes of the index tensors go where the first
//! of them was when they are next to each other, else first.

use super::args::{as_integer, to_tensor};
use super::errors::{needs, tensor_error};
use super::{Eval, Flow, Interpreter, Value};
use crate::autodiff::op::IndexItem;
use crate::autodiff::{shape_ops, span_scope, Tensor};
use crate::diagnostic::Diagnostic;
use crate::display::{fmt_shape, format_number};
use crate::source::Span;
use crate::syntax::ast::Index;

type Scope = Option<std::rc::Rc<super::Env>>;

/// One index entry, evaluated but not yet placed on an axis.
enum Raw<'a> {
    Int(i64, Span),
    Slice(&'a Index),
    NewAxis,
    /// Whole numbers (as given, negative allowed) and their shape.
    Tensor(Vec<i64>, Vec<usize>, Span),
    /// A bool tensor's values and shape.
    Mask(Vec<bool>, Vec<usize>, Span),
}

/// One index entry placed on its axes.
enum Placed {
    /// An integer: a fixed offset, no axis in the result.
    Fixed(usize),
    /// An axis of the result (a slice, `none`, or an axis taken whole), as the
    /// offsets of its positions.
    Axis(Vec<usize>),
    /// An index tensor: its offsets (already times the axis' stride) and shape.
    Adv(Vec<usize>, Vec<usize>, Span),
}

/// What an index selects: the flat positions (row-major) in order, the shape
/// of the selection, and whether an index tensor or mask took part.
pub(super) struct Selection {
    pub positions: Vec<usize>,
    pub shape: Vec<usize>,
    pub advanced: bool,
    /// The basic form (`x[1, 2:]`, `none` left out) when there is no index
    /// tensor: a read then takes a view-like slice.
    basic: Option<Vec<IndexItem>>,
    /// For one index tensor or mask alone (`C[X]`, `X[m]`): the number of
    /// leading axes it indexes and the rows of those axes (flattened) it picks,
    /// in order; a read gathers whole rows.
    rows: Option<(usize, Vec<usize>)>,
}

/// The broadcast of index shapes (NumPy's rule), or `None`.
fn broadcast_shapes(shapes: &[&[usize]]) -> Option<Vec<usize>> {
    let n = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1usize; n];
    for s in shapes {
        for (i, &d) in s.iter().rev().enumerate() {
            let o = &mut out[n - 1 - i];
            if *o == 1 {
                *o = d;
            } else if d != 1 && d != *o {
                return None;
            }
        }
    }
    Some(out)
}

/// The values of `vals` (of `shape`) broadcast to `target`, in row-major order.
fn broadcast_values(vals: &[usize], shape: &[usize], target: &[usize]) -> Vec<usize> {
    let total: usize = target.iter().product();
    let lead = target.len() - shape.len();
    // Strides of `vals` on the target's axes (0 where broadcast).
    let mut strides = vec![0usize; target.len()];
    let mut acc = 1usize;
    for i in (0..shape.len()).rev() {
        strides[lead + i] = if shape[i] == 1 { 0 } else { acc };
        acc *= shape[i];
    }
    let mut out = Vec::with_capacity(total);
    let mut idx = vec![0usize; target.len()];
    for _ in 0..total {
        let p: usize = idx.iter().zip(&strides).map(|(i, s)| i * s).sum();
        out.push(vals.get(p).copied().unwrap_or(0));
        for a in (0..target.len()).rev() {
            idx[a] += 1;
            if idx[a] < target[a] {
                break;
            }
            idx[a] = 0;
        }
    }
    out
}

impl Interpreter {
    /// Evaluates one single (non-slice) index.
    fn raw_single<'a>(&mut self, ix: &'a Index, scope: &Scope) -> Eval<Raw<'a>> {
        let Index::Single(e) = ix else {
            return Ok(Raw::Slice(ix));
        };
        let v = self.eval(e, scope)?;
        let span = e.span;
        let not_whole = |what: &str, n: f64, pos: usize| {
            Flow::from(
                Diagnostic::error(format!(
                    "{what} index must hold whole numbers; found {} at position {pos}",
                    format_number(n)
                ))
                .with_label(span, "not all whole numbers"),
            )
        };
        let whole_numbers = |what: &str, t: &Tensor| -> Eval<Raw<'a>> {
            let data = t.data();
            let mut vals = Vec::with_capacity(data.len());
            for (pos, &n) in data.iter().enumerate() {
                vals.push(as_integer(n).ok_or_else(|| not_whole(what, n, pos))?);
            }
            Ok(Raw::Tensor(vals, t.shape(), span))
        };
        match v {
            Value::None => Ok(Raw::NewAxis),
            Value::Num(n) => single(n, span),
            Value::Tensor(t) if t.is_bool() => {
                if t.ndim() == 0 {
                    return Err(Flow::from(
                        Diagnostic::error(
                            "an index expects a whole number; found a 0-d bool tensor",
                        )
                            .with_label(span, "this is a 0-d bool tensor")
                            .with_hint("index with a bool tensor of the tensor's shape (a mask)"),
                    ));
                }
                let vals = t.data().iter().map(|&v| v != 0.0).collect();
                Ok(Raw::Mask(vals, t.shape(), span))
            }
            Value::Tensor(t) if t.ndim() == 0 => single(t.item().unwrap_or(f64::NAN), span),
            Value::Tensor(t) => whole_numbers("a tensor", &t),
            Value::Range(a, b, s) => {
                let n = Value::range_len(a, b, s);
                let mut vals = Vec::with_capacity(n);
                for i in 0..n {
                    let x = a + i as f64 * s;
                    vals.push(as_integer(x).ok_or_else(|| not_whole("a range", x, i))?);
                }
                Ok(Raw::Tensor(vals, vec![n], span))
            }
            Value::List(l) => {
                let items = l.items();
                if !items.is_empty() && items.iter().all(|v| matches!(v, Value::Bool(_))) {
                    let vals = items.iter().map(|v| matches!(v, Value::Bool(true))).collect();
                    return Ok(Raw::Mask(vals, vec![items.len()], span));
                }
                let mut tensors = Vec::with_capacity(items.len());
                for v in items.iter() {
                    match to_tensor(v) {
                        Some(t) => tensors.push(t),
                        None => {
                            return Err(Flow::from(
                                Diagnostic::error(format!(
                                    "a list index must hold whole numbers; found a {}",
                                    v.type_name()
                                ))
                                .with_label(span, format!("this list holds a {}", v.type_name())),
                            ))
                        }
                    }
                }
                if tensors.is_empty() {
                    return Ok(Raw::Tensor(Vec::new(), vec![0], span));
                }
                let t = shape_ops::stack(&tensors, 0)
                    .map_err(|e| Flow::from(tensor_error(e, span, &[])))?;
                whole_numbers("a list", &t)
            }
            other => Err(Flow::from(needs(
                "an index must be a whole number, a slice, none, a bool tensor, or a tensor, list or range of whole numbers",
                &other,
                span,
            ))),
        }
    }

    /// What `indices` select in a tensor of `shape`. `span` is the whole
    /// indexing (or statement) and `obj_span` the indexed tensor, for errors.
    pub(super) fn select(
        &mut self,
        shape: &[usize],
        indices: &[Index],
        span: Span,
        obj_span: Span,
        need_positions: bool,
        scope: &Scope,
    ) -> Eval<Selection> {
        let mut raws = Vec::with_capacity(indices.len());
        for ix in indices {
            raws.push(self.raw_single(ix, scope)?);
        }
        let consumed: usize = raws
            .iter()
            .map(|r| match r {
                Raw::NewAxis => 0,
                Raw::Mask(_, s, _) => s.len(),
                _ => 1,
            })
            .sum();
        if consumed > shape.len() {
            return Err(super::exec::access::too_many_indices(
                consumed, shape, span, obj_span,
            ));
        }
        let advanced = raws
            .iter()
            .any(|r| matches!(r, Raw::Tensor(..) | Raw::Mask(..)));
        // Row-major strides of `shape`.
        let mut strides = vec![1usize; shape.len()];
        for a in (0..shape.len().saturating_sub(1)).rev() {
            strides[a] = strides[a + 1].saturating_mul(shape[a + 1]);
        }
        let alone = raws.len() == 1;
        let mut rows: Option<(usize, Vec<usize>)> = None;
        let mut placed = Vec::with_capacity(raws.len() + shape.len());
        let mut basic = Vec::new();
        let mut axis = 0usize;
        for raw in raws {
            match raw {
                Raw::Int(i, e_span) => {
                    let k = wrap_index(i, shape[axis], axis, e_span)?;
                    placed.push(Placed::Fixed(k * strides[axis]));
                    basic.push(IndexItem::Single(k as usize));
                    axis += 1;
                }
                Raw::Slice(ix) => {
                    let item = self.slice_item(ix, shape[axis], scope)?;
                    if let IndexItem::Slice { start, end, step } = item {
                        let st = strides[axis];
                        placed.push(Placed::Axis(
                            (start..end).step_by(step.max(1)).map(|k| k * st).collect(),
                        ));
                    }
                    basic.push(item);
                    axis += 1;
                }
                Raw::NewAxis => placed.push(Placed::Axis(vec![0])),
                Raw::Tensor(vals, ishape, e_span) => {
                    let size = shape[axis];
                    let n = size as i64;
                    let mut offs = Vec::with_capacity(vals.len());
                    for (pos, &whole) in vals.iter().enumerate() {
                        let k = if whole < 0 { whole + n } else { whole };
                        if k < 0 || k >= n {
                            return Err(Flow::from(
                                Diagnostic::error(format!(
                                    "index {whole} is out of range for axis {axis} of size {size}"
                                ))
                                .with_label(
                                    e_span,
                                    format!("position {pos} of this index is {whole}"),
                                )
                                .with_hint(format!(
                                    "axis {axis} has size {size}: indices run from {} to {}",
                                    -n,
                                    n - 1
                                )),
                            ));
                        }
                        offs.push(k as usize * strides[axis]);
                    }
                    if alone {
                        let st = strides[0].max(1);
                        rows = Some((1, offs.iter().map(|o| o / st).collect()));
                    }
                    placed.push(Placed::Adv(offs, ishape, e_span));
                    axis += 1;
                }
                Raw::Mask(vals, mshape, e_span) => {
                    let k = mshape.len();
                    if shape[axis..axis + k] != mshape[..] {
                        let mut d = Diagnostic::error(format!(
                            "a mask of shape {} does not fit a tensor of shape {}",
                            fmt_shape(&mshape),
                            fmt_shape(shape)
                        ))
                        .with_label(e_span, "this bool tensor");
                        d = d.with_hint(if axis == 0 {
                            "a mask must have the shape of the tensor's first axes".to_string()
                        } else {
                            format!("here a mask must have the shape of axes {axis} to {} of the tensor", axis + k - 1)
                        });
                        return Err(Flow::from(d));
                    }
                    // The coordinates of the true places, one index tensor per axis.
                    let trues: Vec<usize> = vals
                        .iter()
                        .enumerate()
                        .filter(|(_, &b)| b)
                        .map(|(i, _)| i)
                        .collect();
                    let count = trues.len();
                    if alone {
                        rows = Some((k, trues.clone()));
                    }
                    let mut rest: Vec<usize> = trues;
                    let mut per_axis = vec![Vec::with_capacity(count); k];
                    for a in (0..k).rev() {
                        let size = mshape[a];
                        for r in rest.iter_mut() {
                            per_axis[a].push((*r % size.max(1)) * strides[axis + a]);
                            *r /= size.max(1);
                        }
                    }
                    for offs in per_axis {
                        placed.push(Placed::Adv(offs, vec![count], e_span));
                    }
                    axis += k;
                }
            }
        }
        // The axes not indexed are taken whole.
        for a in axis..shape.len() {
            placed.push(Placed::Axis(
                (0..shape[a]).map(|k| k * strides[a]).collect(),
            ));
        }
        // The index tensors broadcast together.
        let adv: Vec<(&[usize], Span)> = placed
            .iter()
            .filter_map(|p| match p {
                Placed::Adv(_, s, sp) => Some((&s[..], *sp)),
                _ => None,
            })
            .collect();
        let adv_shapes: Vec<&[usize]> = adv.iter().map(|a| a.0).collect();
        let block_shape = broadcast_shapes(&adv_shapes).ok_or_else(|| {
            let shown: Vec<String> = adv_shapes.iter().map(|s| fmt_shape(s)).collect();
            let mut d = Diagnostic::error(format!(
                "the index tensors cannot be broadcast together: shapes {}",
                shown.join(", ")
            ));
            let mut labelled: Vec<Span> = Vec::new();
            for (s, sp) in &adv {
                if !labelled.contains(sp) {
                    labelled.push(*sp);
                    d = d.with_label(*sp, format!("this index has shape {}", fmt_shape(s)));
                }
            }
            Flow::from(d.with_hint(
                "index tensors broadcast as in arithmetic: give them equal shapes, or sizes of 1",
            ))
        })?;
        let (mut out_shape, mut axes): (Vec<usize>, Vec<Vec<usize>>) = (Vec::new(), Vec::new());
        let mut fixed = 0usize;
        if advanced {
            checked(&block_shape, span)?;
            let total: usize = block_shape.iter().product();
            let mut block = vec![0usize; total];
            for p in &placed {
                if let Placed::Adv(offs, s, _) = p {
                    for (b, o) in block
                        .iter_mut()
                        .zip(broadcast_values(offs, s, &block_shape))
                    {
                        *b += o;
                    }
                }
            }
            // Next to each other (integers aside): the block goes where they were.
            let kinds: Vec<bool> = placed
                .iter()
                .filter(|p| !matches!(p, Placed::Fixed(_)))
                .map(|p| matches!(p, Placed::Adv(..)))
                .collect();
            let first = kinds.iter().position(|&a| a).unwrap_or(0);
            let last = kinds.iter().rposition(|&a| a).unwrap_or(0);
            let together = kinds[first..=last].iter().all(|&a| a);
            let at = if together { first } else { 0 };
            let mut block = Some(block);
            let mut seen = 0usize;
            for p in placed {
                if seen == at {
                    if let Some(b) = block.take() {
                        out_shape.extend_from_slice(&block_shape);
                        axes.push(b);
                    }
                }
                match p {
                    Placed::Fixed(o) => fixed += o,
                    Placed::Axis(offs) => {
                        out_shape.push(offs.len());
                        axes.push(offs);
                        seen += 1;
                    }
                    Placed::Adv(..) => seen += 1,
                }
            }
            if let Some(b) = block.take() {
                out_shape.extend_from_slice(&block_shape);
                axes.push(b);
            }
        } else {
            for p in placed {
                match p {
                    Placed::Fixed(o) => fixed += o,
                    Placed::Axis(offs) => {
                        out_shape.push(offs.len());
                        axes.push(offs);
                    }
                    Placed::Adv(..) => {}
                }
            }
        }
        checked(&out_shape, span)?;
        if rows.is_some() && !need_positions {
            return Ok(Selection {
                positions: Vec::new(),
                shape: out_shape,
                advanced,
                basic: None,
                rows,
            });
        }
        let mut positions = vec![fixed];
        for offs in &axes {
            positions = positions
                .iter()
                .flat_map(|&p| offs.iter().map(move |&o| p + o))
                .collect();
        }
        Ok(Selection {
            positions,
            shape: out_shape,
            advanced,
            basic: (!advanced).then_some(basic),
            rows,
        })
    }

    /// `x[indices]` on a tensor: differentiable; a gather's gradient is
    /// scattered back with repeats summed.
    pub(super) fn index_tensor(
        &mut self,
        x: &Tensor,
        indices: &[Index],
        span: Span,
        obj_span: Span,
        scope: &Scope,
    ) -> Eval<Value> {
        let shape = x.shape();
        let sel = self.select(&shape, indices, span, obj_span, false, scope)?;
        let _span = span_scope(span);
        let err = |e| Flow::from(tensor_error(e, span, &[]));
        let out = match sel.basic {
            _ if sel.rows.is_some() => {
                let (k, rows) = sel.rows.unwrap_or_default();
                let flat = if k == 1 {
                    x.clone()
                } else {
                    let lead: usize = shape[..k].iter().product();
                    let mut flat_shape = vec![lead];
                    flat_shape.extend_from_slice(&shape[k..]);
                    shape_ops::reshape(x, &flat_shape).map_err(err)?
                };
                let g = shape_ops::gather_rows(&flat, rows.into()).map_err(err)?;
                if g.shape() == sel.shape {
                    g
                } else {
                    shape_ops::reshape(&g, &sel.shape)
                        .map_err(err)?
                        .renamed("IndexBackward")
                }
            }
            Some(items) => {
                let t = shape_ops::index(x, items.into()).map_err(err)?;
                if t.shape() == sel.shape {
                    t
                } else {
                    // `none` added axes.
                    shape_ops::reshape(&t, &sel.shape)
                        .map_err(err)?
                        .renamed("UnsqueezeBackward")
                }
            }
            None => {
                let n: usize = shape.iter().product();
                let flat = if shape.len() == 1 {
                    x.clone()
                } else {
                    shape_ops::reshape(x, &[n]).map_err(err)?
                };
                let g = shape_ops::gather_rows(&flat, sel.positions.into()).map_err(err)?;
                if sel.shape.len() == 1 {
                    g
                } else {
                    shape_ops::reshape(&g, &sel.shape)
                        .map_err(err)?
                        .renamed("IndexBackward")
                }
            }
        };
        Ok(Value::Tensor(if x.is_bool() {
            out.into_bool()
        } else {
            out
        }))
    }
}

/// The element limit of a selection's shape, as an error at `span`.
fn checked(shape: &[usize], span: Span) -> Eval<()> {
    crate::autodiff::shape::checked_numel(shape)
        .map(|_| ())
        .map_err(|e| Flow::from(tensor_error(e, span, &[])))
}

/// One integer index from a number or a one-element tensor, or the error naming it.
fn single<'a>(n: f64, span: Span) -> Eval<Raw<'a>> {
    match as_integer(n) {
        Some(i) => Ok(Raw::Int(i, span)),
        None => Err(Flow::from(
            Diagnostic::error(format!(
                "an index must be a whole number; found {}",
                format_number(n)
            ))
            .with_label(span, "not a whole number"),
        )),
    }
}

/// Index `i` of an axis of `size` (negative counts from the end), or the error
/// under `span`.
pub(crate) fn wrap_index(i: i64, size: usize, axis: usize, span: Span) -> Eval<usize> {
    let n = size as i64;
    let k = if i < 0 { i + n } else { i };
    if k < 0 || k >= n {
        return Err(Flow::from(
            Diagnostic::error(format!(
                "index {i} is out of range for axis {axis} of size {size}"
            ))
            .with_label(span, format!("axis {axis} has size {size}")),
        ));
    }
    Ok(k as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_index_shapes() {
        assert_eq!(broadcast_shapes(&[&[3], &[2, 1]]), Some(vec![2, 3]));
        assert_eq!(broadcast_shapes(&[&[3], &[2]]), None);
        assert_eq!(broadcast_shapes(&[]), Some(vec![]));
        assert_eq!(
            broadcast_values(&[7, 8], &[2, 1], &[2, 3]),
            vec![7, 7, 7, 8, 8, 8]
        );
        assert_eq!(
            broadcast_values(&[1, 2, 3], &[3], &[2, 3]),
            vec![1, 2, 3, 1, 2, 3]
        );
    }
}
