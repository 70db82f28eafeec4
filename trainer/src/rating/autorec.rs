//! `autorec`: I-AutoRec (Sedhain et al. 2015): each movie's column of ratings (one entry per user, zero
//! where unrated) goes through a sigmoid hidden layer and is reconstructed; the loss counts only
//! the observed ratings. A rating is read off the reconstruction of the movie's column. The
//! item-based variant is the one that beats matrix factorisation on MovieLens.

use super::explicit::RatingData;
use super::{Fitted, RatingModel};
use crate::data::Rating;
use crate::experiment::Experiment;
use crate::model::Model;
use crate::options::ModelOptions;
use crate::training::{Goal, History, Plan, RunSettings, TrainingConfig, fit, to_vec};
use anyhow::Result;
use burn::nn::{Linear, LinearConfig};
use burn::optim::AdamConfig;
use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use burn::tensor::backend::AutodiffBackend;

/// `trainer train --model autorec`.
pub struct AutoRecModel;

/// A run of I-AutoRec: the network, its L2 weight and its training (tuned on ml-100k u1's
/// validation ratings).
#[derive(Config, Debug)]
pub struct AutoRecRunConfig {
    pub network: AutoRecConfig,
    #[config(default = 1e-3)]
    pub l2: f64,
    pub training: TrainingConfig,
}

impl Model for AutoRecModel {
    const NAME: &'static str = "autorec";
    const ABOUT: &'static str =
        "item-based autoencoder of rating columns (I-AutoRec), trained with burn";
    const BURN: bool = true;
    type Config = AutoRecRunConfig;

    fn config(options: &mut ModelOptions, seed: u64) -> Result<AutoRecRunConfig> {
        let defaults = TrainingConfig::new()
            .with_batch_size(64)
            .with_epochs(100)
            .with_learning_rate(1e-3)
            .with_patience(10);
        let mut network = AutoRecConfig::new();
        network.hidden = options.factors.take().unwrap_or(network.hidden);
        let mut config = AutoRecRunConfig::new(network, defaults.with_options(options, seed)?);
        config.l2 = options.l2.take().unwrap_or(config.l2);
        Ok(config)
    }
}

impl RatingModel for AutoRecModel {
    /// Learns from movie columns; measured like every rating model.
    fn fit<'a, B: AutodiffBackend>(
        config: &AutoRecRunConfig,
        train: &[Rating],
        experiment: &'a Experiment<B>,
        identity: &RunSettings,
    ) -> Result<Fitted<'a>> {
        let (users, items) = (experiment.dataset.n_users(), experiment.dataset.n_items());
        let data = RatingData::new(experiment.dataset, train, experiment.seed, None);
        let columns = RatingColumns::new(&data.train, items, users);
        B::seed(&experiment.device, config.training.seed);
        let model = config.network.init::<B>(users, &experiment.device);
        let parameters = model.num_params();
        let truth: Vec<f32> = data.validation.iter().map(|r| r.rating).collect();
        let plan = Plan {
            config: &config.training,
            settings: identity,
            checkpoints: &experiment.checkpoints,
        };
        let (best, history) = train_autorec(
            model,
            &columns,
            config.l2,
            &plan,
            &experiment.device,
            |valid| {
                let reconstructed = columns.reconstruct(valid, &experiment.device);
                let (lo, hi) = data.rating_range;
                let predicted: Vec<f32> = columns
                    .predict(&reconstructed, &data.validation, data.mean)
                    .into_iter()
                    .map(|p| p.clamp(lo, hi))
                    .collect();
                crate::metrics::rmse(&predicted, &truth)
            },
        )?;
        let reconstructed = columns.reconstruct(&best, &experiment.device);
        Ok(Fitted {
            predict: Box::new(move |ratings| columns.predict(&reconstructed, ratings, data.mean)),
            parameters,
            history,
        })
    }
}

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
    /// Ratings read off `reconstructed` columns (as [`RatingColumns::reconstruct`] gives them);
    /// a movie without training ratings gets `mean`.
    pub fn predict(&self, reconstructed: &[f32], ratings: &[Rating], mean: f32) -> Vec<f32> {
        ratings
            .iter()
            .map(|r| {
                if self.rated[r.item as usize] {
                    reconstructed[r.item as usize * self.users + r.user as usize]
                } else {
                    mean
                }
            })
            .collect()
    }

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
            out.extend(to_vec(model.forward(columns)));
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
