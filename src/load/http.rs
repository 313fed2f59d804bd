//! The HTTP side of a load run: Twilio-shaped `POST .../Messages.json`
//! requests on the absolute schedule (open loop, at most `binds × window`
//! in flight; a message still waiting for room `max_late` after its time
//! is dropped and counted), and a local listener for the status callbacks,
//! matched to their messages by `MessageSid`, also when one comes before
//! the 201. Callbacks are checked against `X-Twilio-Signature`.

use super::live::{Counts, Live};
use super::schedule::Planned;
use super::smpp::{Observed, Pacing, Transcript};
use super::target::Target;
use crate::serve::http::callbacks::signature;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Where status callbacks are received.
#[derive(Debug, Clone)]
pub struct Callbacks {
    /// The local address to listen on.
    pub listen: SocketAddr,
    /// The URL the target posts to (default: `http://LISTEN/status`), for
    /// a target that reaches this machine by another address.
    pub url: Option<String>,
}

#[derive(Default)]
struct Book {
    observed: Vec<Observed>,
    sent: usize,
    finals: usize,
    /// MessageSid → planned index, once the 201 is in.
    ids: HashMap<String, usize>,
    /// Final callbacks that came before their 201: sid → (status, at).
    early: HashMap<String, (String, Instant)>,
    bad_signatures: usize,
    /// No sends before this (backing off after a 429).
    paused_until: Option<Instant>,
    live: Live,
}

struct Listener {
    book: Arc<Mutex<Book>>,
    url: String,
    auth_token: String,
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
    let mut b = listener.book.lock().expect("load book");
    if headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        != Some(signed.as_str())
    {
        b.bad_signatures += 1;
        return StatusCode::FORBIDDEN;
    }
    let (Some(sid), Some(status)) = (field("MessageSid"), field("MessageStatus")) else {
        return StatusCode::BAD_REQUEST;
    };
    let Some(status) = final_status(status, field("ErrorCode")) else {
        return StatusCode::NO_CONTENT;
    };
    match b.ids.get(sid).copied() {
        Some(k) if b.observed[k].receipt.is_none() => {
            b.observed[k].receipt = Some((status, now));
            b.finals += 1;
            Counts::add(&b.live.counts.receipts);
        }
        Some(_) => {}
        None => {
            b.early.insert(sid.to_string(), (status, now));
        }
    }
    StatusCode::NO_CONTENT
}

/// What a create request's answer says: its HTTP status (0 for a 201) and,
/// when created, the sid and a status that is already final.
async fn answer_of(response: reqwest::Response) -> (u32, Option<(String, Option<String>)>) {
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

/// Sends `planned` starting at `pacing.start`, with at most `in_flight`
/// requests outstanding; waits for final callbacks up to `pacing.wait`
/// after the last send.
pub async fn run(
    target: &Target,
    in_flight: usize,
    planned: &[Planned],
    pacing: Pacing,
    (callbacks, throttle_backoff, live): (&Callbacks, Duration, &Live),
) -> Result<Transcript, String> {
    let socket = tokio::net::TcpListener::bind(callbacks.listen)
        .await
        .map_err(|e| format!("--callback-listen {}: {e}", callbacks.listen))?;
    let local = socket.local_addr().map_err(|e| e.to_string())?;
    let url = (callbacks.url.clone()).unwrap_or_else(|| format!("http://{local}/status"));
    let book = Arc::new(Mutex::new(Book {
        observed: vec![Observed::default(); planned.len()],
        live: live.clone(),
        ..Book::default()
    }));
    let listener = Arc::new(Listener {
        book: book.clone(),
        url: url.clone(),
        auth_token: target.password.clone(),
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
    let server = tokio::spawn(async move { axum::serve(socket, app).await });
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(in_flight)
        .build()
        .map_err(|e| e.to_string())?;
    send_all(
        target,
        &client,
        planned,
        pacing,
        &book,
        in_flight,
        &url,
        throttle_backoff,
    )
    .await?;
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
    server.abort();
    let b = book.lock().expect("load book");
    Ok(Transcript {
        observed: b.observed.clone(),
        reconnects: 0,
        lost_at_disconnect: 0,
        bad_signatures: b.bad_signatures,
    })
}

/// The open-loop sender: each message leaves at its time, or late while
/// room is short or the target asked to back off, or is dropped.
#[allow(clippy::too_many_arguments)]
async fn send_all(
    target: &Target,
    client: &reqwest::Client,
    planned: &[Planned],
    pacing: Pacing,
    book: &Arc<Mutex<Book>>,
    in_flight: usize,
    callback_url: &str,
    throttle_backoff: Duration,
) -> Result<(), String> {
    let room = Arc::new(Semaphore::new(in_flight));
    let mut requests = tokio::task::JoinSet::new();
    let (stop, counts) = {
        let b = book.lock().expect("load book");
        (b.live.stop.clone(), b.live.counts.clone())
    };
    for (k, p) in planned.iter().enumerate() {
        let due = pacing.start + Duration::from_nanos(p.at);
        tokio::select! {
            _ = tokio::time::sleep_until(due.into()) => {}
            _ = stop.cancelled() => break,
        }
        let paused = book.lock().expect("load book").paused_until;
        if let Some(until) = paused.filter(|u| *u > Instant::now()) {
            tokio::time::sleep_until(until.into()).await;
        }
        let deadline = due + pacing.max_late;
        let permit = tokio::select! {
            permit = tokio::time::timeout_at(deadline.into(), room.clone().acquire_owned()) => permit,
            _ = stop.cancelled() => break,
        };
        let Ok(Ok(permit)) = permit else {
            Counts::add(&counts.dropped);
            continue;
        };
        let now = Instant::now();
        {
            let mut b = book.lock().expect("load book");
            b.observed[k].sent = Some(now);
            b.observed[k].late = now.duration_since(due) > Duration::from_millis(10);
            b.sent += 1;
            Counts::add(&counts.sent);
        }
        let form = [
            ("To", format!("+{}", p.number)),
            ("From", "SIMSMS".to_string()),
            ("Body", "Your code is 123456".to_string()),
            ("StatusCallback", callback_url.to_string()),
        ];
        let request = client
            .post(target.messages_url())
            .basic_auth(&target.user, Some(&target.password))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).map_err(|e| e.to_string())?)
            .send();
        let book = book.clone();
        requests.spawn(async move {
            let answer = match request.await {
                Ok(response) => Some(answer_of(response).await),
                Err(_) => None,
            };
            drop(permit);
            let now = Instant::now();
            let mut b = book.lock().expect("load book");
            let Some((code, created)) = answer else {
                // No answer at all (connection refused or reset): lost.
                b.finals += 1;
                return;
            };
            b.observed[k].resp = Some((code, now));
            Counts::add(&b.live.counts.answered);
            if code != 0 {
                Counts::add(&b.live.counts.refused);
            }
            if code == 429 {
                b.paused_until = Some(now + throttle_backoff);
            }
            match created {
                None => b.finals += 1,
                Some((_, Some(status))) => {
                    b.observed[k].receipt = Some((status, now));
                    b.finals += 1;
                    Counts::add(&b.live.counts.receipts);
                }
                Some((sid, None)) => {
                    if let Some(early) = b.early.remove(&sid) {
                        b.observed[k].receipt = Some(early);
                        b.finals += 1;
                        Counts::add(&b.live.counts.receipts);
                    } else {
                        b.ids.insert(sid, k);
                    }
                }
            }
        });
        // Reap what finished, so the set stays as small as what is in flight.
        while requests.try_join_next().is_some() {}
    }
    // In-flight requests finish, unless the run is stopped.
    tokio::select! {
        _ = async { while requests.join_next().await.is_some() {} } => {}
        _ = stop.cancelled() => requests.abort_all(),
    }
    Ok(())
}
