//! Evaluation protocols and their metrics.
//!
//! The fold-in model is evaluated through `shared::Recommender`, the code the page runs, so the
//! figures describe what a visitor gets, quantisation included.

use crate::data::Rating;
use crate::data::split::{HeldOutUser, StrongSplit};
use crate::metrics::{self, Accumulator};
use rayon::prelude::*;
use std::collections::HashSet;

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

/// The strong-generalization task in the fold-in model's own item numbering.
///
/// The model's catalogue is the movies it is given (see [`liked_movies`]), in dataset order;
/// held-out users keep only those movies, and users left with nothing to fold in or to predict
/// are dropped. Every model compared on this task sees the same items and users.
pub struct FoldInTask {
    /// Model item → dataset item.
    pub items: Vec<u32>,
    /// Number of training ratings (any value) of each model item: its popularity.
    pub rating_counts: Vec<u32>,
    /// Each training user's liked model items.
    pub train_rows: Vec<Vec<u32>>,
    pub validation: Vec<HeldOutUser>,
    pub test: Vec<HeldOutUser>,
}

impl FoldInTask {
    /// `all_ratings` are every rating of the training users (for popularity counts); `movies`
    /// the dataset movies the model covers.
    pub fn new(
        split: &StrongSplit,
        all_ratings: &[Rating],
        n_items: usize,
        movies: &[u32],
    ) -> Self {
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
            rating_counts,
            train_rows: rows_by_user.into_values().collect(),
            validation: remap(&split.validation),
            test: remap(&split.test),
            items,
        }
    }
}

impl FoldInTask {
    /// The same task with every held-out user's liked movies added to the training rows: what
    /// a model is refit on once its settings are chosen. The validation and test users stay for
    /// the models that look at them, but a refit model's figures on them would mean nothing.
    pub fn everyone(&self) -> FoldInTask {
        let mut train_rows = self.train_rows.clone();
        for user in self.validation.iter().chain(&self.test) {
            let mut row: Vec<u32> = user.fold_in.iter().chain(&user.target).copied().collect();
            row.sort_unstable();
            row.dedup();
            train_rows.push(row);
        }
        FoldInTask {
            items: self.items.clone(),
            rating_counts: self.rating_counts.clone(),
            train_rows,
            validation: self.validation.clone(),
            test: self.test.clone(),
        }
    }
}

/// Ranking metrics over held-out users; `score` maps fold-in items to one score per item.
/// Fold-in items are never ranked. Recall@K is normalised by min(K, |target|) as in Liang et al.
pub fn heldout_metrics(
    users: &[HeldOutUser],
    score: impl Fn(&[u32]) -> Vec<f32> + Sync,
) -> Vec<(String, f64)> {
    let per_user: Vec<Accumulator> = users
        .par_iter()
        .map(|u| {
            let ranked = metrics::top_k(&score(&u.fold_in), 100, &u.fold_in);
            let relevant: HashSet<u32> = u.target.iter().copied().collect();
            let mut acc = Accumulator::new();
            acc.add(
                "Recall@20",
                metrics::recall_at_k_liang(&ranked, &relevant, 20),
            );
            acc.add(
                "Recall@50",
                metrics::recall_at_k_liang(&ranked, &relevant, 50),
            );
            acc.add("NDCG@100", metrics::ndcg_at_k(&ranked, &relevant, 100));
            acc.add(
                "Precision@10",
                metrics::precision_at_k(&ranked, &relevant, 10),
            );
            acc.add("NDCG@10", metrics::ndcg_at_k(&ranked, &relevant, 10));
            acc.add("HR@10", metrics::hit_rate_at_k(&ranked, &relevant, 10));
            acc.add("MRR", metrics::mrr(&ranked, &relevant));
            acc
        })
        .collect();
    let mut total = Accumulator::new();
    for acc in &per_user {
        total.merge(acc);
    }
    total.means()
}

/// NDCG@100 alone, for validation during training and λ tuning.
pub fn ndcg_at_100(users: &[HeldOutUser], score: impl Fn(&[u32]) -> Vec<f32> + Sync) -> f64 {
    ndcg_at_100_by_user(users, |k| score(&users[k].fold_in))
}

/// NDCG@100 with the scores of the `k`-th user given by `score(k)`.
pub fn ndcg_at_100_by_user(users: &[HeldOutUser], score: impl Fn(usize) -> Vec<f32> + Sync) -> f64 {
    // Collected, then summed in user order: the same total on every run (a parallel sum's
    // order depends on the threads, and a choice between close settings could flip with it).
    let per_user: Vec<f64> = users
        .par_iter()
        .enumerate()
        .map(|(k, u)| {
            let ranked = metrics::top_k(&score(k), 100, &u.fold_in);
            let relevant: HashSet<u32> = u.target.iter().copied().collect();
            metrics::ndcg_at_k(&ranked, &relevant, 100)
        })
        .collect();
    let sum: f64 = per_user.iter().sum();
    if users.is_empty() {
        0.0
    } else {
        sum / users.len() as f64
    }
}

/// RMSE, MAE and R² of predicted ratings.
pub fn rating_metrics(pred: &[f32], truth: &[f32]) -> Vec<(String, f64)> {
    vec![
        ("RMSE".into(), metrics::rmse(pred, truth)),
        ("MAE".into(), metrics::mae(pred, truth)),
        ("R2".into(), metrics::r2(pred, truth)),
    ]
}

/// The NCF protocol: each test user's held-out item ranked among `negatives` sampled items the
/// user never rated; HR@10 and NDCG@10.
pub fn sampled_metrics(
    test: &[Rating],
    negatives: &[Vec<u32>],
    score: impl Fn(u32, &[u32]) -> Vec<f32>,
) -> Vec<(String, f64)> {
    let per_user: Vec<(f64, f64)> = test
        .iter()
        .zip(negatives)
        .map(|(r, negs)| {
            let mut candidates = vec![r.item];
            candidates.extend(negs);
            let scores = score(r.user, &candidates);
            let ranked: Vec<u32> = metrics::top_k(&scores, 10, &[])
                .into_iter()
                .map(|c| candidates[c as usize])
                .collect();
            let relevant = HashSet::from([r.item]);
            (
                metrics::hit_rate_at_k(&ranked, &relevant, 10),
                metrics::ndcg_at_k(&ranked, &relevant, 10),
            )
        })
        .collect();
    let n = per_user.len().max(1) as f64;
    vec![
        (
            "HR@10".into(),
            per_user.iter().map(|p| p.0).sum::<f64>() / n,
        ),
        (
            "NDCG@10".into(),
            per_user.iter().map(|p| p.1).sum::<f64>() / n,
        ),
    ]
}
