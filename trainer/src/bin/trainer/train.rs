//! `trainer train`: one model trained in an [`Experiment`] made from the command line, its report
//! printed and (new-user models) its weights file written.

use crate::data::DataArgs;
use crate::emit;
use crate::out_file::OutFile;
use anyhow::{Result, bail};
use burn::tensor::backend::{AutodiffBackend, Backend};
use clap::Args;
use shared::ModelFile;
use std::borrow::Cow;
use std::path::PathBuf;
use trainer::backend::{self, Device};
use trainer::data::Dataset;
use trainer::data::split::{self, RatingSplit};
use trainer::experiment::Experiment;
use trainer::model::{Outcome, Task};
use trainer::options::{ModelOptions, positive_finite_f64, positive_usize};
use trainer::registry::{self, ModelName};
use trainer::report::Phases;
use trainer::report::join_with_and;
use trainer::training::Checkpoints;

#[derive(Args)]
pub struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The model: `trainer models` lists them. Rating models are measured on --split; new-user
    /// models on held-out users, and export the page's weights.
    #[arg(long, value_enum, default_value_t = registry::DEFAULT_MODEL)]
    model: ModelName,
    #[command(flatten)]
    options: ModelOptions,
    /// Rating models: u1..u5, ua, ub (ml-100k), random[:FRACTION] or latest [default: u1].
    #[arg(long)]
    split: Option<RatingSplit>,
    #[arg(long, value_enum, default_value = "cpu")]
    device: Device,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Write a checkpoint here every epoch.
    #[arg(long)]
    checkpoint_dir: Option<PathBuf>,
    /// Continue from the checkpoint in --checkpoint-dir.
    #[arg(long, requires = "checkpoint_dir")]
    resume: bool,
    /// MovieLens user ids (one per line) kept out of training entirely.
    #[arg(long)]
    exclude_users: Option<PathBuf>,
    /// New-user models: users held out for validation and again for test (at least 1).
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    heldout_users: Option<usize>,
    /// New-user models: only movies liked by at least this many training users (at least 1) are
    /// in the model [default: 3].
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    min_item_users: Option<usize>,
    /// New-user models: the page's model file budget in gzipped KB. The page carries the most
    /// liked movies that fit at rank 64 and factorised models take the largest rank that fits
    /// [default: 830 below a million ratings, 2330 above: a 1 MB or 2.5 MB page with its code].
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    page_budget_kb: Option<usize>,
    /// New-user models: carry at most this many movies (the most liked), whatever the budget.
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    max_movies: Option<usize>,
    /// The memory the large allocations (EASE's movie × movie matrices) may take, in GB
    /// [default: what the machine has available].
    #[arg(long, value_parser = positive_finite_f64, allow_negative_numbers = true)]
    max_memory_gb: Option<f64>,
    /// New-user models: export the fit on the training users. By default the settings chosen
    /// on validation users are refit on every user for the exported file; the figures are the
    /// training users' fit's either way.
    #[arg(long)]
    no_refit: bool,
    /// New-user models: export without the stars network (the page's predicted stars and star
    /// ratings), leaving its share of the page budget to the model.
    #[arg(long)]
    no_stars: bool,
    /// New-user models: where to write the page's weights file. Checked and claimed before any
    /// work (a second run on the same file is refused); an existing file is replaced only once
    /// the new one is complete, and only if it is a model file (see --force).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Let --out replace a file that is not a model file.
    #[arg(long, requires = "out")]
    force: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// `trainer train` on the device asked for.
pub fn train(args: &TrainArgs) -> Result<()> {
    backend::check(args.device)?;
    match args.device {
        Device::Cpu => train_on::<backend::Cpu>(args, Default::default()),
        #[cfg(feature = "cuda")]
        Device::Cuda => train_on::<backend::Gpu>(args, Default::default()),
        #[cfg(not(feature = "cuda"))]
        Device::Cuda => unreachable!("backend::check refuses CUDA without the feature"),
    }
}

fn train_on<B: AutodiffBackend>(args: &TrainArgs, device: B::Device) -> Result<()> {
    args.check_task_options()?;
    args.model.check(&args.options)?;
    // Before any data is read: an --out that cannot be written fails now, not after training.
    let out = args
        .out
        .as_deref()
        .map(|out| OutFile::prepare(out, args.force))
        .transpose()?;
    let tail_out = (args.out.as_deref())
        .filter(|_| args.model.task() == Task::NewUser)
        .map(|out| OutFile::prepare(&shared::tail::path_beside(out), args.force))
        .transpose()?;
    let mut phases = Phases::default();
    let dataset = phases.time("parse", || args.data.load())?;
    let experiment = args.experiment::<B>(&dataset, device)?;
    let Outcome {
        mut report,
        file,
        tail,
    } = args.model.train(&args.options, &experiment)?;
    phases.0.append(&mut report.phases.0);
    // The files first: a report that cannot be printed must not cost the trained model.
    let bytes = phases.time("export", || -> Result<Option<Vec<u8>>> {
        let bytes = file.map(|file| file.to_bytes());
        if let (Some(out), Some(bytes)) = (out, &bytes) {
            out.commit(bytes)?;
        }
        if let (Some(out), Some(mut tail), Some(bytes)) = (tail_out, tail, &bytes) {
            tail.model_checksum = ModelFile::checksum(bytes).expect("a model file has a header");
            out.commit(&tail.to_bytes())?;
        }
        Ok(bytes)
    })?;
    report.phases = phases;
    emit(report.render(bytes.as_ref().map(Vec::len), args.json))
}

impl TrainArgs {
    /// The data and protocol of the run, from the command line over the defaults: the one place
    /// these flags become settings.
    fn experiment<'a, B: Backend>(
        &self,
        dataset: &'a Dataset,
        device: B::Device,
    ) -> Result<Experiment<'a, B>> {
        let mut experiment = Experiment::new(dataset, self.seed, device);
        if let Some(path) = &self.exclude_users {
            let excluded = split::read_user_id_file(path, dataset)?;
            eprintln!("Leaving {} users out of training", excluded.len());
            experiment.ratings = Cow::Owned(split::exclude_users(&dataset.ratings, &excluded));
            if experiment.ratings.is_empty() {
                bail!(
                    "--exclude-users {} lists every user of {}: no rating is left to train on",
                    path.display(),
                    dataset.name
                );
            }
        }
        if let Some(split) = &self.split {
            experiment.split = split.clone();
        }
        experiment.heldout_users = self.heldout_users.unwrap_or(experiment.heldout_users);
        experiment.refit = !self.no_refit;
        experiment.stars = !self.no_stars && self.model.task() == Task::NewUser;
        if let Some(gb) = self.max_memory_gb {
            experiment.memory_budget = Some((gb * 1e9) as u64);
        }
        experiment.min_item_users = self.min_item_users.unwrap_or(experiment.min_item_users);
        if let Some(kb) = self.page_budget_kb {
            experiment.page_budget = kb as u64 * 1000;
        }
        experiment.max_movies = self.max_movies;
        experiment.checkpoints = Checkpoints {
            dir: self.checkpoint_dir.clone(),
            resume: self.resume,
        };
        Ok(experiment)
    }

    /// Refuses the protocol options that the model's task does not use. (Model options are
    /// checked by the registry.)
    fn check_task_options(&self) -> Result<()> {
        let rating = self.model.task() == Task::Rating;
        let names = |keep: &dyn Fn(ModelName) -> bool| -> String {
            let names: Vec<&str> = ModelName::all()
                .iter()
                .filter(|m| keep(**m))
                .map(|m| m.name())
                .collect();
            join_with_and(&names)
        };
        let rating_models = || {
            format!(
                "the rating models ({})",
                names(&|m| m.task() == Task::Rating)
            )
        };
        let new_user_models = || {
            format!(
                "the new-user models ({}), which export weights for the page",
                names(&|m| m.task() == Task::NewUser)
            )
        };
        let burn_models = || format!("the models trained with burn ({})", names(&|m| m.burn()));
        // (option, given, read by this model, the models that read it)
        let rules: [(&str, bool, bool, &dyn Fn() -> String); 10] = [
            ("--split", self.split.is_some(), rating, &rating_models),
            (
                "--heldout-users",
                self.heldout_users.is_some(),
                !rating,
                &new_user_models,
            ),
            (
                "--exclude-users",
                self.exclude_users.is_some(),
                !rating,
                &new_user_models,
            ),
            (
                "--min-item-users",
                self.min_item_users.is_some(),
                !rating,
                &new_user_models,
            ),
            (
                "--page-budget-kb",
                self.page_budget_kb.is_some(),
                !rating,
                &new_user_models,
            ),
            (
                "--max-movies",
                self.max_movies.is_some(),
                !rating,
                &new_user_models,
            ),
            ("--out", self.out.is_some(), !rating, &new_user_models),
            ("--no-refit", self.no_refit, !rating, &new_user_models),
            ("--no-stars", self.no_stars, !rating, &new_user_models),
            (
                "--checkpoint-dir",
                self.checkpoint_dir.is_some(),
                self.model.burn(),
                &burn_models,
            ),
        ];
        if let Some((option, .., models)) = rules.iter().find(|(_, given, read, _)| *given && !read)
        {
            bail!(
                "{option} applies to {}, not to --model {}",
                models(),
                self.model.name()
            );
        }
        Ok(())
    }
}
