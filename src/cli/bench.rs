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
    /// pending events: the 4-ary heap against std's BinaryHeap.
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
    Smpp {
        /// The server, as for `simsms load`: smpp://USER:PASSWORD@HOST:PORT.
        #[arg(long)]
        target: String,
        /// Transceiver binds.
        #[arg(long, short = 'c', default_value_t = 2)]
        connections: usize,
        /// Outstanding submits per bind.
        #[arg(long, short = 'w', default_value_t = 256)]
        window: usize,
        /// Messages in all.
        #[arg(long, short = 'n', default_value_t = 100_000)]
        messages: u64,
        /// Messages per second, e.g. 10000/s (default: as fast as the
        /// windows allow).
        #[arg(long)]
        rate: Option<String>,
        /// How long to wait for receipts after the last send (receipts of
        /// lost messages never come).
        #[arg(long, default_value = "10s")]
        wait: String,
    },
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

/// `bench smpp`'s flags, checked with load's parsers (one syntax).
fn smpp_load(
    target: &str,
    (connections, window, messages): (usize, usize, u64),
    rate: Option<String>,
    wait: &str,
) -> Result<crate::bench::smpp::Load, Error> {
    let target =
        crate::protocol::target::Target::parse(target).map_err(|e| Error::Usage(e.to_string()))?;
    if target.protocol != crate::protocol::target::Protocol::Smpp {
        return Err(Error::Usage(format!(
            "--target: bench smpp needs an smpp:// target, got {}",
            target.display()
        )));
    }
    let rate = rate
        .as_deref()
        .map(crate::units::parse_rate)
        .transpose()
        .map_err(|e| Error::Usage(format!("--rate: {e}")))?;
    if rate.is_some_and(|r| r.is_nan() || r <= 0.0) {
        return Err(Error::Usage("--rate must be positive, e.g. 10000/s".into()));
    }
    let wait =
        crate::units::parse_duration(wait).map_err(|e| Error::Usage(format!("--wait: {e}")))?;
    Ok(crate::bench::smpp::Load {
        target,
        connections: connections.max(1),
        window: window.max(1),
        messages: messages.max(connections as u64),
        rate,
        wait: std::time::Duration::from_nanos(wait),
        connect_timeout: std::time::Duration::from_secs(10),
    })
}

pub fn bench(what: BenchCommand) -> Result<u8, Error> {
    match what {
        BenchCommand::Engine { operations } => {
            say(&(format!(
                "hold model: pop earliest, push at now + Exp(1 s); {operations} operations each"
            ) + "\n"))?;
            say(&(format!(
                "{:>10}  {:>16}  {:>16}  {:>7}",
                "pending", "4-ary heap ev/s", "BinaryHeap ev/s", "ratio"
            ) + "\n"))?;
            for pending in [1_000, 100_000, 1_000_000] {
                // Best of three: this machine's speed varies from moment to moment.
                let runs: Vec<_> = (0..3)
                    .map(|_| crate::bench::hold_model(pending, operations))
                    .collect();
                let mut r = crate::bench::hold_model(pending, 1);
                r.quaternary_per_sec = runs
                    .iter()
                    .map(|x| x.quaternary_per_sec)
                    .fold(0.0, f64::max);
                r.binary_per_sec = runs.iter().map(|x| x.binary_per_sec).fold(0.0, f64::max);
                say(&(format!(
                    "{:>10}  {:>14.2}M  {:>14.2}M  {:>6.2}x",
                    r.pending,
                    r.quaternary_per_sec / 1e6,
                    r.binary_per_sec / 1e6,
                    r.quaternary_per_sec / r.binary_per_sec
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
        BenchCommand::Smpp {
            target,
            connections,
            window,
            messages,
            rate,
            wait,
        } => {
            let load = smpp_load(&target, (connections, window, messages), rate, &wait)?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .map_err(|e| Error::io("tokio runtime", e))?;
            let m = runtime.block_on(crate::bench::smpp::run(load))?;
            let q = |p: f64| m.latency_us.value_at_quantile(p) as f64 / 1000.0;
            let a = |p: f64| m.actual_us.value_at_quantile(p) as f64 / 1000.0;
            say(&(format!(
                "{} messages: {} accepted, {} refused in {:.2} s ({:.0} submits/s); {} receipts in {:.2} s ({:.0}/s); submit_sm_resp from intended time: p50 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms, max {:.3} ms; from actual send: p50 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms",
                m.messages,
                m.accepted,
                m.refused,
                m.submit_seconds,
                (m.accepted + m.refused) as f64 / m.submit_seconds,
                m.receipts,
                m.seconds,
                m.receipts as f64 / m.seconds,
                q(0.5),
                q(0.99),
                q(0.999),
                m.latency_us.max() as f64 / 1000.0,
                a(0.5),
                a(0.99),
                a(0.999),
            ) + "\n"))?;
        }
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
