//! `simsms bench`: the engine's hold model, an M/M/1 queue for the SimPy
//! comparison, and sessions per second on scenarios (docs/performance.md).

use super::outputs::say;
use crate::Error;
use clap::Subcommand;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Engine hold model (pop, push at now + Exp) at 1k, 100k and 1M
    /// pending events: the radix heap the engine runs on, against the 4-ary heap and std's BinaryHeap.
    Engine {
        /// Operations per measurement.
        #[arg(long, default_value_t = 5_000_000)]
        operations: u64,
    },
    /// An M/M/1 queue on the engine, for the SimPy comparison in bench/.
    Mm1 {
        #[arg(long, default_value_t = 1_000_000)]
        customers: u64,
        #[arg(long, default_value_t = 0.9)]
        lambda: f64,
        #[arg(long, default_value_t = 1.0)]
        mu: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Drive a running `simsms serve` over SMPP: submits with receipts,
    /// submit_sm_resp latency from the intended send time.
    Smpp(super::bench_smpp::BenchSmppArgs),
    /// Records per second of `simsms fit` on a CSV of records, side by
    /// side with a plain read of the same file by the csv crate.
    Fit {
        file: PathBuf,
        /// Runs of each; the fastest is reported.
        #[arg(long, default_value_t = 3)]
        repeat: u32,
    },
    /// Sessions per second on scenarios (the scenario's own routing only).
    Scenarios {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Threads (default: 1, i.e. per core).
        #[arg(long, short = 'j', default_value_t = 1)]
        threads: usize,
        /// Override the replications.
        #[arg(long, short = 'r')]
        replications: Option<u32>,
        /// Runs per scenario; the fastest is reported (this machine's speed
        /// varies from moment to moment).
        #[arg(long, default_value_t = 3)]
        repeat: u32,
    },
}

pub fn bench(what: BenchCommand) -> Result<u8, Error> {
    match what {
        BenchCommand::Engine { operations } => {
            say(&(format!(
                "hold model: pop earliest, push at now + Exp(1 s); {operations} operations each"
            ) + "\n"))?;
            say(&(format!(
                "{:>10}  {:>16}  {:>16}  {:>16}  {:>12}",
                "pending", "radix heap ev/s", "4-ary heap ev/s", "BinaryHeap ev/s", "radix/best"
            ) + "\n"))?;
            for pending in [1_000, 100_000, 1_000_000] {
                // Best of three: this machine's speed varies from moment to moment.
                let runs: Vec<_> = (0..3)
                    .map(|_| crate::bench::hold_model(pending, operations))
                    .collect();
                let best = |rate: fn(&crate::bench::HoldResult) -> f64| {
                    runs.iter().map(rate).fold(0.0, f64::max)
                };
                let radix = best(|r| r.radix_per_sec);
                let quaternary = best(|r| r.quaternary_per_sec);
                let binary = best(|r| r.binary_per_sec);
                say(&(format!(
                    "{:>10}  {:>14.2}M  {:>14.2}M  {:>14.2}M  {:>11.2}x",
                    pending,
                    radix / 1e6,
                    quaternary / 1e6,
                    binary / 1e6,
                    radix / quaternary.max(binary)
                ) + "\n"))?;
            }
        }
        BenchCommand::Mm1 {
            customers,
            lambda,
            mu,
            seed,
        } => {
            if !(lambda > 0.0 && mu > lambda) {
                return Err(Error::Usage("M/M/1 needs 0 < lambda < mu".into()));
            }
            let r = crate::bench::mm1(customers, lambda, mu, seed);
            say(&(format!(
                "simsms M/M/1: {} customers, {} events in {:.3} s ({:.2}M events/s, {:.3} us/customer); mean wait {:.4} (theory rho/(mu(1-rho)) = {:.4})",
                r.customers,
                r.events,
                r.seconds,
                r.events as f64 / r.seconds / 1e6,
                r.seconds / r.customers as f64 * 1e6,
                r.mean_wait,
                r.theory
            ) + "\n"))?;
        }
        BenchCommand::Smpp(args) => super::bench_smpp::bench_smpp(args)?,
        BenchCommand::Fit { file, repeat } => {
            let b = crate::fit::bench::run(&file, repeat).map_err(Error::Usage)?;
            say(&b.render(&file.display().to_string()))?;
        }
        BenchCommand::Scenarios {
            files,
            threads,
            replications,
            repeat,
        } => {
            for file in files {
                let mut sc = crate::scenario::load(&file)?;
                if let Some(r) = replications {
                    sc.set_replications(r.max(1));
                }
                let mut best = f64::INFINITY;
                let mut report = None;
                for _ in 0..repeat.max(1) {
                    let started = Instant::now();
                    report = Some(crate::simulate(
                        &sc,
                        &file.display().to_string(),
                        threads.max(1),
                    ));
                    best = best.min(started.elapsed().as_secs_f64());
                }
                let report = report.expect("at least one run");
                let seconds = best;
                let sessions = report.merged.total_sessions();
                say(&(format!(
                    "{}: {sessions} sessions, {} messages in {seconds:.3} s on {threads} thread(s): {:.2}M sessions/s",
                    file.display(),
                    report.merged.total_messages(),
                    sessions as f64 / seconds / 1e6
                ) + "\n"))?;
            }
        }
    }
    Ok(0)
}
