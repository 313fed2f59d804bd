//! Raw scenario → checked `Scenario`: units parsed, names resolved, ranges
//! and sums checked. Every problem becomes a `Diagnostic` naming the key path
//! and, through `locate`, its line and column; all of them are reported at
//! once.

use super::diagnostics::{Diagnostic, ScenarioError, line_col};
use super::locate::locate;
use super::raw::*;
use super::*;
use crate::units::{
    NANOS_PER_DAY, NANOS_PER_HOUR, NANOS_PER_MIN, NANOS_PER_MONTH, NANOS_PER_SEC, parse_duration,
    parse_rate, parse_time_of_day,
};
use toml::de::DeTable;

pub fn validate(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(e) => return Err(syntax_error(text, file, &e)),
    };
    let mut v = Validator {
        text,
        file,
        root: root.into_inner(),
        diagnostics: Vec::new(),
    };
    let raw = match toml::Deserializer::parse(text) {
        Ok(de) => match serde_path_to_error::deserialize::<_, RawScenario>(de) {
            Ok(raw) => raw,
            Err(e) => {
                v.shape_error(&e);
                return Err(v.finish_err());
            }
        },
        Err(e) => return Err(syntax_error(text, file, &e)),
    };
    let scenario = v.build(&raw);
    if v.diagnostics.is_empty() {
        Ok(scenario)
    } else {
        Err(v.finish_err())
    }
}

fn syntax_error(text: &str, file: &str, e: &toml::de::Error) -> ScenarioError {
    let mut d = Diagnostic {
        key: String::new(),
        expected: format!("valid TOML: {}", e.message().trim()),
        hint: Some("check quotes, brackets and `key = value` pairs on this line".into()),
        line: None,
        column: None,
        line_text: None,
        width: 1,
    };
    if let Some(span) = e.span() {
        let (line, column, line_text) = line_col(text, span.start);
        d.line = Some(line);
        d.column = Some(column);
        d.line_text = Some(line_text);
        d.width = (span.end - span.start).max(1);
    }
    ScenarioError {
        file: file.to_string(),
        diagnostics: vec![d],
    }
}

struct Validator<'a> {
    text: &'a str,
    file: &'a str,
    root: DeTable<'a>,
    diagnostics: Vec<Diagnostic>,
}

const PROBABILITY_HINT: &str = "probabilities and shares are fractions: write 0.015 for 1.5%";

impl<'a> Validator<'a> {
    /// The diagnostics in file order, one per key.
    fn finish_err(&mut self) -> ScenarioError {
        let mut diagnostics = std::mem::take(&mut self.diagnostics);
        let mut seen = std::collections::HashSet::new();
        diagnostics.retain(|d| d.key.is_empty() || seen.insert(d.key.clone()));
        diagnostics.sort_by_key(|d| (d.line.unwrap_or(usize::MAX), d.column.unwrap_or(0)));
        ScenarioError {
            file: self.file.to_string(),
            diagnostics,
        }
    }

    fn error(&mut self, key: &str, expected: impl Into<String>, hint: Option<String>) {
        let span = locate(&self.root, key);
        self.push(key, expected.into(), hint, span);
    }

    fn push(
        &mut self,
        key: &str,
        expected: String,
        hint: Option<String>,
        span: Option<std::ops::Range<usize>>,
    ) {
        let mut d = Diagnostic {
            key: key.to_string(),
            expected,
            hint,
            line: None,
            column: None,
            line_text: None,
            width: 1,
        };
        if let Some(span) = span {
            let (line, column, line_text) = line_col(self.text, span.start);
            let first_line_width = self.text[span.clone()]
                .split('\n')
                .next()
                .map_or(1, |s| s.chars().count());
            d.line = Some(line);
            d.column = Some(column);
            d.line_text = Some(line_text);
            d.width = first_line_width.max(1);
        }
        self.diagnostics.push(d);
    }

    /// Turns a serde error (unknown key, missing key, wrong type) into a diagnostic.
    fn shape_error(&mut self, e: &serde_path_to_error::Error<toml::de::Error>) {
        let mut path = e.path().to_string();
        if path == "." {
            path.clear();
        }
        let message = e.inner().message().trim().to_string();
        let span = e.inner().span();
        let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
        if message.starts_with("unknown field") && !quoted.is_empty() {
            let unknown = quoted[0];
            let candidates = &quoted[1..];
            if !path.ends_with(unknown) {
                path = join(&path, unknown);
            }
            let hint = did_you_mean(unknown, candidates.iter().copied()).map_or_else(
                || format!("valid keys here: {}", candidates.join(", ")),
                |best| format!("did you mean `{best}`?"),
            );
            self.push(
                &path,
                format!("a known key, found unknown key `{unknown}`"),
                Some(hint),
                span,
            );
        } else if message.starts_with("missing field") && !quoted.is_empty() {
            let missing = quoted[0];
            let key = join(&path, missing);
            let span = span.or_else(|| locate(&self.root, &path));
            self.push(
                &key,
                format!("a value for required key `{missing}`"),
                Some(format!("add `{missing} = ...`; see docs/scenario.md")),
                span,
            );
        } else {
            let span = span.or_else(|| locate(&self.root, &path));
            self.push(
                &path,
                message.replace("invalid type: ", "another type: "),
                Some("see docs/scenario.md for this key's type and unit".into()),
                span,
            );
        }
    }

    fn duration(&mut self, key: &str, text: &str) -> Nanos {
        match parse_duration(text) {
            Ok(n) => n,
            Err(e) => {
                self.error(key, e.expected, Some(e.hint));
                0
            }
        }
    }

    fn opt_duration(&mut self, key: &str, text: Option<&String>, default: Nanos) -> Nanos {
        text.map_or(default, |t| self.duration(key, t))
    }

    fn probability(&mut self, key: &str, value: Option<f64>, default: f64) -> f64 {
        let Some(p) = value else { return default };
        if !(0.0..=1.0).contains(&p) || p.is_nan() {
            self.error(
                key,
                format!("a probability between 0 and 1, got {p}"),
                Some(PROBABILITY_HINT.into()),
            );
            return default;
        }
        p
    }

    fn non_negative(&mut self, key: &str, value: f64) -> f64 {
        if value.is_nan() || value < 0.0 {
            self.error(key, format!("a non-negative number, got {value}"), None);
            return 0.0;
        }
        value
    }

    fn reference(&mut self, key: &str, name: &str, kind: &str, known: &[String]) -> Option<usize> {
        if let Some(i) = known.iter().position(|k| k == name) {
            return Some(i);
        }
        let hint = did_you_mean(name, known.iter().map(String::as_str)).map_or_else(
            || format!("defined {kind}s: {}", known.join(", ")),
            |best| {
                format!(
                    "did you mean `{best}`? defined {kind}s: {}",
                    known.join(", ")
                )
            },
        );
        self.error(
            key,
            format!("the name of a {kind} defined in this file, got \"{name}\""),
            Some(hint),
        );
        None
    }

    fn dist(&mut self, key: &str, spec: Option<&DistSpec>, default: Distribution) -> Distribution {
        let Some(s) = spec else { return default };
        let shape_hint = "give one of: \"3s\" (fixed), { median = \"3s\", p99 = \"30s\" } (log-normal), { mean = \"10m\" } (exponential), { min = \"1s\", max = \"5s\" } (uniform), { table = [[\"1s\", 0.5], [\"10s\", 1.0]] } (empirical)";
        let shapes = [
            s.median.is_some() || s.p99.is_some(),
            s.fixed.is_some(),
            s.mean.is_some(),
            s.min.is_some() || s.max.is_some(),
            s.table.is_some(),
        ];
        if shapes.iter().filter(|x| **x).count() != 1 {
            self.error(
                key,
                "exactly one distribution shape",
                Some(shape_hint.into()),
            );
            return default;
        }
        if let Some(f) = &s.fixed {
            return Distribution::Fixed(self.duration(&join(key, "fixed"), f));
        }
        if let Some(m) = &s.mean {
            let mean = self.duration(&join(key, "mean"), m);
            return Distribution::Exponential { mean: mean as f64 };
        }
        if s.median.is_some() || s.p99.is_some() {
            let (Some(median), Some(p99)) = (&s.median, &s.p99) else {
                self.error(
                    key,
                    "both `median` and `p99` for a log-normal",
                    Some(shape_hint.into()),
                );
                return default;
            };
            let median = self.duration(&join(key, "median"), median);
            let p99 = self.duration(&join(key, "p99"), p99);
            if p99 < median {
                self.error(
                    &join(key, "p99"),
                    "a p99 at least as large as the median",
                    None,
                );
                return default;
            }
            if p99 == median || median == 0 {
                return Distribution::Fixed(median);
            }
            return Distribution::from_median_p99(median, p99);
        }
        if s.min.is_some() || s.max.is_some() {
            let (Some(min), Some(max)) = (&s.min, &s.max) else {
                self.error(
                    key,
                    "both `min` and `max` for a uniform distribution",
                    Some(shape_hint.into()),
                );
                return default;
            };
            let min = self.duration(&join(key, "min"), min);
            let max = self.duration(&join(key, "max"), max);
            if max < min {
                self.error(&join(key, "max"), "`max` at least as large as `min`", None);
                return default;
            }
            return Distribution::Uniform { min, max };
        }
        let table = s.table.as_ref().expect("one shape is present");
        let table_key = join(key, "table");
        let mut points = Vec::with_capacity(table.len());
        for (i, (value, p)) in table.iter().enumerate() {
            let value = self.duration(&format!("{table_key}[{i}]"), value);
            points.push((value, *p));
        }
        let ordered = points
            .windows(2)
            .all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1);
        let ends_at_one = points.last().is_some_and(|p| (p.1 - 1.0).abs() < 1e-9);
        let in_range = points.iter().all(|p| (0.0..=1.0).contains(&p.1));
        if points.is_empty() || !ordered || !ends_at_one || !in_range {
            self.error(
                &table_key,
                "rows [duration, cumulative probability] rising in both, the last probability 1",
                Some("e.g. table = [[\"1s\", 0.5], [\"5s\", 0.9], [\"60s\", 1.0]]".into()),
            );
            return default;
        }
        Distribution::Empirical { points }
    }

    fn build(&mut self, raw: &RawScenario) -> Scenario {
        let carrier_names: Vec<String> = raw.carriers.keys().cloned().collect();
        let provider_names: Vec<String> = raw.providers.keys().cloned().collect();

        let carriers = self.carriers(raw, &carrier_names);
        let providers = self.providers(raw, &carrier_names);
        let routing = self.routing(&raw.routing, &provider_names, &carrier_names);
        let routes = self.routes(&raw.routes, &carrier_names);
        let otp = self.otp(&raw.otp);
        let mnp = self.mnp(&raw.mnp, &carriers, &carrier_names);
        let users = self.users(&raw.users);
        let traffic = self.traffic(&raw.traffic);

        let meta = &raw.scenario;
        let duration = self.duration("scenario.duration", &meta.duration);
        if duration == 0 {
            self.error(
                "scenario.duration",
                "a positive duration",
                Some("sessions arrive during `duration`; e.g. \"1h\"".into()),
            );
        }
        let longest_validity = carriers.iter().map(|c| c.smsc.validity).max().unwrap_or(0);
        let default_drain = longest_validity + otp.patience;
        let drain = self.opt_duration("scenario.drain", meta.drain.as_ref(), default_drain);
        if drain < longest_validity {
            self.error(
                "scenario.drain",
                format!("a drain of at least the longest SMSC validity ({})", crate::units::Human(longest_validity)),
                Some("every stored message must reach a final state; omit `drain` to use the default".into()),
            );
        }
        let bucket_default = (duration / 12).max(NANOS_PER_SEC);
        let timeline_bucket = self.opt_duration(
            "scenario.timeline_bucket",
            meta.timeline_bucket.as_ref(),
            bucket_default,
        );
        if timeline_bucket == 0 {
            self.error("scenario.timeline_bucket", "a positive duration", None);
        }
        let replications = meta.replications.unwrap_or(10);
        if replications == 0 {
            self.error("scenario.replications", "at least 1 replication", None);
        }

        let outages = self.outages(&raw.outages, &provider_names, &carrier_names);
        let expectations = self.expectations(&raw.expect, &provider_names, &carrier_names);

        Scenario {
            name: meta.name.clone(),
            description: meta.description.clone(),
            duration,
            drain,
            seed: meta.seed.unwrap_or(1),
            replications: replications.max(1),
            timeline_bucket: timeline_bucket.max(1),
            traffic,
            users,
            otp,
            mnp,
            providers,
            routing,
            routes,
            carriers,
            outages,
            expectations,
        }
    }

    fn traffic(&mut self, raw: &RawTraffic) -> Traffic {
        let rate_per_sec = match parse_rate(&raw.rate) {
            Ok(r) => r,
            Err(e) => {
                self.error("traffic.rate", e.expected, Some(e.hint));
                0.0
            }
        };
        let start_of_day = match raw.start_of_day.as_deref().map(parse_time_of_day) {
            None => 0,
            Some(Ok(t)) => t,
            Some(Err(e)) => {
                self.error("traffic.start_of_day", e.expected, Some(e.hint));
                0
            }
        };
        let mut profile = Vec::new();
        for (i, p) in raw.profile.iter().enumerate() {
            let at = match parse_time_of_day(&p.at) {
                Ok(t) => t % NANOS_PER_DAY,
                Err(e) => {
                    self.error(
                        &format!("traffic.profile[{i}].at"),
                        e.expected,
                        Some(e.hint),
                    );
                    0
                }
            };
            let factor = self.non_negative(&format!("traffic.profile[{i}].factor"), p.factor);
            profile.push((at, factor));
        }
        if profile.windows(2).any(|w| w[0].0 >= w[1].0) {
            self.error(
                "traffic.profile",
                "points in increasing time of day",
                Some("list them from 00:00 to 23:59".into()),
            );
        }
        let mut bursts = Vec::new();
        for (i, b) in raw.bursts.iter().enumerate() {
            let key = format!("traffic.bursts[{i}]");
            bursts.push(Burst {
                start: self.duration(&join(&key, "start"), &b.start),
                duration: self.duration(&join(&key, "duration"), &b.duration),
                multiplier: self.non_negative(&join(&key, "multiplier"), b.multiplier),
            });
        }
        Traffic {
            rate_per_sec,
            start_of_day,
            profile,
            bursts,
        }
    }

    fn users(&mut self, raw: &RawUsers) -> Users {
        let typo = self.probability("users.typo", raw.typo, 0.0);
        let stale = self.probability("users.stale", raw.stale, 0.0);
        if typo + stale > 1.0 {
            self.error("users.stale", "`typo` + `stale` at most 1", None);
        }
        let present = self.dist(
            "users.presence.present",
            raw.presence.present.as_ref(),
            Distribution::Fixed(100 * 365 * NANOS_PER_DAY),
        );
        let absent = self.dist(
            "users.presence.absent",
            raw.presence.absent.as_ref(),
            Distribution::ZERO,
        );
        if present.mean() <= 0.0 && absent.mean() <= 0.0 {
            self.error(
                "users.presence",
                "present or absent periods with a positive mean",
                None,
            );
        }
        Users {
            typo,
            stale,
            recycled: self.probability("users.recycled", raw.recycled, 0.0),
            presence: Presence { present, absent },
        }
    }

    fn otp(&mut self, raw: &RawOtp) -> Otp {
        let resend_after = self.opt_duration(
            "otp.resend_after",
            raw.resend_after.as_ref(),
            60 * NANOS_PER_SEC,
        );
        if resend_after == 0 {
            self.error(
                "otp.resend_after",
                "a positive duration",
                Some("users wait 30-60 s before asking again".into()),
            );
        }
        let max_sends = raw.max_sends.unwrap_or(3);
        if max_sends == 0 {
            self.error("otp.max_sends", "at least 1 send", None);
        }
        let voice = raw.voice.as_ref().map(|v| Voice {
            after: self.opt_duration("otp.voice.after", v.after.as_ref(), resend_after),
            success: self.probability("otp.voice.success", Some(v.success), 0.0),
            latency: self.dist(
                "otp.voice.latency",
                v.latency.as_ref(),
                Distribution::Fixed(20 * NANOS_PER_SEC),
            ),
            cost: self.non_negative("otp.voice.cost", v.cost.unwrap_or(0.0)),
        });
        Otp {
            resend_after: resend_after.max(1),
            max_sends: max_sends.max(1),
            ttl: self.opt_duration("otp.ttl", raw.ttl.as_ref(), 10 * NANOS_PER_MIN),
            invalidate_previous: raw.invalidate_previous.unwrap_or(false),
            patience: self.opt_duration("otp.patience", raw.patience.as_ref(), 10 * NANOS_PER_MIN),
            voice,
        }
    }

    fn mnp(&mut self, raw: &RawMnp, carriers: &[Carrier], names: &[String]) -> Mnp {
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

    fn carriers(&mut self, raw: &RawScenario, names: &[String]) -> Vec<Carrier> {
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
                spam_filter: self.probability(&k("spam_filter"), c.spam_filter, 0.0),
                reject_overseas: self.probability(&k("reject_overseas"), c.reject_overseas, 0.0),
                sender_blocked: self.probability(&k("sender_blocked"), c.sender_blocked, 0.0),
                post_port_intl_failure: self.probability(
                    &k("post_port_intl_failure"),
                    c.post_port_intl_failure,
                    0.0,
                ),
                not_sms_capable: self.probability(&k("not_sms_capable"), c.not_sms_capable, 0.0),
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
        }
        let total: f64 = carriers.iter().map(|c| c.share).sum();
        if !carriers.is_empty() && (total - 1.0).abs() > 1e-6 {
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

    fn retry_schedule(&mut self, key: &str, list: &[String]) -> Vec<Nanos> {
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

    fn providers(&mut self, raw: &RawScenario, carrier_names: &[String]) -> Vec<Provider> {
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
            let tps = match p.tps.as_deref().map(parse_rate) {
                None => None,
                Some(Ok(r)) if r > 0.0 => Some(r),
                Some(Ok(_)) => {
                    self.error(
                        &k("tps"),
                        "a positive rate",
                        Some("omit `tps` for no limit".into()),
                    );
                    None
                }
                Some(Err(e)) => {
                    self.error(&k("tps"), e.expected, Some(e.hint));
                    None
                }
            };
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
            let base_price = self.non_negative(&k("price"), p.price.unwrap_or(0.0));
            let mut price = vec![base_price; carrier_names.len()];
            for (carrier, value) in &p.price_by_carrier {
                let cell = format!("{key}.price_by_carrier.{carrier}");
                if let Some(c) = self.reference(&cell, carrier, "carrier", carrier_names) {
                    price[c] = self.non_negative(&cell, *value);
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
            providers.push(Provider {
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
            });
        }
        providers
    }

    fn route_kind(&mut self, key: &str, text: &str) -> RouteKind {
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

    fn routing(&mut self, raw: &RawRouting, providers: &[String], carriers: &[String]) -> Routing {
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
                    &format!("routing.{field}"),
                    format!("no `{field}` with policy = \"{}\"", raw.policy),
                    Some(format!("`{field}` belongs to policy = \"{policy}\"")),
                );
            }
        }
        let fallback = Routing::Single(0);
        match raw.policy.as_str() {
            "single" => match &raw.provider {
                Some(name) => self
                    .reference("routing.provider", name, "provider", providers)
                    .map_or(fallback, Routing::Single),
                None => {
                    self.error(
                        "routing.provider",
                        "a provider for policy = \"single\"",
                        None,
                    );
                    fallback
                }
            },
            "weighted" => {
                let Some(weights) = &raw.weights else {
                    self.error(
                        "routing.weights",
                        "weights for policy = \"weighted\"",
                        Some("e.g. weights = { aggregator = 0.7, direct = 0.3 }".into()),
                    );
                    return fallback;
                };
                let mut entries = Vec::new();
                for (name, w) in weights {
                    let key = format!("routing.weights.{name}");
                    if let Some(i) = self.reference(&key, name, "provider", providers) {
                        entries.push((i, self.non_negative(&key, *w)));
                    }
                }
                let total: f64 = entries.iter().map(|e| e.1).sum();
                if total <= 0.0 {
                    self.error("routing.weights", "at least one positive weight", None);
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
                let default = raw
                    .default
                    .as_ref()
                    .and_then(|d| self.reference("routing.default", d, "provider", providers));
                let mut table = vec![default; carriers.len()];
                for (carrier, provider) in raw.carriers.iter().flatten() {
                    let key = format!("routing.carriers.{carrier}");
                    let c = self.reference(&key, carrier, "carrier", carriers);
                    let p = self.reference(&key, provider, "provider", providers);
                    if let (Some(c), Some(p)) = (c, p) {
                        table[c] = Some(p);
                    }
                }
                if let Some(missing) = table.iter().position(Option::is_none) {
                    if raw.default.is_none() {
                        self.error(
                            "routing.default",
                            format!(
                                "a default provider (carrier `{}` has none)",
                                carriers[missing]
                            ),
                            Some("add default = \"PROVIDER\" or list every carrier".into()),
                        );
                    }
                    return fallback;
                }
                Routing::ByCarrier(table.into_iter().map(|p| p.unwrap_or(0)).collect())
            }
            "failover" => {
                let order: Vec<usize> = raw
                    .order
                    .iter()
                    .flatten()
                    .enumerate()
                    .filter_map(|(i, name)| {
                        self.reference(&format!("routing.order[{i}]"), name, "provider", providers)
                    })
                    .collect();
                if raw.order.as_ref().is_none_or(Vec::is_empty) {
                    self.error(
                        "routing.order",
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
                    "routing.policy",
                    format!("a routing policy, got \"{other}\""),
                    Some(hint),
                );
                fallback
            }
        }
    }

    fn routes(&mut self, raw: &RawRoutes, carriers: &[String]) -> [Vec<RouteLeg>; 2] {
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

    fn outages(
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
                .and_then(|p| self.reference(&k("provider"), p, "provider", providers));
            let carrier = o
                .carrier
                .as_ref()
                .and_then(|c| self.reference(&k("carrier"), c, "carrier", carriers));
            let route = o.route.as_ref().map(|r| self.route_kind(&k("route"), r));
            let target = match (o.provider.is_some(), provider, carrier, route) {
                (true, Some(p), None, None) if o.carrier.is_none() => OutageTarget::Provider(p),
                (false, None, Some(c), None) => OutageTarget::Carrier(c),
                (false, None, None, Some(r)) if o.carrier.is_none() => OutageTarget::Route(r),
                (false, None, Some(c), Some(r)) => OutageTarget::CarrierRoute(c, r),
                _ => {
                    if self.diagnostics.is_empty() {
                        self.error(
                            &key,
                            "a target: `provider`, `carrier`, `route`, or `carrier` with `route`",
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
                        format!("\"reject\", \"store\", \"drop\" or \"delay\", got \"{other}\""),
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

    fn expectations(
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
                "delivery_rate" => ExpectMetric::DeliveryRate,
                "receipt_delivery_rate" => ExpectMetric::ReceiptDeliveryRate,
                "time_to_code_p50" => ExpectMetric::TimeToCode(50),
                "time_to_code_p90" => ExpectMetric::TimeToCode(90),
                "time_to_code_p99" => ExpectMetric::TimeToCode(99),
                "latency_p50" => ExpectMetric::Latency(50),
                "latency_p90" => ExpectMetric::Latency(90),
                "latency_p99" => ExpectMetric::Latency(99),
                "cost_per_success" => ExpectMetric::CostPerSuccess,
                other => {
                    let known = EXPECT_METRICS;
                    let hint = did_you_mean(other, known.iter().copied()).map_or_else(
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
            };
            let session_level = matches!(
                metric,
                ExpectMetric::OtpSuccess
                    | ExpectMetric::TimeToCode(_)
                    | ExpectMetric::CostPerSuccess
            );
            if session_level && e.provider.is_some() {
                self.error(
                    &k("provider"),
                    format!("no provider scope for session metric `{}`", e.metric),
                    Some("session metrics are per carrier or overall".into()),
                );
            }
            let provider = e
                .provider
                .as_ref()
                .and_then(|p| self.reference(&k("provider"), p, "provider", providers));
            let carrier = e
                .carrier
                .as_ref()
                .and_then(|c| self.reference(&k("carrier"), c, "carrier", carriers));
            let is_time = matches!(
                metric,
                ExpectMetric::TimeToCode(_) | ExpectMetric::Latency(_)
            );
            let min = e
                .min
                .as_ref()
                .and_then(|v| self.bound(&k("min"), v, is_time));
            let max = e
                .max
                .as_ref()
                .and_then(|v| self.bound(&k("max"), v, is_time));
            if min.is_none() && max.is_none() {
                self.error(&key, "a `min` or `max` bound", None);
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
            let mut label = e.metric.clone();
            if let Some(p) = &e.provider {
                label.push_str(&format!(" provider={p}"));
            }
            if let Some(c) = &e.carrier {
                label.push_str(&format!(" carrier={c}"));
            }
            out.push(Expectation {
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

    fn bound(&mut self, key: &str, value: &toml::Value, is_time: bool) -> Option<f64> {
        match (value, is_time) {
            (toml::Value::String(s), true) => {
                Some(self.duration(key, s) as f64 / NANOS_PER_SEC as f64)
            }
            (toml::Value::Float(f), _) => Some(*f),
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

const EXPECT_METRICS: &[&str] = &[
    "otp_success",
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

/// Aggregator practice [V]: every minute for 5 min, every 10 min for an
/// hour, then hourly.
fn default_retry_schedule() -> Vec<Nanos> {
    let mut s = vec![NANOS_PER_MIN; 5];
    s.extend([10 * NANOS_PER_MIN; 6]);
    s.push(NANOS_PER_HOUR);
    s
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The closest candidate by edit distance, if close enough to be a typo.
fn did_you_mean<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    candidates
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_find_close_keys() {
        assert_eq!(
            did_you_mean("spam_filtr", ["share", "spam_filter"].into_iter()),
            Some("spam_filter")
        );
        assert_eq!(
            did_you_mean("zzz", ["share", "spam_filter"].into_iter()),
            None
        );
    }
}
