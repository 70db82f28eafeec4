//! A list is chosen measuring the dislikes' similarity only for the movies that may reach it
//! ([`Recommender::ranked_scored`]): on the shipped model with its tail, random visitors (up to
//! forty likes and a hundred dislikes, every slider position, heavy dislike weights, genre
//! filters that leave few candidates) get the very list, and the very scores, that steering
//! every movie gives.

use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use shared::tail::TailFile;
use shared::{ModelFile, POPULARITY_STEPS, Recommender, Scored, Steer};
use std::path::Path;

/// The page's model and its tail, as `static/` ships them.
fn shipped() -> Recommender {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../static");
    let read = |name: &str| {
        std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name} in static/: {e}"))
    };
    let bytes = read("model.bin");
    let mut recommender = Recommender::from_bytes(&bytes).expect("the shipped model");
    let tail = TailFile::from_bytes(&read("model.tail.bin")).expect("the shipped tail");
    let checksum = ModelFile::checksum(&bytes).expect("a model's header");
    recommender
        .attach_tail(tail, checksum)
        .expect("the shipped model's tail");
    recommender
}

/// [`Recommender::ranked_scored`] as defined: every movie steered, then ranked.
fn every_movie_steered(
    recommender: &Recommender,
    scored: &Scored,
    picks: &[usize],
    steer: Steer,
    candidates: &[usize],
    n: usize,
) -> (Vec<usize>, Vec<f32>) {
    let scores = recommender.steered(scored, steer);
    let ranked = recommender.ranked_by(&scores, picks, steer, candidates, n);
    let ranked_scores = ranked.iter().map(|&movie| scores[movie]).collect();
    (ranked, ranked_scores)
}

#[test]
fn measuring_dislikes_only_where_they_matter_ranks_as_measuring_them_all() {
    let recommender = shipped();
    let movies = recommender.catalog.len();
    let genres = recommender.catalog.genre_names.len();
    let mut rng = StdRng::seed_from_u64(24);
    let mut full_lists = 0;
    for visitor in 0..150 {
        let liked = rng.random_range(1..=40);
        let disliked = rng.random_range(1..=100);
        let chosen = sample(&mut rng, movies, liked + disliked).into_vec();
        let (picks, disliked) = chosen.split_at(liked);
        let filter = rng.random_bool(0.3).then(|| rng.random_range(0..genres));
        let candidates: Vec<usize> = (0..movies)
            .filter(|m| !chosen.contains(m))
            .filter(|&m| filter.is_none_or(|g| recommender.catalog.movies[m].has_genre(g)))
            .collect();
        let scored = recommender.scored(picks, disliked);
        let model = recommender.steer(disliked, rng.random_range(0..POPULARITY_STEPS.len()));
        let steer = Steer {
            dislike_weight: [model.dislike_weight, 0.5, 5.0, 50.0][visitor % 4],
            calibration: if rng.random_bool(0.5) {
                model.calibration
            } else {
                0.0
            },
            ..model
        };
        let n = [10, 20, 100][rng.random_range(0..3)];
        let expected = every_movie_steered(&recommender, &scored, picks, steer, &candidates, n);
        assert_eq!(
            recommender.ranked_scored(&scored, picks, steer, candidates, n),
            expected,
            "visitor {visitor}: {liked} liked, {} disliked, weight {}, step {}, calibration {}, \
             genre {filter:?}, top {n}",
            disliked.len(),
            steer.dislike_weight,
            steer.popularity_step,
            steer.calibration
        );
        full_lists += usize::from(expected.0.len() == n);
    }
    assert!(
        full_lists > 100,
        "most visitors got a full list: {full_lists}"
    );
}
