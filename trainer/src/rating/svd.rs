//! `svd` and `svdpp`: matrix factorisation of the ratings.
//!
//! [`FunkSvd`] is Surprise's `SVD` (Funk 2006; Koren, Bell & Volinsky 2009), step for step:
//! `r̂(u, i) = μ + b_u + b_i + q_i·p_u`, factors drawn from normal(0, 0.1), biases from zero, then
//! 20 epochs of SGD over the ratings grouped by user (no shuffling, as Surprise), each rating
//! updating with the error `e` computed before the update:
//! `b_u += lr (e − reg b_u)`, `b_i += lr (e − reg b_i)`,
//! `p_u += lr (e q_i − reg p_u)`, `q_i += lr (e p_u − reg q_i)` (the old `p_u`),
//! with Surprise's defaults: 100 factors, lr 0.005, reg 0.02. A user or movie without training
//! ratings contributes no bias and no dot product.
//!
//! With `implicit` it is Surprise's `SVDpp` (SVD++, Koren 2008): the user is also described by
//! the movies they rated, `r̂(u, i) = μ + b_u + b_i + q_i·(p_u + |N(u)|^-½ Σ_{j∈N(u)} y_j)`, and
//! each rating also moves every `y_j` of the user's movies, `y_j += lr (e q_i |N(u)|^-½ − reg y_j)`
//! (the old `q_i`); `q_i` then learns from `p_u` plus that implicit term. Surprise's defaults
//! for it: 20 factors, lr 0.007, reg 0.02.

use super::matrix::{RatingMatrix, RatingPredictor};
use super::{Fitted, Published, RatingModel};
use crate::data::Rating;
use crate::experiment::Experiment;
use crate::model::Model;
use crate::options::ModelOptions;
use crate::training::RunSettings;
use anyhow::Result;
use burn::config::Config;
use burn::tensor::backend::AutodiffBackend;
use faer::Mat;
use faer::linalg::solvers::Solve;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};

/// `trainer train --model svd`.
pub struct SvdModel;
/// `trainer train --model svdpp`.
pub struct SvdppModel;

/// Surprise's `SVD` defaults; [`FunkSvdConfig::svdpp`] has its `SVDpp` ones.
#[derive(Config, Debug, PartialEq)]
pub struct FunkSvdConfig {
    #[config(default = 100)]
    pub factors: usize,
    #[config(default = 20)]
    pub epochs: usize,
    #[config(default = 0.005)]
    pub learning_rate: f64,
    #[config(default = 0.02)]
    pub reg: f64,
    /// Standard deviation of the initial factors.
    #[config(default = 0.1)]
    pub init_std: f64,
    #[config(default = 42)]
    pub seed: u64,
    /// SVD++: add the implicit feedback of which movies a user rated.
    #[config(default = false)]
    pub implicit: bool,
}

impl Default for FunkSvdConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl FunkSvdConfig {
    /// These settings with the command line's factors, epochs, rate, regularisation and seed.
    fn with_options(self, options: &mut ModelOptions, seed: u64) -> Result<Self> {
        Ok(Self {
            factors: options.factors.take().unwrap_or(self.factors),
            epochs: options.take_epochs()?.unwrap_or(self.epochs),
            learning_rate: options.learning_rate.take().unwrap_or(self.learning_rate),
            reg: options.l2.take().unwrap_or(self.reg),
            seed,
            ..self
        })
    }
}

impl Model for SvdModel {
    const NAME: &'static str = "svd";
    const ABOUT: &'static str = "Funk-SVD, step for step as Surprise's SVD";
    type Config = FunkSvdConfig;

    fn config(options: &mut ModelOptions, seed: u64) -> Result<FunkSvdConfig> {
        FunkSvdConfig::new().with_options(options, seed)
    }
}

impl RatingModel for SvdModel {
    const SURPRISE: Option<Published> = Some(Published {
        name: "SVD",
        rmse: 0.934,
        mae: 0.737,
    });

    fn fit<'a, B: AutodiffBackend>(
        config: &FunkSvdConfig,
        train: &[Rating],
        experiment: &'a Experiment<B>,
        _identity: &RunSettings,
    ) -> Result<Fitted<'a>> {
        let matrix = RatingMatrix::of(train, experiment.dataset);
        Ok(FunkSvd::fit(&matrix, config).into_fitted())
    }
}

impl Model for SvdppModel {
    const NAME: &'static str = "svdpp";
    const ABOUT: &'static str =
        "SVD++: Funk-SVD plus which movies a user rated, as Surprise's SVDpp";
    type Config = FunkSvdConfig;

    fn config(options: &mut ModelOptions, seed: u64) -> Result<FunkSvdConfig> {
        FunkSvdConfig::svdpp().with_options(options, seed)
    }
}

impl RatingModel for SvdppModel {
    const SURPRISE: Option<Published> = Some(Published {
        name: "SVDpp",
        rmse: 0.919,
        mae: 0.721,
    });

    fn fit<'a, B: AutodiffBackend>(
        config: &FunkSvdConfig,
        train: &[Rating],
        experiment: &'a Experiment<B>,
        identity: &RunSettings,
    ) -> Result<Fitted<'a>> {
        SvdModel::fit(config, train, experiment, identity)
    }
}

impl FunkSvdConfig {
    /// Surprise's `SVDpp` defaults.
    pub fn svdpp() -> Self {
        Self {
            factors: 20,
            learning_rate: 0.007,
            implicit: true,
            ..Self::default()
        }
    }
}

pub struct FunkSvd {
    factors: usize,
    mean: f64,
    user_bias: Vec<f64>,
    item_bias: Vec<f64>,
    /// Row-major `[users, factors]`: `p_u`, and once fitted with `implicit`, `p_u` plus the
    /// user's implicit term (what every estimate uses).
    user_factors: Vec<f64>,
    /// Row-major `[items, factors]`.
    item_factors: Vec<f64>,
    known_user: Vec<bool>,
    known_item: Vec<bool>,
    parameters: usize,
}

impl FunkSvd {
    pub fn fit(matrix: &RatingMatrix, config: &FunkSvdConfig) -> Self {
        let k = config.factors;
        let mut rng = StdRng::seed_from_u64(config.seed);
        let normal = Normal::new(0.0, config.init_std).expect("a finite standard deviation");
        let mut draw =
            |n: usize| -> Vec<f64> { normal.sample_iter(&mut rng).take(n * k).collect() };
        let user_factors = draw(matrix.users());
        let item_factors = draw(matrix.items());
        // SVD++'s y_j, row-major `[items, factors]`; none for plain SVD.
        let mut implicit_factors = if config.implicit {
            draw(matrix.items())
        } else {
            Vec::new()
        };
        let parameters = 1
            + matrix.users()
            + matrix.items()
            + user_factors.len()
            + item_factors.len()
            + implicit_factors.len();
        let mut model = Self {
            factors: k,
            mean: matrix.mean,
            user_bias: vec![0.0; matrix.users()],
            item_bias: vec![0.0; matrix.items()],
            user_factors,
            item_factors,
            known_user: (0..matrix.users()).map(|u| matrix.knows_user(u)).collect(),
            known_item: (0..matrix.items()).map(|i| matrix.knows_item(i)).collect(),
            parameters,
        };
        let (lr, reg) = (config.learning_rate, config.reg);
        let mut implicit = vec![0.0; k];
        for _ in 0..config.epochs {
            for (u, rated) in matrix.by_user.iter().enumerate() {
                for &(i, r) in rated {
                    let (i, r) = (i as usize, f64::from(r));
                    if config.implicit {
                        let step = (u, i, r, rated.as_slice());
                        model.svdpp_step(&mut implicit_factors, step, lr, reg, &mut implicit);
                    } else {
                        model.sgd_step(u, i, r, lr, reg, &[]);
                    }
                }
            }
        }
        if config.implicit {
            for (u, rated) in matrix.by_user.iter().enumerate() {
                user_implicit(&implicit_factors, k, rated, &mut implicit);
                let p = &mut model.user_factors[u * k..(u + 1) * k];
                p.iter_mut().zip(&implicit).for_each(|(pf, yf)| *pf += yf);
            }
        }
        model
    }

    fn dot(&self, user: usize, item: usize) -> f64 {
        let k = self.factors;
        self.user_factors[user * k..(user + 1) * k]
            .iter()
            .zip(&self.item_factors[item * k..(item + 1) * k])
            .map(|(p, q)| p * q)
            .sum()
    }

    /// One SGD update on rating `r` of `user` for `item`, with the user's implicit term
    /// (`&[]` for plain SVD); returns the error before the update.
    fn sgd_step(
        &mut self,
        user: usize,
        item: usize,
        r: f64,
        lr: f64,
        reg: f64,
        implicit: &[f64],
    ) -> f64 {
        let k = self.factors;
        let implicit_dot: f64 = implicit
            .iter()
            .zip(&self.item_factors[item * k..(item + 1) * k])
            .map(|(y, q)| y * q)
            .sum();
        let err = r
            - (self.mean
                + self.user_bias[user]
                + self.item_bias[item]
                + self.dot(user, item)
                + implicit_dot);
        self.user_bias[user] += lr * (err - reg * self.user_bias[user]);
        self.item_bias[item] += lr * (err - reg * self.item_bias[item]);
        let p = &mut self.user_factors[user * k..(user + 1) * k];
        let q = &mut self.item_factors[item * k..(item + 1) * k];
        for (f, (pf, qf)) in p.iter_mut().zip(q.iter_mut()).enumerate() {
            let (old_p, old_q) = (*pf, *qf);
            let user_side = old_p + implicit.get(f).copied().unwrap_or(0.0);
            *pf += lr * (err * old_q - reg * old_p);
            *qf += lr * (err * user_side - reg * old_q);
        }
        err
    }
}

impl FunkSvd {
    /// One SVD++ update on rating `r` of `user` (who rated `rated`) for `item`: the SGD step
    /// with the user's implicit term, then every rated movie's `y_j` (with the old `q_i`).
    /// `implicit` is scratch space of `factors` values.
    fn svdpp_step(
        &mut self,
        implicit_factors: &mut [f64],
        (user, item, r, rated): (usize, usize, f64, &[(u32, f32)]),
        lr: f64,
        reg: f64,
        implicit: &mut [f64],
    ) {
        let k = self.factors;
        user_implicit(implicit_factors, k, rated, implicit);
        let old_q = self.item_factors[item * k..(item + 1) * k].to_vec();
        let err = self.sgd_step(user, item, r, lr, reg, implicit);
        let norm = (rated.len() as f64).sqrt().recip();
        for &(j, _) in rated {
            let y = &mut implicit_factors[j as usize * k..(j as usize + 1) * k];
            for (yf, qf) in y.iter_mut().zip(&old_q) {
                *yf += lr * (err * qf * norm - reg * *yf);
            }
        }
    }
}

/// SVD++'s implicit term of a user who rated `rated`: `|N(u)|^-½ Σ_j y_j`, into `out`.
fn user_implicit(implicit_factors: &[f64], k: usize, rated: &[(u32, f32)], out: &mut [f64]) {
    out.fill(0.0);
    let norm = (rated.len() as f64).sqrt().recip();
    for &(j, _) in rated {
        let y = &implicit_factors[j as usize * k..(j as usize + 1) * k];
        out.iter_mut().zip(y).for_each(|(o, yf)| *o += yf * norm);
    }
}

impl FunkSvd {
    /// A new user, never trained on, from their `given` ratings (movie, stars) alone: `b_u` and
    /// `p_u` minimise `Σ (r − μ − b_i − b_u − q_i·p_u)² + reg (b_u² + |p_u|²)` over the given
    /// movies the model knows, the movies' side fixed (ridge regression, solved exactly).
    pub fn fold_in(&self, given: &[(u32, f32)], reg: f64) -> FoldedUser<'_> {
        let k = self.factors;
        // x = [1, q_i]: the normal equations (Σ x xᵀ + reg I) w = Σ x (r − μ − b_i).
        let mut gram = Mat::<f64>::identity(k + 1, k + 1) * reg;
        let mut rhs = Mat::<f64>::zeros(k + 1, 1);
        for &(item, r) in given.iter().filter(|&&(i, _)| self.known_item[i as usize]) {
            let item = item as usize;
            let q = &self.item_factors[item * k..(item + 1) * k];
            let x = |a: usize| if a == 0 { 1.0 } else { q[a - 1] };
            let residual = f64::from(r) - self.mean - self.item_bias[item];
            for a in 0..=k {
                rhs[(a, 0)] += x(a) * residual;
                for b in 0..=k {
                    gram[(a, b)] += x(a) * x(b);
                }
            }
        }
        let solved = gram
            .llt(faer::Side::Lower)
            .map(|llt| llt.solve(&rhs))
            // reg > 0 makes the matrix positive definite; without it, no offset at all.
            .unwrap_or_else(|_| Mat::zeros(k + 1, 1));
        FoldedUser {
            model: self,
            bias: solved[(0, 0)],
            factors: (1..=k).map(|a| solved[(a, 0)]).collect(),
        }
    }
}

/// A user folded into a fitted [`FunkSvd`] ([`FunkSvd::fold_in`]).
pub struct FoldedUser<'a> {
    model: &'a FunkSvd,
    bias: f64,
    factors: Vec<f64>,
}

impl FoldedUser<'_> {
    /// The user's estimated rating of `item`, not yet clipped to the rating scale.
    pub fn estimate(&self, item: usize) -> f64 {
        let model = self.model;
        let k = model.factors;
        let mut est = model.mean + self.bias;
        if model.known_item[item] {
            let q = &model.item_factors[item * k..(item + 1) * k];
            est += model.item_bias[item]
                + q.iter().zip(&self.factors).map(|(a, b)| a * b).sum::<f64>();
        }
        est
    }
}

impl RatingPredictor for FunkSvd {
    fn estimate(&self, user: usize, item: usize) -> f64 {
        let (known_user, known_item) = (self.known_user[user], self.known_item[item]);
        let mut est = self.mean;
        if known_user {
            est += self.user_bias[user];
        }
        if known_item {
            est += self.item_bias[item];
        }
        if known_user && known_item {
            est += self.dot(user, item);
        }
        est
    }

    fn parameters(&self) -> usize {
        self.parameters
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::baseline::{Baseline, BaselineFit};
    use crate::rating::matrix::tests::rating;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn one_sgd_step_by_hand() {
        let mut model = FunkSvd {
            factors: 2,
            mean: 3.0,
            user_bias: vec![0.0],
            item_bias: vec![0.0],
            user_factors: vec![1.0, 0.5],
            item_factors: vec![0.5, 2.0],
            known_user: vec![true],
            known_item: vec![true],
            parameters: 0,
        };
        // dot = 0.5 + 1 = 1.5, err = 5 - 4.5 = 0.5.
        model.sgd_step(0, 0, 5.0, 0.1, 0.1, &[]);
        assert!(close(model.user_bias[0], 0.05) && close(model.item_bias[0], 0.05));
        // p0 = 1 + 0.1 (0.5·0.5 − 0.1·1) = 1.015, q0 = 0.5 + 0.1 (0.5·1 − 0.1·0.5) = 0.545,
        // p1 = 0.5 + 0.1 (0.5·2 − 0.1·0.5) = 0.595, q1 = 2 + 0.1 (0.5·0.5 − 0.1·2) = 2.005.
        let expected_p = [1.015, 0.595];
        let expected_q = [0.545, 2.005];
        for f in 0..2 {
            assert!(
                close(model.user_factors[f], expected_p[f]),
                "{:?}",
                model.user_factors
            );
            assert!(
                close(model.item_factors[f], expected_q[f]),
                "{:?}",
                model.item_factors
            );
        }
        assert!(close(
            model.estimate(0, 0),
            3.1 + 1.015 * 0.545 + 0.595 * 2.005
        ));
    }

    #[test]
    fn one_svdpp_step_by_hand() {
        // One factor; the user rated movies 0 and 1, this step is the rating 5 for movie 0.
        let mut model = FunkSvd {
            factors: 1,
            mean: 3.0,
            user_bias: vec![0.0],
            item_bias: vec![0.0, 0.0],
            user_factors: vec![0.5],
            item_factors: vec![2.0, 1.0],
            known_user: vec![true],
            known_item: vec![true, true],
            parameters: 0,
        };
        let mut y = vec![1.0, 3.0];
        let rated = [(0, 5.0), (1, 4.0)];
        let (lr, reg) = (0.1, 0.1);
        model.svdpp_step(&mut y, (0, 0, 5.0, &rated), lr, reg, &mut [0.0]);
        // Implicit term (1 + 3)/√2; estimate 3 + 2 (0.5 + 4/√2); error from it.
        let norm = 0.5f64.sqrt();
        let implicit = 4.0 * norm;
        let err = 5.0 - (3.0 + 2.0 * (0.5 + implicit));
        assert!(close(model.user_bias[0], lr * err) && close(model.item_bias[0], lr * err));
        assert!(close(
            model.user_factors[0],
            0.5 + lr * (err * 2.0 - reg * 0.5)
        ));
        assert!(close(
            model.item_factors[0],
            2.0 + lr * (err * (0.5 + implicit) - reg * 2.0)
        ));
        // Both rated movies' y move with the old q_0 = 2; movie 1's q is untouched.
        assert!(
            close(y[0], 1.0 + lr * (err * 2.0 * norm - reg * 1.0)),
            "{y:?}"
        );
        assert!(
            close(y[1], 3.0 + lr * (err * 2.0 * norm - reg * 3.0)),
            "{y:?}"
        );
        assert_eq!(model.item_factors[1], 1.0);
    }

    #[test]
    fn without_factors_it_is_the_sgd_baseline_and_unknowns_get_no_dot() {
        let ratings = [rating(0, 0, 5.0), rating(0, 1, 3.0), rating(1, 0, 4.0)];
        let matrix = RatingMatrix::new(&ratings, 3, 3);
        let config = FunkSvdConfig {
            init_std: 0.0,
            ..Default::default()
        };
        let svd = FunkSvd::fit(&matrix, &config);
        let baseline = Baseline::fit(&matrix, BaselineFit::SGD);
        for (u, i) in [(0, 0), (0, 1), (1, 1)] {
            assert!(close(svd.estimate(u, i), baseline.estimate(u, i)));
        }
        // User 2 and movie 2 have no ratings: μ + b_i and μ + b_u.
        assert!(close(
            svd.estimate(2, 0),
            matrix.mean + baseline.item_bias[0]
        ));
        assert!(close(
            svd.estimate(0, 2),
            matrix.mean + baseline.user_bias[0]
        ));
    }

    #[test]
    fn fits_a_rank_one_matrix_better_than_biases() {
        // r(u, i) = 3 + a_u b_i with a, b in ±1: biases cannot explain it, one factor can.
        let a = [1.0, -1.0, 1.0, -1.0, 1.0, -1.0];
        let b = [1.0, 1.0, -1.0, -1.0, 1.0];
        let ratings: Vec<_> = (0..6)
            .flat_map(|u| {
                (0..5).map(move |i| rating(u, i, (3.0 + a[u as usize] * b[i as usize]) as f32))
            })
            .collect();
        let matrix = RatingMatrix::new(&ratings, 6, 5);
        let baseline = Baseline::fit(&matrix, BaselineFit::SGD);
        for implicit in [false, true] {
            let config = FunkSvdConfig {
                factors: 2,
                epochs: 300,
                learning_rate: 0.05,
                implicit,
                ..Default::default()
            };
            let svd = FunkSvd::fit(&matrix, &config);
            let rmse = |m: &dyn RatingPredictor| {
                let se: f64 = ratings
                    .iter()
                    .map(|r| {
                        (m.estimate(r.user as usize, r.item as usize) - f64::from(r.rating)).powi(2)
                    })
                    .sum();
                (se / ratings.len() as f64).sqrt()
            };
            assert!(
                rmse(&svd) < 0.1 && rmse(&baseline) > 0.9,
                "implicit {implicit}: {} {}",
                rmse(&svd),
                rmse(&baseline)
            );
        }
    }

    #[test]
    fn a_new_user_is_folded_in_without_refitting_and_unknown_movies_say_nothing() {
        // Users 0 and 1 like movie 0 and not movie 1; movie 2 is never rated in training.
        let ratings = [
            rating(0, 0, 5.0),
            rating(0, 1, 1.0),
            rating(1, 0, 4.5),
            rating(1, 1, 1.5),
        ];
        let matrix = RatingMatrix::new(&ratings, 2, 3);
        let model = FunkSvd::fit(
            &matrix,
            &FunkSvdConfig::new().with_factors(4).with_epochs(50),
        );
        let before = (model.user_factors.clone(), model.item_factors.clone());
        // A generous visitor: stars well above each movie's mean lift the offset.
        let generous = model.fold_in(&[(0, 5.0), (1, 3.0)], 1.0);
        let stingy = model.fold_in(&[(0, 3.0), (1, 0.5)], 1.0);
        assert!(generous.estimate(0) > stingy.estimate(0));
        assert_eq!(
            (model.user_factors.clone(), model.item_factors.clone()),
            before
        );
        // Stars on a movie the model never learnt change nothing.
        let known = model.fold_in(&[(0, 5.0)], 1.0);
        let with_unknown = model.fold_in(&[(0, 5.0), (2, 0.5)], 1.0);
        assert_eq!(known.estimate(1), with_unknown.estimate(1));
        // Nothing known: the movie's own mean, no offset.
        let nobody = model.fold_in(&[(2, 0.5)], 1.0);
        assert!(close(nobody.estimate(1), model.mean + model.item_bias[1]));
    }
}
