//! Parsers for the MovieLens file formats.
//!
//! Files are read line by line into one reused buffer; ratings files are split on bytes and their
//! numbers parsed by hand, without allocating per line. Blank lines are skipped; `\n`, `\r\n` and
//! a lone `\r` (old Mac files) all end a line. A last line without newline is fine when complete;
//! when it is incomplete the error is [`DataError::Truncated`].
//!
//! A value quoted in an error is cut to its first [`SHOWN_CHARS`] characters ([`shown`]), so a
//! huge broken field never floods the terminal. A required file without data lines is
//! [`DataError::EmptyFile`] (ratings files: [`DataError::NoRatings`]), a folder in a file's place
//! is [`DataError::IsDirectory`], each naming that file.
//!
//! Encodings: CSV releases and ml-10m's `movies.dat` are UTF-8 (invalid bytes are an error with
//! the line); ml-100k's `u.item` and ml-1m's `.dat` files are latin-1 (each byte is one char).
//! ml-10m's `tags.dat` is read as UTF-8 leniently (invalid bytes become U+FFFD). Tags of movies
//! that are not in the movie list are ignored.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::{
    DataError, Dataset, DatasetName, IdIndex, Layout, Movie, Rating, UserInfo, missing_file,
    refuse_directory,
};

/// Text encoding of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// ISO-8859-1: byte `b` is `char::from(b)`.
    Latin1,
}

/// Layout of a ratings file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingsFormat {
    /// ml-100k `u.data`, `u1.base`, ...: `user\titem\trating\ttimestamp`.
    Tab,
    /// ml-1m / ml-10m `ratings.dat`: `UserID::MovieID::Rating::Timestamp`.
    DoubleColon,
    /// `ratings.csv` with header `userId,movieId,rating,timestamp`.
    Csv,
}

impl RatingsFormat {
    fn separator(self) -> &'static [u8] {
        match self {
            RatingsFormat::Tab => b"\t",
            RatingsFormat::DoubleColon => b"::",
            RatingsFormat::Csv => b",",
        }
    }

    fn separator_name(self) -> &'static str {
        match self {
            RatingsFormat::Tab => "tab",
            RatingsFormat::DoubleColon => "'::'",
            RatingsFormat::Csv => "comma",
        }
    }
}

// ------------------------------------------------------------------------------------ lines

/// One line without its end (`\n`, `\r\n` or `\r`).
pub(crate) struct Line<'a> {
    /// 1-based line number.
    pub no: usize,
    pub bytes: &'a [u8],
}

fn open(path: &Path) -> Result<BufReader<File>, DataError> {
    refuse_directory(path)?;
    let file = File::open(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(BufReader::with_capacity(1 << 20, file))
}

/// Calls `f` for every non-blank line. Format errors (field count, number, malformed) on a last
/// line without newline are reported as [`DataError::Truncated`].
pub(crate) fn for_each_line(
    path: &Path,
    mut f: impl FnMut(&Line<'_>) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let mut reader = open(path)?;
    let mut buf = Vec::with_capacity(256);
    let mut after_cr = false;
    let mut no = 0;
    loop {
        let terminated = match read_line(&mut reader, &mut buf, &mut after_cr) {
            Ok(Some(terminated)) => terminated,
            Ok(None) => return Ok(()),
            Err(source) => {
                return Err(DataError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        no += 1;
        let bytes = &buf[..];
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let line = Line { no, bytes };
        if let Err(e) = f(&line) {
            return Err(if terminated { e } else { as_truncated(e) });
        }
    }
}

/// Reads the next line into `buf` (cleared first), without its end: `\n`, `\r\n` or a lone `\r`.
/// `after_cr` carries over between calls whether the previous line ended with `\r`, so that the
/// `\n` of a `\r\n` is skipped also when the two bytes arrive in different reads. Returns `None`
/// at the end of the input, otherwise whether the line had an end (`false`: last line without).
fn read_line(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    after_cr: &mut bool,
) -> std::io::Result<Option<bool>> {
    buf.clear();
    let mut started = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(started.then_some(false));
        }
        if *after_cr {
            *after_cr = false;
            if available[0] == b'\n' {
                reader.consume(1);
                continue;
            }
        }
        started = true;
        match available.iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(end) => {
                buf.extend_from_slice(&available[..end]);
                *after_cr = available[end] == b'\r';
                reader.consume(end + 1);
                return Ok(Some(true));
            }
            None => {
                let n = available.len();
                buf.extend_from_slice(available);
                reader.consume(n);
            }
        }
    }
}

/// Re-labels a format error on an unterminated last line as truncation.
fn as_truncated(e: DataError) -> DataError {
    match e {
        DataError::FieldCount { ref path, line, .. }
        | DataError::BadNumber { ref path, line, .. }
        | DataError::Malformed { ref path, line, .. } => {
            let full = e.to_string();
            let prefix = format!("{} line {line}: ", path.display());
            let reason = full.strip_prefix(&prefix).unwrap_or(&full);
            DataError::Truncated {
                path: path.clone(),
                line,
                reason: format!("the last line has no newline and is incomplete ({reason})"),
            }
        }
        e => e,
    }
}

fn decode<'a>(
    bytes: &'a [u8],
    enc: Encoding,
    path: &Path,
    line: usize,
) -> Result<Cow<'a, str>, DataError> {
    match enc {
        Encoding::Utf8 => {
            std::str::from_utf8(bytes)
                .map(Cow::Borrowed)
                .map_err(|e| DataError::InvalidUtf8 {
                    path: path.to_path_buf(),
                    line,
                    column: e.valid_up_to() + 1,
                })
        }
        Encoding::Latin1 => Ok(latin1(bytes)),
    }
}

/// Latin-1 to `str`: every byte is the char with that code.
pub fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    if bytes.is_ascii() {
        // ASCII is valid UTF-8.
        Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default())
    } else {
        Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect())
    }
}

// ----------------------------------------------------------------------------- fields, numbers

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() == 1 {
        return hay.iter().position(|&b| b == needle[0]);
    }
    let mut from = 0;
    while let Some(p) = hay[from..].iter().position(|&b| b == needle[0]) {
        let at = from + p;
        if hay[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Splits into exactly `N` fields; `Err(found)` with the number of fields otherwise.
fn split_n<'a, const N: usize>(line: &'a [u8], sep: &[u8]) -> Result<[&'a [u8]; N], usize> {
    let mut out = [&line[..0]; N];
    let mut count = 0;
    let mut rest = line;
    loop {
        let pos = find(rest, sep);
        let field = match pos {
            Some(p) => &rest[..p],
            None => rest,
        };
        if count < N {
            out[count] = field;
        }
        count += 1;
        match pos {
            Some(p) => rest = &rest[p + sep.len()..],
            None => break,
        }
    }
    if count == N { Ok(out) } else { Err(count) }
}

fn count_fields(line: &str, sep: &str) -> usize {
    line.matches(sep).count() + 1
}

pub(crate) fn parse_u32(b: &[u8]) -> Option<u32> {
    let b = b.trim_ascii();
    if b.is_empty() || b.len() > 10 {
        return None;
    }
    let mut acc: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        acc = acc * 10 + u64::from(c - b'0');
    }
    u32::try_from(acc).ok()
}

pub(crate) fn parse_i64(b: &[u8]) -> Option<i64> {
    let b = b.trim_ascii();
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut acc: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        acc = acc.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    Some(if neg { -acc } else { acc })
}

pub(crate) fn parse_f32(b: &[u8]) -> Option<f32> {
    // Fast path for the MovieLens forms "4" and "3.5".
    match *b {
        [d] if d.is_ascii_digit() => return Some(f32::from(d - b'0')),
        [d, b'.', f] if d.is_ascii_digit() && f.is_ascii_digit() => {
            // One correctly rounded division: same value as "d.f".parse::<f32>().
            return Some(f32::from((d - b'0') * 10 + (f - b'0')) / 10.0);
        }
        _ => {}
    }
    let s = std::str::from_utf8(b.trim_ascii()).ok()?;
    s.parse::<f32>().ok().filter(|v| v.is_finite())
}

/// How many characters of a value [`shown`] quotes.
pub const SHOWN_CHARS: usize = 60;

/// A value from a file as quoted in an error message: in double quotes with Rust string escapes
/// (invalid UTF-8 as U+FFFD), cut to its first [`SHOWN_CHARS`] characters; a cut value is
/// followed by `… (N bytes)` with its full length. Every error that quotes input uses it, so a
/// 50 MB broken field gives a short message.
pub fn shown(b: &[u8]) -> String {
    // A character is at most 4 bytes and an invalid sequence at most 3: this many bytes hold
    // at least SHOWN_CHARS characters.
    let head = &b[..b.len().min(4 * SHOWN_CHARS)];
    let text = String::from_utf8_lossy(head);
    let mut chars = text.chars();
    let cut: String = chars.by_ref().take(SHOWN_CHARS).collect();
    if head.len() == b.len() && chars.next().is_none() {
        format!("{cut:?}")
    } else {
        format!("{cut:?}… ({} bytes)", b.len())
    }
}

fn bad_number(path: &Path, line: usize, field: &'static str, value: &[u8]) -> DataError {
    DataError::BadNumber {
        path: path.to_path_buf(),
        line,
        field,
        value: shown(value),
    }
}

fn field_count(
    path: &Path,
    line: usize,
    expected: usize,
    separator: &'static str,
    found: usize,
) -> DataError {
    DataError::FieldCount {
        path: path.to_path_buf(),
        line,
        expected,
        separator,
        found,
    }
}

fn empty_file(path: &Path, should: &'static str) -> DataError {
    DataError::EmptyFile {
        path: path.to_path_buf(),
        should,
    }
}

fn malformed(path: &Path, line: usize, reason: impl Into<String>) -> DataError {
    DataError::Malformed {
        path: path.to_path_buf(),
        line,
        reason: reason.into(),
    }
}

fn num_u32(path: &Path, line: usize, field: &'static str, value: &[u8]) -> Result<u32, DataError> {
    parse_u32(value).ok_or_else(|| bad_number(path, line, field, value))
}

/// Splits one CSV record (RFC 4180 quoting: `"a, b"`, `""` for a quote inside quotes).
pub fn split_csv(line: &str) -> Result<Vec<Cow<'_, str>>, String> {
    let bytes = line.as_bytes();
    let len = bytes.len();
    let mut fields = Vec::with_capacity(4);
    let mut i = 0;
    loop {
        if i < len && bytes[i] == b'"' {
            let mut s = String::new();
            i += 1;
            let mut start = i;
            loop {
                match bytes[i..].iter().position(|&b| b == b'"') {
                    None => return Err("unterminated quoted field".into()),
                    Some(p) => {
                        let q = i + p;
                        if bytes.get(q + 1) == Some(&b'"') {
                            s.push_str(&line[start..=q]);
                            i = q + 2;
                            start = i;
                        } else {
                            s.push_str(&line[start..q]);
                            i = q + 1;
                            break;
                        }
                    }
                }
            }
            fields.push(Cow::Owned(s));
            if i == len {
                break;
            }
            if bytes[i] != b',' {
                return Err(format!(
                    "unexpected character {:?} after a closing quote",
                    line[i..].chars().next().unwrap_or(' ')
                ));
            }
            i += 1;
        } else {
            let end = bytes[i..]
                .iter()
                .position(|&b| b == b',')
                .map_or(len, |p| i + p);
            fields.push(Cow::Borrowed(&line[i..end]));
            if end == len {
                break;
            }
            i = end + 1;
        }
    }
    Ok(fields)
}

/// Checks a CSV header line (a UTF-8 BOM is allowed).
fn check_header(path: &Path, line: &Line<'_>, expected: &str) -> Result<(), DataError> {
    let bytes = line
        .bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(line.bytes);
    if bytes.trim_ascii() == expected.as_bytes() {
        Ok(())
    } else {
        Err(malformed(
            path,
            line.no,
            format!("expected the header {expected:?}, found {}", shown(bytes)),
        ))
    }
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

// ---------------------------------------------------------------------------------- ratings

/// Parses a ratings file. Movie ids are mapped with `items`; user ids with `users` when given,
/// otherwise `Rating::user` holds the raw MovieLens user id (see [`densify_users`]).
pub(crate) fn parse_ratings(
    path: &Path,
    format: RatingsFormat,
    items: &IdIndex,
    users: Option<&IdIndex>,
) -> Result<Vec<Rating>, DataError> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut out = Vec::with_capacity((size / 26) as usize + 16);
    let sep = format.separator();
    let mut header_seen = format != RatingsFormat::Csv;
    for_each_line(path, |line| {
        if !header_seen {
            header_seen = true;
            return check_header(path, line, "userId,movieId,rating,timestamp");
        }
        let [u, i, r, t] = split_n::<4>(line.bytes, sep)
            .map_err(|found| field_count(path, line.no, 4, format.separator_name(), found))?;
        let user_id = num_u32(path, line.no, "user id", u)?;
        let movie_id = num_u32(path, line.no, "movie id", i)?;
        let rating = parse_f32(r).ok_or_else(|| bad_number(path, line.no, "rating", r))?;
        let timestamp = parse_i64(t).ok_or_else(|| bad_number(path, line.no, "timestamp", t))?;
        if !(0.5..=5.0).contains(&rating) {
            return Err(DataError::RatingOutOfRange {
                path: path.to_path_buf(),
                line: line.no,
                value: rating,
            });
        }
        let item = items.get(movie_id).ok_or_else(|| DataError::UnknownMovie {
            path: path.to_path_buf(),
            line: line.no,
            movie_id,
        })?;
        let user = match users {
            Some(index) => index.get(user_id).ok_or_else(|| DataError::UnknownUser {
                path: path.to_path_buf(),
                line: line.no,
                user_id,
            })?,
            None => user_id,
        };
        out.push(Rating {
            user,
            item,
            rating,
            timestamp,
        });
        Ok(())
    })?;
    if out.is_empty() {
        return Err(DataError::NoRatings {
            path: path.to_path_buf(),
        });
    }
    Ok(out)
}

/// Replaces raw MovieLens user ids in `ratings` by dense indices (ascending id order) and returns
/// the ids.
pub(crate) fn densify_users(ratings: &mut [Rating]) -> Vec<u32> {
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

// ---------------------------------------------------------------------------------- genres

/// Interns genre names while parsing; [`GenreTable::finish`] sorts them and remaps the masks.
#[derive(Default)]
struct GenreTable {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl GenreTable {
    fn mask(&mut self, genres: &str, path: &Path, line: usize) -> Result<u32, DataError> {
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

    fn finish(self, movies: &mut [Movie]) -> Vec<String> {
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

/// Tracks movie ids while parsing a movie list to report duplicates.
fn check_duplicate(
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

// ------------------------------------------------------------------------------- ml-100k

/// `u.genre`: `name|index` lines (a trailing blank line is fine).
pub fn parse_ml100k_genres(path: &Path) -> Result<Vec<String>, DataError> {
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
    if names.is_empty() {
        return Err(empty_file(
            path,
            "list the genres, one `name|index` line each (19 in ml-100k)",
        ));
    }
    if names.len() > 32 {
        return Err(malformed(path, names.len(), "more than 32 genres"));
    }
    Ok(names)
}

/// `u.item` (latin-1): `id|title (year)|release date|video date|url|flag|...` with one 0/1 flag
/// per genre. A title without year takes the year of the release date (`01-Jan-1995`).
pub fn parse_ml100k_items(path: &Path, n_genres: usize) -> Result<Vec<Movie>, DataError> {
    let mut movies = Vec::with_capacity(2048);
    let mut seen = HashMap::new();
    let expected = 5 + n_genres;
    for_each_line(path, |line| {
        let text = decode(line.bytes, Encoding::Latin1, path, line.no)?;
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
        movies.push(Movie {
            id,
            title,
            year,
            genres,
            tags: Vec::new(),
        });
        Ok(())
    })?;
    if movies.is_empty() {
        return Err(empty_file(
            path,
            "list the movies, one `id|title|release date|video date|url|genre flags` line each",
        ));
    }
    Ok(movies)
}

fn gender(path: &Path, line: usize, s: &str) -> Result<char, DataError> {
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

/// Sorts users by id and rejects duplicates.
fn sort_users(
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

/// `u.user`: `id|age|gender|occupation|zip`. Returns ids (ascending) and infos.
pub fn parse_ml100k_users(path: &Path) -> Result<(Vec<u32>, Vec<UserInfo>), DataError> {
    let mut rows = Vec::with_capacity(1024);
    for_each_line(path, |line| {
        let text = decode(line.bytes, Encoding::Latin1, path, line.no)?;
        let f: Vec<&str> = text.split('|').collect();
        if f.len() != 5 {
            return Err(field_count(path, line.no, 5, "'|'", f.len()));
        }
        let id = num_u32(path, line.no, "user id", f[0].as_bytes())?;
        let age = num_u32(path, line.no, "age", f[1].as_bytes())?;
        let age = u8::try_from(age)
            .map_err(|_| malformed(path, line.no, format!("age {age} is out of range")))?;
        let info = UserInfo {
            age,
            gender: gender(path, line.no, f[2])?,
            occupation: f[3].trim().to_string(),
        };
        rows.push((id, line.no, info));
        Ok(())
    })?;
    if rows.is_empty() {
        return Err(empty_file(
            path,
            "list the users, one `id|age|gender|occupation|zip code` line each",
        ));
    }
    sort_users(path, rows)
}

// ------------------------------------------------------------------------------- ml-1m/10m

/// `movies.dat`: `MovieID::Title (year)::Genre|Genre`. Returns the movies and the sorted genre
/// names (bitmasks refer to them).
pub fn parse_dat_movies(
    path: &Path,
    enc: Encoding,
) -> Result<(Vec<Movie>, Vec<String>), DataError> {
    let mut movies = Vec::with_capacity(16_384);
    let mut genres = GenreTable::default();
    let mut seen = HashMap::new();
    for_each_line(path, |line| {
        let text = decode(line.bytes, enc, path, line.no)?;
        let parts = text
            .split_once("::")
            .and_then(|(id, rest)| rest.rsplit_once("::").map(|(t, g)| (id, t, g)));
        let Some((id, title, genre_field)) = parts else {
            return Err(field_count(
                path,
                line.no,
                3,
                "'::'",
                count_fields(&text, "::"),
            ));
        };
        let id = num_u32(path, line.no, "movie id", id.as_bytes())?;
        check_duplicate(&mut seen, path, line.no, id)?;
        let (title, year) = split_title_year(title);
        movies.push(Movie {
            id,
            title,
            year,
            genres: genres.mask(genre_field, path, line.no)?,
            tags: Vec::new(),
        });
        Ok(())
    })?;
    if movies.is_empty() {
        return Err(empty_file(
            path,
            "list the movies, one `MovieID::Title (year)::Genres` line each",
        ));
    }
    let names = genres.finish(&mut movies);
    Ok((movies, names))
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
pub fn parse_ml1m_users(path: &Path) -> Result<(Vec<u32>, Vec<UserInfo>), DataError> {
    let mut rows = Vec::with_capacity(8192);
    for_each_line(path, |line| {
        let [id, g, age, occ, _zip] = split_n::<5>(line.bytes, b"::")
            .map_err(|found| field_count(path, line.no, 5, "'::'", found))?;
        let id = num_u32(path, line.no, "user id", id)?;
        let gender = gender(path, line.no, &latin1(g))?;
        let age_n = num_u32(path, line.no, "age", age)?;
        let age = u8::try_from(age_n)
            .map_err(|_| malformed(path, line.no, format!("age {age_n} is out of range")))?;
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
    if rows.is_empty() {
        return Err(empty_file(
            path,
            "list the users, one `UserID::Gender::Age::Occupation::Zip-code` line each",
        ));
    }
    sort_users(path, rows)
}

// ------------------------------------------------------------------------------------- csv

/// `movies.csv` with header `movieId,title,genres`. Returns the movies and sorted genre names.
pub fn parse_csv_movies(path: &Path) -> Result<(Vec<Movie>, Vec<String>), DataError> {
    let mut movies = Vec::with_capacity(65_536);
    let mut genres = GenreTable::default();
    let mut seen = HashMap::new();
    let mut header_seen = false;
    for_each_line(path, |line| {
        if !header_seen {
            header_seen = true;
            return check_header(path, line, "movieId,title,genres");
        }
        let text = decode(line.bytes, Encoding::Utf8, path, line.no)?;
        let f = split_csv(&text).map_err(|reason| malformed(path, line.no, reason))?;
        if f.len() != 3 {
            return Err(field_count(path, line.no, 3, "comma", f.len()));
        }
        let id = num_u32(path, line.no, "movie id", f[0].as_bytes())?;
        check_duplicate(&mut seen, path, line.no, id)?;
        let (title, year) = split_title_year(&f[1]);
        movies.push(Movie {
            id,
            title,
            year,
            genres: genres.mask(&f[2], path, line.no)?,
            tags: Vec::new(),
        });
        Ok(())
    })?;
    if movies.is_empty() {
        return Err(empty_file(
            path,
            "list the movies, one `movieId,title,genres` line each after that header line",
        ));
    }
    let names = genres.finish(&mut movies);
    Ok((movies, names))
}

// ------------------------------------------------------------------------------------ tags

/// Tag file layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagsFormat {
    /// ml-10m `tags.dat`: `UserID::MovieID::Tag::Timestamp`.
    Dat,
    /// `tags.csv` with header `userId,movieId,tag,timestamp`.
    Csv,
}

/// Adds the tags of a tag file to `movies[items.get(movie id)].tags`: trimmed, lower case,
/// distinct, first-seen order. Returns the number of tag lines whose movie is unknown (skipped).
pub(crate) fn parse_tags(
    path: &Path,
    format: TagsFormat,
    items: &IdIndex,
    movies: &mut [Movie],
) -> Result<usize, DataError> {
    let mut header_seen = format == TagsFormat::Dat;
    let mut unknown = 0;
    for_each_line(path, |line| {
        if !header_seen {
            header_seen = true;
            return check_header(path, line, "userId,movieId,tag,timestamp");
        }
        let (movie_id, tag): (u32, Cow<'_, str>) = match format {
            TagsFormat::Dat => {
                let text = String::from_utf8_lossy(line.bytes);
                let parts = text.split_once("::").and_then(|(_, rest)| {
                    rest.split_once("::")
                        .and_then(|(m, rest)| rest.rsplit_once("::").map(|(tag, _)| (m, tag)))
                });
                let Some((m, tag)) = parts else {
                    return Err(field_count(
                        path,
                        line.no,
                        4,
                        "'::'",
                        count_fields(&text, "::"),
                    ));
                };
                let m = num_u32(path, line.no, "movie id", m.as_bytes())?;
                (m, Cow::Owned(tag.trim().to_lowercase()))
            }
            TagsFormat::Csv => {
                let text = decode(line.bytes, Encoding::Utf8, path, line.no)?;
                let f = split_csv(&text).map_err(|reason| malformed(path, line.no, reason))?;
                if f.len() != 4 {
                    return Err(field_count(path, line.no, 4, "comma", f.len()));
                }
                let m = num_u32(path, line.no, "movie id", f[1].as_bytes())?;
                (m, Cow::Owned(f[2].trim().to_lowercase()))
            }
        };
        if tag.is_empty() {
            return Ok(());
        }
        match items.get(movie_id) {
            Some(i) => {
                let tags = &mut movies[i as usize].tags;
                if !tags.iter().any(|t| *t == tag) {
                    tags.push(tag.into_owned());
                }
            }
            None => unknown += 1,
        }
        Ok(())
    })?;
    Ok(unknown)
}

// ------------------------------------------------------------------------------- datasets

fn build_item_index(movies: &[Movie]) -> IdIndex {
    let ids: Vec<u32> = movies.iter().map(|m| m.id).collect();
    IdIndex::build(&ids).expect("movie parsers reject duplicate ids")
}

/// Whether an optional file (tags) is there; a directory in its place is an error.
fn optional_file(path: &Path) -> Result<bool, DataError> {
    refuse_directory(path)?;
    Ok(path.is_file())
}

/// Keeps one rating per (user, movie): the one with the latest timestamp, the later one in the
/// file when the timestamps are equal (a re-rating means the user changed their mind). The kept
/// ratings stay in file order. Returns how many ratings were dropped. `user` and `item` must be
/// dense indices below `n_users` and `n_items`.
pub(crate) fn drop_duplicate_ratings(
    ratings: &mut Vec<Rating>,
    n_users: usize,
    n_items: usize,
) -> usize {
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

/// Parses release `name` from its folder.
pub fn load_folder(folder: &Path, name: DatasetName) -> Result<Dataset, DataError> {
    for file in name.required_files() {
        let path = folder.join(file);
        refuse_directory(&path)?;
        if !path.is_file() {
            return Err(missing_file(name, file, vec![folder.to_path_buf()]));
        }
    }
    let p = |f: &str| -> PathBuf { folder.join(f) };
    let (user_ids, movies, mut ratings, genre_names, users) = match name.layout() {
        Layout::Ml100k => {
            let genre_names = parse_ml100k_genres(&p("u.genre"))?;
            let movies = parse_ml100k_items(&p("u.item"), genre_names.len())?;
            let (user_ids, users) = parse_ml100k_users(&p("u.user"))?;
            let items = build_item_index(&movies);
            let user_index = IdIndex::build(&user_ids).expect("sorted and checked");
            let ratings =
                parse_ratings(&p("u.data"), RatingsFormat::Tab, &items, Some(&user_index))?;
            (user_ids, movies, ratings, genre_names, Some(users))
        }
        Layout::Dat => {
            let enc = if name == DatasetName::Ml1m {
                Encoding::Latin1
            } else {
                Encoding::Utf8
            };
            let (mut movies, genre_names) = parse_dat_movies(&p("movies.dat"), enc)?;
            let items = build_item_index(&movies);
            let (user_ids, users, ratings) = if name == DatasetName::Ml1m {
                let (user_ids, users) = parse_ml1m_users(&p("users.dat"))?;
                let user_index = IdIndex::build(&user_ids).expect("sorted and checked");
                let ratings = parse_ratings(
                    &p("ratings.dat"),
                    RatingsFormat::DoubleColon,
                    &items,
                    Some(&user_index),
                )?;
                (user_ids, Some(users), ratings)
            } else {
                let mut ratings =
                    parse_ratings(&p("ratings.dat"), RatingsFormat::DoubleColon, &items, None)?;
                (densify_users(&mut ratings), None, ratings)
            };
            if optional_file(&p("tags.dat"))? {
                parse_tags(&p("tags.dat"), TagsFormat::Dat, &items, &mut movies)?;
            }
            (user_ids, movies, ratings, genre_names, users)
        }
        Layout::Csv => {
            let (mut movies, genre_names) = parse_csv_movies(&p("movies.csv"))?;
            let items = build_item_index(&movies);
            let mut ratings = parse_ratings(&p("ratings.csv"), RatingsFormat::Csv, &items, None)?;
            let user_ids = densify_users(&mut ratings);
            if optional_file(&p("tags.csv"))? {
                parse_tags(&p("tags.csv"), TagsFormat::Csv, &items, &mut movies)?;
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
    Ok(dataset)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::TempDir;
    use super::super::{DataSource, Dataset};
    use super::*;

    const GENRE: &str = "unknown|0\nAction|1\nComedy|2\n\n";
    const ITEM: &[u8] = b"1|Toy Story (1995)|01-Jan-1995||http://x|0|0|1\n\
        2|Caf\xe9 Society (1995) |01-Jan-1995||http://x|0|1|1\n\
        3|Land Before Time III (1995) (V)|01-Jan-1997||http://x|0|0|1\n\
        4|unknown||||1|0|0\n";
    const USER: &str = "1|24|M|technician|85711\n2|53|F|other|94043\n";
    const DATA: &str = "1\t1\t5\t100\n2\t1\t3\t200\n2\t2\t4\t150\n";

    fn ml100k(tmp: &TempDir, data: &[u8]) {
        tmp.write("ml-100k/u.genre", GENRE);
        tmp.write("ml-100k/u.item", ITEM);
        tmp.write("ml-100k/u.user", USER);
        tmp.write("ml-100k/u.data", data);
    }

    fn load(tmp: &TempDir, name: DatasetName) -> Result<Dataset, DataError> {
        Dataset::load(&DataSource::Dir(tmp.path().to_path_buf()), name)
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

    #[test]
    fn csv_split() {
        let f = split_csv(r#"11,"American President, The (1995)",Comedy|Drama"#).unwrap();
        assert_eq!(
            f,
            vec!["11", "American President, The (1995)", "Comedy|Drama"]
        );
        let f = split_csv(r#"7789,"11'09""01 - September 11 (2002)",Drama"#).unwrap();
        assert_eq!(f[1], "11'09\"01 - September 11 (2002)");
        assert_eq!(split_csv("a,,b,").unwrap(), vec!["a", "", "b", ""]);
        assert_eq!(split_csv(r#""""#).unwrap(), vec![""]);
        assert!(split_csv(r#"1,"open"#).is_err());
        assert!(split_csv(r#"1,"a"b,c"#).is_err());
    }

    #[test]
    fn numbers_and_fields() {
        assert_eq!(parse_u32(b"4294967295"), Some(u32::MAX));
        assert_eq!(parse_u32(b"4294967296"), None);
        assert_eq!(parse_u32(b""), None);
        assert_eq!(parse_u32(b"1a"), None);
        assert_eq!(parse_i64(b"-12"), Some(-12));
        assert_eq!(parse_f32(b"3.5"), Some(3.5));
        assert_eq!(parse_f32(b"0.5"), Some(0.5));
        assert_eq!(parse_f32(b"4"), Some(4.0));
        assert_eq!(parse_f32(b"4.25"), Some(4.25));
        for k in 0..100u32 {
            let text = format!("{}.{}", k / 10, k % 10);
            assert_eq!(
                parse_f32(text.as_bytes()),
                text.parse::<f32>().ok(),
                "{text}"
            );
        }
        assert_eq!(parse_f32(b" 2.0 "), Some(2.0));
        assert_eq!(parse_f32(b"x.5"), None);
        assert_eq!(parse_f32(b"nan"), None);
        assert_eq!(split_n::<3>(b"1::2::3", b"::"), Ok([&b"1"[..], b"2", b"3"]));
        assert_eq!(split_n::<3>(b"1::2", b"::"), Err(2));
        assert_eq!(split_n::<2>(b"1:2::3", b"::"), Ok([&b"1:2"[..], b"3"]));
    }

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
        assert!(err.to_string().contains("rating 6 is outside"), "{err}");
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

    #[test]
    fn truncated_last_line() {
        let tmp = TempDir::new("trunc");
        // Complete last line without newline: fine.
        ml100k(&tmp, b"1\t1\t5\t100\n2\t1\t3\t200");
        assert_eq!(load(&tmp, DatasetName::Ml100k).unwrap().ratings.len(), 2);
        // Incomplete last line without newline: truncated.
        ml100k(&tmp, b"1\t1\t5\t100\n2\t1\t");
        let err = load(&tmp, DatasetName::Ml100k).unwrap_err();
        assert!(
            matches!(err, DataError::Truncated { line: 2, .. }),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("u.data line 2: file is truncated"),
            "{err}"
        );
        // Empty CSV file: no ratings (not a truncation).
        let tmp = TempDir::new("empty");
        tmp.write(
            "ml-latest-small/movies.csv",
            "movieId,title,genres\n1,A (1999),Drama\n",
        );
        tmp.write("ml-latest-small/ratings.csv", "");
        let err = load(&tmp, DatasetName::MlLatestSmall).unwrap_err();
        assert!(matches!(err, DataError::NoRatings { .. }), "{err:?}");
        // Unterminated quote on the last line.
        tmp.write(
            "ml-latest-small/ratings.csv",
            "userId,movieId,rating,timestamp\n",
        );
        tmp.write(
            "ml-latest-small/movies.csv",
            "movieId,title,genres\n1,\"A (1999",
        );
        let err = load(&tmp, DatasetName::MlLatestSmall).unwrap_err();
        assert!(
            matches!(err, DataError::Truncated { line: 2, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn duplicate_movie() {
        let tmp = TempDir::new("dup");
        tmp.write(
            "ml-latest-small/movies.csv",
            "movieId,title,genres\n1,A (1999),Drama\n2,B,Drama\n1,C,Drama\n",
        );
        tmp.write(
            "ml-latest-small/ratings.csv",
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
        tmp.write(
            "ml-latest-small/movies.csv",
            b"movieId,title,genres\n1,Caf\xe9 (1999),Drama\n",
        );
        tmp.write(
            "ml-latest-small/ratings.csv",
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

    /// Huge bad values are quoted cut, in every error that quotes input.
    #[test]
    fn long_bad_value_is_cut() {
        let long = "x".repeat(1_000_000);
        let cut = format!("\"{}\"… (1000000 bytes)", "x".repeat(SHOWN_CHARS));
        let bounded = |msg: &str| {
            assert!(msg.len() < 400, "{} bytes: {msg:.400}", msg.len());
            assert!(msg.ends_with(&cut), "{msg:.400}");
        };
        let tmp = TempDir::new("long");
        // A number.
        let data = format!("1\t1\t5\t100\n1\t1\t5\t{long}\n");
        ml100k(&tmp, data.as_bytes());
        let err = load(&tmp, DatasetName::Ml100k).unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(err, DataError::BadNumber { line: 2, .. }),
            "{msg:.400}"
        );
        bounded(msg.as_str());
        assert!(
            msg.contains("u.data line 2: timestamp is not a valid number: \"xx"),
            "{msg:.400}"
        );
        // A gender (Malformed).
        ml100k(&tmp, DATA.as_bytes());
        let user = format!("1|24|{long}|technician|85711\n");
        tmp.write("ml-100k/u.user", user);
        let err = load(&tmp, DatasetName::Ml100k).unwrap_err();
        let msg = err.to_string();
        bounded(msg.as_str());
        assert!(
            msg.contains("u.user line 1: gender must be M or F, found \"xx"),
            "{msg:.400}"
        );
        // A header.
        tmp.write("ml-latest-small/movies.csv", format!("{long}\n"));
        tmp.write(
            "ml-latest-small/ratings.csv",
            "userId,movieId,rating,timestamp\n",
        );
        let err = load(&tmp, DatasetName::MlLatestSmall).unwrap_err();
        let msg = err.to_string();
        bounded(msg.as_str());
        assert!(
            msg.contains("movies.csv line 1: expected the header"),
            "{msg:.400}"
        );
        // The helper itself: short values whole, cut on a character boundary.
        assert_eq!(shown(b"x"), "\"x\"");
        let e60 = "é".repeat(SHOWN_CHARS);
        assert_eq!(shown(e60.as_bytes()), format!("\"{e60}\""));
        let e61 = "é".repeat(SHOWN_CHARS + 1);
        let want = format!("\"{e60}\"… (122 bytes)");
        assert_eq!(shown(e61.as_bytes()), want);
        assert_eq!(shown(b"a\tb\xff"), format!("{:?}", "a\tb\u{fffd}"));
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
        tmp.write(
            "ml-latest-small/movies.csv",
            "movieId,title,genres\n1,A,Drama\n",
        );
        tmp.write(
            "ml-latest-small/ratings.csv",
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

    /// Old Mac files end lines with a lone '\r': read like "\n" and "\r\n".
    #[test]
    fn cr_only_line_ends() {
        let tmp = TempDir::new("cr");
        ml100k(&tmp, DATA.as_bytes());
        let expected = load(&tmp, DatasetName::Ml100k).unwrap();
        let cr = |b: &[u8]| -> Vec<u8> {
            b.iter()
                .map(|&c| if c == b'\n' { b'\r' } else { c })
                .collect()
        };
        tmp.write("ml-100k/u.genre", cr(GENRE.as_bytes()));
        tmp.write("ml-100k/u.item", cr(ITEM));
        tmp.write("ml-100k/u.user", cr(USER.as_bytes()));
        tmp.write("ml-100k/u.data", cr(DATA.as_bytes()));
        let ds = load(&tmp, DatasetName::Ml100k).unwrap();
        assert_eq!(ds.ratings, expected.ratings);
        assert_eq!(ds.movies, expected.movies);
        assert_eq!(ds.genre_names, expected.genre_names);
        assert_eq!(ds.users, expected.users);
        // Line numbers count '\r' lines too.
        tmp.write("ml-100k/u.data", "1\t1\t5\t100\r2\t1\t3\r");
        let err = load(&tmp, DatasetName::Ml100k).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::FieldCount {
                    line: 2,
                    found: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        // Mixed ends, also with a "\r\n" split across two reads (tiny buffers).
        let input: &[u8] = b"a\r\nb\rc\n\rd\r\n\r\ne";
        // Each line read, with "|" appended when it had an end.
        let want = ["a|", "b|", "c|", "|", "d|", "|", "e"];
        for capacity in 1..=4 {
            let mut reader = BufReader::with_capacity(capacity, input);
            let mut buf = Vec::new();
            let mut after_cr = false;
            let mut lines: Vec<String> = Vec::new();
            while let Some(end) = read_line(&mut reader, &mut buf, &mut after_cr).unwrap() {
                let mut line = String::from_utf8(buf.clone()).unwrap();
                if end {
                    line.push('|');
                }
                lines.push(line);
            }
            assert_eq!(lines, want, "capacity {capacity}");
        }
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
        tmp.write(
            "ml-latest-small/movies.csv",
            "movieId,title,genres\n1,A,Drama\n",
        );
        tmp.write(
            "ml-latest-small/ratings.csv",
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
        tmp.write(
            "ml-latest-small/movies.csv",
            "movieId,title,genres\n1,A,Drama\n2,B,Drama\n",
        );
        tmp.write(
            "ml-latest-small/ratings.csv",
            "userId,movieId,rating,timestamp\n9,2,1.0,5\n3,1,2.0,1\n9,2,4.5,6\n",
        );
        let ds = load(&tmp, DatasetName::MlLatestSmall).unwrap();
        assert_eq!(ds.ratings, vec![r(0, 0, 2.0, 1), r(1, 1, 4.5, 6)]);
        assert_eq!(ds.duplicate_ratings, 1);
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
