//! Fold-in scoring for a brand-new user, from the movies they picked alone.
//!
//! The architecture is the YouTube-DNN candidate generator / Mult-DAE shape:
//! 1. the picked movies' input embeddings are summed and divided by sqrt(#picks) (the L2
//!    normalisation of the multi-hot pick vector that the training used),
//! 2. a small MLP tower turns that into a user vector,
//! 3. every movie is scored by the dot product of the user vector with its output embedding
//!    plus an output bias (the logits of the softmax over the catalogue).
//!
//! Content-based and hybrid models fit the same shape with an empty tower, so the page has one
//! scoring path whatever model it loads.

use crate::format::InvalidModel;
use crate::neighbours::{NeighbourScorer, Neighbours};
use crate::quant::{QuantMatrix, check_len};
use crate::tail::TailScorer;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::slice::ChunksExact;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    Relu,
    Tanh,
}

impl Activation {
    fn apply(self, x: f32) -> f32 {
        match self {
            Activation::Relu => x.max(0.0),
            Activation::Tanh => x.tanh(),
        }
    }
}

/// A fully connected layer; `weight` is row-major `[inputs x outputs]` (burn's `Linear` layout).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dense {
    pub inputs: usize,
    pub outputs: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

impl Dense {
    pub fn forward(&self, x: &[f32]) -> Vec<f32> {
        let mut out = self.bias.clone();
        for (xi, row) in x.iter().zip(self.weight.chunks_exact(self.outputs)) {
            if *xi != 0.0 {
                for (o, w) in out.iter_mut().zip(row) {
                    *o += xi * w;
                }
            }
        }
        out
    }
}

/// The fold-in weights as stored in the model file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoldInWeights {
    /// `items x input_dim`.
    pub input_embeddings: QuantMatrix,
    /// Layers from `input_dim` to the user vector; the activation is applied between layers,
    /// not after the last one. Empty means the pooled input is the user vector.
    pub tower: Vec<Dense>,
    pub activation: Activation,
    /// `items x user_dim`.
    pub output_embeddings: QuantMatrix,
    /// One per item.
    pub output_bias: Vec<f32>,
    /// Each movie's strongest item-to-item weights the low-rank part misses, added per pick
    /// ([`crate::neighbours`]); `None` for a model without them.
    pub neighbours: Option<Neighbours>,
}

impl FoldInWeights {
    /// Checks every shape and value against a catalogue of `items` movies; the error names the
    /// first problem. After this, scoring cannot index out of bounds or divide by a zero width.
    pub fn validate(&self, items: usize) -> Result<(), InvalidModel> {
        let (input, output) = (&self.input_embeddings, &self.output_embeddings);
        input.check("input embeddings")?;
        output.check("output embeddings")?;
        for (what, rows) in [
            ("input embeddings", input.rows),
            ("output embeddings", output.rows),
            ("output biases", self.output_bias.len()),
        ] {
            if rows != items {
                return Err(InvalidModel::RowCount {
                    what,
                    movies: items,
                    rows,
                });
            }
        }
        check_finite("output bias", &self.output_bias)?;
        if let Some(neighbours) = &self.neighbours {
            neighbours.validate(items)?;
        }
        let mut width = input.cols;
        for (layer, dense) in self.tower.iter().enumerate() {
            dense.check(layer, width)?;
            width = dense.outputs;
        }
        if width != output.cols {
            return Err(InvalidModel::TowerOutput {
                width,
                output: output.cols,
            });
        }
        Ok(())
    }
}

impl Dense {
    /// Checks that layer `layer` takes vectors of `width` and holds finite weights.
    pub(crate) fn check(&self, layer: usize, width: usize) -> Result<(), InvalidModel> {
        let what = || format!("tower layer {layer}");
        if self.outputs == 0 {
            return Err(InvalidModel::ZeroWidth { what: what() });
        }
        if self.inputs != width {
            return Err(InvalidModel::LayerInput {
                layer,
                inputs: self.inputs,
                width,
            });
        }
        let cells =
            self.inputs
                .checked_mul(self.outputs)
                .ok_or_else(|| InvalidModel::ShapeOverflow {
                    what: what(),
                    rows: self.inputs,
                    cols: self.outputs,
                })?;
        check_len(&what(), "weights", cells, self.weight.len())?;
        check_len(&what(), "biases", self.outputs, self.bias.len())?;
        check_finite(&format!("{} weight", what()), &self.weight)?;
        check_finite(&format!("{} bias", what()), &self.bias)
    }
}

/// The first value that is NaN or infinite, named.
fn check_finite(what: &str, values: &[f32]) -> Result<(), InvalidModel> {
    match values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        Some((index, &value)) => Err(InvalidModel::NotFinite {
            what: format!("{what} {index}"),
            value,
        }),
        None => Ok(()),
    }
}

/// [`FoldInWeights`] with its matrices expanded to f32, ready to score.
#[derive(Clone, Debug)]
pub struct Scorer {
    items: usize,
    input_dim: usize,
    input: Vec<f32>,
    tower: Vec<Dense>,
    activation: Activation,
    user_dim: usize,
    output: Vec<f32>,
    bias: Vec<f32>,
    /// L2 norms of output embeddings, for the similarities of "Not for me".
    output_norms: Vec<f32>,
    /// The sparse item-to-item part, when the model has one.
    neighbours: Option<NeighbourScorer>,
    /// The catalogue's long tail, items `items..` ([`crate::tail`]), once attached.
    tail: Option<TailScorer>,
}

impl Scorer {
    /// Expands a validated model.
    pub fn new(model: &FoldInWeights) -> Self {
        let output = model.output_embeddings.dequantize();
        let user_dim = model.output_embeddings.cols;
        let output_norms = output
            .chunks_exact(user_dim.max(1))
            .map(|row| dot(row, row).sqrt())
            .collect();
        Self {
            items: model.output_bias.len(),
            input_dim: model.input_embeddings.cols,
            input: model.input_embeddings.dequantize(),
            tower: model.tower.clone(),
            activation: model.activation,
            user_dim,
            output,
            bias: model.output_bias.clone(),
            output_norms,
            neighbours: model.neighbours.as_ref().map(NeighbourScorer::new),
            tail: None,
        }
    }

    /// Whether the catalogue's tail is attached.
    pub fn has_tail(&self) -> bool {
        self.tail.is_some()
    }

    /// Scores the tail's movies too, as items `items()..` of before.
    pub fn attach_tail(&mut self, tail: TailScorer) {
        self.tail = Some(tail);
    }

    /// The width of the input rows and of the user vector: what a tail's map must produce.
    pub fn widths(&self) -> (usize, usize) {
        (self.input_dim, self.user_dim)
    }

    /// Every item: the model's own, then the tail's.
    pub fn items(&self) -> usize {
        self.items + self.tail.as_ref().map_or(0, TailScorer::len)
    }

    /// Item `item`'s input row: the model's, or one the tail's map places.
    fn input_row(&self, item: usize) -> Cow<'_, [f32]> {
        match &self.tail {
            Some(tail) if item >= self.items => Cow::Owned(tail.input_row(item - self.items)),
            _ => Cow::Borrowed(&self.input[item * self.input_dim..(item + 1) * self.input_dim]),
        }
    }

    /// Item `item`'s output row and its norm.
    fn output_row(&self, item: usize) -> (Cow<'_, [f32]>, f32) {
        let dim = self.user_dim;
        match &self.tail {
            Some(tail) if item >= self.items => (
                Cow::Owned(tail.output_row(item - self.items)),
                tail.output_norm(item - self.items),
            ),
            _ => (
                Cow::Borrowed(&self.output[item * dim..(item + 1) * dim]),
                self.output_norms[item],
            ),
        }
    }

    /// The user vector for a set of picked item indices (all `< items`).
    pub fn user_vector(&self, picks: &[usize]) -> Vec<f32> {
        self.weighted_user_vector(picks.iter().map(|&item| (item, 1.0)))
    }

    /// The user vector for picks with weights ([`pool_weighted`]).
    pub fn weighted_user_vector(&self, picks: impl IntoIterator<Item = (usize, f32)>) -> Vec<f32> {
        let pooled = pool_rows(self.input_dim, picks, |item| self.input_row(item));
        let last = self.tower.len().saturating_sub(1);
        self.tower.iter().enumerate().fold(pooled, |x, (i, layer)| {
            let mut y = layer.forward(&x);
            if i < last {
                y.iter_mut().for_each(|v| *v = self.activation.apply(*v));
            }
            y
        })
    }

    /// The low-rank part's score of every item for a user vector: higher is better.
    fn low_rank_scores(&self, user: &[f32]) -> Vec<f32> {
        let mut scores: Vec<f32> = self
            .output
            .chunks_exact(self.user_dim.max(1))
            .zip(&self.bias)
            .map(|(row, b)| dot(row, user) + b)
            .collect();
        if let Some(tail) = &self.tail {
            scores.extend(tail.scores(user));
        }
        scores
    }

    /// Scores for a new user who picked `picks`.
    pub fn score_picks(&self, picks: &[usize]) -> Vec<f32> {
        let weighted: Vec<(usize, f32)> = picks.iter().map(|&item| (item, 1.0)).collect();
        self.score_weighted(&weighted)
    }

    /// Scores for picks with weights: the low-rank part through the user vector
    /// ([`Self::weighted_user_vector`]), plus the picks' neighbours pooled alike.
    pub fn score_weighted(&self, picks: &[(usize, f32)]) -> Vec<f32> {
        let mut scores = self.low_rank_scores(&self.weighted_user_vector(picks.iter().copied()));
        if let Some(neighbours) = &self.neighbours {
            neighbours.add(&mut scores, picks);
        }
        scores
    }

    /// The score of `item` when `pick` alone is picked, `alone` being that pick's user vector:
    /// one entry of [`Self::score_picks`]`(&[pick])`.
    pub fn score_for_one_pick(&self, alone: &[f32], pick: usize, item: usize) -> f32 {
        let neighbour = self
            .neighbours
            .as_ref()
            .map_or(0.0, |n| n.weight(pick, item));
        self.item_score(alone, item) + neighbour
    }

    /// The low-rank part's score of one item for a user vector.
    fn item_score(&self, user: &[f32], item: usize) -> f32 {
        if let Some(tail) = self.tail.as_ref().filter(|_| item >= self.items) {
            return tail.score(item - self.items, user);
        }
        let dim = self.user_dim.max(1);
        dot(&self.output[item * dim..(item + 1) * dim], user) + self.bias[item]
    }
}

impl Scorer {
    /// How much `picks` point one way: the length of the mean of their unit output rows, 1 for
    /// one pick or picks alike, near 0 for picks spread every way. A pick whose row is zero is
    /// left out; with none left, 1.
    pub fn coherence(&self, picks: &[usize]) -> f32 {
        let mut sum = vec![0f32; self.user_dim];
        let mut counted = 0;
        for &pick in picks {
            let (row, norm) = self.output_row(pick);
            if norm > 0.0 {
                sum.iter_mut()
                    .zip(row.iter())
                    .for_each(|(s, v)| *s += v / norm);
                counted += 1;
            }
        }
        if counted == 0 {
            return 1.0;
        }
        (dot(&sum, &sum).sqrt() / counted as f32).min(1.0)
    }

    /// `to`'s movies ready for [`Self::closest_similarity`].
    pub fn closest_of(&self, to: &[usize]) -> Closest {
        // Unit rows, so each item costs one dot product per row and one division.
        let rows: Vec<Vec<f32>> = to
            .iter()
            .map(|&t| {
                let (row, norm) = self.output_row(t);
                row.iter()
                    .map(|v| if norm > 0.0 { v / norm } else { 0.0 })
                    .collect()
            })
            .collect();
        let tail_per_feature = match &self.tail {
            Some(tail) => rows.iter().map(|row| tail.per_feature_of(row)).collect(),
            None => Vec::new(),
        };
        Closest {
            rows,
            tail_per_feature,
        }
    }

    /// Item `item`'s cosine similarity to the most similar of `closest`'s movies (0 when there
    /// are none).
    pub fn closest_similarity(&self, closest: &Closest, item: usize) -> f32 {
        self.closest_similarity_until(closest, item, f32::INFINITY)
    }

    /// [`Self::closest_similarity`], except that the first of `closest`'s movies at least
    /// `enough` similar ends the search: its similarity is returned, at least `enough`, in
    /// place of the closest's.
    pub fn closest_similarity_until(&self, closest: &Closest, item: usize, enough: f32) -> f32 {
        if closest.rows.is_empty() {
            return 0.0;
        }
        if let Some(tail) = self.tail.as_ref().filter(|_| item >= self.items) {
            let mut best = f32::NEG_INFINITY;
            for per_feature in &closest.tail_per_feature {
                let cosine = tail.cosine(per_feature, item - self.items);
                if cosine >= enough {
                    return cosine;
                }
                best = best.max(cosine);
            }
            return best;
        }
        let norm = self.output_norms[item];
        if norm == 0.0 {
            return 0.0;
        }
        let dim = self.user_dim.max(1);
        let row = &self.output[item * dim..(item + 1) * dim];
        // The largest dot product over the norm (division by a positive norm keeps the order,
        // so dividing each would give the same); each is divided only to test it against
        // `enough`.
        let mut best = f32::NEG_INFINITY;
        for target in &closest.rows {
            let dot = dot(row, target);
            if enough.is_finite() && dot / norm >= enough {
                return dot / norm;
            }
            best = best.max(dot);
        }
        best / norm
    }
}

/// Some movies' unit output rows, to find how close any movie comes to them
/// ([`Scorer::closest_similarity`]): a visitor's likes or dislikes.
pub struct Closest {
    rows: Vec<Vec<f32>>,
    /// Per row, each tail feature's dot product with it (empty without a tail).
    tail_per_feature: Vec<Vec<f32>>,
}

/// A new user's pooled vector: the sum of the picked rows of a row-major `[_, dim]` matrix,
/// divided by √(#picks), the L2 normalisation of the multi-hot pick vector the models train
/// with; no picks give the zero vector. The page, the CLI and the trainer's tuning all pool here.
pub fn pool(rows: &[f32], dim: usize, picks: impl IntoIterator<Item = usize>) -> Vec<f32> {
    pool_weighted(rows, dim, picks.into_iter().map(|item| (item, 1.0)))
}

/// [`pool`] with a weight per pick (a five-star like weighs more than a four-star one): the
/// weighted sum divided by the weights' L2 norm, so weights of 1 give exactly [`pool`]'s vector.
pub fn pool_weighted(
    rows: &[f32],
    dim: usize,
    picks: impl IntoIterator<Item = (usize, f32)>,
) -> Vec<f32> {
    pool_rows(dim, picks, |item| {
        Cow::Borrowed(&rows[item * dim..(item + 1) * dim])
    })
}

/// [`pool_weighted`] over rows that `row` gives.
fn pool_rows<'a>(
    dim: usize,
    picks: impl IntoIterator<Item = (usize, f32)>,
    row: impl Fn(usize) -> Cow<'a, [f32]>,
) -> Vec<f32> {
    let mut pooled = vec![0f32; dim];
    let mut square_weights = 0f32;
    for (item, weight) in picks {
        for (p, v) in pooled.iter_mut().zip(row(item).iter()) {
            *p += weight * v;
        }
        square_weights += weight * weight;
    }
    if square_weights > 0.0 {
        let norm = square_weights.sqrt();
        pooled.iter_mut().for_each(|p| *p /= norm);
    }
    pooled
}

/// `a · b` over their common length. Eight running sums, not one: float addition is not
/// reassociated by the compiler, so a single sum is one add at a time while eight independent
/// ones fill the vector lanes (scoring every movie is mostly this).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (a_blocks, b_blocks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = (a_blocks.remainder().iter())
        .zip(b_blocks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    lane_sums(a_blocks, b_blocks).iter().sum::<f32>() + tail
}

/// How many running sums [`dot`] keeps.
const LANES: usize = 8;

/// Each lane's sum of products over the blocks of [`LANES`] values.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn lane_sums(a_blocks: ChunksExact<f32>, b_blocks: ChunksExact<f32>) -> [f32; LANES] {
    let mut sums = [0f32; LANES];
    for (x, y) in a_blocks.zip(b_blocks) {
        for lane in 0..LANES {
            sums[lane] += x[lane] * y[lane];
        }
    }
    sums
}

/// [`lane_sums`] four lanes at a time in wasm's SIMD (the page's build enables it; LLVM does
/// not vectorise the plain loop at the page's `opt-level = "s"`). The same multiplications and
/// additions in the same order: the sums are bit for bit the plain loop's.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn lane_sums(a_blocks: ChunksExact<f32>, b_blocks: ChunksExact<f32>) -> [f32; LANES] {
    use core::arch::wasm32::{f32x4_add, f32x4_extract_lane, f32x4_mul, f32x4_splat, v128};
    // Four lanes from `block[start..start + 4]`.
    fn four(block: &[f32], start: usize) -> v128 {
        let lanes = &block[start..start + 4];
        // SAFETY: `lanes` holds four f32s (16 bytes), which v128_load reads at any alignment.
        unsafe { core::arch::wasm32::v128_load(lanes.as_ptr().cast()) }
    }
    let (mut low, mut high) = (f32x4_splat(0.0), f32x4_splat(0.0));
    for (x, y) in a_blocks.zip(b_blocks) {
        low = f32x4_add(low, f32x4_mul(four(x, 0), four(y, 0)));
        high = f32x4_add(high, f32x4_mul(four(x, 4), four(y, 4)));
    }
    [
        f32x4_extract_lane::<0>(low),
        f32x4_extract_lane::<1>(low),
        f32x4_extract_lane::<2>(low),
        f32x4_extract_lane::<3>(low),
        f32x4_extract_lane::<0>(high),
        f32x4_extract_lane::<1>(high),
        f32x4_extract_lane::<2>(high),
        f32x4_extract_lane::<3>(high),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::tiny_model;

    #[test]
    fn dot_sums_every_product_whatever_the_length() {
        for n in 0..20 {
            let a: Vec<f32> = (0..n).map(|k| k as f32 + 1.0).collect();
            let b: Vec<f32> = (0..n).map(|k| 0.5 - k as f32).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!(
                (dot(&a, &b) - plain).abs() <= 1e-4 * plain.abs().max(1.0),
                "{n}"
            );
            // Over the common length, as zip would.
            assert_eq!(dot(&a, &b[..n / 2]), dot(&a[..n / 2], &b[..n / 2]));
        }
    }

    #[test]
    fn scores_match_hand_computation() {
        let model = tiny_model();
        model.validate(3).unwrap();
        let scorer = Scorer::new(&model);
        // Picks {0, 1}: pooled = ([1,0] + [0,1]) / sqrt(2) = [0.7071, 0.7071].
        // Tower: [0.7071 * 1, 0.7071 * 2 + 0.5] = [0.7071, 1.9142] (no activation after the last layer).
        let user = scorer.user_vector(&[0, 1]);
        let half_root = std::f32::consts::FRAC_1_SQRT_2;
        assert!(
            (user[0] - half_root).abs() < 1e-4 && (user[1] - 1.91421).abs() < 1e-4,
            "{user:?}"
        );
        // Scores: item0 = 0.7071, item1 = 1.9142 + 0.1, item2 = 0.5 * (0.7071 + 1.9142) - 1.
        let scores = scorer.score_picks(&[0, 1]);
        let expected = [half_root, 2.01421, 0.31066];
        for (s, e) in scores.iter().zip(expected) {
            assert!((s - e).abs() < 1e-4, "{scores:?}");
        }
    }

    #[test]
    fn coherence_is_how_much_the_picks_point_one_way() {
        // Output rows: Toy Story (1, 0), Heat (0, 1), Babe (0.5, 0.5).
        let scorer = Scorer::new(&tiny_model());
        assert_eq!(scorer.coherence(&[]), 1.0);
        assert!((scorer.coherence(&[0]) - 1.0).abs() < 1e-6);
        let apart = scorer.coherence(&[0, 1]);
        assert!(
            (apart - 0.5f32.sqrt()).abs() < 1e-3,
            "at right angles: {apart}"
        );
        assert!(
            scorer.coherence(&[0, 2]) > apart,
            "closer picks cohere more"
        );
    }

    #[test]
    fn validation_names_the_mismatch() {
        let model = tiny_model();
        let broken = |edit: fn(&mut FoldInWeights)| {
            let mut m = model.clone();
            edit(&mut m);
            m.validate(3).unwrap_err().to_string()
        };
        assert!(
            model
                .validate(4)
                .unwrap_err()
                .to_string()
                .contains("catalogue has 4 movies")
        );
        assert!(broken(|m| m.tower[0].outputs = 3).contains("tower layer 0"));
        assert!(broken(|m| m.tower[0].outputs = 0).contains("width 0"));
        assert!(broken(|m| m.tower[0].inputs = 0).contains("tower layer 0"));
        assert!(
            broken(|m| {
                m.tower[0].inputs = usize::MAX;
                m.input_embeddings.cols = usize::MAX;
            })
            .contains("input embeddings")
        );
        assert!(broken(|m| m.output_bias[2] = f32::NAN).contains("output bias 2"));
        assert!(broken(|m| m.output_bias[0] = f32::INFINITY).contains("output bias 0"));
        assert!(broken(|m| m.tower[0].weight[3] = f32::NAN).contains("tower layer 0 weight 3"));
        assert!(broken(|m| m.output_embeddings.cols = 0).contains("width 0"));
    }

    #[test]
    fn one_pick_s_score_is_one_score_and_closest_similarity_is_cosine() {
        let scorer = Scorer::new(&tiny_model());
        let mut with_neighbours = tiny_model();
        #[rustfmt::skip]
        let residual = [0.0, 0.3, 0.0, 0.0, 0.0, 0.2, 0.4, 0.0, 0.0];
        with_neighbours.neighbours = Some(crate::neighbours::tests::strongest(&residual, 3, 1));
        with_neighbours.validate(3).unwrap();
        let with_neighbours = Scorer::new(&with_neighbours);
        for pick in 0..3 {
            let (plain, lifted) = (
                scorer.score_picks(&[pick]),
                with_neighbours.score_picks(&[pick]),
            );
            let user = scorer.user_vector(&[pick]);
            for item in 0..3 {
                assert_eq!(scorer.score_for_one_pick(&user, pick, item), plain[item]);
                assert_eq!(
                    with_neighbours.score_for_one_pick(&user, pick, item),
                    lifted[item]
                );
            }
        }
        // Pick 0's neighbour is movie 1, lifted by 0.3 (to int8 precision).
        let lift = with_neighbours.score_picks(&[0])[1] - scorer.score_picks(&[0])[1];
        assert!((lift - 0.3).abs() < 0.003, "{lift}");
        let closest = |to: &[usize]| -> Vec<f32> {
            let to = scorer.closest_of(to);
            (0..3).map(|i| scorer.closest_similarity(&to, i)).collect()
        };
        let to_two = closest(&[0, 1]);
        assert!((to_two[0] - 1.0).abs() < 1e-3 && (to_two[1] - 1.0).abs() < 1e-3);
        assert!((to_two[2] - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-3);
        assert_eq!(closest(&[]), [0.0; 3]);
        // Stopping at the first movie similar enough decides "at least that similar" the same.
        let to = scorer.closest_of(&[1, 0]);
        for item in 0..3 {
            let full = scorer.closest_similarity(&to, item);
            for enough in [-1.0, 0.0, 0.5, 0.7, 0.71, 0.9, 1.0, 2.0] {
                let until = scorer.closest_similarity_until(&to, item, enough);
                if full >= enough {
                    assert!(until >= enough, "item {item}, {enough}: {until}");
                } else {
                    assert_eq!(until, full, "item {item}, {enough}");
                }
            }
        }
    }
}
