//! `content`: content-based recommendation over movie metadata.
//!
//! Every movie is a bag of tokens: its genres, the words of its title (lower case, without a few
//! English stop words and one-letter words), its decade, and the tags users gave it (releases
//! with `tags.csv`). The weights are TF-IDF as scikit-learn's default: binary term frequency
//! times `ln((1 + N) / (1 + df)) + 1`, each movie's vector scaled to unit length.
//!
//! A new user's profile is the normalised sum of the picked movies' vectors and every movie
//! scores its cosine with it ([`TfIdf::scores`]: exact, sparse).
//!
//! The page only runs `shared::FoldInWeights`s, so the exported variant is LSA-reduced
//! ([`TfIdf::lsa`]): the TF-IDF matrix is cut to its `d` leading singular directions
//! (`X ≈ U Σ Vᵀ`, default d = 64), each movie becomes its unit-length row of `U Σ`, and those
//! vectors are both input and output embeddings (empty tower, zero bias). Scores are then
//! cosines in the reduced space, which also relate movies through co-occurring tokens.

use super::embeddings::ItemEmbeddings;
use super::{Fitted, NewUserModel};
use crate::data::{Dataset, Movie};
use crate::experiment::Experiment;
use crate::model::Model;
use crate::options::ModelOptions;
use crate::protocol::NewUserTask;
use crate::randomized_svd::{Iteration, SLOW_DECAY, SparseRows, right_singular};
use crate::report::Phases;
use crate::training::RunSettings;
use anyhow::Result;
use burn::config::Config;
use burn::tensor::backend::AutodiffBackend;
use std::collections::HashMap;

/// `trainer train --model content`.
pub struct ContentModel;

#[derive(Config, Debug)]
pub struct ContentConfig {
    /// LSA dimensions the page's vectors keep.
    #[config(default = 64)]
    pub dims: usize,
    #[config(default = 42)]
    pub seed: u64,
}

impl Model for ContentModel {
    const NAME: &'static str = "content";
    const ABOUT: &'static str =
        "TF-IDF over genres, title words, decade and tags, LSA-reduced (--factors dimensions)";
    type Config = ContentConfig;

    fn config(options: &mut ModelOptions, seed: u64) -> Result<ContentConfig> {
        let config = ContentConfig::new().with_seed(seed);
        Ok(match options.factors.take() {
            Some(dims) => config.with_dims(dims),
            None => config,
        })
    }
}

impl NewUserModel for ContentModel {
    fn fit<B: AutodiffBackend>(
        config: &ContentConfig,
        task: &NewUserTask,
        experiment: &Experiment<B>,
        _identity: &RunSettings,
        _phases: &mut Phases,
    ) -> Result<Fitted<ContentConfig>> {
        let embeddings =
            TfIdf::new(experiment.dataset, &task.items).lsa(config.dims, config.seed)?;
        Ok(Fitted {
            weights: embeddings.foldin_weights(),
            parameters: embeddings.parameters(),
            description: format!(
                "content-based TF-IDF over genres, title words, decade and tags, LSA-reduced to {} dimensions",
                embeddings.dims
            ),
            history: Default::default(),
            chosen: config.clone(),
        })
    }
}

/// Title words that carry no content.
const STOP_WORDS: [&str; 12] = [
    "the", "a", "an", "of", "and", "in", "on", "to", "for", "with", "la", "le",
];

/// The tokens that describe a movie.
pub fn tokens(movie: &Movie, genre_names: &[String]) -> Vec<String> {
    let genres = genre_names
        .iter()
        .enumerate()
        .filter(|(g, _)| movie.genres & (1 << g) != 0)
        .map(|(_, name)| format!("genre:{}", name.to_lowercase()));
    let words = movie
        .title
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() > 1 && !STOP_WORDS.contains(&w.as_str()))
        .map(|w| format!("word:{w}"));
    let decade = movie
        .year
        .map(|y| format!("decade:{}s", y / 10 * 10))
        .into_iter();
    let tags = movie.tags.iter().map(|t| format!("tag:{t}"));
    genres.chain(words).chain(decade).chain(tags).collect()
}

/// Unit-length TF-IDF vectors of a list of movies.
pub struct TfIdf {
    /// Rows are movies (in the order given), columns terms.
    matrix: SparseRows<f32>,
}

impl TfIdf {
    /// Vectors for `items` (dataset item indices), in that order.
    pub fn new(dataset: &Dataset, items: &[u32]) -> Self {
        let mut vocabulary: HashMap<String, u32> = HashMap::new();
        let documents: Vec<Vec<u32>> = items
            .iter()
            .map(|&i| {
                let mut terms: Vec<u32> = tokens(&dataset.movies[i as usize], &dataset.genre_names)
                    .into_iter()
                    .map(|token| {
                        let next = vocabulary.len() as u32;
                        *vocabulary.entry(token).or_insert(next)
                    })
                    .collect();
                terms.sort_unstable();
                terms.dedup();
                terms
            })
            .collect();
        let mut document_frequency = vec![0u32; vocabulary.len()];
        for terms in &documents {
            for &t in terms {
                document_frequency[t as usize] += 1;
            }
        }
        let n = items.len() as f32;
        let idf: Vec<f32> = document_frequency
            .iter()
            .map(|&df| ((1.0 + n) / (1.0 + df as f32)).ln() + 1.0)
            .collect();
        let rows = documents
            .into_iter()
            .map(|terms| {
                let norm = terms
                    .iter()
                    .map(|&t| idf[t as usize].powi(2))
                    .sum::<f32>()
                    .sqrt();
                terms
                    .into_iter()
                    .map(|t| (t, idf[t as usize] / norm))
                    .collect()
            })
            .collect();
        Self {
            matrix: SparseRows {
                cols: vocabulary.len(),
                rows,
            },
        }
    }

    pub fn items(&self) -> usize {
        self.matrix.rows.len()
    }

    /// Stored non-zero weights.
    pub fn parameters(&self) -> usize {
        self.matrix.rows.iter().map(Vec::len).sum()
    }

    /// Cosine of every movie with the normalised sum of the picked movies' vectors.
    pub fn scores(&self, picks: &[u32]) -> Vec<f32> {
        let mut profile = vec![0f32; self.matrix.cols];
        for &p in picks {
            for &(t, w) in &self.matrix.rows[p as usize] {
                profile[t as usize] += w;
            }
        }
        let norm = profile.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            profile.iter_mut().for_each(|v| *v /= norm);
        }
        self.matrix
            .rows
            .iter()
            .map(|row| row.iter().map(|&(t, w)| w * profile[t as usize]).sum())
            .collect()
    }

    /// The LSA reduction to (at most) `dims` dimensions, unit-length rows: each movie's
    /// coordinates along the leading singular directions of the movie × term matrix.
    pub fn lsa(&self, dims: usize, seed: u64) -> Result<ItemEmbeddings> {
        let matrix = SparseRows {
            cols: self.matrix.cols,
            rows: self
                .matrix
                .rows
                .iter()
                .map(|row| row.iter().map(|&(t, w)| (t, f64::from(w))).collect())
                .collect(),
        };
        let svd = right_singular(&matrix, dims, Iteration { seed, ..SLOW_DECAY })?;
        let dims = svd.rank();
        let images = &svd.images;
        let values = (0..self.items())
            .flat_map(|i| (0..dims).map(move |c| images[(i, c)] as f32))
            .collect();
        Ok(ItemEmbeddings {
            items: self.items(),
            dims,
            values,
        }
        .normalized_rows())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DatasetName;

    fn movie(id: u32, title: &str, year: u16, genres: u32, tags: &[&str]) -> Movie {
        Movie {
            id,
            title: title.into(),
            year: Some(year),
            genres,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            imdb_id: None,
            tmdb_id: None,
        }
    }

    /// Genres: bit 0 Animation, 1 Children's, 2 Action, 3 Crime, 4 Musical.
    fn catalogue() -> Dataset {
        let genres = ["Animation", "Children's", "Action", "Crime", "Musical"];
        Dataset::new(
            DatasetName::MlLatestSmall,
            "unused".into(),
            vec![1],
            vec![
                movie(1, "Toy Story", 1995, 0b00011, &["pixar"]),
                movie(2, "Toy Story 2", 1999, 0b00011, &["pixar"]),
                movie(3, "Heat", 1995, 0b01100, &[]),
                movie(4, "Aladdin", 1992, 0b10011, &[]),
                movie(5, "Matrix, The", 1999, 0b00100, &["cyberpunk"]),
            ],
            Vec::new(),
            genres.iter().map(|g| g.to_string()).collect(),
            None,
        )
    }

    #[test]
    fn tokens_cover_genres_words_decade_and_tags() {
        let data = catalogue();
        let mut t = tokens(&data.movies[4], &data.genre_names);
        t.sort();
        assert_eq!(
            t,
            [
                "decade:1990s",
                "genre:action",
                "tag:cyberpunk",
                "word:matrix"
            ]
        );
        // "2" is a one-letter word.
        assert!(!tokens(&data.movies[1], &data.genre_names).contains(&"word:2".to_string()));
    }

    #[test]
    fn similar_metadata_scores_higher() {
        let data = catalogue();
        let tfidf = TfIdf::new(&data, &[0, 1, 2, 3, 4]);
        let s = tfidf.scores(&[0]);
        // Toy Story 2 shares title words, genres, a tag and the decade; Aladdin two genres and
        // the decade; Heat only the decade.
        assert!((s[0] - 1.0).abs() < 1e-6, "{s:?}");
        assert!(s[1] > s[3] && s[3] > s[2] && s[2] > 0.0, "{s:?}");
        // Every vector has unit length: a movie alone is its own profile.
        for i in 0..5 {
            assert!((tfidf.scores(&[i])[i as usize] - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn full_rank_lsa_keeps_the_cosines() {
        let data = catalogue();
        let tfidf = TfIdf::new(&data, &[0, 1, 2, 3, 4]);
        let lsa = tfidf.lsa(5, 1).unwrap();
        assert_eq!((lsa.items, lsa.dims), (5, 5));
        for pick in 0..5u32 {
            let (exact, reduced) = (tfidf.scores(&[pick]), lsa.scores(&[pick]));
            for (e, r) in exact.iter().zip(&reduced) {
                assert!(
                    (e - r).abs() < 1e-4,
                    "pick {pick}: {exact:?} vs {reduced:?}"
                );
            }
        }
        // Two dimensions still put Toy Story 2 first for Toy Story.
        let small = tfidf.lsa(2, 1).unwrap().scores(&[0]);
        assert!(small[1] > small[2] && small[1] > small[4], "{small:?}");
    }
}
