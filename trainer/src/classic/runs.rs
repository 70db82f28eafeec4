//! Fit, evaluate and (new-user models) export one classic model: what `trainer train --model
//! NAME` runs for the classic names, and what `trainer bench` runs for each of its rows.
//!
//! Rating models are evaluated like the burn rating models (`pipeline::rating_test_metrics` on
//! a `RatingSplit`). New-user models are fitted on the strong-generalization task's training
//! users, tuned on its validation users, exported to the page's weights and evaluated through
//! `shared` on its test users (`pipeline::export_evaluated`), as the fold-in network is.

use super::baseline::{Baseline, BaselineFit, popularity};
use super::content::TfIdf;
use super::hybrid;
use super::knn::{Centering, Knn, KnnConfig, Similarity};
use super::svd::{FunkSvd, FunkSvdConfig, PureSvd};
use super::{RatingMatrix, RatingPredictor, predict_clipped};
use crate::data::split::Split;
use crate::data::{Dataset, Rating};
use crate::evaluate::FoldInTask;
use crate::pipeline::{self, RatingSplit, RunReport};
use anyhow::Result;
use shared::{ModelFile, ModelInfo};
use std::time::Instant;

/// The classic models `trainer train --model` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ClassicModel {
    /// μ + b_u + b_i (Surprise's BaselineOnly, ALS).
    Baseline,
    /// The most-rated movies, for everyone (new users).
    Popularity,
    /// Funk-SVD (Surprise's SVD).
    Svd,
    /// SVD++: Funk-SVD plus the implicit feedback of which movies a user rated (Surprise's SVDpp).
    Svdpp,
    /// PureSVD (new users, exports).
    Puresvd,
    /// Surprise's KNNWithMeans, user-based, MSD.
    KnnUser,
    /// Surprise's KNNWithMeans, item-based, MSD.
    KnnItem,
    /// Surprise's KNNBaseline with its defaults (user-based, MSD).
    KnnBaseline,
    /// Content-based TF-IDF, LSA-reduced (new users, exports).
    Content,
    /// Content LSA + PureSVD (new users, exports).
    Hybrid,
}

/// Settings from the command line; `None` keeps a model's default.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// Funk-SVD / SVD++ factors, PureSVD rank, content LSA dimensions.
    pub factors: Option<usize>,
    pub epochs: Option<usize>,
    pub learning_rate: Option<f64>,
    /// Funk-SVD / SVD++ and SGD-baseline regularisation.
    pub reg: Option<f64>,
    /// KNN: neighbours kept.
    pub neighbours: Option<usize>,
    /// KNN: the similarity.
    pub similarity: Option<Similarity>,
}

/// A rating model and its settings.
#[derive(Clone, Debug)]
pub enum RatingSpec {
    Baseline(BaselineFit),
    Svd(FunkSvdConfig),
    Knn(KnnConfig),
}

impl RatingSpec {
    pub fn fit(&self, matrix: &RatingMatrix) -> Box<dyn RatingPredictor> {
        match self {
            RatingSpec::Baseline(how) => Box::new(Baseline::fit(matrix, *how)),
            RatingSpec::Svd(config) => Box::new(FunkSvd::fit(matrix, config)),
            RatingSpec::Knn(config) => Box::new(Knn::fit(matrix, *config)),
        }
    }
}

/// A new-user model and its settings; lists are tried on the validation users.
#[derive(Clone, Debug)]
pub enum HeldOutSpec {
    Popularity,
    PureSvd {
        ranks: Vec<usize>,
    },
    Content {
        dims: usize,
    },
    Hybrid {
        dims: usize,
        ranks: Vec<usize>,
        content_weights: Vec<f32>,
    },
}

/// PureSVD ranks tried on validation users, and the hybrid's content weights.
const PURESVD_RANKS: [usize; 6] = [8, 16, 32, 64, 128, 256];
const CONTENT_WEIGHTS: [f32; 7] = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9];
const LSA_DIMS: usize = 64;

pub enum Spec {
    Rating(RatingSpec),
    HeldOut(HeldOutSpec),
}

impl ClassicModel {
    pub fn name(self) -> String {
        clap::ValueEnum::to_possible_value(&self)
            .expect("no variant is skipped")
            .get_name()
            .to_string()
    }

    pub fn is_knn(self) -> bool {
        matches!(
            self,
            ClassicModel::KnnUser | ClassicModel::KnnItem | ClassicModel::KnnBaseline
        )
    }

    pub fn is_rating_model(self) -> bool {
        matches!(self.spec(&Overrides::default(), 0), Spec::Rating(_))
    }

    /// The model's settings: Surprise's defaults for the rating models, with `overrides`.
    pub fn spec(self, overrides: &Overrides, seed: u64) -> Spec {
        let ranks = overrides
            .factors
            .map_or(PURESVD_RANKS.to_vec(), |rank| vec![rank]);
        let dims = overrides.factors.unwrap_or(LSA_DIMS);
        match self {
            ClassicModel::Baseline => Spec::Rating(RatingSpec::Baseline(match overrides.epochs {
                Some(epochs) => BaselineFit::Als {
                    epochs,
                    reg_user: 15.0,
                    reg_item: 10.0,
                },
                None => BaselineFit::ALS,
            })),
            ClassicModel::Svd | ClassicModel::Svdpp => {
                let default = if self == ClassicModel::Svdpp {
                    FunkSvdConfig::svdpp()
                } else {
                    FunkSvdConfig::default()
                };
                Spec::Rating(RatingSpec::Svd(FunkSvdConfig {
                    factors: overrides.factors.unwrap_or(default.factors),
                    epochs: overrides.epochs.unwrap_or(default.epochs),
                    learning_rate: overrides.learning_rate.unwrap_or(default.learning_rate),
                    reg: overrides.reg.unwrap_or(default.reg),
                    seed,
                    ..default
                }))
            }
            ClassicModel::KnnUser | ClassicModel::KnnItem | ClassicModel::KnnBaseline => {
                let centering = if self == ClassicModel::KnnBaseline {
                    Centering::Baselines
                } else {
                    Centering::Means
                };
                let mut config = KnnConfig::new(centering);
                if self == ClassicModel::KnnItem {
                    config = config.item_based();
                }
                if let Some(k) = overrides.neighbours {
                    config = config.with_k(k);
                }
                if let Some(similarity) = overrides.similarity {
                    config = config.with_similarity(similarity);
                }
                Spec::Rating(RatingSpec::Knn(config))
            }
            ClassicModel::Popularity => Spec::HeldOut(HeldOutSpec::Popularity),
            ClassicModel::Puresvd => Spec::HeldOut(HeldOutSpec::PureSvd { ranks }),
            ClassicModel::Content => Spec::HeldOut(HeldOutSpec::Content { dims }),
            ClassicModel::Hybrid => Spec::HeldOut(HeldOutSpec::Hybrid {
                dims: LSA_DIMS,
                ranks,
                content_weights: CONTENT_WEIGHTS.to_vec(),
            }),
        }
    }
}

/// Fits a rating model on `split.train` and evaluates it on `split.test`.
pub fn run_rating(
    dataset: &Dataset,
    kind: &RatingSplit,
    split: &Split,
    label: &str,
    spec: &RatingSpec,
    seed: u64,
) -> RunReport {
    let started = Instant::now();
    let matrix = RatingMatrix::new(&split.train, dataset.n_users(), dataset.n_items());
    let model = spec.fit(&matrix);
    let train_seconds = started.elapsed().as_secs_f64();
    let scale = pipeline::rating_scale(&dataset.ratings);
    let metrics = pipeline::rating_test_metrics(dataset, kind, &split.test, seed, |ratings| {
        predict_clipped(model.as_ref(), ratings, scale)
    });
    RunReport {
        model: label.to_string(),
        dataset: dataset.name.to_string(),
        split: format!("{kind:?}"),
        metrics,
        train_seconds,
        parameters: model.parameters(),
        history: Default::default(),
    }
}

/// Fits a new-user model on the task's training users (tuning on its validation users),
/// exports it and evaluates the export on the task's test users.
pub fn run_heldout(
    dataset: &Dataset,
    task: &FoldInTask,
    label: &str,
    spec: &HeldOutSpec,
    seed: u64,
) -> Result<(RunReport, ModelFile)> {
    let started = Instant::now();
    let items = task.items.len();
    let (weights, parameters, description) = match spec {
        HeldOutSpec::Popularity => (
            popularity(&task.rating_counts),
            items,
            "movies ranked by their number of training ratings".to_string(),
        ),
        HeldOutSpec::PureSvd { ranks } => {
            let (rank, embeddings) =
                PureSvd::tuned(&task.train_rows, items, &task.validation, ranks, seed)?;
            (
                embeddings.foldin_model(),
                embeddings.parameters(),
                format!(
                    "PureSVD of the liked-movies matrix, rank {rank} (tuned on validation users)"
                ),
            )
        }
        HeldOutSpec::Content { dims } => {
            let embeddings = TfIdf::new(dataset, &task.items).lsa(*dims, seed)?;
            (
                embeddings.foldin_model(),
                embeddings.parameters(),
                format!(
                    "content-based TF-IDF over genres, title words, decade and tags, LSA-reduced to {} dimensions",
                    embeddings.dims
                ),
            )
        }
        HeldOutSpec::Hybrid {
            dims,
            ranks,
            content_weights,
        } => {
            let content = TfIdf::new(dataset, &task.items).lsa(*dims, seed)?;
            let (rank, collaborative) =
                PureSvd::tuned(&task.train_rows, items, &task.validation, ranks, seed)?;
            let (weight, embeddings) =
                hybrid::tuned(&content, &collaborative, &task.validation, content_weights)?;
            (
                embeddings.foldin_model(),
                embeddings.parameters(),
                format!(
                    "hybrid: content LSA ({} dimensions, weight {weight}) + PureSVD (rank {rank}), tuned on validation users",
                    content.dims
                ),
            )
        }
    };
    let train_seconds = started.elapsed().as_secs_f64();
    let file = pipeline::export_evaluated(
        dataset,
        task,
        weights,
        ModelInfo {
            dataset: dataset.name.to_string(),
            model: label.to_string(),
            description,
            metrics: Vec::new(),
        },
    )?;
    let report = RunReport {
        model: label.to_string(),
        dataset: dataset.name.to_string(),
        split: format!("strong generalization, {} test users", task.test.len()),
        metrics: file.info.metrics.clone(),
        train_seconds,
        parameters,
        history: Default::default(),
    };
    Ok((report, file))
}

/// A command-line run of one classic model.
pub struct ClassicRun {
    pub model: ClassicModel,
    pub overrides: Overrides,
    pub seed: u64,
    /// Rating models.
    pub split: RatingSplit,
    /// New-user models.
    pub heldout_users: usize,
    pub positive_threshold: f32,
    pub min_item_users: usize,
}

/// Runs `run.model`; new-user models (fitted on `ratings`, which may leave users out) also give
/// the page's weights.
pub fn run(
    dataset: &Dataset,
    ratings: &[Rating],
    run: &ClassicRun,
) -> Result<(RunReport, Option<ModelFile>)> {
    let name = run.model.name();
    match run.model.spec(&run.overrides, run.seed) {
        Spec::Rating(spec) => {
            let split = run.split.apply(dataset, run.seed)?;
            Ok((
                run_rating(dataset, &run.split, &split, &name, &spec, run.seed),
                None,
            ))
        }
        Spec::HeldOut(spec) => {
            let task = pipeline::heldout_task(
                dataset,
                ratings,
                run.heldout_users,
                run.positive_threshold,
                run.min_item_users,
                run.seed,
            )?;
            let (report, file) = run_heldout(dataset, &task, &name, &spec, run.seed)?;
            Ok((report, Some(file)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn names_and_kinds() {
        let names: Vec<String> = ClassicModel::value_variants()
            .iter()
            .map(|m| m.name())
            .collect();
        assert_eq!(
            names,
            [
                "baseline",
                "popularity",
                "svd",
                "svdpp",
                "puresvd",
                "knn-user",
                "knn-item",
                "knn-baseline",
                "content",
                "hybrid"
            ]
        );
        let rating: Vec<bool> = ClassicModel::value_variants()
            .iter()
            .map(|m| m.is_rating_model())
            .collect();
        assert_eq!(
            rating,
            [
                true, false, true, true, false, true, true, true, false, false
            ]
        );
        assert_eq!(
            ClassicModel::from_str("knn-user", false),
            Ok(ClassicModel::KnnUser)
        );
    }

    #[test]
    fn knn_settings_come_from_the_command_line() {
        let overrides = Overrides {
            neighbours: Some(10),
            similarity: Some("pearson-baseline:50".parse().unwrap()),
            ..Overrides::default()
        };
        let Spec::Rating(RatingSpec::Knn(config)) = ClassicModel::KnnItem.spec(&overrides, 0)
        else {
            panic!("knn-item is a rating model");
        };
        assert_eq!((config.k, config.user_based), (10, false));
        assert_eq!(
            config.similarity,
            Similarity::PearsonBaseline { shrinkage: 50.0 }
        );
        let Spec::Rating(RatingSpec::Knn(default)) =
            ClassicModel::KnnBaseline.spec(&Overrides::default(), 0)
        else {
            panic!("knn-baseline is a rating model");
        };
        assert_eq!(default, KnnConfig::new(Centering::Baselines));
        assert!("pearson-baseline:-1".parse::<Similarity>().is_err());
        assert!("pearson-baseline:inf".parse::<Similarity>().is_err());
        assert!("pearson-baseline:NaN".parse::<Similarity>().is_err());
        assert!("jaccard".parse::<Similarity>().is_err());
    }
}
