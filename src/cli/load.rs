//! `simsms load`: drive a real SMPP endpoint with the scenario's traffic
//! and report what it measured in `run`'s format (docs/load.md).

use super::args::{ExportArgs, shard as shard_arg};
use crate::Error;
use crate::load::LoadOptions;
use crate::load::partial::{MergedLoad, Setup, document, shard_of};
use crate::load::schedule::Shape;
use crate::load::target::{Protocol, Target};
use crate::output::write_output;
use crate::scenario::{self, ProviderId, Routing, Settings};
use crate::shard::Recipe;
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
    /// After an ESME_RTHROTTLED answer (HTTP: 429), the bind pauses sending
    /// this long (the messages due meanwhile leave late).
    #[arg(long, default_value = "100ms")]
    throttle_backoff: String,
    /// A throttled message is sent again after the backoff, up to this many
    /// times; then it counts refused.
    #[arg(long, default_value_t = 3)]
    throttle_retries: u32,
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
    /// Send only messages (or sessions) k with k % N == I, and write a
    /// partial result to -o for `simsms merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Write the report here ("-" for stdout); with --shard, the partial.
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
    let text = scenario::read(&args.file)?;
    let sc = Arc::new(settings.apply(&text, &source)?);
    let shard = shard_arg(&args.shard)?;
    if shard.is_some() && !args.exports.requested().is_empty() {
        return Err(Error::Usage(
            "--shard writes a partial result (to -o); give the export flags to `simsms merge`"
                .into(),
        ));
    }
    if args.otp && args.target.starts_with("http://") {
        return Err(Error::Usage(
            "--otp drives smpp:// targets only so far; drop --otp to load an HTTP target".into(),
        ));
    }
    if args.otp && !(args.speed.is_finite() && args.speed > 0.0) {
        return Err(Error::Usage(format!(
            "--speed must be positive, got {}",
            args.speed
        )));
    }
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
    let duration = |flag: &'static str, text: &str| {
        parse_duration(text)
            .map(Duration::from_nanos)
            .map_err(usage(flag))
    };
    let shape = Shape {
        rate: (args.rate.as_deref().map(parse_rate).transpose()).map_err(usage("--rate"))?,
        duration: (args.duration.as_deref().map(parse_duration).transpose())
            .map_err(usage("--duration"))?,
        count: args.count,
    };
    let wait = duration("--wait", &args.wait)?;
    let max_late = duration("--max-late", &args.max_late)?;
    let throttling = crate::load::smpp::Throttling {
        backoff: duration("--throttle-backoff", &args.throttle_backoff)?,
        retries: args.throttle_retries,
    };
    let options = LoadOptions {
        throttling,
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
        shard,
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
    let mut setup = Setup {
        target: target.display(),
        http: target.protocol == Protocol::Http,
        note: "one message per arrival".into(),
        // What every shard of one run must share.
        traffic: vec![format!(
            "{shape:?} to {provider:?}, otp {} at {}",
            args.otp, args.speed
        )],
    };
    let (metrics, measured) = if args.otp {
        let planned = shard_of(crate::load::schedule::plan(&sc, shape), shard);
        let session = (args.speed, wait, &live);
        let (binds, window) = (args.binds.max(1), args.window.max(1));
        let run = crate::load::otp::run(&sc, provider, &target, binds, window, &planned, session);
        let metrics = runtime.block_on(run).map_err(Error::Usage)?;
        setup.note = format!(
            "OTP sessions at {}x, driven by the model's session machine",
            args.speed
        );
        (metrics, None)
    } else {
        let measured = runtime
            .block_on(crate::load::run(sc.clone(), options))
            .map_err(Error::Usage)?;
        (measured.metrics.clone(), Some(measured))
    };
    end_progress();
    if live.interrupted_at().is_some() {
        setup
            .note
            .push_str("; INTERRUPTED by Ctrl-C: a partial report");
    }
    if let Some(shard) = shard {
        let recipe = Recipe {
            command: "load".into(),
            source: source.clone(),
            scenario_text: text,
            sets: args.set.clone(),
            seed: None,
            replications: None,
            alternatives: Vec::new(),
        };
        let doc = document(&recipe, shard, &setup, &metrics, measured.as_ref());
        write_output(&args.output, &(doc.to_string() + "\n"))?;
        eprintln!(
            "simsms: wrote load shard {}/{} of {source}",
            shard.index, shard.count
        );
        return Ok(if live.interrupted_at().is_some() {
            130
        } else {
            0
        });
    }
    let merged = MergedLoad {
        scenario: Arc::unwrap_or_clone(sc),
        source,
        setup,
        metrics,
        measured,
    };
    let code = super::outputs::write_load_report(&merged, &args.output, &args.exports)?;
    Ok(if live.interrupted_at().is_some() {
        130
    } else {
        code
    })
}
