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
/// Memory of one session in flight in the batch engine (measured by
/// `bench/sim_memory.sh`, peak virtual memory, rounded up).
pub const BYTES_PER_SESSION: f64 = 320.0;
/// Memory of one number kept by a sliding window (repeat filter,
/// per-number limit): measured 216 to 328 bytes, and a window's map may
/// hold up to twice its active numbers between clean-ups.
pub const BYTES_PER_NUMBER: f64 = 400.0;
/// Largest memory estimate of one replication; the runner also runs no
/// more replications at once than fit in it together.
pub const MAX_REPLICATION_BYTES: f64 = 2e9;
/// Longest name of a scenario, provider, carrier or alternative, in
/// characters: names go into every table, file name and chart.
pub const MAX_NAME_CHARS: usize = 100;
/// Largest count of alternatives of one scenario.
pub const MAX_ALTERNATIVES: usize = 100;
/// Provider × carrier cells over the scenario and all its alternatives
/// together: each keeps latency histograms in every replication in flight
/// and rows in every report.
pub const MAX_VARIANT_CELLS: usize = 4096;
