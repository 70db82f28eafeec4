//! `slope-one`: Slope One (Lemire & Maclachlan 2005), as Surprise's `SlopeOne`.
//!
//! The deviation of movie `i` from movie `j` is the mean difference of their ratings over the
//! users who rated both, `dev(i, j) = Σ_{u ∈ U_ij} (r_ui − r_uj) / |U_ij|`. A user's rating of `i`
//! is their mean rating plus the mean deviation of `i` from the movies they rated that share a
//! user with `i`: `r̂(u, i) = μ_u + Σ_{j ∈ R_i(u)} dev(i, j) / |R_i(u)|`. An unknown user or
//! movie gets the global mean. Only co-rated pairs are stored, one sorted row per movie.

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
use rayon::prelude::*;

/// `trainer train --model slope-one`.
pub struct SlopeOneModel;

/// Slope One has no settings.
#[derive(Config, Debug)]
pub struct SlopeOneConfig {}

impl Model for SlopeOneModel {
    const NAME: &'static str = "slope-one";
    const ABOUT: &'static str =
        "a user's mean plus the mean deviations between co-rated movies (Surprise's SlopeOne)";
    type Config = SlopeOneConfig;

    fn config(_options: &mut ModelOptions, _seed: u64) -> Result<SlopeOneConfig> {
        Ok(SlopeOneConfig::new())
    }
}

impl RatingModel for SlopeOneModel {
    const SURPRISE: Option<Published> = Some(Published {
        name: "SlopeOne",
        rmse: 0.946,
        mae: 0.743,
    });

    fn fit<'a, B: AutodiffBackend>(
        _config: &SlopeOneConfig,
        train: &[Rating],
        experiment: &'a Experiment<B>,
        _identity: &RunSettings,
    ) -> Result<Fitted<'a>> {
        let matrix = RatingMatrix::of(train, experiment.dataset);
        Ok(SlopeOne::fit(&matrix).into_fitted())
    }
}

/// The fitted deviations.
pub struct SlopeOne {
    global_mean: f64,
    /// Each user's mean rating; `None` for a user without training ratings.
    user_means: Vec<Option<f64>>,
    /// Each user's rated movies, ascending.
    rated: Vec<Vec<u32>>,
    /// Per movie `i`, `(j, dev(i, j))` for every movie `j ≠ i` sharing a user with it, by `j`.
    deviations: Vec<Vec<(u32, f32)>>,
}

impl SlopeOne {
    pub fn fit(matrix: &RatingMatrix) -> Self {
        let items = matrix.items();
        let deviations = (0..items)
            .into_par_iter()
            .map_init(
                || (vec![0f64; items], vec![0u32; items]),
                |(sums, counts), i| {
                    for &(user, r_ui) in &matrix.by_item[i] {
                        for &(j, r_uj) in &matrix.by_user[user as usize] {
                            sums[j as usize] += f64::from(r_ui - r_uj);
                            counts[j as usize] += 1;
                        }
                    }
                    let mut row = Vec::new();
                    for j in 0..items {
                        if counts[j] > 0 && j != i {
                            row.push((j as u32, (sums[j] / f64::from(counts[j])) as f32));
                        }
                        sums[j] = 0.0;
                        counts[j] = 0;
                    }
                    row
                },
            )
            .collect();
        let user_means = matrix
            .by_user
            .iter()
            .map(|row| {
                (!row.is_empty())
                    .then(|| row.iter().map(|&(_, r)| f64::from(r)).sum::<f64>() / row.len() as f64)
            })
            .collect();
        let rated = matrix
            .by_user
            .iter()
            .map(|row| {
                let mut items: Vec<u32> = row.iter().map(|&(j, _)| j).collect();
                items.sort_unstable();
                items
            })
            .collect();
        Self {
            global_mean: matrix.mean,
            user_means,
            rated,
            deviations,
        }
    }
}

impl RatingPredictor for SlopeOne {
    fn estimate(&self, user: usize, item: usize) -> f64 {
        let (Some(Some(mean)), Some(row)) = (self.user_means.get(user), self.deviations.get(item))
        else {
            return self.global_mean;
        };
        if row.is_empty() {
            // A movie nobody rated in training.
            return self.global_mean;
        }
        // Both lists are sorted by movie: one merge finds the co-rated movies the user rated.
        let (mut sum, mut count) = (0f64, 0usize);
        let mut deviations = row.iter().peekable();
        for &j in &self.rated[user] {
            while deviations.next_if(|&&(k, _)| k < j).is_some() {}
            if let Some(&&(k, dev)) = deviations.peek()
                && k == j
            {
                sum += f64::from(dev);
                count += 1;
            }
        }
        if count == 0 {
            *mean
        } else {
            mean + sum / count as f64
        }
    }

    fn parameters(&self) -> usize {
        self.deviations.iter().map(Vec::len).sum::<usize>() + self.user_means.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::matrix::tests::rating;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn deviations_and_estimates_by_hand() {
        // User 0 rated movies 0, 1, 2 with 5, 3, 2; user 1 movies 0, 1 with 3, 4; user 2 movies 1,
        // 2 with 2, 5. Movie 3 has no rating.
        let ratings = [
            rating(0, 0, 5.0),
            rating(0, 1, 3.0),
            rating(0, 2, 2.0),
            rating(1, 0, 3.0),
            rating(1, 1, 4.0),
            rating(2, 1, 2.0),
            rating(2, 2, 5.0),
        ];
        let model = SlopeOne::fit(&RatingMatrix::new(&ratings, 4, 4));
        // dev(2, 0) = 2 − 5 = −3 (user 0 only); dev(2, 1) = ((2 − 3) + (5 − 2)) / 2 = 1.
        // User 1 (mean 3.5) for movie 2: 3.5 + (−3 + 1) / 2 = 2.5.
        assert!(close(model.estimate(1, 2), 2.5), "{}", model.estimate(1, 2));
        // dev(0, 1) = ((5 − 3) + (3 − 4)) / 2 = 0.5, dev(0, 2) = 3.
        // User 2 (mean 3.5) for movie 0: 3.5 + (0.5 + 3) / 2 = 5.25 (clipped later).
        assert!(
            close(model.estimate(2, 0), 5.25),
            "{}",
            model.estimate(2, 0)
        );
        // Unknown user, unknown movie: the global mean, 24 / 7.
        let global = 24.0 / 7.0;
        assert!(close(model.estimate(3, 0), global));
        assert!(close(model.estimate(0, 3), global));
        // Pairs stored: 0↔1, 0↔2, 1↔2 both ways; plus four user means.
        assert_eq!(model.parameters(), 6 + 4);
    }
}
