//! Pending events, popped in (time, insertion sequence) order so that equal
//! times are first-in first-out and every run is reproducible.

use crate::units::Nanos;

/// What the engine needs from an event queue; kept small so that other
/// structures (a radix heap, a calendar queue) can be measured against it.
pub trait EventQueue<E> {
    fn push(&mut self, time: Nanos, event: E);
    /// The earliest event; among equal times, the one pushed first.
    fn pop(&mut self) -> Option<(Nanos, E)>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

struct Entry<E> {
    /// Time in the high 64 bits, insertion sequence in the low 64 bits: one
    /// integer comparison orders by time, then FIFO.
    key: u128,
    event: E,
}

/// A 4-ary min-heap. Shallower than a binary heap and its four children
/// share a cache line or two, which is why it beats `BinaryHeap` once the
/// pending set outgrows the cache.
pub struct QuaternaryHeap<E> {
    entries: Vec<Entry<E>>,
    next_sequence: u64,
}

impl<E> Default for QuaternaryHeap<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> QuaternaryHeap<E> {
    pub fn new() -> Self {
        QuaternaryHeap {
            entries: Vec::new(),
            next_sequence: 0,
        }
    }

    pub fn with_capacity(capacity: usize) -> Self {
        QuaternaryHeap {
            entries: Vec::with_capacity(capacity),
            next_sequence: 0,
        }
    }

    pub fn peek_time(&self) -> Option<Nanos> {
        self.entries.first().map(|e| (e.key >> 64) as Nanos)
    }

    fn sift_up(&mut self, mut index: usize) {
        while index > 0 {
            let parent = (index - 1) / 4;
            if self.entries[index].key >= self.entries[parent].key {
                break;
            }
            self.entries.swap(index, parent);
            index = parent;
        }
    }

    fn sift_down(&mut self, mut index: usize) {
        let len = self.entries.len();
        loop {
            let first_child = 4 * index + 1;
            if first_child >= len {
                break;
            }
            let last_child = (first_child + 4).min(len);
            let mut smallest = first_child;
            for child in first_child + 1..last_child {
                if self.entries[child].key < self.entries[smallest].key {
                    smallest = child;
                }
            }
            if self.entries[smallest].key >= self.entries[index].key {
                break;
            }
            self.entries.swap(index, smallest);
            index = smallest;
        }
    }
}

impl<E> EventQueue<E> for QuaternaryHeap<E> {
    fn push(&mut self, time: Nanos, event: E) {
        let key = ((time as u128) << 64) | self.next_sequence as u128;
        self.next_sequence += 1;
        self.entries.push(Entry { key, event });
        let last = self.entries.len() - 1;
        self.sift_up(last);
    }

    fn pop(&mut self) -> Option<(Nanos, E)> {
        if self.entries.is_empty() {
            return None;
        }
        let entry = self.entries.swap_remove(0);
        if !self.entries.is_empty() {
            self.sift_down(0);
        }
        Some(((entry.key >> 64) as Nanos, entry.event))
    }

    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = QuaternaryHeap::new();
        for i in 0..10 {
            q.push(5, i);
        }
        q.push(1, 99);
        assert_eq!(q.pop(), Some((1, 99)));
        for i in 0..10 {
            assert_eq!(q.pop(), Some((5, i)));
        }
        assert!(q.pop().is_none());
    }

    proptest! {
        #[test]
        fn pops_sorted_by_time_then_sequence(times in proptest::collection::vec(0u64..50, 0..300)) {
            let mut q = QuaternaryHeap::new();
            for (i, t) in times.iter().enumerate() {
                q.push(*t, i);
            }
            let mut expected: Vec<(u64, usize)> = times.iter().copied().zip(0..).collect();
            expected.sort();
            let mut got = Vec::new();
            while let Some(e) = q.pop() {
                got.push(e);
            }
            prop_assert_eq!(got, expected);
        }
    }
}
