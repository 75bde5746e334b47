//! Buffers of many megabytes that are about to be written whole (an inflated project.xml):
//! allocated as usual, and on Linux advised to be backed by transparent huge pages.
//!
//! Fresh anonymous memory costs a page fault per 4 KiB page touched: 3 000 faults (each
//! zeroing its page) for the 12 MB project.xml of the 2 000-track benchmark, about 5 ms of a
//! run, where the inflating itself takes 1.5 ms. With `MADV_HUGEPAGE` a fault maps a 2 MiB
//! page at once (machines whose `transparent_hugepage/enabled` is `madvise`, the common
//! default, give huge pages only to memory advised so). Only the 2 MiB-aligned pages wholly
//! inside the buffer are advised, so the advice never covers memory the buffer does not own
//! whole, and a buffer written whole makes as much memory resident with huge pages as without.

/// Buffers at least this long are advised: they hold at least one whole aligned huge page.
const ADVISED_FROM: usize = 4 << 20;

/// An empty `Vec` with room for `capacity` bytes, advised to be backed by huge pages when it
/// is at least 4 MiB (on Linux; elsewhere a plain `Vec::with_capacity`). The caller is about
/// to fill it whole: advised memory that is touched sparsely takes 2 MiB per page touched.
pub fn with_capacity(capacity: usize) -> Vec<u8> {
    let buffer = Vec::with_capacity(capacity);
    if capacity >= ADVISED_FROM {
        advise_huge_pages(&buffer);
    }
    buffer
}

/// Zeroes `buf` and hands its whole pages back to the system (on Linux, `MADV_DONTNEED`:
/// they read as zeros again and take no memory until written), for a part of a buffer
/// whose content was moved elsewhere ([`crate::formats::dawproject::FileParts::read`]).
pub fn release(buf: &mut [u8]) {
    const PAGE: usize = 4096;
    let start = buf.as_ptr() as usize;
    let (first, last) = (
        start.next_multiple_of(PAGE),
        (start + buf.len()) / PAGE * PAGE,
    );
    if last <= first {
        buf.fill(0);
        return;
    }
    buf[..first - start].fill(0);
    buf[last - start..].fill(0);
    #[cfg(target_os = "linux")]
    // SAFETY: [first, last) are whole pages of `buf`, which this function borrows mutably;
    // MADV_DONTNEED on private anonymous memory (a heap allocation) makes them read as zeros
    // from now on, which is what the caller asks for; nothing else refers to them.
    let released = unsafe {
        libc::madvise(
            first as *mut libc::c_void,
            last - first,
            libc::MADV_DONTNEED,
        ) == 0
    };
    #[cfg(not(target_os = "linux"))]
    let released = false;
    if !released {
        buf[first - start..last - start].fill(0);
    }
}

#[cfg(target_os = "linux")]
fn advise_huge_pages(buffer: &Vec<u8>) {
    const HUGE: usize = 2 << 20;
    let start = buffer.as_ptr() as usize;
    let end = start + buffer.capacity();
    let (first, last) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
    if last > first {
        // SAFETY: madvise only advises the kernel on how to back [first, last), pages of
        // this buffer's own allocation; it neither maps nor frees memory, and MADV_HUGEPAGE
        // leaves their contents as they are. A refusal (a kernel without transparent huge
        // pages) leaves the memory as it was, so the result is ignored.
        unsafe {
            libc::madvise(
                first as *mut libc::c_void,
                last - first,
                libc::MADV_HUGEPAGE,
            );
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_: &Vec<u8>) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_big_buffer_holds_what_is_written_into_it() {
        let mut b = with_capacity(9 << 20);
        assert!(b.is_empty() && b.capacity() >= 9 << 20);
        b.extend((0..9usize << 20).map(|i| (i % 251) as u8));
        assert!(b.iter().enumerate().all(|(i, &x)| x == (i % 251) as u8));
        assert_eq!(with_capacity(10).capacity(), 10);
    }

    #[test]
    fn a_released_part_reads_as_zeros_and_the_rest_is_kept() {
        let mut b: Vec<u8> = (0..(3usize << 20)).map(|i| (i % 251) as u8 | 1).collect();
        let (from, to) = (12_345, (2 << 20) + 777);
        release(&mut b[from..to]);
        assert!(b[from..to].iter().all(|&x| x == 0));
        assert!(b[..from].iter().chain(&b[to..]).all(|&x| x != 0));
        let mut small = [7u8; 100];
        release(&mut small[10..20]);
        assert_eq!(small.iter().filter(|&&x| x == 0).count(), 10);
    }
}
