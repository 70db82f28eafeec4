//! The long tail: every movie of the release the page's model carries no collaborative weights
//! for (too few likes, or no room in the page's budget), in a second file the page fetches after
//! its first list.
//!
//! Such a movie is known by its genres, its decade and how often it was rated. A linear map,
//! fitted by the trainer on the carried movies (ridge regression from these features to each
//! movie's input row, output row and output bias), gives it rows in the model's own space: a
//! liked tail movie steers the list through them, and a tail movie scores like any other, so it
//! is recommended when the taste points there. The rows are never stored: a tail movie has a
//! handful of features, so its score is a sum over them of per-feature scores computed once per
//! request ([`TailScorer`]), and the file holds only the catalogue entries and the map.
//!
//! A tail file belongs to one model file: it names the model's payload checksum, and
//! [`crate::Recommender::attach_tail`] refuses any other.

use crate::catalog::Movie;
use crate::foldin::dot;
use crate::format::{
    FormatError, InvalidModel, TAIL_MAGIC, check_header_with, check_movies, decode_limited,
    frame_with,
};
use crate::quant::QuantMatrix;
use serde::{Deserialize, Serialize};

/// The tail file's name beside its model's: `model.bin` → `model.tail.bin`, `model.v2` →
/// `model.v2.tail.bin`.
pub fn file_name(model_file_name: &str) -> String {
    let stem = model_file_name
        .strip_suffix(".bin")
        .unwrap_or(model_file_name);
    format!("{stem}.tail.bin")
}

/// The tail file beside the model file `model` ([`file_name`]).
pub fn path_beside(model: &std::path::Path) -> std::path::PathBuf {
    let name = model.file_name().map(|n| n.to_string_lossy().into_owned());
    model.with_file_name(file_name(name.as_deref().unwrap_or("model.bin")))
}

/// Checks a tail file's header as [`crate::format::check_header`] checks a model's.
pub fn check_header(start: &[u8], file_len: u64) -> Result<u32, FormatError> {
    check_header_with(TAIL_MAGIC, start, file_len)
}

/// Decades with a feature of their own: the 1900s (and earlier) to the 2020s (and later).
const FIRST_DECADE: u16 = 1900;
const DECADES: usize = 13;

/// A movie's features: an intercept, its log rating count, its genres (each `1/√n` of a movie
/// with `n` genres) and its decade. `genres` is the catalogue's genre count.
pub fn features(movie: &Movie, genres: usize) -> Vec<(usize, f32)> {
    let mut features = vec![(0, 1.0), (1, (movie.rating_count as f32).ln_1p() / 5.0)];
    let bits = (0..genres.min(32)).filter(|&g| movie.genres >> g & 1 == 1);
    let count = bits.clone().count();
    features.extend(bits.map(|g| (2 + g, 1.0 / (count as f32).sqrt())));
    if let Some(year) = movie.year {
        let decade = (year.saturating_sub(FIRST_DECADE) / 10).min(DECADES as u16 - 1);
        features.push((2 + genres + decade as usize, 1.0));
    }
    features
}

/// How many features [`features`] draws from for a catalogue of `genres` genres.
pub fn feature_count(genres: usize) -> usize {
    2 + genres + DECADES
}

/// The map from features to a movie's rows, one row per feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TailWeights {
    /// `features x input_dim`: a tail movie's input row is its features times this.
    pub input: QuantMatrix,
    /// `features x user_dim`.
    pub output: QuantMatrix,
    /// One per feature.
    pub bias: Vec<f32>,
}

/// The second file: the catalogue's other movies and the map that places them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TailFile {
    /// The CRC-32 of the payload of the model file this tail extends.
    pub model_checksum: u32,
    /// Catalogue entries, none of them in the model file's catalogue.
    pub movies: Vec<Movie>,
    pub weights: TailWeights,
}

impl TailFile {
    /// Encodes with the tail's header and checksum.
    pub fn to_bytes(&self) -> Vec<u8> {
        let payload = bincode::serde::encode_to_vec(self, bincode::config::standard())
            .expect("encoding plain data into a Vec cannot fail");
        frame_with(TAIL_MAGIC, &payload)
    }

    /// Checks the header, length and checksum and decodes within a memory limit; the shapes
    /// are checked against the model when attached.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FormatError> {
        decode_limited(TAIL_MAGIC, bytes)
    }

    /// Every shape and value against a model with `input_dim`/`user_dim` wide rows and
    /// `genres` genres.
    pub fn validate(
        &self,
        input_dim: usize,
        user_dim: usize,
        genres: usize,
    ) -> Result<(), InvalidModel> {
        let features = feature_count(genres);
        let w = &self.weights;
        for (matrix, dim, what) in [
            (&w.input, input_dim, "tail's input map"),
            (&w.output, user_dim, "tail's output map"),
        ] {
            matrix.check(what)?;
            if (matrix.rows, matrix.cols) != (features, dim) {
                return Err(InvalidModel::WrongLength {
                    what: what.into(),
                    expected: features * dim,
                    found: matrix.rows * matrix.cols,
                });
            }
        }
        if w.bias.len() != features {
            return Err(InvalidModel::WrongLength {
                what: "tail's bias map".into(),
                expected: features,
                found: w.bias.len(),
            });
        }
        if let Some(value) = w.bias.iter().find(|v| !v.is_finite()) {
            return Err(InvalidModel::NotFinite {
                what: "a tail bias weight".into(),
                value: *value,
            });
        }
        check_movies(&self.movies, genres)
    }
}

/// The tail's movies ready to score: their features and the map, expanded.
///
/// Movies of the same genres and decade differ only in their popularity, so they share one
/// "profile" (every feature but popularity): scoring the tail costs one small sum per profile
/// and one multiply-add per movie.
#[derive(Clone, Debug)]
pub struct TailScorer {
    /// Each distinct profile's features.
    profiles: Vec<Vec<(usize, f32)>>,
    /// Each tail movie's profile.
    profile_of: Vec<u32>,
    /// Each tail movie's popularity feature.
    popularity: Vec<f32>,
    input_dim: usize,
    user_dim: usize,
    input: Vec<f32>,
    output: Vec<f32>,
    bias: Vec<f32>,
    /// L2 norms of the tail movies' output rows.
    output_norms: Vec<f32>,
}

/// The index of the popularity feature in [`features`].
const POPULARITY_FEATURE: usize = 1;

impl TailScorer {
    /// Expands a validated tail for `movies` (its own, in order) of a `genres`-genre catalogue.
    pub fn new(weights: &TailWeights, movies: &[Movie], genres: usize) -> Self {
        let mut profiles: Vec<Vec<(usize, f32)>> = Vec::new();
        let mut known: std::collections::HashMap<Vec<(usize, u32)>, u32> = Default::default();
        let (mut profile_of, mut popularity) = (Vec::new(), Vec::new());
        for movie in movies {
            let (mut own, mut shared) = (0.0, Vec::new());
            for (f, x) in features(movie, genres) {
                if f == POPULARITY_FEATURE {
                    own = x;
                } else {
                    shared.push((f, x));
                }
            }
            let key = shared.iter().map(|&(f, x)| (f, x.to_bits())).collect();
            let next = profiles.len() as u32;
            let profile = *known.entry(key).or_insert_with(|| {
                profiles.push(shared);
                next
            });
            profile_of.push(profile);
            popularity.push(own);
        }
        let mut tail = Self {
            profiles,
            profile_of,
            popularity,
            input_dim: weights.input.cols,
            user_dim: weights.output.cols,
            input: weights.input.dequantize(),
            output: weights.output.dequantize(),
            bias: weights.bias.clone(),
            output_norms: Vec::new(),
        };
        tail.output_norms = (0..movies.len())
            .map(|m| {
                let row = tail.output_row(m);
                dot(&row, &row).sqrt()
            })
            .collect();
        tail
    }

    pub fn len(&self) -> usize {
        self.profile_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.profile_of.is_empty()
    }

    /// Tail movie `movie`'s features.
    fn features_of(&self, movie: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let profile = &self.profiles[self.profile_of[movie] as usize];
        profile
            .iter()
            .copied()
            .chain([(POPULARITY_FEATURE, self.popularity[movie])])
    }

    /// Σ features × rows of `map` (`dim` wide): a tail movie's row.
    fn row(&self, movie: usize, map: &[f32], dim: usize) -> Vec<f32> {
        let mut row = vec![0f32; dim];
        for (f, x) in self.features_of(movie) {
            for (r, w) in row.iter_mut().zip(&map[f * dim..(f + 1) * dim]) {
                *r += x * w;
            }
        }
        row
    }

    /// Tail movie `movie`'s input row.
    pub fn input_row(&self, movie: usize) -> Vec<f32> {
        self.row(movie, &self.input, self.input_dim)
    }

    /// Tail movie `movie`'s output row.
    pub fn output_row(&self, movie: usize) -> Vec<f32> {
        self.row(movie, &self.output, self.user_dim)
    }

    pub fn output_norm(&self, movie: usize) -> f32 {
        self.output_norms[movie]
    }

    /// Each feature's dot product with `user` (plus its bias when `with_bias`).
    fn per_feature(&self, user: &[f32], with_bias: bool) -> Vec<f32> {
        let dim = self.user_dim.max(1);
        self.output
            .chunks_exact(dim)
            .zip(&self.bias)
            .map(|(row, b)| dot(row, user) + if with_bias { *b } else { 0.0 })
            .collect()
    }

    /// Σ x·`per_feature` over each tail movie's features, in movie order.
    fn sums(&self, per_feature: &[f32]) -> Vec<f32> {
        let profile_sums: Vec<f32> = (self.profiles.iter())
            .map(|profile| profile_sum(profile, per_feature))
            .collect();
        (self.profile_of.iter().enumerate())
            .map(|(movie, &p)| self.with_popularity(profile_sums[p as usize], movie, per_feature))
            .collect()
    }

    /// Tail movie `movie`'s Σ x·`per_feature` from its profile's: the popularity feature is the
    /// movie's own.
    fn with_popularity(&self, profile_sum: f32, movie: usize, per_feature: &[f32]) -> f32 {
        profile_sum + self.popularity[movie] * per_feature[POPULARITY_FEATURE]
    }

    /// Tail movie `movie`'s score for a user vector: one entry of [`Self::scores`].
    pub fn score(&self, movie: usize, user: &[f32]) -> f32 {
        let bias: f32 = self.features_of(movie).map(|(f, x)| x * self.bias[f]).sum();
        dot(&self.output_row(movie), user) + bias
    }

    /// Every tail movie's score for a user vector.
    pub fn scores(&self, user: &[f32]) -> Vec<f32> {
        self.sums(&self.per_feature(user, true))
    }

    /// Each feature's dot product with the unit row `target`, for [`Self::cosine`].
    pub fn per_feature_of(&self, target: &[f32]) -> Vec<f32> {
        self.per_feature(target, false)
    }

    /// Tail movie `movie`'s cosine with the unit row whose [`Self::per_feature_of`] is
    /// `per_feature`: one entry of [`Self::sums`] over the movie's norm.
    pub fn cosine(&self, per_feature: &[f32], movie: usize) -> f32 {
        let norm = self.output_norms[movie];
        if norm == 0.0 {
            return 0.0;
        }
        let profile = &self.profiles[self.profile_of[movie] as usize];
        self.with_popularity(profile_sum(profile, per_feature), movie, per_feature) / norm
    }
}

/// Σ x·`per_feature` over a profile's features.
fn profile_sum(profile: &[(usize, f32)], per_feature: &[f32]) -> f32 {
    profile.iter().map(|&(f, x)| x * per_feature[f]).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::tiny_file;
    use crate::format::ModelFile;
    use crate::recommend::Recommender;

    /// A map that places an Animation movie on Toy Story's rows and a Drama on Heat's
    /// ([`tiny_file`]), and a tail of one animated movie, Fantasia (id 10).
    fn fantasia_tail(model_checksum: u32) -> TailFile {
        let features = feature_count(2);
        let mut rows = vec![0f32; features * 2];
        rows[2 * 2] = 1.0; // Animation -> (1, 0)
        rows[3 * 2 + 1] = 1.0; // Drama -> (0, 1)
        TailFile {
            model_checksum,
            movies: vec![Movie {
                id: 10,
                title: "Fantasia".into(),
                year: Some(1940),
                genres: 0b01,
                rating_count: 3,
                imdb_id: None,
                tmdb_id: None,
            }],
            weights: TailWeights {
                input: QuantMatrix::quantize(&rows, features, 2),
                output: QuantMatrix::quantize(&rows, features, 2),
                bias: vec![0.0; features],
            },
        }
    }

    fn loaded() -> (Recommender, u32) {
        let bytes = tiny_file().to_bytes();
        let checksum = ModelFile::checksum(&bytes).unwrap();
        (Recommender::from_bytes(&bytes).unwrap(), checksum)
    }

    #[test]
    fn a_tail_movie_is_found_picked_and_scored_through_its_genres() {
        let (mut recommender, checksum) = loaded();
        let tail = TailFile::from_bytes(&fantasia_tail(checksum).to_bytes()).unwrap();
        assert_eq!(recommender.attach_tail(tail, checksum), Ok(1));
        let fantasia = recommender.catalog.index_of(10).unwrap();
        assert_eq!(fantasia, 3);
        assert_eq!(recommender.search("fantasia", 5).movies, [fantasia]);

        // Picked, it steers as Toy Story (same genres' rows) does.
        let (from_fantasia, from_toy_story) = (recommender.scores(&[3]), recommender.scores(&[0]));
        for (a, b) in from_fantasia.iter().zip(&from_toy_story) {
            assert!(
                (a - b).abs() < 1e-5,
                "{from_fantasia:?} vs {from_toy_story:?}"
            );
        }
        // Scored, it is Toy Story's equal (both bias 0), the sparse sum as the dense row.
        let after_heat = recommender.scores(&[1]);
        assert_eq!(after_heat.len(), 4);
        assert!(
            (after_heat[3] - after_heat[0]).abs() < 1e-5,
            "{after_heat:?}"
        );
        // No stars of its own, no reason named for it.
        let stars = recommender.predicted_stars(&[(3, 5.0)], &[], &[]).unwrap();
        assert_eq!(stars.len(), 4);
        assert!(stars[3].is_nan() && stars[..3].iter().all(|s| s.is_finite()));
        assert!(recommender.because(0, &[3]).is_empty());
    }

    #[test]
    fn a_tail_of_another_model_or_shape_is_refused_by_name() {
        let (mut recommender, checksum) = loaded();
        assert_eq!(
            recommender.attach_tail(fantasia_tail(checksum ^ 1), checksum),
            Err(InvalidModel::TailOfAnotherModel {
                tail: checksum ^ 1,
                model: checksum
            })
        );
        let mut known_id = fantasia_tail(checksum);
        known_id.movies[0].id = 2;
        assert_eq!(
            recommender.attach_tail(known_id, checksum),
            Err(InvalidModel::DuplicateMovie(2))
        );
        let mut narrow = fantasia_tail(checksum);
        narrow.weights.bias.pop();
        assert!(matches!(
            recommender.attach_tail(narrow, checksum),
            Err(InvalidModel::WrongLength { .. })
        ));
        let mut twice = fantasia_tail(checksum);
        twice.movies.push(twice.movies[0].clone());
        assert_eq!(
            recommender.attach_tail(twice, checksum),
            Err(InvalidModel::DuplicateMovie(10))
        );
        assert_eq!(recommender.catalog.len(), 3, "nothing refused was added");
        recommender
            .attach_tail(fantasia_tail(checksum), checksum)
            .unwrap();
        assert_eq!(
            recommender.attach_tail(fantasia_tail(checksum), checksum),
            Err(InvalidModel::TailAttached)
        );
        assert_eq!(
            TailFile::from_bytes(&tiny_file().to_bytes()),
            Err(FormatError::NotATailFile)
        );
        // A damaged tail is named as the tail, not as the model.
        let bytes = fantasia_tail(checksum).to_bytes();
        let truncated = TailFile::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err();
        assert!(
            truncated
                .to_string()
                .starts_with("catalogue tail file is truncated"),
            "{truncated}"
        );
        let mut future = bytes.clone();
        future[8..12].copy_from_slice(&(crate::FORMAT_VERSION + 1).to_le_bytes());
        let version = TailFile::from_bytes(&future).unwrap_err().to_string();
        assert!(
            version.starts_with("catalogue tail file format version"),
            "{version}"
        );
    }
}
