//! `trainer device-check`: everything a GPU session must try, in one command that writes one
//! table. A GPU is lent rarely and briefly, so the check is run here first with `--device cpu`
//! (the same code end to end, only the device differs) and travels ready-made.
//!
//! 1. Parity: each burn network (mf, neumf, deep, autorec, foldin) is built once on the CPU,
//!    copied to the device, and its forward pass, its loss and one Adam step are compared with
//!    the CPU's.
//! 2. The fold-in fine-tuning on ml-latest-small, on the device and on the CPU: quality within
//!    noise, and the device's seconds per epoch next to PyTorch's for the same network on the
//!    same card (`torch_epoch.py`, when PyTorch is there).
//! 3. An ml-25m-shaped synthetic release (`trainer synth`): the default model and the fine-tuned
//!    fold-in model trained on the device, timed.

use crate::backend::Cpu;
use crate::data::{DataSource, Dataset, DatasetName, Movie, Rating};
use crate::experiment::Experiment;
use crate::model::Outcome;
use crate::new_user::foldin::FoldInConfig;
use crate::options::{Loss, ModelOptions};
use crate::protocol::NewUserTask;
use crate::rating::autorec::AutoRecConfig;
use crate::rating::deep::{DeepConfig, ItemFeatures};
use crate::rating::explicit::{Dims, RatingBatch, RatingNetwork};
use crate::rating::mf::MfConfig;
use crate::rating::neumf::NeuMfConfig;
use crate::registry::ModelName;
use crate::report::RunReport;
use crate::synth;
use crate::training::to_vec;
use anyhow::{Context, Result};
use burn::module::AutodiffModule;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use burn::record::{BinBytesRecorder, FullPrecisionSettings, Recorder};
use burn::tensor::backend::AutodiffBackend;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::PathBuf;
use std::time::Instant;

/// The largest difference allowed between the device and the CPU, relative to the largest
/// value compared: float32 kernels sum in other orders.
pub const TOLERANCE: f32 = 1e-4;

/// What the check runs on.
pub struct CheckSettings {
    /// Where ml-latest-small/ is.
    pub source: DataSource,
    /// Where the synthetic release is written (in a fresh folder, removed when done).
    pub work_dir: PathBuf,
    /// The synthetic release's size, as a fraction of ml-25m's (1: full size).
    pub scale: f64,
    /// Fine-tuning epochs of the fold-in model.
    pub epochs: usize,
    /// The PyTorch reference script, run with `python3` when PyTorch is installed.
    pub torch_script: PathBuf,
}

/// One line of the table.
struct Row {
    check: String,
    figure: String,
    pass: Option<bool>,
}

/// Runs every check on `device` (backend `B`) and returns the table, in markdown.
pub fn run<B: AutodiffBackend>(device: &B::Device, settings: &CheckSettings) -> Result<String> {
    let mut rows = Vec::new();
    for case in CASES {
        eprintln!("parity: {}", case.name());
        rows.push(parity::<B>(case, device)?);
    }
    rows.extend(fine_tuning::<B>(device, settings)?);
    rows.extend(at_scale::<B>(device, settings)?);
    let mut table = String::from("| check | figure | bar met |\n|---|---|---|\n");
    for row in &rows {
        let pass = match row.pass {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "–",
        };
        table += &format!("| {} | {} | {pass} |\n", row.check, row.figure);
    }
    Ok(table)
}

/// A burn network's forward pass, loss and one optimiser step, on a fixed small input.
#[derive(Clone, Copy)]
enum Case {
    Mf,
    NeuMf,
    Deep,
    AutoRec,
    FoldIn,
}

const CASES: [Case; 5] = [
    Case::Mf,
    Case::NeuMf,
    Case::Deep,
    Case::AutoRec,
    Case::FoldIn,
];

/// What a network gave on one backend: its outputs before and after one Adam step, its loss,
/// and its initial weights (to start the other backend from the same ones).
struct Trace {
    before: Vec<f32>,
    loss: f32,
    after: Vec<f32>,
    weights: Vec<u8>,
}

/// The fixed small problem every case runs on.
struct Toy {
    dims: Dims,
    movies: Vec<Movie>,
    ratings: Vec<Rating>,
}

impl Toy {
    fn new() -> Self {
        let dims = Dims {
            users: 30,
            items: 20,
            genres: 3,
        };
        let movies = (0..dims.items as u32)
            .map(|i| {
                Movie::listed(
                    i + 1,
                    format!("m{i}"),
                    Some(1960 + 2 * i as u16),
                    1 << (i % 3),
                )
            })
            .collect();
        let mut rng = StdRng::seed_from_u64(5);
        let ratings = (0..200)
            .map(|_| Rating {
                user: rng.random_range(0..dims.users as u32),
                item: rng.random_range(0..dims.items as u32),
                rating: f32::from(rng.random_range(1..=10u8)) / 2.0,
                timestamp: 0,
            })
            .collect();
        Self {
            dims,
            movies,
            ratings,
        }
    }

    fn batch<B: Backend>(&self, device: &B::Device) -> RatingBatch<B> {
        let n = self.ratings.len();
        let ints = |f: &dyn Fn(&Rating) -> u32| -> Tensor<B, 1, Int> {
            let v: Vec<i32> = self.ratings.iter().map(|r| f(r) as i32).collect();
            Tensor::from_data(TensorData::new(v, [n]), device)
        };
        let genres: Vec<f32> = self
            .ratings
            .iter()
            .flat_map(|r| {
                let mask = self.movies[r.item as usize].genres;
                (0..self.dims.genres).map(move |g| f32::from(u8::from(mask & (1 << g) != 0)))
            })
            .collect();
        let targets: Vec<f32> = self.ratings.iter().map(|r| r.rating - 3.0).collect();
        RatingBatch {
            users: ints(&|r| r.user),
            items: ints(&|r| r.item),
            targets: Tensor::from_data(TensorData::new(targets, [n]), device),
            item_genres: Tensor::from_data(TensorData::new(genres, [n, self.dims.genres]), device),
        }
    }

    /// Rows of a `[rows, cols]` matrix of the toy ratings (0 where unrated), users or items
    /// first, and whether each entry is rated.
    fn dense<B: Backend>(&self, by_item: bool, device: &B::Device) -> (Tensor<B, 2>, Tensor<B, 2>) {
        let (rows, cols) = if by_item {
            (self.dims.items, self.dims.users)
        } else {
            (self.dims.users, self.dims.items)
        };
        let mut values = vec![0f32; rows * cols];
        let mut observed = vec![0f32; rows * cols];
        for r in &self.ratings {
            let (i, j) = if by_item {
                (r.item as usize, r.user as usize)
            } else {
                (r.user as usize, r.item as usize)
            };
            values[i * cols + j] = r.rating;
            observed[i * cols + j] = 1.0;
        }
        let tensor = |v| Tensor::from_data(TensorData::new(v, [rows, cols]), device);
        (tensor(values), tensor(observed))
    }
}

impl Case {
    fn name(self) -> &'static str {
        match self {
            Case::Mf => "mf",
            Case::NeuMf => "neumf",
            Case::Deep => "deep",
            Case::AutoRec => "autorec",
            Case::FoldIn => "foldin",
        }
    }

    /// The case on backend `B`, from `weights` when given (else freshly initialised).
    fn trace<B: AutodiffBackend>(
        self,
        device: &B::Device,
        weights: Option<&[u8]>,
    ) -> Result<Trace> {
        let toy = Toy::new();
        B::seed(device, 11);
        match self {
            Case::Mf => rating_trace(
                MfConfig::new().init::<B>(toy.dims, device),
                &toy,
                device,
                weights,
            ),
            Case::NeuMf => rating_trace(
                NeuMfConfig::new().init::<B>(toy.dims, device),
                &toy,
                device,
                weights,
            ),
            Case::Deep => {
                let features = ItemFeatures::new(&toy.movies, &toy.ratings);
                // No dropout: the two backends' random masks would differ.
                let network = DeepConfig::new()
                    .with_dropout(0.0)
                    .init::<B>(toy.dims, &features, device);
                rating_trace(network, &toy, device, weights)
            }
            Case::AutoRec => {
                let network = AutoRecConfig::new().init::<B>(toy.dims.users, device);
                let (columns, observed) = toy.dense::<B>(true, device);
                trace(
                    network,
                    device,
                    weights,
                    |m| m.forward(columns.clone()),
                    |m| m.loss(columns.clone(), observed.clone(), 1e-3),
                )
            }
            Case::FoldIn => {
                // No dropout: the two backends' random masks would differ.
                let network = FoldInConfig::new()
                    .with_embedding(8)
                    .with_hidden(vec![16])
                    .with_user_dim(8)
                    .with_dropout(0.0)
                    .init::<B>(toy.dims.items, device);
                let (picks, liked) = toy.dense::<B>(false, device);
                let liked = liked
                    .clone()
                    .mul(picks.clone().greater_equal_elem(4.0).float());
                let norms = liked.clone().sum_dim(1).sqrt().clamp_min(1.0);
                let normalised = liked.clone() / norms;
                trace(
                    network,
                    device,
                    weights,
                    |m| m.forward(normalised.clone()),
                    |m| m.loss(normalised.clone(), liked.clone()),
                )
            }
        }
    }
}

/// [`trace`] for a rating network on the toy batch, with the training loss (MSE + penalty).
fn rating_trace<B, M>(
    network: M,
    toy: &Toy,
    device: &B::Device,
    weights: Option<&[u8]>,
) -> Result<Trace>
where
    B: AutodiffBackend,
    M: AutodiffModule<B> + RatingNetwork<B>,
{
    let batch = toy.batch::<B>(device);
    trace(
        network,
        device,
        weights,
        |m| m.predict(&batch),
        |m| crate::rating::explicit::batch_loss(m, &batch, Loss::Mse).mean(),
    )
}

/// Forward, loss, one Adam step and forward again.
fn trace<B, M, const D: usize>(
    network: M,
    device: &B::Device,
    weights: Option<&[u8]>,
    forward: impl Fn(&M) -> Tensor<B, D>,
    loss: impl Fn(&M) -> Tensor<B, 1>,
) -> Result<Trace>
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
{
    let recorder = BinBytesRecorder::<FullPrecisionSettings>::default();
    let network = match weights {
        Some(bytes) => {
            let record = recorder
                .load(bytes.to_vec(), device)
                .context("loading the CPU's weights on the device")?;
            network.load_record(record)
        }
        None => network,
    };
    // Burn initialises parameters lazily, on first use, and a clone of an uninitialised one
    // draws its own: the forward pass comes first, so that the weights recorded are the ones used.
    let before = to_vec(forward(&network));
    let weights = recorder
        .record(network.clone().into_record(), ())
        .context("recording the weights")?;
    let loss_value = loss(&network);
    let loss_scalar = to_vec(loss_value.clone())[0];
    let grads = GradientsParams::from_grads(loss_value.backward(), &network);
    let mut optim = AdamConfig::new().init::<B, M>();
    let network = optim.step(1e-2, network, grads);
    let after = to_vec(forward(&network));
    Ok(Trace {
        before,
        loss: loss_scalar,
        after,
        weights,
    })
}

/// The largest difference between `a` and `b`, relative to the largest magnitude in `a`.
fn relative_gap(a: &[f32], b: &[f32]) -> f32 {
    let scale = a.iter().fold(1e-6f32, |m, x| m.max(x.abs()));
    let gap = a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs()));
    if a.len() == b.len() {
        gap / scale
    } else {
        f32::INFINITY
    }
}

/// One case on the CPU, then on the device from the same weights.
fn parity<B: AutodiffBackend>(case: Case, device: &B::Device) -> Result<Row> {
    let cpu = case.trace::<Cpu>(&Default::default(), None)?;
    let other = case.trace::<B>(device, Some(&cpu.weights))?;
    let gaps = [
        relative_gap(&cpu.before, &other.before),
        relative_gap(&[cpu.loss], &[other.loss]),
        relative_gap(&cpu.after, &other.after),
    ];
    Ok(Row {
        check: format!("{}: forward, loss, one Adam step vs the CPU", case.name()),
        figure: format!(
            "largest relative gap {:.1e} / {:.1e} / {:.1e} (tolerance {TOLERANCE:.0e})",
            gaps[0], gaps[1], gaps[2]
        ),
        pass: Some(gaps.iter().all(|g| *g <= TOLERANCE)),
    })
}

/// The fold-in fine-tuning on ml-latest-small on the device and on the CPU, and PyTorch's
/// epoch for the same network.
fn fine_tuning<B: AutodiffBackend>(
    device: &B::Device,
    settings: &CheckSettings,
) -> Result<Vec<Row>> {
    let dataset = Dataset::load(&settings.source, DatasetName::MlLatestSmall)?;
    let options = ModelOptions {
        epochs: Some(settings.epochs),
        ..Default::default()
    };
    let on_device = {
        let mut experiment = Experiment::<B>::new(&dataset, 42, device.clone());
        experiment.refit = false;
        let outcome = ModelName::Foldin.train(&options, &experiment)?;
        let shape = TorchShape::of(&outcome, experiment.new_user_task()?)?;
        (FineTuned::of(&outcome.report)?, shape)
    };
    let on_cpu = {
        let mut experiment = Experiment::<Cpu>::new(&dataset, 42, Default::default());
        experiment.refit = false;
        FineTuned::of(&ModelName::Foldin.train(&options, &experiment)?.report)?
    };
    let (ours, shape) = on_device;
    Ok(vec![
        Row {
            check: format!(
                "fold-in fine-tuned ({} epochs), ml-latest-small: NDCG@100 device vs CPU",
                ours.epochs
            ),
            figure: format!("{:.4} vs {:.4}", ours.ndcg, on_cpu.ndcg),
            // One standard error of NDCG@100 on these 60 test users is about 0.02.
            pass: Some((ours.ndcg - on_cpu.ndcg).abs() <= 0.02),
        },
        Row {
            check: "fold-in fine-tuning: seconds per epoch (validation included), device vs CPU"
                .into(),
            figure: format!(
                "{:.3} s vs {:.3} s",
                ours.epoch_seconds, on_cpu.epoch_seconds
            ),
            pass: None,
        },
        torch_epoch(&shape, ours.epoch_seconds, settings),
    ])
}

/// What a fine-tuning run gave.
struct FineTuned {
    ndcg: f64,
    epoch_seconds: f64,
    epochs: usize,
}

impl FineTuned {
    fn of(report: &RunReport) -> Result<Self> {
        let epochs = &report.history.epochs;
        Ok(Self {
            ndcg: report
                .metric("NDCG@100")
                .context("no NDCG@100 in the report")?,
            epoch_seconds: epochs.iter().map(|e| e.seconds).sum::<f64>()
                / epochs.len().max(1) as f64,
            epochs: epochs.len(),
        })
    }
}

/// The fold-in network's shape and training settings, for the PyTorch reference.
struct TorchShape {
    users: usize,
    items: usize,
    rank: usize,
    batch: usize,
    picks: f64,
    lr: f64,
    l2: f64,
}

impl TorchShape {
    fn of(outcome: &Outcome, task: &NewUserTask) -> Result<Self> {
        let file = outcome
            .file
            .as_ref()
            .context("the fold-in model exports a file")?;
        let chosen: serde_json::Value = serde_json::from_str(&file.info.settings)?;
        let number = |value: &serde_json::Value, what: &str| {
            value
                .as_f64()
                .with_context(|| format!("no {what} in the model's settings"))
        };
        let likes: usize = task.train_rows.iter().map(Vec::len).sum();
        Ok(Self {
            users: task.train_rows.len(),
            items: task.items.len(),
            rank: number(&chosen["ranks"][0], "rank")? as usize,
            batch: number(&chosen["training"]["batch_size"], "batch size")? as usize,
            picks: likes as f64 / task.train_rows.len().max(1) as f64,
            lr: number(&chosen["training"]["learning_rate"], "learning rate")?,
            l2: number(&chosen["l2"], "L2 weight")?,
        })
    }
}

/// PyTorch's epoch for the fold-in network's shape, next to ours; a row saying why when it
/// could not run.
fn torch_epoch(shape: &TorchShape, ours: f64, settings: &CheckSettings) -> Row {
    let check = "fold-in epoch vs PyTorch, same network and card (≤)".to_string();
    let output = std::process::Command::new("python3")
        .arg(&settings.torch_script)
        .args(["--users", &shape.users.to_string()])
        .args(["--items", &shape.items.to_string()])
        .args(["--rank", &shape.rank.to_string()])
        .args(["--batch", &shape.batch.to_string()])
        .args(["--picks", &shape.picks.to_string()])
        .args(["--lr", &shape.lr.to_string()])
        .args(["--l2", &shape.l2.to_string()])
        .output();
    let not_run = |reason: String| Row {
        check: check.clone(),
        figure: format!("PyTorch reference not run: {reason}"),
        pass: None,
    };
    let text = match output {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).to_string(),
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return not_run(stderr.lines().last().unwrap_or("no output").to_string());
        }
        Err(err) => return not_run(format!("python3: {err}")),
    };
    let Some(seconds) = text
        .lines()
        .find_map(|l| l.strip_prefix("epoch seconds "))
        .and_then(|s| s.trim().parse::<f64>().ok())
    else {
        return not_run(format!("it printed no epoch time: {text}"));
    };
    Row {
        check,
        figure: format!(
            "{ours:.3} s vs {seconds:.3} s ({})",
            text.lines().next().unwrap_or_default()
        ),
        pass: Some(ours <= seconds),
    }
}

/// An ml-25m-shaped synthetic release: the default model and the fine-tuned fold-in model on
/// the device, each timed against the two-minute bar.
fn at_scale<B: AutodiffBackend>(device: &B::Device, settings: &CheckSettings) -> Result<Vec<Row>> {
    let shape = synth::Shape::of(DatasetName::Ml25m)?.scaled(settings.scale);
    // A fresh folder each run (removed at the end): a second run never meets the first's files.
    let folder = tempfile::Builder::new()
        .prefix("synthetic-")
        .tempdir_in(&settings.work_dir)
        .with_context(|| format!("creating a folder in {}", settings.work_dir.display()))?;
    let written = synth::write(shape, folder.path(), 7)?;
    let source = DataSource::Dir(folder.path().to_path_buf());
    let dataset = Dataset::load(&source, DatasetName::Ml25m)?;
    let mut rows = Vec::new();
    for (label, epochs) in [
        ("default model (foldin, closed form)", None),
        ("fold-in fine-tuned", Some(settings.epochs)),
    ] {
        let mut experiment = Experiment::<B>::new(&dataset, 42, device.clone());
        experiment.refit = false;
        let options = ModelOptions {
            epochs,
            ..Default::default()
        };
        let started = Instant::now();
        let report = ModelName::Foldin.train(&options, &experiment)?.report;
        let seconds = started.elapsed().as_secs_f64();
        rows.push(Row {
            check: format!(
                "{label}, ml-25m shape ×{} ({} ratings), train seconds (≤ 120)",
                settings.scale, written.ratings
            ),
            figure: format!(
                "{seconds:.0} s, NDCG@100 {:.4} (synthetic)",
                report.metric("NDCG@100").unwrap_or(f64::NAN)
            ),
            pass: Some(seconds <= 120.0),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_matches_itself_from_the_same_weights() {
        for case in CASES {
            let first = case.trace::<Cpu>(&Default::default(), None).unwrap();
            let second = case
                .trace::<Cpu>(&Default::default(), Some(&first.weights))
                .unwrap();
            assert_eq!(first.before, second.before, "{}: forward", case.name());
            assert_eq!(first.loss, second.loss, "{}: loss", case.name());
            assert_eq!(first.after, second.after, "{}: one step", case.name());
        }
    }

    #[test]
    fn a_gap_is_relative_to_the_largest_value() {
        assert_eq!(relative_gap(&[2.0, -4.0], &[2.0, -4.0]), 0.0);
        assert!((relative_gap(&[2.0, -4.0], &[2.0, -3.0]) - 0.25).abs() < 1e-6);
        assert_eq!(relative_gap(&[1.0], &[1.0, 2.0]), f32::INFINITY);
    }
}
