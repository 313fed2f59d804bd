//! One snapshot of the server for the page's stream, as JSON: the clocks,
//! connections, each account's counters, each provider's queue, the
//! injected outages still active, what the fault panel may name, and the
//! newest events.

use crate::scenario::{Outage, OutageEffect, OutageTarget, Scenario};
use crate::serve::board::{AccountBoard, latency_labels};
use crate::serve::shared::Shared;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

/// The effects `/admin/outages` takes.
const EFFECTS: [&str; 5] = ["reject", "store", "drop", "delay", "filter"];

pub fn of(shared: &Shared) -> Value {
    let (depths, outages, now) = {
        let mut live = shared.live.lock().expect("model lock");
        (live.queue_depths(), live.injected(), live.now())
    };
    let sc = &shared.scenario;
    let held = shared.desk.held();
    let accounts: Vec<Value> = (sc.serve.accounts.iter().enumerate())
        .map(|(i, a)| {
            let mut counts = counters(&shared.board.accounts[i]);
            counts["system_id"] = json!(a.system_id);
            counts["provider"] = json!(sc.provider(a.provider).name);
            counts["held"] = json!(held.get(i).copied().unwrap_or(0));
            counts
        })
        .collect();
    let providers: Vec<Value> = (sc.providers.iter().zip(depths))
        .map(|(p, depth)| json!({ "name": p.name, "queue_depth": depth }))
        .collect();
    let stats = &shared.stats;
    let traces = shared.traces.lock().expect("trace lock");
    let recent: Vec<Value> = traces
        .recent()
        .map(|(at, traced, what)| {
            json!({
                "sim_ns": at.sim,
                "wall_unix_ms": at.wall_unix_ms,
                "account": sc.serve.accounts[traced.account].system_id,
                "number": traced.number,
                "what": what,
            })
        })
        .collect();
    json!({
        "clock": {
            "sim_ns": now,
            "sim_unix_ms": shared.epoch_unix * 1000 + now / 1_000_000,
            "wall_unix_ms": crate::serve::shared::unix_ms_now(),
            "speed": shared.clock.speed(),
        },
        "server": {
            "connections": stats.connections.load(Ordering::Relaxed),
            "http_connections": stats.http_connections.load(Ordering::Relaxed),
            "binds": stats.binds.load(Ordering::Relaxed),
            "unacknowledged_receipts": stats.unacked.load(Ordering::Relaxed),
            "held_receipts": held.iter().sum::<usize>(),
            "dropped_receipts": shared.desk.dropped(),
            "page_streams": shared.page_streams.load(Ordering::Relaxed),
            "max_page_streams": super::MAX_STREAMS,
            "traced": traces.traced,
            "trace_kept": traces.len(),
            "trace_capacity": sc.serve.trace_messages,
            "admin": sc.serve.admin,
        },
        "accounts": accounts,
        "unbound_refusals": shared.board.unbound.refusals(),
        "providers": providers,
        "latency_labels": latency_labels(),
        "outages": outages.iter().map(|o| outage(sc, o)).collect::<Vec<_>>(),
        "targets": {
            "provider": sc.providers.iter().map(|p| &p.name).collect::<Vec<_>>(),
            "carrier": sc.carriers.iter().map(|c| &c.name).collect::<Vec<_>>(),
            "route": ["domestic", "international"],
        },
        "effects": EFFECTS,
        "recent": recent,
    })
}

fn counters(board: &AccountBoard) -> Value {
    json!({
        "submits": board.submits.load(Ordering::Relaxed),
        "accepted": board.accepted.load(Ordering::Relaxed),
        "binds": board.binds.load(Ordering::Relaxed),
        "refusals": board.refusals(),
        "receipts": board.receipts(),
        "latency": board.latency(),
    })
}

/// An active injected outage: its target and effect in words, and when
/// it ends (simulated time).
fn outage(sc: &Scenario, o: &Outage) -> Value {
    let provider = |p: crate::scenario::ProviderId| format!("provider {}", sc.provider(p).name);
    let carrier = |c: crate::scenario::CarrierId| format!("carrier {}", sc.carrier(c).name);
    let target = match o.target {
        OutageTarget::Provider(p) => provider(p),
        OutageTarget::Carrier(c) => carrier(c),
        OutageTarget::Route(r) => format!("route {}", r.name()),
        OutageTarget::CarrierRoute(c, r) => format!("{} via route {}", carrier(c), r.name()),
        OutageTarget::SenderAtCarrier(p, c) => format!("{} at {}", provider(p), carrier(c)),
    };
    let effect = match o.effect {
        OutageEffect::Reject => "reject",
        OutageEffect::Store => "store",
        OutageEffect::Drop => "drop",
        OutageEffect::Delay(_) => "delay",
        OutageEffect::Filter => "filter",
    };
    json!({ "target": target, "effect": effect, "start_sim_ns": o.start, "end_sim_ns": o.end })
}
