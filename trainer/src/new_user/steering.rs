//! The model file's steering settings ([`shared::Steering`]), chosen on validation users and
//! measured on test users through `shared::Recommender`, as the page applies them:
//! - "Not for me": each held-out user's dislikes (rated ≤ 2) are split in two; one half is fed
//!   as dislikes, the other is watched: how many of those land in the top 100 ("Disliked@100")
//!   says whether the movies like the fed ones were pushed down. NDCG@100 on the liked targets
//!   says what that costs.
//! - The familiar ↔ discover slider: NDCG@100 against catalogue coverage and novelty at each
//!   step; the default is the step with the best validation NDCG@100.
//! - Few picks: how much more familiar a list of one, three, … picks is
//!   ([`shared::Steering::few_picks`]), chosen on validation users given a visitor's few picks
//!   (and 80%, as the page's model is tuned: [`crate::protocol::TUNING_GIVENS`]).
//! - Reasons: each movie's neighbour floor, the score of its 50th strongest neighbour when it
//!   alone is picked (see [`shared::Steering::neighbour_floors`]): a liked movie is named only
//!   for the movies it drives that strongly.

use crate::data::split::HeldOutUser;
use crate::metrics::{self, mean_se};
use rayon::prelude::*;
use shared::{POPULARITY_STEPS, Recommender, Steer, Steering};
use std::collections::HashSet;
use std::fmt::Write;

/// Dislike weights tried on validation users (score standard deviations per unit of cosine by
/// which a movie is closer to a dislike than to any like).
pub const DISLIKE_WEIGHTS: [f32; 7] = [0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0];
/// Few-picks familiarities tried on validation visitors (slider steps taken off one pick's list).
/// On three tuning draws of ml-latest-small and ml-100k (seeds 100–102), 1.5 to 2 did best.
pub const FEW_PICKS: [f32; 6] = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0];
/// Calibration weights tried on validation visitors (λ of `shared::calibrate`).
pub const CALIBRATIONS: [f32; 6] = [0.0, 0.2, 0.4, 0.6, 0.8, 0.9];
/// A validation loss of NDCG@100 smaller than this is no loss: within noise far below one
/// standard error, and the price of a "Not for me" that does something.
const NDCG_TOLERANCE: f64 = 0.002;

/// How many recommendations coverage and novelty look at.
const LIST_LENGTH: usize = 20;

/// One user's figures under one setting.
#[derive(Clone, Default)]
struct UserFigures {
    ndcg: f64,
    /// Share of the watched dislikes in the top 100; None without any.
    disliked_hit: Option<f64>,
    /// The first [`LIST_LENGTH`] of the ranking: the list the user would see.
    list: Vec<u32>,
}

/// A user's dislikes split into those fed to the model and those watched.
fn fed_and_watched(user: &HeldOutUser) -> (Vec<usize>, HashSet<u32>) {
    let fed = user
        .disliked
        .iter()
        .step_by(2)
        .map(|&i| i as usize)
        .collect();
    let watched = user.disliked.iter().skip(1).step_by(2).copied().collect();
    (fed, watched)
}

/// Every steering setting off: scores alone.
const PLAIN: Steer<'static> = Steer {
    disliked: &[],
    dislike_weight: 0.0,
    popularity_step: 0.0,
    few_picks: 0.0,
    calibration: 0.0,
};

/// Per-user NDCG@100 and Disliked@100 with `setting`, each user's fed dislikes its `disliked`
/// when `feed_dislikes`.
fn per_user(
    recommender: &Recommender,
    users: &[HeldOutUser],
    feed_dislikes: bool,
    setting: Steer<'static>,
) -> Vec<UserFigures> {
    users
        .par_iter()
        .map(|user| {
            let (fed, watched) = fed_and_watched(user);
            let fed: &[usize] = if feed_dislikes { &fed } else { &[] };
            let steer = Steer {
                disliked: fed,
                ..setting
            };
            let hidden: Vec<u32> = fed.iter().map(|&i| i as u32).collect();
            let ranked = super::page_ranking(recommender, steer, &user.fold_in, &hidden);
            let relevant: HashSet<u32> = user.target.iter().copied().collect();
            let disliked_hit = (!watched.is_empty()).then(|| {
                ranked.iter().filter(|i| watched.contains(i)).count() as f64 / watched.len() as f64
            });
            UserFigures {
                ndcg: metrics::ndcg_at_k(&ranked, &relevant, 100),
                disliked_hit,
                list: ranked.iter().take(LIST_LENGTH).copied().collect(),
            }
        })
        .collect()
}

/// Chooses the steering of `recommender` on `validation` users (its own steering is ignored):
/// the slider's default is the step with the best NDCG@100; the dislike weight is the largest
/// whose NDCG@100 with dislikes fed is within [`NDCG_TOLERANCE`] of hiding them only; the
/// few-picks familiarity the one with the best NDCG@100 on `visitors` (the validation users as
/// visitors, see [`crate::protocol::NewUserTask::visitor_validation`]), and the calibration the
/// largest whose NDCG@100 on them is within [`NDCG_TOLERANCE`] of none.
pub fn choose(
    recommender: &Recommender,
    validation: &[HeldOutUser],
    visitors: &[HeldOutUser],
) -> Steering {
    let ndcg = |users, feed, setting| {
        mean_se(
            per_user(recommender, users, feed, setting)
                .iter()
                .map(|f| f.ndcg),
        )
        .0
    };
    let by_step: Vec<f64> = POPULARITY_STEPS
        .iter()
        .map(|&popularity_step| {
            let setting = Steer {
                popularity_step,
                ..PLAIN
            };
            ndcg(validation, false, setting)
        })
        .collect();
    let default_popularity = first_best(&by_step);
    let step = POPULARITY_STEPS[default_popularity];
    let stepped = Steer {
        popularity_step: step,
        ..PLAIN
    };
    let by_weight: Vec<f64> = DISLIKE_WEIGHTS
        .iter()
        .map(|&dislike_weight| {
            let setting = Steer {
                dislike_weight,
                ..stepped
            };
            ndcg(validation, true, setting)
        })
        .collect();
    let dislike_weight = largest_within_tolerance(&DISLIKE_WEIGHTS, &by_weight);
    let by_few_picks: Vec<f64> = FEW_PICKS
        .iter()
        .map(|&few_picks| {
            ndcg(
                visitors,
                false,
                Steer {
                    few_picks,
                    ..stepped
                },
            )
        })
        .collect();
    let few_picks = FEW_PICKS[first_best(&by_few_picks)];
    let by_calibration: Vec<f64> = CALIBRATIONS
        .iter()
        .map(|&calibration| {
            let setting = Steer {
                few_picks,
                calibration,
                ..stepped
            };
            ndcg(visitors, false, setting)
        })
        .collect();
    let calibration = largest_within_tolerance(&CALIBRATIONS, &by_calibration);
    let listed = |values: &[f64]| {
        values
            .iter()
            .map(|v| format!("{v:.4}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    eprintln!(
        "Steering chosen on {} validation users: popularity step {step} (NDCG@100 by step: {}), dislike weight {dislike_weight} (NDCG@100 by weight {DISLIKE_WEIGHTS:?}: {}), few-picks familiarity {few_picks} on {} visitors (NDCG@100 by value {FEW_PICKS:?}: {}), calibration {calibration} (NDCG@100 by value {CALIBRATIONS:?}: {})",
        validation.len(),
        listed(&by_step),
        listed(&by_weight),
        visitors.len(),
        listed(&by_few_picks),
        listed(&by_calibration),
    );
    Steering {
        dislike_weight,
        default_popularity,
        neighbour_floors: neighbour_floors(recommender),
        few_picks,
        calibration,
    }
}

/// The index of the best of `ndcg` (the first of equals; 0 when empty).
fn first_best(ndcg: &[f64]) -> usize {
    (0..ndcg.len())
        .max_by(|&a, &b| ndcg[a].total_cmp(&ndcg[b]).then(b.cmp(&a)))
        .unwrap_or(0)
}

/// The largest of `values` whose NDCG@100 (`ndcg`, the first for the setting that does nothing)
/// is within [`NDCG_TOLERANCE`] of the first's: as much of the setting as costs nothing.
fn largest_within_tolerance(values: &[f32], ndcg: &[f64]) -> f32 {
    values
        .iter()
        .zip(ndcg)
        .filter(|&(_, &v)| v >= ndcg[0] - NDCG_TOLERANCE)
        .map(|(&w, _)| w)
        .fold(0.0, f32::max)
}

/// Every movie's neighbour floor (see [`Recommender::neighbour_floor`]), the catalogue scored once
/// per movie, in parallel.
pub fn neighbour_floors(recommender: &Recommender) -> Vec<f32> {
    (0..recommender.catalog.len())
        .into_par_iter()
        .map(|movie| recommender.neighbour_floor(movie))
        .collect()
}

/// What the steering does on `users` (test users): a markdown table for the run's output, and
/// the headline figures for the model file.
pub struct SteeringReport {
    pub table: String,
    pub metrics: Vec<(String, f64)>,
}

/// Measures `recommender`'s steering on `users`; `train_users` is the count the movies'
/// popularity was taken from (for novelty).
pub fn measure(
    recommender: &Recommender,
    users: &[HeldOutUser],
    train_users: usize,
) -> SteeringReport {
    let steering = &recommender.steering;
    let default_step = POPULARITY_STEPS[steering.default_popularity];
    // The page's own steering: at its default step, with its dislike weight.
    let page = recommender.steer(&[], steering.default_popularity);
    let mut table = String::new();
    let _ = writeln!(
        table,
        "Familiar ↔ discover on {} test users (default: step {default_step}, chosen on validation users):\n\n| step | NDCG@100 | Coverage@20 | Novelty@20 (bits) |\n|---|---|---|---|",
        users.len()
    );
    let mut metrics = Vec::new();
    let n_movies = recommender.catalog.len();
    let novelty_of: Vec<f64> = recommender
        .catalog
        .movies
        .iter()
        .map(|m| -((m.rating_count.max(1) as f64) / train_users.max(1) as f64).log2())
        .collect();
    for &step in &POPULARITY_STEPS {
        let setting = Steer {
            popularity_step: step,
            ..page
        };
        let figures = per_user(recommender, users, false, setting);
        let (ndcg, se) = mean_se(figures.iter().map(|f| f.ndcg));
        let listed = || figures.iter().flat_map(|f| f.list.iter().copied());
        let covered: HashSet<u32> = listed().collect();
        let coverage = covered.len() as f64 / n_movies as f64;
        let (novelty, _) = mean_se(listed().map(|i| novelty_of[i as usize]));
        let _ = writeln!(
            table,
            "| {step}{} | {ndcg:.4} ± {se:.4} | {coverage:.3} | {novelty:.2} |",
            if step == default_step {
                " (default)"
            } else {
                ""
            }
        );
        if step == default_step {
            metrics.push(("Coverage@20".to_string(), coverage));
            metrics.push(("Novelty@20".to_string(), novelty));
        }
    }
    let hide_only = per_user(
        recommender,
        users,
        true,
        Steer {
            dislike_weight: 0.0,
            ..page
        },
    );
    let steered = per_user(recommender, users, true, page);
    let (ndcg_hide, _) = mean_se(hide_only.iter().map(|f| f.ndcg));
    let (ndcg_steer, _) = mean_se(steered.iter().map(|f| f.ndcg));
    let (ndcg_diff, ndcg_diff_se) =
        mean_se(steered.iter().zip(&hide_only).map(|(s, h)| s.ndcg - h.ndcg));
    let hits = |figures: &[UserFigures]| mean_se(figures.iter().filter_map(|f| f.disliked_hit));
    let ((hit_hide, _), (hit_steer, _)) = (hits(&hide_only), hits(&steered));
    let (hit_diff, hit_diff_se) = mean_se(
        steered
            .iter()
            .zip(&hide_only)
            .filter_map(|(s, h)| Some(s.disliked_hit? - h.disliked_hit?)),
    );
    let with_dislikes = hide_only
        .iter()
        .filter(|f| f.disliked_hit.is_some())
        .count();
    let _ = writeln!(
        table,
        "\n\"Not for me\" (weight {}) on the same users, half of each user's dislikes (rated ≤ 2) fed, the other half watched ({with_dislikes} users have both):\n\n| dislikes | NDCG@100 | Disliked@100 |\n|---|---|---|\n| hidden only | {ndcg_hide:.4} | {hit_hide:.4} |\n| steering | {ndcg_steer:.4} | {hit_steer:.4} |\n| difference | {ndcg_diff:+.4} ± {ndcg_diff_se:.4} | {hit_diff:+.4} ± {hit_diff_se:.4} |",
        steering.dislike_weight
    );
    metrics.push(("NDCG@100 with dislikes".to_string(), ndcg_steer));
    metrics.push(("Disliked@100 hidden only".to_string(), hit_hide));
    metrics.push(("Disliked@100 steered".to_string(), hit_steer));
    SteeringReport { table, metrics }
}
