//! The report's first lines, in plain language: per carrier, the share of
//! users who held a valid code within the target (by SMS or by voice), and
//! apart from it those whose code came only too late to use; for each
//! alternative, its difference from the scenario on the same users; and
//! whether every expectation passed. The tables follow.

use super::{MessageRow, Report, RunResults, SessionRow, messages_only, paired_difference};
use crate::model::SessionEndKind;
use crate::scenario::Scenario;
use crate::stats::{Estimate, Quantile};
use crate::units::Human;
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

fn points(e: &Estimate) -> String {
    if !e.is_defined() {
        return "-".into();
    }
    let clear = e.low > 0.0 || e.high < 0.0;
    format!(
        "{:+.1} points [{:+.1}, {:+.1}]{}",
        e.value * 100.0,
        e.low * 100.0,
        e.high * 100.0,
        if clear { "" } else { " (not clear of zero)" }
    )
}

fn carrier_name(r: &SessionRow) -> &str {
    r.carrier.as_deref().unwrap_or("all carriers")
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
            "  {:width$}  {}; a code at all {}; only too late to use {}",
            carrier_name(r),
            pct(&r.within_target),
            share(&r.otp_success),
            share(&r.shares[TOO_LATE]),
        );
    }
    let all = base.session_row(None);
    if results.simulated().count() > 1 {
        out.push_str("  Alternatives, against the scenario on the same users (all carriers):\n");
    }
    for (_, name, report) in results.simulated().filter(|(v, _, _)| *v > 0) {
        let (Some(a), Some(b)) = (report.session_row(None), all) else {
            continue;
        };
        let within = paired_difference(a, b, |x| x.within_target);
        let success = paired_difference(a, b, |x| x.otp_success);
        let _ = writeln!(
            out,
            "    {name}: within {target} {}; a code at all {}",
            points(&within),
            points(&success)
        );
    }
    verdict_line(&mut out, results);
    out
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
