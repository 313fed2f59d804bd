//! Session arrivals: a Poisson process whose rate is the base rate times the
//! time-of-day profile times any active bursts. The rate is piecewise
//! constant, so arrivals are drawn exactly by inverting the integrated rate.

use crate::scenario::Traffic;
use crate::units::Nanos;
use rand::Rng;
use rand_distr::{Distribution, Exp1};

/// Piecewise-constant arrival intensity over `[0, duration)`.
#[derive(Debug, Clone)]
pub struct ArrivalProcess {
    /// `(segment start, sessions per nanosecond)`, sorted; the last segment
    /// ends at `end`.
    segments: Vec<(Nanos, f64)>,
    end: Nanos,
    segment: usize,
    now: Nanos,
}

impl ArrivalProcess {
    pub fn new(traffic: &Traffic, duration: Nanos) -> Self {
        ArrivalProcess {
            segments: traffic.intensity(duration),
            end: duration,
            segment: 0,
            now: 0,
        }
    }

    /// The next arrival time, or `None` once the window is over.
    pub fn next<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<Nanos> {
        let mut need: f64 = Exp1.sample(rng);
        while self.segment < self.segments.len() {
            let (_, rate) = self.segments[self.segment];
            let seg_end = self
                .segments
                .get(self.segment + 1)
                .map_or(self.end, |s| s.0);
            let room = (seg_end - self.now) as f64;
            if rate > 0.0 && need <= rate * room {
                let step = (need / rate) as Nanos;
                self.now = (self.now + step)
                    .min(seg_end.saturating_sub(1))
                    .max(self.now);
                return Some(self.now);
            }
            need -= rate * room;
            self.segment += 1;
            self.now = seg_end;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Burst;
    use crate::units::{NANOS_PER_HOUR, NANOS_PER_MIN};
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn flat(rate: f64) -> Traffic {
        Traffic {
            rate_per_sec: rate,
            start_of_day: 0,
            profile: vec![],
            bursts: vec![],
        }
    }

    #[test]
    fn poisson_count_matches_rate() {
        let mut p = ArrivalProcess::new(&flat(100.0), NANOS_PER_HOUR);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut n = 0u64;
        while p.next(&mut rng).is_some() {
            n += 1;
        }
        // 360,000 expected; Poisson sd 600, allow 4 sd.
        assert!((n as f64 - 360_000.0).abs() < 2_400.0, "n = {n}");
    }

    #[test]
    fn arrivals_follow_each_segment_s_rate_and_none_fall_in_a_silent_one() {
        // 10/s for 20 minutes, nothing for 20, then 30/s for 20.
        let mut t = flat(10.0);
        t.profile = vec![
            (0, 1.0),
            (20 * NANOS_PER_MIN, 0.0),
            (40 * NANOS_PER_MIN, 3.0),
        ];
        let mut p = ArrivalProcess::new(&t, NANOS_PER_HOUR);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let mut counts = [0u64; 3];
        let mut last = 0;
        while let Some(at) = p.next(&mut rng) {
            assert!(at >= last && at < NANOS_PER_HOUR, "{at} after {last}");
            last = at;
            counts[(at / (20 * NANOS_PER_MIN)) as usize] += 1;
        }
        assert_eq!(counts[1], 0, "arrivals while the rate is 0");
        // Poisson counts: 12,000 and 36,000 expected, within 4 sd.
        for (n, expected) in [(counts[0], 12_000.0), (counts[2], 36_000.0)] {
            let sd = f64::sqrt(expected);
            assert!((n as f64 - expected).abs() < 4.0 * sd, "{counts:?}");
        }
        assert_eq!(p.next(&mut rng), None, "the window is over");
    }

    #[test]
    fn sparse_arrivals_carry_their_draw_across_segments_and_keep_each_segment_s_mean() {
        // One arrival a minute on average, over ten one-minute segments
        // whose rates alternate 0.5× and 2×: most gaps span a segment
        // boundary, so what is left of a draw at a boundary decides where
        // the next arrival falls.
        let mut t = flat(1.0 / 60.0);
        t.profile = (0..10)
            .map(|i| (i * NANOS_PER_MIN, if i % 2 == 0 { 0.5 } else { 2.0 }))
            .collect();
        let runs = 4_000u64;
        let mut counts = [0u64; 10];
        for seed in 0..runs {
            let mut p = ArrivalProcess::new(&t, 10 * NANOS_PER_MIN);
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            while let Some(at) = p.next(&mut rng) {
                counts[(at / NANOS_PER_MIN) as usize] += 1;
            }
        }
        // Over the runs a segment's count is Poisson with mean runs × its
        // rate × 1 min: 2,000 or 8,000; within 4 sd.
        for (i, n) in counts.iter().enumerate() {
            let expected = runs as f64 * if i % 2 == 0 { 0.5 } else { 2.0 };
            let sd = expected.sqrt();
            assert!(
                (*n as f64 - expected).abs() < 4.0 * sd,
                "segment {i}: {n} arrivals, {expected} expected ({counts:?})"
            );
        }
    }

    #[test]
    fn bursts_and_profile_shape_the_rate() {
        let mut t = flat(10.0);
        t.bursts.push(Burst {
            start: 10 * NANOS_PER_MIN,
            duration: 10 * NANOS_PER_MIN,
            multiplier: 5.0,
        });
        t.profile = vec![(0, 1.0), (30 * NANOS_PER_MIN, 0.5)];
        // 10 min × 10/s + 10 min × 50/s + 10 min × 10/s + 30 min × 5/s
        let expected = 600.0 * 10.0 + 600.0 * 50.0 + 600.0 * 10.0 + 1800.0 * 5.0;
        assert!((t.expected_arrivals(NANOS_PER_HOUR) - expected).abs() < 1e-6);
    }
}
