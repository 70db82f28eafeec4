//! The embedding models, each generic over the burn backend (ndarray on the CPU, CUDA on a GPU).
//!
//! Explicit-rating models ([`mf`], [`neumf`], [`deep`]) predict a rating for a (user, movie)
//! pair and share [`RatingModel`]. The fold-in model ([`foldin`]) reads a user's liked movies and
//! scores the whole catalogue; it is the one the page runs for brand-new users.

pub mod autorec;
pub mod deep;
pub mod explicit;
pub mod foldin;
pub mod mf;
pub mod neumf;

use burn::prelude::*;

/// A mini-batch of (user, item, rating) triples plus the item side features.
#[derive(Clone, Debug)]
pub struct RatingBatch<B: Backend> {
    pub users: Tensor<B, 1, Int>,
    pub items: Tensor<B, 1, Int>,
    /// Ratings minus the training mean.
    pub targets: Tensor<B, 1>,
    /// Multi-hot genres of each item, `[batch, genres]`.
    pub item_genres: Tensor<B, 2>,
}

/// A model that predicts centred ratings (the training mean is added back by the caller).
pub trait RatingModel<B: Backend> {
    fn predict(&self, batch: &RatingBatch<B>) -> Tensor<B, 1>;
    /// L2 penalty on the parameters this batch touches, per example, already weighted.
    fn penalty(&self, batch: &RatingBatch<B>) -> Tensor<B, 1>;
}

/// Sum of squares over the last dimension of `[n, d]` embeddings: `[n]`.
pub(crate) fn row_sq_norms<B: Backend>(x: Tensor<B, 2>) -> Tensor<B, 1> {
    x.powi_scalar(2).sum_dim(1).squeeze_dim(1)
}

/// Sizes every explicit model needs from the data.
#[derive(Clone, Copy, Debug)]
pub struct Dims {
    pub users: usize,
    pub items: usize,
    pub genres: usize,
}
