//! The model registry: every model trains on small synthetic data, reports what it was run with,
//! and (new-user models) exports a file the page loads; the documentation lists exactly these
//! models.

mod common;

use shared::Recommender;
use trainer::backend::Cpu;
use trainer::data::split::RatingSplit;
use trainer::experiment::Experiment;
use trainer::model::Task;
use trainer::options::ModelOptions;
use trainer::registry::{self, ModelName};

#[test]
fn every_model_trains_on_small_synthetic_data() {
    let _rng = common::burn_rng();
    let dataset = common::two_taste_dataset(60, 40);
    let mut experiment = Experiment::<Cpu>::new(&dataset, 7, Default::default());
    experiment.split = RatingSplit::Random(0.2);
    experiment.heldout_users = 10;
    experiment.min_item_users = 1;
    for &model in ModelName::all() {
        // The burn models for two epochs: this is about every model running, not learning.
        let options = ModelOptions {
            epochs: model.burn().then_some(2),
            ..ModelOptions::default()
        };
        let outcome = model
            .train(&options, &experiment)
            .unwrap_or_else(|err| panic!("{}: {err:#}", model.name()));
        let report = &outcome.report;
        assert_eq!(report.model, model.name());
        assert!(
            report.settings.is_object(),
            "{}: settings {}",
            model.name(),
            report.settings
        );
        match model.task() {
            Task::Rating => {
                // Ratings of 1-5 predicted within the scale: the error is at most 4.
                let rmse = common::metric(report, "RMSE");
                assert!(rmse.is_finite() && rmse < 4.0, "{}: {rmse}", model.name());
                assert!(outcome.file.is_none());
            }
            Task::NewUser => {
                let ndcg = common::metric(report, "NDCG@100");
                assert!((0.0..=1.0).contains(&ndcg), "{}: {ndcg}", model.name());
                let file = outcome.file.expect("new-user models export");
                let loaded = Recommender::from_bytes(&file.to_bytes()).unwrap();
                assert_eq!(loaded.info.model, model.name());
                // The file holds the settings chosen on validation users: the run's, narrowed.
                let chosen: serde_json::Value =
                    serde_json::from_str(&loaded.info.settings).unwrap();
                let names = |v: &serde_json::Value| -> Vec<String> {
                    v.as_object().unwrap().keys().cloned().collect()
                };
                assert_eq!(names(&chosen), names(&report.settings), "{}", model.name());
                assert_eq!(loaded.info.metrics, report.metrics);
            }
        }
    }
}

#[test]
fn models_refuse_the_options_they_do_not_read() {
    let with_k = ModelOptions {
        neighbours: Some(10),
        ..ModelOptions::default()
    };
    let err = ModelName::Svd.check(&with_k).unwrap_err().to_string();
    assert_eq!(
        err,
        "--k applies to knn-user, knn-item, knn-baseline and knn-baseline-item, not to --model svd"
    );
    ModelName::KnnItem.check(&with_k).unwrap();
}

/// README.md holds `trainer models`' table as it is; ARCHITECTURE.md names every model.
#[test]
fn the_documentation_lists_every_model() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let table = registry::table();
    assert!(
        readme.contains(&table),
        "README.md's model table is not `trainer models`' output; replace it with:\n{table}"
    );
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    for model in ModelName::all() {
        assert!(
            architecture.contains(&format!("`{}`", model.name())),
            "ARCHITECTURE.md does not name the model `{}`",
            model.name()
        );
    }
}

/// The committed page model is what `trainer train` trains without `--model` (and what
/// `cargo xtask serve` retrains when it is missing).
#[test]
fn the_page_ships_the_default_model() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let bytes = std::fs::read(root.join("static/model.bin")).unwrap();
    let shipped = Recommender::from_bytes(&bytes).unwrap();
    assert_eq!(shipped.info.model, registry::DEFAULT_MODEL.name());
    assert!(
        shipped
            .info
            .description
            .contains(trainer::new_user::REFIT_NOTE),
        "{}",
        shipped.info.description
    );
}
