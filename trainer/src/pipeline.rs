//! End-to-end runs behind the CLI: data → split → train → evaluate (→ export), generic over the
//! backend. Integration tests call these directly.

use crate::data::split::{self, HeldOutUser, Split};
use crate::data::{Dataset, DatasetName, Rating};
use crate::ease::{Ease, Regularisation, Tuned};
use crate::evaluate::{self, FoldInTask};
use crate::export;
use crate::models::autorec::AutoRecConfig;
use crate::models::autorec::{RatingColumns, train_autorec};
use crate::models::deep::{DeepConfig, ItemFeatures};
use crate::models::explicit::{Loss, RatingData, train_explicit};
use crate::models::foldin::{FoldIn, FoldInConfig};
use crate::models::foldin::{PickRows, train_foldin};
use crate::models::mf::MfConfig;
use crate::models::neumf::NeuMfConfig;
use crate::models::{Dims, RatingModel};
use crate::training::{Checkpoints, History, Plan, RunSettings, TrainingConfig};
use anyhow::{Context, Result, bail};
use burn::module::AutodiffModule;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use serde::Serialize;
use sha2::{Digest, Sha256};
use shared::{FoldInModel, ModelFile, ModelInfo, Recommender};
use std::time::Instant;

/// The explicit-rating models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
pub enum ExplicitModel {
    /// Biased matrix factorisation.
    Mf,
    /// Neural matrix factorisation (GMF + MLP).
    Neumf,
    /// Deep model with genres, batch norm, dropout.
    Deep,
    /// Item-based autoencoder (I-AutoRec).
    Autorec,
}

/// How ratings are split for explicit models.
#[derive(Clone, Debug, PartialEq)]
pub enum RatingSplit {
    /// ml-100k's u1..u5, ua, ub.
    Predefined(String),
    /// Random test fraction, seeded.
    Random(f64),
    /// Each user's latest rating is the test (NCF protocol, with 99 sampled negatives).
    LeaveLatestOut,
}

impl std::str::FromStr for RatingSplit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "latest" => Ok(Self::LeaveLatestOut),
            "random" => Ok(Self::Random(0.1)),
            _ if s.starts_with("random:") => s[7..]
                .parse::<f64>()
                .ok()
                .filter(|f| *f > 0.0 && *f < 1.0)
                .map(Self::Random)
                .ok_or_else(|| {
                    format!(
                        "bad test fraction in {s:?}: a number above 0 and below 1, e.g. random:0.1"
                    )
                }),
            "u1" | "u2" | "u3" | "u4" | "u5" | "ua" | "ub" => Ok(Self::Predefined(s.into())),
            _ => Err(format!(
                "unknown split {s:?}: use u1..u5, ua, ub (ml-100k), random[:FRACTION] or latest"
            )),
        }
    }
}

impl RatingSplit {
    /// The split as `--split` names it: `u1`, `random:0.2`, `latest`.
    fn name(&self) -> String {
        match self {
            RatingSplit::Predefined(name) => name.clone(),
            RatingSplit::Random(fraction) => format!("random:{fraction}"),
            RatingSplit::LeaveLatestOut => "latest".into(),
        }
    }

    /// The split's training and test ratings; an error when either is empty.
    pub fn apply(&self, dataset: &Dataset, seed: u64) -> Result<Split> {
        let split = match self {
            RatingSplit::Predefined(name) => dataset.predefined_split(name)?,
            RatingSplit::Random(fraction) => split::random_split(&dataset.ratings, *fraction, seed),
            RatingSplit::LeaveLatestOut => split::leave_latest_out(&dataset.ratings),
        };
        if split.train.is_empty() || split.test.is_empty() {
            bail!(
                "the {self:?} split of {} leaves no training or no test ratings",
                dataset.name
            );
        }
        Ok(split)
    }
}

/// The lowest and highest rating value: predictions are clipped to it.
pub fn rating_scale(ratings: &[Rating]) -> (f32, f32) {
    ratings
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), r| {
            (lo.min(r.rating), hi.max(r.rating))
        })
}

/// Test metrics of a rating model: RMSE, MAE, R², plus HR@10 and NDCG@10 against 99 sampled
/// negatives under the leave-latest-out split. `predict` gives one rating per (user, item).
pub fn rating_test_metrics(
    dataset: &Dataset,
    split: &RatingSplit,
    test: &[Rating],
    seed: u64,
    predict: impl Fn(&[Rating]) -> Vec<f32>,
) -> Vec<(String, f64)> {
    let truth: Vec<f32> = test.iter().map(|r| r.rating).collect();
    let mut metrics = evaluate::rating_metrics(&predict(test), &truth);
    if *split == RatingSplit::LeaveLatestOut {
        let negatives =
            split::sample_negatives(&dataset.ratings, test, dataset.n_items(), 99, seed);
        metrics.extend(evaluate::sampled_metrics(
            test,
            &negatives,
            |user, items| {
                let candidates: Vec<Rating> = items
                    .iter()
                    .map(|&item| Rating {
                        user,
                        item,
                        rating: 0.0,
                        timestamp: 0,
                    })
                    .collect();
                predict(&candidates)
            },
        ));
    }
    metrics
}

#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    pub model: String,
    pub dataset: String,
    pub split: String,
    pub metrics: Vec<(String, f64)>,
    pub train_seconds: f64,
    pub parameters: usize,
    pub history: History,
}

/// Settings of an explicit-model run.
pub struct ExplicitRun {
    pub model: ExplicitModel,
    pub split: RatingSplit,
    pub loss: Loss,
    pub factors: usize,
    pub l2: f64,
    pub training: TrainingConfig,
    pub checkpoints: Checkpoints,
    pub time_decay: Option<f64>,
}

impl ExplicitRun {
    /// The defaults of `trainer train --model M`. I-AutoRec learns from movie columns: its own
    /// batch size, rate, width and L2 (tuned on ml-100k u1's validation ratings).
    pub fn new(model: ExplicitModel, split: RatingSplit, seed: u64) -> Self {
        let autorec = model == ExplicitModel::Autorec;
        let mut training = TrainingConfig::new().with_seed(seed);
        if autorec {
            training = training
                .with_batch_size(64)
                .with_epochs(100)
                .with_learning_rate(1e-3)
                .with_patience(10);
        }
        Self {
            model,
            split,
            loss: Loss::Mse,
            factors: if autorec { 500 } else { 64 },
            l2: if autorec { 1e-3 } else { 0.05 },
            training,
            checkpoints: Checkpoints::default(),
            time_decay: None,
        }
    }
}

/// Users held out for validation, and as many for test, in the new-user protocol: about a tenth
/// of each small release, Liang et al.'s 10,000 for the large ones.
pub fn default_heldout_users(name: DatasetName) -> usize {
    match name {
        DatasetName::Ml100k => 100,
        DatasetName::MlLatestSmall => 60,
        _ => 10_000,
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

/// A command-line value's name (`mf`, `smooth-l1`), for a run's settings.
fn value_name<T: clap::ValueEnum + std::fmt::Debug>(value: &T) -> String {
    clap::ValueEnum::to_possible_value(value)
        .map_or_else(|| format!("{value:?}"), |v| v.get_name().to_string())
}

/// How many ratings a run learns from and the start of their SHA-256, for a run's settings: a
/// checkpoint of other data (another release, other excluded users) is refused.
fn ratings_digest(ratings: &[Rating]) -> String {
    let mut hasher = Sha256::new();
    for r in ratings {
        hasher.update(r.user.to_le_bytes());
        hasher.update(r.item.to_le_bytes());
        hasher.update(r.rating.to_le_bytes());
        hasher.update(r.timestamp.to_le_bytes());
    }
    let digest = crate::data::download::hex(&hasher.finalize()[..8]);
    format!("{} (sha256 {digest}...)", ratings.len())
}

/// Trains and evaluates an explicit-rating model.
pub fn run_explicit<B: AutodiffBackend>(
    dataset: &Dataset,
    run: &ExplicitRun,
    device: &B::Device,
) -> Result<RunReport> {
    let Split {
        train: train_all,
        test,
    } = run.split.apply(dataset, run.training.seed)?;
    // 5% of the training ratings decide early stopping; the test set is never looked at.
    let inner = split::random_split(&train_all, 0.05, run.training.seed ^ 0x5eed);
    let (train, validation) = (inner.train, inner.test);
    let mean = train.iter().map(|r| r.rating as f64).sum::<f64>() / train.len() as f64;
    let genres = item_genres(dataset);
    let weights = run.time_decay.map(|h| time_decay_weights(&train, h));
    let (lo, hi) = rating_scale(&dataset.ratings);
    let data = RatingData {
        train: &train,
        validation: &validation,
        mean: mean as f32,
        item_genres: &genres,
        genres: dataset.genre_names.len(),
        weights: weights.as_deref(),
        rating_range: (lo, hi),
    };
    let dims = Dims {
        users: dataset.n_users(),
        items: dataset.n_items(),
        genres: dataset.genre_names.len(),
    };
    // Everything but the epoch budget: a checkpoint of other settings is refused.
    let settings = run
        .training
        .settings()
        .with("model", value_name(&run.model))
        .with("dataset", dataset.name)
        .with("ratings", ratings_digest(&dataset.ratings))
        .with("split", run.split.name())
        .with("loss", value_name(&run.loss))
        .with("factors", run.factors)
        .with("l2", run.l2)
        .with(
            "time-decay-days",
            run.time_decay
                .map_or_else(|| "none".into(), |d| d.to_string()),
        );
    let started = Instant::now();
    B::seed(device, run.training.seed);
    let Fitted {
        metrics,
        history,
        parameters,
    } = match run.model {
        ExplicitModel::Mf => {
            let model = MfConfig::new()
                .with_factors(run.factors)
                .with_l2(run.l2)
                .init::<B>(dims, device);
            fit_and_test(model, &data, &test, dataset, run, &settings, device)?
        }
        ExplicitModel::Neumf => {
            let model = NeuMfConfig::new()
                .with_gmf_factors(run.factors)
                .with_mlp_factors(run.factors)
                .with_l2(run.l2)
                .init::<B>(dims, device);
            fit_and_test(model, &data, &test, dataset, run, &settings, device)?
        }
        ExplicitModel::Deep => {
            let features = ItemFeatures::new(&dataset.movies, &train);
            let model = DeepConfig::new()
                .with_factors(run.factors)
                .with_l2(run.l2)
                .init::<B>(dims, &features, device);
            fit_and_test(model, &data, &test, dataset, run, &settings, device)?
        }
        ExplicitModel::Autorec => fit_autorec::<B>(&data, &test, dataset, run, &settings, device)?,
    };
    Ok(RunReport {
        model: format!("{:?}", run.model).to_lowercase(),
        dataset: dataset.name.to_string(),
        split: format!("{:?}", run.split),
        metrics,
        train_seconds: started.elapsed().as_secs_f64(),
        parameters,
        history,
    })
}

/// A trained model's test metrics, training history and size.
struct Fitted {
    metrics: Vec<(String, f64)>,
    history: History,
    parameters: usize,
}

fn fit_and_test<B, M>(
    model: M,
    data: &RatingData,
    test: &[Rating],
    dataset: &Dataset,
    run: &ExplicitRun,
    settings: &RunSettings,
    device: &B::Device,
) -> Result<Fitted>
where
    B: AutodiffBackend,
    M: AutodiffModule<B> + RatingModel<B>,
    M::InnerModule: RatingModel<B::InnerBackend>,
{
    let parameters = model.num_params();
    let plan = Plan {
        config: &run.training,
        settings,
        checkpoints: &run.checkpoints,
    };
    let (best, history) = train_explicit(model, data, run.loss, &plan, device)?;
    let metrics = rating_test_metrics(dataset, &run.split, test, run.training.seed, |ratings| {
        data.predict::<B::InnerBackend, _>(&best, ratings, device)
    });
    Ok(Fitted {
        metrics,
        history,
        parameters,
    })
}

/// I-AutoRec's own batching (movies, not ratings); the same evaluation as the other models.
fn fit_autorec<B: AutodiffBackend>(
    data: &RatingData,
    test: &[Rating],
    dataset: &Dataset,
    run: &ExplicitRun,
    settings: &RunSettings,
    device: &B::Device,
) -> Result<Fitted> {
    let columns = RatingColumns::new(data.train, dataset.n_items(), dataset.n_users());
    let model = AutoRecConfig::new()
        .with_hidden(run.factors)
        .init::<B>(dataset.n_users(), device);
    let parameters = model.num_params();
    let predict = |reconstructed: &[f32], ratings: &[Rating]| -> Vec<f32> {
        let (lo, hi) = data.rating_range;
        ratings
            .iter()
            .map(|r| {
                if columns.rated[r.item as usize] {
                    reconstructed[r.item as usize * columns.users + r.user as usize].clamp(lo, hi)
                } else {
                    data.mean
                }
            })
            .collect()
    };
    let truth: Vec<f32> = data.validation.iter().map(|r| r.rating).collect();
    let plan = Plan {
        config: &run.training,
        settings,
        checkpoints: &run.checkpoints,
    };
    let (best, history) = train_autorec(model, &columns, run.l2, &plan, device, |valid| {
        let reconstructed = columns.reconstruct(valid, device);
        crate::metrics::rmse(&predict(&reconstructed, data.validation), &truth)
    })?;
    let reconstructed = columns.reconstruct(&best, device);
    let metrics = rating_test_metrics(dataset, &run.split, test, run.training.seed, |ratings| {
        predict(&reconstructed, ratings)
    });
    Ok(Fitted {
        metrics,
        history,
        parameters,
    })
}

/// Settings of a fold-in run.
pub struct FoldInRun {
    pub config: FoldInConfig,
    pub l2: f64,
    pub training: TrainingConfig,
    pub checkpoints: Checkpoints,
    pub heldout_users: usize,
    pub positive_threshold: f32,
    pub min_item_users: usize,
    /// Also report EASE on the same task, for comparison.
    pub compare_ease: bool,
    /// Start from the factorised EDLAE / EASE solution (tuned on validation, rank at most
    /// `user_dim`) instead of random weights; the tower is then linear.
    pub init_from_ease: bool,
}

impl FoldInRun {
    /// The defaults of `trainer train --model foldin`: EDLAE (EASE with dropout emphasis, tuned on
    /// validation) factorised to the rank that ranks validation users best, at most 256, and not
    /// fine-tuned: over eight other held-out draws of each release (seeds 1–8), Mult-DAE
    /// fine-tuning changed test NDCG@100 by +0.001 (ml-100k) and −0.004 (ml-latest-small).
    /// `--epochs N` fine-tunes, gently, as [`FoldInRun::fine_tuned`] does.
    pub fn new(heldout_users: usize, seed: u64) -> Self {
        let fine_tuned = Self::fine_tuned(heldout_users, seed);
        Self {
            training: fine_tuned.training.with_epochs(0),
            ..fine_tuned
        }
    }

    /// The same start fine-tuned with the multinomial loss, early-stopped on validation users
    /// (the defaults of `--random-init`, which trains from random weights instead).
    pub fn fine_tuned(heldout_users: usize, seed: u64) -> Self {
        let training = TrainingConfig::new()
            .with_seed(seed)
            .with_batch_size(64)
            .with_epochs(400)
            .with_learning_rate(1e-4)
            .with_lr_decay(0.995)
            .with_patience(40);
        Self {
            config: FoldInConfig::new().with_embedding(256).with_user_dim(256),
            l2: 1e-4,
            training,
            checkpoints: Checkpoints::default(),
            heldout_users,
            positive_threshold: 4.0,
            min_item_users: 3,
            compare_ease: false,
            init_from_ease: true,
        }
    }
}

/// EASE's λ grid, tried on validation users.
pub const EASE_LAMBDAS: [f64; 5] = [50.0, 100.0, 200.0, 400.0, 800.0];
/// EDLAE dropouts tried (with every λ) for the fold-in model's start, besides plain EASE's 0.
const EDLAE_DROPOUTS: [f64; 3] = [0.1, 0.25, 0.5];
/// Ranks tried for the factorised EASE start, up to `FoldInConfig::user_dim`.
const RANKS: [usize; 7] = [32, 64, 96, 128, 160, 192, 256];
/// Bytes the int8 embeddings may take, leaving room for titles within the page's 1 MB.
const EMBEDDING_BYTES_BUDGET: usize = 800_000;

pub struct FoldInResult {
    pub file: ModelFile,
    pub report: RunReport,
    /// EASE's test metrics and its tuned λ, when asked for.
    pub ease: Option<(Regularisation, Vec<(String, f64)>)>,
}

/// The strong-generalization task (Liang et al. 2018) every new-user model is fitted and
/// evaluated on: `heldout_users` validation and as many test users, the rest train.
pub fn heldout_task(
    dataset: &Dataset,
    ratings: &[Rating],
    heldout_users: usize,
    positive_threshold: f32,
    min_item_users: usize,
    seed: u64,
) -> Result<FoldInTask> {
    let split = split::strong_generalization(ratings, heldout_users, positive_threshold, seed);
    let task = FoldInTask::new(&split, ratings, dataset.n_items(), min_item_users);
    if task.items.is_empty() || task.validation.is_empty() || task.test.is_empty() {
        bail!(
            "{}: too few users with {}+ ratings ≥ {} for the held-out protocol",
            dataset.name,
            5,
            positive_threshold
        );
    }
    eprintln!(
        "{}: {} training users, {} validation and {} test users held out, {} movies",
        dataset.name,
        task.train_rows.len(),
        task.validation.len(),
        task.test.len(),
        task.items.len()
    );
    Ok(task)
}

/// The page's weights file for `weights` over the task's movies, evaluated as the page runs it
/// (quantised, through `shared`) on the task's test users; the figures go into `info.metrics`.
pub fn export_evaluated(
    dataset: &Dataset,
    task: &FoldInTask,
    weights: FoldInModel,
    info: ModelInfo,
) -> Result<ModelFile> {
    let catalog = export::catalog(dataset, &task.items, &task.rating_counts);
    let mut file = export::model_file(weights, catalog, info);
    // The page would refuse a model with, say, a NaN weight: say so now, before it is written.
    let recommender = Recommender::new(file.clone())
        .context("the trained model cannot be exported (lower --lr or raise the L2 weight)")?;
    file.info.metrics = heldout_metrics_shared(&recommender, &task.test);
    Ok(file)
}

/// Trains the fold-in model on the strong-generalization split, exports it and evaluates the
/// export through `shared` on the held-out test users.
pub fn run_foldin<B: AutodiffBackend>(
    dataset: &Dataset,
    ratings: &[Rating],
    run: &FoldInRun,
    device: &B::Device,
) -> Result<FoldInResult> {
    let task = heldout_task(
        dataset,
        ratings,
        run.heldout_users,
        run.positive_threshold,
        run.min_item_users,
        run.training.seed,
    )?;
    let rows = PickRows {
        rows: &task.train_rows,
        items: task.items.len(),
    };
    let validation_rows: Vec<Vec<u32>> =
        task.validation.iter().map(|u| u.fold_in.clone()).collect();
    let validation_picks = PickRows {
        rows: &validation_rows,
        items: task.items.len(),
    };
    let all: Vec<usize> = (0..validation_rows.len()).collect();
    // Everything but the epoch budget: a checkpoint of other settings is refused.
    let settings = run
        .training
        .settings()
        .with("model", "foldin")
        .with("dataset", dataset.name)
        .with("ratings", ratings_digest(ratings))
        .with("start", if run.init_from_ease { "ease" } else { "random" })
        .with("embedding", run.config.embedding)
        .with("hidden", format!("{:?}", run.config.hidden))
        .with("user-dim", run.config.user_dim)
        .with("dropout", run.config.dropout)
        .with("l2", run.l2)
        .with("heldout-users", run.heldout_users)
        .with("positive-threshold", run.positive_threshold)
        .with("min-item-users", run.min_item_users);
    let started = Instant::now();
    B::seed(device, run.training.seed);
    let ease_grid = |dropouts: &[f64]| -> Result<Tuned> {
        let grid = Regularisation::grid(&EASE_LAMBDAS, dropouts);
        Ease::tuned(&task.train_rows, task.items.len(), &task.validation, &grid)
    };
    // Plain EASE is both the reference and the dropout-0 part of the start's grid: fit it once.
    let plain = (run.compare_ease || run.init_from_ease)
        .then(|| ease_grid(&[0.0]))
        .transpose()?;
    let (model, shape) = if let Some(plain) = plain.as_ref().filter(|_| run.init_from_ease) {
        let emphasised = ease_grid(&EDLAE_DROPOUTS)?;
        // Plain EASE wins ties, as it would as the first point of one grid.
        let Tuned {
            regularisation,
            model: start,
            ..
        } = if emphasised.validation_ndcg > plain.validation_ndcg {
            &emphasised
        } else {
            plain
        };
        // The page loads the whole file: int8 input and output rows must fit the budget.
        let affordable = EMBEDDING_BYTES_BUDGET / (2 * task.items.len());
        let ranks: Vec<usize> = RANKS
            .iter()
            .copied()
            .filter(|&r| r <= run.config.user_dim.min(affordable))
            .collect();
        let (rank, input, output) =
            start.best_factors(&task.train_rows, &ranks, &task.validation)?;
        let scale = softmax_scale::<B::InnerBackend>(&input, &output, rank, &rows, device);
        let shape = format!("EASE ({regularisation}) factorised to rank {rank}");
        eprintln!("Starting from {shape}, softmax scale {scale}");
        let model = FoldIn::from_factors(
            input,
            output,
            task.items.len(),
            rank,
            scale,
            run.config.dropout,
            device,
        );
        (model, shape)
    } else {
        let shape = format!(
            "embedding {} tower {:?} user {}",
            run.config.embedding, run.config.hidden, run.config.user_dim
        );
        (run.config.init::<B>(task.items.len(), device), shape)
    };
    let parameters = model.num_params();
    let plan = Plan {
        config: &run.training,
        settings: &settings,
        checkpoints: &run.checkpoints,
    };
    let (best, history) = train_foldin(model, &rows, run.l2, &plan, device, |valid| {
        let logits = valid.forward(validation_picks.normalized(&all, device));
        let scores: Vec<f32> = logits
            .into_data()
            .convert::<f32>()
            .to_vec()
            .expect("f32 logits");
        let n = task.items.len();
        let by_user: std::collections::HashMap<&[u32], usize> = task
            .validation
            .iter()
            .enumerate()
            .map(|(k, u)| (u.fold_in.as_slice(), k))
            .collect();
        evaluate::ndcg_at_100(&task.validation, |picks| {
            let k = by_user[picks];
            scores[k * n..(k + 1) * n].to_vec()
        })
    })?;
    let train_seconds = started.elapsed().as_secs_f64();
    let file = export_evaluated(
        dataset,
        &task,
        export::foldin_weights(&best),
        ModelInfo {
            dataset: dataset.name.to_string(),
            model: "foldin".into(),
            description: format!(
                "fold-in (Mult-DAE / YouTube-DNN), {shape}, input dropout {} l2 {}; trained on {} users, best epoch {}",
                run.config.dropout,
                run.l2,
                task.train_rows.len(),
                history.best_epoch
            ),
            metrics: Vec::new(),
        },
    )?;
    let metrics = file.info.metrics.clone();
    let ease = plain.filter(|_| run.compare_ease).map(|plain| {
        (
            plain.regularisation,
            evaluate::heldout_metrics(&task.test, |picks| plain.model.scores(picks)),
        )
    });
    let report = RunReport {
        model: "foldin".into(),
        dataset: dataset.name.to_string(),
        split: format!("strong generalization, {} test users", task.test.len()),
        metrics,
        train_seconds,
        parameters,
        history,
    };
    Ok(FoldInResult { file, report, ease })
}

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
    let all: Vec<usize> = (0..rows.rows.len()).collect();
    let (picks, targets) = (
        rows.normalized::<B>(&all, device),
        rows.multi_hot::<B>(&all, device),
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

/// Held-out metrics of a loaded model file (users given in the model's item numbering).
pub fn heldout_metrics_shared(
    recommender: &Recommender,
    users: &[HeldOutUser],
) -> Vec<(String, f64)> {
    evaluate::heldout_metrics(users, |picks| {
        let picks: Vec<usize> = picks.iter().map(|&i| i as usize).collect();
        recommender.scores(&picks)
    })
}
