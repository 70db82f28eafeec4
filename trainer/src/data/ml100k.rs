//! ml-100k: `u.genre`, `u.item` (latin-1), `u.user` and the tab-separated ratings of `u.data`
//! and of the predefined splits `u1.base` .. `u5.test`, `ua.*`, `ub.*`.

use std::collections::HashMap;
use std::path::Path;

use super::error::{field_count, malformed};
use super::lines::{Encoding, count_fields, decode, for_each_line, latin1_unless_utf8, num_u32};
use super::records::{
    self, RatingsFormat, age, check_duplicate, gender, non_empty, sort_users, split_title_year,
};
use super::{DataError, IdIndex, Movie, Rating, UserInfo, shown};

/// `u.data` or a split file (`u1.base`, ...): `user\titem\trating\ttimestamp`. Movie ids are
/// mapped with `items`, user ids with `users`.
pub(super) fn parse_ratings(
    path: &Path,
    items: &IdIndex,
    users: &IdIndex,
) -> Result<Vec<Rating>, DataError> {
    records::parse_ratings(path, RatingsFormat::Tab, items, Some(users))
}

/// `u.genre`: `name|index` lines (a trailing blank line is fine).
pub fn parse_genres(path: &Path) -> Result<Vec<String>, DataError> {
    let mut names = Vec::new();
    for_each_line(path, |line| {
        let text = decode(line.bytes, Encoding::Latin1, path, line.no)?;
        let (name, idx) = text
            .split_once('|')
            .ok_or_else(|| field_count(path, line.no, 2, "'|'", count_fields(&text, "|")))?;
        let idx = num_u32(path, line.no, "genre index", idx.as_bytes())?;
        if idx as usize != names.len() {
            return Err(malformed(
                path,
                line.no,
                format!("expected genre index {}, found {idx}", names.len()),
            ));
        }
        names.push(name.to_string());
        Ok(())
    })?;
    let names = non_empty(
        path,
        names,
        "list the genres, one `name|index` line each (19 in ml-100k)",
    )?;
    if names.len() > 32 {
        return Err(malformed(path, names.len(), "more than 32 genres"));
    }
    Ok(names)
}

/// `u.item` (latin-1, or UTF-8 when re-saved so, which is said on stderr):
/// `id|title (year)|release date|video date|url|flag|...` with one 0/1 flag per genre. A title
/// without year takes the year of the release date (`01-Jan-1995`).
pub fn parse_items(path: &Path, n_genres: usize) -> Result<Vec<Movie>, DataError> {
    let mut movies = Vec::with_capacity(2048);
    let mut seen = HashMap::new();
    let expected = 5 + n_genres;
    let encoding = latin1_unless_utf8(path)?;
    if encoding == Encoding::Utf8 {
        eprintln!(
            "note: {} is read as UTF-8 (GroupLens writes it in latin-1; this copy is valid UTF-8)",
            path.display()
        );
    }
    for_each_line(path, |line| {
        let text = decode(line.bytes, encoding, path, line.no)?;
        let fields: Vec<&str> = text.split('|').collect();
        if fields.len() != expected {
            return Err(field_count(path, line.no, expected, "'|'", fields.len()));
        }
        let id = num_u32(path, line.no, "movie id", fields[0].as_bytes())?;
        check_duplicate(&mut seen, path, line.no, id)?;
        let (title, mut year) = split_title_year(fields[1]);
        if year.is_none() {
            let date = fields[2].trim();
            year = date
                .get(date.len().saturating_sub(4)..)
                .and_then(|y| y.parse::<u16>().ok())
                .filter(|y| (1800..=2200).contains(y));
        }
        let mut genres = 0u32;
        for (g, flag) in fields[5..].iter().enumerate() {
            match flag.trim() {
                "0" => {}
                "1" => genres |= 1 << g,
                other => {
                    return Err(malformed(
                        path,
                        line.no,
                        format!(
                            "genre flag {} must be 0 or 1, found {}",
                            g + 1,
                            shown(other.as_bytes())
                        ),
                    ));
                }
            }
        }
        movies.push(Movie::listed(id, title, year, genres));
        Ok(())
    })?;
    non_empty(
        path,
        movies,
        "list the movies, one `id|title|release date|video date|url|genre flags` line each",
    )
}

/// `u.user`: `id|age|gender|occupation|zip`. Returns ids (ascending) and infos.
pub fn parse_users(path: &Path) -> Result<(Vec<u32>, Vec<UserInfo>), DataError> {
    let mut rows = Vec::with_capacity(1024);
    for_each_line(path, |line| {
        let text = decode(line.bytes, Encoding::Latin1, path, line.no)?;
        let f: Vec<&str> = text.split('|').collect();
        if f.len() != 5 {
            return Err(field_count(path, line.no, 5, "'|'", f.len()));
        }
        let id = num_u32(path, line.no, "user id", f[0].as_bytes())?;
        let info = UserInfo {
            age: age(path, line.no, f[1].as_bytes())?,
            gender: gender(path, line.no, f[2])?,
            occupation: f[3].trim().to_string(),
        };
        rows.push((id, line.no, info));
        Ok(())
    })?;
    let rows = non_empty(
        path,
        rows,
        "list the users, one `id|age|gender|occupation|zip code` line each",
    )?;
    sort_users(path, rows)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{DATA, ITEM, TempDir, load, ml100k};
    use super::super::{DataSource, Dataset, DatasetName};
    use super::*;

    #[test]
    fn ml100k_small() {
        let tmp = TempDir::new("100k");
        ml100k(&tmp, DATA.as_bytes());
        // The folder itself works too.
        let ds = Dataset::load(
            &DataSource::Dir(tmp.path().join("ml-100k")),
            DatasetName::Ml100k,
        )
        .unwrap();
        assert_eq!(ds.user_ids, vec![1, 2]);
        assert_eq!(ds.genre_names, vec!["unknown", "Action", "Comedy"]);
        assert_eq!(ds.movies.len(), 4);
        assert_eq!(ds.movies[0].title, "Toy Story");
        assert_eq!(ds.movies[0].genres, 0b100);
        assert_eq!(
            (ds.movies[1].title.as_str(), ds.movies[1].year),
            ("Café Society", Some(1995))
        );
        assert_eq!(ds.movies[1].genres, 0b110);
        // No year in the title: from the release date.
        assert_eq!(ds.movies[2].year, Some(1997));
        assert_eq!(
            (ds.movies[3].title.as_str(), ds.movies[3].year),
            ("unknown", None)
        );
        assert_eq!(
            ds.ratings,
            vec![
                Rating {
                    user: 0,
                    item: 0,
                    rating: 5.0,
                    timestamp: 100
                },
                Rating {
                    user: 1,
                    item: 0,
                    rating: 3.0,
                    timestamp: 200
                },
                Rating {
                    user: 1,
                    item: 1,
                    rating: 4.0,
                    timestamp: 150
                },
            ]
        );
        assert_eq!(ds.users.as_ref().unwrap()[1].gender, 'F');
        assert_eq!(ds.duplicate_ratings, 0);
        let s = ds.stats();
        assert_eq!((s.users, s.movies, s.rated_movies, s.ratings), (2, 4, 2, 3));
        assert_eq!(s.histogram, vec![(3.0, 1), (4.0, 1), (5.0, 1)]);
        assert!((s.density - 0.75).abs() < 1e-12);
        // Predefined split from the same folder.
        tmp.write("ml-100k/u1.base", "1\t1\t5\t100\n2\t2\t4\t150\n");
        tmp.write("ml-100k/u1.test", "2\t1\t3\t200\n");
        let sp = ds.predefined_split("u1").unwrap();
        assert_eq!((sp.train.len(), sp.test.len()), (2, 1));
        assert_eq!(sp.test[0].user, 1);
        let err = ds.predefined_split("u2").unwrap_err();
        assert!(
            err.to_string().contains("ml-100k/u2.base not found"),
            "{err}"
        );
    }

    #[test]
    fn malformed_line_names_file_and_line() {
        let tmp = TempDir::new("fields");
        ml100k(&tmp, b"1\t1\t5\t100\n2\t1\t3\n");
        let err = load(&tmp, DatasetName::Ml100k).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::FieldCount {
                    line: 2,
                    expected: 4,
                    found: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .ends_with("ml-100k/u.data line 2: expected 4 tab-separated fields, found 3"),
            "{err}"
        );
    }

    #[test]
    fn u_item_re_saved_in_utf8_or_with_a_byte_order_mark_reads_the_same() {
        let tmp = TempDir::new("100k-utf8");
        ml100k(&tmp, DATA.as_bytes());
        let latin1 = super::super::lines::latin1(ITEM).into_owned();
        for item in [
            latin1.as_bytes().to_vec(),
            [super::super::lines::UTF8_BOM, latin1.as_bytes()].concat(),
            [super::super::lines::UTF8_BOM, ITEM].concat(),
        ] {
            tmp.write("ml-100k/u.item", &item);
            let ds = load(&tmp, DatasetName::Ml100k).unwrap();
            assert_eq!(ds.movies[0].title, "Toy Story");
            assert_eq!(ds.movies[1].title, "Café Society");
        }
    }

    #[test]
    fn a_device_in_a_data_file_s_place_is_refused_by_name() {
        let tmp = TempDir::new("100k-device");
        ml100k(&tmp, DATA.as_bytes());
        let data = tmp.path().join("ml-100k/u.data");
        std::fs::remove_file(&data).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &data).unwrap();
        let err = load(&tmp, DatasetName::Ml100k).unwrap_err();
        assert!(matches!(err, DataError::NotRegularFile { .. }), "{err:?}");
        assert!(
            err.to_string().ends_with("u.data is not a regular file (a device, a pipe or a socket): put the file itself in its place"),
            "{err}"
        );
    }

    #[test]
    fn non_numeric_and_out_of_range() {
        let tmp = TempDir::new("num");
        ml100k(&tmp, b"1\t1\t5\t100\n1\tx\t3\t1\n");
        let err = load(&tmp, DatasetName::Ml100k).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("u.data line 2: movie id is not a valid number: \"x\""),
            "{err}"
        );
        ml100k(&tmp, b"1\t1\t6\t100\n");
        let err = load(&tmp, DatasetName::Ml100k).unwrap_err();
        assert!(
            matches!(err, DataError::RatingOutOfRange { line: 1, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("rating \"6\" is outside"), "{err}");
        // A number beyond f32 is out of range, not "not a number"; i64::MIN is a timestamp.
        ml100k(&tmp, b"1\t1\t1e308\t100\n");
        let err = load(&tmp, DatasetName::Ml100k).unwrap_err();
        assert!(
            err.to_string().contains("rating \"1e308\" is outside"),
            "{err}"
        );
        ml100k(&tmp, b"1\t1\t5\t-9223372036854775808\n");
        assert!(load(&tmp, DatasetName::Ml100k).is_ok());
    }

    #[test]
    fn unknown_movie_and_user() {
        let tmp = TempDir::new("unknown");
        ml100k(&tmp, b"1\t1\t5\t100\n\n1\t99\t3\t1\n");
        let err = load(&tmp, DatasetName::Ml100k).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::UnknownMovie {
                    line: 3,
                    movie_id: 99,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("u.data line 3: movie id 99 is not in the movie list"),
            "{err}"
        );
        ml100k(&tmp, b"7\t1\t5\t100\n");
        let err = load(&tmp, DatasetName::Ml100k).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::UnknownUser {
                    line: 1,
                    user_id: 7,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
