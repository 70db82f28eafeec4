//! Training the rating networks (MF, NeuMF, deep): mini-batches of ratings, the loss (MSE, L1 or
//! smooth L1, optionally weighted by recency), early stopping on the RMSE of 5% of the training
//! ratings held back.

use super::Fitted;
use crate::data::split;
use crate::data::{Dataset, Rating};
use crate::experiment::Experiment;
use crate::options::Loss;
use crate::options::ModelOptions;
use crate::training::{Goal, History, Plan, RunSettings, TrainingConfig, fit, to_vec};
use anyhow::Result;
use burn::module::AutodiffModule;
use burn::optim::AdamConfig;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};

/// How a rating network is trained: the settings MF, NeuMF and the deep model share.
#[derive(Config, Debug)]
pub struct ExplicitFit {
    #[config(default = "Loss::Mse")]
    pub loss: Loss,
    /// Weigh ratings by recency, halving every this many days before the newest rating.
    pub time_decay_days: Option<f64>,
    pub training: TrainingConfig,
}

impl ExplicitFit {
    /// The defaults with the command line's loss, time decay and training options.
    pub fn from_options(options: &mut ModelOptions, seed: u64) -> Result<Self> {
        Ok(
            Self::new(TrainingConfig::new().with_options(options, seed)?)
                .with_loss(options.loss.take().unwrap_or(Loss::Mse))
                .with_time_decay_days(options.time_decay_days.take()),
        )
    }
}

/// A run of a rating network: the network's settings and how it is trained.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NetworkRun<N> {
    pub network: N,
    pub fit: ExplicitFit,
}

impl<N: Config> Config for NetworkRun<N> {}

impl<N> NetworkRun<N> {
    /// `network` trained as the command line's `options` say over the defaults.
    pub fn new(network: N, options: &mut ModelOptions, seed: u64) -> Result<Self> {
        Ok(Self {
            network,
            fit: ExplicitFit::from_options(options, seed)?,
        })
    }
}

/// Seeds the backend, initialises the network with `init` (which may read the ratings it trains
/// on), trains it and predicts with its best epoch.
pub fn fit_network<'a, B, M>(
    init: impl FnOnce(&RatingData) -> M,
    settings: &ExplicitFit,
    train: &[Rating],
    experiment: &'a Experiment<B>,
    identity: &RunSettings,
) -> Result<Fitted<'a>>
where
    B: AutodiffBackend,
    M: AutodiffModule<B> + RatingNetwork<B>,
    M::InnerModule: RatingNetwork<B::InnerBackend> + 'a,
{
    let data = RatingData::new(
        experiment.dataset,
        train,
        experiment.seed,
        settings.time_decay_days,
    );
    B::seed(&experiment.device, settings.training.seed);
    let network = init(&data);
    let parameters = network.num_params();
    let plan = Plan {
        config: &settings.training,
        settings: identity,
        checkpoints: &experiment.checkpoints,
    };
    let (best, history) = train_explicit(network, &data, settings.loss, &plan, &experiment.device)?;
    Ok(Fitted {
        predict: Box::new(move |ratings| {
            data.predict::<B::InnerBackend, _>(&best, ratings, &experiment.device)
        }),
        parameters,
        history,
    })
}

/// A rating network's settings that build it from the release's sizes alone (MF, NeuMF; the deep
/// model also reads the training ratings, through [`fit_network`]'s `init`).
pub trait SizedNetwork {
    type Network<B: Backend>;
    fn build<B: Backend>(&self, dims: Dims, device: &B::Device) -> Self::Network<B>;
}

/// [`fit_network`] for a network built from the release's sizes.
pub fn fit_sized_network<'a, B, C>(
    config: &NetworkRun<C>,
    train: &[Rating],
    experiment: &'a Experiment<B>,
    identity: &RunSettings,
) -> Result<Fitted<'a>>
where
    B: AutodiffBackend,
    C: SizedNetwork,
    C::Network<B>: AutodiffModule<B> + RatingNetwork<B>,
    <C::Network<B> as AutodiffModule<B>>::InnerModule: RatingNetwork<B::InnerBackend> + 'a,
{
    let dims = Dims::of(experiment.dataset);
    let init = |_: &RatingData| config.network.build::<B>(dims, &experiment.device);
    fit_network(init, &config.fit, train, experiment, identity)
}

/// A mini-batch of (user, item, rating) triples plus the item side features.
#[derive(Clone, Debug)]
pub struct RatingBatch<B: Backend> {
    pub users: Tensor<B, 1, Int>,
    pub items: Tensor<B, 1, Int>,
    /// Ratings minus the training mean.
    pub targets: Tensor<B, 1>,
    /// Multi-hot genres of each item, `[batch, genres]`.
    pub item_genres: Tensor<B, 2>,
}

/// A model that predicts centred ratings (the training mean is added back by the caller).
pub trait RatingNetwork<B: Backend> {
    fn predict(&self, batch: &RatingBatch<B>) -> Tensor<B, 1>;
    /// L2 penalty on the parameters this batch touches, per example, already weighted.
    fn penalty(&self, batch: &RatingBatch<B>) -> Tensor<B, 1>;
}

/// Sum of squares over the last dimension of `[n, d]` embeddings: `[n]`.
pub(crate) fn row_sq_norms<B: Backend>(x: Tensor<B, 2>) -> Tensor<B, 1> {
    x.powi_scalar(2).sum_dim(1).squeeze_dim(1)
}

/// Sizes every rating network needs from the data.
#[derive(Clone, Copy, Debug)]
pub struct Dims {
    pub users: usize,
    pub items: usize,
    pub genres: usize,
}

impl Dims {
    pub fn of(dataset: &Dataset) -> Self {
        Self {
            users: dataset.n_users(),
            items: dataset.n_items(),
            genres: dataset.genre_names.len(),
        }
    }
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
pub struct RatingData {
    pub train: Vec<Rating>,
    /// Held back from training: early stopping looks at these, never at the test ratings.
    pub validation: Vec<Rating>,
    pub mean: f32,
    /// Row-major multi-hot `[items, genres]`.
    item_genres: Vec<f32>,
    genres: usize,
    /// Optional per-rating weights for `train` (time decay); `None` weighs all equally.
    weights: Option<Vec<f32>>,
    pub rating_range: (f32, f32),
}

impl RatingData {
    /// `train` less 5% of it (seeded) for validation, with the genres of `dataset`'s movies.
    pub fn new(
        dataset: &Dataset,
        train: &[Rating],
        seed: u64,
        time_decay_days: Option<f64>,
    ) -> Self {
        let inner = split::random_split(train, 0.05, seed ^ 0x5eed);
        let mean =
            inner.train.iter().map(|r| r.rating as f64).sum::<f64>() / inner.train.len() as f64;
        let weights = time_decay_days.map(|days| time_decay_weights(&inner.train, days));
        Self {
            mean: mean as f32,
            item_genres: item_genres(dataset),
            genres: dataset.genre_names.len(),
            weights,
            rating_range: super::rating_scale(&dataset.ratings),
            train: inner.train,
            validation: inner.test,
        }
    }

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
    pub fn predict<B: Backend, M: RatingNetwork<B>>(
        &self,
        model: &M,
        ratings: &[Rating],
        device: &B::Device,
    ) -> Vec<f32> {
        let mut out = Vec::with_capacity(ratings.len());
        for chunk in ratings.chunks(8192) {
            let refs: Vec<&Rating> = chunk.iter().collect();
            let batch = self.batch::<B>(&refs, device);
            let pred = to_vec(model.predict(&batch));
            let (lo, hi) = self.rating_range;
            out.extend(pred.into_iter().map(|p| (p + self.mean).clamp(lo, hi)));
        }
        out
    }
}

/// Multi-hot genres per item, row-major `[items, genres]`.
fn item_genres(dataset: &Dataset) -> Vec<f32> {
    let g = dataset.genre_names.len();
    let mut out = vec![0f32; dataset.movies.len() * g];
    for (i, movie) in dataset.movies.iter().enumerate() {
        for k in 0..g {
            if movie.genres & (1 << k) != 0 {
                out[i * g + k] = 1.0;
            }
        }
    }
    out
}

/// Weights that halve every `half_life_days` before the newest rating (seed 004's time decay).
fn time_decay_weights(ratings: &[Rating], half_life_days: f64) -> Vec<f32> {
    let newest = ratings.iter().map(|r| r.timestamp).max().unwrap_or(0);
    ratings
        .iter()
        .map(|r| {
            let age_days = (newest - r.timestamp) as f64 / 86_400.0;
            0.5f64.powf(age_days / half_life_days) as f32
        })
        .collect()
}

/// Each example's loss on `batch`: `loss` of the prediction error plus the L2 penalty.
pub fn batch_loss<B: Backend, M: RatingNetwork<B>>(
    model: &M,
    batch: &RatingBatch<B>,
    loss: Loss,
) -> Tensor<B, 1> {
    let error = model.predict(batch) - batch.targets.clone();
    loss.per_example(error) + model.penalty(batch)
}

/// Trains a rating network; early stopping on validation RMSE.
pub fn train_explicit<B, M>(
    model: M,
    data: &RatingData,
    loss: Loss,
    plan: &Plan,
    device: &B::Device,
) -> Result<(M::InnerModule, History)>
where
    B: AutodiffBackend,
    M: AutodiffModule<B> + RatingNetwork<B>,
    M::InnerModule: RatingNetwork<B::InnerBackend>,
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
            let per_example = batch_loss(model, &batch, loss);
            match data.weights.as_deref() {
                Some(weights) => {
                    let w: Vec<f32> = chunk.iter().map(|&i| weights[i]).collect();
                    let w = Tensor::from_data(TensorData::new(w, [chunk.len()]), device);
                    (per_example * w).mean()
                }
                None => per_example.mean(),
            }
        }),
        |valid| {
            let pred = data.predict::<B::InnerBackend, _>(valid, &data.validation, device);
            crate::metrics::rmse(&pred, &truth)
        },
    )
}
