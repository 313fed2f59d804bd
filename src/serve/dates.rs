//! Calendar dates for what the live endpoints write: SMPP receipt dates
//! (`YYMMDDhhmm`) and Twilio's RFC 2822 dates, in UTC. Written out (Howard
//! Hinnant's civil-from-days) rather than pulling in a date crate for two
//! formats.

use crate::units::Nanos;

/// `YYMMDDhhmm` (or with seconds) of simulated time `t`, counted from
/// `epoch_unix` (UTC).
pub fn calendar(t: Nanos, epoch_unix: u64, digits: u8) -> String {
    let secs = epoch_unix + t / 1_000_000_000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let base = format!(
        "{:02}{month:02}{day:02}{:02}{:02}",
        year.rem_euclid(100),
        rem / 3600,
        rem % 3600 / 60
    );
    if digits == 12 {
        format!("{base}{:02}", rem % 60)
    } else {
        base
    }
}

/// (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// RFC 2822, as Twilio writes dates: `Sun, 22 Nov 2026 17:11:22 +0000`.
pub fn rfc2822(unix: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = (unix / 86_400) as i64;
    let rem = unix % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[month as usize - 1],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Unix seconds of simulated time `t`, counted from `epoch_unix`.
pub fn unix_of(t: Nanos, epoch_unix: u64) -> u64 {
    epoch_unix + t / 1_000_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_dates() {
        // 2026-11-22 17:11:22 UTC, a Sunday.
        let epoch = 1_795_367_482;
        assert_eq!(calendar(0, epoch, 10), "2611221711");
        assert_eq!(calendar(38 * 1_000_000_000, epoch, 12), "261122171200");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(rfc2822(epoch), "Sun, 22 Nov 2026 17:11:22 +0000");
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 +0000");
    }
}
