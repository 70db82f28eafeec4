//! The memory this machine has available: the default budget of the large allocations (EASE's
//! movie × movie matrices), checked before they are made.

/// The memory available now (Linux: `MemAvailable` in `/proc/meminfo`); `None` elsewhere.
pub fn available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
