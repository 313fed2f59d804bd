//! Limits of the live endpoints: a sliding one-second window per bind and
//! per account (submissions), a token bucket per peer address (failed
//! binds), and the cap on open connections of a port (SMPP and HTTP
//! alike).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// One open connection counted against a cap; released when dropped.
#[derive(Debug)]
pub struct Slot(Arc<AtomicUsize>);

impl Slot {
    /// A slot if fewer than `max` are open on `open`.
    pub fn take(open: &Arc<AtomicUsize>, max: usize) -> Option<Slot> {
        let before = open.fetch_add(1, Ordering::Relaxed);
        if before >= max {
            open.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        Some(Slot(open.clone()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// After a failed accept (out of file descriptors, say), a pause before
/// the next, so the accept loop does not spin.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// A submission limit (`tps`, `bind_tps`): at most `rate` submissions in
/// any window of one second (rates below 1/s: one in any `1 / rate`
/// seconds). No burst beyond that: a client's first second gets `rate`,
/// not `rate` plus a bucket's worth, and a client that pauses after a
/// throttle finds the whole second's allowance when the window has moved.
/// It remembers the times of the submissions accepted within the window,
/// so its memory follows the accepted rate, not the configured one.
#[derive(Debug, Clone)]
pub struct WindowLimit {
    window: Duration,
    most: usize,
    accepted: VecDeque<Instant>,
}

impl WindowLimit {
    pub fn per_second(rate: f64) -> Self {
        let window = Duration::from_secs_f64((1.0 / rate).max(1.0));
        let most = ((rate * window.as_secs_f64()).floor() as usize).max(1);
        WindowLimit {
            window,
            most,
            accepted: VecDeque::new(),
        }
    }

    /// Accepts one more submission now if the window has room.
    pub fn take(&mut self) -> bool {
        let now = Instant::now();
        while self
            .accepted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            self.accepted.pop_front();
        }
        if self.accepted.len() >= self.most {
            return false;
        }
        self.accepted.push_back(now);
        true
    }
}

/// Allows `rate` events per second on average and at most `burst` at
/// once: in any window of `t` seconds, at most `burst + rate × t` are
/// allowed. It starts full.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(rate: f64, burst: f64) -> Self {
        let capacity = burst.max(1.0);
        TokenBucket {
            rate,
            capacity,
            tokens: capacity,
            last: Instant::now(),
        }
    }

    /// Takes one token if there is one.
    pub fn take(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.capacity);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_beyond_the_cap_are_refused_and_freed_when_dropped() {
        let open = Arc::new(AtomicUsize::new(0));
        let first = Slot::take(&open, 2).unwrap();
        let _second = Slot::take(&open, 2).unwrap();
        assert!(Slot::take(&open, 2).is_none());
        drop(first);
        assert!(Slot::take(&open, 2).is_some());
    }

    #[test]
    fn a_burst_beyond_the_burst_size_is_refused() {
        let mut bucket = TokenBucket::new(5.0, 5.0);
        let taken = (0..20).filter(|_| bucket.take()).count();
        // Five at once; at most one more can have refilled meanwhile.
        assert!((5..=6).contains(&taken), "{taken}");
    }

    #[test]
    fn a_submission_limit_accepts_the_rate_in_any_second_and_no_more() {
        let taken = |rate: f64| {
            let mut limit = WindowLimit::per_second(rate);
            (0..1000).filter(|_| limit.take()).count()
        };
        assert_eq!(taken(5.0), 5);
        assert_eq!(taken(200.0), 200);
        assert_eq!(taken(2.5), 2);
        assert_eq!(taken(0.1), 1);
    }

    #[test]
    fn a_submission_limit_frees_room_as_the_window_moves() {
        let mut limit = WindowLimit::per_second(100.0);
        limit.window = Duration::from_millis(50);
        limit.most = 5;
        assert_eq!((0..10).filter(|_| limit.take()).count(), 5);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!((0..10).filter(|_| limit.take()).count(), 5);
    }
}
