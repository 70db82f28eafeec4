//! ml-1m and ml-10m: `::`-separated `movies.dat` (ml-1m latin-1, ml-10m UTF-8), `ratings.dat`,
//! ml-1m's `users.dat` and ml-10m's `tags.dat`.

use std::path::Path;

use super::error::{field_count, malformed};
use super::lines::{Encoding, count_fields, decode, for_each_line, latin1, num_u32, split_n};
use super::records::{self, MovieList, RatingsFormat, Tagger, age, gender, non_empty, sort_users};
use super::{DataError, IdIndex, Movie, Rating, UserInfo};

/// `movies.dat`: `MovieID::Title (year)::Genre|Genre`. Returns the movies and the sorted genre
/// names (bitmasks refer to them).
pub fn parse_movies(path: &Path, enc: Encoding) -> Result<(Vec<Movie>, Vec<String>), DataError> {
    let mut movies = MovieList::with_capacity(16_384);
    for_each_line(path, |line| {
        let text = decode(line.bytes, enc, path, line.no)?;
        let parts = text
            .split_once("::")
            .and_then(|(id, rest)| rest.rsplit_once("::").map(|(t, g)| (id, t, g)));
        let Some((id, title, genre_field)) = parts else {
            return Err(double_colon_field_count(path, line.no, 3, &text));
        };
        movies.push(path, line.no, id.as_bytes(), title, genre_field)
    })?;
    movies.finish(
        path,
        "list the movies, one `MovieID::Title (year)::Genres` line each",
    )
}

/// ml-1m occupation codes (README).
const ML1M_OCCUPATIONS: [&str; 21] = [
    "other",
    "academic/educator",
    "artist",
    "clerical/admin",
    "college/grad student",
    "customer service",
    "doctor/health care",
    "executive/managerial",
    "farmer",
    "homemaker",
    "K-12 student",
    "lawyer",
    "programmer",
    "retired",
    "sales/marketing",
    "scientist",
    "self-employed",
    "technician/engineer",
    "tradesman/craftsman",
    "unemployed",
    "writer",
];

/// ml-1m `users.dat`: `UserID::Gender::Age::Occupation::Zip-code` (occupation code -> name).
pub fn parse_users(path: &Path) -> Result<(Vec<u32>, Vec<UserInfo>), DataError> {
    let mut rows = Vec::with_capacity(8192);
    for_each_line(path, |line| {
        let [id, g, age_field, occ, _zip] = split_n::<5>(line.bytes, b"::")
            .map_err(|found| field_count(path, line.no, 5, "'::'", found))?;
        let id = num_u32(path, line.no, "user id", id)?;
        let gender = gender(path, line.no, &latin1(g))?;
        let age = age(path, line.no, age_field)?;
        let occ_n = num_u32(path, line.no, "occupation", occ)?;
        let occupation = ML1M_OCCUPATIONS.get(occ_n as usize).ok_or_else(|| {
            malformed(
                path,
                line.no,
                format!("occupation code {occ_n} is not in 0..=20"),
            )
        })?;
        rows.push((
            id,
            line.no,
            UserInfo {
                age,
                gender,
                occupation: occupation.to_string(),
            },
        ));
        Ok(())
    })?;
    let rows = non_empty(
        path,
        rows,
        "list the users, one `UserID::Gender::Age::Occupation::Zip-code` line each",
    )?;
    sort_users(path, rows)
}

/// `ratings.dat`: `UserID::MovieID::Rating::Timestamp`. Movie ids are mapped with `items`; user
/// ids with `users` when given (ml-1m), otherwise `Rating::user` holds the raw MovieLens id.
pub(super) fn parse_ratings(
    path: &Path,
    items: &IdIndex,
    users: Option<&IdIndex>,
) -> Result<Vec<Rating>, DataError> {
    records::parse_ratings(path, RatingsFormat::DoubleColon, items, users)
}

/// ml-10m `tags.dat`: `UserID::MovieID::Tag::Timestamp`, read as UTF-8 leniently (invalid bytes
/// become U+FFFD); a tag may itself hold `::`. Adds the tags to `movies[items.get(movie id)]`
/// (see [`Tagger`]) and returns the number of lines whose movie is unknown (skipped).
pub(super) fn parse_tags(
    path: &Path,
    items: &IdIndex,
    movies: &mut [Movie],
) -> Result<usize, DataError> {
    let mut tagger = Tagger::new(items, movies);
    for_each_line(path, |line| {
        let text = String::from_utf8_lossy(line.bytes);
        let parts = text.split_once("::").and_then(|(_, rest)| {
            rest.split_once("::")
                .and_then(|(m, rest)| rest.rsplit_once("::").map(|(tag, _)| (m, tag)))
        });
        let Some((m, tag)) = parts else {
            return Err(double_colon_field_count(path, line.no, 4, &text));
        };
        tagger.add(num_u32(path, line.no, "movie id", m.as_bytes())?, tag);
        Ok(())
    })?;
    Ok(tagger.beyond_limit)
}

/// [`DataError::FieldCount`] for line `line`, whose text `text` should have `expected`
/// `::`-separated fields.
fn double_colon_field_count(path: &Path, line: usize, expected: usize, text: &str) -> DataError {
    field_count(path, line, expected, "'::'", count_fields(text, "::"))
}

#[cfg(test)]
mod tests {
    use super::super::DatasetName;
    use super::super::test_util::{TempDir, load};
    use super::*;

    #[test]
    fn dat_releases_small() {
        let tmp = TempDir::new("dat");
        // ml-1m: latin-1.
        tmp.write(
            "ml-1m/movies.dat",
            b"1::Toy Story (1995)::Animation|Children's|Comedy\n2::Caf\xe9 (1990)::Drama\n",
        );
        tmp.write(
            "ml-1m/users.dat",
            "1::F::1::10::48067\n2::M::56::16::70072\n",
        );
        tmp.write(
            "ml-1m/ratings.dat",
            "1::1::5::978300760\n2::2::3::978302109\n",
        );
        let ds = load(&tmp, DatasetName::Ml1m).unwrap();
        assert_eq!(ds.movies[1].title, "Café");
        assert_eq!(
            ds.genre_names,
            vec!["Animation", "Children's", "Comedy", "Drama"]
        );
        let users = ds.users.as_ref().unwrap();
        assert_eq!(
            users[1],
            UserInfo {
                age: 56,
                gender: 'M',
                occupation: "self-employed".into()
            }
        );
        assert_eq!(
            ds.ratings[1],
            Rating {
                user: 1,
                item: 1,
                rating: 3.0,
                timestamp: 978302109
            }
        );
        // ml-10m: UTF-8, zip folder name ml-10M100K, tags.dat.
        tmp.write(
            "ml-10M100K/movies.dat",
            "1::Toy Story (1995)::Animation\n5::Amélie (2001)::Comedy|Romance\n",
        );
        tmp.write("ml-10M100K/ratings.dat", "9::5::4.5::1\n7::1::1::2\n");
        tmp.write(
            "ml-10M100K/tags.dat",
            "9::5::Paris::3\n7::5::paris::4\n7::1::a::b::5\n",
        );
        let ds = load(&tmp, DatasetName::Ml10m).unwrap();
        assert_eq!(ds.user_ids, vec![7, 9]);
        assert_eq!(ds.movies[1].title, "Amélie");
        assert_eq!(ds.movies[1].tags, vec!["paris"]);
        assert_eq!(ds.movies[0].tags, vec!["a::b"]);
        assert!(ds.users.is_none());
        // ml-10m movies.dat must be UTF-8.
        tmp.write("ml-10M100K/movies.dat", b"1::Caf\xe9 (1990)::Drama\n");
        let err = load(&tmp, DatasetName::Ml10m).unwrap_err();
        assert!(
            matches!(err, DataError::InvalidUtf8 { line: 1, .. }),
            "{err:?}"
        );
        // '::' field count.
        tmp.write("ml-10M100K/movies.dat", "1::Toy Story (1995)::Animation\n");
        tmp.write("ml-10M100K/ratings.dat", "9::1::4.5::1\n7::1::1\n");
        let err = load(&tmp, DatasetName::Ml10m).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("ratings.dat line 2: expected 4 '::'-separated fields, found 3"),
            "{err}"
        );
    }
}
