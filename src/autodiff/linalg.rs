//! Matrix products with `torch.matmul`'s rules.

use super::elementwise::std_slice;
use super::shape::{broadcast_shape, checked_numel};
use super::shape_ops::reshape;
use super::{Array, Op, Tensor, TensorError};
use crate::display::fmt_shape;
use ndarray::{Axis, Ix2, IxDyn};

fn matmul_error(a: &[usize], b: &[usize], why: &str) -> TensorError {
    TensorError::Shapes {
        message: format!("matmul: shapes {} and {} {why}", fmt_shape(a), fmt_shape(b)),
    }
}

/// Products with at most this many multiply-adds are computed by a plain loop:
/// below it, setting up the blocked kernel costs more than the arithmetic.
const SMALL_PRODUCT: usize = 4096;

/// `a @ b` for matrices of any strides, by the `gemm` crate's blocked kernels
/// (run-time chosen AVX2/AVX-512 micro-kernels, split over the rayon pool when
/// the product is large enough to gain from it).
fn dense_product(
    a: &ndarray::ArrayView2<f64>,
    b: &ndarray::ArrayView2<f64>,
) -> ndarray::Array2<f64> {
    let (n, k) = a.dim();
    let m = b.ncols();
    debug_assert_eq!(k, b.nrows());
    let mut out = ndarray::Array2::<f64>::zeros((n, m));
    if n == 0 || m == 0 {
        return out;
    }
    let (sa, sb) = (a.strides(), b.strides());
    let so = out.strides().to_vec();
    // SAFETY: `gemm` reads `a` (n×k) and `b` (k×m) and writes `out` (n×m) within
    // the bounds their shapes and element strides describe; the three do not
    // alias, and `alpha` is not read because `read_dst` is false.
    unsafe {
        gemm::gemm(
            n,
            m,
            k,
            out.as_mut_ptr(),
            so[1],
            so[0],
            false,
            a.as_ptr(),
            sa[1],
            sa[0],
            b.as_ptr(),
            sb[1],
            sb[0],
            0.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::Rayon(0),
        );
    }
    out
}

/// `a @ b` for small matrices of any strides, summing in order of `k`.
fn small_product(
    a: &ndarray::ArrayView2<f64>,
    b: &ndarray::ArrayView2<f64>,
) -> ndarray::Array2<f64> {
    let (n, k) = a.dim();
    let m = b.ncols();
    let mut out = Vec::with_capacity(n * m);
    for i in 0..n {
        for j in 0..m {
            let mut acc = 0.0;
            for p in 0..k {
                acc += a[[i, p]] * b[[p, j]];
            }
            out.push(acc);
        }
    }
    ndarray::Array2::from_shape_vec((n, m), out).unwrap_or_else(|_| unreachable!())
}

/// `op(a) · op(b)` of two small matrices in standard layout, read straight from
/// their slices (`op` transposes when asked), summing in order of `k` as
/// [`small_product`] does; `None` for anything else (other ranks or layouts,
/// mismatched or too large shapes), which the general path handles.
fn small_product_of_slices(
    a: &Array,
    b: &Array,
    transpose_a: bool,
    transpose_b: bool,
) -> Option<Array> {
    let (sa, sb) = (a.shape(), b.shape());
    if sa.len() != 2 || sb.len() != 2 {
        return None;
    }
    let (xs, ys) = (std_slice(a)?, std_slice(b)?);
    let (n, k) = if transpose_a {
        (sa[1], sa[0])
    } else {
        (sa[0], sa[1])
    };
    let (k2, m) = if transpose_b {
        (sb[1], sb[0])
    } else {
        (sb[0], sb[1])
    };
    if k != k2 || n * k * m > SMALL_PRODUCT || checked_numel(&[n, m]).is_err() {
        return None;
    }
    let mut out = Vec::with_capacity(n * m);
    for i in 0..n {
        for j in 0..m {
            let mut acc = 0.0;
            for p in 0..k {
                let x = if transpose_a {
                    xs[p * n + i]
                } else {
                    xs[i * k + p]
                };
                let y = if transpose_b {
                    ys[j * k + p]
                } else {
                    ys[p * m + j]
                };
                acc += x * y;
            }
            out.push(acc);
        }
    }
    ndarray::Array2::from_shape_vec((n, m), out)
        .ok()
        .map(|p| p.into_dyn())
}

/// The product of the last two axes of `a` and `b` (both at least 2-D), with the
/// batch axes before them broadcast.
pub fn batched_product(a: &Array, b: &Array) -> Result<Array, TensorError> {
    if let Some(product) = small_product_of_slices(a, b, false, false) {
        return Ok(product);
    }
    let (sa, sb) = (a.shape(), b.shape());
    let (na, nb) = (sa.len(), sb.len());
    if na < 2 || nb < 2 {
        return Err(matmul_error(sa, sb, "need at least 2 dimensions"));
    }
    let (n, k) = (sa[na - 2], sa[na - 1]);
    let (k2, m) = (sb[nb - 2], sb[nb - 1]);
    if k != k2 {
        return Err(matmul_error(
            sa,
            sb,
            &format!("cannot be multiplied ({n}x{k} and {k2}x{m})"),
        ));
    }
    if na == 2 && nb == 2 {
        checked_numel(&[n, m])?;
        let (Ok(a2), Ok(b2)) = (
            a.view().into_dimensionality::<Ix2>(),
            b.view().into_dimensionality::<Ix2>(),
        ) else {
            return Err(matmul_error(sa, sb, "are not matrices"));
        };
        if n * k * m <= SMALL_PRODUCT {
            return Ok(small_product(&a2, &b2).into_dyn());
        }
        return Ok(dense_product(&a2, &b2).into_dyn());
    }
    let batch = broadcast_shape(&sa[..na - 2], &sb[..nb - 2])
        .ok_or_else(|| matmul_error(sa, sb, "have batch axes that cannot be broadcast together"))?;
    let mut full_a = batch.clone();
    full_a.extend([n, k]);
    let mut full_b = batch.clone();
    full_b.extend([k, m]);
    let mut out_shape = batch.clone();
    out_shape.extend([n, m]);
    checked_numel(&out_shape)?;
    checked_numel(&full_a)?;
    checked_numel(&full_b)?;
    let nbatch: usize = batch.iter().product();
    let (Some(av), Some(bv)) = (a.broadcast(IxDyn(&full_a)), b.broadcast(IxDyn(&full_b))) else {
        return Err(matmul_error(
            sa,
            sb,
            "have batch axes that cannot be broadcast together",
        ));
    };
    let a3 = av
        .as_standard_layout()
        .into_owned()
        .into_shape_with_order((nbatch, n, k))
        .map_err(|e| TensorError::invalid(e.to_string()))?;
    let b3 = bv
        .as_standard_layout()
        .into_owned()
        .into_shape_with_order((nbatch, k, m))
        .map_err(|e| TensorError::invalid(e.to_string()))?;
    let mut out = ndarray::Array3::<f64>::zeros((nbatch, n, m));
    for i in 0..nbatch {
        let prod = dense_product(&a3.index_axis(Axis(0), i), &b3.index_axis(Axis(0), i));
        out.index_axis_mut(Axis(0), i).assign(&prod);
    }
    out.into_dyn()
        .into_shape_with_order(IxDyn(&out_shape))
        .map_err(|e| TensorError::invalid(e.to_string()))
}

/// `op(a) · op(b)` of two matrices, where `op` transposes when asked (strided
/// views, no copy); `None` when either is not 2-D or the inner sizes differ
/// (the caller then takes the general path, which reports the error).
pub fn product_transposed(
    a: &Array,
    b: &Array,
    transpose_a: bool,
    transpose_b: bool,
) -> Option<Result<Array, TensorError>> {
    if let Some(product) = small_product_of_slices(a, b, transpose_a, transpose_b) {
        return Some(Ok(product));
    }
    if a.ndim() != 2 || b.ndim() != 2 {
        return None;
    }
    let (Ok(a2), Ok(b2)) = (
        a.view().into_dimensionality::<Ix2>(),
        b.view().into_dimensionality::<Ix2>(),
    ) else {
        return None;
    };
    let a2 = if transpose_a { a2.reversed_axes() } else { a2 };
    let b2 = if transpose_b { b2.reversed_axes() } else { b2 };
    if a2.ncols() != b2.nrows() {
        return None;
    }
    if let Err(e) = checked_numel(&[a2.nrows(), b2.ncols()]) {
        return Some(Err(e));
    }
    let data = if a2.nrows() * a2.ncols() * b2.ncols() <= SMALL_PRODUCT {
        small_product(&a2, &b2)
    } else {
        dense_product(&a2, &b2)
    };
    Some(Ok(data.into_dyn()))
}

/// `op(a) · op(b)` over the last two axes, where `op` transposes when asked:
/// matmul's backward (`g · bᵀ`, `aᵀ · g`). When the result is not recorded and
/// both operands are matrices, the transposes are strided views, not tensors.
pub fn matmul_transposed(
    a: &Tensor,
    b: &Tensor,
    transpose_a: bool,
    transpose_b: bool,
) -> Result<Tensor, TensorError> {
    let recorded = super::grad_enabled() && (a.requires_grad() || b.requires_grad());
    if !recorded {
        let product = product_transposed(&a.data_ref(), &b.data_ref(), transpose_a, transpose_b);
        if let Some(data) = product {
            return Ok(Tensor::record(data?, Op::MatMul, &[a, b]));
        }
    }
    let a = if transpose_a { &transpose_last2(a)? } else { a };
    let b = if transpose_b { &transpose_last2(b)? } else { b };
    batched_matmul(a, b)
}

/// The recorded core: both operands at least 2-D.
pub fn batched_matmul(a: &Tensor, b: &Tensor) -> Result<Tensor, TensorError> {
    let data = batched_product(&a.data_ref(), &b.data_ref())?;
    Ok(Tensor::record(data, Op::MatMul, &[a, b]))
}

/// `a @ b` with `torch.matmul`'s rules: 1-D·1-D is a 0-d dot product, a 1-D left
/// operand is a row, a 1-D right operand a column (their added axis removed after),
/// and N-D operands are batches of matrices with broadcast batch axes.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor, TensorError> {
    if a.ndim() == 2 && b.ndim() == 2 {
        return Ok(batched_matmul(a, b)?.renamed("MmBackward"));
    }
    let (sa, sb) = (a.shape(), b.shape());
    match (sa.len(), sb.len()) {
        (0, _) | (_, 0) => Err(matmul_error(&sa, &sb, "need at least 1 dimension each")),
        (2, 2) => Ok(batched_matmul(a, b)?.renamed("MmBackward")),
        (1, 1) => {
            if sa[0] != sb[0] {
                return Err(matmul_error(&sa, &sb, "have different lengths"));
            }
            let r = batched_matmul(&reshape(a, &[1, sa[0]])?, &reshape(b, &[sb[0], 1])?)?;
            Ok(reshape(&r, &[])?.renamed("DotBackward"))
        }
        // (..., n, k) @ (k, m): one (batch * n, k) @ (k, m) product, as PyTorch folds
        // it, instead of the weight broadcast to every batch entry.
        // (A mismatch of the inner sizes goes on to the general case's error.)
        (na, 2) if na > 2 && sb[0] == sa[na - 1] => {
            let (k, m) = (sa[na - 1], sb[1]);
            let rows: usize = sa[..na - 1].iter().product();
            let r = batched_matmul(&reshape(a, &[rows, k])?, b)?;
            let mut shape = sa[..na - 1].to_vec();
            shape.push(m);
            Ok(reshape(&r, &shape)?.renamed("UnsafeViewBackward"))
        }
        (na, nb) => {
            let a2 = if na == 1 {
                reshape(a, &[1, sa[0]])?
            } else {
                a.clone()
            };
            let b2 = if nb == 1 {
                reshape(b, &[sb[0], 1])?
            } else {
                b.clone()
            };
            let r = batched_matmul(&a2, &b2)?;
            if na > 1 && nb > 1 {
                return Ok(r.renamed("MatmulBackward"));
            }
            let mut shape = r.shape();
            let len = shape.len();
            if nb == 1 {
                shape.remove(len - 1);
            } else {
                shape.remove(len - 2);
            }
            let name = if na == 2 && nb == 1 {
                "MvBackward"
            } else {
                "MatmulBackward"
            };
            Ok(reshape(&r, &shape)?.renamed(name))
        }
    }
}

/// The transpose of the last two axes.
pub fn transpose_last2(x: &Tensor) -> Result<Tensor, TensorError> {
    let n = x.ndim();
    if n < 2 {
        return Ok(x.clone());
    }
    super::shape_ops::swap_axes(x, n - 2, n - 1)
}

/// `outer(a, b)`: the matrix `a[i] * b[j]` of two vectors.
pub fn outer(a: &Tensor, b: &Tensor) -> Result<Tensor, TensorError> {
    let (sa, sb) = (a.shape(), b.shape());
    if sa.len() != 1 || sb.len() != 1 {
        return Err(matmul_error(
            &sa,
            &sb,
            "are not both vectors (outer takes two 1-D tensors)",
        ));
    }
    let col = reshape(a, &[sa[0], 1])?;
    let row = reshape(b, &[1, sb[0]])?;
    Ok(super::elementwise::mul(&col, &row)?.renamed("OuterBackward"))
}
