//! Saved weights (SPEC §14 Weights): named float64 tensors in the safetensors format
//! (Hugging Face's `safetensors` crate), which PyTorch reads with
//! `safetensors.torch.load_file` and writes with `save_file`.
//!
//! The layout: 8 bytes little-endian header length N, N bytes of JSON header
//! (`{"name": {"dtype": "F64", "shape": [...], "data_offsets": [begin, end]}, ...}`,
//! padded with spaces to a multiple of 8), then the tensors' bytes, little-endian.

use crate::autodiff::Array;
use ndarray::IxDyn;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

/// Why a weights file could not be written or read.
#[derive(Debug, PartialEq)]
pub enum WeightsError {
    /// Not a safetensors file (truncated, corrupt header, bad offsets…).
    Corrupt(String),
    /// A tensor of another element type than float64.
    WrongDtype { name: String, dtype: String },
    /// A name the file does not hold; the names it holds.
    Missing {
        name: String,
        available: Vec<String>,
    },
}

impl WeightsError {
    pub fn message(&self, path: &str) -> String {
        match self {
            WeightsError::Corrupt(why) => {
                format!("'{path}' is not a valid safetensors file: {why}")
            }
            WeightsError::WrongDtype { name, dtype } => format!(
                "'{path}': tensor '{name}' holds {dtype} values; bp reads float64 (F64) only"
            ),
            WeightsError::Missing { name, available } => format!(
                "'{path}' holds no tensor named '{name}' (it holds {})",
                if available.is_empty() {
                    "none".to_string()
                } else {
                    available.join(", ")
                }
            ),
        }
    }
}

/// The safetensors bytes of `tensors` (float64, little-endian).
pub fn to_bytes(tensors: &[(String, &Array)]) -> Result<Vec<u8>, WeightsError> {
    let buffers: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(name, a)| {
            let bytes: Vec<u8> = a.iter().flat_map(|x| x.to_le_bytes()).collect();
            (name.clone(), a.shape().to_vec(), bytes)
        })
        .collect();
    let mut views = Vec::with_capacity(buffers.len());
    for (name, shape, bytes) in &buffers {
        let view = TensorView::new(Dtype::F64, shape.clone(), bytes)
            .map_err(|e| WeightsError::Corrupt(e.to_string()))?;
        views.push((name.clone(), view));
    }
    safetensors::serialize(views, None).map_err(|e| WeightsError::Corrupt(e.to_string()))
}

/// Every tensor of a safetensors file, sorted by name.
pub fn from_bytes(bytes: &[u8]) -> Result<Vec<(String, Array)>, WeightsError> {
    let st = SafeTensors::deserialize(bytes).map_err(|e| WeightsError::Corrupt(e.to_string()))?;
    let mut names: Vec<String> = st.names().into_iter().map(str::to_string).collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let view = st
                .tensor(&name)
                .map_err(|e| WeightsError::Corrupt(e.to_string()))?;
            if view.dtype() != Dtype::F64 {
                return Err(WeightsError::WrongDtype {
                    name,
                    dtype: view.dtype().to_string(),
                });
            }
            let values: Vec<f64> = view
                .data()
                .chunks_exact(8)
                .map(|c| {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(c);
                    f64::from_le_bytes(b)
                })
                .collect();
            let a = Array::from_shape_vec(IxDyn(view.shape()), values)
                .map_err(|e| WeightsError::Corrupt(e.to_string()))?;
            Ok((name, a))
        })
        .collect()
}

/// The tensors named `wanted`, in that order.
pub fn pick(all: Vec<(String, Array)>, wanted: &[String]) -> Result<Vec<Array>, WeightsError> {
    wanted
        .iter()
        .map(|w| {
            all.iter()
                .find(|(n, _)| n == w)
                .map(|(_, a)| a.clone())
                .ok_or_else(|| WeightsError::Missing {
                    name: w.clone(),
                    available: all.iter().map(|(n, _)| n.clone()).collect(),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn round_trip_is_exact_and_sorted() {
        let w = array![[0.1, -2.5], [1e-300, std::f64::consts::PI]].into_dyn();
        let b = array![1.0 / 3.0, -7.0, 2e20].into_dyn();
        let s = ndarray::arr0(f64::NAN).into_dyn();
        let bytes =
            to_bytes(&[("w".into(), &w), ("b".into(), &b), ("s".into(), &s)]).expect("bytes");
        let back = from_bytes(&bytes).expect("read");
        let names: Vec<&str> = back.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["b", "s", "w"]);
        assert_eq!(back[0].1, b);
        assert!(back[1].1.first().is_some_and(|x| x.is_nan()));
        assert_eq!(back[1].1.shape(), &[] as &[usize]);
        assert_eq!(back[2].1, w);
    }

    #[test]
    fn the_header_follows_the_documented_layout() {
        let b = array![1.5, -2.0].into_dyn();
        let w = array![[1.0]].into_dyn();
        let bytes = to_bytes(&[("b".into(), &b), ("w".into(), &w)]).expect("bytes");
        let n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
        assert_eq!(n % 8, 0, "the header is padded to 8 bytes");
        let header = std::str::from_utf8(&bytes[8..8 + n]).expect("utf-8 JSON");
        assert_eq!(
            header.trim_end(),
            r#"{"b":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"w":{"dtype":"F64","shape":[1,1],"data_offsets":[16,24]}}"#
        );
        assert_eq!(bytes.len(), 8 + n + 24);
        assert_eq!(&bytes[8 + n..8 + n + 8], &1.5f64.to_le_bytes());
        assert_eq!(&bytes[8 + n + 8..8 + n + 16], &(-2.0f64).to_le_bytes());
    }

    #[test]
    fn bad_files_wrong_dtypes_and_missing_names_are_errors() {
        let b = array![1.5, -2.0].into_dyn();
        let bytes = to_bytes(&[("b".into(), &b)]).expect("bytes");
        for cut in [0, 4, 8, 20, bytes.len() - 1] {
            assert!(
                matches!(from_bytes(&bytes[..cut]), Err(WeightsError::Corrupt(_))),
                "{cut}"
            );
        }
        let mut garbage = bytes.clone();
        garbage[8] = b'!'; // the JSON header's opening brace
        assert!(matches!(
            from_bytes(&garbage),
            Err(WeightsError::Corrupt(_))
        ));
        // The same header claiming F32 (4-byte elements) with 4 elements' bytes.
        let data = [0u8; 16];
        let view = TensorView::new(Dtype::F32, vec![4], &data).expect("view");
        let f32_file = safetensors::serialize([("x", view)], None).expect("bytes");
        assert_eq!(
            from_bytes(&f32_file),
            Err(WeightsError::WrongDtype {
                name: "x".into(),
                dtype: "F32".into()
            })
        );
        let all = from_bytes(&bytes).expect("read");
        let e = pick(all, &["b".into(), "nope".into()]).unwrap_err();
        assert_eq!(
            e.message("m.safetensors"),
            "'m.safetensors' holds no tensor named 'nope' (it holds b)"
        );
    }
}
