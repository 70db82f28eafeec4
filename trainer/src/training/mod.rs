//! Training loops: Adam, a per-epoch exponential learning-rate schedule, early stopping on a
//! validation metric, a progress bar with the live loss, checkpoints written atomically every
//! epoch, `--resume`, and a clear stop when the loss diverges.
//!
//! [`fit`] owns the epoch loop and its mini-batches; each model's trainer
//! (`models::explicit::train_explicit`, `models::foldin::train_foldin`,
//! `models::autorec::train_autorec`) supplies its examples, the loss of a batch of them and a
//! validation metric. [`checkpoint`] writes and
//! verifies the checkpoint files.
//!
//! A checkpoint folder holds `model-E.bin` and `optim-E.bin` (after epoch E), `best-B.bin` (the
//! best model, found at epoch B; 0 is the untrained one) and `state.json`, which commits them: it
//! names the run's [`RunSettings`] and records the SHA-256 of each file. Nothing is loaded that
//! `state.json` does not vouch for, and a checkpoint of other settings is never resumed nor
//! overwritten.

pub mod checkpoint;

use crate::options::ModelOptions;
use anyhow::{Result, bail};
use burn::module::AutodiffModule;
use burn::optim::{GradientsParams, Optimizer};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
pub use checkpoint::RunSettings;
use checkpoint::{
    CheckpointState, FileRecorder, best_file, check_settings, claim_folder, read_state,
    remove_stale, restore, write_checkpoint,
};
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
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
    /// These settings with the command line's epochs, batch size, learning rate and patience,
    /// and `seed`. Refuses 0 epochs, which would leave the model at its initial weights.
    pub fn with_options(self, options: &mut ModelOptions, seed: u64) -> Result<Self> {
        Ok(Self {
            epochs: options.take_epochs()?.unwrap_or(self.epochs),
            batch_size: options.batch_size.take().unwrap_or(self.batch_size),
            learning_rate: options.learning_rate.take().unwrap_or(self.learning_rate),
            patience: options.patience.take().unwrap_or(self.patience),
            seed,
            ..self
        })
    }
}

/// A tensor's values as `f32`s, row by row.
pub fn to_vec<B: Backend, const D: usize>(tensor: Tensor<B, D>) -> Vec<f32> {
    tensor
        .into_data()
        .convert::<f32>()
        .to_vec()
        .expect("data converted to f32 reads as f32")
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

/// What every training run shares: its settings, its identity for checkpoints (see
/// [`RunSettings`]) and where its checkpoints go.
#[derive(Clone, Copy)]
pub struct Plan<'a> {
    pub config: &'a TrainingConfig,
    pub settings: &'a RunSettings,
    pub checkpoints: &'a Checkpoints,
}

/// Where an epoch stands: its learning rate, its seed (for shuffling and dropout) and its bar.
struct Epoch<'a> {
    lr: f64,
    seed: u64,
    bar: &'a ProgressBar,
}

/// One epoch of mini-batches over `order`, shuffled with the epoch's seed. `objective` gives the
/// loss of one batch of indices into the model's examples. Returns the updated model and the mean
/// batch loss.
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
/// Each epoch is one shuffled pass of mini-batches of `plan.config.batch_size` over `examples`
/// (indices into the model's training examples: ratings, users or movies); `objective` gives the
/// loss of one batch of them. `validate` scores the inference copy of the model.
pub fn fit<B, M, O>(
    mut model: M,
    mut optim: O,
    plan: &Plan,
    (metric, goal): (&str, Goal),
    device: &B::Device,
    (mut examples, objective): (Vec<usize>, impl Fn(&M, &[usize]) -> Tensor<B, 1>),
    mut validate: impl FnMut(&M::InnerModule) -> f64,
) -> Result<(M::InnerModule, History)>
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    O: Optimizer<M, B>,
{
    let Plan {
        config,
        settings,
        checkpoints,
    } = *plan;
    let recorder = FileRecorder::new();
    let dir = checkpoints.dir.as_deref();
    // The files the folder's state.json points at: removed once this run's next checkpoint
    // replaces that state.
    let mut committed: BTreeMap<String, String> = BTreeMap::new();
    let mut resumed = None;
    // Held for the whole run: a second run on the same folder is refused, not interleaved.
    let _claim = dir.map(claim_folder).transpose()?;
    if let Some(dir) = dir {
        match read_state(dir)? {
            Some(state) => {
                check_settings(dir, &state.settings, settings, checkpoints.resume)?;
                if !checkpoints.resume {
                    // Starting over would delete it: the user says which they mean.
                    bail!(
                        "{} already holds a checkpoint of this run (epoch {}): pass --resume to \
                         continue it, or delete the folder (or use another --checkpoint-dir) to \
                         start over",
                        dir.display(),
                        state.epoch
                    );
                }
                resumed = Some(state);
            }
            None => {
                if checkpoints.resume {
                    eprintln!(
                        "No checkpoint in {} yet: starting from scratch",
                        dir.display()
                    );
                }
            }
        }
    }

    let mut history: History;
    let mut best_value: f64;
    let mut best: M::InnerModule;
    // The best model's file in the checkpoint folder and its checksum, once this run wrote it.
    let mut best_saved: Option<(String, String)> = None;
    let start_epoch: usize;
    if let (Some(dir), Some(state)) = (dir, resumed) {
        let (restored_model, restored_optim, restored_best) =
            restore::<B, M, O>(dir, &state, &recorder, model, optim, device)?;
        model = restored_model;
        optim = restored_optim;
        best = restored_best;
        eprintln!(
            "Resuming after epoch {} (best {metric} {:.4} at epoch {})",
            state.epoch, state.best_value, state.history.best_epoch
        );
        let best_name = best_file(state.history.best_epoch);
        let best_sha = state.files.get(&best_name).cloned().unwrap_or_default();
        best_saved = Some((best_name, best_sha));
        start_epoch = state.epoch;
        best_value = state.best_value;
        history = state.history;
        committed = state.files;
    } else {
        // The untrained model competes too: a model initialised from a closed-form solution
        // is kept when training does not improve on it.
        best = model.valid();
        best_value = validate(&best);
        eprintln!("before training: validation {metric} {best_value:.4}");
        start_epoch = 0;
        history = History {
            metric: metric.to_string(),
            ..Default::default()
        };
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
        let (updated, train_loss) = minibatch_epoch(
            model,
            &mut optim,
            &Epoch {
                lr,
                seed: epoch_seed,
                bar: &bar,
            },
            &mut examples,
            config.batch_size,
            &objective,
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
            best = valid_model;
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
        if let Some(dir) = dir {
            let state = CheckpointState {
                epoch: e + 1,
                history: history.clone(),
                best_value,
                settings: settings.clone(),
                files: BTreeMap::new(),
            };
            let files = write_checkpoint::<B, M, O>(
                dir,
                &recorder,
                &model,
                &optim,
                &best,
                &mut best_saved,
                state,
            )?;
            remove_stale(dir, &committed, &files);
            committed = files;
        }
    }
    Ok((best, history))
}

fn check_finite(loss: f64, epoch_seed: u64, batch: usize) -> Result<()> {
    if !loss.is_finite() {
        bail!(
            "training diverged (epoch seed {epoch_seed}, batch {batch}): the loss is {loss}; lower --lr or raise the L2 weight"
        );
    }
    Ok(())
}
