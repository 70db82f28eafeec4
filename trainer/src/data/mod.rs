//! MovieLens data layer: dataset names, where the files come from, parsing into dense indices,
//! and evaluation splits.
//!
//! A [`Dataset`] holds one complete MovieLens release with *dense* indices: users are numbered
//! `0..user_ids.len()` in ascending MovieLens-id order, movies `0..movies.len()` in the order of the
//! release's movie list (ascending id in every release). All catalogue movies are kept, also those
//! nobody rated.
//!
//! Supported layouts, one module each:
//! * [`ml100k`]: `u.data`, `u.item` (latin-1), `u.genre`, `u.user`, predefined splits `u1..u5`,
//!   `ua`, `ub`;
//! * [`dat`] (ml-1m / ml-10m): `::`-separated `ratings.dat`, `movies.dat` (ml-1m latin-1, ml-10m
//!   UTF-8), `users.dat` (ml-1m), `tags.dat` (ml-10m);
//! * [`csv_release`] (ml-latest-small / ml-20m / ml-25m / ml-32m): UTF-8 CSV with header
//!   (`ratings.csv`, `movies.csv`, `tags.csv`), read with the `csv` crate.
//!
//! Below them, `lines` reads a file as lines of bytes (line ends, blank lines, a last line
//! without newline, encodings, numbers), `records` holds what the formats share once a line is
//! split (a rating from its fields, genres, `Title (year)`, tags, users) and `error` holds
//! [`DataError`]. `load` assembles a [`Dataset`] from a release's folder.
//!
//! Files come either from a local folder ([`DataSource::Dir`]) or from the official GroupLens zips,
//! downloaded once into a cache folder ([`DataSource::Download`], see [`download`]).
//!
//! Every parse error names the file, the 1-based line and the reason ([`DataError`]); a value
//! quoted from a file is cut to its first characters ([`shown`]). An empty required file,
//! a folder in a file's place and a ratings file without ratings are errors that name that file.
//! When a user rated the same movie more than once, only the latest rating is kept (see
//! [`Dataset::duplicate_ratings`]).

pub mod csv_release;
pub mod dat;
pub mod download;
mod error;
mod lines;
mod load;
pub mod ml100k;
mod records;
pub mod split;
#[cfg(test)]
pub(crate) mod test_util;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use error::{DataError, SHOWN_CHARS, shown};
pub(crate) use error::{missing_file, refuse_directory};
pub use lines::Encoding;
pub use split::{
    HeldOutUser, Split, StrongSplit, exclude_users, fold_in_split, leave_latest_out, random_split,
    read_user_id_file, sample_negatives, strong_generalization,
};

/// One MovieLens release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum DatasetName {
    #[value(name = "ml-100k")]
    Ml100k,
    #[value(name = "ml-1m")]
    Ml1m,
    #[value(name = "ml-10m")]
    Ml10m,
    #[value(name = "ml-latest-small")]
    MlLatestSmall,
    #[value(name = "ml-20m")]
    Ml20m,
    #[value(name = "ml-25m")]
    Ml25m,
    #[value(name = "ml-32m")]
    Ml32m,
}

/// File layout family of a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// ml-100k: `u.data`, `u.item`, `u.genre`, `u.user`.
    Ml100k,
    /// ml-1m, ml-10m: `::`-separated `.dat` files.
    Dat,
    /// ml-latest-small, ml-20m, ml-25m, ml-32m: CSV with header.
    Csv,
}

impl DatasetName {
    pub const ALL: [DatasetName; 7] = [
        DatasetName::Ml100k,
        DatasetName::Ml1m,
        DatasetName::Ml10m,
        DatasetName::MlLatestSmall,
        DatasetName::Ml20m,
        DatasetName::Ml25m,
        DatasetName::Ml32m,
    ];

    /// The name used on the command line, in folder names and in zip names, e.g. `"ml-100k"`.
    pub fn as_str(self) -> &'static str {
        match self {
            DatasetName::Ml100k => "ml-100k",
            DatasetName::Ml1m => "ml-1m",
            DatasetName::Ml10m => "ml-10m",
            DatasetName::MlLatestSmall => "ml-latest-small",
            DatasetName::Ml20m => "ml-20m",
            DatasetName::Ml25m => "ml-25m",
            DatasetName::Ml32m => "ml-32m",
        }
    }

    /// Folder names the release may have on disk, preferred first (ml-10m's zip extracts to
    /// `ml-10M100K`).
    pub fn folder_names(self) -> &'static [&'static str] {
        match self {
            DatasetName::Ml10m => &["ml-10m", "ml-10M100K"],
            DatasetName::Ml100k => &["ml-100k"],
            DatasetName::Ml1m => &["ml-1m"],
            DatasetName::MlLatestSmall => &["ml-latest-small"],
            DatasetName::Ml20m => &["ml-20m"],
            DatasetName::Ml25m => &["ml-25m"],
            DatasetName::Ml32m => &["ml-32m"],
        }
    }

    pub fn layout(self) -> Layout {
        match self {
            DatasetName::Ml100k => Layout::Ml100k,
            DatasetName::Ml1m | DatasetName::Ml10m => Layout::Dat,
            _ => Layout::Csv,
        }
    }

    /// The files [`Dataset::load`] needs (optional files such as tags are not listed).
    pub fn required_files(self) -> &'static [&'static str] {
        match self {
            DatasetName::Ml100k => &["u.data", "u.item", "u.genre", "u.user"],
            DatasetName::Ml1m => &["ratings.dat", "movies.dat", "users.dat"],
            DatasetName::Ml10m => &["ratings.dat", "movies.dat"],
            _ => &["ratings.csv", "movies.csv"],
        }
    }

    /// Official GroupLens download address of the release's zip.
    pub fn url(self) -> String {
        format!(
            "https://files.grouplens.org/datasets/movielens/{}.zip",
            self.as_str()
        )
    }
}

impl fmt::Display for DatasetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DatasetName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        DatasetName::ALL
            .into_iter()
            .find(|n| n.as_str() == lower || (*n == DatasetName::Ml10m && lower == "ml-10m100k"))
            .ok_or_else(|| {
                let names: Vec<&str> = DatasetName::ALL.iter().map(|n| n.as_str()).collect();
                format!(
                    "unknown dataset {s:?}; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// Where the MovieLens files come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSource {
    /// A folder that contains e.g. `ml-100k/`, or is itself the `ml-100k` folder.
    Dir(PathBuf),
    /// Download the official zip into `cache_dir` (once) and read it from there.
    Download { cache_dir: PathBuf },
}

/// One rating with dense user and item indices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    pub user: u32,
    pub item: u32,
    pub rating: f32,
    pub timestamp: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movie {
    /// MovieLens movie id.
    pub id: u32,
    /// Title as in the file without the trailing `" (1995)"`, e.g. `"Matrix, The"`.
    pub title: String,
    pub year: Option<u16>,
    /// Bit `i` set = genre `Dataset::genre_names[i]`.
    pub genres: u32,
    /// Distinct lower-case tags in first-seen order (csv releases and ml-10m).
    pub tags: Vec<String>,
    /// IMDb title number (tt0114709 is 114709), from `links.csv` (csv releases).
    pub imdb_id: Option<u32>,
    /// TMDb movie id, from `links.csv` (csv releases).
    pub tmdb_id: Option<u32>,
}

impl Movie {
    /// A movie as a movie list gives it: no tags or links yet (they come from other files).
    pub fn listed(id: u32, title: String, year: Option<u16>, genres: u32) -> Self {
        Self {
            id,
            title,
            year,
            genres,
            tags: Vec::new(),
            imdb_id: None,
            tmdb_id: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// Age in years (ml-100k) or the ml-1m age group code (1, 18, 25, 35, 45, 50, 56).
    pub age: u8,
    /// `'M'` or `'F'`.
    pub gender: char,
    pub occupation: String,
}

/// Lookup from a MovieLens id to a dense index: a flat table when the ids are compact (always the
/// case for MovieLens), a `HashMap` otherwise. Built once.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdIndex {
    table: Vec<u32>,
    map: HashMap<u32, u32>,
}

impl IdIndex {
    const NONE: u32 = u32::MAX;

    /// `ids[i]` gets index `i`. Returns `Err((position, id))` for the second occurrence of a
    /// duplicate id.
    pub(crate) fn build(ids: &[u32]) -> Result<IdIndex, (usize, u32)> {
        let max = ids.iter().copied().max().unwrap_or(0) as usize;
        let mut index = IdIndex::default();
        if max <= 16 * ids.len() + 65_536 {
            index.table = vec![Self::NONE; max + 1];
            for (i, &id) in ids.iter().enumerate() {
                let slot = &mut index.table[id as usize];
                if *slot != Self::NONE {
                    return Err((i, id));
                }
                *slot = i as u32;
            }
        } else {
            index.map.reserve(ids.len());
            for (i, &id) in ids.iter().enumerate() {
                if index.map.insert(id, i as u32).is_some() {
                    return Err((i, id));
                }
            }
        }
        Ok(index)
    }

    #[inline]
    pub(crate) fn get(&self, id: u32) -> Option<u32> {
        if self.map.is_empty() {
            match self.table.get(id as usize) {
                Some(&i) if i != Self::NONE => Some(i),
                _ => None,
            }
        } else {
            self.map.get(&id).copied()
        }
    }
}

/// One complete MovieLens release with dense indices.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: DatasetName,
    /// Folder the files were read from.
    pub dir: PathBuf,
    /// Dense user index -> MovieLens user id (ascending).
    pub user_ids: Vec<u32>,
    /// Dense item index -> movie; all catalogue movies, also unrated ones.
    pub movies: Vec<Movie>,
    /// All ratings of the release, in file order; one per (user, movie) when loaded from files
    /// (see [`Dataset::duplicate_ratings`]).
    pub ratings: Vec<Rating>,
    /// ml-100k: the 19 names of `u.genre` including "unknown"; csv/dat: sorted distinct names seen,
    /// "(no genres listed)" excluded.
    pub genre_names: Vec<String>,
    /// ml-100k (`u.user`) and ml-1m (`users.dat`) only, indexed by dense user.
    pub users: Option<Vec<UserInfo>>,
    /// How many ratings the loader dropped because the same user had rated the same movie
    /// before or after: of each (user, movie) pair only the rating with the latest timestamp is
    /// kept (the later one in the file when the timestamps are equal). In MovieLens a re-rating
    /// means the user changed their mind, so the latest rating is the user's opinion; keeping
    /// both would count the movie twice in training and could put the same pair in both the
    /// train and the test part of a split. 0 for the official releases and from
    /// [`Dataset::new`]; the command line warns when it is not 0.
    pub duplicate_ratings: usize,
    /// Tag lines left out because their movie already had 10,000 other tags (the most kept per
    /// movie); the command line warns when it is not 0.
    pub tags_beyond_limit: usize,
    user_lookup: IdIndex,
    item_lookup: IdIndex,
}

/// Summary numbers of a [`Dataset`].
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetStats {
    pub users: usize,
    /// Catalogue size (also unrated movies).
    pub movies: usize,
    /// Movies with at least one rating.
    pub rated_movies: usize,
    pub ratings: usize,
    /// (rating value, count), ascending by value.
    pub histogram: Vec<(f32, u64)>,
    /// ratings / (users * rated movies).
    pub density: f64,
}

impl fmt::Display for DatasetStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} users, {} movies ({} rated), {} ratings, density {:.4}%; ratings:",
            self.users,
            self.movies,
            self.rated_movies,
            self.ratings,
            self.density * 100.0
        )?;
        for (value, count) in &self.histogram {
            write!(f, " {value}:{count}")?;
        }
        Ok(())
    }
}

impl Dataset {
    /// Builds a dataset from parts whose `ratings` already use dense indices into `user_ids` and
    /// `movies`. Panics on duplicate ids (the parsers report those as errors before). The ratings
    /// are taken as they are: `duplicate_ratings` is 0.
    pub fn new(
        name: DatasetName,
        dir: PathBuf,
        user_ids: Vec<u32>,
        movies: Vec<Movie>,
        ratings: Vec<Rating>,
        genre_names: Vec<String>,
        users: Option<Vec<UserInfo>>,
    ) -> Dataset {
        let user_lookup = IdIndex::build(&user_ids).expect("duplicate user id");
        let movie_ids: Vec<u32> = movies.iter().map(|m| m.id).collect();
        let item_lookup = IdIndex::build(&movie_ids).expect("duplicate movie id");
        Dataset {
            name,
            dir,
            user_ids,
            movies,
            ratings,
            genre_names,
            users,
            duplicate_ratings: 0,
            tags_beyond_limit: 0,
            user_lookup,
            item_lookup,
        }
    }

    /// Reads release `name` from `source`. With [`DataSource::Download`] the zip is downloaded
    /// and extracted on first use.
    pub fn load(source: &DataSource, name: DatasetName) -> Result<Dataset, DataError> {
        match source {
            DataSource::Dir(dir) => {
                let folder = find_folder(dir, name)?;
                load::load_folder(&folder, name)
            }
            DataSource::Download { cache_dir } => {
                let folder = download::ensure_cached(name, cache_dir)?;
                load::load_folder(&folder, name).map_err(|e| match e {
                    e @ DataError::MissingFile { .. } => e,
                    e => DataError::DamagedCache {
                        dir: folder.clone(),
                        source: Box::new(e),
                    },
                })
            }
        }
    }

    pub fn n_users(&self) -> usize {
        self.user_ids.len()
    }

    pub fn n_items(&self) -> usize {
        self.movies.len()
    }

    /// Dense index of a MovieLens user id.
    pub fn user_index(&self, movielens_user_id: u32) -> Option<u32> {
        self.user_lookup.get(movielens_user_id)
    }

    /// Dense index of a MovieLens movie id.
    pub fn item_index(&self, movie_id: u32) -> Option<u32> {
        self.item_lookup.get(movie_id)
    }

    /// Genre names of a movie's bitmask.
    pub fn genres_of(&self, item: u32) -> Vec<&str> {
        let mask = self.movies[item as usize].genres;
        self.genre_names
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, g)| g.as_str())
            .collect()
    }

    /// ml-100k predefined split `"u1"`..`"u5"`, `"ua"`, `"ub"`: `(train, test)` = `NAME.base`,
    /// `NAME.test` from the dataset's folder, mapped to this dataset's dense indices.
    pub fn predefined_split(&self, name: &str) -> Result<Split, DataError> {
        const NAMES: [&str; 7] = ["u1", "u2", "u3", "u4", "u5", "ua", "ub"];
        if self.name != DatasetName::Ml100k {
            return Err(DataError::NoPredefinedSplit {
                dataset: self.name,
                split: shown(name.as_bytes()),
            });
        }
        if !NAMES.contains(&name) {
            return Err(DataError::UnknownSplit {
                split: shown(name.as_bytes()),
            });
        }
        let read = |ext: &str| -> Result<Vec<Rating>, DataError> {
            let file = format!("{name}.{ext}");
            let path = self.dir.join(&file);
            refuse_directory(&path)?;
            if !path.is_file() {
                return Err(missing_file(self.name, &file, vec![self.dir.clone()]));
            }
            ml100k::parse_ratings(&path, &self.item_lookup, &self.user_lookup)
        };
        Ok(Split {
            train: read("base")?,
            test: read("test")?,
        })
    }

    pub fn stats(&self) -> DatasetStats {
        let mut rated = vec![false; self.movies.len()];
        let mut counts: HashMap<u32, u64> = HashMap::new();
        for r in &self.ratings {
            rated[r.item as usize] = true;
            *counts.entry(r.rating.to_bits()).or_default() += 1;
        }
        let mut histogram: Vec<(f32, u64)> = counts
            .into_iter()
            .map(|(bits, c)| (f32::from_bits(bits), c))
            .collect();
        histogram.sort_by(|a, b| a.0.total_cmp(&b.0));
        let rated_movies = rated.iter().filter(|&&r| r).count();
        let cells = self.user_ids.len() as f64 * rated_movies as f64;
        DatasetStats {
            users: self.user_ids.len(),
            movies: self.movies.len(),
            rated_movies,
            ratings: self.ratings.len(),
            histogram,
            density: if cells > 0.0 {
                self.ratings.len() as f64 / cells
            } else {
                0.0
            },
        }
    }
}

/// Resolves the folder of release `name` under `dir`: `dir/ml-100k` (or another folder name of the
/// release), or `dir` itself when it holds the release's files.
pub fn find_folder(dir: &Path, name: DatasetName) -> Result<PathBuf, DataError> {
    let mut searched = Vec::new();
    for folder in name.folder_names() {
        let candidate = dir.join(folder);
        if candidate.is_dir() {
            return Ok(candidate);
        }
        searched.push(candidate);
    }
    // `dir` itself is the release folder if it has one of the release's files (or something in
    // its place, which the parser then reports, e.g. a directory named `u.data`).
    let key_files = name.required_files();
    if key_files.iter().any(|f| dir.join(f).exists()) {
        return Ok(dir.to_path_buf());
    }
    searched.push(dir.to_path_buf());
    Err(missing_file(name, key_files[0], searched))
}

/// The real MovieLens folder that the real-data tests read (the unit tests of this crate and
/// `trainer/tests/real_data.rs`): `MOVIELENS_DIR` or `<workspace>/../shared/movielens`. Panics
/// (fails the test) with a clear message when it does not exist.
#[doc(hidden)]
pub fn movielens_dir() -> PathBuf {
    let dir = match std::env::var_os("MOVIELENS_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/movielens"),
    };
    assert!(
        dir.is_dir(),
        "real-data test: MovieLens folder {} does not exist; set MOVIELENS_DIR to the folder \
         that contains ml-100k/ and ml-latest-small/",
        dir.display()
    );
    dir
}

#[cfg(test)]
mod tests {
    use super::test_util::TempDir;
    use super::*;

    #[test]
    fn names_round_trip() {
        for n in DatasetName::ALL {
            assert_eq!(n.as_str().parse::<DatasetName>().unwrap(), n);
            assert_eq!(n.to_string(), n.as_str());
            let v = <DatasetName as clap::ValueEnum>::to_possible_value(&n).unwrap();
            assert_eq!(v.get_name(), n.as_str());
        }
        assert_eq!(
            "ml-10M100K".parse::<DatasetName>().unwrap(),
            DatasetName::Ml10m
        );
        assert!("ml-5k".parse::<DatasetName>().is_err());
    }

    #[test]
    fn id_index_dense_and_sparse() {
        let dense = IdIndex::build(&[5, 1, 9]).unwrap();
        assert_eq!(dense.get(1), Some(1));
        assert_eq!(dense.get(9), Some(2));
        assert_eq!(dense.get(2), None);
        assert_eq!(dense.get(1_000_000), None);
        let sparse = IdIndex::build(&[4_000_000_000, 3]).unwrap();
        assert_eq!(sparse.get(4_000_000_000), Some(0));
        assert_eq!(sparse.get(3), Some(1));
        assert_eq!(sparse.get(4), None);
        assert_eq!(IdIndex::build(&[1, 2, 1]).unwrap_err(), (2, 1));
    }

    #[test]
    fn missing_folder_names_what_was_searched() {
        let tmp = TempDir::new("nofolder");
        let err = Dataset::load(&DataSource::Dir(tmp.0.clone()), DatasetName::Ml100k).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, DataError::MissingFile { .. }), "{msg}");
        assert!(msg.contains("ml-100k/u.data not found"), "{msg}");
        assert!(
            msg.contains(&tmp.0.join("ml-100k").display().to_string()),
            "{msg}"
        );
        assert!(
            msg.contains("--data-dir") && msg.contains("MOVIELENS_DIR"),
            "{msg}"
        );
    }
}
