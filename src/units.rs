//! Units of the scenario language: durations ("90s", "5m", "72h"), rates
//! ("200/s") and simulated time, all as integer nanoseconds.
//!
//! `timestamp` reads absolute wall-clock times (RFC 3339, Unix seconds).
pub mod timestamp;

use std::fmt;

/// Simulated time and durations, in integer nanoseconds.
pub type Nanos = u64;

pub const NANOS_PER_SEC: u64 = 1_000_000_000;
pub const NANOS_PER_MIN: u64 = 60 * NANOS_PER_SEC;
pub const NANOS_PER_HOUR: u64 = 60 * NANOS_PER_MIN;
pub const NANOS_PER_DAY: u64 = 24 * NANOS_PER_HOUR;
/// A month for churn rates: 30 days, as `docs/model.md` §11 writes c·L/30 days.
pub const NANOS_PER_MONTH: u64 = 30 * NANOS_PER_DAY;

/// Why a unit string did not parse; the caller adds file, line and key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("expected {expected}; {hint}")]
pub struct UnitError {
    pub expected: String,
    pub hint: String,
}

impl UnitError {
    fn new(expected: impl Into<String>, hint: impl Into<String>) -> Self {
        UnitError {
            expected: expected.into(),
            hint: hint.into(),
        }
    }
}

const DURATION_HINT: &str =
    "write a number with a unit: ms, s, m (minutes), h, d, w or y, e.g. \"90s\", \"5m\", \"72h\"";

/// A year: 365.25 days.
pub const NANOS_PER_YEAR: u64 = 365 * NANOS_PER_DAY + NANOS_PER_DAY / 4;
/// Longest duration written anywhere (exclusive): 500 years
/// (docs/limits.md; `scenario::limits` lists it with the other bounds).
pub const MAX_DURATION: Nanos = 500 * NANOS_PER_YEAR;

/// The duration units docs/scenario.md lists, and exactly these: other
/// spellings (`min`, `us`, `M`, `month`) are refused with a hint.
const DURATION_UNITS: [(&str, u64); 7] = [
    ("ms", 1_000_000),
    ("s", NANOS_PER_SEC),
    ("m", NANOS_PER_MIN),
    ("h", NANOS_PER_HOUR),
    ("d", NANOS_PER_DAY),
    ("w", 7 * NANOS_PER_DAY),
    ("y", NANOS_PER_YEAR),
];

/// Parses a non-negative duration such as "90s", "1h 30m", "1.5s" or
/// "250ms": one or more terms, each a number (decimals allowed) and one of
/// the units ms, s, m (minutes), h, d, w, y (365.25 days). Below
/// `MAX_DURATION` (500 years).
pub fn parse_duration(text: &str) -> Result<Nanos, UnitError> {
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(UnitError::new(
            format!("a non-negative duration, got \"{text}\""),
            "durations cannot be negative; use \"0s\" for none",
        ));
    }
    if trimmed.is_empty() {
        return Err(UnitError::new(
            "a duration, got an empty string",
            DURATION_HINT,
        ));
    }
    if trimmed.parse::<f64>().is_ok() {
        return Err(UnitError::new(
            format!("a duration with a unit, got \"{text}\""),
            DURATION_HINT,
        ));
    }
    let mut rest = trimmed;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_end);
        let after = after.trim_start();
        let unit_end = after
            .find(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_end);
        rest = after.trim_start();
        if number.is_empty() || unit.is_empty() {
            return Err(UnitError::new(
                format!("a duration, got \"{text}\" (each number needs a unit after it)"),
                DURATION_HINT,
            ));
        }
        let Some(&(_, scale)) = DURATION_UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(UnitError::new(
                format!(
                    "a duration in ms, s, m, h, d, w or y, got the unit \"{unit}\" in \"{text}\""
                ),
                unit_hint(unit),
            ));
        };
        let Some(nanos) = term_nanos(number, scale) else {
            return Err(UnitError::new(
                format!("a duration, got the number \"{number}\" in \"{text}\""),
                DURATION_HINT,
            ));
        };
        total += nanos;
        if total >= u128::from(MAX_DURATION) {
            return Err(UnitError::new(
                format!("a duration below 500 years, got \"{text}\""),
                "see docs/limits.md",
            ));
        }
    }
    Ok(total as Nanos)
}

/// `number` (digits, at most one decimal point) times `scale` nanoseconds,
/// rounded to the nearest nanosecond; None if it is not such a number.
fn term_nanos(number: &str, scale: u64) -> Option<u128> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 20 {
        // Far beyond any bound, and no overflow when added.
        return Some(u128::MAX / 2);
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    // Digits beyond the 18th are below 1e-18 of a unit: far below 1 ns.
    let fraction = &fraction[..fraction.len().min(18)];
    let denominator = 10u128.pow(fraction.len() as u32);
    let numerator: u128 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().ok()?
    };
    let scale = u128::from(scale);
    Some(whole * scale + (numerator * scale + denominator / 2) / denominator)
}

/// What to write instead of a unit that is not one of ms, s, m, h, d, w, y.
fn unit_hint(unit: &str) -> String {
    let instead = match unit {
        "M" | "mo" | "mon" | "month" | "months" | "mth" => {
            return "`m` is minutes and months are not a unit (their length varies): write days or weeks, e.g. \"60d\" or \"8w\"".into();
        }
        "us" | "µs" | "μs" | "usec" | "ns" | "nsec" => {
            return "the smallest unit is ms: write a decimal, e.g. \"0.09ms\" for 90 µs".into();
        }
        "msec" | "msecs" | "millis" => "ms",
        "sec" | "secs" | "second" | "seconds" | "S" => "s",
        "min" | "mins" | "minute" | "minutes" => "m",
        "hr" | "hrs" | "hour" | "hours" | "H" => "h",
        "day" | "days" | "D" => "d",
        "week" | "weeks" | "wk" | "W" => "w",
        "yr" | "yrs" | "year" | "years" | "Y" => "y",
        _ => return DURATION_HINT.into(),
    };
    format!("write \"{instead}\": the units are ms, s, m (minutes), h, d, w and y")
}

/// Parses an event rate such as "200/s", "30/min" or "1000/h" into events
/// per second.
pub fn parse_rate(text: &str) -> Result<f64, UnitError> {
    let hint = "write a count per time unit, e.g. \"200/s\", \"30/min\" or \"5000/h\"";
    let Some((count, per)) = text.split_once('/') else {
        return Err(UnitError::new(
            format!("a rate like \"200/s\", got \"{text}\""),
            hint,
        ));
    };
    let count: f64 = count.trim().parse().map_err(|_| {
        UnitError::new(
            format!("a number before '/', got \"{}\"", count.trim()),
            hint,
        )
    })?;
    if !count.is_finite() || count < 0.0 {
        return Err(UnitError::new(
            format!("a non-negative rate, got \"{text}\""),
            "rates cannot be negative",
        ));
    }
    let per = per.trim();
    let seconds = match per {
        "s" | "sec" | "second" => 1.0,
        "m" | "min" | "minute" => 60.0,
        "h" | "hour" => 3600.0,
        "d" | "day" => 86_400.0,
        _ => {
            return Err(UnitError::new(
                format!("a time unit after '/', got \"{per}\""),
                hint,
            ));
        }
    };
    Ok(count / seconds)
}

/// Parses a clock time of day "HH:MM" into nanoseconds after midnight.
pub fn parse_time_of_day(text: &str) -> Result<Nanos, UnitError> {
    let hint = "write a 24-hour clock time such as \"07:30\"";
    let bad = || UnitError::new(format!("a time of day \"HH:MM\", got \"{text}\""), hint);
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let h: u64 = h.parse().map_err(|_| bad())?;
    let m: u64 = m.parse().map_err(|_| bad())?;
    if h > 24 || m > 59 || (h == 24 && m > 0) {
        return Err(bad());
    }
    Ok(h * NANOS_PER_HOUR + m * NANOS_PER_MIN)
}

/// A count with its noun, singular for one: "1 replication", "2
/// replications" (`noun` is the singular; its plural adds an s).
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    match n.into() {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

/// `x` with `decimals` decimals, thousands separated by commas, with its
/// sign when `sign`.
pub fn grouped(x: f64, decimals: usize, sign: bool) -> String {
    let text = match sign {
        true => format!("{x:+.decimals$}"),
        false => format!("{x:.decimals$}"),
    };
    let (head, tail) = text.split_at(text.find('.').unwrap_or(text.len()));
    let (sign, digits) = head.split_at(head.find(|c: char| c.is_ascii_digit()).unwrap_or(0));
    let mut out = String::from(sign);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out + tail
}

/// Human form of a duration for reports: "850ms", "12.3s", "4.5m", "2.0h".
pub struct Human(pub Nanos);

impl fmt::Display for Human {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0 as f64;
        let s = n / NANOS_PER_SEC as f64;
        let text = if self.0 == 0 {
            "0s".to_string()
        } else if s < 1.0 {
            format!("{:.0}ms", n / 1e6)
        } else if s < 100.0 {
            format!("{s:.1}s")
        } else if s < 6000.0 {
            format!("{:.1}m", s / 60.0)
        } else if s < 3.0 * 86_400.0 {
            format!("{:.1}h", s / 3600.0)
        } else {
            format!("{:.1}d", s / 86_400.0)
        };
        f.pad(&text)
    }
}

/// Human form of a rate in events per second: the count per the first of
/// s, min, h, d that makes it at least 1, to 6 significant digits ("30/s",
/// "1/d", "2.5/h").
pub struct HumanRate(pub f64);

impl fmt::Display for HumanRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let per = [(1.0, "s"), (60.0, "min"), (3600.0, "h"), (86_400.0, "d")];
        let (count, unit) = per
            .iter()
            .map(|(seconds, unit)| (self.0 * seconds, *unit))
            .find(|(count, _)| *count >= 1.0)
            .unwrap_or((self.0 * 86_400.0, "d"));
        let text = if count > 0.0 && count < 1e-3 {
            format!("{count:.3e}")
        } else {
            let digits = (5 - count.log10().floor().clamp(-3.0, 5.0) as i32) as usize;
            let fixed = format!("{count:.digits$}");
            match fixed.contains('.') {
                true => fixed
                    .trim_end_matches('0')
                    .trim_end_matches('.')
                    .to_string(),
                false => fixed,
            }
        };
        f.pad(&format!("{text}/{unit}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_amounts_read_naturally() {
        assert_eq!(count(1u32, "replication"), "1 replication");
        assert_eq!(count(2u32, "provider"), "2 providers");
        assert_eq!(grouped(1012187.4, 0, false), "1,012,187");
        assert_eq!(grouped(-41833.0, 0, true), "-41,833");
        assert_eq!(grouped(1.966, 2, true), "+1.97");
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("90s").unwrap(), 90 * NANOS_PER_SEC);
        assert_eq!(parse_duration("5m").unwrap(), 5 * NANOS_PER_MIN);
        assert_eq!(parse_duration("72h").unwrap(), 72 * NANOS_PER_HOUR);
        assert_eq!(parse_duration("250ms").unwrap(), 250_000_000);
        assert_eq!(parse_duration("1.5s").unwrap(), 1_500_000_000);
        assert_eq!(parse_duration("1h 30m").unwrap(), 90 * NANOS_PER_MIN);
        assert_eq!(parse_duration("0s").unwrap(), 0);
    }

    #[test]
    fn bad_durations_explain_themselves() {
        assert!(parse_duration("-5s").unwrap_err().hint.contains("negative"));
        assert!(parse_duration("90").unwrap_err().expected.contains("unit"));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn rates_parse_per_unit() {
        assert_eq!(parse_rate("200/s").unwrap(), 200.0);
        assert_eq!(parse_rate("30/min").unwrap(), 0.5);
        assert_eq!(parse_rate("3600/h").unwrap(), 1.0);
        assert!(parse_rate("200").is_err());
        assert!(parse_rate("-1/s").is_err());
        assert!(parse_rate("5/fortnight").is_err());
    }

    #[test]
    fn rates_print_in_a_unit_that_keeps_them_short() {
        assert_eq!(HumanRate(30.0).to_string(), "30/s");
        assert_eq!(HumanRate(1.0 / 86_400.0).to_string(), "1/d");
        assert_eq!(HumanRate(2.5 / 3600.0).to_string(), "2.5/h");
        assert_eq!(HumanRate(0.5).to_string(), "30/min");
        assert_eq!(HumanRate(1e6).to_string(), "1000000/s");
        assert_eq!(HumanRate(123.456789).to_string(), "123.457/s");
        assert_eq!(HumanRate(1e-300).to_string(), "8.640e-296/d");
    }

    #[test]
    fn time_of_day() {
        assert_eq!(
            parse_time_of_day("07:30").unwrap(),
            7 * NANOS_PER_HOUR + 30 * NANOS_PER_MIN
        );
        assert!(parse_time_of_day("25:00").is_err());
    }

    #[test]
    fn human_durations() {
        assert_eq!(Human(1_500_000_000).to_string(), "1.5s");
        assert_eq!(Human(250_000_000).to_string(), "250ms");
        assert_eq!(Human(3 * NANOS_PER_HOUR).to_string(), "3.0h");
    }
}

#[cfg(test)]
mod year_tests {
    use super::*;

    #[test]
    fn a_year_is_365_25_days_and_m_is_minutes() {
        assert_eq!(
            parse_duration("1y").unwrap(),
            365 * NANOS_PER_DAY + NANOS_PER_DAY / 4
        );
        assert_eq!(NANOS_PER_YEAR, parse_duration("1y").unwrap());
        assert_eq!(parse_duration("1m").unwrap(), 60 * NANOS_PER_SEC);
    }
}
