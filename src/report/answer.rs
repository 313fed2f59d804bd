//! The report's first lines, in plain language: per carrier, the share of
//! users who held a valid code within the target (by SMS or by voice), and
//! apart from it those whose code came only too late to use; for each
//! alternative, its difference from the scenario on the same users; and
//! whether every expectation passed. The tables follow.

use super::expect::{Differences, messages_only};
use super::{MessageRow, Report, RunResults, SessionRow};
use crate::model::SessionEndKind;
use crate::scenario::Scenario;
use crate::stats::{Estimate, Quantile};
use crate::units::{Human, NANOS_PER_HOUR, grouped};
use std::fmt::Write;

/// A code reached the user only after it expired or the user left.
const TOO_LATE: usize = SessionEndKind::NoCodeInTime as usize;

fn pct(e: &Estimate) -> String {
    if e.is_defined() {
        format!(
            "{:.1}% [{:.1}, {:.1}]",
            e.value * 100.0,
            e.low * 100.0,
            e.high * 100.0
        )
    } else {
        "-".into()
    }
}

/// A share without its interval, or "-" when nothing was measured.
fn share(e: &Estimate) -> String {
    match e.value.is_finite() {
        true => format!("{:.1}%", e.value * 100.0),
        false => "-".into(),
    }
}

/// Marks a difference whose interval does not exclude zero.
const NOT_CLEAR: &str = " (not clear of zero)";

/// A signed estimate as "value unit [low, high]", saying when its
/// interval does not clear zero.
fn signed(e: &Estimate, unit: &str, number: impl Fn(f64) -> String) -> String {
    if !e.is_defined() {
        return "-".into();
    }
    if e.low == e.high {
        // One replication: a value without an interval.
        return format!("{}{unit}", number(e.value));
    }
    let clear = e.low > 0.0 || e.high < 0.0;
    format!(
        "{}{unit} [{}, {}]{}",
        number(e.value),
        number(e.low),
        number(e.high),
        if clear { "" } else { NOT_CLEAR }
    )
}

fn points(e: &Estimate) -> String {
    signed(e, " points", |x| format!("{:+.1}", x * 100.0))
}

/// Decimals for an amount of money: whole units from 100 up, else cents.
fn money_decimals(e: &Estimate) -> usize {
    match e.value.abs().max(e.low.abs()).max(e.high.abs()) >= 100.0 {
        true => 0,
        false => 2,
    }
}

/// An amount of money (or a difference, with `sign`) in the scenario's
/// currency, with its interval.
fn money(e: &Estimate, currency: &str, what: &str, sign: bool) -> String {
    let decimals = money_decimals(e);
    let unit = match currency.is_empty() {
        true => format!(" {what}"),
        false => format!(" {currency} {what}"),
    };
    match sign {
        true => signed(e, &unit, |x| grouped(x, decimals, true)),
        false if e.is_defined() && e.low == e.high => {
            format!("{}{unit}", grouped(e.value, decimals, false))
        }
        false if e.is_defined() => format!(
            "{}{unit} [{}, {}]",
            grouped(e.value, decimals, false),
            grouped(e.low, decimals, false),
            grouped(e.high, decimals, false)
        ),
        false => "-".into(),
    }
}

/// An estimate scaled by `factor` (an amount per run to one per hour).
fn scaled(e: &Estimate, factor: f64) -> Estimate {
    Estimate {
        value: e.value * factor,
        low: e.low * factor,
        high: e.high * factor,
    }
}

/// A total cost per run, and per hour of traffic when `per_hour` scales
/// one to the other (a simulation; not for a measured run).
fn totals(per_run: &Estimate, currency: &str, per_hour: Option<f64>, sign: bool) -> String {
    match per_hour {
        Some(f) if (f - 1.0).abs() < 1e-9 => format!(
            "{} (one hour of traffic)",
            money(per_run, currency, "per run", sign)
        ),
        Some(f) => {
            // The hourly figure is the same estimate scaled: no second mark.
            let hourly = money(&scaled(per_run, f), currency, "per hour of traffic", sign);
            format!(
                "{}, {}",
                money(per_run, currency, "per run", sign),
                hourly.trim_end_matches(NOT_CLEAR)
            )
        }
        None => money(per_run, currency, "per run", sign),
    }
}

fn carrier_name(r: &SessionRow) -> &str {
    r.carrier.as_deref().unwrap_or("all carriers")
}

/// The carriers that get their own lines: every one with `--by carrier`,
/// else those an expectation names; all carriers together always come
/// first (`None`).
fn answered_carriers(sc: &Scenario, results: &RunResults) -> Vec<Option<String>> {
    let mut carriers = vec![None];
    for (i, c) in sc.carriers.iter().enumerate() {
        let named = sc
            .expectations
            .iter()
            .any(|e| e.carrier.map(|c| c.index()) == Some(i));
        if results.by_carrier || named {
            carriers.push(Some(c.name.clone()));
        }
    }
    carriers
}

/// The answer block, ending with a blank line.
pub fn render_answer(sc: &Scenario, results: &RunResults) -> String {
    let mut out = String::new();
    let Some(base) = results.reports.first().and_then(Option::as_ref) else {
        return out;
    };
    if messages_only(base) {
        answer_messages(&mut out, base);
        verdict_line(&mut out, results);
        return out;
    }
    let target = Human(sc.otp.target);
    let _ = writeln!(
        out,
        "\nANSWER: users with a valid code within {target} (by SMS or voice) [95% CI]"
    );
    let width = base
        .sessions
        .iter()
        .map(|r| carrier_name(r).len())
        .max()
        .unwrap_or(0);
    for r in &base.sessions {
        let _ = writeln!(
            out,
            "  {:width$}  {}; a usable code at any time {}; another {} got a code only too late to use",
            carrier_name(r),
            pct(&r.within_target),
            share(&r.otp_success),
            share(&r.shares[TOO_LATE]),
        );
    }
    let carriers = answered_carriers(sc, results);
    // A measured run's span is not the scenario's duration: no hourly rate.
    let per_hour = results
        .measurement
        .is_none()
        .then(|| NANOS_PER_HOUR as f64 / sc.duration.max(1) as f64);
    for carrier in &carriers {
        let Some(r) = base.session_row(carrier.as_deref()) else {
            continue;
        };
        let _ = writeln!(
            out,
            "  Cost, {}: {}; {}",
            carrier_name(r),
            money(
                &r.cost_per_success,
                &sc.currency,
                "per verified user",
                false
            ),
            totals(&r.cost_per_run, &sc.currency, per_hour, false),
        );
    }
    if results.simulated().count() > 1 {
        out.push_str("  Alternatives, against the scenario on the same users [95% CI of the paired difference]:\n");
    }
    for (_, name, report) in results.simulated().filter(|(v, _, _)| *v > 0) {
        for carrier in &carriers {
            let (Some(a), Some(b)) = (
                report.session_row(carrier.as_deref()),
                base.session_row(carrier.as_deref()),
            ) else {
                continue;
            };
            alternative_lines(&mut out, sc, (name, a, b), per_hour);
        }
    }
    verdict_line(&mut out, results);
    out
}

/// An alternative's differences from the scenario for one carrier (or all):
/// success, then cost per verified user and in total.
fn alternative_lines(
    out: &mut String,
    sc: &Scenario,
    (name, a, b): (&str, &SessionRow, &SessionRow),
    per_hour: Option<f64>,
) {
    let target = Human(sc.otp.target);
    let d = Differences::between(a, b);
    let (within, success) = (d.within_target, d.otp_success);
    let (per_success, per_run) = (d.cost_per_success, d.cost_per_run);
    let _ = writeln!(
        out,
        "    {name}, {}: within {target} {}; a usable code at any time {}",
        carrier_name(a),
        points(&within),
        points(&success)
    );
    let whose = match &b.carrier {
        Some(carrier) => format!("the scenario's cost for {carrier}"),
        None => "the scenario's cost".to_string(),
    };
    let relative = match b.cost_per_run.value {
        base if base > 0.0 && per_run.is_defined() => {
            let share = per_run.value / base * 100.0;
            // Small shares keep a second decimal rather than read "-0.0%".
            let decimals = if share.abs() < 0.1 { 2 } else { 1 };
            format!("; {share:+.decimals$}% of {whose}")
        }
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "      cost {}; {}{relative}",
        money(&per_success, &sc.currency, "per verified user", true),
        totals(&per_run, &sc.currency, per_hour, true),
    );
}

/// Whether every expectation passed, in one line.
fn verdict_line(out: &mut String, results: &RunResults) {
    let verdicts = &results.verdicts;
    if verdicts.is_empty() {
        return;
    }
    let failed = verdicts.iter().filter(|v| v.failed()).count();
    let unmeasured = verdicts.iter().filter(|v| !v.measured).count();
    let measured = verdicts.len() - unmeasured;
    let (state, aside) = match unmeasured {
        0 => (format!("all {measured} passed"), String::new()),
        n => (
            format!("all {measured} measured passed"),
            format!("; {n} not measured (session metrics of a run that saw messages only)"),
        ),
    };
    let state = match (failed, measured) {
        (0, 0) => "none measured".to_string(),
        (0, _) => state,
        (f, n) => format!("{f} of {n} FAILED (see EXPECTATIONS)"),
    };
    let _ = writeln!(out, "  Expectations: {state}{aside}.");
}

/// For a run that saw messages but no sessions (`serve`, `load` without
/// `--otp`): what reached handsets, per provider.
fn answer_messages(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "\nANSWER: messages that reached the handset [95% CI] (no sessions here: OTP success needs `run` or `load --otp`)"
    );
    let totals: Vec<&MessageRow> = report
        .messages
        .iter()
        .filter(|r| r.carrier.is_none())
        .collect();
    let width = totals.iter().map(|r| r.provider.len()).max().unwrap_or(0);
    for r in totals {
        let median = r.latency.estimate(Quantile::P50).value;
        let median = match median.is_finite() {
            true => format!("; median {}", Human((median * 1e9) as u64)),
            false => String::new(),
        };
        let _ = writeln!(
            out,
            "  {:width$}  {} of {} messages{median}",
            r.provider,
            pct(&r.delivery),
            r.total,
        );
    }
}
