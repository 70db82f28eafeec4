//! `--out`: the weights file written atomically. It is claimed before any work (a temporary file
//! beside the target), filled and moved over the target once complete; an existing file is
//! untouched until then.

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The `--out` weights file, claimed before any work: a temporary file in the target's folder
/// (never the target itself) that [`OutFile::commit`] fills and moves over the target. Dropped
/// uncommitted (an error, an early return), the temporary file is removed; an existing target is
/// untouched until the new file is complete.
pub struct OutFile {
    target: PathBuf,
    temp: tempfile::NamedTempFile,
}

impl OutFile {
    /// Creates the target's folder and a temporary file in it: an --out that cannot be written
    /// fails here.
    pub fn prepare(target: &Path) -> Result<OutFile> {
        let shown = target.display();
        let Some(name) = target.file_name() else {
            bail!("--out {shown}: name a file, not a folder");
        };
        if target.is_dir() {
            bail!("--out {shown} is a folder: name a file");
        }
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).with_context(|| {
            format!("--out {shown}: cannot create the folder {}", dir.display())
        })?;
        let prefix = format!(".{}.", name.to_string_lossy());
        remove_leftovers(dir, &prefix);
        let temp = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".partial")
            .tempfile_in(dir)
            .with_context(|| format!("--out {shown}: cannot write in {}", dir.display()))?;
        Ok(OutFile {
            target: target.to_path_buf(),
            temp,
        })
    }

    /// Writes `bytes` to the temporary file, syncs it and renames it over the target.
    pub fn commit(self, bytes: &[u8]) -> Result<()> {
        let OutFile { target, mut temp } = self;
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

/// Removes the temporary files of earlier runs for the same target that were killed before
/// they could clean up (`.NAME.XXXXXX.partial`).
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
