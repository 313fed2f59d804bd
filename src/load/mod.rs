//! `simsms load`: the scenario's traffic against a real SMPP endpoint, on
//! an absolute schedule (open loop), measured from each message's intended
//! send time, and reported as `simsms run` reports a simulation, so that a
//! simulated and a measured run can be read side by side.
//!
//! What a measured message "is" comes from what the endpoint said: a
//! refused submit is `refused`; a receipt's stat DELIVRD is `delivered`,
//! EXPIRED `expired_smsc`, UNDELIV `undeliverable`, REJECTD
//! `carrier_filter`; no receipt by the end is `lost` (docs/load.md).

pub mod body;
pub mod clock;
pub mod figures;
pub mod http;
pub mod join;
pub mod leftover;
pub mod live;
pub mod measured;
pub mod otp;
pub mod partial;
pub mod schedule;
pub mod smpp;
pub mod stray;
pub mod tally;

use crate::protocol::ClientError;
use crate::protocol::target::{Protocol, Target};
use crate::scenario::{ProviderId, Scenario};
pub use measured::{Measured, measured_fate, outcome_of_stat};
use schedule::{Part, Schedule, Shape};
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
    /// What each message says, and how SMPP joins its parts.
    pub text: body::MessageText,
    /// SMPP: query_sm a message whose receipt is this late (`--query`).
    pub query_after: Option<Duration>,
    /// `--start-at`: the schedule's start on this machine's clock (else
    /// 200 ms from now).
    pub start_at: Option<std::time::SystemTime>,
}

/// The instant `at` (this machine's clock) falls on: in the past if it
/// has passed.
pub fn instant_of(at: std::time::SystemTime) -> Instant {
    let (now, now_system) = (Instant::now(), std::time::SystemTime::now());
    match at.duration_since(now_system) {
        Ok(ahead) => now + ahead,
        Err(behind) => now.checked_sub(behind.duration()).unwrap_or(now),
    }
}

/// When a run starts: at `--start-at`, else 200 ms from now.
pub fn start_of(start_at: Option<std::time::SystemTime>) -> Instant {
    start_at.map_or_else(|| Instant::now() + Duration::from_millis(200), instant_of)
}

/// Runs the load; needs a tokio runtime.
pub async fn run(scenario: Arc<Scenario>, options: LoadOptions) -> Result<Measured, ClientError> {
    let start = start_of(options.start_at);
    let pacing = smpp::Pacing {
        window: options.window,
        start,
        wait: options.wait,
        max_late: options.max_late,
        connect_timeout: options.connect_timeout,
    };
    let protocol = options.target.protocol;
    let tally = tally::Tally::new(scenario.clone(), options.provider, protocol, start)
        .with_records(options.live.records.clone())
        .with_segments(options.text.segments())
        .keeping_waiting(options.shard.is_some());
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
            let with = (options.throttling, &options.live, &options.text);
            let query = options.query_after;
            smpp::run(&options.target, schedules, tally, pacing, with, query).await?
        }
        Protocol::Http => {
            let in_flight = options.binds * options.window;
            let callbacks = (&options.callbacks, options.throttling, &options.live);
            let tally = tally.with_text(options.text.clone());
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
