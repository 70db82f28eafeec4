//! axe-core, the accessibility engine the end-to-end tests run inside the page. It is published
//! on npm only, and a fresh machine has no Node, so `cargo xtask test` fetches npm's tarball
//! itself, once, into the target folder; the tests then read the script there and stay offline.
//! The tarball is pinned by version and by npm's own sha512 integrity, so what runs in the
//! browser is exactly the release that was reviewed: anything else is refused, never cached.

use crate::paths;
use anyhow::{Context, Result, anyhow, bail};
use flate2::read::GzDecoder;
use sha2::{Digest, Sha512};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The axe-core release. To move to another one, take `dist.tarball` and `dist.integrity` from
/// `curl -s https://registry.npmjs.org/axe-core/<version>` and change the three constants.
pub const VERSION: &str = "4.14.1";

/// npm's `dist.tarball` for [`VERSION`].
const TARBALL_URL: &str = "https://registry.npmjs.org/axe-core/-/axe-core-4.14.1.tgz";

/// npm's `dist.integrity` for that tarball,
/// `sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==`,
/// written as the lower-case hex of the same digest (what `sha512sum` prints). For a new one:
/// `echo '<the base64 after sha512->' | base64 -d | od -An -v -tx1 | tr -d ' \n'`.
const TARBALL_SHA512: &str = "1477dafa598d8d065f273d6af302aa203c02e83131707b7fa648cd41bd3d6b734f8c22a0dab86ee6a6f64b8afbe804b214d36db85a2826965edfb3a0b9d546b5";

/// The one file the tests need: the whole engine in a single script.
const SCRIPT_IN_TARBALL: &str = "package/axe.min.js";

/// The installed script, whether or not it is there yet.
fn script_file() -> PathBuf {
    paths::target_dir()
        .join(format!("axe-core-{VERSION}"))
        .join("axe.min.js")
}

/// The installed `axe.min.js`, for the browser tests; an error saying what to run when it is
/// missing (the tests never download it themselves).
pub fn axe_script_path() -> Result<PathBuf> {
    let script = script_file();
    if !script.is_file() {
        bail!(
            "{} is missing: run `cargo xtask test`, which downloads axe-core {VERSION} from npm once",
            script.display()
        );
    }
    Ok(script)
}

/// Makes sure `axe.min.js` of [`VERSION`] is in the target folder (downloading and verifying
/// npm's tarball if not) and returns its path.
pub fn install() -> Result<PathBuf> {
    let script = script_file();
    if script.is_file() {
        return Ok(script);
    }
    println!("downloading axe-core {VERSION} from {TARBALL_URL}");
    let tarball = download(TARBALL_URL)?;
    verify(&tarball, TARBALL_SHA512).with_context(|| {
        format!(
            "refusing the axe-core {VERSION} tarball from {TARBALL_URL}: run `cargo xtask test` \
             again; if it fails the same way, compare TARBALL_URL and TARBALL_SHA512 in \
             xtask/src/axe.rs with `curl -s https://registry.npmjs.org/axe-core/{VERSION}`"
        )
    })?;
    let text = extract(&tarball, SCRIPT_IN_TARBALL)
        .with_context(|| format!("the axe-core tarball from {TARBALL_URL}"))?;
    write_atomically(&script, &text)?;
    Ok(script)
}

/// The body of a `GET` of `url`; an error names the URL and what to do.
fn download(url: &str) -> Result<Vec<u8>> {
    let fail = |reason: String| {
        anyhow!(
            "could not download axe-core {VERSION} from {url}: {reason}. The browser tests' \
             accessibility check needs it once: check the network (a proxy goes in HTTPS_PROXY) \
             and run `cargo xtask test` again"
        )
    };
    let mut response = fetch::get(url).map_err(|e| fail(e.to_string()))?;
    // ureq's default 10 MB cap; the tarball is under 1 MB.
    response
        .body_mut()
        .read_to_vec()
        .map_err(|e| fail(e.to_string()))
}

/// Fails unless the sha512 of `bytes` is `expected` (lower-case hex).
fn verify(bytes: &[u8], expected: &str) -> Result<()> {
    let found = hex::encode(Sha512::digest(bytes));
    if found != expected {
        bail!(
            "its sha512 is {found}, expected {expected} ({} bytes downloaded)",
            bytes.len()
        );
    }
    Ok(())
}

/// The contents of the file at `wanted` in the gzipped tar `tgz`.
fn extract(tgz: &[u8], wanted: &str) -> Result<Vec<u8>> {
    let mut archive = tar::Archive::new(GzDecoder::new(tgz));
    for entry in archive.entries().context("cannot read it as a .tgz")? {
        let mut entry = entry.context("cannot read it as a .tgz")?;
        // `Cow<Path> == &Path`, from std's comparisons between path types.
        let is_wanted = entry.path().context("an entry has no readable path")? == Path::new(wanted);
        if is_wanted {
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .with_context(|| format!("cannot read {wanted} in it"))?;
            return Ok(bytes);
        }
    }
    bail!("it has no {wanted}")
}

/// Writes `bytes` to `path` through a temporary file in the same folder renamed into place, so
/// an interrupted run never leaves a partial script that later runs would take as installed.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let folder = path
        .parent()
        .with_context(|| format!("{} has no parent folder", path.display()))?;
    std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
    let mut part = tempfile::NamedTempFile::new_in(folder)
        .with_context(|| format!("creating a temporary file in {}", folder.display()))?;
    part.write_all(bytes)
        .and_then(|()| part.as_file().sync_all())
        .with_context(|| format!("writing {}", part.path().display()))?;
    part.persist(path)
        .with_context(|| format!("moving the download to {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;

    /// A gzipped tar holding `files`, as npm packs a package.
    fn tgz(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
        for (name, bytes) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, *bytes).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn the_pins_agree() {
        assert!(TARBALL_URL.ends_with(&format!("/axe-core-{VERSION}.tgz")));
        assert_eq!(TARBALL_SHA512.len(), 128);
        assert!(
            TARBALL_SHA512
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
    }

    #[test]
    fn the_script_is_taken_out_of_the_tarball() {
        let tarball = tgz(&[
            ("package/package.json", b"{}"),
            ("package/axe.min.js", b"window.axe = {};"),
        ]);
        assert_eq!(
            extract(&tarball, SCRIPT_IN_TARBALL).unwrap(),
            b"window.axe = {};"
        );
        let without = tgz(&[("package/axe.js", b"x")]);
        let error = extract(&without, SCRIPT_IN_TARBALL).unwrap_err();
        assert_eq!(error.to_string(), "it has no package/axe.min.js");
        assert!(extract(b"not a tarball", SCRIPT_IN_TARBALL).is_err());
    }

    #[test]
    fn a_changed_download_is_refused() {
        // sha512 of the empty input.
        let empty = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
        verify(b"", empty).unwrap();
        let error = verify(b"tampered", empty).unwrap_err().to_string();
        assert!(
            error.contains(&format!("expected {empty}")) && error.contains("8 bytes"),
            "{error}"
        );
    }

    #[test]
    fn the_script_is_written_whole() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("axe-core-x").join("axe.min.js");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let left: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["axe.min.js"]);
    }
}
