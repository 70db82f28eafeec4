//! `neumf`: neural matrix factorisation (seed 002, He et al. 2017): a GMF branch (element-wise product of
//! user and item embeddings) and an MLP branch (their concatenation through ReLU layers), joined
//! by a final linear layer that predicts the centred rating.

use super::explicit::{
    Dims, NetworkRun, RatingBatch, RatingNetwork, SizedNetwork, fit_sized_network, row_sq_norms,
};
use super::mf::lookup;
use super::{Fitted, RatingModel};
use crate::data::Rating;
use crate::experiment::Experiment;
use crate::model::Model;
use crate::options::ModelOptions;
use crate::training::RunSettings;
use anyhow::Result;
use burn::nn::{Embedding, EmbeddingConfig, Initializer, Linear, LinearConfig, Relu};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

/// `trainer train --model neumf`.
pub struct NeuMfModel;

impl Model for NeuMfModel {
    const NAME: &'static str = "neumf";
    const ABOUT: &'static str = "neural matrix factorisation (GMF + MLP), trained with burn";
    const BURN: bool = true;
    type Config = NetworkRun<NeuMfConfig>;

    fn config(options: &mut ModelOptions, seed: u64) -> Result<NetworkRun<NeuMfConfig>> {
        let mut network = NeuMfConfig::new();
        if let Some(factors) = options.factors.take() {
            network.gmf_factors = factors;
            network.mlp_factors = factors;
        }
        network.l2 = options.l2.take().unwrap_or(network.l2);
        NetworkRun::new(network, options, seed)
    }
}

impl RatingModel for NeuMfModel {
    fn fit<'a, B: AutodiffBackend>(
        config: &NetworkRun<NeuMfConfig>,
        train: &[Rating],
        experiment: &'a Experiment<B>,
        identity: &RunSettings,
    ) -> Result<Fitted<'a>> {
        fit_sized_network(config, train, experiment, identity)
    }
}

#[derive(Config, Debug)]
pub struct NeuMfConfig {
    #[config(default = 64)]
    pub gmf_factors: usize,
    #[config(default = 64)]
    pub mlp_factors: usize,
    /// Widths of the MLP branch's hidden layers.
    #[config(default = "vec![64, 32]")]
    pub hidden: Vec<usize>,
    #[config(default = 0.05)]
    pub l2: f64,
}

#[derive(Module, Debug)]
pub struct NeuMf<B: Backend> {
    gmf_user: Embedding<B>,
    gmf_item: Embedding<B>,
    mlp_user: Embedding<B>,
    mlp_item: Embedding<B>,
    user_bias: Embedding<B>,
    item_bias: Embedding<B>,
    mlp: Vec<Linear<B>>,
    head: Linear<B>,
    relu: Relu,
    l2: f64,
}

impl NeuMfConfig {
    pub fn init<B: Backend>(&self, dims: Dims, device: &B::Device) -> NeuMf<B> {
        let normal = Initializer::Normal {
            mean: 0.0,
            std: 0.01,
        };
        let embed = |n, d, init: &Initializer| {
            EmbeddingConfig::new(n, d)
                .with_initializer(init.clone())
                .init(device)
        };
        let mut widths = vec![2 * self.mlp_factors];
        widths.extend(&self.hidden);
        let mlp = widths
            .windows(2)
            .map(|w| LinearConfig::new(w[0], w[1]).init(device))
            .collect();
        let last = *widths.last().unwrap();
        NeuMf {
            gmf_user: embed(dims.users, self.gmf_factors, &normal),
            gmf_item: embed(dims.items, self.gmf_factors, &normal),
            mlp_user: embed(dims.users, self.mlp_factors, &normal),
            mlp_item: embed(dims.items, self.mlp_factors, &normal),
            user_bias: embed(dims.users, 1, &Initializer::Zeros),
            item_bias: embed(dims.items, 1, &Initializer::Zeros),
            mlp,
            head: LinearConfig::new(self.gmf_factors + last, 1).init(device),
            relu: Relu::new(),
            l2: self.l2,
        }
    }
}

impl<B: Backend> RatingNetwork<B> for NeuMf<B> {
    fn predict(&self, batch: &RatingBatch<B>) -> Tensor<B, 1> {
        let gmf = lookup(&self.gmf_user, &batch.users) * lookup(&self.gmf_item, &batch.items);
        let mlp_in = Tensor::cat(
            vec![
                lookup(&self.mlp_user, &batch.users),
                lookup(&self.mlp_item, &batch.items),
            ],
            1,
        );
        let mlp = self
            .mlp
            .iter()
            .fold(mlp_in, |x, layer| self.relu.forward(layer.forward(x)));
        let joint = self
            .head
            .forward(Tensor::cat(vec![gmf, mlp], 1))
            .squeeze_dim(1);
        joint
            + lookup(&self.user_bias, &batch.users).squeeze_dim(1)
            + lookup(&self.item_bias, &batch.items).squeeze_dim(1)
    }

    fn penalty(&self, batch: &RatingBatch<B>) -> Tensor<B, 1> {
        let tables = [
            (&self.gmf_user, &batch.users),
            (&self.gmf_item, &batch.items),
            (&self.mlp_user, &batch.users),
            (&self.mlp_item, &batch.items),
            (&self.user_bias, &batch.users),
            (&self.item_bias, &batch.items),
        ];
        let mut total = row_sq_norms(lookup(tables[0].0, tables[0].1));
        for (table, ids) in &tables[1..] {
            total = total + row_sq_norms(lookup(table, ids));
        }
        total * self.l2
    }
}
impl SizedNetwork for NeuMfConfig {
    type Network<B: Backend> = NeuMf<B>;

    fn build<B: Backend>(&self, dims: Dims, device: &B::Device) -> NeuMf<B> {
        self.init(dims, device)
    }
}
