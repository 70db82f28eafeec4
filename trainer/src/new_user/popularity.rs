//! `popularity`: every movie ranked by its number of training ratings, the same list for
//! everyone. As page weights it is a `FoldInWeights` whose only non-zero part is the output bias
//! `ln(1 + count)`.

use super::{Fitted, NewUserModel};
use crate::experiment::Experiment;
use crate::model::Model;
use crate::options::ModelOptions;
use crate::protocol::NewUserTask;
use crate::report::Phases;
use crate::training::RunSettings;
use anyhow::Result;
use burn::config::Config;
use burn::tensor::backend::AutodiffBackend;
use shared::{Activation, FoldInWeights, QuantMatrix};

/// `trainer train --model popularity`.
pub struct PopularityModel;

/// Popularity has no settings.
#[derive(Config, Debug)]
pub struct PopularityConfig {}

impl Model for PopularityModel {
    const NAME: &'static str = "popularity";
    const ABOUT: &'static str = "the most-rated movies, the same for everyone";
    type Config = PopularityConfig;

    fn config(_options: &mut ModelOptions, _seed: u64) -> Result<PopularityConfig> {
        Ok(PopularityConfig::new())
    }
}

impl NewUserModel for PopularityModel {
    fn fit<B: AutodiffBackend>(
        config: &PopularityConfig,
        task: &NewUserTask,
        _run: &Experiment<B>,
        _identity: &RunSettings,
        _phases: &mut Phases,
    ) -> Result<Fitted<PopularityConfig>> {
        Ok(Fitted {
            weights: popularity(&task.rating_counts),
            parameters: task.items.len(),
            description: "movies ranked by their number of training ratings".into(),
            history: Default::default(),
            chosen: config.clone(),
        })
    }
}

/// Page weights that rank movies by `ln(1 + rating count)`, whatever the picks.
pub fn popularity(rating_counts: &[u32]) -> FoldInWeights {
    let items = rating_counts.len();
    let zeros = QuantMatrix::quantize(&vec![0.0; items], items, 1);
    FoldInWeights {
        input_embeddings: zeros.clone(),
        tower: Vec::new(),
        activation: Activation::Relu,
        output_embeddings: zeros,
        output_bias: rating_counts.iter().map(|&c| (c as f32).ln_1p()).collect(),
        neighbours: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn popularity_ignores_the_picks() {
        let model = popularity(&[3, 10, 0]);
        model.validate(3).unwrap();
        let scorer = shared::Scorer::new(&model);
        for picks in [vec![0], vec![1, 2]] {
            let s = scorer.score_picks(&picks);
            assert!(s[1] > s[0] && s[0] > s[2] && s[2] == 0.0, "{s:?}");
            assert!((s[1] - 11f32.ln()).abs() < 1e-6);
        }
    }
}
