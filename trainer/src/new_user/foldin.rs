//! `foldin`: the fold-in network for brand-new users (YouTube-DNN candidate generation trained as a
//! denoising autoencoder with a multinomial likelihood, as Mult-DAE):
//!
//! liked movies (multi-hot, L2-normalised, input dropout) → × input embeddings → ReLU MLP tower →
//! user vector → · output embeddings + bias → softmax over the whole catalogue.
//!
//! Nothing in it is per-user, so a visitor nobody trained on is scored from their picks alone;
//! [`shared::foldin`] runs exactly this forward pass (without dropout) in the browser.

//!
//! By default it starts from EDLAE (EASE with dropout emphasis) factorised, with each movie's
//! strongest residual weights beside the factors ([`shared::neighbours`]); its regularisation,
//! rank (at most 256) and number of neighbours those that rank validation users best when each
//! gives 1, 3, 5 or 10 of their likes, as visitors do, or 80%
//! ([`crate::protocol::TUNING_GIVENS`]), and is not fine-tuned:
//! over eight other held-out draws of each release (seeds 1–8), Mult-DAE fine-tuning changed
//! test NDCG@100 by +0.001 (ml-100k) and −0.004 (ml-latest-small). `--epochs N` fine-tunes it
//! with the multinomial loss, early-stopped on validation users; `--random-init` trains from
//! random weights instead.

use super::ease::{Ease, EaseConfig, Factorised, Shape, Tuned};
use super::{Fitted, NewUserModel};
use crate::evaluate;
use crate::experiment::Experiment;
use crate::model::Model;
use crate::options::ModelOptions;
use crate::protocol::{NewUserTask, page};
use crate::report::Phases;
use crate::training::{Goal, History, Plan, RunSettings, TrainingConfig, fit, to_vec};
use anyhow::{Result, bail};
use burn::module::{AutodiffModule, Param};
use burn::nn::{Dropout, DropoutConfig, Initializer, Linear, LinearConfig, Relu};
use burn::optim::AdamConfig;
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use burn::tensor::backend::AutodiffBackend;
use shared::{Activation, Dense, Neighbours, QuantMatrix};

/// `trainer train --model foldin`.
pub struct FoldInModel;

/// A run of the fold-in network: its shape, its start and its training.
#[derive(Config, Debug)]
pub struct FoldInRunConfig {
    pub network: FoldInConfig,
    /// Adam's weight decay.
    #[config(default = 1e-4)]
    pub l2: f64,
    /// Start from factorised EDLAE (the tower is then linear) rather than random weights.
    #[config(default = true)]
    pub ease_start: bool,
    /// The EDLAE regularisations tried for the start.
    pub ease: EaseConfig,
    /// Ranks tried for the factorised start, up to the network's `user_dim` and the page budget.
    #[config(default = "vec![32, 64, 96, 128, 160, 192, 256]")]
    pub ranks: Vec<usize>,
    /// Each movie's residual neighbours tried beside the factorised start
    /// ([`shared::neighbours`]): what a single niche pick needs. Only a start that is not
    /// fine-tuned keeps them (fine-tuning moves the factors they complete).
    #[config(default = "vec![0, 8, 16, 32]")]
    pub neighbours: Vec<usize>,
    pub training: TrainingConfig,
}

impl Model for FoldInModel {
    const NAME: &'static str = "foldin";
    const ABOUT: &'static str =
        "the fold-in network (Mult-DAE / YouTube-DNN) from factorised EDLAE, trained with burn";
    const BURN: bool = true;
    type Config = FoldInRunConfig;

    fn config(options: &mut ModelOptions, seed: u64) -> Result<FoldInRunConfig> {
        let random_start = std::mem::take(&mut options.random_init);
        let epochs = options.epochs.take();
        let hidden = options.hidden.take();
        if random_start && epochs == Some(0) {
            bail!("--epochs 0 with --random-init trains nothing: use at least 1");
        }
        if hidden.is_some() && !random_start {
            bail!(
                "--hidden shapes the tower of a network trained from random weights: add --random-init (the EASE start's tower is linear)"
            );
        }
        let training = TrainingConfig::new()
            .with_batch_size(64)
            .with_epochs(epochs.unwrap_or(if random_start { 400 } else { 0 }))
            .with_learning_rate(1e-4)
            .with_lr_decay(0.995)
            .with_patience(40)
            .with_options(options, seed)?;
        let width = options.factors.take().unwrap_or(256);
        let mut network = FoldInConfig::new()
            .with_embedding(width)
            .with_user_dim(width);
        network.dropout = options.dropout.take().unwrap_or(network.dropout);
        network.hidden = hidden.unwrap_or(network.hidden);
        let ease = EaseConfig::new().with_dropouts(vec![0.0, 0.1, 0.25, 0.5]);
        let mut config =
            FoldInRunConfig::new(network, ease, training).with_ease_start(!random_start);
        config.l2 = options.l2.take().unwrap_or(config.l2);
        Ok(config)
    }
}

impl NewUserModel for FoldInModel {
    fn fit<B: AutodiffBackend>(
        config: &FoldInRunConfig,
        task: &NewUserTask,
        experiment: &Experiment<B>,
        identity: &RunSettings,
        phases: &mut Phases,
    ) -> Result<Fitted<FoldInRunConfig>> {
        let device = &experiment.device;
        let items = task.items.len();
        let rows = PickRows {
            rows: &task.train_rows,
            items,
        };
        let validation_rows: Vec<Vec<u32>> =
            task.validation.iter().map(|u| u.fold_in.clone()).collect();
        let validation_picks = PickRows {
            rows: &validation_rows,
            items,
        };
        let all: Vec<usize> = (0..validation_rows.len()).collect();
        B::seed(device, config.training.seed);
        let (model, shape, mut chosen, neighbours) = if config.ease_start {
            ease_start(config, task, &rows, experiment, phases)?
        } else {
            let network = &config.network;
            let shape = format!(
                "embedding {} tower {:?} user {}",
                network.embedding, network.hidden, network.user_dim
            );
            (
                network.init::<B>(items, device),
                shape,
                config.clone(),
                None,
            )
        };
        let parameters = model.num_params();
        let plan = Plan {
            config: &config.training,
            settings: identity,
            checkpoints: &experiment.checkpoints,
        };
        let (best, history) = if config.training.epochs == 0 {
            // Not fine-tuned: the start is the model, with nothing to measure it against.
            (model.valid(), History::default())
        } else {
            phases.time("training epochs", || {
                train_foldin(model, &rows, config.l2, &plan, device, |valid| {
                    // Block by block: never every validation user's scores at once.
                    let blocks = all.chunks(VALIDATION_BLOCK).map(|block| {
                        let scores =
                            to_vec(valid.forward(validation_picks.normalized(block, device)));
                        let users = &task.validation[block[0]..block[0] + block.len()];
                        let mean = evaluate::ndcg_at_100_by_user(users, |k| {
                            scores[k * items..(k + 1) * items].to_vec()
                        });
                        mean * block.len() as f64
                    });
                    blocks.sum::<f64>() / all.len().max(1) as f64
                })
            })?
        };
        Ok(Fitted {
            weights: shared::FoldInWeights {
                neighbours,
                ..foldin_weights(&best)
            },
            parameters,
            description: format!(
                "fold-in (Mult-DAE / YouTube-DNN), {shape}, input dropout {} l2 {}; trained on {} users, best epoch {}",
                config.network.dropout,
                config.l2,
                task.train_rows.len(),
                history.best_epoch
            ),
            chosen: {
                // A refit trains as long as the best epoch of this fit.
                if history.best_epoch > 0 {
                    chosen.training.epochs = history.best_epoch;
                }
                chosen
            },
            history,
        })
    }
}

/// The network that scores as EDLAE factorised, its regularisation, rank and neighbours those
/// that rank validation users given a visitor's few picks best; its shape in words, `config`
/// narrowed to the settings chosen, and the neighbours (which the network does not hold).
fn ease_start<B: AutodiffBackend>(
    config: &FoldInRunConfig,
    task: &NewUserTask,
    rows: &PickRows,
    experiment: &Experiment<B>,
    phases: &mut Phases,
) -> Result<(FoldIn<B>, String, FoldInRunConfig, Option<Neighbours>)> {
    super::ease::check_memory(
        task,
        experiment.memory_budget,
        "the fold-in model's EASE start",
    )?;
    let items = task.items.len();
    // Chosen for visitors (a few picks each) as much as for users handing over 80% of their
    // likes: a few picks want far more regularisation.
    let validation = task.visitor_validation();
    let Tuned {
        regularisation,
        model: start,
        ..
    } = Ease::tuned(
        &task.train_rows,
        items,
        &validation,
        &config.ease.grid(),
        phases,
    )?;
    // The page loads the whole file: int8 input and output rows, and the neighbours, must fit
    // the budget. Fine-tuning moves the factors the neighbours complete: then none.
    let neighbours: &[usize] = if config.training.epochs > 0 {
        &[0]
    } else {
        &config.neighbours
    };
    let shapes: Vec<Shape> = neighbours
        .iter()
        .flat_map(|&neighbours| {
            let affordable = page::affordable_rank(
                experiment.page_budget,
                task.catalogue_bytes,
                items,
                experiment.other_bytes_per_movie() + page::neighbour_bytes(neighbours),
            );
            config
                .ranks
                .iter()
                .filter(move |&&r| r <= config.network.user_dim.min(affordable))
                .map(move |&rank| Shape { rank, neighbours })
        })
        .collect();
    if shapes.is_empty() {
        bail!(
            "a {} KB page file leaves no room for rank {} embeddings of {items} movies: raise --page-budget-kb or lower --max-movies",
            experiment.page_budget / 1000,
            config.ranks.iter().min().copied().unwrap_or(0)
        );
    }
    let Factorised {
        shape: Shape { rank, neighbours },
        input,
        output,
        neighbours: sparse,
    } = phases.time("factorisation, rank and neighbours", || {
        start.best_factors(&task.train_rows, &shapes, &validation)
    })?;
    let device = &experiment.device;
    // The softmax temperature matters only to fine-tuning; ranking ignores it.
    let scale = if config.training.epochs > 0 {
        phases.time("softmax scale", || {
            softmax_scale::<B::InnerBackend>(&input, &output, rank, rows, device)
        })
    } else {
        1.0
    };
    let shape = format!(
        "EASE ({regularisation}) factorised to rank {rank}, {neighbours} neighbours a movie"
    );
    eprintln!("Starting from {shape}, softmax scale {scale}");
    let model = FoldIn::from_factors(
        input,
        output,
        items,
        rank,
        scale,
        config.network.dropout,
        device,
    );
    let mut chosen = config.clone();
    chosen.ease.lambdas = vec![regularisation.lambda];
    chosen.ease.dropouts = vec![regularisation.dropout];
    chosen.ranks = vec![rank];
    chosen.neighbours = vec![neighbours];
    Ok((model, shape, chosen, sparse))
}

/// Validation users scored at once during training.
const VALIDATION_BLOCK: usize = 1_024;

/// Training users the softmax temperature is chosen on.
const SCALE_SAMPLE_USERS: usize = 2_048;

/// The score scale (softmax temperature) with the lowest multinomial loss on the training users:
/// EASE's scores are small, and fine-tuning from a nearly flat softmax would first undo them.
fn softmax_scale<B: Backend>(
    input: &[f32],
    output: &[f32],
    rank: usize,
    rows: &PickRows,
    device: &B::Device,
) -> f32 {
    let items = rows.items;
    // A sample of users sets a temperature as well as all of them, without a users × movies matrix.
    let sample: Vec<usize> = (0..rows.rows.len().min(SCALE_SAMPLE_USERS)).collect();
    let (picks, targets) = (
        rows.normalized::<B>(&sample, device),
        rows.multi_hot::<B>(&sample, device),
    );
    let loss = |scale: f32| -> f64 {
        let model = FoldIn::<B>::from_factors(
            input.to_vec(),
            output.to_vec(),
            items,
            rank,
            scale,
            0.0,
            device,
        );
        model
            .loss(picks.clone(), targets.clone())
            .into_scalar()
            .elem()
    };
    let candidates = (0..12).map(|k| 2f32.powi(k));
    candidates
        .min_by(|a, b| loss(*a).total_cmp(&loss(*b)))
        .unwrap_or(1.0)
}

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

/// The fold-in weights of `model`, in `shared`'s layout.
pub fn foldin_weights<B: Backend>(model: &FoldIn<B>) -> shared::FoldInWeights {
    let [items, embedding] = model.input_embeddings.val().dims();
    let tower = model
        .tower
        .iter()
        .map(|layer| {
            let [inputs, outputs] = layer.weight.val().dims();
            let bias = layer
                .bias
                .as_ref()
                .map(|b| to_vec(b.val()))
                .unwrap_or_else(|| vec![0.0; outputs]);
            Dense {
                inputs,
                outputs,
                weight: to_vec(layer.weight.val()),
                bias,
            }
        })
        .collect();
    // The output layer's weight is [user_dim, items]: its columns are the output embeddings.
    let output_weight = model.output.weight.val();
    let [user_dim, _] = output_weight.dims();
    let output_bias = model
        .output
        .bias
        .as_ref()
        .map(|b| to_vec(b.val()))
        .unwrap_or_else(|| vec![0.0; items]);
    shared::FoldInWeights {
        input_embeddings: QuantMatrix::quantize(
            &to_vec(model.input_embeddings.val()),
            items,
            embedding,
        ),
        tower,
        activation: Activation::Relu,
        output_embeddings: QuantMatrix::quantize(
            &to_vec(output_weight.transpose()),
            items,
            user_dim,
        ),
        output_bias,
        neighbours: None,
    }
}
