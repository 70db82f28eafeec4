//! Training the rating networks: they learn, they refuse to diverge silently, a checkpoint of
//! other settings is refused.

mod common;

use trainer::data::split::RatingSplit;
use trainer::options::ModelOptions;
use trainer::registry::ModelName;
use trainer::training::Checkpoints;

/// Small networks on a random 80/20 split.
fn options(epochs: usize, batch_size: usize, learning_rate: f64) -> ModelOptions {
    ModelOptions {
        factors: Some(8),
        l2: Some(0.001),
        epochs: Some(epochs),
        batch_size: Some(batch_size),
        learning_rate: Some(learning_rate),
        patience: Some(epochs),
        ..ModelOptions::default()
    }
}

fn random_split(experiment: &mut trainer::experiment::Experiment<trainer::backend::Cpu>) {
    experiment.split = RatingSplit::Random(0.2);
}

#[test]
fn every_rating_network_beats_the_mean() {
    let _rng = common::burn_rng();
    // I-AutoRec learns from movies as examples: enough of them to generalise.
    let dataset = common::two_taste_dataset(40, 150);
    // Predicting the mean of ratings that are ~1.5 or ~4.5 gives an RMSE of about 1.6.
    for model in [
        ModelName::Mf,
        ModelName::Neumf,
        ModelName::Deep,
        ModelName::Autorec,
    ] {
        // I-AutoRec's batches are movies, not ratings: smaller batches for as many steps.
        let batch_size = if model == ModelName::Autorec { 4 } else { 64 };
        let report = common::train(
            model,
            &options(25, batch_size, 0.01),
            &dataset,
            random_split,
        )
        .unwrap();
        let rmse = common::metric(&report, "RMSE");
        assert!(rmse < 0.9, "{model:?}: RMSE {rmse}");
    }
}

#[test]
fn divergence_stops_with_a_clear_message() {
    let _rng = common::burn_rng();
    let dataset = common::two_taste_dataset(20, 10);
    let err = common::train(
        ModelName::Mf,
        &options(5, 1024, 1e30),
        &dataset,
        random_split,
    )
    .unwrap_err();
    assert!(err.contains("diverged"), "{err}");
}

#[test]
fn resume_refuses_a_checkpoint_of_other_settings() {
    let _rng = common::burn_rng();
    let dataset = common::two_taste_dataset(20, 10);
    let dir = common::temp_dir();
    let with_checkpoints = |resume| {
        let dir = dir.path().to_path_buf();
        move |experiment: &mut trainer::experiment::Experiment<trainer::backend::Cpu>| {
            random_split(experiment);
            experiment.checkpoints = Checkpoints {
                dir: Some(dir),
                resume,
            };
        }
    };
    let two_epochs = ModelOptions {
        epochs: Some(2),
        ..ModelOptions::default()
    };
    common::train(
        ModelName::Mf,
        &two_epochs,
        &dataset,
        with_checkpoints(false),
    )
    .unwrap();
    let dir = dir.path();
    assert!(
        dir.join("state.json").exists()
            && dir.join("model-2.bin").exists()
            && !dir.join("model-1.bin").exists()
    );
    let err = common::train(
        ModelName::Neumf,
        &two_epochs,
        &dataset,
        with_checkpoints(true),
    )
    .unwrap_err();
    assert!(err.contains("other settings"), "{err}");
    assert!(
        err.contains("model = mf") && err.contains("model = neumf"),
        "{err}"
    );
}
