//! I-AutoRec (Sedhain et al. 2015): each movie's column of ratings (one entry per user, zero
//! where unrated) goes through a sigmoid hidden layer and is reconstructed; the loss counts only
//! the observed ratings. A rating is read off the reconstruction of the movie's column. The
//! item-based variant is the one that beats matrix factorisation on MovieLens.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;

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
