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
        let key = |i: usize| {
            let score = scores[i];
            if score.is_nan() {
                f32::NEG_INFINITY
            } else {
                score
            }
        };
        let mut keys: Vec<f32> = candidates.iter().map(|&i| key(i)).collect();
        let (_, &mut threshold, _) = keys.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
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
}
