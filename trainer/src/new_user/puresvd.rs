//! `puresvd`: PureSVD (Cremonesi, Koren & Turrin 2010), the truncated SVD `R ≈ U Σ Vᵀ` of the
//! user × movie matrix with zeros where nothing is known (here: 1 for a liked movie); a user with
//! picks `x` scores `x V Vᵀ`. That is [`ItemEmbeddings`] with `V` as both embeddings, so a
//! brand-new user is folded in without refitting and the page runs it as it is.

use super::embeddings::{ItemEmbeddings, best_on_validation};
use super::{Fitted, NewUserModel};
use crate::data::split::HeldOutUser;
use crate::experiment::Experiment;
use crate::model::Model;
use crate::options::ModelOptions;
use crate::protocol::NewUserTask;
use crate::randomized_svd::{Iteration, SLOW_DECAY, SparseRows, right_singular};
use crate::report::Phases;
use crate::training::RunSettings;
use anyhow::Result;
use burn::config::Config;
use burn::tensor::backend::AutodiffBackend;

/// `trainer train --model puresvd`.
pub struct PureSvdModel;

#[derive(Config, Debug)]
pub struct PureSvdConfig {
    /// Ranks tried on the validation users.
    #[config(default = "vec![8, 16, 32, 64, 128, 256]")]
    pub ranks: Vec<usize>,
    #[config(default = 42)]
    pub seed: u64,
}

impl Model for PureSvdModel {
    const NAME: &'static str = "puresvd";
    const ABOUT: &'static str = "PureSVD of the liked-movies matrix, its rank tuned on validation users (--factors fixes it)";
    type Config = PureSvdConfig;

    fn config(options: &mut ModelOptions, seed: u64) -> Result<PureSvdConfig> {
        let mut config = PureSvdConfig::new().with_seed(seed);
        if let Some(rank) = options.factors.take() {
            config.ranks = vec![rank];
        }
        Ok(config)
    }
}

impl NewUserModel for PureSvdModel {
    fn fit<B: AutodiffBackend>(
        config: &PureSvdConfig,
        task: &NewUserTask,
        _run: &Experiment<B>,
        _identity: &RunSettings,
        _phases: &mut Phases,
    ) -> Result<Fitted<PureSvdConfig>> {
        let (rank, embeddings) = PureSvd::tuned(
            &task.train_rows,
            task.items.len(),
            &task.validation,
            &config.ranks,
            config.seed,
        )?;
        Ok(Fitted {
            weights: embeddings.foldin_weights(),
            parameters: embeddings.parameters(),
            description: format!(
                "PureSVD of the liked-movies matrix, rank {rank} (tuned on validation users)"
            ),
            history: Default::default(),
            chosen: PureSvdConfig {
                ranks: vec![rank],
                ..config.clone()
            },
        })
    }
}

/// The right singular vectors of the user × movie like-matrix, up to some largest rank.
pub struct PureSvd {
    items: usize,
    max_rank: usize,
    /// Row-major `[items, max_rank]`: `V`.
    item_factors: Vec<f64>,
}

impl PureSvd {
    /// Factors the matrix whose row `u` has a 1 at each movie in `rows[u]`.
    pub fn fit(rows: &[Vec<u32>], items: usize, max_rank: usize, seed: u64) -> Result<Self> {
        let matrix = SparseRows {
            cols: items,
            rows: rows
                .iter()
                .map(|row| row.iter().map(|&i| (i, 1.0)).collect())
                .collect(),
        };
        let svd = right_singular(&matrix, max_rank, Iteration { seed, ..SLOW_DECAY })?;
        let max_rank = svd.rank();
        let vectors = &svd.vectors;
        let item_factors = (0..items)
            .flat_map(|i| (0..max_rank).map(move |c| vectors[(i, c)]))
            .collect();
        Ok(Self {
            items,
            max_rank,
            item_factors,
        })
    }

    /// The model with the `rank` leading factors.
    pub fn embeddings(&self, rank: usize) -> ItemEmbeddings {
        let rank = rank.min(self.max_rank);
        let values = self
            .item_factors
            .chunks_exact(self.max_rank)
            .flat_map(|row| row[..rank].iter().map(|&v| v as f32))
            .collect();
        ItemEmbeddings {
            items: self.items,
            dims: rank,
            values,
        }
    }

    /// Factors once at the largest rank, keeps the rank with the best validation NDCG@100.
    pub fn tuned(
        rows: &[Vec<u32>],
        items: usize,
        validation: &[HeldOutUser],
        ranks: &[usize],
        seed: u64,
    ) -> Result<(usize, ItemEmbeddings)> {
        let largest = ranks.iter().copied().max().unwrap_or(0);
        let svd = Self::fit(rows, items, largest, seed)?;
        best_on_validation(
            "PureSVD rank",
            ranks.iter().map(|&rank| (rank, svd.embeddings(rank))),
            validation,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pure_svd_scores_co_liked_movies() {
        // Movies 0, 1, 2 are liked together, 3 and 4 together.
        let rows = vec![
            vec![0, 1, 2],
            vec![0, 1],
            vec![1, 2],
            vec![0, 2],
            vec![3, 4],
            vec![3, 4],
        ];
        let svd = PureSvd::fit(&rows, 5, 2, 3).unwrap();
        let scores = svd.embeddings(2).scores(&[0]);
        assert!(scores[1] > 0.1 && scores[2] > 0.1, "{scores:?}");
        assert!(
            scores[3].abs() < 1e-5 && scores[4].abs() < 1e-5,
            "{scores:?}"
        );
        // Rank 1 keeps only the larger block.
        let rank_one = svd.embeddings(1);
        assert_eq!(rank_one.dims, 1);
        assert!(rank_one.scores(&[3])[4].abs() < 1e-5);
    }
}
