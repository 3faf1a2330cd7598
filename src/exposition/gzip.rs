//! One gzip stream (RFC 1952) made of chunks compressed apart, as pigz
//! makes it, so the render workers compress in parallel and every client
//! decodes the result, not only those that read multi-member gzip.
//!
//! Each chunk is raw deflate from a reset ISA-L (igzip) compressor, ended
//! by a sync flush (an empty stored block, byte-aligned, with no final-block
//! bit), so the chunks concatenate into one deflate stream. The stream
//! around them is a fixed header, an empty final block, and the trailer:
//! the CRC-32 of the whole text, combined from the chunks' own, and its
//! length mod 2^32.

use crc32fast::Hasher as Crc;
use isal_sys::igzip_lib as isal;
use std::sync::Mutex;

/// Deflate, no flags, no modification time, compressed by the fastest
/// method (XFL 4, as `gzip -1` marks it), OS unknown.
pub const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff];

/// A fixed-Huffman block with the final-block bit and only end-of-block:
/// it ends the deflate stream the sync-flushed chunks leave open.
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];

/// The end of the stream: the final block, then the whole text's CRC-32
/// and length mod 2^32, little-endian.
pub fn trailer(text: &Crc, text_len: usize) -> [u8; 10] {
    let mut trailer = [0; 10];
    trailer[..2].copy_from_slice(&FINAL_BLOCK);
    trailer[2..6].copy_from_slice(&text.clone().finalize().to_le_bytes());
    trailer[6..].copy_from_slice(&(text_len as u32).to_le_bytes());
    trailer
}

unsafe extern "C" {
    /// ISA-L's CRC-32 of gzip (reflected IEEE polynomial), continuing from
    /// `init`, the CRC of what came before (0 for none). The isal-sys
    /// bindings cover only igzip_lib.h; the function is in the same library.
    fn crc32_gzip_refl(init: u32, buf: *const u8, len: u64) -> u32;
}

/// The CRC-32 of `text`, combinable with the other chunks'.
fn crc32(text: &[u8]) -> Crc {
    // SAFETY: ISA-L reads exactly `len` bytes from `buf`, a live slice.
    let sum = unsafe { crc32_gzip_refl(0, text.as_ptr(), text.len() as u64) };
    Crc::new_with_initial_len(sum, text.len() as u64)
}

/// Level 1 of ISA-L: on a 256.5 MB scrape in 256 KiB chunks, one thread,
/// it took no longer than level 0 (0.24 s against 0.25 to 0.31 s) for
/// 48.6 MB instead of 65.9 MB (zlib-rs' level 1: 0.46 s, 66.5 MB).
const LEVEL: u32 = 1;

/// Level 1's working memory, the size ISA-L suggests by default.
const LEVEL_BUF_SIZE: usize = isal::ISAL_DEF_LVL1_DEFAULT as usize;

/// An ISA-L compressor, its level's working memory and the buffer it writes
/// into. Setting one up allocates about 360 KB, so they are kept for reuse.
struct Deflater {
    /// Boxed: ISA-L's state (82 KB, the history window inside) is large,
    /// and `level_buf` must stay where `stream` points.
    stream: Box<isal::isal_zstream>,
    _level_buf: Box<[u8]>,
    out: Vec<u8>,
}

// SAFETY: the stream's pointers are to its own `_level_buf`, which moves
// with it, and to the input and output of one `run`, set anew by each; no
// other thread holds any of them.
unsafe impl Send for Deflater {}

/// Deflaters not in use. No more exist than chunks were ever compressed at
/// once, whatever the number of scrapes: a chunk is compressed by the
/// worker that rendered it while it holds the chunk's render-budget token,
/// so at most one per token, and one per scrape ending (its `# EOF`).
static DEFLATERS: Mutex<Vec<Deflater>> = Mutex::new(Vec::new());

/// A deflater's buffer is given back to the allocator beyond this (a chunk
/// much larger than usual: one object with huge series).
const OUT_KEPT: usize = super::CHUNK_CAPACITY;

/// Compresses one chunk of text into sync-flushed raw deflate, returned in
/// a buffer of its exact size, with the text's CRC-32.
pub fn deflate(text: &[u8]) -> (Vec<u8>, Crc) {
    let mut deflater = lock().pop().unwrap_or_else(Deflater::new);
    let compressed = deflater.run(text);
    lock().push(deflater);
    (compressed, crc32(text))
}

fn lock() -> std::sync::MutexGuard<'static, Vec<Deflater>> {
    // A list of idle deflaters, each reset before use: a panic elsewhere
    // cannot leave it half-changed.
    DEFLATERS.lock().unwrap_or_else(|e| e.into_inner())
}

impl Deflater {
    fn new() -> Self {
        // SAFETY: all-zero is a valid isal_zstream (integers, arrays and
        // null pointers), which isal_deflate_init then sets up.
        let mut stream: Box<isal::isal_zstream> = Box::new(unsafe { std::mem::zeroed() });
        // SAFETY: `stream` is a live, exclusively borrowed isal_zstream.
        unsafe { isal::isal_deflate_init(&mut *stream) };
        let mut level_buf = vec![0; LEVEL_BUF_SIZE].into_boxed_slice();
        // isal_deflate_reset keeps these: raw deflate (the gzip framing is
        // ours), every chunk sync-flushed and none the last.
        stream.level = LEVEL;
        stream.level_buf = level_buf.as_mut_ptr();
        stream.level_buf_size = LEVEL_BUF_SIZE as u32;
        stream.gzip_flag = isal::IGZIP_DEFLATE as u16;
        stream.flush = isal::SYNC_FLUSH as u16;
        stream.end_of_stream = 0;
        Deflater {
            stream,
            _level_buf: level_buf,
            out: Vec::with_capacity(OUT_KEPT / 2),
        }
    }

    fn run(&mut self, text: &[u8]) -> Vec<u8> {
        // Each chunk starts with no history: the chunks a deflater
        // compresses are not neighbours in any stream.
        // SAFETY: the stream was set up by isal_deflate_init in `new`.
        unsafe { isal::isal_deflate_reset(&mut *self.stream) };
        self.stream.avail_in = 0;
        self.out.clear();
        // ISA-L's lengths are 32-bit: a (never seen) larger chunk goes in
        // by pieces.
        let mut pieces = text.chunks(u32::MAX as usize);
        loop {
            if self.stream.avail_in == 0
                && let Some(piece) = pieces.next()
            {
                // ISA-L only reads the input, whatever the pointer's type.
                self.stream.next_in = piece.as_ptr().cast_mut();
                self.stream.avail_in = piece.len() as u32;
            }
            let spare = self.out.spare_capacity_mut();
            let room = spare.len().min(u32::MAX as usize) as u32;
            self.stream.next_out = spare.as_mut_ptr().cast();
            self.stream.avail_out = room;
            // SAFETY: the stream is set up (new, then reset); its input is
            // a live slice and its output the Vec's spare capacity, `room`
            // bytes long.
            let status = unsafe { isal::isal_deflate(&mut *self.stream) };
            // ISA-L reports only misuse (a bad level, flush or buffer),
            // which this set-up does not do; were it to, the loop would
            // never end, so it stops here.
            assert_eq!(
                status,
                isal::COMP_OK as i32,
                "isal_deflate refused its set-up"
            );
            let written = (room - self.stream.avail_out) as usize;
            // SAFETY: ISA-L wrote these bytes of the spare capacity.
            unsafe { self.out.set_len(self.out.len() + written) };
            // The sync flush is complete once all input is in and the
            // output was not filled up (igzip_lib.h, isal_deflate).
            if self.stream.avail_in == 0 && self.stream.avail_out > 0 && pieces.len() == 0 {
                break;
            }
            self.out.reserve(self.out.capacity().max(4096));
        }
        let compressed = self.out.clone();
        self.out.shrink_to(OUT_KEPT);
        compressed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// Exposition-like text: repetitive, with distinct numbers.
    fn text(lines: usize) -> Vec<u8> {
        (0..lines)
            .map(|i| {
                format!(
                    "kube_pod_info{{namespace=\"ns-{}\",pod=\"web-{i}\"}} 1\n",
                    i % 7
                )
            })
            .collect::<String>()
            .into_bytes()
    }

    /// The stream as the response carries it: header, each piece deflated
    /// apart, then the trailer of the combined CRC.
    fn assemble(pieces: &[&[u8]]) -> Vec<u8> {
        let mut stream = HEADER.to_vec();
        let mut whole = Crc::new();
        let mut len = 0;
        for piece in pieces {
            let (compressed, crc) = deflate(piece);
            stream.extend_from_slice(&compressed);
            whole.combine(&crc);
            len += piece.len();
        }
        stream.extend_from_slice(&trailer(&whole, len));
        stream
    }

    /// flate2's own single-shot gzip of `text`.
    fn single_shot(text: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(text).unwrap();
        encoder.finish().unwrap()
    }

    /// Decodes one gzip member, checking its CRC and length.
    fn gunzip(stream: &[u8]) -> Vec<u8> {
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(stream)
            .read_to_end(&mut text)
            .expect("a valid gzip stream");
        text
    }

    #[test]
    fn chunks_deflated_apart_make_one_stream_like_a_single_shot_gzip() {
        let text = text(40_000);
        let splits: &[&[usize]] = &[&[], &[1], &[100, 101, 70_000], &[text.len() / 2]];
        for cuts in splits {
            let mut pieces = Vec::new();
            let mut start = 0;
            for &cut in cuts.iter() {
                pieces.push(&text[start..cut]);
                start = cut;
            }
            pieces.push(&text[start..]);
            let stream = assemble(&pieces);
            let reference = single_shot(&text);
            assert_eq!(gunzip(&stream), gunzip(&reference), "split at {cuts:?}");
            assert_eq!(gunzip(&stream), text);
            assert_eq!(
                stream[stream.len() - 8..],
                reference[reference.len() - 8..],
                "CRC-32 and length combined from the pieces, split at {cuts:?}"
            );
            assert_eq!(stream[..10], reference[..10], "the header");
        }
    }

    #[test]
    fn an_empty_text_is_a_header_a_final_block_and_a_zero_trailer() {
        let stream = assemble(&[]);
        let reference = single_shot(b"");
        assert_eq!(stream.len(), 20);
        assert_eq!(gunzip(&stream), b"");
        assert_eq!(stream[12..], reference[reference.len() - 8..]);
    }

    #[test]
    fn a_wrong_checksum_or_length_is_refused() {
        let text = text(1000);
        let stream = assemble(&[&text[..500], &text[500..]]);
        for byte in [stream.len() - 8, stream.len() - 1] {
            let mut corrupt = stream.clone();
            corrupt[byte] ^= 1;
            let mut out = Vec::new();
            let decoded = flate2::read::GzDecoder::new(&corrupt[..]).read_to_end(&mut out);
            assert!(decoded.is_err(), "a flipped bit at {byte} went unnoticed");
        }
    }

    /// `len` bytes of a xorshift sequence: deflate cannot shrink them.
    fn noise(len: usize) -> Vec<u8> {
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn chunks_of_every_kind_inflate_back_to_their_text() {
        let window = 1 << isal::ISAL_DEF_MAX_HIST_BITS;
        let kinds: [(&str, Vec<u8>); 6] = [
            ("empty", Vec::new()),
            ("one byte", b"k".to_vec()),
            ("longer than the window", text(3 * window / 40)),
            ("highly repetitive", vec![b'a'; 5 * window]),
            ("random", noise(2 * window)),
            ("random, longer than the buffer kept", noise(OUT_KEPT + 1)),
        ];
        for (kind, chunk) in &kinds {
            assert_eq!(gunzip(&assemble(&[chunk])), *chunk, "{kind} alone");
        }
        // Each chunk after each other, so every kind follows every other in
        // one stream (one deflater after another, or the same one reset).
        let all: Vec<&[u8]> = kinds.iter().map(|(_, chunk)| &chunk[..]).collect();
        let mut pairs = Vec::new();
        for first in &all {
            for second in &all {
                pairs.extend([*first, *second]);
            }
        }
        assert_eq!(gunzip(&assemble(&pairs)), pairs.concat());
    }

    #[test]
    fn an_incompressible_chunk_grows_the_buffer_and_still_decodes() {
        // The compressed output outgrows the buffer's first capacity.
        let noise = noise(OUT_KEPT);
        assert_eq!(
            gunzip(&assemble(&[&noise, &noise])),
            [&noise[..], &noise[..]].concat()
        );
    }
}
