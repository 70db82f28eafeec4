//! Compressed copies of the page's files, written beside them (`web_bg.wasm.gz`,
//! `web_bg.wasm.br`), for a server that picks one by the browser's `Accept-Encoding` (ours:
//! tower-http's `ServeDir`; most static hosts do the same with such files). A copy carries its
//! file's modification time; any other time (the file rebuilt, or both copied by a tool that
//! stamps them anew) makes it stale, and it is rewritten: never stale bytes after a rebuild.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The file types worth compressing: text, WebAssembly and the model (images and fonts are
/// compressed already).
const COMPRESSIBLE: [&str; 8] = [
    "html",
    "css",
    "js",
    "wasm",
    "bin",
    "json",
    "svg",
    "webmanifest",
];

/// One compressed form: the suffix of its copy and how to make it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Gzip,
    Brotli,
}

impl Encoding {
    pub const ALL: [Encoding; 2] = [Encoding::Gzip, Encoding::Brotli];

    /// The `Content-Encoding` value.
    pub fn token(self) -> &'static str {
        match self {
            Encoding::Gzip => "gzip",
            Encoding::Brotli => "br",
        }
    }

    /// `model.bin` → `model.bin.gz`.
    pub fn copy_of(self, file: &Path) -> PathBuf {
        let suffix = match self {
            Encoding::Gzip => "gz",
            Encoding::Brotli => "br",
        };
        let mut name = file.as_os_str().to_owned();
        name.push(".");
        name.push(suffix);
        PathBuf::from(name)
    }

    /// `bytes` compressed, at the strongest setting: this runs once per build, not per request.
    pub fn compress(self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len() / 2);
        match self {
            Encoding::Gzip => {
                let mut encoder = flate2::write::GzEncoder::new(out, flate2::Compression::best());
                encoder.write_all(bytes).expect("writing to a Vec");
                out = encoder.finish().expect("writing to a Vec");
            }
            Encoding::Brotli => {
                // Quality 11, a 4 MiB window: what static hosts' build steps use.
                let mut encoder = brotli::CompressorWriter::new(&mut out, 1 << 16, 11, 22);
                encoder.write_all(bytes).expect("writing to a Vec");
                drop(encoder);
            }
        }
        out
    }
}

/// Whether `path` is a file type worth a compressed copy.
pub fn is_compressible(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| COMPRESSIBLE.contains(&e))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Whether `copy` is missing or was not made from `file` as it is now (its modification time
/// is not the file's).
pub fn is_stale(file: &Path, copy: &Path) -> bool {
    match (modified(file), modified(copy)) {
        (Some(original), Some(compressed)) => compressed != original,
        _ => true,
    }
}

/// Writes both compressed copies of `file` where they are missing or stale, with its
/// permissions and modification time; each is written to a temporary file and renamed, so a reader never sees half
/// of one. Returns how many it wrote.
pub fn refresh_file(file: &Path) -> Result<usize> {
    let stale: Vec<Encoding> = Encoding::ALL
        .into_iter()
        .filter(|&encoding| is_stale(file, &encoding.copy_of(file)))
        .collect();
    if stale.is_empty() {
        return Ok(0);
    }
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let metadata =
        std::fs::metadata(file).with_context(|| format!("reading {}", file.display()))?;
    let (permissions, stamp) = (metadata.permissions(), metadata.modified()?);
    let folder = file.parent().unwrap_or(Path::new("."));
    for &encoding in &stale {
        let copy = encoding.copy_of(file);
        let mut temp = tempfile::NamedTempFile::new_in(folder)
            .with_context(|| format!("writing in {}", folder.display()))?;
        temp.write_all(&encoding.compress(&bytes))
            .with_context(|| format!("writing {}", copy.display()))?;
        // Readable by whoever can read the file (a temporary file starts private), and
        // stamped with the file's time: the mark of a fresh copy.
        temp.as_file()
            .set_permissions(permissions.clone())
            .and_then(|()| temp.as_file().set_modified(stamp))
            .with_context(|| format!("writing {}", copy.display()))?;
        temp.persist(&copy)
            .with_context(|| format!("writing {}", copy.display()))?;
    }
    Ok(stale.len())
}

/// Every compressible file under `root` (recursively) given fresh compressed copies. Symbolic
/// links are not followed: they may lead out of the folder, or round in a circle. Returns how
/// many copies were written.
pub fn refresh(root: &Path) -> Result<usize> {
    let mut written = 0;
    for entry in std::fs::read_dir(root).with_context(|| format!("reading {}", root.display()))? {
        let entry = entry?;
        let (path, kind) = (entry.path(), entry.file_type()?);
        if kind.is_dir() {
            written += refresh(&path)?;
        } else if kind.is_file() && is_compressible(&path) {
            written += refresh_file(&path)?;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn copies_decompress_to_the_file_and_follow_its_changes() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("index.html");
        let text = "<p>a page</p>\n".repeat(200);
        std::fs::write(&page, &text).unwrap();
        std::fs::write(dir.path().join("photo.png"), b"not compressed").unwrap();
        assert_eq!(refresh(dir.path()).unwrap(), 2);
        assert_eq!(refresh(dir.path()).unwrap(), 0, "fresh copies are kept");
        assert!(!dir.path().join("photo.png.gz").exists());

        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&std::fs::read(Encoding::Gzip.copy_of(&page)).unwrap()[..])
            .read_to_string(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, text);
        let mut unbrotlied = String::new();
        brotli::Decompressor::new(
            &std::fs::read(Encoding::Brotli.copy_of(&page)).unwrap()[..],
            4096,
        )
        .read_to_string(&mut unbrotlied)
        .unwrap();
        assert_eq!(unbrotlied, text);

        // A rebuilt file makes its copies stale, and so does a copy made after the file.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&page, "<p>rebuilt</p>").unwrap();
        assert!(is_stale(&page, &Encoding::Brotli.copy_of(&page)));
        assert_eq!(refresh(dir.path()).unwrap(), 2);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let gzip = Encoding::Gzip.copy_of(&page);
        std::fs::copy(&gzip, dir.path().join("elsewhere.gz")).unwrap();
        std::fs::rename(dir.path().join("elsewhere.gz"), &gzip).unwrap();
        assert!(is_stale(&page, &gzip), "a copy stamped anew is not trusted");
    }
}
