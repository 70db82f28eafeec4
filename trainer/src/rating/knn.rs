//! `knn-user`, `knn-item`, `knn-baseline` and `knn-baseline-item`: neighbourhood models, as
//! Surprise's `KNNWithMeans` and `KNNBaseline`.
//!
//! User-based (the default, as in Surprise) the neighbours of user `u` for movie `i` are the
//! users who rated `i`; item-based they are the movies `u` rated. Of those, the `k` most similar
//! (default 40) are kept and the ones with a positive similarity vote:
//!
//! - with means: `r̂ = μ_x + Σ sim(x, n) (r_n − μ_n) / Σ sim(x, n)`, μ the mean rating of a user
//!   (user-based) or movie (item-based);
//! - with baselines: `r̂ = b_ui + Σ sim(x, n) (r_n − b_n) / Σ sim(x, n)`, `b` the ALS baselines
//!   of [`super::baseline`].
//!
//! With fewer than `min_k` (default 1) voters the neighbour term is 0. Similarities over the
//! items (users) two users (items) share, 0 below `min_support` (default 1) shared ratings:
//! - MSD (Surprise's default): `1 / (mean squared difference + 1)`;
//! - cosine of the shared ratings;
//! - Pearson correlation of the shared ratings (means over the shared ones, as Surprise);
//! - Pearson-baseline: the correlation of the residuals from the baselines, shrunk by
//!   `(n − 1) / (n − 1 + 100)` for `n` shared ratings (Koren 2010).
//!
//! As in Surprise, a user or movie without training ratings gets the global mean (with means)
//! or its baseline (with baselines).

use super::baseline::{Baseline, BaselineFit};
use super::matrix::{RatingMatrix, RatingPredictor};
use super::{Fitted, Published, RatingModel};
use crate::data::Rating;
use crate::experiment::Experiment;
use crate::model::Model;
use crate::options::ModelOptions;
use crate::options::Similarity;
use crate::training::RunSettings;
use anyhow::Result;
use burn::config::Config;
use burn::tensor::backend::AutodiffBackend;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares a neighbourhood model: its name, help, default settings and published figures.
/// Each reads `--k` and `--similarity`.
macro_rules! knn_model {
    ($(#[doc = $doc:literal])* $model:ident, $name:literal, $about:literal, $defaults:expr, $surprise:expr) => {
        $(#[doc = $doc])*
        pub struct $model;

        impl Model for $model {
            const NAME: &'static str = $name;
            const ABOUT: &'static str = $about;
            type Config = KnnConfig;

            fn config(options: &mut ModelOptions, _seed: u64) -> Result<KnnConfig> {
                let defaults: KnnConfig = $defaults;
                Ok(KnnConfig {
                    k: options.neighbours.take().unwrap_or(defaults.k),
                    similarity: options.similarity.take().unwrap_or(defaults.similarity),
                    ..defaults
                })
            }
        }

        impl RatingModel for $model {
            const SURPRISE: Option<Published> = $surprise;

            fn fit<'a, B: AutodiffBackend>(
                config: &KnnConfig,
                train: &[Rating],
                experiment: &'a Experiment<B>,
                _identity: &RunSettings,
            ) -> Result<Fitted<'a>> {
                let matrix = RatingMatrix::of(train, experiment.dataset);
                Ok(Knn::fit(&matrix, *config).into_fitted())
            }
        }
    };
}

knn_model!(
    /// `trainer train --model knn-user`.
    KnnUserModel,
    "knn-user",
    "user-based k-NN with means, MSD (Surprise's KNNWithMeans)",
    KnnConfig::new(Centering::Means),
    Some(Published { name: "KNNWithMeans", rmse: 0.951, mae: 0.749 })
);
knn_model!(
    /// `trainer train --model knn-item`.
    KnnItemModel,
    "knn-item",
    "item-based k-NN with means, MSD (Surprise's KNNWithMeans, user_based false)",
    KnnConfig::new(Centering::Means).with_user_based(false),
    None
);
knn_model!(
    /// `trainer train --model knn-baseline`.
    KnnBaselineModel,
    "knn-baseline",
    "user-based k-NN around the ALS baselines, MSD (Surprise's KNNBaseline)",
    KnnConfig::new(Centering::Baselines),
    Some(Published { name: "KNNBaseline", rmse: 0.931, mae: 0.733 })
);
knn_model!(
    /// `trainer train --model knn-baseline-item`.
    KnnBaselineItemModel,
    "knn-baseline-item",
    "item-based k-NN around the ALS baselines, shrunk Pearson-baseline (Surprise's KNNBaseline as its docs suggest)",
    KnnConfig::new(Centering::Baselines)
        .with_user_based(false)
        .with_similarity(Similarity::PEARSON_BASELINE),
    None
);

/// How the neighbours' ratings are centred.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Centering {
    /// `KNNWithMeans`.
    Means,
    /// `KNNBaseline`.
    Baselines,
}

/// Surprise's defaults: MSD, user-based, k = 40, min_k = 1, min_support = 1.
#[derive(Config, Copy, Debug, PartialEq)]
pub struct KnnConfig {
    pub centering: Centering,
    #[config(default = "Similarity::Msd")]
    pub similarity: Similarity,
    #[config(default = true)]
    pub user_based: bool,
    /// Neighbours kept.
    #[config(default = 40)]
    pub k: usize,
    /// Fewer voting neighbours than this give no neighbour term.
    #[config(default = 1)]
    pub min_k: usize,
    /// Fewer shared ratings than this give a similarity of 0.
    #[config(default = 1)]
    pub min_support: usize,
}

pub struct Knn {
    config: KnnConfig,
    global_mean: f64,
    known_user: Vec<bool>,
    known_item: Vec<bool>,
    /// Per `y` (item when user-based, user when item-based), the `(x, rating)` who rated it.
    raters: Vec<Vec<(u32, f32)>>,
    /// Mean rating of each `x` (with means).
    means: Vec<f64>,
    /// ALS baselines (with baselines or the Pearson-baseline similarity).
    baseline: Option<Baseline>,
    /// Row-major `[xs, xs]`.
    similarities: Vec<f32>,
    xs: usize,
}

impl Knn {
    pub fn fit(matrix: &RatingMatrix, config: KnnConfig) -> Self {
        let needs_baseline = config.centering == Centering::Baselines
            || matches!(config.similarity, Similarity::PearsonBaseline { .. });
        let baseline = needs_baseline.then(|| Baseline::fit(matrix, BaselineFit::ALS));
        let (by_x, by_y) = if config.user_based {
            (&matrix.by_user, &matrix.by_item)
        } else {
            (&matrix.by_item, &matrix.by_user)
        };
        let biases = baseline.as_ref().map(|b| {
            let (x, y) = sides(b, config.user_based);
            Biases { mean: b.mean, x, y }
        });
        let similarities = similarity_matrix(
            by_x,
            by_y,
            config.similarity,
            config.min_support,
            biases.as_ref(),
        );
        let means = by_x
            .iter()
            .map(|row| {
                row.iter().map(|&(_, r)| f64::from(r)).sum::<f64>() / row.len().max(1) as f64
            })
            .collect();
        Self {
            config,
            global_mean: matrix.mean,
            known_user: (0..matrix.users()).map(|u| matrix.knows_user(u)).collect(),
            known_item: (0..matrix.items()).map(|i| matrix.knows_item(i)).collect(),
            raters: by_y.clone(),
            means,
            baseline,
            similarities,
            xs: by_x.len(),
        }
    }

    fn similarity(&self, a: usize, b: usize) -> f32 {
        self.similarities[a * self.xs + b]
    }
}

impl Knn {
    /// What a neighbour's rating of `y` is compared with: its mean, or its baseline.
    fn neighbour_base(&self, neighbour: usize, y: usize) -> f64 {
        match (&self.baseline, self.config.centering) {
            (Some(b), Centering::Baselines) => {
                let (x_bias, y_bias) = sides(b, self.config.user_based);
                b.mean + x_bias[neighbour] + y_bias[y]
            }
            _ => self.means[neighbour],
        }
    }
}

/// A baseline's biases as (x side, y side).
fn sides(b: &Baseline, user_based: bool) -> (&[f64], &[f64]) {
    if user_based {
        (&b.user_bias, &b.item_bias)
    } else {
        (&b.item_bias, &b.user_bias)
    }
}

impl RatingPredictor for Knn {
    fn estimate(&self, user: usize, item: usize) -> f64 {
        let (known_user, known_item) = (self.known_user[user], self.known_item[item]);
        let known = known_user && known_item;
        let (x, y) = if self.config.user_based {
            (user, item)
        } else {
            (item, user)
        };
        let base = match (&self.baseline, self.config.centering) {
            (Some(b), Centering::Baselines) => {
                let user_bias = if known_user { b.user_bias[user] } else { 0.0 };
                let item_bias = if known_item { b.item_bias[item] } else { 0.0 };
                b.mean + user_bias + item_bias
            }
            _ if known => self.means[x],
            _ => self.global_mean,
        };
        if !known {
            return base;
        }
        let mut neighbours: Vec<(f32, usize, f32)> = self.raters[y]
            .iter()
            .map(|&(n, r)| (self.similarity(x, n as usize), n as usize, r))
            .collect();
        // The k most similar; a stable sort keeps equal similarities in rating order, as
        // Surprise's `heapq.nlargest` does (MSD ties at 1 are common).
        neighbours.sort_by(|a, b| b.0.total_cmp(&a.0));
        neighbours.truncate(self.config.k);
        let (mut weighted, mut total, mut voters) = (0f64, 0f64, 0usize);
        for &(sim, n, r) in neighbours.iter().filter(|n| n.0 > 0.0) {
            weighted += f64::from(sim) * (f64::from(r) - self.neighbour_base(n, y));
            total += f64::from(sim);
            voters += 1;
        }
        if voters < self.config.min_k || total == 0.0 {
            base
        } else {
            base + weighted / total
        }
    }

    fn parameters(&self) -> usize {
        self.similarities.len()
            + self.means.len()
            + self
                .baseline
                .as_ref()
                .map_or(0, |b| b.user_bias.len() + b.item_bias.len() + 1)
    }
}

/// Baselines seen from the x side: `μ + x[a] + y[b]`.
struct Biases<'a> {
    mean: f64,
    x: &'a [f64],
    y: &'a [f64],
}

/// Sums over the ratings that two x's share, from which every similarity follows.
#[derive(Clone, Copy, Default)]
struct Shared {
    count: u32,
    /// Σ a·b, Σ a², Σ b², Σ a, Σ b of the shared ratings (or residuals) a of x and b of x2.
    products: f64,
    squares_a: f64,
    squares_b: f64,
    sum_a: f64,
    sum_b: f64,
}

impl Shared {
    fn similarity(&self, kind: Similarity) -> f64 {
        let n = f64::from(self.count);
        let ratio = |num: f64, den: f64| if den > 0.0 { num / den } else { 0.0 };
        match kind {
            Similarity::Msd => {
                let squared_differences = self.squares_a - 2.0 * self.products + self.squares_b;
                1.0 / (squared_differences.max(0.0) / n + 1.0)
            }
            Similarity::Cosine => ratio(self.products, (self.squares_a * self.squares_b).sqrt()),
            Similarity::Pearson => {
                let num = n * self.products - self.sum_a * self.sum_b;
                let den = (n * self.squares_a - self.sum_a * self.sum_a)
                    .max(0.0)
                    .sqrt()
                    * (n * self.squares_b - self.sum_b * self.sum_b)
                        .max(0.0)
                        .sqrt();
                ratio(num, den)
            }
            Similarity::PearsonBaseline { shrinkage } => {
                ratio(self.products, (self.squares_a * self.squares_b).sqrt()) * (n - 1.0)
                    / (n - 1.0 + shrinkage)
            }
        }
    }
}

/// The `[xs, xs]` similarity matrix, one row at a time: for x, every x2 that rated one of the
/// y's x rated gathers the shared sums.
fn similarity_matrix(
    by_x: &[Vec<(u32, f32)>],
    by_y: &[Vec<(u32, f32)>],
    kind: Similarity,
    min_support: usize,
    biases: Option<&Biases>,
) -> Vec<f32> {
    let xs = by_x.len();
    let value = |x: usize, y: usize, r: f32| match (kind, biases) {
        (Similarity::PearsonBaseline { .. }, Some(b)) => f64::from(r) - (b.mean + b.x[x] + b.y[y]),
        _ => f64::from(r),
    };
    let mut out = vec![0f32; xs * xs];
    out.par_chunks_mut(xs.max(1)).enumerate().for_each_init(
        || (vec![Shared::default(); xs], Vec::new()),
        |(shared, touched), (x, row)| {
            for &(y, r) in &by_x[x] {
                let a = value(x, y as usize, r);
                for &(x2, r2) in &by_y[y as usize] {
                    let b = value(x2 as usize, y as usize, r2);
                    let s = &mut shared[x2 as usize];
                    if s.count == 0 {
                        touched.push(x2);
                    }
                    s.count += 1;
                    s.products += a * b;
                    s.squares_a += a * a;
                    s.squares_b += b * b;
                    s.sum_a += a;
                    s.sum_b += b;
                }
            }
            for x2 in touched.drain(..) {
                let s = std::mem::take(&mut shared[x2 as usize]);
                if s.count as usize >= min_support {
                    row[x2 as usize] = s.similarity(kind) as f32;
                }
            }
        },
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::matrix::tests::rating;

    /// u0: i0 = 5, i1 = 3; u1: i0 = 4, i1 = 2, i2 = 4; u2: i0 = 1, i1 = 5, i2 = 2.
    fn tiny() -> RatingMatrix {
        let r = [
            rating(0, 0, 5.0),
            rating(0, 1, 3.0),
            rating(1, 0, 4.0),
            rating(1, 1, 2.0),
            rating(1, 2, 4.0),
            rating(2, 0, 1.0),
            rating(2, 1, 5.0),
            rating(2, 2, 2.0),
        ];
        RatingMatrix::new(&r, 4, 4)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn user_based_with_means_by_hand() {
        let knn = Knn::fit(&tiny(), KnnConfig::new(Centering::Means));
        // MSD(u0, u1): differences 1, 1 → 1/(1 + 1) = 0.5; MSD(u0, u2): 4, −2 → 1/(10 + 1).
        assert!(close(f64::from(knn.similarity(0, 1)), 0.5));
        assert!(close(f64::from(knn.similarity(0, 2)), 1.0 / 11.0));
        // Means 4, 10/3, 8/3: r̂(u0, i2) = 4 + (0.5·(4 − 10/3) + (1/11)(2 − 8/3)) / (0.5 + 1/11)
        //                                = 4 + 6/13.
        assert!(
            close(knn.estimate(0, 2), 4.0 + 6.0 / 13.0),
            "{}",
            knn.estimate(0, 2)
        );
        // k = 1 keeps only u1: 4 + 2/3.
        let mut config = KnnConfig::new(Centering::Means);
        config.k = 1;
        assert!(close(
            Knn::fit(&tiny(), config).estimate(0, 2),
            4.0 + 2.0 / 3.0
        ));
        // Unknown user 3 or movie 3: the global mean 26/8.
        assert!(close(knn.estimate(3, 0), 3.25) && close(knn.estimate(0, 3), 3.25));
    }

    #[test]
    fn item_based_with_means_by_hand() {
        let knn = Knn::fit(
            &tiny(),
            KnnConfig::new(Centering::Means).with_user_based(false),
        );
        // MSD(i2, i0): u1 4 vs 4, u2 2 vs 1 → 1/(0.5 + 1) = 2/3; MSD(i2, i1): 2, −3 → 1/7.5.
        assert!(close(f64::from(knn.similarity(2, 0)), 2.0 / 3.0));
        assert!(close(f64::from(knn.similarity(2, 1)), 2.0 / 15.0));
        // Item means 10/3, 10/3, 3: r̂(u0, i2) = 3 + ((2/3)(5 − 10/3) + (2/15)(3 − 10/3)) / (12/15)
        //                                      = 3 + 4/3.
        assert!(
            close(knn.estimate(0, 2), 3.0 + 4.0 / 3.0),
            "{}",
            knn.estimate(0, 2)
        );
    }

    #[test]
    fn cosine_and_pearson_by_hand() {
        let matrix = tiny();
        let sims = |kind| similarity_matrix(&matrix.by_user, &matrix.by_item, kind, 1, None);
        // u1 and u2 share i0, i1, i2: (4, 2, 4) and (1, 5, 2).
        // cosine = (4 + 10 + 8) / sqrt(36 · 30) = 22 / sqrt(1080).
        let cosine = sims(Similarity::Cosine);
        assert!(close(f64::from(cosine[4 + 2]), 22.0 / 1080f64.sqrt()));
        // Pearson: centred (2/3, −4/3, 2/3) and (−5/3, 7/3, −2/3):
        // Σ = −10/9 − 28/9 − 4/9 = −42/9, norms sqrt(24/9) and sqrt(78/9) → −42 / sqrt(24 · 78).
        let pearson = sims(Similarity::Pearson);
        assert!(close(
            f64::from(pearson[4 + 2]),
            -42.0 / (24.0f64 * 78.0).sqrt()
        ));
        // min_support 3: u0 shares only 2 movies with u1.
        let supported =
            similarity_matrix(&matrix.by_user, &matrix.by_item, Similarity::Msd, 3, None);
        assert_eq!(supported[1], 0.0);
        assert!(supported[4 + 2] > 0.0);
    }

    #[test]
    fn pearson_baseline_shrinks_the_residual_correlation() {
        let matrix = tiny();
        let zeros = vec![0.0; 4];
        let biases = Biases {
            mean: 3.0,
            x: &zeros,
            y: &zeros,
        };
        let kind = Similarity::PearsonBaseline { shrinkage: 2.0 };
        let sims = similarity_matrix(&matrix.by_user, &matrix.by_item, kind, 1, Some(&biases));
        // Residuals from 3: u1 (1, −1, 1), u2 (−2, 2, −1): Σ = −5, norms sqrt(3), sqrt(9);
        // 3 shared → shrink (3 − 1)/(3 − 1 + 2) = 1/2.
        assert!(close(
            f64::from(sims[4 + 2]),
            -5.0 / (3.0 * 3f64.sqrt()) * 0.5
        ));
    }

    #[test]
    fn baseline_centering_adds_neighbours_residuals_to_the_baseline() {
        let matrix = tiny();
        let knn = Knn::fit(&matrix, KnnConfig::new(Centering::Baselines));
        let b = Baseline::fit(&matrix, BaselineFit::ALS);
        let residual = |u: usize, r: f64| r - b.baseline(u, 2);
        let (s1, s2) = (0.5, 1.0 / 11.0);
        let expected =
            b.baseline(0, 2) + (s1 * residual(1, 4.0) + s2 * residual(2, 2.0)) / (s1 + s2);
        assert!(
            close(knn.estimate(0, 2), expected),
            "{} {expected}",
            knn.estimate(0, 2)
        );
        // An unknown movie gets the baseline without a movie bias.
        assert!(close(knn.estimate(0, 3), b.mean + b.user_bias[0]));
    }
}
