//! EASE (Steck 2019): a closed-form item-item model, `B = I - P·diag(1/diag(P))` with
//! `P = (XᵀX + λI)⁻¹`, zero diagonal. It is the strong baseline the fold-in model must match on
//! held-out users; λ is tuned on validation users.

use crate::data::split::HeldOutUser;
use crate::evaluate::ndcg_at_100;
use anyhow::{Context, Result};
use faer::Mat;
use faer::linalg::solvers::DenseSolveCore;

pub struct Ease {
    items: usize,
    /// Row-major `[items, items]`: row i holds the weights from item i to every item.
    weights: Vec<f32>,
}

impl Ease {
    /// Fits on users' item rows (item indices `< items`).
    pub fn fit(rows: &[Vec<u32>], items: usize, lambda: f64) -> Result<Self> {
        let mut gram = Mat::<f64>::zeros(items, items);
        for row in rows {
            for &i in row {
                for &j in row {
                    gram[(i as usize, j as usize)] += 1.0;
                }
            }
        }
        for i in 0..items {
            gram[(i, i)] += lambda;
        }
        let p = gram
            .llt(faer::Side::Lower)
            .map_err(|e| anyhow::anyhow!("{e:?}"))
            .context("EASE: the regularised Gram matrix is not positive definite")?
            .inverse();
        let mut weights = vec![0f32; items * items];
        for i in 0..items {
            for j in 0..items {
                if i != j {
                    weights[i * items + j] = (-p[(i, j)] / p[(j, j)]) as f32;
                }
            }
        }
        Ok(Self { items, weights })
    }

    /// Scores for a user who picked `picks`: the sum of the picked items' weight rows.
    pub fn scores(&self, picks: &[u32]) -> Vec<f32> {
        let mut scores = vec![0f32; self.items];
        for &i in picks {
            let row = &self.weights[i as usize * self.items..(i as usize + 1) * self.items];
            scores.iter_mut().zip(row).for_each(|(s, w)| *s += w);
        }
        scores
    }

    /// A rank-`rank` factorisation `B ≈ P·Qᵀ` from the truncated SVD (`P = U√Σ`, `Q = V√Σ`),
    /// both row-major `[items, rank]`: the start of the fold-in model, whose input and output
    /// embeddings have exactly this shape.
    pub fn factors(&self, rank: usize) -> Result<(Vec<f32>, Vec<f32>)> {
        let n = self.items;
        let b = Mat::<f64>::from_fn(n, n, |i, j| self.weights[i * n + j] as f64);
        let svd = b
            .thin_svd()
            .map_err(|e| anyhow::anyhow!("{e:?}"))
            .context("EASE: SVD did not converge")?;
        let (u, v, sigma) = (svd.U(), svd.V(), svd.S().column_vector());
        let rank = rank.min(n);
        let mut input = Vec::with_capacity(n * rank);
        let mut output = Vec::with_capacity(n * rank);
        for i in 0..n {
            for k in 0..rank {
                let root = sigma[k].max(0.0).sqrt();
                input.push((u[(i, k)] * root) as f32);
                output.push((v[(i, k)] * root) as f32);
            }
        }
        Ok((input, output))
    }

    /// The rank (among `ranks`) whose factorisation ranks validation users' movies best, with
    /// its factors. One SVD serves every rank: a smaller rank keeps the leading columns.
    pub fn best_factors(
        &self,
        ranks: &[usize],
        validation: &[HeldOutUser],
    ) -> Result<(usize, Vec<f32>, Vec<f32>)> {
        let max_rank = ranks
            .iter()
            .copied()
            .max()
            .context("no rank to try")?
            .min(self.items);
        let (input, output) = self.factors(max_rank)?;
        let mut best: Option<(f64, usize)> = None;
        for &rank in ranks.iter().filter(|&&r| r <= max_rank) {
            let (p, q) = (
                leading_columns(&input, max_rank, rank),
                leading_columns(&output, max_rank, rank),
            );
            let ndcg = ndcg_at_100(validation, |picks| {
                let mut user = vec![0f32; rank];
                for &i in picks {
                    user.iter_mut()
                        .zip(&p[i as usize * rank..(i as usize + 1) * rank])
                        .for_each(|(u, v)| *u += v);
                }
                q.chunks_exact(rank)
                    .map(|row| row.iter().zip(&user).map(|(a, b)| a * b).sum())
                    .collect()
            });
            eprintln!("EASE factorised to rank {rank}: validation NDCG@100 {ndcg:.4}");
            if best.is_none_or(|(b, _)| ndcg > b) {
                best = Some((ndcg, rank));
            }
        }
        let (_, rank) = best.context("no rank within the catalogue size")?;
        Ok((
            rank,
            leading_columns(&input, max_rank, rank),
            leading_columns(&output, max_rank, rank),
        ))
    }

    /// Tries each λ and keeps the one with the best validation NDCG@100.
    pub fn tuned(
        rows: &[Vec<u32>],
        items: usize,
        validation: &[HeldOutUser],
        lambdas: &[f64],
    ) -> Result<(f64, Self)> {
        let mut best: Option<(f64, f64, Self)> = None;
        for &lambda in lambdas {
            let model = Self::fit(rows, items, lambda)?;
            let ndcg = ndcg_at_100(validation, |picks| model.scores(picks));
            eprintln!("EASE λ={lambda}: validation NDCG@100 {ndcg:.4}");
            if best.as_ref().is_none_or(|b| ndcg > b.0) {
                best = Some((ndcg, lambda, model));
            }
        }
        let (_, lambda, model) = best.context("no λ to try")?;
        Ok((lambda, model))
    }
}

/// The first `rank` columns of a row-major `[rows, width]` matrix.
fn leading_columns(matrix: &[f32], width: usize, rank: usize) -> Vec<f32> {
    matrix
        .chunks_exact(width)
        .flat_map(|row| &row[..rank])
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_co_occurrence_and_never_scores_an_item_for_itself() {
        // Items 0 and 1 always appear together, item 2 with 3.
        let rows = vec![vec![0, 1], vec![0, 1], vec![0, 1], vec![2, 3], vec![2, 3]];
        let ease = Ease::fit(&rows, 4, 0.5).unwrap();
        let s = ease.scores(&[0]);
        assert_eq!(s[0], 0.0);
        assert!(
            s[1] > 0.5 && s[2].abs() < 1e-6 && s[3].abs() < 1e-6,
            "{s:?}"
        );
        // Closed form for the 2-item block: G = [[3.5, 3], [3, 3.5]], P = G⁻¹, B01 = -P01/P11 = 3/3.5.
        assert!((s[1] - 3.0 / 3.5).abs() < 1e-5, "{}", s[1]);
    }

    #[test]
    fn full_rank_factors_reproduce_the_weights() {
        let rows = vec![
            vec![0, 1, 2],
            vec![0, 1],
            vec![1, 2],
            vec![2, 3],
            vec![0, 3],
        ];
        let ease = Ease::fit(&rows, 4, 1.0).unwrap();
        let (p, q) = ease.factors(4).unwrap();
        for i in 0..4 {
            for j in 0..4 {
                let product: f32 = (0..4).map(|k| p[i * 4 + k] * q[j * 4 + k]).sum();
                assert!(
                    (product - ease.weights[i * 4 + j]).abs() < 1e-4,
                    "({i},{j}): {product}"
                );
            }
        }
    }
}
