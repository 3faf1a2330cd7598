//! Go's duration syntax (`time.ParseDuration`), which kube-state-metrics'
//! `--server-*-timeout` flags take: `60s`, `1m30s`, `1.5h`, `250ms`.

use std::time::Duration;

/// `None` for a zero duration, which Go's `http.Server` reads as "no
/// timeout". Negative durations are refused rather than read as zero.
pub fn parse_go_duration(text: &str) -> Result<Option<Duration>, String> {
    let bad = || format!("{text:?} is not a duration (such as 60s, 1m30s, 500ms)");
    if text == "0" {
        return Ok(None);
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let (number, tail) = rest.split_at(number_end);
        if number.is_empty() || number == "." {
            return Err(bad());
        }
        let value: f64 = number.parse().map_err(|_| bad())?;
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_end);
        let seconds = match unit {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += value * seconds;
        rest = next;
    }
    Ok((total > 0.0).then(|| Duration::from_secs_f64(total)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse() {
        let d = |text| parse_go_duration(text).unwrap();
        assert_eq!(d("60s"), Some(Duration::from_secs(60)));
        assert_eq!(d("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(d("5m"), Some(Duration::from_secs(300)));
        assert_eq!(d("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(d("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(d("0"), None);
        assert_eq!(d("0s"), None);
    }

    #[test]
    fn other_text_is_refused() {
        for text in ["", "60", "1x", "s", "-5s", "1m30", "5 s", ".s"] {
            assert!(parse_go_duration(text).is_err(), "{text:?}");
        }
    }
}
