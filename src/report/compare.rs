//! `simsms compare`: alternatives side by side per carrier, with paired
//! differences against the first one. Common random numbers make the
//! per-replication differences paired, so their t interval is much tighter
//! than the two intervals apart; a `*` marks a difference whose interval
//! excludes zero.

use super::RunResults;
use super::expect::Differences;
use super::render_verdicts;
use super::table::{grid, num_ci, pct_ci, secs};
use crate::scenario::Scenario;
use crate::stats::Estimate;
use crate::stats::Quantile;
use crate::units::Human;
use std::fmt::Write;

/// A difference, with `*` when its interval excludes zero.
fn delta(e: &Estimate, scale: f64, unit: &str, decimals: usize) -> String {
    if !e.is_defined() {
        return "-".into();
    }
    let clear = e.low > 0.0 || e.high < 0.0;
    format!(
        "{:+.decimals$}{unit} [{:+.decimals$}, {:+.decimals$}]{}",
        e.value * scale,
        e.low * scale,
        e.high * scale,
        if clear { " *" } else { "" }
    )
}

/// Renders the comparison of the variants in `order`; the first is the
/// reference the others are compared with.
pub fn render_comparison(sc: &Scenario, results: &RunResults, order: &[usize]) -> String {
    let mut out = String::new();
    let Some(reference) = order.first().and_then(|&i| results.reports[i].as_ref()) else {
        return out;
    };
    let reference_name = &results.names[order[0]];
    let _ = writeln!(
        out,
        "simsms {} | compare \"{}\" ({})",
        reference.version, sc.name, reference.source
    );
    let _ = writeln!(
        out,
        "seed {} | {} | the same users under each alternative (common random numbers)",
        reference.seed,
        crate::units::count(reference.replications, "replication")
    );
    let _ = writeln!(
        out,
        "differences: alternative minus \"{reference_name}\", mean of paired per-replication differences with a 95% t interval; * = interval excludes 0"
    );
    let target = format!("code <= {}", Human(sc.otp.target));
    let header = [
        "carrier",
        "alternative",
        "sessions",
        "OTP success [95% CI]",
        "diff",
        target.as_str(),
        "diff",
        "code p99",
        "diff",
        "cost/success",
        "diff",
        "cost/run",
        "diff",
    ];
    let mut rows = Vec::new();
    for (c, carrier_row) in reference.sessions.iter().enumerate() {
        for &v in order {
            let Some(report) = results.reports[v].as_ref() else {
                continue;
            };
            let r = &report.sessions[c];
            let is_reference = v == order[0];
            let d = match is_reference {
                true => Differences::NONE,
                false => Differences::between(r, carrier_row),
            };
            rows.push(vec![
                r.carrier.clone().unwrap_or_else(|| "(all)".into()),
                results.names[v].clone(),
                r.total.to_string(),
                pct_ci(&r.otp_success),
                delta(&d.otp_success, 100.0, "pt", 2),
                pct_ci(&r.within_target),
                delta(&d.within_target, 100.0, "pt", 2),
                secs(r.time_to_code.merged[Quantile::P99]),
                delta(&d.code_p99, 1.0, "s", 1),
                num_ci(&r.cost_per_success, 2),
                delta(&d.cost_per_success, 1.0, "", 2),
                num_ci(&r.cost_per_run, 0),
                delta(&d.cost_per_run, 1.0, "", 0),
            ]);
        }
    }
    out.push('\n');
    grid(&mut out, &header, &rows, 2);
    for &v in order.iter().filter(|&&v| v > 0) {
        let alt = &sc.alternatives[v - 1];
        if !alt.description.is_empty() {
            let _ = writeln!(out, "  {}: {}", alt.name, alt.description);
        }
    }
    out.push_str(&render_verdicts(&results.verdicts));
    out
}
