//! Int8 matrices with one scale per row: 4x smaller than f32, and the per-row scale keeps the
//! relative error of every embedding below 1/254 of its largest component.

use crate::format::InvalidModel;
use serde::{Deserialize, Serialize};

/// A row-major matrix stored as `i8` with one `f32` scale per row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuantMatrix {
    pub rows: usize,
    pub cols: usize,
    pub scales: Vec<f32>,
    pub values: Vec<i8>,
}

impl QuantMatrix {
    /// Quantises a row-major `rows x cols` f32 matrix symmetrically per row.
    pub fn quantize(data: &[f32], rows: usize, cols: usize) -> Self {
        assert_eq!(
            data.len(),
            rows * cols,
            "matrix data does not match its shape"
        );
        let mut scales = Vec::with_capacity(rows);
        let mut values = Vec::with_capacity(rows * cols);
        for row in data.chunks_exact(cols.max(1)).take(rows) {
            let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
            let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
            scales.push(scale);
            values.extend(
                row.iter()
                    .map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8),
            );
        }
        Self {
            rows,
            cols,
            scales,
            values,
        }
    }

    /// Back to row-major f32.
    pub fn dequantize(&self) -> Vec<f32> {
        if self.cols == 0 {
            return Vec::new();
        }
        self.values
            .chunks_exact(self.cols)
            .zip(&self.scales)
            .flat_map(|(row, &scale)| row.iter().map(move |&v| v as f32 * scale))
            .collect()
    }

    /// Checks the shape and values a hostile file could get wrong, before anything is expanded:
    /// a non-zero width, a `rows x cols` that fits in memory, one scale per row, one value per
    /// cell, and scales that dequantise to finite numbers. `what` names the matrix in errors.
    pub fn check(&self, what: &'static str) -> Result<(), InvalidModel> {
        if self.cols == 0 {
            return Err(InvalidModel::ZeroWidth { what: what.into() });
        }
        let cells =
            self.rows
                .checked_mul(self.cols)
                .ok_or_else(|| InvalidModel::ShapeOverflow {
                    what: what.into(),
                    rows: self.rows,
                    cols: self.cols,
                })?;
        check_len(what, "scales", self.rows, self.scales.len())?;
        check_len(what, "values", cells, self.values.len())?;
        // The largest stored value is 127 steps: a scale beyond f32::MAX / 127 overflows.
        if let Some((row, &scale)) = self
            .scales
            .iter()
            .enumerate()
            .find(|(_, s)| !(**s * 127.0).is_finite())
        {
            return Err(InvalidModel::NotFinite {
                what: format!("{what} scale of row {row}"),
                value: scale,
            });
        }
        Ok(())
    }
}

/// A stored vector's length against the length its shape implies.
pub(crate) fn check_len(
    what: &str,
    part: &str,
    expected: usize,
    found: usize,
) -> Result<(), InvalidModel> {
    if expected == found {
        Ok(())
    } else {
        Err(InvalidModel::WrongLength {
            what: format!("{what} {part}"),
            expected,
            found,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_error_is_within_half_a_step_per_row() {
        let data = vec![
            0.5, -1.0, 0.25, 0.0, 100.0, -3.0, 7.5, 0.001, 0.0, 0.0, 0.0, 0.0,
        ];
        let q = QuantMatrix::quantize(&data, 3, 4);
        q.check("test matrix").unwrap();
        let back = q.dequantize();
        for (row, (orig, restored)) in data.chunks(4).zip(back.chunks(4)).enumerate() {
            let step = q.scales[row];
            for (a, b) in orig.iter().zip(restored) {
                assert!((a - b).abs() <= step / 2.0 + 1e-6, "row {row}: {a} vs {b}");
            }
        }
        // The largest entry of each row is exact up to float rounding.
        assert!((back[4] - 100.0).abs() < 1e-4);
        // An all-zero row stays zero and keeps a usable scale.
        assert_eq!(&back[8..], &[0.0; 4]);
    }

    #[test]
    fn check_names_what_is_wrong() {
        let good = QuantMatrix::quantize(&[1.0, 2.0, 3.0, 4.0], 2, 2);
        let broken = |edit: fn(&mut QuantMatrix)| {
            let mut m = good.clone();
            edit(&mut m);
            m.check("input embeddings").unwrap_err().to_string()
        };
        assert!(broken(|m| m.cols = 0).contains("width 0"));
        assert!(broken(|m| m.rows = usize::MAX).contains("more than"));
        assert!(
            broken(|m| {
                m.values.pop();
            })
            .contains("values")
        );
        assert!(broken(|m| m.scales[1] = f32::NAN).contains("row 1"));
        assert!(broken(|m| m.scales[0] = f32::MAX).contains("row 0"));
    }
}
