//! Download, verification and extraction of the official GroupLens zips into a cache folder.
//!
//! `ensure_cached` is a no-op when `cache_dir/<release folder>` already holds the release's files.
//! Otherwise the zip is downloaded to `<name>.zip.part` (progress bar on stderr), renamed to
//! `<name>.zip` only when complete, verified (sha256 of the zip where known, i.e. ml-latest-small),
//! extracted into a temporary folder, checked (the key files exist; ml-100k's `u.data` sha256),
//! and only then moved into place, so an interrupted run never leaves a half-extracted release.
//! The zip is deleted after a successful install. The files are parsed by [`Dataset::load`]
//! right after; a parse failure there says to delete the cached folder.
//!
//! [`Dataset::load`]: super::Dataset::load

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{DataError, DatasetName};

/// What a downloaded release must match.
#[derive(Debug, Clone, Copy)]
pub struct Expected {
    /// sha256 (lower-case hex) of the zip, where known.
    pub zip_sha256: Option<&'static str>,
    /// `(file in the release folder, sha256)` pairs checked after extraction.
    pub file_sha256: &'static [(&'static str, &'static str)],
}

/// Known checksums (from the verified copies in shared/movielens, see their SOURCE.md).
pub fn expected(name: DatasetName) -> Expected {
    match name {
        DatasetName::MlLatestSmall => Expected {
            zip_sha256: Some("6b777faf2c577fb3d7ab6d32d2d59c0818a3893f057fbfc26eae500521539cf0"),
            file_sha256: &[],
        },
        DatasetName::Ml100k => Expected {
            zip_sha256: None,
            file_sha256: &[(
                "u.data",
                "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
            )],
        },
        _ => Expected {
            zip_sha256: None,
            file_sha256: &[],
        },
    }
}

/// The release's folder in `cache_dir` if it is already there with all required files.
pub fn cached_folder(name: DatasetName, cache_dir: &Path) -> Option<PathBuf> {
    name.folder_names()
        .iter()
        .map(|f| cache_dir.join(f))
        .find(|dir| name.required_files().iter().all(|f| dir.join(f).is_file()))
}

/// Makes sure release `name` is extracted in `cache_dir` (downloading it from GroupLens if
/// needed) and returns its folder.
pub fn ensure_cached(name: DatasetName, cache_dir: &Path) -> Result<PathBuf, DataError> {
    ensure_cached_from(name, cache_dir, &name.url(), &expected(name))
}

pub(crate) fn ensure_cached_from(
    name: DatasetName,
    cache_dir: &Path,
    url: &str,
    expected: &Expected,
) -> Result<PathBuf, DataError> {
    if let Some(folder) = cached_folder(name, cache_dir) {
        return Ok(folder);
    }
    fs::create_dir_all(cache_dir).map_err(|source| io_err(cache_dir, source))?;
    let zip_path = cache_dir.join(format!("{name}.zip"));
    super::refuse_directory(&zip_path)?;
    if !zip_path.is_file() {
        download(name, url, &zip_path)?;
    }
    let folder = install_zip(name, &zip_path, cache_dir, expected)?;
    let _ = fs::remove_file(&zip_path);
    Ok(folder)
}

fn io_err(path: &Path, source: std::io::Error) -> DataError {
    DataError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Downloads `url` to `dest` via `dest.part`, with a progress bar. Any failure is one
/// [`DataError::Download`] that tells how to proceed offline.
pub(crate) fn download(name: DatasetName, url: &str, dest: &Path) -> Result<(), DataError> {
    let fail = |reason: String| DataError::Download {
        name,
        url: url.to_string(),
        reason,
    };
    let part = dest.with_extension("zip.part");
    let response = fetch::get(url).map_err(|e| fail(e.to_string()))?;
    let total = response.body().content_length();
    let mut reader = response.into_body().into_reader();

    let bar = match total {
        Some(t) => indicatif::ProgressBar::new(t),
        None => indicatif::ProgressBar::new_spinner(),
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(format!("downloading {name}"));

    let result = (|| -> Result<u64, DataError> {
        let mut file = File::create(&part).map_err(|e| io_err(&part, e))?;
        let mut buf = vec![0u8; 1 << 16];
        let mut written = 0u64;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(fail(format!(
                        "the connection failed after {written} bytes: {e}"
                    )));
                }
            };
            file.write_all(&buf[..n]).map_err(|e| io_err(&part, e))?;
            written += n as u64;
            bar.inc(n as u64);
        }
        file.sync_all().map_err(|e| io_err(&part, e))?;
        if let Some(t) = total
            && written < t
        {
            return Err(fail(format!(
                "the download is truncated: {written} of {t} bytes"
            )));
        }
        Ok(written)
    })();
    bar.finish_and_clear();
    if let Err(e) = result {
        let _ = fs::remove_file(&part);
        return Err(e);
    }
    fs::rename(&part, dest).map_err(|e| io_err(dest, e))
}

/// Lower-case hex sha256 of a file.
pub fn sha256_file(path: &Path) -> Result<String, DataError> {
    let mut file = File::open(path).map_err(|e| io_err(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(|e| io_err(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn check_sha(path: &Path, expected: &str) -> Result<(), DataError> {
    let actual = sha256_file(path)?;
    if actual == expected {
        Ok(())
    } else {
        Err(DataError::Checksum {
            path: path.to_path_buf(),
            expected: expected.to_string(),
            actual,
        })
    }
}

/// Verifies and extracts `zip_path` into `cache_dir`; returns the release folder. On failure
/// nothing is left in `cache_dir` but the zip (deleted too when it is damaged).
pub(crate) fn install_zip(
    name: DatasetName,
    zip_path: &Path,
    cache_dir: &Path,
    expected: &Expected,
) -> Result<PathBuf, DataError> {
    if let Some(sha) = expected.zip_sha256
        && let Err(e) = check_sha(zip_path, sha)
    {
        let _ = fs::remove_file(zip_path);
        return Err(e);
    }
    let tmp = cache_dir.join(format!(".{name}.extracting"));
    let _ = fs::remove_dir_all(&tmp);
    let result =
        extract_and_check(name, zip_path, &tmp, expected).and_then(|(folder_name, src)| {
            let dest = cache_dir.join(folder_name);
            if dest.exists() {
                fs::remove_dir_all(&dest).map_err(|e| io_err(&dest, e))?;
            }
            fs::rename(&src, &dest).map_err(|e| io_err(&dest, e))?;
            Ok(dest)
        });
    let _ = fs::remove_dir_all(&tmp);
    result
}

/// The most a release may unpack to: ml-32m, the largest, unpacks to about 1 GB.
const MAX_UNPACKED_BYTES: u64 = 4_000_000_000;

/// The most an entry may expand over its compressed size: MovieLens' CSV files expand about
/// 3 to 10 times; a zip bomb, hundreds of times.
const MAX_EXPANSION: u64 = 100;

/// Extracts every file of `archive` under `into`, within bounds checked before anything is
/// written: [`MAX_UNPACKED_BYTES`] in all and [`MAX_EXPANSION`] per entry, by the sizes the zip
/// states; and while writing, no entry may give more bytes than it stated. Entry paths that
/// would leave `into` are refused; nothing but plain files and folders is created.
fn extract_bounded<R: std::io::Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    zip_path: &Path,
    into: &Path,
    damaged: impl Fn(zip::result::ZipError) -> DataError,
) -> Result<(), DataError> {
    let refuse = |reason: String| DataError::Zip {
        path: zip_path.to_path_buf(),
        reason,
    };
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(&damaged)?;
        total = total.saturating_add(entry.size());
        if entry.size() > entry.compressed_size().max(1).saturating_mul(MAX_EXPANSION) {
            return Err(refuse(format!(
                "{} would expand {} bytes to {} (more than {MAX_EXPANSION} times): not a MovieLens release",
                entry.name(),
                entry.compressed_size(),
                entry.size()
            )));
        }
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(refuse(format!(
            "it would unpack to {total} bytes, more than the {MAX_UNPACKED_BYTES} any release needs"
        )));
    }
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(&damaged)?;
        let Some(relative) = entry.enclosed_name() else {
            return Err(refuse(format!(
                "{} names a path outside its folder",
                entry.name()
            )));
        };
        let out = into.join(relative);
        if entry.is_dir() {
            fs::create_dir_all(&out).map_err(|e| io_err(&out, e))?;
            continue;
        }
        if let Some(parent) = out.parent() {
            fs::create_dir_all(parent).map_err(|e| io_err(parent, e))?;
        }
        let stated = entry.size();
        let mut file = File::create(&out).map_err(|e| io_err(&out, e))?;
        let written = std::io::copy(&mut (&mut entry).take(stated + 1), &mut file)
            .map_err(|e| io_err(&out, e))?;
        if written > stated {
            return Err(refuse(format!(
                "{} holds more than the {stated} bytes it states",
                entry.name()
            )));
        }
    }
    Ok(())
}

fn extract_and_check(
    name: DatasetName,
    zip_path: &Path,
    tmp: &Path,
    expected: &Expected,
) -> Result<(&'static str, PathBuf), DataError> {
    let damaged = |e: zip::result::ZipError| {
        let _ = fs::remove_file(zip_path);
        DataError::Zip {
            path: zip_path.to_path_buf(),
            reason: format!(
                "cannot read the zip, it is truncated or damaged ({e}); it was deleted, run again to download it again"
            ),
        }
    };
    let file = File::open(zip_path).map_err(|e| io_err(zip_path, e))?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(damaged)?;
    fs::create_dir_all(tmp).map_err(|e| io_err(tmp, e))?;
    extract_bounded(&mut archive, zip_path, tmp, damaged)?;

    let Some(&folder_name) = name.folder_names().iter().find(|f| tmp.join(f).is_dir()) else {
        return Err(DataError::Zip {
            path: zip_path.to_path_buf(),
            reason: format!(
                "the zip has no folder {}/; is it really {name}?",
                name.folder_names().join("/ or ")
            ),
        });
    };
    let folder = tmp.join(folder_name);
    for file in name.required_files() {
        if !folder.join(file).is_file() {
            return Err(DataError::Zip {
                path: zip_path.to_path_buf(),
                reason: format!("the zip has no {folder_name}/{file}"),
            });
        }
    }
    for (file, sha) in expected.file_sha256 {
        check_sha(&folder.join(file), sha).map_err(|e| match e {
            DataError::Checksum {
                expected, actual, ..
            } => DataError::Checksum {
                path: zip_path.join(folder_name).join(file),
                expected,
                actual,
            },
            e => e,
        })?;
    }
    Ok((folder_name, folder))
}

#[cfg(test)]
mod tests {
    use super::super::test_util::TempDir;
    use super::super::{DataSource, Dataset};
    use super::*;
    use std::io::Cursor;

    fn make_zip(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in files {
            w.start_file(*name, opts).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    const U_DATA: &[u8] = b"1\t1\t5\t100\n2\t1\t3\t200\n";

    fn ml100k_zip(u_data: &[u8]) -> Vec<u8> {
        make_zip(&[
            ("ml-100k/u.data", u_data),
            (
                "ml-100k/u.item",
                b"1|Toy Story (1995)|01-Jan-1995||http://x|0|1\n",
            ),
            ("ml-100k/u.genre", b"unknown|0\nAnimation|1\n\n"),
            (
                "ml-100k/u.user",
                b"1|24|M|technician|85711\n2|53|F|other|94043\n",
            ),
            ("ml-100k/README", b"readme"),
        ])
    }

    fn sha_of(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    #[test]
    fn install_verifies_extracts_and_loads() {
        let tmp = TempDir::new("dl-ok");
        let zip = tmp.write("ml-100k.zip", ml100k_zip(U_DATA));
        let sha: &'static str = Box::leak(sha_of(U_DATA).into_boxed_str());
        let files: &'static [(&str, &str)] = Box::leak(Box::new([("u.data", sha)]));
        let exp = Expected {
            zip_sha256: None,
            file_sha256: files,
        };
        // The zip is already there: no download happens.
        let folder = ensure_cached_from(
            DatasetName::Ml100k,
            tmp.path(),
            "http://127.0.0.1:9/x.zip",
            &exp,
        )
        .unwrap();
        assert_eq!(folder, tmp.path().join("ml-100k"));
        assert!(!zip.exists(), "zip is deleted after install");
        assert!(!tmp.path().join(".ml-100k.extracting").exists());
        // Cached now: loading through the download source uses it without network.
        let source = DataSource::Download {
            cache_dir: tmp.path().to_path_buf(),
        };
        let ds = Dataset::load(&source, DatasetName::Ml100k).unwrap();
        assert_eq!(
            (ds.ratings.len(), ds.movies.len(), ds.user_ids.len()),
            (2, 1, 2)
        );
        // A damaged cached file is reported with the advice to delete the folder.
        tmp.write("ml-100k/u.data", "1\t1\t9\t100\n");
        let err = Dataset::load(&source, DatasetName::Ml100k)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("rating \"9\" is outside")
                && err.contains("seems damaged: delete that folder"),
            "{err}"
        );
    }

    #[test]
    fn a_zip_bomb_is_refused_before_anything_is_written() {
        let tmp = TempDir::new("dl-bomb");
        // 50 MB of zeros deflate to about 50 KB: a thousand times.
        let zeros = vec![0u8; 50_000_000];
        let zip = tmp.write(
            "ml-100k.zip",
            make_zip(&[("ml-100k/u.data", U_DATA), ("ml-100k/u.item", &zeros)]),
        );
        let exp = Expected {
            zip_sha256: None,
            file_sha256: &[],
        };
        let err = install_zip(DatasetName::Ml100k, &zip, tmp.path(), &exp)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ml-100k/u.item would expand") && err.contains("more than 100 times"),
            "{err}"
        );
        assert!(!tmp.path().join("ml-100k").exists());
        assert!(!tmp.path().join(".ml-100k.extracting").exists());
    }

    #[test]
    fn file_checksum_mismatch_installs_nothing() {
        let tmp = TempDir::new("dl-sha");
        let zip = tmp.write("ml-100k.zip", ml100k_zip(U_DATA));
        // The real ml-100k checksum of u.data does not match the tiny file.
        let err = install_zip(
            DatasetName::Ml100k,
            &zip,
            tmp.path(),
            &expected(DatasetName::Ml100k),
        )
        .unwrap_err();
        assert!(matches!(err, DataError::Checksum { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("ml-100k/u.data: sha256 is") && msg.contains("06416e59"),
            "{msg}"
        );
        assert!(!tmp.path().join("ml-100k").exists());
        assert!(!tmp.path().join(".ml-100k.extracting").exists());
    }

    #[test]
    fn zip_checksum_mismatch_deletes_zip() {
        let tmp = TempDir::new("dl-zipsha");
        let zip = tmp.write(
            "ml-latest-small.zip",
            make_zip(&[
                ("ml-latest-small/ratings.csv", b"x"),
                ("ml-latest-small/movies.csv", b"y"),
            ]),
        );
        let err = install_zip(
            DatasetName::MlLatestSmall,
            &zip,
            tmp.path(),
            &expected(DatasetName::MlLatestSmall),
        )
        .unwrap_err();
        assert!(err.to_string().contains("expected 6b777faf"), "{err}");
        assert!(!zip.exists());
    }

    #[test]
    fn truncated_zip_is_reported_and_deleted() {
        let tmp = TempDir::new("dl-trunc");
        let bytes = ml100k_zip(U_DATA);
        let zip = tmp.write("ml-100k.zip", &bytes[..bytes.len() / 2]);
        let exp = Expected {
            zip_sha256: None,
            file_sha256: &[],
        };
        let err = install_zip(DatasetName::Ml100k, &zip, tmp.path(), &exp).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, DataError::Zip { .. }), "{msg}");
        assert!(msg.contains("truncated or damaged"), "{msg}");
        assert!(!zip.exists());
        assert!(!tmp.path().join("ml-100k").exists());
    }

    #[test]
    fn ml10m_folder_name_is_mapped_and_wrong_zip_rejected() {
        let tmp = TempDir::new("dl-10m");
        let exp = Expected {
            zip_sha256: None,
            file_sha256: &[],
        };
        let zip = tmp.write(
            "ml-10m.zip",
            make_zip(&[
                (
                    "ml-10M100K/movies.dat",
                    "1::Amélie (2001)::Comedy\n".as_bytes(),
                ),
                ("ml-10M100K/ratings.dat", b"5::1::4.5::10\n"),
            ]),
        );
        let folder = install_zip(DatasetName::Ml10m, &zip, tmp.path(), &exp).unwrap();
        assert_eq!(folder, tmp.path().join("ml-10M100K"));
        let ds = Dataset::load(
            &DataSource::Download {
                cache_dir: tmp.path().to_path_buf(),
            },
            DatasetName::Ml10m,
        )
        .unwrap();
        assert_eq!(ds.movies[0].title, "Amélie");
        // A zip without the release folder.
        let zip = tmp.write("ml-20m.zip", make_zip(&[("other/ratings.csv", b"x")]));
        let err = install_zip(DatasetName::Ml20m, &zip, tmp.path(), &exp).unwrap_err();
        assert!(
            err.to_string().contains("the zip has no folder ml-20m/"),
            "{err}"
        );
        // A zip with the folder but without a key file.
        let zip = tmp.write("ml-20m.zip", make_zip(&[("ml-20m/ratings.csv", b"x")]));
        let err = install_zip(DatasetName::Ml20m, &zip, tmp.path(), &exp).unwrap_err();
        assert!(
            err.to_string().contains("the zip has no ml-20m/movies.csv"),
            "{err}"
        );
    }

    #[test]
    fn offline_gives_one_clear_message() {
        let tmp = TempDir::new("dl-offline");
        let url = "http://127.0.0.1:9/ml-100k.zip";
        let err = ensure_cached_from(
            DatasetName::Ml100k,
            tmp.path(),
            url,
            &expected(DatasetName::Ml100k),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, DataError::Download { .. }), "{msg}");
        assert!(
            msg.starts_with("could not download ml-100k from http://127.0.0.1:9/ml-100k.zip: "),
            "{msg}"
        );
        assert!(
            msg.ends_with(
                "If you are offline, download it elsewhere and pass --data-dir DIR (or set MOVIELENS_DIR) to a folder containing ml-100k/"
            ),
            "{msg}"
        );
        assert!(!tmp.path().join("ml-100k.zip.part").exists());
        assert!(!tmp.path().join("ml-100k.zip").exists());
    }
}
