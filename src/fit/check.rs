//! `simsms fit --check`: does a scenario reproduce the records? The
//! fitted (or any) scenario is simulated, and per provider × carrier each
//! final-state share and latency percentile of the records is set against
//! the simulation's: they agree when their difference is within the two
//! 95% intervals combined (√(a² + b²) of the half-widths).

use super::FinalState;
use super::estimates::Fit;
use crate::model::Outcome;
use crate::report::Report;
use crate::stats::{Estimate, Quantile, wilson};

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
    pub agrees: bool,
    pub is_latency: bool,
}

fn agrees(a: &Estimate, b: &Estimate) -> bool {
    let half = |e: &Estimate| ((e.high - e.low) / 2.0).max(0.0);
    let allowed = (half(a).powi(2) + half(b).powi(2)).sqrt();
    // A share both sides estimate as exactly 0 (or 1) agrees.
    (a.value - b.value).abs() <= allowed + 1e-12
}

/// Every comparison the records and the simulation both allow.
pub fn compare(fit: &Fit, simulated: &Report) -> Vec<Agreement> {
    let mut out = Vec::new();
    for cell in &fit.cells {
        let Some(row) = simulated.message_row(&cell.provider, Some(&cell.carrier)) else {
            continue;
        };
        let mut sim_counts = [0u64; 6];
        for o in Outcome::ALL {
            sim_counts[state_of(o).index()] += row.outcomes[o as usize];
        }
        for s in FinalState::ALL {
            let records = cell.shares[s.index()];
            let simulated = wilson(sim_counts[s.index()], row.total);
            out.push(Agreement {
                provider: cell.provider.clone(),
                carrier: cell.carrier.clone(),
                what: format!("share {}", s.name()),
                agrees: agrees(&records, &simulated),
                records,
                simulated,
                is_latency: false,
            });
        }
        if let Some(l) = &cell.latency {
            for q in [Quantile::P50, Quantile::P90, Quantile::P99] {
                let Some(records) = l.quantile(q.fraction()) else {
                    continue;
                };
                let simulated = row.latency.estimate(q);
                if !simulated.is_defined() {
                    continue;
                }
                out.push(Agreement {
                    provider: cell.provider.clone(),
                    carrier: cell.carrier.clone(),
                    what: format!("latency {}", q.name()),
                    agrees: agrees(&records, &simulated),
                    records,
                    simulated,
                    is_latency: true,
                });
            }
        }
    }
    out
}

/// The comparison as a text table, with a verdict line.
pub fn text(rows: &[Agreement], scenario: &str) -> String {
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
            "verdict",
        ],
        &table,
        3,
    );
    let differ = rows.iter().filter(|r| !r.agrees).count();
    out.push_str(&match differ {
        0 => format!("All {} figures agree within their intervals.\n", rows.len()),
        n => format!(
            "{n} of {} figures differ beyond their intervals: the scenario does not reproduce the records there.\n",
            rows.len()
        ),
    });
    out
}
