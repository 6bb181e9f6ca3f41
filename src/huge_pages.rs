//! Vectors whose large allocations ask the kernel for huge pages.
//!
//! A million organisations' state is about a gigabyte, read at random: on 4 KB pages nearly
//! every random line is also a miss of the address translation cache and a page-table walk.
//! On Linux, where transparent huge pages are enabled for regions that ask for them
//! (`/sys/kernel/mm/transparent_hugepage/enabled` set to `madvise` or `always`),
//! [`HugeVec`] marks the 2 MB-aligned interior of each large allocation with
//! `madvise(MADV_HUGEPAGE)` before its first write, so the kernel backs it with 2 MB pages.
//! The advice changes where the bytes lie in physical memory, never what they are: results
//! do not depend on it. Small allocations (under [`ADVISE_FROM`] bytes), other systems and
//! kernels that refuse the advice get plain pages, as a `Vec` would.

use std::ops::{Deref, DerefMut};

/// Size of a huge page on x86-64 and most 64-bit ARM kernels.
pub const HUGE_PAGE: usize = 2 << 20;

/// Allocations of at least this many bytes ask for huge pages: any such allocation holds at
/// least one whole aligned huge page, and smaller state fits in the caches anyway.
pub const ADVISE_FROM: usize = 2 * HUGE_PAGE;

/// The 2 MB-aligned interior `[start, end)` of the `bytes` bytes at `addr`, if it holds at
/// least one huge page and the allocation is at least [`ADVISE_FROM`] bytes.
pub fn aligned_interior(addr: usize, bytes: usize) -> Option<(usize, usize)> {
    if bytes < ADVISE_FROM {
        return None;
    }
    let start = addr.checked_add(HUGE_PAGE - 1)? & !(HUGE_PAGE - 1);
    let end = addr.checked_add(bytes)? & !(HUGE_PAGE - 1);
    (end > start).then_some((start, end))
}

/// Asks for huge pages for the aligned interior of `v`'s allocation (its capacity, written or
/// not). Returns whether the kernel accepted the advice (always false off Linux, and for
/// small allocations). Pages already written stay as they are until the kernel's background
/// collapse, so call this before the first write.
pub fn advise<T>(v: &Vec<T>) -> bool {
    let bytes = v.capacity() * std::mem::size_of::<T>();
    match aligned_interior(v.as_ptr() as usize, bytes) {
        Some((start, end)) => madvise_huge(start, end - start),
        None => false,
    }
}

#[cfg(target_os = "linux")]
fn madvise_huge(start: usize, len: usize) -> bool {
    // SAFETY: `[start, start + len)` lies inside a live allocation of this process (the
    // interior of a vector's buffer, page-aligned); MADV_HUGEPAGE changes only how the kernel
    // backs those pages, never their contents, and fails harmlessly where not supported.
    unsafe { libc::madvise(start as *mut libc::c_void, len, libc::MADV_HUGEPAGE) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn madvise_huge(_start: usize, _len: usize) -> bool {
    false
}

/// An empty vector with room for `capacity` elements, advised before anything is written.
fn advised_with_capacity<T>(capacity: usize) -> Vec<T> {
    let v = Vec::with_capacity(capacity);
    advise(&v);
    v
}

/// A `Vec` whose allocations (on creation, on clone and on growth through
/// [`HugeVec::reserve_advised`]) ask for huge pages when large. It reads and writes as the
/// `Vec` it derefs to; growth through the `Vec`'s own methods works too, without the advice
/// for the new allocation.
#[derive(Debug, PartialEq)]
pub struct HugeVec<T>(Vec<T>);

impl<T> Default for HugeVec<T> {
    fn default() -> Self {
        HugeVec(Vec::new())
    }
}

impl<T: Copy> HugeVec<T> {
    /// The elements of `items` in a new advised allocation (the copy costs one pass; `items`
    /// may already be written on plain pages).
    pub fn copied(items: &[T]) -> Self {
        let mut v = advised_with_capacity(items.len());
        v.extend_from_slice(items);
        HugeVec(v)
    }

    /// An empty vector with room for `capacity` elements, advised before anything is
    /// written.
    pub fn with_capacity(capacity: usize) -> Self {
        HugeVec(advised_with_capacity(capacity))
    }

    /// `n` copies of `value`, in an advised allocation.
    pub fn filled(value: T, n: usize) -> Self {
        let mut v = advised_with_capacity(n);
        v.resize(n, value);
        HugeVec(v)
    }

    /// Makes room for `additional` more elements: when the capacity does not suffice, the
    /// elements move to a new advised allocation of at least twice the capacity.
    #[inline]
    pub fn reserve_advised(&mut self, additional: usize) {
        if self.0.capacity() - self.0.len() < additional {
            self.grow(additional);
        }
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, additional: usize) {
        let want = (self.0.len() + additional)
            .max(2 * self.0.capacity())
            .max(4);
        let mut v = advised_with_capacity(want);
        v.extend_from_slice(&self.0);
        self.0 = v;
    }

    /// The vector, without the wrapper.
    pub fn into_inner(self) -> Vec<T> {
        self.0
    }
}

impl<T: Copy> From<Vec<T>> for HugeVec<T> {
    /// Keeps a small vector as it is; moves a large one to an advised allocation.
    fn from(v: Vec<T>) -> Self {
        if v.capacity() * std::mem::size_of::<T>() < ADVISE_FROM {
            HugeVec(v)
        } else {
            HugeVec::copied(&v)
        }
    }
}

impl<T: Copy> FromIterator<T> for HugeVec<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        HugeVec::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<T: Copy> Clone for HugeVec<T> {
    fn clone(&self) -> Self {
        HugeVec::copied(&self.0)
    }

    /// Reuses the target's allocation when it is large enough, as `Vec::clone_from` does;
    /// otherwise copies into a new advised one.
    fn clone_from(&mut self, source: &Self) {
        if self.0.capacity() < source.0.len() {
            *self = source.clone();
        } else {
            self.0.clear();
            self.0.extend_from_slice(&source.0);
        }
    }
}

impl<T> Deref for HugeVec<T> {
    type Target = Vec<T>;

    #[inline(always)]
    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T> DerefMut for HugeVec<T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interior_is_aligned_and_inside() {
        // Too small: nothing, whatever the alignment.
        assert_eq!(aligned_interior(0, ADVISE_FROM - 1), None);
        // Aligned start: the whole huge pages of it.
        assert_eq!(
            aligned_interior(HUGE_PAGE, ADVISE_FROM + 100),
            Some((HUGE_PAGE, 3 * HUGE_PAGE))
        );
        // Unaligned start: from the next boundary to the last one inside.
        let a = 5 * HUGE_PAGE + 16;
        let (s, e) = aligned_interior(a, ADVISE_FROM).unwrap();
        assert_eq!((s, e), (6 * HUGE_PAGE, 7 * HUGE_PAGE));
        assert!(s >= a && e <= a + ADVISE_FROM);
        // Overflowing addresses give nothing rather than wrapping.
        assert_eq!(aligned_interior(usize::MAX - 10, ADVISE_FROM), None);
    }

    #[test]
    fn clones_and_growth_keep_the_elements() {
        let n = ADVISE_FROM / 4 + 3;
        let v: HugeVec<u32> = (0..n as u32).collect();
        assert_eq!(v.len(), n);
        let mut w = HugeVec::filled(7u32, 10);
        w.clone_from(&v);
        assert_eq!(*w, *v);
        let mut big = HugeVec::filled(1u32, n + 5);
        let cap = big.capacity();
        big.clone_from(&v);
        assert_eq!(
            (*big == *v, big.capacity()),
            (true, cap),
            "allocation reused"
        );
        let mut g = HugeVec::copied(&[1u8, 2, 3]);
        for k in 0..10_000u32 {
            g.reserve_advised(1);
            g.push(k as u8);
        }
        assert_eq!(&g[..4], &[1, 2, 3, 0]);
        assert_eq!((g.len(), g[9_999 + 3]), (10_003, (9_999 % 256) as u8));
    }

    /// On Linux with transparent huge pages on `madvise` or `always`, a large vector written
    /// after the advice is backed by huge pages (`AnonHugePages` of the mapping holding its
    /// middle). Where the kernel offers none (`never`, or another system), the advice is
    /// refused and nothing further is checked.
    #[cfg(target_os = "linux")]
    #[test]
    fn large_vectors_get_huge_pages_where_offered() {
        let mode = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
            .unwrap_or_default();
        let offered = mode.contains("[madvise]") || mode.contains("[always]");
        let v = HugeVec::filled(1u64, (16 << 20) / 8);
        if offered {
            assert!(advise(&v), "advice refused although offered ({mode})");
            let middle = v.as_ptr() as usize + (8 << 20);
            let kb = anon_huge_kb_at(middle).expect("mapping in smaps");
            // Compaction may fall short on a fragmented machine; at least a quarter of the
            // 16 MB should be on huge pages.
            assert!(kb >= 4096, "only {kb} kB on huge pages");
        }
    }

    /// `AnonHugePages` of the mapping holding `addr`, from `/proc/self/smaps`.
    #[cfg(target_os = "linux")]
    fn anon_huge_kb_at(addr: usize) -> Option<u64> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
        let mut inside = false;
        for line in smaps.lines() {
            let first = line.split_whitespace().next().unwrap_or("");
            if let Some((lo, hi)) = first.split_once('-') {
                let lo = usize::from_str_radix(lo, 16);
                let hi = usize::from_str_radix(hi, 16);
                if let (Ok(lo), Ok(hi)) = (lo, hi) {
                    inside = (lo..hi).contains(&addr);
                    continue;
                }
            }
            if inside {
                if let Some(rest) = line.strip_prefix("AnonHugePages:") {
                    return rest.trim().trim_end_matches("kB").trim().parse().ok();
                }
            }
        }
        None
    }
}
