//! The fitted scenario: TOML that `check`, `run`, `compare`, `serve` and
//! `load` take as is. Every value the records identified carries a comment
//! with its sample size and 95% interval; every other value comes from
//! `--base` (and says so) or is simsms's default written out (and says it
//! was not identified), never silently.

use super::FinalState;
use super::estimate::latency;
use super::estimate::persistence::Persistence;
use super::estimates::{CellFit, Fit};
use crate::stats::Estimate;
use crate::stats::Quantile;
use crate::units::HumanRate;
use std::fmt::Write;

/// The base scenario: its text as a TOML table, for the keys the records
/// cannot identify.
pub struct Base {
    pub file: String,
    pub table: toml::Table,
}

impl Base {
    fn get(&self, path: &[&str]) -> Option<&toml::Value> {
        let mut v = self.table.get(path[0])?;
        for key in &path[1..] {
            v = v.get(key)?;
        }
        Some(v)
    }
}

/// A value taken from the base, rendered as TOML, with its provenance.
fn from_base(base: Option<&Base>, path: &[&str]) -> Option<(String, String)> {
    let base = base?;
    base.get(path).map(|v| {
        let file = super::collect::printable(&base.file);
        (inline(v), format!("from --base {file}"))
    })
}

/// A TOML value on one line (tables inline).
fn inline(v: &toml::Value) -> String {
    match v {
        toml::Value::Table(t) => {
            let fields: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{} = {}", key(k), inline(v)))
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
        toml::Value::Array(a) => {
            let items: Vec<String> = a.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// A bare key, or a quoted one when it needs quotes.
fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml::Value::String(k.to_string()).to_string()
    }
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Seconds as a scenario duration, to the millisecond: "12.345s".
fn duration(seconds: f64) -> String {
    latency::duration_text(seconds)
}

/// A probability as written in the scenario: 6 decimals, in [0, 1].
fn probability(p: f64) -> String {
    let p = if p.is_finite() {
        p.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let text = format!("{p:.6}");
    let trimmed = text.trim_end_matches('0');
    if trimmed.ends_with('.') {
        format!("{trimmed}0")
    } else {
        trimmed.to_string()
    }
}

/// "0.0123 [0.0101, 0.0148], n = 4,210" for a share's comment.
fn share_note(e: &Estimate, n: u64) -> String {
    format!(
        "{} [{}, {}], n = {}",
        probability(e.value),
        probability(e.low),
        probability(e.high),
        crate::units::grouped(n as f64, 0, false)
    )
}

/// The document being written: sections and commented keys.
struct Doc(String);

impl Doc {
    fn comment(&mut self, text: &str) {
        for line in text.lines() {
            let _ = writeln!(self.0, "# {line}");
        }
    }

    fn section(&mut self, name: &str) {
        let _ = writeln!(self.0, "\n[{name}]");
    }

    fn key(&mut self, name: &str, value: &str, note: &str) {
        if note.is_empty() {
            let _ = writeln!(self.0, "{name} = {value}");
        } else {
            let _ = writeln!(self.0, "{name} = {value}   # {note}");
        }
    }

    /// A key the records cannot identify: from the base, else the default
    /// written out; a key whose default is its absence is left out with a
    /// comment saying what applies. Never silent.
    fn unidentified(
        &mut self,
        base: Option<&Base>,
        path: &[&str],
        default: Option<&str>,
        why: &str,
    ) {
        let name = key(path.last().expect("a key"));
        match (from_base(base, path), default) {
            (Some((value, note)), _) => self.key(&name, &value, &note),
            (None, Some(value)) => self.key(
                &name,
                value,
                &format!("simsms's default: {why} (give --base to choose)"),
            ),
            (None, None) => self.comment(&format!(
                "{}: not in the records; {why} (simsms's default; give --base to choose)",
                path.join(".")
            )),
        }
    }
}

/// The route kind of a provider: the base's, or domestic.
fn route_kind(base: Option<&Base>, provider: &str) -> (String, String) {
    match base
        .and_then(|b| b.get(&["providers", provider, "route"]))
        .and_then(|v| v.as_str())
    {
        Some(kind) => (kind.to_string(), "from --base".to_string()),
        None => (
            "domestic".to_string(),
            "simsms's default: the records do not say how the provider reaches carriers (give --base)"
                .to_string(),
        ),
    }
}

/// Writes the fitted scenario.
pub fn write(fit: &Fit, base: Option<&Base>, sources: &[String]) -> String {
    let mut doc = Doc(String::new());
    header(&mut doc, fit, base, sources);
    scenario_section(&mut doc, fit, base);
    traffic_section(&mut doc, fit);
    users_section(&mut doc, fit, base);
    otp_section(&mut doc, fit, base);
    providers_section(&mut doc, fit, base);
    routing_section(&mut doc, fit);
    carriers_section(&mut doc, fit, base);
    doc.0
}

fn header(doc: &mut Doc, fit: &Fit, base: Option<&Base>, sources: &[String]) {
    doc.comment(&format!(
        "Fitted by `simsms fit` from {} records ({} skipped) in {}.",
        crate::units::grouped(fit.records as f64, 0, false),
        crate::units::grouped(fit.skipped() as f64, 0, false),
        super::collect::printable(&sources.join(", "))
    ));
    doc.comment(
        "Each fitted value's comment gives its 95% interval and the count it rests on.\n\
         Values the records cannot identify say where they come from: --base, or\n\
         simsms's default. See docs/fit.md for what each estimate means.",
    );
    if let Some(b) = base {
        doc.comment(&format!(
            "Base scenario: {}",
            super::collect::printable(&b.file)
        ));
    }
}

fn scenario_section(doc: &mut Doc, fit: &Fit, base: Option<&Base>) {
    doc.section("scenario");
    let name = base
        .and_then(|b| b.get(&["scenario", "name"]))
        .and_then(|v| v.as_str())
        .map_or("fitted".to_string(), |n| format!("{n}_fitted"));
    let name: String = name.chars().take(100).collect();
    doc.key("name", &quoted(&name), "");
    doc.unidentified(base, &["scenario", "currency"], None, "no currency named");
    let span = fit.traffic.span_s.max(1.0).ceil();
    doc.key(
        "duration",
        &quoted(&duration(span)),
        "from the first send in the records to the last",
    );
    doc.key("seed", "1", "");
    doc.unidentified(
        base,
        &["scenario", "replications"],
        Some("10"),
        "how many runs give the intervals",
    );
}

fn traffic_section(doc: &mut Doc, fit: &Fit) {
    let t = &fit.traffic;
    doc.section("traffic");
    let rate = HumanRate(t.rate.value.max(1.0 / 86_400.0)).to_string();
    doc.key(
        "rate",
        &quoted(&rate),
        &format!(
            "{} sessions in {}; 95% [{}, {}]",
            crate::units::grouped(t.sessions as f64, 0, false),
            duration(t.span_s.ceil()),
            HumanRate(t.rate.low),
            HumanRate(t.rate.high)
        ),
    );
    if let Some(start) = t.start_of_day_s {
        let minutes = (start / 60.0).floor() as u64;
        doc.key(
            "start_of_day",
            &quoted(&format!("{:02}:{:02}", minutes / 60, minutes % 60)),
            "the first send's time of day (UTC)",
        );
    }
    if let Some(profile) = &t.profile {
        doc.comment("Sessions per hour of the day over their mean (UTC), from the records.");
        let rows: Vec<String> = profile
            .iter()
            .enumerate()
            .map(|(h, f)| format!("  {{ at = \"{h:02}:00\", factor = {f:.3} }},"))
            .collect();
        let _ = writeln!(doc.0, "profile = [\n{}\n]", rows.join("\n"));
    }
}

fn users_section(doc: &mut Doc, fit: &Fit, base: Option<&Base>) {
    doc.section("users");
    doc.comment(
        "Records cannot tell a mistyped or recycled number from any other number that\n\
         never receives: all of them are in the carriers' fitted not_sms_capable.",
    );
    for k in ["typo", "stale", "recycled"] {
        let from = match from_base(base, &["users", k]) {
            Some((v, _)) => format!(" (--base has {v})"),
            None => String::new(),
        };
        doc.key(k, "0.0", &format!("in not_sms_capable{from}"));
    }
    let sf = &fit.store_forward;
    match sf.mean_present_s() {
        Some(present) => {
            doc.comment(&format!(
                "Absent handsets, from {} deliveries later than {} and {} expiries\n\
                 (SMSC validity {}): {} of messages found the handset absent, 95% [{}, {}];\n\
                 absences last {} on average, 95% [{}, {}]. The providers' latency is fitted\n\
                 from the on-time deliveries.",
                grouped(sf.late),
                duration(sf.threshold_s),
                grouped(sf.expired),
                duration(sf.validity_s),
                probability(sf.absent_share.value),
                probability(sf.absent_share.low),
                probability(sf.absent_share.high),
                duration(sf.mean_absence_s.value),
                duration(sf.mean_absence_s.low),
                duration(sf.mean_absence_s.high),
            ));
            doc.key(
                "presence",
                &format!(
                    "{{ present = {{ mean = {} }}, absent = {{ mean = {} }} }}",
                    quoted(&duration(present)),
                    quoted(&duration(sf.mean_absence_s.value))
                ),
                "exponential periods whose absent share is the fitted one",
            );
        }
        None if fit.slow_route => {
            doc.comment(
                "Absent handsets not identified: the deliveries are as slow as an absence\n\
                 (half take over 30 s), so late ones cannot be told from transit. Every\n\
                 delay is in the providers' fitted latency; the handset is always present.",
            );
            doc.key(
                "presence",
                "{ absent = \"0s\" }",
                "delays are in the providers' fitted latency",
            );
        }
        None => {
            doc.comment(&format!(
                "Absent handsets not identified ({} deliveries later than {}, {} needed;\n\
                 {} expiries): their delay is in the providers' fitted latency, and the\n\
                 handset is always present here.",
                grouped(sf.late),
                duration(sf.threshold_s),
                super::estimate::store_forward::MIN_LATE,
                grouped(sf.expired),
            ));
            doc.key(
                "presence",
                "{ absent = \"0s\" }",
                "delays are in the providers' fitted latency",
            );
        }
    }
}

fn otp_section(doc: &mut Doc, fit: &Fit, base: Option<&Base>) {
    let b = &fit.behaviour;
    doc.section("otp");
    match &b.resend_after {
        Some(e) => doc.key(
            "resend_after",
            &quoted(&duration(e.value)),
            &format!(
                "median gap between sends in one session, 95% [{}, {}], n = {}",
                duration(e.low),
                duration(e.high),
                crate::units::grouped(b.gaps as f64, 0, false)
            ),
        ),
        None => doc.unidentified(
            base,
            &["otp", "resend_after"],
            Some("\"60s\""),
            "no session in the records was sent to twice",
        ),
    }
    if b.sessions > 0 {
        let sends = b.max_sends.min(crate::scenario::limits::MAX_SENDS);
        doc.key(
            "max_sends",
            &sends.to_string(),
            &format!(
                "the most sends one session had, of {} sessions{}",
                crate::units::grouped(b.sessions as f64, 0, false),
                if b.session_keys {
                    ""
                } else {
                    " (no session keys: a number's sends < 30 min apart)"
                }
            ),
        );
    }
    for (k, default, why) in [
        ("ttl", Some("\"10m\""), "how long a code is valid"),
        ("patience", Some("\"10m\""), "when a user gives up"),
        ("target", Some("\"60s\""), "the report's code-within target"),
        (
            "invalidate_previous",
            Some("false"),
            "whether a new code voids older ones",
        ),
        ("voice", None, "no voice fallback"),
    ] {
        doc.unidentified(base, &["otp", k], default, why);
    }
}

fn providers_section(doc: &mut Doc, fit: &Fit, base: Option<&Base>) {
    for p in fit.providers() {
        doc.section(&format!("providers.{}", key(p)));
        let (kind, note) = route_kind(base, p);
        doc.key("route", &quoted(&kind), &note);
        let cells: Vec<&CellFit> = fit.cells.iter().filter(|c| c.provider == p).collect();
        let priced: u64 = cells.iter().map(|c| c.priced).sum();
        if priced > 0 {
            let total: f64 = cells
                .iter()
                .filter_map(|c| c.price.map(|m| m * c.priced as f64))
                .sum();
            doc.key(
                "price",
                &format!("{:.6}", total / priced as f64),
                &format!(
                    "mean per message, n = {}",
                    crate::units::grouped(priced as f64, 0, false)
                ),
            );
        } else {
            doc.unidentified(
                base,
                &["providers", p, "price"],
                Some("0.0"),
                "no price column",
            );
        }
        for (k, why) in [
            ("tps", "no throughput limit"),
            ("queue_capacity", "an unbounded queue"),
            ("max_queue_time", "10h in the queue at most"),
            ("lookup", "a live portability lookup"),
            ("per_number_limit", "no per-number limit"),
            ("billing", "every accepted message billed"),
        ] {
            doc.unidentified(base, &["providers", p, k], None, why);
        }
        if from_base(base, &["providers", p, "lookup_lag"]).is_some() {
            doc.unidentified(base, &["providers", p, "lookup_lag"], None, "");
        }
        doc.key(
            "submit_latency",
            "\"0s\"",
            "in the providers' fitted latency per carrier (send to final state)",
        );
        provider_legs(doc, fit, p);
        doc.key(
            "receipts",
            "{ probability = 1.0, filtered_as = \"rejected\" }",
            "REJECTD in the records is a filter; a missing receipt is fitted as loss",
        );
        let refused: u64 = cells
            .iter()
            .map(|c| c.counts[FinalState::Refused.index()])
            .sum();
        if refused > 0 {
            doc.comment(&format!(
                "{} submits were refused: set tps / queue_capacity to reproduce them (not fitted).",
                crate::units::grouped(refused as f64, 0, false)
            ));
        }
    }
}

fn routing_section(doc: &mut Doc, fit: &Fit) {
    doc.section("routing");
    let providers = fit.providers();
    if providers.len() == 1 {
        doc.key("policy", "\"single\"", "one provider in the records");
        doc.key("provider", &quoted(providers[0]), "");
        return;
    }
    // Each carrier's messages went to one provider: route by carrier.
    let carriers = fit.carriers();
    let sole: Vec<Option<&str>> = carriers
        .iter()
        .map(|c| {
            let ps: Vec<&str> = fit
                .cells
                .iter()
                .filter(|x| x.carrier == *c && x.messages > 0)
                .map(|x| x.provider.as_str())
                .collect();
            (ps.len() == 1).then(|| ps[0])
        })
        .collect();
    if sole.iter().all(Option::is_some) {
        doc.key(
            "policy",
            "\"by_carrier\"",
            "each carrier's messages went to one provider",
        );
        let rows: Vec<String> = carriers
            .iter()
            .zip(&sole)
            .map(|(c, p)| format!("{} = {}", key(c), quoted(p.expect("sole"))))
            .collect();
        doc.key("carriers", &format!("{{ {} }}", rows.join(", ")), "");
        doc.key("default", &quoted(providers[0]), "");
        return;
    }
    let total: u64 = fit.cells.iter().map(|c| c.messages).sum();
    let rows: Vec<String> = providers
        .iter()
        .map(|p| {
            let n: u64 = fit
                .cells
                .iter()
                .filter(|c| c.provider == *p)
                .map(|c| c.messages)
                .sum();
            format!("{} = {}", key(p), probability(n as f64 / total as f64))
        })
        .collect();
    doc.key(
        "policy",
        "\"weighted\"",
        "providers shared every carrier's messages",
    );
    doc.key(
        "weights",
        &format!("{{ {} }}", rows.join(", ")),
        "shares of messages",
    );
}

/// A provider's own legs: per carrier, the loss of its accepted messages
/// and the latency of its delivered ones (`[providers.P] carriers.C.*`),
/// so two providers on one route kind keep their own figures.
fn provider_legs(doc: &mut Doc, fit: &Fit, provider: &str) {
    let on_time = fit
        .store_forward
        .identifiable
        .then_some(fit.store_forward.threshold_s);
    for cell in fit.cells.iter().filter(|c| c.provider == provider) {
        let accepted = cell.messages - cell.counts[FinalState::Refused.index()];
        let prefix = format!("carriers.{}", key(&cell.carrier));
        doc.key(
            &format!("{prefix}.loss"),
            &probability(cell.loss.value),
            &format!(
                "accepted messages with no receipt, {}",
                share_note(&cell.loss, accepted)
            ),
        );
        if let Some((value, note)) = latency_key(&[cell], on_time) {
            doc.key(&format!("{prefix}.latency"), &value, &note);
        }
    }
}

fn carriers_section(doc: &mut Doc, fit: &Fit, base: Option<&Base>) {
    let shares = normalised_shares(fit);
    for (c, numbers, share) in &fit.carrier_shares {
        doc.section(&format!("carriers.{}", key(c)));
        let written = shares.iter().find(|(n, _)| n == c).map_or(0.0, |s| s.1);
        doc.key(
            "share",
            &probability(written),
            &format!("of distinct numbers, {}", share_note(share, *numbers)),
        );
        if let Some((_, filter)) = fit.carrier_filters.iter().find(|(n, _)| n == c) {
            split_keys(
                doc,
                filter,
                ("spam_filter_per_number", "spam_filter"),
                "REJECTD",
            );
        }
        if let Some((_, u)) = fit.carrier_undeliverable.iter().find(|(n, _)| n == c) {
            split_keys(doc, u, ("not_sms_capable", "undeliverable"), "UNDELIV");
        }
        doc.key(
            "radio_delay",
            "\"0s\"",
            "in the fitted route latency (send to final state)",
        );
        doc.unidentified(
            base,
            &["carriers", c, "smsc"],
            Some("{ retry = [\"5x1m\", \"6x10m\", \"1h\"], validity = \"48h\", hlr_alert = true }"),
            "the SMSC's retries and validity",
        );
        doc.unidentified(
            base,
            &["carriers", c, "churn"],
            None,
            "no ports (records cannot tell a ported number)",
        );
    }
}

/// A failure split into its per-number and per-message keys, when some
/// numbers were sent to more than once; otherwise all per message, and
/// the comment says the split could not be identified.
fn split_keys(doc: &mut Doc, f: &Persistence, (per_number, per_message): (&str, &str), word: &str) {
    if f.identifiable {
        doc.key(
            per_number,
            &probability(f.per_number.value),
            &format!(
                "numbers whose every message is {word}, 95% [{}, {}]; {} numbers, {} sent to more than once",
                probability(f.per_number.low),
                probability(f.per_number.high),
                grouped(f.numbers),
                grouped(f.repeated_numbers)
            ),
        );
        doc.key(
            per_message,
            &probability(f.per_message.value),
            &format!(
                "each other message {word}, 95% [{}, {}]; {} messages",
                probability(f.per_message.low),
                probability(f.per_message.high),
                grouped(f.messages)
            ),
        );
    } else {
        doc.key(
            per_number,
            "0.0",
            "not identifiable: no number was sent to twice",
        );
        doc.key(
            per_message,
            &probability(f.failure_share.value),
            &format!(
                "all {word} counted per message, {}",
                share_note(&f.failure_share, f.messages)
            ),
        );
    }
}

/// The delivered latency of `cells` (only up to `on_time` seconds when
/// absent handsets are fitted apart), as a leg's latency.
fn latency_key(cells: &[&CellFit], on_time: Option<f64>) -> Option<(String, String)> {
    let mut all: Vec<f64> = cells
        .iter()
        .flat_map(|c| c.latencies.iter().copied())
        .filter(|l| on_time.is_none_or(|t| *l <= t))
        .collect();
    if all.is_empty() {
        return None;
    }
    let mut fit = latency::fit(&mut all)?;
    // A shape whose tail runs past a year (a log-normal from a handful of
    // values far apart) is no delivery latency: the table says the data.
    if fit
        .best()
        .is_some_and(|b| b.model.median_p99().1 > super::collect::MAX_LATENCY_S)
    {
        fit.use_parametric = false;
    }
    let chosen = match (fit.best(), fit.use_parametric) {
        (Some(best), true) => format!(
            "{} (KS D = {:.3}, p = {:.2})",
            best.model.name(),
            best.ks_d,
            best.ks_p
        ),
        (Some(best), false) => format!(
            "the empirical table: the best shape, {}, is rejected (KS D = {:.3}, p = {:.2e})",
            best.model.name(),
            best.ks_d,
            best.ks_p
        ),
        (None, _) => "the empirical table".to_string(),
    };
    let p50 = fit.quantiles[Quantile::P50];
    let p99 = fit.quantiles[Quantile::P99];
    let bound = |x: f64| {
        if x.is_finite() {
            duration(x)
        } else {
            "-".into()
        }
    };
    Some((
        fit.scenario_toml(),
        format!(
            "send to final state, {} delivered messages: p50 {} [{}, {}], p99 {} [{}, {}]; {chosen}",
            grouped(fit.count as u64),
            duration(p50.value),
            bound(p50.low),
            bound(p50.high),
            duration(p99.value),
            bound(p99.low),
            bound(p99.high),
        ),
    ))
}

fn grouped(n: u64) -> String {
    crate::units::grouped(n as f64, 0, false)
}

/// Carrier shares rounded to 6 decimals and summing to exactly 1 (the
/// largest takes the rounding), as `check` requires.
fn normalised_shares(fit: &Fit) -> Vec<(String, f64)> {
    let total: u64 = fit.carrier_shares.iter().map(|c| c.1).sum();
    let n = fit.carrier_shares.len().max(1);
    let mut shares: Vec<(String, f64)> = fit
        .carrier_shares
        .iter()
        .map(|(c, k, _)| {
            let s = if total == 0 {
                1.0 / n as f64
            } else {
                *k as f64 / total as f64
            };
            (c.clone(), (s * 1e6).round() / 1e6)
        })
        .collect();
    let sum: f64 = shares.iter().map(|s| s.1).sum();
    if let Some(largest) = shares.iter_mut().max_by(|a, b| a.1.total_cmp(&b.1)) {
        largest.1 = ((largest.1 + 1.0 - sum) * 1e6).round() / 1e6;
    }
    shares
}
