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
use crate::evaluate::{FoldInTask, ndcg_at_100};
use crate::registry::{Model, Options, Run};
use crate::training::RunSettings;
use anyhow::{Context, Result, bail};
use burn::config::Config;
use burn::tensor::backend::AutodiffBackend;
use faer::Mat;
use faer::linalg::solvers::DenseSolveCore;
use shared::{Activation, FoldInModel, QuantMatrix};

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

    fn config(options: &mut Options, _seed: u64) -> Result<EaseConfig> {
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
        task: &FoldInTask,
        run: &Run<B>,
        _identity: &RunSettings,
    ) -> Result<Fitted<EaseConfig>> {
        check_memory(task, run.memory_budget, "EASE")?;
        let items = task.items.len();
        let tuned = Ease::tuned(&task.train_rows, items, &task.validation, &config.grid())?;
        Ok(Fitted {
            weights: tuned.model.foldin_model(),
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
        let mut gram = Mat::<f64>::zeros(items, items);
        for row in rows {
            for &i in row {
                for &j in row {
                    gram[(i as usize, j as usize)] += 1.0;
                }
            }
        }
        let Regularisation { lambda, dropout } = regularisation;
        let emphasis = dropout / (1.0 - dropout);
        for i in 0..items {
            gram[(i, i)] += lambda + emphasis * gram[(i, i)];
        }
        let p = gram
            .llt(faer::Side::Lower)
            .map_err(|e| anyhow::anyhow!("{e:?}"))
            .context("EASE: the regularised Gram matrix is not positive definite")?
            .inverse();
        let mut weights = vec![0f32; items * items];
        for i in 0..items {
            for j in 0..items {
                if i != j {
                    weights[i * items + j] = (-p[(i, j)] / p[(j, j)]) as f32;
                }
            }
        }
        Ok(Self { items, weights })
    }

    /// Scores for a user who picked `picks`: the picked items' weight rows pooled as the page
    /// pools (sum / √picks), which ranks as EASE's plain sum does.
    pub fn scores(&self, picks: &[u32]) -> Vec<f32> {
        shared::foldin::pool(&self.weights, self.items, picks.iter().map(|&i| i as usize))
    }

    /// The page's weights: `B`'s rows in, the identity out, no tower, no bias. The page divides
    /// the pooled rows by √picks, which scales every score alike and leaves the ranking as is.
    pub fn foldin_model(&self) -> FoldInModel {
        let n = self.items;
        let identity: Vec<f32> = (0..n * n)
            .map(|k| if k / n == k % n { 1.0 } else { 0.0 })
            .collect();
        FoldInModel {
            input_embeddings: QuantMatrix::quantize(&self.weights, n, n),
            tower: Vec::new(),
            activation: Activation::Relu,
            output_embeddings: QuantMatrix::quantize(&identity, n, n),
            output_bias: vec![0.0; n],
        }
    }

    /// A rank-`rank` factorisation `B ≈ P·Qᵀ`, both row-major `[items, rank]`: the start of the
    /// fold-in model, whose input and output embeddings have exactly this shape.
    ///
    /// It is the best rank-`rank` approximation of the *scores* `X̃·B` that `B` gives the training
    /// users `rows` (each row scaled by 1/√n, as the fold-in model scales picks), not of the
    /// weights themselves: with `X̃·B = U·Σ·Wᵀ`, `P = B·W_r` and `Q = W_r`. A plain SVD of `B`
    /// spends its rank on the large weights of rarely seen movies, which few users' scores use.
    /// The columns are rescaled so that `P` and `Q` have equal column norms (int8 rows stay
    /// balanced) and ordered by importance: a smaller rank keeps the leading columns.
    pub fn factors(&self, rows: &[Vec<u32>], rank: usize) -> Result<(Vec<f32>, Vec<f32>)> {
        let n = self.items;
        let b = Mat::<f64>::from_fn(n, n, |i, j| self.weights[i * n + j] as f64);
        let users: Vec<&Vec<u32>> = rows.iter().filter(|r| !r.is_empty()).collect();
        let mut scores = Mat::<f64>::zeros(users.len(), n);
        for (u, row) in users.iter().enumerate() {
            for (j, score) in self.scores(row).into_iter().enumerate() {
                scores[(u, j)] = f64::from(score);
            }
        }
        let svd = scores
            .thin_svd()
            .map_err(|e| anyhow::anyhow!("{e:?}"))
            .context("EASE: SVD of the training users' scores did not converge")?;
        let rank = rank.min(svd.V().ncols());
        let w = svd.V().subcols(0, rank).to_owned();
        let p = &b * &w;
        let mut input = vec![0f32; n * rank];
        let mut output = vec![0f32; n * rank];
        for k in 0..rank {
            let norm = (0..n).map(|i| p[(i, k)].powi(2)).sum::<f64>().sqrt();
            // P's column has norm `norm`, Q's (an eigenvector) norm 1: meet at √norm.
            let root = norm.max(1e-12).sqrt();
            for i in 0..n {
                input[i * rank + k] = (p[(i, k)] / root) as f32;
                output[i * rank + k] = (w[(i, k)] * root) as f32;
            }
        }
        Ok((input, output))
    }

    /// The rank (among `ranks`) whose factorisation (see [`Ease::factors`]) ranks validation
    /// users' movies best, with its factors. One SVD serves every rank: a smaller rank keeps the leading columns.
    pub fn best_factors(
        &self,
        rows: &[Vec<u32>],
        ranks: &[usize],
        validation: &[HeldOutUser],
    ) -> Result<(usize, Vec<f32>, Vec<f32>)> {
        let max_rank = ranks
            .iter()
            .copied()
            .max()
            .context("no rank to try")?
            .min(self.items);
        let (input, output) = self.factors(rows, max_rank)?;
        // Fewer training users than the rank give fewer directions: then the rank is theirs.
        let width = input.len() / self.items.max(1);
        let mut tried: Vec<usize> = ranks.iter().copied().filter(|&r| r <= width).collect();
        if tried.is_empty() {
            tried.push(width);
        }
        let mut best: Option<(f64, usize)> = None;
        for rank in tried {
            let (p, q) = (
                leading_columns(&input, width, rank),
                leading_columns(&output, width, rank),
            );
            let ndcg = ndcg_at_100(validation, |picks| {
                let user = shared::foldin::pool(&p, rank, picks.iter().map(|&i| i as usize));
                q.chunks_exact(rank)
                    .map(|row| shared::foldin::dot(row, &user))
                    .collect()
            });
            eprintln!("EASE factorised to rank {rank}: validation NDCG@100 {ndcg:.4}");
            if best.is_none_or(|(b, _)| ndcg > b) {
                best = Some((ndcg, rank));
            }
        }
        let (_, rank) = best.context("no rank within the catalogue size")?;
        Ok((
            rank,
            leading_columns(&input, width, rank),
            leading_columns(&output, width, rank),
        ))
    }

    /// Tries each regularisation and keeps the one with the best validation NDCG@100 (the
    /// first of equals).
    pub fn tuned(
        rows: &[Vec<u32>],
        items: usize,
        validation: &[HeldOutUser],
        grid: &[Regularisation],
    ) -> Result<Tuned> {
        let mut best: Option<Tuned> = None;
        for &regularisation in grid {
            let model = Self::fit(rows, items, regularisation)?;
            let validation_ndcg = ndcg_at_100(validation, |picks| model.scores(picks));
            eprintln!("EASE {regularisation}: validation NDCG@100 {validation_ndcg:.4}");
            if best
                .as_ref()
                .is_none_or(|b| validation_ndcg > b.validation_ndcg)
            {
                best = Some(Tuned {
                    regularisation,
                    validation_ndcg,
                    model,
                });
            }
        }
        best.context("no regularisation to try")
    }
}

/// Bytes an EASE fit holds at its peak for `items` movies: the Gram matrix, its Cholesky factor
/// and its inverse in f64, and the f32 weights of the best fit so far and the current one.
pub fn peak_bytes(items: usize) -> u64 {
    36 * (items as u64).pow(2)
}

/// Refuses, before anything is allocated, an EASE fit over the task's movies that would not fit
/// in `budget` bytes, saying which `--min-item-users` would.
pub fn check_memory(task: &FoldInTask, budget: Option<u64>, what: &str) -> Result<()> {
    let items = task.items.len();
    let needed = peak_bytes(items);
    let Some(budget) = budget.filter(|&budget| needed > budget) else {
        return Ok(());
    };
    // How many training users like each movie: a higher --min-item-users keeps the most liked.
    let mut likes = vec![0usize; items];
    for &item in task.train_rows.iter().flatten() {
        likes[item as usize] += 1;
    }
    likes.sort_unstable_by(|a, b| b.cmp(a));
    let affordable = ((budget / 36) as f64).sqrt() as usize;
    let advice = match likes.get(affordable) {
        Some(&cut) if cut < likes[0] => {
            let kept = likes.iter().filter(|&&n| n > cut).count();
            format!(
                "--min-item-users {} keeps {kept} movies, which fit",
                cut + 1
            )
        }
        _ => "no --min-item-users keeps enough movies to fit".to_string(),
    };
    bail!(
        "{what} over {items} movies needs about {:.1} GB (a dense movie × movie matrix) and {:.1} GB are available: {advice}; or choose hybrid or puresvd, which hold no movie × movie matrix; or raise --max-memory-gb",
        needed as f64 / 1e9,
        budget as f64 / 1e9
    )
}

/// The winner of [`Ease::tuned`], with the validation NDCG@100 that chose it, so that two grids
/// can be compared without refitting either.
pub struct Tuned {
    pub regularisation: Regularisation,
    pub validation_ndcg: f64,
    pub model: Ease,
}

/// The first `rank` columns of a row-major `[rows, width]` matrix.
fn leading_columns(matrix: &[f32], width: usize, rank: usize) -> Vec<f32> {
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
