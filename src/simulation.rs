//! The batch engine: one replication is a discrete-event run over session
//! arrivals and the timers sessions ask for, each session driven by the
//! model's state machine (`model::session`). `runner` runs replications in
//! parallel.
//!
//! Only the user's actions need events. A message's fate is decided when it
//! is sent (`World::resolve`), because everything downstream of the send is
//! fixed by then: the provider queue is FIFO with deterministic service,
//! outages are scheduled, and random draws come from per-message streams.

use crate::des::{Clock, EventQueue, Purpose, RadixHeap, VirtualClock};
use crate::metrics::{Metrics, SessionSummary};
use crate::model::{
    Action, ArrivalProcess, CarrierMemory, Event, Fate, MessageRequest, OtpSession, Outcome,
    ProviderQueue, Router, SessionEnd, SessionPolicy, User, World,
};
use crate::progress::Progress;
use crate::scenario::Scenario;
use crate::units::Nanos;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Copy)]
enum Wakeup {
    Arrival,
    /// The session in this slot asked to be woken (a resend is due).
    Timer(u32),
}

/// A session in progress: its state machine, its user, what it cost.
struct Live {
    session: OtpSession,
    user: User,
    cost: f64,
}

/// Slots per chunk of the slab: chunks are allocated whole and never
/// moved, so the slab's address space follows the sessions in flight
/// without the up-to-2x slack (and the copy) of a growing `Vec`.
const SLAB_CHUNK: usize = 1 << 12;

/// Sessions in flight, in reusable slots: memory follows the number of
/// sessions in progress, not the number simulated.
#[derive(Default)]
struct Slab {
    chunks: Vec<Vec<Option<Live>>>,
    free: Vec<u32>,
}

impl Slab {
    fn insert(&mut self, s: Live) -> u32 {
        if let Some(i) = self.free.pop() {
            *self.slot(i) = Some(s);
            return i;
        }
        if self.chunks.last().is_none_or(|c| c.len() == SLAB_CHUNK) {
            self.chunks.push(Vec::with_capacity(SLAB_CHUNK));
        }
        let full = (self.chunks.len() - 1) * SLAB_CHUNK;
        let chunk = self.chunks.last_mut().expect("a chunk with room");
        chunk.push(Some(s));
        (full + chunk.len() - 1) as u32
    }

    fn slot(&mut self, i: u32) -> &mut Option<Live> {
        let i = i as usize;
        &mut self.chunks[i / SLAB_CHUNK][i % SLAB_CHUNK]
    }

    fn get(&mut self, i: u32) -> &mut Live {
        self.slot(i).as_mut().expect("live session slot")
    }

    /// Ends the session in a slot and frees the slot for reuse.
    fn release(&mut self, i: u32) -> Live {
        self.free.push(i);
        self.slot(i).take().expect("live session slot")
    }
}

/// Simulates one replication and returns what it measured.
pub fn run_replication(scenario: &Scenario, replication: u32) -> Metrics {
    Replication::new(Arc::new(scenario.clone()), replication)
        .run(&mut VirtualClock::default(), None)
}

/// As `run_replication`, on a shared scenario and reporting progress.
pub(crate) fn run_replication_reporting(
    scenario: &Arc<Scenario>,
    replication: u32,
    progress: Option<&Progress>,
) -> Metrics {
    let clock = progress.map(Progress::replication);
    let metrics = Replication::new(scenario.clone(), replication)
        .run(&mut VirtualClock::default(), clock.as_deref());
    if let (Some(p), Some(c)) = (progress, &clock) {
        p.finish_replication(c);
    }
    metrics
}

/// Simulates one replication paced by `clock` (a `RealClock` runs it in
/// scaled wall time).
pub fn run_replication_with_clock(
    scenario: Arc<Scenario>,
    replication: u32,
    clock: &mut impl Clock,
) -> Metrics {
    Replication::new(scenario, replication).run(clock, None)
}

/// Simulates replication `replication` and shows every message's request
/// and fate to `on_message` as it is decided (`run --events`); the
/// metrics are those `run_replication` returns.
pub fn run_replication_recording(
    scenario: Arc<Scenario>,
    replication: u32,
    on_message: impl FnMut(&MessageRequest, &Fate) + 'static,
) -> Metrics {
    let mut r = Replication::new(scenario, replication);
    r.on_message = Some(Box::new(on_message));
    r.run(&mut VirtualClock::default(), None)
}

/// What `run_replication_recording` is shown each message with.
type OnMessage = Box<dyn FnMut(&MessageRequest, &Fate)>;

struct Replication {
    sc: Arc<Scenario>,
    /// Sees each message as it is decided, when records are asked for.
    on_message: Option<OnMessage>,
    world: World,
    queues: Vec<ProviderQueue>,
    /// The carriers' memory of messages per number (repeat filters).
    carriers: CarrierMemory,
    sessions: Slab,
    wakeups: RadixHeap<Wakeup>,
    metrics: Metrics,
}

impl Replication {
    fn new(sc: Arc<Scenario>, replication: u32) -> Self {
        let world = World::new(sc.clone(), replication as u64);
        let metrics = Metrics::for_scenario(&sc);
        Replication {
            on_message: None,
            queues: world.provider_queues(),
            carriers: CarrierMemory::new(&sc),
            world,
            sc,
            sessions: Slab::default(),
            wakeups: RadixHeap::new(),
            metrics,
        }
    }

    fn run(mut self, clock: &mut impl Clock, progress: Option<&AtomicU64>) -> Metrics {
        let sc = self.sc.clone();
        let policy = SessionPolicy {
            otp: &sc.otp,
            router: Router::new(&sc.routing, self.world.streams),
        };
        let mut arrivals = ArrivalProcess::new(&sc.traffic, sc.duration);
        let mut arrival_rng = self.world.streams.stream(Purpose::Arrivals, 0, 0);
        let mut next_session = 0u64;
        if let Some(t) = arrivals.next(&mut arrival_rng) {
            self.wakeups.push(t, Wakeup::Arrival);
        }
        let mut seen = 0u32;
        while let Some((now, wakeup)) = self.wakeups.pop() {
            clock.advance_to(now);
            seen = seen.wrapping_add(1);
            if seen.is_multiple_of(4096)
                && let Some(p) = progress
            {
                p.store(now, Ordering::Relaxed);
            }
            match wakeup {
                Wakeup::Arrival => {
                    self.metrics.record_arrival(now);
                    let user = self.world.user(next_session, now);
                    let session = OtpSession::new(next_session, user.carrier, now, &sc.otp);
                    let slot = self.sessions.insert(Live {
                        session,
                        user,
                        cost: 0.0,
                    });
                    next_session += 1;
                    self.step(&policy, slot, now, Event::Arrived);
                    if let Some(t) = arrivals.next(&mut arrival_rng) {
                        self.wakeups.push(t, Wakeup::Arrival);
                    }
                }
                Wakeup::Timer(slot) => self.step(&policy, slot, now, Event::TimerFired),
            }
        }
        self.metrics
    }

    /// Feeds an event to the session in `slot` and carries out what it
    /// asks until it waits or ends. Fates are known at the send, so the
    /// code's time is told before the submission's answer.
    fn step(&mut self, policy: &SessionPolicy, slot: u32, now: Nanos, event: Event) {
        let mut action = self.sessions.get(slot).session.handle(policy, now, event);
        loop {
            action = match action {
                Action::Send {
                    provider,
                    send,
                    attempt,
                } => {
                    let Replication {
                        world,
                        queues,
                        carriers,
                        sessions,
                        metrics,
                        on_message,
                        ..
                    } = self;
                    let live = sessions.get(slot);
                    let req = MessageRequest {
                        session: live.session.id(),
                        send,
                        attempt,
                        arrival: live.session.arrival(),
                        sent_at: now,
                        provider,
                        segments: world.scenario.provider(provider).segments(),
                    };
                    metrics.submissions += 1;
                    let queue = &mut queues[provider.index()];
                    let fate = world.resolve((queue, carriers), &live.user, &req);
                    metrics.record_queue_depth(provider, now, queue.depth(now));
                    metrics.record_message(&fate);
                    if let Some(on_message) = on_message {
                        on_message(&req, &fate);
                    }
                    live.cost += fate.cost;
                    let told = match fate.outcome {
                        Outcome::Delivered if fate.code_cut => Some(Event::NoCode { send }),
                        Outcome::Delivered => Some(Event::CodeHeld {
                            send,
                            sent_at: now,
                            at: fate.finished_at,
                        }),
                        Outcome::DeliveredWrongPerson => Some(Event::ReachedStranger { send }),
                        Outcome::Refused | Outcome::SendLimited => None,
                        _ => Some(Event::NoCode { send }),
                    };
                    if let Some(told) = told {
                        live.session.handle(policy, now, told);
                    }
                    let accepted = !fate.outcome.is_refusal();
                    live.session
                        .handle(policy, now, Event::Submitted { accepted })
                }
                Action::CallVoice { at } => {
                    let voice_cost = self.sc.otp.voice.as_ref().map_or(0.0, |v| v.cost);
                    let live = self.sessions.get(slot);
                    live.cost += voice_cost;
                    let heard_at = self.world.voice_call(&live.user, at);
                    live.session
                        .handle(policy, now, Event::VoiceResult { heard_at })
                }
                Action::Wait { until: Some(t) } => {
                    self.wakeups.push(t, Wakeup::Timer(slot));
                    return;
                }
                Action::Wait { until: None } => {
                    unreachable!("the batch engine tells every fate at once")
                }
                Action::Done(end) => return self.finish(slot, end),
            };
        }
    }

    /// Records how the session in `slot` ended and frees the slot.
    fn finish(&mut self, slot: u32, end: SessionEnd) {
        let live = self.sessions.release(slot);
        let summary = SessionSummary::new(&end, self.sc.otp.target, live.cost);
        self.metrics.record_session(live.user.carrier, &summary);
    }
}
