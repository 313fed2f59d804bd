//! The discrete-event core: the clock (virtual or paced to the wall), the
//! event queue ordered by (time, insertion sequence), and the pinned
//! random-number streams.

mod clock;
mod queue;
mod rng;

pub use clock::{Clock, RealClock, VirtualClock};
pub use queue::{EventQueue, QuaternaryHeap};
pub use rng::{Purpose, RngStreams, SimRng};
