//! Measurement workloads behind `simsms bench`: the engine's hold model
//! (against `std::collections::BinaryHeap`, side by side), an M/M/1 queue
//! on the engine (the SimPy comparison in `bench/`), and sessions per
//! second on the shipped scenarios, and `smpp`: a pipelined client that
//! measures `simsms serve`. Figures go to `docs/performance.md`.

pub mod smpp;

use crate::des::{EventQueue, Purpose, QuaternaryHeap, RngStreams};
use crate::units::{NANOS_PER_SEC, Nanos};
use rand::Rng;
use rand_distr::{Distribution, Exp1};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Instant;

/// Events per second of the hold model: pop the earliest event and push
/// one at now + Exp(mean), with `pending` events always queued.
pub struct HoldResult {
    pub pending: usize,
    pub operations: u64,
    pub quaternary_per_sec: f64,
    pub binary_per_sec: f64,
    /// A hash of each heap's pops, (time, event) in order: equal when
    /// both popped the same events at the same times in the same order.
    pub quaternary_pops: u64,
    pub binary_pops: u64,
}

/// Folds one pop into a hash of the sequence of pops, order included.
#[inline]
fn fold_pop(hash: u64, time: Nanos, event: u32) -> u64 {
    (hash ^ time ^ ((event as u64) << 40)).wrapping_mul(0x0000_0100_0000_01b3)
}

fn exp_nanos(rng: &mut impl Rng) -> Nanos {
    let e: f64 = Exp1.sample(rng);
    (e * NANOS_PER_SEC as f64) as Nanos
}

/// Runs the hold model on the engine's 4-ary heap and on `BinaryHeap` with
/// the same (time, sequence) keys and the same random increments.
pub fn hold_model(pending: usize, operations: u64) -> HoldResult {
    let streams = RngStreams::new(1, 0);
    let time_it = |run: &mut dyn FnMut()| {
        let start = Instant::now();
        run();
        start.elapsed().as_secs_f64()
    };

    let mut rng = streams.stream(Purpose::Arrivals, pending as u64, 0);
    let mut heap = QuaternaryHeap::with_capacity(pending + 1);
    for i in 0..pending {
        heap.push(exp_nanos(&mut rng), i as u32);
    }
    let mut checksum = 0u64;
    let quaternary = time_it(&mut || {
        for _ in 0..operations {
            let (t, e) = heap.pop().expect("pending events");
            checksum = fold_pop(checksum, t, e);
            heap.push(t + exp_nanos(&mut rng), e);
        }
    });

    let mut rng = streams.stream(Purpose::Arrivals, pending as u64, 0);
    let mut binary = BinaryHeap::with_capacity(pending + 1);
    let mut sequence = 0u64;
    for i in 0..pending {
        binary.push(Reverse((exp_nanos(&mut rng), sequence, i as u32)));
        sequence += 1;
    }
    let mut checksum_binary = 0u64;
    let binary_time = time_it(&mut || {
        for _ in 0..operations {
            let Reverse((t, _, e)) = binary.pop().expect("pending events");
            checksum_binary = fold_pop(checksum_binary, t, e);
            binary.push(Reverse((t + exp_nanos(&mut rng), sequence, e)));
            sequence += 1;
        }
    });
    assert_eq!(
        checksum, checksum_binary,
        "both heaps must pop the same events"
    );
    HoldResult {
        pending,
        operations,
        quaternary_per_sec: operations as f64 / quaternary,
        binary_per_sec: operations as f64 / binary_time,
        quaternary_pops: checksum,
        binary_pops: checksum_binary,
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

#[derive(Clone, Copy)]
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
    let draw = |rng: &mut crate::des::SimRng, rate: f64| -> Nanos {
        let e: f64 = Exp1.sample(rng);
        (e / rate * unit) as Nanos
    };
    let mut events = QuaternaryHeap::with_capacity(16);
    let mut waiting: VecDeque<Nanos> = VecDeque::new();
    let mut busy = false;
    let (mut arrived, mut served, mut processed) = (0u64, 0u64, 0u64);
    let mut total_wait: f64 = 0.0;
    events.push(draw(&mut rng, lambda), Mm1Event::Arrival);
    while let Some((now, event)) = events.pop() {
        processed += 1;
        match event {
            Mm1Event::Arrival => {
                arrived += 1;
                if arrived < customers {
                    events.push(now + draw(&mut rng, lambda), Mm1Event::Arrival);
                }
                if busy {
                    waiting.push_back(now);
                } else {
                    busy = true;
                    events.push(now + draw(&mut rng, mu), Mm1Event::Departure);
                }
            }
            Mm1Event::Departure => {
                served += 1;
                match waiting.pop_front() {
                    Some(arrival) => {
                        total_wait += (now - arrival) as f64 / unit;
                        events.push(now + draw(&mut rng, mu), Mm1Event::Departure);
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
        mean_wait: total_wait / served as f64,
        theory: rho / (mu * (1.0 - rho)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hold_model_heaps_agree() {
        let r = hold_model(1000, 20_000);
        assert!(r.quaternary_per_sec > 0.0 && r.binary_per_sec > 0.0);
        assert_eq!(
            r.quaternary_pops, r.binary_pops,
            "the heaps popped differently"
        );
        // The hash sees the order of pops, not only which were popped.
        let (a, b) = (
            fold_pop(fold_pop(0, 1, 2), 3, 4),
            fold_pop(fold_pop(0, 3, 4), 1, 2),
        );
        assert_ne!(a, b);
        assert_ne!(fold_pop(0, 1, 2), fold_pop(0, 2, 2), "nor the time");
        assert_ne!(r.quaternary_pops, hold_model(1000, 20_001).quaternary_pops);
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
