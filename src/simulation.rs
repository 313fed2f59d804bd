//! The batch engine: one replication is a discrete-event run over session
//! arrivals and resends; replications run in parallel and are handed back in
//! replication order, so results do not depend on the thread count.
//!
//! Only the user's actions need events. A message's fate is decided when it
//! is sent (`World::resolve`), because everything downstream of the send is
//! fixed by then: the provider queue is FIFO with deterministic service,
//! outages are scheduled, and random draws come from per-message streams.

use crate::des::{EventQueue, Purpose, QuaternaryHeap};
use crate::metrics::{Metrics, SessionSummary};
use crate::model::{
    ArrivalProcess, Hygiene, MessageRequest, Outcome, ProviderQueue, SessionOutcome, User, World,
};
use crate::progress::Progress;
use crate::scenario::{Routing, Scenario};
use crate::units::Nanos;
use rand::Rng;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;

#[derive(Debug, Clone, Copy)]
enum Event {
    Arrival,
    /// The user of the session in this slot sends (again).
    Send(u32),
}

/// A session in progress.
struct Session {
    id: u64,
    arrival: Nanos,
    deadline: Nanos,
    user: User,
    sends: u32,
    /// Earliest moment the user holds a valid code so far, and which send.
    best: Option<(Nanos, u32)>,
    reached_user: bool,
    reached_stranger: bool,
    cost: f64,
}

/// Sessions in flight, in reusable slots: memory follows the number of
/// sessions in progress, not the number simulated.
#[derive(Default)]
struct Slab {
    slots: Vec<Option<Session>>,
    free: Vec<u32>,
}

impl Slab {
    fn insert(&mut self, s: Session) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(s);
                i
            }
            None => {
                self.slots.push(Some(s));
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// Ends the session in a slot and frees the slot for reuse.
    fn release(&mut self, i: u32) {
        self.slots[i as usize] = None;
        self.free.push(i);
    }
}

/// Simulates one replication and returns what it measured.
pub fn run_replication(scenario: &Scenario, replication: u32) -> Metrics {
    Replication::new(scenario, replication).run(None)
}

/// As `run_replication`, reporting progress.
fn run_replication_reporting(
    scenario: &Scenario,
    replication: u32,
    progress: Option<&Progress>,
) -> Metrics {
    let clock = progress.map(Progress::replication);
    let metrics = Replication::new(scenario, replication).run(clock.as_deref());
    if let (Some(p), Some(c)) = (progress, &clock) {
        p.finish_replication(c);
    }
    metrics
}

struct Replication<'s> {
    sc: &'s Scenario,
    world: World<'s>,
    queues: Vec<ProviderQueue>,
    sessions: Slab,
    events: QuaternaryHeap<Event>,
    metrics: Metrics,
}

impl<'s> Replication<'s> {
    fn new(sc: &'s Scenario, replication: u32) -> Self {
        let horizon = sc.duration + sc.drain;
        Replication {
            sc,
            world: World::new(sc, replication as u64),
            queues: vec![ProviderQueue::new(); sc.providers.len()],
            sessions: Slab::default(),
            events: QuaternaryHeap::with_capacity(1024),
            metrics: Metrics::new(
                sc.providers.len(),
                sc.carriers.len(),
                sc.otp.max_sends as usize,
                sc.timeline_bucket,
                horizon,
            ),
        }
    }

    fn run(mut self, clock: Option<&AtomicU64>) -> Metrics {
        let mut arrivals = ArrivalProcess::new(&self.sc.traffic, self.sc.duration);
        let mut arrival_rng = self.world.streams.stream(Purpose::Arrivals, 0, 0);
        let mut next_session = 0u64;
        if let Some(t) = arrivals.next(&mut arrival_rng) {
            self.events.push(t, Event::Arrival);
        }
        let mut events_seen = 0u32;
        while let Some((now, event)) = self.events.pop() {
            events_seen = events_seen.wrapping_add(1);
            if events_seen.is_multiple_of(4096)
                && let Some(c) = clock
            {
                c.store(now, Ordering::Relaxed);
            }
            match event {
                Event::Arrival => {
                    self.metrics.record_arrival(now);
                    let user = User::draw(self.sc, &self.world.streams, next_session, now);
                    let slot = self.sessions.insert(Session {
                        id: next_session,
                        arrival: now,
                        deadline: now.saturating_add(self.sc.otp.patience),
                        user,
                        sends: 0,
                        best: None,
                        reached_user: false,
                        reached_stranger: false,
                        cost: 0.0,
                    });
                    next_session += 1;
                    self.send(slot, now);
                    if let Some(t) = arrivals.next(&mut arrival_rng) {
                        self.events.push(t, Event::Arrival);
                    }
                }
                Event::Send(slot) => self.send(slot, now),
            }
        }
        self.metrics
    }

    /// The providers to try for send `k`, in order.
    fn providers_for(&self, session: &Session, k: u32) -> (usize, &'s [usize]) {
        match &self.sc.routing {
            Routing::Single(p) => (*p, &[]),
            Routing::ByCarrier(table) => (table[session.user.carrier], &[]),
            Routing::Weighted(cumulative) => {
                let u: f64 = self
                    .world
                    .streams
                    .stream(Purpose::Routing, session.id, k as u64)
                    .random();
                let pick = cumulative
                    .iter()
                    .find(|(_, c)| u < *c)
                    .unwrap_or(&cumulative[cumulative.len() - 1]);
                (pick.0, &[])
            }
            Routing::Failover(order) => {
                let i = (k as usize).min(order.len() - 1);
                (order[i], &order[i + 1..])
            }
        }
    }

    fn send(&mut self, slot: u32, now: Nanos) {
        let sc = self.sc;
        let k = self.sessions.slots[slot as usize]
            .as_ref()
            .expect("live session slot")
            .sends;
        let (first, fallbacks) = self.providers_for(
            self.sessions.slots[slot as usize].as_ref().expect("live"),
            k,
        );
        // The session stays in its slot; only these fields are borrowed.
        let Replication {
            world,
            queues,
            sessions,
            metrics,
            ..
        } = self;
        let session = sessions.slots[slot as usize]
            .as_mut()
            .expect("live session slot");
        if sc.otp.invalidate_previous {
            // No code was held before now, so every earlier code in flight
            // arrives invalid.
            session.best = None;
        }
        session.sends += 1;

        let candidates = std::iter::once(first).chain(fallbacks.iter().copied());
        for (attempt, provider) in candidates.enumerate() {
            let req = MessageRequest {
                session: session.id,
                send: k,
                attempt: attempt as u32,
                arrival: session.arrival,
                sent_at: now,
                provider,
            };
            metrics.submissions += 1;
            let fate = world.resolve(&mut queues[provider], &session.user, &req);
            let depth = queues[provider].depth(now);
            metrics.record_queue_depth(provider, now, depth);
            metrics.record_message(&fate);
            session.cost += fate.cost;
            match fate.outcome {
                Outcome::Delivered => {
                    session.reached_user = true;
                    let at = fate.finished_at;
                    let valid = at <= now.saturating_add(sc.otp.ttl);
                    if valid && session.best.is_none_or(|(b, _)| at < b) {
                        session.best = Some((at, k));
                    }
                }
                Outcome::DeliveredWrongPerson => session.reached_stranger = true,
                _ => {}
            }
            if fate.outcome != Outcome::Refused {
                break;
            }
        }

        let next = now.saturating_add(sc.otp.resend_after);
        let in_time = |best: Option<(Nanos, u32)>, by: Nanos| best.filter(|(b, _)| *b <= by);
        if let Some((at, send)) = in_time(session.best, next.min(session.deadline)) {
            return self.finish(
                slot,
                Some((at, SessionOutcome::SuccessBySms { send })),
                false,
            );
        }
        if session.sends < sc.otp.max_sends && next <= session.deadline {
            self.events.push(next, Event::Send(slot));
            return;
        }

        // Last send made: wait for a code, then the voice fallback if any.
        let mut success = in_time(session.best, session.deadline)
            .map(|(at, send)| (at, SessionOutcome::SuccessBySms { send }));
        let mut voice_call = false;
        if let Some(voice) = &sc.otp.voice {
            let call_at = now.saturating_add(voice.after);
            let sms_first = success.is_some_and(|(at, _)| at <= call_at);
            if !sms_first && call_at <= session.deadline {
                voice_call = true;
                session.cost += voice.cost;
                if sc.otp.invalidate_previous {
                    success = None;
                }
                let user = &session.user;
                let answered = user.hygiene == Hygiene::Correct
                    && user.sms_capable
                    && world.radio_down_until(user.carrier, call_at).is_none()
                    && user.presence.clone().at(call_at, &sc.users.presence)
                    && user.voice_draw < voice.success;
                let heard_at = call_at.saturating_add(user.voice_latency);
                if answered
                    && heard_at <= session.deadline
                    && success.is_none_or(|(at, _)| heard_at < at)
                {
                    success = Some((heard_at, SessionOutcome::SuccessByVoice));
                }
            }
        }
        self.finish(slot, success, voice_call);
    }

    /// Records how the session in `slot` ended and frees the slot.
    fn finish(&mut self, slot: u32, success: Option<(Nanos, SessionOutcome)>, voice_call: bool) {
        let session = self.sessions.slots[slot as usize]
            .as_ref()
            .expect("live session slot");
        let (outcome, time_to_code) = match success {
            Some((at, outcome)) => (outcome, Some(at - session.arrival)),
            None if session.reached_user => (SessionOutcome::NoCodeInTime, None),
            None if session.reached_stranger => (SessionOutcome::WrongPersonOnly, None),
            None => (SessionOutcome::GaveUp, None),
        };
        let summary = SessionSummary {
            outcome,
            time_to_code,
            within_target: time_to_code.is_some_and(|t| t <= self.sc.otp.target),
            sends: session.sends,
            voice_call,
            cost: session.cost,
        };
        self.metrics.record_session(session.user.carrier, &summary);
        self.sessions.release(slot);
    }
}

/// Runs every replication on `threads` threads and hands each result to
/// `consume` in replication order.
pub fn run_replications(scenario: &Scenario, threads: usize, consume: impl FnMut(u32, Metrics)) {
    run_replications_reporting(scenario, threads, None, consume)
}

/// As `run_replications`, updating `progress` as replications advance.
pub fn run_replications_reporting(
    scenario: &Scenario,
    threads: usize,
    progress: Option<&Progress>,
    consume: impl FnMut(u32, Metrics),
) {
    let all: Vec<u32> = (0..scenario.replications).collect();
    run_selected(scenario, threads, &all, progress, consume);
}

/// Runs the replications listed in `reps` (a shard's share, say) on
/// `threads` threads and hands each result to `consume` in list order.
pub fn run_selected(
    scenario: &Scenario,
    threads: usize,
    reps: &[u32],
    progress: Option<&Progress>,
    mut consume: impl FnMut(u32, Metrics),
) {
    let jobs: Vec<(&Scenario, u32)> = reps.iter().map(|&r| (scenario, r)).collect();
    run_jobs(&jobs, threads, progress, |k, m| consume(jobs[k].1, m));
}

/// Runs (scenario, replication) jobs — replications of several
/// alternatives or sweep points at once — on `threads` threads, handing
/// each result to `consume` with its job index, in job order.
pub fn run_jobs(
    jobs: &[(&Scenario, u32)],
    threads: usize,
    progress: Option<&Progress>,
    mut consume: impl FnMut(usize, Metrics),
) {
    let total = jobs.len();
    let threads = threads.clamp(1, total.max(1));
    if threads == 1 {
        for (k, (scenario, r)) in jobs.iter().enumerate() {
            consume(k, run_replication_reporting(scenario, *r, progress));
        }
        return;
    }
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= total {
                        break;
                    }
                    let (scenario, r) = jobs[k];
                    if tx
                        .send((k, run_replication_reporting(scenario, r, progress)))
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Reorder: results arrive as threads finish, but are consumed in
        // job order so floating-point sums are reproducible.
        let mut waiting = BTreeMap::new();
        let mut expected = 0;
        for (k, metrics) in rx {
            waiting.insert(k, metrics);
            while let Some(m) = waiting.remove(&expected) {
                consume(expected, m);
                expected += 1;
            }
        }
    });
}
