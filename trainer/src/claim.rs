//! Exclusive claims on what a run writes: an `--out` file's temporary copies and a
//! `--checkpoint-dir`. A claim is an operating-system lock on a small lock file, held until the
//! run drops it or dies (the system releases it then), so a second run on the same path is
//! refused by name instead of overwriting the first one's files, and files left by a run that
//! died can be told from a live run's: whoever holds the claim knows no one else is writing.
//! The holder removes the lock file when it lets go; a run that locked a file just removed
//! (it opened it a moment before) sees that the path no longer names what it locked, and
//! tries again.

use anyhow::{Context, Result, bail};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// A held claim; dropping it removes the lock file and releases the lock.
#[derive(Debug)]
pub struct Claim {
    path: PathBuf,
    file: File,
}

impl Drop for Claim {
    fn drop(&mut self) {
        // Removed while still locked: a run that opened it meanwhile finds it gone and retries.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Whether `path` still names the file `file` has open.
fn still_names(path: &Path, file: &File) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(path), file.metadata()) {
            (Ok(named), Ok(open)) => (named.dev(), named.ino()) == (open.dev(), open.ino()),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}

/// Claims `lock` (created if missing) for `what`, the path the lock stands for, as a user would
/// name it ("--out static/model.bin"). Refused while another run holds it.
pub fn claim(lock: &Path, what: &str) -> Result<Claim> {
    loop {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock)
            .with_context(|| format!("{what}: cannot create the lock file {}", lock.display()))?;
        match file.try_lock() {
            Ok(()) if still_names(lock, &file) => {
                return Ok(Claim {
                    path: lock.to_path_buf(),
                    file,
                });
            }
            // Its holder removed it between our open and our lock: take the new one.
            Ok(()) => continue,
            Err(TryLockError::WouldBlock) => bail!(
                "{what} is in use by another trainer run (it holds the lock {}): wait for that run to finish, or choose another path",
                lock.display()
            ),
            Err(TryLockError::Error(error)) => {
                return Err(error)
                    .with_context(|| format!("{what}: cannot lock {}", lock.display()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join(".lock");
        let first = claim(&lock, "--checkpoint-dir run").unwrap();
        let refused = claim(&lock, "--checkpoint-dir run")
            .unwrap_err()
            .to_string();
        assert!(
            refused.starts_with("--checkpoint-dir run is in use by another trainer run"),
            "{refused}"
        );
        drop(first);
        assert!(!lock.exists(), "the holder removes its lock file");
        assert!(claim(&lock, "--checkpoint-dir run").is_ok());
    }
}
