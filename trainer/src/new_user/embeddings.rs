//! Item vectors that the page scores as they are: the classic new-user models (PureSVD, content,
//! hybrid) are [`ItemEmbeddings`], exported as a `shared::FoldInWeights` with an empty tower.

use crate::data::split::HeldOutUser;
use crate::evaluate::ndcg_at_100;
use anyhow::{Context, Result};
use shared::{Activation, FoldInWeights, QuantMatrix};
use std::fmt::Display;

/// Item vectors that serve as both input and output embeddings: a new user's vector is the sum
/// of the picked movies' vectors divided by sqrt(#picks), and every movie scores the dot product
/// of its vector with it — `shared::Scorer` with an empty tower and zero biases.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemEmbeddings {
    pub items: usize,
    pub dims: usize,
    /// Row-major `[items, dims]`.
    pub values: Vec<f32>,
}

impl ItemEmbeddings {
    pub fn row(&self, item: usize) -> &[f32] {
        &self.values[item * self.dims..(item + 1) * self.dims]
    }

    /// Scores for a new user who picked `picks`, in f32 (no quantisation): for tuning.
    pub fn scores(&self, picks: &[u32]) -> Vec<f32> {
        let user = shared::foldin::pool(&self.values, self.dims, picks.iter().map(|&p| p as usize));
        self.values
            .chunks_exact(self.dims.max(1))
            .map(|row| shared::foldin::dot(row, &user))
            .collect()
    }

    /// Every non-zero row scaled to unit length.
    pub fn normalized_rows(mut self) -> Self {
        for row in self.values.chunks_exact_mut(self.dims.max(1)) {
            let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                row.iter_mut().for_each(|v| *v /= norm);
            }
        }
        self
    }

    pub fn parameters(&self) -> usize {
        self.values.len()
    }

    /// The page's weights: these vectors in, an empty tower, the same vectors out, no bias.
    pub fn foldin_weights(&self) -> FoldInWeights {
        let matrix = QuantMatrix::quantize(&self.values, self.items, self.dims);
        FoldInWeights {
            input_embeddings: matrix.clone(),
            tower: Vec::new(),
            activation: Activation::Relu,
            output_embeddings: matrix,
            output_bias: vec![0.0; self.items],
            neighbours: None,
        }
    }
}

/// The candidate whose embeddings score the best validation NDCG@100 (the first one on ties).
pub fn best_on_validation<T: Display>(
    what: &str,
    candidates: impl IntoIterator<Item = (T, ItemEmbeddings)>,
    validation: &[HeldOutUser],
) -> Result<(T, ItemEmbeddings)> {
    let mut best: Option<(f64, T, ItemEmbeddings)> = None;
    for (setting, embeddings) in candidates {
        let ndcg = ndcg_at_100(validation, |picks| embeddings.scores(picks));
        eprintln!("{what} {setting}: validation NDCG@100 {ndcg:.4}");
        if best.as_ref().is_none_or(|b| ndcg > b.0) {
            best = Some((ndcg, setting, embeddings));
        }
    }
    let (_, setting, embeddings) = best.with_context(|| format!("{what}: nothing to try"))?;
    Ok((setting, embeddings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeddings_score_like_the_shared_scorer() {
        let e = ItemEmbeddings {
            items: 3,
            dims: 2,
            values: vec![1.0, 0.0, 0.0, 2.0, 1.0, 1.0],
        };
        // Picks {0, 2}: user = ([1,0] + [1,1]) / sqrt(2) = [√2, √2/2]; scores √2, √2, 1.5·√2.
        let scores = e.scores(&[0, 2]);
        let root2 = std::f32::consts::SQRT_2;
        let expected = [root2, root2, 1.5 * root2];
        for (s, x) in scores.iter().zip(expected) {
            assert!((s - x).abs() < 1e-4, "{scores:?}");
        }
        let shared = shared::Scorer::new(&e.foldin_weights()).score_picks(&[0, 2]);
        for (s, x) in shared.iter().zip(expected) {
            assert!((s - x).abs() < 0.02, "{shared:?}");
        }
        let unit = e.normalized_rows();
        assert!((unit.row(2)[0] - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
        assert_eq!(unit.row(1), [0.0, 1.0]);
    }
}
