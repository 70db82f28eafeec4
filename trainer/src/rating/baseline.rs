//! `baseline`: baseline estimates.
//!
//! [`Baseline`] is Surprise's `BaselineOnly`: `r̂(u, i) = μ + b_u + b_i`, the biases fitted as in
//! Surprise's `optimize_baselines`, either by alternating least squares (its default: 10 sweeps,
//! each item bias then each user bias in closed form with `reg_i = 10`, `reg_u = 15`) or by SGD
//! over the ratings grouped by user (20 epochs, learning rate 0.005, regularisation 0.02).
//! Unknown users and movies get a zero bias. `KNNBaseline` and the Pearson-baseline similarity
//! reuse these biases.

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
use serde::{Deserialize, Serialize};

/// `trainer train --model baseline`.
pub struct BaselineModel;

#[derive(Config, Debug)]
pub struct BaselineConfig {
    /// How the biases are fitted.
    #[config(default = "BaselineFit::ALS")]
    pub fit: BaselineFit,
}

impl Model for BaselineModel {
    const NAME: &'static str = "baseline";
    const ABOUT: &'static str =
        "μ + b_u + b_i by ALS, or by SGD at the rate --lr (Surprise's BaselineOnly)";
    type Config = BaselineConfig;

    fn config(options: &mut ModelOptions, _seed: u64) -> Result<BaselineConfig> {
        let mut fit = match options.learning_rate.take() {
            Some(learning_rate) => BaselineFit::sgd(learning_rate),
            None => BaselineFit::ALS,
        };
        if let Some(epochs) = options.take_epochs()? {
            fit = fit.with_epochs(epochs);
        }
        Ok(BaselineConfig::new().with_fit(fit))
    }
}

impl RatingModel for BaselineModel {
    const SURPRISE: Option<Published> = Some(Published {
        name: "BaselineOnly",
        rmse: 0.944,
        mae: 0.748,
    });

    fn fit<'a, B: AutodiffBackend>(
        config: &BaselineConfig,
        train: &[Rating],
        experiment: &'a Experiment<B>,
        _identity: &RunSettings,
    ) -> Result<Fitted<'a>> {
        let matrix = RatingMatrix::of(train, experiment.dataset);
        Ok(Baseline::fit(&matrix, config.fit).into_fitted())
    }
}

/// How the biases are fitted; the constants are Surprise's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum BaselineFit {
    Als {
        epochs: usize,
        reg_user: f64,
        reg_item: f64,
    },
    Sgd {
        epochs: usize,
        learning_rate: f64,
        reg: f64,
    },
}

impl BaselineFit {
    pub const ALS: Self = Self::Als {
        epochs: 10,
        reg_user: 15.0,
        reg_item: 10.0,
    };
    pub const SGD: Self = Self::sgd(0.005);

    /// SGD at `learning_rate`, otherwise with Surprise's defaults.
    pub const fn sgd(learning_rate: f64) -> Self {
        Self::Sgd {
            epochs: 20,
            learning_rate,
            reg: 0.02,
        }
    }

    /// The same fit with `epochs` sweeps (ALS) or epochs (SGD).
    pub fn with_epochs(self, epochs: usize) -> Self {
        match self {
            Self::Als {
                reg_user, reg_item, ..
            } => Self::Als {
                epochs,
                reg_user,
                reg_item,
            },
            Self::Sgd {
                learning_rate, reg, ..
            } => Self::Sgd {
                epochs,
                learning_rate,
                reg,
            },
        }
    }
}

/// `μ + b_u + b_i`.
#[derive(Clone, Debug)]
pub struct Baseline {
    pub mean: f64,
    pub user_bias: Vec<f64>,
    pub item_bias: Vec<f64>,
}

impl Baseline {
    pub fn fit(matrix: &RatingMatrix, how: BaselineFit) -> Self {
        let mean = matrix.mean;
        let mut bu = vec![0f64; matrix.users()];
        let mut bi = vec![0f64; matrix.items()];
        match how {
            BaselineFit::Als {
                epochs,
                reg_user,
                reg_item,
            } => {
                for _ in 0..epochs {
                    for (i, row) in matrix.by_item.iter().enumerate() {
                        let deviation: f64 = row
                            .iter()
                            .map(|&(u, r)| f64::from(r) - mean - bu[u as usize])
                            .sum();
                        bi[i] = deviation / (reg_item + row.len() as f64);
                    }
                    for (u, row) in matrix.by_user.iter().enumerate() {
                        let deviation: f64 = row
                            .iter()
                            .map(|&(i, r)| f64::from(r) - mean - bi[i as usize])
                            .sum();
                        bu[u] = deviation / (reg_user + row.len() as f64);
                    }
                }
            }
            BaselineFit::Sgd {
                epochs,
                learning_rate,
                reg,
            } => {
                for _ in 0..epochs {
                    for (u, i, r) in matrix.iter() {
                        let err = r - (mean + bu[u] + bi[i]);
                        bu[u] += learning_rate * (err - reg * bu[u]);
                        bi[i] += learning_rate * (err - reg * bi[i]);
                    }
                }
            }
        }
        Self {
            mean,
            user_bias: bu,
            item_bias: bi,
        }
    }

    /// `μ + b_u + b_i`.
    pub fn baseline(&self, user: usize, item: usize) -> f64 {
        self.mean + self.user_bias[user] + self.item_bias[item]
    }

    /// `μ + b_i`: the movie's damped mean.
    pub fn movie_mean(&self, item: usize) -> f64 {
        self.mean + self.item_bias[item]
    }

    /// A new user's offset `b_u` from their `given` ratings (movie, stars), the movies' biases
    /// fixed: the ALS update of a user, damped by `reg_user` as the fit damps its users.
    pub fn fold_in_offset(&self, given: &[(u32, f32)], reg_user: f64) -> f64 {
        let deviation: f64 = given
            .iter()
            .map(|&(i, r)| f64::from(r) - self.movie_mean(i as usize))
            .sum();
        deviation / (reg_user + given.len() as f64)
    }
}

impl RatingPredictor for Baseline {
    fn estimate(&self, user: usize, item: usize) -> f64 {
        self.baseline(user, item)
    }

    fn parameters(&self) -> usize {
        1 + self.user_bias.len() + self.item_bias.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::matrix::tests::rating;

    /// User 0 rated movie 0 with 5 and movie 1 with 3, user 1 rated movie 0 with 4: μ = 4.
    fn tiny() -> RatingMatrix {
        RatingMatrix::new(
            &[rating(0, 0, 5.0), rating(0, 1, 3.0), rating(1, 0, 4.0)],
            2,
            2,
        )
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn als_sweeps_items_then_users() {
        let fit = BaselineFit::Als {
            epochs: 1,
            reg_user: 1.0,
            reg_item: 1.0,
        };
        let b = Baseline::fit(&tiny(), fit);
        // Items with b_u = 0: b_0 = (1 + 0) / (1 + 2) = 1/3, b_1 = -1 / (1 + 1) = -1/2.
        assert!(close(b.item_bias[0], 1.0 / 3.0) && close(b.item_bias[1], -0.5));
        // Users with the new b_i: b_u0 = ((5-4-1/3) + (3-4+1/2)) / 3 = 1/18, b_u1 = -1/3 / 2.
        assert!(close(b.user_bias[0], 1.0 / 18.0), "{}", b.user_bias[0]);
        assert!(close(b.user_bias[1], -1.0 / 6.0));
        assert!(close(b.estimate(1, 1), 4.0 - 1.0 / 6.0 - 0.5));
        // Many sweeps reach the fixed point: each bias is its regularised mean residual.
        let b = Baseline::fit(
            &tiny(),
            BaselineFit::Als {
                epochs: 200,
                reg_user: 1.0,
                reg_item: 1.0,
            },
        );
        let residual_0 = (5.0 - 4.0 - b.user_bias[0]) + (4.0 - 4.0 - b.user_bias[1]);
        assert!((b.item_bias[0] - residual_0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn sgd_updates_after_every_rating() {
        let fit = BaselineFit::Sgd {
            epochs: 1,
            learning_rate: 0.005,
            reg: 0.02,
        };
        let b = Baseline::fit(&tiny(), fit);
        // (u0, i0, 5): err 1 → b_u0 = b_i0 = 0.005.
        // (u0, i1, 3): err = 3 - 4.005 = -1.005 → b_u0 = 0.005 + 0.005 (-1.005 - 0.0001),
        //              b_i1 = 0.005 · -1.005.
        // (u1, i0, 4): err = 4 - 4.005 = -0.005 → b_u1 = -0.000025,
        //              b_i0 = 0.005 + 0.005 (-0.005 - 0.0001).
        assert!(close(b.user_bias[0], 0.005 + 0.005 * (-1.005 - 0.0001)));
        assert!(close(b.item_bias[1], -0.005 * 1.005));
        assert!(close(b.user_bias[1], -0.000025));
        assert!(close(b.item_bias[0], 0.005 + 0.005 * (-0.005 - 0.0001)));
        assert_eq!(b.parameters(), 5);
    }
}
