//! `simsms bench smpp`: drive a running `simsms serve` over SMPP (or
//! SMPP over TLS) through load's client, flags checked with load's
//! parsers (one syntax), and print the throughput and latency measured.

use super::outputs::say;
use crate::Error;
use crate::protocol::target::{Protocol, Target};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct BenchSmppArgs {
    /// The server, as for `simsms load`: smpp://USER:PASSWORD@HOST:PORT
    /// (smpps:// over TLS).
    #[arg(long)]
    target: String,
    /// smpps: a PEM certificate (a private CA or a self-signed server's)
    /// to trust besides the system's roots.
    #[arg(long, value_name = "PEM")]
    ca_cert: Option<PathBuf>,
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
}

/// The checked workload.
fn smpp_load(args: &BenchSmppArgs) -> Result<crate::bench::smpp::Load, Error> {
    let mut target = Target::parse(&args.target).map_err(|e| Error::Usage(e.to_string()))?;
    if target.protocol != Protocol::Smpp {
        return Err(Error::Usage(format!(
            "--target: bench smpp needs an smpp:// (or smpps://) target, got {}",
            target.display()
        )));
    }
    if let Some(path) = &args.ca_cert {
        target.ca_cert = Some(super::load_flags::read_ca_cert(path)?.into());
    }
    let rate = (args
        .rate
        .as_deref()
        .map(crate::units::parse_rate)
        .transpose())
    .map_err(|e| Error::Usage(format!("--rate: {e}")))?;
    if rate.is_some_and(|r| r.is_nan() || r <= 0.0) {
        return Err(Error::Usage("--rate must be positive, e.g. 10000/s".into()));
    }
    let wait = crate::units::parse_duration(&args.wait)
        .map_err(|e| Error::Usage(format!("--wait: {e}")))?;
    Ok(crate::bench::smpp::Load {
        target,
        connections: args.connections.max(1),
        window: args.window.max(1),
        messages: args.messages.max(args.connections as u64),
        rate,
        wait: Duration::from_nanos(wait),
        connect_timeout: Duration::from_secs(10),
    })
}

pub fn bench_smpp(args: BenchSmppArgs) -> Result<(), Error> {
    let load = smpp_load(&args)?;
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
    Ok(())
}
