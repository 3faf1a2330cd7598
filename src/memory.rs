//! Giving freed memory back to the system as soon as the exporter goes
//! idle, rather than when jemalloc's decay gets to it.
//!
//! A scrape's chunk buffers and compressors, and a list's decoding, free
//! their memory when they end, but jemalloc keeps freed pages resident for
//! `dirty_decay_ms` (a second, set in `main.rs`) in case they are wanted
//! again. Between Prometheus' scrapes they are not: at 30,000 pods they
//! were 16 MB still resident right after a scrape. Purging when the last
//! scrape or a list ends gives them back at once; during a scrape nothing
//! is purged, so its buffers are reused as before.

/// Returns the freed pages of every jemalloc arena to the system. Without
/// jemalloc as the global allocator (the library's tests), the arenas it
/// purges are empty and this does nothing.
pub fn return_freed_pages() {
    // MALLCTL_ARENAS_ALL: the name of every arena at once.
    const PURGE_ALL_ARENAS: &std::ffi::CStr = c"arena.4096.purge";
    // SAFETY: `arena.<i>.purge` is a void control: it reads and writes
    // nothing through the null pointers.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            PURGE_ALL_ARENAS.as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        );
    }
}
