//! The scenario file as written: serde structures that mirror the TOML one to
//! one, with strings for every quantity that carries a unit. Nothing here is
//! checked beyond its TOML type; `validate` turns it into a `Scenario`.

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub scenario: RawMeta,
    pub traffic: RawTraffic,
    #[serde(default)]
    pub users: RawUsers,
    #[serde(default)]
    pub otp: RawOtp,
    #[serde(default)]
    pub message: RawMessage,
    #[serde(default)]
    pub mnp: RawMnp,
    pub providers: IndexMap<String, RawProvider>,
    pub routing: RawRouting,
    #[serde(default)]
    pub routes: RawRoutes,
    pub carriers: IndexMap<String, RawCarrier>,
    #[serde(default)]
    pub outages: Vec<RawOutage>,
    #[serde(default)]
    pub expect: Vec<RawExpectation>,
    #[serde(default)]
    pub serve: RawServe,
}

/// `[message]`: what the messages say.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMessage {
    pub body: Option<String>,
    pub code_length: Option<u32>,
}

/// `[serve]`: how `simsms serve` exposes the providers.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServe {
    pub host: Option<String>,
    pub http_port: Option<u16>,
    pub https_port: Option<u16>,
    pub tls_cert: Option<String>,
    pub tls_key: Option<String>,
    pub max_connections: Option<u32>,
    pub max_pdu: Option<u32>,
    pub idle_timeout: Option<String>,
    pub header_timeout: Option<String>,
    pub receipt_retry: Option<String>,
    pub failed_binds: Option<String>,
    pub concat_timeout: Option<String>,
    pub admin_token: Option<String>,
    pub admin: Option<bool>,
    pub trace_messages: Option<u64>,
    #[serde(default)]
    pub accounts: Vec<RawAccount>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccount {
    pub system_id: String,
    pub password: String,
    pub provider: String,
    pub port: Option<u16>,
    pub tls_port: Option<u16>,
    pub tps: Option<String>,
    pub bind_tps: Option<String>,
    pub window: Option<u32>,
    pub auth_token: Option<String>,
    #[serde(default)]
    pub dialect: RawDialect,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDialect {
    pub text_label: Option<String>,
    pub date_digits: Option<u8>,
    pub id_in_text: Option<String>,
    pub tlvs: Option<bool>,
    pub receipt_before_resp: Option<bool>,
    pub duplicates: Option<bool>,
    pub receipt_pdu: Option<String>,
    pub receipt_text: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub currency: Option<String>,
    pub duration: String,
    pub drain: Option<String>,
    pub seed: Option<u64>,
    pub replications: Option<u32>,
    pub timeline_bucket: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraffic {
    pub rate: String,
    pub start_of_day: Option<String>,
    #[serde(default)]
    pub profile: Vec<RawProfilePoint>,
    #[serde(default)]
    pub bursts: Vec<RawBurst>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfilePoint {
    pub at: String,
    pub factor: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBurst {
    pub start: String,
    pub duration: String,
    pub multiplier: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUsers {
    pub typo: Option<f64>,
    pub stale: Option<f64>,
    pub recycled: Option<f64>,
    #[serde(default)]
    pub presence: RawPresence,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPresence {
    pub present: Option<DistSpec>,
    pub absent: Option<DistSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOtp {
    pub resend_after: Option<String>,
    pub max_sends: Option<u32>,
    pub ttl: Option<String>,
    pub invalidate_previous: Option<bool>,
    pub patience: Option<String>,
    pub target: Option<String>,
    pub voice: Option<RawVoice>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVoice {
    pub after: Option<String>,
    pub success: f64,
    pub latency: Option<DistSpec>,
    pub cost: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMnp {
    pub churn: Option<f64>,
    pub number_age: Option<String>,
    pub post_port_window: Option<DistSpec>,
    #[serde(default)]
    pub flows: IndexMap<String, IndexMap<String, f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProvider {
    pub route: String,
    pub tps: Option<String>,
    pub queue_capacity: Option<u64>,
    pub max_queue_time: Option<String>,
    pub submit_latency: Option<DistSpec>,
    pub lookup: Option<String>,
    pub lookup_lag: Option<String>,
    pub price: Option<f64>,
    #[serde(default)]
    pub price_by_carrier: IndexMap<String, f64>,
    pub billing: Option<String>,
    pub body: Option<String>,
    pub tps_unit: Option<String>,
    pub sender_blocked: Option<f64>,
    pub per_number_limit: Option<RawPerNumberLimit>,
    #[serde(default)]
    pub receipts: RawReceipts,
    /// This provider's own latency and loss to a carrier, over its route's.
    #[serde(default)]
    pub carriers: IndexMap<String, RawRouteOverride>,
}

/// `repeat_filter = { after = 3, window = "10m", probability = 0.5 }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRepeatFilter {
    pub after: u32,
    pub window: String,
    pub probability: f64,
}

/// `per_number_limit = { count = 5, window = "10m" }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPerNumberLimit {
    pub count: u32,
    pub window: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReceipts {
    pub probability: Option<f64>,
    pub filtered_as: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRouting {
    pub policy: String,
    pub provider: Option<String>,
    pub weights: Option<IndexMap<String, f64>>,
    pub carriers: Option<IndexMap<String, String>>,
    pub default: Option<String>,
    pub order: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoutes {
    pub domestic: Option<RawRoute>,
    pub international: Option<RawRoute>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    pub latency: Option<DistSpec>,
    pub loss: Option<f64>,
    #[serde(default)]
    pub carriers: IndexMap<String, RawRouteOverride>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRouteOverride {
    pub latency: Option<DistSpec>,
    pub loss: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCarrier {
    pub share: f64,
    pub churn: Option<f64>,
    pub intl_filter: Option<f64>,
    pub intl_filter_per_number: Option<f64>,
    pub spam_filter: Option<f64>,
    pub spam_filter_per_number: Option<f64>,
    pub reject_overseas: Option<f64>,
    pub sender_blocked: Option<f64>,
    pub post_port_intl_failure: Option<f64>,
    pub not_sms_capable: Option<f64>,
    pub undeliverable: Option<f64>,
    pub max_segments: Option<u32>,
    pub max_segments_action: Option<String>,
    pub repeat_filter: Option<RawRepeatFilter>,
    pub radio_delay: Option<DistSpec>,
    #[serde(default)]
    pub smsc: RawSmsc,
    #[serde(default)]
    pub misrouted: RawMisrouted,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSmsc {
    pub retry: Option<Vec<String>>,
    pub validity: Option<String>,
    pub hlr_alert: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMisrouted {
    pub action: Option<String>,
    pub extra_latency: Option<DistSpec>,
    pub intl_failure: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutage {
    pub provider: Option<String>,
    pub carrier: Option<String>,
    pub route: Option<String>,
    pub start: String,
    pub duration: String,
    pub effect: String,
    pub extra_latency: Option<DistSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpectation {
    pub metric: String,
    pub carrier: Option<String>,
    pub provider: Option<String>,
    pub alternative: Option<String>,
    pub compared_to: Option<String>,
    pub min: Option<toml::Value>,
    pub max: Option<toml::Value>,
    pub mode: Option<String>,
}

/// A distribution as written: either a bare duration string (fixed) or a
/// table with one of the shapes documented in `docs/scenario.md`.
#[derive(Debug, Default)]
pub struct DistSpec {
    pub median: Option<String>,
    pub p99: Option<String>,
    pub fixed: Option<String>,
    pub mean: Option<String>,
    pub min: Option<String>,
    pub max: Option<String>,
    pub table: Option<Vec<(String, f64)>>,
}

impl DistSpec {
    pub fn fixed(text: &str) -> Self {
        DistSpec {
            fixed: Some(text.to_string()),
            ..DistSpec::default()
        }
    }
}

/// Accepts `"3s"` as shorthand for `{ fixed = "3s" }`. Hand-written rather
/// than `#[serde(untagged)]`, which would swallow the table's precise errors
/// (unknown keys, wrong types) into one vague message.
impl<'de> Deserialize<'de> for DistSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<DistSpec, D::Error> {
        deserialize_dist_spec(d)
    }
}

fn deserialize_dist_spec<'de, D: Deserializer<'de>>(d: D) -> Result<DistSpec, D::Error> {
    struct SpecVisitor;
    impl<'de> Visitor<'de> for SpecVisitor {
        type Value = DistSpec;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a duration string such as \"3s\" or a table such as { median = \"3s\", p99 = \"30s\" }")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<DistSpec, E> {
            Ok(DistSpec::fixed(v))
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DistSpec, A::Error> {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Table {
                median: Option<String>,
                p99: Option<String>,
                fixed: Option<String>,
                mean: Option<String>,
                min: Option<String>,
                max: Option<String>,
                table: Option<Vec<(String, f64)>>,
            }
            let t = Table::deserialize(de::value::MapAccessDeserializer::new(map))?;
            Ok(DistSpec {
                median: t.median,
                p99: t.p99,
                fixed: t.fixed,
                mean: t.mean,
                min: t.min,
                max: t.max,
                table: t.table,
            })
        }
    }
    d.deserialize_any(SpecVisitor)
}
