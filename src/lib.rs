//! simsms: simulate one-time-password SMS delivery (senders, routes, carrier
//! filters, SMSC store-and-forward, number portability, outages) and report
//! how many users get their code, how fast, and at what cost.
//!
//! `scenario` reads and checks a world; `model` decides what happens to each
//! message and user; `simulation` runs replications on the `des` engine;
//! `metrics`, `stats` and `report` turn counts into intervals and tables.

pub mod bench;
pub mod cli;
pub mod des;
pub mod distribution;
pub mod export;
pub mod metrics;
pub mod model;
pub mod output;
pub mod progress;
pub mod report;
pub mod scenario;
pub mod shard;
pub mod simulation;
pub mod stats;
pub mod sweep;
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

/// Reports of the scenario and its alternatives, and the expectations'
/// verdicts.
pub struct RunResults {
    /// Variant names: the scenario (`scenario::BASE_NAME`), then each
    /// alternative.
    pub names: Vec<String>,
    /// One per variant, `None` for variants not simulated.
    pub reports: Vec<Option<report::Report>>,
    pub verdicts: Vec<report::Verdict>,
}

impl RunResults {
    pub fn all_passed(&self) -> bool {
        self.verdicts.iter().all(|v| v.passed)
    }

    /// The simulated variants, in order, with their indices.
    pub fn simulated(&self) -> impl Iterator<Item = (usize, &str, &report::Report)> {
        self.reports
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().map(|r| (i, self.names[i].as_str(), r)))
    }
}

/// Which variants to simulate: those in `wanted` (0 the scenario, i its
/// i-th alternative) and any that expectations refer to.
pub fn needed_variants(sc: &scenario::Scenario, wanted: &[usize]) -> Vec<bool> {
    let mut needed = vec![false; sc.alternatives.len() + 1];
    for &i in wanted {
        needed[i] = true;
    }
    for e in &sc.expectations {
        needed[e.alternative] = true;
        if let Some(c) = e.compared_to {
            needed[c] = true;
        }
    }
    needed
}

/// Wraps per-variant reports into results and checks the expectations.
pub fn results_from_reports(
    sc: &scenario::Scenario,
    reports: Vec<Option<report::Report>>,
) -> RunResults {
    let mut results = RunResults {
        names: sc.alternative_names(),
        reports,
        verdicts: Vec::new(),
    };
    results.verdicts = report::evaluate(sc, &results);
    results
}

/// Simulates the variants in `wanted` and any that expectations refer to,
/// all on the same users, then checks the expectations.
pub fn simulate_variants(
    sc: &scenario::Scenario,
    source: &str,
    threads: usize,
    wanted: &[usize],
) -> RunResults {
    simulate_variants_reporting(sc, source, threads, wanted, None)
}

/// As `simulate_variants`, updating `progress`.
pub fn simulate_variants_reporting(
    sc: &scenario::Scenario,
    source: &str,
    threads: usize,
    wanted: &[usize],
    progress: Option<&progress::Progress>,
) -> RunResults {
    let needed = needed_variants(sc, wanted);
    // One pool of (variant, replication) jobs, so alternatives run in
    // parallel too; each variant's replications still fold in order.
    let variants: Vec<usize> = (0..needed.len()).filter(|&v| needed[v]).collect();
    let shared: Vec<std::sync::Arc<scenario::Scenario>> = variants
        .iter()
        .map(|&v| std::sync::Arc::new(sc.variant(v).clone()))
        .collect();
    let jobs: Vec<(&std::sync::Arc<scenario::Scenario>, u32)> = shared
        .iter()
        .flat_map(|v| (0..v.replications).map(move |r| (v, r)))
        .collect();
    let owners: Vec<usize> = variants
        .iter()
        .flat_map(|&v| std::iter::repeat_n(v, sc.variant(v).replications as usize))
        .collect();
    if let Some(p) = progress {
        let label = format!("{} alternative(s)", variants.len());
        p.start_batch(&label, jobs.len() as u32, sc.duration + sc.drain);
    }
    let mut aggregators: Vec<Option<report::Aggregator>> = (0..needed.len())
        .map(|v| needed[v].then(|| report::Aggregator::new(sc.variant(v))))
        .collect();
    simulation::run_jobs(&jobs, threads, progress, |k, metrics| {
        aggregators[owners[k]]
            .as_mut()
            .expect("needed variant")
            .add(metrics);
    });
    let reports = aggregators
        .into_iter()
        .map(|a| a.map(|a| a.finish(source)))
        .collect();
    results_from_reports(sc, reports)
}

/// Simulates the scenario and every alternative.
pub fn simulate_all(sc: &scenario::Scenario, source: &str, threads: usize) -> RunResults {
    let all: Vec<usize> = (0..=sc.alternatives.len()).collect();
    simulate_variants(sc, source, threads, &all)
}

/// Simulates a scenario on `threads` threads and builds its report.
pub fn simulate(scenario: &scenario::Scenario, source: &str, threads: usize) -> report::Report {
    simulate_reporting(scenario, source, threads, None)
}

/// As `simulate`, updating `progress`.
pub fn simulate_reporting(
    scenario: &scenario::Scenario,
    source: &str,
    threads: usize,
    progress: Option<&progress::Progress>,
) -> report::Report {
    let mut aggregator = report::Aggregator::new(scenario);
    simulation::run_replications_reporting(scenario, threads, progress, |_, metrics| {
        aggregator.add(metrics)
    });
    aggregator.finish(source)
}
