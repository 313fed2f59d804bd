//! What one replication of a scenario holds in memory while it runs, by
//! Little's law: sessions in flight are the arrivals within one session's
//! longest life, and numbers remembered by sliding windows (repeat filters,
//! per-number limits) are the arrivals within that life plus the window.
//! `check` prints the estimate; beyond `MAX_REPLICATION_BYTES` a scenario
//! is refused, and the runner runs no more replications at once than fit.

use super::Scenario;
use super::limits::{BYTES_PER_NUMBER, BYTES_PER_SESSION, MAX_REPLICATION_BYTES};
use crate::units::{NANOS_PER_SEC, Nanos};

/// The peak memory of one replication, estimated before simulating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemoryEstimate {
    /// The highest arrival rate, sessions per second.
    pub peak_rate: f64,
    /// The longest a session can be in flight: patience, or sooner the
    /// last send (and the voice call after it).
    pub session_life: Nanos,
    /// Sessions in flight at the peak (arrivals within one session life).
    pub in_flight: f64,
    /// Numbers kept by sliding windows at the peak.
    pub numbers: f64,
    /// What the sessions and numbers cost.
    pub bytes: f64,
}

impl Scenario {
    /// The estimate of the variant that holds most (the scenario or one of
    /// its alternatives; each replication runs one variant).
    pub fn memory_estimate(&self) -> MemoryEstimate {
        std::iter::once(self)
            .chain(self.alternatives.iter().map(|a| a.scenario.as_ref()))
            .map(Scenario::own_memory_estimate)
            .max_by(|a, b| a.bytes.total_cmp(&b.bytes))
            .expect("the scenario itself")
    }

    fn own_memory_estimate(&self) -> MemoryEstimate {
        let otp = &self.otp;
        // The batch engine knows every fate at the send, so a session ends
        // at its last send, at the voice call after it, or at patience,
        // whichever comes first (model::session::decide).
        let last_send = otp
            .resend_after
            .saturating_mul(u64::from(otp.max_sends.saturating_sub(1)));
        let call = otp.voice.as_ref().map_or(0, |v| v.after);
        let session_life = otp.patience.min(last_send.saturating_add(call));
        let window = self
            .carriers
            .iter()
            .filter_map(|c| c.repeat_filter.map(|f| f.window))
            .chain(
                self.providers
                    .iter()
                    .filter_map(|p| p.per_number_limit.map(|l| l.1)),
            )
            .max();
        // A number is in the carrier's memory and in that of each provider
        // with a per-number limit it was sent through.
        let memories = self.carriers.iter().any(|c| c.repeat_filter.is_some()) as usize
            + self
                .providers
                .iter()
                .filter(|p| p.per_number_limit.is_some())
                .count();
        let arrivals = Arrivals::new(self);
        let in_flight = arrivals.most_within(session_life);
        let numbers = window.map_or(0.0, |w| {
            memories as f64 * arrivals.most_within(session_life.saturating_add(w))
        });
        MemoryEstimate {
            peak_rate: arrivals.peak_rate(),
            session_life,
            in_flight,
            numbers,
            bytes: in_flight * BYTES_PER_SESSION + numbers * BYTES_PER_NUMBER,
        }
    }
}

impl std::fmt::Display for MemoryEstimate {
    /// One line for `check`: the peak in flight and what it costs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "in flight at the peak: about {:.0} sessions ({}/s x {} a session lives)",
            self.in_flight.ceil(),
            rate(self.peak_rate),
            crate::units::Human(self.session_life)
        )?;
        if self.numbers > 0.0 {
            write!(f, " and {:.0} numbers in windows", self.numbers.ceil())?;
        }
        write!(
            f,
            "; memory about {} per replication (bound {}, docs/limits.md)",
            bytes(self.bytes),
            bytes(MAX_REPLICATION_BYTES)
        )
    }
}

/// Bytes as a reader says them: "38.4 GB", "512 MB".
pub(crate) fn bytes(b: f64) -> String {
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else {
        format!("{:.0} MB", (b / 1e6).ceil())
    }
}

/// A rate in sessions per second, without a long fraction.
pub(crate) fn rate(per_sec: f64) -> String {
    if per_sec >= 100.0 {
        format!("{per_sec:.0}")
    } else {
        format!("{}", (per_sec * 1000.0).round() / 1000.0)
    }
}

/// The expected arrivals of a scenario as a piecewise-linear cumulative
/// count over `[0, duration]`.
struct Arrivals {
    /// (time, arrivals expected before it, rate per ns from it on).
    points: Vec<(Nanos, f64, f64)>,
    duration: Nanos,
}

impl Arrivals {
    fn new(sc: &Scenario) -> Self {
        let mut total = 0.0;
        let mut points = Vec::new();
        let segments = sc.traffic.intensity(sc.duration);
        for (i, (start, rate)) in segments.iter().enumerate() {
            points.push((*start, total, *rate));
            let end = segments.get(i + 1).map_or(sc.duration, |s| s.0);
            total += rate * (end - start) as f64;
        }
        Arrivals {
            points,
            duration: sc.duration,
        }
    }

    fn peak_rate(&self) -> f64 {
        let peak = self.points.iter().map(|p| p.2).fold(0.0, f64::max);
        peak * NANOS_PER_SEC as f64
    }

    /// Expected arrivals before `t`.
    fn before(&self, t: Nanos) -> f64 {
        let t = t.min(self.duration);
        let i = self.points.partition_point(|p| p.0 <= t);
        let Some(&(start, count, rate)) = i.checked_sub(1).map(|i| &self.points[i]) else {
            return 0.0;
        };
        count + rate * (t - start) as f64
    }

    /// The most arrivals expected within any window of length `span`: the
    /// count is piecewise linear, so the best window starts or ends at a
    /// cut between segments.
    fn most_within(&self, span: Nanos) -> f64 {
        let within = |from: Nanos| self.before(from.saturating_add(span)) - self.before(from);
        self.points
            .iter()
            .flat_map(|p| [p.0, p.0.saturating_sub(span)])
            .chain([self.duration.saturating_sub(span)])
            .map(within)
            .fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::parse;

    fn scenario(extra: &str) -> crate::scenario::Scenario {
        let text = format!(
            r#"
[scenario]
name = "t"
duration = "1h"
[traffic]
rate = "100/s"
{extra}
[otp]
resend_after = "45s"
max_sends = 3
patience = "5m"
[providers.p]
route = "domestic"
[routing]
policy = "single"
provider = "p"
[carriers.c]
share = 1.0
"#
        );
        parse(&text, "t.toml").unwrap()
    }

    #[test]
    fn sessions_in_flight_are_the_rate_times_the_last_send() {
        let e = scenario("").memory_estimate();
        assert_eq!(e.session_life, 90 * crate::units::NANOS_PER_SEC);
        assert!((e.in_flight - 9000.0).abs() < 1e-6, "{e:?}");
        assert_eq!(e.numbers, 0.0);
    }

    #[test]
    fn a_burst_counts_within_the_session_life_around_it() {
        // 10 s of 10x: the busiest 90 s hold 10 s at 1000/s and 80 s at 100/s.
        let e = scenario("bursts = [{ start = \"10m\", duration = \"10s\", multiplier = 10 }]")
            .memory_estimate();
        assert!((e.in_flight - 18000.0).abs() < 1e-6, "{e:?}");
        assert!((e.peak_rate - 1000.0).abs() < 1e-9);
    }
}
