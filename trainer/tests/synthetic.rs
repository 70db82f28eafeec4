//! On a small synthetic release (`trainer synth`): the planted taste is there to learn, and the
//! shipped new-user model is refit on every user once its settings are chosen.

use shared::Recommender;
use trainer::backend::Cpu;
use trainer::data::{DataSource, Dataset, DatasetName};
use trainer::experiment::Experiment;
use trainer::options::ModelOptions;
use trainer::registry::ModelName;
use trainer::synth::{self, Shape};

/// A fifth of ml-latest-small's shape: 122 users, 1,948 movies, about 20,000 ratings.
fn synthetic_release() -> (tempfile::TempDir, Dataset) {
    let dir = tempfile::tempdir().unwrap();
    let shape = Shape::of(DatasetName::MlLatestSmall).unwrap().scaled(0.2);
    synth::write(shape, dir.path(), 5).unwrap();
    let source = DataSource::Dir(dir.path().to_path_buf());
    let dataset = Dataset::load(&source, DatasetName::MlLatestSmall).unwrap();
    (dir, dataset)
}

/// The experiment on a synthetic release: 15 held-out users.
fn experiment_on(dataset: &Dataset) -> Experiment<'_, Cpu> {
    let mut experiment = Experiment::new(dataset, 1, Default::default());
    experiment.heldout_users = 15;
    experiment
}

#[test]
fn the_planted_taste_is_there_to_learn() {
    let (_dir, dataset) = synthetic_release();
    let experiment = experiment_on(&dataset);
    let ndcg = |model: ModelName| {
        let outcome = model.train(&ModelOptions::default(), &experiment).unwrap();
        outcome.report.metric("NDCG@100").unwrap()
    };
    let (popularity, puresvd) = (ndcg(ModelName::Popularity), ndcg(ModelName::Puresvd));
    assert!(
        puresvd > popularity + 0.02,
        "PureSVD {puresvd} against popularity {popularity}"
    );
}

#[test]
fn the_shipped_model_is_refit_on_every_user() {
    let (_dir, dataset) = synthetic_release();
    let mut experiment = experiment_on(&dataset);
    for model in [ModelName::Hybrid, ModelName::Ease] {
        experiment.refit = false;
        let tuned = model.train(&ModelOptions::default(), &experiment).unwrap();
        experiment.refit = true;
        let refit = model.train(&ModelOptions::default(), &experiment).unwrap();
        let (tuned_file, refit_file) = (tuned.file.unwrap(), refit.file.unwrap());
        // The figures are the tuning fit's, measured on users it never saw ...
        assert_eq!(refit.report.metrics, tuned.report.metrics);
        assert_eq!(refit_file.info.metrics, tuned_file.info.metrics);
        // ... the weights are another fit's, on every user, with the settings chosen.
        assert_ne!(refit_file.weights, tuned_file.weights, "{}", model.name());
        assert_eq!(refit_file.catalog, tuned_file.catalog);
        let description = &refit_file.info.description;
        let users = experiment
            .new_user_task()
            .unwrap()
            .everyone()
            .train_rows
            .len();
        assert!(
            description.contains(&format!("refit on all {users} users")),
            "{description}"
        );
        let settings: serde_json::Value = serde_json::from_str(&refit_file.info.settings).unwrap();
        let tried = match model {
            ModelName::Hybrid => &settings["content_weights"],
            _ => &settings["lambdas"],
        };
        assert_eq!(tried.as_array().map(Vec::len), Some(1), "{settings}");
        Recommender::from_bytes(&refit_file.to_bytes()).unwrap();
    }
}

/// EASE, and the fold-in model that starts from it, refuse a catalogue whose movie × movie
/// matrices would not fit in memory before allocating them, and say what would fit.
#[test]
fn a_catalogue_too_large_for_memory_is_refused_with_advice() {
    let (_dir, dataset) = synthetic_release();
    let mut experiment = experiment_on(&dataset);
    let movies = experiment.new_user_task().unwrap().items.len();
    // Room for a tenth of the movies.
    let budget = trainer::new_user::ease::peak_bytes(movies / 10);
    experiment.memory_budget = Some(budget);
    for model in [ModelName::Ease, ModelName::Foldin] {
        let err = format!(
            "{:#}",
            model
                .train(&ModelOptions::default(), &experiment)
                .err()
                .unwrap()
        );
        assert!(
            err.contains(&format!("over {movies} movies needs about"))
                && err.contains("--max-movies")
                && err.contains("fits"),
            "{err}"
        );
    }
    // The advice holds: with it, EASE fits in the same budget.
    let err = format!(
        "{:#}",
        ModelName::Ease
            .train(&ModelOptions::default(), &experiment)
            .err()
            .unwrap()
    );
    let advised: usize = err
        .split("--max-movies ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    let mut advised_experiment = experiment_on(&dataset);
    advised_experiment.memory_budget = Some(budget);
    advised_experiment.max_movies = Some(advised);
    ModelName::Ease
        .train(&ModelOptions::default(), &advised_experiment)
        .unwrap();
    // Models without a movie × movie matrix are not limited by it.
    ModelName::Hybrid
        .train(&ModelOptions::default(), &experiment)
        .unwrap();
}

/// The page carries the most liked movies its budget allows, and the exported file fits it.
#[test]
fn the_page_file_fits_its_budget_with_the_most_liked_movies() {
    use std::io::Write;
    let (_dir, dataset) = synthetic_release();
    let everything = experiment_on(&dataset);
    let all = everything.new_user_task().unwrap();
    let mut likes = std::collections::HashMap::new();
    for &item in all.train_rows.iter().flatten() {
        *likes.entry(all.items[item as usize]).or_insert(0) += 1;
    }
    let mut carried = Vec::new();
    for budget in [40_000, 80_000] {
        let mut experiment = experiment_on(&dataset);
        experiment.page_budget = budget;
        let file = ModelName::Foldin
            .train(&ModelOptions::default(), &experiment)
            .unwrap()
            .file
            .unwrap();
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gzip.write_all(&file.to_bytes()).unwrap();
        let gzipped = gzip.finish().unwrap().len() as u64;
        assert!(gzipped <= budget, "{gzipped} bytes for a {budget} budget");
        let task = experiment.new_user_task().unwrap();
        let kept = |item: &u32| task.items.contains(item);
        let least_kept = all.items.iter().filter(|i| kept(i)).map(|i| likes[i]).min();
        let most_left = all
            .items
            .iter()
            .filter(|i| !kept(i))
            .map(|i| likes[i])
            .max();
        assert!(least_kept >= most_left, "{least_kept:?} < {most_left:?}");
        carried.push(task.items.len());
    }
    assert!(
        carried[0] < carried[1] && carried[1] < all.items.len(),
        "{carried:?} of {}",
        all.items.len()
    );
}
