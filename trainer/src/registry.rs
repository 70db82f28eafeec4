//! Every model the trainer knows, in one list: the values of `--model`, the rows of `trainer
//! bench`, the models a test trains one by one.
//!
//! A model is one file in [`crate::rating`] or [`crate::new_user`] that implements
//! [`crate::model::Model`] and its task's trait, plus one line in the [`models!`] list at the
//! bottom of this file. This is the top floor of the library: it names every model, and nothing
//! below imports it.

use crate::experiment::Experiment;
use crate::model::{Model, Outcome, Task};
use crate::new_user;
use crate::options::ModelOptions;
use crate::rating;
use anyhow::{Result, bail};
use burn::tensor::backend::AutodiffBackend;

/// What `trainer train` trains without `--model`, and so what `cargo xtask serve` ships.
pub const DEFAULT_MODEL: ModelName = ModelName::Foldin;

/// Declares [`ModelName`] from one line per model, and dispatches to each model's type.
macro_rules! models {
    (
        rating: [$($rating:ident => $rating_type:ty,)*]
        new_user: [$($new_user:ident => $new_user_type:ty,)*]
    ) => {
        /// Every model, in `--model`'s order: the rating models, then the new-user models.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum ModelName {
            $($rating,)*
            $($new_user,)*
        }

        impl clap::ValueEnum for ModelName {
            fn value_variants<'a>() -> &'a [Self] {
                &[$(Self::$rating,)* $(Self::$new_user,)*]
            }

            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                let (name, about) = match self {
                    $(Self::$rating => (<$rating_type>::NAME, <$rating_type>::ABOUT),)*
                    $(Self::$new_user => (<$new_user_type>::NAME, <$new_user_type>::ABOUT),)*
                };
                Some(clap::builder::PossibleValue::new(name).help(about))
            }
        }

        impl ModelName {
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$rating => <$rating_type>::NAME,)*
                    $(Self::$new_user => <$new_user_type>::NAME,)*
                }
            }

            pub fn about(self) -> &'static str {
                match self {
                    $(Self::$rating => <$rating_type>::ABOUT,)*
                    $(Self::$new_user => <$new_user_type>::ABOUT,)*
                }
            }

            pub fn task(self) -> Task {
                match self {
                    $(Self::$rating => Task::Rating,)*
                    $(Self::$new_user => Task::NewUser,)*
                }
            }

            pub fn burn(self) -> bool {
                match self {
                    $(Self::$rating => <$rating_type>::BURN,)*
                    $(Self::$new_user => <$new_user_type>::BURN,)*
                }
            }

            /// Surprise's published ml-100k 5-fold figures for this model, when it is theirs.
            pub fn surprise(self) -> Option<rating::Published> {
                match self {
                    $(Self::$rating => <$rating_type as rating::RatingModel>::SURPRISE,)*
                    _ => None,
                }
            }

            /// The run's settings as JSON, taking the options the model reads out of `options`.
            fn config(self, options: &mut ModelOptions, seed: u64) -> Result<serde_json::Value> {
                Ok(match self {
                    $(Self::$rating => serde_json::to_value(<$rating_type>::config(options, seed)?)?,)*
                    $(Self::$new_user => serde_json::to_value(<$new_user_type>::config(options, seed)?)?,)*
                })
            }

            /// Trains the model in `experiment` with `options` over its defaults and measures it.
            pub fn train<B: AutodiffBackend>(
                self,
                options: &ModelOptions,
                experiment: &Experiment<B>,
            ) -> Result<Outcome> {
                self.check(options)?;
                let mut options = options.clone();
                match self {
                    $(Self::$rating => {
                        let config = <$rating_type>::config(&mut options, experiment.seed)?;
                        rating::train_and_measure::<B, $rating_type>(config, experiment)
                    })*
                    $(Self::$new_user => {
                        let config = <$new_user_type>::config(&mut options, experiment.seed)?;
                        new_user::train_and_measure::<B, $new_user_type>(config, experiment)
                    })*
                }
            }
        }
    };
}

impl ModelName {
    /// Every model, in `--model`'s order.
    pub fn all() -> &'static [ModelName] {
        <ModelName as clap::ValueEnum>::value_variants()
    }

    /// Refuses `options` this model does not read, naming the models that do, and values the
    /// model refuses.
    pub fn check(self, options: &ModelOptions) -> Result<()> {
        let mut left = options.clone();
        self.config(&mut left, 0)?;
        let Some(flag) = left.given().into_iter().next() else {
            return Ok(());
        };
        let readers: Vec<&str> = Self::all()
            .iter()
            .filter(|model| {
                let mut only = options.only(&flag);
                let _ = model.config(&mut only, 0);
                only.given().is_empty()
            })
            .map(|model| model.name())
            .collect();
        bail!(
            "{flag} applies to {}, not to --model {}",
            crate::report::join_with_and(&readers),
            self.name()
        )
    }

    /// Those that serve `task`.
    pub fn of(task: Task) -> impl Iterator<Item = ModelName> {
        Self::all()
            .iter()
            .copied()
            .filter(move |m| m.task() == task)
    }
}

models! {
    rating: [
        Baseline => rating::baseline::BaselineModel,
        Svd => rating::svd::SvdModel,
        Svdpp => rating::svd::SvdppModel,
        KnnUser => rating::knn::KnnUserModel,
        KnnItem => rating::knn::KnnItemModel,
        KnnBaseline => rating::knn::KnnBaselineModel,
        KnnBaselineItem => rating::knn::KnnBaselineItemModel,
        SlopeOne => rating::slope_one::SlopeOneModel,
        Mf => rating::mf::MfModel,
        Neumf => rating::neumf::NeuMfModel,
        Deep => rating::deep::DeepModel,
        Autorec => rating::autorec::AutoRecModel,
    ]
    new_user: [
        Popularity => new_user::popularity::PopularityModel,
        Content => new_user::content::ContentModel,
        Puresvd => new_user::puresvd::PureSvdModel,
        Hybrid => new_user::hybrid::HybridModel,
        Ease => new_user::ease::EaseModel,
        Foldin => new_user::foldin::FoldInModel,
    ]
}

/// Every model as a markdown table (`trainer models`; README.md holds a copy that a test
/// compares with it).
pub fn table() -> String {
    let mut out = String::from("| `--model` | task | what it is |\n|---|---|---|\n");
    for model in ModelName::all() {
        let task = match model.task() {
            Task::Rating => "rating",
            Task::NewUser => "new user",
        };
        out += &format!("| `{}` | {task} | {} |\n", model.name(), model.about());
    }
    out
}
