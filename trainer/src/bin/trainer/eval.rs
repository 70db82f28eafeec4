//! `trainer eval`: an exported weights file measured on held-out users it never saw, through
//! `shared::Recommender` as the page scores.

use crate::data::DataArgs;
use crate::{emit, load_model};
use anyhow::{Result, bail};
use clap::Args;
use std::path::PathBuf;
use trainer::data::split::{self, HeldOutUser};
use trainer::new_user;
use trainer::options::positive_usize;
use trainer::protocol;
use trainer::report::RunReport;

#[derive(Args)]
pub struct EvalArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The exported weights file.
    #[arg(long)]
    model: PathBuf,
    /// Evaluate on these MovieLens user ids (one per line), e.g. the ones passed to
    /// `train --exclude-users`; without it, on the test users of the training's held-out split.
    #[arg(long)]
    users: Option<PathBuf>,
    /// Users held out for test, as in training (at least 1).
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    heldout_users: Option<usize>,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long)]
    json: bool,
}

/// `trainer eval`: an exported file measured through `shared`, as the page scores.
pub fn eval(args: &EvalArgs) -> Result<()> {
    let recommender = load_model(&args.model, false)?;
    let dataset = args.data.load()?;
    if recommender.info.dataset != dataset.name.to_string() {
        bail!(
            "{} was trained on {}, not {}",
            args.model.display(),
            recommender.info.dataset,
            dataset.name
        );
    }
    let refit = recommender.info.description.contains(new_user::REFIT_NOTE);
    if args.users.is_none() && refit {
        bail!(
            "{} was refit on every user of {}, its held-out test users included, so they cannot test it again; its test figures are in its info. To measure a model on users it never saw, train it with --exclude-users FILE and evaluate with --users FILE, or train it with --no-refit",
            args.model.display(),
            recommender.info.dataset
        );
    }
    let heldout = match &args.users {
        Some(path) => protocol::listed_users(
            &dataset.ratings,
            &split::read_user_id_file(path, &dataset)?,
            args.seed,
        ),
        None => protocol::test_users(
            &dataset.ratings,
            args.heldout_users
                .unwrap_or(protocol::default_heldout_users(dataset.name)),
            args.seed,
        ),
    };
    // Into the model's item numbering; movies the model doesn't know are dropped.
    let to_model = |items: &[u32]| -> Vec<u32> {
        items
            .iter()
            .filter_map(|&i| recommender.catalog.index_of(dataset.movies[i as usize].id))
            .map(|i| i as u32)
            .collect()
    };
    let users: Vec<HeldOutUser> = heldout
        .iter()
        .filter_map(|u| u.remapped(to_model))
        .collect();
    if users.is_empty() {
        bail!("none of the evaluated users has liked movies that the model knows");
    }
    // However they are named, users the weights learned from cannot test them.
    let trained: Vec<u32> = users
        .iter()
        .map(|user| dataset.user_ids[user.user as usize])
        .filter(|id| recommender.info.untrained_users.binary_search(id).is_err())
        .collect();
    if let Some(first) = trained.first() {
        let given = match &args.users {
            Some(path) => format!("listed in {}", path.display()),
            None => format!(
                "drawn as test users with --heldout-users {} --seed {}",
                args.heldout_users
                    .unwrap_or(protocol::default_heldout_users(dataset.name)),
                args.seed
            ),
        };
        bail!(
            "{} of the {} users {given} trained {} (user {first}, for one){}: a model is measured only on users it never saw, the {} the file names: those given to train --exclude-users{}",
            trained.len(),
            users.len(),
            args.model.display(),
            if refit {
                format!(", which was refit on every user of {}", dataset.name)
            } else {
                String::new()
            },
            recommender.info.untrained_users.len(),
            if refit {
                ""
            } else {
                " and the test users of its run (evaluate with that run's --heldout-users and --seed; a run with --exclude-users drew them without the excluded users: measure it with --users FILE)"
            }
        );
    }
    let metrics = new_user::heldout_metrics_shared(&recommender, &users);
    let report = RunReport {
        model: recommender.info.model.clone(),
        dataset: dataset.name.to_string(),
        split: format!("{} held-out users", users.len()),
        metrics,
        train_seconds: 0.0,
        parameters: 0,
        history: Default::default(),
        settings: serde_json::from_str(&recommender.info.settings).unwrap_or_default(),
        phases: Default::default(),
    };
    emit(report.render(None, args.json))
}
