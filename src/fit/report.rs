//! The fit report: what the records say, per provider × carrier, as text
//! (stdout), JSON (`fit.json`, schema in docs/fit.md) and Markdown
//! (`fit.md`), all rendered from the same [`Fit`] data.

use super::FinalState;
use super::estimate::latency::{Fitted, LatencyFit};
use super::estimate::persistence::Persistence;
use super::estimates::{Behaviour, CellFit, Fit};
use crate::report::table::{grid, pct_ci, secs};
use crate::stats::{Estimate, Quantile};
use crate::units::{HumanRate, grouped};
use serde_json::{Value, json};
use std::fmt::Write;

/// "1 record", "12,345 records".
fn records_text(n: u64) -> String {
    match n {
        1 => "1 record".to_string(),
        n => format!("{} records", count(n)),
    }
}

fn count(n: u64) -> String {
    grouped(n as f64, 0, false)
}

fn secs_ci(e: &Estimate) -> String {
    format!("{} [{}, {}]", secs(e.value), secs(e.low), secs(e.high))
}

/// The skipped records, one line per reason.
fn skips_text(fit: &Fit) -> String {
    if fit.skips.is_empty() {
        return String::new();
    }
    let mut out = format!("Skipped {}:\n", records_text(fit.skipped()));
    for (reason, n, line) in &fit.skips {
        let _ = writeln!(out, "  {}  {reason} (first at line {line})", count(*n));
    }
    out
}

/// The plain-text report.
pub fn text(fit: &Fit, sources: &[String]) -> String {
    let mut out = format!(
        "simsms fit: {} from {}\n",
        records_text(fit.records),
        sources.join(", ")
    );
    out.push_str(&skips_text(fit));
    out.push_str("\nFinal states, share of messages [95% interval]\n");
    let header = [
        "provider",
        "carrier",
        "messages",
        "delivered",
        "undeliverable",
        "expired",
        "rejected",
        "no receipt",
        "refused",
    ];
    let rows: Vec<Vec<String>> = fit
        .cells
        .iter()
        .map(|c| {
            let mut row = vec![c.provider.clone(), c.carrier.clone(), count(c.messages)];
            row.extend(FinalState::ALL.iter().map(|s| pct_ci(&c.shares[s.index()])));
            row
        })
        .collect();
    grid(&mut out, &header, &rows, 2);
    out.push_str("\nLatency, send to final state, of delivered messages\n");
    let rows: Vec<Vec<String>> = fit.cells.iter().filter_map(latency_row).collect();
    if rows.is_empty() {
        out.push_str("  no delivered message has a final time\n");
    } else {
        grid(
            &mut out,
            &[
                "provider",
                "carrier",
                "delivered",
                "p50",
                "p90",
                "p99",
                "fit",
            ],
            &rows,
            2,
        );
    }
    let cells = |split: fn(&CellFit) -> &Persistence| -> Vec<(&str, &str, &Persistence)> {
        fit.cells
            .iter()
            .map(|c| (c.provider.as_str(), c.carrier.as_str(), split(c)))
            .collect()
    };
    split_text(
        &mut out,
        "Rejections (REJECTD) per number and per message, by provider x carrier",
        &cells(|c| &c.filter_split),
    );
    split_text(
        &mut out,
        "Undeliverable (UNDELIV, of messages not rejected) per number and per message, by provider x carrier",
        &cells(|c| &c.undeliverable_split),
    );
    behaviour_text(&mut out, fit);
    out
}

fn split_text(out: &mut String, title: &str, splits: &[(&str, &str, &Persistence)]) {
    let _ = writeln!(out, "\n{title}");
    let rows: Vec<Vec<String>> = splits
        .iter()
        .map(|(p, c, f)| {
            let (number, message) = if f.identifiable {
                (pct_ci(&f.per_number), pct_ci(&f.per_message))
            } else {
                ("not identifiable".into(), "(no number sent twice)".into())
            };
            vec![
                p.to_string(),
                c.to_string(),
                count(f.numbers),
                count(f.repeated_numbers),
                pct_ci(&f.failure_share),
                number,
                message,
            ]
        })
        .collect();
    grid(
        out,
        &[
            "provider",
            "carrier",
            "numbers",
            "sent twice+",
            "of messages",
            "per number",
            "per message",
        ],
        &rows,
        2,
    );
}

fn latency_row(c: &CellFit) -> Option<Vec<String>> {
    let l = c.latency.as_ref()?;
    let q = |q: Quantile| {
        let e = l.quantiles[q];
        let high = if e.high.is_finite() {
            secs(e.high)
        } else {
            "-".into()
        };
        format!("{} [{}, {high}]", secs(e.value), secs(e.low))
    };
    Some(vec![
        c.provider.clone(),
        c.carrier.clone(),
        count(c.delivered_latencies),
        q(Quantile::P50),
        q(Quantile::P90),
        q(Quantile::P99),
        fit_words(l),
    ])
}

/// The best shape and its KS distance, and what the scenario uses.
fn fit_words(l: &LatencyFit) -> String {
    match (l.best(), l.use_parametric) {
        (Some(b), true) => format!("{} (D {:.3}), in the scenario", b.model.name(), b.ks_d),
        (Some(b), false) => format!("{} (D {:.3}) rejected: table", b.model.name(), b.ks_d),
        (None, _) => "table".to_string(),
    }
}

fn latency_json(l: &LatencyFit) -> Value {
    let fitted = |f: &Option<Fitted>| {
        f.as_ref().map_or(Value::Null, |f| {
            json!({
                "toml": f.model.to_toml(),
                "ks_d": f.ks_d,
                "ks_p": f.ks_p,
            })
        })
    };
    let quantiles: serde_json::Map<String, Value> = l
        .quantiles
        .iter()
        .map(|(q, e)| (q.name().to_string(), estimate_json(e)))
        .collect();
    json!({
        "count": l.count,
        "quantiles": quantiles,
        "best": l.best().map(|b| b.model.name()),
        "use_parametric": l.use_parametric,
        "scenario": l.scenario_toml(),
        "table": l.table,
        "fixed": fitted(&l.fixed),
        "log_normal": fitted(&l.log_normal),
        "exponential": fitted(&l.exponential),
    })
}

fn split_json(carrier: &str, f: &Persistence) -> Value {
    json!({
        "carrier": carrier,
        "numbers": f.numbers,
        "repeated_numbers": f.repeated_numbers,
        "messages": f.messages,
        "identifiable": f.identifiable,
        "share": estimate_json(&f.failure_share),
        "per_number": estimate_json(&f.per_number),
        "per_message": estimate_json(&f.per_message),
    })
}

fn behaviour_text(out: &mut String, fit: &Fit) {
    let b = &fit.behaviour;
    let t = &fit.traffic;
    out.push_str("\nUsers and traffic\n");
    let _ = writeln!(
        out,
        "  sessions: {} over {} ({}{}); rate {} [{}, {}]",
        count(b.sessions),
        secs(t.span_s),
        if b.session_keys {
            "from session keys"
        } else {
            "a number's sends < 30 min apart are one session"
        },
        if t.profile.is_some() {
            "; hourly profile fitted"
        } else {
            ""
        },
        HumanRate(t.rate.value),
        HumanRate(t.rate.low),
        HumanRate(t.rate.high)
    );
    let _ = writeln!(
        out,
        "  sends per session: {}",
        sends_per_session(b).join(", ")
    );
    match &b.resend_after {
        Some(e) => {
            let _ = writeln!(
                out,
                "  resend after: {} (median of {} gaps)",
                secs_ci(e),
                count(b.gaps)
            );
        }
        None => out.push_str("  resend after: not identified (no session sent twice)\n"),
    }
    let sf = &fit.store_forward;
    if sf.identifiable {
        let _ = writeln!(
            out,
            "  absent handsets: {} of messages, absences {} on average; from {} deliveries later than {} and {} expiries",
            pct_ci(&sf.absent_share),
            secs_ci(&sf.mean_absence_s),
            count(sf.late),
            secs(sf.threshold_s),
            count(sf.expired)
        );
    } else if fit.slow_route {
        out.push_str("  absent handsets: not identified: the deliveries themselves are slow (half over 30 s), so late ones cannot be told from transit\n");
    } else {
        let _ = writeln!(
            out,
            "  absent handsets: not identified ({} deliveries later than {}, {} needed; {} expiries)",
            count(sf.late),
            secs(sf.threshold_s),
            super::estimate::store_forward::MIN_LATE,
            count(sf.expired)
        );
    }
    if fit.numbers_beyond_cap > 0 {
        let _ = writeln!(
            out,
            "  {} messages to numbers beyond the cap of {} followed numbers are not in the per-number split",
            count(fit.numbers_beyond_cap),
            count(super::collect::NUMBERS_CAP as u64)
        );
    }
}

/// The share of sessions with each number of sends: "1: 78.4%", "2: 10.3%".
pub(super) fn sends_per_session(b: &Behaviour) -> Vec<String> {
    b.sends_per_session
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{k}: {:.1}%", 100.0 * *n as f64 / b.sessions.max(1) as f64))
        .collect()
}

fn estimate_json(e: &Estimate) -> Value {
    let num = |x: f64| if x.is_finite() { json!(x) } else { Value::Null };
    json!({ "value": num(e.value), "low": num(e.low), "high": num(e.high) })
}

/// The JSON report.
pub fn json(fit: &Fit, sources: &[String]) -> Value {
    let cells: Vec<Value> = fit
        .cells
        .iter()
        .map(|c| {
            let shares: serde_json::Map<String, Value> = FinalState::ALL
                .iter()
                .map(|s| (s.name().to_string(), estimate_json(&c.shares[s.index()])))
                .collect();
            let counts: serde_json::Map<String, Value> = FinalState::ALL
                .iter()
                .map(|s| (s.name().to_string(), json!(c.counts[s.index()])))
                .collect();
            json!({
                "provider": c.provider,
                "carrier": c.carrier,
                "messages": c.messages,
                "counts": counts,
                "shares": shares,
                "loss": estimate_json(&c.loss),
                "undeliverable_of_passed": estimate_json(&c.undeliverable),
                "filter_split": split_json(&c.carrier, &c.filter_split),
                "undeliverable_split": split_json(&c.carrier, &c.undeliverable_split),
                "delivered_with_latency": c.delivered_latencies,
                "latency": c.latency.as_ref().map_or(Value::Null, latency_json),
                "price_mean": c.price,
                "segments_per_message": c.segments_per_message,
            })
        })
        .collect();
    let filters: Vec<Value> = fit
        .carrier_filters
        .iter()
        .map(|(c, f)| split_json(c, f))
        .collect();
    let undeliverable: Vec<Value> = fit
        .carrier_undeliverable
        .iter()
        .map(|(c, f)| split_json(c, f))
        .collect();
    let b = &fit.behaviour;
    let t = &fit.traffic;
    json!({
        "schema": "simsms-fit/1",
        "simsms_version": env!("CARGO_PKG_VERSION"),
        "sources": sources,
        "records": fit.records,
        "skipped": fit.skips.iter().map(|(r, n, line)| json!({"reason": r, "count": n, "first_line": line})).collect::<Vec<_>>(),
        "cells": cells,
        "filters": filters,
        "undeliverable": undeliverable,
        "behaviour": {
            "sessions": b.sessions,
            "session_keys": b.session_keys,
            "sends_per_session": b.sends_per_session,
            "max_sends": b.max_sends,
            "resend_after_s": b.resend_after.as_ref().map(estimate_json),
            "gaps": b.gaps,
        },
        "traffic": {
            "sessions": t.sessions,
            "span_s": t.span_s,
            "rate_per_s": estimate_json(&t.rate),
            "start_of_day_s": t.start_of_day_s,
            "profile": t.profile.map(|p| p.to_vec()),
        },
        "store_forward": {
            "identifiable": fit.store_forward.identifiable,
            "absent_share": estimate_json(&fit.store_forward.absent_share),
            "mean_absence_s": estimate_json(&fit.store_forward.mean_absence_s),
            "expired_share": estimate_json(&fit.store_forward.expired_share),
            "late": fit.store_forward.late,
            "expired": fit.store_forward.expired,
            "threshold_s": fit.store_forward.threshold_s,
            "validity_s": fit.store_forward.validity_s,
        },
        "numbers_followed": fit.numbers_followed,
        "numbers_beyond_cap": fit.numbers_beyond_cap,
    })
}

/// The Markdown report: the same tables.
pub fn markdown(fit: &Fit, sources: &[String]) -> String {
    let mut out = format!(
        "# simsms fit\n\n{} records from {}.\n\n",
        count(fit.records),
        sources
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !fit.skips.is_empty() {
        out.push_str(&format!("Skipped {} records:\n\n", count(fit.skipped())));
        for (reason, n, line) in &fit.skips {
            let _ = writeln!(
                out,
                "- {}: {} (first at line {line})",
                count(*n),
                esc(reason)
            );
        }
        out.push('\n');
    }
    out.push_str("## Final states\n\n| provider | carrier | messages |");
    for s in FinalState::ALL {
        let _ = write!(out, " {} |", s.name());
    }
    out.push_str("\n|---|---|---:|");
    out.push_str(&"---:|".repeat(FinalState::ALL.len()));
    out.push('\n');
    for c in &fit.cells {
        let _ = write!(
            out,
            "| {} | {} | {} |",
            esc(&c.provider),
            esc(&c.carrier),
            count(c.messages)
        );
        for s in FinalState::ALL {
            let _ = write!(out, " {} |", pct_ci(&c.shares[s.index()]));
        }
        out.push('\n');
    }
    out.push_str("\n## Latency, send to final state, of delivered messages\n\n| provider | carrier | delivered | p50 | p90 | p99 | fit |\n|---|---|---:|---:|---:|---:|---|\n");
    for row in fit.cells.iter().filter_map(latency_row) {
        let cells: Vec<String> = row.iter().map(|c| esc(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    for (title, splits) in [
        ("Rejections (REJECTD)", &fit.carrier_filters),
        (
            "Undeliverable (UNDELIV, of messages not rejected)",
            &fit.carrier_undeliverable,
        ),
    ] {
        let _ = write!(
            out,
            "\n## {title} per number and per message, by carrier\n\n| carrier | numbers | sent twice+ | of messages | per number | per message |\n|---|---:|---:|---:|---:|---:|\n"
        );
        for (c, f) in splits {
            let (n, m) = if f.identifiable {
                (pct_ci(&f.per_number), pct_ci(&f.per_message))
            } else {
                ("not identifiable".into(), "-".into())
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {n} | {m} |",
                esc(c),
                count(f.numbers),
                count(f.repeated_numbers),
                pct_ci(&f.failure_share)
            );
        }
    }
    let mut users = String::new();
    behaviour_text(&mut users, fit);
    out.push_str("\n## Users and traffic\n\n");
    for line in users.lines().skip(2) {
        let _ = writeln!(out, "- {}", esc(line.trim()));
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('|', "\\|")
}
