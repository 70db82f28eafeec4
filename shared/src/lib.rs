//! Code that runs on both sides of the product: the trainer (native) and the page (wasm).
//!
//! - [`format`]: the versioned, checksummed weights file the trainer exports and the page loads.
//! - [`quant`]: int8 matrices with per-row scales, which keep that file small.
//! - [`foldin`]: the fold-in math: a brand-new user's picks become a user vector, which scores
//!   every movie. The trainer's evaluation and the browser both call it, so one piece of code
//!   scores movies everywhere.
//! - [`neighbours`]: the sparse item-to-item part beside the low-rank one (a niche pick's own
//!   neighbours).
//! - [`rank`]: top-k with one NaN rule, shared by the page and the trainer's metrics.
//! - [`recommend`]: the request/response layer on top (filters, dislikes, "seen it", the
//!   slider, "because you liked").
//! - [`stars`]: the half-stars a visitor would give each movie, from the stars they gave.
//! - [`steering`]: "not for me" as negative evidence and the familiar ↔ discover slider.
//! - [`calibrate`]: the top of the list keeps the genre mix of the picks.
//! - [`import`]: ratings exported from MovieLens, IMDb or Letterboxd, matched to the catalogue.
//! - [`search`]: forgiving title search, with "did you mean".
//! - [`browse`]: the browse rows: well-known movies spread over decades and genres.
//! - [`tail`]: the catalogue's long tail, a second file: movies placed by genres and decade.

pub mod browse;
pub mod calibrate;
pub mod catalog;
pub mod checksum;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod foldin;
pub mod format;
pub mod import;
pub mod neighbours;
pub mod quant;
pub mod rank;
pub mod recommend;
pub mod search;
pub mod stars;
pub mod steering;
pub mod tail;

pub use catalog::{Catalog, Movie};
pub use foldin::{Activation, Dense, FoldInWeights, Scorer};
pub use format::{FORMAT_VERSION, FormatError, InvalidModel, ModelFile, ModelInfo};
pub use neighbours::Neighbours;
pub use quant::QuantMatrix;
pub use recommend::{RecommendError, Recommendation, Recommender, Request, Scored, Steer};
pub use stars::{FoldedStars, StarsPredictor, StarsWeights};
pub use steering::{POPULARITY_STEPS, Steering};
