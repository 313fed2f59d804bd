//! `simsms load`: drive a real SMPP endpoint with the scenario's traffic
//! and report what it measured in `run`'s format (docs/load.md).

use super::args::ExportArgs;
use super::outputs::write_rendered;
use crate::Error;
use crate::load::LoadOptions;
use crate::load::schedule::Shape;
use crate::load::target::{Protocol, Target};
use crate::report::{Aggregator, RunResults, render_run};
use crate::scenario::{self, ProviderId, Routing, Settings};
use crate::units::{parse_duration, parse_rate};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// Scenario file (TOML): its traffic, carriers and expectations.
    file: PathBuf,
    /// The endpoint: smpp://USER:PASSWORD@HOST:PORT, or a Twilio-shaped
    /// API at http://ACCOUNT_SID:AUTH_TOKEN@HOST[:PORT][/PREFIX].
    #[arg(long)]
    target: String,
    /// HTTP: the local address the status callback listener binds.
    #[arg(long, default_value = "127.0.0.1:0")]
    callback_listen: std::net::SocketAddr,
    /// HTTP: the StatusCallback URL sent with each message, when the target
    /// reaches this machine by another address (default:
    /// http://LISTEN_ADDRESS/status).
    #[arg(long)]
    callback_url: Option<String>,
    /// The scenario provider the target stands for (default: the routing's
    /// provider, or the first).
    #[arg(long)]
    provider: Option<String>,
    /// Transceiver binds (HTTP: connections).
    #[arg(long, default_value_t = 1)]
    binds: usize,
    /// Outstanding submits per bind (HTTP: requests in flight are at most
    /// binds × window); a message due when it is full waits up to
    /// --max-late, then is dropped and counted.
    #[arg(long, default_value_t = 64)]
    window: usize,
    /// Sessions per second instead of the scenario's base rate, e.g. 200/s.
    #[arg(long)]
    rate: Option<String>,
    /// How long to generate traffic (default: the scenario's duration).
    #[arg(long)]
    duration: Option<String>,
    /// At most this many messages.
    #[arg(long)]
    count: Option<u64>,
    /// How long a message due while its bind's window is full may wait for
    /// room (it leaves late) before it is dropped.
    #[arg(long, default_value = "1s")]
    max_late: String,
    /// After an ESME_RTHROTTLED answer, the bind pauses sending this long
    /// (the messages due meanwhile leave late).
    #[arg(long, default_value = "100ms")]
    throttle_backoff: String,
    /// How long to wait for receipts after the last send.
    #[arg(long, default_value = "30s")]
    wait: String,
    /// Each arrival is a user verifying a number: the scenario's OTP
    /// behaviour (resends without a DELIVRD receipt, patience), driven by
    /// the same session machine as `run`.
    #[arg(long)]
    otp: bool,
    /// With --otp: simulated seconds per wall second, to face `simsms serve
    /// --speed` with the same clock.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Override a scenario key (repeatable), as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Write the report here ("-" for stdout).
    #[arg(long, short = 'o', default_value = "-")]
    output: String,
    #[command(flatten)]
    exports: ExportArgs,
}

fn usage<E: std::fmt::Display>(flag: &str) -> impl Fn(E) -> Error + '_ {
    move |e| Error::Usage(format!("{flag}: {e}"))
}

pub fn load(args: LoadArgs) -> Result<u8, Error> {
    let source = args.file.display().to_string();
    let settings = Settings {
        sets: args.set.clone(),
        ..Settings::default()
    };
    let sc = Arc::new(settings.apply(&scenario::read(&args.file)?, &source)?);
    let target = Target::parse(&args.target).map_err(|e| Error::Usage(e.to_string()))?;
    let provider = match &args.provider {
        Some(name) => sc
            .providers
            .iter()
            .position(|p| &p.name == name)
            .map(ProviderId::new)
            .ok_or_else(|| {
                Error::Usage(format!("--provider: no provider \"{name}\" in {source}"))
            })?,
        None => match sc.routing {
            Routing::Single(p) => p,
            _ => ProviderId::new(0),
        },
    };
    let shape = Shape {
        rate: args
            .rate
            .as_deref()
            .map(parse_rate)
            .transpose()
            .map_err(usage("--rate"))?,
        duration: args
            .duration
            .as_deref()
            .map(parse_duration)
            .transpose()
            .map_err(usage("--duration"))?,
        count: args.count,
    };
    let wait = Duration::from_nanos(parse_duration(&args.wait).map_err(usage("--wait"))?);
    let max_late =
        Duration::from_nanos(parse_duration(&args.max_late).map_err(usage("--max-late"))?);
    let throttle_backoff = Duration::from_nanos(
        parse_duration(&args.throttle_backoff).map_err(usage("--throttle-backoff"))?,
    );
    let options = LoadOptions {
        throttle_backoff,
        max_late,
        target: target.clone(),
        callbacks: crate::load::http::Callbacks {
            listen: args.callback_listen,
            url: args.callback_url.clone(),
        },
        provider,
        binds: args.binds.max(1),
        window: args.window.max(1),
        shape,
        wait,
        live: crate::load::live::Live::default(),
    };
    let live = options.live.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("tokio runtime", e))?;
    let progress_done = tokio_util::sync::CancellationToken::new();
    let progress = {
        let _entered = runtime.enter();
        live.stop_on_ctrl_c();
        live.show_progress(progress_done.clone())
    };
    let end_progress = || {
        progress_done.cancel();
        if let Some(task) = progress {
            let _ = runtime.block_on(task);
        }
    };
    if args.otp && target.protocol != Protocol::Smpp {
        return Err(Error::Usage(
            "--otp drives smpp:// targets only so far; drop --otp to load an HTTP target".into(),
        ));
    }
    if args.otp {
        if !(args.speed.is_finite() && args.speed > 0.0) {
            return Err(Error::Usage(format!(
                "--speed must be positive, got {}",
                args.speed
            )));
        }
        let planned = crate::load::schedule::plan(&sc, shape);
        let metrics = runtime
            .block_on(crate::load::otp::run(
                &sc,
                provider,
                &target,
                args.binds.max(1),
                args.window.max(1),
                &planned,
                (args.speed, wait, &live),
            ))
            .map_err(Error::Usage)?;
        end_progress();
        let mut aggregator = Aggregator::new(&sc);
        aggregator.add(metrics);
        let mut reports = vec![None; sc.alternatives.len() + 1];
        reports[0] = Some(aggregator.finish(&source));
        let results = RunResults::new(&sc, reports);
        let mut note = format!(
            "OTP sessions at {}x, driven by the model's session machine",
            args.speed
        );
        if live.interrupted_at().is_some() {
            note.push_str("; INTERRUPTED by Ctrl-C: a partial report");
        }
        let text = crate::load::figures::marked(render_run(&sc, &results), &target, &note);
        write_rendered(&sc, &results, &[0], text, &args.output, &args.exports)?;
        return Ok(exit_code(&live, &results));
    }
    let measured = runtime
        .block_on(crate::load::run(sc.clone(), options))
        .map_err(Error::Usage)?;
    end_progress();
    let mut aggregator = Aggregator::new(&sc);
    aggregator.add(measured.metrics.clone());
    let mut reports = vec![None; sc.alternatives.len() + 1];
    reports[0] = Some(aggregator.finish(&source));
    let results = RunResults::new(&sc, reports);
    let text =
        crate::load::figures::with_load_figures(render_run(&sc, &results), &target, &measured);
    write_rendered(&sc, &results, &[0], text, &args.output, &args.exports)?;
    Ok(exit_code(&live, &results))
}

/// 130 after Ctrl-C (the partial report is written first), else `run`'s.
fn exit_code(live: &crate::load::live::Live, results: &RunResults) -> u8 {
    match (live.interrupted_at(), results.all_passed()) {
        (Some(_), _) => 130,
        (None, true) => 0,
        (None, false) => 1,
    }
}
