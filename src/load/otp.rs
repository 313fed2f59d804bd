//! `simsms load --otp`: every arrival is a user verifying a number, driven
//! by the model's session state machine (`model::session`) exactly as in
//! `simsms run`, except that what it learns comes from the real endpoint:
//! a submit's answer and the receipts. Without a DELIVRD receipt after
//! `resend_after` the user asks again, up to `max_sends`; there is no real
//! voice call, so a voice fallback is never answered.
//!
//! Time runs at `speed` simulated seconds per wall second, so a run can
//! face `simsms serve --speed` with the same clock.

use super::live::{Counts, Live};
use super::smpp::receipt_fields;
use super::target::{Protocol, Target};
use crate::metrics::{Metrics, SessionSummary};
use crate::model::{Action, Event, OtpSession, Outcome, Receipt, Router, SessionPolicy};
use crate::scenario::{ProviderId, Routing, Scenario};
use crate::units::Nanos;
use futures_util::{SinkExt, StreamExt};
use rusmpp::{Command, CommandStatus, Pdu};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// What a bind's reader reports.
enum Incoming {
    Resp {
        bind: usize,
        sequence: u32,
        status: u32,
        id: String,
    },
    Receipt {
        id: String,
        stat: String,
    },
}

/// One message of a session, until its final answer.
#[derive(Clone)]
struct Message {
    session: u64,
    send: u32,
    sent_at: Nanos,
    carrier: crate::scenario::CarrierId,
}

/// Where the driver's submits go.
enum Transport {
    /// One writer per transceiver bind.
    Smpp(Vec<mpsc::UnboundedSender<Command>>),
    /// Create requests; their answers and the status callbacks come back
    /// as `Incoming`, like SMPP's resps and receipts.
    Http {
        client: reqwest::Client,
        target: Target,
        incoming: mpsc::UnboundedSender<Incoming>,
        callbacks: super::http::CallbackListener,
        /// Whether any request got an HTTP answer, and the first error of
        /// one that did not.
        reached: std::sync::Arc<std::sync::Mutex<(bool, Option<String>)>>,
    },
}

impl Transport {
    /// Whether `number` can be sent at all: over SMPP, a number no SMSC
    /// could take is refused here, as a gateway would.
    fn accepts(&self, number: &str) -> bool {
        match self {
            Transport::Smpp(_) => super::smpp::otp_submit(number).is_ok(),
            Transport::Http { .. } => true,
        }
    }

    /// Sends `number`'s OTP as submit `sequence` on `bind`.
    fn send(&self, number: &str, bind: usize, sequence: u32) {
        match self {
            Transport::Smpp(writers) => {
                if let Ok(submit) = super::smpp::otp_submit(number) {
                    let command = Command::new(CommandStatus::EsmeRok, sequence, submit);
                    if let Some(writer) = writers.get(bind) {
                        let _ = writer.send(command);
                    }
                }
            }
            Transport::Http {
                client,
                target,
                incoming,
                callbacks,
                reached,
            } => {
                let request = super::http::create(client, target, number, &callbacks.url);
                let (incoming, reached) = (incoming.clone(), reached.clone());
                tokio::spawn(async move {
                    let answer = request.await;
                    {
                        let mut reached = reached.lock().expect("reached");
                        match &answer {
                            Ok(_) => reached.0 = true,
                            Err(e) => {
                                reached.1.get_or_insert_with(|| super::http::error_chain(e));
                            }
                        }
                    }
                    // No answer, or a 201 without a sid, counts as refused.
                    let (status, id, done) = match answer {
                        Ok((0, Some((sid, done)))) => (0, sid, done),
                        Ok((code, _)) => (code.max(1), String::new(), None),
                        Err(_) => (1, String::new(), None),
                    };
                    let receipt = done.map(|stat| Incoming::Receipt {
                        id: id.clone(),
                        stat,
                    });
                    let _ = incoming.send(Incoming::Resp {
                        bind,
                        sequence,
                        status,
                        id,
                    });
                    if let Some(receipt) = receipt {
                        let _ = incoming.send(receipt);
                    }
                });
            }
        }
    }
}

/// Opens `binds` transceivers; returns their writers.
async fn open(
    target: &Target,
    (binds, connect_timeout): (usize, Duration),
    incoming: &mpsc::UnboundedSender<Incoming>,
    stop: &tokio_util::sync::CancellationToken,
) -> Result<Vec<mpsc::UnboundedSender<Command>>, super::LoadError> {
    let mut writers = Vec::new();
    for bind in 0..binds {
        let framed = super::smpp::connect(target, connect_timeout, stop).await?;
        let (mut sink, mut stream) = framed.split();
        let (tx, mut rx) = mpsc::unbounded_channel::<Command>();
        tokio::spawn(async move {
            while let Some(c) = rx.recv().await {
                if sink.send(c).await.is_err() {
                    break;
                }
            }
        });
        let (incoming, acks) = (incoming.clone(), tx.clone());
        tokio::spawn(async move {
            while let Some(Ok(command)) = stream.next().await {
                let sequence = command.sequence_number();
                if let Some((status, id)) = super::smpp::submit_resp(&command) {
                    let resp = Incoming::Resp {
                        bind,
                        sequence,
                        status,
                        id,
                    };
                    let _ = incoming.send(resp);
                    continue;
                }
                if let Some(Pdu::DeliverSm(d)) = command.pdu() {
                    let _ = acks.send(super::smpp::receipt_ack(sequence));
                    if let Some((id, stat)) = receipt_fields(d) {
                        let _ = incoming.send(Incoming::Receipt { id, stat });
                    }
                }
            }
        });
        writers.push(tx);
    }
    Ok(writers)
}

/// A message's final answer: what happened, what the receipt said, when.
type Answer = (Outcome, Receipt, Nanos);

/// The driver's state.
struct Driver<'a> {
    sc: &'a Scenario,
    start: Instant,
    speed: f64,
    transport: Transport,
    window: usize,
    outstanding: Vec<usize>,
    next_bind: usize,
    next_sequence: u32,
    sessions: HashMap<u64, (OtpSession, crate::scenario::CarrierId)>,
    timers: BinaryHeap<Reverse<(Nanos, u64)>>,
    awaiting: HashMap<(usize, u32), Message>,
    by_id: HashMap<String, Message>,
    early: HashMap<String, (String, Nanos)>,
    /// Every message sent: its fate once known.
    fates: Vec<(Message, Option<Answer>)>,
    index: HashMap<(u64, u32), usize>,
    numbers: HashMap<u64, String>,
    metrics: Metrics,
    counts: std::sync::Arc<Counts>,
}

impl Driver<'_> {
    fn now(&self) -> Nanos {
        (self.start.elapsed().as_secs_f64() * self.speed * 1e9) as Nanos
    }

    fn wall(&self, t: Nanos) -> Instant {
        self.start + Duration::from_secs_f64(t as f64 / 1e9 / self.speed)
    }

    /// Carries out what a session asks until it waits or ends.
    fn step(&mut self, policy: &SessionPolicy, id: u64, event: Event) {
        let now = self.now();
        let Some((session, _)) = self.sessions.get_mut(&id) else {
            return;
        };
        let mut action = session.handle(policy, now, event);
        loop {
            action = match action {
                Action::Send { send, .. } => match self.submit(id, send, now) {
                    true => return,
                    false => self.handle(policy, id, now, Event::Submitted { accepted: false }),
                },
                Action::CallVoice { .. } => {
                    self.handle(policy, id, now, Event::VoiceResult { heard_at: None })
                }
                Action::Wait { until: Some(t) } => {
                    self.timers.push(Reverse((t, id)));
                    return;
                }
                Action::Wait { until: None } => return,
                Action::Done(end) => return self.record_end(id, end),
            };
        }
    }

    /// Records how session `id` ended and forgets it.
    fn record_end(&mut self, id: u64, end: crate::model::SessionEnd) {
        let (_, carrier) = self.sessions.remove(&id).expect("live session");
        let summary = SessionSummary::new(&end, self.sc.otp.target, 0.0);
        self.metrics.record_session(carrier, &summary);
    }

    fn handle(&mut self, policy: &SessionPolicy, id: u64, now: Nanos, event: Event) -> Action {
        match self.sessions.get_mut(&id) {
            Some((session, _)) => session.handle(policy, now, event),
            None => Action::Wait { until: None },
        }
    }

    /// Writes a submit for send `send` of session `id`; false when every
    /// bind's window is full (the send is refused, and counted so).
    fn submit(&mut self, id: u64, send: u32, now: Nanos) -> bool {
        if !self.transport.accepts(&self.numbers[&id]) {
            return false;
        }
        let binds = self.outstanding.len();
        let Some(bind) = (0..binds)
            .map(|i| (self.next_bind + i) % binds)
            .find(|b| self.outstanding[*b] < self.window)
        else {
            return false;
        };
        self.next_bind = (bind + 1) % binds;
        self.outstanding[bind] += 1;
        let sequence = self.next_sequence;
        self.next_sequence = self.next_sequence.wrapping_add(1).max(2);
        let carrier = self.sessions[&id].1;
        let message = Message {
            session: id,
            send,
            sent_at: now,
            carrier,
        };
        self.index.insert((id, send), self.fates.len());
        self.fates.push((message.clone(), None));
        self.awaiting.insert((bind, sequence), message);
        self.transport.send(&self.numbers[&id], bind, sequence);
        Counts::add(&self.counts.sent);
        true
    }

    fn settle(&mut self, m: &Message, outcome: Outcome, receipt: Receipt, at: Nanos) {
        if let Some(&i) = self.index.get(&(m.session, m.send)) {
            self.fates[i].1 = Some((outcome, receipt, at));
        }
    }

    fn on_incoming(&mut self, policy: &SessionPolicy, incoming: Incoming) {
        let now = self.now();
        match incoming {
            Incoming::Resp {
                bind,
                sequence,
                status,
                id,
            } => {
                self.outstanding[bind] = self.outstanding[bind].saturating_sub(1);
                let Some(m) = self.awaiting.remove(&(bind, sequence)) else {
                    return;
                };
                let accepted = status == 0;
                Counts::add(&self.counts.answered);
                if !accepted {
                    Counts::add(&self.counts.refused);
                    self.settle(&m, Outcome::Refused, Receipt::SubmitFailed, now);
                }
                self.step(policy, m.session, Event::Submitted { accepted });
                if accepted {
                    match self.early.remove(&id) {
                        Some((stat, at)) => self.on_receipt(policy, m, &stat, at),
                        None => {
                            self.by_id.insert(id, m);
                        }
                    }
                }
            }
            Incoming::Receipt { id, stat } => match self.by_id.remove(&id) {
                Some(m) => self.on_receipt(policy, m, &stat, now),
                None => {
                    self.early.insert(id, (stat, now));
                }
            },
        }
    }

    fn on_receipt(&mut self, policy: &SessionPolicy, m: Message, stat: &str, at: Nanos) {
        let (outcome, receipt) = super::outcome_of_stat(stat);
        Counts::add(&self.counts.receipts);
        self.settle(&m, outcome, receipt, at);
        let event = Event::Receipt {
            send: m.send,
            sent_at: m.sent_at,
            receipt,
            at,
        };
        self.step(policy, m.session, event);
    }
}

/// Runs the sessions of `planned` against the target; returns the
/// session and message metrics.
#[allow(clippy::too_many_arguments)] // one call site, each argument named there
pub async fn run(
    sc: &Scenario,
    provider: ProviderId,
    target: &Target,
    binds: usize,
    window: usize,
    schedule: super::schedule::Schedule,
    (speed, wait, live, http): (f64, Duration, &Live, &super::http::HttpOptions),
) -> Result<Metrics, super::LoadError> {
    let (incoming_tx, mut incoming) = mpsc::unbounded_channel();
    let (transport, binds, window) = match target.protocol {
        Protocol::Smpp => {
            let opened = open(
                target,
                (binds.max(1), http.connect_timeout),
                &incoming_tx,
                &live.stop,
            );
            let writers = match opened.await {
                Err(super::LoadError::Interrupted) => Vec::new(),
                opened => opened?,
            };
            (Transport::Smpp(writers), binds.max(1), window)
        }
        Protocol::Http => {
            let receipts = incoming_tx.clone();
            let on_final: super::http::OnFinal = std::sync::Arc::new(move |sid, stat, _| {
                let id = sid.to_string();
                let _ = receipts.send(Incoming::Receipt { id, stat });
            });
            let callbacks = super::http::listen(http, &target.password, on_final).await?;
            let transport = Transport::Http {
                client: super::http::client(http, binds * window)?,
                target: target.clone(),
                incoming: incoming_tx.clone(),
                callbacks,
                reached: Default::default(),
            };
            // One pool of requests in flight.
            (transport, 1, binds.max(1) * window)
        }
    };
    let routing = Routing::Single(provider);
    let policy = SessionPolicy {
        otp: &sc.otp,
        router: Router::new(&routing, crate::des::RngStreams::new(sc.seed, 0)),
    };
    let mut d = Driver {
        sc,
        start: Instant::now() + Duration::from_millis(100),
        speed,
        outstanding: vec![0; binds],
        transport,
        window,
        next_bind: 0,
        next_sequence: 2,
        sessions: HashMap::new(),
        timers: BinaryHeap::new(),
        awaiting: HashMap::new(),
        by_id: HashMap::new(),
        early: HashMap::new(),
        fates: Vec::new(),
        index: HashMap::new(),
        numbers: HashMap::new(),
        metrics: Metrics::for_scenario(sc),
        counts: live.counts.clone(),
    };
    let mut planned = schedule.peekable();
    let mut next = 0u64;
    let mut last_arrival_done = None::<Instant>;
    loop {
        let due_arrival = planned.peek().map(|(_, p)| p.at);
        let due_timer = d.timers.peek().map(|Reverse((t, _))| *t);
        let due = due_arrival.into_iter().chain(due_timer).min();
        if due.is_none() && d.sessions.is_empty() {
            break;
        }
        if last_arrival_done.is_some_and(|t| t.elapsed() > wait) || live.stop.is_cancelled() {
            break;
        }
        let sleep_to = due
            .map(|t| d.wall(t))
            .unwrap_or_else(|| Instant::now() + Duration::from_millis(50));
        tokio::select! {
            _ = live.stop.cancelled() => break,
            Some(incoming) = incoming.recv() => d.on_incoming(&policy, incoming),
            _ = tokio::time::sleep_until(sleep_to.into()) => {
                let now = d.now();
                if due_arrival.is_some_and(|t| t <= now) {
                    let (_, p) = planned.next().expect("peeked");
                    let id = next;
                    d.metrics.record_arrival(p.at);
                    d.numbers.insert(id, p.number.clone());
                    d.sessions.insert(id, (OtpSession::new(id, p.carrier, p.at, &sc.otp), p.carrier));
                    d.step(&policy, id, Event::Arrived);
                    next += 1;
                    if planned.peek().is_none() {
                        last_arrival_done = Some(Instant::now());
                    }
                } else if due_timer.is_some_and(|t| t <= now) {
                    let Reverse((_, id)) = d.timers.pop().expect("peeked");
                    d.step(&policy, id, Event::TimerFired);
                }
            }
        }
    }
    if let Transport::Http { reached, .. } = &d.transport {
        let (any, first) = reached.lock().expect("reached").clone();
        if !any && !d.fates.is_empty() && !live.stop.is_cancelled() {
            return Err(super::LoadError::Unreachable {
                target: target.display(),
                sent: d.fates.len(),
                first: first.unwrap_or_else(|| "none answered".into()),
            });
        }
    }
    // Sessions still waiting when time is up end as they stand: whatever
    // they would still send is refused, no call is answered.
    let mut left: Vec<u64> = d.sessions.keys().copied().collect();
    left.sort();
    let far = Nanos::MAX / 4;
    for id in left {
        let mut event = Event::TimerFired;
        loop {
            event = match d.handle(&policy, id, far, event) {
                Action::Send { .. } => Event::Submitted { accepted: false },
                Action::CallVoice { .. } => Event::VoiceResult { heard_at: None },
                Action::Wait { .. } => Event::TimerFired,
                Action::Done(end) => {
                    d.record_end(id, end);
                    break;
                }
            };
        }
    }
    for (m, fate) in std::mem::take(&mut d.fates) {
        let (outcome, receipt, at) =
            fate.unwrap_or((Outcome::LostInTransit, Receipt::Nothing, m.sent_at));
        let times = (m.sent_at, at);
        let fate = super::measured_fate(sc, provider, m.carrier, times, (outcome, receipt));
        d.metrics.submissions += 1;
        d.metrics.record_message(&fate);
    }
    Ok(d.metrics)
}
