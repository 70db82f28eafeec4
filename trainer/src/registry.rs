//! Every model the trainer knows, in one list: the values of `--model`, the rows of `trainer
//! bench`, the models a test trains one by one.
//!
//! A model is one file in [`crate::rating`] or [`crate::new_user`] that implements [`Model`] and
//! its task's trait, plus one line in the [`models!`] list at the bottom of this file.

use crate::data::split::{self, Split};
use crate::data::{Dataset, DatasetName, Rating};
use crate::evaluate::{self, FoldInTask};
use crate::new_user::{self, page_budget};
use crate::rating::explicit::Loss;
use crate::rating::knn::Similarity;
use crate::rating::{self, RatingSplit};
use crate::report::RunReport;
use crate::training::{Checkpoints, RunSettings};
use anyhow::{Result, bail};
use burn::tensor::backend::{AutodiffBackend, Backend};
use shared::ModelFile;
use std::borrow::Cow;
use std::cell::OnceCell;

/// What a model is to the command line: its name, its help and its settings.
pub trait Model {
    /// The `--model` value.
    const NAME: &'static str;
    /// One line for `--help`, `trainer models` and the bench report.
    const ABOUT: &'static str;
    /// Trained with burn: reads the training options and writes checkpoints.
    const BURN: bool = false;
    /// Every setting of a run, saved with it (in the checkpoints' `state.json` and the model
    /// file's info).
    type Config: burn::config::Config;

    /// The model's defaults with the command line's `options` on top. Takes every option it reads
    /// out of `options` (also when it then refuses a value): what is left is not for this model.
    fn config(options: &mut Options, seed: u64) -> Result<Self::Config>;
}

/// Which task a model serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// Predicts the rating a known user gives a movie ([`rating::RatingModel`]).
    Rating,
    /// Recommends to a user nobody trained on, from their picks; exports the page's weights
    /// ([`new_user::NewUserModel`]).
    NewUser,
}

/// Declares [`Options`]: one field per command-line option that some model reads.
macro_rules! options {
    ($( $(#[doc = $doc:literal])* $field:ident: $ty:ty => $flag:literal, )*) => {
        /// The model settings given on the command line; `None` keeps a model's default.
        #[derive(Clone, Debug, Default)]
        pub struct Options {
            $( $(#[doc = $doc])* pub $field: Option<$ty>, )*
        }

        impl Options {
            /// The options still set, as the command line spells them.
            pub fn given(&self) -> Vec<&'static str> {
                let mut given = Vec::new();
                $( if self.$field.is_some() { given.push($flag); } )*
                given
            }

            /// These options with only `flag` kept.
            fn only(&self, flag: &str) -> Options {
                Options {
                    $( $field: self.$field.clone().filter(|_| flag == $flag), )*
                }
            }
        }
    };
}

options! {
    /// Embedding size, rank or dimensions.
    factors: usize => "--factors",
    epochs: usize => "--epochs",
    learning_rate: f64 => "--lr",
    batch_size: usize => "--batch-size",
    /// L2 weight or regularisation.
    l2: f64 => "--l2",
    patience: usize => "--patience",
    dropout: f64 => "--dropout",
    hidden: Vec<usize> => "--hidden",
    neighbours: usize => "--k",
    similarity: Similarity => "--similarity",
    time_decay_days: f64 => "--time-decay-days",
    loss: Loss => "--loss",
    random_init: bool => "--random-init",
}

impl Options {
    /// `--epochs`, taken out. 0 is refused: it would leave a model at its initial weights.
    pub fn take_epochs(&mut self) -> Result<Option<usize>> {
        match self.epochs.take() {
            Some(0) => bail!(
                "--epochs 0 trains nothing: use at least 1 (0 is only for the fold-in model's EASE start, without --random-init)"
            ),
            epochs => Ok(epochs),
        }
    }
}

/// The data and protocol one or more models are run on. The rating split and the new-user task
/// are made once, on first use, and shared by every model run on them (`trainer bench`).
pub struct Run<'a, B: Backend> {
    pub dataset: &'a Dataset,
    /// What new-user models learn from: the dataset's ratings, less `--exclude-users`.
    pub ratings: Cow<'a, [Rating]>,
    pub seed: u64,
    /// Rating models: how ratings are split into training and test.
    pub split: RatingSplit,
    /// New-user models: users held out for validation, and as many for test.
    pub heldout_users: usize,
    /// New-user models: only movies liked by at least this many training users.
    pub min_item_users: usize,
    pub checkpoints: Checkpoints,
    /// New-user models: once tuned, refit on every user before export (the shipped model).
    pub refit: bool,
    /// Bytes the large allocations may take (EASE's movie × movie matrices); `None`: no limit.
    pub memory_budget: Option<u64>,
    /// New-user models: the page's model file, in gzipped bytes. It decides how many movies the
    /// page carries (the most liked) and the rank of factorised models.
    pub page_budget: u64,
    /// New-user models: carry at most this many movies (the most liked) whatever the budget.
    pub max_movies: Option<usize>,
    pub device: B::Device,
    rating_split: OnceCell<Split>,
    task: OnceCell<FoldInTask>,
}

/// What `trainer train` trains without `--model`, and so what `cargo xtask serve` ships.
pub const DEFAULT_MODEL: ModelName = ModelName::Foldin;

/// Ratings at or above this are "liked" in the new-user protocol.
pub const POSITIVE_THRESHOLD: f32 = 4.0;
/// Movies liked by fewer training users are left out of new-user models by default.
pub const MIN_ITEM_USERS: usize = 3;

/// Users held out for validation, and as many for test, in the new-user protocol: about a tenth
/// of each small release, Liang et al.'s 10,000 for the large ones.
pub fn default_heldout_users(name: DatasetName) -> usize {
    match name {
        DatasetName::Ml100k => 100,
        DatasetName::MlLatestSmall => 60,
        _ => 10_000,
    }
}

impl<'a, B: Backend> Run<'a, B> {
    /// The command line's defaults: split u1, the release's held-out users, every rating.
    pub fn new(dataset: &'a Dataset, seed: u64, device: B::Device) -> Self {
        Self {
            dataset,
            ratings: Cow::Borrowed(&dataset.ratings),
            seed,
            split: RatingSplit::Predefined("u1".into()),
            heldout_users: default_heldout_users(dataset.name),
            min_item_users: MIN_ITEM_USERS,
            checkpoints: Checkpoints::default(),
            refit: true,
            memory_budget: available_memory(),
            page_budget: page_budget::default_budget(dataset.ratings.len()),
            max_movies: None,
            device,
            rating_split: OnceCell::new(),
            task: OnceCell::new(),
        }
    }

    /// The same data and protocol without checkpoints: for a second fit (the refit) that must
    /// not touch the first one's.
    pub fn without_checkpoints(&self) -> Run<'_, B> {
        let mut run = Run::new(self.dataset, self.seed, self.device.clone());
        run.ratings = Cow::Borrowed(&self.ratings);
        run.split = self.split.clone();
        run.heldout_users = self.heldout_users;
        run.min_item_users = self.min_item_users;
        run.refit = self.refit;
        run.memory_budget = self.memory_budget;
        run.page_budget = self.page_budget;
        run.max_movies = self.max_movies;
        run
    }

    /// The training and test ratings of [`Run::split`].
    pub fn rating_split(&self) -> Result<&Split> {
        if let Some(split) = self.rating_split.get() {
            return Ok(split);
        }
        let split = self.split.apply(self.dataset, self.seed)?;
        Ok(self.rating_split.get_or_init(|| split))
    }

    /// The strong-generalization task (Liang et al. 2018) of [`Run::ratings`].
    pub fn new_user_task(&self) -> Result<&FoldInTask> {
        if let Some(task) = self.task.get() {
            return Ok(task);
        }
        let split = split::strong_generalization(
            &self.ratings,
            self.heldout_users,
            POSITIVE_THRESHOLD,
            self.seed,
        );
        let liked = evaluate::liked_movies(&split, self.dataset.n_items(), self.min_item_users);
        let carried = self.max_movies.unwrap_or_else(|| {
            page_budget::affordable_movies(self.page_budget, self.dataset, &liked)
        });
        if carried < liked.len() {
            eprintln!(
                "{}: the page carries the {carried} most liked of {} movies ({})",
                self.dataset.name,
                liked.len(),
                match self.max_movies {
                    Some(_) => "--max-movies".to_string(),
                    None => format!("a {} KB page file", self.page_budget / 1000),
                }
            );
        }
        let movies: Vec<u32> = liked.iter().take(carried).map(|&(i, _)| i).collect();
        let task = FoldInTask::new(&split, &self.ratings, self.dataset.n_items(), &movies);
        if task.items.is_empty() || task.validation.is_empty() || task.test.is_empty() {
            bail!(
                "{}: too few users with 5+ ratings ≥ {POSITIVE_THRESHOLD} for the held-out protocol",
                self.dataset.name
            );
        }
        eprintln!(
            "{}: {} training users, {} validation and {} test users held out, {} movies",
            self.dataset.name,
            task.train_rows.len(),
            task.validation.len(),
            task.test.len(),
            task.items.len()
        );
        Ok(self.task.get_or_init(|| task))
    }

    /// A run's identity for its checkpoints: the model, the data, the protocol and every
    /// setting of `config` but the epoch budget (which a resumed run may extend). Empty without
    /// a checkpoint folder: nothing compares it.
    pub fn identity<M: Model>(&self, config: &M::Config, task: Task) -> RunSettings {
        if self.checkpoints.dir.is_none() {
            return RunSettings::default();
        }
        let settings = RunSettings::of(config)
            .without("epochs")
            .with("model", M::NAME)
            .with("dataset", self.dataset.name)
            .with("ratings", RunSettings::digest(&self.ratings));
        match task {
            Task::Rating => settings.with("split", self.split.name()),
            Task::NewUser => settings
                .with("heldout-users", self.heldout_users)
                .with("min-item-users", self.min_item_users)
                .with("page-budget", self.page_budget)
                .with("max-movies", format!("{:?}", self.max_movies)),
        }
    }
}

/// The memory this machine has available now (Linux: `MemAvailable` in `/proc/meminfo`).
pub fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// A trained and evaluated model; new-user models also give the page's weights file.
pub struct Outcome {
    pub report: RunReport,
    pub file: Option<ModelFile>,
}

/// Declares [`ModelName`] from one line per model, and dispatches to each model's type.
macro_rules! models {
    (
        rating: [$($rating:ident => $rating_type:ty,)*]
        new_user: [$($new_user:ident => $new_user_type:ty,)*]
    ) => {
        /// Every model, in `--model`'s order: the rating models, then the new-user models.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum ModelName {
            $($rating,)*
            $($new_user,)*
        }

        impl clap::ValueEnum for ModelName {
            fn value_variants<'a>() -> &'a [Self] {
                &[$(Self::$rating,)* $(Self::$new_user,)*]
            }

            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                let (name, about) = match self {
                    $(Self::$rating => (<$rating_type>::NAME, <$rating_type>::ABOUT),)*
                    $(Self::$new_user => (<$new_user_type>::NAME, <$new_user_type>::ABOUT),)*
                };
                Some(clap::builder::PossibleValue::new(name).help(about))
            }
        }

        impl ModelName {
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$rating => <$rating_type>::NAME,)*
                    $(Self::$new_user => <$new_user_type>::NAME,)*
                }
            }

            pub fn about(self) -> &'static str {
                match self {
                    $(Self::$rating => <$rating_type>::ABOUT,)*
                    $(Self::$new_user => <$new_user_type>::ABOUT,)*
                }
            }

            pub fn task(self) -> Task {
                match self {
                    $(Self::$rating => Task::Rating,)*
                    $(Self::$new_user => Task::NewUser,)*
                }
            }

            pub fn burn(self) -> bool {
                match self {
                    $(Self::$rating => <$rating_type>::BURN,)*
                    $(Self::$new_user => <$new_user_type>::BURN,)*
                }
            }

            /// Surprise's published ml-100k 5-fold figures for this model, when it is theirs.
            pub fn surprise(self) -> Option<rating::Published> {
                match self {
                    $(Self::$rating => <$rating_type as rating::RatingModel>::SURPRISE,)*
                    _ => None,
                }
            }

            /// The run's settings as JSON, taking the options the model reads out of `options`.
            fn config(self, options: &mut Options, seed: u64) -> Result<serde_json::Value> {
                Ok(match self {
                    $(Self::$rating => serde_json::to_value(<$rating_type>::config(options, seed)?)?,)*
                    $(Self::$new_user => serde_json::to_value(<$new_user_type>::config(options, seed)?)?,)*
                })
            }

            /// Trains the model on `run` with `options` over its defaults and evaluates it.
            pub fn run<B: AutodiffBackend>(self, options: &Options, run: &Run<B>) -> Result<Outcome> {
                self.check(options)?;
                let mut options = options.clone();
                match self {
                    $(Self::$rating => {
                        let config = <$rating_type>::config(&mut options, run.seed)?;
                        rating::run::<B, $rating_type>(config, run)
                    })*
                    $(Self::$new_user => {
                        let config = <$new_user_type>::config(&mut options, run.seed)?;
                        new_user::run::<B, $new_user_type>(config, run)
                    })*
                }
            }
        }
    };
}

impl ModelName {
    /// Every model, in `--model`'s order.
    pub fn all() -> &'static [ModelName] {
        <ModelName as clap::ValueEnum>::value_variants()
    }

    /// Refuses `options` this model does not read, naming the models that do, and values the
    /// model refuses.
    pub fn check(self, options: &Options) -> Result<()> {
        let mut left = options.clone();
        self.config(&mut left, 0)?;
        let Some(flag) = left.given().first().copied() else {
            return Ok(());
        };
        let readers: Vec<&str> = Self::all()
            .iter()
            .filter(|model| {
                let mut only = options.only(flag);
                let _ = model.config(&mut only, 0);
                only.given().is_empty()
            })
            .map(|model| model.name())
            .collect();
        bail!(
            "{flag} applies to {}, not to --model {}",
            crate::report::join_with_and(&readers),
            self.name()
        )
    }

    /// Those that serve `task`.
    pub fn of(task: Task) -> impl Iterator<Item = ModelName> {
        Self::all()
            .iter()
            .copied()
            .filter(move |m| m.task() == task)
    }
}

models! {
    rating: [
        Baseline => rating::baseline::BaselineModel,
        Svd => rating::svd::SvdModel,
        Svdpp => rating::svd::SvdppModel,
        KnnUser => rating::knn::KnnUserModel,
        KnnItem => rating::knn::KnnItemModel,
        KnnBaseline => rating::knn::KnnBaselineModel,
        KnnBaselineItem => rating::knn::KnnBaselineItemModel,
        SlopeOne => rating::slope_one::SlopeOneModel,
        Mf => rating::mf::MfModel,
        Neumf => rating::neumf::NeuMfModel,
        Deep => rating::deep::DeepModel,
        Autorec => rating::autorec::AutoRecModel,
    ]
    new_user: [
        Popularity => new_user::popularity::PopularityModel,
        Content => new_user::content::ContentModel,
        Puresvd => new_user::puresvd::PureSvdModel,
        Hybrid => new_user::hybrid::HybridModel,
        Ease => new_user::ease::EaseModel,
        Foldin => new_user::foldin::FoldInModel,
    ]
}

/// Every model as a markdown table (`trainer models`; README.md holds a copy that a test
/// compares with it).
pub fn table() -> String {
    let mut out = String::from("| `--model` | task | what it is |\n|---|---|---|\n");
    for model in ModelName::all() {
        let task = match model.task() {
            Task::Rating => "rating",
            Task::NewUser => "new user",
        };
        out += &format!("| `{}` | {task} | {} |\n", model.name(), model.about());
    }
    out
}
