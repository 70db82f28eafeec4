//! `ease`: EASE (Steck 2019): a closed-form item-item model, `B = I - P·diag(1/diag(P))` with
//! `P = (XᵀX + Λ)⁻¹`, zero diagonal. With `Λ = λI` it is the strong baseline the fold-in model
//! must match on held-out users; λ is tuned on validation users. With dropout `p` it is EDLAE
//! (Steck 2020, "Autoencoders that don't overfit towards the identity"): `Λ = λI + p/(1−p)·
//! diag(XᵀX)`, the closed form of a denoising autoencoder trained with input dropout `p`, which
//! regularises popular movies more.
//!
//! As page weights, the full-rank model is `B`'s rows as input embeddings and the identity as
//! output embeddings (`items²` bytes each): exact up to int8 rounding, and large. The fold-in
//! model ([`super::foldin`]) is the factorised form the page can afford.

use super::{Fitted, NewUserModel};
use crate::data::split::HeldOutUser;
use crate::evaluate::ndcg_at_100;
use crate::experiment::Experiment;
use crate::memory;
use crate::model::Model;
use crate::options::ModelOptions;
use crate::protocol::NewUserTask;
use crate::randomized_svd::{Iteration, LinearOperator, SparseRows, right_singular};
use crate::report::Phases;
use crate::training::RunSettings;
use anyhow::{Context, Result, bail};
use burn::config::Config;
use burn::tensor::backend::AutodiffBackend;
use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, MatRef};
use rayon::prelude::*;
use shared::neighbours::NeighbourScorer;
use shared::{Activation, FoldInWeights, Neighbours, QuantMatrix};

/// `trainer train --model ease`.
pub struct EaseModel;

#[derive(Config, Debug)]
pub struct EaseConfig {
    /// λ values tried on the validation users.
    #[config(default = "vec![50.0, 100.0, 200.0, 400.0, 800.0]")]
    pub lambdas: Vec<f64>,
    /// EDLAE dropouts tried with every λ; 0 is plain EASE.
    #[config(default = "vec![0.0]")]
    pub dropouts: Vec<f64>,
}

impl EaseConfig {
    pub fn grid(&self) -> Vec<Regularisation> {
        Regularisation::grid(&self.lambdas, &self.dropouts)
    }
}

impl Model for EaseModel {
    const NAME: &'static str = "ease";
    const ABOUT: &'static str = "EASE, closed form, λ tuned on validation users (--l2 fixes λ, --dropout makes it EDLAE); full rank, a large file";
    type Config = EaseConfig;

    fn config(options: &mut ModelOptions, _seed: u64) -> Result<EaseConfig> {
        let mut config = EaseConfig::new();
        if let Some(lambda) = options.l2.take() {
            config.lambdas = vec![lambda];
        }
        if let Some(dropout) = options.dropout.take() {
            config.dropouts = vec![dropout];
        }
        Ok(config)
    }
}

impl NewUserModel for EaseModel {
    fn fit<B: AutodiffBackend>(
        config: &EaseConfig,
        task: &NewUserTask,
        experiment: &Experiment<B>,
        _identity: &RunSettings,
        phases: &mut Phases,
    ) -> Result<Fitted<EaseConfig>> {
        check_memory(task, experiment.memory_budget, "EASE")?;
        let items = task.items.len();
        let tuned = Ease::tuned(
            &task.train_rows,
            items,
            &task.validation,
            &config.grid(),
            phases,
        )?;
        Ok(Fitted {
            weights: tuned.model.foldin_weights(),
            parameters: items * items,
            description: format!(
                "EASE ({}), tuned on validation users, full rank",
                tuned.regularisation
            ),
            history: Default::default(),
            chosen: EaseConfig {
                lambdas: vec![tuned.regularisation.lambda],
                dropouts: vec![tuned.regularisation.dropout],
            },
        })
    }
}

pub struct Ease {
    items: usize,
    /// Row-major `[items, items]`: row i holds the weights from item i to every item.
    weights: Vec<f32>,
}

/// EASE's regularisation: `lambda` on every movie, and EDLAE's `dropout` (0 for plain EASE).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Regularisation {
    pub lambda: f64,
    pub dropout: f64,
}

impl Regularisation {
    /// Every pair of `lambdas` and `dropouts`.
    pub fn grid(lambdas: &[f64], dropouts: &[f64]) -> Vec<Self> {
        dropouts
            .iter()
            .flat_map(|&dropout| lambdas.iter().map(move |&lambda| Self { lambda, dropout }))
            .collect()
    }
}

impl std::fmt::Display for Regularisation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "λ={}", self.lambda)?;
        if self.dropout > 0.0 {
            write!(f, ", dropout {}", self.dropout)?;
        }
        Ok(())
    }
}

impl Ease {
    /// Fits on users' item rows (item indices `< items`).
    pub fn fit(rows: &[Vec<u32>], items: usize, regularisation: Regularisation) -> Result<Self> {
        Self::from_gram(gram(rows, items), regularisation)
    }

    /// Fits from the lower triangle of `XᵀX`, consuming it: the Gram matrix, its Cholesky factor
    /// and the inverse are never all held at once.
    fn from_gram(mut gram: Mat<f64>, regularisation: Regularisation) -> Result<Self> {
        let items = gram.nrows();
        let Regularisation { lambda, dropout } = regularisation;
        let emphasis = dropout / (1.0 - dropout);
        for i in 0..items {
            gram[(i, i)] += lambda + emphasis * gram[(i, i)];
        }
        let cholesky = gram
            .llt(faer::Side::Lower)
            .map_err(|e| anyhow::anyhow!("{e:?}"))
            .context("EASE: the regularised Gram matrix is not positive definite")?;
        drop(gram);
        let p = cholesky.inverse();
        drop(cholesky);
        let mut weights = vec![0f32; items * items];
        weights
            .par_chunks_mut(items)
            .enumerate()
            .for_each(|(i, row)| {
                for (j, weight) in row.iter_mut().enumerate() {
                    if i != j {
                        *weight = (-p[(i, j)] / p[(j, j)]) as f32;
                    }
                }
            });
        Ok(Self { items, weights })
    }

    /// Each regularisation of `grid` fitted in turn from one Gram matrix; one model is held at a
    /// time.
    pub fn fit_each<'g>(
        rows: &[Vec<u32>],
        items: usize,
        grid: &'g [Regularisation],
    ) -> impl Iterator<Item = Result<(Regularisation, Ease)>> + 'g {
        let gram = gram(rows, items);
        grid.iter()
            .map(move |&r| Ok((r, Self::from_gram(gram.clone(), r)?)))
    }

    /// Scores for a user who picked `picks`: the picked items' weight rows pooled as the page
    /// pools (sum / √picks), which ranks as EASE's plain sum does.
    pub fn scores(&self, picks: &[u32]) -> Vec<f32> {
        shared::foldin::pool(&self.weights, self.items, picks.iter().map(|&i| i as usize))
    }

    /// The page's weights: `B`'s rows in, the identity out, no tower, no bias. The page divides
    /// the pooled rows by √picks, which scales every score alike and leaves the ranking as is.
    pub fn foldin_weights(&self) -> FoldInWeights {
        let n = self.items;
        let identity: Vec<f32> = (0..n * n)
            .map(|k| if k / n == k % n { 1.0 } else { 0.0 })
            .collect();
        FoldInWeights {
            input_embeddings: QuantMatrix::quantize(&self.weights, n, n),
            tower: Vec::new(),
            activation: Activation::Relu,
            output_embeddings: QuantMatrix::quantize(&identity, n, n),
            output_bias: vec![0.0; n],
            neighbours: None,
        }
    }

    /// A rank-`rank` factorisation `B ≈ P·Qᵀ`, both row-major `[items, rank]`: the start of the
    /// fold-in model, whose input and output embeddings have exactly this shape.
    ///
    /// It is the best rank-`rank` approximation of the *scores* `S = X̃·B` that `B` gives the
    /// training users `rows` (each row scaled by 1/√n, as the fold-in model scales picks), not of
    /// the weights themselves: with `S = U·Σ·Wᵀ`, `P = B·W_r` and `Q = W_r`. A plain SVD of `B`
    /// spends its rank on the large weights of rarely seen movies, which few users' scores use.
    /// `W_r` comes from randomised subspace iteration (Halko et al. 2011) on `SᵀS`, which only
    /// multiplies by `B` and the sparse `X̃`: the users × movies `S` is never formed.
    /// The columns are rescaled so that `P` and `Q` have equal column norms (int8 rows stay
    /// balanced) and ordered by importance: a smaller rank keeps the leading columns.
    pub fn factors(&self, rows: &[Vec<u32>], rank: usize) -> Result<(Vec<f32>, Vec<f32>)> {
        let n = self.items;
        let b = MatRef::from_row_major_slice(&self.weights, n, n);
        let scores = TrainingScores {
            weights: b,
            picks: pick_matrix(rows, n),
        };
        let rank = rank.min(n).min(scores.rows());
        let w = right_singular(&scores, rank, FACTORISATION)
            .context("EASE: factorising the training users' scores")?
            .vectors;
        let p = b * &w;
        let mut input = vec![0f32; n * rank];
        let mut output = vec![0f32; n * rank];
        for k in 0..rank {
            let norm = (0..n)
                .map(|i| f64::from(p[(i, k)]).powi(2))
                .sum::<f64>()
                .sqrt();
            // P's column has norm `norm`, Q's (a singular vector) norm 1: meet at √norm.
            let root = norm.max(1e-12).sqrt() as f32;
            for i in 0..n {
                input[i * rank + k] = p[(i, k)] / root;
                output[i * rank + k] = w[(i, k)] * root;
            }
        }
        Ok((input, output))
    }

    /// The shape (among `shapes`) whose factorisation (see [`Ease::factors`]) with its residual
    /// neighbours ([`Self::residual_neighbours`]) ranks validation users' movies best. One SVD
    /// serves every rank (a smaller rank keeps the leading columns) and one residual every
    /// number of neighbours at a rank (fewer keep the strongest).
    pub fn best_factors(
        &self,
        rows: &[Vec<u32>],
        shapes: &[Shape],
        validation: &[HeldOutUser],
    ) -> Result<Factorised> {
        let max_rank = shapes
            .iter()
            .map(|s| s.rank)
            .max()
            .context("no rank to try")?
            .min(self.items);
        let (input, output) = self.factors(rows, max_rank)?;
        // Fewer training users than the rank give fewer directions: then the rank is theirs.
        let width = input.len() / self.items.max(1);
        let mut tried: Vec<Shape> = shapes.iter().copied().filter(|s| s.rank <= width).collect();
        if tried.is_empty() {
            tried.push(Shape {
                rank: width,
                neighbours: 0,
            });
        }
        let measure = tried.len() > 1;
        let mut best: Option<(f64, Factorised)> = None;
        let mut ranks: Vec<usize> = tried.iter().map(|s| s.rank).collect();
        ranks.sort_unstable();
        ranks.dedup();
        for rank in ranks {
            let (p, q) = (
                leading_columns(&input, width, rank),
                leading_columns(&output, width, rank),
            );
            let most = tried
                .iter()
                .filter(|s| s.rank == rank)
                .map(|s| s.neighbours)
                .max()
                .unwrap_or(0);
            let strongest = self.residual_neighbours(&p, &q, rank, most);
            for shape in tried.iter().filter(|s| s.rank == rank) {
                let neighbours = strongest.first(shape.neighbours);
                let ndcg = if measure {
                    let scorer = neighbours.scorer();
                    let ndcg = ndcg_at_100(validation, |picks| {
                        let user =
                            shared::foldin::pool(&p, rank, picks.iter().map(|&i| i as usize));
                        let mut scores: Vec<f32> = q
                            .chunks_exact(rank)
                            .map(|row| shared::foldin::dot(row, &user))
                            .collect();
                        let weighted: Vec<(usize, f32)> =
                            picks.iter().map(|&p| (p as usize, 1.0)).collect();
                        scorer.add(&mut scores, &weighted);
                        scores
                    });
                    eprintln!(
                        "EASE factorised to rank {rank} with {} neighbours a movie: validation NDCG@100 {ndcg:.4}",
                        shape.neighbours
                    );
                    ndcg
                } else {
                    0.0
                };
                if best.as_ref().is_none_or(|(b, _)| ndcg > *b) {
                    best = Some((
                        ndcg,
                        Factorised {
                            shape: *shape,
                            input: p.clone(),
                            output: q.clone(),
                            neighbours: neighbours.quantize(),
                        },
                    ));
                }
            }
        }
        Ok(best.context("no rank within the catalogue size")?.1)
    }

    /// Each movie's `per_movie` largest entries of the residual `B − P·Qᵀ` (never its own): what
    /// the rank-`rank` factors `P`, `Q` (row-major `[items, rank]`) miss of its weights, the
    /// largest first, negative ones kept as 0 (a neighbour only lifts). Row blocks in parallel:
    /// the `items × items` residual is never held at once.
    fn residual_neighbours(
        &self,
        p: &[f32],
        q: &[f32],
        rank: usize,
        per_movie: usize,
    ) -> Strongest {
        let n = self.items;
        let per_movie = per_movie.min(n.saturating_sub(1));
        if per_movie == 0 {
            return Strongest::default();
        }
        let q = MatRef::from_row_major_slice(q, n, rank);
        let blocks: Vec<(Vec<u32>, Vec<f32>)> = (0..n.div_ceil(RESIDUAL_BLOCK))
            .into_par_iter()
            .map(|block| {
                let rows = block * RESIDUAL_BLOCK..((block + 1) * RESIDUAL_BLOCK).min(n);
                let low_rank = MatRef::from_row_major_slice(
                    &p[rows.start * rank..rows.end * rank],
                    rows.len(),
                    rank,
                ) * q.transpose();
                let (mut indices, mut weights) = (Vec::new(), Vec::new());
                for (r, movie) in rows.enumerate() {
                    let residual: Vec<f32> = (0..n)
                        .map(|j| self.weights[movie * n + j] - low_rank[(r, j)])
                        .collect();
                    let others = (0..n).filter(|&j| j != movie).collect();
                    for j in shared::rank::top_k(&residual, others, per_movie) {
                        indices.push(j as u32);
                        weights.push(residual[j].max(0.0));
                    }
                }
                (indices, weights)
            })
            .collect();
        let (indices, weights): (Vec<Vec<u32>>, Vec<Vec<f32>>) = blocks.into_iter().unzip();
        Strongest {
            per_movie,
            indices: indices.concat(),
            weights: weights.concat(),
        }
    }

    /// Tries each regularisation and keeps the one with the best validation NDCG@100 (the
    /// first of equals). Past [`TUNING_MOVIES`] movies the regularisation is chosen on the
    /// most liked of them (fits cost movies³) and the winner is fitted once on all. The grid
    /// and that last fit are timed apart in `phases`.
    pub fn tuned(
        rows: &[Vec<u32>],
        items: usize,
        validation: &[HeldOutUser],
        grid: &[Regularisation],
        phases: &mut Phases,
    ) -> Result<Tuned> {
        if let [only] = grid {
            // One setting (a refit's): nothing to choose.
            return phases.time("EASE fit", || {
                Self::fit_measured(rows, items, validation, *only)
            });
        }
        if items <= TUNING_MOVIES {
            return phases.time("EASE settings grid", || {
                Self::tuned_on_all(rows, items, validation, grid)
            });
        }
        let chosen = phases
            .time("EASE settings grid (most liked movies)", || {
                let subset = MovieSubset::most_liked(rows, items, TUNING_MOVIES);
                Self::tuned_on_all(
                    &subset.rows(rows),
                    TUNING_MOVIES,
                    &subset.users(validation),
                    grid,
                )
            })?
            .regularisation;
        eprintln!(
            "EASE: {chosen} chosen on the {TUNING_MOVIES} most liked movies; fitting all {items}"
        );
        phases.time("EASE fit on every movie", || {
            Self::fit_measured(rows, items, validation, chosen)
        })
    }

    /// `regularisation` fitted on all `items`, with its validation NDCG@100.
    fn fit_measured(
        rows: &[Vec<u32>],
        items: usize,
        validation: &[HeldOutUser],
        regularisation: Regularisation,
    ) -> Result<Tuned> {
        let model = Self::fit(rows, items, regularisation)?;
        Ok(Tuned {
            regularisation,
            validation_ndcg: ndcg_at_100(validation, |picks| model.scores(picks)),
            model,
        })
    }

    /// [`Self::tuned`] with every regularisation fitted on all `items`.
    fn tuned_on_all(
        rows: &[Vec<u32>],
        items: usize,
        validation: &[HeldOutUser],
        grid: &[Regularisation],
    ) -> Result<Tuned> {
        let gram = gram(rows, items);
        let mut best: Option<Tuned> = None;
        let try_fit = |regularisation: Regularisation| -> Result<Tuned> {
            let model = Self::from_gram(gram.clone(), regularisation)?;
            let validation_ndcg = ndcg_at_100(validation, |picks| model.scores(picks));
            eprintln!("EASE {regularisation}: validation NDCG@100 {validation_ndcg:.4}");
            Ok(Tuned {
                regularisation,
                validation_ndcg,
                model,
            })
        };
        for &regularisation in grid {
            let tried = try_fit(regularisation)?;
            if best
                .as_ref()
                .is_none_or(|b| tried.validation_ndcg > b.validation_ndcg)
            {
                best = Some(tried);
            }
        }
        let mut best = best.context("no regularisation to try")?;
        // Chosen at the top of a grid of λs: a larger one may be better still (the large
        // releases' users want more regularisation). Double it while validation improves.
        let lambdas: Vec<f64> = grid.iter().map(|r| r.lambda).collect();
        let top = lambdas.iter().copied().fold(f64::MIN, f64::max);
        let mut doublings = 0;
        while lambdas.len() > 1 && best.regularisation.lambda >= top && doublings < MAX_DOUBLINGS {
            doublings += 1;
            let tried = try_fit(Regularisation {
                lambda: best.regularisation.lambda * 2.0,
                ..best.regularisation
            })?;
            if tried.validation_ndcg <= best.validation_ndcg {
                break;
            }
            best = tried;
        }
        Ok(best)
    }
}

/// How many times the largest λ of a grid may be doubled when it is the best.
const MAX_DOUBLINGS: usize = 6;

/// Regularisations are chosen on at most this many movies (the most liked): an EASE fit costs
/// movies³, and the best λ depends on the users far more than on the long tail of movies.
pub const TUNING_MOVIES: usize = 4_000;
/// The factorisation's subspace iteration: enough for the leading directions of the training
/// users' scores, with a fixed random start so that a model file is reproducible.
const FACTORISATION: Iteration = Iteration {
    oversampling: 16,
    rounds: 4,
    seed: 0x5eed,
};

/// The lower triangle (diagonal included) of `XᵀX` for users' item rows: how many users like
/// each pair of movies. Columns are filled in parallel, each by one thread.
fn gram(rows: &[Vec<u32>], items: usize) -> Mat<f64> {
    let mut gram = Mat::<f64>::zeros(items, items);
    let chunk = items.div_ceil(4 * rayon::current_num_threads()).max(1);
    gram.par_col_chunks_mut(chunk)
        .enumerate()
        .for_each(|(c, mut block)| {
            let first = c * chunk;
            let columns = first..first + block.ncols();
            for row in rows {
                for &j in row.iter().filter(|&&j| columns.contains(&(j as usize))) {
                    for &i in row.iter().filter(|&&i| i >= j) {
                        block[(i as usize, j as usize - first)] += 1.0;
                    }
                }
            }
        });
    gram
}

/// The most liked movies of a catalogue, renumbered `0..len` in catalogue order.
struct MovieSubset {
    /// Catalogue movie → subset movie.
    index: Vec<Option<u32>>,
}

impl MovieSubset {
    fn most_liked(rows: &[Vec<u32>], items: usize, count: usize) -> Self {
        let mut likes = vec![0usize; items];
        for &item in rows.iter().flatten() {
            likes[item as usize] += 1;
        }
        let mut order: Vec<usize> = (0..items).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(likes[i]));
        let mut kept = order[..count.min(items)].to_vec();
        kept.sort_unstable();
        let mut index = vec![None; items];
        for (k, &i) in kept.iter().enumerate() {
            index[i] = Some(k as u32);
        }
        Self { index }
    }

    fn map(&self, items: &[u32]) -> Vec<u32> {
        items
            .iter()
            .filter_map(|&i| self.index[i as usize])
            .collect()
    }

    fn rows(&self, rows: &[Vec<u32>]) -> Vec<Vec<u32>> {
        rows.iter().map(|row| self.map(row)).collect()
    }

    /// Held-out users within the subset; those left with nothing to fold in or predict go.
    fn users(&self, users: &[HeldOutUser]) -> Vec<HeldOutUser> {
        users
            .iter()
            .filter_map(|u| u.remapped(|items| self.map(items)))
            .collect()
    }
}

/// Users' picks as the sparse rows of `X̃`, each scaled by 1/√picks as the page pools them;
/// users without picks are left out.
fn pick_matrix(rows: &[Vec<u32>], items: usize) -> SparseRows<f32> {
    SparseRows {
        cols: items,
        rows: rows
            .iter()
            .filter(|row| !row.is_empty())
            .map(|row| {
                let weight = 1.0 / (row.len() as f32).sqrt();
                row.iter().map(|&i| (i, weight)).collect()
            })
            .collect(),
    }
}

/// The scores `S = X̃·B` that EASE's weights give the training users, as an operator: only
/// products with the sparse `X̃` and the dense `B`, never the users × movies matrix.
struct TrainingScores<'a> {
    weights: MatRef<'a, f32>,
    picks: SparseRows<f32>,
}

impl LinearOperator<f32> for TrainingScores<'_> {
    fn rows(&self) -> usize {
        self.picks.rows()
    }

    fn cols(&self) -> usize {
        self.weights.ncols()
    }

    fn times(&self, x: &Mat<f32>) -> Mat<f32> {
        self.picks.times(&(self.weights * x))
    }

    fn transpose_times(&self, y: &Mat<f32>) -> Mat<f32> {
        self.weights.transpose() * self.picks.transpose_times(y)
    }
}

/// Bytes an EASE fit holds at its peak for `items` movies. Tuning keeps the Gram matrix while
/// each fit holds its copy, the Cholesky factor (or the inverse) and the best weights so far:
/// 28 bytes per movie pair over the tuning movies. The final fit past [`TUNING_MOVIES`] holds
/// two f64 matrices at a time: 16 bytes per pair.
pub fn peak_bytes(items: usize) -> u64 {
    let tuning = items.min(TUNING_MOVIES) as u64;
    (28 * tuning.pow(2)).max(16 * (items as u64).pow(2))
}

/// Refuses, before anything is allocated, an EASE fit over the task's movies that would not fit
/// in `budget` bytes, saying how many movies would.
pub fn check_memory(task: &NewUserTask, budget: Option<u64>, what: &str) -> Result<()> {
    let items = task.items.len();
    let needed = peak_bytes(items);
    let Some(budget) = budget.filter(|&budget| needed > budget) else {
        return Ok(());
    };
    let affordable = (0..items).rev().find(|&n| peak_bytes(n) <= budget);
    let advice = match affordable {
        Some(movies) if movies > 0 => {
            format!("--max-movies {movies} (the most liked) fits")
        }
        _ => "no catalogue fits".to_string(),
    };
    bail!(
        "{what} over {items} movies needs about {} (a dense movie × movie matrix) and {} are available: {advice}; or choose hybrid or puresvd, which hold no movie × movie matrix; or raise --max-memory-gb",
        memory::in_words(needed),
        memory::in_words(budget)
    )
}

/// A factorisation's size: its rank and each movie's neighbours beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub rank: usize,
    pub neighbours: usize,
}

/// The winner of [`Ease::best_factors`]: row-major `[items, rank]` input and output
/// embeddings, and the neighbours beside them (`None` without).
pub struct Factorised {
    pub shape: Shape,
    pub input: Vec<f32>,
    pub output: Vec<f32>,
    pub neighbours: Option<Neighbours>,
}

/// Each movie's strongest residual weights in f32, the strongest first; fewer a movie are a
/// prefix of each row.
#[derive(Default)]
struct Strongest {
    per_movie: usize,
    /// `items × per_movie`.
    indices: Vec<u32>,
    weights: Vec<f32>,
}

impl Strongest {
    /// The first `count` of each movie's neighbours.
    fn first(&self, count: usize) -> Strongest {
        let count = count.min(self.per_movie);
        let width = self.per_movie.max(1);
        Strongest {
            per_movie: count,
            indices: leading_columns(&self.indices, width, count),
            weights: leading_columns(&self.weights, width, count),
        }
    }

    /// These f32 rows scoring as the page scores its int8 ones (pooled like the picks).
    fn scorer(&self) -> NeighbourScorer {
        NeighbourScorer::from_rows(self.per_movie, self.indices.clone(), self.weights.clone())
    }

    /// The page's int8 form; `None` without neighbours.
    fn quantize(&self) -> Option<Neighbours> {
        (self.per_movie > 0)
            .then(|| Neighbours::quantize(self.indices.clone(), &self.weights, self.per_movie))
    }
}

/// Movies whose residual rows are computed at once (a `RESIDUAL_BLOCK × items` f32 block each).
const RESIDUAL_BLOCK: usize = 256;

/// The winner of [`Ease::tuned`], with the validation NDCG@100 that chose it, so that two grids
/// can be compared without refitting either.
pub struct Tuned {
    pub regularisation: Regularisation,
    pub validation_ndcg: f64,
    pub model: Ease,
}

/// The first `rank` columns of a row-major `[rows, width]` matrix.
fn leading_columns<T: Copy>(matrix: &[T], width: usize, rank: usize) -> Vec<T> {
    matrix
        .chunks_exact(width)
        .flat_map(|row| &row[..rank])
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ridge(lambda: f64) -> Regularisation {
        Regularisation {
            lambda,
            dropout: 0.0,
        }
    }

    #[test]
    fn learns_co_occurrence_and_never_scores_an_item_for_itself() {
        // Items 0 and 1 always appear together, item 2 with 3.
        let rows = vec![vec![0, 1], vec![0, 1], vec![0, 1], vec![2, 3], vec![2, 3]];
        let ease = Ease::fit(&rows, 4, ridge(0.5)).unwrap();
        let s = ease.scores(&[0]);
        assert_eq!(s[0], 0.0);
        assert!(
            s[1] > 0.5 && s[2].abs() < 1e-6 && s[3].abs() < 1e-6,
            "{s:?}"
        );
        // Closed form for the 2-item block: G = [[3.5, 3], [3, 3.5]], P = G⁻¹, B01 = -P01/P11 = 3/3.5.
        assert!((s[1] - 3.0 / 3.5).abs() < 1e-5, "{}", s[1]);
        // EDLAE with dropout 0.5 adds p/(1−p)·G_ii = 3 to each diagonal: B01 = 3/6.5.
        let edlae = Regularisation {
            lambda: 0.5,
            dropout: 0.5,
        };
        let s = Ease::fit(&rows, 4, edlae).unwrap().scores(&[0]);
        assert!((s[1] - 3.0 / 6.5).abs() < 1e-5, "{}", s[1]);
    }

    #[test]
    fn full_rank_factors_reproduce_the_weights() {
        let rows = vec![
            vec![0, 1, 2],
            vec![0, 1],
            vec![1, 2],
            vec![2, 3],
            vec![0, 3],
        ];
        let ease = Ease::fit(&rows, 4, ridge(1.0)).unwrap();
        let (p, q) = ease.factors(&rows, 4).unwrap();
        for i in 0..4 {
            for j in 0..4 {
                let product: f32 = (0..4).map(|k| p[i * 4 + k] * q[j * 4 + k]).sum();
                assert!(
                    (product - ease.weights[i * 4 + j]).abs() < 1e-4,
                    "({i},{j}): {product}"
                );
            }
        }
    }

    #[test]
    fn low_rank_factors_keep_the_training_users_scores() {
        // Three users over six movies: rank 3 holds their scores exactly, although the weights
        // themselves have a higher rank (a plain SVD of B at rank 3 would not).
        let rows = vec![vec![0, 1, 2], vec![2, 3], vec![3, 4, 5, 0]];
        let ease = Ease::fit(&rows, 6, ridge(0.5)).unwrap();
        let (p, q) = ease.factors(&rows, 3).unwrap();
        for row in &rows {
            let exact = ease.scores(row);
            let user = shared::foldin::pool(&p, 3, row.iter().map(|&i| i as usize));
            for (j, e) in exact.iter().enumerate() {
                let factored = shared::foldin::dot(&user, &q[j * 3..(j + 1) * 3]);
                assert!(
                    (factored - e).abs() < 1e-4,
                    "{row:?} movie {j}: {factored} vs {e}"
                );
            }
        }
    }
}
