//! simsms: simulate one-time-password SMS delivery (senders, routes, carrier
//! filters, SMSC store-and-forward, number portability, outages) and report
//! how many users get their code, how fast, and at what cost.
//!
//! `scenario` reads and checks a world; `model` decides what happens to each
//! message and user; `simulation` runs replications on the `des` engine;
//! `metrics`, `stats` and `report` turn counts into intervals and tables.

pub mod cli;
pub mod des;
pub mod distribution;
pub mod metrics;
pub mod model;
pub mod output;
pub mod report;
pub mod scenario;
pub mod simulation;
pub mod stats;
pub mod units;

use std::fmt;

/// Everything that can stop a command, with its documented exit code.
#[derive(Debug)]
pub enum Error {
    /// The scenario file is invalid (exit 2).
    Scenario(scenario::ScenarioError),
    /// Bad command-line use (exit 2).
    Usage(String),
    /// Reading or writing a file failed (exit 3).
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Scenario(_) | Error::Usage(_) => 2,
            Error::Io { .. } => 3,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Scenario(e) => write!(f, "{e}"),
            Error::Usage(msg) => write!(f, "error: {msg}"),
            Error::Io { path, source } => write!(f, "error: {path}: {source}"),
        }
    }
}

impl std::error::Error for Error {}

/// The scenario's report and one per routing alternative.
pub struct RunResults {
    pub base: report::Report,
    /// `(alternative name, report)`, in file order.
    pub alternatives: Vec<(String, report::Report)>,
}

impl RunResults {
    pub fn all_passed(&self) -> bool {
        self.base.all_passed()
    }
}

/// Simulates the scenario and each of its routing alternatives on the same
/// users.
pub fn simulate_all(sc: &scenario::Scenario, source: &str, threads: usize) -> RunResults {
    let base = simulate(sc, source, threads);
    let alternatives = (0..sc.alternatives.len())
        .map(|i| {
            (
                sc.alternatives[i].name.clone(),
                simulate(&sc.alternatives[i].scenario, source, threads),
            )
        })
        .collect();
    RunResults { base, alternatives }
}

/// Simulates a scenario on `threads` threads and builds its report.
pub fn simulate(scenario: &scenario::Scenario, source: &str, threads: usize) -> report::Report {
    let mut aggregator = report::Aggregator::new(scenario);
    simulation::run_replications(scenario, threads, |_, metrics| aggregator.add(metrics));
    aggregator.finish(source)
}
