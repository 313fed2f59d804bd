//! The arrival rate a scenario describes: base rate, time-of-day profile
//! and bursts, as a piecewise-constant intensity (`model::traffic` draws
//! the arrivals from it).

use super::Traffic;
use crate::units::{NANOS_PER_DAY, NANOS_PER_SEC, Nanos};

impl Traffic {
    /// The arrival rate over `[0, duration)` as `(segment start, sessions
    /// per nanosecond)`, sorted: the base rate times the time-of-day profile
    /// times active bursts, constant between cuts.
    pub fn intensity(&self, duration: Nanos) -> Vec<(Nanos, f64)> {
        let traffic = self;
        let mut cuts = vec![0, duration];
        if !traffic.profile.is_empty() {
            let mut day_start = 0u64;
            while day_start < duration + NANOS_PER_DAY {
                for (at, _) in &traffic.profile {
                    let t = (day_start + at).checked_sub(traffic.start_of_day);
                    if let Some(t) = t.filter(|t| *t < duration) {
                        cuts.push(t);
                    }
                }
                day_start += NANOS_PER_DAY;
            }
        }
        for b in &traffic.bursts {
            cuts.push(b.start.min(duration));
            cuts.push(b.start.saturating_add(b.duration).min(duration));
        }
        cuts.sort_unstable();
        cuts.dedup();
        let base = traffic.rate_per_sec / NANOS_PER_SEC as f64;
        cuts.iter()
            .filter(|t| **t < duration)
            .map(|&t| (t, base * intensity_factor(traffic, t)))
            .collect()
    }

    /// Expected number of arrivals over `[0, duration)`.
    pub fn expected_arrivals(&self, duration: Nanos) -> f64 {
        let segments = self.intensity(duration);
        let mut total = 0.0;
        for (i, (start, rate)) in segments.iter().enumerate() {
            let end = segments.get(i + 1).map_or(duration, |s| s.0);
            total += rate * (end - start) as f64;
        }
        total
    }
}

fn intensity_factor(traffic: &Traffic, t: Nanos) -> f64 {
    let mut factor = 1.0;
    if !traffic.profile.is_empty() {
        let clock = (traffic.start_of_day + t) % NANOS_PER_DAY;
        // The last point before `clock`, wrapping to the previous day's last.
        factor = traffic
            .profile
            .iter()
            .rev()
            .find(|(at, _)| *at <= clock)
            .or(traffic.profile.last())
            .map_or(1.0, |p| p.1);
    }
    for b in &traffic.bursts {
        if b.start <= t && t < b.start.saturating_add(b.duration) {
            factor *= b.multiplier;
        }
    }
    factor
}
