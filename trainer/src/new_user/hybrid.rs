//! `hybrid`: content and collaborative signals in one linear model, for cold start.
//!
//! Each movie's vector is the concatenation `[√w · c_i, √(1 − w) · v_i / s]`: `c_i` its
//! unit-length content LSA vector ([`super::content`]), `v_i` its PureSVD factors
//! ([`super::puresvd`]) divided by `s`, the mean length of the non-zero factor rows, so that both
//! halves weigh alike. Used as input and output embeddings (empty tower, zero bias), a new
//! user's score for movie `j` is
//!
//! `w · (content similarity to the picks) + (1 − w) · (PureSVD score) / s²`,
//!
//! so a movie few training users liked (a short or all-zero factor row) is still ranked by its
//! content, and picking such a movie still moves the content half of the user vector. The
//! content weight `w` is tuned on validation users.
//!
//! Why PureSVD rather than the fold-in network's embeddings: the network's tower is nonlinear,
//! so concatenating its embeddings would not add the two scores; PureSVD's factors are a linear
//! collaborative half, scored by the same `shared` code as the content half.

use super::content::ContentConfig;
use super::content::TfIdf;
use super::embeddings::{ItemEmbeddings, best_on_validation};
use super::puresvd::{PureSvd, PureSvdConfig, PureSvdModel};
use super::{Fitted, NewUserModel};
use crate::data::split::HeldOutUser;
use crate::experiment::Experiment;
use crate::model::Model;
use crate::options::ModelOptions;
use crate::protocol::NewUserTask;
use crate::report::Phases;
use crate::training::RunSettings;
use anyhow::Result;
use burn::config::Config;
use burn::tensor::backend::AutodiffBackend;

/// `trainer train --model hybrid`.
pub struct HybridModel;

#[derive(Config, Debug)]
pub struct HybridConfig {
    /// The content half: `content`'s settings.
    pub content: ContentConfig,
    /// The collaborative half: `puresvd`'s settings.
    pub collaborative: PureSvdConfig,
    /// Content weights tried on the validation users.
    #[config(default = "vec![0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9]")]
    pub content_weights: Vec<f32>,
}

impl Model for HybridModel {
    const NAME: &'static str = "hybrid";
    const ABOUT: &'static str = "content LSA next to PureSVD factors, the content weight tuned on validation users (--factors fixes the rank)";
    type Config = HybridConfig;

    fn config(options: &mut ModelOptions, seed: u64) -> Result<HybridConfig> {
        Ok(HybridConfig::new(
            ContentConfig::new().with_seed(seed),
            PureSvdModel::config(options, seed)?,
        ))
    }
}

impl NewUserModel for HybridModel {
    fn fit<B: AutodiffBackend>(
        config: &HybridConfig,
        task: &NewUserTask,
        experiment: &Experiment<B>,
        _identity: &RunSettings,
        _phases: &mut Phases,
    ) -> Result<Fitted<HybridConfig>> {
        let ContentConfig { dims, seed } = &config.content;
        let content = TfIdf::new(experiment.dataset, &task.items).lsa(*dims, *seed)?;
        let PureSvdConfig { ranks, seed } = &config.collaborative;
        let (rank, collaborative) = PureSvd::tuned(
            &task.train_rows,
            task.items.len(),
            &task.validation,
            ranks,
            *seed,
        )?;
        let (weight, embeddings) = tuned(
            &content,
            &collaborative,
            &task.validation,
            &config.content_weights,
        )?;
        Ok(Fitted {
            weights: embeddings.foldin_weights(),
            parameters: embeddings.parameters(),
            description: format!(
                "hybrid: content LSA ({} dimensions, weight {weight}) + PureSVD (rank {rank}), tuned on validation users",
                content.dims
            ),
            history: Default::default(),
            chosen: HybridConfig {
                content: config.content.clone(),
                collaborative: PureSvdConfig {
                    ranks: vec![rank],
                    ..config.collaborative.clone()
                },
                content_weights: vec![weight],
            },
        })
    }
}

/// The concatenated vectors for content weight `content_weight` in `[0, 1]`.
pub fn combine(
    content: &ItemEmbeddings,
    collaborative: &ItemEmbeddings,
    content_weight: f32,
) -> ItemEmbeddings {
    assert_eq!(
        content.items, collaborative.items,
        "content and collaborative vectors must cover the same movies"
    );
    let norms: Vec<f32> = (0..collaborative.items)
        .map(|i| {
            collaborative
                .row(i)
                .iter()
                .map(|v| v * v)
                .sum::<f32>()
                .sqrt()
        })
        .filter(|&n| n > 0.0)
        .collect();
    let mean_norm = norms.iter().sum::<f32>() / norms.len().max(1) as f32;
    let content_scale = content_weight.sqrt();
    let collaborative_scale = if mean_norm > 0.0 {
        (1.0 - content_weight).sqrt() / mean_norm
    } else {
        0.0
    };
    let values = (0..content.items)
        .flat_map(|i| {
            let c = content.row(i).iter().map(move |v| v * content_scale);
            let v = collaborative
                .row(i)
                .iter()
                .map(move |v| v * collaborative_scale);
            c.chain(v)
        })
        .collect();
    ItemEmbeddings {
        items: content.items,
        dims: content.dims + collaborative.dims,
        values,
    }
}

/// The content weight with the best validation NDCG@100.
pub fn tuned(
    content: &ItemEmbeddings,
    collaborative: &ItemEmbeddings,
    validation: &[HeldOutUser],
    content_weights: &[f32],
) -> Result<(f32, ItemEmbeddings)> {
    best_on_validation(
        "hybrid content weight",
        content_weights
            .iter()
            .map(|&w| (w, combine(content, collaborative, w))),
        validation,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Movie 3 has content like movie 0's but nobody liked it: a zero factor row.
    fn halves() -> (ItemEmbeddings, ItemEmbeddings) {
        let content = ItemEmbeddings {
            items: 4,
            dims: 2,
            values: vec![1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.8, 0.6],
        };
        let collaborative = ItemEmbeddings {
            items: 4,
            dims: 1,
            values: vec![2.0, 2.0, -2.0, 0.0],
        };
        (content, collaborative)
    }

    #[test]
    fn the_weight_blends_the_two_scores() {
        let (content, collaborative) = halves();
        for w in [0.0, 0.3, 1.0] {
            let scores = combine(&content, &collaborative, w).scores(&[0, 1]);
            let (c, v) = (content.scores(&[0, 1]), collaborative.scores(&[0, 1]));
            for j in 0..4 {
                // Mean non-zero factor length s = 2.
                let expected = w * c[j] + (1.0 - w) * v[j] / 4.0;
                assert!((scores[j] - expected).abs() < 1e-6, "w {w}: {scores:?}");
            }
        }
    }

    #[test]
    fn a_movie_nobody_liked_still_scores_and_counts_as_a_pick() {
        let (content, collaborative) = halves();
        let hybrid = combine(&content, &collaborative, 0.5);
        // Liking movie 0 ranks movie 3 by content, although its factor row is zero...
        assert!(hybrid.scores(&[0])[3] > 0.3);
        assert_eq!(collaborative.scores(&[0])[3], 0.0);
        // ...and liking movie 3 alone still ranks movie 0 above the unrelated movie 2.
        let s = hybrid.scores(&[3]);
        assert!(s[0] > s[2], "{s:?}");
    }
}
