//! The body's content coding: chosen per request from `Accept-Encoding`,
//! applied to each chunk on the render worker that rendered it, and framed
//! (gzip's header and trailer) where the chunks are sent in order.

use super::{ClientGone, Sink, gzip};
use bytes::Bytes;
use crc32fast::Hasher as Crc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
}

impl Encoding {
    /// gzip when it is `enabled` and an `Accept-Encoding` value lists gzip
    /// (or `*`) with a non-zero q-value; identity otherwise.
    pub fn negotiate<'a>(
        enabled: bool,
        accept_encoding: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let accepted = accept_encoding
            .into_iter()
            .flat_map(|v| v.split(','))
            .any(|coding| {
                let mut parts = coding.split(';').map(str::trim);
                let name = parts.next().unwrap_or_default();
                let q = parts
                    .find_map(|p| p.strip_prefix("q="))
                    .map_or(1.0, |q| q.parse().unwrap_or(0.0));
                (name.eq_ignore_ascii_case("gzip") || name == "*") && q > 0.0
            });
        if enabled && accepted {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    /// The `Content-Encoding` header's value, if any.
    pub fn content_encoding(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
        }
    }

    /// Encodes one chunk of rendered text, on the thread that rendered it.
    /// The encoded bytes keep `hold` (the chunk's render-budget token) until
    /// they are dropped; the text is freed as soon as it is compressed.
    pub fn encode(self, text: Vec<u8>, hold: impl Send + 'static) -> Chunk {
        let text_len = text.len();
        let (bytes, crc) = match self {
            Encoding::Identity => (text, None),
            Encoding::Gzip => {
                let (compressed, crc) = gzip::deflate(&text);
                (compressed, Some(crc))
            }
        };
        Chunk {
            bytes: Bytes::from_owner(Held { bytes, _hold: hold }),
            text_len,
            crc,
        }
    }
}

/// One chunk of a body in its encoding, with what the body's framing
/// needs of the text it encodes.
pub struct Chunk {
    bytes: Bytes,
    text_len: usize,
    /// The text's CRC-32 (gzip only), combined into the trailer's.
    crc: Option<Crc>,
}

/// Encoded bytes and what must live exactly as long as they do.
struct Held<T> {
    bytes: Vec<u8>,
    _hold: T,
}

impl<T> AsRef<[u8]> for Held<T> {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

/// Writes a body's chunks to a sink in order, inside the framing of their
/// encoding, and counts the text they encode.
pub struct Body<'s, 'a> {
    sink: &'s mut Sink<'a>,
    text_len: usize,
    /// The CRC-32 of the text so far, for gzip's trailer.
    crc: Option<Crc>,
}

impl<'s, 'a> Body<'s, 'a> {
    /// Starts the body (gzip's header).
    pub fn start(encoding: Encoding, sink: &'s mut Sink<'a>) -> Result<Self, ClientGone> {
        let crc = match encoding {
            Encoding::Identity => None,
            Encoding::Gzip => {
                sink(Bytes::from_static(&gzip::HEADER))?;
                Some(Crc::new())
            }
        };
        Ok(Body {
            sink,
            text_len: 0,
            crc,
        })
    }

    /// Sends the next chunk.
    pub fn write(&mut self, chunk: Chunk) -> Result<(), ClientGone> {
        self.text_len += chunk.text_len;
        if let (Some(total), Some(crc)) = (&mut self.crc, &chunk.crc) {
            total.combine(crc);
        }
        (self.sink)(chunk.bytes)
    }

    /// Ends the body (gzip's trailer) and returns the length of its text.
    pub fn finish(self) -> Result<usize, ClientGone> {
        if let Some(crc) = &self.crc {
            (self.sink)(Bytes::copy_from_slice(&gzip::trailer(crc, self.text_len)))?;
        }
        Ok(self.text_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_chosen_when_enabled_and_not_refused() {
        let cases: &[(&[&str], Encoding)] = &[
            (&["gzip"], Encoding::Gzip),
            (&["deflate, gzip;q=0.5"], Encoding::Gzip),
            (&["GZIP"], Encoding::Gzip),
            (&["*"], Encoding::Gzip),
            (&["identity", "gzip"], Encoding::Gzip),
            (&["gzip;q=0"], Encoding::Identity),
            (&["identity"], Encoding::Identity),
            (&[], Encoding::Identity),
        ];
        for (values, want) in cases {
            assert_eq!(
                Encoding::negotiate(true, values.iter().copied()),
                *want,
                "Accept-Encoding: {values:?}"
            );
        }
        assert_eq!(Encoding::negotiate(false, ["gzip"]), Encoding::Identity);
    }
}
