//! A load run's running tally: each message is folded into the measured
//! figures (the report's metrics, the LOAD counts and latency histograms)
//! the moment it is final or dropped, so memory holds only the messages
//! in flight, whatever the rate or length of the run. Receipts for no
//! message of the run are held apart (`stray`); a shard keeps its
//! messages still waiting for a receipt at the end for `merge` to join
//! (`leftover`) instead of counting them lost.

use super::clock::OffsetBounds;
use super::leftover::{KeptReceipt, Leftovers, Seen, Waiting};
use super::measured::{Measured, answer_label, record_answer};
use super::schedule::Planned;
use super::stray::{Stray, Strays};
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
    /// When the last part's receipt came.
    pub part_at: Option<Instant>,
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
    /// This clock's Unix time at `start`, in nanoseconds.
    pub start_unix_ns: i64,
    /// Receipts for no message waiting for one.
    pub strays: Strays,
    /// The endpoint's clock against this one, as receipt dates bound it.
    pub offset: OffsetBounds,
    /// A shard: messages still waiting for a receipt at the end are kept
    /// for `merge` (their receipt may have gone to another part).
    pub keep_waiting: bool,
    pub waiting: Vec<Waiting>,
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
        let now = Instant::now();
        let ahead = start.saturating_duration_since(now).as_nanos() as i64;
        let behind = now.saturating_duration_since(start).as_nanos() as i64;
        Tally {
            sc,
            provider,
            protocol,
            start,
            measured,
            records: None,
            segments: 1,
            text: None,
            start_unix_ns: super::leftover::unix_now_ns() + ahead - behind,
            strays: Strays::default(),
            offset: OffsetBounds::default(),
            keep_waiting: false,
            waiting: Vec::new(),
        }
    }

    /// Keeps messages still waiting for a receipt at the end (`--shard`).
    pub fn keeping_waiting(mut self, keep: bool) -> Tally {
        self.keep_waiting = keep;
        self
    }

    /// Unix nanoseconds (this clock) of instant `t`.
    pub fn unix_of(&self, t: Instant) -> i64 {
        self.start_unix_ns + self.signed_since(t)
    }

    /// Nanoseconds from the start to `t` (negative before it).
    fn signed_since(&self, t: Instant) -> i64 {
        match t.checked_duration_since(self.start) {
            Some(d) => d.as_nanos() as i64,
            None => -(self.start.duration_since(t).as_nanos() as i64),
        }
    }

    /// A receipt came (for any message, ours or not): its done date bounds
    /// the endpoint's clock.
    pub fn receipt_came(&mut self, done_date: Option<&str>, at: Instant) {
        if let Some(date) = done_date {
            let arrived = self.unix_of(at);
            self.offset.done(date, arrived);
        }
    }

    /// An HTTP answer dated `date` (its `Date` header) to a request sent at
    /// `sent` and answered at `answered`: the date bounds the endpoint's
    /// clock.
    pub fn answer_dated(&mut self, date: &str, (sent, answered): (Instant, Instant)) {
        if let Some(unix) = super::clock::http_date(date) {
            let times = (self.unix_of(sent), self.unix_of(answered));
            self.offset.stamped((unix, 1), times);
        }
    }

    /// A receipt of our own message, sent at `sent` and answered at
    /// `answered`: its submit date bounds the endpoint's clock.
    pub fn own_receipt(&mut self, submit_date: Option<&str>, (sent, answered): (Instant, Instant)) {
        if let Some(date) = submit_date {
            let times = (self.unix_of(sent), self.unix_of(answered));
            self.offset.submitted(date, times);
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

    /// The end of the run: every message still in flight is folded in as
    /// it stands (unanswered: `lost`), except, in a shard, one accepted and
    /// still waiting for the receipts of parts `ids` (id → message), which
    /// is kept for `merge`.
    pub fn finish(&mut self, flights: &mut Flights, ids: HashMap<String, u64>) {
        let mut by_message: HashMap<u64, Vec<String>> = HashMap::new();
        for (id, k) in ids {
            by_message.entry(k).or_default().push(id);
        }
        let mut left: Vec<u64> = flights.keys().copied().collect();
        left.sort_unstable();
        for k in left {
            let accepted = flights[&k].1.resp.is_some_and(|(status, _)| status == 0);
            match by_message.remove(&k) {
                Some(mut ids) if self.keep_waiting && accepted => {
                    let (p, o) = flights.remove(&k).expect("in flight");
                    ids.sort();
                    self.keep(&p, &o, k, ids);
                }
                _ => self.settle(flights, k),
            }
        }
    }

    /// Message `k`, waiting for the receipts of parts `ids`, kept for
    /// `merge`; its record says what came here.
    fn keep(&mut self, p: &Planned, o: &Observed, k: u64, ids: Vec<String>) {
        let seen = self.seen(o);
        if let Some(records) = &self.records {
            let fate = self.fate_of(p, &seen);
            records.write(&self.record_of(p, &seen, &fate));
        }
        self.waiting.push(Waiting {
            k,
            at: p.at,
            carrier: p.carrier.index(),
            seen,
            ids,
            parts_receipted: o.parts_receipted,
            failed_part: o.failed_part.clone(),
            part_at: o.part_at.map(|t| self.since(t)),
        });
    }

    /// What this run leaves for `merge`: its waiting messages, the
    /// receipts it could not match, and its clock.
    pub fn leftovers(&mut self, account: String) -> Leftovers {
        let receipts = (self.strays.take_all().into_iter())
            .map(|s| self.kept(s))
            .collect();
        self.measured.duplicate_receipts = self.strays.duplicates;
        Leftovers {
            account,
            start_unix_ns: self.start_unix_ns,
            clock_id: super::leftover::clock_id(),
            offset: self.offset,
            provider: self.provider.index(),
            segments: self.segments,
            waiting: std::mem::take(&mut self.waiting),
            unreceipted_ids: Vec::new(),
            receipts,
            receipts_not_kept: self.strays.overflow,
        }
    }

    /// An unmatched receipt as a part keeps it.
    pub fn kept(&self, s: Stray) -> KeptReceipt {
        KeptReceipt {
            at: self.signed_since(s.at),
            id: s.id,
            stat: s.stat,
            err: s.err,
            submit_date: s.submit_date,
            done_date: s.done_date,
        }
    }

    /// The run's end, once every message is folded in or kept: a shard
    /// leaves its waiting messages and unmatched receipts for `merge`
    /// (joined within `account`); an unsharded run counts the receipts
    /// it could not match.
    pub fn close(&mut self, account: String) {
        if self.keep_waiting {
            let leftovers = self.leftovers(account);
            self.measured.leftovers = Some(leftovers);
        } else {
            self.count_strays();
        }
    }

    /// The receipt counts of the run's end: duplicates, and those still
    /// unmatched (a sample of them kept for the report).
    fn count_strays(&mut self) {
        let held: Vec<Stray> = self.strays.take_all();
        let m = &mut self.measured;
        m.duplicate_receipts = self.strays.duplicates;
        m.unmatched_receipts = held.len() + self.strays.overflow;
        let sample: Vec<KeptReceipt> = (held.into_iter().take(super::measured::SAMPLE))
            .map(|s| self.kept(s))
            .collect();
        self.measured.unmatched_sample = sample;
    }

    fn since(&self, t: Instant) -> Nanos {
        t.saturating_duration_since(self.start).as_nanos() as Nanos
    }

    /// An observed message in nanoseconds from the start.
    fn seen(&self, o: &Observed) -> Seen {
        Seen {
            sent: o.sent.map(|t| self.since(t)),
            last_sent: self.since(o.last_sent.or(o.sent).unwrap_or(self.start)),
            late: o.late,
            resubmits: o.resubmits,
            resp: o.resp.map(|(status, at)| (status, self.since(at))),
            receipt: (o.receipt.as_ref()).map(|(stat, at)| (stat.clone(), self.since(*at))),
            id: o.id.clone(),
        }
    }

    /// Folds one sent message, final or not, into the figures.
    fn finished(&mut self, p: &Planned, o: &Observed) {
        let seen = self.seen(o);
        self.fold(p, &seen, true);
    }

    /// Folds one message as seen into the figures (and, with `record`,
    /// writes its record).
    pub fn fold(&mut self, p: &Planned, o: &Seen, record: bool) {
        if o.sent.is_none() {
            return self.dropped();
        }
        let m = &mut self.measured;
        m.planned += 1;
        m.sent += 1;
        m.late += o.late as usize;
        m.resubmitted += o.resubmits as usize;
        m.metrics.record_arrival(p.at);
        let actual = o.last_sent;
        for (answer, (intended, from_actual)) in [
            (
                o.resp.map(|(_, at)| at),
                (&mut m.resp_intended_us, &mut m.resp_actual_us),
            ),
            (
                o.receipt.as_ref().map(|(_, at)| *at),
                (&mut m.receipt_intended_us, &mut m.receipt_actual_us),
            ),
        ] {
            if let Some(at) = answer {
                let us = |from: Nanos| (at.saturating_sub(from) / 1_000).max(1);
                intended.saturating_record(us(p.at));
                from_actual.saturating_record(us(actual));
            }
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
        if record && let Some(records) = &self.records {
            records.write(&self.record_of(p, o, &fate));
        }
    }

    /// A measured message's record: what the endpoint said, when.
    fn record_of(&self, p: &Planned, o: &Seen, fate: &Fate) -> MessageRecord {
        let seconds = crate::records::seconds;
        let identity = (o.id.clone().unwrap_or_default(), None, p.number.clone());
        let mut record = MessageRecord::of_fate(&self.sc, fate, identity);
        record.sent_s = seconds(o.sent.unwrap_or(p.at));
        record.answer = record_answer(self.protocol, o.resp.map(|(status, _)| status));
        record.stat = o.receipt.as_ref().map(|(stat, _)| stat.clone());
        // The err of a receipt is not read back; its stat says the fate.
        record.err = None;
        record.final_s = o.receipt.as_ref().map(|(_, at)| seconds(*at));
        record
    }

    /// A measured message as a fate, from what the endpoint said.
    fn fate_of(&self, p: &Planned, o: &Seen) -> Fate {
        let refused = o.resp.is_some_and(|(status, _)| status != 0);
        let (outcome, receipt) = match (&o.receipt, refused) {
            (_, true) => (Outcome::Refused, Receipt::SubmitFailed),
            (Some((stat, _)), _) => super::measured::outcome_of_stat(stat),
            (None, false) => (Outcome::LostInTransit, Receipt::Nothing),
        };
        let finished_at = o
            .receipt
            .as_ref()
            .map(|(_, at)| *at)
            .or(o.resp.map(|(_, at)| at))
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
