//! IP addresses as pods report them: an IPv4 address, nearly every pod's,
//! kept as its four bytes in the record; any other text kept as it came.

use super::Str;
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::Deref;

/// An address as the API server wrote it, and read back exactly.
///
/// A pod's IP is its own: kept as text it would be an interned string, an
/// allocation and a slot in the interner (about 60 bytes a pod) whose bytes
/// lie away from the record, a cache miss on every scrape that writes it.
/// An IPv4 address written as Rust's parser reads it (dotted decimal
/// without leading zeros, the only form Kubernetes writes) is kept as four
/// bytes and written back byte for byte; any other text is kept as text.
/// Both fit the 16 bytes of a `Str`.
#[derive(Clone, PartialEq, Eq)]
pub enum IpText {
    V4(Ipv4Addr),
    Text(Str),
}

impl IpText {
    pub fn new(text: &str) -> IpText {
        match text.parse::<Ipv4Addr>() {
            Ok(v4) if &*Dotted::of(v4) == text => IpText::V4(v4),
            _ => IpText::Text(Str::new(text)),
        }
    }

    /// The address as it was written.
    pub fn text(&self) -> IpLabel<'_> {
        match self {
            IpText::V4(v4) => IpLabel::V4(Dotted::of(*v4)),
            IpText::Text(text) => IpLabel::Text(text),
        }
    }

    /// `"4"` or `"6"`, as kube-state-metrics names the family of a pod IP:
    /// Go's `netip.ParseAddr` and then `Unmap`, so an IPv4-mapped IPv6
    /// address (`::ffff:10.1.2.3`, however written) is family 4, and a zone
    /// is allowed on IPv6 only (`fe80::1%eth0`). `None` when the text is not
    /// an address.
    pub fn family(&self) -> Option<&'static str> {
        let text = match self {
            IpText::V4(_) => return Some("4"),
            IpText::Text(text) => text,
        };
        let address = match text.split_once('%') {
            Some((v6, zone)) if !zone.is_empty() => IpAddr::V6(v6.parse::<Ipv6Addr>().ok()?),
            Some(_) => return None,
            None => text.parse().ok()?,
        };
        Some(match address {
            IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => "6",
            _ => "4",
        })
    }
}

impl Default for IpText {
    fn default() -> Self {
        IpText::Text(Str::default())
    }
}

impl fmt::Debug for IpText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.text(), f)
    }
}

impl<'de> Deserialize<'de> for IpText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <Cow<'de, str>>::deserialize(deserializer)?;
        Ok(IpText::new(&text))
    }
}

/// An address's text for a label, on the stack when it was kept as bytes.
pub enum IpLabel<'a> {
    V4(Dotted),
    Text(&'a str),
}

impl Deref for IpLabel<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            IpLabel::V4(dotted) => dotted,
            IpLabel::Text(text) => text,
        }
    }
}

/// An IPv4 address in dotted decimal, at most 15 bytes. Written digit by
/// digit: this runs twice per pod per scrape (`kube_pod_info`,
/// `kube_pod_ips`), where `Display` would go through the formatter.
pub struct Dotted {
    bytes: [u8; 15],
    len: usize,
}

impl Dotted {
    fn of(v4: Ipv4Addr) -> Dotted {
        let mut dotted = Dotted {
            bytes: [0; 15],
            len: 0,
        };
        for (i, octet) in v4.octets().into_iter().enumerate() {
            if i > 0 {
                dotted.push(b'.');
            }
            if octet >= 100 {
                dotted.push(b'0' + octet / 100);
            }
            if octet >= 10 {
                dotted.push(b'0' + octet / 10 % 10);
            }
            dotted.push(b'0' + octet % 10);
        }
        dotted
    }

    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }
}

impl Deref for Dotted {
    type Target = str;
    fn deref(&self) -> &str {
        // Only ASCII digits and dots are ever pushed.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_read_back_exactly_as_written() {
        // Every octet value in each position, and texts that parse as
        // something else or not at all, which must stay text.
        for octet in 0..=255u8 {
            for at in 0..4 {
                let mut octets = [10, 244, 1, 7];
                octets[at] = octet;
                let text = Ipv4Addr::from(octets).to_string();
                let ip = IpText::new(&text);
                assert!(matches!(ip, IpText::V4(_)), "{text}");
                assert_eq!(&*ip.text(), text);
            }
        }
        for text in [
            "",
            "010.1.2.3",
            "10.1.2",
            "10.1.2.3 ",
            "10.1.2.256",
            "fd00::7",
            "::ffff:10.1.2.3",
            "not-an-ip",
        ] {
            let ip = IpText::new(text);
            assert!(matches!(ip, IpText::Text(_)), "{text}");
            assert_eq!(&*ip.text(), text);
        }
        assert_eq!(size_of::<IpText>(), size_of::<Str>());
    }

    #[test]
    fn families_are_named_as_go_parses_and_unmaps() {
        let cases = [
            ("10.244.1.7", Some("4")),
            ("fd00:10:244::7", Some("6")),
            ("::ffff:10.1.2.3", Some("4")),
            ("::FFFF:a01:203", Some("4")),
            ("0:0:0:0:0:ffff:10.1.2.3", Some("4")),
            ("64:ff9b::10.1.2.3", Some("6")),
            ("fe80::1%eth0", Some("6")),
            ("fe80::1%", None),
            ("10.1.2.3%eth0", None),
            ("010.1.2.3", None),
            ("", None),
            ("not-an-ip", None),
        ];
        for (text, family) in cases {
            assert_eq!(IpText::new(text).family(), family, "{text}");
        }
    }
}
