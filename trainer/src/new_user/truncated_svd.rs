//! Truncated SVD of a sparse matrix by randomized subspace iteration (Halko, Martinsson & Tropp
//! 2011, algorithms 4.4 and 5.1): the sparse products are plain loops, faer does the QR and the
//! thin SVD of the small dense factors. PureSVD factors the user × movie matrix with it, LSA the
//! movie × term TF-IDF matrix.

use anyhow::{Context, Result, anyhow};
use faer::Mat;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

/// Extra random directions beyond the rank, and subspace iterations: enough for the slowly
/// decaying spectra of rating matrices.
const OVERSAMPLING: usize = 10;
const POWER_ITERATIONS: usize = 6;

/// A sparse matrix as rows of `(column, value)`.
pub struct SparseRows {
    pub cols: usize,
    pub rows: Vec<Vec<(u32, f32)>>,
}

impl SparseRows {
    fn transpose(&self) -> SparseRows {
        let mut rows = vec![Vec::new(); self.cols];
        for (i, row) in self.rows.iter().enumerate() {
            for &(j, v) in row {
                rows[j as usize].push((i as u32, v));
            }
        }
        SparseRows {
            cols: self.rows.len(),
            rows,
        }
    }

    /// `self · dense`.
    fn times(&self, dense: &Dense) -> Dense {
        let width = dense.cols;
        let mut values = vec![0f64; self.rows.len() * width];
        values
            .par_chunks_mut(width.max(1))
            .zip(&self.rows)
            .for_each(|(out, row)| {
                for &(j, v) in row {
                    let v = f64::from(v);
                    out.iter_mut()
                        .zip(dense.row(j as usize))
                        .for_each(|(o, d)| *o += v * d);
                }
            });
        Dense {
            rows: self.rows.len(),
            cols: width,
            values,
        }
    }
}

/// Row-major dense f64 matrix.
struct Dense {
    rows: usize,
    cols: usize,
    values: Vec<f64>,
}

impl Dense {
    fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.cols..(i + 1) * self.cols]
    }

    fn to_faer(&self) -> Mat<f64> {
        Mat::from_fn(self.rows, self.cols, |i, j| self.values[i * self.cols + j])
    }

    fn from_faer(m: faer::MatRef<'_, f64>, cols: usize) -> Dense {
        let rows = m.nrows();
        let values = (0..rows)
            .flat_map(|i| (0..cols).map(move |j| m[(i, j)]))
            .collect();
        Dense { rows, cols, values }
    }

    /// An orthonormal basis of the columns (thin Q of a QR factorisation).
    fn orthonormalized(&self) -> Dense {
        let q = self.to_faer().qr().compute_thin_Q();
        Dense::from_faer(q.as_ref(), q.ncols())
    }
}

/// The leading singular triplets: `matrix ≈ left · diag(singular_values) · rightᵀ`.
pub struct TruncatedSvd {
    pub rank: usize,
    pub singular_values: Vec<f64>,
    /// Row-major `[rows, rank]`.
    pub left: Vec<f64>,
    /// Row-major `[cols, rank]`.
    pub right: Vec<f64>,
}

/// The `rank` leading singular triplets of `matrix` (fewer when the matrix is smaller).
pub fn truncated_svd(matrix: &SparseRows, rank: usize, seed: u64) -> Result<TruncatedSvd> {
    let (m, n) = (matrix.rows.len(), matrix.cols);
    let width = (rank + OVERSAMPLING).min(m).min(n);
    if width == 0 {
        return Err(anyhow!("cannot factor an empty {m} × {n} matrix"));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let omega = Dense {
        rows: n,
        cols: width,
        values: StandardNormal
            .sample_iter(&mut rng)
            .take(n * width)
            .collect(),
    };
    let transposed = matrix.transpose();
    let mut basis = matrix.times(&omega).orthonormalized();
    for _ in 0..POWER_ITERATIONS {
        let back = transposed.times(&basis).orthonormalized();
        basis = matrix.times(&back).orthonormalized();
    }
    // B = Qᵀ A is small; factor its transpose Aᵀ Q = W S Xᵀ, so A ≈ Q X S Wᵀ.
    let projected = transposed.times(&basis).to_faer();
    let svd = projected
        .thin_svd()
        .map_err(|e| anyhow!("{e:?}"))
        .context("SVD of the projected matrix did not converge")?;
    let rank = rank.min(width);
    let singular_values = (0..rank).map(|c| svd.S().column_vector()[c]).collect();
    let right = Dense::from_faer(svd.U(), rank).values;
    let x = svd.V();
    let mut left = vec![0f64; m * rank];
    left.par_chunks_mut(rank).enumerate().for_each(|(i, out)| {
        let q = basis.row(i);
        for (c, o) in out.iter_mut().enumerate() {
            *o = q.iter().enumerate().map(|(t, qt)| qt * x[(t, c)]).sum();
        }
    });
    Ok(TruncatedSvd {
        rank,
        singular_values,
        left,
        right,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn recovers_an_exactly_low_rank_matrix() {
        // A 30 × 20 matrix of rank 3 with some zeros, factored at rank 3.
        let mut rng = StdRng::seed_from_u64(7);
        let a: Vec<f64> = (0..30 * 3).map(|_| rng.random::<f64>() - 0.5).collect();
        let b: Vec<f64> = (0..3 * 20).map(|_| rng.random::<f64>() - 0.5).collect();
        let dense: Vec<Vec<f64>> = (0..30)
            .map(|i| {
                (0..20)
                    .map(|j| (0..3).map(|k| a[i * 3 + k] * b[k * 20 + j]).sum())
                    .collect()
            })
            .collect();
        let sparse = SparseRows {
            cols: 20,
            rows: dense
                .iter()
                .map(|row| {
                    row.iter()
                        .enumerate()
                        .map(|(j, &v)| (j as u32, v as f32))
                        .collect()
                })
                .collect(),
        };
        let svd = truncated_svd(&sparse, 3, 1).unwrap();
        let exact = Mat::from_fn(30, 20, |i, j| f64::from(dense[i][j] as f32))
            .thin_svd()
            .unwrap();
        for c in 0..3 {
            let want = exact.S().column_vector()[c];
            assert!(
                (svd.singular_values[c] - want).abs() < 1e-6 * want,
                "σ{c}: {} vs {want}",
                svd.singular_values[c]
            );
        }
        // left · diag(σ) · rightᵀ reproduces the matrix.
        for (i, row) in dense.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                let rebuilt: f64 = (0..3)
                    .map(|c| svd.left[i * 3 + c] * svd.singular_values[c] * svd.right[j * 3 + c])
                    .sum();
                assert!((rebuilt - v).abs() < 1e-5, "({i}, {j}): {rebuilt} vs {v}");
            }
        }
        // The right vectors are orthonormal.
        for c in 0..3 {
            for d in 0..3 {
                let dot: f64 = (0..20)
                    .map(|j| svd.right[j * 3 + c] * svd.right[j * 3 + d])
                    .sum();
                assert!(
                    (dot - f64::from(u8::from(c == d))).abs() < 1e-9,
                    "{c} {d}: {dot}"
                );
            }
        }
    }

    #[test]
    fn refuses_an_empty_matrix() {
        let empty = SparseRows {
            cols: 0,
            rows: Vec::new(),
        };
        assert!(truncated_svd(&empty, 4, 1).is_err());
    }
}
