//! [`DataError`], the one error type of the data layer, and the small helpers that build it:
//! values quoted cut to their first characters ([`shown`]), the "file not found" error with its
//! hint, a folder where a file belongs, and the per-line errors the parsers share.
//!
//! Every error about a file's content names the file, the 1-based line and the reason.

use std::path::{Path, PathBuf};

use super::DatasetName;

/// Errors of the data layer. Line numbers are 1-based.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{file} not found (searched {searched}). {hint}", searched = join_paths(.searched))]
    MissingFile {
        file: String,
        searched: Vec<PathBuf>,
        hint: String,
    },
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} line {line}: expected {expected} {separator}-separated fields, found {found}", .path.display())]
    FieldCount {
        path: PathBuf,
        line: usize,
        expected: usize,
        separator: &'static str,
        found: usize,
    },
    #[error("{} line {line}: {field} is not a valid number: {value}", .path.display())]
    BadNumber {
        path: PathBuf,
        line: usize,
        field: &'static str,
        /// The value as shown: quoted, escaped and cut ([`shown`]).
        value: String,
    },
    #[error("{} line {line}: rating {value} is outside 0.5..=5", .path.display())]
    RatingOutOfRange {
        path: PathBuf,
        line: usize,
        /// As written in the file.
        value: String,
    },
    #[error("{} line {line}: movie id {movie_id} is not in the movie list", .path.display())]
    UnknownMovie {
        path: PathBuf,
        line: usize,
        movie_id: u32,
    },
    #[error("{} line {line}: user id {user_id} is not a known user", .path.display())]
    UnknownUser {
        path: PathBuf,
        line: usize,
        user_id: u32,
    },
    #[error("{} line {line}: duplicate movie id {movie_id}", .path.display())]
    DuplicateMovie {
        path: PathBuf,
        line: usize,
        movie_id: u32,
    },
    #[error("{} line {line}: invalid UTF-8 at byte {column} of the line (this file must be UTF-8)", .path.display())]
    InvalidUtf8 {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    #[error("{} line {line}: {reason}", .path.display())]
    Malformed {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("{} line {line}: file is truncated: {reason}", .path.display())]
    Truncated {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("{} is a directory, not a file: move or rename that directory and put the file in its place", .path.display())]
    IsDirectory { path: PathBuf },
    #[error("{} is not a regular file (a device, a pipe or a socket): put the file itself in its place", .path.display())]
    NotRegularFile { path: PathBuf },
    /// A required file without any data line (0 bytes, only blank lines, or only the header).
    #[error("{} is empty: it should {should}. Replace it with the file from the official MovieLens release", .path.display())]
    EmptyFile {
        path: PathBuf,
        /// What the file should hold, e.g. "list the genres, one `name|index` line each".
        should: &'static str,
    },
    #[error("{} has no ratings (it is empty, or holds only blank lines or a header): it should hold one rating per line. Replace it with the file from the official MovieLens release", .path.display())]
    NoRatings { path: PathBuf },
    #[error(
        "could not download {name} from {url}: {reason}. If you are offline, download it elsewhere and pass --data-dir DIR (or set MOVIELENS_DIR) to a folder containing {name}/"
    )]
    Download {
        name: DatasetName,
        url: String,
        reason: String,
    },
    #[error("{}: sha256 is {actual}, expected {expected}: the file is damaged or not the official release; delete it and try again", .path.display())]
    Checksum {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error("{}: {reason}", .path.display())]
    Zip { path: PathBuf, reason: String },
    #[error("{source}\n(the cached copy in {} seems damaged: delete that folder and run again)", .dir.display())]
    DamagedCache {
        dir: PathBuf,
        #[source]
        source: Box<DataError>,
    },
    /// `split` is the name as shown: quoted, escaped and cut ([`shown`]).
    #[error("{dataset} has no predefined split {split} (only ml-100k has u1..u5, ua, ub)")]
    NoPredefinedSplit { dataset: DatasetName, split: String },
    /// `split` is the name as shown: quoted, escaped and cut ([`shown`]).
    #[error("unknown predefined split {split}; expected one of u1, u2, u3, u4, u5, ua, ub")]
    UnknownSplit { split: String },
}

fn join_paths(paths: &[PathBuf]) -> String {
    let v: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    v.join(", ")
}

/// The standard "file not found" error with the hint on how to provide the data.
pub(crate) fn missing_file(name: DatasetName, file: &str, searched: Vec<PathBuf>) -> DataError {
    DataError::MissingFile {
        file: format!("{name}/{file}"),
        searched,
        hint: format!(
            "Put the {name} files there, pass --data-dir DIR (or set MOVIELENS_DIR) to a folder \
             containing {name}/, or run without --data-dir and MOVIELENS_DIR to download it from GroupLens"
        ),
    }
}

/// [`DataError::IsDirectory`] when `path` is a folder (a file is expected there).
pub(crate) fn refuse_directory(path: &Path) -> Result<(), DataError> {
    if path.is_dir() {
        Err(DataError::IsDirectory {
            path: path.to_path_buf(),
        })
    } else {
        Ok(())
    }
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

pub(super) fn bad_number(path: &Path, line: usize, field: &'static str, value: &[u8]) -> DataError {
    DataError::BadNumber {
        path: path.to_path_buf(),
        line,
        field,
        value: shown(value),
    }
}

pub(super) fn field_count(
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

pub(super) fn empty_file(path: &Path, should: &'static str) -> DataError {
    DataError::EmptyFile {
        path: path.to_path_buf(),
        should,
    }
}

pub(super) fn malformed(path: &Path, line: usize, reason: impl Into<String>) -> DataError {
    DataError::Malformed {
        path: path.to_path_buf(),
        line,
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{DATA, TempDir, load, ml_latest_small, ml100k};
    use super::*;

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
        ml_latest_small(
            &tmp,
            format!("{long}\n"),
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
}
