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

#[derive(Clone, Copy)]
struct Entry<E> {
    time: Nanos,
    /// Insertion order: breaks ties between equal times (FIFO).
    sequence: u64,
    event: E,
}

impl<E> Entry<E> {
    #[inline]
    fn before(&self, other: &Self) -> bool {
        // One 128-bit comparison: no branch between the two keys.
        (u128::from(self.time) << 64 | u128::from(self.sequence))
            < (u128::from(other.time) << 64 | u128::from(other.sequence))
    }
}

/// A 4-ary min-heap. Shallower than a binary heap and its four children
/// share a cache line or two, which is why it beats `BinaryHeap` once the
/// pending set outgrows the cache. Sifting moves a hole rather than
/// swapping, so each level costs one copy.
pub struct QuaternaryHeap<E> {
    entries: Vec<Entry<E>>,
    next_sequence: u64,
}

impl<E: Copy> Default for QuaternaryHeap<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> QuaternaryHeap<E> {
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

    /// Places `item` starting from the hole at `index`, rising. The item
    /// comes in by value rather than read back from its slot: a load of an
    /// entry just stored field by field stalls store-to-load forwarding.
    #[inline]
    fn sift_up(&mut self, mut index: usize, item: Entry<E>) {
        while index > 0 {
            let parent = (index - 1) / 4;
            if !item.before(&self.entries[parent]) {
                break;
            }
            self.entries[index] = self.entries[parent];
            index = parent;
        }
        self.entries[index] = item;
    }

    /// Places `item` starting from the hole at `index`: the hole first
    /// sinks to the bottom along the smallest children, then `item` rises
    /// from there. Items pushed later than most (the usual case) barely
    /// rise, so this saves a comparison per level over the textbook sift.
    fn sift_down(&mut self, mut index: usize, item: Entry<E>) {
        let len = self.entries.len();
        loop {
            let first = 4 * index + 1;
            if first >= len {
                break;
            }
            let children = &self.entries[first..(first + 4).min(len)];
            let smallest = if let [a, b, c, d] = children {
                // All four present (the usual case): a tournament of three
                // comparisons, without the loop's bookkeeping.
                let ab = if b.before(a) { 1 } else { 0 };
                let cd = if d.before(c) { 3 } else { 2 };
                if children[cd].before(&children[ab]) {
                    cd
                } else {
                    ab
                }
            } else {
                let mut smallest = 0;
                for (offset, child) in children.iter().enumerate().skip(1) {
                    if child.before(&children[smallest]) {
                        smallest = offset;
                    }
                }
                smallest
            };
            self.entries[index] = children[smallest];
            index = first + smallest;
        }
        self.sift_up(index, item);
    }
}

impl<E: Copy> EventQueue<E> for QuaternaryHeap<E> {
    #[inline]
    fn push(&mut self, time: Nanos, event: E) {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        let item = Entry {
            time,
            sequence,
            event,
        };
        self.entries.push(item);
        let last = self.entries.len() - 1;
        self.sift_up(last, item);
    }

    #[inline]
    fn pop(&mut self) -> Option<(Nanos, E)> {
        let last = self.entries.pop()?;
        if self.entries.is_empty() {
            return Some((last.time, last.event));
        }
        let top = self.entries[0];
        self.sift_down(0, last);
        Some((top.time, top.event))
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
