//! What a load run measured, in the form a simulated replication takes
//! (`Measured`), and how one answered message becomes a `Fate`: its stat
//! read through the shared vocabulary, priced as the provider bills.

use super::leftover::{KeptReceipt, Leftovers};
use crate::metrics::Metrics;
use crate::model::{Fate, Outcome, Receipt, charge};
use crate::scenario::{CarrierId, ProviderId, Scenario};
use crate::units::Nanos;
use hdrhistogram::Histogram;
use std::collections::BTreeMap;

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
    /// `--query`: query_sm sent for late receipts, messages (parts) a
    /// query found final, and queries the endpoint refused.
    pub queries: usize,
    pub final_by_query: usize,
    pub queries_refused: usize,
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
    /// Receipts for a message already final (sent twice, or after a query
    /// settled it).
    pub duplicate_receipts: usize,
    /// Receipts whose id no message of the run had (merged: no message of
    /// any part), and the first few of them.
    pub unmatched_receipts: usize,
    pub unmatched_sample: Vec<KeptReceipt>,
    /// Merged: receipts that came to another part than their message's,
    /// joined by id; how precise their latency is (a sentence); and, with
    /// `--otp`, how many came where their session never saw them.
    pub joined_receipts: usize,
    pub join_clock: Option<String>,
    pub unseen_by_sessions: usize,
    /// How many processes measured it (merged parts; 1 unsharded).
    pub parts: u32,
    /// A shard: what it leaves for `merge` to join.
    pub leftovers: Option<Leftovers>,
}

/// How many unmatched receipts a report lists.
pub const SAMPLE: usize = 5;

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
            queries: 0,
            final_by_query: 0,
            queries_refused: 0,
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
            duplicate_receipts: 0,
            unmatched_receipts: 0,
            unmatched_sample: Vec::new(),
            joined_receipts: 0,
            join_clock: None,
            unseen_by_sessions: 0,
            parts: 1,
            leftovers: None,
        }
    }
}

impl Measured {
    /// Adds what another measurement of the same run counted (the join's
    /// folded messages): counts, maps, histograms and metrics.
    pub fn absorb(&mut self, other: &Measured) {
        for (into, n) in [
            (&mut self.planned, other.planned),
            (&mut self.sent, other.sent),
            (&mut self.late, other.late),
            (&mut self.dropped, other.dropped),
            (&mut self.resubmitted, other.resubmitted),
            (&mut self.duplicate_receipts, other.duplicate_receipts),
            (&mut self.unmatched_receipts, other.unmatched_receipts),
            (&mut self.joined_receipts, other.joined_receipts),
            (&mut self.unseen_by_sessions, other.unseen_by_sessions),
        ] {
            *into += n;
        }
        for (into, from) in [
            (&mut self.errors, &other.errors),
            (&mut self.receipts, &other.receipts),
        ] {
            for (k, n) in from {
                *into.entry(k.clone()).or_insert(0) += n;
            }
        }
        for (into, from) in [
            (&mut self.resp_intended_us, &other.resp_intended_us),
            (&mut self.resp_actual_us, &other.resp_actual_us),
            (&mut self.receipt_intended_us, &other.receipt_intended_us),
            (&mut self.receipt_actual_us, &other.receipt_actual_us),
        ] {
            // Both have the same bounds: adding cannot fail.
            let _ = into.add(from);
        }
        self.metrics.merge(&other.metrics);
        self.unmatched_sample
            .extend(other.unmatched_sample.iter().cloned());
        self.unmatched_sample.truncate(SAMPLE);
        if self.join_clock.is_none() {
            self.join_clock = other.join_clock.clone();
        }
    }
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
    segments: u32,
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
        cost: charge(sc.provider(provider), carrier, outcome, receipt, segments),
        code_cut: false,
    }
}

/// A submit's answer as the report and the records name it: an SMPP
/// command_status as `0x00000058`, an HTTP status as `HTTP 429`.
pub fn answer_label(protocol: crate::protocol::target::Protocol, status: u32) -> String {
    match protocol {
        crate::protocol::target::Protocol::Smpp => format!("{status:#010x}"),
        crate::protocol::target::Protocol::Http => format!("HTTP {status}"),
    }
}

/// A record's `answer`: `accepted`, the refusal's label, or `unanswered`.
pub fn record_answer(protocol: crate::protocol::target::Protocol, status: Option<u32>) -> String {
    match status {
        Some(0) => "accepted".into(),
        Some(status) => answer_label(protocol, status),
        None => "unanswered".into(),
    }
}
