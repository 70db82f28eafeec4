//! The trainer: MovieLens files in, trained and evaluated models and the page's weights file out.
//!
//! - [`data`]: parsing every MovieLens release, download and cache, evaluation splits.
//! - [`registry`]: every model by name (`--model`), the command line's model options, and the
//!   data and protocol a run uses.
//! - [`rating`]: the rating-prediction task and its models, one file each.
//! - [`new_user`]: the new-user task (what the page runs) and its models, one file each.
//! - [`training`]: the burn training loop (Adam, early stopping, schedule, checkpoints, resume).
//! - [`evaluate`], [`metrics`]: every protocol's metrics.
//! - [`report`]: what a run reports; [`bench`]: `trainer bench`, every model on the same splits,
//!   one report, [`plot`] its SVGs.
//! - [`synth`]: `trainer synth`, synthetic releases in the real file layout, for scale.
//! - [`backend`]: CPU (ndarray) or CUDA.

pub mod backend;
pub mod bench;
pub mod data;
pub mod evaluate;
pub mod metrics;
pub mod new_user;
pub mod plot;
pub mod rating;
pub mod registry;
pub mod report;
pub mod synth;
pub mod training;
