//! The discrete-event core: the clock (virtual or paced to the wall), the
//! event queues ordered by (time, insertion sequence) (a 4-ary heap and a
//! radix heap for times that never go backwards), and the pinned
//! random-number streams.

mod clock;
mod queue;
mod radix;
mod rng;

pub use clock::{Clock, RealClock, VirtualClock};
pub use queue::{EventQueue, QuaternaryHeap};
pub use radix::RadixHeap;
pub use rng::{Purpose, RngStreams, SimRng};
