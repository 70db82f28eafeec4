//! The model file's steering settings ([`shared::Steering`]), chosen on validation users and
//! measured on test users through `shared::Recommender`, as the page applies them:
//! - "Not for me": each held-out user's dislikes (rated ≤ 2) are split in two; one half is fed
//!   as dislikes, the other is watched: how many of those land in the top 100 ("Disliked@100")
//!   says whether the movies like the fed ones were pushed down. NDCG@100 on the liked targets
//!   says what that costs.
//! - The familiar ↔ discover slider: NDCG@100 against catalogue coverage and novelty at each
//!   step; the default is the step up to the middle with the best validation NDCG@100, the
//!   discover end the nearest at which half of a validation visitor's top 10 changes
//!   ([`DISCOVER_ENDS`]).
//! - Few picks: how much more familiar a list of one, three, … picks is
//!   ([`shared::Steering::few_picks`]), chosen on validation users given a visitor's few picks
//!   (and 80%, as the page's model is tuned: [`crate::protocol::TUNING_GIVENS`]), and how much
//!   more when the picks point apart ([`shared::Steering::dispersed_picks`]), on the same users.
//! - Reasons: each movie's neighbour floor, the score of its 50th strongest neighbour when it
//!   alone is picked (see [`shared::Steering::neighbour_floors`]): a liked movie is named only
//!   for the movies it drives that strongly.

use crate::data::split::HeldOutUser;
use crate::metrics::{self, mean_se};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
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
/// Dispersed-picks familiarities tried on validation visitors once the few-picks one is chosen
/// (see [`shared::Steering::dispersed_picks`]): the largest within tolerance of none is taken, as
/// for calibration, since the visitors it serves (a mix of two tastes) are few among them. On
/// three tuning draws of ml-latest-small (seeds 100–102), 4 held throughout took the two-taste
/// visitors at 3 picks from 0.956× to 0.982× EASE's NDCG@100, every visitor at 3 picks from
/// 0.998× to 1.008×, 80% from 0.937× to 0.931×, for a validation loss of 0.0008 to 0.0019; 8
/// went further for the two tastes (0.993×) but cost the long tail and 5 and 10 picks, so it is
/// not tried.
pub const DISPERSED_PICKS: [f32; 3] = [0.0, 2.0, 4.0];
/// Calibration weights tried on validation visitors (λ of `shared::calibrate`). Not 0.9: no
/// draw of either real release chose it, each lost more than 0.01 of validation NDCG@100 there,
/// and a synthetic release's 74 visitors, too few to show its cost, took it and lost the taste
/// `trainer/tests/synthetic.rs` plants.
pub const CALIBRATIONS: [f32; 5] = [0.0, 0.2, 0.4, 0.6, 0.8];
/// The slider's discover ends tried on validation visitors (see [`shared::Steering::discover_end`]),
/// nearest first: the first at which surely [`DISCOVERED`] of a visitor's top 10 changes (the
/// mean less two standard errors) is taken, the last when none does. On ml-latest-small the
/// mean alone chose an end that changed 0.52 of the validation visitors' top 10 and 0.48 of the
/// test visitors'.
pub const DISCOVER_ENDS: [f32; 11] = [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0];
/// The share of a visitor's top 10 the discover end changes (issue 24: "at least half").
const DISCOVERED: f64 = 0.5;
/// Validation visitors the discover end is chosen on: one standard error of the share changed
/// is then about 0.01.
const DISCOVER_USERS: usize = 1_000;
/// A validation loss of NDCG@100 smaller than this is no loss: within noise far below one
/// standard error, and the price of a "Not for me" that does something. On a small release's
/// few validation users a loss within two standard errors (of the per-user difference) is no
/// loss either ([`largest_within_tolerance`]).
const NDCG_TOLERANCE: f64 = 0.002;

/// How many recommendations coverage and novelty look at.
const LIST_LENGTH: usize = 20;

/// One user's figures under one setting.
#[derive(Clone, Debug, Default)]
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
    dispersed_picks: 0.0,
    calibration: 0.0,
};

/// Each of `users`' figures under each of `settings`, `[setting][user]`: each user is scored
/// once (with their fed dislikes when `feed_dislikes`) and that scoring steered every way.
fn per_user(
    recommender: &Recommender,
    users: &[&HeldOutUser],
    feed_dislikes: bool,
    settings: &[Steer<'static>],
) -> Vec<Vec<UserFigures>> {
    let by_user: Vec<Vec<UserFigures>> = users
        .par_iter()
        .map(|user| {
            let (fed, watched) = fed_and_watched(user);
            let fed: &[usize] = if feed_dislikes { &fed } else { &[] };
            let picks: Vec<usize> = user.fold_in.iter().map(|&i| i as usize).collect();
            let candidates = super::shown_besides(recommender, picks.iter().chain(fed).copied());
            let scored = recommender.scored(&picks, fed);
            let relevant: HashSet<u32> = user.target.iter().copied().collect();
            settings
                .iter()
                .map(|&setting| {
                    let steer = Steer {
                        disliked: fed,
                        ..setting
                    };
                    let (ranked, _) =
                        recommender.ranked_scored(&scored, &picks, steer, candidates.clone(), 100);
                    let ranked: Vec<u32> = ranked.into_iter().map(|i| i as u32).collect();
                    let disliked_hit = (!watched.is_empty()).then(|| {
                        let hits = ranked.iter().filter(|i| watched.contains(i)).count();
                        hits as f64 / watched.len() as f64
                    });
                    UserFigures {
                        ndcg: metrics::ndcg_at_k(&ranked, &relevant, 100),
                        disliked_hit,
                        list: ranked.into_iter().take(LIST_LENGTH).collect(),
                    }
                })
                .collect()
        })
        .collect();
    (0..settings.len())
        .map(|k| by_user.iter().map(|figures| figures[k].clone()).collect())
        .collect()
}

/// Validation users are taken in blocks of this many, in a fixed random order, until the choice
/// among settings is sure enough (see [`TUNING_SE`]).
const TUNING_BLOCK: usize = 500;
/// Enough users when every setting's validation NDCG@100 is known, against the best setting's,
/// to this standard error of the per-user difference: half of [`NDCG_TOLERANCE`], below any
/// difference the choice cares about. A large release's thousands of validation users are more
/// than that needs; a small release's are all used.
const TUNING_SE: f64 = NDCG_TOLERANCE / 2.0;

/// Validation NDCG@100 of each of `settings`, user by user (`[setting][user]`), on as many of
/// `users` as the choice needs (blocks of [`TUNING_BLOCK`] until [`TUNING_SE`]).
fn validation_ndcg(
    recommender: &Recommender,
    users: &[HeldOutUser],
    feed_dislikes: bool,
    settings: &[Steer<'static>],
) -> Vec<Vec<f64>> {
    // Visitors come grouped by how many picks they give: mix them before taking blocks.
    let order = shuffled(users);
    let mut ndcg: Vec<Vec<f64>> = vec![Vec::new(); settings.len()];
    for block in order.chunks(TUNING_BLOCK) {
        for (all, figures) in
            ndcg.iter_mut()
                .zip(per_user(recommender, block, feed_dislikes, settings))
        {
            all.extend(figures.iter().map(|f| f.ndcg));
        }
        if sure_enough(&ndcg) {
            break;
        }
    }
    ndcg
}

/// Each setting's mean of per-user figures `[setting][user]`.
fn means(ndcg: &[Vec<f64>]) -> Vec<f64> {
    ndcg.iter().map(|v| mean_se(v.iter().copied()).0).collect()
}

/// `users` in a fixed random order.
fn shuffled(users: &[HeldOutUser]) -> Vec<&HeldOutUser> {
    let mut order: Vec<&HeldOutUser> = users.iter().collect();
    order.shuffle(&mut StdRng::seed_from_u64(ORDER_SEED));
    order
}

/// The seed of [`shuffled`]'s order.
const ORDER_SEED: u64 = 23;

/// The slider's and "Not for me"'s tables are measured on at most this many test users, a fixed
/// random sample: the standard error of their NDCG@100 is then about 0.003, below the
/// differences the tables show; a big release's ten thousand test users would take three
/// times as long to say the same. (Coverage@20 is over the lists of the users measured.)
const TABLE_USERS: usize = 3_000;

/// Whether every setting's per-user NDCG@100 (`ndcg[setting][user]`) differs from the best
/// setting's with a standard error of at most [`TUNING_SE`].
fn sure_enough(ndcg: &[Vec<f64>]) -> bool {
    let best = &ndcg[first_best(&means(ndcg))];
    ndcg.iter().all(|other| {
        let (_, se) = mean_se(best.iter().zip(other).map(|(b, o)| b - o));
        se <= TUNING_SE
    })
}

/// Chooses the steering of `recommender` on `validation` users (its own steering is ignored):
/// the slider's default is the step up to the middle ([`shared::steering::STRETCH_FROM`]) with
/// the best NDCG@100; the dislike weight is the largest
/// whose NDCG@100 with dislikes fed is within [`NDCG_TOLERANCE`] of hiding them only; the
/// few-picks familiarity the one with the best NDCG@100 on `visitors` (the validation users as
/// visitors, see [`crate::protocol::NewUserTask::visitor_validation`]), the dispersed-picks
/// familiarity and the calibration each the largest whose NDCG@100 on them is within
/// [`NDCG_TOLERANCE`] of none ([`largest_within_tolerance`]), and the discover end as [`DISCOVER_ENDS`] says. Each choice scores each user once, on as many
/// users as it needs ([`TUNING_SE`]).
pub fn choose(
    recommender: &Recommender,
    validation: &[HeldOutUser],
    visitors: &[HeldOutUser],
) -> Steering {
    // The default lies in the slider's balanced half: the positions past the middle are the
    // discovery the visitor asks for. (Re-ordering only the best candidates costs so little that
    // 80% users' validation NDCG@100 chose the discover end itself on two of five ml-100k draws.)
    // The positions up to the middle are a prefix: an index among them is a position.
    let plain_steps: Vec<f32> = (POPULARITY_STEPS.iter().copied())
        .take_while(|&step| step <= shared::steering::STRETCH_FROM)
        .collect();
    let steps = each_value(PLAIN, &plain_steps, |steer, step| {
        steer.popularity_step = step
    });
    let by_step = validation_ndcg(recommender, validation, false, &steps);
    let default_popularity = first_best(&means(&by_step));
    // The visitors' steering, each choice below added to it in turn (dislikes apart: the
    // visitors feed none).
    let mut chosen = steps[default_popularity];
    let weights = each_value(chosen, &DISLIKE_WEIGHTS, |steer, weight| {
        steer.dislike_weight = weight
    });
    let by_weight = validation_ndcg(recommender, validation, true, &weights);
    let dislike_weight = largest_within_tolerance(&DISLIKE_WEIGHTS, &by_weight);
    let familiarities = each_value(chosen, &FEW_PICKS, |steer, lean| steer.few_picks = lean);
    let by_few_picks = validation_ndcg(recommender, visitors, false, &familiarities);
    chosen.few_picks = FEW_PICKS[first_best(&means(&by_few_picks))];
    let dispersions = each_value(chosen, &DISPERSED_PICKS, |steer, lean| {
        steer.dispersed_picks = lean
    });
    let by_dispersion = validation_ndcg(recommender, visitors, false, &dispersions);
    chosen.dispersed_picks = largest_within_tolerance(&DISPERSED_PICKS, &by_dispersion);
    let calibrations = each_value(chosen, &CALIBRATIONS, |steer, weight| {
        steer.calibration = weight
    });
    let by_calibration = validation_ndcg(recommender, visitors, false, &calibrations);
    chosen.calibration = largest_within_tolerance(&CALIBRATIONS, &by_calibration);
    let (discover_end, changed) = choose_discover_end(recommender, visitors, chosen);
    let Steer {
        few_picks,
        dispersed_picks,
        calibration,
        ..
    } = chosen;
    let users = |ndcg: &[Vec<f64>]| ndcg.first().map_or(0, Vec::len);
    let (step_users, weight_users, few_picks_users, dispersion_users, calibration_users) = (
        users(&by_step),
        users(&by_weight),
        users(&by_few_picks),
        users(&by_dispersion),
        users(&by_calibration),
    );
    let listed = |ndcg: &[Vec<f64>]| {
        means(ndcg)
            .iter()
            .map(|v| format!("{v:.4}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    eprintln!(
        "Steering chosen on validation users: popularity step {} on {step_users} users (NDCG@100 by step: {}), dislike weight {dislike_weight} on {weight_users} (NDCG@100 by weight {DISLIKE_WEIGHTS:?}: {}), few-picks familiarity {few_picks} on {few_picks_users} visitors (NDCG@100 by value {FEW_PICKS:?}: {}), dispersed-picks familiarity {dispersed_picks} on {dispersion_users} visitors (NDCG@100 by value {DISPERSED_PICKS:?}: {}), calibration {calibration} on {calibration_users} (NDCG@100 by value {CALIBRATIONS:?}: {}), discover end {discover_end} (top 10 changed there by end {DISCOVER_ENDS:?}: {})",
        chosen.popularity_step,
        listed(&by_step),
        listed(&by_weight),
        listed(&by_few_picks),
        listed(&by_dispersion),
        listed(&by_calibration),
        changed
            .iter()
            .map(|c| format!("{c:.2}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    Steering {
        dislike_weight,
        default_popularity,
        neighbour_floors: neighbour_floors(recommender),
        few_picks,
        dispersed_picks,
        calibration,
        discover_end,
    }
}

/// `base` with one of its settings (the one `set` writes) at each of `values`, in order.
fn each_value<'a>(base: Steer<'a>, values: &[f32], set: fn(&mut Steer<'a>, f32)) -> Vec<Steer<'a>> {
    (values.iter())
        .map(|&value| {
            let mut steer = base;
            set(&mut steer, value);
            steer
        })
        .collect()
}

/// The first of [`DISCOVER_ENDS`] at which the validation `visitors`' top 10 (the first
/// [`DISCOVER_USERS`] of them in a fixed random order) surely changes by [`DISCOVERED`] from
/// `default`'s, the last when none does; and the share changed at each end tried.
fn choose_discover_end(
    recommender: &Recommender,
    visitors: &[HeldOutUser],
    default: Steer<'static>,
) -> (f32, Vec<f64>) {
    let mut sample = shuffled(visitors);
    sample.truncate(DISCOVER_USERS);
    let settings: Vec<Steer> = std::iter::once(default)
        .chain(DISCOVER_ENDS.iter().map(|&popularity_step| Steer {
            popularity_step,
            few_picks: 0.0,
            dispersed_picks: 0.0,
            ..default
        }))
        .collect();
    let lists = per_user(recommender, &sample, false, &settings);
    let (at_default, at_ends) = lists.split_first().expect("the default is measured");
    let changed: Vec<(f64, f64)> = at_ends
        .iter()
        .map(|at_end| mean_top_ten_changed(at_end, at_default))
        .collect();
    let end = DISCOVER_ENDS
        .iter()
        .zip(&changed)
        .find(|&(_, &(mean, se))| mean - 2.0 * se >= DISCOVERED)
        .map_or(DISCOVER_ENDS[DISCOVER_ENDS.len() - 1], |(&end, _)| end);
    (end, changed.into_iter().map(|(mean, _)| mean).collect())
}

/// Mean and standard error over users of the share of `lists`' top 10 not in `defaults`'.
fn mean_top_ten_changed(lists: &[UserFigures], defaults: &[UserFigures]) -> (f64, f64) {
    mean_se(
        lists
            .iter()
            .zip(defaults)
            .map(|(f, d)| top_ten_changed(&f.list, &d.list)),
    )
}

/// The index of the best of `ndcg` (the first of equals; 0 when empty).
fn first_best(ndcg: &[f64]) -> usize {
    (0..ndcg.len())
        .max_by(|&a, &b| ndcg[a].total_cmp(&ndcg[b]).then(b.cmp(&a)))
        .unwrap_or(0)
}

/// The largest of `values` whose NDCG@100 (`ndcg[setting][user]`, the first setting the one
/// that does nothing) is below the first's by no more than [`NDCG_TOLERANCE`] or two standard
/// errors of the per-user difference, whichever is larger: as much of the setting as costs
/// nothing the validation users can show. (On ml-latest-small's 232 validation visitors the
/// fixed tolerance alone chose between calibrations 0.4 and 0.6 by noise.)
fn largest_within_tolerance(values: &[f32], ndcg: &[Vec<f64>]) -> f32 {
    let Some(none) = ndcg.first() else {
        return 0.0;
    };
    values
        .iter()
        .zip(ndcg)
        .filter(|&(_, setting)| {
            let (loss, se) = mean_se(none.iter().zip(setting).map(|(n, s)| n - s));
            loss <= NDCG_TOLERANCE.max(2.0 * se)
        })
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

/// The slider's discover end against its default on (at most [`TABLE_USERS`] of) `visitors`, each
/// as the page meets them: a paragraph of `table` and "top 10 changed at the discover end" in
/// `metrics`. On taste: the share of the top 10 in the picks' dominant genres at both ends.
fn discover_end_on_visitors(
    recommender: &Recommender,
    visitors: &[HeldOutUser],
    table: &mut String,
    metrics: &mut Vec<(String, f64)>,
) {
    let steering = &recommender.steering;
    let mut sample = shuffled(visitors);
    sample.truncate(TABLE_USERS);
    let last = POPULARITY_STEPS.len() - 1;
    let settings = [
        recommender.steer(&[], steering.default_popularity),
        recommender.steer(&[], last),
    ];
    let [at_default, at_end]: [Vec<UserFigures>; 2] =
        per_user(recommender, &sample, false, &settings)
            .try_into()
            .expect("one list of figures per setting");
    let genres: Vec<u32> = recommender
        .catalog
        .movies
        .iter()
        .map(|m| m.genres)
        .collect();
    let on_taste = |figures: &[UserFigures]| {
        mean_se(sample.iter().zip(figures).map(|(user, f)| {
            let dominant = metrics::dominant_genres(&user.fold_in, &genres);
            let top = &f.list[..f.list.len().min(10)];
            let kept = top.iter().filter(|&&m| genres[m as usize] & dominant != 0);
            kept.count() as f64 / top.len().max(1) as f64
        }))
    };
    let ndcg = |figures: &[UserFigures]| mean_se(figures.iter().map(|f| f.ndcg));
    let (changed, changed_se) = mean_top_ten_changed(&at_end, &at_default);
    let rows = [("default", &at_default), ("discover end", &at_end)];
    let givens = crate::protocol::TUNING_GIVENS
        .iter()
        .map(|given| given.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        table,
        "\nThe discover end (step {}) against the default on {} visitors drawn from the test users (each giving {givens} of their likes): {changed:.2} ± {changed_se:.2} of the top 10 changed.\n\n| position | NDCG@100 | top 10 in the picks' dominant genres |\n|---|---|---|",
        steering.discover_end,
        sample.len()
    );
    for (name, figures) in rows {
        let ((n, n_se), (g, g_se)) = (ndcg(figures), on_taste(figures));
        let _ = writeln!(
            table,
            "| {name} | {n:.4} ± {n_se:.4} | {g:.2} ± {g_se:.2} |"
        );
    }
    metrics.push(("top 10 changed at the discover end".to_string(), changed));
}

/// The share of the first ten of `list` that are not among the first ten of `default`.
fn top_ten_changed(list: &[u32], default: &[u32]) -> f64 {
    let before: HashSet<&u32> = default.iter().take(10).collect();
    let top = &list[..list.len().min(10)];
    let new = top.iter().filter(|m| !before.contains(m)).count();
    new as f64 / top.len().max(1) as f64
}

/// What the steering does on `users` (test users): a markdown table for the run's output, and
/// the headline figures for the model file.
pub struct SteeringReport {
    pub table: String,
    pub metrics: Vec<(String, f64)>,
}

/// Measures `recommender`'s steering on `users` and, for the slider's discover end, on `visitors`
/// (the test users as visitors); `train_users` is the count the movies' popularity was taken
/// from (for novelty).
pub fn measure(
    recommender: &Recommender,
    users: &[HeldOutUser],
    visitors: &[HeldOutUser],
    train_users: usize,
) -> SteeringReport {
    let steering = &recommender.steering;
    let default_step = steering.popularity_step(steering.default_popularity);
    // The page's own steering: at its default step, with its dislike weight.
    let page = recommender.steer(&[], steering.default_popularity);
    let mut sample = shuffled(users);
    sample.truncate(TABLE_USERS);
    let measured = if sample.len() < users.len() {
        format!(
            "a random {} of the {} test users",
            sample.len(),
            users.len()
        )
    } else {
        format!("{} test users", users.len())
    };
    let mut table = String::new();
    let _ = writeln!(
        table,
        "Familiar ↔ discover on {measured} (default: step {default_step}, chosen on validation users):\n\n| step | NDCG@100 | Coverage@20 | Novelty@20 (bits) | top 10 changed from the default's |\n|---|---|---|---|---|"
    );
    let mut metrics = Vec::new();
    let n_movies = recommender.catalog.len();
    let novelty_of: Vec<f64> = recommender
        .catalog
        .movies
        .iter()
        .map(|m| -((m.rating_count.max(1) as f64) / train_users.max(1) as f64).log2())
        .collect();
    let every_step: Vec<Steer> = (0..POPULARITY_STEPS.len())
        .map(|position| recommender.steer(&[], position))
        .collect();
    let by_step = per_user(recommender, &sample, false, &every_step);
    let at_default = &by_step[steering.default_popularity];
    for (position, figures) in by_step.iter().enumerate() {
        let step = steering.popularity_step(position);
        let (ndcg, se) = mean_se(figures.iter().map(|f| f.ndcg));
        let (changed, changed_se) = mean_top_ten_changed(figures, at_default);
        let listed = || figures.iter().flat_map(|f| f.list.iter().copied());
        let covered: HashSet<u32> = listed().collect();
        let coverage = covered.len() as f64 / n_movies as f64;
        let (novelty, _) = mean_se(listed().map(|i| novelty_of[i as usize]));
        let _ = writeln!(
            table,
            "| {step}{} | {ndcg:.4} ± {se:.4} | {coverage:.3} | {novelty:.2} | {changed:.2} ± {changed_se:.2} |",
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
    discover_end_on_visitors(recommender, visitors, &mut table, &mut metrics);
    let hide_then_steer = [
        Steer {
            dislike_weight: 0.0,
            ..page
        },
        page,
    ];
    let [hide_only, steered]: [Vec<UserFigures>; 2] =
        per_user(recommender, &sample, true, &hide_then_steer)
            .try_into()
            .expect("one list of figures per setting");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_ten_changed_counts_new_movies_among_the_first_ten_only() {
        let default: Vec<u32> = (0..20).collect();
        assert_eq!(top_ten_changed(&default, &default), 0.0);
        // Two new movies in the first ten; the order and the rest of the list do not count.
        let moved: Vec<u32> = [30, 1, 0, 2, 3, 31, 4, 5, 6, 7, 8, 9].to_vec();
        assert_eq!(top_ten_changed(&moved, &default), 0.2);
        assert_eq!(top_ten_changed(&[40, 41], &default), 1.0);
    }
}
