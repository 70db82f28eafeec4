//! Assembling a [`Dataset`] from a release's folder: which files each layout reads, in which
//! order, dense user indices, and one rating per user and movie.

use std::path::{Path, PathBuf};

use super::lines::Encoding;
use super::{
    DataError, Dataset, DatasetName, IdIndex, Layout, Movie, Rating, csv_release, dat,
    missing_file, ml100k, refuse_directory,
};

/// Parses release `name` from its folder.
pub(super) fn load_folder(folder: &Path, name: DatasetName) -> Result<Dataset, DataError> {
    for file in name.required_files() {
        let path = folder.join(file);
        refuse_directory(&path)?;
        // Present as anything: a device or a pipe is then refused by name when opened.
        if !path.exists() {
            return Err(missing_file(name, file, vec![folder.to_path_buf()]));
        }
    }
    let p = |f: &str| -> PathBuf { folder.join(f) };
    let mut tags_beyond_limit = 0;
    let (user_ids, movies, mut ratings, genre_names, users) = match name.layout() {
        Layout::Ml100k => {
            let genre_names = ml100k::parse_genres(&p("u.genre"))?;
            let movies = ml100k::parse_items(&p("u.item"), genre_names.len())?;
            let (user_ids, users) = ml100k::parse_users(&p("u.user"))?;
            let items = build_item_index(&movies);
            let user_index = IdIndex::build(&user_ids).expect("sorted and checked");
            let ratings = ml100k::parse_ratings(&p("u.data"), &items, &user_index)?;
            (user_ids, movies, ratings, genre_names, Some(users))
        }
        Layout::Dat => {
            let enc = if name == DatasetName::Ml1m {
                Encoding::Latin1
            } else {
                Encoding::Utf8
            };
            let (mut movies, genre_names) = dat::parse_movies(&p("movies.dat"), enc)?;
            let items = build_item_index(&movies);
            let (user_ids, users, ratings) = if name == DatasetName::Ml1m {
                let (user_ids, users) = dat::parse_users(&p("users.dat"))?;
                let user_index = IdIndex::build(&user_ids).expect("sorted and checked");
                let ratings = dat::parse_ratings(&p("ratings.dat"), &items, Some(&user_index))?;
                (user_ids, Some(users), ratings)
            } else {
                let mut ratings = dat::parse_ratings(&p("ratings.dat"), &items, None)?;
                (densify_users(&mut ratings), None, ratings)
            };
            if optional_file(&p("tags.dat"))? {
                tags_beyond_limit = dat::parse_tags(&p("tags.dat"), &items, &mut movies)?;
            }
            (user_ids, movies, ratings, genre_names, users)
        }
        Layout::Csv => {
            let (mut movies, genre_names) = csv_release::parse_movies(&p("movies.csv"))?;
            let items = build_item_index(&movies);
            let mut ratings = csv_release::parse_ratings(&p("ratings.csv"), &items)?;
            let user_ids = densify_users(&mut ratings);
            if optional_file(&p("tags.csv"))? {
                tags_beyond_limit = csv_release::parse_tags(&p("tags.csv"), &items, &mut movies)?;
            }
            if optional_file(&p("links.csv"))? {
                csv_release::parse_links(&p("links.csv"), &items, &mut movies)?;
            }
            (user_ids, movies, ratings, genre_names, None)
        }
    };
    let duplicate_ratings = drop_duplicate_ratings(&mut ratings, user_ids.len(), movies.len());
    let mut dataset = Dataset::new(
        name,
        folder.to_path_buf(),
        user_ids,
        movies,
        ratings,
        genre_names,
        users,
    );
    dataset.duplicate_ratings = duplicate_ratings;
    dataset.tags_beyond_limit = tags_beyond_limit;
    Ok(dataset)
}

fn build_item_index(movies: &[Movie]) -> IdIndex {
    let ids: Vec<u32> = movies.iter().map(|m| m.id).collect();
    IdIndex::build(&ids).expect("movie parsers reject duplicate ids")
}

/// Whether an optional file (tags) is there; a directory in its place is an error.
fn optional_file(path: &Path) -> Result<bool, DataError> {
    refuse_directory(path)?;
    Ok(path.exists())
}

/// Keeps one rating per (user, movie): the one with the latest timestamp, the later one in the
/// file when the timestamps are equal (a re-rating means the user changed their mind). The kept
/// ratings stay in file order. Returns how many ratings were dropped. `user` and `item` must be
/// dense indices below `n_users` and `n_items`.
fn drop_duplicate_ratings(ratings: &mut Vec<Rating>, n_users: usize, n_items: usize) -> usize {
    // The ratings of each user in file order (counting sort by user).
    let mut start = vec![0usize; n_users + 1];
    for r in ratings.iter() {
        start[r.user as usize] += 1;
    }
    let mut total = 0;
    for s in start.iter_mut() {
        let count = *s;
        *s = total;
        total += count;
    }
    let mut next = start.clone();
    let mut order = vec![0u32; ratings.len()];
    for (i, r) in ratings.iter().enumerate() {
        let slot = &mut next[r.user as usize];
        order[*slot] = i as u32;
        *slot += 1;
    }
    drop(next);
    // Per movie: the last user seen rating it (u32::MAX: none yet) and that user's kept rating.
    let mut owner = vec![u32::MAX; n_items];
    let mut kept = vec![0u32; n_items];
    let mut dropped: Vec<u32> = Vec::new();
    for (u, range) in start.windows(2).enumerate() {
        let u = u as u32;
        for &i in &order[range[0]..range[1]] {
            let item = ratings[i as usize].item as usize;
            if owner[item] != u {
                owner[item] = u;
                kept[item] = i;
                continue;
            }
            let previous = kept[item];
            // `i` is later in the file than `previous`: it wins unless it is strictly older.
            if ratings[i as usize].timestamp >= ratings[previous as usize].timestamp {
                dropped.push(previous);
                kept[item] = i;
            } else {
                dropped.push(i);
            }
        }
    }
    if dropped.is_empty() {
        return 0;
    }
    dropped.sort_unstable();
    let mut next_dropped = dropped.iter().copied().peekable();
    let mut index = 0u32;
    ratings.retain(|_| {
        let here = index;
        index += 1;
        if next_dropped.peek() == Some(&here) {
            next_dropped.next();
            false
        } else {
            true
        }
    });
    dropped.len()
}

/// Replaces raw MovieLens user ids in `ratings` by dense indices (ascending id order) and returns
/// the ids.
pub(super) fn densify_users(ratings: &mut [Rating]) -> Vec<u32> {
    let max = ratings.iter().map(|r| r.user).max().unwrap_or(0) as usize;
    let ids: Vec<u32> = if max <= 16 * ratings.len() + 65_536 {
        let mut seen = vec![false; max + 1];
        for r in ratings.iter() {
            seen[r.user as usize] = true;
        }
        (0..=max as u32).filter(|&u| seen[u as usize]).collect()
    } else {
        let mut ids: Vec<u32> = ratings.iter().map(|r| r.user).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let index = IdIndex::build(&ids).expect("ids are distinct");
    for r in ratings.iter_mut() {
        r.user = index.get(r.user).expect("id was collected");
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::super::DataSource;
    use super::super::test_util::{DATA, TempDir, load, ml_latest_small, ml100k};
    use super::*;

    #[test]
    fn missing_ratings_file() {
        let tmp = TempDir::new("missing");
        tmp.write("ml-1m/movies.dat", "1::A (1995)::Drama\n");
        tmp.write("ml-1m/users.dat", "1::F::1::10::48067\n");
        let err = load(&tmp, DatasetName::Ml1m).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("ml-1m/ratings.dat not found (searched "),
            "{msg}"
        );
        assert!(
            msg.contains(&tmp.path().join("ml-1m").display().to_string()),
            "{msg}"
        );
        assert!(
            msg.contains("--data-dir DIR (or set MOVIELENS_DIR)"),
            "{msg}"
        );
    }

    /// An empty u.genre, u.item or u.user is blamed on itself, not on the file read next.
    #[test]
    fn empty_file_is_named() {
        let tmp = TempDir::new("emptyfiles");
        for (file, content, what) in [
            ("u.genre", "\n", "genres"),
            ("u.item", "", "movies"),
            ("u.user", "\n\n", "users"),
        ] {
            ml100k(&tmp, DATA.as_bytes());
            tmp.write(&format!("ml-100k/{file}"), content);
            let err = load(&tmp, DatasetName::Ml100k).unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, DataError::EmptyFile { .. }), "{msg}");
            let expected = format!("ml-100k/{file} is empty: it should list the {what}");
            assert!(msg.contains(&expected), "{msg}");
        }
        // A movie list with only its header.
        tmp.write("ml-25m/movies.csv", "movieId,title,genres\n");
        tmp.write(
            "ml-25m/ratings.csv",
            "userId,movieId,rating,timestamp\n1,1,4,1\n",
        );
        let msg = load(&tmp, DatasetName::Ml25m).unwrap_err().to_string();
        assert!(msg.contains("ml-25m/movies.csv is empty"), "{msg}");
        // ml-1m users.dat.
        tmp.write("ml-1m/movies.dat", "1::A (1995)::Drama\n");
        tmp.write("ml-1m/users.dat", "");
        tmp.write("ml-1m/ratings.dat", "1::1::5::1\n");
        let msg = load(&tmp, DatasetName::Ml1m).unwrap_err().to_string();
        assert!(msg.contains("ml-1m/users.dat is empty"), "{msg}");
    }

    /// A directory where a file belongs is reported as such, not as "not found".
    #[test]
    fn directory_instead_of_file() {
        let tmp = TempDir::new("isdir");
        ml100k(&tmp, DATA.as_bytes());
        let u_data = tmp.path().join("ml-100k/u.data");
        std::fs::remove_file(&u_data).unwrap();
        std::fs::create_dir_all(&u_data).unwrap();
        let err = load(&tmp, DatasetName::Ml100k).unwrap_err();
        assert!(matches!(err, DataError::IsDirectory { .. }), "{err:?}");
        assert!(
            err.to_string()
                .contains("ml-100k/u.data is a directory, not a file"),
            "{err}"
        );
        // Also when the release folder itself is given.
        let folder = DataSource::Dir(tmp.path().join("ml-100k"));
        let err = Dataset::load(&folder, DatasetName::Ml100k).unwrap_err();
        assert!(matches!(err, DataError::IsDirectory { .. }), "{err:?}");
        // An optional file (tags).
        ml_latest_small(
            &tmp,
            "movieId,title,genres\n1,A,Drama\n",
            "userId,movieId,rating,timestamp\n1,1,4,1\n",
        );
        std::fs::create_dir_all(tmp.path().join("ml-latest-small/tags.csv")).unwrap();
        let err = load(&tmp, DatasetName::MlLatestSmall).unwrap_err();
        assert!(
            err.to_string()
                .contains("ml-latest-small/tags.csv is a directory, not a file"),
            "{err}"
        );
        // A predefined split file.
        std::fs::remove_dir_all(&u_data).unwrap();
        tmp.write("ml-100k/u.data", DATA);
        let ds = load(&tmp, DatasetName::Ml100k).unwrap();
        std::fs::create_dir_all(tmp.path().join("ml-100k/u1.base")).unwrap();
        let err = ds.predefined_split("u1").unwrap_err();
        assert!(
            err.to_string()
                .contains("ml-100k/u1.base is a directory, not a file"),
            "{err}"
        );
    }

    /// A ratings file without ratings is refused, naming that file.
    #[test]
    fn no_ratings_is_an_error() {
        let tmp = TempDir::new("noratings");
        ml100k(&tmp, b"\n");
        let err = load(&tmp, DatasetName::Ml100k).unwrap_err();
        assert!(matches!(err, DataError::NoRatings { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("ml-100k/u.data has no ratings"), "{msg}");
        ml_latest_small(
            &tmp,
            "movieId,title,genres\n1,A,Drama\n",
            "userId,movieId,rating,timestamp\n",
        );
        let err = load(&tmp, DatasetName::MlLatestSmall).unwrap_err();
        assert!(
            err.to_string()
                .contains("ml-latest-small/ratings.csv has no ratings"),
            "{err}"
        );
        tmp.write("ml-10m/movies.dat", "1::A (1995)::Drama\n");
        tmp.write("ml-10m/ratings.dat", "");
        let msg = load(&tmp, DatasetName::Ml10m).unwrap_err().to_string();
        assert!(msg.contains("ml-10m/ratings.dat has no ratings"), "{msg}");
    }

    /// Same user and movie twice: the latest rating is kept (the later line on equal
    /// timestamps), the others are counted.
    #[test]
    fn duplicate_ratings_keep_the_latest() {
        let tmp = TempDir::new("duprating");
        ml100k(
            &tmp,
            b"1\t1\t5\t100\n\
              2\t1\t3\t200\n\
              1\t1\t2\t300\n\
              2\t1\t4\t150\n\
              1\t2\t1\t50\n\
              1\t2\t4\t50\n\
              1\t1\t1\t250\n",
        );
        let ds = load(&tmp, DatasetName::Ml100k).unwrap();
        let r = |user, item, rating, timestamp| Rating {
            user,
            item,
            rating,
            timestamp,
        };
        assert_eq!(
            ds.ratings,
            vec![r(1, 0, 3.0, 200), r(0, 0, 2.0, 300), r(0, 1, 4.0, 50)]
        );
        assert_eq!(ds.duplicate_ratings, 4);
        // A csv release (users are densified first).
        ml_latest_small(
            &tmp,
            "movieId,title,genres\n1,A,Drama\n2,B,Drama\n",
            "userId,movieId,rating,timestamp\n9,2,1.0,5\n3,1,2.0,1\n9,2,4.5,6\n",
        );
        let ds = load(&tmp, DatasetName::MlLatestSmall).unwrap();
        assert_eq!(ds.ratings, vec![r(0, 0, 2.0, 1), r(1, 1, 4.5, 6)]);
        assert_eq!(ds.duplicate_ratings, 1);
    }
}
