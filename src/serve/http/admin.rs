//! Operations on the HTTP port: `/metrics` (Prometheus text), and faults
//! injected at run time. `POST /admin/outages` starts an outage now with
//! any effect a scenario's `[[outages]]` knows; `DELETE /admin/outages`
//! ends every injected one. New messages see them; messages already
//! resolved keep their fate. Admin requests need the bearer token, and at
//! most `MAX_INJECTED_OUTAGES` injected outages are active at once.

use super::Api;
use crate::scenario::{DistSpec, Outage, RawOutage, Scenario, run_time_outage};
use crate::serve::observe;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// An outage to start now, named as in a scenario's `[[outages]]`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutageRequest {
    provider: Option<String>,
    carrier: Option<String>,
    route: Option<String>,
    effect: String,
    duration: String,
    extra_latency: Option<DistSpec>,
}

/// `/metrics`: the classic Prometheus text format, or OpenMetrics when the
/// client's Accept asks for it.
pub async fn metrics(State(api): State<Arc<Api>>, headers: HeaderMap) -> Response {
    let shared = &api.shared;
    let observed = &shared.observed;
    observed
        .connections
        .set(shared.stats.connections.load(Ordering::Relaxed) as i64);
    observed
        .http_connections
        .set(shared.stats.http_connections.load(Ordering::Relaxed) as i64);
    observed
        .binds
        .set(shared.stats.binds.load(Ordering::Relaxed) as i64);
    observed
        .held_receipts
        .set(shared.desk.held().iter().sum::<usize>() as i64);
    let depths = shared.live.lock().expect("model lock").queue_depths();
    for (provider, depth) in shared.scenario.providers.iter().zip(depths) {
        let labels = vec![("provider".to_string(), provider.name.clone())];
        observed
            .queue_depth
            .get_or_create(&labels)
            .set(depth as i64);
    }
    let accept = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (content_type, text) = if observe::wants_openmetrics(accept) {
        let kind = "application/openmetrics-text; version=1.0.0; charset=utf-8";
        (kind, observed.text())
    } else {
        let kind = "text/plain; version=0.0.4; charset=utf-8";
        (kind, observed.classic_text())
    };
    ([("content-type", content_type)], text).into_response()
}

fn bad(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

/// Injected outages active at once; beyond this a new one is refused.
pub const MAX_INJECTED_OUTAGES: usize = 100;

/// The request carries the admin token as `Authorization: Bearer TOKEN`.
fn authorized(api: &Api, headers: &HeaderMap) -> bool {
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let token = api.admin_token.as_bytes();
    // Compared in time independent of where they differ.
    given.len() == token.len()
        && given
            .bytes()
            .zip(token)
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

fn unauthorized() -> Response {
    let message = "the admin API needs `Authorization: Bearer TOKEN`: [serve] admin_token, or the token `simsms serve` printed on its `http` line at start";
    let body = Json(json!({ "error": message }));
    let challenge = [("www-authenticate", "Bearer")];
    (StatusCode::UNAUTHORIZED, challenge, body).into_response()
}

/// `[serve] admin = false`: the admin API changes nothing, whatever the
/// token.
pub async fn turned_off() -> Response {
    let why = "admin actions are turned off in this scenario ([serve] admin = false)";
    (StatusCode::FORBIDDEN, Json(json!({ "error": why }))).into_response()
}

pub async fn start_outage(
    State(api): State<Arc<Api>>,
    headers: HeaderMap,
    request: Result<Json<OutageRequest>, JsonRejection>,
) -> Response {
    if !authorized(&api, &headers) {
        return unauthorized();
    }
    let request = match request {
        Ok(Json(r)) => r,
        Err(e) => return (e.status(), Json(json!({ "error": e.body_text() }))).into_response(),
    };
    let outage = match outage_of(&api.shared.scenario, request) {
        Ok(o) => o,
        Err(why) => return bad(why),
    };
    let mut live = api.shared.live.lock().expect("model lock");
    if live.active_injected() >= MAX_INJECTED_OUTAGES {
        let message = format!(
            "{MAX_INJECTED_OUTAGES} injected outages are active, the most allowed; end them with DELETE /admin/outages or wait for one to end"
        );
        let body = Json(json!({ "error": message }));
        return (StatusCode::TOO_MANY_REQUESTS, body).into_response();
    }
    let changed = live.inject(outage.0, outage.1);
    drop(live);
    api.shared.reschedule(&changed);
    let body = json!({ "started": true, "redecided": changed.len() });
    (StatusCode::CREATED, Json(body)).into_response()
}

/// The outage a request asks for and its duration, checked by the rules
/// of a scenario's `[[outages]]` (`scenario::run_time_outage`).
fn outage_of(sc: &Scenario, request: OutageRequest) -> Result<(Outage, u64), String> {
    let raw = RawOutage {
        provider: request.provider,
        carrier: request.carrier,
        route: request.route,
        start: "0s".into(),
        duration: request.duration,
        effect: request.effect,
        extra_latency: request.extra_latency,
    };
    let outage = run_time_outage(sc, raw)?;
    let duration = outage.end - outage.start;
    Ok((outage, duration))
}

pub async fn end_outages(State(api): State<Arc<Api>>, headers: HeaderMap) -> Response {
    if !authorized(&api, &headers) {
        return unauthorized();
    }
    let ended = api.shared.live.lock().expect("model lock").end_injected();
    Json(json!({ "ended": ended })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> OutageRequest {
        serde_json::from_str(json).expect("a well-formed request")
    }

    /// The admin API takes what a scenario's `[[outages]]` takes, by the
    /// same rules: a distribution for the extra latency, a suggestion for
    /// a misspelt carrier, the filter effect only at a carrier.
    #[test]
    fn requests_are_checked_by_the_scenario_rules() {
        let text = std::fs::read_to_string("tests/live/serve_scenario.toml").unwrap();
        let sc = crate::scenario::parse(&text, "serve_scenario.toml").unwrap();
        let spread = r#"{"carrier": "c", "effect": "delay", "duration": "5m",
            "extra_latency": {"median": "2m", "p99": "10m"}}"#;
        let (_, duration) = outage_of(&sc, request(spread)).expect("a distribution");
        assert_eq!(duration, 300_000_000_000);
        let misspelt = r#"{"carrier": "cc", "effect": "store", "duration": "1m"}"#;
        let why = outage_of(&sc, request(misspelt)).unwrap_err();
        assert!(
            why.starts_with("carrier: expected") && why.contains("did you mean `c`"),
            "{why}"
        );
        let filter = r#"{"provider": "intl", "effect": "filter", "duration": "1m"}"#;
        let why = outage_of(&sc, request(filter)).unwrap_err();
        assert!(why.starts_with("effect: expected"), "{why}");
        let zero = r#"{"carrier": "c", "effect": "store", "duration": "0s"}"#;
        assert!(outage_of(&sc, request(zero)).is_err());
    }
}
