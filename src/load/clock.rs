//! How far this machine's clock is from the endpoint's, measured from what
//! the endpoint writes rather than assumed: a receipt's `submit date` is
//! the SMSC's clock at some moment between the submit's leaving here and
//! its submit_sm_resp coming back, so each receipt of our own message
//! bounds the offset (the SMSC's calendar, read as UTC, minus this
//! machine's Unix time) on both sides, to within the round trip and the
//! date's resolution (a minute for `YYMMDDhhmm`, a second with seconds);
//! a `done date` is no later than the receipt's arrival, a bound on one
//! side. Over HTTP the `Date` header of each answer does the same as a
//! submit date, to the second. Intersected over many receipts, the bounds narrow to about the
//! round trip wherever the dates roll over to the next minute or second.
//! The SMSC's time zone is part of the offset, and cancels between two
//! parts measured against the same SMSC, which is all `merge` needs: the
//! difference between two parts' clocks (docs/scale.md).

/// Nanoseconds per second.
const NS: i64 = 1_000_000_000;

/// Bounds on (endpoint's clock − this machine's clock), in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct OffsetBounds {
    /// Receipts whose submit date bounded the offset on both sides, and
    /// done dates that bounded it from below.
    pub submit_samples: u64,
    pub done_samples: u64,
    /// The intersection so far (None: not bounded on that side yet).
    pub low_ns: Option<i64>,
    pub high_ns: Option<i64>,
}

/// What the bounds say.
#[derive(Debug, Clone, PartialEq)]
pub enum Offset {
    /// The offset lies within `within_ns` of `offset_ns`.
    Measured {
        offset_ns: i64,
        within_ns: i64,
        samples: u64,
    },
    /// Not measured, and why.
    Unmeasured(&'static str),
}

/// A receipt date (`YYMMDDhhmm` or `YYMMDDhhmmss`, the year in 2000-2099)
/// as Unix seconds, read as UTC, and its resolution in seconds.
pub fn receipt_date(text: &str) -> Option<(i64, i64)> {
    if !(text.len() == 10 || text.len() == 12) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // As `20YY-MM-DD hh:mm:ss` in a buffer on the stack: one receipt in
    // every message reaches here, so no allocation.
    let digits = text.as_bytes();
    let mut iso = *b"20YY-MM-DD hh:mm:00";
    for (at, pair) in [2, 5, 8, 11, 14, 17].into_iter().zip(digits.chunks(2)) {
        iso[at..at + 2].copy_from_slice(pair);
    }
    let unix = crate::units::timestamp::parse(&iso)?;
    Some((unix as i64, if text.len() == 12 { 1 } else { 60 }))
}

/// An HTTP `Date` (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`) as Unix
/// seconds.
pub fn http_date(text: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let fields: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = fields[..] else {
        return None;
    };
    let month = MONTHS.iter().position(|m| *m == month)? + 1;
    let iso = format!("{year}-{month:02}-{day:0>2} {time}");
    let unix = crate::units::timestamp::parse(iso.as_bytes())?;
    Some(unix as i64)
}

impl OffsetBounds {
    fn bound(&mut self, low: Option<i64>, high: Option<i64>) {
        if let Some(low) = low {
            self.low_ns = Some(self.low_ns.map_or(low, |l| l.max(low)));
        }
        if let Some(high) = high {
            self.high_ns = Some(self.high_ns.map_or(high, |h| h.min(high)));
        }
    }

    /// A receipt of our own message: submit date `date`, the submit left
    /// at `sent` and was answered at `answered` (Unix ns, this clock).
    pub fn submitted(&mut self, date: &str, times: (i64, i64)) {
        if let Some(date) = receipt_date(date) {
            self.stamped(date, times);
        }
    }

    /// The endpoint stamped Unix second `unix` (of `resolution` seconds)
    /// on a request between `sent` and `answered` (Unix ns, this clock).
    pub fn stamped(&mut self, (unix, resolution): (i64, i64), (sent, answered): (i64, i64)) {
        self.submit_samples += 1;
        let (from, to) = (unix * NS, (unix + resolution) * NS);
        self.bound(Some(from - answered), Some(to - sent));
    }

    /// Any receipt: done date `date`, arrived at `arrived` (Unix ns).
    pub fn done(&mut self, date: &str, arrived: i64) {
        let Some((unix, _)) = receipt_date(date) else {
            return;
        };
        self.done_samples += 1;
        self.bound(Some(unix * NS - arrived), None);
    }

    /// Adds another set of bounds on the same clock.
    pub fn merge(&mut self, other: &OffsetBounds) {
        self.submit_samples += other.submit_samples;
        self.done_samples += other.done_samples;
        self.bound(other.low_ns, other.high_ns);
    }

    /// The offset, if the bounds measure it.
    pub fn offset(&self) -> Offset {
        match (self.low_ns, self.high_ns) {
            (_, None) => {
                Offset::Unmeasured("no receipt of a part's own messages carried a submit date")
            }
            (Some(low), Some(high)) if low > high => Offset::Unmeasured(
                "the endpoint's receipt dates do not keep time with the machines' clocks (a simulated clock, say)",
            ),
            (None, Some(_)) => Offset::Unmeasured("no receipt date bounded the offset from below"),
            (Some(low), Some(high)) => Offset::Measured {
                offset_ns: low + (high - low) / 2,
                within_ns: (high - low + 1) / 2,
                samples: self.submit_samples,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_dates_read_as_utc_with_their_resolution() {
        // 2026-11-22 17:11 UTC.
        assert_eq!(receipt_date("2611221711"), Some((1_795_367_460, 60)));
        assert_eq!(receipt_date("261122171122"), Some((1_795_367_482, 1)));
        assert_eq!(receipt_date("2613221711"), None);
        assert_eq!(receipt_date("26112217"), None);
        assert_eq!(receipt_date("26112217aa"), None);
        assert_eq!(
            http_date("Sun, 22 Nov 2026 17:11:22 GMT"),
            Some(1_795_367_482)
        );
        assert_eq!(http_date("Sun, 22 Nov 2026 17:11:22 +0000"), None);
    }

    #[test]
    fn bounds_narrow_where_the_dates_roll_over() {
        // The endpoint's clock is 2.5 s ahead of ours; each submit takes
        // 10 ms to be answered, and the endpoint stamps it halfway.
        let ahead = 2_500_000_000i64;
        let mut b = OffsetBounds::default();
        let date = |unix_ns: i64| {
            let secs = unix_ns.div_euclid(NS);
            let base = 1_795_367_460i64;
            let (m, s) = ((secs - base) / 60, (secs - base) % 60);
            format!("26112217{:02}{s:02}", 11 + m)
        };
        let start = 1_795_367_460i64 * NS + 200_000_000;
        for i in 0..400 {
            let sent = start + i * 37_000_000;
            let answered = sent + 10_000_000;
            b.submitted(&date(sent + 5_000_000 + ahead), (sent, answered));
        }
        let Offset::Measured {
            offset_ns,
            within_ns,
            samples,
        } = b.offset()
        else {
            panic!("not measured: {b:?}");
        };
        assert_eq!(samples, 400);
        assert!(within_ns <= 10_000_000, "{within_ns}");
        assert!((offset_ns - ahead).abs() <= within_ns, "{offset_ns}");
        // A date from a clock that runs fast contradicts the others.
        b.submitted("261122235900", (start, start + 10_000_000));
        assert!(matches!(b.offset(), Offset::Unmeasured(_)));
    }
}
