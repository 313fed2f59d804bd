//! Operations on the HTTP port: `/metrics` (Prometheus text), and faults
//! injected at run time. `POST /admin/outages` starts an outage now with
//! any effect a scenario's `[[outages]]` knows; `DELETE /admin/outages`
//! ends every injected one. New messages see them; messages already
//! resolved keep their fate. Admin requests need the bearer token, and at
//! most `MAX_INJECTED_OUTAGES` injected outages are active at once.

use super::Api;
use crate::distribution::Distribution;
use crate::scenario::{Outage, OutageEffect, OutageTarget, RouteKind, Scenario};
use crate::serve::observe;
use crate::units::parse_duration;
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
    extra_latency: Option<String>,
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
    let outage = match outage_of(&api.shared.scenario, &request) {
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

/// The target a request names, or why it names none.
fn target_of(sc: &Scenario, request: &OutageRequest) -> Result<OutageTarget, String> {
    let find = |names: Vec<&String>, name: &str, kind: &str| {
        names
            .iter()
            .position(|n| n.as_str() == name)
            .ok_or_else(|| format!("no {kind} \"{name}\""))
    };
    let route = match request.route.as_deref() {
        None => None,
        Some("domestic") => Some(RouteKind::Domestic),
        Some("international") => Some(RouteKind::International),
        Some(other) => {
            return Err(format!(
                "route: \"domestic\" or \"international\", got \"{other}\""
            ));
        }
    };
    let provider_names = sc.providers.iter().map(|p| &p.name).collect();
    let carrier_names = sc.carriers.iter().map(|c| &c.name).collect();
    match (&request.provider, &request.carrier, route) {
        (Some(p), None, None) => find(provider_names, p, "provider")
            .map(|i| OutageTarget::Provider(crate::scenario::ProviderId::new(i))),
        (None, Some(c), r) => find(carrier_names, c, "carrier").map(|i| {
            let c = crate::scenario::CarrierId::new(i);
            r.map_or(OutageTarget::Carrier(c), |r| {
                OutageTarget::CarrierRoute(c, r)
            })
        }),
        (None, None, Some(r)) => Ok(OutageTarget::Route(r)),
        (Some(p), Some(c), None) => find(provider_names, p, "provider").and_then(|p| {
            find(carrier_names, c, "carrier").map(|c| {
                OutageTarget::SenderAtCarrier(
                    crate::scenario::ProviderId::new(p),
                    crate::scenario::CarrierId::new(c),
                )
            })
        }),
        _ => Err(
            "a target: provider, carrier, route, carrier with route, or provider with carrier"
                .into(),
        ),
    }
}

/// The outage a request asks for and its duration, or why it is wrong.
fn outage_of(sc: &Scenario, request: &OutageRequest) -> Result<(Outage, u64), String> {
    let target = target_of(sc, request)?;
    let effect = match (request.effect.as_str(), &request.extra_latency) {
        ("reject", _) => OutageEffect::Reject,
        ("store", _) => OutageEffect::Store,
        ("drop", _) => OutageEffect::Drop,
        ("filter", _) if matches!(target, OutageTarget::Provider(_) | OutageTarget::Route(_)) => {
            return Err("effect \"filter\" needs a target with a carrier".into());
        }
        ("filter", _) => OutageEffect::Filter,
        ("delay", Some(extra)) => match parse_duration(extra) {
            Ok(n) => OutageEffect::Delay(Distribution::Fixed(n)),
            Err(e) => return Err(format!("extra_latency: {e}")),
        },
        ("delay", None) => return Err("effect \"delay\" needs extra_latency, e.g. \"10m\"".into()),
        (other, _) => {
            return Err(format!(
                "effect: reject, store, drop, delay or filter, got \"{other}\""
            ));
        }
    };
    let duration = match parse_duration(&request.duration) {
        Ok(n) if n > 0 => n,
        Ok(_) => return Err("duration: a positive duration".into()),
        Err(e) => return Err(format!("duration: {e}")),
    };
    let outage = Outage {
        target,
        start: 0,
        end: 0,
        effect,
    };
    Ok((outage, duration))
}

pub async fn end_outages(State(api): State<Arc<Api>>, headers: HeaderMap) -> Response {
    if !authorized(&api, &headers) {
        return unauthorized();
    }
    let ended = api.shared.live.lock().expect("model lock").end_injected();
    Json(json!({ "ended": ended })).into_response()
}
