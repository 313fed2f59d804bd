//! Limits of the live endpoints: a token bucket per bind, per account and
//! per peer address (failed binds), and the cap on open connections of a
//! port (SMPP and HTTP alike).

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

    /// A submission limit (`tps`, `bind_tps`): a burst of a tenth of a
    /// second's worth, at least one message, so a client pacing at the
    /// rate with some jitter passes, and no client gets a second's worth
    /// extra.
    pub fn submissions(rate: f64) -> Self {
        TokenBucket::new(rate, rate / 10.0)
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
    fn a_submission_limit_bursts_a_tenth_of_a_second_at_least_one() {
        let taken = |rate: f64| {
            let mut bucket = TokenBucket::submissions(rate);
            (0..1000).filter(|_| bucket.take()).count()
        };
        assert!((1..=2).contains(&taken(5.0)));
        assert!((20..=21).contains(&taken(200.0)));
    }
}
