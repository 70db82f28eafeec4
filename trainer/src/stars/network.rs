//! The stars network: a visitor's stars for every movie from the few they gave, no retraining.
//!
//! given stars → each movie's deviation from the folded-in baseline (`μ + b_i + b_u`, the
//! visitor's offset `b_u` solved from their stars) → pooled through two embeddings (which movies
//! were rated, and how far above or below the baseline), divided by √k, beside the offset and
//! the spread of the deviations → one linear layer and tanh → the visitor's vector → · output
//! embeddings + a per-movie correction + the baseline, its offset weighed per movie (some movies
//! follow a generous rater more than others).
//!
//! Nothing in it is per-user. It is trained with burn on simulated visitors: each epoch, each
//! training user gives a random few of their ratings (1 to [`StarsConfig::max_given`], small
//! counts as likely as large ones on a log scale) and is asked for all the others (squared
//! error on stars), early-stopped on validation users who give ten.

use crate::rating::baseline::Baseline;
use crate::training::{Goal, History, Plan, TrainingConfig, fit, to_vec};
use anyhow::Result;
use burn::module::Param;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::optim::AdamConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::prelude::*;
use burn::tensor::activation::tanh;
use burn::tensor::backend::AutodiffBackend;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::cell::RefCell;

/// The network's shape and training.
#[derive(Config, Debug)]
pub struct StarsConfig {
    /// Width of the embeddings and of the visitor's vector.
    #[config(default = 32)]
    pub dim: usize,
    /// Adam's weight decay.
    #[config(default = 1e-3)]
    pub l2: f64,
    /// The most ratings a simulated visitor gives.
    #[config(default = 30)]
    pub max_given: usize,
    /// The damping of the visitor's offset `b_u` (as the baselines' fit damps its users).
    #[config(default = 5.0)]
    pub offset_damping: f64,
    pub training: TrainingConfig,
}

impl StarsConfig {
    /// The defaults: batches of 64 visitors, up to 200 epochs, stopped after 10 without gain.
    pub fn default_for(seed: u64) -> Self {
        let training = TrainingConfig::new()
            .with_batch_size(64)
            .with_epochs(300)
            .with_learning_rate(3e-3)
            .with_lr_decay(1.0)
            .with_patience(20)
            .with_seed(seed);
        Self::new(training)
    }
}

#[derive(Module, Debug)]
pub struct StarsNet<B: Backend> {
    /// `[items, dim]`: what having rated the movie says.
    rated: Param<Tensor<B, 2>>,
    /// `[items, dim]`: what rating it above (or below) its baseline says.
    deviation: Param<Tensor<B, 2>>,
    tower: Linear<B>,
    /// `[dim, items]`.
    output: Param<Tensor<B, 2>>,
    /// `[items]`.
    correction: Param<Tensor<B, 1>>,
    /// `[items]`: how much more (or less) than its unit the movie follows the visitor's offset.
    offset_weight: Param<Tensor<B, 1>>,
}

impl StarsConfig {
    pub fn init<B: Backend>(&self, items: usize, device: &B::Device) -> StarsNet<B> {
        let small = Initializer::Normal {
            mean: 0.0,
            std: 0.01,
        };
        StarsNet {
            rated: small.init([items, self.dim], device),
            deviation: small.init([items, self.dim], device),
            tower: LinearConfig::new(2 * self.dim + VISITOR_FEATURES, self.dim).init(device),
            output: small.init([self.dim, items], device),
            correction: Initializer::Zeros.init([items], device),
            offset_weight: Initializer::Zeros.init([items], device),
        }
    }
}

/// What the network is told of a visitor beside their movies: their offset and spread.
const VISITOR_FEATURES: usize = 2;

/// Visitors laid out for the network: one row per visitor, one column per movie.
pub struct Batch<B: Backend> {
    /// 1 where the visitor gave stars.
    rated: Tensor<B, 2>,
    /// Given stars less the baseline, 0 elsewhere.
    deviation: Tensor<B, 2>,
    /// `1 / √k` per visitor, `[visitors, 1]`.
    scale: Tensor<B, 2>,
    /// Per visitor their offset `b_u` and the spread (root mean square) of their deviations,
    /// `[visitors, VISITOR_FEATURES]`.
    features: Tensor<B, 2>,
    /// The offset alone, `[visitors, 1]`.
    offset: Tensor<B, 2>,
    /// The folded-in baseline of every movie.
    baseline: Tensor<B, 2>,
    /// Stars asked for, 0 elsewhere, and 1 where asked.
    targets: Tensor<B, 2>,
    asked: Tensor<B, 2>,
}

impl<B: Backend> StarsNet<B> {
    /// Predicted stars `[visitors, items]`, not clipped.
    pub fn forward(&self, batch: &Batch<B>) -> Tensor<B, 2> {
        let pooled = Tensor::cat(
            vec![
                batch.rated.clone().matmul(self.rated.val()),
                batch.deviation.clone().matmul(self.deviation.val()),
            ],
            1,
        ) * batch.scale.clone();
        let features = Tensor::cat(vec![pooled, batch.features.clone()], 1);
        let user = tanh(self.tower.forward(features));
        batch.baseline.clone()
            + user.matmul(self.output.val())
            + self.correction.val().unsqueeze::<2>()
            + batch.offset.clone() * self.offset_weight.val().unsqueeze::<2>()
    }

    /// Mean squared error over the stars asked for.
    pub fn loss(&self, batch: &Batch<B>) -> Tensor<B, 1> {
        let error = (self.forward(batch) - batch.targets.clone()) * batch.asked.clone();
        error.powi_scalar(2).sum() / batch.asked.clone().sum().clamp_min(1.0)
    }
}

/// One visitor: the stars they give and the movies they are asked about, `(movie, stars)`.
pub struct Visit<'a> {
    pub given: &'a [(u32, f32)],
    pub asked: &'a [(u32, f32)],
}

/// What the network's inputs are made from: the baselines fitted on the training users.
pub struct Inputs<'a> {
    pub baseline: &'a Baseline,
    pub offset_damping: f64,
}

impl Inputs<'_> {
    pub fn batch<B: Backend>(&self, visits: &[Visit], device: &B::Device) -> Batch<B> {
        let items = self.baseline.item_bias.len();
        let n = visits.len();
        let mut rated = vec![0f32; n * items];
        let mut deviation = vec![0f32; n * items];
        let mut scale = vec![0f32; n];
        let mut features = vec![0f32; n * VISITOR_FEATURES];
        let mut offsets = vec![0f32; n];
        let mut baseline = vec![0f32; n * items];
        let mut targets = vec![0f32; n * items];
        let mut asked = vec![0f32; n * items];
        for (row, visit) in visits.iter().enumerate() {
            let offset = self
                .baseline
                .fold_in_offset(visit.given, self.offset_damping);
            let base = &mut baseline[row * items..(row + 1) * items];
            for (item, b) in base.iter_mut().enumerate() {
                *b = (self.baseline.movie_mean(item) + offset) as f32;
            }
            for &(item, stars) in visit.given {
                let at = row * items + item as usize;
                rated[at] = 1.0;
                deviation[at] = stars - baseline[at];
            }
            scale[row] = (visit.given.len().max(1) as f32).sqrt().recip();
            let square_deviation = (visit.given.iter())
                .map(|&(item, _)| deviation[row * items + item as usize].powi(2))
                .sum::<f32>()
                / visit.given.len().max(1) as f32;
            features[row * VISITOR_FEATURES] = offset as f32;
            features[row * VISITOR_FEATURES + 1] = square_deviation.sqrt();
            offsets[row] = offset as f32;
            for &(item, stars) in visit.asked {
                let at = row * items + item as usize;
                targets[at] = stars;
                asked[at] = 1.0;
            }
        }
        let matrix = |data: Vec<f32>, cols: usize| {
            Tensor::from_data(TensorData::new(data, [n, cols]), device)
        };
        Batch {
            rated: matrix(rated, items),
            deviation: matrix(deviation, items),
            scale: matrix(scale, 1),
            features: matrix(features, VISITOR_FEATURES),
            offset: matrix(offsets, 1),
            baseline: matrix(baseline, items),
            targets: matrix(targets, items),
            asked: matrix(asked, items),
        }
    }

    /// The network's stars for each visit's asked movies, clipped to 0.5–5, in order.
    pub fn predict<B: Backend>(
        &self,
        model: &StarsNet<B>,
        visits: &[Visit],
        device: &B::Device,
    ) -> Vec<Vec<f32>> {
        let items = self.baseline.item_bias.len();
        visits
            .chunks(PREDICT_BLOCK)
            .flat_map(|block| {
                let predicted = to_vec(model.forward(&self.batch(block, device)));
                block
                    .iter()
                    .enumerate()
                    .map(|(row, visit)| {
                        visit
                            .asked
                            .iter()
                            .map(|&(item, _)| {
                                predicted[row * items + item as usize].clamp(0.5, 5.0)
                            })
                            .collect()
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// Visitors predicted at once: never every visitor's row of every movie together.
const PREDICT_BLOCK: usize = 256;

/// Trains the network on `users` (each a training user's ratings), each epoch each giving a
/// random few and asked for the rest; early stopping on `validate` (RMSE).
pub fn train_stars<B: AutodiffBackend>(
    config: &StarsConfig,
    inputs: &Inputs,
    users: &[Vec<(u32, f32)>],
    plan: &Plan,
    device: &B::Device,
    validate: impl FnMut(&StarsNet<B::InnerBackend>) -> f64,
) -> Result<(StarsNet<B::InnerBackend>, History)> {
    B::seed(device, config.training.seed);
    let model = config.init::<B>(inputs.baseline.item_bias.len(), device);
    let optim = AdamConfig::new()
        .with_weight_decay(Some(WeightDecayConfig::new(config.l2 as f32)))
        .init::<B, StarsNet<B>>();
    let trainable: Vec<usize> = (0..users.len()).filter(|&u| users[u].len() >= 2).collect();
    let rng = RefCell::new(StdRng::seed_from_u64(config.training.seed));
    fit(
        model,
        optim,
        plan,
        ("RMSE", Goal::Minimize),
        device,
        (trainable, |model: &StarsNet<B>, chunk: &[usize]| {
            let mut rng = rng.borrow_mut();
            let shuffled: Vec<Vec<(u32, f32)>> = chunk
                .iter()
                .map(|&u| {
                    let mut ratings = users[u].clone();
                    ratings.shuffle(&mut *rng);
                    ratings
                })
                .collect();
            let visits: Vec<Visit> = shuffled
                .iter()
                .map(|ratings| {
                    let most = config.max_given.min(ratings.len() - 1).max(1);
                    // Log-uniform: three stars given as likely as thirty.
                    let given = (rng.random::<f64>() * ((most + 1) as f64).ln())
                        .exp()
                        .floor()
                        .clamp(1.0, most as f64) as usize;
                    Visit {
                        given: &ratings[..given],
                        asked: &ratings[given..],
                    }
                })
                .collect();
            model.loss(&inputs.batch(&visits, device))
        }),
        validate,
    )
}
