//! How a visitor steers the list beyond their likes: "Not for me" pushes down movies like the
//! disliked ones, and the familiar ↔ discover slider re-ranks by popularity. With few picks the
//! list also leans to the familiar by itself ([`Steering::few_picks`]), and more when the picks
//! point apart ([`Steering::dispersed_picks`]): one or two liked movies, or a mix, say little,
//! and what many people like is then the better guess.
//!
//! Both adjust a request's raw scores in units of that request's score spread (the standard
//! deviation of its best scores), so one setting means the same for a model whose scores span 0.1 and one whose
//! scores span 30. The trainer chooses the settings on validation users and stores them in the
//! model file ([`Steering`]); the page and the trainer's evaluation both adjust scores here.

use crate::format::InvalidModel;
use serde::{Deserialize, Serialize};

/// The slider's positions, from most familiar to most discovering: how many score standard
/// deviations one standard deviation of log-popularity costs. Negative favours popular movies.
/// The positions past [`STRETCH_FROM`] are stretched to each model's own discover end
/// ([`Steering::discover_end`], see [`Steering::popularity_step`]); as written here they reach
/// 1, the end of a model that needs no stretch.
pub const POPULARITY_STEPS: [f32; 9] = [-0.5, -0.25, 0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0];

/// The step from which the slider's positions stretch to the model's discover end.
pub const STRETCH_FROM: f32 = 0.5;

/// The largest [`Steering::discover_end`] a file may hold: far beyond what any real release's
/// model was given, where popularity alone would order the list.
pub const MAX_DISCOVER_END: f32 = 8.0;

/// The steering settings a model ships with, chosen by the trainer on validation users.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Steering {
    /// How far a disliked movie pushes down the movies like it: score standard deviations per
    /// unit of cosine similarity by which a movie is closer to a disliked movie than to any
    /// liked one. 0 turns "Not for me" into a plain hide.
    pub dislike_weight: f32,
    /// The slider's starting position: an index into [`POPULARITY_STEPS`].
    pub default_popularity: usize,
    /// For each movie, the score of its [`REASON_NEIGHBOURS`]-th strongest neighbour: what the
    /// movie scores that many others when it alone is picked. A liked movie is named as the
    /// reason for a recommendation only when the recommendation scores at least this from it
    /// alone, being among its strongest neighbours. Empty: no reasons are named.
    pub neighbour_floors: Vec<f32>,
    /// How much more familiar the list is with few picks: the slider's step is lowered by this
    /// divided by the number of liked movies (one pick: by all of it; ten: by a tenth), faded
    /// past the default ([`Self::familiarity_at`]).
    pub few_picks: f32,
    /// How much more familiar still when the picks point apart (a mix of two tastes): the step
    /// is lowered by `(few_picks + dispersed_picks · (1 − coherence)) / picks`, the coherence
    /// being [`crate::foldin::Scorer::coherence`] (1 for picks that all point one way), faded
    /// alike. Scores of picks that disagree are an unsure guess, and what many people like the
    /// better one.
    pub dispersed_picks: f32,
    /// How strongly the top of the list keeps the picks' genre mix: λ of [`crate::calibrate`],
    /// from 0 (scores alone) to [`crate::calibrate::MAX_CALIBRATION`].
    pub calibration: f32,
    /// The step of the slider's last position, from 1 to [`MAX_DISCOVER_END`]: far enough that a
    /// visitor's top 10 changes by half there. How far that is depends on the release: on a
    /// catalogue whose movies are all fairly well known, popularity has to weigh more.
    pub discover_end: f32,
}

/// How many of a liked movie's strongest neighbours it can be named the reason for.
pub const REASON_NEIGHBOURS: usize = 50;

/// The largest [`Steering::few_picks`] (and [`Steering::dispersed_picks`]) a file may hold:
/// beyond it one pick's list would be popularity alone.
pub const MAX_FEW_PICKS: f32 = 10.0;

impl Default for Steering {
    /// No steering: dislikes only hide, no popularity re-ranking, no reasons named.
    fn default() -> Self {
        Self {
            dislike_weight: 0.0,
            default_popularity: neutral_step(),
            neighbour_floors: Vec::new(),
            few_picks: 0.0,
            dispersed_picks: 0.0,
            calibration: 0.0,
            discover_end: last_step(),
        }
    }
}

/// The step of the slider's last position as [`POPULARITY_STEPS`] writes it.
fn last_step() -> f32 {
    POPULARITY_STEPS[POPULARITY_STEPS.len() - 1]
}

/// The position of the step that leaves popularity alone.
pub fn neutral_step() -> usize {
    POPULARITY_STEPS
        .iter()
        .position(|&s| s == 0.0)
        .expect("one step is neutral")
}

impl Steering {
    /// The step of the slider's `position` (an index into [`POPULARITY_STEPS`], the last when
    /// beyond it): as written up to [`STRETCH_FROM`], then stretched linearly so that the last
    /// position is [`Self::discover_end`].
    pub fn popularity_step(&self, position: usize) -> f32 {
        let step = POPULARITY_STEPS[position.min(POPULARITY_STEPS.len() - 1)];
        if step <= STRETCH_FROM {
            return step;
        }
        let stretch = (self.discover_end - STRETCH_FROM) / (last_step() - STRETCH_FROM);
        STRETCH_FROM + (step - STRETCH_FROM) * stretch
    }

    /// How much of the familiar lean of few or dispersed picks ([`Self::few_picks`],
    /// [`Self::dispersed_picks`]) applies at slider `position`: all of it up to the default,
    /// none at the discover end (unless the default is the end itself), in proportion to the
    /// step between. A visitor who asks for
    /// discoveries gets them however few their picks; with one pick and all of it, the discover
    /// end was barely past neutral.
    pub fn familiarity_at(&self, position: usize) -> f32 {
        let step = self.popularity_step(position);
        let default = self.popularity_step(self.default_popularity);
        if step <= default {
            return 1.0;
        }
        ((self.discover_end - step) / (self.discover_end - default)).max(0.0)
    }

    /// Every value is usable: finite, a weight that is not negative, a step that exists, values
    /// within their bounds, one neighbour floor per movie of the catalogue's `movies` (or none).
    pub fn validate(&self, movies: usize) -> Result<(), InvalidModel> {
        if !(self.dislike_weight.is_finite() && self.dislike_weight >= 0.0) {
            return Err(InvalidModel::Steering(format!(
                "dislike weight {} is not a finite number ≥ 0",
                self.dislike_weight
            )));
        }
        if self.default_popularity >= POPULARITY_STEPS.len() {
            return Err(InvalidModel::Steering(format!(
                "default popularity step {} is not one of the {} steps",
                self.default_popularity,
                POPULARITY_STEPS.len()
            )));
        }
        if !(0.0..=MAX_FEW_PICKS).contains(&self.few_picks) {
            return Err(InvalidModel::Steering(format!(
                "few-picks familiarity {} is not a number from 0 to {MAX_FEW_PICKS}",
                self.few_picks
            )));
        }
        if !(0.0..=MAX_FEW_PICKS).contains(&self.dispersed_picks) {
            return Err(InvalidModel::Steering(format!(
                "dispersed-picks familiarity {} is not a number from 0 to {MAX_FEW_PICKS}",
                self.dispersed_picks
            )));
        }
        let most = crate::calibrate::MAX_CALIBRATION;
        if !(0.0..=most).contains(&self.calibration) {
            return Err(InvalidModel::Steering(format!(
                "calibration {} is not a number from 0 to {most}",
                self.calibration
            )));
        }
        if !(last_step()..=MAX_DISCOVER_END).contains(&self.discover_end) {
            return Err(InvalidModel::Steering(format!(
                "discover end {} is not a number from {} to {MAX_DISCOVER_END}",
                self.discover_end,
                last_step()
            )));
        }
        let floors = self.neighbour_floors.len();
        if floors != 0 && floors != movies {
            return Err(InvalidModel::Steering(format!(
                "{floors} neighbour floors for {movies} movies"
            )));
        }
        if let Some(movie) = self.neighbour_floors.iter().position(|f| !f.is_finite()) {
            return Err(InvalidModel::Steering(format!(
                "the neighbour floor of movie {movie} is not finite"
            )));
        }
        Ok(())
    }
}

/// Standardised log-popularity of each movie: (ln(1 + ratings) − mean) / std over the
/// catalogue; all zeros when every movie is equally popular.
pub fn popularity_z(rating_counts: impl Iterator<Item = u32>) -> Vec<f32> {
    let logs: Vec<f32> = rating_counts.map(|c| (c as f32).ln_1p()).collect();
    let (mean, std) = mean_std(logs.iter().copied());
    logs.iter()
        .map(|l| if std > 0.0 { (l - mean) / std } else { 0.0 })
        .collect()
}

/// Mean and standard deviation (population) of `values`; (0, 0) when there are none.
pub fn mean_std(values: impl Iterator<Item = f32>) -> (f32, f32) {
    let (mut n, mut sum, mut sum_sq) = (0f64, 0f64, 0f64);
    for v in values.filter(|v| v.is_finite()) {
        n += 1.0;
        sum += v as f64;
        sum_sq += (v as f64) * (v as f64);
    }
    if n == 0.0 {
        return (0.0, 0.0);
    }
    let mean = sum / n;
    (
        (mean) as f32,
        ((sum_sq / n - mean * mean).max(0.0)).sqrt() as f32,
    )
}

/// What one request asks of the scores beyond the likes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adjustment {
    pub dislike_weight: f32,
    /// The slider's step ([`Steering::popularity_step`]) less the request's familiar leans.
    pub popularity_step: f32,
}

/// How many of a request's best raw scores set its spread: the movies that compete for the
/// list. Over the whole catalogue the spread is mostly the gap between those and thousands of
/// irrelevant movies; in those units a step would reorder a confident visitor's top 20 hardly at
/// all and a hesitant one's wholesale.
pub const SPREAD_CANDIDATES: usize = 100;

/// The request's candidates: the standard deviation of its [`SPREAD_CANDIDATES`] highest finite
/// scores, and the lowest of them (a movie tied with it counts as a candidate too).
fn candidates(scores: &[f32]) -> (f32, f32) {
    let finite = || scores.iter().copied().filter(|s| s.is_finite());
    let floor = crate::rank::kth_best_of_first(finite(), SPREAD_CANDIDATES);
    let mut finite: Vec<f32> = finite().filter(|s| s.total_cmp(&floor).is_ge()).collect();
    let top = SPREAD_CANDIDATES.min(finite.len());
    if top < finite.len() {
        finite.select_nth_unstable_by(top, |a, b| b.total_cmp(a));
    }
    let best = &finite[..top];
    let lowest = best.iter().copied().fold(f32::INFINITY, f32::min);
    (mean_std(best.iter().copied()).1, lowest)
}

/// A request's [`Adjustment`] of its raw scores, applied one movie at a time
/// ([`Self::adjusted`]): score − σ · (weight · max(0, dislike similarity) + step · z), with σ
/// the standard deviation of the request's [`SPREAD_CANDIDATES`] best raw scores, and
/// `max(0, step · z)` for a movie below them when the step is positive. Towards discovery the
/// slider lifts none but those candidates: it re-orders the movies near the
/// picks, and brings in no movie for being obscure alone. (Three picks of Toy Story, Star Wars
/// and The Matrix at the discover end once drew movies from the 370th to the 480th place.)
/// Towards the familiar, well-known movies may come from further: with one or two picks they
/// are the better guess (see [`Steering::few_picks`]).
///
/// One movie at a time because a movie's dislike similarity costs a dot product per like and
/// dislike: a list asks it only of the movies that can still reach it
/// ([`crate::Recommender::ranked_scored`]).
#[derive(Clone, Copy, Debug)]
pub struct Adjuster {
    how: Adjustment,
    spread: f32,
    lowest_candidate: f32,
}

impl Adjuster {
    /// The adjustment `how` of a request whose raw scores are `raw_scores`.
    pub fn new(raw_scores: &[f32], how: Adjustment) -> Self {
        let (spread, lowest_candidate) = candidates(raw_scores);
        Self {
            how,
            spread,
            lowest_candidate,
        }
    }

    /// A movie's adjusted score from its raw `score`, how much closer (cosine) it is to a
    /// disliked movie than to any liked one (0 when nothing is disliked) and its
    /// [`popularity_z`].
    pub fn adjusted(&self, score: f32, dislike_similarity: f32, popularity_z: f32) -> f32 {
        if self.spread == 0.0 {
            return score;
        }
        let dislike = self.how.dislike_weight * dislike_similarity.max(0.0);
        let mut popularity = self.how.popularity_step * popularity_z;
        if self.how.popularity_step > 0.0 && score < self.lowest_candidate {
            popularity = popularity.max(0.0);
        }
        score - self.spread * (dislike + popularity)
    }

    /// Whether dislikes can only lower a score (a weight of at least 0, as every model file's):
    /// then a movie's score adjusted as if it were like no dislike bounds its adjusted score.
    pub fn dislikes_only_lower(&self) -> bool {
        self.how.dislike_weight >= 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An adjustment with each movie's dislike similarity (none when empty).
    #[derive(Clone, Copy)]
    struct Case<'a> {
        dislike_similarity: &'a [f32],
        dislike_weight: f32,
        popularity_step: f32,
    }

    /// Every score of `scores` adjusted as `how` says.
    fn adjust(scores: &mut [f32], popularity_z: &[f32], how: Case) {
        let adjuster = Adjuster::new(
            scores,
            Adjustment {
                dislike_weight: how.dislike_weight,
                popularity_step: how.popularity_step,
            },
        );
        for (i, score) in scores.iter_mut().enumerate() {
            let similarity = how.dislike_similarity.get(i).copied().unwrap_or(0.0);
            *score = adjuster.adjusted(*score, similarity, popularity_z[i]);
        }
    }

    #[test]
    fn popularity_z_is_standardised_log_popularity() {
        let z = popularity_z([0, 0, 0].into_iter());
        assert_eq!(z, [0.0, 0.0, 0.0]);
        let z = popularity_z([1, 10, 100].into_iter());
        let (mean, std) = mean_std(z.iter().copied());
        assert!(mean.abs() < 1e-5 && (std - 1.0).abs() < 1e-4, "{z:?}");
        assert!(z[0] < z[1] && z[1] < z[2]);
    }

    #[test]
    fn dislikes_and_discovery_push_down_in_units_of_the_spread() {
        // Scores 0 and 2: spread 1. Movie 1 is popular, movie 0 is not.
        let z = [-1.0, 1.0];
        let mut scores = [0.0, 2.0];
        let none = Case {
            dislike_similarity: &[],
            dislike_weight: 1.0,
            popularity_step: 0.0,
        };
        adjust(&mut scores, &z, none);
        assert_eq!(scores, [0.0, 2.0]);
        adjust(
            &mut scores,
            &z,
            Case {
                popularity_step: 1.5,
                ..none
            },
        );
        assert_eq!(scores, [1.5, 0.5], "discovery lifts the obscure movie");
        let mut scores = [0.0, 2.0];
        adjust(
            &mut scores,
            &z,
            Case {
                dislike_similarity: &[-0.5, 0.8],
                dislike_weight: 2.5,
                popularity_step: 0.0,
            },
        );
        assert_eq!(scores, [0.0, 0.0], "a dissimilar movie is not lifted");
    }

    #[test]
    fn the_spread_is_that_of_the_best_scores_not_of_the_whole_catalogue() {
        // The best SPREAD_CANDIDATES scores alternate 10 and 12 (spread 1); thousands of
        // irrelevant movies far below would make the catalogue's spread about 18.
        let mut scores: Vec<f32> = (0..SPREAD_CANDIDATES)
            .map(|i| if i % 2 == 0 { 10.0 } else { 12.0 })
            .chain(std::iter::repeat_n(-50.0, 5_000))
            .collect();
        assert!((candidates(&scores).0 - 1.0).abs() < 1e-5);
        let mut z = vec![0.0; scores.len()];
        z[0] = 1.0;
        adjust(
            &mut scores,
            &z,
            Case {
                dislike_similarity: &[],
                dislike_weight: 0.0,
                popularity_step: 0.5,
            },
        );
        assert_eq!(scores[0], 9.5, "half a spread of the best scores");
        assert_eq!(scores[1], 12.0);
    }

    #[test]
    fn the_positions_past_the_middle_stretch_to_the_discover_end() {
        let plain = Steering::default();
        for (position, &step) in POPULARITY_STEPS.iter().enumerate() {
            assert_eq!(plain.popularity_step(position), step);
        }
        let far = Steering {
            discover_end: 2.0,
            ..plain
        };
        let last = POPULARITY_STEPS.len() - 1;
        assert_eq!(far.popularity_step(last), 2.0);
        assert_eq!(far.popularity_step(last - 1), 1.25, "halfway from 0.5 to 2");
        assert_eq!(far.popularity_step(last - 2), STRETCH_FROM);
        assert_eq!(far.popularity_step(0), POPULARITY_STEPS[0]);
        assert_eq!(
            far.popularity_step(last + 5),
            2.0,
            "beyond the last: the last"
        );
    }

    #[test]
    fn the_familiar_lean_fades_from_the_default_to_the_discover_end() {
        let steering = Steering {
            default_popularity: 4,
            discover_end: 2.0,
            ..Steering::default()
        };
        let last = POPULARITY_STEPS.len() - 1;
        assert_eq!(steering.familiarity_at(0), 1.0);
        assert_eq!(
            steering.familiarity_at(4),
            1.0,
            "all of it at the default (step 0.2)"
        );
        assert_eq!(
            steering.familiarity_at(last),
            0.0,
            "none at the discover end"
        );
        // Position 7 steps 1.25: (2 − 1.25) / (2 − 0.2) of the way.
        assert!((steering.familiarity_at(last - 1) - 0.75 / 1.8).abs() < 1e-6);
    }

    #[test]
    fn the_slider_lifts_only_the_best_scored_candidates() {
        // SPREAD_CANDIDATES scores alternating 10 and 12 (spread 1), then an obscure movie and a
        // famous one far below them.
        let mut scores: Vec<f32> = (0..SPREAD_CANDIDATES)
            .map(|i| if i % 2 == 0 { 10.0 } else { 12.0 })
            .chain([5.0, 5.0])
            .collect();
        let mut z = vec![0.0; scores.len()];
        z[0] = -3.0;
        z[SPREAD_CANDIDATES] = -10.0;
        z[SPREAD_CANDIDATES + 1] = 2.0;
        let discover = |step| Case {
            dislike_similarity: &[],
            dislike_weight: 0.0,
            popularity_step: step,
        };
        adjust(&mut scores, &z, discover(1.0));
        assert_eq!(scores[0], 13.0, "a candidate is lifted");
        assert_eq!(scores[SPREAD_CANDIDATES], 5.0, "an outsider is not");
        assert_eq!(
            scores[SPREAD_CANDIDATES + 1],
            3.0,
            "a famous outsider still goes down"
        );
        let mut familiar: Vec<f32> = (0..SPREAD_CANDIDATES)
            .map(|i| if i % 2 == 0 { 10.0 } else { 12.0 })
            .chain([5.0])
            .collect();
        let mut z = vec![0.0; familiar.len()];
        z[SPREAD_CANDIDATES] = 3.0;
        adjust(&mut familiar, &z, discover(-1.0));
        assert_eq!(
            familiar[SPREAD_CANDIDATES], 8.0,
            "the familiar end lifts a famous outsider"
        );
    }

    #[test]
    fn hostile_settings_are_named() {
        let bad = |s: Steering| s.validate(2).unwrap_err().to_string();
        let ok = Steering::default();
        ok.validate(2).unwrap();
        Steering {
            neighbour_floors: vec![0.5, -1.0],
            ..ok.clone()
        }
        .validate(2)
        .unwrap();
        assert!(
            bad(Steering {
                dislike_weight: f32::NAN,
                ..ok.clone()
            })
            .contains("dislike weight")
        );
        assert!(
            bad(Steering {
                default_popularity: POPULARITY_STEPS.len(),
                ..ok.clone()
            })
            .contains(&format!("step {}", POPULARITY_STEPS.len()))
        );
        assert!(
            bad(Steering {
                neighbour_floors: vec![0.0, f32::INFINITY],
                ..ok.clone()
            })
            .contains("neighbour floor of movie 1")
        );
        assert!(
            bad(Steering {
                neighbour_floors: vec![0.0; 3],
                ..ok.clone()
            })
            .contains("3 neighbour floors for 2 movies")
        );
        for calibration in [-0.1, f32::NAN, 1.0] {
            assert!(
                bad(Steering {
                    calibration,
                    ..ok.clone()
                })
                .contains("calibration"),
                "{calibration}"
            );
        }
        for discover_end in [0.5, f32::NAN, MAX_DISCOVER_END + 1.0] {
            assert!(
                bad(Steering {
                    discover_end,
                    ..ok.clone()
                })
                .contains("discover end"),
                "{discover_end}"
            );
        }
        for few_picks in [-1.0, f32::NAN, MAX_FEW_PICKS + 1.0] {
            assert!(
                bad(Steering {
                    few_picks,
                    ..ok.clone()
                })
                .contains("few-picks"),
                "{few_picks}"
            );
            assert!(
                bad(Steering {
                    dispersed_picks: few_picks,
                    ..ok.clone()
                })
                .contains("dispersed-picks"),
                "{few_picks}"
            );
        }
    }
}
