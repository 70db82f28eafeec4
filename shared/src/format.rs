//! The weights file: what the trainer exports and the page loads.
//!
//! Layout (all integers little-endian):
//! ```text
//! magic "MOVIEREC" (8 bytes) | format version u32 | payload length u64 | CRC-32 of payload u32 | payload
//! ```
//! The payload is a [`ModelFile`] encoded with bincode 2 (standard config). The header is checked
//! before anything is decoded, so a truncated, corrupt or foreign file gets an error that says
//! which of those it is.

use crate::catalog::{Catalog, Movie};
use crate::checksum::crc32;
use crate::foldin::FoldInWeights;
use crate::stars::StarsWeights;
use crate::steering::Steering;
use serde::{Deserialize, Serialize};

pub const MAGIC: &[u8; 8] = b"MOVIEREC";
/// The second file's magic: the catalogue's long tail ([`crate::tail`]).
pub const TAIL_MAGIC: &[u8; 8] = b"MOVIETAL";
/// Bumped whenever the payload's layout changes; older and newer files are refused by name.
pub const FORMAT_VERSION: u32 = 9;
/// The header's bytes: magic, version, payload length, CRC-32.
pub const HEADER_LEN: usize = 8 + 4 + 8 + 4;

/// Where a model came from and how well it did, shown to the visitor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// "ml-latest-small".
    pub dataset: String,
    /// "foldin", "content", "hybrid", ...
    pub model: String,
    /// Hyper-parameters in words.
    pub description: String,
    /// Evaluation figures, e.g. ("NDCG@100", 0.41).
    pub metrics: Vec<(String, f64)>,
    /// Every setting of the training run, as JSON.
    pub settings: String,
    /// MovieLens ids, ascending, of the release's users whose ratings these weights never
    /// learned from: those left out with `--exclude-users` and, in a file that was not refit on
    /// every user, the test users. `trainer eval` measures the file on these users only.
    pub untrained_users: Vec<u32>,
}

/// Everything the page needs: no ratings, only the catalogue and the fold-in weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    pub info: ModelInfo,
    pub catalog: Catalog,
    pub weights: FoldInWeights,
    /// How dislikes, the popularity slider and reasons work with these weights.
    pub steering: Steering,
    /// The stars network: each movie's predicted stars for a visitor ([`crate::stars`]);
    /// `None` in a file exported without it (`trainer train --no-stars`).
    pub stars: Option<StarsWeights>,
}

/// Which of the page's two files a [`FormatError`] is about: the messages name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Model,
    Tail,
}

impl FileKind {
    /// The file that starts with `magic`.
    fn of(magic: &[u8; 8]) -> Self {
        if magic == TAIL_MAGIC {
            FileKind::Tail
        } else {
            FileKind::Model
        }
    }
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileKind::Model => "model file",
            FileKind::Tail => "catalogue tail file",
        })
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FormatError {
    #[error("not a movie model file (it does not start with \"MOVIEREC\")")]
    NotAModelFile,
    #[error("not a catalogue tail file (it does not start with \"MOVIETAL\")")]
    NotATailFile,
    #[error(
        "{file} format version {found} is not supported (this build reads version {supported}); re-export the model with the matching trainer"
    )]
    UnsupportedVersion {
        file: FileKind,
        found: u32,
        supported: u32,
    },
    #[error("{file} is truncated: {actual} bytes where {expected} were expected")]
    Truncated {
        file: FileKind,
        expected: u64,
        actual: u64,
    },
    #[error("{file} has {extra} bytes after its payload: it was damaged or tampered with")]
    TrailingBytes { file: FileKind, extra: u64 },
    #[error("{file} payload of {bytes} bytes is larger than the {MAX_PAYLOAD} this build reads")]
    TooLarge { file: FileKind, bytes: u64 },
    #[error("{file} is corrupt: checksum {computed:08x} does not match the stored {stored:08x}")]
    ChecksumMismatch {
        file: FileKind,
        stored: u32,
        computed: u32,
    },
    #[error("{file} could not be decoded: {detail}")]
    Decode { file: FileKind, detail: String },
    #[error("model file is inconsistent: {0}")]
    Inconsistent(#[from] InvalidModel),
}

/// What [`ModelFile::validate`] finds wrong with a decoded file: each shape and value that
/// scoring relies on. The checksum catches accidents, not intent, so these are checked too.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum InvalidModel {
    #[error("the catalogue is empty")]
    EmptyCatalogue,
    #[error("{0} genres do not fit the 32-bit genre mask")]
    TooManyGenres(usize),
    #[error("movie {movie} has a genre bit beyond the {genres} known genres")]
    UnknownGenre { movie: u32, genres: usize },
    #[error("the untrained users are not in ascending order without repeats (user id {0})")]
    UntrainedUsersOutOfOrder(u32),
    #[error("the catalogue lists movie id {0} twice")]
    DuplicateMovie(u32),
    #[error("the {what} have width 0")]
    ZeroWidth { what: String },
    #[error("the {what} claim {rows} x {cols} values, more than this machine can address")]
    ShapeOverflow {
        what: String,
        rows: usize,
        cols: usize,
    },
    #[error("the {what} hold {found} entries where the shape needs {expected}")]
    WrongLength {
        what: String,
        expected: usize,
        found: usize,
    },
    #[error("the catalogue has {movies} movies but the {what} cover {rows}")]
    RowCount {
        what: &'static str,
        movies: usize,
        rows: usize,
    },
    #[error("tower layer {layer} takes vectors of width {inputs} but receives width {width}")]
    LayerInput {
        layer: usize,
        inputs: usize,
        width: usize,
    },
    #[error(
        "the tower produces vectors of width {width} but the output embeddings have width {output}"
    )]
    TowerOutput { width: usize, output: usize },
    #[error("{what} is {value}: weights must be finite")]
    NotFinite { what: String, value: f32 },
    #[error(
        "movie {movie}'s neighbour {neighbour} is itself or beyond the catalogue's {movies} movies"
    )]
    Neighbour {
        movie: usize,
        neighbour: u32,
        movies: usize,
    },
    #[error("the steering settings are unusable: {0}")]
    Steering(String),
    #[error("the stars network is unusable: {0}")]
    Stars(String),
    #[error(
        "the catalogue's tail file was exported with another model file (checksum {tail:08x}, this model's is {model:08x}): export both again"
    )]
    TailOfAnotherModel { tail: u32, model: u32 },
    #[error("the catalogue's tail is already attached")]
    TailAttached,
}

/// The largest payload read: bincode's allocation limit below is at least eight times the
/// payload, and it must fit a 32-bit `usize` in the browser.
pub const MAX_PAYLOAD: u64 = 1 << 28;

impl ModelFile {
    /// Encodes with header and checksum.
    pub fn to_bytes(&self) -> Vec<u8> {
        let payload = bincode::serde::encode_to_vec(self, bincode::config::standard())
            .expect("encoding plain data into a Vec cannot fail");
        frame(&payload)
    }

    /// Checks the header, length and checksum, decodes within a memory limit, then validates
    /// every shape and value. Total: any input gives a file or an error, never a panic or an
    /// allocation larger than a small multiple of the input.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FormatError> {
        let mut file: Self = decode_limited(MAGIC, bytes)?;
        file.validate()?;
        file.catalog.build_index();
        Ok(file)
    }

    /// The CRC-32 of this file's payload, which names it in its tail file ([`crate::tail`]).
    pub fn checksum(bytes: &[u8]) -> Option<u32> {
        bytes.get(HEADER_LEN..).map(crc32)
    }

    /// Shapes agree with the catalogue, every genre bit names a genre, ids are unique and
    /// every weight is finite.
    pub fn validate(&self) -> Result<(), InvalidModel> {
        if self.catalog.is_empty() {
            return Err(InvalidModel::EmptyCatalogue);
        }
        let genres = self.catalog.genre_names.len();
        if genres > 32 {
            return Err(InvalidModel::TooManyGenres(genres));
        }
        check_movies(&self.catalog.movies, genres)?;
        if let Some(pair) = self.info.untrained_users.windows(2).find(|p| p[0] >= p[1]) {
            return Err(InvalidModel::UntrainedUsersOutOfOrder(pair[1]));
        }
        self.steering.validate(self.catalog.len())?;
        if let Some(stars) = &self.stars {
            stars.validate(self.catalog.len())?;
        }
        self.weights.validate(self.catalog.len())
    }
}

/// Catalogue entries as a file must hold them (the model's, or its tail's): every genre bit
/// names one of `genres` genres, and no id comes twice.
pub(crate) fn check_movies(movies: &[Movie], genres: usize) -> Result<(), InvalidModel> {
    if let Some(movie) = movies
        .iter()
        .find(|m| genres < 32 && m.genres >> genres != 0)
    {
        return Err(InvalidModel::UnknownGenre {
            movie: movie.id,
            genres,
        });
    }
    let mut seen = std::collections::HashSet::with_capacity(movies.len());
    if let Some(movie) = movies.iter().find(|m| !seen.insert(m.id)) {
        return Err(InvalidModel::DuplicateMovie(movie.id));
    }
    Ok(())
}

/// What a file's header says.
struct Header {
    version: u32,
    /// The payload's length in bytes.
    length: u64,
    /// The payload's CRC-32.
    checksum: u32,
}

/// The header at the start of `start`; `file_len` is the whole file's size, for the error when
/// the file is shorter than a header.
fn read_header(magic: &[u8; 8], start: &[u8], file_len: u64) -> Result<Header, FormatError> {
    if start.len() < magic.len() || &start[..magic.len()] != magic {
        return Err(if magic == TAIL_MAGIC {
            FormatError::NotATailFile
        } else {
            FormatError::NotAModelFile
        });
    }
    let Some(header) = start.get(..HEADER_LEN) else {
        return Err(FormatError::Truncated {
            file: FileKind::of(magic),
            expected: HEADER_LEN as u64,
            actual: file_len,
        });
    };
    let field = |range: std::ops::Range<usize>| &header[range];
    Ok(Header {
        version: u32::from_le_bytes(field(8..12).try_into().expect("4 bytes")),
        length: u64::from_le_bytes(field(12..20).try_into().expect("8 bytes")),
        checksum: u32::from_le_bytes(field(20..24).try_into().expect("4 bytes")),
    })
}

/// The whole file's size as its header states it, once `start` holds the header: what a
/// download compressed in transit (whose Content-Length counts compressed bytes) will come to.
pub fn stated_file_len(start: &[u8]) -> Option<u64> {
    let magic = if start.starts_with(TAIL_MAGIC) {
        TAIL_MAGIC
    } else {
        MAGIC
    };
    let header = read_header(magic, start, start.len() as u64).ok()?;
    (HEADER_LEN as u64).checked_add(header.length)
}

/// Checks a file's header (`start`: its first [`HEADER_LEN`] bytes, or all of a shorter file)
/// against the file's size `file_len`: the magic, the version, the payload length it states
/// against what the file holds and [`MAX_PAYLOAD`]. A reader calls it before reading the rest,
/// so that a huge or foreign file is refused after a few bytes. Returns the payload's stored
/// CRC-32.
pub fn check_header(start: &[u8], file_len: u64) -> Result<u32, FormatError> {
    check_header_with(MAGIC, start, file_len)
}

/// [`check_header`] for a file starting with `magic`.
pub(crate) fn check_header_with(
    magic: &[u8; 8],
    start: &[u8],
    file_len: u64,
) -> Result<u32, FormatError> {
    let Header {
        version,
        length,
        checksum,
    } = read_header(magic, start, file_len)?;
    let file = FileKind::of(magic);
    if version != FORMAT_VERSION {
        return Err(FormatError::UnsupportedVersion {
            file,
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let actual = file_len.saturating_sub(HEADER_LEN as u64);
    if actual < length {
        return Err(FormatError::Truncated {
            file,
            expected: (HEADER_LEN as u64).saturating_add(length),
            actual: file_len,
        });
    }
    if actual > length {
        return Err(FormatError::TrailingBytes {
            file,
            extra: actual - length,
        });
    }
    if length > MAX_PAYLOAD {
        return Err(FormatError::TooLarge {
            file,
            bytes: length,
        });
    }
    Ok(checksum)
}

/// A payload with its header: magic, version, length and checksum.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    frame_with(MAGIC, payload)
}

/// [`frame`] behind `magic`.
pub(crate) fn frame_with(magic: &[u8; 8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(magic);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Checks the header (`magic`, version, length) and the checksum of `bytes`, then decodes its
/// payload ([`decode_payload`]). Validation is the caller's.
pub(crate) fn decode_limited<T: serde::de::DeserializeOwned>(
    magic: &[u8; 8],
    bytes: &[u8],
) -> Result<T, FormatError> {
    let stored = check_header_with(magic, bytes, bytes.len() as u64)?;
    let file = FileKind::of(magic);
    let payload = &bytes[HEADER_LEN..];
    let computed = crc32(payload);
    if computed != stored {
        return Err(FormatError::ChecksumMismatch {
            file,
            stored,
            computed,
        });
    }
    let (value, read) = decode_payload(file, payload)?;
    if read != payload.len() {
        return Err(FormatError::TrailingBytes {
            file,
            extra: (payload.len() - read) as u64,
        });
    }
    Ok(value)
}

/// Decodes with bincode's byte limit, which caps every length-prefixed allocation (a string
/// claiming 2^40 bytes fails instead of aborting). bincode counts decoded, in-memory bytes, up
/// to 8 per varint byte, so the limit is at least eight times the payload. bincode takes it as a
/// const generic, and each limit is a whole copy of the decoder in the page's code: the limits
/// go from 4 MiB in steps of four, so the limit is never more than 4 MiB or 32 times the
/// payload, whichever is larger, for six copies of the decoder.
fn decode_payload<T: serde::de::DeserializeOwned>(
    file: FileKind,
    payload: &[u8],
) -> Result<(T, usize), FormatError> {
    fn decode<T: serde::de::DeserializeOwned, const LIMIT: usize>(
        file: FileKind,
        payload: &[u8],
    ) -> Result<(T, usize), FormatError> {
        let config = bincode::config::standard().with_limit::<LIMIT>();
        bincode::serde::decode_from_slice(payload, config).map_err(|e| {
            use bincode::error::DecodeError;
            let detail = match e {
                DecodeError::UnexpectedEnd { .. } => {
                    "the payload ends in the middle of a value".into()
                }
                DecodeError::LimitExceeded | DecodeError::OutsideUsizeRange(_) => {
                    "a length in the file claims more data than the file holds".into()
                }
                DecodeError::UnexpectedVariant { .. } => "an enum holds an unknown variant".into(),
                DecodeError::Utf8 { .. } => "a text is not valid UTF-8".into(),
                other => other.to_string(),
            };
            FormatError::Decode { file, detail }
        })
    }
    /// One `decode::<2^bits>` per listed power, the first that holds `needed`.
    macro_rules! smallest_limit {
        ($needed:expr, $($bits:literal)*) => {
            $(if $needed <= 1 << $bits {
                return decode::<T, { 1 << $bits }>(file, payload);
            })*
        };
    }
    let needed = payload.len().saturating_mul(8);
    smallest_limit!(needed, 22 24 26 28 30 31);
    // Unreachable: `from_bytes` refuses payloads over MAX_PAYLOAD (2^28 bytes) first.
    Err(FormatError::TooLarge {
        file,
        bytes: payload.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::tiny_file;

    #[test]
    fn round_trips() {
        let file = tiny_file();
        let back = ModelFile::from_bytes(&file.to_bytes()).unwrap();
        assert_eq!(back, file);
        assert_eq!(back.catalog.index_of(3), Some(2));
    }

    #[test]
    fn refuses_foreign_truncated_corrupt_and_future_files() {
        let bytes = tiny_file().to_bytes();
        assert_eq!(
            ModelFile::from_bytes(b"<html>").unwrap_err(),
            FormatError::NotAModelFile
        );
        assert!(matches!(
            ModelFile::from_bytes(&bytes[..bytes.len() - 5]),
            Err(FormatError::Truncated { .. })
        ));
        let mut corrupt = bytes.clone();
        *corrupt.last_mut().unwrap() ^= 0x55;
        assert!(matches!(
            ModelFile::from_bytes(&corrupt),
            Err(FormatError::ChecksumMismatch { .. })
        ));
        let mut future = bytes.clone();
        future[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        assert_eq!(
            ModelFile::from_bytes(&future).unwrap_err(),
            FormatError::UnsupportedVersion {
                file: FileKind::Model,
                found: FORMAT_VERSION + 1,
                supported: FORMAT_VERSION
            }
        );
    }

    #[test]
    fn refuses_weights_that_do_not_fit_the_catalogue() {
        let mut file = tiny_file();
        file.weights.output_bias.pop();
        let err = ModelFile::from_bytes(&file.to_bytes()).unwrap_err();
        assert_eq!(
            err,
            FormatError::Inconsistent(InvalidModel::RowCount {
                what: "output biases",
                movies: 3,
                rows: 2
            })
        );
        assert!(err.to_string().contains("catalogue has 3 movies"), "{err}");
    }

    /// The payload of a valid file, edited through its decoded form and framed again with a
    /// correct checksum: what a hostile file looks like.
    fn reframed(edit: impl FnOnce(&mut ModelFile)) -> Result<ModelFile, FormatError> {
        let mut file = tiny_file();
        edit(&mut file);
        let payload = bincode::serde::encode_to_vec(&file, bincode::config::standard()).unwrap();
        ModelFile::from_bytes(&frame(&payload))
    }

    #[test]
    fn untrained_users_must_ascend() {
        let mut file = tiny_file();
        file.info.untrained_users = vec![3, 9, 9];
        assert_eq!(
            file.validate(),
            Err(InvalidModel::UntrainedUsersOutOfOrder(9))
        );
        file.info.untrained_users = vec![3, 9, 12];
        assert_eq!(file.validate(), Ok(()));
    }

    #[test]
    fn the_header_alone_refuses_a_foreign_or_huge_file() {
        let bytes = tiny_file().to_bytes();
        let size = bytes.len() as u64;
        assert!(check_header(&bytes[..HEADER_LEN], size).is_ok());
        assert_eq!(
            check_header(&[0; HEADER_LEN], 1 << 31),
            Err(FormatError::NotAModelFile)
        );
        // A 2 GiB file whose header states 2 GiB: refused before the payload is read.
        let mut huge = bytes[..HEADER_LEN].to_vec();
        huge[12..20].copy_from_slice(&(1u64 << 31).to_le_bytes());
        assert_eq!(
            check_header(&huge, (1 << 31) + HEADER_LEN as u64),
            Err(FormatError::TooLarge {
                file: FileKind::Model,
                bytes: 1 << 31
            })
        );
        assert!(matches!(
            check_header(&bytes[..HEADER_LEN], size - 1),
            Err(FormatError::Truncated { .. })
        ));
        assert_eq!(stated_file_len(&bytes[..HEADER_LEN]), Some(size));
        assert_eq!(stated_file_len(&bytes[..HEADER_LEN - 1]), None);
    }

    #[test]
    fn a_huge_length_prefix_is_an_error_not_an_allocation() {
        // The first field is a string; 0xFD announces a u64 length: 2^40 bytes.
        let payload = [0xFD, 0, 0, 0, 0, 0, 1, 0, 0];
        let bytes = frame(&payload);
        assert_eq!(bytes.len(), 33);
        assert_eq!(
            ModelFile::from_bytes(&bytes).unwrap_err().to_string(),
            "model file could not be decoded: a length in the file claims more data than the file holds"
        );
    }

    #[test]
    fn trailing_bytes_and_huge_lengths_are_named() {
        let mut bytes = tiny_file().to_bytes();
        bytes.push(0);
        assert_eq!(
            ModelFile::from_bytes(&bytes).unwrap_err(),
            FormatError::TrailingBytes {
                file: FileKind::Model,
                extra: 1
            }
        );
        // Extra bytes inside the checksummed payload, after the encoded file.
        let mut payload =
            bincode::serde::encode_to_vec(tiny_file(), bincode::config::standard()).unwrap();
        payload.extend_from_slice(&[1, 2, 3]);
        assert_eq!(
            ModelFile::from_bytes(&frame(&payload)).unwrap_err(),
            FormatError::TrailingBytes {
                file: FileKind::Model,
                extra: 3
            }
        );
        let mut huge = tiny_file().to_bytes();
        huge[12..20].copy_from_slice(&u64::MAX.to_le_bytes());
        let message = ModelFile::from_bytes(&huge).unwrap_err().to_string();
        assert!(
            message.contains(&format!("{} were expected", u64::MAX)),
            "{message}"
        );
        assert!(matches!(
            ModelFile::from_bytes(&bytes[..15]),
            Err(FormatError::Truncated { .. })
        ));
    }

    #[test]
    fn hostile_values_are_refused_by_name() {
        let nan_bias = reframed(|f| f.weights.output_bias[1] = f32::NAN).unwrap_err();
        assert!(
            nan_bias.to_string().contains("output bias 1 is NaN"),
            "{nan_bias}"
        );
        let twice = reframed(|f| f.catalog.movies[2].id = 1).unwrap_err();
        assert_eq!(
            twice,
            FormatError::Inconsistent(InvalidModel::DuplicateMovie(1))
        );
        let empty = reframed(|f| {
            f.catalog.movies.clear();
            f.weights.output_bias.clear();
        })
        .unwrap_err();
        assert_eq!(
            empty,
            FormatError::Inconsistent(InvalidModel::EmptyCatalogue)
        );
        let zero = reframed(|f| f.weights.tower[0].outputs = 0).unwrap_err();
        assert!(zero.to_string().contains("width 0"), "{zero}");
        let genre = reframed(|f| f.catalog.movies[0].genres = 1 << 5).unwrap_err();
        assert!(genre.to_string().contains("genre bit"), "{genre}");
    }
}
