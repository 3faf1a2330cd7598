//! Hints that memory will be read soon, so the render loop does not wait
//! on a cache miss for every record it visits. A no-op where the target
//! has no stable prefetch instruction.

const CACHE_LINE: usize = 64;

/// Every cache line of a record (not what it points to).
#[inline(always)]
pub fn record<T>(value: &T) {
    let start = (value as *const T).cast::<u8>();
    let mut offset = 0;
    while offset < size_of::<T>() {
        line(start.wrapping_add(offset));
        offset += CACHE_LINE;
    }
}

/// Every cache line of an array elsewhere on the heap (its elements, not
/// what they point to).
#[inline(always)]
pub fn slice<T>(values: &[T]) {
    let start = values.as_ptr().cast::<u8>();
    let mut offset = 0;
    while offset < size_of_val(values) {
        line(start.wrapping_add(offset));
        offset += CACHE_LINE;
    }
}

#[inline(always)]
fn line(address: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it never faults, whatever the
    // address, and changes nothing the program can observe.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(address.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}
