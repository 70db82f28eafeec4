//! The trainer: MovieLens files in, trained and evaluated models and the page's weights file out.
//!
//! - [`data`]: parsing every MovieLens release, download and cache, evaluation splits.
//! - [`classic`]: baselines, Funk-SVD, PureSVD, k-NN, content-based and hybrid models.
//! - [`metrics`]: rating and ranking metrics.
//! - [`models`]: the burn models, generic over the backend.
//! - [`training`]: the training loops (Adam, early stopping, schedule, checkpoints, resume).
//! - [`ease`]: the EASE baseline the fold-in model is measured against.
//! - [`export`]: burn fold-in model → `shared::ModelFile`.
//! - [`evaluate`]: every protocol's metrics, scored through `shared` where the page would score.
//! - [`backend`]: CPU (ndarray) or CUDA.
//! - [`bench`]: `trainer bench`, every model on the same splits, one report; [`plot`] its SVGs.

pub mod backend;
pub mod bench;
pub mod classic;
pub mod data;
pub mod ease;
pub mod evaluate;
pub mod export;
pub mod metrics;
pub mod models;
pub mod pipeline;
pub mod plot;
pub mod training;
