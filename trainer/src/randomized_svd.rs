//! The leading singular directions of a large matrix known only through its products, by
//! randomised subspace iteration (Halko, Martinsson & Tropp 2011, algorithms 4.4 and 5.1).
//!
//! The matrix is a [`LinearOperator`]: it multiplies a tall dense block and its transpose does,
//! nothing more, so it is never formed. PureSVD's user × movie matrix and LSA's movie × term
//! matrix are [`SparseRows`]; EASE's training-user scores `X̃·B` are a sparse matrix times a dense
//! one (`new_user::ease`). faer does the QR and the small eigen-decomposition.

use anyhow::{Context, Result, anyhow};
use faer::traits::RealField;
use faer::{Mat, Side};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

/// A matrix `A` of `rows × cols`, known through its products.
pub trait LinearOperator<T> {
    fn rows(&self) -> usize;
    fn cols(&self) -> usize;
    /// `A·x` for `x` of shape `[cols, k]`: `[rows, k]`.
    fn times(&self, x: &Mat<T>) -> Mat<T>;
    /// `Aᵀ·y` for `y` of shape `[rows, k]`: `[cols, k]`.
    fn transpose_times(&self, y: &Mat<T>) -> Mat<T>;
}

/// How hard the iteration works: extra random directions carried beyond the rank asked for,
/// rounds of subspace iteration, and the seed of the random start (fixed, so that a model is
/// reproducible).
#[derive(Clone, Copy, Debug)]
pub struct Iteration {
    pub oversampling: usize,
    pub rounds: usize,
    pub seed: u64,
}

/// Enough for the slowly decaying spectra of rating and TF-IDF matrices (PureSVD, LSA); the
/// seed is the caller's.
pub const SLOW_DECAY: Iteration = Iteration {
    oversampling: 10,
    rounds: 6,
    seed: 0,
};

/// The leading right singular vectors of `A`, with what they give.
pub struct RightSingular<T> {
    /// `[cols, rank]`, orthonormal columns, the leading direction first.
    pub vectors: Mat<T>,
    /// `A·vectors`, `[rows, rank]`: the left singular vectors times the singular values.
    pub images: Mat<T>,
    /// The squared singular values, largest first.
    pub squared_values: Vec<T>,
}

impl<T> RightSingular<T> {
    pub fn rank(&self) -> usize {
        self.vectors.ncols()
    }
}

/// The `rank` leading right singular vectors of `a` (fewer when `a` is smaller): subspace
/// iteration on `AᵀA` from a random start, orthonormalised each round, then the eigenvectors of
/// `AᵀA` within the subspace found (Rayleigh–Ritz).
pub fn right_singular<T, A>(a: &A, rank: usize, iteration: Iteration) -> Result<RightSingular<T>>
where
    T: RealField + Copy,
    StandardNormal: Distribution<T>,
    A: LinearOperator<T> + ?Sized,
{
    let (m, n) = (a.rows(), a.cols());
    let width = (rank + iteration.oversampling).min(n).min(m);
    if width == 0 {
        return Err(anyhow!("cannot factor an empty {m} × {n} matrix"));
    }
    let rank = rank.min(width);
    let mut rng = StdRng::seed_from_u64(iteration.seed);
    let mut basis = Mat::<T>::from_fn(n, width, |_, _| rng.sample(StandardNormal));
    for _ in 0..iteration.rounds {
        basis = a.transpose_times(&a.times(&basis)).qr().compute_thin_Q();
    }
    let projected = a.times(&basis);
    let small = projected.transpose() * &projected;
    let eigen = small
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| anyhow!("{e:?}"))
        .context("the eigen-decomposition of the projected matrix did not converge")?;
    // Eigenvalues come in ascending order: the last columns are the leading directions.
    let leading: Vec<usize> = (0..width).rev().take(rank).collect();
    let rotation = Mat::<T>::from_fn(width, rank, |c, k| eigen.U()[(c, leading[k])]);
    let values = eigen.S().column_vector();
    Ok(RightSingular {
        vectors: &basis * &rotation,
        images: &projected * &rotation,
        squared_values: leading.iter().map(|&c| values[c]).collect(),
    })
}

/// A sparse matrix as rows of `(column, value)`.
pub struct SparseRows<T> {
    pub cols: usize,
    pub rows: Vec<Vec<(u32, T)>>,
}

/// Rows are summed into [`LinearOperator::transpose_times`]'s result in this many contiguous
/// blocks, in parallel, and the blocks added in order: a fixed count, not one per thread, so the
/// floating-point sum is the same on every run and machine.
const SUM_BLOCKS: usize = 16;

impl<T: RealField + Copy + Send + Sync> LinearOperator<T> for SparseRows<T> {
    fn rows(&self) -> usize {
        self.rows.len()
    }

    fn cols(&self) -> usize {
        self.cols
    }

    /// Rows in parallel, each gathering rows of a row-major copy of `x`.
    fn times(&self, x: &Mat<T>) -> Mat<T> {
        let k = x.ncols();
        let x = row_major(x);
        let mut out = vec![T::zero(); self.rows.len() * k];
        out.par_chunks_mut(k.max(1))
            .zip(&self.rows)
            .for_each(|(out, row)| {
                for &(j, v) in row {
                    let from = &x[j as usize * k..(j as usize + 1) * k];
                    out.iter_mut().zip(from).for_each(|(o, x)| *o = *o + v * *x);
                }
            });
        Mat::from_fn(self.rows.len(), k, |i, c| out[i * k + c])
    }

    fn transpose_times(&self, y: &Mat<T>) -> Mat<T> {
        let k = y.ncols();
        let y = row_major(y);
        let block = self.rows.len().div_ceil(SUM_BLOCKS).max(1);
        let blocks: Vec<_> = self
            .rows
            .chunks(block)
            .zip(y.chunks(block * k.max(1)))
            .collect();
        // One wave of blocks per round of threads: as many partial sums held at once as there
        // are threads (a `cols × k` matrix each), not one per block.
        let mut total = vec![T::zero(); self.cols * k];
        for wave in blocks.chunks(rayon::current_num_threads().max(1)) {
            let partials: Vec<Vec<T>> = wave
                .par_iter()
                .map(|&(rows, y)| {
                    let mut out = vec![T::zero(); self.cols * k];
                    for (row, from) in rows.iter().zip(y.chunks(k.max(1))) {
                        for &(j, v) in row {
                            let to = &mut out[j as usize * k..(j as usize + 1) * k];
                            to.iter_mut().zip(from).for_each(|(o, y)| *o = *o + v * *y);
                        }
                    }
                    out
                })
                .collect();
            for partial in partials {
                total
                    .iter_mut()
                    .zip(&partial)
                    .for_each(|(t, p)| *t = *t + *p);
            }
        }
        Mat::from_fn(self.cols, k, |j, c| total[j * k + c])
    }
}

/// A matrix's entries row by row.
fn row_major<T: Copy>(m: &Mat<T>) -> Vec<T> {
    (0..m.nrows())
        .flat_map(|i| (0..m.ncols()).map(move |c| m[(i, c)]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ITERATION: Iteration = Iteration {
        oversampling: 10,
        rounds: 6,
        seed: 1,
    };

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
                        .map(|(j, &v)| (j as u32, v))
                        .collect()
                })
                .collect(),
        };
        let svd = right_singular(&sparse, 3, ITERATION).unwrap();
        assert_eq!(svd.rank(), 3);
        let exact = Mat::from_fn(30, 20, |i, j| dense[i][j]).thin_svd().unwrap();
        for c in 0..3 {
            let want = exact.S().column_vector()[c];
            let got = svd.squared_values[c].sqrt();
            assert!((got - want).abs() < 1e-6 * want, "σ{c}: {got} vs {want}");
        }
        // images · vectorsᵀ = A·V·Vᵀ reproduces the matrix.
        for (i, row) in dense.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                let rebuilt: f64 = (0..3)
                    .map(|c| svd.images[(i, c)] * svd.vectors[(j, c)])
                    .sum();
                assert!((rebuilt - v).abs() < 1e-9, "({i}, {j}): {rebuilt} vs {v}");
            }
        }
        // The vectors are orthonormal.
        for c in 0..3 {
            for d in 0..3 {
                let dot: f64 = (0..20)
                    .map(|j| svd.vectors[(j, c)] * svd.vectors[(j, d)])
                    .sum();
                assert!(
                    (dot - f64::from(u8::from(c == d))).abs() < 1e-9,
                    "{c} {d}: {dot}"
                );
            }
        }
    }

    #[test]
    fn sparse_products_match_dense_ones() {
        let sparse = SparseRows {
            cols: 3,
            rows: vec![vec![(0, 1.0), (2, 2.0)], vec![], vec![(1, -1.0)]],
        };
        let dense = Mat::from_fn(3, 3, |i, j| match (i, j) {
            (0, 0) => 1.0,
            (0, 2) => 2.0,
            (2, 1) => -1.0,
            _ => 0.0,
        });
        let x = Mat::from_fn(3, 2, |i, c| (i * 2 + c) as f64 + 0.5);
        assert_eq!(sparse.times(&x), &dense * &x);
        assert_eq!(sparse.transpose_times(&x), dense.transpose() * &x);
    }

    #[test]
    fn refuses_an_empty_matrix() {
        let empty = SparseRows::<f64> {
            cols: 0,
            rows: Vec::new(),
        };
        assert!(right_singular(&empty, 4, ITERATION).is_err());
    }
}
