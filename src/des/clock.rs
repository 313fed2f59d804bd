//! Simulated time, injected: the same event loop runs as fast as possible
//! on a virtual clock, or paced against the wall clock at a chosen speed
//! (as NeXosim does), for live modes and demonstrations.

use crate::units::Nanos;
use std::time::{Duration, Instant};

/// The source of "now" for an event loop.
pub trait Clock {
    /// The current simulated time.
    fn now(&self) -> Nanos;
    /// Moves to simulated time `t` (never backwards): at once on a virtual
    /// clock, after the matching wall time on a real one.
    fn advance_to(&mut self, t: Nanos);
}

/// Jumps from event to event: as fast as possible.
#[derive(Debug, Clone, Copy, Default)]
pub struct VirtualClock {
    now: Nanos,
}

impl Clock for VirtualClock {
    fn now(&self) -> Nanos {
        self.now
    }

    fn advance_to(&mut self, t: Nanos) {
        self.now = self.now.max(t);
    }
}

/// Simulated time tied to the wall clock: `speed` simulated seconds pass
/// per wall second, counted from when the clock was started.
#[derive(Debug, Clone, Copy)]
pub struct RealClock {
    started: Instant,
    speed: f64,
}

impl RealClock {
    /// A clock at simulated time 0 now; `speed` must be positive and finite.
    pub fn start(speed: f64) -> Self {
        Self::start_at(Instant::now(), speed)
    }

    /// A clock at simulated time 0 at wall time `at` (before it, `now` is
    /// 0); `speed` must be positive and finite.
    pub fn start_at(at: Instant, speed: f64) -> Self {
        assert!(speed.is_finite() && speed > 0.0, "clock speed {speed}");
        RealClock { started: at, speed }
    }

    /// Simulated seconds per wall second.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The wall time at which simulated time `t` comes.
    pub fn wall_time_of(&self, t: Nanos) -> Instant {
        let wall = Duration::from_secs_f64(t as f64 / 1e9 / self.speed);
        self.started + wall
    }
}

impl Clock for RealClock {
    fn now(&self) -> Nanos {
        (self.started.elapsed().as_secs_f64() * self.speed * 1e9) as Nanos
    }

    fn advance_to(&mut self, t: Nanos) {
        let due = self.wall_time_of(t);
        let wait = due.saturating_duration_since(Instant::now());
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_clock_jumps_and_never_goes_back() {
        let mut c = VirtualClock::default();
        c.advance_to(50);
        c.advance_to(20);
        assert_eq!(c.now(), 50);
    }

    #[test]
    fn real_clock_waits_for_the_scaled_wall_time() {
        // 1,000 simulated seconds per wall second: 20 simulated seconds
        // take at least 20 ms of wall time.
        let mut c = RealClock::start(1_000.0);
        let before = Instant::now();
        c.advance_to(20_000_000_000);
        assert!(before.elapsed() >= Duration::from_millis(19));
        assert!(c.now() >= 20_000_000_000);
    }
}
