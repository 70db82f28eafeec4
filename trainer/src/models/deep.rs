//! The deep rating model of seed 000 (YouTube-DNN-style ranking network): user and item
//! embeddings concatenated with the item's genres, then Linear → BatchNorm → ReLU → Dropout
//! blocks and a linear output, plus user and item biases.

use super::mf::lookup;
use super::{Dims, RatingBatch, RatingModel, row_sq_norms};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Embedding, EmbeddingConfig, Initializer,
    Linear, LinearConfig, Relu,
};
use burn::prelude::*;

#[derive(Config, Debug)]
pub struct DeepConfig {
    #[config(default = 32)]
    pub factors: usize,
    #[config(default = "vec![128, 64]")]
    pub hidden: Vec<usize>,
    #[config(default = 0.3)]
    pub dropout: f64,
    #[config(default = 0.02)]
    pub l2: f64,
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
    blocks: Vec<Block<B>>,
    output: Linear<B>,
    l2: f64,
}

impl DeepConfig {
    pub fn init<B: Backend>(&self, dims: Dims, device: &B::Device) -> Deep<B> {
        let normal = Initializer::Normal {
            mean: 0.0,
            std: 0.05,
        };
        let embed = |n, d, init: &Initializer| {
            EmbeddingConfig::new(n, d)
                .with_initializer(init.clone())
                .init(device)
        };
        let mut widths = vec![2 * self.factors + dims.genres];
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
            blocks,
            output: LinearConfig::new(*widths.last().unwrap(), 1).init(device),
            l2: self.l2,
        }
    }
}

impl<B: Backend> RatingModel<B> for Deep<B> {
    fn predict(&self, batch: &RatingBatch<B>) -> Tensor<B, 1> {
        let input = Tensor::cat(
            vec![
                lookup(&self.user, &batch.users),
                lookup(&self.item, &batch.items),
                batch.item_genres.clone(),
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
