//! Reading a data file as lines of bytes, and the values in those lines.
//!
//! Files are read line by line into one reused buffer, without allocating per line. Blank lines
//! are skipped; `\n`, `\r\n` and a lone `\r` (old Mac files) all end a line. A last line without
//! newline is fine when complete; when it is incomplete the error is [`DataError::Truncated`].
//!
//! Encodings: the CSV releases and ml-10m's `movies.dat` are UTF-8 (invalid bytes are an error
//! with the line); ml-100k's `u.item` and ml-1m's `.dat` files are latin-1 (each byte is one
//! char). Numbers are parsed from the bytes by hand; a bad one is an error naming the field.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::error::bad_number;
use super::{DataError, refuse_directory};

/// Text encoding of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// ISO-8859-1: byte `b` is `char::from(b)`.
    Latin1,
}

/// One line without its end (`\n`, `\r\n` or `\r`).
pub(crate) struct Line<'a> {
    /// 1-based line number.
    pub no: usize,
    pub bytes: &'a [u8],
}

/// Opens a data file; a folder in its place is [`DataError::IsDirectory`], a device or a pipe
/// [`DataError::NotRegularFile`].
pub(super) fn open(path: &Path) -> Result<File, DataError> {
    refuse_directory(path)?;
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Asked of the path before opening: opening a pipe would wait for a writer.
    if !std::fs::metadata(path).map_err(io)?.is_file() {
        return Err(DataError::NotRegularFile {
            path: path.to_path_buf(),
        });
    }
    File::open(path).map_err(io)
}

/// The longest line read, in bytes (a MovieLens line holds well under a kilobyte): a longer one
/// is an error naming its line, raised before more memory is taken.
pub(crate) const MAX_LINE_BYTES: usize = 1 << 20;

/// The error of a line past [`MAX_LINE_BYTES`], as the line readers raise it.
pub(crate) fn line_too_long() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("a line longer than {MAX_LINE_BYTES} bytes (1 MiB), the most a data line may hold"),
    )
}

/// A read error as a [`DataError`]: a line too long names its line (`line`), others the file.
pub(super) fn read_error(path: &Path, line: usize, source: std::io::Error) -> DataError {
    if source.kind() == std::io::ErrorKind::InvalidData {
        DataError::Malformed {
            path: path.to_path_buf(),
            line,
            reason: source.to_string(),
        }
    } else {
        DataError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The UTF-8 byte-order mark.
pub(crate) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Calls `f` for every non-blank line (a byte-order mark at the start of the file skipped). Format errors (field count, number, malformed) on a last
/// line without newline are reported as [`DataError::Truncated`].
pub(crate) fn for_each_line(
    path: &Path,
    mut f: impl FnMut(&Line<'_>) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let mut reader = BufReader::with_capacity(1 << 20, open(path)?);
    let mut buf = Vec::with_capacity(256);
    let mut after_cr = false;
    let mut no = 0;
    loop {
        let terminated = match read_line(&mut reader, &mut buf, &mut after_cr) {
            Ok(Some(terminated)) => terminated,
            Ok(None) => return Ok(()),
            Err(source) => return Err(read_error(path, no + 1, source)),
        };
        no += 1;
        // A byte-order mark (as some Windows editors write) is not part of the first field.
        let bytes = match buf.strip_prefix(UTF8_BOM) {
            Some(rest) if no == 1 => rest,
            _ => &buf[..],
        };
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
                if buf.len() > MAX_LINE_BYTES {
                    return Err(line_too_long());
                }
                *after_cr = available[end] == b'\r';
                reader.consume(end + 1);
                return Ok(Some(true));
            }
            None => {
                let n = available.len();
                buf.extend_from_slice(available);
                reader.consume(n);
                if buf.len() > MAX_LINE_BYTES {
                    return Err(line_too_long());
                }
            }
        }
    }
}

/// Re-labels a format error on an unterminated last line as truncation.
pub(super) fn as_truncated(e: DataError) -> DataError {
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

/// The text of a line in encoding `enc`; invalid UTF-8 is [`DataError::InvalidUtf8`] with the
/// 1-based byte of the line where it starts.
pub(super) fn decode<'a>(
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

/// The encoding of a file the release writes in latin-1 but a user may have re-saved in UTF-8:
/// UTF-8 when every line is valid UTF-8 and some line is not plain ASCII, latin-1 otherwise.
pub(super) fn latin1_unless_utf8(path: &Path) -> Result<Encoding, DataError> {
    let (mut any_non_ascii, mut all_utf8) = (false, true);
    for_each_line(path, |line| {
        if !line.bytes.is_ascii() {
            any_non_ascii = true;
            all_utf8 &= std::str::from_utf8(line.bytes).is_ok();
        }
        Ok(())
    })?;
    Ok(if any_non_ascii && all_utf8 {
        Encoding::Utf8
    } else {
        Encoding::Latin1
    })
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
pub(super) fn split_n<'a, const N: usize>(
    line: &'a [u8],
    sep: &[u8],
) -> Result<[&'a [u8]; N], usize> {
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

/// How many `sep`-separated fields `line` has.
pub(super) fn count_fields(line: &str, sep: &str) -> usize {
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

/// An `i64`, `i64::MIN` included (its digits are gathered as a `u64`, then signed).
pub(crate) fn parse_i64(b: &[u8]) -> Option<i64> {
    let b = b.trim_ascii();
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut acc: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        acc = acc * 10 + u64::from(c - b'0');
    }
    let acc = i128::from(acc);
    i64::try_from(if neg { -acc } else { acc }).ok()
}

/// A finite number as `f32`; one beyond `f32`'s range ("1e308") becomes infinite, so that the
/// caller's range check names it rather than calling it no number.
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
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| v as f32)
}

/// A `u32` field of line `line`; [`DataError::BadNumber`] naming `field` otherwise.
pub(super) fn num_u32(
    path: &Path,
    line: usize,
    field: &'static str,
    value: &[u8],
) -> Result<u32, DataError> {
    parse_u32(value).ok_or_else(|| bad_number(path, line, field, value))
}

#[cfg(test)]
mod tests {
    use super::super::DatasetName;
    use super::super::test_util::{
        DATA, GENRE, ITEM, TempDir, USER, load, ml_latest_small, ml100k,
    };
    use super::*;

    #[test]
    fn numbers_and_fields() {
        assert_eq!(parse_u32(b"4294967295"), Some(u32::MAX));
        assert_eq!(parse_u32(b"4294967296"), None);
        assert_eq!(parse_u32(b""), None);
        assert_eq!(parse_u32(b"1a"), None);
        assert_eq!(parse_i64(b"-12"), Some(-12));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_f32(b"1e308"), Some(f32::INFINITY));
        assert_eq!(parse_f32(b"1e999"), None);
        assert_eq!(parse_f32(b"NaN"), None);
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
        ml_latest_small(&tmp, "movieId,title,genres\n1,A (1999),Drama\n", "");
        let err = load(&tmp, DatasetName::MlLatestSmall).unwrap_err();
        assert!(matches!(err, DataError::NoRatings { .. }), "{err:?}");
        // Unterminated quote on the last line.
        ml_latest_small(
            &tmp,
            "movieId,title,genres\n1,\"A (1999",
            "userId,movieId,rating,timestamp\n",
        );
        let err = load(&tmp, DatasetName::MlLatestSmall).unwrap_err();
        assert!(
            matches!(err, DataError::Truncated { line: 2, .. }),
            "{err:?}"
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
}
