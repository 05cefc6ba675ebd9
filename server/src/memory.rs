//! Allocator settings for the whole process, applied first thing in `main`.

/// Allocations at least this big are mapped from the system and given back
/// the moment they are freed.
const MMAP_THRESHOLD: i32 = 1 << 20;

/// Keeps large blocks out of glibc's arenas. argon2id takes a ~19 MiB block
/// per hash, on whichever blocking thread runs it. glibc maps a block that
/// size only until the first one is freed; then it raises its threshold to
/// that size, and later blocks come from per-thread arenas that keep the
/// memory once freed. Measured with hashing already limited to one per
/// core: 100 sign-ups one after another took the server from 16 to 227 MiB,
/// and a burst of 100 logins to 613 MiB, kept for good. A fixed threshold
/// turns the adjustment off (docs/PERFORMANCE.md, "Login bursts").
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; it is called
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}
