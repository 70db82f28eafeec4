//! Explicit-rating training: it learns, it refuses to diverge silently, it resumes.

mod common;

use trainer::backend::Cpu;
use trainer::models::explicit::Loss;
use trainer::pipeline::{self, ExplicitModel, ExplicitRun, RatingSplit};
use trainer::training::{Checkpoints, TrainingConfig};

fn run(model: ExplicitModel, training: TrainingConfig, checkpoints: Checkpoints) -> ExplicitRun {
    ExplicitRun {
        model,
        split: RatingSplit::Random(0.2),
        loss: Loss::Mse,
        factors: 8,
        l2: 0.001,
        training,
        checkpoints,
        time_decay: None,
    }
}

fn rmse(report: &pipeline::RunReport) -> f64 {
    report.metrics.iter().find(|(k, _)| k == "RMSE").unwrap().1
}

#[test]
fn every_explicit_model_beats_the_mean() {
    let _rng = common::burn_rng();
    // I-AutoRec learns from movies as examples: enough of them to generalise.
    let dataset = common::two_taste_dataset(40, 150);
    // Predicting the mean of ratings that are ~1.5 or ~4.5 gives an RMSE of about 1.6.
    for model in [
        ExplicitModel::Mf,
        ExplicitModel::Neumf,
        ExplicitModel::Deep,
        ExplicitModel::Autorec,
    ] {
        // I-AutoRec's batches are movies, not ratings: smaller batches for as many steps.
        let batch_size = if model == ExplicitModel::Autorec {
            4
        } else {
            64
        };
        let training = TrainingConfig::new()
            .with_epochs(25)
            .with_batch_size(batch_size)
            .with_learning_rate(0.01)
            .with_patience(25);
        let report = pipeline::run_explicit::<Cpu>(
            &dataset,
            &run(model, training, Checkpoints::default()),
            &Default::default(),
        )
        .unwrap();
        assert!(rmse(&report) < 0.9, "{model:?}: RMSE {}", rmse(&report));
    }
}

#[test]
fn divergence_stops_with_a_clear_message() {
    let _rng = common::burn_rng();
    let dataset = common::two_taste_dataset(20, 10);
    let training = TrainingConfig::new()
        .with_epochs(5)
        .with_learning_rate(1e30);
    let err = pipeline::run_explicit::<Cpu>(
        &dataset,
        &run(ExplicitModel::Mf, training, Checkpoints::default()),
        &Default::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("diverged"), "{err}");
}

#[test]
fn resume_refuses_a_checkpoint_of_other_settings() {
    let _rng = common::burn_rng();
    let dataset = common::two_taste_dataset(20, 10);
    let dir = common::temp_dir("mf-settings");
    let checkpoints = |resume| Checkpoints {
        dir: Some(dir.clone()),
        resume,
    };
    let training = TrainingConfig::new().with_epochs(2);
    pipeline::run_explicit::<Cpu>(
        &dataset,
        &run(ExplicitModel::Mf, training.clone(), checkpoints(false)),
        &Default::default(),
    )
    .unwrap();
    assert!(
        dir.join("state.json").exists()
            && dir.join("model-2.bin").exists()
            && !dir.join("model-1.bin").exists()
    );
    let other = run(ExplicitModel::Neumf, training, checkpoints(true));
    let err = pipeline::run_explicit::<Cpu>(&dataset, &other, &Default::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("other settings"), "{err}");
    assert!(
        err.contains("model = mf") && err.contains("model = neumf"),
        "{err}"
    );
}
