//! Predicted stars: the half-stars a visitor would give each movie, from the stars (and likes)
//! they gave, folded in at once with no retraining.
//!
//! The stars network (trained by the trainer on simulated visitors, `new_user::stars`):
//! 1. the visitor's offset `b_u`: their stars' total deviation from each movie's mean, divided
//!    by the count plus a damping (a generous rater rates most movies higher);
//! 2. each given movie's deviation from its baseline `mean + b_u`;
//! 3. two pooled vectors (which movies were rated; how far above or below their baseline) over
//!    √k, beside the offset and the deviations' spread, through one layer and tanh: the
//!    visitor's vector;
//! 4. every movie: `mean + correction + b_u · (1 + offset weight) + visitor · output row +
//!    neighbour weight · neighbour term`, kept within half a star and five.
//!
//! The neighbour term ([`GivenNeighbours`]) is the given movies' deviations averaged over those
//! whose ratings run alike with the movie's, each weighed by how alike: an item-based k-NN whose
//! similarities are the dot products of low-rank rows (a rating-residual cosine over the training
//! users), so that every pair of movies has one without a movies × movies table.
//!
//! A "Like" or "Not for me" without stars counts as the stars such a choice stands for in the
//! training ratings ([`StarsWeights::like_stars`], [`StarsWeights::dislike_stars`]).

use crate::foldin::{Dense, dot};
use crate::format::InvalidModel;
use crate::quant::QuantMatrix;
use serde::{Deserialize, Serialize};

/// The fewest and most stars, in half-star steps.
pub const MIN_STARS: f32 = 0.5;
pub const MAX_STARS: f32 = 5.0;

/// `stars` is a rating a visitor can give: 0.5 to 5 in half-star steps.
pub fn is_half_star(stars: f32) -> bool {
    (MIN_STARS..=MAX_STARS).contains(&stars) && (stars * 2.0).fract() == 0.0
}

/// A decimal number as ratings exports and share links write it ("4", "4.5", "3.0") in
/// half-steps (8, 9, 6); `None` for anything else ("4.25", "-1", "x", "1e1", ".5"). Exactly what
/// ratings hold, without the general float parser in the page's code.
pub fn parse_halves(text: &str) -> Option<u32> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    let half = match fraction.trim_end_matches('0') {
        "" => 0,
        "5" => 1,
        _ => return None,
    };
    whole.parse::<u32>().ok()?.checked_mul(2)?.checked_add(half)
}

/// `id:stars` ("2571:4.5", as `--rated` and share links write it) as the MovieLens id and
/// half-stars (9); the error says what is wrong with the text.
pub fn parse_rated(text: &str) -> Result<(u32, u8), String> {
    let (id, stars) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?} is not id:stars (for example 2571:4.5)"))?;
    let id =
        (id.trim().parse::<u32>()).map_err(|_| format!("{text:?}: {id:?} is not a movie id"))?;
    match parse_halves(stars.trim()) {
        Some(halves @ 1..=10) => Ok((id, halves as u8)),
        _ => Err(format!(
            "{text:?}: {stars:?} is not 0.5 to 5 stars in half-star steps"
        )),
    }
}

/// The stars network as stored in the model file, over the catalogue's movies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StarsWeights {
    /// `1 x items`: each movie's damped mean rating.
    pub movie_mean: QuantMatrix,
    /// `1 x items`: what the network adds to every visitor's prediction of the movie.
    pub correction: QuantMatrix,
    /// `1 x items`: how much more (or less) than the visitor's offset the movie follows it.
    pub offset_weight: QuantMatrix,
    /// The damping of the visitor's offset.
    pub offset_damping: f32,
    /// `items x dim`: what having rated the movie says.
    pub rated: QuantMatrix,
    /// `items x dim`: what rating it above (or below) its baseline says.
    pub deviation: QuantMatrix,
    /// From the two pooled vectors, the offset and the spread (`2 dim + 2`) to the visitor's
    /// vector (`dim`), tanh after it.
    pub tower: Dense,
    /// `items x dim`.
    pub output: QuantMatrix,
    /// `items x rank`: two movies' rows' dot product is how alike their ratings run.
    pub similarity: QuantMatrix,
    /// `1 x items`: how far the movie follows the given movies alike with it.
    pub neighbour_weight: QuantMatrix,
    /// Added to the similarities' total before dividing by it: a movie with only faintly alike
    /// given movies follows them less.
    pub neighbour_shrink: f32,
    /// The stars a "Like" stands for: the training users' mean rating of the movies they liked.
    pub like_stars: f32,
    /// The stars a "Not for me" stands for: their mean rating at or below [`LOW_STARS`].
    pub dislike_stars: f32,
}

/// Stars at or below this are "not for me" on the page and in the steering of the list.
pub const LOW_STARS: f32 = 2.5;
/// Stars at or above this are likes: the trainer's like threshold.
pub const HIGH_STARS: f32 = 4.0;

/// What the tower reads besides the two pooled vectors: the offset and the spread.
const VISITOR_FEATURES: usize = 2;

/// The neighbour term reads at most this many of the given stars (the first given), as many as
/// a simulated visitor gives in training: each costs a pass over the catalogue.
pub const MAX_NEIGHBOUR_GIVEN: usize = 30;

/// Movies' similarity rows, row-major `[movies, rank]`: two rows' dot product is how alike
/// the two movies' ratings run.
#[derive(Clone, Copy, Debug)]
pub struct Similarities<'a> {
    pub rows: &'a [f32],
    pub rank: usize,
}

impl Similarities<'_> {
    fn row(&self, movie: usize) -> &[f32] {
        &self.rows[movie * self.rank..(movie + 1) * self.rank]
    }
}

/// The given movies' deviations from their baselines, ready to vote on any movie: each votes
/// with its similarity to it when that is positive, and the votes' weighted mean (the total
/// similarity plus a shrink dividing) is the neighbour term.
#[derive(Clone, Debug, PartialEq)]
pub struct GivenNeighbours {
    shrink: f32,
    /// `(movie, deviation)` of at most [`MAX_NEIGHBOUR_GIVEN`] given movies.
    given: Vec<(usize, f32)>,
}

impl GivenNeighbours {
    /// `given` yields `(movie, deviation)`.
    pub fn new(shrink: f32, given: impl IntoIterator<Item = (usize, f32)>) -> Self {
        Self {
            shrink,
            given: given.into_iter().take(MAX_NEIGHBOUR_GIVEN).collect(),
        }
    }

    /// The neighbour term of `movie`: 0 when no other given movie is alike with it (a movie
    /// does not vote for itself). `movie` and every given movie must have a row.
    pub fn term(&self, similarities: Similarities, movie: usize) -> f32 {
        let row = similarities.row(movie);
        let (mut total, mut weighted) = (0f32, 0f32);
        for &(other, deviation) in self.given.iter().filter(|g| g.0 != movie) {
            let similarity = dot(row, similarities.row(other));
            if similarity > 0.0 {
                total += similarity;
                weighted += similarity * deviation;
            }
        }
        if total > 0.0 {
            weighted / (total + self.shrink)
        } else {
            0.0
        }
    }
}

impl StarsWeights {
    /// Checks every shape and value against a catalogue of `items` movies.
    pub fn validate(&self, items: usize) -> Result<(), InvalidModel> {
        self.check(items).map_err(InvalidModel::Stars)
    }

    fn check(&self, items: usize) -> Result<(), String> {
        for (what, row) in [
            ("movie means", &self.movie_mean),
            ("corrections", &self.correction),
            ("offset weights", &self.offset_weight),
            ("neighbour weights", &self.neighbour_weight),
        ] {
            row.check(what).map_err(|e| e.to_string())?;
            if (row.rows, row.cols) != (1, items) {
                return Err(format!(
                    "the {what} are {} x {} where one row over the catalogue's {items} movies is needed",
                    row.rows, row.cols
                ));
            }
        }
        let dim = self.tower.outputs;
        for (what, matrix) in [
            ("rated embeddings", &self.rated),
            ("deviation embeddings", &self.deviation),
            ("output embeddings", &self.output),
        ] {
            matrix.check(what).map_err(|e| e.to_string())?;
            if (matrix.rows, matrix.cols) != (items, dim) {
                return Err(format!(
                    "the {what} are {} x {} where {items} movies x {dim} (the tower's width) are needed",
                    matrix.rows, matrix.cols
                ));
            }
        }
        self.similarity
            .check("similarity rows")
            .map_err(|e| e.to_string())?;
        if self.similarity.rows != items {
            return Err(format!(
                "the similarity rows are {} x {} where {items} movies are needed",
                self.similarity.rows, self.similarity.cols
            ));
        }
        if !(self.neighbour_shrink.is_finite() && self.neighbour_shrink >= 0.0) {
            return Err(format!(
                "the neighbour shrink is {}: it must be a number, 0 or more",
                self.neighbour_shrink
            ));
        }
        (self.tower)
            .check(0, 2 * dim + VISITOR_FEATURES)
            .map_err(|e| format!("its tower: {e}"))?;
        if !(self.offset_damping.is_finite() && self.offset_damping >= 0.0) {
            return Err(format!(
                "the offset damping is {}: it must be a number, 0 or more",
                self.offset_damping
            ));
        }
        for (what, value) in [
            ("a like", self.like_stars),
            ("a dislike", self.dislike_stars),
        ] {
            if !(MIN_STARS..=MAX_STARS).contains(&value) {
                return Err(format!(
                    "the stars of {what} are {value}: they must be 0.5 to 5"
                ));
            }
        }
        Ok(())
    }
}

/// [`StarsWeights`] expanded to f32, ready to predict.
#[derive(Clone, Debug)]
pub struct StarsPredictor {
    dim: usize,
    movie_mean: Vec<f32>,
    correction: Vec<f32>,
    offset_weight: Vec<f32>,
    offset_damping: f32,
    rated: Vec<f32>,
    deviation: Vec<f32>,
    tower: Dense,
    output: Vec<f32>,
    similarity: Vec<f32>,
    rank: usize,
    neighbour_weight: Vec<f32>,
    neighbour_shrink: f32,
    pub like_stars: f32,
    pub dislike_stars: f32,
}

impl StarsPredictor {
    /// Expands validated weights.
    pub fn new(weights: &StarsWeights) -> Self {
        Self {
            dim: weights.tower.outputs,
            movie_mean: weights.movie_mean.dequantize(),
            correction: weights.correction.dequantize(),
            offset_weight: weights.offset_weight.dequantize(),
            offset_damping: weights.offset_damping,
            rated: weights.rated.dequantize(),
            deviation: weights.deviation.dequantize(),
            tower: weights.tower.clone(),
            output: weights.output.dequantize(),
            similarity: weights.similarity.dequantize(),
            rank: weights.similarity.cols,
            neighbour_weight: weights.neighbour_weight.dequantize(),
            neighbour_shrink: weights.neighbour_shrink,
            like_stars: weights.like_stars,
            dislike_stars: weights.dislike_stars,
        }
    }

    /// How many movies it predicts: the model file's, not the tail's ([`crate::tail`]).
    pub fn movies(&self) -> usize {
        self.movie_mean.len()
    }

    /// The predicted stars of every catalogue movie for a visitor who gave `given` (catalogue
    /// index, stars; every index below [`Self::movies`]), within 0.5 and 5. A movie given
    /// twice counts twice; with nothing given, each movie's prediction for an average visitor.
    pub fn predict(&self, given: &[(usize, f32)]) -> Vec<f32> {
        let folded = self.fold_in(given);
        (0..self.movies())
            .map(|movie| self.stars_of(&folded, movie))
            .collect()
    }

    /// What every prediction for a visitor who gave `given` shares: their offset, vector and
    /// given movies' deviations, computed once (see [`Self::predict`]).
    pub fn fold_in(&self, given: &[(usize, f32)]) -> FoldedStars {
        let k = given.len();
        let offset = given
            .iter()
            .map(|&(movie, stars)| stars - self.movie_mean[movie])
            .sum::<f32>()
            / (self.offset_damping + k as f32).max(f32::MIN_POSITIVE);
        let dim = self.dim;
        let mut features = vec![0f32; 2 * dim + VISITOR_FEATURES];
        let mut square_deviation = 0f32;
        for &(movie, stars) in given {
            let deviation = stars - (self.movie_mean[movie] + offset);
            square_deviation += deviation * deviation;
            let row = movie * dim..(movie + 1) * dim;
            for (f, v) in features[..dim].iter_mut().zip(&self.rated[row.clone()]) {
                *f += v;
            }
            for (f, v) in features[dim..2 * dim].iter_mut().zip(&self.deviation[row]) {
                *f += deviation * v;
            }
        }
        let scale = (k.max(1) as f32).sqrt().recip();
        features[..2 * dim].iter_mut().for_each(|f| *f *= scale);
        features[2 * dim] = offset;
        features[2 * dim + 1] = (square_deviation / k.max(1) as f32).sqrt();
        let visitor: Vec<f32> = self
            .tower
            .forward(&features)
            .into_iter()
            .map(f32::tanh)
            .collect();
        let neighbours = GivenNeighbours::new(
            self.neighbour_shrink,
            (given.iter())
                .map(|&(movie, stars)| (movie, stars - (self.movie_mean[movie] + offset))),
        );
        FoldedStars {
            offset,
            visitor,
            neighbours,
        }
    }

    /// The predicted stars of `movie` (below [`Self::movies`]) for the visitor `folded`, within
    /// 0.5 and 5.
    pub fn stars_of(&self, folded: &FoldedStars, movie: usize) -> f32 {
        let dim = self.dim;
        let similarities = Similarities {
            rows: &self.similarity,
            rank: self.rank,
        };
        let stars = self.movie_mean[movie]
            + self.correction[movie]
            + folded.offset * (1.0 + self.offset_weight[movie])
            + dot(
                &self.output[movie * dim..(movie + 1) * dim],
                &folded.visitor,
            )
            + self.neighbour_weight[movie] * folded.neighbours.term(similarities, movie);
        // Extreme (finite) weights can overflow to NaN: shown as the fewest stars.
        if stars.is_nan() {
            MIN_STARS
        } else {
            stars.clamp(MIN_STARS, MAX_STARS)
        }
    }
}

/// A visitor folded into the stars network ([`StarsPredictor::fold_in`]): a page computes it
/// once per change of picks and each card its own movie's stars from it, rather than every
/// movie's on every click.
#[derive(Clone, Debug, PartialEq)]
pub struct FoldedStars {
    offset: f32,
    visitor: Vec<f32>,
    neighbours: GivenNeighbours,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::tiny_stars;

    #[test]
    fn predictions_match_hand_computation() {
        let weights = tiny_stars();
        weights.validate(3).unwrap();
        let predictor = StarsPredictor::new(&weights);
        let close = |got: Vec<f32>, expected: [f32; 3]| {
            // The int8 rows are off by up to half a step (4 / 254 for the means).
            for (g, e) in got.iter().zip(expected) {
                assert!((g - e).abs() < 0.02, "{got:?} vs {expected:?}");
            }
        };
        // Nothing given: offset 0, visitor tanh(bias) = 0: mean + correction.
        close(predictor.predict(&[]), [3.0, 4.5, 2.0]);
        // Movie 0 given 5 stars, damping 1: offset (5 − 3) / 2 = 1. The tower passes the
        // pooled "rated" vector [1, 0] on: visitor tanh([1, 0]) = [0.7616, 0]. Each movie:
        // mean + correction + offset · (1 + weight) + visitor · output row, at most 5; movie 2
        // also 0.5 x its neighbour term: movie 0's deviation 5 − (3 + 1) = 1, similarity 1,
        // shrink 1: 1 · 1 / (1 + 1).
        let visitor = 1f32.tanh();
        close(
            predictor.predict(&[(0, 5.0)]),
            [3.0 + 1.0 + visitor, 5.0, 2.0 + 0.5 - visitor + 0.5 * 0.5],
        );
    }

    #[test]
    fn only_alike_given_movies_vote_and_never_for_themselves() {
        // Rows: movie 0 [1, 0], movie 1 [1, 1], movie 2 [-1, 0], movie 3 [0, 2].
        let rows = [1.0, 0.0, 1.0, 1.0, -1.0, 0.0, 0.0, 2.0];
        let given = [(0, 1.0), (2, -2.0), (3, 0.5)];
        let rows = Similarities {
            rows: &rows,
            rank: 2,
        };
        let neighbours = GivenNeighbours::new(0.5, given);
        // Movie 1: similarities 1 (movie 0), −1 (movie 2: no vote), 2 (movie 3).
        let expected = (1.0 * 1.0 + 2.0 * 0.5) / (3.0 + 0.5);
        assert!((neighbours.term(rows, 1) - expected).abs() < 1e-6);
        // Movie 0: itself and movie 3 (similarity 0) do not vote, movie 2 is unlike it.
        assert_eq!(neighbours.term(rows, 0), 0.0);
        // Only the first MAX_NEIGHBOUR_GIVEN given movies vote.
        let many = (0..MAX_NEIGHBOUR_GIVEN + 1)
            .map(|_| (3, 1.0))
            .chain([(0, -5.0)]);
        let first = GivenNeighbours::new(0.0, many);
        assert!((first.term(rows, 1) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn predictions_stay_within_half_a_star_and_five() {
        let predictor = StarsPredictor::new(&tiny_stars());
        for stars in [0.5, 5.0] {
            let given: Vec<(usize, f32)> = (0..3).map(|m| (m, stars)).collect();
            for p in predictor.predict(&given) {
                assert!((MIN_STARS..=MAX_STARS).contains(&p), "{p}");
            }
        }
    }

    #[test]
    fn validation_names_the_mismatch() {
        let weights = tiny_stars();
        assert!(
            weights
                .validate(4)
                .unwrap_err()
                .to_string()
                .starts_with("the stars network is unusable: the movie means are 1 x 3")
        );
        let mut wide = weights.clone();
        wide.tower.inputs = 5;
        assert!(wide.validate(3).unwrap_err().to_string().contains("tower"));
        let mut shrink = weights.clone();
        shrink.neighbour_shrink = -1.0;
        assert!(
            shrink
                .validate(3)
                .unwrap_err()
                .to_string()
                .contains("neighbour shrink")
        );
        let mut short = weights.clone();
        short.similarity = QuantMatrix::quantize(&[1.0, 1.0], 2, 1);
        assert!(
            short
                .validate(3)
                .unwrap_err()
                .to_string()
                .contains("similarity rows are 2 x 1")
        );
        let mut bad = weights;
        bad.like_stars = f32::NAN;
        assert!(
            bad.validate(3)
                .unwrap_err()
                .to_string()
                .contains("stars of a like")
        );
    }

    #[test]
    fn ratings_are_read_in_half_steps_only() {
        for (text, halves) in [("4", 8), ("4.5", 9), ("3.0", 6), ("10", 20), ("0.50", 1)] {
            assert_eq!(parse_halves(text), Some(halves), "{text}");
        }
        for text in ["4.25", "-1", "x", "1e1", ".5", "", "4.5.0", "99999999999"] {
            assert_eq!(parse_halves(text), None, "{text}");
        }
    }

    #[test]
    fn half_stars_are_the_only_ratings() {
        assert!(is_half_star(0.5) && is_half_star(3.5) && is_half_star(5.0));
        for stars in [0.0, 0.25, 4.9, 5.5, f32::NAN, -1.0] {
            assert!(!is_half_star(stars), "{stars}");
        }
    }
}
