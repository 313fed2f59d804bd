//! `simsms load`: the scenario's traffic against a real SMPP endpoint, on
//! an absolute schedule (open loop), measured from each message's intended
//! send time, and reported as `simsms run` reports a simulation, so that a
//! simulated and a measured run can be read side by side.
//!
//! What a measured message "is" comes from what the endpoint said: a
//! refused submit is `refused`; a receipt's stat DELIVRD is `delivered`,
//! EXPIRED `expired_smsc`, UNDELIV `undeliverable`, REJECTD
//! `carrier_filter`; no receipt by the end is `lost` (docs/load.md).

pub mod figures;
pub mod http;
pub mod live;
pub mod otp;
pub mod partial;
pub mod schedule;
pub mod smpp;
pub mod tally;

use crate::metrics::Metrics;
use crate::model::{Fate, Outcome, Receipt, charge};
use crate::protocol::ClientError;
use crate::protocol::target::{Protocol, Target};
use crate::scenario::{CarrierId, ProviderId, Scenario};
use crate::units::Nanos;
use hdrhistogram::Histogram;
use schedule::{Part, Schedule, Shape};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How to load.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub target: Target,
    /// The provider of the scenario the target stands for (its price and
    /// the report's row).
    pub provider: ProviderId,
    pub binds: usize,
    pub window: usize,
    pub shape: Shape,
    /// How long to wait for receipts after the last send.
    pub wait: Duration,
    /// How long a message may wait for window room before it is dropped.
    pub max_late: Duration,
    /// How long connecting may take, and again the bind's answer (SMPP).
    pub connect_timeout: Duration,
    /// After ESME_RTHROTTLED (HTTP: 429): the pause, and how often a
    /// throttled message is sent again.
    pub throttling: smpp::Throttling,
    /// HTTP: TLS trust and where status callbacks are received.
    pub callbacks: http::HttpOptions,
    /// Progress counts and the Ctrl-C stop.
    pub live: live::Live,
    /// Send only this shard's messages.
    pub shard: Option<crate::partial::Shard>,
}

/// What a load run measured.
pub struct Measured {
    /// In the same form as a simulated replication's.
    pub metrics: Metrics,
    pub planned: usize,
    /// Interrupted (Ctrl-C) this many seconds in: the planned messages not
    /// yet due then are left out of `planned`.
    pub interrupted_after: Option<f64>,
    pub sent: usize,
    pub late: usize,
    /// Not sent: the window was full at the intended time.
    pub dropped: usize,
    /// Connections re-opened after closing, and messages they had in
    /// flight (never answered).
    pub reconnects: usize,
    pub lost_at_disconnect: usize,
    /// HTTP: status callbacks whose signature did not verify.
    pub bad_signatures: usize,
    /// Messages sent again after a throttle (a message may count twice).
    pub resubmitted: usize,
    /// HTTP: requests without any answer, and the first one's error.
    pub unanswered: usize,
    pub first_error: Option<String>,
    /// Submits refused, by command_status (SMPP, as 0x00000058) or HTTP
    /// status (as "HTTP 429") or, for a 201 already failed, its status.
    pub errors: BTreeMap<String, u64>,
    /// Final receipts, by stat (HTTP: final status and error code).
    pub receipts: BTreeMap<String, u64>,
    /// submit → submit_sm_resp, microseconds, from the intended send time
    /// and from the actual one.
    pub resp_intended_us: Histogram<u64>,
    pub resp_actual_us: Histogram<u64>,
    /// submit → final receipt (HTTP: final status callback), microseconds,
    /// from the intended and from the (last) actual send time.
    pub receipt_intended_us: Histogram<u64>,
    pub receipt_actual_us: Histogram<u64>,
    pub seconds: f64,
}

impl Measured {
    /// Nothing measured yet, in the scenario's dimensions.
    pub fn empty(sc: &Scenario) -> Measured {
        Measured {
            metrics: Metrics::for_scenario(sc),
            planned: 0,
            interrupted_after: None,
            sent: 0,
            late: 0,
            dropped: 0,
            reconnects: 0,
            lost_at_disconnect: 0,
            bad_signatures: 0,
            resubmitted: 0,
            unanswered: 0,
            first_error: None,
            errors: BTreeMap::new(),
            receipts: BTreeMap::new(),
            resp_intended_us: histogram(),
            resp_actual_us: histogram(),
            receipt_intended_us: histogram(),
            receipt_actual_us: histogram(),
            seconds: 0.0,
        }
    }
}

/// Runs the load; needs a tokio runtime.
pub async fn run(scenario: Arc<Scenario>, options: LoadOptions) -> Result<Measured, ClientError> {
    let start = Instant::now() + Duration::from_millis(200);
    let pacing = smpp::Pacing {
        window: options.window,
        start,
        wait: options.wait,
        max_late: options.max_late,
        connect_timeout: options.connect_timeout,
    };
    let protocol = options.target.protocol;
    let tally = tally::Tally::new(scenario.clone(), options.provider, protocol, start);
    let schedule = |part| Schedule::new(&scenario, options.shape, part);
    let transcript = match protocol {
        Protocol::Smpp => {
            let binds = options.binds.max(1) as u64;
            let schedules = (0..binds)
                .map(|bind| {
                    schedule(Part {
                        shard: options.shard,
                        bind,
                        binds,
                    })
                })
                .collect();
            let with = (options.throttling, &options.live);
            smpp::run(&options.target, schedules, tally, pacing, with).await?
        }
        Protocol::Http => {
            let in_flight = options.binds * options.window;
            let callbacks = (&options.callbacks, options.throttling, &options.live);
            let schedule = schedule(Part::whole(options.shard));
            http::run(
                &options.target,
                in_flight,
                schedule,
                tally,
                pacing,
                callbacks,
            )
            .await?
        }
    };
    // After Ctrl-C, the messages sent or dropped by then were planned; the
    // others never were.
    let mut m = transcript.tally;
    m.seconds = start.elapsed().as_secs_f64();
    let interrupted_at = options.live.interrupted_at();
    m.interrupted_after = interrupted_at.map(|i| i.saturating_duration_since(start).as_secs_f64());
    m.reconnects = transcript.reconnects;
    m.lost_at_disconnect = transcript.lost_at_disconnect;
    m.bad_signatures = transcript.bad_signatures;
    (m.unanswered, m.first_error) = transcript.unanswered;
    Ok(m)
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("histogram bounds")
}

/// What a final receipt's stat, or a final HTTP status with its error
/// code, says happened (docs/load.md): the vocabulary read backwards.
pub use crate::protocol::vocabulary::read_final as outcome_of_stat;

/// A message the endpoint answered, as the metrics record it: sent and
/// finished at these times, priced as the scenario's provider bills.
pub fn measured_fate(
    sc: &Scenario,
    provider: ProviderId,
    carrier: CarrierId,
    (sent_at, finished_at): (Nanos, Nanos),
    (outcome, receipt): (Outcome, Receipt),
) -> Fate {
    Fate {
        outcome,
        provider,
        carrier,
        sent_at,
        queued_at: None,
        left_provider_at: None,
        reached_carrier_at: None,
        smsc: None,
        finished_at: finished_at.max(sent_at),
        queue_wait: None,
        misrouted: false,
        receipt,
        cost: charge(sc.provider(provider), carrier, outcome, receipt),
    }
}
