//! The fit report as one self-contained HTML page (`fit.html`): the
//! records read and skipped; per provider × carrier the final-state shares
//! as a table and as bars (beside the simulated shares, with z and the
//! verdict, when `--check` ran), the latency CDF of delivered messages with
//! every fitted shape drawn against the empirical one, and the latency
//! percentiles; the per-number / per-message splits; the users and the
//! traffic. The charts (`html_charts.rs`) are drawn with the run report's
//! SVG helpers and the page uses its stylesheet and load check
//! (`crate::export`). Every name
//! from the records (providers, carriers, skip reasons, file names) is
//! untrusted and escaped.

use super::FinalState;
use super::check::{Agreement, bound};
use super::estimate::latency::LatencyFit;
use super::estimate::persistence::Persistence;
use super::estimates::{CellFit, Fit};
use crate::export::{CHECK_SCRIPT, STYLE, escape_xml, pct};
use crate::report::table::secs;
use crate::stats::{Estimate, Quantile};
use crate::units::{HumanRate, grouped};
use std::fmt::Write;

#[path = "html_charts.rs"]
mod charts;
use charts::{latency_svg, scenario_uses, shape_parameters, shares_svg};

/// What `--check` found, for the page.
#[derive(Debug, Clone, Copy)]
pub struct Checked<'a> {
    /// The simulated scenario's name.
    pub scenario: &'a str,
    pub rows: &'a [Agreement],
}

/// What this page adds to the run report's stylesheet: a table beside its
/// chart, wrapping under it in a narrow window; numbers right-aligned;
/// long names from the records break rather than widen the page.
const FIT_STYLE: &str = "\
.side { display: flex; flex-wrap: wrap; gap: 0 2em; align-items: flex-start; }\n\
.side > div { min-width: 0; max-width: 100%; }\n\
table.num td:nth-child(2), table.num th:nth-child(2) { text-align: right; }\n\
h2, p, code { overflow-wrap: anywhere; }\n\
";

fn count(n: u64) -> String {
    grouped(n as f64, 0, false)
}

/// Seconds with an interval in small print; a bound the data cannot give
/// shows as "–".
fn secs_ci(e: &Estimate) -> String {
    let bound = |x: f64| match x.is_finite() {
        true => secs(x),
        false => "–".into(),
    };
    format!(
        "{} <small>[{}, {}]</small>",
        secs(e.value),
        bound(e.low),
        bound(e.high)
    )
}

/// The verdict cell of one comparison.
fn verdict(a: &Agreement) -> String {
    match a.agrees {
        true => "<span class=\"pass\">agrees</span>".into(),
        false => "<span class=\"fail\">differs</span>".into(),
    }
}

fn z_text(a: &Agreement) -> String {
    match a.z.is_finite() {
        true => format!("{:.1}", a.z),
        false => "∞".into(),
    }
}

/// The whole page.
pub fn page(fit: &Fit, sources: &[String], checked: Option<Checked>) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>simsms fit: {} records</title>\n<style>\n{STYLE}{FIT_STYLE}</style>\n</head>\n<body>\n<h1>simsms fit</h1>\n",
        count(fit.records)
    );
    let files: Vec<String> = sources
        .iter()
        .map(|s| format!("<code>{}</code>", escape_xml(s)))
        .collect();
    let _ = writeln!(
        out,
        "<p>{} records from {} · simsms {} · 95% intervals</p>",
        count(fit.records),
        files.join(", "),
        env!("CARGO_PKG_VERSION")
    );
    out.push_str(&skips_section(fit));
    if let Some(c) = checked {
        out.push_str(&check_summary(c));
    }
    for cell in &fit.cells {
        out.push_str(&cell_section(cell, checked));
    }
    out.push_str(&split_section(
        "Rejections per number and per message",
        "Rejected (REJECTD) messages, by carrier: the share of numbers that are always rejected and the chance that any other send is.",
        &fit.carrier_filters,
    ));
    out.push_str(&split_section(
        "Undeliverable per number and per message",
        "Undeliverable (UNDELIV) messages of those not rejected, by carrier: the share of numbers that never take a message and the chance that any other send fails.",
        &fit.carrier_undeliverable,
    ));
    out.push_str(&behaviour_section(fit));
    out.push_str(CHECK_SCRIPT);
    out.push_str("\n</body>\n</html>\n");
    out
}

fn skips_section(fit: &Fit) -> String {
    if fit.skips.is_empty() {
        return "<p>No record was skipped.</p>\n".into();
    }
    let were = match fit.skipped() {
        1 => "1 record was".to_string(),
        n => format!("{} records were", count(n)),
    };
    let mut out = format!(
        "<h2>Skipped records</h2>\n<p>{were} read but not used:</p>\n<div class=\"scroll\"><table class=\"num\"><tr><th>reason</th><th>records</th><th>first at line</th></tr>\n"
    );
    for (reason, n, line) in &fit.skips {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{line}</td></tr>",
            escape_xml(reason),
            count(*n)
        );
    }
    out.push_str("</table></div>\n");
    out
}

fn check_summary(c: Checked) -> String {
    let differ = c.rows.iter().filter(|r| !r.agrees).count();
    let limit = bound(c.rows.len());
    let verdict = match differ {
        0 => format!(
            "<span class=\"pass\">all {} figures agree</span>: every |z| is within {limit:.2}",
            c.rows.len()
        ),
        n => format!(
            "<span class=\"fail\">{n} of {} figures differ</span> (|z| &gt; {limit:.2}): the scenario does not reproduce the records there",
            c.rows.len()
        ),
    };
    format!(
        "<p>Checked against a simulation of <strong>{}</strong>: {verdict} (5% for all figures together; z is the difference over the two intervals' combined standard error).</p>\n",
        escape_xml(c.scenario)
    )
}

/// The comparison of one cell's figure `what` ("share delivered",
/// "latency p90"), when `--check` made one.
fn rows_of<'a>(cell: &CellFit, checked: Option<Checked<'a>>, what: &str) -> Option<&'a Agreement> {
    checked?
        .rows
        .iter()
        .find(|r| r.provider == cell.provider && r.carrier == cell.carrier && r.what == what)
}

fn cell_section(cell: &CellFit, checked: Option<Checked>) -> String {
    let mut out = format!(
        "<section>\n<h2>{} × {}</h2>\n<p>{} messages; {} delivered with a final time.</p>\n<h3>Final states</h3>\n<div class=\"side\"><div class=\"scroll\">{}</div><div>{}</div></div>\n",
        escape_xml(&cell.provider),
        escape_xml(&cell.carrier),
        count(cell.messages),
        count(cell.delivered_latencies),
        shares_table(cell, checked),
        shares_svg(cell, checked)
    );
    out.push_str("<h3>Latency of delivered messages, send to final state</h3>\n");
    match &cell.latency {
        Some(l) => {
            let _ = writeln!(
                out,
                "<div class=\"side\"><div>{}</div><div class=\"scroll\">{}{}</div></div>",
                latency_svg(cell, l),
                quantiles_table(cell, l, checked),
                fits_table(cell, l)
            );
        }
        None => out.push_str("<p>No delivered message has a final time.</p>\n"),
    }
    out.push_str("</section>\n");
    out
}

/// The simulated value, z and verdict cells of the figure `what` after
/// `--check` ("–" when the check could not compare it); nothing without.
fn check_cells(
    cell: &CellFit,
    checked: Option<Checked>,
    what: &str,
    show: fn(&Estimate) -> String,
) -> String {
    match (checked, rows_of(cell, checked, what)) {
        (None, _) => String::new(),
        (Some(_), Some(a)) => format!(
            "<td>{}</td><td>{}</td><td>{}</td>",
            show(&a.simulated),
            z_text(a),
            verdict(a)
        ),
        (Some(_), None) => "<td>–</td><td>–</td><td>–</td>".into(),
    }
}

fn shares_table(cell: &CellFit, checked: Option<Checked>) -> String {
    let mut out = String::from(
        "<table class=\"num\"><tr><th>final state</th><th>messages</th><th>records</th>",
    );
    if checked.is_some() {
        out.push_str("<th>simulated</th><th>z</th><th>verdict</th>");
    }
    out.push_str("</tr>\n");
    for s in FinalState::ALL {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td>",
            s.name(),
            count(cell.counts[s.index()]),
            pct(&cell.shares[s.index()])
        );
        let what = format!("share {}", s.name());
        out.push_str(&check_cells(cell, checked, &what, pct));
        out.push_str("</tr>\n");
    }
    out.push_str("</table>");
    out
}

fn quantiles_table(cell: &CellFit, l: &LatencyFit, checked: Option<Checked>) -> String {
    let mut out = String::from("<table class=\"num\"><tr><th>percentile</th><th>records</th>");
    if checked.is_some() {
        out.push_str("<th>simulated</th><th>z</th><th>verdict</th>");
    }
    out.push_str("</tr>\n");
    for q in Quantile::ALL {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td>",
            q.name(),
            secs_ci(&l.quantiles[q])
        );
        let what = format!("latency {}", q.name());
        out.push_str(&check_cells(cell, checked, &what, secs_ci));
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    out
}

/// Each candidate's parameters, its KS D and p-value, and which one the
/// fitted scenario uses (fit.json and the scenario carry the exact values).
fn fits_table(cell: &CellFit, l: &LatencyFit) -> String {
    let mut out = String::from(
        "<table><tr><th>shape</th><th>parameters</th><th>KS D</th><th>KS p</th><th>fitted scenario</th></tr>\n",
    );
    let uses = |name: &str| match scenario_uses(l, name) {
        true => "<strong>uses it</strong>",
        false => "",
    };
    let _ = writeln!(
        out,
        "<tr><td>table</td><td>{} rows</td><td>{:.3}</td><td>–</td><td>{}</td></tr>",
        l.table.len(),
        l.table_ks_d(&cell.latencies),
        uses("table")
    );
    for f in [&l.log_normal, &l.exponential, &l.fixed]
        .into_iter()
        .flatten()
    {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{}</td></tr>",
            f.model.name(),
            shape_parameters(f),
            f.ks_d,
            f.ks_p,
            uses(f.model.name())
        );
    }
    out.push_str("</table>\n");
    out
}

fn split_section(title: &str, words: &str, splits: &[(String, Persistence)]) -> String {
    let mut out = format!(
        "<h2>{title}</h2>\n<p>{words}</p>\n<div class=\"scroll\"><table class=\"num\"><tr><th>carrier</th><th>numbers</th><th>sent twice or more</th><th>of messages</th><th>per number</th><th>per message</th></tr>\n"
    );
    for (carrier, f) in splits {
        let (number, message) = match f.identifiable {
            true => (pct(&f.per_number), pct(&f.per_message)),
            false => (
                "not identifiable".into(),
                "<small>no number was sent twice</small>".into(),
            ),
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{number}</td><td>{message}</td></tr>",
            escape_xml(carrier),
            count(f.numbers),
            count(f.repeated_numbers),
            pct(&f.failure_share)
        );
    }
    out.push_str("</table></div>\n");
    out
}

fn behaviour_section(fit: &Fit) -> String {
    let b = &fit.behaviour;
    let t = &fit.traffic;
    let mut rows: Vec<(&str, String)> = vec![
        (
            "sessions",
            format!(
                "{} over {} <small>({})</small>",
                count(b.sessions),
                secs(t.span_s),
                match b.session_keys {
                    true => "from the records' session keys",
                    false => "a number's sends less than 30 minutes apart are one session",
                }
            ),
        ),
        (
            "arrival rate",
            format!(
                "{} <small>[{}, {}]</small>",
                HumanRate(t.rate.value),
                HumanRate(t.rate.low),
                HumanRate(t.rate.high)
            ),
        ),
        (
            "resend after",
            match &b.resend_after {
                Some(e) => format!("{} (median of {} gaps)", secs_ci(e), count(b.gaps)),
                None => "not identified: no session sent twice".into(),
            },
        ),
    ];
    let sf = &fit.store_forward;
    rows.push((
        "absent handsets",
        match sf.identifiable {
            true => format!(
                "{} of messages, absences {} on average <small>(from {} deliveries later than {} and {} expiries)</small>",
                pct(&sf.absent_share),
                secs_ci(&sf.mean_absence_s),
                count(sf.late),
                secs(sf.threshold_s),
                count(sf.expired)
            ),
            false => format!(
                "not identified <small>({} deliveries later than {}, {} needed; {} expiries)</small>",
                count(sf.late),
                secs(sf.threshold_s),
                super::estimate::store_forward::MIN_LATE,
                count(sf.expired)
            ),
        },
    ));
    rows.push((
        "sends per session",
        super::report::sends_per_session(b).join(" · "),
    ));
    let numbers: Vec<String> = fit
        .carrier_shares
        .iter()
        .map(|(c, n, e)| format!("{}: {} ({})", escape_xml(c), count(*n), pct(e)))
        .collect();
    rows.push(("numbers per carrier", numbers.join(" · ")));
    if fit.numbers_beyond_cap > 0 {
        rows.push((
            "beyond the cap",
            format!(
                "{} messages to numbers beyond the {} followed are not in the per-number split",
                count(fit.numbers_beyond_cap),
                count(fit.numbers_followed)
            ),
        ));
    }
    let mut out = String::from("<h2>Users and traffic</h2>\n<div class=\"scroll\"><table>\n");
    for (what, value) in rows {
        let _ = writeln!(out, "<tr><th>{what}</th><td>{value}</td></tr>");
    }
    out.push_str("</table></div>\n");
    if let Some(profile) = &t.profile {
        out.push_str("<p>Sessions per hour of the day (UTC), relative to the mean:</p>\n<div class=\"scroll\"><table class=\"num\"><tr><th>hour</th>");
        for h in 0..24 {
            let _ = write!(out, "<th>{h}</th>");
        }
        out.push_str("</tr>\n<tr><td>factor</td>");
        for f in profile {
            let _ = write!(out, "<td>{f:.2}</td>");
        }
        out.push_str("</tr></table></div>\n");
    }
    out
}

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
