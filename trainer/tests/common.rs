//! Small synthetic data shared by the integration tests.

// Each test binary compiles this module and uses its own part of it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use trainer::backend::Cpu;
use trainer::data::{Dataset, DatasetName, Movie, Rating};
use trainer::experiment::Experiment;
use trainer::options::ModelOptions;
use trainer::registry::ModelName;
use trainer::report::RunReport;

/// `users` users in two taste groups: even users like the first half of the movies, odd users
/// the second half, with ratings 4-5 inside their group and 1-2 outside.
pub fn two_taste_dataset(users: u32, items: u32) -> Dataset {
    let movies = (0..items)
        .map(|i| Movie {
            id: i + 1,
            title: format!("Movie {i}"),
            year: Some(1990 + (i % 20) as u16),
            genres: 1 << (i % 2),
            tags: Vec::new(),
            imdb_id: None,
            tmdb_id: None,
        })
        .collect();
    let mut ratings = Vec::new();
    for u in 0..users {
        for i in 0..items {
            // Every user rates about two thirds of the movies.
            if (u * 7 + i * 3) % 3 == 0 {
                continue;
            }
            let in_group = (i < items / 2) == (u % 2 == 0);
            let rating = if in_group {
                4.0 + ((u + i) % 2) as f32
            } else {
                1.0 + ((u + i) % 2) as f32
            };
            ratings.push(Rating {
                user: u,
                item: i,
                rating,
                timestamp: (u * items + i) as i64,
            });
        }
    }
    Dataset::new(
        DatasetName::Ml100k,
        PathBuf::new(),
        (1..=users).collect(),
        movies,
        ratings,
        vec!["Action".into(), "Comedy".into()],
        None,
    )
}

/// A fresh, empty temporary directory, removed when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Trains `model` on `dataset` (seed 42) with `options` over its defaults, the run's protocol
/// adjusted by `adjust`; an error comes back as the whole message a person would read.
pub fn train(
    model: ModelName,
    options: &ModelOptions,
    dataset: &Dataset,
    adjust: impl FnOnce(&mut Experiment<Cpu>),
) -> Result<RunReport, String> {
    let mut experiment = Experiment::<Cpu>::new(dataset, 42, Default::default());
    adjust(&mut experiment);
    model
        .train(options, &experiment)
        .map(|outcome| outcome.report)
        .map_err(|err| format!("{err:#}"))
}

/// A test metric of `report`.
pub fn metric(report: &RunReport, name: &str) -> f64 {
    report
        .metric(name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", report.metrics))
}

/// Held by every test that trains or initialises a burn model.
///
/// burn's backends draw initial weights and dropout masks from one process-wide generator, and
/// the tests of one binary run on parallel threads: without this lock one test's draws interleave
/// with another's, and a run is no longer reproducible from its seed.
pub fn burn_rng() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    // A test that panicked while holding the lock has already failed; the lock itself is fine.
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
