//! The stars network: a visitor's stars for every movie from the few they gave, no retraining,
//! and the stars part of the page's file.
//!
//! given stars → each movie's deviation from the folded-in baseline (`μ + b_i + b_u`, the
//! visitor's offset `b_u` solved from their stars) → pooled through two embeddings (which movies
//! were rated, and how far above or below the baseline), divided by √k, beside the offset and
//! the spread of the deviations → one linear layer and tanh → the visitor's vector → · output
//! embeddings + a per-movie correction + the baseline, its offset weighed per movie (some movies
//! follow a generous rater more than others) + a per-movie weight times the neighbour term:
//! the given movies' deviations averaged over those alike with the movie, each weighed by how
//! alike ([`SimilarityRows`], `shared::stars::GivenNeighbours`). `shared::stars` computes the
//! same in the page.
//!
//! Nothing in it is per-user. It is trained with burn on simulated visitors: each epoch, each
//! training user gives a random few of their ratings (1 to [`StarsConfig::max_given`], small
//! counts as likely as large ones on a log scale) and is asked for all the others (squared
//! error on stars), early-stopped on validation users who give ten. A batch holds only the
//! movies its visitors gave and were asked about (gathered rows, never a visitors × movies
//! matrix), so an epoch costs the ratings it reads, at any catalogue size.

use crate::data::Rating;
use crate::experiment::Experiment;
use crate::metrics::rmse;
use crate::protocol::{NewUserTask, page};
use crate::randomized_svd::{Iteration, SLOW_DECAY, SparseRows, right_singular};
use crate::rating::baseline::{Baseline, BaselineFit};
use crate::rating::matrix::RatingMatrix;
use crate::report::Phases;
use crate::training::{Checkpoints, Goal, History, Plan, RunSettings, TrainingConfig, fit, to_vec};
use anyhow::Context;
use anyhow::Result;
use burn::module::Param;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::optim::AdamConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::prelude::*;
use burn::tensor::activation::tanh;
use burn::tensor::backend::AutodiffBackend;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use shared::stars::{GivenNeighbours, HIGH_STARS, LOW_STARS, Similarities};
use shared::{Dense, QuantMatrix, StarsPredictor, StarsWeights};
use std::cell::RefCell;
use std::collections::HashMap;

/// The network's shape and training.
#[derive(Config, Debug)]
pub struct StarsConfig {
    /// Width of the embeddings and of the visitor's vector (see [`page::STARS_DIM`]).
    #[config(default = "page::STARS_DIM")]
    pub dim: usize,
    /// Adam's weight decay.
    #[config(default = 1e-3)]
    pub l2: f64,
    /// The most ratings a simulated visitor gives: as many as the neighbour term reads on the
    /// page (`shared::stars::MAX_NEIGHBOUR_GIVEN`), which never sees more than training did.
    #[config(default = "shared::stars::MAX_NEIGHBOUR_GIVEN")]
    pub max_given: usize,
    /// The damping of the visitor's offset `b_u` (as the baselines' fit damps its users).
    #[config(default = 5.0)]
    pub offset_damping: f64,
    /// The similarity rows' rank (see [`page::STARS_SIMILARITY_RANK`]).
    #[config(default = "page::STARS_SIMILARITY_RANK")]
    pub similarity_rank: usize,
    /// Added to each movie's squared deviations before the cosine divides by their root: a
    /// movie few training users rated is strongly alike with none.
    #[config(default = 10.0)]
    pub similarity_damping: f64,
    /// Added to the alike given movies' total similarity before the neighbour term divides by
    /// it (`shared::StarsWeights::neighbour_shrink`).
    #[config(default = 0.25)]
    pub neighbour_shrink: f64,
    /// The most simulated visitors an epoch holds: past this many training users, each epoch
    /// draws that many afresh. At ml-25m's size all 150,000 per epoch took 110 s for a network
    /// no better than the baseline (`cargo xtask bench-scale`); the small releases have fewer.
    #[config(default = 2048)]
    pub visitors_per_epoch: usize,
    pub training: TrainingConfig,
}

impl StarsConfig {
    /// The defaults: batches of 64 visitors, up to 300 epochs, stopped after 20 without gain.
    pub fn default_for(seed: u64) -> Self {
        let training = TrainingConfig::new()
            .with_batch_size(64)
            .with_epochs(300)
            .with_learning_rate(3e-3)
            .with_lr_decay(1.0)
            .with_patience(20)
            .with_seed(seed);
        Self::new(training)
    }
}

#[derive(Module, Debug)]
pub struct StarsNet<B: Backend> {
    /// `[items, dim]`: what having rated the movie says.
    rated: Param<Tensor<B, 2>>,
    /// `[items, dim]`: what rating it above (or below) its baseline says.
    deviation: Param<Tensor<B, 2>>,
    tower: Linear<B>,
    /// `[items, dim]`.
    output: Param<Tensor<B, 2>>,
    /// `[items]`.
    correction: Param<Tensor<B, 1>>,
    /// `[items]`: how much more (or less) than its unit the movie follows the visitor's offset.
    offset_weight: Param<Tensor<B, 1>>,
    /// `[1]`: how far every movie follows its neighbour term.
    global_neighbour_weight: Param<Tensor<B, 1>>,
    /// `[items]`: how much more (or less) than that the movie follows it.
    neighbour_weight: Param<Tensor<B, 1>>,
}

impl StarsConfig {
    pub fn init<B: Backend>(&self, items: usize, device: &B::Device) -> StarsNet<B> {
        let small = Initializer::Normal {
            mean: 0.0,
            std: 0.01,
        };
        StarsNet {
            rated: small.init([items, self.dim], device),
            deviation: small.init([items, self.dim], device),
            tower: LinearConfig::new(2 * self.dim + VISITOR_FEATURES, self.dim).init(device),
            output: small.init([items, self.dim], device),
            correction: Initializer::Zeros.init([items], device),
            offset_weight: Initializer::Zeros.init([items], device),
            global_neighbour_weight: Initializer::Zeros.init([1], device),
            neighbour_weight: Initializer::Zeros.init([items], device),
        }
    }
}

/// What the network is told of a visitor beside their movies: their offset and spread.
const VISITOR_FEATURES: usize = 2;

/// Visitors laid out for the network: the stars given and asked for, each a gathered row.
pub struct Batch<B: Backend> {
    /// `[given]`: the movies given stars, all visitors one after the other.
    given_movies: Tensor<B, 1, Int>,
    /// `[given, 1]`: each given star less its baseline.
    given_deviation: Tensor<B, 2>,
    /// `[visitors, given]`: `1 / √k` where the given star is the visitor's, 0 elsewhere.
    pooling: Tensor<B, 2>,
    /// `[visitors, VISITOR_FEATURES]`: each visitor's offset `b_u` and the spread (root mean
    /// square) of their deviations.
    features: Tensor<B, 2>,
    /// `[asked]`: the movies asked about, and whose visitor asks.
    asked_movies: Tensor<B, 1, Int>,
    asked_visitor: Tensor<B, 1, Int>,
    /// `[asked]`: the visitor's offset, and the folded-in baseline of the movie.
    asked_offset: Tensor<B, 1>,
    asked_baseline: Tensor<B, 1>,
    /// `[asked]`: the movie's neighbour term among the visitor's given movies.
    asked_neighbour: Tensor<B, 1>,
    /// `[asked]`: the stars asked for.
    targets: Tensor<B, 1>,
}

impl<B: Backend> StarsNet<B> {
    /// Predicted stars of every asked movie `[asked]`, not clipped.
    pub fn forward(&self, batch: &Batch<B>) -> Tensor<B, 1> {
        let given = batch.given_movies.clone();
        let rated = self.rated.val().select(0, given.clone());
        let deviation = self.deviation.val().select(0, given) * batch.given_deviation.clone();
        let pooled = batch
            .pooling
            .clone()
            .matmul(Tensor::cat(vec![rated, deviation], 1));
        let features = Tensor::cat(vec![pooled, batch.features.clone()], 1);
        let visitor = tanh(self.tower.forward(features)).select(0, batch.asked_visitor.clone());
        let movies = batch.asked_movies.clone();
        let output = self.output.val().select(0, movies.clone());
        let neighbour_weight = self.neighbour_weight.val().select(0, movies.clone())
            + self
                .global_neighbour_weight
                .val()
                .expand([movies.dims()[0]]);
        batch.asked_baseline.clone()
            + (visitor * output).sum_dim(1).squeeze_dim::<1>(1)
            + self.correction.val().select(0, movies.clone())
            + batch.asked_offset.clone() * self.offset_weight.val().select(0, movies)
            + batch.asked_neighbour.clone() * neighbour_weight
    }

    /// Mean squared error over the stars asked for.
    pub fn loss(&self, batch: &Batch<B>) -> Tensor<B, 1> {
        (self.forward(batch) - batch.targets.clone())
            .powi_scalar(2)
            .mean()
    }
}

/// One visitor: the stars they give and the movies they are asked about, `(movie, stars)`.
pub struct Visit<'a> {
    pub given: &'a [(u32, f32)],
    pub asked: &'a [(u32, f32)],
}

/// Each movie's similarity row, row-major `[items, rank]`: the leading right singular vectors,
/// times their singular values, of the training users' deviations from their folded-in
/// baselines, each movie's column divided by the root of its squared deviations (plus
/// [`StarsConfig::similarity_damping`]). Two rows' dot product is a low-rank cosine of the two
/// movies' deviations: how alike their ratings run, for every pair without a movies × movies
/// table. On two tuning draws (ml-latest-small, ten stars given) the neighbour term over these
/// rows at rank 16 came close to the one over Koren's full shrunk Pearson-baseline
/// similarities (RMSE less Funk-SVD's −0.0063 against −0.0076; −0.0039 without the term).
pub struct SimilarityRows {
    pub rows: Vec<f32>,
    pub rank: usize,
}

impl SimilarityRows {
    /// Fitted on `users` (each a training user's `(movie, stars)`), `baseline` their
    /// baselines.
    pub fn fit(
        baseline: &Baseline,
        users: &[Vec<(u32, f32)>],
        config: &StarsConfig,
    ) -> Result<Self> {
        let items = baseline.item_bias.len();
        let offsets: Vec<f64> = (users.iter())
            .map(|rated| baseline.fold_in_offset(rated, config.offset_damping))
            .collect();
        let deviation = |user: usize, movie: u32, stars: f32| {
            f64::from(stars) - baseline.movie_mean(movie as usize) - offsets[user]
        };
        let mut squares = vec![config.similarity_damping; items];
        for (user, rated) in users.iter().enumerate() {
            for &(movie, stars) in rated {
                squares[movie as usize] += deviation(user, movie, stars).powi(2);
            }
        }
        let rows = (users.iter().enumerate())
            .map(|(user, rated)| {
                (rated.iter())
                    .map(|&(movie, stars)| {
                        let cosine_part =
                            deviation(user, movie, stars) / squares[movie as usize].sqrt();
                        (movie, cosine_part as f32)
                    })
                    .collect()
            })
            .collect();
        let svd = right_singular::<f32, _>(
            &SparseRows { cols: items, rows },
            config.similarity_rank,
            Iteration {
                seed: config.training.seed,
                ..SLOW_DECAY
            },
        )
        .context("the stars network's similarity rows")?;
        let rank = svd.rank();
        let values: Vec<f32> = (svd.squared_values.iter())
            .map(|v| v.max(0.0).sqrt())
            .collect();
        let rows = (0..items)
            .flat_map(|movie| (0..rank).map(move |k| (movie, k)))
            .map(|(movie, k)| svd.vectors[(movie, k)] * values[k])
            .collect();
        Ok(Self { rows, rank })
    }
}

/// What the network's inputs are made from: the baselines and similarity rows fitted on the
/// training users.
pub struct Inputs<'a> {
    pub baseline: &'a Baseline,
    pub offset_damping: f64,
    pub similarity: &'a SimilarityRows,
    pub neighbour_shrink: f32,
}

impl<'a> Inputs<'a> {
    pub fn new(
        baseline: &'a Baseline,
        similarity: &'a SimilarityRows,
        config: &StarsConfig,
    ) -> Self {
        Self {
            baseline,
            offset_damping: config.offset_damping,
            similarity,
            neighbour_shrink: config.neighbour_shrink as f32,
        }
    }

    /// The neighbour terms of a visitor who gave `given`, `offset` their folded-in offset.
    fn neighbours(&self, given: &[(u32, f32)], offset: f64) -> GivenNeighbours {
        GivenNeighbours::new(
            self.neighbour_shrink,
            given.iter().map(|&(movie, stars)| {
                let baseline = self.baseline.movie_mean(movie as usize) + offset;
                (movie as usize, stars - baseline as f32)
            }),
        )
    }

    /// `visits` as one batch; each must give at least one star and ask about at least one.
    pub fn batch<B: Backend>(&self, visits: &[Visit], device: &B::Device) -> Batch<B> {
        let n = visits.len();
        let given_count: usize = visits.iter().map(|v| v.given.len()).sum();
        let mut given_movies = Vec::with_capacity(given_count);
        let mut given_deviation = Vec::with_capacity(given_count);
        let mut pooling = vec![0f32; n * given_count];
        let mut features = vec![0f32; n * VISITOR_FEATURES];
        let (mut asked_movies, mut asked_visitor) = (Vec::new(), Vec::new());
        let (mut asked_offset, mut asked_baseline, mut targets) =
            (Vec::new(), Vec::new(), Vec::new());
        let offsets: Vec<f64> = (visits.iter())
            .map(|visit| {
                self.baseline
                    .fold_in_offset(visit.given, self.offset_damping)
            })
            .collect();
        // The neighbour terms cost a pass over the given movies per asked one: in parallel.
        let similarities = Similarities {
            rows: &self.similarity.rows,
            rank: self.similarity.rank,
        };
        let asked_neighbour: Vec<f32> = (visits.par_iter().zip(&offsets))
            .flat_map_iter(|(visit, &offset)| {
                let neighbours = self.neighbours(visit.given, offset);
                (visit.asked.iter())
                    .map(move |&(item, _)| neighbours.term(similarities, item as usize))
            })
            .collect();
        for ((row, visit), &offset) in visits.iter().enumerate().zip(&offsets) {
            let baseline = |item: u32| (self.baseline.movie_mean(item as usize) + offset) as f32;
            let scale = (visit.given.len().max(1) as f32).sqrt().recip();
            let mut square_deviation = 0f32;
            for &(item, stars) in visit.given {
                let deviation = stars - baseline(item);
                square_deviation += deviation * deviation;
                pooling[row * given_count + given_movies.len()] = scale;
                given_movies.push(item as i64);
                given_deviation.push(deviation);
            }
            features[row * VISITOR_FEATURES] = offset as f32;
            features[row * VISITOR_FEATURES + 1] =
                (square_deviation / visit.given.len().max(1) as f32).sqrt();
            for &(item, stars) in visit.asked {
                asked_movies.push(item as i64);
                asked_visitor.push(row as i64);
                asked_offset.push(offset as f32);
                asked_baseline.push(baseline(item));
                targets.push(stars);
            }
        }
        let ints = |data: Vec<i64>| {
            let len = data.len();
            Tensor::from_data(TensorData::new(data, [len]), device)
        };
        let floats = |data: Vec<f32>| {
            let len = data.len();
            Tensor::<B, 1>::from_data(TensorData::new(data, [len]), device)
        };
        Batch {
            given_movies: ints(given_movies),
            given_deviation: floats(given_deviation).reshape([given_count, 1]),
            pooling: floats(pooling).reshape([n, given_count]),
            features: floats(features).reshape([n, VISITOR_FEATURES]),
            asked_movies: ints(asked_movies),
            asked_visitor: ints(asked_visitor),
            asked_offset: floats(asked_offset),
            asked_baseline: floats(asked_baseline),
            asked_neighbour: floats(asked_neighbour),
            targets: floats(targets),
        }
    }

    /// The network's stars for each visit's asked movies, clipped to 0.5–5, in order.
    pub fn predict<B: Backend>(
        &self,
        model: &StarsNet<B>,
        visits: &[Visit],
        device: &B::Device,
    ) -> Vec<Vec<f32>> {
        visits
            .chunks(PREDICT_BLOCK)
            .flat_map(|block| {
                let mut predicted = to_vec(model.forward(&self.batch(block, device))).into_iter();
                block
                    .iter()
                    .map(|visit| {
                        (predicted.by_ref())
                            .take(visit.asked.len())
                            .map(|p| p.clamp(0.5, 5.0))
                            .collect()
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// Visitors predicted at once.
const PREDICT_BLOCK: usize = 256;

/// Trains the network on `users` (each a training user's ratings), each epoch each giving a
/// random few and asked for the rest; early stopping on `validate` (RMSE).
pub fn train_stars<B: AutodiffBackend>(
    config: &StarsConfig,
    inputs: &Inputs,
    users: &[Vec<(u32, f32)>],
    plan: &Plan,
    device: &B::Device,
    validate: impl FnMut(&StarsNet<B::InnerBackend>) -> f64,
) -> Result<(StarsNet<B::InnerBackend>, History)> {
    B::seed(device, config.training.seed);
    let model = config.init::<B>(inputs.baseline.item_bias.len(), device);
    let optim = AdamConfig::new()
        .with_weight_decay(Some(WeightDecayConfig::new(config.l2 as f32)))
        .init::<B, StarsNet<B>>();
    let trainable: Vec<usize> = (0..users.len()).filter(|&u| users[u].len() >= 2).collect();
    let per_epoch = config.visitors_per_epoch.min(trainable.len());
    let rng = RefCell::new(StdRng::seed_from_u64(config.training.seed));
    fit(
        model,
        optim,
        plan,
        ("RMSE", Goal::Minimize),
        device,
        (
            (0..per_epoch).collect(),
            |model: &StarsNet<B>, chunk: &[usize]| {
                let mut rng = rng.borrow_mut();
                let shuffled: Vec<Vec<(u32, f32)>> = chunk
                    .iter()
                    .map(|&example| {
                        let user = if per_epoch < trainable.len() {
                            trainable[rng.random_range(0..trainable.len())]
                        } else {
                            trainable[example]
                        };
                        let mut ratings = users[user].clone();
                        ratings.shuffle(&mut *rng);
                        ratings
                    })
                    .collect();
                let visits: Vec<Visit> = shuffled
                    .iter()
                    .map(|ratings| {
                        let most = config.max_given.min(ratings.len() - 1).max(1);
                        // Log-uniform: three stars given as likely as thirty.
                        let given = (rng.random::<f64>() * ((most + 1) as f64).ln())
                            .exp()
                            .floor()
                            .clamp(1.0, most as f64) as usize;
                        Visit {
                            given: &ratings[..given],
                            asked: &ratings[given..],
                        }
                    })
                    .collect();
                model.loss(&inputs.batch(&visits, device))
            },
        ),
        validate,
    )
}

impl<B: Backend> StarsNet<B> {
    /// The network as the page's file stores it (int8 rows), with `inputs`' movie means and
    /// damping and what a like and a dislike stand for in stars.
    pub fn to_weights(&self, inputs: &Inputs, like_stars: f32, dislike_stars: f32) -> StarsWeights {
        let items = inputs.baseline.item_bias.len();
        let row = |values: Vec<f32>| QuantMatrix::quantize(&values, 1, items);
        let matrix = |param: &Param<Tensor<B, 2>>| {
            let [rows, cols] = param.val().dims();
            QuantMatrix::quantize(&to_vec(param.val()), rows, cols)
        };
        let [inputs_width, outputs] = self.tower.weight.val().dims();
        StarsWeights {
            movie_mean: row((0..items)
                .map(|i| inputs.baseline.movie_mean(i) as f32)
                .collect()),
            correction: row(to_vec(self.correction.val())),
            offset_weight: row(to_vec(self.offset_weight.val())),
            offset_damping: inputs.offset_damping as f32,
            rated: matrix(&self.rated),
            deviation: matrix(&self.deviation),
            tower: Dense {
                inputs: inputs_width,
                outputs,
                weight: to_vec(self.tower.weight.val()),
                bias: (self.tower.bias.as_ref())
                    .map_or_else(|| vec![0.0; outputs], |b| to_vec(b.val())),
            },
            output: matrix(&self.output),
            similarity: QuantMatrix::quantize(
                &inputs.similarity.rows,
                items,
                inputs.similarity.rank,
            ),
            neighbour_weight: row(to_vec(
                self.neighbour_weight.val() + self.global_neighbour_weight.val().expand([items]),
            )),
            neighbour_shrink: inputs.neighbour_shrink,
            like_stars,
            dislike_stars,
        }
    }
}

/// Held-out users give this many stars when the page's network is early-stopped and measured.
pub const PAGE_GIVEN: usize = 10;
/// At most this many validation users decide when it stops, and as many test users measure it.
const MAX_HELD_OUT_USERS: usize = 2_000;

/// The stars part of the page's file and its figures on the test users.
pub struct PageStars {
    pub weights: StarsWeights,
    pub metrics: Vec<(String, f64)>,
}

/// The stars part of the page's file: the network trained on the task's training users'
/// ratings of the page's movies (validation and test users never teach it), stopped early on
/// validation users giving [`PAGE_GIVEN`] stars, and measured as the page runs it (through
/// `shared`, int8 rows) on the first [`MAX_HELD_OUT_USERS`] test users giving as many: its RMSE
/// on their other stars beside
/// the baseline's with the visitor's offset folded in. `None`, said on stderr, when no
/// validation or test user rated more than [`PAGE_GIVEN`] of the page's movies (a release too
/// small to stop or measure it on): the file then goes without predicted stars.
pub fn train_for_page<B: AutodiffBackend>(
    experiment: &Experiment<B>,
    task: &NewUserTask,
    phases: &mut Phases,
) -> Result<Option<PageStars>> {
    let items = task.items.len();
    let users = page_ratings(&experiment.ratings, task);
    if users.validation.is_empty() || users.test.is_empty() {
        eprintln!(
            "warning: no {} user rated more than {PAGE_GIVEN} of the page's movies: the file goes without predicted stars",
            if users.validation.is_empty() {
                "validation"
            } else {
                "test"
            }
        );
        return Ok(None);
    }
    let baseline = {
        let ratings: Vec<Rating> = (users.train.iter().enumerate())
            .flat_map(|(user, rated)| {
                rated.iter().map(move |&(item, rating)| Rating {
                    user: user as u32,
                    item,
                    rating,
                    timestamp: 0,
                })
            })
            .collect();
        Baseline::fit(
            &RatingMatrix::new(&ratings, users.train.len(), items),
            BaselineFit::ALS,
        )
    };
    // The training users' mean rating of the movies a choice stands for; without any such
    // rating, the threshold itself.
    let mean_of = |keep: fn(f32) -> bool, none: f32| {
        let (sum, count) = (users.train.iter().flatten())
            .filter(|&&(_, stars)| keep(stars))
            .fold((0f64, 0usize), |(s, n), &(_, stars)| {
                (s + f64::from(stars), n + 1)
            });
        if count == 0 {
            none
        } else {
            (sum / count as f64) as f32
        }
    };
    let like_stars = mean_of(|stars| stars >= HIGH_STARS, HIGH_STARS);
    let dislike_stars = mean_of(|stars| stars <= LOW_STARS, LOW_STARS);
    let config = StarsConfig::default_for(experiment.seed);
    let similarity = phases.time("stars similarity rows", || {
        SimilarityRows::fit(&baseline, &users.train, &config)
    })?;
    let inputs = Inputs::new(&baseline, &similarity, &config);
    let validation =
        page_visits(&users.validation[..users.validation.len().min(MAX_HELD_OUT_USERS)]);
    let truth = |visits: &[Visit]| -> Vec<f32> {
        (visits.iter())
            .flat_map(|v| v.asked.iter().map(|&(_, stars)| stars))
            .collect()
    };
    let validation_truth = truth(&validation);
    let plan = Plan {
        config: &config.training,
        settings: &RunSettings::default(),
        checkpoints: &Checkpoints::default(),
    };
    let device = &experiment.device;
    let (network, history) = phases.time("stars network", || {
        train_stars::<B>(&config, &inputs, &users.train, &plan, device, |model| {
            let predicted = inputs.predict(model, &validation, device).concat();
            rmse(&predicted, &validation_truth)
        })
    })?;
    let weights = network.to_weights(&inputs, like_stars, dislike_stars);
    weights.validate(items)?;
    let predictor = StarsPredictor::new(&weights);
    let test = page_visits(&users.test[..users.test.len().min(MAX_HELD_OUT_USERS)]);
    // Each visitor's (network, baseline) stars of their asked movies.
    let (network_stars, baseline_stars): (Vec<f32>, Vec<f32>) = (test.par_iter())
        .flat_map_iter(|visit| {
            let given: Vec<(usize, f32)> = (visit.given.iter())
                .map(|&(movie, stars)| (movie as usize, stars))
                .collect();
            let predicted = predictor.predict(&given);
            let offset = baseline.fold_in_offset(visit.given, config.offset_damping);
            (visit.asked.iter())
                .map(|&(movie, _)| {
                    let folded = baseline.movie_mean(movie as usize) + offset;
                    (predicted[movie as usize], (folded as f32).clamp(0.5, 5.0))
                })
                .collect::<Vec<_>>()
        })
        .unzip();
    let test_truth = truth(&test);
    let network_rmse = rmse(&network_stars, &test_truth);
    let baseline_rmse = rmse(&baseline_stars, &test_truth);
    eprintln!(
        "stars network: best epoch {} of {}; {} test users giving {PAGE_GIVEN} stars: RMSE {network_rmse:.4} (the baseline with their offset: {baseline_rmse:.4}) over {} stars",
        history.best_epoch,
        history.epochs.len(),
        test.len(),
        test_truth.len()
    );
    Ok(Some(PageStars {
        weights,
        metrics: vec![
            (format!("stars RMSE ({PAGE_GIVEN} given)"), network_rmse),
            (
                format!("stars RMSE, baseline ({PAGE_GIVEN} given)"),
                baseline_rmse,
            ),
        ],
    }))
}

/// Each held-out user as a visitor giving their first [`PAGE_GIVEN`] stars, asked the rest.
fn page_visits(users: &[Vec<(u32, f32)>]) -> Vec<Visit<'_>> {
    (users.iter())
        .map(|ratings| Visit {
            given: &ratings[..PAGE_GIVEN],
            asked: &ratings[PAGE_GIVEN..],
        })
        .collect()
}

/// Ratings of the page's movies (model numbering), per user: the training users', and the
/// held-out validation and test users' with more than [`PAGE_GIVEN`] of them, each of those in
/// a seeded random order (the first [`PAGE_GIVEN`] are what they give).
struct PageRatings {
    train: Vec<Vec<(u32, f32)>>,
    validation: Vec<Vec<(u32, f32)>>,
    test: Vec<Vec<(u32, f32)>>,
}

fn page_ratings(ratings: &[Rating], task: &NewUserTask) -> PageRatings {
    let mut by_user: HashMap<u32, Vec<(u32, f32)>> = HashMap::new();
    for r in ratings {
        if let Ok(movie) = task.items.binary_search(&r.item) {
            by_user
                .entry(r.user)
                .or_default()
                .push((movie as u32, r.rating));
        }
    }
    let mut rng = StdRng::seed_from_u64(task.seed);
    let mut held_out = |users: &[crate::data::split::HeldOutUser]| -> Vec<Vec<(u32, f32)>> {
        (users.iter())
            .filter_map(|u| by_user.remove(&u.user))
            .filter(|ratings| ratings.len() > PAGE_GIVEN)
            .map(|mut ratings| {
                ratings.sort_unstable_by_key(|&(movie, _)| movie);
                ratings.shuffle(&mut rng);
                ratings
            })
            .collect()
    };
    let validation = held_out(&task.validation);
    let test = held_out(&task.test);
    // In user order, so the training does not depend on the map's order.
    let mut train: Vec<(u32, Vec<(u32, f32)>)> = by_user.into_iter().collect();
    train.sort_unstable_by_key(|&(user, _)| user);
    PageRatings {
        train: train.into_iter().map(|(_, ratings)| ratings).collect(),
        validation,
        test,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Cpu;
    use burn::tensor::Distribution;

    /// The page's predictions (`shared::stars`, from the exported int8 rows) are the network's
    /// own, for weights far from their small start.
    #[test]
    fn the_page_predicts_what_the_network_predicts() {
        let device = Default::default();
        let items = 12;
        let config = StarsConfig::default_for(1);
        let random = |rows: usize, cols: usize| {
            Param::from_tensor(Tensor::<Cpu, 2>::random(
                [rows, cols],
                Distribution::Normal(0.0, 0.5),
                &device,
            ))
        };
        let row = |values: Vec<f32>| {
            Param::from_tensor(Tensor::<Cpu, 1>::from_floats(&values[..], &device))
        };
        let mut network = config.init::<Cpu>(items, &device);
        network.rated = random(items, config.dim);
        network.deviation = random(items, config.dim);
        network.output = random(items, config.dim);
        network.tower.weight = random(2 * config.dim + VISITOR_FEATURES, config.dim);
        network.correction = row((0..items).map(|i| 0.05 * i as f32 - 0.3).collect());
        network.offset_weight = row((0..items).map(|i| 0.5 - 0.08 * i as f32).collect());
        network.neighbour_weight = row((0..items).map(|i| 0.3 - 0.05 * i as f32).collect());
        network.global_neighbour_weight = row(vec![0.4]);
        let similarity = SimilarityRows {
            rows: (0..items * 3).map(|i| (i as f32 * 1.3).sin()).collect(),
            rank: 3,
        };
        let baseline = Baseline {
            mean: 3.5,
            user_bias: Vec::new(),
            item_bias: (0..items).map(|i| 0.1 * i as f64 - 0.6).collect(),
        };
        let inputs = Inputs::new(&baseline, &similarity, &config);
        // Two visitors in one batch, so that each asked movie's terms must line up with it.
        let givens: [&[(u32, f32)]; 2] = [&[(1, 5.0), (4, 2.5), (7, 4.0)], &[(3, 1.5)]];
        let asked: Vec<Vec<(u32, f32)>> = (givens.iter())
            .map(|given| {
                (0..items as u32)
                    .filter(|m| given.iter().all(|g| g.0 != *m))
                    .map(|m| (m, 0.0))
                    .collect()
            })
            .collect();
        let visits: Vec<Visit> = (givens.iter().zip(&asked))
            .map(|(given, asked)| Visit { given, asked })
            .collect();
        let network_stars = inputs.predict(&network, &visits, &device);
        let weights = network.to_weights(&inputs, 4.4, 1.8);
        weights.validate(items).unwrap();
        let predictor = StarsPredictor::new(&weights);
        for (visit, network_stars) in visits.iter().zip(&network_stars) {
            let page: Vec<(usize, f32)> = (visit.given.iter())
                .map(|&(m, s)| (m as usize, s))
                .collect();
            let page_stars = predictor.predict(&page);
            for (&(movie, _), network) in visit.asked.iter().zip(network_stars) {
                let page = page_stars[movie as usize];
                // Apart only by the int8 rows (half a step each).
                assert!(
                    (page - network).abs() < 0.05,
                    "movie {movie}: page {page}, network {network}"
                );
            }
        }
    }
}
