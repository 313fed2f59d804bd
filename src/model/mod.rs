//! The world model of `docs/model.md`: who the users are, what providers, routes
//! and carriers do to one message, and how the user behaves across sends.
//! Everything here is a pure function of the scenario, the time and the
//! random streams, so the batch engine and a live SMSC can share it.

pub mod chance;
pub mod message;
pub mod outage;
pub mod outcome;
pub mod provider;
pub mod repeats;
pub mod routing;
pub mod session;
pub mod smsc;
pub mod traffic;
pub mod user;

pub use message::{Fate, MessageRequest, World, number_key};
pub use outcome::{Outcome, Receipt, SessionCounts, SessionEndKind, SessionOutcome, charge};
pub use provider::{Admission, ProviderQueue, QueueLimits};
pub use repeats::{CarrierMemory, SlidingCounts};
pub use routing::Router;
pub use session::{Action, Event, OtpSession, SessionEnd, SessionPolicy};
pub use smsc::SmscVisit;
pub use traffic::ArrivalProcess;
pub use user::{Hygiene, PresenceCursor, User};
