//! simsms: simulate one-time-password SMS delivery (senders, routes, carrier
//! filters, SMSC store-and-forward, number portability, outages) and report
//! how many users get their code, how fast, and at what cost.
//!
//! A short tour, bottom layer first; no module imports from a layer above
//! its own.
//!
//! 1. Foundations: `units` (durations, rates), `distribution` (latency
//!    shapes), `stats` (intervals, quantiles), `des` (clock, event queue,
//!    pinned random streams), `progress` (counters a display reads),
//!    `output` (atomic writes).
//! 2. `scenario`: a TOML file, checked into a `Scenario` whose names are
//!    resolved to `ProviderId`/`CarrierId`, with diagnostics that point at
//!    the file's line and key.
//! 3. `model`: the world of `docs/model.md`. `World::resolve` decides one
//!    message's fate; `model::session` is the user's behaviour as a state
//!    machine; every mode (batch, live) calls these.
//! 4. `metrics` (what one replication counted), `simulation` (the batch
//!    engine: one replication in virtual time), `report` (intervals,
//!    verdicts, the text tables), `export` (every other output format).
//! 5. Application: `runner` (replications on a thread pool, in order),
//!    `sweep`, `shard` (sharded runs and `merge`), `partial` (the
//!    partial-result format and its codec, which `shard` and `load` write),
//!    `bench`, `error`; then `cli` (one file per command).
//!    `tests/architecture.rs` checks the layering.

pub mod bench;
pub mod cli;
pub mod des;
pub mod distribution;
pub mod error;
pub mod export;
pub mod load;
pub mod metrics;
pub mod model;
pub mod output;
pub mod partial;
pub mod progress;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod sensitivity;
pub mod serve;
pub mod shard;
pub mod simulation;
pub mod stats;
pub mod sweep;
pub mod units;

pub use error::Error;
pub use report::RunResults;
pub use runner::{simulate, simulate_all};
