//! Top-k ranking with one rule for everyone (the page, the CLI and the trainer's metrics):
//! descending by score, NaN last, equal scores by ascending index.

use std::cmp::Ordering;

/// The ranking order of two indices into `scores`.
pub fn by_score_desc(scores: &[f32]) -> impl Fn(&usize, &usize) -> Ordering + '_ {
    move |&a, &b| {
        let (sa, sb) = (scores[a], scores[b]);
        match (sa.is_nan(), sb.is_nan()) {
            (false, false) => sb.total_cmp(&sa).then(a.cmp(&b)),
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (true, true) => a.cmp(&b),
        }
    }
}

/// How many of a pass's first values [`kth_best_of_first`] reads for each one sought.
const SAMPLE_PER_SOUGHT: usize = 8;

/// The `k`-th largest (by `total_cmp`) of the first `8 k` values (at least 1,024), or −∞ when
/// there are not more than `k` of them: at most the `k`-th largest of them all, so a pass may
/// drop every value below it unsorted. Over 60,000 movies (a catalogue with its tail) the
/// selection that follows then sorts a few hundred values, not the whole catalogue.
pub(crate) fn kth_best_of_first(values: impl Iterator<Item = f32>, k: usize) -> f32 {
    let first: Vec<f32> = values.take((k * SAMPLE_PER_SOUGHT).max(1024)).collect();
    if first.len() <= k {
        return f32::NEG_INFINITY;
    }
    kth_best(first, k)
}

/// The `k`-th largest (by `total_cmp`) of `values`, or −∞ when there are fewer than `k` (or
/// `k` is 0).
pub(crate) fn kth_best(mut values: Vec<f32>, k: usize) -> f32 {
    if k == 0 || values.len() < k {
        return f32::NEG_INFINITY;
    }
    *values
        .select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a))
        .1
}

/// A score as the ranking orders it among plain floats: a NaN below every number.
pub(crate) fn rank_key(score: f32) -> f32 {
    if score.is_nan() {
        f32::NEG_INFINITY
    } else {
        score
    }
}

/// The `k` best of `candidates` (indices into `scores`), best first. Partial sort:
/// O(n + k log k).
pub fn top_k(scores: &[f32], mut candidates: Vec<usize>, k: usize) -> Vec<usize> {
    let k = k.min(candidates.len());
    if k == 0 {
        return Vec::new();
    }
    let cmp = by_score_desc(scores);
    if k < candidates.len() {
        // The k-th best score over plain floats first (contiguous, no ties to break), then the
        // exact order among the candidates at or above it: the same result for a fraction of
        // the indirect comparisons (a catalogue of thousands, a k of a hundred).
        let key = |i: usize| rank_key(scores[i]);
        let floor = kth_best_of_first(candidates.iter().map(|&i| key(i)), k);
        candidates.retain(|&i| key(i).total_cmp(&floor).is_ge());
        // At least k are left: the floor is at most the k-th best.
        let threshold = kth_best(candidates.iter().map(|&i| key(i)).collect(), k);
        candidates.retain(|&i| key(i).total_cmp(&threshold).is_ge());
        if k < candidates.len() {
            candidates.select_nth_unstable_by(k - 1, &cmp);
            candidates.truncate(k);
        }
    }
    candidates.sort_unstable_by(&cmp);
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_first_nan_last_ties_by_index() {
        let scores = [0.5, 0.9, f32::NAN, 0.9, f32::NEG_INFINITY];
        assert_eq!(top_k(&scores, (0..5).collect(), 5), [1, 3, 0, 4, 2]);
        assert_eq!(top_k(&scores, (0..5).collect(), 2), [1, 3]);
        assert_eq!(top_k(&scores, vec![2, 4, 0], 2), [0, 4]);
        assert!(top_k(&scores, vec![1], 0).is_empty());
    }

    #[test]
    fn the_threshold_keeps_every_tie_and_nan_in_their_place() {
        // Many ties, NaNs and infinities: the top k is the full sort's first k, for every k.
        let scores: Vec<f32> = (0..200)
            .map(|i| match i % 7 {
                0 => f32::NAN,
                1 => f32::NEG_INFINITY,
                _ => ((i * 37) % 11) as f32,
            })
            .collect();
        let candidates: Vec<usize> = (0..200).filter(|i| i % 3 != 0).collect();
        let mut sorted = candidates.clone();
        sorted.sort_by(by_score_desc(&scores));
        for k in 0..=candidates.len() {
            assert_eq!(
                top_k(&scores, candidates.clone(), k),
                sorted[..k],
                "k = {k}"
            );
        }
    }

    #[test]
    fn a_catalogue_past_the_sample_ranks_as_the_full_sort() {
        // 5,000 candidates, the first 1,024 (the sample up to k = 128; larger k read more) the
        // worst, then ties, NaNs and the best last: the floor drops nothing of the top k.
        let scores: Vec<f32> = (0..5_000)
            .map(|i| match i {
                _ if i < 1_024 => -(i as f32),
                _ if i % 13 == 0 => f32::NAN,
                _ => ((i * 7) % 300) as f32,
            })
            .collect();
        let candidates: Vec<usize> = (0..5_000).filter(|i| i % 5 != 1).collect();
        let mut sorted = candidates.clone();
        sorted.sort_by(by_score_desc(&scores));
        for k in [1, 20, 100, 129, 1_000, 3_000, 3_999, 4_000] {
            assert_eq!(
                top_k(&scores, candidates.clone(), k),
                sorted[..k],
                "k = {k}"
            );
        }
        assert_eq!(kth_best_of_first([3.0, 1.0, 2.0].into_iter(), 2), 2.0);
        assert_eq!(
            kth_best_of_first([3.0, 1.0].into_iter(), 2),
            f32::NEG_INFINITY
        );
    }
}
