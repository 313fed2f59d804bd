//! How `run`'s report reads when it describes a measurement rather than a
//! simulation (`load`, or the messages `serve` served): a second line says
//! what was measured, and the simulation's header lines (seed,
//! replications, simulated span, intervals over replications) are restated
//! for one measured run.

use std::fmt::Write;

/// `report` with `measured` as its second line and its header restated.
pub fn mark_measured(report: String, measured: &str) -> String {
    let mut lines = report.lines();
    let mut out = String::new();
    if let Some(first) = lines.next() {
        let _ = writeln!(out, "{first}");
    }
    let _ = writeln!(out, "{measured}");
    for line in lines {
        match line.strip_prefix("seed ") {
            Some(rest) => {
                let counts = rest.rsplit(" | ").next().unwrap_or(rest);
                let _ = writeln!(out, "one measured run | {counts}");
            }
            None if line.starts_with("rates: mean over replications") => {
                let costs = line
                    .rsplit_once("; costs in ")
                    .map(|(_, currency)| format!("; costs in {currency}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "rates: Wilson 95% intervals on the measured counts; percentiles: the measured histogram{costs}"
                );
            }
            None => {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}
