//! A Markdown summary for CI step summaries and pull-request comments:
//! expectations first, then session results per alternative and carrier.

use super::Run;
use crate::report::{pct_ci as pct, secs};
use crate::stats::Quantile;
use crate::units::Human;
use std::fmt::Write;

/// Text from the scenario (names, labels) in Markdown: `|` would end a
/// table cell and a newline the row; `<`, `>` and `&` are written as
/// entities so that a name is shown, never read as HTML.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn markdown_summary(run: &Run) -> String {
    let sc = run.scenario;
    let mut out = String::new();
    let _ = writeln!(out, "## simsms: {}\n", cell(&sc.name));
    match run.measurement() {
        Some(m) => {
            let _ = writeln!(out, "**{}**\n", cell(&m.line()));
            let _ = writeln!(
                out,
                "simsms {} · one measured run · 95% intervals\n",
                env!("CARGO_PKG_VERSION")
            );
        }
        None => {
            let _ = writeln!(
                out,
                "simsms {} · seed {} · {} · 95% intervals\n",
                env!("CARGO_PKG_VERSION"),
                sc.seed,
                crate::units::count(sc.replications, "replication")
            );
        }
    }
    let verdicts = &run.results.verdicts;
    if !verdicts.is_empty() {
        let failed = verdicts.iter().filter(|v| v.failed()).count();
        let unmeasured = verdicts.iter().filter(|v| !v.measured).count();
        let skipped = match unmeasured {
            0 => String::new(),
            n => format!(", {n} not measured"),
        };
        let _ = writeln!(
            out,
            "### Expectations: {} passed, {failed} failed{skipped}\n",
            verdicts.len() - failed - unmeasured
        );
        out.push_str("| | expectation | observed | bound |\n|---|---|---|---|\n");
        for v in verdicts {
            let observed = if v.is_time() {
                secs(v.observed.value)
            } else {
                format!(
                    "{:.4} [{:.4}, {:.4}]",
                    v.observed.value, v.observed.low, v.observed.high
                )
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                match (v.measured, v.passed) {
                    (false, _) => "➖",
                    (true, true) => "✅",
                    (true, false) => "❌",
                },
                cell(&v.label),
                observed,
                cell(&v.bound)
            );
        }
        out.push('\n');
    }
    if let Some(load) = run.measurement().and_then(|m| m.load.as_ref()) {
        out.push_str(&load_table(load));
    }
    let _ = writeln!(out, "### Sessions\n");
    let _ = writeln!(
        out,
        "| alternative | carrier | sessions | OTP success | code ≤ {} | code p50 | code p99 | cost/success{} |",
        Human(sc.otp.target),
        if sc.currency.is_empty() {
            String::new()
        } else {
            format!(" ({})", cell(&sc.currency))
        }
    );
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (_, name, report) in run.shown() {
        for r in &report.sessions {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {:.2} |",
                cell(name),
                r.carrier.as_deref().map_or("**all**".into(), cell),
                r.total,
                pct(&r.otp_success),
                pct(&r.within_target),
                secs(r.time_to_code.merged[Quantile::P50]),
                secs(r.time_to_code.merged[Quantile::P99]),
                r.cost_per_success.value
            );
        }
    }
    out
}

/// The load's own figures: counts, then latencies in milliseconds.
fn load_table(load: &crate::report::LoadFigures) -> String {
    let row = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let (names, counts): (Vec<_>, Vec<_>) = load.headline().into_iter().unzip();
    let mut out = String::from("### Load\n\n");
    out.push_str(&row(names.iter().map(|n| n.to_string()).collect()));
    out.push_str("|---:|---:|---:|---:|---:|---:|\n");
    out.push_str(&row(counts.iter().map(u64::to_string).collect()));
    out.push_str("\n| latency from the intended send time | p50 | p90 | p99 | p99.9 | max | n |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (what, cells) in load.latency_rows() {
        out.push_str(&row(std::iter::once(what.to_string())
            .chain(cells)
            .collect()));
    }
    out.push('\n');
    for note in load.receipt_notes() {
        out.push_str(&format!("- {}\n", cell(&note)));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn cells_escape_pipes_and_line_breaks() {
        assert_eq!(super::cell("a|b\nc"), "a\\|b c");
    }

    #[test]
    fn cells_show_html_as_text() {
        assert_eq!(
            super::cell("<i>x</i> & <script>"),
            "&lt;i&gt;x&lt;/i&gt; &amp; &lt;script&gt;"
        );
    }
}
