//! What one replication measured: message outcomes, receipts, costs and
//! latency histograms per provider × carrier; session outcomes and time to
//! code per carrier; queue waits per provider; and a timeline. Counters only
//! grow, so replications merge by addition without loss.

use crate::model::{Fate, Outcome, Receipt, SessionCounts, SessionEnd, SessionOutcome};
use crate::scenario::{CarrierId, ProviderId, Scenario};
use crate::units::Nanos;
use hdrhistogram::Histogram;

/// Histograms record milliseconds with 3 significant digits, up to ~49 days.
const HIST_MAX_MS: u64 = 1 << 32;

/// An empty histogram that grows to the largest value it is given (up to
/// `HIST_MAX_MS`): a cell no message reaches costs 16 KB instead of the
/// 190 KB of a histogram sized for 49 days. The bucket layout depends only
/// on the lowest value and the precision, so quantiles are the same.
pub fn new_histogram() -> Histogram<u64> {
    let mut h = Histogram::new_with_bounds(1, 2, 3).expect("valid histogram bounds");
    h.auto(true);
    h
}

fn record_ms(h: &mut Histogram<u64>, nanos: Nanos) {
    // Not `saturating_record`: it would clamp to the current size instead
    // of growing.
    h.record((nanos / 1_000_000).min(HIST_MAX_MS))
        .expect("an auto-sized histogram holds up to 49 days");
}

/// Messages sent through one provider to numbers on one carrier.
#[derive(Debug, Clone)]
pub struct MessageCell {
    pub outcomes: [u64; Outcome::COUNT],
    /// Receipts that claimed "delivered".
    pub receipt_delivered: u64,
    /// Messages that never got any receipt.
    pub receipt_missing: u64,
    pub misrouted: u64,
    pub cost: f64,
    /// Send to handset, for messages that reached a handset (ms).
    pub latency: Histogram<u64>,
}

impl MessageCell {
    fn new() -> Self {
        MessageCell {
            outcomes: [0; Outcome::COUNT],
            receipt_delivered: 0,
            receipt_missing: 0,
            misrouted: 0,
            cost: 0.0,
            latency: new_histogram(),
        }
    }

    pub fn total(&self) -> u64 {
        self.outcomes.iter().sum()
    }

    /// Adds another cell's counts (another replication, or another carrier).
    pub fn merge(&mut self, other: &MessageCell) {
        for (a, b) in self.outcomes.iter_mut().zip(other.outcomes) {
            *a += b;
        }
        self.receipt_delivered += other.receipt_delivered;
        self.receipt_missing += other.receipt_missing;
        self.misrouted += other.misrouted;
        self.cost += other.cost;
        self.latency
            .add(&other.latency)
            .expect("same histogram bounds");
    }
}

/// Sessions of users on one carrier.
#[derive(Debug, Clone)]
pub struct SessionCell {
    pub outcomes: SessionCounts,
    /// Successes within the scenario's target time to code.
    pub within_target: u64,
    /// Successes by SMS, by the 0-based send that brought the code.
    pub success_by_send: Vec<u64>,
    pub sends: u64,
    pub resent: u64,
    pub voice_calls: u64,
    pub cost: f64,
    /// Arrival to holding a valid code, for successful sessions (ms).
    pub time_to_code: Histogram<u64>,
}

impl SessionCell {
    fn new(max_sends: usize) -> Self {
        SessionCell {
            outcomes: SessionCounts::default(),
            within_target: 0,
            success_by_send: vec![0; max_sends],
            sends: 0,
            resent: 0,
            voice_calls: 0,
            cost: 0.0,
            time_to_code: new_histogram(),
        }
    }

    pub fn total(&self) -> u64 {
        self.outcomes.total()
    }

    pub fn successes(&self) -> u64 {
        self.outcomes.successes()
    }

    /// Adds another cell's counts (another replication, or another carrier).
    pub fn merge(&mut self, other: &SessionCell) {
        self.outcomes.add(&other.outcomes);
        for (a, b) in self.success_by_send.iter_mut().zip(&other.success_by_send) {
            *a += b;
        }
        self.within_target += other.within_target;
        self.sends += other.sends;
        self.resent += other.resent;
        self.voice_calls += other.voice_calls;
        self.cost += other.cost;
        self.time_to_code
            .add(&other.time_to_code)
            .expect("same histogram bounds");
    }
}

/// Activity per bucket of simulated time.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub bucket: Nanos,
    pub arrivals: Vec<u64>,
    pub sends: Vec<u64>,
    pub deliveries: Vec<u64>,
    /// Per provider: the largest queue depth seen at a submission.
    pub queue_depth: Vec<Vec<u64>>,
    /// Messages entering (+) and leaving (−) SMSC storage per bucket; the
    /// running sum is the backlog at the end of each bucket.
    pub stored_delta: Vec<i64>,
}

impl Timeline {
    fn new(bucket: Nanos, horizon: Nanos, providers: usize) -> Self {
        let n = horizon.div_ceil(bucket).max(1) as usize;
        Timeline {
            bucket,
            arrivals: vec![0; n],
            sends: vec![0; n],
            deliveries: vec![0; n],
            queue_depth: vec![vec![0; n]; providers],
            stored_delta: vec![0; n],
        }
    }

    pub fn index(&self, t: Nanos) -> usize {
        ((t / self.bucket) as usize).min(self.arrivals.len() - 1)
    }

    /// Drops the buckets after the last one that saw anything (a measured
    /// run covers what it measured, not the scenario's duration and drain).
    pub fn trim_to_activity(&mut self) {
        let busy = |i: &usize| {
            self.arrivals[*i] + self.sends[*i] + self.deliveries[*i] > 0
                || self.stored_delta[*i] != 0
                || self.queue_depth.iter().any(|q| q[*i] > 0)
        };
        let keep = (0..self.arrivals.len())
            .rev()
            .find(busy)
            .map_or(1, |i| i + 1);
        self.arrivals.truncate(keep);
        self.sends.truncate(keep);
        self.deliveries.truncate(keep);
        self.stored_delta.truncate(keep);
        for q in &mut self.queue_depth {
            q.truncate(keep);
        }
    }

    /// SMSC backlog at the end of each bucket.
    pub fn stored(&self) -> Vec<i64> {
        self.stored_delta
            .iter()
            .scan(0i64, |acc, d| {
                *acc += d;
                Some(*acc)
            })
            .collect()
    }

    fn merge(&mut self, other: &Timeline) {
        let add = |a: &mut Vec<u64>, b: &Vec<u64>| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.arrivals, &other.arrivals);
        add(&mut self.sends, &other.sends);
        add(&mut self.deliveries, &other.deliveries);
        for (a, b) in self.queue_depth.iter_mut().zip(&other.queue_depth) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x = (*x).max(*y));
        }
        self.stored_delta
            .iter_mut()
            .zip(&other.stored_delta)
            .for_each(|(x, y)| *x += y);
    }
}

/// Everything one replication (or a merge of several) measured.
#[derive(Debug, Clone)]
pub struct Metrics {
    pub providers: usize,
    pub carriers: usize,
    /// Indexed `provider * carriers + carrier`.
    pub messages: Vec<MessageCell>,
    /// Indexed by carrier.
    pub sessions: Vec<SessionCell>,
    /// Per provider: summed queue wait (ns) and admitted count, for the mean.
    pub queue_wait_total: Vec<u128>,
    pub queue_admitted: Vec<u64>,
    pub timeline: Timeline,
    /// Submissions the engine made, counted apart from their outcomes so
    /// that conservation can be checked.
    pub submissions: u64,
}

impl Metrics {
    /// Empty metrics in the scenario's dimensions, over its whole horizon.
    pub fn for_scenario(sc: &Scenario) -> Self {
        Metrics::new(
            sc.providers.len(),
            sc.carriers.len(),
            sc.otp.max_sends as usize,
            sc.timeline_bucket,
            sc.duration + sc.drain,
        )
    }

    /// How these metrics differ in shape from `expected` (dimensions,
    /// lengths of every array), as a JSON path and the two lengths; None
    /// when they have the same shape and can be merged.
    pub fn shape_mismatch(&self, expected: &Metrics) -> Option<String> {
        let t = (&self.timeline, &expected.timeline);
        let mut checks: Vec<(String, usize, usize)> = vec![
            ("providers".into(), self.providers, expected.providers),
            ("carriers".into(), self.carriers, expected.carriers),
            (
                "messages".into(),
                self.messages.len(),
                expected.messages.len(),
            ),
            (
                "sessions".into(),
                self.sessions.len(),
                expected.sessions.len(),
            ),
            (
                "queue_wait_total".into(),
                self.queue_wait_total.len(),
                expected.queue_wait_total.len(),
            ),
            (
                "queue_admitted".into(),
                self.queue_admitted.len(),
                expected.queue_admitted.len(),
            ),
            (
                "timeline.bucket".into(),
                t.0.bucket as usize,
                t.1.bucket as usize,
            ),
            (
                "timeline.arrivals".into(),
                t.0.arrivals.len(),
                t.1.arrivals.len(),
            ),
            ("timeline.sends".into(), t.0.sends.len(), t.1.sends.len()),
            (
                "timeline.deliveries".into(),
                t.0.deliveries.len(),
                t.1.deliveries.len(),
            ),
            (
                "timeline.stored_delta".into(),
                t.0.stored_delta.len(),
                t.1.stored_delta.len(),
            ),
            (
                "timeline.queue_depth".into(),
                t.0.queue_depth.len(),
                t.1.queue_depth.len(),
            ),
        ];
        for (i, (a, b)) in t.0.queue_depth.iter().zip(&t.1.queue_depth).enumerate() {
            checks.push((format!("timeline.queue_depth[{i}]"), a.len(), b.len()));
        }
        for (i, (a, b)) in self.sessions.iter().zip(&expected.sessions).enumerate() {
            checks.push((
                format!("sessions[{i}].success_by_send"),
                a.success_by_send.len(),
                b.success_by_send.len(),
            ));
        }
        checks
            .into_iter()
            .find(|(_, got, want)| got != want)
            .map(|(path, got, want)| format!("{path} is {got}, expected {want}"))
    }

    pub fn new(
        providers: usize,
        carriers: usize,
        max_sends: usize,
        bucket: Nanos,
        horizon: Nanos,
    ) -> Self {
        Metrics {
            providers,
            carriers,
            messages: (0..providers * carriers)
                .map(|_| MessageCell::new())
                .collect(),
            sessions: (0..carriers).map(|_| SessionCell::new(max_sends)).collect(),
            queue_wait_total: vec![0; providers],
            queue_admitted: vec![0; providers],
            timeline: Timeline::new(bucket, horizon, providers),
            submissions: 0,
        }
    }

    pub fn cell(&self, provider: ProviderId, carrier: CarrierId) -> &MessageCell {
        &self.messages[provider.index() * self.carriers + carrier.index()]
    }

    pub fn record_message(&mut self, fate: &Fate) {
        let cell = &mut self.messages[fate.provider.index() * self.carriers + fate.carrier.index()];
        cell.outcomes[fate.outcome as usize] += 1;
        match fate.receipt {
            Receipt::Delivered => cell.receipt_delivered += 1,
            Receipt::Nothing => cell.receipt_missing += 1,
            _ => {}
        }
        cell.misrouted += fate.misrouted as u64;
        cell.cost += fate.cost;
        if let Some(at) = fate.delivered_at() {
            record_ms(&mut cell.latency, at - fate.sent_at);
            let i = self.timeline.index(at);
            self.timeline.deliveries[i] += 1;
        }
        if let Some(wait) = fate.queue_wait {
            self.queue_wait_total[fate.provider.index()] += wait as u128;
            self.queue_admitted[fate.provider.index()] += 1;
        }
        if let Some((from, until)) = fate.stored() {
            let a = self.timeline.index(from);
            let b = self.timeline.index(until);
            self.timeline.stored_delta[a] += 1;
            self.timeline.stored_delta[b] -= 1;
        }
        let i = self.timeline.index(fate.sent_at);
        self.timeline.sends[i] += 1;
    }

    pub fn record_queue_depth(&mut self, provider: ProviderId, t: Nanos, depth: usize) {
        let i = self.timeline.index(t);
        let slot = &mut self.timeline.queue_depth[provider.index()][i];
        *slot = (*slot).max(depth as u64);
    }

    pub fn record_arrival(&mut self, t: Nanos) {
        let i = self.timeline.index(t);
        self.timeline.arrivals[i] += 1;
    }

    /// One finished session: its carrier, outcome, time to code, sends made,
    /// whether voice was used and what its messages cost.
    pub fn record_session(&mut self, carrier: CarrierId, summary: &SessionSummary) {
        let cell = &mut self.sessions[carrier.index()];
        cell.outcomes[summary.outcome.kind()] += 1;
        if let SessionOutcome::SuccessBySms { send } = summary.outcome {
            cell.success_by_send[send as usize] += 1;
        }
        if let Some(t) = summary.time_to_code {
            record_ms(&mut cell.time_to_code, t);
        }
        cell.within_target += summary.within_target as u64;
        cell.sends += summary.sends as u64;
        cell.resent += (summary.sends > 1) as u64;
        cell.voice_calls += summary.voice_call as u64;
        cell.cost += summary.cost;
    }

    /// Adds another replication's counts (in replication order, for
    /// reproducible floating-point sums).
    pub fn merge(&mut self, other: &Metrics) {
        for (a, b) in self.messages.iter_mut().zip(&other.messages) {
            a.merge(b);
        }
        for (a, b) in self.sessions.iter_mut().zip(&other.sessions) {
            a.merge(b);
        }
        for p in 0..self.providers {
            self.queue_wait_total[p] += other.queue_wait_total[p];
            self.queue_admitted[p] += other.queue_admitted[p];
        }
        self.timeline.merge(&other.timeline);
        self.submissions += other.submissions;
    }

    pub fn total_messages(&self) -> u64 {
        self.messages.iter().map(MessageCell::total).sum()
    }

    pub fn total_sessions(&self) -> u64 {
        self.sessions.iter().map(SessionCell::total).sum()
    }
}

/// How one session ended, as the metrics need it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSummary {
    pub outcome: SessionOutcome,
    pub time_to_code: Option<Nanos>,
    /// Succeeded within the scenario's target time to code.
    pub within_target: bool,
    pub sends: u32,
    pub voice_call: bool,
    pub cost: f64,
}

impl SessionSummary {
    /// A session's end, judged against the target time to code, with what
    /// its messages and call cost.
    pub fn new(end: &SessionEnd, target: Nanos, cost: f64) -> Self {
        SessionSummary {
            outcome: end.outcome,
            time_to_code: end.time_to_code,
            within_target: end.time_to_code.is_some_and(|t| t <= target),
            sends: end.sends,
            voice_call: end.voice_call,
            cost,
        }
    }
}
