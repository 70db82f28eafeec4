//! `mf`: biased matrix factorisation (seed 001): `r̂ = μ + b_u + b_i + p_u · q_i`, trained on
//! mean-normalised ratings with L2 on every touched parameter (Funk / Koren's "SVD").

use super::explicit::{
    Dims, NetworkRun, RatingBatch, RatingNetwork, SizedNetwork, fit_sized_network, row_sq_norms,
};
use super::{Fitted, RatingModel};
use crate::data::Rating;
use crate::experiment::Experiment;
use crate::model::Model;
use crate::options::ModelOptions;
use crate::training::RunSettings;
use anyhow::Result;
use burn::nn::{Embedding, EmbeddingConfig, Initializer};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

/// `trainer train --model mf`.
pub struct MfModel;

impl Model for MfModel {
    const NAME: &'static str = "mf";
    const ABOUT: &'static str = "biased matrix factorisation, trained with burn";
    const BURN: bool = true;
    type Config = NetworkRun<MfConfig>;

    fn config(options: &mut ModelOptions, seed: u64) -> Result<NetworkRun<MfConfig>> {
        let mut network = MfConfig::new();
        network.factors = options.factors.take().unwrap_or(network.factors);
        network.l2 = options.l2.take().unwrap_or(network.l2);
        NetworkRun::new(network, options, seed)
    }
}

impl RatingModel for MfModel {
    fn fit<'a, B: AutodiffBackend>(
        config: &NetworkRun<MfConfig>,
        train: &[Rating],
        experiment: &'a Experiment<B>,
        identity: &RunSettings,
    ) -> Result<Fitted<'a>> {
        fit_sized_network(config, train, experiment, identity)
    }
}

#[derive(Config, Debug)]
pub struct MfConfig {
    #[config(default = 64)]
    pub factors: usize,
    /// L2 weight on factors and biases.
    #[config(default = 0.05)]
    pub l2: f64,
    #[config(default = 0.01)]
    pub init_std: f64,
}

#[derive(Module, Debug)]
pub struct Mf<B: Backend> {
    user_factors: Embedding<B>,
    item_factors: Embedding<B>,
    user_bias: Embedding<B>,
    item_bias: Embedding<B>,
    l2: f64,
}

impl MfConfig {
    pub fn init<B: Backend>(&self, dims: Dims, device: &B::Device) -> Mf<B> {
        let normal = Initializer::Normal {
            mean: 0.0,
            std: self.init_std,
        };
        let embed = |n, d, init: &Initializer| {
            EmbeddingConfig::new(n, d)
                .with_initializer(init.clone())
                .init(device)
        };
        Mf {
            user_factors: embed(dims.users, self.factors, &normal),
            item_factors: embed(dims.items, self.factors, &normal),
            user_bias: embed(dims.users, 1, &Initializer::Zeros),
            item_bias: embed(dims.items, 1, &Initializer::Zeros),
            l2: self.l2,
        }
    }
}

/// Looks up rows of an embedding for a 1-d index tensor: `[n, d]`.
pub(crate) fn lookup<B: Backend>(table: &Embedding<B>, ids: &Tensor<B, 1, Int>) -> Tensor<B, 2> {
    table.weight.val().select(0, ids.clone())
}

impl<B: Backend> RatingNetwork<B> for Mf<B> {
    fn predict(&self, batch: &RatingBatch<B>) -> Tensor<B, 1> {
        let p = lookup(&self.user_factors, &batch.users);
        let q = lookup(&self.item_factors, &batch.items);
        let bu = lookup(&self.user_bias, &batch.users).squeeze_dim(1);
        let bi = lookup(&self.item_bias, &batch.items).squeeze_dim(1);
        (p * q).sum_dim(1).squeeze_dim(1) + bu + bi
    }

    fn penalty(&self, batch: &RatingBatch<B>) -> Tensor<B, 1> {
        let p = lookup(&self.user_factors, &batch.users);
        let q = lookup(&self.item_factors, &batch.items);
        let bu = lookup(&self.user_bias, &batch.users);
        let bi = lookup(&self.item_bias, &batch.items);
        (row_sq_norms(p) + row_sq_norms(q) + row_sq_norms(bu) + row_sq_norms(bi)) * self.l2
    }
}
impl SizedNetwork for MfConfig {
    type Network<B: Backend> = Mf<B>;

    fn build<B: Backend>(&self, dims: Dims, device: &B::Device) -> Mf<B> {
        self.init(dims, device)
    }
}
