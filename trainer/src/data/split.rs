//! Evaluation splits: random hold-out, leave-latest-out with sampled negatives (HR@10 / NDCG@10
//! protocol of He et al. 2017), and strong generalization (Liang et al. 2018, Mult-VAE).
//!
//! All randomness comes from `StdRng::seed_from_u64(seed)`: the same seed and input give the same
//! split (with the locked `rand` version).

use std::collections::HashSet;
use std::path::Path;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::{DataError, Dataset, Rating, lines, shown};

/// Ratings split into train and test.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Split {
    pub train: Vec<Rating>,
    pub test: Vec<Rating>,
}

/// The rating models' split (`--split`): how ratings are divided into training and test.
#[derive(Clone, Debug, PartialEq)]
pub enum RatingSplit {
    /// ml-100k's u1..u5, ua, ub.
    Predefined(String),
    /// Random test fraction, seeded.
    Random(f64),
    /// Each user's latest rating is the test (NCF protocol, with 99 sampled negatives).
    LeaveLatestOut,
}

impl std::str::FromStr for RatingSplit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "latest" => Ok(Self::LeaveLatestOut),
            "random" => Ok(Self::Random(0.1)),
            _ if s.starts_with("random:") => s[7..]
                .parse::<f64>()
                .ok()
                .filter(|f| *f > 0.0 && *f < 1.0)
                .map(Self::Random)
                .ok_or_else(|| {
                    format!(
                        "bad test fraction in {s:?}: a number above 0 and below 1, e.g. random:0.1"
                    )
                }),
            "u1" | "u2" | "u3" | "u4" | "u5" | "ua" | "ub" => Ok(Self::Predefined(s.into())),
            _ => Err(format!(
                "unknown split {s:?}: use u1..u5, ua, ub (ml-100k), random[:FRACTION] or latest"
            )),
        }
    }
}

impl RatingSplit {
    /// The split as `--split` names it: `u1`, `random:0.2`, `latest`.
    pub fn name(&self) -> String {
        match self {
            RatingSplit::Predefined(name) => name.clone(),
            RatingSplit::Random(fraction) => format!("random:{fraction}"),
            RatingSplit::LeaveLatestOut => "latest".into(),
        }
    }

    /// The split's training and test ratings; an error when either is empty.
    pub fn apply(&self, dataset: &Dataset, seed: u64) -> anyhow::Result<Split> {
        let split = match self {
            RatingSplit::Predefined(name) => dataset.predefined_split(name)?,
            RatingSplit::Random(fraction) => random_split(&dataset.ratings, *fraction, seed),
            RatingSplit::LeaveLatestOut => leave_latest_out(&dataset.ratings),
        };
        if split.train.is_empty() || split.test.is_empty() {
            anyhow::bail!(
                "the {} split of {} leaves no training or no test ratings",
                self.name(),
                dataset.name
            );
        }
        Ok(split)
    }
}

/// Puts `round(len * test_fraction)` ratings, chosen at random, into test; both parts keep the
/// input order.
pub fn random_split(ratings: &[Rating], test_fraction: f64, seed: u64) -> Split {
    assert!(
        (0.0..=1.0).contains(&test_fraction),
        "test_fraction {test_fraction} must be in 0..=1"
    );
    let n = ratings.len();
    let n_test = ((n as f64) * test_fraction).round() as usize;
    let mut rng = StdRng::seed_from_u64(seed);
    // Partial Fisher-Yates: the first n_test positions become a uniform random subset.
    let mut idx: Vec<u32> = (0..n as u32).collect();
    let (chosen, _) = idx.partial_shuffle(&mut rng, n_test);
    let mut is_test = vec![false; n];
    for &i in chosen.iter() {
        is_test[i as usize] = true;
    }
    let mut split = Split {
        train: Vec::with_capacity(n - n_test),
        test: Vec::with_capacity(n_test),
    };
    for (r, t) in ratings.iter().zip(is_test) {
        if t {
            split.test.push(*r);
        } else {
            split.train.push(*r);
        }
    }
    split
}

fn n_users(ratings: &[Rating]) -> usize {
    ratings
        .iter()
        .map(|r| r.user as usize + 1)
        .max()
        .unwrap_or(0)
}

/// Per user, the single latest rating (largest timestamp; on ties the largest item index) goes to
/// test, the rest to train. Users with fewer than 2 ratings stay entirely in train. Test is
/// ordered by user.
pub fn leave_latest_out(ratings: &[Rating]) -> Split {
    let n = n_users(ratings);
    let mut count = vec![0u32; n];
    let mut latest = vec![usize::MAX; n];
    for (i, r) in ratings.iter().enumerate() {
        let u = r.user as usize;
        count[u] += 1;
        let best = latest[u];
        if best == usize::MAX
            || (r.timestamp, r.item) > (ratings[best].timestamp, ratings[best].item)
        {
            latest[u] = i;
        }
    }
    let mut is_test = vec![false; ratings.len()];
    for u in 0..n {
        if count[u] >= 2 {
            is_test[latest[u]] = true;
        }
    }
    let mut split = Split::default();
    for (r, t) in ratings.iter().zip(&is_test) {
        if !*t {
            split.train.push(*r);
        }
    }
    split.test = (0..n)
        .filter(|&u| count[u] >= 2)
        .map(|u| ratings[latest[u]])
        .collect();
    split
}

/// Sorted distinct items per user (CSR layout).
struct UserItems {
    offsets: Vec<usize>,
    items: Vec<u32>,
}

impl UserItems {
    fn new<'a>(ratings: impl Iterator<Item = &'a Rating> + Clone, n_users: usize) -> UserItems {
        let mut offsets = vec![0usize; n_users + 1];
        for r in ratings.clone() {
            offsets[r.user as usize + 1] += 1;
        }
        for u in 0..n_users {
            offsets[u + 1] += offsets[u];
        }
        let mut fill = offsets.clone();
        let mut items = vec![0u32; offsets[n_users]];
        for r in ratings {
            let slot = &mut fill[r.user as usize];
            items[*slot] = r.item;
            *slot += 1;
        }
        // Sort and dedup each user's run in place, compacting.
        let mut new_offsets = vec![0usize; n_users + 1];
        let mut write = 0;
        for u in 0..n_users {
            let (start, end) = (offsets[u], offsets[u + 1]);
            items[start..end].sort_unstable();
            let mut last = None;
            for k in start..end {
                let it = items[k];
                if last != Some(it) {
                    items[write] = it;
                    write += 1;
                    last = Some(it);
                }
            }
            new_offsets[u + 1] = write;
        }
        items.truncate(write);
        UserItems {
            offsets: new_offsets,
            items,
        }
    }

    fn of(&self, user: u32) -> &[u32] {
        let u = user as usize;
        if u + 1 >= self.offsets.len() {
            return &[];
        }
        &self.items[self.offsets[u]..self.offsets[u + 1]]
    }
}

/// For each rating of `test`, up to `n_negatives` distinct items in `0..n_items` that the user
/// never rated in `all_ratings` (pass train and test together), drawn uniformly at random.
/// The result is aligned with `test`; a user who rated almost everything gets fewer negatives.
/// The standard protocol is 99 negatives per held-out rating.
pub fn sample_negatives(
    all_ratings: &[Rating],
    test: &[Rating],
    n_items: usize,
    n_negatives: usize,
    seed: u64,
) -> Vec<Vec<u32>> {
    let n = n_users(all_ratings).max(n_users(test));
    let rated = UserItems::new(all_ratings.iter().chain(test), n);
    let mut rng = StdRng::seed_from_u64(seed);
    test.iter()
        .map(|r| {
            let seen = rated.of(r.user);
            let available = n_items.saturating_sub(seen.len());
            let want = n_negatives.min(available);
            if want * 2 > available {
                // Dense case: enumerate the unrated items and pick a random subset.
                let mut pool: Vec<u32> = (0..n_items as u32)
                    .filter(|i| seen.binary_search(i).is_err())
                    .collect();
                let (chosen, _) = pool.partial_shuffle(&mut rng, want);
                return chosen.to_vec();
            }
            let mut out = Vec::with_capacity(want);
            while out.len() < want {
                let cand = rng.random_range(0..n_items as u32);
                if seen.binary_search(&cand).is_err() && !out.contains(&cand) {
                    out.push(cand);
                }
            }
            out
        })
        .collect()
}

/// Ratings at most this (of 5) are dislikes: what a visitor would mark "Not for me".
pub const DISLIKE_THRESHOLD: f32 = 2.0;

/// A held-out user of the strong-generalization protocol: the model sees `fold_in` and is
/// scored on `target`. All three are sorted item indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldOutUser {
    pub user: u32,
    pub fold_in: Vec<u32>,
    pub target: Vec<u32>,
    /// The user's dislikes (rated at most [`DISLIKE_THRESHOLD`]), never targets: for measuring
    /// "Not for me" as negative evidence.
    pub disliked: Vec<u32>,
}

impl HeldOutUser {
    /// This user with each item list put through `map` (into another item numbering, leaving
    /// out items it lacks); `None` when nothing is left to fold in or to predict.
    pub fn remapped(&self, map: impl Fn(&[u32]) -> Vec<u32>) -> Option<HeldOutUser> {
        let user = HeldOutUser {
            user: self.user,
            fold_in: map(&self.fold_in),
            target: map(&self.target),
            disliked: map(&self.disliked),
        };
        (!user.fold_in.is_empty() && !user.target.is_empty()).then_some(user)
    }
}

/// Strong generalization split: disjoint train / validation / test users.
#[derive(Debug, Clone, PartialEq)]
pub struct StrongSplit {
    /// Sorted dense user indices.
    pub train_users: Vec<u32>,
    /// Sorted by user.
    pub validation: Vec<HeldOutUser>,
    /// Sorted by user.
    pub test: Vec<HeldOutUser>,
    /// The positive ratings (rating >= threshold) of the train users only, in input order.
    pub train: Vec<Rating>,
    /// Users with 5 or more positives: the ones that can be held out.
    pub eligible_users: usize,
    /// Users drawn for validation, and as many for test, before those left with nothing to
    /// fold in or predict were dropped: `n_heldout_users`, or a third of the eligible users.
    pub drawn_per_set: usize,
}

/// Strong generalization (Liang et al. 2018): only positives (`rating >= positive_threshold`)
/// count; users with fewer than 5 positives are dropped; the rest are shuffled (seeded) and
/// `n_heldout_users` go to validation, `n_heldout_users` to test, the others to train. Items that
/// no train user has as a positive are removed from the held-out users, whose positives are then
/// split at random into fold-in (80%) and target (`floor(20%)`); held-out users left with an
/// empty fold-in or target are dropped.
///
/// When there are too few users, `n_heldout_users` is reduced to a third of the eligible users so
/// that train keeps at least a third.
pub fn strong_generalization(
    ratings: &[Rating],
    n_heldout_users: usize,
    positive_threshold: f32,
    seed: u64,
) -> StrongSplit {
    let n = n_users(ratings);
    let positives = UserItems::new(ratings.iter().filter(|r| r.rating >= positive_threshold), n);
    let negatives = UserItems::new(ratings.iter().filter(|r| r.rating <= DISLIKE_THRESHOLD), n);
    let mut users: Vec<u32> = (0..n as u32)
        .filter(|&u| positives.of(u).len() >= 5)
        .collect();
    let mut rng = StdRng::seed_from_u64(seed);
    users.shuffle(&mut rng);
    let n_held = n_heldout_users.min(users.len() / 3);
    let mut validation_users = users[..n_held].to_vec();
    let mut test_users = users[n_held..2 * n_held].to_vec();
    let mut train_users = users[2 * n_held..].to_vec();
    validation_users.sort_unstable();
    test_users.sort_unstable();
    train_users.sort_unstable();

    let mut is_train_user = vec![false; n];
    for &u in &train_users {
        is_train_user[u as usize] = true;
    }
    let train: Vec<Rating> = ratings
        .iter()
        .filter(|r| r.rating >= positive_threshold && is_train_user[r.user as usize])
        .copied()
        .collect();
    let n_items = ratings
        .iter()
        .map(|r| r.item as usize + 1)
        .max()
        .unwrap_or(0);
    let mut train_item = vec![false; n_items];
    for r in &train {
        train_item[r.item as usize] = true;
    }

    let mut hold_out = |users: &[u32]| -> Vec<HeldOutUser> {
        users
            .iter()
            .filter_map(|&u| {
                let items: Vec<u32> = positives
                    .of(u)
                    .iter()
                    .copied()
                    .filter(|&i| train_item[i as usize])
                    .collect();
                let mut user = split_fold_in(u, &items, &mut rng)?;
                user.disliked = negatives
                    .of(u)
                    .iter()
                    .copied()
                    .filter(|&i| train_item[i as usize])
                    .collect();
                Some(user)
            })
            .collect()
    };
    let validation = hold_out(&validation_users);
    let test = hold_out(&test_users);
    StrongSplit {
        train_users,
        validation,
        test,
        train,
        eligible_users: users.len(),
        drawn_per_set: n_held,
    }
}

/// Splits sorted `items` of `user` at random into fold-in (80%) and target (`floor(20%)`); None
/// when either part would be empty.
fn split_fold_in(user: u32, items: &[u32], rng: &mut StdRng) -> Option<HeldOutUser> {
    let n_target = items.len() / 5;
    let mut idx: Vec<usize> = (0..items.len()).collect();
    let (chosen, _) = idx.partial_shuffle(rng, n_target);
    let mut is_target = vec![false; items.len()];
    for &k in chosen.iter() {
        is_target[k] = true;
    }
    let (mut target, mut fold_in) = (Vec::new(), Vec::new());
    for (k, &i) in items.iter().enumerate() {
        if is_target[k] {
            target.push(i);
        } else {
            fold_in.push(i);
        }
    }
    (!fold_in.is_empty() && !target.is_empty()).then_some(HeldOutUser {
        user,
        fold_in,
        target,
        disliked: Vec::new(),
    })
}

/// Every user of `ratings` as a held-out user: their positives (`rating >= positive_threshold`)
/// split 80/20 at random (seeded) into fold-in and target, as in [`strong_generalization`] but
/// without choosing users and without removing items (for evaluating a trained model on a given
/// set of users, e.g. those of `--exclude-users`; map the items to the model's catalogue after).
/// Users with fewer than 5 positives are skipped. Sorted by user; each with their dislikes.
pub fn fold_in_split(ratings: &[Rating], positive_threshold: f32, seed: u64) -> Vec<HeldOutUser> {
    let n = n_users(ratings);
    let positives = UserItems::new(ratings.iter().filter(|r| r.rating >= positive_threshold), n);
    let negatives = UserItems::new(ratings.iter().filter(|r| r.rating <= DISLIKE_THRESHOLD), n);
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n as u32)
        .filter(|&u| positives.of(u).len() >= 5)
        .filter_map(|u| {
            let mut user = split_fold_in(u, positives.of(u), &mut rng)?;
            user.disliked = negatives.of(u).to_vec();
            Some(user)
        })
        .collect()
}

/// The ratings whose user is not in `users` (dense indices).
pub fn exclude_users(ratings: &[Rating], users: &HashSet<u32>) -> Vec<Rating> {
    ratings
        .iter()
        .filter(|r| !users.contains(&r.user))
        .copied()
        .collect()
}

/// Reads a file of MovieLens user ids (one per line; blank lines and `#` comments allowed, also
/// after an id) and returns their dense indices in `dataset`.
pub fn read_user_id_file(path: &Path, dataset: &Dataset) -> Result<HashSet<u32>, DataError> {
    super::refuse_directory(path)?;
    if !path.is_file() {
        return Err(DataError::MissingFile {
            file: path.display().to_string(),
            searched: vec![path.to_path_buf()],
            hint: "Pass an existing file of MovieLens user ids, one per line.".into(),
        });
    }
    let mut out = HashSet::new();
    lines::for_each_line(path, |line| {
        let content = match line.bytes.iter().position(|&b| b == b'#') {
            Some(p) => &line.bytes[..p],
            None => line.bytes,
        };
        if content.trim_ascii().is_empty() {
            return Ok(());
        }
        let id = lines::parse_u32(content).ok_or_else(|| DataError::BadNumber {
            path: path.to_path_buf(),
            line: line.no,
            field: "user id",
            value: shown(content.trim_ascii()),
        })?;
        let dense = dataset
            .user_index(id)
            .ok_or_else(|| DataError::UnknownUser {
                path: path.to_path_buf(),
                line: line.no,
                user_id: id,
            })?;
        out.insert(dense);
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::TempDir;
    use super::super::{DatasetName, Movie};
    use super::*;
    use std::path::PathBuf;

    fn r(user: u32, item: u32, rating: f32, timestamp: i64) -> Rating {
        Rating {
            user,
            item,
            rating,
            timestamp,
        }
    }

    /// `users` users, each rating items `0..per_user` with rating 5 at time `item`.
    fn grid(users: u32, per_user: u32) -> Vec<Rating> {
        (0..users)
            .flat_map(|u| (0..per_user).map(move |i| r(u, i, 5.0, i as i64)))
            .collect()
    }

    #[test]
    fn random_split_sizes_and_seed() {
        let ratings = grid(10, 10);
        let a = random_split(&ratings, 0.2, 1);
        assert_eq!((a.train.len(), a.test.len()), (80, 20));
        assert_eq!(a, random_split(&ratings, 0.2, 1));
        assert_ne!(a.test, random_split(&ratings, 0.2, 2).test);
        // Disjoint and complete.
        let mut all: Vec<(u32, u32)> = a
            .train
            .iter()
            .chain(&a.test)
            .map(|r| (r.user, r.item))
            .collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 100);
        assert_eq!(random_split(&ratings, 0.0, 1).test.len(), 0);
        assert_eq!(random_split(&[], 0.5, 1), Split::default());
    }

    #[test]
    fn leave_latest_out_picks_latest_with_item_tiebreak() {
        let ratings = vec![
            r(0, 3, 4.0, 10),
            r(0, 1, 4.0, 30),
            r(0, 2, 4.0, 30), // tie with item 1 at t=30: larger item wins
            r(1, 5, 4.0, 99), // single rating: stays in train
            r(2, 7, 1.0, 5),
            r(2, 8, 1.0, 1),
        ];
        let s = leave_latest_out(&ratings);
        assert_eq!(s.test, vec![r(0, 2, 4.0, 30), r(2, 7, 1.0, 5)]);
        assert_eq!(
            s.train,
            vec![
                r(0, 3, 4.0, 10),
                r(0, 1, 4.0, 30),
                r(1, 5, 4.0, 99),
                r(2, 8, 1.0, 1)
            ]
        );
    }

    #[test]
    fn negatives_are_unrated_distinct_and_seeded() {
        let mut ratings = grid(3, 5); // users rate items 0..5
        ratings.push(r(2, 9, 3.0, 0));
        let split = leave_latest_out(&ratings);
        let negs = sample_negatives(&ratings, &split.test, 20, 10, 42);
        assert_eq!(negs.len(), split.test.len());
        for (t, n) in split.test.iter().zip(&negs) {
            assert_eq!(n.len(), 10);
            let set: HashSet<u32> = n.iter().copied().collect();
            assert_eq!(set.len(), 10);
            assert!(n.iter().all(|i| (5..20).contains(i)));
            if t.user == 2 {
                assert!(!n.contains(&9));
            }
        }
        assert_eq!(negs, sample_negatives(&ratings, &split.test, 20, 10, 42));
        // Fewer unrated items than asked: all of them.
        let few = sample_negatives(&ratings, &split.test, 8, 99, 1);
        let mut u0: Vec<u32> = few[0].clone();
        u0.sort_unstable();
        assert_eq!(u0, vec![5, 6, 7]);
    }

    #[test]
    fn strong_generalization_small() {
        // 30 users with 10 positives each (items 0..10) + 2 negatives; user 30 has 4 positives.
        let mut ratings = Vec::new();
        for u in 0..30 {
            for i in 0..10 {
                ratings.push(r(u, i, 4.0, 0));
            }
            ratings.push(r(u, 20 + u, 2.0, 0));
        }
        for i in 0..4 {
            ratings.push(r(30, i, 5.0, 0));
        }
        // Held-out users' item 50 is never a train positive: it must be removed.
        let sg = strong_generalization(&ratings, 5, 4.0, 3);
        assert_eq!(sg.train_users.len(), 20);
        assert_eq!((sg.validation.len(), sg.test.len()), (5, 5));
        assert!(!sg.train_users.contains(&30));
        assert_eq!(sg.train.len(), 200);
        for h in sg.validation.iter().chain(&sg.test) {
            assert_eq!((h.fold_in.len(), h.target.len()), (8, 2));
            assert!(h.fold_in.iter().chain(&h.target).all(|&i| i < 10));
        }
        assert_eq!(sg, strong_generalization(&ratings, 5, 4.0, 3));
        // Too many held-out users: reduced to a third.
        let sg = strong_generalization(&ratings, 100, 4.0, 3);
        assert_eq!(
            (sg.validation.len(), sg.test.len(), sg.train_users.len()),
            (10, 10, 10)
        );
    }

    #[test]
    fn strong_generalization_removes_items_unseen_in_train() {
        // Users 0..6 like items 0..5; user 6 likes 0..5 and also 7..12 (only user 6 has them).
        let mut ratings = Vec::new();
        for u in 0..6 {
            for i in 0..5 {
                ratings.push(r(u, i, 5.0, 0));
            }
        }
        for i in (0..5).chain(7..12) {
            ratings.push(r(6, i, 5.0, 0));
        }
        for seed in 0..20 {
            let sg = strong_generalization(&ratings, 1, 4.0, seed);
            let train_items: HashSet<u32> = sg.train.iter().map(|r| r.item).collect();
            for h in sg.validation.iter().chain(&sg.test) {
                assert!(
                    h.fold_in
                        .iter()
                        .chain(&h.target)
                        .all(|i| train_items.contains(i))
                );
                // 5 items survive: 4 fold-in, 1 target.
                assert_eq!((h.fold_in.len(), h.target.len()), (4, 1));
            }
        }
    }

    #[test]
    fn fold_in_split_keeps_everyone_with_five_positives() {
        let mut ratings = grid(4, 10); // 4 users x 10 positives
        ratings.extend((0..4).map(|i| r(4, i, 5.0, 0))); // user 4: only 4 positives
        ratings.extend((0..10).map(|i| r(5, i, 1.0, 0))); // user 5: no positives
        let h = fold_in_split(&ratings, 4.0, 9);
        assert_eq!(
            h.iter().map(|u| u.user).collect::<Vec<_>>(),
            vec![0, 1, 2, 3]
        );
        for u in &h {
            assert_eq!((u.fold_in.len(), u.target.len()), (8, 2));
            let mut all: Vec<u32> = u.fold_in.iter().chain(&u.target).copied().collect();
            all.sort_unstable();
            assert_eq!(all, (0..10).collect::<Vec<_>>());
        }
        assert_eq!(h, fold_in_split(&ratings, 4.0, 9));
    }

    fn tiny_dataset() -> Dataset {
        let movie = Movie {
            id: 1,
            title: "A".into(),
            year: None,
            genres: 0,
            tags: vec![],
            imdb_id: None,
            tmdb_id: None,
        };
        Dataset::new(
            DatasetName::Ml100k,
            PathBuf::new(),
            vec![10, 20, 30],
            vec![movie],
            vec![r(0, 0, 1.0, 0), r(1, 0, 2.0, 0), r(2, 0, 3.0, 0)],
            vec![],
            None,
        )
    }

    #[test]
    fn user_id_file_and_exclusion() {
        let ds = tiny_dataset();
        let tmp = TempDir::new("users");
        let f = tmp.write("ids.txt", "# users to exclude\n\n10\n30  # comment\n");
        let set = read_user_id_file(&f, &ds).unwrap();
        assert_eq!(set, HashSet::from([0, 2]));
        assert_eq!(exclude_users(&ds.ratings, &set), vec![r(1, 0, 2.0, 0)]);
        let f = tmp.write("bad.txt", "10\n\n99\n");
        let err = read_user_id_file(&f, &ds).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::UnknownUser {
                    line: 3,
                    user_id: 99,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("bad.txt line 3: user id 99"),
            "{err}"
        );
        let f = tmp.write("nan.txt", "ten\n");
        let err = read_user_id_file(&f, &ds).unwrap_err();
        assert!(
            err.to_string()
                .contains("nan.txt line 1: user id is not a valid number"),
            "{err}"
        );
        assert!(matches!(
            read_user_id_file(&tmp.path().join("nope.txt"), &ds),
            Err(DataError::MissingFile { .. })
        ));
        // A folder in the file's place is named as such, not "not found".
        let err = read_user_id_file(tmp.path(), &ds).unwrap_err();
        assert!(matches!(err, DataError::IsDirectory { .. }), "{err:?}");
        assert!(
            err.to_string().contains("is a directory, not a file"),
            "{err}"
        );
        // A huge bad id is quoted cut.
        let f = tmp.write("huge.txt", format!("{}\n", "9x".repeat(50_000)));
        let msg = read_user_id_file(&f, &ds).unwrap_err().to_string();
        assert!(msg.len() < 300, "{} bytes: {msg:.300}", msg.len());
        assert!(msg.ends_with("… (100000 bytes)"), "{msg:.300}");
    }
}
