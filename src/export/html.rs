//! A self-contained HTML report: expectations, session results per
//! alternative and carrier, the three charts inline, and the full text
//! report. No external resources, so it opens anywhere (and in CI
//! artifacts).

use super::{Run, escape_xml, latency_cdf_svg, outcomes_svg, timeline_svg};
use crate::report::{Differences, secs};
use crate::stats::Estimate;
use crate::stats::Quantile;
use crate::units::Human;
use std::fmt::Write;

/// A share in percent with its interval in small print, or "–".
pub(crate) fn pct(e: &Estimate) -> String {
    if e.is_defined() {
        format!(
            "{:.2}% <small>[{:.2}, {:.2}]</small>",
            e.value * 100.0,
            e.low * 100.0,
            e.high * 100.0
        )
    } else {
        "–".into()
    }
}

/// The reports' stylesheet: tables, verdict colours, intervals in small
/// print, scrolling wide tables and charts that shrink to the window.
pub(crate) const STYLE: &str = "\
body { font-family: sans-serif; margin: 2em; color: #222; }\n\
table { border-collapse: collapse; margin: 1em 0; }\n\
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }\n\
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }\n\
.pass { color: #2ca02c; font-weight: bold; } .fail { color: #d62728; font-weight: bold; } .skip { color: #777; }\n\
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 12px; }\n\
small { color: #666; }\n\
.scroll { overflow-x: auto; max-width: 100%; }\n\
svg.simsms-chart { max-width: 100%; height: auto; }\n\
.answer p { margin: 0.2em 0; } .answer .l1 { margin-left: 1.5em; } .answer .l2 { margin-left: 3em; } .answer .l3 { margin-left: 4.5em; }\n\
";

/// After load, the page checks that every chart has drawn something, that
/// no text of a chart (legends, labels, titles) falls outside it, and that
/// the page is no wider than the window, and marks `<body data-rendered>`
/// "ok" or what failed (used by the browser test).
pub(crate) const CHECK_SCRIPT: &str = r#"<script>
window.addEventListener('load', function () {
  var charts = document.querySelectorAll('svg.simsms-chart');
  var drawn = 0, clipped = [];
  charts.forEach(function (svg) {
    var box = svg.getBBox();
    if (box.width > 0 && box.height > 0 && svg.querySelectorAll('polyline, rect').length > 1) { drawn++; }
    var view = svg.viewBox.baseVal;
    svg.querySelectorAll('text').forEach(function (t) {
      var b = t.getBBox();
      if (b.x < view.x - 0.5 || b.y < view.y - 0.5 || b.x + b.width > view.x + view.width + 0.5 || b.y + b.height > view.y + view.height + 0.5) { clipped.push(t.textContent); }
    });
  });
  var page = document.documentElement;
  var state = drawn === charts.length && drawn > 0 ? 'ok' : 'failed:' + drawn + '/' + charts.length;
  if (clipped.length) { state = 'clipped:' + clipped.slice(0, 5).join('|'); }
  if (page.scrollWidth > page.clientWidth + 1) { state = 'overflow:' + page.scrollWidth + '>' + page.clientWidth; }
  document.body.setAttribute('data-rendered', state);
});
</script>"#;

pub fn html_report(run: &Run) -> String {
    let sc = run.scenario;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>simsms: {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        escape_xml(&sc.name)
    );
    let _ = writeln!(out, "<h1>simsms: {}</h1>", escape_xml(&sc.name));
    let runs = match run.measurement() {
        Some(m) => {
            let _ = writeln!(out, "<p><strong>{}</strong></p>", escape_xml(&m.line()));
            "one measured run".to_string()
        }
        None => format!(
            "seed {} · {}",
            sc.seed,
            crate::units::count(sc.replications, "replication")
        ),
    };
    let _ = writeln!(
        out,
        "<p>simsms {} · {runs} · 95% intervals · {}</p>",
        env!("CARGO_PKG_VERSION"),
        escape_xml(&sc.description)
    );
    out.push_str(&answer_section(run));
    if let Some(load) = run.measurement().and_then(|m| m.load.as_ref()) {
        out.push_str(&load_section(load));
    }
    if !run.results.verdicts.is_empty() {
        out.push_str("<h2>Expectations</h2>\n<div class=\"scroll\"><table><tr><th>result</th><th>expectation</th><th>observed</th><th>bound</th></tr>\n");
        for v in &run.results.verdicts {
            let _ = writeln!(
                out,
                "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                match (v.measured, v.passed) {
                    (false, _) => "skip",
                    (true, true) => "pass",
                    (true, false) => "fail",
                },
                v.word(),
                escape_xml(&v.label),
                escape_xml(&v.observed_text()),
                escape_xml(&v.bound_text())
            );
        }
        out.push_str("</table></div>\n");
    }
    out.push_str(&differences_section(run));
    let _ = writeln!(
        out,
        "<h2>Sessions</h2>\n<div class=\"scroll\"><table><tr><th>alternative</th><th>carrier</th><th>sessions</th><th>OTP success</th><th>code ≤ {}</th><th>code p50</th><th>code p99</th><th>cost/success</th><th>cost/run</th></tr>",
        Human(sc.otp.target)
    );
    for (_, name, report) in run.shown() {
        for r in &report.sessions {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape_xml(name),
                escape_xml(r.carrier.as_deref().unwrap_or("all")),
                r.total,
                pct(&r.otp_success),
                pct(&r.within_target),
                secs(r.time_to_code.merged[Quantile::P50]),
                secs(r.time_to_code.merged[Quantile::P99]),
                money(&r.cost_per_success, 2),
                money(&r.cost_per_run, 0)
            );
        }
    }
    out.push_str("</table></div>\n<h2>Latency</h2>\n");
    out.push_str(&latency_cdf_svg(run));
    out.push_str("<h2>Outcomes</h2>\n");
    out.push_str(&outcomes_svg(run));
    out.push_str("<h2>Timeline</h2>\n");
    out.push_str(&timeline_svg(run));
    let _ = writeln!(
        out,
        "<h2>Full report</h2>\n<pre>{}</pre>",
        escape_xml(run.text)
    );
    out.push_str(CHECK_SCRIPT);
    out.push_str("\n</body>\n</html>\n");
    out
}

/// An amount with its interval, or "–".
fn money(e: &Estimate, decimals: usize) -> String {
    match (e.is_defined(), e.low == e.high) {
        (false, _) => "–".into(),
        (true, true) => format!("{:.decimals$}", e.value),
        (true, false) => format!(
            "{:.decimals$} <small>[{:.decimals$}, {:.decimals$}]</small>",
            e.value, e.low, e.high
        ),
    }
}

/// The report's answer first, line by line, indented as in the text.
fn answer_section(run: &Run) -> String {
    let answer = crate::report::render_answer(run.scenario, run.results);
    let mut lines = answer.lines().filter(|l| !l.trim().is_empty());
    let Some(title) = lines.next() else {
        return String::new();
    };
    let title = title.trim().trim_start_matches("ANSWER: ");
    let mut out = format!(
        "<h2>Answer: {}</h2>\n<div class=\"answer\">\n",
        escape_xml(title)
    );
    for line in lines {
        let depth = (line.len() - line.trim_start().len()) / 2;
        let _ = writeln!(
            out,
            "<p class=\"l{}\">{}</p>",
            depth.saturating_sub(1).min(3),
            escape_xml(line.trim())
        );
    }
    out.push_str("</div>\n");
    out
}

/// A paired difference with its interval; bold when the interval excludes
/// zero.
fn difference(e: &Estimate, scale: f64, unit: &str, decimals: usize) -> String {
    if !e.is_defined() {
        return "–".into();
    }
    let text = format!("{:+.decimals$}{unit}", e.value * scale);
    let text = match e.low > 0.0 || e.high < 0.0 {
        true => format!("<strong>{text}</strong>"),
        false => text,
    };
    match e.low == e.high {
        true => text,
        false => format!(
            "{text} <small>[{:+.decimals$}, {:+.decimals$}]</small>",
            e.low * scale,
            e.high * scale
        ),
    }
}

/// `compare`'s paired differences against the first variant shown, as a
/// table: one row per alternative and carrier.
fn differences_section(run: &Run) -> String {
    let shown: Vec<_> = run.shown().collect();
    let Some(&(_, reference_name, reference)) = shown.first() else {
        return String::new();
    };
    if shown.len() < 2 {
        return String::new();
    }
    let mut out = format!(
        "<h2>Differences from {}</h2>\n<p>Alternative minus {}, on the same users: mean of paired per-replication differences with a 95% interval; bold: the interval excludes 0.</p>\n<div class=\"scroll\"><table><tr><th>alternative</th><th>carrier</th><th>OTP success</th><th>code ≤ {}</th><th>code p99</th><th>cost/success</th><th>cost/run</th></tr>\n",
        escape_xml(reference_name),
        escape_xml(reference_name),
        Human(run.scenario.otp.target)
    );
    for &(_, name, report) in &shown[1..] {
        for (row, base) in report.sessions.iter().zip(&reference.sessions) {
            let d = Differences::between(row, base);
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape_xml(name),
                escape_xml(row.carrier.as_deref().unwrap_or("all")),
                difference(&d.otp_success, 100.0, " pt", 2),
                difference(&d.within_target, 100.0, " pt", 2),
                difference(&d.code_p99, 1.0, " s", 1),
                difference(&d.cost_per_success, 1.0, "", 2),
                difference(&d.cost_per_run, 1.0, "", 0),
            );
        }
    }
    out.push_str("</table></div>\n");
    out
}

/// The load's own figures: counts and latencies from the intended send time.
fn load_section(load: &crate::report::LoadFigures) -> String {
    let row = |cells: Vec<String>, tag: &str| -> String {
        let cells: Vec<String> = cells
            .iter()
            .map(|c| format!("<{tag}>{c}</{tag}>"))
            .collect();
        format!("<tr>{}</tr>\n", cells.concat())
    };
    let (names, counts): (Vec<_>, Vec<_>) = load.headline().into_iter().unzip();
    let mut out = String::from("<h2>Load</h2>\n<table>");
    out.push_str(&row(names.iter().map(|n| n.to_string()).collect(), "th"));
    out.push_str(&row(counts.iter().map(u64::to_string).collect(), "td"));
    out.push_str("</table>\n<table>");
    let heads = [
        "from the intended send time",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "n",
    ];
    out.push_str(&row(heads.iter().map(|h| h.to_string()).collect(), "th"));
    for (what, cells) in load.latency_rows() {
        out.push_str(&row(
            std::iter::once(what.to_string()).chain(cells).collect(),
            "td",
        ));
    }
    out.push_str("</table>\n");
    for note in load.receipt_notes() {
        out.push_str(&format!("<p>{}</p>\n", escape_xml(&note)));
    }
    out
}
