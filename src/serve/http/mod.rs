//! The Twilio-shaped HTTP API: create a message, fetch it, and receive
//! signed status callbacks as its fate unfolds in the model. Basic auth per
//! account: the account's system_id as the Account SID, its auth_token as
//! the token.

pub mod admin;
pub mod callbacks;
mod listener;
pub mod messages;

use super::live::Submission;
use super::shared::{Shared, routable_digits};
use crate::protocol::vocabulary::Refusal;
use crate::serve::trace::{Happening, Traced, Via};
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use messages::{Record, Status, message_sid, stages};
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Messages kept for GET; beyond this all are forgotten at once.
const KEPT_MESSAGES: usize = 1_000_000;

/// Twilio's limit on a message body, in characters (error 21617).
const MAX_BODY_CHARS: usize = 1600;

pub struct Api {
    shared: Arc<Shared>,
    /// The admin API's bearer token.
    admin_token: String,
    records: Mutex<HashMap<String, Record>>,
    next_sid: AtomicU64,
    client: reqwest::Client,
}

/// Serves the API on each listener (plain, or TLS with its acceptor)
/// until shutdown: one API, so a message created on one port can be
/// fetched on the other.
pub fn serve(
    listeners: Vec<(
        tokio::net::TcpListener,
        Option<crate::serve::tls::TlsAcceptor>,
    )>,
    shared: Arc<Shared>,
    admin_token: String,
) {
    let api = Arc::new(Api {
        shared: shared.clone(),
        admin_token,
        records: Mutex::new(HashMap::new()),
        next_sid: AtomicU64::new(1),
        client: reqwest::Client::new(),
    });
    let outages = match shared.scenario.serve.admin {
        true => post(admin::start_outage).delete(admin::end_outages),
        false => post(admin::turned_off).delete(admin::turned_off),
    };
    let router = Router::new()
        .route("/2010-04-01/Accounts/{account}/Messages.json", post(create))
        .route("/2010-04-01/Accounts/{account}/Messages/{sid}", get(fetch))
        .route("/metrics", get(admin::metrics))
        .route("/admin/outages", outages)
        .with_state(api)
        .merge(crate::serve::page::routes(shared.clone()));
    for (socket, tls) in listeners {
        tokio::spawn(listener::accept(
            socket,
            tls,
            router.clone(),
            shared.clone(),
        ));
    }
}

/// Twilio's error body.
/// A submit refused before the model decides its fate, as the vocabulary
/// says it over HTTP.
fn refused(refusal: Refusal) -> Response {
    let (status, code, message) = refusal.words().http;
    let status = StatusCode::from_u16(status).expect("the vocabulary's HTTP statuses are valid");
    error(status, code, message.into())
}

fn error(status: StatusCode, code: u32, message: String) -> Response {
    let body = json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status.as_u16(),
    });
    (status, Json(body)).into_response()
}

/// The account index if the Basic credentials are the account's.
fn authenticate(api: &Api, account: &str, headers: &HeaderMap) -> Option<usize> {
    let credentials = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())?;
    let (sid, token) = credentials.split_once(':')?;
    let accounts = &api.shared.scenario.serve.accounts;
    accounts
        .iter()
        .position(|a| a.system_id == sid && a.system_id == account && a.auth_token == token)
}

fn denied() -> Response {
    error(StatusCode::UNAUTHORIZED, 20003, "Authenticate".into())
}

/// The message's `To` and `Body`, or Twilio's error code and message
/// refusing them (HTTP 400).
fn refusal_of(form: &HashMap<String, String>) -> Result<(String, String), (u32, String)> {
    let to = form.get("To").cloned().unwrap_or_default();
    if routable_digits(&to).is_none() {
        let message = format!("The 'To' number {to} is not a valid phone number.");
        return Err((21211, message));
    }
    let Some(body) = form.get("Body").filter(|b| !b.is_empty()).cloned() else {
        let message = "Message body is required.".into();
        return Err((21602, message));
    };
    if body.chars().count() > MAX_BODY_CHARS {
        let message =
            format!("The concatenated message body exceeds the {MAX_BODY_CHARS} character limit.");
        return Err((21617, message));
    }
    Ok((to, body))
}

async fn create(
    State(api): State<Arc<Api>>,
    Path(account_sid): Path<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(account) = authenticate(&api, &account_sid, &headers) else {
        return denied();
    };
    let board = api.shared.board.of(Some(account));
    board.submits.fetch_add(1, Ordering::Relaxed);
    let (to, body) = match refusal_of(&form) {
        Ok(fields) => fields,
        Err((code, message)) => {
            board.refused(format!("HTTP 400 ({code})"));
            return error(StatusCode::BAD_REQUEST, code, message);
        }
    };
    let digits = routable_digits(&to).expect("checked by refusal_of");
    let segments = crate::text::layout(&body).segments;
    let traced = traced(&api, account, &to, segments);
    if !api.shared.account_allows(account) {
        return refused(refuse_traced(&api, traced, Refusal::Throttled));
    }
    let provider = api.shared.scenario.serve.accounts[account].provider;
    let (submission, now) = {
        let mut live = api.shared.live.lock().expect("model lock");
        (
            live.submit_message(provider, digits, segments, None),
            live.now(),
        )
    };
    api.shared.observed.submits.inc();
    let mut record = Record {
        sid: message_sid(api.next_sid.fetch_add(1, Ordering::Relaxed)),
        account_sid: account_sid.clone(),
        from: form.get("From").cloned().unwrap_or_default(),
        to: to.clone(),
        body,
        segments,
        price: None,
        price_unit: match api.shared.scenario.currency.as_str() {
            "" => "USD".into(),
            c => c.into(),
        },
        status: Status::Queued,
        error: None,
        created: now,
        sent: None,
        updated: now,
    };
    let plan = match judged(&api, submission, &mut record, traced) {
        Ok(plan) => plan,
        Err(refusal) => return refused(refusal),
    };
    let epoch = api.shared.epoch_unix;
    let reply = (StatusCode::CREATED, Json(record.json(epoch))).into_response();
    remember(&api, record.clone());
    let token = api.shared.scenario.serve.accounts[account]
        .auth_token
        .clone();
    let key = plan.as_ref().map(|(id, _)| *id);
    let callbacks = form
        .get("StatusCallback")
        .map(|url| callback_poster(api.clone(), url.clone(), token, key));
    match plan {
        None => {
            if let Some(poster) = &callbacks {
                let _ = poster.send(record.callback_params(epoch));
            }
        }
        Some((id, fate)) => {
            tokio::spawn(follow(api.clone(), id, fate, record, callbacks));
        }
    }
    reply
}

/// What the model's answer means for a created message: refused (counted
/// and traced: the refusal to answer), failed at once (a full queue: None)
/// or accepted (its model id and fate), each traced.
fn judged(
    api: &Api,
    submission: Submission,
    record: &mut Record,
    traced: Traced,
) -> Result<Option<(u64, crate::model::Fate)>, Refusal> {
    let board = api.shared.board.of(Some(traced.account));
    let client_ids = vec![record.sid.clone()];
    let (traced, key, plan) = match submission {
        Submission::ProviderDown => return Err(refuse_traced(api, traced, Refusal::ProviderDown)),
        Submission::SendLimited => return Err(refuse_traced(api, traced, Refusal::SendLimited)),
        Submission::QueueFull => {
            // Accepted and failed at once, as Twilio reports a queue overflow.
            let (_, code, message) = Refusal::QueueFull.words().http;
            record.status = Status::Failed;
            record.error = Some((code, message));
            board.refused(format!("HTTP 201 failed ({code})"));
            let refusal = Some(format!("status failed at once ({code}, {message})"));
            let traced = Traced {
                refusal,
                client_ids,
                ..traced
            };
            (traced, None, None)
        }
        Submission::Accepted { id, fate, .. } => {
            board.accepted.fetch_add(1, Ordering::Relaxed);
            let traced = Traced {
                fate: Some(fate.clone()),
                client_ids,
                ..traced
            };
            (traced, Some(id), Some((id, fate)))
        }
    };
    let mut traces = api.shared.traces.lock().expect("trace lock");
    traces.submitted(traced, key);
    Ok(plan)
}

/// Posts a message's status callbacks to `url` one after another, each
/// retried as `callbacks::post` does, in a task of its own: a slow or
/// unreachable receiver delays its callbacks, never the message's status.
fn callback_poster(
    api: Arc<Api>,
    url: String,
    token: String,
    key: Option<u64>,
) -> mpsc::UnboundedSender<Vec<(String, String)>> {
    let (sender, mut pending) = mpsc::unbounded_channel::<Vec<(String, String)>>();
    tokio::spawn(async move {
        while let Some(params) = pending.recv().await {
            let status = (params.iter())
                .find(|(k, _)| k == "MessageStatus")
                .and_then(|(_, v)| Status::parse(v))
                .map_or("?", Status::name);
            let answer = callbacks::post(&api.client, &url, &token, params).await;
            if let Some(key) = key {
                let posted = Happening::Callback {
                    status,
                    answer: answer.last,
                    attempts: answer.attempts,
                    accepted: answer.accepted,
                };
                api.shared.trace(key, posted);
            }
        }
    });
    sender
}

/// A submission over HTTP as the trace starts it.
fn traced(api: &Api, account: usize, to: &str, segments: u32) -> Traced {
    Traced {
        account,
        via: Via::Http,
        number: to.to_string(),
        client_ids: Vec::new(),
        segments,
        submitted: api.shared.stamp(),
        refusal: None,
        fate: None,
        events: Vec::new(),
        events_dropped: 0,
    }
}

/// A refused submission, counted and traced: the refusal to answer.
fn refuse_traced(api: &Api, traced: Traced, refusal: Refusal) -> Refusal {
    let (status, code, message) = refusal.words().http;
    let why = format!("HTTP {status} ({code}) {message}");
    let board = api.shared.board.of(Some(traced.account));
    board.refused(format!("HTTP {status} ({code})"));
    let traced = Traced {
        refusal: Some(why),
        ..traced
    };
    let mut traces = api.shared.traces.lock().expect("trace lock");
    traces.submitted(traced, None);
    refusal
}

/// Moves the message's record through its stages at the model's times,
/// following its fate as it stands (an injected radio outage may change it
/// while it is in flight), and queues a callback for each change.
async fn follow(
    api: Arc<Api>,
    id: u64,
    mut fate: crate::model::Fate,
    mut record: Record,
    callbacks: Option<mpsc::UnboundedSender<Vec<(String, String)>>>,
) {
    let rank = |s: Status| match s {
        Status::Queued => 0,
        Status::Sent => 1,
        _ => 2,
    };
    while let Some((at, status)) = stages(&fate)
        .into_iter()
        .find(|(_, s)| rank(*s) > rank(record.status))
    {
        let wall = api.shared.clock.wall_time_of(at);
        tokio::time::sleep_until(wall.into()).await;
        if let Some(now) = api.shared.live.lock().expect("model lock").fate_of(id)
            && now != fate
        {
            fate = now;
            continue;
        }
        record.advance(status, at, &fate);
        let changed = Happening::Status {
            status: status.name(),
        };
        api.shared.trace(id, changed);
        if rank(status) == 2 {
            let board = api.shared.board.of(account_of(&api, &record.account_sid));
            board.receipt(status.name(), at.saturating_sub(fate.sent_at));
        }
        remember(&api, record.clone());
        if let Some(poster) = &callbacks {
            let _ = poster.send(record.callback_params(api.shared.epoch_unix));
        }
    }
}

fn account_of(api: &Api, sid: &str) -> Option<usize> {
    let accounts = &api.shared.scenario.serve.accounts;
    accounts.iter().position(|a| a.system_id == sid)
}

fn remember(api: &Api, record: Record) {
    let mut records = api.records.lock().expect("records lock");
    if records.len() >= KEPT_MESSAGES && !records.contains_key(&record.sid) {
        records.clear();
    }
    records.insert(record.sid.clone(), record);
}

async fn fetch(
    State(api): State<Arc<Api>>,
    Path((account_sid, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if authenticate(&api, &account_sid, &headers).is_none() {
        return denied();
    }
    let sid = file.strip_suffix(".json").unwrap_or(&file);
    let record = api.records.lock().expect("records lock").get(sid).cloned();
    match record.filter(|r| r.account_sid == account_sid) {
        Some(r) => Json(r.json(api.shared.epoch_unix)).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            20404,
            format!(
                "The requested resource /2010-04-01/Accounts/{account_sid}/Messages/{sid}.json was not found"
            ),
        ),
    }
}
