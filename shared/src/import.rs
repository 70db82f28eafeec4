//! Ratings brought from elsewhere: the three export files a visitor may hold, matched to the
//! catalogue. The page and `trainer recommend --import` read them through this one module.
//!
//! - **MovieLens** (movielens.org's ratings export, or one person's rows in a release's
//!   `ratings.csv` layout): a `movie_id` (or `movieId`) column and a `rating` column of 0.5–5
//!   stars; matched on the MovieLens id. A file with a `userId` column must hold one user.
//! - **IMDb** (the ratings export): `Const` (`tt0111161`) and `Your Rating` (1–10, halved into
//!   stars); matched through the release's `links.csv` IMDb ids.
//! - **Letterboxd** (`ratings.csv`): `Name`, `Year` and `Rating` (0.5–5); matched on the title
//!   (case, accents, punctuation and MovieLens's trailing articles ignored; alternate titles in
//!   parentheses too) and the year, or a year either side when only that matches.
//!
//! The format is told by the header line. Work goes line by line through an [`Importer`], so
//! the page can take a large file a slice at a time and show its progress.

use crate::catalog::{Catalog, article_to_front, split_alternates};
use crate::search::words;
use crate::stars::parse_halves;
use std::collections::HashMap;

/// The largest file read, in bytes: a ratings export of tens of thousands of movies is a few MB.
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;
/// Rows not in the catalogue that [`Imported::unmatched`] lists (all are counted).
pub const MAX_LISTED: usize = 1_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    MovieLens,
    Imdb,
    Letterboxd,
}

impl ImportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ImportFormat::MovieLens => "MovieLens ratings",
            ImportFormat::Imdb => "IMDb ratings",
            ImportFormat::Letterboxd => "Letterboxd ratings",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ImportError {
    #[error(
        "the file is {} MB; the most read is {} MB (a ratings export is a few MB): is it the right file?",
        bytes.div_ceil(1 << 20), MAX_IMPORT_BYTES >> 20
    )]
    TooLarge { bytes: usize },
    #[error("the file is empty")]
    Empty,
    #[error(
        "the file is not a ratings export this page reads (its first line is \"{header}\"): expected a MovieLens export (movie_id, rating), an IMDb ratings export (Const, Your Rating) or a Letterboxd ratings.csv (Name, Year, Rating)"
    )]
    UnknownFormat { header: String },
    #[error("line {line}: {reason}")]
    Malformed { line: usize, reason: String },
}

/// What an import found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Imported {
    /// MovieLens ids and stars of the rows matched, each movie once (its last row wins), in
    /// file order.
    pub rated: Vec<(u32, f32)>,
    /// Rows read (the header and blank lines not counted).
    pub rows: usize,
    /// Rows whose movie is not in the catalogue.
    pub unmatched_rows: usize,
    /// Those rows' movies as the file names them ("Some Film (2011)", "tt0000001"), the first
    /// [`MAX_LISTED`].
    pub unmatched: Vec<String>,
}

/// Which columns of the header hold what the format needs.
#[derive(Clone, Copy, Debug)]
enum Columns {
    /// `user`: a release's `ratings.csv` has a `userId` column; one person's rows are read.
    MovieLens {
        id: usize,
        rating: usize,
        user: Option<usize>,
    },
    Imdb {
        id: usize,
        rating: usize,
        title: Option<usize>,
    },
    Letterboxd {
        title: usize,
        year: usize,
        rating: usize,
    },
}

/// An import under way: the header read, rows fed a line at a time.
pub struct Importer<'a> {
    catalog: &'a Catalog,
    columns: Columns,
    /// Letterboxd: (normalised title, year, catalogue index), sorted, one entry per title and
    /// year (the most rated movie's).
    by_title: Vec<(String, Option<u16>, usize)>,
    /// IMDb: IMDb id → catalogue index.
    by_imdb: HashMap<u32, usize>,
    /// Per catalogue movie, its position in `found.rated` once matched.
    position: Vec<Option<usize>>,
    found: Imported,
    line: usize,
    /// The user of a file with a user column: every row must be theirs.
    user: Option<String>,
}

impl<'a> Importer<'a> {
    /// Starts an import from the file's first line (its header), which tells the format.
    pub fn new(catalog: &'a Catalog, header: &str) -> Result<Self, ImportError> {
        let fields = split_csv(header.trim_start_matches('\u{feff}').trim_end())
            .map_err(|reason| ImportError::Malformed { line: 1, reason })?;
        let find = |names: &[&str]| {
            fields
                .iter()
                .position(|f| names.iter().any(|n| f.trim().eq_ignore_ascii_case(n)))
        };
        let columns =
            if let (Some(id), Some(rating)) = (find(&["movie_id", "movieId"]), find(&["rating"])) {
                Columns::MovieLens {
                    id,
                    rating,
                    user: find(&["userId", "user_id"]),
                }
            } else if let (Some(id), Some(rating)) = (find(&["Const"]), find(&["Your Rating"])) {
                Columns::Imdb {
                    id,
                    rating,
                    title: find(&["Title"]),
                }
            } else if let (Some(title), Some(year), Some(rating)) =
                (find(&["Name"]), find(&["Year"]), find(&["Rating"]))
            {
                Columns::Letterboxd {
                    title,
                    year,
                    rating,
                }
            } else if header.trim().is_empty() {
                return Err(ImportError::Empty);
            } else {
                return Err(ImportError::UnknownFormat {
                    header: header.chars().take(80).collect(),
                });
            };
        let mut importer = Self {
            catalog,
            columns,
            by_title: Vec::new(),
            by_imdb: HashMap::new(),
            position: vec![None; catalog.len()],
            found: Imported::default(),
            line: 1,
            user: None,
        };
        match columns {
            Columns::Imdb { .. } => {
                importer.by_imdb = (catalog.movies.iter().enumerate())
                    .filter_map(|(i, m)| Some((m.imdb_id?, i)))
                    .collect();
            }
            Columns::Letterboxd { .. } => {
                let by_title = &mut importer.by_title;
                for (i, movie) in catalog.movies.iter().enumerate() {
                    let (main, alternates) = split_alternates(&movie.title);
                    for part in std::iter::once(main).chain(alternates) {
                        let part = part.strip_prefix("a.k.a. ").unwrap_or(part);
                        by_title.push((title_key(&article_to_front(part)), movie.year, i));
                    }
                }
                // The most rated movie keeps a title and year two movies share.
                let count = |i: usize| std::cmp::Reverse(catalog.movies[i].rating_count);
                by_title.sort_by(|a, b| (&a.0, a.1, count(a.2)).cmp(&(&b.0, b.1, count(b.2))));
                by_title.dedup_by(|later, first| (&later.0, later.1) == (&first.0, first.1));
            }
            Columns::MovieLens { .. } => {}
        }
        Ok(importer)
    }

    pub fn format(&self) -> ImportFormat {
        match self.columns {
            Columns::MovieLens { .. } => ImportFormat::MovieLens,
            Columns::Imdb { .. } => ImportFormat::Imdb,
            Columns::Letterboxd { .. } => ImportFormat::Letterboxd,
        }
    }

    /// Reads the file's next line (after the header).
    pub fn feed(&mut self, line: &str) -> Result<(), ImportError> {
        self.line += 1;
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() {
            return Ok(());
        }
        let at = self.line;
        let malformed = |reason: String| ImportError::Malformed { line: at, reason };
        let fields = split_csv(line).map_err(malformed)?;
        let field = |column: usize, what: &str| -> Result<&str, ImportError> {
            fields
                .get(column)
                .map(|f| f.trim())
                .ok_or_else(|| malformed(format!("no {what} (column {})", column + 1)))
        };
        // Stars from 0.5 to 5 in halves; IMDb's whole 1 to 10 are half-stars themselves.
        let stars = |column: usize, imdb: bool| -> Result<f32, ImportError> {
            let text = field(column, "rating")?;
            let halves = parse_halves(text).and_then(|h| match imdb {
                true => (h % 2 == 0).then_some(h / 2),
                false => Some(h),
            });
            match halves {
                Some(halves @ 1..=10) => Ok(halves as f32 / 2.0),
                _ => Err(malformed(format!(
                    "the rating \"{}\" is not {}",
                    cut(text),
                    if imdb {
                        "a whole number from 1 to 10"
                    } else {
                        "0.5 to 5 stars in half-star steps"
                    }
                ))),
            }
        };
        self.found.rows += 1;
        let (index, stars, name) = match self.columns {
            Columns::MovieLens { id, rating, user } => {
                if let Some(column) = user {
                    let user = field(column, "user id")?.to_string();
                    match &self.user {
                        None => self.user = Some(user),
                        Some(first) if *first != user => {
                            return Err(malformed(format!(
                                "a second user ({user} after {first}): this file holds many people's ratings (a release's ratings.csv?); import one person's export"
                            )));
                        }
                        Some(_) => {}
                    }
                }
                let text = field(id, "movie id")?;
                let movie: u32 = text.parse().map_err(|_| {
                    malformed(format!("the movie id \"{}\" is not a number", cut(text)))
                })?;
                let stars = stars(rating, false)?;
                (
                    self.catalog.index_of(movie),
                    stars,
                    format!("MovieLens movie {movie}"),
                )
            }
            Columns::Imdb { id, rating, title } => {
                let text = field(id, "IMDb id")?;
                let imdb: u32 = text
                    .strip_prefix("tt")
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| {
                        malformed(format!(
                            "\"{}\" is not an IMDb id like tt0111161",
                            cut(text)
                        ))
                    })?;
                let stars = stars(rating, true)?;
                let name = title
                    .and_then(|t| fields.get(t))
                    .map_or_else(|| text.to_string(), |t| format!("{} ({text})", t.trim()));
                (self.by_imdb.get(&imdb).copied(), stars, name)
            }
            Columns::Letterboxd {
                title,
                year,
                rating,
            } => {
                let name = field(title, "title")?;
                let year_text = field(year, "year")?;
                let year: Option<u16> = if year_text.is_empty() {
                    None
                } else {
                    Some(year_text.parse().map_err(|_| {
                        malformed(format!("the year \"{}\" is not a year", cut(year_text)))
                    })?)
                };
                let stars = stars(rating, false)?;
                let key = title_key(name);
                let find = |year: Option<u16>| {
                    let at = (self.by_title)
                        .binary_search_by(|(title, y, _)| (title.as_str(), *y).cmp(&(&key, year)));
                    at.ok().map(|at| self.by_title[at].2)
                };
                // Release years differ by one between sites often enough.
                let index = find(year).or_else(|| {
                    let year = year?;
                    find(year.checked_sub(1)).or_else(|| find(year.checked_add(1)))
                });
                let shown = match year {
                    Some(year) => format!("{name} ({year})"),
                    None => name.to_string(),
                };
                (index, stars, shown)
            }
        };
        match index {
            Some(index) => match self.position[index] {
                Some(at) => self.found.rated[at].1 = stars,
                None => {
                    self.position[index] = Some(self.found.rated.len());
                    self.found
                        .rated
                        .push((self.catalog.movies[index].id, stars));
                }
            },
            None => {
                self.found.unmatched_rows += 1;
                if self.found.unmatched.len() < MAX_LISTED {
                    self.found.unmatched.push(name);
                }
            }
        }
        Ok(())
    }

    /// What the import found.
    pub fn finish(self) -> Imported {
        self.found
    }
}

/// Reads a whole export file at once (the CLI; the page feeds an [`Importer`] in slices).
pub fn import(catalog: &Catalog, text: &str) -> Result<(ImportFormat, Imported), ImportError> {
    if text.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge { bytes: text.len() });
    }
    let mut lines = text.lines();
    let mut importer = Importer::new(catalog, lines.next().ok_or(ImportError::Empty)?)?;
    for line in lines {
        importer.feed(line)?;
    }
    Ok((importer.format(), importer.finish()))
}

/// A title as the matching compares it: lowercase words, accents folded, punctuation dropped.
fn title_key(title: &str) -> String {
    words(title).join(" ")
}

/// At most 40 characters of `text`, for a message.
fn cut(text: &str) -> String {
    text.chars().take(40).collect()
}

/// The fields of one CSV line: commas separate, double quotes enclose fields that hold commas,
/// and a doubled quote inside them is one quote.
fn split_csv(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', false) if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".into());
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Movie;

    fn catalog() -> Catalog {
        let movie = |id: u32, title: &str, year: u16, imdb: u32| Movie {
            id,
            title: title.into(),
            year: Some(year),
            genres: 0,
            rating_count: 10,
            imdb_id: Some(imdb),
            tmdb_id: None,
        };
        Catalog::new(
            vec!["Drama".into()],
            vec![
                movie(1, "Matrix, The", 1999, 133093),
                movie(
                    2,
                    "Amélie (Fabuleux destin d'Amélie Poulain, Le)",
                    2001,
                    211915,
                ),
                movie(3, "Heat", 1995, 113277),
            ],
        )
    }

    #[test]
    fn each_format_is_told_by_its_header_and_matched() {
        let catalog = catalog();
        let movielens = "movie_id,imdb_id,tmdb_id,rating,average_rating,title\n1,133093,603,4.5,4.1,\"Matrix, The (1999)\"\n99,1,1,3.0,3.0,Elsewhere\n";
        let (format, found) = import(&catalog, movielens).unwrap();
        assert_eq!(format, ImportFormat::MovieLens);
        assert_eq!(found.rated, [(1, 4.5)]);
        assert_eq!((found.rows, found.unmatched_rows), (2, 1));
        let imdb = "Const,Your Rating,Date Rated,Title\r\ntt0113277,7,2020-01-01,Heat\r\ntt0000001,10,2020-01-02,Unknown Film\r\n";
        let (format, found) = import(&catalog, imdb).unwrap();
        assert_eq!(format, ImportFormat::Imdb);
        assert_eq!(found.rated, [(3, 3.5)]);
        assert_eq!(found.unmatched, ["Unknown Film (tt0000001)"]);
        let letterboxd = "Date,Name,Year,Letterboxd URI,Rating\n2020-01-01,The Matrix,1999,https://boxd.it/1,5\n2020-01-01,Le Fabuleux Destin d'Amélie Poulain,2001,u,4\n2020-01-01,Heat,1996,u,3.5\n2020-01-01,Heat,1970,u,2\n";
        let (format, found) = import(&catalog, letterboxd).unwrap();
        assert_eq!(format, ImportFormat::Letterboxd);
        // A year off by one still matches; thirty years off does not.
        assert_eq!(found.rated, [(1, 5.0), (2, 4.0), (3, 3.5)]);
        assert_eq!(found.unmatched, ["Heat (1970)"]);
    }

    #[test]
    fn a_movie_rated_twice_is_listed_once_with_its_last_rating() {
        let text = "userId,movieId,rating\n7,3,2.0\n7,1,4.0\n7,3,4.5\n";
        let (_, found) = import(&catalog(), text).unwrap();
        assert_eq!(found.rated, [(3, 4.5), (1, 4.0)]);
        // A release's ratings.csv, every user in one file, is not one visitor's.
        let many = import(&catalog(), "userId,movieId,rating\n1,3,2.0\n2,1,4.0\n");
        assert!(
            many.unwrap_err()
                .to_string()
                .starts_with("line 3: a second user (2 after 1)")
        );
    }

    #[test]
    fn bad_files_are_named_by_line_or_format() {
        let catalog = catalog();
        let error = |text: &str| import(&catalog, text).unwrap_err().to_string();
        assert!(error("title,score\nHeat,3\n").contains("not a ratings export"));
        assert_eq!(import(&catalog, ""), Err(ImportError::Empty));
        assert!(error("movie_id,rating\n1,4\n2,x\n").starts_with("line 3: the rating \"x\""));
        assert!(
            error("movie_id,rating\n1,7\n").contains("line 2: the rating \"7\" is not 0.5 to 5")
        );
        assert!(error("Const,Your Rating\nnm123,4\n").contains("not an IMDb id"));
        assert!(error("Const,Your Rating\ntt1,11\n").contains("not a whole number from 1 to 10"));
        assert!(error("movie_id,rating\n\"1,4\n").contains("line 2: a quoted field is not closed"));
        assert!(error("movie_id,rating\n1\n").contains("line 2: no rating (column 2)"));
        let huge = "x".repeat(MAX_IMPORT_BYTES + 1);
        assert!(error(&huge).contains("MB"));
    }

    #[test]
    fn quoted_fields_keep_commas_and_quotes() {
        assert_eq!(
            split_csv(r#"1,"Matrix, The","say ""hi""",x"#).unwrap(),
            ["1", "Matrix, The", r#"say "hi""#, "x"]
        );
    }
}
