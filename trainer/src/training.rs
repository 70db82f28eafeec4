//! Training loops: Adam, a per-epoch exponential learning-rate schedule, early stopping on a
//! validation metric, a progress bar with the live loss, checkpoints written atomically every
//! epoch, `--resume`, and a clear stop when the loss diverges.
//!
//! [`fit`] owns the epoch loop and the checkpoints; [`train_explicit`] and [`train_foldin`]
//! supply one epoch of batches and a validation metric.

use crate::data::Rating;
use crate::models::autorec::AutoRec;
use crate::models::foldin::FoldIn;
use crate::models::{RatingBatch, RatingModel};
use anyhow::{Context, Result, bail};
use burn::module::AutodiffModule;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use burn::record::{BinFileRecorder, FullPrecisionSettings, Recorder};
use burn::tensor::backend::AutodiffBackend;
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Config, Debug)]
pub struct TrainingConfig {
    #[config(default = 40)]
    pub epochs: usize,
    #[config(default = 1024)]
    pub batch_size: usize,
    #[config(default = 0.003)]
    pub learning_rate: f64,
    /// The learning rate is multiplied by this after every epoch.
    #[config(default = 0.95)]
    pub lr_decay: f64,
    /// Epochs without a better validation metric before stopping.
    #[config(default = 4)]
    pub patience: usize,
    #[config(default = 42)]
    pub seed: u64,
}

impl TrainingConfig {
    /// The settings that must match for `--resume`: all but the epoch budget, which a resumed
    /// run may extend.
    pub fn fingerprint(&self) -> String {
        format!(
            "batch {} lr {} decay {} patience {} seed {}",
            self.batch_size, self.learning_rate, self.lr_decay, self.patience, self.seed
        )
    }
}

/// What happened in one epoch, kept for the report's training curves.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EpochRecord {
    pub epoch: usize,
    pub train_loss: f64,
    pub validation: f64,
    pub learning_rate: f64,
    pub seconds: f64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct History {
    /// e.g. "RMSE" or "NDCG@100".
    pub metric: String,
    pub epochs: Vec<EpochRecord>,
    pub best_epoch: usize,
    pub stopped_early: bool,
}

impl History {
    pub fn seconds(&self) -> f64 {
        self.epochs.iter().map(|e| e.seconds).sum()
    }
}

/// Which way the validation metric improves.
#[derive(Clone, Copy, Debug)]
pub enum Goal {
    Minimize,
    Maximize,
}

impl Goal {
    fn better(self, new: f64, old: f64) -> bool {
        match self {
            Goal::Minimize => new < old,
            Goal::Maximize => new > old,
        }
    }
}

/// Where checkpoints go and whether to continue from them.
#[derive(Clone, Debug, Default)]
pub struct Checkpoints {
    pub dir: Option<PathBuf>,
    pub resume: bool,
}

/// What every training run shares: its settings, its identity for `--resume` (see
/// [`TrainingConfig::fingerprint`]) and where its checkpoints go.
#[derive(Clone, Copy)]
pub struct Plan<'a> {
    pub config: &'a TrainingConfig,
    pub fingerprint: &'a str,
    pub checkpoints: &'a Checkpoints,
}

/// The small JSON file that commits a checkpoint: written last, renamed into place.
#[derive(Serialize, Deserialize)]
struct CheckpointState {
    /// Epochs completed.
    epoch: usize,
    history: History,
    best_value: f64,
    /// Fingerprint of the run's configuration: resuming a different run is refused.
    config: String,
}

type FileRecorder = BinFileRecorder<FullPrecisionSettings>;

/// Where an epoch stands: its learning rate, its seed (for shuffling and dropout) and its bar.
pub struct Epoch<'a> {
    pub lr: f64,
    pub seed: u64,
    pub bar: &'a ProgressBar,
}

/// One epoch of mini-batches over `order`, shuffled with the epoch's seed: the body every model's
/// epoch shares. `objective` gives the loss of one batch of indices into the model's examples.
/// Returns the updated model and the mean batch loss.
fn minibatch_epoch<B, M, O>(
    mut model: M,
    optim: &mut O,
    epoch: &Epoch,
    order: &mut [usize],
    batch_size: usize,
    objective: impl Fn(&M, &[usize]) -> Tensor<B, 1>,
) -> Result<(M, f64)>
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    O: Optimizer<M, B>,
{
    order.sort_unstable();
    order.shuffle(&mut StdRng::seed_from_u64(epoch.seed));
    let batches = order.len().div_ceil(batch_size);
    epoch.bar.set_length(batches as u64);
    let mut total = 0.0;
    for (b, chunk) in order.chunks(batch_size).enumerate() {
        let loss = objective(&model, chunk);
        let value: f64 = loss.clone().into_scalar().elem();
        check_finite(value, epoch.seed, b)?;
        total += value;
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(epoch.lr, model, grads);
        epoch.bar.inc(1);
        epoch
            .bar
            .set_message(format!("loss {:.4}", total / (b + 1) as f64));
    }
    Ok((model, total / batches.max(1) as f64))
}

/// The epoch loop shared by every model.
///
/// `epoch` trains one epoch (it gets the model, optimizer, learning rate, the epoch's seed and a
/// progress bar, and returns the updated model and the mean training loss); `validate` scores the
/// inference copy of the model.
pub fn fit<B, M, O>(
    mut model: M,
    mut optim: O,
    plan: &Plan,
    (metric, goal): (&str, Goal),
    device: &B::Device,
    mut epoch: impl FnMut(M, &mut O, &Epoch) -> Result<(M, f64)>,
    mut validate: impl FnMut(&M::InnerModule) -> f64,
) -> Result<(M::InnerModule, History)>
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    O: Optimizer<M, B>,
{
    let Plan {
        config,
        fingerprint,
        checkpoints,
    } = *plan;
    let recorder = FileRecorder::new();
    let mut history = History {
        metric: metric.to_string(),
        ..Default::default()
    };
    let mut best_value = match goal {
        Goal::Minimize => f64::INFINITY,
        Goal::Maximize => f64::NEG_INFINITY,
    };
    let mut best: Option<M::InnerModule> = None;
    let mut start_epoch = 0;

    if let (Some(dir), true) = (&checkpoints.dir, checkpoints.resume) {
        if let Some(state) = read_state(dir)? {
            if state.config != fingerprint {
                bail!(
                    "the checkpoint in {} was written by a run with other settings; \
                     use another --checkpoint-dir or drop --resume",
                    dir.display()
                );
            }
            let record = recorder
                .load(dir.join(format!("model-{}", state.epoch)), device)
                .with_context(|| format!("reading the model checkpoint in {}", dir.display()))?;
            model = model.load_record(record);
            let record = recorder
                .load(dir.join(format!("optim-{}", state.epoch)), device)
                .with_context(|| {
                    format!("reading the optimizer checkpoint in {}", dir.display())
                })?;
            optim = optim.load_record(record);
            if dir.join("best.bin").exists() {
                let record = recorder
                    .load(dir.join("best"), device)
                    .context("reading the best-model checkpoint")?;
                best = Some(model.valid().load_record(record));
            }
            eprintln!(
                "Resuming after epoch {} (best {metric} {:.4} at epoch {})",
                state.epoch, state.best_value, state.history.best_epoch
            );
            start_epoch = state.epoch;
            best_value = state.best_value;
            history = state.history;
        } else {
            eprintln!(
                "No checkpoint in {} yet: starting from scratch",
                dir.display()
            );
        }
    }

    if start_epoch == 0 {
        // The untrained model competes too: a model initialised from a closed-form solution
        // is kept when training does not improve on it.
        let initial = model.valid();
        best_value = validate(&initial);
        best = Some(initial);
        eprintln!("before training: validation {metric} {best_value:.4}");
    }
    let mut since_best = history
        .epochs
        .iter()
        .rev()
        .take_while(|e| e.epoch != history.best_epoch)
        .count();
    for e in start_epoch..config.epochs {
        if since_best >= config.patience {
            history.stopped_early = true;
            break;
        }
        let started = Instant::now();
        let lr = config.learning_rate * config.lr_decay.powi(e as i32);
        let epoch_seed = config.seed.wrapping_mul(1_000_003).wrapping_add(e as u64);
        B::seed(device, epoch_seed);
        let bar = ProgressBar::new(0).with_style(
            ProgressStyle::with_template("epoch {prefix:>3} [{bar:30}] {pos}/{len} {msg}")
                .expect("static template")
                .progress_chars("=> "),
        );
        bar.set_prefix((e + 1).to_string());
        let (updated, train_loss) = epoch(
            model,
            &mut optim,
            &Epoch {
                lr,
                seed: epoch_seed,
                bar: &bar,
            },
        )?;
        model = updated;
        let valid_model = model.valid();
        let value = validate(&valid_model);
        bar.finish_and_clear();
        if !value.is_finite() {
            bail!(
                "training diverged at epoch {}: validation {metric} is {value}; lower --lr",
                e + 1
            );
        }
        let improved = goal.better(value, best_value);
        if improved {
            best_value = value;
            history.best_epoch = e + 1;
            since_best = 0;
            best = Some(valid_model);
        } else {
            since_best += 1;
        }
        history.epochs.push(EpochRecord {
            epoch: e + 1,
            train_loss,
            validation: value,
            learning_rate: lr,
            seconds: started.elapsed().as_secs_f64(),
        });
        eprintln!(
            "epoch {:>3}  loss {train_loss:.4}  validation {metric} {value:.4}{}  lr {lr:.2e}  {:.1}s",
            e + 1,
            if improved { " *" } else { "" },
            started.elapsed().as_secs_f64()
        );
        if let Some(dir) = &checkpoints.dir {
            let state = CheckpointState {
                epoch: e + 1,
                history: history.clone(),
                best_value,
                config: fingerprint.into(),
            };
            write_checkpoint(
                dir,
                &recorder,
                &model,
                &optim,
                improved.then_some(&best),
                state,
            )?;
        }
    }
    let best = best.unwrap_or_else(|| model.valid());
    Ok((best, history))
}

fn read_state(dir: &Path) -> Result<Option<CheckpointState>> {
    let path = dir.join("state.json");
    if !path.exists() {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text)
        .map(Some)
        .with_context(|| format!("{} is not a checkpoint state", path.display()))
}

/// Model and optimizer go to epoch-numbered files, then `state.json` is replaced atomically to
/// point at them: an interrupted write leaves the previous checkpoint intact.
fn write_checkpoint<B, M, O>(
    dir: &Path,
    recorder: &FileRecorder,
    model: &M,
    optim: &O,
    new_best: Option<&Option<M::InnerModule>>,
    state: CheckpointState,
) -> Result<()>
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    O: Optimizer<M, B>,
{
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let epoch = state.epoch;
    model
        .clone()
        .save_file(dir.join(format!("model-{epoch}")), recorder)
        .context("writing model checkpoint")?;
    Recorder::<B>::record(
        recorder,
        optim.to_record(),
        dir.join(format!("optim-{epoch}")),
    )
    .context("writing optimizer checkpoint")?;
    if let Some(Some(best)) = new_best {
        best.clone()
            .save_file(dir.join("best-partial"), recorder)
            .context("writing best checkpoint")?;
        std::fs::rename(dir.join("best-partial.bin"), dir.join("best.bin"))?;
    }
    let partial = dir.join("state-partial.json");
    std::fs::write(&partial, serde_json::to_string_pretty(&state)?)?;
    std::fs::rename(&partial, dir.join("state.json"))?;
    if epoch > 1 {
        for stale in [
            format!("model-{}.bin", epoch - 1),
            format!("optim-{}.bin", epoch - 1),
        ] {
            let _ = std::fs::remove_file(dir.join(stale));
        }
    }
    Ok(())
}

fn check_finite(loss: f64, epoch_seed: u64, batch: usize) -> Result<()> {
    if !loss.is_finite() {
        bail!(
            "training diverged (epoch seed {epoch_seed}, batch {batch}): the loss is {loss}; lower --lr or raise the L2 weight"
        );
    }
    Ok(())
}

/// The training loss for explicit ratings (seed 004 compares all three).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
pub enum Loss {
    Mse,
    L1,
    SmoothL1,
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
pub struct RatingData<'a> {
    pub train: &'a [Rating],
    pub validation: &'a [Rating],
    pub mean: f32,
    /// Row-major multi-hot `[items, genres]`.
    pub item_genres: &'a [f32],
    pub genres: usize,
    /// Optional per-rating weights for `train` (time decay); `None` weighs all equally.
    pub weights: Option<&'a [f32]>,
    pub rating_range: (f32, f32),
}

impl RatingData<'_> {
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
    pub fn predict<B: Backend, M: RatingModel<B>>(
        &self,
        model: &M,
        ratings: &[Rating],
        device: &B::Device,
    ) -> Vec<f32> {
        let mut out = Vec::with_capacity(ratings.len());
        for chunk in ratings.chunks(8192) {
            let refs: Vec<&Rating> = chunk.iter().collect();
            let batch = self.batch::<B>(&refs, device);
            let pred: Vec<f32> = model
                .predict(&batch)
                .into_data()
                .convert::<f32>()
                .to_vec()
                .expect("f32 predictions");
            let (lo, hi) = self.rating_range;
            out.extend(pred.into_iter().map(|p| (p + self.mean).clamp(lo, hi)));
        }
        out
    }
}

/// Trains an explicit-rating model; early stopping on validation RMSE.
pub fn train_explicit<B, M>(
    model: M,
    data: &RatingData,
    loss: Loss,
    plan: &Plan,
    device: &B::Device,
) -> Result<(M::InnerModule, History)>
where
    B: AutodiffBackend,
    M: AutodiffModule<B> + RatingModel<B>,
    M::InnerModule: RatingModel<B::InnerBackend>,
{
    let config = plan.config;
    let optim = AdamConfig::new().init::<B, M>();
    let truth: Vec<f32> = data.validation.iter().map(|r| r.rating).collect();
    let mut order: Vec<usize> = (0..data.train.len()).collect();
    fit(
        model,
        optim,
        plan,
        ("RMSE", Goal::Minimize),
        device,
        |model, optim, epoch| {
            minibatch_epoch(
                model,
                optim,
                epoch,
                &mut order,
                config.batch_size,
                |model, chunk| {
                    let refs: Vec<&Rating> = chunk.iter().map(|&i| &data.train[i]).collect();
                    let batch = data.batch::<B>(&refs, device);
                    let error = model.predict(&batch) - batch.targets.clone();
                    let per_example = loss.per_example(error) + model.penalty(&batch);
                    match data.weights {
                        Some(weights) => {
                            let w: Vec<f32> = chunk.iter().map(|&i| weights[i]).collect();
                            let w = Tensor::from_data(TensorData::new(w, [chunk.len()]), device);
                            (per_example * w).mean()
                        }
                        None => per_example.mean(),
                    }
                },
            )
        },
        |valid| {
            let pred = data.predict::<B::InnerBackend, _>(valid, data.validation, device);
            crate::metrics::rmse(&pred, &truth)
        },
    )
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
    let config = plan.config;
    let weight_decay = burn::optim::decay::WeightDecayConfig::new(l2 as f32);
    let optim = AdamConfig::new()
        .with_weight_decay(Some(weight_decay))
        .init::<B, FoldIn<B>>();
    let mut order: Vec<usize> = (0..users.rows.len())
        .filter(|&u| !users.rows[u].is_empty())
        .collect();
    fit(
        model,
        optim,
        plan,
        ("NDCG@100", Goal::Maximize),
        device,
        |model, optim, epoch| {
            minibatch_epoch(
                model,
                optim,
                epoch,
                &mut order,
                config.batch_size,
                |model, chunk| {
                    model.loss(
                        users.normalized::<B>(chunk, device),
                        users.multi_hot::<B>(chunk, device),
                    )
                },
            )
        },
        validate,
    )
}

/// Ratings laid out as one row per movie and one column per user, for [`AutoRec`].
pub struct RatingColumns {
    pub items: usize,
    pub users: usize,
    values: Vec<f32>,
    observed: Vec<f32>,
    /// Whether each movie has any training rating (others fall back to the mean).
    pub rated: Vec<bool>,
}

impl RatingColumns {
    pub fn new(ratings: &[Rating], items: usize, users: usize) -> Self {
        let mut values = vec![0f32; items * users];
        let mut observed = vec![0f32; items * users];
        let mut rated = vec![false; items];
        for r in ratings {
            let at = r.item as usize * users + r.user as usize;
            values[at] = r.rating;
            observed[at] = 1.0;
            rated[r.item as usize] = true;
        }
        Self {
            items,
            users,
            values,
            observed,
            rated,
        }
    }

    fn rows<B: Backend>(
        &self,
        which: &[usize],
        source: &[f32],
        device: &B::Device,
    ) -> Tensor<B, 2> {
        let mut data = Vec::with_capacity(which.len() * self.users);
        for &i in which {
            data.extend_from_slice(&source[i * self.users..(i + 1) * self.users]);
        }
        Tensor::from_data(TensorData::new(data, [which.len(), self.users]), device)
    }

    /// Every movie's reconstructed column, row-major `[items, users]`.
    pub fn reconstruct<B: Backend>(&self, model: &AutoRec<B>, device: &B::Device) -> Vec<f32> {
        let all: Vec<usize> = (0..self.items).collect();
        let mut out = Vec::with_capacity(self.items * self.users);
        for chunk in all.chunks(1024) {
            let columns = self.rows::<B>(chunk, &self.values, device);
            out.extend(
                model
                    .forward(columns)
                    .into_data()
                    .convert::<f32>()
                    .to_vec::<f32>()
                    .expect("f32 output"),
            );
        }
        out
    }
}

/// Trains I-AutoRec on mini-batches of movies; early stopping on `validate` (RMSE).
pub fn train_autorec<B: AutodiffBackend>(
    model: AutoRec<B>,
    columns: &RatingColumns,
    l2: f64,
    plan: &Plan,
    device: &B::Device,
    validate: impl FnMut(&AutoRec<B::InnerBackend>) -> f64,
) -> Result<(AutoRec<B::InnerBackend>, History)> {
    let config = plan.config;
    let optim = AdamConfig::new().init::<B, AutoRec<B>>();
    let mut order: Vec<usize> = (0..columns.items).filter(|&i| columns.rated[i]).collect();
    fit(
        model,
        optim,
        plan,
        ("RMSE", Goal::Minimize),
        device,
        |model, optim, epoch| {
            minibatch_epoch(
                model,
                optim,
                epoch,
                &mut order,
                config.batch_size,
                |model, chunk| {
                    let values = columns.rows::<B>(chunk, &columns.values, device);
                    let observed = columns.rows::<B>(chunk, &columns.observed, device);
                    model.loss(values, observed, l2)
                },
            )
        },
        validate,
    )
}
