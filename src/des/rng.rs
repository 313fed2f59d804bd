//! Random-number streams. The generator is pinned (xoshiro256++ from
//! `rand_xoshiro`, whose output is fixed by its algorithm, unlike `StdRng`),
//! and every stream is derived from (seed, replication, purpose, entity) so
//! that what a user is like never depends on which provider or routing
//! alternative is simulated (common random numbers).

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The simulator's generator.
pub type SimRng = Xoshiro256PlusPlus;

/// What a stream is used for; part of its identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Session inter-arrival times.
    Arrivals = 1,
    /// Everything drawn once about a session's user.
    User = 2,
    /// The user's handset presence process.
    Presence = 3,
    /// One send of one session: routing, latencies, filters, receipts.
    Message = 4,
    /// Which provider a weighted routing policy picks for one send.
    Routing = 5,
    /// A carrier's repeat filter on one send (drawn only when it applies).
    Repeat = 6,
    /// The parts after the first of a multipart message: each part's loss.
    Part = 7,
    /// One send's SMSC stage: radio delays and the attempts' draws. Its
    /// own stream, so re-deciding the stage after an outage is injected
    /// (`World::redeliver`) draws what the first decision drew. The
    /// largest number: `RngStreams` keeps one mixed key per purpose up to it.
    Smsc = 8,
}

/// Derives independent streams from the scenario seed.
#[derive(Debug, Clone, Copy)]
pub struct RngStreams {
    /// The (seed, replication, purpose) part of every stream's key, mixed
    /// once per purpose (indexed by its number) rather than per stream.
    purposes: [u64; PURPOSES],
}

/// One more than the largest `Purpose` number.
const PURPOSES: usize = Purpose::Smsc as usize + 1;

impl RngStreams {
    pub fn new(seed: u64, replication: u64) -> Self {
        let base = splitmix(splitmix(seed ^ 0x5157_534D_5300_0000) ^ replication);
        let purposes = std::array::from_fn(|purpose| splitmix(base ^ purpose as u64));
        RngStreams { purposes }
    }

    /// A stream for (purpose, entity, sub-entity); e.g. (Message, session, send).
    pub fn stream(&self, purpose: Purpose, entity: u64, sub: u64) -> SimRng {
        let mut h = self.purposes[purpose as usize];
        h = splitmix(h ^ entity);
        h = splitmix(h ^ sub);
        seed_from_u64(h)
    }
}

/// Exactly `SimRng::seed_from_u64`: the state is the next four outputs of
/// SplitMix64 from `seed`. Written out because the generic path copies them
/// through a byte buffer, a measurable share of the cost of every stream.
fn seed_from_u64(seed: u64) -> SimRng {
    let mut x = seed;
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_exact_mut(8) {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        chunk.copy_from_slice(&splitmix_output(x).to_le_bytes());
    }
    SimRng::from_seed(bytes)
}

/// SplitMix64's output function on an already advanced state.
#[inline(always)]
fn splitmix_output(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64's finaliser: a bijective mixer, so distinct inputs never collide.
fn splitmix(x: u64) -> u64 {
    splitmix_output(x.wrapping_add(0x9E37_79B9_7F4A_7C15))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let s = RngStreams::new(42, 0);
        let a: u64 = s.stream(Purpose::User, 7, 0).random();
        let b: u64 = s.stream(Purpose::User, 7, 0).random();
        let c: u64 = s.stream(Purpose::User, 8, 0).random();
        let d: u64 = RngStreams::new(42, 1).stream(Purpose::User, 7, 0).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn generator_output_is_pinned() {
        // If this changes, every reference result changes: the generator or
        // the derivation moved, which must never happen by accident.
        let v: u64 = RngStreams::new(1, 0)
            .stream(Purpose::Arrivals, 0, 0)
            .random();
        assert_eq!(v, PINNED_FIRST_DRAW);
    }

    #[test]
    fn the_written_out_seeding_equals_the_generators_own() {
        let mut x = 0x1234_5678_9abc_def0u64;
        for _ in 0..10_000 {
            x = splitmix(x);
            let mut ours = seed_from_u64(x);
            let mut theirs = SimRng::seed_from_u64(x);
            assert_eq!(ours.random::<u64>(), theirs.random::<u64>());
            assert_eq!(ours, theirs);
        }
    }

    const PINNED_FIRST_DRAW: u64 = 4_691_679_703_899_039_062;
}
