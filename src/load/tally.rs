//! A load run's running tally: each message is folded into the measured
//! figures (the report's metrics, the LOAD counts and latency histograms)
//! the moment it is final or dropped, so memory holds only the messages
//! in flight, whatever the rate or length of the run.

use super::measured::{Measured, answer_label, record_answer};
use super::schedule::Planned;
use crate::model::{Fate, Outcome, Receipt};
use crate::protocol::target::Protocol;
use crate::records::{MessageRecord, SharedRecords};
use crate::scenario::{ProviderId, Scenario};
use crate::units::Nanos;
use std::collections::HashMap;
use std::time::Instant;

/// What happened to one planned message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// Sent, and when (None: dropped for a full window).
    pub sent: Option<Instant>,
    pub late: bool,
    /// The submit_sm_resp's status and arrival.
    pub resp: Option<(u32, Instant)>,
    /// The final receipt's stat and arrival.
    pub receipt: Option<(String, Instant)>,
    /// The id the endpoint gave it (message_id, or the HTTP sid).
    pub id: Option<String>,
    /// Sent again after a throttle (ESME_RTHROTTLED, HTTP 429), and when
    /// it was last sent.
    pub resubmits: u32,
    pub last_sent: Option<Instant>,
    /// SMPP, a message sent in parts: the parts' receipts so far, and the
    /// first stat that was not DELIVRD among them (the message's stat).
    pub parts_receipted: u32,
    pub failed_part: Option<String>,
}

/// The figures so far, and what folding needs to know.
pub struct Tally {
    sc: std::sync::Arc<Scenario>,
    provider: ProviderId,
    protocol: Protocol,
    start: Instant,
    pub measured: Measured,
    /// `--events`: each message's record once it is folded in.
    records: Option<SharedRecords>,
    /// Segments of every message, each billed.
    segments: u32,
    /// HTTP: the text each message's Body carries.
    pub text: Option<super::body::MessageText>,
}

/// The messages sent and not yet final: planned message `k` → what it is
/// and what has been seen of it.
pub type Flights = HashMap<u64, (Planned, Observed)>;

impl Tally {
    pub fn new(
        sc: std::sync::Arc<Scenario>,
        provider: ProviderId,
        protocol: Protocol,
        start: Instant,
    ) -> Tally {
        let measured = Measured::empty(&sc);
        Tally {
            sc,
            provider,
            protocol,
            start,
            measured,
            records: None,
            segments: 1,
            text: None,
        }
    }

    /// Every message takes `segments` segments (each billed).
    pub fn with_segments(mut self, segments: u32) -> Tally {
        self.segments = segments;
        self
    }

    /// HTTP: the text of each message's Body.
    pub fn with_text(mut self, text: super::body::MessageText) -> Tally {
        self.text = Some(text);
        self
    }

    /// Writes each message's record to `records` as it is folded in.
    pub fn with_records(mut self, records: Option<SharedRecords>) -> Tally {
        self.records = records;
        self
    }

    /// The figures, leaving an empty tally behind.
    pub fn take(&mut self) -> Measured {
        std::mem::replace(&mut self.measured, Measured::empty(&self.sc))
    }

    /// A message never sent: its window stayed full past `--max-late`, or
    /// its bind gave up.
    pub fn dropped(&mut self) {
        self.measured.planned += 1;
        self.measured.dropped += 1;
    }

    /// Message `k` is final: folded in and forgotten.
    pub fn settle(&mut self, flights: &mut Flights, k: u64) {
        if let Some((p, o)) = flights.remove(&k) {
            self.finished(&p, &o);
        }
    }

    /// Every message still in flight, as it stands (unanswered: `lost`).
    pub fn settle_all(&mut self, flights: &mut Flights) {
        let mut left: Vec<u64> = flights.keys().copied().collect();
        left.sort_unstable();
        for k in left {
            self.settle(flights, k);
        }
    }

    fn since(&self, t: Instant) -> Nanos {
        t.saturating_duration_since(self.start).as_nanos() as Nanos
    }

    /// Folds one sent message, final or not, into the figures.
    fn finished(&mut self, p: &Planned, o: &Observed) {
        let Some(sent) = o.sent else {
            return self.dropped();
        };
        let m = &mut self.measured;
        m.planned += 1;
        m.sent += 1;
        m.late += o.late as usize;
        m.resubmitted += o.resubmits as usize;
        m.metrics.record_arrival(p.at);
        let actual = self.since(o.last_sent.unwrap_or(sent));
        if let Some((_, at)) = o.resp {
            let since_at = self.since(at);
            let us = |from: Nanos| (since_at.saturating_sub(from) / 1_000).max(1);
            let m = &mut self.measured;
            m.resp_intended_us.saturating_record(us(p.at));
            m.resp_actual_us.saturating_record(us(actual));
        }
        if let Some((_, at)) = &o.receipt {
            let since_at = self.since(*at);
            let us = |from: Nanos| (since_at.saturating_sub(from) / 1_000).max(1);
            let m = &mut self.measured;
            m.receipt_intended_us.saturating_record(us(p.at));
            m.receipt_actual_us.saturating_record(us(actual));
        }
        let fate = self.fate_of(p, o);
        let m = &mut self.measured;
        if let Receipt::SubmitFailed = fate.receipt {
            let label = match (self.protocol, o.resp, &o.receipt) {
                (Protocol::Http, _, Some((status, _))) => status.clone(),
                (protocol, resp, _) => answer_label(protocol, resp.map_or(0, |(s, _)| s)),
            };
            *m.errors.entry(label).or_insert(0) += 1;
        }
        if let Some((stat, _)) = &o.receipt {
            *m.receipts.entry(stat.clone()).or_insert(0) += 1;
        }
        m.metrics.submissions += 1;
        m.metrics.record_message(&fate);
        if let Some(records) = &self.records {
            records.write(&self.record_of(p, o, &fate));
        }
    }

    /// A measured message's record: what the endpoint said, when.
    fn record_of(&self, p: &Planned, o: &Observed, fate: &Fate) -> MessageRecord {
        let seconds = |t: Instant| crate::records::seconds(self.since(t));
        let identity = (o.id.clone().unwrap_or_default(), None, p.number.clone());
        let mut record = MessageRecord::of_fate(&self.sc, fate, identity);
        record.sent_s = o.sent.map_or(crate::records::seconds(p.at), seconds);
        record.answer = record_answer(self.protocol, o.resp.map(|(status, _)| status));
        record.stat = o.receipt.as_ref().map(|(stat, _)| stat.clone());
        // The err of a receipt is not read back; its stat says the fate.
        record.err = None;
        record.final_s = o.receipt.as_ref().map(|(_, at)| seconds(*at));
        record
    }

    /// A measured message as a fate, from what the endpoint said.
    fn fate_of(&self, p: &Planned, o: &Observed) -> Fate {
        let refused = o.resp.is_some_and(|(status, _)| status != 0);
        let (outcome, receipt) = match (&o.receipt, refused) {
            (_, true) => (Outcome::Refused, Receipt::SubmitFailed),
            (Some((stat, _)), _) => super::measured::outcome_of_stat(stat),
            (None, false) => (Outcome::LostInTransit, Receipt::Nothing),
        };
        let finished_at = o
            .receipt
            .as_ref()
            .map(|(_, at)| self.since(*at))
            .or(o.resp.map(|(_, at)| self.since(at)))
            .unwrap_or(p.at)
            .max(p.at);
        super::measured::measured_fate(
            &self.sc,
            self.provider,
            p.carrier,
            (p.at, finished_at),
            (outcome, receipt),
            self.segments,
        )
    }
}
