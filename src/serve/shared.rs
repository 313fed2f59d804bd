//! What every connection of a server shares: the scenario, the live
//! model behind its lock, the receipt desk and scheduler, the account and
//! failed-bind limits, the parts of concatenated messages waiting for the
//! rest, the ledger of SMPP messages, the counts shutdown and limits read,
//! the live page's counters and message trace, and the number check both
//! protocols apply.

use super::limits::{TokenBucket, WindowLimit};
use super::live::{self, LiveModel};
use super::observe;
use super::receipts::{Desk, ReceiptJob, Scheduler};
use crate::scenario::Scenario;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// Counts the server's own logic needs (shutdown, limits).
#[derive(Debug, Default)]
pub struct Stats {
    /// Open SMPP connections.
    pub connections: Arc<AtomicUsize>,
    /// Open connections to the HTTP port.
    pub http_connections: Arc<AtomicUsize>,
    pub binds: AtomicUsize,
    /// Receipts sent and not yet acknowledged, over all connections.
    pub unacked: AtomicUsize,
}

/// What every connection shares.
pub struct Shared {
    pub scenario: Arc<Scenario>,
    pub live: Mutex<LiveModel>,
    pub desk: Arc<Desk>,
    pub(super) scheduler: Scheduler,
    /// Unix time of simulated time 0, for receipt dates.
    pub epoch_unix: u64,
    /// The model's clock, read without taking the model's lock.
    pub clock: crate::des::RealClock,
    /// The port each account listens on (ports given as 0 resolved).
    pub account_ports: Vec<u16>,
    /// The SMPP over TLS port of each account that has one (resolved too).
    pub account_tls_ports: Vec<Option<u16>>,
    pub(super) account_limits: Vec<Option<Mutex<WindowLimit>>>,
    pub(super) failed_binds: Mutex<HashMap<IpAddr, TokenBucket>>,
    pub stats: Stats,
    /// Parts of concatenated messages waiting for the rest.
    pub pending: Mutex<super::reassembly::Pending>,
    pub observed: observe::Observed,
    /// Messages accepted over SMPP, for query_sm, cancel_sm and replace_sm.
    pub ledger: Mutex<super::ledger::Ledger>,
    /// The live page's counters per account.
    pub board: super::board::Board,
    /// The newest messages' traces, for the live page.
    pub traces: Mutex<super::trace::Traces>,
    /// Page streams open now.
    pub page_streams: AtomicUsize,
    /// Unix time (ms) of simulated time 0.
    pub started_unix_ms: u64,
    pub shutdown: watch::Sender<bool>,
}

impl Shared {
    /// The model's clock now.
    pub fn clock_now(&self) -> crate::units::Nanos {
        crate::des::Clock::now(&self.clock)
    }

    /// The wall time (Unix ms) at which simulated time `sim` comes.
    pub fn wall_unix_ms_of(&self, sim: crate::units::Nanos) -> u64 {
        self.started_unix_ms + (sim as f64 / 1e6 / self.clock.speed()) as u64
    }

    /// Now, on both clocks, for a trace event.
    pub fn stamp(&self) -> super::trace::Stamp {
        super::trace::Stamp {
            sim: self.clock_now(),
            wall_unix_ms: unix_ms_now(),
        }
    }

    /// Notes `what` happened to traced message `key` now.
    pub fn trace(&self, key: u64, what: super::trace::Happening) {
        let at = self.stamp();
        let mut traces = self.traces.lock().expect("trace lock");
        if traces.enabled() {
            traces.happened(key, at, what);
        }
    }

    /// Whether `account` may bind on the listener of `port`, plain or TLS.
    pub fn listens_on(&self, account: usize, port: u16) -> bool {
        self.account_ports[account] == port || self.account_tls_ports[account] == Some(port)
    }

    /// The account's TPS limit allows one more submission now.
    pub fn account_allows(&self, account: usize) -> bool {
        self.account_limits[account]
            .as_ref()
            .is_none_or(|b| b.lock().expect("bucket lock").take())
    }

    /// A failed bind from `peer` is within the allowed rate.
    pub fn failed_bind_allowed(&self, peer: SocketAddr) -> bool {
        let rate = self.scenario.serve.failed_binds_per_sec;
        self.failed_binds
            .lock()
            .expect("bind lock")
            .entry(peer.ip())
            .or_insert_with(|| TokenBucket::new(rate, rate))
            .take()
    }

    /// Moves the receipts of re-decided messages (an injected radio
    /// outage) to their new final times and states.
    pub fn reschedule(&self, changed: &[(u64, crate::model::Fate)]) {
        let at = self.stamp();
        for (id, fate) in changed {
            self.traces
                .lock()
                .expect("trace lock")
                .redecided(*id, fate, at);
            self.ledger
                .lock()
                .expect("ledger lock")
                .decided(*id, super::ledger::Ending::of(fate, false));
            let Some((receipt, done)) = live::receipt_of(fate) else {
                continue;
            };
            let at = self.clock.wall_time_of(done);
            self.scheduler.replace(*id, at, receipt, fate.outcome, done);
        }
    }

    /// Sends `job` to the desk when its simulated time comes (at once with
    /// `now`).
    pub fn schedule_receipt(&self, job: ReceiptJob, now: bool) {
        let duplicates = self.scenario.serve.accounts[job.account].dialect.duplicates;
        let copies = if duplicates { 2 } else { 1 };
        for _ in 0..copies {
            if now {
                self.desk.push(job.clone());
            } else {
                let at = self.clock.wall_time_of(job.done_at);
                self.scheduler.schedule(at, job.clone());
            }
        }
    }
}

/// The wall clock now, in Unix milliseconds.
pub fn unix_ms_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The digits of a destination a carrier could route: 5 to 15 of them
/// (E.164's limit), optionally after `+`.
pub fn routable_digits(number: &str) -> Option<&str> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    ((5..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(digits)
}
