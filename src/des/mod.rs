//! The discrete-event core: simulated clock, the event queue ordered by
//! (time, insertion sequence), and the pinned random-number streams.

mod queue;
mod rng;

pub use queue::{EventQueue, QuaternaryHeap};
pub use rng::{Purpose, RngStreams, SimRng};
