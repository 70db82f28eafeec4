//! Evaluation metrics: rating-prediction errors (RMSE, MAE, R²), top-k ranking metrics over a
//! ranked list of item ids and a set of relevant items, a partial-sort `top_k`, and an
//! [`Accumulator`] that averages per-user values.
//!
//! Conventions: the ranked list is best first and has distinct items; `k` larger than the list
//! means the whole list. With no relevant items, recall-type metrics are 0 (skip such users).

use std::collections::{BTreeMap, HashSet};

fn check_lengths(pred: &[f32], truth: &[f32]) {
    assert_eq!(
        pred.len(),
        truth.len(),
        "predictions and truth have different lengths"
    );
}

/// Root mean squared error; NaN for empty input.
pub fn rmse(pred: &[f32], truth: &[f32]) -> f64 {
    check_lengths(pred, truth);
    if pred.is_empty() {
        return f64::NAN;
    }
    let sse: f64 = pred
        .iter()
        .zip(truth)
        .map(|(&p, &t)| (f64::from(p) - f64::from(t)).powi(2))
        .sum();
    (sse / pred.len() as f64).sqrt()
}

/// Mean absolute error; NaN for empty input.
pub fn mae(pred: &[f32], truth: &[f32]) -> f64 {
    check_lengths(pred, truth);
    if pred.is_empty() {
        return f64::NAN;
    }
    let sae: f64 = pred
        .iter()
        .zip(truth)
        .map(|(&p, &t)| (f64::from(p) - f64::from(t)).abs())
        .sum();
    sae / pred.len() as f64
}

/// Coefficient of determination `1 - SS_res / SS_tot`; NaN when the truth is constant or empty.
pub fn r2(pred: &[f32], truth: &[f32]) -> f64 {
    check_lengths(pred, truth);
    if pred.is_empty() {
        return f64::NAN;
    }
    let mean = truth.iter().map(|&t| f64::from(t)).sum::<f64>() / truth.len() as f64;
    let ss_tot: f64 = truth.iter().map(|&t| (f64::from(t) - mean).powi(2)).sum();
    let ss_res: f64 = pred
        .iter()
        .zip(truth)
        .map(|(&p, &t)| (f64::from(p) - f64::from(t)).powi(2))
        .sum();
    if ss_tot == 0.0 {
        return f64::NAN;
    }
    1.0 - ss_res / ss_tot
}

fn hits_at_k(ranked: &[u32], relevant: &HashSet<u32>, k: usize) -> usize {
    ranked
        .iter()
        .take(k)
        .filter(|i| relevant.contains(i))
        .count()
}

/// Relevant items in the top `k`, divided by `k`.
pub fn precision_at_k(ranked: &[u32], relevant: &HashSet<u32>, k: usize) -> f64 {
    if k == 0 {
        return 0.0;
    }
    hits_at_k(ranked, relevant, k) as f64 / k as f64
}

/// Relevant items in the top `k`, divided by the number of relevant items.
pub fn recall_at_k(ranked: &[u32], relevant: &HashSet<u32>, k: usize) -> f64 {
    if relevant.is_empty() {
        return 0.0;
    }
    hits_at_k(ranked, relevant, k) as f64 / relevant.len() as f64
}

/// Recall as in Liang et al. 2018 (Mult-VAE): hits in the top `k` / `min(k, |relevant|)`, so a
/// perfect ranking scores 1 also when there are more than `k` relevant items.
pub fn recall_at_k_liang(ranked: &[u32], relevant: &HashSet<u32>, k: usize) -> f64 {
    let denom = k.min(relevant.len());
    if denom == 0 {
        return 0.0;
    }
    hits_at_k(ranked, relevant, k) as f64 / denom as f64
}

/// Normalized DCG with binary relevance: `DCG = sum over relevant ranks r (0-based, r < k) of
/// 1 / log2(r + 2)`, divided by the ideal DCG of `min(k, |relevant|)` hits.
pub fn ndcg_at_k(ranked: &[u32], relevant: &HashSet<u32>, k: usize) -> f64 {
    let n_ideal = k.min(relevant.len());
    if n_ideal == 0 {
        return 0.0;
    }
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, i)| relevant.contains(i))
        .map(|(r, _)| 1.0 / ((r + 2) as f64).log2())
        .sum();
    let idcg: f64 = (0..n_ideal).map(|r| 1.0 / ((r + 2) as f64).log2()).sum();
    dcg / idcg
}

/// 1 when at least one relevant item is in the top `k`, else 0.
pub fn hit_rate_at_k(ranked: &[u32], relevant: &HashSet<u32>, k: usize) -> f64 {
    if ranked.iter().take(k).any(|i| relevant.contains(i)) {
        1.0
    } else {
        0.0
    }
}

/// Reciprocal rank (1-based) of the first relevant item in the list; 0 if there is none.
pub fn mrr(ranked: &[u32], relevant: &HashSet<u32>) -> f64 {
    ranked
        .iter()
        .position(|i| relevant.contains(i))
        .map_or(0.0, |p| 1.0 / (p + 1) as f64)
}

/// Indices of the `k` highest scores, best first, leaving out `exclude` (e.g. the items a user
/// already rated), ranked as the page ranks ([`shared::rank::top_k`]: ties to the lower index,
/// NaN last).
pub fn top_k(scores: &[f32], k: usize, exclude: &[u32]) -> Vec<u32> {
    let mut excluded = vec![false; scores.len()];
    for &e in exclude {
        if let Some(x) = excluded.get_mut(e as usize) {
            *x = true;
        }
    }
    let candidates = (0..scores.len()).filter(|&i| !excluded[i]).collect();
    shared::rank::top_k(scores, candidates, k)
        .into_iter()
        .map(|i| i as u32)
        .collect()
}

/// Mean and sample standard deviation (n − 1 in the variance).
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

/// Mean and standard error of the mean; (0, 0) for no values.
pub fn mean_se(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let values: Vec<f64> = values.into_iter().collect();
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let (mean, sd) = mean_sd(&values);
    (mean, sd / (values.len() as f64).sqrt())
}

/// Averages named metrics over users (or any unit). Also gives the standard error of the mean,
/// as reported by Liang et al. 2018. Names keep first-insertion order in [`Accumulator::means`].
#[derive(Debug, Clone, Default)]
pub struct Accumulator {
    order: Vec<String>,
    stats: BTreeMap<String, (f64, f64, usize)>, // (sum, sum of squares, count)
}

impl Accumulator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one value of metric `name`.
    pub fn add(&mut self, name: &str, value: f64) {
        let entry = match self.stats.get_mut(name) {
            Some(e) => e,
            None => {
                self.order.push(name.to_string());
                self.stats.entry(name.to_string()).or_default()
            }
        };
        entry.0 += value;
        entry.1 += value * value;
        entry.2 += 1;
    }

    /// Adds the standard ranking metrics at cut-off `k` of one user: `"precision@k"`,
    /// `"recall@k"`, `"recall_liang@k"`, `"ndcg@k"`, `"hit_rate@k"` and `"mrr"`.
    pub fn add_ranking(&mut self, ranked: &[u32], relevant: &HashSet<u32>, k: usize) {
        self.add(
            &format!("precision@{k}"),
            precision_at_k(ranked, relevant, k),
        );
        self.add(&format!("recall@{k}"), recall_at_k(ranked, relevant, k));
        self.add(
            &format!("recall_liang@{k}"),
            recall_at_k_liang(ranked, relevant, k),
        );
        self.add(&format!("ndcg@{k}"), ndcg_at_k(ranked, relevant, k));
        self.add(&format!("hit_rate@{k}"), hit_rate_at_k(ranked, relevant, k));
        self.add("mrr", mrr(ranked, relevant));
    }

    /// Merges another accumulator (e.g. from a parallel worker).
    pub fn merge(&mut self, other: &Accumulator) {
        for name in &other.order {
            let (s, sq, c) = other.stats[name];
            if !self.stats.contains_key(name) {
                self.order.push(name.clone());
            }
            let e = self.stats.entry(name.clone()).or_default();
            e.0 += s;
            e.1 += sq;
            e.2 += c;
        }
    }

    /// Number of values added for `name`.
    pub fn count(&self, name: &str) -> usize {
        self.stats.get(name).map_or(0, |e| e.2)
    }

    /// Mean of `name`; None when nothing was added.
    pub fn mean(&self, name: &str) -> Option<f64> {
        self.stats
            .get(name)
            .filter(|e| e.2 > 0)
            .map(|e| e.0 / e.2 as f64)
    }

    /// Standard error of the mean, `sqrt(sample variance / n)`; None with fewer than 2 values.
    pub fn std_err(&self, name: &str) -> Option<f64> {
        let &(s, sq, n) = self.stats.get(name)?;
        if n < 2 {
            return None;
        }
        let n_f = n as f64;
        let var = ((sq - s * s / n_f) / (n_f - 1.0)).max(0.0);
        Some((var / n_f).sqrt())
    }

    /// `(name, mean)` in first-insertion order.
    pub fn means(&self) -> Vec<(String, f64)> {
        self.order
            .iter()
            .filter_map(|n| self.mean(n).map(|m| (n.clone(), m)))
            .collect()
    }
}

/// The genres carried by the most picks (all of them on a tie), as bits; 0 when no pick has one.
/// `genres` holds each item's genre bits.
pub fn dominant_genres(picks: &[u32], genres: &[u32]) -> u32 {
    let mut counts = [0usize; 32];
    for &p in picks {
        for (bit, count) in counts.iter_mut().enumerate() {
            *count += (genres[p as usize] >> bit) as usize & 1;
        }
    }
    let most = counts.iter().copied().max().unwrap_or(0);
    if most == 0 {
        return 0;
    }
    (0..32)
        .filter(|&bit| counts[bit] == most)
        .fold(0, |mask, bit| mask | 1 << bit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dominant_genres_are_those_most_picks_share() {
        // Movie genres: 0 = {a}, 1 = {a, b}, 2 = {b, c}, 3 = {} (no genre listed).
        let genres = [0b001, 0b011, 0b110, 0];
        assert_eq!(dominant_genres(&[0, 1], &genres), 0b001);
        assert_eq!(dominant_genres(&[1, 2], &genres), 0b010);
        assert_eq!(
            dominant_genres(&[0, 2], &genres),
            0b111,
            "a tie keeps every genre"
        );
        assert_eq!(dominant_genres(&[3], &genres), 0);
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn set(items: &[u32]) -> HashSet<u32> {
        items.iter().copied().collect()
    }

    #[test]
    fn rating_errors() {
        let pred = [3.0, 4.0, 2.0, 5.0];
        let truth = [4.0, 4.0, 1.0, 3.0];
        // errors: -1, 0, 1, 2 -> squares 1+0+1+4 = 6, /4 = 1.5, sqrt = 1.224744871391589
        assert!(close(rmse(&pred, &truth), 1.5f64.sqrt()));
        // |errors| 1+0+1+2 = 4, /4 = 1
        assert!(close(mae(&pred, &truth), 1.0));
        // mean truth = 12/4 = 3; SS_tot = 1+1+4+0 = 6; SS_res = 6 -> R² = 1 - 6/6 = 0
        assert!(close(r2(&pred, &truth), 0.0));
        // perfect: R² = 1; constant truth: NaN
        assert!(close(r2(&truth, &truth), 1.0));
        assert!(r2(&[1.0, 2.0], &[3.0, 3.0]).is_nan());
        // pred = mean(3) everywhere: SS_res = SS_tot -> 0; pred [4,4,1,3] exactly -> 1;
        // pred [4,4,2,3]: SS_res = 1 -> 1 - 1/6 = 0.8333333333333334
        assert!(close(r2(&[4.0, 4.0, 2.0, 3.0], &truth), 1.0 - 1.0 / 6.0));
        assert!(rmse(&[], &[]).is_nan());
    }

    #[test]
    fn ranking_metrics_by_hand() {
        // Ranked 10, 20, 30, 40, 50; relevant {20, 50, 99}.
        let ranked = [10, 20, 30, 40, 50];
        let rel = set(&[20, 50, 99]);
        // top 3 = 10,20,30: 1 hit. precision 1/3, recall 1/3, liang 1/min(3,3) = 1/3.
        assert!(close(precision_at_k(&ranked, &rel, 3), 1.0 / 3.0));
        assert!(close(recall_at_k(&ranked, &rel, 3), 1.0 / 3.0));
        assert!(close(recall_at_k_liang(&ranked, &rel, 3), 1.0 / 3.0));
        // top 5: 2 hits. precision 2/5, recall 2/3, liang 2/min(5,3) = 2/3.
        assert!(close(precision_at_k(&ranked, &rel, 5), 0.4));
        assert!(close(recall_at_k(&ranked, &rel, 5), 2.0 / 3.0));
        // k=2, liang: 1 hit / min(2,3)=2 = 0.5; standard recall: 1/3.
        assert!(close(recall_at_k_liang(&ranked, &rel, 2), 0.5));
        assert!(close(recall_at_k(&ranked, &rel, 2), 1.0 / 3.0));
        // NDCG@5: DCG = 1/log2(3) (rank 1) + 1/log2(6) (rank 4)
        //   = 0.6309297535714575 + 0.38685280723454163 = 1.0177825608059991
        // IDCG over min(5,3)=3: 1 + 0.6309297535714575 + 0.5 = 2.1309297535714578
        // NDCG = 1.0177825608059992 / 2.1309297535714578 = 0.4776237035032179
        let dcg = 1.0 / 3f64.log2() + 1.0 / 6f64.log2();
        let idcg = 1.0 + 1.0 / 3f64.log2() + 0.5;
        assert!(close(ndcg_at_k(&ranked, &rel, 5), dcg / idcg));
        assert!((ndcg_at_k(&ranked, &rel, 5) - 0.4776237035032179).abs() < 1e-12);
        // NDCG@1: rank 0 is 10, not relevant -> 0; NDCG@2: (1/log2 3) / (1 + 1/log2 3) = 0.38685...
        assert!(close(ndcg_at_k(&ranked, &rel, 1), 0.0));
        assert!(close(
            ndcg_at_k(&ranked, &rel, 2),
            (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2())
        ));
        // Perfect ranking -> 1.
        assert!(close(ndcg_at_k(&[20, 50, 99, 1], &rel, 10), 1.0));
        // hit rate: top1 none -> 0, top2 has 20 -> 1. MRR: first hit at rank 2 -> 1/2.
        assert!(close(hit_rate_at_k(&ranked, &rel, 1), 0.0));
        assert!(close(hit_rate_at_k(&ranked, &rel, 2), 1.0));
        assert!(close(mrr(&ranked, &rel), 0.5));
        assert!(close(mrr(&[1, 2], &rel), 0.0));
        // Empty relevant set -> 0.
        let none = HashSet::new();
        assert_eq!(recall_at_k(&ranked, &none, 3), 0.0);
        assert_eq!(ndcg_at_k(&ranked, &none, 3), 0.0);
        assert_eq!(recall_at_k_liang(&ranked, &none, 3), 0.0);
    }

    #[test]
    fn top_k_partial_sort() {
        let scores = [0.1, 0.9, 0.5, f32::NAN, 0.9, 0.7, -1.0];
        assert_eq!(top_k(&scores, 3, &[]), vec![1, 4, 5]); // tie 0.9: lower index first
        assert_eq!(top_k(&scores, 3, &[1, 5]), vec![4, 2, 0]);
        assert_eq!(top_k(&scores, 100, &[]), vec![1, 4, 5, 2, 0, 6, 3]); // NaN last
        assert_eq!(top_k(&scores, 0, &[]), Vec::<u32>::new());
        assert_eq!(
            top_k(&scores, 2, &[0, 1, 2, 3, 4, 5, 6, 99]),
            Vec::<u32>::new()
        );
        // Agrees with a full sort on a larger input.
        let big: Vec<f32> = (0..1000).map(|i| ((i * 7919) % 1000) as f32).collect();
        let mut full: Vec<u32> = (0..1000).collect();
        full.sort_by(|&a, &b| big[b as usize].total_cmp(&big[a as usize]).then(a.cmp(&b)));
        assert_eq!(top_k(&big, 10, &[]), full[..10].to_vec());
    }

    #[test]
    fn mean_with_standard_deviation_and_error() {
        assert_eq!(mean_sd(&[1.0, 2.0, 3.0]), (2.0, 1.0));
        let (mean, se) = mean_se([1.0, 2.0, 3.0]);
        assert!(close(mean, 2.0) && close(se, 1.0 / 3f64.sqrt()));
        assert_eq!(mean_se([]), (0.0, 0.0));
    }

    #[test]
    fn accumulator_means_and_std_err() {
        let mut acc = Accumulator::new();
        for v in [1.0, 2.0, 3.0, 4.0] {
            acc.add("x", v);
        }
        acc.add("y", 5.0);
        // mean x = 10/4 = 2.5; sample var = ((1.5²+0.5²)*2)/3 = 5/3; se = sqrt(5/3/4) = 0.6454972243679028
        assert!(close(acc.mean("x").unwrap(), 2.5));
        assert!(close(acc.std_err("x").unwrap(), (5.0f64 / 12.0).sqrt()));
        assert_eq!(acc.std_err("y"), None);
        assert_eq!(acc.mean("z"), None);
        assert_eq!(acc.count("x"), 4);
        assert_eq!(
            acc.means(),
            vec![("x".to_string(), 2.5), ("y".to_string(), 5.0)]
        );
        let mut other = Accumulator::new();
        other.add("y", 1.0);
        other.add("w", 7.0);
        acc.merge(&other);
        // y: (5+1)/2 = 3
        assert!(close(acc.mean("y").unwrap(), 3.0));
        assert_eq!(acc.means().last().unwrap().0, "w");
        // add_ranking: user with ranked [10,20], relevant {20}, k=1: all 0 except mrr 1/2.
        let mut r = Accumulator::new();
        r.add_ranking(&[10, 20], &set(&[20]), 1);
        assert_eq!(r.mean("hit_rate@1"), Some(0.0));
        assert_eq!(r.mean("mrr"), Some(0.5));
        assert_eq!(r.means().len(), 6);
    }
}
