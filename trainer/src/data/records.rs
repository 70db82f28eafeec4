//! What the release formats share once a line is split into fields: one rating from its four
//! fields (and the line-based reader of `u.data` and `ratings.dat`), the genre table and a movie
//! list with genre names, the `Title (year)` split, duplicate movie and user ids, ages, genders,
//! tags, and the error for a file that lists nothing.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::error::{bad_number, empty_file, field_count, malformed};
use super::lines::{for_each_line, num_u32, parse_f32, parse_i64, split_n};
use super::{DataError, IdIndex, Movie, Rating, UserInfo, shown};

// ---------------------------------------------------------------------------------- ratings

/// Layout of a line-based ratings file (`ratings.csv` is read by [`super::csv_release`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RatingsFormat {
    /// ml-100k `u.data`, `u1.base`, ...: `user\titem\trating\ttimestamp`.
    Tab,
    /// ml-1m / ml-10m `ratings.dat`: `UserID::MovieID::Rating::Timestamp`.
    DoubleColon,
}

impl RatingsFormat {
    fn separator(self) -> &'static [u8] {
        match self {
            RatingsFormat::Tab => b"\t",
            RatingsFormat::DoubleColon => b"::",
        }
    }

    fn separator_name(self) -> &'static str {
        match self {
            RatingsFormat::Tab => "tab",
            RatingsFormat::DoubleColon => "'::'",
        }
    }
}

/// Parses a line-based ratings file. Movie ids are mapped with `items`; user ids with `users`
/// when given, otherwise `Rating::user` holds the raw MovieLens user id (see
/// [`super::load::densify_users`]).
pub(super) fn parse_ratings(
    path: &Path,
    format: RatingsFormat,
    items: &IdIndex,
    users: Option<&IdIndex>,
) -> Result<Vec<Rating>, DataError> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut out = Vec::with_capacity((size / 26) as usize + 16);
    let sep = format.separator();
    for_each_line(path, |line| {
        let fields = split_n::<4>(line.bytes, sep)
            .map_err(|found| field_count(path, line.no, 4, format.separator_name(), found))?;
        out.push(rating(path, line.no, fields, items, users)?);
        Ok(())
    })?;
    no_ratings(path, out)
}

/// The rating of line `line` from its fields `[user, movie, rating, timestamp]`: numbers
/// checked, the rating in 0.5..=5, the movie mapped with `items`, the user with `users` when
/// given (otherwise the raw MovieLens id is kept).
pub(super) fn rating(
    path: &Path,
    line: usize,
    [u, i, r, t]: [&[u8]; 4],
    items: &IdIndex,
    users: Option<&IdIndex>,
) -> Result<Rating, DataError> {
    let user_id = num_u32(path, line, "user id", u)?;
    let movie_id = num_u32(path, line, "movie id", i)?;
    let rating = parse_f32(r).ok_or_else(|| bad_number(path, line, "rating", r))?;
    let timestamp = parse_i64(t).ok_or_else(|| bad_number(path, line, "timestamp", t))?;
    if !(0.5..=5.0).contains(&rating) {
        return Err(DataError::RatingOutOfRange {
            path: path.to_path_buf(),
            line,
            value: shown(r),
        });
    }
    let item = items.get(movie_id).ok_or_else(|| DataError::UnknownMovie {
        path: path.to_path_buf(),
        line,
        movie_id,
    })?;
    let user = match users {
        Some(index) => index.get(user_id).ok_or_else(|| DataError::UnknownUser {
            path: path.to_path_buf(),
            line,
            user_id,
        })?,
        None => user_id,
    };
    Ok(Rating {
        user,
        item,
        rating,
        timestamp,
    })
}

/// `ratings`, or [`DataError::NoRatings`] naming `path` when there are none.
pub(super) fn no_ratings(path: &Path, ratings: Vec<Rating>) -> Result<Vec<Rating>, DataError> {
    if ratings.is_empty() {
        return Err(DataError::NoRatings {
            path: path.to_path_buf(),
        });
    }
    Ok(ratings)
}

/// `rows`, or [`DataError::EmptyFile`] naming `path` and what it `should` list when there are
/// none.
pub(super) fn non_empty<T>(
    path: &Path,
    rows: Vec<T>,
    should: &'static str,
) -> Result<Vec<T>, DataError> {
    if rows.is_empty() {
        return Err(empty_file(path, should));
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------- movies

/// Interns genre names while parsing; [`GenreTable::finish`] sorts them and remaps the masks.
#[derive(Default)]
pub(super) struct GenreTable {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl GenreTable {
    /// The bitmask of a `|`-separated genre list; "(no genres listed)" is no genre.
    pub(super) fn mask(
        &mut self,
        genres: &str,
        path: &Path,
        line: usize,
    ) -> Result<u32, DataError> {
        let mut mask = 0u32;
        for g in genres.split('|').map(str::trim) {
            if g.is_empty() || g == "(no genres listed)" {
                continue;
            }
            let bit = match self.index.get(g) {
                Some(&b) => b,
                None => {
                    if self.names.len() == 32 {
                        return Err(malformed(
                            path,
                            line,
                            format!(
                                "genre {} is the 33rd distinct genre; at most 32 are supported",
                                shown(g.as_bytes())
                            ),
                        ));
                    }
                    let b = self.names.len() as u32;
                    self.names.push(g.to_string());
                    self.index.insert(g.to_string(), b);
                    b
                }
            };
            mask |= 1 << bit;
        }
        Ok(mask)
    }

    /// Sorts the names and remaps the masks of `movies` to the sorted order; returns the names.
    pub(super) fn finish(self, movies: &mut [Movie]) -> Vec<String> {
        let mut order: Vec<usize> = (0..self.names.len()).collect();
        order.sort_by(|&a, &b| self.names[a].cmp(&self.names[b]));
        let mut new_bit = vec![0u32; self.names.len()];
        for (new, &old) in order.iter().enumerate() {
            new_bit[old] = new as u32;
        }
        for m in movies.iter_mut() {
            let mut mask = 0;
            for (old, &new) in new_bit.iter().enumerate() {
                if m.genres & (1 << old) != 0 {
                    mask |= 1 << new;
                }
            }
            m.genres = mask;
        }
        order.into_iter().map(|i| self.names[i].clone()).collect()
    }
}

/// A movie list with genre names being read (`movies.dat`, `movies.csv`): the movies so far,
/// the line of each id (a repeated id is an error) and the genre table.
pub(super) struct MovieList {
    movies: Vec<Movie>,
    seen: HashMap<u32, usize>,
    genres: GenreTable,
}

impl MovieList {
    pub(super) fn with_capacity(capacity: usize) -> MovieList {
        MovieList {
            movies: Vec::with_capacity(capacity),
            seen: HashMap::new(),
            genres: GenreTable::default(),
        }
    }

    /// Adds the movie of line `line` from its fields: the id, `Title (year)` and the
    /// `|`-separated genres.
    pub(super) fn push(
        &mut self,
        path: &Path,
        line: usize,
        id: &[u8],
        title: &str,
        genres: &str,
    ) -> Result<(), DataError> {
        let id = num_u32(path, line, "movie id", id)?;
        check_duplicate(&mut self.seen, path, line, id)?;
        let (title, year) = split_title_year(title);
        let genres = self.genres.mask(genres, path, line)?;
        self.movies.push(Movie::listed(id, title, year, genres));
        Ok(())
    }

    /// The movies and the sorted genre names their masks refer to; [`DataError::EmptyFile`]
    /// naming `path` and what it `should` list when there are no movies.
    pub(super) fn finish(
        self,
        path: &Path,
        should: &'static str,
    ) -> Result<(Vec<Movie>, Vec<String>), DataError> {
        let mut movies = non_empty(path, self.movies, should)?;
        let names = self.genres.finish(&mut movies);
        Ok((movies, names))
    }
}

/// Tracks movie ids while parsing a movie list to report duplicates.
pub(super) fn check_duplicate(
    seen: &mut HashMap<u32, usize>,
    path: &Path,
    line: usize,
    id: u32,
) -> Result<(), DataError> {
    if seen.insert(id, line).is_some() {
        return Err(DataError::DuplicateMovie {
            path: path.to_path_buf(),
            line,
            movie_id: id,
        });
    }
    Ok(())
}

/// `"Toy Story (1995)"` -> `("Toy Story", Some(1995))`. Tolerates trailing spaces and ranges
/// such as `"(2007-)"` or `"(2006–2007)"` (the first year is kept); no year -> title unchanged.
pub fn split_title_year(raw: &str) -> (String, Option<u16>) {
    let t = raw.trim_end();
    if let Some(inner_end) = t.strip_suffix(')')
        && let Some(open) = inner_end.rfind('(')
    {
        let inner = &inner_end[open + 1..];
        let year_ok = inner.len() >= 4 && inner.as_bytes()[..4].iter().all(u8::is_ascii_digit);
        if year_ok {
            let rest = &inner[4..];
            let range_rest = rest
                .strip_prefix('-')
                .or_else(|| rest.strip_prefix('–'))
                .map(str::trim);
            let rest_ok = rest.is_empty()
                || range_rest.is_some_and(|r| {
                    r.is_empty() || (r.len() == 4 && r.bytes().all(|b| b.is_ascii_digit()))
                });
            let year: u16 = inner[..4].parse().unwrap_or(0);
            if rest_ok && (1800..=2200).contains(&year) {
                return (inner_end[..open].trim_end().to_string(), Some(year));
            }
        }
    }
    (t.to_string(), None)
}

/// Tags added to the movies of a list (`tags.csv`, `tags.dat`), counting the tags whose movie is
/// not in the list (they are skipped).
pub(super) struct Tagger<'a> {
    movies: &'a mut [Movie],
    items: &'a IdIndex,
    /// The tags of movies with many, for a constant-time "seen already?" (a short list is
    /// searched as it is).
    many: HashMap<u32, HashSet<String>>,
    /// Tag lines left out because their movie already had [`MAX_TAGS_PER_MOVIE`] other tags.
    pub beyond_limit: usize,
}

/// The most distinct tags kept per movie; lines with further ones are counted and left out,
/// so a hostile file cannot make one movie's list huge.
pub const MAX_TAGS_PER_MOVIE: usize = 10_000;

/// Past this many tags a movie's list gets a hash set beside it.
const SHORT_TAG_LIST: usize = 32;

impl<'a> Tagger<'a> {
    pub fn new(items: &'a IdIndex, movies: &'a mut [Movie]) -> Self {
        Self {
            movies,
            items,
            many: HashMap::new(),
            beyond_limit: 0,
        }
    }

    /// Adds a tag to the movie with MovieLens id `movie_id`: trimmed, lower case, once per movie
    /// (first-seen order), at most [`MAX_TAGS_PER_MOVIE`] per movie; an empty tag, or one of a
    /// movie not in the list, is skipped.
    pub fn add(&mut self, movie_id: u32, tag: &str) {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() {
            return;
        }
        let Some(i) = self.items.get(movie_id) else {
            return;
        };
        let tags = &mut self.movies[i as usize].tags;
        let seen = match self.many.get(&i) {
            Some(set) => set.contains(&tag),
            None => tags.contains(&tag),
        };
        if seen {
            return;
        }
        if tags.len() >= MAX_TAGS_PER_MOVIE {
            self.beyond_limit += 1;
            return;
        }
        tags.push(tag.clone());
        if let Some(set) = self.many.get_mut(&i) {
            set.insert(tag);
        } else if tags.len() > SHORT_TAG_LIST {
            self.many.insert(i, tags.iter().cloned().collect());
        }
    }
}

// ----------------------------------------------------------------------------------- users

/// `'M'` or `'F'`; anything else is malformed.
pub(super) fn gender(path: &Path, line: usize, s: &str) -> Result<char, DataError> {
    match s.trim() {
        "M" => Ok('M'),
        "F" => Ok('F'),
        other => Err(malformed(
            path,
            line,
            format!("gender must be M or F, found {}", shown(other.as_bytes())),
        )),
    }
}

/// The age field of line `line`: a whole number up to 255.
pub(super) fn age(path: &Path, line: usize, value: &[u8]) -> Result<u8, DataError> {
    let age = num_u32(path, line, "age", value)?;
    u8::try_from(age).map_err(|_| malformed(path, line, format!("age {age} is out of range")))
}

/// Sorts users `(id, line, info)` by id and rejects duplicates; returns ids and infos.
pub(super) fn sort_users(
    path: &Path,
    mut rows: Vec<(u32, usize, UserInfo)>,
) -> Result<(Vec<u32>, Vec<UserInfo>), DataError> {
    rows.sort_by_key(|r| r.0);
    for w in rows.windows(2) {
        if w[0].0 == w[1].0 {
            let line = w[0].1.max(w[1].1);
            return Err(malformed(
                path,
                line,
                format!("duplicate user id {}", w[0].0),
            ));
        }
    }
    Ok(rows.into_iter().map(|(id, _, info)| (id, info)).unzip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_kept_once_each_and_at_most_the_limit_per_movie() {
        let mut movies = vec![Movie {
            id: 7,
            title: "Heat".into(),
            year: Some(1995),
            genres: 0,
            tags: Vec::new(),
            imdb_id: None,
            tmdb_id: None,
        }];
        let items = IdIndex::build(&[7]).unwrap();
        let mut tagger = Tagger::new(&items, &mut movies);
        // 200,000 distinct tags on one movie (a 5 MB tags.csv), each given twice, in any case.
        for round in 0..2 {
            for k in 0..200_000 {
                let tag = format!("Tag {k}");
                tagger.add(7, &if round == 0 { tag } else { tag.to_uppercase() });
            }
        }
        tagger.add(8, "a movie not in the list");
        tagger.add(7, "   ");
        let beyond = tagger.beyond_limit;
        assert_eq!(beyond, 2 * (200_000 - MAX_TAGS_PER_MOVIE));
        let tags = &movies[0].tags;
        assert_eq!(tags.len(), MAX_TAGS_PER_MOVIE);
        assert_eq!(
            (tags[0].as_str(), tags[9_999].as_str()),
            ("tag 0", "tag 9999")
        );
    }

    #[test]
    fn title_year() {
        let cases = [
            ("Toy Story (1995)", "Toy Story", Some(1995)),
            ("Matrix, The (1999)  ", "Matrix, The", Some(1999)),
            ("Fawlty Towers (1975-1979)", "Fawlty Towers", Some(1975)),
            ("Big Bang Theory (2007-)", "Big Bang Theory", Some(2007)),
            (
                "Death Note: Desu nôto (2006–2007)",
                "Death Note: Desu nôto",
                Some(2006),
            ),
            ("Babylon 5", "Babylon 5", None),
            (
                "Land Before Time (1995) (V)",
                "Land Before Time (1995) (V)",
                None,
            ),
            (
                "1984 (Nineteen Eighty-Four)",
                "1984 (Nineteen Eighty-Four)",
                None,
            ),
            (
                "(500) Days of Summer (2009)",
                "(500) Days of Summer",
                Some(2009),
            ),
        ];
        for (raw, title, year) in cases {
            assert_eq!(split_title_year(raw), (title.to_string(), year), "{raw}");
        }
    }
}
