//! Operations on the HTTP port: `/metrics` (Prometheus text), and faults
//! injected at run time. `POST /admin/outages` starts an outage now with
//! any effect a scenario's `[[outages]]` knows; `DELETE /admin/outages`
//! ends every injected one. New messages see them; messages already
//! resolved keep their fate.

use super::Api;
use crate::distribution::Distribution;
use crate::scenario::{Outage, OutageEffect, OutageTarget, RouteKind};
use crate::serve::observe;
use crate::units::parse_duration;
use axum::Json;
use axum::extract::State;
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

pub async fn start_outage(
    State(api): State<Arc<Api>>,
    Json(request): Json<OutageRequest>,
) -> Response {
    let sc = &api.shared.scenario;
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
            return bad(format!(
                "route: \"domestic\" or \"international\", got \"{other}\""
            ));
        }
    };
    let provider_names = sc.providers.iter().map(|p| &p.name).collect();
    let carrier_names = sc.carriers.iter().map(|c| &c.name).collect();
    let target = match (&request.provider, &request.carrier, route) {
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
    };
    let target = match target {
        Ok(t) => t,
        Err(e) => return bad(e),
    };
    let effect = match (request.effect.as_str(), &request.extra_latency) {
        ("reject", _) => OutageEffect::Reject,
        ("store", _) => OutageEffect::Store,
        ("drop", _) => OutageEffect::Drop,
        ("filter", _) if matches!(target, OutageTarget::Provider(_) | OutageTarget::Route(_)) => {
            return bad("effect \"filter\" needs a target with a carrier".into());
        }
        ("filter", _) => OutageEffect::Filter,
        ("delay", Some(extra)) => match parse_duration(extra) {
            Ok(n) => OutageEffect::Delay(Distribution::Fixed(n)),
            Err(e) => return bad(format!("extra_latency: {e}")),
        },
        ("delay", None) => return bad("effect \"delay\" needs extra_latency, e.g. \"10m\"".into()),
        (other, _) => {
            return bad(format!(
                "effect: reject, store, drop, delay or filter, got \"{other}\""
            ));
        }
    };
    let duration = match parse_duration(&request.duration) {
        Ok(n) if n > 0 => n,
        Ok(_) => return bad("duration: a positive duration".into()),
        Err(e) => return bad(format!("duration: {e}")),
    };
    let outage = Outage {
        target,
        start: 0,
        end: 0,
        effect,
    };
    let changed = api
        .shared
        .live
        .lock()
        .expect("model lock")
        .inject(outage, duration);
    api.shared.reschedule(&changed);
    let body = json!({ "started": true, "redecided": changed.len() });
    (StatusCode::CREATED, Json(body)).into_response()
}

pub async fn end_outages(State(api): State<Arc<Api>>) -> Response {
    let ended = api.shared.live.lock().expect("model lock").end_injected();
    Json(json!({ "ended": ended })).into_response()
}
