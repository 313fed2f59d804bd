//! Expectations (`[[expect]]`): each bound checked against the report, as a
//! point estimate or with its whole 95% interval. A failed one makes the
//! command exit with code 1.

use super::Report;
use crate::metrics::new_histogram;
use crate::model::Outcome;
use crate::scenario::{ExpectMetric, Expectation, Scenario};
use crate::stats::{Estimate, wilson};

/// The outcome of one expectation.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub label: String,
    pub observed: Estimate,
    /// e.g. "≥ 0.97 (whole interval)".
    pub bound: String,
    pub passed: bool,
    /// Seconds or a fraction; for display.
    pub is_time: bool,
}

pub fn evaluate(sc: &Scenario, report: &Report) -> Vec<Verdict> {
    sc.expectations
        .iter()
        .map(|e| verdict(sc, report, e))
        .collect()
}

fn quantile_index(q: u8) -> usize {
    match q {
        50 => 0,
        90 => 1,
        _ => 2,
    }
}

fn observe(sc: &Scenario, report: &Report, e: &Expectation) -> Estimate {
    let carrier = e.carrier.map(|c| sc.carriers[c].name.as_str());
    let provider = e.provider.map(|p| sc.providers[p].name.as_str());
    let m = &report.merged;
    match e.metric {
        ExpectMetric::SuccessWithinTarget => report
            .session_row(carrier)
            .map_or(Estimate::NONE, |r| r.within_target),
        ExpectMetric::OtpSuccess => report
            .session_row(carrier)
            .map_or(Estimate::NONE, |r| r.otp_success),
        ExpectMetric::CostPerSuccess => report
            .session_row(carrier)
            .map_or(Estimate::NONE, |r| r.cost_per_success),
        ExpectMetric::TimeToCode(q) => report.session_row(carrier).map_or(Estimate::NONE, |r| {
            let i = quantile_index(q);
            let ci = r.time_to_code.per_replication[i];
            Estimate {
                value: r.time_to_code.merged[i],
                low: ci.low,
                high: ci.high,
            }
        }),
        ExpectMetric::DeliveryRate
        | ExpectMetric::ReceiptDeliveryRate
        | ExpectMetric::Latency(_) => {
            if let Some(p) = provider {
                let row = report
                    .message_row(p, carrier)
                    .or_else(|| report.message_row(p, None));
                if let Some(row) = row {
                    return match e.metric {
                        ExpectMetric::DeliveryRate => row.delivery,
                        ExpectMetric::ReceiptDeliveryRate => row.receipt_delivery,
                        ExpectMetric::Latency(q) => {
                            let i = quantile_index(q);
                            let ci = row.latency.per_replication[i];
                            Estimate {
                                value: row.latency.merged[i],
                                low: ci.low,
                                high: ci.high,
                            }
                        }
                        _ => unreachable!(),
                    };
                }
            }
            // Across providers: pooled over replications (Wilson for rates).
            let cells = (0..m.providers)
                .flat_map(|p| (0..m.carriers).map(move |c| (p, c)))
                .filter(|(p, c)| {
                    e.provider.is_none_or(|x| x == *p) && e.carrier.is_none_or(|x| x == *c)
                })
                .map(|(p, c)| m.cell(p, c));
            let (mut delivered, mut receipts, mut total) = (0, 0, 0);
            let mut latency = new_histogram();
            for cell in cells {
                delivered += cell.outcomes[Outcome::Delivered as usize];
                receipts += cell.receipt_delivered;
                total += cell.total();
                latency.add(&cell.latency).expect("same bounds");
            }
            match e.metric {
                ExpectMetric::DeliveryRate => wilson(delivered, total),
                ExpectMetric::ReceiptDeliveryRate => wilson(receipts, total),
                ExpectMetric::Latency(q) if !latency.is_empty() => {
                    Estimate::exact(latency.value_at_quantile(q as f64 / 100.0) as f64 / 1000.0)
                }
                _ => Estimate::NONE,
            }
        }
    }
}

fn verdict(sc: &Scenario, report: &Report, e: &Expectation) -> Verdict {
    let observed = observe(sc, report, e);
    let (lo, hi) = if e.whole_interval {
        (observed.low, observed.high)
    } else {
        (observed.value, observed.value)
    };
    let mut passed = observed.is_defined();
    let mut bounds = Vec::new();
    if let Some(min) = e.min {
        passed &= lo >= min;
        bounds.push(format!(">= {min}"));
    }
    if let Some(max) = e.max {
        passed &= hi <= max;
        bounds.push(format!("<= {max}"));
    }
    let mode = if e.whole_interval {
        "whole 95% interval"
    } else {
        "point estimate"
    };
    Verdict {
        label: e.label.clone(),
        observed,
        bound: format!("{} ({mode})", bounds.join(" and ")),
        passed,
        is_time: matches!(
            e.metric,
            ExpectMetric::TimeToCode(_) | ExpectMetric::Latency(_)
        ),
    }
}
