//! The JSON report: everything the table shows, per alternative, with
//! intervals; its schema is `docs/report.schema.json`.

use super::{Run, finite};
use crate::model::{Outcome, SessionEndKind};
use crate::report::{LatencyPair, LatencySummary, LoadFigures, Percentiles, Report, Verdict};
use crate::stats::Estimate;
use crate::stats::Quantile;
use crate::units::NANOS_PER_SEC;
use serde_json::{Map, Value, json};

/// Identifies the schema version; bumped on any incompatible change.
pub const JSON_SCHEMA_ID: &str = "simsms-report/1";

fn estimate(e: &Estimate) -> Value {
    json!({ "value": finite(e.value), "low": finite(e.low), "high": finite(e.high) })
}

fn percentiles(p: &Percentiles) -> Value {
    let mut m = Map::new();
    for q in Quantile::ALL {
        let e = p.estimate(q);
        m.insert(
            q.name().to_string(),
            json!({ "value": finite(e.value), "low": finite(e.low), "high": finite(e.high) }),
        );
    }
    m.insert("max".into(), json!(finite(p.max)));
    m.insert("count".into(), json!(p.count));
    Value::Object(m)
}

fn seconds(n: u64) -> f64 {
    n as f64 / NANOS_PER_SEC as f64
}

fn variant(run: &Run, index: usize, report: &Report) -> Value {
    let sc = run.scenario.variant(index);
    let reps = report.replications.max(1) as f64;
    let messages: Vec<Value> = report
        .messages
        .iter()
        .map(|r| {
            let outcomes: Map<String, Value> = Outcome::ALL
                .iter()
                .map(|o| (o.name().to_string(), json!(r.outcomes[*o as usize])))
                .collect();
            let shares: Map<String, Value> = Outcome::ALL
                .iter()
                .map(|o| (o.name().to_string(), estimate(&r.shares[*o as usize])))
                .collect();
            json!({
                "provider": r.provider,
                "carrier": r.carrier,
                "sent": r.total,
                "outcomes": outcomes,
                "outcome_shares": shares,
                "delivery_rate": estimate(&r.delivery),
                "receipt_delivery_rate": estimate(&r.receipt_delivery),
                "misrouted": r.misrouted,
                "misrouted_share": estimate(&r.misrouted_share),
                "cost": r.cost,
                "latency_s": percentiles(&r.latency),
            })
        })
        .collect();
    let sessions: Vec<Value> = report
        .sessions
        .iter()
        .map(|r| {
            let outcomes: Map<String, Value> = r
                .outcomes
                .iter()
                .map(|(kind, count)| (kind.name().to_string(), json!(count)))
                .collect();
            let shares: Map<String, Value> = SessionEndKind::ALL
                .iter()
                .zip(&r.shares)
                .map(|(kind, e)| (kind.name().to_string(), estimate(e)))
                .collect();
            json!({
                "carrier": r.carrier,
                "sessions": r.total,
                "outcomes": outcomes,
                "outcome_shares": shares,
                "success_by_send": r.success_by_send,
                "otp_success": estimate(&r.otp_success),
                "success_within_target": estimate(&r.within_target),
                "time_to_code_s": percentiles(&r.time_to_code),
                "sends_per_session": estimate(&r.sends_per_session),
                "resend_share": estimate(&r.resend_share),
                "voice_share": estimate(&r.voice_share),
                "cost_per_success": estimate(&r.cost_per_success),
                "cost_per_run": estimate(&r.cost_per_run),
            })
        })
        .collect();
    let queues: Vec<Value> = report
        .queues
        .iter()
        .map(|q| json!({ "provider": q.provider, "admitted": q.admitted, "mean_wait_s": estimate(&q.mean_wait), "max_depth": q.max_depth }))
        .collect();
    let t = &report.merged.timeline;
    let per_rep = |v: &[u64]| v.iter().map(|x| *x as f64 / reps).collect::<Vec<_>>();
    let queue_depth: Map<String, Value> = sc
        .providers
        .iter()
        .zip(&t.queue_depth)
        .map(|(p, d)| (p.name.clone(), json!(d)))
        .collect();
    let stored: Vec<f64> = t.stored().iter().map(|x| *x as f64 / reps).collect();
    json!({
        "name": run.results.names[index],
        "description": if index == 0 { run.scenario.description.clone() } else { run.scenario.alternatives[index - 1].description.clone() },
        "messages": messages,
        "sessions": sessions,
        "queues": queues,
        "timeline": {
            "bucket_s": seconds(t.bucket),
            "arrivals": per_rep(&t.arrivals),
            "sends": per_rep(&t.sends),
            "deliveries": per_rep(&t.deliveries),
            "queue_depth_max": queue_depth,
            "stored_in_smsc": stored,
        },
    })
}

pub(super) fn verdict(v: &Verdict) -> Value {
    json!({
        "label": v.label,
        "passed": v.passed,
        "measured": v.measured,
        "observed": estimate(&v.observed),
        "min": v.min,
        "max": v.max,
        "bound": v.bound,
    })
}

/// The whole report as a JSON value (schema `simsms-report/1`).
pub fn report_json(run: &Run) -> Value {
    let sc = run.scenario;
    let base = run.shown().next().map(|(_, _, r)| r);
    let alternatives: Vec<Value> = run.shown().map(|(i, _, r)| variant(run, i, r)).collect();
    let mut report = json!({
        "schema": JSON_SCHEMA_ID,
        "simsms_version": env!("CARGO_PKG_VERSION"),
        "scenario": {
            "name": sc.name,
            "source": base.map(|r| r.source.clone()),
            "seed": sc.seed,
            "replications": run.replications(),
            "duration_s": run.measurement().map_or(seconds(sc.duration), |m| m.model_seconds),
            "drain_s": run.measurement().map_or(seconds(sc.drain), |_| 0.0),
            "otp_target_s": seconds(sc.otp.target),
            "currency": (!sc.currency.is_empty()).then(|| sc.currency.clone()),
            "carriers": sc.carriers.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        },
        "reference": run.results.names[run.order[0]],
        "alternatives": alternatives,
        "expectations": run.results.verdicts.iter().map(verdict).collect::<Vec<_>>(),
    });
    if let Some(m) = run.measurement() {
        report["measured"] = Value::from(m.line());
        report["run"] = json!({
            "kind": m.kind.name(),
            "target": m.target,
            "note": m.note,
            "wall_s": finite(m.wall_seconds),
            "model_s": finite(m.model_seconds),
            "interrupted_after_s": m.interrupted_after.and_then(finite),
        });
        if let Some(load) = &m.load {
            report["load"] = load_json(load);
        }
    }
    report
}

fn latency_json(s: &LatencySummary) -> Value {
    let mut m = Map::new();
    for q in Quantile::ALL {
        m.insert(format!("{}_s", q.name()), json!(s.at(q).and_then(finite)));
    }
    m.insert(
        "max_s".into(),
        json!((s.count > 0).then_some(s.max).and_then(finite)),
    );
    m.insert("count".into(), json!(s.count));
    Value::Object(m)
}

/// The load's own figures (docs/outputs.md, `load`).
fn load_json(load: &LoadFigures) -> Value {
    let pair = |p: &LatencyPair| json!({ "from_intended": latency_json(&p.from_intended), "from_actual": latency_json(&p.from_actual) });
    json!({
        "protocol": if load.http { "http" } else { "smpp" },
        "planned": load.planned,
        "sent": load.sent,
        "late": load.late,
        "dropped": load.dropped,
        "resubmitted": load.resubmitted,
        "reconnects": load.reconnects,
        "lost_at_disconnect": load.lost_at_disconnect,
        "queries": load.queries,
        "final_by_query": load.final_by_query,
        "queries_refused": load.queries_refused,
        "unanswered": load.unanswered,
        "first_error": load.first_error,
        "bad_signatures": load.bad_signatures,
        "refusals": load.refusals,
        "receipts": load.receipts,
        "submit_response_latency": pair(&load.submit_response),
        "receipt_latency": pair(&load.receipt),
        "parts": load.parts,
        "duplicate_receipts": load.duplicate_receipts,
        "unmatched_receipts": load.unmatched_receipts,
        "unmatched_receipts_first": load.unmatched_sample.iter().map(|r| json!({
            "id": r.id,
            "stat": r.stat,
            "err": r.err,
            "done_date": r.done_date,
            "at_s": finite(r.at_s),
        })).collect::<Vec<_>>(),
        "joined_receipts": load.joined_receipts,
        "join_clock": load.join_clock,
        "unseen_by_sessions": load.unseen_by_sessions,
    })
}
