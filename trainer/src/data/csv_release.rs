//! The CSV releases (ml-latest-small, ml-20m, ml-25m, ml-32m): UTF-8 `movies.csv`, `ratings.csv`
//! and `tags.csv`, each with a header line (which may start with a UTF-8 byte order mark), read
//! with the `csv` crate.
//!
//! `ratings.csv` holds numbers only. One csv reader runs over the whole file, with one reused
//! record and without quoting (a `"` there is part of a value, which is then not a number, as in
//! the other ratings files). It reads through [`LineEnds`], which makes `\r\n` and a lone `\r` a
//! `\n`, so that lines end, and are counted, as in every other file ([`super::lines`]).
//!
//! `movies.csv` and `tags.csv` quote titles and tags. Their lines come from [`for_each_line`]
//! (line numbers, line ends, blank lines and a last line without newline as everywhere); each is
//! checked to be UTF-8 and split into fields by one csv reader, reused from line to line
//! ([`CsvLines`]). The csv crate reads leniently and has no strict mode: it takes `"a"b` as `ab`
//! and runs an unclosed quote on into the next lines. A line with a quote is therefore checked
//! first ([`check_quoting`]): a quoted field ends on its line, followed by a comma or the line
//! end. Tags of movies that are not in the movie list are ignored.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use csv::{ByteRecord, StringRecord};

use super::error::{field_count, malformed};
use super::lines::{
    Encoding, Line, MAX_LINE_BYTES, as_truncated, decode, for_each_line, line_too_long, num_u32,
    open, read_error,
};
use super::records::{self, MovieList, Tagger, no_ratings};
use super::{DataError, IdIndex, Movie, Rating, shown};

const MOVIES_HEADER: &str = "movieId,title,genres";
const RATINGS_HEADER: &str = "userId,movieId,rating,timestamp";
const TAGS_HEADER: &str = "userId,movieId,tag,timestamp";
const LINKS_HEADER: &str = "movieId,imdbId,tmdbId";

/// `movies.csv` with header `movieId,title,genres`. Returns the movies and sorted genre names.
pub fn parse_movies(path: &Path) -> Result<(Vec<Movie>, Vec<String>), DataError> {
    let mut movies = MovieList::with_capacity(65_536);
    for_each_record(path, MOVIES_HEADER, 3, |line, f| {
        movies.push(path, line, f[0].as_bytes(), &f[1], &f[2])
    })?;
    movies.finish(
        path,
        "list the movies, one `movieId,title,genres` line each after that header line",
    )
}

/// The csv reader's buffer: each read [`LineEnds`] serves is at most this long, which is what
/// lets it bound lines by looking only where reads meet.
const CSV_BUFFER: usize = MAX_LINE_BYTES;

/// `ratings.csv` with header `userId,movieId,rating,timestamp`. Movie ids are mapped with
/// `items`; `Rating::user` holds the raw MovieLens user id (see
/// [`super::load::densify_users`]).
pub(super) fn parse_ratings(path: &Path, items: &IdIndex) -> Result<Vec<Rating>, DataError> {
    let file = open(path)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut out = Vec::with_capacity((size / 26) as usize + 16);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .quoting(false)
        .buffer_capacity(CSV_BUFFER)
        .from_reader(LineEnds::new(file));
    let mut record = ByteRecord::new();
    let mut header_seen = false;
    let mut handle = |record: &ByteRecord, line: usize| -> Result<(), DataError> {
        if !header_seen {
            header_seen = true;
            return check_header(path, line, &joined(record), RATINGS_HEADER);
        }
        if record.len() != 4 {
            return Err(field_count(path, line, 4, "comma", record.len()));
        }
        let fields = [&record[0], &record[1], &record[2], &record[3]];
        out.push(records::rating(path, line, fields, items, None)?);
        Ok(())
    };
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = reader.position().line() as usize;
                return Err(csv_error(path, line, e));
            }
        }
        // A blank line (an empty one the csv reader skips itself).
        if record.len() == 1 && record[0].iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let (line, terminated) = record_line(&reader);
        if let Err(e) = handle(&record, line) {
            return Err(if terminated { e } else { as_truncated(e) });
        }
    }
    no_ratings(path, out)
}

/// `tags.csv` with header `userId,movieId,tag,timestamp`. Adds the tags to
/// `movies[items.get(movie id)]` (see [`Tagger`]) and returns the number of lines whose
/// movie is unknown (skipped).
pub(super) fn parse_tags(
    path: &Path,
    items: &IdIndex,
    movies: &mut [Movie],
) -> Result<usize, DataError> {
    let mut tagger = Tagger::new(items, movies);
    for_each_record(path, TAGS_HEADER, 4, |line, f| {
        tagger.add(num_u32(path, line, "movie id", f[1].as_bytes())?, &f[2]);
        Ok(())
    })?;
    Ok(tagger.beyond_limit)
}

/// `links.csv` with header `movieId,imdbId,tmdbId`: each movie's IMDb and TMDb ids, which the
/// page turns into links. Either id may be empty; lines of movies not in the list are ignored.
pub(super) fn parse_links(
    path: &Path,
    items: &IdIndex,
    movies: &mut [Movie],
) -> Result<(), DataError> {
    for_each_record(path, LINKS_HEADER, 3, |line, f| {
        let movie_id = num_u32(path, line, "movie id", f[0].as_bytes())?;
        let optional = |field: &'static str, value: &str| -> Result<Option<u32>, DataError> {
            let value = value.trim();
            (!value.is_empty())
                .then(|| num_u32(path, line, field, value.as_bytes()))
                .transpose()
        };
        let (imdb, tmdb) = (optional("IMDb id", &f[1])?, optional("TMDb id", &f[2])?);
        if let Some(i) = items.get(movie_id) {
            let movie = &mut movies[i as usize];
            movie.imdb_id = imdb;
            movie.tmdb_id = tmdb;
        }
        Ok(())
    })
}

/// Reads a quoted CSV file (`movies.csv`, `tags.csv`, `links.csv`): checks its header line against `header`,
/// then calls `f` with the line number and the fields of every other line, each of which must
/// have `n_fields` comma-separated fields.
fn for_each_record(
    path: &Path,
    header: &str,
    n_fields: usize,
    mut f: impl FnMut(usize, &StringRecord) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let mut csv_lines = CsvLines::new();
    let mut header_seen = false;
    for_each_line(path, |line| {
        if !header_seen {
            header_seen = true;
            return check_header(path, line.no, line.bytes, header);
        }
        let fields = csv_lines.split(path, line)?;
        if fields.len() != n_fields {
            return Err(field_count(path, line.no, n_fields, "comma", fields.len()));
        }
        f(line.no, fields)
    })
}

/// Checks header line `line` (a UTF-8 byte order mark is allowed).
fn check_header(path: &Path, line: usize, bytes: &[u8], expected: &str) -> Result<(), DataError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.trim_ascii() == expected.as_bytes() {
        Ok(())
    } else {
        Err(malformed(
            path,
            line,
            format!("expected the header {expected:?}, found {}", shown(bytes)),
        ))
    }
}

// --------------------------------------------------------------------- quoted lines (movies, tags)

/// Splits lines into CSV fields with one csv reader, reused from line to line: each line is
/// handed to it through [`OneLine`].
struct CsvLines {
    reader: csv::Reader<OneLine>,
    record: StringRecord,
}

impl CsvLines {
    fn new() -> CsvLines {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(OneLine::default());
        let mut csv_lines = CsvLines {
            reader,
            record: StringRecord::new(),
        };
        // The csv reader drops a byte order mark at the start of its first input. The header
        // line, where a file's mark is, never gets here, so a first line read up front makes a
        // data line keep all its bytes.
        let _ = csv_lines.fields("-");
        csv_lines
    }

    /// The fields of line `line` of `path`, which must be UTF-8.
    fn split(&mut self, path: &Path, line: &Line<'_>) -> Result<&StringRecord, DataError> {
        let text = decode(line.bytes, Encoding::Utf8, path, line.no)?;
        self.fields(&text)
            .map_err(|reason| malformed(path, line.no, reason))
    }

    /// The unquoted fields of one line of text (without its line end), or why its quoting is
    /// broken.
    fn fields(&mut self, text: &str) -> Result<&StringRecord, String> {
        if text.contains('"') {
            check_quoting(text)?;
        }
        if text.is_empty() {
            // One empty field; the csv reader would take an empty line for the end of its input.
            self.record.clear();
            self.record.push_field("");
            return Ok(&self.record);
        }
        let source = self.reader.get_mut();
        source.bytes.clear();
        source.bytes.extend_from_slice(text.as_bytes());
        source.bytes.push(b'\n');
        source.at = 0;
        match self.reader.read_record(&mut self.record) {
            Ok(true) => Ok(&self.record),
            Ok(false) => Err("the line has no fields".to_string()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The input of the csv reader of [`CsvLines`]: the line being split, with a `\n`.
#[derive(Default)]
struct OneLine {
    bytes: Vec<u8>,
    /// How many of `bytes` the csv reader has taken.
    at: usize,
}

impl Read for OneLine {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = &self.bytes[self.at..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        Ok(n)
    }
}

/// Refuses the quoting the csv crate would read leniently (it has no strict mode): a quoted field
/// must end on its line (`"unterminated quoted field"`), and its closing quote must be followed
/// by a comma or the line end, so `"a"b` is an error rather than `ab`. A `"` inside an unquoted
/// field is an ordinary character, as for the csv crate.
fn check_quoting(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    loop {
        if bytes.get(i) != Some(&b'"') {
            // An unquoted field: up to the next comma.
            match bytes[i..].iter().position(|&b| b == b',') {
                Some(p) => i += p + 1,
                None => return Ok(()),
            }
            continue;
        }
        i += 1;
        loop {
            let Some(p) = bytes[i..].iter().position(|&b| b == b'"') else {
                return Err("unterminated quoted field".to_string());
            };
            i += p + 1;
            if bytes.get(i) == Some(&b'"') {
                // `""`: a quote inside the field.
                i += 1;
            } else {
                break;
            }
        }
        match bytes.get(i) {
            None => return Ok(()),
            Some(b',') => i += 1,
            Some(_) => {
                return Err(format!(
                    "unexpected character {:?} after a closing quote",
                    text[i..].chars().next().unwrap_or(' ')
                ));
            }
        }
    }
}

// ------------------------------------------------------------------------ whole file (ratings)

/// A record's fields joined by commas: for a reader without quoting, its line as in the file.
fn joined(record: &ByteRecord) -> Vec<u8> {
    let fields: Vec<&[u8]> = record.iter().collect();
    fields.join(&b',')
}

/// The 1-based line of the record just read, and whether that line has a line end (`false`:
/// the last line, without newline).
fn record_line(reader: &csv::Reader<LineEnds<File>>) -> (usize, bool) {
    let position = reader.position();
    let source = reader.get_ref();
    // The reader counts the `\n`s it has read, from 1; it has read the record and its `\n`.
    let ended = position.line().saturating_sub(1) as usize;
    let at_end = source.done && position.byte() == source.emitted;
    if at_end && source.last != Some(b'\n') {
        (ended + 1, false)
    } else {
        (ended, true)
    }
}

/// An error of the csv reader: reading the file failed (it finds nothing else wrong with bytes
/// it splits without quoting into a flexible number of fields).
fn csv_error(path: &Path, line: usize, error: csv::Error) -> DataError {
    let line = error.position().map_or(line, |p| p.line() as usize);
    match error.into_kind() {
        csv::ErrorKind::Io(source) => read_error(path, line, source),
        kind => malformed(path, line, format!("{kind:?}")),
    }
}

/// A file read with `\r\n` and a lone `\r` made `\n`, so that the csv reader ends lines where
/// [`for_each_line`] does and counts them alike. Remembers how many bytes it gave, the last one
/// and whether the file has ended, which tells a last line without newline.
struct LineEnds<R> {
    inner: R,
    /// What was given so far ended with a `\r` (given as `\n`): a `\n` next belongs to it.
    after_cr: bool,
    /// Bytes given so far.
    emitted: u64,
    /// The last byte given.
    last: Option<u8>,
    /// `inner` has ended.
    done: bool,
    /// Bytes given since the last `\n`: past [`MAX_LINE_BYTES`] the read fails.
    line_bytes: usize,
}

impl<R> LineEnds<R> {
    fn new(inner: R) -> LineEnds<R> {
        LineEnds {
            inner,
            after_cr: false,
            emitted: 0,
            last: None,
            done: false,
            line_bytes: 0,
        }
    }
}

impl<R: Read> Read for LineEnds<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // The csv reader drops a byte order mark when its first input starts with one. A first
        // read of one byte keeps the mark in the first line, where the header check allows it as
        // in the other CSV files (and a mark alone on that line is no blank line).
        let len = if self.emitted == 0 { 1 } else { buf.len() };
        loop {
            let n = match self.inner.read(&mut buf[..len]) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                self.done = true;
                return Ok(0);
            }
            let kept = if self.after_cr || buf[..n].contains(&b'\r') {
                normalize_line_ends(&mut buf[..n], &mut self.after_cr)
            } else {
                n
            };
            // The line that goes on from the last read ends at this read's first newline; a line
            // wholly inside one read is no longer than the read, which the csv reader's buffer
            // (`CSV_BUFFER`) keeps at the bound.
            let chunk = &buf[..kept];
            let ended = chunk.iter().position(|&b| b == b'\n');
            let continued = self.line_bytes + ended.unwrap_or(kept);
            if continued > MAX_LINE_BYTES {
                return Err(line_too_long());
            }
            self.line_bytes = match chunk.iter().rposition(|&b| b == b'\n') {
                Some(newline) => kept - newline - 1,
                None => continued,
            };
            // Nothing kept: the read held only the `\n` of a `\r\n`; read on.
            if kept > 0 {
                self.emitted += kept as u64;
                self.last = Some(buf[kept - 1]);
                return Ok(kept);
            }
        }
    }
}

/// Makes `\r\n` and a lone `\r` in `bytes` a `\n`, in place, and returns the new length.
/// `after_cr`: the bytes before these ended with a `\r`, so a first `\n` here belongs to it; set
/// when these end with a `\r`.
fn normalize_line_ends(bytes: &mut [u8], after_cr: &mut bool) -> usize {
    let mut read = 0;
    if std::mem::take(after_cr) && bytes.first() == Some(&b'\n') {
        read = 1;
    }
    let mut kept = 0;
    while let Some(p) = bytes[read..].iter().position(|&b| b == b'\r') {
        let cr = read + p;
        bytes.copy_within(read..cr, kept);
        kept += cr - read;
        bytes[kept] = b'\n';
        kept += 1;
        read = cr + 1;
        match bytes.get(read) {
            Some(b'\n') => read += 1,
            Some(_) => {}
            None => *after_cr = true,
        }
    }
    let rest = bytes.len() - read;
    bytes.copy_within(read.., kept);
    kept + rest
}

#[cfg(test)]
mod tests {
    use super::super::DatasetName;
    use super::super::test_util::{TempDir, load, ml_latest_small};
    use super::*;

    #[test]
    fn csv_split() {
        let mut csv_lines = CsvLines::new();
        let mut split = |text: &str| -> Result<Vec<String>, String> {
            csv_lines
                .fields(text)
                .map(|r| r.iter().map(str::to_string).collect())
        };
        let f = split(r#"11,"American President, The (1995)",Comedy|Drama"#).unwrap();
        assert_eq!(
            f,
            vec!["11", "American President, The (1995)", "Comedy|Drama"]
        );
        let f = split(r#"7789,"11'09""01 - September 11 (2002)",Drama"#).unwrap();
        assert_eq!(f[1], "11'09\"01 - September 11 (2002)");
        assert_eq!(split("a,,b,").unwrap(), vec!["a", "", "b", ""]);
        assert_eq!(split(r#""""#).unwrap(), vec![""]);
        assert!(split(r#"1,"open"#).is_err());
        assert!(split(r#"1,"a"b,c"#).is_err());
        // The reasons, and the reader goes on after a refused line.
        assert_eq!(
            split(r#"1,"open"#).unwrap_err(),
            "unterminated quoted field"
        );
        assert_eq!(
            split(r#"1,"a"b,c"#).unwrap_err(),
            "unexpected character 'b' after a closing quote"
        );
        assert_eq!(split(r#"x,y"z,"""#).unwrap(), vec!["x", "y\"z", ""]);
    }

    /// A line past the bound is refused by its line number, in either reader, before the
    /// line is held whole.
    #[test]
    fn an_endless_line_is_refused_at_its_bound() {
        let tmp = TempDir::new("long-line");
        let movies = "movieId,title,genres\n1,A (1999),Drama\n";
        let long = "9".repeat(MAX_LINE_BYTES + 10);
        ml_latest_small(
            &tmp,
            movies,
            format!("userId,movieId,rating,timestamp\n1,1,4.0,1\n1,1,4.0,{long}\n"),
        );
        let err = load(&tmp, DatasetName::MlLatestSmall)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ratings.csv line 3: a line longer than 1048576 bytes"),
            "{err}"
        );
        ml_latest_small(
            &tmp,
            format!("{movies}2,\"{long}\",Drama\n"),
            "userId,movieId,rating,timestamp\n1,1,4.0,1\n",
        );
        let err = load(&tmp, DatasetName::MlLatestSmall)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("movies.csv line 3: a line longer than 1048576 bytes"),
            "{err}"
        );
    }

    /// `links.csv` gives each movie its IMDb and TMDb ids; an empty id is no link, a movie the
    /// list does not know is ignored, and a broken number is named with its line.
    #[test]
    fn links_csv() {
        let tmp = TempDir::new("links");
        tmp.write(
            "ml-latest-small/movies.csv",
            "movieId,title,genres\n1,A (1999),Drama\n2,B (2001),Drama\n",
        );
        tmp.write(
            "ml-latest-small/ratings.csv",
            "userId,movieId,rating,timestamp\n1,1,4,1\n",
        );
        tmp.write(
            "ml-latest-small/links.csv",
            "movieId,imdbId,tmdbId\n1,0114709,862\n2,0113497,\n99,1,2\n",
        );
        let ds = load(&tmp, DatasetName::MlLatestSmall).unwrap();
        let links: Vec<_> = ds.movies.iter().map(|m| (m.imdb_id, m.tmdb_id)).collect();
        assert_eq!(links, [(Some(114709), Some(862)), (Some(113497), None)]);
        tmp.write(
            "ml-latest-small/links.csv",
            "movieId,imdbId,tmdbId\n1,tt0114709,862\n",
        );
        let err = load(&tmp, DatasetName::MlLatestSmall)
            .unwrap_err()
            .to_string();
        assert!(err.contains("links.csv line 2"), "{err}");
        assert!(err.contains("IMDb id"), "{err}");
    }

    /// `ratings.csv` is read whole by one csv reader: its line numbers, line ends, blank lines
    /// and last line are those of every other file, and a quote is part of a value.
    #[test]
    fn ratings_csv_lines() {
        let tmp = TempDir::new("csvlines");
        tmp.write(
            "ml-latest-small/movies.csv",
            "movieId,title,genres\n1,A (1999),Drama\n",
        );
        let ratings = |text: &[u8]| {
            tmp.write("ml-latest-small/ratings.csv", text);
            load(&tmp, DatasetName::MlLatestSmall)
        };
        // A byte order mark, blank lines, every line end, a last line without newline.
        let ds = ratings(
            b"\xEF\xBB\xBFuserId,movieId,rating,timestamp\r\n\r\n  \n7,1,4,1\r8,1,2.5,2\r\n\n9,1,5,3",
        )
        .unwrap();
        assert_eq!(ds.user_ids, vec![7, 8, 9]);
        let values: Vec<f32> = ds.ratings.iter().map(|r| r.rating).collect();
        assert_eq!(values, vec![4.0, 2.5, 5.0]);
        // Every line end counts a line: the bad rating is on line 5.
        let err =
            ratings(b"userId,movieId,rating,timestamp\r\r\n7,1,4,1\r\n\r8,1,x,2\n").unwrap_err();
        assert!(
            matches!(
                err,
                DataError::BadNumber {
                    line: 5,
                    field: "rating",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .ends_with("ratings.csv line 5: rating is not a valid number: \"x\""),
            "{err}"
        );
        // An incomplete last line without newline.
        let err = ratings(b"userId,movieId,rating,timestamp\n7,1,4,1\n8,1,").unwrap_err();
        assert!(
            matches!(err, DataError::Truncated { line: 3, .. }),
            "{err:?}"
        );
        assert!(
            err.to_string().ends_with(
                "ratings.csv line 3: file is truncated: the last line has no newline and is \
                 incomplete (expected 4 comma-separated fields, found 3)"
            ),
            "{err}"
        );
        // A byte order mark alone on the first line is no blank line: that line is the header.
        let err = ratings(b"\xEF\xBB\xBF\nuserId,movieId,rating,timestamp\n7,1,4,1\n").unwrap_err();
        assert!(
            err.to_string().ends_with(
                "ratings.csv line 1: expected the header \"userId,movieId,rating,timestamp\", \
                 found \"\""
            ),
            "{err}"
        );
        // Quotes are not special in ratings.csv.
        let err = ratings(b"userId,movieId,rating,timestamp\n7,\"1\",4,1\n").unwrap_err();
        assert!(
            matches!(
                err,
                DataError::BadNumber {
                    line: 2,
                    field: "movie id",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    /// `\r\n` and a lone `\r` become `\n`, also when a `\r\n` is split across two reads.
    #[test]
    fn line_ends_across_reads() {
        let input: &[u8] = b"a\r\nb\rc\n\rd\r\n\r\ne";
        for size in 1..=4 {
            let mut source = LineEnds::new(input);
            let mut out = Vec::new();
            let mut buf = [0u8; 4];
            loop {
                let n = source.read(&mut buf[..size]).unwrap();
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            assert_eq!(out, b"a\nb\nc\n\nd\n\ne", "read size {size}");
            assert_eq!(source.emitted, out.len() as u64);
            assert_eq!(source.last, Some(b'e'));
            assert!(source.done);
        }
    }

    #[test]
    fn duplicate_movie() {
        let tmp = TempDir::new("dup");
        ml_latest_small(
            &tmp,
            "movieId,title,genres\n1,A (1999),Drama\n2,B,Drama\n1,C,Drama\n",
            "userId,movieId,rating,timestamp\n",
        );
        let err = load(&tmp, DatasetName::MlLatestSmall).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::DuplicateMovie {
                    line: 4,
                    movie_id: 1,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn invalid_utf8_in_csv() {
        let tmp = TempDir::new("utf8");
        ml_latest_small(
            &tmp,
            b"movieId,title,genres\n1,Caf\xe9 (1999),Drama\n",
            "userId,movieId,rating,timestamp\n",
        );
        let err = load(&tmp, DatasetName::MlLatestSmall).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::InvalidUtf8 {
                    line: 2,
                    column: 6,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("movies.csv line 2: invalid UTF-8"),
            "{err}"
        );
    }

    #[test]
    fn csv_release_small() {
        let tmp = TempDir::new("csv");
        tmp.write(
            "ml-25m/movies.csv",
            "\u{feff}movieId,title,genres\r\n\
             1,Toy Story (1995),Adventure|Animation|Children\r\n\
             11,\"American President, The (1995)\",Comedy|Drama|Romance\r\n\
             20,Babylon 5,(no genres listed)\r\n",
        );
        tmp.write(
            "ml-25m/ratings.csv",
            "userId,movieId,rating,timestamp\r\n5,11,4.5,10\r\n3,1,0.5,20\r\n5,1,3.0,30\r\n",
        );
        tmp.write(
            "ml-25m/tags.csv",
            "userId,movieId,tag,timestamp\n1,1,Pixar,1\n2,1,pixar ,2\n2,1,\"fun, for kids\",3\n2,999,orphan,4\n3,11,\"\"\"artsy\"\"\",5\n",
        );
        let ds = load(&tmp, DatasetName::Ml25m).unwrap();
        assert_eq!(ds.user_ids, vec![3, 5]);
        assert_eq!(
            ds.genre_names,
            vec![
                "Adventure",
                "Animation",
                "Children",
                "Comedy",
                "Drama",
                "Romance"
            ]
        );
        assert_eq!(ds.movies[1].title, "American President, The");
        assert_eq!(ds.movies[1].genres, 0b111000);
        assert_eq!(ds.movies[0].genres, 0b000111);
        assert_eq!((ds.movies[2].genres, ds.movies[2].year), (0, None));
        assert_eq!(ds.movies[0].tags, vec!["pixar", "fun, for kids"]);
        assert_eq!(ds.movies[1].tags, vec!["\"artsy\""]);
        assert_eq!(
            ds.ratings[0],
            Rating {
                user: 1,
                item: 1,
                rating: 4.5,
                timestamp: 10
            }
        );
        assert_eq!(
            ds.ratings[1],
            Rating {
                user: 0,
                item: 0,
                rating: 0.5,
                timestamp: 20
            }
        );
        assert_eq!(ds.user_index(5), Some(1));
        assert_eq!(ds.item_index(20), Some(2));
        assert_eq!(ds.item_index(2), None);
        // Wrong header.
        tmp.write("ml-25m/ratings.csv", "user,movie,rating,timestamp\n");
        let err = load(&tmp, DatasetName::Ml25m).unwrap_err();
        assert!(
            err.to_string()
                .contains("ratings.csv line 1: expected the header"),
            "{err}"
        );
    }

    /// Parse speed on 5M synthetic CSV ratings (run with `--ignored --nocapture`).
    #[test]
    #[ignore]
    fn bench_synthetic_ratings_csv() {
        use std::io::Write;
        let tmp = TempDir::new("bench");
        let dir = tmp.path().join("ml-25m");
        std::fs::create_dir_all(&dir).unwrap();
        let mut movies =
            std::io::BufWriter::new(std::fs::File::create(dir.join("movies.csv")).unwrap());
        writeln!(movies, "movieId,title,genres").unwrap();
        for m in 1..=50_000u32 {
            writeln!(movies, "{m},Movie {m} (2000),Drama|Comedy").unwrap();
        }
        drop(movies);
        let mut ratings =
            std::io::BufWriter::new(std::fs::File::create(dir.join("ratings.csv")).unwrap());
        writeln!(ratings, "userId,movieId,rating,timestamp").unwrap();
        let n = 5_000_000u64;
        for k in 0..n {
            let m = (k * 7919) % 50_000 + 1;
            writeln!(
                ratings,
                "{},{m},{}.5,{}",
                k / 150 + 1,
                k % 5,
                1_500_000_000 + k
            )
            .unwrap();
        }
        drop(ratings);
        let t = std::time::Instant::now();
        let ds = load(&tmp, DatasetName::Ml25m).unwrap();
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(ds.ratings.len(), n as usize);
        eprintln!(
            "parsed {n} ratings in {secs:.2} s ({:.1} M/s)",
            n as f64 / secs / 1e6
        );
    }
}
