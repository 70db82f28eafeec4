//! Training loops: Adam, a per-epoch exponential learning-rate schedule, early stopping on a
//! validation metric, a progress bar with the live loss, checkpoints written atomically every
//! epoch, `--resume`, and a clear stop when the loss diverges.
//!
//! [`fit`] owns the epoch loop and the checkpoints; [`train_explicit`] and [`train_foldin`]
//! supply one epoch of batches and a validation metric.
//!
//! A checkpoint folder holds `model-E.bin` and `optim-E.bin` (after epoch E), `best-B.bin` (the
//! best model, found at epoch B; 0 is the untrained one) and `state.json`, which commits them: it
//! names the run's [`RunSettings`] and records the SHA-256 of each file. Nothing is loaded that
//! `state.json` does not vouch for, and a checkpoint of other settings is never resumed nor
//! overwritten.

use crate::data::Rating;
use crate::models::autorec::AutoRec;
use crate::models::foldin::FoldIn;
use crate::models::{RatingBatch, RatingModel};
use anyhow::{Context, Result, anyhow, bail};
use burn::module::AutodiffModule;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use burn::record::{BinFileRecorder, FullPrecisionSettings, Record, Recorder};
use burn::tensor::backend::AutodiffBackend;
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
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
    pub fn settings(&self) -> RunSettings {
        RunSettings::new()
            .with("batch-size", self.batch_size)
            .with("lr", self.learning_rate)
            .with("lr-decay", self.lr_decay)
            .with("patience", self.patience)
            .with("seed", self.seed)
    }
}

/// A run's identity for its checkpoints: named settings (model, data, split, loss, sizes,
/// training settings, ...), each with its value in words. `state.json` stores them; resuming, or
/// starting over, in a folder written with other settings is refused, naming each difference.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunSettings(BTreeMap<String, String>);

impl RunSettings {
    pub fn new() -> Self {
        Self::default()
    }

    /// These settings and `name = value` (replacing an earlier value of `name`).
    pub fn with(mut self, name: &str, value: impl std::fmt::Display) -> Self {
        self.0.insert(name.to_string(), value.to_string());
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The names of the settings whose values differ, or that only one of the two has, in order.
    pub fn differing<'a>(&'a self, other: &'a RunSettings) -> Vec<&'a str> {
        let names: BTreeSet<&str> = self
            .0
            .keys()
            .chain(other.0.keys())
            .map(String::as_str)
            .collect();
        names
            .into_iter()
            .filter(|name| self.get(name) != other.get(name))
            .collect()
    }

    /// "it was written with lr = 0.003, this run has lr = 0.01" when `self`, a checkpoint's
    /// settings, differ from `this_run`'s.
    fn mismatch(&self, this_run: &RunSettings) -> Option<String> {
        let names = self.differing(this_run);
        if names.is_empty() {
            return None;
        }
        let show = |settings: &RunSettings| {
            let parts: Vec<String> = names
                .iter()
                .map(|name| format!("{name} = {}", settings.get(name).unwrap_or("(not set)")))
                .collect();
            join_with_and(&parts)
        };
        Some(format!(
            "it was written with {}, this run has {}",
            show(self),
            show(this_run)
        ))
    }
}

/// "a", "a and b", "a, b and c".
fn join_with_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
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

/// What every training run shares: its settings, its identity for checkpoints (see
/// [`RunSettings`]) and where its checkpoints go.
#[derive(Clone, Copy)]
pub struct Plan<'a> {
    pub config: &'a TrainingConfig,
    pub settings: &'a RunSettings,
    pub checkpoints: &'a Checkpoints,
}

/// The small JSON file that commits a checkpoint: written last, renamed into place.
#[derive(Serialize, Deserialize)]
struct CheckpointState {
    /// Epochs completed.
    epoch: usize,
    history: History,
    best_value: f64,
    /// The run's settings: resuming, or starting over, with other settings is refused.
    settings: RunSettings,
    /// SHA-256 (lower-case hex) of each file this state points at, by name: `model-E.bin` and
    /// `optim-E.bin` for `epoch`, and `best-B.bin` for `history.best_epoch`.
    files: BTreeMap<String, String>,
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
        settings,
        checkpoints,
    } = *plan;
    let recorder = FileRecorder::new();
    let dir = checkpoints.dir.as_deref();
    // The files the folder's state.json points at: removed once this run's next checkpoint
    // replaces that state.
    let mut committed: BTreeMap<String, String> = BTreeMap::new();
    let mut resumed = None;
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

fn model_file(epoch: usize) -> String {
    format!("model-{epoch}.bin")
}

fn optim_file(epoch: usize) -> String {
    format!("optim-{epoch}.bin")
}

fn best_file(epoch: usize) -> String {
    format!("best-{epoch}.bin")
}

/// Whether `name` is one of the files a checkpoint writes (`model-E.bin`, `optim-E.bin`,
/// `best-E.bin`): only those are ever removed.
fn is_checkpoint_file(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".bin") else {
        return false;
    };
    let epoch = ["model-", "optim-", "best-"]
        .into_iter()
        .find_map(|prefix| stem.strip_prefix(prefix));
    epoch.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn sha256_hex(bytes: &[u8]) -> String {
    crate::data::download::hex(&Sha256::digest(bytes))
}

/// Refuses a folder whose checkpoint was written with other settings, naming each difference.
fn check_settings(
    dir: &Path,
    written: &RunSettings,
    this_run: &RunSettings,
    resume: bool,
) -> Result<()> {
    let Some(mismatch) = written.mismatch(this_run) else {
        return Ok(());
    };
    if resume {
        bail!(
            "the checkpoint in {} is from a run with other settings: {mismatch}; \
             use another --checkpoint-dir or drop --resume",
            dir.display()
        );
    }
    bail!(
        "{} holds the checkpoint of a run with other settings: {mismatch}; \
         use another --checkpoint-dir, or delete {} to start this run there",
        dir.display(),
        dir.display()
    )
}

/// The folder's `state.json`, or `None` when there is none yet.
fn read_state(dir: &Path) -> Result<Option<CheckpointState>> {
    let path = dir.join("state.json");
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    match serde_json::from_slice::<CheckpointState>(&bytes) {
        Ok(state) => Ok(Some(state)),
        Err(e) => bail!(
            "{} is not a checkpoint state this trainer can read ({e}): it is corrupt, truncated \
             or written by another version; delete {} or use another --checkpoint-dir",
            path.display(),
            dir.display()
        ),
    }
}

/// Checks that `dir/name` is the file `state.json` recorded: present, with the same SHA-256.
fn verify(dir: &Path, files: &BTreeMap<String, String>, name: &str) -> Result<()> {
    let path = dir.join(name);
    let state = dir.join("state.json");
    let Some(expected) = files.get(name) else {
        bail!(
            "{} records no checksum for {name}: the checkpoint is incomplete or from another \
             version; delete {} or drop --resume",
            state.display(),
            dir.display()
        );
    };
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{} is missing: the checkpoint in {} is incomplete; delete {} or drop --resume",
            path.display(),
            dir.display(),
            dir.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if sha256_hex(&bytes) != *expected {
        bail!(
            "{} does not match the checksum recorded in {}: it is corrupt, truncated or from \
             another run; delete {} or drop --resume",
            path.display(),
            state.display(),
            dir.display()
        );
    }
    Ok(())
}

/// Reads `dir/name`, already verified, as a record.
fn read_record<Bk: Backend, R: Record<Bk>>(
    recorder: &FileRecorder,
    dir: &Path,
    name: &str,
    device: &Bk::Device,
) -> Result<R> {
    let path = dir.join(name);
    Recorder::<Bk>::load(recorder, path.clone(), device).map_err(|e| {
        anyhow!(
            "{} matches its checksum but this trainer cannot read it ({e}); it was probably \
             written by another version: delete {} or drop --resume",
            path.display(),
            dir.display()
        )
    })
}

/// Writes `record` to `dir/name` (under a partial name, renamed into place) and returns the
/// SHA-256 of the file written.
fn write_record<Bk: Backend, R: Record<Bk>>(
    recorder: &FileRecorder,
    record: R,
    dir: &Path,
    name: &str,
) -> Result<String> {
    let path = dir.join(name);
    let partial = dir.join(format!("{}-partial.bin", name.trim_end_matches(".bin")));
    Recorder::<Bk>::record(recorder, record, partial.clone())
        .with_context(|| format!("writing {}", path.display()))?;
    let bytes =
        std::fs::read(&partial).with_context(|| format!("reading back {}", partial.display()))?;
    sync(&partial)?;
    std::fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(sha256_hex(&bytes))
}

/// The model, optimizer and best model of the checkpoint `state` commits, each file checked
/// against its recorded SHA-256 before any is read.
fn restore<B, M, O>(
    dir: &Path,
    state: &CheckpointState,
    recorder: &FileRecorder,
    model: M,
    optim: O,
    device: &B::Device,
) -> Result<(M, O, M::InnerModule)>
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    O: Optimizer<M, B>,
{
    let model_name = model_file(state.epoch);
    let optim_name = optim_file(state.epoch);
    let best_name = best_file(state.history.best_epoch);
    for name in [&model_name, &optim_name, &best_name] {
        verify(dir, &state.files, name)?;
    }
    let model = model.load_record(read_record::<B, _>(recorder, dir, &model_name, device)?);
    let optim = optim.load_record(read_record::<B, _>(recorder, dir, &optim_name, device)?);
    let record = read_record::<B::InnerBackend, _>(recorder, dir, &best_name, device)?;
    let best = model.valid().load_record(record);
    Ok((model, optim, best))
}

/// Model and optimizer go to epoch-numbered files, and the best model to a file named by its
/// epoch (written once, so the untrained model is kept when it stays best); then `state.json`,
/// holding their checksums, is replaced atomically to point at them: an interrupted write leaves
/// the previous checkpoint intact. Returns the files the new state points at.
fn write_checkpoint<B, M, O>(
    dir: &Path,
    recorder: &FileRecorder,
    model: &M,
    optim: &O,
    best: &M::InnerModule,
    best_saved: &mut Option<(String, String)>,
    mut state: CheckpointState,
) -> Result<BTreeMap<String, String>>
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    O: Optimizer<M, B>,
{
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let model_name = model_file(state.epoch);
    let sha = write_record::<B, _>(recorder, model.clone().into_record(), dir, &model_name)?;
    state.files.insert(model_name, sha);
    let optim_name = optim_file(state.epoch);
    let sha = write_record::<B, _>(recorder, optim.to_record(), dir, &optim_name)?;
    state.files.insert(optim_name, sha);
    let best_name = best_file(state.history.best_epoch);
    let best_sha = match best_saved.take() {
        Some((name, sha)) if name == best_name => sha,
        _ => {
            let record = best.clone().into_record();
            write_record::<B::InnerBackend, _>(recorder, record, dir, &best_name)?
        }
    };
    *best_saved = Some((best_name.clone(), best_sha.clone()));
    state.files.insert(best_name, best_sha);
    let partial = dir.join("state-partial.json");
    let path = dir.join("state.json");
    std::fs::write(&partial, serde_json::to_string_pretty(&state)?)
        .with_context(|| format!("writing {}", partial.display()))?;
    sync(&partial)?;
    std::fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))?;
    // The rename itself reaches the disk before the caller removes the previous checkpoint.
    sync(dir)?;
    Ok(state.files)
}

/// Flushes a file (or a folder's entries) to disk, so that a rename never publishes data the
/// disk does not hold yet and a power cut cannot leave `state.json` pointing at nothing.
fn sync(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|file| file.sync_all())
        .with_context(|| format!("syncing {}", path.display()))
}

/// Removes the checkpoint files the replaced state pointed at that the new one does not.
fn remove_stale(dir: &Path, old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) {
    for name in old.keys() {
        if !new.contains_key(name) && is_checkpoint_file(name) {
            let _ = std::fs::remove_file(dir.join(name));
        }
    }
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
