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
//!    `output` (atomic writes), `text` (SMS encodings and segments),
//!    `tls` (certificates and keys read from PEM, the server and client
//!    TLS configs the live modes and the scenario check share).
//! 2. `scenario`: a TOML file, checked into a `Scenario` whose names are
//!    resolved to `ProviderId`/`CarrierId`, with diagnostics that point at
//!    the file's line and key.
//! 3. `model`: the world of `docs/model.md`. `World::resolve` decides one
//!    message's fate; `model::session` is the user's behaviour as a state
//!    machine; every mode (batch, live) calls these.
//! 4. `metrics` (what one replication counted), `simulation` (the batch
//!    engine: one replication in virtual time), `report` (intervals,
//!    verdicts, the text tables; a simulated or measured run as data),
//!    `protocol` (what both ends of a wire share: the vocabulary that says
//!    a fate on SMPP and Twilio's API and reads it back; SMPP framing, the
//!    receipt text written and read, the server's requests and answers,
//!    and the one client session `load` and `bench` bind through),
//!    `records` (one row per message, `--events`, the same for every
//!    mode), `export` (every other output format).
//! 5. Application: `runner` (replications on a thread pool, in order),
//!    `sweep`, `sensitivity` (one input varied at a time, on common random
//!    numbers), `shard` (sharded runs and `merge`), `partial` (the
//!    partial-result format and its codec, which `shard` and `load`
//!    write), `error` (every failure with its exit code), `fit` (delivery
//!    records read backwards into a scenario with intervals, and held
//!    against a simulation of it).
//! 6. The live modes, siblings that share the layers below and never
//!    import each other: `serve` (the scenario's providers as a fake SMSC
//!    and Twilio-shaped HTTP API, in real time), `load` (the scenario's
//!    traffic against a real endpoint, measured and reported as `run`
//!    reports), `bench` (measurement workloads, and the pacing and
//!    measuring of `bench smpp` over the shared client).
//! 7. `cli`: one file per command. `tests/architecture.rs` checks the
//!    layering, that no imports form a cycle, and the modes' independence.

pub mod bench;
pub mod cli;
pub mod des;
pub mod distribution;
pub mod error;
pub mod export;
pub mod fit;
pub mod load;
pub mod metrics;
pub mod model;
pub mod output;
pub mod partial;
pub mod progress;
pub mod protocol;
pub mod records;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod sensitivity;
pub mod serve;
pub mod shard;
pub mod simulation;
pub mod stats;
pub mod sweep;
pub mod text;
pub mod tls;
pub mod units;

pub use error::Error;
pub use report::RunResults;
pub use runner::{simulate, simulate_all};
