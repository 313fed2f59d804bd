//! The model behind the live endpoints: the same `World` and provider
//! queues as `simsms run`, on a clock paced to the wall. Each submission is
//! resolved by `World::resolve` at the moment it arrives; what the fake
//! SMSC answers and when it sends receipts follows from the fate.

use crate::des::{Clock, RealClock};
use crate::metrics::Metrics;
use crate::model::{
    CarrierMemory, Fate, Hygiene, MessageRequest, Outcome, ProviderQueue, Receipt, World,
    number_key,
};
use crate::records::{MessageRecord, RecordWriter, RecordsError};
use crate::scenario::{Outage, ProviderId, Scenario};
use crate::units::Nanos;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

/// Numbers remembered with their user and send count; beyond this they
/// are all forgotten (a later send then meets its user afresh, as a first
/// one).
const REMEMBERED_NUMBERS: usize = 1_000_000;

/// A number seen before: when it was first sent to, and how often. Its
/// user is drawn again at each send from the number's key at `first_seen`
/// (the same draw every time), so later sends meet the same handset
/// presence process continuing (as a session's resends do in `run`), not
/// one restarted at each send. Keeping the 16 bytes that decide the user
/// instead of the user itself (160 bytes) is what keeps a million
/// remembered numbers small (docs/limits.md).
struct Known {
    first_seen: Nanos,
    sends: u32,
}

/// Messages tracked until their final state (so an injected radio outage
/// can re-decide them); beyond this, new ones are final when accepted.
const TRACKED_IN_FLIGHT: usize = 1_000_000;

/// An accepted message not yet in its final state.
struct InFlight {
    req: MessageRequest,
    fate: Fate,
    /// The destination as submitted, for its record.
    number: String,
}

/// What the provider answers to a submission.
#[derive(Debug, Clone, PartialEq)]
pub enum Submission {
    /// Accepted with this message id; the receipt (if any) says `receipt`
    /// at simulated time `done`.
    Accepted {
        id: u64,
        fate: Fate,
        receipt: Option<(Receipt, Nanos)>,
    },
    /// The provider's queue is full (SMPP ESME_RMSGQFUL, HTTP 30001).
    QueueFull,
    /// The provider refuses submissions: an outage (ESME_RSYSERR).
    ProviderDown,
    /// The provider's per-number send limit (SMPP ESME_RSUBMITFAIL, HTTP
    /// 429 with Twilio Verify's 60203 "max send attempts reached").
    SendLimited,
}

/// The receipt an accepted message's provider sends, and when.
pub fn receipt_of(fate: &Fate) -> Option<(Receipt, Nanos)> {
    match fate.receipt {
        Receipt::Nothing => None,
        // Refused downstream of the provider: reported as rejected.
        Receipt::SubmitFailed => Some((Receipt::Rejected, fate.finished_at)),
        r => Some((r, fate.finished_at)),
    }
}

/// The live model: world, queues, clock and what was measured.
pub struct LiveModel {
    world: World,
    queues: Vec<ProviderQueue>,
    carriers: CarrierMemory,
    clock: RealClock,
    next_id: u64,
    numbers: HashMap<u64, Known>,
    metrics: Metrics,
    /// Outages of the scenario file; those after them were injected.
    scheduled_outages: usize,
    in_flight: HashMap<u64, InFlight>,
    /// (final time, id) of tracked messages; stale entries are skipped.
    finals: BinaryHeap<Reverse<(Nanos, u64)>>,
    /// `--events`: each message's record as it is final, and the first
    /// failure to write one.
    records: Option<RecordWriter>,
    records_failed: Option<RecordsError>,
}

impl LiveModel {
    /// Starts the model's clock now at `speed` simulated seconds per wall
    /// second.
    pub fn new(scenario: Arc<Scenario>, speed: f64) -> Self {
        let world = World::new(scenario.clone(), 0);
        let metrics = Metrics::for_scenario(&scenario);
        LiveModel {
            queues: world.provider_queues(),
            carriers: CarrierMemory::new(&scenario),
            world,
            clock: RealClock::start(speed),
            next_id: 1,
            numbers: HashMap::new(),
            metrics,
            scheduled_outages: scenario.outages.len(),
            in_flight: HashMap::new(),
            finals: BinaryHeap::new(),
            records: None,
            records_failed: None,
        }
    }

    /// From now on, every message's record goes to `writer` once final.
    pub fn record_to(&mut self, writer: RecordWriter) {
        self.records = Some(writer);
    }

    /// Counts a message whose fate is final (or, at exit, as it stands),
    /// and writes its record when records are kept.
    fn record(&mut self, id: Option<u64>, number: &str, fate: &Fate) {
        self.metrics.record_message(fate);
        let Some(writer) = &mut self.records else {
            return;
        };
        if self.records_failed.is_some() {
            return;
        }
        let identity = (
            id.map(|i| i.to_string()).unwrap_or_default(),
            None,
            number.to_string(),
        );
        let record = MessageRecord::of_fate(&self.world.scenario, fate, identity);
        if let Err(e) = writer.write(&record) {
            self.records_failed = Some(e);
        }
    }

    /// At exit: writes the records of messages still in flight (with the
    /// fate they have now) and hands the writer back to be finished.
    pub fn take_records(&mut self) -> Option<Result<RecordWriter, RecordsError>> {
        self.records.as_ref()?;
        let mut ids: Vec<u64> = self.in_flight.keys().copied().collect();
        ids.sort_unstable();
        let scenario = self.world.scenario.clone();
        let writer = self.records.as_mut().expect("checked");
        for id in ids {
            let m = &self.in_flight[&id];
            let identity = (id.to_string(), None, m.number.clone());
            if self.records_failed.is_none()
                && let Err(e) = writer.write(&MessageRecord::of_fate(&scenario, &m.fate, identity))
            {
                self.records_failed = Some(e);
            }
        }
        let writer = self.records.take().expect("checked");
        Some(match self.records_failed.take() {
            Some(e) => Err(e),
            None => Ok(writer),
        })
    }

    /// Simulated time now.
    pub fn now(&self) -> Nanos {
        self.clock.now()
    }

    /// The model's clock (a copy reads the same time without the lock).
    pub fn clock(&self) -> RealClock {
        self.clock
    }

    /// A message to `number` via `provider`, submitted now.
    pub fn submit(&mut self, provider: ProviderId, number: &str) -> Submission {
        let now = self.clock.now();
        self.submit_at(provider, number, now)
    }

    /// A fresh message id, for a part of a concatenated message: each part
    /// has its own, from the ids whole messages take.
    pub fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// A message of `segments` parts to `number` via `provider`, submitted
    /// now; accepted, it is known by `id` (a part's, taken before) or by a
    /// fresh one.
    pub fn submit_message(
        &mut self,
        provider: ProviderId,
        number: &str,
        segments: u32,
        id: Option<u64>,
    ) -> Submission {
        let now = self.clock.now();
        self.submit_parts_at((provider, segments, id), number, now)
    }

    /// As `submit`, at simulated time `now` (not before earlier ones).
    fn submit_at(&mut self, provider: ProviderId, number: &str, now: Nanos) -> Submission {
        self.submit_parts_at((provider, 1, None), number, now)
    }

    /// As `submit_message`, at simulated time `now`.
    fn submit_parts_at(
        &mut self,
        (provider, segments, id): (ProviderId, u32, Option<u64>),
        number: &str,
        now: Nanos,
    ) -> Submission {
        let key = number_key(number);
        if self.numbers.len() >= REMEMBERED_NUMBERS && !self.numbers.contains_key(&key) {
            self.numbers.clear();
        }
        let known = self.numbers.entry(key).or_insert(Known {
            first_seen: now,
            sends: 0,
        });
        let (send, first_seen) = (known.sends, known.first_seen);
        known.sends = known.sends.saturating_add(1);
        let mut user = self.world.user(key, first_seen);
        // A number that cannot be a real one is mistyped whatever was drawn.
        if let Some(hygiene) = Hygiene::of_number(number) {
            user.hygiene = hygiene;
        }
        let mut req = MessageRequest::for_number(number, send, provider, now);
        req.arrival = first_seen;
        req.segments = segments.max(1);
        let fate = self.world.resolve(
            (&mut self.queues[provider.index()], &mut self.carriers),
            &user,
            &req,
        );
        self.metrics.submissions += 1;
        self.settle_finished(now);
        if fate.outcome == Outcome::SendLimited {
            self.record(None, number, &fate);
            return Submission::SendLimited;
        }
        if fate.outcome == Outcome::Refused && fate.queued_at.is_none() {
            self.record(None, number, &fate);
            return Submission::ProviderDown;
        }
        if fate.outcome == Outcome::Refused && fate.left_provider_at.is_none() {
            self.record(None, number, &fate);
            return Submission::QueueFull;
        }
        let id = id.unwrap_or_else(|| self.take_id());
        if fate.finished_at > now && self.in_flight.len() < TRACKED_IN_FLIGHT {
            self.finals.push(Reverse((fate.finished_at, id)));
            let fate = fate.clone();
            let number = number.to_string();
            self.in_flight.insert(id, InFlight { req, fate, number });
        } else {
            self.record(Some(id), number, &fate);
        }
        let receipt = receipt_of(&fate);
        Submission::Accepted { id, fate, receipt }
    }

    /// Records the fates of tracked messages that are final by `now`.
    fn settle_finished(&mut self, now: Nanos) {
        while let Some(Reverse((at, id))) = self.finals.peek().copied() {
            if at > now {
                break;
            }
            self.finals.pop();
            let current = self.in_flight.get(&id).map(|m| m.fate.finished_at);
            if current == Some(at)
                && let Some(done) = self.in_flight.remove(&id)
            {
                self.record(Some(id), &done.number, &done.fate);
            }
        }
    }

    /// The fate of accepted message `id` as it stands now, if still tracked.
    pub fn fate_of(&self, id: u64) -> Option<Fate> {
        self.in_flight.get(&id).map(|m| m.fate.clone())
    }

    /// Starts an outage now (a fault injected at run time): from now on new
    /// messages see it. Messages already accepted keep their fate, except
    /// that a carrier-wide `store` (its radio side down) re-decides the
    /// SMSC stage of that carrier's messages not yet delivered. Returns the
    /// re-decided fates by message id.
    pub fn inject(&mut self, mut outage: Outage, duration: Nanos) -> Vec<(u64, Fate)> {
        let now = self.clock.now();
        outage.start = now;
        outage.end = now.saturating_add(duration);
        let radio = match (outage.target, &outage.effect) {
            (crate::scenario::OutageTarget::Carrier(c), crate::scenario::OutageEffect::Store) => {
                Some(c)
            }
            _ => None,
        };
        let mut scenario = (*self.world.scenario).clone();
        // Injected outages that have ended can no longer change anything.
        let mut index = 0;
        scenario.outages.retain(|o| {
            index += 1;
            index <= self.scheduled_outages || o.end > now
        });
        scenario.outages.push(outage);
        self.replace_scenario(Arc::new(scenario));
        let Some(carrier) = radio else {
            return Vec::new();
        };
        let mut changed = Vec::new();
        for (id, message) in self.in_flight.iter_mut() {
            let still_to_deliver = message.fate.carrier == carrier
                && message.fate.finished_at > now
                && message
                    .fate
                    .smsc
                    .is_some_and(|v| v.last_attempt >= now || v.delivered_at.is_none());
            if !still_to_deliver {
                continue;
            }
            // The number's user: drawn at its first send (`req.arrival`),
            // as `submit_at` drew it, so also after the number was forgotten.
            let user = self.world.user(message.req.session, message.req.arrival);
            if let Some(fate) = self.world.redeliver(&message.fate, &user, &message.req)
                && fate != message.fate
            {
                self.finals.push(Reverse((fate.finished_at, *id)));
                message.fate = fate.clone();
                changed.push((*id, fate));
            }
        }
        changed
    }

    /// The world with new outages; each queue keeps its backlog and takes
    /// the new pauses.
    fn replace_scenario(&mut self, scenario: Arc<Scenario>) {
        let fresh = World::new(scenario.clone(), 0).provider_queues();
        for (queue, fresh) in self.queues.iter_mut().zip(fresh) {
            queue.set_limits(fresh.limits().clone());
        }
        self.world = World::new(scenario, 0);
    }

    /// Messages waiting in each provider's queue now.
    pub fn queue_depths(&mut self) -> Vec<usize> {
        let now = self.clock.now();
        self.queues.iter_mut().map(|q| q.depth(now)).collect()
    }

    /// Outages injected at run time that have not ended.
    pub fn active_injected(&self) -> usize {
        let now = self.clock.now();
        let outages = &self.world.scenario.outages;
        outages[self.scheduled_outages..]
            .iter()
            .filter(|o| o.end > now)
            .count()
    }

    /// The outages injected at run time that have not ended, oldest first.
    pub fn injected(&self) -> Vec<Outage> {
        let now = self.clock.now();
        let outages = &self.world.scenario.outages;
        outages[self.scheduled_outages..]
            .iter()
            .filter(|o| o.end > now)
            .cloned()
            .collect()
    }

    /// Ends every outage injected at run time now.
    pub fn end_injected(&mut self) -> usize {
        let now = self.clock.now();
        let mut scenario = (*self.world.scenario).clone();
        let mut ended = 0;
        for outage in scenario.outages.iter_mut().skip(self.scheduled_outages) {
            if outage.end > now {
                outage.end = now;
                ended += 1;
            }
        }
        self.replace_scenario(Arc::new(scenario));
        ended
    }

    /// What was measured, every message still in flight counted with the
    /// fate it has now.
    pub fn metrics(&self) -> Metrics {
        let mut metrics = self.metrics.clone();
        let mut ids: Vec<&u64> = self.in_flight.keys().collect();
        ids.sort();
        for id in ids {
            metrics.record_message(&self.in_flight[id].fate);
        }
        metrics
    }

    /// Ends tracked message `id` at `now` as `outcome` (a cancel_sm): its
    /// fate becomes final now, with an expiry's receipt where the provider
    /// sends receipts, and is counted once, so, when settled. The fate as
    /// it was before, and as it is now; None when `id` is not tracked.
    pub fn end_now(&mut self, id: u64, outcome: Outcome, now: Nanos) -> Option<(Fate, Fate)> {
        let message = self.in_flight.get_mut(&id)?;
        let before = message.fate.clone();
        let fate = &mut message.fate;
        fate.outcome = outcome;
        fate.finished_at = now;
        // What had not happened by now never will.
        if fate.left_provider_at.is_some_and(|t| t > now) {
            fate.queue_wait = fate.queued_at.map(|q| now.saturating_sub(q));
            fate.left_provider_at = None;
            fate.reached_carrier_at = None;
            fate.smsc = None;
        }
        if let Some(visit) = &mut fate.smsc {
            visit.delivered_at = None;
            visit.expires_at = now;
            visit.last_attempt = visit.last_attempt.min(now);
        }
        if fate.receipt != Receipt::Nothing {
            fate.receipt = Receipt::Expired;
        }
        self.finals.push(Reverse((now, id)));
        Some((before, fate.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::NANOS_PER_SEC;

    /// Handsets off half the time, for an hour on average; the SMSC
    /// delivers the moment a handset reattaches (HLR alert).
    const AWAY: &str = r#"
[scenario]
name = "away"
duration = "1h"
seed = 5
[traffic]
rate = "1/s"
[users.presence]
present = { mean = "1h" }
absent = { mean = "1h" }
[providers.p]
route = "domestic"
[routes.domestic]
latency = "1s"
[routing]
policy = "single"
provider = "p"
[carriers.c]
share = 1.0
smsc = { retry = ["6h"], validity = "3d" }
"#;

    #[test]
    fn a_remembered_number_keeps_only_what_decides_its_user() {
        // Its first send time and send count: 16 bytes, not its drawn user.
        assert!(std::mem::size_of::<Known>() <= 16);
        assert!(std::mem::size_of::<crate::model::User>() > 100);
    }

    #[test]
    fn a_resend_meets_the_same_absence_continuing_not_a_new_one() {
        let sc = Arc::new(crate::scenario::parse(AWAY, "away.toml").unwrap());
        let mut live = LiveModel::new(sc.clone(), 1.0);
        let presence = &sc.users.presence;
        // A number whose handset is off when the first message arrives.
        let number = (0..1000)
            .map(|k| format!("81901{k:07}"))
            .find(|n| {
                let mut handset = live.world.user(number_key(n), 0).presence;
                !handset.at(NANOS_PER_SEC, presence)
            })
            .expect("half the handsets are off");
        let delivered = |s: Submission| match s {
            Submission::Accepted { fate, .. } => {
                assert_eq!(fate.outcome, Outcome::Delivered, "{fate:?}");
                fate.finished_at
            }
            other => panic!("{other:?}"),
        };
        let first = delivered(live.submit_at(ProviderId::new(0), &number, 0));
        let resend = delivered(live.submit_at(ProviderId::new(0), &number, 40 * NANOS_PER_SEC));
        // Both wait for the same reattachment; a handset process restarted
        // at the resend would return 40 s later.
        assert!(first > 41 * NANOS_PER_SEC, "delivered at {first}");
        assert_eq!(first, resend);
    }
}
