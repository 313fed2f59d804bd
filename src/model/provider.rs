//! A provider's send queue: FIFO, served at its TPS limit, with a capacity
//! (refusal when full, ESME_RMSGQFUL) and a maximum time in queue. Service
//! is deterministic, so a message's start time is known when it is admitted
//! and no event is needed to serve it.

use super::outage::provider_pauses;
use super::repeats::SlidingCounts;
use crate::scenario::{ProviderId, Scenario};
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

/// What bounds a provider's queue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueLimits {
    /// Time to serve one message at the TPS limit; 0 means no limit.
    pub service_time: Nanos,
    /// Messages that may wait (not yet in service) before refusals.
    pub capacity: u64,
    /// Longest wait before the provider gives up on a message.
    pub max_wait: Nanos,
    /// Windows in which the provider sends nothing (`store` outages).
    pub paused: Vec<(Nanos, Nanos)>,
    /// At most this many accepted sends to one number within this window.
    pub per_number: Option<(u32, Nanos)>,
}

/// One provider's queue state during a run, with its limits.
#[derive(Debug, Clone, Default)]
pub struct ProviderQueue {
    limits: QueueLimits,
    /// Start-of-service times of admitted messages not yet started. Its
    /// length is the queue depth; memory follows messages in flight.
    pending_starts: VecDeque<Nanos>,
    /// When the server is next free.
    next_free: Nanos,
    /// With a per-number limit: each number's accepted sends.
    recent: SlidingCounts,
}

impl ProviderQueue {
    pub fn new(limits: QueueLimits) -> Self {
        ProviderQueue {
            limits,
            ..Self::default()
        }
    }

    /// The queue of provider `id` with the scenario's limits and pauses.
    pub fn for_provider(scenario: &Scenario, id: ProviderId) -> Self {
        let provider = scenario.provider(id);
        ProviderQueue::new(QueueLimits {
            service_time: provider.service_time,
            capacity: provider.queue_capacity,
            max_wait: provider.max_queue_time,
            paused: provider_pauses(&scenario.outages, id),
            per_number: provider.per_number_limit,
        })
    }

    /// Whether the per-number limit lets one more send to `number` (a
    /// session key) through at `now`; if so, it is counted.
    pub fn take_number_slot(&mut self, number: u64, now: Nanos) -> bool {
        let Some((count, window)) = self.limits.per_number else {
            return true;
        };
        if self.recent.count(number, now, window) >= count as usize {
            return false;
        }
        self.recent.record(number, now, window);
        true
    }

    pub fn limits(&self) -> &QueueLimits {
        &self.limits
    }

    /// New limits (an outage injected at run time); the backlog stays.
    pub fn set_limits(&mut self, limits: QueueLimits) {
        self.limits = limits;
    }

    /// Messages waiting (not yet in service) at `now`.
    pub fn depth(&mut self, now: Nanos) -> usize {
        while self.pending_starts.front().is_some_and(|s| *s <= now) {
            self.pending_starts.pop_front();
        }
        self.pending_starts.len()
    }

    /// Admits a message submitted at `now`; calls must come in
    /// nondecreasing `now`.
    pub fn admit(&mut self, now: Nanos) -> Admission {
        self.admit_slots(now, 1)
    }

    /// Admits a message that takes `slots` of the TPS limit (its segments,
    /// when the provider counts segments).
    pub fn admit_slots(&mut self, now: Nanos, slots: u32) -> Admission {
        let waiting = self.depth(now) as u64;
        let mut start = now.max(self.next_free);
        // Windows may chain; push the start past each one it falls in.
        while let Some((_, end)) = self
            .limits
            .paused
            .iter()
            .find(|(a, b)| *a <= start && start < *b)
        {
            start = *end;
        }
        // The capacity counts messages waiting, not the one in service: a
        // message that can start now is admitted even at capacity 0.
        if start > now && waiting >= self.limits.capacity {
            return Admission::Full;
        }
        if start - now > self.limits.max_wait {
            return Admission::Expired {
                at: now + self.limits.max_wait,
            };
        }
        let done = start + self.limits.service_time.saturating_mul(slots as Nanos);
        if self.limits.service_time > 0 {
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

    fn queue(
        service_time: Nanos,
        capacity: u64,
        max_wait: Nanos,
        paused: &[(Nanos, Nanos)],
    ) -> ProviderQueue {
        ProviderQueue::new(QueueLimits {
            service_time,
            capacity,
            max_wait,
            paused: paused.to_vec(),
            per_number: None,
        })
    }

    #[test]
    fn the_per_number_limit_counts_sends_in_a_sliding_window() {
        let mut q = ProviderQueue::new(QueueLimits {
            per_number: Some((2, 100)),
            ..QueueLimits::default()
        });
        assert!(q.take_number_slot(7, 0));
        assert!(q.take_number_slot(7, 50));
        assert!(!q.take_number_slot(7, 99), "a third within 100");
        assert!(q.take_number_slot(8, 99), "another number");
        assert!(q.take_number_slot(7, 100), "the first left the window");
        assert!(!q.take_number_slot(7, 120));
    }

    #[test]
    fn fifo_at_the_service_rate() {
        let mut q = queue(10, 100, 1_000, &[]);
        let a = q.admit(0);
        let b = q.admit(0);
        let c = q.admit(5);
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
    fn capacity_counts_waiting_messages_not_the_one_in_service() {
        let mut q = queue(10, 0, 1_000, &[]);
        assert_eq!(q.admit(0), Admission::Sent { start: 0, done: 10 });
        assert_eq!(q.admit(5), Admission::Full, "it would wait");
        assert_eq!(
            q.admit(10),
            Admission::Sent {
                start: 10,
                done: 20
            }
        );
    }

    #[test]
    fn full_queue_refuses_and_long_wait_expires() {
        let mut q = queue(10, 1, 1_000, &[]);
        q.admit(0);
        q.admit(0);
        assert_eq!(q.admit(0), Admission::Full);
        let mut q = queue(10, 100, 25, &[]);
        for _ in 0..5 {
            q.admit(0);
        }
        // Three were admitted (starts 0, 10, 20); the rest would wait 30.
        assert_eq!(q.admit(0), Admission::Expired { at: 25 });
        assert_eq!(q.depth(0), 2);
    }

    #[test]
    fn a_message_may_wait_exactly_the_maximum_time() {
        // Starts at 0, 10, 20 with a 20 maximum: the third waits exactly
        // 20 and is sent; the fourth would wait 30 and expires at 20.
        let mut q = queue(10, 100, 20, &[]);
        q.admit(0);
        q.admit(0);
        assert_eq!(
            q.admit(0),
            Admission::Sent {
                start: 20,
                done: 30
            }
        );
        assert_eq!(q.admit(0), Admission::Expired { at: 20 });
    }

    #[test]
    fn a_pause_holds_from_its_start_until_its_end_and_pauses_chain() {
        let mut q = queue(10, 100, 1_000, &[(40, 100), (100, 150)]);
        assert_eq!(
            q.admit(30),
            Admission::Sent {
                start: 30,
                done: 40
            }
        );
        // Submitted as the first pause starts: held through both.
        assert_eq!(
            q.admit(40),
            Admission::Sent {
                start: 150,
                done: 160
            }
        );
        assert_eq!(q.depth(149), 1);
        assert_eq!(q.depth(150), 0);
        let mut q = queue(10, 100, 1_000, &[(40, 100)]);
        // At the pause's end the queue runs again.
        assert_eq!(
            q.admit(100),
            Admission::Sent {
                start: 100,
                done: 110
            }
        );
    }

    #[test]
    fn new_limits_apply_to_later_messages_and_the_backlog_stays() {
        // An outage injected at run time: the queue takes a pause from 15
        // to 60; the two messages already admitted keep their starts (0,
        // 10) and the next, due to start at 20, waits for the pause's end.
        let mut q = queue(10, 100, 1_000, &[]);
        q.admit(0);
        q.admit(0);
        assert_eq!(q.depth(5), 1);
        let paused = QueueLimits {
            paused: vec![(15, 60)],
            ..q.limits().clone()
        };
        q.set_limits(paused.clone());
        assert_eq!(q.limits(), &paused);
        assert_eq!(q.depth(5), 1, "the backlog stays");
        assert_eq!(
            q.admit(5),
            Admission::Sent {
                start: 60,
                done: 70
            }
        );
    }

    #[test]
    fn pauses_hold_the_queue() {
        let mut q = queue(10, 100, 1_000, &[(40, 100)]);
        assert_eq!(
            q.admit(50),
            Admission::Sent {
                start: 100,
                done: 110
            }
        );
    }
}
