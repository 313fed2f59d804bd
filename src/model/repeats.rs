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
    recorded: usize,
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
        // Cleaning once as many were recorded as are kept keeps at most
        // about twice the numbers active within a window, at a constant
        // cost per record, amortised (docs/limits.md).
        if self.recorded >= self.recent.len().max(1024) {
            self.recorded = 0;
            self.recent
                .retain(|_, t| t.back().is_some_and(|t| now.saturating_sub(*t) < window));
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
}
