//! The sparse item-to-item part beside the low-rank one: each movie's few strongest weights to
//! other movies that the factorised weights miss.
//!
//! The page's model is EDLAE (a full movie × movie matrix `B`) factorised to a low rank, which
//! blurs what makes a niche movie's neighbours its own: given Primer alone, the rank-128 factors
//! answer with the crowd's science fiction where `B` answers with Moon and Looper. The residual
//! `B − P·Qᵀ` holds that; its largest entries of each row are kept here, int8 with one scale per
//! movie, and a pick adds its row to the scores, pooled as the low-rank part pools picks (the
//! weighted sum over the weights' L2 norm), so the two parts stay in proportion.

use crate::format::InvalidModel;
use crate::quant::QuantMatrix;
use serde::{Deserialize, Serialize};

/// Each movie's strongest residual weights, as stored in the model file (the trainer keeps only
/// positive ones: a neighbour lifts a movie, the low-rank part already holds what pushes one
/// down).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Neighbours {
    /// `movies x per_movie`: row `i` holds the movies `i`'s weights go to.
    pub indices: Vec<u32>,
    /// `movies x per_movie`: the weights, in the order of `indices`.
    pub weights: QuantMatrix,
}

impl Neighbours {
    /// Neighbours from each movie's `per_movie` indices and f32 weights (row-major, movie by
    /// movie), quantised.
    pub fn quantize(indices: Vec<u32>, weights: &[f32], per_movie: usize) -> Self {
        let movies = indices.len() / per_movie.max(1);
        Self {
            indices,
            weights: QuantMatrix::quantize(weights, movies, per_movie),
        }
    }

    /// Checks the shape and every index against a catalogue of `movies` movies.
    pub fn validate(&self, movies: usize) -> Result<(), InvalidModel> {
        self.weights.check("neighbour weights")?;
        if self.weights.rows != movies {
            return Err(InvalidModel::RowCount {
                what: "neighbour weights",
                movies,
                rows: self.weights.rows,
            });
        }
        crate::quant::check_len(
            "neighbours",
            "indices",
            self.weights.values.len(),
            self.indices.len(),
        )?;
        let per_movie = self.weights.cols;
        match self
            .indices
            .iter()
            .enumerate()
            .find(|&(k, &j)| j as usize >= movies || j as usize == k / per_movie)
        {
            Some((k, &j)) => Err(InvalidModel::Neighbour {
                movie: k / per_movie,
                neighbour: j,
                movies,
            }),
            None => Ok(()),
        }
    }

    /// The weights per movie.
    pub fn per_movie(&self) -> usize {
        self.weights.cols
    }
}

/// [`Neighbours`] expanded to f32, ready to score.
#[derive(Clone, Debug)]
pub struct NeighbourScorer {
    per_movie: usize,
    indices: Vec<u32>,
    weights: Vec<f32>,
}

impl NeighbourScorer {
    /// Expands validated neighbours.
    pub fn new(neighbours: &Neighbours) -> Self {
        Self::from_rows(
            neighbours.per_movie(),
            neighbours.indices.clone(),
            neighbours.weights.dequantize(),
        )
    }

    /// Neighbours already in f32, `per_movie` a movie, row-major (the trainer's, before they
    /// are quantised), with every index below the scores' length.
    pub fn from_rows(per_movie: usize, indices: Vec<u32>, weights: Vec<f32>) -> Self {
        Self {
            per_movie,
            indices,
            weights,
        }
    }

    /// Movie `movie`'s neighbours and weights; none for a movie beyond the model's (the tail's).
    fn row(&self, movie: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let range = movie * self.per_movie..(movie + 1) * self.per_movie;
        let (indices, weights) = (
            self.indices.get(range.clone()).unwrap_or_default(),
            self.weights.get(range).unwrap_or_default(),
        );
        indices
            .iter()
            .map(|&j| j as usize)
            .zip(weights.iter().copied())
    }

    /// Adds the weighted picks' rows to `scores`, divided by the weights' L2 norm as the
    /// low-rank part's pooling divides.
    pub fn add(&self, scores: &mut [f32], picks: &[(usize, f32)]) {
        let norm = picks.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm == 0.0 {
            return;
        }
        for &(pick, weight) in picks {
            for (j, w) in self.row(pick) {
                scores[j] += weight / norm * w;
            }
        }
    }

    /// The weight from `pick` to `movie` (0 when `movie` is not among its neighbours).
    pub fn weight(&self, pick: usize, movie: usize) -> f32 {
        self.row(pick)
            .find(|&(j, _)| j == movie)
            .map_or(0.0, |(_, w)| w)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Each row's `per_movie` largest other entries, the largest first (as the trainer keeps).
    pub(crate) fn strongest(residual: &[f32], movies: usize, per_movie: usize) -> Neighbours {
        let (mut indices, mut weights) = (Vec::new(), Vec::new());
        for (movie, row) in residual.chunks_exact(movies).enumerate() {
            let others = (0..movies).filter(|&j| j != movie).collect();
            for j in crate::rank::top_k(row, others, per_movie) {
                indices.push(j as u32);
                weights.push(row[j]);
            }
        }
        Neighbours::quantize(indices, &weights, per_movie)
    }

    #[test]
    fn keeps_each_row_s_largest_other_entries_and_scores_them_pooled() {
        #[rustfmt::skip]
        let residual = [
            9.0, 3.0, -1.0, 2.0,
            1.0, 9.0, 0.5, 4.0,
            0.0, 0.0, 9.0, 0.0,
            2.0, 1.0, 3.0, 9.0,
        ];
        let neighbours = strongest(&residual, 4, 2);
        assert_eq!(neighbours.indices, [1, 3, 3, 0, 0, 1, 2, 0]);
        neighbours.validate(4).unwrap();
        let scorer = NeighbourScorer::new(&neighbours);
        assert!((scorer.weight(1, 3) - 4.0).abs() < 0.02);
        assert_eq!(scorer.weight(1, 2), 0.0);
        // Two picks of weight 1 pool over √2, as the low-rank part does.
        let mut scores = vec![0.0; 4];
        scorer.add(&mut scores, &[(0, 1.0), (1, 1.0)]);
        let expected = [1.0, 3.0, 0.0, 6.0].map(|s: f32| s / 2f32.sqrt());
        for (s, e) in scores.iter().zip(expected) {
            assert!((s - e).abs() < 0.03, "{scores:?}");
        }
        // A pick beyond the model's movies (a tail movie) has no neighbours.
        scorer.add(&mut scores, &[(7, 1.0)]);
    }

    #[test]
    fn a_neighbour_out_of_range_or_itself_is_refused_by_name() {
        let mut neighbours = strongest(&[0.0, 1.0, 1.0, 0.0], 2, 1);
        neighbours.validate(2).unwrap();
        neighbours.indices[1] = 5;
        assert_eq!(
            neighbours.validate(2).unwrap_err(),
            InvalidModel::Neighbour {
                movie: 1,
                neighbour: 5,
                movies: 2
            }
        );
        neighbours.indices[1] = 1;
        assert!(matches!(
            neighbours.validate(2),
            Err(InvalidModel::Neighbour { movie: 1, .. })
        ));
        assert!(matches!(
            neighbours.validate(3),
            Err(InvalidModel::RowCount { .. })
        ));
    }
}
