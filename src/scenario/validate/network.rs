//! Validation of the network: portability, carriers, providers, routing, routes.

use super::Validator;
use super::join;
use super::{did_you_mean, round6};
use crate::distribution::Distribution;
use crate::scenario::limits::MAX_SMSC_ATTEMPTS;
use crate::scenario::raw::*;
use crate::scenario::*;
use crate::units::{NANOS_PER_DAY, NANOS_PER_HOUR, NANOS_PER_MIN, NANOS_PER_MONTH, NANOS_PER_SEC};

impl Validator<'_> {
    pub(super) fn mnp(&mut self, raw: &RawMnp, carriers: &[Carrier], names: &[String]) -> Mnp {
        let n = carriers.len();
        // flows[i][j]: share of carrier i's port-outs that go to j.
        let mut flows = vec![vec![0.0; n]; n];
        for (i, row) in flows.iter_mut().enumerate() {
            let others: f64 = carriers
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, c)| c.share)
                .sum();
            for (j, cell) in row.iter_mut().enumerate() {
                if j != i && others > 0.0 {
                    *cell = carriers[j].share / others;
                }
            }
        }
        for (from, row) in &raw.flows {
            let key = format!("mnp.flows.{from}");
            let Some(i) = self.reference(&key, from, "carrier", names) else {
                continue;
            };
            let mut weights = vec![0.0; n];
            for (to, w) in row {
                let cell = join(&key, to);
                let Some(j) = self.reference(&cell, to, "carrier", names) else {
                    continue;
                };
                if j == i {
                    self.error(
                        &cell,
                        "a flow to another carrier",
                        Some("a number cannot port to the carrier it is on".into()),
                    );
                }
                weights[j] = self.non_negative(&cell, *w);
            }
            let total: f64 = weights.iter().sum();
            if total <= 0.0 {
                self.error(&key, "at least one positive flow weight", None);
                continue;
            }
            flows[i] = weights.iter().map(|w| w / total).collect();
        }
        let mut port_in_rate = vec![0.0; n];
        let mut donor_cdf = vec![vec![0.0; n]; n];
        for j in 0..n {
            let inflow: Vec<f64> = (0..n)
                .map(|i| carriers[i].share * carriers[i].churn * flows[i][j])
                .collect();
            let total: f64 = inflow.iter().sum();
            if carriers[j].share > 0.0 {
                port_in_rate[j] = total / carriers[j].share / NANOS_PER_MONTH as f64;
            }
            let mut acc = 0.0;
            for i in 0..n {
                acc += if total > 0.0 { inflow[i] / total } else { 0.0 };
                donor_cdf[j][i] = acc;
            }
        }
        Mnp {
            number_age: self.opt_duration(
                "mnp.number_age",
                raw.number_age.as_ref(),
                10 * 365 * NANOS_PER_DAY,
            ),
            post_port_window: self.dist(
                "mnp.post_port_window",
                raw.post_port_window.as_ref(),
                Distribution::from_median_p99(3 * NANOS_PER_DAY, 28 * NANOS_PER_DAY),
            ),
            port_in_rate,
            donor_cdf,
        }
    }

    pub(super) fn carriers(&mut self, raw: &RawScenario, names: &[String]) -> Vec<Carrier> {
        if names.is_empty() {
            self.error(
                "carriers",
                "at least one carrier",
                Some("add a [carriers.NAME] table with a `share`".into()),
            );
        }
        let default_churn = raw.mnp.churn;
        let mut carriers = Vec::new();
        for (name, c) in &raw.carriers {
            let key = format!("carriers.{name}");
            let k = |field: &str| join(&key, field);
            let share = self.probability(&k("share"), Some(c.share), 0.0);
            let churn = match c.churn.or(default_churn) {
                Some(v) if c.churn.is_some() => self.probability(&k("churn"), Some(v), 0.0),
                Some(v) => self.probability("mnp.churn", Some(v), 0.0),
                None => 0.0,
            };
            let retry = match &c.smsc.retry {
                None => default_retry_schedule(),
                Some(list) => self.retry_schedule(&k("smsc.retry"), list),
            };
            let misrouted = match c.misrouted.action.as_deref() {
                None | Some("forward") => Misrouted::Forward {
                    extra_latency: self.dist(
                        &k("misrouted.extra_latency"),
                        c.misrouted.extra_latency.as_ref(),
                        Distribution::ZERO,
                    ),
                    intl_failure: self.probability(
                        &k("misrouted.intl_failure"),
                        c.misrouted.intl_failure,
                        0.0,
                    ),
                },
                Some("reject") => Misrouted::Reject,
                Some(other) => {
                    self.error(
                        &k("misrouted.action"),
                        format!("\"forward\" or \"reject\", got \"{other}\""),
                        None,
                    );
                    Misrouted::Reject
                }
            };
            carriers.push(Carrier {
                name: name.clone(),
                share,
                churn,
                intl_filter: self.probability(&k("intl_filter"), c.intl_filter, 0.0),
                intl_filter_per_number: self.probability(
                    &k("intl_filter_per_number"),
                    c.intl_filter_per_number,
                    0.0,
                ),
                spam_filter: self.probability(&k("spam_filter"), c.spam_filter, 0.0),
                spam_filter_per_number: self.probability(
                    &k("spam_filter_per_number"),
                    c.spam_filter_per_number,
                    0.0,
                ),
                reject_overseas: self.probability(&k("reject_overseas"), c.reject_overseas, 0.0),
                sender_blocked: self.probability(&k("sender_blocked"), c.sender_blocked, 0.0),
                post_port_intl_failure: self.probability(
                    &k("post_port_intl_failure"),
                    c.post_port_intl_failure,
                    0.0,
                ),
                not_sms_capable: self.probability(&k("not_sms_capable"), c.not_sms_capable, 0.0),
                undeliverable: self.probability(&k("undeliverable"), c.undeliverable, 0.0),
                max_segments: self.segment_cap(&key, c),
                repeat_filter: c.repeat_filter.as_ref().and_then(|r| {
                    let window = self.window(&k("repeat_filter.window"), &r.window);
                    let probability =
                        self.probability(&k("repeat_filter.probability"), Some(r.probability), 0.0);
                    let window = window?;
                    Some(RepeatFilter {
                        after: r.after,
                        window,
                        probability,
                    })
                }),
                radio_delay: self.dist(
                    &k("radio_delay"),
                    c.radio_delay.as_ref(),
                    Distribution::ZERO,
                ),
                smsc: Smsc {
                    retry,
                    validity: self.opt_duration(
                        &k("smsc.validity"),
                        c.smsc.validity.as_ref(),
                        48 * NANOS_PER_HOUR,
                    ),
                    hlr_alert: c.smsc.hlr_alert.unwrap_or(true),
                },
                misrouted,
            });
            if let Some(c) = carriers.last() {
                self.smsc_attempts(&k("smsc.retry"), &c.smsc);
            }
        }
        let total: f64 = carriers.iter().map(|c| c.share).sum();
        // A share refused above (NaN, negative, above 1) has its own error;
        // a sum over the others would blame the wrong thing.
        let shares_valid = raw
            .carriers
            .values()
            .all(|c| (0.0..=1.0).contains(&c.share));
        if !carriers.is_empty() && shares_valid && (total - 1.0).abs() > 1e-6 {
            let listed: Vec<String> = carriers
                .iter()
                .map(|c| format!("{} {}", c.name, c.share))
                .collect();
            self.error(
                "carriers",
                format!("carrier shares summing to 1, got {}", round6(total)),
                Some(format!(
                    "shares are fractions of all numbers: {}",
                    listed.join(", ")
                )),
            );
        }
        carriers
    }

    /// The schedule makes at most `MAX_SMSC_ATTEMPTS` attempts within the
    /// validity: each is simulated.
    fn smsc_attempts(&mut self, key: &str, smsc: &Smsc) {
        let mut elapsed: Nanos = 0;
        let mut attempts: u64 = 1;
        for interval in &smsc.retry {
            if elapsed >= smsc.validity {
                return;
            }
            elapsed = elapsed.saturating_add(*interval);
            attempts += 1;
        }
        let last = *smsc.retry.last().unwrap_or(&1);
        attempts += smsc.validity.saturating_sub(elapsed) / last.max(1);
        if attempts > MAX_SMSC_ATTEMPTS {
            self.error(
                key,
                format!(
                    "at most {MAX_SMSC_ATTEMPTS} delivery attempts within the validity ({}), got {attempts}",
                    crate::units::Human(smsc.validity)
                ),
                Some("SMSCs retry minutes to hours apart: lengthen the last interval (it repeats) or shorten smsc.validity".into()),
            );
        }
    }

    pub(super) fn retry_schedule(&mut self, key: &str, list: &[String]) -> Vec<Nanos> {
        let mut schedule = Vec::new();
        for (i, entry) in list.iter().enumerate() {
            let entry_key = format!("{key}[{i}]");
            // "5x1m" repeats an interval five times.
            let (count, interval) = match entry.split_once('x') {
                Some((n, rest)) if n.trim().parse::<u32>().is_ok() => {
                    (n.trim().parse::<u32>().unwrap_or(1), rest)
                }
                _ => (1, entry.as_str()),
            };
            let interval = self.duration(&entry_key, interval);
            if interval == 0 {
                self.error(&entry_key, "a positive retry interval", None);
            }
            for _ in 0..count.min(10_000) {
                schedule.push(interval.max(1));
            }
        }
        if schedule.is_empty() {
            self.error(
                key,
                "a non-empty retry schedule",
                Some(
                    "e.g. retry = [\"5x1m\", \"6x10m\", \"1h\"]; the last interval repeats".into(),
                ),
            );
            return default_retry_schedule();
        }
        schedule
    }

    pub(super) fn providers(
        &mut self,
        raw: &RawScenario,
        carrier_names: &[String],
        message: &MessageSettings,
    ) -> Vec<Provider> {
        if raw.providers.is_empty() {
            self.error(
                "providers",
                "at least one provider",
                Some("add a [providers.NAME] table with a `route`".into()),
            );
        }
        let mut providers = Vec::new();
        for (name, p) in &raw.providers {
            let key = format!("providers.{name}");
            let k = |field: &str| join(&key, field);
            let route = self.route_kind(&k("route"), &p.route);
            let tps = self.opt_tps(&k("tps"), p.tps.as_deref());
            let lookup = match p.lookup.as_deref() {
                None | Some("live") => Lookup::Live,
                Some("none") => Lookup::None,
                Some("database") => match &p.lookup_lag {
                    Some(lag) => Lookup::Database {
                        lag: self.duration(&k("lookup_lag"), lag),
                    },
                    None => {
                        self.error(
                            &k("lookup_lag"),
                            "a lag for lookup = \"database\"",
                            Some("e.g. lookup_lag = \"7d\"".into()),
                        );
                        Lookup::Live
                    }
                },
                Some(other) => {
                    self.error(
                        &k("lookup"),
                        format!("\"live\", \"database\" or \"none\", got \"{other}\""),
                        None,
                    );
                    Lookup::Live
                }
            };
            if p.lookup_lag.is_some() && !matches!(lookup, Lookup::Database { .. }) {
                self.error(
                    &k("lookup_lag"),
                    "no `lookup_lag` unless lookup = \"database\"",
                    None,
                );
            }
            let base_price = self.money(&k("price"), p.price.unwrap_or(0.0));
            let mut price = vec![base_price; carrier_names.len()];
            for (carrier, value) in &p.price_by_carrier {
                let cell = format!("{key}.price_by_carrier.{carrier}");
                if let Some(c) = self.reference(&cell, carrier, "carrier", carrier_names) {
                    price[c] = self.money(&cell, *value);
                }
            }
            let mut legs = vec![LegOverride::default(); carrier_names.len()];
            for (carrier, o) in &p.carriers {
                let okey = format!("{key}.carriers.{carrier}");
                if let Some(c) = self.reference(&okey, carrier, "carrier", carrier_names) {
                    legs[c] = LegOverride {
                        latency: o.latency.as_ref().map(|d| {
                            self.dist(&join(&okey, "latency"), Some(d), Distribution::ZERO)
                        }),
                        loss: o
                            .loss
                            .map(|l| self.probability(&join(&okey, "loss"), Some(l), 0.0)),
                    };
                }
            }
            let billing = match p.billing.as_deref() {
                None | Some("submitted") => Billing::PerSubmitted,
                Some("delivered") => Billing::PerDelivered,
                Some(other) => {
                    self.error(
                        &k("billing"),
                        format!("\"submitted\" or \"delivered\", got \"{other}\""),
                        None,
                    );
                    Billing::PerSubmitted
                }
            };
            let filtered_receipt = match p.receipts.filtered_as.as_deref() {
                None | Some("undelivered") => FilteredReceipt::Undelivered,
                Some("rejected") => FilteredReceipt::Rejected,
                Some("delivered") => FilteredReceipt::Delivered,
                Some("none") => FilteredReceipt::Nothing,
                Some(other) => {
                    self.error(
                        &k("receipts.filtered_as"),
                        format!("\"rejected\", \"undelivered\", \"delivered\" or \"none\", got \"{other}\""),
                        None,
                    );
                    FilteredReceipt::Undelivered
                }
            };
            let per_number_limit = p.per_number_limit.as_ref().and_then(|l| {
                let window = self.window(&k("per_number_limit.window"), &l.window);
                if l.count == 0 {
                    self.error(
                        &k("per_number_limit.count"),
                        "at least 1 send per window",
                        Some("omit per_number_limit for no limit".into()),
                    );
                    return None;
                }
                Some((l.count, window?))
            });
            let body = self.provider_body(name, p, message);
            let tps_unit = self.tps_unit(&k("tps_unit"), p.tps_unit.as_deref());
            providers.push(Provider {
                body,
                tps_unit,
                per_number_limit,
                name: name.clone(),
                route,
                service_time: tps
                    .map_or(0, |r| ((NANOS_PER_SEC as f64 / r).round() as Nanos).max(1)),
                tps,
                queue_capacity: p.queue_capacity.unwrap_or(u64::MAX),
                max_queue_time: self.opt_duration(
                    &k("max_queue_time"),
                    p.max_queue_time.as_ref(),
                    10 * NANOS_PER_HOUR,
                ),
                submit_latency: self.dist(
                    &k("submit_latency"),
                    p.submit_latency.as_ref(),
                    Distribution::ZERO,
                ),
                lookup,
                price,
                billing,
                receipt_probability: self.probability(
                    &k("receipts.probability"),
                    p.receipts.probability,
                    1.0,
                ),
                filtered_receipt,
                sender_blocked: p
                    .sender_blocked
                    .map(|s| self.probability(&k("sender_blocked"), Some(s), 0.0)),
                legs,
            });
        }
        providers
    }

    pub(super) fn route_kind(&mut self, key: &str, text: &str) -> RouteKind {
        match text {
            "domestic" => RouteKind::Domestic,
            "international" => RouteKind::International,
            other => {
                self.error(
                    key,
                    format!("\"domestic\" or \"international\", got \"{other}\""),
                    None,
                );
                RouteKind::Domestic
            }
        }
    }

    /// Checks a routing policy; `prefix` is its key path (`routing`, or an
    /// alternative's).
    pub(super) fn routing(
        &mut self,
        prefix: &str,
        raw: &RawRouting,
        providers: &[String],
        carriers: &[String],
    ) -> Routing {
        let used = [
            ("provider", raw.provider.is_some(), "single"),
            ("weights", raw.weights.is_some(), "weighted"),
            ("carriers", raw.carriers.is_some(), "by_carrier"),
            ("default", raw.default.is_some(), "by_carrier"),
            ("order", raw.order.is_some(), "failover"),
        ];
        for (field, present, policy) in used {
            if present && raw.policy != policy {
                self.error(
                    &format!("{prefix}.{field}"),
                    format!("no `{field}` with policy = \"{}\"", raw.policy),
                    Some(format!("`{field}` belongs to policy = \"{policy}\"")),
                );
            }
        }
        let fallback = Routing::Single(ProviderId::new(0));
        match raw.policy.as_str() {
            "single" => match &raw.provider {
                Some(name) => self
                    .reference(&format!("{prefix}.provider"), name, "provider", providers)
                    .map_or(fallback, |p| Routing::Single(ProviderId::new(p))),
                None => {
                    self.error(
                        &format!("{prefix}.provider"),
                        "a provider for policy = \"single\"",
                        None,
                    );
                    fallback
                }
            },
            "weighted" => {
                let Some(weights) = &raw.weights else {
                    self.error(
                        &format!("{prefix}.weights"),
                        "weights for policy = \"weighted\"",
                        Some("e.g. weights = { aggregator = 0.7, direct = 0.3 }".into()),
                    );
                    return fallback;
                };
                let mut entries = Vec::new();
                for (name, w) in weights {
                    let key = format!("{prefix}.weights.{name}");
                    if let Some(i) = self.reference(&key, name, "provider", providers) {
                        entries.push((ProviderId::new(i), self.non_negative(&key, *w)));
                    }
                }
                let total: f64 = entries.iter().map(|e| e.1).sum();
                if total <= 0.0 {
                    self.error(
                        &format!("{prefix}.weights"),
                        "at least one positive weight",
                        None,
                    );
                    return fallback;
                }
                let mut acc = 0.0;
                Routing::Weighted(
                    entries
                        .into_iter()
                        .map(|(i, w)| {
                            acc += w / total;
                            (i, acc)
                        })
                        .collect(),
                )
            }
            "by_carrier" => {
                let default = raw.default.as_ref().and_then(|d| {
                    self.reference(&format!("{prefix}.default"), d, "provider", providers)
                });
                let mut table = vec![default; carriers.len()];
                for (carrier, provider) in raw.carriers.iter().flatten() {
                    let key = format!("{prefix}.carriers.{carrier}");
                    let c = self.reference(&key, carrier, "carrier", carriers);
                    let p = self.reference(&key, provider, "provider", providers);
                    if let (Some(c), Some(p)) = (c, p) {
                        table[c] = Some(p);
                    }
                }
                if let Some(missing) = table.iter().position(Option::is_none) {
                    if raw.default.is_none() {
                        self.error(
                            &format!("{prefix}.default"),
                            format!(
                                "a default provider (carrier `{}` has none)",
                                carriers[missing]
                            ),
                            Some("add default = \"PROVIDER\" or list every carrier".into()),
                        );
                    }
                    return fallback;
                }
                Routing::ByCarrier(
                    table
                        .into_iter()
                        .map(|p| ProviderId::new(p.unwrap_or(0)))
                        .collect(),
                )
            }
            "failover" => {
                let order: Vec<ProviderId> = raw
                    .order
                    .iter()
                    .flatten()
                    .enumerate()
                    .filter_map(|(i, name)| {
                        self.reference(&format!("{prefix}.order[{i}]"), name, "provider", providers)
                    })
                    .map(ProviderId::new)
                    .collect();
                if raw.order.as_ref().is_none_or(Vec::is_empty) {
                    self.error(
                        &format!("{prefix}.order"),
                        "a non-empty list of providers",
                        Some("e.g. order = [\"aggregator\", \"direct\"]".into()),
                    );
                    return fallback;
                }
                Routing::Failover(order)
            }
            other => {
                let policies = ["single", "weighted", "by_carrier", "failover"];
                let hint = did_you_mean(other, policies.iter().copied()).map_or_else(
                    || "one of: single, weighted, by_carrier, failover".to_string(),
                    |b| format!("did you mean \"{b}\"?"),
                );
                self.error(
                    &format!("{prefix}.policy"),
                    format!("a routing policy, got \"{other}\""),
                    Some(hint),
                );
                fallback
            }
        }
    }

    pub(super) fn routes(&mut self, raw: &RawRoutes, carriers: &[String]) -> [Vec<RouteLeg>; 2] {
        let mut legs = |name: &str, route: Option<&RawRoute>| -> Vec<RouteLeg> {
            let key = format!("routes.{name}");
            let base = RouteLeg {
                latency: self.dist(
                    &join(&key, "latency"),
                    route.and_then(|r| r.latency.as_ref()),
                    Distribution::ZERO,
                ),
                loss: self.probability(&join(&key, "loss"), route.and_then(|r| r.loss), 0.0),
            };
            let mut legs = vec![base.clone(); carriers.len()];
            for (carrier, o) in route.iter().flat_map(|r| r.carriers.iter()) {
                let okey = format!("{key}.carriers.{carrier}");
                if let Some(c) = self.reference(&okey, carrier, "carrier", carriers) {
                    legs[c] = RouteLeg {
                        latency: self.dist(
                            &join(&okey, "latency"),
                            o.latency.as_ref(),
                            base.latency.clone(),
                        ),
                        loss: self.probability(&join(&okey, "loss"), o.loss, base.loss),
                    };
                }
            }
            legs
        };
        let domestic = legs("domestic", raw.domestic.as_ref());
        let international = legs("international", raw.international.as_ref());
        [domestic, international]
    }
}

/// hour, then hourly.
fn default_retry_schedule() -> Vec<Nanos> {
    let mut s = vec![NANOS_PER_MIN; 5];
    s.extend([10 * NANOS_PER_MIN; 6]);
    s.push(NANOS_PER_HOUR);
    s
}
