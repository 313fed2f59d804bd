//! A radix heap: the event queue for times that never go backwards. The
//! engine only ever schedules at or after the event it is handling, so
//! every key pushed is at least the last one popped; a radix heap uses
//! that to file each event by the highest bit in which its time differs
//! from the last popped one, and sorts only when a bucket is emptied.
//! Pushing is O(1); popping moves each event down at most 64 times over
//! its life. Equal times pop first-in first-out, as `QuaternaryHeap`
//! does, so both give the same order and the same results.
//!
//! Written here rather than taken from the `radix-heap` crate: that one is
//! a max-heap whose equal keys pop last-in first-out, so FIFO ties would
//! need a 128-bit (time, sequence) key; this one keeps 64-bit times and
//! gets FIFO from appending in order.

use super::queue::EventQueue;
use crate::units::Nanos;

/// Buckets: 0 holds times equal to the last popped one; bucket b (1..=64)
/// those whose highest bit differing from it is bit b - 1.
const BUCKETS: usize = 65;

pub struct RadixHeap<E> {
    buckets: [Vec<(Nanos, E)>; BUCKETS],
    /// Bit b - 1 set when bucket b (1..=64) holds events: a refill finds
    /// the lowest one with one `trailing_zeros` instead of a scan.
    occupied: u64,
    /// Events of bucket 0 already popped (it is drained from the front).
    taken: usize,
    /// The last popped time: no event earlier than it may be pushed.
    last: Nanos,
    len: usize,
}

impl<E: Copy> Default for RadixHeap<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> RadixHeap<E> {
    pub fn new() -> Self {
        RadixHeap {
            buckets: std::array::from_fn(|_| Vec::new()),
            occupied: 0,
            taken: 0,
            last: 0,
            len: 0,
        }
    }

    #[inline]
    fn bucket_of(&self, time: Nanos) -> usize {
        (u64::BITS - (time ^ self.last).leading_zeros()) as usize
    }

    /// Files an event in its bucket and marks the bucket occupied.
    #[inline]
    fn file(&mut self, time: Nanos, event: E) {
        let bucket = self.bucket_of(time);
        self.buckets[bucket].push((time, event));
        // Bucket b is bit b - 1, and bucket 0 is not in the mask: the
        // shift moves its bit out (in 128 bits, so that bucket 64, times
        // 2^63 ns or more apart, is bit 63). Set without a test: a branch
        // on the bucket's emptiness mispredicts on the refills, where
        // most buckets start empty.
        self.occupied |= ((1u128 << bucket) >> 1) as u64;
    }

    /// Refills bucket 0 from the lowest non-empty bucket: its earliest
    /// time becomes `last`, and its events move down, in their order.
    fn refill(&mut self) {
        if self.occupied == 0 {
            return;
        }
        let lowest = self.occupied.trailing_zeros() as usize + 1;
        self.occupied &= !(1u64 << (lowest - 1));
        let mut moving = std::mem::take(&mut self.buckets[lowest]);
        self.last = moving.iter().map(|(t, _)| *t).min().expect("not empty");
        for (time, event) in moving.drain(..) {
            self.file(time, event);
        }
        // Keep the emptied bucket's allocation for its next events.
        self.buckets[lowest] = moving;
    }
}

impl<E: Copy> EventQueue<E> for RadixHeap<E> {
    #[inline]
    fn push(&mut self, time: Nanos, event: E) {
        debug_assert!(time >= self.last, "an event before the last popped");
        // A time before the last popped one is filed as equal to it, so a
        // release build pops it next rather than losing the order.
        let time = time.max(self.last);
        self.file(time, event);
        self.len += 1;
    }

    #[inline]
    fn pop(&mut self) -> Option<(Nanos, E)> {
        if self.len == 0 {
            return None;
        }
        if self.taken == self.buckets[0].len() {
            self.buckets[0].clear();
            self.taken = 0;
            self.refill();
        }
        let item = self.buckets[0][self.taken];
        self.taken += 1;
        self.len -= 1;
        Some(item)
    }

    fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::des::QuaternaryHeap;
    use proptest::prelude::*;

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = RadixHeap::new();
        for i in 0..10 {
            q.push(5, i);
        }
        q.push(1, 99);
        assert_eq!(q.pop(), Some((1, 99)));
        q.push(5, 10);
        for i in 0..=10 {
            assert_eq!(q.pop(), Some((5, i)));
        }
        assert!(q.pop().is_none());
    }

    #[test]
    fn times_in_the_highest_bucket_are_found() {
        // A time differing from the last popped one in bit 63 files in
        // bucket 64 (a deadline some three centuries ahead).
        let mut q = RadixHeap::new();
        q.push(1 << 63, 2);
        q.push(u64::MAX, 3);
        q.push(5, 1);
        assert_eq!(q.pop(), Some((5, 1)));
        assert_eq!(q.pop(), Some((1 << 63, 2)));
        assert_eq!(q.pop(), Some((u64::MAX, 3)));
        assert!(q.pop().is_none());
    }

    proptest! {
        /// Pushes interleaved with pops, every push at or after the last
        /// pop (as the engine does): the radix heap pops exactly what the
        /// 4-ary heap pops, ties included.
        #[test]
        fn pops_as_the_quaternary_heap_does(
            steps in proptest::collection::vec((0u64..1_000, 0usize..4), 1..400)
        ) {
            let mut radix = RadixHeap::new();
            let mut heap = QuaternaryHeap::new();
            let mut now = 0;
            for (i, (delay, pops)) in steps.into_iter().enumerate() {
                radix.push(now + delay, i);
                heap.push(now + delay, i);
                for _ in 0..pops {
                    let (a, b) = (radix.pop(), heap.pop());
                    prop_assert_eq!(a, b);
                    if let Some((t, _)) = a {
                        now = t;
                    }
                }
                prop_assert_eq!(radix.len(), heap.len());
            }
            while let Some(b) = heap.pop() {
                prop_assert_eq!(radix.pop(), Some(b));
            }
            prop_assert!(radix.pop().is_none());
        }
    }
}
