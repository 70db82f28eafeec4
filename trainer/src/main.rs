//! `trainer`: the command line over the trainer library. See `trainer --help`.

mod options;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use options::{
    non_negative_finite_f64, positive_finite_f64, positive_usize, probability, whole_number,
};
use serde_json::json;
use shared::{RecommendError, Recommender, Request};
use std::borrow::Cow;
use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use trainer::backend::{self, Device};
use trainer::data::split::{self, HeldOutUser};
use trainer::data::{DataSource, Dataset, DatasetName};
use trainer::rating::RatingSplit;
use trainer::rating::explicit::Loss;
use trainer::rating::knn::Similarity;
use trainer::registry::{self, ModelName, Options, Outcome, Run, Task};
use trainer::report::{RunReport, join_with_and};
use trainer::training::Checkpoints;

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
    /// List every model: its `--model` name, its task and what it is.
    Models,
    /// Write a synthetic release shaped like a real one, to measure at sizes not at hand.
    Synth(SynthArgs),
}

#[derive(Args)]
struct SynthArgs {
    /// The release to imitate: ml-latest-small, ml-25m or ml-32m.
    #[arg(long)]
    like: DatasetName,
    /// Where the release's folder is written (the --data-dir of later runs).
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Users, movies and ratings times this (above 0, at most 10).
    #[arg(long, default_value_t = 1.0, value_parser = positive_finite_f64, allow_negative_numbers = true)]
    scale: f64,
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
    /// The model: `trainer models` lists them. Rating models are measured on --split; new-user
    /// models on held-out users, and export the page's weights.
    #[arg(long, value_enum, default_value_t = registry::DEFAULT_MODEL)]
    model: ModelName,
    /// Rating models: u1..u5, ua, ub (ml-100k), random[:FRACTION] or latest [default: u1].
    #[arg(long)]
    split: Option<RatingSplit>,
    /// Rating networks (mf, neumf, deep): the training loss [default: mse].
    #[arg(long, value_enum)]
    loss: Option<Loss>,
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
    /// New-user models: users held out for validation and again for test (at least 1).
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    heldout_users: Option<usize>,
    /// New-user models: only movies liked by at least this many training users (at least 1) are
    /// in the model [default: 3].
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    min_item_users: Option<usize>,
    /// New-user models: the page's model file budget in gzipped KB. The page carries the most
    /// liked movies that fit at rank 64 and factorised models take the largest rank that fits
    /// [default: 830 below a million ratings, 2330 above: a 1 MB or 2.5 MB page with its code].
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    page_budget_kb: Option<usize>,
    /// New-user models: carry at most this many movies (the most liked), whatever the budget.
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    max_movies: Option<usize>,
    /// Fold-in: train from random weights instead of the factorised EASE solution.
    #[arg(long)]
    random_init: bool,
    /// The memory the large allocations (EASE's movie × movie matrices) may take, in GB
    /// [default: what the machine has available].
    #[arg(long, value_parser = positive_finite_f64, allow_negative_numbers = true)]
    max_memory_gb: Option<f64>,
    /// New-user models: export the fit on the training users. By default the settings chosen
    /// on validation users are refit on every user for the exported file; the figures are the
    /// training users' fit's either way.
    #[arg(long)]
    no_refit: bool,
    /// New-user models: where to write the page's weights file. Checked before any work; an
    /// existing file is replaced only once the new one is complete.
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
    /// MovieLens ids of movies that are not for this user, comma-separated: never recommended,
    /// and the movies like them are pushed down (as much as the model's steering says).
    #[arg(long, value_delimiter = ',', requires = "liked")]
    disliked: Vec<u32>,
    /// MovieLens ids of movies already seen, comma-separated: never recommended, no other effect.
    #[arg(long, value_delimiter = ',', requires = "liked")]
    seen: Vec<u32>,
    /// Familiar ↔ discover: a step from 0 (the most familiar movies) to 6 (the least known);
    /// without it, the model's default, chosen on validation users.
    #[arg(long, requires = "liked", value_parser = clap::value_parser!(u8).range(0..shared::POPULARITY_STEPS.len() as i64))]
    popularity: Option<u8>,
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
                Device::Cpu => train::<backend::Cpu>(&args, Default::default()),
                #[cfg(feature = "cuda")]
                Device::Cuda => train::<backend::Gpu>(&args, Default::default()),
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
            trainer::bench::run::<backend::Cpu>(&source, &args.options).map(|_| ())
        }
        Command::Recommend(args) => recommend(&args),
        Command::Models => {
            print!("{}", registry::table());
            Ok(())
        }
        Command::Synth(args) => {
            if args.scale > 10.0 {
                bail!("--scale {}: at most 10", args.scale);
            }
            let shape = trainer::synth::Shape::of(args.like)?.scaled(args.scale);
            let written = trainer::synth::write(shape, &args.out, args.seed)?;
            println!(
                "Wrote {}: {} users, {} movies, {} ratings, {} tags",
                written.folder.display(),
                written.users,
                written.movies,
                written.ratings,
                written.tags
            );
            Ok(())
        }
    }
}

impl TrainArgs {
    /// The model options, as the registry reads them: the one place flags become settings.
    fn options(&self) -> Options {
        Options {
            factors: self.factors,
            epochs: self.epochs,
            learning_rate: self.lr,
            batch_size: self.batch_size,
            l2: self.l2,
            patience: self.patience,
            dropout: self.dropout,
            hidden: self.hidden.clone(),
            neighbours: self.k,
            similarity: self.similarity,
            time_decay_days: self.time_decay_days,
            loss: self.loss,
            random_init: self.random_init.then_some(true),
        }
    }

    /// The data and protocol of the run, from the command line over the defaults.
    fn run<'a, B: burn::tensor::backend::Backend>(
        &self,
        dataset: &'a Dataset,
        device: B::Device,
    ) -> Result<Run<'a, B>> {
        let mut run = Run::new(dataset, self.seed, device);
        if let Some(path) = &self.exclude_users {
            let excluded = split::read_user_id_file(path, dataset)?;
            eprintln!("Leaving {} users out of training", excluded.len());
            run.ratings = Cow::Owned(split::exclude_users(&dataset.ratings, &excluded));
        }
        if let Some(split) = &self.split {
            run.split = split.clone();
        }
        run.heldout_users = self.heldout_users.unwrap_or(run.heldout_users);
        run.refit = !self.no_refit;
        if let Some(gb) = self.max_memory_gb {
            run.memory_budget = Some((gb * 1e9) as u64);
        }
        run.min_item_users = self.min_item_users.unwrap_or(run.min_item_users);
        if let Some(kb) = self.page_budget_kb {
            run.page_budget = kb as u64 * 1000;
        }
        run.max_movies = self.max_movies;
        run.checkpoints = Checkpoints {
            dir: self.checkpoint_dir.clone(),
            resume: self.resume,
        };
        Ok(run)
    }

    /// Refuses the protocol options that the model's task does not use. (Model options are
    /// checked by the registry.)
    fn check_task_options(&self) -> Result<()> {
        let rating = self.model.task() == Task::Rating;
        let names = |keep: &dyn Fn(ModelName) -> bool| -> String {
            let names: Vec<&str> = ModelName::all()
                .iter()
                .filter(|m| keep(**m))
                .map(|m| m.name())
                .collect();
            join_with_and(&names)
        };
        let rating_models = || {
            format!(
                "the rating models ({})",
                names(&|m| m.task() == Task::Rating)
            )
        };
        let new_user_models = || {
            format!(
                "the new-user models ({}), which export weights for the page",
                names(&|m| m.task() == Task::NewUser)
            )
        };
        let burn_models = || format!("the models trained with burn ({})", names(&|m| m.burn()));
        // (option, given, read by this model, the models that read it)
        let rules: [(&str, bool, bool, &dyn Fn() -> String); 9] = [
            ("--split", self.split.is_some(), rating, &rating_models),
            (
                "--heldout-users",
                self.heldout_users.is_some(),
                !rating,
                &new_user_models,
            ),
            (
                "--exclude-users",
                self.exclude_users.is_some(),
                !rating,
                &new_user_models,
            ),
            (
                "--min-item-users",
                self.min_item_users.is_some(),
                !rating,
                &new_user_models,
            ),
            (
                "--page-budget-kb",
                self.page_budget_kb.is_some(),
                !rating,
                &new_user_models,
            ),
            (
                "--max-movies",
                self.max_movies.is_some(),
                !rating,
                &new_user_models,
            ),
            ("--out", self.out.is_some(), !rating, &new_user_models),
            ("--no-refit", self.no_refit, !rating, &new_user_models),
            (
                "--checkpoint-dir",
                self.checkpoint_dir.is_some(),
                self.model.burn(),
                &burn_models,
            ),
        ];
        if let Some((option, .., models)) = rules.iter().find(|(_, given, read, _)| *given && !read)
        {
            bail!(
                "{option} applies to {}, not to --model {}",
                models(),
                self.model.name()
            );
        }
        Ok(())
    }
}

fn train<B: burn::tensor::backend::AutodiffBackend>(
    args: &TrainArgs,
    device: B::Device,
) -> Result<()> {
    args.check_task_options()?;
    let options = args.options();
    args.model.check(&options)?;
    // Before any data is read: an --out that cannot be written fails now, not after training.
    let out = args.out.as_deref().map(OutFile::prepare).transpose()?;
    let dataset = args.data.load()?;
    let run = args.run::<B>(&dataset, device)?;
    let Outcome { report, file } = args.model.run(&options, &run)?;
    let bytes = file.map(|file| file.to_bytes());
    print_report(&report, bytes.as_ref().map(Vec::len), args.json);
    if let (Some(out), Some(bytes)) = (out, &bytes) {
        out.commit(bytes)?;
    }
    Ok(())
}

fn print_report(report: &RunReport, file_bytes: Option<usize>, json: bool) {
    if json {
        println!("{}", report.to_json(file_bytes));
    } else {
        println!("{}", report.to_table(file_bytes));
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
    if args.users.is_none()
        && recommender
            .info
            .description
            .contains(trainer::new_user::REFIT_NOTE)
    {
        bail!(
            "{} was refit on every user of {}, its held-out test users included, so they cannot test it again; its test figures are in its info. To measure a model on users it never saw, train it with --exclude-users FILE and evaluate with --users FILE, or train it with --no-refit",
            args.model.display(),
            recommender.info.dataset
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
            split::fold_in_split(&ratings, registry::POSITIVE_THRESHOLD, args.seed)
        }
        None => {
            let n = args
                .heldout_users
                .unwrap_or(registry::default_heldout_users(dataset.name));
            split::strong_generalization(
                &dataset.ratings,
                n,
                registry::POSITIVE_THRESHOLD,
                args.seed,
            )
            .test
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
        .filter_map(|u| u.remapped(to_model))
        .collect();
    if users.is_empty() {
        bail!("none of the evaluated users has liked movies that the model knows");
    }
    let metrics = trainer::new_user::heldout_metrics_shared(&recommender, &users);
    let report = RunReport {
        model: recommender.info.model.clone(),
        dataset: dataset.name.to_string(),
        split: format!("{} held-out users", users.len()),
        metrics,
        train_seconds: 0.0,
        parameters: 0,
        history: Default::default(),
        settings: serde_json::from_str(&recommender.info.settings).unwrap_or_default(),
    };
    print_report(&report, None, args.json);
    Ok(())
}

fn recommend(args: &RecommendArgs) -> Result<()> {
    let recommender = load_model(&args.model)?;
    let Some(path) = &args.queries else {
        // Each list on its own, so that an unknown id is named with its flag.
        for (flag, ids) in [
            ("--liked", &args.liked),
            ("--disliked", &args.disliked),
            ("--seen", &args.seen),
        ] {
            recommender.indices_of(ids).map_err(|err| match err {
                RecommendError::UnknownMovie(id) => anyhow!(
                    "{flag}: movie id {id} is not in the catalogue of {} (a model leaves out movies that too few training users liked)",
                    args.model.display()
                ),
                other => anyhow!("{flag}: {other}"),
            })?;
        }
        let request = Request {
            disliked: args.disliked.clone(),
            seen: args.seen.clone(),
            popularity: args.popularity.map(usize::from),
            ..Request::liking(args.liked.clone(), args.top)
        };
        let ranked = recommender
            .recommend(&request)
            .map_err(|err| anyhow!("--liked: {err}"))?;
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
                let reason = if because.is_empty() {
                    String::new()
                } else {
                    format!("  because you liked {}", because.join(", "))
                };
                println!(
                    "{:>3}. {}  [{}]{reason}",
                    rank + 1,
                    m.label(),
                    recommender.catalog.genres_of(m).join(", "),
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
