//! Recommendations for a new user: likes, dislikes and "seen it" in, ranked movies with the
//! reasons worth saying out.

use crate::calibrate;
use crate::catalog::{Catalog, Movie};
use crate::foldin::{Closest, Scorer};
use crate::format::{FormatError, InvalidModel, ModelFile, ModelInfo};
use crate::rank::{kth_best, rank_key, top_k};
use crate::search::{SearchIndex, SearchResults};
use crate::stars::{self, FoldedStars, HIGH_STARS, LOW_STARS, StarsPredictor};
use crate::steering::{self, Adjuster, Adjustment, POPULARITY_STEPS, Steering};
use crate::tail::{TailFile, TailScorer};

/// What a visitor asks for. Ids are MovieLens movie ids.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub liked: Vec<u32>,
    /// Movies given stars (0.5 to 5 in halves): never recommended; high stars count as likes
    /// with their strength, low ones as "not for me" ([`Recommender::steering_of_stars`]).
    pub rated: Vec<(u32, f32)>,
    /// "Not for me": never recommended, and the movies like them are pushed down.
    pub disliked: Vec<u32>,
    /// "Seen it": never recommended, and no signal either way.
    pub seen: Vec<u32>,
    pub top_n: usize,
    /// Only movies of this genre (index into the catalogue's genre names).
    pub genre: Option<usize>,
    /// Only movies of this decade (1990 for the 1990s).
    pub decade: Option<u16>,
    /// Familiar ↔ discover: an index into [`POPULARITY_STEPS`]; `None` takes the model's
    /// default, chosen on validation users.
    pub popularity: Option<usize>,
}

impl Request {
    pub fn liking(liked: Vec<u32>, top_n: usize) -> Self {
        Self {
            liked,
            rated: Vec::new(),
            disliked: Vec::new(),
            seen: Vec::new(),
            top_n,
            genre: None,
            decade: None,
            popularity: None,
        }
    }
}

/// One recommended movie.
#[derive(Clone, Debug, PartialEq)]
pub struct Recommendation {
    /// Index into the catalogue.
    pub index: usize,
    pub score: f32,
    /// Up to two liked movies (catalogue indices) strongly like this one, closest first; empty
    /// when no link is strong enough to be worth saying.
    pub because: Vec<usize>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RecommendError {
    #[error("no liked movies given: pick at least one movie")]
    NoPicks,
    #[error("movie id {0} is not in this model's catalogue")]
    UnknownMovie(u32),
    #[error("movie id {id} was given {stars} stars: stars go from 0.5 to 5 in half-star steps")]
    NotHalfStar { id: u32, stars: f32 },
    #[error("popularity step {0} does not exist: the steps are 0 (most familiar) to {max}", max = POPULARITY_STEPS.len() - 1)]
    UnknownStep(usize),
}

/// What a visitor's stars do to the list ([`Recommender::steering_of_stars`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StarsSteering {
    /// Catalogue indices liked, with their weights.
    pub liked: Vec<(usize, f32)>,
    pub disliked: Vec<usize>,
}

/// One visitor's scores before steering ([`Recommender::scored`]).
pub struct Scored {
    /// Raw scores, one per catalogue movie.
    pub scores: Vec<f32>,
    /// The likes and the dislikes, to tell how much closer a movie is to a dislike than to
    /// any like ([`Recommender::dislike_similarity`]); `None` without dislikes.
    closeness: Option<Closeness>,
    /// How many movies were picked (the familiar leans divide by it).
    picks: usize,
    /// How much the picks point one way ([`crate::foldin::Scorer::coherence`]).
    coherence: f32,
}

/// How many of the best scores a list is chosen from: its `n`, or with calibration at least
/// [`calibrate::POOL`] to re-order.
fn best_count(steer: Steer, n: usize) -> usize {
    if steer.calibration <= 0.0 {
        n
    } else {
        n.max(calibrate::POOL)
    }
}

/// A visitor's likes and dislikes, ready to measure any movie against.
struct Closeness {
    liked: Closest,
    disliked: Closest,
}

/// Everything beyond the likes that changes the scores, in catalogue indices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Steer<'a> {
    pub disliked: &'a [usize],
    /// See [`Steering::dislike_weight`].
    pub dislike_weight: f32,
    /// The slider's step at a position ([`Steering::popularity_step`]).
    pub popularity_step: f32,
    /// See [`Steering::few_picks`].
    pub few_picks: f32,
    /// See [`Steering::dispersed_picks`].
    pub dispersed_picks: f32,
    /// See [`Steering::calibration`].
    pub calibration: f32,
}

/// A loaded model, ready to answer requests.
#[derive(Clone)]
pub struct Recommender {
    pub info: ModelInfo,
    pub catalog: Catalog,
    pub steering: Steering,
    scorer: Scorer,
    /// The model's predicted stars, when its file carries them.
    stars: Option<StarsPredictor>,
    search: SearchIndex,
    popularity_z: Vec<f32>,
}

impl Recommender {
    /// Loads a model built in memory, after checking it as a decoded file is checked.
    pub fn new(file: ModelFile) -> Result<Self, InvalidModel> {
        file.validate()?;
        Ok(Self::from_valid(file))
    }

    /// Decodes, verifies and loads a weights file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FormatError> {
        ModelFile::from_bytes(bytes).map(Self::from_valid)
    }

    /// `file` has passed [`ModelFile::validate`], so scoring cannot index out of bounds.
    fn from_valid(file: ModelFile) -> Self {
        let scorer = Scorer::new(&file.weights);
        let stars = file.stars.as_ref().map(StarsPredictor::new);
        let search = SearchIndex::new(&file.catalog);
        let popularity_z =
            steering::popularity_z(file.catalog.movies.iter().map(|m| m.rating_count));
        Self {
            info: file.info,
            catalog: file.catalog,
            steering: file.steering,
            scorer,
            stars,
            search,
            popularity_z,
        }
    }

    /// Adds the movies of `tail` to the catalogue, after the model's own: found by search,
    /// pickable, scored through the tail's map ([`crate::tail`]). `model_checksum` is the model
    /// file's ([`ModelFile::checksum`]): a tail exported with another model is refused.
    /// Returns how many movies were added.
    pub fn attach_tail(
        &mut self,
        tail: TailFile,
        model_checksum: u32,
    ) -> Result<usize, InvalidModel> {
        if self.scorer.has_tail() {
            return Err(InvalidModel::TailAttached);
        }
        if tail.model_checksum != model_checksum {
            return Err(InvalidModel::TailOfAnotherModel {
                tail: tail.model_checksum,
                model: model_checksum,
            });
        }
        let genres = self.catalog.genre_names.len();
        let (input_dim, user_dim) = self.scorer.widths();
        tail.validate(input_dim, user_dim, genres)?;
        let head = self.catalog.len();
        let scorer = TailScorer::new(&tail.weights, &tail.movies, genres);
        self.catalog
            .extend(tail.movies)
            .map_err(InvalidModel::DuplicateMovie)?;
        self.scorer.attach_tail(scorer);
        // The tail's popularity on the model's movies' scale, which the slider was tuned on, and
        // within its range: the discover end lifts a tail movie as much as the model's least
        // known, not more (beyond, it would fill the list with whatever is rarest).
        let log_count = |m: &Movie| (m.rating_count as f32).ln_1p();
        let (mean, std) = steering::mean_std(self.catalog.movies[..head].iter().map(log_count));
        let least_known = self.popularity_z.iter().copied().fold(0f32, f32::min);
        self.popularity_z
            .extend((self.catalog.movies[head..].iter()).map(|m| {
                if std > 0.0 {
                    ((log_count(m) - mean) / std).max(least_known)
                } else {
                    0.0
                }
            }));
        self.search = SearchIndex::new(&self.catalog);
        Ok(self.catalog.len() - head)
    }

    /// Catalogue indices of MovieLens ids; the first unknown id is an error.
    pub fn indices_of(&self, ids: &[u32]) -> Result<Vec<usize>, RecommendError> {
        ids.iter()
            .map(|&id| {
                self.catalog
                    .index_of(id)
                    .ok_or(RecommendError::UnknownMovie(id))
            })
            .collect()
    }

    /// Raw scores for every catalogue item, for picks given as catalogue indices.
    pub fn scores(&self, picks: &[usize]) -> Vec<f32> {
        self.scorer.score_picks(picks)
    }

    /// The model's own steering for `disliked` at slider position `popularity`.
    pub fn steer<'a>(&self, disliked: &'a [usize], popularity: usize) -> Steer<'a> {
        let fade = self.steering.familiarity_at(popularity);
        Steer {
            disliked,
            dislike_weight: self.steering.dislike_weight,
            popularity_step: self.steering.popularity_step(popularity),
            few_picks: self.steering.few_picks * fade,
            dispersed_picks: self.steering.dispersed_picks * fade,
            calibration: self.steering.calibration,
        }
    }

    /// One visitor's scores before steering, and their likes and dislikes to measure movies
    /// against: computed once and then steered any number of ways ([`Self::ranked_scored`]).
    pub fn scored(&self, picks: &[usize], disliked: &[usize]) -> Scored {
        let weighted: Vec<(usize, f32)> = picks.iter().map(|&p| (p, 1.0)).collect();
        self.weighted_scored(&weighted, disliked)
    }

    /// [`Self::scored`] for picks with weights (stars given: [`Self::steering_of_stars`]).
    fn weighted_scored(&self, weighted: &[(usize, f32)], disliked: &[usize]) -> Scored {
        let picks: Vec<usize> = weighted.iter().map(|&(p, _)| p).collect();
        let picks = &picks[..];
        let closeness = (!disliked.is_empty()).then(|| Closeness {
            liked: self.scorer.closest_of(picks),
            disliked: self.scorer.closest_of(disliked),
        });
        Scored {
            scores: self.scorer.score_weighted(weighted),
            closeness,
            picks: picks.len(),
            coherence: self.scorer.coherence(picks),
        }
    }

    /// How much closer (cosine) `movie` is to a dislike than to any like, when it is; 0 or
    /// less when it is not (a movie near both a like and a dislike is not pushed down for the
    /// dislike's sake).
    fn dislike_similarity(&self, closeness: &Closeness, movie: usize) -> f32 {
        let to_disliked = self.scorer.closest_similarity(&closeness.disliked, movie);
        // One like as close as that settles it: the search of the likes can stop there.
        let to_liked = (self.scorer).closest_similarity_until(&closeness.liked, movie, to_disliked);
        to_disliked - to_liked.max(0.0)
    }

    /// How `steer` adjusts `scored`'s scores (see [`steering`]).
    fn adjuster(&self, scored: &Scored, steer: Steer) -> Adjuster {
        Adjuster::new(
            &scored.scores,
            Adjustment {
                dislike_weight: steer.dislike_weight,
                popularity_step: steer.popularity_step
                    - (steer.few_picks + steer.dispersed_picks * (1.0 - scored.coherence))
                        / scored.picks.max(1) as f32,
            },
        )
    }

    /// `movie`'s score in `scored` adjusted by `adjuster`, given its dislike similarity.
    fn adjusted(
        &self,
        adjuster: &Adjuster,
        scored: &Scored,
        movie: usize,
        dislike_similarity: f32,
    ) -> f32 {
        adjuster.adjusted(
            scored.scores[movie],
            dislike_similarity,
            self.popularity_z[movie],
        )
    }

    /// Every movie's score in `scored` adjusted by its dislikes and `steer`'s slider (see
    /// [`steering`]). `steer.disliked` is not read: the dislikes are those `scored` was
    /// computed with.
    pub fn steered(&self, scored: &Scored, steer: Steer) -> Vec<f32> {
        let adjuster = self.adjuster(scored, steer);
        (0..scored.scores.len())
            .map(|movie| {
                let similarity = (scored.closeness.as_ref())
                    .map_or(0.0, |closeness| self.dislike_similarity(closeness, movie));
                self.adjusted(&adjuster, scored, movie, similarity)
            })
            .collect()
    }

    /// Scores for picks, adjusted by dislikes and the popularity slider (see [`steering`]).
    pub fn steered_scores(&self, picks: &[usize], steer: Steer) -> Vec<f32> {
        self.steered(&self.scored_for(picks, steer), steer)
    }

    /// [`Self::scored`] with `steer`'s dislikes when they weigh anything.
    fn scored_for(&self, picks: &[usize], steer: Steer) -> Scored {
        let weighted: Vec<(usize, f32)> = picks.iter().map(|&p| (p, 1.0)).collect();
        self.weighted_scored_for(&weighted, steer)
    }

    fn weighted_scored_for(&self, weighted: &[(usize, f32)], steer: Steer) -> Scored {
        let weighed = if steer.dislike_weight == 0.0 {
            &[][..]
        } else {
            steer.disliked
        };
        self.weighted_scored(weighted, weighed)
    }

    /// The `n` best of `candidates` (catalogue indices) for `picks`, by steered scores, the top
    /// [`calibrate::POOL`] and the best of each picked genre ([`calibrate::pool`]) re-ordered to
    /// keep the picks' genre mix ([`Steering::calibration`]); with their steered scores. The
    /// order the page shows and the trainer measures.
    pub fn ranked(
        &self,
        picks: &[usize],
        steer: Steer,
        candidates: Vec<usize>,
        n: usize,
    ) -> (Vec<usize>, Vec<f32>) {
        self.ranked_scored(&self.scored_for(picks, steer), picks, steer, candidates, n)
    }

    /// [`Self::ranked`] from `scored`, computed for `picks` (and the dislikes `steer` weighs).
    ///
    /// The list every movie's steered score ([`Self::steered`]) gives, but a movie's dislike
    /// similarity, a dot product per like and per dislike (eighty for a visitor who imported a
    /// hundred stars), is measured only for movies that may reach the list. A dislike only
    /// lowers a score, so a movie's score steered as if it were like no dislike bounds it: the
    /// list is chosen on the measured movies' scores and the others' bounds, and when it takes
    /// none of the bounds it is exact (lowering movies a top-k choice left out keeps them out
    /// and changes nothing else); otherwise the movies it took are measured, with every movie
    /// whose bound still reaches the best measured scores, and the list chosen again.
    pub fn ranked_scored(
        &self,
        scored: &Scored,
        picks: &[usize],
        steer: Steer,
        candidates: Vec<usize>,
        n: usize,
    ) -> (Vec<usize>, Vec<f32>) {
        let adjuster = self.adjuster(scored, steer);
        let steered = |movie: usize, dislike_similarity: f32| {
            self.adjusted(&adjuster, scored, movie, dislike_similarity)
        };
        let mut scores: Vec<f32> = (0..scored.scores.len())
            .map(|movie| steered(movie, 0.0))
            .collect();
        let target = calibrate::genre_mix(&self.catalog, picks);
        let choose = |scores: &[f32]| self.chosen(scores, &target, steer, &candidates, n);
        let mut chosen = choose(&scores);
        if let Some(closeness) = &scored.closeness {
            let bounds = scores.clone();
            let mut measured = vec![false; scores.len()];
            // First the list the bounds choose and twice as many of the best bounds.
            let mut wanted: Vec<usize> = if adjuster.dislikes_only_lower() {
                (chosen.iter().copied())
                    .chain(top_k(&bounds, candidates.clone(), 2 * chosen.len()))
                    .collect()
            } else {
                candidates.clone()
            };
            loop {
                for movie in wanted {
                    if !measured[movie] {
                        measured[movie] = true;
                        scores[movie] = steered(movie, self.dislike_similarity(closeness, movie));
                    }
                }
                chosen = choose(&scores);
                let bounded: Vec<usize> = (chosen.iter().copied())
                    .filter(|&movie| !measured[movie])
                    .collect();
                if bounded.is_empty() {
                    break;
                }
                // Those, and every movie whose bound reaches the best measured scores: the
                // others cannot be among the best.
                let reach = kth_best(
                    (candidates.iter().filter(|&&m| measured[m]))
                        .map(|&m| rank_key(scores[m]))
                        .collect(),
                    best_count(steer, n),
                );
                wanted = (bounded.into_iter())
                    .chain(
                        (candidates.iter().copied())
                            .filter(|&m| !measured[m] && bounds[m] >= reach),
                    )
                    .collect();
            }
        }
        let ranked = self.reordered(&scores, chosen, &target, steer, n);
        let ranked_scores = ranked.iter().map(|&movie| scores[movie]).collect();
        (ranked, ranked_scores)
    }

    /// The order of [`Self::ranked`] from every candidate's steered score
    /// ([`Self::steered`]).
    pub fn ranked_by(
        &self,
        scores: &[f32],
        picks: &[usize],
        steer: Steer,
        candidates: &[usize],
        n: usize,
    ) -> Vec<usize> {
        let target = calibrate::genre_mix(&self.catalog, picks);
        let chosen = self.chosen(scores, &target, steer, candidates, n);
        self.reordered(scores, chosen, &target, steer, n)
    }

    /// What [`Self::ranked_by`] chooses from `scores`: the `n` best of `candidates`, or with
    /// calibration the pool it re-orders to `target`'s genre mix ([`Self::reordered`]).
    fn chosen(
        &self,
        scores: &[f32],
        target: &[f32; calibrate::GENRES],
        steer: Steer,
        candidates: &[usize],
        n: usize,
    ) -> Vec<usize> {
        let best = top_k(scores, candidates.to_vec(), best_count(steer, n));
        if steer.calibration <= 0.0 {
            return best;
        }
        calibrate::pool(&self.catalog, scores, best, candidates, target, n)
    }

    /// The first `n` of `chosen` ([`Self::chosen`]) in the list's order: as they are, or
    /// re-ordered to `target`'s genre mix with calibration.
    fn reordered(
        &self,
        scores: &[f32],
        chosen: Vec<usize>,
        target: &[f32; calibrate::GENRES],
        steer: Steer,
        n: usize,
    ) -> Vec<usize> {
        if steer.calibration <= 0.0 {
            return chosen;
        }
        calibrate::rerank(&self.catalog, scores, &chosen, target, steer.calibration, n)
    }

    /// The top movies for a new user: never a liked, rated, disliked or seen movie, filters
    /// applied.
    pub fn recommend(&self, request: &Request) -> Result<Vec<Recommendation>, RecommendError> {
        let rated = self.rated_indices(&request.rated)?;
        let from_stars = Self::steering_of_stars(&rated);
        // A movie with stars counts by its stars alone, whatever list also names it.
        let unrated = |ids: &[u32]| -> Result<Vec<usize>, RecommendError> {
            let indices = self.indices_of(ids)?;
            Ok((indices.into_iter())
                .filter(|&i| rated.iter().all(|&(r, _)| r != i))
                .collect())
        };
        let mut weighted: Vec<(usize, f32)> = (unrated(&request.liked)?.into_iter())
            .map(|p| (p, 1.0))
            .collect();
        weighted.extend(from_stars.liked);
        if weighted.is_empty() {
            return Err(RecommendError::NoPicks);
        }
        let mut disliked = unrated(&request.disliked)?;
        disliked.extend(from_stars.disliked);
        let seen = self.indices_of(&request.seen)?;
        let popularity = request
            .popularity
            .unwrap_or(self.steering.default_popularity);
        if popularity >= POPULARITY_STEPS.len() {
            return Err(RecommendError::UnknownStep(popularity));
        }
        let picks: Vec<usize> = weighted.iter().map(|&(p, _)| p).collect();
        let mut hidden = vec![false; self.catalog.len()];
        let given = rated.iter().map(|&(i, _)| i);
        for i in picks
            .iter()
            .chain(&disliked)
            .chain(&seen)
            .copied()
            .chain(given)
        {
            hidden[i] = true;
        }
        let candidates: Vec<usize> = (0..self.catalog.len())
            .filter(|&i| !hidden[i])
            .filter(|&i| {
                let movie = &self.catalog.movies[i];
                request.genre.is_none_or(|g| movie.has_genre(g))
                    && request.decade.is_none_or(|d| movie.decade() == Some(d))
            })
            .collect();
        let steer = self.steer(&disliked, popularity);
        let scored = self.weighted_scored_for(&weighted, steer);
        let (ranked, scores) =
            self.ranked_scored(&scored, &picks, steer, candidates, request.top_n);
        let reasons = self.reasons(&ranked, &picks);
        Ok((ranked.into_iter().zip(scores).zip(reasons))
            .map(|((index, score), because)| Recommendation {
                index,
                score,
                because,
            })
            .collect())
    }

    /// Catalogue indices of rated MovieLens ids, with their stars; an unknown id or a rating
    /// that is not a half-star from 0.5 to 5 is an error.
    pub fn rated_indices(&self, rated: &[(u32, f32)]) -> Result<Vec<(usize, f32)>, RecommendError> {
        rated
            .iter()
            .map(|&(id, stars)| {
                if !stars::is_half_star(stars) {
                    return Err(RecommendError::NotHalfStar { id, stars });
                }
                let index = (self.catalog.index_of(id)).ok_or(RecommendError::UnknownMovie(id))?;
                Ok((index, stars))
            })
            .collect()
    }

    /// How stars steer the list: from [`HIGH_STARS`] up a like weighing `(stars − 3) / 2` (a
    /// five-star movie as much as a "Like", four stars half as much beside them; the pooled
    /// vector is normalised, so weights matter only relative to one another), at [`LOW_STARS`]
    /// or below "not for me"; in between no signal, as "seen it".
    pub fn steering_of_stars(rated: &[(usize, f32)]) -> StarsSteering {
        let mut steering = StarsSteering::default();
        for &(movie, stars) in rated {
            if stars >= HIGH_STARS {
                steering.liked.push((movie, (stars - 3.0) / 2.0));
            } else if stars <= LOW_STARS {
                steering.disliked.push(movie);
            }
        }
        steering
    }

    /// Whether the model's file carries predicted stars ([`Self::predicted_stars`]).
    pub fn predicts_stars(&self) -> bool {
        self.stars.is_some()
    }

    /// Every catalogue movie's predicted stars for a visitor who gave `rated` (catalogue index,
    /// stars), liked `liked` and said "not for me" to `disliked` (each counted as the stars such
    /// a choice stands for, unless the movie has stars of its own); `None` when the model
    /// carries no stars. The tail's movies ([`crate::tail`]) are predicted NaN: no stars.
    pub fn predicted_stars(
        &self,
        rated: &[(usize, f32)],
        liked: &[usize],
        disliked: &[usize],
    ) -> Option<Vec<f32>> {
        let folded = self.fold_in_stars(rated, liked, disliked)?;
        Some(
            (0..self.catalog.len())
                .map(|movie| self.stars_of(&folded, movie).unwrap_or(f32::NAN))
                .collect(),
        )
    }

    /// The visitor of [`Self::predicted_stars`] folded in once, for [`Self::stars_of`] to
    /// predict any movie from; `None` when the model carries no stars.
    pub fn fold_in_stars(
        &self,
        rated: &[(usize, f32)],
        liked: &[usize],
        disliked: &[usize],
    ) -> Option<FoldedStars> {
        let stars = self.stars.as_ref()?;
        let has_stars = |movie: usize| rated.iter().any(|&(m, _)| m == movie);
        let mut given = rated.to_vec();
        given.extend(
            (liked.iter())
                .filter(|&&m| !has_stars(m))
                .map(|&m| (m, stars.like_stars)),
        );
        given.extend(
            (disliked.iter())
                .filter(|&&m| !has_stars(m))
                .map(|&m| (m, stars.dislike_stars)),
        );
        // The tail's movies have no stars of their own: they neither inform nor get a prediction.
        given.retain(|&(m, _)| m < stars.movies());
        Some(stars.fold_in(&given))
    }

    /// The predicted stars of catalogue movie `movie` for the visitor `folded`; `None` for a
    /// movie of the tail or a model without stars.
    pub fn stars_of(&self, folded: &FoldedStars, movie: usize) -> Option<f32> {
        let stars = self.stars.as_ref()?;
        (movie < stars.movies()).then(|| stars.stars_of(folded, movie))
    }

    /// The (up to) two picks that recommend `item` most strongly on their own, among those it
    /// is one of the [`steering::REASON_NEIGHBOURS`] strongest neighbours of: a pick is named
    /// only when it really drives the recommendation.
    pub fn because(&self, item: usize, picks: &[usize]) -> Vec<usize> {
        self.reasons(&[item], picks).pop().unwrap_or_default()
    }

    /// [`Self::because`] for each of `items`, each pick's own user vector computed once.
    fn reasons(&self, items: &[usize], picks: &[usize]) -> Vec<Vec<usize>> {
        let floors = &self.steering.neighbour_floors;
        if floors.is_empty() {
            return vec![Vec::new(); items.len()];
        }
        let alone_users: Vec<Vec<f32>> = picks
            .iter()
            .map(|&p| self.scorer.user_vector(&[p]))
            .collect();
        items
            .iter()
            .map(|&item| {
                let alone: Vec<f32> = alone_users
                    .iter()
                    .zip(picks)
                    .map(|(user, &pick)| self.scorer.score_for_one_pick(user, pick, item))
                    .collect();
                let driving = (0..picks.len())
                    .filter(|&k| {
                        // A tail movie has no floor: it is never named as a reason.
                        picks[k] != item && floors.get(picks[k]).is_some_and(|&f| alone[k] >= f)
                    })
                    .collect();
                top_k(&alone, driving, 2)
                    .into_iter()
                    .map(|k| picks[k])
                    .collect()
            })
            .collect()
    }

    /// Each movie's neighbour floor (see [`Steering::neighbour_floors`]): the score of the
    /// [`steering::REASON_NEIGHBOURS`]-th best other movie when it alone is picked, or of the
    /// last when the catalogue is smaller. Scores the whole catalogue once per movie: the
    /// trainer calls it once, in parallel (`neighbour_floor` for one movie).
    pub fn neighbour_floor(&self, movie: usize) -> f32 {
        let mut others: Vec<f32> = self.scores(&[movie]);
        others.swap_remove(movie);
        let k = steering::REASON_NEIGHBOURS.min(others.len());
        if k == 0 {
            return f32::INFINITY;
        }
        let (_, &mut floor, _) = others.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
        floor
    }

    /// Catalogue indices whose titles match `query`, best first, with a correction when the
    /// query matched only after forgiving typos.
    pub fn search(&self, query: &str, limit: usize) -> SearchResults {
        self.search.search(&self.catalog, query, limit)
    }

    /// The most-rated movies, optionally of one genre.
    pub fn popular(&self, genre: Option<usize>, limit: usize) -> Vec<usize> {
        crate::search::popular(&self.catalog, genre, limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::tiny_file;

    fn recommender() -> Recommender {
        Recommender::from_bytes(&tiny_file().to_bytes()).unwrap()
    }

    #[test]
    fn ranks_by_score_and_never_returns_picks() {
        let rec = recommender();
        // Liking id 1 (index 0): pooled [1,0] -> tower [1, 0.5]; scores: idx1 = 0.6, idx2 = 0.75 - 1 = -0.25.
        let out = rec.recommend(&Request::liking(vec![1], 10)).unwrap();
        let ids: Vec<u32> = out.iter().map(|r| rec.catalog.movies[r.index].id).collect();
        assert_eq!(ids, [2, 3]);
        assert!((out[0].score - 0.6).abs() < 1e-3);
        // Toy Story alone gives Heat 0.6, at least its floor of 0.5: Heat is among its strongest
        // neighbours and names it. Babe (−0.25) is not.
        assert_eq!(out[0].because, [0]);
        assert!(out[1].because.is_empty());
        // Without floors no reason is named.
        let mut file = crate::fixtures::tiny_file();
        file.steering.neighbour_floors.clear();
        let silent = Recommender::new(file).unwrap();
        let out = silent.recommend(&Request::liking(vec![1], 10)).unwrap();
        assert!(out.iter().all(|r| r.because.is_empty()));
        // The floors as computed: with three movies, each pick's floor is its last neighbour's.
        assert_eq!(rec.neighbour_floor(0), -0.25);
    }

    #[test]
    fn stars_steer_as_likes_and_dislikes_and_are_never_recommended() {
        let rec = recommender();
        let ids = |request: &Request| -> Vec<u32> {
            (rec.recommend(request).unwrap().iter())
                .map(|r| rec.catalog.movies[r.index].id)
                .collect()
        };
        // Five stars for Toy Story: a "Like" of it.
        let mut request = Request::liking(Vec::new(), 10);
        request.rated = vec![(1, 5.0)];
        assert_eq!(
            rec.recommend(&request).unwrap(),
            rec.recommend(&Request::liking(vec![1], 10)).unwrap()
        );
        // Two stars for Heat: not for me, never recommended.
        request.rated.push((2, 2.0));
        assert_eq!(ids(&request), [3]);
        // Three stars for Babe: seen, no other effect.
        request.rated.push((3, 3.0));
        assert!(ids(&request).is_empty());
        // Low stars alone leave nothing to start from; a rating off the half-star steps is named.
        request.rated = vec![(2, 1.0)];
        assert_eq!(rec.recommend(&request), Err(RecommendError::NoPicks));
        // Stars win over a like of the same movie: two stars make it "not for me".
        let mut both = Request::liking(vec![1, 2], 10);
        both.rated = vec![(1, 2.0)];
        assert_eq!(
            ids(&both),
            ids(&{
                let mut disliked = Request::liking(vec![2], 10);
                disliked.disliked = vec![1];
                disliked
            })
        );
        request.rated = vec![(1, 4.2)];
        assert_eq!(
            rec.recommend(&request),
            Err(RecommendError::NotHalfStar { id: 1, stars: 4.2 })
        );
    }

    #[test]
    fn predicted_stars_count_a_like_as_its_stars_unless_rated() {
        let rec = recommender();
        let like = crate::fixtures::tiny_stars().like_stars;
        let as_like = rec.predicted_stars(&[], &[0], &[]).unwrap();
        assert_eq!(
            as_like,
            rec.predicted_stars(&[(0, like)], &[], &[]).unwrap()
        );
        // The movie's own stars win over the like.
        let rated = rec.predicted_stars(&[(0, 1.0)], &[0], &[]).unwrap();
        assert_eq!(rated, rec.predicted_stars(&[(0, 1.0)], &[], &[]).unwrap());
        assert_ne!(rated, as_like);
        let mut file = tiny_file();
        file.stars = None;
        let without = Recommender::new(file).unwrap();
        assert!(!without.predicts_stars() && without.predicted_stars(&[], &[0], &[]).is_none());
    }

    #[test]
    fn filters_and_exclusions_apply() {
        let rec = recommender();
        let mut request = Request::liking(vec![1], 10);
        request.genre = Some(0); // Animation: only Babe remains.
        let ids: Vec<usize> = rec
            .recommend(&request)
            .unwrap()
            .iter()
            .map(|r| r.index)
            .collect();
        assert_eq!(ids, [2]);
        request.genre = None;
        request.seen = vec![3];
        let ids: Vec<usize> = rec
            .recommend(&request)
            .unwrap()
            .iter()
            .map(|r| r.index)
            .collect();
        assert_eq!(ids, [1]);
        request.decade = Some(1980);
        assert!(rec.recommend(&request).unwrap().is_empty());
    }

    #[test]
    fn bad_requests_get_named_errors() {
        let rec = recommender();
        assert_eq!(
            rec.recommend(&Request::liking(vec![], 5)).unwrap_err(),
            RecommendError::NoPicks
        );
        assert_eq!(
            rec.recommend(&Request::liking(vec![1, 999], 5))
                .unwrap_err(),
            RecommendError::UnknownMovie(999)
        );
        let mut request = Request::liking(vec![1], 5);
        request.popularity = Some(POPULARITY_STEPS.len());
        assert_eq!(
            rec.recommend(&request).unwrap_err(),
            RecommendError::UnknownStep(POPULARITY_STEPS.len())
        );
    }

    #[test]
    fn one_scoring_steered_many_ways_ranks_as_each_request_alone() {
        let rec = recommender();
        let (picks, disliked) = ([0], [1]);
        let scored = rec.scored(&picks, &disliked);
        for dislike_weight in [0.0, 1.0, 4.0] {
            for popularity_step in POPULARITY_STEPS {
                for calibration in [0.0, 0.6] {
                    let steer = Steer {
                        disliked: &disliked,
                        dislike_weight,
                        popularity_step,
                        few_picks: 0.5,
                        dispersed_picks: 1.0,
                        calibration,
                    };
                    let candidates = vec![1, 2];
                    assert_eq!(
                        rec.ranked_scored(&scored, &picks, steer, candidates.clone(), 2),
                        rec.ranked(&picks, steer, candidates, 2),
                        "{steer:?}"
                    );
                }
            }
        }
        // The dislike did move something, so the comparison above saw it.
        let steer = |dislike_weight| Steer {
            dislike_weight,
            ..rec.steer(&disliked, 0)
        };
        assert_ne!(
            rec.steered(&scored, steer(4.0)),
            rec.steered(&scored, steer(0.0))
        );
    }

    #[test]
    fn few_picks_lean_to_the_familiar_less_with_each_pick() {
        let rec = recommender();
        let steer = |popularity_step, few_picks| Steer {
            disliked: &[],
            dislike_weight: 0.0,
            popularity_step,
            few_picks,
            dispersed_picks: 0.0,
            calibration: 0.0,
        };
        // One pick: the whole of it off the slider's step; two picks: half of it.
        assert_eq!(
            rec.steered_scores(&[0], steer(0.1, 0.4)),
            rec.steered_scores(&[0], steer(0.1 - 0.4, 0.0))
        );
        assert_eq!(
            rec.steered_scores(&[0, 1], steer(0.1, 0.4)),
            rec.steered_scores(&[0, 1], steer(0.1 - 0.2, 0.0))
        );
        assert_ne!(
            rec.steered_scores(&[0], steer(0.1, 0.4)),
            rec.steered_scores(&[0], steer(0.1, 0.0))
        );
        // Picks that point apart lean further: by the dispersed-picks familiarity times one
        // less their coherence, over the number of picks; one pick is coherent and does not.
        let dispersed = |popularity_step, dispersed_picks| Steer {
            dispersed_picks,
            ..steer(popularity_step, 0.4)
        };
        let apart = 1.0 - rec.scorer.coherence(&[0, 1]);
        assert!(apart > 0.2, "Toy Story and Heat point apart: {apart}");
        let leaned = rec.steered_scores(&[0, 1], dispersed(0.1, 2.0));
        let stepped = rec.steered_scores(&[0, 1], dispersed(0.1 - 2.0 * apart / 2.0, 0.0));
        assert!(
            leaned
                .iter()
                .zip(&stepped)
                .all(|(a, b)| (a - b).abs() < 1e-5),
            "{leaned:?} vs {stepped:?}"
        );
        assert_ne!(leaned, rec.steered_scores(&[0, 1], dispersed(0.1, 0.0)));
        assert_eq!(
            rec.steered_scores(&[0], dispersed(0.1, 2.0)),
            rec.steered_scores(&[0], dispersed(0.1, 0.0))
        );
    }

    #[test]
    fn dislikes_push_down_similar_movies_and_seen_only_hides() {
        let rec = recommender();
        let steer = |disliked: &'static [usize]| Steer {
            disliked,
            dislike_weight: 1.0,
            popularity_step: 0.0,
            few_picks: 0.0,
            dispersed_picks: 0.0,
            calibration: 0.0,
        };
        // No likes: Babe (cosine 0.71 to Toy Story) goes down when Toy Story is disliked, by
        // 1 x the scores' spread x 0.71; Heat (cosine 0) does not move.
        let plain = rec.steered_scores(&[], steer(&[]));
        let steered = rec.steered_scores(&[], steer(&[0]));
        assert!(steered[2] < plain[2] - 0.1, "{plain:?} -> {steered:?}");
        assert_eq!(steered[1], plain[1]);
        // Liking Heat, which is as close to Babe as Toy Story is: Babe is not pushed down.
        let liked = rec.steered_scores(&[1], steer(&[]));
        assert_eq!(rec.steered_scores(&[1], steer(&[0]))[2], liked[2]);

        let ids = |request: &Request| -> Vec<(usize, f32)> {
            rec.recommend(request)
                .unwrap()
                .iter()
                .map(|r| (r.index, r.score))
                .collect()
        };
        let mut request = Request::liking(vec![2], 10);
        let plain = ids(&request);
        request.disliked = vec![1];
        assert_eq!(
            ids(&request).len(),
            1,
            "a disliked movie is never recommended"
        );
        request.disliked.clear();
        request.seen = vec![1];
        let unseen: Vec<(usize, f32)> = plain.into_iter().filter(|(i, _)| *i != 0).collect();
        assert_eq!(ids(&request), unseen);
    }

    #[test]
    fn the_discovery_end_of_the_slider_lifts_less_rated_movies() {
        let rec = recommender();
        // Liking Toy Story: Heat (20 ratings) scores 0.6, Babe (10 ratings) -0.25 at neutral.
        let babe_minus_heat = |step: usize| -> f32 {
            let mut request = Request::liking(vec![1], 10);
            request.popularity = Some(step);
            let out = rec.recommend(&request).unwrap();
            let score = |index| out.iter().find(|r| r.index == index).unwrap().score;
            score(2) - score(1)
        };
        let neutral = babe_minus_heat(steering::neutral_step());
        assert!((neutral + 0.85).abs() < 1e-3, "{neutral}");
        // The end steps (±0.5) move each movie by half the spread per unit of z.
        assert!(babe_minus_heat(POPULARITY_STEPS.len() - 1) > neutral + 0.25);
        assert!(babe_minus_heat(0) < neutral - 0.25);
    }
}
