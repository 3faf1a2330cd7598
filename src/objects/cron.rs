//! CronJob schedules, read as kube-state-metrics v2.20 reads them (its cron
//! library's standard parser): five fields (minute, hour, day of month,
//! month, day of week) or a descriptor (`@daily`, `@every 90m`, …), with the
//! CronJob's time zone in front as `CRON_TZ=`. The next run is computed once
//! when the object is decoded: it depends only on the object's fields.
//!
//! Differences from that parser kept on purpose: time zones are UTC (and
//! its aliases), which is what a schedule without `spec.timeZone` means in
//! kube-state-metrics' image, and the fixed `Etc/GMT±N` zones; for any other
//! named zone the next run is unknown (no series) rather than guessed.

/// Go's zero `time.Time` as Unix seconds: what kube-state-metrics serves
/// when no run falls within the search window.
const GO_ZERO_TIME: f64 = -62_135_596_800.0;
/// How many years ahead a run is searched for, as the cron library does.
const SEARCH_YEARS: i64 = 5;

/// What a schedule says about the next run.
#[derive(Debug, PartialEq)]
pub(crate) enum Next {
    /// Unix seconds of the next run.
    At(f64),
    /// The schedule does not parse (`kube_cronjob_schedule_invalid`).
    Invalid,
    /// It parses, but in a named time zone kubestate does not resolve.
    UnknownZone,
}

/// The next run strictly after `after` (Unix seconds).
pub(crate) fn next(schedule: &str, time_zone: Option<&str>, after: f64) -> Next {
    let Ok((spec, offset)) = parse(schedule, time_zone) else {
        return Next::Invalid;
    };
    let Some(offset) = offset else {
        return Next::UnknownZone;
    };
    Next::At(match spec {
        Spec::Every(seconds) => after.floor() + seconds as f64,
        Spec::Fields(fields) => fields
            .next_after(after.floor() as i64 + offset)
            .map_or(GO_ZERO_TIME, |t| (t - offset) as f64),
    })
}

/// Whether the schedule parses (for schedules of suspended CronJobs and
/// CronJobs with no time to start from).
pub(crate) fn is_valid(schedule: &str, time_zone: Option<&str>) -> bool {
    parse(schedule, time_zone).is_ok()
}

enum Spec {
    Fields(Fields),
    /// `@every`: a fixed delay, in whole seconds.
    Every(i64),
}

/// One bit per allowed value.
struct Fields {
    minute: u64,
    hour: u64,
    dom: u64,
    month: u64,
    dow: u64,
}

struct Invalid;

/// The schedule and the zone's offset from UTC in seconds (`None` for a
/// named zone kubestate does not resolve).
fn parse(schedule: &str, time_zone: Option<&str>) -> Result<(Spec, Option<i64>), Invalid> {
    let mut spec = schedule;
    let mut zone = time_zone.map(str::to_owned);
    // The exporter puts `CRON_TZ=<zone> ` in front; a schedule that carries
    // its own prefix then fails on its second one, as it does upstream.
    if zone.is_none() {
        for prefix in ["TZ=", "CRON_TZ="] {
            if let Some(rest) = spec.strip_prefix(prefix) {
                let (name, after) = rest.split_once(' ').ok_or(Invalid)?;
                let name = name
                    .strip_prefix('"')
                    .and_then(|n| n.strip_suffix('"'))
                    .or_else(|| name.strip_prefix('\'').and_then(|n| n.strip_suffix('\'')))
                    .unwrap_or(name);
                zone = Some(name.to_owned());
                spec = after.trim();
                if spec.is_empty() {
                    return Err(Invalid);
                }
                break;
            }
        }
    }
    let offset = match zone.as_deref() {
        None => Some(0),
        Some(name) => zone_offset(name)?,
    };
    if spec.is_empty() || spec.len() > 1024 {
        return Err(Invalid);
    }
    if spec.starts_with('@') {
        return Ok((descriptor(spec)?, offset));
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    let [minute, hour, dom, month, dow] = fields[..] else {
        return Err(Invalid);
    };
    let fields = Fields {
        minute: field(minute, &MINUTES)?,
        hour: field(hour, &HOURS)?,
        dom: field(dom, &DOM)?,
        month: field(month, &MONTHS)?,
        dow: normalize_dow(field(dow, &DOW)?),
    };
    Ok((Spec::Fields(fields), offset))
}

/// `Some(offset)` for UTC and fixed zones, `None` for other valid-looking
/// names, an error for names the cron library refuses outright.
fn zone_offset(name: &str) -> Result<Option<i64>, Invalid> {
    let valid_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+' | ':');
    if name.is_empty() || name.len() > 64 || !name.chars().all(valid_char) {
        return Err(Invalid);
    }
    const UTC: [&str; 12] = [
        "UTC",
        "Etc/UTC",
        "UCT",
        "Etc/UCT",
        "GMT",
        "Etc/GMT",
        "Etc/GMT+0",
        "Etc/GMT-0",
        "Etc/GMT0",
        "Universal",
        "Etc/Universal",
        "Zulu",
    ];
    if UTC.contains(&name) || name == "Etc/Zulu" || name == "GMT0" {
        return Ok(Some(0));
    }
    // POSIX signs: Etc/GMT+5 is five hours behind UTC.
    if let Some(hours) = name.strip_prefix("Etc/GMT") {
        let behind = |h: &str| h.parse::<i64>().ok().filter(|h| (1..=14).contains(h));
        return match (hours.strip_prefix('+'), hours.strip_prefix('-')) {
            (Some(h), _) if behind(h).is_some_and(|h| h <= 12) => {
                Ok(Some(-behind(h).unwrap_or(0) * 3600))
            }
            (_, Some(h)) if behind(h).is_some() => Ok(Some(behind(h).unwrap_or(0) * 3600)),
            _ => Err(Invalid),
        };
    }
    Ok(None)
}

fn descriptor(spec: &str) -> Result<Spec, Invalid> {
    let all = |b: &Bounds| bits(b.min, b.max, 1);
    let fields = |hour, dom, month, dow| {
        Spec::Fields(Fields {
            minute: 1,
            hour,
            dom,
            month,
            dow,
        })
    };
    Ok(match spec {
        "@yearly" | "@annually" => fields(1, 1 << 1, 1 << 1, all(&DOW)),
        "@monthly" => fields(1, 1 << 1, all(&MONTHS), all(&DOW)),
        "@weekly" => fields(1, all(&DOM), all(&MONTHS), 1),
        "@daily" | "@midnight" => fields(1, all(&DOM), all(&MONTHS), all(&DOW)),
        "@hourly" => fields(all(&HOURS), all(&DOM), all(&MONTHS), all(&DOW)),
        _ => {
            let duration = spec.strip_prefix("@every ").ok_or(Invalid)?;
            let seconds = go_duration_seconds(duration).ok_or(Invalid)?;
            // Below a second is refused; the delay counts in whole seconds.
            if seconds < 1.0 {
                return Err(Invalid);
            }
            Spec::Every(seconds as i64)
        }
    })
}

/// A Go duration (`1h30m`, `90s`, `1.5h`) in seconds.
fn go_duration_seconds(text: &str) -> Option<f64> {
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.is_empty() || rest.starts_with('-') {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * scale;
    }
    Some(total)
}

struct Bounds {
    min: u32,
    max: u32,
    names: &'static [(&'static str, u32)],
}

const MINUTES: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: Bounds = Bounds {
    min: 0,
    max: 23,
    names: &[],
};
const DOM: Bounds = Bounds {
    min: 1,
    max: 31,
    names: &[],
};
const MONTHS: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("may", 5),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
    ],
};
/// 0 and 7 are both Sunday.
const DOW: Bounds = Bounds {
    min: 0,
    max: 7,
    names: &[
        ("sun", 0),
        ("mon", 1),
        ("tue", 2),
        ("wed", 3),
        ("thu", 4),
        ("fri", 5),
        ("sat", 6),
    ],
};

fn normalize_dow(bits: u64) -> u64 {
    (bits & 0x7f) | ((bits >> 7) & 1)
}

/// A comma-separated list of `*`, `?`, `n`, `a-b`, each with an optional
/// `/step`; ranges may wrap (`22-2`, `fri-mon`).
fn field(text: &str, b: &Bounds) -> Result<u64, Invalid> {
    let mut out = 0;
    for expr in text.split(',').filter(|e| !e.is_empty()) {
        out |= range(expr, b)?;
    }
    Ok(out)
}

fn range(expr: &str, b: &Bounds) -> Result<u64, Invalid> {
    let mut parts = expr.split('/');
    let low_high: Vec<&str> = parts.next().unwrap_or_default().split('-').collect();
    let step_text = parts.next();
    if parts.next().is_some() {
        return Err(Invalid);
    }
    let (start, mut end) = match low_high[..] {
        ["*" | "?", ..] => (b.min, b.max),
        [one] => {
            let n = number(one, b)?;
            (n, n)
        }
        [low, high] => (number(low, b)?, number(high, b)?),
        _ => return Err(Invalid),
    };
    let step = match step_text {
        None => 1,
        Some(step) => {
            if low_high.len() == 1 {
                end = b.max;
            }
            step.parse::<u32>().map_err(|_| Invalid)?
        }
    };
    if start < b.min || end > b.max || step == 0 {
        return Err(Invalid);
    }
    let size = if start > end {
        (b.max - start + 1) + (end - b.min + 1)
    } else {
        end - start + 1
    };
    if step > 1 && step >= size {
        return Err(Invalid);
    }
    if start <= end {
        return Ok(bits(start, end, step));
    }
    let span = b.max - b.min + 1;
    let mut out = 0;
    let mut i = start;
    while i <= end + span {
        let value = if i > b.max {
            (i - b.min) % span + b.min
        } else {
            i
        };
        out |= 1 << value;
        i += step;
    }
    Ok(out)
}

fn number(text: &str, b: &Bounds) -> Result<u32, Invalid> {
    let lower = text.to_ascii_lowercase();
    if let Some((_, n)) = b.names.iter().find(|(name, _)| *name == lower) {
        return Ok(*n);
    }
    text.strip_prefix('+')
        .unwrap_or(text)
        .parse::<u32>()
        .map_err(|_| Invalid)
}

fn bits(low: u32, high: u32, step: u32) -> u64 {
    (low..=high)
        .step_by(step as usize)
        .fold(0, |acc, i| acc | 1 << i)
}

impl Fields {
    /// The first whole minute strictly after `t` (seconds, in the zone's
    /// wall time) that matches, within the search window.
    fn next_after(&self, t: i64) -> Option<i64> {
        let start = t.div_euclid(60) * 60 + 60;
        let (year, ..) = civil(start.div_euclid(86_400));
        let mut day = start.div_euclid(86_400);
        let mut first = start.rem_euclid(86_400);
        loop {
            let (y, month, dom) = civil(day);
            if y > year + SEARCH_YEARS {
                return None;
            }
            // Day 0 (1970-01-01) was a Thursday.
            let dow = (day + 4).rem_euclid(7) as u32;
            let day_matches = self.month & 1 << month != 0
                && self.dom & 1 << dom != 0
                && self.dow & 1 << dow != 0;
            if day_matches {
                for hour in first / 3600..24 {
                    if self.hour & 1 << hour == 0 {
                        continue;
                    }
                    let from = if hour == first / 3600 {
                        first % 3600 / 60
                    } else {
                        0
                    };
                    if let Some(minute) = (from..60).find(|m| self.minute & 1 << m != 0) {
                        return Some(day * 86_400 + hour * 3600 + minute * 60);
                    }
                }
            }
            day += 1;
            first = 0;
        }
    }
}

/// Year, month and day of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::{GO_ZERO_TIME, Next, is_valid, next};

    // 2026-01-01T00:00:00Z, a Thursday.
    const T0: f64 = 1_767_225_600.0;
    const H: f64 = 3600.0;
    const D: f64 = 86_400.0;

    #[test]
    fn five_field_schedules() {
        for (schedule, after, want) in [
            ("* * * * *", T0, T0 + 60.0),
            ("* * * * *", T0 + 30.0, T0 + 60.0),
            ("*/15 * * * *", T0 + 60.0, T0 + 900.0),
            ("0 * * * *", T0, T0 + H),
            ("30 2 * * *", T0, T0 + 2.0 * H + 1800.0),
            ("0 0 * * mon", T0, T0 + 4.0 * D),
            ("0 0 * * 7", T0, T0 + 3.0 * D),
            ("0 0 1 * *", T0, T0 + 31.0 * D),
            ("0 0 1 feb *", T0, T0 + 31.0 * D),
            ("0 22-2/2 * * *", T0, T0 + 2.0 * H),
            ("15,45 9-17 * * 1-5", T0, T0 + 9.0 * H + 900.0),
            // Day of month and day of week must both match: Friday the 2nd.
            ("0 0 2 * fri", T0, T0 + D),
            ("@hourly", T0 + 1.0, T0 + H),
            ("@daily", T0, T0 + D),
            ("@weekly", T0, T0 + 3.0 * D),
            ("@monthly", T0, T0 + 31.0 * D),
            ("@yearly", T0, 1_798_761_600.0),
            ("@every 1h30m", T0 + 10.5, T0 + 10.0 + 1.5 * H),
        ] {
            assert_eq!(next(schedule, None, after), Next::At(want), "{schedule}");
        }
    }

    #[test]
    fn time_zones() {
        assert_eq!(
            next("0 3 * * *", Some("Etc/UTC"), T0),
            Next::At(T0 + 3.0 * H)
        );
        // Etc/GMT+5 is UTC-5: 03:00 there is 08:00 UTC.
        assert_eq!(
            next("0 3 * * *", Some("Etc/GMT+5"), T0),
            Next::At(T0 + 8.0 * H)
        );
        assert_eq!(
            next("CRON_TZ=UTC 0 3 * * *", None, T0),
            Next::At(T0 + 3.0 * H)
        );
        assert_eq!(
            next("0 3 * * *", Some("Europe/Paris"), T0),
            Next::UnknownZone
        );
        assert_eq!(next("0 3 * * *", Some("Bad Zone"), T0), Next::Invalid);
    }

    #[test]
    fn no_run_in_five_years_is_the_zero_time() {
        assert_eq!(next("0 0 30 feb *", None, T0), Next::At(GO_ZERO_TIME));
    }

    #[test]
    fn invalid_schedules() {
        for bad in [
            "",
            "* * * *",
            "* * * * * *",
            "60 * * * *",
            "0 */24 * * *",
            "*/60 * * * *",
            "0 0 0 * *",
            "0 0 * 13 *",
            "0 0 * * 8",
            "0 0 L * *",
            "0 0 * * mon#1",
            "H * * * *",
            "@reboot",
            "@every 500ms",
            "@every",
            "1-2-3 * * * *",
            "*/0 * * * *",
        ] {
            assert!(!is_valid(bad, None), "{bad:?} should be invalid");
        }
        assert!(is_valid("0 0 * * SUN-sat", None));
        assert!(is_valid("0 */23 * * *", None));
    }
}
