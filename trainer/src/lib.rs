//! The trainer: MovieLens files in, trained and evaluated models and the page's weights file out.
//! The `trainer` binary (`src/bin/trainer/`) is a thin command line over it.
//!
//! Floors, lowest first; a module imports only from its own floor or those below
//! (`trainer/tests/layers.rs` checks it):
//! 1. [`data`] (parsing every release, download and cache, splits), [`metrics`], [`plot`],
//!    [`backend`], [`memory`], [`randomized_svd`], [`options`] (the model options of the
//!    command line, declared once), [`synth`], [`claim`] (exclusive claims on what a run
//!    writes).
//! 2. [`evaluate`] (every protocol's metrics), [`training`] (the burn training loop), [`report`]
//!    (what a run reports), [`protocol`] (the new-user task and what the page carries).
//! 3. [`model`]: what every model is (name, help, settings).
//! 4. [`experiment`]: the data, protocol and machine settings models are trained in.
//! 5. [`rating`], [`new_user`]: each task and its models, one file each.
//! 6. [`registry`]: every model by name (`--model`).
//! 7. [`bench`]: `trainer bench`, every model on the same splits, one report;
//!    [`device_check`]: `trainer device-check`, the prepared GPU check; [`visitors`]: `trainer
//!    visitors`, the page's model measured as visitors use it (a few picks, per segment);
//!    [`stars`]: `trainer stars`, predicted stars for new visitors beside their peers.

pub mod backend;
pub mod bench;
pub mod claim;
pub mod data;
pub mod device_check;
pub mod evaluate;
pub mod experiment;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod new_user;
pub mod options;
pub mod plot;
pub mod protocol;
pub mod randomized_svd;
pub mod rating;
pub mod registry;
pub mod report;
pub mod stars;
pub mod synth;
pub mod training;
pub mod visitors;
