//! The SMPP side of a load run: transceiver binds with a window each, an
//! open-loop sender on the absolute schedule (a send that cannot leave on
//! time is counted late; one still held by a full window `max_late` after
//! its time is dropped and counted), and a reader that matches receipts to their messages by id,
//! also when a receipt comes before its submit_sm_resp.

use super::body::MessageText;
use super::live::{Counts, Live};
use super::schedule::Schedule;
use super::stray::Stray;
use super::tally::{Flights, Observed, Tally};
use crate::model::Receipt;
use crate::protocol::ClientError;
use crate::protocol::smpp::client::{Incoming, Sender, Session, connect};
use crate::protocol::smpp::parts;
use crate::protocol::target::Target;
use crate::protocol::vocabulary::{smpp_stat, stat_of_state};
use rusmpp::CommandStatus;
use rusmpp::values::MessageState;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

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
        k: u64,
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
    planned: Option<(u64, Instant)>,
    retry: Option<(u64, Instant)>,
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

/// Everything a run observed.
pub struct Transcript {
    /// Every message folded in: final, dropped, or lost at the end.
    pub tally: super::measured::Measured,
    pub reconnects: usize,
    /// Messages in flight on a connection when it closed.
    pub lost_at_disconnect: usize,
    /// HTTP: status callbacks whose X-Twilio-Signature did not verify.
    pub bad_signatures: usize,
    /// HTTP: requests without any answer, and the first one's error.
    pub unanswered: (usize, Option<String>),
}

struct Book {
    /// Messages sent and not yet final, and the figures of the others.
    flights: Flights,
    tally: Tally,
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
    /// Per bind: throttled messages to send again, and when.
    retries: HashMap<usize, VecDeque<(u64, Instant)>>,
    all_sent_at: Option<Instant>,
    /// message_id → planned message, once the resp is in. A receipt for
    /// an id not (yet) here is held by the tally's strays.
    ids: HashMap<String, u64>,
    /// (bind, sequence) → planned message, while the resp is awaited.
    waiting: HashMap<(usize, u32), u64>,
    /// Per bind: submit_sm_resps received, over all its connections.
    answered: HashMap<usize, u64>,
    live: Live,
    /// What each message says; a message of several parts is final when
    /// every part's receipt is in, or one part is refused.
    text: MessageText,
    /// `--query`: how long after its resp a part without a receipt is
    /// queried (and queried again).
    query_after: Option<Duration>,
    /// Per bind: accepted message ids to query, in due order.
    to_query: HashMap<usize, VecDeque<(Instant, String)>>,
    /// (bind, sequence) of a query_sm → the id it asked about.
    querying: HashMap<(usize, u32), String>,
}

impl Book {
    fn new(tally: Tally, throttling: Throttling, live: &Live, text: &MessageText) -> Book {
        Book {
            flights: Flights::new(),
            tally,
            sent: 0,
            finals: 0,
            done_binds: Vec::new(),
            reconnects: 0,
            lost_at_disconnect: 0,
            paused_until: HashMap::new(),
            throttling,
            retries: HashMap::new(),
            all_sent_at: None,
            ids: HashMap::new(),
            waiting: HashMap::new(),
            answered: HashMap::new(),
            live: live.clone(),
            text: text.clone(),
            query_after: None,
            to_query: HashMap::new(),
            querying: HashMap::new(),
        }
    }

    /// Message `k` has its final answer: folded into the tally (once,
    /// though each of its parts may report it).
    fn settle(&mut self, k: u64) {
        if self.flights.contains_key(&k) {
            self.finals += 1;
            self.tally.settle(&mut self.flights, k);
        }
    }

    fn observed(&mut self, k: u64) -> Option<&mut Observed> {
        self.flights.get_mut(&k).map(|(_, o)| o)
    }
}

/// Sends each bind's part of the schedule (`schedules`, one per
/// transceiver) from `pacing.start`; waits for receipts up to `wait` after
/// the last send. A message whose bind's window stays full longer than
/// `max_late` past its time is dropped.
pub async fn run(
    target: &Target,
    schedules: Vec<Schedule>,
    tally: Tally,
    pacing: Pacing,
    (throttling, live, text): (Throttling, &Live, &MessageText),
    query_after: Option<Duration>,
) -> Result<Transcript, ClientError> {
    let mut book = Book::new(tally, throttling, live, text);
    book.query_after = query_after;
    let book = Arc::new(Mutex::new(book));
    let binds = schedules.len();
    let mut tasks = tokio::task::JoinSet::new();
    for (b, schedule) in schedules.into_iter().enumerate() {
        let (target, book) = (target.clone(), book.clone());
        tasks.spawn(async move { bind_loop(target, pacing, schedule, book, (b, binds)).await });
    }
    // The first bind to fail ends the run at once (not after the others
    // have sent their share).
    while let Some(done) = tasks.join_next().await {
        let failed = match done {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => e,
            Err(e) => ClientError::Task(e.to_string()),
        };
        live.stop.cancel();
        tasks.abort_all();
        return Err(failed);
    }
    let mut b = book.lock().await;
    let mut flights = std::mem::take(&mut b.flights);
    // Unanswered by the end of the wait: `lost` (a shard keeps those
    // accepted and waiting for a receipt, for `merge`).
    let ids = std::mem::take(&mut b.ids);
    b.tally.finish(&mut flights, ids);
    b.tally.close(target.display());
    Ok(Transcript {
        tally: b.tally.take(),
        reconnects: b.reconnects,
        lost_at_disconnect: b.lost_at_disconnect,
        bad_signatures: 0,
        unanswered: (0, None),
    })
}

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

/// Binds that fail (or connections that close unanswered) this many times
/// in a row end the run (docs/load.md, docs/limits.md).
pub const BIND_ATTEMPTS: u32 = 5;

/// A bind's consecutive failures since its last answered connection.
#[derive(Default)]
pub(super) struct Failures(u32);

impl Failures {
    /// Counts one more failure: waits before the next attempt (100 ms,
    /// doubling), or gives up after `BIND_ATTEMPTS` with the last reason.
    pub(super) async fn again(
        &mut self,
        target: &Target,
        last: String,
        stop: &CancellationToken,
    ) -> Result<(), ClientError> {
        self.0 += 1;
        if self.0 >= BIND_ATTEMPTS {
            return Err(ClientError::BindKeepsFailing {
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
    schedule: Schedule,
    book: Arc<Mutex<Book>>,
    (bind, binds): (usize, usize),
) -> Result<(), ClientError> {
    let last_due = pacing.start + Duration::from_nanos(schedule.span());
    let mut queue = schedule.peekable();
    let mut connected_once = false;
    let mut failures = Failures::default();
    let stop = book.lock().await.live.stop.clone();
    while !stop.is_cancelled() {
        let session = match connect(&target, pacing.connect_timeout, &stop).await {
            Ok(f) => f,
            Err(ClientError::Interrupted) => break,
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
        let finished = one_connection(session, pacing, &mut queue, &book, (bind, binds)).await?;
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
                if let Some(k) = b.waiting.remove(&key) {
                    b.lost_at_disconnect += 1;
                    b.settle(k);
                }
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
    // Gave up reconnecting, or stopped: what is left is never sent. After
    // Ctrl-C it was never planned; otherwise it counts dropped.
    let mut b = book.lock().await;
    if !stop.is_cancelled() {
        for _ in queue {
            b.tally.dropped();
            Counts::add(&b.live.counts.dropped);
        }
    }
    b.finish_sending(bind, binds);
    Ok(())
}

/// The planned messages of one bind, made as they are sent.
type Queue = std::iter::Peekable<Schedule>;

/// A message to send now: planned message `k` (its number), which is a
/// resubmission if `retry`.
struct Sending {
    k: u64,
    due: Instant,
    retry: bool,
}

/// What a connection's reader reports when it ends: every answer is in
/// (or the run stopped), or the connection closed.
type Reader = tokio::task::JoinHandle<bool>;

/// Sends from `queue` on one connection until it is empty and every answer
/// is in (true), or the connection closes (false).
async fn one_connection(
    session: Session,
    pacing: Pacing,
    queue: &mut Queue,
    book: &Arc<Mutex<Book>>,
    (bind, binds): (usize, usize),
) -> Result<bool, ClientError> {
    let Session {
        mut sender,
        incoming,
    } = session;
    let room = Arc::new(Semaphore::new(pacing.window));
    let closed = Arc::new(AtomicBool::new(false));
    let querier = sender.clone();
    let reader = spawn_reader(
        (incoming, querier),
        pacing.wait,
        book,
        (&room, &closed),
        (bind, binds),
    );
    // The reader ends with the connection whichever way this returns.
    let mut reader = AbortOnDrop(reader);
    let stop = book.lock().await.live.stop.clone();
    let sent = send_all(&mut sender, pacing, queue, book, (&room, &closed), bind).await?;
    if !sent {
        return Ok(false);
    }
    book.lock().await.finish_sending(bind, binds);
    // The session acknowledges receipts and keeps the bind alive meanwhile.
    let finished = (&mut reader.0).await.unwrap_or(false);
    if !stop.is_cancelled() {
        sender.unbind(pacing.connect_timeout, &stop).await;
    }
    Ok(finished)
}

/// Aborts a task when dropped.
struct AbortOnDrop(Reader);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The reader: answers and receipts into the book, until every bind has
/// sent and every message has its final answer or `wait` has passed since
/// the last send (true), or the connection closes (false).
fn spawn_reader(
    (mut incoming, mut querier): (mpsc::UnboundedReceiver<Incoming>, Sender),
    wait: Duration,
    book: &Arc<Mutex<Book>>,
    (room, closed): (&Arc<Semaphore>, &Arc<AtomicBool>),
    (bind, binds): (usize, usize),
) -> Reader {
    let (room, book, closed) = (room.clone(), book.clone(), closed.clone());
    tokio::spawn(async move {
        loop {
            let next = tokio::time::timeout(Duration::from_millis(50), incoming.recv()).await;
            let mut b = book.lock().await;
            match next {
                Ok(Some(Incoming::Closed { .. })) | Ok(None) => {
                    closed.store(true, Ordering::Relaxed);
                    room.close();
                    return false;
                }
                Ok(Some(event)) => on_incoming(&mut b, bind, event, &room),
                Err(_) => {}
            }
            query_late_receipts(&mut b, bind, &mut querier);
            if b.live.stop.is_cancelled()
                || (b.done_binds.len() == binds
                    && (b.finals >= b.sent || b.all_sent_at.is_some_and(|t| t.elapsed() > wait)))
            {
                return true;
            }
        }
    })
}

/// The open-loop sender of one connection: each message at its time, late
/// while the window is full or the bind backs off, dropped past
/// `max_late`; throttled ones again after the backoff. True when nothing
/// is left to send (or the run stopped), false when the connection broke.
async fn send_all(
    sender: &mut Sender,
    pacing: Pacing,
    queue: &mut Queue,
    book: &Arc<Mutex<Book>>,
    (room, closed): (&Arc<Semaphore>, &Arc<AtomicBool>),
    bind: usize,
) -> Result<bool, ClientError> {
    let (stop, pdus) = {
        let b = book.lock().await;
        (b.live.stop.clone(), b.text.pdus() as usize)
    };
    // Each part is a submit in the window (a window smaller than the
    // message takes it whole).
    let pdus = pdus.clamp(1, pacing.window) as u32;
    let mut drained_at = None;
    loop {
        let next = {
            let b = book.lock().await;
            let retry = b.retries.get(&bind).and_then(|q| q.front()).copied();
            let planned =
                (queue.peek()).map(|(k, p)| (*k, pacing.start + Duration::from_nanos(p.at)));
            next_send(planned, retry, room.available_permits() < pacing.window)
        };
        let sending = match next {
            Next::Send { k, due, retry } => Sending { k, due, retry },
            Next::Done => return Ok(true),
            Next::Idle if wait_for_retries(&mut drained_at, pacing.wait, &stop).await => continue,
            Next::Idle => return Ok(true),
        };
        if !sleep_until_or_stop(sending.due, &stop).await {
            return Ok(true);
        }
        // Backing off after a throttle: the message leaves late.
        let paused = book.lock().await.paused_until.get(&bind).copied();
        if let Some(until) = paused.filter(|u| *u > Instant::now())
            && !sleep_until_or_stop(until, &stop).await
        {
            return Ok(true);
        }
        if closed.load(Ordering::Relaxed) || sender.is_closed() {
            return Ok(false);
        }
        // A full window holds the message back (it leaves late) up to
        // `max_late` past its intended time; beyond that it is dropped. The
        // schedule never moves: later messages keep their intended times.
        let deadline = sending.due + pacing.max_late;
        let permit = tokio::select! {
            permit = tokio::time::timeout_at(deadline.into(), room.clone().acquire_many_owned(pdus)) => permit,
            _ = stop.cancelled() => return Ok(true),
        };
        match permit {
            Ok(Ok(permit)) => permit.forget(),
            Ok(Err(_)) => return Ok(false),
            Err(_) => {
                give_up(&mut *book.lock().await, queue, &sending, bind);
                continue;
            }
        }
        send_one(sender, queue, book, &sending, bind).await?;
    }
}

/// A message whose window stayed full past `max_late`: a planned one is
/// dropped, a throttled one stays refused.
fn give_up(b: &mut Book, queue: &mut Queue, sending: &Sending, bind: usize) {
    if sending.retry {
        b.retries.get_mut(&bind).map(|q| q.pop_front());
        b.settle(sending.k);
    } else {
        queue.next();
        b.tally.dropped();
        Counts::add(&b.live.counts.dropped);
    }
}

/// Writes the submit of `sending`, registered first: its answer (and its
/// receipt) may come back at once. A connection that breaks after the
/// write leaves it in flight, counted lost at the disconnect.
async fn send_one(
    sender: &mut Sender,
    queue: &mut Queue,
    book: &Arc<Mutex<Book>>,
    sending: &Sending,
    bind: usize,
) -> Result<(), ClientError> {
    let Sending { k, due, retry } = *sending;
    let mut b = book.lock().await;
    let now = Instant::now();
    if !retry && let Some((_, p)) = queue.peek() {
        let observed = Observed {
            sent: Some(now),
            late: now.duration_since(due) > Duration::from_millis(10),
            ..Observed::default()
        };
        b.flights.insert(k, (p.clone(), observed));
        b.sent += 1;
        Counts::add(&b.live.counts.sent);
    }
    if retry {
        b.retries.get_mut(&bind).map(|q| q.pop_front());
    } else {
        queue.next();
    }
    let Some((p, o)) = b.flights.get_mut(&k) else {
        // Already final (cannot happen for a retry still queued).
        return Ok(());
    };
    o.last_sent = Some(now);
    let number = p.number.clone();
    // The book stays locked until the message is registered, so the
    // reader cannot see its answer first.
    let parts = parts::submits(&number, &b.text.text(k), b.text.concat, k as u16)?;
    for part in parts {
        let sequence = sender.submit_sm(part);
        b.waiting.insert((bind, sequence), k);
    }
    Ok(())
}

/// Handles what the server sent: a resp or a receipt settles its message
/// when final.
fn on_incoming(b: &mut Book, bind: usize, incoming: Incoming, room: &Semaphore) {
    match incoming {
        Incoming::Resp {
            sequence,
            status,
            id,
            at,
        } => {
            // A generic_nack may answer a query_sm: not a submit's.
            if b.querying.remove(&(bind, sequence)).is_some() {
                b.tally.measured.queries_refused += 1;
                return;
            }
            room.add_permits(1);
            *b.answered.entry(bind).or_insert(0) += 1;
            if let Some(k) = b.waiting.remove(&(bind, sequence)) {
                on_resp(b, (bind, k), (status, id), at);
            }
        }
        Incoming::QueryResp {
            sequence,
            status,
            state,
            at,
        } => on_query_resp(b, (bind, sequence), (status, state), at),
        Incoming::Receipt {
            id,
            stat,
            at,
            err,
            submit_date,
            done_date,
        } => {
            b.tally.receipt_came(done_date.as_deref(), at);
            match b.ids.remove(&id) {
                Some(k) => {
                    b.tally.strays.settled(&id);
                    on_receipt(b, k, (stat, submit_date.as_deref()), at);
                }
                None => b.tally.strays.hold(Stray {
                    id,
                    stat,
                    err,
                    submit_date,
                    done_date,
                    at,
                }),
            }
        }
        Incoming::Closed { .. } => {}
    }
}

/// A submit_sm_resp for message `k` sent on `bind`.
fn on_resp(b: &mut Book, (bind, k): (usize, u64), (status, id): (u32, String), now: Instant) {
    let throttled = status == u32::from(CommandStatus::EsmeRthrottled);
    let Throttling { backoff, retries } = b.throttling;
    let single = b.text.pdus() == 1;
    let Some(o) = b.observed(k) else {
        return;
    };
    o.resp = Some((status, now));
    // A message of several parts is not sent again: its other parts may
    // already be on their way.
    let resend = throttled && o.resubmits < retries && single;
    if resend {
        // Not final: it goes again after the backoff.
        o.resubmits += 1;
    }
    Counts::add(&b.live.counts.answered);
    if status != 0 {
        Counts::add(&b.live.counts.refused);
    }
    if throttled {
        b.paused_until.insert(bind, now + backoff);
    }
    if resend {
        b.retries
            .entry(bind)
            .or_default()
            .push_back((k, now + backoff));
        return;
    }
    if status != 0 {
        return b.settle(k);
    }
    if let Some(o) = b.observed(k) {
        o.id = Some(id.clone());
    }
    if let Some(early) = b.tally.strays.take(&id) {
        b.tally.strays.settled(&id);
        return on_receipt(b, k, (early.stat, early.submit_date.as_deref()), early.at);
    }
    if let Some(after) = b.query_after {
        let due = now + after;
        b.to_query
            .entry(bind)
            .or_default()
            .push_back((due, id.clone()));
    }
    b.ids.insert(id, k);
}

/// `--query`: asks for the state of each part on `bind` whose receipt is
/// `query_after` late, and again every `query_after` until it is final.
fn query_late_receipts(b: &mut Book, bind: usize, querier: &mut Sender) {
    let (Some(after), now) = (b.query_after, Instant::now()) else {
        return;
    };
    let Some(queue) = b.to_query.get_mut(&bind) else {
        return;
    };
    let mut asked = Vec::new();
    while queue.front().is_some_and(|(due, _)| *due <= now) {
        let (_, id) = queue.pop_front().expect("a front");
        // Still waiting for its receipt (the map forgets answered ids).
        if b.ids.contains_key(&id) {
            asked.push((querier.query_sm(&id), id.clone()));
            queue.push_back((now + after, id));
        }
    }
    b.tally.measured.queries += asked.len();
    for (sequence, id) in asked {
        b.querying.insert((bind, sequence), id);
    }
}

/// A query_sm_resp: a final state settles the part as its receipt would
/// (counted apart); a refusal is counted; a state not yet final waits for
/// the next query.
fn on_query_resp(
    b: &mut Book,
    (bind, sequence): (usize, u32),
    (status, state): (u32, u8),
    at: Instant,
) {
    let Some(id) = b.querying.remove(&(bind, sequence)) else {
        return;
    };
    if status != 0 {
        b.tally.measured.queries_refused += 1;
        return;
    }
    let Some(stat) = stat_of_state(MessageState::from(state)) else {
        return;
    };
    if let Some(k) = b.ids.remove(&id) {
        b.tally.measured.final_by_query += 1;
        b.tally.strays.settled(&id);
        on_receipt(b, k, (stat.to_string(), None), at);
    }
}

/// A receipt for a part of message `k` (with its submit date, which
/// bounds the endpoint's clock): the message is final with the last
/// part's receipt, its stat DELIVRD only if every part's was.
fn on_receipt(b: &mut Book, k: u64, (stat, submit_date): (String, Option<&str>), at: Instant) {
    let pdus = b.text.pdus();
    let Some(o) = b.observed(k) else {
        return;
    };
    let times = o.last_sent.or(o.sent).zip(o.resp.map(|(_, t)| t));
    o.parts_receipted += 1;
    o.part_at = Some(at);
    let delivered = smpp_stat(Receipt::Delivered).0;
    if stat != delivered && o.failed_part.is_none() {
        o.failed_part = Some(stat.clone());
    }
    if o.parts_receipted < pdus {
        return;
    }
    let stat = o.failed_part.clone().unwrap_or(stat);
    o.receipt = Some((stat, at));
    if let Some(times) = times {
        b.tally.own_receipt(submit_date, times);
    }
    Counts::add(&b.live.counts.receipts);
    b.settle(k);
}
