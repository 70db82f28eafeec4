//! Recommending to new users: models fitted on some users that score movies for anyone from the
//! movies they like, without refitting. This is what the page runs.
//!
//! The protocol is strong generalization (Liang et al. 2018): validation and test users are held
//! out of training; each sees 80% of their liked movies and is measured on the other 20%. Each
//! model is one file implementing [`NewUserModel`]; its weights are exported in the page's
//! format (`shared::FoldInWeights`) and measured through `shared::Recommender` on the test users,
//! exactly as the page would score them.
//!
//! - Classic models over [`embeddings::ItemEmbeddings`]: [`popularity`], [`content`] (TF-IDF,
//!   LSA), [`puresvd`], [`hybrid`]; [`truncated_svd`] factors their matrices.
//! - [`ease`]: EASE and EDLAE, closed form.
//! - [`foldin`]: the burn network, started from factorised EDLAE.

pub mod content;
pub mod ease;
pub mod embeddings;
pub mod foldin;
pub mod hybrid;
pub mod popularity;
pub mod puresvd;
pub mod stars;
pub mod steering;
pub mod tail;

use crate::data::Dataset;
use crate::data::split::HeldOutUser;
use crate::evaluate;
use crate::experiment::Experiment;
use crate::model::Model;
use crate::model::Outcome;
use crate::model::Task;
use crate::protocol::{NewUserTask, page};
use crate::report::{Phases, RunReport};
use crate::training::{History, RunSettings};
use anyhow::{Context, Result};
use burn::tensor::backend::AutodiffBackend;
use shared::{FoldInWeights, ModelFile, ModelInfo, Recommender, Steer, Steering};
use std::collections::HashSet;
use std::time::Instant;

/// A model that recommends to users nobody trained on and exports the page's weights.
pub trait NewUserModel: Model {
    /// Fits the model on the task's training users, choosing what it tunes on the validation
    /// users; `identity` names the run for its checkpoints. Steps worth timing apart (the
    /// settings grid, the training) are timed in `phases`.
    fn fit<B: AutodiffBackend>(
        config: &Self::Config,
        task: &NewUserTask,
        experiment: &Experiment<B>,
        identity: &RunSettings,
        phases: &mut Phases,
    ) -> Result<Fitted<Self::Config>>;
}

/// A fitted new-user model.
pub struct Fitted<C> {
    /// The page's weights, over the task's movies.
    pub weights: FoldInWeights,
    /// Fitted values, before quantisation.
    pub parameters: usize,
    /// What was fitted and chosen, in words (the model file's description).
    pub description: String,
    /// Burn models: the epochs.
    pub history: History,
    /// The settings with every list tried on validation users narrowed to the value chosen:
    /// what the model is refit with.
    pub chosen: C,
}

/// MovieLens ids, ascending, of the release's users the exported weights never learn from:
/// those the run's ratings leave out (`--exclude-users`) and, without the refit, the test users.
fn untrained_users<B: AutodiffBackend>(experiment: &Experiment<B>, task: &NewUserTask) -> Vec<u32> {
    let ids = &experiment.dataset.user_ids;
    let mut rated = vec![false; ids.len()];
    for rating in experiment.ratings.iter() {
        rated[rating.user as usize] = true;
    }
    let mut untrained: Vec<u32> = (0..ids.len())
        .filter(|&user| !rated[user])
        .map(|user| ids[user])
        .collect();
    if !experiment.refit {
        untrained.extend(task.test.iter().map(|user| ids[user.user as usize]));
    }
    untrained.sort_unstable();
    untrained.dedup();
    untrained
}

/// Said in the description of a model refit on every user.
pub const REFIT_NOTE: &str = "refit on all";

/// Fits `M` on the run's new-user task, exports it and measures the export on the test users.
/// With [`Run::refit`] the file then holds the model refit with the chosen settings on every
/// user, validation and test users included; its figures are the tuning fit's.
pub fn train_and_measure<B: AutodiffBackend, M: NewUserModel>(
    config: M::Config,
    experiment: &Experiment<B>,
) -> Result<Outcome> {
    let mut phases = Phases::default();
    let task = phases.time("task (held-out users, the page's movies)", || {
        experiment.new_user_task()
    })?;
    let identity = experiment.identity::<M>(&config, Task::NewUser);
    let started = Instant::now();
    let mut steps = Phases::default();
    let fitted = phases.time("fit (settings grid and training)", || {
        M::fit(&config, task, experiment, &identity, &mut steps)
    })?;
    phases.nest("fit", steps);
    let train_seconds = started.elapsed().as_secs_f64();
    let settings = serde_json::to_value(&config)?;
    let info = ModelInfo {
        dataset: experiment.dataset.name.to_string(),
        model: M::NAME.to_string(),
        description: fitted.description,
        metrics: Vec::new(),
        settings: serde_json::to_string(&fitted.chosen)?,
        untrained_users: untrained_users(experiment, task),
    };
    let mut file = export_evaluated(experiment.dataset, task, fitted.weights, info, &mut phases)?;
    // The tail as the training users alone would have placed it, measured on the test users.
    let held_out: HashSet<u32> = (task.validation.iter().chain(&task.test))
        .map(|u| u.user)
        .collect();
    let mut training_counts = vec![0u32; experiment.dataset.n_items()];
    for rating in (experiment.ratings.iter()).filter(|r| !held_out.contains(&r.user)) {
        training_counts[rating.item as usize] += 1;
    }
    let tail_metrics = phases.time("the catalogue's tail, measured", || -> Result<_> {
        let mut recommender = loadable(&file, "the trained model")?;
        let carried = recommender.catalog.len();
        let tail = tail::fit(&file, experiment.dataset, &training_counts);
        recommender.attach_tail(tail, 0)?;
        Ok(tail::measure(
            &recommender,
            carried,
            task,
            experiment.dataset,
            &experiment.ratings,
        ))
    })?;
    file.info.metrics.extend(tail_metrics);
    if experiment.stars {
        let mut steps = Phases::default();
        let trained = phases.time("stars", || {
            stars::train_for_page(experiment, task, &mut steps)
        })?;
        phases.nest("stars", steps);
        if let Some(stars) = trained {
            file.stars = Some(stars.weights);
            file.info.metrics.extend(stars.metrics);
        }
    }
    if experiment.refit {
        let everyone = task.everyone();
        let users = everyone.train_rows.len();
        eprintln!(
            "Refitting {} on all {users} users with the chosen settings",
            M::NAME
        );
        let mut steps = Phases::default();
        let refit = phases.time("refit", || {
            M::fit(
                &fitted.chosen,
                &everyone,
                &experiment.without_checkpoints(),
                &RunSettings::default(),
                &mut steps,
            )
        })?;
        phases.nest("refit", steps);
        file.weights = refit.weights;
        // The neighbours are the new weights'; the other choices carry over.
        file.steering.neighbour_floors = phases.time("refit's reason neighbours", || {
            loadable(&file, "the refit model").map(|model| steering::neighbour_floors(&model))
        })?;
        file.steering
            .validate(file.catalog.len())
            .context("the refit model cannot be exported")?;
        file.info.description = format!(
            "{}; {REFIT_NOTE} {users} users with these settings (figures from the fit on {} training users, measured on {} test users)",
            refit.description,
            task.train_rows.len(),
            task.test.len()
        );
    }
    // Counted over the training users, as the carried movies' popularity is.
    let tail = phases.time("the catalogue's tail", || {
        tail::fit(&file, experiment.dataset, &training_counts)
    });
    Ok(Outcome {
        report: RunReport {
            model: M::NAME.to_string(),
            dataset: experiment.dataset.name.to_string(),
            split: format!("strong generalization, {} test users", task.test.len()),
            metrics: file.info.metrics.clone(),
            train_seconds,
            parameters: fitted.parameters,
            history: fitted.history,
            settings,
            phases,
        },
        file: Some(file),
        tail: Some(tail),
    })
}

/// The page's weights file for `weights` over the task's movies, its steering chosen on the
/// validation users, evaluated as the page runs it (quantised, through `shared`, at the
/// slider's default) on the task's test users; the figures go into `info.metrics`, the time
/// into `phases`.
pub fn export_evaluated(
    dataset: &Dataset,
    task: &NewUserTask,
    weights: FoldInWeights,
    info: ModelInfo,
    phases: &mut Phases,
) -> Result<ModelFile> {
    let mut file = ModelFile {
        info,
        catalog: page::catalog(dataset, &task.items, &task.rating_counts),
        weights,
        steering: Steering::default(),
        stars: None,
    };
    let mut recommender = loadable(&file, "the trained model")?;
    file.steering = phases.time("steering (slider, dislikes, few picks, reasons)", || {
        steering::choose(&recommender, &task.validation, &task.visitor_validation())
    });
    recommender.steering = file.steering.clone();
    let report = phases.time("test tables", || {
        file.info.metrics = heldout_metrics_shared(&recommender, &task.test);
        steering::measure(
            &recommender,
            &task.test,
            &task.visitor_test(),
            task.train_rows.len(),
        )
    });
    eprintln!("{}", report.table);
    file.info.metrics.extend(report.metrics);
    Ok(file)
}

/// `file` as the page would load it. The page refuses a model with, say, a NaN weight: say so
/// now, before the file is written.
fn loadable(file: &ModelFile, what: &str) -> Result<Recommender> {
    Recommender::new(file.clone())
        .with_context(|| format!("{what} cannot be exported (lower --lr or raise the L2 weight)"))
}

/// Held-out metrics of a loaded model file (users given in the model's item numbering), with
/// the popularity slider at the file's default, as a visitor first sees the list.
pub fn heldout_metrics_shared(
    recommender: &Recommender,
    users: &[HeldOutUser],
) -> Vec<(String, f64)> {
    let steer = recommender.steer(&[], recommender.steering.default_popularity);
    evaluate::heldout_metrics_ranked(users, |u| page_ranking(recommender, steer, &u.fold_in, &[]))
}

/// The top 100 the page shows a visitor who liked `picks` (model items), never a pick or one of
/// `hidden`: steered, calibrated (see `shared::Recommender::ranked`).
pub fn page_ranking(
    recommender: &Recommender,
    steer: Steer,
    picks: &[u32],
    hidden: &[u32],
) -> Vec<u32> {
    let picks: Vec<usize> = picks.iter().map(|&i| i as usize).collect();
    let hidden = hidden.iter().map(|&i| i as usize);
    let candidates = shown_besides(recommender, picks.iter().copied().chain(hidden));
    let (ranked, _) = recommender.ranked(&picks, steer, candidates, 100);
    ranked.into_iter().map(|i| i as u32).collect()
}

/// Every catalogue movie but `hidden` (the picks and what the visitor hid): what the page may
/// recommend.
pub fn shown_besides(recommender: &Recommender, hidden: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut shown = vec![true; recommender.catalog.len()];
    for i in hidden {
        shown[i] = false;
    }
    (0..shown.len()).filter(|&i| shown[i]).collect()
}
