//! `trainer visitors`: the page's model measured as a visitor uses it, beside its peers.
//!
//! The new-user protocol ([`crate::protocol`]) hands a held-out user 80% of their liked movies. A
//! visitor picks a few, often from a taste that is not the crowd's. Here each test user gives `k`
//! of their liked movies, drawn at random (by default k = 1, 3, 5, 10; a user needs more than `k`
//! likes in the catalogue), and is measured on the rest; the usual 80% stands beside them.
//!
//! Each draw is a fresh held-out split (seed, seed + 1, …). On it the default model is trained as
//! `trainer train --no-refit` trains it and measured as the page runs it (quantised, through
//! `shared`, the slider at its default); its peers learn from the same training users: EASE at
//! full rank, PureSVD and popularity. Each peer's setting (λ, rank) is chosen for each `k` on the
//! validation users given `k` picks as well: the best λ for three picks is not the best for 80%.
//!
//! Users are reported all together and in three segments, each defined on all of a user's likes
//! (a user may be in several, or none):
//! - **long tail**: at least half of their likes fall outside the head, the most liked movies
//!   that together hold half of all the training users' likes;
//! - **minority genre**: at least [`MINORITY_SHARE`] of their likes carry one genre that carries
//!   under [`MINORITY_GENRE`] of all likes (documentaries, westerns, musicals, …);
//! - **two tastes**: their likes split into two clusters (2-means on the movies' PureSVD vectors
//!   without the popularity direction), each with at least [`TASTE_SHARE`] of them, whose centres
//!   point apart (cosine below [`TASTE_COSINE`]).
//!
//! Per segment and `k`: NDCG@100 and Recall@20 on the held-back likes, the share of the top 10
//! carrying the picks' dominant genres (the genres most of the picks share), and the share of
//! the top 10 among the 30 most liked movies. Mean ± standard error over every user of every draw;
//! beside EASE, the ratio of the means and the paired difference (user by user).

use crate::data::split::HeldOutUser;
use crate::data::{Dataset, DatasetName};
use crate::experiment::Experiment;
use crate::metrics::{self, Accumulator};
use crate::new_user::ease::{Ease, Regularisation};
use crate::new_user::page_ranking;
use crate::new_user::puresvd::PureSvd;
use crate::options::ModelOptions;
use crate::protocol::{Given, NewUserTask, visitor};
use crate::registry;
use anyhow::{Context, Result};
use burn::tensor::backend::AutodiffBackend;
use rayon::prelude::*;
use serde::Serialize;
use shared::Recommender;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::{self, Write as _};

/// A genre carrying under this share of all likes is a minority genre.
pub const MINORITY_GENRE: f64 = 0.08;
/// The share of a user's likes in one minority genre that puts them in that segment.
pub const MINORITY_SHARE: f64 = 0.25;
/// Each of a two-taste user's clusters holds at least this share of their likes.
pub const TASTE_SHARE: f64 = 0.3;
/// A two-taste user's cluster centres have a cosine below this.
pub const TASTE_COSINE: f64 = -0.25;
/// The rank of the PureSVD vectors the two-taste clusters are found on.
const TASTE_RANK: usize = 32;
/// How many of the most liked movies count as "the most liked" in the popular share.
const MOST_LIKED: usize = 30;
/// EASE's λs tried for each number of picks: from below its best for 80% of a history to well
/// above its best for one pick.
const EASE_LAMBDAS: [f64; 10] = [
    50.0, 100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0, 6400.0, 12800.0, 25600.0,
];
/// PureSVD's ranks tried for each number of picks.
const PURESVD_RANKS: [usize; 6] = [8, 16, 32, 64, 128, 256];

/// `trainer visitors`' settings.
#[derive(clap::Args, Clone, Debug)]
pub struct VisitorOptions {
    /// Held-out splits drawn, each with its own training (seed, seed + 1, …).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub draws: u64,
    /// How many liked movies a visitor gives, comma-separated (each at least 1).
    #[arg(long, value_delimiter = ',', default_values_t = [1usize, 3, 5, 10],
          value_parser = parse_picks)]
    pub picks: Vec<usize>,
    /// The first draw's seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

fn parse_picks(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(k @ 1..=1000) => Ok(k),
        _ => Err(format!("{text:?} is not a number of picks from 1 to 1000")),
    }
}

/// The users a row of the table covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Segment {
    Everyone,
    LongTail,
    MinorityGenre,
    TwoTastes,
}

impl Segment {
    const ALL: [Segment; 4] = [
        Segment::Everyone,
        Segment::LongTail,
        Segment::MinorityGenre,
        Segment::TwoTastes,
    ];

    fn name(self) -> &'static str {
        match self {
            Segment::Everyone => "every user",
            Segment::LongTail => "long tail",
            Segment::MinorityGenre => "minority genre",
            Segment::TwoTastes => "two tastes",
        }
    }
}

/// The models compared, in the table's order.
const DEFAULT: &str = "default (page)";
const MODELS: [&str; 4] = [DEFAULT, "EASE", "PureSVD", "popularity"];

/// The measured figures of one user for one model: NDCG@100, Recall@20, the top 10's share in the
/// picks' genres (None when the picks have no genre) and among the most liked.
#[derive(Clone, Copy, Debug)]
struct Observation {
    user: u32,
    ndcg: f64,
    recall: f64,
    in_genres: Option<f64>,
    popular: f64,
}

/// One row of the table.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub dataset: String,
    pub picks: String,
    pub segment: &'static str,
    pub model: &'static str,
    pub users: usize,
    /// `[mean, standard error]` of each metric.
    pub ndcg_at_100: [f64; 2],
    pub recall_at_20: [f64; 2],
    pub top10_in_picks_genres: [f64; 2],
    pub top10_among_most_liked: [f64; 2],
    /// This model's mean NDCG@100 over EASE's on the same users.
    pub ndcg_vs_ease: f64,
    /// `[mean, standard error]` of this model's NDCG@100 less EASE's, user by user.
    pub ndcg_minus_ease: [f64; 2],
}

/// The visitor's protocol on one release: every draw, every `k`, every model.
pub fn measure<B: AutodiffBackend>(
    dataset: &Dataset,
    options: &VisitorOptions,
    device: B::Device,
) -> Result<Vec<Row>> {
    let mut givens: Vec<Given> = options.picks.iter().map(|&k| Given::Picks(k)).collect();
    givens.sort();
    givens.dedup();
    givens.push(Given::MostOfHistory);
    // (given, segment, model) → per-user figures over every draw.
    let mut totals: BTreeMap<(Given, Segment, &'static str), Accumulator> = BTreeMap::new();
    for draw in 0..options.draws {
        let seed = options.seed + draw;
        eprintln!(
            "visitors: draw {} of {} (seed {seed})",
            draw + 1,
            options.draws
        );
        let mut experiment = Experiment::<B>::new(dataset, seed, device.clone());
        experiment.refit = false;
        let outcome = registry::DEFAULT_MODEL.train(&ModelOptions::default(), &experiment)?;
        let page_model = Recommender::new(outcome.file.context("the default model has a file")?)
            .context("the default model cannot be loaded")?;
        let task = experiment.new_user_task()?;
        let draw = Draw::new(dataset, task, &givens, seed)?;
        let steer = page_model.steer(&[], page_model.steering.default_popularity);
        let mut measured = vec![(
            DEFAULT,
            draw.measure_ranked(|u| page_ranking(&page_model, steer, &u.fold_in, &[])),
        )];
        measured.push(("EASE", draw.ease()?));
        measured.push(("PureSVD", draw.puresvd()?));
        let popularity: Vec<f32> = task.rating_counts.iter().map(|&n| n as f32).collect();
        measured.push(("popularity", draw.measure_all(|_| popularity.clone())));
        let ease = measured[1].1.clone();
        for (model, by_given) in measured {
            for ((given, observations), ease) in givens.iter().zip(by_given).zip(&ease) {
                // Every model sees the same visitors in the same order: EASE's figure for a
                // user sits at the same place.
                for (observation, ease) in observations.iter().zip(ease) {
                    for &segment in &draw.segments[&observation.user] {
                        let total = totals.entry((*given, segment, model)).or_default();
                        total.add("ndcg", observation.ndcg);
                        total.add("ndcg_minus_ease", observation.ndcg - ease.ndcg);
                        total.add("recall", observation.recall);
                        if let Some(share) = observation.in_genres {
                            total.add("in_genres", share);
                        }
                        total.add("popular", observation.popular);
                    }
                }
            }
        }
    }
    Ok(rows(dataset.name, &givens, &totals))
}

fn rows(
    dataset: DatasetName,
    givens: &[Given],
    totals: &BTreeMap<(Given, Segment, &'static str), Accumulator>,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for segment in Segment::ALL {
        for &given in givens {
            let ease = totals
                .get(&(given, segment, "EASE"))
                .and_then(|t| t.mean("ndcg"));
            for model in MODELS {
                let Some(total) = totals.get(&(given, segment, model)) else {
                    continue;
                };
                let figure = |name: &str| {
                    [
                        total.mean(name).unwrap_or(f64::NAN),
                        total.std_err(name).unwrap_or(f64::NAN),
                    ]
                };
                let ndcg = figure("ndcg");
                rows.push(Row {
                    dataset: dataset.to_string(),
                    picks: given.to_string(),
                    segment: segment.name(),
                    model,
                    users: total.count("ndcg"),
                    ndcg_at_100: ndcg,
                    recall_at_20: figure("recall"),
                    top10_in_picks_genres: figure("in_genres"),
                    top10_among_most_liked: figure("popular"),
                    ndcg_vs_ease: ease.map_or(f64::NAN, |e| ndcg[0] / e),
                    ndcg_minus_ease: figure("ndcg_minus_ease"),
                });
            }
        }
    }
    rows
}

/// The rows as Markdown, one table per segment.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let cell = |[mean, se]: [f64; 2]| {
        if mean.is_nan() {
            "–".to_string()
        } else {
            format!("{mean:.3} ± {se:.3}")
        }
    };
    let mut segment = "";
    for row in rows {
        if row.segment != segment {
            segment = row.segment;
            let _ = write!(
                out,
                "\n{}, {segment}\n\n| picks | users | model | NDCG@100 | vs EASE | − EASE, paired | Recall@20 | top 10 in the picks' genres | top 10 among the {MOST_LIKED} most liked |\n|---|---:|---|---:|---:|---:|---:|---:|---:|\n",
                row.dataset
            );
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.3} | {} | {} | {} | {} |",
            row.picks,
            row.users,
            row.model,
            cell(row.ndcg_at_100),
            row.ndcg_vs_ease,
            cell(row.ndcg_minus_ease),
            cell(row.recall_at_20),
            cell(row.top10_in_picks_genres),
            cell(row.top10_among_most_liked),
        );
    }
    out
}

/// One held-out draw: its task's users given each number of picks, and what the figures need.
struct Draw<'t> {
    task: &'t NewUserTask,
    givens: Vec<Given>,
    /// For each given, the validation and the test users as visitors.
    validation: Vec<Vec<HeldOutUser>>,
    test: Vec<Vec<HeldOutUser>>,
    /// Each test user's segments ([`Segment::Everyone`] first), by user.
    segments: HashMap<u32, Vec<Segment>>,
    /// Genre bits of each model item.
    genres: Vec<u32>,
    most_liked: HashSet<u32>,
    svd: PureSvd,
}

impl<'t> Draw<'t> {
    fn new(dataset: &Dataset, task: &'t NewUserTask, givens: &[Given], seed: u64) -> Result<Self> {
        let items = task.items.len();
        let genres: Vec<u32> = task
            .items
            .iter()
            .map(|&i| dataset.movies[i as usize].genres)
            .collect();
        let likes = like_counts(task);
        let mut by_likes: Vec<u32> = (0..items as u32).collect();
        by_likes.sort_by_key(|&i| (std::cmp::Reverse(likes[i as usize]), i));
        let most_liked = by_likes.iter().take(MOST_LIKED).copied().collect();
        let largest_rank = PURESVD_RANKS.iter().copied().max().unwrap_or(1);
        let svd = PureSvd::fit(&task.train_rows, items, largest_rank, seed)?;
        let profile = Profile::new(task, &genres, &likes, &by_likes, &svd);
        let segments = task
            .test
            .iter()
            .map(|u| (u.user, profile.segments(u)))
            .collect();
        let visitors = |users: &[HeldOutUser], given: Given, salt: u64| -> Vec<HeldOutUser> {
            users
                .iter()
                .filter_map(|user| visitor(user, given, seed ^ salt))
                .collect()
        };
        Ok(Self {
            task,
            givens: givens.to_vec(),
            validation: givens
                .iter()
                .map(|&g| visitors(&task.validation, g, 0x7a11))
                .collect(),
            test: givens
                .iter()
                .map(|&g| visitors(&task.test, g, 0x7e57))
                .collect(),
            segments,
            genres,
            most_liked,
            svd,
        })
    }

    /// Each given's test users measured with `score`.
    fn measure_all(&self, score: impl Fn(&[u32]) -> Vec<f32> + Sync) -> Vec<Vec<Observation>> {
        self.measure_ranked(|u| by_scores(u, &score))
    }

    /// Each given's test users measured on the top 100 `rank` gives them.
    fn measure_ranked(
        &self,
        rank: impl Fn(&HeldOutUser) -> Vec<u32> + Sync,
    ) -> Vec<Vec<Observation>> {
        self.test
            .iter()
            .map(|users| self.observe(users, &rank))
            .collect()
    }

    fn observe(
        &self,
        users: &[HeldOutUser],
        rank: &(impl Fn(&HeldOutUser) -> Vec<u32> + Sync),
    ) -> Vec<Observation> {
        users
            .par_iter()
            .map(|u| {
                let ranked = rank(u);
                let relevant: HashSet<u32> = u.target.iter().copied().collect();
                let top10 = &ranked[..ranked.len().min(10)];
                let share = |hit: &dyn Fn(u32) -> bool| {
                    top10.iter().filter(|&&i| hit(i)).count() as f64 / top10.len().max(1) as f64
                };
                let dominant = metrics::dominant_genres(&u.fold_in, &self.genres);
                Observation {
                    user: u.user,
                    ndcg: metrics::ndcg_at_k(&ranked, &relevant, 100),
                    recall: metrics::recall_at_k_liang(&ranked, &relevant, 20),
                    in_genres: (dominant != 0)
                        .then(|| share(&|i| self.genres[i as usize] & dominant != 0)),
                    popular: share(&|i| self.most_liked.contains(&i)),
                }
            })
            .collect()
    }

    /// For each given, the test figures of the candidate with the best validation NDCG@100 for
    /// that given (the first of equals). `candidates` are fitted one at a time.
    fn best_per_given<S: fmt::Display, M: Fn(&[u32]) -> Vec<f32> + Sync>(
        &self,
        what: &str,
        candidates: impl Iterator<Item = Result<(S, M)>>,
    ) -> Result<Vec<Vec<Observation>>> {
        let mut best: Vec<Option<(f64, String, Vec<Observation>)>> = vec![None; self.givens.len()];
        for candidate in candidates {
            let (setting, model) = candidate?;
            for (g, slot) in best.iter_mut().enumerate() {
                let validation = crate::evaluate::ndcg_at_100(&self.validation[g], &model);
                if slot.as_ref().is_none_or(|(b, _, _)| validation > *b) {
                    let test = self.observe(&self.test[g], &|u| by_scores(u, &model));
                    *slot = Some((validation, setting.to_string(), test));
                }
            }
        }
        let chosen: Vec<String> = self
            .givens
            .iter()
            .zip(&best)
            .filter_map(|(g, b)| b.as_ref().map(|(_, s, _)| format!("{g}: {s}")))
            .collect();
        eprintln!("{what} chosen per number of picks: {}", chosen.join(", "));
        best.into_iter()
            .map(|b| b.map(|(_, _, test)| test))
            .collect::<Option<_>>()
            .with_context(|| format!("{what}: nothing to try"))
    }

    fn ease(&self) -> Result<Vec<Vec<Observation>>> {
        let grid = Regularisation::grid(&EASE_LAMBDAS, &[0.0]);
        let fits = Ease::fit_each(&self.task.train_rows, self.task.items.len(), &grid);
        self.best_per_given(
            "EASE",
            fits.map(|fit| fit.map(|(r, ease)| (r, move |p: &[u32]| ease.scores(p)))),
        )
    }

    fn puresvd(&self) -> Result<Vec<Vec<Observation>>> {
        self.best_per_given(
            "PureSVD rank",
            PURESVD_RANKS.iter().map(|&rank| {
                let embeddings = self.svd.embeddings(rank);
                Ok((rank, move |p: &[u32]| embeddings.scores(p)))
            }),
        )
    }
}

/// The top 100 of `score` for `user`'s picks, never a pick.
fn by_scores(user: &HeldOutUser, score: &impl Fn(&[u32]) -> Vec<f32>) -> Vec<u32> {
    metrics::top_k(&score(&user.fold_in), 100, &user.fold_in)
}

/// How many training users like each model item.
fn like_counts(task: &NewUserTask) -> Vec<u32> {
    let mut likes = vec![0u32; task.items.len()];
    for row in &task.train_rows {
        for &i in row {
            likes[i as usize] += 1;
        }
    }
    likes
}

/// What the segments are decided on: the training users' likes and the movies' vectors.
struct Profile<'a> {
    genres: &'a [u32],
    head: HashSet<u32>,
    /// Genre bits carrying under [`MINORITY_GENRE`] of the likes.
    minority: u32,
    /// Unit PureSVD vectors without the leading (popularity) direction, one row per item.
    vectors: Vec<Vec<f64>>,
}

impl<'a> Profile<'a> {
    fn new(
        task: &NewUserTask,
        genres: &'a [u32],
        likes: &[u32],
        by_likes: &[u32],
        svd: &PureSvd,
    ) -> Self {
        let total: u64 = likes.iter().map(|&n| u64::from(n)).sum();
        let mut held = 0u64;
        let head = by_likes
            .iter()
            .take_while(|&&i| {
                let inside = 2 * held < total;
                held += u64::from(likes[i as usize]);
                inside
            })
            .copied()
            .collect();
        let mut genre_likes = [0u64; 32];
        for (i, &n) in likes.iter().enumerate() {
            for (bit, count) in genre_likes.iter_mut().enumerate() {
                if genres[i] >> bit & 1 == 1 {
                    *count += u64::from(n);
                }
            }
        }
        let minority = (0..32)
            .filter(|&bit| {
                genre_likes[bit] > 0 && (genre_likes[bit] as f64) < MINORITY_GENRE * total as f64
            })
            .fold(0, |mask, bit| mask | 1 << bit);
        let embeddings = svd.embeddings(TASTE_RANK + 1);
        let vectors = (0..task.items.len())
            .map(|i| {
                let row: Vec<f64> = embeddings.row(i)[1..].iter().map(|&v| v as f64).collect();
                let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
                row.iter().map(|v| v / norm.max(1e-12)).collect()
            })
            .collect();
        Self {
            genres,
            head,
            minority,
            vectors,
        }
    }

    fn segments(&self, user: &HeldOutUser) -> Vec<Segment> {
        let likes: Vec<u32> = user.fold_in.iter().chain(&user.target).copied().collect();
        let n = likes.len() as f64;
        let mut segments = vec![Segment::Everyone];
        let outside_head = likes.iter().filter(|i| !self.head.contains(i)).count();
        if 2 * outside_head >= likes.len() {
            segments.push(Segment::LongTail);
        }
        let in_minority = (0..32)
            .filter(|&bit| self.minority >> bit & 1 == 1)
            .any(|bit| {
                let carrying = likes
                    .iter()
                    .filter(|&&i| self.genres[i as usize] >> bit & 1 == 1)
                    .count();
                carrying as f64 >= MINORITY_SHARE * n
            });
        if in_minority {
            segments.push(Segment::MinorityGenre);
        }
        if self.two_tastes(&likes) {
            segments.push(Segment::TwoTastes);
        }
        segments
    }

    /// Spherical 2-means over the likes' vectors, started from the like farthest from their mean
    /// and the like farthest from that one.
    fn two_tastes(&self, likes: &[u32]) -> bool {
        let vectors: Vec<&[f64]> = likes
            .iter()
            .map(|&i| self.vectors[i as usize].as_slice())
            .collect();
        if vectors.len() < 4 {
            return false;
        }
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let centre = |members: &mut dyn Iterator<Item = &[f64]>| -> Vec<f64> {
            let mut sum = vec![0.0; TASTE_RANK];
            for v in members {
                for (s, x) in sum.iter_mut().zip(v) {
                    *s += x;
                }
            }
            let norm = dot(&sum, &sum).sqrt().max(1e-12);
            sum.iter().map(|s| s / norm).collect()
        };
        let farthest = |from: &[f64]| -> &[f64] {
            vectors
                .iter()
                .copied()
                .min_by(|a, b| dot(a, from).total_cmp(&dot(b, from)))
                .expect("at least four likes")
        };
        let mean = centre(&mut vectors.iter().copied());
        let first = farthest(&mean).to_vec();
        let mut centres = [first.clone(), farthest(&first).to_vec()];
        let mut in_first = vec![false; vectors.len()];
        for _ in 0..10 {
            for (member, v) in in_first.iter_mut().zip(&vectors) {
                *member = dot(v, &centres[0]) >= dot(v, &centres[1]);
            }
            for (c, wanted) in [(0, true), (1, false)] {
                let mut members = vectors
                    .iter()
                    .zip(&in_first)
                    .filter(|&(_, &m)| m == wanted)
                    .map(|(v, _)| *v);
                centres[c] = centre(&mut members);
            }
        }
        let first_size = in_first.iter().filter(|&&m| m).count() as f64;
        let smaller = first_size.min(vectors.len() as f64 - first_size);
        smaller >= TASTE_SHARE * vectors.len() as f64
            && dot(&centres[0], &centres[1]) < TASTE_COSINE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile_with(vectors: Vec<Vec<f64>>) -> Profile<'static> {
        Profile {
            genres: &[],
            head: HashSet::new(),
            minority: 0,
            vectors,
        }
    }

    /// A unit vector along axis `axis` (negative: pointing the other way), nudged by `wobble`.
    fn unit(axis: i32, wobble: f64) -> Vec<f64> {
        let mut v = vec![0.0; TASTE_RANK];
        v[axis.unsigned_abs() as usize] = axis.signum() as f64;
        v[TASTE_RANK - 1] = wobble;
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.iter().map(|x| x / norm).collect()
    }

    #[test]
    fn two_tastes_need_two_large_clusters_pointing_apart() {
        let mixed = profile_with(vec![
            unit(1, 0.1),
            unit(1, -0.1),
            unit(1, 0.2),
            unit(-1, 0.1),
            unit(-1, -0.1),
            unit(-1, 0.2),
        ]);
        assert!(mixed.two_tastes(&[0, 1, 2, 3, 4, 5]));
        // Five likes of one taste and one stray: the smaller cluster is under TASTE_SHARE.
        assert!(!mixed.two_tastes(&[0, 1, 2, 3]));
        // Two clusters at right angles (cosine 0) are not apart enough.
        let near = profile_with(vec![
            unit(1, 0.1),
            unit(1, -0.1),
            unit(2, 0.1),
            unit(2, -0.1),
        ]);
        assert!(!near.two_tastes(&[0, 1, 2, 3]));
    }
}
