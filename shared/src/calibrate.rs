//! Calibrated lists (Steck, "Calibrated Recommendations", RecSys 2018): the top of the list keeps
//! the genre mix of the visitor's picks. Without it a mix of two tastes (a horror film and an
//! animation) drifts to the taste most people share, and four documentaries bring back a list of
//! blockbusters: each is what the scores alone say, one movie at a time.
//!
//! The best [`POOL`] movies by score, and the best [`PER_GENRE`] of each genre the picks carry
//! ([`pool`]), are re-ordered greedily: each place goes to the movie that
//! most raises `(1 − λ) · Σ score + λ · (−KL(p ‖ q̃))` of the list so far, where `p` is the picks'
//! genre mix, `q` the list's and `q̃ = (1 − α) q + α p` keeps the divergence finite. Scores are
//! standardised over the pool, so one λ means the same for every model. λ = 0 keeps the order.

use crate::catalog::Catalog;

/// How many of the best-scored movies calibration may re-order.
pub const POOL: usize = 100;
/// How many of each picked genre's best-scored movies join the pool: a genre the crowd's scores
/// leave out of the best [`POOL`] (four documentaries liked, not one documentary among the
/// hundred best scores) can still be placed.
pub const PER_GENRE: usize = 10;
/// The largest calibration weight a file may hold: at 1 the scores would no longer count.
pub const MAX_CALIBRATION: f32 = 0.95;
/// `α` in `q̃`: how much of the picks' mix stands in for genres the list lacks.
const MIX: f32 = 0.01;
/// Genre bits a movie can carry (the catalogue's genre mask).
pub const GENRES: usize = 32;

/// The genre mix of `movies`: each movie shares one unit among its genres; movies without a
/// genre count for nothing. Sums to 1, or is all zeros when no movie has a genre.
pub fn genre_mix(catalog: &Catalog, movies: &[usize]) -> [f32; GENRES] {
    let mut mix = [0f32; GENRES];
    for &movie in movies {
        add_genres(&mut mix, catalog, movie);
    }
    let total: f32 = mix.iter().sum();
    if total > 0.0 {
        mix.iter_mut().for_each(|m| *m /= total);
    }
    mix
}

/// Adds `movie`'s unit, shared among its genres, to `mix`.
fn add_genres(mix: &mut [f32; GENRES], catalog: &Catalog, movie: usize) {
    let genres = catalog.movies[movie].genres;
    let count = genres.count_ones();
    for g in bits(genres) {
        mix[g] += 1.0 / count as f32;
    }
}

/// The genres of a genre mask, as indices.
fn bits(mut genres: u32) -> impl Iterator<Item = usize> {
    // Lowest set bit first: a movie of no wanted genre costs one test, not one per bit.
    std::iter::from_fn(move || {
        (genres != 0).then(|| {
            let g = genres.trailing_zeros() as usize;
            genres &= genres - 1;
            g
        })
    })
}

/// The movies calibration re-orders into `places` places, best first by `scores`: `best` (the
/// best [`POOL`] of `candidates` by [`crate::rank::by_score_desc`], best first) and, for each
/// genre of `target` that `best` holds fewer movies of than its share of the places (at most
/// [`PER_GENRE`]), that genre's best-scored other candidates up to that number. A long
/// history's genres are mostly in `best` already: then nothing is added. Otherwise one pass over
/// `candidates` keeps each short genre's few best so far, so a catalogue of 60,000 movies costs
/// a comparison per movie, not a sort of each genre.
pub fn pool(
    catalog: &Catalog,
    scores: &[f32],
    best: Vec<usize>,
    candidates: &[usize],
    target: &[f32; GENRES],
    places: usize,
) -> Vec<usize> {
    let mut held = [0usize; GENRES];
    for &movie in &best {
        bits(catalog.movies[movie].genres).for_each(|g| held[g] += 1);
    }
    // A genre with share p of the picks wants about p · places of the list.
    let missing: Vec<usize> = (0..GENRES)
        .map(|g| {
            let wanted = ((target[g] * places as f32).ceil() as usize).min(PER_GENRE);
            wanted.saturating_sub(held[g])
        })
        .collect();
    let short: u32 = (0..GENRES)
        .filter(|&g| missing[g] > 0)
        .fold(0, |mask, g| mask | 1 << g);
    if short == 0 {
        return best;
    }
    let order = crate::rank::by_score_desc(scores);
    // `best` is the best of `candidates`: every other candidate ranks after its last.
    let outside_best = |movie: &&usize| best.last().is_none_or(|last| order(movie, last).is_gt());
    // Each short genre's best other candidates so far, best first, and a score below which no
    // genre takes a movie any more (none until each holds all it misses; a NaN ranks last, so
    // a list ending in one still takes every number).
    let mut of_genre: Vec<Vec<usize>> = vec![Vec::new(); GENRES];
    let mut floor = f32::NEG_INFINITY;
    for &movie in candidates.iter().filter(outside_best) {
        // Most movies score below every genre's kept few: skipped unread.
        if scores[movie] < floor {
            continue;
        }
        let mut changed = false;
        for g in bits(catalog.movies[movie].genres & short) {
            let kept = &mut of_genre[g];
            if kept.len() == missing[g] && order(&movie, &kept[kept.len() - 1]).is_gt() {
                continue;
            }
            let at = kept.partition_point(|other| order(other, &movie).is_lt());
            kept.insert(at, movie);
            kept.truncate(missing[g]);
            changed = true;
        }
        if changed {
            floor = bits(short)
                .map(|g| match of_genre[g].last() {
                    Some(&last) if of_genre[g].len() == missing[g] && !scores[last].is_nan() => {
                        scores[last]
                    }
                    _ => f32::NEG_INFINITY,
                })
                .fold(f32::INFINITY, f32::min);
        }
    }
    let mut pool = best;
    for movie in of_genre.into_iter().flatten() {
        // A movie of two short genres may be the best of both: it joins once.
        if !pool.contains(&movie) {
            pool.push(movie);
        }
    }
    pool.sort_unstable_by(&order);
    pool
}

/// `p · ln q̃` of one genre, `q̃ = (1 − α) · count / placed + α · p`: the genre's part of
/// `−KL(p ‖ q̃)`, less the constant `p · ln p`.
fn fit(p: f32, count: f32, placed: f32) -> f32 {
    p * ((1.0 - MIX) * count / placed + MIX * p).ln()
}

/// `pool` (best first by `scores`) re-ordered to follow `target`'s genre mix with weight
/// `lambda`; the first `n` places. With `lambda` 0 or a target without genres, the pool's first
/// `n` as they are.
pub fn rerank(
    catalog: &Catalog,
    scores: &[f32],
    pool: &[usize],
    target: &[f32; GENRES],
    lambda: f32,
    n: usize,
) -> Vec<usize> {
    let n = n.min(pool.len());
    if lambda <= 0.0 || target.iter().all(|&p| p == 0.0) {
        return pool[..n].to_vec();
    }
    let values: Vec<f32> = pool.iter().map(|&i| scores[i]).collect();
    let (mean, spread) = crate::steering::mean_std(values.iter().copied());
    let standard = |i: usize| {
        if spread > 0.0 {
            (values[i] - mean) / spread
        } else {
            0.0
        }
    };
    // Each candidate's share of its unit in each of the target's genres it carries. Adding it
    // to the list changes only those genres' parts of the divergence, so only they are
    // recomputed: the others are the same whichever candidate takes the place.
    let in_target: Vec<Vec<(usize, f32)>> = pool
        .iter()
        .map(|&movie| {
            let genres = catalog.movies[movie].genres;
            let share = 1.0 / genres.count_ones().max(1) as f32;
            bits(genres)
                .filter(|&g| target[g] > 0.0)
                .map(|g| (g, share))
                .collect()
        })
        .collect();
    let mut left: Vec<usize> = (0..pool.len()).collect();
    let mut counts = [0f32; GENRES];
    let mut chosen = Vec::with_capacity(n);
    while chosen.len() < n {
        let placed = (chosen.len() + 1) as f32;
        let gain = |k: usize| {
            let closer: f32 = in_target[k]
                .iter()
                .map(|&(g, share)| {
                    fit(target[g], counts[g] + share, placed) - fit(target[g], counts[g], placed)
                })
                .sum();
            (1.0 - lambda) * standard(k) + lambda * closer
        };
        // The first of equals, so the pool's order decides ties.
        let (at, _) = left.iter().enumerate().map(|(at, &k)| (at, gain(k))).fold(
            (0, f32::NEG_INFINITY),
            |best, next| {
                if next.1 > best.1 { next } else { best }
            },
        );
        let k = left.remove(at);
        // Only the target's genres enter the divergence: they are all the counts needed.
        for &(g, share) in &in_target[k] {
            counts[g] += share;
        }
        chosen.push(pool[k]);
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Movie;

    /// Movies 0–5 are Horror (bit 0), 6–11 Animation (bit 1).
    fn catalog() -> Catalog {
        let movies = (0..12)
            .map(|i| Movie {
                id: i + 1,
                title: format!("Movie {i}"),
                year: Some(2000),
                genres: if i < 6 { 0b01 } else { 0b10 },
                rating_count: 10,
                imdb_id: None,
                tmdb_id: None,
            })
            .collect();
        Catalog::new(vec!["Horror".into(), "Animation".into()], movies)
    }

    #[test]
    fn a_mix_of_two_tastes_keeps_both_in_the_list() {
        let catalog = catalog();
        // Animation scores higher throughout: by scores alone the top 4 are all animation.
        let scores: Vec<f32> = (0..12)
            .map(|i| {
                if i < 6 {
                    1.0 - i as f32 * 0.01
                } else {
                    2.0 - i as f32 * 0.01
                }
            })
            .collect();
        let mut pool: Vec<usize> = (0..12).collect();
        pool.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        let picks_mix = genre_mix(&catalog, &[0, 6]);
        assert_eq!(picks_mix[..2], [0.5, 0.5]);
        let plain = rerank(&catalog, &scores, &pool, &picks_mix, 0.0, 4);
        assert!(plain.iter().all(|&i| i >= 6), "{plain:?}");
        let horror = |lambda| {
            let calibrated = rerank(&catalog, &scores, &pool, &picks_mix, lambda, 4);
            // Within each genre the scores' order stays: the best horror film comes first.
            assert!(
                calibrated.contains(&0) && calibrated.contains(&6),
                "{calibrated:?}"
            );
            calibrated.iter().filter(|&&i| i < 6).count()
        };
        assert_eq!(horror(0.8), 1);
        assert_eq!(
            horror(0.95),
            2,
            "the heavier the weight, the closer to the picks' mix"
        );
        // For a horror pick, a pool of the best 4 by score (all animation) gains the horror films.
        let horror_pick = genre_mix(&catalog, &[0]);
        let widened = super::pool(
            &catalog,
            &scores,
            pool[..4].to_vec(),
            &pool,
            &horror_pick,
            4,
        );
        assert_eq!(widened.len(), 4 + 4, "as many as the places: {widened:?}");
        assert_eq!(widened[..4], pool[..4], "best first by score");
        assert_eq!(widened[4..], [0, 1, 2, 3], "the best horror films");
        // Half the picks horror: half the places' worth of horror films.
        let widened = super::pool(&catalog, &scores, pool[..4].to_vec(), &pool, &picks_mix, 4);
        assert_eq!(widened[4..], [0, 1]);
        // With every candidate in the pool already, nothing is added.
        let animation_pick = genre_mix(&catalog, &[6]);
        assert_eq!(
            super::pool(&catalog, &scores, pool.clone(), &pool, &animation_pick, 4),
            pool
        );
        // A movie scored NaN ranks last: a genre whose one place it holds still takes any
        // number after it.
        let mut unsure = scores.clone();
        unsure[0] = f32::NAN;
        let horror_first: Vec<usize> = (0..12).collect();
        let widened = super::pool(
            &catalog,
            &unsure,
            Vec::new(),
            &horror_first,
            &horror_pick,
            1,
        );
        assert_eq!(widened, [1], "the best horror film with a score");
        // A picks' mix of animation alone changes nothing.
        let animation = genre_mix(&catalog, &[6, 7]);
        assert_eq!(rerank(&catalog, &scores, &pool, &animation, 0.8, 4), plain);
    }
}
