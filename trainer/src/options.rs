//! The model options of the command line, declared once: each field of [`ModelOptions`] is a
//! clap flag (its doc comment is the `--help` line, its parser the range check) and a setting the
//! models read. A model takes the options it reads out of the struct (`options.factors.take()`);
//! whatever is left is not for that model and is refused, naming the models that read it.
//!
//! The range checks ([`positive_usize`] and the rest) name the allowed range, so a refused value
//! reads: "invalid value '0' for '--batch-size <BATCH_SIZE>': must be a whole number, at least 1".

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One option's value: set on the command line or not.
trait Setting {
    fn is_set(&self) -> bool;
    fn unset(&mut self);
}

impl<T> Setting for Option<T> {
    fn is_set(&self) -> bool {
        self.is_some()
    }
    fn unset(&mut self) {
        *self = None;
    }
}

/// A switch (`--random-init`): set when given.
impl Setting for bool {
    fn is_set(&self) -> bool {
        *self
    }
    fn unset(&mut self) {
        *self = false;
    }
}

/// Declares [`ModelOptions`] and lists its fields, so that the options still set can be named
/// as the command line spells them.
macro_rules! model_options {
    ($( $(#[$attr:meta])* $field:ident: $ty:ty, )*) => {
        /// The model settings given on the command line; unset keeps a model's default.
        #[derive(clap::Args, Clone, Debug, Default)]
        pub struct ModelOptions {
            $( $(#[$attr])* pub $field: $ty, )*
        }

        impl ModelOptions {
            fn settings(&self) -> Vec<(&'static str, &dyn Setting)> {
                vec![$( (stringify!($field), &self.$field as &dyn Setting), )*]
            }

            fn settings_mut(&mut self) -> Vec<(&'static str, &mut dyn Setting)> {
                vec![$( (stringify!($field), &mut self.$field as &mut dyn Setting), )*]
            }
        }
    };
}

model_options! {
    /// Embedding size (hidden units for autorec; rank or dimensions for the classic models).
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    factors: Option<usize>,
    /// Training epochs. 0 only for the fold-in model, whose default it is: its EASE start,
    /// not fine-tuned.
    #[arg(long, value_parser = whole_number, allow_negative_numbers = true)]
    epochs: Option<usize>,
    /// Learning rate (greater than 0).
    #[arg(long = "lr", value_parser = positive_finite_f64, allow_negative_numbers = true)]
    learning_rate: Option<f64>,
    /// Ratings (or users, or movies) per batch (at least 1).
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    batch_size: Option<usize>,
    /// L2 weight (weight decay for the fold-in model), 0 or more.
    #[arg(long, value_parser = non_negative_finite_f64, allow_negative_numbers = true)]
    l2: Option<f64>,
    /// Epochs without improvement before stopping (at least 1).
    #[arg(long, value_parser = positive_usize, allow_negative_numbers = true)]
    patience: Option<usize>,
    /// Fold-in: input dropout, at least 0 and below 1.
    #[arg(long, value_parser = probability, allow_negative_numbers = true)]
    dropout: Option<f64>,
    /// Hidden layer widths (each at least 1), comma-separated; `--hidden` alone for none (a
    /// linear tower).
    #[arg(
        long,
        value_delimiter = ',',
        num_args = 0..,
        value_parser = positive_usize,
        allow_negative_numbers = true
    )]
    hidden: Option<Vec<usize>>,
    /// KNN models: neighbours kept (at least 1) [default: 40].
    #[arg(long = "k", value_parser = positive_usize, allow_negative_numbers = true)]
    neighbours: Option<usize>,
    /// KNN models: msd, cosine, pearson or pearson-baseline[:SHRINKAGE] [default: msd].
    #[arg(long)]
    similarity: Option<Similarity>,
    /// Weigh explicit ratings by recency, halving every this many days (greater than 0).
    #[arg(long, value_parser = positive_finite_f64, allow_negative_numbers = true)]
    time_decay_days: Option<f64>,
    /// Rating networks (mf, neumf, deep): the training loss [default: mse].
    #[arg(long, value_enum)]
    loss: Option<Loss>,
    /// Fold-in: train from random weights instead of the factorised EASE solution.
    #[arg(long)]
    random_init: bool,
}

impl ModelOptions {
    /// `--epochs`, taken out. 0 is refused: it would leave a model at its initial weights.
    pub fn take_epochs(&mut self) -> Result<Option<usize>> {
        match self.epochs.take() {
            Some(0) => bail!(
                "--epochs 0 trains nothing: use at least 1 (0 is only for the fold-in model's EASE start, without --random-init)"
            ),
            epochs => Ok(epochs),
        }
    }

    /// The options still set, as the command line spells them (`--lr`).
    pub fn given(&self) -> Vec<String> {
        self.settings()
            .into_iter()
            .filter(|(_, setting)| setting.is_set())
            .map(|(field, _)| flag(field))
            .collect()
    }

    /// These options with only `flag` kept.
    pub fn only(&self, flag_kept: &str) -> ModelOptions {
        let mut only = self.clone();
        for (field, setting) in only.settings_mut() {
            if flag(field) != flag_kept {
                setting.unset();
            }
        }
        only
    }
}

/// The command-line flag of a field of [`ModelOptions`], as clap declares it.
fn flag(field: &str) -> String {
    let command = <ModelOptions as clap::Args>::augment_args(clap::Command::new("options"));
    let long = command
        .get_arguments()
        .find(|arg| arg.get_id() == field)
        .and_then(|arg| arg.get_long())
        .unwrap_or(field);
    format!("--{long}")
}

/// The training loss for explicit ratings (seed 004 compares all three).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
pub enum Loss {
    Mse,
    L1,
    SmoothL1,
}

/// How the k-NN models compare two users (or movies).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Similarity {
    Msd,
    Cosine,
    Pearson,
    PearsonBaseline { shrinkage: f64 },
}

impl Similarity {
    /// Surprise's default shrinkage.
    pub const PEARSON_BASELINE: Self = Self::PearsonBaseline { shrinkage: 100.0 };
}

impl std::str::FromStr for Similarity {
    type Err = String;

    /// `msd`, `cosine`, `pearson`, or `pearson-baseline[:SHRINKAGE]` (default 100).
    fn from_str(text: &str) -> Result<Self, String> {
        let (name, shrinkage) = match text.split_once(':') {
            Some((name, value)) => (name, Some(value)),
            None => (text, None),
        };
        match (name.to_ascii_lowercase().as_str(), shrinkage) {
            ("msd", None) => Ok(Self::Msd),
            ("cosine", None) => Ok(Self::Cosine),
            ("pearson", None) => Ok(Self::Pearson),
            ("pearson-baseline", None) => Ok(Self::PEARSON_BASELINE),
            ("pearson-baseline", Some(value)) => match value.parse::<f64>() {
                Ok(shrinkage) if shrinkage.is_finite() && shrinkage >= 0.0 => {
                    Ok(Self::PearsonBaseline { shrinkage })
                }
                _ => Err(format!(
                    "shrinkage `{value}` is not a finite number ≥ 0 (as in pearson-baseline:100)"
                )),
            },
            _ => Err(format!(
                "unknown similarity `{text}`: use msd, cosine, pearson or pearson-baseline[:SHRINKAGE]"
            )),
        }
    }
}

impl fmt::Display for Similarity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Similarity::Msd => f.write_str("MSD"),
            Similarity::Cosine => f.write_str("cosine"),
            Similarity::Pearson => f.write_str("Pearson"),
            Similarity::PearsonBaseline { .. } => f.write_str("Pearson-baseline"),
        }
    }
}

/// A count that must be at least 1: batch size, factors, patience, hidden widths, neighbours,
/// held-out users, `--top`.
pub fn positive_usize(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("must be a whole number, at least 1".into()),
    }
}

/// A count where 0 is meaningful (`--epochs 0`: the fold-in model's start, not fine-tuned).
pub fn whole_number(text: &str) -> Result<usize, String> {
    text.trim()
        .parse::<usize>()
        .map_err(|_| "must be a whole number, 0 or more".into())
}

/// A finite number above 0: learning rate, half-life in days.
pub fn positive_finite_f64(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err("must be a finite number greater than 0".into()),
    }
}

/// A finite number of at least 0: L2 weight.
pub fn non_negative_finite_f64(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err("must be a finite number, 0 or more".into()),
    }
}

/// A probability in [0, 1): dropout (1 would drop every input).
pub fn probability(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(p) if (0.0..1.0).contains(&p) => Ok(p),
        _ => Err("must be a number at least 0 and below 1".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_named_as_the_command_line_spells_them() {
        let options = ModelOptions {
            learning_rate: Some(0.1),
            neighbours: Some(5),
            random_init: true,
            ..Default::default()
        };
        assert_eq!(options.given(), ["--lr", "--k", "--random-init"]);
        assert_eq!(options.only("--k").given(), ["--k"]);
        assert!(ModelOptions::default().given().is_empty());
    }

    #[test]
    fn counts() {
        assert_eq!(positive_usize("1"), Ok(1));
        assert_eq!(positive_usize(" 64 "), Ok(64));
        for bad in ["0", "-1", "1.5", "", "x", "99999999999999999999999"] {
            assert_eq!(
                positive_usize(bad),
                Err("must be a whole number, at least 1".to_string()),
                "{bad:?}"
            );
        }
        assert_eq!(whole_number("0"), Ok(0));
        assert_eq!(whole_number("40"), Ok(40));
        assert!(whole_number("-1").is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(positive_finite_f64("1e-4"), Ok(1e-4));
        for bad in ["0", "-1", "NaN", "nan", "inf", "-inf", "1e400", "", "x"] {
            assert!(positive_finite_f64(bad).is_err(), "{bad:?}");
        }
        assert_eq!(non_negative_finite_f64("0"), Ok(0.0));
        assert_eq!(non_negative_finite_f64("0.05"), Ok(0.05));
        for bad in ["-5", "NaN", "inf", "x"] {
            assert!(non_negative_finite_f64(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn probabilities() {
        assert_eq!(probability("0"), Ok(0.0));
        assert_eq!(probability("0.5"), Ok(0.5));
        for bad in ["1", "1.5", "-0.5", "NaN", "inf", "x"] {
            assert_eq!(
                probability(bad),
                Err("must be a number at least 0 and below 1".to_string()),
                "{bad:?}"
            );
        }
    }
}
