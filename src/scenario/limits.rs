//! Every bound on a scenario and on a run, in one place (docs/limits.md
//! lists them): beyond these a run would not finish in useful time, would
//! not fit in memory, or would report numbers that are not finite.

use crate::units::{NANOS_PER_SEC, Nanos};

/// Largest scenario file read (bytes).
pub const MAX_SCENARIO_BYTES: u64 = 1 << 20;
/// Replications of one run (`scenario.replications`, `-r`).
pub const MAX_REPLICATIONS: u32 = 100_000;
/// Expected sessions in one replication.
pub const MAX_SESSIONS_PER_REPLICATION: f64 = 1e9;
/// Sends per session (`otp.max_sends`).
pub const MAX_SENDS: u32 = 100;
/// Timeline buckets over duration + drain.
pub const MAX_TIMELINE_BUCKETS: u64 = 1_000_000;
/// Providers, carriers, and provider × carrier cells (each cell keeps
/// latency histograms in every replication in flight).
pub const MAX_PROVIDERS: usize = 32;
pub const MAX_CARRIERS: usize = 256;
pub const MAX_CELLS: usize = 1024;
/// Outage windows.
pub const MAX_OUTAGES: usize = 10_000;
/// Attempts an SMSC can make for one message within its validity.
pub const MAX_SMSC_ATTEMPTS: u64 = 10_000;
/// Shortest mean presence period: the handset model steps through periods.
pub const MIN_PRESENCE_MEAN: Nanos = NANOS_PER_SEC;
/// Largest price or cost of one message or call.
pub const MAX_PRICE: f64 = 1e6;
/// Largest weight, multiplier or factor.
pub const MAX_FACTOR: f64 = 1e9;
/// Longest duration written anywhere (exclusive): 500 years.
pub use crate::units::MAX_DURATION;
/// Slowest submission limit (`tps`, `bind_tps`): one message a day. Below
/// it a provider would send nothing in any run (and the next slot would
/// lie beyond the simulated time).
pub const MIN_TPS: f64 = 1.0 / 86_400.0;
/// Fastest submission limit: a provider serves one message every
/// `1 / tps`, in whole nanoseconds, so up to 1000000/s (every 1000 ns or
/// more) the rate simulated is within 0.05% of the one written.
pub const MAX_TPS: f64 = 1e6;
