//! Measurement workloads behind `simsms bench`: the engine's hold model
//! (against `std::collections::BinaryHeap`, side by side), an M/M/1 queue
//! on the engine (the SimPy comparison in `bench/`), and sessions per
//! second on the shipped scenarios, and `smpp`: a pipelined client that
//! measures `simsms serve`. Figures go to `docs/performance.md`.

pub mod smpp;

use crate::des::{EventQueue, Purpose, QuaternaryHeap, RadixHeap, RngStreams};
use crate::units::{NANOS_PER_SEC, Nanos};
use rand::Rng;
use rand_distr::{Distribution, Exp1};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Instant;

/// Events per second of the hold model: pop the earliest event and push
/// one at now + Exp(mean), with `pending` events always queued, on each
/// queue; and a fingerprint of the order each popped in.
pub struct HoldResult {
    pub pending: usize,
    pub operations: u64,
    pub quaternary_per_sec: f64,
    pub binary_per_sec: f64,
    pub radix_per_sec: f64,
    /// Per queue (4-ary, BinaryHeap, radix): a hash of every popped
    /// (time, event) in order; equal when they popped the same sequence.
    pub fingerprints: [u64; 3],
}

fn exp_nanos(rng: &mut impl Rng) -> Nanos {
    let e: f64 = Exp1.sample(rng);
    (e * NANOS_PER_SEC as f64) as Nanos
}

/// `std::collections::BinaryHeap` keyed by (time, sequence), as the
/// baseline.
struct StdHeap {
    heap: BinaryHeap<Reverse<(Nanos, u64, u32)>>,
    sequence: u64,
}

impl EventQueue<u32> for StdHeap {
    fn push(&mut self, time: Nanos, event: u32) {
        self.heap.push(Reverse((time, self.sequence, event)));
        self.sequence += 1;
    }
    fn pop(&mut self) -> Option<(Nanos, u32)> {
        self.heap.pop().map(|Reverse((t, _, e))| (t, e))
    }
    fn len(&self) -> usize {
        self.heap.len()
    }
}

/// The hold model on `queue`: (seconds, fingerprint of the pops).
fn hold_on(mut queue: impl EventQueue<u32>, pending: usize, operations: u64) -> (f64, u64) {
    let mut rng = RngStreams::new(1, 0).stream(Purpose::Arrivals, pending as u64, 0);
    for i in 0..pending {
        queue.push(exp_nanos(&mut rng), i as u32);
    }
    let mut fingerprint = 0u64;
    let start = Instant::now();
    for _ in 0..operations {
        let (t, e) = queue.pop().expect("pending events");
        fingerprint = fingerprint.rotate_left(7) ^ t ^ u64::from(e);
        queue.push(t + exp_nanos(&mut rng), e);
    }
    (start.elapsed().as_secs_f64(), fingerprint)
}

/// Runs the hold model on the engine's 4-ary heap, on `BinaryHeap` and on
/// the radix heap, with the same keys and the same random increments.
pub fn hold_model(pending: usize, operations: u64) -> HoldResult {
    let (quaternary, q) = hold_on(
        QuaternaryHeap::with_capacity(pending + 1),
        pending,
        operations,
    );
    let std_heap = StdHeap {
        heap: BinaryHeap::with_capacity(pending + 1),
        sequence: 0,
    };
    let (binary, b) = hold_on(std_heap, pending, operations);
    let (radix, r) = hold_on(RadixHeap::new(), pending, operations);
    let rate = |seconds: f64| operations as f64 / seconds;
    HoldResult {
        pending,
        operations,
        quaternary_per_sec: rate(quaternary),
        binary_per_sec: rate(binary),
        radix_per_sec: rate(radix),
        fingerprints: [q, b, r],
    }
}

/// An M/M/1 queue simulated on the engine.
pub struct Mm1Result {
    pub customers: u64,
    pub events: u64,
    pub seconds: f64,
    /// Mean wait in queue (before service), in time units of 1/μ.
    pub mean_wait: f64,
    pub theory: f64,
}

// A whole word, so that heap entries move as three whole words: with a
// one-byte event, the copies in and out of the heap wrote part of a word
// and read it back whole, and the processor's store-to-load forwarding
// stalled on each (about 60% of the time, by `perf annotate`).
#[derive(Clone, Copy)]
#[repr(u64)]
enum Mm1Event {
    Arrival,
    Departure,
}

/// Simulates `customers` customers through an M/M/1 queue with arrival
/// rate `lambda` and service rate `mu` (per time unit).
pub fn mm1(customers: u64, lambda: f64, mu: f64, seed: u64) -> Mm1Result {
    let start = Instant::now();
    let streams = RngStreams::new(seed, 0);
    let mut rng = streams.stream(Purpose::Arrivals, 0, 0);
    // Time unit = 1e6 ns, so sub-unit times stay exact enough.
    let unit = 1e6;
    // Mean gaps in nanoseconds, so that a draw is one multiplication.
    let (arrival_gap, service_time) = (unit / lambda, unit / mu);
    let draw = |rng: &mut crate::des::SimRng, mean: f64| -> Nanos {
        let e: f64 = Exp1.sample(rng);
        (e * mean) as Nanos
    };
    // At most two events pending: the 4-ary heap's few comparisons beat
    // the radix heap's refill at nearly every pop (0.043 against 0.067 µs
    // per customer, measured side by side).
    let mut events = QuaternaryHeap::with_capacity(16);
    let mut waiting: VecDeque<Nanos> = VecDeque::new();
    let mut busy = false;
    let (mut arrived, mut served, mut processed) = (0u64, 0u64, 0u64);
    let mut total_wait: Nanos = 0;
    events.push(draw(&mut rng, arrival_gap), Mm1Event::Arrival);
    while let Some((now, event)) = events.pop() {
        processed += 1;
        match event {
            Mm1Event::Arrival => {
                arrived += 1;
                if arrived < customers {
                    events.push(now + draw(&mut rng, arrival_gap), Mm1Event::Arrival);
                }
                if busy {
                    waiting.push_back(now);
                } else {
                    busy = true;
                    events.push(now + draw(&mut rng, service_time), Mm1Event::Departure);
                }
            }
            Mm1Event::Departure => {
                served += 1;
                match waiting.pop_front() {
                    Some(arrival) => {
                        total_wait += now - arrival;
                        events.push(now + draw(&mut rng, service_time), Mm1Event::Departure);
                    }
                    None => busy = false,
                }
            }
        }
    }
    let rho = lambda / mu;
    Mm1Result {
        customers: served,
        events: processed,
        seconds: start.elapsed().as_secs_f64(),
        mean_wait: total_wait as f64 / unit / served as f64,
        theory: rho / (mu * (1.0 - rho)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hold_model_heaps_agree() {
        // Every queue pops the same events in the same order.
        let r = hold_model(1000, 20_000);
        let [q, b, radix] = r.fingerprints;
        assert_eq!((q, radix), (b, b), "the queues popped different sequences");
        let other = hold_model(1000, 20_001);
        assert_ne!(other.fingerprints[0], q, "the fingerprint sees every pop");
    }

    #[test]
    fn mm1_mean_wait_matches_theory() {
        // ρ = 0.5, μ = 1: Wq = 1. Ten independent runs; the theory must lie
        // in the 99.9% t interval of their means (t = 4.781 for 9 df).
        let waits: Vec<f64> = (0..10)
            .map(|seed| mm1(100_000, 0.5, 1.0, seed).mean_wait)
            .collect();
        let n = waits.len() as f64;
        let mean = waits.iter().sum::<f64>() / n;
        let sd = (waits.iter().map(|w| (w - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let half = 4.781 * sd / n.sqrt();
        assert!((mean - 1.0).abs() < half, "mean wait {mean} ± {half}");
        let r = mm1(1_000, 0.5, 1.0, 1);
        assert_eq!((r.customers, r.events), (1_000, 2_000));
    }
}
