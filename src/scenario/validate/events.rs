//! Validation of scheduled events and gates: outages and expectations.

use super::Validator;
use super::join;
use super::{BASE_NAME, did_you_mean};
use crate::distribution::Distribution;
use crate::scenario::raw::*;
use crate::scenario::*;
use crate::stats::Quantile;
use crate::units::NANOS_PER_SEC;

/// One outage asked for while `simsms serve` runs (its admin API), checked
/// by the very rules of a file's `[[outages]]`: the outage, starting at 0
/// and ending after its duration, or the first complaint as a sentence
/// naming the field.
pub fn run_time_outage(sc: &Scenario, raw: RawOutage) -> Result<Outage, String> {
    let mut v = Validator {
        text: "",
        file: "request",
        root: toml::de::DeTable::parse("")
            .expect("an empty document parses")
            .into_inner(),
        diagnostics: Vec::new(),
        prefix: String::new(),
        alternative_names: Vec::new(),
        overridden: Vec::new(),
    };
    let providers: Vec<String> = sc.providers.iter().map(|p| p.name.clone()).collect();
    let carriers: Vec<String> = sc.carriers.iter().map(|c| c.name.clone()).collect();
    let outages = v.outages(&[raw], &providers, &carriers);
    if let Some(d) = v.diagnostics.first() {
        let field = d.key.strip_prefix("outages[0].").unwrap_or("the request");
        let hint = d.hint.as_ref().map_or(String::new(), |h| format!(" ({h})"));
        return Err(format!("{field}: expected {}{hint}", d.expected));
    }
    match outages.into_iter().next() {
        Some(o) if o.end > o.start => Ok(o),
        Some(_) => Err("duration: expected a positive duration".into()),
        None => Err("expected an outage".into()),
    }
}

impl Validator<'_> {
    pub(super) fn outages(
        &mut self,
        raw: &[RawOutage],
        providers: &[String],
        carriers: &[String],
    ) -> Vec<Outage> {
        let mut outages = Vec::new();
        for (i, o) in raw.iter().enumerate() {
            let key = format!("outages[{i}]");
            let k = |f: &str| join(&key, f);
            let provider = o
                .provider
                .as_ref()
                .and_then(|p| self.reference(&k("provider"), p, "provider", providers))
                .map(ProviderId::new);
            let carrier = o
                .carrier
                .as_ref()
                .and_then(|c| self.reference(&k("carrier"), c, "carrier", carriers))
                .map(CarrierId::new);
            let route = o.route.as_ref().map(|r| self.route_kind(&k("route"), r));
            let target = match (o.provider.is_some(), provider, carrier, route) {
                (true, Some(p), None, None) if o.carrier.is_none() => OutageTarget::Provider(p),
                (false, None, Some(c), None) => OutageTarget::Carrier(c),
                (false, None, None, Some(r)) if o.carrier.is_none() => OutageTarget::Route(r),
                (false, None, Some(c), Some(r)) => OutageTarget::CarrierRoute(c, r),
                (true, Some(p), Some(c), None) => OutageTarget::SenderAtCarrier(p, c),
                _ => {
                    if self.diagnostics.is_empty() {
                        self.error(
                            &key,
                            "a target: `provider`, `carrier`, `route`, `carrier` with `route`, or `provider` with `carrier`",
                            Some("e.g. carrier = \"au\" for a carrier outage".into()),
                        );
                    }
                    continue;
                }
            };
            let effect = match o.effect.as_str() {
                "reject" => OutageEffect::Reject,
                "store" => OutageEffect::Store,
                "drop" => OutageEffect::Drop,
                "filter"
                    if matches!(target, OutageTarget::Provider(_) | OutageTarget::Route(_)) =>
                {
                    self.error(
                        &k("effect"),
                        "\"filter\" only at a carrier's ingress: a target with `carrier`",
                        Some("e.g. provider = \"aggregator\", carrier = \"rakuten\" for a sender block".into()),
                    );
                    continue;
                }
                "filter" => OutageEffect::Filter,
                "delay" => match &o.extra_latency {
                    Some(spec) => OutageEffect::Delay(self.dist(
                        &k("extra_latency"),
                        Some(spec),
                        Distribution::ZERO,
                    )),
                    None => {
                        self.error(
                            &k("extra_latency"),
                            "an extra latency for effect = \"delay\"",
                            Some("e.g. extra_latency = { median = \"2m\", p99 = \"10m\" }".into()),
                        );
                        OutageEffect::Delay(Distribution::ZERO)
                    }
                },
                other => {
                    self.error(
                        &k("effect"),
                        format!(
                            "\"reject\", \"store\", \"drop\", \"delay\" or \"filter\", got \"{other}\""
                        ),
                        None,
                    );
                    continue;
                }
            };
            if o.extra_latency.is_some() && !matches!(effect, OutageEffect::Delay(_)) {
                self.error(
                    &k("extra_latency"),
                    "no `extra_latency` unless effect = \"delay\"",
                    None,
                );
            }
            let start = self.duration(&k("start"), &o.start);
            let length = self.duration(&k("duration"), &o.duration);
            outages.push(Outage {
                target,
                start,
                end: start.saturating_add(length),
                effect,
            });
        }
        outages
    }

    pub(super) fn expectations(
        &mut self,
        raw: &[RawExpectation],
        providers: &[String],
        carriers: &[String],
    ) -> Vec<Expectation> {
        let mut out = Vec::new();
        for (i, e) in raw.iter().enumerate() {
            let key = format!("expect[{i}]");
            let k = |f: &str| join(&key, f);
            let metric = match e.metric.as_str() {
                "otp_success" => ExpectMetric::OtpSuccess,
                "success_within_target" => ExpectMetric::SuccessWithinTarget,
                "delivery_rate" => ExpectMetric::DeliveryRate,
                "receipt_delivery_rate" => ExpectMetric::ReceiptDeliveryRate,
                "time_to_code_p50" => ExpectMetric::TimeToCode(Quantile::P50),
                "time_to_code_p90" => ExpectMetric::TimeToCode(Quantile::P90),
                "time_to_code_p99" => ExpectMetric::TimeToCode(Quantile::P99),
                "latency_p50" => ExpectMetric::Latency(Quantile::P50),
                "latency_p90" => ExpectMetric::Latency(Quantile::P90),
                "latency_p99" => ExpectMetric::Latency(Quantile::P99),
                "cost_per_success" => ExpectMetric::CostPerSuccess,
                "share_misrouted" => ExpectMetric::MisroutedShare,
                other => {
                    if let Some((_, m)) = LoadMetric::names().into_iter().find(|(n, _)| n == other)
                    {
                        ExpectMetric::Load(m)
                    } else if let Some(i) = share_of(other, "share_", &MESSAGE_OUTCOMES) {
                        ExpectMetric::OutcomeShare(i)
                    } else if let Some(i) = share_of(other, "session_share_", &SESSION_OUTCOMES) {
                        ExpectMetric::SessionShare(i)
                    } else {
                        let known = expect_metric_names();
                        let hint = did_you_mean(other, known.iter().map(String::as_str))
                            .map_or_else(
                                || format!("one of: {}", known.join(", ")),
                                |b| format!("did you mean \"{b}\"?"),
                            );
                        self.error(
                            &k("metric"),
                            format!("a metric name, got \"{other}\""),
                            Some(hint),
                        );
                        continue;
                    }
                }
            };
            if metric.is_session_level() && e.provider.is_some() {
                self.error(
                    &k("provider"),
                    format!("no provider scope for session metric `{}`", e.metric),
                    Some("session metrics are per carrier or overall".into()),
                );
            }
            if let ExpectMetric::Load(_) = metric {
                let scoped = [
                    ("provider", e.provider.is_some()),
                    ("carrier", e.carrier.is_some()),
                    ("alternative", e.alternative.is_some()),
                ];
                for (scope, _) in scoped.iter().filter(|(_, given)| *given) {
                    self.error(
                        &k(scope),
                        format!("no {scope} scope for load metric `{}`", e.metric),
                        Some("a load metric describes the whole `simsms load` run against its one target".into()),
                    );
                }
            }
            let provider = e
                .provider
                .as_ref()
                .and_then(|p| self.reference(&k("provider"), p, "provider", providers))
                .map(ProviderId::new);
            let carrier = e
                .carrier
                .as_ref()
                .and_then(|c| self.reference(&k("carrier"), c, "carrier", carriers))
                .map(CarrierId::new);
            let is_time = match metric {
                ExpectMetric::TimeToCode(_) | ExpectMetric::Latency(_) => true,
                ExpectMetric::Load(m) => m.is_time(),
                _ => false,
            };
            let min = e
                .min
                .as_ref()
                .and_then(|v| self.bound(&k("min"), v, is_time));
            let max = e
                .max
                .as_ref()
                .and_then(|v| self.bound(&k("max"), v, is_time));
            // A bound that was given but refused has its own error.
            if e.min.is_none() && e.max.is_none() {
                self.error(&key, "a `min` or `max` bound", None);
            }
            if let (Some(lo), Some(hi)) = (min, max)
                && lo > hi
            {
                self.error(
                    &k("max"),
                    format!("`max` at least `min` ({lo}), got {hi}"),
                    Some("no result can pass min > max".into()),
                );
            }
            let whole_interval = match e.mode.as_deref() {
                None | Some("point") => false,
                Some("interval") => true,
                Some(other) => {
                    self.error(
                        &k("mode"),
                        format!("\"point\" or \"interval\", got \"{other}\""),
                        None,
                    );
                    false
                }
            };
            let mut variants = vec![BASE_NAME.to_string()];
            variants.extend(self.alternative_names.iter().cloned());
            let alternative = match &e.alternative {
                None => 0,
                Some(name) => self
                    .reference(&k("alternative"), name, "alternative", &variants)
                    .unwrap_or(0),
            };
            let compared_to = e
                .compared_to
                .as_ref()
                .and_then(|name| self.reference(&k("compared_to"), name, "alternative", &variants));
            if compared_to == Some(alternative) {
                self.error(
                    &k("compared_to"),
                    format!(
                        "an alternative other than `alternative` (\"{}\")",
                        variants[alternative]
                    ),
                    Some("a difference of an alternative with itself is always 0: name the other alternative, or drop `compared_to` to bound the value itself".into()),
                );
            }
            if compared_to.is_some() && !metric.is_session_level() {
                self.error(
                    &k("compared_to"),
                    "a session metric for a difference between alternatives",
                    Some("differences support otp_success, success_within_target, time_to_code_*, cost_per_success, session_share_*".into()),
                );
            }
            let mut label = e.metric.clone();
            if let Some(a) = &e.alternative {
                label.push_str(&format!(" alternative={a}"));
            }
            if let Some(c) = &e.compared_to {
                label.push_str(&format!(" minus {c}"));
            }
            if let Some(p) = &e.provider {
                label.push_str(&format!(" provider={p}"));
            }
            if let Some(c) = &e.carrier {
                label.push_str(&format!(" carrier={c}"));
            }
            out.push(Expectation {
                alternative,
                compared_to,
                metric,
                carrier,
                provider,
                min,
                max,
                whole_interval,
                label,
            });
        }
        out
    }

    pub(super) fn bound(&mut self, key: &str, value: &toml::Value, is_time: bool) -> Option<f64> {
        match (value, is_time) {
            (toml::Value::String(s), true) => {
                Some(self.duration(key, s) as f64 / NANOS_PER_SEC as f64)
            }
            (toml::Value::Float(f), _) if f.is_finite() => Some(*f),
            (toml::Value::Float(f), _) => {
                self.error(key, format!("a finite number, got {f}"), None);
                None
            }
            (toml::Value::Integer(i), _) => Some(*i as f64),
            _ => {
                let expected = if is_time {
                    "a duration such as \"60s\""
                } else {
                    "a number"
                };
                self.error(key, expected, None);
                None
            }
        }
    }
}

/// The index of `name` after `prefix` in `names`.
fn share_of(name: &str, prefix: &str, names: &[&str]) -> Option<usize> {
    let outcome = name.strip_prefix(prefix)?;
    names.iter().position(|n| *n == outcome)
}

/// Every metric an expectation can bound.
fn expect_metric_names() -> Vec<String> {
    let mut names: Vec<String> = EXPECT_METRICS.iter().map(|s| s.to_string()).collect();
    names.extend(MESSAGE_OUTCOMES.iter().map(|o| format!("share_{o}")));
    names.push("share_misrouted".into());
    names.extend(
        SESSION_OUTCOMES
            .iter()
            .map(|o| format!("session_share_{o}")),
    );
    names.extend(LoadMetric::names().into_iter().map(|(n, _)| n));
    names
}

const EXPECT_METRICS: &[&str] = &[
    "otp_success",
    "success_within_target",
    "delivery_rate",
    "receipt_delivery_rate",
    "time_to_code_p50",
    "time_to_code_p90",
    "time_to_code_p99",
    "latency_p50",
    "latency_p90",
    "latency_p99",
    "cost_per_success",
];
