//! Turns a trained burn fold-in model into the page's weights file (`shared::ModelFile`):
//! embeddings quantised to int8 with per-row scales, the small tower kept in f32.

use crate::data::Dataset;
use crate::models::foldin::FoldIn;
use burn::prelude::*;
use shared::{Activation, Catalog, Dense, FoldInModel, ModelFile, ModelInfo, Movie, QuantMatrix};

fn to_vec<B: Backend, const D: usize>(tensor: Tensor<B, D>) -> Vec<f32> {
    tensor
        .into_data()
        .convert::<f32>()
        .to_vec()
        .expect("f32 tensor data")
}

/// The fold-in weights of `model`, in `shared`'s layout.
pub fn foldin_weights<B: Backend>(model: &FoldIn<B>) -> FoldInModel {
    let [items, embedding] = model.input_embeddings.val().dims();
    let tower = model
        .tower
        .iter()
        .map(|layer| {
            let [inputs, outputs] = layer.weight.val().dims();
            let bias = layer
                .bias
                .as_ref()
                .map(|b| to_vec(b.val()))
                .unwrap_or_else(|| vec![0.0; outputs]);
            Dense {
                inputs,
                outputs,
                weight: to_vec(layer.weight.val()),
                bias,
            }
        })
        .collect();
    // The output layer's weight is [user_dim, items]: its columns are the output embeddings.
    let output_weight = model.output.weight.val();
    let [user_dim, _] = output_weight.dims();
    let output_bias = model
        .output
        .bias
        .as_ref()
        .map(|b| to_vec(b.val()))
        .unwrap_or_else(|| vec![0.0; items]);
    FoldInModel {
        input_embeddings: QuantMatrix::quantize(
            &to_vec(model.input_embeddings.val()),
            items,
            embedding,
        ),
        tower,
        activation: Activation::Relu,
        output_embeddings: QuantMatrix::quantize(
            &to_vec(output_weight.transpose()),
            items,
            user_dim,
        ),
        output_bias,
    }
}

/// The catalogue entries for `items` (dataset item indices), in model order.
pub fn catalog(dataset: &Dataset, items: &[u32], rating_counts: &[u32]) -> Catalog {
    let movies = items
        .iter()
        .zip(rating_counts)
        .map(|(&i, &count)| {
            let m = &dataset.movies[i as usize];
            Movie {
                id: m.id,
                title: m.title.clone(),
                year: m.year,
                genres: m.genres,
                rating_count: count,
            }
        })
        .collect();
    Catalog::new(dataset.genre_names.clone(), movies)
}

/// The complete file for the page.
pub fn model_file(weights: FoldInModel, catalog: Catalog, info: ModelInfo) -> ModelFile {
    ModelFile {
        info,
        catalog,
        weights,
    }
}
