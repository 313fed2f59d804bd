//! The HTTP side of a load run: Twilio-shaped `POST .../Messages.json`
//! requests on the absolute schedule (open loop, at most `binds × window`
//! in flight; a message still waiting for room `max_late` after its time
//! is dropped and counted), and a local listener for the status callbacks,
//! matched to their messages by `MessageSid`, also when one comes before
//! the 201. Callbacks are checked against `X-Twilio-Signature`.

use super::live::{Counts, Live};
use super::schedule::{Planned, Schedule};
use super::smpp::{
    Next, Pacing, Throttling, Transcript, next_send, sleep_until_or_stop, wait_for_retries,
};
use super::tally::{Flights, Observed, Tally};
use crate::protocol::ClientError;
use crate::protocol::target::Target;
use crate::protocol::twilio::signature;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How to reach an HTTP target and receive its status callbacks.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// The local address the callback listener binds.
    pub listen: SocketAddr,
    /// The URL the target posts to (default: `http://LISTEN/status`), for
    /// a target that reaches this machine by another address.
    pub url: Option<String>,
    /// How long connecting to the target may take.
    pub connect_timeout: Duration,
}

struct Book {
    /// Messages sent and not yet final, and the figures of the others.
    flights: Flights,
    tally: Tally,
    sent: usize,
    finals: usize,
    /// MessageSid → planned message, once the 201 is in. A final status
    /// for a sid not (yet) here is held by the tally's strays.
    ids: HashMap<String, u64>,
    /// No sends before this (backing off after a 429).
    paused_until: Option<Instant>,
    throttling: Throttling,
    /// Throttled messages to send again, and when.
    retries: std::collections::VecDeque<(u64, Instant)>,
    /// Requests that got an HTTP answer (of any status).
    answered: usize,
    /// Requests that got no HTTP answer, and the first one's error.
    unanswered: usize,
    first_error: Option<String>,
    live: Live,
}

impl Book {
    fn new(tally: Tally, throttling: Throttling, live: &Live) -> Book {
        Book {
            flights: Flights::new(),
            tally,
            sent: 0,
            finals: 0,
            ids: HashMap::new(),
            paused_until: None,
            throttling,
            retries: Default::default(),
            answered: 0,
            unanswered: 0,
            first_error: None,
            live: live.clone(),
        }
    }

    /// Message `k` has its final answer: folded into the tally.
    fn settle(&mut self, k: u64) {
        self.finals += 1;
        self.tally.settle(&mut self.flights, k);
    }

    fn observed(&mut self, k: u64) -> Option<&mut Observed> {
        self.flights.get_mut(&k).map(|(_, o)| o)
    }
}

/// What the callback listener does with a final status: (MessageSid,
/// status with its error code, arrival).
pub type OnFinal = Arc<dyn Fn(&str, String, Instant) + Send + Sync>;

struct Listener {
    on_final: OnFinal,
    bad_signatures: Arc<std::sync::atomic::AtomicUsize>,
    url: String,
    auth_token: String,
}

/// A running callback listener.
pub struct CallbackListener {
    /// The StatusCallback URL to send with each message.
    pub url: String,
    pub bad_signatures: Arc<std::sync::atomic::AtomicUsize>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for CallbackListener {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Starts the status callback listener: callbacks signed with
/// `auth_token` and carrying a final status go to `on_final`.
pub async fn listen(
    options: &HttpOptions,
    auth_token: &str,
    on_final: OnFinal,
) -> Result<CallbackListener, ClientError> {
    let cannot_listen = |source| ClientError::CallbackListen {
        address: options.listen,
        source,
    };
    let socket = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(cannot_listen)?;
    let local = socket.local_addr().map_err(cannot_listen)?;
    let url = (options.url.clone()).unwrap_or_else(|| format!("http://{local}/status"));
    let bad_signatures = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let listener = Arc::new(Listener {
        on_final,
        bad_signatures: bad_signatures.clone(),
        url: url.clone(),
        auth_token: auth_token.to_string(),
    });
    let path = match url
        .split_once("://")
        .and_then(|(_, r)| r.find('/').map(|i| &r[i..]))
    {
        Some(path) if !path.is_empty() => path.to_string(),
        _ => "/".to_string(),
    };
    let app = axum::Router::new()
        .route(&path, axum::routing::post(on_callback))
        .with_state(listener);
    let server = tokio::spawn(async move {
        let _ = axum::serve(socket, app).await;
    });
    Ok(CallbackListener {
        url,
        bad_signatures,
        server,
    })
}

/// The HTTP client for a target: `in_flight` pooled connections, and the
/// target's extra trusted certificate.
pub fn client(
    options: &HttpOptions,
    target: &Target,
    in_flight: usize,
) -> Result<reqwest::Client, ClientError> {
    let mut client = reqwest::Client::builder()
        .pool_max_idle_per_host(in_flight)
        .connect_timeout(options.connect_timeout);
    if let Some(pem) = &target.ca_cert {
        let certificate = reqwest::Certificate::from_pem(pem)
            .map_err(|e| ClientError::HttpClient(format!("--ca-cert: {}", error_chain(&e))))?;
        client = client.add_root_certificate(certificate);
    }
    client
        .build()
        .map_err(|e| ClientError::HttpClient(error_chain(&e)))
}

/// A create request for a message saying `body` to `number`; its answer
/// with the response's `Date` header (the endpoint's clock, to the second).
pub fn create(
    client: &reqwest::Client,
    target: &Target,
    (number, body): (&str, String),
    callback_url: &str,
) -> impl Future<Output = Result<(Answer, Option<String>), reqwest::Error>> + use<> {
    let form = [
        ("To", format!("+{number}")),
        ("From", "SIMSMS".to_string()),
        ("Body", body),
        ("StatusCallback", callback_url.to_string()),
    ];
    let request = client
        .post(target.messages_url())
        .basic_auth(&target.user, Some(&target.password))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).expect("strings encode"))
        .send();
    async move {
        let response = request.await?;
        let date = (response.headers().get(reqwest::header::DATE))
            .and_then(|d| d.to_str().ok())
            .map(str::to_string);
        Ok((answer_of(response).await, date))
    }
}

/// A final status as the report's breakdown names it: `delivered`, or
/// `undelivered 30003`, `failed 30001` with the error code.
fn final_status(status: &str, error_code: Option<&str>) -> Option<String> {
    match status {
        "delivered" => Some(status.to_string()),
        "undelivered" | "failed" => Some(format!("{status} {}", error_code.unwrap_or("30008"))),
        _ => None,
    }
}

async fn on_callback(
    State(listener): State<Arc<Listener>>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> StatusCode {
    let now = Instant::now();
    let signed = signature(&listener.auth_token, &listener.url, &form);
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        != Some(signed.as_str())
    {
        (listener.bad_signatures).fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return StatusCode::FORBIDDEN;
    }
    let (Some(sid), Some(status)) = (field("MessageSid"), field("MessageStatus")) else {
        return StatusCode::BAD_REQUEST;
    };
    if let Some(status) = final_status(status, field("ErrorCode")) {
        (listener.on_final)(sid, status, now);
    }
    StatusCode::NO_CONTENT
}

/// A final status for message `sid` in the load's book.
fn on_final(b: &mut Book, sid: &str, status: String, at: Instant) {
    match b.ids.remove(sid) {
        Some(k) => {
            b.tally.strays.settled(sid);
            if let Some(o) = b.observed(k) {
                o.receipt = Some((status, at));
                Counts::add(&b.live.counts.receipts);
                b.settle(k);
            }
        }
        None => b.tally.strays.hold(super::stray::Stray {
            id: sid.to_string(),
            stat: status,
            err: None,
            submit_date: None,
            done_date: None,
            at,
        }),
    }
}

/// What a create request's answer says: its HTTP status (0 for a 201) and,
/// when created, the sid and a status that is already final.
type Answer = (u32, Option<(String, Option<String>)>);

async fn answer_of(response: reqwest::Response) -> Answer {
    let code = response.status().as_u16() as u32;
    if !response.status().is_success() {
        return (code, None);
    }
    let Ok(bytes) = response.bytes().await else {
        return (code, None);
    };
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return (code, None);
    };
    let Some(sid) = body["sid"].as_str() else {
        return (code, None);
    };
    let error_code = body["error_code"].as_u64().map(|c| c.to_string());
    let status = body["status"]
        .as_str()
        .and_then(|s| final_status(s, error_code.as_deref()));
    (0, Some((sid.to_string(), status)))
}

/// Sends `schedule` starting at `pacing.start`, with at most `in_flight`
/// requests outstanding; waits for final callbacks up to `pacing.wait`
/// after the last send.
pub async fn run(
    target: &Target,
    in_flight: usize,
    schedule: Schedule,
    tally: Tally,
    pacing: Pacing,
    (callbacks, throttling, live): (&HttpOptions, Throttling, &Live),
) -> Result<Transcript, ClientError> {
    let book = Arc::new(Mutex::new(Book::new(tally, throttling, live)));
    let to_book = book.clone();
    let on_final: OnFinal = Arc::new(move |sid: &str, status: String, at: Instant| {
        on_final(&mut to_book.lock().expect("load book"), sid, status, at);
    });
    let listener = listen(callbacks, &target.password, on_final).await?;
    let client = client(callbacks, target, in_flight)?;
    let url = listener.url.clone();
    let sending = (in_flight, url.as_str());
    send_all(target, &client, schedule, pacing, &book, sending).await?;
    let all_sent_at = Instant::now();
    loop {
        let (finals, sent) = {
            let b = book.lock().expect("load book");
            (b.finals, b.sent)
        };
        if finals >= sent || all_sent_at.elapsed() > pacing.wait {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(20)) => {}
            _ = live.stop.cancelled() => break,
        }
    }
    let bad_signatures = (listener.bad_signatures).load(std::sync::atomic::Ordering::Relaxed);
    drop(listener);
    let mut b = book.lock().expect("load book");
    // A dead endpoint must not pass as a run whose messages were all lost
    // (after Ctrl-C, the partial report is written instead).
    if b.sent > 0 && b.answered == 0 && !live.stop.is_cancelled() {
        return Err(ClientError::Unreachable {
            target: target.display(),
            sent: b.sent,
            first: (b.first_error.clone())
                .unwrap_or_else(|| format!("no answer within --wait ({:?})", pacing.wait)),
        });
    }
    let mut flights = std::mem::take(&mut b.flights);
    let ids = std::mem::take(&mut b.ids);
    b.tally.finish(&mut flights, ids);
    b.tally.close(target.display());
    Ok(Transcript {
        tally: b.tally.take(),
        reconnects: 0,
        lost_at_disconnect: 0,
        bad_signatures,
        unanswered: (b.unanswered, b.first_error.clone()),
    })
}

/// The open-loop sender: each message leaves at its time, or late while
/// room is short or the target asked to back off, or is dropped; a
/// throttled one (429) goes again after the backoff.
async fn send_all(
    target: &Target,
    client: &reqwest::Client,
    schedule: Schedule,
    pacing: Pacing,
    book: &Arc<Mutex<Book>>,
    (in_flight, callback_url): (usize, &str),
) -> Result<(), ClientError> {
    let room = Arc::new(Semaphore::new(in_flight));
    let mut requests = tokio::task::JoinSet::new();
    let stop = book.lock().expect("load book").live.stop.clone();
    let mut queue = schedule.peekable();
    let mut drained_at = None;
    loop {
        let next = {
            let b = book.lock().expect("load book");
            let planned =
                (queue.peek()).map(|(k, p)| (*k, pacing.start + Duration::from_nanos(p.at)));
            let outstanding = room.available_permits() < in_flight;
            next_send(planned, b.retries.front().copied(), outstanding)
        };
        let (k, due, retry) = match next {
            Next::Send { k, due, retry } => (k, due, retry),
            Next::Done => break,
            Next::Idle => {
                while requests.try_join_next().is_some() {}
                match wait_for_retries(&mut drained_at, pacing.wait, &stop).await {
                    true => continue,
                    false => break,
                }
            }
        };
        if !sleep_until_or_stop(due, &stop).await {
            break;
        }
        let paused = book.lock().expect("load book").paused_until;
        if let Some(until) = paused.filter(|u| *u > Instant::now())
            && !sleep_until_or_stop(until, &stop).await
        {
            break;
        }
        let deadline = due + pacing.max_late;
        let permit = tokio::select! {
            permit = tokio::time::timeout_at(deadline.into(), room.clone().acquire_owned()) => permit,
            _ = stop.cancelled() => break,
        };
        let now = Instant::now();
        let sent = match permit {
            Ok(Ok(permit)) => Some(permit),
            _ => None,
        };
        let number = {
            let mut b = book.lock().expect("load book");
            let taken = if retry { None } else { queue.next() };
            let text = b.tally.text.as_ref().map(|t| t.text(k));
            record_send(&mut b, (k, taken, retry), sent.is_some(), (due, now)).zip(text)
        };
        let (Some(permit), Some((number, text))) = (sent, number) else {
            continue;
        };
        let request = create(client, target, (&number, text), callback_url);
        let book = book.clone();
        requests.spawn(async move {
            let answer = request.await;
            drop(permit);
            on_answer(&mut book.lock().expect("load book"), k, answer);
        });
        // Reap what finished, so the set stays as small as what is in flight.
        while requests.try_join_next().is_some() {}
    }
    // In-flight requests finish, unless the run is stopped or `wait`
    // passes first (a target that accepts and never answers).
    tokio::select! {
        _ = async { while requests.join_next().await.is_some() {} } => {}
        _ = tokio::time::sleep(pacing.wait) => requests.abort_all(),
        _ = stop.cancelled() => requests.abort_all(),
    }
    Ok(())
}

/// Books message `k` (`planned` when it is not a `retry`) as sent at
/// `now` when it got room (`sent`), else as dropped or, a retry, refused;
/// returns the number to send to.
fn record_send(
    b: &mut Book,
    (k, planned, retry): (u64, Option<(u64, Planned)>, bool),
    sent: bool,
    (due, now): (Instant, Instant),
) -> Option<String> {
    if retry {
        b.retries.pop_front();
        if !sent {
            // Not sent again: it stays refused (429), final.
            b.settle(k);
            return None;
        }
        let (p, o) = b.flights.get_mut(&k)?;
        o.last_sent = Some(now);
        return Some(p.number.clone());
    }
    let (_, p) = planned?;
    if !sent {
        b.tally.dropped();
        Counts::add(&b.live.counts.dropped);
        return None;
    }
    let observed = Observed {
        sent: Some(now),
        last_sent: Some(now),
        late: now.duration_since(due) > Duration::from_millis(10),
        ..Observed::default()
    };
    let number = p.number.clone();
    b.flights.insert(k, (p, observed));
    b.sent += 1;
    Counts::add(&b.live.counts.sent);
    Some(number)
}

/// Records a create request's answer (or why there was none).
fn on_answer(b: &mut Book, k: u64, answer: Result<(Answer, Option<String>), reqwest::Error>) {
    let now = Instant::now();
    let (code, created) = match answer {
        Ok((answer, date)) => {
            let sent = b.observed(k).and_then(|o| o.last_sent.or(o.sent));
            if let (Some(date), Some(sent)) = (date, sent) {
                b.tally.answer_dated(&date, (sent, now));
            }
            answer
        }
        Err(e) => {
            // No answer at all (refused, reset, TLS failure): lost.
            b.unanswered += 1;
            b.first_error.get_or_insert_with(|| error_chain(&e));
            return b.settle(k);
        }
    };
    let Throttling { backoff, retries } = b.throttling;
    let Some(o) = b.observed(k) else {
        return;
    };
    o.resp = Some((code, now));
    let resend = code == 429 && o.resubmits < retries;
    if resend {
        o.resubmits += 1;
    }
    b.answered += 1;
    Counts::add(&b.live.counts.answered);
    if code != 0 {
        Counts::add(&b.live.counts.refused);
    }
    if code == 429 {
        b.paused_until = Some(now + backoff);
    }
    if resend {
        b.retries.push_back((k, now + backoff));
        return;
    }
    if let (Some(o), Some((sid, _))) = (b.observed(k), &created) {
        o.id = Some(sid.clone());
    }
    let receipt = match created {
        None => return b.settle(k),
        Some((sid, Some(status))) => {
            // Its callback repeats the status: a duplicate, before or after.
            if b.tally.strays.take(&sid).is_some() {
                b.tally.strays.duplicates += 1;
            }
            b.tally.strays.settled(&sid);
            (status, now)
        }
        Some((sid, None)) => match b.tally.strays.take(&sid) {
            Some(early) => {
                b.tally.strays.settled(&sid);
                (early.stat, early.at)
            }
            None => {
                b.ids.insert(sid, k);
                return;
            }
        },
    };
    if let Some(o) = b.observed(k) {
        o.receipt = Some(receipt);
    }
    Counts::add(&b.live.counts.receipts);
    b.settle(k);
}

/// An error with its causes, which name the actual failure (a refused
/// connection, an untrusted certificate).
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_429_sends_the_message_again_until_the_retries_run_out() {
        let throttling = Throttling {
            backoff: Duration::from_millis(100),
            retries: 1,
        };
        let sc = std::sync::Arc::new(
            crate::scenario::load(std::path::Path::new("tests/live/serve_scenario.toml")).unwrap(),
        );
        let provider = crate::scenario::ProviderId::new(0);
        let tally = Tally::new(
            sc,
            provider,
            crate::protocol::target::Protocol::Http,
            Instant::now(),
        );
        let mut b = Book::new(tally, throttling, &Live::default());
        let planned = Planned {
            at: 0,
            number: "819010000000".into(),
            carrier: crate::scenario::CarrierId::new(0),
        };
        let sent = Observed {
            sent: Some(Instant::now()),
            ..Observed::default()
        };
        b.flights.insert(0, (planned, sent));
        on_answer(&mut b, 0, Ok(((429, None), None)));
        assert_eq!(
            (b.retries.len(), b.finals),
            (1, 0),
            "queued again, not final"
        );
        assert!(b.paused_until.is_some());
        b.retries.clear();
        on_answer(&mut b, 0, Ok(((429, None), None)));
        assert_eq!(
            (b.retries.len(), b.finals),
            (0, 1),
            "refused after one retry"
        );
        // Final: folded into the figures as refused, and forgotten.
        assert!(b.flights.is_empty());
        assert_eq!(b.tally.measured.resubmitted, 1);
        assert_eq!(b.tally.measured.errors.get("HTTP 429"), Some(&1));
    }

    #[test]
    fn final_statuses_carry_their_error_code() {
        assert_eq!(
            final_status("delivered", None).as_deref(),
            Some("delivered")
        );
        assert_eq!(
            final_status("undelivered", Some("30003")).as_deref(),
            Some("undelivered 30003")
        );
        assert_eq!(
            final_status("failed", None).as_deref(),
            Some("failed 30008")
        );
        assert_eq!(final_status("sent", None), None);
    }
}
