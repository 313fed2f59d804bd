//! The SMPP side of a load run: transceiver binds with a window each, an
//! open-loop sender on the absolute schedule (a send that cannot leave on
//! time is counted late; one still held by a full window `max_late` after
//! its time is dropped and counted), and a reader that matches receipts to their messages by id,
//! also when a receipt comes before its submit_sm_resp.

use super::error::{LoadError, describe_decode};
use super::live::{Counts, Live};
use super::schedule::Planned;
use super::target::Target;
use futures_util::{SinkExt, StreamExt};
use rusmpp::pdus::{BindTransceiver, DeliverSm, DeliverSmResp, SubmitSm};
use rusmpp::tlvs::TlvValue;
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::types::{COctetString, OctetString};
use rusmpp::values::{MessageState, RegisteredDelivery};
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, Semaphore};
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;

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
    /// Sent again after a throttle (ESME_RTHROTTLED, HTTP 429), and when
    /// it was last sent.
    pub resubmits: u32,
    pub last_sent: Option<Instant>,
}

/// What to do when the target throttles: pause sending for `backoff`, and
/// send the throttled message again after it, up to `retries` times
/// (then it counts refused).
#[derive(Debug, Clone, Copy, Default)]
pub struct Throttling {
    pub backoff: Duration,
    pub retries: u32,
}

/// The next thing a sender does.
pub(super) enum Next {
    /// Send planned message `k` at `due`; `retry` if it is a resubmission.
    Send {
        k: usize,
        due: Instant,
        retry: bool,
    },
    /// Nothing is due, but throttled messages may still come back.
    Idle,
    Done,
}

/// Nothing is due yet: waits briefly, as throttled messages may still come
/// back for another try. False once `wait` has passed since the sender ran
/// dry, or when the run is stopped.
pub(super) async fn wait_for_retries(
    drained_at: &mut Option<Instant>,
    wait: Duration,
    stop: &CancellationToken,
) -> bool {
    if drained_at.get_or_insert_with(Instant::now).elapsed() > wait {
        return false;
    }
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_millis(2)) => true,
        _ = stop.cancelled() => false,
    }
}

/// Sleeps until `at`; false if the run is stopped first.
pub(super) async fn sleep_until_or_stop(at: Instant, stop: &CancellationToken) -> bool {
    tokio::select! {
        _ = tokio::time::sleep_until(at.into()) => true,
        _ = stop.cancelled() => false,
    }
}

/// Picks the earlier of the next planned message and the next resubmission.
pub(super) fn next_send(
    planned: Option<(usize, Instant)>,
    retry: Option<(usize, Instant)>,
    outstanding: bool,
) -> Next {
    match (planned, retry) {
        (Some((_, due)), Some((k, ready))) if ready <= due => Next::Send {
            k,
            due: ready,
            retry: true,
        },
        (None, Some((k, ready))) => Next::Send {
            k,
            due: ready,
            retry: true,
        },
        (Some((k, due)), _) => Next::Send {
            k,
            due,
            retry: false,
        },
        (None, None) if outstanding => Next::Idle,
        (None, None) => Next::Done,
    }
}

impl Book {
    fn answered_on(&self, bind: usize) -> u64 {
        self.answered.get(&bind).copied().unwrap_or(0)
    }

    /// Bind `bind` of `binds` has nothing more to send (once counted).
    fn finish_sending(&mut self, bind: usize, binds: usize) {
        if self.done_binds.contains(&bind) {
            return;
        }
        self.done_binds.push(bind);
        if self.done_binds.len() == binds {
            self.all_sent_at = Some(Instant::now());
        }
    }
}

/// The acknowledgement of the deliver_sm with this sequence number.
pub fn receipt_ack(sequence: u32) -> Command {
    Command::new(
        CommandStatus::EsmeRok,
        sequence,
        DeliverSmResp::builder().build(),
    )
}

/// A submit_sm_resp's status and message id. Matched on the command id:
/// a refusal may come without a body (as the npm `smpp` server sends it),
/// which rusmpp decodes with no PDU.
pub fn submit_resp(command: &Command) -> Option<(u32, String)> {
    if command.id() != CommandId::SubmitSmResp {
        return None;
    }
    let id = match command.pdu() {
        Some(Pdu::SubmitSmResp(resp)) => resp.message_id().as_str().to_string(),
        _ => String::new(),
    };
    Some((u32::from(command.status()), id))
}

/// An OTP message to `number`, asking for a receipt.
pub fn otp_submit(number: &str) -> Result<SubmitSm, LoadError> {
    let destination = text(number).ok_or_else(|| LoadError::Number(number.to_string()))?;
    Ok(SubmitSm::builder()
        .source_addr(text("SIMSMS").expect("a short ASCII name"))
        .destination_addr(destination)
        .registered_delivery(RegisteredDelivery::from(1))
        .short_message(OctetString::from_slice(b"Your code is 123456").expect("short"))
        .build())
}

/// Everything a run observed.
pub struct Transcript {
    pub observed: Vec<Observed>,
    pub reconnects: usize,
    /// Messages in flight on a connection when it closed.
    pub lost_at_disconnect: usize,
    /// HTTP: status callbacks whose X-Twilio-Signature did not verify.
    pub bad_signatures: usize,
    /// HTTP: requests without any answer, and the first one's error.
    pub unanswered: (usize, Option<String>),
}

#[derive(Default)]
struct Book {
    observed: Vec<Observed>,
    /// Messages sent, and those that reached a final answer (a refusal or
    /// a final receipt), over every bind: a receipt may come on any bind.
    sent: usize,
    finals: usize,
    /// Binds done sending, and when the last of them finished.
    done_binds: Vec<usize>,
    /// Connections re-opened, and messages in flight when one closed.
    reconnects: usize,
    lost_at_disconnect: usize,
    /// Per bind: no sends before this (backing off after ESME_RTHROTTLED).
    paused_until: HashMap<usize, Instant>,
    throttling: Throttling,
    /// Each planned message's number (for sending one again).
    numbers: Vec<String>,
    /// Per bind: throttled messages to send again, and when.
    retries: HashMap<usize, std::collections::VecDeque<(usize, Instant)>>,
    all_sent_at: Option<Instant>,
    /// message_id → planned index, once the resp is in.
    ids: HashMap<String, usize>,
    /// Receipts that came before their resp: id → (stat, at).
    early: HashMap<String, (String, Instant)>,
    /// (bind, sequence) → planned index, while the resp is awaited.
    waiting: HashMap<(usize, u32), usize>,
    /// Per bind: submit_sm_resps received, over all its connections.
    answered: HashMap<usize, u64>,
    live: Live,
}

/// Sends `planned` over `binds` transceivers starting at `start`; waits
/// for receipts up to `wait` after the last send. A message whose bind's
/// window stays full longer than `max_late` past its time is dropped.
pub async fn run(
    target: &Target,
    binds: usize,
    planned: &[Planned],
    pacing: Pacing,
    (throttling, live): (Throttling, &Live),
) -> Result<Transcript, LoadError> {
    let book = Arc::new(Mutex::new(Book {
        observed: vec![Observed::default(); planned.len()],
        throttling,
        numbers: planned.iter().map(|p| p.number.clone()).collect(),
        live: live.clone(),
        ..Book::default()
    }));
    let binds = binds.max(1);
    let mut tasks = tokio::task::JoinSet::new();
    for b in 0..binds {
        let mine: Vec<(usize, Planned)> = planned
            .iter()
            .cloned()
            .enumerate()
            .filter(|(k, _)| k % binds == b)
            .collect();
        let (target, book) = (target.clone(), book.clone());
        tasks.spawn(async move { bind_loop(target, pacing, mine, book, (b, binds)).await });
    }
    // The first bind to fail ends the run at once (not after the others
    // have sent their share).
    while let Some(done) = tasks.join_next().await {
        let failed = match done {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => e,
            Err(e) => LoadError::Task(e.to_string()),
        };
        live.stop.cancel();
        tasks.abort_all();
        return Err(failed);
    }
    let book = book.lock().await;
    Ok(Transcript {
        observed: book.observed.clone(),
        reconnects: book.reconnects,
        lost_at_disconnect: book.lost_at_disconnect,
        bad_signatures: 0,
        unanswered: (0, None),
    })
}

/// How often an idle-looking bind proves it is alive.
const ENQUIRE_LINK_EVERY: Duration = Duration::from_secs(30);

/// How each bind paces its messages.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// Outstanding submits per bind.
    pub window: usize,
    /// The moment planned times count from.
    pub start: Instant,
    /// How long to wait for receipts after the last send.
    pub wait: Duration,
    /// How long a message may wait for window room before it is dropped.
    pub max_late: Duration,
    /// How long connecting may take, and again the bind's answer.
    pub connect_timeout: Duration,
}

/// Connects and binds as a transceiver, within `timeout` for the
/// connection and again for the bind's answer; Ctrl-C (`stop`) ends the
/// wait at once with `LoadError::Interrupted`.
pub async fn connect(
    target: &Target,
    timeout: Duration,
    stop: &CancellationToken,
) -> Result<Framed<TcpStream, CommandCodec>, LoadError> {
    tokio::select! {
        bound = connect_and_bind(target, timeout) => bound,
        _ = stop.cancelled() => Err(LoadError::Interrupted),
    }
}

async fn connect_and_bind(
    target: &Target,
    timeout: Duration,
) -> Result<Framed<TcpStream, CommandCodec>, LoadError> {
    let name = target.display();
    let seconds = timeout.as_secs_f64();
    let system_id = text(&target.user).ok_or_else(|| LoadError::Credential {
        field: "system_id",
        max: 15,
        got: format!("\"{}\"", target.user),
    })?;
    let password = text(&target.password).ok_or_else(|| LoadError::Credential {
        field: "password",
        max: 8,
        got: format!("{} characters", target.password.chars().count()),
    })?;
    let connecting = TcpStream::connect((target.host.as_str(), target.port));
    let stream = tokio::time::timeout(timeout, connecting)
        .await
        .map_err(|_| LoadError::ConnectTimeout {
            target: name.clone(),
            seconds,
        })?
        .map_err(|e| LoadError::Connect {
            target: name.clone(),
            reason: e.to_string(),
        })?;
    let _ = stream.set_nodelay(true);
    let mut framed = Framed::new(stream, CommandCodec::new());
    let bind_pdu = BindTransceiver::builder()
        .system_id(system_id)
        .password(password)
        .build();
    let broken = |reason: String| LoadError::Connection {
        target: name.clone(),
        reason,
    };
    let bind = Command::new(CommandStatus::EsmeRok, 1, bind_pdu);
    let answer = tokio::time::timeout(timeout, async {
        framed.send(bind).await.map_err(|e| broken(e.to_string()))?;
        Ok(framed.next().await)
    });
    let answer = answer.await.map_err(|_| LoadError::BindTimeout {
        target: name.clone(),
        seconds,
    })??;
    match answer {
        Some(Ok(c)) if c.status() == CommandStatus::EsmeRok => Ok(framed),
        Some(Ok(c)) => Err(LoadError::bind_refused(name, u32::from(c.status()))),
        Some(Err(rusmpp::tokio_codec::DecodeError::Io(e))) => Err(broken(e.to_string())),
        Some(Err(e)) => Err(LoadError::NotSmpp {
            target: name,
            reason: describe_decode(&e),
        }),
        None => Err(LoadError::ClosedAtBind { target: name }),
    }
}

/// Binds that fail (or connections that close unanswered) this many times
/// in a row end the run (docs/load.md, docs/limits.md).
pub const BIND_ATTEMPTS: u32 = 5;

/// A bind's consecutive failures since its last answered connection.
#[derive(Default)]
struct Failures(u32);

impl Failures {
    /// Counts one more failure: waits before the next attempt (100 ms,
    /// doubling), or gives up after `BIND_ATTEMPTS` with the last reason.
    async fn again(
        &mut self,
        target: &Target,
        last: String,
        stop: &CancellationToken,
    ) -> Result<(), LoadError> {
        self.0 += 1;
        if self.0 >= BIND_ATTEMPTS {
            return Err(LoadError::BindKeepsFailing {
                target: target.display(),
                attempts: self.0,
                last,
            });
        }
        let pause = Duration::from_millis(100) * 2u32.pow(self.0 - 1);
        sleep_until_or_stop(Instant::now() + pause, stop).await;
        Ok(())
    }
}

/// One bind's share of the schedule. A dropped connection is re-opened and
/// re-bound; the messages it had in flight are counted lost there.
async fn bind_loop(
    target: Target,
    pacing: Pacing,
    mine: Vec<(usize, Planned)>,
    book: Arc<Mutex<Book>>,
    (bind, binds): (usize, usize),
) -> Result<(), LoadError> {
    let mut queue: std::collections::VecDeque<(usize, Planned)> = mine.into();
    let last_due = queue.back().map_or(pacing.start, |(_, p)| {
        pacing.start + Duration::from_nanos(p.at)
    });
    let mut connected_once = false;
    let mut failures = Failures::default();
    let stop = book.lock().await.live.stop.clone();
    while !stop.is_cancelled() {
        let framed = match connect(&target, pacing.connect_timeout, &stop).await {
            Ok(f) => f,
            Err(LoadError::Interrupted) => break,
            Err(e) if !connected_once => return Err(e),
            Err(_) if Instant::now() > last_due + pacing.max_late => break,
            Err(e) => {
                failures.again(&target, e.to_string(), &stop).await?;
                continue;
            }
        };
        if connected_once {
            book.lock().await.reconnects += 1;
        }
        connected_once = true;
        let answered_before = book.lock().await.answered_on(bind);
        let finished = one_connection(framed, pacing, &mut queue, &book, (bind, binds)).await?;
        if finished {
            // Unanswered by the end of the wait: counted `lost`, not as
            // lost to a disconnect.
            break;
        }
        // The connection closed: what it had in flight will never be answered.
        let answered = {
            let mut b = book.lock().await;
            let lost: Vec<(usize, u32)> = b
                .waiting
                .keys()
                .filter(|(w, _)| *w == bind)
                .copied()
                .collect();
            for key in lost {
                b.waiting.remove(&key);
                b.lost_at_disconnect += 1;
                b.finals += 1;
            }
            b.answered_on(bind) > answered_before
        };
        // A connection that closed before answering anything is a failed
        // bind too (a server at its bind limit may accept, then close).
        if answered {
            failures = Failures::default();
        } else {
            let why = "the connection closed before any submit was answered";
            failures.again(&target, why.into(), &stop).await?;
        }
    }
    // Gave up reconnecting: what is left is never sent (counted dropped).
    book.lock().await.finish_sending(bind, binds);
    Ok(())
}

/// Sends from `queue` on one connection until it is empty and every answer
/// is in (true), or the connection closes (false).
async fn one_connection(
    framed: Framed<TcpStream, CommandCodec>,
    pacing: Pacing,
    queue: &mut std::collections::VecDeque<(usize, Planned)>,
    book: &Arc<Mutex<Book>>,
    (bind, binds): (usize, usize),
) -> Result<bool, LoadError> {
    let Pacing {
        window,
        start,
        wait,
        max_late,
        ..
    } = pacing;
    let (mut sink, mut stream) = framed.split();
    let room = Arc::new(Semaphore::new(window));
    let closed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (acks_tx, mut acks) = tokio::sync::mpsc::unbounded_channel::<u32>();
    let mut reader = {
        let (room, book, closed) = (room.clone(), book.clone(), closed.clone());
        tokio::spawn(async move {
            loop {
                let next = tokio::time::timeout(Duration::from_millis(50), stream.next()).await;
                let mut b = book.lock().await;
                match next {
                    Ok(Some(Ok(command))) => {
                        let finals = on_command(&mut b, bind, &command, &room, &acks_tx);
                        b.finals += finals;
                    }
                    Ok(_) => {
                        closed.store(true, std::sync::atomic::Ordering::Relaxed);
                        room.close();
                        return false;
                    }
                    Err(_) => {}
                }
                // Every bind has sent: stop when every message has its final
                // answer, or `wait` after the last send.
                if b.live.stop.is_cancelled()
                    || (b.done_binds.len() == binds
                        && (b.finals >= b.sent
                            || b.all_sent_at.is_some_and(|t| t.elapsed() > wait)))
                {
                    return true;
                }
            }
        })
    };
    let mut sequence = 2u32;
    let mut last_enquire = Instant::now();
    let stop = book.lock().await.live.stop.clone();
    let mut drained_at = None;
    loop {
        let next = {
            let b = book.lock().await;
            let retry = b.retries.get(&bind).and_then(|q| q.front()).copied();
            let planned = queue
                .front()
                .map(|(k, p)| (*k, start + Duration::from_nanos(p.at)));
            next_send(planned, retry, room.available_permits() < window)
        };
        let (k, due, retry) = match next {
            Next::Send { k, due, retry } => (k, due, retry),
            Next::Done => break,
            Next::Idle if wait_for_retries(&mut drained_at, wait, &stop).await => continue,
            Next::Idle => break,
        };
        if !sleep_until_or_stop(due, &stop).await {
            break;
        }
        // Backing off after a throttle: the message leaves late.
        let paused = book.lock().await.paused_until.get(&bind).copied();
        if let Some(until) = paused.filter(|u| *u > Instant::now())
            && !sleep_until_or_stop(until, &stop).await
        {
            break;
        }
        if last_enquire.elapsed() > ENQUIRE_LINK_EVERY {
            last_enquire = Instant::now();
            let enquire = Command::new(CommandStatus::EsmeRok, 1, Pdu::EnquireLink);
            if sink.feed(enquire).await.is_err() {
                return Ok(false);
            }
        }
        if closed.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(false);
        }
        while let Ok(seq) = acks.try_recv() {
            let ack = receipt_ack(seq);
            if sink.feed(ack).await.is_err() {
                return Ok(false);
            }
        }
        // A full window holds the message back (it leaves late) up to
        // `max_late` past its intended time; beyond that it is dropped. The
        // schedule never moves: later messages keep their intended times.
        let deadline = due + max_late;
        let permit = tokio::select! {
            permit = tokio::time::timeout_at(deadline.into(), room.clone().acquire_owned()) => permit,
            _ = stop.cancelled() => break,
        };
        match permit {
            Ok(Ok(permit)) => permit.forget(),
            Ok(Err(_)) => return Ok(false),
            Err(_) => {
                let mut b = book.lock().await;
                if retry {
                    // Not sent again: it stays refused (throttled), final.
                    b.retries.get_mut(&bind).map(|q| q.pop_front());
                    b.finals += 1;
                } else {
                    queue.pop_front();
                    Counts::add(&b.live.counts.dropped);
                }
                continue;
            }
        }
        let number = if retry {
            book.lock().await.numbers.get(k).cloned()
        } else {
            queue.front().map(|(_, p)| p.number.clone())
        };
        let submit = otp_submit(&number.unwrap_or_default())?;
        // Registered before it is written: the resp (and the receipt) may
        // come back before `send` returns.
        let now = Instant::now();
        {
            let mut b = book.lock().await;
            if !retry {
                b.observed[k].sent = Some(now);
                b.observed[k].late = now.duration_since(due) > Duration::from_millis(10);
                b.sent += 1;
                Counts::add(&b.live.counts.sent);
            }
            b.observed[k].last_sent = Some(now);
            b.waiting.insert((bind, sequence), k);
        }
        let command = Command::new(CommandStatus::EsmeRok, sequence, submit);
        if sink.send(command).await.is_err() {
            // Not sent after all: it goes again after reconnecting.
            let mut b = book.lock().await;
            b.waiting.remove(&(bind, sequence));
            if !retry {
                b.observed[k] = Observed::default();
                b.sent -= 1;
            }
            return Ok(false);
        }
        if retry {
            book.lock()
                .await
                .retries
                .get_mut(&bind)
                .map(|q| q.pop_front());
        } else {
            queue.pop_front();
        }
        sequence = sequence.wrapping_add(1).max(2);
    }
    book.lock().await.finish_sending(bind, binds);
    let mut enquire = tokio::time::interval(ENQUIRE_LINK_EVERY);
    enquire.tick().await;
    let finished = loop {
        tokio::select! {
            done = &mut reader => break done.unwrap_or(false),
            _ = enquire.tick() => {
                let link = Command::new(CommandStatus::EsmeRok, 1, Pdu::EnquireLink);
                if sink.send(link).await.is_err() {
                    break false;
                }
            }
            Some(seq) = acks.recv() => {
                let ack = receipt_ack(seq);
                if sink.send(ack).await.is_err() {
                    break false;
                }
            }
        }
    };
    // Acknowledge the last receipts and unbind, unless Ctrl-C came (then
    // nothing more is written) or the target stopped reading.
    let unbind = async {
        while let Ok(seq) = acks.try_recv() {
            let _ = sink.feed(receipt_ack(seq)).await;
        }
        let _ = (sink.send(Command::new(CommandStatus::EsmeRok, 1, Pdu::Unbind))).await;
    };
    tokio::select! {
        _ = tokio::time::timeout(pacing.connect_timeout, unbind) => {}
        _ = stop.cancelled() => {}
    }
    Ok(finished)
}

/// `s` as an SMPP C-octet string, if it fits.
pub(super) fn text<const MIN: usize, const MAX: usize>(s: &str) -> Option<COctetString<MIN, MAX>> {
    COctetString::from_string(s.to_string()).ok()
}

/// Handles one PDU from the server; returns how many messages got their
/// final receipt.
fn on_command(
    b: &mut Book,
    bind: usize,
    command: &Command,
    room: &Semaphore,
    acks: &tokio::sync::mpsc::UnboundedSender<u32>,
) -> usize {
    let now = Instant::now();
    if let Some((status, id)) = submit_resp(command) {
        room.add_permits(1);
        *b.answered.entry(bind).or_insert(0) += 1;
        let Some(k) = b.waiting.remove(&(bind, command.sequence_number())) else {
            return 0;
        };
        b.observed[k].resp = Some((status, now));
        Counts::add(&b.live.counts.answered);
        if status != 0 {
            Counts::add(&b.live.counts.refused);
        }
        if command.status() == CommandStatus::EsmeRthrottled {
            let Throttling { backoff, retries } = b.throttling;
            b.paused_until.insert(bind, now + backoff);
            if b.observed[k].resubmits < retries {
                // Not final: it goes again after the backoff.
                b.observed[k].resubmits += 1;
                b.retries
                    .entry(bind)
                    .or_default()
                    .push_back((k, now + backoff));
                return 0;
            }
        }
        if status != 0 {
            return 1;
        }
        if let Some((stat, at)) = b.early.remove(&id) {
            b.observed[k].receipt = Some((stat, at));
            Counts::add(&b.live.counts.receipts);
            return 1;
        }
        b.ids.insert(id, k);
        return 0;
    }
    match command.pdu() {
        Some(Pdu::DeliverSm(d)) => {
            let _ = acks.send(command.sequence_number());
            let Some((id, stat)) = receipt_fields(d) else {
                return 0;
            };
            match b.ids.remove(&id) {
                Some(k) if b.observed[k].receipt.is_none() => {
                    b.observed[k].receipt = Some((stat, now));
                    Counts::add(&b.live.counts.receipts);
                    1
                }
                Some(_) => 0,
                None => {
                    b.early.insert(id, (stat, now));
                    0
                }
            }
        }
        _ => 0,
    }
}

/// The receipted message id and stat: from the TLVs when present, else
/// from the receipt text.
pub(super) fn receipt_fields(d: &DeliverSm) -> Option<(String, String)> {
    let mut id = None;
    let mut state = None;
    for tlv in d.tlvs() {
        match tlv.value() {
            Some(TlvValue::ReceiptedMessageId(v)) => id = Some(v.as_str().to_string()),
            Some(TlvValue::MessageState(s)) => state = Some(*s),
            _ => {}
        }
    }
    let text = String::from_utf8_lossy(d.short_message().as_ref()).into_owned();
    let field = |name: &str| {
        text.split(' ')
            .find_map(|f| f.strip_prefix(name))
            .map(str::to_string)
    };
    let stat = match state {
        Some(MessageState::Delivered) => Some("DELIVRD".to_string()),
        Some(MessageState::Expired) => Some("EXPIRED".to_string()),
        Some(MessageState::Undeliverable) => Some("UNDELIV".to_string()),
        Some(MessageState::Rejected) => Some("REJECTD".to_string()),
        _ => field("stat:"),
    }?;
    Some((id.or_else(|| field("id:"))?, stat))
}
