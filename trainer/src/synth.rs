//! `trainer synth`: a synthetic release in the real CSV layout (`movies.csv`, `ratings.csv`,
//! `tags.csv`, `links.csv`), shaped like a named MovieLens release, to measure the trainer at
//! sizes no real data here has. A quality figure counts only on real data; on these files a
//! figure says whether a model finds the taste structure planted in them.
//!
//! How the files come about:
//! - Movies: a release year (recent years hold more movies), one to three of MovieLens' genres,
//!   a popularity weight from a Zipf law over a random order of the movies, a latent vector of
//!   [`FACTORS`] values and a quality bias.
//! - Users: a number of ratings from a Pareto law, at least 20 as in MovieLens, scaled so that
//!   the total is the release's; a latent taste vector and an affinity for each genre.
//! - A user's movies: drawn by popularity, each kept with a probability that grows with the
//!   user's affinity for it (taste · movie + genre affinity), until the user has their count.
//! - A rating: 3.5 + user bias + movie bias + affinity + noise, rounded to half stars in 0.5–5,
//!   dated within the user's active months and never before the movie's year.
//! - Tags: about one rating in a hundred also tags the movie with a word of one of its genres.
//!
//! Users are generated in blocks, each from its own seed, so the files are the same whatever the
//! number of threads.

use crate::data::DatasetName;
use anyhow::{Context, Result, bail};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Distribution, Normal, StandardNormal};
use rayon::prelude::*;
use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Latent dimensions of the planted taste.
pub const FACTORS: usize = 8;
/// MovieLens users have at least this many ratings.
pub const MIN_RATINGS: usize = 20;
/// Users generated from one seed.
const BLOCK: usize = 2048;

/// MovieLens' genres, with their rough share of movies.
const GENRES: [(&str, f64); 19] = [
    ("Action", 0.12),
    ("Adventure", 0.07),
    ("Animation", 0.03),
    ("Children", 0.04),
    ("Comedy", 0.26),
    ("Crime", 0.08),
    ("Documentary", 0.05),
    ("Drama", 0.33),
    ("Fantasy", 0.04),
    ("Film-Noir", 0.01),
    ("Horror", 0.07),
    ("IMAX", 0.01),
    ("Musical", 0.02),
    ("Mystery", 0.04),
    ("Romance", 0.1),
    ("Sci-Fi", 0.05),
    ("Thriller", 0.1),
    ("War", 0.03),
    ("Western", 0.02),
];

/// A tag word for each genre, in `GENRES`' order.
const TAGS: [&str; 19] = [
    "explosions",
    "quest",
    "pixar",
    "family",
    "funny",
    "heist",
    "true story",
    "moving",
    "magic",
    "noir",
    "scary",
    "big screen",
    "songs",
    "twist ending",
    "love story",
    "space",
    "suspense",
    "battle",
    "cowboys",
];

const TITLE_WORDS: [&str; 24] = [
    "Night", "River", "Last", "Summer", "Stranger", "City", "Silent", "Road", "Winter", "Dream",
    "House", "Shadow", "Golden", "Return", "Heart", "Storm", "Island", "Secret", "Lost", "King",
    "Garden", "Fire", "Star", "Journey",
];

/// A release's size and span, as GroupLens publishes them.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub release: DatasetName,
    pub users: usize,
    pub movies: usize,
    pub ratings: usize,
    pub first_year: u16,
    pub last_year: u16,
}

impl Shape {
    /// The shape of `release`; synthetic releases exist for the CSV ones worth measuring.
    pub fn of(release: DatasetName) -> Result<Shape> {
        let (users, movies, ratings, last_year) = match release {
            DatasetName::MlLatestSmall => (610, 9_742, 100_836, 2018),
            DatasetName::Ml25m => (162_541, 62_423, 25_000_095, 2019),
            DatasetName::Ml32m => (200_948, 87_585, 32_000_204, 2023),
            other => bail!(
                "--like {other}: synthetic releases are shaped like ml-latest-small, ml-25m or ml-32m"
            ),
        };
        Ok(Shape {
            release,
            users,
            movies,
            ratings,
            first_year: 1902,
            last_year,
        })
    }

    /// Users, movies and ratings times `scale`; every user keeps at least [`MIN_RATINGS`].
    pub fn scaled(self, scale: f64) -> Shape {
        let times = |n: usize| ((n as f64 * scale).round() as usize).max(1);
        let users = times(self.users);
        let movies = times(self.movies).max(MIN_RATINGS * 2);
        Shape {
            users,
            movies,
            ratings: times(self.ratings).max(users * MIN_RATINGS),
            ..self
        }
    }
}

/// What `trainer synth` wrote.
#[derive(Debug)]
pub struct Written {
    pub folder: PathBuf,
    pub users: usize,
    pub movies: usize,
    pub ratings: usize,
    pub tags: usize,
}

/// A movie as generated.
struct SynthMovie {
    id: u32,
    year: u16,
    genres: Vec<usize>,
    /// The latent vector users' tastes are matched against.
    taste: [f32; FACTORS],
    /// 1/√#genres: a user's genre affinities count once in all.
    genre_weight: f32,
    bias: f32,
}

/// Writes a synthetic release shaped like `shape` into `out/<release>/` (refused if it exists,
/// so nothing already there is lost); the files are first written to a temporary folder beside
/// it.
pub fn write(shape: Shape, out: &Path, seed: u64) -> Result<Written> {
    let folder = out.join(shape.release.as_str());
    if out.exists() && !out.is_dir() {
        bail!(
            "--out {} is not a folder (a file or a device): give the folder to write the release in",
            out.display()
        );
    }
    if folder.exists() {
        bail!(
            "{} already exists: remove it or choose another --out",
            folder.display()
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{}.", shape.release.as_str()))
        .tempdir_in(out)
        .with_context(|| format!("writing in {}", out.display()))?;
    let mut rng = StdRng::seed_from_u64(seed);
    let movies = movies(shape, &mut rng);
    write_movies(&temp.path().join("movies.csv"), &movies)?;
    write_links(&temp.path().join("links.csv"), &movies)?;
    let counts = user_counts(shape, &mut rng);
    let (ratings, tags) = write_ratings(temp.path(), shape, &movies, &counts, seed)?;
    let temp = temp.keep();
    std::fs::rename(&temp, &folder)
        .with_context(|| format!("moving {} to {}", temp.display(), folder.display()))?;
    Ok(Written {
        folder,
        users: counts.len(),
        movies: movies.len(),
        ratings,
        tags,
    })
}

fn movies(shape: Shape, rng: &mut StdRng) -> Vec<SynthMovie> {
    let genre_pick = WeightedAliasIndex::new(GENRES.iter().map(|g| g.1).collect())
        .expect("positive genre shares");
    let bias = Normal::new(0.0, 0.4).expect("a finite deviation");
    let span = f64::from(shape.last_year - shape.first_year);
    (0..shape.movies)
        .map(|i| {
            // Sparse ids, as MovieLens' are.
            let id = (i + 1 + i / 3) as u32;
            let year = shape.first_year + (span * rng.random::<f64>().sqrt()).round() as u16;
            let count = match rng.random_range(0..10) {
                0..4 => 1,
                4..8 => 2,
                _ => 3,
            };
            let mut genres: Vec<usize> = Vec::new();
            while genres.len() < count {
                let genre = genre_pick.sample(rng);
                if !genres.contains(&genre) {
                    genres.push(genre);
                }
            }
            genres.sort_unstable();
            let mut taste = [0f32; FACTORS];
            for value in &mut taste {
                *value = rng.sample::<f32, _>(StandardNormal) / (FACTORS as f32).sqrt();
            }
            SynthMovie {
                id,
                year,
                genre_weight: 1.0 / (genres.len() as f32).sqrt(),
                genres,
                taste,
                bias: bias.sample(rng),
            }
        })
        .collect()
}

/// Each user's number of ratings: Pareto-distributed, at least [`MIN_RATINGS`] and at most half
/// the movies, stretched so that the total is the release's (as near as the bounds allow).
fn user_counts(shape: Shape, rng: &mut StdRng) -> Vec<usize> {
    let floor = MIN_RATINGS as f64;
    let raw: Vec<f64> = (0..shape.users)
        .map(|_| floor * (1.0 - rng.random::<f64>()).powf(-1.0 / 1.4))
        .collect();
    let most = (shape.movies / 2).max(MIN_RATINGS);
    let counts = |stretch: f64| -> Vec<usize> {
        raw.iter()
            .map(|r| ((floor + (r - floor) * stretch).round() as usize).clamp(MIN_RATINGS, most))
            .collect()
    };
    // The total grows with the stretch: bisect for the release's.
    let (mut low, mut high) = (0.0, 1.0);
    while counts(high).iter().sum::<usize>() < shape.ratings && high < 1e9 {
        high *= 2.0;
    }
    for _ in 0..60 {
        let middle = (low + high) / 2.0;
        if counts(middle).iter().sum::<usize>() < shape.ratings {
            low = middle;
        } else {
            high = middle;
        }
    }
    counts(high)
}

fn write_movies(path: &Path, movies: &[SynthMovie]) -> Result<()> {
    let mut out =
        csv::Writer::from_path(path).with_context(|| format!("creating {}", path.display()))?;
    let writing = || format!("writing {}", path.display());
    out.write_record(["movieId", "title", "genres"])
        .with_context(writing)?;
    for movie in movies {
        let first = TITLE_WORDS[movie.id as usize % TITLE_WORDS.len()];
        let second = TITLE_WORDS[(movie.id as usize / TITLE_WORDS.len()) % TITLE_WORDS.len()];
        // Every seventh title carries its article at the end, as MovieLens writes them: a comma
        // the CSV must quote.
        let title = if movie.id % 7 == 0 {
            format!("{first} {second} {}, The ({})", movie.id, movie.year)
        } else {
            format!("{first} {second} {} ({})", movie.id, movie.year)
        };
        let genres: Vec<&str> = movie.genres.iter().map(|&g| GENRES[g].0).collect();
        out.write_record([movie.id.to_string(), title, genres.join("|")])
            .with_context(writing)?;
    }
    out.flush().with_context(writing)
}

fn write_links(path: &Path, movies: &[SynthMovie]) -> Result<()> {
    let mut out =
        csv::Writer::from_path(path).with_context(|| format!("creating {}", path.display()))?;
    let writing = || format!("writing {}", path.display());
    out.write_record(["movieId", "imdbId", "tmdbId"])
        .with_context(writing)?;
    for movie in movies {
        out.write_record([
            movie.id.to_string(),
            format!("{:07}", 100_000 + movie.id),
            (1_000 + movie.id).to_string(),
        ])
        .with_context(writing)?;
    }
    out.flush().with_context(writing)
}

/// One block of users' `ratings.csv` and `tags.csv` lines.
#[derive(Default)]
struct Block {
    ratings: String,
    tags: String,
    rating_count: usize,
    tag_count: usize,
}

fn write_ratings(
    folder: &Path,
    shape: Shape,
    movies: &[SynthMovie],
    counts: &[usize],
    seed: u64,
) -> Result<(usize, usize)> {
    let popularity = {
        let mut order: Vec<usize> = (0..movies.len()).collect();
        let mut rng = StdRng::seed_from_u64(seed ^ 0x9e37_79b9);
        for i in (1..order.len()).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        let mut weights = vec![0f64; movies.len()];
        for (rank, &movie) in order.iter().enumerate() {
            weights[movie] = (rank as f64 + 10.0).powf(-0.9);
        }
        WeightedAliasIndex::new(weights).context("movie popularity weights")?
    };
    let open = |name: &str| -> Result<BufWriter<std::fs::File>> {
        let path = folder.join(name);
        let file =
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(BufWriter::with_capacity(1 << 20, file))
    };
    let (mut ratings_out, mut tags_out) = (open("ratings.csv")?, open("tags.csv")?);
    // A full disk shows up in any write: name the file.
    let writing = |name: &str| format!("writing {}", folder.join(name).display());
    ratings_out
        .write_all(b"userId,movieId,rating,timestamp\n")
        .with_context(|| writing("ratings.csv"))?;
    tags_out
        .write_all(b"userId,movieId,tag,timestamp\n")
        .with_context(|| writing("tags.csv"))?;
    let blocks: Vec<usize> = (0..counts.len().div_ceil(BLOCK)).collect();
    let (mut ratings, mut tags) = (0, 0);
    // A few blocks at a time in parallel, written in order: memory stays bounded.
    for wave in blocks.chunks(rayon::current_num_threads() * 4) {
        let done: Vec<Block> = wave
            .par_iter()
            .map(|&block| {
                let start = block * BLOCK;
                let mut rng = StdRng::seed_from_u64(seed.wrapping_add(1 + block as u64));
                let mut out = Block::default();
                for (offset, &count) in counts[start..].iter().take(BLOCK).enumerate() {
                    user_ratings(
                        start + offset,
                        count,
                        shape,
                        movies,
                        &popularity,
                        &mut rng,
                        &mut out,
                    );
                }
                out
            })
            .collect();
        for block in done {
            ratings_out
                .write_all(block.ratings.as_bytes())
                .with_context(|| writing("ratings.csv"))?;
            tags_out
                .write_all(block.tags.as_bytes())
                .with_context(|| writing("tags.csv"))?;
            ratings += block.rating_count;
            tags += block.tag_count;
        }
    }
    ratings_out
        .flush()
        .with_context(|| writing("ratings.csv"))?;
    tags_out.flush().with_context(|| writing("tags.csv"))?;
    Ok((ratings, tags))
}

/// Seconds since 1970 of 1 January of `year`.
fn year_start(year: u16) -> i64 {
    (i64::from(year) - 1970) * 31_556_952
}

#[allow(clippy::too_many_arguments)]
fn user_ratings(
    user: usize,
    count: usize,
    shape: Shape,
    movies: &[SynthMovie],
    popularity: &WeightedAliasIndex<f64>,
    rng: &mut StdRng,
    out: &mut Block,
) {
    use std::fmt::Write as _;
    let mut taste = [0f32; FACTORS];
    for value in &mut taste {
        *value = rng.sample(StandardNormal);
    }
    let genre_affinity: Vec<f32> = (0..GENRES.len())
        .map(|_| 0.7 * rng.sample::<f32, _>(StandardNormal))
        .collect();
    let user_bias = 0.35 * rng.sample::<f32, _>(StandardNormal);
    let affinity = |movie: &SynthMovie| -> f32 {
        let latent: f32 = taste.iter().zip(&movie.taste).map(|(a, b)| a * b).sum();
        let genres: f32 = movie.genres.iter().map(|&g| genre_affinity[g]).sum();
        latent + genres * movie.genre_weight
    };
    let mut chosen: HashSet<usize> = HashSet::with_capacity(count * 2);
    let mut draws = 0usize;
    while chosen.len() < count.min(movies.len()) {
        let movie = popularity.sample(rng);
        draws += 1;
        // Taste decides which popular movies a user rates; past 50 draws a rating, anything goes.
        let keep = draws > 50 * count || {
            let a = affinity(&movies[movie]);
            rng.random::<f32>() < 1.0 / (1.0 + (-5.0 * a).exp())
        };
        if keep {
            chosen.insert(movie);
        }
    }
    let mut chosen: Vec<usize> = chosen.into_iter().collect();
    chosen.sort_unstable();
    // Active for a stretch of months, at some time before the release's end.
    let last = year_start(shape.last_year + 1) - 1;
    let first = year_start(1996);
    let active = (rng.random::<f64>() * 400.0 * 86_400.0) as i64;
    let start = first + (rng.random::<f64>() * (last - active - first) as f64) as i64;
    for movie in chosen {
        let m = &movies[movie];
        let noise = 0.6 * rng.sample::<f32, _>(StandardNormal);
        let value = 3.5 + user_bias + m.bias + 0.8 * affinity(m) + noise;
        let stars = ((value * 2.0).round() / 2.0).clamp(0.5, 5.0);
        let timestamp = (start + (rng.random::<f64>() * active as f64) as i64)
            .max(year_start(m.year))
            .min(last);
        let _ = writeln!(out.ratings, "{},{},{stars:.1},{timestamp}", user + 1, m.id);
        out.rating_count += 1;
        if rng.random_range(0..100) == 0 {
            let tag = TAGS[m.genres[rng.random_range(0..m.genres.len())]];
            let _ = writeln!(out.tags, "{},{},{tag},{timestamp}", user + 1, m.id);
            out.tag_count += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{DataSource, Dataset};

    #[test]
    fn a_small_release_loads_with_the_shape_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let shape = Shape::of(DatasetName::MlLatestSmall).unwrap().scaled(0.1);
        let written = write(shape, dir.path(), 3).unwrap();
        assert_eq!(written.users, 61);
        assert_eq!(written.movies, 974);
        // The total is the release's, give or take the rounding of each user's count.
        let wanted = shape.ratings as f64;
        assert!(
            (written.ratings as f64 - wanted).abs() < 0.05 * wanted,
            "{} ratings for {wanted}",
            written.ratings
        );
        assert!(written.tags > 0);
        let dataset = Dataset::load(
            &DataSource::Dir(dir.path().to_path_buf()),
            DatasetName::MlLatestSmall,
        )
        .unwrap();
        assert_eq!(dataset.ratings.len(), written.ratings);
        assert_eq!(dataset.n_users(), 61);
        let mut per_user = vec![0usize; dataset.n_users()];
        for r in &dataset.ratings {
            per_user[r.user as usize] += 1;
            assert!((0.5..=5.0).contains(&r.rating) && (r.rating * 2.0).fract() == 0.0);
        }
        assert!(per_user.iter().all(|&n| n >= MIN_RATINGS), "{per_user:?}");
        assert!(dataset.movies.iter().any(|m| m.title.ends_with(", The")));
        assert!(
            dataset
                .movies
                .iter()
                .all(|m| m.genres != 0 && m.year.is_some())
        );
        assert_eq!(dataset.duplicate_ratings, 0);
        // The same seed writes the same files; an existing release is never overwritten.
        let again = tempfile::tempdir().unwrap();
        write(shape, again.path(), 3).unwrap();
        let read = |d: &Path| std::fs::read(d.join("ml-latest-small/ratings.csv")).unwrap();
        assert_eq!(read(dir.path()), read(again.path()));
        let err = write(shape, dir.path(), 3).unwrap_err().to_string();
        assert!(err.contains("already exists"), "{err}");
    }

    #[test]
    fn only_the_releases_worth_measuring_have_a_shape() {
        assert!(Shape::of(DatasetName::Ml25m).is_ok());
        let err = Shape::of(DatasetName::Ml100k).unwrap_err().to_string();
        assert!(err.contains("ml-latest-small, ml-25m or ml-32m"), "{err}");
    }
}
