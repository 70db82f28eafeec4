//! Training the explicit-rating models (MF, NeuMF, deep): mini-batches of ratings, the loss
//! (MSE, L1 or smooth L1, optionally weighted by recency), early stopping on validation RMSE.

use crate::data::Rating;
use crate::models::{RatingBatch, RatingModel};
use crate::training::{Goal, History, Plan, fit};
use anyhow::Result;
use burn::module::AutodiffModule;
use burn::optim::AdamConfig;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};

/// The training loss for explicit ratings (seed 004 compares all three).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
pub enum Loss {
    Mse,
    L1,
    SmoothL1,
}

impl Loss {
    fn per_example<B: Backend>(self, error: Tensor<B, 1>) -> Tensor<B, 1> {
        match self {
            Loss::Mse => error.powi_scalar(2),
            Loss::L1 => error.abs(),
            Loss::SmoothL1 => {
                // Huber with delta 1: 0.5 e² inside |e| < 1, |e| - 0.5 outside.
                let abs = error.abs();
                let inside = abs.clone().lower_elem(1.0).float();
                let quadratic = abs.clone().powi_scalar(2) * 0.5;
                let linear = abs - 0.5;
                quadratic * inside.clone() + linear * (inside.neg() + 1.0)
            }
        }
    }
}

/// Ratings plus what a batch needs besides them.
pub struct RatingData<'a> {
    pub train: &'a [Rating],
    pub validation: &'a [Rating],
    pub mean: f32,
    /// Row-major multi-hot `[items, genres]`.
    pub item_genres: &'a [f32],
    pub genres: usize,
    /// Optional per-rating weights for `train` (time decay); `None` weighs all equally.
    pub weights: Option<&'a [f32]>,
    pub rating_range: (f32, f32),
}

impl RatingData<'_> {
    pub fn batch<B: Backend>(&self, ratings: &[&Rating], device: &B::Device) -> RatingBatch<B> {
        let n = ratings.len();
        let users: Vec<i32> = ratings.iter().map(|r| r.user as i32).collect();
        let items: Vec<i32> = ratings.iter().map(|r| r.item as i32).collect();
        let targets: Vec<f32> = ratings.iter().map(|r| r.rating - self.mean).collect();
        let mut genres = Vec::with_capacity(n * self.genres);
        for r in ratings {
            let row = r.item as usize * self.genres;
            genres.extend_from_slice(&self.item_genres[row..row + self.genres]);
        }
        RatingBatch {
            users: Tensor::from_data(TensorData::new(users, [n]), device),
            items: Tensor::from_data(TensorData::new(items, [n]), device),
            targets: Tensor::from_data(TensorData::new(targets, [n]), device),
            item_genres: Tensor::from_data(TensorData::new(genres, [n, self.genres]), device),
        }
    }

    /// Predicted ratings (mean added back, clipped to the rating scale) for `ratings`.
    pub fn predict<B: Backend, M: RatingModel<B>>(
        &self,
        model: &M,
        ratings: &[Rating],
        device: &B::Device,
    ) -> Vec<f32> {
        let mut out = Vec::with_capacity(ratings.len());
        for chunk in ratings.chunks(8192) {
            let refs: Vec<&Rating> = chunk.iter().collect();
            let batch = self.batch::<B>(&refs, device);
            let pred: Vec<f32> = model
                .predict(&batch)
                .into_data()
                .convert::<f32>()
                .to_vec()
                .expect("f32 predictions");
            let (lo, hi) = self.rating_range;
            out.extend(pred.into_iter().map(|p| (p + self.mean).clamp(lo, hi)));
        }
        out
    }
}

/// Trains an explicit-rating model; early stopping on validation RMSE.
pub fn train_explicit<B, M>(
    model: M,
    data: &RatingData,
    loss: Loss,
    plan: &Plan,
    device: &B::Device,
) -> Result<(M::InnerModule, History)>
where
    B: AutodiffBackend,
    M: AutodiffModule<B> + RatingModel<B>,
    M::InnerModule: RatingModel<B::InnerBackend>,
{
    let optim = AdamConfig::new().init::<B, M>();
    let truth: Vec<f32> = data.validation.iter().map(|r| r.rating).collect();
    let ratings: Vec<usize> = (0..data.train.len()).collect();
    fit(
        model,
        optim,
        plan,
        ("RMSE", Goal::Minimize),
        device,
        (ratings, |model: &M, chunk: &[usize]| {
            let refs: Vec<&Rating> = chunk.iter().map(|&i| &data.train[i]).collect();
            let batch = data.batch::<B>(&refs, device);
            let error = model.predict(&batch) - batch.targets.clone();
            let per_example = loss.per_example(error) + model.penalty(&batch);
            match data.weights {
                Some(weights) => {
                    let w: Vec<f32> = chunk.iter().map(|&i| weights[i]).collect();
                    let w = Tensor::from_data(TensorData::new(w, [chunk.len()]), device);
                    (per_example * w).mean()
                }
                None => per_example.mean(),
            }
        }),
        |valid| {
            let pred = data.predict::<B::InnerBackend, _>(valid, data.validation, device);
            crate::metrics::rmse(&pred, &truth)
        },
    )
}
