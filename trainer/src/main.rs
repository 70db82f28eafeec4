//! `trainer`: the command line over the trainer library. See `trainer --help`.

mod options;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use options::{
    non_negative_finite_f64, positive_finite_f64, positive_usize, probability, whole_number,
};
use serde_json::json;
use shared::{RecommendError, Recommender, Request};
use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use trainer::backend::{self, Device};
use trainer::classic::knn::Similarity;
use trainer::classic::runs::{ClassicModel, ClassicRun, Overrides};
use trainer::data::split::{self, HeldOutUser};
use trainer::data::{DataSource, Dataset, DatasetName};
use trainer::models::explicit::Loss;
use trainer::pipeline::{self, ExplicitModel, ExplicitRun, FoldInRun, RatingSplit, RunReport};
use trainer::training::{Checkpoints, TrainingConfig};

#[derive(Parser)]
#[command(version, about = "Train, evaluate and export MovieLens recommenders")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a release's users, movies, ratings, rating histogram and density.
    Data(DataArgs),
    /// Train a model, report its test metrics, and (fold-in) export the page's weights.
    Train(Box<TrainArgs>),
    /// Evaluate an exported model file on held-out users.
    Eval(EvalArgs),
    /// Recommend movies for a new user who liked some movies, with an exported model.
    Recommend(RecommendArgs),
    /// Train and evaluate every model on ml-100k and ml-latest-small; write a report.
    Bench(BenchArgs),
}

#[derive(Args)]
struct BenchArgs {
    /// Folder holding ml-100k/ and ml-latest-small/. Without it they are downloaded into
    /// --cache-dir.
    #[arg(long, env = "MOVIELENS_DIR")]
    data_dir: Option<PathBuf>,
    /// Where downloads are cached.
    #[arg(long, env = "MOVIEREC_CACHE", default_value = "data-cache")]
    cache_dir: PathBuf,
    #[command(flatten)]
    options: trainer::bench::BenchOptions,
}

#[derive(Args)]
struct DataArgs {
    #[arg(long, default_value = "ml-100k")]
    dataset: DatasetName,
    /// Folder holding the MovieLens folders (ml-100k/, ...). Without it the release is
    /// downloaded from GroupLens into --cache-dir.
    #[arg(long, env = "MOVIELENS_DIR")]
    data_dir: Option<PathBuf>,
    /// Where downloads are cached.
    #[arg(long, env = "MOVIEREC_CACHE", default_value = "data-cache")]
    cache_dir: PathBuf,
}

impl DataArgs {
    fn load(&self) -> Result<Dataset> {
        let source = match &self.data_dir {
            Some(dir) => DataSource::Dir(dir.clone()),
            None => DataSource::Download {
                cache_dir: self.cache_dir.clone(),
            },
        };
        let dataset = Dataset::load(&source, self.dataset)?;
        let duplicates = dataset.duplicate_ratings;
        if duplicates > 0 {
            eprintln!(
                "warning: {}: {duplicates} duplicate {} of the same user and movie; kept the latest of each",
                dataset.name,
                if duplicates == 1 { "rating" } else { "ratings" }
            );
        }
        Ok(dataset)
    }
}

#[derive(Args)]
struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    /// mf, neumf, deep (explicit ratings) or foldin (new users; exports to the page).
    /// Classic models: baseline, svd, svdpp, knn-user, knn-item, knn-baseline (ratings); popularity,
    /// puresvd, content, hybrid (new users; export to the page).
    #[arg(long, default_value = "foldin")]
    model: String,
    /// Explicit models: u1..u5, ua, ub (ml-100k), random[:FRACTION] or latest.
    #[arg(long, default_value = "u1")]
    split: RatingSplit,
    #[arg(long, value_enum, default_value = "mse")]
    loss: Loss,
    #[arg(long, value_enum, default_value = "cpu")]
    device: Device,
    /// Training epochs. 0 only for the fold-in model, whose default it is: its EASE start,
    /// not fine-tuned.
    #[arg(long, value_parser = whole_number, allow_negative_numbers = true)]
    epochs: Option<usize>,
    /// Learning rate (greater than 0).
    #[arg(long, value_parser = positive_finite_f64, allow_negative_numbers = true)]
    lr: Option<f64>,
    /// Ratings (or users, or movies) per batch (at least 1).
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    batch_size: Option<usize>,
    /// Embedding size (hidden units for autorec; rank or dimensions for the classic models).
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    factors: Option<usize>,
    /// L2 weight (weight decay for the fold-in model), 0 or more.
    #[arg(long, value_parser = non_negative_finite_f64, allow_negative_numbers = true)]
    l2: Option<f64>,
    /// Epochs without improvement before stopping (at least 1).
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    patience: Option<usize>,
    /// Fold-in: input dropout, at least 0 and below 1.
    #[arg(long, value_parser = probability, allow_negative_numbers = true)]
    dropout: Option<f64>,
    /// Hidden layer widths (each at least 1), comma-separated; `--hidden` alone for none (a
    /// linear tower).
    #[arg(
        long,
        value_delimiter = ',',
        num_args = 0..,
        value_parser = positive_usize,
        allow_negative_numbers = true
    )]
    hidden: Option<Vec<usize>>,
    /// KNN models: neighbours kept (at least 1) [default: 40].
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    k: Option<usize>,
    /// KNN models: msd, cosine, pearson or pearson-baseline[:SHRINKAGE] [default: msd].
    #[arg(long)]
    similarity: Option<Similarity>,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Weigh explicit ratings by recency, halving every this many days (greater than 0).
    #[arg(long, value_parser = positive_finite_f64, allow_negative_numbers = true)]
    time_decay_days: Option<f64>,
    /// Write a checkpoint here every epoch.
    #[arg(long)]
    checkpoint_dir: Option<PathBuf>,
    /// Continue from the checkpoint in --checkpoint-dir.
    #[arg(long, requires = "checkpoint_dir")]
    resume: bool,
    /// MovieLens user ids (one per line) kept out of training entirely.
    #[arg(long)]
    exclude_users: Option<PathBuf>,
    /// Fold-in: users held out for validation and again for test (at least 1).
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    heldout_users: Option<usize>,
    /// Fold-in: only movies liked by at least this many training users (at least 1) are in the
    /// model.
    #[arg(long, default_value_t = 3, value_parser = positive_usize, allow_negative_numbers = true)]
    min_item_users: usize,
    /// Fold-in: train from random weights instead of the factorised EASE solution.
    #[arg(long)]
    random_init: bool,
    /// Fold-in: also fit and report EASE on the same users.
    #[arg(long)]
    compare_ease: bool,
    /// Fold-in: where to write the page's weights file. Checked before any work; an existing
    /// file is replaced only once the new one is complete.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct EvalArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The exported weights file.
    #[arg(long)]
    model: PathBuf,
    /// Evaluate on these MovieLens user ids (one per line), e.g. the ones passed to
    /// `train --exclude-users`; without it, on the test users of the training's held-out split.
    #[arg(long)]
    users: Option<PathBuf>,
    /// Users held out for test, as in training (at least 1).
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    heldout_users: Option<usize>,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct RecommendArgs {
    /// The exported weights file.
    #[arg(long)]
    model: PathBuf,
    /// MovieLens ids of liked movies, comma-separated.
    #[arg(long, value_delimiter = ',', required_unless_present = "queries")]
    liked: Vec<u32>,
    /// A JSON-lines file of {"liked":[ids]} queries, answered one JSON line each. Movies the
    /// model does not know are skipped, listed in the answer's "skipped" and counted at the end.
    #[arg(long, conflicts_with = "liked")]
    queries: Option<PathBuf>,
    /// With --queries: fail on the first movie the model does not know instead of skipping it.
    #[arg(long, requires = "queries")]
    strict: bool,
    /// Movies recommended (at least 1).
    #[arg(long, default_value_t = 20, value_parser = positive_usize, allow_negative_numbers = true)]
    top: usize,
    #[arg(long)]
    json: bool,
}

fn main() {
    if let Err(err) = run(Cli::parse()) {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Data(args) => {
            let dataset = args.load()?;
            println!("{}", dataset.name);
            println!("{}", dataset.stats());
            Ok(())
        }
        Command::Train(args) => {
            backend::check(args.device)?;
            match args.device {
                Device::Cpu => train::<backend::Cpu>(&args, &Default::default()),
                #[cfg(feature = "cuda")]
                Device::Cuda => train::<backend::Gpu>(&args, &Default::default()),
                #[cfg(not(feature = "cuda"))]
                Device::Cuda => unreachable!("backend::check refuses CUDA without the feature"),
            }
        }
        Command::Eval(args) => eval(&args),
        Command::Bench(args) => {
            let source = match &args.data_dir {
                Some(dir) => DataSource::Dir(dir.clone()),
                None => DataSource::Download {
                    cache_dir: args.cache_dir.clone(),
                },
            };
            trainer::bench::run::<backend::Cpu>(&source, &args.options, &Default::default())
                .map(|_| ())
        }
        Command::Recommend(args) => recommend(&args),
    }
}

/// The command line's training options over a model's defaults.
fn override_training(training: &mut TrainingConfig, args: &TrainArgs) {
    training.batch_size = args.batch_size.unwrap_or(training.batch_size);
    training.epochs = args.epochs.unwrap_or(training.epochs);
    training.learning_rate = args.lr.unwrap_or(training.learning_rate);
    training.patience = args.patience.unwrap_or(training.patience);
}

/// What `train --model` names.
#[derive(Clone, Copy)]
enum ModelKind {
    FoldIn,
    Explicit(ExplicitModel),
    Classic(ClassicModel),
}

impl ModelKind {
    fn parse(name: &str) -> Result<Self> {
        if name == "foldin" {
            return Ok(Self::FoldIn);
        }
        if let Ok(model) = <ClassicModel as clap::ValueEnum>::from_str(name, false) {
            return Ok(Self::Classic(model));
        }
        let Ok(model) = <ExplicitModel as clap::ValueEnum>::from_str(name, false) else {
            let classic: Vec<String> = <ClassicModel as clap::ValueEnum>::value_variants()
                .iter()
                .map(|m| m.name())
                .collect();
            bail!(
                "unknown model {name:?}: use foldin, mf, neumf, deep, autorec or a classic model ({})",
                classic.join(", ")
            );
        };
        Ok(Self::Explicit(model))
    }

    /// Whether the model is evaluated on unseen users and exports weights for the page.
    fn exports(self) -> bool {
        match self {
            ModelKind::FoldIn => true,
            ModelKind::Explicit(_) => false,
            ModelKind::Classic(model) => !model.is_rating_model(),
        }
    }
}

/// The option combinations a model cannot use, refused before any data is read.
fn check_train_options(args: &TrainArgs, kind: ModelKind) -> Result<()> {
    let fold_in = matches!(kind, ModelKind::FoldIn);
    let explicit = matches!(kind, ModelKind::Explicit(_));
    let knn = matches!(kind, ModelKind::Classic(model) if model.is_knn());
    const KNN: &str = "knn-user, knn-item and knn-baseline";
    const FOLD_IN: &str = "the fold-in model (foldin)";
    const EXPLICIT: &str = "the explicit models (mf, neumf, deep, autorec)";
    const BURN: &str = "the models trained with burn (foldin, mf, neumf, deep, autorec)";
    const NEW_USER: &str = "the new-user models (foldin, popularity, puresvd, content, hybrid), which export weights for the page";
    // (option, given, read by this model, the models that read it)
    let rules = [
        ("--k", args.k.is_some(), knn, KNN),
        ("--similarity", args.similarity.is_some(), knn, KNN),
        ("--dropout", args.dropout.is_some(), fold_in, FOLD_IN),
        ("--hidden", args.hidden.is_some(), fold_in, FOLD_IN),
        ("--random-init", args.random_init, fold_in, FOLD_IN),
        ("--compare-ease", args.compare_ease, fold_in, FOLD_IN),
        (
            "--time-decay-days",
            args.time_decay_days.is_some(),
            explicit,
            EXPLICIT,
        ),
        (
            "--batch-size",
            args.batch_size.is_some(),
            fold_in || explicit,
            BURN,
        ),
        (
            "--patience",
            args.patience.is_some(),
            fold_in || explicit,
            BURN,
        ),
        (
            "--checkpoint-dir",
            args.checkpoint_dir.is_some(),
            fold_in || explicit,
            BURN,
        ),
        (
            "--heldout-users",
            args.heldout_users.is_some(),
            kind.exports(),
            NEW_USER,
        ),
        (
            "--exclude-users",
            args.exclude_users.is_some(),
            kind.exports(),
            NEW_USER,
        ),
        ("--out", args.out.is_some(), kind.exports(), NEW_USER),
    ];
    if let Some((option, .., models)) = rules.iter().find(|(_, given, read, _)| *given && !read) {
        bail!(
            "{option} applies to {models}, not to --model {}",
            args.model
        );
    }
    // The fold-in model's EASE start is a model before any epoch; every other model would be
    // left at its initial weights.
    let meaningful_untrained = matches!(kind, ModelKind::FoldIn) && !args.random_init;
    if args.epochs == Some(0) && !meaningful_untrained {
        bail!(
            "--epochs 0 trains nothing: use at least 1 (0 is only for the fold-in model's EASE start, without --random-init)"
        );
    }
    Ok(())
}

fn train<B: burn::tensor::backend::AutodiffBackend>(
    args: &TrainArgs,
    device: &B::Device,
) -> Result<()> {
    let kind = ModelKind::parse(&args.model)?;
    check_train_options(args, kind)?;
    // Before any data is read: an --out that cannot be written fails now, not after training.
    let out = args.out.as_deref().map(OutFile::prepare).transpose()?;
    let dataset = args.data.load()?;
    let checkpoints = Checkpoints {
        dir: args.checkpoint_dir.clone(),
        resume: args.resume,
    };
    let ratings = match &args.exclude_users {
        Some(path) => {
            let excluded = split::read_user_id_file(path, &dataset)?;
            eprintln!("Leaving {} users out of training", excluded.len());
            split::exclude_users(&dataset.ratings, &excluded)
        }
        None => dataset.ratings.clone(),
    };
    let model = match kind {
        ModelKind::Classic(model) => {
            return train_classic(args, model, &dataset, &ratings, out);
        }
        ModelKind::FoldIn => {
            return train_foldin::<B>(args, &dataset, &ratings, checkpoints, out, device);
        }
        ModelKind::Explicit(model) => model,
    };
    let mut run = ExplicitRun::new(model, args.split.clone(), args.seed);
    override_training(&mut run.training, args);
    run.loss = args.loss;
    run.factors = args.factors.unwrap_or(run.factors);
    run.l2 = args.l2.unwrap_or(run.l2);
    run.checkpoints = checkpoints;
    run.time_decay = args.time_decay_days;
    let report = pipeline::run_explicit::<B>(&dataset, &run, device)?;
    print_report(&report, None, args.json);
    Ok(())
}

/// The fold-in model: trained, evaluated on held-out users, exported to `out`.
fn train_foldin<B: burn::tensor::backend::AutodiffBackend>(
    args: &TrainArgs,
    dataset: &Dataset,
    ratings: &[trainer::data::Rating],
    checkpoints: Checkpoints,
    out: Option<OutFile>,
    device: &B::Device,
) -> Result<()> {
    let heldout_users = args
        .heldout_users
        .unwrap_or(pipeline::default_heldout_users(dataset.name));
    let mut run = if args.random_init {
        FoldInRun::fine_tuned(heldout_users, args.seed)
    } else {
        FoldInRun::new(heldout_users, args.seed)
    };
    if let Some(f) = args.factors {
        run.config = run.config.with_embedding(f).with_user_dim(f);
    }
    if let Some(p) = args.dropout {
        run.config.dropout = p;
    }
    if let Some(h) = &args.hidden {
        run.config.hidden = h.clone();
    }
    override_training(&mut run.training, args);
    run.l2 = args.l2.unwrap_or(run.l2);
    run.checkpoints = checkpoints;
    run.min_item_users = args.min_item_users;
    run.compare_ease = args.compare_ease;
    run.init_from_ease = !args.random_init;
    let result = pipeline::run_foldin::<B>(dataset, ratings, &run, device)?;
    let bytes = result.file.to_bytes();
    print_report(&result.report, Some(bytes.len()), args.json);
    if let Some((regularisation, metrics)) = &result.ease {
        let ease = RunReport {
            model: format!("ease ({regularisation})"),
            metrics: metrics.clone(),
            train_seconds: 0.0,
            parameters: result.file.catalog.len().pow(2),
            history: Default::default(),
            ..result.report.clone()
        };
        print_report(&ease, None, args.json);
    }
    if let Some(out) = out {
        out.commit(&bytes)?;
    }
    Ok(())
}

/// A classic model (`trainer::classic`): no burn, no checkpoints.
fn train_classic(
    args: &TrainArgs,
    model: ClassicModel,
    dataset: &Dataset,
    ratings: &[trainer::data::Rating],
    out: Option<OutFile>,
) -> Result<()> {
    let run = ClassicRun {
        model,
        overrides: Overrides {
            factors: args.factors,
            epochs: args.epochs,
            learning_rate: args.lr,
            reg: args.l2,
            neighbours: args.k,
            similarity: args.similarity,
        },
        seed: args.seed,
        split: args.split.clone(),
        heldout_users: args
            .heldout_users
            .unwrap_or(pipeline::default_heldout_users(dataset.name)),
        positive_threshold: 4.0,
        min_item_users: args.min_item_users,
    };
    let (report, file) = trainer::classic::runs::run(dataset, ratings, &run)?;
    let bytes = file.map(|f| f.to_bytes());
    print_report(&report, bytes.as_ref().map(Vec::len), args.json);
    if let (Some(out), Some(bytes)) = (out, &bytes) {
        out.commit(bytes)?;
    }
    Ok(())
}

fn print_report(report: &RunReport, file_bytes: Option<usize>, json: bool) {
    if json {
        let metrics: serde_json::Map<String, serde_json::Value> = report
            .metrics
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        println!(
            "{}",
            json!({"model": report.model, "dataset": report.dataset, "split": report.split, "metrics": metrics,
                   "train_seconds": report.train_seconds, "parameters": report.parameters,
                   "model_bytes": file_bytes, "best_epoch": report.history.best_epoch})
        );
        return;
    }
    println!(
        "\n{} on {} ({})",
        report.model, report.dataset, report.split
    );
    println!("| metric | value |\n|---|---|");
    for (name, value) in &report.metrics {
        println!("| {name} | {value:.4} |");
    }
    println!("| train seconds | {:.1} |", report.train_seconds);
    println!("| parameters | {} |", report.parameters);
    if let Some(bytes) = file_bytes {
        println!("| model file bytes | {bytes} |");
    }
}

/// The `--out` weights file, claimed before any work: a temporary file in the target's folder
/// (never the target itself) that [`OutFile::commit`] fills and moves over the target. Dropped
/// uncommitted (an error, an early return), the temporary file is removed; an existing target is
/// untouched until the new file is complete.
struct OutFile {
    target: PathBuf,
    temp: tempfile::NamedTempFile,
}

impl OutFile {
    /// Creates the target's folder and a temporary file in it: an --out that cannot be written
    /// fails here.
    fn prepare(target: &Path) -> Result<OutFile> {
        let shown = target.display();
        let Some(name) = target.file_name() else {
            bail!("--out {shown}: name a file, not a folder");
        };
        if target.is_dir() {
            bail!("--out {shown} is a folder: name a file");
        }
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).with_context(|| {
            format!("--out {shown}: cannot create the folder {}", dir.display())
        })?;
        let prefix = format!(".{}.", name.to_string_lossy());
        remove_leftovers(dir, &prefix);
        let temp = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".partial")
            .tempfile_in(dir)
            .with_context(|| format!("--out {shown}: cannot write in {}", dir.display()))?;
        Ok(OutFile {
            target: target.to_path_buf(),
            temp,
        })
    }

    /// Writes `bytes` to the temporary file, syncs it and renames it over the target.
    fn commit(self, bytes: &[u8]) -> Result<()> {
        let OutFile { target, mut temp } = self;
        let shown = target.display();
        temp.write_all(bytes)
            .and_then(|()| temp.as_file().sync_all())
            .with_context(|| format!("--out {shown}: writing {}", temp.path().display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Temporary files are private (0600); keep the replaced file's mode, else 0644.
            let mode =
                std::fs::metadata(&target).map_or(0o644, |meta| meta.permissions().mode() & 0o7777);
            temp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(mode))
                .with_context(|| format!("--out {shown}: setting permissions"))?;
        }
        temp.persist(&target)
            .map_err(|err| err.error)
            .with_context(|| format!("--out {shown}: replacing the file"))?;
        eprintln!("Wrote {shown} ({} bytes)", bytes.len());
        Ok(())
    }
}

/// Removes the temporary files of earlier runs for the same target that were killed before
/// they could clean up (`.NAME.XXXXXX.partial`).
fn remove_leftovers(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(prefix)
            && name.ends_with(".partial")
            && std::fs::remove_file(entry.path()).is_ok()
        {
            eprintln!(
                "Removed {}, left by an interrupted run",
                entry.path().display()
            );
        }
    }
}

fn load_model(path: &Path) -> Result<Recommender> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading model file {}", path.display()))?;
    Recommender::from_bytes(&bytes).with_context(|| format!("loading {}", path.display()))
}

fn eval(args: &EvalArgs) -> Result<()> {
    let recommender = load_model(&args.model)?;
    let dataset = args.data.load()?;
    if recommender.info.dataset != dataset.name.to_string() {
        bail!(
            "{} was trained on {}, not {}",
            args.model.display(),
            recommender.info.dataset,
            dataset.name
        );
    }
    let heldout: Vec<HeldOutUser> = match &args.users {
        Some(path) => {
            let users = split::read_user_id_file(path, &dataset)?;
            let ratings: Vec<_> = dataset
                .ratings
                .iter()
                .filter(|r| users.contains(&r.user))
                .copied()
                .collect();
            // Everyone listed is held out: fold in 80% of their liked movies, predict the rest.
            split::fold_in_split(&ratings, 4.0, args.seed)
        }
        None => {
            let n = args
                .heldout_users
                .unwrap_or(pipeline::default_heldout_users(dataset.name));
            split::strong_generalization(&dataset.ratings, n, 4.0, args.seed).test
        }
    };
    // Into the model's item numbering; movies the model doesn't know are dropped.
    let to_model = |items: &[u32]| -> Vec<u32> {
        items
            .iter()
            .filter_map(|&i| recommender.catalog.index_of(dataset.movies[i as usize].id))
            .map(|i| i as u32)
            .collect()
    };
    let users: Vec<HeldOutUser> = heldout
        .iter()
        .map(|u| HeldOutUser {
            user: u.user,
            fold_in: to_model(&u.fold_in),
            target: to_model(&u.target),
        })
        .filter(|u| !u.fold_in.is_empty() && !u.target.is_empty())
        .collect();
    if users.is_empty() {
        bail!("none of the evaluated users has liked movies that the model knows");
    }
    let metrics = pipeline::heldout_metrics_shared(&recommender, &users);
    let report = RunReport {
        model: recommender.info.model.clone(),
        dataset: dataset.name.to_string(),
        split: format!("{} held-out users", users.len()),
        metrics,
        train_seconds: 0.0,
        parameters: 0,
        history: Default::default(),
    };
    print_report(&report, None, args.json);
    Ok(())
}

fn recommend(args: &RecommendArgs) -> Result<()> {
    let recommender = load_model(&args.model)?;
    let Some(path) = &args.queries else {
        let ranked = recommender
            .recommend(&Request::liking(args.liked.clone(), args.top))
            .map_err(|err| match err {
                RecommendError::UnknownMovie(id) => anyhow!(
                    "--liked: movie id {id} is not in the catalogue of {} (a model leaves out movies that too few training users liked)",
                    args.model.display()
                ),
                other => anyhow!("--liked: {other}"),
            })?;
        if args.json {
            let items: Vec<_> = ranked
                .iter()
                .map(|r| {
                    let m = &recommender.catalog.movies[r.index];
                    json!({"id": m.id, "title": m.label(), "score": r.score})
                })
                .collect();
            println!("{}", json!({ "recommendations": items }));
        } else {
            for (rank, r) in ranked.iter().enumerate() {
                let m = &recommender.catalog.movies[r.index];
                let because: Vec<String> = r
                    .because
                    .iter()
                    .map(|&b| recommender.catalog.movies[b].label())
                    .collect();
                println!(
                    "{:>3}. {}  [{}]  because you liked {}",
                    rank + 1,
                    m.label(),
                    recommender.catalog.genres_of(m).join(", "),
                    because.join(", ")
                );
            }
        }
        return Ok(());
    };
    recommend_batch(&recommender, path, args.top, args.strict)
}

/// Movie ids of `--queries` that the model does not know, for the closing warning.
#[derive(Default)]
struct Skipped {
    /// Every skipped id, repeats included.
    ids: usize,
    distinct: HashSet<u32>,
    /// The first few distinct ids, in file order.
    first: Vec<u32>,
    /// Queries left with no known movie (answered with an empty list).
    empty_queries: usize,
}

impl Skipped {
    const SHOWN: usize = 5;

    fn note(&mut self, unknown: &[u32]) {
        self.ids += unknown.len();
        for &id in unknown {
            if self.distinct.insert(id) && self.first.len() < Self::SHOWN {
                self.first.push(id);
            }
        }
    }

    /// "skipped 3 liked movie ids not in the model's catalogue (2 distinct: 99, 98); 1 query had
    /// no known movie and got no recommendations".
    fn summary(&self) -> String {
        let mut shown: Vec<String> = self.first.iter().map(u32::to_string).collect();
        if self.distinct.len() > self.first.len() {
            shown.push("...".into());
        }
        let mut text = format!(
            "skipped {} liked movie {} not in the model's catalogue ({} distinct: {})",
            self.ids,
            if self.ids == 1 { "id" } else { "ids" },
            self.distinct.len(),
            shown.join(", ")
        );
        if self.empty_queries > 0 {
            text += &format!(
                "; {} {} no known movie and got no recommendations",
                self.empty_queries,
                if self.empty_queries == 1 {
                    "query had"
                } else {
                    "queries had"
                }
            );
        }
        text
    }
}

/// Answers a JSON-lines file of `{"liked":[ids]}` queries, one JSON line each. Movies the model
/// does not know are skipped (listed in the answer's `"skipped"`; a query with none left gets an
/// empty list) and counted on stderr at the end; `strict` makes the first one an error.
fn recommend_batch(recommender: &Recommender, path: &Path, top: usize, strict: bool) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Query {
        liked: Vec<u32>,
    }
    let shown = path.display();
    let file = std::fs::File::open(path).with_context(|| format!("opening {shown}"))?;
    let mut reader = std::io::BufReader::new(file);
    let mut out = std::io::stdout().lock();
    let mut skipped = Skipped::default();
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    loop {
        buf.clear();
        let read = reader
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("reading {shown} after line {line_no}"))?;
        if read == 0 {
            break;
        }
        line_no += 1;
        let line = std::str::from_utf8(&buf).map_err(|err| {
            anyhow!(
                "{shown} line {line_no}: not valid UTF-8 (at byte {} of the line)",
                err.valid_up_to() + 1
            )
        })?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let query: Query = serde_json::from_str(line).with_context(|| {
            format!("{shown} line {line_no}: expected {{\"liked\":[movie ids]}}")
        })?;
        if query.liked.is_empty() {
            bail!("{shown} line {line_no}: no liked movies: list at least one movie id");
        }
        let (known, unknown): (Vec<u32>, Vec<u32>) = query
            .liked
            .iter()
            .partition(|&&id| recommender.catalog.index_of(id).is_some());
        if strict && let Some(id) = unknown.first() {
            bail!(
                "{shown} line {line_no}: movie id {id} is not in the model's catalogue (--strict; without it the id is skipped)"
            );
        }
        skipped.note(&unknown);
        let ids: Vec<u32> = if known.is_empty() {
            skipped.empty_queries += 1;
            Vec::new()
        } else {
            recommender
                .recommend(&Request::liking(known, top))
                .with_context(|| format!("{shown} line {line_no}"))?
                .iter()
                .map(|r| recommender.catalog.movies[r.index].id)
                .collect()
        };
        let mut answer = json!({"liked": query.liked, "recommendations": ids});
        if !unknown.is_empty() {
            answer["skipped"] = json!(unknown);
        }
        writeln!(out, "{answer}")?;
    }
    out.flush()?;
    if skipped.ids > 0 {
        eprintln!("warning: {shown}: {}", skipped.summary());
    }
    Ok(())
}
