//! The absolute times delivery records write, read to Unix seconds: RFC
//! 3339 / ISO 8601 with `Z` or an offset, `YYYY-MM-DD HH:MM:SS` without
//! one (read as UTC), and Unix seconds with an optional fraction.
//!
//! A small parser rather than a date crate: these three shapes are all the
//! readers need, it reads bytes in place (no allocation, a few ns a time,
//! where a general parser validates time zones and calendars we never
//! use), and it adds no dependency. Leap seconds are not represented (a
//! `:60` second reads as the next minute's `:00`).

/// Unix seconds of a time in one of the shapes above; None for anything
/// else (a record with such a time is skipped, never guessed).
pub fn parse(text: &[u8]) -> Option<f64> {
    let text = text.trim_ascii();
    if text.is_empty() {
        return None;
    }
    let is_date = text.len() >= 10 && text[4] == b'-' && text[7] == b'-';
    if is_date {
        parse_date_time(text)
    } else {
        unix_seconds(text)
    }
}

/// `1764680528` or `1764680528.25`: digits, an optional fraction.
fn unix_seconds(text: &[u8]) -> Option<f64> {
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let ok = match text.iter().position(|&b| b == b'.') {
        Some(dot) => digits(&text[..dot]) && (dot + 1 == text.len() || digits(&text[dot + 1..])),
        None => digits(text),
    };
    if !ok {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse::<f64>().ok()
}

/// `YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH[:]MM|±HH]`, or a bare date.
fn parse_date_time(t: &[u8]) -> Option<f64> {
    let year = number(&t[0..4])? as i64;
    let month = number(&t[5..7])?;
    let day = number(&t[8..10])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut seconds = (days_from_civil(year, month, day) * 86_400) as f64;
    let rest = &t[10..];
    if rest.is_empty() {
        return Some(seconds);
    }
    if !matches!(rest[0], b'T' | b't' | b' ') || rest.len() < 6 || rest[3] != b':' {
        return None;
    }
    let hour = number(&rest[1..3])?;
    let minute = number(&rest[4..6])?;
    let mut at = 6;
    let mut second = 0.0;
    if rest.get(at) == Some(&b':') {
        let whole = number(rest.get(at + 1..at + 3)?)?;
        at += 3;
        let mut frac_end = at;
        if rest.get(at) == Some(&b'.') || rest.get(at) == Some(&b',') {
            frac_end = at + 1;
            while rest.get(frac_end).is_some_and(u8::is_ascii_digit) {
                frac_end += 1;
            }
            if frac_end == at + 1 {
                return None;
            }
        }
        second = whole as f64 + fraction(&rest[at..frac_end]);
        at = frac_end;
    }
    if hour > 24 || minute > 59 || second >= 61.0 || (hour == 24 && (minute > 0 || second > 0.0)) {
        return None;
    }
    seconds += (hour * 3600 + minute * 60) as f64 + second;
    Some(seconds - offset(&rest[at..])? as f64)
}

/// The zone's offset from UTC in seconds: none or `Z` is UTC.
fn offset(zone: &[u8]) -> Option<i64> {
    let zone = zone.strip_prefix(b" ").unwrap_or(zone);
    match zone {
        [] | [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [h1, h2] => (number(&[*h1, *h2])?, 0),
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => {
                    (number(&[*h1, *h2])?, number(&[*m1, *m2])?)
                }
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let s = (h * 3600 + m * 60) as i64;
            Some(if *sign == b'-' { -s } else { s })
        }
        _ => None,
    }
}

/// `.25` → 0.25 (the bytes after the dot, at most nanoseconds kept).
fn fraction(dot_digits: &[u8]) -> f64 {
    let mut value = 0.0;
    let mut scale = 0.1;
    for &d in dot_digits.iter().skip(1).take(9) {
        value += f64::from(d - b'0') * scale;
        scale /= 10.0;
    }
    value
}

fn number(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0')),
    )
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (the well-known
/// era-based civil-calendar computation).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn the_documented_shapes_read_to_the_same_instant() {
        // 2026-12-02T13:42:08Z is 1796218928 Unix seconds.
        let t = 1_796_218_928.0;
        for text in [
            "2026-12-02T13:42:08Z",
            "2026-12-02T13:42:08z",
            "2026-12-02T13:42:08+00:00",
            "2026-12-02T22:42:08+09:00",
            "2026-12-02T22:42:08+0900",
            "2026-12-02T22:42:08+09",
            "2026-12-02T08:42:08-05:00",
            "2026-12-02 13:42:08",
            "2026-12-02 13:42:08 +0000",
            "1796218928",
            " 1796218928.0 ",
        ] {
            assert_eq!(parse(text.as_bytes()), Some(t), "{text}");
        }
        assert_eq!(parse(b"2026-12-02T13:42:08.250Z"), Some(t + 0.25));
        assert_eq!(parse(b"1796218928.5"), Some(t + 0.5));
        assert_eq!(
            parse(b"2026-12-02"),
            Some(t - 13.0 * 3600.0 - 42.0 * 60.0 - 8.0)
        );
        assert_eq!(parse(b"1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse(b"2024-02-29 00:00:00"), Some(1_709_164_800.0));
    }

    #[test]
    fn anything_else_is_none_never_a_guess() {
        for text in [
            "",
            "yesterday",
            "2026-13-01 00:00:00",
            "2026-02-30 00:00:00",
            "2025-02-29 00:00:00",
            "2026-12-02 25:00:00",
            "2026-12-02 13:61:00",
            "2026-12-02T13:42:08+25:00",
            "2026-12-02T13:42:08 PST",
            "2026-12-02T13:42:08.Z",
            "02/12/2026 13:42",
            "1.5e9",
            "-5",
            "NaN",
            "inf",
        ] {
            assert_eq!(parse(text.as_bytes()), None, "{text}");
        }
    }
}
