//! Rate limits of the live endpoints: a token bucket per bind, per account
//! and per peer address (failed binds).

use std::time::Instant;

/// Allows `rate` events per second on average, bursts up to one second's
/// worth (at least one).
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(rate: f64) -> Self {
        let capacity = rate.max(1.0);
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
    fn a_burst_beyond_the_rate_is_refused() {
        let mut bucket = TokenBucket::new(5.0);
        let taken = (0..20).filter(|_| bucket.take()).count();
        // Five at once; at most one more can have refilled meanwhile.
        assert!((5..=6).contains(&taken), "{taken}");
    }
}
