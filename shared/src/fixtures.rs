//! Small models worked out by hand, for the tests of this crate and of the crates that use it
//! (enabled there by the `fixtures` feature of a dev-dependency; never in a shipped build).

use crate::catalog::{Catalog, Movie};
use crate::foldin::{Activation, Dense, FoldInWeights};
use crate::format::{ModelFile, ModelInfo};
use crate::quant::QuantMatrix;
use crate::stars::StarsWeights;
use crate::steering::{Steering, neutral_step};

/// Three items in 2-d, a 2->2 tower: small enough to score by hand.
pub fn tiny_model() -> FoldInWeights {
    FoldInWeights {
        input_embeddings: QuantMatrix::quantize(&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0], 3, 2),
        tower: vec![Dense {
            inputs: 2,
            outputs: 2,
            weight: vec![1.0, 0.0, 0.0, 2.0],
            bias: vec![0.0, 0.5],
        }],
        activation: Activation::Relu,
        output_embeddings: QuantMatrix::quantize(&[1.0, 0.0, 0.0, 1.0, 0.5, 0.5], 3, 2),
        output_bias: vec![0.0, 0.1, -1.0],
        neighbours: None,
    }
}

/// [`tiny_model`] with a catalogue: Toy Story (id 1), Heat (2) and Babe (3).
pub fn tiny_file() -> ModelFile {
    let movie = |id: u32, title: &str, genres: u32, count: u32| Movie {
        id,
        title: title.into(),
        year: Some(1995),
        genres,
        rating_count: count,
        imdb_id: Some(id * 1000),
        tmdb_id: None,
    };
    ModelFile {
        info: ModelInfo {
            dataset: "test".into(),
            model: "foldin".into(),
            ..Default::default()
        },
        catalog: Catalog::new(
            vec!["Animation".into(), "Drama".into()],
            vec![
                movie(1, "Toy Story", 0b01, 50),
                movie(2, "Heat", 0b10, 20),
                movie(3, "Babe", 0b01, 10),
            ],
        ),
        weights: tiny_model(),
        steering: Steering {
            dislike_weight: 1.0,
            default_popularity: neutral_step(),
            neighbour_floors: vec![0.5, 0.5, 0.5],
            few_picks: 0.0,
            dispersed_picks: 0.0,
            calibration: 0.0,
            discover_end: 1.0,
        },
        stars: Some(tiny_stars()),
    }
}

/// Stars weights over [`tiny_file`]'s three movies in 2-d, worked out by hand in
/// `stars::tests`: the tower passes the pooled "rated" vector on, nothing else; only movie 2
/// follows its alike neighbour, movie 0.
pub fn tiny_stars() -> StarsWeights {
    let mut weight = vec![0.0; 6 * 2];
    weight[0] = 1.0; // rated, first dimension → visitor's first
    weight[3] = 1.0; // rated, second dimension → visitor's second
    StarsWeights {
        movie_mean: QuantMatrix::quantize(&[3.0, 4.0, 2.0], 1, 3),
        correction: QuantMatrix::quantize(&[0.0, 0.5, 0.0], 1, 3),
        offset_weight: QuantMatrix::quantize(&[0.0, 1.0, -0.5], 1, 3),
        offset_damping: 1.0,
        rated: QuantMatrix::quantize(&[1.0, 0.0, 0.0, 1.0, 0.0, 0.0], 3, 2),
        deviation: QuantMatrix::quantize(&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0], 3, 2),
        tower: Dense {
            inputs: 6,
            outputs: 2,
            weight,
            bias: vec![0.0, 0.0],
        },
        output: QuantMatrix::quantize(&[1.0, 0.0, 0.0, 0.0, -1.0, 0.0], 3, 2),
        // Movies 0 and 2 alike (1 · 1), movie 1 unlike either (−1).
        similarity: QuantMatrix::quantize(&[1.0, -1.0, 1.0], 3, 1),
        neighbour_weight: QuantMatrix::quantize(&[0.0, 0.0, 0.5], 1, 3),
        neighbour_shrink: 1.0,
        like_stars: 4.4,
        dislike_stars: 1.8,
    }
}
