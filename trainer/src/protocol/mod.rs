//! The new-user protocol (strong generalization, Liang et al. 2018): which ratings are likes,
//! which users are held out for validation and test, and which movies a model carries: the most
//! liked that fit the page's file budget ([`page`]). Every new-user model is fitted and measured
//! on the same [`NewUserTask`].

pub mod page;

use crate::data::split::{self, HeldOutUser, StrongSplit};
use crate::data::{Dataset, DatasetName, Rating};
use anyhow::{Result, bail};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use std::collections::HashSet;
use std::fmt;

/// Ratings at or above this are "liked" in the new-user protocol: the stars from which the page
/// counts a rating as a like.
pub const POSITIVE_THRESHOLD: f32 = shared::stars::HIGH_STARS;
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

/// What a held-out user hands over: `k` of their liked movies, as a visitor picks a few, or the
/// protocol's usual 80%.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Given {
    Picks(usize),
    MostOfHistory,
}

impl fmt::Display for Given {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Given::Picks(k) => write!(f, "{k}"),
            Given::MostOfHistory => write!(f, "80%"),
        }
    }
}

/// `user` as a visitor who gives `given` of their likes (drawn at random, seeded by `seed` and
/// the user), the rest held back to predict; `None` when they have no like left to predict.
pub fn visitor(user: &HeldOutUser, given: Given, seed: u64) -> Option<HeldOutUser> {
    let (fold_in, target) = match given {
        Given::MostOfHistory => (user.fold_in.clone(), user.target.clone()),
        Given::Picks(k) => {
            let mut likes: Vec<u32> = user.fold_in.iter().chain(&user.target).copied().collect();
            if likes.len() <= k {
                return None;
            }
            likes.sort_unstable();
            let mut rng = StdRng::seed_from_u64(seed ^ (u64::from(user.user) << 20) ^ k as u64);
            likes.shuffle(&mut rng);
            let (picks, rest) = likes.split_at(k);
            let (mut picks, mut rest) = (picks.to_vec(), rest.to_vec());
            picks.sort_unstable();
            rest.sort_unstable();
            (picks, rest)
        }
    };
    Some(HeldOutUser {
        user: user.user,
        fold_in,
        target,
        disliked: Vec::new(),
    })
}

/// What the page's model is tuned for: visitors giving 1, 3, 5 or 10 liked movies, and a
/// visitor handing over a long history (an import) as the usual 80% does. On three tuning draws
/// of ml-latest-small (seeds 100–102, `trainer visitors`), tuning for 3 to 10 picks alone left
/// 80% at 0.90× EASE's NDCG@100; with 80%, 0.94×, for −0.3% at 3 to 10 picks. Adding one pick
/// (a visitor's first click), once the page's model had its residual neighbours, moved one pick
/// from 0.97× to 1.03× EASE on those draws (ml-100k 0.99× to 1.01×), three picks of two-taste
/// users from 0.93× to 0.97× (0.98× to 0.99×), and 80% from 0.94× to 0.92× (0.94× to 0.92×).
pub const TUNING_GIVENS: [Given; 5] = [
    Given::Picks(1),
    Given::Picks(3),
    Given::Picks(5),
    Given::Picks(10),
    Given::MostOfHistory,
];

/// Validation users every way of [`TUNING_GIVENS`] keeps when there are more than enough:
/// 2,500 put one standard error of NDCG@100 near 0.004.
pub const TUNING_USERS_PER_GIVEN: usize = 2_500;

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
    /// Bytes per movie the file holds beside the catalogue and the embeddings (the stars).
    pub other_bytes_per_movie: u64,
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
    /// The seed the held-out users were drawn with; visitors' picks are drawn with it too.
    pub seed: u64,
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
        let carried = settings.max_movies.unwrap_or_else(|| {
            page::affordable_movies(
                settings.page_budget,
                dataset,
                &liked,
                settings.other_bytes_per_movie,
            )
        });
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
        let task = Self::new(&split, ratings, dataset, &movies, settings.seed);
        if task.items.is_empty() || task.validation.is_empty() || task.test.is_empty() {
            let mut causes = Vec::new();
            if ratings.len() < dataset.ratings.len() {
                causes.push("the users kept out (--exclude-users) leave too few".to_string());
            }
            if let Some(n) = settings.max_movies.filter(|&n| n < liked.len()) {
                causes.push(format!(
                    "--max-movies {n} keeps too few movies for held-out users to have liked ones both to fold in and to predict: raise it"
                ));
            }
            bail!(
                "{}: too few users with 5+ ratings ≥ {POSITIVE_THRESHOLD} for the held-out protocol: {} of them, {} training users, {} validation and {} test users with liked movies both to fold in and to predict{}",
                dataset.name,
                split.eligible_users,
                task.train_rows.len(),
                task.validation.len(),
                task.test.len(),
                if causes.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", causes.join("; "))
                }
            );
        }
        if split.drawn_per_set < settings.heldout_users {
            eprintln!(
                "warning: {}: {} held-out users asked for (--heldout-users) is more than a third of the {} users with 5+ ratings ≥ {POSITIVE_THRESHOLD}; {} are held out for validation and {} for test",
                dataset.name,
                settings.heldout_users,
                split.eligible_users,
                split.drawn_per_set,
                split.drawn_per_set
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
    fn new(
        split: &StrongSplit,
        all_ratings: &[Rating],
        dataset: &Dataset,
        movies: &[u32],
        seed: u64,
    ) -> Self {
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
            seed,
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
            seed: self.seed,
        }
    }

    /// The validation users as the page meets them: for every way of [`TUNING_GIVENS`], each
    /// user (a number of picks only when they have more likes than that). Past
    /// [`TUNING_USERS_PER_GIVEN`] users, each way takes its share of them only, so tuning
    /// scores no more rows than there are validation users.
    pub fn visitor_validation(&self) -> Vec<HeldOutUser> {
        self.as_visitors(&self.validation)
    }

    /// The test users as the page meets them, as [`Self::visitor_validation`] takes the
    /// validation users.
    pub fn visitor_test(&self) -> Vec<HeldOutUser> {
        self.as_visitors(&self.test)
    }

    /// `held_out` as visitors, every way of [`TUNING_GIVENS`] taking its slice of them.
    fn as_visitors(&self, held_out: &[HeldOutUser]) -> Vec<HeldOutUser> {
        let per_given = held_out
            .len()
            .div_ceil(TUNING_GIVENS.len())
            .max(TUNING_USERS_PER_GIVEN);
        TUNING_GIVENS
            .iter()
            .enumerate()
            .flat_map(|(n, &given)| {
                // The users are in a random order: each way takes the next slice, round the end.
                let users = held_out.iter().cycle().skip(n * per_given);
                users
                    .take(per_given.min(held_out.len()))
                    .filter_map(move |u| visitor(u, given, self.seed))
            })
            .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitor_gives_k_likes_and_is_measured_on_the_rest() {
        let user = HeldOutUser {
            user: 7,
            fold_in: vec![1, 3, 5, 7, 9, 11, 13, 15],
            target: vec![2, 4],
            disliked: vec![6],
        };
        let visitor_of = |k| visitor(&user, Given::Picks(k), 42).unwrap();
        let three = visitor_of(3);
        assert_eq!(three.fold_in.len(), 3);
        assert_eq!(three.target.len(), 7);
        let mut all: Vec<u32> = three.fold_in.iter().chain(&three.target).copied().collect();
        all.sort_unstable();
        assert_eq!(all, [1, 2, 3, 4, 5, 7, 9, 11, 13, 15]);
        assert_eq!(visitor_of(3), three, "the same seed draws the same picks");
        assert!(
            visitor(&user, Given::Picks(10), 42).is_none(),
            "nothing left to predict"
        );
        let most = visitor(&user, Given::MostOfHistory, 42).unwrap();
        assert_eq!((most.fold_in, most.target), (user.fold_in, user.target));
    }

    #[test]
    fn tuning_meets_each_validation_user_as_each_visitor() {
        let user = |id: u32| HeldOutUser {
            user: id,
            fold_in: vec![0, 1, 2, 3, 4],
            target: vec![5],
            disliked: Vec::new(),
        };
        let task = NewUserTask {
            items: (0..6).collect(),
            catalogue_bytes: 0,
            rating_counts: vec![1; 6],
            train_rows: Vec::new(),
            validation: vec![user(1), user(2), user(3)],
            test: Vec::new(),
            seed: 9,
        };
        let rows = task.visitor_validation();
        let picks: Vec<usize> = rows.iter().map(|u| u.fold_in.len()).collect();
        // 1, 3 and 5 picks each, none with 10 (six likes leave nothing to predict), then 80%.
        assert_eq!(picks, [1, 1, 1, 3, 3, 3, 5, 5, 5, 5, 5, 5]);
    }
}
