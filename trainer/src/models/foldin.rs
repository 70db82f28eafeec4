//! The fold-in model for brand-new users (YouTube-DNN candidate generation trained as a
//! denoising autoencoder with a multinomial likelihood, as Mult-DAE):
//!
//! liked movies (multi-hot, L2-normalised, input dropout) → × input embeddings → ReLU MLP tower →
//! user vector → · output embeddings + bias → softmax over the whole catalogue.
//!
//! Nothing in it is per-user, so a visitor nobody trained on is scored from their picks alone;
//! [`shared::foldin`] runs exactly this forward pass (without dropout) in the browser.

use crate::training::{Goal, History, Plan, fit};
use anyhow::Result;
use burn::module::Param;
use burn::nn::{Dropout, DropoutConfig, Initializer, Linear, LinearConfig, Relu};
use burn::optim::AdamConfig;
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use burn::tensor::backend::AutodiffBackend;

#[derive(Config, Debug)]
pub struct FoldInConfig {
    /// Width of the input embeddings.
    #[config(default = 64)]
    pub embedding: usize,
    /// Hidden widths of the tower; the last tower layer outputs `user_dim`.
    #[config(default = "vec![128]")]
    pub hidden: Vec<usize>,
    /// Width of the user vector and output embeddings.
    #[config(default = 64)]
    pub user_dim: usize,
    /// Input dropout (the denoising).
    #[config(default = 0.5)]
    pub dropout: f64,
}

#[derive(Module, Debug)]
pub struct FoldIn<B: Backend> {
    /// `[items, embedding]`.
    pub input_embeddings: Param<Tensor<B, 2>>,
    pub tower: Vec<Linear<B>>,
    /// Weight `[user_dim, items]` (the output embeddings, transposed) and one bias per item.
    pub output: Linear<B>,
    dropout: Dropout,
    relu: Relu,
}

impl FoldInConfig {
    pub fn init<B: Backend>(&self, items: usize, device: &B::Device) -> FoldIn<B> {
        let std = (1.0 / self.embedding as f64).sqrt();
        let input_embeddings =
            Initializer::Normal { mean: 0.0, std }.init([items, self.embedding], device);
        let mut widths = vec![self.embedding];
        widths.extend(&self.hidden);
        widths.push(self.user_dim);
        let tower = widths
            .windows(2)
            .map(|w| LinearConfig::new(w[0], w[1]).init(device))
            .collect();
        FoldIn {
            input_embeddings,
            tower,
            output: LinearConfig::new(self.user_dim, items)
                .with_initializer(Initializer::XavierUniform { gain: 1.0 })
                .init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            relu: Relu::new(),
        }
    }
}

impl<B: Backend> FoldIn<B> {
    /// A model whose scores start as `picks · input · outputᵀ` (e.g. a factorised EASE): the
    /// tower is one linear layer set to the identity, the output bias zero.
    /// `scale` multiplies every score: the softmax temperature, which leaves the ranking as is.
    #[allow(clippy::too_many_arguments)]
    pub fn from_factors(
        input: Vec<f32>,
        output: Vec<f32>,
        items: usize,
        rank: usize,
        scale: f32,
        dropout: f64,
        device: &B::Device,
    ) -> Self {
        let matrix = |data: Vec<f32>, shape: [usize; 2]| {
            Param::from_tensor(Tensor::from_data(TensorData::new(data, shape), device))
        };
        let output =
            Tensor::<B, 2>::from_data(TensorData::new(output, [items, rank]), device).transpose();
        FoldIn {
            input_embeddings: matrix(input, [items, rank]),
            tower: vec![Linear {
                weight: Param::from_tensor(Tensor::eye(rank, device) * scale),
                bias: Some(Param::from_tensor(Tensor::zeros([rank], device))),
            }],
            output: Linear {
                weight: Param::from_tensor(output),
                bias: Some(Param::from_tensor(Tensor::zeros([items], device))),
            },
            dropout: DropoutConfig::new(dropout).init(),
            relu: Relu::new(),
        }
    }

    /// User vectors for rows of L2-normalised multi-hot picks `[batch, items]`.
    pub fn user_vectors(&self, picks: Tensor<B, 2>) -> Tensor<B, 2> {
        let pooled = self
            .dropout
            .forward(picks)
            .matmul(self.input_embeddings.val());
        let last = self.tower.len() - 1;
        self.tower.iter().enumerate().fold(pooled, |x, (i, layer)| {
            let y = layer.forward(x);
            if i < last { self.relu.forward(y) } else { y }
        })
    }

    /// Logits over the catalogue, `[batch, items]`.
    pub fn forward(&self, picks: Tensor<B, 2>) -> Tensor<B, 2> {
        self.output.forward(self.user_vectors(picks))
    }

    /// Multinomial negative log-likelihood of the `targets` multi-hot rows, averaged over users.
    pub fn loss(&self, picks: Tensor<B, 2>, targets: Tensor<B, 2>) -> Tensor<B, 1> {
        let log_probs = log_softmax(self.forward(picks), 1);
        (log_probs * targets).sum_dim(1).mean().neg()
    }
}

/// Users' liked movies as rows of a multi-hot matrix, indexed by fold-in model item.
pub struct PickRows<'a> {
    pub rows: &'a [Vec<u32>],
    pub items: usize,
}

impl PickRows<'_> {
    /// `[n, items]` with each row L2-normalised (1/sqrt(#picks) on picked items).
    pub fn normalized<B: Backend>(&self, which: &[usize], device: &B::Device) -> Tensor<B, 2> {
        self.dense(which, true, device)
    }

    /// `[n, items]` with ones on picked items.
    pub fn multi_hot<B: Backend>(&self, which: &[usize], device: &B::Device) -> Tensor<B, 2> {
        self.dense(which, false, device)
    }

    fn dense<B: Backend>(
        &self,
        which: &[usize],
        normalize: bool,
        device: &B::Device,
    ) -> Tensor<B, 2> {
        let mut data = vec![0f32; which.len() * self.items];
        for (r, &u) in which.iter().enumerate() {
            let row = &self.rows[u];
            let value = if normalize && !row.is_empty() {
                1.0 / (row.len() as f32).sqrt()
            } else {
                1.0
            };
            for &item in row {
                data[r * self.items + item as usize] = value;
            }
        }
        Tensor::from_data(TensorData::new(data, [which.len(), self.items]), device)
    }
}

/// Trains the fold-in model on training users' liked movies; early stopping on `validate`
/// (NDCG@100 of held-out validation users).
pub fn train_foldin<B: AutodiffBackend>(
    model: FoldIn<B>,
    users: &PickRows,
    l2: f64,
    plan: &Plan,
    device: &B::Device,
    validate: impl FnMut(&FoldIn<B::InnerBackend>) -> f64,
) -> Result<(FoldIn<B::InnerBackend>, History)> {
    let weight_decay = burn::optim::decay::WeightDecayConfig::new(l2 as f32);
    let optim = AdamConfig::new()
        .with_weight_decay(Some(weight_decay))
        .init::<B, FoldIn<B>>();
    let users_with_picks: Vec<usize> = (0..users.rows.len())
        .filter(|&u| !users.rows[u].is_empty())
        .collect();
    fit(
        model,
        optim,
        plan,
        ("NDCG@100", Goal::Maximize),
        device,
        (users_with_picks, |model: &FoldIn<B>, chunk: &[usize]| {
            model.loss(
                users.normalized::<B>(chunk, device),
                users.multi_hot::<B>(chunk, device),
            )
        }),
        validate,
    )
}
