//! What every model is to the command line, whatever its task: a name, a line of help and its
//! settings (a burn `Config`, built from the command line's [`ModelOptions`]). Each task adds its
//! own trait: [`crate::rating::RatingModel`], [`crate::new_user::NewUserModel`].

use crate::options::ModelOptions;
use crate::report::RunReport;
use anyhow::Result;
use shared::ModelFile;

/// What a model is to the command line: its name, its help and its settings.
pub trait Model {
    /// The `--model` value.
    const NAME: &'static str;
    /// One line for `--help`, `trainer models` and the bench report.
    const ABOUT: &'static str;
    /// Trained with burn: reads the training options and writes checkpoints.
    const BURN: bool = false;
    /// Every setting of a run, saved with it (in the checkpoints' `state.json` and the model
    /// file's info).
    type Config: burn::config::Config;

    /// The model's defaults with the command line's `options` on top. Takes every option it reads
    /// out of `options` (also when it then refuses a value): what is left is not for this model.
    fn config(options: &mut ModelOptions, seed: u64) -> Result<Self::Config>;
}

/// Which task a model serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// Predicts the rating a known user gives a movie ([`crate::rating::RatingModel`]).
    Rating,
    /// Recommends to a user nobody trained on, from their picks; exports the page's weights
    /// ([`crate::new_user::NewUserModel`]).
    NewUser,
}

/// A trained and evaluated model; new-user models also give the page's weights file.
pub struct Outcome {
    pub report: RunReport,
    pub file: Option<ModelFile>,
    /// The catalogue's long tail for the page's second file ([`shared::tail`]); its model
    /// checksum is set when the file's bytes are.
    pub tail: Option<shared::tail::TailFile>,
}
