//! Checkpoints: a run resumes only from its own. The settings must match, named when they do
//! not, and every file `state.json` points at must match the checksum it recorded.

mod common;

use std::path::Path;
use trainer::backend::Cpu;
use trainer::data::Dataset;
use trainer::data::split::RatingSplit;
use trainer::experiment::Experiment;
use trainer::options::ModelOptions;
use trainer::registry::ModelName;
use trainer::report::RunReport;
use trainer::training::Checkpoints;

/// A small MF run checkpointing into `dir`, at learning rate `lr`; an error comes back as the
/// whole message a person would read.
fn train(
    dataset: &Dataset,
    dir: &Path,
    epochs: usize,
    lr: f64,
    resume: bool,
) -> Result<RunReport, String> {
    let options = ModelOptions {
        factors: Some(4),
        l2: Some(0.001),
        epochs: Some(epochs),
        batch_size: Some(32),
        learning_rate: Some(lr),
        patience: Some(100),
        ..ModelOptions::default()
    };
    common::train(
        ModelName::Mf,
        &options,
        dataset,
        |experiment: &mut Experiment<Cpu>| {
            experiment.split = RatingSplit::Random(0.2);
            experiment.checkpoints = Checkpoints {
                dir: Some(dir.to_path_buf()),
                resume,
            };
        },
    )
}

fn rmse(report: &RunReport) -> f64 {
    common::metric(report, "RMSE")
}

fn assert_same_metrics(a: &RunReport, b: &RunReport) {
    assert_eq!(a.metrics.len(), b.metrics.len());
    for ((name, x), (_, y)) in a.metrics.iter().zip(&b.metrics) {
        assert!((x - y).abs() < 1e-4, "{name}: {x} vs {y}");
    }
}

/// The model files in `dir`, sorted.
fn checkpoint_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".bin"))
        .collect();
    names.sort();
    names
}

#[test]
fn a_resumed_run_reports_its_own_model_not_another_runs() {
    let _rng = common::burn_rng();
    let dataset = common::two_taste_dataset(20, 10);
    let dir = common::temp_dir();
    let dir = dir.path();
    // Another run (another learning rate) left its files here without its state.json, and its
    // best model lies under every name this run's best could take.
    let other = train(&dataset, dir, 3, 0.05, false).unwrap();
    std::fs::remove_file(dir.join("state.json")).unwrap();
    let foreign = checkpoint_files(dir)
        .into_iter()
        .find(|name| name.starts_with("best-"))
        .unwrap();
    let foreign = std::fs::read(dir.join(foreign)).unwrap();
    for name in ["best.bin", "best-0.bin", "best-1.bin", "best-2.bin"] {
        std::fs::write(dir.join(name), &foreign).unwrap();
    }

    // This run, interrupted after 2 epochs and resumed to 4, ...
    train(&dataset, dir, 2, 0.01, false).unwrap();
    let resumed = train(&dataset, dir, 4, 0.01, true).unwrap();
    assert_eq!(resumed.history.epochs.len(), 4);
    // ... reports what 4 uninterrupted epochs do.
    let straight_dir = common::temp_dir();
    let straight_dir = straight_dir.path();
    let straight = train(&dataset, straight_dir, 4, 0.01, false).unwrap();
    assert_same_metrics(&resumed, &straight);
    assert!(
        (rmse(&other) - rmse(&straight)).abs() > 1e-4,
        "the other run's model must differ for this test to mean anything"
    );
}

#[test]
fn an_untrained_best_model_survives_a_resume() {
    let _rng = common::burn_rng();
    let dataset = common::two_taste_dataset(20, 10);
    let dir = common::temp_dir();
    let dir = dir.path();
    // At learning rate 0 no epoch improves on the untrained model: it stays the best.
    train(&dataset, dir, 1, 0.0, false).unwrap();
    let files = checkpoint_files(dir);
    assert!(files.iter().any(|f| f == "best-0.bin"), "{files:?}");
    let resumed = train(&dataset, dir, 2, 0.0, true).unwrap();
    assert_eq!(resumed.history.epochs.len(), 2);
    assert_eq!(resumed.history.best_epoch, 0);
}

#[test]
fn other_settings_are_refused_naming_the_setting() {
    let _rng = common::burn_rng();
    let dataset = common::two_taste_dataset(20, 10);
    let dir = common::temp_dir();
    let dir = dir.path();
    train(&dataset, dir, 1, 0.01, false).unwrap();

    let err = train(&dataset, dir, 2, 0.02, true).unwrap_err();
    assert!(
        err.contains("learning_rate = 0.01")
            && err.contains("learning_rate = 0.02")
            && err.contains("drop --resume"),
        "{err}"
    );
    assert!(!err.contains("seed"), "only what differs is named: {err}");
    // Starting over there would destroy the other run's checkpoint: refused too.
    let err = train(&dataset, dir, 2, 0.02, false).unwrap_err();
    assert!(
        err.contains("learning_rate = 0.01")
            && err.contains("learning_rate = 0.02")
            && err.contains("delete"),
        "{err}"
    );
    // The same settings with a larger epoch budget resume.
    let resumed = train(&dataset, dir, 2, 0.01, true).unwrap();
    assert_eq!(resumed.history.epochs.len(), 2);
    // The same settings without --resume would delete it: refused, naming both ways out.
    let err = train(&dataset, dir, 1, 0.01, false).unwrap_err();
    assert!(
        err.contains("already holds a checkpoint of this run") && err.contains("--resume"),
        "{err}"
    );
    assert_eq!(checkpoint_files(dir).len(), 3, "the checkpoint is intact");
}

#[test]
fn a_damaged_or_missing_file_is_refused_by_name() {
    let _rng = common::burn_rng();
    let dataset = common::two_taste_dataset(20, 10);
    let dir = common::temp_dir();
    let dir = dir.path();
    train(&dataset, dir, 2, 0.01, false).unwrap();
    let files = checkpoint_files(dir);
    // The model, the optimizer and the best model.
    assert_eq!(files.len(), 3, "{files:?}");
    // (what is done to the file, what the refusal must say)
    let damages = [
        ("a bit flip", "checksum"),
        ("truncation", "checksum"),
        ("removal", "missing"),
    ];
    for name in &files {
        let path = dir.join(name);
        let original = std::fs::read(&path).unwrap();
        for (damage, said) in damages {
            match damage {
                "a bit flip" => {
                    let mut flipped = original.clone();
                    flipped[original.len() / 2] ^= 0x10;
                    std::fs::write(&path, flipped).unwrap();
                }
                "truncation" => std::fs::write(&path, &original[..original.len() / 2]).unwrap(),
                _ => std::fs::remove_file(&path).unwrap(),
            }
            let err = train(&dataset, dir, 3, 0.01, true).unwrap_err();
            assert!(
                err.contains(name.as_str()) && err.contains(said) && !err.contains("data format"),
                "{damage} of {name}: {err}"
            );
            std::fs::write(&path, &original).unwrap();
        }
    }
    // Restored, the checkpoint resumes.
    let resumed = train(&dataset, dir, 3, 0.01, true).unwrap();
    assert_eq!(resumed.history.epochs.len(), 3);
}

#[test]
fn an_unreadable_state_is_refused_in_words() {
    let _rng = common::burn_rng();
    let dataset = common::two_taste_dataset(20, 10);
    let dir = common::temp_dir();
    let dir = dir.path();
    train(&dataset, dir, 1, 0.01, false).unwrap();
    let state = dir.join("state.json");
    let text = std::fs::read(&state).unwrap();
    let broken: [&[u8]; 3] = [&text[..text.len() / 2], b"not json", br#"{"epoch": 1}"#];
    for bytes in broken {
        std::fs::write(&state, bytes).unwrap();
        for resume in [true, false] {
            let err = train(&dataset, dir, 2, 0.01, resume).unwrap_err();
            assert!(
                err.contains("state.json") && err.contains("not a checkpoint state"),
                "{err}"
            );
        }
    }
}
