//! Stars on two-taste synthetic data: a visitor folded in from a few stars, without retraining,
//! is predicted by their taste, which a movie's mean and an offset cannot see; in `trainer
//! stars` and through the page's file.

mod common;

use shared::{RecommendError, Recommender};
use trainer::backend::Cpu;
use trainer::experiment::Experiment;
use trainer::options::ModelOptions;
use trainer::registry::ModelName;
use trainer::stars::{self, StarsOptions};

#[test]
fn folded_in_visitors_are_predicted_by_their_taste() {
    let _rng = common::burn_rng();
    let dataset = common::two_taste_dataset(200, 40);
    let options = StarsOptions {
        draws: 2,
        given: vec![3, 10],
        seed: 5,
        dim: Some(8),
        l2: None,
    };
    let rows =
        stars::measure::<trainer::backend::Cpu>(&dataset, &options, Default::default()).unwrap();
    let table = stars::table(&rows);
    assert_eq!(rows.len(), 2 * 4, "{table}");
    let rmse = |model: &str, given: usize| {
        let row = rows
            .iter()
            .find(|r| r.model == model && r.given == given)
            .unwrap_or_else(|| panic!("no {model} row at {given}: {table}"));
        row.rmse.0
    };
    // Ratings are 4–5 inside a user's taste and 1–2 outside: a movie's mean (3) misses by 1.5.
    assert!(rmse("movie mean", 10) > 1.2, "{table}");
    assert!(rmse("baseline", 10) > 1.2, "{table}");
    for model in ["Funk-SVD", "stars network"] {
        assert!(rmse(model, 10) < 0.8, "{model} at 10 stars: {table}");
        assert!(rmse(model, 10) <= rmse(model, 3) + 0.05, "{model}: {table}");
    }
}

#[test]
fn the_page_file_folds_a_visitor_in_from_their_stars_without_retraining() {
    let _rng = common::burn_rng();
    let dataset = common::two_taste_dataset(200, 40);
    let mut experiment = Experiment::<Cpu>::new(&dataset, 42, Default::default());
    experiment.stars = true;
    experiment.heldout_users = 20;
    let outcome = ModelName::Popularity
        .train(&ModelOptions::default(), &experiment)
        .unwrap();
    let file = outcome
        .file
        .expect("a new-user model exports the page's file");
    assert!(
        file.info
            .metrics
            .iter()
            .any(|(name, _)| name == "stars RMSE (10 given)")
    );
    let bytes = file.to_bytes();
    let recommender = Recommender::from_bytes(&bytes).unwrap();
    let index = |id: u32| {
        recommender
            .catalog
            .index_of(id)
            .expect("every movie is carried")
    };
    // Movie ids 1–20 are the first taste, 21–40 the second (two_taste_dataset).
    let mean_of = |stars: &[f32], ids: std::ops::RangeInclusive<u32>| {
        let ids: Vec<u32> = ids.collect();
        ids.iter().map(|&id| stars[index(id)]).sum::<f32>() / ids.len() as f32
    };
    for (loved, loathed) in [(1..=5, 21..=25), (21..=25, 1..=5)] {
        let given: Vec<(usize, f32)> = (loved.clone().map(|id| (index(id), 5.0)))
            .chain(loathed.clone().map(|id| (index(id), 1.0)))
            .collect();
        let stars = recommender.predicted_stars(&given, &[], &[]).unwrap();
        let (same, other) = if *loved.start() == 1 {
            (6..=20, 26..=40)
        } else {
            (26..=40, 6..=20)
        };
        assert!(
            mean_of(&stars, same.clone()) > 3.8 && mean_of(&stars, other.clone()) < 2.5,
            "a visitor of one taste: {} for it, {} for the other",
            mean_of(&stars, same),
            mean_of(&stars, other)
        );
    }
    // A movie the model does not know is refused by id (the page and the CLI skip such ids
    // before asking).
    assert_eq!(
        recommender.rated_indices(&[(999, 4.0)]),
        Err(RecommendError::UnknownMovie(999))
    );
}
