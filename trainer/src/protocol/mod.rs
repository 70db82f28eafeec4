//! The new-user protocol (strong generalization, Liang et al. 2018): which ratings are likes,
//! which users are held out for validation and test, and which movies a model carries: the most
//! liked that fit the page's file budget ([`page`]). Every new-user model is fitted and measured
//! on the same [`NewUserTask`].

pub mod page;

use crate::data::split::{self, HeldOutUser, StrongSplit};
use crate::data::{Dataset, DatasetName, Rating};
use anyhow::{Result, bail};
use std::collections::HashSet;

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

/// The test users of the held-out split that a training run with these `heldout_users` and
/// `seed` drew: what `trainer eval` measures a file on, in dataset numbering.
pub fn test_users(ratings: &[Rating], heldout_users: usize, seed: u64) -> Vec<HeldOutUser> {
    split::strong_generalization(ratings, heldout_users, POSITIVE_THRESHOLD, seed).test
}

/// Every one of `users` held out: 80% of their liked movies folded in, the rest to predict.
pub fn listed_users(ratings: &[Rating], users: &HashSet<u32>, seed: u64) -> Vec<HeldOutUser> {
    let theirs: Vec<Rating> = ratings
        .iter()
        .filter(|r| users.contains(&r.user))
        .copied()
        .collect();
    split::fold_in_split(&theirs, POSITIVE_THRESHOLD, seed)
}

/// How a [`NewUserTask`] is drawn from a release.
#[derive(Clone, Debug)]
pub struct TaskSettings {
    /// Users held out for validation, and as many for test.
    pub heldout_users: usize,
    /// Only movies liked by at least this many training users.
    pub min_item_users: usize,
    /// The page's model file, in gzipped bytes: it decides how many movies the page carries.
    pub page_budget: u64,
    /// Carry at most this many movies (the most liked) whatever the budget.
    pub max_movies: Option<usize>,
    pub seed: u64,
}

/// The new-user task: the strong-generalization split in the model's own item numbering.
///
/// The model's catalogue is the movies it is given (see [`liked_movies`]), in dataset order;
/// held-out users keep only those movies, and users left with nothing to fold in or to predict
/// are dropped. Every model compared on this task sees the same items and users.
pub struct NewUserTask {
    /// Model item → dataset item.
    pub items: Vec<u32>,
    /// Gzipped bytes of these movies' catalogue in the model file (see [`page::catalogue_bytes`]).
    pub catalogue_bytes: u64,
    /// Number of training ratings (any value) of each model item: its popularity.
    pub rating_counts: Vec<u32>,
    /// Each training user's liked model items.
    pub train_rows: Vec<Vec<u32>>,
    pub validation: Vec<HeldOutUser>,
    pub test: Vec<HeldOutUser>,
}

impl NewUserTask {
    /// The task over `ratings` (a release's, less any users kept out): held-out users drawn,
    /// the movies the page carries chosen, everything renumbered. Says on stderr what it chose.
    pub fn build(dataset: &Dataset, ratings: &[Rating], settings: &TaskSettings) -> Result<Self> {
        let split = split::strong_generalization(
            ratings,
            settings.heldout_users,
            POSITIVE_THRESHOLD,
            settings.seed,
        );
        let liked = liked_movies(&split, dataset.n_items(), settings.min_item_users);
        let carried = settings
            .max_movies
            .unwrap_or_else(|| page::affordable_movies(settings.page_budget, dataset, &liked));
        if carried < liked.len() {
            eprintln!(
                "{}: the page carries the {carried} most liked of {} movies ({})",
                dataset.name,
                liked.len(),
                match settings.max_movies {
                    Some(_) => "--max-movies".to_string(),
                    None => format!("a {} KB page file", settings.page_budget / 1000),
                }
            );
        }
        let movies: Vec<u32> = liked.iter().take(carried).map(|&(i, _)| i).collect();
        let task = Self::new(&split, ratings, dataset, &movies);
        if task.items.is_empty() || task.validation.is_empty() || task.test.is_empty() {
            bail!(
                "{}: too few users with 5+ ratings ≥ {POSITIVE_THRESHOLD} for the held-out protocol",
                dataset.name
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

    /// `all_ratings` are every rating of the training users (for popularity counts); `movies`
    /// the dataset movies the model covers.
    fn new(split: &StrongSplit, all_ratings: &[Rating], dataset: &Dataset, movies: &[u32]) -> Self {
        let n_items = dataset.n_items();
        let mut items = movies.to_vec();
        items.sort_unstable();
        let mut model_item = vec![None; n_items];
        for (m, &i) in items.iter().enumerate() {
            model_item[i as usize] = Some(m as u32);
        }
        let train_users: HashSet<u32> = split.train_users.iter().copied().collect();
        let mut rating_counts = vec![0u32; items.len()];
        for r in all_ratings.iter().filter(|r| train_users.contains(&r.user)) {
            if let Some(m) = model_item[r.item as usize] {
                rating_counts[m as usize] += 1;
            }
        }
        let mut rows_by_user: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
        for r in &split.train {
            if let Some(m) = model_item[r.item as usize] {
                rows_by_user.entry(r.user).or_default().push(m);
            }
        }
        let map = |items: &[u32]| -> Vec<u32> {
            items
                .iter()
                .filter_map(|&i| model_item[i as usize])
                .collect()
        };
        let remap = |users: &[HeldOutUser]| -> Vec<HeldOutUser> {
            users.iter().filter_map(|u| u.remapped(map)).collect()
        };
        Self {
            catalogue_bytes: page::catalogue_bytes(dataset, &items, &rating_counts),
            rating_counts,
            train_rows: rows_by_user.into_values().collect(),
            validation: remap(&split.validation),
            test: remap(&split.test),
            items,
        }
    }

    /// The same task with every held-out user's liked movies added to the training rows: what
    /// a model is refit on once its settings are chosen. The validation and test users stay for
    /// the models that look at them, but a refit model's figures on them would mean nothing.
    pub fn everyone(&self) -> NewUserTask {
        let mut train_rows = self.train_rows.clone();
        for user in self.validation.iter().chain(&self.test) {
            let mut row: Vec<u32> = user.fold_in.iter().chain(&user.target).copied().collect();
            row.sort_unstable();
            row.dedup();
            train_rows.push(row);
        }
        NewUserTask {
            items: self.items.clone(),
            catalogue_bytes: self.catalogue_bytes,
            rating_counts: self.rating_counts.clone(),
            train_rows,
            validation: self.validation.clone(),
            test: self.test.clone(),
        }
    }
}

/// Movies liked by at least `min_item_users` training users, with their like counts, the most
/// liked first (ties in dataset order): the candidates for a new-user model's catalogue.
pub fn liked_movies(split: &StrongSplit, n_items: usize, min_item_users: usize) -> Vec<(u32, u32)> {
    let mut likes = vec![0u32; n_items];
    for r in &split.train {
        likes[r.item as usize] += 1;
    }
    let mut liked: Vec<(u32, u32)> = (0..n_items as u32)
        .map(|i| (i, likes[i as usize]))
        .filter(|&(_, n)| n as usize >= min_item_users.max(1))
        .collect();
    liked.sort_by_key(|&(i, n)| (std::cmp::Reverse(n), i));
    liked
}
