//! Scenarios: the checked, ready-to-simulate description of a world
//! (`Scenario`), built from a TOML file by `load`/`parse`. Names are resolved
//! to indices, units to nanoseconds and rates, shares to cumulative tables.

mod body;
mod diagnostics;
mod footprint;
mod ids;
pub mod limits;
mod locate;
mod raw;
mod starter;
mod traffic;
mod validate;

pub use body::{CODE_PLACEHOLDER, MAX_SEGMENTS, MessageBody};
pub use diagnostics::{Diagnostic, ScenarioError};
pub use footprint::MemoryEstimate;
pub use ids::{CarrierId, ProviderId};
pub use raw::{DistSpec, RawOutage};
pub use starter::STARTER_SCENARIO;
pub use validate::{BASE_NAME, Override, OverrideError, run_time_outage};

use crate::distribution::Distribution;
use crate::stats::Quantile;
use crate::units::Nanos;
use std::path::Path;

/// A validated scenario. Every index refers into `providers` or `carriers`.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// What prices and costs are in, e.g. "JPY"; empty when not named.
    pub currency: String,
    /// Sessions arrive during `[0, duration)`.
    pub duration: Nanos,
    /// Time after `duration` covered by the timeline; every message reaches a
    /// final state within it.
    pub drain: Nanos,
    pub seed: u64,
    pub replications: u32,
    pub timeline_bucket: Nanos,
    pub traffic: Traffic,
    pub users: Users,
    pub otp: Otp,
    /// `[message]`: the body template and code length.
    pub message: MessageSettings,
    pub mnp: Mnp,
    pub providers: Vec<Provider>,
    pub routing: Routing,
    /// `routes[route kind][carrier]`: transit legs after overrides.
    pub routes: [Vec<RouteLeg>; 2],
    pub carriers: Vec<Carrier>,
    pub outages: Vec<Outage>,
    pub expectations: Vec<Expectation>,
    /// Other routing policies for the same users (`[alternatives.NAME]`).
    pub alternatives: Vec<Alternative>,
    /// How `simsms serve` exposes the providers (`[serve]`).
    pub serve: Serve,
}

/// `[serve]`: the fake SMSC's endpoints and limits (docs/serve.md).
#[derive(Debug, Clone, PartialEq)]
pub struct Serve {
    pub host: String,
    /// The Twilio-shaped HTTP API's port; `None` serves no HTTP API.
    pub http_port: Option<u16>,
    /// The same API over TLS (`tls`'s certificate); `None`: not served.
    pub https_port: Option<u16>,
    /// The certificate and key of every TLS port; set whenever a TLS
    /// port is.
    pub tls: Option<TlsFiles>,
    pub max_connections: u32,
    /// Largest accepted PDU, in octets (command_length).
    pub max_pdu: u32,
    /// A connection with no PDU (HTTP: no byte) for this long is closed.
    pub idle_timeout: Nanos,
    /// An HTTP request head must arrive within this.
    pub header_timeout: Nanos,
    /// A receipt not acknowledged within this is sent again.
    pub receipt_retry: Nanos,
    /// Failed binds allowed per peer address per second.
    pub failed_binds_per_sec: f64,
    /// A concatenated message whose parts have not all come within this
    /// (wall time, from its first part) is given up: the parts received
    /// get undelivered receipts.
    pub concat_timeout: Nanos,
    /// The bearer token of the admin API; `None`: one is generated at
    /// start.
    pub admin_token: Option<String>,
    /// Whether `/admin/outages` takes actions (`[serve] admin = false`
    /// turns them off; `/metrics` stays).
    pub admin: bool,
    /// Messages the live page's trace keeps (the newest; 0: no trace).
    pub trace_messages: usize,
    pub accounts: Vec<Account>,
}

/// `[serve] tls_cert` and `tls_key`: PEM files, relative paths resolved
/// against the scenario file's directory.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsFiles {
    /// The server's certificate, then any intermediate CAs.
    pub cert: std::path::PathBuf,
    /// The certificate's private key.
    pub key: std::path::PathBuf,
}

/// One SMPP system_id (and HTTP account) of one provider.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub system_id: String,
    pub password: String,
    pub provider: ProviderId,
    /// The SMPP port; 0 picks a free one (printed at start).
    pub port: u16,
    /// The account's SMPP over TLS port, besides `port`; 0 picks a free
    /// one.
    pub tls_port: Option<u16>,
    /// Submissions per second over all binds of the account.
    pub tps: Option<f64>,
    /// Submissions per second on one bind.
    pub bind_tps: Option<f64>,
    /// Outstanding requests per bind.
    pub window: u32,
    /// The HTTP API's auth token (Basic auth with the system_id as SID).
    pub auth_token: String,
    pub dialect: Dialect,
}

/// How an account's receipts are written, for testing parsers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// `text:` (false) or `Text:` (true).
    pub capital_text: bool,
    /// 10 (YYMMDDhhmm) or 12 (YYMMDDhhmmss) digits.
    pub date_digits: u8,
    /// The id in the receipt text in hexadecimal rather than decimal.
    pub hex_id_in_text: bool,
    /// receipted_message_id, message_state and network_error_code TLVs.
    pub tlvs: bool,
    /// The receipt may go out before its submit_sm_resp.
    pub receipt_before_resp: bool,
    /// Every receipt is sent twice.
    pub duplicates: bool,
    /// Receipts go as data_sm rather than deliver_sm.
    pub receipts_by_data_sm: bool,
    /// What the receipt's `text:` quotes of the message.
    pub quoted_text: QuotedText,
}

/// What a receipt's `text:` quotes of its message (SMSCs differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotedText {
    /// The first 20 characters of the text, decoded by its data_coding.
    Decoded,
    /// The first 20 octets of the user data (after any UDH) as ASCII, each
    /// octet outside printable ASCII written as `.`.
    Raw,
    /// Nothing.
    Empty,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            capital_text: false,
            date_digits: 10,
            hex_id_in_text: false,
            tlvs: true,
            receipt_before_resp: false,
            duplicates: false,
            receipts_by_data_sm: false,
            quoted_text: QuotedText::Decoded,
        }
    }
}

/// An alternative (`[alternatives.NAME]`): the scenario with its routing
/// and provider settings patched, simulated on the same users.
#[derive(Debug, Clone)]
pub struct Alternative {
    pub name: String,
    pub description: String,
    /// The complete patched scenario (no alternatives, no expectations).
    pub scenario: Box<Scenario>,
}

#[derive(Debug, Clone)]
pub struct Traffic {
    /// Base arrival rate, sessions per second.
    pub rate_per_sec: f64,
    /// Clock time of day at simulated time 0.
    pub start_of_day: Nanos,
    /// Time-of-day factors: from each `(time of day, factor)` until the next,
    /// wrapping at midnight. Empty means a flat factor of 1.
    pub profile: Vec<(Nanos, f64)>,
    pub bursts: Vec<Burst>,
}

#[derive(Debug, Clone)]
pub struct Burst {
    pub start: Nanos,
    pub duration: Nanos,
    pub multiplier: f64,
}

#[derive(Debug, Clone)]
pub struct Users {
    pub typo: f64,
    pub stale: f64,
    /// Share of stale numbers reassigned to someone else.
    pub recycled: f64,
    pub presence: Presence,
}

/// The handset's alternating present/absent renewal process.
#[derive(Debug, Clone)]
pub struct Presence {
    pub present: Distribution,
    /// `Fixed(0)` means handsets are always present.
    pub absent: Distribution,
    /// Stationary probability of being present, E[present] / (E[present] +
    /// E[absent]); computed once, used at every arrival.
    pub present_share: f64,
    /// How far ahead of its current period a handset's process is walked
    /// period by period: `PRESENCE_HORIZON_CYCLES` mean cycles. Further
    /// ahead it has forgotten its start, and its state is drawn afresh
    /// from the stationary law, so a span of centuries costs no more
    /// than this one.
    pub horizon: Nanos,
}

/// Mean present + absent cycles a handset's process is walked through
/// before it restarts in its stationary state (see `Presence::horizon`).
pub const PRESENCE_HORIZON_CYCLES: f64 = 1000.0;

impl Presence {
    pub fn new(present: Distribution, absent: Distribution) -> Presence {
        let (up, down) = (present.mean(), absent.mean());
        let present_share = if up + down > 0.0 {
            up / (up + down)
        } else {
            1.0
        };
        let horizon = (PRESENCE_HORIZON_CYCLES * (up + down)).min(Nanos::MAX as f64) as Nanos;
        Presence {
            present,
            absent,
            present_share,
            horizon,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Otp {
    pub resend_after: Nanos,
    pub max_sends: u32,
    pub ttl: Nanos,
    pub invalidate_previous: bool,
    pub patience: Nanos,
    /// The time to code the report counts successes within ("code ≤ 60s").
    pub target: Nanos,
    pub voice: Option<Voice>,
}

#[derive(Debug, Clone)]
pub struct Voice {
    /// Wait after the last SMS before the call is placed.
    pub after: Nanos,
    pub success: f64,
    pub latency: Distribution,
    pub cost: f64,
}

#[derive(Debug, Clone)]
pub struct Mnp {
    /// Ports older than this never happened (the number's range holder is
    /// then its current carrier).
    pub number_age: Nanos,
    pub post_port_window: Distribution,
    /// Port-in rate per carrier, per nanosecond, for a number now on it.
    pub port_in_rate: Vec<f64>,
    /// Cumulative donor probabilities per recipient carrier.
    pub donor_cdf: Vec<Vec<f64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RouteKind {
    Domestic = 0,
    International = 1,
}

impl RouteKind {
    pub fn name(self) -> &'static str {
        match self {
            RouteKind::Domestic => "domestic",
            RouteKind::International => "international",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lookup {
    Live,
    Database {
        lag: Nanos,
    },
    /// Routes by the number's original range.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Billing {
    PerSubmitted,
    /// Charged when the provider's receipt says delivered (fake ones too).
    PerDelivered,
}

/// What a provider's receipt says about a message its carrier filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilteredReceipt {
    Rejected,
    Undelivered,
    Delivered,
    Nothing,
}

#[derive(Debug, Clone)]
pub struct Provider {
    pub name: String,
    pub route: RouteKind,
    /// Time to serve one message at the TPS limit; 0 means no limit.
    pub service_time: Nanos,
    pub tps: Option<f64>,
    pub queue_capacity: u64,
    pub max_queue_time: Nanos,
    /// At most this many accepted sends to one number per window; beyond,
    /// **send limited** (refused).
    pub per_number_limit: Option<(u32, Nanos)>,
    pub submit_latency: Distribution,
    pub lookup: Lookup,
    /// Price per message, per carrier.
    pub price: Vec<f64>,
    pub billing: Billing,
    pub receipt_probability: f64,
    pub filtered_receipt: FilteredReceipt,
    /// Overrides the carriers' sender-block shares for this sender.
    pub sender_blocked: Option<f64>,
    /// Per carrier: this provider's own latency and loss, where they
    /// replace its route's (`[providers.NAME.carriers.CARRIER]`).
    pub legs: Vec<LegOverride>,
    /// What its messages say, when the scenario gives a body.
    pub body: Option<MessageBody>,
    /// Whether its TPS counts messages or segments.
    pub tps_unit: TpsUnit,
}

/// `[message]`: the body every provider sends unless it has its own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MessageSettings {
    /// The template, with `{code}` where the code goes.
    pub body: Option<String>,
    /// Digits in the code.
    pub code_length: u32,
}

/// What a provider's `tps` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TpsUnit {
    #[default]
    Message,
    /// Each segment of a multipart message takes one slot.
    Segment,
}

/// A carrier's cap on a multipart message's parts (`max_segments`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentCap {
    pub count: u32,
    pub action: OverCap,
}

/// What a carrier does with a message of more parts than its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverCap {
    /// Refused as undeliverable.
    Refuse,
    /// The first parts are delivered, the rest dropped.
    Truncate,
}

/// A provider's own leg to one carrier: each part, when given, replaces
/// the route's.
#[derive(Debug, Clone, Default)]
pub struct LegOverride {
    pub latency: Option<Distribution>,
    pub loss: Option<f64>,
}

#[derive(Debug, Clone)]
pub enum Routing {
    Single(ProviderId),
    /// Providers with cumulative weights ending at 1.
    Weighted(Vec<(ProviderId, f64)>),
    /// Provider per carrier.
    ByCarrier(Vec<ProviderId>),
    /// Send k goes to the k-th provider (the last one repeats); a refused
    /// submission moves on to the next.
    Failover(Vec<ProviderId>),
}

#[derive(Debug, Clone)]
pub struct RouteLeg {
    pub latency: Distribution,
    pub loss: f64,
}

/// A carrier's throttle on bursts to one number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RepeatFilter {
    pub after: u32,
    pub window: Nanos,
    pub probability: f64,
}

#[derive(Debug, Clone)]
pub struct Carrier {
    pub name: String,
    pub share: f64,
    pub churn: f64,
    /// Per message: each international message is filtered with this
    /// probability, independently.
    pub intl_filter: f64,
    /// Per number: this share of the carrier's numbers never gets
    /// international SMS, for every message in the run.
    pub intl_filter_per_number: f64,
    pub spam_filter: f64,
    pub spam_filter_per_number: f64,
    pub reject_overseas: f64,
    pub sender_blocked: f64,
    pub post_port_intl_failure: f64,
    pub not_sms_capable: f64,
    /// Per message: each message passing every other check fails as
    /// undeliverable with this probability; a resend draws afresh.
    pub undeliverable: f64,
    /// The most parts of one message it takes, and what it does beyond.
    pub max_segments: Option<SegmentCap>,
    /// After this many messages to one number reached the carrier within
    /// the window, each further one is filtered with the probability.
    pub repeat_filter: Option<RepeatFilter>,
    pub radio_delay: Distribution,
    pub smsc: Smsc,
    pub misrouted: Misrouted,
}

#[derive(Debug, Clone)]
pub struct Smsc {
    /// Intervals between delivery attempts; the last one repeats.
    pub retry: Vec<Nanos>,
    pub validity: Nanos,
    pub hlr_alert: bool,
}

/// What this carrier does with a message for a number that ported away.
#[derive(Debug, Clone)]
pub enum Misrouted {
    Forward {
        extra_latency: Distribution,
        intl_failure: f64,
    },
    Reject,
}

#[derive(Debug, Clone)]
pub struct Outage {
    pub target: OutageTarget,
    pub start: Nanos,
    pub end: Nanos,
    pub effect: OutageEffect,
}

impl Outage {
    pub fn covers(&self, t: Nanos) -> bool {
        self.start <= t && t < self.end
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutageTarget {
    Provider(ProviderId),
    Carrier(CarrierId),
    Route(RouteKind),
    CarrierRoute(CarrierId, RouteKind),
    /// One provider's sender at one carrier's ingress (e.g. a block of
    /// that sender for days).
    SenderAtCarrier(ProviderId, CarrierId),
}

#[derive(Debug, Clone, PartialEq)]
pub enum OutageEffect {
    Reject,
    Store,
    Drop,
    Delay(Distribution),
    /// At a carrier's ingress: **filtered by the carrier**.
    Filter,
}

/// A bound the run must meet (`[[expect]]`); failing ones make exit code 1.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// Which variant: 0 the scenario itself, i the i-th alternative.
    pub alternative: usize,
    /// For a difference: the variant subtracted (`alternative − compared_to`).
    pub compared_to: Option<usize>,
    pub metric: ExpectMetric,
    pub carrier: Option<CarrierId>,
    pub provider: Option<ProviderId>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Require the whole 95% interval to clear the bound.
    pub whole_interval: bool,
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectMetric {
    OtpSuccess,
    /// Share of sessions holding a valid code within `otp.target`.
    SuccessWithinTarget,
    DeliveryRate,
    ReceiptDeliveryRate,
    /// Time to code percentile, in seconds.
    TimeToCode(Quantile),
    /// Message latency percentile, in seconds.
    Latency(Quantile),
    CostPerSuccess,
    /// Share of messages ending in `MESSAGE_OUTCOMES[i]`.
    OutcomeShare(usize),
    /// Share of messages routed on a stale portability record.
    MisroutedShare,
    /// Share of sessions ending in `SESSION_OUTCOMES[i]`.
    SessionShare(usize),
    /// A figure only a `load` run measures.
    Load(LoadMetric),
}

/// A figure of a `load` run that `[[expect]]` can bound (docs/scenario.md);
/// simulations and `serve` report such a bound NOT MEASURED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadMetric {
    /// Share of planned messages sent more than 10 ms after their time.
    LateShare,
    /// Share of planned messages never sent (the window stayed full).
    DroppedShare,
    /// Share of sent messages refused (any error answer).
    RefusedShare,
    /// Submit to its answer, from the intended send time, in seconds.
    ResponseLatency(Quantile),
    /// Submit to its final receipt, from the intended send time, in seconds.
    ReceiptLatency(Quantile),
}

impl LoadMetric {
    /// Bounds are times (seconds) rather than shares.
    pub fn is_time(self) -> bool {
        matches!(
            self,
            LoadMetric::ResponseLatency(_) | LoadMetric::ReceiptLatency(_)
        )
    }

    /// Every name `[[expect]] metric` accepts for a load figure.
    pub fn names() -> Vec<(String, LoadMetric)> {
        let mut all = vec![
            ("late_share".to_string(), LoadMetric::LateShare),
            ("dropped_share".to_string(), LoadMetric::DroppedShare),
            ("refused_share".to_string(), LoadMetric::RefusedShare),
        ];
        for q in Quantile::ALL {
            let suffix = q.name().replace('.', "");
            all.push((
                format!("resp_latency_{suffix}"),
                LoadMetric::ResponseLatency(q),
            ));
            all.push((
                format!("receipt_latency_{suffix}"),
                LoadMetric::ReceiptLatency(q),
            ));
        }
        all
    }
}

impl ExpectMetric {
    /// Bounded per carrier or overall, never per provider.
    pub fn is_session_level(self) -> bool {
        matches!(
            self,
            ExpectMetric::OtpSuccess
                | ExpectMetric::SuccessWithinTarget
                | ExpectMetric::TimeToCode(_)
                | ExpectMetric::CostPerSuccess
                | ExpectMetric::SessionShare(_)
        )
    }
}

/// Where a message can end, as reports and `share_*` expectations name
/// them; the index is the model's `Outcome`.
pub const MESSAGE_OUTCOMES: [&str; 11] = [
    "delivered",
    "wrong_person",
    "expired_smsc",
    "expired_queue",
    "refused",
    "carrier_filter",
    "user_filter",
    "sender_blocked",
    "undeliverable",
    "lost",
    "send_limited",
];

/// How a session can end, as reports and `session_share_*` expectations
/// name them; the index is the model's `SessionEndKind`.
pub const SESSION_OUTCOMES: [&str; 5] = [
    "success_sms",
    "success_voice",
    "no_code_in_time",
    "wrong_person",
    "gave_up",
];

impl Provider {
    /// Segments per message: the body's, or 1 without a body.
    pub fn segments(&self) -> u32 {
        self.body.as_ref().map_or(1, |b| b.layout.segments)
    }
}

impl Scenario {
    pub fn provider(&self, id: ProviderId) -> &Provider {
        &self.providers[id.index()]
    }

    pub fn carrier(&self, id: CarrierId) -> &Carrier {
        &self.carriers[id.index()]
    }

    pub fn provider_ids(&self) -> impl Iterator<Item = ProviderId> + use<> {
        ProviderId::all(self.providers.len())
    }

    pub fn carrier_ids(&self) -> impl Iterator<Item = CarrierId> + use<> {
        CarrierId::all(self.carriers.len())
    }

    /// Sets the seed here and in every alternative (they must share it for
    /// common random numbers).
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
        self.alternatives
            .iter_mut()
            .for_each(|a| a.scenario.seed = seed);
    }

    pub fn set_replications(&mut self, replications: u32) {
        self.replications = replications;
        self.alternatives
            .iter_mut()
            .for_each(|a| a.scenario.replications = replications);
    }

    /// The names of the scenario (`BASE_NAME`) and its alternatives, in order.
    pub fn alternative_names(&self) -> Vec<String> {
        std::iter::once(BASE_NAME.to_string())
            .chain(self.alternatives.iter().map(|a| a.name.clone()))
            .collect()
    }

    /// The variants `--alt NAME...` names, in order (all when none are
    /// named); `file` names the scenario in the error.
    pub fn variant_order(
        &self,
        alternatives: &[String],
        file: &str,
    ) -> Result<Vec<usize>, UnknownAlternative> {
        let names = self.alternative_names();
        if alternatives.is_empty() {
            return Ok((0..names.len()).collect());
        }
        alternatives
            .iter()
            .map(|a| {
                names
                    .iter()
                    .position(|n| n == a)
                    .ok_or_else(|| UnknownAlternative {
                        name: a.clone(),
                        file: file.to_string(),
                        defined: names.join(", "),
                    })
            })
            .collect()
    }

    /// The scenario itself (0) or alternative `index - 1`.
    pub fn variant(&self, index: usize) -> &Scenario {
        match index {
            0 => self,
            i => &self.alternatives[i - 1].scenario,
        }
    }
}

/// `--alt NAME` names no alternative of the scenario.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("no alternative \"{name}\" in {file}; defined: {defined}")]
pub struct UnknownAlternative {
    pub name: String,
    pub file: String,
    pub defined: String,
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("error: {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(#[from] ScenarioError),
    #[error("error: {0}")]
    Override(#[from] OverrideError),
    #[error("error: --replications must be at least 1")]
    NoReplications,
    #[error("error: --replications: at most {max} replications, got {0}; split bigger runs with --shard (docs/scale.md)", max = limits::MAX_REPLICATIONS)]
    TooManyReplications(u32),
    /// Not UTF-8 text, or too large to be a scenario: exit 2.
    #[error("error: {path}: {why}")]
    Unreadable { path: String, why: String },
}

/// Settings given on the command line over a scenario file: `--set`
/// overrides, seed and replications.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub sets: Vec<String>,
    pub seed: Option<u64>,
    pub replications: Option<u32>,
}

impl Settings {
    /// Validates scenario `text` (named `source` in errors) with these
    /// settings applied.
    pub fn apply(&self, text: &str, source: &str) -> Result<Scenario, LoadError> {
        let overrides = self
            .sets
            .iter()
            .map(|s| Override::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, o) in overrides.iter().enumerate() {
            if overrides[..i].iter().any(|earlier| earlier.key == o.key) {
                return Err(OverrideError::Twice(o.key.clone()).into());
            }
        }
        let mut sc = validate::validate(text, source, &overrides)?;
        if let Some(seed) = self.seed {
            sc.set_seed(seed);
        }
        if let Some(r) = self.replications {
            if r == 0 {
                return Err(LoadError::NoReplications);
            }
            if r > limits::MAX_REPLICATIONS {
                return Err(LoadError::TooManyReplications(r));
            }
            sc.set_replications(r);
        }
        Ok(sc)
    }
}

/// Reads a scenario file's text: at most `MAX_SCENARIO_BYTES`, UTF-8.
pub fn read(path: &Path) -> Result<String, LoadError> {
    let name = path.display().to_string();
    let io = |source| LoadError::Io {
        path: name.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, limits::MAX_SCENARIO_BYTES + 1),
        &mut bytes,
    )
    .map_err(io)?;
    if bytes.len() as u64 > limits::MAX_SCENARIO_BYTES {
        return Err(LoadError::Unreadable {
            path: name,
            why: format!(
                "larger than {} bytes; a scenario is a short TOML file (docs/limits.md)",
                limits::MAX_SCENARIO_BYTES
            ),
        });
    }
    String::from_utf8(bytes).map_err(|e| LoadError::Unreadable {
        path: name.clone(),
        why: format!("{}; {}", not_utf8(&e), {
            let bytes = e.as_bytes();
            if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
                "the file is UTF-16: save it as UTF-8"
            } else {
                "save the file as UTF-8"
            }
        }),
    })
}

/// Where text that should be UTF-8 is not: "not UTF-8 text: invalid byte
/// 0xE9 at byte offset 22 (line 2)".
pub fn not_utf8(e: &std::string::FromUtf8Error) -> String {
    let offset = e.utf8_error().valid_up_to();
    let bytes = e.as_bytes();
    let line = bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
    format!(
        "not UTF-8 text: invalid byte 0x{:02X} at byte offset {offset} (line {line})",
        bytes[offset]
    )
}

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, LoadError> {
    Settings::default().apply(&read(path)?, &path.display().to_string())
}

/// Validates scenario text; `file` names it in error messages.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    validate::validate(text, file, &[])
}
