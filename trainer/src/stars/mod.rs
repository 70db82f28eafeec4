//! `trainer stars`: predicted stars for new visitors, measured as a visitor gives them.
//!
//! Each draw (seed, seed + 1, …) holds out a fifth of the users for test and a tenth for
//! validation, among those with at least [`MIN_ASKED`] more ratings than the largest `k`; every
//! model learns from the other users' ratings only. Each test user gives `k` of their ratings
//! (k = 5, 10, 20 by default), drawn at random, and every model predicts the stars of their
//! ratings past the first largest-`k` (the same movies whatever `k`) from those `k` alone,
//! without retraining. RMSE and MAE over all those stars, per draw; the table gives mean ±
//! standard error over draws and, beside the folded-in Funk-SVD, the paired difference.
//!
//! Side by side, on the same users and the same stars:
//! - **movie mean**: `μ + b_i`, the movie's damped mean (the biases' ALS fit);
//! - **baseline**: `μ + b_i + b_u`, the visitor's offset `b_u` solved from their `k` stars;
//! - **Funk-SVD**: Surprise's SVD; the visitor's `b_u` and `p_u` solved from their `k` stars by
//!   ridge regression ([`FunkSvd::fold_in`]);
//! - **stars network** ([`network`]): trained with burn on simulated visitors.
//!
//! The baseline's damping and Funk-SVD's ridge weight are chosen for each `k` on the validation
//! users giving `k`: what suits five stars does not suit twenty.

use crate::data::Dataset;
use crate::metrics::{mae, mean_se, rmse};
use crate::new_user::stars::{self as network, Inputs, SimilarityRows, StarsConfig, Visit};
use crate::rating::baseline::{Baseline, BaselineFit};
use crate::rating::matrix::RatingMatrix;
use crate::rating::svd::{FunkSvd, FunkSvdConfig};
use crate::training::{Checkpoints, Plan, RunSettings};
use anyhow::{Result, bail};
use burn::tensor::backend::AutodiffBackend;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::Serialize;
use std::fmt::Write as _;

/// Each test user has at least this many stars to predict past the largest `k`.
pub const MIN_ASKED: usize = 5;
/// Shares of the users held out for test and for validation.
const TEST_SHARE: f64 = 0.2;
const VALIDATION_SHARE: f64 = 0.1;
/// The baseline's offset dampings tried for each `k`.
const DAMPINGS: [f64; 6] = [1.0, 3.0, 5.0, 10.0, 15.0, 25.0];
/// Funk-SVD's fold-in ridge weights tried for each `k`.
const RIDGES: [f64; 7] = [0.3, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0];

/// `trainer stars`' settings.
#[derive(clap::Args, Clone, Debug)]
pub struct StarsOptions {
    /// Held-out splits drawn, each with its own training (seed, seed + 1, …).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub draws: u64,
    /// How many stars a visitor gives, comma-separated (each 1 to 100).
    #[arg(long, value_delimiter = ',', default_values_t = [5usize, 10, 20],
          value_parser = parse_given)]
    pub given: Vec<usize>,
    /// The first draw's seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The stars network's width (its embeddings and the visitor's vector).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub dim: Option<u64>,
    /// The stars network's weight decay.
    #[arg(long, value_parser = parse_l2)]
    pub l2: Option<f64>,
}

fn parse_l2(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(l2) if l2.is_finite() && l2 >= 0.0 => Ok(l2),
        _ => Err(format!(
            "{text:?} is not a weight decay (a number, 0 or more)"
        )),
    }
}

fn parse_given(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(k @ 1..=100) => Ok(k),
        _ => Err(format!("{text:?} is not a number of stars from 1 to 100")),
    }
}

/// The models side by side, in the table's order.
const MODELS: [&str; 4] = ["movie mean", "baseline", "Funk-SVD", "stars network"];
/// The peer every other model is compared with, user for user.
const REFERENCE: usize = 2;

/// One model at one `k`: figures over every draw.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub dataset: String,
    pub model: String,
    pub given: usize,
    /// Mean and standard error over draws.
    pub rmse: (f64, f64),
    pub mae: (f64, f64),
    /// RMSE less Funk-SVD's on the same draw: mean and standard error over draws.
    pub rmse_vs_funk_svd: (f64, f64),
    /// Test users per draw (mean), and stars predicted per draw (mean).
    pub users: f64,
    pub stars: f64,
}

/// One held-out user of one draw: their ratings in a random order.
struct HeldOut {
    ratings: Vec<(u32, f32)>,
}

impl HeldOut {
    /// The first `k` ratings given, the ratings past `largest` asked.
    fn visit(&self, k: usize, largest: usize) -> Visit<'_> {
        Visit {
            given: &self.ratings[..k],
            asked: &self.ratings[largest..],
        }
    }
}

/// One draw's users: training users' ratings, and the held-out validation and test users.
struct Draw {
    train: Vec<Vec<(u32, f32)>>,
    validation: Vec<HeldOut>,
    test: Vec<HeldOut>,
}

fn draw_users(dataset: &Dataset, largest: usize, seed: u64) -> Draw {
    let mut by_user: Vec<Vec<(u32, f32)>> = vec![Vec::new(); dataset.n_users()];
    for r in &dataset.ratings {
        by_user[r.user as usize].push((r.item, r.rating));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..by_user.len()).collect();
    order.shuffle(&mut rng);
    let test_count = (by_user.len() as f64 * TEST_SHARE).round() as usize;
    let validation_count = (by_user.len() as f64 * VALIDATION_SHARE).round() as usize;
    let (mut train, mut validation, mut test) = (Vec::new(), Vec::new(), Vec::new());
    for user in order {
        let mut ratings = std::mem::take(&mut by_user[user]);
        if ratings.len() < largest + MIN_ASKED {
            train.push(ratings);
        } else if test.len() < test_count {
            ratings.shuffle(&mut rng);
            test.push(HeldOut { ratings });
        } else if validation.len() < validation_count {
            ratings.shuffle(&mut rng);
            validation.push(HeldOut { ratings });
        } else {
            train.push(ratings);
        }
    }
    Draw {
        train,
        validation,
        test,
    }
}

/// The fitted peers and network of one draw.
struct Models<B: AutodiffBackend> {
    baseline: Baseline,
    funk_svd: FunkSvd,
    network: network::StarsNet<B::InnerBackend>,
    similarity: SimilarityRows,
    config: StarsConfig,
}

impl<B: AutodiffBackend> Models<B> {
    /// What the network is fed, as it was trained.
    fn inputs(&self) -> Inputs<'_> {
        Inputs::new(&self.baseline, &self.similarity, &self.config)
    }
}

fn fit_models<B: AutodiffBackend>(
    draw: &Draw,
    items: usize,
    largest: usize,
    options: &StarsOptions,
    seed: u64,
    device: &B::Device,
) -> Result<Models<B>> {
    let ratings: Vec<crate::data::Rating> = (draw.train.iter().enumerate())
        .flat_map(|(user, rated)| {
            rated
                .iter()
                .map(move |&(item, rating)| crate::data::Rating {
                    user: user as u32,
                    item,
                    rating,
                    timestamp: 0,
                })
        })
        .collect();
    let matrix = RatingMatrix::new(&ratings, draw.train.len(), items);
    let baseline = Baseline::fit(&matrix, BaselineFit::ALS);
    let funk_svd = FunkSvd::fit(&matrix, &FunkSvdConfig::new().with_seed(seed));
    let mut config = StarsConfig::default_for(seed);
    if let Some(dim) = options.dim {
        config.dim = dim as usize;
    }
    config.l2 = options.l2.unwrap_or(config.l2);
    let similarity = SimilarityRows::fit(&baseline, &draw.train, &config)?;
    let inputs = Inputs::new(&baseline, &similarity, &config);
    let given = VALIDATION_GIVEN.min(largest);
    let validation: Vec<Visit> = (draw.validation.iter())
        .map(|user| user.visit(given, given))
        .collect();
    let truth: Vec<f32> = validation
        .iter()
        .flat_map(|v| v.asked.iter().map(|&(_, s)| s))
        .collect();
    let plan = Plan {
        config: &config.training,
        settings: &RunSettings::default(),
        checkpoints: &Checkpoints::default(),
    };
    let (network, history) =
        network::train_stars::<B>(&config, &inputs, &draw.train, &plan, device, |model| {
            let predicted: Vec<f32> = inputs.predict(model, &validation, device).concat();
            rmse(&predicted, &truth)
        })?;
    eprintln!(
        "stars network: best epoch {} of {}, validation RMSE {:.4}",
        history.best_epoch,
        history.epochs.len(),
        (history.epochs.iter())
            .map(|e| e.validation)
            .fold(f64::INFINITY, f64::min)
    );
    Ok(Models {
        baseline,
        funk_svd,
        network,
        similarity,
        config,
    })
}

/// Validation users give this many stars (or the largest `k`, if fewer) while the network
/// trains (early stopping).
const VALIDATION_GIVEN: usize = 10;

/// Each test user's predictions (every asked movie) by `model` (an index into [`MODELS`]) when
/// giving `k`, the peers' settings those best on validation users giving `k`.
fn predictions<B: AutodiffBackend>(
    models: &Models<B>,
    draw: &Draw,
    model: usize,
    k: usize,
    largest: usize,
    device: &B::Device,
) -> Vec<f32> {
    let on = |users: &[HeldOut], damping: f64, ridge: f64| -> Vec<f32> {
        let visits: Vec<Visit> = users.iter().map(|u| u.visit(k, largest)).collect();
        let predicted: Vec<f32> = match model {
            0 => visits
                .iter()
                .flat_map(|v| v.asked.iter())
                .map(|&(i, _)| models.baseline.movie_mean(i as usize) as f32)
                .collect(),
            1 => visits
                .iter()
                .flat_map(|v| {
                    let offset = models.baseline.fold_in_offset(v.given, damping);
                    v.asked
                        .iter()
                        .map(move |&(i, _)| models.baseline.movie_mean(i as usize) + offset)
                })
                .map(|p| p as f32)
                .collect(),
            2 => visits
                .iter()
                .flat_map(|v| {
                    let user = models.funk_svd.fold_in(v.given, ridge);
                    v.asked
                        .iter()
                        .map(|&(i, _)| user.estimate(i as usize) as f32)
                        .collect::<Vec<_>>()
                })
                .collect(),
            _ => (models.inputs())
                .predict(&models.network, &visits, device)
                .concat(),
        };
        predicted.into_iter().map(|p| p.clamp(0.5, 5.0)).collect()
    };
    let truth = |users: &[HeldOut]| -> Vec<f32> {
        users
            .iter()
            .flat_map(|u| u.visit(k, largest).asked.iter().map(|&(_, s)| s))
            .collect()
    };
    let validation_truth = truth(&draw.validation);
    let best = |values: &[f64], predict: &dyn Fn(f64) -> Vec<f32>| -> f64 {
        let scored: Vec<(f64, f64)> = values
            .iter()
            .map(|&v| (rmse(&predict(v), &validation_truth), v))
            .collect();
        scored
            .into_iter()
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map_or(values[0], |(_, v)| v)
    };
    let damping = match model {
        1 => best(&DAMPINGS[..], &|d| on(&draw.validation, d, 0.0)),
        _ => 0.0,
    };
    let ridge = match model {
        2 => best(&RIDGES[..], &|r| on(&draw.validation, 0.0, r)),
        _ => 0.0,
    };
    on(&draw.test, damping, ridge)
}

/// Every model at every `k` of `options` over its draws on `dataset`.
pub fn measure<B: AutodiffBackend>(
    dataset: &Dataset,
    options: &StarsOptions,
    device: B::Device,
) -> Result<Vec<Row>> {
    let largest = options.given.iter().copied().max().unwrap_or(0);
    // per [model][k]: per draw (rmse, mae, users, stars)
    let mut figures = vec![vec![Vec::new(); options.given.len()]; MODELS.len()];
    for d in 0..options.draws {
        let seed = options.seed + d;
        let draw = draw_users(dataset, largest, seed);
        if draw.test.is_empty() || draw.validation.is_empty() {
            bail!(
                "{}: no user has the {} ratings a visitor giving {largest} needs (--given)",
                dataset.name,
                largest + MIN_ASKED
            );
        }
        eprintln!(
            "draw {}: {} training users, {} validation, {} test",
            d + 1,
            draw.train.len(),
            draw.validation.len(),
            draw.test.len()
        );
        let models = fit_models::<B>(&draw, dataset.n_items(), largest, options, seed, &device)?;
        let truth: Vec<f32> = draw
            .test
            .iter()
            .flat_map(|u| u.ratings[largest..].iter().map(|&(_, s)| s))
            .collect();
        for (m, by_k) in figures.iter_mut().enumerate() {
            for (at, &k) in options.given.iter().enumerate() {
                let predicted = predictions(&models, &draw, m, k, largest, &device);
                by_k[at].push((
                    rmse(&predicted, &truth),
                    mae(&predicted, &truth),
                    draw.test.len(),
                    truth.len(),
                ));
            }
        }
    }
    let mut rows = Vec::new();
    for (at, &k) in options.given.iter().enumerate() {
        for (m, name) in MODELS.iter().enumerate() {
            let draws = &figures[m][at];
            let reference = &figures[REFERENCE][at];
            rows.push(Row {
                dataset: dataset.name.to_string(),
                model: name.to_string(),
                given: k,
                rmse: mean_se(draws.iter().map(|f| f.0)),
                mae: mean_se(draws.iter().map(|f| f.1)),
                rmse_vs_funk_svd: mean_se(draws.iter().zip(reference).map(|(f, r)| f.0 - r.0)),
                users: mean_se(draws.iter().map(|f| f.2 as f64)).0,
                stars: mean_se(draws.iter().map(|f| f.3 as f64)).0,
            });
        }
    }
    Ok(rows)
}

/// The rows as one markdown table per `k`.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let mut ks: Vec<usize> = rows.iter().map(|r| r.given).collect();
    ks.dedup();
    for k in ks {
        let of_k: Vec<&Row> = rows.iter().filter(|r| r.given == k).collect();
        let first = of_k[0];
        let _ = writeln!(
            out,
            "\n{}: each test user gives {k} stars; {:.0} users and {:.0} stars predicted per draw\n\n| model | RMSE | MAE | RMSE − Funk-SVD's (paired) |\n|---|---|---|---|",
            first.dataset, first.users, first.stars
        );
        for row in of_k {
            let _ = writeln!(
                out,
                "| {} | {:.4} ± {:.4} | {:.4} ± {:.4} | {:+.4} ± {:.4} |",
                row.model,
                row.rmse.0,
                row.rmse.1,
                row.mae.0,
                row.mae.1,
                row.rmse_vs_funk_svd.0,
                row.rmse_vs_funk_svd.1
            );
        }
    }
    out
}
