//! `deep`: the deep rating model of seed 000 (YouTube-DNN-style ranking network): user and item
//! embeddings concatenated with the item's side features, then Linear → BatchNorm → ReLU →
//! Dropout blocks and a linear output, plus user and item biases.
//!
//! Side features (seed 004, [`ItemFeatures`]): the genres (multi-hot), the release decade as a
//! learned embedding, and three numeric features computed from the training ratings only —
//! log(1 + number of ratings), the mean rating (shrunk towards the global mean) and the release
//! year — each standardised over the movies. They are constant tensors inside the model, looked
//! up by item like the embeddings.

use super::explicit::{
    Dims, NetworkRun, RatingBatch, RatingData, RatingNetwork, fit_network, row_sq_norms,
};
use super::mf::lookup;
use super::{Fitted, RatingModel};
use crate::data::{Movie, Rating};
use crate::experiment::Experiment;
use crate::model::Model;
use crate::options::ModelOptions;
use crate::training::RunSettings;
use anyhow::Result;
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Embedding, EmbeddingConfig, Initializer,
    Linear, LinearConfig, Relu,
};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

/// `trainer train --model deep`.
pub struct DeepModel;

impl Model for DeepModel {
    const NAME: &'static str = "deep";
    const ABOUT: &'static str = "YouTube-DNN-style ranking network with genres, decade and rating features, trained with burn";
    const BURN: bool = true;
    type Config = NetworkRun<DeepConfig>;

    fn config(options: &mut ModelOptions, seed: u64) -> Result<NetworkRun<DeepConfig>> {
        let mut network = DeepConfig::new();
        network.factors = options.factors.take().unwrap_or(network.factors);
        network.l2 = options.l2.take().unwrap_or(network.l2);
        NetworkRun::new(network, options, seed)
    }
}

impl RatingModel for DeepModel {
    fn fit<'a, B: AutodiffBackend>(
        config: &NetworkRun<DeepConfig>,
        train: &[Rating],
        experiment: &'a Experiment<B>,
        identity: &RunSettings,
    ) -> Result<Fitted<'a>> {
        // The movie features come from the ratings the network trains on, never the ones that
        // decide early stopping.
        let init = |data: &RatingData| {
            let features = ItemFeatures::new(&experiment.dataset.movies, &data.train);
            config
                .network
                .init::<B>(Dims::of(experiment.dataset), &features, &experiment.device)
        };
        fit_network(init, &config.fit, train, experiment, identity)
    }
}

#[derive(Config, Debug)]
pub struct DeepConfig {
    #[config(default = 64)]
    pub factors: usize,
    #[config(default = "vec![128, 64]")]
    pub hidden: Vec<usize>,
    #[config(default = 0.3)]
    pub dropout: f64,
    #[config(default = 0.05)]
    pub l2: f64,
    /// Width of the learned decade embedding.
    #[config(default = 8)]
    pub decade_dim: usize,
}

/// Pseudo-ratings at the global mean added to each movie's mean rating.
const MEAN_SHRINKAGE: f64 = 5.0;

/// The movie side features besides genres.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemFeatures {
    /// Per movie: 0 for an unknown year, else 1 + decades since the earliest one.
    pub decades: Vec<i32>,
    /// Decade indices in use, the unknown one included.
    pub decade_count: usize,
    /// Row-major `[movies, NUMERIC]`: log(1 + training ratings), shrunk mean training rating,
    /// year (unknown: the mean year), each standardised to mean 0 and deviation 1.
    pub numeric: Vec<f32>,
}

impl ItemFeatures {
    pub const NUMERIC: usize = 3;

    /// Features of `movies` from the `train` ratings only.
    pub fn new(movies: &[Movie], train: &[Rating]) -> Self {
        let first_decade = movies.iter().filter_map(|m| m.year).min().unwrap_or(0) / 10;
        let decades: Vec<i32> = movies
            .iter()
            .map(|m| m.year.map_or(0, |y| i32::from(y / 10 - first_decade) + 1))
            .collect();
        let decade_count = decades.iter().copied().max().unwrap_or(0) as usize + 1;
        let mut counts = vec![0f64; movies.len()];
        let mut sums = vec![0f64; movies.len()];
        for r in train {
            counts[r.item as usize] += 1.0;
            sums[r.item as usize] += f64::from(r.rating);
        }
        let global = sums.iter().sum::<f64>() / counts.iter().sum::<f64>().max(1.0);
        let years: Vec<Option<f64>> = movies.iter().map(|m| m.year.map(f64::from)).collect();
        let known: Vec<f64> = years.iter().flatten().copied().collect();
        let mean_year = known.iter().sum::<f64>() / known.len().max(1) as f64;
        let columns = [
            counts.iter().map(|c| c.ln_1p()).collect::<Vec<_>>(),
            sums.iter()
                .zip(&counts)
                .map(|(s, c)| (s + MEAN_SHRINKAGE * global) / (c + MEAN_SHRINKAGE))
                .collect(),
            years.iter().map(|y| y.unwrap_or(mean_year)).collect(),
        ]
        .map(standardized);
        let numeric = (0..movies.len())
            .flat_map(|i| columns.iter().map(move |c| c[i] as f32))
            .collect();
        Self {
            decades,
            decade_count,
            numeric,
        }
    }
}

/// Shifted and scaled to mean 0 and standard deviation 1 (a constant column becomes 0).
fn standardized(values: Vec<f64>) -> Vec<f64> {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    values
        .iter()
        .map(|v| if sd > 0.0 { (v - mean) / sd } else { 0.0 })
        .collect()
}

#[derive(Module, Debug)]
pub struct Block<B: Backend> {
    linear: Linear<B>,
    norm: BatchNorm<B>,
    relu: Relu,
    dropout: Dropout,
}

impl<B: Backend> Block<B> {
    fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        self.dropout
            .forward(self.relu.forward(self.norm.forward(self.linear.forward(x))))
    }
}

#[derive(Module, Debug)]
pub struct Deep<B: Backend> {
    user: Embedding<B>,
    item: Embedding<B>,
    user_bias: Embedding<B>,
    item_bias: Embedding<B>,
    decade: Embedding<B>,
    /// Constant: each item's decade index.
    item_decade: Tensor<B, 1, Int>,
    /// Constant: `[items, ItemFeatures::NUMERIC]`.
    item_numeric: Tensor<B, 2>,
    blocks: Vec<Block<B>>,
    output: Linear<B>,
    l2: f64,
}

impl DeepConfig {
    pub fn init<B: Backend>(
        &self,
        dims: Dims,
        features: &ItemFeatures,
        device: &B::Device,
    ) -> Deep<B> {
        let normal = Initializer::Normal {
            mean: 0.0,
            std: 0.05,
        };
        let embed = |n, d, init: &Initializer| {
            EmbeddingConfig::new(n, d)
                .with_initializer(init.clone())
                .init(device)
        };
        let mut widths =
            vec![2 * self.factors + dims.genres + self.decade_dim + ItemFeatures::NUMERIC];
        widths.extend(&self.hidden);
        let blocks = widths
            .windows(2)
            .map(|w| Block {
                linear: LinearConfig::new(w[0], w[1]).init(device),
                norm: BatchNormConfig::new(w[1]).init(device),
                relu: Relu::new(),
                dropout: DropoutConfig::new(self.dropout).init(),
            })
            .collect();
        Deep {
            user: embed(dims.users, self.factors, &normal),
            item: embed(dims.items, self.factors, &normal),
            user_bias: embed(dims.users, 1, &Initializer::Zeros),
            item_bias: embed(dims.items, 1, &Initializer::Zeros),
            decade: embed(features.decade_count, self.decade_dim, &normal),
            item_decade: Tensor::from_data(
                TensorData::new(features.decades.clone(), [dims.items]),
                device,
            ),
            item_numeric: Tensor::from_data(
                TensorData::new(
                    features.numeric.clone(),
                    [dims.items, ItemFeatures::NUMERIC],
                ),
                device,
            ),
            blocks,
            output: LinearConfig::new(*widths.last().unwrap(), 1).init(device),
            l2: self.l2,
        }
    }
}

impl<B: Backend> RatingNetwork<B> for Deep<B> {
    fn predict(&self, batch: &RatingBatch<B>) -> Tensor<B, 1> {
        let input = Tensor::cat(
            vec![
                lookup(&self.user, &batch.users),
                lookup(&self.item, &batch.items),
                batch.item_genres.clone(),
                lookup(
                    &self.decade,
                    &self.item_decade.clone().select(0, batch.items.clone()),
                ),
                self.item_numeric.clone().select(0, batch.items.clone()),
            ],
            1,
        );
        let hidden = self.blocks.iter().fold(input, |x, block| block.forward(x));
        self.output.forward(hidden).squeeze_dim(1)
            + lookup(&self.user_bias, &batch.users).squeeze_dim(1)
            + lookup(&self.item_bias, &batch.items).squeeze_dim(1)
    }

    fn penalty(&self, batch: &RatingBatch<B>) -> Tensor<B, 1> {
        let u = row_sq_norms(lookup(&self.user, &batch.users))
            + row_sq_norms(lookup(&self.user_bias, &batch.users));
        let i = row_sq_norms(lookup(&self.item, &batch.items))
            + row_sq_norms(lookup(&self.item_bias, &batch.items));
        (u + i) * self.l2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Cpu;

    fn movie(year: Option<u16>) -> Movie {
        Movie::listed(1, "t".into(), year, 0)
    }

    fn rating(item: u32, rating: f32) -> Rating {
        Rating {
            user: 0,
            item,
            rating,
            timestamp: 0,
        }
    }

    #[test]
    fn features_come_from_the_training_ratings() {
        let movies = [movie(Some(1995)), movie(Some(1972)), movie(None)];
        let train = [
            rating(0, 5.0),
            rating(0, 5.0),
            rating(0, 5.0),
            rating(1, 1.0),
        ];
        let f = ItemFeatures::new(&movies, &train);
        // Decades 1970 → 1, 1990 → 3, unknown → 0.
        assert_eq!(f.decades, [3, 1, 0]);
        assert_eq!(f.decade_count, 4);
        let column = |k: usize| -> Vec<f32> { (0..3).map(|i| f.numeric[i * 3 + k]).collect() };
        for k in 0..3 {
            let c = column(k);
            let mean: f32 = c.iter().sum::<f32>() / 3.0;
            assert!(mean.abs() < 1e-6, "column {k}: {c:?}");
        }
        // Most ratings, best mean, latest year: movie 0 ranks first on each column.
        let (count, mean, year) = (column(0), column(1), column(2));
        assert!(count[0] > count[1] && count[1] > count[2]);
        // Means: global 4; (15 + 20)/8 = 4.375, (1 + 20)/6 = 3.5, unrated 4.
        assert!(mean[0] > mean[2] && mean[2] > mean[1], "{mean:?}");
        // The unknown year is the mean year: standardised to 0.
        assert!(
            year[0] > 0.0 && year[1] < 0.0 && year[2].abs() < 1e-6,
            "{year:?}"
        );
    }

    #[test]
    fn predicts_one_rating_per_example() {
        let device = Default::default();
        let movies = [movie(Some(1995)), movie(None)];
        let features = ItemFeatures::new(&movies, &[rating(0, 4.0)]);
        let dims = Dims {
            users: 2,
            items: 2,
            genres: 1,
        };
        let model = DeepConfig::new()
            .with_factors(4)
            .init::<Cpu>(dims, &features, &device);
        let batch = RatingBatch {
            users: Tensor::from_data(TensorData::new(vec![0i32, 1, 1], [3]), &device),
            items: Tensor::from_data(TensorData::new(vec![1i32, 0, 1], [3]), &device),
            targets: Tensor::zeros([3], &device),
            item_genres: Tensor::zeros([3, 1], &device),
        };
        assert_eq!(model.predict(&batch).dims(), [3]);
    }
}
