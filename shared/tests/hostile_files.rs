//! The weights decoder is total: seeded mutations of valid model files (bit flips, interesting
//! bytes, huge length prefixes, insertions, deletions), framed again with a correct checksum so
//! they reach the decoder, give a model or an error, never a panic or an abort. A decoded model
//! then answers requests without panicking, and never ranks a NaN score above a number.
//!
//! `MODEL_FUZZ_ITERATIONS` sets the number of inputs (default 100,000, about a second in a
//! release build); `cargo xtask fuzz-model` runs a longer campaign.

use shared::format::frame;
use shared::{Activation, Catalog, Dense, ModelFile, ModelInfo, Movie, QuantMatrix, Recommender};
use shared::{FormatError, Request, StarsWeights};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// SplitMix64: a seeded generator small enough to need no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Valid files of both shapes the trainer exports: a fold-in model with a tower, and a
/// tower-less (content / hybrid) one.
fn seed_files() -> Vec<Vec<u8>> {
    let movies: Vec<Movie> = (0..6)
        .map(|i| Movie {
            id: [1, 2, 50, 260, 1196, 4993][i],
            title: [
                "Toy Story",
                "Jumanji",
                "Usual Suspects, The",
                "Star Wars",
                "Amélie",
                "Heat",
            ][i]
                .into(),
            year: Some(1990 + i as u16),
            genres: (i as u32 % 3) + 1,
            rating_count: 10 * i as u32,
            imdb_id: Some(114_709 + i as u32),
            tmdb_id: (i % 2 == 0).then_some(862 + i as u32),
        })
        .collect();
    let catalog = Catalog::new(
        vec!["Animation".into(), "Drama".into(), "Sci-Fi".into()],
        movies,
    );
    let matrix = |cols: usize, salt: f32| {
        let data: Vec<f32> = (0..6 * cols)
            .map(|i| ((i as f32 + salt) * 0.37).sin())
            .collect();
        QuantMatrix::quantize(&data, 6, cols)
    };
    let info = ModelInfo {
        dataset: "test".into(),
        model: "foldin".into(),
        description: "seed".into(),
        metrics: vec![("NDCG@100".into(), 0.4)],
        settings: "{}".into(),
        untrained_users: vec![3, 17, 40],
    };
    let with_tower = ModelFile {
        info: info.clone(),
        catalog: catalog.clone(),
        weights: shared::FoldInWeights {
            input_embeddings: matrix(4, 0.0),
            tower: vec![
                Dense {
                    inputs: 4,
                    outputs: 3,
                    weight: (0..12).map(|i| (i as f32 * 0.1).cos()).collect(),
                    bias: vec![0.1, -0.2, 0.3],
                },
                Dense {
                    inputs: 3,
                    outputs: 2,
                    weight: (0..6).map(|i| (i as f32 * 0.3).sin()).collect(),
                    bias: vec![0.0, 0.5],
                },
            ],
            activation: Activation::Tanh,
            output_embeddings: matrix(2, 1.0),
            output_bias: vec![0.1, 0.2, -0.3, 0.0, 1.0, -1.0],
            neighbours: None,
        },
        steering: shared::Steering {
            dislike_weight: 0.5,
            default_popularity: 3,
            neighbour_floors: vec![0.5; 6],
            few_picks: 1.5,
            dispersed_picks: 2.0,
            calibration: 0.5,
            discover_end: 1.5,
        },
        stars: Some(StarsWeights {
            movie_mean: QuantMatrix::quantize(&[3.5, 4.0, 2.5, 3.0, 4.5, 1.5], 1, 6),
            correction: QuantMatrix::quantize(&[0.1, -0.2, 0.0, 0.3, 0.0, -0.1], 1, 6),
            offset_weight: QuantMatrix::quantize(&[0.5, 0.0, -0.5, 0.2, 0.1, 0.0], 1, 6),
            offset_damping: 5.0,
            rated: matrix(2, 4.0),
            deviation: matrix(2, 5.0),
            tower: Dense {
                inputs: 6,
                outputs: 2,
                weight: (0..12).map(|i| (i as f32 * 0.7).sin()).collect(),
                bias: vec![0.1, -0.1],
            },
            output: matrix(2, 6.0),
            similarity: matrix(3, 7.0),
            neighbour_weight: QuantMatrix::quantize(&[0.2, 0.0, -0.1, 0.3, 0.1, 0.0], 1, 6),
            neighbour_shrink: 0.25,
            like_stars: 4.4,
            dislike_stars: 1.9,
        }),
    };
    let towerless = ModelFile {
        info,
        catalog,
        weights: shared::FoldInWeights {
            input_embeddings: matrix(3, 2.0),
            tower: Vec::new(),
            activation: Activation::Relu,
            output_embeddings: matrix(3, 3.0),
            output_bias: vec![0.0; 6],
            // Two neighbours a movie, each the next two movies round the catalogue.
            neighbours: Some(shared::Neighbours::quantize(
                (0..6u32).flat_map(|m| [(m + 1) % 6, (m + 2) % 6]).collect(),
                &[0.4, 0.1, 0.3, 0.2, 0.5, 0.0, 0.1, 0.1, 0.2, 0.3, 0.6, 0.2],
                2,
            )),
        },
        steering: Default::default(),
        stars: None,
    };
    vec![with_tower.to_bytes(), towerless.to_bytes()]
}

/// Bytes a decoder trips on: zero, the sign and top bits, and bincode's varint markers for
/// 16-, 32-, 64- and 128-bit lengths.
const INTERESTING: [u8; 8] = [0x00, 0x01, 0x7F, 0x80, 0xFB, 0xFC, 0xFD, 0xFF];

fn mutate(rng: &mut Rng, data: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(data.len());
        match rng.below(7) {
            0 if !data.is_empty() => data[at] ^= 1 << rng.below(8),
            1 if !data.is_empty() => data[at] = INTERESTING[rng.below(INTERESTING.len())],
            2 if !data.is_empty() => data[at] = rng.next() as u8,
            3 => {
                // A huge varint where a length may be.
                let mut huge = vec![0xFD];
                huge.extend_from_slice(&(rng.next() | 1 << 40).to_le_bytes());
                data.splice(at..at, huge);
            }
            4 => {
                let len = 1 + rng.below(8);
                let end = (at + len).min(data.len());
                data.drain(at..end);
            }
            5 => {
                let inserted: Vec<u8> = (0..1 + rng.below(8)).map(|_| rng.next() as u8).collect();
                data.splice(at..at, inserted);
            }
            _ => {
                // A float's bytes overwritten with NaN, infinity or a huge value.
                let value = [f32::NAN, f32::INFINITY, f32::MAX, -1e30][rng.below(4)];
                let end = (at + 4).min(data.len());
                data.splice(at..end, value.to_le_bytes());
            }
        }
    }
}

/// Decodes `bytes` and, if that works, uses the model the way the page and the CLI do.
/// `Ok(false)` when the file was refused with an error.
fn exercise(bytes: &[u8]) -> Result<bool, String> {
    let recommender = match Recommender::from_bytes(bytes) {
        Ok(recommender) => recommender,
        Err(error) if error.to_string().is_empty() => {
            return Err(format!("empty message for {error:?}"));
        }
        Err(_) => return Ok(false),
    };
    let ids: Vec<u32> = recommender.catalog.movies.iter().map(|m| m.id).collect();
    for picks in [&ids[..1], &ids[..ids.len().min(3)]] {
        let ranked = recommender
            .recommend(&Request::liking(picks.to_vec(), 10))
            .map_err(|e| format!("a decoded model refused known picks: {e}"))?;
        let scores: Vec<f32> = ranked.iter().map(|r| r.score).collect();
        if let Some(nan) = scores.iter().position(|s| s.is_nan())
            && scores[nan..].iter().any(|s| !s.is_nan())
        {
            return Err(format!("a NaN score ranks above a number: {scores:?}"));
        }
    }
    // Predicted stars, however odd the weights, stay between half a star and five.
    if let Some(stars) = recommender.predicted_stars(&[(0, 4.5)], &[1.min(ids.len() - 1)], &[])
        && let Some(bad) = stars.iter().find(|s| !(0.5..=5.0).contains(*s))
    {
        return Err(format!("a predicted rating of {bad} stars"));
    }
    recommender.search("star", 5);
    recommender.popular(Some(0), 5);
    for movie in &recommender.catalog.movies {
        movie.label();
        recommender.catalog.genres_of(movie);
    }
    Ok(true)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn mutated_model_files_never_crash_the_decoder() {
    let iterations: usize = std::env::var("MODEL_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let seeds = seed_files();
    let mut rng = Rng(0x5EED);
    let mut refused = 0usize;
    for iteration in 0..iterations {
        let seed = &seeds[iteration % seeds.len()];
        // Most inputs keep a valid header so they reach bincode and the validation; the rest
        // mutate the header too.
        let bytes = if rng.below(10) == 0 {
            let mut whole = seed.clone();
            mutate(&mut rng, &mut whole);
            whole
        } else {
            let mut payload = seed[24..].to_vec();
            mutate(&mut rng, &mut payload);
            frame(&payload)
        };
        match catch_unwind(AssertUnwindSafe(|| exercise(&bytes))) {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => refused += 1,
            Ok(Err(problem)) => panic!("input {iteration}: {problem}\n{}", hex(&bytes)),
            Err(_) => panic!("input {iteration} panicked the decoder:\n{}", hex(&bytes)),
        }
    }
    // Most mutations must be caught; if almost none were, the mutator is not reaching the decoder.
    assert!(
        iterations < 100 || refused > iterations / 2,
        "only {refused} of {iterations} mutated files were refused"
    );
    println!("{iterations} mutated files: {refused} refused with an error, none crashed");
}

#[test]
fn the_seed_files_are_valid() {
    for bytes in seed_files() {
        assert_eq!(exercise(&bytes), Ok(true));
    }
    assert!(matches!(
        ModelFile::from_bytes(&frame(&[])),
        Err(FormatError::Decode { .. })
    ));
}
