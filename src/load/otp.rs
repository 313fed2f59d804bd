//! `simsms load --otp`: every arrival is a user verifying a number, driven
//! by the model's session state machine (`model::session`) exactly as in
//! `simsms run`, except that what it learns comes from the real endpoint:
//! a submit's answer and the receipts. Without a DELIVRD receipt after
//! `resend_after` the user asks again, up to `max_sends`; there is no real
//! voice call, so a voice fallback is never answered.
//!
//! Time runs at `speed` simulated seconds per wall second, so a run can
//! face `simsms serve --speed` with the same clock.

use super::body::MessageText;
use super::live::{Counts, Live};
use super::measured::Measured;
use super::schedule::Planned;
use super::stray::{Stray, Strays};
use crate::des::{Clock, RealClock};
use crate::metrics::{Metrics, SessionSummary};
use crate::model::{
    Action, Event, Fate, OtpSession, Outcome, Receipt, Router, SessionEnd, SessionOutcome,
    SessionPolicy,
};
use crate::protocol::ClientError;
use crate::protocol::smpp::client;
use crate::protocol::smpp::parts::{self, Concat};
use crate::protocol::target::{Protocol, Target};
use crate::records::{MessageRecord, SharedRecords};
use crate::scenario::{CarrierId, ProviderId, Routing, Scenario};
use crate::units::Nanos;
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
    /// A receipt as it came (matched to its message, or held as a stray).
    Receipt(Stray),
    /// A bind's connection closed: what it had in flight is lost, and it
    /// is being opened again.
    Closed { bind: usize },
    /// The bind is open again.
    Reopened { bind: usize, sender: client::Sender },
    /// The bind failed `BIND_ATTEMPTS` times in a row: the run ends.
    GaveUp(ClientError),
}

/// One message of a session, until its final answer.
struct Message {
    session: u64,
    send: u32,
    sent_at: Nanos,
    /// When it was written, for the LOAD latencies (wall time).
    sent_wall: Instant,
    carrier: CarrierId,
    /// The id the endpoint gave it, and its answer's status, once in.
    id: Option<String>,
    status: Option<u32>,
}

/// A session until it has ended and every one of its messages has its
/// final answer: a code that comes after the user gave up still turns
/// `gave_up` into `no_code_in_time`, as in `run`, which knows every fate
/// when it sends.
struct Open {
    session: OtpSession,
    carrier: CarrierId,
    number: String,
    /// How it ended, once it has.
    ended: Option<SessionEnd>,
    /// Its messages without a final answer yet.
    unsettled: u32,
    /// One of its messages reached the handset (a DELIVRD receipt).
    reached: bool,
    /// What its messages cost, as the provider bills them.
    cost: f64,
}

/// Where the driver's submits go.
enum Transport {
    /// One session per transceiver bind (None while it is re-opened),
    /// and how to open one again.
    Smpp {
        senders: Vec<Option<client::Sender>>,
        reopen: Reopen,
    },
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
    /// Whether bind `bind` can take a submit now (always over HTTP).
    fn is_open(&self, bind: usize) -> bool {
        match self {
            Transport::Smpp { senders, .. } => senders.get(bind).is_some_and(Option::is_some),
            Transport::Http { .. } => true,
        }
    }

    /// Whether `number` can be sent at all: over SMPP, a number no SMSC
    /// could take is refused here, as a gateway would.
    fn accepts(&self, number: &str) -> bool {
        match self {
            Transport::Smpp { .. } => client::otp_submit(number).is_ok(),
            Transport::Http { .. } => true,
        }
    }

    /// Sends `body` to `number` on `bind` (over SMPP in one PDU: a text of
    /// several segments in message_payload); returns the sequence number
    /// its answer will carry (over HTTP, `sequence`).
    fn send(&mut self, (number, body): (&str, String), bind: usize, sequence: u32) -> u32 {
        match self {
            Transport::Smpp { senders, .. } => (senders.get_mut(bind))
                .and_then(|sender| {
                    let sender = sender.as_mut()?;
                    let pdu = parts::submits(number, &body, Concat::Payload, 0).ok()?;
                    pdu.into_iter().next().map(|pdu| sender.submit_sm(pdu))
                })
                .unwrap_or(sequence),
            Transport::Http {
                client,
                target,
                incoming,
                callbacks,
                reached,
            } => {
                let request = super::http::create(client, target, (number, body), &callbacks.url);
                let (incoming, reached) = (incoming.clone(), reached.clone());
                tokio::spawn(async move {
                    let answer = request.await.map(|(answer, _date)| answer);
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
                    let receipt = done.map(|stat| Incoming::Receipt(Stray::status(&id, stat)));
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
                sequence
            }
        }
    }
}

/// What re-opening a bind needs.
#[derive(Clone)]
struct Reopen {
    target: Target,
    connect_timeout: Duration,
    incoming: mpsc::UnboundedSender<Incoming>,
    stop: tokio_util::sync::CancellationToken,
}

impl Reopen {
    /// Opens bind `bind`; what its session reads comes into `incoming`,
    /// marked with its bind.
    async fn bind(&self, bind: usize) -> Result<client::Sender, ClientError> {
        let incoming = self.incoming.clone();
        // Runs on the session's reader: no task between it and the driver.
        let deliver = move |event| {
            let event = match event {
                client::Incoming::Resp {
                    sequence,
                    status,
                    id,
                    ..
                } => Incoming::Resp {
                    bind,
                    sequence,
                    status,
                    id,
                },
                client::Incoming::Receipt {
                    id,
                    stat,
                    at,
                    err,
                    submit_date,
                    done_date,
                } => Incoming::Receipt(Stray {
                    id,
                    stat,
                    err,
                    submit_date,
                    done_date,
                    at,
                }),
                client::Incoming::Closed { .. } => Incoming::Closed { bind },
                // The session machine never queries.
                client::Incoming::QueryResp { .. } => return,
            };
            let _ = incoming.send(event);
        };
        let with = (self.connect_timeout, &self.stop);
        client::connect_with(&self.target, with, deliver).await
    }

    /// Opens bind `bind` again in the background, pausing between failed
    /// attempts as message mode does; says how it went on `incoming`.
    fn again(&self, bind: usize) {
        let reopen = self.clone();
        tokio::spawn(async move {
            let mut failures = super::smpp::Failures::default();
            loop {
                let failed = match reopen.bind(bind).await {
                    Ok(sender) => {
                        let _ = reopen.incoming.send(Incoming::Reopened { bind, sender });
                        return;
                    }
                    Err(ClientError::Interrupted) => return,
                    Err(e) => e,
                };
                let last = failed.to_string();
                if let Err(e) = failures.again(&reopen.target, last, &reopen.stop).await {
                    let _ = reopen.incoming.send(Incoming::GaveUp(e));
                    return;
                }
            }
        });
    }
}

/// Opens `binds` transceivers; returns their senders.
async fn open(reopen: &Reopen, binds: usize) -> Result<Vec<Option<client::Sender>>, ClientError> {
    let mut senders = Vec::new();
    for bind in 0..binds {
        senders.push(Some(reopen.bind(bind).await?));
    }
    Ok(senders)
}

/// The driver's state.
struct Driver<'a> {
    sc: &'a Scenario,
    provider: ProviderId,
    /// What each message says.
    text: &'a MessageText,
    /// The run's clock: simulated time at `--speed` from the start.
    clock: RealClock,
    transport: Transport,
    window: usize,
    outstanding: Vec<usize>,
    next_bind: usize,
    next_sequence: u32,
    sessions: HashMap<u64, Open>,
    /// Sessions that have not ended yet.
    active: usize,
    timers: BinaryHeap<Reverse<(Nanos, u64)>>,
    /// Messages without their final answer, by message number; where each
    /// one's resp is awaited, and its id once the resp is in.
    messages: HashMap<u64, Message>,
    next_message: u64,
    awaiting: HashMap<(usize, u32), u64>,
    by_id: HashMap<String, u64>,
    /// Receipts for no message awaiting one (yet): held, or duplicates.
    strays: Strays,
    /// Messages sent, and when the last one was.
    sent: usize,
    last_send: Option<Instant>,
    metrics: Metrics,
    /// The LOAD figures: counts, refusals by status, receipts by stat and
    /// latencies (a session sends when it decides to, so the intended and
    /// the actual send time are one).
    figures: Measured,
    protocol: Protocol,
    counts: std::sync::Arc<Counts>,
    records: Option<SharedRecords>,
    /// A bind that could not be opened again: the run ends with it.
    failed: Option<ClientError>,
}

impl Driver<'_> {
    fn now(&self) -> Nanos {
        self.clock.now()
    }

    fn wall(&self, t: Nanos) -> Instant {
        self.clock.wall_time_of(t)
    }

    /// A user arrives: session `id` starts.
    fn arrive(&mut self, policy: &SessionPolicy, id: u64, p: Planned) {
        self.metrics.record_arrival(p.at);
        let open = Open {
            session: OtpSession::new(id, p.carrier, p.at, &self.sc.otp),
            carrier: p.carrier,
            number: p.number,
            ended: None,
            unsettled: 0,
            reached: false,
            cost: 0.0,
        };
        self.sessions.insert(id, open);
        self.active += 1;
        self.step(policy, id, Event::Arrived);
    }

    /// Carries out what a session asks until it waits or ends.
    fn step(&mut self, policy: &SessionPolicy, id: u64, event: Event) {
        let now = self.now();
        let mut action = self.handle(policy, id, now, event);
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
                Action::Done(end) => return self.end(id, end),
            };
        }
    }

    /// Feeds `event` to session `id` if it has not ended.
    fn handle(&mut self, policy: &SessionPolicy, id: u64, now: Nanos, event: Event) -> Action {
        match self.sessions.get_mut(&id) {
            Some(open) if open.ended.is_none() => open.session.handle(policy, now, event),
            _ => Action::Wait { until: None },
        }
    }

    /// Session `id` has ended; it is recorded once its messages are final.
    fn end(&mut self, id: u64, end: SessionEnd) {
        if let Some(open) = self.sessions.get_mut(&id) {
            open.ended = Some(end);
            self.active -= 1;
        }
        self.close_if_settled(id);
    }

    /// Records session `id` and forgets it once it has ended and every one
    /// of its messages is final. A code that came after the user gave up
    /// makes it `no_code_in_time`, as `run` judges it.
    fn close_if_settled(&mut self, id: u64) {
        let done = (self.sessions.get(&id)).is_some_and(|o| o.ended.is_some() && o.unsettled == 0);
        if !done {
            return;
        }
        let open = self.sessions.remove(&id).expect("a session to close");
        let mut end = open.ended.expect("ended");
        if open.reached
            && matches!(
                end.outcome,
                SessionOutcome::GaveUp | SessionOutcome::WrongPersonOnly
            )
        {
            end.outcome = SessionOutcome::NoCodeInTime;
        }
        let summary = SessionSummary::new(&end, self.sc.otp.target, open.cost);
        self.metrics.record_session(open.carrier, &summary);
    }

    /// Writes a submit for send `send` of session `id`; false when every
    /// bind's window is full (the send is refused, and counted so).
    fn submit(&mut self, id: u64, send: u32, now: Nanos) -> bool {
        let Some(open) = self.sessions.get(&id) else {
            return false;
        };
        if !self.transport.accepts(&open.number) {
            return false;
        }
        let binds = self.outstanding.len();
        let Some(bind) = (0..binds)
            .map(|i| (self.next_bind + i) % binds)
            .find(|b| self.outstanding[*b] < self.window && self.transport.is_open(*b))
        else {
            // Every window is full: the message is not sent (dropped).
            self.figures.planned += 1;
            self.figures.dropped += 1;
            Counts::add(&self.counts.dropped);
            return false;
        };
        self.next_bind = (bind + 1) % binds;
        self.outstanding[bind] += 1;
        let body = self.text.text(self.next_message);
        let sequence = (self.transport).send((&open.number, body), bind, self.next_sequence);
        self.next_sequence = self.next_sequence.wrapping_add(1).max(2);
        let message = Message {
            session: id,
            send,
            sent_at: now,
            sent_wall: Instant::now(),
            carrier: open.carrier,
            id: None,
            status: None,
        };
        self.figures.planned += 1;
        self.figures.sent += 1;
        let number = self.next_message;
        self.next_message += 1;
        self.messages.insert(number, message);
        self.awaiting.insert((bind, sequence), number);
        if let Some(open) = self.sessions.get_mut(&id) {
            open.unsettled += 1;
        }
        self.sent += 1;
        self.last_send = Some(Instant::now());
        Counts::add(&self.counts.sent);
        true
    }

    /// Message `number` is final: recorded, priced into its session, and
    /// forgotten. Returns it.
    fn settle(
        &mut self,
        number: u64,
        (outcome, receipt): (Outcome, Receipt),
        at: Nanos,
    ) -> Option<Message> {
        let m = self.messages.remove(&number)?;
        let times = (m.sent_at, at);
        let fate = super::measured::measured_fate(
            self.sc,
            self.provider,
            m.carrier,
            times,
            (outcome, receipt),
            self.text.segments(),
        );
        self.metrics.submissions += 1;
        self.metrics.record_message(&fate);
        self.write_record(&m, &fate, at);
        if let Some(open) = self.sessions.get_mut(&m.session) {
            open.unsettled -= 1;
            open.cost += fate.cost;
            open.reached |= receipt == Receipt::Delivered;
        }
        self.close_if_settled(m.session);
        Some(m)
    }

    /// `--events`: the record of message `m`, final at `at`.
    fn write_record(&self, m: &Message, fate: &Fate, at: Nanos) {
        let Some(records) = &self.records else {
            return;
        };
        let number = (self.sessions.get(&m.session)).map_or(String::new(), |o| o.number.clone());
        let identity = (m.id.clone().unwrap_or_default(), Some(m.session), number);
        let mut record = MessageRecord::of_fate(self.sc, fate, identity);
        record.answer = super::measured::record_answer(self.protocol, m.status);
        // The err of a receipt is not read back; its stat says the fate.
        record.err = None;
        record.final_s = (record.stat.as_ref()).map(|_| crate::records::seconds(at));
        records.write(&record);
    }

    /// Bind `bind`'s connection closed: the messages it had in flight are
    /// lost there (their sessions go on, as a user whose code never came),
    /// and it is opened again in the background.
    fn on_closed(&mut self, policy: &SessionPolicy, bind: usize) {
        let Transport::Smpp { senders, reopen } = &mut self.transport else {
            return;
        };
        if senders.get_mut(bind).and_then(Option::take).is_none() {
            return;
        }
        if !reopen.stop.is_cancelled() {
            reopen.again(bind);
        }
        self.outstanding[bind] = 0;
        let mut lost: Vec<u64> = (self.awaiting.iter())
            .filter(|((b, _), _)| *b == bind)
            .map(|(_, number)| *number)
            .collect();
        lost.sort_unstable();
        self.awaiting.retain(|(b, _), _| *b != bind);
        let now = self.now();
        for number in lost {
            self.figures.lost_at_disconnect += 1;
            // Its submit was never answered: to the user's app, it failed.
            let Some(m) = self.settle(number, (Outcome::LostInTransit, Receipt::Nothing), now)
            else {
                continue;
            };
            self.step(policy, m.session, Event::Submitted { accepted: false });
        }
    }

    fn on_incoming(&mut self, policy: &SessionPolicy, incoming: Incoming) {
        let now = self.now();
        match incoming {
            Incoming::Closed { bind } => self.on_closed(policy, bind),
            Incoming::Reopened { bind, sender } => {
                if let Transport::Smpp { senders, .. } = &mut self.transport
                    && let Some(slot) = senders.get_mut(bind)
                {
                    *slot = Some(sender);
                    self.figures.reconnects += 1;
                }
            }
            Incoming::GaveUp(e) => {
                self.failed.get_or_insert(e);
            }
            Incoming::Resp {
                bind,
                sequence,
                status,
                id,
            } => {
                self.outstanding[bind] = self.outstanding[bind].saturating_sub(1);
                let Some(number) = self.awaiting.remove(&(bind, sequence)) else {
                    return;
                };
                let Some(session) = self.messages.get(&number).map(|m| m.session) else {
                    return;
                };
                let accepted = status == 0;
                Counts::add(&self.counts.answered);
                self.on_answer(number, status);
                if let Some(m) = self.messages.get_mut(&number) {
                    m.status = Some(status);
                    m.id = (!id.is_empty()).then(|| id.clone());
                }
                if !accepted {
                    Counts::add(&self.counts.refused);
                    self.settle(number, (Outcome::Refused, Receipt::SubmitFailed), now);
                }
                self.step(policy, session, Event::Submitted { accepted });
                if accepted {
                    match self.strays.take(&id) {
                        Some(early) => {
                            self.strays.settled(&id);
                            let at = self.sim_of(early.at);
                            self.on_receipt(policy, number, &early.stat, at);
                        }
                        None => {
                            self.by_id.insert(id, number);
                        }
                    }
                }
            }
            Incoming::Receipt(receipt) => match self.by_id.remove(&receipt.id) {
                Some(number) => {
                    self.strays.settled(&receipt.id);
                    self.on_receipt(policy, number, &receipt.stat, now);
                }
                None => self.strays.hold(receipt),
            },
        }
    }

    /// The simulated time of wall instant `t`.
    fn sim_of(&self, t: Instant) -> Nanos {
        let since = t.saturating_duration_since(self.wall(0));
        (since.as_secs_f64() * self.clock.speed() * 1e9) as Nanos
    }

    /// The LOAD figures of a submit's answer: its latency, and its status
    /// when refused.
    fn on_answer(&mut self, number: u64, status: u32) {
        let Some(m) = self.messages.get(&number) else {
            return;
        };
        let us = (m.sent_wall.elapsed().as_micros() as u64).max(1);
        let f = &mut self.figures;
        f.resp_intended_us.saturating_record(us);
        f.resp_actual_us.saturating_record(us);
        if status != 0 {
            let label = super::measured::answer_label(self.protocol, status);
            *f.errors.entry(label).or_insert(0) += 1;
        }
    }

    fn on_receipt(&mut self, policy: &SessionPolicy, number: u64, stat: &str, at: Nanos) {
        let (outcome, receipt) = super::measured::outcome_of_stat(stat);
        Counts::add(&self.counts.receipts);
        if let Some(m) = self.messages.get(&number) {
            let us = (m.sent_wall.elapsed().as_micros() as u64).max(1);
            let f = &mut self.figures;
            f.receipt_intended_us.saturating_record(us);
            f.receipt_actual_us.saturating_record(us);
            *f.receipts.entry(stat.to_string()).or_insert(0) += 1;
        }
        let Some(m) = self.settle(number, (outcome, receipt), at) else {
            return;
        };
        let event = Event::Receipt {
            send: m.send,
            sent_at: m.sent_at,
            receipt,
            at,
        };
        self.step(policy, m.session, event);
    }

    /// The run's end: a shard keeps the receipts it could not match, and
    /// the ids of its messages that never got one, for `merge` to count
    /// those that went to another part (`account`); an unsharded run
    /// counts them.
    fn close_strays(&mut self, (account, shard): (String, bool)) {
        let started = self.wall(0);
        let at = |t: Instant| match t.checked_duration_since(started) {
            Some(d) => d.as_nanos() as i64,
            None => -(started.duration_since(t).as_nanos() as i64),
        };
        let kept = (self.strays.take_all().into_iter())
            .map(|s| super::leftover::KeptReceipt {
                at: at(s.at),
                id: s.id,
                stat: s.stat,
                err: s.err,
                submit_date: s.submit_date,
                done_date: s.done_date,
            })
            .collect::<Vec<_>>();
        let f = &mut self.figures;
        f.duplicate_receipts = self.strays.duplicates;
        if !shard {
            f.unmatched_receipts = kept.len() + self.strays.overflow;
            f.unmatched_sample = kept.into_iter().take(super::measured::SAMPLE).collect();
            return;
        }
        let mut unreceipted: Vec<String> = self.by_id.keys().cloned().collect();
        unreceipted.sort();
        let start_unix_ns = super::leftover::unix_now_ns() - started.elapsed().as_nanos() as i64;
        f.leftovers = Some(super::leftover::Leftovers {
            account,
            start_unix_ns,
            clock_id: super::leftover::clock_id(),
            provider: self.provider.index(),
            segments: self.text.segments(),
            unreceipted_ids: unreceipted,
            receipts: kept,
            receipts_not_kept: self.strays.overflow,
            ..Default::default()
        });
    }

    /// Whether the run is over once every user has arrived: every session
    /// has ended and every message is final, or `wait` has passed since the
    /// last send and no session has a timer left to wait for.
    fn finished(&self, wait: Duration) -> bool {
        let quiet = self.last_send.is_none_or(|t| t.elapsed() > wait);
        (self.active == 0 && self.messages.is_empty())
            || (quiet && (self.active == 0 || self.timers.is_empty()))
    }

    /// Time is up: sessions still open end as they stand (whatever they
    /// would still send is refused, no call is answered), and messages
    /// without a final answer are `lost`.
    fn end_all(&mut self, policy: &SessionPolicy) {
        let mut open: Vec<u64> = (self.sessions.iter())
            .filter(|(_, o)| o.ended.is_none())
            .map(|(id, _)| *id)
            .collect();
        open.sort_unstable();
        let far = Nanos::MAX / 4;
        for id in open {
            // Nothing more will come: each thing the session could still
            // wait for (a timer, a submit's answer, a call) comes out empty
            // in turn until it ends.
            let nothing = [
                Event::TimerFired,
                Event::Submitted { accepted: false },
                Event::VoiceResult { heard_at: None },
            ];
            let mut event = Event::TimerFired;
            for turn in 0..1_000 {
                event = match self.handle(policy, id, far, event) {
                    Action::Send { .. } => Event::Submitted { accepted: false },
                    Action::CallVoice { .. } => Event::VoiceResult { heard_at: None },
                    Action::Wait { until: Some(_) } => Event::TimerFired,
                    Action::Wait { until: None } => nothing[turn % nothing.len()],
                    Action::Done(end) => {
                        self.end(id, end);
                        break;
                    }
                };
            }
        }
        let mut left: Vec<u64> = self.messages.keys().copied().collect();
        left.sort_unstable();
        for number in left {
            let sent_at = self.messages[&number].sent_at;
            self.settle(number, (Outcome::LostInTransit, Receipt::Nothing), sent_at);
        }
    }
}

/// Opens the transport to `target`: `binds` SMPP transceivers, or the HTTP
/// client and the callback listener (one pool of `binds × window`
/// requests). Returns it with its binds and window; Ctrl-C while binding
/// gives a transport with no bind.
async fn transport(
    target: &Target,
    (binds, window): (usize, usize),
    incoming_tx: &mpsc::UnboundedSender<Incoming>,
    (live, http): (&Live, &super::http::HttpOptions),
) -> Result<(Transport, usize, usize), ClientError> {
    match target.protocol {
        Protocol::Smpp => {
            let reopen = Reopen {
                target: target.clone(),
                connect_timeout: http.connect_timeout,
                incoming: incoming_tx.clone(),
                stop: live.stop.clone(),
            };
            let senders = match open(&reopen, binds.max(1)).await {
                Err(ClientError::Interrupted) => Vec::new(),
                opened => opened?,
            };
            let transport = Transport::Smpp { senders, reopen };
            Ok((transport, binds.max(1), window))
        }
        Protocol::Http => {
            let receipts = incoming_tx.clone();
            let on_final: super::http::OnFinal = std::sync::Arc::new(move |sid, stat, at| {
                let status = Stray {
                    at,
                    ..Stray::status(sid, stat)
                };
                let _ = receipts.send(Incoming::Receipt(status));
            });
            let callbacks = super::http::listen(http, &target.password, on_final).await?;
            let transport = Transport::Http {
                client: super::http::client(http, target, binds * window)?,
                target: target.clone(),
                incoming: incoming_tx.clone(),
                callbacks,
                reached: Default::default(),
            };
            Ok((transport, 1, binds.max(1) * window))
        }
    }
}

/// How the sessions run: at `speed`, waiting `wait` for receipts after
/// the last send, from `start`; a shard keeps the receipts it cannot
/// match for `merge`.
pub struct Sessions<'a> {
    pub speed: f64,
    pub wait: Duration,
    pub live: &'a Live,
    pub http: &'a super::http::HttpOptions,
    pub start: Instant,
    pub shard: bool,
}

/// Runs the sessions of `schedule` against the target; returns the
/// session and message metrics.
#[allow(clippy::too_many_arguments)] // one call site, each argument named there
pub async fn run(
    sc: &Scenario,
    provider: ProviderId,
    target: &Target,
    binds: usize,
    window: usize,
    schedule: super::schedule::Schedule,
    how: Sessions<'_>,
    text: &MessageText,
) -> Result<(Metrics, Measured), ClientError> {
    let (speed, wait, live, http) = (how.speed, how.wait, how.live, how.http);
    let (incoming_tx, mut incoming) = mpsc::unbounded_channel();
    let (transport, binds, window) =
        transport(target, (binds, window), &incoming_tx, (live, http)).await?;
    let routing = Routing::Single(provider);
    let policy = SessionPolicy {
        otp: &sc.otp,
        router: Router::new(&routing, crate::des::RngStreams::new(sc.seed, 0)),
    };
    let mut d = Driver {
        sc,
        provider,
        text,
        clock: RealClock::start_at(how.start, speed),
        outstanding: vec![0; binds],
        transport,
        window,
        next_bind: 0,
        next_sequence: 2,
        sessions: HashMap::new(),
        active: 0,
        timers: BinaryHeap::new(),
        messages: HashMap::new(),
        next_message: 0,
        awaiting: HashMap::new(),
        by_id: HashMap::new(),
        strays: Strays::default(),
        sent: 0,
        last_send: None,
        metrics: Metrics::for_scenario(sc),
        figures: Measured::empty(sc),
        protocol: target.protocol,
        counts: live.counts.clone(),
        records: live.records.clone(),
        failed: None,
    };
    let started = d.clock.wall_time_of(0);
    drive(&mut d, &policy, schedule, &mut incoming, (wait, live)).await;
    if let Some(e) = d.failed.take() {
        return Err(e);
    }
    if let Transport::Http { reached, .. } = &d.transport {
        let (any, first) = reached.lock().expect("reached").clone();
        if !any && d.sent > 0 && !live.stop.is_cancelled() {
            return Err(ClientError::Unreachable {
                target: target.display(),
                sent: d.sent,
                first: first.unwrap_or_else(|| "none answered".into()),
            });
        }
    }
    d.end_all(&policy);
    d.close_strays((target.display(), how.shard));
    let mut figures = d.figures;
    figures.metrics = d.metrics.clone();
    figures.seconds = started.elapsed().as_secs_f64();
    figures.interrupted_after = live
        .interrupted_at()
        .map(|i| i.saturating_duration_since(started).as_secs_f64());
    Ok((d.metrics, figures))
}

/// The event loop: arrivals on the schedule, the sessions' timers, and
/// what the target answers, until `Driver::finished` or Ctrl-C.
async fn drive(
    d: &mut Driver<'_>,
    policy: &SessionPolicy<'_>,
    schedule: super::schedule::Schedule,
    incoming: &mut mpsc::UnboundedReceiver<Incoming>,
    (wait, live): (Duration, &Live),
) {
    let mut planned = schedule.peekable();
    let mut next = 0u64;
    loop {
        let due_arrival = planned.peek().map(|(_, p)| p.at);
        let due_timer = d.timers.peek().map(|Reverse((t, _))| *t);
        let over = due_arrival.is_none() && d.finished(wait);
        if live.stop.is_cancelled() || d.failed.is_some() || over {
            return;
        }
        // Waking at least every 50 ms to see whether the run is over.
        let soon = Instant::now() + Duration::from_millis(50);
        let due = due_arrival.into_iter().chain(due_timer).min();
        let sleep_to = due.map_or(soon, |t| d.wall(t).min(soon));
        tokio::select! {
            _ = live.stop.cancelled() => return,
            Some(incoming) = incoming.recv() => d.on_incoming(policy, incoming),
            _ = tokio::time::sleep_until(sleep_to.into()) => {
                let now = d.now();
                if due_arrival.is_some_and(|t| t <= now) {
                    let (_, p) = planned.next().expect("peeked");
                    d.arrive(policy, next, p);
                    next += 1;
                } else if due_timer.is_some_and(|t| t <= now) {
                    let Reverse((_, id)) = d.timers.pop().expect("peeked");
                    d.step(policy, id, Event::TimerFired);
                }
            }
        }
    }
}
