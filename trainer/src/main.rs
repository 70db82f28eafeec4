//! `trainer`: the command line over the trainer library. See `trainer --help`.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use serde_json::json;
use shared::{Recommender, Request};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use trainer::backend::{self, Device};
use trainer::classic::knn::Similarity;
use trainer::classic::runs::{ClassicModel, ClassicRun, Overrides};
use trainer::data::split::{self, HeldOutUser};
use trainer::data::{DataSource, Dataset, DatasetName};
use trainer::pipeline::{self, ExplicitModel, ExplicitRun, FoldInRun, RatingSplit, RunReport};
use trainer::training::{Checkpoints, Loss, TrainingConfig};

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
        Ok(Dataset::load(&source, self.dataset)?)
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
    #[arg(long)]
    epochs: Option<usize>,
    #[arg(long)]
    lr: Option<f64>,
    #[arg(long)]
    batch_size: Option<usize>,
    /// Embedding size (hidden units for autorec).
    #[arg(long)]
    factors: Option<usize>,
    /// L2 weight (weight decay for the fold-in model).
    #[arg(long)]
    l2: Option<f64>,
    /// Epochs without improvement before stopping.
    #[arg(long)]
    patience: Option<usize>,
    /// Fold-in: input dropout; deep: dropout between layers.
    #[arg(long)]
    dropout: Option<f64>,
    /// Hidden layer widths, comma-separated; `--hidden` alone for none (a linear tower).
    #[arg(long, value_delimiter = ',', num_args = 0..)]
    hidden: Option<Vec<usize>>,
    /// KNN models: neighbours kept [default: 40].
    #[arg(long)]
    k: Option<usize>,
    /// KNN models: msd, cosine, pearson or pearson-baseline[:SHRINKAGE] [default: msd].
    #[arg(long)]
    similarity: Option<Similarity>,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Weigh explicit ratings by recency, halving every this many days.
    #[arg(long)]
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
    /// Fold-in: users held out for validation and again for test.
    #[arg(long)]
    heldout_users: Option<usize>,
    /// Fold-in: only movies liked by at least this many training users are in the model.
    #[arg(long, default_value_t = 3)]
    min_item_users: usize,
    /// Fold-in: train from random weights instead of the factorised EASE solution.
    #[arg(long)]
    random_init: bool,
    /// Fold-in: also fit and report EASE on the same users.
    #[arg(long)]
    compare_ease: bool,
    /// Fold-in: where to write the page's weights file.
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
    #[arg(long)]
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
    /// A JSON-lines file of {"liked":[ids]} queries, answered one JSON line each.
    #[arg(long, conflicts_with = "liked")]
    queries: Option<PathBuf>,
    #[arg(long, default_value_t = 20)]
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

fn train<B: burn::tensor::backend::AutodiffBackend>(
    args: &TrainArgs,
    device: &B::Device,
) -> Result<()> {
    let classic = <ClassicModel as clap::ValueEnum>::from_str(&args.model, false).ok();
    if (args.k.is_some() || args.similarity.is_some()) && !classic.is_some_and(ClassicModel::is_knn)
    {
        bail!("--k and --similarity apply to knn-user, knn-item and knn-baseline");
    }
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
    if let Some(model) = classic {
        return train_classic(args, model, &dataset, &ratings);
    }
    if args.model == "foldin" {
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
        let result = pipeline::run_foldin::<B>(&dataset, &ratings, &run, device)?;
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
        if let Some(out) = &args.out {
            write_atomically(out, &bytes)?;
            eprintln!("Wrote {} ({} bytes)", out.display(), bytes.len());
        }
        return Ok(());
    }
    let model = match args.model.as_str() {
        "mf" => ExplicitModel::Mf,
        "neumf" => ExplicitModel::Neumf,
        "deep" => ExplicitModel::Deep,
        "autorec" => ExplicitModel::Autorec,
        other => bail!("unknown model {other:?}: use mf, neumf, deep, autorec or foldin"),
    };
    if args.out.is_some() {
        bail!(
            "only the fold-in model exports weights for the page; explicit models keep their checkpoints in --checkpoint-dir"
        );
    }
    if args.exclude_users.is_some() {
        bail!("--exclude-users applies to the fold-in model, which is evaluated on unseen users");
    }
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

/// A classic model (`trainer::classic`): no burn, no checkpoints.
fn train_classic(
    args: &TrainArgs,
    model: ClassicModel,
    dataset: &Dataset,
    ratings: &[trainer::data::Rating],
) -> Result<()> {
    if model.is_rating_model() && args.out.is_some() {
        bail!(
            "{} predicts ratings of known users and exports nothing; popularity, puresvd, content and hybrid export weights for the page",
            model.name()
        );
    }
    if model.is_rating_model() && args.exclude_users.is_some() {
        bail!(
            "--exclude-users applies to the new-user models, which are evaluated on unseen users"
        );
    }
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
    if let (Some(out), Some(bytes)) = (&args.out, &bytes) {
        write_atomically(out, bytes)?;
        eprintln!("Wrote {} ({} bytes)", out.display(), bytes.len());
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

/// Writes next to the target and renames, so an existing file is never left half-written.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("partial");
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
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
        let ranked = recommender.recommend(&Request::liking(args.liked.clone(), args.top))?;
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
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut out = std::io::stdout().lock();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        #[derive(serde::Deserialize)]
        struct Query {
            liked: Vec<u32>,
        }
        let query: Query = serde_json::from_str(&line).with_context(|| {
            format!(
                "{} line {}: expected {{\"liked\":[movie ids]}}",
                path.display(),
                n + 1
            )
        })?;
        let ranked = recommender
            .recommend(&Request::liking(query.liked.clone(), args.top))
            .with_context(|| format!("{} line {}", path.display(), n + 1))?;
        let ids: Vec<u32> = ranked
            .iter()
            .map(|r| recommender.catalog.movies[r.index].id)
            .collect();
        writeln!(
            out,
            "{}",
            json!({"liked": query.liked, "recommendations": ids})
        )?;
    }
    Ok(())
}
