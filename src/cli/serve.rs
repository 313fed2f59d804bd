//! `simsms serve`: run the scenario's providers as a fake SMSC until
//! Ctrl-C, SIGTERM or `--for`, then write the summary report.

use super::args::ExportArgs;
use super::outputs::write_measured_run;
use super::paths::Paths;
use crate::Error;
use crate::report::{Measurement, RunKind};
use crate::scenario::{self, Settings};
use crate::serve::{ServeError, Server};
use crate::units::parse_duration;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{Signal, SignalKind, signal};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Scenario file (TOML); its [serve] section sets accounts and ports.
    file: PathBuf,
    /// Simulated seconds per wall second (60: an hour's SMSC retry comes
    /// after a minute).
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Override a scenario key (repeatable), as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Stop by itself after this long (wall time), e.g. 30s.
    #[arg(long = "for", value_name = "DURATION")]
    run_for: Option<String>,
    /// On stopping, keep serving held receipts to bound receivers for up to
    /// this long.
    #[arg(long, default_value = "5s", value_name = "DURATION")]
    flush: String,
    /// Write the summary report here ("-" for stdout).
    #[arg(long, short = 'o', default_value = "-")]
    output: String,
    /// Also write one record per message served to FILE: .csv or .jsonl
    /// (docs/outputs.md); it appears whole at exit.
    #[arg(long, value_name = "FILE")]
    events: Option<PathBuf>,
    #[command(flatten)]
    exports: ExportArgs,
}

fn duration(flag: &str, text: &str) -> Result<Duration, Error> {
    parse_duration(text)
        .map(Duration::from_nanos)
        .map_err(|e| Error::Usage(format!("{flag}: expected {}; {}", e.expected, e.hint)))
}

pub fn serve(args: ServeArgs) -> Result<u8, Error> {
    let source = args.file.display().to_string();
    let settings = Settings {
        sets: args.set.clone(),
        ..Settings::default()
    };
    let sc = Arc::new(settings.apply(&scenario::read(&args.file)?, &source)?);
    let run_for = args
        .run_for
        .as_deref()
        .map(|t| duration("--for", t))
        .transpose()?;
    let flush = duration("--flush", &args.flush)?;
    let mut paths = Paths::default().input("scenario file", &args.file);
    if let Some(events) = &args.events {
        paths = paths.output("--events", &events.display().to_string());
    }
    args.exports
        .add_paths(paths, &args.output, &sc.name)?
        .check()?;
    // Opened first: a bad path or extension fails before serving.
    let records = match &args.events {
        Some(path) => Some(crate::records::RecordWriter::create(path, None)?),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("tokio runtime", e))?;
    let started = std::time::Instant::now();
    let summary = runtime.block_on(async {
        let server = Server::start(sc.clone(), args.speed)
            .await
            .map_err(|e| match e {
                ServeError::Listen { .. } => Error::Network(e.to_string()),
                ServeError::Speed(_) | ServeError::Tls(_) => {
                    Error::Usage(e.to_string())
                }
            })?;
        if let Some(writer) = records {
            server.shared.live.lock().expect("model lock").record_to(writer);
        }
        print_endpoints(&server.endpoints, sc.serve.admin_token.is_none());
        let mut stops = Stops::listen();
        stops.next(run_for).await;
        eprintln!(
            "simsms serve: stopping; serving held receipts to bound receivers for up to {} (Ctrl-C stops at once)",
            args.flush
        );
        Ok::<_, Error>(server.shutdown_unless(flush, stops.next(None)).await)
    })?;
    if let Some(records) = summary.records {
        records?.finish()?;
    }
    let cut = if summary.cut_short {
        " (flush cut short by a second interrupt)"
    } else {
        ""
    };
    eprintln!(
        "simsms serve: {} messages; {} receipts still held at exit{cut}",
        summary.metrics.total_messages(),
        summary.held_receipts
    );
    // The summary describes messages served, not a simulated run.
    let wall_seconds = started.elapsed().as_secs_f64();
    let measurement = Measurement {
        kind: RunKind::Served,
        target: format!("simsms serve at {}x", args.speed),
        note: "the model's fates of the messages clients submitted".into(),
        wall_seconds,
        model_seconds: wall_seconds * args.speed,
        interrupted_after: None,
        load: None,
    };
    write_measured_run(
        &sc,
        summary.metrics,
        (&source, measurement),
        &args.output,
        &args.exports,
    )?;
    Ok(0)
}

/// The start-up lines: each SMPP account's address (`smpps` over TLS),
/// the HTTP API's (`https` over TLS), the live page's, then `ready`. A generated admin
/// token is printed on the first HTTP line: only this output knows it.
fn print_endpoints(endpoints: &crate::serve::Endpoints, generated_token: bool) {
    let mut out = std::io::stdout().lock();
    for (scheme, accounts) in [("smpp", &endpoints.smpp), ("smpps", &endpoints.smpp_tls)] {
        for (system_id, provider, address) in accounts {
            let _ = writeln!(out, "{scheme} {system_id} {provider} {address}");
        }
    }
    let mut token = generated_token.then_some(&endpoints.admin_token);
    let mut page = None;
    for (scheme, address) in [("http", endpoints.http), ("https", endpoints.https)] {
        let Some(address) = address else { continue };
        page.get_or_insert(format!("{scheme}://{address}/"));
        match token.take() {
            Some(token) => writeln!(out, "{scheme} {address} admin-token {token}"),
            None => writeln!(out, "{scheme} {address}"),
        }
        .ok();
    }
    // The live page; a generated token rides in the fragment, which the
    // browser never sends and the page moves out of the address bar.
    if let Some(page) = page {
        let fragment = match generated_token {
            true => format!("#token={}", endpoints.admin_token),
            false => String::new(),
        };
        let _ = writeln!(out, "page {page}{fragment}");
    }
    let _ = writeln!(out, "ready");
    let _ = out.flush();
}

/// Ctrl-C and SIGTERM, listened for once for the whole run, so that a
/// second one during the flush is not missed.
struct Stops {
    interrupt: Option<Signal>,
    terminate: Option<Signal>,
}

impl Stops {
    fn listen() -> Self {
        Stops {
            interrupt: signal(SignalKind::interrupt()).ok(),
            terminate: signal(SignalKind::terminate()).ok(),
        }
    }

    /// The next Ctrl-C or SIGTERM, or the `run_for` time, whichever comes
    /// first.
    async fn next(&mut self, run_for: Option<Duration>) {
        let timer = async {
            match run_for {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = timer => {}
            _ = received(&mut self.interrupt) => {}
            _ = received(&mut self.terminate) => {}
        }
    }
}

async fn received(signal: &mut Option<Signal>) {
    match signal {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}
