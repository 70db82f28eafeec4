//! An [`Experiment`]: the data, the protocol and the machine settings that one or more models are
//! trained and measured on. `trainer train` makes one for its model, `trainer bench` one per
//! release for every model, so each model sees the same split and the same held-out users.

use crate::data::split::{RatingSplit, Split};
use crate::data::{Dataset, Rating};
use crate::memory;
use crate::model::{Model, Task};
use crate::protocol::{self, NewUserTask, TaskSettings, page};
use crate::training::{Checkpoints, RunSettings};
use anyhow::Result;
use burn::tensor::backend::Backend;
use std::borrow::Cow;
use std::cell::OnceCell;

/// The data and protocol one or more models are trained on. The rating split and the new-user
/// task are made once, on first use, and shared by every model trained on them.
pub struct Experiment<'a, B: Backend> {
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
    /// New-user models: export the stars network beside them (`new_user::stars`), its bytes
    /// taken from the page budget.
    pub stars: bool,
    pub device: B::Device,
    rating_split: OnceCell<Split>,
    task: OnceCell<NewUserTask>,
}

impl<'a, B: Backend> Experiment<'a, B> {
    /// The command line's defaults: split u1, the release's held-out users, every rating.
    pub fn new(dataset: &'a Dataset, seed: u64, device: B::Device) -> Self {
        Self {
            dataset,
            ratings: Cow::Borrowed(&dataset.ratings),
            seed,
            split: RatingSplit::Predefined("u1".into()),
            heldout_users: protocol::default_heldout_users(dataset.name),
            min_item_users: protocol::MIN_ITEM_USERS,
            checkpoints: Checkpoints::default(),
            refit: true,
            memory_budget: memory::available(),
            page_budget: page::default_budget(dataset.ratings.len()),
            max_movies: None,
            stars: false,
            device,
            rating_split: OnceCell::new(),
            task: OnceCell::new(),
        }
    }

    /// The same data and protocol without checkpoints: for a second fit (the refit) that must
    /// not touch the first one's.
    pub fn without_checkpoints(&self) -> Experiment<'_, B> {
        Experiment {
            ratings: Cow::Borrowed(&self.ratings),
            split: self.split.clone(),
            heldout_users: self.heldout_users,
            min_item_users: self.min_item_users,
            refit: self.refit,
            memory_budget: self.memory_budget,
            page_budget: self.page_budget,
            max_movies: self.max_movies,
            ..Experiment::new(self.dataset, self.seed, self.device.clone())
        }
    }

    /// The training and test ratings of [`Experiment::split`].
    pub fn rating_split(&self) -> Result<&Split> {
        if let Some(split) = self.rating_split.get() {
            return Ok(split);
        }
        let split = self.split.apply(self.dataset, self.seed)?;
        Ok(self.rating_split.get_or_init(|| split))
    }

    /// The new-user task of [`Experiment::ratings`] (see [`crate::protocol`]).
    pub fn new_user_task(&self) -> Result<&NewUserTask> {
        if let Some(task) = self.task.get() {
            return Ok(task);
        }
        let settings = TaskSettings {
            heldout_users: self.heldout_users,
            min_item_users: self.min_item_users,
            page_budget: self.page_budget,
            max_movies: self.max_movies,
            other_bytes_per_movie: self.other_bytes_per_movie(),
            seed: self.seed,
        };
        let task = NewUserTask::build(self.dataset, &self.ratings, &settings)?;
        Ok(self.task.get_or_init(|| task))
    }

    /// Bytes per movie the page's file holds beside the catalogue and a model's embeddings.
    pub fn other_bytes_per_movie(&self) -> u64 {
        if self.stars {
            page::STARS_BYTES_PER_MOVIE
        } else {
            0
        }
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
