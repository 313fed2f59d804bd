//! Memory of recent messages per number, for what counts them: a
//! provider's per-number send limit and a carrier's repeat filter. Each is
//! a sliding window per number; numbers whose messages have all left the
//! window are forgotten now and then, so memory follows the numbers active
//! within a window, not everything ever sent.

use crate::scenario::{CarrierId, Scenario};
use crate::units::Nanos;
use std::collections::{HashMap, VecDeque};

/// Times of recent messages per number (a session key).
#[derive(Debug, Clone, Default)]
pub struct SlidingCounts {
    recent: HashMap<u64, VecDeque<Nanos>>,
    /// Messages recorded since the last clean-up.
    recorded: usize,
    /// Numbers the last clean-up kept.
    kept: usize,
}

impl SlidingCounts {
    /// Messages to `number` within `window` before `now`.
    pub fn count(&mut self, number: u64, now: Nanos, window: Nanos) -> usize {
        let Some(times) = self.recent.get_mut(&number) else {
            return 0;
        };
        while times
            .front()
            .is_some_and(|t| now.saturating_sub(*t) >= window)
        {
            times.pop_front();
        }
        times.len()
    }

    /// Counts one more message to `number` at `now`.
    pub fn record(&mut self, number: u64, now: Nanos, window: Nanos) {
        self.recent.entry(number).or_default().push_back(now);
        self.recorded += 1;
        // Cleaning once as many were recorded as the last clean-up kept
        // holds at most about twice the numbers active within a window
        // (each record adds at most one number), at a constant cost per
        // record, amortised (docs/limits.md). Counting against the map's
        // current size instead would never clean a stream of new numbers.
        if self.recorded >= self.kept.max(1024) {
            self.recorded = 0;
            self.recent
                .retain(|_, t| t.back().is_some_and(|t| now.saturating_sub(*t) < window));
            self.kept = self.recent.len();
        }
    }
}

/// Each carrier's memory of the messages that reached it, per number.
#[derive(Debug, Clone, Default)]
pub struct CarrierMemory {
    carriers: Vec<SlidingCounts>,
}

impl CarrierMemory {
    pub fn new(scenario: &Scenario) -> Self {
        CarrierMemory {
            carriers: vec![SlidingCounts::default(); scenario.carriers.len()],
        }
    }

    pub fn of(&mut self, carrier: CarrierId) -> &mut SlidingCounts {
        &mut self.carriers[carrier.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_slide_with_the_window_per_number() {
        let mut c = SlidingCounts::default();
        c.record(7, 0, 100);
        c.record(7, 50, 100);
        c.record(8, 60, 100);
        assert_eq!(c.count(7, 99, 100), 2);
        assert_eq!(c.count(7, 100, 100), 1, "the first left the window");
        assert_eq!(c.count(8, 100, 100), 1);
        assert_eq!(c.count(9, 100, 100), 0);
    }

    #[test]
    fn cleanups_forget_only_numbers_that_left_the_window() {
        // A flood of one new number a tick, and number 7 every 10 ticks,
        // over 20 windows of 1,000 ticks: many cleanups. Number 7 always
        // has its last 100 messages counted, each flood number its one
        // message until it leaves the window, and memory holds about
        // twice the numbers active within a window, not all 20,000.
        const WINDOW: Nanos = 1_000;
        const SEVEN: u64 = 7;
        let mut c = SlidingCounts::default();
        let mut most_kept = 0;
        for now in 0..20 * WINDOW {
            let flood = 1_000_000 + now;
            c.record(flood, now, WINDOW);
            if now % 10 == 0 {
                c.record(SEVEN, now, WINDOW);
                assert_eq!(
                    c.count(SEVEN, now, WINDOW),
                    (now / 10 + 1).min(100) as usize
                );
            }
            assert_eq!(c.count(flood, now, WINDOW), 1);
            if now >= WINDOW {
                let recent = flood - WINDOW / 2;
                assert_eq!(c.count(recent, now, WINDOW), 1, "at {now}");
                assert_eq!(c.count(flood - WINDOW, now, WINDOW), 0);
            }
            most_kept = most_kept.max(c.recent.len());
        }
        assert!(
            (WINDOW as usize..=2 * WINDOW as usize + 100).contains(&most_kept),
            "kept up to {most_kept} numbers"
        );
    }

    #[test]
    fn a_clean_up_forgets_a_number_whose_last_message_is_a_window_old() {
        // The window's edge is the same for counting and for forgetting: a
        // message exactly a window old no longer counts, so a clean-up
        // then drops its number. Clean-ups cost a pass over the map, so
        // the first waits for the 1,024th record.
        let mut c = SlidingCounts::default();
        c.record(1, 0, 100);
        for _ in 0..1022 {
            c.record(2, 100, 100);
        }
        assert_eq!(c.recent.len(), 2, "cleaned before the 1,024th record");
        c.record(2, 100, 100);
        assert_eq!(c.count(1, 100, 100), 0);
        assert!(!c.recent.contains_key(&1), "number 1 kept");
        assert_eq!(c.count(2, 100, 100), 1023);
    }
}
