//! A traced message as the page shows it: the stages of its fate as the
//! model decided them (queued, left the provider, reached the carrier,
//! each SMSC attempt, the final state and the receipt it claims), and
//! what the protocol side did (receipts sent and acknowledged, callbacks
//! and their answers), in order, each on both clocks. A stage whose
//! simulated time has not come yet is marked `due`: the model has decided
//! it, the served clock has not reached it.

use crate::model::{Fate, Receipt};
use crate::protocol::vocabulary::smpp_stat;
use crate::serve::live::receipt_of;
use crate::serve::shared::Shared;
use crate::serve::trace::{Stamp, Traced};
use crate::units::Nanos;
use serde_json::{Value, json};

/// One line of the trace.
struct Stage {
    sim: Nanos,
    /// Wall time, if it happened (protocol events); model stages are
    /// placed on the wall by the clock.
    wall_unix_ms: Option<u64>,
    /// "model" or "protocol".
    source: &'static str,
    what: String,
}

pub fn of(shared: &Shared, traced: &Traced) -> Value {
    let sc = &shared.scenario;
    // The model's clock was read for the submission before the trace's.
    let submitted = (traced.fate.as_ref()).map_or(traced.submitted.sim, |f| {
        f.sent_at.min(traced.submitted.sim)
    });
    let mut lines = vec![Stage {
        sim: submitted,
        wall_unix_ms: Some(traced.submitted.wall_unix_ms),
        source: "protocol",
        what: submitted_words(traced),
    }];
    if let Some(fate) = &traced.fate {
        lines.extend(model_stages(sc, fate));
    }
    lines.extend(
        traced
            .events
            .iter()
            .map(|(at, what)| protocol(*at, what.words())),
    );
    lines.sort_by_key(|s| s.sim);
    let now = shared.clock_now();
    let stages: Vec<Value> = lines
        .into_iter()
        .map(|s| {
            let wall = s
                .wall_unix_ms
                .unwrap_or_else(|| shared.wall_unix_ms_of(s.sim));
            json!({
                "sim_ns": s.sim,
                "sim_unix_ms": shared.epoch_unix * 1000 + s.sim / 1_000_000,
                "wall_unix_ms": wall,
                "due": s.sim > now,
                "source": s.source,
                "what": s.what,
            })
        })
        .collect();
    let account = &sc.serve.accounts[traced.account];
    let fate = traced.fate.as_ref();
    json!({
        "account": account.system_id,
        "provider": sc.provider(account.provider).name,
        "via": traced.via.name(),
        "number": traced.number,
        "ids": traced.client_ids,
        "segments": traced.segments,
        "refusal": traced.refusal,
        "outcome": fate.map(|f| f.outcome.name()),
        "final": fate.map(|f| f.finished_at <= now),
        "receipt": fate.and_then(receipt_of).map(|(r, _)| smpp_stat(r).0),
        "carrier": fate.map(|f| &sc.carrier(f.carrier).name),
        "stages": stages,
        "events_dropped": traced.events_dropped,
    })
}

fn protocol(at: Stamp, what: String) -> Stage {
    Stage {
        sim: at.sim,
        wall_unix_ms: Some(at.wall_unix_ms),
        source: "protocol",
        what,
    }
}

fn submitted_words(traced: &Traced) -> String {
    let parts = match traced.segments {
        1 => String::new(),
        n => format!(", {n} segments"),
    };
    match &traced.refusal {
        Some(why) => format!(
            "submitted over {}{parts}: refused, {why}",
            traced.via.name()
        ),
        None => format!("submitted over {}{parts}: accepted", traced.via.name()),
    }
}

fn model(sim: Nanos, what: String) -> Stage {
    Stage {
        sim,
        wall_unix_ms: None,
        source: "model",
        what,
    }
}

/// The fate's stages in the model's words.
fn model_stages(sc: &crate::scenario::Scenario, fate: &Fate) -> Vec<Stage> {
    let provider = &sc.provider(fate.provider).name;
    let carrier = sc.carrier(fate.carrier);
    let mut stages = Vec::new();
    if let Some(at) = fate.queued_at {
        let late = match at.saturating_sub(fate.sent_at) {
            0 => String::new(),
            d => format!(" (held {} by an outage first)", seconds(d)),
        };
        stages.push(model(at, format!("queued at provider {provider}{late}")));
    }
    if let Some(at) = fate.left_provider_at {
        let waited = fate.queue_wait.map(seconds).unwrap_or_default();
        stages.push(model(
            at,
            format!("left provider {provider} after {waited} in its queue"),
        ));
    }
    if let Some(at) = fate.reached_carrier_at {
        let misrouted = if fate.misrouted {
            ", routed there by a stale or missing portability lookup (the number had moved)"
        } else {
            ""
        };
        stages.push(model(
            at,
            format!("reached carrier {}{misrouted}", carrier.name),
        ));
    }
    if let Some(visit) = fate.smsc {
        stages.push(model(visit.arrived, "taken by the carrier's SMSC".into()));
        for (k, at) in visit.attempt_times(&carrier.smsc).enumerate() {
            stages.push(model(at, format!("SMSC delivery attempt {}", k + 1)));
        }
        match visit.delivered_at {
            Some(at) => stages.push(model(at, "handed to the handset".into())),
            None => stages.push(model(
                visit.expires_at,
                "given up by the SMSC (validity over)".into(),
            )),
        }
    }
    let receipt = match receipt_of(fate) {
        Some((r, _)) => format!("the provider's receipt says {}", smpp_stat(r).0),
        None if fate.receipt == Receipt::Nothing => "the provider sends no receipt".into(),
        None => String::new(),
    };
    let cut = if fate.code_cut {
        " (truncated: the code's part was dropped)"
    } else {
        ""
    };
    let what = format!("final: {}{cut}; {receipt}", fate.outcome.name());
    stages.push(model(fate.finished_at, what));
    stages
}

/// A duration in seconds, to the millisecond.
fn seconds(ns: Nanos) -> String {
    format!("{:.3} s", ns as f64 / 1e9)
}
