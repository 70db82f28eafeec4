//! What the page carries: the catalogue entries of its movies, the model file's size budget, the
//! most liked movies that fit in it and the embedding rank they leave room for.
//!
//! A visitor downloads the whole file before the first recommendation, so the budget is in
//! gzipped bytes, as the server sends them. The catalogue (titles, years, genres) is measured by
//! compressing it; int8 embeddings are counted at their raw size, which gzip barely shrinks, so
//! the estimate errs on the side of a smaller file.

use crate::data::Dataset;
use flate2::Compression;
use flate2::write::GzEncoder;
use shared::{Catalog, Movie};
use std::io::Write;

/// The page's payload budgets (wasm + js + model, gzipped) of the issue that set them: 1 MB for
/// the small releases, 2.5 MB for ml-25m/ml-32m-sized ones. The model file got what the wasm
/// and js (then about 170 KB) left; they are about 240 KB now (stars, imports), which the
/// estimate's margin holds: on ml-latest-small the file is estimated at 830 KB and is 720 KB
/// gzipped, the whole page 936 KiB (`cargo xtask bench-web`).
const SMALL_RELEASE_BUDGET: u64 = 830_000;
const LARGE_RELEASE_BUDGET: u64 = 2_330_000;
/// Releases with fewer ratings get the small budget.
const LARGE_RELEASE_RATINGS: usize = 1_000_000;

/// The rank the budget must leave room for when it chooses how many movies the page carries:
/// below it, a factorised EASE loses more (measured on validation users) than the extra
/// movies bring.
pub const MIN_RANK: usize = 64;

/// The model file's budget for a release with `ratings` ratings, in gzipped bytes.
pub fn default_budget(ratings: usize) -> u64 {
    if ratings < LARGE_RELEASE_RATINGS {
        SMALL_RELEASE_BUDGET
    } else {
        LARGE_RELEASE_BUDGET
    }
}

/// The catalogue entries for `items` (dataset item indices), in model order, with
/// `rating_counts` as their popularity.
pub fn catalog(dataset: &Dataset, items: &[u32], rating_counts: &[u32]) -> Catalog {
    let movies = items
        .iter()
        .zip(rating_counts)
        .map(|(&i, &count)| {
            let m = &dataset.movies[i as usize];
            Movie {
                id: m.id,
                title: m.title.clone(),
                year: m.year,
                genres: m.genres,
                rating_count: count,
                imdb_id: m.imdb_id,
                tmdb_id: m.tmdb_id,
            }
        })
        .collect();
    Catalog::new(dataset.genre_names.clone(), movies)
}

/// Gzipped bytes of the catalogue entries of `movies` (dataset indices), with `counts` standing
/// in for their rating counts.
pub fn catalogue_bytes(dataset: &Dataset, movies: &[u32], counts: &[u32]) -> u64 {
    let catalog = catalog(dataset, movies, counts);
    let encoded = bincode::serde::encode_to_vec(&catalog, bincode::config::standard())
        .expect("a catalogue always encodes");
    let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
    gzip.write_all(&encoded).expect("writing to memory");
    gzip.finish().expect("writing to memory").len() as u64
}

/// Bytes per movie of factorised weights at `rank`: an int8 input and output row with an f32
/// scale each, and an f32 output bias.
fn embedding_bytes(rank: usize) -> u64 {
    (2 * (rank + 4) + 4) as u64
}

/// Bytes per movie of `per_movie` sparse neighbours ([`shared::neighbours`]): an index (a
/// variable-length integer, at most 3 bytes below 65,536 movies) and an int8 weight each, and an
/// f32 scale; nothing without neighbours.
pub fn neighbour_bytes(per_movie: usize) -> u64 {
    if per_movie == 0 {
        0
    } else {
        (4 * per_movie + 4) as u64
    }
}

/// The width of the stars network's rows (`new_user::stars`). 4: on two draws (seeds 42, 43;
/// not those reported) visitors giving ten stars were predicted as well at 4 as at 8, 16 and
/// 32 (ml-latest-small RMSE 0.8716, 0.8720, 0.8733, 0.8741; ml-100k 0.9736 at 4, 0.9739 at 8),
/// and every byte of it is paid on every movie of the page.
pub const STARS_DIM: usize = 4;

/// The rank of the stars network's similarity rows (`new_user::stars::SimilarityRows`). 16: on
/// two draws (seeds 42, 43; not those reported) visitors giving ten stars on ml-latest-small
/// were predicted a little better at 32 and 64 (RMSE less Funk-SVD's −0.0063 at 16, −0.0075,
/// −0.0073; −0.0039 without the neighbour term; on ml-100k −0.0028 at 16 and 32), a gain of the
/// order of the draws' noise, while every byte of a row is paid on every movie of the page.
pub const STARS_SIMILARITY_RANK: usize = 16;

/// Bytes per movie of the stars network in the file: four int8 rows ([`STARS_DIM`] three times,
/// [`STARS_SIMILARITY_RANK`] once) with an f32 scale each, and four one-byte movie terms.
pub const STARS_BYTES_PER_MOVIE: u64 =
    (3 * (STARS_DIM + 4) + (STARS_SIMILARITY_RANK + 4) + 4) as u64;

/// The largest rank whose embeddings fit in `budget` beside a catalogue of `catalogue` bytes
/// over `movies` movies, each with `other_bytes` more (the stars network's).
pub fn affordable_rank(budget: u64, catalogue: u64, movies: usize, other_bytes: u64) -> usize {
    let per_movie = budget.saturating_sub(catalogue) / movies.max(1) as u64;
    (per_movie.saturating_sub(embedding_bytes(0) + other_bytes) / 2) as usize
}

/// How many of `liked` (dataset movies, the most liked first, with their like counts) fit in
/// `budget` with embeddings of [`MIN_RANK`] and `other_bytes` more each.
pub fn affordable_movies(
    budget: u64,
    dataset: &Dataset,
    liked: &[(u32, u32)],
    other_bytes: u64,
) -> usize {
    let fits = |n: usize| {
        let (movies, counts): (Vec<u32>, Vec<u32>) = liked[..n].iter().copied().unzip();
        let per_movie = embedding_bytes(MIN_RANK) + other_bytes;
        catalogue_bytes(dataset, &movies, &counts) + n as u64 * per_movie <= budget
    };
    // Bytes grow with the count: the largest count that fits, by bisection.
    let (mut fitting, mut too_many) = (0, liked.len() + 1);
    while too_many - fitting > 1 {
        let middle = (fitting + too_many) / 2;
        if fits(middle) {
            fitting = middle;
        } else {
            too_many = middle;
        }
    }
    fitting
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_shrinks_as_the_catalogue_grows() {
        let wide = affordable_rank(1_000_000, 100_000, 1_000, 0);
        let narrow = affordable_rank(1_000_000, 100_000, 4_000, 0);
        assert!(wide > narrow, "{wide} vs {narrow}");
        assert!(1_000 * embedding_bytes(wide) <= 900_000);
        assert!(1_000 * embedding_bytes(wide + 1) > 900_000);
        assert_eq!(affordable_rank(1_000, 2_000, 10, 0), 0);
        // The stars' bytes come out of the embeddings' share.
        let with_stars = affordable_rank(1_000_000, 100_000, 1_000, STARS_BYTES_PER_MOVIE);
        assert!(1_000 * (embedding_bytes(with_stars) + STARS_BYTES_PER_MOVIE) <= 900_000);
        assert!(with_stars < wide);
    }
}
