//! I-AutoRec (Sedhain et al. 2015): each movie's column of ratings (one entry per user, zero
//! where unrated) goes through a sigmoid hidden layer and is reconstructed; the loss counts only
//! the observed ratings. A rating is read off the reconstruction of the movie's column. The
//! item-based variant is the one that beats matrix factorisation on MovieLens.

use crate::data::Rating;
use crate::training::{Goal, History, Plan, fit};
use anyhow::Result;
use burn::nn::{Linear, LinearConfig};
use burn::optim::AdamConfig;
use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use burn::tensor::backend::AutodiffBackend;

#[derive(Config, Debug)]
pub struct AutoRecConfig {
    #[config(default = 500)]
    pub hidden: usize,
}

#[derive(Module, Debug)]
pub struct AutoRec<B: Backend> {
    encoder: Linear<B>,
    decoder: Linear<B>,
}

impl AutoRecConfig {
    pub fn init<B: Backend>(&self, users: usize, device: &B::Device) -> AutoRec<B> {
        AutoRec {
            encoder: LinearConfig::new(users, self.hidden).init(device),
            decoder: LinearConfig::new(self.hidden, users).init(device),
        }
    }
}

impl<B: Backend> AutoRec<B> {
    /// Reconstructed rating columns `[items, users]` from observed ones (zeros where unrated).
    pub fn forward(&self, columns: Tensor<B, 2>) -> Tensor<B, 2> {
        self.decoder.forward(sigmoid(self.encoder.forward(columns)))
    }

    /// Mean squared error over the observed entries plus `l2` times the squared weights.
    pub fn loss(&self, columns: Tensor<B, 2>, observed: Tensor<B, 2>, l2: f64) -> Tensor<B, 1> {
        let count = observed.clone().sum().clamp_min(1.0);
        let error = (self.forward(columns.clone()) - columns) * observed;
        let weights = self.encoder.weight.val().powi_scalar(2).sum()
            + self.decoder.weight.val().powi_scalar(2).sum();
        error.powi_scalar(2).sum() / count + weights * l2
    }
}

/// Ratings laid out as one row per movie and one column per user, for [`AutoRec`].
pub struct RatingColumns {
    pub items: usize,
    pub users: usize,
    values: Vec<f32>,
    observed: Vec<f32>,
    /// Whether each movie has any training rating (others fall back to the mean).
    pub rated: Vec<bool>,
}

impl RatingColumns {
    pub fn new(ratings: &[Rating], items: usize, users: usize) -> Self {
        let mut values = vec![0f32; items * users];
        let mut observed = vec![0f32; items * users];
        let mut rated = vec![false; items];
        for r in ratings {
            let at = r.item as usize * users + r.user as usize;
            values[at] = r.rating;
            observed[at] = 1.0;
            rated[r.item as usize] = true;
        }
        Self {
            items,
            users,
            values,
            observed,
            rated,
        }
    }

    fn rows<B: Backend>(
        &self,
        which: &[usize],
        source: &[f32],
        device: &B::Device,
    ) -> Tensor<B, 2> {
        let mut data = Vec::with_capacity(which.len() * self.users);
        for &i in which {
            data.extend_from_slice(&source[i * self.users..(i + 1) * self.users]);
        }
        Tensor::from_data(TensorData::new(data, [which.len(), self.users]), device)
    }

    /// Every movie's reconstructed column, row-major `[items, users]`.
    pub fn reconstruct<B: Backend>(&self, model: &AutoRec<B>, device: &B::Device) -> Vec<f32> {
        let all: Vec<usize> = (0..self.items).collect();
        let mut out = Vec::with_capacity(self.items * self.users);
        for chunk in all.chunks(1024) {
            let columns = self.rows::<B>(chunk, &self.values, device);
            out.extend(
                model
                    .forward(columns)
                    .into_data()
                    .convert::<f32>()
                    .to_vec::<f32>()
                    .expect("f32 output"),
            );
        }
        out
    }
}

/// Trains I-AutoRec on mini-batches of movies; early stopping on `validate` (RMSE).
pub fn train_autorec<B: AutodiffBackend>(
    model: AutoRec<B>,
    columns: &RatingColumns,
    l2: f64,
    plan: &Plan,
    device: &B::Device,
    validate: impl FnMut(&AutoRec<B::InnerBackend>) -> f64,
) -> Result<(AutoRec<B::InnerBackend>, History)> {
    let optim = AdamConfig::new().init::<B, AutoRec<B>>();
    let movies: Vec<usize> = (0..columns.items).filter(|&i| columns.rated[i]).collect();
    fit(
        model,
        optim,
        plan,
        ("RMSE", Goal::Minimize),
        device,
        (movies, |model: &AutoRec<B>, chunk: &[usize]| {
            let values = columns.rows::<B>(chunk, &columns.values, device);
            let observed = columns.rows::<B>(chunk, &columns.observed, device);
            model.loss(values, observed, l2)
        }),
        validate,
    )
}
