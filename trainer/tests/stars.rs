//! `trainer stars` on two-taste synthetic data: a visitor folded in from ten stars, without
//! retraining, is predicted by their taste, which a movie's mean and an offset cannot see.

mod common;

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
