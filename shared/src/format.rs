//! The weights file: what the trainer exports and the page loads.
//!
//! Layout (all integers little-endian):
//! ```text
//! magic "MOVIEREC" (8 bytes) | format version u32 | payload length u64 | CRC-32 of payload u32 | payload
//! ```
//! The payload is a [`ModelFile`] encoded with bincode 2 (standard config). The header is checked
//! before anything is decoded, so a truncated, corrupt or foreign file gets an error that says
//! which of those it is.

use crate::catalog::Catalog;
use crate::checksum::crc32;
use crate::foldin::FoldInModel;
use serde::{Deserialize, Serialize};

pub const MAGIC: &[u8; 8] = b"MOVIEREC";
/// Bumped whenever the payload's layout changes; older and newer files are refused by name.
pub const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 8 + 4;

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
}

/// Everything the page needs: no ratings, only the catalogue and the fold-in weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    pub info: ModelInfo,
    pub catalog: Catalog,
    pub weights: FoldInModel,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FormatError {
    #[error("not a movie model file (it does not start with \"MOVIEREC\")")]
    NotAModelFile,
    #[error(
        "model file format version {found} is not supported (this build reads version {supported}); re-export the model with the matching trainer"
    )]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("model file is truncated: {actual} bytes where {expected} were expected")]
    Truncated { expected: u64, actual: u64 },
    #[error(
        "model file is corrupt: checksum {computed:08x} does not match the stored {stored:08x}"
    )]
    ChecksumMismatch { stored: u32, computed: u32 },
    #[error("model file could not be decoded: {0}")]
    Decode(String),
    #[error("model file is inconsistent: {0}")]
    Inconsistent(String),
}

impl ModelFile {
    /// Encodes with header and checksum.
    pub fn to_bytes(&self) -> Vec<u8> {
        let payload = bincode::serde::encode_to_vec(self, bincode::config::standard())
            .expect("encoding plain data into a Vec cannot fail");
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&crc32(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Checks the header, checksum and shapes, then decodes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FormatError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(FormatError::NotAModelFile);
        }
        if bytes.len() < HEADER_LEN {
            return Err(FormatError::Truncated {
                expected: HEADER_LEN as u64,
                actual: bytes.len() as u64,
            });
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
        if version != FORMAT_VERSION {
            return Err(FormatError::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let length = u64::from_le_bytes(bytes[12..20].try_into().unwrap());
        let stored = u32::from_le_bytes(bytes[20..24].try_into().unwrap());
        let payload = &bytes[HEADER_LEN..];
        if (payload.len() as u64) < length {
            return Err(FormatError::Truncated {
                expected: HEADER_LEN as u64 + length,
                actual: bytes.len() as u64,
            });
        }
        let payload = &payload[..length as usize];
        let computed = crc32(payload);
        if computed != stored {
            return Err(FormatError::ChecksumMismatch { stored, computed });
        }
        let (mut file, _): (ModelFile, usize) =
            bincode::serde::decode_from_slice(payload, bincode::config::standard())
                .map_err(|e| FormatError::Decode(e.to_string()))?;
        file.catalog.build_index();
        file.validate().map_err(FormatError::Inconsistent)?;
        Ok(file)
    }

    /// Shapes agree with the catalogue and every genre bit names a genre.
    pub fn validate(&self) -> Result<(), String> {
        let genres = self.catalog.genre_names.len();
        if genres > 32 {
            return Err(format!("{genres} genres do not fit the 32-bit genre mask"));
        }
        if let Some(movie) = self
            .catalog
            .movies
            .iter()
            .find(|m| genres < 32 && m.genres >> genres != 0)
        {
            return Err(format!(
                "movie {} has a genre bit beyond the {genres} known genres",
                movie.id
            ));
        }
        let distinct: std::collections::HashSet<u32> =
            self.catalog.movies.iter().map(|m| m.id).collect();
        if distinct.len() != self.catalog.len() {
            return Err("the catalogue lists a movie id twice".into());
        }
        self.weights.validate(self.catalog.len())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::catalog::Movie;
    use crate::foldin::tests::tiny_model;

    pub(crate) fn tiny_file() -> ModelFile {
        let movie = |id: u32, title: &str, genres: u32, count: u32| Movie {
            id,
            title: title.into(),
            year: Some(1995),
            genres,
            rating_count: count,
        };
        ModelFile {
            info: ModelInfo {
                dataset: "test".into(),
                model: "foldin".into(),
                ..Default::default()
            },
            catalog: Catalog::new(
                vec!["Animation".into(), "Drama".into()],
                vec![
                    movie(1, "Toy Story", 0b01, 50),
                    movie(2, "Heat", 0b10, 20),
                    movie(3, "Babe", 0b01, 10),
                ],
            ),
            weights: tiny_model(),
        }
    }

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
        assert!(
            matches!(err, FormatError::Inconsistent(ref m) if m.contains("catalogue has 3 movies")),
            "{err}"
        );
    }
}
