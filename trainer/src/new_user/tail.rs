//! The catalogue's long tail for the page ([`shared::tail`]): every movie of the release that the
//! page's model does not carry, with the map that places it from its genres, decade and
//! popularity, fitted by ridge regression on the movies the model does carry.
//!
//! [`measure`] tells how well the map ranks the tail: the test users' liked tail movies against
//! the rest of the tail (an AUC), beside the tail ordered by popularity alone, and how much of
//! the page's top 10 the tail takes.

use crate::data::{Dataset, Rating};
use crate::protocol::{NewUserTask, POSITIVE_THRESHOLD, page};
use shared::tail::{TailFile, TailWeights, feature_count, features};
use shared::{ModelFile, Movie, POPULARITY_STEPS, QuantMatrix, Recommender};
use std::collections::HashSet;

/// The most test users [`measure`] scores (each three times): at ml-25m size all 9,907 took 38 s
/// of the training. The small releases hold fewer and are measured on all of them.
const MEASURED_USERS: usize = 1_000;

/// Ridge weights tried, relative to the number of movies the map is fitted on.
const RIDGE_GRID: [f64; 5] = [1e-4, 1e-3, 1e-2, 1e-1, 1.0];

/// The tail of `file`: each release movie it does not carry, with its rating count from
/// `counts` (one per release movie), and the map fitted on the file's own movies (ridge chosen on every fifth of
/// them, held out). The model checksum is left 0: the caller knows the final bytes.
pub fn fit(file: &ModelFile, dataset: &Dataset, counts: &[u32]) -> TailFile {
    let carried: HashSet<u32> = file.catalog.movies.iter().map(|m| m.id).collect();
    let tail: Vec<u32> = (0..dataset.n_items() as u32)
        .filter(|&i| !carried.contains(&dataset.movies[i as usize].id))
        .collect();
    let tail_counts: Vec<u32> = tail.iter().map(|&i| counts[i as usize]).collect();
    let movies = page::catalog(dataset, &tail, &tail_counts).movies;

    let genres = file.catalog.genre_names.len();
    let inputs = file.weights.input_embeddings.dequantize();
    let outputs = file.weights.output_embeddings.dequantize();
    let (input_dim, user_dim) = (
        file.weights.input_embeddings.cols,
        file.weights.output_embeddings.cols,
    );
    // Each carried movie's targets: input row, output row, bias, side by side.
    let width = input_dim + user_dim + 1;
    let targets: Vec<Vec<f64>> = (0..file.catalog.len())
        .map(|m| {
            let mut row: Vec<f64> = inputs[m * input_dim..(m + 1) * input_dim]
                .iter()
                .chain(&outputs[m * user_dim..(m + 1) * user_dim])
                .map(|&v| v as f64)
                .collect();
            row.push(file.weights.output_bias[m] as f64);
            row
        })
        .collect();
    let rows: Vec<Vec<(usize, f32)>> = (file.catalog.movies.iter())
        .map(|m| features(m, genres))
        .collect();
    let n_features = feature_count(genres);
    let fitted_on = |keep: &dyn Fn(usize) -> bool, ridge: f64| {
        let kept: Vec<usize> = (0..rows.len()).filter(|&m| keep(m)).collect();
        ridge_fit(
            &kept,
            &rows,
            &targets,
            n_features,
            width,
            ridge * kept.len() as f64,
        )
    };
    let held_out = |m: usize| m % 5 == 4;
    let ridge = RIDGE_GRID
        .into_iter()
        .map(|ridge| {
            let map = fitted_on(&|m| !held_out(m), ridge);
            let error: f64 = (0..rows.len())
                .filter(|&m| held_out(m))
                .map(|m| squared_error(&map, &rows[m], &targets[m], width))
                .sum();
            (ridge, error)
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(ridge, _)| ridge)
        .expect("the grid is not empty");
    let map = fitted_on(&|_| true, ridge);
    eprintln!(
        "The catalogue's tail: {} movies placed by genres, decade and popularity (ridge {ridge} per movie, chosen on every fifth of the {} carried movies)",
        movies.len(),
        rows.len()
    );
    let column = |from: usize, to: usize| -> Vec<f32> {
        map.iter()
            .flat_map(|row| row[from..to].iter().map(|&v| v as f32))
            .collect()
    };
    TailFile {
        model_checksum: 0,
        movies,
        weights: TailWeights {
            input: QuantMatrix::quantize(&column(0, input_dim), n_features, input_dim),
            output: QuantMatrix::quantize(
                &column(input_dim, input_dim + user_dim),
                n_features,
                user_dim,
            ),
            bias: column(input_dim + user_dim, width),
        },
    }
}

/// The ridge regression of `targets` on the sparse `rows` of the movies `kept`: the
/// `features x width` map `(XᵀX + ridge·I)⁻¹ XᵀY`.
fn ridge_fit(
    kept: &[usize],
    rows: &[Vec<(usize, f32)>],
    targets: &[Vec<f64>],
    features: usize,
    width: usize,
    ridge: f64,
) -> Vec<Vec<f64>> {
    let mut gram = vec![vec![0f64; features]; features];
    let mut cross = vec![vec![0f64; width]; features];
    for &m in kept {
        for &(i, xi) in &rows[m] {
            for &(j, xj) in &rows[m] {
                gram[i][j] += xi as f64 * xj as f64;
            }
            for (c, t) in cross[i].iter_mut().zip(&targets[m]) {
                *c += xi as f64 * t;
            }
        }
    }
    // Every feature shrunk but the intercept (feature 0), which carries the movies' mean row.
    for (i, row) in gram.iter_mut().enumerate() {
        row[i] += if i == 0 { 1e-9 } else { ridge.max(1e-9) };
    }
    solve_symmetric(gram, cross)
}

/// `A⁻¹ B` for a symmetric positive definite `A`, by Gaussian elimination (the system is a few
/// dozen features wide).
fn solve_symmetric(mut a: Vec<Vec<f64>>, mut b: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let n = a.len();
    // Forward elimination: zeros below each pivot.
    for k in 0..n {
        let (a_upper, a_lower) = a.split_at_mut(k + 1);
        let (b_upper, b_lower) = b.split_at_mut(k + 1);
        let (pivot_row, pivot_rhs) = (&a_upper[k], &b_upper[k]);
        for (row, rhs) in a_lower.iter_mut().zip(b_lower.iter_mut()) {
            let factor = row[k] / pivot_row[k];
            if factor == 0.0 {
                continue;
            }
            for (x, p) in row[k..].iter_mut().zip(&pivot_row[k..]) {
                *x -= factor * p;
            }
            for (x, y) in rhs.iter_mut().zip(pivot_rhs) {
                *x -= factor * y;
            }
        }
    }
    // Back substitution, from the last row up.
    for k in (0..n).rev() {
        let (upper, solved) = b.split_at_mut(k + 1);
        let row = &mut upper[k];
        for (factor, below) in a[k][k + 1..].iter().zip(solved.iter()) {
            for (x, y) in row.iter_mut().zip(below) {
                *x -= factor * y;
            }
        }
        let pivot = a[k][k];
        row.iter_mut().for_each(|x| *x /= pivot);
    }
    b
}

fn squared_error(map: &[Vec<f64>], row: &[(usize, f32)], target: &[f64], width: usize) -> f64 {
    let mut predicted = vec![0f64; width];
    for &(f, x) in row {
        for (p, w) in predicted.iter_mut().zip(&map[f]) {
            *p += x as f64 * w;
        }
    }
    predicted
        .iter()
        .zip(target)
        .map(|(p, t)| (p - t).powi(2))
        .sum()
}

/// How the tail ranks for the test users: each user's liked tail movies (rated ≥
/// [`POSITIVE_THRESHOLD`]) against the rest of the tail, with their picks folded in, as an AUC
/// (0.5 is chance), the tail's own map beside popularity alone. `recommender` has the tail
/// attached, fitted on counts of the training users only. On the first [`MEASURED_USERS`] test
/// users; mean over those with a liked tail movie (no AUC without one), their count.
pub fn measure(
    recommender: &Recommender,
    carried: usize,
    task: &NewUserTask,
    dataset: &Dataset,
    ratings: &[Rating],
) -> Vec<(String, f64)> {
    // The held-out users are drawn at random: their first ones are a random sample.
    let measured = &task.test[..task.test.len().min(MEASURED_USERS)];
    let test_users: HashSet<u32> = measured.iter().map(|u| u.user).collect();
    let mut liked: std::collections::HashMap<u32, Vec<usize>> = Default::default();
    for rating in ratings {
        if rating.rating >= POSITIVE_THRESHOLD && test_users.contains(&rating.user) {
            let id = dataset.movies[rating.item as usize].id;
            if let Some(index) = recommender.catalog.index_of(id).filter(|&i| i >= carried) {
                liked.entry(rating.user).or_default().push(index);
            }
        }
    }
    let popularity: Vec<f32> = (recommender.catalog.movies[carried..].iter())
        .map(|m: &Movie| m.rating_count as f32)
        .collect();
    let (mut page_auc, mut popularity_auc, mut users) = (0f64, 0f64, 0usize);
    for user in measured {
        let Some(targets) = liked.get(&user.user) else {
            continue;
        };
        let picks: Vec<usize> = user.fold_in.iter().map(|&i| i as usize).collect();
        let scores = recommender.scores(&picks);
        let tail_targets: Vec<usize> = targets.iter().map(|&t| t - carried).collect();
        page_auc += auc(&scores[carried..], &tail_targets);
        popularity_auc += auc(&popularity, &tail_targets);
        users += 1;
    }
    // How much of the list the tail takes, as the page shows it: at the slider's default and at
    // its discover end.
    let tail_share = |step: usize| {
        let steer = recommender.steer(&[], step);
        let in_top_ten: usize = (measured.iter())
            .map(|user| {
                let top = super::page_ranking(recommender, steer, &user.fold_in, &[]);
                top.iter()
                    .take(10)
                    .filter(|&&i| i as usize >= carried)
                    .count()
            })
            .sum();
        in_top_ten as f64 / (10 * measured.len().max(1)) as f64
    };
    let mut metrics = Vec::new();
    if users > 0 {
        metrics.extend([
            ("tail AUC".to_string(), page_auc / users as f64),
            (
                "tail AUC by popularity".into(),
                popularity_auc / users as f64,
            ),
        ]);
    }
    metrics.extend([
        ("tail test users".into(), users as f64),
        (
            "tail share of the top 10".into(),
            tail_share(recommender.steering.default_popularity),
        ),
        (
            "tail share of the top 10, discover end".into(),
            tail_share(POPULARITY_STEPS.len() - 1),
        ),
    ]);
    metrics
}

/// The share of (target, other) pairs the scores order right, ties counting half.
fn auc(scores: &[f32], targets: &[usize]) -> f64 {
    let is_target: HashSet<usize> = targets.iter().copied().collect();
    let others: Vec<f32> = (0..scores.len())
        .filter(|i| !is_target.contains(i))
        .map(|i| scores[i])
        .collect();
    if others.is_empty() || is_target.is_empty() {
        return 0.5;
    }
    let mut sorted = others.clone();
    sorted.sort_by(f32::total_cmp);
    let mut right = 0f64;
    for &t in &is_target {
        let score = scores[t];
        let below = sorted.partition_point(|&s| s < score);
        let equal = sorted[below..].partition_point(|&s| s <= score);
        right += below as f64 + equal as f64 / 2.0;
    }
    right / (is_target.len() * others.len()) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ridge_recovers_a_linear_map_and_auc_counts_pairs() {
        // Targets exactly 2·x₀ − x₁ over three features: a small ridge recovers it.
        let rows: Vec<Vec<(usize, f32)>> = (0..20)
            .map(|m| vec![(0, 1.0), (1, m as f32 / 10.0), (2, (m % 3) as f32)])
            .collect();
        let targets: Vec<Vec<f64>> = rows
            .iter()
            .map(|r| vec![2.0 * r[0].1 as f64 - r[1].1 as f64])
            .collect();
        let kept: Vec<usize> = (0..20).collect();
        let map = ridge_fit(&kept, &rows, &targets, 3, 1, 1e-9);
        for (got, want) in map.iter().map(|r| r[0]).zip([2.0, -1.0, 0.0]) {
            assert!((got - want).abs() < 1e-6, "{map:?}");
        }
        assert_eq!(auc(&[0.1, 0.9, 0.5], &[1]), 1.0);
        assert_eq!(auc(&[0.1, 0.9, 0.5], &[0]), 0.0);
        assert_eq!(auc(&[0.5, 0.5, 0.1], &[0]), 0.75);
    }
}
