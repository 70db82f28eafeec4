//! The memory this machine has available: the default budget of the large allocations (EASE's
//! movie × movie matrices), checked before they are made.

/// The memory available now (Linux: `MemAvailable` in `/proc/meminfo`); `None` elsewhere.
pub fn available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// A size as a person reads it: "3.2 GB", "45 MB", "600 KB" (decimal units, as
/// `--max-memory-gb` counts).
pub fn in_words(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.0} MB", b / 1e6)
    } else {
        format!("{:.0} KB", (b / 1e3).ceil())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_words_never_round_to_nothing() {
        assert_eq!(in_words(3_240_000_000), "3.2 GB");
        assert_eq!(in_words(45_400_000), "45 MB");
        assert_eq!(in_words(1_000_000), "1 MB");
        assert_eq!(in_words(600), "1 KB");
    }
}
