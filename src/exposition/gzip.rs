//! One gzip stream (RFC 1952) made of chunks compressed apart, as pigz
//! makes it, so the render workers compress in parallel and every client
//! decodes the result, not only those that read multi-member gzip.
//!
//! Each chunk is raw deflate from a reset compressor, ended by a sync flush
//! (an empty stored block, byte-aligned, with no final-block bit), so the
//! chunks concatenate into one deflate stream. The stream around them is a
//! fixed header, an empty final block, and the trailer: the CRC-32 of the
//! whole text, combined from the chunks' own, and its length mod 2^32.

use flate2::{Compress, Compression, Crc, FlushCompress};
use std::sync::Mutex;

/// Deflate, no flags, no modification time, compressed by the fastest
/// method (XFL 4, as `gzip -1` marks it), OS unknown.
pub const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff];

/// A fixed-Huffman block with the final-block bit and only end-of-block:
/// it ends the deflate stream the sync-flushed chunks leave open.
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];

/// The end of the stream: the final block, then the whole text's CRC-32
/// and length mod 2^32, little-endian.
pub fn trailer(text: &Crc) -> [u8; 10] {
    let mut trailer = [0; 10];
    trailer[..2].copy_from_slice(&FINAL_BLOCK);
    trailer[2..6].copy_from_slice(&text.sum().to_le_bytes());
    trailer[6..].copy_from_slice(&text.amount().to_le_bytes());
    trailer
}

/// Level 1 of zlib-rs: its quick strategy is several times faster than
/// level 2 for a body that shrinks about as much.
const LEVEL: u32 = 1;

/// A compressor and the buffer it writes into. Setting one up costs about
/// a third of compressing a chunk, so they are kept for reuse.
struct Deflater {
    compress: Compress,
    out: Vec<u8>,
}

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
    let mut deflater = lock().pop().unwrap_or_else(|| Deflater {
        compress: Compress::new(Compression::new(LEVEL), false),
        out: Vec::with_capacity(OUT_KEPT / 2),
    });
    let compressed = deflater.run(text);
    lock().push(deflater);
    let mut crc = Crc::new();
    crc.update(text);
    (compressed, crc)
}

fn lock() -> std::sync::MutexGuard<'static, Vec<Deflater>> {
    // A list of idle deflaters, each reset before use: a panic elsewhere
    // cannot leave it half-changed.
    DEFLATERS.lock().unwrap_or_else(|e| e.into_inner())
}

impl Deflater {
    fn run(&mut self, text: &[u8]) -> Vec<u8> {
        self.compress.reset();
        self.out.clear();
        loop {
            let consumed = self.compress.total_in() as usize;
            // Compressing into a Vec's spare capacity; zlib-rs reports only
            // misuse (a stream error), which this loop does not do.
            let _ =
                self.compress
                    .compress_vec(&text[consumed..], &mut self.out, FlushCompress::Sync);
            // The flush is complete once all input is in and the output
            // was not filled up.
            if self.compress.total_in() as usize == text.len()
                && self.out.len() < self.out.capacity()
            {
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
        for piece in pieces {
            let (compressed, crc) = deflate(piece);
            stream.extend_from_slice(&compressed);
            whole.combine(&crc);
        }
        stream.extend_from_slice(&trailer(&whole));
        stream
    }

    /// flate2's own single-shot gzip of `text`.
    fn single_shot(text: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), Compression::fast());
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

    #[test]
    fn an_incompressible_chunk_grows_the_buffer_and_still_decodes() {
        // A xorshift sequence: deflate cannot shrink it, so the output
        // outgrows the buffer's first capacity.
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let noise: Vec<u8> = (0..OUT_KEPT)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        assert_eq!(
            gunzip(&assemble(&[&noise, &noise])),
            [&noise[..], &noise[..]].concat()
        );
    }
}
