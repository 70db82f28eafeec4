//! Evaluation protocols and their metrics.
//!
//! The fold-in model is evaluated through `shared::Recommender`, the code the page runs, so the
//! figures describe what a visitor gets, quantisation included.

use crate::data::Rating;
use crate::data::split::HeldOutUser;
use crate::metrics::{self, Accumulator};
use rayon::prelude::*;
use std::collections::HashSet;

/// Ranking metrics over held-out users; `score` maps fold-in items to one score per item.
/// Fold-in items are never ranked. Recall@K is normalised by min(K, |target|) as in Liang et al.
pub fn heldout_metrics(
    users: &[HeldOutUser],
    score: impl Fn(&[u32]) -> Vec<f32> + Sync,
) -> Vec<(String, f64)> {
    heldout_metrics_ranked(users, |u| {
        metrics::top_k(&score(&u.fold_in), 100, &u.fold_in)
    })
}

/// [`heldout_metrics`] of the top 100 `rank` gives each user (fold-in items never among them).
pub fn heldout_metrics_ranked(
    users: &[HeldOutUser],
    rank: impl Fn(&HeldOutUser) -> Vec<u32> + Sync,
) -> Vec<(String, f64)> {
    let per_user: Vec<Accumulator> = users
        .par_iter()
        .map(|u| {
            let ranked = rank(u);
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
