//! A self-contained HTML report: expectations, session results per
//! alternative and carrier, the three charts inline, and the full text
//! report. No external resources, so it opens anywhere (and in CI
//! artifacts).

use super::{Run, escape_xml, latency_cdf_svg, outcomes_svg, timeline_svg};
use crate::report::secs;
use crate::stats::Estimate;
use crate::stats::Quantile;
use crate::units::Human;
use std::fmt::Write;

fn pct(e: &Estimate) -> String {
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

/// After load, the page checks that every chart has drawn something and
/// marks `<body data-rendered>` (used by the browser test).
pub(crate) const CHECK_SCRIPT: &str = r#"<script>
window.addEventListener('load', function () {
  var charts = document.querySelectorAll('svg.simsms-chart');
  var drawn = 0;
  charts.forEach(function (svg) {
    var box = svg.getBBox();
    if (box.width > 0 && box.height > 0 && svg.querySelectorAll('polyline, rect').length > 1) { drawn++; }
  });
  document.body.setAttribute('data-rendered', drawn === charts.length && drawn > 0 ? 'ok' : 'failed:' + drawn + '/' + charts.length);
});
</script>"#;

pub fn html_report(run: &Run) -> String {
    let sc = run.scenario;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>simsms: {}</title>\n<style>\n\
body {{ font-family: sans-serif; margin: 2em; color: #222; }}\n\
table {{ border-collapse: collapse; margin: 1em 0; }}\n\
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: right; }}\n\
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) {{ text-align: left; }}\n\
.pass {{ color: #2ca02c; font-weight: bold; }} .fail {{ color: #d62728; font-weight: bold; }} .skip {{ color: #777; }}\n\
pre {{ background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 12px; }}\n\
small {{ color: #666; }}\n</style>\n</head>\n<body>\n",
        escape_xml(&sc.name)
    );
    let _ = writeln!(out, "<h1>simsms: {}</h1>", escape_xml(&sc.name));
    let runs = match run.measurement() {
        Some(m) => {
            let _ = writeln!(out, "<p><strong>{}</strong></p>", escape_xml(&m.line()));
            "one measured run".to_string()
        }
        None => format!("seed {} · {} replications", sc.seed, sc.replications),
    };
    let _ = writeln!(
        out,
        "<p>simsms {} · {runs} · 95% intervals · {}</p>",
        env!("CARGO_PKG_VERSION"),
        escape_xml(&sc.description)
    );
    if let Some(load) = run.measurement().and_then(|m| m.load.as_ref()) {
        out.push_str(&load_section(load));
    }
    if !run.results.verdicts.is_empty() {
        out.push_str("<h2>Expectations</h2>\n<table><tr><th>result</th><th>expectation</th><th>observed</th><th>bound</th></tr>\n");
        for v in &run.results.verdicts {
            let _ = writeln!(
                out,
                "<tr><td class=\"{}\">{}</td><td>{}</td><td>{:.4} <small>[{:.4}, {:.4}]</small></td><td>{}</td></tr>",
                match (v.measured, v.passed) {
                    (false, _) => "skip",
                    (true, true) => "pass",
                    (true, false) => "fail",
                },
                v.word(),
                escape_xml(&v.label),
                v.observed.value,
                v.observed.low,
                v.observed.high,
                escape_xml(&v.bound)
            );
        }
        out.push_str("</table>\n");
    }
    let _ = writeln!(
        out,
        "<h2>Sessions</h2>\n<table><tr><th>alternative</th><th>carrier</th><th>sessions</th><th>OTP success</th><th>code ≤ {}</th><th>code p50</th><th>code p99</th><th>cost/success</th></tr>",
        Human(sc.otp.target)
    );
    for (_, name, report) in run.shown() {
        for r in &report.sessions {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td></tr>",
                escape_xml(name),
                escape_xml(r.carrier.as_deref().unwrap_or("all")),
                r.total,
                pct(&r.otp_success),
                pct(&r.within_target),
                secs(r.time_to_code.merged[Quantile::P50]),
                secs(r.time_to_code.merged[Quantile::P99]),
                r.cost_per_success.value
            );
        }
    }
    out.push_str("</table>\n<h2>Latency</h2>\n");
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
    out
}
