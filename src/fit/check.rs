//! `simsms fit --check`: does a scenario reproduce the records? The
//! fitted (or any) scenario is simulated, and per provider × carrier each
//! final-state share and latency percentile of the records is set against
//! the simulation's. Each difference gets a z score, the difference over
//! the two 95% intervals' standard errors combined (√(a² + b²)); a figure
//! differs when |z| passes the Bonferroni bound for all the figures
//! together at 5% (so a scenario that is right fails the check in at most
//! one run in twenty, however many figures there are).

use super::FinalState;
use super::estimates::Fit;
use crate::model::Outcome;
use crate::report::Report;
use crate::stats::{Estimate, Quantile};

/// The final state a simulated outcome shows in delivery records, given
/// that the fitted scenario's providers say REJECTD for filtered messages
/// and always send a receipt.
pub fn state_of(outcome: Outcome) -> FinalState {
    match outcome {
        Outcome::Delivered | Outcome::DeliveredWrongPerson => FinalState::Delivered,
        Outcome::ExpiredInSmsc => FinalState::Expired,
        Outcome::FilteredByCarrier | Outcome::FilteredByUser | Outcome::BlockedSender => {
            FinalState::Rejected
        }
        Outcome::Undeliverable => FinalState::Undeliverable,
        Outcome::LostInTransit => FinalState::NoReceipt,
        Outcome::Refused | Outcome::SendLimited | Outcome::ExpiredInQueue => FinalState::Refused,
    }
}

/// One comparison.
#[derive(Debug, Clone)]
pub struct Agreement {
    pub provider: String,
    pub carrier: String,
    /// `share delivered`, `latency p90`, ...
    pub what: String,
    /// Seconds for latency, a fraction for shares.
    pub records: Estimate,
    pub simulated: Estimate,
    /// The difference in standard errors.
    pub z: f64,
    pub agrees: bool,
    pub is_latency: bool,
}

/// The difference of two estimates in standard errors (0 when both are
/// exact and equal, as a share both sides estimate as exactly 0).
fn z_score(a: &Estimate, b: &Estimate) -> f64 {
    let se = |e: &Estimate| ((e.high - e.low) / 2.0).max(0.0) / 1.959_964;
    let combined = (se(a).powi(2) + se(b).powi(2)).sqrt();
    let d = (a.value - b.value).abs();
    if d <= 1e-12 {
        0.0
    } else if combined == 0.0 {
        f64::INFINITY
    } else {
        d / combined
    }
}

/// The |z| beyond which one of `m` figures differs, family-wise at 5%.
pub fn bound(m: usize) -> f64 {
    crate::stats::normal_quantile(1.0 - 0.025 / m.max(1) as f64)
}

/// Every comparison the records and the simulation both allow.
pub fn compare(fit: &Fit, simulated: &Report) -> Vec<Agreement> {
    let mut out = Vec::new();
    for cell in &fit.cells {
        let Some(row) = simulated.message_row(&cell.provider, Some(&cell.carrier)) else {
            continue;
        };
        // The simulated share of each state: the report's across-
        // replication estimates of its outcomes added (their half-widths
        // in quadrature). Across replications, not pooled counts: a
        // session's messages share its user (an absent handset stores
        // every resend), so pooled counts would understate the spread.
        let mut simulated_shares = [(0.0f64, 0.0f64); 6];
        for o in Outcome::ALL {
            let e = row.shares[o as usize];
            if !e.is_defined() {
                continue;
            }
            let slot = &mut simulated_shares[state_of(o).index()];
            slot.0 += e.value;
            slot.1 += ((e.high - e.low) / 2.0).powi(2);
        }
        for s in FinalState::ALL {
            let records = cell.shares[s.index()];
            let (value, var) = simulated_shares[s.index()];
            let simulated = Estimate {
                value,
                low: (value - var.sqrt()).max(0.0),
                high: (value + var.sqrt()).min(1.0),
            };
            out.push(Agreement {
                provider: cell.provider.clone(),
                carrier: cell.carrier.clone(),
                what: format!("share {}", s.name()),
                z: z_score(&records, &simulated),
                agrees: true,
                records,
                simulated,
                is_latency: false,
            });
        }
        if let Some(l) = &cell.latency {
            for q in [Quantile::P50, Quantile::P90, Quantile::P99] {
                let records = l.quantiles[q];
                if !records.high.is_finite() {
                    // Too few values to bound this percentile.
                    continue;
                }
                let simulated = row.latency.estimate(q);
                if !simulated.is_defined() {
                    continue;
                }
                out.push(Agreement {
                    provider: cell.provider.clone(),
                    carrier: cell.carrier.clone(),
                    what: format!("latency {}", q.name()),
                    z: z_score(&records, &simulated),
                    agrees: true,
                    records,
                    simulated,
                    is_latency: true,
                });
            }
        }
    }
    let limit = bound(out.len());
    for a in &mut out {
        a.agrees = a.z <= limit;
    }
    out
}

/// Latency percentiles the records are too few to bound above, so not
/// compared.
pub fn unbounded_latencies(fit: &Fit) -> usize {
    fit.cells
        .iter()
        .filter_map(|c| c.latency.as_ref())
        .map(|l| {
            [Quantile::P50, Quantile::P90, Quantile::P99]
                .into_iter()
                .filter(|q| !l.quantiles[*q].high.is_finite())
                .count()
        })
        .sum()
}

/// The comparison as a text table, with a verdict line (and how many
/// latency percentiles of `fit` were too thinly sampled to compare).
pub fn text(rows: &[Agreement], scenario: &str, fit: &Fit) -> String {
    use crate::report::table::{grid, pct_ci, secs};
    let show = |r: &Agreement, e: &Estimate| match r.is_latency {
        true => format!("{} [{}, {}]", secs(e.value), secs(e.low), secs(e.high)),
        false => pct_ci(e),
    };
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.provider.clone(),
                r.carrier.clone(),
                r.what.clone(),
                show(r, &r.records),
                show(r, &r.simulated),
                format!("{:.1}", r.z),
                if r.agrees { "agrees" } else { "DIFFERS" }.to_string(),
            ]
        })
        .collect();
    let mut out = format!("\nThe records against a simulation of \"{scenario}\"\n");
    grid(
        &mut out,
        &[
            "provider",
            "carrier",
            "what",
            "records",
            "simulated",
            "z",
            "verdict",
        ],
        &table,
        3,
    );
    let differ = rows.iter().filter(|r| !r.agrees).count();
    let limit = bound(rows.len());
    out.push_str(&match differ {
        0 => format!(
            "All {} figures agree: every |z| is within {limit:.2} (5% for all figures together).\n",
            rows.len()
        ),
        n => format!(
            "{n} of {} figures differ (|z| > {limit:.2}, 5% for all figures together): the scenario does not reproduce the records there.\n",
            rows.len()
        ),
    });
    let unbounded = unbounded_latencies(fit);
    if unbounded > 0 {
        out.push_str(&format!(
            "{unbounded} latency percentiles not compared: too few deliveries to bound them (docs/fit.md)\n"
        ));
    }
    out
}

/// The comparison as JSON (`check.json`).
pub fn json(rows: &[Agreement], scenario: &str) -> serde_json::Value {
    let e = |e: &Estimate| serde_json::json!({"value": e.value, "low": e.low, "high": e.high});
    serde_json::json!({
        "schema": "simsms-fit-check/1",
        "simsms_version": env!("CARGO_PKG_VERSION"),
        "scenario": scenario,
        "bound": bound(rows.len()),
        "agrees": rows.iter().all(|r| r.agrees),
        "figures": rows.iter().map(|r| serde_json::json!({
            "provider": r.provider,
            "carrier": r.carrier,
            "what": r.what,
            "records": e(&r.records),
            "simulated": e(&r.simulated),
            "z": if r.z.is_finite() { serde_json::json!(r.z) } else { serde_json::Value::Null },
            "agrees": r.agrees,
        })).collect::<Vec<_>>(),
    })
}

/// Why a check compared nothing: no provider × carrier of the records is
/// in the scenario.
pub fn nothing_to_compare(fit: &Fit, scenario: &std::path::Path) -> String {
    let pairs: Vec<String> = fit
        .cells
        .iter()
        .map(|c| format!("{} x {}", c.provider, c.carrier))
        .collect();
    format!(
        "--check {}: none of the records' providers and carriers ({}) is in the scenario: nothing to compare",
        scenario.display(),
        pairs.join(", ")
    )
}
