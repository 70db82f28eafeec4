//! Rating prediction: models that estimate the rating a known user gives a movie, trained on a
//! split of the ratings and measured on its test ratings (RMSE, MAE, R²; HR@10 and NDCG@10
//! against 99 sampled negatives under the leave-latest-out split).
//!
//! Each model is one file implementing [`RatingModel`]: the classic ones in plain Rust
//! ([`baseline`], [`svd`], [`knn`], over a [`matrix::RatingMatrix`]) and the burn networks
//! ([`mf`], [`neumf`], [`deep`], trained by [`explicit`]; [`autorec`]).

pub mod autorec;
pub mod baseline;
pub mod deep;
pub mod explicit;
pub mod knn;
pub mod matrix;
pub mod mf;
pub mod neumf;
pub mod slope_one;
pub mod svd;

use crate::data::split::{self, RatingSplit, Split};
use crate::data::{Dataset, Rating};
use crate::evaluate;
use crate::experiment::Experiment;
use crate::model::Model;
use crate::model::Outcome;
use crate::model::Task;
use crate::report::RunReport;
use crate::training::{History, RunSettings};
use anyhow::Result;
use burn::tensor::backend::AutodiffBackend;
use std::time::Instant;

/// A model that predicts ratings.
pub trait RatingModel: Model {
    /// Surprise's published figures, when the model is one of theirs.
    const SURPRISE: Option<Published> = None;

    /// Fits the model on `train` (ratings of `experiment.dataset`); `identity` names the run for its
    /// checkpoints.
    fn fit<'a, B: AutodiffBackend>(
        config: &Self::Config,
        train: &[Rating],
        experiment: &'a Experiment<B>,
        identity: &RunSettings,
    ) -> Result<Fitted<'a>>;
}

/// A model's figures in Surprise's README (ml-100k, 5-fold, default parameters).
#[derive(Clone, Copy, Debug)]
pub struct Published {
    /// Surprise's class name.
    pub name: &'static str,
    pub rmse: f64,
    pub mae: f64,
}

/// Estimated ratings of the given (user, movie) pairs, not yet clipped to the rating scale.
pub type Predict<'a> = Box<dyn Fn(&[Rating]) -> Vec<f32> + 'a>;

/// A fitted rating model.
pub struct Fitted<'a> {
    pub predict: Predict<'a>,
    /// Fitted values (weights, biases, factors, similarities).
    pub parameters: usize,
    /// Burn models: the epochs.
    pub history: History,
}

/// Fits `M` on the run's training ratings and measures it on its test ratings.
pub fn train_and_measure<B: AutodiffBackend, M: RatingModel>(
    config: M::Config,
    experiment: &Experiment<B>,
) -> Result<Outcome> {
    let Split { train, test } = experiment.rating_split()?;
    let identity = experiment.identity::<M>(&config, Task::Rating);
    let started = Instant::now();
    let fitted = M::fit(&config, train, experiment, &identity)?;
    let train_seconds = started.elapsed().as_secs_f64();
    let (lo, hi) = rating_scale(&experiment.dataset.ratings);
    let metrics = rating_test_metrics(
        experiment.dataset,
        &experiment.split,
        test,
        experiment.seed,
        |ratings| {
            let mut predicted = (fitted.predict)(ratings);
            predicted.iter_mut().for_each(|p| *p = p.clamp(lo, hi));
            predicted
        },
    );
    Ok(Outcome {
        report: RunReport {
            model: M::NAME.to_string(),
            dataset: experiment.dataset.name.to_string(),
            split: experiment.split.name(),
            metrics,
            train_seconds,
            parameters: fitted.parameters,
            history: fitted.history,
            settings: serde_json::to_value(&config)?,
            phases: Default::default(),
        },
        file: None,
        tail: None,
    })
}

/// How ratings are split for explicit models.
/// The lowest and highest rating value: predictions are clipped to it.
pub fn rating_scale(ratings: &[Rating]) -> (f32, f32) {
    ratings
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), r| {
            (lo.min(r.rating), hi.max(r.rating))
        })
}

/// Test metrics of a rating model: RMSE, MAE, R², plus HR@10 and NDCG@10 against 99 sampled
/// negatives under the leave-latest-out split. `predict` gives one rating per (user, item).
pub fn rating_test_metrics(
    dataset: &Dataset,
    split: &RatingSplit,
    test: &[Rating],
    seed: u64,
    predict: impl Fn(&[Rating]) -> Vec<f32>,
) -> Vec<(String, f64)> {
    let truth: Vec<f32> = test.iter().map(|r| r.rating).collect();
    let mut metrics = evaluate::rating_metrics(&predict(test), &truth);
    if *split == RatingSplit::LeaveLatestOut {
        let negatives =
            split::sample_negatives(&dataset.ratings, test, dataset.n_items(), 99, seed);
        metrics.extend(evaluate::sampled_metrics(
            test,
            &negatives,
            |user, items| {
                let candidates: Vec<Rating> = items
                    .iter()
                    .map(|&item| Rating {
                        user,
                        item,
                        rating: 0.0,
                        timestamp: 0,
                    })
                    .collect();
                predict(&candidates)
            },
        ));
    }
    metrics
}
