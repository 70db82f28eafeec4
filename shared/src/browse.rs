//! The browse rows a visitor sees before (and besides) searching: well-known movies to like with
//! one click.
//!
//! A "Most rated" row next to independently built genre rows repeats the same films, nearly all
//! from the 1990s. Here every row draws from one shared pool, so a movie appears in one row only,
//! and the rows are spread over decades and genres, niche genres included, so that a visitor who
//! loves film noir or 1970s cinema finds something to pick too.

use crate::catalog::{Catalog, Movie};
use crate::search::popular;

/// At most this many rows: "Most rated" and nine decade and genre rows. More is a long scroll
/// of buttons before the recommendations.
pub const MAX_ROWS: usize = 10;

/// Genre names that never get a row: no genre, or a screen format rather than a genre.
const SKIPPED_GENRES: &[&str] = &["(no genres listed)", "IMAX"];

/// One titled row of well-known movies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrowseRow {
    /// "Most rated", "From the 1970s" or "Popular in Film-Noir".
    pub title: String,
    /// Catalogue indices, most rated first.
    pub movies: Vec<usize>,
}

/// What a row after the first one is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Group {
    /// 1970 for the 1970s.
    Decade(u16),
    /// Index into the catalogue's genre names.
    Genre(usize),
}

/// A decade or genre that may still get a row.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    group: Group,
    /// Its movies in the whole catalogue: small means niche.
    size: usize,
}

impl Group {
    fn contains(self, movie: &Movie) -> bool {
        match self {
            Group::Decade(decade) => movie.decade() == Some(decade),
            Group::Genre(genre) => movie.has_genre(genre),
        }
    }

    fn title(self, catalog: &Catalog) -> String {
        match self {
            Group::Decade(decade) => format!("From the {decade}s"),
            Group::Genre(genre) => format!("Popular in {}", catalog.genre_names[genre]),
        }
    }
}

impl Candidate {
    fn new(group: Group, catalog: &Catalog) -> Self {
        let size = catalog.movies.iter().filter(|m| group.contains(m)).count();
        Self { group, size }
    }

    /// Its `row_length` most rated movies (`order` is the whole catalogue, most rated first)
    /// that no earlier row shows.
    fn row(
        self,
        catalog: &Catalog,
        order: &[usize],
        shown: &[bool],
        row_length: usize,
    ) -> Vec<usize> {
        order
            .iter()
            .copied()
            .filter(|&i| !shown[i] && self.group.contains(&catalog.movies[i]))
            .take(row_length)
            .collect()
    }
}

/// Which candidate of a kind gets the next row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pick {
    /// The one whose row has the largest total rating count: what most visitors know.
    Biggest,
    /// The one with the fewest movies in the catalogue: what an overall list never reaches.
    Niche,
}

/// Builds the row of every candidate in `pool` from the movies not shown yet, drops for good the
/// candidates left with less than half a row (later rows only take more movies away), and takes
/// the `pick` of the others out of `pool`, with its row. Ties go to the earlier candidate.
fn take_row(
    pool: &mut Vec<Candidate>,
    pick: Pick,
    catalog: &Catalog,
    order: &[usize],
    shown: &[bool],
    row_length: usize,
) -> Option<(Candidate, Vec<usize>)> {
    let mut built: Vec<(Candidate, Vec<usize>)> = pool
        .drain(..)
        .map(|candidate| {
            let row = candidate.row(catalog, order, shown, row_length);
            (candidate, row)
        })
        .filter(|(_, row)| !row.is_empty() && row.len() * 2 >= row_length)
        .collect();
    let position = match pick {
        Pick::Biggest => {
            let totals: Vec<u64> = built
                .iter()
                .map(|(_, row)| {
                    row.iter()
                        .map(|&i| u64::from(catalog.movies[i].rating_count))
                        .sum()
                })
                .collect();
            (0..built.len()).reduce(|best, k| if totals[k] > totals[best] { k } else { best })
        }
        Pick::Niche => (0..built.len()).reduce(|best, k| {
            if built[k].0.size < built[best].0.size {
                k
            } else {
                best
            }
        }),
    }?;
    let chosen = built.remove(position);
    pool.extend(built.into_iter().map(|(candidate, _)| candidate));
    Some(chosen)
}

/// The browse rows for `catalog`, each movie in one row at most, each row at most `row_length`
/// movies, at most [`MAX_ROWS`] rows. Deterministic; ties go to the lower catalogue index, the
/// earlier decade or the earlier genre.
///
/// The rule:
/// 1. "Most rated": the `row_length` most rated movies overall (kept even if the catalogue is
///    smaller than half a row).
/// 2. Then decade rows ("From the 1970s") and genre rows ("Popular in Western") alternate, a
///    decade first, until [`MAX_ROWS`] rows; when one kind runs out the other goes on alone.
/// 3. Each row takes the most rated movies of its decade or genre that no earlier row shows. A
///    decade or genre with less than half of `row_length` such movies left gets no row.
/// 4. The next decade is the one whose row would have the largest total rating count. Genres
///    alternate between that same rule (Drama, Comedy…) and the genre with the fewest movies in
///    the catalogue (Film-Noir, Musical…), so both big and niche genres get rows.
///
/// "(no genres listed)" never gets a row. A zero `row_length` or an empty catalogue gives none.
pub fn browse_rows(catalog: &Catalog, row_length: usize) -> Vec<BrowseRow> {
    if row_length == 0 || catalog.is_empty() {
        return Vec::new();
    }
    let order = popular(catalog, None, catalog.len());
    let mut shown = vec![false; catalog.len()];
    let top: Vec<usize> = order.iter().copied().take(row_length).collect();
    for &i in &top {
        shown[i] = true;
    }
    let mut rows = vec![BrowseRow {
        title: String::from("Most rated"),
        movies: top,
    }];

    let enough = |candidate: &Candidate| candidate.size * 2 >= row_length;
    let decades: Vec<Candidate> = catalog
        .decades()
        .into_iter()
        .map(|decade| Candidate::new(Group::Decade(decade), catalog))
        .filter(enough)
        .collect();
    let genres: Vec<Candidate> = (0..catalog.genre_names.len())
        .filter(|&g| !SKIPPED_GENRES.contains(&catalog.genre_names[g].as_str()))
        .map(|genre| Candidate::new(Group::Genre(genre), catalog))
        .filter(enough)
        .collect();
    // pools[0]: decades, pools[1]: genres; picks[k]: how the next candidate of kind k is chosen.
    let mut pools = [decades, genres];
    let mut picks = [Pick::Biggest, Pick::Biggest];
    let mut turn = 0;
    while rows.len() < MAX_ROWS {
        let kind = if !pools[turn].is_empty() {
            turn
        } else if !pools[1 - turn].is_empty() {
            1 - turn
        } else {
            break;
        };
        turn = 1 - kind;
        let Some((candidate, movies)) = take_row(
            &mut pools[kind],
            picks[kind],
            catalog,
            &order,
            &shown,
            row_length,
        ) else {
            continue; // every candidate of this kind was left with too few movies
        };
        if kind == 1 {
            picks[1] = match picks[1] {
                Pick::Biggest => Pick::Niche,
                Pick::Niche => Pick::Biggest,
            };
        }
        for &i in &movies {
            shown[i] = true;
        }
        rows.push(BrowseRow {
            title: candidate.group.title(catalog),
            movies,
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movie(id: u32, year: u16, genres: &[usize], count: u32) -> Movie {
        Movie {
            id,
            title: format!("Movie {id}"),
            year: Some(year),
            genres: genres.iter().fold(0, |bits, &g| bits | (1 << g)),
            rating_count: count,
            imdb_id: None,
            tmdb_id: None,
        }
    }

    const DRAMA: usize = 0;
    const COMEDY: usize = 1;
    const NOIR: usize = 2;
    const NONE: usize = 3;
    const WESTERN: usize = 4;

    /// Mostly 1990s hits, a few older and newer films, three films noirs, one western.
    fn small_catalog() -> Catalog {
        let rows: [(u16, &[usize], u32); 24] = [
            (1994, &[DRAMA], 1000),        // 0
            (1995, &[COMEDY], 950),        // 1
            (1999, &[DRAMA], 900),         // 2
            (1993, &[COMEDY], 850),        // 3
            (1996, &[DRAMA], 800),         // 4
            (1997, &[COMEDY], 700),        // 5
            (1998, &[DRAMA], 600),         // 6
            (1991, &[COMEDY], 500),        // 7
            (1992, &[DRAMA, COMEDY], 400), // 8
            (2001, &[DRAMA], 880),         // 9
            (2003, &[COMEDY], 300),        // 10
            (2005, &[DRAMA], 200),         // 11
            (1972, &[DRAMA], 870),         // 12
            (1975, &[COMEDY], 100),        // 13
            (1944, &[NOIR], 50),           // 14
            (1946, &[NOIR, DRAMA], 40),    // 15
            (1948, &[WESTERN], 30),        // 16
            (2010, &[NONE], 20),           // 17
            (2011, &[NONE], 10),           // 18
            (1949, &[NOIR], 35),           // 19
            (2007, &[DRAMA], 250),         // 20
            (2004, &[COMEDY], 650),        // 21
            (2002, &[DRAMA], 640),         // 22
            (2006, &[COMEDY], 630),        // 23
        ];
        let movies = rows
            .iter()
            .zip(1..)
            .map(|(&(year, genres, count), id)| movie(id, year, genres, count))
            .collect();
        let genres = [
            "Drama",
            "Comedy",
            "Film-Noir",
            "(no genres listed)",
            "Western",
        ];
        Catalog::new(genres.map(String::from).to_vec(), movies)
    }

    /// 300 movies over ten decades (a third in the 1990s, rated more), seven big genres, a
    /// six-film niche genre and some without genres.
    fn big_catalog() -> Catalog {
        let movies = (0..300u32)
            .map(|k| {
                let decade = if k % 3 == 0 {
                    1990
                } else {
                    1920 + 10 * (k % 10)
                };
                let year = decade + (k / 10) % 10;
                // Two of the seven big genres; every 50th also film noir; every 41st none.
                let three = [(k % 7) as usize, (k / 7 % 7) as usize, 7];
                let genres: &[usize] = if k % 41 == 0 {
                    &[8]
                } else if k % 50 == 7 {
                    &three
                } else {
                    &three[..2]
                };
                let count = 1 + k * 7919 % 997 + if decade == 1990 { 500 } else { 0 };
                movie(k + 1, year as u16, genres, count)
            })
            .collect();
        let genres = [
            "Action",
            "Adventure",
            "Comedy",
            "Crime",
            "Drama",
            "Romance",
            "Thriller",
            "Film-Noir",
            "(no genres listed)",
        ];
        Catalog::new(genres.map(String::from).to_vec(), movies)
    }

    fn titles(rows: &[BrowseRow]) -> Vec<&str> {
        rows.iter().map(|row| row.title.as_str()).collect()
    }

    fn assert_no_duplicates(rows: &[BrowseRow]) {
        let mut all: Vec<usize> = rows
            .iter()
            .flat_map(|row| row.movies.iter().copied())
            .collect();
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count, "a movie appears twice: {rows:?}");
    }

    #[test]
    fn rows_follow_the_documented_rule() {
        let rows = browse_rows(&small_catalog(), 4);
        let expected: [(&str, &[usize]); 7] = [
            ("Most rated", &[0, 1, 2, 9]),
            // The decade with the largest remaining total.
            ("From the 1990s", &[3, 4, 5, 6]),
            // Comedy's row totals 2180, Drama's 2160.
            ("Popular in Comedy", &[21, 23, 7, 8]),
            ("From the 2000s", &[22, 10, 20, 11]),
            // The niche turn: Film-Noir (3 movies) rather than Drama (11).
            ("Popular in Film-Noir", &[14, 15, 19]),
            // The 1940s lost three films to Film-Noir: one left, under half a row, no row.
            ("From the 1970s", &[12, 13]),
            // Drama has nothing left, the western is alone, and "(no genres listed)" is no
            // genre: the 2010s close.
            ("From the 2010s", &[17, 18]),
        ];
        let expected: Vec<BrowseRow> = expected
            .iter()
            .map(|&(title, movies)| BrowseRow {
                title: title.into(),
                movies: movies.to_vec(),
            })
            .collect();
        assert_eq!(rows, expected);
        assert_no_duplicates(&rows);
    }

    #[test]
    fn rows_too_short_for_half_a_row_are_dropped() {
        let catalog = small_catalog();
        // 20 of the 24 movies fill the first row; no decade or genre keeps 10 of the other 4.
        assert_eq!(titles(&browse_rows(&catalog, 20)), ["Most rated"]);
        // The lone western is half a row of 2, but not of 3.
        let rows = browse_rows(&catalog, 2);
        assert!(titles(&rows).contains(&"Popular in Western"), "{rows:?}");
        assert_eq!(rows.len(), MAX_ROWS);
        assert_no_duplicates(&rows);
        let rows = browse_rows(&catalog, 3);
        assert!(!titles(&rows).contains(&"Popular in Western"), "{rows:?}");
        assert!(titles(&rows).contains(&"Popular in Film-Noir"), "{rows:?}");
        assert_no_duplicates(&rows);
    }

    #[test]
    fn many_decades_and_genres_are_capped_spread_and_never_repeat() {
        let catalog = big_catalog();
        let rows = browse_rows(&catalog, 6);
        assert_eq!(
            titles(&rows),
            [
                "Most rated",
                "From the 1990s",
                "Popular in Comedy",
                "From the 1920s",
                "Popular in Film-Noir",
                "From the 1970s",
                "Popular in Action",
                "From the 1950s",
                "Popular in Thriller",
                "From the 2000s",
            ]
        );
        assert_eq!(rows.len(), MAX_ROWS);
        assert_no_duplicates(&rows);
        let rating = |i: usize| catalog.movies[i].rating_count;
        for row in &rows {
            assert!((3..=6).contains(&row.movies.len()), "{row:?}");
            assert!(
                row.movies.windows(2).all(|w| rating(w[0]) >= rating(w[1])),
                "not most rated first: {row:?}"
            );
            if let Some(decade) = row.title.strip_prefix("From the ") {
                let decade: u16 = decade.trim_end_matches('s').parse().unwrap();
                assert!(
                    row.movies
                        .iter()
                        .all(|&i| catalog.movies[i].decade() == Some(decade))
                );
            } else if let Some(genre) = row.title.strip_prefix("Popular in ") {
                assert_ne!(genre, "(no genres listed)");
                let g = catalog.genre_names.iter().position(|n| n == genre).unwrap();
                assert!(row.movies.iter().all(|&i| catalog.movies[i].has_genre(g)));
            } else {
                assert_eq!(row.title, "Most rated");
            }
        }
        // The overall row is the most rated of all.
        assert_eq!(rows[0].movies, popular(&catalog, None, 6));
    }

    #[test]
    fn nothing_to_show_gives_no_rows() {
        assert!(browse_rows(&Catalog::default(), 10).is_empty());
        assert!(browse_rows(&small_catalog(), 0).is_empty());
    }
}
