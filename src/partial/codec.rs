//! One replication's metrics as JSON, losslessly: counts as numbers, costs
//! with their exact binary value, HDR histograms in their V2 deflate
//! serialisation (hex), so merged shards equal the unsharded run.

use crate::metrics::{MessageCell, Metrics, SessionCell, Timeline};
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use serde_json::{Value, json};

/// What is wrong with a serialised replication.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("missing `{0}`")]
    Missing(String),
    #[error("`{key}`: {source}")]
    Invalid {
        key: String,
        source: serde_json::Error,
    },
    #[error("`{0}` is not an array")]
    NotArray(&'static str),
    #[error("bad histogram: {0}")]
    Histogram(String),
    #[error("bad queue wait `{0}`")]
    QueueWait(String),
    /// Something a part holds that this simsms cannot use, said whole.
    #[error("{0}")]
    Unsupported(String),
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Result<Vec<u8>, CodecError> {
    let bad = || CodecError::Histogram("not an even-length hex string".into());
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return Err(bad());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|_| bad()))
        .collect()
}

pub fn histogram_to_json(h: &Histogram<u64>) -> Value {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(h, &mut bytes)
        .expect("histogram serialises to memory");
    Value::String(hex(&bytes))
}

pub fn histogram_from_json(v: &Value) -> Result<Histogram<u64>, CodecError> {
    let text = v
        .as_str()
        .ok_or_else(|| CodecError::Histogram("not a string".into()))?;
    let mut h: Histogram<u64> = Deserializer::new()
        .deserialize(&mut unhex(text)?.as_slice())
        .map_err(|e| CodecError::Histogram(format!("{e:?}")))?;
    // Merged into, it must grow to hold what other parts recorded.
    h.auto(true);
    Ok(h)
}

/// A replication's metrics as JSON; costs keep their exact binary value.
pub fn metrics_to_json(m: &Metrics) -> Value {
    let messages: Vec<Value> = m
        .messages
        .iter()
        .map(|c| {
            json!({
                "outcomes": c.outcomes,
                "receipt_delivered": c.receipt_delivered,
                "receipt_missing": c.receipt_missing,
                "misrouted": c.misrouted,
                "cost": c.cost,
                "latency": histogram_to_json(&c.latency),
            })
        })
        .collect();
    let sessions: Vec<Value> = m
        .sessions
        .iter()
        .map(|c| {
            json!({
                "outcomes": c.outcomes,
                "within_target": c.within_target,
                "success_by_send": c.success_by_send,
                "sends": c.sends,
                "resent": c.resent,
                "voice_calls": c.voice_calls,
                "cost": c.cost,
                "time_to_code": histogram_to_json(&c.time_to_code),
            })
        })
        .collect();
    let t = &m.timeline;
    json!({
        "providers": m.providers,
        "carriers": m.carriers,
        "messages": messages,
        "sessions": sessions,
        "queue_wait_total": m.queue_wait_total.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
        "queue_admitted": m.queue_admitted,
        "submissions": m.submissions,
        "timeline": {
            "bucket": t.bucket,
            "arrivals": t.arrivals,
            "sends": t.sends,
            "deliveries": t.deliveries,
            "queue_depth": t.queue_depth,
            "stored_delta": t.stored_delta,
        },
    })
}

pub(crate) fn field<'v>(v: &'v Value, key: &str) -> Result<&'v Value, CodecError> {
    v.get(key)
        .ok_or_else(|| CodecError::Missing(key.to_string()))
}

pub(crate) fn from<T: serde::de::DeserializeOwned>(v: &Value, key: &str) -> Result<T, CodecError> {
    serde_json::from_value(field(v, key)?.clone()).map_err(|source| CodecError::Invalid {
        key: key.to_string(),
        source,
    })
}

pub fn metrics_from_json(v: &Value) -> Result<Metrics, CodecError> {
    let messages = field(v, "messages")?
        .as_array()
        .ok_or(CodecError::NotArray("messages"))?
        .iter()
        .map(|c| {
            Ok(MessageCell {
                outcomes: from(c, "outcomes")?,
                receipt_delivered: from(c, "receipt_delivered")?,
                receipt_missing: from(c, "receipt_missing")?,
                misrouted: from(c, "misrouted")?,
                cost: from(c, "cost")?,
                latency: histogram_from_json(field(c, "latency")?)?,
            })
        })
        .collect::<Result<Vec<_>, CodecError>>()?;
    let sessions = field(v, "sessions")?
        .as_array()
        .ok_or(CodecError::NotArray("sessions"))?
        .iter()
        .map(|c| {
            Ok(SessionCell {
                outcomes: from(c, "outcomes")?,
                within_target: from(c, "within_target")?,
                success_by_send: from(c, "success_by_send")?,
                sends: from(c, "sends")?,
                resent: from(c, "resent")?,
                voice_calls: from(c, "voice_calls")?,
                cost: from(c, "cost")?,
                time_to_code: histogram_from_json(field(c, "time_to_code")?)?,
            })
        })
        .collect::<Result<Vec<_>, CodecError>>()?;
    let t = field(v, "timeline")?;
    let waits: Vec<String> = from(v, "queue_wait_total")?;
    Ok(Metrics {
        providers: from(v, "providers")?,
        carriers: from(v, "carriers")?,
        messages,
        sessions,
        queue_wait_total: waits
            .iter()
            .map(|w| w.parse().map_err(|_| CodecError::QueueWait(w.clone())))
            .collect::<Result<_, _>>()?,
        queue_admitted: from(v, "queue_admitted")?,
        submissions: from(v, "submissions")?,
        timeline: Timeline {
            bucket: from(t, "bucket")?,
            arrivals: from(t, "arrivals")?,
            sends: from(t, "sends")?,
            deliveries: from(t, "deliveries")?,
            queue_depth: from(t, "queue_depth")?,
            stored_delta: from(t, "stored_delta")?,
        },
    })
}
