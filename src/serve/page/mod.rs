//! The live page on the HTTP port: `GET /` (one HTML file, no external
//! assets), `GET /page/stream` (Server-Sent Events: a snapshot of every
//! account's counters, the providers' queues, the clocks, the active
//! injected outages and the newest events, twice a second) and
//! `GET /page/trace?q=ID_OR_NUMBER` (a message's fate as the model decided
//! it, stage by stage, with what the protocol side did with it). The page
//! reads only; its fault panel starts and ends outages through
//! `/admin/outages` with the admin token, like any other client.

mod snapshot;
mod stages;

use crate::serve::shared::Shared;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Page streams open at once; more are answered 503 (each is also one of
/// `[serve] max_connections`).
pub const MAX_STREAMS: usize = 16;

/// How often the stream sends a snapshot.
const SNAPSHOT_EVERY: Duration = Duration::from_millis(500);

const PAGE: &str = include_str!("page.html");

/// Only the page's own inline script and style; it fetches from this
/// origin alone.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The page's routes, with their own state.
pub fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/page/stream", get(stream))
        .route("/page/trace", get(trace))
        .with_state(shared)
}

async fn index() -> Response {
    let headers = [
        ("content-type", "text/html; charset=utf-8"),
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("cache-control", "no-store"),
    ];
    (headers, PAGE).into_response()
}

/// Frees a stream's place when the client goes.
struct StreamSlot(Arc<Shared>);

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.page_streams.fetch_sub(1, Ordering::Relaxed);
    }
}

fn take_stream_slot(shared: &Arc<Shared>) -> Option<StreamSlot> {
    let open: &AtomicUsize = &shared.page_streams;
    open.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
        (n < MAX_STREAMS).then_some(n + 1)
    })
    .ok()
    .map(|_| StreamSlot(shared.clone()))
}

async fn stream(State(shared): State<Arc<Shared>>) -> Response {
    let Some(slot) = take_stream_slot(&shared) else {
        let why = format!("{MAX_STREAMS} page streams are open, the most allowed");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({ "error": why })),
        )
            .into_response();
    };
    let mut ticks = tokio::time::interval(SNAPSHOT_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let events = futures_util::stream::unfold((slot, ticks), |(slot, mut ticks)| async move {
        ticks.tick().await;
        let data = snapshot::of(&slot.0).to_string();
        let event = Event::default().event("snapshot").data(data);
        Some((Ok::<_, std::convert::Infallible>(event), (slot, ticks)))
    });
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}

#[derive(serde::Deserialize)]
struct TraceQuery {
    q: String,
}

async fn trace(State(shared): State<Arc<Shared>>, Query(query): Query<TraceQuery>) -> Response {
    let traces = shared.traces.lock().expect("trace lock");
    let found: Vec<serde_json::Value> = traces
        .find(&query.q)
        .into_iter()
        .map(|t| stages::of(&shared, t))
        .collect();
    let body = json!({
        "query": query.q,
        "enabled": traces.enabled(),
        "kept": traces.len(),
        "messages": found,
    });
    axum::Json(body).into_response()
}
