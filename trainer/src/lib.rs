//! The trainer: MovieLens files in, trained and evaluated models and the page's weights file out.
//!
//! - [`data`]: parsing every MovieLens release, download and cache, evaluation splits.
//! - [`metrics`]: rating and ranking metrics.
//! - [`models`]: the burn models, generic over the backend.
//! - [`training`]: the training loops (Adam, early stopping, schedule, checkpoints, resume).
//! - [`ease`]: the EASE baseline the fold-in model is measured against.
//! - [`export`]: burn fold-in model → `shared::ModelFile`.
//! - [`evaluate`]: every protocol's metrics, scored through `shared` where the page would score.
//! - [`backend`]: CPU (ndarray) or CUDA.

pub mod backend;
pub mod data;
pub mod ease;
pub mod evaluate;
pub mod export;
pub mod metrics;
pub mod models;
pub mod pipeline;
pub mod training;
