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
}
