//! A provider's send queue: FIFO, served at its TPS limit, with a capacity
//! (refusal when full, ESME_RMSGQFUL) and a maximum time in queue. Service
//! is deterministic, so a message's start time is known when it is admitted
//! and no event is needed to serve it.

use crate::units::Nanos;
use std::collections::VecDeque;

/// What happens to a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Service starts at `start` and is done (the message leaves) at `done`.
    Sent { start: Nanos, done: Nanos },
    /// Would wait longer than the maximum queue time: given up at this time.
    Expired { at: Nanos },
    /// The queue is full.
    Full,
}

/// One provider's queue state during a run.
#[derive(Debug, Clone, Default)]
pub struct ProviderQueue {
    /// Start-of-service times of admitted messages not yet started. Its
    /// length is the queue depth; memory follows messages in flight.
    pending_starts: VecDeque<Nanos>,
    /// When the server is next free.
    next_free: Nanos,
}

impl ProviderQueue {
    pub fn new() -> Self {
        Self::default()
    }

    /// Messages waiting (not yet in service) at `now`.
    pub fn depth(&mut self, now: Nanos) -> usize {
        while self.pending_starts.front().is_some_and(|s| *s <= now) {
            self.pending_starts.pop_front();
        }
        self.pending_starts.len()
    }

    /// Admits a message submitted at `now`. `paused` lists windows in which
    /// the provider sends nothing (a `store` outage); calls must come in
    /// nondecreasing `now`.
    pub fn admit(
        &mut self,
        now: Nanos,
        service_time: Nanos,
        capacity: u64,
        max_wait: Nanos,
        paused: &[(Nanos, Nanos)],
    ) -> Admission {
        if self.depth(now) as u64 >= capacity {
            return Admission::Full;
        }
        let mut start = now.max(self.next_free);
        // Windows may chain; push the start past each one it falls in.
        while let Some((_, end)) = paused.iter().find(|(a, b)| *a <= start && start < *b) {
            start = *end;
        }
        if start - now > max_wait {
            return Admission::Expired { at: now + max_wait };
        }
        let done = start + service_time;
        if service_time > 0 {
            self.next_free = done;
        }
        if start > now {
            self.pending_starts.push_back(start);
        }
        Admission::Sent { start, done }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_at_the_service_rate() {
        let mut q = ProviderQueue::new();
        let a = q.admit(0, 10, 100, 1_000, &[]);
        let b = q.admit(0, 10, 100, 1_000, &[]);
        let c = q.admit(5, 10, 100, 1_000, &[]);
        assert_eq!(a, Admission::Sent { start: 0, done: 10 });
        assert_eq!(
            b,
            Admission::Sent {
                start: 10,
                done: 20
            }
        );
        assert_eq!(
            c,
            Admission::Sent {
                start: 20,
                done: 30
            }
        );
        assert_eq!(q.depth(5), 2);
        assert_eq!(q.depth(15), 1);
    }

    #[test]
    fn full_queue_refuses_and_long_wait_expires() {
        let mut q = ProviderQueue::new();
        q.admit(0, 10, 1, 1_000, &[]);
        q.admit(0, 10, 1, 1_000, &[]);
        assert_eq!(q.admit(0, 10, 1, 1_000, &[]), Admission::Full);
        let mut q = ProviderQueue::new();
        for _ in 0..5 {
            q.admit(0, 10, 100, 25, &[]);
        }
        // Three were admitted (starts 0, 10, 20); the rest would wait 30.
        assert_eq!(q.admit(0, 10, 100, 25, &[]), Admission::Expired { at: 25 });
        assert_eq!(q.depth(0), 2);
    }

    #[test]
    fn pauses_hold_the_queue() {
        let mut q = ProviderQueue::new();
        assert_eq!(
            q.admit(50, 10, 100, 1_000, &[(40, 100)]),
            Admission::Sent {
                start: 100,
                done: 110
            }
        );
    }
}
