//! `--out`: the weights file written atomically. It is claimed before any work (a lock beside the
//! target, then a temporary file there), filled and moved over the target once complete; an
//! existing file is untouched until then, and one that is not a model file is replaced only
//! with `--force`.

use anyhow::{Context, Result, bail};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use trainer::claim::{Claim, claim};

/// The `--out` weights file, claimed before any work: a temporary file in the target's folder
/// (never the target itself) that [`OutFile::commit`] fills and moves over the target. Dropped
/// uncommitted (an error, an early return), the temporary file is removed; an existing target is
/// untouched until the new file is complete.
pub struct OutFile {
    target: PathBuf,
    temp: tempfile::NamedTempFile,
    /// Held until the file is committed or dropped: a second run on the same `--out` is refused.
    _claim: Claim,
}

impl OutFile {
    /// Creates the target's folder, claims the target (`.NAME.lock` beside it) and creates a
    /// temporary file beside it: an --out that cannot be written, that another run is writing,
    /// or that holds something other than a model (unless `force`) fails here.
    pub fn prepare(target: &Path, force: bool) -> Result<OutFile> {
        let shown = target.display();
        let Some(name) = target.file_name() else {
            bail!("--out {shown}: name a file, not a folder");
        };
        if target.is_dir() {
            bail!("--out {shown} is a folder: name a file");
        }
        // Asked of the path first: opening a pipe to read its start would wait for a writer.
        if target.exists() && !target.is_file() {
            bail!(
                "--out {shown} is not a regular file (a device, a pipe or a socket): name a file"
            );
        }
        if !force && target.exists() && !is_model_file(target) {
            bail!(
                "--out {shown} exists and is not a model file (it does not start with \"MOVIEREC\"): it is left as it is; pass --force to replace it"
            );
        }
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).with_context(|| {
            format!("--out {shown}: cannot create the folder {}", dir.display())
        })?;
        let prefix = format!(".{}.", name.to_string_lossy());
        let claim = claim(
            &dir.join(format!("{prefix}lock")),
            &format!("--out {shown}"),
        )?;
        // Claimed: any temporary file for this target is a dead run's.
        remove_leftovers(dir, &prefix);
        let temp = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".partial")
            .tempfile_in(dir)
            .with_context(|| format!("--out {shown}: cannot write in {}", dir.display()))?;
        Ok(OutFile {
            target: target.to_path_buf(),
            temp,
            _claim: claim,
        })
    }

    /// Writes `bytes` to the temporary file, syncs it and renames it over the target.
    pub fn commit(self, bytes: &[u8]) -> Result<()> {
        let OutFile {
            target,
            mut temp,
            _claim,
        } = self;
        let shown = target.display();
        temp.write_all(bytes)
            .and_then(|()| temp.as_file().sync_all())
            .with_context(|| format!("--out {shown}: writing {}", temp.path().display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Temporary files are private (0600); keep the replaced file's mode, else 0644.
            let mode =
                std::fs::metadata(&target).map_or(0o644, |meta| meta.permissions().mode() & 0o7777);
            temp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(mode))
                .with_context(|| format!("--out {shown}: setting permissions"))?;
        }
        temp.persist(&target)
            .map_err(|err| err.error)
            .with_context(|| format!("--out {shown}: replacing the file"))?;
        eprintln!("Wrote {shown} ({} bytes)", bytes.len());
        Ok(())
    }
}

/// Whether `path` starts with a model file's magic bytes.
fn is_model_file(path: &Path) -> bool {
    let mut start = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut start))
        .is_ok_and(|()| [shared::format::MAGIC, shared::format::TAIL_MAGIC].contains(&&start))
}

/// Removes the temporary files of earlier runs for the same target that were killed before
/// they could clean up (`.NAME.XXXXXX.partial`); called only by the run that holds the claim.
fn remove_leftovers(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(prefix)
            && name.ends_with(".partial")
            && std::fs::remove_file(entry.path()).is_ok()
        {
            eprintln!(
                "Removed {}, left by an interrupted run",
                entry.path().display()
            );
        }
    }
}
