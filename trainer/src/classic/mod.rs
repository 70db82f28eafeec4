//! The classic recommenders of the seed documents, in plain Rust (no burn):
//!
//! - [`baseline`]: Surprise's `BaselineOnly` (μ + b_u + b_i by ALS or SGD) and popularity.
//! - [`svd`]: Funk-SVD exactly as Surprise's `SVD`, and PureSVD (Cremonesi et al. 2010).
//! - [`knn`]: Surprise's `KNNWithMeans` and `KNNBaseline` with MSD, cosine, Pearson and
//!   shrunk Pearson-baseline similarities, user- or item-based.
//! - [`content`]: content-based TF-IDF over movie metadata, and its LSA reduction.
//! - [`hybrid`]: content LSA vectors next to PureSVD item factors, for cold-start movies.
//! - [`runs`]: fit, evaluate (and export) one of them: what `trainer train` and `trainer bench`
//!   call.
//!
//! Rating predictors implement [`RatingPredictor`] and are evaluated like the burn rating models.
//! The new-user models are [`ItemEmbeddings`]: the same vectors serve as input and output
//! embeddings of a `shared::FoldInModel` with an empty tower, so the page scores them with its
//! one scoring path.

pub mod baseline;
pub mod content;
pub mod hybrid;
pub mod knn;
pub mod runs;
pub mod svd;
mod truncated_svd;

use crate::data::Rating;
use crate::data::split::HeldOutUser;
use crate::evaluate::ndcg_at_100;
use anyhow::{Context, Result};
use rand::Rng;
use rayon::prelude::*;
use shared::{Activation, FoldInModel, QuantMatrix};
use std::fmt::Display;

/// Training ratings grouped by user and by item (Surprise's `ur` and `ir`), with dense indices.
pub struct RatingMatrix {
    /// Mean of all training ratings.
    pub mean: f64,
    /// Per user, `(item, rating)` in the order of the training ratings.
    pub by_user: Vec<Vec<(u32, f32)>>,
    /// Per item, `(user, rating)` in the order of the training ratings.
    pub by_item: Vec<Vec<(u32, f32)>>,
}

impl RatingMatrix {
    pub fn new(train: &[Rating], users: usize, items: usize) -> Self {
        let mut by_user = vec![Vec::new(); users];
        let mut by_item = vec![Vec::new(); items];
        for r in train {
            by_user[r.user as usize].push((r.item, r.rating));
            by_item[r.item as usize].push((r.user, r.rating));
        }
        let mean = train.iter().map(|r| f64::from(r.rating)).sum::<f64>() / train.len() as f64;
        Self {
            mean,
            by_user,
            by_item,
        }
    }

    pub fn users(&self) -> usize {
        self.by_user.len()
    }

    pub fn items(&self) -> usize {
        self.by_item.len()
    }

    /// Every rating as `(user, item, rating)`, grouped by user (Surprise's `all_ratings()`).
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        self.by_user
            .iter()
            .enumerate()
            .flat_map(|(u, row)| row.iter().map(move |&(i, r)| (u, i as usize, f64::from(r))))
    }

    pub fn knows_user(&self, user: usize) -> bool {
        self.by_user.get(user).is_some_and(|row| !row.is_empty())
    }

    pub fn knows_item(&self, item: usize) -> bool {
        self.by_item.get(item).is_some_and(|row| !row.is_empty())
    }
}

/// A model that estimates the rating a known user would give a movie.
pub trait RatingPredictor: Sync {
    /// The estimate, before it is clipped to the rating scale.
    fn estimate(&self, user: usize, item: usize) -> f64;
    /// Number of fitted values (biases, factors, similarities).
    fn parameters(&self) -> usize;
}

/// Estimates for `ratings`, clipped to `scale` as Surprise does.
pub fn predict_clipped(
    model: &dyn RatingPredictor,
    ratings: &[Rating],
    scale: (f32, f32),
) -> Vec<f32> {
    ratings
        .par_iter()
        .map(|r| (model.estimate(r.user as usize, r.item as usize) as f32).clamp(scale.0, scale.1))
        .collect()
}

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
    pub fn foldin_model(&self) -> FoldInModel {
        let matrix = QuantMatrix::quantize(&self.values, self.items, self.dims);
        FoldInModel {
            input_embeddings: matrix.clone(),
            tower: Vec::new(),
            activation: Activation::Relu,
            output_embeddings: matrix,
            output_bias: vec![0.0; self.items],
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

/// A standard normal draw (Box–Muller).
pub(crate) fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // in (0, 1]: ln is finite
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    pub(crate) fn rating(user: u32, item: u32, rating: f32) -> Rating {
        Rating {
            user,
            item,
            rating,
            timestamp: 0,
        }
    }

    #[test]
    fn rating_matrix_groups_both_ways() {
        let m = RatingMatrix::new(
            &[rating(0, 1, 4.0), rating(1, 1, 2.0), rating(0, 0, 3.0)],
            3,
            2,
        );
        assert_eq!(m.mean, 3.0);
        assert_eq!(m.by_user[0], [(1, 4.0), (0, 3.0)]);
        assert_eq!(m.by_item[1], [(0, 4.0), (1, 2.0)]);
        assert!(m.knows_user(1) && !m.knows_user(2) && !m.knows_user(7));
        let all: Vec<_> = m.iter().collect();
        assert_eq!(all, [(0, 1, 4.0), (0, 0, 3.0), (1, 1, 2.0)]);
    }

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
        let shared = shared::Scorer::new(&e.foldin_model()).score_picks(&[0, 2]);
        for (s, x) in shared.iter().zip(expected) {
            assert!((s - x).abs() < 0.02, "{shared:?}");
        }
        let unit = e.normalized_rows();
        assert!((unit.row(2)[0] - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
        assert_eq!(unit.row(1), [0.0, 1.0]);
    }

    #[test]
    fn standard_normal_has_zero_mean_and_unit_variance() {
        let mut rng = StdRng::seed_from_u64(1);
        let draws: Vec<f64> = (0..20_000).map(|_| standard_normal(&mut rng)).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }
}
