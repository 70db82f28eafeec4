//! Test helpers shared by the data layer's tests (and a few others in the crate): a temporary
//! folder, the real MovieLens folder, and a small ml-100k release or an ml-latest-small movie
//! list and ratings written into a folder.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{DataError, DataSource, Dataset, DatasetName};

/// A fresh empty folder under the system temp dir; removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "trainer-test-{}-{tag}-{n}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }

    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The real MovieLens folder (kept here for the tests that import it with the other helpers).
pub use super::movielens_dir;

/// `u.genre` of the small ml-100k release ([`ml100k`]), with a trailing blank line.
pub const GENRE: &str = "unknown|0\nAction|1\nComedy|2\n\n";
/// `u.item` (latin-1): a title with trailing spaces, one without year, the "unknown" movie.
pub const ITEM: &[u8] = b"1|Toy Story (1995)|01-Jan-1995||http://x|0|0|1\n\
    2|Caf\xe9 Society (1995) |01-Jan-1995||http://x|0|1|1\n\
    3|Land Before Time III (1995) (V)|01-Jan-1997||http://x|0|0|1\n\
    4|unknown||||1|0|0\n";
pub const USER: &str = "1|24|M|technician|85711\n2|53|F|other|94043\n";
pub const DATA: &str = "1\t1\t5\t100\n2\t1\t3\t200\n2\t2\t4\t150\n";

/// Writes a small ml-100k release into `tmp/ml-100k` with `data` as its `u.data`.
pub fn ml100k(tmp: &TempDir, data: &[u8]) {
    tmp.write("ml-100k/u.genre", GENRE);
    tmp.write("ml-100k/u.item", ITEM);
    tmp.write("ml-100k/u.user", USER);
    tmp.write("ml-100k/u.data", data);
}

/// Writes `movies.csv` and `ratings.csv` of an ml-latest-small release into
/// `tmp/ml-latest-small`.
pub fn ml_latest_small(tmp: &TempDir, movies: impl AsRef<[u8]>, ratings: impl AsRef<[u8]>) {
    tmp.write("ml-latest-small/movies.csv", movies);
    tmp.write("ml-latest-small/ratings.csv", ratings);
}

/// Loads release `name` from the folder `tmp`.
pub fn load(tmp: &TempDir, name: DatasetName) -> Result<Dataset, DataError> {
    Dataset::load(&DataSource::Dir(tmp.path().to_path_buf()), name)
}
