//! `simsms load`'s arguments, raw (as clap parses them) and checked (the
//! options a load run takes), with a clear error for each bad value.

use super::args::{ExportArgs, shard as shard_arg, shard_writes_only_its_part};
use super::load_flags::{Together, concat_flag, flag_duration, read_ca_cert, usage};
use crate::Error;
use crate::load::LoadOptions;
use crate::load::body::MessageText;
use crate::load::schedule::{MAX_RATE_PER_SEC, Shape};
use crate::protocol::smpp::parts::Concat;
use crate::protocol::target::Target;
use crate::scenario::{ProviderId, Routing, Scenario};
use crate::units::{parse_duration, parse_rate};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// Scenario file (TOML): its traffic, carriers and expectations.
    pub file: PathBuf,
    /// Also write one record per message sent to FILE: .csv or .jsonl
    /// (docs/outputs.md); it appears whole at the end.
    #[arg(long, value_name = "FILE")]
    events: Option<PathBuf>,
    /// The endpoint: smpp://USER:PASSWORD@HOST:PORT, or a Twilio-shaped
    /// API at http(s)://ACCOUNT_SID:AUTH_TOKEN@HOST[:PORT][/PREFIX].
    #[arg(long)]
    target: String,
    /// smpps and https: a PEM certificate (a private CA or a self-signed
    /// server's) to trust besides the system's roots.
    #[arg(long, value_name = "PEM")]
    ca_cert: Option<PathBuf>,
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
    #[arg(long, default_value = "1s", value_parser = flag_duration)]
    max_late: Duration,
    /// After an ESME_RTHROTTLED answer (HTTP: 429), the bind pauses sending
    /// this long (the messages due meanwhile leave late).
    #[arg(long, default_value = "100ms", value_parser = flag_duration)]
    throttle_backoff: Duration,
    /// A throttled message is sent again after the backoff, up to this many
    /// times; then it counts refused.
    #[arg(long, default_value_t = 3)]
    throttle_retries: u32,
    /// How long to wait for receipts after the last send.
    #[arg(long, default_value = "30s", value_parser = flag_duration)]
    wait: Duration,
    /// How long connecting to the target may take, and again (SMPP) the
    /// bind's answer; then the run ends with exit 4.
    #[arg(long, default_value = "10s", value_parser = flag_duration)]
    connect_timeout: Duration,
    /// Each arrival is a user verifying a number: the scenario's OTP
    /// behaviour (resends without a DELIVRD receipt, patience), driven by
    /// the same session machine as `run`.
    #[arg(long)]
    pub otp: bool,
    /// With --otp: simulated seconds per wall second, to face `simsms serve
    /// --speed` with the same clock.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// The text of each message, `{code}` filled per message (default: the
    /// provider's `body`, else "Your code is {code}").
    #[arg(long)]
    body: Option<String>,
    /// SMPP: how the parts of a long message are joined: udh, sar or
    /// payload (one PDU with message_payload).
    #[arg(long, default_value = "udh", value_parser = concat_flag)]
    concat: Concat,
    /// SMPP: query_sm a message whose receipt has not come this long after
    /// its submit_sm_resp, and again as often until it is final.
    #[arg(long, value_name = "AFTER", value_parser = flag_duration)]
    query: Option<Duration>,
    /// SMPP: how receipt texts write the message id: decimal, or hex where
    /// the submit_sm_resp gave it in decimal (as Kannel's msg-id-type); a
    /// receipted_message_id TLV is taken as it is.
    #[arg(long, value_name = "decimal|hex", default_value = "decimal", value_parser = ["decimal", "hex"])]
    receipt_id_in_text: String,
    /// Override a scenario key (repeatable), as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub together: Together,
    /// Write the report here ("-" for stdout); with --shard, the partial.
    #[arg(long, short = 'o', default_value = "-")]
    pub output: String,
    #[command(flatten)]
    pub exports: ExportArgs,
}

impl LoadArgs {
    /// Checks every output path before any message is sent.
    pub fn check_paths(&self, sc: &Scenario) -> Result<(), Error> {
        let mut paths = super::paths::Paths::default().input("scenario file", &self.file);
        if let Some(ca) = &self.ca_cert {
            paths = paths.input("--ca-cert file", ca);
        }
        if let Some(events) = &self.events {
            paths = paths.output("--events", &events.display().to_string());
        }
        if self.together.shard.is_some() {
            paths.output("-o", &self.output).check()
        } else {
            self.exports
                .add_paths(paths, &self.output, &sc.name)?
                .check()
        }
    }

    /// The checked options for scenario `sc` (named `source`).
    pub fn options(&self, sc: &Scenario, source: &str) -> Result<LoadOptions, Error> {
        let args = self;
        let shard = shard_arg(&args.together.shard)?;
        if shard.is_some() {
            shard_writes_only_its_part(&[(
                "export flags (--out, --json, --csv, ...)",
                args.exports.any(),
            )])?;
        }
        if args.otp && !(args.speed.is_finite() && args.speed > 0.0) {
            return Err(Error::Usage(format!(
                "--speed must be positive, got {}",
                args.speed
            )));
        }
        let mut target = Target::parse(&args.target).map_err(|e| Error::Usage(e.to_string()))?;
        if let Some(path) = &args.ca_cert {
            target.ca_cert = Some(read_ca_cert(path)?.into());
        }
        target.hex_id_in_receipt_text = args.receipt_id_in_text == "hex";
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
        let rate = (args.rate.as_deref().map(parse_rate).transpose()).map_err(usage("--rate"))?;
        let base_rate = rate.unwrap_or(sc.traffic.rate_per_sec);
        if base_rate > MAX_RATE_PER_SEC {
            let given = match &args.rate {
                Some(text) => format!("--rate {text}"),
                None => format!("the scenario's traffic.rate ({base_rate}/s)"),
            };
            return Err(Error::Usage(format!(
                "{given} is above the {MAX_RATE_PER_SEC:.0} sessions per second a load run takes (docs/limits.md)"
            )));
        }
        let shape = Shape {
            rate,
            duration: (args.duration.as_deref().map(parse_duration).transpose())
                .map_err(usage("--duration"))?,
            count: args.count,
        };
        let (wait, max_late, connect_timeout) = (args.wait, args.max_late, args.connect_timeout);
        if connect_timeout.is_zero() {
            return Err(Error::Usage(
                "--connect-timeout must be positive, e.g. 10s".into(),
            ));
        }
        let throttling = crate::load::smpp::Throttling {
            backoff: args.throttle_backoff,
            retries: args.throttle_retries,
        };
        Ok(LoadOptions {
            throttling,
            max_late,
            connect_timeout,
            target,
            callbacks: crate::load::http::HttpOptions {
                listen: args.callback_listen,
                url: args.callback_url.clone(),
                connect_timeout,
            },
            provider,
            binds: args.binds.max(1),
            window: args.window.max(1),
            shape,
            wait,
            live: crate::load::live::Live::default().with_records(match &args.events {
                // Opened first: a bad path or extension fails before loading.
                Some(path) => Some(crate::records::SharedRecords::new(
                    crate::records::RecordWriter::create(path, None)?,
                )),
                None => None,
            }),
            shard,
            text: MessageText::new(sc, provider, args.body.as_deref(), args.concat)
                .map_err(usage("--body"))?,
            query_after: args.query.filter(|d| !d.is_zero()),
            start_at: args
                .together
                .start(Duration::from_nanos(shape.duration.unwrap_or(sc.duration)))?,
        })
    }
}
