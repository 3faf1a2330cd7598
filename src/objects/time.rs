//! Kubernetes timestamps (RFC 3339, `2024-03-01T12:00:00Z`, optionally with
//! a fraction and an offset) read as Unix seconds, the unit every `*_time`
//! and `*_created` family is served in.

use serde::{Deserialize, Deserializer, de::Error};
use std::fmt;

/// A point in time in Unix seconds, or absent: half the size of an
/// `Option<f64>` (absent is NaN, which no timestamp parses to), for the
/// records that hold several of them (a pod's conditions and container
/// states).
#[derive(Clone, Copy, PartialEq)]
pub struct Timestamp(f64);

impl Timestamp {
    pub const ABSENT: Timestamp = Timestamp(f64::NAN);

    pub fn get(self) -> Option<f64> {
        (!self.0.is_nan()).then_some(self.0)
    }
}

impl Default for Timestamp {
    fn default() -> Self {
        Timestamp::ABSENT
    }
}

impl From<Option<f64>> for Timestamp {
    fn from(seconds: Option<f64>) -> Self {
        seconds.map_or(Timestamp::ABSENT, Timestamp)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_timestamp(deserializer).map(Timestamp::from)
    }
}

/// Seconds since the Unix epoch, or `None` when the field was absent.
pub(crate) fn deserialize_timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<f64>, D::Error> {
    let Some(text) = Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)? else {
        return Ok(None);
    };
    parse_rfc3339(&text)
        .map(Some)
        .ok_or_else(|| D::Error::custom(format!("invalid timestamp {text:?}")))
}

pub(crate) fn parse_rfc3339(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let mut rest = &text[19..];
    let mut fraction = 0.0;
    if let Some(after_dot) = rest.strip_prefix('.') {
        let digits = after_dot.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        fraction = format!("0.{}", &after_dot[..digits]).parse().ok()?;
        rest = &after_dot[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let hours: i64 = rest[1..3].parse().ok()?;
            let minutes: i64 = rest[4..6].parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(seconds as f64 + fraction)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse_rfc3339;

    #[test]
    fn reads_kubernetes_timestamps() {
        // Values checked with `date -u -d ... +%s`.
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_rfc3339("2021-01-22T10:15:30Z"), Some(1_611_310_530.0));
        assert_eq!(parse_rfc3339("2000-02-29T23:59:59Z"), Some(951_868_799.0));
        assert_eq!(
            parse_rfc3339("2021-01-22T10:15:30.250000Z"),
            Some(1_611_310_530.25)
        );
        assert_eq!(
            parse_rfc3339("2021-01-22T12:15:30+02:00"),
            Some(1_611_310_530.0)
        );
    }

    #[test]
    fn rejects_what_is_not_a_timestamp() {
        for bad in [
            "",
            "yesterday",
            "2021-13-01T00:00:00Z",
            "2021-01-22T10:15:30",
            "2021-01-22T10:15:30.",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }
}
